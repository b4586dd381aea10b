//! The one table of facts about the Internet number registries that the crate needs by
//! name: the five regional registries (RIRs) and the national ones (NIRs) whose services
//! answer for their space. For each: the name records use, the RDAP base URL and WHOIS
//! server (for referrals that name a registry rather than a URL), the domains its servers
//! live under (to tell which registry answered), and the words free text uses for it.
//!
//! Per-server request limits are not here: they are settings a user may change, in the
//! [`Politeness`](crate::Politeness) table. TLD registries' WHOIS servers are in the shipped
//! `data/whois/servers.tsv`.

use url::Url;

/// One number registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumberRegistry {
    /// The name records use (`ARIN`, `RIPE NCC`, `JPNIC`, `registro.br`, …).
    pub(crate) name: &'static str,
    /// Whether it is one of the five regional registries.
    pub(crate) regional: bool,
    /// The RDAP base URL, for referrals that name the registry (the RIRs' are the ones the
    /// IANA bootstrap lists for their space).
    pub(crate) rdap_base: Option<&'static str>,
    /// The WHOIS server whohosts asks for it: for the RIRs the `<whois>` values of IANA's
    /// IPv4 address space registry; registro.br's own answers name `whois.registro.br`
    /// ("accepts only direct match queries … CIDR block, IP and ASN"). None for the Asian
    /// NIRs: their space is asked at APNIC, whose answers cover it.
    pub(crate) whois: Option<&'static str>,
    /// Domains its servers live under (a host equal to one, or ending in `.` + one).
    domains: &'static [&'static str],
    /// Words by which free text and referrals call it, lower case (compared with spaces
    /// removed in referrals, so `RIPENCC` finds `ripe ncc`).
    words: &'static [&'static str],
    /// The leading label of its services hosted under an RIR's domain
    /// (`jpnic.rdap.apnic.net`).
    label: Option<&'static str>,
}

/// The registries, NIRs first (their domains are matched before an RIR's, and APNIC hosts
/// some of their services under its own domain).
const REGISTRIES: &[NumberRegistry] = &[
    NumberRegistry {
        name: "registro.br",
        regional: false,
        rdap_base: Some("https://rdap.registro.br/"),
        whois: Some("whois.registro.br"),
        domains: &["registro.br", "nic.br"],
        words: &["registro.br"],
        label: None,
    },
    NumberRegistry {
        name: "JPNIC",
        regional: false,
        rdap_base: None,
        whois: None,
        domains: &["nic.ad.jp", "jpnic.net"],
        words: &["jpnic"],
        label: Some("jpnic"),
    },
    NumberRegistry {
        name: "KRNIC",
        regional: false,
        rdap_base: None,
        whois: None,
        domains: &["kisa.or.kr", "nic.or.kr"],
        words: &["krnic"],
        label: Some("krnic"),
    },
    NumberRegistry {
        name: "TWNIC",
        regional: false,
        rdap_base: None,
        whois: None,
        domains: &["twnic.net.tw", "twnic.tw", "twnic.net"],
        words: &["twnic"],
        label: Some("twnic"),
    },
    NumberRegistry {
        name: "CNNIC",
        regional: false,
        rdap_base: None,
        whois: None,
        domains: &["cnnic.cn", "cnnic.net.cn"],
        words: &["cnnic"],
        label: Some("cnnic"),
    },
    NumberRegistry {
        name: "IDNIC",
        regional: false,
        rdap_base: None,
        whois: None,
        domains: &["idnic.net", "idnic.id"],
        words: &["idnic"],
        label: Some("idnic"),
    },
    NumberRegistry {
        name: "ARIN",
        regional: true,
        rdap_base: Some("https://rdap.arin.net/registry/"),
        whois: Some("whois.arin.net"),
        domains: &["arin.net"],
        words: &["arin"],
        label: None,
    },
    NumberRegistry {
        name: "RIPE NCC",
        regional: true,
        rdap_base: Some("https://rdap.db.ripe.net/"),
        whois: Some("whois.ripe.net"),
        domains: &["ripe.net"],
        words: &["ripe ncc", "ripe"],
        label: None,
    },
    NumberRegistry {
        name: "APNIC",
        regional: true,
        rdap_base: Some("https://rdap.apnic.net/"),
        whois: Some("whois.apnic.net"),
        domains: &["apnic.net"],
        words: &["apnic"],
        label: None,
    },
    NumberRegistry {
        name: "LACNIC",
        regional: true,
        rdap_base: Some("https://rdap.lacnic.net/rdap/"),
        whois: Some("whois.lacnic.net"),
        domains: &["lacnic.net"],
        words: &["lacnic"],
        label: None,
    },
    NumberRegistry {
        name: "AFRINIC",
        regional: true,
        rdap_base: Some("https://rdap.afrinic.net/rdap/"),
        whois: Some("whois.afrinic.net"),
        domains: &["afrinic.net"],
        words: &["afrinic"],
        label: None,
    },
];

