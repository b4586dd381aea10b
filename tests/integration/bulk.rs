//! Bulk lookups: one output per input, never asking twice, per-server politeness (pauses and
//! the circuit breaker), through the loopback world.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use futures_util::StreamExt;

use crate::support::arin_one_request_per;
use whohosts::StepErrorKind;
use whohosts::{AsnSource, BoxFuture, Error, Politeness, SourceError};
use whohosts_testing::{Fault, World};

/// Every (service, path) the world answered, with how many times.
fn requests_by_path(world: &World) -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    for request in world.request_log() {
        *counts.entry((request.service, request.path)).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn concurrent_lookups_of_one_domain_ask_once_per_object() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().build().unwrap();
    let inputs = vec!["cloudflare.com"; 20];
    let results: Vec<_> = client.lookup_many(inputs).collect().await;
    assert_eq!(results.len(), 20);
    for (input, result) in &results {
        assert_eq!(input, "cloudflare.com");
        assert!(result.is_ok());
    }
    let counts = requests_by_path(&world);
    // The registry's answer, the registrar's and both addresses' networks (recorded
    // preset: cloudflare.com → 104.16.132.229 and 104.16.133.229 at ARIN).
    for path in [
        ("verisign", "domain/cloudflare.com"),
        ("cloudflare-registrar", "domain/CLOUDFLARE.COM"),
        ("arin", "ip/104.16.132.229"),
        ("arin", "ip/104.16.133.229"),
    ] {
        assert_eq!(counts.get(&(path.0.to_owned(), path.1.to_owned())), Some(&1), "{path:?}");
    }
    // Nothing at all was asked twice.
    assert!(counts.values().all(|&n| n == 1), "{counts:#?}");
    let stats = client.stats();
    assert_eq!(stats.requests, world.total_requests());
    assert_eq!(stats.requests_per_server.values().sum::<u64>(), stats.requests);
    // 19 lookups got each object from the cache or from the request in flight.
    assert!(stats.cache_hits + stats.coalesced >= 19 * 4, "{stats:#?}");
}

/// An ASN source that panics for one address and answers nothing for the others.
#[derive(Debug)]
struct PanicsOn(IpAddr);

impl AsnSource for PanicsOn {
    fn name(&self) -> &str {
        "panics"
    }

    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<whohosts::Asn>, SourceError>> {
        let bad = ip == self.0;
        Box::pin(async move {
            assert!(!bad, "injected panic for {ip}");
            Ok(None)
        })
    }
}

#[tokio::test]
async fn exactly_one_output_per_input_under_faults() {
    let generated = World::generated(120, 11);
    let mut inputs: Vec<String> = generated.inputs(240).collect();
    // Bad input, repeats, and an address whose ASN source panics.
    inputs.extend(["".into(), "co.uk".into(), "a..b".into(), "8.8.8.8".into()]);
    inputs.extend(generated.inputs(10));
    let world = generated
        .builder()
        .fault("verisign", "domain/site1", Fault::Status(500), None)
        .fault("afnic", "", Fault::Truncate, Some(3))
        .fault("markmonitor", "", Fault::Malformed, None)
        .fault("ripe", "ip/", Fault::Status(503), Some(5))
        .fault("apnic", "", Fault::RateLimit { retry_after: "0".into() }, Some(4))
        .start()
        .await
        .unwrap();
    let client = world
        .client_builder()
        .asn_source(Arc::new(PanicsOn("8.8.8.8".parse().unwrap())))
        .bulk_concurrency(16)
        .build()
        .unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut internal = Vec::new();
    let mut stream = std::pin::pin!(client.lookup_many(inputs.clone()));
    while let Some((input, result)) = stream.next().await {
        if let Err(Error::Internal { message }) = &result {
            internal.push((input.clone(), message.clone()));
        }
        *seen.entry(input).or_default() += 1;
    }
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for input in &inputs {
        *expected.entry(input.clone()).or_default() += 1;
    }
    assert_eq!(seen, expected);
    assert_eq!(internal.len(), 1, "{internal:?}");
    assert_eq!(internal[0].0, "8.8.8.8");
    assert!(internal[0].1.contains("injected panic for 8.8.8.8"), "{}", internal[0].1);
}

