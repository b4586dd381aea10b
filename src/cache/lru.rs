//! [`LruTtl`]: a bounded map with least-recently-used eviction and a time-to-live per entry.
//!
//! Bounded by entry count and by total weight (the caller says what an entry weighs, e.g.
//! its body length). Every method takes `now`, so expiry is tested without sleeping.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// One stored value.
#[derive(Debug)]
struct Slot<V> {
    value: V,
    expires: Instant,
    /// Position in the recency order (higher is more recent).
    tick: u64,
    weight: usize,
}

/// A map bounded by `max_entries` and `max_weight`, evicting the least recently used entry
/// first; entries past their time-to-live are never returned.
#[derive(Debug)]
pub(crate) struct LruTtl<K, V> {
    map: HashMap<K, Slot<V>>,
    /// tick → key, oldest first.
    order: BTreeMap<u64, K>,
    next_tick: u64,
    weight: usize,
    max_entries: usize,
    max_weight: usize,
}

impl<K: Hash + Eq + Clone, V> LruTtl<K, V> {
    /// An empty map holding at most `max_entries` entries weighing at most `max_weight` in
    /// all.
    pub(crate) fn new(max_entries: usize, max_weight: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: BTreeMap::new(),
            next_tick: 0,
            weight: 0,
            max_entries,
            max_weight,
        }
    }

    /// The live value for `key` at `now`, marking it most recently used. An expired entry
    /// is removed.
    pub(crate) fn get<Q>(&mut self, key: &Q, now: Instant) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let expired = self.map.get(key).map(|slot| slot.expires <= now)?;
        if expired {
            self.remove(key);
            return None;
        }
        let tick = self.bump();
        let slot = self.map.get_mut(key)?;
        if let Some(k) = self.order.remove(&slot.tick) {
            self.order.insert(tick, k);
        }
        slot.tick = tick;
        Some(&slot.value)
    }

    /// Store `value` for `ttl` from `now`, then evict least recently used entries until the
    /// bounds hold. Returns the keys evicted (not counting a replaced value of `key`). A
    /// zero `ttl`, or a value heavier than the whole budget, is not stored.
    pub(crate) fn insert(
        &mut self,
        key: K,
        value: V,
        weight: usize,
        ttl: Duration,
        now: Instant,
    ) -> Vec<K> {
        self.remove(&key);
        if ttl.is_zero() || weight > self.max_weight || self.max_entries == 0 {
            return Vec::new();
        }
        let tick = self.bump();
        let expires = now.checked_add(ttl).unwrap_or(now + Duration::from_secs(86_400 * 365));
        self.order.insert(tick, key.clone());
        self.map.insert(key, Slot { value, expires, tick, weight });
        self.weight += weight;
        let mut evicted = Vec::new();
        while self.map.len() > self.max_entries || self.weight > self.max_weight {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            if let Some(slot) = self.map.remove(&oldest) {
                self.weight -= slot.weight;
            }
            evicted.push(oldest);
        }
        evicted
    }

    /// Remove `key`, returning its value.
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.map.remove(key)?;
        self.order.remove(&slot.tick);
        self.weight -= slot.weight;
        Some(slot.value)
    }

    /// Entries stored (expired ones included until they are read or evicted).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Total weight stored.
    #[cfg(test)]
    pub(crate) fn weight(&self) -> usize {
        self.weight
    }

    fn bump(&mut self) -> u64 {
        self.next_tick += 1;
        self.next_tick
    }
}

/// Lock, carrying on past a poisoned mutex (the cached data stays valid).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn evicts_the_least_recently_used() {
        let now = Instant::now();
        let mut lru = LruTtl::new(2, usize::MAX);
        lru.insert("a", 1, 1, HOUR, now);
        lru.insert("b", 2, 1, HOUR, now);
        assert_eq!(lru.get("a", now), Some(&1)); // a is now the most recent
        assert_eq!(lru.insert("c", 3, 1, HOUR, now), vec!["b"]);
        assert_eq!(lru.get("b", now), None);
        assert_eq!(lru.get("a", now), Some(&1));
        assert_eq!(lru.get("c", now), Some(&3));
        assert_eq!(lru.len(), 2);
    }

    #[test]
    fn bounded_by_weight() {
        let now = Instant::now();
        let mut lru = LruTtl::new(100, 10);
        lru.insert(1, "x", 6, HOUR, now);
        assert_eq!(lru.insert(2, "y", 6, HOUR, now), vec![1]);
        assert_eq!(lru.weight(), 6);
        // Heavier than the whole budget: not stored, nothing evicted.
        assert!(lru.insert(3, "z", 11, HOUR, now).is_empty());
        assert_eq!(lru.get(&3, now), None);
        assert_eq!(lru.get(&2, now), Some(&"y"));
    }

    #[test]
    fn expires_after_the_ttl() {
        let now = Instant::now();
        let mut lru = LruTtl::new(10, usize::MAX);
        lru.insert("a", 1, 1, Duration::from_secs(10), now);
        assert_eq!(lru.get("a", now + Duration::from_secs(9)), Some(&1));
        assert_eq!(lru.get("a", now + Duration::from_secs(10)), None);
        assert_eq!(lru.len(), 0);
        // Replacing a value keeps one entry and its weight.
        lru.insert("b", 1, 3, HOUR, now);
        lru.insert("b", 2, 4, HOUR, now);
        assert_eq!(lru.len(), 1);
        assert_eq!(lru.weight(), 4);
        // A zero TTL stores nothing.
        lru.insert("c", 1, 1, Duration::ZERO, now);
        assert_eq!(lru.get("c", now), None);
    }
}
