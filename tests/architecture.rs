//! Architecture: the crate's modules import one another without cycles, and only downward
//! through the layers of [`LAYERS`].
//!
//! The test reads `src/**/*.rs` as text, from `src/lib.rs` down its `mod x;` declarations.
//! Each file is a module. An arrow A -> B means that A's code names an item that B defines:
//! by `use crate::…`, `use super::…`, `use self::…`, `use child::…` (grouped, nested and
//! renamed uses included), or by an inline path (`crate::dns::resolve(…)`, `super::Shared`,
//! `child::f()`, or `fetch::get_json(…)` after `use crate::rdap::fetch`). A path is followed
//! through re-exports (`pub use x::Item`, chained too) to the module that defines the item;
//! a re-export is an arrow of its own only where its file also names the item, and declaring
//! `mod child;` is none. Comments, string and char literals and `#[cfg(test)]` items are
//! skipped; a `#[cfg(test)] mod x;` file is no module. What the text cannot show (a method
//! called on a value whose type comes from elsewhere) draws no arrow.
//!
//! Reading a failure:
//! - `import cycle of N modules: …`, then every arrow inside the cycle as
//!   `src/a.rs -> src/b.rs: X, y` (the names that a takes from b). Remove arrows (move the
//!   named items, or pass them in) until no cycle is left.
//! - `arrow back up (stages -> pipeline): src/a.rs -> src/b.rs: X`: a module of a lower
//!   layer names an item of a higher one. Move the item down, or the code that names it up.
//! - `module x (src/x.rs) is in no layer`: add a prefix for it to `LAYERS`.
//!
//! The layers, the modules with their lines, and every arrow:
//! `cargo test --test architecture -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The layers from top to bottom: a name, then the module paths it holds (`rdap` holds `rdap`
/// and `rdap::extract`; the longest matching prefix wins). Code may name items of its own
/// layer and of the layers below. The crate root (`lib.rs`) stands above them all.
#[rustfmt::skip]
const LAYERS: &[(&str, &[&str])] = &[
    ("api", &["client", "seam", "fake", "bulk", "results", "refresh", "notices", "guide"]),
    ("pipeline", &["lookup"]),
    ("stages", &["network", "registration"]),
    ("notices", &["notice", "summary"]),
    ("hosting", &["provider", "contacts"]),
    ("sources", &["rdap", "whois", "asn", "dns", "abuse"]),
    ("transport and caches", &["transport", "cache"]),
    ("foundation", &[
        "config", "record", "error", "clock", "deadline", "stats", "input", "registries", "future", "channel",
        "fields", "text", "rir", "schema",
    ]),
];

const ROOT: &str = "crate";

/// One leaf of a `use` tree: the path as written, the name it binds, and whether it is `pub`
/// in any form (a re-export). A glob binds `*` and its path is the module.
#[derive(Debug)]
struct Use {
    path: Vec<String>,
    local: String,
    public: bool,
}

/// What one file says about names, with comments, literals and test-only items left out.
#[derive(Debug, Default)]
struct Parsed {
    /// `mod x;` declarations.
    mods: Vec<String>,
    uses: Vec<Use>,
    /// Paths of two segments or more outside `use` declarations (`crate::a::f`, `Stage::Dns`).
    paths: Vec<Vec<String>>,
    /// Every identifier outside `use` and `mod` declarations.
    named: BTreeSet<String>,
}

#[derive(Debug)]
struct Module {
    file: String,
    lines: usize,
    parsed: Parsed,
}

/// Module path (`crate`, `rdap`, `rdap::extract`) → module.
type Modules = BTreeMap<String, Module>;
/// (from, to) → the names that `from` takes from `to`.
type Edges = BTreeMap<(String, String), BTreeSet<String>>;

