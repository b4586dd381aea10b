//! Per-server politeness: how fast and how often whohosts may ask one RDAP server.
//!
//! Owns the [`Politeness`] table (known published limits, overridable), the [`RateBudget`]
//! seam and its in-process implementation [`LocalBudget`]: per server a concurrency limit, a
//! token bucket, a pause that a `Retry-After` imposes on every request to that server, and a
//! circuit breaker that fails fast after repeated failures and probes again later (half-open).
//! It does not send requests: `http.rs` asks for a [`Permit`] before each attempt and reports
//! how the attempt went.
//!
//! Servers are keyed by [`Politeness::server_key`]: the matching rule's pattern when a rule
//! matches, else `host:port`. Time is a parameter (`now`) in every decision so the state
//! machine is tested without sleeping; only [`RateBudget::acquire`] sleeps.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::asn::BoxFuture;
use crate::error::{SourceError, SourceErrorKind};
use crate::stats::Telemetry;

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

/// How one attempt went, as reported to a [`RateBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttemptOutcome {
    /// The server answered (any status but 429, 5xx and rate-limit answers): it is healthy.
    Answered,
    /// The server failed (transport error, timeout, 5xx): counts towards the breaker.
    Failed,
    /// The server asked to slow down; pause it for everyone this long.
    RateLimited(Duration),
    /// The attempt never reached the server's fault (e.g. blocked by the address policy).
    Neutral,
}

/// Permission to send one request; dropping it frees the server's concurrency slot.
#[derive(Debug)]
pub(crate) struct Permit {
    _slot: Option<OwnedSemaphorePermit>,
}

/// Per-server budget shared by every request of a client. Object-safe, so a budget shared
/// between processes (e.g. in Redis) can replace [`LocalBudget`].
pub(crate) trait RateBudget: Send + Sync + fmt::Debug {
    /// Wait until one request to `server` may be sent under `policy`. Fails at once
    /// (`Other`, with a message naming the server) while the server's circuit is open, or
    /// (`RateLimited`) while it asked for a pause longer than `max_pause` or when the next
    /// token is further away than `max_pause` (a used-up daily quota).
    fn acquire<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        max_pause: Duration,
    ) -> BoxFuture<'a, Result<Permit, SourceError>>;

    /// Record how an attempt to `server` went, at `now`.
    fn report(&self, server: &str, outcome: AttemptOutcome, now: Instant);
}

/// The circuit breaker of one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Breaker {
    /// Requests flow; this many attempts failed in a row.
    Closed { failures: u32 },
    /// Requests fail fast until `until`; `trips` counts consecutive openings.
    Open { until: Instant, trips: u32 },
    /// One probe is in flight; others fail fast until it reports.
    HalfOpen { trips: u32 },
}

/// What [`ServerState::admit`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Admission {
    /// Send now.
    Go,
    /// Ask again after this long (paused, or no token yet).
    Wait(Duration),
    /// Fail fast: the circuit is open.
    CircuitOpen(Duration),
    /// Fail fast: the server asked for a pause longer than allowed.
    PausedTooLong(Duration),
}

/// The budget state of one server. Pure: every method takes `now`.
#[derive(Debug)]
struct ServerState {
    /// Tokens available (fractional; at most `burst`).
    tokens: f64,
    /// When `tokens` was last brought up to date.
    refreshed: Instant,
    /// No request before this instant (`Retry-After`).
    paused_until: Option<Instant>,
    breaker: Breaker,
    slots: Arc<Semaphore>,
}

impl ServerState {
    fn new(policy: ServerPolicy, now: Instant) -> Self {
        Self {
            tokens: f64::from(policy.burst.max(1)),
            refreshed: now,
            paused_until: None,
            breaker: Breaker::Closed { failures: 0 },
            slots: Arc::new(Semaphore::new(policy.max_concurrent.max(1))),
        }
    }

