//! RDAP servers missing from IANA's bootstrap: a shipped list (`data/rdap/overrides.tsv`),
//! each entry with its source, asked after the bootstrap and before WHOIS.

use std::sync::OnceLock;

use url::Url;

/// The shipped list: `suffix TAB base URL TAB source`, `#` comments.
const OVERRIDES_TSV: &str = include_str!("../../data/rdap/overrides.tsv");

/// One override: the suffix it serves, the RDAP base URL (ending with `/`) and its source.
#[derive(Debug)]
struct Entry {
    suffix: &'static str,
    base: Url,
    source: &'static str,
}

fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        OVERRIDES_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let suffix = cols.next()?.trim();
                let base = Url::parse(cols.next()?.trim()).ok()?;
                let source = cols.next()?.trim();
                Some(Entry { suffix, base, source })
            })
            .collect()
    })
}

/// The RDAP base URL serving `name` (a TLD such as `de`, or any domain under one: the
/// longest listed suffix wins, so `x.co.gl` finds `co.gl`), and the source that lists it.
/// `None` when the list has nothing for it.
pub(crate) fn rdap_override(name: &str) -> Option<(Url, &'static str)> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    entries()
        .iter()
        .filter(|e| name == e.suffix || name.ends_with(&format!(".{}", e.suffix)))
        .max_by_key(|e| e.suffix.len())
        .map(|e| (e.base.clone(), e.source))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_line_parses_and_is_absent_from_the_embedded_bootstrap() {
        let rows = OVERRIDES_TSV.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
        assert_eq!(rows.count(), entries().len(), "a row failed to parse");
        let mut seen = std::collections::HashSet::new();
        for e in entries() {
            assert!(seen.insert(e.suffix), "{} listed twice", e.suffix);
        }
        let dns: serde_json::Value =
            serde_json::from_str(include_str!("../../data/bootstrap/dns.json")).unwrap();
        let listed: Vec<&str> = dns["services"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s[0].as_array().unwrap().iter().map(|t| t.as_str().unwrap()))
            .collect();
        for e in entries() {
            assert!(!listed.contains(&e.suffix), "{} is in the bootstrap", e.suffix);
            assert!(e.base.as_str().ends_with('/'), "{}", e.base);
            assert_eq!(e.base.scheme(), "https", "{}", e.base);
            assert!(!e.source.is_empty());
        }
    }

    #[test]
    fn lookups() {
        let (url, source) = rdap_override("de").unwrap();
        assert_eq!(url.as_str(), "https://rdap.denic.de/");
        assert!(source.starts_with("whoisit-2024 (2021-11-30"), "{source}");
        assert_eq!(rdap_override("google.DE.").unwrap().0.as_str(), "https://rdap.denic.de/");
        assert_eq!(
            rdap_override("golang.io").unwrap().0.as_str(),
            "https://rdap.identitydigital.services/rdap/"
        );
        assert_eq!(rdap_override("t.co").unwrap().0.as_str(), "https://rdap.registry.co/co/");
        assert_eq!(
            rdap_override("x.co.gl").unwrap().0.as_str(),
            "https://rdap.centralnic.com/co.gl/"
        );
        assert_eq!(rdap_override("x.gl").unwrap().0.as_str(), "https://rdap.centralnic.com/gl/");
        assert_eq!(rdap_override("example.com"), None);
        assert_eq!(rdap_override("app.nl"), None, ".nl is in the bootstrap");
        assert_eq!(rdap_override("xco"), None);
    }
}
