//! Whom an address's channels reach, and the two lists built from that one decision:
//! [`abuse_contacts`] (every party's channels, flattened) and [`notice_targets`] (whom to
//! notify, in order, and why, and the parties left out for want of a channel). Both call
//! [`address_parties`], so a channel has the same party in both lists; "the same channel" is
//! decided by `crate::channel`. [`settle`] writes both into a record.
//!
//! # The party rule
//!
//! For each address, [`address_parties`] splits its channels between the host and the
//! network:
//!
//! | channel | party |
//! |---|---|
//! | the shipped directory's channels of the identified CDN | `cdn` |
//! | the shipped directory's channels of the identified hosting provider (cloud, host, platform by CNAME) | `hosting` |
//! | the RDAP/WHOIS abuse contacts of the address's network, when the network holder is the host (the identified provider itself, or a registrant we could not identify, which is then the host) | `hosting`, with the holder's `rdap_org` evidence and the contacts' sources kept |
//! | the RDAP/WHOIS abuse contacts otherwise: the holder is another organisation than the host (a platform on a cloud), the answer names no holder (APNIC's IRT for 1.1.1.1), or the host is a CDN | `network` |
//! | the shipped directory's channels of a known network owner that is another organisation than the host (Hetzner above a small host) | `network` |
//!
//! A contact read from an RIR's network answer is never `cdn`: a CDN's channels come from
//! the provider directory, and the network's own abuse contact stays `network`, even when the
//! CDN holds the network itself (Cloudflare's ARIN mailbox for 104.16.0.0/12).
//!
//! # Targets
//!
//! | situation | targets, in order (`reason`) |
//! |---|---|
//! | content on a shared platform | the platform only (`platform_content`) |
//! | CDN-fronted name | the CDN with its directory channels (`cdn_fronted`: it forwards the notice to the origin host and can reveal it), the CDN's own network registration when the RDAP holder is the CDN and publishes an abuse contact (`network_above_host`), then the registrar (`registrar_of_domain`) |
//! | directly hosted name | the hosting provider (`direct_hosting`), the network / AS owner above it when it is another organisation or holds the address's RDAP contacts (`network_above_host`), then the registrar (`registrar_of_domain`) |
//! | registered name without addresses | the registrar (`no_addresses`), then the registry (`registry_of_tld`) |
//! | IP address query | the hosting provider (or the CDN), then the network above it when different |
//! | address with an unidentified host | its network only (`network_of_address`), when known |
//!
//! A target always has a channel (an email, phone or web form): a party without any is never
//! listed as if it could be notified. It is left out, and the record's `outcomes` says why
//! (issue #15): its own outcome when it has one that is not `found` (a registrar that
//! publishes no abuse contact, an address whose network answer failed), else a
//! `none_published` entry for the party and subject naming what is missing (the AS above a
//! host whose registration's contacts are the host's; a platform without any channel we
//! could attribute to a public page, e.g. Heroku, whose addresses' targets follow instead).
//!
//! The network above a CDN edge is the CDN's business (Akamai caches sit in ISP networks):
//! unless the CDN holds it, it is no target, and its channels are only in `abuse_contacts`,
//! as `network` (APNIC's IRT for 1.1.1.1). When the CDN has no channel at all, the network's
//! RDAP/WHOIS abuse contact is the one way left, and the network is listed after it.
//!
//! # Channels
//!
//! For each party: the channels of the shipped provider directory matching the notice type
//! first (then the provider's general channels), then the RDAP/WHOIS abuse contacts the party
//! rule gives it. A channel stated by both is listed once, with every source.

use crate::channel::{absorb, merge_all, merge_into, same_channel};
use crate::record::{
    AbuseContact, AddressRecord, Contact, EvidenceKind, HostingProvider, HostingRecord,
    NoticeReason, NoticeTarget, NoticeType, Outcome, OutcomeStatus, Party, PartyOutcome,
    ProviderKind,
};

use crate::provider::{
    Known, asns, directory_channels, known, normalise_org, order_for_notice, org_alias,
    org_from_asn_name,
};

/// One party's share of an address's channels, as the party rule decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartyChannels {
    /// Whom the channels reach.
    pub(crate) party: Party,
    /// The party's name, when known.
    pub(crate) name: Option<String>,
    /// The channels, best first for the notice, each once.
    pub(crate) channels: Vec<Contact>,
}

/// The host's and the network's channels of one address (see the module's party rule).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AddressParties {
    /// The CDN or hosting provider, when one was identified or the network holder stands in.
    pub(crate) host: Option<PartyChannels>,
    /// The network above the host (or the only known party of an unidentified host), when it
    /// is named or has a channel.
    pub(crate) network: Option<PartyChannels>,
}

/// The party rule: whom each of `address`'s channels reaches. `notice` selects the
/// providers' directory channels published for that kind of notice.
pub(crate) fn address_parties(
    address: &AddressRecord,
    notice: Option<NoticeType>,
) -> AddressParties {
    let provider = address.hosting_provider.as_ref();
    let rdap_is_hosts = holder_hosts(address);
    let is_cdn = provider.is_some_and(|p| p.kind == ProviderKind::Cdn);
    let rdap: &[Contact] = &address.abuse;
    let (host_rdap, network_rdap): (&[Contact], &[Contact]) =
        if rdap_is_hosts { (rdap, &[]) } else { (&[], rdap) };

    let host = provider.map(|p| {
        let directory =
            p.id.as_deref().map(|id| directory_channels(id, notice)).unwrap_or_default();
        PartyChannels {
            party: if is_cdn { Party::Cdn } else { Party::Hosting },
            name: Some(p.name.clone()),
            channels: channels(directory, host_rdap),
        }
    });

    let other_org = provider.is_none_or(|p| network_is_another_org(address, p));
    if !other_org && network_rdap.is_empty() {
        return AddressParties { host, network: None };
    }
    let network_known = network_provider(address);
    // The network owner's directory channels are its own only when it is not the host.
    let directory = network_known
        .filter(|_| other_org)
        .map(|n| directory_channels(n.id, notice))
        .unwrap_or_default();
    let name = network_known
        .map(|n| n.name.to_owned())
        .or_else(|| asn_org_name(address))
        .or_else(|| address.network.as_ref().and_then(|n| n.name.clone()));
    let channels = channels(directory, network_rdap);
    let network = (name.is_some() || !channels.is_empty()).then_some(PartyChannels {
        party: Party::Network,
        name,
        channels,
    });
    AddressParties { host, network }
}

