//! The lookup deadline counts working time, not time queued behind a rate-limited server;
//! and what failed is kept only briefly, what a lookup's deadline cut short never.

use std::time::Duration;

use futures_util::StreamExt;
use whohosts::StepErrorKind;
use whohosts::{CacheSettings, Stage};
use whohosts_testing::{Fault, World};

use crate::support::arin_one_request_per;

/// Five addresses whose networks ARIN answers (recorded preset), each its own request.
const ARIN_ADDRESSES: [&str; 5] =
    ["8.8.8.8", "104.16.132.229", "104.16.133.229", "104.16.123.96", "3.5.140.2"];

#[tokio::test]
async fn lookups_queued_behind_a_rate_limit_are_not_timed_out() {
    // ARIN allows one request per 400 ms: the fifth address is asked 1.6 s after the first,
    // well past the 1 s lookup deadline — which does not count the time spent queued.
    let world = World::recorded().start().await.unwrap();
    let client = arin_one_request_per(&world, Duration::from_millis(400))
        .lookup_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let results: Vec<_> = client.lookup_many(ARIN_ADDRESSES).collect().await;
    assert_eq!(results.len(), 5);
    for (input, result) in results {
        let record = result.unwrap();
        assert!(record.errors.is_empty(), "{input}: {:#?}", record.errors);
        let network = record.addresses[0].network.as_ref();
        assert!(network.and_then(|n| n.handle.as_ref()).is_some(), "{input}: no network");
    }
    assert_eq!(world.requests("arin"), 5);
}

#[tokio::test]
async fn a_server_slower_than_the_deadline_still_times_out() {
    // Working time is bounded: ARIN takes 3 s to answer, the deadline is 500 ms.
    let world = World::recorded()
        .fault("arin", "ip/", Fault::Latency(Duration::from_secs(3)), None)
        .start()
        .await
        .unwrap();
    let client = world.client_builder().lookup_timeout(Duration::from_millis(500)).build().unwrap();
    let started = std::time::Instant::now();
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    // The RDAP network lookup timed out (and so did the WHOIS fallback it then needed).
    let rdap: Vec<_> = record.errors.iter().filter(|e| e.stage == Stage::Rdap).collect();
    assert_eq!(rdap.len(), 1, "{:#?}", record.errors);
    assert_eq!(rdap[0].kind, StepErrorKind::Timeout);
    assert!(rdap[0].message.contains("lookup deadline"), "{}", rdap[0].message);
    // WHOIS, the fallback, was not asked once the deadline had passed, and says so.
    let whois: Vec<_> = record.errors.iter().filter(|e| e.stage == Stage::Whois).collect();
    assert_eq!(whois.len(), 1, "{:#?}", record.errors);
    assert!(whois[0].message.starts_with("not asked: "), "{}", whois[0].message);
    // The ASN, from DNS, is still there.
    assert_eq!(record.addresses[0].asn.as_ref().map(|a| a.number), Some(15169));
}

/// A client whose failed registration and network facts are kept for `error_ttl`.
fn client_keeping_failures(world: &World, error_ttl: Duration) -> whohosts::Client {
    let mut cache = CacheSettings::default();
    cache.error_ttl = error_ttl;
    world.client_builder().cache(cache).build().unwrap()
}

/// Where the registrar facts of `record` were read: `rdap` or `whois`.
fn registrar_source(record: &whohosts::HostingRecord) -> &'static str {
    let url = record.registrar.as_ref().and_then(|r| r.source_url.as_deref()).unwrap_or("");
    if url.starts_with("whois://") { "whois" } else { "rdap" }
}

#[tokio::test]
async fn a_registry_failure_is_not_reused_past_the_error_ttl() {
    // Verisign's RDAP answers 503 to the first three requests (one lookup: a request and
    // two retries), then recovers. The first lookup falls back to WHOIS; with failures not
    // kept, the next lookup of the domain asks RDAP again and gets its answer.
    let world = World::recorded()
        .fault("verisign", "domain/google.com", Fault::Status(503), Some(3))
        .start()
        .await
        .unwrap();
    let client = client_keeping_failures(&world, Duration::ZERO);
    let first = client.lookup("google.com").await.unwrap();
    assert!(
        first.errors.iter().any(|e| e.kind == StepErrorKind::HttpStatus),
        "{:#?}",
        first.errors
    );
    assert_eq!(registrar_source(&first), "whois");
    assert_eq!(world.requests_for("verisign", "domain/google.com"), 3);

    let second = client.lookup("google.com").await.unwrap();
    assert_eq!(registrar_source(&second), "rdap");
    assert!(
        second.errors.iter().all(|e| e.kind != StepErrorKind::HttpStatus),
        "{:#?}",
        second.errors
    );
    assert_eq!(second.registrar.as_ref().unwrap().iana_id.as_deref(), Some("292"));
    assert_eq!(world.requests_for("verisign", "domain/google.com"), 4);
}

