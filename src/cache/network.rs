//! [`NetworkCache`]: RDAP IP network answers by address, and by range where that is provably
//! correct.
//!
//! # The rule
//!
//! An RDAP `ip/<address>` answer is the most specific registration containing *that*
//! address (RFC 9082 §3.1.1). Another address inside the answer's range may still sit in a
//! more specific registration that was never fetched: an ISP's `/16` answer says nothing about
//! the customer `/24` inside it. So a cached network answers another address only when the
//! answer itself proves nothing more specific can exist below it:
//!
//! 1. **Same address**: always reused.
//! 2. **Another address inside the range** of a network whose RDAP `type` is a **leaf
//!    assignment** — an end-user assignment that registry policy does not let be divided
//!    further ([`is_leaf_assignment`]): RIPE NCC / AFRINIC `ASSIGNED PA`, `ASSIGNED PI`,
//!    `ASSIGNED ANYCAST` ("leaf nodes should not have leaf nodes"; RIPE NCC flags an
//!    assignment inside an assignment as invalid), APNIC `ASSIGNED PORTABLE` /
//!    `ASSIGNED NON-PORTABLE`, LACNIC and registro.br `ASSIGNED`, ARIN `REASSIGNMENT`
//!    (simple reassignment to a customer).
//! 3. **Anything else asks**: allocations (`ALLOCATED PA`, ARIN `DIRECT ALLOCATION`,
//!    `REALLOCATION`, LACNIC `ALLOCATED` …), ARIN `DIRECT ASSIGNMENT`, answers without a
//!    type or without a range, and answers whose range does not contain the asked address.
//!
//! A registry that breaks its own policy (an assignment registered inside an assignment)
//! would make rule 2 return the outer assignment; `CacheSettings::network_range_reuse = false`
//! turns rule 2 off. When leaf ranges overlap, the one starting last wins only if it
//! contains the address; otherwise the cache misses and asks (a miss is always safe).
//!
//! Concurrent lookups of addresses in one neighbourhood (the same IPv4 /24 or IPv6 /48) wait
//! for the fetch in flight there before asking, so a cold cache does not fetch one leaf
//! block once per address.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::coalesce::{Coalescer, count};
use super::keep::{Keep, Lifetimes};
use super::lru::{LruTtl, lock};
use crate::clock::now;
use crate::config::CacheSettings;
use crate::record::Network;
use crate::stats::{CacheKind, Telemetry};

/// RDAP `type` values (case-insensitive) of end-user assignments that registry policy does
/// not subdivide; see the [module rule](self).
const LEAF_TYPES: &[&str] = &[
    "ASSIGNED PA",
    "ASSIGNED PI",
    "ASSIGNED ANYCAST",
    "ASSIGNED PORTABLE",
    "ASSIGNED NON-PORTABLE",
    "ASSIGNED",
    "REASSIGNMENT",
];

/// True when an RDAP ip network `type` is a leaf assignment (nothing more specific can be
/// registered inside it).
pub(crate) fn is_leaf_assignment(kind: Option<&str>) -> bool {
    kind.is_some_and(|k| LEAF_TYPES.iter().any(|leaf| leaf.eq_ignore_ascii_case(k.trim())))
}

/// An inclusive address range of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Range {
    v6: bool,
    start: u128,
    end: u128,
}

impl Range {
    /// `start..=end` when both are of one family and in order.
    pub(crate) fn new(start: IpAddr, end: IpAddr) -> Option<Self> {
        let (v6, s, e) = match (start, end) {
            (IpAddr::V4(s), IpAddr::V4(e)) => {
                (false, u128::from(u32::from(s)), u128::from(u32::from(e)))
            }
            (IpAddr::V6(s), IpAddr::V6(e)) => (true, u128::from(s), u128::from(e)),
            _ => return None,
        };
        (s <= e).then_some(Self { v6, start: s, end: e })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let (v6, n) = key(ip);
        self.v6 == v6 && self.start <= n && n <= self.end
    }
}

/// (family, address as a number).
fn key(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(v4) => (false, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (true, u128::from(v6)),
    }
}

/// The neighbourhood whose fetches are serialised: the IPv4 /24 or IPv6 /48.
fn neighbourhood(ip: IpAddr) -> (bool, u128) {
    match key(ip) {
        (false, n) => (false, n >> 8),
        (true, n) => (true, n >> 80),
    }
}

/// Values by range, searchable by address, LRU-bounded.
#[derive(Debug)]
pub(crate) struct RangeIndex<V> {
    values: LruTtl<Range, V>,
    /// (family, start) → end, for every stored range.
    starts: BTreeMap<(bool, u128), u128>,
}

impl<V: Clone> RangeIndex<V> {
    pub(crate) fn new(max_entries: usize) -> Self {
        Self { values: LruTtl::new(max_entries, usize::MAX), starts: BTreeMap::new() }
    }

