//! [`Redis`]: the handle on one Redis (or Valkey) server that the shared response cache
//! ([`RedisCache`](crate::RedisCache)) and the shared rate budget
//! ([`RedisBudget`](crate::RedisBudget)) talk through (feature `redis`).
//!
//! It owns the connection and its health, and nothing about what is stored: the URL (shown
//! without its password), the key prefix that keeps one job's keys apart from another's,
//! one lazily opened [`ConnectionManager`] (reconnecting by itself) shared by every clone,
//! a time limit on each command, and what happens when the server is down. A command that
//! fails or times out is logged and answers `None`: the caller treats that as a miss, a
//! dropped write or a local decision, so a lookup never fails because Redis is down. The
//! first failure warns (`tracing`), later ones while it stays down are debug lines, and
//! for [`RETRY_AFTER_FAILURE`] after a failure no command is sent at all, so that a dead
//! server does not cost every request a connection attempt.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, ScriptInvocation};

use crate::error::{ConfigError, Error};

/// After a failed command, commands are skipped (answered `None` at once) this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// One Redis server and a key prefix: what [`RedisCache`](crate::RedisCache) and
/// [`RedisBudget`](crate::RedisBudget) share, or what
/// [`ClientBuilder::redis`](crate::ClientBuilder::redis) turns into both (feature `redis`).
///
/// Cheap to clone: clones share one connection. Nothing is connected until the first
/// command; a server that is down makes commands answer nothing (a cache miss, a local
/// budget) with a warning, never an error in a lookup. [`check`](Self::check) asks the
/// server once, for a caller that wants to fail early with a clear message.
///
/// ```no_run
/// # async fn run() -> Result<(), whohosts::Error> {
/// // Every worker of the job "nightly" shares answers and politeness through this server.
/// let redis = whohosts::Redis::open("redis://127.0.0.1:6379/")?.prefix("whohosts:nightly:");
/// redis.check().await?;
/// let client = whohosts::Client::builder().redis(redis).build()?;
/// let record = client.lookup("example.com").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Redis {
    link: Arc<Link>,
    prefix: String,
}

/// The connection shared by every clone of a [`Redis`].
struct Link {
    client: redis::Client,
    /// The URL without its password, for messages.
    url: String,
    /// Each command's time limit (connection included).
    timeout: Duration,
    manager: OnceLock<ConnectionManager>,
    health: Mutex<Health>,
}

/// Whether the server answered lately.
#[derive(Debug, Default)]
struct Health {
    /// When commands failed first, while they keep failing.
    down_since: Option<Instant>,
    /// No command is sent before this.
    skip_until: Option<Instant>,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("url", &self.link.url)
            .field("prefix", &self.prefix)
            .field("timeout", &self.link.timeout)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// The key prefix of [`open`](Self::open): `whohosts:`.
    pub const DEFAULT_PREFIX: &str = "whohosts:";
    /// Each command's time limit unless [`timeout`](Self::timeout) says otherwise: 1 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

    /// A handle on the server at `url` (`redis://[:password@]host[:port][/db]`,
    /// `rediss://` for TLS is not built in), with the key prefix
    /// [`DEFAULT_PREFIX`](Self::DEFAULT_PREFIX). Connects at the first command, not here.
    ///
    /// Fails with [`ConfigError::Redis`] when the URL does not parse.
    pub fn open(url: &str) -> Result<Self, Error> {
        let shown = redact(url);
        let client = redis::Client::open(url)
            .map_err(|e| ConfigError::Redis { url: shown.clone(), reason: e.to_string() })?;
        Ok(Self {
            link: Arc::new(Link {
                client,
                url: shown,
                timeout: Self::DEFAULT_TIMEOUT,
                manager: OnceLock::new(),
                health: Mutex::new(Health::default()),
            }),
            prefix: Self::DEFAULT_PREFIX.to_owned(),
        })
    }

