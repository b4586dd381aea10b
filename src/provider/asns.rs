//! The shipped AS-number table (`data/providers/asns.txt`): which known provider holds an AS.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Known, known};

const DATA: &str = include_str!("../../data/providers/asns.txt");

/// One AS number of a known provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AsnEntry {
    /// The AS number.
    pub(crate) number: u32,
    /// The provider holding it.
    pub(crate) provider: &'static Known,
    /// Where the holder was read from.
    pub(crate) source_url: String,
    /// The holder's name as that source gives it.
    pub(crate) holder: String,
}

/// The parsed table.
#[derive(Debug, Default)]
pub(crate) struct AsnTable {
    by_number: HashMap<u32, AsnEntry>,
}

impl AsnTable {
    /// Parse `AS<number> provider_id source_url # holder` lines; malformed lines are counted.
    pub(crate) fn parse(text: &str) -> Self {
        let entries = super::data_rows(text, "asns", parse_line);
        let by_number = entries.into_iter().map(|entry| (entry.number, entry)).collect();
        Self { by_number }
    }

    /// The entry for AS `number`.
    pub(crate) fn get(&self, number: u32) -> Option<&AsnEntry> {
        self.by_number.get(&number)
    }

    /// Number of AS numbers loaded.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_number.len()
    }
}

fn parse_line(line: &str) -> Option<AsnEntry> {
    let (fields, holder) = line.split_once('#').unwrap_or((line, ""));
    let mut fields = fields.split_whitespace();
    let number = fields.next()?.strip_prefix("AS")?.parse().ok()?;
    let provider = known(fields.next()?)?;
    let source_url = fields.next()?.to_owned();
    if fields.next().is_some() || !source_url.starts_with("https://") {
        return None;
    }
    Some(AsnEntry { number, provider, source_url, holder: holder.trim().to_owned() })
}

/// The shipped table, parsed on first use.
pub(crate) fn table() -> &'static AsnTable {
    static TABLE: OnceLock<AsnTable> = OnceLock::new();
    TABLE.get_or_init(|| AsnTable::parse(DATA))
}

/// The known provider holding AS `number`, from the shipped table.
pub(crate) fn lookup(number: u32) -> Option<&'static AsnEntry> {
    table().get(number)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::record::ProviderKind;

    /// Every row parses, and no AS number is listed twice (the table keeps one entry per
    /// number, so a repeat would silently drop a row).
    #[test]
    fn every_shipped_row_parses_once() {
        let lines = super::super::data_lines(DATA);
        let unparsed: Vec<_> = lines.iter().filter(|l| parse_line(l).is_none()).collect();
        assert_eq!(unparsed, Vec::<&&str>::new(), "rows that do not parse");
        assert_eq!(table().len(), lines.len(), "an AS number is listed twice");
    }

    #[test]
    fn major_networks_are_known() {
        // Holder names as ip-location-db asn 2.3.2026061719 gives them (tests/fixtures/asn).
        let cases: &[(u32, &str, ProviderKind, &str)] = &[
            (13335, "cloudflare", ProviderKind::Cdn, "Cloudflare, Inc."),
            (20940, "akamai", ProviderKind::Cdn, "Akamai International B.V."),
            (54113, "fastly", ProviderKind::Cdn, "Fastly, Inc."),
            (16509, "aws", ProviderKind::Cloud, "Amazon.com, Inc."),
            (15169, "google", ProviderKind::Cloud, "Google LLC"),
            (396982, "google-cloud", ProviderKind::Cloud, "Google LLC"),
            (8075, "microsoft", ProviderKind::Cloud, "Microsoft Corporation"),
            (14061, "digitalocean", ProviderKind::Cloud, "DigitalOcean, LLC"),
            (16276, "ovh", ProviderKind::Hosting, "OVH SAS"),
            (24940, "hetzner", ProviderKind::Hosting, "Hetzner Online GmbH"),
            (63949, "linode", ProviderKind::Cloud, "Akamai Technologies, Inc."),
            (20473, "vultr", ProviderKind::Cloud, "The Constant Company, LLC"),
            (62041, "telegram", ProviderKind::Platform, "Telegram Messenger Inc"),
            (174, "cogent", ProviderKind::Isp, "Cogent Communications"),
        ];
        for (n, id, kind, holder) in cases {
            let e = lookup(*n).unwrap_or_else(|| panic!("AS{n}"));
            assert_eq!((e.provider.id, e.provider.kind, e.holder.as_str()), (*id, *kind, *holder));
            assert_eq!(e.source_url, "https://github.com/sapics/ip-location-db/tree/main/asn");
        }
        assert_eq!(lookup(64512), None);
    }

    #[test]
    fn malformed_lines_are_counted() {
        let text = "# c\nAS1 cogent https://x # h\n2 cogent https://x\n\
             AS3 nosuch https://x\nAS4 cogent http://x\n";
        let t = AsnTable::parse(text);
        assert_eq!((t.len(), super::super::rows_and_skipped(text, parse_line).1), (1, 3));
        assert_eq!(t.get(1).map(|e| e.holder.as_str()), Some("h"));
    }
}
