//! The one place HTTP requests are made: HTTPS-only and address checks on every hop, bounded
//! redirects, response-size cap, per-request timeout, and retries (429 with `Retry-After`,
//! 5xx and transport errors with exponential backoff).
//!
//! Callers get a [`Fetched`] body or a [`SourceError`]; they never see reqwest.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hickory_resolver::TokioResolver;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, LOCATION, RETRY_AFTER};
use url::Url;

use crate::config::Config;
use crate::error::{ConfigError, SourceError, SourceErrorKind};
use crate::guard;

/// The `Accept` header RDAP servers expect (RFC 7480 §4.2), with JSON as a fallback for
/// servers that refuse the RDAP media type (rdap.nic.fr did in 2022).
const RDAP_ACCEPT: &str = "application/rdap+json, application/json;q=0.9";

/// The default User-Agent: crate name, version and where to read about it.
pub(crate) const DEFAULT_USER_AGENT: &str =
    concat!("whohosts/", env!("CARGO_PKG_VERSION"), " (+https://crates.io/crates/whohosts)");

/// A successful HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    /// The URL that answered, after redirects.
    pub(crate) url: Url,
    /// The body, at most `max_response_bytes` long.
    pub(crate) body: Bytes,
}

/// Counters over the life of a client (observable for bulk summaries).
#[derive(Debug, Default)]
pub(crate) struct HttpStats {
    pub(crate) requests: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
}

/// The HTTP policy and connection pool shared by every lookup of a client.
#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    config: Config,
    pub(crate) stats: HttpStats,
}

impl Http {
    /// Build the client. `resolver` resolves host names for connections, and its answers are
    /// filtered by the address policy, so a connection only ever goes to a checked address.
    pub(crate) fn new(config: &Config, resolver: TokioResolver) -> Result<Self, ConfigError> {
        let agent = config.user_agent.clone().unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned());
        let client = reqwest::Client::builder()
            .user_agent(agent)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeouts.http_request)
            .connect_timeout(config.timeouts.http_connect)
            .dns_resolver(Arc::new(GuardedResolver {
                resolver,
                allow_private: config.safety.allow_private,
            }))
            .tcp_nodelay(true)
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| ConfigError::Http { reason: e.to_string() })?;
        Ok(Self { client, config: config.clone(), stats: HttpStats::default() })
    }

    /// GET an RDAP URL under the full policy. 404 is `NotFound`; other failures are typed.
    pub(crate) async fn get_rdap(&self, url: &Url) -> Result<Fetched, SourceError> {
        let limits = &self.config.limits;
        let mut current = url.clone();
        let mut seen = HashSet::new();
        let mut redirects = 0usize;
        let mut attempt = 0u32;
        loop {
            guard::check_url(&current, &self.config.safety)?;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let response =
                self.client.get(current.clone()).header(ACCEPT, RDAP_ACCEPT).send().await;
            let response = match response {
                Ok(r) => r,
                Err(e) => {
                    let err = classify_transport(&e, &current);
                    if err.kind() != SourceErrorKind::Blocked && attempt < limits.max_retries {
                        attempt += 1;
                        self.pause(self.backoff(attempt)).await;
                        continue;
                    }
                    return Err(err);
                }
            };
            let status = response.status();
            if status.is_redirection() {
                let next = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|loc| current.join(loc).ok());
                let Some(next) = next else {
                    return Err(SourceError::new(
                        SourceErrorKind::Malformed,
                        format!("{current} answered {status} without a usable Location"),
                    ));
                };
                redirects += 1;
                if redirects > limits.max_redirects || !seen.insert(next.clone()) {
                    return Err(SourceError::new(
                        SourceErrorKind::Other,
                        format!("too many redirects or a redirect loop from {url} at {next}"),
                    ));
                }
                tracing::debug!(from = %current, to = %next, "following redirect");
                current = next;
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS
                || (is_rate_limit_status(status) && looks_rate_limited(response.headers()))
            {
                self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                let wait =
                    retry_after(response.headers()).unwrap_or_else(|| self.backoff(attempt + 1));
                if attempt < limits.max_retries && wait <= self.config.timeouts.max_retry_after {
                    attempt += 1;
                    tracing::debug!(url = %current, ?wait, "rate limited; waiting before retry");
                    self.pause(wait).await;
                    continue;
                }
                return Err(SourceError::new(
                    SourceErrorKind::RateLimited,
                    format!("{current} answered {status} (rate limited; asked to wait {wait:?})"),
                ));
            }
            if status.is_server_error() {
                if attempt < limits.max_retries {
                    attempt += 1;
                    self.pause(self.backoff(attempt)).await;
                    continue;
                }
                return Err(SourceError::new(
                    SourceErrorKind::HttpStatus(status.as_u16()),
                    format!("{current} answered {status}"),
                ));
            }
            if status == StatusCode::NOT_FOUND {
                return Err(SourceError::new(
                    SourceErrorKind::NotFound,
                    format!("{current} answered 404: no such object"),
                ));
            }
            if !status.is_success() {
                return Err(SourceError::new(
                    SourceErrorKind::HttpStatus(status.as_u16()),
                    format!("{current} answered {status}"),
                ));
            }
            let body = self.read_body(response, &current).await?;
            return Ok(Fetched { url: current, body });
        }
    }

    /// Read a body, refusing more than the configured number of bytes.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        url: &Url,
    ) -> Result<Bytes, SourceError> {
        let max = self.config.limits.max_response_bytes;
        let too_large = || {
            SourceError::new(
                SourceErrorKind::TooLarge,
                format!("{url} sent more than {max} bytes (max_response_bytes)"),
            )
        };
        if response.content_length().is_some_and(|len| len > max as u64) {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > max {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body.freeze()),
                Err(e) => return Err(classify_transport(&e, url)),
            }
        }
    }

    /// Exponential backoff for retry `attempt` (1-based), with ±25 % jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.config.timeouts.retry_backoff;
        let factor = 1u32 << attempt.saturating_sub(1).min(10);
        let nominal = base.saturating_mul(factor);
        jitter(nominal)
    }

    async fn pause(&self, wait: Duration) {
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
    }
}

