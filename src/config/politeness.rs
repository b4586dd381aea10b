//! The politeness table as plain data: how fast and how often whohosts may ask each server
//! ([`Politeness`], [`ServerRule`], [`ServerPolicy`]), with the known published limits.
//!
//! The runtime that enforces it (token buckets, pauses, the circuit breaker) is the
//! [`RateBudget`](crate::RateBudget) in `transport/budget.rs`; this file holds no state.

use std::time::Duration;

use url::Url;

/// How hard one server may be asked. `Default` is the policy for a server with no published
/// limit (see [`Politeness`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerPolicy {
    /// Requests allowed per `period` in the long run (the token bucket's refill). `0` means
    /// no rate limit.
    pub requests: u32,
    /// The period `requests` are counted over.
    pub period: Duration,
    /// Requests that may be sent at once after a quiet spell (the bucket's size, at least 1).
    /// A server that allows `N` per window in *any* window needs `burst + requests ≤ N` when
    /// `period` is the window.
    pub burst: u32,
    /// Requests in flight at once.
    pub max_concurrent: usize,
}

impl ServerPolicy {
    /// `requests` per `period`, `burst` at once, `max_concurrent` in flight.
    pub fn new(requests: u32, period: Duration, burst: u32, max_concurrent: usize) -> Self {
        Self { requests, period, burst: burst.max(1), max_concurrent: max_concurrent.max(1) }
    }

    /// No rate limit and `max_concurrent` in flight (loopback test servers, own mirrors).
    pub fn unlimited(max_concurrent: usize) -> Self {
        Self {
            requests: 0,
            period: Duration::ZERO,
            burst: 1,
            max_concurrent: max_concurrent.max(1),
        }
    }

    /// True when no token bucket applies.
    pub fn is_unlimited(&self) -> bool {
        self.requests == 0 || self.period.is_zero()
    }
}

impl Default for ServerPolicy {
    /// 2 requests/s, burst 4, 4 in flight: for servers with no published limit. Operators
    /// report registrar limits from "about 1 per second" (datum-cloud/enhancements#497) to
    /// "like 5 per second" (richardpenman/whois#101).
    fn default() -> Self {
        Self::new(2, Duration::from_secs(1), 4, 4)
    }
}

/// One row of the politeness table: the servers it covers and their policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerRule {
    /// A host name (`rdap.lacnic.net`, also matching its subdomains) or a URL prefix
    /// (`https://rdap.db.ripe.net/`, `http://127.0.0.1:8080/lacnic/`).
    pub pattern: String,
    /// The policy for matching servers.
    pub policy: ServerPolicy,
    /// Where the figure comes from.
    pub source: String,
}

impl ServerRule {
    /// A rule for `pattern` (a host name or a URL prefix).
    pub fn new(
        pattern: impl Into<String>,
        policy: ServerPolicy,
        source: impl Into<String>,
    ) -> Self {
        Self { pattern: pattern.into(), policy, source: source.into() }
    }

    /// True when this rule covers `url`.
    fn matches(&self, url: &Url) -> bool {
        if self.pattern.contains("://") {
            return url.as_str().starts_with(&self.pattern);
        }
        let Some(host) = url.host_str() else { return false };
        let pattern = self.pattern.trim_end_matches('.');
        host.eq_ignore_ascii_case(pattern)
            || host.len() > pattern.len()
                && host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", pattern.to_ascii_lowercase()))
    }
}

