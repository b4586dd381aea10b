//! The pipeline, and the only file that knows the stage order:
//! input → DNS → per-address network facts (ASN ∥ RDAP ip) → registration facts (registry →
//! registrar) → record.
//!
//! The per-address chains and the registration chain run concurrently, so a lookup takes as
//! long as its longest chain. Every failing step becomes a [`StepError`] and the facts found
//! by other steps are kept.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use tokio::time::Instant;

use futures_util::future::join_all;
use hickory_resolver::TokioResolver;

use crate::asn::{self, AsnChain, AsnOutcome, AsnSource, CymruSource};
use crate::cache::{AsnCache, NetworkCache, RegistrationCache};
use crate::config::Config;
use crate::dns;
use crate::error::{Error, SourceError, SourceErrorKind};
use crate::http::Http;
use crate::input::{DomainQuery, Query};
use crate::provider;
use crate::rdap::bootstrap::Bootstrap;
use crate::rdap::{extract, fetch, overrides, registrars};
use crate::record::{
    AbuseContact, AddressRecord, Contact, DnsFacts, Evidence, HostingProvider, HostingRecord,
    Network, NoticeType, Outcome, OutcomeStatus, Party, PartyOutcome, ProviderKind, Registrar,
    Registry, SCHEMA_VERSION, Source, SourceKind, Stage, StepError,
};
use crate::registries;
use crate::whois::Whois;

