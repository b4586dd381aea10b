//! Client configuration as plain data: [`Config`] with [`Timeouts`], [`Limits`] and [`Safety`].
//!
//! Every `Default` here is the safe setting for the real internet. Tests against loopback
//! servers loosen [`Safety`] explicitly. Nothing here holds runtime state: the client builds
//! its caches, budget and connections from a `Config` once, in `ClientBuilder::build`.

mod politeness;
mod quota_free;

pub use politeness::{Counting, Learning, Politeness, ServerPolicy, ServerRule};
pub use quota_free::{ABUSIX_ZONE, QuotaFreeSources, RIPESTAT_SOURCEAPP, RIPESTAT_URL};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything a [`Client`](crate::Client) is built from.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Config {
    /// DNS servers to ask (UDP, with TCP fallback). Empty means the system configuration.
    pub nameservers: Vec<SocketAddr>,
    /// A directory holding RFC 9224 bootstrap files (`dns.json`, `ipv4.json`, `ipv6.json`,
    /// `asn.json`) that replaces the embedded IANA snapshot. `None` uses the snapshot.
    pub bootstrap_dir: Option<PathBuf>,
    /// ASN databases, asked in order; the file extension picks the reader (`.mmdb` for
    /// MaxMind format, `.csv` for ip-location-db). Empty means Team Cymru over DNS.
    pub asn_databases: Vec<PathBuf>,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Size and count limits.
    pub limits: Limits,
    /// What the client may connect to.
    pub safety: Safety,
    /// RDAP URL rewrites, `(from, to)` prefix pairs applied to every RDAP URL before it is
    /// asked (bootstrap, links, the IANA registrar list, RIR referrals): for a mirror, a
    /// caching proxy, or a test world standing in for real servers. Default none.
    pub rdap_rewrites: Vec<(String, String)>,
    /// The kind of notice being prepared, if known: providers that publish a separate channel
    /// for it (a copyright form, a CSAM hotline) have that channel put first. Default none.
    pub notice_type: Option<crate::record::NoticeType>,
    /// The User-Agent sent with every HTTP request. Default: `whohosts/<version>` and the
    /// project URL.
    pub user_agent: Option<String>,
    /// Sizes and lifetimes of the caches every lookup of a client shares.
    pub cache: CacheSettings,
    /// Per-server rate limits, concurrency and circuit breaker, with a table of known
    /// published limits.
    pub politeness: Politeness,
    /// How [`Client::lookup_many`](crate::Client::lookup_many) runs (concurrency).
    pub bulk: BulkSettings,
    /// WHOIS (port 43): on/off, server overrides, time and size limits.
    pub whois: WhoisConfig,
    /// Quota-free abuse-contact sources (Abusix over DNS, RIPEstat). Default: both off.
    pub quota_free: QuotaFreeSources,
    /// Keep the record's `query` exactly as given. Default false: userinfo is dropped and
    /// query strings and fragments are redacted (see [`redact_query`](crate::redact_query)),
    /// because they carry credentials.
    pub keep_query_secrets: bool,
    /// How much of an address's network the lookup must fetch when its abuse contact can
    /// come from a quota-free source. Default [`NetworkDetail::Auto`].
    pub network_detail: NetworkDetail,
    /// Where refreshed data files are read from, and when data counts as stale.
    pub data: DataSettings,
}

/// Refreshed data and its age: see [`Client::refresh_data`](crate::Client::refresh_data).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataSettings {
    /// A directory written by a refresh (`bootstrap/*.json`, `providers/ranges.txt`,
    /// `registrars/iana-registrar-ids.csv`, `asn/asn.mmdb` or `asn/asn.csv`): each file there
    /// that is present and valid replaces the embedded snapshot; a bad one is warned about
    /// and the snapshot used. Default none: the embedded snapshots only.
    pub dir: Option<PathBuf>,
    /// Days after its date at which the RDAP bootstrap counts as stale. Default 180.
    pub bootstrap_stale_days: u32,
    /// Days after its date at which the provider ranges count as stale. Default 90.
    pub provider_ranges_stale_days: u32,
    /// Days after its date at which the IANA registrar list counts as stale. Default 180.
    pub registrars_stale_days: u32,
    /// Days after its build date at which a refreshed ASN database counts as stale.
    /// Default 90.
    pub asn_database_stale_days: u32,
    /// The day ages are counted to. Default none: today (UTC). Set it to judge staleness
    /// at a fixed date (tests, reproducible runs).
    pub today: Option<jiff::civil::Date>,
    /// `(set, URL)` pairs that [`Client::refresh_data`](crate::Client::refresh_data) asks
    /// instead of a set's official URL, or at all for the sets without one (a set is named
    /// as [`DataSet::as_str`](crate::DataSet::as_str) gives it: `provider_ranges` for a
    /// ready-made table, `asn_database`, `bootstrap_dns`, …; one provider's range list as
    /// `provider_ranges.<list>`, [`RangeList::as_str`](crate::RangeList::as_str):
    /// `provider_ranges.azure`, …). Default none.
    pub urls: Vec<(String, String)>,
}

