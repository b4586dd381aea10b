//! "Never ask twice": the caches shared by every lookup of a client, and the rules for when
//! a cached answer may answer a different question.
//!
//! | cache | key | reused for | type |
//! |---|---|---|---|
//! | RDAP responses | request URL | the same URL; 404 cached as a negative answer with its own TTL | [`ResponseCache`] ([`MemoryResponseCache`]) |
//! | WHOIS answers | `whois://host:port/QUERY` | the same query to the same server; "no such object" with the negative TTL | the same [`ResponseCache`] |
//! | registration facts | registrable domain | every host name under that domain | [`MemoCache`] |
//! | IP networks | address, and range for leaf assignments | see [`NetworkCache`] | [`NetworkCache`] |
//! | ASN answers | address, and prefix at the routable maximum | see [`AsnCache`] | [`AsnCache`] |
//!
//! Every cache is bounded (entries, and bytes for responses), evicts the least recently used
//! entry ([`LruTtl`]), and joins concurrent requests for the same key into one fetch
//! ([`Coalescer::get_or_fetch`], the one get-or-join-or-fetch loop). In-process decisions
//! take `now: Instant`, so expiry is tested without sleeping. The RDAP bootstrap is loaded
//! once per client; DNS answers are cached by hickory's own resolver cache.
//!
//! The response cache is the public seam [`ResponseCache`]: it stores serialisable
//! [`CachedResponse`]s for a TTL, so that a store on disk or in Redis (kept across runs, or
//! shared between processes) can replace [`MemoryResponseCache`]: [`DiskCache`] (feature
//! `persistent-cache`, in `disk.rs`) is the one on disk, and `RedisCache` (feature `redis`,
//! in `redis.rs`, over the connection of `redis_link.rs`) the one shared by the workers of
//! one Redis server.
//!
//! [`DiskCache`]: crate::DiskCache

mod budget_store;
mod coalesce;
#[cfg(feature = "persistent-cache")]
mod disk;
mod keep;
mod lru;
mod network;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_link;

use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use budget_store::{BudgetStore, SavedBucket};
pub(crate) use coalesce::{Coalescer, count};
#[cfg(feature = "persistent-cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "persistent-cache")))]
pub use disk::{DiskCache, DiskCacheError, DiskCacheKindStats, DiskCacheStats};
pub(crate) use keep::{Keep, Lifetimes};
pub(crate) use lru::{LruTtl, lock};
pub(crate) use network::{NetworkCache, Range, RangeIndex};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::RedisCache;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_link::Redis;

use crate::clock::now;
use crate::config::CacheSettings;
use crate::future::BoxFuture;
use crate::stats::{CacheKind, Telemetry};

/// A cached RDAP response: serialisable, so that a store on disk or in Redis can keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CachedResponse {
    /// A successful answer.
    Found {
        /// The URL that answered, after redirects.
        url: String,
        /// The body (RDAP answers are UTF-8 JSON; other bodies are not cached).
        body: String,
    },
    /// The server said the object does not exist (404).
    NotFound {
        /// What was recorded about the 404 (the cause in plain words).
        message: String,
    },
}

impl CachedResponse {
    /// Approximate bytes held.
    fn weight(&self) -> usize {
        match self {
            CachedResponse::Found { url, body } => body.len() + url.len() + 64,
            CachedResponse::NotFound { message } => message.len() + 64,
        }
    }
}

