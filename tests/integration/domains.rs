//! Domain lookups: registry → registrar, DNS shapes (CNAME chain, IPv6-only, NXDOMAIN).

use crate::support::*;
use whohosts::{AsnSourceName, IpBlock, Rir};

fn net(text: &str) -> ipnet::IpNet {
    text.parse().unwrap()
}
use whohosts::{OutcomeStatus, Party, ProviderKind, SourceKind};

#[tokio::test]
async fn com_domain_follows_registry_to_registrar() {
    let (world, record) = lookup_recorded("https://www.Cloudflare.com./a?b#c").await;
    let base = world.service_url("verisign");
    // The query string and fragment are redacted by default (issue #14 item 10).
    assert_eq!(record.query, "https://www.Cloudflare.com./a?REDACTED#REDACTED");
    assert_eq!(record.domain.as_deref(), Some("www.cloudflare.com"));
    assert_eq!(record.registrable_domain.as_deref(), Some("cloudflare.com"));

    let registry = record.registry.as_ref().unwrap();
    assert_eq!(registry.tld, "com");
    assert_eq!(registry.rdap_url.as_deref(), Some(base.as_str()));
    assert_eq!(registry.source_url, Some(format!("{base}domain/cloudflare.com")));

    let registrar = record.registrar.as_ref().unwrap();
    let registrar_url =
        format!("{}domain/CLOUDFLARE.COM", world.service_url("cloudflare-registrar"));
    assert_eq!(registrar.name.as_deref(), Some("Cloudflare, Inc."));
    assert_eq!(registrar.iana_id.as_deref(), Some("1910"));
    assert_eq!(registrar.rdap_url.as_deref(), Some(registrar_url.as_str()));
    assert_eq!(registrar.source_url.as_deref(), Some(registrar_url.as_str()));
    // The registrar's own answer and the registry's copy disagree on the phone: one mailbox,
    // both numbers kept (the registrar's own first), with both sources (issue #15).
    let channels: Vec<_> = registrar
        .abuse
        .iter()
        .map(|c| {
            let phones: Vec<_> = c.phones.iter().map(|p| p.text.as_str()).collect();
            let urls: Vec<_> = c.sources.iter().filter_map(|s| s.url.clone()).collect();
            (c.email.as_deref(), c.phone.as_deref(), phones, c.source_url.clone().unwrap(), urls)
        })
        .collect();
    assert_eq!(
        channels,
        vec![(
            Some("registrar-abuse@cloudflare.com"),
            Some("+1.4153197517"),
            vec!["+1.4153197517", "+1.6503198930"],
            registrar_url.clone(),
            vec![registrar_url.clone(), format!("{base}domain/cloudflare.com")]
        )]
    );

    // www is a CNAME into Cloudflare's CDN; both addresses are in ARIN's 104.16.0.0/12.
    assert_eq!(record.dns.cname_chain, vec!["www.cloudflare.com.cdn.cloudflare.net"]);
    let ips: Vec<String> = record.dns.addresses.iter().map(|a| a.to_string()).collect();
    assert_eq!(ips, vec!["104.16.123.96", "104.16.124.96"]);
    for ip in ["104.16.123.96", "104.16.124.96"] {
        let a = address(&record, ip);
        let asn = a.asn.as_ref().unwrap();
        assert_eq!(asn.number, 13335);
        assert_eq!(asn.name.as_deref(), Some("CLOUDFLARENET, US"));
        assert_eq!(asn.source, AsnSourceName::Cymru);
        assert_eq!(
            asn.prefix,
            Some(IpBlock::Net(net("104.16.0.0/13"))),
            "most specific prefix wins"
        );
        let net = a.network.as_ref().unwrap();
        assert_eq!(net.handle.as_deref(), Some("NET-104-16-0-0-1"));
        assert_eq!(net.name.as_deref(), Some("CLOUDFLARENET"));
        assert_eq!(net.cidrs, vec![self::net("104.16.0.0/12")]);
        assert_eq!(net.rir, Some(Rir::Arin));
        // Identified as Cloudflare's CDN by four agreeing pieces of evidence.
        let provider = a.hosting_provider.as_ref().unwrap();
        assert_eq!(provider.id.as_deref(), Some("cloudflare"));
        assert_eq!((provider.name.as_str(), provider.kind), ("Cloudflare", ProviderKind::Cdn));
        assert_eq!(provider.handle.as_deref(), Some("CLOUD14"));
        let evidence: Vec<_> =
            provider.evidence.iter().map(|e| (e.kind.as_str(), e.detail.as_str())).collect();
        assert_eq!(
            evidence,
            vec![
                ("ip_range", "104.16.0.0/13"),
                ("cname", "*.cdn.cloudflare.net"),
                ("asn", "AS13335"),
                ("rdap_org", "Cloudflare, Inc."),
            ]
        );
        // Repeated at two depths in the answer, reported once.
        assert_eq!(emails(&a.abuse), vec!["abuse@cloudflare.com"]);
        assert_eq!(a.abuse[0].phone.as_deref(), Some("+1-650-319-8930"));
    }
    assert!(record.errors.is_empty(), "{:#?}", record.errors);

    // Flattened: the CDN per address (its published abuse forms), then the network per
    // address (the RDAP abuse mailbox, read from ARIN's network answer, so never `cdn`), then
    // the registrar's, then the registry's (Verisign's abuse form, from the shipped registry
    // directory).
    let flat: Vec<_> = record
        .abuse_contacts
        .iter()
        .filter(|c| c.contact.email.is_some() || c.party == Party::Registry)
        .map(|c| {
            let channel = c.contact.email.as_deref().or(c.contact.web.as_deref()).unwrap();
            (c.party, c.for_.as_str(), channel)
        })
        .collect();
    assert_eq!(
        flat,
        vec![
            (Party::Network, "104.16.123.96", "abuse@cloudflare.com"),
            (Party::Network, "104.16.124.96", "abuse@cloudflare.com"),
            // One mailbox with both numbers (issue #15): listed once.
            (Party::Registrar, "cloudflare.com", "registrar-abuse@cloudflare.com"),
            (Party::Registry, "cloudflare.com", "https://verisign.my.site.com/DNSAbuse/"),
        ]
    );
    let first = &record.abuse_contacts[0];
    assert_eq!(first.party, Party::Cdn);
    assert_eq!(first.contact.web.as_deref(), Some("https://abuse.cloudflare.com/"));
    assert_eq!(first.contact.sources[0].kind, SourceKind::Dataset);

    // Behind a CDN the origin is hidden: notify the CDN first, then Cloudflare's own network
    // registration (its ARIN mailbox), then the registrar.
    assert!(record.origin_hidden);
    let targets: Vec<_> = record
        .notice_targets
        .iter()
        .map(|t| (t.party, t.for_.as_str(), t.reason.as_str()))
        .collect();
    assert_eq!(
        targets,
        vec![
            (Party::Cdn, "www.cloudflare.com", "cdn_fronted"),
            (Party::Network, "104.16.123.96", "network_above_host"),
            (Party::Registrar, "cloudflare.com", "registrar_of_domain"),
        ]
    );
    let registry = record.registry.as_ref().unwrap();
    assert_eq!(registry.name.as_deref(), Some("VeriSign, Inc."));
    let outcomes: Vec<_> =
        record.outcomes.iter().map(|o| (o.party, o.for_.as_str(), o.outcome.status)).collect();
    assert_eq!(
        outcomes,
        vec![
            (Party::Network, "104.16.123.96", OutcomeStatus::Found),
            (Party::Network, "104.16.124.96", OutcomeStatus::Found),
            (Party::Registrar, "cloudflare.com", OutcomeStatus::Found),
            (Party::Registry, "cloudflare.com", OutcomeStatus::Found),
        ]
    );

    // One registry request, one registrar request, one network request per address.
    assert_eq!(world.requests("verisign"), 1);
    assert_eq!(world.requests("cloudflare-registrar"), 1);
    assert_eq!(world.requests("arin"), 2);
    assert_eq!(world.total_requests(), 4);
}

