//! `whohosts bulk --redis URL --job NAME` (issue #17) run as users run it: worker processes of
//! the real `whohosts` binary share one job, one cache and one politeness budget through Redis,
//! against a generated loopback world of 5,000 domains whose every RDAP service allows 200
//! requests a second (the client is told the same limits with `--server-policy`).
//!
//! Needs a Redis server: `WHOHOSTS_TEST_REDIS` (set by `.ci/run`), else each test prints a
//! skip line and passes. The restart test starts its own `redis-server` (from PATH) with an
//! append-only file, so that it keeps the job across the restart.
//!
//! Rate limits: the client's bucket per service is 200/s with a burst of 10; the world's is
//! 200/s with a burst of 30, i.e. the client's plus a tolerance of 20 requests (100 ms at
//! 200/s): requests granted inside the budget may reach the server bunched when the two
//! shared cores stall a worker (one run in four had a few 429s with a tolerance of 10 while
//! other builds loaded the machine).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use whohosts_testing::{Fault, GeneratedWorld, World};

/// Domains in the world, and inputs in the job (each domain once).
const DOMAINS: usize = 5000;
/// Requests a second every RDAP service allows, and the client's budget for each.
const RATE: u32 = 200;
/// The client's burst per service.
const CLIENT_BURST: u32 = 10;
/// The world's burst: the client's and 100 ms of requests tolerated.
const WORLD_BURST: u32 = CLIENT_BURST + 20;

/// A started world and the runtime serving it.
struct TestWorld {
    world: World,
    generated: GeneratedWorld,
    _runtime: tokio::runtime::Runtime,
}

impl TestWorld {
    /// The generated world of [`DOMAINS`] domains, each RDAP service limited to [`RATE`] a
    /// second, each answer delayed by `latency`.
    fn start(latency: Option<Duration>) -> Self {
        Self::start_with(DOMAINS, latency)
    }

    /// [`start`](Self::start) with `domains` domains.
    fn start_with(domains: usize, latency: Option<Duration>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let generated = World::generated(domains, 17);
        let mut builder = generated.builder();
        for service in generated.min_requests_per_service().keys() {
            builder = builder.rate_limit(service, RATE, Duration::from_secs(1), WORLD_BURST);
            if let Some(latency) = latency {
                builder = builder.fault(service, "", Fault::Latency(latency), None);
            }
        }
        let world = runtime.block_on(builder.start()).unwrap();
        TestWorld { world, generated, _runtime: runtime }
    }

    /// The client flags that point `whohosts` at this world, with each RDAP service's budget
    /// [`RATE`] a second.
    fn flags(&self) -> Vec<String> {
        let mut flags = vec![
            "--dns".to_owned(),
            self.world.dns_addr().to_string(),
            "--bootstrap".to_owned(),
            self.world.bootstrap_dir().display().to_string(),
            "--allow-http".to_owned(),
            "--allow-private".to_owned(),
            "--allow-net".to_owned(),
            "127.0.0.0/8".to_owned(),
            "--timeout".to_owned(),
            "10".to_owned(),
        ];
        for (name, addr) in self.world.whois_servers() {
            flags.push("--whois".to_owned());
            flags.push(format!("{name}={addr}"));
            flags.push("--server-policy".to_owned());
            flags.push(format!("whois://{name}=0/1s:1:64"));
        }
        for service in self.generated.min_requests_per_service().keys() {
            flags.push("--server-policy".to_owned());
            flags.push(format!("{}={RATE}/1s:{CLIENT_BURST}:32", self.world.service_url(service)));
        }
        flags.push("--server-policy".to_owned());
        flags.push("127.0.0.1=0/1s:1:64".to_owned());
        flags
    }

    /// Every input, one per line, into `dir/in.txt`.
    fn input_file(&self, dir: &Path) -> PathBuf {
        let path = dir.join("in.txt");
        std::fs::write(&path, self.inputs().iter().map(|i| format!("{i}\n")).collect::<String>())
            .unwrap();
        path
    }

