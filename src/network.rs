//! The per-address network stage: for every address, its ASN (the [`AsnSource`] chain) and
//! its RDAP network (following stand-in answers to the managing registry, completing abuse
//! entities, climbing to the parent when no abuse contact is published), its registry's
//! WHOIS when RDAP has no abuse mailbox, the quota-free abuse sources, and who hosts it. The
//! order of the abuse sources is the planner's (`network/plan.rs`): where RDAP is
//! quota-limited, the quota-free sources go first.
//!
//! Called by `lookup.rs` (which owns the order) with a [`NetworkStage`] holding exactly what
//! the stage uses; returns facts, never a record.
//!
//! [`AsnSource`]: crate::AsnSource

use std::net::IpAddr;
use std::sync::Arc;

use futures_util::future::join_all;

mod plan;

pub(crate) use plan::Planner;

use crate::abuse::{AbuseAnswer, AbuseChain};
use crate::asn::{AsnCache, AsnChain, AsnOutcome};
use crate::cache::{Keep, NetworkCache};
use crate::channel::{merge_all, merge_into};
use crate::clock::now_timestamp;
use crate::contacts::{abuse_outcome, stamp};
use crate::deadline::{Deadline, by_deadline};
use crate::error::SourceError;
use crate::provider;
use crate::rdap::{RdapClient, extract};
use crate::record::{
    AbusePlan, AddressRecord, Contact, Evidence, EvidenceKind, FallbackReason, HostingProvider,
    Network, Outcome, OutcomeStatus, PlanFirst, Rir, Source, SourceKind, Stage, StepError,
};
use crate::stats::Telemetry;
use crate::whois::Whois;

/// What the per-address stage uses: the RDAP and WHOIS clients, the abuse sources, the ASN
/// chain, and the caches of ASN answers and network facts.
#[derive(Debug)]
pub(crate) struct NetworkStage {
    pub(crate) rdap: Arc<RdapClient>,
    pub(crate) whois: Arc<Whois>,
    pub(crate) abuse: AbuseChain,
    pub(crate) asn: AsnChain,
    pub(crate) asn_cache: AsnCache,
    pub(crate) networks: NetworkCache<AddressFacts>,
    /// Decides per address whether RDAP or the quota-free abuse sources go first.
    pub(crate) planner: Planner,
    /// Counts which source gave each abuse mailbox, and the RDAP requests avoided.
    pub(crate) telemetry: Arc<Telemetry>,
}

/// What an address's registries say: the RDAP network and its holder, and the abuse
/// channels (from RDAP, else WHOIS), with the steps that failed. Cached per client.
#[derive(Debug, Clone)]
pub(crate) struct AddressFacts {
    pub(crate) network: Option<Network>,
    pub(crate) holder: Option<HostingProvider>,
    pub(crate) abuse: Vec<Contact>,
    pub(crate) abuse_outcome: Outcome,
    pub(crate) errors: Vec<StepError>,
    /// Which sources were asked first, and why.
    pub(crate) plan: Option<AbusePlan>,
}

impl NetworkStage {
    /// ASN and RDAP network facts for every address, all concurrently; `cname_chain` helps
    /// recognise the hosting provider.
    pub(crate) async fn addresses(
        &self,
        ips: &[IpAddr],
        cname_chain: &[String],
        deadline: &Deadline,
    ) -> (Vec<AddressRecord>, Vec<StepError>) {
        let results = join_all(ips.iter().map(|ip| self.address(*ip, cname_chain, deadline))).await;
        let mut addresses = Vec::with_capacity(results.len());
        let mut errors = Vec::new();
        for (address, errs) in results {
            addresses.push(address);
            errors.extend(errs);
        }
        (addresses, errors)
    }

