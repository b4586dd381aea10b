//! Scale-out through one Redis server (feature `redis`, issue #17): clients that share it
//! share the RDAP answers (a fact one fetched is not fetched again by another) and each
//! server's politeness (one token bucket, `Retry-After` pauses), while a Redis that is down
//! fails no lookup.
//!
//! These need a real `redis-server`: `.ci/run` starts one on a free loopback port and sets
//! `WHOHOSTS_TEST_REDIS` (e.g. `redis://127.0.0.1:6379/`). Without it each test prints a
//! skip line and passes. Each test keeps its keys under a prefix of its own.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use whohosts::{
    Client, HostingRecord, Politeness, Redis, RedisBudget, RedisQueue, ServerPolicy, Stage,
    StepErrorKind,
};
use whohosts_testing::{Fault, World, WorldBuilder};

use crate::support::Warnings;

/// The test server's URL, or `None` (with a skip line) when none is given.
#[allow(clippy::print_stderr)]
fn server(test: &str) -> Option<String> {
    match std::env::var("WHOHOSTS_TEST_REDIS") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipped {test}: WHOHOSTS_TEST_REDIS is not set (.ci/run starts a redis-server)"
            );
            None
        }
    }
}

/// A handle on the test server with keys under a prefix no other test (or run) uses.
fn redis(url: &str, test: &str) -> Redis {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let prefix = format!("whohosts-test:{test}:{}:{nanos}:", std::process::id());
    Redis::open(url).unwrap().prefix(prefix)
}

/// A plain connection for looking at and spoiling what the clients stored.
fn raw(url: &str) -> ::redis::Connection {
    ::redis::Client::open(url).unwrap().get_connection().unwrap()
}

/// The keys under `redis`' prefix of `kind` (`response`, `budget`), sorted.
fn keys(url: &str, redis: &Redis, kind: &str) -> Vec<String> {
    let pattern = format!("{}{kind}:*", redis.key_prefix());
    let mut keys: Vec<String> = ::redis::cmd("KEYS").arg(pattern).query(&mut raw(url)).unwrap();
    keys.sort();
    keys
}

/// Delete every key under `redis`' prefix (the queue's keys do not expire by themselves).
fn forget(url: &str, redis: &Redis) {
    let pattern = format!("{}*", redis.key_prefix());
    let mut con = raw(url);
    let keys: Vec<String> = ::redis::cmd("KEYS").arg(pattern).query(&mut con).unwrap();
    if !keys.is_empty() {
        let _: i64 = ::redis::cmd("DEL").arg(keys).query(&mut con).unwrap();
    }
}

/// The addresses whose networks ARIN answers in the recorded world.
const ARIN: [&str; 5] =
    ["8.8.8.8", "104.16.132.229", "104.16.133.229", "104.16.123.96", "3.5.140.2"];

fn rdap_errors(record: &HostingRecord) -> Vec<&whohosts::StepError> {
    record.errors.iter().filter(|e| e.stage == Stage::Rdap).collect()
}

/// The handle of the first address' network.
fn handle(record: &HostingRecord) -> Option<&str> {
    record.addresses.first()?.network.as_ref()?.handle.as_deref()
}

/// RDAP answers of 429 in the world's log.
fn refused(world: &World, service: &str) -> usize {
    world.request_log().iter().filter(|r| r.service == service && r.status == 429).count()
}

#[tokio::test]
async fn a_fact_one_client_fetched_is_not_fetched_again_by_another() {
    let Some(url) = server("shared_cache") else { return };
    let world = World::recorded().start().await.unwrap();
    let redis = redis(&url, "shared-cache");
    let first = world.client_builder().redis(redis.clone()).build().unwrap();
    let record = first.lookup("8.8.8.8").await.unwrap();
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    let asked = world.request_log();
    assert_eq!(asked.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["ip/8.8.8.8"]);
    // What the first client fetched is in Redis, one key per URL.
    let stored = keys(&url, &redis, "response");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(stored[0].ends_with("/arin/ip/8.8.8.8"), "{stored:?}");
    // A second client (another process, as far as it knows) finds it there: the world is
    // not asked again, and the record is the same.
    let second = world.client_builder().redis(redis.clone()).build().unwrap();
    let again = second.lookup("8.8.8.8").await.unwrap();
    assert_eq!(world.total_requests(), 1);
    assert_eq!(handle(&record), Some("NET-8-8-8-0-2"));
    assert_eq!(handle(&again), Some("NET-8-8-8-0-2"));
    for record in [&record, &again] {
        let emails: Vec<_> =
            record.abuse_contacts.iter().filter_map(|c| c.contact.email.as_deref()).collect();
        assert_eq!(emails, ["network-abuse@google.com"]);
    }
    assert_eq!(second.stats().requests, 0);
}

