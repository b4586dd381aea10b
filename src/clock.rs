//! The clocks every decision reads: tokio's monotonic clock for politeness, deadlines and
//! in-process expiry (so `tokio::time::pause` drives tests), and wall-clock time for record
//! time stamps ([`now_timestamp`]). (Caches that outlive the process take a TTL and keep wall-clock expiry
//! themselves; see [`ResponseCache`](crate::ResponseCache).)

use std::time::Instant;

/// The current instant on tokio's clock (which `tokio::time::pause` controls), as a std
/// `Instant`.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Now, to the whole second (the record's times are written as `2026-12-05T09:00:00Z`).
pub(crate) fn now_timestamp() -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now)
}
