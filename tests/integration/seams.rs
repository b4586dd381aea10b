//! The public seams, implemented outside the crate and plugged in through the builder:
//! a response cache, a rate budget and an abuse source, each seen doing its job in a real
//! lookup against the recorded world.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use whohosts::{
    AbuseSource, AttemptOutcome, BoxFuture, CachedResponse, Contact, OutcomeStatus, Permit,
    RateBudget, ResponseCache, ServerPolicy, SourceError, Stage,
};
use whohosts_testing::{Fault, World};

use crate::support::address;

/// A response cache in a `HashMap`, counting what it is asked and told.
#[derive(Debug, Default)]
struct CountingCache {
    entries: Mutex<HashMap<String, CachedResponse>>,
    gets: AtomicU32,
    hits: AtomicU32,
    puts: AtomicU32,
}

impl ResponseCache for CountingCache {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        let found = self.entries.lock().unwrap().get(url).cloned();
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::SeqCst);
        }
        Box::pin(async move { found })
    }

    fn put<'a>(
        &'a self,
        url: &'a str,
        response: CachedResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, ()> {
        assert!(!ttl.is_zero());
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.entries.lock().unwrap().insert(url.to_owned(), response);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn a_response_cache_from_outside_the_crate_answers_a_second_client() {
    let world = World::recorded().start().await.unwrap();
    let cache = Arc::new(CountingCache::default());
    let first = world.client_builder().response_cache(cache.clone()).build().unwrap();
    let record = first.lookup("8.8.8.8").await.unwrap();
    assert_eq!(
        address(&record, "8.8.8.8").network.as_ref().unwrap().handle.as_deref(),
        Some("NET-8-8-8-0-2")
    );
    let asked = world.requests("arin");
    assert_eq!(asked, 1);
    assert_eq!(cache.puts.load(Ordering::SeqCst), 1);
    assert_eq!(cache.hits.load(Ordering::SeqCst), 0);
    // A second client (a later run, another process) with the same store asks nobody.
    let second = world.client_builder().response_cache(cache.clone()).build().unwrap();
    let again = second.lookup("8.8.8.8").await.unwrap();
    assert_eq!(world.requests("arin"), asked);
    assert_eq!(cache.hits.load(Ordering::SeqCst), 1);
    assert_eq!(address(&again, "8.8.8.8").network, address(&record, "8.8.8.8").network);
    // The stored value is the serialisable answer: the URL that answered and its body.
    let entries = cache.entries.lock().unwrap();
    let (url, stored) = entries.iter().next().unwrap();
    assert!(url.ends_with("/ip/8.8.8.8"), "{url}");
    let json = serde_json::to_value(stored).unwrap();
    assert_eq!(json["kind"], "found");
    assert!(json["body"].as_str().unwrap().contains("NET-8-8-8-0-2"));
}

/// A budget that lets everything through and counts the reports it is given.
#[derive(Debug, Default)]
struct CountingBudget {
    acquired: Mutex<Vec<String>>,
    answered: AtomicU32,
    failed: AtomicU32,
}

impl RateBudget for CountingBudget {
    fn acquire<'a>(
        &'a self,
        server: &'a str,
        _policy: ServerPolicy,
        _max_pause: Duration,
    ) -> BoxFuture<'a, Result<Permit, SourceError>> {
        self.acquired.lock().unwrap().push(server.to_owned());
        Box::pin(async { Ok(Permit::new()) })
    }

    fn report(&self, _server: &str, outcome: AttemptOutcome, _now: Instant) {
        match outcome {
            AttemptOutcome::Answered => self.answered.fetch_add(1, Ordering::SeqCst),
            _ => self.failed.fetch_add(1, Ordering::SeqCst),
        };
    }
}

#[tokio::test]
async fn a_rate_budget_from_outside_the_crate_admits_every_request() {
    let world =
        World::recorded().fault("arin", "ip/", Fault::Status(503), Some(1)).start().await.unwrap();
    let budget = Arc::new(CountingBudget::default());
    let client = world.client_builder().rate_budget(budget.clone()).build().unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert!(address(&record, "8.8.8.8").network.is_some(), "{:#?}", record.errors);
    // The 503 and its retry: two permits for the ARIN service, one failure, one answer.
    let acquired = budget.acquired.lock().unwrap().clone();
    assert_eq!(acquired.len(), 2, "{acquired:?}");
    assert!(acquired.iter().all(|s| *s == acquired[0]));
    assert_eq!(budget.failed.load(Ordering::SeqCst), 1);
    assert_eq!(budget.answered.load(Ordering::SeqCst), 1);
    assert_eq!(world.requests("arin"), 2);
}

/// An abuse source that knows one mailbox for everything, and counts its questions.
#[derive(Debug, Default)]
struct OneMailbox {
    asked: Mutex<Vec<IpAddr>>,
}

impl AbuseSource for OneMailbox {
    fn name(&self) -> &str {
        "one-mailbox"
    }

    fn abuse_contacts(&self, ip: IpAddr) -> BoxFuture<'_, Result<Vec<Contact>, SourceError>> {
        self.asked.lock().unwrap().push(ip);
        let mut contact = Contact::default();
        contact.email = Some("abuse@one-mailbox.example".to_owned());
        Box::pin(async move { Ok(vec![contact]) })
    }
}

#[tokio::test]
async fn an_abuse_source_answers_only_where_the_registry_gave_no_mailbox() {
    // ARIN fails for good, so 8.8.8.8's registry gives nothing; APNIC answers for 1.1.1.1.
    let world =
        World::recorded().fault("arin", "ip/", Fault::Status(503), None).start().await.unwrap();
    let source = Arc::new(OneMailbox::default());
    let client = world
        .client_builder()
        .max_retries(0)
        .disable_whois()
        .abuse_source(source.clone())
        .build()
        .unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    let google = address(&record, "8.8.8.8");
    assert_eq!(google.abuse.len(), 1, "{:#?}", google.abuse);
    assert_eq!(google.abuse[0].email.as_deref(), Some("abuse@one-mailbox.example"));
    // The contact says where it came from.
    assert_eq!(google.abuse[0].sources[0].dataset.as_deref(), Some("one-mailbox"));
    assert_eq!(google.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(google.abuse_outcome.detail.as_deref(), Some("from one-mailbox"));
    // The RDAP failure is still recorded.
    assert!(record.errors.iter().any(|e| e.stage == Stage::Rdap));
    // An address whose registry published a mailbox is not asked about.
    let record = client.lookup("1.1.1.1").await.unwrap();
    assert!(
        address(&record, "1.1.1.1")
            .abuse
            .iter()
            .all(|c| c.email.as_deref() != Some("abuse@one-mailbox.example"))
    );
    assert_eq!(*source.asked.lock().unwrap(), vec!["8.8.8.8".parse::<IpAddr>().unwrap()]);
}
