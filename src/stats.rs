//! Counters over the life of a client ([`Telemetry`], shared by the HTTP layer, the caches and
//! the politeness budget) and their public snapshot, [`Stats`] (from
//! [`Client::stats`](crate::Client::stats)).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// A snapshot of what a client has done so far: requests sent, cache use, retries and
/// rate limits. Counts only grow, except [`waiting_per_server`](Self::waiting_per_server),
/// which is the present.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// HTTP requests sent (every attempt, retries and redirects included).
    pub requests: u64,
    /// HTTP requests sent per server (`host:port`, or the pattern of the politeness rule
    /// that covers it).
    pub requests_per_server: BTreeMap<String, u64>,
    /// RDAP answers served from the response cache (positive or negative).
    pub cache_hits: u64,
    /// RDAP answers that had to be fetched (or joined in flight).
    pub cache_misses: u64,
    /// Requests that joined an identical request already in flight instead of being sent.
    pub coalesced: u64,
    /// Joins of a request in flight that ended without an answer for the joiner: the
    /// leader's lookup deadline cut it short, the lookup was cancelled, or it fetched the
    /// network of another address nearby. The joiner then looked again, and asked itself if
    /// need be. Not in `coalesced`.
    pub joins_released: u64,
    /// Retries (after a 429, a 5xx or a transport error).
    pub retries: u64,
    /// Rate-limit answers received (429, or 403/422 with rate-limit text or headers).
    pub rate_limited: u64,
    /// Requests failed fast without being sent: the server's circuit was open, it asked for
    /// a pause longer than allowed, or its request budget (e.g. a daily quota) is used up
    /// for longer than that.
    pub circuit_open: u64,
    /// Registration facts served from the per-domain cache.
    pub registration_hits: u64,
    /// IP network answers served from the network cache.
    pub network_hits: u64,
    /// ASN answers served from the ASN cache.
    pub asn_hits: u64,
    /// Lookups finished through [`Client::lookup_many`](crate::Client::lookup_many).
    pub lookups: u64,
    /// Times a bulk lookup queued behind a server (or another lookup's request) lent its
    /// working slot to the next input ([`BulkSettings::max_waiting`](crate::BulkSettings)).
    pub slots_lent: u64,
    /// Median time of those lookups (within 10 %), if any finished.
    pub lookup_p50: Option<Duration>,
    /// 95th percentile time of those lookups (within 10 %), if any finished.
    pub lookup_p95: Option<Duration>,
    /// Requests waiting right now for their server's turn (a concurrency slot, a rate-limit
    /// token or the end of a pause), per server key as in `requests_per_server`; servers
    /// with none waiting are left out. A bulk progress display shows it as "waiting on …".
    pub waiting_per_server: BTreeMap<String, u64>,
    /// Addresses whose abuse mailbox each source gave, by source: `rdap`, `whois`, or an
    /// [`AbuseSource`](crate::AbuseSource)'s name (`abusix`, `ripestat`, …). Counted when an
    /// address's network facts are looked up (not for answers served from the network
    /// cache); an address where RDAP and a quota-free source both gave one counts for both.
    pub abuse_answers: BTreeMap<String, u64>,
    /// RDAP requests the per-address planner avoided: addresses whose RDAP server is
    /// quota-limited (or its budget spent) that got their abuse mailbox from a quota-free
    /// source, with RDAP left unasked.
    pub rdap_avoided: u64,
    /// WHOIS (port 43) queries sent, per server key (`whois://host:port`); not in
    /// [`requests`](Self::requests), which counts HTTP requests.
    pub whois_queries_per_server: BTreeMap<String, u64>,
}

/// Which cache a hit is counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CacheKind {
    #[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
    /// The RDAP response cache (by URL).
    Response,
    /// Registration facts by registrable domain.
    Registration,
    /// IP network answers by address or range.
    Network,
    /// ASN answers by address or prefix.
    Asn,
}

