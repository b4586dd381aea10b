//! Results people can act on (issue #15): every notice target has a channel, and a party
//! without one is left out with an outcome saying why; one mailbox with several phone numbers
//! is one channel with every number, each as published and in E.164 form.

use futures_util::StreamExt;
use whohosts::{HostingRecord, OutcomeStatus, Party};
use whohosts_testing::World;

use crate::support::*;

/// Every query the recorded world answers with addresses or a registration.
const RECORDED: &[&str] = &[
    "cloudflare.com",
    "www.cloudflare.com",
    "https://www.cloudflare.com/abuse?x=1",
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
    "8.8.8.8",
    "1.1.1.1",
    "193.0.6.139",
    "200.3.14.10",
    "196.216.2.6",
    "200.160.2.3",
    "203.119.101.61",
    "2620:119:35::35",
    "104.16.132.229",
];

/// The notice targets of `record` without any channel, as `party name for`.
fn channel_less(record: &HostingRecord) -> Vec<String> {
    record
        .notice_targets
        .iter()
        .filter(|t| t.channels.iter().all(|c| c.is_empty()))
        .map(|t| format!("{:?} {:?} {}", t.party, t.name, t.for_))
        .collect()
}

/// Each (party, for) has one outcome at most.
fn assert_one_outcome_each(record: &HostingRecord) {
    let mut keys: Vec<_> = record.outcomes.iter().map(|o| (o.party, o.for_.as_str())).collect();
    let all = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all, "{}: {:#?}", record.query, record.outcomes);
}

/// Before issue #15, 398 of the 1,398 notice targets of this world (28.5 %) had no channel:
/// the AS above a host whose registration's contacts are the host's (RIPE-ISP3 …), and
/// registrars publishing no abuse contact (NAMESHIELD, the unnamed .cz registrars). Now none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_notice_target_without_a_channel_in_a_generated_world() {
    let generated = World::generated(500, 1);
    let inputs: Vec<String> = generated.inputs(500).collect();
    let world = generated.into_builder().start().await.unwrap();
    let client = world.client_builder().bulk_concurrency(16).build().unwrap();
    let results: Vec<_> = client.lookup_many(inputs).collect().await;
    assert_eq!(results.len(), 500);
    let (mut targets, mut left_out) = (0, 0);
    for (input, result) in &results {
        let record = result.as_ref().unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(channel_less(record), Vec::<String>::new(), "{input}");
        assert_one_outcome_each(record);
        targets += record.notice_targets.len();
        left_out += record
            .outcomes
            .iter()
            .filter(|o| o.outcome.detail.as_deref().is_some_and(|d| d.starts_with("no channel")))
            .count();
    }
    assert_eq!((targets, left_out), (1000, 300));
}

#[tokio::test]
async fn no_notice_target_without_a_channel_in_the_recorded_world() {
    let (_world, client) = start(World::recorded()).await;
    for query in RECORDED {
        let record = client.lookup(query).await.unwrap();
        assert_eq!(channel_less(&record), Vec::<String>::new(), "{query}");
        assert_one_outcome_each(&record);
    }
}

/// registro.br's RDAP network for 200.160.2.3 names an abuse entity (FAN) without any email,
/// phone or web form, and WHOIS has nothing: NIC.BR was listed as `direct_hosting` with no
/// channel. Now nobody is listed, and the address's outcome says why.
#[tokio::test]
async fn a_host_without_channel_is_left_out_with_its_outcome() {
    let (_world, record) = lookup_recorded("200.160.2.3").await;
    assert_eq!(record.notice_targets, []);
    let hosting: Vec<_> = record.outcomes.iter().filter(|o| o.party == Party::Hosting).collect();
    assert_eq!(hosting.len(), 1, "{:#?}", record.outcomes);
    assert_eq!(hosting[0].for_, "200.160.2.3");
    assert_eq!(hosting[0].outcome.status, OutcomeStatus::NonePublished);
}

