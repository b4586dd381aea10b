//! DNS failures are told apart (NXDOMAIN, NODATA, SERVFAIL, timeout) and never cost the
//! registration facts, which come from RDAP.

use std::time::Duration;

use crate::support::*;
use whohosts::StepErrorKind;
use whohosts_testing::World;

#[tokio::test]
async fn servfail_is_recorded_and_registration_still_found() {
    let (_world, client) = start(World::recorded().servfail("www.cloudflare.com")).await;
    let record = client.lookup("www.cloudflare.com").await.unwrap();
    assert!(record.addresses.is_empty());
    let keys = error_keys(&record.errors);
    assert_eq!(
        keys,
        vec![
            ("dns".into(), "servfail".into(), "www.cloudflare.com".into()),
            ("dns".into(), "servfail".into(), "www.cloudflare.com".into()),
        ],
        "A and AAAA each failed"
    );
    // NS of the registrable domain still answered.
    assert_eq!(record.dns.nameservers.len(), 5);
    assert_eq!(record.registrar.as_ref().unwrap().iana_id.as_deref(), Some("1910"));
}

#[tokio::test]
async fn name_without_addresses_is_nodata() {
    let (world, record) = lookup_recorded("afnic.fr").await;
    assert!(record.dns.addresses.is_empty());
    assert_eq!(record.dns.nameservers, vec!["ns1.nic.fr", "ns2.nic.fr", "ns3.nic.fr"]);
    assert_eq!(
        error_keys(&record.errors),
        vec![("dns".into(), "nodata".into(), "afnic.fr".into())]
    );
    let registry = record.registry.as_ref().unwrap();
    assert_eq!(registry.tld, "fr");
    assert_eq!(registry.source_url, Some(format!("{}domain/afnic.fr", world.service_url("afnic"))));
    assert_eq!(record.registrar.as_ref().unwrap().name.as_deref(), Some("Registry Operations"));
}

/// A DNS server that never answers: UDP and TCP both accept and stay silent.
fn silent_dns() -> (std::net::UdpSocket, std::net::TcpListener, std::net::SocketAddr) {
    whohosts_testing::loopback_udp_tcp().unwrap()
}

#[tokio::test]
async fn dns_timeout_keeps_registration_facts() {
    let world = World::recorded().start().await.unwrap();
    let (_udp, _tcp, dead) = silent_dns();
    let client = world
        .client_builder()
        .nameservers([dead])
        .dns_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let record = client.lookup("cloudflare.com").await.unwrap();
    assert!(record.dns.addresses.is_empty());
    let dns_errors: Vec<_> =
        record.errors.iter().filter(|e| e.kind == StepErrorKind::Timeout).collect();
    assert_eq!(dns_errors.len(), 3, "A, AAAA and NS timed out: {:#?}", record.errors);
    assert!(dns_errors.iter().all(|e| e.target == "cloudflare.com"));
    let messages: Vec<&str> = dns_errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "A query: no answer within 200 ms per attempt (dns_timeout)",
            "AAAA query: no answer within 200 ms per attempt (dns_timeout)",
            "NS query: no answer within 200 ms per attempt (dns_timeout)",
        ]
    );
    // Registration facts come from RDAP, which needs no DNS here.
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.name.as_deref(), Some("Cloudflare, Inc."));
    assert_eq!(emails(&registrar.abuse)[0], "registrar-abuse@cloudflare.com");
    assert_eq!(world.requests("verisign"), 1);
}
