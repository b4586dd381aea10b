//! Regression corpus and fuzz-style property tests for the parsers reachable through the
//! public API (issue #8, "never panic, never lose"): arbitrary input in, a typed error or a
//! value out.
//!
//! # The corpus
//!
//! `tests/corpus/<parser>/` holds one file per crasher or interesting input found by the
//! property tests, named for what it shows:
//!
//! | folder | fed to | by |
//! |---|---|---|
//! | `input/*.txt` | [`whohosts::Query::parse`] (the whole file, then each line) | this file |
//! | `rdap/*.json` | `whohosts::__golden::extract_for_golden` for every kind | this file |
//! | `csv/*` | [`whohosts::CsvRangeSource::from_reader`], then lookups | this file |
//! | `mmdb/*` | [`whohosts::MmdbSource::from_bytes`], then lookups | this file, `src/asn/mmdb.rs` |
//! | `whois/*.txt` | the WHOIS answer parsers (crate-private) | `src/whois/parse.rs` |
//! | `bootstrap/*.json` | the RFC 9224 registry parser (crate-private) | `src/rdap/bootstrap.rs` |
//! | `cymru/*.txt` | the Team Cymru TXT parsers (one per line) | `src/asn/cymru.rs` |
//!
//! Every file must give a value or a typed error without panicking. To add a crasher: save
//! the input under the right folder with a descriptive name; the tests pick it up.
//!
//! # The property tests
//!
//! The crate-private parsers have `mod prop_tests` at the end of their files (`src/input.rs`,
//! `src/rdap/bootstrap.rs`, `src/whois/parse.rs`, `src/asn/cymru.rs`, `src/asn/ranges.rs`,
//! `src/asn/mmdb.rs`); this file fuzzes RDAP/jCard extraction (recorded answers with nodes
//! replaced by wrong types, broken jCards, huge strings), which only `__golden` reaches.
//! Each property runs 256 cases from a fixed seed, so runs are reproducible.
//!
//! Longer runs (none is part of the normal suite):
//!
//! ```sh
//! # Every property, 20 000 cases each, from a fresh random seed (about 2 minutes of tests
//! # on 2 cores once built):
//! WHOHOSTS_PROPTEST_CASES=20000 PROPTEST_RNG_SEED=$RANDOM \
//!     cargo test --release --all-features --lib prop_tests
//! WHOHOSTS_PROPTEST_CASES=20000 PROPTEST_RNG_SEED=$RANDOM \
//!     cargo test --release --all-features --test corpus
//! # Only the long RDAP run of this file (20 000 cases unless WHOHOSTS_PROPTEST_CASES is set):
//! cargo test --release --all-features --test corpus -- --ignored rdap_extraction_long
//! ```
//!
//! A failure prints the minimal failing input; save it under `tests/corpus/` and note it in
//! `tests/corpus/README.md`.
//!
//! A bug found here gets a test in its module asserting the fixed behaviour (the four found so
//! far are fixed; their inputs stay in the corpus as regressions).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use futures_util::FutureExt as _;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as ProptestConfig, RngSeed, TestRunner};
use serde_json::{Value, json};
use whohosts::{AsnSource, ConfigError, CsvRangeSource, MmdbSource, Query, SourceErrorKind};

/// The kinds `extract_for_golden` knows, and one it does not.
const KINDS: &[&str] = &["ip", "autnum", "domain", "entity", "error", "nameserver"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The files of `tests/corpus/<folder>/`, sorted (none when the folder does not exist).
fn corpus(folder: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root().join("corpus").join(folder)) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    out.sort();
    out
}

/// 256 cases from a fixed seed unless `WHOHOSTS_PROPTEST_CASES` / `PROPTEST_RNG_SEED` say
/// otherwise.
fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("WHOHOSTS_PROPTEST_CASES").ok().and_then(|v| v.parse().ok());
    let mut config = ProptestConfig {
        cases: cases.unwrap_or(default_cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x7768_6f68_6f73_7473);
    }
    config
}

// ---------------------------------------------------------------------------------------
// Query::parse
// ---------------------------------------------------------------------------------------

