//! The persistent cache (`DiskCache`, feature `persistent-cache`): what one run leaves in a
//! directory answers the next run (a new client on a reopened cache, as a new process
//! would) without asking the RDAP servers again, within the answers' TTLs and a bound in
//! bytes; an unreadable file never fails a lookup; one process holds the file at a time;
//! and a daily quota spent in one run stays spent in the next.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use whohosts::{
    CacheSettings, ClientBuilder, DiskCache, DiskCacheError, HostingRecord, ServerPolicy,
    StepErrorKind,
};
use whohosts_testing::World;

use crate::support::{Warnings, address};

/// RDAP requests per service, for the services these lookups reach.
fn rdap_requests(world: &World) -> Vec<(&'static str, u64)> {
    ["verisign", "cloudflare-registrar", "arin", "ripe", "apnic"]
        .into_iter()
        .map(|service| (service, world.requests(service)))
        .collect()
}

/// A client for `world` with the cache in `dir`, opened anew (a new run).
fn client_on(world: &World, dir: &Path) -> ClientBuilder {
    let cache = Arc::new(DiskCache::open(dir).unwrap());
    world.client_builder().disk_cache(cache)
}

/// The facts a later run must reproduce from the cache: per address its network handle and
/// abuse mailboxes, and the registrar.
fn facts(record: &HostingRecord) -> Vec<String> {
    let mut facts: Vec<String> = record
        .addresses
        .iter()
        .map(|a| {
            let handle = a.network.as_ref().and_then(|n| n.handle.clone());
            let abuse: Vec<_> = a.abuse.iter().filter_map(|c| c.email.clone()).collect();
            format!("{} {handle:?} {abuse:?}", a.ip)
        })
        .collect();
    facts.push(format!("{:?}", record.registrar.as_ref().map(|r| r.name.clone())));
    facts
}

#[tokio::test]
async fn a_second_run_on_the_same_directory_asks_no_rdap_server() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let queries = ["cloudflare.com", "8.8.8.8", "193.0.6.139"];
    let mut first = Vec::new();
    {
        let client = client_on(&world, dir.path()).build().unwrap();
        for query in queries {
            first.push(client.lookup(query).await.unwrap());
        }
    }
    let asked = rdap_requests(&world);
    // cloudflare.com: its registry and registrar, and each of its two addresses.
    assert_eq!(
        asked,
        [("verisign", 1), ("cloudflare-registrar", 1), ("arin", 3), ("ripe", 1), ("apnic", 0)]
    );
    assert_eq!(world.total_requests(), 6);
    assert_eq!(
        facts(&first[1]),
        ["8.8.8.8 Some(\"NET-8-8-8-0-2\") [\"network-abuse@google.com\"]", "None"]
    );
    // The first client and its cache are gone, as at the end of a process; the next run
    // opens the same directory and answers every lookup from it.
    let client = client_on(&world, dir.path()).build().unwrap();
    for (query, before) in queries.into_iter().zip(&first) {
        let again = client.lookup(query).await.unwrap();
        assert_eq!(facts(&again), facts(before), "{query}");
    }
    assert_eq!(rdap_requests(&world), asked);
    assert_eq!(world.total_requests(), 6);
}

#[tokio::test]
async fn whois_answers_are_kept_on_disk_too() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // app.nl: .nl has no RDAP service here, so its registry's WHOIS answers; 196.216.2.6:
    // AFRINIC's RDAP names no abuse contact, so its WHOIS is asked for one.
    let servers = ["whois.domain-registry.nl", "whois.afrinic.net"];
    let asked = || servers.map(|server| world.whois_requests(server));
    let mut first = Vec::new();
    {
        let client = client_on(&world, dir.path()).build().unwrap();
        for query in ["app.nl", "196.216.2.6"] {
            first.push(client.lookup(query).await.unwrap());
        }
    }
    assert_eq!(asked(), [1, 1]);
    assert_eq!(
        facts(&first[1]),
        ["196.216.2.6 Some(\"196.216.2.0 - 196.216.3.255\") [\"abuse@afrinic.net\"]", "None"]
    );
    let stats = DiskCache::open(dir.path()).unwrap().stats().unwrap();
    assert_eq!(stats.by_kind["whois"].entries, 2);
    // The next run: the same facts, and no WHOIS server asked again.
    let client = client_on(&world, dir.path()).build().unwrap();
    for (query, before) in ["app.nl", "196.216.2.6"].into_iter().zip(&first) {
        let again = client.lookup(query).await.unwrap();
        assert_eq!(facts(&again), facts(before), "{query}");
        assert_eq!(again.registrar, before.registrar, "{query}");
    }
    assert_eq!(asked(), [1, 1]);
}

#[tokio::test]
async fn it_plugs_in_as_a_plain_response_cache() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for _run in 0..2 {
        let cache = Arc::new(DiskCache::open(dir.path()).unwrap());
        let client = world.client_builder().response_cache(cache).build().unwrap();
        client.lookup("8.8.8.8").await.unwrap();
    }
    assert_eq!(world.requests("arin"), 1);
}

#[tokio::test]
async fn an_expired_entry_is_asked_again() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = CacheSettings::default();
    settings.ttl = Duration::from_secs(2);
    let run = || client_on(&world, dir.path()).cache(settings.clone()).build().unwrap();
    let record = run().lookup("8.8.8.8").await.unwrap();
    assert!(address(&record, "8.8.8.8").network.is_some());
    assert_eq!(world.requests("arin"), 1);
    // Within the TTL, the next run is answered from the file.
    run().lookup("8.8.8.8").await.unwrap();
    assert_eq!(world.requests("arin"), 1);
    // Past it, the next run asks again (the TTL is wall-clock time, kept in the file).
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let record = run().lookup("8.8.8.8").await.unwrap();
    assert!(address(&record, "8.8.8.8").network.is_some());
    assert_eq!(world.requests("arin"), 2);
}

