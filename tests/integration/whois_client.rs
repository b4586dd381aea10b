//! The WHOIS client against the test world's WHOIS servers: referral chains, request counts,
//! faults, caps, timeouts, Latin-1, the safety check.

use std::time::Duration;

use crate::config::Config;
use crate::error::SourceErrorKind;
use crate::record::{Contact, OutcomeStatus, Source, SourceKind};
use crate::testing::{WhoisFault, WhoisRequest, World, WorldBuilder};
use crate::whois::Whois;

use super::fixture;

async fn whois_for(world: &World, tweak: impl FnOnce(&mut Config)) -> Whois {
    let client = world.client_builder().build().unwrap();
    let mut config = client.config().clone();
    tweak(&mut config);
    let resolver = crate::dns::build_resolver(&config).unwrap();
    Whois::new(&config, resolver)
}

fn whois_source(server: &str, line: u32) -> Source {
    Source {
        kind: SourceKind::Whois,
        url: Some(format!("{server}:43")),
        line: Some(line),
        ..Source::default()
    }
}

fn abuse_contact(
    server: &str,
    email: Option<&str>,
    phone: Option<&str>,
    name: Option<&str>,
    line: u32,
) -> Contact {
    Contact {
        name: name.map(str::to_owned),
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
        role: Some("abuse".to_owned()),
        source_url: Some(format!("whois://{server}")),
        sources: vec![whois_source(server, line)],
        ..Contact::default()
    }
}

fn request(server: &str, query: &str, found: bool) -> WhoisRequest {
    WhoisRequest { server: server.to_owned(), query: query.to_owned(), found }
}

#[tokio::test]
async fn thin_registry_refers_to_the_registrar() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let got = whois.lookup_domain("google.com").await.unwrap();
    assert_eq!(got.registry_server, "whois.verisign-grs.com:43");
    assert_eq!(got.registrar_server.as_deref(), Some("whois.markmonitor.com:43"));
    assert_eq!(got.chain, ["whois.verisign-grs.com:43", "whois.markmonitor.com:43"]);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let registrar = got.registrar.unwrap();
    // Identity from the registry (line 8 of Verisign's answer), abuse from the registrar's
    // own answer (line 10 of MarkMonitor's); the registry's identical channel is not repeated.
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(registrar.iana_id.as_deref(), Some("292"));
    assert_eq!(registrar.provenance, Some(whois_source("whois.verisign-grs.com", 8)));
    assert_eq!(registrar.source_url.as_deref(), Some("whois://whois.markmonitor.com"));
    assert_eq!(
        registrar.abuse,
        vec![abuse_contact(
            "whois.markmonitor.com",
            Some("abusecomplaints@markmonitor.com"),
            Some("+1.2083895740"),
            None,
            10
        )]
    );
    assert_eq!(registrar.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(
        world.whois_log(),
        [
            request("whois.verisign-grs.com", "domain google.com", true),
            request("whois.markmonitor.com", "google.com", true),
        ]
    );
    assert_eq!(world.whois_requests("whois.verisign-grs.com"), 1);
    assert_eq!(world.whois_requests_for("whois.markmonitor.com", "google.com"), 1);
}

#[tokio::test]
async fn cctld_registry_names_registrar_and_abuse_contact() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let mut got = whois.lookup_domain("app.nl").await.unwrap();
    got.mark_fallback("no_rdap_server");
    assert_eq!(got.chain, ["whois.domain-registry.nl:43"]);
    assert_eq!(got.registrar_server, None);
    let registrar = got.registrar.unwrap();
    assert_eq!(registrar.name.as_deref(), Some("Hosting Secure"));
    assert_eq!(registrar.iana_id, None);
    let mut provenance = whois_source("whois.domain-registry.nl", 11);
    provenance.fallback = Some("no_rdap_server".into());
    assert_eq!(registrar.provenance, Some(provenance));
    let mut contact = abuse_contact(
        "whois.domain-registry.nl",
        Some("abuse@hostingsecure.com"),
        Some("+31.0202018165"),
        None,
        18,
    );
    contact.sources[0].fallback = Some("no_rdap_server".into());
    assert_eq!(registrar.abuse, vec![contact]);

    // google.nl: registrar named, "Abuse Contact:" empty.
    let google = whois.lookup_domain("google.nl").await.unwrap().registrar.unwrap();
    assert_eq!(google.name.as_deref(), Some("MarkMonitor Inc."));
    assert!(google.abuse.is_empty());
    assert_eq!(google.abuse_outcome.status, OutcomeStatus::NonePublished);
    assert_eq!(world.whois_requests("whois.domain-registry.nl"), 2);
}

