//! The exact aggregation of `data/providers/build_ranges.py`, ported rule for rule: exact
//! duplicates keep the higher-priority label (the first read on an equal priority); a prefix
//! whose nearest enclosing prefix has the same label is dropped; two sibling prefixes with
//! the same label are merged into their parent (repeated until nothing changes); then the
//! reduced table is checked to answer as the full input does (most specific prefix wins) at
//! both ends and both neighbours of every input prefix. Also the table text it writes, and
//! the rows of a provider read back from a table. No I/O.

use std::collections::{BTreeMap, HashMap};

use super::lists::{Label, Prefix, RangeList};

/// Prefix → label, ordered by (version, address, length).
pub(crate) type Table = BTreeMap<Prefix, Label>;

/// The result of [`build`]: the reduced table and the counts the header gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Built {
    pub(crate) table: Table,
    /// Prefixes read, duplicates included.
    pub(crate) inputs: usize,
    /// Distinct prefixes.
    pub(crate) unique: usize,
}

/// Exact duplicates: keep the highest-priority label (build_ranges.py `dedupe`).
fn dedupe(entries: &[(Prefix, Label)]) -> Table {
    let mut best = Table::new();
    for &(net, label) in entries {
        match best.get(&net) {
            Some(old) if label.priority() <= old.priority() => {
                if *old != label && label.priority() == old.priority() {
                    tracing::debug!(%net, kept = %old, other = %label, "exact tie between lists");
                }
            }
            _ => {
                best.insert(net, label);
            }
        }
    }
    best
}

/// Drop a prefix whose nearest enclosing kept prefix carries the same label
/// (build_ranges.py `drop_redundant`).
fn drop_redundant(table: &Table) -> Table {
    let mut stack: Vec<(Prefix, Label)> = Vec::new();
    let mut keep = Table::new();
    for (&net, &label) in table {
        while stack.last().is_some_and(|(top, _)| !net.is_subnet_of(*top)) {
            stack.pop();
        }
        if stack.last().is_some_and(|(_, l)| *l == label) {
            continue;
        }
        keep.insert(net, label);
        stack.push((net, label));
    }
    keep
}

/// Merge same-label siblings into their parent until nothing changes, dropping redundant
/// prefixes after each round (build_ranges.py `merge_siblings`).
fn merge_siblings(mut table: Table) -> Table {
    let mut changed = true;
    while changed {
        changed = false;
        let keys: Vec<Prefix> = table.keys().rev().copied().collect();
        for net in keys {
            if !table.contains_key(&net) || net.len == 0 {
                continue;
            }
            let Some(parent) = net.supernet() else { continue };
            let Some((a, b)) = parent.halves() else { continue };
            match (table.get(&a), table.get(&b)) {
                (Some(la), Some(lb)) if la == lb => {
                    let label = *la;
                    table.remove(&a);
                    table.remove(&b);
                    table.insert(parent, label);
                    changed = true;
                }
                _ => {}
            }
        }
        table = drop_redundant(&table);
    }
    table
}

/// Most-specific-prefix answers over a table, by prefix length (build_ranges.py
/// `lookup_fn`).
struct Lookup {
    /// (IPv6, length) → network address → label, longest lengths first.
    by_len: Vec<((bool, u8), HashMap<u128, Label>)>,
}

impl Lookup {
    fn new(table: &Table) -> Self {
        let mut by_len: BTreeMap<(bool, u8), HashMap<u128, Label>> = BTreeMap::new();
        for (net, label) in table {
            by_len.entry((net.v6, net.len)).or_default().insert(net.addr, *label);
        }
        let mut by_len: Vec<_> = by_len.into_iter().collect();
        by_len.sort_by_key(|entry| std::cmp::Reverse(entry.0.1));
        Self { by_len }
    }

    fn find(&self, v6: bool, addr: u128) -> Option<Label> {
        self.by_len
            .iter()
            .filter(|((v, _), _)| *v == v6)
            .find_map(|((_, len), nets)| nets.get(&Prefix::masked(v6, addr, *len)).copied())
    }
}

