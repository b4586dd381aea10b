//! The record's JSON shape: exact field names, and a lossless round trip.

use crate::support::*;
use whohosts::{HostingRecord, StepError, StepErrorKind};
use whohosts_testing::{Fault, World};

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
            "notice_targets",
            "data"
        ]
    );
    assert_eq!(json["schema_version"], 4);
    assert_eq!(json["addresses"][0]["asn"]["number"], 13335);
    // Schema 4: each address says which abuse sources went first (no quota-free source is
    // configured here, so RDAP).
    let plan = &json["addresses"][0]["plan"];
    assert_eq!(plan["first"], "rdap");
    assert_eq!(plan["rdap_asked"], true);
    assert_eq!(plan["reason"], serde_json::Value::Null);
    assert_eq!(json["registrar"]["iana_id"], "1910");
    let flat = &json["abuse_contacts"][0];
    assert_eq!(flat["party"], "cdn");
    assert_eq!(flat["for"], "104.16.123.96");
    assert_eq!(flat["web"], "https://abuse.cloudflare.com/");
    // RFC 3339 in UTC, whole seconds: `2026-12-05T09:00:00Z`.
    let resolved_at = json["resolved_at"].as_str().unwrap();
    assert!(resolved_at.parse::<jiff::Timestamp>().is_ok());
    assert_eq!((resolved_at.len(), &resolved_at[19..]), (20, "Z"), "{resolved_at}");

    let back: HostingRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(back, record);
}

/// Schema 2: every error says the HTTP status it came from (or null) and whether asking again
/// may succeed.
#[tokio::test]
async fn errors_carry_http_status_and_retryable() {
    let cases = [
        (Fault::Status(503), "http_status", serde_json::json!(503), true),
        (Fault::Status(404), "not_found", serde_json::json!(404), false),
        (Fault::Status(403), "http_status", serde_json::json!(403), false),
        (Fault::Malformed, "malformed", serde_json::Value::Null, false),
    ];
    for (fault, kind, status, retryable) in cases {
        let (world, client) =
            start(World::recorded().fault("markmonitor", "domain/", fault.clone(), None)).await;
        let record = client.lookup("google.com").await.unwrap();
        let target = format!("{}domain/GOOGLE.COM", world.service_url("markmonitor"));
        let json = serde_json::to_value(&record).unwrap();
        let errors: Vec<_> =
            json["errors"].as_array().unwrap().iter().filter(|e| e["target"] == target).collect();
        assert_eq!(errors.len(), 1, "{fault:?}: {errors:#?}");
        let error = errors[0].as_object().unwrap();
        let keys: Vec<&str> = error.keys().map(String::as_str).collect();
        // (serde_json's map sorts keys.)
        assert_eq!(keys, ["http_status", "kind", "message", "retryable", "stage", "target"]);
        assert_eq!(error["stage"], "rdap");
        assert_eq!(error["target"], target.as_str());
        assert_eq!(error["kind"], kind, "{fault:?}");
        assert_eq!(error["http_status"], status, "{fault:?}");
        assert_eq!(error["retryable"], retryable, "{fault:?}");
    }
}

/// A schema 1 error (without the two fields) still reads.
#[test]
fn schema_1_errors_still_read() {
    let v1 = r#"{"stage":"dns","target":"example.com","kind":"nxdomain","message":"x"}"#;
    let error: StepError = serde_json::from_str(v1).unwrap();
    assert_eq!(error.kind, StepErrorKind::NxDomain);
    assert_eq!(error.http_status, None);
    assert!(!error.retryable);
}
