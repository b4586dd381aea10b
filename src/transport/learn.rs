//! Learning a server's sustainable request rate from its answers: the [`RateLearner`] state
//! machine that a [`LocalBudget`](crate::LocalBudget) keeps for every server whose
//! [`ServerPolicy::learn`](crate::ServerPolicy::learn) is set (servers that publish no
//! limit and answer `429` when a client goes past the one they keep).
//!
//! The scheme is additive-increase, multiplicative-decrease with an estimate of the limit:
//!
//! - **Slow start.** From the start rate, each answer to a request that had to wait for a
//!   token adds ln 2 requests per second: the rate doubles every second the client is held
//!   back by it, and does not grow while demand is below it.
//! - **On a 429** (with or without `Retry-After`), the server's limit is estimated: at the
//!   first, as the rate reached in slow start; afterwards, as the answers it gave since the
//!   previous 429 divided by the time since then. Against a token bucket this counts the burst that refilled during the pause and
//!   the rate after it, so the estimate is the bucket's rate. The learner then sends at 97 %
//!   of that estimate. 429s that arrive within [`SETTLE`] of a cut answer requests sent
//!   before it, and are not counted again.
//! - **Afterwards** the rate approaches 97 % of the estimate, and the estimate itself creeps
//!   up by 0.002 % per answer (about 0.1 %/s at 50 requests/s), so a server that raised its
//!   limit is found again without probing past the known one every few seconds.
//!
//! Pure: every method takes `now`; nothing here sleeps or sends.

use std::time::{Duration, Instant};

use crate::config::Learning;

/// Share of the estimated limit the learner sends at.
const HEADROOM: f64 = 0.97;
/// 429s this soon after a cut answer requests sent before it.
pub(crate) const SETTLE: Duration = Duration::from_millis(250);
/// A request that waited for a token this recently shows the rate is what holds the client
/// back (so raising it helps).
const HELD_BACK: Duration = Duration::from_secs(1);
/// How fast the rate approaches the target after a cut, per answer.
const APPROACH: f64 = 0.02;
/// How fast the estimate of the limit creeps up, per answer.
const CREEP: f64 = 0.000_02;
/// Slow start: added to the rate per answer (at `r` answers a second the rate grows by
/// `r · ln 2` per second, so it doubles each second).
const SLOW_START_GAIN: f64 = std::f64::consts::LN_2;
/// The slowest the learner goes: one request every ten seconds.
const FLOOR: f64 = 0.1;

/// The learnt rate of one server.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateLearner {
    /// Requests per second now.
    rate: f64,
    /// Never faster (requests per second); `None`: no ceiling.
    ceiling: Option<f64>,
    /// The server's limit as estimated at the last 429; `None` before any.
    limit: Option<f64>,
    /// Doubling until the first 429.
    slow_start: bool,
    /// Start of the current count: the first request, or the last counted 429.
    since: Option<Instant>,
    /// Answers (not 429) since `since`.
    answered: u64,
    /// When the rate was last cut.
    cut_at: Option<Instant>,
    /// When a request last waited for a token.
    held_back_at: Option<Instant>,
    /// The rate as last saved (so a store is written only when it moved).
    saved_rate: f64,
    /// Cut since the last save.
    dirty: bool,
}

impl RateLearner {
    /// A learner starting at `learning`'s start rate, in slow start.
    pub(crate) fn new(learning: Learning) -> Self {
        let ceiling = (learning.max_per_second > 0).then(|| f64::from(learning.max_per_second));
        let start = f64::from(learning.start_per_second.max(1));
        let rate = ceiling.map_or(start, |c| start.min(c));
        Self {
            rate,
            ceiling,
            limit: None,
            slow_start: true,
            since: None,
            answered: 0,
            cut_at: None,
            held_back_at: None,
            saved_rate: rate,
            dirty: false,
        }
    }

