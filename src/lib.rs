#![doc = include_str!("../README.md")]
//!
//! # Overview
//!
//! - [`Client`] (built by [`ClientBuilder`] from a [`Config`]) runs lookups; clones share
//!   one resolver, one HTTP pool, one bootstrap and the ASN sources.
//! - [`Client::lookup`] takes a domain, URL or IP ([`Query`]) and returns a
//!   [`HostingRecord`]: [`DnsFacts`], one [`AddressRecord`] per address (with [`Asn`],
//!   [`Network`], [`HostingProvider`] and abuse [`Contact`]s), the [`Registrar`] and
//!   [`Registry`], every channel flattened into [`AbuseContact`]s, and [`StepError`]s for
//!   the steps that failed.
//! - [`AsnSource`] is the seam for IP-to-ASN data: [`CymruSource`] (default, over DNS),
//!   [`MmdbSource`], [`CsvRangeSource`], or your own; [`AsnChain`] asks them in order.
//! - [`Error`] is returned only when no lookup can run: bad input ([`InputError`]) or bad
//!   configuration ([`ConfigError`]). A failing source is a [`SourceError`], recorded in the
//!   record as a [`StepError`].
//!
//! # Features
//!
//! None: the default build is the whole library. The loopback test world that whohosts' own
//! tests, benches and examples use (DNS, RDAP and WHOIS servers on 127.0.0.1 serving real
//! recorded answers) is a separate crate of this workspace, `whohosts-testing`; add it as a
//! dev-dependency to test your own tools offline. Building the library pulls none of it.
//!
//! # Layout
//!
//! Data flows one way: input (`input.rs`) → DNS (`dns.rs`) → per-address network facts
//! (`stage_network.rs` over `asn/`, `rdap/`, `whois/`) → registration facts
//! (`stage_registration.rs`) → who hosts it (`provider/`) → record (`record.rs`,
//! `contacts.rs`). `lookup.rs` is the only file that knows the order. `http.rs` owns every
//! HTTP request (with `cache.rs` and `politeness.rs`), and `guard.rs` decides which addresses
//! may be connected to.
#![cfg_attr(docsrs, feature(doc_cfg))]
// Library code never panics on input or network data: no unwrap, expect or unchecked
// indexing outside tests (issue #8). Tests assert with them freely.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

mod asn;
mod bulk;
mod cache;
mod client;
mod config;
mod contacts;
mod deadline;
mod dns;
mod error;
mod guard;
mod http;
mod input;
mod lookup;
mod politeness;
mod provider;
mod rdap;
mod record;
mod registries;
mod stage_network;
mod stage_registration;
mod stats;
mod summary;
#[cfg(test)]
mod test_support;
mod whois;

/// Golden-test support for `tests/golden.rs` and `tests/corpus.rs`, behind the private
/// feature `__golden`; not an API (see `src/rdap/golden.rs`).
#[cfg(feature = "__golden")]
#[doc(hidden)]
pub use rdap::golden as __golden;

/// Bench support for `benches/lookup.rs`, behind the private feature `__bench`; not an API
/// (see `src/rdap/bench_support.rs`).
#[cfg(feature = "__bench")]
#[doc(hidden)]
pub use rdap::bench_support as __bench;

pub use asn::{
    AsnChain, AsnOutcome, AsnSource, BoxFuture, CsvRangeSource, CymruSource, MmdbSource,
    open_database,
};
pub use bulk::{BulkItem, BulkSettings, CompletedInputs, JsonlSink, RecordSink, completed_inputs};
pub use cache::CacheSettings;
pub use client::{Client, ClientBuilder};
pub use config::{Config, Limits, Safety, Timeouts, WhoisConfig};
pub use error::{ConfigError, Error, InputError, SourceError, SourceErrorKind};
pub use input::{DomainQuery, Query};
pub use politeness::{Politeness, ServerPolicy, ServerRule};
pub use record::{
    AbuseContact, AddressRecord, Asn, Contact, DnsFacts, Evidence, HostingProvider, HostingRecord,
    Network, NoticeTarget, NoticeType, Outcome, OutcomeStatus, Party, PartyOutcome, Platform,
    ProviderKind, Registrar, Registry, SCHEMA_VERSION, Source, SourceKind, Stage, StepError,
};
pub use stats::Stats;
