//! The `whohosts` command run as a user runs it, against a generated loopback world started in
//! this process (`whohosts-testing`) and pointed at with the client flags: every subcommand
//! and format, the exit codes, where settings come from (flag > env > file > default),
//! `--resume` and `--retry-errors` after a run cut short by a rate-limited registry, and
//! Ctrl-C losing no finished record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use whohosts_testing::{Fault, GeneratedWorld, World, WorldBuilder};

/// A started world and the runtime serving it (its servers run on the runtime's threads
/// while a test waits for the command).
struct TestWorld {
    world: World,
    generated: GeneratedWorld,
    _runtime: tokio::runtime::Runtime,
}

impl TestWorld {
    /// A generated world of `domains` domains, changed by `configure` before it starts.
    fn start(domains: usize, configure: impl FnOnce(WorldBuilder) -> WorldBuilder) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let generated = World::generated(domains, 7);
        let world = runtime.block_on(configure(generated.builder()).start()).unwrap();
        TestWorld { world, generated, _runtime: runtime }
    }

    /// The client flags that point `whohosts` at this world: its DNS server, its bootstrap,
    /// its WHOIS servers, loopback and plain HTTP allowed, and each RDAP service and WHOIS
    /// server a server of its own without a rate limit (as `World::client_builder` sets up).
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
            "5".to_owned(),
        ];
        for (name, addr) in self.world.whois_servers() {
            flags.push("--whois".to_owned());
            flags.push(format!("{name}={addr}"));
            flags.push("--server-policy".to_owned());
            flags.push(format!("whois://{name}=0/1s:1:64"));
        }
        for service in self.generated.min_requests_per_service().keys() {
            flags.push("--server-policy".to_owned());
            flags.push(format!("{}=0/1s:1:64", self.world.service_url(service)));
        }
        flags.push("--server-policy".to_owned());
        flags.push("127.0.0.1=0/1s:1:64".to_owned());
        flags
    }

    /// `count` inputs of this world, one per line.
    fn input_file(&self, dir: &Path, count: usize) -> PathBuf {
        let path = dir.join("in.txt");
        let text: String = self.generated.inputs(count).map(|i| format!("{i}\n")).collect();
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// `whohosts` with a clean environment: no WHOHOSTS_* or RUST_LOG variable, and the config
/// and cache directories in `dir` (so no user's config file or cache is read).
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
        .env("HOME", dir);
    command.stdin(Stdio::null());
    command
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("whohosts-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `input` of every line of a JSON-lines output, with how many lines each has; every
/// line must be whole JSON.
fn inputs_of(path: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        *counts.entry(value["input"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    counts
}

/// The error kinds in the records of a JSON-lines output, with how many lines carry each.
fn kinds_of(path: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let mut kinds: Vec<String> = value["record"]["errors"]
            .as_array()
            .map(|errors| errors.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        kinds.dedup();
        for kind in kinds {
            *counts.entry(kind).or_default() += 1;
        }
    }
    counts
}

/// How many times each line of `inputs` occurs.
fn count_inputs(inputs: impl Iterator<Item = String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for input in inputs {
        *counts.entry(input).or_default() += 1;
    }
    counts
}

#[test]
fn help_exits_0_and_documents_the_exit_codes() {
    let dir = temp_dir("help");
    for args in [&["--help"][..], &["lookup", "--help"], &["bulk", "--help"], &["config", "--help"]]
    {
        let output = run(whohosts(&dir).args(args));
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr(&output));
        let text = stdout(&output);
        assert_eq!(text.matches("Usage:").count(), 1, "{args:?}: {text}");
        assert!(text.contains("Exit codes:\n  0    records were produced"), "{args:?}: {text}");
        assert!(text.contains("  2    bad usage"), "{text}");
        assert!(output.stderr.is_empty());
    }
    let output = run(whohosts(&dir).args(["bulk", "--help"]));
    for flag in ["--resume", "--retry-errors", "--format", "--concurrency", "--fail-on", "--dns"] {
        assert!(stdout(&output).contains(flag), "bulk --help lacks {flag}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_usage_exits_2_naming_the_bad_value() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp_dir("usage");
    let config = dir.join("bad.toml");
    std::fs::write(&config, "allow-http = true\ncolour = \"blue\"\n").unwrap();
    let not_utf8 = std::ffi::OsStr::from_bytes(b"\xff.com");
    // (arguments, environment, the start of the message)
    type Case<'a> = (Vec<&'a std::ffi::OsStr>, Vec<(&'a str, &'a str)>, String);
    let cases: Vec<Case> = vec![
        (
            vec!["lookup".as_ref(), "--dns".as_ref(), "127.0.0.1:0".as_ref(), "x.com".as_ref()],
            vec![],
            "whohosts: --dns 127.0.0.1:0: port 0 is not a port a server answers on\n".to_owned(),
        ),
        (
            vec![
                "lookup".as_ref(),
                "--allow-net".as_ref(),
                "127.0.0.1/32".as_ref(),
                "x.com".as_ref(),
            ],
            vec![],
            "whohosts: --allow-net narrows --allow-private: give both, or neither\n".to_owned(),
        ),
        (
            vec!["lookup".as_ref(), not_utf8],
            vec![],
            "whohosts: QUERY \"\\xFF.com\" is not valid UTF-8\n".to_owned(),
        ),
        (
            vec!["lookup".as_ref(), "x.com".as_ref()],
            vec![("WHOHOSTS_TIMEOUT", "soon")],
            "whohosts: WHOHOSTS_TIMEOUT=soon: wants seconds (0 < s <= 3600)\n".to_owned(),
        ),
        (
            vec!["lookup".as_ref(), "--whois".as_ref(), "co".as_ref(), "x.com".as_ref()],
            vec![],
            "whohosts: --whois co: wants KEY=HOST[:PORT]\n".to_owned(),
        ),
        (
            vec!["bulk".as_ref(), "--server-policy".as_ref(), "x=1/1y".as_ref()],
            vec![],
            "whohosts: --server-policy x=1/1y: PERIOD \"1y\" wants a unit: ms, s, m, h or d\n"
                .to_owned(),
        ),
        (
            vec![
                "bulk".as_ref(),
                "--retry-errors".as_ref(),
                "ratelimited".as_ref(),
                "-o".as_ref(),
                "x".as_ref(),
            ],
            vec![],
            "whohosts: --retry-errors: unknown error kind \"ratelimited\"".to_owned(),
        ),
        (
            vec!["bulk".as_ref(), "--resume".as_ref()],
            vec![],
            "whohosts: --resume and --retry-errors need -o OUT (a file to read back)\n".to_owned(),
        ),
        (
            vec!["config".as_ref(), "--config".as_ref(), config.as_os_str()],
            vec![],
            format!("whohosts: config file {}: unknown key \"colour\"", config.display()),
        ),
        (
            vec!["config".as_ref()],
            vec![("WHOHOSTS_CONFIG", "/nonexistent/whohosts.toml")],
            "whohosts: config file /nonexistent/whohosts.toml (env WHOHOSTS_CONFIG): not found\n"
                .to_owned(),
        ),
        (
            vec!["lookup".as_ref(), "--notice-type".as_ref(), "dcma".as_ref(), "x.com".as_ref()],
            vec![],
            "whohosts: --notice-type dcma: unknown notice type \"dcma\"".to_owned(),
        ),
        (
            vec!["lookup".as_ref(), "--concurrency".as_ref(), "2".as_ref(), "x.com".as_ref()],
            vec![],
            "error: unexpected argument '--concurrency' found".to_owned(),
        ),
        (
            vec![
                "lookup".as_ref(),
                "--bootstrap".as_ref(),
                "/nonexistent".as_ref(),
                "x.com".as_ref(),
            ],
            vec![],
            "whohosts: cannot load RDAP bootstrap from /nonexistent: ".to_owned(),
        ),
        (
            vec!["bulk".as_ref(), "/nonexistent/in.txt".as_ref()],
            vec![],
            "whohosts: opening /nonexistent/in.txt: ".to_owned(),
        ),
        (
            vec!["bulk".as_ref(), "--concurrency".as_ref(), "0".as_ref()],
            vec![],
            "error: invalid value '0' for '--concurrency <CONCURRENCY>'".to_owned(),
        ),
    ];
    for (args, env, message) in cases {
        let output = run(whohosts(&dir).args(&args).envs(env));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).starts_with(&message), "{args:?}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn settings_come_from_flag_then_env_then_file_then_default_and_config_says_which() {
    let dir = temp_dir("config");
    let file = dir.join("config-home/whohosts/config.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "timeout = 3\nallow-http = true\ndns = [\"127.0.0.1:5301\"]\nnotice-type = \"spam\"\n",
    )
    .unwrap();
    // The default file, read from the platform config directory.
    let output = run(whohosts(&dir)
        .args(["config", "--dns", "127.0.0.1:5302", "--dns", "[::1]:5303"])
        .env("WHOHOSTS_TIMEOUT", "7.5")
        .env("WHOHOSTS_NOTICE_TYPE", "copyright"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let file_name = file.display();
    assert_eq!(
        stdout(&output),
        format!(
            "# config file: {file_name} (default)\n\
             dns = [\"127.0.0.1:5302\", \"[::1]:5303\"]  # flag --dns\n\
             bootstrap = \"\"  # default: IANA's bootstrap files, embedded\n\
             asn-db = []  # default: Team Cymru over DNS\n\
             whois = []  # default: the shipped table and IANA's referrals\n\
             no-whois = false  # default: WHOIS after RDAP\n\
             notice-type = \"copyright\"  # env WHOHOSTS_NOTICE_TYPE\n\
             allow-http = true  # file {file_name}\n\
             allow-private = false  # default: global addresses only\n\
             allow-net = []  # default: every non-global network, with --allow-private\n\
             timeout = 7.5  # env WHOHOSTS_TIMEOUT\n\
             server-policy = []  # default: the built-in politeness table\n\
             cache-dir = \"{cache_dir}\"  # default: the platform cache directory\n\
             no-cache = false  # default: the persistent cache on\n\
             quota-free = []  # default: none\n\
             ripestat-url = \"\"  # default: https://stat.ripe.net/\n\
             network-detail = \"\"  # default: auto\n",
            cache_dir = dir.join("cache-home/whohosts").display(),
        )
    );
    // --config wins over WHOHOSTS_CONFIG, which wins over the default file; env lists are
    // comma-separated, switches true/false.
    let other = dir.join("other.toml");
    std::fs::write(&other, "timeout = 4\nallow-net = [\"10.0.0.0/8\"]\nallow-private = true\n")
        .unwrap();
    let output = run(whohosts(&dir)
        .args(["config", "--config"])
        .arg(&other)
        .env("WHOHOSTS_CONFIG", &file)
        .env("WHOHOSTS_ALLOW_HTTP", "false")
        .env("WHOHOSTS_DNS", "127.0.0.1:5304, 127.0.0.1:5305"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with(&format!("# config file: {} (flag --config)\n", other.display())));
    assert!(
        text.contains("\ndns = [\"127.0.0.1:5304\", \"127.0.0.1:5305\"]  # env WHOHOSTS_DNS\n")
    );
    assert!(text.contains("\nallow-http = false  # env WHOHOSTS_ALLOW_HTTP\n"), "{text}");
    assert!(text.contains(&format!("\ntimeout = 4  # file {}\n", other.display())), "{text}");
    assert!(
        text.contains(&format!("\nallow-net = [\"10.0.0.0/8\"]  # file {}\n", other.display()))
    );
    let output = run(whohosts(&dir).arg("config").env("WHOHOSTS_CONFIG", &other));
    assert!(
        stdout(&output)
            .starts_with(&format!("# config file: {} (env WHOHOSTS_CONFIG)\n", other.display()))
    );
    // A bad value in the file is named with the file.
    std::fs::write(&other, "allow-net = \"10.0.0.0/33\"\nallow-private = true\n").unwrap();
    let output = run(whohosts(&dir).args(["config", "--config"]).arg(&other));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("whohosts: allow-net = \"10.0.0.0/33\" in {}: not a CIDR\n", other.display())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lookup_prints_text_json_and_json_lines_and_exits_by_what_it_found() {
    let dir = temp_dir("lookup");
    let world = TestWorld::start(10, |b| b);
    let domains = world.generated.domains().to_vec();
    let lookup = |args: &[&str]| {
        let mut command = whohosts(&dir);
        command.arg("lookup").args(world.flags()).args(args);
        run(&mut command)
    };
    // Text, the default: the summary leading with whom to notify.
    let output = lookup(&[&domains[0]]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with(&format!("{}\n  ", domains[0])), "{text}");
    assert!(text.contains("notify, in this order:"), "{text}");
    assert!(output.stderr.is_empty(), "{}", stderr(&output));
    assert_eq!(lookup(&["--text", &domains[0]]).stdout, output.stdout);

    // -vv: the log on stderr runs inside one span per lookup and one per request (here a
    // WHOIS query; RDAP requests have their own `request{url=…}` span).
    let output = lookup(&["-vv", &domains[0]]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(log.contains(&format!("lookup{{query={}}}", domains[0])), "{log}");
    assert!(log.contains("}:whois{server="), "{log}");

    // --json: the record; an array of records for several queries, in the order given.
    let output = lookup(&["--json", &domains[1]]);
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["query"], domains[1].as_str());
    let output = lookup(&["--json", &domains[2], &domains[1]]);
    let records: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let queries: Vec<&str> = records.iter().map(|r| r["query"].as_str().unwrap()).collect();
    assert_eq!(queries, [domains[2].as_str(), domains[1].as_str()]);

    // --jsonl: bulk's line format, one per query.
    let output = lookup(&["--jsonl", &domains[1], &domains[2]]);
    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["input"], domains[1].as_str());
    assert_eq!(lines[1]["record"]["query"], domains[2].as_str());

    // A query that cannot be looked up: exit 2 naming it; the others are still printed.
    let output = lookup(&["--jsonl", "a..b", &domains[3]]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output), "whohosts: a..b: name \"a..b\" has an empty label\n");
    assert_eq!(stdout(&output).lines().count(), 1);

    // --fail-on: a name that is not registered has errors (but its registry to notify); an
    // address no registry claims has nobody to notify.
    let missing = "not-registered-here.com";
    let unclaimed = "192.0.2.1";
    for query in [missing, unclaimed] {
        let output = lookup(&[query]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    for (condition, query, code) in [
        ("errors", missing, 1),
        ("no-contact", missing, 0),
        ("no-contact", unclaimed, 1),
        ("errors,no-contact", unclaimed, 1),
    ] {
        let output = lookup(&["--fail-on", condition, query]);
        assert_eq!(output.status.code(), Some(code), "{condition} {query}: {}", stderr(&output));
    }
    let output = lookup(&["--fail-on", "no-contact,errors", &domains[0]]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // Logs go to stderr with -v or RUST_LOG; stdout holds the same result.
    let quiet = lookup(&["--json", &domains[4]]);
    let record: serde_json::Value = serde_json::from_slice(&quiet.stdout).unwrap();
    for (args, env) in [(&["-vv"][..], None), (&[][..], Some("whohosts=debug"))] {
        let mut command = whohosts(&dir);
        command.args(args).arg("lookup").args(world.flags()).args(["--json", &domains[4]]);
        if let Some(filter) = env {
            command.env("RUST_LOG", filter);
        }
        let output = run(&mut command);
        assert_eq!(output.status.code(), Some(0));
        let logged: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(logged["query"], record["query"]);
        let targets = |r: &serde_json::Value| -> Vec<String> {
            let targets = r["notice_targets"].as_array().unwrap();
            targets.iter().map(|t| format!("{} {}", t["party"], t["name"])).collect()
        };
        assert_eq!(targets(&logged), targets(&record));
        assert!(stderr(&output).contains(" DEBUG "), "{args:?} {env:?}: {}", stderr(&output));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bulk_writes_one_line_per_input_line_and_looks_each_duplicate_up_once() {
    let dir = temp_dir("bulk");
    let world = TestWorld::start(30, |b| b);
    let inputs: Vec<String> = world.generated.inputs(40).collect();
    let mut text = b"# a takedown list\n\n".to_vec();
    for input in inputs.iter().chain(inputs.iter().take(5)) {
        text.extend(format!("{input}\n").bytes());
    }
    text.extend(b"caf\xe9.fr\n");
    let input = dir.join("in.txt");
    std::fs::write(&input, &text).unwrap();
    let out = dir.join("out.jsonl");
    let summary = dir.join("summary.json");
    let output = run(whohosts(&dir)
        .arg("bulk")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--summary-json")
        .arg(&summary)
        .args(["--concurrency", "8"])
        .args(world.flags()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let mut expected = count_inputs(inputs.iter().chain(inputs.iter().take(5)).cloned());
    expected.insert("caf\u{fffd}.fr".to_owned(), 1);
    assert_eq!(inputs_of(&out), expected);
    let written = std::fs::read_to_string(&out).unwrap();
    let invalid = "{\"input\":\"caf\u{fffd}.fr\",\"line\":48,\"error\":{\"kind\":\"input\",\
                   \"message\":\"line 48: not valid UTF-8\"}}";
    assert!(written.lines().any(|l| l == invalid), "{written}");
    // 45 query lines (the second round of `inputs` repeats some spellings too).
    let distinct = count_inputs(inputs.iter().cloned()).len() as u64;
    let duplicates = 45 - distinct;
    assert!(duplicates >= 5);
    // The summary: the results first, then this run, then requests and caches.
    let err = stderr(&output);
    assert!(err.starts_with("results\n  inputs: 46 (45 records, 1 input error)\n"), "{err}");
    assert!(
        err.contains("\n  errors by stage and kind (inputs):\n    input: invalid_character 1\n")
    );
    assert!(err.contains("\n  to retry: none\nthis run\n  lines written        46\n"), "{err}");
    assert!(err.contains(&format!("\n  duplicates           {duplicates} (looked up once)\n")));
    assert!(err.contains("\ncache hits, per cache\n  RDAP answers "), "{err}");

    // Each distinct query was looked up once, and the world saw the fewest requests.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(summary["requests"]["lookups"], distinct);
    assert_eq!(summary["run"]["lines_written"], 46);
    assert_eq!(summary["run"]["duplicates"], duplicates);
    assert_eq!(summary["results"]["inputs"], 46);
    assert_eq!(summary["results"]["input_errors"], 1);
    assert_eq!(world.world.total_requests(), world.generated.min_requests());

    // From stdin to stdout: results only on stdout.
    let mut child = whohosts(&dir)
        .args(["bulk", "-", "--quiet"])
        .args(world.flags())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n{}\n", inputs[0], inputs[1]).as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["record"]["query"].is_string()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ctrl_c_mid_run_loses_no_finished_record_and_resume_finishes_the_list() {
    let dir = temp_dir("sigint");
    // Every RDAP answer takes 20 ms, so the run lasts long enough to be interrupted.
    let world = TestWorld::start(120, |mut b| {
        for service in World::generated(120, 7).min_requests_per_service().keys() {
            b = b.fault(service, "", Fault::Latency(Duration::from_millis(20)), None);
        }
        b
    });
    let input = world.input_file(&dir, 120);
    let out = dir.join("out.jsonl");
    let bulk = || {
        let mut command = whohosts(&dir);
        command
            .arg("bulk")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(["--concurrency", "2"])
            .args(world.flags());
        command
    };
    let mut child = bulk().stderr(Stdio::piped()).spawn().unwrap();
    // Interrupt once the first buffer of records reached the file.
    let started = Instant::now();
    while std::fs::metadata(&out).map_or(0, |m| m.len()) == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no output");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was interrupted");
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    let written = inputs_of(&out).values().sum::<usize>();
    assert!(written < 120, "interrupted after all {written} lines");
    // Every record the run finished is in the file, whole.
    let message = format!(
        "whohosts: interrupted: {written} lines written to {}; run the same command with --resume to continue\n",
        out.display()
    );
    assert!(stderr(&output).ends_with(&message), "{}", stderr(&output));

    let output = run(bulk().arg("--resume"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!("\n  skipped (in OUT)     {written}\n")));
    let expected = count_inputs(world.generated.inputs(120));
    assert_eq!(inputs_of(&out), expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn retry_errors_finishes_a_run_cut_short_by_a_rate_limited_registry() {
    let dir = temp_dir("retry");
    let world = TestWorld::start(60, |b| b);
    // Verisign (.com, .net) answers 429 with a pause longer than the client waits.
    let limited = Fault::RateLimit { retry_after: "3600".to_owned() };
    world.world.add_fault("verisign", "", limited, None).unwrap();
    let input = world.input_file(&dir, 60);
    let out = dir.join("out.jsonl");
    let bulk = |extra: &[&str]| {
        let mut command = whohosts(&dir);
        command
            .arg("bulk")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(["--concurrency", "8", "--quiet"])
            .args(extra)
            .args(world.flags());
        run(&mut command)
    };
    let output = bulk(&["--fail-on", "errors"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let limited = kinds_of(&out).get("rate_limited").copied().unwrap_or(0);
    assert!(limited > 0, "{:?}", kinds_of(&out));
    let err = stderr(&output);
    assert!(err.contains(&format!("\n  to retry: {limited} inputs (")), "{err}");
    // The command to finish the run: this one with the retryable kinds seen (with the
    // registry's WHOIS fallback, which is not in this world: `transport`, `circuit_open`).
    let retry = err.lines().find(|l| l.starts_with("    whohosts bulk ")).unwrap();
    let (command, kinds) = retry.rsplit_once(" --retry-errors ").unwrap();
    assert!(kinds.split(',').any(|k| k == "rate_limited"), "{retry}");
    assert!(command.ends_with(" --server-policy 127.0.0.1=0/1s:1:64"), "{retry}");

    // Cut short: the last third of the lines never made it to OUT.
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let kept = lines.len() * 2 / 3;
    std::fs::write(&out, lines[..kept].iter().map(|l| format!("{l}\n")).collect::<String>())
        .unwrap();
    let limited_kept =
        lines[..kept].iter().filter(|l| l.contains(r#""kind":"rate_limited""#)).count();

    // The next day the registry answers again: the same command with --retry-errors.
    world.world.clear_faults();
    let output = bulk(&["--retry-errors", "rate_limited"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains(&format!("\n  retried              {limited_kept}\n")), "{err}");
    assert!(err.contains(&format!("\n  skipped (in OUT)     {}\n", kept - limited_kept)), "{err}");
    assert_eq!(kinds_of(&out).get("rate_limited"), None, "{:?}", kinds_of(&out));
    assert_eq!(inputs_of(&out), count_inputs(world.generated.inputs(60)));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A CSV output read back with the csv crate: (the record number `n`, the input, the
/// `errors` cell) of every row, after checking the header.
fn csv_rows_of(text: &str) -> Vec<(u64, String, String)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, whohosts::CSV_COLUMNS);
    let errors_at = header.iter().position(|c| c == "errors").unwrap();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            (row[0].parse().unwrap(), row[1].to_owned(), row[errors_at].to_owned())
        })
        .collect()
}

/// The input of each record of CSV rows, by record number.
fn csv_records(rows: &[(u64, String, String)]) -> BTreeMap<u64, String> {
    let mut records = BTreeMap::new();
    for (n, input, _) in rows {
        let previous = records.insert(*n, input.clone());
        assert!(previous.is_none_or(|p| p == *input), "record {n} has two inputs");
    }
    records
}

#[test]
fn csv_output_has_one_record_per_input_line_and_retries_like_json_lines() {
    let dir = temp_dir("csv");
    let world = TestWorld::start(40, |b| b);
    let domains = world.generated.domains().to_vec();

    // lookup --csv: the header, then one record's rows per query, numbered in order.
    let output = run(whohosts(&dir)
        .args(["lookup", "--csv"])
        .args(world.flags())
        .args([&domains[0], &domains[1]]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rows = csv_rows_of(&stdout(&output));
    let records = csv_records(&rows);
    assert_eq!(records, BTreeMap::from([(1, domains[0].clone()), (2, domains[1].clone())]));

    // bulk --format csv, with a registry answering 429.
    let limited = Fault::RateLimit { retry_after: "3600".to_owned() };
    world.world.add_fault("verisign", "", limited, None).unwrap();
    let input = world.input_file(&dir, 40);
    let out = dir.join("out.csv");
    let bulk = |extra: &[&str]| {
        let mut command = whohosts(&dir);
        command
            .arg("bulk")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(["--format", "csv", "--quiet"])
            .args(extra)
            .args(world.flags());
        run(&mut command)
    };
    let output = bulk(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected = count_inputs(world.generated.inputs(40));
    let rows = csv_rows_of(&std::fs::read_to_string(&out).unwrap());
    let records = csv_records(&rows);
    assert_eq!(records.keys().copied().collect::<Vec<_>>(), (1..=40).collect::<Vec<u64>>());
    assert_eq!(count_inputs(records.values().cloned()), expected);
    let limited: Vec<u64> = rows
        .iter()
        .filter(|(_, _, errors)| errors.contains(":rate_limited"))
        .map(|(n, _, _)| *n)
        .collect();
    assert!(!limited.is_empty());

    // Cut short inside a row, then finished with --retry-errors once the registry answers.
    let text = std::fs::read(&out).unwrap();
    std::fs::write(&out, &text[..text.len() * 2 / 3]).unwrap();
    world.world.clear_faults();
    let output = bulk(&["--retry-errors", "rate_limited"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.matches("n,input,").count(), 1, "one header");
    let rows = csv_rows_of(&text);
    assert!(rows.iter().all(|(_, _, errors)| !errors.contains("rate_limited")));
    let records = csv_records(&rows);
    assert_eq!(records.keys().copied().collect::<Vec<_>>(), (1..=40).collect::<Vec<u64>>());
    assert_eq!(count_inputs(records.values().cloned()), expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Not a check: prints `whohosts --help`, the bulk summary of a 500-domain generated world
/// and the first rows of its CSV, for the README's closing note
/// (`cargo test --all-features --test cli -- --ignored --nocapture`).
#[test]
#[ignore]
fn sample_help_summary_and_csv() {
    let dir = temp_dir("sample");
    let world = TestWorld::start(500, |b| b);
    let input = world.input_file(&dir, 500);
    let out = dir.join("out.csv");
    let help = run(whohosts(&dir).arg("--help"));
    let started = Instant::now();
    let output = run(whohosts(&dir)
        .arg("bulk")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--format", "csv"])
        .args(world.flags()));
    let took = started.elapsed();
    let csv = std::fs::read_to_string(&out).unwrap();
    eprintln!("{}\n---\n{}\n--- {took:?}", stdout(&help), stderr(&output));
    for line in csv.lines().take(8) {
        eprintln!("{line}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The persistent cache's statistics as `whohosts cache stats --json` prints them.
fn cache_stats(dir: &Path, cache: &Path) -> serde_json::Value {
    let output = run(whohosts(dir).args(["cache", "stats", "--json", "--cache-dir"]).arg(cache));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

/// The entries of each kind in `cache stats --json`.
fn entries_by_kind(stats: &serde_json::Value) -> BTreeMap<String, u64> {
    stats["by_kind"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(kind, s)| (kind.clone(), s["entries"].as_u64().unwrap()))
        .collect()
}

#[test]
fn a_second_run_with_the_cache_asks_no_server_and_cache_stats_and_clear_show_it() {
    let dir = temp_dir("disk-cache");
    let world = TestWorld::start(30, |b| b);
    let input = world.input_file(&dir, 30);
    let cache = dir.join("cache");
    let bulk = |out: &str, extra: &[&str]| {
        let output = run(whohosts(&dir)
            .arg("bulk")
            .arg(&input)
            .arg("-o")
            .arg(dir.join(out))
            .arg("--cache-dir")
            .arg(&cache)
            .args(["--quiet", "--concurrency", "8"])
            .args(extra)
            .args(world.flags()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        output
    };
    let min = world.generated.min_requests();
    let whois = || {
        let servers = world.world.whois_servers();
        servers.iter().map(|(name, _)| world.world.whois_requests(name)).sum::<u64>()
    };

    // Cold: the fewest requests a correct client needs.
    bulk("first.jsonl", &[]);
    assert_eq!(world.world.total_requests(), min);
    let whois_first = whois();
    // The AFRINIC networks' abuse mailboxes come from whois.afrinic.net (4 addresses).
    assert_eq!(world.world.whois_requests("whois.afrinic.net"), 4);
    assert_eq!(whois_first, 4);
    let first = kinds_of(&dir.join("first.jsonl"));
    // Every RDAP answer and every WHOIS answer is on disk, by kind.
    let stats = cache_stats(&dir, &cache);
    let kinds = entries_by_kind(&stats);
    let rdap: u64 = kinds.iter().filter(|(k, _)| *k != "whois").map(|(_, n)| n).sum();
    assert_eq!(rdap, min, "{kinds:?}");
    assert_eq!(kinds.get("whois").copied().unwrap_or(0), whois_first, "{kinds:?}");
    assert_eq!(stats["entries"], min + whois_first);
    assert_eq!((stats["expired"].as_u64(), stats["budgets"].as_u64()), (Some(0), Some(0)));
    assert_eq!(stats["max_bytes"], 256u64 << 20);
    assert_eq!(stats["path"], cache.join("whohosts-cache.redb").display().to_string());
    assert!(stats["oldest"].is_string() && stats["newest"].is_string(), "{stats}");

    // The same run again: not one RDAP request or WHOIS query, the same records.
    bulk("second.jsonl", &[]);
    assert_eq!(world.world.total_requests(), min);
    assert_eq!(whois(), whois_first);
    assert_eq!(inputs_of(&dir.join("second.jsonl")), inputs_of(&dir.join("first.jsonl")));
    assert_eq!(kinds_of(&dir.join("second.jsonl")), first);

    // --no-cache asks every server again.
    bulk("third.jsonl", &["--no-cache"]);
    assert_eq!(world.world.total_requests(), 2 * min);
    assert_eq!(whois(), 2 * whois_first);

    // `cache stats` for a person; `cache clear` empties it (and the next run asks again).
    let output = run(whohosts(&dir).args(["cache", "stats", "--cache-dir"]).arg(&cache));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let file = cache.join("whohosts-cache.redb");
    assert!(text.starts_with(&format!("cache file   {}\non disk      ", file.display())), "{text}");
    assert!(
        text.contains(&format!("\nentries      {} (0 expired)\n", min + whois_first)),
        "{text}"
    );
    assert!(text.contains("\nbudgets      0 servers\noldest       20"), "{text}");
    let output = run(whohosts(&dir).args(["cache", "clear", "--cache-dir"]).arg(&cache));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "removed {} entries from {} (0 rate budgets kept; --kind budgets removes them)\n",
            min + whois_first,
            file.display()
        )
    );
    let stats = cache_stats(&dir, &cache);
    assert_eq!((stats["entries"].as_u64(), stats["bytes"].as_u64()), (Some(0), Some(0)));
    assert_eq!(stats["oldest"], serde_json::Value::Null);
    bulk("fourth.jsonl", &[]);
    assert_eq!(world.world.total_requests(), 3 * min);

    // One kind at a time; an unknown kind is bad usage.
    let output =
        run(whohosts(&dir).args(["cache", "clear", "--kind", "domain", "--cache-dir"]).arg(&cache));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let domains = kinds["domain"];
    assert_eq!(
        stdout(&output),
        format!("removed {domains} domain entries from {}\n", file.display())
    );
    assert_eq!(cache_stats(&dir, &cache)["entries"], min + whois_first - domains);
    let output =
        run(whohosts(&dir).args(["cache", "clear", "--kind", "ipv4", "--cache-dir"]).arg(&cache));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "whohosts: --kind ipv4: not a kind (kinds: ip, autnum, domain, entity, nameserver, \
         other, whois, quota-free, budgets)\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_cache_directory_comes_from_the_flag_the_environment_or_the_platform() {
    let dir = temp_dir("cache-dir");
    let world = TestWorld::start(5, |b| b);
    let domain = world.generated.domains()[0].clone();
    let lookup = |command: &mut Command| {
        let output = run(command.args(["lookup", "--json"]).args(world.flags()).arg(&domain));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    };
    // The platform's cache directory by default ($XDG_CACHE_HOME/whohosts here).
    lookup(&mut whohosts(&dir));
    let platform = dir.join("cache-home/whohosts/whohosts-cache.redb");
    assert!(platform.exists());
    // WHOHOSTS_CACHE_DIR, then the config file's key.
    let from_env = dir.join("env-cache");
    lookup(whohosts(&dir).env("WHOHOSTS_CACHE_DIR", &from_env));
    assert!(from_env.join("whohosts-cache.redb").exists());
    let config = dir.join("config.toml");
    let from_file = dir.join("file-cache");
    std::fs::write(&config, format!("cache-dir = {:?}\n", from_file.display().to_string()))
        .unwrap();
    lookup(whohosts(&dir).env("WHOHOSTS_CONFIG", &config));
    assert!(from_file.join("whohosts-cache.redb").exists());
    let output = run(whohosts(&dir).arg("config").env("WHOHOSTS_CONFIG", &config));
    assert!(
        stdout(&output).contains(&format!(
            "\ncache-dir = {:?}  # file {}\n",
            from_file.display().to_string(),
            config.display()
        )),
        "{}",
        stdout(&output)
    );
    // The help says where the cache is and what happens when another process holds it.
    for args in [&["bulk", "--help"][..], &["lookup", "--help"], &["cache", "stats", "--help"]] {
        let output = run(whohosts(&dir).args(args));
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let help = stdout(&output).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains("--cache-dir <DIR> Directory of the persistent cache"), "{help}");
        assert!(
            help.contains("while another whohosts holds it, this one warns and runs"),
            "{help}"
        );
        assert!(help.contains("--no-cache No persistent cache"), "{help}");
    }
    // --no-cache (here from WHOHOSTS_NO_CACHE): no file at all.
    let none = dir.join("no-cache");
    lookup(whohosts(&dir).env("WHOHOSTS_NO_CACHE", "true").env("WHOHOSTS_CACHE_DIR", &none));
    assert!(!none.exists());
    let output = run(whohosts(&dir).args(["cache", "stats", "--no-cache"]));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output), "whohosts: --no-cache: no persistent cache to show or clear\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupt_cache_file_is_rebuilt_with_a_warning_and_a_held_one_is_run_without() {
    let dir = temp_dir("cache-broken");
    let world = TestWorld::start(10, |b| b);
    let input = world.input_file(&dir, 10);
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let file = cache.join("whohosts-cache.redb");
    std::fs::write(&file, "not a redb file ".repeat(512)).unwrap();
    let bulk = |out: &str| {
        run(whohosts(&dir)
            .arg("bulk")
            .arg(&input)
            .arg("-o")
            .arg(dir.join(out))
            .arg("--cache-dir")
            .arg(&cache)
            .arg("--quiet")
            .args(world.flags()))
    };
    let output = bulk("first.jsonl");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    let warning =
        format!("whohosts: warning: the cache file {} could not be read (", file.display());
    assert!(err.starts_with(&warning), "{err}");
    assert!(
        err.contains(&format!("); moved to {}.broken and rebuilt empty\n", file.display())),
        "{err}"
    );
    assert_eq!(inputs_of(&dir.join("first.jsonl")), count_inputs(world.generated.inputs(10)));
    assert_eq!(world.world.total_requests(), world.generated.min_requests());
    // The rebuilt cache answers the next run.
    let output = bulk("second.jsonl");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("whohosts: warning"), "{}", stderr(&output));
    assert_eq!(world.world.total_requests(), world.generated.min_requests());

    // Held by another process (here, this test): the run warns and goes on without it,
    // asking every server again; `cache stats` refuses.
    let held = whohosts::DiskCache::open(&cache).unwrap();
    let output = bulk("third.jsonl");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with(&format!(
            "whohosts: warning: cache in use by another whohosts process: {}; running without \
             the persistent cache",
            file.display()
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(world.world.total_requests(), 2 * world.generated.min_requests());
    let output = run(whohosts(&dir).args(["cache", "stats", "--cache-dir"]).arg(&cache));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("whohosts: cache in use by another whohosts process: {}\n", file.display())
    );
    drop(held);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_runs_in_one_day_stay_within_a_daily_quota_and_retry_errors_finishes_them() {
    let dir = temp_dir("quota");
    let world = TestWorld::start(60, |b| b);
    let ripe = world.world.service_url("ripe");
    let needed = world.generated.min_requests_per_service()["ripe"];
    assert!(needed > 3, "the world asks RIPE {needed} times");
    let input = world.input_file(&dir, 60);
    let out = dir.join("out.jsonl");
    let summary = dir.join("summary.json");
    // RIPE allows 3 requests a day (the first policy given wins over the world's).
    let daily = format!("{ripe}=3/24h:3:4");
    let bulk = |policy: &str, extra: &[&str]| {
        run(whohosts(&dir)
            .arg("bulk")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .arg("--summary-json")
            .arg(&summary)
            .arg("--cache-dir")
            .arg(dir.join("cache"))
            .args(["--quiet", "--concurrency", "8", "--server-policy", policy])
            .args(extra)
            .args(world.flags()))
    };
    let output = bulk(&daily, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(world.world.requests("ripe"), 3);
    let limited = kinds_of(&out)["rate_limited"];
    assert!(limited > 0);
    // The summary names the server and when its budget refills: 8 hours for one of 3 a day.
    let err = stderr(&output);
    assert!(err.contains(&format!("\nrate-limited servers\n  {ripe} budget refills at ")), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let refills = json["budget_refills"].as_object().unwrap();
    assert_eq!(refills.keys().collect::<Vec<_>>(), [&ripe]);
    assert!(refills[&ripe].as_str().unwrap().ends_with('Z'), "{refills:?}");

    // The same day, the same list again (with the cache): RIPE is not asked once more.
    let output = bulk(&daily, &["--retry-errors", "rate_limited"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(world.world.requests("ripe"), 3);
    assert_eq!(kinds_of(&out)["rate_limited"], limited);
    assert!(stderr(&output).contains(&format!("\n  {ripe} budget refills at ")));
    // Kept on disk: RIPE's spent bucket, and that of whois.ripe.net (250 a day by default),
    // where the lookups RIPE's RDAP refused fell back to (it is not in this world).
    assert_eq!(cache_stats(&dir, &dir.join("cache"))["budgets"], 2);
    {
        use whohosts::BudgetStore;
        let cache = whohosts::DiskCache::open(dir.join("cache")).unwrap();
        let saved = world._runtime.block_on(cache.load(&ripe)).unwrap();
        assert!(saved.tokens < 1.0, "{saved:?}");
    }

    // Once the budget allows (a day cannot be waited out here: a quota of 3 per 2 s, whose
    // bucket is not one kept between runs, stands for the next day), --retry-errors
    // finishes the records; RIPE is asked only for what the cache lacks.
    let output = bulk(&format!("{ripe}=3/2s:3:4"), &["--retry-errors", "rate_limited"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains(&format!("\n  retried              {limited}\n")), "{err}");
    assert!(!err.contains("rate-limited servers"), "{err}");
    assert_eq!(kinds_of(&out).get("rate_limited"), None, "{:?}", kinds_of(&out));
    assert_eq!(inputs_of(&out), count_inputs(world.generated.inputs(60)));
    assert_eq!(world.world.requests("ripe"), needed);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `whohosts refresh` against a loopback file server standing in for data.iana.org and the
/// mirrors: the first run updates every set (exit 0, one line per set with its version), the
/// second gets 304s (`--json`: every set `unchanged`), and a corrupt bootstrap file is
/// refused with the old one kept (exit 1).
/// Files served by [`serve_files`]: path → (body, ETag).
type Files = Arc<Mutex<HashMap<String, (Vec<u8>, String)>>>;

/// Serve `files` over HTTP/1.1 on 127.0.0.1 (200 with the ETag, 304 to a matching
/// `If-None-Match`, 404 otherwise), one connection per request; the base URL and the count
/// of requests answered.
fn serve_files(files: &Files) -> (String, Arc<Mutex<usize>>) {
    let requests = Arc::new(Mutex::new(0usize));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (served_files, counted) = (Arc::clone(files), Arc::clone(&requests));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push(line);
            }
            *counted.lock().unwrap() += 1;
            let path = head.first().and_then(|l| l.split(' ').nth(1)).unwrap_or("/").to_owned();
            let if_none_match = head.iter().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("if-none-match").then(|| value.trim().to_owned())
            });
            let file = served_files.lock().unwrap().get(&path).cloned();
            let mut out = Vec::new();
            match file {
                Some((_, etag)) if if_none_match.as_deref() == Some(etag.as_str()) => {
                    write!(
                        out,
                        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                    )
                    .unwrap();
                }
                Some((body, etag)) => {
                    write!(
                        out,
                        "HTTP/1.1 200 OK\r\nETag: {etag}\r\nLast-Modified: Mon, 30 Nov 2026 19:00:01 GMT\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .unwrap();
                    out.extend_from_slice(&body);
                }
                None => out.extend_from_slice(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            }
            let _ = stream.write_all(&out);
            let _ = stream.read(&mut [0u8; 1]);
        }
    });
    (base, requests)
}

#[test]
fn refresh_updates_then_finds_unchanged_then_refuses_a_corrupt_file() {
    const DNS: &str = include_str!("../data/bootstrap/dns.json");
    const IPV4: &str = include_str!("../data/bootstrap/ipv4.json");
    const IPV6: &str = include_str!("../data/bootstrap/ipv6.json");
    const ASN: &str = include_str!("../data/bootstrap/asn.json");
    const RANGES: &str = include_str!("../data/providers/ranges.txt");
    const REGISTRARS: &str = include_str!("../data/registrars/iana-registrar-ids.csv");
    const ASN_DB: &[u8] = include_bytes!("fixtures/mmdb/GeoLite2-ASN-Test.mmdb");

    fn republished(text: &str) -> Vec<u8> {
        let mut json: serde_json::Value = serde_json::from_str(text).unwrap();
        json["publication"] = "2026-11-30T19:00:01Z".into();
        serde_json::to_vec(&json).unwrap()
    }

    // path -> (body, etag); every answer says Last-Modified Mon, 30 Nov 2026.
    let files: Files = Arc::default();
    let served = [
        ("/dns.json", republished(DNS)),
        ("/ipv4.json", republished(IPV4)),
        ("/ipv6.json", republished(IPV6)),
        ("/asn.json", republished(ASN)),
        ("/ranges.txt", RANGES.as_bytes().to_vec()),
        ("/registrar-ids-1.csv", REGISTRARS.as_bytes().to_vec()),
        ("/asn.mmdb", ASN_DB.to_vec()),
    ];
    for (path, body) in served {
        files.lock().unwrap().insert(path.to_owned(), (body, format!("\"{path}-1\"")));
    }
    let (base, requests) = serve_files(&files);

    let dir = temp_dir("refresh");
    let data = dir.join("data");
    let refresh = |extra: &[&str]| {
        let mut command = whohosts(&dir);
        command.arg("refresh").arg("--data-dir").arg(&data).args([
            "--dns",
            "127.0.0.1:9",
            "--allow-http",
            "--allow-private",
            "--allow-net",
            "127.0.0.0/8",
        ]);
        for (set, path) in [
            ("bootstrap_dns", "/dns.json"),
            ("bootstrap_ipv4", "/ipv4.json"),
            ("bootstrap_ipv6", "/ipv6.json"),
            ("bootstrap_asn", "/asn.json"),
            ("provider_ranges", "/ranges.txt"),
            ("registrars", "/registrar-ids-1.csv"),
        ] {
            command.arg("--url").arg(format!("{set}={base}{path}"));
        }
        command.arg("--asn-db-url").arg(format!("{base}/asn.mmdb")).args(extra);
        run(&mut command)
    };

    let output = refresh(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "bootstrap_dns    updated   2026-11-30\n\
             bootstrap_ipv4   updated   2026-11-30\n\
             bootstrap_ipv6   updated   2026-11-30\n\
             bootstrap_asn    updated   2026-11-30\n\
             provider_ranges  updated   2026-11-30\n\
             registrars       updated   2026-11-30\n\
             asn_database     updated   2026-02-04\n\
             data directory: {}\n",
            data.display()
        )
    );
    assert_eq!(*requests.lock().unwrap(), 7);
    assert!(data.join("bootstrap/dns.json").is_file() && data.join("asn/asn.mmdb").is_file());

    let output = refresh(&["--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let statuses: Vec<_> = report["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["set"].as_str().unwrap(), s["outcome"]["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses.len(), 7);
    assert!(statuses.iter().all(|(_, status)| *status == "unchanged"), "{statuses:?}");
    assert_eq!(report["sets"][4]["version"], "2026-11-30");
    assert_eq!(*requests.lock().unwrap(), 14);

    // A truncated dns.json under a new ETag: refused, the old file kept, exit 1.
    let truncated = republished(DNS)[..1000].to_vec();
    files.lock().unwrap().insert("/dns.json".to_owned(), (truncated, "\"/dns.json-2\"".to_owned()));
    let kept = std::fs::read(data.join("bootstrap/dns.json")).unwrap();
    let output = refresh(&[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let first = stdout(&output).lines().next().unwrap().to_owned();
    assert!(
        first
            .starts_with("bootstrap_dns    refused   2026-11-30  (invalid JSON: EOF while parsing"),
        "{first}"
    );
    assert_eq!(std::fs::read(data.join("bootstrap/dns.json")).unwrap(), kept);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `whohosts refresh` building the provider range table from the providers' lists, served by
/// a loopback server under `--url provider_ranges.<list>=URL`: the first run fetches all ten
/// lists with a URL (Azure and Akamai have none: skipped, their ranges kept) and prints a line
/// per list under the set; when Cloudflare's IPv4 list comes back as an HTML page, the next
/// run refuses it, keeps the stored one, and exits 1.
#[test]
fn refresh_builds_the_range_table_from_the_provider_lists() {
    const DNS: &str = include_str!("../data/bootstrap/dns.json");
    const IPV4: &str = include_str!("../data/bootstrap/ipv4.json");
    const IPV6: &str = include_str!("../data/bootstrap/ipv6.json");
    const ASN: &str = include_str!("../data/bootstrap/asn.json");
    const REGISTRARS: &str = include_str!("../data/registrars/iana-registrar-ids.csv");
    const LISTS: [(&str, &str, &[u8]); 10] = [
        (
            "cloudflare_v4",
            "/ips-v4",
            include_bytes!("fixtures/providers/cloudflare-v4-ip-ranges.txt"),
        ),
        (
            "cloudflare_v6",
            "/ips-v6",
            include_bytes!("fixtures/providers/cloudflare-v6-ip-ranges.txt"),
        ),
        ("fastly", "/public-ip-list", include_bytes!("fixtures/providers/fastly-ip-ranges.json")),
        ("aws", "/ip-ranges.json", include_bytes!("fixtures/providers/aws-ip-ranges.excerpt.json")),
        (
            "google_cloud",
            "/cloud.json",
            include_bytes!("fixtures/providers/google-cloud-ip-ranges.json"),
        ),
        (
            "oracle",
            "/public_ip_ranges.json",
            include_bytes!("fixtures/providers/oracle-cloud-ip-ranges.json"),
        ),
        ("digitalocean", "/google.csv", include_bytes!("fixtures/providers/digitalocean.csv")),
        ("linode", "/geoip", include_bytes!("fixtures/providers/linode.txt")),
        ("github", "/meta", include_bytes!("fixtures/providers/github-ip-ranges.json")),
        (
            "zscaler",
            "/recommended",
            include_bytes!("fixtures/providers/zscaler-cloud-ip-ranges.json"),
        ),
    ];

    fn republished(text: &str) -> Vec<u8> {
        let mut json: serde_json::Value = serde_json::from_str(text).unwrap();
        json["publication"] = "2026-11-30T19:00:01Z".into();
        serde_json::to_vec(&json).unwrap()
    }

    // path -> (body, etag); every answer says Last-Modified Mon, 30 Nov 2026.
    let files: Files = Arc::default();
    let mut served: Vec<(&str, Vec<u8>)> = vec![
        ("/dns.json", republished(DNS)),
        ("/ipv4.json", republished(IPV4)),
        ("/ipv6.json", republished(IPV6)),
        ("/asn.json", republished(ASN)),
        ("/registrar-ids-1.csv", REGISTRARS.as_bytes().to_vec()),
    ];
    served.extend(LISTS.iter().map(|(_, path, body)| (*path, body.to_vec())));
    for (path, body) in served {
        files.lock().unwrap().insert(path.to_owned(), (body, format!("\"{path}-1\"")));
    }
    let (base, requests) = serve_files(&files);

    let dir = temp_dir("refresh-lists");
    let data = dir.join("data");
    let refresh = || {
        let mut command = whohosts(&dir);
        command.arg("refresh").arg("--data-dir").arg(&data).args([
            "--dns",
            "127.0.0.1:9",
            "--allow-http",
            "--allow-private",
            "--allow-net",
            "127.0.0.0/8",
        ]);
        for (set, path) in [
            ("bootstrap_dns", "/dns.json"),
            ("bootstrap_ipv4", "/ipv4.json"),
            ("bootstrap_ipv6", "/ipv6.json"),
            ("bootstrap_asn", "/asn.json"),
            ("registrars", "/registrar-ids-1.csv"),
        ] {
            command.arg("--url").arg(format!("{set}={base}{path}"));
        }
        for (list, path, _) in LISTS {
            command.arg("--url").arg(format!("provider_ranges.{list}={base}{path}"));
        }
        run(&mut command)
    };
    let skipped = |list: &str| {
        format!(
            "  {list:<14} skipped   -  (no fixed URL; the provider's previous ranges kept \
             (set provider_ranges.{list}=URL to fetch it))\n"
        )
    };

    let output = refresh();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    let block = format!(
        "provider_ranges  updated   2026-11-30\n\
         \x20 cloudflare_v4  updated   2026-11-30\n\
         \x20 cloudflare_v6  updated   2026-11-30\n\
         {}\
         \x20 fastly         updated   2026-11-30\n\
         \x20 aws            updated   2025-07-24\n\
         \x20 google_cloud   updated   2025-07-24\n\
         {}\
         \x20 oracle         updated   2025-07-21\n\
         \x20 digitalocean   updated   2026-11-30\n\
         \x20 linode         updated   2025-07-24\n\
         \x20 github         updated   2026-11-30\n\
         \x20 zscaler        updated   2026-11-30\n\
         registrars       updated   2026-11-30\n",
        skipped("akamai"),
        skipped("azure"),
    );
    assert!(out.contains(&block), "{out}");
    assert!(out.contains("asn_database     skipped   -  (no official URL; set one to fetch it)\n"));
    assert_eq!(*requests.lock().unwrap(), 15);
    assert!(data.join("providers/ranges.txt").is_file());

    // Cloudflare's IPv4 list comes back as an HTML page under a new ETag.
    let page = b"<html><body>Attention Required!</body></html>".to_vec();
    files.lock().unwrap().insert("/ips-v4".to_owned(), (page, "\"/ips-v4-2\"".to_owned()));
    let table = std::fs::read_to_string(data.join("providers/ranges.txt")).unwrap();
    let output = refresh();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<_> =
        out.lines().skip_while(|l| !l.starts_with("provider_ranges")).take(4).collect();
    assert_eq!(
        lines,
        vec![
            "provider_ranges  unchanged 2026-11-30",
            "  cloudflare_v4  refused   2026-11-30  (cloudflare_v4 list: not its format: a JSON or HTML body, not a text list)",
            "  cloudflare_v6  unchanged 2026-11-30",
            "  akamai         skipped   -  (no fixed URL; the provider's previous ranges kept (set provider_ranges.akamai=URL to fetch it))",
        ]
    );
    assert_eq!(*requests.lock().unwrap(), 30);
    assert_eq!(std::fs::read_to_string(data.join("providers/ranges.txt")).unwrap(), table);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--quota-free abusix,ripestat` against a world whose Abusix zone and RIPEstat endpoint
/// agree with its RDAP answers, RIPE NCC's RDAP server given its real daily quota: no RIPE
/// address is asked of RDAP (the Abusix answer names the mailbox), every other service sees
/// its minimum, and the records say where each mailbox came from. `--network-detail full`
/// asks RDAP for them as well.
#[test]
fn quota_free_sources_spare_a_quota_limited_registry() {
    let dir = temp_dir("quota-free");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let generated = World::generated(40, 7).with_quota_free(true);
    let world = runtime.block_on(generated.builder().start()).unwrap();
    let world = TestWorld { world, generated, _runtime: runtime };
    let input = world.input_file(&dir, 40);
    let ripe = world.world.service_url("ripe");
    let min = world.generated.min_requests_per_service().clone();
    assert!(min["ripe"] > 0, "{min:?}");
    let bulk = |out: &str, extra: &[&str]| {
        let output = run(whohosts(&dir)
            .arg("bulk")
            .arg(&input)
            .arg("-o")
            .arg(dir.join(out))
            .args([
                "--no-cache",
                "--quiet",
                "--concurrency",
                "8",
                "--quota-free",
                "abusix,ripestat",
            ])
            .arg("--ripestat-url")
            .arg(world.world.ripestat_url())
            // The first policy given wins: RIPE NCC's, before the world's unlimited ones.
            .arg("--server-policy")
            .arg(format!("{ripe}=500/24h:500:4"))
            .args(extra)
            .args(world.flags()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    };

    bulk("auto.jsonl", &[]);
    assert_eq!(world.world.requests("ripe"), 0);
    for (service, need) in &min {
        if service != "ripe" {
            assert_eq!(world.world.requests(service), *need, "{service}");
        }
    }
    // Abusix answered for RIPE space, so RIPEstat was never needed.
    assert_eq!(world.world.requests("ripestat"), 0);
    let text = std::fs::read_to_string(dir.join("auto.jsonl")).unwrap();
    let mut spared = 0;
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        for address in value["record"]["addresses"].as_array().into_iter().flatten() {
            if address["plan"]["first"] != "quota_free" {
                continue;
            }
            spared += 1;
            assert_eq!(address["plan"]["rdap_asked"], false, "{address}");
            let abuse = &address["abuse"][0];
            assert!(abuse["email"].is_string(), "{address}");
            assert_eq!(abuse["sources"][0]["kind"], "dns", "{address}");
            assert_eq!(abuse["sources"][0]["dataset"], "abusix", "{address}");
        }
    }
    assert!(spared > 0);

    // Full detail: RIPE's RDAP is asked for each of its networks too, its mailboxes agree.
    bulk("full.jsonl", &["--network-detail", "full"]);
    assert_eq!(world.world.requests("ripe"), min["ripe"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The batch ids of a `whohosts notices` directory, in file order.
fn batch_ids(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("batches.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn notices_groups_a_bulk_run_into_batch_files_and_diffs_two_runs() {
    let dir = temp_dir("notices");
    let world = TestWorld::start(30, |b| b);
    let mut text: String = world.generated.inputs(30).map(|i| format!("{i}\n")).collect();
    text.push_str("bad..name\n");
    let input = dir.join("in.txt");
    std::fs::write(&input, &text).unwrap();
    let records = dir.join("records.jsonl");
    // `bulk --notices` groups its output when the run ends.
    let from_bulk = dir.join("from-bulk");
    let output = run(whohosts(&dir)
        .arg("bulk")
        .arg(&input)
        .arg("-o")
        .arg(&records)
        .args(["--notice-type", "phishing", "--notices"])
        .arg(&from_bulk)
        .args(world.flags()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).ends_with(&format!("unresolved; wrote {}\n", from_bulk.display())));

    // One command, every file.
    let first = dir.join("first");
    let output = run(whohosts(&dir)
        .arg("notices")
        .arg(&records)
        .arg("-o")
        .arg(&first)
        .args(["--notice-type", "phishing"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("summary.json")).unwrap())
            .unwrap();
    let totals = &summary["totals"];
    assert_eq!(summary["notice_type"], "phishing");
    assert_eq!(totals["inputs"], 31);
    let (resolved, unresolved) =
        (totals["resolved"].as_u64().unwrap(), totals["unresolved"].as_u64().unwrap());
    assert_eq!(resolved + unresolved, 31);
    let ids = batch_ids(&first);
    assert!(!ids.is_empty());
    assert_eq!(
        stderr(&output),
        format!(
            "31 inputs: {resolved} in {} batches, {unresolved} unresolved; wrote {}\n",
            ids.len(),
            first.display()
        )
    );
    let unresolved_lines = std::fs::read_to_string(first.join("unresolved.jsonl")).unwrap();
    assert!(
        unresolved_lines
            .lines()
            .any(|l| l.starts_with(r#"{"resource":"bad..name","reason":"lookup_failed""#)),
        "{unresolved_lines}"
    );
    for id in &ids {
        let notice =
            std::fs::read_to_string(first.join("notices").join(format!("{id}.txt"))).unwrap();
        assert!(notice.contains(&format!("Reference: batch {id}\n")), "{notice}");
    }
    let csv_rows = std::fs::read_to_string(first.join("batches.csv")).unwrap().lines().count();
    assert!(csv_rows > ids.len(), "a header and a row per (batch, resource)");
    assert_eq!(
        std::fs::read_to_string(first.join("batches.jsonl")).unwrap(),
        std::fs::read_to_string(from_bulk.join("batches.jsonl")).unwrap()
    );
    let output = run(whohosts(&dir).arg("bulk").arg(&input).arg("--notices").arg(&from_bulk));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--notices DIR groups the JSON-lines output"));
    let report = std::fs::read_to_string(first.join("report.html")).unwrap();
    assert_eq!(report.matches("<section class=\"batch\"").count(), ids.len());

    // A second run on the same records: the same ids, nothing moved.
    let second = dir.join("second");
    let output = run(whohosts(&dir)
        .arg("notices")
        .arg(&records)
        .arg("-o")
        .arg(&second)
        .args(["--notice-type", "phishing", "--diff"])
        .arg(&first));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(batch_ids(&second), ids);
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output)
            .ends_with(&format!("since {}: 0 moved, 0 appeared, 0 disappeared\n", first.display()))
    );

    // Without the bad line and the first record: two inputs disappeared.
    let written = std::fs::read_to_string(&records).unwrap();
    let lines: Vec<&str> = written.lines().filter(|l| !l.contains("bad..name")).collect();
    let first_input = serde_json::from_str::<serde_json::Value>(lines[0]).unwrap()["input"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept: Vec<&str> = lines[1..].to_vec();
    let fewer = dir.join("fewer.jsonl");
    std::fs::write(&fewer, kept.join("\n")).unwrap();
    let third = dir.join("third");
    let output = run(whohosts(&dir)
        .arg("notices")
        .arg(&fewer)
        .arg("-o")
        .arg(&third)
        .args(["--notice-type", "phishing", "--diff"])
        .arg(&first));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    let disappeared: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("disappeared\t"))
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let mut expected = vec!["bad..name", first_input.as_str()];
    expected.sort();
    let mut got = disappeared.clone();
    got.sort();
    assert_eq!(got, expected, "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let diff: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(third.join("diff.json")).unwrap()).unwrap();
    assert_eq!(diff["disappeared"].as_array().unwrap().len(), 2);

    // A template that does not compile, and a bad notice type: usage errors naming them.
    let bad = dir.join("bad.txt.j2");
    std::fs::write(&bad, "{% for %}").unwrap();
    let output = run(whohosts(&dir)
        .arg("notices")
        .arg(&records)
        .arg("-o")
        .arg(dir.join("x"))
        .arg("--template")
        .arg(&bad));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!("whohosts: notice template {}: ", bad.display())),
        "{}",
        stderr(&output)
    );
    let output = run(whohosts(&dir)
        .arg("notices")
        .arg(&records)
        .arg("-o")
        .arg(dir.join("x"))
        .args(["--notice-type", "bogus"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown notice type \"bogus\""), "{}", stderr(&output));
    // The shipped DMCA example works as --template.
    let dmca = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/dmca.txt.j2");
    let output = run(whohosts(&dir)
        .arg("notices")
        .arg(&records)
        .arg("-o")
        .arg(dir.join("dmca"))
        .arg("--template")
        .arg(&dmca));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let id = &batch_ids(&dir.join("dmca"))[0];
    let notice =
        std::fs::read_to_string(dir.join("dmca/notices").join(format!("{id}.txt"))).unwrap();
    assert!(notice.contains("\nSubject: DMCA notice of claimed infringement - "), "{notice}");
    let _ = std::fs::remove_dir_all(&dir);
}
