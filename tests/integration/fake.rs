//! `FakeLookup`, the seam for users' own tests: declared in a few lines per name as a user
//! would, it gives the records a real client gives for the same facts on the recorded world
//! (field by field for everything notice routing reads), valid against the committed
//! schema and marked as the fake's; it counts its calls and scripts errors; and `Client`
//! and the fake are used through the same `&dyn Lookup`.

use std::net::IpAddr;
use std::sync::Arc;

use futures_util::future::join_all;
use whohosts::{
    Client, ConfigError, Contact, Error, EvidenceKind, FakeAddress, FakeLookup, HostingRecord,
    InputError, IpNet, Lookup, NoticeReason, NoticeType, OutcomeStatus, Party, ProviderKind,
    SCHEMA_VERSION, Stage, StepErrorKind, Timestamp,
};
use whohosts_testing::World;

/// A mailbox with a phone number, as an RDAP abuse entity publishes it.
fn mailbox(email: &str, phone: &str) -> Contact {
    let mut contact = Contact::default();
    contact.email = Some(email.to_owned());
    contact.phone = Some(phone.to_owned());
    contact
}

/// What ARIN, Team Cymru and the tables say about Cloudflare's 104.16.0.0/12 addresses.
fn cloudflare_net(a: FakeAddress) -> FakeAddress {
    a.asn(13335, "CLOUDFLARENET, US")
        .network("104.16.0.0/12", "CLOUDFLARENET")
        .holder("Cloudflare, Inc.")
        .abuse_contact(mailbox("abuse@cloudflare.com", "+1-650-319-8930"))
}

/// The facts of the recorded world (`whohosts_testing::World::recorded`), as a user would
/// declare them: its DNS table, its Team Cymru entries and what its recorded RDAP answers
/// say.
fn recorded_world_fake() -> FakeLookup {
    let markmonitor = |d: whohosts::FakeDomain| {
        d.registrar("MarkMonitor Inc.", 292, "abusecomplaints@markmonitor.com")
            .registrar_phone("+1.2083895740")
    };
    FakeLookup::new()
        .domain("cloudflare.com", |d| {
            ["ns3", "ns4", "ns5", "ns6", "ns7"]
                .iter()
                .fold(d, |d, ns| d.nameserver(&format!("{ns}.cloudflare.com")))
                .address("104.16.132.229", cloudflare_net)
                .address("104.16.133.229", cloudflare_net)
                .registrar("Cloudflare, Inc.", 1910, "registrar-abuse@cloudflare.com")
                .registrar_phone("+1.4153197517")
                .registrar_phone("+1.6503198930")
        })
        .domain("www.cloudflare.com", |d| {
            d.cname("www.cloudflare.com.cdn.cloudflare.net")
                .address("104.16.123.96", cloudflare_net)
                .address("104.16.124.96", cloudflare_net)
        })
        .domain("google.com", |d| {
            ["ns1", "ns2", "ns3", "ns4"]
                .iter()
                .fold(markmonitor(d), |d, ns| d.nameserver(&format!("{ns}.google.com")))
                // ARIN's recorded world has no network for it: 404.
                .address("142.250.185.46", |a| {
                    a.asn(15169, "GOOGLE, US").network_fails(StepErrorKind::NotFound)
                })
        })
        // Registered, out of DNS.
        .domain("microsoft.click", |d| markmonitor(d).nxdomain())
        .ip("1.1.1.1", |a| {
            a.asn(13335, "CLOUDFLARENET, US")
                .network("1.1.1.0/24", "APNIC-LABS")
                .abuse("abuse@apnic.net")
        })
        .ip("8.8.8.8", |a| {
            a.asn(15169, "GOOGLE, US")
                .network("8.8.8.0/24", "GOGL")
                .holder("Google LLC")
                .abuse_contact(mailbox("network-abuse@google.com", "+1-650-253-0000"))
        })
        .ip("193.0.6.139", |a| {
            a.asn(
                3333,
                "RIPE-NCC-AS Reseaux IP Europeens Network Coordination Centre (RIPE NCC), NL",
            )
            .network("193.0.0.0/21", "RIPE-NCC")
            .holder("Reseaux IP Europeens Network Coordination Centre (RIPE NCC)")
            .abuse_contact(mailbox("abuse@ripe.net", "+31 20 535 4444"))
        })
}