#[tokio::test]
async fn rate_limited_registrar_keeps_the_registry_facts() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let got = whois.lookup_domain("google.net").await.unwrap();
    let registrar = got.registrar.unwrap();
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(
        registrar.abuse,
        vec![abuse_contact(
            "whois.verisign-grs.com",
            Some("abusecomplaints@markmonitor.com"),
            Some("+1.2083895740"),
            None,
            10
        )]
    );
    assert_eq!(got.errors.len(), 1);
    let (server, error) = &got.errors[0];
    assert_eq!(server, "whois.markmonitor.com:43");
    assert_eq!(error.kind(), SourceErrorKind::RateLimited);
    assert_eq!(
        error.message(),
        "whois.markmonitor.com:43: rate limited: You have exceeded your quota of queries."
    );
    assert_eq!(world.whois_requests_for("whois.markmonitor.com", "google.net"), 1);
}

#[tokio::test]
async fn registry_refusals_fail_the_lookup() {
    let world = World::recorded()
        .whois_fault(
            "whois.domain-registry.nl",
            "",
            WhoisFault::Text(fixture(
                "domain/weppos/whois.domain-registry.nl__nl__response_throttled.txt",
            )),
            Some(1),
        )
        .start()
        .await
        .unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let e = whois.lookup_domain("app.nl").await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::RateLimited);
    assert_eq!(
        e.message(),
        "whois.domain-registry.nl:43: rate limited: whois.domain-registry.nl: only 1 request per second allowed, try again later"
    );
    // The fault was used up: the next query is answered.
    assert!(whois.lookup_domain("app.nl").await.is_ok());
    // Nothing recorded: the world answers Verisign's "No match for".
    let e = whois.lookup_domain("nothing-here.com").await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::NotFound);
    assert_eq!(
        e.message(),
        "whois.verisign-grs.com:43: not found: No match for \"NOTHING-HERE.COM\"."
    );
    assert_eq!(
        world.whois_log(),
        [
            request("whois.domain-registry.nl", "app.nl", false),
            request("whois.domain-registry.nl", "app.nl", true),
            request("whois.verisign-grs.com", "domain nothing-here.com", false),
        ]
    );
}

#[tokio::test]
async fn afrinic_abuse_mailbox_comes_from_whois() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let mut got = whois.lookup_ip("196.216.2.6".parse().unwrap(), Some("AFRINIC")).await.unwrap();
    got.mark_fallback("rdap_without_abuse_email");
    let mut contact = abuse_contact("whois.afrinic.net", Some("abuse@afrinic.net"), None, None, 9);
    contact.sources[0].fallback = Some("rdap_without_abuse_email".into());
    assert_eq!(got.abuse, vec![contact]);
    assert_eq!(got.range.as_deref(), Some("196.216.2.0 - 196.216.3.255"));
    assert_eq!(got.org.as_deref(), Some("African Network Information Center - (AfriNIC) Ltd"));
    assert_eq!(got.server, "whois.afrinic.net:43");
    assert_eq!(got.source_url, "whois://whois.afrinic.net");
    assert_eq!(got.chain, ["whois.afrinic.net:43"]);
    assert_eq!(world.whois_log(), [request("whois.afrinic.net", "196.216.2.6", true)]);

    // Without a hint, IANA's IPv4 table names AFRINIC for 196/8.
    let again = whois.lookup_ip("196.216.2.6".parse().unwrap(), None).await.unwrap();
    assert_eq!(again.server, "whois.afrinic.net:43");
    // IPv6: AFRINIC states there is none.
    let v6 =
        whois.lookup_ip("2001:42d0::1".parse().unwrap(), Some("whois.afrinic.net")).await.unwrap();
    assert!(v6.abuse.is_empty());
    assert!(v6.no_abuse_contact);
    assert_eq!(world.whois_requests("whois.afrinic.net"), 3);
}

