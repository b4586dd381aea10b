//! Learning a server's sustainable request rate from its answers: the [`RateLearner`] state
//! machine that a [`LocalBudget`](crate::LocalBudget) keeps for every server whose
//! [`ServerPolicy::learn`](crate::ServerPolicy::learn) is set (servers that publish no
//! limit and answer `429` when a client goes past the one they keep).
//!
//! A client pacing its requests evenly at rate `r` is refused by a token-bucket server only
//! when `r` is above the server's rate. So a 429 at `r` bounds the limit from above, and a
//! rate held for [`SUSTAIN`] while requests waited for it, without a 429, bounds it from
//! below. The learner narrows the two bounds (a bisection) and then sends at the lower one:
//!
//! - **Slow start.** From the start rate, each answer to a request that had to wait for a
//!   token adds 2 ln 2 requests per second: the rate doubles every half second the client
//!   is held back by it, and does not grow while demand is below it.
//! - **The first 429** ends it: the rate reached is the upper bound, 70 % of it the lower
//!   one (a client that crossed the limit is refused soon after), and the learner drops to
//!   the lower bound.
//! - **Probing.** Each time the current rate was held for [`SUSTAIN`] without a 429, with at
//!   least 90 % of the requests it allows sent (demand below the rate shows nothing), it becomes
//!   the lower bound, and the learner tries the middle of the two bounds. A 429 at a probe
//!   makes it the upper bound and sends the learner back to the lower one. Once the bounds
//!   are within 3 % it stops probing and stays at the lower bound; the upper bound creeps up
//!   by 0.0002 % per answer (3 % in about five minutes at 50 requests/s), so that a server
//!   that raised its limit is found again after a while, without probing every few seconds.
//! - **A 429 at or below the lower bound** (the server lowered its limit, or a burst of the
//!   client's own) lowers the upper bound to it and the lower one to 95 % of it; a second
//!   one before that lower bound is confirmed takes it to 70 %, and the bisection climbs
//!   back.
//! - **What is learnt** (reported and saved for the next run) is the lower bound once held:
//!   a bound guessed from a cut (70 % of a slow start that overshot while the first 429
//!   was on its way back can still be far above the limit) is not, until a sustain window
//!   confirms it. A later run resumes at 98 % of it, without slow start.
//! - The time a server asked the client to pause (`Retry-After`) is not counted, and 429s
//!   within [`SETTLE`] of sending resuming answer requests sent before: they are not counted
//!   again.
//!
//! Pure: every method takes `now`; nothing here sleeps or sends.

use std::time::{Duration, Instant};

use crate::config::Learning;

/// 429s this soon after sending resumed answer requests sent before the cut.
pub(crate) const SETTLE: Duration = Duration::from_millis(250);
/// A rate held this long, used (90 % of the requests it allows sent) and with no 429, is
/// sustainable.
pub(crate) const SUSTAIN: Duration = Duration::from_secs(2);
/// A request that waited for a token this recently shows the rate is what holds the client
/// back.
const HELD_BACK: Duration = Duration::from_secs(1);
/// Bounds this close (as a share of the upper one) are close enough: no more probing.
const CLOSE: f64 = 0.03;
/// How fast the upper bound creeps up, per answer, once the bounds are close.
const CREEP: f64 = 0.000_002;
/// Slow start: added to the rate per answer (at `r` answers a second the rate grows by
/// `r · 2 ln 2` per second, so it doubles every half second).
const SLOW_START_GAIN: f64 = 2.0 * std::f64::consts::LN_2;
/// A 429 at a rate held before: the lower bound falls to this share of it, and the bisection
/// climbs back from there.
const FALL: f64 = 0.7;
/// A run resuming a learnt rate starts at this share of it. A learnt rate went through
/// without a 429, but counted over 2 s, a server's burst may have let a little more through
/// than its rate: all of it gave the second run 3-9 429s, 0.96 gave 0-1 and 4 % of its
/// speed.
const RESUME_MARGIN: f64 = 0.98;
/// The first 429 at a rate held before: the lower bound steps down to this share of it.
const STUMBLE: f64 = 0.95;
/// The slowest the learner goes: one request every ten seconds.
const FLOOR: f64 = 0.1;