    async fn address(
        &self,
        ip: IpAddr,
        cname_chain: &[String],
        deadline: &Deadline,
    ) -> (AddressRecord, Vec<StepError>) {
        // Both are cached per client: ASN answers by address (and routable prefix), network
        // facts by address (and by leaf-assignment range); concurrent askers are joined.
        let (asn, facts) = tokio::join!(
            by_deadline(deadline, self.asn_cache.lookup(&self.asn, ip), "the ASN lookup"),
            self.networks.get_or_fetch(
                ip,
                |f: &AddressFacts| f.network.as_ref(),
                |f: &AddressFacts| Keep::of(&f.errors, deadline.passed()),
                || self.network(ip, deadline)
            ),
        );
        let asn =
            asn.unwrap_or_else(|e| AsnOutcome { asn: None, errors: vec![("deadline".into(), e)] });
        let mut address = AddressRecord::new(ip);
        let mut errors = facts.errors;
        address.asn = asn.asn;
        for (source, e) in asn.errors {
            errors.push(StepError {
                message: format!("{source}: {}", e.message()),
                ..StepError::from_source(Stage::Asn, ip.to_string(), &e)
            });
        }
        address.network = facts.network;
        address.abuse = facts.abuse;
        address.abuse_outcome = facts.abuse_outcome;
        address.plan = facts.plan;
        // Who actually hosts it: published ranges, CNAME suffixes, the ASN and the RDAP holder.
        let holder = facts.holder.map(|mut holder| {
            if let Some(url) = address.network.as_ref().and_then(|n| n.source_url.clone()) {
                holder.evidence.push(Evidence {
                    kind: EvidenceKind::RdapOrg,
                    detail: holder.name.clone(),
                    source: Source::new(SourceKind::Rdap, url),
                });
            }
            holder
        });
        address.hosting_provider =
            provider::classify(ip, address.asn.as_ref(), cname_chain, holder.as_ref()).or(holder);
        (address, errors)
    }

    /// The abuse contact and network of `ip`, as the [`Planner`] orders the sources: RDAP
    /// (then WHOIS, then the quota-free sources when still without a mailbox), or the
    /// quota-free sources first, with RDAP asked only when they give no mailbox or for full
    /// network detail.
    async fn network(&self, ip: IpAddr, deadline: &Deadline) -> AddressFacts {
        let plan = self.planner.plan(&self.rdap, ip, !self.abuse.is_empty());
        let mut facts = AddressFacts {
            network: None,
            holder: None,
            abuse: Vec::new(),
            abuse_outcome: Outcome::default(),
            errors: Vec::new(),
            plan: None,
        };
        let rdap_asked = match plan.first {
            PlanFirst::Rdap => {
                let registry = self.registry(ip, deadline, &mut facts, true).await;
                self.count(registry);
                // Still no mailbox: the configured abuse sources, in order.
                if !self.abuse.is_empty() && !has_mailbox(&facts.abuse) {
                    let found = self.quota_free(ip, deadline, &mut facts.errors).await;
                    for contact in found.contacts {
                        merge_into(&mut facts.abuse, contact);
                    }
                    if let Some(name) = found.answered_by {
                        self.count(Some(name.as_str()));
                        facts.abuse_outcome =
                            Outcome::with_detail(OutcomeStatus::Found, format!("from {name}"));
                    }
                }
                true
            }
            PlanFirst::QuotaFree => {
                let found = self.quota_free(ip, deadline, &mut facts.errors).await;
                let why = plan.reason.as_deref().unwrap_or("quota-limited");
                match found.answered_by {
                    Some(name) if !plan.rdap_always => {
                        self.count(Some(name.as_str()));
                        self.telemetry.count_rdap_avoided();
                        facts.abuse = merge_all(found.contacts);
                        facts.abuse_outcome = Outcome::with_detail(
                            OutcomeStatus::Found,
                            format!("from {name}; RDAP not asked: {why}"),
                        );
                        false
                    }
                    Some(name) => {
                        // Full network detail: RDAP too, but no WHOIS for a mailbox we have.
                        let registry = self.registry(ip, deadline, &mut facts, false).await;
                        self.count(registry);
                        self.count(Some(name.as_str()));
                        both_answers(&mut facts, registry, &name, found.contacts);
                        true
                    }
                    None => {
                        let registry = self.registry(ip, deadline, &mut facts, true).await;
                        self.count(registry);
                        for contact in found.contacts {
                            merge_into(&mut facts.abuse, contact);
                        }
                        let note = format!(
                            "the quota-free sources gave no mailbox, so RDAP was asked ({why})"
                        );
                        facts.abuse_outcome.detail =
                            Some(match facts.abuse_outcome.detail.take() {
                                Some(detail) => format!("{detail}; {note}"),
                                None => note,
                            });
                        true
                    }
                }
            }
        };
        facts.plan = Some(plan.record(rdap_asked));
        facts
    }