/// afrinic.net (196.216.2.6): AFRINIC holds and hosts it (abuse mailbox from WHOIS); the AS
/// above (AFRINIC-ZA-JNB-AS) was listed as `network_above_host` with no channel. Now AFRINIC
/// only, and the network's outcome says why.
#[tokio::test]
async fn a_network_without_channel_is_left_out_with_an_outcome_saying_why() {
    let (_world, record) = lookup_recorded("afrinic.net").await;
    let listed: Vec<_> =
        record.notice_targets.iter().map(|t| (t.party, t.reason.as_str())).collect();
    assert_eq!(listed, [(Party::Hosting, "direct_hosting")]);
    let network: Vec<_> = record.outcomes.iter().filter(|o| o.party == Party::Network).collect();
    assert_eq!(network.len(), 1, "{:#?}", record.outcomes);
    assert_eq!(network[0].for_, "196.216.2.6");
    assert_eq!(network[0].outcome.status, OutcomeStatus::NonePublished);
    assert_eq!(
        network[0].outcome.detail.as_deref(),
        Some(
            "no channel known: the provider directory lists none for AFRINIC-ZA-JNB-AS, and \
             the address's RDAP/WHOIS abuse contacts are the host's"
        )
    );
}

/// cloudflare.com's registrar mailbox: Cloudflare's registrar RDAP gives `+1.4153197517`,
/// Verisign's copy `+1.6503198930`. One contact, both numbers (the registrar's own first),
/// each as published and in E.164 form, with both answers as sources; the summary shows the
/// mailbox once.
#[tokio::test]
async fn the_cloudflare_registrar_mailbox_has_both_numbers() {
    let (world, record) = lookup_recorded("cloudflare.com").await;
    let registrar = record.registrar.as_ref().unwrap();
    let mailbox: Vec<_> = registrar
        .abuse
        .iter()
        .filter(|c| c.email.as_deref() == Some("registrar-abuse@cloudflare.com"))
        .collect();
    assert_eq!(mailbox.len(), 1, "{:#?}", registrar.abuse);
    let c = mailbox[0];
    assert_eq!(c.phone.as_deref(), Some("+1.4153197517"));
    let phones: Vec<_> = c.phones.iter().map(|p| (p.text.as_str(), p.e164.as_deref())).collect();
    assert_eq!(
        phones,
        [("+1.4153197517", Some("+14153197517")), ("+1.6503198930", Some("+16503198930"))]
    );
    let urls: Vec<_> = c.sources.iter().filter_map(|s| s.url.as_deref()).collect();
    assert_eq!(
        urls,
        [
            format!("{}domain/CLOUDFLARE.COM", world.service_url("cloudflare-registrar")),
            format!("{}domain/cloudflare.com", world.service_url("verisign")),
        ]
    );
    let target = record.notice_targets.iter().find(|t| t.party == Party::Registrar).unwrap();
    let listed: Vec<_> = target.channels.iter().filter_map(|c| c.email.as_deref()).collect();
    assert_eq!(listed, ["registrar-abuse@cloudflare.com"]);
    let summary = record.summary();
    assert_eq!(
        summary.matches("registrar-abuse@cloudflare.com, tel +14153197517 / +16503198930").count(),
        2,
        "{summary}"
    );
    assert_eq!(summary.matches("registrar-abuse@cloudflare.com").count(), 2, "{summary}");
}

/// The JSON of a contact: `phones` after `phone`, each `{text, e164}`; a schema 2 contact
/// without `phones` still reads.
#[tokio::test]
async fn phones_in_the_record_json() {
    let (_world, record) = lookup_recorded("cloudflare.com").await;
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["schema_version"], 4);
    let registrar = &json["registrar"]["abuse"][0];
    assert_eq!(registrar["phone"], "+1.4153197517");
    assert_eq!(
        registrar["phones"],
        serde_json::json!([
            {"text": "+1.4153197517", "e164": "+14153197517"},
            {"text": "+1.6503198930", "e164": "+16503198930"}
        ])
    );
    let v2 = r#"{"name":null,"email":"abuse@example.net","phone":"+1 555 0100","web":null,
        "role":"abuse","source_url":null,"sources":[],"inherited_from":null,"notice_types":[]}"#;
    let contact: whohosts::Contact = serde_json::from_str(v2).unwrap();
    assert_eq!(contact.phone.as_deref(), Some("+1 555 0100"));
    assert!(contact.phones.is_empty());
}
