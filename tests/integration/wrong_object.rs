//! An RDAP answer about another object than the one asked is refused as `mismatch`, naming
//! both, and none of its contacts are used (issue #14 item 4). A hostile RDAP server on
//! loopback stands in for one service of the recorded world.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::*;
use whohosts::{Client, HostingRecord, StepError};
use whohosts_testing::World;

/// An HTTP/1.1 server on 127.0.0.1 answering every request with `body` as RDAP JSON;
/// returns its base URL.
async fn hostile_rdap(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rdap+json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    base
}

/// A client for the recorded world whose `service` is replaced by a hostile server that
/// always answers `body`. WHOIS is off: only RDAP is under test.
async fn world_with_hostile(service: &str, body: &str) -> (World, Client) {
    world_with_hostile_under(service, "", body).await
}

/// As [`world_with_hostile`], for the URLs of `service` under `path` only.
async fn world_with_hostile_under(service: &str, path: &str, body: &str) -> (World, Client) {
    let world = World::recorded().start().await.unwrap();
    let hostile = hostile_rdap(body.to_owned()).await;
    let client = world
        .client_builder()
        .rdap_rewrite(format!("{}{path}", world.service_url(service)), format!("{hostile}{path}"))
        .disable_whois()
        .build()
        .unwrap();
    (world, client)
}

fn mismatches(record: &HostingRecord) -> Vec<&StepError> {
    record.errors.iter().filter(|e| e.kind == "mismatch").collect()
}

/// Every email anywhere in the record's JSON.
fn all_json(record: &HostingRecord) -> String {
    serde_json::to_string(record).unwrap()
}

const CLOUDFLARE_NET: &str = include_str!("../fixtures/rdap/ip/arin-104.16.0.0-12-cloudflare.json");
const GOOGLE_NET: &str = include_str!("../fixtures/rdap/ip/arin-8.8.8.0-24-google.json");
const GOOGLE_DOMAIN: &str =
    include_str!("../fixtures/rdap/domain/verisign-google.com-registry-from-vcr.json");
const CLOUDFLARE_DOMAIN: &str =
    include_str!("../fixtures/rdap/domain/verisign-cloudflare.com-registry.json");

#[tokio::test]
async fn network_that_does_not_contain_the_address_is_a_mismatch() {
    let (_world, client) = world_with_hostile("arin", CLOUDFLARE_NET).await;
    let record = client.lookup("8.8.8.8").await.unwrap();
    let address = address(&record, "8.8.8.8");
    assert_eq!(address.network, None);
    assert!(address.abuse.is_empty(), "{:#?}", address.abuse);
    let found = mismatches(&record);
    assert_eq!(found.len(), 1, "{:#?}", record.errors);
    assert_eq!(
        found[0].message,
        "the answer is about the network 104.16.0.0 - 104.31.255.255 (NET-104-16-0-0-1), \
         which does not contain 8.8.8.8"
    );
    assert!(!all_json(&record).contains("abuse@cloudflare.com"));
}

#[tokio::test]
async fn ipv4_network_for_an_ipv6_address_is_a_mismatch() {
    let (_world, client) = world_with_hostile("arin", GOOGLE_NET).await;
    let record = client.lookup("2620:119:35::35").await.unwrap();
    let address = address(&record, "2620:119:35::35");
    assert_eq!(address.network, None);
    assert!(address.abuse.is_empty());
    let found = mismatches(&record);
    assert_eq!(found.len(), 1, "{:#?}", record.errors);
    assert_eq!(
        found[0].message,
        "the answer is about the IPv4 network 8.8.8.0 - 8.8.8.255 (NET-8-8-8-0-2), \
         not about 2620:119:35::35"
    );
    assert!(!all_json(&record).contains("abuse@google.com"));
}

