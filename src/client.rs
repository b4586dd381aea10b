//! [`Client`] and [`ClientBuilder`]: construction and the state shared by every lookup.
//!
//! This file owns what a client *is*: [`ClientBuilder::build`] turns a plain [`Config`] and
//! the injected seams (ASN sources, response cache, rate budget) into the resolver, the HTTP
//! client, the RDAP and WHOIS clients, the caches and the stages, once, behind one `Arc`.
//! The order in which a lookup uses them lives in `lookup.rs`; the bulk streams in `bulk.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::abuse::{AbuseChain, AbuseSource};
use crate::asn::{self, AsnCache, AsnChain, AsnSource};
use crate::cache::BudgetStore;
use crate::cache::{MemoryResponseCache, NetworkCache, RegistrationCache, ResponseCache};
use crate::config::Config;
use crate::deadline::WaitObserver;
use crate::dns;
use crate::error::{ConfigError, Error};
use crate::lookup::Pipeline;
use crate::network::{NetworkStage, Planner};
use crate::provider::ranges;
use crate::rdap::RdapClient;
use crate::rdap::registrars;
use crate::record::{DataVersions, HostingRecord};
use crate::refresh::{DataSet, DataVersion, LoadedData, RefreshReport, Refresher};
use crate::registration::RegistrationStage;
use crate::stats::{Stats, Telemetry};
use crate::transport::budget::{LocalBudget, RateBudget};
use crate::transport::http::Http;
use crate::whois::Whois;

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
    inner: Arc<ClientRef>,
}

/// What every clone of one client shares, built once by [`ClientBuilder::build`].
#[derive(Debug)]
struct ClientRef {
    config: Config,
    pipeline: Pipeline,
    telemetry: Arc<Telemetry>,
    /// The data sets in use (refreshed or embedded) and their dates.
    data: LoadedData,
    /// The dates every record names.
    versions: DataVersions,
    /// Whether the stale-data warning was given (once per client).
    stale_warned: AtomicBool,
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
        // Boxed: the lookup future is large, and the data scopes wrap it twice.
        self.with_data(Box::pin(crate::lookup::run(&self.inner.pipeline, query, None))).await
    }

    /// [`lookup`](Self::lookup), telling `observer` when the lookup waits its turn (bulk).
    pub(crate) async fn lookup_observed(
        &self,
        query: &str,
        observer: Arc<dyn WaitObserver>,
    ) -> Result<HostingRecord, Error> {
        let lookup = crate::lookup::run(&self.inner.pipeline, query, Some(observer));
        self.with_data(Box::pin(lookup)).await
    }

    /// Run a lookup with this client's refreshed tables in scope, warn once if its data is
    /// stale, and name the data versions in the record.
    async fn with_data(
        &self,
        lookup: impl Future<Output = Result<HostingRecord, Error>>,
    ) -> Result<HostingRecord, Error> {
        self.warn_stale_once();
        let data = &self.inner.data;
        let scoped = registrars::scope(data.registrars.clone(), lookup);
        let mut record = ranges::scope(data.ranges.clone(), scoped).await?;
        record.data = Some(self.inner.versions.clone());
        Ok(record)
    }

    /// The first lookup of a client warns about each stale data set.
    fn warn_stale_once(&self) {
        for v in self.stale_to_warn() {
            tracing::warn!(
                set = v.set,
                date = v.date.as_deref().unwrap_or("?"),
                age_days = v.age_days.unwrap_or_default(),
                stale_after_days = v.stale_after_days,
                "data in use is older than its threshold; run `whohosts refresh` (Client::refresh_data)"
            );
        }
    }

    /// The stale data sets, the first time this is asked for the client; none after.
    fn stale_to_warn(&self) -> Vec<DataVersion> {
        if self.inner.stale_warned.swap(true, Ordering::Relaxed) {
            return Vec::new();
        }
        self.data_versions().into_iter().filter(|v| v.stale).collect()
    }

    /// The data sets this client uses — each refreshed file of its data directory, or the
    /// embedded snapshot — with their dates, ages and whether each is stale (older than its
    /// threshold in [`DataSettings`](crate::DataSettings): 90 days for provider ranges, 180
    /// for the bootstrap and the registrar list). The first lookup warns (`tracing`) about
    /// each stale one.
    ///
    /// ```
    /// let client = whohosts::Client::builder().build()?;
    /// let ranges = client.data_versions().into_iter().find(|v| v.set == "provider_ranges");
    /// assert_eq!(ranges.and_then(|v| v.date).as_deref(), Some("2025-07-25"));
    /// # Ok::<(), whohosts::Error>(())
    /// ```
    pub fn data_versions(&self) -> Vec<DataVersion> {
        self.inner.data.versions()
    }

    /// Fetch every data set into this client's data directory
    /// ([`ClientBuilder::data_dir`]) from its official URL, or the one set by
    /// [`ClientBuilder::data_url`]: see [`Refresher`], which this uses with the client's
    /// configuration. Clients built afterwards read the new files; this one keeps the data
    /// it was built with.
    ///
    /// Fails only when the client has no data directory, a set URL does not parse or names
    /// no set, or no HTTP client can be built; sets that could not be refreshed are in the
    /// report.
    pub async fn refresh_data(&self) -> Result<RefreshReport, Error> {
        let Some(dir) = self.inner.config.data.dir.clone() else {
            return Err(ConfigError::DataRefresh {
                reason: "the client has no data directory (ClientBuilder::data_dir)".to_owned(),
            }
            .into());
        };
        let mut refresher = Refresher::new(&self.inner.config, dir)?;
        for (name, url) in &self.inner.config.data.urls {
            refresher = refresher.named_url(name, url)?;
        }
        Ok(refresher.refresh().await)
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// What this client (all its clones) has done so far: requests per server, cache hits,
    /// coalesced requests, retries, rate limits, fast failures.
    pub fn stats(&self) -> Stats {
        self.inner.telemetry.snapshot()
    }

    /// The client's counters (for the bulk streams).
    pub(crate) fn telemetry(&self) -> &Arc<Telemetry> {
        &self.inner.telemetry
    }
}