    fn inputs(&self) -> Vec<String> {
        self.generated.inputs(self.generated.domains().len()).collect()
    }

    /// The requests the world answered, and how many of them were 429s.
    fn requests(&self) -> (u64, usize) {
        let log = self.world.request_log();
        (self.world.total_requests(), log.iter().filter(|r| r.status == 429).count())
    }

    /// The requests per second the world took from its busiest service, at best: the
    /// fewest seconds any client needs (the busiest service's minimum, less its burst, at
    /// [`RATE`] a second).
    fn lower_bound(&self) -> Duration {
        let busiest = self.generated.min_requests_per_service().values().max().copied();
        let busiest = busiest.unwrap_or(0).saturating_sub(u64::from(CLIENT_BURST));
        Duration::from_secs_f64(busiest as f64 / f64::from(RATE))
    }
}

/// The test's Redis server, or `None` (a skip line printed).
fn redis_url(test: &str) -> Option<String> {
    match std::env::var("WHOHOSTS_TEST_REDIS") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped {test}: set WHOHOSTS_TEST_REDIS=redis://127.0.0.1:PORT/ to run it");
            None
        }
    }
}

/// `whohosts` with a clean environment and its directories in `dir`.
fn whohosts(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_whohosts"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("WHOHOSTS_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command
        .env("XDG_CONFIG_HOME", dir.join("config-home"))
        .env("XDG_CACHE_HOME", dir.join("cache-home"))
        .env("HOME", dir)
        .stdin(Stdio::null());
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("whohosts-dist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One job on one Redis server: its name, and the commands of each step.
struct Job {
    url: String,
    name: String,
    dir: PathBuf,
}

impl Job {
    fn new(url: &str, test: &str) -> Self {
        let dir = temp_dir(test);
        let job = Job { url: url.to_owned(), name: format!("{test}-{}", std::process::id()), dir };
        job.clear();
        job
    }

    /// `whohosts bulk --redis URL --job NAME` and `args`.
    fn bulk(&self, args: &[&str]) -> Command {
        let mut command = whohosts(&self.dir);
        command.args(["bulk", "--redis", &self.url, "--job", &self.name]).args(args);
        command
    }

    fn enqueue(&self, input: &Path) -> Output {
        let output = self.bulk(&["--enqueue"]).arg(input).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        output
    }

    /// A worker process, exiting when the job is done; its stderr to `dir/NAME.err`.
    /// 32 lookups at once unless `extra` says `--concurrency`.
    fn worker(&self, world: &TestWorld, name: &str, extra: &[&str]) -> Child {
        let err = std::fs::File::create(self.dir.join(format!("{name}.err"))).unwrap();
        let concurrency: &[&str] =
            if extra.contains(&"--concurrency") { &[] } else { &["--concurrency", "32"] };
        self.bulk(&["--work", "--exit-when-done", "--quiet", "--worker-name", name])
            .args(concurrency)
            .args(extra)
            .args(world.flags())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap()
    }

    fn worker_stderr(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.err"))).unwrap_or_default()
    }

    /// `--status --json`.
    fn status(&self) -> serde_json::Value {
        let output = self.bulk(&["--status", "--json"]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Wait until `done` inputs have a result.
    fn wait_for_done(&self, done: u64, workers: &mut [Child]) {
        let started = Instant::now();
        loop {
            let now = self.status()["done"].as_u64().unwrap();
            if now >= done {
                return;
            }
            for worker in workers.iter_mut() {
                assert!(worker.try_wait().unwrap().is_none(), "a worker ended early");
            }
            assert!(started.elapsed() < Duration::from_secs(120), "stuck at {now} done");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `--collect OUT`: the input of every line of OUT, in order.
    fn collect(&self) -> Vec<String> {
        let out = self.dir.join("out.jsonl");
        let output = self.bulk(&["--collect"]).arg(&out).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                assert!(value["record"].is_object(), "{line:.300}");
                value["input"].as_str().unwrap().to_owned()
            })
            .collect()
    }

    /// Remove the job's keys (its queue, cache and budgets) from the server.
    fn clear(&self) {
        let pattern = format!("whohosts:{{{}}}:*", self.name);
        let Ok(keys) = Command::new("redis-cli")
            .args(["-u", &self.url, "--scan", "--pattern", &pattern])
            .output()
        else {
            return;
        };
        let keys: Vec<String> =
            String::from_utf8_lossy(&keys.stdout).lines().map(str::to_owned).collect();
        for chunk in keys.chunks(500) {
            let _ = Command::new("redis-cli")
                .args(["-u", &self.url, "DEL"])
                .args(chunk)
                .stdout(Stdio::null())
                .status();
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Wait for every worker; each must exit 0.
fn wait_all(job: &Job, workers: Vec<Child>, names: &[&str]) {
    for (mut worker, name) in workers.into_iter().zip(names) {
        let status = worker.wait().unwrap();
        assert_eq!(status.code(), Some(0), "worker {name}: {}", job.worker_stderr(name));
    }
}

#[test]
fn three_workers_write_one_line_per_input_and_keep_every_service_within_its_limit() {
    let Some(url) = redis_url("three_workers") else { return };
    let world = TestWorld::start(None);
    let job = Job::new(&url, "three");
    let input = world.input_file(&job.dir);
    let output = job.enqueue(&input);
    assert!(stderr(&output).contains("5000 of 5000 input lines"), "{}", stderr(&output));
    // Enqueueing the same file again adds nothing.
    let output = job.enqueue(&input);
    assert!(
        stderr(&output).contains("0 of 5000 input lines of ")
            && stderr(&output)
                .contains("(5000 already there, by line number); the job holds 5000 inputs"),
        "{}",
        stderr(&output)
    );

    let names = ["w1", "w2", "w3"];
    let started = Instant::now();
    let workers: Vec<Child> = names.iter().map(|n| job.worker(&world, n, &[])).collect();
    wait_all(&job, workers, &names);
    let wall = started.elapsed();

    // Exactly one output line per input, in input order.
    assert_eq!(job.collect(), world.inputs());
    let status = job.status();
    assert_eq!(
        (status["enqueued"].as_u64(), status["done"].as_u64(), status["pending"].as_u64()),
        (Some(5000), Some(5000), Some(0))
    );
    let per_worker: BTreeMap<String, u64> =
        serde_json::from_value(status["workers"].clone()).unwrap();
    assert_eq!(per_worker.keys().collect::<Vec<_>>(), ["w1", "w2", "w3"]);
    assert_eq!(per_worker.values().sum::<u64>(), 5000);
    assert_eq!(status["results"]["inputs"].as_u64(), Some(5000));

    // One shared cache and one shared budget: the requests of one careful client, and no
    // service asked past its limit.
    let (requests, too_many) = world.requests();
    let min = world.generated.min_requests();
    eprintln!(
        "three coordinated workers: {requests} requests for a minimum of {min} (ratio {:.3}), \
         {too_many} answered 429, wall {:.1} s (rate-limit lower bound {:.1} s), per worker {per_worker:?}",
        requests as f64 / min as f64,
        wall.as_secs_f64(),
        world.lower_bound().as_secs_f64()
    );
    assert!(requests as f64 <= 1.05 * min as f64, "{requests} requests for a minimum of {min}");
    assert_eq!(too_many, 0, "the world answered 429 {too_many} times");
}

#[test]
fn a_small_job_collects_as_csv_and_reports_its_status_and_an_invalid_line_keeps_its_place() {
    let Some(url) = redis_url("small_job") else { return };
    let world = TestWorld::start_with(40, None);
    let job = Job::new(&url, "small");
    // 40 inputs, with a line that is not UTF-8 as line 3.
    let inputs = world.inputs();
    let mut text = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        if i == 2 {
            text.extend_from_slice(b"bad\xff.example\n");
        }
        text.extend_from_slice(format!("{input}\n").as_bytes());
    }
    let input = job.dir.join("in.txt");
    std::fs::write(&input, text).unwrap();
    let output = job.enqueue(&input);
    assert!(stderr(&output).starts_with("job small-"), "{}", stderr(&output));
    assert!(stderr(&output).contains(": 41 of 41 input lines of "), "{}", stderr(&output));

    // Collecting before any worker ran: nothing to write yet, exit 1.
    let early = job.dir.join("early.jsonl");
    let output = job.bulk(&["--collect"]).arg(&early).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(": 0 of 41 inputs have a result (0 pending); wrote them to "),
        "{}",
        stderr(&output)
    );

    let mut worker = job.worker(&world, "w1", &[]);
    assert!(worker.wait().unwrap().success(), "{}", job.worker_stderr("w1"));
    assert!(
        job.worker_stderr("w1")
            .ends_with("worker w1: 41 results added, 0 dropped (another worker had finished them first); the job is drained\n"),
        "{}",
        job.worker_stderr("w1")
    );

    // JSON lines in input order; the invalid line is the line `bulk` writes for it.
    let out = job.dir.join("out.jsonl");
    let output = job.bulk(&["--collect"]).arg(&out).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 41);
    assert_eq!(
        lines[2],
        serde_json::json!({"input": "bad\u{fffd}.example", "line": 3,
            "error": {"kind": "input", "message": "line 3: not valid UTF-8"}})
    );
    let mut expected = inputs.clone();
    expected.insert(2, "bad\u{fffd}.example".to_owned());
    let got: Vec<&str> = lines.iter().map(|l| l["input"].as_str().unwrap()).collect();
    assert_eq!(got, expected);

    // CSV: the columns of `bulk --format csv`, the records numbered in input order.
    let csv = job.dir.join("out.csv");
    let output = job.bulk(&["--collect"]).arg(&csv).args(["--format", "csv"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let csv = std::fs::read_to_string(&csv).unwrap();
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some(whohosts::CSV_COLUMNS.join(",").as_str()));
    let first: Vec<&str> = rows.clone().map(|r| r.split(',').next().unwrap()).collect();
    assert_eq!(first.first(), Some(&"1"));
    assert_eq!(first.last(), Some(&"41"));
    assert!(
        csv.lines().any(|r| r.starts_with("3,bad\u{fffd}.example,") && r.contains(",input_error,")),
        "{csv}"
    );

    // The status, as text.
    let output = job.bulk(&["--status"]).output().unwrap();
    let status = String::from_utf8(output.stdout).unwrap();
    let head = format!(
        "job {} at {url}\n  enqueued  41\n  done      41\n  pending   0\n  waiting   0\n\
         results per worker\n  w1                               41\nresults\n  inputs: 41 (",
        job.name
    );
    assert!(status.starts_with(&head), "{status}");
}

#[test]
fn a_worker_killed_mid_run_has_its_inputs_taken_by_the_others() {
    let Some(url) = redis_url("killed_worker") else { return };
    let world = TestWorld::start(None);
    let job = Job::new(&url, "killed");
    job.enqueue(&world.input_file(&job.dir));
    // Inputs a worker took and did not finish within 3 s are taken again by another.
    let names = ["w1", "w2", "w3"];
    let mut workers: Vec<Child> =
        names.iter().map(|n| job.worker(&world, n, &["--visibility", "3"])).collect();
    job.wait_for_done(1000, &mut workers);
    let mut killed = workers.remove(0);
    killed.kill().unwrap(); // SIGKILL
    killed.wait().unwrap();
    let pending_at_kill = job.status()["pending"].as_u64().unwrap();
    wait_all(&job, workers, &names[1..]);

    assert_eq!(job.collect(), world.inputs());
    let status = job.status();
    assert_eq!((status["done"].as_u64(), status["pending"].as_u64()), (Some(5000), Some(0)));
    let per_worker: BTreeMap<String, u64> =
        serde_json::from_value(status["workers"].clone()).unwrap();
    assert_eq!(per_worker.values().sum::<u64>(), 5000);
    let (requests, too_many) = world.requests();
    eprintln!(
        "one of three workers SIGKILLed after 1,000 results ({pending_at_kill} inputs pending \
         then): {requests} requests for a minimum of {}, {too_many} answered 429, per worker \
         {per_worker:?}",
        world.generated.min_requests()
    );
}

/// A `redis-server` of the test's own on `port`, with an append-only file synced on every
/// write in `dir`: killed and started again, it has every acknowledged write.
fn start_redis(port: u16, dir: &Path) -> Option<u32> {
    start_redis_server(port, dir, true)
}

/// A `redis-server` of the test's own on `port`, keeping its data in an append-only file in
/// `dir` when `persist`, else nowhere; its pid.
fn start_redis_server(port: u16, dir: &Path, persist: bool) -> Option<u32> {
    let pidfile = dir.join("redis.pid");
    let _ = std::fs::remove_file(&pidfile);
    let aof = if persist { "yes" } else { "no" };
    let status = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", ""])
        .args(["--appendonly", aof, "--appendfsync", "always", "--daemonize", "yes"])
        .arg("--dir")
        .arg(dir)
        .arg("--pidfile")
        .arg(&pidfile)
        .arg("--logfile")
        .arg(dir.join("redis.log"))
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let pong = Command::new("redis-cli")
            .args(["-p", &port.to_string(), "ping"])
            .output()
            .map(|o| o.stdout.starts_with(b"PONG"))
            .unwrap_or(false);
        if pong {
            return std::fs::read_to_string(&pidfile).ok()?.trim().parse().ok();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A `redis-server` the test started: stopped, and its directory removed, when dropped (a
/// failing test too).
struct OwnServer {
    pid: u32,
    dir: PathBuf,
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        kill_pid(self.pid, "-TERM");
        std::thread::sleep(Duration::from_millis(300));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn kill_pid(pid: u32, signal: &str) {
    let _ = Command::new("kill").args([signal, &pid.to_string()]).status();
}

#[test]
fn a_redis_restart_mid_run_loses_no_input() {
    if redis_url("redis_restart").is_none() {
        return;
    }
    let redis_dir = temp_dir("redis-aof");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Some(pid) = start_redis(port, &redis_dir) else {
        eprintln!("skipped redis_restart: redis-server could not be started on port {port}");
        return;
    };
    let mut server = OwnServer { pid, dir: redis_dir.clone() };
    let world = TestWorld::start(None);
    let job = Job::new(&format!("redis://127.0.0.1:{port}/"), "restart");
    job.enqueue(&world.input_file(&job.dir));
    let names = ["w1", "w2", "w3"];
    let mut workers: Vec<Child> =
        names.iter().map(|n| job.worker(&world, n, &["--visibility", "3"])).collect();
    job.wait_for_done(1000, &mut workers);
    // Killed, not stopped: the server writes nothing more; its append-only file has every
    // write it acknowledged (fsync always).
    kill_pid(server.pid, "-KILL");
    std::thread::sleep(Duration::from_secs(2));
    server.pid = start_redis(port, &redis_dir).expect("redis-server restarts");
    wait_all(&job, workers, &names);

    assert_eq!(job.collect(), world.inputs());
    let status = job.status();
    assert_eq!((status["done"].as_u64(), status["pending"].as_u64()), (Some(5000), Some(0)));
    // Each worker said it lost Redis, naming it, and that it resumed.
    for name in names {
        let err = job.worker_stderr(name);
        assert!(
            err.contains(&format!("whohosts: Redis at redis://127.0.0.1:{port}/"))
                && err.contains("Redis answers again after"),
            "{name}: {err}"
        );
    }
    let (requests, too_many) = world.requests();
    eprintln!(
        "Redis killed and restarted after 1,000 results: {requests} requests for a minimum of \
         {}, {too_many} answered 429 (while Redis was down each worker kept its own budget)",
        world.generated.min_requests()
    );
    drop(job);
    drop(server);
}

#[test]
fn a_worker_says_so_when_a_redis_restarted_without_persistence_lost_the_job() {
    if redis_url("redis_lost").is_none() {
        return;
    }
    let redis_dir = temp_dir("redis-lost");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Some(pid) = start_redis_server(port, &redis_dir, false) else {
        eprintln!("skipped redis_lost: redis-server could not be started on port {port}");
        return;
    };
    let mut server = OwnServer { pid, dir: redis_dir.clone() };
    // 40 inputs at 50 ms an answer, two at a time: the run lasts a few seconds.
    let world = TestWorld::start_with(40, Some(Duration::from_millis(50)));
    let job = Job::new(&format!("redis://127.0.0.1:{port}/"), "lost");
    job.enqueue(&world.input_file(&job.dir));
    let mut workers = vec![job.worker(&world, "w1", &["--concurrency", "2"])];
    job.wait_for_done(5, &mut workers);
    kill_pid(server.pid, "-KILL");
    std::thread::sleep(Duration::from_millis(500));
    server.pid = start_redis_server(port, &redis_dir, false).expect("redis-server restarts");
    let status = workers.remove(0).wait().unwrap();
    let err = job.worker_stderr("w1");
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "whohosts: job {}: Redis at redis://127.0.0.1:{port}/ now holds 0 inputs where it \
             held 40: it lost the job's data (restarted without persistence?)",
            job.name
        )),
        "{err}"
    );
    drop(job);
    drop(server);
}

#[test]
fn a_worker_gives_up_on_an_unreachable_redis_naming_it_without_the_password() {
    let dir = temp_dir("unreachable");
    let world = TestWorld::start(None);
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/");
    let output = whohosts(&dir)
        .args(["bulk", "--redis", &url, "--job", "nightly", "--work", "--redis-retry", "1"])
        .args(world.flags())
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("Redis at redis://:***@127.0.0.1:{port}/")), "{err}");
    assert!(err.contains("gave up after 1 s without Redis"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn three_uncoordinated_workers_for_contrast() {
    // No Redis: three `whohosts bulk` processes, each with a third of the inputs, each with
    // its own cache and its own budget of RATE a second per service.
    let world = TestWorld::start(None);
    let dir = temp_dir("uncoordinated");
    let inputs = world.inputs();
    let third = inputs.len().div_ceil(3);
    let started = Instant::now();
    let workers: Vec<(Child, PathBuf)> = inputs
        .chunks(third)
        .enumerate()
        .map(|(i, chunk)| {
            let input = dir.join(format!("in{i}.txt"));
            std::fs::write(&input, chunk.iter().map(|l| format!("{l}\n")).collect::<String>())
                .unwrap();
            let out = dir.join(format!("out{i}.jsonl"));
            let child = whohosts(&dir.join(format!("w{i}")))
                .arg("bulk")
                .arg(&input)
                .arg("-o")
                .arg(&out)
                .args(["--quiet", "--no-cache", "--concurrency", "32"])
                .args(world.flags())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            (child, out)
        })
        .collect();
    let mut lines = 0;
    for (mut child, out) in workers {
        assert!(child.wait().unwrap().success());
        lines += std::fs::read_to_string(out).unwrap().lines().count();
    }
    let wall = started.elapsed();
    assert_eq!(lines, DOMAINS);
    let (requests, too_many) = world.requests();
    let min = world.generated.min_requests();
    eprintln!(
        "three uncoordinated workers (a third of the inputs each, no Redis): {requests} \
         requests for a minimum of {min} (ratio {:.3}), {too_many} answered 429, wall {:.1} s",
        requests as f64 / min as f64,
        wall.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Commands the clients send as they are (not only from inside a script): with `EVALSHA`
/// and `EVAL`, the round trips. `GET` and `DEL` also run inside one script each, so the
/// count is an upper bound.
const TOP_LEVEL: &[&str] = &[
    "evalsha",
    "eval",
    "get",
    "set",
    "del",
    "ping",
    "xautoclaim",
    "xreadgroup",
    "xpending",
    "hlen",
    "hgetall",
    "xrange",
    "xack",
];

/// What the Redis server at `url` has answered (`INFO commandstats`): the round trips (the
/// calls of [`TOP_LEVEL`] commands), every command (inside scripts too), and the
/// microseconds it spent on them.
fn redis_calls(url: &str) -> (u64, u64, u64) {
    let output = Command::new("redis-cli").args(["-u", url, "INFO", "commandstats"]).output();
    let text = output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let (mut trips, mut calls, mut usec) = (0, 0, 0);
    for line in text.lines() {
        let Some((name, fields)) = line.strip_prefix("cmdstat_").and_then(|l| l.split_once(':'))
        else {
            continue;
        };
        for field in fields.split(',') {
            if let Some(n) = field.strip_prefix("calls=") {
                let n = n.trim().parse::<u64>().unwrap_or(0);
                calls += n;
                if TOP_LEVEL.contains(&name) {
                    trips += n;
                }
            } else if let Some(n) = field.strip_prefix("usec=") {
                usec += n.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    (trips, calls, usec)
}

/// The mean round trip of a `PING` to the server at `url` (host and port of a
/// `redis://HOST:PORT/` URL without a password) over one connection.
fn ping_round_trip(url: &str) -> Option<Duration> {
    use std::io::{Read, Write};
    let address = url.strip_prefix("redis://")?.split('/').next()?;
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream.set_nodelay(true).ok()?;
    let mut reply = [0u8; 7];
    let started = Instant::now();
    for _ in 0..1000 {
        stream.write_all(b"PING\r\n").ok()?;
        stream.read_exact(&mut reply).ok()?;
    }
    Some(started.elapsed() / 1000)
}

/// Not a check: 1, 2 and 4 workers on the world with 20 ms per RDAP answer and the rate
/// limits; prints wall time ÷ the rate-limit lower bound and the Redis round trips per
/// lookup. `scripts/bench-workers.sh` runs it against a Redis server of its own.
#[test]
#[ignore = "a benchmark (about 2 minutes); scripts/bench-workers.sh runs it"]
fn bench_workers() {
    let Some(url) = redis_url("bench_workers") else { return };
    let rtt = ping_round_trip(&url);
    for workers in [1usize, 2, 4] {
        let world = TestWorld::start(Some(Duration::from_millis(20)));
        let job = Job::new(&url, &format!("bench{workers}"));
        job.enqueue(&world.input_file(&job.dir));
        let (trips_before, calls_before, usec_before) = redis_calls(&url);
        let names: Vec<String> = (1..=workers).map(|i| format!("w{i}")).collect();
        let started = Instant::now();
        let children: Vec<Child> =
            names.iter().map(|n| job.worker(&world, n, &["--concurrency", "64"])).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        wait_all(&job, children, &name_refs);
        let wall = started.elapsed();
        let (trips_after, calls_after, usec_after) = redis_calls(&url);
        let trips = trips_after.saturating_sub(trips_before) as f64 / DOMAINS as f64;
        let calls = calls_after.saturating_sub(calls_before) as f64 / DOMAINS as f64;
        let usec = usec_after.saturating_sub(usec_before) as f64 / DOMAINS as f64;
        let (requests, too_many) = world.requests();
        let bound = world.lower_bound();
        eprintln!(
            "workers {workers}: wall {:.2} s, lower bound {:.2} s, ratio {:.2}; {requests} \
             requests (minimum {}), {too_many} answered 429; Redis per lookup: ≤ {trips:.1} \
             round trips ({calls:.1} commands with those inside scripts), {usec:.0} µs of \
             server time; PING round trip {} µs → ~{:.2} ms of round trips per lookup \
             (one after another)",
            wall.as_secs_f64(),
            bound.as_secs_f64(),
            wall.as_secs_f64() / bound.as_secs_f64(),
            world.generated.min_requests(),
            rtt.map_or("?".to_owned(), |d| d.as_micros().to_string()),
            rtt.map_or(0.0, |d| d.as_secs_f64() * 1e3 * trips),
        );
    }
}
