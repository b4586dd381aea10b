//! [`AsnCache`]: [`AsnChain`] answers by address, and by prefix where that is provably
//! correct, with in-flight coalescing.
//!
//! # The rule
//!
//! Team Cymru (and a routing table generally) answers with the **most specific announced
//! prefix** containing the asked address. Another address inside that prefix may be covered
//! by a more specific announcement (a customer's /24 inside a provider's /16), so an answer is
//! reused for another address only when no more specific route can exist: when its prefix is
//! already as long as globally routed prefixes get — /24 for IPv4, /48 for IPv6, the longest
//! prefixes networks accept from peers (RFC 7454 §6.1.3). Every other answer is reused for
//! the same address only. A range that is not a CIDR (ip-location-db `start-end` segments)
//! is reused for the same address only, too: local databases answer in microseconds anyway.
//!
//! An answer with errors is not kept; "no AS announces this" (no answer, no error) is kept
//! for the negative TTL.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;

use super::source::{AsnChain, AsnOutcome};
use crate::cache::{Coalescer, LruTtl, Range, RangeIndex, count, lock};
use crate::clock::now;
use crate::config::CacheSettings;
use crate::record::IpBlock;
use crate::stats::{CacheKind, Telemetry};

/// Cached ASN answers; see the [module rule](self).
pub(crate) struct AsnCache {
    exact: Mutex<LruTtl<IpAddr, AsnOutcome>>,
    prefixes: Mutex<RangeIndex<AsnOutcome>>,
    inflight: Coalescer<IpAddr, AsnOutcome>,
    ttl: Duration,
    negative_ttl: Duration,
    prefix_reuse: bool,
    telemetry: Arc<Telemetry>,
}

impl fmt::Debug for AsnCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsnCache")
            .field("ttl", &self.ttl)
            .field("prefix_reuse", &self.prefix_reuse)
            .finish_non_exhaustive()
    }
}

/// The range an answer may be reused for, beyond its own address: its prefix when that is
/// a CIDR at the routable maximum (/24, /48) containing `ip`.
fn reusable_range(outcome: &AsnOutcome, ip: IpAddr) -> Option<Range> {
    let Some(IpBlock::Net(prefix)) = outcome.asn.as_ref()?.prefix else { return None };
    let longest = match prefix {
        IpNet::V4(_) => 24,
        IpNet::V6(_) => 48,
    };
    if prefix.prefix_len() < longest || !prefix.contains(&ip) {
        return None;
    }
    Range::new(prefix.network(), prefix.broadcast())
}

impl AsnCache {
    /// An ASN cache within `settings`, counted in `telemetry`.
    pub(crate) fn new(settings: &CacheSettings, telemetry: Arc<Telemetry>) -> Self {
        let max = settings.asn_max_entries;
        Self {
            exact: Mutex::new(LruTtl::new(max, usize::MAX)),
            prefixes: Mutex::new(RangeIndex::new(max)),
            inflight: Coalescer::default(),
            ttl: settings.ttl,
            negative_ttl: settings.negative_ttl,
            prefix_reuse: settings.asn_prefix_reuse,
            telemetry,
        }
    }

    /// `chain.lookup(ip)`, answered from the cache when the rule allows, and asked once for
    /// concurrent lookups of the same address.
    pub(crate) async fn lookup(&self, chain: &AsnChain, ip: IpAddr) -> AsnOutcome {
        let (outcome, got) = self
            .inflight
            .get_or_fetch(
                &ip,
                || std::future::ready(self.get(ip, now())),
                Some,
                || chain.lookup(ip),
                |outcome| {
                    self.insert(ip, &outcome, now());
                    std::future::ready(Some(outcome))
                },
            )
            .await;
        count(&self.telemetry, CacheKind::Asn, got);
        outcome
    }

    /// The cached answer for `ip` at `now`.
    pub(crate) fn get(&self, ip: IpAddr, now: Instant) -> Option<AsnOutcome> {
        if let Some(outcome) = lock(&self.exact).get(&ip, now) {
            return Some(outcome.clone());
        }
        if !self.prefix_reuse {
            return None;
        }
        lock(&self.prefixes).get(ip, now)
    }

