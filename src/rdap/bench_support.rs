//! Bench support: the private RDAP extractors and the bootstrap matcher, callable from
//! `benches/lookup.rs`. **Not an API**: compiled only with the private feature `__bench`,
//! hidden from the docs and re-exported as `whohosts::__bench` only because a criterion bench
//! sees nothing but the public API.

use std::net::IpAddr;

use serde_json::Value;

use super::bootstrap::Bootstrap;
use super::extract;
use crate::config::Limits;

/// Run the extractor for `kind` (`ip`, `autnum`, `domain` or `entity`) over an already
/// parsed RDAP answer, as if fetched from `url`; returns how many contacts it found (abuse
/// contacts; an entity's own contacts; a domain's registrar abuse contacts), 0 for an
/// unknown kind or an extractor error.
pub fn extract(kind: &str, answer: &Value, url: &str) -> usize {
    let depth = Limits::default().max_entity_depth;
    match kind {
        "ip" => extract::read_network(answer, url, depth).map_or(0, |a| a.abuse.len()),
        "autnum" => extract::read_autnum(answer, url, depth).map_or(0, |a| a.abuse.len()),
        "domain" => extract::read_domain(answer, url, depth)
            .map_or(0, |a| a.registrar.map_or(0, |r| r.abuse.len())),
        "entity" => extract::read_entity(answer, url, depth).map_or(0, |a| a.contacts.len()),
        _ => 0,
    }
}

/// The embedded IANA bootstrap, for timing matches.
#[derive(Debug)]
pub struct BootstrapMatcher(Bootstrap);

impl BootstrapMatcher {
    /// Load the embedded bootstrap; `None` if it does not load (it always does).
    pub fn embedded() -> Option<Self> {
        Bootstrap::embedded().ok().map(Self)
    }

    /// Whether a service is known for the domain `name` (longest label match).
    pub fn domain(&self, name: &str) -> bool {
        self.0.for_domain(name).is_some()
    }

    /// Whether a service is known for `ip` (longest prefix match).
    pub fn ip(&self, ip: IpAddr) -> bool {
        self.0.for_ip(ip).is_some()
    }

    /// Whether a service is known for AS `asn`.
    pub fn asn(&self, asn: u32) -> bool {
        self.0.for_asn(asn).is_some()
    }
}
