//! [`RedisBudget`]: the [`RateBudget`] shared by every worker through one Redis server
//! (feature `redis`), so that N workers together ask a server no faster than one would.
//!
//! It owns the shared state of each server and the two server-side scripts that change it,
//! each one atomic: [`ACQUIRE`] (breaker, pause, then a GCRA token bucket, on Redis' own
//! clock: `TIME`), [`REPORT`] (how an attempt went: close or open the breaker, start a
//! `Retry-After` pause) and [`CHARGE`] (an answer that cost more than one token: RIPE NCC's
//! personal data sets). Per server one hash, `{prefix}budget:{server key}`:
//!
//! | field | meaning |
//! |---|---|
//! | `tat` | GCRA's theoretical arrival time (Unix ms): the bucket is full when it is past |
//! | `pause` | no request before this (Unix ms): a `Retry-After`, for every worker |
//! | `failures` | attempts failed in a row while the circuit is closed |
//! | `open` | the circuit is open until this (Unix ms); set while open or half-open |
//! | `trips` | consecutive openings (the cooldown doubles each time, up to 8×) |
//! | `probe` | half-open: one worker's probe is out until this (a lease, so a worker that dies does not hold it) |
//!
//! The key expires an hour after the last of these times. What stays in each process: the
//! concurrency limit (`max_concurrent` per process), and the fallback: while Redis cannot
//! be reached, an in-process [`LocalBudget`] decides, with a warning from [`Redis`].
//!
//! It does not decide the policies (the [`Politeness`] table does) nor send requests.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use redis::Script;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::budget::{
    AttemptOutcome, BudgetState, LocalBudget, Permit, RateBudget, circuit_open, paused_too_long,
    used_up,
};
use crate::cache::Redis;
use crate::clock::now;
use crate::config::{Politeness, ServerPolicy};
use crate::error::SourceError;
use crate::future::BoxFuture;

/// The key kind of budgets (`{prefix}budget:{server}`).
const KIND: &str = "budget";

/// Shared by both scripts: `now` in Unix ms from Redis' clock, numbers kept exactly, and the
/// key's expiry an hour past the last time it holds.
const PRELUDE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local key = KEYS[1]
local function put(field, value)
  redis.call('HSET', key, field, string.format('%.3f', value))
end
local function keep()
  local s = redis.call('HMGET', key, 'tat', 'pause', 'open', 'probe')
  local last = now
  for i = 1, 4 do
    local v = tonumber(s[i])
    if v and v > last then last = v end
  end
  redis.call('PEXPIRE', key, math.ceil(last - now) + 3600000)
end
";

/// One admission: ARGV = the emission interval in ms (0: no token bucket), the burst, the
/// longest pause the caller waits (ms), the breaker cooldown (ms). Returns `{code, ms}`:
/// 0 go, the next token `ms` from now; 1 wait `ms` for a token; 2 circuit open `ms` more;
/// 3 paused `ms`, longer than the caller waits; 4 paused, wait `ms`.
const ACQUIRE: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_pause = tonumber(ARGV[3])
local cooldown = tonumber(ARGV[4])
local s = redis.call('HMGET', key, 'tat', 'pause', 'open', 'probe')
local tat = tonumber(s[1]) or 0
local pause = tonumber(s[2]) or 0
local open = tonumber(s[3])
local probe = tonumber(s[4]) or 0
if open then
  if now < open then return {2, math.ceil(open - now)} end
  -- Half-open: one probe at a time.
  if now < probe then return {2, math.ceil(probe - now)} end
end
if now < pause then
  if pause - now > max_pause then return {3, math.ceil(pause - now)} end
  return {4, math.ceil(pause - now)}
end
if interval > 0 then
  -- GCRA: a request may go when the theoretical arrival time is at most burst - 1
  -- intervals ahead of now.
  local base = math.max(tat, now)
  local allowed_at = base + interval - burst * interval
  if now < allowed_at then return {1, math.ceil(allowed_at - now)} end
  tat = base + interval
  put('tat', tat)
end
if open then put('probe', now + cooldown) end
keep()
-- Go; and how long until the bucket holds a token again (0: it still does).
local next_token = 0
if interval > 0 then
  next_token = math.max(0, math.ceil(tat + interval - burst * interval - now))
end
return {0, next_token}
";

/// One report: ARGV = `answered` | `failed` | `limited` | `neutral`, the pause in ms
/// (`limited`), the breaker threshold (0: no breaker) and cooldown in ms.
const REPORT: &str = r"
local kind = ARGV[1]
if kind == 'answered' then
  redis.call('HDEL', key, 'failures', 'open', 'trips', 'probe')
