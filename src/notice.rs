//! Whom an address's channels reach, and the two lists built from that one decision:
//! [`abuse_contacts`] (every party's channels, flattened) and [`notice_targets`] (whom to
//! notify, in order, and why). Both call [`address_parties`], so a channel has the same party
//! in both lists; "the same channel" is decided by `crate::channel`.
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
//! A platform without any channel we could attribute to a public page (e.g. Heroku) is still
//! listed first, followed by the targets of the addresses, so the sender is never left with
//! nobody to write to. The network above a CDN edge is the CDN's business (Akamai caches sit
//! in ISP networks): unless the CDN holds it, it is no target, and its channels are only in
//! `abuse_contacts`, as `network` (APNIC's IRT for 1.1.1.1).
//!
//! # Channels
//!
//! For each party: the channels of the shipped provider directory matching the notice type
//! first (then the provider's general channels), then the RDAP/WHOIS abuse contacts the party
//! rule gives it. A channel stated by both is listed once, with every source.

use crate::channel::{absorb, merge_into, same_channel};
use crate::record::{
    AbuseContact, AddressRecord, Contact, EvidenceKind, HostingProvider, HostingRecord,
    NoticeReason, NoticeTarget, NoticeType, Party, ProviderKind,
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

/// The ordered notice targets for `record`; `notice` selects providers' channels published for
/// that kind of notice (copyright, CSAM, …). See the module documentation for the rules and
/// the machine-readable reasons.
pub(crate) fn notice_targets(
    record: &HostingRecord,
    notice: Option<NoticeType>,
) -> Vec<NoticeTarget> {
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
    // CDN's own, listed after the CDN as the network.
    let cdn_holds_network = address.hosting_provider.as_ref().is_some_and(holder_agreed);
    let network = network.filter(|_| !is_cdn || cdn_holds_network).map(|n| NoticeTarget {
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
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::IpAddr;

    use super::*;
    use crate::provider::{classify, detect_platform};
    use crate::record::{
        Asn, ContactRole, DnsFacts, Network, Registrar, Registry, SCHEMA_VERSION, Source,
        SourceKind,
    };

    fn record(domain: Option<&str>, addresses: Vec<AddressRecord>) -> HostingRecord {
        HostingRecord {
            schema_version: SCHEMA_VERSION,
            query: domain.unwrap_or("192.0.2.1").to_owned(),
            domain: domain.map(str::to_owned),
            domain_unicode: domain.map(str::to_owned),
            registrable_domain: domain.map(|d| {
                let parts: Vec<&str> = d.rsplitn(3, '.').collect();
                format!("{}.{}", parts.get(1).unwrap(), parts.first().unwrap())
            }),
            resolved_at: jiff::Timestamp::UNIX_EPOCH,
            dns: DnsFacts::default(),
            addresses,
            registrar: None,
            registry: None,
            abuse_contacts: Vec::new(),
            errors: Vec::new(),
            outcomes: Vec::new(),
            origin_hidden: false,
            platform: None,
            notice_targets: Vec::new(),
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

    /// An address classified the way the pipeline will: ASN, RDAP holder and abuse contacts
    /// as recorded, then `classify`.
    fn address(
        ip: &str,
        asn: Option<(u32, &str)>,
        holder: Option<(&str, &str)>,
        abuse: &[&str],
        cnames: &[&str],
    ) -> AddressRecord {
        let ip: IpAddr = ip.parse().unwrap();
        let mut a = AddressRecord::new(ip);
        a.asn = asn.map(|(n, name)| Asn::new(n, Some(name.to_owned()), "cymru"));
        let holder =
            holder.map(|(name, handle)| HostingProvider::new(name, Some(handle.to_owned())));
        a.network =
            holder.as_ref().map(|h| Network { name: Some(h.name.clone()), ..Network::default() });
        let chain: Vec<String> = cnames.iter().map(|s| (*s).to_owned()).collect();
        a.hosting_provider = classify(ip, a.asn.as_ref(), &chain, holder.as_ref());
        a.abuse = abuse.iter().map(|e| email(e)).collect();
        a
    }

    fn registrar(name: &str, abuse: &str) -> Registrar {
        Registrar { name: Some(name.to_owned()), abuse: vec![email(abuse)], ..Registrar::default() }
    }

    fn summary(targets: &[NoticeTarget]) -> Vec<(Party, String, String, String, Vec<String>)> {
        targets
            .iter()
            .map(|t| {
                (
                    t.party,
                    t.name.clone().unwrap_or_default(),
                    t.for_.clone(),
                    t.reason.to_string(),
                    t.channels
                        .iter()
                        .map(|c| c.web.clone().or_else(|| c.email.clone()).unwrap_or_default())
                        .collect(),
                )
            })
            .collect()
    }

    /// (party, subject, web form or email) of every flattened contact, in order.
    fn flat(contacts: &[AbuseContact]) -> Vec<(Party, String, String)> {
        contacts
            .iter()
            .map(|c| {
                let channel = c.contact.web.clone().or_else(|| c.contact.email.clone());
                (c.party, c.for_.clone(), channel.unwrap_or_default())
            })
            .collect()
    }

    /// Every channel of every notice target is in `abuse_contacts` for the same subject (or,
    /// for a target about the host name or merged over several addresses, for one of the
    /// record's addresses), and only with the target's party.
    fn assert_agree(r: &HostingRecord) {
        let flat = abuse_contacts(r, None);
        for target in notice_targets(r, None) {
            let address_target =
                matches!(target.party, Party::Cdn | Party::Hosting | Party::Network);
            let covers = |subject: &str| {
                subject == target.for_
                    || (address_target && r.addresses.iter().any(|a| a.ip.to_string() == subject))
            };
            for channel in &target.channels {
                let parties: Vec<Party> = flat
                    .iter()
                    .filter(|c| covers(&c.for_) && same_channel(&c.contact, channel))
                    .map(|c| c.party)
                    .collect();
                assert!(!parties.is_empty(), "{channel:?} of {target:?} not in abuse_contacts");
                assert!(parties.iter().all(|p| *p == target.party), "{channel:?}: {parties:?}");
            }
        }
    }

    fn s(v: &str) -> String {
        v.to_owned()
    }

    /// Cloudflare-fronted name (104.16.0.0/13, AS13335, holder "Cloudflare, Inc." with the
    /// abuse mailbox ARIN publishes for CLOUD14): the CDN first with its directory forms
    /// (copyright first), then Cloudflare's own network registration with the ARIN mailbox
    /// (read from the network answer, so `network`, never `cdn`), then the registrar.
    #[test]
    fn cdn_fronted_name() {
        let mut r = record(
            Some("www.example.com"),
            vec![
                address(
                    "104.16.132.229",
                    Some((13335, "CLOUDFLARENET - Cloudflare, Inc., US")),
                    Some(("Cloudflare, Inc.", "CLOUD14")),
                    &["abuse@cloudflare.com"],
                    &[],
                ),
                address(
                    "2606:4700::6810:84e5",
                    Some((13335, "CLOUDFLARENET - Cloudflare, Inc., US")),
                    Some(("Cloudflare, Inc.", "CLOUD14")),
                    &["abuse@cloudflare.com"],
                    &[],
                ),
            ],
        );
        r.registrar = Some(registrar("MarkMonitor Inc.", "abusecomplaints@markmonitor.com"));
        let t = notice_targets(&r, Some(NoticeType::Copyright));
        assert_eq!(
            summary(&t),
            [
                (
                    Party::Cdn,
                    s("Cloudflare"),
                    s("www.example.com"),
                    s("cdn_fronted"),
                    vec![
                        s("https://abuse.cloudflare.com/dmca"),
                        s("https://abuse.cloudflare.com/")
                    ]
                ),
                (
                    Party::Network,
                    s("Cloudflare"),
                    s("104.16.132.229"),
                    s("network_above_host"),
                    vec![s("abuse@cloudflare.com")]
                ),
                (
                    Party::Registrar,
                    s("MarkMonitor Inc."),
                    s("example.com"),
                    s("registrar_of_domain"),
                    vec![s("abusecomplaints@markmonitor.com")]
                ),
            ]
        );
        assert!(crate::provider::origin_hidden(
            r.addresses.iter().filter_map(|a| a.hosting_provider.as_ref())
        ));
        assert_eq!(
            flat(&abuse_contacts(&r, Some(NoticeType::Copyright))),
            [
                (Party::Cdn, s("104.16.132.229"), s("https://abuse.cloudflare.com/dmca")),
                (Party::Cdn, s("104.16.132.229"), s("https://abuse.cloudflare.com/")),
                (Party::Cdn, s("2606:4700::6810:84e5"), s("https://abuse.cloudflare.com/dmca")),
                (Party::Cdn, s("2606:4700::6810:84e5"), s("https://abuse.cloudflare.com/")),
                (Party::Network, s("104.16.132.229"), s("abuse@cloudflare.com")),
                (Party::Network, s("2606:4700::6810:84e5"), s("abuse@cloudflare.com")),
                (Party::Registrar, s("example.com"), s("abusecomplaints@markmonitor.com")),
            ]
        );
        assert_agree(&r);
    }

    /// An address announced by a CDN whose RIR answer names no holder (1.1.1.1: AS13335,
    /// APNIC's 1.1.1.0/24 with only APNIC's IRT): the CDN target carries the directory forms
    /// only; the IRT mailbox is the network's, in `abuse_contacts`, and no target (the CDN does
    /// not hold the registration).
    #[test]
    fn cdn_address_without_holder_keeps_the_rir_contact_as_network() {
        let mut a =
            address("1.1.1.1", Some((13335, "CLOUDFLARENET, US")), None, &["abuse@apnic.net"], &[]);
        a.network = Some(Network { name: Some("APNIC-LABS".to_owned()), ..Network::default() });
        assert_eq!(address_party(&a), Party::Network);
        let r = record(None, vec![a]);
        assert_eq!(
            summary(&notice_targets(&r, None)),
            [(
                Party::Cdn,
                s("Cloudflare"),
                s("1.1.1.1"),
                s("cdn_fronted"),
                vec![
                    s("https://abuse.cloudflare.com/"),
                    s("https://abuse.cloudflare.com/dmca"),
                    s("https://abuse.cloudflare.com/phishing")
                ]
            )]
        );
        let ac = flat(&abuse_contacts(&r, None));
        assert_eq!(ac.last(), Some(&(Party::Network, s("1.1.1.1"), s("abuse@apnic.net"))));
        assert!(ac.iter().take(3).all(|(party, ..)| *party == Party::Cdn));
        assert_agree(&r);
    }

    /// Directly hosted on a small host whose block sits in Hetzner's network: the host, then
    /// Hetzner above it (with its DSA abuse form), then the registrar.
    #[test]
    fn direct_hosting_with_network_above() {
        let mut r = record(
            Some("shop.example.org"),
            vec![address(
                "192.0.2.10",
                Some((24940, "HETZNER-AS, DE")),
                Some(("Example Webhosting UG", "ORG-EW1-RIPE")),
                &["abuse@example-webhosting.de"],
                &[],
            )],
        );
        r.registrar = Some(registrar("Example Registrar", "abuse@registrar.example"));
        let t = notice_targets(&r, None);
        assert_eq!(
            summary(&t),
            [
                (
                    Party::Hosting,
                    s("Example Webhosting UG"),
                    s("192.0.2.10"),
                    s("direct_hosting"),
                    vec![s("abuse@example-webhosting.de")]
                ),
                (
                    Party::Network,
                    s("Hetzner"),
                    s("192.0.2.10"),
                    s("network_above_host"),
                    vec![s("https://abuse.hetzner.com")]
                ),
                (
                    Party::Registrar,
                    s("Example Registrar"),
                    s("example.org"),
                    s("registrar_of_domain"),
                    vec![s("abuse@registrar.example")]
                ),
            ]
        );
        assert_agree(&r);
    }

    /// Hosted by the network owner itself (OVH address, AS16276, holder "OVH SAS"): no separate
    /// network target.
    #[test]
    fn direct_hosting_same_network() {
        let r = record(
            Some("www.example.net"),
            vec![address(
                "192.0.2.20",
                Some((16276, "OVH, FR")),
                Some(("OVH SAS", "ORG-OS3-RIPE")),
                &["abuse@ovh.net"],
                &[],
            )],
        );
        let t = notice_targets(&r, Some(NoticeType::Phishing));
        assert_eq!(
            summary(&t),
            [(
                Party::Hosting,
                s("OVHcloud"),
                s("192.0.2.20"),
                s("direct_hosting"),
                vec![s("https://www.ovhcloud.com/en/abuse/"), s("abuse@ovh.net")]
            )]
        );
        assert_agree(&r);
    }

    /// A cloud-hosted name: an address in AWS's published EC2/S3 block 3.5.140.0/22, AS16509,
    /// held by "Amazon Technologies Inc.": one AWS target (the network is AWS too), AWS's
    /// directory channels for the notice first, then the ARIN abuse mailbox.
    #[test]
    fn cloud_hosted_name() {
        let r = record(
            Some("app.example.com"),
            vec![address(
                "3.5.140.10",
                Some((16509, "AMAZON-02 - Amazon.com, Inc., US")),
                Some(("Amazon Technologies Inc.", "AT-88-Z")),
                &["abuse@amazonaws.com"],
                &[],
            )],
        );
        let t = notice_targets(&r, Some(NoticeType::Malware));
        assert_eq!(
            summary(&t),
            [(
                Party::Hosting,
                s("Amazon Web Services"),
                s("3.5.140.10"),
                s("direct_hosting"),
                vec![
                    s("https://support.aws.amazon.com/#/contacts/report-abuse"),
                    s("trustandsafety@support.aws.com"),
                    s("abuse@amazonaws.com")
                ]
            )]
        );
        assert_agree(&r);
    }

    /// A platform reached through a CNAME on someone else's network (Heroku on AWS): Heroku
    /// hosts it; the AWS registration's contacts go to the network target above it.
    #[test]
    fn platform_cname_on_cloud_network() {
        let r = record(
            Some("www.example.com"),
            vec![address(
                "3.5.140.10",
                Some((16509, "AMAZON-02 - Amazon.com, Inc., US")),
                Some(("Amazon.com, Inc.", "AMAZO-4")),
                &["abuse@amazonaws.com"],
                &["sushi-1234.herokudns.com"],
            )],
        );
        let t = notice_targets(&r, None);
        assert_eq!(
            summary(&t),
            [
                (Party::Hosting, s("Heroku"), s("3.5.140.10"), s("direct_hosting"), vec![]),
                (
                    Party::Network,
                    s("Amazon Web Services"),
                    s("3.5.140.10"),
                    s("network_above_host"),
                    vec![
                        s("https://support.aws.amazon.com/#/contacts/report-abuse"),
                        s("trustandsafety@support.aws.com"),
                        s("email-abuse@amazon.com"),
                        s("abuse@amazonaws.com")
                    ]
                ),
            ]
        );
        assert_agree(&r);
    }

    /// A t.me channel: the platform only, with the channel named and the CSAM channel first
    /// for a CSAM notice; Telegram's addresses and the t.me registrar are not targets.
    #[test]
    fn platform_only() {
        let mut r = record(
            Some("t.me"),
            vec![address(
                "149.154.167.99",
                Some((62041, "TELEGRAM - Telegram Messenger Inc, GB")),
                None,
                &[],
                &[],
            )],
        );
        r.registrar = Some(registrar("Example Registrar", "abuse@registrar.example"));
        r.platform = detect_platform("t.me", Some("/somechannel"));
        assert_eq!(r.platform.as_ref().map(|p| p.matched.as_str()), Some("t.me/somechannel"));
        let t = notice_targets(&r, Some(NoticeType::Csam));
        assert_eq!(
            summary(&t),
            [(
                Party::Platform,
                s("Telegram"),
                s("t.me"),
                s("platform_content"),
                vec![s("stopCA@telegram.org"), s("abuse@telegram.org")]
            )]
        );
        assert_agree(&r);
    }

    /// A platform with no attributable channel is followed by the address targets.
    #[test]
    fn platform_without_channel_falls_through() {
        let mut r = record(
            Some("app.herokuapp.com"),
            vec![address(
                "3.5.140.10",
                Some((16509, "AMAZON-02 - Amazon.com, Inc., US")),
                None,
                &[],
                &[],
            )],
        );
        r.platform = detect_platform("app.herokuapp.com", None);
        let t = notice_targets(&r, None);
        let parties: Vec<(Party, &str)> = t.iter().map(|t| (t.party, t.reason.as_str())).collect();
        assert_eq!(
            parties,
            [(Party::Platform, "platform_content"), (Party::Hosting, "direct_hosting")]
        );
        assert_agree(&r);
    }

    /// A registered name that resolves to nothing: the registrar, then the registry.
    #[test]
    fn no_addresses() {
        let mut r = record(Some("parked.example.com"), Vec::new());
        r.registrar = Some(registrar("Example Registrar", "abuse@registrar.example"));
        r.registry = Some(Registry {
            tld: "com".to_owned(),
            name: Some("VeriSign Global Registry Services".to_owned()),
            abuse: vec![email("info@verisign-grs.com")],
            ..Registry::default()
        });
        let t = notice_targets(&r, None);
        assert_eq!(
            summary(&t),
            [
                (
                    Party::Registrar,
                    s("Example Registrar"),
                    s("example.com"),
                    s("no_addresses"),
                    vec![s("abuse@registrar.example")]
                ),
                (
                    Party::Registry,
                    s("VeriSign Global Registry Services"),
                    s("example.com"),
                    s("registry_of_tld"),
                    vec![s("info@verisign-grs.com")]
                ),
            ]
        );
        assert_agree(&r);
    }

    /// An IP query: hosting, then the network above it; no registrar.
    #[test]
    fn ip_query() {
        let mut r = record(
            None,
            vec![address(
                "192.0.2.30",
                Some((174, "COGENT-174 - Cogent Communications, US")),
                Some(("Example Colo LLC", "EC-1")),
                &["noc@example-colo.net"],
                &[],
            )],
        );
        r.registrar = Some(registrar("Never Used", "x@y.z"));
        let t = notice_targets(&r, None);
        assert_eq!(
            summary(&t),
            [
                (
                    Party::Hosting,
                    s("Example Colo LLC"),
                    s("192.0.2.30"),
                    s("direct_hosting"),
                    vec![s("noc@example-colo.net")]
                ),
                (Party::Network, s("Cogent"), s("192.0.2.30"), s("network_above_host"), vec![]),
            ]
        );
        assert_agree(&r);
    }

    /// A host that holds its own network (holder "Example Hosting Ltd", the AS of the same
    /// organisation, two RDAP mailboxes): one `hosting` target, and both mailboxes `hosting`
    /// in `abuse_contacts` too, as is the address's abuse outcome.
    #[test]
    fn network_owner_that_hosts_is_hosting_in_both_lists() {
        let a = address(
            "192.0.2.40",
            Some((64496, "EXNET - Example Hosting Ltd, GB")),
            Some(("Example Hosting Ltd", "EH-1")),
            &["abuse@exhost.example", "noc@exhost.example"],
            &[],
        );
        assert_eq!(address_party(&a), Party::Hosting);
        let r = record(None, vec![a]);
        assert_eq!(
            summary(&notice_targets(&r, None)),
            [(
                Party::Hosting,
                s("Example Hosting Ltd"),
                s("192.0.2.40"),
                s("direct_hosting"),
                vec![s("abuse@exhost.example"), s("noc@exhost.example")]
            )]
        );
        assert_eq!(
            flat(&abuse_contacts(&r, None)),
            [
                (Party::Hosting, s("192.0.2.40"), s("abuse@exhost.example")),
                (Party::Hosting, s("192.0.2.40"), s("noc@exhost.example")),
            ]
        );
        assert_agree(&r);
    }

    /// A channel published both in the directory and in the network's RDAP answer is listed
    /// once in each list, with both sources.
    #[test]
    fn a_channel_from_directory_and_rdap_keeps_both_sources() {
        let mut a = address(
            "3.5.140.10",
            Some((16509, "AMAZON-02 - Amazon.com, Inc., US")),
            Some(("Amazon Technologies Inc.", "AT-88-Z")),
            &["TrustAndSafety@support.aws.com"],
            &[],
        );
        for c in &mut a.abuse {
            c.sources = vec![Source::new(SourceKind::Rdap, "https://rdap.example/x")];
        }
        let r = record(None, vec![a]);
        let kinds = |c: &Contact| c.sources.iter().map(|s| s.kind).collect::<Vec<_>>();
        let both = [SourceKind::Dataset, SourceKind::Rdap];
        let t = notice_targets(&r, None);
        let mailbox = |c: &&Contact| c.email.as_deref() == Some("trustandsafety@support.aws.com");
        let in_targets: Vec<_> = t.iter().flat_map(|t| &t.channels).filter(mailbox).collect();
        assert_eq!(in_targets.len(), 1);
        assert_eq!(kinds(in_targets[0]), both);
        let ac = abuse_contacts(&r, None);
        let in_flat: Vec<_> = ac.iter().map(|c| &c.contact).filter(mailbox).collect();
        assert_eq!(in_flat.len(), 1);
        assert_eq!(kinds(in_flat[0]), both);
        assert_agree(&r);
    }

    /// Two unidentified organisations with the same name in RDAP and ASN data: one target.
    #[test]
    fn same_unknown_org_is_not_repeated() {
        let r = record(
            None,
            vec![address(
                "192.0.2.40",
                Some((64496, "EXNET - Example Hosting Ltd, GB")),
                Some(("Example Hosting Ltd", "EH-1")),
                &["abuse@exhost.example"],
                &[],
            )],
        );
        let t = notice_targets(&r, None);
        assert_eq!(t.len(), 1);
        assert_eq!(t.first().map(|t| t.reason.as_str()), Some("direct_hosting"));
        assert_agree(&r);
    }

    /// No holder and no known range or ASN: only the network, named from the AS.
    #[test]
    fn network_of_address_only() {
        let r = record(
            None,
            vec![address(
                "192.0.2.50",
                Some((64497, "EXNET - Example Transit, NL")),
                None,
                &[],
                &[],
            )],
        );
        let t = notice_targets(&r, None);
        assert_eq!(
            summary(&t),
            [(
                Party::Network,
                s("Example Transit"),
                s("192.0.2.50"),
                s("network_of_address"),
                vec![]
            )]
        );
        assert_agree(&r);
    }

    /// Two addresses at the same host merge into one target with every channel once.
    #[test]
    fn repeated_hosts_merge() {
        let r = record(
            Some("www.example.org"),
            vec![
                address(
                    "192.0.2.20",
                    Some((16276, "OVH, FR")),
                    Some(("OVH SAS", "ORG-OS3-RIPE")),
                    &["abuse@ovh.net"],
                    &[],
                ),
                address(
                    "192.0.2.21",
                    Some((16276, "OVH, FR")),
                    Some(("OVH SAS", "ORG-OS3-RIPE")),
                    &["ABUSE@ovh.net", "noc@ovh.net"],
                    &[],
                ),
            ],
        );
        let t = notice_targets(&r, None);
        assert_eq!(
            summary(&t),
            [(
                Party::Hosting,
                s("OVHcloud"),
                s("192.0.2.20"),
                s("direct_hosting"),
                vec![s("https://www.ovhcloud.com/en/abuse/"), s("abuse@ovh.net"), s("noc@ovh.net")]
            )]
        );
        assert_agree(&r);
    }
}