/// The queries compared: URLs, case, a trailing dot, a v4-mapped address, a subdomain
/// nothing resolves, a registered name out of DNS, an unregistered name, IP addresses, an
/// address whose network answer fails.
const COMPARED: &[&str] = &[
    "https://WWW.Cloudflare.com/abuse?x=1",
    "www.cloudflare.com",
    "CLOUDFLARE.COM.",
    "nope.cloudflare.com",
    "google.com",
    "microsoft.click",
    "nothing-here.com",
    "1.1.1.1",
    "8.8.8.8",
    "::ffff:8.8.8.8",
    "193.0.6.139",
];

/// One channel as routing code reads it: mailbox, web form, phone numbers as published,
/// notice types.
type Channel = (Option<String>, Option<String>, Vec<String>, Vec<NoticeType>);
/// A network: name, blocks, first and last address.
type NetworkView = (Option<String>, Vec<IpNet>, Option<IpAddr>, Option<IpAddr>);
/// A registrar: name, IANA ID, channels, outcome.
type RegistrarView = (Option<String>, Option<String>, Vec<Channel>, OutcomeStatus);
/// A notice target: party, name, subject, reason, channels.
type TargetView = (Party, Option<String>, String, NoticeReason, Vec<Channel>);

fn channels(contacts: &[Contact]) -> Vec<Channel> {
    contacts
        .iter()
        .map(|c| {
            let phones = c.phones.iter().map(|p| p.text.clone()).collect();
            (c.email.clone(), c.web.clone(), phones, c.notice_types.clone())
        })
        .collect()
}

/// The facts of one address that routing reads.
#[derive(Debug, PartialEq)]
struct AddressView {
    ip: IpAddr,
    asn: Option<(u32, Option<String>)>,
    network: Option<NetworkView>,
    provider: Option<(String, Option<String>, ProviderKind, Vec<EvidenceKind>)>,
    abuse: Vec<Channel>,
    abuse_outcome: OutcomeStatus,
}

/// Everything of a record that code deciding whom to notify reads, without provenance.
#[derive(Debug, PartialEq)]
struct View {
    schema_version: u32,
    query: String,
    domain: Option<String>,
    domain_unicode: Option<String>,
    registrable_domain: Option<String>,
    dns: (Vec<IpAddr>, Vec<String>, Vec<String>),
    addresses: Vec<AddressView>,
    registrar: Option<RegistrarView>,
    registry: Option<(String, Option<String>, Vec<Channel>, OutcomeStatus)>,
    abuse_contacts: Vec<(Party, String, Channel)>,
    notice_targets: Vec<TargetView>,
    outcomes: Vec<(Party, String, OutcomeStatus)>,
    origin_hidden: bool,
    platform: Option<String>,
    dns_errors: Vec<(Stage, StepErrorKind, String)>,
}