#[tokio::test]
async fn workers_missing_the_same_url_at_once_fetch_it_once() {
    let Some(url) = server("coalescing") else { return };
    // ARIN takes 300 ms to answer: the second worker asks while the first one's request is
    // out, finds its lock, and waits for its answer instead of asking too.
    let world = World::recorded()
        .fault("arin", "ip/", Fault::Latency(Duration::from_millis(300)), None)
        .start()
        .await
        .unwrap();
    let redis = redis(&url, "coalescing");
    let first = world.client_builder().redis(redis.clone()).build().unwrap();
    let second = world.client_builder().redis(redis.clone()).build().unwrap();
    let (a, b) = tokio::join!(first.lookup("8.8.8.8"), second.lookup("8.8.8.8"));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.errors.is_empty() && b.errors.is_empty(), "{:#?} {:#?}", a.errors, b.errors);
    assert_eq!(handle(&a), Some("NET-8-8-8-0-2"));
    assert_eq!(handle(&b), Some("NET-8-8-8-0-2"));
    assert_eq!(world.requests_for("arin", "ip/8.8.8.8"), 1);
    assert_eq!(world.total_requests(), 1, "{:#?} {:#?}", first.stats(), second.stats());
    assert_eq!(
        first.stats().requests + second.stats().requests,
        1,
        "{:#?} {:#?}",
        first.stats(),
        second.stats()
    );
    // The lock is gone with the fetch.
    assert_eq!(keys(&url, &redis, "lock"), Vec::<String>::new());
}

#[tokio::test]
async fn a_garbage_or_old_value_is_a_miss_and_is_fetched_again() {
    let Some(url) = server("garbage") else { return };
    let world = World::recorded().start().await.unwrap();
    let redis = redis(&url, "garbage");
    let first = world.client_builder().redis(redis.clone()).build().unwrap();
    first.lookup("8.8.8.8").await.unwrap();
    first.lookup("1.1.1.1").await.unwrap();
    assert_eq!(world.total_requests(), 2);
    let stored = keys(&url, &redis, "response");
    assert_eq!(stored.len(), 2, "{stored:?}");
    // One value becomes garbage, the other a value of a later format version.
    let mut con = raw(&url);
    let ([arin], [apnic]) = (&stored[1..], &stored[..1]) else { unreachable!() };
    assert!(arin.ends_with("ip/8.8.8.8") && apnic.ends_with("ip/1.1.1.1"), "{stored:?}");
    let _: () = ::redis::cmd("SET")
        .arg(arin)
        .arg(b"\xff\x00 not a cached response")
        .query(&mut con)
        .unwrap();
    let value: String = ::redis::cmd("GET").arg(apnic).query(&mut con).unwrap();
    let later = value.replacen("v1 ", "v2 ", 1);
    let _: () = ::redis::cmd("SET").arg(apnic).arg(later).query(&mut con).unwrap();
    // A new client finds neither usable: both are asked again, and the lookups are whole.
    let second = world.client_builder().redis(redis.clone()).build().unwrap();
    for ip in ["8.8.8.8", "1.1.1.1"] {
        let record = second.lookup(ip).await.unwrap();
        assert!(record.errors.is_empty(), "{ip}: {:#?}", record.errors);
        assert!(record.addresses[0].network.is_some(), "{ip}");
    }
    assert_eq!(world.requests_for("arin", "ip/8.8.8.8"), 2);
    assert_eq!(world.requests_for("apnic", "ip/1.1.1.1"), 2);
    // Both were written back in the current format.
    for key in &stored {
        let value: Vec<u8> = ::redis::cmd("GET").arg(key).query(&mut con).unwrap();
        assert!(
            value.starts_with(b"v1 {\"expires\":"),
            "{key}: {}",
            String::from_utf8_lossy(&value)
        );
    }
}

