//! The WHOIS client through whole lookups against the world's WHOIS servers: referral chains,
//! exact request logs, faults, caps, timeouts, Latin-1, the safety check. (These were unit
//! tests of the library's WHOIS client; they now go through [`Client`] and see what a user
//! sees: the record's contacts, their sources, and its step errors.)

use std::time::Duration;

use whohosts::{
    Client, ClientBuilder, Config, Contact, HostingRecord, OutcomeStatus, Source, SourceKind,
    StepError,
};
use whohosts_testing::{Fault, WhoisFault, WhoisRequest, World, WorldBuilder};

use crate::support::address;

/// A client for `world` with its configuration changed by `tweak`.
fn client_for(world: &World, tweak: impl FnOnce(&mut Config)) -> Client {
    let mut config = world.client_builder().build().unwrap().config().clone();
    tweak(&mut config);
    ClientBuilder::from_config(config).build().unwrap()
}

/// A recorded answer from `tests/fixtures/whois/`.
fn fixture(path: &str) -> String {
    let full = format!("{}/tests/fixtures/whois/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Line `line` of `server`'s answer, reached as the `fallback` to RDAP.
fn whois_source(server: &str, line: u32, fallback: &str) -> Source {
    let mut source = Source::default();
    source.kind = SourceKind::Whois;
    source.url = Some(format!("{server}:43"));
    source.line = Some(line);
    source.fallback = Some(fallback.parse().unwrap());
    source
}

/// An abuse contact read from `server`'s answer at `line`.
fn abuse_contact(
    server: &str,
    (email, phone, name): (Option<&str>, Option<&str>, Option<&str>),
    line: u32,
    fallback: &str,
) -> Contact {
    let mut contact = Contact::default();
    contact.name = name.map(str::to_owned);
    contact.email = email.map(str::to_owned);
    contact.phone = phone.map(str::to_owned);
    contact.phones = phone.map(whohosts::Phone::new).into_iter().collect();
    contact.role = Some(whohosts::ContactRole::Abuse);
    contact.source_url = Some(format!("whois://{server}"));
    contact.sources = vec![whois_source(server, line, fallback)];
    contact
}

/// `contacts` without the time they were fetched, for exact comparison.
fn timeless(contacts: &[Contact]) -> Vec<Contact> {
    let mut contacts = contacts.to_vec();
    for source in contacts.iter_mut().flat_map(|c| c.sources.iter_mut()) {
        source.fetched_at = None;
    }
    contacts
}

/// One WHOIS query as `(server, query line, answered with a recorded text)`.
fn request(server: &str, query: &str, found: bool) -> (String, String, bool) {
    (server.to_owned(), query.to_owned(), found)
}

/// The world's WHOIS log of the servers in `servers`, in order, comparable with [`request`].
fn log_of(world: &World, servers: &[&str]) -> Vec<(String, String, bool)> {
    log(world).into_iter().filter(|(server, _, _)| servers.contains(&server.as_str())).collect()
}

/// The world's WHOIS log, comparable with [`request`].
fn log(world: &World) -> Vec<(String, String, bool)> {
    world.whois_log().into_iter().map(|r: WhoisRequest| (r.server, r.query, r.found)).collect()
}

/// The record's WHOIS step errors as (kind, target, message).
fn whois_errors(record: &HostingRecord) -> Vec<(&str, &str, &str)> {
    record
        .errors
        .iter()
        .filter(|e| serde_json::to_value(e.stage).unwrap() == "whois")
        .map(|e: &StepError| (e.kind.as_str(), e.target.as_str(), e.message.as_str()))
        .collect()
}

#[tokio::test]
async fn thin_registry_refers_to_the_registrar() {
    let world = World::recorded()
        .fault("verisign", "domain/", Fault::Status(503), None)
        .start()
        .await
        .unwrap();
    let client = client_for(&world, |_| {});
    let record = client.lookup("google.com").await.unwrap();
    // The one WHOIS error is the address's: ARIN's RDAP has no network for it here, and
    // ARIN's WHOIS has nothing recorded either. The registration chain has none.
    assert_eq!(
        whois_errors(&record),
        [(
            "not_found",
            "142.250.185.46",
            "whois.arin.net:43: not found: the answer says \"no match for\""
        )]
    );
    let registrar = record.registrar.unwrap();
    // Identity from the registry (line 8 of Verisign's answer), abuse from the registrar's
    // own answer (line 10 of MarkMonitor's); the registry's identical channel is not repeated.
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(registrar.iana_id.as_deref(), Some("292"));
    let mut provenance = whois_source("whois.verisign-grs.com", 8, "rdap_registry_failed");
    provenance.fetched_at = registrar.provenance.as_ref().unwrap().fetched_at;
    assert_eq!(registrar.provenance, Some(provenance));
    assert_eq!(registrar.source_url.as_deref(), Some("whois://whois.markmonitor.com"));
    assert_eq!(
        timeless(&registrar.abuse),
        [abuse_contact(
            "whois.markmonitor.com",
            (Some("abusecomplaints@markmonitor.com"), Some("+1.2083895740"), None),
            10,
            "rdap_registry_failed",
        )]
    );
    assert_eq!(registrar.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(
        log_of(&world, &["whois.verisign-grs.com", "whois.markmonitor.com"]),
        [
            request("whois.verisign-grs.com", "domain google.com", true),
            request("whois.markmonitor.com", "google.com", true),
        ]
    );
    assert_eq!(world.whois_requests("whois.verisign-grs.com"), 1);
    assert_eq!(world.whois_requests_for("whois.markmonitor.com", "google.com"), 1);
    assert_eq!(world.whois_requests("whois.arin.net"), 1);
}

#[tokio::test]
async fn cctld_registry_names_registrar_and_abuse_contact() {
    let world = World::recorded().start().await.unwrap();
    let client = client_for(&world, |_| {});
    let record = client.lookup("app.nl").await.unwrap();
    let registrar = record.registrar.unwrap();
    assert_eq!(registrar.name.as_deref(), Some("Hosting Secure"));
    assert_eq!(registrar.iana_id, None);
    assert_eq!(registrar.source_url.as_deref(), Some("whois://whois.domain-registry.nl"));
    let mut provenance = registrar.provenance.unwrap();
    provenance.fetched_at = None;
    assert_eq!(provenance, whois_source("whois.domain-registry.nl", 11, "no_rdap_service"));
    assert_eq!(
        timeless(&registrar.abuse),
        [abuse_contact(
            "whois.domain-registry.nl",
            (Some("abuse@hostingsecure.com"), Some("+31.0202018165"), None),
            18,
            "no_rdap_service",
        )]
    );
    assert_eq!(log(&world), [request("whois.domain-registry.nl", "app.nl", true)]);

    // google.nl: registrar named, "Abuse Contact:" empty.
    let google = client.lookup("google.nl").await.unwrap().registrar.unwrap();
    assert_eq!(google.name.as_deref(), Some("MarkMonitor Inc."));
    assert!(google.abuse.is_empty());
    assert_eq!(google.abuse_outcome.status, OutcomeStatus::NonePublished);
    assert_eq!(world.whois_requests("whois.domain-registry.nl"), 2);
}

#[tokio::test]
async fn rate_limited_registrar_keeps_the_registry_facts() {
    let world = World::recorded().start().await.unwrap();
    let client = client_for(&world, |_| {});
    let record = client.lookup("google.net").await.unwrap();
    assert_eq!(
        whois_errors(&record),
        [(
            "rate_limited",
            "whois.markmonitor.com:43",
            "rate limited: You have exceeded your quota of queries."
        )]
    );
    let registrar = record.registrar.unwrap();
    assert_eq!(registrar.name.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(
        timeless(&registrar.abuse),
        [abuse_contact(
            "whois.verisign-grs.com",
            (Some("abusecomplaints@markmonitor.com"), Some("+1.2083895740"), None),
            10,
            "no_rdap_service",
        )]
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
        .fault("verisign", "domain/", Fault::Status(503), None)
        .start()
        .await
        .unwrap();
    let client = client_for(&world, |_| {});
    let refused = client.lookup("app.nl").await.unwrap();
    assert_eq!(
        whois_errors(&refused),
        [(
            "rate_limited",
            "app.nl",
            "whois.domain-registry.nl:43: rate limited: whois.domain-registry.nl: only 1 request per second allowed, try again later"
        )]
    );
    assert_eq!(refused.registrar, None);
    // The fault was used up: the next query is answered (a new client: this one keeps the
    // failure for a while rather than asking again at once).
    let answered = client_for(&world, |_| {}).lookup("app.nl").await.unwrap();
    assert_eq!(whois_errors(&answered), []);
    assert!(answered.registrar.is_some());
    // Nothing recorded: the world answers Verisign's "No match for".
    let missing = client.lookup("nothing-here.com").await.unwrap();
    assert_eq!(
        whois_errors(&missing),
        [(
            "not_found",
            "nothing-here.com",
            "whois.verisign-grs.com:43: not found: the answer says \"no match for\""
        )]
    );
    assert_eq!(
        log(&world),
        [
            request("whois.domain-registry.nl", "app.nl", false),
            request("whois.domain-registry.nl", "app.nl", true),
            request("whois.verisign-grs.com", "domain nothing-here.com", false),
        ]
    );
}

#[tokio::test]
async fn afrinic_abuse_mailbox_comes_from_whois() {
    // AFRINIC's IPv6 RDAP network here is minimal (no entities) and names its WHOIS server.
    let world = World::recorded()
        .claim_ip("afrinic", "2001:42d0::/32")
        .object(
            "afrinic",
            r#"{"objectClassName":"ip network","handle":"2001:42d0::/32",
                "startAddress":"2001:42d0::","endAddress":"2001:42d0:ffff:ffff:ffff:ffff:ffff:ffff",
                "ipVersion":"v6","port43":"whois.afrinic.net",
                "links":[{"rel":"self","href":"https://rdap.afrinic.net/rdap/ip/2001:42d0::/32"}]}"#,
        )
        .start()
        .await
        .unwrap();
    let client = client_for(&world, |_| {});
    // AFRINIC's RDAP answer has no abuse mailbox: its WHOIS (the RIR the answer names) has.
    let record = client.lookup("196.216.2.6").await.unwrap();
    let a = address(&record, "196.216.2.6");
    assert_eq!(
        timeless(&a.abuse),
        [abuse_contact(
            "whois.afrinic.net",
            (Some("abuse@afrinic.net"), None, None),
            9,
            "rdap_without_abuse_email",
        )]
    );
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(log(&world), [request("whois.afrinic.net", "196.216.2.6", true)]);

    // IPv6: AFRINIC's WHOIS states there is no abuse contact.
    let v6 = client.lookup("2001:42d0::1").await.unwrap();
    let a = address(&v6, "2001:42d0::1");
    assert!(a.abuse.is_empty());
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::NonePublished);
    assert_eq!(world.whois_requests("whois.afrinic.net"), 2);

    // Without an RDAP answer to name the RIR, IANA's IPv4 table names AFRINIC for 196/8.
    let world =
        World::recorded().fault("afrinic", "ip/", Fault::Status(503), None).start().await.unwrap();
    let again = client_for(&world, |_| {}).lookup("196.216.2.6").await.unwrap();
    assert_eq!(
        timeless(&address(&again, "196.216.2.6").abuse),
        [abuse_contact(
            "whois.afrinic.net",
            (Some("abuse@afrinic.net"), None, None),
            9,
            "rdap_network_failed",
        )]
    );
    assert_eq!(log(&world), [request("whois.afrinic.net", "196.216.2.6", true)]);
}

#[tokio::test]
async fn arin_referrals_are_followed_and_rwhois_is_skipped() {
    // No RDAP service claims 170/8, 171/8 or 174/8 here: IANA's table names the WHOIS
    // server. 171/8 is sent to IANA by an RDAP answer whose port43 names it.
    let world = World::recorded()
        .service("iana-stand-in", &["https://rdap.iana-stand-in.test/"])
        .claim_ip("iana-stand-in", "171.0.0.0/8")
        .object(
            "iana-stand-in",
            r#"{"objectClassName":"ip network","handle":"171.0.0.0 - 171.255.255.255",
                "startAddress":"171.0.0.0","endAddress":"171.255.255.255","ipVersion":"v4",
                "port43":"whois.iana.org",
                "links":[{"rel":"self","href":"https://rdap.iana-stand-in.test/ip/171.0.0.0/8"}]}"#,
        )
        .start()
        .await
        .unwrap();
    let client = client_for(&world, |_| {});
    let lacnic = client.lookup("170.0.0.1").await.unwrap();
    assert_eq!(
        timeless(&address(&lacnic, "170.0.0.1").abuse),
        [abuse_contact(
            "whois.lacnic.net",
            (
                Some("noc@coopercitrus.com.br"),
                None,
                Some("Coopercitrus Cooperativa de Prod Rurais")
            ),
            33,
            "rdap_network_failed",
        )]
    );
    assert_eq!(
        log(&world),
        [
            request("whois.arin.net", "n + 170.0.0.1", true),
            request("whois.lacnic.net", "170.0.0.1", true)
        ]
    );

    // ARIN refers 174/8 to Shaw's RWhois, which is not asked: ARIN's own answer is kept.
    let shaw = client.lookup("174.1.2.3").await.unwrap();
    let a = address(&shaw, "174.1.2.3");
    assert_eq!(a.abuse[0].email.as_deref(), Some("internet.abuse@sjrb.ca"));
    assert_eq!(a.abuse[0].sources[0].url.as_deref(), Some("whois.arin.net:43"));
    assert_eq!(log(&world)[2], request("whois.arin.net", "n + 174.1.2.3", true));

    // IANA's refer: for 171/8 leads to APNIC.
    let starhub = client.lookup("171.0.0.1").await.unwrap();
    assert_eq!(
        timeless(&address(&starhub, "171.0.0.1").abuse),
        [abuse_contact(
            "whois.apnic.net",
            (Some("abuse@starhub.com"), None, Some("ABUSE STARHUBINTERNETSG")),
            7,
            "rdap_without_abuse_email",
        )]
    );
    assert_eq!(
        log(&world)[3..],
        [
            request("whois.iana.org", "171.0.0.1", true),
            request("whois.apnic.net", "171.0.0.1", true)
        ]
    );
    assert_eq!(world.whois_requests("whois.arin.net"), 2);
    assert_eq!(world.whois_requests("whois.lacnic.net"), 1);
    assert_eq!(world.whois_requests("whois.iana.org"), 1);
}

#[tokio::test]
async fn referral_limits() {
    let world = World::recorded()
        .fault("verisign", "domain/", Fault::Status(503), None)
        .start()
        .await
        .unwrap();
    let client = client_for(&world, |c| c.whois.max_referrals = 0);
    let record = client.lookup("170.0.0.1").await.unwrap();
    assert_eq!(
        whois_errors(&record),
        [(
            "other",
            "170.0.0.1",
            "whois.arin.net:43 referred to whois.lacnic.net:43: limit of 0 referrals reached"
        )]
    );
    let record = client.lookup("google.com").await.unwrap();
    let targets: Vec<_> = whois_errors(&record).into_iter().map(|(_, target, _)| target).collect();
    assert_eq!(targets, ["142.250.185.46", "whois.markmonitor.com:43"]);
    assert_eq!(world.whois_requests("whois.verisign-grs.com"), 1);
    assert_eq!(world.whois_requests("whois.lacnic.net"), 0);
    assert_eq!(world.whois_requests("whois.markmonitor.com"), 0);

    // A server that refers to itself is asked once.
    let looped = WorldBuilder::new()
        .whois_text(
            "whois.arin.net",
            "8.8.8.0/24",
            "NetRange: 8.8.8.0 - 8.8.8.255\nOrgAbuseEmail: abuse@example.net\nReferralServer: whois://whois.arin.net\n",
        )
        .start()
        .await
        .unwrap();
    let record = client_for(&looped, |_| {}).lookup("8.8.8.8").await.unwrap();
    assert_eq!(whois_errors(&record), []);
    assert_eq!(address(&record, "8.8.8.8").abuse[0].email.as_deref(), Some("abuse@example.net"));
    assert_eq!(looped.whois_requests("whois.arin.net"), 1);
}

#[tokio::test]
async fn iana_names_the_registry_of_an_unknown_tld() {
    // .zz is in neither the RDAP bootstrap here nor the shipped WHOIS table: IANA names its
    // server (a stand-in answer in IANA's layout), which is asked next.
    let world = World::recorded()
        .whois_text(
            "whois.iana.org",
            "zz",
            "% IANA WHOIS server\n\ndomain:       ZZ\n\nwhois:        whois.nic.zz\n\nstatus:       ACTIVE\n",
        )
        .whois_server("whois.nic.zz")
        .start()
        .await
        .unwrap();
    let client = client_for(&world, |_| {});
    let record = client.lookup("about.zz").await.unwrap();
    assert_eq!(
        log(&world),
        [request("whois.iana.org", "zz", true), request("whois.nic.zz", "about.zz", false)]
    );
    assert_eq!(
        whois_errors(&record),
        [("not_found", "about.zz", "whois.nic.zz:43: not found: the answer says \"no match for\"")]
    );
    // .eh is not in the table; IANA lists it without a server.
    let record = client.lookup("x.eh").await.unwrap();
    assert_eq!(
        whois_errors(&record),
        [("no_source", "x.eh", "whois.iana.org:43 names no WHOIS server for .eh")]
    );
    assert_eq!(log(&world)[2], request("whois.iana.org", "eh", true));
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
    let client = client_for(&world, |c| c.whois.read_timeout = Duration::from_millis(300));
    let closed = client.lookup("196.216.2.1").await.unwrap();
    assert_eq!(
        whois_errors(&closed),
        [(
            "transport",
            "196.216.2.1",
            "whois.afrinic.net:43 closed the connection without answering"
        )]
    );
    // A new client: this one keeps the failure of the whole /23 for a while.
    let client = client_for(&world, |c| c.whois.read_timeout = Duration::from_millis(300));
    let slow = client.lookup("196.216.2.2").await.unwrap();
    assert_eq!(
        whois_errors(&slow),
        [(
            "timeout",
            "196.216.2.2",
            "whois.afrinic.net:43 did not finish answering within 300 ms (read_timeout)"
        )]
    );
    assert_eq!(world.whois_requests("whois.afrinic.net"), 2);

    // The AFRINIC answer is 2742 bytes (2739 characters, three of them two-byte `è`).
    let capped = client_for(&world, |c| c.whois.max_response_bytes = 1000);
    let big = capped.lookup("196.216.2.1").await.unwrap();
    assert_eq!(
        whois_errors(&big),
        [("too_large", "196.216.2.1", "whois.afrinic.net:43 answered more than 1000 bytes")]
    );
    let fits = client_for(&world, |c| c.whois.max_response_bytes = 2742);
    let record = fits.lookup("196.216.2.1").await.unwrap();
    assert_eq!(whois_errors(&record), []);
    assert_eq!(emails_of(&record, "196.216.2.1"), ["abuse@afrinic.net"]);

    let off = client_for(&world, |c| c.whois.enabled = false);
    let record = off.lookup("app.nl").await.unwrap();
    assert_eq!(record.registrar, None);
    assert_eq!(whois_errors(&record), []);
    assert_eq!(world.whois_requests("whois.domain-registry.nl"), 0);
}

fn emails_of<'a>(record: &'a HostingRecord, ip: &str) -> Vec<&'a str> {
    address(record, ip).abuse.iter().filter_map(|c| c.email.as_deref()).collect()
}