/// The politeness table: per-server policies, the default for other servers, and the
/// circuit breaker's settings.
///
/// # Known limits (the default table)
///
/// | server | policy | published limit |
/// |---|---|---|
/// | `rdap.lacnic.net` | 1 per 6 s, burst 1, 1 in flight | "10 per minute and 1000 per hour, whichever is violated first" (LACNIC, *LACNIC's RDAP Service*, GTER 41, May 2016); answers carry the notice "Rate Limit is maxed at 10 queries per 1 minutes." (secynic/ipwhois#99) |
/// | `rdap.db.ripe.net` | 500 per 24 h, burst 500, 4 in flight | 1,000 personal data sets per 24 hours per IP address or SSO account (RIPE Database AUP, enforced from 16 May 2024, db-wg announcement); 429 when over (RIPE-NCC/whois#555). Half refilled, half burst, so no 24-hour window exceeds 1,000 |
/// | `rdap.arin.net` | 5/s, burst 5, 4 in flight | none published (ARIN's RDAP page states no figure) |
/// | `rdap.apnic.net` | 5/s, burst 5, 4 in flight | none published |
/// | `rdap.afrinic.net` | 5/s, burst 5, 4 in flight | none published |
/// | `rdap.verisign.com` | 5/s, burst 5, 4 in flight | none published |
/// | any other server (registrars, ccTLDs) | [`ServerPolicy::default`]: 2/s, burst 4, 4 in flight | registrars typically allow about 1/s to 5/s (see [`ServerPolicy::default`]); each runs its own limiter (rdap-org/validator.rdap.org#6) |
///
/// A `Retry-After` always wins over the table: the whole server is paused for everyone.
/// A request that would wait longer than `max_retry_after` for its server's next token (a
/// used-up daily quota such as RIPE NCC's after 500 requests) fails at once as
/// `rate_limited` instead of holding its lookup; an operator with a larger quota sets their
/// own rule ([`ClientBuilder::server_policy`](crate::ClientBuilder::server_policy)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Politeness {
    /// Rules, most specific first: the first matching rule applies.
    pub rules: Vec<ServerRule>,
    /// The policy of servers no rule matches.
    pub default: ServerPolicy,
    /// Consecutive failed attempts (transport errors, timeouts, 5xx) that open a server's
    /// circuit. `0` disables the breaker. Default 8.
    pub breaker_threshold: u32,
    /// How long an open circuit fails fast before one probe request is let through
    /// (half-open). Doubles after each failed probe, up to 8×. Default 30 s.
    pub breaker_cooldown: Duration,
}

impl Default for Politeness {
    fn default() -> Self {
        let per_second = |n| ServerPolicy::new(n, Duration::from_secs(1), n, 4);
        let none = "none published";
        Self {
            rules: vec![
                ServerRule::new(
                    "rdap.lacnic.net",
                    ServerPolicy::new(1, Duration::from_secs(6), 1, 1),
                    "LACNIC: 10 per minute and 1000 per hour (GTER 41, 2016)",
                ),
                ServerRule::new(
                    "rdap.db.ripe.net",
                    ServerPolicy::new(500, Duration::from_secs(86_400), 500, 4),
                    "RIPE Database AUP: 1,000 personal data sets per 24 hours",
                ),
                ServerRule::new("rdap.arin.net", per_second(5), none),
                ServerRule::new("rdap.apnic.net", per_second(5), none),
                ServerRule::new("rdap.afrinic.net", per_second(5), none),
                ServerRule::new("rdap.verisign.com", per_second(5), none),
            ],
            default: ServerPolicy::default(),
            breaker_threshold: 8,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

impl Politeness {
    /// No rate limits, `max_concurrent` requests in flight per server, the default breaker:
    /// for loopback test worlds and private mirrors.
    pub fn unlimited(max_concurrent: usize) -> Self {
        Self {
            rules: Vec::new(),
            default: ServerPolicy::unlimited(max_concurrent),
            ..Self::default()
        }
    }

    /// Put `rule` first (it wins over every rule added before).
    pub fn with_rule(mut self, rule: ServerRule) -> Self {
        self.rules.insert(0, rule);
        self
    }

    /// The key and policy of the server answering `url`: the first matching rule's pattern,
    /// else `host:port`.
    pub fn server_key(&self, url: &Url) -> (String, ServerPolicy) {
        if let Some(rule) = self.rules.iter().find(|r| r.matches(url)) {
            return (rule.pattern.clone(), rule.policy);
        }
        let host = url.host_str().unwrap_or("");
        let key = match url.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        (key, self.default)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn rules_match_hosts_and_url_prefixes() {
        let table = Politeness::default();
        let url = Url::parse("https://rdap.lacnic.net/rdap/ip/200.3.12.1").unwrap();
        let (key, policy) = table.server_key(&url);
        assert_eq!(key, "rdap.lacnic.net");
        assert_eq!(policy, ServerPolicy::new(1, Duration::from_secs(6), 1, 1));
        let other = Url::parse("https://rdap.example-registrar.test/rdap/domain/x.com").unwrap();
        assert_eq!(
            table.server_key(&other),
            ("rdap.example-registrar.test:443".to_owned(), ServerPolicy::default())
        );
        let local = Politeness::unlimited(8).with_rule(ServerRule::new(
            "http://127.0.0.1:8080/lacnic/",
            ServerPolicy::new(10, Duration::from_secs(60), 1, 1),
            "test",
        ));
        let url = Url::parse("http://127.0.0.1:8080/lacnic/ip/1.2.3.4").unwrap();
        assert_eq!(local.server_key(&url).0, "http://127.0.0.1:8080/lacnic/");
        let url = Url::parse("http://127.0.0.1:8080/arin/ip/1.2.3.4").unwrap();
        assert_eq!(
            local.server_key(&url),
            ("127.0.0.1:8080".to_owned(), ServerPolicy::unlimited(8))
        );
    }
}