/// The live counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Telemetry {
    requests: AtomicU64,
    per_server: Mutex<HashMap<String, u64>>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    coalesced: AtomicU64,
    joins_released: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    circuit_open: AtomicU64,
    registration_hits: AtomicU64,
    network_hits: AtomicU64,
    asn_hits: AtomicU64,
    slots_lent: AtomicU64,
    latency: Histogram,
    /// Requests waiting for their server's turn now, per server.
    waiting: Mutex<HashMap<String, u64>>,
    /// Abuse mailboxes found, per source that gave them.
    abuse_answers: Mutex<HashMap<String, u64>>,
    rdap_avoided: AtomicU64,
    /// WHOIS queries sent, per server key.
    whois_queries: Mutex<HashMap<String, u64>>,
}

/// One request waiting for its server's turn, counted in [`Stats::waiting_per_server`]
/// until dropped.
#[derive(Debug)]
pub(crate) struct Waiting<'a> {
    telemetry: &'a Telemetry,
    server: String,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut waiting = self.telemetry.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = waiting.get_mut(&self.server) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                waiting.remove(&self.server);
            }
        }
    }
}

/// Lookup times in buckets growing by 10 % from 100 µs (the last bucket holds everything
/// longer than about 4.7 hours).
#[derive(Debug)]
struct Histogram {
    buckets: Vec<AtomicU64>,
}

/// Buckets in [`Histogram`].
const BUCKETS: usize = 200;
/// The upper bound of bucket 0, in microseconds.
const FIRST_BOUND_US: f64 = 100.0;
/// Growth factor between bucket bounds.
const GROWTH: f64 = 1.1;

impl Default for Histogram {
    fn default() -> Self {
        Self { buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect() }
    }
}

impl Histogram {
    fn record(&self, took: Duration) {
        let us = took.as_secs_f64() * 1e6;
        let index = if us <= FIRST_BOUND_US {
            0
        } else {
            ((us / FIRST_BOUND_US).ln() / GROWTH.ln()).ceil() as usize
        };
        if let Some(bucket) = self.buckets.get(index.min(BUCKETS - 1)) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// (count, p50, p95): each percentile as its bucket's upper bound.
    fn summary(&self) -> (u64, Option<Duration>, Option<Duration>) {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        let quantile = |q: f64| {
            if total == 0 {
                return None;
            }
            let rank = ((total as f64) * q).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (index, count) in counts.iter().enumerate() {
                seen += count;
                if seen >= rank {
                    let bound = FIRST_BOUND_US * GROWTH.powi(index as i32);
                    return Some(Duration::from_secs_f64(bound / 1e6));
                }
            }
            None
        };
        (total, quantile(0.5), quantile(0.95))
    }
}

impl Telemetry {
    /// One bulk lookup finished after `took`.
    pub(crate) fn record_lookup(&self, took: Duration) {
        self.latency.record(took);
    }

    /// One request sent to `server`.
    pub(crate) fn count_request(&self, server: &str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut map = self.per_server.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get_mut(server) {
            Some(n) => *n += 1,
            None => {
                map.insert(server.to_owned(), 1);
            }
        }
    }