    /// Put every key under `prefix` (default [`DEFAULT_PREFIX`](Self::DEFAULT_PREFIX)), e.g.
    /// `whohosts:{job}:` so that two jobs on one server share nothing. The connection stays
    /// shared with `self`'s clones.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Give up on a command after `timeout` (connecting included), treating it as failed.
    /// Default [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT). Set before the first command and
    /// before cloning: clones made earlier keep theirs.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if let Some(link) = Arc::get_mut(&mut self.link) {
            link.timeout = timeout;
        } else {
            let link = Link {
                client: self.link.client.clone(),
                url: self.link.url.clone(),
                timeout,
                manager: OnceLock::new(),
                health: Mutex::new(Health::default()),
            };
            self.link = Arc::new(link);
        }
        self
    }

    /// The server's URL, without its password.
    pub fn url(&self) -> &str {
        &self.link.url
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// Ask the server once (`PING`): `Ok` when it answers within the time limit, else
    /// [`ConfigError::Redis`] naming the URL and what failed. Lookups do not need this (a
    /// server that is down is a miss for them); a command that must not run without the
    /// shared state calls it first.
    pub async fn check(&self) -> Result<(), Error> {
        let _: String = self.try_query("ping", &redis::cmd("PING")).await?;
        Ok(())
    }

    /// `prefix` + `kind` + `:` + `name`.
    pub(crate) fn key(&self, kind: &str, name: &str) -> String {
        format!("{}{kind}:{name}", self.prefix)
    }

    /// Run `cmd`; `None` (logged) when the server is down, slow or refuses it.
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        what: &'static str,
        cmd: &redis::Cmd,
    ) -> Option<T> {
        let mut con = self.ready(what)?;
        let result = tokio::time::timeout(self.link.timeout, cmd.query_async::<T>(&mut con)).await;
        self.settle(what, result)
    }

    /// Run a script invocation; `None` (logged) as for [`query`](Self::query).
    pub(crate) async fn invoke<T: FromRedisValue>(
        &self,
        what: &'static str,
        script: &ScriptInvocation<'_>,
    ) -> Option<T> {
        let mut con = self.ready(what)?;
        let result =
            tokio::time::timeout(self.link.timeout, script.invoke_async::<T>(&mut con)).await;
        self.settle(what, result)
    }

    /// Run `cmd`, or fail with [`ConfigError::Redis`] naming the URL: for work that cannot
    /// go on without Redis (the job queue, [`check`](Self::check)). Never skipped after a
    /// failure, and not logged: the caller has the error.
    pub(crate) async fn try_query<T: FromRedisValue>(
        &self,
        what: &'static str,
        cmd: &redis::Cmd,
    ) -> Result<T, Error> {
        let mut con = self.manager().map_err(|e| self.error(what, &e))?;
        let result = tokio::time::timeout(self.link.timeout, cmd.query_async::<T>(&mut con)).await;
        self.settle_or_fail(what, result)
    }

    /// Run a script invocation, or fail as [`try_query`](Self::try_query) does.
    pub(crate) async fn try_invoke<T: FromRedisValue>(
        &self,
        what: &'static str,
        script: &ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        let mut con = self.manager().map_err(|e| self.error(what, &e))?;
        let result =
            tokio::time::timeout(self.link.timeout, script.invoke_async::<T>(&mut con)).await;
        self.settle_or_fail(what, result)
    }

    fn settle_or_fail<T>(
        &self,
        what: &'static str,
        result: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, Error> {
        let error = match result {
            Ok(Ok(value)) => {
                self.link.answered();
                return Ok(value);
            }
            Ok(Err(e)) => self.error(what, &e),
            Err(_) => {
                let timeout = self.link.timeout.as_millis();
                self.error(what, &format_args!("no answer within {timeout} ms"))
            }
        };
        // The caller has the error to tell: no warning here, and the lookups' commands
        // are not skipped for it (they warn themselves if they fail).
        Err(error)
    }

    /// [`ConfigError::Redis`] for `what` failing with `error`.
    fn error(&self, what: &str, error: &dyn fmt::Display) -> Error {
        ConfigError::Redis { url: self.link.url.clone(), reason: format!("{what}: {error}") }.into()
    }

    /// The connection, unless commands are being skipped after a failure.
    fn ready(&self, what: &'static str) -> Option<ConnectionManager> {
        if self.link.skipping(Instant::now()) {
            tracing::trace!(url = %self.link.url, what, "Redis down: skipped");
            return None;
        }
        match self.manager() {
            Ok(con) => Some(con),
            Err(e) => {
                self.link.failed(what, &e);
                None
            }
        }
    }

    fn settle<T>(
        &self,
        what: &'static str,
        result: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Option<T> {
        match result {
            Ok(Ok(value)) => {
                self.link.answered();
                Some(value)
            }
            Ok(Err(e)) => {
                self.link.failed(what, &e);
                None
            }
            Err(_) => {
                let timeout = self.link.timeout.as_millis();
                self.link.failed(what, &format_args!("no answer within {timeout} ms"));
                None
            }
        }
    }

    /// The shared connection manager, made at the first use (it connects lazily).
    fn manager(&self) -> redis::RedisResult<ConnectionManager> {
        if let Some(manager) = self.link.manager.get() {
            return Ok(manager.clone());
        }
        let timeout = self.link.timeout;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(200));
        let manager = self.link.client.get_connection_manager_lazy(config)?;
        Ok(self.link.manager.get_or_init(|| manager).clone())
    }
}

