//! [`Client`] and [`ClientBuilder`]: construction and the state shared by every lookup.
//!
//! This file owns what a client *is* (configuration, resolver, HTTP client, bootstrap, ASN
//! sources, all behind one `Arc`); the order in which a lookup uses them lives in
//! `lookup.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::asn::AsnSource;
use crate::config::Config;
use crate::error::{ConfigError, Error};
use crate::record::HostingRecord;

/// A cheap-to-clone handle that looks up domains, URLs and IPs.
///
/// Clones share one resolver, one HTTP connection pool and one bootstrap.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = whohosts::Client::builder().build()?;
/// let record = client.lookup("https://www.example.com/a?b").await?;
/// for contact in &record.abuse_contacts {
///     println!("{:?} {:?}", contact.party, contact.contact.email);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<crate::lookup::Shared>,
}

impl Client {
    /// A builder with the real-internet defaults (system DNS, embedded IANA bootstrap,
    /// Team Cymru for ASNs, HTTPS only, public addresses only).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Look up one query: a domain, host name, URL or IP address.
    ///
    /// Returns `Err` only when the query cannot be looked up at all (see
    /// [`InputError`](crate::InputError)). Sources that fail are recorded in
    /// [`HostingRecord::errors`] and the rest of the record is still returned.
    pub async fn lookup(&self, query: &str) -> Result<HostingRecord, Error> {
        crate::lookup::run(&self.inner, query, None).await
    }

    /// [`lookup`](Self::lookup), telling `observer` when the lookup waits its turn (bulk).
    pub(crate) async fn lookup_observed(
        &self,
        query: &str,
        observer: Arc<dyn crate::deadline::WaitObserver>,
    ) -> Result<HostingRecord, Error> {
        crate::lookup::run(&self.inner, query, Some(observer)).await
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Look up many queries: a stream yielding exactly one `(input, result)` per input, as
    /// lookups finish (unordered unless [`BulkSettings::ordered`](crate::BulkSettings)).
    ///
    /// At most [`BulkSettings::concurrency`](crate::BulkSettings) lookups (default 64) work
    /// at once and inputs are pulled only when a slot frees, so memory does not grow with
    /// the input; a lookup waiting its turn behind a rate-limited server gives its slot to
    /// the next input meanwhile (up to [`BulkSettings::max_waiting`](crate::BulkSettings)). Every lookup shares this client's caches and per-server limits. Run it on
    /// a tokio runtime; each lookup is a task of its own.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::StreamExt;
    /// let client = whohosts::Client::builder().build()?;
    /// let mut results = client.lookup_many(["example.com", "example.org", "192.0.2.1"]);
    /// while let Some((input, result)) = results.next().await {
    ///     match result {
    ///         Ok(record) => println!("{input}: {} abuse contacts", record.abuse_contacts.len()),
    ///         Err(e) => println!("{input}: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn lookup_many<I>(
        &self,
        inputs: I,
    ) -> impl futures_util::Stream<Item = crate::BulkItem> + Send + 'static
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<String>,
    {
        let bulk = &self.inner.config.bulk;
        crate::bulk::lookup_iter(self.clone(), inputs, bulk, bulk.ordered)
    }

    /// [`lookup_many`](Self::lookup_many), yielding results in input order.
    pub fn lookup_many_ordered<I>(
        &self,
        inputs: I,
    ) -> impl futures_util::Stream<Item = crate::BulkItem> + Send + 'static
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<String>,
    {
        crate::bulk::lookup_iter(self.clone(), inputs, &self.inner.config.bulk, true)
    }

    /// [`lookup_many`](Self::lookup_many) over a stream of queries (e.g. lines read
    /// asynchronously), pulled as slots free.
    pub fn lookup_stream<S>(
        &self,
        inputs: S,
    ) -> impl futures_util::Stream<Item = crate::BulkItem> + Send + 'static
    where
        S: futures_util::Stream + Send + 'static,
        S::Item: Into<String>,
    {
        let bulk = &self.inner.config.bulk;
        crate::bulk::lookup_stream(self.clone(), inputs, bulk, bulk.ordered)
    }

    /// What this client (all its clones) has done so far: requests per server, cache hits,
    /// coalesced requests, retries, rate limits, fast failures.
    pub fn stats(&self) -> crate::Stats {
        crate::cache::ClientState::of(&self.inner.config).telemetry.snapshot()
    }
}

