//! The IANA registrar list (`data/registrars/iana-registrar-ids.csv`, embedded): registrar
//! names, status and RDAP base URLs by IANA Registrar ID, parsed once on first use.
//!
//! Used to name a registrar the registry identifies only by ID, to find the registrar's own
//! RDAP service when the registry's answer has no `related` link, and to recognise the IDs
//! IANA reserves for a registry operator acting as registrar (where the registry is the only
//! party to notify). This module does no I/O beyond reading the embedded text; a client
//! built with a data directory that holds a refreshed list puts that list in scope for its
//! lookups ([`scope`]), and every function here reads it instead of the embedded one.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use url::Url;

use crate::record::Registrar;

/// The embedded CSV: `ID,Registrar Name,Status,RDAP Base URL`, CRLF, quoted names.
const CSV: &str = include_str!("../../data/registrars/iana-registrar-ids.csv");

/// One row of the IANA registrar list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IanaRegistrar {
    /// IANA Registrar ID.
    pub(crate) id: u32,
    /// Registrar name as IANA lists it.
    pub(crate) name: String,
    /// `Accredited`, `Terminated`, `Reserved`, ….
    pub(crate) status: String,
    /// The registrar's RDAP base URL (ends with `/`), when listed and an http(s) URL.
    pub(crate) rdap_base: Option<Url>,
}

impl IanaRegistrar {
    /// True for the IDs IANA reserves for a registry operator acting as registrar: 9994,
    /// 9998, 9999, 4000001 and 8888888 (reserved, named "… Registry Operator acting as
    /// Registrar …" or "… acts as Registrar") and 119 ("Reserved for Internal Registry
    /// Use"). A domain sponsored by one of these has
    /// no separate registrar: the registry is the party to notify.
    pub(crate) fn is_registry_operator(&self) -> bool {
        let name = self.name.to_ascii_lowercase();
        self.status.eq_ignore_ascii_case("Reserved")
            && (name.contains("registry operator act") || name.contains("internal registry use"))
    }
}

/// The date of the embedded list (the upstream commit that holds it, see
/// `data/registrars/SOURCES.md`).
pub(crate) const EMBEDDED_DATE: &str = "2026-03-13";

/// A parsed registrar list, sorted by ID: the embedded one or a refreshed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RegistrarList(Vec<IanaRegistrar>);

impl RegistrarList {
    /// Parse a list in IANA's CSV shape (see [`parse`]).
    pub(crate) fn parse(text: &str) -> Self {
        Self(parse(text))
    }

    /// Rows read.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

tokio::task_local! {
    /// The list of the running lookup's client, when it has a refreshed one.
    static REFRESHED: Arc<RegistrarList>;
}

/// Run `work` with `list` (when given) in place of the embedded list.
pub(crate) async fn scope<F: Future>(list: Option<Arc<RegistrarList>>, work: F) -> F::Output {
    match list {
        Some(list) => REFRESHED.scope(list, work).await,
        None => work.await,
    }
}

/// The embedded list, parsed on first use.
fn embedded() -> &'static [IanaRegistrar] {
    static LIST: OnceLock<Vec<IanaRegistrar>> = OnceLock::new();
    LIST.get_or_init(|| parse(CSV))
}

/// Call `f` with the list in use: the refreshed one in scope, else the embedded one.
fn with_list<T>(f: impl Fn(&[IanaRegistrar]) -> T) -> T {
    REFRESHED.try_with(|list| f(&list.0)).unwrap_or_else(|_| f(embedded()))
}

/// The embedded list (tests).
#[cfg(test)]
fn list() -> &'static [IanaRegistrar] {
    embedded()
}

/// Parse the CSV text; rows without a numeric ID are skipped (logged), later duplicates of
/// an ID are ignored.
fn parse(text: &str) -> Vec<IanaRegistrar> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let mut out: Vec<IanaRegistrar> = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                tracing::warn!(line = line + 2, error = %e, "skipping unreadable registrar row");
                continue;
            }
        };
        let field = |i: usize| row.get(i).map(str::trim).unwrap_or_default();
        let Ok(id) = field(0).parse::<u32>() else {
            tracing::warn!(line = line + 2, "skipping registrar row without a numeric ID");
            continue;
        };
        let rdap_base = Some(field(3))
            .filter(|s| !s.is_empty())
            .and_then(|s| Url::parse(s).ok())
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .map(|mut u| {
                if !u.path().ends_with('/') {
                    let path = format!("{}/", u.path());
                    u.set_path(&path);
                }
                u
            });
        out.push(IanaRegistrar {
            id,
            name: field(1).to_owned(),
            status: field(2).to_owned(),
            rdap_base,
        });
    }
    out.sort_by_key(|r| r.id);
    out.dedup_by_key(|r| r.id);
    out
}