/// RDAP responses by request URL, and WHOIS answers by `whois://host:port/QUERY` (the raw
/// text as a [`CachedResponse::Found`] body): the seam a store shared between runs or
/// processes (on disk, in Redis) implements. [`MemoryResponseCache`] is the default; set another with
/// [`ClientBuilder::response_cache`](crate::ClientBuilder::response_cache).
///
/// # Contract
///
/// - Keys are absolute request URLs (after the client's rewrites), or `whois://` keys.
///   Values are [`CachedResponse`]s, serialisable with serde; a value that cannot be read
///   back (an old format, a corrupt entry) is a miss, never a failure.
/// - [`put`](Self::put) keeps a value for `ttl` of wall-clock time: an implementation that
///   outlives the process stores `SystemTime::now() + ttl` (or lets its store expire the
///   entry); [`get`](Self::get) never returns an expired value. A zero `ttl` keeps nothing.
/// - The client asks [`get`](Self::get) before every request and calls
///   [`put`](Self::put) after a 200 (the answer TTL) or a 404 (the negative TTL); it joins
///   concurrent requests for one URL itself, so an implementation needs no locking beyond
///   its own consistency.
/// - Across processes, [`claim`](Self::claim) and [`release`](Self::release) (both with
///   defaults that share nothing) let one process fetch a URL while the others wait for its
///   answer (`RedisCache`, feature `redis`, does, with a short lock in Redis).
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use whohosts::{BoxFuture, CachedResponse, ResponseCache};
///
/// /// Keeps everything forever (a test double).
/// #[derive(Debug, Default)]
/// struct Forever(Mutex<HashMap<String, CachedResponse>>);
///
/// impl ResponseCache for Forever {
///     fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
///         Box::pin(async move { self.0.lock().ok()?.get(url).cloned() })
///     }
///     fn put<'a>(
///         &'a self,
///         url: &'a str,
///         response: CachedResponse,
///         _ttl: Duration,
///     ) -> BoxFuture<'a, ()> {
///         Box::pin(async move {
///             if let Ok(mut map) = self.0.lock() {
///                 map.insert(url.to_owned(), response);
///             }
///         })
///     }
/// }
///
/// let client =
///     whohosts::Client::builder().response_cache(Arc::new(Forever::default())).build()?;
/// # Ok::<(), whohosts::Error>(())
/// ```
pub trait ResponseCache: Send + Sync + fmt::Debug {
    /// The live response for `url`, if any.
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>>;
    /// Keep `response` for `url` for `ttl`.
    fn put<'a>(
        &'a self,
        url: &'a str,
        response: CachedResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, ()>;

    /// Called after a miss, right before this client fetches `url`: a cache shared between
    /// processes may wait (briefly) for the same fetch running in another process and return
    /// its answer, or return `None` for this client to fetch (claiming the fetch, so that
    /// the others wait for it). Every claim is followed by [`release`](Self::release) when
    /// the fetch is over, after the [`put`](Self::put) of its answer if it is kept (also
    /// after a claim that returned an answer: releasing a lock not held does nothing). The
    /// default returns `None` at once: nothing is shared, nothing to wait for.
    fn claim<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        let _ = url;
        Box::pin(std::future::ready(None))
    }

    /// The fetch that [`claim`](Self::claim) let through is over (its answer kept or not):
    /// the others need not wait for it any longer. The default does nothing.
    fn release<'a>(&'a self, url: &'a str) -> BoxFuture<'a, ()> {
        let _ = url;
        Box::pin(std::future::ready(()))
    }
}

/// The in-memory [`ResponseCache`] (the default): LRU bounded by entries and body bytes,
/// expiring on tokio's clock.
#[derive(Debug)]
pub struct MemoryResponseCache {
    inner: Mutex<LruTtl<String, CachedResponse>>,
}

impl MemoryResponseCache {
    /// A cache within `settings`' response bounds ([`CacheSettings::response_max_entries`],
    /// [`CacheSettings::response_max_bytes`]).
    pub fn new(settings: &CacheSettings) -> Self {
        Self {
            inner: Mutex::new(LruTtl::new(
                settings.response_max_entries,
                settings.response_max_bytes,
            )),
        }
    }

    fn lock(&self) -> MutexGuard<'_, LruTtl<String, CachedResponse>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ResponseCache for MemoryResponseCache {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        let hit = self.lock().get(url, now()).cloned();
        Box::pin(std::future::ready(hit))
    }

    fn put<'a>(
        &'a self,
        url: &'a str,
        response: CachedResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, ()> {
        let weight = response.weight() + url.len();
        self.lock().insert(url.to_owned(), response, weight, ttl, now());
        Box::pin(std::future::ready(()))
    }
}

/// A cache of computed values (e.g. registration facts by registrable domain) with
/// in-flight coalescing: concurrent callers for one key run one fetch.
///
/// How long a value is kept is the caller's [`Keep`] class of it.
pub(crate) struct MemoCache<K, V> {
    entries: Mutex<LruTtl<K, V>>,
    inflight: Coalescer<K, V>,
    lifetimes: Lifetimes,
    telemetry: Arc<Telemetry>,
    kind: CacheKind,
}

