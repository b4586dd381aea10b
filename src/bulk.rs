//! Many lookups at once: the streams behind [`Client::lookup_many`](Client::lookup_many)
//! (bounded concurrency, back-pressure, exactly one item per input). Where results go is
//! `crate::results` ([`RecordSink`](crate::results::RecordSink)).
//!
//! Inputs are pulled lazily: at most `concurrency` lookups work at once (a lookup queued
//! behind a rate-limited server lends its slot to the next input, up to `max_waiting` such
//! lookups; see `bulk/lookups.rs`) and no input is read before a slot is free, so memory
//! does not grow with the number of inputs. Each lookup runs as its own tokio task (using
//! every worker thread); a lookup that panics yields [`Error::Internal`](crate::error::Error::Internal) for its input and
//! the others carry on.

use futures_util::stream::{self, Stream};

mod lines;
mod lookups;
#[cfg(feature = "redis")]
mod queue;

use lookups::Lookups;

use crate::client::Client;
use crate::config::BulkSettings;

pub use lines::{DEFAULT_MAX_LINE, InputLine, InputLines, LineProblem};
pub use lookups::BulkItem;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use queue::{QueueStatus, QueuedInput, QueuedResult, RedisQueue};

impl Client {
    /// Look up many queries: a stream yielding exactly one `(input, result)` per input, as
    /// lookups finish (unordered unless [`BulkSettings::ordered`](BulkSettings)).
    ///
    /// At most [`BulkSettings::concurrency`](BulkSettings) lookups (default 64) work
    /// at once and inputs are pulled only when a slot frees, so memory does not grow with
    /// the input; a lookup waiting its turn behind a rate-limited server gives its slot to
    /// the next input meanwhile (up to [`BulkSettings::max_waiting`](BulkSettings)). Every lookup shares this client's caches and per-server limits. Run it on
    /// a tokio runtime; each lookup is a task of its own.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::StreamExt;
    /// let client = whohosts::Client::builder().build()?;
    /// let mut results = client.lookup_many(["example.com", "example.org", "192.0.2.1"]);
    /// while let Some((input, result)) = results.next().await {
    ///     match result {
    ///         Ok(record) => println!("{input}: {} abuse contacts", record.abuse_contacts.len()),
    ///         Err(e) => println!("{input}: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn lookup_many<I>(
        &self,
        inputs: I,
    ) -> impl futures_util::Stream<Item = BulkItem> + Send + 'static
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<String>,
    {
        let bulk = &self.config().bulk;
        lookup_iter(self.clone(), inputs, bulk, bulk.ordered)
    }

    /// [`lookup_many`](Self::lookup_many), yielding results in input order.
    pub fn lookup_many_ordered<I>(
        &self,
        inputs: I,
    ) -> impl futures_util::Stream<Item = BulkItem> + Send + 'static
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<String>,
    {
        lookup_iter(self.clone(), inputs, &self.config().bulk, true)
    }

    /// [`lookup_many`](Self::lookup_many) over a stream of queries (e.g. lines read
    /// asynchronously), pulled as slots free.
    pub fn lookup_stream<S>(
        &self,
        inputs: S,
    ) -> impl futures_util::Stream<Item = BulkItem> + Send + 'static
    where
        S: futures_util::Stream + Send + 'static,
        S::Item: Into<String>,
    {
        let bulk = &self.config().bulk;
        lookup_stream(self.clone(), inputs, bulk, bulk.ordered)
    }
}

/// The bulk stream over `inputs` with `settings`' bounds, in input order when `ordered`.
fn lookup_stream<S>(
    client: Client,
    inputs: S,
    settings: &BulkSettings,
    ordered: bool,
) -> impl Stream<Item = BulkItem> + Send + 'static
where
    S: Stream + Send + 'static,
    S::Item: Into<String>,
{
    Lookups::new(client, inputs, settings.concurrency, settings.max_waiting, ordered)
}

/// [`lookup_stream`] over an iterator, pulled lazily.
fn lookup_iter<I>(
    client: Client,
    inputs: I,
    settings: &BulkSettings,
    ordered: bool,
) -> impl Stream<Item = BulkItem> + Send + 'static
where
    I: IntoIterator,
    I::IntoIter: Send + 'static,
    I::Item: Into<String>,
{
    lookup_stream(client, stream::iter(inputs), settings, ordered)
}