fn view(r: &HostingRecord) -> View {
    View {
        schema_version: r.schema_version,
        query: r.query.clone(),
        domain: r.domain.clone(),
        domain_unicode: r.domain_unicode.clone(),
        registrable_domain: r.registrable_domain.clone(),
        dns: (r.dns.addresses.clone(), r.dns.cname_chain.clone(), r.dns.nameservers.clone()),
        addresses: r
            .addresses
            .iter()
            .map(|a| AddressView {
                ip: a.ip,
                asn: a.asn.as_ref().map(|asn| (asn.number, asn.name.clone())),
                network: a
                    .network
                    .as_ref()
                    .map(|n| (n.name.clone(), n.cidrs.clone(), n.range_start, n.range_end)),
                provider: a.hosting_provider.as_ref().map(|p| {
                    let evidence = p.evidence.iter().map(|e| e.kind).collect();
                    (p.name.clone(), p.id.clone(), p.kind, evidence)
                }),
                abuse: channels(&a.abuse),
                abuse_outcome: a.abuse_outcome.status,
            })
            .collect(),
        registrar: r.registrar.as_ref().map(|x| {
            (x.name.clone(), x.iana_id.clone(), channels(&x.abuse), x.abuse_outcome.status)
        }),
        registry: r
            .registry
            .as_ref()
            .map(|x| (x.tld.clone(), x.name.clone(), channels(&x.abuse), x.abuse_outcome.status)),
        abuse_contacts: r
            .abuse_contacts
            .iter()
            .map(|c| {
                let channel = channels(std::slice::from_ref(&c.contact)).remove(0);
                (c.party, c.for_.clone(), channel)
            })
            .collect(),
        notice_targets: r
            .notice_targets
            .iter()
            .map(|t| (t.party, t.name.clone(), t.for_.clone(), t.reason, channels(&t.channels)))
            .collect(),
        outcomes: r.outcomes.iter().map(|o| (o.party, o.for_.clone(), o.outcome.status)).collect(),
        origin_hidden: r.origin_hidden,
        platform: r.platform.as_ref().map(|p| p.id.clone()),
        dns_errors: r
            .errors
            .iter()
            .filter(|e| e.stage == Stage::Dns)
            .map(|e| (e.stage, e.kind, e.target.clone()))
            .collect(),
    }
}

/// The real client and the fake, each as a `&dyn Lookup`, give the same record for every
/// compared query: the same view, and every other failure the fake reports is one the
/// client reported (same stage and kind, about the same object: the client's target is the
/// URL asked, which ends with the fake's).
#[tokio::test]
async fn the_fake_gives_the_clients_records_for_the_same_facts() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().build().unwrap();
    let fake = recorded_world_fake();
    let lookups: [&dyn Lookup; 2] = [&client, &fake];
    let mut compared_targets = 0;
    for query in COMPARED {
        let [real, faked] = [lookups[0].lookup(query), lookups[1].lookup(query)];
        let (real, faked) = (real.await.unwrap(), faked.await.unwrap());
        assert_eq!(view(&real), view(&faked), "{query}");
        for error in faked.errors.iter().filter(|e| e.stage != Stage::Dns) {
            let reported = real.errors.iter().any(|r| {
                (r.stage, r.kind) == (error.stage, error.kind)
                    && r.target.to_lowercase().ends_with(&error.target)
            });
            assert!(reported, "{query}: {error:?} not in {:#?}", real.errors);
        }
        compared_targets += real.notice_targets.len();
    }
    // The comparison is not empty: CDN, network, hosting, registrar and registry targets.
    assert_eq!(compared_targets, 20);
    assert_eq!(fake.calls(), COMPARED.len());
    assert_eq!(fake.queries(), COMPARED);
}

/// Each notice target as (party, name, what it is for, reason): the routing a notice follows.
fn routing(record: &HostingRecord) -> Vec<(Party, &str, &str, NoticeReason)> {
    record
        .notice_targets
        .iter()
        .map(|t| (t.party, t.name.as_deref().unwrap(), t.for_.as_str(), t.reason))
        .collect()
}