#[tokio::test]
async fn non_public_addresses_are_refused_by_default() {
    let world = World::recorded().start().await.unwrap();
    let client = client_for(&world, |c| c.safety.allow_private = false);
    let record = client.lookup("app.nl").await.unwrap();
    assert_eq!(whois_errors(&record)[0].0, "blocked");
    assert_eq!(world.whois_requests("whois.domain-registry.nl"), 0);
}

#[tokio::test]
async fn latin1_answers_are_decoded() {
    let utf8 = fixture("ip/lacnic__2001-13c7-7012--ipv6-lacnic.txt");
    let latin1: Vec<u8> = utf8.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    // LACNIC's RDAP network (minimal, without entities) names its WHOIS server in port43.
    let world = WorldBuilder::new()
        .service("lacnic", &["https://rdap.lacnic.net/rdap/"])
        .claim_ip("lacnic", "2001:13c7::/32")
        .object(
            "lacnic",
            r#"{"objectClassName":"ip network","handle":"2001:13c7:7010::/46",
                "startAddress":"2001:13c7:7010::","endAddress":"2001:13c7:7013:ffff:ffff:ffff:ffff:ffff",
                "ipVersion":"v6","port43":"whois.lacnic.net",
                "links":[{"rel":"self","href":"https://rdap.lacnic.net/rdap/ip/2001:13c7:7010::/46"}]}"#,
        )
        .whois_bytes("whois.lacnic.net", "2001:13c7:7010::/46", &latin1)
        .start()
        .await
        .unwrap();
    let record = client_for(&world, |_| {}).lookup("2001:13c7:7012::53").await.unwrap();
    assert_eq!(
        timeless(&address(&record, "2001:13c7:7012::53").abuse),
        [abuse_contact(
            "whois.lacnic.net",
            (Some("ipadmin@lacnic.net"), Some("+598  26042222 [4401]"), Some("Carlos M Martínez")),
            46,
            "rdap_without_abuse_email",
        )]
    );
}

#[tokio::test]
async fn whois_leniencies_are_recorded_as_partial_errors() {
    // The recorded .me answer (whois-parser corpus), served for a .nl name: its
    // `Sponsoring Registrar:MarkMonitor Inc R45-ME` carries the registry's handle, which the
    // reader splits off and notes (issue #20); the note reaches the record's errors.
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/whois-corpus/responses/whois.nic.me/me/status_registered.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let world = World::recorded()
        .whois_text("whois.domain-registry.nl", "lenient.nl", &text)
        .start()
        .await
        .unwrap();
    let record = client_for(&world, |_| {}).lookup("lenient.nl").await.unwrap();
    assert_eq!(record.registrar.as_ref().unwrap().name.as_deref(), Some("MarkMonitor Inc"));
    assert_eq!(
        whois_errors(&record)
            .into_iter()
            .filter(|(kind, _, _)| *kind == "partial")
            .collect::<Vec<_>>(),
        [(
            "partial",
            "whois.domain-registry.nl:43",
            "line 29: leniency: handle `R45-ME` split from the registrar name"
        )]
    );
}
