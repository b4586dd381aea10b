//! The [`Lookup`] seam: the one method that code which looks things up depends on, so that
//! its tests can pass a [`FakeLookup`](crate::FakeLookup) where production passes a
//! [`Client`]. This file owns the trait and its implementations for [`Client`] and for
//! references, boxes and `Arc`s; the fake lives in `fake.rs`.

use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::future::BoxFuture;
use crate::record::HostingRecord;

/// Something that turns a query (a domain, host name, URL or IP address) into a
/// [`HostingRecord`]: a [`Client`] in production, a [`FakeLookup`](crate::FakeLookup) in
/// tests.
///
/// Write the code that decides whom to notify against `&dyn Lookup` (or `impl Lookup`), and
/// it runs unchanged against both. The trait is object-safe (its future is a
/// [`BoxFuture`]), and it is implemented for `&T`, `Box<T>` and `Arc<T>` of any `T: Lookup`,
/// so an `Arc<dyn Lookup>` can be shared between tasks.
///
/// The contract is [`Client::lookup`]'s: `Err` only when the query cannot be looked up at
/// all (bad input, see [`InputError`](crate::InputError)); a source that fails is a
/// [`StepError`](crate::StepError) in the returned record.
///
/// ```
/// use whohosts::{FakeLookup, Lookup, Party};
///
/// /// The first mailbox to write to about `url`, if any.
/// async fn first_mailbox(whohosts: &dyn Lookup, url: &str) -> Option<(Party, String)> {
///     let record = whohosts.lookup(url).await.ok()?;
///     let target = record.notice_targets.first()?;
///     let email = target.channels.iter().find_map(|c| c.email.clone())?;
///     Some((target.party, email))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // In production: `first_mailbox(&whohosts::Client::builder().build()?, url)`.
/// let fake = FakeLookup::new().domain("pirate.example", |d| {
///     d.address("192.0.2.10", |a| a.holder("Hoster Ltd").abuse("abuse@hoster.example"))
/// });
/// assert_eq!(
///     first_mailbox(&fake, "https://pirate.example/film").await,
///     Some((Party::Hosting, "abuse@hoster.example".to_owned()))
/// );
/// # }
/// ```
pub trait Lookup: Send + Sync {
    /// Look up one query: a domain, host name, URL or IP address (see
    /// [`Client::lookup`]).
    fn lookup<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<HostingRecord, Error>>;
}

/// The real thing: [`Client::lookup`].
impl Lookup for Client {
    fn lookup<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<HostingRecord, Error>> {
        Box::pin(Client::lookup(self, query))
    }
}

impl<T: Lookup + ?Sized> Lookup for &T {
    fn lookup<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<HostingRecord, Error>> {
        (**self).lookup(query)
    }
}

impl<T: Lookup + ?Sized> Lookup for Box<T> {
    fn lookup<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<HostingRecord, Error>> {
        (**self).lookup(query)
    }
}

impl<T: Lookup + ?Sized> Lookup for Arc<T> {
    fn lookup<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<HostingRecord, Error>> {
        (**self).lookup(query)
    }
}