    /// One cache hit in `kind`.
    pub(crate) fn count_hit(&self, kind: CacheKind) {
        let counter = match kind {
            CacheKind::Response => &self.cache_hits,
            CacheKind::Registration => &self.registration_hits,
            CacheKind::Network => &self.network_hits,
            CacheKind::Asn => &self.asn_hits,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    #[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
    /// One response-cache miss.
    pub(crate) fn count_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    /// One request that joined another in flight.
    pub(crate) fn count_coalesced(&self) {
        self.coalesced.fetch_add(1, Ordering::Relaxed);
    }

    /// `n` joins released without an answer.
    pub(crate) fn count_joins_released(&self, n: u64) {
        if n > 0 {
            self.joins_released.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// One retry.
    pub(crate) fn count_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// One rate-limit answer.
    pub(crate) fn count_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// One fast failure without a request.
    pub(crate) fn count_circuit_open(&self) {
        self.circuit_open.fetch_add(1, Ordering::Relaxed);
    }

    /// A bulk lookup lent its working slot while it waits long.
    pub(crate) fn count_slot_lent(&self) {
        self.slots_lent.fetch_add(1, Ordering::Relaxed);
    }

    /// One address got its abuse mailbox from `source` (`rdap`, `whois`, a source's name).
    pub(crate) fn count_abuse_answer(&self, source: &str) {
        let mut map = self.abuse_answers.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get_mut(source) {
            Some(n) => *n += 1,
            None => {
                map.insert(source.to_owned(), 1);
            }
        }
    }

    /// One address got its abuse mailbox without asking its quota-limited RDAP server.
    pub(crate) fn count_rdap_avoided(&self) {
        self.rdap_avoided.fetch_add(1, Ordering::Relaxed);
    }

    #[cfg_attr(not(feature = "whois"), allow(dead_code))]
    /// One WHOIS query sent to `server` (its `whois://host:port` key).
    pub(crate) fn count_whois_query(&self, server: &str) {
        let mut map = self.whois_queries.lock().unwrap_or_else(PoisonError::into_inner);
        *map.entry(server.to_owned()).or_default() += 1;
    }

    /// A request to `server` starts waiting for its turn; it stops when the guard drops.
    pub(crate) fn waiting_on(&self, server: &str) -> Waiting<'_> {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        *waiting.entry(server.to_owned()).or_default() += 1;
        Waiting { telemetry: self, server: server.to_owned() }
    }

    /// A consistent-enough snapshot (each counter is read once).
    pub(crate) fn snapshot(&self) -> Stats {
        let per_server = self.per_server.lock().unwrap_or_else(PoisonError::into_inner);
        let (lookups, lookup_p50, lookup_p95) = self.latency.summary();
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            requests_per_server: per_server.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
            cache_misses: self.cache_misses.load(Ordering::Relaxed),
            coalesced: self.coalesced.load(Ordering::Relaxed),
            joins_released: self.joins_released.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            circuit_open: self.circuit_open.load(Ordering::Relaxed),
            registration_hits: self.registration_hits.load(Ordering::Relaxed),
            network_hits: self.network_hits.load(Ordering::Relaxed),
            asn_hits: self.asn_hits.load(Ordering::Relaxed),
            lookups,
            slots_lent: self.slots_lent.load(Ordering::Relaxed),
            lookup_p50,
            lookup_p95,
            waiting_per_server: {
                let waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
                waiting.iter().map(|(k, v)| (k.clone(), *v)).collect()
            },
            abuse_answers: {
                let answers = self.abuse_answers.lock().unwrap_or_else(PoisonError::into_inner);
                answers.iter().map(|(k, v)| (k.clone(), *v)).collect()
            },
            rdap_avoided: self.rdap_avoided.load(Ordering::Relaxed),
            whois_queries_per_server: {
                let sent = self.whois_queries.lock().unwrap_or_else(PoisonError::into_inner);
                sent.iter().map(|(k, v)| (k.clone(), *v)).collect()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn percentiles_within_ten_percent() {
        let h = Histogram::default();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let (n, p50, p95) = h.summary();
        assert_eq!(n, 100);
        let p50 = p50.unwrap().as_secs_f64();
        let p95 = p95.unwrap().as_secs_f64();
        assert!((0.050..0.055).contains(&p50), "{p50}");
        assert!((0.095..0.105).contains(&p95), "{p95}");
        assert_eq!(Histogram::default().summary(), (0, None, None));
    }

    #[test]
    fn waiting_requests_are_counted_while_they_wait() {
        let telemetry = Telemetry::default();
        let first = telemetry.waiting_on("rdap.db.ripe.net");
        let second = telemetry.waiting_on("rdap.db.ripe.net");
        let other = telemetry.waiting_on("rdap.arin.net");
        let waiting = telemetry.snapshot().waiting_per_server;
        assert_eq!(waiting.get("rdap.db.ripe.net"), Some(&2));
        assert_eq!(waiting.get("rdap.arin.net"), Some(&1));
        drop((first, other));
        let waiting = telemetry.snapshot().waiting_per_server;
        assert_eq!(waiting.into_iter().collect::<Vec<_>>(), vec![("rdap.db.ripe.net".into(), 1)]);
        drop(second);
        assert!(telemetry.snapshot().waiting_per_server.is_empty());
    }
}
