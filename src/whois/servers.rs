//! Which WHOIS server to ask: the shipped suffix → server table, the IPv4 /8 → RIR table,
//! RIR names, configured overrides, referral values, and each server's query conventions.
//!
//! Pure data and string handling; no I/O. The tables are `data/whois/servers.tsv` (dated
//! snapshot, sources in its header) and `data/whois/ipv4.tsv` (IANA IPv4 address space).

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;

/// The shipped suffix → server table (see its header for sources and the snapshot date).
const SERVERS_TSV: &str = include_str!("../../data/whois/servers.tsv");

/// The shipped IPv4 /8 → WHOIS server table (IANA IPv4 address space, updated 2023-12-18).
const IPV4_TSV: &str = include_str!("../../data/whois/ipv4.tsv");

/// IANA's WHOIS server: answers for every TLD and top-level IP block with `refer:`.
pub(crate) const IANA: &str = "whois.iana.org";

/// The standard WHOIS port (RFC 3912).
pub(crate) const WHOIS_PORT: u16 = 43;

/// A WHOIS server: host name (or IP literal) and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Server {
    /// Lower-case host name or IP literal, no trailing dot.
    pub(crate) host: String,
    /// TCP port (43 unless a table, referral or override says otherwise).
    pub(crate) port: u16,
}

impl Server {
    /// `host` on port 43.
    pub(crate) fn new(host: &str) -> Self {
        Self { host: normalize_host(host), port: WHOIS_PORT }
    }

    /// Parse `host`, `host:port`, `IPv4:port` or `[IPv6]:port` (a bare IPv6 literal is a
    /// host on port 43). `None` when the host is empty or has characters no host name has.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if let Ok(sa) = value.parse::<std::net::SocketAddr>() {
            return Some(Self { host: sa.ip().to_string(), port: sa.port() });
        }
        if let Ok(ip) = value.parse::<IpAddr>() {
            return Some(Self { host: ip.to_string(), port: WHOIS_PORT });
        }
        let (host, port) = match value.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok().filter(|p| *p != 0)?),
            None => (value, WHOIS_PORT),
        };
        let host = normalize_host(host);
        let valid = !host.is_empty()
            && host.len() <= 253
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !host.starts_with('.')
            && !host.contains("..");
        valid.then_some(Self { host, port })
    }

    /// `whois://host` (with `:port` when not 43): the `source_url` of facts read from it.
    pub(crate) fn url(&self) -> String {
        if self.port == WHOIS_PORT {
            format!("whois://{}", self.host)
        } else {
            format!("whois://{self}")
        }
    }
}

impl fmt::Display for Server {
    /// `host:port` (IPv6 literals bracketed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Lower case, surrounding white space and trailing dots removed.
fn normalize_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The shipped tables, parsed once.
#[derive(Debug)]
struct Tables {
    suffixes: HashMap<String, Server>,
    ipv4: HashMap<u8, Server>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        suffixes: parse_tsv(SERVERS_TSV)
            .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), Server::parse(v)?)))
            .collect(),
        ipv4: parse_tsv(IPV4_TSV)
            .filter_map(|(k, v)| Some((k.parse::<u8>().ok()?, Server::parse(v)?)))
            .collect(),
    })
}

/// The `key TAB value` rows of a shipped table, comments and blank lines skipped.
fn parse_tsv(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.trim(), v.trim()))
}

/// Numbers describing the shipped tables, for documentation and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableStats {
    /// Single-label TLDs with a server.
    pub(crate) tlds: usize,
    /// Multi-label suffixes (e.g. `co.jp`) with a server.
    pub(crate) suffixes: usize,
    /// IPv4 /8 blocks with a server.
    pub(crate) ipv4_blocks: usize,
}