#[tokio::test]
async fn ordered_results_follow_the_input_order() {
    let generated = World::generated(50, 3);
    let inputs: Vec<String> = generated.inputs(50).collect();
    let world = generated.into_builder().start().await.unwrap();
    let client = world.client_builder().bulk_concurrency(8).build().unwrap();
    let order: Vec<String> =
        client.lookup_many_ordered(inputs.clone()).map(|(input, _)| input).collect().await;
    assert_eq!(order, inputs);
}

#[tokio::test]
async fn a_long_retry_after_pauses_the_server_for_every_lookup() {
    // ARIN asks for an hour's pause (more than max_retry_after, 10 s): the lookup that got
    // it fails as rate limited, and so does a lookup of another address at the same server,
    // without being sent.
    let world = World::recorded()
        .fault("arin", "ip/", Fault::RateLimit { retry_after: "3600".into() }, Some(1))
        .start()
        .await
        .unwrap();
    let client = world.client_builder().build().unwrap();
    let first = client.lookup("8.8.8.8").await.unwrap();
    let errors: Vec<_> =
        first.errors.iter().filter(|e| e.kind == StepErrorKind::RateLimited).collect();
    assert_eq!(errors.len(), 1, "{:#?}", first.errors);
    // The server's own 429 is kept; the paused lookup never reached the server.
    assert_eq!((errors[0].http_status, errors[0].retryable), (Some(429), true));
    let second = client.lookup("104.16.132.229").await.unwrap();
    let paused: Vec<_> =
        second.errors.iter().filter(|e| e.kind == StepErrorKind::RateLimited).collect();
    assert_eq!(paused.len(), 1, "{:#?}", second.errors);
    assert!(paused[0].message.contains("asked to pause"), "{}", paused[0].message);
    assert_eq!((paused[0].http_status, paused[0].retryable), (None, true));
    assert_eq!(world.requests("arin"), 1);
    assert_eq!(world.requests_for("arin", "ip/104.16.132.229"), 0);
    let stats = client.stats();
    assert_eq!(stats.rate_limited, 1);
    assert_eq!(stats.circuit_open, 1);
    assert_eq!(stats.retries, 0);
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_then_retried() {
    let world = World::recorded()
        .fault("arin", "ip/", Fault::RateLimit { retry_after: "1".into() }, Some(1))
        .start()
        .await
        .unwrap();
    let client = world.client_builder().build().unwrap();
    let (a, b) = tokio::join!(client.lookup("8.8.8.8"), client.lookup("104.16.132.229"));
    for record in [a.unwrap(), b.unwrap()] {
        assert!(
            record.errors.iter().all(|e| e.stage != whohosts::Stage::Rdap),
            "{:#?}",
            record.errors
        );
    }
    // One 429, then each address once more: three requests, one retry.
    assert_eq!(world.requests("arin"), 3);
    assert_eq!(client.stats().rate_limited, 1);
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test]
async fn the_circuit_breaker_fails_fast_after_repeated_failures() {
    let world =
        World::recorded().fault("arin", "ip/", Fault::Status(503), None).start().await.unwrap();
    let mut politeness = Politeness::unlimited(8);
    politeness.breaker_threshold = 3;
    let client = world.client_builder().politeness(politeness).max_retries(0).build().unwrap();
    for ip in ["8.8.8.8", "104.16.132.229", "104.16.133.229"] {
        let record = client.lookup(ip).await.unwrap();
        assert!(
            record.errors.iter().any(|e| e.kind == StepErrorKind::HttpStatus),
            "{:#?}",
            record.errors
        );
    }
    assert_eq!(world.requests("arin"), 3);
    // The circuit is open: the next lookup is not sent and says why.
    let record = client.lookup("3.5.140.2").await.unwrap();
    let rdap: Vec<_> = record.errors.iter().filter(|e| e.stage == whohosts::Stage::Rdap).collect();
    assert_eq!(rdap.len(), 1, "{:#?}", record.errors);
    // The breaker has its own kind (issue #13), not "other".
    assert_eq!(rdap[0].kind, StepErrorKind::CircuitOpen);
    assert_eq!((rdap[0].http_status, rdap[0].retryable), (None, true));
    assert!(rdap[0].message.contains("circuit breaker is open"), "{}", rdap[0].message);
    assert_eq!(world.requests("arin"), 3);
    assert_eq!(client.stats().circuit_open, 1);
}

#[tokio::test]
async fn one_services_open_breaker_does_not_fail_the_others_on_the_same_port() {
    // Every world service shares 127.0.0.1:port; each is still a server of its own for the
    // breaker (issue #14 item 11: the --faults self-check failed when always-5xx answers at
    // one registry opened the breaker for all of them).
    let world =
        World::recorded().fault("arin", "ip/", Fault::Status(503), None).start().await.unwrap();
    let client = world.client_builder().max_retries(0).build().unwrap();
    for i in 0..12 {
        let _ = client.lookup(&format!("8.0.{i}.1")).await.unwrap();
    }
    assert!(client.stats().circuit_open >= 1, "ARIN's breaker opened");
    let record = client.lookup("193.0.6.139").await.unwrap();
    assert!(
        record.errors.iter().all(|e| e.kind != StepErrorKind::CircuitOpen),
        "{:#?}",
        record.errors
    );
    assert!(record.addresses[0].network.is_some(), "{:#?}", record.errors);
}

#[tokio::test]
async fn an_isp_block_answer_never_stands_in_for_a_customer_block_inside_it() {
    let world = whohosts_testing::WorldBuilder::new()
        .service("lacnic", &["https://rdap.lacnic.net/rdap/"])
        .claim_ip("lacnic", "200.0.0.0/8")
        .object("lacnic", include_str!("../fixtures/rdap/ip/lacnic-200.40.0.0-17-antel.json"))
        .object("lacnic", &crate::support::customer_block_inside_antel())
        .start()
        .await
        .unwrap();
    let client = world.client_builder().build().unwrap();
    let network = |record: &whohosts::HostingRecord| {
        let n = record.addresses[0].network.clone().unwrap();
        (n.handle.unwrap(), n.kind.unwrap())
    };
    let isp = ("200.40.0.0/17".to_owned(), "ALLOCATED".to_owned());
    let customer = ("200.40.5.0/24".to_owned(), "ASSIGNED".to_owned());
    // The ISP's answer first, then addresses inside the customer block it contains.
    for (ip, expected) in [
        ("200.40.100.1", &isp),
        ("200.40.5.7", &customer),
        ("200.40.5.200", &customer),
        ("200.40.100.2", &isp),
    ] {
        let record = client.lookup(ip).await.unwrap();
        assert_eq!(&network(&record), expected, "{ip}");
    }
    assert_eq!(world.requests_for("lacnic", "ip/200.40.5.7"), 1);
    assert_eq!(world.requests_for("lacnic", "ip/200.40.100.1"), 1);
    // An allocation never answers for another address.
    assert_eq!(world.requests_for("lacnic", "ip/200.40.100.2"), 1);
    // The customer block is a leaf assignment: the network cache answers 200.40.5.200
    // without a request.
    assert_eq!(world.requests_for("lacnic", "ip/200.40.5.200"), 0);
}

#[tokio::test]
async fn lookups_waiting_for_a_rate_limited_server_do_not_hold_back_the_others() {
    // ARIN allows one request per 700 ms; four ARIN addresses come first, then thirty
    // lookups at other registries. With two lookups working at a time, the ARIN lookups
    // waiting their turn give up their slots: every other lookup finishes while the second
    // ARIN address is still queued, instead of after the ARIN queue.
    let world = World::recorded().start().await.unwrap();
    let client = arin_one_request_per(&world, std::time::Duration::from_millis(700))
        .bulk_concurrency(2)
        .build()
        .unwrap();
    let slow = ["8.8.8.8", "104.16.132.229", "104.16.133.229", "3.5.140.2"];
    let fast = ["1.1.1.1", "193.0.6.139", "200.3.14.10"];
    let inputs: Vec<String> = slow
        .iter()
        .map(|s| (*s).to_owned())
        .chain((0..30).map(|i| fast[i % fast.len()].to_owned()))
        .collect();
    let order: Vec<String> = client.lookup_many(inputs).map(|(input, _)| input).collect().await;
    assert_eq!(order.len(), 34);
    // The first ARIN lookup had its token at once; the 30 others came before the second.
    let arin_before_the_rest = order[..31].iter().filter(|i| slow.contains(&i.as_str())).count();
    assert_eq!(arin_before_the_rest, 1, "{order:?}");
    assert_eq!(world.requests("arin"), 4);
    // Each of the three queued ARIN lookups lent its slot once.
    assert_eq!(client.stats().slots_lent, 3);
}

#[tokio::test]
async fn waiting_lookups_are_bounded_even_for_an_endless_input() {
    // An endless input of addresses (each in its own /24) that all need ARIN, which allows
    // one request per 5 s. Two lookups work at a time and three more may wait: after the
    // first result, exactly five lookups are in flight (all waiting) and no more input was
    // read, however long the stream is polled.
    let world = World::recorded().start().await.unwrap();
    let client = arin_one_request_per(&world, std::time::Duration::from_secs(5))
        .bulk_concurrency(2)
        .bulk_max_waiting(3)
        .build()
        .unwrap();
    let pulled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let inputs = (0u32..).map(move |i| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        format!("8.{}.{}.1", (i / 256) % 256, i % 256)
    });
    let mut results = Box::pin(client.lookup_many(inputs));
    let (first, _) = results.next().await.unwrap();
    // One of the two lookups started first got ARIN's token.
    assert!(first == "8.0.0.1" || first == "8.0.1.1", "{first}");
    let second = tokio::time::timeout(std::time::Duration::from_millis(1500), results.next()).await;
    assert!(second.is_err(), "every other lookup waits for ARIN's next token");
    assert_eq!(pulled.load(std::sync::atomic::Ordering::SeqCst), 6);
    assert_eq!(world.requests("arin"), 1);
}