    /// The value of the range starting last at or before `ip`, if it contains `ip`.
    pub(crate) fn get(&mut self, ip: IpAddr, now: Instant) -> Option<V> {
        let (v6, n) = key(ip);
        let (&(family, start), &end) = self.starts.range(..=(v6, n)).next_back()?;
        if family != v6 || end < n {
            return None;
        }
        let range = Range { v6, start, end };
        let value = self.values.get(&range, now).cloned();
        if value.is_none() {
            self.starts.remove(&(v6, start));
        }
        value
    }

    pub(crate) fn insert(&mut self, range: Range, value: V, ttl: Duration, now: Instant) {
        for gone in self.values.insert(range, value, 1, ttl, now) {
            self.starts.remove(&(gone.v6, gone.start));
        }
        if ttl.is_zero() {
            return;
        }
        // Ranges are keyed by start: a new range with the same start replaces the old one.
        if let Some(old_end) = self.starts.insert((range.v6, range.start), range.end)
            && old_end != range.end
        {
            self.values.remove(&Range { end: old_end, ..range });
        }
    }
}

/// RDAP IP network answers (`V`, e.g. the lookup's network result) by address, and by range
/// for leaf assignments; see the [module rule](self).
pub(crate) struct NetworkCache<V> {
    exact: Mutex<LruTtl<IpAddr, V>>,
    leaves: Mutex<RangeIndex<V>>,
    inflight: Coalescer<(bool, u128), (IpAddr, V)>,
    lifetimes: Lifetimes,
    range_reuse: bool,
    telemetry: Arc<Telemetry>,
}

impl<V> fmt::Debug for NetworkCache<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetworkCache")
            .field("lifetimes", &self.lifetimes)
            .field("range_reuse", &self.range_reuse)
            .finish_non_exhaustive()
    }
}

impl<V: Clone> NetworkCache<V> {
    /// A network cache within `settings`, counted in `telemetry`.
    pub(crate) fn new(settings: &CacheSettings, telemetry: Arc<Telemetry>) -> Self {
        let max = settings.network_max_entries;
        Self {
            exact: Mutex::new(LruTtl::new(max, usize::MAX)),
            leaves: Mutex::new(RangeIndex::new(max)),
            inflight: Coalescer::default(),
            lifetimes: Lifetimes::of(settings),
            range_reuse: settings.network_range_reuse,
            telemetry,
        }
    }

