//! Criterion benches of the hot paths reachable through the public API: query parsing,
//! record serialisation, IP → ASN range lookup (`CsvRangeSource` over the recorded
//! ip-location-db slice), and whole lookups against the bundled loopback world (so the
//! figures measure whohosts, not the internet). Bulk runs are in `benches/bulk.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use whohosts::Query;
use whohosts::testing::World;

fn parse(c: &mut Criterion) {
    let inputs = [
        "example.com",
        "https://user:pw@Www.Example.co.uk:8443/a/b?c=d#e",
        "bücher.de",
        "2001:db8::1",
        "foo.bar.blogspot.com",
    ];
    c.bench_function("query_parse", |b| {
        b.iter(|| {
            for input in inputs {
                let _ = black_box(Query::parse(black_box(input)));
            }
        })
    });
}

fn serialise(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let record = runtime.block_on(async {
        let world = World::recorded().start().await.unwrap();
        let client = world.client_builder().build().unwrap();
        client.lookup("www.cloudflare.com").await.unwrap()
    });
    c.bench_function("record_to_json_cloudflare_com", |b| {
        b.iter(|| serde_json::to_vec(black_box(&record)).unwrap())
    });
}

fn asn_range(c: &mut Criterion) {
    use whohosts::{AsnSource, CsvRangeSource};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/asn/asn-ipv4-slice.csv");
    let source = CsvRangeSource::open(path).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let ips: Vec<std::net::IpAddr> = ["1.0.0.1", "1.0.5.9", "1.0.16.200", "9.9.9.9"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    c.bench_function("csv_range_lookup_4_ips", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for ip in &ips {
                    let _ = black_box(source.lookup(black_box(*ip)).await);
                }
            })
        })
    });
}

fn lookup(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (world, client) = runtime.block_on(async {
        let world = World::recorded().start().await.unwrap();
        let client = world.client_builder().build().unwrap();
        (world, client)
    });
    // After the first iteration the RDAP answers come from the client's response cache;
    // DNS and record assembly are measured.
    c.bench_function("lookup_cloudflare_com", |b| {
        b.to_async(&runtime).iter(|| async { client.lookup("www.cloudflare.com").await.unwrap() })
    });
    // The same lookup with the RDAP caches off (every iteration asks the world again).
    let uncached = runtime.block_on(async {
        let mut cache = whohosts::CacheSettings::default();
        cache.ttl = std::time::Duration::ZERO;
        cache.negative_ttl = std::time::Duration::ZERO;
        world.client_builder().cache(cache).build().unwrap()
    });
    c.bench_function("lookup_cloudflare_com_uncached", |b| {
        b.to_async(&runtime).iter(|| async { uncached.lookup("www.cloudflare.com").await.unwrap() })
    });
    c.bench_function("lookup_ip_8_8_8_8", |b| {
        b.to_async(&runtime).iter(|| async { client.lookup("8.8.8.8").await.unwrap() })
    });
    drop(world);
}

criterion_group!(benches, parse, serialise, asn_range, lookup);
criterion_main!(benches);
