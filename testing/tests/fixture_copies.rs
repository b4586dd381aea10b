//! The crate's copies of the recorded answers (`testing/fixtures/`) never drift from the
//! canonical ones (the repository's `tests/fixtures/`).
//!
//! whohosts-testing embeds recorded answers with `include_str!`; a packaged crate cannot
//! reach outside its own directory, so it holds its own copies. This test reads `src/**/*.rs`
//! as text and collects every embedded path: direct `include_str!`/`include_bytes!` literals,
//! and the literal arguments of each `macro_rules!` whose body embeds
//! `concat!("<prefix>", $path)`. It fails when:
//!
//! * an include is of any other form, or points outside `fixtures/`;
//! * an embedded file is missing from `fixtures/`, or from `../tests/fixtures/`, or differs
//!   from the original there in a single byte;
//! * a file in `fixtures/` is not embedded (only what the crate embeds is copied);
//! * `fixtures/SOURCES.md` lacks a row for a copy, has a row for no copy, or a row that is not
//!   the original's row of `tests/fixtures/SOURCES.md` word for word, or a licence that
//!   `fixtures/LICENSES.md` does not list;
//! * the crate's `LICENSE-MIT` or `LICENSE-APACHE` differs from the repository's.
//!
//! It needs the repository around the crate (`..`): it is not part of the package, and
//! `cargo package` does not run it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The files at the top of `fixtures/` that are documentation, not copies.
const DOCS: &[&str] = &["SOURCES.md", "LICENSES.md"];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn repo_dir() -> PathBuf {
    crate_dir().join("..")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, as `/`-separated paths relative to `dir`.
fn files_under(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let parts: Vec<_> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
                out.insert(parts.join("/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// `src` with comments blanked to spaces, and with the contents of string, raw string and
/// char literals blanked too when `strings` (their quotes kept). Offsets are unchanged.
fn blank(src: &str, strings: bool) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let clear = |out: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut out[from..to.min(b.len())] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
                clear(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (from, mut depth) = (i, 0);
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                clear(&mut out, from, i);
            }
            b'r' if (i == 0 || !is_ident_byte(b[i - 1]))
                && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close: Vec<u8> =
                    std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
                let mut j = open + 1;
                while j < b.len() && !b[j..].starts_with(&close) {
                    j += 1;
                }
                if strings {
                    clear(&mut out, open + 1, j);
                }
                i = j + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if strings {
                    clear(&mut out, i + 1, j);
                }
                i = j + 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '"'); otherwise a lifetime or a label.
                let end = if b.get(i + 1) == Some(&b'\\') {
                    src[i + 2..].find('\'').map(|n| i + 2 + n)
                } else {
                    src[i + 1..]
                        .chars()
                        .next()
                        .map(|c| i + 1 + c.len_utf8())
                        .filter(|&end| b.get(end) == Some(&b'\''))
                };
                match end {
                    Some(end) => {
                        if strings {
                            clear(&mut out, i + 1, end);
                        }
                        i = end + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    String::from_utf8(out).expect("only whole characters are blanked")
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Reads a plain string literal (no escapes) at the start of `s` (after whitespace): its
/// contents and the rest of `s`.
fn literal(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start().strip_prefix('"')?;
    let end = s.find('"')?;
    let text = &s[..end];
    (!text.contains('\\')).then_some((text, &s[end + 1..]))
}

/// The paths one source file embeds, as written (relative to the file), or what is wrong.
fn embedded_paths(src: &str) -> Result<Vec<String>, String> {
    // Matches are found in `code` (comments and literals blanked), literals read at the
    // same offsets in `text` (comments blanked).
    let text = blank(src, false);
    let code = blank(src, true);
    let mut paths = Vec::new();
    // Macros whose body embeds `concat!("<prefix>", $x)`: name → prefix.
    let mut macros: BTreeMap<String, String> = BTreeMap::new();
    for include in ["include_str!", "include_bytes!"] {
        for (at, _) in code.match_indices(include) {
            if at > 0 && is_ident_byte(code.as_bytes()[at - 1]) {
                continue;
            }
            let rest = text[at + include.len()..].trim_start();
            let rest = rest.strip_prefix('(').ok_or_else(|| format!("`{include}` without `(`"))?;
            if let Some((path, after)) = literal(rest) {
                if !after.trim_start().starts_with(')') {
                    return Err(format!("`{include}(\"{path}\" …` is not a single literal"));
                }
                paths.push(path.to_owned());
                continue;
            }
            let inner = rest.trim_start().strip_prefix("concat!(").ok_or_else(|| {
                format!("`{include}` of neither a literal nor `concat!(\"prefix\", $path)`")
            })?;
            let (prefix, after) = literal(inner)
                .ok_or_else(|| format!("`{include}(concat!(…))` not starting with a literal"))?;
            let after = after.trim_start().strip_prefix(',').unwrap_or("").trim_start();
            let metavar_ok = after.strip_prefix('$').is_some_and(|v| {
                let end =
                    v.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(v.len());
                end > 0 && v[end..].trim_start().starts_with(')')
            });
            if !metavar_ok {
                return Err(format!(
                    "`{include}(concat!(\"{prefix}\", …))` is not `concat!(\"prefix\", $path)`"
                ));
            }
            let name = code[..at]
                .rfind("macro_rules!")
                .and_then(|m| {
                    let name = code[m + "macro_rules!".len()..].trim_start();
                    let end = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
                    Some(name[..end].to_owned())
                })
                .filter(|name| !name.is_empty())
                .ok_or_else(|| {
                    format!("`{include}(concat!(\"{prefix}\", $…))` outside a `macro_rules!`")
                })?;
            macros.insert(name, prefix.to_owned());
        }
    }
    for (name, prefix) in &macros {
        let call = format!("{name}!");
        for (at, _) in code.match_indices(&call) {
            if at > 0 && is_ident_byte(code.as_bytes()[at - 1]) {
                continue;
            }
            if code[..at].trim_end().ends_with("macro_rules!") {
                continue;
            }
            let rest = text[at + call.len()..].trim_start();
            let arg = rest
                .strip_prefix('(')
                .and_then(literal)
                .filter(|(_, after)| after.trim_start().starts_with(')'))
                .map(|(arg, _)| arg)
                .ok_or_else(|| format!("`{call}` called with something other than one literal"))?;
            paths.push(format!("{prefix}{arg}"));
        }
    }
    Ok(paths)
}

/// `path` with `.` and `..` resolved, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every fixture `src/` embeds, relative to `fixtures/`, with the files that embed it.
fn embedded_fixtures() -> BTreeMap<String, Vec<String>> {
    let src = crate_dir().join("src");
    let fixtures = normalise(&crate_dir().join("fixtures"));
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in files_under(&src).into_iter().filter(|f| f.ends_with(".rs")) {
        let path = src.join(&file);
        let paths = match embedded_paths(&read(&path)) {
            Ok(paths) => paths,
            Err(problem) => {
                problems.push(format!("src/{file}: {problem}"));
                continue;
            }
        };
        for embedded in paths {
            let target = normalise(&path.parent().unwrap().join(&embedded));
            match target.strip_prefix(&fixtures) {
                Ok(rel) => {
                    let parts: Vec<_> =
                        rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
                    out.entry(parts.join("/")).or_default().push(format!("src/{file}"));
                }
                Err(_) => problems.push(format!("src/{file} embeds {embedded}, outside fixtures/")),
            }
        }
    }
    assert!(problems.is_empty(), "includes this test cannot vouch for:\n{}", problems.join("\n"));
    out
}

/// The table rows of a SOURCES.md, by the file they credit.
fn source_rows(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("| `")
            && let Some(end) = rest.find("` |")
        {
            rows.entry(rest[..end].to_owned()).or_default().push(line.to_owned());
        }
    }
    rows
}

#[test]
fn every_embedded_fixture_is_a_byte_copy_of_its_original() {
    let embedded = embedded_fixtures();
    // The crate embeds the recorded preset's, the generated world's and the unit tests'
    // answers; an empty set would mean the scanner missed them all.
    assert!(embedded.len() >= 60, "only {} embedded fixtures found", embedded.len());
    let copies = crate_dir().join("fixtures");
    let originals = repo_dir().join("tests/fixtures");
    assert!(
        originals.is_dir(),
        "{} is missing: this test needs the repository",
        originals.display()
    );
    let mut problems = Vec::new();
    for (file, users) in &embedded {
        let copy = fs::read(copies.join(file));
        let original = fs::read(originals.join(file));
        match (copy, original) {
            (Err(_), _) => problems.push(format!(
                "{file} (embedded by {}) is not in testing/fixtures/",
                users.join(", ")
            )),
            (_, Err(_)) => problems.push(format!("{file} is not in tests/fixtures/ (no original)")),
            (Ok(copy), Ok(original)) if copy != original => {
                let at = copy
                    .iter()
                    .zip(&original)
                    .position(|(a, b)| a != b)
                    .unwrap_or(copy.len().min(original.len()));
                problems.push(format!(
                    "testing/fixtures/{file} differs from tests/fixtures/{file} at byte {at} ({} vs {} bytes)",
                    copy.len(),
                    original.len()
                ));
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "fixture copies out of step:\n{}", problems.join("\n"));
}

#[test]
fn fixtures_holds_only_what_src_embeds() {
    let embedded = embedded_fixtures();
    let present: BTreeSet<String> = files_under(&crate_dir().join("fixtures"))
        .into_iter()
        .filter(|f| !DOCS.contains(&f.as_str()))
        .collect();
    let unused: Vec<_> = present.iter().filter(|f| !embedded.contains_key(*f)).collect();
    assert!(
        unused.is_empty(),
        "copied but not embedded (remove them from testing/fixtures/): {unused:?}"
    );
    let missing: Vec<_> = embedded.keys().filter(|f| !present.contains(*f)).collect();
    assert!(missing.is_empty(), "embedded but not in testing/fixtures/: {missing:?}");
}

#[test]
fn every_copy_keeps_its_original_credit_and_licence() {
    let present: BTreeSet<String> = files_under(&crate_dir().join("fixtures"))
        .into_iter()
        .filter(|f| !DOCS.contains(&f.as_str()))
        .collect();
    let ours = source_rows(&read(&crate_dir().join("fixtures/SOURCES.md")));
    let theirs = source_rows(&read(&repo_dir().join("tests/fixtures/SOURCES.md")));
    let licences = read(&crate_dir().join("fixtures/LICENSES.md"));
    let mut problems = Vec::new();
    for file in &present {
        match (ours.get(file).map(Vec::as_slice), theirs.get(file).map(Vec::as_slice)) {
            (None | Some([]), _) => {
                problems.push(format!("{file}: no row in testing/fixtures/SOURCES.md"))
            }
            (Some([_, _, ..]), _) => {
                problems.push(format!("{file}: more than one row in testing/fixtures/SOURCES.md"))
            }
            (_, None | Some([])) => {
                problems.push(format!("{file}: no row in tests/fixtures/SOURCES.md"))
            }
            (Some([row]), Some(original)) => {
                if !original.contains(row) {
                    problems
                        .push(format!("{file}: its row differs from tests/fixtures/SOURCES.md"));
                }
                let licence = row.split(" | ").nth(2).unwrap_or_default();
                if licence.is_empty() || !licences.contains(&format!("| {licence} |")) {
                    problems.push(format!(
                        "{file}: licence {licence:?} not listed in testing/fixtures/LICENSES.md"
                    ));
                }
            }
        }
    }
    for file in ours.keys().filter(|f| !present.contains(*f)) {
        problems.push(format!("testing/fixtures/SOURCES.md credits {file}, which is not there"));
    }
    assert!(problems.is_empty(), "fixture credits out of step:\n{}", problems.join("\n"));
}

#[test]
fn the_crate_licence_files_are_the_repository_ones() {
    for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let ours = fs::read(crate_dir().join(name)).unwrap();
        let theirs = fs::read(repo_dir().join(name)).unwrap();
        assert!(ours == theirs, "testing/{name} differs from the repository's {name}");
    }
}

/// The scanner itself: each form of include it vouches for, and each it refuses.
#[test]
fn the_scanner_finds_every_include_and_refuses_what_it_cannot_read() {
    let src = r####"
// include_str!("../fixtures/in-a-comment.txt") is not an include
/* nor include_str!("../fixtures/in-a-block-comment.txt") */
macro_rules! answer {
    ($path:literal) => {
        include_str!(concat!("../fixtures/rdap/", $path))
    };
}
const QUOTE: char = '"';
const RAW: &str = r#"answer!("not/a/call.json") "still raw""#;
const ONE: &str = answer!("ip/one.json");
const TWO: &str = include_str!(
    "../fixtures/whois/two.txt"
);
const THREE: &[u8] = include_bytes!("../../tests/fixtures/three.bin");
fn f<'a>(s: &'a str) -> &'a str { s }
"####;
    assert_eq!(
        embedded_paths(src).unwrap(),
        [
            "../fixtures/whois/two.txt",
            "../../tests/fixtures/three.bin",
            "../fixtures/rdap/ip/one.json"
        ]
    );
    for refused in [
        r#"const X: &str = include_str!(PATH);"#,
        r#"const X: &str = include_str!(concat!(env!("OUT_DIR"), "/x"));"#,
        r#"const X: &str = include_str!(concat!("../fixtures/", "x.txt"));"#,
        "macro_rules! m { ($p:expr) => { include_str!(concat!(\"../fixtures/\", $p)) }; }\nconst X: &str = m!(P);",
    ] {
        assert!(embedded_paths(refused).is_err(), "accepted: {refused}");
    }
    assert_eq!(
        normalise(Path::new("/w/testing/src/../fixtures/./rdap/x.json")),
        Path::new("/w/testing/fixtures/rdap/x.json")
    );
}