/// Builds a [`Client`]. Every setter says its default.
#[must_use]
#[derive(Debug, Default)]
pub struct ClientBuilder {
    config: Config,
    asn_sources: Vec<Arc<dyn AsnSource>>,
}

impl ClientBuilder {
    /// A builder from a whole [`Config`].
    pub fn from_config(config: Config) -> Self {
        Self { config, asn_sources: Vec::new() }
    }

    /// Ask these DNS servers (UDP with TCP fallback). Default: the system configuration.
    pub fn nameservers(mut self, servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        self.config.nameservers = servers.into_iter().collect();
        self
    }

    /// Add one DNS server, given as `IP` or `IP:PORT` (port 53 when omitted).
    pub fn nameserver(mut self, server: &str) -> Result<Self, ConfigError> {
        let addr = parse_nameserver(server)?;
        self.config.nameservers.push(addr);
        Ok(self)
    }

    /// Read RFC 9224 bootstrap files from `dir` instead of the embedded IANA snapshot.
    /// Default: the embedded snapshot.
    pub fn bootstrap_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.bootstrap_dir = Some(dir.into());
        self
    }

    /// Use an ASN database file (`.mmdb` or ip-location-db `.csv`), asked after any added
    /// before it. Choosing a database replaces the Team Cymru default.
    pub fn asn_database(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.asn_databases.push(path.into());
        self
    }

    /// Add a custom ASN source, asked after the databases. Adding one replaces the Team Cymru
    /// default.
    pub fn asn_source(mut self, source: Arc<dyn AsnSource>) -> Self {
        self.asn_sources.push(source);
        self
    }

    /// Time limit for one HTTP request. Default 10 s.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.http_request = timeout;
        self
    }

    /// Time limit for one DNS query attempt. Default 3 s.
    pub fn dns_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.dns = timeout;
        self
    }

    /// Deadline for a whole lookup; steps still running then are recorded as timed out and
    /// finished steps keep their facts. Default 60 s. It counts working time: its clock
    /// stops while the lookup waits its turn behind a server's politeness budget (or for
    /// another lookup's request for the same object), so a bulk run queued behind a slow
    /// rate limit finishes instead of timing out. Facts a lookup's deadline cut short are
    /// never cached.
    pub fn lookup_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.lookup = timeout;
        self
    }

    /// First pause before retrying a failed request; doubles with each retry. Default 250 ms.
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.config.timeouts.retry_backoff = backoff;
        self
    }

    /// Retries per HTTP request after 429, 5xx or a transport error. Default 2.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.config.limits.max_retries = retries;
        self
    }

    /// Largest HTTP response body accepted, in bytes. Default 4 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.config.limits.max_response_bytes = bytes;
        self
    }

    /// Addresses examined per name (network facts are fetched for each). Default 16.
    pub fn max_addresses(mut self, max: usize) -> Self {
        self.config.limits.max_addresses = max;
        self
    }

    /// CNAME chain length followed. Default 16.
    pub fn max_cname_chain(mut self, max: usize) -> Self {
        self.config.limits.max_cname_chain = max;
        self
    }

    /// Redirects followed per HTTP request. Default 5.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.config.limits.max_redirects = max;
        self
    }

    /// Entity nesting depth walked in RDAP answers. Default 8.
    pub fn max_entity_depth(mut self, max: usize) -> Self {
        self.config.limits.max_entity_depth = max;
        self
    }

    /// The User-Agent header. Default `whohosts/<version> (+project URL)`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.config.user_agent = Some(agent.into());
        self
    }

    /// Ask RDAP URLs starting with `from` at `to` instead (prefix rewrite; repeatable), e.g.
    /// a mirror or a test server standing in for a real one. Default none.
    pub fn rdap_rewrite(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.config.rdap_rewrites.push((from.into(), to.into()));
        self
    }

    /// The kind of notice being prepared: channels published for it come first in
    /// `abuse_contacts` and `notice_targets`. Default none (general abuse channels).
    pub fn notice_type(mut self, notice: crate::record::NoticeType) -> Self {
        self.config.notice_type = Some(notice);
        self
    }

    /// Allow plain-HTTP RDAP URLs. Default false (HTTPS only).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.config.safety.allow_http = allow;
        self
    }

    /// Allow connections to private, loopback and other non-public addresses. Default false.
    pub fn allow_private(mut self, allow: bool) -> Self {
        self.config.safety.allow_private = allow;
        self
    }

    /// With [`allow_private`](Self::allow_private), allow only non-public addresses inside
    /// `net` (repeatable), e.g. `127.0.0.1/32` for tests. Default: every non-public address
    /// once `allow_private` is set.
    pub fn allow_net(mut self, net: ipnet::IpNet) -> Self {
        self.config.safety.allow_nets.push(net);
        self
    }

    /// Cache sizes and lifetimes. Default [`CacheSettings::default`](crate::CacheSettings):
    /// 1 h, 10 min for negative answers, 32 MiB of responses.
    pub fn cache(mut self, cache: crate::CacheSettings) -> Self {
        self.config.cache = cache;
        self
    }

    /// The whole politeness table. Default
    /// [`Politeness::default`](crate::Politeness): the known published limits.
    pub fn politeness(mut self, politeness: crate::Politeness) -> Self {
        self.config.politeness = politeness;
        self
    }

    /// Apply `policy` to servers matching `pattern` (a host name, or a URL prefix such as
    /// `https://rdap.example/`), ahead of every other rule. Default: the table in
    /// [`Politeness`](crate::Politeness).
    pub fn server_policy(mut self, pattern: &str, policy: crate::ServerPolicy) -> Self {
        let rule = crate::ServerRule::new(pattern, policy, "set by the caller");
        self.config.politeness = std::mem::take(&mut self.config.politeness).with_rule(rule);
        self
    }

    /// Lookups working at once in [`Client::lookup_many`]. Default 64.
    pub fn bulk_concurrency(mut self, lookups: usize) -> Self {
        self.config.bulk.concurrency = lookups.max(1);
        self
    }

    /// Lookups that may wait their turn behind a rate-limited server in
    /// [`Client::lookup_many`] without holding a working slot. Default 1,024; see
    /// [`BulkSettings::max_waiting`](crate::BulkSettings::max_waiting).
    pub fn bulk_max_waiting(mut self, lookups: usize) -> Self {
        self.config.bulk.max_waiting = lookups;
        self
    }

    /// Ask WHOIS `server` (`host`, `host:port`, `IP:port`) for `key`: a TLD or suffix (`co`,
    /// `co.uk`), or a registry (`arin`, `ripe`, `apnic`, `lacnic`, `afrinic`, `registro.br`,
    /// `iana`) or server host (`whois.nic.co`) whose connections go to `server` instead.
    /// Repeatable; see [`WhoisConfig::servers`](crate::WhoisConfig). Default: the shipped
    /// table and IANA's referrals.
    pub fn whois_server(mut self, key: &str, server: &str) -> Self {
        self.config.whois.servers.push((key.to_owned(), server.to_owned()));
        self
    }

    /// Never ask WHOIS (port 43) servers. Default: WHOIS is used after RDAP.
    pub fn disable_whois(mut self) -> Self {
        self.config.whois.enabled = false;
        self
    }

    /// Time limits for WHOIS: connecting, and reading one whole answer. Default 5 s and 10 s.
    pub fn whois_timeout(mut self, connect: Duration, read: Duration) -> Self {
        self.config.whois.connect_timeout = connect;
        self.config.whois.read_timeout = read;
        self
    }

    /// Keep the record's `query` exactly as given, credentials included. Default false:
    /// userinfo is dropped and query strings are redacted (see
    /// [`redact_query`](crate::redact_query)).
    pub fn keep_query_secrets(mut self, keep: bool) -> Self {
        self.config.keep_query_secrets = keep;
        self
    }

    /// Build the client. Fails on unusable configuration (unreadable bootstrap directory or
    /// ASN database, unreadable system DNS configuration).
    pub fn build(mut self) -> Result<Client, Error> {
        // A fresh cache, budget and counters for every built client, even from a cloned
        // Config.
        self.config.state = crate::cache::StateSlot::default();
        let shared = crate::lookup::Shared::new(self.config, self.asn_sources)?;
        Ok(Client { inner: Arc::new(shared) })
    }
}

/// Parse `IP`, `IP:PORT` or `[IPv6]:PORT`.
pub(crate) fn parse_nameserver(value: &str) -> Result<SocketAddr, ConfigError> {
    let bad = || ConfigError::Nameserver { value: value.to_owned() };
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let ip = value.parse::<std::net::IpAddr>().map_err(|_| bad())?;
    Ok(SocketAddr::new(ip, 53))
}
