//! WHOIS (port 43): which server to ask, the referral chain, and the facts of the answers as
//! record parts ([`Registrar`], abuse [`Contact`]s) with their sources.
//!
//! [`Whois`] is built once per client from [`Config`]. [`Whois::lookup_domain`] asks the
//! registry named by the shipped suffix table (or by IANA's `refer:` for an unknown TLD) and
//! follows its `Registrar WHOIS Server:` referral to the registrar; [`Whois::lookup_ip`]
//! asks the registry named by a hint (the RDAP answer's registry or port-43 server), else the
//! one IANA lists for the address, and follows `ReferralServer: whois://…` and `refer:`.
//! RWhois referrals (`rwhois://…`) are not followed: the one recorded (Shaw's) only referred
//! on to the RWhois root; they are reported in [`WhoisNetwork::skipped_referral`].
//!
//! Every exchange takes its server's turn from the client's [`RateBudget`] first, as RDAP
//! requests do (concurrency limit, token bucket, pause, breaker; the WHOIS table in
//! [`Politeness`]), under the key `whois://host:port`. An answer the parser recognises as a
//! rate-limit refusal is a `rate_limited` error, never data, and pauses that server for
//! everyone ([`Turn::settle`]).
//!
//! Answers are kept in the client's [`ResponseCache`] (the one RDAP responses go to, so a
//! `DiskCache` keeps them between runs) under `whois://host:port/QUERY` keys: an answer that
//! parses as facts for the cache TTL (`CacheSettings::ttl`), one that says the object does
//! not exist for the negative TTL; refusals and failures are not kept. A cached answer
//! takes no turn from the budget.
//!
//! Layout: `client.rs` (the client; `disabled.rs` stands in without the `whois` feature),
//! `servers.rs` (tables, overrides, query conventions), `net.rs` (one TCP
//! exchange), `parse.rs` (answers → facts, pure).

#[cfg(feature = "whois")]
mod client;
#[cfg(not(feature = "whois"))]
mod disabled;
#[cfg(feature = "whois")]
pub(crate) mod net;
#[cfg(feature = "whois")]
pub(crate) mod parse;
#[cfg(feature = "whois")]
pub(crate) mod servers;

#[cfg(feature = "whois")]
pub(crate) use client::Whois;
#[cfg(not(feature = "whois"))]
pub(crate) use disabled::Whois;

use crate::error::SourceError;
use crate::record::{Contact, FallbackReason, Registrar};

/// What WHOIS says about a domain's registration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WhoisDomain {
    /// The registrar, from the registry's answer and the registrar's own (name and IANA ID
    /// from the registry first; abuse channels from the registrar's answer first). `None`
    /// when no answer names one (e.g. DENIC, JPRS).
    pub(crate) registrar: Option<Registrar>,
    /// The registry's server, `host:port`.
    pub(crate) registry_server: String,
    /// The registrar's server the registry referred to, `host:port`, when it was asked.
    pub(crate) registrar_server: Option<String>,
    /// Every server asked, in order (`whois.iana.org:43` first when the TLD was unknown).
    pub(crate) chain: Vec<String>,
    /// Later steps that failed (the registrar's server), as (`host:port`, error); the facts
    /// above are still valid.
    pub(crate) errors: Vec<(String, SourceError)>,
    /// Fields dropped or cut by the field checks, as (`host:port`, `line N: what and why`):
    /// partial answers; then the leniencies the reading used (`line N: leniency: …`).
    pub(crate) dropped: Vec<(String, String)>,
}

/// What WHOIS says about the network holding an address.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct WhoisNetwork {
    /// Abuse contacts, most specific first, each with its server and line.
    pub(crate) abuse: Vec<Contact>,
    /// ARIN's network handle (`NET-8-8-8-0-2`).
    pub(crate) handle: Option<String>,
    /// The network name (`GOGL`, `AFRINIC`).
    pub(crate) name: Option<String>,
    /// The range as published (`196.216.2.0 - 196.216.3.255`, `2001:dc7::/32`).
    pub(crate) range: Option<String>,
    /// ARIN's `CIDR:` value.
    pub(crate) cidr: Option<String>,
    /// The holder organisation's name.
    pub(crate) org: Option<String>,
    /// The country code published with the network.
    pub(crate) country: Option<String>,
    /// The server whose answer these facts come from, `host:port`.
    pub(crate) server: String,
    /// `whois://host` of that server (the contacts' `source_url`).
    pub(crate) source_url: String,
    /// Every server asked, in order.
    pub(crate) chain: Vec<String>,
    /// The registry states that no abuse contact is registered ("% No abuse contact
    /// registered for …").
    pub(crate) no_abuse_contact: bool,
    /// Mailboxes the registry marks as not working ("x is invalid"); not in `abuse`.
    pub(crate) invalid_emails: Vec<String>,
    /// An RWhois referral that was not followed (`rwhois://host:4321`).
    pub(crate) skipped_referral: Option<String>,
}

impl WhoisDomain {
    /// Record why WHOIS was asked (e.g. `no_rdap_service`) on every source.
    pub(crate) fn mark_fallback(&mut self, reason: FallbackReason) {
        if let Some(registrar) = &mut self.registrar {
            if let Some(p) = &mut registrar.provenance {
                p.fallback = Some(reason);
            }
            mark_contacts(&mut registrar.abuse, reason);
        }
    }
}

impl WhoisNetwork {
    /// Record why WHOIS was asked (e.g. `rdap_without_abuse_email`) on every source.
    pub(crate) fn mark_fallback(&mut self, reason: FallbackReason) {
        mark_contacts(&mut self.abuse, reason);
    }
}

fn mark_contacts(contacts: &mut [Contact], reason: FallbackReason) {
    for source in contacts.iter_mut().flat_map(|c| c.sources.iter_mut()) {
        source.fallback = Some(reason);
    }
}
