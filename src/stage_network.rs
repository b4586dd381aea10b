//! The per-address network stage: an address's RDAP network (following stand-in answers to
//! the managing registry, completing abuse entities, climbing to the parent when no abuse
//! contact is published) and its registry's WHOIS when RDAP has no abuse mailbox.
//!
//! Called by `lookup.rs` (which owns the order); returns facts, never a record.

use std::net::IpAddr;

use crate::contacts::{abuse_outcome, merge_into, stamp};
use crate::deadline::{Deadline, by_deadline};
use crate::error::SourceError;
use crate::lookup::{Shared, now_timestamp, step};
use crate::rdap::{extract, fetch};
use crate::record::{
    Contact, FallbackReason, HostingProvider, Network, Outcome, OutcomeStatus, Rir, Stage,
    StepError,
};

/// What an address's registries say: the RDAP network and its holder, and the abuse
/// channels (from RDAP, else WHOIS), with the steps that failed. Cached per client.
#[derive(Debug, Clone)]
pub(crate) struct AddressFacts {
    pub(crate) network: Option<Network>,
    pub(crate) holder: Option<HostingProvider>,
    pub(crate) abuse: Vec<Contact>,
    pub(crate) abuse_outcome: Outcome,
    pub(crate) errors: Vec<StepError>,
}

/// The RDAP network of `ip`, then its registry's WHOIS when RDAP has no abuse mailbox.
pub(crate) async fn address_network(
    shared: &Shared,
    ip: IpAddr,
    deadline: &Deadline,
) -> AddressFacts {
    let mut facts = AddressFacts {
        network: None,
        holder: None,
        abuse: Vec::new(),
        abuse_outcome: Outcome::default(),
        errors: Vec::new(),
    };
    let network = by_deadline(deadline, network_facts(shared, ip), "the network lookup").await;
    let network = network.unwrap_or_else(|e| Err((ip.to_string(), e)));
    let mut rir_hint = None;
    let whois_reason = match network {
        Ok((answer, notes)) => {
            facts.errors.extend(notes);
            rir_hint = answer.network.rir.as_ref().map(Rir::to_string).or(answer.port43.clone());
            facts.network = Some(answer.network);
            facts.holder = answer.holder;
            facts.abuse_outcome = abuse_outcome(&answer.abuse, &answer.abuse_outcome);
            facts.abuse = answer.abuse;
            // AFRINIC publishes no abuse entity in RDAP, registro.br none with an email:
            // their WHOIS does (issue #6).
            (!facts.abuse.iter().any(|c| c.email.is_some()))
                .then_some(FallbackReason::RdapWithoutAbuseEmail)
        }
        Err((target, e)) => {
            facts.abuse_outcome = Outcome::with_detail(
                OutcomeStatus::SourceFailed,
                format!("network answer unavailable: {}", e.message()),
            );
            facts.errors.push(step(Stage::Rdap, &target, &e));
            Some(FallbackReason::RdapNetworkFailed)
        }
    };
    if let Some(reason) = whois_reason
        && shared.whois.is_enabled()
    {
        let asking = shared.whois.lookup_ip(ip, rir_hint.as_deref());
        match by_deadline(deadline, asking, "WHOIS").await.and_then(|r| r) {
            Ok(mut found) => {
                found.mark_fallback(reason);
                stamp(&mut found.abuse);
                for contact in found.abuse {
                    merge_into(&mut facts.abuse, contact);
                }
                if facts.abuse.iter().any(|c| c.email.is_some()) {
                    facts.abuse_outcome = Outcome::with_detail(
                        OutcomeStatus::Found,
                        format!("from WHOIS {} ({reason})", found.server),
                    );
                } else if found.no_abuse_contact && facts.network.is_some() {
                    facts.abuse_outcome = Outcome::with_detail(
                        OutcomeStatus::NonePublished,
                        format!("WHOIS {} says no abuse contact is registered", found.server),
                    );
                }
            }
            Err(e) => facts.errors.push(step(Stage::Whois, &ip.to_string(), &e)),
        }
    }
    facts
}