/// Reduce `entries` (in list order) exactly; `Err` names the first address whose answer the
/// reduction would change (the script exits there; this never happens on sound input).
pub(crate) fn build(entries: &[(Prefix, Label)]) -> Result<Built, String> {
    let original = dedupe(entries);
    let table = merge_siblings(drop_redundant(&original));
    let (old, new) = (Lookup::new(&original), Lookup::new(&table));
    for net in original.keys() {
        for addr in [net.addr, net.last()] {
            let below = addr.saturating_sub(1);
            let above = if addr < net.max_addr() { addr + 1 } else { addr };
            for probe in [addr, below, above] {
                if old.find(net.v6, probe) != new.find(net.v6, probe) {
                    let at = Prefix { v6: net.v6, addr: probe, len: net.bits() };
                    return Err(format!("aggregation changed the answer for {at}"));
                }
            }
        }
    }
    Ok(Built { inputs: entries.len(), unique: original.len(), table })
}

/// The `cidr provider_id kind` lines of `table`, sorted, after the `#` header lines given.
pub(crate) fn render(header: &[String], built: &Built) -> String {
    let mut out = String::with_capacity(built.table.len() * 32 + 1024);
    for line in header {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!(
        "# Inputs: {} prefixes ({} unique); kept {}.\n",
        built.inputs,
        built.unique,
        built.table.len()
    ));
    for (net, label) in &built.table {
        out.push_str(&format!("{net} {label}\n"));
    }
    out
}

/// The rows of `table_text` (a range table) that carry one of `list`'s labels in its address
/// families, in table order: what a list that cannot be fetched contributes (its provider's
/// ranges as the current table has them).
pub(crate) fn rows_of(table_text: &str, list: RangeList) -> Vec<(Prefix, Label)> {
    let families = list.families();
    table_text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let net = Prefix::parse(fields.next()?)?;
            let (provider, kind) = (fields.next()?, fields.next()?);
            let label =
                list.labels().iter().find(|l| l.provider == provider && l.kind == kind).copied()?;
            families.holds(net.v6).then_some((net, label))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn p(text: &str) -> Prefix {
        Prefix::parse(text).unwrap()
    }

    fn label(list: RangeList, i: usize) -> Label {
        list.labels()[i]
    }

    fn lines(built: &Built) -> Vec<String> {
        built.table.iter().map(|(n, l)| format!("{n} {l}")).collect()
    }

    /// The four rules on a small synthesised input: the CloudFront label wins the exact tie,
    /// the inner same-label prefix goes, the two halves merge, and a prefix of another
    /// provider nested inside stays.
    #[test]
    fn ties_redundancy_and_siblings() {
        let aws = label(RangeList::Aws, 0);
        let cloudfront = label(RangeList::Aws, 1);
        let github = label(RangeList::GitHub, 0);
        let entries = vec![
            (p("3.0.0.0/15"), aws),
            (p("3.0.4.0/22"), aws),
            (p("13.32.0.0/15"), aws),
            (p("13.32.0.0/15"), cloudfront),
            (p("140.82.112.0/21"), github),
            (p("140.82.120.0/21"), github),
            (p("3.1.0.0/24"), github),
            (p("3.1.0.0/26"), aws),
        ];
        let built = build(&entries).unwrap();
        assert_eq!(
            lines(&built),
            vec![
                "3.0.0.0/15 aws cloud",
                "3.1.0.0/24 github platform",
                "3.1.0.0/26 aws cloud",
                "13.32.0.0/15 aws-cloudfront cdn",
                "140.82.112.0/20 github platform",
            ]
        );
        assert_eq!((built.inputs, built.unique), (8, 7));
    }

    #[test]
    fn prefixes_parse_strictly_and_print_as_python_does() {
        assert_eq!(p("2a06:98c0::/29").to_string(), "2a06:98c0::/29");
        assert_eq!(p("1.2.3.4").to_string(), "1.2.3.4/32");
        assert_eq!(Prefix::parse("1.2.3.4/24"), None, "host bits set");
        assert_eq!(Prefix::parse("1.2.3.0/33"), None);
        assert_eq!(Prefix::parse("1.2.3.0/"), None);
        assert_eq!(Prefix::parse("example.com/24"), None);
        assert_eq!(p("0.0.0.0/0").last(), u128::from(u32::MAX));
        assert!(p("3.1.0.0/26").is_subnet_of(p("3.0.0.0/15")));
        assert!(!p("2600::/16").is_subnet_of(p("0.0.0.0/0")));
    }

    #[test]
    fn rows_of_a_provider_in_its_families() {
        let table = "# header\n104.16.0.0/13 cloudflare cdn\n3.0.0.0/15 aws cloud\n\
                     2606:4700::/32 cloudflare cdn\n13.32.0.0/15 aws-cloudfront cdn\n";
        let v6: Vec<_> = rows_of(table, RangeList::CloudflareV6)
            .into_iter()
            .map(|(n, l)| format!("{n} {l}"))
            .collect();
        assert_eq!(v6, vec!["2606:4700::/32 cloudflare cdn"]);
        assert_eq!(rows_of(table, RangeList::Aws).len(), 2);
        assert!(rows_of(table, RangeList::Azure).is_empty());
    }
}

