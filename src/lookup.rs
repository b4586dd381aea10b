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

use crate::asn::{self, AsnChain, AsnOutcome, AsnSource, CymruSource};
use crate::cache::{AsnCache, Keep, NetworkCache, RegistrationCache};
use crate::config::Config;
use crate::contacts::{address_party, flatten_contacts};
use crate::deadline::{self, Deadline, WaitObserver, by_deadline};
use crate::dns;
use crate::error::{Error, SourceError};
use crate::http::Http;
use crate::input::{DomainQuery, Query};
use crate::provider;
use crate::rdap::bootstrap::Bootstrap;
use crate::rdap::fetch;
use crate::record::{
    AddressRecord, DnsFacts, Evidence, EvidenceKind, HostingRecord, Outcome, OutcomeStatus, Party,
    PartyOutcome, SCHEMA_VERSION, Source, SourceKind, Stage, StepError,
};
use crate::stage_network::{AddressFacts, address_network};
use crate::stage_registration::{Registration, registration_chain};
use crate::whois::Whois;

/// State shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) resolver: TokioResolver,
    pub(crate) http: Http,
    pub(crate) bootstrap: Bootstrap,
    pub(crate) asn: AsnChain,
    pub(crate) whois: Whois,
    pub(crate) asn_cache: AsnCache,
    pub(crate) networks: NetworkCache<AddressFacts>,
    pub(crate) registrations: RegistrationCache<Registration>,
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
        let whois = Whois::new(&config, resolver.clone());
        Ok(Self {
            asn_cache: AsnCache::new(&config),
            networks: NetworkCache::new(&config),
            registrations: RegistrationCache::registrations(&config),
            config,
            resolver,
            http,
            bootstrap,
            asn: AsnChain::new(sources),
            whois,
        })
    }
}

impl Shared {
    /// GET an RDAP URL (after the configured rewrites) and decode it.
    pub(crate) async fn get_json(&self, url: &url::Url) -> Result<fetch::Answer, SourceError> {
        let rewritten = rewrite(url, &self.config.rdap_rewrites);
        fetch::get_json(&self.http, rewritten.as_ref().unwrap_or(url)).await
    }
}

/// `url` with the first matching `(from, to)` prefix replaced, if any matches.
fn rewrite(url: &url::Url, rewrites: &[(String, String)]) -> Option<url::Url> {
    let text = url.as_str();
    rewrites.iter().find_map(|(from, to)| {
        let rest = text.strip_prefix(from.as_str())?;
        url::Url::parse(&format!("{to}{rest}")).ok()
    })
}

/// Run one lookup; `observer` hears when it waits its turn.
pub(crate) async fn run(
    shared: &Shared,
    raw: &str,
    observer: Option<Arc<dyn WaitObserver>>,
) -> Result<HostingRecord, Error> {
    let query = Query::parse(raw)?;
    // One deadline for the whole lookup: each step still running when it passes is recorded
    // as timed out, and every step that finished keeps its facts. Its clock stops while the
    // lookup waits its turn behind a server's politeness budget (see `deadline`); `observer`
    // (a bulk run) hears of those waits.
    let deadline = Deadline::observed(shared.config.timeouts.lookup, observer);
    deadline::scope(Arc::clone(&deadline), steps(shared, raw, query, &deadline)).await
}

