//! Error messages say each thing once (issue #13): the stage, the target, then the cause in
//! plain words. No message holds a Rust `Debug` rendering (hickory's `Query { name:
//! Name(…) … }`) or reqwest's `error sending request for url (…)`, and none repeats its
//! target, which the error's `target` already names.
//!
//! Every world case this suite can reach is looked up: the recorded world's names and
//! addresses, then each fault kind of `faults.rs`, `dns_faults.rs` and `bulk.rs` (HTTP
//! statuses, rate limits, broken and oversized bodies, redirects that loop, leave HTTPS or
//! lead to a name that does not resolve, refused connections, timeouts, SERVFAIL, a silent
//! DNS server, an open circuit breaker, the lookup deadline, the safety settings).

use std::time::Duration;

use whohosts::{Client, ClientBuilder, HostingRecord, Politeness, StepError};
use whohosts_testing::{Fault, World, WorldBuilder};

/// The recorded world's names (with and without addresses, NXDOMAIN, WHOIS-only TLDs).
const NAMES: &[&str] = &[
    "cloudflare.com",
    "www.cloudflare.com",
    "c0.cloudflare.com",
    "google.com",
    "google.net",
    "google.nl",
    "app.nl",
    "dns.google",
    "one.one.one.one",
    "ripe.net",
    "lacnic.net",
    "apnic.net",
    "afrinic.net",
    "registro.br",
    "resolver1.ipv6-sandbox.opendns.com",
    "afnic.fr",
    "microsoft.click",
    "nothing-here.com",
    "trapped.com",
    "redactedshop.com",
    "https://www.cloudflare.com/path?q=1",
];

/// The recorded world's addresses, and some it only half knows (WHOIS referrals, answers
/// that say "not ours").
const ADDRESSES: &[&str] = &[
    "8.8.8.8",
    "1.1.1.1",
    "1.0.0.1",
    "104.16.132.229",
    "142.250.185.46",
    "193.0.6.139",
    "196.216.2.6",
    "200.3.14.10",
    "200.160.2.3",
    "203.119.101.61",
    "3.5.140.2",
    "144.132.0.1",
    "170.0.0.1",
    "171.0.0.1",
    "2620:119:35::35",
    "2001:dc7::1",
    "2001:67c:2e8::1",
    "192.0.2.1",
];

/// Why `error`'s message does not say each thing once, if it does not.
fn fault_in(error: &StepError) -> Option<&'static str> {
    let message = error.message.as_str();
    if ["{ name:", "Name(", "Query {", "query_type:"].iter().any(|d| message.contains(d)) {
        return Some("holds a Debug struct");
    }
    if message.contains("error sending request for url") {
        return Some("holds reqwest's top-level text");
    }
    if names(message, &error.target) {
        return Some("repeats its target");
    }
    if message.trim().is_empty() {
        return Some("is empty");
    }
    None
}

/// Whether `message` names `target` as a whole (not as part of a longer name, as the
/// Team Cymru question `8.8.8.8.origin.asn.cymru.com.` holds the address 8.8.8.8).
fn names(message: &str, target: &str) -> bool {
    let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '-'));
    !target.is_empty()
        && message.match_indices(target).any(|(at, _)| {
            let before = message.get(..at).and_then(|s| s.chars().next_back());
            let after = message.get(at + target.len()..).and_then(|s| s.chars().next());
            !part(before) && !part(after)
        })
}

/// Look up every query with `client`; collect every error, and every error that breaks the
/// rule, with the case's name.
async fn run(case: &str, client: &Client, queries: &[&str], seen: &mut Vec<(String, StepError)>) {
    for query in queries {
        let record: HostingRecord = Box::pin(client.lookup(query)).await.unwrap();
        for error in record.errors {
            seen.push((format!("{case}: {query}"), error));
        }
    }
}

async fn world(builder: WorldBuilder) -> World {
    builder.start().await.unwrap()
}

/// A fast client for `world`: no retries, short timeouts.
fn quick(world: &World) -> ClientBuilder {
    world
        .client_builder()
        .max_retries(0)
        .http_timeout(Duration::from_millis(500))
        .whois_timeout(Duration::from_millis(500), Duration::from_millis(500))
}