#[tokio::test]
async fn nameservers_of_the_registrable_domain() {
    let (_world, record) = lookup_recorded("cloudflare.com").await;
    assert_eq!(
        record.dns.nameservers,
        vec![
            "ns3.cloudflare.com",
            "ns4.cloudflare.com",
            "ns5.cloudflare.com",
            "ns6.cloudflare.com",
            "ns7.cloudflare.com"
        ]
    );
    let ips: Vec<String> = record.dns.addresses.iter().map(|a| a.to_string()).collect();
    assert_eq!(ips, vec!["104.16.132.229", "104.16.133.229"]);
    assert!(record.dns.cname_chain.is_empty());
}

#[tokio::test]
async fn ipv6_only_name() {
    let (world, record) = lookup_recorded("resolver1.ipv6-sandbox.opendns.com").await;
    let ips: Vec<String> = record.dns.addresses.iter().map(|a| a.to_string()).collect();
    assert_eq!(ips, vec!["2620:119:35::35"]);
    assert_eq!(
        record.dns.nameservers,
        vec!["ns1.opendns.com", "ns2.opendns.com", "ns3.opendns.com", "ns4.opendns.com"]
    );
    let a = address(&record, "2620:119:35::35");
    assert_eq!(a.asn.as_ref().unwrap().number, 36692);
    let net = a.network.as_ref().unwrap();
    assert_eq!(net.handle.as_deref(), Some("NET6-2620-119-1"));
    assert_eq!(net.cidrs, vec![self::net("2620:119::/40")]);
    assert_eq!(net.rir, Some(Rir::Arin));
    assert_eq!(a.hosting_provider.as_ref().unwrap().name, "Cisco OpenDNS, LLC");
    assert_eq!(emails(&a.abuse), vec!["pzagorow@cisco.com", "chrmurr2@cisco.com"]);
    // No AAAA-less "nodata" error: the name has addresses. opendns.com has no recorded
    // registry answer, so the registry reports 404 — and nothing else is lost.
    let verisign = world.service_url("verisign");
    assert_eq!(
        error_keys(&record.errors),
        vec![("rdap".into(), "not_found".into(), format!("{verisign}domain/opendns.com"))]
    );
    assert_eq!(world.requests("arin"), 1);
}