    /// A learner resuming at `rate`, learnt by an earlier run: no slow start, the limit
    /// taken as the rate it was sending at.
    pub(crate) fn resumed(learning: Learning, rate: f64) -> Self {
        let mut learner = Self::new(learning);
        if rate.is_finite() && rate > 0.0 {
            learner.rate = learner.clamp(rate);
            learner.limit = Some(learner.rate / HEADROOM);
            learner.slow_start = false;
            learner.saved_rate = learner.rate;
        }
        learner
    }

    /// Requests per second now.
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// The learnt rate, once a 429 taught one (or an earlier run did).
    pub(crate) fn learnt(&self) -> Option<f64> {
        self.limit.map(|_| self.rate)
    }

    /// A request is sent at `now`.
    pub(crate) fn sent(&mut self, now: Instant) {
        self.since.get_or_insert(now);
    }

    /// A request had to wait for a token at `now`.
    pub(crate) fn held_back(&mut self, now: Instant) {
        self.held_back_at = Some(now);
    }

    /// The server answered (anything but a rate limit) at `now`.
    pub(crate) fn answered(&mut self, now: Instant) {
        self.answered += 1;
        let held_back =
            self.held_back_at.is_some_and(|at| now.saturating_duration_since(at) <= HELD_BACK);
        if self.slow_start {
            if held_back {
                self.rate = self.clamp(self.rate + SLOW_START_GAIN);
            }
            return;
        }
        if let Some(limit) = self.limit.as_mut() {
            *limit *= 1.0 + CREEP;
            let target = *limit * HEADROOM;
            if held_back && self.rate < target {
                self.rate = self.clamp(self.rate + (target - self.rate) * APPROACH);
            }
        }
    }

    /// The server answered "too many requests" at `now`: estimate its limit and cut.
    pub(crate) fn rate_limited(&mut self, now: Instant) {
        if self.cut_at.is_some_and(|at| now.saturating_duration_since(at) < SETTLE) {
            return;
        }
        let elapsed =
            self.since.map_or(0.0, |since| now.saturating_duration_since(since).as_secs_f64());
        let measured = (elapsed >= SETTLE.as_secs_f64() && self.answered >= 4)
            .then(|| self.answered as f64 / elapsed);
        // The client never got more than it sent: the estimate is at most the rate. In slow
        // start the count since the first request averages over the ramp (an underestimate):
        // the rate the client had reached when told to stop is the better estimate there,
        // and the next 429, if any, measures it.
        let limit = match measured {
            _ if self.slow_start => self.rate,
            Some(m) => m.min(self.rate),
            None => self.rate * 0.8,
        };
        self.limit = Some(limit.max(FLOOR));
        self.rate = self.clamp(limit * HEADROOM);
        self.slow_start = false;
        self.since = Some(now);
        self.answered = 0;
        self.cut_at = Some(now);
        self.dirty = true;
    }

    /// The rate to save, once after each cut and when it moved by more than 2 % since the
    /// last save; `None` before anything was learnt.
    pub(crate) fn take_unsaved(&mut self) -> Option<f64> {
        let learnt = self.learnt()?;
        let moved = (learnt - self.saved_rate).abs() > self.saved_rate * 0.02;
        if !(self.dirty || moved) {
            return None;
        }
        self.dirty = false;
        self.saved_rate = learnt;
        Some(learnt)
    }

