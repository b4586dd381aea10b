//! Records → batches: each record's notice targets, in the record's order, filed under
//! (party, channel). The first target with a channel for the notice type takes the resource;
//! each later one lists it with `escalate: true`. A record without such a target goes to the
//! unresolved list with the reason. Nothing here decides whom to notify: the record did.

use std::borrow::Borrow;
use std::collections::HashMap;

use super::batch::{
    Batch, BatchAddress, BatchChannel, BatchParty, BatchResource, Batches, ChannelKind, StageCount,
    Totals, Unresolved, UnresolvedReason,
};
use super::id::batch_id;
use super::lines::LookupLine;
use crate::provider::order_for_notice;
use crate::record::{
    AddressRecord, Contact, HostingRecord, NoticeTarget, NoticeType, Party, ProviderKind, Stage,
};

/// How to group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupOptions {
    /// The notice being prepared: each target's channels published for it are used first,
    /// then its general ones; a channel published only for other types is not used. Default
    /// `None`: the general channels first, then any.
    pub notice_type: Option<NoticeType>,
    /// Whether a resource is also listed (with `escalate: true`) in the batches of its later
    /// targets. Default `true`.
    pub escalations: bool,
}

impl Default for GroupOptions {
    fn default() -> Self {
        Self { notice_type: None, escalations: true }
    }
}

impl GroupOptions {
    /// Choose channels for `notice` (default: none chosen, the general channels first).
    #[must_use]
    pub fn notice_type(mut self, notice: NoticeType) -> Self {
        self.notice_type = Some(notice);
        self
    }

    /// List resources in their escalation targets' batches too (default `true`).
    #[must_use]
    pub fn escalations(mut self, escalations: bool) -> Self {
        self.escalations = escalations;
        self
    }
}

/// Group `records` into one batch per (party, channel); see the [module](super) docs.
///
/// ```
/// use whohosts::notices::{GroupOptions, group};
/// use whohosts::NoticeType;
///
/// let records: Vec<whohosts::HostingRecord> = Vec::new();
/// let batches = group(&records, &GroupOptions::default().notice_type(NoticeType::Copyright));
/// assert_eq!(batches.totals.inputs, 0);
/// assert_eq!(batches.notice_type, Some(NoticeType::Copyright));
/// ```
pub fn group<R: Borrow<HostingRecord>>(
    records: impl IntoIterator<Item = R>,
    options: &GroupOptions,
) -> Batches {
    let mut grouper = Grouper::new(options);
    for record in records {
        let record = record.borrow();
        grouper.record(record, &record.query);
    }
    grouper.finish()
}

/// Group every line read by [`read_lines`](super::read_lines): records as [`group`] does,
/// failed lookups and unreadable lines into the unresolved list, so that the counts add up
/// to the lines.
pub fn group_lines(lines: impl IntoIterator<Item = LookupLine>, options: &GroupOptions) -> Batches {
    let mut grouper = Grouper::new(options);
    for line in lines {
        match line {
            LookupLine::Record { input, record } => {
                let resource = input.unwrap_or_else(|| record.query.clone());
                grouper.record(&record, &resource);
            }
            LookupLine::Failed { input, kind, message } => {
                if kind == "input" {
                    grouper.stage_error(Stage::Input);
                }
                grouper.unresolved(Unresolved {
                    resource: input,
                    reason: UnresolvedReason::LookupFailed,
                    detail: Some(format!("{kind}: {message}")),
                    errors: Vec::new(),
                });
            }
            LookupLine::Unreadable { line, message } => grouper.unresolved(Unresolved {
                resource: format!("line {line}"),
                reason: UnresolvedReason::Unreadable,
                detail: Some(message),
                errors: Vec::new(),
            }),
        }
    }
    grouper.finish()
}

/// The grouping in progress.
#[derive(Debug)]
struct Grouper<'o> {
    options: &'o GroupOptions,
    /// Batches in order of their first resource.
    batches: Vec<Batch>,
    /// Grouping key → index in `batches`.
    index: HashMap<String, usize>,
    unresolved: Vec<Unresolved>,
    inputs: usize,
    resolved: usize,
    errors: Vec<(Stage, usize)>,
}

impl<'o> Grouper<'o> {
    fn new(options: &'o GroupOptions) -> Self {
        Self {
            options,
            batches: Vec::new(),
            index: HashMap::new(),
            unresolved: Vec::new(),
            inputs: 0,
            resolved: 0,
            errors: Vec::new(),
        }
    }

