//! Every party's outcome is explicit: found, redacted, none_published, source_failed,
//! not_applicable — an empty contact list is never the only signal.

use crate::support::*;
use whohosts::{OutcomeStatus, Party};
use whohosts_testing::{Fault, World};

fn outcome(record: &whohosts::HostingRecord, party: Party) -> OutcomeStatus {
    record.outcomes.iter().find(|o| o.party == party).map(|o| o.outcome.status).unwrap()
}

#[tokio::test]
async fn found_and_not_applicable() {
    let (_world, record) = lookup_recorded("8.8.8.8").await;
    assert_eq!(outcome(&record, Party::Hosting), OutcomeStatus::Found);
    assert_eq!(outcome(&record, Party::Registrar), OutcomeStatus::NotApplicable);
    assert_eq!(outcome(&record, Party::Registry), OutcomeStatus::NotApplicable);
}

#[tokio::test]
async fn registrar_abuse_redacted() {
    // SYNTHESISED from the recorded Verisign answer for cloudflare.com: the domain renamed
    // and the registrar's abuse mailbox and phone replaced by a redaction marker.
    let recorded = include_str!("../fixtures/rdap/domain/verisign-cloudflare.com-registry.json");
    let redacted = recorded
        .replace("CLOUDFLARE.COM", "REDACTEDSHOP.COM")
        .replace("registrar-abuse@cloudflare.com", "REDACTED FOR PRIVACY")
        .replace("tel:+1.6503198930", "REDACTED FOR PRIVACY");
    let (world, client) = start(World::recorded().object("verisign", &redacted)).await;
    let record = client.lookup("redactedshop.com").await.unwrap();
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.iana_id.as_deref(), Some("1910"));
    assert!(registrar.abuse.is_empty(), "{:#?}", registrar.abuse);
    assert_eq!(registrar.abuse_outcome.status, OutcomeStatus::Redacted);
    assert_eq!(outcome(&record, Party::Registrar), OutcomeStatus::Redacted);
    // The registrar's own answer was asked (and has nothing for this name).
    assert_eq!(world.requests("cloudflare-registrar"), 1);
}

#[tokio::test]
async fn none_published_and_source_failed() {
    let world =
        World::recorded().fault("ripe", "ip/", Fault::Status(500), None).start().await.unwrap();
    let client = world.client_builder().disable_whois().build().unwrap();
    // AFRINIC publishes no abuse entity, and WHOIS is off. AFRINIC holds the network and
    // hosts the address, so the outcome is the host's.
    let record = client.lookup("196.216.2.6").await.unwrap();
    assert_eq!(outcome(&record, Party::Hosting), OutcomeStatus::NonePublished);
    // RIPE's RDAP fails, and WHOIS is off.
    let record = client.lookup("193.0.6.139").await.unwrap();
    let status = record.outcomes[0].outcome.status;
    assert_eq!(status, OutcomeStatus::SourceFailed);
    assert!(record.outcomes[0].outcome.detail.as_deref().unwrap().contains("500"));
}
