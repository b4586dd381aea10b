//! RDAP bootstrap (RFC 9224): which RDAP server answers for a domain, an IP or an AS number.
//!
//! Holds the four IANA registries (`dns.json`, `ipv4.json`, `ipv6.json`, `asn.json`), the
//! embedded snapshot or files from a directory, precomputed for fast matching: a hash map of
//! labels for DNS, per-prefix-length hash maps for IP longest-prefix match, and sorted ranges
//! for AS numbers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde_json::Value;
use url::Url;

use crate::error::ConfigError;

/// The embedded IANA snapshot, file name and content.
const EMBEDDED: [(&str, &str); 4] = [
    ("dns.json", include_str!("../../data/bootstrap/dns.json")),
    ("ipv4.json", include_str!("../../data/bootstrap/ipv4.json")),
    ("ipv6.json", include_str!("../../data/bootstrap/ipv6.json")),
    ("asn.json", include_str!("../../data/bootstrap/asn.json")),
];

/// The four RFC 9224 registries, ready for lookups.
#[derive(Debug, Clone)]
pub(crate) struct Bootstrap {
    dns: DnsRegistry,
    ip: IpRegistry,
    #[allow(
        dead_code,
        reason = "autnum queries and bootstrap provenance are not wired into lookups yet"
    )]
    asn: AsnRegistry,
    #[allow(
        dead_code,
        reason = "autnum queries and bootstrap provenance are not wired into lookups yet"
    )]
    dates: BootstrapDates,
}

/// The `publication` string of each registry, as the files give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BootstrapDates {
    /// `dns.json` publication.
    pub(crate) dns: Option<String>,
    /// `ipv4.json` publication.
    pub(crate) ipv4: Option<String>,
    /// `ipv6.json` publication.
    pub(crate) ipv6: Option<String>,
    /// `asn.json` publication.
    pub(crate) asn: Option<String>,
}

/// A bootstrap answer: the registry entry that matched and the service's base URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceMatch {
    /// The matching entry as published (`com`, `8.0.0.0/8`, `13312-15359`).
    pub(crate) entry: String,
    /// The service's base URLs in published order, each ending with `/`.
    pub(crate) urls: Vec<Url>,
}

impl ServiceMatch {
    /// The base URL to use: the first `https` one, else (only when `allow_http`) the first
    /// `http` one. Other schemes are never returned.
    pub(crate) fn base_url(&self, allow_http: bool) -> Option<&Url> {
        self.urls.iter().find(|u| u.scheme() == "https").or_else(|| {
            allow_http.then(|| self.urls.iter().find(|u| u.scheme() == "http")).flatten()
        })
    }
}

impl Bootstrap {
    /// The embedded IANA snapshot (`data/bootstrap/*.json`).
    pub(crate) fn embedded() -> Result<Bootstrap, ConfigError> {
        let mut files = Vec::with_capacity(EMBEDDED.len());
        for (name, text) in EMBEDDED {
            files.push(parse_file(text).map_err(|reason| ConfigError::Bootstrap {
                path: PathBuf::from(format!("(embedded)/{name}")),
                reason,
            })?);
        }
        Ok(Self::from_files(files))
    }