/// A query or a typed error; an accepted name is within the DNS limits.
fn check_query(input: &str) {
    match Query::parse(input) {
        Ok(Query::Domain(d)) => {
            assert!(d.ascii.len() <= 253, "{input:?} → {d:?}");
            assert!(d.ascii.split('.').all(|l| !l.is_empty() && l.len() <= 63), "{d:?}");
            assert!(d.ascii.ends_with(&d.registrable), "{input:?} → {d:?}");
        }
        Ok(query) => assert!(query.is_ip()),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[test]
fn input_corpus() {
    for path in corpus("input") {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        check_query(&text);
        text.lines().for_each(check_query);
    }
}

// ---------------------------------------------------------------------------------------
// RDAP extraction
// ---------------------------------------------------------------------------------------

/// Every recorded RDAP answer under `tests/fixtures/rdap/{ip,autnum,domain,entity,error,
/// nameserver}/`, parsed.
fn recorded_rdap() -> &'static [Value] {
    static ANSWERS: OnceLock<Vec<Value>> = OnceLock::new();
    ANSWERS.get_or_init(|| {
        let mut out = Vec::new();
        for kind in KINDS {
            let Ok(entries) = std::fs::read_dir(root().join("fixtures/rdap").join(kind)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    out.push(serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap());
                }
            }
        }
        assert!(out.len() > 40, "recorded RDAP answers not found");
        out
    })
}

const URL: &str = "https://fixture.invalid/answer";

/// Emails and pointers checked.
#[derive(Debug, Default)]
struct Checked {
    emails: usize,
    pointers: usize,
}

/// What the extraction of `answer` (the JSON `text`) says holds: an object; every email has
/// one `@` with text on both sides; every pointer it names exists in the answer.
fn check_extraction(text: &str, answer: Option<&Value>) -> Checked {
    let mut checked = Checked::default();
    for kind in KINDS {
        let out = whohosts::__golden::extract_for_golden(kind, text, URL);
        assert!(out.is_object() || out.is_null(), "{kind}: {out}");
        if let Some(answer) = answer {
            check_output(&out, answer, kind, &mut checked);
        }
    }
    checked
}

fn check_output(out: &Value, answer: &Value, kind: &str, checked: &mut Checked) {
    let resolves = |pointer: &str, checked: &mut Checked| {
        assert!(answer.pointer(pointer).is_some(), "{kind}: pointer {pointer:?} not in the answer");
        checked.pointers += 1;
    };
    match out {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("email", Value::String(email)) => {
                        let (local, domain) = email.split_once('@').unwrap();
                        assert!(!local.is_empty() && !domain.is_empty(), "{kind}: {email:?}");
                        assert!(!domain.contains('@'), "{kind}: {email:?}");
                        checked.emails += 1;
                    }
                    ("sources", Value::Array(sources)) => {
                        for source in sources {
                            if let Some(pointer) = source.as_str() {
                                resolves(pointer, checked);
                            }
                        }
                    }
                    ("provenance" | "pointer", Value::String(pointer)) => {
                        resolves(pointer, checked)
                    }
                    _ => check_output(value, answer, kind, checked),
                }
            }
        }
        Value::Array(items) => {
            items.iter().for_each(|v| check_output(v, answer, kind, checked));
        }
        _ => {}
    }
}

#[test]
fn rdap_corpus() {
    for path in corpus("rdap") {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let answer: Option<Value> = serde_json::from_str(&text).ok();
        check_extraction(&text, answer.as_ref());
    }
}