/// The RDAP ip network answer for `ip`, completed: a stand-in answer from a registry that
/// does not manage the space is replaced by the managing registry's; abuse entities
/// published without a channel are fetched; a network without an abuse contact inherits its
/// parent's. On failure, the URL (or IP) asked and why. Warnings (parts of answers skipped)
/// are returned beside the answer.
pub(crate) async fn network_facts(
    shared: &Shared,
    ip: IpAddr,
) -> Result<(extract::NetworkAnswer, Vec<StepError>), (String, SourceError)> {
    let max_depth = shared.config.limits.max_entity_depth;
    let target = fetch::ip_target(&shared.bootstrap, ip, shared.config.safety.allow_http)
        .map_err(|e| (ip.to_string(), e))?;
    let mut notes = Vec::new();
    let mut base = target.base.clone();
    let mut network = read_network_at(shared, &target.url, &mut notes).await?;
    // RFC 9224 bootstraps are coarse: a registry may answer for space it does not manage
    // with a generic object (RIPE's NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK). Its mailboxes are
    // not the network's: ask the managing registry, once.
    if let Some(not_managed) = network.not_managed.clone() {
        let referral = not_managed.registry_hint.as_deref().and_then(|hint| {
            if hint.starts_with("https://") || hint.starts_with("http://") {
                url::Url::parse(hint).ok()
            } else {
                rir_base_url(hint).and_then(|b| b.join(&format!("ip/{ip}")).ok())
            }
        });
        match referral {
            Some(url) => {
                tracing::debug!(%ip, %url, reason = %not_managed.reason, "following referral");
                base = url.join("../").unwrap_or_else(|_| url.clone());
                network = read_network_at(shared, &url, &mut notes).await?;
            }
            None => {
                network.abuse.clear();
                network.abuse_outcome = Outcome::with_detail(
                    OutcomeStatus::SourceFailed,
                    format!("the registry does not manage this space: {}", not_managed.reason),
                );
            }
        }
    }
    // registro.br-style abuse entities without an email: fetch the entity object.
    if !network.abuse.iter().any(|c| c.email.is_some()) {
        for entity in network.incomplete_abuse.clone() {
            let url = match (&entity.url, &entity.handle) {
                (Some(url), _) => url::Url::parse(url).ok(),
                (None, Some(handle)) => base.join(&format!("entity/{handle}")).ok(),
                (None, None) => None,
            };
            let Some(url) = url else { continue };
            match shared.get_json(&url).await.and_then(|a| {
                extract::read_entity(&a.json, a.url.as_str(), max_depth).map(|e| (a.url, e))
            }) {
                Ok((_, mut entity)) => {
                    stamp(&mut entity.contacts);
                    network.complete_abuse(&entity);
                }
                Err(e) => notes.push(step(Stage::Rdap, url.as_str(), &e)),
            }
        }
        if network.abuse.iter().any(|c| !c.is_empty()) {
            network.abuse_outcome = Outcome::new(OutcomeStatus::Found);
        }
    }
    // No abuse contact here: the parent registration's applies (marked as inherited).
    let mut up = network.up_link.clone();
    for _ in 0..MAX_PARENT_HOPS {
        if network.abuse.iter().any(|c| !c.is_empty()) {
            break;
        }
        let Some(link) = up.take().and_then(|l| url::Url::parse(&l).ok()) else { break };
        match read_network_at(shared, &link, &mut notes).await {
            Ok(parent) => {
                let handle = parent.network.handle.clone().unwrap_or_else(|| link.to_string());
                if parent.abuse.iter().any(|c| !c.is_empty()) {
                    network.abuse = parent
                        .abuse
                        .into_iter()
                        .map(|mut c| {
                            c.inherited_from = Some(handle.clone());
                            c
                        })
                        .collect();
                    network.abuse_outcome = Outcome::with_detail(
                        OutcomeStatus::Found,
                        format!("inherited from the parent network {handle}"),
                    );
                }
                up = parent.up_link;
            }
            Err((target, e)) => notes.push(step(Stage::Rdap, &target, &e)),
        }
    }
    // The bootstrap says which registry we asked; the answer's port43 says who answered.
    if let Some(rir) = extract::rir_name(Some(base.as_str()), network.port43.as_deref()) {
        network.network.rir = Some(Rir::from(rir));
    }
    Ok((network, notes))
}

/// How many `up` links a network without an abuse contact may climb.
pub(crate) const MAX_PARENT_HOPS: usize = 3;

/// Fetch and read one ip network answer, stamping fetch times and keeping its warnings.
pub(crate) async fn read_network_at(
    shared: &Shared,
    url: &url::Url,
    notes: &mut Vec<StepError>,
) -> Result<extract::NetworkAnswer, (String, SourceError)> {
    let answer = shared.get_json(url).await.map_err(|e| (url.to_string(), e))?;
    let mut network = extract::read_network(
        &answer.json,
        answer.url.as_str(),
        shared.config.limits.max_entity_depth,
    )
    .map_err(|e| (answer.url.to_string(), e))?;
    stamp(&mut network.abuse);
    if let Some(p) = network.network.provenance.as_mut() {
        p.fetched_at.get_or_insert_with(now_timestamp);
    }
    for warning in network.warnings.drain(..) {
        notes.push(StepError::partial(Stage::Rdap, answer.url.as_str(), warning));
    }
    Ok(network)
}

/// The RDAP base URL of a regional registry named in a referral.
pub(crate) fn rir_base_url(name: &str) -> Option<url::Url> {
    let base = match name.to_ascii_uppercase().replace(' ', "").as_str() {
        "ARIN" => "https://rdap.arin.net/registry/",
        "RIPE" | "RIPENCC" => "https://rdap.db.ripe.net/",
        "APNIC" => "https://rdap.apnic.net/",
        "LACNIC" => "https://rdap.lacnic.net/rdap/",
        "AFRINIC" => "https://rdap.afrinic.net/rdap/",
        _ => return None,
    };
    url::Url::parse(base).ok()
}
