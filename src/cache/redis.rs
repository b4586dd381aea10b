//! [`RedisCache`]: the [`ResponseCache`] shared by every worker through one Redis server
//! (feature `redis`): a fact one worker fetched is not fetched again by another.
//!
//! It owns how a response is kept in Redis: the key (`{prefix}response:{url}`, the same
//! URL or `whois://` key the memory and disk caches use), the value (a format version, then
//! the JSON of the entry `DiskCache` keeps: expiry, time written, [`CachedResponse`]), and
//! expiry (Redis drops the key after the TTL: `SET … PX`; a value read after its own expiry
//! is a miss too, whatever the clocks say). It does not decide what is cached or for how
//! long (`transport/http.rs` does), and the connection is [`Redis`]'s.
//!
//! Workers that miss the same URL at once fetch it once: the first takes a short lock
//! (`{prefix}lock:{url}`, `SET NX PX`, see [`RedisCache::claim_for`]) and the others wait
//! for its answer to appear in the cache ([`ResponseCache::claim`]).
//!
//! A value that is not of this [`FORMAT_VERSION`] or does not parse (an older whohosts, a
//! corrupt or foreign value) is a miss and is overwritten by the next fetch; a Redis that is
//! down is a miss and a dropped write. Neither fails a lookup.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::redis_link::Redis;
use super::{CachedResponse, ResponseCache};
use crate::future::BoxFuture;

/// The layout of the stored values: a value written under another version is a miss.
/// Bump it when an old reader would misread what a new writer stores.
const FORMAT_VERSION: u32 = 1;

/// The key kind of responses (`{prefix}response:{url}`).
const KIND: &str = "response";
/// The key kind of the locks of fetches in flight (`{prefix}lock:{url}`).
const LOCK: &str = "lock";

/// One stored response (the fields `DiskCache` keeps for each).
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// Unix time in milliseconds after which the entry is not returned.
    expires: u64,
    /// Unix time in milliseconds when it was written.
    stored: u64,
    response: CachedResponse,
}

/// RDAP responses and WHOIS answers kept in Redis with their TTLs, shared by every client
/// (in any process, on any machine) that uses the same server and key prefix (feature
/// `redis`). [`ClientBuilder::redis`](crate::ClientBuilder::redis) sets it together with a
/// [`RedisBudget`](crate::RedisBudget); [`ClientBuilder::response_cache`] takes it alone.
///
/// ```no_run
/// use std::sync::Arc;
/// use whohosts::{Redis, RedisCache};
///
/// # fn run() -> Result<(), whohosts::Error> {
/// let redis = Redis::open("redis://127.0.0.1:6379/")?.prefix("whohosts:nightly:");
/// let client =
///     whohosts::Client::builder().response_cache(Arc::new(RedisCache::new(&redis))).build()?;
/// # Ok(()) }
/// ```
///
/// Values are `v1 ` and then JSON (the expiry and time written in Unix milliseconds, and
/// the [`CachedResponse`]); Redis expires each key after its TTL. A value of another
/// version, or one that does not parse, is a miss; so is every read while the server is
/// down (logged once with `tracing`), and writes are then dropped.
///
/// [`ClientBuilder::response_cache`]: crate::ClientBuilder::response_cache
#[derive(Debug, Clone)]
pub struct RedisCache {
    redis: Redis,
    /// How long a claimed fetch holds its lock at most.
    claim_for: Duration,
    /// The value of this cache's locks, so that it releases only its own.
    token: String,
}

impl RedisCache {
    /// How long a fetch claimed by one worker keeps the others waiting, at most, unless
    /// [`claim_for`](Self::claim_for) says otherwise: 10 s.
    pub const DEFAULT_CLAIM: Duration = Duration::from_secs(10);

    /// A cache on `redis`'s server under its key prefix.
    pub fn new(redis: &Redis) -> Self {
        static CACHES: AtomicU64 = AtomicU64::new(0);
        let token = format!(
            "{}:{}:{}",
            std::process::id(),
            unix_ms(SystemTime::now()),
            CACHES.fetch_add(1, Ordering::Relaxed)
        );
        Self { redis: redis.clone(), claim_for: Self::DEFAULT_CLAIM, token }
    }

    /// A worker that fetches a URL the others miss holds a lock for it
    /// (`{prefix}lock:{url}`, `SET NX PX`) until its answer is stored, or for at most
    /// `claim_for` (a worker that died holds it no longer); meanwhile the others wait for
    /// the answer instead of asking the server too. Default
    /// [`DEFAULT_CLAIM`](Self::DEFAULT_CLAIM); zero turns the waiting off.
    pub fn claim_for(mut self, claim_for: Duration) -> Self {
        self.claim_for = claim_for;
        self
    }
}