/// The party of `address`'s own RDAP/WHOIS abuse contacts (and so of its abuse outcome):
/// `hosting` when the network holder is the host, else `network`.
pub(crate) fn address_party(address: &AddressRecord) -> Party {
    if holder_hosts(address) { Party::Hosting } else { Party::Network }
}

/// Every party's channels, in party order (platform, CDN, hosting, network, registrar,
/// registry), each channel once per party and subject with every source that stated it.
pub(crate) fn abuse_contacts(
    record: &HostingRecord,
    notice: Option<NoticeType>,
) -> Vec<AbuseContact> {
    let mut out: Vec<AbuseContact> = Vec::new();
    let mut push = |party: Party, subject: &str, contact: &Contact| {
        if contact.is_empty() {
            return;
        }
        let existing = out
            .iter_mut()
            .find(|c| c.party == party && c.for_ == subject && same_channel(&c.contact, contact));
        match existing {
            Some(e) => absorb(&mut e.contact, contact.clone()),
            None => {
                out.push(AbuseContact { party, for_: subject.to_owned(), contact: contact.clone() })
            }
        }
    };
    if let Some(platform) = &record.platform {
        let subject = record.domain.as_deref().unwrap_or(record.query.as_str());
        for contact in &platform.abuse {
            push(Party::Platform, subject, contact);
        }
    }
    for address in &record.addresses {
        let subject = address.ip.to_string();
        let parties = address_parties(address, notice);
        for side in [parties.host, parties.network].into_iter().flatten() {
            for contact in &side.channels {
                push(side.party, &subject, contact);
            }
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

/// Write the record's whom-to-notify lists: each contact list merged by the one channel
/// rule (so one mailbox is one contact, with all its phone numbers), then
/// [`HostingRecord::abuse_contacts`], [`HostingRecord::notice_targets`] and an outcome for
/// each party left out of the targets. `record.outcomes` must already hold the outcomes the
/// sources gave.
pub(crate) fn settle(record: &mut HostingRecord, notice: Option<NoticeType>) {
    let lists = record
        .addresses
        .iter_mut()
        .map(|a| &mut a.abuse)
        .chain(record.registrar.iter_mut().map(|r| &mut r.abuse))
        .chain(record.registry.iter_mut().map(|r| &mut r.abuse))
        .chain(record.platform.iter_mut().map(|p| &mut p.abuse));
    for list in lists {
        *list = merge_all(std::mem::take(list));
    }
    record.abuse_contacts = abuse_contacts(record, notice);
    let NoticeList { targets, left_out } = notice_targets(record, notice);
    record.notice_targets = targets;
    for outcome in left_out {
        record.outcomes.retain(|o| (o.party, &o.for_) != (outcome.party, &outcome.for_));
        record.outcomes.push(outcome);
    }
}

/// The notice targets of a record, and the parties left out of them.
#[derive(Debug, Default)]
pub(crate) struct NoticeList {
    /// Whom to notify, in order, and why: each target with at least one channel.
    pub(crate) targets: Vec<NoticeTarget>,
    /// For each party that would be a target but has no channel, and whose outcome in the
    /// record does not already say why (it has none, or a `found` one): its outcome.
    pub(crate) left_out: Vec<PartyOutcome>,
}

/// The ordered notice targets for `record`; `notice` selects providers' channels published for
/// that kind of notice (copyright, CSAM, …). See the module documentation for the rules and
/// the machine-readable reasons.
pub(crate) fn notice_targets(record: &HostingRecord, notice: Option<NoticeType>) -> NoticeList {
    let mut list = NoticeList::default();
    for target in candidates(record, notice) {
        if !target.channels.is_empty() {
            list.targets.push(target);
            continue;
        }
        let explained = record.outcomes.iter().any(|o| {
            o.party == target.party
                && o.for_ == target.for_
                && o.outcome.status != OutcomeStatus::Found
        });
        if !explained {
            let why = Outcome::with_detail(OutcomeStatus::NonePublished, why_left_out(&target));
            list.left_out.push(PartyOutcome::new(target.party, target.for_, why));
        }
    }
    list
}

/// Why `target`, a party without any channel, is not a notice target (see the module's
/// Targets section for when each case arises).
fn why_left_out(target: &NoticeTarget) -> String {
    let name = target.name.as_deref().unwrap_or("the party");
    match target.party {
        Party::Platform => format!(
            "no channel of {name} could be attributed to a public page; the targets of its \
             addresses are listed instead"
        ),
        Party::Cdn => format!("no channel known: the provider directory lists none for {name}"),
        Party::Hosting => format!(
            "no channel known: the provider directory lists none for {name}, and the \
             address's network registration belongs to another organisation"
        ),
        Party::Network => format!(
            "no channel known: the provider directory lists none for {name}, and the \
             address's RDAP/WHOIS abuse contacts are the host's"
        ),
        Party::Registrar | Party::Registry => {
            format!("no abuse email, phone or web form found for {name}")
        }
    }
}

/// Every party that would be a target, in order, with or without a channel.
fn candidates(record: &HostingRecord, notice: Option<NoticeType>) -> Vec<NoticeTarget> {
    let mut out = Targets::default();
    let subject = record.domain.clone().unwrap_or_else(|| record.query.clone());
    let registered = record.registrable_domain.clone().unwrap_or_else(|| subject.clone());

    if let Some(platform) = &record.platform {
        let channels = channels(order_for_notice(&platform.abuse, notice), &[]);
        let has_channel = !channels.is_empty();
        out.push(NoticeTarget {
            party: Party::Platform,
            name: Some(platform.name.clone()),
            for_: subject.clone(),
            channels,
            reason: NoticeReason::PlatformContent,
        });
        if has_channel {
            return out.0;
        }
    }

    if record.domain.is_some() && record.addresses.is_empty() {
        if let Some(registrar) = &record.registrar {
            out.push(NoticeTarget {
                party: Party::Registrar,
                name: registrar.name.clone(),
                for_: registered.clone(),
                channels: channels(Vec::new(), &registrar.abuse),
                reason: NoticeReason::NoAddresses,
            });
        }
        if let Some(registry) = &record.registry {
            out.push(NoticeTarget {
                party: Party::Registry,
                name: registry.name.clone().or_else(|| Some(registry.tld.clone())),
                for_: registered,
                channels: channels(Vec::new(), &registry.abuse),
                reason: NoticeReason::RegistryOfTld,
            });
        }
        return out.0;
    }

    let per_address: Vec<AddressTargets> = record
        .addresses
        .iter()
        .map(|a| address_targets(a, record.domain.as_deref(), notice))
        .collect();
    // CDNs first (they forward to, and can reveal, every origin behind them), then each host
    // followed by the network above it.
    for t in &per_address {
        if let Some(host) = t.host.as_ref().filter(|h| h.party == Party::Cdn) {
            out.push(host.clone());
        }
    }
    for t in per_address {
        if let Some(host) = t.host.filter(|h| h.party != Party::Cdn) {
            out.push(host);
        }
        if let Some(network) = t.network {
            out.push(network);
        }
    }

    if record.domain.is_some()
        && let Some(registrar) = &record.registrar
    {
        out.push(NoticeTarget {
            party: Party::Registrar,
            name: registrar.name.clone(),
            for_: registered,
            channels: channels(Vec::new(), &registrar.abuse),
            reason: NoticeReason::RegistrarOfDomain,
        });
    }
    out.0
}

/// Targets in order, merging a repeated party (same party and name) into the first.
#[derive(Debug, Default)]
struct Targets(Vec<NoticeTarget>);

impl Targets {
    fn push(&mut self, target: NoticeTarget) {
        let same = self.0.iter_mut().find(|t| t.party == target.party && t.name == target.name);
        match same {
            Some(existing) => {
                for c in target.channels {
                    merge_into(&mut existing.channels, c);
                }
            }
            None => self.0.push(target),
        }
    }
}

/// The host (or CDN) target and the network target of one address.
#[derive(Debug, Default)]
struct AddressTargets {
    host: Option<NoticeTarget>,
    network: Option<NoticeTarget>,
}

fn address_targets(
    address: &AddressRecord,
    domain: Option<&str>,
    notice: Option<NoticeType>,
) -> AddressTargets {
    let ip = address.ip.to_string();
    let AddressParties { host, network } = address_parties(address, notice);
    let is_cdn = host.as_ref().is_some_and(|h| h.party == Party::Cdn);
    let cdn_has_channel = is_cdn && host.as_ref().is_some_and(|h| !h.channels.is_empty());
    let has_host = host.is_some();
    let host = host.map(|h| {
        let (reason, for_) = if is_cdn {
            (NoticeReason::CdnFronted, domain.map_or_else(|| ip.clone(), str::to_owned))
        } else {
            (NoticeReason::DirectHosting, ip.clone())
        };
        NoticeTarget { party: h.party, name: h.name, for_, channels: h.channels, reason }
    });
    // The network above a CDN edge is the CDN's business (Akamai caches sit in ISP networks),
    // unless the CDN holds that network itself: then its registration's abuse mailbox is the
    // CDN's own, listed after the CDN as the network. A CDN without any channel leaves the
    // network's contact as the one way to write.
    let cdn_holds_network = address.hosting_provider.as_ref().is_some_and(holder_agreed);
    let network = network.filter(|_| !cdn_has_channel || cdn_holds_network).map(|n| NoticeTarget {
        party: n.party,
        name: n.name,
        for_: ip,
        channels: n.channels,
        reason: if has_host {
            NoticeReason::NetworkAboveHost
        } else {
            NoticeReason::NetworkOfAddress
        },
    });
    AddressTargets { host, network }
}

/// Whether the address's RDAP/WHOIS abuse contacts reach its host: the host is not a CDN,
/// and the network holder is the identified provider itself (or an unidentified downstream
/// registrant standing in for it), judged from what `classify` kept: a provider without id
/// *is* the holder; `rdap_org` evidence means the holder agreed; a kept handle without it
/// means the holder was not recognised. A provider chosen over a holder of another
/// organisation (or from a platform CNAME), or found without any holder, has neither.
fn holder_hosts(address: &AddressRecord) -> bool {
    address
        .hosting_provider
        .as_ref()
        .is_some_and(|p| p.kind != ProviderKind::Cdn && holder_is_host(p))
}

fn holder_is_host(p: &HostingProvider) -> bool {
    p.id.is_none() || p.handle.is_some() || holder_agreed(p)
}

/// Whether the RDAP network holder was recognised as the identified provider's organisation.
fn holder_agreed(p: &HostingProvider) -> bool {
    p.evidence.iter().any(|e| e.kind == EvidenceKind::RdapOrg)
}

/// Whether the organisation holding the address's AS is another one than the host `p`.
fn network_is_another_org(address: &AddressRecord, p: &HostingProvider) -> bool {
    let host_known = p.id.as_deref().and_then(known);
    match (host_known, network_provider(address)) {
        (Some(h), Some(n)) => h.org != n.org,
        // An unidentified host under a known network: a customer of that network.
        (None, Some(_)) => true,
        // Neither known: compare the holder's and the AS's organisation names
        // (`RIPE-NCC-AS Reseaux IP Europeens …` names the holder `Reseaux IP …`).
        (_, None) => asn_org_name(address).is_some_and(|asn_org| {
            let (a, b) = (normalise_org(&asn_org), normalise_org(&p.name));
            !a.is_empty() && !b.is_empty() && !a.contains(&b) && !b.contains(&a)
        }),
    }
}

/// The known provider that holds the address's AS, from the number or else the AS name.
fn network_provider(address: &AddressRecord) -> Option<&'static Known> {
    let asn = address.asn.as_ref()?;
    asns::lookup(asn.number)
        .map(|e| e.provider)
        .or_else(|| asn.name.as_deref().and_then(org_from_asn_name))
}

/// The organisation part of the AS name (`"EXAMPLE-AS - Example Ltd, GB"` → `Example Ltd`).
fn asn_org_name(address: &AddressRecord) -> Option<String> {
    let name = address.asn.as_ref()?.name.as_deref()?;
    let org = name.split_once(" - ").map_or(name, |(_, org)| org);
    let org =
        org.rsplit_once(',').filter(|(_, cc)| cc.trim().len() == 2).map_or(org, |(head, _)| head);
    let org = org.trim();
    if org.is_empty() {
        return None;
    }
    Some(org_alias(org).map_or_else(|| org.to_owned(), |k| k.name.to_owned()))
}

/// Directory channels (already ordered for the notice) then the non-empty RDAP/WHOIS
/// contacts, each channel once with every source that stated it.
fn channels(directory: Vec<Contact>, rdap: &[Contact]) -> Vec<Contact> {
    let mut out: Vec<Contact> = Vec::with_capacity(directory.len() + rdap.len());
    for c in directory.into_iter().chain(rdap.iter().cloned()) {
        if !c.is_empty() {
            merge_into(&mut out, c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Each test builds a record the way a lookup would (addresses classified by
    //! `classify`, each source's outcome in `outcomes`), settles it, and states the targets
    //! in order as `row(party, name, for, reason, channels)`: a channel is shown by its web
    //! form, else its email. [`settled`] also checks, for every test, that the two lists agree
    //! and that every target has a channel.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::IpAddr;

    use super::*;
    use crate::provider::{classify, detect_platform};
    use crate::record::{Asn, ContactRole, Network, Registrar, Registry, Source, SourceKind};

    const CLOUDFLARE_AS: (u32, &str) = (13335, "CLOUDFLARENET - Cloudflare, Inc., US");
    const CLOUDFLARE_HOLDER: (&str, &str) = ("Cloudflare, Inc.", "CLOUD14");
    const AWS_AS: (u32, &str) = (16509, "AMAZON-02 - Amazon.com, Inc., US");
    const OVH_AS: (u32, &str) = (16276, "OVH, FR");
    const OVH_HOLDER: (&str, &str) = ("OVH SAS", "ORG-OS3-RIPE");
    const EXHOST_AS: (u32, &str) = (64496, "EXNET - Example Hosting Ltd, GB");
    const EXHOST_HOLDER: (&str, &str) = ("Example Hosting Ltd", "EH-1");

    /// A record of a lookup, built step by step.
    struct Lookup(HostingRecord);

    /// The lookup of the host name `domain` (its registrable domain: the last two labels).
    fn name(domain: &str) -> Lookup {
        let labels: Vec<&str> = domain.rsplitn(3, '.').collect();
        let mut r = ip_query();
        r.0.query = domain.to_owned();
        r.0.domain = Some(domain.to_owned());
        r.0.domain_unicode = Some(domain.to_owned());
        r.0.registrable_domain = Some(format!("{}.{}", labels[1], labels[0]));
        r
    }

    /// The lookup of an IP address.
    fn ip_query() -> Lookup {
        Lookup(HostingRecord::blank("192.0.2.1".to_owned()))
    }

    impl Lookup {
        fn at(mut self, address: impl Into<AddressRecord>) -> Self {
            self.0.addresses.push(address.into());
            self
        }

        fn registrar(mut self, name: &str, abuse: &[&str]) -> Self {
            let abuse = abuse.iter().map(|e| email(e)).collect();
            self.0.registrar =
                Some(Registrar { name: Some(name.to_owned()), abuse, ..Registrar::default() });
            self
        }

        fn registry(mut self, registry: Registry) -> Self {
            self.0.registry = Some(registry);
            self
        }

        /// The platform recognised from the host name and the URL's `path`.
        fn platform(mut self, path: Option<&str>) -> Self {
            self.0.platform = detect_platform(self.0.domain.as_deref().unwrap(), path);
            self
        }

        /// The record as the lookup leaves it: each source's outcome (as `lookup.rs` records
        /// it), then [`settle`].
        fn settle(self, notice: Option<NoticeType>) -> HostingRecord {
            let mut r = self.0;
            for a in &r.addresses {
                r.outcomes.push(PartyOutcome::new(
                    address_party(a),
                    a.ip.to_string(),
                    a.abuse_outcome.clone(),
                ));
            }
            if let Some(domain) = r.registrable_domain.clone() {
                let registrar = r.registrar.as_ref().map(|g| g.abuse.as_slice());
                let registry = r.registry.as_ref().map(|g| g.abuse.as_slice());
                r.outcomes.push(PartyOutcome::new(Party::Registrar, &domain, found(registrar)));
                r.outcomes.push(PartyOutcome::new(Party::Registry, &domain, found(registry)));
            }
            settle(&mut r, notice);
            assert_agree(&r);
            for target in &r.notice_targets {
                assert!(!target.channels.is_empty(), "{target:?} has no channel");
            }
            r
        }
    }

    /// `found` for a list with a contact, else `none_published`.
    fn found(contacts: Option<&[Contact]>) -> Outcome {
        match contacts {
            Some([_, ..]) => Outcome::new(OutcomeStatus::Found),
            _ => Outcome::with_detail(OutcomeStatus::NonePublished, "no abuse contact"),
        }
    }

    fn email(addr: &str) -> Contact {
        Contact {
            email: Some(addr.to_owned()),
            role: Some(ContactRole::Abuse),
            source_url: Some("https://rdap.example/x".to_owned()),
            ..Contact::default()
        }
    }

    /// An address as the network stage finds it: origin AS, RDAP holder, abuse mailboxes,
    /// the CNAMEs that led to it; classified by `classify` when turned into a record.
    struct Addr {
        ip: IpAddr,
        asn: Option<(u32, &'static str)>,
        holder: Option<(&'static str, &'static str)>,
        abuse: Vec<&'static str>,
        cnames: Vec<&'static str>,
    }

    fn addr(ip: &str) -> Addr {
        Addr { ip: ip.parse().unwrap(), asn: None, holder: None, abuse: vec![], cnames: vec![] }
    }

    impl Addr {
        fn asn(mut self, asn: (u32, &'static str)) -> Self {
            self.asn = Some(asn);
            self
        }

        fn holder(mut self, holder: (&'static str, &'static str)) -> Self {
            self.holder = Some(holder);
            self
        }

        fn abuse(mut self, mailboxes: &[&'static str]) -> Self {
            self.abuse = mailboxes.to_vec();
            self
        }

        fn cname(mut self, target: &'static str) -> Self {
            self.cnames.push(target);
            self
        }
    }

    impl From<Addr> for AddressRecord {
        fn from(x: Addr) -> Self {
            let mut a = AddressRecord::new(x.ip);
            a.asn = x.asn.map(|(n, name)| Asn::new(n, Some(name.to_owned()), "cymru"));
            let holder =
                x.holder.map(|(name, handle)| HostingProvider::new(name, Some(handle.to_owned())));
            a.network = holder
                .as_ref()
                .map(|h| Network { name: Some(h.name.clone()), ..Network::default() });
            let chain: Vec<String> = x.cnames.iter().map(|s| (*s).to_owned()).collect();
            a.hosting_provider = classify(x.ip, a.asn.as_ref(), &chain, holder.as_ref());
            a.abuse = x.abuse.iter().map(|e| email(e)).collect();
            a.abuse_outcome = found(Some(&a.abuse));
            a
        }
    }

    /// (party, name, for, reason, channels) of a target.
    type Row = (Party, String, String, String, Vec<String>);

    fn row(party: Party, name: &str, for_: &str, reason: &str, channels: &[&str]) -> Row {
        let channels = channels.iter().map(|c| (*c).to_owned()).collect();
        (party, name.to_owned(), for_.to_owned(), reason.to_owned(), channels)
    }

    /// The record's targets as rows.
    fn rows(r: &HostingRecord) -> Vec<Row> {
        r.notice_targets
            .iter()
            .map(|t| {
                let channels = t.channels.iter().map(shown).collect();
                let name = t.name.clone().unwrap_or_default();
                (t.party, name, t.for_.clone(), t.reason.to_string(), channels)
            })
            .collect()
    }

    /// A channel as a row shows it: its web form, else its email.
    fn shown(c: &Contact) -> String {
        c.web.clone().or_else(|| c.email.clone()).unwrap_or_default()
    }

    /// (party, subject, web form or email) of every flattened contact, in order.
    fn flat(r: &HostingRecord) -> Vec<(Party, String, String)> {
        r.abuse_contacts.iter().map(|c| (c.party, c.for_.clone(), shown(&c.contact))).collect()
    }

    /// The record's outcome for `party` about `for_`: (status, detail).
    fn outcome(r: &HostingRecord, party: Party, for_: &str) -> (OutcomeStatus, String) {
        let o = r.outcomes.iter().find(|o| o.party == party && o.for_ == for_);
        let o = o.unwrap_or_else(|| panic!("no outcome for {party:?} {for_}: {:#?}", r.outcomes));
        (o.outcome.status, o.outcome.detail.clone().unwrap_or_default())
    }

    /// Every channel of every notice target is in `abuse_contacts` for the same subject (or,
    /// for a target about the host name or merged over several addresses, for one of the
    /// record's addresses), and only with the target's party.
    fn assert_agree(r: &HostingRecord) {
        for target in &r.notice_targets {
            let address_target =
                matches!(target.party, Party::Cdn | Party::Hosting | Party::Network);
            let covers = |subject: &str| {
                subject == target.for_
                    || (address_target && r.addresses.iter().any(|a| a.ip.to_string() == subject))
            };
            for channel in &target.channels {
                let parties: Vec<Party> = r
                    .abuse_contacts
                    .iter()
                    .filter(|c| covers(&c.for_) && same_channel(&c.contact, channel))
                    .map(|c| c.party)
                    .collect();
                assert!(!parties.is_empty(), "{channel:?} of {target:?} not in abuse_contacts");
                assert!(parties.iter().all(|p| *p == target.party), "{channel:?}: {parties:?}");
            }
        }
    }

    /// Cloudflare-fronted name (104.16.0.0/13, AS13335, holder "Cloudflare, Inc." with the
    /// abuse mailbox ARIN publishes for CLOUD14): the CDN first with its directory forms
    /// (copyright first), then Cloudflare's own network registration with the ARIN mailbox
    /// (read from the network answer, so `network`, never `cdn`), then the registrar.
    #[test]
    fn cdn_fronted_name() {
        let cloudflare = |ip| {
            addr(ip).asn(CLOUDFLARE_AS).holder(CLOUDFLARE_HOLDER).abuse(&["abuse@cloudflare.com"])
        };
        let r = name("www.example.com")
            .at(cloudflare("104.16.132.229"))
            .at(cloudflare("2606:4700::6810:84e5"))
            .registrar("MarkMonitor Inc.", &["abusecomplaints@markmonitor.com"])
            .settle(Some(NoticeType::Copyright));
        assert_eq!(
            rows(&r),
            [
                row(
                    Party::Cdn,
                    "Cloudflare",
                    "www.example.com",
                    "cdn_fronted",
                    &["https://abuse.cloudflare.com/dmca", "https://abuse.cloudflare.com/"]
                ),
                row(
                    Party::Network,
                    "Cloudflare",
                    "104.16.132.229",
                    "network_above_host",
                    &["abuse@cloudflare.com"]
                ),
                row(
                    Party::Registrar,
                    "MarkMonitor Inc.",
                    "example.com",
                    "registrar_of_domain",
                    &["abusecomplaints@markmonitor.com"]
                ),
            ]
        );
        assert!(crate::provider::origin_hidden(
            r.addresses.iter().filter_map(|a| a.hosting_provider.as_ref())
        ));
        let flat_row =
            |party, for_: &str, channel: &str| (party, for_.to_owned(), channel.to_owned());
        assert_eq!(
            flat(&r),
            [
                flat_row(Party::Cdn, "104.16.132.229", "https://abuse.cloudflare.com/dmca"),
                flat_row(Party::Cdn, "104.16.132.229", "https://abuse.cloudflare.com/"),
                flat_row(Party::Cdn, "2606:4700::6810:84e5", "https://abuse.cloudflare.com/dmca"),
                flat_row(Party::Cdn, "2606:4700::6810:84e5", "https://abuse.cloudflare.com/"),
                flat_row(Party::Network, "104.16.132.229", "abuse@cloudflare.com"),
                flat_row(Party::Network, "2606:4700::6810:84e5", "abuse@cloudflare.com"),
                flat_row(Party::Registrar, "example.com", "abusecomplaints@markmonitor.com"),
            ]
        );
    }

    /// An address announced by a CDN whose RIR answer names no holder (1.1.1.1: AS13335,
    /// APNIC's 1.1.1.0/24 with only APNIC's IRT): the CDN target carries the directory forms
    /// only; the IRT mailbox is the network's, in `abuse_contacts`, and no target (the CDN does
    /// not hold the registration).
    #[test]
    fn cdn_address_without_holder_keeps_the_rir_contact_as_network() {
        let mut a: AddressRecord =
            addr("1.1.1.1").asn((13335, "CLOUDFLARENET, US")).abuse(&["abuse@apnic.net"]).into();
        a.network = Some(Network { name: Some("APNIC-LABS".to_owned()), ..Network::default() });
        assert_eq!(address_party(&a), Party::Network);
        let r = ip_query().at(a).settle(None);
        assert_eq!(
            rows(&r),
            [row(
                Party::Cdn,
                "Cloudflare",
                "1.1.1.1",
                "cdn_fronted",
                &[
                    "https://abuse.cloudflare.com/",
                    "https://abuse.cloudflare.com/dmca",
                    "https://abuse.cloudflare.com/phishing"
                ]
            )]
        );
        let ac = flat(&r);
        assert_eq!(
            ac.last(),
            Some(&(Party::Network, "1.1.1.1".to_owned(), "abuse@apnic.net".to_owned()))
        );
        assert!(ac.iter().take(3).all(|(party, ..)| *party == Party::Cdn));
    }

    /// A CDN without any channel (one the directory does not know, so none of its own): the
    /// network's RDAP abuse mailbox is the one way left, so the network above it is listed,
    /// and the CDN's outcome says why it is not.
    #[test]
    fn a_cdn_without_channel_is_followed_by_the_network_contact() {
        let mut a: AddressRecord = addr("192.0.2.60")
            .asn((64500, "EXTRANSIT - Example Transit, NL"))
            .abuse(&["abuse@transit.example"])
            .into();
        a.hosting_provider = Some(HostingProvider {
            kind: ProviderKind::Cdn,
            ..HostingProvider::new("Example CDN", None)
        });
        let r = name("www.example.net").at(a).settle(None);
        assert_eq!(
            rows(&r),
            [row(
                Party::Network,
                "Example Transit",
                "192.0.2.60",
                "network_above_host",
                &["abuse@transit.example"]
            )]
        );
        assert_eq!(
            outcome(&r, Party::Cdn, "www.example.net"),
            (
                OutcomeStatus::NonePublished,
                "no channel known: the provider directory lists none for Example CDN".to_owned()
            )
        );
    }

    /// Directly hosted on a small host whose block sits in Hetzner's network: the host, then
    /// Hetzner above it (with its DSA abuse form), then the registrar.
    #[test]
    fn direct_hosting_with_network_above() {
        let r = name("shop.example.org")
            .at(addr("192.0.2.10")
                .asn((24940, "HETZNER-AS, DE"))
                .holder(("Example Webhosting UG", "ORG-EW1-RIPE"))
                .abuse(&["abuse@example-webhosting.de"]))
            .registrar("Example Registrar", &["abuse@registrar.example"])
            .settle(None);
        assert_eq!(
            rows(&r),
            [
                row(
                    Party::Hosting,
                    "Example Webhosting UG",
                    "192.0.2.10",
                    "direct_hosting",
                    &["abuse@example-webhosting.de"]
                ),
                row(
                    Party::Network,
                    "Hetzner",
                    "192.0.2.10",
                    "network_above_host",
                    &["https://abuse.hetzner.com"]
                ),
                row(
                    Party::Registrar,
                    "Example Registrar",
                    "example.org",
                    "registrar_of_domain",
                    &["abuse@registrar.example"]
                ),
            ]
        );
    }

    /// Hosted by the network owner itself (OVH address, AS16276, holder "OVH SAS"): no separate
    /// network target.
    #[test]
    fn direct_hosting_same_network() {
        let r = name("www.example.net")
            .at(addr("192.0.2.20").asn(OVH_AS).holder(OVH_HOLDER).abuse(&["abuse@ovh.net"]))
            .settle(Some(NoticeType::Phishing));
        assert_eq!(
            rows(&r),
            [row(
                Party::Hosting,
                "OVHcloud",
                "192.0.2.20",
                "direct_hosting",
                &["https://www.ovhcloud.com/en/abuse/", "abuse@ovh.net"]
            )]
        );
    }

    /// A cloud-hosted name: an address in AWS's published EC2/S3 block 3.5.140.0/22, AS16509,
    /// held by "Amazon Technologies Inc.": one AWS target (the network is AWS too), AWS's
    /// directory channels for the notice first, then the ARIN abuse mailbox.
    #[test]
    fn cloud_hosted_name() {
        let r = name("app.example.com")
            .at(addr("3.5.140.10")
                .asn(AWS_AS)
                .holder(("Amazon Technologies Inc.", "AT-88-Z"))
                .abuse(&["abuse@amazonaws.com"]))
            .settle(Some(NoticeType::Malware));
        assert_eq!(
            rows(&r),
            [row(
                Party::Hosting,
                "Amazon Web Services",
                "3.5.140.10",
                "direct_hosting",
                &[
                    "https://support.aws.amazon.com/#/contacts/report-abuse",
                    "trustandsafety@support.aws.com",
                    "abuse@amazonaws.com"
                ]
            )]
        );
    }

    /// A platform reached through a CNAME on someone else's network (Heroku on AWS): Heroku
    /// hosts it, but has no channel, so it is left out with an outcome saying why; the AWS
    /// registration's contacts go to the network target above it.
    #[test]
    fn platform_cname_on_cloud_network() {
        let r = name("www.example.com")
            .at(addr("3.5.140.10")
                .asn(AWS_AS)
                .holder(("Amazon.com, Inc.", "AMAZO-4"))
                .abuse(&["abuse@amazonaws.com"])
                .cname("sushi-1234.herokudns.com"))
            .settle(None);
        assert_eq!(
            rows(&r),
            [row(
                Party::Network,
                "Amazon Web Services",
                "3.5.140.10",
                "network_above_host",
                &[
                    "https://support.aws.amazon.com/#/contacts/report-abuse",
                    "trustandsafety@support.aws.com",
                    "email-abuse@amazon.com",
                    "abuse@amazonaws.com"
                ]
            )]
        );
        assert_eq!(
            outcome(&r, Party::Hosting, "3.5.140.10"),
            (
                OutcomeStatus::NonePublished,
                "no channel known: the provider directory lists none for Heroku, and the \
                 address's network registration belongs to another organisation"
                    .to_owned()
            )
        );
        assert_eq!(outcome(&r, Party::Network, "3.5.140.10").0, OutcomeStatus::Found);
    }

    /// A t.me channel: the platform only, with the channel named and the CSAM channel first
    /// for a CSAM notice; Telegram's addresses and the t.me registrar are not targets.
    #[test]
    fn platform_only() {
        let r = name("t.me")
            .at(addr("149.154.167.99").asn((62041, "TELEGRAM - Telegram Messenger Inc, GB")))
            .registrar("Example Registrar", &["abuse@registrar.example"])
            .platform(Some("/somechannel"))
            .settle(Some(NoticeType::Csam));
        assert_eq!(r.platform.as_ref().map(|p| p.matched.as_str()), Some("t.me/somechannel"));
        assert_eq!(
            rows(&r),
            [row(
                Party::Platform,
                "Telegram",
                "t.me",
                "platform_content",
                &["stopCA@telegram.org", "abuse@telegram.org"]
            )]
        );
    }

    /// A platform with no attributable channel is left out, with an outcome saying so; the
    /// address targets follow instead.
    #[test]
    fn platform_without_channel_falls_through() {
        let r = name("app.herokuapp.com")
            .at(addr("3.5.140.10").asn(AWS_AS))
            .platform(None)
            .settle(None);
        let parties: Vec<(Party, &str)> =
            r.notice_targets.iter().map(|t| (t.party, t.reason.as_str())).collect();
        assert_eq!(parties, [(Party::Hosting, "direct_hosting")]);
        assert_eq!(
            outcome(&r, Party::Platform, "app.herokuapp.com"),
            (
                OutcomeStatus::NonePublished,
                "no channel of Heroku could be attributed to a public page; the targets of its \
                 addresses are listed instead"
                    .to_owned()
            )
        );
    }

    /// A registered name that resolves to nothing: the registrar, then the registry.
    #[test]
    fn no_addresses() {
        let r = name("parked.example.com")
            .registrar("Example Registrar", &["abuse@registrar.example"])
            .registry(Registry {
                tld: "com".to_owned(),
                name: Some("VeriSign Global Registry Services".to_owned()),
                abuse: vec![email("info@verisign-grs.com")],
                ..Registry::default()
            })
            .settle(None);
        assert_eq!(
            rows(&r),
            [
                row(
                    Party::Registrar,
                    "Example Registrar",
                    "example.com",
                    "no_addresses",
                    &["abuse@registrar.example"]
                ),
                row(
                    Party::Registry,
                    "VeriSign Global Registry Services",
                    "example.com",
                    "registry_of_tld",
                    &["info@verisign-grs.com"]
                ),
            ]
        );
    }

    /// A registrar that publishes no abuse contact is no target; its own outcome
    /// (`none_published`) already says why, and stays the only one for it.
    #[test]
    fn a_registrar_without_channel_is_left_out_with_its_outcome() {
        let r = name("www.example.net")
            .at(addr("192.0.2.20").asn(OVH_AS).holder(OVH_HOLDER).abuse(&["abuse@ovh.net"]))
            .registrar("Example Registrar", &[])
            .settle(None);
        let parties: Vec<Party> = r.notice_targets.iter().map(|t| t.party).collect();
        assert_eq!(parties, [Party::Hosting]);
        assert_eq!(
            outcome(&r, Party::Registrar, "example.net"),
            (OutcomeStatus::NonePublished, "no abuse contact".to_owned())
        );
        let registrar_outcomes = r.outcomes.iter().filter(|o| o.party == Party::Registrar);
        assert_eq!(registrar_outcomes.count(), 1);
    }

    /// An IP query: hosting, then the network above it; no registrar. Cogent, the network
    /// above, has no channel (not in the directory, and the RDAP mailbox is the host's): it is
    /// left out, and its outcome says why.
    #[test]
    fn ip_query_lists_the_host_and_not_a_network_without_channel() {
        let r = ip_query()
            .at(addr("192.0.2.30")
                .asn((174, "COGENT-174 - Cogent Communications, US"))
                .holder(("Example Colo LLC", "EC-1"))
                .abuse(&["noc@example-colo.net"]))
            .registrar("Never Used", &["x@y.z"])
            .settle(None);
        assert_eq!(
            rows(&r),
            [row(
                Party::Hosting,
                "Example Colo LLC",
                "192.0.2.30",
                "direct_hosting",
                &["noc@example-colo.net"]
            )]
        );
        assert_eq!(
            outcome(&r, Party::Network, "192.0.2.30"),
            (
                OutcomeStatus::NonePublished,
                "no channel known: the provider directory lists none for Cogent, and the \
                 address's RDAP/WHOIS abuse contacts are the host's"
                    .to_owned()
            )
        );
    }

    /// A host that holds its own network (holder "Example Hosting Ltd", the AS of the same
    /// organisation, two RDAP mailboxes): one `hosting` target, and both mailboxes `hosting`
    /// in `abuse_contacts` too, as is the address's abuse outcome.
    #[test]
    fn network_owner_that_hosts_is_hosting_in_both_lists() {
        let a: AddressRecord = addr("192.0.2.40")
            .asn(EXHOST_AS)
            .holder(EXHOST_HOLDER)
            .abuse(&["abuse@exhost.example", "noc@exhost.example"])
            .into();
        assert_eq!(address_party(&a), Party::Hosting);
        let r = ip_query().at(a).settle(None);
        assert_eq!(
            rows(&r),
            [row(
                Party::Hosting,
                "Example Hosting Ltd",
                "192.0.2.40",
                "direct_hosting",
                &["abuse@exhost.example", "noc@exhost.example"]
            )]
        );
        let flat_row =
            |channel: &str| (Party::Hosting, "192.0.2.40".to_owned(), channel.to_owned());
        assert_eq!(flat(&r), [flat_row("abuse@exhost.example"), flat_row("noc@exhost.example")]);
    }

    /// A channel published both in the directory and in the network's RDAP answer is listed
    /// once in each list, with both sources.
    #[test]
    fn a_channel_from_directory_and_rdap_keeps_both_sources() {
        let mut a: AddressRecord = addr("3.5.140.10")
            .asn(AWS_AS)
            .holder(("Amazon Technologies Inc.", "AT-88-Z"))
            .abuse(&["TrustAndSafety@support.aws.com"])
            .into();
        for c in &mut a.abuse {
            c.sources = vec![Source::new(SourceKind::Rdap, "https://rdap.example/x")];
        }
        let r = ip_query().at(a).settle(None);
        let kinds = |c: &Contact| c.sources.iter().map(|s| s.kind).collect::<Vec<_>>();
        let both = [SourceKind::Dataset, SourceKind::Rdap];
        let mailbox = |c: &&Contact| c.email.as_deref() == Some("trustandsafety@support.aws.com");
        let in_targets: Vec<_> =
            r.notice_targets.iter().flat_map(|t| &t.channels).filter(mailbox).collect();
        assert_eq!(in_targets.len(), 1);
        assert_eq!(kinds(in_targets[0]), both);
        let in_flat: Vec<_> = r.abuse_contacts.iter().map(|c| &c.contact).filter(mailbox).collect();
        assert_eq!(in_flat.len(), 1);
        assert_eq!(kinds(in_flat[0]), both);
    }

    /// Two unidentified organisations with the same name in RDAP and ASN data: one target.
    #[test]
    fn same_unknown_org_is_not_repeated() {
        let r = ip_query()
            .at(addr("192.0.2.40")
                .asn(EXHOST_AS)
                .holder(EXHOST_HOLDER)
                .abuse(&["abuse@exhost.example"]))
            .settle(None);
        assert_eq!(r.notice_targets.len(), 1);
        assert_eq!(r.notice_targets.first().map(|t| t.reason.as_str()), Some("direct_hosting"));
    }

    /// No holder and no known range or ASN, and no abuse contact: the network, named from the
    /// AS, would be the only target, but has no channel. Nobody is listed; the address's own
    /// outcome (`none_published`, with the network's party) says why, and is the only one.
    #[test]
    fn network_of_address_without_channel_is_not_listed() {
        let r = ip_query()
            .at(addr("192.0.2.50").asn((64497, "EXNET - Example Transit, NL")))
            .settle(None);
        assert_eq!(rows(&r), []);
        assert_eq!(
            outcome(&r, Party::Network, "192.0.2.50"),
            (OutcomeStatus::NonePublished, "no abuse contact".to_owned())
        );
        assert_eq!(r.outcomes.len(), 1, "{:#?}", r.outcomes);
    }

    /// Two addresses at the same host merge into one target with every channel once.
    #[test]
    fn repeated_hosts_merge() {
        let r = name("www.example.org")
            .at(addr("192.0.2.20").asn(OVH_AS).holder(OVH_HOLDER).abuse(&["abuse@ovh.net"]))
            .at(addr("192.0.2.21")
                .asn(OVH_AS)
                .holder(OVH_HOLDER)
                .abuse(&["ABUSE@ovh.net", "noc@ovh.net"]))
            .settle(None);
        assert_eq!(
            rows(&r),
            [row(
                Party::Hosting,
                "OVHcloud",
                "192.0.2.20",
                "direct_hosting",
                &["https://www.ovhcloud.com/en/abuse/", "abuse@ovh.net", "noc@ovh.net"]
            )]
        );
    }

    /// Issue #15: the registrar's own answer and the registry's copy give one mailbox two
    /// numbers (cloudflare.com); the record holds one contact with both, in each list.
    #[test]
    fn one_mailbox_with_two_numbers_is_one_channel_in_every_list() {
        let mut r = name("www.example.com")
            .at(addr("192.0.2.20").asn(OVH_AS).holder(OVH_HOLDER).abuse(&["abuse@ovh.net"]));
        let own = Contact {
            phone: Some("+1.4153197517".to_owned()),
            ..email("registrar-abuse@cloudflare.com")
        };
        let copy = Contact {
            phone: Some("+1.6503198930".to_owned()),
            ..email("registrar-abuse@cloudflare.com")
        };
        r.0.registrar = Some(Registrar {
            name: Some("Cloudflare, Inc.".to_owned()),
            abuse: vec![own, copy],
            ..Registrar::default()
        });
        let r = r.settle(None);
        let numbers = |c: &Contact| -> Vec<(String, Option<String>)> {
            c.phones.iter().map(|p| (p.text.clone(), p.e164.clone())).collect()
        };
        let both = vec![
            ("+1.4153197517".to_owned(), Some("+14153197517".to_owned())),
            ("+1.6503198930".to_owned(), Some("+16503198930".to_owned())),
        ];
        let registrar = r.registrar.as_ref().unwrap();
        assert_eq!(registrar.abuse.len(), 1);
        assert_eq!(numbers(&registrar.abuse[0]), both);
        let flat: Vec<_> =
            r.abuse_contacts.iter().filter(|c| c.party == Party::Registrar).collect();
        assert_eq!(flat.len(), 1);
        assert_eq!(numbers(&flat[0].contact), both);
        let target = r.notice_targets.iter().find(|t| t.party == Party::Registrar).unwrap();
        assert_eq!(target.channels.len(), 1);
        assert_eq!(numbers(&target.channels[0]), both);
        assert_eq!(target.channels[0].phone.as_deref(), Some("+1.4153197517"));
    }
}