    /// Decide whether one request may go at `now`; takes a token when it may.
    fn admit(
        &mut self,
        policy: ServerPolicy,
        politeness: &BreakerSettings,
        max_pause: Duration,
        now: Instant,
    ) -> Admission {
        match self.breaker {
            Breaker::Open { until, trips } => {
                if now < until {
                    return Admission::CircuitOpen(until - now);
                }
                self.breaker = Breaker::HalfOpen { trips };
            }
            Breaker::HalfOpen { .. } => {
                return Admission::CircuitOpen(politeness.cooldown);
            }
            Breaker::Closed { .. } => {}
        }
        if let Some(until) = self.paused_until {
            if now < until {
                let wait = until - now;
                if wait > max_pause {
                    return Admission::PausedTooLong(wait);
                }
                self.undo_probe(now);
                return Admission::Wait(wait);
            }
            self.paused_until = None;
        }
        if policy.is_unlimited() {
            return Admission::Go;
        }
        let rate = f64::from(policy.requests) / policy.period.as_secs_f64();
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(f64::from(policy.burst.max(1)));
        self.refreshed = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Admission::Go
        } else {
            self.undo_probe(now);
            Admission::Wait(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }

    /// A half-open probe that has to wait gives its turn back (it is not in flight).
    fn undo_probe(&mut self, now: Instant) {
        if let Breaker::HalfOpen { trips } = self.breaker {
            self.breaker = Breaker::Open { until: now, trips };
        }
    }

    fn report(&mut self, outcome: AttemptOutcome, settings: &BreakerSettings, now: Instant) {
        match outcome {
            AttemptOutcome::Answered => self.breaker = Breaker::Closed { failures: 0 },
            AttemptOutcome::RateLimited(wait) => {
                let until = now + wait;
                self.paused_until = Some(self.paused_until.map_or(until, |u| u.max(until)));
                // The server answered: it is up.
                self.breaker = Breaker::Closed { failures: 0 };
            }
            AttemptOutcome::Failed => {
                if settings.threshold == 0 {
                    return;
                }
                self.breaker = match self.breaker {
                    Breaker::Closed { failures } if failures + 1 >= settings.threshold => {
                        Breaker::Open { until: now + settings.cooldown, trips: 1 }
                    }
                    Breaker::Closed { failures } => Breaker::Closed { failures: failures + 1 },
                    Breaker::HalfOpen { trips } | Breaker::Open { trips, .. } => {
                        let factor = 1u32 << trips.min(3);
                        Breaker::Open {
                            until: now + settings.cooldown.saturating_mul(factor),
                            trips: trips + 1,
                        }
                    }
                };
            }
            AttemptOutcome::Neutral => {
                if let Breaker::HalfOpen { trips } = self.breaker {
                    self.breaker = Breaker::Open { until: now, trips };
                }
            }
        }
    }
}

/// The breaker settings a [`LocalBudget`] applies to every server.
#[derive(Debug, Clone, Copy)]
struct BreakerSettings {
    threshold: u32,
    cooldown: Duration,
}

/// The in-process [`RateBudget`]: one [`ServerState`] per server key.
pub(crate) struct LocalBudget {
    servers: Mutex<HashMap<String, ServerState>>,
    breaker: BreakerSettings,
    telemetry: Arc<Telemetry>,
}

impl fmt::Debug for LocalBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalBudget")
            .field("servers", &self.lock().len())
            .field("breaker_threshold", &self.breaker.threshold)
            .field("breaker_cooldown", &self.breaker.cooldown)
            .finish()
    }
}

