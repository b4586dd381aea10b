//! The fault-injection bulk run: a generated world whose registry answers fail at set rates
//! (5xx once or always, a 429 once, truncated, malformed and oversized bodies, redirect
//! loops, and redirects and `related` links to a private address where a listener counts
//! connections). Every input yields exactly one output; every fault a retry can cure is
//! cured; every other one is an `rdap` error naming the faulted object; none is lost; no
//! connection reaches the private address.
//!
//! CI runs N = 1000 domains here. The full run (N = 10,000, release build):
//!
//! ```text
//! cargo run --release --example bulk -- --world 10000 --faults 20 \
//!     --quiet -o /tmp/fault-run.jsonl
//! ```
//!
//! (`--faults 20`: every kind at 20 domains per thousand; the summary prints faults injected
//! by kind, cured, reported, lost and private connections, and exits 1 unless lost and
//! private connections are 0.)

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use whohosts::Politeness;
use whohosts_testing::{FaultKind, FaultMix, FaultVerdict, World, tripwire};

#[tokio::test]
async fn every_fault_is_cured_or_reported_and_none_is_lost() {
    const N: usize = 1000;
    let (trap, hits) = tripwire().await.unwrap();
    let generated = World::generated_with_faults(N, 8, &FaultMix::every_kind(20, Some(trap)));
    let injected = generated.injected();
    // Every kind is injected at least once, and about 18% of the domains are faulted.
    for kind in FaultKind::ALL {
        assert!(injected.values().any(|f| f.kind == kind), "{kind:?} never injected");
    }
    assert!((100..=260).contains(&injected.len()), "{}", injected.len());

    let inputs: Vec<String> = generated.inputs(N).collect();
    let world = generated.builder().start().await.unwrap();
    // The breaker is tested on its own (bulk.rs); here a run of always-failing answers at
    // one registry must not make other domains' curable faults fail fast.
    let mut politeness = Politeness::unlimited(64);
    politeness.breaker_threshold = 0;
    let client = world
        .client_builder()
        .allow_net("127.0.0.1/32".parse().unwrap())
        .politeness(politeness)
        .bulk_concurrency(16)
        .build()
        .unwrap();

    let mut outputs: BTreeMap<String, usize> = BTreeMap::new();
    let mut verdicts: BTreeMap<(FaultKind, FaultVerdict), usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut stream = std::pin::pin!(client.lookup_many(inputs.clone()));
    while let Some((input, result)) = stream.next().await {
        *outputs.entry(input.clone()).or_default() += 1;
        let Some((kind, verdict)) = generated.verdict(&world, &input, &result) else { continue };
        *verdicts.entry((kind, verdict)).or_default() += 1;
        let expected = if kind.curable() { FaultVerdict::Cured } else { FaultVerdict::Reported };
        if verdict != expected {
            let errors = result.as_ref().map(|r| r.errors.clone()).unwrap_or_default();
            wrong.push((input, kind, verdict, errors));
        }
    }

    // Exactly one output per input (the N inputs name N different domains).
    assert_eq!(outputs.len(), N);
    assert!(outputs.values().all(|&n| n == 1));
    assert_eq!(inputs.len(), N);
    // Every curable fault cured, every other one reported, none lost.
    assert!(wrong.is_empty(), "{wrong:#?}");
    let injected_by_kind = |kind: FaultKind| injected.values().filter(|f| f.kind == kind).count();
    for kind in FaultKind::ALL {
        let expected = if kind.curable() { FaultVerdict::Cured } else { FaultVerdict::Reported };
        assert_eq!(verdicts.get(&(kind, expected)), Some(&injected_by_kind(kind)), "{kind:?}");
    }
    assert_eq!(verdicts.values().sum::<usize>(), injected.len());
    // No connection ever reached the private address.
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
