//! Party labels: one rule decides whom a channel reaches, so `abuse_contacts` and
//! `notice_targets` label every channel alike; a network holder that hosts is `hosting`, and
//! a contact read from an RIR's network answer is never `cdn`.

use crate::support::*;
use whohosts::{
    Contact, HostingRecord, NoticeReason, NoticeType, OutcomeStatus, Party, SourceKind,
};
use whohosts_testing::World;

/// Every query the recorded world answers: each name of its DNS table (plus the registered
/// names without addresses and a platform URL) and an address in each of its RDAP network
/// answers and WHOIS-only networks (see `src/testing/recorded.rs`).
const WORLD_CASES: &[&str] = &[
    // names
    "cloudflare.com",
    "www.cloudflare.com",
    "google.com",
    "dns.google",
    "one.one.one.one",
    "ripe.net",
    "lacnic.net",
    "apnic.net",
    "afrinic.net",
    "registro.br",
    "resolver1.ipv6-sandbox.opendns.com",
    "afnic.fr",
    "microsoft.click",
    "app.nl",
    "google.nl",
    "google.net",
    "https://t.me/somechannel",
    // addresses with an RDAP network answer
    "8.8.8.8",
    "142.250.185.46",
    "104.16.132.229",
    "104.16.123.96",
    "192.198.0.1",
    "2620:119:35::35",
    "3.5.140.2",
    "193.0.6.139",
    "1.1.1.1",
    "1.0.0.1",
    "203.119.101.61",
    "179.0.0.1",
    "200.3.14.10",
    "200.40.0.1",
    "177.0.0.1",
    "200.160.2.3",
    "196.216.2.6",
    "41.0.0.1",
    // addresses answered by WHOIS (referrals, IRTs, fallbacks)
    "2001:4860:4860::8888",
    "4.2.2.1",
    "170.0.0.1",
    "174.0.0.1",
    "69.65.39.166",
    "144.134.121.81",
    "171.0.0.1",
    "2001:dc7::1",
    "2001:67c:2e8::2",
    "2001:13c7:7012::1",
    "2001:42d0::1",
];

/// Whether two channels are the same for this check: the same mailbox (any case), else the
/// same web form, else the same phone.
fn same(a: &Contact, b: &Contact) -> bool {
    match (&a.email, &b.email) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (None, None) => match (&a.web, &b.web) {
            (Some(x), Some(y)) => x == y,
            (None, None) => a.phone.is_some() && a.phone == b.phone,
            _ => false,
        },
        _ => false,
    }
}

/// Check that every channel of every notice target is in `abuse_contacts` for the target's
/// subject, and there only with the target's party. A target about an address may speak for
/// several (targets of one party and name merge, and a CDN's is about the host name), so its
/// channels are looked for under any of the record's addresses. Returns the number of
/// (target, channel) pairs checked.
fn check_agreement(query: &str, record: &HostingRecord) -> usize {
    let mut checked = 0;
    for target in &record.notice_targets {
        let about_addresses = matches!(target.party, Party::Cdn | Party::Hosting | Party::Network);
        let covers = |subject: &str| {
            subject == target.for_
                || (about_addresses && record.addresses.iter().any(|a| a.ip.to_string() == subject))
        };
        for channel in &target.channels {
            let parties: Vec<Party> = record
                .abuse_contacts
                .iter()
                .filter(|c| covers(&c.for_) && same(&c.contact, channel))
                .map(|c| c.party)
                .collect();
            assert!(
                !parties.is_empty(),
                "{query}: {channel:?} of the {:?} target is not in abuse_contacts",
                target.party
            );
            assert!(
                parties.iter().all(|p| *p == target.party),
                "{query}: {channel:?} is {:?} in notice_targets but {parties:?} in abuse_contacts",
                target.party
            );
            checked += 1;
        }
    }
    checked
}

#[tokio::test]
async fn party_labels_agree_between_abuse_contacts_and_notice_targets_for_every_world_case() {
    let world = World::recorded().start().await.unwrap();
    for notice in [None, Some(NoticeType::Copyright), Some(NoticeType::Phishing)] {
        let mut builder = world.client_builder();
        if let Some(notice) = notice {
            builder = builder.notice_type(notice);
        }
        let client = builder.build().unwrap();
        let mut checked = 0;
        for query in WORLD_CASES {
            let record = client.lookup(query).await.unwrap();
            checked += check_agreement(query, &record);
            // A contact read from a network answer (RDAP or WHOIS) is never the CDN's.
            for c in &record.abuse_contacts {
                let from_network = c.contact.sources.iter().all(|s| s.kind != SourceKind::Dataset);
                let is_address = record.addresses.iter().any(|a| a.ip.to_string() == c.for_);
                assert!(
                    !(is_address && from_network && c.party == Party::Cdn),
                    "{query}: {c:?} read from a network answer is labelled cdn"
                );
            }
        }
        // Not vacuous: the world's targets carry dozens of channels.
        assert!(checked >= 40, "{notice:?}: only {checked} channels checked");
    }
}

/// (party, subject, channel, kinds of its sources) of every flattened contact.
fn flat(record: &HostingRecord) -> Vec<(Party, &str, &str, Vec<SourceKind>)> {
    record
        .abuse_contacts
        .iter()
        .map(|c| {
            let channel = c.contact.web.as_deref().or(c.contact.email.as_deref()).unwrap();
            let kinds = c.contact.sources.iter().map(|s| s.kind).collect();
            (c.party, c.for_.as_str(), channel, kinds)
        })
        .collect()
}