impl LocalBudget {
    /// A budget with `politeness`'s breaker settings, counting fast-fails in `telemetry`.
    pub(crate) fn new(politeness: &Politeness, telemetry: Arc<Telemetry>) -> Self {
        Self {
            servers: Mutex::new(HashMap::new()),
            breaker: BreakerSettings {
                threshold: politeness.breaker_threshold,
                cooldown: politeness.breaker_cooldown,
            },
            telemetry,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, ServerState>> {
        self.servers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One admission decision for `server` at `now`, creating its state on first use.
    fn admit(
        &self,
        server: &str,
        policy: ServerPolicy,
        max_pause: Duration,
        now: Instant,
    ) -> Admission {
        let mut servers = self.lock();
        let state =
            servers.entry(server.to_owned()).or_insert_with(|| ServerState::new(policy, now));
        state.admit(policy, &self.breaker, max_pause, now)
    }

    fn slots(&self, server: &str, policy: ServerPolicy, now: Instant) -> Arc<Semaphore> {
        let mut servers = self.lock();
        let state =
            servers.entry(server.to_owned()).or_insert_with(|| ServerState::new(policy, now));
        Arc::clone(&state.slots)
    }
}

/// The current instant on tokio's clock (which `tokio::time::pause` controls), as a std
/// `Instant`.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl RateBudget for LocalBudget {
    fn acquire<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        max_pause: Duration,
    ) -> BoxFuture<'a, Result<Permit, SourceError>> {
        Box::pin(async move {
            // Take a concurrency slot first, then a token: a token is only spent right
            // before the request goes out, so waiting for a slot never bunches requests.
            let slots = self.slots(server, policy, now());
            let slot = slots.acquire_owned().await.ok();
            loop {
                match self.admit(server, policy, max_pause, now()) {
                    Admission::Go => return Ok(Permit { _slot: slot }),
                    Admission::Wait(wait) if wait > max_pause => {
                        // A daily quota that is used up: say so now rather than hold the
                        // lookup (and a concurrency slot) for hours.
                        self.telemetry.count_circuit_open();
                        return Err(SourceError::new(
                            SourceErrorKind::RateLimited,
                            format!(
                                "the request budget for this server is used up: the next request \
                                 is allowed in {:.0} s, longer than max_retry_after (not asked)",
                                wait.as_secs_f64().ceil()
                            ),
                        ));
                    }
                    Admission::Wait(wait) => tokio::time::sleep(wait).await,
                    Admission::CircuitOpen(left) => {
                        self.telemetry.count_circuit_open();
                        return Err(SourceError::new(
                            SourceErrorKind::CircuitOpen,
                            format!(
                                "the server failed repeatedly; its circuit breaker is open for \
                                 another {:.0} s (not asked)",
                                left.as_secs_f64().ceil()
                            ),
                        ));
                    }
                    Admission::PausedTooLong(left) => {
                        self.telemetry.count_circuit_open();
                        return Err(SourceError::new(
                            SourceErrorKind::RateLimited,
                            format!(
                                "the server asked to pause for another {:.0} s, longer than \
                                 max_retry_after (not asked)",
                                left.as_secs_f64().ceil()
                            ),
                        ));
                    }
                }
            }
        })
    }

