//! WHOIS (port 43) under the same per-server politeness as RDAP: a concurrency limit that a
//! bulk run of one registry's names never exceeds, a recorded rate-limit refusal that pauses
//! the server (and is never read as data), and a breaker of the WHOIS server's own.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use whohosts::{Client, ClientBuilder, Config, HostingRecord, Politeness, ServerPolicy, StepError};
use whohosts_testing::{DENIC_REFUSAL, WhoisFault, World, WorldBuilder};

/// `.ru` has no RDAP service in these worlds: its names are asked at `whois.ripn.net` (the
/// shipped WHOIS table's server for `.ru`).
const RIPN: &str = "whois.ripn.net";

/// TCI's recorded answer for `google.ru` (weppos/whois-parser), as the answer for `domain`.
fn ripn_answer(domain: &str) -> String {
    let text =
        include_str!("../fixtures/whois/domain/weppos/whois.tcinet.ru__ru__status_registered.txt");
    text.replace("GOOGLE.RU", &domain.to_ascii_uppercase())
}

/// `n` `.ru` names, each with its recorded-layout answer at RIPN's server.
fn ru_names(n: usize) -> (WorldBuilder, Vec<String>) {
    let names: Vec<String> = (0..n).map(|i| format!("name{i}.ru")).collect();
    let builder = names
        .iter()
        .fold(WorldBuilder::new(), |b, name| b.whois_text(RIPN, name, &ripn_answer(name)));
    (builder, names)
}

/// A client for `world` with its configuration changed by `tweak`.
fn client_for(world: &World, tweak: impl FnOnce(&mut Config)) -> Client {
    let mut config = world.client_builder().build().unwrap().config().clone();
    tweak(&mut config);
    ClientBuilder::from_config(config).build().unwrap()
}

/// The record's WHOIS step errors as (kind, target, message).
fn whois_errors(record: &HostingRecord) -> Vec<(String, String, String)> {
    record
        .errors
        .iter()
        .filter(|e| serde_json::to_value(e.stage).unwrap() == "whois")
        .map(|e: &StepError| (e.kind.to_string(), e.target.clone(), e.message.clone()))
        .collect()
}

fn error(kind: &str, target: &str, message: &str) -> (String, String, String) {
    (kind.to_owned(), target.to_owned(), message.to_owned())
}

/// The registrar name of a record (RIPN's answers name `RU-CENTER-REG-RIPN`).
fn registrar(record: &HostingRecord) -> Option<&str> {
    record.registrar.as_ref().and_then(|r| r.name.as_deref())
}

/// 24 lookups at once (bulk concurrency 64), each answer held 150 ms by the server: the
/// server never holds more connections than its policy allows in flight, and reaches it.
#[tokio::test]
async fn bulk_whois_never_exceeds_the_servers_concurrency_limit() {
    let (builder, names) = ru_names(24);
    let world = builder
        .whois_fault(RIPN, "", WhoisFault::Latency(Duration::from_millis(150)), None)
        .start()
        .await
        .unwrap();
    let client = world
        .client_builder()
        .whois_server_policy(RIPN, ServerPolicy::unlimited(3))
        .build()
        .unwrap();
    let results: Vec<_> = client.lookup_many(names.clone()).collect().await;
    assert_eq!(results.len(), 24);
    for (input, result) in &results {
        let record = result.as_ref().unwrap();
        assert_eq!(whois_errors(record), [], "{input}");
        assert_eq!(registrar(record), Some("RU-CENTER-REG-RIPN"), "{input}");
    }
    assert_eq!(world.whois_requests(RIPN), 24);
    assert_eq!(world.whois_max_concurrent(RIPN), 3);
}

/// The shipped WHOIS table: RIPN publishes 30 queries per minute, which whohosts asks as a
/// burst of 15 with 2 in flight; 12 names are within the burst, so only the concurrency
/// limit holds them back.
#[tokio::test]
async fn the_shipped_table_limits_ripn_to_two_in_flight() {
    let (builder, names) = ru_names(12);
    let world = builder
        .whois_fault(RIPN, "", WhoisFault::Latency(Duration::from_millis(100)), None)
        .start()
        .await
        .unwrap();
    let client = client_for(&world, |config| {
        let shipped = Politeness::default();
        config.politeness.whois_rules = shipped.whois_rules;
        config.politeness.whois_default = shipped.whois_default;
    });
    let results: Vec<_> = client.lookup_many(names).collect().await;
    assert!(results.iter().all(|(_, r)| registrar(r.as_ref().unwrap()).is_some()));
    assert_eq!(world.whois_requests(RIPN), 12);
    assert_eq!(world.whois_max_concurrent(RIPN), 2);
}

