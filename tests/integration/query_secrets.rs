//! Credentials in the query never reach the record or its summary unless the caller keeps
//! them on purpose; a zoned IPv6 address is refused by name (issue #14, items 10 and 12).

use crate::support::*;
use whohosts::{Client, Error, InputError};
use whohosts_testing::World;

const WITH_SECRETS: &str = "https://user:secret@www.cloudflare.com/path?token=abc";

#[tokio::test]
async fn userinfo_dropped_and_query_string_redacted_by_default() {
    let (_world, record) = lookup_recorded(WITH_SECRETS).await;
    assert_eq!(record.query, "https://www.cloudflare.com/path?REDACTED");
    assert_eq!(record.domain.as_deref(), Some("www.cloudflare.com"));
    let json = serde_json::to_string(&record).unwrap();
    let summary = record.summary();
    for text in [json.as_str(), summary.as_str()] {
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("token"), "{text}");
        assert!(!text.contains("user:"), "{text}");
    }
}

#[tokio::test]
async fn keep_query_secrets_keeps_the_query_as_given() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().keep_query_secrets(true).build().unwrap();
    let record = client.lookup(WITH_SECRETS).await.unwrap();
    assert_eq!(record.query, WITH_SECRETS);
}

#[tokio::test]
async fn zone_id_is_refused_as_unsupported() {
    let client = Client::builder().nameservers(["127.0.0.1:9".parse().unwrap()]).build().unwrap();
    match client.lookup("fe80::1%eth0").await {
        Err(Error::Input(e)) => {
            assert_eq!(e, InputError::ZoneId { address: "fe80::1%eth0".into() });
            assert_eq!(e.to_string(), "\"fe80::1%eth0\": zone ids are not supported");
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}
