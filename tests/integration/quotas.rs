//! Quotas counted in what the server counts: RIPE NCC limits each client to 1,000 personal
//! data sets (person and role objects) a day, not 1,000 queries, and every network answer of
//! the generated world holds the twelve of its template, RIPE NCC's own recorded answer for
//! 193.0.0.0/21. A budget counting requests would send twelve times its quota's worth.

use std::sync::Arc;
use std::time::Duration;

use whohosts::{Client, Counting, DiskCache, Politeness, ServerPolicy, StepErrorKind};
use whohosts_testing::{FaultMix, GeneratedWorld, RirMix, World};

const DAY: Duration = Duration::from_secs(86_400);

/// A world whose hosting addresses are all in RIPE NCC space.
fn ripe_world(domains: usize) -> GeneratedWorld {
    let rirs = RirMix { weights: [("ripe".to_owned(), 1)].into_iter().collect() };
    World::generated_shaped(domains, 3, &FaultMix::default(), &rirs)
}

/// 30 personal data sets a day: two and a half answers' worth.
fn thirty_a_day() -> ServerPolicy {
    ServerPolicy::new(30, DAY, 30, 1).counting(Counting::PersonalObjects)
}

#[test]
fn the_default_table_counts_ripe_ncc_in_personal_data_sets_and_no_other_server() {
    let table = Politeness::default();
    let counts = |url: &str| table.server_key(&url.parse().unwrap()).1.counts;
    assert_eq!(counts("https://rdap.db.ripe.net/ip/193.0.6.139"), Counting::PersonalObjects);
    for other in [
        "https://rdap.arin.net/registry/ip/8.8.8.8",
        "https://rdap.lacnic.net/rdap/ip/200.3.14.10",
        "https://rdap.verisign.com/com/v1/domain/example.com",
        "https://stat.ripe.net/data/abuse-contact-finder/data.json?resource=193.0.6.139",
    ] {
        assert_eq!(counts(other), Counting::Requests, "{other}");
    }
}

#[tokio::test]
async fn a_quota_of_thirty_personal_data_sets_lets_three_ripe_answers_through_not_thirty() {
    let generated = ripe_world(40);
    let world = generated.builder().start().await.unwrap();
    let client = world
        .client_builder()
        .server_policy(&world.service_url("ripe"), thirty_a_day())
        .build()
        .unwrap();
    let mut limited = 0;
    for domain in generated.domains() {
        let record = client.lookup(domain).await.unwrap();
        // The registration is found whatever the network quota says.
        assert!(record.registrar.is_some() || domain.ends_with(".cz"), "{domain}");
        limited += record
            .errors
            .iter()
            .filter(|e| e.kind == StepErrorKind::RateLimited && e.target.contains('.'))
            .count();
    }
    // 30 → 18 → 6 → -6 tokens: the third answer goes with 6 left, then the bucket waits.
    assert_eq!(world.requests("ripe"), 3);
    assert!(limited > 0, "no address was refused for the quota");
    assert_eq!(client.stats().rate_limited, 0, "RIPE NCC answered a 429");
}

#[tokio::test]
async fn the_personal_data_sets_spent_today_stay_spent_for_the_next_run() {
    let generated = ripe_world(40);
    let world = generated.builder().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |cache: Arc<DiskCache>| {
        world
            .client_builder()
            .server_policy(&world.service_url("ripe"), thirty_a_day())
            // Budgets only: every answer is asked again.
            .rate_budget(Arc::new(whohosts::LocalBudget::with_store(
                &Politeness::unlimited(64),
                cache,
            )))
            .build()
            .unwrap()
    };
    let first: Client = run(Arc::new(DiskCache::open(dir.path()).unwrap()));
    for domain in generated.domains() {
        first.lookup(domain).await.unwrap();
    }
    assert_eq!(world.requests("ripe"), 3);
    drop(first);
    let second = run(Arc::new(DiskCache::open(dir.path()).unwrap()));
    for domain in generated.domains().iter().take(10) {
        second.lookup(domain).await.unwrap();
    }
    assert_eq!(world.requests("ripe"), 3, "the second run asked past the day's quota");
}
