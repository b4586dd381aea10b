//! [`BoxFuture`]: the future type returned by the crate's object-safe seams ([`AsnSource`],
//! [`AbuseSource`], [`RateBudget`], the fact caches), so that an implementation outside the
//! crate can be stored as `Arc<dyn Trait>`.
//!
//! [`AsnSource`]: crate::AsnSource
//! [`AbuseSource`]: crate::AbuseSource
//! [`RateBudget`]: crate::RateBudget

use std::future::Future;
use std::pin::Pin;

/// A boxed, `Send` future: what every async method of a pluggable seam returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