#[test]
fn recorded_rdap_answers_name_real_pointers() {
    let mut emails = 0;
    let mut pointers = 0;
    for answer in recorded_rdap() {
        let checked = check_extraction(&answer.to_string(), Some(answer));
        emails += checked.emails;
        pointers += checked.pointers;
    }
    // The checks ran on real contacts: the goldens of these answers (each read as its own
    // kind only) hold 27 emails and 29 sources.
    assert!(emails >= 27 && pointers >= 29, "{emails} emails, {pointers} pointers");
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
        proptest::sample::select(
            &[
                "abuse",
                "registrar",
                "registrant",
                "vcard",
                "email",
                "fn",
                "tel",
                "text",
                "uri",
                "a@b.example",
                "mailto:x@y.example",
                "tel:+1-555",
                "self",
                "related",
                "",
                "@",
                "a@",
                "@b.c"
            ][..]
        )
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                proptest::sample::select(
                    &[
                        "entities",
                        "roles",
                        "vcardArray",
                        "handle",
                        "links",
                        "rel",
                        "href",
                        "remarks",
                        "events",
                        "startAddress",
                        "endAddress",
                        "ipVersion",
                        "port43",
                        "objectClassName",
                        "redacted",
                        "cidr0_cidrs",
                        "x"
                    ][..]
                )
                .prop_map(str::to_owned),
                inner,
                0..4,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// jCard property values, usable and not.
const VALUES: &[&str] = &[
    "abuse@example.net",
    "ABUSE[at]example.net",
    "+1.5555551234",
    "tel:+1-555-0100;ext=1",
    "mailto:noc@example.net",
    "redacted",
    "",
    " a @b.c ",
];

/// A jCard property `[name, params, type, value]` with any part of the wrong type.
fn jcard_property() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        3 => proptest::sample::select(
            &["fn", "email", "tel", "org", "adr", "kind", "url", "EMAIL"][..]
        )
        .prop_map(|s| json!(s)),
        1 => json_value(),
    ];
    let params = prop_oneof![
        3 => Just(json!({})),
        1 => Just(json!({"type": ["work", "voice"], "pref": "1"})),
        1 => json_value(),
    ];
    let value = prop_oneof![
        2 => proptest::sample::select(VALUES).prop_map(|s| json!(s)),
        1 => json_value(),
    ];
    (name, params, proptest::sample::select(&["text", "uri", "x"][..]), value, 0..6usize).prop_map(
        |(name, params, kind, value, arity)| {
            let full = vec![name, params, json!(kind), value.clone(), value];
            Value::Array(full.into_iter().take(arity).collect())
        },
    )
}

/// One change to a recorded answer.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace a node with any value.
    Replace(Index, Value),
    /// Remove a member or an element.
    Remove(Index),
    /// Give an entity (or any object) a jCard made of these properties.
    Jcard(Index, Vec<Value>),
    /// Put a string of `n` copies of a piece in place of a string.
    Huge(Index, &'static str, usize),
    /// Wrap a node in `n` levels of `{"entities": [ … ]}`.
    Nest(Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), json_value()).prop_map(|(i, v)| Edit::Replace(i, v)),
        2 => any::<Index>().prop_map(Edit::Remove),
        3 => (any::<Index>(), proptest::collection::vec(jcard_property(), 0..5))
            .prop_map(|(i, p)| Edit::Jcard(i, p)),
        1 => (
            any::<Index>(),
            proptest::sample::select(&["a", "@", "é", "\u{0}", "x@y.z "][..]),
            1..50_000usize,
        )
            .prop_map(|(i, p, n)| Edit::Huge(i, p, n)),
        1 => (any::<Index>(), 1..40usize).prop_map(|(i, n)| Edit::Nest(i, n)),
    ]
}

/// JSON pointers of every node of `value`, parents before children.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(item, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
}

fn apply(doc: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let pick = |i: &Index| all[i.index(all.len())].clone();
    match edit {
        Edit::Replace(i, v) => *doc.pointer_mut(&pick(i)).unwrap() = v.clone(),
        Edit::Remove(i) => {
            let pointer = pick(i);
            let Some((parent, key)) = pointer.rsplit_once('/') else { return };
            match doc.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(items)) => {
                    if let Ok(at) = key.parse::<usize>() {
                        items.remove(at);
                    }
                }
                _ => {}
            }
        }
        Edit::Jcard(i, props) => {
            let objects: Vec<&String> =
                all.iter().filter(|p| doc.pointer(p).is_some_and(Value::is_object)).collect();
            if objects.is_empty() {
                return;
            }
            let pointer = objects[i.index(objects.len())].clone();
            if let Some(Value::Object(map)) = doc.pointer_mut(&pointer) {
                map.insert("vcardArray".to_owned(), json!(["vcard", props]));
                map.entry("roles").or_insert(json!(["abuse"]));
            }
        }
        Edit::Huge(i, piece, n) => *doc.pointer_mut(&pick(i)).unwrap() = json!(piece.repeat(*n)),
        Edit::Nest(i, n) => {
            let node = doc.pointer_mut(&pick(i)).unwrap();
            let mut wrapped = node.take();
            for _ in 0..*n {
                wrapped =
                    json!({"objectClassName": "entity", "roles": ["abuse"], "entities": [wrapped]});
            }
            *node = wrapped;
        }
    }
}

