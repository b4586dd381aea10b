//! "Never ask twice": the caches shared by every lookup of a client, and the rules for when
//! a cached answer may answer a different question.
//!
//! | cache | key | reused for | type |
//! |---|---|---|---|
//! | RDAP responses | request URL | the same URL; 404 cached as a negative answer with its own TTL | [`ResponseCache`] ([`MemoryResponseCache`]) |
//! | registration facts | registrable domain | every host name under that domain | [`MemoCache`] |
//! | IP networks | address, and range for leaf assignments | see [`NetworkCache`] | [`NetworkCache`] |
//! | ASN answers | address, and prefix at the routable maximum | see [`AsnCache`] | [`AsnCache`] |
//!
//! Every cache is bounded (entries, and bytes for responses), evicts the least recently used
//! entry ([`LruTtl`]), and joins concurrent requests for the same key into one fetch
//! ([`Coalescer`]). Every decision takes `now: Instant`, so expiry is tested without
//! sleeping. The RDAP bootstrap is loaded once per client; DNS answers are cached by
//! hickory's own resolver cache.
//!
//! The response cache and the politeness budget are behind object-safe traits
//! ([`ResponseCache`], [`RateBudget`](crate::politeness::RateBudget)) so that a backend
//! shared between processes can replace the in-memory ones.

mod asn;
mod coalesce;
mod keep;
mod lru;
mod network;

use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

pub(crate) use asn::AsnCache;
pub(crate) use coalesce::{Coalescer, Turn, wait};
pub(crate) use keep::{Keep, Lifetimes};
pub(crate) use lru::LruTtl;
pub(crate) use network::NetworkCache;

use crate::config::Config;
use crate::error::SourceError;
use crate::http::Fetched;
use crate::politeness::{LocalBudget, RateBudget};
use crate::stats::{CacheKind, Telemetry};

/// Sizes and lifetimes of a client's caches. `Default` suits a bulk run of hours over
/// millions of inputs in a few hundred MiB.
///
/// Shared by every lookup of a client: RDAP responses by URL (404s for the negative TTL),
/// registration facts by registrable domain, IP network answers by address (and by range
/// for leaf assignments), ASN answers by address (and by prefix when the prefix is a /24 or
/// /48, the longest routed). Concurrent requests for the same object are sent once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheSettings {
    /// How long an answer is reused. Default 1 hour. Zero disables caching (in-flight
    /// requests are still joined).
    pub ttl: Duration,
    /// How long a negative answer (RDAP 404, NXDOMAIN, no ASN) is reused. Default 10
    /// minutes.
    pub negative_ttl: Duration,
    /// How long registration or network facts that a source *failed* to give (timeout,
    /// transport error, 5xx, rate limit, a broken answer) are reused, so that a burst of
    /// lookups under one domain does not re-ask a server that just failed. Default 30
    /// seconds; zero keeps none. Facts cut short by a lookup's own deadline are never kept.
    pub error_ttl: Duration,
    /// Bytes of RDAP response bodies kept. Default 32 MiB.
    pub response_max_bytes: usize,
    /// RDAP responses kept. Default 50,000.
    pub response_max_entries: usize,
    /// Registrable domains whose registration facts are kept. Default 20,000.
    pub registration_max_entries: usize,
    /// IP network answers kept (by address and by range). Default 20,000.
    pub network_max_entries: usize,
    /// ASN answers kept (by address and by prefix). Default 50,000.
    pub asn_max_entries: usize,
    /// Reuse a network answer for other addresses inside its range when the answer is a
    /// *leaf assignment* — an RDAP `type` that registry policy does not subdivide
    /// (`ASSIGNED PA`, `ASSIGNED PI`, `ASSIGNED PORTABLE`, `ASSIGNED NON-PORTABLE`,
    /// `ASSIGNED ANYCAST`, LACNIC's `ASSIGNED`, ARIN's `REASSIGNMENT`). An allocation (an
    /// ISP's block) only ever answers for the address that was asked, since a customer block
    /// inside it may exist. Default true; false asks once per address.
    pub network_range_reuse: bool,
    /// Reuse an ASN answer for other addresses in its prefix when the prefix is as long as
    /// routes get (/24, /48). Default true; false asks once per address.
    pub asn_prefix_reuse: bool,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(3600),
            negative_ttl: Duration::from_secs(600),
            error_ttl: Duration::from_secs(30),
            response_max_bytes: 32 * 1024 * 1024,
            response_max_entries: 50_000,
            registration_max_entries: 20_000,
            network_max_entries: 20_000,
            asn_max_entries: 50_000,
            network_range_reuse: true,
            asn_prefix_reuse: true,
        }
    }
}

/// A cached RDAP response: the answer, or a 404.
#[derive(Debug, Clone)]
pub(crate) enum CachedResponse {
    /// A successful answer (final URL and body).
    Found(Fetched),
    /// The server said the object does not exist.
    NotFound(SourceError),
}

impl CachedResponse {
    /// What a caller of `get_rdap` receives.
    pub(crate) fn into_result(self) -> Result<Fetched, SourceError> {
        match self {
            CachedResponse::Found(f) => Ok(f),
            CachedResponse::NotFound(e) => Err(e),
        }
    }

    /// Approximate bytes held.
    fn weight(&self) -> usize {
        match self {
            CachedResponse::Found(f) => f.body.len() + f.url.as_str().len() + 64,
            CachedResponse::NotFound(e) => e.message().len() + 64,
        }
    }
}