/// Blanks comments, strings (also raw and byte strings) and char literals; keeps lifetimes.
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    // The index after the first `close` from `i` on, stepping over `\x` escapes if asked.
    let past = |mut i: usize, close: &[char], escapes: bool| {
        while i < c.len() && !c[i..].starts_with(close) {
            i += if escapes && c[i] == '\\' { 2 } else { 1 };
        }
        i + close.len()
    };
    let (mut out, mut i) = (String::new(), 0);
    while i < c.len() {
        let word_start = i == 0 || !(at(i - 1).is_alphanumeric() || at(i - 1) == '_');
        let raw = match (c[i], at(i + 1)) {
            ('r', _) if word_start => Some(i + 1),
            ('b', 'r') if word_start => Some(i + 2),
            _ => None,
        };
        let hashes = raw.map_or(0, |r| (r..).take_while(|&k| at(k) == '#').count());
        let raw_quote = raw.map(|r| r + hashes).filter(|&q| at(q) == '"');
        let (next, blank) = match (c[i], at(i + 1), raw_quote) {
            (_, _, Some(q)) => {
                let close: Vec<char> =
                    ['"'].into_iter().chain(std::iter::repeat_n('#', hashes)).collect();
                (past(q + 1, &close, false), "\"\"")
            }
            ('/', '/', _) => (past(i, &['\n'], false) - 1, ""),
            ('/', '*', _) => {
                let (mut depth, mut j) = (0, i);
                while j < c.len() {
                    let pair = [c[j], at(j + 1)];
                    depth += i32::from(pair == ['/', '*']) - i32::from(pair == ['*', '/']);
                    j += if pair == ['/', '*'] || pair == ['*', '/'] { 2 } else { 1 };
                    if depth == 0 {
                        break;
                    }
                }
                (j, " ")
            }
            ('"', _, _) => (past(i + 1, &['"'], true), "\"\""),
            ('\'', n, _) if n == '\\' || at(i + 2) == '\'' => (past(i + 1, &['\''], true), "' '"),
            _ => (i + 1, ""),
        };
        if next == i + 1 && blank.is_empty() {
            out.push(c[i]);
        }
        out.push_str(blank);
        i = next;
    }
    out
}

