//! The test world's RFC 9224 bootstrap files (`dns.json`, `ipv4.json`, `ipv6.json`,
//! `asn.json`) and the temporary directory that holds them.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ipnet::IpNet;
use serde_json::{Value, json};

use super::{ClaimKind, ClaimSpec, invalid_input};

/// The `publication` date written into every file.
const PUBLICATION: &str = "2024-01-01T00:00:00Z";

/// A directory removed (with its contents) on drop.
#[derive(Debug)]
pub(super) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Create a fresh, empty directory under the system temporary directory.
    pub(super) fn new() -> io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut last_error = None;
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("whohosts-world-{}-{n}-{nanos:09}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no free temporary directory name")))
    }

    /// The directory.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            tracing::debug!(path = %self.path.display(), %error, "could not remove test world bootstrap dir");
        }
    }
}

/// Parse an AS claim (`"15169"` or `"1-1876"`) into an inclusive range.
pub(super) fn parse_asn_range(value: &str) -> Option<(u32, u32)> {
    let value = value.trim();
    let (start, end) = match value.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let n = value.parse().ok()?;
            (n, n)
        }
    };
    (start <= end).then_some((start, end))
}

/// The entries of one file, grouped by service in service order.
#[derive(Debug, Default)]
struct Registry {
    /// (local base URL, entries)
    services: Vec<(String, Vec<String>)>,
}

impl Registry {
    fn add(&mut self, url: &str, entry: String) {
        if let Some((_, entries)) = self.services.iter_mut().find(|(u, _)| u == url) {
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        } else {
            self.services.push((url.to_owned(), vec![entry]));
        }
    }

    fn to_json(&self, description: &str) -> Value {
        let services: Vec<Value> =
            self.services.iter().map(|(url, entries)| json!([entries, [url]])).collect();
        json!({
            "description": description,
            "publication": PUBLICATION,
            "services": services,
            "version": "1.0",
        })
    }
}

/// Write the four bootstrap files for these claims into a new temporary directory.
/// `local_urls` maps service names to their local base URLs (ending with `/`).
pub(super) fn write(local_urls: &[(String, String)], claims: &[ClaimSpec]) -> io::Result<TempDir> {
    let mut dns = Registry::default();
    let mut ipv4 = Registry::default();
    let mut ipv6 = Registry::default();
    let mut asn = Registry::default();
    // Claims are grouped in service order so files look like IANA's.
    for (service, url) in local_urls {
        for claim in claims.iter().filter(|c| &c.service == service) {
            match claim.kind {
                ClaimKind::Tld => {
                    let tld = claim.value.trim().trim_matches('.').to_ascii_lowercase();
                    if tld.is_empty() || tld.contains('.') {
                        return Err(invalid_input(format!("bad TLD claim {:?}", claim.value)));
                    }
                    dns.add(url, tld);
                }
                ClaimKind::Ip => {
                    let net: IpNet =
                        claim.value.trim().parse().map_err(|_| {
                            invalid_input(format!("bad CIDR claim {:?}", claim.value))
                        })?;
                    let net = net.trunc();
                    match net {
                        IpNet::V4(_) => ipv4.add(url, net.to_string()),
                        IpNet::V6(_) => ipv6.add(url, net.to_string()),
                    }
                }
                ClaimKind::Asn => {
                    let (start, end) = parse_asn_range(&claim.value).ok_or_else(|| {
                        invalid_input(format!("bad AS number claim {:?}", claim.value))
                    })?;
                    asn.add(url, format!("{start}-{end}"));
                }
            }
        }
    }
    if let Some(claim) =
        claims.iter().find(|c| !local_urls.iter().any(|(name, _)| name == &c.service))
    {
        return Err(invalid_input(format!("claim for unknown service {:?}", claim.service)));
    }

    let dir = TempDir::new()?;
    let files = [
        ("dns.json", dns.to_json("RDAP bootstrap file for Domain Name System registrations (whohosts test world)")),
        ("ipv4.json", ipv4.to_json("RDAP bootstrap file for IPv4 address allocations (whohosts test world)")),
        ("ipv6.json", ipv6.to_json("RDAP bootstrap file for IPv6 address allocations (whohosts test world)")),
        ("asn.json", asn.to_json("RDAP bootstrap file for Autonomous System Number allocations (whohosts test world)")),
    ];
    for (name, value) in files {
        let text = serde_json::to_string_pretty(&value).map_err(io::Error::other)?;
        std::fs::write(dir.path().join(name), text)?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn asn_ranges() {
        assert_eq!(parse_asn_range("15169"), Some((15169, 15169)));
        assert_eq!(parse_asn_range("1-1876"), Some((1, 1876)));
        assert_eq!(parse_asn_range("5-4"), None);
        assert_eq!(parse_asn_range("AS5"), None);
    }

    #[test]
    fn files_group_claims_by_service() {
        let urls = vec![
            ("a".to_owned(), "http://127.0.0.1:1/a/".to_owned()),
            ("b".to_owned(), "http://127.0.0.1:1/b/".to_owned()),
        ];
        let claim = |service: &str, kind, value: &str| ClaimSpec {
            service: service.to_owned(),
            kind,
            value: value.to_owned(),
        };
        let claims = vec![
            claim("b", ClaimKind::Tld, "COM"),
            claim("a", ClaimKind::Ip, "8.8.8.8/8"),
            claim("a", ClaimKind::Ip, "2620::/23"),
            claim("a", ClaimKind::Asn, "15169"),
            claim("a", ClaimKind::Tld, "fr"),
        ];
        let dir = write(&urls, &claims).unwrap();
        let read = |name: &str| -> Value {
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
        };
        let dns = read("dns.json");
        assert_eq!(dns["version"], "1.0");
        assert_eq!(
            dns["services"],
            json!([[["fr"], ["http://127.0.0.1:1/a/"]], [["com"], ["http://127.0.0.1:1/b/"]]])
        );
        assert_eq!(
            read("ipv4.json")["services"],
            json!([[["8.0.0.0/8"], ["http://127.0.0.1:1/a/"]]])
        );
        assert_eq!(
            read("ipv6.json")["services"],
            json!([[["2620::/23"], ["http://127.0.0.1:1/a/"]]])
        );
        assert_eq!(
            read("asn.json")["services"],
            json!([[["15169-15169"], ["http://127.0.0.1:1/a/"]]])
        );
        let path = dir.path().to_owned();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn bad_claims_are_rejected() {
        let urls = vec![("a".to_owned(), "http://127.0.0.1:1/a/".to_owned())];
        let bad =
            ClaimSpec { service: "a".to_owned(), kind: ClaimKind::Ip, value: "8.8.8".to_owned() };
        assert_eq!(write(&urls, &[bad]).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        let unknown =
            ClaimSpec { service: "z".to_owned(), kind: ClaimKind::Tld, value: "com".to_owned() };
        assert_eq!(write(&urls, &[unknown]).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }
}
