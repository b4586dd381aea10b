//! Client configuration as plain data: [`Config`] with [`Timeouts`], [`Limits`] and [`Safety`].
//!
//! Every `Default` here is the safe setting for the real internet. Tests against loopback
//! servers loosen [`Safety`] explicitly.

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
    /// The User-Agent sent with every HTTP request. Default: `whohosts/<version>` and the
    /// project URL.
    pub user_agent: Option<String>,
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
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            http_request: Duration::from_secs(10),
            http_connect: Duration::from_secs(5),
            dns: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(10),
            retry_backoff: Duration::from_millis(250),
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
}
