//! The HTTP policy seen from a lookup: redirects followed and recorded, size cap, ASN
//! sources chosen by configuration.

use crate::support::*;
use whohosts::StepErrorKind;
use whohosts_testing::{Fault, World};

#[tokio::test]
async fn redirect_is_followed_and_the_final_url_recorded() {
    let (world, client) = start(World::recorded().fault(
        "arin",
        "ip/8.8.8.8",
        Fault::Redirect("https://rdap.arin.net/registry/ip/8.8.8.0/24".into()),
        None,
    ))
    .await;
    let record = client.lookup("8.8.8.8").await.unwrap();
    let net = address(&record, "8.8.8.8").network.as_ref().unwrap();
    let final_url = format!("{}ip/8.8.8.0/24", world.service_url("arin"));
    assert_eq!(net.source_url.as_deref(), Some(final_url.as_str()));
    assert_eq!(
        address(&record, "8.8.8.8").abuse[0].source_url.as_deref(),
        Some(final_url.as_str())
    );
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    assert_eq!(world.requests_for("arin", "ip/8.8.8.8"), 1);
    assert_eq!(world.requests_for("arin", "ip/8.8.8.0/24"), 1);
}

#[tokio::test]
async fn redirect_loop_is_refused() {
    let (world, client) = start(World::recorded().fault(
        "arin",
        "ip/8.8.8.8",
        Fault::Redirect("https://rdap.arin.net/registry/ip/8.8.8.8".into()),
        None,
    ))
    .await;
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert_eq!(record.errors.len(), 1, "{:#?}", record.errors);
    assert_eq!(record.errors[0].kind, StepErrorKind::Redirect);
    assert!(record.errors[0].message.contains("redirect"), "{}", record.errors[0].message);
    // The first request and one redirect back to the same URL, then it stops.
    assert_eq!(world.requests("arin"), 2);
    assert_eq!(address(&record, "8.8.8.8").asn.as_ref().unwrap().number, 15169);
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let world = World::recorded()
        .fault("arin", "ip/", Fault::Oversized(10_000), None)
        .start()
        .await
        .unwrap();
    let client = world.client_builder().max_response_bytes(4096).build().unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    let url = format!("{}ip/8.8.8.8", world.service_url("arin"));
    assert_eq!(error_keys(&record.errors), vec![("rdap".into(), "too_large".into(), url)]);
    assert_eq!(world.requests("arin"), 1, "a size violation is not retried");
}

#[tokio::test]
async fn asn_database_replaces_cymru_and_chains_in_order() {
    let world = World::recorded().start().await.unwrap();
    let client = world
        .client_builder()
        .asn_database("tests/fixtures/mmdb/GeoLite2-ASN-Test.mmdb")
        .asn_database("tests/fixtures/asn/asn-ipv4-slice.csv")
        .build()
        .unwrap();
    // 8.8.8.8 is not in the MaxMind test database: the CSV answers.
    let record = client.lookup("8.8.8.8").await.unwrap();
    let asn = address(&record, "8.8.8.8").asn.clone().unwrap();
    assert_eq!(
        (asn.number, asn.name.as_deref(), asn.source.as_str()),
        (15169, Some("Google LLC"), "csv")
    );
    assert_eq!(asn.prefix.map(|p| p.to_string()).as_deref(), Some("8.8.8.0-8.8.8.255"));
    // 1.0.0.1 is in the MaxMind test database (first in the chain).
    let record = client.lookup("1.0.0.1").await.unwrap();
    let asn = address(&record, "1.0.0.1").asn.clone().unwrap();
    assert_eq!(
        (asn.number, asn.name.as_deref(), asn.source.as_str()),
        (15169, Some("Google Inc."), "mmdb")
    );
    // No Team Cymru question was asked.
    assert_eq!(world.dns_queries_for("8.8.8.8.origin.asn.cymru.com", "TXT"), 0);
    assert_eq!(world.dns_queries(), 0);
}

#[tokio::test]
async fn unreadable_asn_database_is_a_config_error() {
    let result = whohosts::Client::builder()
        .nameservers(["127.0.0.1:9".parse().unwrap()])
        .asn_database("tests/fixtures/no-such-file.mmdb")
        .build();
    assert!(matches!(result, Err(whohosts::Error::Config(_))), "{result:?}");
}

#[tokio::test]
async fn addresses_per_name_are_capped() {
    // SYNTHESISED: a name with 20 A records inside Cloudflare's recorded ARIN network.
    let builder = (1..=20)
        .fold(World::recorded(), |b, i| b.a("many.cloudflare.com", &format!("104.16.200.{i}")));
    let world = builder.start().await.unwrap();
    let client = world.client_builder().max_addresses(4).build().unwrap();
    let record = client.lookup("many.cloudflare.com").await.unwrap();
    let ips: Vec<String> = record.dns.addresses.iter().map(|a| a.to_string()).collect();
    assert_eq!(ips, vec!["104.16.200.1", "104.16.200.2", "104.16.200.3", "104.16.200.4"]);
    assert_eq!(record.addresses.len(), 4);
    assert_eq!(world.requests("arin"), 4);
}

#[tokio::test]
async fn cname_chains_are_capped() {
    // SYNTHESISED: a chain of 10 CNAMEs ending at an address.
    let mut builder = World::recorded();
    for i in 0..10 {
        builder =
            builder.cname(&format!("c{i}.cloudflare.com"), &format!("c{}.cloudflare.com", i + 1));
    }
    let world = builder.a("c10.cloudflare.com", "104.16.123.96").start().await.unwrap();
    let client = world.client_builder().max_cname_chain(3).build().unwrap();
    let record = client.lookup("c0.cloudflare.com").await.unwrap();
    assert_eq!(
        record.dns.cname_chain,
        vec!["c1.cloudflare.com", "c2.cloudflare.com", "c3.cloudflare.com"]
    );
}

#[tokio::test]
async fn redirects_are_capped() {
    // Each hop redirects to the next (all different URLs): the cap stops the chain.
    let mut builder = World::recorded();
    for i in 0..5 {
        builder = builder.fault(
            "arin",
            &format!("hop{i}"),
            Fault::Redirect(format!("https://rdap.arin.net/registry/hop{}", i + 1)),
            None,
        );
    }
    let world = builder
        .fault(
            "arin",
            "ip/8.8.8.8",
            Fault::Redirect("https://rdap.arin.net/registry/hop0".into()),
            None,
        )
        .start()
        .await
        .unwrap();
    let client = world.client_builder().max_redirects(2).disable_whois().build().unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert_eq!(record.errors.len(), 1, "{:#?}", record.errors);
    assert_eq!(record.errors[0].kind, StepErrorKind::Redirect);
    // The first request and two redirects followed; the third is refused.
    assert_eq!(world.requests("arin"), 3);
}