impl ResponseCache for RedisCache {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        Box::pin(async move {
            let key = self.redis.key(KIND, url);
            let value: Option<Vec<u8>> =
                self.redis.query("cache read", redis::cmd("GET").arg(&key)).await.flatten();
            let response = read(&value?, unix_ms(SystemTime::now()));
            if response.is_none() {
                tracing::debug!(key, "unreadable, old or expired cache value in Redis: a miss");
            }
            response
        })
    }

    fn put<'a>(
        &'a self,
        url: &'a str,
        response: CachedResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
            if ttl_ms == 0 {
                return;
            }
            let Some(value) = write(response, unix_ms(SystemTime::now()), ttl_ms) else {
                return;
            };
            let key = self.redis.key(KIND, url);
            let set = redis::cmd("SET").arg(&key).arg(value).arg("PX").arg(ttl_ms).clone();
            let _: Option<()> = self.redis.query("cache write", &set).await;
        })
    }

    /// Take the lock for `url` and return `None` (this worker fetches; or the answer, when it
    /// was stored meanwhile), or, while another
    /// worker holds it, wait for its answer (looking every 20 ms) and return it; `None`
    /// when the lock went away without an answer (its fetch failed, or its worker died) and
    /// this worker could take it, or after twice [`claim_for`](RedisCache::claim_for). A
    /// Redis that cannot be reached: `None` at once.
    fn claim<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        Box::pin(async move {
            let lock_ms = u64::try_from(self.claim_for.as_millis()).unwrap_or(u64::MAX);
            if lock_ms == 0 {
                return None;
            }
            let lock = self.redis.key(LOCK, url);
            let take = redis::cmd("SET")
                .arg(&lock)
                .arg(&self.token)
                .arg("NX")
                .arg("PX")
                .arg(lock_ms)
                .clone();
            let give_up = tokio::time::Instant::now() + self.claim_for * 2;
            loop {
                let taken: Option<Option<String>> = self.redis.query("cache claim", &take).await;
                match taken {
                    // The server cannot be reached: fetch.
                    None => return None,
                    // Taken: fetch, unless the answer came between the caller's miss and
                    // now (a worker stores its answer before it releases its lock).
                    Some(Some(_)) => {
                        let answer = ResponseCache::get(self, url).await;
                        if answer.is_some() {
                            ResponseCache::release(self, url).await;
                        }
                        return answer;
                    }
                    // Another worker holds it.
                    Some(None) => {}
                }
                if let Some(answer) = ResponseCache::get(self, url).await {
                    tracing::debug!(url, "answered by another worker's fetch");
                    return Some(answer);
                }
                if tokio::time::Instant::now() >= give_up {
                    return None;
                }
                tokio::time::sleep(POLL).await;
            }
        })
    }

    fn release<'a>(&'a self, url: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if self.claim_for.is_zero() {
                return;
            }
            let mut release = RELEASE.key(self.redis.key(LOCK, url));
            release.arg(&self.token);
            let _: Option<i64> = self.redis.invoke("cache release", &release).await;
        })
    }
}

/// How often a worker waiting for another's fetch looks for its answer.
const POLL: Duration = Duration::from_millis(20);

/// Deletes a lock only when it still holds this cache's token (not one that expired and was
/// taken by another worker since).
static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end \
         return 0",
    )
});

/// The stored form of `response`, written at `now` (Unix ms) for `ttl_ms`.
fn write(response: CachedResponse, now: u64, ttl_ms: u64) -> Option<Vec<u8>> {
    let entry = Entry { expires: now.saturating_add(ttl_ms), stored: now, response };
    let mut value = format!("v{FORMAT_VERSION} ").into_bytes();
    serde_json::to_writer(&mut value, &entry).ok()?;
    Some(value)
}

/// The response in a stored `value` that is live at `now` (Unix ms); `None` for another
/// version, a value that does not parse, or one expired.
fn read(value: &[u8], now: u64) -> Option<CachedResponse> {
    let version = format!("v{FORMAT_VERSION} ");
    let json = value.strip_prefix(version.as_bytes())?;
    let entry: Entry = serde_json::from_slice(json).ok()?;
    (entry.expires > now).then_some(entry.response)
}

/// Milliseconds since the Unix epoch (0 before it).
fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn found() -> CachedResponse {
        CachedResponse::Found {
            url: "https://rdap.arin.net/registry/ip/8.8.8.8".into(),
            body: "{}".into(),
        }
    }

    #[test]
    fn a_value_reads_back_until_it_expires() {
        let value = write(found(), 1_000, 500).unwrap();
        assert!(
            value.starts_with(b"v1 {\"expires\":1500,\"stored\":1000,"),
            "{}",
            String::from_utf8_lossy(&value)
        );
        assert_eq!(read(&value, 1_499), Some(found()));
        assert_eq!(read(&value, 1_500), None);
    }

    #[test]
    fn another_version_or_garbage_is_a_miss() {
        let value = write(found(), 1_000, 500).unwrap();
        let mut newer = b"v2 ".to_vec();
        newer.extend_from_slice(&value[3..]);
        assert_eq!(read(&newer, 1_000), None);
        assert_eq!(read(&value[3..], 1_000), None);
        assert_eq!(read(b"v1 {\"expires\":", 1_000), None);
        assert_eq!(read(b"\xff\xfe garbage", 1_000), None);
        assert_eq!(read(b"", 1_000), None);
    }
}
