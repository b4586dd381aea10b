//! The per-server request budget: the [`RateBudget`] seam and its in-process implementation
//! [`LocalBudget`]. Per server it keeps a concurrency limit, a token bucket, a pause that a
//! `Retry-After` imposes on every request to that server, and a circuit breaker that fails
//! fast after repeated failures and probes again later (half-open).
//!
//! It does not send requests: `transport/http.rs` (RDAP) and `whois/mod.rs` (port 43, under
//! `whois://host:port` keys) ask for a [`Permit`] before each attempt and report how the
//! attempt went. The policies it enforces are the
//! [`Politeness`](crate::Politeness) table (plain data, in `config/politeness.rs`). Time is
//! a parameter (`now`) in every decision so the state machine is tested without sleeping;
//! only [`RateBudget::acquire`] sleeps.
//!
//! Servers with a quota counted over an hour or more (RIPE NCC's 1,000 personal objects per
//! 24 h) can keep their token bucket in a [`BudgetStore`] ([`LocalBudget::with_store`]), so
//! that the next run starts from what this one left; the store itself (e.g. `DiskCache`,
//! in `cache/disk.rs`) is not this file's business.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::cache::{BudgetStore, SavedBucket};
use crate::clock::now;
use crate::config::{Politeness, ServerPolicy};
use crate::error::{SourceError, SourceErrorKind};
use crate::future::BoxFuture;
use crate::transport::learn::RateLearner;
use tokio::sync::Semaphore;

/// How one attempt went, as reported to a [`RateBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
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
///
/// A budget of your own hands out permits with [`Permit::new`] (nothing to free) or
/// [`Permit::holding`] (anything whose drop frees a slot: a semaphore permit, a lease).
pub struct Permit {
    _slot: Option<Box<dyn Send + Sync>>,
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("holds_slot", &self._slot.is_some()).finish()
    }
}

impl Permit {
    /// A permit that frees nothing when dropped.
    pub fn new() -> Self {
        Self { _slot: None }
    }

    /// A permit that drops `slot` when the request is done.
    pub fn holding(slot: impl Send + Sync + 'static) -> Self {
        Self { _slot: Some(Box::new(slot)) }
    }
}

impl Default for Permit {
    fn default() -> Self {
        Self::new()
    }
}

/// The per-server request budget shared by every request of a client: permits, pauses and
/// breaker state. Object-safe, so a budget shared between processes (e.g. in Redis) can
/// replace [`LocalBudget`] through
/// [`ClientBuilder::rate_budget`](crate::ClientBuilder::rate_budget).
///
/// # Contract
///
/// - `server` is the key [`Politeness::server_key`] gives (a rule's pattern, or
///   `host:port`); `policy` is that server's policy. Keep state per key.
/// - [`acquire`](Self::acquire) resolves when one request may go out now, and its
///   [`Permit`] is held until the attempt is over. It must not wait longer than `max_pause`
///   for a token or a pause: it fails at once instead with
///   [`SourceErrorKind::RateLimited`] (a used-up quota, a long `Retry-After`) or
///   [`SourceErrorKind::CircuitOpen`] (the server failed repeatedly), naming the server and
///   ending with "(not asked)".
/// - [`report`](Self::report) is called once per attempt that was sent (or refused by the
///   address policy, as [`AttemptOutcome::Neutral`]). A `RateLimited(wait)` report pauses
///   the server for every caller.
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
/// use whohosts::{AttemptOutcome, BoxFuture, Permit, RateBudget, ServerPolicy, SourceError};
///
/// /// A budget that lets everything through (for a private mirror).
/// #[derive(Debug)]
/// struct Unlimited;
///
/// impl RateBudget for Unlimited {
///     fn acquire<'a>(
///         &'a self,
///         _server: &'a str,
///         _policy: ServerPolicy,
///         _max_pause: Duration,
///     ) -> BoxFuture<'a, Result<Permit, SourceError>> {
///         Box::pin(async { Ok(Permit::new()) })
///     }
///     fn report(&self, _server: &str, _outcome: AttemptOutcome, _now: Instant) {}
/// }
///
/// let client = whohosts::Client::builder().rate_budget(Arc::new(Unlimited)).build()?;
/// # Ok::<(), whohosts::Error>(())
/// ```
pub trait RateBudget: Send + Sync + fmt::Debug {
    /// Wait until one request to `server` may be sent under `policy`. Fails at once
    /// (`CircuitOpen`, with a message naming the server) while the server's circuit is open,
    /// or (`RateLimited`) while it asked for a pause longer than `max_pause` or when the next
    /// token is further away than `max_pause` (a used-up daily quota).
    fn acquire<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        max_pause: Duration,
    ) -> BoxFuture<'a, Result<Permit, SourceError>>;

    /// Record how an attempt to `server` went, at `now` (this process's clock; a shared
    /// budget may use its own).
    fn report(&self, server: &str, outcome: AttemptOutcome, now: Instant);

    /// Whether a request to `server` under `policy` could go out at `now`, without waiting,
    /// taking anything or asking anyone: the per-address planner asks it to leave a spent or
    /// paused server alone. The default answers [`BudgetState::Unknown`] (the planner then
    /// goes by the policy alone).
    fn state(&self, server: &str, policy: ServerPolicy, now: Instant) -> BudgetState {
        let _ = (server, policy, now);
        BudgetState::Unknown
    }

    /// When `server` may next be sent a request as far as its rate goes: the wall-clock time
    /// its bucket holds a token again and any pause it asked for is over (a time already
    /// passed when it may be asked now). `None` when the budget does not know (a server it
    /// has not seen, a budget that does not say): the default, so that a budget of your own
    /// need not answer. The bulk summary prints it for every server that was rate limited
    /// ("rdap.db.ripe.net budget refills at 14:05 UTC").
    fn next_request_at(&self, server: &str) -> Option<SystemTime> {
        let _ = server;
        None
    }

    /// Take `units` more tokens from `server`'s bucket under `policy`: an answer cost more
    /// than the one token its request took (a server that counts personal data sets,
    /// [`Counting::PersonalObjects`](crate::Counting)). The bucket may go below zero; the
    /// next request then waits until it is back to one. The default does nothing (a budget
    /// of your own that ignores it counts requests only).
    fn charge<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        units: u32,
    ) -> BoxFuture<'a, ()> {
        let _ = (server, policy, units);
        Box::pin(async {})
    }
}