    fn stage_error(&mut self, stage: Stage) {
        match self.errors.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, n)) => *n += 1,
            None => self.errors.push((stage, 1)),
        }
    }

    fn unresolved(&mut self, unresolved: Unresolved) {
        self.inputs += 1;
        self.unresolved.push(unresolved);
    }

    /// File `record`, listed as `resource`.
    fn record(&mut self, record: &HostingRecord, resource: &str) {
        for e in &record.errors {
            self.stage_error(e.stage);
        }
        let mut placed = false;
        for target in &record.notice_targets {
            if placed && !self.options.escalations {
                break;
            }
            let Some(contact) = choose(&target.channels, self.options.notice_type) else {
                continue;
            };
            let Some(channel) = channel(target.party, &contact) else { continue };
            self.place(record, resource, target, &contact, channel, placed);
            placed = true;
        }
        if placed {
            self.inputs += 1;
            self.resolved += 1;
            return;
        }
        let (reason, detail) = if !record.notice_targets.is_empty() {
            let notice = self.options.notice_type.map_or("any", NoticeType::as_str);
            (UnresolvedReason::NoChannelForNoticeType, Some(format!("notice type {notice}")))
        } else if !record.errors.is_empty() {
            let steps: Vec<String> = record
                .errors
                .iter()
                .map(|e| format!("{} {} ({})", e.stage.as_str(), e.kind, e.target))
                .collect();
            (UnresolvedReason::StepsFailed, Some(steps.join("; ")))
        } else {
            let said: Vec<String> = record
                .outcomes
                .iter()
                .filter_map(|o| {
                    o.outcome
                        .detail
                        .as_ref()
                        .map(|d| format!("{} {}: {d}", o.party.as_str(), o.for_))
                })
                .collect();
            (UnresolvedReason::NoTarget, (!said.is_empty()).then(|| said.join("; ")))
        };
        self.unresolved(Unresolved {
            resource: resource.to_owned(),
            reason,
            detail,
            errors: record.errors.clone(),
        });
    }

    fn place(
        &mut self,
        record: &HostingRecord,
        resource: &str,
        target: &NoticeTarget,
        contact: &Contact,
        channel: BatchChannel,
        escalate: bool,
    ) {
        let addresses = concerned(record, target);
        let party = party(record, target, &addresses);
        let key = format!(
            "{}|{}|{}|{}",
            target.party.as_str(),
            party_key(&party, &addresses),
            channel.kind.as_str(),
            channel.address.trim().trim_end_matches('/').to_lowercase()
        );
        let evidence: Vec<BatchAddress> = addresses.iter().map(|a| address(a)).collect();
        let resource = BatchResource {
            resource: resource.to_owned(),
            subject: target.for_.clone(),
            reason: target.reason,
            escalate,
            addresses: evidence,
            contact_sources: contact.sources.clone(),
        };
        let at = match self.index.get(&key) {
            Some(at) => *at,
            None => {
                let name = party.name.as_deref().or(party.provider_id.as_deref()).unwrap_or("");
                let id = batch_id(name, target.party.as_str(), &key);
                self.batches.push(Batch { id, party, channel, resources: Vec::new() });
                self.index.insert(key, self.batches.len() - 1);
                self.batches.len() - 1
            }
        };
        let Some(batch) = self.batches.get_mut(at) else { return };
        if batch.resources.iter().any(|r| r.resource == resource.resource) {
            // The same input twice (or two targets of one record on one channel): listed once.
            return;
        }
        for a in &resource.addresses {
            if let Some(h) = &a.network {
                batch.party.network_handles.push(h.clone());
            }
            if let Some(n) = a.asn {
                batch.party.asns.push(n);
            }
        }
        batch.resources.push(resource);
    }

    fn finish(mut self) -> Batches {
        for b in &mut self.batches {
            b.party.network_handles.sort();
            b.party.network_handles.dedup();
            b.party.asns.sort_unstable();
            b.party.asns.dedup();
            // First targets before escalations, each in input order (a stable sort).
            b.resources.sort_by_key(|r| r.escalate);
        }
        self.batches.sort_by(|a, b| {
            b.resources
                .len()
                .cmp(&a.resources.len())
                .then_with(|| a.display_name().cmp(b.display_name()))
                .then_with(|| a.id.cmp(&b.id))
        });
        let escalations = self.batches.iter().map(Batch::escalation_count).sum();
        let mut errors_by_stage: Vec<StageCount> = self
            .errors
            .iter()
            .map(|(stage, errors)| StageCount { stage: *stage, errors: *errors })
            .collect();
        errors_by_stage.sort_by_key(|c| stage_rank(c.stage));
        Batches {
            notice_type: self.options.notice_type,
            totals: Totals {
                inputs: self.inputs,
                resolved: self.resolved,
                unresolved: self.unresolved.len(),
                escalations,
                errors_by_stage,
            },
            batches: self.batches,
            unresolved: self.unresolved,
        }
    }
}

/// The position of `stage` in the order a lookup runs.
fn stage_rank(stage: Stage) -> usize {
    const ORDER: [Stage; 6] =
        [Stage::Input, Stage::Dns, Stage::Asn, Stage::Rdap, Stage::Whois, Stage::Abuse];
    ORDER.iter().position(|s| *s == stage).unwrap_or(ORDER.len())
}

/// The first of `channels` to use for `notice` (the record's order, with the channels
/// published for `notice` first; see `provider::order_for_notice`).
fn choose(channels: &[Contact], notice: Option<NoticeType>) -> Option<Contact> {
    order_for_notice(channels, notice).into_iter().find(|c| !c.is_empty())
}