impl Default for DataSettings {
    fn default() -> Self {
        Self {
            dir: None,
            bootstrap_stale_days: 180,
            provider_ranges_stale_days: 90,
            registrars_stale_days: 180,
            asn_database_stale_days: 90,
            today: None,
            urls: Vec::new(),
        }
    }
}

/// How much network detail an address needs when its RDAP server is quota-limited (RIPE
/// NCC's daily quota, LACNIC's slow rate) or its budget is spent, and a quota-free
/// [`AbuseSource`](crate::AbuseSource) gave its abuse mailbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetworkDetail {
    /// Do not spend the RDAP quota: the network facts come from the caches and the ASN data,
    /// and RDAP is asked only when the quota-free sources give no mailbox. The default.
    #[default]
    Auto,
    /// Ask RDAP for every address as well (the network's handle, name, range and every
    /// contact), keeping both answers; where their mailboxes differ, both are kept and the
    /// outcome notes it.
    Full,
}

impl NetworkDetail {
    /// The configuration name: `auto` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkDetail::Auto => "auto",
            NetworkDetail::Full => "full",
        }
    }
}

/// Time limits. Defaults suit public RDAP servers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Timeouts {
    /// One HTTP request, connect to last byte. Default 10 s.
    pub http_request: Duration,
    /// Connecting to an HTTP server. Default 5 s.
    pub http_connect: Duration,
    /// One DNS query attempt. Default 3 s.
    pub dns: Duration,
    /// The longest single pause a `Retry-After` may impose before a retry. Default 10 s;
    /// a longer pause fails the request instead (rate limited).
    pub max_retry_after: Duration,
    /// First backoff before retrying a 5xx or a transport error; doubles each retry.
    /// Default 250 ms.
    pub retry_backoff: Duration,
    /// The whole lookup: steps still running when it passes are recorded as timed out and
    /// every finished step keeps its facts. Default 60 s. Working time only: the clock
    /// stops while the lookup waits its turn behind a server's politeness budget.
    pub lookup: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            http_request: Duration::from_secs(10),
            http_connect: Duration::from_secs(5),
            dns: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(10),
            retry_backoff: Duration::from_millis(250),
            lookup: Duration::from_secs(60),
        }
    }
}

/// Size and count limits.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// Largest HTTP response body accepted, in bytes. Default 4 MiB.
    pub max_response_bytes: usize,
    /// Redirects followed per request. Default 5.
    pub max_redirects: usize,
    /// Retries per request after a 429, a 5xx or a transport error. Default 2.
    pub max_retries: u32,
    /// Addresses examined per name (network facts are fetched for each). Default 16.
    pub max_addresses: usize,
    /// CNAME chain length followed. Default 16.
    pub max_cname_chain: usize,
    /// Entity nesting depth walked in RDAP answers. Default 8.
    pub max_entity_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_response_bytes: 4 * 1024 * 1024,
            max_redirects: 5,
            max_retries: 2,
            max_addresses: 16,
            max_cname_chain: 16,
            max_entity_depth: 8,
        }
    }
}

/// What the client may connect to. The default is the safe setting: HTTPS only, public
/// addresses only.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Safety {
    /// Allow plain `http://` RDAP URLs (from the bootstrap, redirects or links). Default false.
    pub allow_http: bool,
    /// Allow connecting to private, loopback, link-local and other non-public addresses.
    /// Default false.
    pub allow_private: bool,
    /// With `allow_private`, narrow the non-public addresses allowed to these networks
    /// (e.g. `127.0.0.1/32`). Empty (the default) allows every non-public address once
    /// `allow_private` is set. Public addresses are not affected.
    pub allow_nets: Vec<ipnet::IpNet>,
}

