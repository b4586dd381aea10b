//! The per-address planner: where an address's RDAP server is quota-limited (RIPE NCC's
//! 500 per 24 h, LACNIC's 1 per 6 s) or its budget is spent, the quota-free abuse sources are
//! asked first and RDAP only when they give no mailbox (or for full network detail); elsewhere
//! RDAP goes first as before. RDAP answers are the recorded RIR answers of the test world;
//! the quota-free source is a fake standing in for Abusix's DNS zone, whose mailboxes are
//! **synthesised** here (the recorded RIPE NCC mailbox, and one made-up mailbox for the
//! disagreement cases).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use whohosts::{
    AbuseSource, BoxFuture, Client, Contact, NetworkDetail, OutcomeStatus, Party, PlanFirst,
    ServerPolicy, Source, SourceError, SourceKind, Stage, StepErrorKind,
};
use whohosts_testing::{Fault, World};

use crate::support::{address, emails};

const DAY: Duration = Duration::from_secs(86_400);

/// RIPE NCC's published quota, as the default politeness table budgets it.
fn ripe_quota() -> ServerPolicy {
    ServerPolicy::new(500, DAY, 500, 4)
}

/// LACNIC's published rate, as the default politeness table budgets it.
fn lacnic_rate() -> ServerPolicy {
    ServerPolicy::new(1, Duration::from_secs(6), 1, 1)
}

/// An Abusix-like abuse source over DNS that knows the mailboxes it is given, and records
/// every address it is asked about.
#[derive(Debug)]
struct FakeAbusix {
    mailboxes: HashMap<IpAddr, &'static str>,
    asked: Mutex<Vec<IpAddr>>,
}