#[tokio::test]
async fn a_registry_failure_is_reused_within_the_error_ttl() {
    let world = World::recorded()
        .fault("verisign", "domain/google.com", Fault::Status(503), Some(3))
        .start()
        .await
        .unwrap();
    let client = client_keeping_failures(&world, Duration::from_secs(3600));
    let first = client.lookup("google.com").await.unwrap();
    let second = client.lookup("google.com").await.unwrap();
    assert_eq!(registrar_source(&second), "whois");
    assert_eq!(first.errors, second.errors);
    assert_eq!(world.requests_for("verisign", "domain/google.com"), 3);
    assert_eq!(client.stats().registration_hits, 1);
}

#[tokio::test]
async fn facts_cut_short_by_a_deadline_are_never_kept() {
    // The first lookup's deadline (500 ms) passes while Verisign and ARIN take 2 s; even
    // with failures kept for an hour, the next lookup asks again and gets everything.
    let world = World::recorded()
        .fault("verisign", "domain/google.com", Fault::Latency(Duration::from_secs(2)), Some(1))
        .fault("arin", "ip/", Fault::Latency(Duration::from_secs(2)), Some(1))
        .start()
        .await
        .unwrap();
    let mut cache = CacheSettings::default();
    cache.error_ttl = Duration::from_secs(3600);
    let client = world
        .client_builder()
        .cache(cache)
        .lookup_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let first = client.lookup("google.com").await.unwrap();
    // Registry and network timed out (each WHOIS fallback then had no time left either).
    let rdap: Vec<_> = first.errors.iter().filter(|e| e.stage == Stage::Rdap).collect();
    assert_eq!(rdap.len(), 2, "{:#?}", first.errors);
    assert!(rdap.iter().all(|e| e.kind == StepErrorKind::Timeout), "{rdap:#?}");

    let second = client.lookup("google.com").await.unwrap();
    // Asked again: the registry answers; ARIN answers (404: the recorded preset has no
    // network for 142.250.185.46) — and nothing timed out.
    assert!(second.errors.iter().all(|e| e.kind != StepErrorKind::Timeout), "{:#?}", second.errors);
    assert_eq!(registrar_source(&second), "rdap");
    assert_eq!(world.requests_for("verisign", "domain/google.com"), 2);
    assert_eq!(world.requests_for("arin", "ip/142.250.185.46"), 2);
}

#[tokio::test]
async fn a_joined_lookup_does_not_inherit_another_lookups_timeout() {
    // The first lookup of google.com asks Verisign, which takes 2 s to answer that one
    // request; its 500 ms deadline passes. A second lookup of the same domain, started
    // 300 ms later, joins that request in flight; when the first gives up, the second is
    // released to ask for itself (its own deadline stopped while it waited) and gets the
    // answer.
    let world = World::recorded()
        .fault("verisign", "domain/google.com", Fault::Latency(Duration::from_secs(2)), Some(1))
        .start()
        .await
        .unwrap();
    let client = world.client_builder().lookup_timeout(Duration::from_millis(500)).build().unwrap();
    let started = tokio::time::Instant::now();
    let ((first, first_done), (second, second_done)) =
        tokio::join!(async { (client.lookup("google.com").await, started.elapsed()) }, async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            (client.lookup("google.com").await, started.elapsed())
        });
    let (first, second) = (first.unwrap(), second.unwrap());
    let rdap: Vec<_> = first.errors.iter().filter(|e| e.stage == Stage::Rdap).collect();
    assert!(rdap.iter().any(|e| e.kind == StepErrorKind::Timeout), "{:#?}", first.errors);
    assert!(second.errors.iter().all(|e| e.kind != StepErrorKind::Timeout), "{:#?}", second.errors);
    assert_eq!(registrar_source(&second), "rdap");
    assert_eq!(world.requests_for("verisign", "domain/google.com"), 2);
    // The second lookup did join the first's request, once, and was released without an
    // answer: it finished only after the first gave up. Without joining it would have asked
    // at once (Verisign delays only the first request) and finished first, and every
    // assertion above but these would hold all the same. The released join saved no
    // request, so it is not in `coalesced`.
    assert!(second_done > first_done, "{second_done:?} <= {first_done:?}");
    let stats = client.stats();
    assert_eq!(stats.joins_released, 1, "{stats:#?}");
    assert_eq!(stats.coalesced, 0, "{stats:#?}");
}
