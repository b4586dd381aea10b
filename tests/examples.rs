//! The example commands run as a user runs them: `bulk`'s input is read once with bounded
//! memory, every input line yields exactly one output line (an undecodable or overlong one an
//! input error naming its line), a kill -9 / `--resume` cycle writes what an uninterrupted
//! run writes, and bad arguments exit 2 with a message naming them.
//!
//! The binaries are those `cargo test` builds beside this test (`target/<profile>/examples/`);
//! `cargo test --test examples` alone does not build them: run `cargo build --examples` first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn example(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    assert!(path.exists(), "{} is not built: run `cargo build --examples` first", path.display());
    Command::new(path)
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("whohosts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `input` of every line of a JSON-lines output, with how many lines each has.
fn inputs_of(path: &std::path::Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        *counts.entry(value["input"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    counts
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn bulk_on_an_endless_stream_of_zeros_keeps_its_memory_bounded() {
    // `bulk /dev/zero` reached 15 GB RSS in 12 s; now one line is never buffered whole.
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let mut child = example("bulk")
        .args(["--world", "5", "--quiet", "-o", "/dev/null", "-"])
        .stdin(zero)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut peak = 0;
    while started.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(100));
        peak = peak.max(rss_kib(child.id()).unwrap_or(0));
    }
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(still_running, "bulk ended on an endless input");
    assert!(peak > 0 && peak < 200 * 1024, "peak RSS {peak} KiB");
}

#[test]
fn every_bulk_input_line_yields_one_output_line_and_bad_lines_name_their_number() {
    let dir = temp_dir("bulk-lines");
    let input = dir.join("in.txt");
    let mut text = b"1.1.1.1\n# a comment\n\ncaf\xe9.fr\n".to_vec();
    text.extend(std::iter::repeat_n(b'a', 5000));
    text.extend(b"\n8.8.8.8");
    std::fs::write(&input, &text).unwrap();
    let out = dir.join("out.jsonl");
    let output = run(example("bulk").args(["--world", "5", "--quiet", "-o"]).arg(&out).arg(&input));
    assert!(output.status.success(), "{}", stderr(&output));
    let written = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 4, "{written}");
    assert!(lines.contains(
        &r#"{"input":"caf�.fr","line":4,"error":{"kind":"input","message":"line 4: not valid UTF-8"}}"#
    ));
    let long = format!(
        r#"{{"input":"{}","line":5,"error":{{"kind":"input","message":"line 5: longer than 4096 bytes"}}}}"#,
        "a".repeat(64)
    );
    assert!(lines.contains(&long.as_str()), "{written}");
    assert!(stderr(&output).contains("inputs               4"), "{}", stderr(&output));

    // A directory as INPUT is refused, naming it.
    let output = run(example("bulk").args(["--world", "5", "--quiet"]).arg(&dir));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output), format!("bulk: INPUT {} is a directory\n", dir.display()));
    // An output that cannot be created is named.
    let output = run(example("bulk")
        .args(["--world", "5", "--quiet", "-o", "/nonexistent/dir/out.jsonl"])
        .arg(&input));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("bulk: creating /nonexistent/dir/out.jsonl: "),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_latin_1_line_on_stdin_is_an_input_error_naming_its_line_and_the_lines_after_it_are_read() {
    // The reader once ended at the first line that did not decode, silently, exit 0.
    let mut child = example("bulk")
        .args(["--world", "5", "--quiet", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, b"1.1.1.1\n8.8.8.8\n# a comment\ncaf\xe9.fr\n9.9.9.9\n")
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let written = String::from_utf8(output.stdout.clone()).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 4, "{written}");
    let invalid: Vec<&&str> = lines.iter().filter(|l| l.contains(r#""kind":"input""#)).collect();
    assert_eq!(
        invalid,
        [
            &r#"{"input":"caf�.fr","line":4,"error":{"kind":"input","message":"line 4: not valid UTF-8"}}"#
        ],
        "{written}"
    );
    let mut inputs: Vec<String> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["input"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    inputs.sort();
    assert_eq!(inputs, ["1.1.1.1", "8.8.8.8", "9.9.9.9", "caf\u{fffd}.fr"]);
    assert!(stderr(&output).contains("inputs               4"), "{}", stderr(&output));
    assert!(stderr(&output).contains("invalid lines        1"), "{}", stderr(&output));
}

#[test]
fn a_killed_bulk_run_resumed_writes_what_an_uninterrupted_run_writes() {
    let dir = temp_dir("bulk-resume");
    // Generated inputs, each given twice (and once more for every third), plus a bad line.
    let seed = dir.join("seed.jsonl");
    let output = run(example("bulk")
        .args(["--world", "200", "--inputs", "200", "--quiet", "-o"])
        .arg(&seed));
    assert!(output.status.success(), "{}", stderr(&output));
    let names: Vec<String> = inputs_of(&seed).into_keys().collect();
    let mut text = Vec::new();
    for (i, name) in names.iter().chain(names.iter()).enumerate() {
        text.extend(format!("{name}\n").bytes());
        if i % 3 == 0 {
            text.extend(format!("{name}\n").bytes());
        }
        if i == 50 {
            text.extend(b"bad\xff\n");
        }
    }
    let input = dir.join("in.txt");
    std::fs::write(&input, &text).unwrap();
    let lines_in = text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();

    let whole = dir.join("whole.jsonl");
    let bulk = |out: &PathBuf| {
        let mut command = example("bulk");
        command
            .args(["--world", "200", "--quiet", "--concurrency", "2", "--latency-ms", "2", "-o"])
            .arg(out)
            .arg(&input);
        command
    };
    let output = run(&mut bulk(&whole));
    assert!(output.status.success(), "{}", stderr(&output));
    let expected = inputs_of(&whole);
    assert_eq!(expected.values().sum::<usize>(), lines_in);

    // kill -9 once some lines are on disk, then resume.
    let resumed = dir.join("resumed.jsonl");
    let mut child = bulk(&resumed).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while std::fs::metadata(&resumed).map_or(0, |m| m.len()) < 300_000 {
        assert!(started.elapsed() < Duration::from_secs(60), "no output");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let written_before = std::fs::read(&resumed).unwrap().iter().filter(|&&b| b == b'\n').count();
    assert!(written_before < lines_in, "killed after {written_before} of {lines_in} lines");
    let output = run(bulk(&resumed).arg("--resume"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(inputs_of(&resumed), expected);
    // The summary counts lines: those skipped and those written add up to the input's.
    assert!(
        stderr(&output).contains(&format!("inputs               {lines_in}\n")),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_exit_2_naming_them_and_help_exits_0() {
    let not_utf8 = std::ffi::OsStr::from_bytes(b"\xff.txt");
    for name in ["bulk", "lookup", "demo"] {
        let output = run(example(name).arg(not_utf8));
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        assert!(stderr(&output).contains(r#""\xFF.txt""#), "{name}: {}", stderr(&output));
        let output = run(example(name).arg("--help"));
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(stdout.matches("usage:").count(), 1, "{name}: {stdout}");
    }
    for (name, args, message) in [
        (
            "bulk",
            &["--world", "5", "--faults", "5000"][..],
            "bulk: --faults: 5000 per mille of each of nine kinds exceeds 1,000; at most 111\n",
        ),
        ("lookup", &["--dns", "127.0.0.1:0", "x.com"][..], "lookup: --dns 127.0.0.1:0: port 0"),
        (
            "lookup",
            &["--allow-net", "127.0.0.1/32", "x.com"][..],
            "lookup: --allow-net narrows --allow-private: give both, or neither",
        ),
    ] {
        let output = run(example(name).args(args));
        assert_eq!(output.status.code(), Some(2), "{name} {args:?}");
        assert!(stderr(&output).starts_with(message), "{name} {args:?}: {}", stderr(&output));
    }
}

/// A port free now on 127.0.0.1 (the OS's choice), for a world that must keep it over runs.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `real_limits` object of a `bulk --summary-json` file.
fn real_limits_summary(path: &std::path::Path) -> serde_json::Value {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    summary["real_limits"].clone()
}

#[test]
fn the_real_limits_preset_keeps_every_budget_and_a_second_run_asks_almost_nothing() {
    let dir = temp_dir("real-limits");
    let port = free_port().to_string();
    let bulk = |name: &str, extra: &[&str]| {
        let json = dir.join(format!("{name}.json"));
        let output = run(example("bulk")
            .args(["--world", "300", "--seed", "1", "--quiet", "-o", "/dev/null", "--real-limits"])
            .args(extra)
            .arg("--summary-json")
            .arg(&json));
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        real_limits_summary(&json)
    };
    let cache = dir.join("cache");
    let cache = cache.to_str().unwrap();
    let first = bulk("first", &["--cache-dir", cache, "--port", &port]);
    // A piracy operation's mix: at least 40 % RIPE NCC and 10 % LACNIC addresses.
    assert!(first["address_shares"]["ripe"].as_f64().unwrap() >= 0.40, "{first}");
    assert!(first["address_shares"]["lacnic"].as_f64().unwrap() >= 0.10, "{first}");
    let servers = first["servers"].as_array().unwrap();
    let requests = |name: &str| {
        servers.iter().find(|s| s["service"] == name).unwrap()["requests"].as_u64().unwrap()
    };
    // The quota-free sources answer for RIPE NCC and LACNIC space: neither RDAP is asked.
    assert_eq!((requests("ripe"), requests("lacnic")), (0, 0), "{first}");
    // No server saw more than its published budget (the world counts it).
    for server in servers {
        assert_eq!(server["within_budget"], true, "{server}");
        assert_eq!(server["refused_429"], 0, "{server}");
    }
    // Every address has an abuse contact, as RDAP alone would give with unlimited time.
    assert_eq!(first["records_with_abuse_for_every_address"], 300);
    assert!(first["requests"]["abusix_dns"].as_u64().unwrap() > 0, "{first}");

    // The second run with the same cache asks ≤ 1 % of the first run's requests.
    let second = bulk("second", &["--cache-dir", cache, "--port", &port]);
    let (one, two) =
        (first["requests"]["all"].as_u64().unwrap(), second["requests"]["all"].as_u64().unwrap());
    assert!(two * 100 <= one, "second run: {two} requests of the first run's {one}");
    assert_eq!(second["records_with_abuse_for_every_address"], 300);

    // RDAP alone: the same coverage, but RIPE NCC is asked, and counts twelve personal data
    // sets per answer against its 1,000 a day (the 5,500-domain figure: days).
    let rdap = bulk("rdap-only", &["--rdap-only"]);
    assert_eq!(rdap["records_with_abuse_for_every_address"], 300);
    assert_eq!(rdap["requests"]["abusix_dns"], 0);
    let servers = rdap["servers"].as_array().unwrap();
    let ripe = servers.iter().find(|s| s["service"] == "ripe").unwrap();
    let asked = ripe["requests"].as_u64().unwrap();
    assert!(asked > 0, "{ripe}");
    assert_eq!(ripe["counted_units"].as_u64().unwrap(), 12 * asked, "{ripe}");
    let _ = std::fs::remove_dir_all(&dir);
}