/// Three clients (standing for three workers) whose ARIN budget is `budget`, each with a
/// cache of its own, looking up the five ARIN addresses at once; the world allows ARIN
/// 5 requests a second, bursts of 2.
async fn three_workers(world: &World, budget: impl Fn() -> Option<Arc<RedisBudget>>) -> u64 {
    let clients: Vec<Client> = (0..3)
        .map(|_| {
            let builder = world.client_builder().server_policy(
                &world.service_url("arin"),
                ServerPolicy::new(5, Duration::from_secs(1), 1, 8),
            );
            match budget() {
                Some(shared) => builder.rate_budget(shared),
                None => builder,
            }
            .build()
            .unwrap()
        })
        .collect();
    let lookups = clients.iter().map(|client| async move {
        for ip in ARIN {
            client.lookup(ip).await.unwrap();
        }
    });
    futures_util::future::join_all(lookups).await;
    world.requests("arin")
}

/// The ARIN requests one client needs for the five addresses: one each (no two share a
/// leaf assignment).
const ARIN_REQUESTS_PER_WORKER: u64 = 5;

fn limited_world() -> WorldBuilder {
    World::recorded().rate_limit("arin", 5, Duration::from_secs(1), 2)
}

#[tokio::test]
async fn workers_sharing_a_budget_never_exceed_the_rate_together() {
    let Some(url) = server("gcra") else { return };
    // Shared: one GCRA bucket in Redis at 5/s for the three of them.
    let world = limited_world().start().await.unwrap();
    let redis = redis(&url, "gcra");
    // Each worker has a budget object of its own (as in its own process), on the same keys.
    let requests = three_workers(&world, || {
        Some(Arc::new(RedisBudget::new(&redis, &Politeness::unlimited(64))))
    })
    .await;
    assert_eq!(refused(&world, "arin"), 0, "{:#?}", world.request_log());
    // Each worker asked for each address it needed, once: no retries were needed.
    assert_eq!(requests, 3 * ARIN_REQUESTS_PER_WORKER);
    assert_eq!(keys(&url, &redis, "budget").len(), 1);
    // For contrast, the same three workers each with a budget of its own, at 5/s each:
    // together three times the rate, and the world refuses some.
    let world = limited_world().start().await.unwrap();
    let uncoordinated = three_workers(&world, || None).await;
    assert!(refused(&world, "arin") > 0, "{:#?}", world.request_log());
    assert!(uncoordinated > requests, "{uncoordinated} ≤ {requests}");
}

#[tokio::test]
async fn a_retry_after_seen_by_one_worker_pauses_the_others() {
    let Some(url) = server("retry_after") else { return };
    // ARIN answers its first request with 429 and Retry-After: 30 s, longer than the
    // clients wait (max_retry_after, 10 s by default).
    let world = World::recorded()
        .fault("arin", "ip/", Fault::RateLimit { retry_after: "30".into() }, Some(1))
        .start()
        .await
        .unwrap();
    let redis = redis(&url, "retry-after");
    let first = world.client_builder().redis(redis.clone()).build().unwrap();
    let record = first.lookup("8.8.8.8").await.unwrap();
    let rdap = rdap_errors(&record);
    assert_eq!(rdap.len(), 1, "{:#?}", record.errors);
    assert_eq!(rdap[0].kind, StepErrorKind::RateLimited);
    assert_eq!(world.requests("arin"), 1);
    // Another worker does not ask ARIN at all while the pause runs, and says why.
    let second = world.client_builder().redis(redis.clone()).build().unwrap();
    let record = second.lookup("104.16.132.229").await.unwrap();
    let rdap = rdap_errors(&record);
    assert_eq!(rdap.len(), 1, "{:#?}", record.errors);
    assert_eq!(rdap[0].kind, StepErrorKind::RateLimited);
    assert!(rdap[0].message.contains("asked to pause for another"), "{}", rdap[0].message);
    assert!(rdap[0].message.ends_with("(not asked)"), "{}", rdap[0].message);
    assert_eq!(world.requests("arin"), 1);
    // Other servers are not paused.
    let record = second.lookup("1.1.1.1").await.unwrap();
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    // For contrast, a worker with a budget of its own asks (and is answered: the fault
    // was for one request).
    let alone = world.client_builder().build().unwrap();
    let record = alone.lookup("104.16.132.229").await.unwrap();
    assert!(rdap_errors(&record).is_empty(), "{:#?}", record.errors);
    assert_eq!(world.requests("arin"), 2);
}