#[tokio::test]
async fn domain_answer_about_another_domain_is_a_mismatch() {
    let (world, client) = world_with_hostile("verisign", GOOGLE_DOMAIN).await;
    let record = client.lookup("cloudflare.com").await.unwrap();
    assert_eq!(record.registrar, None);
    let found = mismatches(&record);
    assert_eq!(found.len(), 1, "{:#?}", record.errors);
    assert_eq!(
        found[0].message,
        "the answer is about the domain google.com, not about cloudflare.com"
    );
    assert!(!all_json(&record).contains("markmonitor"), "{}", all_json(&record));
    // The wrong answer's registrar link is not followed.
    assert_eq!(world.requests("markmonitor"), 0);
    assert_eq!(world.requests("cloudflare-registrar"), 0);
}

#[tokio::test]
async fn registrars_own_answer_about_another_domain_is_a_mismatch() {
    // The registry is right; the registrar's own service answers about google.com.
    let (_world, client) = world_with_hostile("cloudflare-registrar", GOOGLE_DOMAIN).await;
    let record = client.lookup("cloudflare.com").await.unwrap();
    let found = mismatches(&record);
    assert_eq!(found.len(), 1, "{:#?}", record.errors);
    assert_eq!(
        found[0].message,
        "the answer is about the domain google.com, not about cloudflare.com"
    );
    // The registry's facts stay; nothing of the wrong answer is merged in.
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(registrar.iana_id.as_deref(), Some("1910"));
    assert_eq!(emails(&registrar.abuse), vec!["registrar-abuse@cloudflare.com"]);
    assert!(!all_json(&record).contains("markmonitor"));
}

/// Duplicate keys: the last one wins (serde_json's `Value`, and JavaScript's `JSON.parse`).
/// A second `ldhName` naming another domain makes the answer a mismatch.
#[tokio::test]
async fn duplicate_ldh_name_last_one_wins() {
    let duplicated = CLOUDFLARE_DOMAIN.replacen(
        r#""ldhName":"CLOUDFLARE.COM","#,
        r#""ldhName":"CLOUDFLARE.COM","ldhName":"GOOGLE.COM","#,
        1,
    );
    assert_ne!(duplicated, CLOUDFLARE_DOMAIN);
    let (_world, client) = world_with_hostile("verisign", &duplicated).await;
    let record = client.lookup("cloudflare.com").await.unwrap();
    assert_eq!(record.registrar, None);
    assert_eq!(mismatches(&record).len(), 1, "{:#?}", record.errors);

    // The other order: the last `ldhName` is the asked domain, so the answer is used.
    let reversed = CLOUDFLARE_DOMAIN.replacen(
        r#""ldhName":"CLOUDFLARE.COM","#,
        r#""ldhName":"GOOGLE.COM","ldhName":"CLOUDFLARE.COM","#,
        1,
    );
    let (_world, client) = world_with_hostile("verisign", &reversed).await;
    let record = client.lookup("cloudflare.com").await.unwrap();
    assert!(mismatches(&record).is_empty(), "{:#?}", record.errors);
    assert_eq!(record.registrar.as_ref().unwrap().iana_id.as_deref(), Some("1910"));
}

#[tokio::test]
async fn entity_answer_about_another_entity_is_a_mismatch() {
    // registro.br names its abuse entity (CSIOI) without a mailbox, so the entity is fetched;
    // the hostile server answers about another entity, with a mailbox.
    let other = r#"{"objectClassName":"entity","handle":"EVIL-1","roles":["abuse"],
        "vcardArray":["vcard",[["version",{},"text","4.0"],
        ["email",{},"text","attacker@evil.example"]]]}"#;
    let (_world, client) = world_with_hostile_under("registrobr", "entity/", other).await;
    let record = client.lookup("177.0.0.1").await.unwrap();
    let found = mismatches(&record);
    assert_eq!(found.len(), 1, "{:#?}", record.errors);
    assert_eq!(found[0].message, "the answer is about the entity EVIL-1, not about CSIOI");
    assert!(found[0].target.ends_with("entity/CSIOI"), "{}", found[0].target);
    assert!(!all_json(&record).contains("evil.example"));
    // The network itself is still reported.
    assert!(address(&record, "177.0.0.1").network.is_some());
}