/// Builds a [`Client`]. Every setter says its default.
#[must_use]
#[derive(Debug, Default)]
pub struct ClientBuilder {
    config: Config,
    asn_sources: Vec<Arc<dyn AsnSource>>,
    abuse_sources: Vec<Arc<dyn AbuseSource>>,
    response_cache: Option<Arc<dyn ResponseCache>>,
    rate_budget: Option<Arc<dyn RateBudget>>,
    budget_store: Option<Arc<dyn BudgetStore>>,
    #[cfg(feature = "redis")]
    redis: Option<crate::cache::Redis>,
}

impl ClientBuilder {
    /// A builder from a whole [`Config`].
    pub fn from_config(config: Config) -> Self {
        Self { config, ..Self::default() }
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

    /// Read refreshed data from `dir` (as [`Client::refresh_data`] and `whohosts refresh`
    /// write it): each file there that is present and valid replaces the embedded snapshot;
    /// a missing one keeps the snapshot, and a bad one is warned about and the snapshot
    /// used. A refreshed ASN database there is asked after any
    /// [`asn_database`](Self::asn_database) and replaces the Team Cymru default. A
    /// [`bootstrap_dir`](Self::bootstrap_dir) wins over the bootstrap files here. Default:
    /// the embedded snapshots only.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.data.dir = Some(dir.into());
        self
    }

    /// Fetch data set `set` (named as [`DataSet::as_str`] gives it, e.g. `provider_ranges`)
    /// from `url` in [`Client::refresh_data`], instead of its official URL or, for the sets
    /// without one (provider ranges, an ASN database), at all. Repeatable. Default none.
    pub fn data_url(mut self, set: DataSet, url: impl Into<String>) -> Self {
        self.config.data.urls.push((set.as_str().to_owned(), url.into()));
        self
    }