/// The compared records, spot-checked: the routing that the comparison above holds equal.
#[tokio::test]
async fn the_recorded_worlds_routing_from_the_fake() {
    let fake = recorded_world_fake();
    let record = fake.lookup("https://WWW.Cloudflare.com/abuse?x=1").await.unwrap();
    assert_eq!(record.query, "https://WWW.Cloudflare.com/abuse?REDACTED");
    assert_eq!(record.domain.as_deref(), Some("www.cloudflare.com"));
    let targets = routing(&record);
    assert_eq!(
        targets,
        [
            (Party::Cdn, "Cloudflare", "www.cloudflare.com", NoticeReason::CdnFronted),
            (Party::Network, "Cloudflare", "104.16.123.96", NoticeReason::NetworkAboveHost),
            (
                Party::Registrar,
                "Cloudflare, Inc.",
                "cloudflare.com",
                NoticeReason::RegistrarOfDomain
            ),
        ]
    );
    let cdn: Vec<&str> =
        record.notice_targets[0].channels.iter().map(|c| c.web.as_deref().unwrap()).collect();
    assert_eq!(
        cdn,
        [
            "https://abuse.cloudflare.com/",
            "https://abuse.cloudflare.com/dmca",
            "https://abuse.cloudflare.com/phishing"
        ]
    );
    assert!(record.origin_hidden);

    // Not resolved, not registered: the registry of .com is the one target.
    let record = fake.lookup("nothing-here.com").await.unwrap();
    let errors: Vec<(Stage, StepErrorKind, &str)> =
        record.errors.iter().map(|e| (e.stage, e.kind, e.target.as_str())).collect();
    assert_eq!(
        errors,
        [
            (Stage::Dns, StepErrorKind::NxDomain, "nothing-here.com"),
            (Stage::Rdap, StepErrorKind::NotFound, "nothing-here.com"),
        ]
    );
    let target = &record.notice_targets[..];
    assert_eq!(target.len(), 1);
    assert_eq!(
        (target[0].party, target[0].name.as_deref(), target[0].reason),
        (Party::Registry, Some("VeriSign, Inc."), NoticeReason::RegistryOfTld)
    );
    assert_eq!(
        record.outcomes[0].outcome.detail.as_deref(),
        Some(
            "registry answer unavailable: not found: FakeLookup declares no name under nothing-here.com"
        )
    );
}

/// The brief's own example, every field the fake writes checked.
#[tokio::test]
async fn declared_facts_are_written_exactly() {
    let fake = FakeLookup::new().domain("pirate.example", |d| {
        d.address("192.0.2.10", |a| {
            a.asn(64500, "EXAMPLE-AS")
                .network("192.0.2.0/24", "EXAMPLE-NET")
                .abuse("abuse@hoster.example")
                .provider("hoster", "Hoster Ltd", ProviderKind::Hosting)
        })
        .registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example")
    });
    let before = Timestamp::now().as_second();
    let record = fake.lookup("https://pirate.example/film?session=1").await.unwrap();
    let after = Timestamp::now().as_second() + 1;
    assert_eq!(record.schema_version, SCHEMA_VERSION);
    assert_eq!(record.query, "https://pirate.example/film?REDACTED");
    assert_eq!(record.domain.as_deref(), Some("pirate.example"));
    assert_eq!(record.domain_unicode.as_deref(), Some("pirate.example"));
    assert_eq!(record.registrable_domain.as_deref(), Some("pirate.example"));
    assert!((before..=after).contains(&record.resolved_at.as_second()));
    let ip: IpAddr = "192.0.2.10".parse().unwrap();
    assert_eq!(record.dns.addresses, [ip]);
    assert!(record.dns.cname_chain.is_empty() && record.dns.nameservers.is_empty());

    let address = &record.addresses[..];
    assert_eq!(address.len(), 1);
    let address = &address[0];
    let asn = address.asn.as_ref().unwrap();
    assert_eq!((asn.number, asn.name.as_deref()), (64500, Some("EXAMPLE-AS")));
    assert_eq!(asn.source.as_str(), "FakeLookup");
    let network = address.network.as_ref().unwrap();
    assert_eq!(network.name.as_deref(), Some("EXAMPLE-NET"));
    assert_eq!(network.cidrs, ["192.0.2.0/24".parse::<IpNet>().unwrap()]);
    assert_eq!(network.range_start, Some("192.0.2.0".parse().unwrap()));
    assert_eq!(network.range_end, Some("192.0.2.255".parse().unwrap()));
    assert_eq!((network.handle.as_deref(), network.source_url.as_deref()), (None, None));
    let provider = address.hosting_provider.as_ref().unwrap();
    assert_eq!(
        (provider.name.as_str(), provider.id.as_deref(), provider.kind),
        ("Hoster Ltd", Some("hoster"), ProviderKind::Hosting)
    );
    assert_eq!(
        address.abuse.iter().map(|c| c.email.as_deref().unwrap()).collect::<Vec<_>>(),
        ["abuse@hoster.example"]
    );
    assert_eq!(address.abuse[0].role.as_ref().map(|r| r.as_str()), Some("abuse"));
    assert_eq!(address.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(address.plan, None);

    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.name.as_deref(), Some("Example Registrar, Inc."));
    assert_eq!(registrar.iana_id.as_deref(), Some("9999"));
    assert_eq!(registrar.abuse[0].email.as_deref(), Some("abuse@registrar.example"));
    assert_eq!((registrar.rdap_url.as_deref(), registrar.source_url.as_deref()), (None, None));
    // `.example` is in no registry directory, as a real lookup would find.
    let registry = record.registry.as_ref().unwrap();
    assert_eq!((registry.tld.as_str(), registry.name.as_deref()), ("example", None));
    assert_eq!(registry.abuse_outcome.status, OutcomeStatus::NonePublished);

    let contacts: Vec<(Party, &str, &str)> = record
        .abuse_contacts
        .iter()
        .map(|c| (c.party, c.for_.as_str(), c.contact.email.as_deref().unwrap()))
        .collect();
    assert_eq!(
        contacts,
        [
            (Party::Hosting, "192.0.2.10", "abuse@hoster.example"),
            (Party::Registrar, "pirate.example", "abuse@registrar.example"),
        ]
    );
    let targets = routing(&record);
    assert_eq!(
        targets,
        [
            (Party::Hosting, "Hoster Ltd", "192.0.2.10", NoticeReason::DirectHosting),
            (
                Party::Registrar,
                "Example Registrar, Inc.",
                "pirate.example",
                NoticeReason::RegistrarOfDomain
            ),
        ]
    );
    // The AS above the host is another organisation without a channel: left out, and said.
    let outcomes: Vec<(Party, &str, OutcomeStatus)> =
        record.outcomes.iter().map(|o| (o.party, o.for_.as_str(), o.outcome.status)).collect();
    assert_eq!(
        outcomes,
        [
            (Party::Hosting, "192.0.2.10", OutcomeStatus::Found),
            (Party::Registrar, "pirate.example", OutcomeStatus::Found),
            (Party::Registry, "pirate.example", OutcomeStatus::NonePublished),
            (Party::Network, "192.0.2.10", OutcomeStatus::NonePublished),
        ]
    );
    assert!(record.errors.is_empty());
    assert!(!record.origin_hidden && record.platform.is_none());
    let data = record.data.as_ref().unwrap();
    assert_eq!(
        (data.provider_ranges.as_deref(), data.bootstrap.as_deref(), data.registrars.as_deref()),
        (Some("2025-07-25"), None, None)
    );
}