    fn clamp(&self, rate: f64) -> f64 {
        let rate = rate.max(FLOOR);
        self.ceiling.map_or(rate, |c| rate.min(c))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Drive `learner` as a client held back by it would be for `seconds`, against a server
    /// that answers everything: one request each `1 / rate`, answered at once.
    fn run(learner: &mut RateLearner, start: Instant, seconds: f64) -> Instant {
        let mut now = start;
        let end = start + Duration::from_secs_f64(seconds);
        while now < end {
            learner.held_back(now);
            learner.sent(now);
            learner.answered(now);
            now += Duration::from_secs_f64(1.0 / learner.rate());
        }
        now
    }

    #[test]
    fn slow_start_doubles_each_second_while_held_back_and_stops_at_the_ceiling() {
        let t0 = Instant::now();
        let mut learner = RateLearner::new(Learning::new(2, 0));
        run(&mut learner, t0, 3.0);
        // 2 → 4 → 8 → 16 in three seconds (a little more: it grows in steps).
        assert!((14.0..=20.0).contains(&learner.rate()), "{}", learner.rate());
        assert_eq!(learner.learnt(), None);
        let mut capped = RateLearner::new(Learning::new(2, 10));
        run(&mut capped, t0, 10.0);
        assert_eq!(capped.rate(), 10.0);
    }

    #[test]
    fn no_growth_while_demand_is_below_the_rate() {
        let t0 = Instant::now();
        let mut learner = RateLearner::new(Learning::new(5, 0));
        // One request a second, never held back.
        for i in 0..100 {
            let now = t0 + Duration::from_secs(i);
            learner.sent(now);
            learner.answered(now);
        }
        assert_eq!(learner.rate(), 5.0);
    }

    #[test]
    fn a_429_estimates_the_limit_from_the_answers_since_the_last_one() {
        let t0 = Instant::now();
        let mut learner = RateLearner::new(Learning::new(60, 0));
        // Slow start ends at the first 429: the rate reached is the first estimate.
        learner.sent(t0);
        learner.rate_limited(t0 + ms(1_000));
        assert!((learner.rate() - 60.0 * HEADROOM).abs() < 1e-9, "{}", learner.rate());
        // 50 answers a second for 4 s, then a 429: the limit is measured.
        for i in 1..=200 {
            learner.answered(t0 + ms(1_000 + i * 20));
        }
        learner.rate_limited(t0 + ms(5_000));
        assert!((learner.rate() - 50.0 * HEADROOM).abs() < 0.1, "{}", learner.rate());
        assert_eq!(learner.learnt(), Some(learner.rate()));
        // The other requests in flight come back 429 too: one cut only.
        let after = learner.rate();
        learner.rate_limited(t0 + ms(4_010));
        learner.rate_limited(t0 + ms(4_100));
        assert_eq!(learner.rate(), after);
        // A 429 too soon after the last (nothing to measure) cuts by a fifth.
        learner.rate_limited(t0 + ms(5_300));
        assert!((learner.rate() - 50.0 * HEADROOM * 0.8 * HEADROOM).abs() < 0.1);
    }

    #[test]
    fn after_a_cut_the_rate_approaches_the_estimate_without_passing_it_for_long() {
        let t0 = Instant::now();
        let mut learner = RateLearner::resumed(Learning::new(2, 0), 100.0);
        learner.sent(t0);
        for i in 0..100 {
            learner.answered(t0 + ms(i * 20));
        }
        learner.rate_limited(t0 + ms(2_000));
        // Cut to 0.97 × 50: it then stays within 1 % of that for a minute of full use.
        let learnt = learner.rate();
        run(&mut learner, t0 + ms(2_000), 60.0);
        assert!(learner.rate() >= learnt && learner.rate() < learnt * 1.1, "{}", learner.rate());
    }

    #[test]
    fn a_saved_rate_resumes_without_slow_start_and_is_saved_once_per_move() {
        let t0 = Instant::now();
        let mut learner = RateLearner::resumed(Learning::new(2, 0), 48.5);
        assert_eq!(learner.rate(), 48.5);
        assert_eq!(learner.learnt(), Some(48.5));
        // Resumed: nothing new to save.
        assert_eq!(learner.take_unsaved(), None);
        learner.sent(t0);
        for i in 0..10 {
            learner.answered(t0 + ms(i * 100));
        }
        learner.rate_limited(t0 + ms(1_000));
        let saved = learner.take_unsaved().unwrap();
        assert!((saved - 10.0 * HEADROOM).abs() < 1e-9, "{saved}");
        assert_eq!(learner.take_unsaved(), None);
        // A ceiling holds a resumed rate too.
        assert_eq!(RateLearner::resumed(Learning::new(2, 20), 48.5).rate(), 20.0);
    }
}