/// Counts of the shipped tables.
#[cfg_attr(not(test), allow(dead_code, reason = "documentation and tests"))]
pub(crate) fn table_stats() -> TableStats {
    let t = tables();
    let tlds = t.suffixes.keys().filter(|k| !k.contains('.')).count();
    TableStats { tlds, suffixes: t.suffixes.len() - tlds, ipv4_blocks: t.ipv4.len() }
}

/// Configured overrides (`Config::whois.servers`), parsed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    /// Suffix (TLD or multi-label) → server to ask for names under it.
    suffixes: HashMap<String, Server>,
    /// Server host → where to connect instead (the server keeps its name in sources).
    hosts: HashMap<String, Server>,
    /// Keys whose value could not be parsed, with the value.
    invalid: Vec<(String, String)>,
}

impl Overrides {
    /// Read `(key, value)` pairs: a key that names a registry (`arin`, `ripe`, `apnic`,
    /// `lacnic`, `afrinic`, `registro.br`, `iana`) or a server host (a server of the shipped
    /// table, a name starting with `whois.`, or any name of three labels or more) redirects
    /// connections for that server to `value`; any other key is a suffix (`co`, `co.uk`)
    /// whose names are asked at `value`. Values are `host`, `host:port`, `IP:port` or
    /// `[IPv6]:port`.
    pub(crate) fn new(pairs: &[(String, String)]) -> Self {
        let mut out = Self::default();
        for (key, value) in pairs {
            let key = normalize_host(key);
            let Some(server) = Server::parse(value) else {
                out.invalid.push((key, value.clone()));
                continue;
            };
            if let Some(host) = registry_host(&key) {
                out.hosts.insert(host.to_owned(), server);
            } else if key.starts_with("whois.")
                || key.matches('.').count() >= 2
                || is_known_server(&key)
            {
                out.hosts.insert(key, server);
            } else {
                out.suffixes.insert(key.trim_start_matches('.').to_owned(), server);
            }
        }
        out
    }

    /// Where to connect to reach `server`: its override, or itself.
    pub(crate) fn connect_to<'a>(&'a self, server: &'a Server) -> &'a Server {
        self.hosts.get(&server.host).unwrap_or(server)
    }

    /// Overrides whose value was not a usable `host[:port]`.
    pub(crate) fn invalid(&self) -> &[(String, String)] {
        &self.invalid
    }
}

/// True when `host` is a server named by the shipped suffix table.
fn is_known_server(host: &str) -> bool {
    tables().suffixes.values().any(|s| s.host == host)
}

/// The WHOIS server of a registry name (`ARIN`, `RIPE NCC`, `registro.br`, …), or of a value
/// that already is a host (`whois.afrinic.net`, `whois.ripe.net:43`).
pub(crate) fn registry_server(name: &str) -> Option<Server> {
    let key = name.trim().to_ascii_lowercase();
    if let Some(host) = registry_host(&key) {
        return Some(Server::new(host));
    }
    if key.contains('.') { Server::parse(&key) } else { None }
}

/// The WHOIS host of a registry name (the number registries' table in `rir.rs`; `iana` is an
/// alias for overrides).
fn registry_host(key: &str) -> Option<&'static str> {
    if key == "iana" { Some(IANA) } else { crate::rir::whois_server(key) }
}

/// The server for `domain` (lower-case A-labels). `None`: ask IANA.
///
/// The rule (issue #20): **a configured suffix wins for every name below it**, over any
/// shipped suffix, longer ones included; among configured suffixes, and then among shipped
/// ones, the longest wins. So `--whois ua=HOST` also serves `x.lviv.ua`, which the shipped
/// table sends to `whois.lviv.ua`, unless a configured `lviv.ua` says otherwise: whoever
/// configures a TLD's server means the whole TLD (a mirror, a test world, a registry's new
/// server), and the shipped table's sub-registries are the older, less trusted data.
pub(crate) fn domain_server(domain: &str, overrides: &Overrides) -> Option<Server> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    // Every proper suffix, longest first: "a.b.co.uk" → "b.co.uk", "co.uk", "uk".
    let suffixes = || {
        std::iter::successors(Some(domain.as_str()), |s| s.split_once('.').map(|(_, rest)| rest))
            .skip(1)
    };
    let configured = suffixes().find_map(|s| overrides.suffixes.get(s));
    configured.or_else(|| suffixes().find_map(|s| tables().suffixes.get(s))).cloned()
}

