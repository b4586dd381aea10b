//! IP lookups: one address in each RIR, with its exact abuse mailbox.

use crate::support::*;
use whohosts::{EvidenceKind, FallbackReason, Rir};
use whohosts::{OutcomeStatus, Party, SourceKind};

struct Case {
    ip: &'static str,
    rir: &'static str,
    service: &'static str,
    handle: &'static str,
    asn: u32,
    holder: &'static str,
    abuse: &'static [&'static str],
    /// Whom the abuse channel reaches: the host when the network holder is the host (and not
    /// a CDN), else the network.
    party: Party,
    /// A party above the host left out of the notice targets for want of a channel, whose
    /// outcome says so (issue #15).
    left_out: Option<Party>,
}

const CASES: &[Case] = &[
    Case {
        ip: "8.8.8.8",
        rir: "ARIN",
        service: "arin",
        handle: "NET-8-8-8-0-2",
        asn: 15169,
        holder: "Google LLC",
        abuse: &["network-abuse@google.com"],
        party: Party::Hosting,
        left_out: None,
    },
    Case {
        ip: "193.0.6.139",
        rir: "RIPE NCC",
        service: "ripe",
        handle: "193.0.0.0 - 193.0.7.255",
        asn: 3333,
        holder: "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)",
        abuse: &["abuse@ripe.net"],
        party: Party::Hosting,
        left_out: None,
    },
    Case {
        ip: "1.1.1.1",
        rir: "APNIC",
        service: "apnic",
        handle: "1.1.1.0 - 1.1.1.255",
        asn: 13335,
        holder: "",
        abuse: &["abuse@apnic.net"],
        party: Party::Network,
        left_out: None,
    },
    Case {
        ip: "200.3.14.10",
        rir: "LACNIC",
        service: "lacnic",
        handle: "200.3.12.0/22",
        asn: 28000,
        holder: "LACNIC - Latin American and Caribbean IP address",
        abuse: &["ipadmin@lacnic.net"],
        party: Party::Hosting,
        left_out: None,
    },
    Case {
        ip: "196.216.2.6",
        rir: "AFRINIC",
        service: "afrinic",
        handle: "196.216.2.0 - 196.216.3.255",
        asn: 33764,
        holder: "African Network Information Center - (AfriNIC) Ltd",
        // AFRINIC publishes no abuse entity in RDAP: the mailbox comes from its WHOIS.
        abuse: &["abuse@afrinic.net"],
        party: Party::Hosting,
        // AFRINIC-ZA-JNB-AS, the AS above: no channel of its own.
        left_out: Some(Party::Network),
    },
];

#[tokio::test]
async fn one_address_in_each_rir() {
    for case in CASES {
        let (world, record) = lookup_recorded(case.ip).await;
        assert_eq!(record.domain, None, "{}", case.ip);
        assert_eq!(record.registrable_domain, None);
        assert!(record.registrar.is_none() && record.registry.is_none());
        assert!(record.dns.addresses.is_empty(), "an IP query does no DNS resolution");
        let a = address(&record, case.ip);
        assert_eq!(a.asn.as_ref().map(|a| a.number), Some(case.asn), "{}", case.ip);
        let net = a.network.as_ref().unwrap();
        assert_eq!(net.rir.as_ref().map(Rir::as_str), Some(case.rir), "{}", case.ip);
        assert_eq!(net.handle.as_deref(), Some(case.handle), "{}", case.ip);
        let source = format!("{}ip/{}", world.service_url(case.service), case.ip);
        assert_eq!(net.source_url.as_deref(), Some(source.as_str()));
        if !case.holder.is_empty() {
            // The RDAP registrant is kept as evidence, whatever the provider is called.
            let provider = a.hosting_provider.as_ref().unwrap();
            let rdap_org =
                provider.evidence.iter().find(|e| e.kind == EvidenceKind::RdapOrg).unwrap();
            assert_eq!(rdap_org.detail, case.holder, "{}", case.ip);
            assert_eq!(rdap_org.source.url.as_deref(), Some(source.as_str()));
        }
        assert_eq!(emails(&a.abuse), case.abuse.to_vec(), "{}", case.ip);
        let from_whois = case.service == "afrinic";
        for contact in &a.abuse {
            if from_whois {
                assert_eq!(contact.source_url.as_deref(), Some("whois://whois.afrinic.net"));
                let source = &contact.sources[0];
                assert_eq!(source.kind, SourceKind::Whois);
                assert_eq!(source.url.as_deref(), Some("whois.afrinic.net:43"));
                assert_eq!(source.fallback, Some(FallbackReason::RdapWithoutAbuseEmail));
                assert!(source.line.is_some());
            } else {
                assert_eq!(contact.source_url.as_deref(), Some(source.as_str()), "{}", case.ip);
            }
        }
        let flat: Vec<_> = record
            .abuse_contacts
            .iter()
            .filter(|c| c.contact.sources.iter().all(|s| s.kind != SourceKind::Dataset))
            .filter_map(|c| c.contact.email.as_deref())
            .collect();
        assert_eq!(flat, case.abuse.to_vec(), "{}", case.ip);
        assert!(record.errors.is_empty(), "{}: {:#?}", case.ip, record.errors);
        let outcomes: Vec<_> =
            record.outcomes.iter().map(|o| (o.party, o.outcome.status)).collect();
        let mut expected = vec![
            (case.party, OutcomeStatus::Found),
            (Party::Registrar, OutcomeStatus::NotApplicable),
            (Party::Registry, OutcomeStatus::NotApplicable),
        ];
        expected.extend(case.left_out.map(|party| (party, OutcomeStatus::NonePublished)));
        assert_eq!(outcomes, expected, "{}", case.ip);
        assert_eq!(world.requests(case.service), 1, "{}", case.ip);
        assert_eq!(world.total_requests(), 1, "{}", case.ip);
        // WHOIS is asked only where RDAP has no abuse mailbox.
        let whois: u64 = world.whois_servers().iter().map(|(s, _)| world.whois_requests(s)).sum();
        assert_eq!(whois, u64::from(from_whois), "{}", case.ip);
    }
}

#[tokio::test]
async fn v4_mapped_ipv6_is_looked_up_as_ipv4() {
    let (_world, record) = lookup_recorded("::ffff:8.8.8.8").await;
    assert_eq!(record.addresses.len(), 1);
    assert_eq!(emails(&address(&record, "8.8.8.8").abuse), vec!["network-abuse@google.com"]);
}
