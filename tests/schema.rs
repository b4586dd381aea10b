//! The record's JSON Schema: the committed `schema/record.v4.json` is what the Rust types
//! derive (feature `schema`), and every record the test world produces validates against it.
//!
//! Regenerate the committed file after a change to `src/record.rs`:
//! `WHOHOSTS_BLESS=1 cargo test --features schema --test schema`
//! (or `cargo run --features schema --example schema > schema/record.v4.json`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use futures_util::StreamExt;

use whohosts::{HostingRecord, SCHEMA_VERSION};
use whohosts_testing::{FaultMix, World};

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(format!("record.v{SCHEMA_VERSION}.json"))
}

/// The schema as committed: pretty JSON with a final newline.
fn rendered() -> String {
    let mut text = serde_json::to_string_pretty(&whohosts::record_schema()).unwrap();
    text.push('\n');
    text
}

#[test]
fn committed_schema_is_what_the_types_derive() {
    let path = committed_path();
    let derived = rendered();
    if std::env::var_os("WHOHOSTS_BLESS").is_some() {
        std::fs::write(&path, &derived).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == derived,
        "{} differs from the schema the Rust types derive (src/record.rs changed?).\n\
         If the change is intended, raise SCHEMA_VERSION when the record changes shape, note it \
         in CHANGELOG.md, and regenerate the file:\n  \
         WHOHOSTS_BLESS=1 cargo test --features schema --test schema",
        path.display()
    );
}

#[test]
fn schema_names_its_version_and_the_required_fields() {
    let schema = whohosts::record_schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["$id"], "https://github.com/whohosts/whohosts/schema/record.v4.json");
    let required: Vec<&str> =
        schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    // Every top-level field is always written.
    assert_eq!(
        required,
        [
            "schema_version",
            "query",
            "domain",
            "domain_unicode",
            "registrable_domain",
            "resolved_at",
            "dns",
            "addresses",
            "registrar",
            "registry",
            "abuse_contacts",
            "errors",
            "outcomes",
            "origin_hidden",
            "platform",
            "notice_targets",
            "data"
        ]
    );
    let defs = &schema["$defs"];
    // `asn_database` is skipped when absent, so it is not required.
    let data_required = defs["DataVersions"]["required"].as_array().unwrap();
    assert!(!data_required.contains(&"asn_database".into()), "{data_required:?}");
    // `for` is the JSON name of `for_`, and the flattened contact's fields sit beside it.
    let flat = &defs["AbuseContact"]["properties"];
    assert!(flat.get("for").is_some() && flat.get("for_").is_none(), "{flat:#}");
    assert!(flat.get("email").is_some() && flat.get("contact").is_none(), "{flat:#}");
    // Hand-written serializers: timestamps and prefixes are strings; closed enums list
    // their strings, open ones take any.
    assert_eq!(schema["properties"]["resolved_at"]["type"], "string");
    assert_eq!(schema["properties"]["resolved_at"]["format"], "date-time");
    assert_eq!(defs["Network"]["properties"]["cidrs"]["items"]["type"], "string");
    assert_eq!(defs["IpBlock"]["type"], "string");
    assert!(defs["StepErrorKind"]["enum"].as_array().unwrap().contains(&"circuit_open".into()));
    assert_eq!(defs["Rir"]["type"], "string");
    assert!(defs["Rir"].get("enum").is_none());
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&whohosts::record_schema()).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, record: &HostingRecord) {
    let json = serde_json::to_value(record).unwrap();
    let problems: Vec<String> =
        validator.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(problems.is_empty(), "{}: {problems:#?}\n{json:#}", record.query);
}

/// The recorded world's lookups (the demo's inputs and the presets' other names), with
/// RDAP first and with the quota-free sources first.
#[tokio::test]
async fn every_recorded_world_record_validates() {
    let world = World::recorded().start().await.unwrap();
    let validator = validator();
    let inputs = [
        "https://www.cloudflare.com/abuse?x=1",
        "microsoft.click",
        "resolver1.ipv6-sandbox.opendns.com",
        "8.8.8.8",
        "193.0.6.139",
        "1.1.1.1",
        "200.3.14.10",
        "196.216.2.6",
        "cloudflare.com",
        "google.com",
        "dns.google",
        "one.one.one.one",
        "afnic.fr",
        "unknown-name.example",
        "2620:119:35::35",
    ];
    let mut checked = 0;
    for builder in [world.client_builder(), world.quota_free_client_builder()] {
        let client = builder.build().unwrap();
        for input in inputs {
            let record = client.lookup(input).await.unwrap();
            assert_valid(&validator, &record);
            checked += 1;
        }
    }
    assert_eq!(checked, 30);

    // The check can fail: a record that lost a field, or whose field changed type, is refused.
    let record = world.client_builder().build().unwrap().lookup("cloudflare.com").await.unwrap();
    let json = serde_json::to_value(&record).unwrap();
    let mut missing = json.clone();
    missing.as_object_mut().unwrap().remove("abuse_contacts");
    let mut retyped = json.clone();
    retyped["addresses"][0]["asn"]["number"] = "AS13335".into();
    let mut unknown_kind = json;
    unknown_kind["addresses"][0]["abuse_outcome"]["status"] = "maybe".into();
    for broken in [missing, retyped, unknown_kind] {
        assert!(!validator.is_valid(&broken), "{broken:#}");
    }
}

/// A generated world of 300 domains, with every kind of injected fault at 5 % (so the
/// records carry errors and partial facts too) and the quota-free sources on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_world_record_validates() {
    let generated =
        World::generated_with_faults(300, 7, &FaultMix::every_kind(50, None)).with_quota_free(true);
    let inputs: Vec<String> = generated.inputs(300).collect();
    let world = generated.builder().start().await.unwrap();
    let validator = validator();
    let client = world.quota_free_client_builder().build().unwrap();
    let mut checked = 0;
    let mut with_errors = 0;
    let results: Vec<_> = client.lookup_many(inputs).collect().await;
    for (_, result) in results {
        let record = result.unwrap();
        with_errors += usize::from(!record.errors.is_empty());
        assert_valid(&validator, &record);
        checked += 1;
    }
    assert_eq!(checked, 300);
    assert!(with_errors > 0, "the fault mix put no error in any record");
}