    /// The answer for `ip`: cached (same address, or inside a cached leaf assignment), or
    /// fetched by `fetch` once the neighbourhood's fetch in flight (if any) is done.
    /// `network` reads the network out of an answer (`None` for a failure, which is only
    /// ever kept for the same address) and `keep` says how long the answer may be kept.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        ip: IpAddr,
        network: impl Fn(&V) -> Option<&Network>,
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
                &neighbourhood(ip),
                || std::future::ready(self.get(ip, now())),
                // A fetch for another address of the neighbourhood: look again, then ask.
                |(asked, value)| (asked == ip).then_some(value),
                fetch,
                |value| {
                    let class = keep(&value);
                    self.insert(ip, value.clone(), network(&value), class, now());
                    // Cut short by this lookup's deadline: followers ask for themselves.
                    std::future::ready((class != Keep::Never).then_some((ip, value)))
                },
            )
            .await;
        count(&self.telemetry, CacheKind::Network, got);
        value
    }

    /// The cached answer for `ip` at `now`: the same address, else a leaf range holding it.
    pub(crate) fn get(&self, ip: IpAddr, now: Instant) -> Option<V> {
        if let Some(value) = lock(&self.exact).get(&ip, now) {
            return Some(value.clone());
        }
        if !self.range_reuse {
            return None;
        }
        lock(&self.leaves).get(ip, now)
    }

    /// Keep the answer `value` for `ip` (whose network, if it was found, is `network`) as
    /// long as its class `keep` allows.
    pub(crate) fn insert(
        &self,
        ip: IpAddr,
        value: V,
        network: Option<&Network>,
        keep: Keep,
        now: Instant,
    ) {
        let Some(ttl) = self.lifetimes.of_class(keep) else {
            return;
        };
        let leaf = network.filter(|_| self.range_reuse).and_then(|n| {
            let range = Range::new(n.range_start?, n.range_end?)?;
            (is_leaf_assignment(n.kind.as_deref()) && range.contains(ip)).then_some(range)
        });
        if let Some(range) = leaf {
            lock(&self.leaves).insert(range, value.clone(), ttl, now);
        }
        lock(&self.exact).insert(ip, value, 1, ttl, now);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::Config;

    fn network(start: &str, end: &str, kind: &str) -> Network {
        Network {
            range_start: Some(start.parse().unwrap()),
            range_end: Some(end.parse().unwrap()),
            kind: Some(kind.to_owned()),
            ..Network::default()
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn leaf_types_from_the_recorded_answers() {
        // The `type` of each recorded answer in tests/fixtures/rdap/ip.
        assert!(is_leaf_assignment(Some("ASSIGNED PA"))); // ripe-193.0.0.0-21, afrinic-41.0.0.0-16
        assert!(is_leaf_assignment(Some("ASSIGNED PI"))); // afrinic-196.216.2.0-23
        assert!(is_leaf_assignment(Some("ASSIGNED PORTABLE"))); // apnic-1.1.1.0-24
        assert!(is_leaf_assignment(Some("assigned"))); // lacnic-179.0.0.0-23
        assert!(!is_leaf_assignment(Some("ALLOCATED"))); // lacnic-200.40.0.0-17, registrobr-177
        assert!(!is_leaf_assignment(Some("DIRECT ALLOCATION"))); // arin-8.8.8.0-24
        assert!(!is_leaf_assignment(Some("ALLOCATION"))); // arin-8.8.8.8-google-2021
        assert!(!is_leaf_assignment(None));
    }

    #[test]
    fn an_allocation_answers_only_its_own_address() {
        let config = Config::default();
        let cache: NetworkCache<&str> =
            NetworkCache::new(&config.cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        // An ISP's /17 allocation (LACNIC ALLOCATED, as lacnic-200.40.0.0-17-antel).
        let isp = network("200.40.0.0", "200.40.127.255", "ALLOCATED");
        cache.insert(ip("200.40.1.1"), "isp", Some(&isp), Keep::Answer, now);
        assert_eq!(cache.get(ip("200.40.1.1"), now), Some("isp"));
        // Another address in the /17 may be in a customer assignment never fetched.
        assert_eq!(cache.get(ip("200.40.1.2"), now), None);
        assert_eq!(cache.get(ip("200.40.100.7"), now), None);
    }

    #[test]
    fn a_leaf_assignment_answers_every_address_inside_it() {
        let config = Config::default();
        let cache: NetworkCache<&str> =
            NetworkCache::new(&config.cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        // RIPE NCC's own ASSIGNED PA /21 (ripe-193.0.0.0-21-ripencc).
        let leaf = network("193.0.0.0", "193.0.7.255", "ASSIGNED PA");
        cache.insert(ip("193.0.6.139"), "ripe", Some(&leaf), Keep::Answer, now);
        assert_eq!(cache.get(ip("193.0.0.1"), now), Some("ripe"));
        assert_eq!(cache.get(ip("193.0.7.255"), now), Some("ripe"));
        assert_eq!(cache.get(ip("193.0.8.0"), now), None);
        assert_eq!(cache.get(ip("192.255.255.255"), now), None);
        // It expires like any answer.
        assert_eq!(cache.get(ip("193.0.0.1"), now + config.cache.ttl), None);
    }

    #[test]
    fn a_failure_is_kept_briefly_for_its_address_only() {
        let config = Config::default();
        let cache: NetworkCache<&str> =
            NetworkCache::new(&config.cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        cache.insert(ip("8.8.8.8"), "timeout", None, Keep::Failed, now);
        assert_eq!(cache.get(ip("8.8.8.8"), now), Some("timeout"));
        assert_eq!(cache.get(ip("8.8.8.8"), now + config.cache.error_ttl), None);
        cache.insert(ip("8.8.4.4"), "cut short", None, Keep::Never, now);
        assert_eq!(cache.get(ip("8.8.4.4"), now), None);
    }

    #[test]
    fn range_reuse_can_be_turned_off() {
        let mut config = Config::default();
        config.cache.network_range_reuse = false;
        let cache: NetworkCache<&str> =
            NetworkCache::new(&config.cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        let leaf = network("193.0.0.0", "193.0.7.255", "ASSIGNED PA");
        cache.insert(ip("193.0.6.139"), "ripe", Some(&leaf), Keep::Answer, now);
        assert_eq!(cache.get(ip("193.0.0.1"), now), None);
        assert_eq!(cache.get(ip("193.0.6.139"), now), Some("ripe"));
    }

    #[test]
    fn nested_leaves_never_answer_for_the_wrong_block() {
        let mut index: RangeIndex<&str> = RangeIndex::new(10);
        let now = Instant::now();
        let hour = Duration::from_secs(3600);
        // An (invalid) assignment inside an assignment: outer 10.0.0.0–10.0.0.255, inner
        // 10.0.0.16–10.0.0.31.
        index.insert(Range::new(ip("10.0.0.0"), ip("10.0.0.255")).unwrap(), "outer", hour, now);
        index.insert(Range::new(ip("10.0.0.16"), ip("10.0.0.31")).unwrap(), "inner", hour, now);
        assert_eq!(index.get(ip("10.0.0.20"), now), Some("inner"));
        assert_eq!(index.get(ip("10.0.0.5"), now), Some("outer"));
        // Past the inner block the nearest start is the inner one, which does not hold
        // the address: a miss (the cache asks), never the inner block's answer.
        assert_eq!(index.get(ip("10.0.0.40"), now), None);
        // Families never mix.
        assert_eq!(index.get(ip("::a00:14"), now), None);
    }
}
