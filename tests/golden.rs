//! Golden tests: every recorded RDAP answer under `tests/fixtures/rdap/{ip,autnum,domain,
//! entity,error}/` is run through the extractor and compared with its reviewed expectation
//! in `tests/golden/<folder>/<file>.json`, written by reading the recorded answer.
//!
//! The answer is read as if fetched from its own `self` link (the top-level link with `rel`
//! `self`), else from `https://fixture.invalid/<folder>/<file>`.
//!
//! To review a change: `WHOHOSTS_BLESS=1 cargo test --features __golden --test golden` writes
//! what the extractor now returns to `tests/golden/<folder>/<file>.new.json` beside each
//! golden that differs (or is missing). It never touches the goldens: compare, then rename the
//! `.new.json` over the golden by hand once it is right. The test still fails while a golden
//! differs.
//!
//! The whole HTTP exchanges in `tests/fixtures/rdap/http/` are covered too: each raw
//! `nicinfo-*.http` response against `tests/golden/http/<stem>.json` (status line,
//! `Content-Type`, extractor kind, URL, extraction or skip reason, and `known_bugs`), and
//! each `vcr-*.yml` cassette by checking that its final response body is, byte for byte, the
//! `*-from-vcr.json` answer extracted from it (see `CASSETTES`).
//!
//! The extractor is reached through `whohosts::__golden`, a hidden entry point behind the
//! private feature `__golden` (on under `--all-features`) that exists only for the tests.

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

// ---------------------------------------------------------------------------------------
// Whole HTTP exchanges: tests/fixtures/rdap/http/
// ---------------------------------------------------------------------------------------

/// One raw HTTP/1.1 response (`nicinfo-*.http`): status line, headers, blank line, body.
struct HttpResponse<'a> {
    status_line: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a str,
}

impl<'a> HttpResponse<'a> {
    /// Split at the first blank line (LF or CRLF line ends).
    fn parse(text: &'a str) -> Self {
        let (head, body) = text
            .split_once("\r\n\r\n")
            .filter(|(h, _)| !h.contains("\n\n"))
            .or_else(|| text.split_once("\n\n"))
            .expect("no blank line between headers and body");
        let mut lines = head.lines().map(|l| l.trim_end_matches('\r'));
        let status_line = lines.next().expect("no status line");
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap_or_else(|| panic!("bad header {l:?}"));
                (k.trim(), v.trim())
            })
            .collect();
        HttpResponse { status_line, headers, body }
    }

    /// The first header named `name` (case-insensitive).
    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }
}

/// The extractor kind for an answer: from `objectClassName`, else `error` for an
/// `errorCode`; `Err(reason)` for anything the extractor has no reader for.
fn kind_of(answer: &Value) -> Result<&'static str, String> {
    match answer.get("objectClassName").and_then(Value::as_str) {
        Some("ip network") => Ok("ip"),
        Some("autnum") => Ok("autnum"),
        Some("domain") => Ok("domain"),
        Some("entity") => Ok("entity"),
        Some(other) => {
            Err(format!("objectClassName {other:?}: the extractor has no {other} reader"))
        }
        None if answer.get("errorCode").is_some() => Ok("error"),
        None if answer.get("services").is_some() => Err("no objectClassName and no errorCode: \
             an IANA bootstrap registry (description, publication, services, version), not an \
             RDAP object"
            .to_owned()),
        None => Err("no objectClassName and no errorCode".to_owned()),
    }
}

/// The `.http` fixtures, sorted.
fn http_fixtures() -> Vec<PathBuf> {
    let dir = root().join("fixtures/rdap/http");
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "http"))
        .collect();
    out.sort();
    out
}