#[cfg(test)]
mod shipped {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::Path;

    use super::*;
    use crate::refresh::lists::parse;

    const SHIPPED: &str = include_str!("../../data/providers/ranges.txt");

    /// The lists of `lists` read from `dir` under build_ranges.py's file names, in its order.
    fn entries(dir: &Path, lists: &[RangeList]) -> Vec<(Prefix, Label)> {
        let mut entries = Vec::new();
        for list in RangeList::ALL.into_iter().filter(|l| lists.contains(l)) {
            let files: &[&str] = match list {
                RangeList::CloudflareV4 => &["cloudflare-v4-ip-ranges.txt"],
                RangeList::CloudflareV6 => &["cloudflare-v6-ip-ranges.txt"],
                RangeList::Akamai => &["akamai-v4-ip-ranges.txt", "akamai-v6-ip-ranges.txt"],
                RangeList::Fastly => &["fastly-ip-ranges.json"],
                RangeList::Aws => &["aws-ip-ranges.json"],
                RangeList::GoogleCloud => &["google-cloud-ip-ranges.json"],
                RangeList::Azure => &["microsoft-azure-ip-ranges.json"],
                RangeList::Oracle => &["oracle-cloud-ip-ranges.json"],
                RangeList::DigitalOcean => &["digitalocean.csv"],
                RangeList::Linode => &["linode.txt"],
                RangeList::GitHub => &["github-ip-ranges.json"],
                RangeList::Zscaler => &["zscaler-cloud-ip-ranges.json"],
            };
            for file in files {
                let body = std::fs::read(dir.join(file)).unwrap();
                entries.extend(parse(list, &body).unwrap().prefixes);
            }
        }
        entries
    }

    fn table_lines(built: &Built) -> Vec<String> {
        built.table.iter().map(|(n, l)| format!("{n} {l}")).collect()
    }

    /// The nine providers whose published lists are in tests/fixtures/providers (all but
    /// AWS and Azure, whose files are over 1 MB): the Rust build gives exactly the shipped
    /// table's lines of those providers, in its order.
    #[test]
    fn fixture_lists_build_the_shipped_lines_of_their_providers() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/providers");
        let lists: Vec<_> = RangeList::ALL
            .into_iter()
            .filter(|l| !matches!(l, RangeList::Aws | RangeList::Azure))
            .collect();
        let built = build(&entries(&dir, &lists)).unwrap();
        let providers: Vec<&str> =
            lists.iter().flat_map(|l| l.labels().iter().map(|l| l.provider)).collect();
        let shipped: Vec<&str> = SHIPPED
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| l.split(' ').nth(1).is_some_and(|p| providers.contains(&p)))
            .collect();
        assert_eq!(shipped.len(), 1_720);
        assert_eq!(table_lines(&built), shipped);
    }

    /// All eleven providers from the full 2025-07-25 snapshot (AWS and Azure included, too
    /// large to keep here): every line of the shipped table. Run with
    /// `WHOHOSTS_PROVIDER_LISTS=/work/shared/fixtures/providers cargo test -p whohosts --lib
    /// shipped -- --ignored`.
    #[test]
    #[ignore = "needs the full snapshot (WHOHOSTS_PROVIDER_LISTS)"]
    fn full_snapshot_builds_the_shipped_table() {
        let dir = std::env::var_os("WHOHOSTS_PROVIDER_LISTS").expect("WHOHOSTS_PROVIDER_LISTS");
        let entries = entries(Path::new(&dir), &RangeList::ALL);
        let built = build(&entries).unwrap();
        let shipped: Vec<&str> = SHIPPED.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(table_lines(&built), shipped);
        assert_eq!((built.inputs, built.unique, built.table.len()), (111_540, 67_611, 8_289));
    }
}