/// WHOIS (port 43) settings: used after RDAP and its override list, and for the abuse
/// mailbox of networks whose RDAP answer has none. The defaults suit the real internet.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WhoisConfig {
    /// Ask WHOIS servers at all. Default true.
    pub enabled: bool,
    /// Server overrides as `(key, "host:port")` pairs (`IP:port` and `[IPv6]:port` too; port
    /// 43 when omitted). A key that names a registry (`arin`, `ripe`, `apnic`, `lacnic`,
    /// `afrinic`, `registro.br`, `iana`) or a server host (`whois.nic.co`, any name of three
    /// labels or more, or starting with `whois.`) redirects connections for that server
    /// (facts keep the server's name); any other key is a TLD or suffix (`co`, `co.uk`) whose
    /// domains are asked at the given server. A suffix key serves every name below it, over
    /// the shipped table's longer suffixes (`ua` also serves `x.lviv.ua`), unless a longer
    /// configured key says otherwise (`lviv.ua`). Default: none.
    pub servers: Vec<(String, String)>,
    /// Connecting to a server (all its addresses together). Default 5 s.
    pub connect_timeout: Duration,
    /// Sending the query and reading the whole answer. Default 10 s.
    pub read_timeout: Duration,
    /// Largest answer accepted, in bytes. Default 1 MiB.
    pub max_response_bytes: usize,
    /// Referrals followed per lookup (IANA → registry → registrar, ARIN → another RIR).
    /// Default 3.
    pub max_referrals: usize,
}

impl Default for WhoisConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            servers: Vec::new(),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            max_referrals: 3,
        }
    }
}

/// Sizes and lifetimes of a client's caches. `Default` suits a bulk run of hours over
/// millions of inputs in a few hundred MiB.
///
/// Shared by every lookup of a client: RDAP responses by URL (404s for the negative TTL),
/// registration facts by registrable domain, IP network answers by address (and by range
/// for leaf assignments), ASN answers by address (and by prefix when the prefix is a /24 or
/// /48, the longest routed). Concurrent requests for the same object are sent once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheSettings {
    /// How long an answer is reused. Default 1 hour. Zero disables caching (in-flight
    /// requests are still joined).
    pub ttl: Duration,
    /// How long a negative answer (RDAP 404, NXDOMAIN, no ASN) is reused. Default 10
    /// minutes.
    pub negative_ttl: Duration,
    /// How long registration or network facts that a source *failed* to give (timeout,
    /// transport error, 5xx, rate limit, a broken answer) are reused, so that a burst of
    /// lookups under one domain does not re-ask a server that just failed. Default 30
    /// seconds; zero keeps none. Facts cut short by a lookup's own deadline are never kept.
    pub error_ttl: Duration,
    /// Bytes of RDAP response bodies kept. Default 32 MiB.
    pub response_max_bytes: usize,
    /// RDAP responses kept. Default 50,000.
    pub response_max_entries: usize,
    /// Registrable domains whose registration facts are kept. Default 20,000.
    pub registration_max_entries: usize,
    /// IP network answers kept (by address and by range). Default 20,000.
    pub network_max_entries: usize,
    /// ASN answers kept (by address and by prefix). Default 50,000.
    pub asn_max_entries: usize,
    /// Reuse a network answer for other addresses inside its range when the answer is a
    /// *leaf assignment* — an RDAP `type` that registry policy does not subdivide
    /// (`ASSIGNED PA`, `ASSIGNED PI`, `ASSIGNED PORTABLE`, `ASSIGNED NON-PORTABLE`,
    /// `ASSIGNED ANYCAST`, LACNIC's `ASSIGNED`, ARIN's `REASSIGNMENT`). An allocation (an
    /// ISP's block) only ever answers for the address that was asked, since a customer block
    /// inside it may exist. Default true; false asks once per address.
    pub network_range_reuse: bool,
    /// Reuse an ASN answer for other addresses in its prefix when the prefix is as long as
    /// routes get (/24, /48). Default true; false asks once per address.
    pub asn_prefix_reuse: bool,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(3600),
            negative_ttl: Duration::from_secs(600),
            error_ttl: Duration::from_secs(30),
            response_max_bytes: 32 * 1024 * 1024,
            response_max_entries: 50_000,
            registration_max_entries: 20_000,
            network_max_entries: 20_000,
            asn_max_entries: 50_000,
            network_range_reuse: true,
            asn_prefix_reuse: true,
        }
    }
}

/// How [`Client::lookup_many`](crate::Client::lookup_many) runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkSettings {
    /// Lookups working at once. Default 64. Per-server limits
    /// ([`Politeness`](crate::Politeness)) still apply underneath.
    pub concurrency: usize,
    /// Lookups that may wait their turn — behind a rate-limited server, or for another
    /// lookup's request for the same object — without holding one of the `concurrency`
    /// slots, so that a slow server's queue does not hold back lookups that need other
    /// servers. Default 1,024; at most `concurrency + max_waiting` lookups are in flight.
    pub max_waiting: usize,
    /// Yield results in input order (a slow lookup holds back the ones after it). Default
    /// false: results come as they finish.
    pub ordered: bool,
}

impl Default for BulkSettings {
    fn default() -> Self {
        Self { concurrency: 64, max_waiting: 1024, ordered: false }
    }
}
