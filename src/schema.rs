//! The record's JSON Schema, derived from the Rust types of `record.rs` (feature `schema`).
//!
//! This module owns how the schema is generated (draft 2020-12, describing what a record
//! *serializes* to: every field that is always written is required) and nothing else. The
//! types carry their own `schemars` derives and the annotations for their hand-written
//! serializers; the copy committed as `schema/record.v4.json` is this function's output, and
//! a test (`tests/schema.rs`) fails when the two differ.

use crate::record::{HostingRecord, SCHEMA_VERSION};

/// The JSON Schema (draft 2020-12) of [`HostingRecord`] as whohosts writes it, at
/// [`SCHEMA_VERSION`]: the same text as `schema/record.v4.json` in the source repository.
///
/// Only with the `schema` feature.
///
/// # Example
///
/// ```
/// let schema = whohosts::record_schema();
/// assert_eq!(schema["title"], "HostingRecord");
/// assert!(schema["required"].as_array().unwrap().contains(&"abuse_contacts".into()));
/// ```
#[must_use]
pub fn record_schema() -> serde_json::Value {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<HostingRecord>();
    schema.insert(
        "$id".to_owned(),
        format!("https://github.com/whohosts/whohosts/schema/record.v{SCHEMA_VERSION}.json").into(),
    );
    schema.to_value()
}
