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
        crate::lookup::run(&self.inner, query).await
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
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

    /// The User-Agent header. Default `whohosts/<version> (+project URL)`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.config.user_agent = Some(agent.into());
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

    /// Build the client. Fails on unusable configuration (unreadable bootstrap directory or
    /// ASN database, unreadable system DNS configuration).
    pub fn build(self) -> Result<Client, Error> {
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