#[tokio::test]
async fn arin_referrals_are_followed_and_rwhois_is_skipped() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let lacnic = whois.lookup_ip("170.0.0.1".parse().unwrap(), Some("ARIN")).await.unwrap();
    assert_eq!(lacnic.chain, ["whois.arin.net:43", "whois.lacnic.net:43"]);
    assert_eq!(lacnic.server, "whois.lacnic.net:43");
    assert_eq!(
        lacnic.abuse,
        vec![abuse_contact(
            "whois.lacnic.net",
            Some("noc@coopercitrus.com.br"),
            None,
            Some("Coopercitrus Cooperativa de Prod Rurais"),
            33
        )]
    );
    assert_eq!(
        world.whois_log(),
        [
            request("whois.arin.net", "n + 170.0.0.1", true),
            request("whois.lacnic.net", "170.0.0.1", true)
        ]
    );

    let shaw = whois.lookup_ip("174.1.2.3".parse().unwrap(), Some("ARIN")).await.unwrap();
    assert_eq!(shaw.skipped_referral.as_deref(), Some("rwhois://rwhois.shawcable.net:4321"));
    assert_eq!(shaw.chain, ["whois.arin.net:43"]);
    assert_eq!(shaw.abuse[0].email.as_deref(), Some("internet.abuse@sjrb.ca"));
    assert_eq!(shaw.handle.as_deref(), Some("NET-174-0-0-0-1"));

    // IANA's refer: for 171/8 leads to APNIC.
    let starhub = whois.lookup_ip("171.0.0.1".parse().unwrap(), Some("iana")).await.unwrap();
    assert_eq!(starhub.chain, ["whois.iana.org:43", "whois.apnic.net:43"]);
    assert_eq!(
        starhub.abuse,
        vec![abuse_contact(
            "whois.apnic.net",
            Some("abuse@starhub.com"),
            None,
            Some("ABUSE STARHUBINTERNETSG"),
            7
        )]
    );
    assert_eq!(world.whois_requests("whois.arin.net"), 2);
    assert_eq!(world.whois_requests("whois.lacnic.net"), 1);
    assert_eq!(world.whois_requests("whois.iana.org"), 1);
}

#[tokio::test]
async fn referral_limits() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |c| c.whois.max_referrals = 0).await;
    let e = whois.lookup_ip("170.0.0.1".parse().unwrap(), Some("ARIN")).await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Other);
    assert_eq!(
        e.message(),
        "whois.arin.net:43 referred to whois.lacnic.net:43: limit of 0 referrals reached"
    );
    let got = whois.lookup_domain("google.com").await.unwrap();
    assert_eq!(got.chain, ["whois.verisign-grs.com:43"]);
    assert_eq!(got.errors[0].0, "whois.markmonitor.com:43");
    assert_eq!(world.whois_requests("whois.lacnic.net"), 0);
    assert_eq!(world.whois_requests("whois.markmonitor.com"), 0);

    // A server that refers to itself is asked once.
    let looped = WorldBuilder::new()
        .whois_text(
            "whois.arin.net",
            "8.8.8.0/24",
            "NetRange: 8.8.8.0 - 8.8.8.255\nReferralServer: whois://whois.arin.net\n",
        )
        .start()
        .await
        .unwrap();
    let whois = whois_for(&looped, |_| {}).await;
    let got = whois.lookup_ip("8.8.8.8".parse().unwrap(), Some("ARIN")).await.unwrap();
    assert_eq!(got.range.as_deref(), Some("8.8.8.0 - 8.8.8.255"));
    assert_eq!(looped.whois_requests("whois.arin.net"), 1);
}