/// The registrar with IANA ID `id` (surrounding white space ignored).
pub(crate) fn by_id(id: &str) -> Option<IanaRegistrar> {
    let id: u32 = id.trim().parse().ok()?;
    with_list(|list| {
        list.binary_search_by_key(&id, |r| r.id).ok().and_then(|i| list.get(i)).cloned()
    })
}

/// True when `id` is one of the IDs reserved for a registry operator acting as registrar
/// (see [`IanaRegistrar::is_registry_operator`]).
pub(crate) fn is_registry_operator_id(id: &str) -> bool {
    by_id(id).is_some_and(|r| r.is_registry_operator())
}

/// The registrar's RDAP URL for `domain` (RFC 9082: base + `domain/<name>`), from the list's
/// base URL. `None` when the ID is unknown, has no base URL, or `domain` is not a plain host
/// name (a trailing dot is removed; the name is lower-cased).
pub(crate) fn rdap_domain_url(id: &str, domain: &str) -> Option<Url> {
    let base = by_id(id)?.rdap_base?;
    let name = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let plain = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !name.starts_with('.')
        && !name.contains("..");
    if !plain {
        return None;
    }
    base.join(&format!("domain/{name}")).ok()
}

/// Fill what `registrar` lacks from the list, by its IANA ID: the name (the registry's or
/// registrar's own name is kept when present; the list is the fallback). Returns the list's
/// entry, if the ID is listed.
pub(crate) fn fill_from_list(registrar: &mut Registrar) -> Option<IanaRegistrar> {
    let entry = by_id(registrar.iana_id.as_deref()?)?;
    if registrar.name.as_deref().is_none_or(|n| n.trim().is_empty()) && !entry.name.is_empty() {
        registrar.name = Some(entry.name.clone());
    }
    Some(entry)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Every row of the CSV has a numeric ID, no ID is listed twice (the list keeps the first
    /// of a repeated ID, so a repeat would silently drop a row), and every RDAP base URL
    /// given is kept.
    #[test]
    fn every_row_parses_once() {
        let mut reader =
            csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(CSV.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        for row in &rows {
            assert!(row.get(0).unwrap().trim().parse::<u32>().is_ok(), "{row:?}");
            let base = row.get(3).unwrap_or("").trim();
            let listed = by_id(row.get(0).unwrap()).unwrap();
            assert_eq!(listed.rdap_base.is_some(), !base.is_empty(), "{row:?}");
        }
        assert_eq!(list().len(), rows.len(), "an ID is listed twice");
        assert!(list().windows(2).all(|w| w[0].id < w[1].id));
        // Spot checks of real rows: the first reserved ID and the highest reserved one.
        assert_eq!(list().first().unwrap().id, 1);
        assert_eq!(by_id("8888888").unwrap().status, "Reserved");
    }

    #[test]
    fn rows_read_exactly() {
        let r = by_id("292").unwrap();
        assert_eq!(r.name, "MarkMonitor Inc.");
        assert_eq!(r.status, "Accredited");
        assert_eq!(r.rdap_base.as_ref().unwrap().as_str(), "https://rdap.markmonitor.com/rdap/");
        // Quoted name with a comma.
        let r = by_id(" 146 ").unwrap();
        assert_eq!(r.name, "GoDaddy.com, LLC");
        assert_eq!(r.rdap_base.as_ref().unwrap().as_str(), "https://rdap.godaddy.com/v1/");
        // Doubled quotes inside a quoted name, and a non-ASCII closing quote.
        assert_eq!(
            by_id("360").unwrap().name,
            "Talal Abu Ghazaleh Intellectual Property \"AGIP\" S.A.L. (offshore)"
        );
        assert_eq!(
            by_id("636").unwrap().name,
            "BRANDON GRAY INTERNET SERVICES INC. (dba \"NameJuice.com\u{201d})"
        );
        assert_eq!(by_id("1534").unwrap().name, "Çizgi Telekomunikasyon A.Ş.");
        // Terminated, no RDAP base.
        let r = by_id("4").unwrap();
        assert_eq!(
            (r.name.as_str(), r.status.as_str()),
            ("Advanced Systems Consulting, Inc.", "Terminated")
        );
        assert_eq!(r.rdap_base, None);
        assert_eq!(by_id("1910").unwrap().name, "Cloudflare, Inc.");
        assert_eq!(by_id("886").unwrap().name, "Domain.com - Network Solutions, LLC");
        assert_eq!(by_id("1606").unwrap().name, "Registrar of Domain Names REG.RU LLC");
        assert_eq!(by_id("0"), None);
        assert_eq!(by_id("abc"), None);
        assert_eq!(by_id(""), None);
        assert_eq!(by_id("99999999"), None);
    }

    #[test]
    fn registry_operator_ids() {
        let operators: Vec<u32> =
            list().iter().filter(|r| r.is_registry_operator()).map(|r| r.id).collect();
        assert_eq!(operators, vec![119, 9994, 9998, 9999, 4000001, 8888888]);
        assert!(is_registry_operator_id("9999"));
        assert_eq!(
            by_id("9999").unwrap().name,
            "Reserved for non-billable transactions where Registry Operator acts as Registrar"
        );
        // Other reserved IDs are not registry operators.
        for id in ["1", "3", "8", "365", "376", "9995", "9996", "9997", "10009", "292"] {
            assert!(!is_registry_operator_id(id), "{id}");
        }
        assert!(!is_registry_operator_id("not a number"));
    }

    #[test]
    fn domain_urls() {
        assert_eq!(
            rdap_domain_url("1910", "Cloudflare.COM.").unwrap().as_str(),
            "https://rdap.cloudflare.com/rdap/v1/domain/cloudflare.com"
        );
        assert_eq!(
            rdap_domain_url("1068", "example.com").unwrap().as_str(),
            "https://rdap.namecheap.com/domain/example.com"
        );
        // No base URL listed.
        assert_eq!(rdap_domain_url("9999", "afnic.fr"), None);
        // Not a plain host name.
        for bad in ["", "a/b.com", "a..com", ".a.com", "a.com?x", "a b.com", "../x"] {
            assert_eq!(rdap_domain_url("292", bad), None, "{bad:?}");
        }
    }

    #[test]
    fn base_without_trailing_slash_keeps_its_path() {
        let parsed = parse(
            "ID,Registrar Name,Status,RDAP Base URL\r\n7,\"R, Inc.\",Accredited,https://r.example/rdap\r\nx,bad,,\r\n7,dup,Accredited,\r\n8,Plain,Accredited,ftp://r.example/\r\n",
        );
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].name, "R, Inc.");
        assert_eq!(parsed[0].rdap_base.as_ref().unwrap().as_str(), "https://r.example/rdap/");
        assert_eq!(parsed[1].rdap_base, None);
    }

    #[test]
    fn fill_keeps_the_registry_name() {
        let mut r = Registrar { iana_id: Some("292".into()), ..Registrar::default() };
        assert_eq!(fill_from_list(&mut r).unwrap().id, 292);
        assert_eq!(r.name.as_deref(), Some("MarkMonitor Inc."));

        let mut r = Registrar {
            name: Some("Registry Operations".into()),
            iana_id: Some("9999".into()),
            ..Registrar::default()
        };
        assert!(fill_from_list(&mut r).unwrap().is_registry_operator());
        assert_eq!(r.name.as_deref(), Some("Registry Operations"));

        let mut r = Registrar {
            name: Some(" ".into()),
            iana_id: Some("1910".into()),
            ..Registrar::default()
        };
        fill_from_list(&mut r);
        assert_eq!(r.name.as_deref(), Some("Cloudflare, Inc."));

        let mut r = Registrar { iana_id: Some("84259".into()), ..Registrar::default() };
        assert_eq!(fill_from_list(&mut r), None);
        assert_eq!(r.name, None);
        let mut r = Registrar::default();
        assert_eq!(fill_from_list(&mut r), None);
    }
}
