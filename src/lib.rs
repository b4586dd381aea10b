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
//! - [`Lookup`] is the one-method trait that code looking things up can depend on:
//!   [`Client`] implements it, and so does [`FakeLookup`], which answers your own tests from
//!   facts declared in a few lines per domain ([`FakeDomain`], [`FakeAddress`]), with no
//!   network, in records built by the client's own rules (see
//!   [Testing your code against whohosts](#testing-your-code-against-whohosts)).
//! - [`Error`] is returned only when no lookup can run: bad input ([`InputError`]) or bad
//!   configuration ([`ConfigError`]). A failing source is a [`SourceError`], recorded in the
//!   record as a [`StepError`].
//!
//! # What a lookup does, stage by stage
//!
//! [`Client::lookup`] runs one pipeline (`lookup.rs` is the only code that knows the order).
//! The examples below run against the loopback test world of the `whohosts-testing`
//! dev-dependency (real recorded RDAP answers, synthesised DNS and Team Cymru data, every
//! server on 127.0.0.1), so they need no network and assert exact facts.
//!
//! 1. **Input.** The text is parsed into a [`Query`]: a host name (from a name or a URL of
//!    any scheme; IDNA A-labels and Unicode, lower case) with its registrable domain from
//!    the ICANN section of the Public Suffix List, or an IP literal. Only bad input is an
//!    `Err` ([`InputError`]); everything after this stage is recorded, never returned as
//!    an error.
//!
//!    ```
//!    let query = whohosts::Query::parse("https://WWW.Cloudflare.com/abuse?x=1")?;
//!    let domain = query.domain().expect("a host name");
//!    assert_eq!(domain.ascii, "www.cloudflare.com");
//!    assert_eq!(domain.registrable, "cloudflare.com");
//!    assert_eq!(domain.public_suffix, "com");
//!    assert!(whohosts::Query::parse("co.uk").is_err()); // a public suffix, not a domain
//!    # Ok::<(), whohosts::InputError>(())
//!    ```
//!
//! 2. **DNS.** A and AAAA of the name (following its CNAME chain) and NS of the registrable
//!    domain, concurrently: [`DnsFacts`].
//! 3. **Per address**, concurrently: the origin AS from the [`AsnSource`]s ([`Asn`]), the
//!    RDAP network from the RIR the IANA bootstrap names ([`Network`], climbing to parent
//!    networks for an abuse contact), the hosting provider from the shipped range, ASN and
//!    CNAME tables ([`HostingProvider`]), and the abuse contacts ([`Contact`]) from RDAP,
//!    WHOIS or the quota-free sources, in the order of the address's [`AbusePlan`].
//! 4. **Registration**, in parallel with 3: the registry's RDAP answer for the registrable
//!    domain, then the registrar's own answer through the registry's link ([`Registry`],
//!    [`Registrar`]); WHOIS where there is no RDAP or it fails.
//! 5. **The record.** Every channel is flattened into [`AbuseContact`]s (party, subject,
//!    contact); [`PartyOutcome`]s say, per party, whether a contact was found, redacted,
//!    never published or not reachable; [`NoticeTarget`]s say whom to notify first.
//!
//! ```
//! use whohosts::{AsnSourceName, Party, Rir};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let world = whohosts_testing::World::recorded().start().await?;
//! let client = world.client_builder().build()?; // the world's DNS, RDAP and bootstrap
//! let record = client.lookup("https://www.cloudflare.com/abuse?x=1").await?;
//!
//! // 1. Input: the query as given (secrets redacted), the name and its registrable domain.
//! assert_eq!(record.query, "https://www.cloudflare.com/abuse?REDACTED");
//! assert_eq!(record.registrable_domain.as_deref(), Some("cloudflare.com"));
//!
//! // 2. DNS: the CNAME chain and the addresses at its end.
//! assert_eq!(record.dns.cname_chain, ["www.cloudflare.com.cdn.cloudflare.net"]);
//! let ips: Vec<String> = record.dns.addresses.iter().map(|ip| ip.to_string()).collect();
//! assert_eq!(ips, ["104.16.123.96", "104.16.124.96"]);
//!
//! // 3. Per address: origin AS (Team Cymru), RDAP network (ARIN), provider, abuse contact.
//! let first = &record.addresses[0];
//! let asn = first.asn.as_ref().expect("an origin AS");
//! assert_eq!((asn.number, &asn.source), (13335, &AsnSourceName::Cymru));
//! let network = first.network.as_ref().expect("an RDAP network");
//! assert_eq!(network.handle.as_deref(), Some("NET-104-16-0-0-1"));
//! assert_eq!(network.rir, Some(Rir::Arin));
//! assert_eq!(first.hosting_provider.as_ref().map(|p| p.name.as_str()), Some("Cloudflare"));
//!
//! // 4. Registration: the registry (Verisign, .com) and the registrar's own answer.
//! assert_eq!(record.registry.as_ref().map(|r| r.tld.as_str()), Some("com"));
//! let registrar = record.registrar.as_ref().expect("a registrar");
//! assert_eq!(registrar.iana_id.as_deref(), Some("1910"));
//!
//! // 5. The record: every channel flattened, the CDN in front first.
//! let contact = &record.abuse_contacts[0];
//! assert_eq!((contact.party, contact.for_.as_str()), (Party::Cdn, "104.16.123.96"));
//! assert_eq!(contact.contact.web.as_deref(), Some("https://abuse.cloudflare.com/"));
//! assert!(record.errors.is_empty());
//! # Ok(()) }
//! ```
//!
//! A step that fails costs only its own facts: it becomes a [`StepError`] in `errors`, and
//! what the other steps found is kept. `microsoft.click` is registered but has no address:
//!
//! ```
//! use whohosts::{Stage, StepErrorKind};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let world = whohosts_testing::World::recorded().start().await?;
//! let client = world.client_builder().build()?;
//! let record = client.lookup("microsoft.click").await?;
//! let dns_error = &record.errors[0];
//! assert_eq!((dns_error.stage, dns_error.kind), (Stage::Dns, StepErrorKind::NxDomain));
//! assert!(record.addresses.is_empty());
//! // The registration stage still found the registrar (MarkMonitor, IANA ID 292).
//! let registrar = record.registrar.as_ref().expect("a registrar");
//! assert_eq!(registrar.iana_id.as_deref(), Some("292"));
//! # Ok(()) }
//! ```
//!
//! The guides go further: [choosing data sources](guide::choosing_sources) and
//! [safety](guide::safety).
//!
//! # Features
//!
//! Lean defaults: the sources a lookup needs, nothing else (the README's "Cargo features"
//! table gives what each adds to the dependency tree).
//!
//! - `rustls` (default): HTTPS for RDAP, RIPEstat and data refresh. Without it an HTTPS
//!   request is a `transport` step error saying so.
//! - `cymru` (default): `CymruSource`, the ASN source when none is given.
//! - `rdap` (default): the RDAP client. Without it the stages go to WHOIS and each record
//!   says in `errors` that RDAP is not built in.
//! - `whois` (default): the WHOIS (port 43) client, RDAP's fallback.
//! - `providers-data` (default): the shipped cloud/CDN range table; without it ranges come
//!   only from a refresh ([`Refresher`]).
//! - `mmdb`: `MmdbSource` and `.mmdb` files in [`open_database`].
//! - `quota-free-sources`: `AbusixSource` and `RipeStatSource` ([`QuotaFreeSources`]).
//! - `persistent-cache`: `DiskCache`, RDAP responses and hourly/daily rate budgets kept
//!   between runs in one [redb](https://www.redb.org) file (`ClientBuilder::disk_cache`).
//! - `notices`: `notices::NoticeTemplate`, the notice bodies of [`notices`] rendered from a
//!   replaceable minijinja template. Grouping, the tables and the HTML report need no
//!   feature.
//! - `redis`: scale-out through one Redis (or Valkey) server shared by every worker
//!   (`ClientBuilder::redis` with a `Redis` handle): `RedisCache`, the RDAP and WHOIS
//!   answers with their TTLs (a fact one worker fetched is not fetched again by another),
//!   and `RedisBudget`, each server's token bucket (one atomic server-side script, GCRA on
//!   Redis' clock), `Retry-After` pauses and circuit breakers, shared. A Redis that is down
//!   never fails a lookup: it is a cache miss and a per-process budget, with a warning.
//!   `RedisQueue` holds a bulk job's inputs and results as streams that any number of
//!   workers take from and complete, each input exactly once.
//! - `schema`: `record_schema`, the record's JSON Schema derived from these types with
//!   `schemars` (the same text as `schema/record.v4.json`).
//! - `cli`: the `whohosts` command, with every feature above but `schema`.
//!
//! A configuration that asks for a left-out feature fails to build its client with
//! [`ConfigError::FeatureMissing`].
//!
//! To test code that uses whohosts, write it against the [`Lookup`] trait and give it a
//! [`FakeLookup`] in tests: a few lines per fake domain, no network.
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
//! | api | `client.rs`, `seam.rs`, `fake.rs`, `bulk/`, `results/`, `refresh/`, `notices/` | the client and its state, built once; the `Lookup` seam and the fake for users' tests; many lookups at once; records as CSV rows and summary counts; refreshing the data sets and loading them; records grouped into notice batches, their files and report |
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
mod fake;
mod fields;
mod future;
pub mod guide;
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
#[cfg(feature = "schema")]
mod schema;
mod seam;
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

