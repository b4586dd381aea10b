//! The registration stage: the registry's RDAP answer for the registrable domain, the
//! registrar's own answer (related link, about link, or the IANA registrar list), the
//! shipped registry directory, and WHOIS when RDAP has no service or fails.
//!
//! Called by `lookup.rs` (which owns the order) with a [`RegistrationStage`] holding exactly
//! what the stage uses; returns facts, never a record.

use std::sync::Arc;

use crate::cache::{Keep, RegistrationCache};
use crate::channel::merge_into;
use crate::contacts::{abuse_outcome, stamp};
use crate::deadline::{Deadline, by_deadline};
use crate::error::SourceErrorKind;
use crate::input::DomainQuery;
use crate::rdap::{RdapClient, extract, registrars};
use crate::record::{
    FallbackReason, Outcome, OutcomeStatus, Registrar, Registry, Stage, StepError, StepErrorKind,
};
use crate::registries;
use crate::whois::Whois;

/// What the registration stage uses: the RDAP and WHOIS clients and the registration cache.
#[derive(Debug)]
pub(crate) struct RegistrationStage {
    pub(crate) rdap: Arc<RdapClient>,
    pub(crate) whois: Arc<Whois>,
    pub(crate) registrations: RegistrationCache<Registration>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Registration {
    pub(crate) registry: Option<Registry>,
    pub(crate) registrar: Option<Registrar>,
    pub(crate) registrar_outcome: Outcome,
    pub(crate) errors: Vec<StepError>,
    /// Why RDAP could not give the registration facts, when WHOIS should be asked.
    pub(crate) whois_reason: Option<FallbackReason>,
}

impl RegistrationStage {
    /// Registration facts for the registrable domain, cached per client (every host name
    /// under one domain shares them; concurrent lookups of one domain make one set of
    /// requests).
    pub(crate) async fn registration(
        &self,
        name: &DomainQuery,
        deadline: &Deadline,
    ) -> Registration {
        self.registrations
            .get_or_fetch(
                name.registrable.clone(),
                |r: &Registration| Keep::of(&r.errors, deadline.passed()),
                || self.uncached(name, deadline),
            )
            .await
    }

    /// Registration facts: RDAP (the IANA bootstrap, then the shipped override list), then
    /// WHOIS when RDAP has no service for the TLD or its registry did not answer.
    async fn uncached(&self, name: &DomainQuery, deadline: &Deadline) -> Registration {
        let mut out = rdap_registration(&self.rdap, name, deadline).await;
        if let Some(reason) = out.whois_reason
            && self.whois.is_enabled()
        {
            whois_registration(&self.whois, name, deadline, reason, &mut out).await;
        }
        out
    }
}

/// The registry's RDAP answer for the registrable domain, then the registrar's answer it
/// links to.
pub(crate) async fn rdap_registration(
    rdap: &RdapClient,
    name: &DomainQuery,
    deadline: &Deadline,
) -> Registration {
    let mut out = Registration::default();
    let domain = &name.registrable;
    let max_depth = rdap.max_entity_depth();
    let target = match rdap.domain_target(domain, &name.public_suffix) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(StepError::from_source(Stage::Rdap, domain, &e));
            out.whois_reason = Some(FallbackReason::NoRdapService);
            out.registrar_outcome = Outcome::with_detail(OutcomeStatus::SourceFailed, e.message());
            return out;
        }
    };
    let mut registry = Registry {
        tld: target.entry.clone(),
        name: None,
        rdap_url: Some(target.base.to_string()),
        ..Registry::default()
    };
    registry_directory(&mut registry);
    let fetching = rdap.get(&target.url);
    let registry_answer =
        match by_deadline(deadline, fetching, "the registry").await.and_then(|r| r) {
            Ok(answer) => answer,
            Err(e) => {
                out.registrar_outcome = Outcome::with_detail(
                    OutcomeStatus::SourceFailed,
                    format!("registry answer unavailable: {}", e.message()),
                );
                // A 404 means the registry does not know the domain; WHOIS would say the same.
                if e.kind() != SourceErrorKind::NotFound {
                    out.whois_reason = Some(FallbackReason::RdapRegistryFailed);
                }
                out.errors.push(StepError::from_source(Stage::Rdap, target.url.as_str(), &e));
                out.registry = Some(registry);
                return out;
            }
        };
    registry.source_url = Some(registry_answer.url.to_string());
    out.registry = Some(registry);
    let from_registry =
        match extract::read_domain(&registry_answer.json, registry_answer.url.as_str(), max_depth)
            .and_then(|d| extract::check_domain(&d, domain).map(|()| d))
        {
            Ok(d) => d,
            Err(e) => {
                if e.kind() == SourceErrorKind::Mismatch {
                    out.registrar_outcome = Outcome::with_detail(
                        OutcomeStatus::SourceFailed,
                        format!("registry answer unusable: {}", e.message()),
                    );
                }
                out.errors.push(StepError::from_source(
                    Stage::Rdap,
                    registry_answer.url.as_str(),
                    &e,
                ));
                return out;
            }
        };
    for warning in &from_registry.warnings {
        out.errors.push(StepError::partial(Stage::Rdap, registry_answer.url.as_str(), warning));
    }
    let mut registrar = from_registry.registrar.clone();
    if let Some(r) = registrar.as_mut() {
        stamp(&mut r.abuse);
        // The IANA registrar list names registrars the registry answer leaves unnamed.
        registrars::fill_from_list(r);
    }
    // The registrar's own answer, found through the registry's `related` link (RFC 9083
    // §4.2; ICANN gTLD RDAP profile), else its `about` link, else the registrar's RDAP base
    // URL in the IANA list. Its facts are added beside the registry's, never silently
    // replacing them: every contact keeps its own sources.
    let from_list = registrar
        .as_ref()
        .and_then(|r| r.iana_id.as_deref())
        .filter(|id| !registrars::is_registry_operator_id(id))
        .and_then(|id| registrars::rdap_domain_url(id, domain))
        .map(|u| u.to_string());
    let link = from_registry
        .registrar_links
        .first()
        .cloned()
        .or_else(|| from_registry.registrar_about.clone())
        .or(from_list);
    if let Some(link) = &link {
        match url::Url::parse(link) {
            Err(e) => out.errors.push(StepError::new(
                Stage::Rdap,
                link.clone(),
                StepErrorKind::Malformed,
                format!("registry linked to an unusable registrar URL: {e}"),
            )),
            Ok(url) => {
                let mut merged = registrar.take().unwrap_or_default();
                merged.rdap_url = Some(link.clone());
                let fetching = rdap.get(&url);
                match by_deadline(deadline, fetching, "the registrar").await.and_then(|r| r) {
                    Ok(answer) => {
                        let reading =
                            extract::read_domain(&answer.json, answer.url.as_str(), max_depth)
                                .and_then(|d| extract::check_domain(&d, domain).map(|()| d));
                        match reading {
                            Ok(mut own) => {
                                if let Some(r) = own.registrar.as_mut() {
                                    stamp(&mut r.abuse);
                                }
                                merge_registrar(&mut merged, own.registrar)
                            }
                            Err(e) => out.errors.push(StepError::from_source(
                                Stage::Rdap,
                                answer.url.as_str(),
                                &e,
                            )),
                        }
                    }
                    Err(e) => out.errors.push(StepError::from_source(Stage::Rdap, link, &e)),
                }
                registrar = Some(merged);
            }
        }
    }
    out.registrar_outcome =
        settle_registrar_outcome(&mut registrar, "the registry names no registrar");
    out.registrar = registrar;
    out
}