    /// The embedded snapshot with each of `dns.json`, `ipv4.json`, `ipv6.json` and `asn.json`
    /// found in `dir` replacing the embedded registry. A missing file keeps the embedded one;
    /// a file that cannot be read or parsed, or a `dir` that is not a readable directory, is
    /// an error.
    pub(crate) fn from_dir(dir: &Path) -> Result<Bootstrap, ConfigError> {
        let meta = std::fs::metadata(dir).map_err(|e| ConfigError::Bootstrap {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !meta.is_dir() {
            return Err(ConfigError::Bootstrap {
                path: dir.to_path_buf(),
                reason: "not a directory".to_owned(),
            });
        }
        let mut files = Vec::with_capacity(EMBEDDED.len());
        for (name, embedded) in EMBEDDED {
            let path = dir.join(name);
            let parsed = match std::fs::read_to_string(&path) {
                Ok(text) => parse_file(&text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tracing::debug!(file = name, "bootstrap file not in directory; using embedded");
                    parse_file(embedded).map_err(|r| format!("embedded {name}: {r}"))
                }
                Err(e) => Err(e.to_string()),
            };
            files.push(parsed.map_err(|reason| ConfigError::Bootstrap { path, reason })?);
        }
        Ok(Self::from_files(files))
    }

    /// Build from the four parsed files, in [`EMBEDDED`] order.
    fn from_files(files: Vec<RawFile>) -> Self {
        let mut it = files.into_iter();
        let mut next = || it.next().unwrap_or_default();
        let (dns, ipv4, ipv6, asn) = (next(), next(), next(), next());
        let dates = BootstrapDates {
            dns: dns.publication.clone(),
            ipv4: ipv4.publication.clone(),
            ipv6: ipv6.publication.clone(),
            asn: asn.publication.clone(),
        };
        let mut ip = IpRegistry::default();
        ip.add(&ipv4);
        ip.add(&ipv6);
        ip.finish();
        Self { dns: DnsRegistry::new(&dns), ip, asn: AsnRegistry::new(&asn), dates }
    }

    /// The service for a domain name: the longest entry equal to the name's trailing labels
    /// (case-insensitive, trailing dot ignored). Names should be in A-label form.
    pub(crate) fn for_domain(&self, name: &str) -> Option<ServiceMatch> {
        self.dns.lookup(name)
    }

    /// The service for an IP address: longest-prefix match in `ipv4.json` / `ipv6.json`.
    pub(crate) fn for_ip(&self, ip: IpAddr) -> Option<ServiceMatch> {
        self.ip.lookup(ip)
    }

    /// The service for an AS number (`asn.json` ranges or single numbers).
    #[allow(
        dead_code,
        reason = "autnum queries and bootstrap provenance are not wired into lookups yet"
    )]
    pub(crate) fn for_asn(&self, asn: u32) -> Option<ServiceMatch> {
        self.asn.lookup(asn)
    }

    /// The `publication` dates of the four registries in use.
    #[allow(
        dead_code,
        reason = "autnum queries and bootstrap provenance are not wired into lookups yet"
    )]
    pub(crate) fn publication(&self) -> &BootstrapDates {
        &self.dates
    }
}

/// One parsed registry file: publication and `(entries, urls)` services.
#[derive(Debug, Default)]
struct RawFile {
    publication: Option<String>,
    services: Vec<(Vec<String>, Vec<Url>)>,
}

/// Parse an RFC 9224 file. The JSON must be an object with a `services` array; within it,
/// services, entries and URLs that are malformed are skipped.
fn parse_file(text: &str) -> Result<RawFile, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = root.as_object().ok_or("not a JSON object")?;
    let services = obj.get("services").and_then(Value::as_array).ok_or("no \"services\" array")?;
    let publication = obj.get("publication").and_then(Value::as_str).map(str::to_owned);
    let mut out = RawFile { publication, services: Vec::with_capacity(services.len()) };
    for service in services {
        let Some(parts) = service.as_array() else { continue };
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default()
        };
        let entries = strings(parts.first());
        let urls: Vec<Url> = strings(parts.get(1)).iter().filter_map(|u| base_url(u)).collect();
        if entries.is_empty() || urls.is_empty() {
            tracing::debug!(?service, "skipping bootstrap service without entries or URLs");
            continue;
        }
        out.services.push((entries, urls));
    }
    Ok(out)
}

/// Parse a base URL and make sure its path ends with `/` (RFC 9224 §3), so that relative
/// paths such as `domain/x` join under it.
fn base_url(text: &str) -> Option<Url> {
    let mut url = Url::parse(text).ok()?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Some(url)
}

/// Services shared by a registry's entries: index → URLs.
type Services = Vec<Vec<Url>>;

/// `dns.json`: entry (lower case, no trailing dot) → (entry as published, service).
#[derive(Debug, Clone, Default)]
struct DnsRegistry {
    entries: HashMap<String, (String, usize)>,
    services: Services,
}

impl DnsRegistry {
    fn new(file: &RawFile) -> Self {
        let mut reg = Self::default();
        for (entries, urls) in &file.services {
            let idx = reg.services.len();
            reg.services.push(urls.clone());
            for entry in entries {
                let key = entry.trim_end_matches('.').to_ascii_lowercase();
                if key.is_empty() {
                    continue;
                }
                reg.entries.entry(key).or_insert_with(|| (entry.clone(), idx));
            }
        }
        reg
    }

