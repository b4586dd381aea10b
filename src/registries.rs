//! A shipped directory of gTLD registries: operator name and published abuse channels, from
//! the Digging DNS abuse-contact list (MIT, verified 2025-07; `data/registries/`).
//!
//! RDAP registry answers almost never carry the registry's own abuse channel; this directory
//! fills `registry.name` and `registry.abuse`. It owns parsing and lookup only.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::record::{Contact, ContactRole, Source, SourceKind};

const DATA: &str = include_str!("../data/registries/diggingdns-registries.csv");
const DATASET: &str = "digging-dns-abuse-contacts registries.csv";
const DATASET_URL: &str =
    "https://github.com/ItIsJustChad/digging-dns-abuse-contacts/blob/171b00a09d91/registries.csv";

/// One registry's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegistryEntry {
    /// The operator's name, when the list gives a real one.
    pub(crate) name: Option<String>,
    /// Published abuse mailboxes.
    pub(crate) emails: Vec<String>,
    /// Published abuse web forms.
    pub(crate) forms: Vec<String>,
    /// The date the entry was verified (`as_of`).
    pub(crate) as_of: String,
}

impl RegistryEntry {
    /// The entry's channels as contacts with their provenance.
    pub(crate) fn contacts(&self) -> Vec<Contact> {
        let source = Source {
            kind: SourceKind::Dataset,
            url: Some(DATASET_URL.to_owned()),
            dataset: Some(DATASET.to_owned()),
            version: Some(self.as_of.clone()),
            ..Source::default()
        };
        let base = Contact {
            name: self.name.clone(),
            role: Some(ContactRole::Abuse),
            source_url: Some(DATASET_URL.to_owned()),
            sources: vec![source],
            ..Contact::default()
        };
        let mut out: Vec<Contact> = self
            .emails
            .iter()
            .map(|e| Contact { email: Some(e.clone()), ..base.clone() })
            .collect();
        for form in &self.forms {
            out.push(Contact { web: Some(form.clone()), ..base.clone() });
        }
        out
    }
}

/// The entry for a TLD (without the leading dot, any case).
pub(crate) fn lookup(tld: &str) -> Option<&'static RegistryEntry> {
    static TABLE: OnceLock<HashMap<String, RegistryEntry>> = OnceLock::new();
    TABLE.get_or_init(|| parse(DATA)).get(&tld.trim_start_matches('.').to_ascii_lowercase())
}

fn parse(text: &str) -> HashMap<String, RegistryEntry> {
    let mut table = HashMap::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    for row in reader.records().flatten() {
        let field = |i: usize| row.get(i).unwrap_or("").trim();
        let tld = field(0).trim_start_matches('.').to_ascii_lowercase();
        if tld.is_empty() {
            continue;
        }
        // Rows whose channel was not found carry the TLD itself as the name.
        let name = Some(field(2).to_owned()).filter(|n| !n.is_empty() && !n.starts_with('.'));
        let emails = field(3)
            .split_whitespace()
            .map(|e| e.trim_end_matches(['.', ',', ';']).to_owned())
            .filter(|e| e.contains('@') && !e.starts_with('@') && !e.ends_with('@'))
            .collect();
        // Forms are URLs, sometimes inside prose ("(1) Chinese version：https://…").
        let forms = field(4)
            .split(|c: char| c.is_whitespace() || c == '：')
            .filter(|t| t.starts_with("https://") || t.starts_with("http://"))
            .map(str::to_owned)
            .collect();
        let as_of = field(8).to_owned();
        table.insert(tld, RegistryEntry { name, emails, forms, as_of });
    }
    table
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn verisign_com_has_a_web_form() {
        let com = lookup("com").unwrap();
        assert_eq!(com.name.as_deref(), Some("VeriSign, Inc."));
        assert!(com.emails.is_empty());
        assert_eq!(com.forms, vec!["https://verisign.my.site.com/DNSAbuse/"]);
        assert_eq!(com.as_of, "2025-07-17");
        let contacts = com.contacts();
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].web.as_deref(), Some("https://verisign.my.site.com/DNSAbuse/"));
        assert_eq!(contacts[0].sources[0].kind, SourceKind::Dataset);
        assert_eq!(lookup(".COM"), Some(com));
    }

    #[test]
    fn messy_cells_are_cleaned() {
        // Two mailboxes in one cell, separated by a newline.
        let bestbuy = lookup("bestbuy").unwrap();
        assert_eq!(
            bestbuy.emails,
            vec!["bestbuyregistry@fairwindspartners.com", "dotbestbuy-notices@markmonitor.com"]
        );
        // A trailing full stop is not part of the address.
        assert_eq!(lookup("xyz").unwrap().emails, vec!["xyz_abuse@gen.xyz"]);
        // URLs inside prose.
        assert_eq!(
            lookup("top").unwrap().forms,
            vec![
                "https://www.nic.top/cn/Complaintsnew.asp",
                "https://www.nic.top/en/Complaintsnew.asp"
            ]
        );
        // Not found: no channels, and no fake name.
        let nowtv = lookup("nowtv").unwrap();
        assert_eq!((nowtv.name.as_deref(), nowtv.emails.len(), nowtv.forms.len()), (None, 0, 0));
        assert!(lookup("no-such-tld").is_none());
        // ccTLDs are not in the list.
        assert!(lookup("fr").is_none());
    }

    /// Every row names a TLD, no TLD is listed twice (the table keeps the last row of a
    /// repeated TLD), every channel is a mailbox or a web URL, and every row is dated.
    #[test]
    fn every_row_parses_once() {
        let table = parse(DATA);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(DATA.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        for row in &rows {
            assert!(!row.get(0).unwrap().trim_start_matches('.').is_empty(), "{row:?}");
        }
        assert_eq!(table.len(), rows.len(), "a TLD is listed twice");
        for (tld, e) in &table {
            assert!(e.emails.iter().all(|m| m.contains('@')), "{tld}");
            assert!(e.forms.iter().all(|f| f.starts_with("http")), "{tld}");
            assert!(e.as_of.parse::<jiff::civil::Date>().is_ok(), "{tld}: {}", e.as_of);
        }
    }
}
