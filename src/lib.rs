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
//! - Pluggable seams, each a small object-safe trait with an in-memory or built-in default,
//!   set on the [`ClientBuilder`]:
//!   - [`AsnSource`] for IP-to-ASN data: [`CymruSource`] (default, over DNS), [`MmdbSource`],
//!     [`CsvRangeSource`], or your own; [`AsnChain`] asks them in order;
//!   - [`AbuseSource`] for an address's abuse contact beside RDAP and WHOIS (none by default):
//!     the quota-free [`AbusixSource`] (Abusix Abuse ContactDB over DNS) and
//!     [`RipeStatSource`] (RIPEstat Data API), switched on with [`QuotaFreeSources`], or your own;
//!   - [`ResponseCache`] for RDAP responses ([`MemoryResponseCache`] by default;
//!     `DiskCache` keeps them across runs, `RedisCache` across processes);
//!   - [`RateBudget`] for per-server permits, pauses and breakers ([`LocalBudget`] by
//!     default, keeping daily quotas across runs in a [`BudgetStore`]; `RedisBudget`, shared
//!     by several processes, replaces it).
//! - [`notices::group`] turns many records into one batch per party and channel, for the
//!   notices a takedown team sends, with their files and a self-contained HTML report.
//! - [`Error`] is returned only when no lookup can run: bad input ([`InputError`]) or bad
//!   configuration ([`ConfigError`]). A failing source is a [`SourceError`], recorded in the
//!   record as a [`StepError`].
//!
//! # Features
//!
//! - `persistent-cache` (default): [`DiskCache`], RDAP responses and hourly/daily rate
//!   budgets kept between runs in one [redb](https://www.redb.org) file
//!   ([`ClientBuilder::disk_cache`]). Without it (`default-features = false`) the library
//!   pulls neither redb nor `directories`, and caches in memory only.
//! - `notices` (on with `cli`): `notices::NoticeTemplate`, the notice bodies of
//!   [`notices`] rendered from a replaceable minijinja template. Grouping, the tables and
//!   the HTML report need no feature.
//! - `redis` (off by default): scale-out through one Redis (or Valkey) server shared by
//!   every worker (`ClientBuilder::redis` with a `Redis` handle): `RedisCache`, the RDAP
//!   and WHOIS answers with their TTLs (a fact one worker fetched is not fetched again by
//!   another), and `RedisBudget`, each server's token bucket (one atomic server-side
//!   script, GCRA on Redis' clock), `Retry-After` pauses and circuit breakers, shared. A
//!   Redis that is down never fails a lookup: it is a cache miss and a per-process budget,
//!   with a warning. `RedisQueue` holds a bulk job's inputs and results as streams that any
//!   number of workers take from and complete, each input exactly once.
//!
//! The loopback test world that whohosts' own
//! tests, benches and examples use (DNS, RDAP and WHOIS servers on 127.0.0.1 serving real
//! recorded answers) is a separate crate of this workspace, `whohosts-testing`; add it as a
//! dev-dependency to test your own tools offline. Building the library pulls none of it.
//!
//! # Layout
//!
//! Data flows one way, and imports point one way (a test, `tests/architecture.rs`, fails on
//! any import cycle or any arrow back up these layers):
//!
//! | layer | modules | owns |
//! |---|---|---|
//! | api | `client.rs`, `bulk/`, `results/`, `refresh/`, `notices/` | the client and its state, built once; many lookups at once; records as CSV rows and summary counts; refreshing the data sets and loading them; records grouped into notice batches, their files and report |
//! | pipeline | `lookup.rs` | the stage order: input → DNS → per-address facts ∥ registration facts → record |
//! | stages | `network.rs`, `registration.rs` | per-address ASN/RDAP/WHOIS/abuse facts; registry → registrar → WHOIS |
//! | notices | `notice.rs`, `summary.rs` | the one party rule, `abuse_contacts` and `notice_targets`; the text summary |
//! | hosting | `provider/`, `contacts.rs` | who hosts an address (ranges, ASNs, CNAMEs, platforms, directory) |
//! | sources | `rdap/`, `whois/`, `asn/`, `dns.rs`, `abuse.rs` + `abuse/` | asking and reading each kind of source |
//! | transport and caches | `transport/`, `cache/` | HTTP policy, address guard, rate budget; caches and the one coalescer |
//! | foundation | `config/`, `record.rs`, `error.rs`, `input.rs`, `clock.rs`, `deadline.rs`, `stats.rs`, `channel.rs`, `fields.rs`, `registries.rs`, `future.rs`, `text.rs` | plain data and pure rules |
#![cfg_attr(docsrs, feature(doc_cfg))]
// Library code never panics on input or network data: no unwrap, expect or unchecked
// indexing outside tests (issue #8). Tests assert with them freely.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