pub use abuse::{AbuseChain, AbuseSource};
#[cfg(feature = "quota-free-sources")]
#[cfg_attr(docsrs, doc(cfg(feature = "quota-free-sources")))]
pub use abuse::{AbusixSource, RipeStatAnswer, RipeStatSource};
#[cfg(feature = "cymru")]
#[cfg_attr(docsrs, doc(cfg(feature = "cymru")))]
pub use asn::CymruSource;
#[cfg(feature = "mmdb")]
#[cfg_attr(docsrs, doc(cfg(feature = "mmdb")))]
pub use asn::MmdbSource;
pub use asn::{AsnChain, AsnOutcome, AsnSource, CsvRangeSource, open_database};
pub use bulk::{BulkItem, DEFAULT_MAX_LINE, InputLine, InputLines, LineProblem};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use bulk::{QueueStatus, QueuedInput, QueuedResult, RedisQueue};
pub use cache::{BudgetStore, CachedResponse, MemoryResponseCache, ResponseCache, SavedBucket};
#[cfg(feature = "persistent-cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "persistent-cache")))]
pub use cache::{DiskCache, DiskCacheError, DiskCacheKindStats, DiskCacheStats};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use cache::{Redis, RedisCache};
pub use client::{Client, ClientBuilder};
pub use config::{
    ABUSIX_ZONE, BulkSettings, CacheSettings, Config, Counting, DataSettings, Learning, Limits,
    NetworkDetail, Politeness, QuotaFreeSources, RIPESTAT_SOURCEAPP, RIPESTAT_URL, Safety,
    ServerPolicy, ServerRule, Timeouts, WhoisConfig,
};
pub use error::{ConfigError, Error, InputError, SourceError, SourceErrorKind, TemplateError};
pub use fake::{FakeAddress, FakeDomain, FakeLookup};
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
#[cfg(feature = "schema")]
#[cfg_attr(docsrs, doc(cfg(feature = "schema")))]
pub use schema::record_schema;
pub use seam::Lookup;
pub use stats::Stats;

/// The network type of the record's `cidrs` and `prefix` fields (from the `ipnet` crate),
/// re-exported so that an embedder needs no matching version of its own.
pub use ipnet::IpNet;
/// The time type of the record's `resolved_at` and `fetched_at` fields (from the `jiff`
/// crate), re-exported for the same reason.
pub use jiff::Timestamp;
pub use transport::budget::{AttemptOutcome, BudgetState, LocalBudget, Permit, RateBudget};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use transport::redis_budget::RedisBudget;