/// Every source a fake record holds is a dataset: the fake's own (no URL), or a shipped
/// table the client reads too (the provider ranges and tables, the provider and registry
/// directories). Every fake record is valid against the committed schema, and reads back.
#[tokio::test]
async fn fake_records_are_marked_and_valid() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/record.v4.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let fake = recorded_world_fake()
        .domain("www.bücher.example", |d| d.address("2001:db8::1", |a| a.holder("Hoster Ltd")))
        .domain("pages.example", |d| {
            d.cname("someone.github.io").address("185.199.108.153", |a| a)
        });
    let mut queries: Vec<&str> = COMPARED.to_vec();
    queries.extend([
        "https://www.bücher.example/",
        "pages.example",
        "https://t.me/somechannel",
        "192.0.2.99",
    ]);
    let mut fake_sources = 0;
    for query in queries {
        let record = fake.lookup(query).await.unwrap();
        let json = serde_json::to_value(&record).unwrap();
        let problems: Vec<String> =
            validator.iter_errors(&json).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(problems.is_empty(), "{query}: {problems:#?}");
        assert_eq!(serde_json::from_value::<HostingRecord>(json.clone()).unwrap(), record);
        let mut sources = Vec::new();
        collect_sources(&json, &mut sources);
        for source in sources {
            assert_eq!(source["kind"], "dataset", "{query}: {source}");
            if source["dataset"] == FakeLookup::DATASET {
                assert_eq!(source["url"], serde_json::Value::Null, "{query}: {source}");
                fake_sources += 1;
            }
        }
    }
    assert!(fake_sources > 50, "{fake_sources}");
}