/// Registration facts from WHOIS (registry, then the registrar it refers to), added where RDAP
/// found nothing. Every contact's source says WHOIS, the server, the line and `reason`.
pub(crate) async fn whois_registration(
    whois: &Whois,
    name: &DomainQuery,
    deadline: &Deadline,
    reason: FallbackReason,
    out: &mut Registration,
) {
    let domain = &name.registrable;
    let asking = whois.lookup_domain(domain);
    let mut answer = match by_deadline(deadline, asking, "WHOIS").await.and_then(|r| r) {
        Ok(answer) => answer,
        Err(e) => {
            out.errors.push(StepError::from_source(Stage::Whois, domain, &e));
            return;
        }
    };
    answer.mark_fallback(reason);
    for (server, e) in &answer.errors {
        out.errors.push(StepError::from_source(Stage::Whois, server, e));
    }
    for (server, note) in &answer.dropped {
        out.errors.push(StepError::partial(Stage::Whois, server.as_str(), note.as_str()));
    }
    let registry = out.registry.get_or_insert_with(|| {
        let mut registry = Registry { tld: name.public_suffix.clone(), ..Registry::default() };
        registry_directory(&mut registry);
        registry
    });
    if registry.source_url.is_none() {
        registry.source_url = Some(format!("whois://{}", answer.registry_server));
    }
    if out.registrar.is_none() {
        out.registrar_outcome = settle_registrar_outcome(
            &mut answer.registrar,
            "the registry's WHOIS names no registrar",
        );
        out.registrar = answer.registrar;
    }
}

/// Fill the registry's operator name and abuse channels from the shipped directory.
pub(crate) fn registry_directory(registry: &mut Registry) {
    match registries::lookup(&registry.tld) {
        Some(entry) => {
            registry.name = entry.name.clone();
            registry.abuse = entry.contacts();
            registry.abuse_outcome = if registry.abuse.is_empty() {
                Outcome::with_detail(
                    OutcomeStatus::NonePublished,
                    "the registry directory found no abuse channel for this registry",
                )
            } else {
                Outcome::new(OutcomeStatus::Found)
            };
        }
        None => {
            registry.abuse_outcome = Outcome::with_detail(
                OutcomeStatus::NonePublished,
                "not in the registry directory (it lists gTLD registries)",
            );
        }
    }
}

/// Add what the registrar's own answer says to what the registry said.
pub(crate) fn merge_registrar(merged: &mut Registrar, own: Option<Registrar>) {
    let Some(own) = own else { return };
    if merged.name.is_none() {
        merged.name = own.name;
    }
    if merged.iana_id.is_none() {
        merged.iana_id = own.iana_id;
    }
    if own.source_url.is_some() {
        merged.source_url = own.source_url;
    }
    // The registrar's own statement first, then what the registry holds: the same channel
    // stated twice is one contact with both sources; a different one is kept.
    let mut abuse = own.abuse;
    for contact in merged.abuse.drain(..) {
        merge_into(&mut abuse, contact);
    }
    merged.abuse = abuse;
    if own.abuse_outcome.status == OutcomeStatus::Redacted && merged.abuse.is_empty() {
        merged.abuse_outcome = own.abuse_outcome;
    }
}

/// Settle the registrar's abuse outcome from its contacts (and what its answer said), and
/// return it; `none_published` with `missing` when no registrar was named at all.
fn settle_registrar_outcome(registrar: &mut Option<Registrar>, missing: &str) -> Outcome {
    match registrar {
        None => Outcome::with_detail(OutcomeStatus::NonePublished, missing),
        Some(r) => {
            r.abuse_outcome = abuse_outcome(&r.abuse, &r.abuse_outcome);
            r.abuse_outcome.clone()
        }
    }
}