#[tokio::test]
async fn every_world_error_says_each_thing_once() {
    let mut seen: Vec<(String, StepError)> = Vec::new();

    // The recorded world as it is.
    let recorded = world(World::recorded()).await;
    let client = recorded.client_builder().build().unwrap();
    run("recorded", &client, NAMES, &mut seen).await;
    run("recorded", &client, ADDRESSES, &mut seen).await;

    // Every HTTP fault, at a network registry and at a domain registry.
    let faults = [
        Fault::Status(503),
        Fault::Status(500),
        Fault::Status(404),
        Fault::Status(403),
        Fault::Status(400),
        Fault::RateLimit { retry_after: "3600".into() },
        Fault::RateLimit { retry_after: "0".into() },
        Fault::Truncate,
        Fault::Malformed,
        Fault::Oversized(5 * 1024 * 1024),
        Fault::Latency(Duration::from_secs(5)),
        Fault::Redirect("https://rdap.arin.net/registry/ip/8.8.8.8".into()),
        Fault::Redirect("http://no-such-host.invalid/ip/8.8.8.8".into()),
        Fault::Redirect("ftp://rdap.arin.net/ip/8.8.8.8".into()),
        Fault::Redirect("http://127.0.0.1:1/ip/8.8.8.8".into()),
        Fault::Redirect("".into()),
    ];
    for fault in faults {
        let case = format!("{fault:?}");
        let faulted = world(
            World::recorded()
                .fault("arin", "ip/", fault.clone(), None)
                .fault("verisign", "domain/", fault.clone(), None)
                .fault("markmonitor", "domain/", fault, None),
        )
        .await;
        let client = quick(&faulted).build().unwrap();
        run(&case, &client, &["8.8.8.8", "google.com", "cloudflare.com"], &mut seen).await;
    }

    // An open circuit breaker.
    let failing = world(World::recorded().fault("arin", "ip/", Fault::Status(503), None)).await;
    let mut politeness = Politeness::unlimited(8);
    politeness.breaker_threshold = 1;
    let client = quick(&failing).politeness(politeness).build().unwrap();
    run("breaker", &client, &["8.8.8.8", "104.16.132.229"], &mut seen).await;

    // The lookup's own deadline.
    let slow = world(World::recorded().fault(
        "arin",
        "ip/",
        Fault::Latency(Duration::from_secs(30)),
        None,
    ))
    .await;
    let client = slow.client_builder().lookup_timeout(Duration::from_millis(300)).build().unwrap();
    run("deadline", &client, &["8.8.8.8", "google.com"], &mut seen).await;

    // DNS: SERVFAIL, and a server that never answers.
    let servfail = world(World::recorded().servfail("www.cloudflare.com")).await;
    let client = servfail.client_builder().build().unwrap();
    run("servfail", &client, &["www.cloudflare.com"], &mut seen).await;
    let (_udp, _tcp, silent) = whohosts_testing::loopback_udp_tcp().unwrap();
    let client = recorded
        .client_builder()
        .nameservers([silent])
        .dns_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    run("silent dns", &client, &["cloudflare.com", "8.8.8.8"], &mut seen).await;

    // Safety settings, and WHOIS servers that cannot be reached.
    let client = recorded.client_builder().allow_http(false).build().unwrap();
    run("https only", &client, &["8.8.8.8", "google.com"], &mut seen).await;
    let client = recorded.client_builder().allow_private(false).build().unwrap();
    run("public only", &client, &["8.8.8.8", "google.com"], &mut seen).await;
    let client = quick(&failing)
        .whois_server("arin", "no-such-host.invalid:43")
        .whois_server("whois.verisign-grs.com", "127.0.0.1:1")
        .build()
        .unwrap();
    run("whois unreachable", &client, &["8.8.8.8", "google.com"], &mut seen).await;

    let broken: Vec<_> =
        seen.iter().filter_map(|(case, e)| fault_in(e).map(|why| (why, case, e))).collect();
    assert!(broken.is_empty(), "{broken:#?}");
    // The run reached the failures it is about (not a vacuous pass).
    let kinds: std::collections::BTreeSet<String> =
        seen.iter().map(|(_, e)| e.kind.to_string()).collect();
    for kind in [
        "nxdomain",
        "nodata",
        "servfail",
        "timeout",
        "transport",
        "http_status",
        "rate_limited",
        "circuit_open",
        "not_found",
        "malformed",
        "too_large",
        "blocked",
        "redirect",
    ] {
        assert!(kinds.contains(kind), "no {kind} error reached: {kinds:?}");
    }
}