impl<K, V> fmt::Debug for MemoCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoCache")
            .field("kind", &self.kind)
            .field("lifetimes", &self.lifetimes)
            .finish_non_exhaustive()
    }
}

/// Registration facts by registrable domain.
pub(crate) type RegistrationCache<V> = MemoCache<String, V>;

impl<V: Clone> MemoCache<String, V> {
    /// A registration cache within `settings`: at most
    /// [`CacheSettings::registration_max_entries`] domains, counted in `telemetry`.
    pub(crate) fn registrations(settings: &CacheSettings, telemetry: Arc<Telemetry>) -> Self {
        Self::new(settings, settings.registration_max_entries, CacheKind::Registration, telemetry)
    }
}

impl<K: Hash + Eq + Clone, V: Clone> MemoCache<K, V> {
    fn new(
        settings: &CacheSettings,
        max_entries: usize,
        kind: CacheKind,
        telemetry: Arc<Telemetry>,
    ) -> Self {
        Self {
            entries: Mutex::new(LruTtl::new(max_entries, usize::MAX)),
            inflight: Coalescer::default(),
            lifetimes: Lifetimes::of(settings),
            telemetry,
            kind,
        }
    }

    /// The value for `key`: cached, or joined from a fetch in flight, or fetched by
    /// `fetch` and kept as long as `keep` says for it.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        key: K,
        keep: impl Fn(&V) -> Keep,
        fetch: F,
    ) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let (value, got) = self
            .inflight
            .get_or_fetch(
                &key,
                || std::future::ready(self.get(&key, now())),
                Some,
                fetch,
                |value| {
                    let class = keep(&value);
                    if let Some(ttl) = self.lifetimes.of_class(class) {
                        self.put(key.clone(), value.clone(), ttl, now());
                    }
                    // Facts this lookup's deadline cut short are its own: followers (whose
                    // deadlines have not passed) are released to ask for themselves.
                    std::future::ready((class != Keep::Never).then_some(value))
                },
            )
            .await;
        count(&self.telemetry, self.kind, got);
        value
    }

    /// The live value for `key` at `now`.
    pub(crate) fn get(&self, key: &K, now: Instant) -> Option<V> {
        self.lock().get(key, now).cloned()
    }

    /// Keep `value` for `key` for `ttl` from `now`.
    pub(crate) fn put(&self, key: K, value: V, ttl: Duration, now: Instant) {
        self.lock().insert(key, value, 1, ttl, now);
    }

    fn lock(&self) -> MutexGuard<'_, LruTtl<K, V>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::Config;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn memo_cache_coalesces_and_caches() {
        let config = Config::default();
        let telemetry = Arc::new(Telemetry::default());
        let cache: RegistrationCache<u32> =
            MemoCache::registrations(&config.cache, Arc::clone(&telemetry));
        let calls = AtomicU32::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            42
        };
        let (a, b, c) = tokio::join!(
            cache.get_or_fetch("example.com".to_owned(), |_| Keep::Answer, fetch),
            cache.get_or_fetch("example.com".to_owned(), |_| Keep::Answer, fetch),
            cache.get_or_fetch("example.com".to_owned(), |_| Keep::Answer, fetch),
        );
        assert_eq!((a, b, c), (42, 42, 42));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let again = cache.get_or_fetch("example.com".to_owned(), |_| Keep::Answer, fetch).await;
        assert_eq!(again, 42);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let stats = telemetry.snapshot();
        assert_eq!(stats.coalesced, 2);
        assert_eq!(stats.registration_hits, 1);
    }

    #[test]
    fn negative_answers_expire_sooner() {
        let config = Config::default();
        let cache: RegistrationCache<&str> =
            MemoCache::registrations(&config.cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        cache.put("a.test".into(), "error", config.cache.negative_ttl, now);
        cache.put("b.test".into(), "facts", config.cache.ttl, now);
        let later = now + Duration::from_secs(601);
        assert_eq!(cache.get(&"a.test".to_owned(), later), None);
        assert_eq!(cache.get(&"b.test".to_owned(), later), Some("facts"));
    }
}