#[tokio::test]
async fn a_corrupt_cache_file_is_rebuilt_with_a_warning_and_the_lookup_succeeds() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    client_on(&world, dir.path()).build().unwrap().lookup("8.8.8.8").await.unwrap();
    assert_eq!(world.requests("arin"), 1);
    let path = dir.path().join("whohosts-cache.redb");
    std::fs::write(&path, b"\x00garbage over the cache file".repeat(300)).unwrap();

    let warnings = Warnings::default();
    let cache = tracing::subscriber::with_default(warnings.clone(), || DiskCache::open(dir.path()))
        .unwrap();
    let logged = warnings.0.lock().unwrap().clone();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(
        logged[0].starts_with(
            " message=the cache file cannot be read: moved aside, starting an empty cache"
        ),
        "{logged:?}"
    );
    assert!(logged[0].contains(&format!("path={}", path.display())), "{logged:?}");
    assert!(dir.path().join("whohosts-cache.redb.broken").exists());

    // The lookup succeeds, asking again what the lost file held.
    let client = world.client_builder().disk_cache(Arc::new(cache)).build().unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    assert_eq!(
        address(&record, "8.8.8.8").network.as_ref().unwrap().handle.as_deref(),
        Some("NET-8-8-8-0-2")
    );
    assert_eq!(world.requests("arin"), 2);
    drop(client);
    // The rebuilt file serves the run after.
    client_on(&world, dir.path()).build().unwrap().lookup("8.8.8.8").await.unwrap();
    assert_eq!(world.requests("arin"), 2);
}

#[tokio::test]
async fn a_second_open_is_refused_while_a_client_holds_the_cache() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = client_on(&world, dir.path()).build().unwrap();
    let error = DiskCache::open(dir.path()).unwrap_err();
    let path = dir.path().join("whohosts-cache.redb");
    assert_eq!(
        error.to_string(),
        format!("cache in use by another whohosts process: {}", path.display())
    );
    assert!(matches!(&error, DiskCacheError::InUse { path: p } if *p == path));
    // Once the holder is gone, the next run opens it.
    drop(client);
    assert!(DiskCache::open(dir.path()).is_ok());
}

#[tokio::test]
async fn max_bytes_bounds_what_the_file_keeps() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The recorded answers weigh (URL and stored value) about 7.3 kB (8.8.8.8), 21.1 kB
    // (193.0.6.139), 5.6 kB (1.1.1.1) and 13.3 kB (3.5.0.1): 47 kB in all.
    let max_bytes = 30_000;
    let cache = Arc::new(DiskCache::open(dir.path()).unwrap().max_bytes(max_bytes));
    let client = world.client_builder().disk_cache(Arc::clone(&cache)).build().unwrap();
    for ip in ["8.8.8.8", "193.0.6.139", "1.1.1.1", "3.5.0.1"] {
        let record = client.lookup(ip).await.unwrap();
        assert!(address(&record, ip).network.is_some(), "{ip}: {:#?}", record.errors);
        // Each answer expires a little after the one before (equal TTLs).
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(world.total_requests(), 4);
    let stats = cache.stats().unwrap();
    assert!(stats.bytes <= max_bytes, "{stats:?}");
    assert!(stats.bytes > 18_000, "{stats:?}");
    assert_eq!(stats.entries, 2, "{stats:?}");
    drop((client, cache));
    // The two latest answers are kept; the two first went to make room.
    let client = client_on(&world, dir.path()).build().unwrap();
    for ip in ["1.1.1.1", "3.5.0.1"] {
        client.lookup(ip).await.unwrap();
    }
    assert_eq!(world.total_requests(), 4);
    for ip in ["8.8.8.8", "193.0.6.139"] {
        client.lookup(ip).await.unwrap();
    }
    assert_eq!(world.total_requests(), 6);
}

#[tokio::test]
async fn a_daily_quota_spent_in_one_run_stays_spent_in_the_next() {
    let world = World::recorded().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // One RIPE NCC request a day.
    let daily = ServerPolicy::new(1, Duration::from_secs(86_400), 1, 4);
    let ripe = world.service_url("ripe");
    let run = |dir: &Path| {
        client_on(&world, dir).server_policy(&ripe, daily).disable_whois().build().unwrap()
    };
    let record = run(dir.path()).lookup("193.0.6.139").await.unwrap();
    assert!(address(&record, "193.0.6.139").network.is_some(), "{:#?}", record.errors);
    assert_eq!(world.requests("ripe"), 1);
    // The next run, the same day, finds the quota spent: another RIPE address is not asked.
    let record = run(dir.path()).lookup("193.0.0.1").await.unwrap();
    assert_eq!(world.requests("ripe"), 1);
    let refused: Vec<_> =
        record.errors.iter().filter(|e| e.kind == StepErrorKind::RateLimited).collect();
    assert_eq!(refused.len(), 1, "{:#?}", record.errors);
    assert!(refused[0].message.contains("used up"), "{}", refused[0].message);
    // A run with an empty directory (no memory of the day) would have asked.
    let elsewhere = tempfile::tempdir().unwrap();
    run(elsewhere.path()).lookup("193.0.0.1").await.unwrap();
    assert_eq!(world.requests("ripe"), 2);
}
