//! Criterion benches of the hot paths: query parsing, record serialisation, IP → ASN range
//! lookup (`CsvRangeSource` over the recorded ip-location-db slice), RDAP answer parsing and
//! extraction (entities, jCard) over recorded answers, bootstrap matching (through the
//! hidden `whohosts::__bench` hooks of the private feature `__bench`:
//! `cargo bench --features __bench --bench lookup`), and whole lookups against the loopback
//! world of `whohosts-testing` (so the figures measure whohosts, not the internet). Bulk runs
//! are in `benches/bulk.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use whohosts::Query;
use whohosts_testing::World;

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

/// Recorded RDAP answers (tests/fixtures/rdap): (extractor kind, name, body).
const ANSWERS: &[(&str, &str, &str)] = &[
    (
        "ip",
        "arin_cloudflare",
        include_str!("../tests/fixtures/rdap/ip/arin-104.16.0.0-12-cloudflare.json"),
    ),
    ("ip", "ripe_ripe", include_str!("../tests/fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc.json")),
    (
        "domain",
        "verisign_cloudflare",
        include_str!("../tests/fixtures/rdap/domain/verisign-cloudflare.com-registry.json"),
    ),
    (
        "domain",
        "registrar_cloudflare",
        include_str!("../tests/fixtures/rdap/domain/cloudflare-registrar-cloudflare.com.json"),
    ),
    (
        "autnum",
        "arin_as16509",
        include_str!("../tests/fixtures/rdap/autnum/arin-AS16509-amazon.json"),
    ),
    (
        "entity",
        "ripe_org",
        include_str!("../tests/fixtures/rdap/entity/ripe-ORG-RIEN1-RIPE-org.json"),
    ),
];

fn rdap_answers(c: &mut Criterion) {
    let mut parse = c.benchmark_group("rdap_json_parse");
    for (_, name, body) in ANSWERS {
        parse.bench_function(*name, |b| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(body)).unwrap())
        });
    }
    parse.finish();
    let mut extract = c.benchmark_group("rdap_extract");
    for (kind, name, body) in ANSWERS {
        let answer: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(whohosts::__bench::extract(kind, &answer, "https://rdap.example/") > 0, "{name}");
        extract.bench_function(*name, |b| {
            b.iter(|| whohosts::__bench::extract(kind, black_box(&answer), "https://rdap.example/"))
        });
    }
    extract.finish();
}

fn bootstrap_match(c: &mut Criterion) {
    let matcher = whohosts::__bench::BootstrapMatcher::embedded().unwrap();
    let domains = ["www.example.com", "bbc.co.uk", "example.xn--p1ai", "a.b.c.example.museum"];
    let ips: Vec<std::net::IpAddr> = ["8.8.8.8", "193.0.6.139", "200.3.14.10", "2620:119:35::35"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    c.bench_function("bootstrap_match_4_domains", |b| {
        b.iter(|| domains.iter().filter(|d| matcher.domain(black_box(d))).count())
    });
    c.bench_function("bootstrap_match_4_ips", |b| {
        b.iter(|| ips.iter().filter(|ip| matcher.ip(black_box(**ip))).count())
    });
    c.bench_function("bootstrap_match_4_asns", |b| {
        b.iter(|| [13335, 3333, 28000, 4608].iter().filter(|a| matcher.asn(black_box(**a))).count())
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
        cache.error_ttl = std::time::Duration::ZERO;
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

criterion_group!(benches, parse, serialise, asn_range, rdap_answers, bootstrap_match, lookup);
criterion_main!(benches);