/// State shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    resolver: TokioResolver,
    http: Http,
    bootstrap: Bootstrap,
    asn: AsnChain,
    whois: Whois,
    asn_cache: AsnCache,
    networks: NetworkCache<AddressFacts>,
    registrations: RegistrationCache<Registration>,
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
    async fn get_json(&self, url: &url::Url) -> Result<fetch::Answer, SourceError> {
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

/// Run one lookup.
pub(crate) async fn run(shared: &Shared, raw: &str) -> Result<HostingRecord, Error> {
    let query = Query::parse(raw)?;
    // One deadline for the whole lookup: each step still running when it passes is recorded
    // as timed out, and every step that finished keeps its facts.
    let deadline = Instant::now() + shared.config.timeouts.lookup;
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
    record.resolved_at = now_rfc3339();
    Ok(record)
}

/// DNS, then the network facts of every address.
async fn hosting_chain(
    shared: &Shared,
    name: &DomainQuery,
    deadline: Instant,
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
    deadline: Instant,
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
    deadline: Instant,
) -> (AddressRecord, Vec<StepError>) {
    // Both are cached per client: ASN answers by address (and routable prefix), network
    // facts by address (and by leaf-assignment range); concurrent askers are joined.
    let (asn, facts) = tokio::join!(
        by_deadline(deadline, shared.asn_cache.lookup(&shared.asn, ip), "the ASN lookup"),
        shared.networks.get_or_fetch(
            ip,
            |f: &AddressFacts| f.network.as_ref(),
            || address_network(shared, ip, deadline)
        ),
    );
    let asn =
        asn.unwrap_or_else(|e| AsnOutcome { asn: None, errors: vec![("deadline".into(), e)] });
    let mut address = AddressRecord::new(ip);
    let mut errors = facts.errors;
    address.asn = asn.asn;
    for (source, e) in asn.errors {
        errors.push(StepError::new(
            Stage::Asn,
            ip.to_string(),
            e.kind().as_str(),
            format!("{source}: {}", e.message()),
        ));
    }
    address.network = facts.network;
    address.abuse = facts.abuse;
    address.abuse_outcome = facts.abuse_outcome;
    // Who actually hosts it: published ranges, CNAME suffixes, the ASN and the RDAP holder.
    let holder = facts.holder.map(|mut holder| {
        if let Some(url) = address.network.as_ref().and_then(|n| n.source_url.clone()) {
            holder.evidence.push(Evidence {
                kind: "rdap_org".to_owned(),
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

/// What an address's registries say: the RDAP network and its holder, and the abuse
/// channels (from RDAP, else WHOIS), with the steps that failed. Cached per client.
#[derive(Debug, Clone)]
pub(crate) struct AddressFacts {
    network: Option<Network>,
    holder: Option<HostingProvider>,
    abuse: Vec<Contact>,
    abuse_outcome: Outcome,
    errors: Vec<StepError>,
}

/// The RDAP network of `ip`, then its registry's WHOIS when RDAP has no abuse mailbox.
async fn address_network(shared: &Shared, ip: IpAddr, deadline: Instant) -> AddressFacts {
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
            rir_hint = answer.network.rir.clone().or(answer.port43.clone());
            facts.network = Some(answer.network);
            facts.holder = answer.holder;
            facts.abuse_outcome = abuse_outcome(&answer.abuse, &answer.abuse_outcome);
            facts.abuse = answer.abuse;
            // AFRINIC publishes no abuse entity in RDAP, registro.br none with an email:
            // their WHOIS does (issue #6).
            (!facts.abuse.iter().any(|c| c.email.is_some())).then_some("rdap_without_abuse_email")
        }
        Err((target, e)) => {
            facts.abuse_outcome = Outcome::with_detail(
                OutcomeStatus::SourceFailed,
                format!("network answer unavailable: {}", e.message()),
            );
            facts.errors.push(step(Stage::Rdap, &target, &e));
            Some("rdap_network_failed")
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
async fn network_facts(
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
        network.network.rir = Some(rir);
    }
    Ok((network, notes))
}

/// How many `up` links a network without an abuse contact may climb.
const MAX_PARENT_HOPS: usize = 3;

/// Fetch and read one ip network answer, stamping fetch times and keeping its warnings.
async fn read_network_at(
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
        p.fetched_at.get_or_insert_with(now_rfc3339);
    }
    for warning in network.warnings.drain(..) {
        notes.push(StepError::new(Stage::Rdap, answer.url.as_str(), "partial", warning));
    }
    Ok(network)
}

/// The RDAP base URL of a regional registry named in a referral.
fn rir_base_url(name: &str) -> Option<url::Url> {
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

/// Stamp the fetch time on network-sourced provenance that lacks one.
fn stamp(contacts: &mut [Contact]) {
    let now = now_rfc3339();
    for contact in contacts {
        for source in &mut contact.sources {
            if matches!(source.kind, SourceKind::Rdap | SourceKind::Whois)
                && source.fetched_at.is_none()
            {
                source.fetched_at = Some(now.clone());
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Registration {
    registry: Option<Registry>,
    registrar: Option<Registrar>,
    registrar_outcome: Outcome,
    errors: Vec<StepError>,
    /// Why RDAP could not give the registration facts, when WHOIS should be asked.
    whois_reason: Option<&'static str>,
}

/// Registration facts for the registrable domain, cached per client (every host name under
/// one domain shares them; concurrent lookups of one domain make one set of requests).
async fn registration_chain(
    shared: &Shared,
    name: &DomainQuery,
    deadline: Instant,
) -> Registration {
    shared
        .registrations
        .get_or_fetch(
            name.registrable.clone(),
            |r: &Registration| r.errors.is_empty(),
            || registration_uncached(shared, name, deadline),
        )
        .await
}

/// Registration facts: RDAP (the IANA bootstrap, then the shipped override list), then WHOIS
/// when RDAP has no service for the TLD or its registry did not answer.
async fn registration_uncached(
    shared: &Shared,
    name: &DomainQuery,
    deadline: Instant,
) -> Registration {
    let mut out = rdap_registration(shared, name, deadline).await;
    if let Some(reason) = out.whois_reason
        && shared.whois.is_enabled()
    {
        whois_registration(shared, name, deadline, reason, &mut out).await;
    }
    out
}

/// Where to ask RDAP about a domain: the bootstrap, else the override list (only with the
/// embedded bootstrap: a configured bootstrap directory is taken as the whole truth).
fn registry_target(shared: &Shared, name: &DomainQuery) -> Result<fetch::Target, SourceError> {
    let allow_http = shared.config.safety.allow_http;
    match fetch::domain_target(&shared.bootstrap, &name.registrable, allow_http) {
        Err(e)
            if e.kind() == SourceErrorKind::NoSource && shared.config.bootstrap_dir.is_none() =>
        {
            let Some((base, source)) = overrides::rdap_override(&name.registrable) else {
                return Err(e);
            };
            tracing::debug!(domain = %name.registrable, %base, source, "RDAP override");
            fetch::target_at(name.public_suffix.clone(), base, &name.registrable)
        }
        other => other,
    }
}

/// The registry's RDAP answer for the registrable domain, then the registrar's answer it
/// links to.
async fn rdap_registration(shared: &Shared, name: &DomainQuery, deadline: Instant) -> Registration {
    let mut out = Registration::default();
    let domain = &name.registrable;
    let max_depth = shared.config.limits.max_entity_depth;
    let target = match registry_target(shared, name) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(step(Stage::Rdap, domain, &e));
            out.whois_reason = Some("no_rdap_service");
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
    let fetching = shared.get_json(&target.url);
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
                    out.whois_reason = Some("rdap_registry_failed");
                }
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
    for warning in &from_registry.warnings {
        out.errors.push(StepError::new(
            Stage::Rdap,
            registry_answer.url.as_str(),
            "partial",
            warning,
        ));
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
                "malformed",
                format!("registry linked to an unusable registrar URL: {e}"),
            )),
            Ok(url) => {
                let mut merged = registrar.take().unwrap_or_default();
                merged.rdap_url = Some(link.clone());
                let fetching = shared.get_json(&url);
                match by_deadline(deadline, fetching, "the registrar").await.and_then(|r| r) {
                    Ok(answer) => {
                        match extract::read_domain(&answer.json, answer.url.as_str(), max_depth) {
                            Ok(mut own) => {
                                if let Some(r) = own.registrar.as_mut() {
                                    stamp(&mut r.abuse);
                                }
                                merge_registrar(&mut merged, own.registrar)
                            }
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

/// Registration facts from WHOIS (registry, then the registrar it refers to), added where RDAP
/// found nothing. Every contact's source says WHOIS, the server, the line and `reason`.
async fn whois_registration(
    shared: &Shared,
    name: &DomainQuery,
    deadline: Instant,
    reason: &str,
    out: &mut Registration,
) {
    let domain = &name.registrable;
    let asking = shared.whois.lookup_domain(domain);
    let mut answer = match by_deadline(deadline, asking, "WHOIS").await.and_then(|r| r) {
        Ok(answer) => answer,
        Err(e) => {
            out.errors.push(step(Stage::Whois, domain, &e));
            return;
        }
    };
    answer.mark_fallback(reason);
    for (server, e) in &answer.errors {
        out.errors.push(step(Stage::Whois, server, e));
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
        out.registrar_outcome = match &mut answer.registrar {
            None => Outcome::with_detail(
                OutcomeStatus::NonePublished,
                "the registry's WHOIS names no registrar",
            ),
            Some(r) => {
                r.abuse_outcome = abuse_outcome(&r.abuse, &r.abuse_outcome);
                r.abuse_outcome.clone()
            }
        };
        out.registrar = answer.registrar;
    }
}

/// The outcome for a contact list, given what the extractor said about its answer.
fn abuse_outcome(abuse: &[Contact], from_answer: &Outcome) -> Outcome {
    if abuse.iter().any(|c| !c.is_empty()) {
        if from_answer.status == OutcomeStatus::Found {
            from_answer.clone()
        } else {
            Outcome::new(OutcomeStatus::Found)
        }
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

/// Add `contact` to `list`. The same channel (same mailbox, phone and form) stated again adds
/// its sources to the existing contact and fills what it lacked; a different channel is kept
/// as its own contact, so no published fact is dropped.
fn merge_into(list: &mut Vec<Contact>, contact: Contact) {
    match list.iter_mut().find(|c| same_channel(c, &contact)) {
        Some(existing) => {
            for source in contact.sources {
                if !existing.sources.contains(&source) {
                    existing.sources.push(source);
                }
            }
            if existing.name.is_none() {
                existing.name = contact.name;
            }
        }
        None => list.push(contact),
    }
}

fn same_channel(a: &Contact, b: &Contact) -> bool {
    let email = |c: &Contact| c.email.as_deref().map(str::to_ascii_lowercase);
    email(a) == email(b) && a.phone == b.phone && a.web == b.web
}

/// Every party's channels, in party order (hosting, network, registrar, registry), without
/// repeating the same channel for the same party and subject.
fn flatten_contacts(record: &HostingRecord, notice: Option<NoticeType>) -> Vec<AbuseContact> {
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
    if let Some(platform) = &record.platform {
        let subject = record.domain.as_deref().unwrap_or(record.query.as_str());
        for contact in &platform.abuse {
            push(Party::Platform, subject, contact);
        }
    }
    for address in &record.addresses {
        // The network holder's contact reaches the CDN or the hoster when the address was
        // identified as theirs; otherwise it reaches whoever holds the network.
        let provider = address.hosting_provider.as_ref();
        let party = address_party(address);
        let subject = address.ip.to_string();
        if let Some(id) = provider.and_then(|p| p.id.as_deref()) {
            for contact in &provider::directory_channels(id, notice) {
                push(party, &subject, contact);
            }
        }
        for contact in &address.abuse {
            push(party, &subject, contact);
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

/// Run `fut` unless the lookup's deadline passes first.
async fn by_deadline<T>(
    deadline: Instant,
    fut: impl Future<Output = T>,
    what: &str,
) -> Result<T, SourceError> {
    tokio::time::timeout_at(deadline, fut).await.map_err(|_| {
        SourceError::new(
            SourceErrorKind::Timeout,
            format!("the lookup deadline passed before {what} finished (Timeouts::lookup)"),
        )
    })
}

/// Whom an address's abuse channels reach: the CDN or the hoster when the address was
/// identified as theirs, otherwise whoever holds the network.
fn address_party(address: &AddressRecord) -> Party {
    match address.hosting_provider.as_ref().map(|p| (p.kind, p.id.is_some())) {
        Some((ProviderKind::Cdn, _)) => Party::Cdn,
        Some((_, true)) => Party::Hosting,
        _ => Party::Network,
    }
}

fn step(stage: Stage, target: &str, e: &SourceError) -> StepError {
    StepError::new(stage, target, e.kind().as_str(), e.message())
}

fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
}