    fn lookup(&self, name: &str) -> Option<ServiceMatch> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() {
            return None;
        }
        // Try the whole name, then drop one leading label at a time: longest match first.
        let mut rest = name.as_str();
        loop {
            if let Some((entry, idx)) = self.entries.get(rest) {
                return self.matched(entry, *idx);
            }
            rest = rest.split_once('.')?.1;
        }
    }

    fn matched(&self, entry: &str, idx: usize) -> Option<ServiceMatch> {
        let urls = self.services.get(idx)?.clone();
        Some(ServiceMatch { entry: entry.to_owned(), urls })
    }
}

/// One prefix length's table: masked network bits → (entry as published, service).
type PrefixTable = HashMap<u128, (String, usize)>;

/// `ipv4.json` + `ipv6.json`: per address family, one hash table per prefix length, longest
/// length first.
#[derive(Debug, Clone, Default)]
struct IpRegistry {
    v4: Vec<(u8, PrefixTable)>,
    v6: Vec<(u8, PrefixTable)>,
    services: Services,
}

impl IpRegistry {
    fn add(&mut self, file: &RawFile) {
        for (entries, urls) in &file.services {
            let idx = self.services.len();
            self.services.push(urls.clone());
            for entry in entries {
                let Ok(net) = entry.parse::<IpNet>() else {
                    tracing::debug!(entry, "skipping unparsable bootstrap prefix");
                    continue;
                };
                let (tables, key) = match net.trunc() {
                    IpNet::V4(n) => (&mut self.v4, u128::from(u32::from(n.network()))),
                    IpNet::V6(n) => (&mut self.v6, u128::from(n.network())),
                };
                let len = net.prefix_len();
                let pos = match tables.iter().position(|(l, _)| *l == len) {
                    Some(pos) => pos,
                    None => {
                        tables.push((len, PrefixTable::new()));
                        tables.len() - 1
                    }
                };
                if let Some((_, table)) = tables.get_mut(pos) {
                    table.entry(key).or_insert_with(|| (entry.clone(), idx));
                }
            }
        }
    }

    /// Sort the tables longest prefix first.
    fn finish(&mut self) {
        self.v4.sort_by_key(|t| std::cmp::Reverse(t.0));
        self.v6.sort_by_key(|t| std::cmp::Reverse(t.0));
    }

    fn lookup(&self, ip: IpAddr) -> Option<ServiceMatch> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            IpAddr::V4(_) => ip,
        };
        let (tables, bits, width) = match ip {
            IpAddr::V4(v4) => (&self.v4, u128::from(u32::from(v4)), 32u32),
            IpAddr::V6(v6) => (&self.v6, u128::from(v6), 128u32),
        };
        for (len, table) in tables {
            let len = u32::from(*len);
            let key = if len == 0 {
                0
            } else {
                // Keep the top `len` bits of a `width`-bit address.
                let shift = width.saturating_sub(len);
                bits.checked_shr(shift).and_then(|v| v.checked_shl(shift)).unwrap_or(0)
            };
            if let Some((entry, idx)) = table.get(&key) {
                let urls = self.services.get(*idx)?.clone();
                return Some(ServiceMatch { entry: entry.clone(), urls });
            }
        }
        None
    }
}

/// `asn.json`: ranges sorted by start, with the running maximum of range ends so that a
/// lookup can stop walking back as soon as no earlier range can reach the number.
#[derive(Debug, Clone, Default)]
struct AsnRegistry {
    /// (start, end, entry, service, max end of this and every earlier range)
    ranges: Vec<(u32, u32, String, usize, u32)>,
    services: Services,
}

impl AsnRegistry {
    fn new(file: &RawFile) -> Self {
        let mut reg = Self::default();
        for (entries, urls) in &file.services {
            let idx = reg.services.len();
            reg.services.push(urls.clone());
            for entry in entries {
                let parsed = match entry.split_once('-') {
                    Some((a, b)) => a.trim().parse::<u32>().ok().zip(b.trim().parse::<u32>().ok()),
                    None => entry.parse::<u32>().ok().map(|n| (n, n)),
                };
                match parsed {
                    Some((start, end)) if start <= end => {
                        reg.ranges.push((start, end, entry.clone(), idx, end));
                    }
                    _ => tracing::debug!(entry, "skipping unparsable bootstrap AS range"),
                }
            }
        }
        reg.ranges.sort_by_key(|r| (r.0, r.1));
        let mut max_end = 0u32;
        for range in &mut reg.ranges {
            max_end = max_end.max(range.1);
            range.4 = max_end;
        }
        reg
    }

