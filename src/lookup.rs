//! The pipeline, and the only file that knows the stage order:
//! input → DNS → per-address network facts (ASN ∥ RDAP ip) → registration facts (registry →
//! registrar) → record.
//!
//! The per-address chains and the registration chain run concurrently, so a lookup takes as
//! long as its longest chain. Every failing step becomes a [`StepError`] and the facts found
//! by other steps are kept.

use std::net::IpAddr;
use std::sync::Arc;

use futures_util::future::join_all;
use hickory_resolver::TokioResolver;

use crate::asn::{self, AsnChain, AsnSource, CymruSource};
use crate::config::Config;
use crate::dns;
use crate::error::{Error, SourceError};
use crate::http::Http;
use crate::input::{DomainQuery, Query};
use crate::rdap::bootstrap::Bootstrap;
use crate::rdap::{extract, fetch};
use crate::record::{
    AbuseContact, AddressRecord, Contact, DnsFacts, HostingRecord, Outcome, OutcomeStatus, Party,
    PartyOutcome, Registrar, Registry, SCHEMA_VERSION, Stage, StepError,
};
use crate::registries;

/// State shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    resolver: TokioResolver,
    http: Http,
    bootstrap: Bootstrap,
    asn: AsnChain,
}

impl Shared {
    pub(crate) fn new(config: Config, custom: Vec<Arc<dyn AsnSource>>) -> Result<Self, Error> {
        let resolver = dns::build_resolver(&config)?;
        let bootstrap = match &config.bootstrap_dir {
            Some(dir) => Bootstrap::from_dir(dir)?,
            None => Bootstrap::embedded()?,
        };
        let mut sources = Vec::new();
        for path in &config.asn_databases {
            sources.push(asn::open_database(path)?);
        }
        sources.extend(custom);
        if sources.is_empty() {
            sources.push(Arc::new(CymruSource::new(resolver.clone())) as Arc<dyn AsnSource>);
        }
        let http = Http::new(&config, resolver.clone())?;
        Ok(Self { config, resolver, http, bootstrap, asn: AsnChain::new(sources) })
    }
}

/// Run one lookup.
pub(crate) async fn run(shared: &Shared, raw: &str) -> Result<HostingRecord, Error> {
    let query = Query::parse(raw)?;
    let mut record = HostingRecord {
        schema_version: SCHEMA_VERSION,
        query: raw.to_owned(),
        domain: None,
        domain_unicode: None,
        registrable_domain: None,
        resolved_at: String::new(),
        dns: DnsFacts::default(),
        addresses: Vec::new(),
        registrar: None,
        registry: None,
        abuse_contacts: Vec::new(),
        errors: Vec::new(),
        outcomes: Vec::new(),
        origin_hidden: false,
        platform: None,
        notice_targets: Vec::new(),
    };
    match query {
        Query::Ip(ip) => {
            let (addresses, errors) = address_facts(shared, &[ip]).await;
            record.addresses = addresses;
            record.errors.extend(errors);
        }
        Query::Domain(name) => {
            record.domain = Some(name.ascii.clone());
            record.domain_unicode = Some(name.unicode.clone());
            record.registrable_domain = Some(name.registrable.clone());
            let (hosting, registration) =
                tokio::join!(hosting_chain(shared, &name), registration_chain(shared, &name));
            let (dns_facts, addresses, hosting_errors) = hosting;
            record.dns = dns_facts;
            record.addresses = addresses;
            record.errors.extend(hosting_errors);
            record.registry = registration.registry;
            record.registrar = registration.registrar;
            record.errors.extend(registration.errors);
            let domain = name.registrable.clone();
            record.outcomes.push(PartyOutcome::new(
                Party::Registrar,
                domain.clone(),
                registration.registrar_outcome,
            ));
            let registry_outcome = record.registry.as_ref().map_or_else(
                || Outcome::with_detail(OutcomeStatus::SourceFailed, "no registry found"),
                |r| r.abuse_outcome.clone(),
            );
            record.outcomes.push(PartyOutcome::new(Party::Registry, domain, registry_outcome));
        }
    }
    if record.domain.is_none() {
        for party in [Party::Registrar, Party::Registry] {
            record.outcomes.push(PartyOutcome::new(
                party,
                record.query.clone(),
                Outcome::with_detail(OutcomeStatus::NotApplicable, "the query is an IP address"),
            ));
        }
    }
    let address_outcomes: Vec<PartyOutcome> = record
        .addresses
        .iter()
        .map(|a| PartyOutcome::new(Party::Network, a.ip.to_string(), a.abuse_outcome.clone()))
        .collect();
    record.outcomes.splice(0..0, address_outcomes);
    record.abuse_contacts = flatten_contacts(&record);
    record.resolved_at = now_rfc3339();
    Ok(record)
}