impl FakeAbusix {
    fn knowing(mailboxes: &[(&str, &'static str)]) -> Arc<Self> {
        Arc::new(Self {
            mailboxes: mailboxes.iter().map(|(ip, mail)| (ip.parse().unwrap(), *mail)).collect(),
            asked: Mutex::new(Vec::new()),
        })
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().iter().map(ToString::to_string).collect()
    }
}

/// The name asked in the zone: the address's octets reversed, under the zone.
fn zone_name(ip: IpAddr) -> String {
    let mut octets: Vec<String> = ip.to_string().split('.').map(str::to_owned).collect();
    octets.reverse();
    format!("{}.abuse-contacts.abusix.zone", octets.join("."))
}

impl AbuseSource for FakeAbusix {
    fn name(&self) -> &str {
        "abusix"
    }

    fn abuse_contacts(&self, ip: IpAddr) -> BoxFuture<'_, Result<Vec<Contact>, SourceError>> {
        self.asked.lock().unwrap().push(ip);
        let found = self.mailboxes.get(&ip).map(|mail| {
            let mut contact = Contact::default();
            contact.email = Some((*mail).to_owned());
            let mut source = Source::new(SourceKind::Dns, zone_name(ip));
            source.dataset = Some("abusix".to_owned());
            contact.sources.push(source);
            contact
        });
        Box::pin(async move { Ok(found.into_iter().collect()) })
    }
}

/// A client for `world` whose RIPE and LACNIC services have their real limits (the ARIN
/// service stays unlimited), WHOIS off, asking `source` for abuse contacts.
fn client(world: &World, source: Arc<FakeAbusix>, detail: NetworkDetail) -> Client {
    world
        .client_builder()
        .server_policy(&world.service_url("ripe"), ripe_quota())
        .server_policy(&world.service_url("lacnic"), lacnic_rate())
        .disable_whois()
        .abuse_source(source)
        .network_detail(detail)
        .build()
        .unwrap()
}

/// The kinds of a contact's sources, in order.
fn kinds(contact: &Contact) -> Vec<SourceKind> {
    contact.sources.iter().map(|s| s.kind).collect()
}

#[tokio::test]
async fn a_ripe_address_gets_its_mailbox_from_abusix_and_ripe_is_not_asked() {
    let world = World::recorded().start().await.unwrap();
    let abusix = FakeAbusix::knowing(&[("193.0.6.139", "abuse@ripe.net")]);
    let client = client(&world, abusix.clone(), NetworkDetail::Auto);
    let record = client.lookup("193.0.6.139").await.unwrap();
    let a = address(&record, "193.0.6.139");
    assert_eq!(world.requests("ripe"), 0);
    assert_eq!(world.total_requests(), 0);
    assert_eq!(abusix.asked(), ["193.0.6.139"]);
    // The mailbox, with the one source that gave it.
    assert_eq!(emails(&a.abuse), ["abuse@ripe.net"]);
    assert_eq!(kinds(&a.abuse[0]), [SourceKind::Dns]);
    assert_eq!(
        a.abuse[0].sources[0].url.as_deref(),
        Some("139.6.0.193.abuse-contacts.abusix.zone")
    );
    // Why RDAP was left alone, in the outcome and in the plan.
    let ripe = world.service_url("ripe");
    let why = format!("{ripe} is quota-limited (500 per 24 h)");
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(
        a.abuse_outcome.detail.as_deref(),
        Some(format!("from abusix; RDAP not asked: {why}").as_str())
    );
    let plan = a.plan.as_ref().unwrap();
    assert_eq!(plan.first, PlanFirst::QuotaFree);
    assert_eq!(plan.rdap_server.as_deref(), Some(ripe.as_str()));
    assert_eq!(plan.reason.as_deref(), Some(why.as_str()));
    assert!(!plan.rdap_asked);
    // The network facts are what is cheap: the ASN, no RDAP network.
    assert_eq!(a.asn.as_ref().map(|asn| asn.number), Some(3333));
    assert_eq!(a.network, None);
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    let flat: Vec<_> = record.abuse_contacts.iter().map(|c| (c.party, c.for_.as_str())).collect();
    assert_eq!(flat, [(Party::Network, "193.0.6.139")]);
    // Counted: one mailbox from abusix, one RDAP request avoided.
    let stats = client.stats();
    assert_eq!(stats.abuse_answers.into_iter().collect::<Vec<_>>(), [("abusix".into(), 1)]);
    assert_eq!(stats.rdap_avoided, 1);
    // The plan is part of the record's JSON.
    let json = serde_json::to_value(a).unwrap();
    assert_eq!(json["plan"]["first"], "quota_free");
    assert_eq!(json["plan"]["rdap_asked"], false);
}

#[tokio::test]
async fn a_lacnic_address_abusix_does_not_know_asks_rdap_once() {
    let world = World::recorded().start().await.unwrap();
    let abusix = FakeAbusix::knowing(&[]);
    let client = client(&world, abusix.clone(), NetworkDetail::Auto);
    let record = client.lookup("200.3.14.10").await.unwrap();
    let a = address(&record, "200.3.14.10");
    assert_eq!(abusix.asked(), ["200.3.14.10"]);
    assert_eq!(world.requests("lacnic"), 1);
    assert_eq!(world.total_requests(), 1);
    assert_eq!(emails(&a.abuse), ["ipadmin@lacnic.net"]);
    assert_eq!(kinds(&a.abuse[0]), [SourceKind::Rdap]);
    assert_eq!(a.network.as_ref().unwrap().handle.as_deref(), Some("200.3.12.0/22"));
    let lacnic = world.service_url("lacnic");
    let why = format!("{lacnic} is quota-limited (1 per 6 s)");
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(
        a.abuse_outcome.detail.as_deref(),
        Some(format!("the quota-free sources gave no mailbox, so RDAP was asked ({why})").as_str())
    );
    let plan = a.plan.as_ref().unwrap();
    assert_eq!((plan.first, plan.rdap_asked), (PlanFirst::QuotaFree, true));
    assert_eq!(plan.reason.as_deref(), Some(why.as_str()));
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    let stats = client.stats();
    assert_eq!(stats.abuse_answers.into_iter().collect::<Vec<_>>(), [("rdap".into(), 1)]);
    assert_eq!(stats.rdap_avoided, 0);
}

#[tokio::test]
async fn full_detail_asks_rdap_too_and_one_mailbox_from_both_is_one_contact() {
    let world = World::recorded().start().await.unwrap();
    // Abusix states RIPE NCC's mailbox in other letter case: the same mailbox.
    let abusix = FakeAbusix::knowing(&[("193.0.6.139", "Abuse@RIPE.net")]);
    let client = client(&world, abusix.clone(), NetworkDetail::Full);
    let record = client.lookup("193.0.6.139").await.unwrap();
    let a = address(&record, "193.0.6.139");
    assert_eq!(abusix.asked(), ["193.0.6.139"]);
    assert_eq!(world.requests("ripe"), 1);
    assert_eq!(a.network.as_ref().unwrap().handle.as_deref(), Some("193.0.0.0 - 193.0.7.255"));
    // One contact, as RDAP spells it, with both sources: RDAP's first.
    assert_eq!(emails(&a.abuse), ["abuse@ripe.net"]);
    assert_eq!(kinds(&a.abuse[0]), [SourceKind::Rdap, SourceKind::Dns]);
    assert_eq!(a.abuse[0].name.as_deref(), Some("RIPE NCC Operations"));
    assert_eq!(a.abuse_outcome.detail.as_deref(), Some("from RDAP and abusix, which agree"));
    let plan = a.plan.as_ref().unwrap();
    assert_eq!((plan.first, plan.rdap_asked), (PlanFirst::QuotaFree, true));
    assert!(record.errors.is_empty(), "{:#?}", record.errors);
    let stats = client.stats();
    let answers: Vec<_> = stats.abuse_answers.into_iter().collect();
    assert_eq!(answers, [("abusix".into(), 1), ("rdap".into(), 1)]);
    assert_eq!(stats.rdap_avoided, 0);
}

#[tokio::test]
async fn full_detail_keeps_both_mailboxes_when_rdap_and_abusix_disagree() {
    let world = World::recorded().start().await.unwrap();
    let abusix = FakeAbusix::knowing(&[("193.0.6.139", "abuse@ripe-ncc.example")]);
    let client = client(&world, abusix.clone(), NetworkDetail::Full);
    let record = client.lookup("193.0.6.139").await.unwrap();
    let a = address(&record, "193.0.6.139");
    assert_eq!(world.requests("ripe"), 1);
    // Both, RDAP's first, each with its own source.
    assert_eq!(emails(&a.abuse), ["abuse@ripe.net", "abuse@ripe-ncc.example"]);
    assert_eq!(kinds(&a.abuse[0]), [SourceKind::Rdap]);
    assert_eq!(kinds(&a.abuse[1]), [SourceKind::Dns]);
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::Found);
    assert_eq!(
        a.abuse_outcome.detail.as_deref(),
        Some("RDAP and abusix disagree: abuse@ripe.net vs abuse@ripe-ncc.example")
    );
    // Both reach the flat list of contacts, in the same order.
    let flat: Vec<_> =
        record.abuse_contacts.iter().filter_map(|c| c.contact.email.as_deref()).collect();
    assert_eq!(flat, ["abuse@ripe.net", "abuse@ripe-ncc.example"]);
}

