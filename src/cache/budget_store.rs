//! [`BudgetStore`]: where the token buckets of servers with hourly or daily quotas are kept
//! between runs ([`SavedBucket`], in wall-clock time). `transport/budget.rs` decides which
//! buckets to keep and when; a store (e.g. `DiskCache`) only keeps them.

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::future::BoxFuture;

/// The state of one server's token bucket as kept between runs, in wall-clock time (an
/// [`Instant`](std::time::Instant) means nothing to the next process).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SavedBucket {
    /// Tokens left at `at` (fractional; the bucket refills from there at the policy's rate).
    pub tokens: f64,
    /// When `tokens` was counted.
    pub at: SystemTime,
    /// No request before this time (a `Retry-After` that was still running).
    #[serde(default)]
    pub paused_until: Option<SystemTime>,
    /// The rate learnt for a server that publishes no limit
    /// ([`ServerPolicy::learn`](crate::ServerPolicy::learn)), in requests per second: the next
    /// run starts at it instead of probing again.
    #[serde(default)]
    pub learnt_rate: Option<f64>,
    /// The lowest rate such a server refused (answered 429 at), in requests per second: a
    /// run that learnt no rate (it asked in bursts) leaves this, and the next one starts at
    /// half of it instead of a slow start that overshoots.
    #[serde(default)]
    pub refused_rate: Option<f64>,
}

impl SavedBucket {
    /// `tokens` left at `at`, no pause.
    pub fn new(tokens: f64, at: SystemTime) -> Self {
        Self { tokens, at, paused_until: None, learnt_rate: None, refused_rate: None }
    }
}

/// Where a [`LocalBudget`](crate::LocalBudget) keeps the token buckets of servers whose quota is counted over an
/// hour or longer ([`ServerPolicy::period`](crate::ServerPolicy::period) ≥ 1 h), so that two runs in one day cannot
/// together ask such a server more than its quota, and the rates learnt for servers that
/// publish none ([`ServerPolicy::learn`](crate::ServerPolicy::learn)). `DiskCache` (feature
/// `persistent-cache`) is one.
///
/// # Contract
///
/// - [`load`](Self::load) returns what the last [`save`](Self::save) for `server` stored
///   (`None` if nothing, or if it cannot be read: the budget then starts full).
/// - [`save`](Self::save) is awaited after each request such a server is allowed, so it
///   should be quick and durable; a failure to store is the store's to log.
pub trait BudgetStore: Send + Sync + fmt::Debug {
    /// The bucket last saved for `server`.
    fn load<'a>(&'a self, server: &'a str) -> BoxFuture<'a, Option<SavedBucket>>;
    /// Keep `bucket` as `server`'s state.
    fn save<'a>(&'a self, server: &'a str, bucket: SavedBucket) -> BoxFuture<'a, ()>;
}