/// DNS, then the network facts of every address.
async fn hosting_chain(
    shared: &Shared,
    name: &DomainQuery,
) -> (DnsFacts, Vec<AddressRecord>, Vec<StepError>) {
    let limits = &shared.config.limits;
    let resolution = dns::resolve(
        &shared.resolver,
        &name.ascii,
        &name.registrable,
        limits.max_addresses,
        limits.max_cname_chain,
    )
    .await;
    let mut errors: Vec<StepError> =
        resolution.failures.iter().map(|(target, e)| step(Stage::Dns, target, e)).collect();
    let (addresses, address_errors) = address_facts(shared, &resolution.addresses).await;
    errors.extend(address_errors);
    let facts = DnsFacts {
        addresses: resolution.addresses,
        cname_chain: resolution.cname_chain,
        nameservers: resolution.nameservers,
    };
    (facts, addresses, errors)
}

/// ASN and RDAP network facts for every address, all concurrently.
async fn address_facts(shared: &Shared, ips: &[IpAddr]) -> (Vec<AddressRecord>, Vec<StepError>) {
    let results = join_all(ips.iter().map(|ip| one_address(shared, *ip))).await;
    let mut addresses = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for (address, errs) in results {
        addresses.push(address);
        errors.extend(errs);
    }
    (addresses, errors)
}

async fn one_address(shared: &Shared, ip: IpAddr) -> (AddressRecord, Vec<StepError>) {
    let (asn, network) = tokio::join!(shared.asn.lookup(ip), network_facts(shared, ip));
    let mut address = AddressRecord::new(ip);
    let mut errors = Vec::new();
    address.asn = asn.asn;
    for (source, e) in asn.errors {
        errors.push(StepError::new(
            Stage::Asn,
            ip.to_string(),
            e.kind().as_str(),
            format!("{source}: {}", e.message()),
        ));
    }
    match network {
        Ok(answer) => {
            address.network = Some(answer.network);
            address.hosting_provider = answer.holder;
            address.abuse_outcome = abuse_outcome(&answer.abuse, &Outcome::default());
            address.abuse = answer.abuse;
        }
        Err((target, e)) => {
            address.abuse_outcome = Outcome::with_detail(
                OutcomeStatus::SourceFailed,
                format!("network answer unavailable: {}", e.message()),
            );
            errors.push(step(Stage::Rdap, &target, &e));
        }
    }
    (address, errors)
}

/// The RDAP ip network answer for `ip`; on failure, the URL (or IP) asked and why.
async fn network_facts(
    shared: &Shared,
    ip: IpAddr,
) -> Result<extract::NetworkAnswer, (String, SourceError)> {
    let target = fetch::ip_target(&shared.bootstrap, ip, shared.config.safety.allow_http)
        .map_err(|e| (ip.to_string(), e))?;
    let answer = fetch::get_json(&shared.http, &target.url)
        .await
        .map_err(|e| (target.url.to_string(), e))?;
    let mut network = extract::read_network(
        &answer.json,
        answer.url.as_str(),
        shared.config.limits.max_entity_depth,
    )
    .map_err(|e| (answer.url.to_string(), e))?;
    // The bootstrap says which registry we asked; the answer's port43 says who answered.
    if let Some(rir) = extract::rir_name(Some(target.base.as_str()), network.port43.as_deref()) {
        network.network.rir = Some(rir);
    }
    Ok(network)
}

#[derive(Debug, Default)]
struct Registration {
    registry: Option<Registry>,
    registrar: Option<Registrar>,
    registrar_outcome: Outcome,
    errors: Vec<StepError>,
}