#[tokio::test]
async fn a_circuit_opened_by_one_worker_is_open_for_the_others() {
    let Some(url) = server("breaker") else { return };
    let world =
        World::recorded().fault("arin", "ip/", Fault::Status(503), None).start().await.unwrap();
    let redis = redis(&url, "breaker");
    // Three failures in a row open a server's circuit; no retries.
    let worker = || {
        let mut politeness = Politeness::unlimited(8);
        politeness.breaker_threshold = 3;
        world.client_builder().politeness(politeness).max_retries(0).redis(redis.clone()).build()
    };
    let first = worker().unwrap();
    for ip in ["8.8.8.8", "104.16.132.229", "104.16.133.229"] {
        let record = first.lookup(ip).await.unwrap();
        let rdap = rdap_errors(&record);
        assert_eq!(rdap.len(), 1, "{:#?}", record.errors);
        assert_eq!(rdap[0].kind, StepErrorKind::HttpStatus);
    }
    assert_eq!(world.requests("arin"), 3);
    // The first worker's next request fails fast, and so does another worker's.
    let second = worker().unwrap();
    for (client, ip) in [(&first, "3.5.140.2"), (&second, "104.16.123.96")] {
        let record = client.lookup(ip).await.unwrap();
        let rdap = rdap_errors(&record);
        assert_eq!(rdap.len(), 1, "{:#?}", record.errors);
        assert_eq!(rdap[0].kind, StepErrorKind::CircuitOpen);
        assert!(rdap[0].message.contains("circuit breaker is open"), "{}", rdap[0].message);
    }
    assert_eq!(world.requests("arin"), 3);
    assert_eq!(second.stats().circuit_open, 1);
}

#[tokio::test]
async fn a_redis_that_is_down_fails_no_lookup() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let redis =
        Redis::open(&format!("redis://127.0.0.1:{port}/")).unwrap().prefix("whohosts-test:down:");
    // Asked directly, it says which server cannot be reached.
    let error = redis.check().await.unwrap_err();
    assert!(
        error.to_string().starts_with(&format!("Redis at redis://127.0.0.1:{port}/: ")),
        "{error}"
    );
    let world = World::recorded().start().await.unwrap();
    // A bulk job's queue cannot do without it: it says so, naming the server.
    let error = RedisQueue::new(&redis).enqueue(["example.com"]).await.unwrap_err();
    assert!(
        error.to_string().starts_with(&format!("Redis at redis://127.0.0.1:{port}/: queue ")),
        "{error}"
    );
    let client = world.client_builder().redis(redis).build().unwrap();
    // The test runtime has one thread: every task of the lookups logs here.
    let warnings = Warnings::default();
    let logging = tracing::subscriber::set_default(warnings.clone());
    for ip in ["8.8.8.8", "1.1.1.1"] {
        let record = client.lookup(ip).await.unwrap();
        assert!(record.errors.is_empty(), "{ip}: {:#?}", record.errors);
        assert!(!record.abuse_contacts.is_empty(), "{ip}");
    }
    drop(logging);
    // One warning, naming the server, however many commands failed.
    let logged = warnings.0.lock().unwrap().clone();
    let redis: Vec<_> = logged.iter().filter(|w| w.contains("Redis")).collect();
    assert_eq!(redis.len(), 1, "{logged:#?}");
    assert!(redis[0].starts_with(" message=Redis cannot be used: lookups go on"), "{logged:#?}");
    assert!(redis[0].contains(&format!("url=redis://127.0.0.1:{port}/")), "{logged:#?}");
    // Each asked once, under the in-process budget.
    assert_eq!(world.requests_for("arin", "ip/8.8.8.8"), 1);
    assert_eq!(world.requests_for("apnic", "ip/1.1.1.1"), 1);
    assert_eq!(world.total_requests(), 2);
}