/// 403 and 422 sometimes carry a rate limit (issue: some registries answer that way).
fn is_rate_limit_status(status: StatusCode) -> bool {
    status == StatusCode::FORBIDDEN || status == StatusCode::UNPROCESSABLE_ENTITY
}

fn looks_rate_limited(headers: &reqwest::header::HeaderMap) -> bool {
    headers.contains_key(RETRY_AFTER)
        || headers
            .keys()
            .any(|k| k.as_str().starts_with("x-ratelimit") || k.as_str() == "ratelimit")
}

/// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, jiff::Timestamp::now())
}

pub(crate) fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
    let span = when.duration_since(now);
    Some(Duration::try_from(span).unwrap_or(Duration::ZERO))
}

fn jitter(nominal: Duration) -> Duration {
    // A cheap per-call pseudo-random factor in [0.75, 1.25); no need for a crypto RNG here.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(nominal.as_nanos());
    let unit = (h.finish() % 1000) as f64 / 1000.0;
    nominal.mul_f64(0.75 + unit * 0.5)
}

fn classify_transport(e: &reqwest::Error, url: &Url) -> SourceError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.downcast_ref::<BlockedAddresses>().is_some() {
            return SourceError::new(SourceErrorKind::Blocked, format!("{url}: {err}"));
        }
        source = err.source();
    }
    if e.is_timeout() {
        SourceError::new(SourceErrorKind::Timeout, format!("{url}: request timed out"))
    } else {
        SourceError::new(SourceErrorKind::Transport, format!("{url}: {}", error_chain(e)))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

/// All addresses of a host were refused by the address policy.
#[derive(Debug, thiserror::Error)]
#[error("every address of {host} is non-public (allow_private loosens this)")]
struct BlockedAddresses {
    host: String,
}

/// reqwest's resolver: the client's DNS resolver, with non-public answers dropped unless
/// allowed. Connections therefore only go to addresses that passed the check (no DNS
/// rebinding between check and connect).
struct GuardedResolver {
    resolver: TokioResolver,
    allow_private: bool,
}

impl std::fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedResolver").field("allow_private", &self.allow_private).finish()
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.resolver.clone();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let lookup = resolver.lookup_ip(format!("{}.", host.trim_end_matches('.'))).await?;
            let addrs: Vec<SocketAddr> = lookup
                .iter()
                .filter(|ip| allow_private || guard::is_public(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if addrs.is_empty() {
                return Err(
                    Box::new(BlockedAddresses { host }) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now: jiff::Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 26 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date in the past means "now".
        assert_eq!(parse_retry_after("Thu, 26 Nov 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        for _ in 0..100 {
            let d = jitter(Duration::from_millis(400));
            assert!(d >= Duration::from_millis(300) && d < Duration::from_millis(500), "{d:?}");
        }
    }
}