/// The registry's answer for the registrable domain, then the registrar's answer it links to.
async fn registration_chain(shared: &Shared, name: &DomainQuery) -> Registration {
    let mut out = Registration::default();
    let domain = &name.registrable;
    let max_depth = shared.config.limits.max_entity_depth;
    let target =
        match fetch::domain_target(&shared.bootstrap, domain, shared.config.safety.allow_http) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push(step(Stage::Rdap, domain, &e));
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
    let registry_answer = match fetch::get_json(&shared.http, &target.url).await {
        Ok(answer) => answer,
        Err(e) => {
            out.registrar_outcome = Outcome::with_detail(
                OutcomeStatus::SourceFailed,
                format!("registry answer unavailable: {}", e.message()),
            );
            out.errors.push(step(Stage::Rdap, target.url.as_str(), &e));
            out.registry = Some(registry);
            return out;
        }
    };
    registry.source_url = Some(registry_answer.url.to_string());
    out.registry = Some(registry);
    let from_registry = match extract::read_domain(
        &registry_answer.json,
        registry_answer.url.as_str(),
        max_depth,
    ) {
        Ok(d) => d,
        Err(e) => {
            out.errors.push(step(Stage::Rdap, registry_answer.url.as_str(), &e));
            return out;
        }
    };
    let mut registrar = from_registry.registrar.clone();
    // The registrar's own answer, found through the registry's `related` link (RFC 9083
    // §4.2; ICANN gTLD RDAP profile). Its facts are added beside the registry's, never
    // silently replacing them: every contact keeps its own source_url.
    if let Some(link) = from_registry.registrar_links.first() {
        match url::Url::parse(link) {
            Err(e) => out.errors.push(StepError::new(
                Stage::Rdap,
                link.clone(),
                "malformed",
                format!("registry linked to an unusable registrar URL: {e}"),
            )),
            Ok(url) => {
                let mut merged = registrar.take().unwrap_or_default();
                merged.rdap_url = Some(link.clone());
                match fetch::get_json(&shared.http, &url).await {
                    Ok(answer) => {
                        match extract::read_domain(&answer.json, answer.url.as_str(), max_depth) {
                            Ok(own) => merge_registrar(&mut merged, own.registrar),
                            Err(e) => out.errors.push(step(Stage::Rdap, answer.url.as_str(), &e)),
                        }
                    }
                    Err(e) => out.errors.push(step(Stage::Rdap, link, &e)),
                }
                registrar = Some(merged);
            }
        }
    }
    out.registrar_outcome = match &mut registrar {
        None => {
            Outcome::with_detail(OutcomeStatus::NonePublished, "the registry names no registrar")
        }
        Some(r) => {
            r.abuse_outcome = abuse_outcome(&r.abuse, &r.abuse_outcome);
            r.abuse_outcome.clone()
        }
    };
    out.registrar = registrar;
    out
}

/// The outcome for a contact list, given what the extractor said about its answer.
fn abuse_outcome(abuse: &[Contact], from_answer: &Outcome) -> Outcome {
    if abuse.iter().any(|c| !c.is_empty()) {
        Outcome::new(OutcomeStatus::Found)
    } else if from_answer.status == OutcomeStatus::Redacted {
        from_answer.clone()
    } else {
        Outcome::new(OutcomeStatus::NonePublished)
    }
}

/// Fill the registry's operator name and abuse channels from the shipped directory.
fn registry_directory(registry: &mut Registry) {
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
fn merge_registrar(merged: &mut Registrar, own: Option<Registrar>) {
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
    // The registrar's own statement first, then what the registry holds that differs.
    let mut abuse = own.abuse;
    for contact in merged.abuse.drain(..) {
        if !abuse.iter().any(|c| same_channel(c, &contact)) {
            abuse.push(contact);
        }
    }
    merged.abuse = abuse;
}

fn same_channel(a: &Contact, b: &Contact) -> bool {
    a.email == b.email && a.phone == b.phone && a.web == b.web
}

/// Every party's channels, in party order (hosting, network, registrar, registry), without
/// repeating the same channel for the same party and subject.
fn flatten_contacts(record: &HostingRecord) -> Vec<AbuseContact> {
    let mut out: Vec<AbuseContact> = Vec::new();
    let mut push = |party: Party, subject: &str, contact: &Contact| {
        if contact.is_empty() {
            return;
        }
        let exists = out
            .iter()
            .any(|c| c.party == party && c.for_ == subject && same_channel(&c.contact, contact));
        if !exists {
            out.push(AbuseContact { party, for_: subject.to_owned(), contact: contact.clone() });
        }
    };
    for address in &record.addresses {
        for contact in &address.abuse {
            push(Party::Network, &address.ip.to_string(), contact);
        }
    }
    let domain = record.registrable_domain.as_deref().unwrap_or(record.query.as_str());
    if let Some(registrar) = &record.registrar {
        for contact in &registrar.abuse {
            push(Party::Registrar, domain, contact);
        }
    }
    if let Some(registry) = &record.registry {
        for contact in &registry.abuse {
            push(Party::Registry, domain, contact);
        }
    }
    out.sort_by_key(|c| c.party);
    out
}

fn step(stage: Stage, target: &str, e: &SourceError) -> StepError {
    StepError::new(stage, target, e.kind().as_str(), e.message())
}

fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
}
