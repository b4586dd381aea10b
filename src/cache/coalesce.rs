//! [`Coalescer`]: at most one fetch in flight per key; later callers wait for its result.
//! [`Coalescer::get_or_fetch`] is the one get-or-join-or-fetch loop that every cache (RDAP
//! responses, registration facts, networks, ASNs) runs.
//!
//! The first caller for a key becomes the [`Leader`] and fetches; callers arriving while it
//! runs get a receiver for its result. A leader that is dropped before finishing (its task
//! was cancelled) wakes its followers with nothing, and they try again themselves, so a
//! cancelled lookup never leaves others waiting forever.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

use std::future::Future;

use tokio::sync::watch;

use crate::stats::{CacheKind, Telemetry};

/// How [`Coalescer::get_or_fetch`] obtained its value (callers [`count`] hits and joins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Got {
    /// Where the value came from.
    pub(crate) via: Via,
    /// Times the caller joined a fetch in flight whose leader then gave up without an
    /// answer for it (cancelled, cut short by its own deadline, or fetched another key of
    /// the group), so it looked and asked again.
    pub(crate) released: u64,
}

/// Where a [`Got`] value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The cache answered.
    Cache,
    /// Another caller's fetch in flight answered.
    Join,
    /// This caller fetched.
    Fetch,
}

/// In-flight fetches by key.
pub(crate) struct Coalescer<K, V> {
    inflight: Mutex<HashMap<K, watch::Receiver<Option<V>>>>,
}

impl<K, V> fmt::Debug for Coalescer<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.inflight.lock().map_or(0, |m| m.len());
        f.debug_struct("Coalescer").field("in_flight", &n).finish()
    }
}

impl<K, V> Default for Coalescer<K, V> {
    fn default() -> Self {
        Self { inflight: Mutex::new(HashMap::new()) }
    }
}

/// The caller's part in a fetch: lead it, or wait for the leader.
pub(crate) enum Turn<'a, K: Hash + Eq, V> {
    /// Nobody is fetching this key: fetch, then [`Leader::finish`].
    Lead(Leader<'a, K, V>),
    /// Someone is: [`wait`] for the result.
    Follow(watch::Receiver<Option<V>>),
}

/// The one caller fetching a key. Dropping it (finished or not) frees the key.
pub(crate) struct Leader<'a, K: Hash + Eq, V> {
    owner: &'a Coalescer<K, V>,
    key: Option<K>,
    tx: watch::Sender<Option<V>>,
}

impl<K: Hash + Eq + Clone, V: Clone> Coalescer<K, V> {
    /// Lead the fetch of `key`, or follow the one in flight.
    pub(crate) fn turn(&self, key: &K) -> Turn<'_, K, V> {
        let mut inflight = self.lock();
        if let Some(rx) = inflight.get(key) {
            return Turn::Follow(rx.clone());
        }
        let (tx, rx) = watch::channel(None);
        inflight.insert(key.clone(), rx);
        Turn::Lead(Leader { owner: self, key: Some(key.clone()), tx })
    }

    /// The value for `key`: from the cache (`look`), else from the fetch in flight for
    /// `key` (`accept` turns the leader's value into this caller's, or `None` to look and
    /// ask again), else fetched by `fetch` and kept by `store`, which returns what may be
    /// handed to the followers (`None`: nothing, they ask for themselves — e.g. facts the
    /// leader's own deadline cut short).
    ///
    /// A leader that is cancelled wakes its followers with nothing, and they try again, so
    /// a cancelled lookup never leaves others waiting forever.
    pub(crate) async fn get_or_fetch<T, Look, LookFut, Fetch, FetchFut, Store, StoreFut>(
        &self,
        key: &K,
        look: Look,
        accept: impl Fn(V) -> Option<T>,
        fetch: Fetch,
        store: Store,
    ) -> (T, Got)
    where
        T: Clone,
        Look: Fn() -> LookFut,
        LookFut: Future<Output = Option<T>>,
        Fetch: FnOnce() -> FetchFut,
        FetchFut: Future<Output = T>,
        Store: FnOnce(T) -> StoreFut,
        StoreFut: Future<Output = Option<V>>,
    {
        let mut released = 0;
        loop {
            if let Some(value) = look().await {
                return (value, Got { via: Via::Cache, released });
            }
            match self.turn(key) {
                Turn::Follow(rx) => {
                    if let Some(value) = wait(rx).await.and_then(&accept) {
                        return (value, Got { via: Via::Join, released });
                    }
                    // The leader was cancelled, kept its value, or fetched for another
                    // key in the same group: look again, then ask.
                    released += 1;
                }
                Turn::Lead(leader) => {
                    // It may have been stored between the look and the turn.
                    if let Some(value) = look().await {
                        return (value, Got { via: Via::Cache, released });
                    }
                    let value = fetch().await;
                    if let Some(shared) = store(value.clone()).await {
                        leader.finish(shared);
                    }
                    return (value, Got { via: Via::Fetch, released });
                }
            }
        }
    }

    /// Fetches in flight.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, watch::Receiver<Option<V>>>> {
        self.inflight.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Hash + Eq, V> Leader<'_, K, V> {
    /// Hand `value` to every follower and free the key.
    pub(crate) fn finish(self, value: V) {
        self.tx.send_replace(Some(value));
    }
}

