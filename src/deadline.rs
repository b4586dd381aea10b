//! [`Deadline`]: one lookup's time limit, which counts working time only.
//!
//! A lookup in a bulk run may wait its turn behind a server's politeness budget (LACNIC
//! answers about ten queries a minute) or behind another lookup's request for the same
//! object. That waiting is not the lookup being slow, so the deadline's clock stops while
//! any part of the lookup waits its turn, and runs again when none does. The deadline still
//! bounds everything: a queue is served in order, and a request joined from another lookup
//! ends when that lookup's own deadline does.
//!
//! The lookup's deadline travels with its task ([`scope`]); the HTTP layer and the caches
//! mark their waits with [`waiting`], which does nothing outside a lookup. A bulk run also
//! hears when a lookup has waited long ([`WaitObserver`], [`LONG_WAIT`]), to give the
//! lookup's working slot to the next input meanwhile.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{SourceError, SourceErrorKind};

tokio::task_local! {
    static CURRENT: Arc<Deadline>;
}

/// Told when a lookup has waited its turn longer than [`LONG_WAIT`] and when that wait
/// ends; overlapping long waits of one lookup count once.
pub(crate) trait WaitObserver: Send + Sync + fmt::Debug {
    /// The lookup has been waiting long.
    fn started_waiting(&self);
    /// The long wait ended (or was cancelled).
    fn stopped_waiting(&self);
}

/// A lookup's deadline: `budget` of working time from its start.
#[derive(Debug)]
pub(crate) struct Deadline {
    state: Mutex<State>,
    observer: Option<Arc<dyn WaitObserver>>,
}

#[derive(Debug)]
struct State {
    /// When the deadline falls if nothing waits from now on.
    at: Instant,
    /// Parts of the lookup waiting their turn now.
    waiting: usize,
    /// Since when the clock has been stopped (while `waiting > 0`).
    stopped_since: Option<Instant>,
    /// Parts of the lookup whose wait has lasted past [`LONG_WAIT`] (the observer knows).
    long_waits: usize,
}

/// A wait longer than this is a queue, not a pause between requests: the lookup gives its
/// bulk slot away until it is done (see [`WaitObserver`]). Short waits — a free token a few
/// milliseconds off, a joined request about to answer — keep the slot, so an unlimited run
/// does not fill up with lookups.
pub(crate) const LONG_WAIT: Duration = Duration::from_millis(250);

impl Deadline {
    /// A deadline `budget` from now.
    #[cfg(test)]
    pub(crate) fn after(budget: Duration) -> Arc<Self> {
        Self::observed(budget, None)
    }

    /// A deadline `budget` from now whose waits `observer` hears of.
    pub(crate) fn observed(budget: Duration, observer: Option<Arc<dyn WaitObserver>>) -> Arc<Self> {
        let at = Instant::now() + budget;
        let state = Mutex::new(State { at, waiting: 0, stopped_since: None, long_waits: 0 });
        Arc::new(Self { state, observer })
    }

    /// When the deadline falls, as things stand now (later while the clock is stopped).
    pub(crate) fn at(&self) -> Instant {
        let state = self.lock();
        match state.stopped_since {
            Some(since) => state.at + since.elapsed(),
            None => state.at,
        }
    }

    /// Whether the deadline has passed.
    pub(crate) fn passed(&self) -> bool {
        self.at() <= Instant::now()
    }

    /// Stop the clock until the returned guard is dropped.
    fn wait(self: &Arc<Self>) -> WaitGuard {
        let mut state = self.lock();
        if state.waiting == 0 {
            state.stopped_since = Some(Instant::now());
        }
        state.waiting += 1;
        WaitGuard { deadline: Arc::clone(self) }
    }

