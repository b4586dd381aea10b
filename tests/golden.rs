//! Golden tests: every recorded RDAP answer under `tests/fixtures/rdap/{ip,autnum,domain,
//! entity,error}/` is run through the extractor and compared with its reviewed expectation
//! in `tests/golden/<folder>/<file>.json`, written by reading the recorded answer.
//!
//! The answer is read as if fetched from its own `self` link (the top-level link with `rel`
//! `self`), else from `https://fixture.invalid/<folder>/<file>`.
//!
//! To review a change: `WHOHOSTS_BLESS=1 cargo test --test golden` writes what the extractor
//! now returns to `tests/golden/<folder>/<file>.new.json` beside each golden that differs (or
//! is missing). It never touches the goldens: compare, then rename the `.new.json` over the
//! golden by hand once it is right. The test still fails while a golden differs.
//!
//! The extractor is reached through `whohosts::__golden`, a hidden, unstable entry point that
//! exists only for this test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

const FOLDERS: &[&str] = &["ip", "autnum", "domain", "entity", "error"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The fixtures of one folder, sorted.
fn fixtures(folder: &str) -> Vec<PathBuf> {
    let dir = root().join("fixtures/rdap").join(folder);
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort();
    out
}

/// The answer's `self` link, else a stand-in URL naming the fixture.
fn answer_url(folder: &str, name: &str, text: &str) -> String {
    let json: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    json.get("links")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|l| l.get("rel").and_then(Value::as_str) == Some("self"))
        .and_then(|l| l.get("href").and_then(Value::as_str))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://fixture.invalid/{folder}/{name}"))
}

/// A line diff of two pretty-printed JSON values: `-` lines only in the golden, `+` lines
/// only in what the extractor returned (longest common subsequence; goldens are small).
fn diff(want: &str, got: &str) -> String {
    let a: Vec<&str> = want.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] =
                if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = writeln!(out, "{:>4} + {}", j + 1, b[j]);
            j += 1;
        } else {
            let _ = writeln!(out, "{:>4} - {}", i + 1, a[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn every_recorded_answer_matches_its_golden() {
    let bless = std::env::var_os("WHOHOSTS_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    let mut checked = 0;
    for folder in FOLDERS {
        for path in fixtures(folder) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&path).unwrap();
            let url = answer_url(folder, &name, &text);
            let got = whohosts::__golden::extract_for_golden(folder, &text, &url);
            let got_text = serde_json::to_string_pretty(&got).unwrap() + "\n";
            let golden = root().join("golden").join(folder).join(&name);
            let new = golden.with_extension("new.json");
            checked += 1;
            let want = match fs::read_to_string(&golden) {
                Ok(t) => t,
                Err(_) => {
                    if bless {
                        fs::write(&new, &got_text).unwrap();
                    }
                    failures.push(format!("{folder}/{name}: no golden (got:\n{got_text})"));
                    continue;
                }
            };
            let want_json: Value = serde_json::from_str(&want)
                .unwrap_or_else(|e| panic!("{}: golden is not JSON: {e}", golden.display()));
            if want_json != got {
                if bless {
                    fs::write(&new, &got_text).unwrap();
                }
                let want_text = serde_json::to_string_pretty(&want_json).unwrap() + "\n";
                failures.push(format!(
                    "{folder}/{name} (read as {url}) differs from its golden:\n{}",
                    diff(&want_text, &got_text)
                ));
            } else if new.exists() && bless {
                // A stale review file for a golden that now passes.
                fs::remove_file(&new).unwrap();
            }
        }
    }
    assert!(checked >= 45, "expected every recorded answer, found {checked}");
    assert!(
        failures.is_empty(),
        "{} of {checked} goldens differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_golden_has_its_recorded_answer() {
    for folder in FOLDERS {
        let dir = root().join("golden").join(folder);
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".new.json") {
                continue;
            }
            let fixture = root().join("fixtures/rdap").join(folder).join(&name);
            assert!(fixture.exists(), "golden {folder}/{name} has no fixture");
        }
    }
}
