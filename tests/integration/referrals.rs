//! Following the registries' own pointers: a stand-in answer from a registry that does not
//! manage the space leads to the one that does, and a network without an abuse contact
//! inherits its parent's, marked as inherited. Both worlds hold SYNTHESISED objects (no such
//! answers were recorded), built from recorded ones where possible.

use serde_json::{Value, json};

use crate::support::*;
use whohosts::OutcomeStatus;
use whohosts::Rir;
use whohosts_testing::{World, WorldBuilder};

#[tokio::test]
async fn stand_in_answer_leads_to_the_managing_registry() {
    // SYNTHESISED: RIPE's generic answer for space it does not manage, linking to ARIN.
    let stand_in = json!({
        "objectClassName": "ip network",
        "handle": "8.0.0.0 - 8.255.255.255",
        "name": "NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK",
        "startAddress": "8.0.0.0",
        "endAddress": "8.255.255.255",
        "remarks": [{"description": ["IPv4 address block not managed by the RIPE NCC"]}],
        "links": [{"rel": "related", "href": "https://rdap.arin.net/registry/ip/8.8.8.8",
                   "type": "application/rdap+json"}],
        "entities": [{"objectClassName": "entity", "handle": "RIPE-NCC-HM-MNT", "roles": ["abuse"],
                      "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                               ["fn", {}, "text", "RIPE NCC"],
                                               ["email", {}, "text", "abuse@ripe.net"]]]}],
        "port43": "whois.ripe.net"
    });
    // The bootstrap sends 8.8.8.0/24 to RIPE (more specific than ARIN's 8.0.0.0/8).
    let (world, client) = start(
        World::recorded().claim_ip("ripe", "8.8.8.0/24").object("ripe", &stand_in.to_string()),
    )
    .await;
    let record = client.lookup("8.8.8.8").await.unwrap();
    let a = address(&record, "8.8.8.8");
    let arin = format!("{}ip/8.8.8.8", world.service_url("arin"));
    assert_eq!(emails(&a.abuse), vec!["network-abuse@google.com"]);
    assert_eq!(a.abuse[0].source_url.as_deref(), Some(arin.as_str()));
    let net = a.network.as_ref().unwrap();
    assert_eq!(net.source_url.as_deref(), Some(arin.as_str()), "the final source is recorded");
    assert_eq!(net.rir, Some(Rir::Arin));
    assert!(
        !record.abuse_contacts.iter().any(|c| c.contact.email.as_deref() == Some("abuse@ripe.net"))
    );
    assert_eq!(world.requests("ripe"), 1);
    assert_eq!(world.requests("arin"), 1);
}

/// Remove every entity with role `abuse`, at any depth.
fn strip_abuse(value: &mut Value) {
    if let Some(entities) = value.get_mut("entities").and_then(Value::as_array_mut) {
        entities.retain(|e| !e["roles"].as_array().is_some_and(|r| r.iter().any(|r| r == "abuse")));
        for entity in entities {
            strip_abuse(entity);
        }
    }
}

#[tokio::test]
async fn network_without_abuse_contact_inherits_its_parents() {
    // SYNTHESISED child: ARIN's recorded 2021 answer for 8.8.8.0/24 without its abuse POC
    // (it keeps its `up` link to 8.0.0.0/9).
    let mut child: Value = serde_json::from_str(include_str!(
        "../fixtures/rdap/ip/arin-8.8.8.8-google-2021-from-vcr.json"
    ))
    .unwrap();
    strip_abuse(&mut child);
    // SYNTHESISED parent allocation with a placeholder mailbox.
    let parent = json!({
        "objectClassName": "ip network",
        "handle": "NET-8-0-0-0-1",
        "name": "PARENT-ALLOCATION",
        "startAddress": "8.0.0.0",
        "endAddress": "8.127.255.255",
        "type": "DIRECT ALLOCATION",
        "port43": "whois.arin.net",
        "entities": [{"objectClassName": "entity", "handle": "ABUSE-PARENT-ARIN",
                      "roles": ["abuse"],
                      "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                               ["fn", {}, "text", "Abuse"],
                                               ["email", {}, "text", "abuse@parent.example"]]]}]
    });
    let builder = WorldBuilder::new()
        .service("arin", &["https://rdap.arin.net/registry/"])
        .claim_ip("arin", "8.0.0.0/8")
        .object("arin", &child.to_string())
        .object("arin", &parent.to_string());
    let world = builder.start().await.unwrap();
    let client = world.client_builder().disable_whois().build().unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    let a = address(&record, "8.8.8.8");
    assert!(a.network.is_some(), "{:#?}", record.errors);
    assert_eq!(a.network.as_ref().unwrap().handle.as_deref(), Some("NET-8-8-8-0-1"));
    assert_eq!(emails(&a.abuse), vec!["abuse@parent.example"]);
    assert_eq!(a.abuse[0].inherited_from.as_deref(), Some("NET-8-0-0-0-1"));
    assert_eq!(a.abuse_outcome.status, OutcomeStatus::Found);
    assert!(a.abuse_outcome.detail.as_deref().unwrap().contains("NET-8-0-0-0-1"));
    assert_eq!(world.requests("arin"), 2);
}