/// What a [`RateBudget`] says about one server right now ([`RateBudget::state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetState {
    /// The budget does not say (the default; or a bucket kept in a store and not loaded yet).
    Unknown,
    /// A request may go now: a token is there, no pause runs, the circuit is closed.
    Ready,
    /// The token bucket is empty: the next token comes in this long (a used-up daily quota
    /// waits hours).
    Spent(Duration),
    /// The server asked to pause (`Retry-After`) for this much longer.
    Paused(Duration),
    /// The circuit breaker is open for this much longer: requests fail fast.
    CircuitOpen(Duration),
}

/// The refusal for a token further away than the caller waits (a used-up daily quota).
pub(crate) fn used_up(wait: Duration) -> SourceError {
    SourceError::new(
        SourceErrorKind::RateLimited,
        format!(
            "the request budget for this server is used up: the next request is allowed in \
             {:.0} s, longer than max_retry_after (not asked)",
            wait.as_secs_f64().ceil()
        ),
    )
}

/// The refusal while a server's circuit is open for `left` more.
pub(crate) fn circuit_open(left: Duration) -> SourceError {
    SourceError::new(
        SourceErrorKind::CircuitOpen,
        format!(
            "the server failed repeatedly; its circuit breaker is open for another {:.0} s \
             (not asked)",
            left.as_secs_f64().ceil()
        ),
    )
}

/// The refusal while a server's `Retry-After` pause runs `left` more, longer than the caller
/// waits.
pub(crate) fn paused_too_long(left: Duration) -> SourceError {
    SourceError::new(
        SourceErrorKind::RateLimited,
        format!(
            "the server asked to pause for another {:.0} s, longer than max_retry_after \
             (not asked)",
            left.as_secs_f64().ceil()
        ),
    )
}

/// Token buckets with a period of this or longer are kept in a [`BudgetStore`]: an hourly or
/// daily quota outlives a run, a per-second rate does not need to.
pub(crate) const PERSISTED_PERIOD: Duration = Duration::from_secs(3600);

/// True when `policy`'s bucket is kept in a [`BudgetStore`]: a long-period quota, or a
/// learnt rate.
fn is_persisted(policy: ServerPolicy) -> bool {
    policy.learn.is_some() || !policy.is_unlimited() && policy.period >= PERSISTED_PERIOD
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
    /// The policy of the last admission (for [`next_request_at`](Self::next_request_at)).
    policy: ServerPolicy,
    /// A request was refused for the rate (a used-up quota, a pause too long) or the server
    /// answered with a rate-limit refusal, since this state was made.
    limited: bool,
    /// The learnt rate, for a policy that learns it (the bucket then runs at its rate, with
    /// a burst of 1).
    learner: Option<RateLearner>,
}