impl Link {
    fn health(&self) -> MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn skipping(&self, now: Instant) -> bool {
        self.health().skip_until.is_some_and(|until| now < until)
    }

    fn answered(&self) {
        let mut health = self.health();
        if let Some(since) = health.down_since.take() {
            tracing::info!(
                url = %self.url,
                down_for_ms = since.elapsed().as_millis(),
                "Redis answers again: the shared cache and budget are back"
            );
        }
        health.skip_until = None;
    }

    fn failed(&self, what: &str, error: &dyn fmt::Display) {
        let now = Instant::now();
        let mut health = self.health();
        if health.down_since.is_none() {
            health.down_since = Some(now);
            tracing::warn!(
                url = %self.url,
                %error,
                what,
                "Redis cannot be used: lookups go on without the shared cache, and with a \
                 per-process budget, until it answers again"
            );
        } else {
            tracing::debug!(url = %self.url, %error, what, "Redis still down");
        }
        health.skip_until = Some(now + RETRY_AFTER_FAILURE);
    }
}

/// `url` without its password (`redis://:secret@host/` → `redis://:***@host/`); as given
/// when it does not parse as a URL (then it has no password to show).
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot have a password, which this one has.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            redact("redis://:hunter2@cache.example:6380/2"),
            "redis://:***@cache.example:6380/2"
        );
        assert_eq!(redact("redis://user:pw@h/"), "redis://user:***@h/");
        assert_eq!(redact("redis://127.0.0.1:6379/"), "redis://127.0.0.1:6379/");
        let redis = Redis::open("redis://:hunter2@127.0.0.1:1/").unwrap();
        assert!(!format!("{redis:?}").contains("hunter2"));
    }

    #[test]
    fn a_url_that_does_not_parse_is_a_config_error_naming_it() {
        let error = Redis::open("http://127.0.0.1/").unwrap_err();
        assert!(matches!(error, Error::Config(ConfigError::Redis { .. })), "{error:?}");
        assert!(error.to_string().starts_with("Redis at http://127.0.0.1/: "), "{error}");
    }

    #[test]
    fn keys_sit_under_the_prefix() {
        let redis = Redis::open("redis://127.0.0.1/").unwrap().prefix("whohosts:nightly:");
        assert_eq!(
            redis.key("response", "https://x/ip/1"),
            "whohosts:nightly:response:https://x/ip/1"
        );
        assert_eq!(redis.key_prefix(), "whohosts:nightly:");
    }
}
