//! The shipped CNAME-suffix table (`data/providers/cnames.txt`): which provider a CNAME
//! target such as `d111111abcdef8.cloudfront.net` points into.

use std::sync::OnceLock;

use super::{Known, known};

const DATA: &str = include_str!("../../data/providers/cnames.txt");

/// One CNAME suffix of a known provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CnameEntry {
    /// The suffix, lower case, without leading or trailing dot (e.g. `cdn.cloudflare.net`).
    pub(crate) suffix: String,
    /// The provider the suffix belongs to.
    pub(crate) provider: &'static Known,
    /// The documentation naming the suffix.
    pub(crate) source_url: String,
}

/// The parsed table, longest suffix first.
#[derive(Debug, Default)]
pub(crate) struct CnameTable {
    entries: Vec<CnameEntry>,
}

impl CnameTable {
    /// Parse `suffix provider_id source_url` lines; malformed lines are counted.
    pub(crate) fn parse(text: &str) -> Self {
        let mut entries = super::data_rows(text, "cnames", parse_line);
        entries.sort_by_key(|e| std::cmp::Reverse(e.suffix.len()));
        Self { entries }
    }

    /// The entry whose suffix `name` equals or ends with (after a dot); longest suffix wins.
    pub(crate) fn matching(&self, name: &str) -> Option<&CnameEntry> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().find(|e| {
            name == e.suffix
                || name.strip_suffix(e.suffix.as_str()).is_some_and(|head| head.ends_with('.'))
        })
    }

    /// Number of suffixes loaded.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

fn parse_line(line: &str) -> Option<CnameEntry> {
    let mut fields = line.split_whitespace();
    let suffix = fields.next()?.trim_matches('.').to_ascii_lowercase();
    let provider = known(fields.next()?)?;
    let source_url = fields.next()?.to_owned();
    if fields.next().is_some() || suffix.is_empty() || !source_url.starts_with("https://") {
        return None;
    }
    Some(CnameEntry { suffix, provider, source_url })
}

/// The shipped table, parsed on first use.
pub(crate) fn table() -> &'static CnameTable {
    static TABLE: OnceLock<CnameTable> = OnceLock::new();
    TABLE.get_or_init(|| CnameTable::parse(DATA))
}

/// The first name of `chain` (in resolution order) that points into a known provider, with
/// the entry it matched. The first hop is the service the site owner chose; later hops are
/// that service's own plumbing.
pub(crate) fn match_chain(chain: &[String]) -> Option<(&str, &'static CnameEntry)> {
    chain.iter().find_map(|name| table().matching(name).map(|e| (name.as_str(), e)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Every row parses, and no suffix is listed twice (two rows for one suffix would let
    /// the table's order pick the provider).
    #[test]
    fn every_shipped_row_parses_once() {
        let lines = super::super::data_lines(DATA);
        let unparsed: Vec<_> = lines.iter().filter(|l| parse_line(l).is_none()).collect();
        assert_eq!(unparsed, Vec::<&&str>::new(), "rows that do not parse");
        assert_eq!(table().len(), lines.len());
        let mut seen = std::collections::HashSet::new();
        for e in &table().entries {
            assert!(seen.insert(e.suffix.as_str()), "{} listed twice", e.suffix);
        }
    }

    #[test]
    fn suffixes_match_on_label_boundaries() {
        let id = |n: &str| table().matching(n).map(|e| e.provider.id);
        assert_eq!(id("www.example.com.cdn.cloudflare.net."), Some("cloudflare"));
        assert_eq!(id("d111111abcdef8.cloudfront.net"), Some("aws-cloudfront"));
        assert_eq!(id("e1234.a.akamaiedge.net"), Some("akamai"));
        assert_eq!(id("www.example.com.edgekey.net"), Some("akamai"));
        assert_eq!(id("dualstack.d.sni.global.fastly.net"), Some("fastly"));
        assert_eq!(id("endpoint.azureedge.net"), Some("azure-cdn"));
        assert_eq!(id("endpoint-abc.z01.azurefd.net"), Some("azure-front-door"));
        assert_eq!(id("ghs.googlehosted.com"), Some("google"));
        assert_eq!(id("sushi-1234.herokudns.com"), Some("heroku"));
        assert_eq!(id("cname.vercel-dns.com"), Some("vercel"));
        assert_eq!(id("example.netlify.app"), Some("netlify"));
        assert_eq!(id("octocat.github.io"), Some("github"));
        // Longest suffix wins: elb.amazonaws.com over amazonaws.com (both AWS), and the label
        // boundary is respected.
        assert_eq!(
            table().matching("my-lb-1.us-east-1.elb.amazonaws.com").map(|e| e.suffix.as_str()),
            Some("elb.amazonaws.com")
        );
        assert_eq!(id("notcloudfront.net"), None);
        assert_eq!(id("cloudfront.net.example.com"), None);
    }

    #[test]
    fn first_matching_hop_wins() {
        let chain = vec![
            "shop.example.com.".to_owned(),
            "shops.myshopify.com".to_owned(),
            "x.cdn.cloudflare.net".to_owned(),
        ];
        let (name, e) = match_chain(&chain).unwrap();
        assert_eq!((name, e.provider.id), ("shops.myshopify.com", "shopify"));
        assert_eq!(match_chain(&["a.example".to_owned()]), None);
    }
}