/// Each `.http` response is split into status line, headers and body; the status line and
/// `Content-Type` must be those its golden (`tests/golden/http/<stem>.json`) records, and
/// the body must be `Content-Length` bytes. The body then goes to the reader its
/// `objectClassName` (or `errorCode`) names, read as fetched from its `self` link, and the
/// result must equal the golden's `extraction`; a body no reader takes must be recorded as
/// `"skipped": "<reason>"` with the same reason.
///
/// A golden may list `known_bugs`: `{"pointer", "got", "why"}` for a field the extractor
/// reads wrongly. The golden's `extraction` keeps the right value; the test checks that the
/// extractor still returns `got` there (so that a fix makes it fail, to remove the entry)
/// and compares everything else.
#[test]
fn every_recorded_http_answer_matches_its_golden() {
    let bless = std::env::var_os("WHOHOSTS_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in http_fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let response = HttpResponse::parse(&text);
        if let Some(len) = response.header("Content-Length") {
            assert_eq!(
                len.parse::<usize>().unwrap(),
                response.body.len(),
                "{name}: Content-Length"
            );
        }
        let answer: Value = serde_json::from_str(response.body)
            .unwrap_or_else(|e| panic!("{name}: body is not JSON: {e}"));
        let mut got = serde_json::json!({
            "status_line": response.status_line,
            "content_type": response.header("Content-Type"),
        });
        let obj = got.as_object_mut().unwrap();
        match kind_of(&answer) {
            Ok(kind) => {
                let url = answer_url("http", &name, response.body);
                let extraction = whohosts::__golden::extract_for_golden(kind, response.body, &url);
                obj.insert("kind".into(), kind.into());
                obj.insert("url".into(), url.into());
                obj.insert("extraction".into(), extraction);
            }
            Err(reason) => {
                obj.insert("skipped".into(), reason.into());
            }
        }
        let got_text = serde_json::to_string_pretty(&got).unwrap() + "\n";
        let golden =
            root().join("golden/http").join(path.with_extension("json").file_name().unwrap());
        let new = golden.with_extension("new.json");
        checked += 1;
        let Ok(want) = fs::read_to_string(&golden) else {
            if bless {
                fs::write(&new, &got_text).unwrap();
            }
            failures.push(format!("http/{name}: no golden (got:\n{got_text})"));
            continue;
        };
        let mut want: Value = serde_json::from_str(&want)
            .unwrap_or_else(|e| panic!("{}: golden is not JSON: {e}", golden.display()));
        // Status line and Content-Type, asserted on their own so a mismatch reads plainly.
        for key in ["status_line", "content_type"] {
            assert_eq!(got.get(key), want.get(key), "http/{name}: {key}");
        }
        if let Some(bugs) = want.as_object_mut().unwrap().remove("known_bugs") {
            for bug in bugs.as_array().unwrap() {
                let pointer = format!("/extraction{}", bug["pointer"].as_str().unwrap());
                let right = want.pointer(&pointer).cloned();
                let now = got.pointer(&pointer).cloned();
                assert_ne!(
                    right.as_ref(),
                    Some(&bug["got"]),
                    "http/{name}: {pointer}: bug == golden"
                );
                if now.as_ref() != Some(&bug["got"]) {
                    failures.push(format!(
                        "http/{name}: known bug at {pointer} no longer reproduces (now {now:?}, \
                         golden {right:?}): remove it from known_bugs"
                    ));
                    continue;
                }
                *want.pointer_mut(&pointer).unwrap() = bug["got"].clone();
            }
        }
        if want != got {
            if bless {
                fs::write(&new, &got_text).unwrap();
            }
            let want_text = serde_json::to_string_pretty(&want).unwrap() + "\n";
            failures.push(format!(
                "http/{name} differs from its golden:\n{}",
                diff(&want_text, &got_text)
            ));
        } else if new.exists() && bless {
            fs::remove_file(&new).unwrap();
        }
    }
    assert_eq!(checked, 6, "expected the six nicinfo .http answers");
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_http_golden_has_its_recorded_answer() {
    let dir = root().join("golden/http");
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".new.json") {
            continue;
        }
        let fixture = root()
            .join("fixtures/rdap/http")
            .join(path.with_extension("http").file_name().unwrap());
        assert!(fixture.exists(), "golden http/{name} has no fixture");
    }
}

/// Each VCR cassette (`vcr-*.yml`) and what its final response body must be: the
/// `*-from-vcr.json` answer extracted from it (those are covered by the goldens above), or
/// `None` with the reason no file was extracted.
const CASSETTES: &[(&str, Result<&str, &str>)] = &[
    ("vcr-as-works_with_the_autnum_type.yml", Ok("autnum/ripe-AS16276-ovh-from-vcr.json")),
    (
        "vcr-domain-query_the_correct_bootstrap_URL_and_follow_redirections.yml",
        Ok("domain/verisign-google.com-registry-from-vcr.json"),
    ),
    (
        "vcr-domain-raises_an_error_for_domain_not_found.yml",
        Ok("error/centralnic-404-domain-jsiqpmcurt.design-from-vcr.json"),
    ),
    (
        "vcr-domain-raises_an_error_for_domain_not_found_when_the_response_body_is_empty.yml",
        Err("the final response (verisign 404) has an empty body: nothing to extract"),
    ),
    (
        "vcr-domain-raises_an_error_for_unsupported_TLD.yml",
        Ok("error/rdap.org-404-unsupported-tld-from-vcr.json"),
    ),
    (
        "vcr-domain-raises_an_error_for_wrong_type.yml",
        Err(
            "rdap.org's 404 for 8.8.8.8: the unsupported-TLD error with another name, not extracted",
        ),
    ),
    (
        // Another bootstrap, same final answer as the redirection cassette.
        "vcr-domain-supports_overriding_the_bootstrap_URL.yml",
        Ok("domain/verisign-google.com-registry-from-vcr.json"),
    ),
    (
        "vcr-domain-supports_rdap_nic_fr_which_does_not_accept_rdap_json_mimetype_as_of_2022-12-29.yml",
        Ok("domain/afnic-airport.fr-from-vcr.json"),
    ),
    ("vcr-ip-works_with_the_ip_type.yml", Ok("ip/arin-8.8.8.8-google-2021-from-vcr.json")),
    (
        "vcr-ip-works_with_the_ip_type_IPv6.yml",
        Ok("ip/arin-2620-119-35--35-ipv6-cisco-opendns-from-vcr.json"),
    ),
];