#[tokio::test]
async fn iana_names_the_registry_of_an_unknown_tld() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let mut chain = Vec::new();
    let server = whois.registry_from_iana("google.com", &mut chain).await.unwrap();
    assert_eq!(server.to_string(), "whois.verisign-grs.com:43");
    assert_eq!(chain, ["whois.iana.org:43"]);
    // .eh is not in the table; IANA lists it without a server.
    let e = whois.lookup_domain("x.eh").await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::NoSource);
    assert_eq!(e.message(), "whois.iana.org:43 names no WHOIS server for .eh");
    assert_eq!(world.whois_log()[1], request("whois.iana.org", "eh", true));
}

#[tokio::test]
async fn faults_caps_and_timeouts() {
    let world = World::recorded()
        .whois_fault("whois.afrinic.net", "196.216.2.1", WhoisFault::Close, Some(1))
        .whois_fault(
            "whois.afrinic.net",
            "196.216.2.2",
            WhoisFault::Latency(Duration::from_secs(5)),
            None,
        )
        .start()
        .await
        .unwrap();
    let whois = whois_for(&world, |c| c.whois.read_timeout = Duration::from_millis(300)).await;
    let closed =
        whois.lookup_ip("196.216.2.1".parse().unwrap(), Some("AFRINIC")).await.unwrap_err();
    assert_eq!(closed.kind(), SourceErrorKind::Transport);
    assert_eq!(closed.message(), "whois.afrinic.net:43 closed the connection without answering");
    let slow = whois.lookup_ip("196.216.2.2".parse().unwrap(), Some("AFRINIC")).await.unwrap_err();
    assert_eq!(slow.kind(), SourceErrorKind::Timeout);
    assert_eq!(world.whois_requests("whois.afrinic.net"), 2);

    // The AFRINIC answer is 2742 bytes (2739 characters, three of them two-byte `è`).
    let capped = whois_for(&world, |c| c.whois.max_response_bytes = 1000).await;
    let big = capped.lookup_ip("196.216.2.1".parse().unwrap(), Some("AFRINIC")).await.unwrap_err();
    assert_eq!(big.kind(), SourceErrorKind::TooLarge);
    assert_eq!(big.message(), "whois.afrinic.net:43 answered more than 1000 bytes");
    let fits = whois_for(&world, |c| c.whois.max_response_bytes = 2742).await;
    assert!(fits.lookup_ip("196.216.2.1".parse().unwrap(), Some("AFRINIC")).await.is_ok());

    let off = whois_for(&world, |c| c.whois.enabled = false).await;
    assert!(!off.is_enabled());
    assert!(whois.is_enabled());
    assert_eq!(off.lookup_domain("app.nl").await.unwrap_err().kind(), SourceErrorKind::NoSource);
    assert_eq!(world.whois_requests("whois.domain-registry.nl"), 0);
}

#[tokio::test]
async fn non_public_addresses_are_refused_by_default() {
    let world = World::recorded().start().await.unwrap();
    let whois = whois_for(&world, |c| c.safety.allow_private = false).await;
    let e = whois.lookup_domain("app.nl").await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Blocked);
    assert_eq!(world.whois_requests("whois.domain-registry.nl"), 0);
}

#[tokio::test]
async fn latin1_answers_are_decoded() {
    let utf8 = fixture("ip/lacnic__2001-13c7-7012--ipv6-lacnic.txt");
    let latin1: Vec<u8> = utf8.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    let world = WorldBuilder::new()
        .whois_bytes("whois.lacnic.net", "2001:13c7:7010::/46", &latin1)
        .start()
        .await
        .unwrap();
    let whois = whois_for(&world, |_| {}).await;
    let got = whois.lookup_ip("2001:13c7:7012::53".parse().unwrap(), Some("LACNIC")).await.unwrap();
    assert_eq!(
        got.abuse,
        vec![abuse_contact(
            "whois.lacnic.net",
            Some("ipadmin@lacnic.net"),
            Some("+598  26042222 [4401]"),
            Some("Carlos M Martínez"),
            46
        )]
    );
}