    /// Count one abuse mailbox found by `source`, if any.
    fn count(&self, source: Option<&str>) {
        if let Some(source) = source {
            self.telemetry.count_abuse_answer(source);
        }
    }

    /// Ask the quota-free sources in order until one gives a mailbox; their failures go to
    /// `errors`.
    async fn quota_free(
        &self,
        ip: IpAddr,
        deadline: &Deadline,
        errors: &mut Vec<StepError>,
    ) -> AbuseAnswer {
        match by_deadline(deadline, self.abuse.lookup(ip), "the abuse sources").await {
            Ok(found) => {
                for (name, e) in &found.errors {
                    errors.push(StepError {
                        message: format!("{name}: {}", e.message()),
                        ..StepError::from_source(Stage::Abuse, ip.to_string(), e)
                    });
                }
                found
            }
            Err(e) => {
                errors.push(StepError::from_source(Stage::Abuse, ip.to_string(), &e));
                AbuseAnswer::default()
            }
        }
    }

    /// The RDAP network of `ip` into `facts`, then (when `whois` allows) its registry's
    /// WHOIS when RDAP has no abuse mailbox. Answers which of them gave the mailbox
    /// (`rdap`, `whois`), if one did.
    async fn registry(
        &self,
        ip: IpAddr,
        deadline: &Deadline,
        facts: &mut AddressFacts,
        whois: bool,
    ) -> Option<&'static str> {
        let network =
            by_deadline(deadline, network_facts(&self.rdap, ip), "the network lookup").await;
        let network = network.unwrap_or_else(|e| Err((ip.to_string(), e)));
        let mut rir_hint = None;
        let whois_reason = match network {
            Ok((answer, notes)) => {
                facts.errors.extend(notes);
                rir_hint =
                    answer.network.rir.as_ref().map(Rir::to_string).or(answer.port43.clone());
                facts.network = Some(answer.network);
                facts.holder = answer.holder;
                facts.abuse_outcome = abuse_outcome(&answer.abuse, &answer.abuse_outcome);
                facts.abuse = answer.abuse;
                // AFRINIC publishes no abuse entity in RDAP, registro.br none with an email:
                // their WHOIS does (issue #6).
                if has_mailbox(&facts.abuse) {
                    return Some("rdap");
                }
                FallbackReason::RdapWithoutAbuseEmail
            }
            Err((target, e)) => {
                facts.abuse_outcome = Outcome::with_detail(
                    OutcomeStatus::SourceFailed,
                    format!("network answer unavailable: {}", e.message()),
                );
                facts.errors.push(StepError::from_source(Stage::Rdap, &target, &e));
                FallbackReason::RdapNetworkFailed
            }
        };
        if !whois || !self.whois.is_enabled() {
            return None;
        }
        let asking = self.whois.lookup_ip(ip, rir_hint.as_deref());
        match by_deadline(deadline, asking, "WHOIS").await.and_then(|r| r) {
            Ok(mut found) => {
                found.mark_fallback(whois_reason);
                stamp(&mut found.abuse);
                for contact in found.abuse {
                    merge_into(&mut facts.abuse, contact);
                }
                if has_mailbox(&facts.abuse) {
                    facts.abuse_outcome = Outcome::with_detail(
                        OutcomeStatus::Found,
                        format!("from WHOIS {} ({whois_reason})", found.server),
                    );
                    return Some("whois");
                } else if found.no_abuse_contact && facts.network.is_some() {
                    facts.abuse_outcome = Outcome::with_detail(
                        OutcomeStatus::NonePublished,
                        format!("WHOIS {} says no abuse contact is registered", found.server),
                    );
                }
            }
            Err(e) => facts.errors.push(StepError::from_source(Stage::Whois, ip.to_string(), &e)),
        }
        None
    }
}

/// True when a contact of `contacts` has a mailbox.
fn has_mailbox(contacts: &[Contact]) -> bool {
    contacts.iter().any(|c| c.email.is_some())
}

/// The mailboxes of `contacts`, in lower case, each once, in order.
fn mailboxes(contacts: &[Contact]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for email in contacts.iter().filter_map(|c| c.email.as_deref()) {
        let email = email.trim().to_lowercase();
        if !out.contains(&email) {
            out.push(email);
        }
    }
    out
}