/// Recorded answers with edits: extraction never panics, and what it returns holds.
fn rdap_extraction_property(config: ProptestConfig) {
    let strategy = (any::<Index>(), proptest::collection::vec(edit(), 1..6));
    TestRunner::new(config)
        .run(&strategy, |(which, edits)| {
            let mut doc = which.get(recorded_rdap()).clone();
            for e in &edits {
                apply(&mut doc, e);
            }
            check_extraction(&doc.to_string(), Some(&doc));
            Ok(())
        })
        .unwrap();
}

#[test]
fn rdap_extraction_of_edited_answers() {
    rdap_extraction_property(config(256));
}

#[test]
#[ignore = "long run: 20 000 cases unless WHOHOSTS_PROPTEST_CASES says otherwise"]
fn rdap_extraction_long() {
    rdap_extraction_property(config(20_000));
}

proptest! {
    #![proptest_config(config(256))]

    /// Text that is not JSON, or JSON of any shape, is an `{"error": …}` or a value.
    #[test]
    fn rdap_extraction_of_arbitrary_text(text in any::<String>(), value in json_value()) {
        check_extraction(&text, serde_json::from_str::<Value>(&text).ok().as_ref());
        check_extraction(&value.to_string(), Some(&value));
    }
}

/// Nesting deeper than the JSON parser's recursion limit is refused, not a stack overflow.
#[test]
fn deeply_nested_rdap_is_refused() {
    let depth = 100_000;
    let text = format!("{}{}", "{\"entities\":[".repeat(depth), "]}".repeat(depth));
    for kind in KINDS {
        let out = whohosts::__golden::extract_for_golden(kind, &text, URL);
        assert!(out["error"].as_str().unwrap().starts_with("not JSON"), "{kind}: {out}");
    }
}

// ---------------------------------------------------------------------------------------
// ASN databases
// ---------------------------------------------------------------------------------------

/// Addresses asked of every database that loads.
fn probe_addresses() -> Vec<IpAddr> {
    [
        "0.0.0.0",
        "1.0.0.1",
        "10.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:1.0.0.1",
        "2001:db8::1",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect()
}

/// Ask `source` about every probe address: an answer, none, or a `Malformed` error.
fn probe(source: &dyn AsnSource) {
    for ip in probe_addresses() {
        let answer = source.lookup(ip).now_or_never().expect("local lookups are ready at once");
        match answer {
            Ok(Some(asn)) => assert_eq!(asn.source.as_str(), source.name()),
            Ok(None) => {}
            Err(e) => assert_eq!(e.kind(), SourceErrorKind::Malformed, "{e:?}"),
        }
    }
}

#[test]
fn csv_corpus() {
    for path in corpus("csv") {
        match CsvRangeSource::from_reader(&std::fs::read(&path).unwrap()[..]) {
            Ok(table) => probe(&table),
            Err(e) => assert!(matches!(e, ConfigError::AsnDatabase { .. }), "{path:?}: {e:?}"),
        }
    }
}

#[test]
fn mmdb_corpus() {
    for path in corpus("mmdb") {
        match MmdbSource::from_bytes(std::fs::read(&path).unwrap()) {
            Ok(db) => probe(&db),
            Err(e) => assert!(matches!(e, ConfigError::AsnDatabase { .. }), "{path:?}: {e:?}"),
        }
    }
}