elseif kind == 'limited' then
  local untill = now + tonumber(ARGV[2])
  local pause = tonumber(redis.call('HGET', key, 'pause')) or 0
  if untill > pause then put('pause', untill) end
  -- The server answered: it is up.
  redis.call('HDEL', key, 'failures', 'open', 'trips', 'probe')
elseif kind == 'failed' then
  local threshold = tonumber(ARGV[3])
  local cooldown = tonumber(ARGV[4])
  if threshold == 0 then return 0 end
  local s = redis.call('HMGET', key, 'failures', 'open', 'trips')
  if s[2] then
    local trips = tonumber(s[3]) or 1
    put('open', now + cooldown * 2 ^ math.min(trips, 3))
    redis.call('HSET', key, 'trips', trips + 1)
    redis.call('HDEL', key, 'probe')
  else
    local failures = (tonumber(s[1]) or 0) + 1
    if failures >= threshold then
      put('open', now + cooldown)
      redis.call('HSET', key, 'trips', 1)
      redis.call('HDEL', key, 'failures')
    else
      redis.call('HSET', key, 'failures', failures)
    end
  end
elseif kind == 'neutral' then
  -- A probe that never reached the server gives its turn back.
  local open = tonumber(redis.call('HGET', key, 'open'))
  if open and now >= open then redis.call('HDEL', key, 'probe') end
end
keep()
return 0
";

/// A charge for an answer that cost more than its request's token (a server counting
/// personal data sets): ARGV = the emission interval in ms, the burst, the units. The
/// theoretical arrival time moves `units` intervals on, to at most two bursts ahead of now
/// (the bucket goes no lower than minus its size, as in `LocalBudget`).
const CHARGE: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local units = tonumber(ARGV[3])
if interval > 0 and units > 0 then
  local tat = tonumber(redis.call('HGET', key, 'tat')) or 0
  local base = math.max(tat, now)
  put('tat', math.min(base + units * interval, now + 2 * burst * interval))
end
keep()
return 0
";

static ACQUIRE_SCRIPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(&format!("{PRELUDE}{ACQUIRE}")));
static REPORT_SCRIPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(&format!("{PRELUDE}{REPORT}")));
static CHARGE_SCRIPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(&format!("{PRELUDE}{CHARGE}")));

/// What the acquire script decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// Send; the bucket holds a token again this long from now (zero: it still does).
    Go(Duration),
    /// No token yet: one comes in this long.
    Token(Duration),
    /// A `Retry-After` pause runs this much longer (within what the caller waits).
    Pause(Duration),
    /// A pause longer than the caller waits.
    PausedTooLong(Duration),
    CircuitOpen(Duration),
}

impl Decision {
    fn of(code: i64, ms: i64) -> Self {
        let wait = Duration::from_millis(u64::try_from(ms).unwrap_or(0));
        match code {
            0 => Decision::Go(wait),
            1 => Decision::Token(wait),
            2 => Decision::CircuitOpen(wait),
            3 => Decision::PausedTooLong(wait),
            _ => Decision::Pause(wait),
        }
    }
}

/// The last word from Redis about one server, for [`RateBudget::state`] and
/// [`RateBudget::next_request_at`] (which may not ask Redis).
#[derive(Debug, Clone, Copy)]
struct Seen {
    decision: Decision,
    at: Instant,
}

/// Per-server token buckets, `Retry-After` pauses and circuit breakers kept in Redis and
/// shared by every client that uses the same server and key prefix (feature `redis`), in
/// any process on any machine: N workers together ask each server no faster than its
/// [`ServerPolicy`] allows one, a 429 with `Retry-After` seen by one worker pauses them all,
/// and a server that keeps failing fails fast for all of them.
///
/// Each admission is one atomic Lua script on the server (a GCRA token bucket on Redis'
/// clock, so the workers' clocks do not matter); each report another. The concurrency
/// limit (`max_concurrent`) stays per process. Made by
/// [`ClientBuilder::redis`](crate::ClientBuilder::redis) with the client's politeness, or
/// by hand for [`ClientBuilder::rate_budget`](crate::ClientBuilder::rate_budget):
///
/// ```no_run
/// use std::sync::Arc;
/// use whohosts::{Politeness, Redis, RedisBudget};
///
/// # fn run() -> Result<(), whohosts::Error> {
/// let redis = Redis::open("redis://127.0.0.1:6379/")?;
/// let budget = RedisBudget::new(&redis, &Politeness::default());
/// let client = whohosts::Client::builder().rate_budget(Arc::new(budget)).build()?;
/// # Ok(()) }
/// ```
///
/// While Redis cannot be reached, an in-process [`LocalBudget`] with the same breaker
/// settings decides for this process (with a warning): lookups go on, politely per process.
/// A policy that learns its rate ([`ServerPolicy::learn`]) runs at its start rate, burst 1:
/// rates are not learnt across workers.
pub struct RedisBudget {
    redis: Redis,
    threshold: u32,
    cooldown: Duration,
    /// Decides while Redis cannot be reached.
    local: LocalBudget,
    /// Concurrency slots per server key, in this process.
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// The last word from Redis per server key.
    seen: Mutex<HashMap<String, Seen>>,
    /// Reports on their way to Redis: the next admission waits for them, so that this
    /// process never asks past a pause it reported itself.
    pending: Mutex<Vec<JoinHandle<()>>>,
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("redis", &self.redis)
            .field("breaker_threshold", &self.threshold)
            .field("breaker_cooldown", &self.cooldown)
            .finish_non_exhaustive()
    }
}

