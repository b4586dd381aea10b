//! The pipeline, and the only file that knows the stage order:
//! input → DNS → per-address network facts (ASN ∥ RDAP ip) → registration facts (registry →
//! registrar) → record.
//!
//! The per-address chains and the registration chain run concurrently, so a lookup takes as
//! long as its longest chain. Every failing step becomes a [`StepError`] and the facts found
//! by other steps are kept.

use std::sync::Arc;

use hickory_resolver::TokioResolver;

use crate::clock::now_timestamp;
use crate::config::Limits;
use crate::deadline::{self, Deadline, WaitObserver, by_deadline};
use crate::dns;
use crate::error::Error;
use crate::input::{DomainQuery, Query};
use crate::network::NetworkStage;
use crate::notice;
use crate::provider;
use crate::record::{
    AddressRecord, DnsFacts, HostingRecord, NoticeType, Outcome, OutcomeStatus, Party,
    PartyOutcome, Stage, StepError,
};
use crate::registration::RegistrationStage;

/// The stages of a lookup and what the pipeline itself uses, built once per client.
#[derive(Debug)]
pub(crate) struct Pipeline {
    /// DNS for the queried names.
    pub(crate) resolver: TokioResolver,
    /// Address and CNAME bounds.
    pub(crate) limits: Limits,
    /// The whole lookup's working-time deadline.
    pub(crate) timeout: std::time::Duration,
    /// The kind of notice being prepared (orders channels).
    pub(crate) notice_type: Option<NoticeType>,
    /// Keep the record's `query` as given (else credentials are redacted).
    pub(crate) keep_query_secrets: bool,
    /// Per-address facts.
    pub(crate) network: NetworkStage,
    /// Registration facts.
    pub(crate) registration: RegistrationStage,
}

/// Run one lookup; `observer` hears when it waits its turn.
pub(crate) async fn run(
    pipeline: &Pipeline,
    raw: &str,
    observer: Option<Arc<dyn WaitObserver>>,
) -> Result<HostingRecord, Error> {
    let query = Query::parse(raw)?;
    // One deadline for the whole lookup: each step still running when it passes is recorded
    // as timed out, and every step that finished keeps its facts. Its clock stops while the
    // lookup waits its turn behind a server's politeness budget (see `deadline`); `observer`
    // (a bulk run) hears of those waits.
    let deadline = Deadline::observed(pipeline.timeout, observer);
    // One span per lookup, named by the query as the record shows it (secrets redacted);
    // the requests it makes nest under it (`-v`/`RUST_LOG` in the command).
    let span = tracing::info_span!("lookup", query = %crate::input::redact_query(raw));
    tracing::Instrument::instrument(
        deadline::scope(Arc::clone(&deadline), steps(pipeline, raw, query, &deadline)),
        span,
    )
    .await
}

/// The stages of one lookup, in order.
async fn steps(
    pipeline: &Pipeline,
    raw: &str,
    query: Query,
    deadline: &Deadline,
) -> Result<HostingRecord, Error> {
    let mut record = blank_record(raw, pipeline.keep_query_secrets);
    match query {
        Query::Ip(ip) => {
            let (addresses, errors) = pipeline.network.addresses(&[ip], &[], deadline).await;
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
                hosting_chain(pipeline, &name, deadline),
                pipeline.registration.registration(&name, deadline)
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
    finish(&mut record, pipeline.notice_type);
    Ok(record)
}

/// The record of `raw` before any stage has run: the query as it is written (its secrets
/// redacted unless `keep_secrets`), nothing found yet. Shared with `fake.rs`, so a fake
/// record starts as a real one does.
pub(crate) fn blank_record(raw: &str, keep_secrets: bool) -> HostingRecord {
    let query = if keep_secrets { raw.to_owned() } else { crate::input::redact_query(raw) };
    HostingRecord::blank(query)
}

/// The last step of every lookup, once the stages have filled `record`: the parties an IP
/// query has no registrar or registry for, each address's party outcome (first), whether
/// the origin is hidden, the notice targets for `notice` and the time. Shared with
/// `fake.rs`, so a fake record is finished by the same rules.
pub(crate) fn finish(record: &mut HostingRecord, notice: Option<NoticeType>) {
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
        .map(|a| {
            PartyOutcome::new(notice::address_party(a), a.ip.to_string(), a.abuse_outcome.clone())
        })
        .collect();
    record.outcomes.splice(0..0, address_outcomes);
    record.origin_hidden = provider::origin_hidden(
        record.addresses.iter().filter_map(|a| a.hosting_provider.as_ref()),
    );
    notice::settle(record, notice);
    record.resolved_at = now_timestamp();
}

/// DNS, then the network facts of every address.
async fn hosting_chain(
    pipeline: &Pipeline,
    name: &DomainQuery,
    deadline: &Deadline,
) -> (DnsFacts, Vec<AddressRecord>, Vec<StepError>) {
    let limits = &pipeline.limits;
    let resolving = dns::resolve(
        &pipeline.resolver,
        &name.ascii,
        &name.registrable,
        limits.max_addresses,
        limits.max_cname_chain,
    );
    let resolution = match by_deadline(deadline, resolving, "DNS resolution").await {
        Ok(r) => r,
        Err(e) => dns::Resolution { failures: vec![(name.ascii.clone(), e)], ..Default::default() },
    };
    let mut errors: Vec<StepError> = resolution
        .failures
        .iter()
        .map(|(target, e)| StepError::from_source(Stage::Dns, target, e))
        .collect();
    let (addresses, address_errors) =
        pipeline.network.addresses(&resolution.addresses, &resolution.cname_chain, deadline).await;
    errors.extend(address_errors);
    let facts = DnsFacts {
        addresses: resolution.addresses,
        cname_chain: resolution.cname_chain,
        nameservers: resolution.nameservers,
    };
    (facts, addresses, errors)
}