/// (party, name, subject, reason, channels) of every notice target.
fn targets(record: &HostingRecord) -> Vec<(Party, &str, &str, NoticeReason, Vec<&str>)> {
    record
        .notice_targets
        .iter()
        .map(|t| {
            let channels = t
                .channels
                .iter()
                .map(|c| c.web.as_deref().or(c.email.as_deref()).unwrap())
                .collect();
            (t.party, t.name.as_deref().unwrap(), t.for_.as_str(), t.reason, channels)
        })
        .collect()
}

#[tokio::test]
async fn apnic_irt_of_1_1_1_1_is_the_network_and_cloudflare_forms_are_the_cdn() {
    // 1.1.1.0/24 is announced by Cloudflare (AS13335), but APNIC's answer names no holder,
    // only APNIC's IRT: that mailbox is the network's, and the CDN has its directory forms.
    let (world, record) = lookup_recorded("1.1.1.1").await;
    let (dataset, rdap) = (SourceKind::Dataset, SourceKind::Rdap);
    assert_eq!(
        flat(&record),
        vec![
            (Party::Cdn, "1.1.1.1", "https://abuse.cloudflare.com/", vec![dataset]),
            (Party::Cdn, "1.1.1.1", "https://abuse.cloudflare.com/dmca", vec![dataset]),
            (Party::Cdn, "1.1.1.1", "https://abuse.cloudflare.com/phishing", vec![dataset]),
            (Party::Network, "1.1.1.1", "abuse@apnic.net", vec![rdap]),
        ]
    );
    let apnic = format!("{}ip/1.1.1.1", world.service_url("apnic"));
    let irt = &record.abuse_contacts[3].contact;
    assert_eq!(irt.source_url.as_deref(), Some(apnic.as_str()));
    // The network above a CDN edge it does not hold is no notice target.
    assert_eq!(
        targets(&record),
        vec![(
            Party::Cdn,
            "Cloudflare",
            "1.1.1.1",
            NoticeReason::CdnFronted,
            vec![
                "https://abuse.cloudflare.com/",
                "https://abuse.cloudflare.com/dmca",
                "https://abuse.cloudflare.com/phishing"
            ]
        )]
    );
    let outcome: Vec<_> =
        record.outcomes.iter().map(|o| (o.party, o.for_.as_str(), o.outcome.status)).collect();
    assert_eq!(outcome[0], (Party::Network, "1.1.1.1", OutcomeStatus::Found));
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["abuse_contacts"][3]["party"], "network");
    assert_eq!(json["notice_targets"][0]["reason"], "cdn_fronted");
}

#[tokio::test]
async fn network_owner_that_hosts_the_address_is_hosting_in_both_lists() {
    // Cisco OpenDNS holds 2620:119:35::/48 (ARIN, OPEND-2) and announces it (AS36692): the
    // network owner is the host, so its two mailboxes are `hosting` in both lists, and the
    // network answer stays the evidence (the holder's `rdap_org`, each mailbox's source).
    let (world, record) = lookup_recorded("resolver1.ipv6-sandbox.opendns.com").await;
    let ip = "2620:119:35::35";
    let arin = format!("{}ip/{ip}", world.service_url("arin"));
    let provider = address(&record, ip).hosting_provider.as_ref().unwrap();
    assert_eq!(provider.name, "Cisco OpenDNS, LLC");
    assert_eq!(provider.handle.as_deref(), Some("OPEND-2"));
    let evidence: Vec<_> = provider
        .evidence
        .iter()
        .map(|e| (e.kind.as_str(), e.detail.as_str(), e.source.url.as_deref()))
        .collect();
    assert_eq!(evidence, vec![("rdap_org", "Cisco OpenDNS, LLC", Some(arin.as_str()))]);

    let rdap = SourceKind::Rdap;
    let hosting: Vec<_> = flat(&record).into_iter().filter(|c| c.0 != Party::Registry).collect();
    assert_eq!(
        hosting,
        vec![
            (Party::Hosting, ip, "pzagorow@cisco.com", vec![rdap]),
            (Party::Hosting, ip, "chrmurr2@cisco.com", vec![rdap]),
        ]
    );
    assert_eq!(
        targets(&record),
        vec![(
            Party::Hosting,
            "Cisco OpenDNS, LLC",
            ip,
            NoticeReason::DirectHosting,
            vec!["pzagorow@cisco.com", "chrmurr2@cisco.com"]
        )]
    );
    // The same contacts, with the same provenance, in both lists.
    let in_targets = &record.notice_targets[0].channels;
    let in_flat: Vec<&Contact> = record
        .abuse_contacts
        .iter()
        .filter(|c| c.party == Party::Hosting)
        .map(|c| &c.contact)
        .collect();
    for (t, f) in in_targets.iter().zip(in_flat) {
        assert_eq!(t, f);
        assert_eq!(t.source_url.as_deref(), Some(arin.as_str()));
    }
    assert_eq!(record.outcomes[0].party, Party::Hosting);
    assert_eq!(record.outcomes[0].outcome.status, OutcomeStatus::Found);
}