    fn report(&self, server: &str, outcome: AttemptOutcome, now: Instant) {
        if let Some(state) = self.lock().get_mut(server) {
            state.report(outcome, &self.breaker, now);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn settings() -> BreakerSettings {
        BreakerSettings { threshold: 3, cooldown: Duration::from_secs(30) }
    }

    const LONG: Duration = Duration::from_secs(3600);

    #[test]
    fn token_bucket_allows_the_burst_then_the_rate() {
        let t0 = Instant::now();
        let policy = ServerPolicy::new(10, Duration::from_secs(60), 2, 4);
        let mut state = ServerState::new(policy, t0);
        assert_eq!(state.admit(policy, &settings(), LONG, t0), Admission::Go);
        assert_eq!(state.admit(policy, &settings(), LONG, t0), Admission::Go);
        // 10 per minute: the next token in 6 s.
        assert_eq!(
            state.admit(policy, &settings(), LONG, t0),
            Admission::Wait(Duration::from_secs(6))
        );
        let t1 = t0 + Duration::from_secs(3);
        assert_eq!(
            state.admit(policy, &settings(), LONG, t1),
            Admission::Wait(Duration::from_secs(3))
        );
        let t2 = t0 + Duration::from_secs(6);
        assert_eq!(state.admit(policy, &settings(), LONG, t2), Admission::Go);
        // Never more than the burst after a long quiet spell.
        let t3 = t2 + Duration::from_secs(600);
        assert_eq!(state.admit(policy, &settings(), LONG, t3), Admission::Go);
        assert_eq!(state.admit(policy, &settings(), LONG, t3), Admission::Go);
        assert!(matches!(state.admit(policy, &settings(), LONG, t3), Admission::Wait(_)));
    }

    #[test]
    fn retry_after_pauses_the_server() {
        let t0 = Instant::now();
        let policy = ServerPolicy::unlimited(4);
        let mut state = ServerState::new(policy, t0);
        state.report(AttemptOutcome::RateLimited(Duration::from_secs(5)), &settings(), t0);
        assert_eq!(
            state.admit(policy, &settings(), LONG, t0),
            Admission::Wait(Duration::from_secs(5))
        );
        // A pause longer than allowed fails fast instead of blocking.
        assert_eq!(
            state.admit(policy, &settings(), Duration::from_secs(1), t0),
            Admission::PausedTooLong(Duration::from_secs(5))
        );
        assert_eq!(
            state.admit(policy, &settings(), LONG, t0 + Duration::from_secs(5)),
            Admission::Go
        );
    }

    #[test]
    fn breaker_opens_fails_fast_and_probes_half_open() {
        let t0 = Instant::now();
        let policy = ServerPolicy::unlimited(4);
        let s = settings();
        let mut state = ServerState::new(policy, t0);
        state.report(AttemptOutcome::Failed, &s, t0);
        state.report(AttemptOutcome::Failed, &s, t0);
        assert_eq!(state.admit(policy, &s, LONG, t0), Admission::Go);
        state.report(AttemptOutcome::Failed, &s, t0);
        assert_eq!(
            state.admit(policy, &s, LONG, t0),
            Admission::CircuitOpen(Duration::from_secs(30))
        );
        // After the cooldown one probe goes; others fail fast while it is out.
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(state.admit(policy, &s, LONG, t1), Admission::Go);
        assert!(matches!(state.admit(policy, &s, LONG, t1), Admission::CircuitOpen(_)));
        // A failed probe opens it again for twice as long.
        state.report(AttemptOutcome::Failed, &s, t1);
        assert_eq!(
            state.admit(policy, &s, LONG, t1),
            Admission::CircuitOpen(Duration::from_secs(60))
        );
        let t2 = t1 + Duration::from_secs(60);
        assert_eq!(state.admit(policy, &s, LONG, t2), Admission::Go);
        // A successful probe closes it.
        state.report(AttemptOutcome::Answered, &s, t2);
        assert_eq!(state.admit(policy, &s, LONG, t2), Admission::Go);
        assert_eq!(state.breaker, Breaker::Closed { failures: 0 });
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_back_every_request_to_that_server_only() {
        let budget =
            Arc::new(LocalBudget::new(&Politeness::unlimited(4), Arc::new(Telemetry::default())));
        let policy = ServerPolicy::unlimited(4);
        drop(budget.acquire("a:443", policy, LONG).await.unwrap());
        budget.report("a:443", AttemptOutcome::RateLimited(Duration::from_secs(5)), now());
        // Two other requests to the same server wait for the pause to end.
        let waiting: Vec<_> = (0..2)
            .map(|_| {
                let budget = Arc::clone(&budget);
                tokio::spawn(async move { budget.acquire("a:443", policy, LONG).await.is_ok() })
            })
            .collect();
        settle().await;
        tokio::time::advance(Duration::from_millis(4_900)).await;
        settle().await;
        assert!(waiting.iter().all(|w| !w.is_finished()));
        // Another server is not paused.
        drop(budget.acquire("b:443", policy, LONG).await.unwrap());
        tokio::time::advance(Duration::from_millis(100)).await;
        for w in waiting {
            assert!(w.await.unwrap());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_used_up_quota_fails_fast() {
        let budget = LocalBudget::new(&Politeness::default(), Arc::new(Telemetry::default()));
        // One request per hour, as a daily quota that is spent.
        let policy = ServerPolicy::new(1, Duration::from_secs(3600), 1, 4);
        let max_pause = Duration::from_secs(10);
        drop(budget.acquire("q:443", policy, max_pause).await.unwrap());
        let error = budget.acquire("q:443", policy, max_pause).await.unwrap_err();
        assert_eq!(error.kind(), SourceErrorKind::RateLimited);
        assert!(error.message().contains("used up"), "{}", error.message());
        // A short wait is waited out.
        let policy = ServerPolicy::new(1, Duration::from_secs(6), 1, 1);
        drop(budget.acquire("l:443", policy, max_pause).await.unwrap());
        assert!(budget.acquire("l:443", policy, max_pause).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_limit_holds_the_next_request_until_a_slot_frees() {
        let budget =
            Arc::new(LocalBudget::new(&Politeness::unlimited(1), Arc::new(Telemetry::default())));
        let policy = ServerPolicy::unlimited(1);
        let first = budget.acquire("a:443", policy, LONG).await.unwrap();
        let second = {
            let budget = Arc::clone(&budget);
            tokio::spawn(async move { budget.acquire("a:443", policy, LONG).await.is_ok() })
        };
        settle().await;
        assert!(!second.is_finished());
        drop(first);
        assert!(second.await.unwrap());
    }

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