/// Lock `mutex`, whatever a panicking holder left.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Milliseconds of `duration`, as Lua reads numbers.
fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

impl RedisBudget {
    /// A budget on `redis`'s server under its key prefix, with `politeness`' breaker
    /// settings (the per-server policies come with each
    /// [`acquire`](RateBudget::acquire)).
    pub fn new(redis: &Redis, politeness: &Politeness) -> Self {
        Self {
            redis: redis.clone(),
            threshold: politeness.breaker_threshold,
            cooldown: politeness.breaker_cooldown,
            local: LocalBudget::new(politeness),
            slots: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashMap::new()),
            pending: Mutex::new(Vec::new()),
        }
    }

    /// The token bucket `policy` asks for: ms between tokens (0: none) and the burst.
    fn bucket(policy: ServerPolicy) -> (f64, u32) {
        if let Some(learning) = policy.learn {
            return (1000.0 / f64::from(learning.start_per_second.max(1)), 1);
        }
        if policy.is_unlimited() {
            return (0.0, 1);
        }
        (ms(policy.period) / f64::from(policy.requests.max(1)), policy.burst.max(1))
    }

    /// Ask Redis once; `None` when it cannot be reached.
    async fn admit(
        &self,
        server: &str,
        policy: ServerPolicy,
        max_pause: Duration,
    ) -> Option<Decision> {
        let (interval, burst) = Self::bucket(policy);
        let mut invocation = ACQUIRE_SCRIPT.key(self.redis.key(KIND, server));
        invocation.arg(interval).arg(burst).arg(ms(max_pause)).arg(ms(self.cooldown));
        let (code, wait): (i64, i64) = self.redis.invoke("budget acquire", &invocation).await?;
        let decision = Decision::of(code, wait);
        lock(&self.seen).insert(server.to_owned(), Seen { decision, at: now() });
        Some(decision)
    }

    /// Wait for the reports this process sent.
    async fn flush(&self) {
        let pending: Vec<JoinHandle<()>> = std::mem::take(&mut *lock(&self.pending));
        for report in pending {
            let _ = report.await;
        }
    }

    fn slots(&self, server: &str, policy: ServerPolicy) -> Arc<Semaphore> {
        let mut slots = lock(&self.slots);
        let slot = slots
            .entry(server.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(policy.max_concurrent.max(1))));
        Arc::clone(slot)
    }
}