/// The stages of one lookup, in order.
async fn steps(
    shared: &Shared,
    raw: &str,
    query: Query,
    deadline: &Deadline,
) -> Result<HostingRecord, Error> {
    let mut record = HostingRecord {
        schema_version: SCHEMA_VERSION,
        query: raw.to_owned(),
        domain: None,
        domain_unicode: None,
        registrable_domain: None,
        resolved_at: jiff::Timestamp::UNIX_EPOCH,
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
            let (addresses, errors) = address_facts(shared, &[ip], &[], deadline).await;
            record.addresses = addresses;
            record.errors.extend(errors);
        }
        Query::Domain(name) => {
            record.domain = Some(name.ascii.clone());
            // A shared platform is recognised from the name (and URL path) first: its
            // registrar is the wrong target for content a user put on it.
            record.platform = provider::detect_platform(&name.ascii, name.path.as_deref());
            record.domain_unicode = Some(name.unicode.clone());
            record.registrable_domain = Some(name.registrable.clone());
            let (hosting, registration) = tokio::join!(
                hosting_chain(shared, &name, deadline),
                registration_chain(shared, &name, deadline)
            );
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
        .map(|a| PartyOutcome::new(address_party(a), a.ip.to_string(), a.abuse_outcome.clone()))
        .collect();
    record.outcomes.splice(0..0, address_outcomes);
    record.origin_hidden = provider::origin_hidden(
        record.addresses.iter().filter_map(|a| a.hosting_provider.as_ref()),
    );
    let notice = shared.config.notice_type;
    record.abuse_contacts = flatten_contacts(&record, notice);
    record.notice_targets = provider::notice_targets(&record, notice);
    record.resolved_at = now_timestamp();
    Ok(record)
}

/// DNS, then the network facts of every address.
async fn hosting_chain(
    shared: &Shared,
    name: &DomainQuery,
    deadline: &Deadline,
) -> (DnsFacts, Vec<AddressRecord>, Vec<StepError>) {
    let limits = &shared.config.limits;
    let resolving = dns::resolve(
        &shared.resolver,
        &name.ascii,
        &name.registrable,
        limits.max_addresses,
        limits.max_cname_chain,
    );
    let resolution = match by_deadline(deadline, resolving, "DNS resolution").await {
        Ok(r) => r,
        Err(e) => dns::Resolution { failures: vec![(name.ascii.clone(), e)], ..Default::default() },
    };
    let mut errors: Vec<StepError> =
        resolution.failures.iter().map(|(target, e)| step(Stage::Dns, target, e)).collect();
    let (addresses, address_errors) =
        address_facts(shared, &resolution.addresses, &resolution.cname_chain, deadline).await;
    errors.extend(address_errors);
    let facts = DnsFacts {
        addresses: resolution.addresses,
        cname_chain: resolution.cname_chain,
        nameservers: resolution.nameservers,
    };
    (facts, addresses, errors)
}

/// ASN and RDAP network facts for every address, all concurrently.
async fn address_facts(
    shared: &Shared,
    ips: &[IpAddr],
    cname_chain: &[String],
    deadline: &Deadline,
) -> (Vec<AddressRecord>, Vec<StepError>) {
    let results =
        join_all(ips.iter().map(|ip| one_address(shared, *ip, cname_chain, deadline))).await;
    let mut addresses = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for (address, errs) in results {
        addresses.push(address);
        errors.extend(errs);
    }
    (addresses, errors)
}

async fn one_address(
    shared: &Shared,
    ip: IpAddr,
    cname_chain: &[String],
    deadline: &Deadline,
) -> (AddressRecord, Vec<StepError>) {
    // Both are cached per client: ASN answers by address (and routable prefix), network
    // facts by address (and by leaf-assignment range); concurrent askers are joined.
    let (asn, facts) = tokio::join!(
        by_deadline(deadline, shared.asn_cache.lookup(&shared.asn, ip), "the ASN lookup"),
        shared.networks.get_or_fetch(
            ip,
            |f: &AddressFacts| f.network.as_ref(),
            |f: &AddressFacts| Keep::of(&f.errors, deadline.passed()),
            || address_network(shared, ip, deadline)
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

pub(crate) fn step(stage: Stage, target: &str, e: &SourceError) -> StepError {
    StepError::from_source(stage, target, e)
}

/// Now, to the whole second (the record's times are written as `2026-12-05T09:00:00Z`).
pub(crate) fn now_timestamp() -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now)
}
