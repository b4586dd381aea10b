//! Criterion benches of bulk lookups over a generated loopback world
//! (`whohosts_testing::World::generated`), so the figures measure whohosts and the world,
//! not the internet:
//!
//! * `bulk_zero_latency/{1000,10000}`: every domain of the world once, a fresh client (cold
//!   caches) per iteration, RDAP answers as fast as the world serves them;
//! * `bulk_20ms_rate_limited/1000`: every RDAP answer delayed 20 ms and every service limited
//!   to 500 requests/s (the client is told the same limit);
//! * `world_capacity/2000`: the world's own capacity, 2,000 plain concurrent `reqwest` GETs
//!   (64 in flight) of RDAP objects it holds; requests/s of a bulk run divided by this is the
//!   share of the server's capacity whohosts uses.
//!
//! Sample counts are small (10) so `cargo bench --bench bulk` finishes in a few minutes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use futures_util::StreamExt;
use whohosts::ServerPolicy;
use whohosts_testing::{Fault, GeneratedWorld, World};

const SEED: u64 = 1;
const RATE: u32 = 500;

async fn run_bulk(world: &World, generated: &GeneratedWorld, limited: bool) -> u64 {
    let mut builder = world.client_builder();
    if limited {
        for service in generated.min_requests_per_service().keys() {
            let policy = ServerPolicy::new(RATE, Duration::from_secs(1), 1, 16);
            builder = builder.server_policy(&world.service_url(service), policy);
        }
    }
    let client = builder.build().unwrap();
    let n = generated.domains().len();
    let outputs = client.lookup_many(generated.inputs(n)).count().await;
    assert_eq!(outputs, n);
    client.stats().requests
}

fn bulk(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let mut group = c.benchmark_group("bulk_zero_latency");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let generated = World::generated(n, SEED);
        let world = runtime.block_on(generated.builder().start()).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.to_async(&runtime).iter(|| run_bulk(&world, &generated, false));
        });
        drop(world);
    }
    group.finish();

    let mut group = c.benchmark_group("bulk_20ms_rate_limited");
    group.sample_size(10);
    let n = 1_000usize;
    let generated = World::generated(n, SEED);
    let mut builder = generated.builder();
    for service in generated.min_requests_per_service().keys() {
        builder = builder
            .fault(service, "", Fault::Latency(Duration::from_millis(20)), None)
            .rate_limit(service, RATE, Duration::from_secs(1), 3);
    }
    let world = runtime.block_on(builder.start()).unwrap();
    group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
        b.to_async(&runtime).iter(|| run_bulk(&world, &generated, true));
    });
    drop(world);
    group.finish();
}

fn capacity(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let generated = World::generated(1_000, SEED);
    let world = runtime.block_on(generated.builder().start()).unwrap();
    // The URLs a bulk run asks for, replayed with plain reqwest.
    let urls: Vec<String> = runtime.block_on(async {
        let client = world.client_builder().build().unwrap();
        let _ = client.lookup_many(generated.inputs(1_000)).count().await;
        world
            .request_log()
            .iter()
            .map(|r| format!("{}{}", world.service_url(&r.service), r.path))
            .cycle()
            .take(2_000)
            .collect()
    });
    let http = reqwest::Client::new();
    let mut group = c.benchmark_group("world_capacity");
    group.sample_size(10);
    group.bench_function(BenchmarkId::from_parameter(urls.len()), |b| {
        b.to_async(&runtime).iter(|| async {
            futures_util::stream::iter(urls.iter())
                .map(|url| {
                    let http = http.clone();
                    async move { http.get(url).send().await.unwrap().bytes().await.unwrap().len() }
                })
                .buffer_unordered(64)
                .count()
                .await
        });
    });
    group.finish();
    drop(world);
}

criterion_group!(benches, bulk, capacity);
criterion_main!(benches);