    /// Fetch provider range list `list` from `url` in [`Client::refresh_data`], instead of
    /// its official URL ([`RangeList::default_url`](crate::RangeList::default_url)) or, for
    /// the lists without one (Azure, Akamai), at all. Repeatable. Default none: the official
    /// URLs, and Azure's and Akamai's ranges kept from the table in force.
    pub fn range_list_url(
        mut self,
        list: crate::refresh::RangeList,
        url: impl Into<String>,
    ) -> Self {
        self.config.data.urls.push((format!("provider_ranges.{}", list.as_str()), url.into()));
        self
    }

    /// Where refreshed data is read from and when it counts as stale. Default
    /// [`DataSettings::default`](crate::DataSettings): no directory; stale after 90 days
    /// for provider ranges, 180 for the bootstrap and registrar list.
    pub fn data(mut self, settings: crate::config::DataSettings) -> Self {
        self.config.data = settings;
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

    /// Ask `source` for the abuse contact of addresses whose registry (RDAP, then WHOIS) gave
    /// no abuse mailbox, after any source added before it; and *before* RDAP for addresses
    /// whose RDAP server is quota-limited or has its budget spent (see
    /// [`network_detail`](Self::network_detail)). Default none. See [`AbuseSource`] for the
    /// contract.
    pub fn abuse_source(mut self, source: Arc<dyn AbuseSource>) -> Self {
        self.abuse_sources.push(source);
        self
    }

    /// Ask the quota-free abuse-contact sources `sources` switches on, after any
    /// [`abuse_source`](Self::abuse_source): the Abusix Abuse ContactDB
    /// ([`AbusixSource`](crate::AbusixSource), through the client's DNS servers), then the
    /// RIPEstat Data API ([`RipeStatSource`](crate::RipeStatSource), through the client's
    /// HTTP transport, response cache and politeness budget). Default: both off (see
    /// [`QuotaFreeSources`](crate::QuotaFreeSources)).
    pub fn quota_free_sources(mut self, sources: crate::config::QuotaFreeSources) -> Self {
        self.config.quota_free = sources;
        self
    }

    /// Keep RDAP responses in `cache` (e.g. a store on disk or in Redis shared by many runs),
    /// instead of the in-memory [`MemoryResponseCache`](crate::MemoryResponseCache) sized by
    /// [`cache`](Self::cache). See [`ResponseCache`] for the contract.
    pub fn response_cache(mut self, cache: Arc<dyn ResponseCache>) -> Self {
        self.response_cache = Some(cache);
        self
    }

    /// Keep RDAP responses and the token buckets of hourly and daily quotas in `cache`, so
    /// that later runs reuse both: the [`response_cache`](Self::response_cache) is `cache`,
    /// and the default budget is [`LocalBudget::with_store`] on it (a
    /// [`rate_budget`](Self::rate_budget) set here is used as given). Default: neither is
    /// kept beyond the client.
    #[cfg(feature = "persistent-cache")]
    #[cfg_attr(docsrs, doc(cfg(feature = "persistent-cache")))]
    pub fn disk_cache(mut self, cache: Arc<crate::cache::DiskCache>) -> Self {
        self.response_cache = Some(Arc::clone(&cache) as Arc<dyn ResponseCache>);
        self.budget_store = Some(cache);
        self
    }

    /// Share RDAP and WHOIS answers and per-server politeness with every client on the same
    /// Redis server and key prefix, in any process (feature `redis`): the response cache is a
    /// [`RedisCache`](crate::RedisCache) and the budget a
    /// [`RedisBudget`](crate::RedisBudget) with this builder's
    /// [`politeness`](Self::politeness), unless [`response_cache`](Self::response_cache) or
    /// [`rate_budget`](Self::rate_budget) set them (those win). Default: neither is shared.
    /// A server that is down at run time is a cache miss and a per-process budget, with a
    /// warning; it never fails a lookup.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), whohosts::Error> {
    /// let redis = whohosts::Redis::open("redis://127.0.0.1:6379/")?.prefix("whohosts:job-7:");
    /// let worker = whohosts::Client::builder().redis(redis).build()?;
    /// let record = worker.lookup("8.8.8.8").await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis(mut self, redis: crate::cache::Redis) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Take per-server permits, pauses and breaker state from `budget` (e.g. one shared by
    /// several processes), instead of the in-process
    /// [`LocalBudget`](crate::LocalBudget) built from [`politeness`](Self::politeness). The
    /// policies still come from the politeness table. See [`RateBudget`] for the contract.
    pub fn rate_budget(mut self, budget: Arc<dyn RateBudget>) -> Self {
        self.rate_budget = Some(budget);
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
    pub fn cache(mut self, cache: crate::config::CacheSettings) -> Self {
        self.config.cache = cache;
        self
    }

    /// The whole politeness table. Default
    /// [`Politeness::default`](crate::Politeness): the known published limits.
    pub fn politeness(mut self, politeness: crate::config::Politeness) -> Self {
        self.config.politeness = politeness;
        self
    }

    /// Apply `policy` to servers matching `pattern` (a host name, or a URL prefix such as
    /// `https://rdap.example/`), ahead of every other rule. Default: the table in
    /// [`Politeness`](crate::Politeness).
    pub fn server_policy(mut self, pattern: &str, policy: crate::config::ServerPolicy) -> Self {
        let rule = crate::config::ServerRule::new(pattern, policy, "set by the caller");
        self.config.politeness = std::mem::take(&mut self.config.politeness).with_rule(rule);
        self
    }

    /// Apply `policy` to WHOIS servers matching `pattern` (a host name such as
    /// `whois.ripe.net`, also matching its subdomains, or `host:port`), ahead of every other
    /// WHOIS rule. Default: the WHOIS table in [`Politeness`](crate::Politeness).
    pub fn whois_server_policy(
        mut self,
        pattern: &str,
        policy: crate::config::ServerPolicy,
    ) -> Self {
        let rule = crate::config::ServerRule::new(pattern, policy, "set by the caller");
        self.config.politeness = std::mem::take(&mut self.config.politeness).with_whois_rule(rule);
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

    /// How much network detail an address needs when its RDAP server is quota-limited or its
    /// budget is spent and a quota-free [`AbuseSource`] gave its abuse mailbox:
    /// [`NetworkDetail::Auto`](crate::NetworkDetail) (the default) leaves RDAP unasked,
    /// [`NetworkDetail::Full`](crate::NetworkDetail) asks it as well and keeps both answers.
    ///
    /// ```
    /// let client = whohosts::Client::builder()
    ///     .network_detail(whohosts::NetworkDetail::Full)
    ///     .build()?;
    /// # Ok::<(), whohosts::Error>(())
    /// ```
    pub fn network_detail(mut self, detail: crate::config::NetworkDetail) -> Self {
        self.config.network_detail = detail;
        self
    }

    /// Build the client: the resolver, the HTTP client, the RDAP and WHOIS clients, the
    /// caches and the stages, once. Fails on unusable configuration (unreadable bootstrap
    /// directory or ASN database, unreadable system DNS configuration).
    pub fn build(self) -> Result<Client, Error> {
        let Self {
            config,
            asn_sources,
            abuse_sources,
            response_cache,
            rate_budget,
            budget_store,
            #[cfg(feature = "redis")]
            redis,
        } = self;
        #[cfg(feature = "redis")]
        let (response_cache, rate_budget) = match redis {
            Some(redis) => (
                response_cache.or_else(|| {
                    Some(Arc::new(crate::cache::RedisCache::new(&redis)) as Arc<dyn ResponseCache>)
                }),
                rate_budget.or_else(|| {
                    let budget = crate::transport::redis_budget::RedisBudget::new(
                        &redis,
                        &config.politeness,
                    );
                    Some(Arc::new(budget) as Arc<dyn RateBudget>)
                }),
            ),
            None => (response_cache, rate_budget),
        };
        let telemetry = Arc::new(Telemetry::default());
        let resolver = dns::build_resolver(&config)?;
        let data = LoadedData::load(&config)?;
        let bootstrap = data.bootstrap.clone();
        let mut sources = Vec::new();
        for path in &config.asn_databases {
            sources.push(asn::open_database(path)?);
        }
        if let Some(refreshed) = &data.asn {
            sources.push(Arc::clone(&refreshed.source));
        }
        sources.extend(asn_sources);
        // Team Cymru is the default when nothing else is given (feature `cymru`); without it
        // and without a database or source, addresses get no AS (the chain says so).
        #[cfg(feature = "cymru")]
        if sources.is_empty() {
            sources.push(Arc::new(asn::CymruSource::new(resolver.clone())) as Arc<dyn AsnSource>);
        }
        let responses =
            response_cache.unwrap_or_else(|| Arc::new(MemoryResponseCache::new(&config.cache)));
        let budget = rate_budget.unwrap_or_else(|| match budget_store {
            Some(store) => Arc::new(LocalBudget::with_store(&config.politeness, store)),
            None => Arc::new(LocalBudget::new(&config.politeness)),
        });
        let http = Http::new(
            &config,
            resolver.clone(),
            Arc::clone(&responses),
            Arc::clone(&budget),
            Arc::clone(&telemetry),
        )?;
        let http = Arc::new(http);
        let mut abuse_sources = abuse_sources;
        abuse_sources.extend(quota_free_sources(&config, &resolver, &http, &responses)?);
        let rdap = Arc::new(RdapClient::new(&config, http, bootstrap));
        // WHOIS takes its turns from the same budget as RDAP (its keys are `whois://…`).
        let planner = Planner::new(&config, Arc::clone(&budget));
        // And keeps its answers in the same response cache (under `whois://…` keys).
        let whois = Arc::new(Whois::new(
            &config,
            resolver.clone(),
            budget,
            responses,
            Arc::clone(&telemetry),
        ));
        let pipeline = Pipeline {
            resolver,
            limits: config.limits.clone(),
            timeout: config.timeouts.lookup,
            notice_type: config.notice_type,
            keep_query_secrets: config.keep_query_secrets,
            network: NetworkStage {
                rdap: Arc::clone(&rdap),
                whois: Arc::clone(&whois),
                abuse: AbuseChain::new(abuse_sources),
                asn: AsnChain::new(sources),
                asn_cache: AsnCache::new(&config.cache, Arc::clone(&telemetry)),
                networks: NetworkCache::new(&config.cache, Arc::clone(&telemetry)),
                planner,
                telemetry: Arc::clone(&telemetry),
            },
            registration: RegistrationStage {
                rdap,
                whois,
                registrations: RegistrationCache::registrations(
                    &config.cache,
                    Arc::clone(&telemetry),
                ),
            },
        };
        let versions = data.record_versions();
        let inner = ClientRef {
            config,
            pipeline,
            telemetry,
            data,
            versions,
            stale_warned: AtomicBool::new(false),
        };
        Ok(Client { inner: Arc::new(inner) })
    }
}

/// The quota-free abuse sources `config.quota_free` switches on, sharing the client's
/// resolver and HTTP transport, Abusix first.
#[cfg(feature = "quota-free-sources")]
fn quota_free_sources(
    config: &Config,
    resolver: &hickory_resolver::TokioResolver,
    http: &Arc<Http>,
    responses: &Arc<dyn ResponseCache>,
) -> Result<Vec<Arc<dyn AbuseSource>>, ConfigError> {
    let settings = &config.quota_free;
    let mut sources: Vec<Arc<dyn AbuseSource>> = Vec::new();
    if settings.abusix {
        let source = crate::abuse::AbusixSource::with_resolver(
            &settings.abusix_zone,
            resolver.clone(),
            Arc::clone(responses),
        );
        sources.push(Arc::new(source));
    }
    if settings.ripestat {
        let source = crate::abuse::RipeStatSource::with_http(
            &settings.ripestat_url,
            &settings.ripestat_sourceapp,
            Arc::clone(http),
        )?;
        sources.push(Arc::new(source));
    }
    Ok(sources)
}

/// Without the `quota-free-sources` feature: none, and a configuration that asks for them is
/// refused ([`ConfigError::FeatureMissing`]).
#[cfg(not(feature = "quota-free-sources"))]
fn quota_free_sources(
    config: &Config,
    _resolver: &hickory_resolver::TokioResolver,
    _http: &Arc<Http>,
    _responses: &Arc<dyn ResponseCache>,
) -> Result<Vec<Arc<dyn AbuseSource>>, ConfigError> {
    if config.quota_free.abusix || config.quota_free.ripestat {
        return Err(ConfigError::FeatureMissing {
            feature: "quota-free-sources",
            what: "the quota-free abuse sources (Abusix, RIPEstat)".to_owned(),
        });
    }
    Ok(Vec::new())
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// The stale-data warning is given once per client (all clones), on its first lookup:
    /// on 2026-12-06 the shipped provider ranges (2025-07-25) are stale.
    #[test]
    fn stale_data_is_warned_about_once_per_client() {
        let settings = crate::config::DataSettings {
            today: Some("2026-12-06".parse().unwrap()),
            ..Default::default()
        };
        let client = Client::builder().nameserver("127.0.0.1:9").unwrap().data(settings).build();
        let client = client.unwrap();
        let first: Vec<_> = client.stale_to_warn().into_iter().map(|v| v.set).collect();
        // The bootstrap (newest file 2026-07-23) is within its 180 days; the registrar list
        // (2026-03-13) is not.
        // (No shipped ranges, so none stale, in a build without `providers-data`.)
        if cfg!(feature = "providers-data") {
            assert_eq!(first, vec!["provider_ranges", "registrars"]);
        } else {
            assert_eq!(first, vec!["registrars"]);
        }
        assert!(client.clone().stale_to_warn().is_empty());
        assert!(client.stale_to_warn().is_empty());

        let settings = crate::config::DataSettings {
            today: Some("2025-08-01".parse().unwrap()),
            ..Default::default()
        };
        let fresh = Client::builder().nameserver("127.0.0.1:9").unwrap().data(settings).build();
        assert!(fresh.unwrap().stale_to_warn().is_empty());
    }

    /// An `.mmdb` database in a build without `mmdb` is refused by name.
    #[cfg(not(feature = "mmdb"))]
    #[test]
    fn an_mmdb_database_needs_the_mmdb_feature() {
        let built = Client::builder().nameserver("127.0.0.1:9").unwrap().asn_database("asn.mmdb");
        let e = built.build().unwrap_err();
        assert!(
            matches!(e, Error::Config(ConfigError::FeatureMissing { feature: "mmdb", .. })),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "the ASN database asn.mmdb needs the cargo feature `mmdb`, which this build leaves out"
        );
    }

    /// The quota-free sources in a build without `quota-free-sources` are refused by name.
    #[cfg(not(feature = "quota-free-sources"))]
    #[test]
    fn quota_free_sources_need_their_feature() {
        let built = Client::builder()
            .nameserver("127.0.0.1:9")
            .unwrap()
            .quota_free_sources(crate::config::QuotaFreeSources::all());
        let e = built.build().unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config(ConfigError::FeatureMissing { feature: "quota-free-sources", .. })
            ),
            "{e:?}"
        );
    }

    /// A build without RDAP, WHOIS and Team Cymru (no default features) asks no server for
    /// an address: the record has the address, no AS, and says that RDAP is not built in.
    #[cfg(not(any(feature = "rdap", feature = "whois", feature = "cymru")))]
    #[tokio::test]
    async fn a_build_without_rdap_says_so_in_the_record() {
        let client = Client::builder().nameserver("127.0.0.1:9").unwrap().build().unwrap();
        let record = client.lookup("192.0.2.1").await.unwrap();
        let errors: Vec<String> = record
            .errors
            .iter()
            .map(|e| format!("{}:{}:{}:{}", e.stage.as_str(), e.kind.as_str(), e.target, e.message))
            .collect();
        assert_eq!(
            errors,
            ["rdap:no_source:192.0.2.1:RDAP is not built in (cargo feature `rdap`)"]
        );
        assert_eq!(record.addresses.len(), 1);
        assert_eq!(record.addresses[0].asn, None);
    }
}