/// Every `Source` in a record's JSON: the values under `sources`, `provenance` and an
/// evidence's `source`.
fn collect_sources<'a>(json: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    match json {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("sources", serde_json::Value::Array(items)) => out.extend(items),
                    ("provenance" | "source", serde_json::Value::Object(_)) => out.push(value),
                    _ => {}
                }
                collect_sources(value, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_sources(v, out)),
        _ => {}
    }
}

/// A name with a platform in its URL: the platform is recognised from the query, as the
/// client recognises it, and is the one notice target in both.
#[tokio::test]
async fn platforms_are_recognised_as_by_the_client() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().build().unwrap();
    let fake = FakeLookup::new();
    for query in ["https://t.me/somechannel", "https://someone.github.io/project/"] {
        let real = client.lookup(query).await.unwrap();
        let faked = fake.lookup(query).await.unwrap();
        assert!(real.platform.is_some(), "{query}");
        assert_eq!(faked.platform, real.platform, "{query}");
        assert_eq!(view(&faked).notice_targets, view(&real).notice_targets, "{query}");
    }
}

/// Bad input is refused with the client's own `InputError`, and counted.
#[tokio::test]
async fn bad_input_is_refused_as_by_the_client() {
    let world = World::recorded().start().await.unwrap();
    let client: Client = world.client_builder().build().unwrap();
    let fake = FakeLookup::new();
    let inputs = ["", "co.uk", "localhost", "mailto:x@y.example", "a..b.example", "fe80::1%eth0"];
    for input in inputs {
        let real = client.lookup(input).await.unwrap_err();
        let faked = fake.lookup(input).await.unwrap_err();
        assert_eq!(faked.as_input(), real.as_input(), "{input:?}");
        assert!(faked.as_input().is_some(), "{input:?}");
    }
    assert_eq!(fake.calls(), inputs.len());
}

/// `fail` gives its error on every call, for every form of the query; `fail_unknown`
/// refuses everything not declared, and nothing declared.
#[tokio::test]
async fn scripted_errors() {
    let fake = FakeLookup::new()
        .domain("ok.example", |d| d.address("192.0.2.1", |a| a))
        .fail("broken.example", Error::Input(InputError::SingleLabel { name: "x".into() }))
        .fail("192.0.2.66", Error::Config(ConfigError::Http { reason: "scripted".into() }))
        .fail("ok.example", Error::Internal { message: "ok.example is scripted to fail".into() });
    for _ in 0..2 {
        for query in ["broken.example", "HTTPS://broken.example/a?b", "broken.example."] {
            let error = fake.lookup(query).await.unwrap_err();
            assert_eq!(error.as_input(), Some(&InputError::SingleLabel { name: "x".into() }));
        }
        let error = fake.lookup("192.0.2.66").await.unwrap_err();
        assert!(
            matches!(&error, Error::Config(ConfigError::Http { reason }) if reason == "scripted")
        );
        // A scripted failure comes before the declared facts.
        let error = fake.lookup("ok.example").await.unwrap_err();
        assert_eq!(error.to_string(), "internal error: ok.example is scripted to fail");
    }
    assert_eq!(fake.calls(), 10);

    let strict = FakeLookup::new()
        .domain("ok.example", |d| d.address("192.0.2.1", |a| a))
        .ip("198.51.100.1", |a| a)
        .fail_unknown(Error::Internal { message: "undeclared".into() });
    for known in ["ok.example", "https://OK.example/x", "192.0.2.1", "198.51.100.1"] {
        assert!(strict.lookup(known).await.is_ok(), "{known}");
    }
    for unknown in ["www.ok.example", "other.example", "192.0.2.2", "2001:db8::1"] {
        let error = strict.lookup(unknown).await.unwrap_err();
        assert_eq!(error.to_string(), "internal error: undeclared", "{unknown}");
    }
}

