//! Criterion benches: query parsing, and whole lookups against the bundled loopback world
//! (so the figures measure whohosts, not the internet).
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

fn lookup(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (world, client) = runtime.block_on(async {
        let world = World::recorded().start().await.unwrap();
        let client = world.client_builder().build().unwrap();
        (world, client)
    });
    c.bench_function("lookup_cloudflare_com", |b| {
        b.to_async(&runtime).iter(|| async { client.lookup("www.cloudflare.com").await.unwrap() })
    });
    c.bench_function("lookup_ip_8_8_8_8", |b| {
        b.to_async(&runtime).iter(|| async { client.lookup("8.8.8.8").await.unwrap() })
    });
    drop(world);
}

criterion_group!(benches, parse, lookup);
criterion_main!(benches);