#[tokio::test]
async fn every_input_yields_one_result_even_when_a_worker_dies_mid_lookup() {
    let Some(url) = server("queue") else { return };
    let world = World::recorded().start().await.unwrap();
    let redis = redis(&url, "queue");
    let queue = RedisQueue::new(&redis);
    let inputs = ["8.8.8.8", "1.1.1.1", "104.16.132.229", "193.0.6.139", "200.3.14.10"];
    assert_eq!(queue.enqueue(inputs).await.unwrap(), 5);
    let status = queue.status().await.unwrap();
    assert_eq!((status.enqueued, status.done, status.pending), (5, 0, 0));
    // Worker A takes the first two inputs and dies before completing them.
    let long = Duration::from_secs(300);
    let dead = queue.take("a", 2, long).await.unwrap();
    assert_eq!(
        dead.iter().map(|i| (i.id, i.input.as_str())).collect::<Vec<_>>(),
        [(1, "8.8.8.8"), (2, "1.1.1.1")]
    );
    // Worker B looks up what is left; A's two stay pending while their visibility lasts.
    let client = world.client_builder().redis(redis.clone()).build().unwrap();
    let work = |taken: Vec<whohosts::QueuedInput>| {
        let (client, queue) = (&client, &queue);
        async move {
            for item in taken {
                let record = client.lookup(&item.input).await.unwrap();
                assert!(
                    queue.complete(&item, &serde_json::to_string(&record).unwrap()).await.unwrap()
                );
            }
        }
    };
    let taken = queue.take("b", 10, long).await.unwrap();
    assert_eq!(taken.iter().map(|i| i.id).collect::<Vec<_>>(), [3, 4, 5]);
    work(taken).await;
    assert!(queue.take("b", 10, long).await.unwrap().is_empty());
    let status = queue.status().await.unwrap();
    assert_eq!((status.enqueued, status.done, status.pending), (5, 3, 2));
    assert!(!status.is_drained());
    // Once their visibility has passed (zero here), B claims A's two and does them.
    let claimed = queue.take("b", 10, Duration::ZERO).await.unwrap();
    assert_eq!(claimed.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2]);
    work(claimed).await;
    // A comes back and completes its first input late: dropped, one result per input.
    assert!(!queue.complete(&dead[0], "{\"late\":true}").await.unwrap());
    let status = queue.status().await.unwrap();
    assert_eq!((status.enqueued, status.done, status.pending), (5, 5, 0));
    assert!(status.is_drained());
    // The results, each input once, in the order completed; paged by cursor.
    let (first, cursor) = queue.results(None, 3).await.unwrap();
    let (rest, cursor) = queue.results(cursor.as_deref(), 3).await.unwrap();
    let (none, _) = queue.results(cursor.as_deref(), 3).await.unwrap();
    assert!(none.is_empty());
    let results: Vec<_> = first.into_iter().chain(rest).collect();
    assert_eq!(results.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 4, 5, 1, 2]);
    for result in &results {
        let record: serde_json::Value = serde_json::from_str(&result.line).unwrap();
        assert_eq!(
            record["query"],
            inputs[usize::try_from(result.id).unwrap() - 1],
            "{}",
            result.line
        );
    }
    // Each address's registry was asked once.
    assert_eq!(world.total_requests(), 5);
    forget(&url, &redis);
}

#[tokio::test]
async fn numbered_inputs_are_enqueued_once_by_id_and_results_are_counted_per_worker() {
    let Some(url) = server("queue_numbered") else { return };
    let redis = redis(&url, "queue_numbered");
    let queue = RedisQueue::new(&redis);
    // Line numbers as ids (line 2 was blank); the same lines again add nothing.
    let lines = [(1, "8.8.8.8"), (3, "1.1.1.1"), (4, "example.com")];
    assert_eq!(queue.enqueue_numbered(lines).await.unwrap(), 3);
    assert_eq!(queue.enqueue_numbered(lines).await.unwrap(), 0);
    assert_eq!(queue.enqueue_numbered([(4, "example.com"), (5, "example.net")]).await.unwrap(), 1);
    let status = queue.status().await.unwrap();
    assert_eq!((status.enqueued, status.done, status.pending), (4, 0, 0));
    let long = Duration::from_secs(300);
    let a = queue.take("a", 1, long).await.unwrap();
    let b = queue.take("b", 10, long).await.unwrap();
    assert_eq!(a.iter().map(|i| (i.id, i.input.as_str())).collect::<Vec<_>>(), [(1, "8.8.8.8")]);
    assert_eq!(b.iter().map(|i| i.id).collect::<Vec<_>>(), [3, 4, 5]);
    for item in a.iter().chain(&b) {
        assert!(queue.complete(item, &item.input).await.unwrap());
    }
    // A late second completion of input 1 is dropped and not counted.
    assert!(!queue.complete(&a[0], "again").await.unwrap());
    let counts = queue.worker_counts().await.unwrap();
    assert_eq!(counts.into_iter().collect::<Vec<_>>(), [("a".to_owned(), 1), ("b".to_owned(), 3)]);
    assert!(queue.status().await.unwrap().is_drained());
    forget(&url, &redis);
}