/// An address nothing is declared for: no facts, the network answer not found, no target.
#[tokio::test]
async fn an_undeclared_address_has_no_facts() {
    let record = FakeLookup::new().lookup("192.0.2.99").await.unwrap();
    let address = &record.addresses[0];
    assert_eq!(address.ip, "192.0.2.99".parse::<IpAddr>().unwrap());
    assert_eq!((&address.asn, &address.network, &address.hosting_provider), (&None, &None, &None));
    assert_eq!(address.abuse_outcome.status, OutcomeStatus::SourceFailed);
    assert_eq!(
        address.abuse_outcome.detail.as_deref(),
        Some(
            "network answer unavailable: not found: FakeLookup declares no facts for this address"
        )
    );
    let errors: Vec<(Stage, StepErrorKind, &str, bool)> =
        record.errors.iter().map(|e| (e.stage, e.kind, e.target.as_str(), e.retryable)).collect();
    assert_eq!(errors, [(Stage::Rdap, StepErrorKind::NotFound, "192.0.2.99", false)]);
    assert!(record.notice_targets.is_empty() && record.abuse_contacts.is_empty());
    let outcomes: Vec<(Party, &str, OutcomeStatus)> =
        record.outcomes.iter().map(|o| (o.party, o.for_.as_str(), o.outcome.status)).collect();
    assert_eq!(
        outcomes,
        [
            (Party::Network, "192.0.2.99", OutcomeStatus::SourceFailed),
            (Party::Registrar, "192.0.2.99", OutcomeStatus::NotApplicable),
            (Party::Registry, "192.0.2.99", OutcomeStatus::NotApplicable),
        ]
    );
}

/// Every handle counts on the one fake: `&dyn`, `Box<dyn>`, `Arc<dyn>` shared between
/// tasks, lookups running at once.
#[tokio::test]
async fn calls_are_counted_through_every_handle() {
    let fake = Arc::new(recorded_world_fake());
    let shared: Arc<dyn Lookup> = fake.clone();
    let tasks: Vec<_> = (0..8)
        .map(|k| {
            let lookup = Arc::clone(&shared);
            tokio::spawn(async move {
                let query = if k % 2 == 0 { "8.8.8.8" } else { "www.cloudflare.com" };
                lookup.lookup(query).await.unwrap().notice_targets.len()
            })
        })
        .collect();
    let targets: Vec<usize> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(targets, [1, 3, 1, 3, 1, 3, 1, 3]);
    assert_eq!(fake.calls(), 8);

    let boxed: Box<dyn Lookup> = Box::new(Arc::clone(&fake));
    let by_ref: &dyn Lookup = &*fake;
    boxed.lookup("1.1.1.1").await.unwrap();
    by_ref.lookup("").await.unwrap_err();
    assert_eq!(fake.calls(), 10);
    assert_eq!(fake.queries()[8..], ["1.1.1.1".to_owned(), String::new()]);
}

/// A source marked as failing: the record a client writes when that source does not
/// answer, and the routing that is left.
#[tokio::test]
async fn failing_sources_are_recorded_as_the_client_records_them() {
    let fake = FakeLookup::new().domain("pirate.example", |d| {
        d.address("192.0.2.10", |a| a.holder("Hoster Ltd").network_fails(StepErrorKind::Timeout))
            .registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example")
            .registration_fails(StepErrorKind::ServFail)
    });
    let record = fake.lookup("pirate.example").await.unwrap();
    let errors: Vec<(Stage, StepErrorKind, &str, bool)> =
        record.errors.iter().map(|e| (e.stage, e.kind, e.target.as_str(), e.retryable)).collect();
    assert_eq!(
        errors,
        [
            (Stage::Rdap, StepErrorKind::Timeout, "192.0.2.10", true),
            (Stage::Rdap, StepErrorKind::ServFail, "pirate.example", true),
        ]
    );
    assert_eq!(record.addresses[0].hosting_provider, None);
    assert_eq!(record.registrar, None);
    assert!(record.notice_targets.is_empty());
    let outcomes: Vec<(Party, OutcomeStatus)> =
        record.outcomes.iter().map(|o| (o.party, o.outcome.status)).collect();
    assert_eq!(
        outcomes,
        [
            (Party::Network, OutcomeStatus::SourceFailed),
            (Party::Registrar, OutcomeStatus::SourceFailed),
            (Party::Registry, OutcomeStatus::NonePublished),
        ]
    );
}