#[tokio::test]
async fn an_arin_address_asks_rdap_first_and_not_abusix() {
    let world = World::recorded().start().await.unwrap();
    let abusix = FakeAbusix::knowing(&[("8.8.8.8", "abuse@google.example")]);
    let client = client(&world, abusix.clone(), NetworkDetail::Auto);
    let record = client.lookup("8.8.8.8").await.unwrap();
    let a = address(&record, "8.8.8.8");
    assert_eq!(world.requests("arin"), 1);
    assert!(abusix.asked().is_empty());
    assert_eq!(emails(&a.abuse), ["network-abuse@google.com"]);
    let plan = a.plan.as_ref().unwrap();
    assert_eq!(plan.first, PlanFirst::Rdap);
    assert_eq!(plan.rdap_server.as_deref(), Some(world.service_url("arin").as_str()));
    assert_eq!(plan.reason, None);
    assert!(plan.rdap_asked);
    let stats = client.stats();
    assert_eq!(stats.abuse_answers.into_iter().collect::<Vec<_>>(), [("rdap".into(), 1)]);
    assert_eq!(stats.rdap_avoided, 0);
}

#[tokio::test]
async fn once_a_tiny_daily_quota_is_spent_abusix_answers_for_the_rest() {
    let world = World::recorded().start().await.unwrap();
    // Abusix knows two RIPE addresses outside the recorded 193.0.0.0/21, not 193.0.6.139.
    let abusix = FakeAbusix::knowing(&[
        ("193.1.1.1", "abuse@one.example"),
        ("193.2.2.2", "abuse@two.example"),
    ]);
    let client = world
        .client_builder()
        .server_policy(&world.service_url("ripe"), ServerPolicy::new(1, DAY, 1, 4))
        .disable_whois()
        .abuse_source(abusix.clone())
        .build()
        .unwrap();
    // The one request of the day: Abusix has nothing, RDAP answers.
    let record = client.lookup("193.0.6.139").await.unwrap();
    assert_eq!(emails(&address(&record, "193.0.6.139").abuse), ["abuse@ripe.net"]);
    assert_eq!(world.requests("ripe"), 1);
    // Another address of the recorded ASSIGNED PA /21 comes from the network cache: nobody
    // is asked.
    let record = client.lookup("193.0.0.1").await.unwrap();
    assert_eq!(emails(&address(&record, "193.0.0.1").abuse), ["abuse@ripe.net"]);
    assert_eq!(abusix.asked(), ["193.0.6.139"]);
    // The rest: from Abusix, the plan saying the budget is spent; RIPE is asked no more.
    let ripe = world.service_url("ripe");
    for (ip, mail) in [("193.1.1.1", "abuse@one.example"), ("193.2.2.2", "abuse@two.example")] {
        let record = client.lookup(ip).await.unwrap();
        let a = address(&record, ip);
        assert_eq!(emails(&a.abuse), [mail]);
        let reason = a.plan.as_ref().unwrap().reason.clone().unwrap();
        let spent = format!(
            "{ripe} is quota-limited (1 per 24 h) and its request budget is spent (next request in"
        );
        assert!(reason.starts_with(&spent), "{reason}");
        assert!(!a.plan.as_ref().unwrap().rdap_asked);
    }
    assert_eq!(world.requests("ripe"), 1);
    // An address Abusix does not know: RDAP would be asked, but the spent budget refuses it
    // before it is sent.
    let record = client.lookup("193.3.3.3").await.unwrap();
    let a = address(&record, "193.3.3.3");
    assert!(a.abuse.is_empty());
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::SourceFailed);
    assert!(a.plan.as_ref().unwrap().rdap_asked);
    let refused: Vec<_> = record.errors.iter().map(|e| (e.stage, e.kind)).collect();
    assert_eq!(refused, [(Stage::Rdap, StepErrorKind::RateLimited)]);
    assert_eq!(world.requests("ripe"), 1);
    let stats = client.stats();
    let answers: Vec<_> = stats.abuse_answers.clone().into_iter().collect();
    assert_eq!(answers, [("abusix".into(), 2), ("rdap".into(), 1)]);
    assert_eq!(stats.rdap_avoided, 2);
    assert_eq!(
        stats.abuse_summary().as_deref(),
        Some("abuse contacts: 2 abusix, 1 rdap; 2 RDAP requests avoided (quota-limited servers)")
    );
}

