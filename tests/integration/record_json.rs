//! The record's JSON shape: exact field names, and a lossless round trip.

use crate::support::*;
use whohosts::HostingRecord;

#[tokio::test]
async fn record_round_trips_through_json_with_documented_names() {
    let (_world, record) = lookup_recorded("www.cloudflare.com").await;
    let json = serde_json::to_value(&record).unwrap();
    // Field order in the serialised text is the documented order.
    let text = serde_json::to_string(&record).unwrap();
    let mut keys: Vec<(usize, &str)> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (text.find(&format!("\"{k}\":")).unwrap(), k.as_str()))
        .collect();
    keys.sort();
    let keys: Vec<&str> = keys.into_iter().map(|(_, k)| k).collect();
    assert_eq!(
        keys,
        vec![
            "schema_version",
            "query",
            "domain",
            "domain_unicode",
            "registrable_domain",
            "resolved_at",
            "dns",
            "addresses",
            "registrar",
            "registry",
            "abuse_contacts",
            "errors",
            "outcomes",
            "origin_hidden",
            "platform",
            "notice_targets"
        ]
    );
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["addresses"][0]["asn"]["number"], 13335);
    assert_eq!(json["registrar"]["iana_id"], "1910");
    let flat = &json["abuse_contacts"][0];
    assert_eq!(flat["party"], "cdn");
    assert_eq!(flat["for"], "104.16.123.96");
    assert_eq!(flat["web"], "https://abuse.cloudflare.com/");
    assert!(json["resolved_at"].as_str().unwrap().parse::<jiff::Timestamp>().is_ok());

    let back: HostingRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(back, record);
}
