//! Faults: a source that fails never costs the facts other sources found.

use std::time::Duration;

use crate::support::*;
use whohosts::OutcomeStatus;
use whohosts::{FallbackReason, StepErrorKind};
use whohosts_testing::{Fault, World};

#[tokio::test]
async fn registrar_answering_503_keeps_the_registry_facts() {
    let (world, client) =
        start(World::recorded().fault("markmonitor", "domain/", Fault::Status(503), None)).await;
    let record = client.lookup("google.com").await.unwrap();
    let verisign = world.service_url("verisign");
    let markmonitor = format!("{}domain/GOOGLE.COM", world.service_url("markmonitor"));

    let registry = record.registry.as_ref().unwrap();
    assert_eq!(registry.source_url, Some(format!("{verisign}domain/google.com")));
    // The registrar as the registry states it is still there.
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(registrar.iana_id.as_deref(), Some("292"));
    assert_eq!(registrar.rdap_url.as_deref(), Some(markmonitor.as_str()));
    assert_eq!(registrar.source_url, Some(format!("{verisign}domain/google.com")));
    assert_eq!(emails(&registrar.abuse), vec!["abusecomplaints@markmonitor.com"]);
    assert_eq!(registrar.abuse[0].phone.as_deref(), Some("+1.2083895740"));
    // The registry's copy of the registrar's abuse contact is enough to notify.
    assert_eq!(registrar.abuse_outcome.status, OutcomeStatus::Found);

    let rdap_errors: Vec<_> = record.errors.iter().filter(|e| e.target == markmonitor).collect();
    assert_eq!(rdap_errors.len(), 1, "{:#?}", record.errors);
    assert_eq!(rdap_errors[0].kind, StepErrorKind::HttpStatus);
    assert_eq!(rdap_errors[0].message, "the server answered 503 Service Unavailable");
    // The default policy retries a 5xx twice: three requests in all.
    assert_eq!(world.requests("markmonitor"), 3);
    assert_eq!(world.requests("verisign"), 1);
}

#[tokio::test]
async fn rate_limited_once_is_retried_after_the_pause() {
    let world = World::recorded()
        .fault("arin", "ip/", Fault::RateLimit { retry_after: "1".into() }, Some(1))
        .start()
        .await
        .unwrap();
    let client = world.client_builder().build().unwrap();
    let started = std::time::Instant::now();
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was honoured");
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    assert_eq!(emails(&address(&record, "8.8.8.8").abuse), vec!["network-abuse@google.com"]);
    // Exactly one retry.
    assert_eq!(world.requests("arin"), 2);
}

#[tokio::test]
async fn truncated_body_is_an_error_and_other_facts_stay() {
    let (world, client) =
        start(World::recorded().fault("ripe", "ip/", Fault::Truncate, None)).await;
    let record = client.lookup("193.0.6.139").await.unwrap();
    let url = format!("{}ip/193.0.6.139", world.service_url("ripe"));
    assert_eq!(error_keys(&record.errors), vec![("rdap".into(), "malformed".into(), url)]);
    let a = address(&record, "193.0.6.139");
    assert!(a.network.is_none());
    // The ASN came from another source and is kept.
    assert_eq!(a.asn.as_ref().unwrap().number, 3333);
    // RIPE's WHOIS still gives the abuse mailbox, marked as a fallback.
    assert_eq!(emails(&a.abuse), vec!["abuse@ripe.net"]);
    assert_eq!(a.abuse[0].sources[0].fallback, Some(FallbackReason::RdapNetworkFailed));
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::Found);
    // A malformed body is not retried.
    assert_eq!(world.requests("ripe"), 1);
    assert_eq!(world.whois_requests("whois.ripe.net"), 1);
}

#[tokio::test]
async fn https_only_by_default_refuses_the_world() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().allow_http(false).build().unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert_eq!(record.errors.len(), 1, "{:#?}", record.errors);
    assert_eq!(record.errors[0].kind, StepErrorKind::Blocked);
    // The ASN (DNS) still answered; no HTTP request was made.
    assert_eq!(address(&record, "8.8.8.8").asn.as_ref().unwrap().number, 15169);
    assert_eq!(world.total_requests(), 0);
}

#[tokio::test]
async fn private_addresses_refused_by_default() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().allow_private(false).build().unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    // Neither RDAP nor the WHOIS fallback may connect to the loopback world.
    assert_eq!(
        error_keys(&record.errors),
        vec![
            ("rdap".into(), "blocked".into(), format!("{}ip/8.8.8.8", world.service_url("arin"))),
            ("whois".into(), "blocked".into(), "8.8.8.8".into()),
        ]
    );
    assert_eq!(world.total_requests(), 0);
    assert!(world.whois_log().is_empty());
}

#[tokio::test]
async fn lookup_deadline_keeps_what_finished() {
    // The ARIN answer would take 30 s; the lookup's own deadline is 300 ms.
    let world = World::recorded()
        .fault("arin", "ip/", Fault::Latency(Duration::from_secs(30)), None)
        .start()
        .await
        .unwrap();
    let client = world
        .client_builder()
        .disable_whois()
        .lookup_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert_eq!(record.errors.len(), 1, "{:#?}", record.errors);
    assert_eq!(record.errors[0].kind, StepErrorKind::Timeout);
    assert!(record.errors[0].message.contains("deadline"), "{}", record.errors[0].message);
    // The ASN answered in time and is kept.
    assert_eq!(address(&record, "8.8.8.8").asn.as_ref().unwrap().number, 15169);
}