fn tokens(clean: &str) -> Vec<String> {
    let c: Vec<char> = clean.chars().collect();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < c.len() {
        let start = i;
        if c[i].is_alphanumeric() || c[i] == '_' {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else if c[i..].starts_with(&[':', ':']) || c[i..].starts_with(&['-', '>']) {
            i += 2;
        } else {
            i += 1;
        }
        if !c[start].is_whitespace() {
            out.push(c[start..i].iter().collect());
        }
    }
    out
}

fn is_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

fn tok(t: &[String], i: usize) -> &str {
    t.get(i).map_or("", String::as_str)
}

/// Evaluates the cfg predicate at `t[*i]` for a build without `test`: `Some(false)` when the
/// item exists only in tests, `None` when it depends on something else (a feature).
fn cfg_value(t: &[String], i: &mut usize) -> Option<bool> {
    let word = tok(t, *i).to_string();
    *i += 1;
    let mut args = Vec::new();
    if tok(t, *i) == "(" {
        *i += 1;
        while !matches!(tok(t, *i), ")" | "") {
            args.push(cfg_value(t, i));
            if tok(t, *i) == "," {
                *i += 1;
            }
        }
        *i += 1;
    }
    if tok(t, *i) == "=" {
        *i += 3; // `= ""`: the string was blanked
    }
    let has = |v: bool| args.contains(&Some(v));
    match word.as_str() {
        "test" => Some(false),
        "not" => args.first().copied().flatten().map(|v| !v),
        "cfg" | "all" if has(false) => Some(false),
        "any" if has(true) => Some(true),
        "cfg" | "all" | "any" if args.iter().all(Option::is_some) => Some(word != "any"),
        _ => None,
    }
}

/// The index after the bracket group that opens at `t[i]`.
fn group_end(t: &[String], mut i: usize) -> usize {
    let mut depth = 0;
    while i < t.len() {
        depth += i32::from(matches!(tok(t, i), "(" | "[" | "{"));
        depth -= i32::from(matches!(tok(t, i), ")" | "]" | "}"));
        i += 1;
        if depth == 0 {
            break;
        }
    }
    i
}

/// The index after the item that starts at `t[i]` (after its attributes): after its `;` or
/// its `{…}` block. A field, statement or match arm (no item keyword) also ends at a `,`; a
/// closing bracket of the enclosing scope ends any of them.
fn skip_item(t: &[String], mut i: usize) -> usize {
    const ITEMS: &[&str] =
        &["fn", "mod", "impl", "struct", "enum", "trait", "use", "const", "static", "type"];
    let mut k = i;
    while matches!(tok(t, k), "#" | "pub" | "[" | "(" | "unsafe" | "async" | "extern") {
        k = if matches!(tok(t, k), "[" | "(") { group_end(t, k) } else { k + 1 };
    }
    let is_item = ITEMS.contains(&tok(t, k));
    while i < t.len() {
        match tok(t, i) {
            "(" | "[" => i = group_end(t, i),
            "{" => return group_end(t, i),
            ")" | "]" | "}" => return i,
            ";" => return i + 1,
            "," if !is_item => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Expands the use tree at `t[i..]` under `prefix` into `out`; returns the index after it.
fn use_tree(t: &[String], mut i: usize, mut prefix: Vec<String>, out: &mut Vec<Use>) -> usize {
    loop {
        match tok(t, i) {
            "::" => i += 1,
            "{" => {
                i += 1;
                while !matches!(tok(t, i), "}" | "") {
                    i = use_tree(t, i, prefix.clone(), out);
                    i += usize::from(tok(t, i) == ",");
                }
                return i + 1;
            }
            "*" => {
                out.push(Use { path: prefix, local: "*".into(), public: false });
                return i + 1;
            }
            word if is_ident(word) && tok(t, i + 1) == "::" => {
                prefix.push(word.into());
                i += 2;
            }
            word if is_ident(word) => {
                let renamed = tok(t, i + 1) == "as";
                let mut local = if renamed { tok(t, i + 2) } else { word }.to_string();
                if word == "self" && !renamed {
                    local = prefix.last().cloned().unwrap_or_default();
                } else if word != "self" {
                    prefix.push(word.into());
                }
                out.push(Use { path: prefix, local, public: false });
                return i + if renamed { 3 } else { 1 };
            }
            _ => return i + 1,
        }
    }
}

fn parse(text: &str) -> Parsed {
    let t = tokens(&strip(text));
    let mut p = Parsed::default();
    let mut i = 0;
    while i < t.len() {
        let word = t[i].as_str();
        if word == "#" && tok(&t, i + 1) == "[" && tok(&t, i + 2) == "cfg" {
            let mut end = i + 2;
            if cfg_value(&t, &mut end) == Some(false) {
                i = skip_item(&t, end + 1);
                continue;
            }
        }
        if word == "use" {
            let stops = |w: &&String| !matches!(w.as_str(), ";" | "{" | "}" | "]");
            let public = t[..i].iter().rev().take_while(stops).any(|w| w == "pub");
            let first = p.uses.len();
            i = use_tree(&t, i + 1, Vec::new(), &mut p.uses);
            p.uses[first..].iter_mut().for_each(|u| u.public = public);
        } else if word == "mod" && tok(&t, i + 2) == ";" {
            p.mods.push(t[i + 1].clone());
            i += 3;
        } else if is_ident(word) && tok(&t, i.wrapping_sub(1)) != "::" {
            let mut path = vec![t[i].clone()];
            while tok(&t, i + 1) == "::" && is_ident(tok(&t, i + 2)) {
                path.push(t[i + 2].clone());
                i += 2;
            }
            p.named.extend(path.iter().cloned());
            if path.len() > 1 {
                p.paths.push(path);
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    p
}

fn child(parent: &str, name: &str) -> String {
    if parent == ROOT { name.to_string() } else { format!("{parent}::{name}") }
}

fn parent(module: &str) -> &str {
    module.rsplit_once("::").map_or(ROOT, |(p, _)| p)
}

/// Reads the crate from `src/lib.rs` down its `mod` declarations; `read` maps a path
/// relative to the package root to the file's text.
fn load(read: &dyn Fn(&str) -> Option<String>) -> Modules {
    let mut modules = Modules::new();
    let mut todo = vec![(ROOT.to_string(), "src/lib.rs".to_string())];
    while let Some((name, file)) = todo.pop() {
        let text = read(&file).unwrap_or_else(|| panic!("cannot read {file}"));
        let parsed = parse(&text);
        let dir = match file.strip_suffix("mod.rs") {
            _ if file == "src/lib.rs" => "src/".to_string(),
            Some(dir) => dir.to_string(),
            None => format!("{}/", file.trim_end_matches(".rs")),
        };
        for m in &parsed.mods {
            let flat = format!("{dir}{m}.rs");
            let path = if read(&flat).is_some() { flat } else { format!("{dir}{m}/mod.rs") };
            todo.push((child(&name, m), path));
        }
        modules.insert(name, Module { file, lines: text.lines().count(), parsed });
    }
    modules
}

fn load_crate() -> Modules {
    let root = env!("CARGO_MANIFEST_DIR");
    load(&|file| std::fs::read_to_string(format!("{root}/{file}")).ok())
}

/// The module that defines what `path`, written in `from`, names, and the item's name (`None`
/// when the path names a module). `None` for paths outside the crate.
fn resolve(
    modules: &Modules,
    from: &str,
    path: &[String],
    depth: usize,
) -> Option<(String, Option<String>)> {
    let first = path.first()?.as_str();
    let supers = path.iter().take_while(|s| *s == "super").count();
    let (mut cur, rest) = match first {
        "crate" => (ROOT.to_string(), &path[1..]),
        "self" => (from.to_string(), &path[1..]),
        "super" => ((0..supers).fold(from, |m, _| parent(m)).to_string(), &path[supers..]),
        _ if modules.contains_key(&child(from, first)) => (child(from, first), &path[1..]),
        _ => (from.to_string(), path),
    };
    for (k, seg) in rest.iter().enumerate() {
        if modules.contains_key(&child(&cur, seg)) {
            cur = child(&cur, seg);
            continue;
        }
        let Some(u) = modules[&cur].parsed.uses.iter().find(|u| u.local == *seg) else {
            // An unknown first segment is outside the crate (`std::…`, `Self::…`).
            return (k > 0 || rest.len() < path.len()).then(|| (cur, Some(seg.clone())));
        };
        if depth > 16 {
            return None;
        }
        let full: Vec<String> = u.path.iter().chain(&rest[k + 1..]).cloned().collect();
        return resolve(modules, &cur, &full, depth + 1);
    }
    Some((cur, None))
}

/// Every arrow of the crate with the names that cause it.
fn edges(modules: &Modules) -> Edges {
    let mut edges = Edges::new();
    for (name, m) in modules {
        let p = &m.parsed;
        let used =
            p.uses.iter().filter(|u| !u.public || u.local == "*" || p.named.contains(&u.local));
        let paths =
            used.map(|u| (&u.path, u.local == "*")).chain(p.paths.iter().map(|p| (p, false)));
        for (path, glob) in paths {
            let Some((to, item)) = resolve(modules, name, path, 0) else { continue };
            let Some(item) = item.or_else(|| glob.then(|| "*".to_string())) else { continue };
            if to != *name {
                edges.entry((name.clone(), to)).or_default().insert(item);
            }
        }
    }
    edges
}

/// The strongly connected components of more than one module: the sets of modules that
/// each reach all the others along arrows. Each is sorted; they come in module order.
fn cycles(modules: &Modules, edges: &Edges) -> Vec<Vec<String>> {
    let reach = |from: &String| {
        let (mut seen, mut todo) = (BTreeSet::new(), vec![from]);
        while let Some(m) = todo.pop() {
            for (_, to) in edges.keys().filter(|(a, _)| a == m) {
                if seen.insert(to) {
                    todo.push(to);
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<&String>> =
        modules.keys().map(|m| (m, reach(m))).collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    for (m, ahead) in &reach {
        let scc: Vec<String> =
            ahead.iter().filter(|u| reach[*u].contains(m)).map(|u| u.to_string()).collect();
        if scc.len() > 1 && !found.contains(&scc) {
            found.push(scc);
        }
    }
    found
}

/// The layer of a module: (position from the top, name); the crate root is 0, above all.
fn layer_of<'a>(layers: &[(&'a str, &[&str])], module: &str) -> Option<(usize, &'a str)> {
    if module == ROOT {
        return Some((0, "crate root"));
    }
    let mut best = None;
    for (k, (name, prefixes)) in layers.iter().enumerate() {
        for p in prefixes.iter() {
            let holds = module == *p || module.starts_with(&format!("{p}::"));
            if holds && best.is_none_or(|(len, _, _)| p.len() > len) {
                best = Some((p.len(), k + 1, *name));
            }
        }
    }
    best.map(|(_, k, name)| (k, name))
}

/// `src/a.rs -> src/b.rs: X, y`
fn arrow(modules: &Modules, (from, to): &(String, String), names: &BTreeSet<String>) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    format!("{} -> {}: {}", modules[from].file, modules[to].file, names.join(", "))
}

fn import_cycles(modules: &Modules, edges: &Edges) -> Vec<String> {
    let mut problems = Vec::new();
    for scc in cycles(modules, edges) {
        let files: Vec<&str> = scc.iter().map(|m| modules[m].file.as_str()).collect();
        let mut text = format!("import cycle of {} modules: {}", scc.len(), files.join(", "));
        for (ends, names) in edges.iter().filter(|((a, b), _)| scc.contains(a) && scc.contains(b)) {
            write!(text, "\n  {}", arrow(modules, ends, names)).unwrap();
        }
        problems.push(text);
    }
    problems
}

fn layering(modules: &Modules, edges: &Edges, layers: &[(&str, &[&str])]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, m) in modules.iter().filter(|(name, _)| layer_of(layers, name).is_none()) {
        problems.push(format!("module {name} ({}) is in no layer: add it to LAYERS", m.file));
    }
    for (ends, names) in edges {
        let (Some((up, a)), Some((down, b))) =
            (layer_of(layers, &ends.0), layer_of(layers, &ends.1))
        else {
            continue;
        };
        if up > down {
            problems.push(format!("arrow back up ({a} -> {b}): {}", arrow(modules, ends, names)));
        }
    }
    problems
}

#[test]
fn no_import_cycles() {
    let modules = load_crate();
    let problems = import_cycles(&modules, &edges(&modules));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_arrow_runs_back_up_the_layers() {
    let modules = load_crate();
    let problems = layering(&modules, &edges(&modules), LAYERS);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
#[ignore = "prints the module graph; run with --ignored --nocapture"]
fn print_module_graph() {
    let modules = load_crate();
    let edges = edges(&modules);
    let layers = std::iter::once("crate root").chain(LAYERS.iter().map(|(name, _)| *name));
    for (k, layer) in layers.enumerate() {
        let held: Vec<&Module> = modules
            .iter()
            .filter(|(m, _)| layer_of(LAYERS, m).map(|l| l.0) == Some(k))
            .map(|(_, m)| m)
            .collect();
        let lines: usize = held.iter().map(|m| m.lines).sum();
        println!("{layer}: {} modules, {lines} lines", held.len());
        held.iter().for_each(|m| println!("  {:<30} {:>5}", m.file, m.lines));
    }
    for (name, m) in modules.iter().filter(|(name, _)| layer_of(LAYERS, name).is_none()) {
        println!("in no layer: {name} ({})", m.file);
    }
    let in_cycles: usize = cycles(&modules, &edges).iter().map(Vec::len).sum();
    println!("{} modules, {} arrows, {in_cycles} modules in cycles", modules.len(), edges.len());
    edges.iter().for_each(|(ends, names)| println!("  {}", arrow(&modules, ends, names)));
}

/// A small crate: each file starts with a `== path` line.
const SAMPLE: &str = r##"
== src/lib.rs
//! `use crate::c::InDocs;` in a doc comment is no import.
mod a;
mod b;
mod c;
#[cfg(test)]
mod helpers;
pub use c::Reexported;
== src/a.rs
use crate::{b::{self, Thing, Renamed as Other}, c::Chain as _};
use crate::b::Chain;
/* use crate::c::Hidden; /* nested */ crate::c::StillHidden */
const S: &str = "crate::c::InString";
const R: &str = r#"crate::c::InRaw "quoted""#;
const OPEN: char = '{';
fn f<'x>(s: &'x str) -> &'x str { b::g(); crate::Reexported; s }
#[cfg(test)]
mod tests {
    use crate::c::OnlyInTests;
    const CLOSE: char = '}';
}
#[cfg(all(test, feature = "x"))]
fn helper() { crate::c::AlsoTestOnly; }
#[cfg(feature = "x")]
fn with_feature() { crate::c::h(); }
struct Fields {
    #[cfg(test)]
    probe: crate::c::TestField,
    kept: crate::c::Field,
}
== src/b/mod.rs
mod inner;
pub(crate) use inner::{Deep, Other as Renamed};
pub use self::inner::Chain;
pub fn g() -> Deep { Deep }
pub struct Thing;
== src/b/inner.rs
pub struct Deep;
pub struct Other;
pub use crate::c::Chain;
pub fn up() { crate::c::h() }
== src/c.rs
pub struct Chain;
pub struct Reexported;
pub fn h() { super::b::g(); }
"##;

#[test]
fn comments_strings_and_chars_are_blanked() {
    let text = "a /* b /* c */ d */ e // f\n\"g \\\" h\" r#\"i \"j\"# k '{' '\\'' <'l> b\"m\"";
    assert_eq!(tokens(&strip(text)).join(" "), "a e \" \" \" \" k ' ' ' ' < ' l > b \" \"");
}

#[test]
fn use_trees_expand_to_one_leaf_per_name() {
    let p = parse("pub(crate) use crate::{a::X, b::{Y, z::{self, Z as W}}, c::*};\nuse std::fmt;");
    let leaves: Vec<String> = p
        .uses
        .iter()
        .map(|u| {
            format!("{} as {}{}", u.path.join("::"), u.local, if u.public { " (pub)" } else { "" })
        })
        .collect();
    assert_eq!(
        leaves.join("\n"),
        "\
crate::a::X as X (pub)
crate::b::Y as Y (pub)
crate::b::z as z (pub)
crate::b::z::Z as W (pub)
crate::c as * (pub)
std::fmt as fmt"
    );
}

#[test]
fn arrows_follow_re_exports_and_skip_comments_strings_and_tests() {
    let files: BTreeMap<&str, &str> =
        SAMPLE.split("\n== ").skip(1).filter_map(|file| file.split_once('\n')).collect();
    let modules = load(&|file| files.get(file).map(|text| text.to_string()));
    let edges = edges(&modules);
    let arrows: Vec<String> =
        edges.iter().map(|(ends, names)| arrow(&modules, ends, names)).collect();
    assert_eq!(
        arrows.join("\n"),
        "\
src/a.rs -> src/b/mod.rs: Thing, g
src/a.rs -> src/b/inner.rs: Other
src/a.rs -> src/c.rs: Chain, Field, Reexported, h
src/b/mod.rs -> src/b/inner.rs: Deep
src/b/inner.rs -> src/c.rs: h
src/c.rs -> src/b/mod.rs: g"
    );
    assert_eq!(
        import_cycles(&modules, &edges).join("\n"),
        "\
import cycle of 3 modules: src/b/mod.rs, src/b/inner.rs, src/c.rs
  src/b/mod.rs -> src/b/inner.rs: Deep
  src/b/inner.rs -> src/c.rs: h
  src/c.rs -> src/b/mod.rs: g"
    );
    let layers: &[(&str, &[&str])] = &[("middle", &["c", "b::inner"]), ("bottom", &["b"])];
    assert_eq!(
        layering(&modules, &edges, layers).join("\n"),
        "\
module a (src/a.rs) is in no layer: add it to LAYERS
arrow back up (bottom -> middle): src/b/mod.rs -> src/b/inner.rs: Deep"
    );
}