impl ServerState {
    fn new(policy: ServerPolicy, now: Instant) -> Self {
        let learner = policy.learn.map(RateLearner::new);
        Self {
            tokens: if learner.is_some() { 1.0 } else { f64::from(policy.burst.max(1)) },
            refreshed: now,
            paused_until: None,
            breaker: Breaker::Closed { failures: 0 },
            slots: Arc::new(Semaphore::new(policy.max_concurrent.max(1))),
            policy,
            limited: false,
            learner,
        }
    }

    /// How long from `now` until a request may go as far as the rate goes: the pause left,
    /// and the time until the bucket holds one token (zero when it does).
    fn next_request_in(&self, now: Instant) -> Duration {
        let paused = self.paused_until.map_or(Duration::ZERO, |u| u.saturating_duration_since(now));
        let Some((rate, burst)) = self.bucket(self.policy) else {
            return paused;
        };
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        let tokens = (self.tokens + elapsed * rate).min(burst);
        let refill = if tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64((1.0 - tokens) / rate).unwrap_or(Duration::MAX)
        };
        paused.max(refill)
    }

    /// The bucket's refill rate (per second) and size now: the learnt rate and 1 for a
    /// learning policy, the policy's otherwise; `None` when no bucket applies.
    fn bucket(&self, policy: ServerPolicy) -> Option<(f64, f64)> {
        if let Some(learner) = &self.learner {
            return Some((learner.rate(), 1.0));
        }
        (!policy.is_unlimited()).then(|| {
            (
                f64::from(policy.requests) / policy.period.as_secs_f64(),
                f64::from(policy.burst.max(1)),
            )
        })
    }

    /// The state of a server whose bucket was `saved` by an earlier run, `now` being
    /// wall-clock time `wall`: the saved tokens plus what the policy's rate refilled since,
    /// at most the burst. A clock that went backwards refills nothing; a pause still running
    /// is kept.
    fn restored(policy: ServerPolicy, saved: SavedBucket, now: Instant, wall: SystemTime) -> Self {
        let mut state = Self::new(policy, now);
        if let Some(learning) = policy.learn {
            if let Some(rate) = saved.learnt_rate {
                state.learner = Some(RateLearner::resumed(learning, rate));
            } else if let Some(refused) = saved.refused_rate {
                state.learner = Some(RateLearner::after_refusal(learning, refused));
            }
            return state;
        }
        if policy.is_unlimited() || !saved.tokens.is_finite() {
            return state;
        }
        let rate = f64::from(policy.requests) / policy.period.as_secs_f64();
        let elapsed = wall.duration_since(saved.at).unwrap_or(Duration::ZERO).as_secs_f64();
        state.tokens = (saved.tokens.max(0.0) + elapsed * rate).min(f64::from(policy.burst.max(1)));
        state.paused_until = saved
            .paused_until
            .and_then(|until| until.duration_since(wall).ok())
            .map(|left| now + left);
        state
    }

    /// This state as kept between runs, `now` being wall-clock time `wall`.
    fn saved(&self, now: Instant, wall: SystemTime) -> SavedBucket {
        let since = now.saturating_duration_since(self.refreshed);
        SavedBucket {
            tokens: self.tokens,
            at: wall.checked_sub(since).unwrap_or(wall),
            paused_until: self
                .paused_until
                .and_then(|until| until.checked_duration_since(now))
                .and_then(|left| wall.checked_add(left)),
            learnt_rate: self.learner.as_ref().and_then(RateLearner::learnt),
            refused_rate: self.learner.as_ref().and_then(RateLearner::refused),
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
        self.policy = policy;
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
        let Some((rate, burst)) = self.bucket(policy) else {
            return Admission::Go;
        };
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.refreshed = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            if let Some(learner) = self.learner.as_mut() {
                learner.sent(now);
            }
            Admission::Go
        } else {
            self.undo_probe(now);
            if let Some(learner) = self.learner.as_mut() {
                learner.held_back(now);
            }
            Admission::Wait(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }

    /// What [`admit`](Self::admit) would decide at `now`, without changing anything.
    fn peek(&self, policy: ServerPolicy, settings: &BreakerSettings, now: Instant) -> BudgetState {
        match self.breaker {
            Breaker::Open { until, .. } if now < until => {
                return BudgetState::CircuitOpen(until - now);
            }
            Breaker::Open { .. } | Breaker::Closed { .. } => {}
            // One probe is out: the others fail fast until it reports.
            Breaker::HalfOpen { .. } => return BudgetState::CircuitOpen(settings.cooldown),
        }
        if let Some(until) = self.paused_until.filter(|until| now < *until) {
            return BudgetState::Paused(until - now);
        }
        let Some((rate, burst)) = self.bucket(policy) else {
            return BudgetState::Ready;
        };
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        let tokens = (self.tokens + elapsed * rate).min(burst);
        if tokens >= 1.0 {
            BudgetState::Ready
        } else {
            BudgetState::Spent(Duration::from_secs_f64((1.0 - tokens) / rate))
        }
    }

    /// Take `units` more tokens at `now` (see [`RateBudget::charge`]); the bucket goes no
    /// lower than minus its size.
    fn charge(&mut self, policy: ServerPolicy, units: u32, now: Instant) {
        let Some((rate, burst)) = self.bucket(policy) else { return };
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        self.tokens = ((self.tokens + elapsed * rate).min(burst) - f64::from(units)).max(-burst);
        self.refreshed = now;
    }

    /// A half-open probe that has to wait gives its turn back (it is not in flight).
    fn undo_probe(&mut self, now: Instant) {
        if let Breaker::HalfOpen { trips } = self.breaker {
            self.breaker = Breaker::Open { until: now, trips };
        }
    }

    fn report(&mut self, outcome: AttemptOutcome, settings: &BreakerSettings, now: Instant) {
        match outcome {
            AttemptOutcome::Answered => {
                self.breaker = Breaker::Closed { failures: 0 };
                if let Some(learner) = self.learner.as_mut() {
                    learner.answered(now);
                }
            }
            AttemptOutcome::RateLimited(wait) => {
                self.limited = true;
                if let Some(learner) = self.learner.as_mut() {
                    learner.rate_limited(now, wait);
                }
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

/// The in-process [`RateBudget`] (the default): per server key a concurrency limit, a token
/// bucket, a `Retry-After` pause and a circuit breaker, kept in memory; with
/// [`with_store`](Self::with_store), the buckets of hourly and daily quotas are also kept
/// in a [`BudgetStore`] between runs.
pub struct LocalBudget {
    servers: Mutex<HashMap<String, ServerState>>,
    breaker: BreakerSettings,
    store: Option<Arc<dyn BudgetStore>>,
    /// Held while a bucket is read and saved, so that saves reach the store in the order
    /// their states were taken (the last save is the latest state).
    saving: tokio::sync::Mutex<()>,
}

impl fmt::Debug for LocalBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalBudget")
            .field("servers", &self.lock().len())
            .field("breaker_threshold", &self.breaker.threshold)
            .field("breaker_cooldown", &self.breaker.cooldown)
            .field("store", &self.store)
            .finish()
    }
}

impl LocalBudget {
    /// A budget with `politeness`'s breaker settings (the per-server policies come with
    /// each [`acquire`](RateBudget::acquire)).
    pub fn new(politeness: &Politeness) -> Self {
        Self {
            servers: Mutex::new(HashMap::new()),
            breaker: BreakerSettings {
                threshold: politeness.breaker_threshold,
                cooldown: politeness.breaker_cooldown,
            },
            store: None,
            saving: tokio::sync::Mutex::new(()),
        }
    }

    /// A budget as [`new`](Self::new) that also keeps, in `store`, the token bucket of every
    /// server whose policy counts requests over an hour or longer ([`ServerPolicy::period`]): it
    /// is loaded before the first request to that server and saved after each request it
    /// allows (and when a used-up quota or a long pause refuses one). Concurrency slots,
    /// breakers and per-second buckets stay in memory.
    pub fn with_store(politeness: &Politeness, store: Arc<dyn BudgetStore>) -> Self {
        Self { store: Some(store), ..Self::new(politeness) }
    }

    /// The servers (budget keys) that were rate limited since this budget was made: a
    /// request refused for a used-up quota or a pause longer than the caller waits, or a
    /// rate-limit answer reported. Sorted. With
    /// [`next_request_at`](RateBudget::next_request_at), what the bulk summary says about
    /// when each budget refills.
    ///
    /// ```
    /// use std::time::Duration;
    /// use whohosts::{LocalBudget, Politeness, RateBudget, ServerPolicy};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let budget = LocalBudget::new(&Politeness::default());
    /// // Two requests a day, both spent.
    /// let daily = ServerPolicy::new(2, Duration::from_secs(86_400), 2, 1);
    /// for _ in 0..2 {
    ///     drop(budget.acquire("rdap.db.ripe.net", daily, Duration::from_secs(10)).await);
    /// }
    /// assert!(budget.acquire("rdap.db.ripe.net", daily, Duration::from_secs(10)).await.is_err());
    /// assert_eq!(budget.rate_limited_servers(), ["rdap.db.ripe.net"]);
    /// // One token comes back every 12 hours.
    /// let at = budget.next_request_at("rdap.db.ripe.net").unwrap();
    /// let wait = at.duration_since(std::time::SystemTime::now()).unwrap();
    /// assert!(wait > Duration::from_secs(11 * 3600) && wait <= Duration::from_secs(12 * 3600));
    /// # }
    /// ```
    pub fn rate_limited_servers(&self) -> Vec<String> {
        let mut servers: Vec<String> =
            self.lock().iter().filter(|(_, s)| s.limited).map(|(k, _)| k.clone()).collect();
        servers.sort_unstable();
        servers
    }

    /// Mark `server` as rate limited (a refusal for the rate).
    fn mark_limited(&self, server: &str) {
        if let Some(state) = self.lock().get_mut(server) {
            state.limited = true;
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

    /// Bring `server`'s saved bucket in from `store`, unless its state is already here.
    async fn restore(&self, server: &str, policy: ServerPolicy, store: &dyn BudgetStore) {
        if self.lock().contains_key(server) {
            return;
        }
        let saved = store.load(server).await;
        let (now, wall) = (now(), SystemTime::now());
        self.lock().entry(server.to_owned()).or_insert_with(|| match saved {
            Some(saved) => ServerState::restored(policy, saved, now, wall),
            None => ServerState::new(policy, now),
        });
    }

    /// Write `server`'s bucket as it is now to `store`.
    async fn save(&self, server: &str, store: &dyn BudgetStore) {
        let _order = self.saving.lock().await;
        let bucket = self.lock().get(server).map(|state| state.saved(now(), SystemTime::now()));
        if let Some(bucket) = bucket {
            store.save(server, bucket).await;
        }
    }

    /// True when `server`'s learnt rate moved enough to be saved (and marks it saved).
    fn learnt_moved(&self, server: &str) -> bool {
        self.lock()
            .get_mut(server)
            .and_then(|state| state.learner.as_mut())
            .and_then(RateLearner::take_unsaved)
            .is_some()
    }

    /// The rate learnt for `server` so far, in requests per second: `None` for a server
    /// whose policy does not learn ([`ServerPolicy::learn`]) or before its first 429 (or
    /// a rate saved by an earlier run).
    pub fn learnt_rate(&self, server: &str) -> Option<f64> {
        self.lock().get(server).and_then(|state| state.learner.as_ref()?.learnt())
    }

    fn slots(&self, server: &str, policy: ServerPolicy, now: Instant) -> Arc<Semaphore> {
        let mut servers = self.lock();
        let state =
            servers.entry(server.to_owned()).or_insert_with(|| ServerState::new(policy, now));
        Arc::clone(&state.slots)
    }
}

impl RateBudget for LocalBudget {
    fn acquire<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        max_pause: Duration,
    ) -> BoxFuture<'a, Result<Permit, SourceError>> {
        Box::pin(async move {
            let store = self.store.as_deref().filter(|_| is_persisted(policy));
            if let Some(store) = store {
                self.restore(server, policy, store).await;
            }
            // Take a concurrency slot first, then a token: a token is only spent right
            // before the request goes out, so waiting for a slot never bunches requests.
            let slots = self.slots(server, policy, now());
            let slot = slots.acquire_owned().await.ok();
            loop {
                let admission = self.admit(server, policy, max_pause, now());
                // A spent token, or a refusal that a long pause caused, is worth keeping.
                // A learnt rate is kept when it moved (not at every request).
                let changed = if policy.learn.is_some() {
                    self.learnt_moved(server)
                } else {
                    match admission {
                        Admission::Go | Admission::PausedTooLong(_) => true,
                        Admission::Wait(wait) => wait > max_pause,
                        Admission::CircuitOpen(_) => false,
                    }
                };
                if let Some(store) = store.filter(|_| changed) {
                    self.save(server, store).await;
                }
                match admission {
                    Admission::Go => return Ok(slot.map_or_else(Permit::new, Permit::holding)),
                    Admission::Wait(wait) if wait > max_pause => {
                        // A daily quota that is used up: say so now rather than hold the
                        // lookup (and a concurrency slot) for hours.
                        self.mark_limited(server);
                        return Err(used_up(wait));
                    }
                    Admission::Wait(wait) => tokio::time::sleep(wait).await,
                    Admission::CircuitOpen(left) => return Err(circuit_open(left)),
                    Admission::PausedTooLong(left) => {
                        self.mark_limited(server);
                        return Err(paused_too_long(left));
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

    /// From the server's state in memory; a server not asked yet is ready, unless its bucket
    /// is kept in the store (then it is unknown until the first request loads it).
    fn state(&self, server: &str, policy: ServerPolicy, now: Instant) -> BudgetState {
        match self.lock().get(server) {
            Some(state) => state.peek(policy, &self.breaker, now),
            None if self.store.is_some() && is_persisted(policy) => BudgetState::Unknown,
            None => BudgetState::Ready,
        }
    }

    fn next_request_at(&self, server: &str) -> Option<SystemTime> {
        let wait = self.lock().get(server)?.next_request_in(now());
        SystemTime::now().checked_add(wait)
    }

    /// Takes the tokens in memory, and saves the bucket when it is kept in the store.
    fn charge<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        units: u32,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if units == 0 {
                return;
            }
            let charged = match self.lock().get_mut(server) {
                Some(state) => {
                    state.charge(policy, units, now());
                    true
                }
                None => false,
            };
            if let Some(store) = self.store.as_deref().filter(|_| charged && is_persisted(policy)) {
                self.save(server, store).await;
            }
        })
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
    fn an_answer_that_costs_more_than_one_takes_the_rest_from_the_bucket() {
        // 30 personal data sets a day; answers hold 12 each.
        let policy = ServerPolicy::new(30, Duration::from_secs(86_400), 30, 1);
        let start = Instant::now();
        let mut state = ServerState::new(policy, start);
        let mut sent = 0;
        while state.admit(policy, &settings(), LONG, start) == Admission::Go {
            state.charge(policy, 11, start);
            sent += 1;
        }
        // 30 → 18 → 6 → -6: three answers, then a wait for 7 tokens (7 × 48 min).
        assert_eq!(sent, 3);
        assert_eq!(state.next_request_in(start), Duration::from_secs(7 * 2880));
        // Never below minus the bucket's size.
        state.charge(policy, 1_000, start);
        assert_eq!(state.tokens, -30.0);
    }

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
    fn peeking_says_what_admit_would_do_and_takes_nothing() {
        let t0 = Instant::now();
        let s = settings();
        let daily = ServerPolicy::new(2, DAY, 2, 4);
        let mut state = ServerState::new(daily, t0);
        assert_eq!(state.peek(daily, &s, t0), BudgetState::Ready);
        assert_eq!(state.peek(daily, &s, t0), BudgetState::Ready);
        assert_eq!(state.admit(daily, &s, LONG, t0), Admission::Go);
        assert_eq!(state.admit(daily, &s, LONG, t0), Admission::Go);
        // Two a day: the next token in half a day.
        assert_eq!(state.peek(daily, &s, t0), BudgetState::Spent(DAY / 2));
        assert_eq!(state.peek(daily, &s, t0 + DAY / 2), BudgetState::Ready);
        // A pause, then an open circuit, each said as such.
        state.report(AttemptOutcome::RateLimited(Duration::from_secs(60)), &s, t0);
        assert_eq!(state.peek(daily, &s, t0), BudgetState::Paused(Duration::from_secs(60)));
        for _ in 0..3 {
            state.report(AttemptOutcome::Failed, &s, t0);
        }
        assert_eq!(state.peek(daily, &s, t0), BudgetState::CircuitOpen(Duration::from_secs(30)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_budget_reports_the_state_of_its_servers() {
        let budget = LocalBudget::new(&Politeness::default());
        let daily = ServerPolicy::new(1, DAY, 1, 4);
        assert_eq!(budget.state("ripe", daily, now()), BudgetState::Ready);
        drop(budget.acquire("ripe", daily, LONG).await.unwrap());
        assert!(matches!(budget.state("ripe", daily, now()), BudgetState::Spent(_)));
        // A bucket kept in a store is unknown until the first request loads it.
        let stored =
            LocalBudget::with_store(&Politeness::default(), Arc::new(MemoryStore::default()));
        assert_eq!(stored.state("ripe", daily, now()), BudgetState::Unknown);
        let per_second = ServerPolicy::new(5, Duration::from_secs(1), 5, 4);
        assert_eq!(stored.state("arin", per_second, now()), BudgetState::Ready);
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
        let budget = Arc::new(LocalBudget::new(&Politeness::unlimited(4)));
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
        let budget = LocalBudget::new(&Politeness::default());
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

    /// A budget store in memory, standing for one kept between runs.
    #[derive(Debug, Default)]
    struct MemoryStore(Mutex<HashMap<String, SavedBucket>>);

    impl BudgetStore for MemoryStore {
        fn load<'a>(&'a self, server: &'a str) -> BoxFuture<'a, Option<SavedBucket>> {
            let saved = self.0.lock().unwrap().get(server).copied();
            Box::pin(async move { saved })
        }

        fn save<'a>(&'a self, server: &'a str, bucket: SavedBucket) -> BoxFuture<'a, ()> {
            self.0.lock().unwrap().insert(server.to_owned(), bucket);
            Box::pin(async {})
        }
    }

    const DAY: Duration = Duration::from_secs(86_400);
    const HOUR: Duration = Duration::from_secs(3600);

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_saved_bucket_refills_by_the_wall_clock_time_between_runs() {
        // One token an hour, at most two at once.
        let policy = ServerPolicy::new(24, DAY, 2, 4);
        let (now, wall) = (Instant::now(), SystemTime::now());
        let saved = |tokens, at| SavedBucket::new(tokens, at);
        let restored = |bucket| ServerState::restored(policy, bucket, now, wall);
        // Saved empty 90 minutes ago: one and a half tokens came back since.
        let state = restored(saved(0.0, wall - HOUR - HOUR / 2));
        assert!(close(state.tokens, 1.5), "{}", state.tokens);
        // Saved a day ago: full, but never more than the burst.
        assert!(close(restored(saved(0.0, wall - DAY)).tokens, 2.0));
        // A wall clock that went backwards refills nothing.
        assert!(close(restored(saved(0.5, wall + HOUR)).tokens, 0.5));
        // A pause still running is kept; one that is over is not.
        let mut paused = saved(1.0, wall);
        paused.paused_until = Some(wall + Duration::from_secs(30));
        assert_eq!(restored(paused).paused_until, Some(now + Duration::from_secs(30)));
        paused.paused_until = Some(wall - Duration::from_secs(30));
        assert_eq!(restored(paused).paused_until, None);
    }

    #[test]
    fn a_bucket_is_saved_in_wall_clock_time() {
        let policy = ServerPolicy::new(24, DAY, 2, 4);
        let (t0, wall) = (Instant::now(), SystemTime::now());
        let mut state = ServerState::new(policy, t0);
        assert_eq!(state.admit(policy, &settings(), LONG, t0), Admission::Go);
        state.report(AttemptOutcome::RateLimited(Duration::from_secs(60)), &settings(), t0);
        // Ten minutes later (on this process's clock) it is saved: the tokens as counted at
        // the last admission, dated then, and the pause's end as a wall-clock time.
        let later = t0 + Duration::from_secs(600);
        let saved = state.saved(later, wall);
        assert!(close(saved.tokens, 1.0));
        assert_eq!(saved.at, wall - Duration::from_secs(600));
        assert_eq!(saved.paused_until, None);
        let saved = state.saved(t0, wall);
        assert_eq!(saved.paused_until, Some(wall + Duration::from_secs(60)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_daily_quota_spent_in_one_run_stays_spent_in_the_next() {
        let store = Arc::new(MemoryStore::default());
        let policy = ServerPolicy::new(2, DAY, 2, 4);
        let max_pause = Duration::from_secs(10);
        let first = LocalBudget::with_store(&Politeness::default(), store.clone());
        drop(first.acquire("ripe", policy, max_pause).await.unwrap());
        drop(first.acquire("ripe", policy, max_pause).await.unwrap());
        assert!(first.acquire("ripe", policy, max_pause).await.is_err());
        drop(first);
        // The next run (a new budget on the same store) finds the quota spent.
        let second = LocalBudget::with_store(&Politeness::default(), store.clone());
        let error = second.acquire("ripe", policy, max_pause).await.unwrap_err();
        assert_eq!(error.kind(), SourceErrorKind::RateLimited);
        assert!(error.message().contains("used up"), "{}", error.message());
        // A budget without the store would have started full.
        let cold = LocalBudget::new(&Politeness::default());
        assert!(cold.acquire("ripe", policy, max_pause).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_learnt_rate_is_stored_and_the_next_run_starts_at_it() {
        let store = Arc::new(MemoryStore::default());
        let policy = ServerPolicy::learning(2, 0, 4);
        let first = LocalBudget::with_store(&Politeness::default(), store.clone());
        drop(first.acquire("registrar", policy, LONG).await.unwrap());
        // Refused at 2/s (still in slow start): the bounds are 1.4 and 2; 1.4 is a guess.
        first.report("registrar", AttemptOutcome::RateLimited(Duration::ZERO), now());
        assert_eq!(first.learnt_rate("registrar"), None);
        // Held at 1.4/s for the sustain time, every request answered: learnt, and saved.
        for _ in 0..5 {
            drop(first.acquire("registrar", policy, LONG).await.unwrap());
            first.report("registrar", AttemptOutcome::Answered, now());
        }
        assert_eq!(first.learnt_rate("registrar"), Some(1.4));
        drop(first.acquire("registrar", policy, LONG).await.unwrap());
        assert_eq!(store.0.lock().unwrap()["registrar"].learnt_rate, Some(1.4));
        drop(first);
        // The next run resumes a little below it, without slow start.
        let second = LocalBudget::with_store(&Politeness::default(), store.clone());
        drop(second.acquire("registrar", policy, LONG).await.unwrap());
        let resumed = second.learnt_rate("registrar").unwrap();
        assert!((resumed - 1.4 * 0.98).abs() < 1e-9, "{resumed}");
    }

    #[tokio::test(start_paused = true)]
    async fn only_hourly_and_longer_quotas_are_stored() {
        let store = Arc::new(MemoryStore::default());
        let budget = LocalBudget::with_store(&Politeness::default(), store.clone());
        let per_second = ServerPolicy::new(5, Duration::from_secs(1), 5, 4);
        let per_minute = ServerPolicy::new(10, Duration::from_secs(60), 1, 1);
        let hourly = ServerPolicy::new(1000, HOUR, 10, 4);
        drop(budget.acquire("arin", per_second, LONG).await.unwrap());
        drop(budget.acquire("lacnic", per_minute, LONG).await.unwrap());
        drop(budget.acquire("ripe", hourly, LONG).await.unwrap());
        drop(budget.acquire("mirror", ServerPolicy::unlimited(4), LONG).await.unwrap());
        let stored = store.0.lock().unwrap();
        assert_eq!(stored.keys().collect::<Vec<_>>(), ["ripe"]);
        assert!(close(stored["ripe"].tokens, 9.0));
    }

    #[test]
    fn the_next_request_waits_for_a_token_and_for_a_pause() {
        // Two a day, burst 2: one token every 12 hours.
        let policy = ServerPolicy::new(2, DAY, 2, 4);
        let t0 = Instant::now();
        let mut state = ServerState::new(policy, t0);
        assert_eq!(state.next_request_in(t0), Duration::ZERO);
        assert_eq!(state.admit(policy, &settings(), LONG, t0), Admission::Go);
        assert_eq!(state.admit(policy, &settings(), LONG, t0), Admission::Go);
        let near = |a: Duration, b: Duration| a.abs_diff(b) < Duration::from_millis(1);
        assert!(near(state.next_request_in(t0), DAY / 2));
        // Three hours on, nine to go.
        assert!(near(state.next_request_in(t0 + 3 * HOUR), 9 * HOUR));
        // A pause that ends later decides.
        state.report(AttemptOutcome::RateLimited(DAY), &settings(), t0);
        assert!(state.limited);
        assert!(near(state.next_request_in(t0 + HOUR), DAY - HOUR));
        // Unlimited servers wait only for their pause.
        let free = ServerState::new(ServerPolicy::unlimited(4), t0);
        assert_eq!(free.next_request_in(t0), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn servers_refused_for_their_rate_are_listed_with_when_they_refill() {
        let budget = LocalBudget::new(&Politeness::default());
        let daily = ServerPolicy::new(1, DAY, 1, 4);
        let max_pause = Duration::from_secs(10);
        drop(budget.acquire("ripe", daily, max_pause).await.unwrap());
        drop(budget.acquire("arin:443", ServerPolicy::default(), max_pause).await.unwrap());
        assert!(budget.rate_limited_servers().is_empty());
        assert!(budget.acquire("ripe", daily, max_pause).await.is_err());
        // A 429 answer counts too.
        budget.report("arin:443", AttemptOutcome::RateLimited(HOUR), now());
        assert_eq!(budget.rate_limited_servers(), ["arin:443", "ripe"]);
        let wall = SystemTime::now();
        let ripe = budget.next_request_at("ripe").unwrap().duration_since(wall).unwrap();
        let ms = Duration::from_millis(1);
        assert!(ripe <= DAY + ms && ripe > DAY - Duration::from_secs(60), "{ripe:?}");
        let arin = budget.next_request_at("arin:443").unwrap().duration_since(wall).unwrap();
        assert!(arin <= HOUR + ms && arin > HOUR - Duration::from_secs(60), "{arin:?}");
        assert_eq!(budget.next_request_at("lacnic"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_limit_holds_the_next_request_until_a_slot_frees() {
        let budget = Arc::new(LocalBudget::new(&Politeness::unlimited(1)));
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
}