    #[allow(
        dead_code,
        reason = "autnum queries and bootstrap provenance are not wired into lookups yet"
    )]
    fn lookup(&self, asn: u32) -> Option<ServiceMatch> {
        let upto = self.ranges.partition_point(|r| r.0 <= asn);
        for (_, end, entry, idx, max_end) in self.ranges.get(..upto)?.iter().rev() {
            if *max_end < asn {
                break;
            }
            if *end >= asn {
                let urls = self.services.get(*idx)?.clone();
                return Some(ServiceMatch { entry: entry.clone(), urls });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn base(m: Option<ServiceMatch>) -> String {
        m.expect("a match").base_url(false).expect("an https URL").to_string()
    }

    #[test]
    fn embedded_domains() {
        let b = Bootstrap::embedded().unwrap();
        let m = b.for_domain("com").unwrap();
        assert_eq!(m.entry, "com");
        assert_eq!(base(Some(m)), "https://rdap.verisign.com/com/v1/");
        assert_eq!(base(b.for_domain("WWW.Google.COM.")), "https://rdap.verisign.com/com/v1/");
        assert_eq!(base(b.for_domain("home.moscow")), "https://rdap.flexireg.net/");
        assert_eq!(base(b.for_domain("afnic.fr")), "https://rdap.nic.fr/");
        assert_eq!(b.for_domain("example.nosuchtld"), None);
        assert_eq!(b.for_domain("nosuchtld"), None);
        assert_eq!(b.for_domain(""), None);
        assert_eq!(b.for_domain("."), None);
    }

    #[test]
    fn http_only_service_needs_allow_http() {
        let b = Bootstrap::embedded().unwrap();
        // dns.json publishes .kg as http://rdap.cctld.kg/ only.
        let m = b.for_domain("example.kg").unwrap();
        assert_eq!(m.base_url(false), None);
        assert_eq!(m.base_url(true).unwrap().as_str(), "http://rdap.cctld.kg/");
    }

    #[test]
    fn embedded_ips() {
        let b = Bootstrap::embedded().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let m = b.for_ip(ip("8.8.8.8")).unwrap();
        assert_eq!(m.entry, "8.0.0.0/8");
        let urls: Vec<_> = m.urls.iter().map(Url::as_str).collect();
        assert_eq!(urls, vec!["https://rdap.arin.net/registry/", "http://rdap.arin.net/registry/"]);
        assert_eq!(base(b.for_ip(ip("193.0.6.139"))), "https://rdap.db.ripe.net/");
        assert_eq!(base(b.for_ip(ip("1.1.1.1"))), "https://rdap.apnic.net/");
        assert_eq!(base(b.for_ip(ip("200.3.13.10"))), "https://rdap.lacnic.net/rdap/");
        assert_eq!(base(b.for_ip(ip("196.216.2.1"))), "https://rdap.afrinic.net/rdap/");
        let m = b.for_ip(ip("2620:119:35::35")).unwrap();
        assert_eq!(m.entry, "2620::/23");
        assert_eq!(base(Some(m)), "https://rdap.arin.net/registry/");
        // v4-mapped IPv6 is looked up as IPv4.
        assert_eq!(base(b.for_ip(ip("::ffff:8.8.8.8"))), "https://rdap.arin.net/registry/");
        assert_eq!(b.for_ip(ip("127.0.0.1")), None);
        assert_eq!(b.for_ip(ip("::1")), None);
    }

    #[test]
    fn embedded_asns() {
        let b = Bootstrap::embedded().unwrap();
        let m = b.for_asn(15169).unwrap();
        assert_eq!(m.entry, "13312-15359");
        assert_eq!(base(Some(m)), "https://rdap.arin.net/registry/");
        let m = b.for_asn(3333).unwrap();
        assert_eq!(m.entry, "3154-3353");
        assert_eq!(base(Some(m)), "https://rdap.db.ripe.net/");
        // Single-number entry.
        assert_eq!(b.for_asn(2043).unwrap().entry, "2043");
        assert_eq!(b.for_asn(0), None);
        assert_eq!(b.for_asn(u32::MAX), None);
    }

    #[test]
    fn publication_dates() {
        let b = Bootstrap::embedded().unwrap();
        let d = b.publication();
        assert_eq!(d.dns.as_deref(), Some("2026-07-23T02:00:03Z"));
        assert_eq!(d.ipv4.as_deref(), Some("2019-06-07T19:00:02Z"));
        assert_eq!(d.ipv6.as_deref(), Some("2024-11-01T22:00:01Z"));
        assert_eq!(d.asn.as_deref(), Some("2025-01-17T20:00:02Z"));
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("whohosts-bootstrap-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn from_dir_replaces_only_present_files() {
        let dir = temp_dir("custom");
        std::fs::write(
            dir.join("dns.json"),
            r#"{"version":"1.0","publication":"2030-01-01T00:00:00Z","services":[
                [["test", "Example.Multi.Label"], ["http://127.0.0.1:1/x"]],
                [["bad"], ["not a url"]],
                "garbage"
            ]}"#,
        )
        .unwrap();
        let b = Bootstrap::from_dir(&dir).unwrap();
        let m = b.for_domain("foo.test").unwrap();
        assert_eq!(m.entry, "test");
        assert_eq!(m.base_url(false), None);
        assert_eq!(m.base_url(true).unwrap().as_str(), "http://127.0.0.1:1/x/");
        assert_eq!(
            m.base_url(true).unwrap().join("domain/foo.test").unwrap().as_str(),
            "http://127.0.0.1:1/x/domain/foo.test"
        );
        // Multi-label entries match on whole labels, case-insensitively.
        assert_eq!(b.for_domain("a.example.multi.label").unwrap().entry, "Example.Multi.Label");
        assert_eq!(b.for_domain("xexample.multi.label"), None);
        // The custom dns.json replaced the embedded one...
        assert_eq!(b.for_domain("com"), None);
        assert_eq!(b.for_domain("x.bad"), None);
        assert_eq!(b.publication().dns.as_deref(), Some("2030-01-01T00:00:00Z"));
        // ...and the missing files kept the embedded registries.
        assert_eq!(base(b.for_ip("8.8.8.8".parse().unwrap())), "https://rdap.arin.net/registry/");
        assert_eq!(base(b.for_asn(3333)), "https://rdap.db.ripe.net/");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn from_dir_errors() {
        let dir = temp_dir("broken");
        std::fs::write(dir.join("asn.json"), "{ not json").unwrap();
        match Bootstrap::from_dir(&dir) {
            Err(ConfigError::Bootstrap { path, .. }) => assert_eq!(path, dir.join("asn.json")),
            other => panic!("expected a bootstrap error, got {other:?}"),
        }
        std::fs::write(dir.join("asn.json"), r#"{"services": 5}"#).unwrap();
        assert!(matches!(Bootstrap::from_dir(&dir), Err(ConfigError::Bootstrap { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(Bootstrap::from_dir(&dir), Err(ConfigError::Bootstrap { .. })));
    }

    #[test]
    fn overlapping_and_nested_entries() {
        let ip_file = parse_file(
            r#"{"services":[
                [["10.0.0.0/8"], ["https://wide.example/"]],
                [["10.1.0.0/16", "0.0.0.0/0"], ["https://narrow.example/"]]
            ]}"#,
        )
        .unwrap();
        let mut ip = IpRegistry::default();
        ip.add(&ip_file);
        ip.finish();
        let at = |s: &str| ip.lookup(s.parse().unwrap()).unwrap().entry;
        assert_eq!(at("10.1.2.3"), "10.1.0.0/16");
        assert_eq!(at("10.2.0.0"), "10.0.0.0/8");
        assert_eq!(at("11.0.0.0"), "0.0.0.0/0");

        let asn_file = parse_file(
            r#"{"services":[[["1-1000", "5", "x-y", "9-3"], ["https://a.example/"]],
                            [["10-20"], ["https://b.example/"]]]}"#,
        )
        .unwrap();
        let asn = AsnRegistry::new(&asn_file);
        assert_eq!(asn.lookup(5).unwrap().entry, "5");
        assert_eq!(asn.lookup(15).unwrap().entry, "10-20");
        assert_eq!(asn.lookup(500).unwrap().entry, "1-1000");
        assert_eq!(asn.lookup(1001), None);
    }
}