/// The server for an address without a registry hint: the IPv4 /8 table, else IANA.
pub(crate) fn ip_server(ip: IpAddr) -> Server {
    match ip {
        IpAddr::V4(v4) => {
            tables().ipv4.get(&v4.octets()[0]).cloned().unwrap_or_else(|| Server::new(IANA))
        }
        IpAddr::V6(_) => Server::new(IANA),
    }
}

/// A server named in an answer (`Registrar WHOIS Server:`, `ReferralServer:`, `refer:`):
/// `whois://` and `http(s)://` prefixes and a trailing path removed (`who.godaddy.com/`).
/// `None` for empty values, other schemes (`rwhois://`) and values that are not host names.
pub(crate) fn referral_server(value: &str) -> Option<Server> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("whois://") {
        r
    } else if let Some(r) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"))
    {
        r
    } else if lower.contains("://") {
        return None;
    } else {
        lower.as_str()
    };
    let host = rest.split('/').next().unwrap_or_default();
    Server::parse(host)
}

/// What is being asked, which decides the query line some servers want.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryKind {
    /// A domain name.
    Domain,
    /// A TLD asked at IANA.
    Tld,
    /// An IP address.
    Ip,
}

/// The query line (without CRLF) to send `server` for `object`:
///
/// * DENIC: `-T dn,ace <domain>` (ACE output, as the BSD and GNU clients send);
/// * Verisign (`*.verisign-grs.com`): `domain <domain>`, so names that merely start with the
///   domain ("Server Name: GOOGLE.COM.ZZZZZ…" look-alikes) are not listed before it;
/// * JPRS: `<domain>/e` (English output);
/// * ARIN: `n + <ip>` (network objects, full details; ARIN otherwise answers "Query terms
///   are ambiguous. The query is assumed to be: "n 8.8.8.8"");
/// * everyone else: the object as is.
pub(crate) fn query_line(server: &Server, object: &str, kind: QueryKind) -> String {
    let host = server.host.as_str();
    match kind {
        QueryKind::Domain if host == "whois.denic.de" => format!("-T dn,ace {object}"),
        QueryKind::Domain if host.ends_with("verisign-grs.com") => format!("domain {object}"),
        QueryKind::Domain if host == "whois.jprs.jp" => format!("{object}/e"),
        QueryKind::Ip if host == "whois.arin.net" => format!("n + {object}"),
        _ => object.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Every row of both shipped tables is `key TAB server` with a server that parses, keys
    /// are valid (a suffix of DNS labels; an IPv4 first octet) and none is listed twice.
    #[test]
    fn every_shipped_row_parses_once() {
        for (name, text) in [("servers.tsv", SERVERS_TSV), ("ipv4.tsv", IPV4_TSV)] {
            let lines = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
            let rows: Vec<_> = parse_tsv(text).collect();
            assert_eq!(rows.len(), lines.count(), "{name}: a row without a tab");
            let mut seen = std::collections::HashSet::new();
            for (key, server) in rows {
                assert!(Server::parse(server).is_some(), "{name}: {key} {server}");
                let key = key.to_ascii_lowercase();
                if name == "ipv4.tsv" {
                    assert!(key.parse::<u8>().is_ok(), "{name}: {key}");
                } else {
                    assert!(
                        key.split('.').all(|l| !l.is_empty()
                            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')),
                        "{name}: {key}"
                    );
                }
                assert!(seen.insert(key.clone()), "{name}: {key} listed twice");
            }
        }
        let stats = table_stats();
        assert!(stats.tlds > 0 && stats.suffixes > 0 && stats.ipv4_blocks > 0, "{stats:?}");
    }

    #[test]
    fn server_values_parse() {
        assert_eq!(
            Server::parse("whois.nic.ch:4343"),
            Some(Server { host: "whois.nic.ch".into(), port: 4343 })
        );
        assert_eq!(
            Server::parse("WHOIS.AFILIAS-GRS.INFO."),
            Some(Server::new("whois.afilias-grs.info"))
        );
        assert_eq!(Server::parse("127.0.0.1:4343").unwrap().to_string(), "127.0.0.1:4343");
        assert_eq!(Server::parse("[::1]:43").unwrap().to_string(), "[::1]:43");
        assert_eq!(Server::parse("2001:db8::1").unwrap().port, 43);
        assert_eq!(Server::parse("host:0"), None);
        assert_eq!(Server::parse("bad host"), None);
        assert_eq!(Server::parse(""), None);
        assert_eq!(Server::new("whois.nic.co").url(), "whois://whois.nic.co");
        assert_eq!(Server::parse("h.example:4343").unwrap().url(), "whois://h.example:4343");
    }

    #[test]
    fn referral_values() {
        assert_eq!(
            referral_server("whois://whois.lacnic.net"),
            Some(Server::new("whois.lacnic.net"))
        );
        assert_eq!(referral_server("who.godaddy.com/"), Some(Server::new("who.godaddy.com")));
        assert_eq!(referral_server("WHOIS.ENOM.COM"), Some(Server::new("whois.enom.com")));
        assert_eq!(referral_server("rwhois://rwhois.shawcable.net:4321"), None);
        assert_eq!(referral_server(""), None);
        assert_eq!(
            referral_server("http://www.markmonitor.com"),
            Some(Server::new("www.markmonitor.com"))
        );
    }

    #[test]
    fn domain_servers_from_the_table_and_overrides() {
        let none = Overrides::default();
        let host = |d: &str| domain_server(d, &none).map(|s| s.to_string());
        assert_eq!(host("google.com").as_deref(), Some("whois.verisign-grs.com:43"));
        assert_eq!(host("www.google.co.jp").as_deref(), Some("whois.jprs.jp:43"));
        assert_eq!(host("app.nl").as_deref(), Some("whois.domain-registry.nl:43"));
        assert_eq!(host("google.ch").as_deref(), Some("whois.nic.ch:43"));
        assert_eq!(host("google.com.au").as_deref(), Some("whois.auda.org.au:43"));
        assert_eq!(host("x.google").as_deref(), Some("whois.nic.google:43"));
        assert_eq!(host("x.lt"), None, "availability-only das.domreg.lt removed");
        assert_eq!(host("x.unknown-tld"), None);

        let overrides = Overrides::new(&[
            ("co".into(), "127.0.0.1:4343".into()),
            ("whois.verisign-grs.com".into(), "127.0.0.1:4344".into()),
            ("ARIN".into(), "127.0.0.1:4345".into()),
            ("de".into(), "not a host:x".into()),
        ]);
        assert_eq!(domain_server("google.co", &overrides).unwrap().to_string(), "127.0.0.1:4343");
        let verisign = domain_server("google.com", &overrides).unwrap();
        assert_eq!(verisign.to_string(), "whois.verisign-grs.com:43");
        assert_eq!(overrides.connect_to(&verisign).to_string(), "127.0.0.1:4344");
        let arin = registry_server("ARIN").unwrap();
        assert_eq!(overrides.connect_to(&arin).to_string(), "127.0.0.1:4345");
        assert_eq!(overrides.invalid(), &[("de".to_owned(), "not a host:x".to_owned())]);
    }

    /// A configured suffix serves every name below it, over longer shipped suffixes, unless a
    /// longer configured suffix says otherwise (issue #20).
    #[test]
    fn a_configured_suffix_wins_for_every_name_below_it() {
        let none = Overrides::default();
        let host = |d: &str, o: &Overrides| domain_server(d, o).map(|s| s.to_string());
        // The shipped table: the sub-registry for lviv.ua, whois.ua for the rest.
        assert_eq!(host("x.lviv.ua", &none).as_deref(), Some("whois.lviv.ua:43"));
        assert_eq!(host("x.ua", &none).as_deref(), Some("whois.ua:43"));

        let ua = Overrides::new(&[("ua".into(), "127.0.0.1:4343".into())]);
        assert_eq!(host("x.ua", &ua).as_deref(), Some("127.0.0.1:4343"));
        assert_eq!(host("x.lviv.ua", &ua).as_deref(), Some("127.0.0.1:4343"));
        assert_eq!(host("a.b.lviv.ua", &ua).as_deref(), Some("127.0.0.1:4343"));
        // Other TLDs keep the table.
        assert_eq!(host("google.com", &ua).as_deref(), Some("whois.verisign-grs.com:43"));

        // A longer configured key wins below itself, in either order of configuration.
        for pairs in [
            [("ua", "127.0.0.1:4343"), ("lviv.ua", "127.0.0.1:4344")],
            [("lviv.ua", "127.0.0.1:4344"), ("ua", "127.0.0.1:4343")],
        ] {
            let pairs: Vec<(String, String)> =
                pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            let both = Overrides::new(&pairs);
            assert_eq!(host("x.lviv.ua", &both).as_deref(), Some("127.0.0.1:4344"));
            assert_eq!(host("x.kiev.ua", &both).as_deref(), Some("127.0.0.1:4343"));
        }
    }

    #[test]
    fn registry_and_ip_servers() {
        assert_eq!(registry_server("RIPE NCC"), Some(Server::new("whois.ripe.net")));
        assert_eq!(registry_server("AFRINIC"), Some(Server::new("whois.afrinic.net")));
        assert_eq!(registry_server("registro.br"), Some(Server::new("whois.registro.br")));
        assert_eq!(registry_server("whois.apnic.net"), Some(Server::new("whois.apnic.net")));
        assert_eq!(registry_server("JPNIC"), None);
        assert_eq!(ip_server("8.8.8.8".parse().unwrap()), Server::new("whois.arin.net"));
        assert_eq!(ip_server("196.216.2.1".parse().unwrap()), Server::new("whois.afrinic.net"));
        assert_eq!(ip_server("193.0.6.139".parse().unwrap()), Server::new("whois.ripe.net"));
        assert_eq!(ip_server("1.1.1.1".parse().unwrap()), Server::new("whois.apnic.net"));
        assert_eq!(ip_server("200.3.14.10".parse().unwrap()), Server::new("whois.lacnic.net"));
        assert_eq!(ip_server("10.0.0.1".parse().unwrap()), Server::new(IANA));
        assert_eq!(ip_server("2001:db8::1".parse().unwrap()), Server::new(IANA));
    }

    #[test]
    fn query_conventions() {
        let q = |host: &str, o: &str, k| query_line(&Server::new(host), o, k);
        assert_eq!(q("whois.denic.de", "google.de", QueryKind::Domain), "-T dn,ace google.de");
        assert_eq!(
            q("whois.verisign-grs.com", "google.com", QueryKind::Domain),
            "domain google.com"
        );
        assert_eq!(
            q("ccwhois.verisign-grs.com", "google.cc", QueryKind::Domain),
            "domain google.cc"
        );
        assert_eq!(q("whois.jprs.jp", "google.co.jp", QueryKind::Domain), "google.co.jp/e");
        assert_eq!(q("whois.arin.net", "8.8.8.8", QueryKind::Ip), "n + 8.8.8.8");
        assert_eq!(q("whois.ripe.net", "193.0.6.139", QueryKind::Ip), "193.0.6.139");
        assert_eq!(q("whois.iana.org", "com", QueryKind::Tld), "com");
    }
}
