//! WHOIS fallbacks: a ccTLD without RDAP, a thin registry referring to the registrar's WHOIS,
//! and a registrar that answers with a rate-limit text. Each fact says it came from WHOIS.

use crate::support::*;
use whohosts::{FallbackReason, StepErrorKind};
use whohosts::{OutcomeStatus, SourceKind};
use whohosts_testing::{Fault, World};

#[tokio::test]
async fn cctld_without_rdap_is_answered_by_whois() {
    let (world, record) = lookup_recorded("app.nl").await;
    // No RDAP service knows .nl here, so RDAP reports that and WHOIS takes over.
    assert_eq!(
        error_keys(&record.errors),
        vec![
            ("dns".into(), "nxdomain".into(), "app.nl".into()),
            ("rdap".into(), "no_source".into(), "app.nl".into()),
        ]
    );
    let registry = record.registry.as_ref().unwrap();
    assert_eq!(registry.tld, "nl");
    assert_eq!(registry.source_url.as_deref(), Some("whois://whois.domain-registry.nl:43"));
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.name.as_deref(), Some("Hosting Secure"));
    assert_eq!(emails(&registrar.abuse), vec!["abuse@hostingsecure.com"]);
    assert_eq!(registrar.abuse[0].phone.as_deref(), Some("+31.0202018165"));
    let source = &registrar.abuse[0].sources[0];
    assert_eq!(source.kind, SourceKind::Whois);
    assert_eq!(source.url.as_deref(), Some("whois.domain-registry.nl:43"));
    assert_eq!(source.fallback, Some(FallbackReason::NoRdapService));
    assert!(source.line.is_some());
    assert_eq!(registrar.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(world.whois_requests("whois.domain-registry.nl"), 1);
    assert_eq!(world.total_requests(), 0);
}

#[tokio::test]
async fn thin_registry_refers_to_the_registrar_whois() {
    // The registry's RDAP is down: WHOIS is asked, Verisign first, then MarkMonitor.
    let (world, client) =
        start(World::recorded().fault("verisign", "domain/", Fault::Status(503), None)).await;
    let record = client.lookup("google.com").await.unwrap();
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(registrar.iana_id.as_deref(), Some("292"));
    assert_eq!(emails(&registrar.abuse)[0], "abusecomplaints@markmonitor.com");
    let source = &registrar.abuse[0].sources[0];
    assert_eq!(source.kind, SourceKind::Whois);
    assert_eq!(source.fallback, Some(FallbackReason::RdapRegistryFailed));
    let rdap_errors: Vec<_> =
        record.errors.iter().filter(|e| e.kind == StepErrorKind::HttpStatus).collect();
    assert_eq!(rdap_errors.len(), 1, "{:#?}", record.errors);
    assert_eq!(world.whois_requests("whois.verisign-grs.com"), 1);
    assert_eq!(world.whois_requests("whois.markmonitor.com"), 1);
    // The client counts them as WHOIS queries, one per server, beside its HTTP requests.
    let sent: Vec<(String, u64)> = client
        .stats()
        .whois_queries_per_server
        .into_iter()
        .map(|(key, n)| (key.split(':').take(2).collect::<Vec<_>>().join(":"), n))
        .collect();
    let servers: Vec<&str> = sent.iter().map(|(key, _)| key.as_str()).collect();
    assert!(servers.contains(&"whois://whois.markmonitor.com"), "{sent:?}");
    assert!(servers.contains(&"whois://whois.verisign-grs.com"), "{sent:?}");
    for (key, n) in &sent {
        // As many as the world answered.
        assert_eq!(*n, world.whois_requests(key.trim_start_matches("whois://")), "{key}");
    }
}

#[tokio::test]
async fn whois_rate_limit_text_is_an_error_and_the_rest_is_kept() {
    let (world, client) =
        start(World::recorded().fault("verisign", "domain/google.net", Fault::Status(503), None))
            .await;
    let record = client.lookup("google.net").await.unwrap();
    let limited: Vec<_> =
        record.errors.iter().filter(|e| e.kind == StepErrorKind::RateLimited).collect();
    assert_eq!(limited.len(), 1, "{:#?}", record.errors);
    assert_eq!(limited[0].target, "whois.markmonitor.com:43");
    // The registry's WHOIS answer still names the registrar.
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(world.whois_requests("whois.markmonitor.com"), 1);
}

#[tokio::test]
async fn whois_can_be_disabled() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().disable_whois().build().unwrap();
    let record = client.lookup("196.216.2.6").await.unwrap();
    let a = address(&record, "196.216.2.6");
    assert!(a.abuse.is_empty());
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::NonePublished);
    assert!(world.whois_log().is_empty());
}
