//! The stream behind [`Client::lookup_many`](crate::client::Client::lookup_many): lookups started
//! as inputs are pulled, each in its own task, exactly one item per input.
//!
//! Two bounds keep it fast and small. At most `concurrency` lookups *work* at once; a lookup
//! that waits its turn (behind a rate-limited server, or for another lookup's request for the
//! same object) gives its slot to the next input meanwhile, so a slow server's queue never
//! holds back lookups that need other servers. And at most `concurrency + max_waiting`
//! lookups are in flight at all (finished ones waiting to be yielded in order included), so
//! memory does not grow with the input.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::task::{Context, Poll};

use futures_util::stream::{FuturesOrdered, FuturesUnordered, Stream, StreamExt};
use futures_util::task::AtomicWaker;

use crate::client::Client;
use crate::deadline::WaitObserver;
use crate::error::Error;
use crate::record::HostingRecord;
use crate::stats::Telemetry;

/// One bulk result: the input as given, and its record or why there is none.
pub type BulkItem = (String, Result<HostingRecord, Error>);

/// The working lookups of one bulk stream, and the stream's waker.
#[derive(Debug)]
struct Slots {
    /// Started, not finished, not waiting their turn. Signed: a count briefly off while a
    /// lookup starts or stops waiting must not wrap.
    working: AtomicIsize,
    waker: AtomicWaker,
    telemetry: Arc<Telemetry>,
    /// Whether a waiting lookup's slot can go to another input (`max_waiting > 0`); with
    /// none allowed to wait, nothing is lent and nothing is counted as lent.
    lends: bool,
}

impl Slots {
    fn working(&self) -> isize {
        self.working.load(Ordering::SeqCst)
    }

    fn begin(&self) {
        self.working.fetch_add(1, Ordering::SeqCst);
    }

    fn end(&self) {
        self.working.fetch_sub(1, Ordering::SeqCst);
        self.waker.wake();
    }
}

impl WaitObserver for Slots {
    fn started_waiting(&self) {
        if self.lends {
            self.telemetry.count_slot_lent();
        }
        self.end();
    }

    fn stopped_waiting(&self) {
        self.begin();
    }
}

/// Aborts a spawned lookup when the stream holding it is dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Lookup = Pin<Box<dyn Future<Output = BulkItem> + Send>>;

/// Look up one input in its own task; a panic becomes [`Error::Internal`]. Its working
/// slot is freed when it finishes.
async fn run_one(client: Client, input: String, slots: Arc<Slots>) -> BulkItem {
    let query = input.clone();
    let started = tokio::time::Instant::now();
    let telemetry = Arc::clone(client.telemetry());
    let observer: Arc<dyn WaitObserver> = slots.clone();
    let task = tokio::spawn(async move { client.lookup_observed(&query, observer).await });
    let _abort = AbortOnDrop(task.abort_handle());
    let result = match task.await {
        Ok(result) => result,
        Err(e) => {
            let message = if e.is_panic() {
                let panic = e.into_panic();
                let text = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".to_owned());
                format!("the lookup panicked: {text}")
            } else {
                "the lookup was cancelled".to_owned()
            };
            tracing::error!(%input, %message, "lookup failed internally");
            Err(Error::Internal { message })
        }
    };
    slots.end();
    telemetry.record_lookup(started.elapsed());
    (input, result)
}

/// Lookups in flight, yielded as they finish or in input order.
enum Running {
    Unordered(FuturesUnordered<Lookup>),
    Ordered(FuturesOrdered<Lookup>),
}

impl Running {
    fn len(&self) -> usize {
        match self {
            Running::Unordered(set) => set.len(),
            Running::Ordered(queue) => queue.len(),
        }
    }

    fn push(&mut self, lookup: Lookup) {
        match self {
            Running::Unordered(set) => set.push(lookup),
            Running::Ordered(queue) => queue.push_back(lookup),
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<BulkItem>> {
        match self {
            Running::Unordered(set) => set.poll_next_unpin(cx),
            Running::Ordered(queue) => queue.poll_next_unpin(cx),
        }
    }
}

/// The bulk stream; see the [module](self).
pub(crate) struct Lookups<S> {
    client: Client,
    /// `None` once every input was pulled.
    inputs: Option<Pin<Box<S>>>,
    running: Running,
    slots: Arc<Slots>,
    concurrency: isize,
    max_in_flight: usize,
}

impl<S> Lookups<S> {
    /// Lookups of `inputs` by `client`: `concurrency` working, `max_waiting` more waiting
    /// their turn, results in input order when `ordered`.
    pub(crate) fn new(
        client: Client,
        inputs: S,
        concurrency: usize,
        max_waiting: usize,
        ordered: bool,
    ) -> Self {
        let concurrency = concurrency.max(1);
        let running = if ordered {
            Running::Ordered(FuturesOrdered::new())
        } else {
            Running::Unordered(FuturesUnordered::new())
        };
        let slots = Arc::new(Slots {
            working: AtomicIsize::new(0),
            waker: AtomicWaker::new(),
            telemetry: Arc::clone(client.telemetry()),
            lends: max_waiting > 0,
        });
        Self {
            client,
            inputs: Some(Box::pin(inputs)),
            running,
            slots,
            concurrency: isize::try_from(concurrency).unwrap_or(isize::MAX),
            max_in_flight: concurrency.saturating_add(max_waiting),
        }
    }
}

impl<S> Stream for Lookups<S>
where
    S: Stream,
    S::Item: Into<String>,
{
    type Item = BulkItem;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BulkItem>> {
        let this = self.get_mut();
        // A lookup that starts waiting or finishes wakes the stream to start the next one.
        this.slots.waker.register(cx.waker());
        while let Some(inputs) = this.inputs.as_mut() {
            let in_flight = this.running.len();
            // (With nothing in flight nobody works, whatever the count says.)
            if in_flight >= this.max_in_flight
                || (in_flight > 0 && this.slots.working() >= this.concurrency)
            {
                break;
            }
            match inputs.as_mut().poll_next(cx) {
                Poll::Ready(Some(input)) => {
                    this.slots.begin();
                    let lookup = run_one(this.client.clone(), input.into(), this.slots.clone());
                    this.running.push(Box::pin(lookup));
                }
                Poll::Ready(None) => this.inputs = None,
                Poll::Pending => break,
            }
        }
        match this.running.poll_next(cx) {
            Poll::Ready(None) if this.inputs.is_some() => Poll::Pending,
            other => other,
        }
    }
}