    /// Keep `outcome` for `ip` per the rule.
    pub(crate) fn insert(&self, ip: IpAddr, outcome: &AsnOutcome, now: Instant) {
        if !outcome.errors.is_empty() {
            return;
        }
        let ttl = if outcome.asn.is_some() { self.ttl } else { self.negative_ttl };
        if self.prefix_reuse
            && let Some(range) = reusable_range(outcome, ip)
        {
            lock(&self.prefixes).insert(range, outcome.clone(), ttl, now);
        }
        lock(&self.exact).insert(ip, outcome.clone(), 1, ttl, now);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::Config;
    use crate::error::{SourceError, SourceErrorKind};
    use crate::record::Asn;

    fn answer(number: u32, prefix: &str) -> AsnOutcome {
        AsnOutcome {
            asn: Some(Asn {
                number,
                name: None,
                source: "cymru".into(),
                prefix: Some(prefix.parse().unwrap()),
                other_origins: Vec::new(),
                provenance: None,
            }),
            errors: Vec::new(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_covering_prefix_answers_only_its_own_address() {
        let cache = AsnCache::new(&Config::default().cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        // The recorded preset's Team Cymru entry: 104.16.0.0/13 → AS13335.
        cache.insert(ip("104.16.132.229"), &answer(13335, "104.16.0.0/13"), now);
        assert_eq!(cache.get(ip("104.16.132.229"), now).unwrap().asn.unwrap().number, 13335);
        // A more specific announcement may cover this one.
        assert!(cache.get(ip("104.16.133.229"), now).is_none());
    }

    #[test]
    fn a_longest_routable_prefix_answers_its_whole_prefix() {
        let cache = AsnCache::new(&Config::default().cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        cache.insert(ip("8.8.8.8"), &answer(15169, "8.8.8.0/24"), now);
        assert_eq!(cache.get(ip("8.8.8.4"), now).unwrap().asn.unwrap().number, 15169);
        assert!(cache.get(ip("8.8.9.1"), now).is_none());
        cache.insert(ip("2620:119:35::35"), &answer(36692, "2620:119:35::/48"), now);
        assert!(cache.get(ip("2620:119:35::53"), now).is_some());
        assert!(cache.get(ip("2620:119:36::53"), now).is_none());
    }

    /// Counts its lookups and answers AS64500 in 192.0.2.0/24 for everything.
    #[derive(Debug, Default)]
    struct Counting(std::sync::atomic::AtomicU32);

    impl crate::asn::AsnSource for Counting {
        fn name(&self) -> &str {
            "counting"
        }

        fn lookup(
            &self,
            _ip: IpAddr,
        ) -> crate::future::BoxFuture<'_, Result<Option<Asn>, SourceError>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async {
                tokio::task::yield_now().await;
                Ok(answer(64500, "192.0.2.0/24").asn)
            })
        }
    }

    #[tokio::test]
    async fn concurrent_lookups_ask_the_chain_once() {
        let source = Arc::new(Counting::default());
        let chain = AsnChain::new(vec![source.clone()]);
        let cache = AsnCache::new(&Config::default().cache, Arc::new(Telemetry::default()));
        let (a, b, c) = tokio::join!(
            cache.lookup(&chain, ip("192.0.2.1")),
            cache.lookup(&chain, ip("192.0.2.1")),
            cache.lookup(&chain, ip("192.0.2.1")),
        );
        assert_eq!(source.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        for outcome in [a, b, c] {
            assert_eq!(outcome.asn.unwrap().number, 64500);
        }
        // Another address in the /24 is answered from the cache.
        cache.lookup(&chain, ip("192.0.2.77")).await;
        assert_eq!(source.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn failures_are_not_kept() {
        let cache = AsnCache::new(&Config::default().cache, Arc::new(Telemetry::default()));
        let now = Instant::now();
        let failed = AsnOutcome {
            asn: None,
            errors: vec![("cymru".into(), SourceError::new(SourceErrorKind::Timeout, "timed out"))],
        };
        cache.insert(ip("1.1.1.1"), &failed, now);
        assert!(cache.get(ip("1.1.1.1"), now).is_none());
        // "Nobody announces it" is kept, for the negative TTL.
        cache.insert(ip("1.1.1.2"), &AsnOutcome::default(), now);
        assert!(cache.get(ip("1.1.1.2"), now).is_some());
        let config = Config::default();
        assert!(cache.get(ip("1.1.1.2"), now + config.cache.negative_ttl).is_none());
    }
}