/// Both the registry (`registry` names which of RDAP and WHOIS gave a mailbox, if one did)
/// and the quota-free source `name` answered: keep the registry's contacts first, then the
/// source's (one contact with both sources where they give the same mailbox), and say in
/// the outcome whether they agree.
fn both_answers(
    facts: &mut AddressFacts,
    registry: Option<&str>,
    name: &str,
    contacts: Vec<Contact>,
) {
    let theirs = mailboxes(&contacts);
    let ours = mailboxes(&facts.abuse);
    for contact in contacts {
        merge_into(&mut facts.abuse, contact);
    }
    let registry = match registry {
        Some("whois") => "WHOIS",
        _ => "RDAP",
    };
    let detail = if ours.is_empty() {
        format!("from {name}; {registry} (asked for full network detail) gave no mailbox")
    } else if same_set(&ours, &theirs) {
        format!("from {registry} and {name}, which agree")
    } else {
        format!("{registry} and {name} disagree: {} vs {}", ours.join(", "), theirs.join(", "))
    };
    facts.abuse_outcome = Outcome::with_detail(OutcomeStatus::Found, detail);
}

/// True when `a` and `b` hold the same strings.
fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// The RDAP ip network answer for `ip`, completed: a stand-in answer from a registry that
/// does not manage the space is replaced by the managing registry's; abuse entities
/// published without a channel are fetched; a network without an abuse contact inherits its
/// parent's. On failure, the URL (or IP) asked and why. Warnings (parts of answers skipped)
/// are returned beside the answer.
pub(crate) async fn network_facts(
    rdap: &RdapClient,
    ip: IpAddr,
) -> Result<(extract::NetworkAnswer, Vec<StepError>), (String, SourceError)> {
    let max_depth = rdap.max_entity_depth();
    let target = rdap.ip_target(ip).map_err(|e| (ip.to_string(), e))?;
    let mut notes = Vec::new();
    let mut base = target.base.clone();
    let mut network = read_network_at(rdap, &target.url, ip, &mut notes).await?;
    // RFC 9224 bootstraps are coarse: a registry may answer for space it does not manage
    // with a generic object (RIPE's NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK). Its mailboxes are
    // not the network's: ask the managing registry, once.
    if let Some(not_managed) = network.not_managed.clone() {
        let referral = not_managed.registry_hint.as_deref().and_then(|hint| {
            if hint.starts_with("https://") || hint.starts_with("http://") {
                url::Url::parse(hint).ok()
            } else {
                crate::rir::rdap_base_url(hint).and_then(|b| b.join(&format!("ip/{ip}")).ok())
            }
        });
        match referral {
            Some(url) => {
                tracing::debug!(%ip, %url, reason = %not_managed.reason, "following referral");
                base = url.join("../").unwrap_or_else(|_| url.clone());
                network = read_network_at(rdap, &url, ip, &mut notes).await?;
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
            match rdap.get(&url).await.and_then(|a| {
                extract::read_entity(&a.json, a.url.as_str(), max_depth)
                    .and_then(|e| extract::check_entity(&e, entity.handle.as_deref()).map(|()| e))
                    .map(|e| (a.url, e))
            }) {
                Ok((_, mut entity)) => {
                    stamp(&mut entity.contacts);
                    network.complete_abuse(&entity);
                }
                Err(e) => notes.push(StepError::from_source(Stage::Rdap, url.as_str(), &e)),
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
        match read_network_at(rdap, &link, ip, &mut notes).await {
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
            Err((target, e)) => notes.push(StepError::from_source(Stage::Rdap, &target, &e)),
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

/// Fetch and read one ip network answer about `ip` (the first answer, a referral's or a
/// parent's: each must contain `ip`, else `Mismatch`), stamping fetch times and keeping its
/// warnings.
pub(crate) async fn read_network_at(
    rdap: &RdapClient,
    url: &url::Url,
    ip: IpAddr,
    notes: &mut Vec<StepError>,
) -> Result<extract::NetworkAnswer, (String, SourceError)> {
    let answer = rdap.get(url).await.map_err(|e| (url.to_string(), e))?;
    let mut network =
        extract::read_network(&answer.json, answer.url.as_str(), rdap.max_entity_depth())
            .and_then(|network| extract::check_network(&network, ip).map(|()| network))
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