impl<K: Hash + Eq, V> Drop for Leader<'_, K, V> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.owner.inflight.lock().unwrap_or_else(PoisonError::into_inner).remove(&key);
        }
    }
}

/// The leader's result, or `None` when the leader was dropped without one. The follower's
/// lookup deadline is stopped meanwhile: the leader's own deadline bounds the wait.
pub(crate) async fn wait<V: Clone>(mut rx: watch::Receiver<Option<V>>) -> Option<V> {
    let result = crate::deadline::waiting(rx.wait_for(Option::is_some)).await;
    result.ok().and_then(|value| value.clone())
}

/// Count how a cache answered: a hit for `kind`, a join, or nothing for a fetch (the request
/// itself is counted where it is sent); and the joins released without an answer before it.
pub(crate) fn count(telemetry: &Telemetry, kind: CacheKind, got: Got) {
    telemetry.count_joins_released(got.released);
    match got.via {
        Via::Cache => telemetry.count_hit(kind),
        Via::Join => telemetry.count_coalesced(),
        Via::Fetch => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn followers_get_the_leaders_result() {
        let c: Coalescer<&str, u32> = Coalescer::default();
        let Turn::Lead(leader) = c.turn(&"k") else { panic!("first caller leads") };
        let Turn::Follow(rx) = c.turn(&"k") else { panic!("second caller follows") };
        assert_eq!(c.len(), 1);
        leader.finish(7);
        assert_eq!(wait(rx).await, Some(7));
        assert_eq!(c.len(), 0);
        assert!(matches!(c.turn(&"k"), Turn::Lead(_)));
    }

    #[tokio::test]
    async fn a_dropped_leader_releases_its_followers() {
        let c: Coalescer<&str, u32> = Coalescer::default();
        let Turn::Lead(leader) = c.turn(&"k") else { panic!() };
        let Turn::Follow(rx) = c.turn(&"k") else { panic!() };
        drop(leader);
        assert_eq!(wait(rx).await, None);
        assert_eq!(c.len(), 0);
    }

    #[tokio::test]
    async fn a_join_released_without_an_answer_is_counted_then_the_joiner_fetches() {
        use std::future::ready;
        let c: Coalescer<&str, u32> = Coalescer::default();
        let Turn::Lead(leader) = c.turn(&"k") else { panic!("first caller leads") };
        let joiner = c.get_or_fetch(&"k", || ready(None), Some, || ready(9), |v| ready(Some(v)));
        let give_up = async {
            tokio::task::yield_now().await;
            drop(leader);
        };
        let ((value, got), ()) = tokio::join!(joiner, give_up);
        assert_eq!(value, 9);
        assert_eq!(got, Got { via: Via::Fetch, released: 1 });
    }
}