impl RateBudget for RedisBudget {
    fn acquire<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        max_pause: Duration,
    ) -> BoxFuture<'a, Result<Permit, SourceError>> {
        Box::pin(async move {
            self.flush().await;
            // A slot first, then a token, as LocalBudget does: a token is spent only right
            // before the request goes out.
            let slot = self.slots(server, policy).acquire_owned().await.ok();
            loop {
                let Some(decision) = self.admit(server, policy, max_pause).await else {
                    drop(slot);
                    return self.local.acquire(server, policy, max_pause).await;
                };
                match decision {
                    Decision::Go(_) => {
                        return Ok(slot.map_or_else(Permit::new, Permit::holding));
                    }
                    Decision::Token(wait) if wait > max_pause => return Err(used_up(wait)),
                    Decision::Token(wait) | Decision::Pause(wait) => {
                        tokio::time::sleep(wait).await;
                    }
                    Decision::PausedTooLong(left) => return Err(paused_too_long(left)),
                    Decision::CircuitOpen(left) => return Err(circuit_open(left)),
                }
            }
        })
    }

    fn report(&self, server: &str, outcome: AttemptOutcome, now: Instant) {
        // The fallback keeps its own view, for while Redis is down.
        self.local.report(server, outcome, now);
        let (kind, pause) = match outcome {
            AttemptOutcome::Answered => ("answered", Duration::ZERO),
            AttemptOutcome::Failed => ("failed", Duration::ZERO),
            AttemptOutcome::RateLimited(wait) => ("limited", wait),
            AttemptOutcome::Neutral => ("neutral", Duration::ZERO),
        };
        if let AttemptOutcome::RateLimited(wait) = outcome {
            let decision = Decision::Pause(wait);
            lock(&self.seen).insert(server.to_owned(), Seen { decision, at: now });
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!(server, "no tokio runtime: report kept in this process only");
            return;
        };
        let redis = self.redis.clone();
        let key = redis.key(KIND, server);
        let (threshold, cooldown) = (self.threshold, self.cooldown);
        let task = runtime.spawn(async move {
            let mut invocation = REPORT_SCRIPT.key(key);
            invocation.arg(kind).arg(ms(pause)).arg(threshold).arg(ms(cooldown));
            let _: Option<i64> = redis.invoke("budget report", &invocation).await;
        });
        let mut pending = lock(&self.pending);
        pending.retain(|task| !task.is_finished());
        pending.push(task);
    }

    /// From this process's last word from Redis about `server` (`Unknown` before the first):
    /// a pause or an open circuit that another worker started since is found at the next
    /// [`acquire`](RateBudget::acquire).
    fn state(&self, server: &str, _policy: ServerPolicy, now: Instant) -> BudgetState {
        let Some(seen) = lock(&self.seen).get(server).copied() else {
            return BudgetState::Unknown;
        };
        let left = |wait: Duration| wait.saturating_sub(now.saturating_duration_since(seen.at));
        match seen.decision {
            Decision::Go(wait) | Decision::Token(wait) if !left(wait).is_zero() => {
                BudgetState::Spent(left(wait))
            }
            Decision::Pause(wait) | Decision::PausedTooLong(wait) if !left(wait).is_zero() => {
                BudgetState::Paused(left(wait))
            }
            Decision::CircuitOpen(wait) if !left(wait).is_zero() => {
                BudgetState::CircuitOpen(left(wait))
            }
            // What it said has run out: most likely ready again.
            Decision::Go(_)
            | Decision::Token(_)
            | Decision::Pause(_)
            | Decision::PausedTooLong(_)
            | Decision::CircuitOpen(_) => BudgetState::Ready,
        }
    }

    /// One atomic script moving the shared bucket on; the fallback is charged too.
    fn charge<'a>(
        &'a self,
        server: &'a str,
        policy: ServerPolicy,
        units: u32,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.local.charge(server, policy, units).await;
            let (interval, burst) = Self::bucket(policy);
            if units == 0 || interval <= 0.0 {
                return;
            }
            let mut invocation = CHARGE_SCRIPT.key(self.redis.key(KIND, server));
            invocation.arg(interval).arg(burst).arg(units);
            let _: Option<i64> = self.redis.invoke("budget charge", &invocation).await;
        })
    }

    fn next_request_at(&self, server: &str) -> Option<SystemTime> {
        let seen = lock(&self.seen).get(server).copied()?;
        let wait = match seen.decision {
            Decision::CircuitOpen(_) => Duration::ZERO,
            Decision::Go(wait)
            | Decision::Token(wait)
            | Decision::Pause(wait)
            | Decision::PausedTooLong(wait) => {
                wait.saturating_sub(now().saturating_duration_since(seen.at))
            }
        };
        SystemTime::now().checked_add(wait)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]
    use super::*;
    use crate::error::SourceErrorKind;

    const LONG: Duration = Duration::from_secs(3600);

    /// A budget on the test server (`WHOHOSTS_TEST_REDIS`, set by `.ci/run`) under a prefix
    /// of its own, or `None` with a skip line.
    fn budget(test: &str) -> Option<RedisBudget> {
        let Ok(url) = std::env::var("WHOHOSTS_TEST_REDIS") else {
            eprintln!("skipped {test}: WHOHOSTS_TEST_REDIS is not set");
            return None;
        };
        let nanos = SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let prefix = format!("whohosts-test:{test}:{}:{nanos}:", std::process::id());
        let redis = Redis::open(&url).unwrap().prefix(prefix);
        let mut politeness = Politeness::unlimited(4);
        politeness.breaker_threshold = 2;
        politeness.breaker_cooldown = Duration::from_secs(30);
        Some(RedisBudget::new(&redis, &politeness))
    }

    #[tokio::test]
    async fn the_bucket_allows_the_burst_then_says_when_the_next_token_comes() {
        let Some(budget) = budget("burst") else { return };
        // Two a day, both at once: the third waits half a day, longer than the caller will.
        let daily = ServerPolicy::new(2, Duration::from_secs(86_400), 2, 4);
        let max_pause = Duration::from_secs(10);
        drop(budget.acquire("ripe", daily, max_pause).await.unwrap());
        assert_eq!(budget.state("ripe", daily, now()), BudgetState::Ready);
        drop(budget.acquire("ripe", daily, max_pause).await.unwrap());
        // Spent: the planner leaves it alone without asking.
        assert!(matches!(budget.state("ripe", daily, now()), BudgetState::Spent(_)));
        let error = budget.acquire("ripe", daily, max_pause).await.unwrap_err();
        assert_eq!(error.kind(), SourceErrorKind::RateLimited);
        assert!(error.message().contains("used up"), "{}", error.message());
        let BudgetState::Spent(wait) = budget.state("ripe", daily, now()) else {
            panic!("{:?}", budget.state("ripe", daily, now()))
        };
        assert!(wait > Duration::from_secs(43_100) && wait <= Duration::from_secs(43_200));
        // Another server key has a bucket of its own.
        assert!(budget.acquire("arin", daily, max_pause).await.is_ok());
        assert_eq!(budget.state("lacnic", daily, now()), BudgetState::Unknown);
        forget(&budget, &["ripe", "arin"]).await;
    }

    #[tokio::test]
    async fn an_answer_that_costs_more_takes_the_rest_from_the_shared_bucket() {
        let Some(budget) = budget("charge") else { return };
        // 30 personal data sets a day; answers hold 12 each: 30 → 18 → 6 → -6 tokens.
        let quota = ServerPolicy::new(30, Duration::from_secs(86_400), 30, 4)
            .counting(crate::config::Counting::PersonalObjects);
        let mut sent = 0;
        while budget.acquire("ripe", quota, Duration::from_secs(10)).await.is_ok() {
            budget.charge("ripe", quota, 11).await;
            sent += 1;
            assert!(sent <= 30, "the charges were not taken");
        }
        assert_eq!(sent, 3);
        forget(&budget, &["ripe"]).await;
    }

    /// Delete the test's keys (a daily bucket's would stay a day).
    async fn forget(budget: &RedisBudget, servers: &[&str]) {
        let keys: Vec<String> = servers.iter().map(|s| budget.redis.key(KIND, s)).collect();
        let deleted: Option<i64> = budget.redis.query("test", redis::cmd("DEL").arg(keys)).await;
        assert_eq!(deleted, Some(i64::try_from(servers.len()).unwrap()));
    }

    #[tokio::test]
    async fn a_pause_and_an_open_circuit_are_kept_in_redis() {
        let Some(budget) = budget("pause") else { return };
        let policy = ServerPolicy::unlimited(4);
        drop(budget.acquire("a", policy, LONG).await.unwrap());
        budget.report("a", AttemptOutcome::RateLimited(Duration::from_secs(60)), now());
        // The report reaches Redis before this process asks again.
        let error = budget.acquire("a", policy, Duration::from_secs(5)).await.unwrap_err();
        assert!(error.message().contains("asked to pause for another 60 s"), "{}", error.message());
        // Two failures in a row open b's circuit, for 30 s.
        for _ in 0..2 {
            drop(budget.acquire("b", policy, LONG).await.unwrap());
            budget.report("b", AttemptOutcome::Failed, now());
        }
        let error = budget.acquire("b", policy, LONG).await.unwrap_err();
        assert_eq!(error.kind(), SourceErrorKind::CircuitOpen);
        assert!(error.message().contains("open for another 30 s"), "{}", error.message());
        forget(&budget, &["a", "b"]).await;
    }

    #[tokio::test]
    async fn without_redis_the_process_keeps_its_own_budget() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let redis = Redis::open(&format!("redis://127.0.0.1:{port}/")).unwrap();
        let budget = RedisBudget::new(&redis, &Politeness::default());
        let daily = ServerPolicy::new(1, Duration::from_secs(86_400), 1, 4);
        let max_pause = Duration::from_secs(10);
        drop(budget.acquire("ripe", daily, max_pause).await.unwrap());
        let error = budget.acquire("ripe", daily, max_pause).await.unwrap_err();
        assert!(error.message().contains("used up"), "{}", error.message());
    }
}