/// The registry a referral or a record names (`ARIN`, `ripe`, `RIPE NCC`, `registro.br`;
/// any case, spaces ignored).
pub(crate) fn by_name(name: &str) -> Option<&'static NumberRegistry> {
    let key = name.trim().to_ascii_lowercase().replace(' ', "");
    REGISTRIES.iter().find(|r| {
        r.name.to_ascii_lowercase().replace(' ', "") == key
            || r.words.iter().any(|w| w.replace(' ', "") == key)
    })
}

#[cfg_attr(not(feature = "whois"), allow(dead_code))]
/// The WHOIS server of a registry named in a referral or a record (`ARIN`, `ripe ncc`,
/// `registro.br`).
pub(crate) fn whois_server(name: &str) -> Option<&'static str> {
    by_name(name).and_then(|r| r.whois)
}

/// The RDAP base URL of a regional registry named in a referral.
pub(crate) fn rdap_base_url(name: &str) -> Option<Url> {
    by_name(name).filter(|r| r.regional).and_then(|r| Url::parse(r.rdap_base?).ok())
}

/// The registry whose servers live at `host` (an RDAP or WHOIS host name): by its domains,
/// or by a leading NIR label under another registry's domain (`jpnic.rdap.apnic.net`).
pub(crate) fn for_host(host: &str) -> Option<&'static NumberRegistry> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let first = host.split('.').next().unwrap_or_default();
    if host.contains('.')
        && let Some(nir) = REGISTRIES.iter().find(|r| r.label == Some(first))
    {
        return Some(nir);
    }
    REGISTRIES.iter().find(|r| {
        r.domains.iter().any(|domain| {
            host == *domain || host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
        })
    })
}

/// The five regional registries as free text writes them, `(word, name)`, longest word
/// first (so `ripe ncc` is tried before `ripe`).
pub(crate) fn rir_words() -> Vec<(&'static str, &'static str)> {
    let mut words: Vec<(&str, &str)> = REGISTRIES
        .iter()
        .filter(|r| r.regional)
        .flat_map(|r| r.words.iter().map(|w| (*w, r.name)))
        .collect();
    words.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    words
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn referral_names_find_their_registry() {
        assert_eq!(rdap_base_url("ARIN").unwrap().as_str(), "https://rdap.arin.net/registry/");
        assert_eq!(rdap_base_url("ripe ncc").unwrap().as_str(), "https://rdap.db.ripe.net/");
        assert_eq!(rdap_base_url("RIPENCC").unwrap().as_str(), "https://rdap.db.ripe.net/");
        assert_eq!(by_name("RIPE").unwrap().name, "RIPE NCC");
        assert_eq!(by_name("lacnic").unwrap().rdap_base, Some("https://rdap.lacnic.net/rdap/"));
        assert_eq!(whois_server("registro.br"), Some("whois.registro.br"));
        assert_eq!(whois_server("RIPE NCC"), Some("whois.ripe.net"));
        // NIRs are known by name, but a referral to one is not an RIR's RDAP base.
        assert_eq!(by_name("JPNIC").unwrap().whois, None);
        assert!(rdap_base_url("JPNIC").is_none());
        assert!(by_name("EXAMPLE").is_none());
    }

    #[test]
    fn hosts_name_the_registry_that_answered() {
        let name = |host: &str| for_host(host).map(|r| r.name);
        assert_eq!(name("rdap.arin.net"), Some("ARIN"));
        assert_eq!(name("WHOIS.RIPE.NET."), Some("RIPE NCC"));
        assert_eq!(name("jpnic.rdap.apnic.net"), Some("JPNIC"));
        assert_eq!(name("rdap.apnic.net"), Some("APNIC"));
        assert_eq!(name("whois.nic.ad.jp"), Some("JPNIC"));
        assert_eq!(name("rdap.registro.br"), Some("registro.br"));
        assert_eq!(name("notarin.net"), None);
        assert_eq!(name("arin"), None);
    }

    #[test]
    fn the_table_is_well_formed() {
        let rirs: Vec<_> = REGISTRIES.iter().filter(|r| r.regional).map(|r| r.name).collect();
        assert_eq!(rirs, ["ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC"]);
        for r in REGISTRIES {
            // Every base URL parses and ends in a slash (paths are joined onto it).
            if let Some(base) = r.rdap_base {
                assert!(Url::parse(base).is_ok() && base.ends_with('/'), "{base}");
            }
            // Every registry is found by its own name and by each of its hosts.
            assert_eq!(by_name(r.name).map(|f| f.name), Some(r.name));
            for domain in r.domains {
                assert_eq!(for_host(&format!("whois.{domain}")).map(|f| f.name), Some(r.name));
            }
        }
        let words = rir_words();
        assert_eq!(words.first(), Some(&("ripe ncc", "RIPE NCC")));
        assert!(words.contains(&("ripe", "RIPE NCC")) && words.contains(&("afrinic", "AFRINIC")));
    }
}
