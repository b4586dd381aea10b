//! Shared helpers: start a world, look up, find things in a record.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use whohosts::{
    AddressRecord, Client, ClientBuilder, Contact, HostingRecord, ServerPolicy, StepError,
};
use whohosts_testing::{World, WorldBuilder};

/// Start `builder` and a client pointed at it.
pub(crate) async fn start(builder: WorldBuilder) -> (World, Client) {
    let world = builder.start().await.expect("world starts");
    let client = world.client_builder().build().expect("client builds");
    (world, client)
}

/// A client builder for `world` whose ARIN service allows one request per `every`.
pub(crate) fn arin_one_request_per(world: &World, every: Duration) -> ClientBuilder {
    world
        .client_builder()
        .server_policy(&world.service_url("arin"), ServerPolicy::new(1, every, 1, 8))
}

/// Look up `query` in a fresh recorded world.
pub(crate) async fn lookup_recorded(query: &str) -> (World, HostingRecord) {
    let (world, client) = start(World::recorded()).await;
    let record = client.lookup(query).await.expect("lookup returns a record");
    (world, record)
}

/// The address record for `ip`.
pub(crate) fn address<'a>(record: &'a HostingRecord, ip: &str) -> &'a AddressRecord {
    let ip: std::net::IpAddr = ip.parse().unwrap();
    record
        .addresses
        .iter()
        .find(|a| a.ip == ip)
        .unwrap_or_else(|| panic!("no address {ip} in {:#?}", record.addresses))
}

/// The emails of a contact list, in order.
pub(crate) fn emails(contacts: &[Contact]) -> Vec<&str> {
    contacts.iter().filter_map(|c| c.email.as_deref()).collect()
}

/// (stage, kind, target) of every error, for exact comparison.
pub(crate) fn error_keys(errors: &[StepError]) -> Vec<(String, String, String)> {
    errors
        .iter()
        .map(|e| {
            let stage = serde_json::to_value(e.stage).unwrap().as_str().unwrap().to_owned();
            (stage, e.kind.to_string(), e.target.clone())
        })
        .collect()
}

/// LACNIC's recorded ASSIGNED /22, moved to a customer /24 inside ANTEL's recorded /17
/// allocation (both in tests/fixtures/rdap/ip).
pub(crate) fn customer_block_inside_antel() -> String {
    let text = include_str!("../fixtures/rdap/ip/lacnic-200.3.12.0-22-lacnic.json");
    let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
    let object = value.as_object_mut().unwrap();
    object.insert("startAddress".into(), "200.40.5.0".into());
    object.insert("endAddress".into(), "200.40.5.255".into());
    object.insert("handle".into(), "200.40.5.0/24".into());
    object.insert("parentHandle".into(), "200.40.0.0/17".into());
    object.insert(
        "cidr0_cidrs".into(),
        serde_json::json!([{ "v4prefix": "200.40.5.0", "length": 24 }]),
    );
    value.to_string()
}

/// Collects the messages and fields of `WARN` events, as a log would show them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Warnings(pub(crate) Arc<Mutex<Vec<String>>>);

impl Visit for Warnings {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if let Some(last) = self.0.lock().unwrap().last_mut() {
            last.push_str(&format!(" {}={value:?}", field.name()));
        }
    }
}

impl Subscriber for Warnings {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::WARN
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        self.0.lock().unwrap().push(String::new());
        event.record(&mut self.clone());
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}
