//! The one table of facts about the regional Internet registries that the rest of the crate
//! needs by name: each RIR's RDAP base URL (for referrals that name a registry rather than a
//! URL) and the name the record uses for it.
//!
//! Politeness limits live in the [`Politeness`](crate::Politeness) table (they are
//! per-server settings a user may change); WHOIS servers in `whois/servers.rs`, whose data
//! file also covers TLD registries.

use url::Url;

/// One regional Internet registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rir {
    /// The name records use (`ARIN`, `RIPE NCC`, …).
    pub(crate) name: &'static str,
    /// The RDAP base URL (the one the IANA bootstrap lists for its space).
    pub(crate) rdap_base: &'static str,
    /// Names a referral may use for it (compared upper case, spaces removed).
    aliases: &'static [&'static str],
}

/// The five RIRs.
pub(crate) const RIRS: &[Rir] = &[
    Rir { name: "ARIN", rdap_base: "https://rdap.arin.net/registry/", aliases: &["ARIN"] },
    Rir { name: "RIPE NCC", rdap_base: "https://rdap.db.ripe.net/", aliases: &["RIPE", "RIPENCC"] },
    Rir { name: "APNIC", rdap_base: "https://rdap.apnic.net/", aliases: &["APNIC"] },
    Rir { name: "LACNIC", rdap_base: "https://rdap.lacnic.net/rdap/", aliases: &["LACNIC"] },
    Rir { name: "AFRINIC", rdap_base: "https://rdap.afrinic.net/rdap/", aliases: &["AFRINIC"] },
];

/// The RIR a referral names (`ARIN`, `ripe`, `RIPE NCC`, …).
pub(crate) fn by_name(name: &str) -> Option<&'static Rir> {
    let key = name.to_ascii_uppercase().replace(' ', "");
    RIRS.iter().find(|r| r.aliases.contains(&key.as_str()))
}

/// The RDAP base URL of a regional registry named in a referral.
pub(crate) fn rdap_base_url(name: &str) -> Option<Url> {
    by_name(name).and_then(|r| Url::parse(r.rdap_base).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn referral_names_find_their_registry() {
        assert_eq!(rdap_base_url("ARIN").unwrap().as_str(), "https://rdap.arin.net/registry/");
        assert_eq!(rdap_base_url("ripe ncc").unwrap().as_str(), "https://rdap.db.ripe.net/");
        assert_eq!(by_name("RIPE").unwrap().name, "RIPE NCC");
        assert_eq!(by_name("lacnic").unwrap().rdap_base, "https://rdap.lacnic.net/rdap/");
        assert!(by_name("JPNIC").is_none());
        // Every base URL parses and ends in a slash (paths are joined onto it).
        for rir in RIRS {
            assert!(Url::parse(rir.rdap_base).is_ok() && rir.rdap_base.ends_with('/'));
        }
    }
}