/// The learnt rate of one server.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateLearner {
    /// Requests per second now.
    rate: f64,
    /// Never faster (requests per second); `None`: no ceiling.
    ceiling: Option<f64>,
    /// Doubling until the first 429.
    slow_start: bool,
    /// The highest rate held without a 429 (requests per second).
    lower: f64,
    /// The lowest rate a 429 answered; `None` before any.
    upper: Option<f64>,
    /// Since when the current rate has been held with requests waiting for it.
    held_since: Option<Instant>,
    /// Answers since `held_since`.
    held_answers: u64,
    /// When a request last waited for a token.
    held_back_at: Option<Instant>,
    /// When sending resumed after the last cut (its pause over).
    resumed_at: Option<Instant>,
    /// The rate as last saved (so a store is written only when it moved).
    saved_rate: f64,
    /// Cut since the last save.
    dirty: bool,
    /// The lower bound as last confirmed: held for [`SUSTAIN`] without a 429 (or resumed
    /// from an earlier run). What is learnt, and saved; a lower bound guessed from a cut is
    /// not, until held.
    confirmed: Option<f64>,
    /// The upper bound as last saved.
    saved_upper: Option<f64>,
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
            slow_start: true,
            lower: rate,
            upper: None,
            held_since: None,
            held_answers: 0,
            held_back_at: None,
            resumed_at: None,
            saved_rate: rate,
            dirty: false,
            confirmed: None,
            saved_upper: None,
        }
    }

    /// A learner resuming at `rate`, learnt by an earlier run: no slow start, the bounds
    /// taken as close around it.
    pub(crate) fn resumed(learning: Learning, rate: f64) -> Self {
        let mut learner = Self::new(learning);
        if rate.is_finite() && rate > 0.0 {
            // The saved rate is a lower bound: it went through for SUSTAIN without a 429.
            // Start at it, the bounds close (no probing; the upper one creeps).
            learner.rate = learner.clamp(rate * RESUME_MARGIN);
            learner.lower = learner.rate;
            learner.upper = Some(learner.rate / (1.0 - CLOSE));
            learner.slow_start = false;
            learner.saved_rate = learner.rate;
            learner.confirmed = Some(learner.rate);
        }
        learner
    }

    /// A learner for a server that refused an earlier run at `refused` requests per second
    /// before any rate was held long enough to be learnt (a server asked in bursts): no slow
    /// start (it overshoots), half that rate to begin with, and the bisection from there.
    pub(crate) fn after_refusal(learning: Learning, refused: f64) -> Self {
        let mut learner = Self::new(learning);
        if refused.is_finite() && refused > 0.0 {
            learner.upper = Some(refused);
            learner.rate = learner.clamp(refused / 2.0);
            learner.lower = learner.rate;
            learner.slow_start = false;
            learner.saved_upper = Some(refused);
        }
        learner
    }

    /// The lowest rate refused so far (the upper bound), once a 429 came.
    pub(crate) fn refused(&self) -> Option<f64> {
        self.upper
    }

    /// Requests per second now.
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// The learnt rate: the lower bound once it was held for [`SUSTAIN`] after a 429 taught
    /// the learner its bounds (or an earlier run's, resumed).
    pub(crate) fn learnt(&self) -> Option<f64> {
        self.confirmed
    }

    /// True when the lower bound is the one last confirmed.
    fn lower_confirmed(&self) -> bool {
        self.confirmed.is_some_and(|c| (c - self.lower).abs() <= f64::EPSILON * c.max(1.0))
    }

    /// A request is sent at `now`.
    pub(crate) fn sent(&mut self, _now: Instant) {}

    /// A request had to wait for a token at `now`.
    pub(crate) fn held_back(&mut self, now: Instant) {
        self.held_back_at = Some(now);
    }

    /// The server answered (anything but a rate limit) at `now`.
    pub(crate) fn answered(&mut self, now: Instant) {
        let held_back =
            self.held_back_at.is_some_and(|at| now.saturating_duration_since(at) <= HELD_BACK);
        if !held_back || self.resumed_at.is_some_and(|at| now < at) {
            // Demand is below the rate (or this answers a request sent before a pause):
            // nothing learnt about the server.
            self.held_since = None;
            self.held_answers = 0;
            return;
        }
        if self.slow_start {
            self.rate = self.clamp(self.rate + SLOW_START_GAIN);
            return;
        }
        let since = *self.held_since.get_or_insert(now);
        self.held_answers += 1;
        let Some(upper) = self.upper.as_mut() else { return };
        if self.rate <= self.lower * (1.0 + CLOSE) {
            // At the lower bound: the upper one creeps up.
            *upper *= 1.0 + CREEP;
        }
        let upper = *upper;
        let held = now.saturating_duration_since(since).as_secs_f64();
        if held < SUSTAIN.as_secs_f64() {
            return;
        }
        let answers = std::mem::take(&mut self.held_answers) as f64;
        self.held_since = Some(now);
        if answers < 0.9 * self.rate * held {
            // Requests waited, yet fewer went than the rate allows: the client did not use
            // the rate, so it is not shown to be sustainable.
            return;
        }
        // Held long enough, at the rate: what went through is sustainable (the answers
        // counted, not the pacing, which timers round). Probe the middle, unless the bounds
        // are close.
        // (One answer fewer: the window holds both its ends.)
        let through = (answers - 1.0).max(0.0) / held;
        self.lower = self.lower.max(through.min(self.rate)).min(upper);
        self.confirmed = Some(self.lower);
        self.dirty |= (self.lower - self.saved_rate).abs() > self.saved_rate * 0.02;
        let next = if upper - self.lower > upper * CLOSE {
            (self.lower + upper) / 2.0
        } else {
            self.lower
        };
        if (next - self.rate).abs() > f64::EPSILON {
            self.rate = self.clamp(next);
        }
    }

    /// The server answered "too many requests" at `now` and asked for (or was given) a pause
    /// of `pause`: narrow the bounds and drop to the lower one.
    pub(crate) fn rate_limited(&mut self, now: Instant, pause: Duration) {
        if self.resumed_at.is_some_and(|resumed| now < resumed + SETTLE) {
            return;
        }
        let at = self.rate;
        if self.slow_start {
            // Half a second ago the rate was half this, with no 429; a client that crossed
            // the limit is refused soon after, so most of the way down is enough.
            self.slow_start = false;
            self.upper = Some(at);
            self.lower = (at * FALL).max(FLOOR);
        } else if at <= self.lower && self.lower_confirmed() {
            // Refused at a rate held before: a burst of the client's own (timers bunch
            // requests on a busy machine) or a lower limit. A small step down first.
            self.upper = Some(at);
            self.lower = (at * STUMBLE).max(FLOOR);
        } else if at <= self.lower {
            // Refused at a lower bound not held yet (guessed from a cut, or stepped down
            // to): the server's limit is well below it.
            self.upper = Some(at);
            self.lower = (at * FALL).max(FLOOR);
        } else {
            self.upper = Some(self.upper.map_or(at, |u| u.min(at)));
        }
        self.rate = self.clamp(self.lower);
        tracing::debug!(refused_at = at, lower = self.lower, upper = ?self.upper, "rate limited: learnt bounds");
        self.held_since = None;
        self.held_answers = 0;
        self.resumed_at = Some(now + pause);
        // Nothing held yet: what was refused is worth keeping for the next run.
        let moved = match (self.saved_upper, self.upper) {
            (None, Some(_)) => true,
            (Some(saved), Some(upper)) => (upper - saved).abs() > saved * 0.02,
            _ => false,
        };
        self.dirty |= self.confirmed.is_none() && moved;
    }

    /// What to save, when the confirmed lower bound moved by more than 2 % since the last
    /// save, or (nothing confirmed yet) the rate refused did: `(learnt, refused)`. `None`
    /// when nothing moved.
    pub(crate) fn take_unsaved(&mut self) -> Option<(Option<f64>, Option<f64>)> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        if let Some(learnt) = self.confirmed {
            self.saved_rate = learnt;
        }
        self.saved_upper = self.upper;
        Some((self.confirmed, self.upper))
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

    /// Drive `learner` for `seconds` against a token-bucket server of `limit` per second
    /// and a burst of 3 that answers 429 with a one-second `Retry-After`, the client always
    /// having more to send. Returns the 429s.
    fn against(learner: &mut RateLearner, limit: f64, start: Instant, seconds: f64) -> u32 {
        let (mut now, mut tokens, mut refreshed) = (start, 3.0f64, start);
        let mut refusals = 0;
        let end = start + Duration::from_secs_f64(seconds);
        while now < end {
            tokens = (tokens + now.duration_since(refreshed).as_secs_f64() * limit).min(3.0);
            refreshed = now;
            learner.held_back(now);
            learner.sent(now);
            if tokens >= 1.0 {
                tokens -= 1.0;
                learner.answered(now);
                now += Duration::from_secs_f64(1.0 / learner.rate());
            } else {
                refusals += 1;
                learner.rate_limited(now, Duration::from_secs(1));
                now += Duration::from_secs(1);
            }
        }
        refusals
    }

    #[test]
    fn slow_start_doubles_each_half_second_while_held_back_and_stops_at_the_ceiling() {
        let t0 = Instant::now();
        let mut learner = RateLearner::new(Learning::new(2, 0));
        run(&mut learner, t0, 1.5);
        // 2 → 4 → 8 → 16 in a second and a half (a little more: it grows in steps).
        assert!((14.0..=22.0).contains(&learner.rate()), "{}", learner.rate());
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
    fn the_first_429_ends_slow_start_between_most_of_the_rate_and_the_rate() {
        let t0 = Instant::now();
        let mut learner = RateLearner::new(Learning::new(60, 0));
        learner.rate_limited(t0, Duration::from_secs(1));
        // A guess, not learnt until held.
        assert_eq!((learner.rate(), learner.learnt()), (42.0, None));
        // The requests in flight come back 429 too: one cut only.
        learner.rate_limited(t0 + ms(10), Duration::from_secs(1));
        learner.rate_limited(t0 + ms(1_100), Duration::from_secs(1));
        assert!((learner.rate() - 42.0).abs() < 0.1, "{}", learner.rate());
        // Held for the sustain time: 42 is sustainable, the middle (51) is tried next.
        run(&mut learner, t0 + ms(1_000), 2.1);
        assert!((learner.rate() - 51.0).abs() < 0.1, "{}", learner.rate());
        assert!((learner.learnt().unwrap() - 42.0).abs() < 0.1, "{:?}", learner.learnt());
        // Refused at 51: back to 42, then 46.5.
        learner.rate_limited(t0 + ms(4_000), Duration::ZERO);
        assert!((learner.rate() - 42.0).abs() < 0.1, "{}", learner.rate());
        run(&mut learner, t0 + ms(4_300), 2.1);
        assert!((learner.rate() - 46.5).abs() < 0.1, "{}", learner.rate());
    }

    #[test]
    fn against_a_token_bucket_it_settles_just_below_the_limit_after_a_few_429s() {
        let t0 = Instant::now();
        let mut learner = RateLearner::new(Learning::new(2, 0));
        let refusals = against(&mut learner, 50.0, t0, 60.0);
        assert!(refusals <= 6, "{refusals} 429s");
        let learnt = learner.learnt().unwrap();
        assert!((48.0..=50.0).contains(&learnt), "{learnt}");
        // And stays there: no 429 in the next minute.
        assert_eq!(against(&mut learner, 50.0, t0 + Duration::from_secs(61), 60.0), 0);
        // A server that lowers its limit is followed down.
        let refusals = against(&mut learner, 20.0, t0 + Duration::from_secs(122), 60.0);
        assert!(refusals <= 10, "{refusals} 429s");
        let learnt = learner.learnt().unwrap();
        assert!((18.0..=20.0).contains(&learnt), "{learnt}");
    }

    #[test]
    fn a_lower_bound_guessed_from_overshooting_slow_start_is_not_learnt_until_held() {
        // The first 429 came late (answers take time): slow start had reached 98/s against
        // a server of 50/s. 70 % of it (68.6) is a guess, still above the limit.
        let t0 = Instant::now();
        let mut learner = RateLearner::new(Learning::new(98, 0));
        learner.rate_limited(t0, Duration::ZERO);
        assert_eq!(learner.learnt(), None);
        // Only the rate refused is saved.
        assert_eq!(learner.take_unsaved(), Some((None, Some(98.0))));
        // Refused at the guess: the limit is well below it, straight to 70 % again.
        learner.rate_limited(t0 + Duration::from_secs(1), Duration::ZERO);
        assert!((learner.rate() - 98.0 * FALL * FALL).abs() < 1e-9, "{}", learner.rate());
        assert_eq!(learner.learnt(), None);
    }

    #[test]
    fn a_rate_refused_before_any_was_learnt_is_saved_and_the_next_run_starts_at_half_of_it() {
        let t0 = Instant::now();
        // Slow start refused at 98/s, never held long enough to learn a rate (bursts).
        let mut learner = RateLearner::new(Learning::new(98, 0));
        learner.rate_limited(t0, Duration::ZERO);
        assert_eq!(learner.take_unsaved(), Some((None, Some(98.0))));
        assert_eq!(learner.take_unsaved(), None);
        // The next run: no slow start, 49/s, below the 50/s the server keeps.
        let mut next = RateLearner::after_refusal(Learning::new(2, 0), 98.0);
        assert_eq!((next.rate(), next.refused(), next.learnt()), (49.0, Some(98.0), None));
        assert_eq!(against(&mut next, 50.0, t0, 1.0), 0);
        assert_eq!(next.take_unsaved(), None);
    }

    #[test]
    fn answers_to_requests_sent_before_a_pause_teach_nothing() {
        let t0 = Instant::now();
        let mut learner = RateLearner::resumed(Learning::new(2, 0), 40.0);
        learner.rate_limited(t0, Duration::from_secs(5));
        let rate = learner.rate();
        // Answers during the pause do not make the rate sustainable.
        for i in 0..200 {
            let now = t0 + ms(i * 20);
            learner.held_back(now);
            learner.answered(now);
        }
        assert_eq!(learner.rate(), rate);
    }

    #[test]
    fn a_saved_rate_resumes_without_slow_start_and_is_saved_once_per_move() {
        let t0 = Instant::now();
        // It starts a little below the saved rate.
        let mut learner = RateLearner::resumed(Learning::new(2, 0), 50.0);
        assert_eq!(learner.rate(), 49.0);
        assert_eq!(learner.learnt(), Some(49.0));
        // Resumed: nothing new to save.
        assert_eq!(learner.take_unsaved(), None);
        // Refused at the rate it resumed at: a small step down (a burst of its own?), not
        // saved until held.
        learner.rate_limited(t0, Duration::ZERO);
        assert!((learner.rate() - 49.0 * STUMBLE).abs() < 1e-9, "{}", learner.rate());
        assert_eq!(learner.take_unsaved(), None);
        // Refused again before that was held: the limit went down, 70 %.
        learner.rate_limited(t0 + Duration::from_secs(1), Duration::ZERO);
        let fallen = 49.0 * STUMBLE * FALL;
        assert!((learner.rate() - fallen).abs() < 1e-9, "{}", learner.rate());
        assert_eq!(learner.take_unsaved(), None);
        // Held there for the sustain time: learnt, and saved once.
        run(&mut learner, t0 + Duration::from_secs(2), 2.5);
        let saved = learner.take_unsaved().unwrap().0.unwrap();
        assert!((saved - fallen).abs() < 0.5, "{saved}");
        assert_eq!(learner.take_unsaved(), None);
        // A ceiling holds a resumed rate too.
        assert_eq!(RateLearner::resumed(Learning::new(2, 20), 50.0).rate(), 20.0);
    }
}