#[tokio::test]
async fn parent_network_that_does_not_contain_the_address_gives_no_inherited_contact() {
    // SYNTHESISED child: ARIN's recorded 2021 answer for 8.8.8.0/24 without its abuse POC;
    // its `up` link names 8.0.0.0/9.
    let mut child: serde_json::Value = serde_json::from_str(include_str!(
        "../fixtures/rdap/ip/arin-8.8.8.8-google-2021-from-vcr.json"
    ))
    .unwrap();
    child["entities"]
        .as_array_mut()
        .unwrap()
        .retain(|e| !e["roles"].as_array().unwrap().iter().any(|r| r == "abuse"));
    for entity in child["entities"].as_array_mut().unwrap() {
        if let Some(nested) = entity.get_mut("entities").and_then(|n| n.as_array_mut()) {
            nested.retain(|e| !e["roles"].as_array().unwrap().iter().any(|r| r == "abuse"));
        }
    }
    // SYNTHESISED "parent" answered for the up link, which does not hold 8.8.8.8.
    let parent = serde_json::json!({
        "objectClassName": "ip network",
        "handle": "NET-8-0-0-0-9",
        "startAddress": "8.0.0.0",
        "endAddress": "8.0.255.255",
        "entities": [{"objectClassName": "entity", "handle": "ABUSE-ELSEWHERE",
                      "roles": ["abuse"],
                      "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                               ["email", {}, "text", "abuse@elsewhere.example"]]]}]
    });
    let world = whohosts_testing::WorldBuilder::new()
        .service("arin", &["https://rdap.arin.net/registry/"])
        .claim_ip("arin", "8.0.0.0/8")
        .object("arin", &child.to_string())
        .start()
        .await
        .unwrap();
    // The up link leads to a hostile server (the world itself serves only containing nets).
    let hostile = hostile_rdap(parent.to_string()).await;
    let client = world
        .client_builder()
        .rdap_rewrite(format!("{}ip/8.0.0.0/9", world.service_url("arin")), hostile)
        .disable_whois()
        .build()
        .unwrap();
    let record = client.lookup("8.8.8.8").await.unwrap();
    let a = address(&record, "8.8.8.8");
    assert_eq!(a.network.as_ref().unwrap().handle.as_deref(), Some("NET-8-8-8-0-1"));
    assert!(a.abuse.is_empty(), "{:#?}", a.abuse);
    let found = mismatches(&record);
    assert_eq!(found.len(), 1, "{:#?}", record.errors);
    assert_eq!(
        found[0].message,
        "the answer is about the network 8.0.0.0 - 8.0.255.255 (NET-8-0-0-0-9), \
         which does not contain 8.8.8.8"
    );
    assert_eq!(world.requests("arin"), 1);
}

#[tokio::test]
async fn whois_network_that_does_not_contain_the_address_is_a_mismatch() {
    // ARIN's RDAP fails, so WHOIS is asked; its answer (SYNTHESISED from the recorded one
    // for 8.8.8.8) is about 9.9.9.0/24.
    let text = include_str!("../fixtures/whois/ip/arin__8.8.8.8-google-2026.txt")
        .replace("8.8.8.0 - 8.8.8.255", "9.9.9.0 - 9.9.9.255")
        .replace("8.8.8.0/24", "9.9.9.0/24");
    let (_world, client) = start(
        World::recorded()
            .fault("arin", "ip/", whohosts_testing::Fault::Status(500), None)
            .whois_text("whois.arin.net", "8.8.8.8", &text),
    )
    .await;
    let record = client.lookup("8.8.8.8").await.unwrap();
    let a = address(&record, "8.8.8.8");
    assert!(a.abuse.is_empty(), "{:#?}", a.abuse);
    let found = mismatches(&record);
    assert_eq!(found.len(), 1, "{:#?}", record.errors);
    assert_eq!(found[0].stage, whohosts::Stage::Whois);
    assert_eq!(
        found[0].message,
        "whois.arin.net:43: the answer is about the network 9.9.9.0 - 9.9.9.255, \
         which does not contain 8.8.8.8"
    );
    assert!(!all_json(&record).contains("network-abuse@google.com"));
}