mod abuse;
mod asn;
mod bulk;
mod cache;
mod channel;
mod client;
mod clock;
mod config;
mod contacts;
mod deadline;
mod dns;
mod error;
mod fields;
mod future;
mod input;
mod lookup;
mod network;
mod notice;
pub mod notices;
mod provider;
mod rdap;
mod record;
mod refresh;
mod registration;
mod registries;
mod results;
mod rir;
mod stats;
mod summary;
#[cfg(test)]
mod test_support;
pub mod text;
mod transport;
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

pub use abuse::{AbuseChain, AbuseSource, AbusixSource, RipeStatAnswer, RipeStatSource};
pub use asn::{
    AsnChain, AsnOutcome, AsnSource, CsvRangeSource, CymruSource, MmdbSource, open_database,
};
pub use bulk::{BulkItem, DEFAULT_MAX_LINE, InputLine, InputLines, LineProblem};
#[cfg(feature = "redis")]
pub use bulk::{QueueStatus, QueuedInput, QueuedResult, RedisQueue};
pub use cache::{BudgetStore, CachedResponse, MemoryResponseCache, ResponseCache, SavedBucket};
#[cfg(feature = "persistent-cache")]
pub use cache::{DiskCache, DiskCacheError, DiskCacheKindStats, DiskCacheStats};
#[cfg(feature = "redis")]
pub use cache::{Redis, RedisCache};
pub use client::{Client, ClientBuilder};
pub use config::{
    ABUSIX_ZONE, BulkSettings, CacheSettings, Config, Counting, DataSettings, Learning, Limits,
    NetworkDetail, Politeness, QuotaFreeSources, RIPESTAT_SOURCEAPP, RIPESTAT_URL, Safety,
    ServerPolicy, ServerRule, Timeouts, WhoisConfig,
};
pub use error::{ConfigError, Error, InputError, SourceError, SourceErrorKind, TemplateError};
pub use future::BoxFuture;
pub use input::{DomainQuery, Query, redact_query};
pub use record::{
    AbuseContact, AbusePlan, AddressRecord, Asn, AsnSourceName, Contact, ContactRole, DataVersions,
    DnsFacts, Evidence, EvidenceKind, FallbackReason, HostingProvider, HostingRecord, IpBlock,
    Network, NoticeReason, NoticeTarget, NoticeType, Outcome, OutcomeStatus, Party, PartyOutcome,
    Phone, PlanFirst, Platform, ProviderKind, Registrar, Registry, Rir, SCHEMA_VERSION, Source,
    SourceKind, Stage, StepError, StepErrorKind,
};
pub use refresh::{
    DataSet, DataVersion, ListReport, RangeList, RefreshReport, Refresher, SetOutcome, SetReport,
};
pub use results::{
    CSV_COLUMNS, CompletedInputs, CsvResume, CsvSink, JsonlSink, PartyCount, RecordSink,
    ResultsTally, completed_inputs, completed_inputs_csv, csv_resume, csv_rows,
};
pub use stats::Stats;

/// The network type of the record's `cidrs` and `prefix` fields (from the `ipnet` crate),
/// re-exported so that an embedder needs no matching version of its own.
pub use ipnet::IpNet;
/// The time type of the record's `resolved_at` and `fetched_at` fields (from the `jiff`
/// crate), re-exported for the same reason.
pub use jiff::Timestamp;
pub use transport::budget::{AttemptOutcome, BudgetState, LocalBudget, Permit, RateBudget};
#[cfg(feature = "redis")]
pub use transport::redis_budget::RedisBudget;
