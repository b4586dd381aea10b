//! Whom to notify, in order, and why: [`notice_targets`] ranks the parties of a finished
//! record for a notice sender.
//!
//! # Rules
//!
//! | situation | targets, in order |
//! |---|---|
//! | content on a shared platform | the platform only (`platform_content`) |
//! | CDN-fronted name | the CDN (`cdn_fronted`: it forwards the notice to the origin host and can reveal it), then the registrar (`registrar_of_domain`) |
//! | directly hosted name | the hosting provider (`direct_hosting`), the network / AS owner above it when it is another organisation (`network_above_host`), then the registrar (`registrar_of_domain`) |
//! | registered name without addresses | the registrar (`no_addresses`), then the registry (`registry_of_tld`) |
//! | IP address query | the hosting provider (or the CDN), then the network above it when different |
//!
//! A platform without any channel we could attribute to a public page (e.g. Heroku) is still
//! listed first, followed by the targets of the addresses, so the sender is never left with
//! nobody to write to. An address whose host could not be identified at all (no RDAP holder,
//! no known range or ASN) yields only its network (`network_of_address`), when known.
//!
//! # Channels
//!
//! For each target: the channels of the shipped provider directory matching the notice type
//! first (then the provider's general channels), then the RDAP/WHOIS abuse contacts of the
//! party. The RDAP abuse contacts of an address belong to its hosting target when the network
//! holder is that provider (or a downstream registrant we could not identify); they belong to
//! the network target when the holder was identified as another organisation than the host
//! (a platform on a cloud, a customer of a CDN).

use crate::record::{
    AddressRecord, Contact, EvidenceKind, HostingProvider, HostingRecord, NoticeTarget, NoticeType,
    Party, ProviderKind,
};

use super::classify::{normalise_org, org_alias, org_from_asn_name};
use super::directory::{directory_channels, order_for_notice};
use super::{Known, asns, known};

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
            reason: "platform_content".to_owned(),
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
                reason: "no_addresses".to_owned(),
            });
        }
        if let Some(registry) = &record.registry {
            out.push(NoticeTarget {
                party: Party::Registry,
                name: registry.name.clone().or_else(|| Some(registry.tld.clone())),
                for_: registered,
                channels: channels(Vec::new(), &registry.abuse),
                reason: "registry_of_tld".to_owned(),
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
            reason: "registrar_of_domain".to_owned(),
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
                    if !existing.channels.iter().any(|e| same_channel(e, &c)) {
                        existing.channels.push(c);
                    }
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
    let provider = address.hosting_provider.as_ref();
    let host_known = provider.and_then(|p| p.id.as_deref()).and_then(known);
    let network_known = network_provider(address);
    let rdap_is_hosts = provider.is_some_and(holder_is_host);
    let is_cdn = provider.is_some_and(|p| p.kind == ProviderKind::Cdn);

    let mut out = AddressTargets::default();
    if let Some(p) = provider {
        let directory =
            p.id.as_deref().map(|id| directory_channels(id, notice)).unwrap_or_default();
        let rdap: &[Contact] = if rdap_is_hosts { &address.abuse } else { &[] };
        let (party, reason, for_) = if is_cdn {
            (Party::Cdn, "cdn_fronted", domain.map_or_else(|| ip.clone(), str::to_owned))
        } else {
            (Party::Hosting, "direct_hosting", ip.clone())
        };
        out.host = Some(NoticeTarget {
            party,
            name: Some(p.name.clone()),
            for_,
            channels: channels(directory, rdap),
            reason: reason.to_owned(),
        });
    }
    // The network above a CDN edge is the CDN's business (Akamai caches sit in ISP networks).
    if is_cdn {
        return out;
    }
    let rdap_for_network: &[Contact] = if rdap_is_hosts { &[] } else { &address.abuse };
    let different = match provider {
        None => true,
        Some(p) => {
            !rdap_for_network.is_empty()
                || match (host_known, network_known) {
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
    };
    if !different {
        return out;
    }
    let directory = network_known.map(|n| directory_channels(n.id, notice)).unwrap_or_default();
    let name = network_known
        .map(|n| n.name.to_owned())
        .or_else(|| asn_org_name(address))
        .or_else(|| address.network.as_ref().and_then(|n| n.name.clone()));
    let channels = channels(directory, rdap_for_network);
    if name.is_none() && channels.is_empty() {
        return out;
    }
    out.network = Some(NoticeTarget {
        party: Party::Network,
        name,
        for_: ip,
        channels,
        reason: if provider.is_some() { "network_above_host" } else { "network_of_address" }
            .to_owned(),
    });
    out
}

/// Whether the address's RDAP holder is the identified provider itself (or an unidentified
/// downstream registrant standing in for it), judged from what `classify` kept: a provider
/// without id *is* the holder; `rdap_org` evidence means the holder agreed; a kept handle
/// without it means the holder was not recognised. A provider chosen over a holder of another
/// organisation (or from a platform CNAME) has neither.
fn holder_is_host(p: &HostingProvider) -> bool {
    p.id.is_none()
        || p.handle.is_some()
        || p.evidence.iter().any(|e| e.kind == EvidenceKind::RdapOrg)
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
/// contacts, without repeating a channel.
fn channels(directory: Vec<Contact>, rdap: &[Contact]) -> Vec<Contact> {
    let mut out: Vec<Contact> = Vec::with_capacity(directory.len() + rdap.len());
    for c in directory.into_iter().chain(rdap.iter().cloned()) {
        if !c.is_empty() && !out.iter().any(|e| same_channel(e, &c)) {
            out.push(c);
        }
    }
    out
}

fn same_channel(a: &Contact, b: &Contact) -> bool {
    a.email.as_deref().map(str::to_ascii_lowercase)
        == b.email.as_deref().map(str::to_ascii_lowercase)
        && a.phone == b.phone
        && a.web == b.web
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::IpAddr;

    use super::*;
    use crate::provider::{classify, detect_platform};
    use crate::record::{Asn, ContactRole, DnsFacts, Network, Registrar, Registry, SCHEMA_VERSION};

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
                    t.reason.clone(),
                    t.channels
                        .iter()
                        .map(|c| c.web.clone().or_else(|| c.email.clone()).unwrap_or_default())
                        .collect(),
                )
            })
            .collect()
    }

    fn s(v: &str) -> String {
        v.to_owned()
    }

    /// Cloudflare-fronted name (104.16.0.0/13, AS13335, holder "Cloudflare, Inc." with the
    /// abuse mailbox ARIN publishes for CLOUD14): the CDN first with its copyright form, then
    /// the registrar.
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
                        s("https://abuse.cloudflare.com/"),
                        s("abuse@cloudflare.com")
                    ]
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
        assert!(super::super::origin_hidden(
            r.addresses.iter().filter_map(|a| a.hosting_provider.as_ref())
        ));
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
    }
}