/// DENIC's recorded refusal from RIPN's server: the record says `rate_limited` (no registrar
/// read from the refusal), and the server is paused for the default 60 s, longer than
/// `max_retry_after` (10 s): the next lookups' queries are not sent at all.
#[tokio::test]
async fn a_refusal_pauses_the_server_and_is_never_read_as_data() {
    let (builder, _) = ru_names(3);
    let world =
        builder.whois_fault(RIPN, "name0", WhoisFault::refusal(), Some(1)).start().await.unwrap();
    let client = world.client_builder().build().unwrap();
    let refused = client.lookup("name0.ru").await.unwrap();
    let refusal = DENIC_REFUSAL.trim();
    assert_eq!(refusal, "% Error: 55000000002 Connection refused; access control limit reached.");
    assert_eq!(
        whois_errors(&refused),
        [error("rate_limited", "name0.ru", &format!("{RIPN}:43: rate limited: {refusal}"))]
    );
    assert_eq!(refused.registrar, None);
    for name in ["name1.ru", "name2.ru"] {
        let paused = client.lookup(name).await.unwrap();
        assert_eq!(
            whois_errors(&paused),
            [error(
                "rate_limited",
                name,
                &format!(
                    "{RIPN}:43: the server asked to pause for another 60 s, longer than \
                     max_retry_after (not asked)"
                )
            )]
        );
        assert_eq!(paused.registrar, None);
    }
    // Only the refused query reached the server.
    assert_eq!(world.whois_requests(RIPN), 1);
}

/// A short pause is waited out: queries to the paused server wait until it ends, then go.
#[tokio::test]
async fn queries_to_a_paused_server_wait_until_the_pause_ends() {
    let (builder, _) = ru_names(3);
    let world =
        builder.whois_fault(RIPN, "name0", WhoisFault::refusal(), Some(1)).start().await.unwrap();
    let client = client_for(&world, |config| {
        config.politeness.whois_refusal_pause = Duration::from_secs(1);
    });
    let refused = client.lookup("name0.ru").await.unwrap();
    assert_eq!(whois_errors(&refused)[0].0, "rate_limited");
    let paused_at = Instant::now();
    let waiting: Vec<_> = ["name1.ru", "name2.ru"]
        .into_iter()
        .map(|name| {
            let client = client.clone();
            tokio::spawn(async move { client.lookup(name).await.unwrap() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Within the pause: nothing more was sent.
    assert_eq!(world.whois_requests(RIPN), 1);
    for lookup in waiting {
        let record = lookup.await.unwrap();
        assert_eq!(whois_errors(&record), []);
        assert_eq!(registrar(&record), Some("RU-CENTER-REG-RIPN"));
    }
    // The pause began before the refused lookup returned.
    assert!(paused_at.elapsed() >= Duration::from_millis(900), "{:?}", paused_at.elapsed());
    assert_eq!(world.whois_requests(RIPN), 3);
}

/// A WHOIS server reached as the RDAP server's own `host:port` (127.0.0.1 and the world's
/// RDAP port), whose connections close without an answer: two failures open its breaker
/// (threshold 2), so the third query is not sent; RDAP on that `host:port` is unaffected.
#[tokio::test]
async fn whois_failures_open_their_own_breaker_not_rdaps() {
    let world = World::recorded()
        .whois_fault("whois.broken.test", "", WhoisFault::Close, None)
        .start()
        .await
        .unwrap();
    let rdap = world.rdap_addr();
    let closing = world.whois_addr("whois.broken.test").unwrap();
    // The whole table replaced: RDAP's key is then `127.0.0.1:<port>` (no per-service rules).
    let mut politeness = Politeness::unlimited(64);
    politeness.breaker_threshold = 2;
    let client = world
        .client_builder()
        .politeness(politeness)
        // Names under `.broken` are asked at the WHOIS server "127.0.0.1:<RDAP port>"…
        .whois_server("broken", &rdap.to_string())
        // …whose connections go to the world's closing server.
        .whois_server("127.0.0.1", &closing.to_string())
        .build()
        .unwrap();
    let server = format!("127.0.0.1:{}", rdap.port());
    for name in ["a.broken", "b.broken"] {
        let record = client.lookup(name).await.unwrap();
        assert_eq!(
            whois_errors(&record),
            [error(
                "transport",
                name,
                &format!("{server} closed the connection without answering")
            )]
        );
    }
    let fast = client.lookup("c.broken").await.unwrap();
    assert_eq!(
        whois_errors(&fast),
        [error(
            "circuit_open",
            "c.broken",
            &format!(
                "{server}: the server failed repeatedly; its circuit breaker is open for \
                 another 30 s (not asked)"
            )
        )]
    );
    assert_eq!(world.whois_requests("whois.broken.test"), 2);
    // RDAP at 127.0.0.1:<port> still answers: the registry and registrar of cloudflare.com.
    let before = world.total_requests();
    let record = client.lookup("cloudflare.com").await.unwrap();
    assert_eq!(record.errors, []);
    assert_eq!(registrar(&record), Some("Cloudflare, Inc."));
    assert!(world.total_requests() > before);
}