/// The final `string:` scalar of a VCR cassette (the last interaction's response body),
/// decoded from the three styles VCR writes: single-quoted (folded), `|-` literal block, and
/// `!binary |-` base64. Enough YAML for these cassettes, not a YAML parser.
fn final_vcr_body(yaml: &str) -> Vec<u8> {
    let lines: Vec<&str> = yaml.lines().collect();
    let at =
        lines.iter().rposition(|l| l.trim_start().starts_with("string:")).expect("no body string");
    let key_indent = lines[at].len() - lines[at].trim_start().len();
    let value = lines[at].trim_start()["string:".len()..].trim();
    let block = |from: usize| -> String {
        let body: Vec<&str> = lines[from..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > key_indent)
            .copied()
            .collect();
        let indent = body
            .iter()
            .find(|l| !l.trim().is_empty())
            .map_or(0, |l| l.len() - l.trim_start().len());
        let text: Vec<&str> = body.iter().map(|l| l.get(indent..).unwrap_or("")).collect();
        text.join("\n").trim_end_matches('\n').to_owned() // `-`: strip final line breaks
    };
    match value {
        "|-" => block(at + 1).into_bytes(),
        "!binary |-" => base64(&block(at + 1)),
        v if v.starts_with('\'') => {
            // From after the opening quote to the closing one ('' is an escaped quote).
            let start = lines[at].find('\'').unwrap() + 1;
            let text = lines[at..].join("\n");
            let bytes = text.as_bytes();
            let mut i = start;
            let end = loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(b'\''), Some(b'\'')) => i += 2,
                    (Some(b'\''), _) => break i,
                    (Some(_), _) => i += 1,
                    (None, _) => panic!("unterminated quoted scalar"),
                }
            };
            fold(&text[start..end]).replace("''", "'").into_bytes()
        }
        other => panic!("unsupported body scalar {other:?}"),
    }
}

/// YAML flow-scalar line folding: each line break between two non-empty lines becomes a
/// space, each empty line a `\n`; white space around breaks is dropped.
fn fold(raw: &str) -> String {
    let lines: Vec<&str> = raw.split('\n').collect();
    let mut out = String::new();
    let mut pending_breaks = 0;
    for (i, line) in lines.iter().enumerate() {
        let mut l = *line;
        if i > 0 {
            l = l.trim_start();
        }
        if i + 1 < lines.len() {
            l = l.trim_end();
        }
        if i > 0 && l.is_empty() && i + 1 < lines.len() {
            pending_breaks += 1;
            continue;
        }
        if i > 0 {
            if pending_breaks == 0 {
                out.push(' ');
            } else {
                out.push_str(&"\n".repeat(pending_breaks));
            }
            pending_breaks = 0;
        }
        out.push_str(l);
    }
    out
}

/// Standard base64 (white space ignored, `=` padding).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c:?}"),
        }
    };
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|&b| b != b'=').collect();
        let mut n = 0u32;
        for (i, &b) in data.iter().enumerate() {
            n |= value(b) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..data.len()]);
    }
    out
}

/// The body of each cassette's final response equals, byte for byte, the answer extracted
/// from it (whose extraction the folder goldens check), or has a recorded reason for none.
#[test]
fn every_vcr_cassette_final_body_is_its_extracted_answer() {
    let dir = root().join("fixtures/rdap/http");
    let mut on_disk: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = CASSETTES.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(on_disk, listed, "every cassette must be listed in CASSETTES");
    for (name, extracted) in CASSETTES {
        let body = final_vcr_body(&fs::read_to_string(dir.join(name)).unwrap());
        match extracted {
            Ok(json) => {
                let want = fs::read(root().join("fixtures/rdap").join(json)).unwrap();
                assert!(
                    body == want,
                    "{name}: final body ({} bytes) is not {json} ({} bytes)",
                    body.len(),
                    want.len()
                );
            }
            Err(reason) if reason.contains("empty body") => assert!(body.is_empty(), "{name}"),
            Err(_) => {
                let v: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(v["errorCode"], 404, "{name}");
            }
        }
    }
}