#[tokio::test]
async fn ordered_results_keep_the_input_order_while_queued_lookups_lend_their_slots() {
    // As above, but ordered: the ARIN lookups still lend their slots (the others run
    // meanwhile), and results still come in input order.
    let world = World::recorded().start().await.unwrap();
    let client = arin_one_request_per(&world, std::time::Duration::from_millis(700))
        .bulk_concurrency(2)
        .build()
        .unwrap();
    let inputs: Vec<String> = ["8.8.8.8", "104.16.132.229", "104.16.133.229"]
        .into_iter()
        .chain(["1.1.1.1", "193.0.6.139", "200.3.14.10"].into_iter().cycle().take(12))
        .map(str::to_owned)
        .collect();
    let order: Vec<String> =
        client.lookup_many_ordered(inputs.clone()).map(|(input, _)| input).collect().await;
    assert_eq!(order, inputs);
    assert_eq!(client.stats().slots_lent, 2);
    assert_eq!(world.requests("arin"), 3);
}

#[tokio::test]
async fn no_slot_is_counted_as_lent_when_no_lookup_may_wait() {
    // As above with `max_waiting` 0: a queued ARIN lookup keeps its slot, so none is lent
    // and `slots_lent` stays 0 (it counted one lend per queued lookup before).
    let world = World::recorded().start().await.unwrap();
    let client = arin_one_request_per(&world, std::time::Duration::from_millis(300))
        .bulk_concurrency(2)
        .bulk_max_waiting(0)
        .build()
        .unwrap();
    let inputs = ["8.8.8.8", "104.16.132.229", "104.16.133.229", "1.1.1.1"];
    let order: Vec<String> = client.lookup_many(inputs).map(|(input, _)| input).collect().await;
    assert_eq!(order.len(), 4);
    assert_eq!(world.requests("arin"), 3);
    assert_eq!(client.stats().slots_lent, 0);
}