    /// Tell the observer (if any) that a part of the lookup waits long, until the returned
    /// guard is dropped; it hears once for overlapping long waits.
    fn wait_long(self: &Arc<Self>) -> LongWaitGuard {
        let first = {
            let mut state = self.lock();
            state.long_waits += 1;
            state.long_waits == 1
        };
        if first && let Some(observer) = &self.observer {
            observer.started_waiting();
        }
        LongWaitGuard { deadline: Arc::clone(self) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Keeps a [`Deadline`]'s clock stopped while alive.
struct WaitGuard {
    deadline: Arc<Deadline>,
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        let mut state = self.deadline.lock();
        state.waiting = state.waiting.saturating_sub(1);
        if state.waiting == 0
            && let Some(since) = state.stopped_since.take()
        {
            state.at += since.elapsed();
        }
    }
}

/// Keeps a long wait known to the [`Deadline`]'s observer while alive.
struct LongWaitGuard {
    deadline: Arc<Deadline>,
}

impl Drop for LongWaitGuard {
    fn drop(&mut self) {
        let last = {
            let mut state = self.deadline.lock();
            state.long_waits = state.long_waits.saturating_sub(1);
            state.long_waits == 0
        };
        if last && let Some(observer) = &self.deadline.observer {
            observer.stopped_waiting();
        }
    }
}

/// Run `fut` (one lookup) with `deadline` as the current lookup's deadline.
pub(crate) async fn scope<F: Future>(deadline: Arc<Deadline>, fut: F) -> F::Output {
    CURRENT.scope(deadline, fut).await
}

/// Run `fut` — waiting one's turn (a politeness permit, another lookup's request) — with
/// the current lookup's clock stopped. Outside a lookup, just `fut`.
pub(crate) async fn waiting<F: Future>(fut: F) -> F::Output {
    let Ok(deadline) = CURRENT.try_with(Arc::clone) else {
        return fut.await;
    };
    let _clock_stopped = deadline.wait();
    if deadline.observer.is_none() {
        return fut.await;
    }
    // A wait past LONG_WAIT is a queue: give the bulk slot away until it ends.
    let mut fut = std::pin::pin!(fut);
    if let Ok(output) = tokio::time::timeout(LONG_WAIT, &mut fut).await {
        return output;
    }
    let _long = deadline.wait_long();
    fut.await
}

/// Run `fut` unless `deadline` passes first; `what` names the step in the error.
pub(crate) async fn by_deadline<T>(
    deadline: &Deadline,
    fut: impl Future<Output = T>,
    what: &str,
) -> Result<T, SourceError> {
    if deadline.passed() {
        return Err(SourceError::new(
            SourceErrorKind::Timeout,
            format!("not asked: the lookup deadline had passed before {what} (Timeouts::lookup)"),
        ));
    }
    let mut fut = std::pin::pin!(fut);
    loop {
        let at = deadline.at();
        match tokio::time::timeout_at(at, &mut fut).await {
            Ok(value) => return Ok(value),
            // The clock was stopped meanwhile: the deadline moved on.
            Err(_) if deadline.at() > Instant::now() => {}
            Err(_) => {
                return Err(SourceError::new(
                    SourceErrorKind::Timeout,
                    format!("the lookup deadline passed before {what} finished (Timeouts::lookup)"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_step_past_the_budget_times_out() {
        let deadline = Deadline::after(2 * SEC);
        let started = Instant::now();
        let err = by_deadline(&deadline, tokio::time::sleep(5 * SEC), "the step").await;
        let err = err.expect_err("deadline passes first");
        assert_eq!(err.kind(), SourceErrorKind::Timeout);
        assert!(err.message().contains("before the step finished"), "{err}");
        assert_eq!(started.elapsed(), 2 * SEC);
        assert!(deadline.passed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_step_after_the_deadline_is_not_started() {
        let deadline = Deadline::after(SEC);
        tokio::time::sleep(2 * SEC).await;
        let started = std::sync::atomic::AtomicBool::new(false);
        let step = async { started.store(true, std::sync::atomic::Ordering::SeqCst) };
        let err = by_deadline(&deadline, step, "WHOIS").await.expect_err("not started");
        assert_eq!(err.kind(), SourceErrorKind::Timeout);
        assert!(err.message().starts_with("not asked: "), "{err}");
        assert!(!started.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_ones_turn_does_not_count() {
        let deadline = Deadline::after(2 * SEC);
        let started = Instant::now();
        let work = async {
            // 10 s queued behind a politeness budget, then 1.5 s of work: within 2 s.
            waiting(tokio::time::sleep(10 * SEC)).await;
            tokio::time::sleep(SEC + SEC / 2).await;
            "done"
        };
        let run = scope(Arc::clone(&deadline), by_deadline(&deadline, work, "the step"));
        assert_eq!(run.await.unwrap(), "done");
        assert_eq!(started.elapsed(), 11 * SEC + SEC / 2);
        assert!(!deadline.passed());
    }

    #[tokio::test(start_paused = true)]
    async fn work_after_a_wait_is_still_bounded() {
        let deadline = Deadline::after(2 * SEC);
        let started = Instant::now();
        let work = async {
            waiting(tokio::time::sleep(10 * SEC)).await;
            tokio::time::sleep(60 * SEC).await;
        };
        let run = scope(Arc::clone(&deadline), by_deadline(&deadline, work, "the step"));
        assert!(run.await.is_err());
        assert_eq!(started.elapsed(), 12 * SEC);
    }

    #[tokio::test(start_paused = true)]
    async fn overlapping_waits_stop_the_clock_once() {
        let deadline = Deadline::after(2 * SEC);
        let started = Instant::now();
        let work = async {
            // Two parts wait 0–8 s and 4–10 s: the clock stops for 10 s, not 14 s.
            tokio::join!(waiting(tokio::time::sleep(8 * SEC)), async {
                tokio::time::sleep(4 * SEC).await;
                waiting(tokio::time::sleep(6 * SEC)).await;
            });
        };
        scope(Arc::clone(&deadline), work).await;
        assert_eq!(started.elapsed(), 10 * SEC);
        // 4 s passed before the second wait, but the first one had stopped the clock.
        assert_eq!(deadline.at(), started + 12 * SEC);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_wait_restarts_the_clock() {
        let deadline = Deadline::after(2 * SEC);
        let started = Instant::now();
        let queued = scope(Arc::clone(&deadline), waiting(tokio::time::sleep(60 * SEC)));
        let _ = tokio::time::timeout(3 * SEC, queued).await;
        assert_eq!(deadline.at(), started + 5 * SEC);
        tokio::time::sleep(5 * SEC).await;
        assert!(deadline.passed());
    }

    #[derive(Debug, Default)]
    struct Counts(std::sync::Mutex<Vec<&'static str>>);

    impl WaitObserver for Counts {
        fn started_waiting(&self) {
            self.0.lock().unwrap().push("start");
        }
        fn stopped_waiting(&self) {
            self.0.lock().unwrap().push("stop");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_observer_hears_of_long_waits_only_and_of_overlapping_ones_once() {
        let counts = Arc::new(Counts::default());
        let deadline = Deadline::observed(2 * SEC, Some(counts.clone()));
        let work = async {
            // Short: a token 100 ms off keeps the slot.
            waiting(tokio::time::sleep(LONG_WAIT / 2)).await;
            tokio::join!(waiting(tokio::time::sleep(8 * SEC)), async {
                tokio::time::sleep(4 * SEC).await;
                waiting(tokio::time::sleep(6 * SEC)).await;
            });
            waiting(tokio::time::sleep(SEC)).await;
        };
        scope(deadline, work).await;
        assert_eq!(*counts.0.lock().unwrap(), ["start", "stop", "start", "stop"]);
    }

    #[tokio::test(start_paused = true)]
    async fn outside_a_lookup_waiting_is_plain() {
        assert_eq!(waiting(async { 7 }).await, 7);
    }
}