#[tokio::test]
async fn registered_domain_that_does_not_resolve_still_has_its_registrar() {
    let (world, record) = lookup_recorded("microsoft.click").await;
    assert!(record.dns.addresses.is_empty());
    assert!(record.addresses.is_empty());
    // The registry gives no link to the registrar's RDAP: its base URL comes from the IANA
    // registrar list (ID 292), and MarkMonitor has no answer recorded for this domain.
    let markmonitor = "https://rdap.markmonitor.com/rdap/domain/microsoft.click";
    let keys = error_keys(&record.errors);
    assert_eq!(
        keys,
        vec![
            ("dns".into(), "nxdomain".into(), "microsoft.click".into()),
            ("rdap".into(), "not_found".into(), markmonitor.into()),
        ]
    );
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.rdap_url.as_deref(), Some(markmonitor));
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(registrar.iana_id.as_deref(), Some("292"));
    assert_eq!(emails(&registrar.abuse), vec!["abusecomplaints@markmonitor.com"]);
    assert_eq!(registrar.abuse[0].phone.as_deref(), Some("+1.2083895740"));
    assert_eq!(record.registry.as_ref().unwrap().tld, "click");
    let flat: Vec<_> = record.abuse_contacts.iter().map(|c| (c.party, c.for_.as_str())).collect();
    assert_eq!(
        flat,
        vec![(Party::Registrar, "microsoft.click"), (Party::Registry, "microsoft.click")]
    );
    // The .click registry's form, from the shipped directory.
    let registry = record.registry.as_ref().unwrap();
    assert_eq!(registry.name.as_deref(), Some("Internet Naming Company LLC."));
    assert_eq!(registry.abuse[0].web.as_deref(), Some("https://internetnaming.co/abuse"));
    assert_eq!(world.requests("uniregistry"), 1);
    assert_eq!(world.requests("markmonitor"), 1);
    assert_eq!(world.total_requests(), 2);
}