/// How `contact` is used: its mailbox, else its form (a platform's reporting page), else its
/// phone.
fn channel(party: Party, contact: &Contact) -> Option<BatchChannel> {
    let nonblank = |v: &Option<String>| {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
    };
    let (kind, address) = if let Some(email) = nonblank(&contact.email) {
        (ChannelKind::Email, email)
    } else if let Some(web) = nonblank(&contact.web) {
        let kind = if party == Party::Platform {
            ChannelKind::ReportingPage
        } else {
            ChannelKind::WebForm
        };
        (kind, web)
    } else {
        let phone =
            contact.phones.first().map(|p| p.text.clone()).or_else(|| nonblank(&contact.phone))?;
        (ChannelKind::Phone, phone)
    };
    Some(BatchChannel {
        kind,
        address,
        notice_types: contact.notice_types.clone(),
        source_url: contact.source_url.clone(),
    })
}

/// The record's addresses `target` is concerned with: a CDN's or host's, the addresses it
/// is named as the provider of; a network's, its subject address and the others in the same
/// AS; a platform's, registrar's or registry's, all.
fn concerned<'r>(record: &'r HostingRecord, target: &NoticeTarget) -> Vec<&'r AddressRecord> {
    let all = || record.addresses.iter().collect();
    match target.party {
        Party::Cdn | Party::Hosting => {
            let named: Vec<&AddressRecord> = record
                .addresses
                .iter()
                .filter(|a| {
                    a.hosting_provider
                        .as_ref()
                        .is_some_and(|p| Some(&p.name) == target.name.as_ref())
                })
                .collect();
            if named.is_empty() { subject_address(record, target) } else { named }
        }
        Party::Network => {
            let subject = subject_address(record, target);
            let asn = subject.first().and_then(|a| a.asn.as_ref()).map(|a| a.number);
            match asn {
                Some(n) => record
                    .addresses
                    .iter()
                    .filter(|a| a.asn.as_ref().is_some_and(|x| x.number == n))
                    .collect(),
                None => subject,
            }
        }
        Party::Platform | Party::Registrar | Party::Registry => all(),
    }
}

/// The address the target is about, when its subject is an address of the record.
fn subject_address<'r>(record: &'r HostingRecord, target: &NoticeTarget) -> Vec<&'r AddressRecord> {
    record.addresses.iter().filter(|a| a.ip.to_string() == target.for_).collect()
}

/// The party of `target`, identified from the record.
fn party(
    record: &HostingRecord,
    target: &NoticeTarget,
    addresses: &[&AddressRecord],
) -> BatchParty {
    let mut party = BatchParty {
        role: target.party,
        name: target.name.clone(),
        provider_id: None,
        provider_kind: None,
        iana_id: None,
        tld: None,
        network_handles: Vec::new(),
        asns: Vec::new(),
    };
    match target.party {
        Party::Platform => {
            party.provider_id = record.platform.as_ref().map(|p| p.id.clone());
            party.provider_kind = Some(ProviderKind::Platform);
        }
        Party::Cdn | Party::Hosting => {
            let provider = addresses.iter().find_map(|a| a.hosting_provider.as_ref());
            party.provider_id = provider.and_then(|p| p.id.clone());
            party.provider_kind = provider.map(|p| p.kind);
        }
        Party::Registrar => {
            party.iana_id = record.registrar.as_ref().and_then(|r| r.iana_id.clone())
        }
        Party::Registry => party.tld = record.registry.as_ref().map(|r| r.tld.clone()),
        Party::Network => {}
    }
    party
}

/// What tells parties of one role apart: a provider's, platform's or registrar's id, a
/// registry's TLD, a network's name (else its AS, else its handle); else the name.
fn party_key(party: &BatchParty, addresses: &[&AddressRecord]) -> String {
    let name = party.name.as_deref().map(str::to_lowercase);
    let id = match party.role {
        Party::Platform | Party::Cdn | Party::Hosting => party.provider_id.clone(),
        Party::Registrar => party.iana_id.clone().map(|i| format!("iana:{i}")),
        Party::Registry => party.tld.clone(),
        Party::Network => name.clone().or_else(|| {
            let first = addresses.first()?;
            first
                .asn
                .as_ref()
                .map(|a| format!("as{}", a.number))
                .or_else(|| first.network.as_ref().and_then(|n| n.handle.clone()))
        }),
    };
    id.or(name).unwrap_or_default()
}

/// The evidence about `address`.
fn address(address: &AddressRecord) -> BatchAddress {
    let network = address.network.as_ref();
    let provider = address.hosting_provider.as_ref();
    BatchAddress {
        ip: address.ip,
        asn: address.asn.as_ref().map(|a| a.number),
        network: network.and_then(|n| n.handle.clone()),
        network_name: network.and_then(|n| n.name.clone()),
        country: network.and_then(|n| n.country.clone()),
        provider: provider.map(|p| p.name.clone()),
        provider_kind: provider.map(|p| p.kind),
    }
}