/// RDAP responses by request URL. Object-safe, so a shared backend (e.g. Redis) can replace
/// [`MemoryResponseCache`].
pub(crate) trait ResponseCache: Send + Sync + fmt::Debug {
    /// The live response for `url` at `now`.
    fn get(&self, url: &str, now: Instant) -> Option<CachedResponse>;
    /// Keep `response` for `url` for `ttl` from `now`.
    fn put(&self, url: &str, response: CachedResponse, ttl: Duration, now: Instant);
}

/// The in-memory [`ResponseCache`]: LRU bounded by entries and body bytes, with TTL.
#[derive(Debug)]
pub(crate) struct MemoryResponseCache {
    inner: Mutex<LruTtl<String, CachedResponse>>,
}

impl MemoryResponseCache {
    /// A cache within `settings`' response bounds.
    pub(crate) fn new(settings: &CacheSettings) -> Self {
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
    fn get(&self, url: &str, now: Instant) -> Option<CachedResponse> {
        self.lock().get(url, now).cloned()
    }

    fn put(&self, url: &str, response: CachedResponse, ttl: Duration, now: Instant) {
        let weight = response.weight() + url.len();
        self.lock().insert(url.to_owned(), response, weight, ttl, now);
    }
}

/// The state every clone of one client shares beyond its configuration: counters, the
/// response cache and the politeness budget.
#[derive(Debug)]
pub(crate) struct ClientState {
    /// Counters behind [`Stats`](crate::Stats).
    pub(crate) telemetry: Arc<Telemetry>,
    /// RDAP responses by URL.
    pub(crate) responses: Arc<dyn ResponseCache>,
    /// Per-server politeness.
    pub(crate) budget: Arc<dyn RateBudget>,
}

impl ClientState {
    /// The state of the client built from `config`, created on first use.
    ///
    /// It lives in the config's [`StateSlot`], which `ClientBuilder::build` empties, so each
    /// built client has its own and everything built from the same `Config` value (the HTTP
    /// layer, the caches) shares it.
    pub(crate) fn of(config: &Config) -> Arc<ClientState> {
        Arc::clone(config.state.0.get_or_init(|| {
            let telemetry = Arc::new(Telemetry::default());
            Arc::new(ClientState {
                responses: Arc::new(MemoryResponseCache::new(&config.cache)),
                budget: Arc::new(LocalBudget::new(&config.politeness, Arc::clone(&telemetry))),
                telemetry,
            })
        }))
    }
}

/// Where a [`Config`] keeps its client's [`ClientState`] (empty until first use).
#[derive(Debug, Clone, Default)]
pub(crate) struct StateSlot(OnceLock<Arc<ClientState>>);

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
    /// The registration cache of the client built from `config`: at most
    /// [`CacheSettings::registration_max_entries`] domains.
    pub(crate) fn registrations(config: &Config) -> Self {
        Self::new(config, config.cache.registration_max_entries, CacheKind::Registration)
    }
}

impl<K: Hash + Eq + Clone, V: Clone> MemoCache<K, V> {
    fn new(config: &Config, max_entries: usize, kind: CacheKind) -> Self {
        Self {
            entries: Mutex::new(LruTtl::new(max_entries, usize::MAX)),
            inflight: Coalescer::default(),
            lifetimes: Lifetimes::of(&config.cache),
            telemetry: ClientState::of(config).telemetry.clone(),
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
        loop {
            if let Some(value) = self.get(&key, crate::politeness::now()) {
                self.telemetry.count_hit(self.kind);
                return value;
            }
            match self.inflight.turn(&key) {
                Turn::Follow(rx) => {
                    if let Some(value) = wait(rx).await {
                        self.telemetry.count_coalesced();
                        return value;
                    }
                    // The leader was cancelled: try again.
                }
                Turn::Lead(leader) => {
                    if let Some(value) = self.get(&key, crate::politeness::now()) {
                        self.telemetry.count_hit(self.kind);
                        leader.finish(value.clone());
                        return value;
                    }
                    let value = fetch().await;
                    let class = keep(&value);
                    if let Some(ttl) = self.lifetimes.of_class(class) {
                        self.put(key, value.clone(), ttl, crate::politeness::now());
                    }
                    // Facts this lookup's deadline cut short are its own: followers (whose
                    // deadlines have not passed) are released to ask for themselves.
                    if class != Keep::Never {
                        leader.finish(value.clone());
                    }
                    return value;
                }
            }
        }
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
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn memo_cache_coalesces_and_caches() {
        let config = Config::default();
        let cache: RegistrationCache<u32> = MemoCache::registrations(&config);
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
        let stats = ClientState::of(&config).telemetry.snapshot();
        assert_eq!(stats.coalesced, 2);
        assert_eq!(stats.registration_hits, 1);
    }

    #[test]
    fn negative_answers_expire_sooner() {
        let config = Config::default();
        let cache: RegistrationCache<&str> = MemoCache::registrations(&config);
        let now = Instant::now();
        cache.put("a.test".into(), "error", config.cache.negative_ttl, now);
        cache.put("b.test".into(), "facts", config.cache.ttl, now);
        let later = now + Duration::from_secs(601);
        assert_eq!(cache.get(&"a.test".to_owned(), later), None);
        assert_eq!(cache.get(&"b.test".to_owned(), later), Some("facts"));
    }
}