/// Names normalise as the client normalises them, and their facts merge: a Unicode name
/// declared in one form is found in any other, and declaring a name twice adds facts.
#[tokio::test]
async fn names_normalise_and_declarations_merge() {
    let fake = FakeLookup::new()
        .domain("WWW.Bücher.Example.", |d| {
            d.address("192.0.2.1", |a| a.abuse("abuse@one.example"))
        })
        .domain("https://www.xn--bcher-kva.example/path", |d| {
            d.address("192.0.2.1", |a| a.abuse("abuse@two.example")).address("2001:db8::1", |a| a)
        })
        .domain("bücher.example", |d| d.nameserver("ns.dns.example"));
    let record = fake.lookup("www.bücher.example").await.unwrap();
    assert_eq!(record.domain.as_deref(), Some("www.xn--bcher-kva.example"));
    assert_eq!(record.domain_unicode.as_deref(), Some("www.bücher.example"));
    assert_eq!(record.registrable_domain.as_deref(), Some("xn--bcher-kva.example"));
    let ips: Vec<String> = record.dns.addresses.iter().map(ToString::to_string).collect();
    assert_eq!(ips, ["192.0.2.1", "2001:db8::1"]);
    assert_eq!(record.dns.nameservers, ["ns.dns.example"]);
    let emails: Vec<&str> =
        record.addresses[0].abuse.iter().map(|c| c.email.as_deref().unwrap()).collect();
    assert_eq!(emails, ["abuse@one.example", "abuse@two.example"]);
    // The registrable domain is registered (no registrar declared), the name itself
    // resolves: no failure at all.
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    let registrar = record.outcomes.iter().find(|o| o.party == Party::Registrar).unwrap();
    assert_eq!(registrar.outcome.status, OutcomeStatus::NonePublished);
}

#[test]
#[should_panic(expected = "FakeLookup: \"192.0.2.300\" is not an IP address")]
fn a_bad_address_is_a_bug_in_the_test() {
    let _ = FakeLookup::new().ip("192.0.2.300", |a| a);
}

#[test]
#[should_panic(expected = "is not a CIDR block")]
fn a_bad_network_is_a_bug_in_the_test() {
    let _ = FakeLookup::new().ip("192.0.2.1", |a| a.network("192.0.2.0/33", "X"));
}

#[test]
#[should_panic(expected = "FakeLookup: \"abuse at hoster\" is not a usable email address")]
fn a_bad_mailbox_is_a_bug_in_the_test() {
    let _ = FakeLookup::new().ip("192.0.2.1", |a| a.abuse("abuse at hoster"));
}

#[test]
#[should_panic(expected = "is an IP address (192.0.2.1), not a name: declare it with .ip(…)")]
fn an_address_declared_as_a_name_is_a_bug_in_the_test() {
    let _ = FakeLookup::new().domain("192.0.2.1", |d| d);
}

#[test]
#[should_panic(expected = "declare the registrar first")]
fn a_registrar_phone_without_registrar_is_a_bug_in_the_test() {
    let _ = FakeLookup::new().domain("a.example", |d| d.registrar_phone("+1.5555550100"));
}

/// Code written against the trait takes the client as well as the fake.
#[tokio::test]
async fn the_client_is_a_lookup() {
    async fn first_target(lookup: &dyn Lookup, query: &str) -> (Party, String) {
        let record = lookup.lookup(query).await.unwrap();
        let target = record.notice_targets.into_iter().next().unwrap();
        (target.party, target.name.unwrap())
    }
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().build().unwrap();
    let fake = recorded_world_fake();
    let expected = (Party::Hosting, "Google".to_owned());
    assert_eq!(first_target(&client, "8.8.8.8").await, expected);
    assert_eq!(first_target(&fake, "8.8.8.8").await, expected);
    let shared: Arc<dyn Lookup> = Arc::new(client);
    assert_eq!(first_target(&shared, "8.8.8.8").await, expected);
}