#[tokio::test]
async fn a_server_that_asked_for_a_long_pause_is_left_alone_while_abusix_answers() {
    // ARIN has no quota, but its first answer is a 429 asking for an hour's pause.
    let world = World::recorded()
        .fault("arin", "ip/", Fault::RateLimit { retry_after: "3600".into() }, Some(1))
        .start()
        .await
        .unwrap();
    let abusix = FakeAbusix::knowing(&[("3.5.0.1", "abuse@amazon.example")]);
    let client = client(&world, abusix.clone(), NetworkDetail::Auto);
    let record = client.lookup("8.8.8.8").await.unwrap();
    let a = address(&record, "8.8.8.8");
    assert_eq!(a.plan.as_ref().unwrap().first, PlanFirst::Rdap);
    assert!(a.abuse.is_empty());
    assert_eq!(world.requests("arin"), 1);
    // The next ARIN address goes to Abusix first, and ARIN is not asked.
    let record = client.lookup("3.5.0.1").await.unwrap();
    let a = address(&record, "3.5.0.1");
    assert_eq!(emails(&a.abuse), ["abuse@amazon.example"]);
    let plan = a.plan.as_ref().unwrap();
    assert_eq!((plan.first, plan.rdap_asked), (PlanFirst::QuotaFree, false));
    let arin = world.service_url("arin");
    let reason = plan.reason.as_deref().unwrap();
    assert!(reason.starts_with(&format!("{arin}: it asked to pause for another ")), "{reason}");
    assert_eq!(world.requests("arin"), 1);
    assert_eq!(abusix.asked(), ["8.8.8.8", "3.5.0.1"]);
    assert_eq!(client.stats().rdap_avoided, 1);
}
