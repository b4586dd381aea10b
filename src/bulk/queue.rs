//! [`RedisQueue`]: one bulk job's inputs and results as Redis Streams, shared by any number
//! of workers on any machines (feature `redis`; the plumbing under issue #17's
//! `whohosts bulk --redis URL --job NAME --enqueue/--work/--collect/--status`).
//!
//! It owns the job's keys under the [`Redis`] prefix (e.g. `whohosts:{nightly}:`; the braces
//! make every key of one job a Redis Cluster hash tag) and the rules that make every input
//! yield exactly one result:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `queue:inputs` | stream, consumer group `workers` | one entry per input: `id` (1, 2, … in enqueue order), `input` |
//! | `queue:next` | counter | inputs enqueued (with [`enqueue`](RedisQueue::enqueue), also the last input id given) |
//! | `queue:ids` | hash | input id → 1, for inputs enqueued with their own ids ([`enqueue_numbered`](RedisQueue::enqueue_numbered)), so that enqueueing them again adds nothing |
//! | `queue:done` | hash | input id → 1 once its result is in `queue:results` |
//! | `queue:results` | stream | one entry per input: `id`, `line` (what the worker wrote, e.g. a JSON record) |
//! | `queue:workers` | hash | consumer name → results it added |
//!
//! A worker [`take`](RedisQueue::take)s entries through the consumer group; each stays
//! pending until [`complete`](RedisQueue::complete) adds its result and acknowledges it in
//! one atomic script, which adds a result only for an id not done yet (idempotent by input
//! id). An entry a worker took and did not complete within the visibility timeout (the
//! worker died, or hangs) is claimed by the next worker that asks (`XAUTOCLAIM`). Unlike
//! the cache and the budget, the queue cannot do without Redis: its calls fail with
//! [`ConfigError::Redis`](crate::ConfigError::Redis) naming the URL.
//!
//! It does not look anything up nor write files: the caller runs the lookups and formats
//! the lines.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::Script;
use redis::streams::{
    StreamAutoClaimReply, StreamId, StreamPendingReply, StreamRangeReply, StreamReadReply,
};

use crate::cache::Redis;
use crate::error::Error;

/// The key kind of the job's keys (`{prefix}queue:{name}`).
const KIND: &str = "queue";
/// The consumer group every worker reads the inputs through.
const GROUP: &str = "workers";
/// Inputs added per script call.
const BATCH: usize = 500;

/// Create the consumer group (and the stream) unless it exists. KEYS: inputs.
static CREATE_GROUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM') \
         return 1",
    )
});

/// Add inputs with consecutive ids. KEYS: next, inputs; ARGV: the inputs.
static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "for i = 1, #ARGV do \
           local id = redis.call('INCR', KEYS[1]) \
           redis.call('XADD', KEYS[2], '*', 'id', id, 'input', ARGV[i]) \
         end \
         return #ARGV",
    )
});

/// Add inputs with their own ids, skipping the ids already enqueued. KEYS: next, inputs,
/// ids; ARGV: id, input, id, input, … Returns how many were added.
static ENQUEUE_NUMBERED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local added = 0 \
         for i = 1, #ARGV, 2 do \
           if redis.call('HSETNX', KEYS[3], ARGV[i], 1) == 1 then \
             redis.call('INCR', KEYS[1]) \
             redis.call('XADD', KEYS[2], '*', 'id', ARGV[i], 'input', ARGV[i + 1]) \
             added = added + 1 \
           end \
         end \
         return added",
    )
});

/// Add a result unless the input has one, count it for its worker, and acknowledge the
/// entry. KEYS: done, results, inputs, workers; ARGV: id, line, entry id, group, consumer.
/// Returns 1 when the result was added.
static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local added = redis.call('HSETNX', KEYS[1], ARGV[1], 1) \
         if added == 1 then \
           redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'line', ARGV[2]) \
           redis.call('HINCRBY', KEYS[4], ARGV[5], 1) \
         end \
         redis.call('XACK', KEYS[3], ARGV[4], ARGV[3]) \
         return added",
    )
});

/// One bulk job's queue of inputs and stream of results in Redis (feature `redis`).
///
/// ```no_run
/// use std::time::Duration;
/// use whohosts::{Redis, RedisQueue};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let redis = Redis::open("redis://127.0.0.1:6379/")?.prefix("whohosts:{nightly}:");
/// let queue = RedisQueue::new(&redis);
/// queue.enqueue(["example.com", "8.8.8.8"]).await?;
///
/// // On any number of machines: take, look up, complete.
/// let client = whohosts::Client::builder().redis(redis.clone()).build()?;
/// loop {
///     let taken = queue.take("worker-1", 16, Duration::from_secs(300)).await?;
///     if taken.is_empty() && queue.status().await?.is_drained() {
///         break;
///     }
///     for item in taken {
///         let line = match client.lookup(&item.input).await {
///             Ok(record) => serde_json::to_string(&record)?,
///             Err(e) => serde_json::json!({ "input": item.input, "error": e.to_string() }).to_string(),
///         };
///         queue.complete(&item, &line).await?;
///     }
/// }
///
/// // Anywhere: every input's line, once.
/// let mut cursor = None;
/// loop {
///     let (page, next) = queue.results(cursor.as_deref(), 1000).await?;
///     for result in &page {
///         println!("{}", result.line);
///     }
///     if page.is_empty() {
///         break;
///     }
///     cursor = next;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RedisQueue {
    redis: Redis,
    /// The consumer group is known to exist.
    grouped: AtomicBool,
}

/// One input taken from a [`RedisQueue`], to be [`complete`](RedisQueue::complete)d.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueuedInput {
    /// The input's number in the job (1 for the first enqueued): results are idempotent by
    /// it.
    pub id: u64,
    /// The input as enqueued.
    pub input: String,
    /// The stream entry, acknowledged by `complete`.
    entry: String,
    /// The consumer that took it, credited with its result.
    consumer: String,
}

/// One input's result in a [`RedisQueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueuedResult {
    /// The input's number in the job.
    pub id: u64,
    /// What its worker wrote.
    pub line: String,
}

/// How far a [`RedisQueue`]'s job is, across every worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStatus {
    /// Inputs enqueued.
    pub enqueued: u64,
    /// Inputs with a result.
    pub done: u64,
    /// Inputs taken by a worker and not completed yet (in work, or left by a worker that
    /// died until another claims them).
    pub pending: u64,
}

impl QueueStatus {
    /// Every input enqueued has its result (and so nothing is pending).
    pub fn is_drained(&self) -> bool {
        self.done >= self.enqueued
    }
}

impl RedisQueue {
    /// The queue of the job whose keys are under `redis`' prefix.
    pub fn new(redis: &Redis) -> Self {
        Self { redis: redis.clone(), grouped: AtomicBool::new(false) }
    }

    /// Append `inputs`, numbered on from the last input enqueued; returns how many.
    pub async fn enqueue<I, S>(&self, inputs: I) -> Result<u64, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.ensure_group().await?;
        let mut added = 0;
        let mut batch: Vec<String> = Vec::with_capacity(BATCH);
        let mut inputs = inputs.into_iter().peekable();
        while inputs.peek().is_some() {
            batch.clear();
            batch.extend(inputs.by_ref().take(BATCH).map(|s| s.as_ref().to_owned()));
            let mut call = ENQUEUE.key(self.key("next"));
            call.key(self.key("inputs")).arg(&batch);
            let n: u64 = self.redis.try_invoke("queue enqueue", &call).await?;
            added += n;
        }
        Ok(added)
    }

    /// Append `inputs` with their own ids (e.g. their line numbers in the input file),
    /// skipping every id already enqueued: enqueueing the same numbered inputs again adds
    /// nothing. Returns how many were added. A job is enqueued either this way or with
    /// [`enqueue`](Self::enqueue), not both (their ids would collide).
    pub async fn enqueue_numbered<I, S>(&self, inputs: I) -> Result<u64, Error>
    where
        I: IntoIterator<Item = (u64, S)>,
        S: AsRef<str>,
    {
        self.ensure_group().await?;
        let mut added = 0;
        let mut batch: Vec<String> = Vec::with_capacity(2 * BATCH);
        let mut inputs = inputs.into_iter().peekable();
        while inputs.peek().is_some() {
            batch.clear();
            for (id, input) in inputs.by_ref().take(BATCH) {
                batch.push(id.to_string());
                batch.push(input.as_ref().to_owned());
            }
            let mut call = ENQUEUE_NUMBERED.key(self.key("next"));
            call.key(self.key("inputs")).key(self.key("ids")).arg(&batch);
            let n: u64 = self.redis.try_invoke("queue enqueue", &call).await?;
            added += n;
        }
        Ok(added)
    }

    /// Up to `count` inputs for `consumer` (a name unique to the worker): first entries
    /// another worker took more than `visibility` ago without completing them, else new
    /// ones. Empty when there is nothing to take now (which is not the end while
    /// [`status`](Self::status) has some pending).
    pub async fn take(
        &self,
        consumer: &str,
        count: usize,
        visibility: Duration,
    ) -> Result<Vec<QueuedInput>, Error> {
        self.ensure_group().await?;
        let inputs = self.key("inputs");
        let idle_ms = u64::try_from(visibility.as_millis()).unwrap_or(u64::MAX);
        let claim = redis::cmd("XAUTOCLAIM")
            .arg(&inputs)
            .arg(GROUP)
            .arg(consumer)
            .arg(idle_ms)
            .arg("0-0")
            .arg("COUNT")
            .arg(count)
            .clone();
        let claimed: StreamAutoClaimReply = match self.redis.try_query("queue claim", &claim).await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                // A server restarted without its data has no group: make it again next time.
                self.grouped.store(false, Ordering::Relaxed);
                return Err(e);
            }
        };
        let mut entries = claimed.claimed;
        if entries.is_empty() {
            let read = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(consumer)
                .arg("COUNT")
                .arg(count)
                .arg("STREAMS")
                .arg(&inputs)
                .arg(">")
                .clone();
            let reply: Option<StreamReadReply> = self.redis.try_query("queue read", &read).await?;
            entries = reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids).collect();
        }
        let mut taken = Vec::with_capacity(entries.len());
        for entry in &entries {
            match input_of(entry, consumer) {
                Some(input) => taken.push(input),
                None => {
                    // Not ours: acknowledged, so that it does not stay pending for ever.
                    tracing::warn!(entry = %entry.id, "an inputs entry without id and input: skipped");
                    let ack = redis::cmd("XACK").arg(&inputs).arg(GROUP).arg(&entry.id).clone();
                    let _: i64 = self.redis.try_query("queue ack", &ack).await?;
                }
            }
        }
        Ok(taken)
    }

    /// Record `line` as `item`'s result and acknowledge it. Returns `false` when the input
    /// already had a result (another worker completed it after claiming it from this one):
    /// the line is then dropped, so each input has exactly one.
    pub async fn complete(&self, item: &QueuedInput, line: &str) -> Result<bool, Error> {
        let mut call = COMPLETE.key(self.key("done"));
        call.key(self.key("results"))
            .key(self.key("inputs"))
            .key(self.key("workers"))
            .arg(item.id)
            .arg(line)
            .arg(&item.entry)
            .arg(GROUP)
            .arg(&item.consumer);
        let added: i64 = self.redis.try_invoke("queue complete", &call).await?;
        Ok(added == 1)
    }

    /// Up to `count` results after `cursor` (`None`: from the first), in the order they
    /// were completed, and the cursor to pass next (`None` when none came).
    pub async fn results(
        &self,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<(Vec<QueuedResult>, Option<String>), Error> {
        let start = cursor.map_or_else(|| "-".to_owned(), |c| format!("({c}"));
        let range = redis::cmd("XRANGE")
            .arg(self.key("results"))
            .arg(start)
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .clone();
        let reply: StreamRangeReply = self.redis.try_query("queue results", &range).await?;
        let next = reply.ids.last().map(|entry| entry.id.clone());
        let results = reply
            .ids
            .iter()
            .filter_map(|entry| {
                Some(QueuedResult { id: entry.get("id")?, line: entry.get("line")? })
            })
            .collect();
        Ok((results, next.or_else(|| cursor.map(str::to_owned))))
    }

    /// How far the job is.
    pub async fn status(&self) -> Result<QueueStatus, Error> {
        self.ensure_group().await?;
        let enqueued: Option<u64> =
            self.redis.try_query("queue status", redis::cmd("GET").arg(self.key("next"))).await?;
        let done: u64 =
            self.redis.try_query("queue status", redis::cmd("HLEN").arg(self.key("done"))).await?;
        let pending = redis::cmd("XPENDING").arg(self.key("inputs")).arg(GROUP).clone();
        let pending: StreamPendingReply = self.redis.try_query("queue status", &pending).await?;
        Ok(QueueStatus {
            enqueued: enqueued.unwrap_or(0),
            done,
            pending: u64::try_from(pending.count()).unwrap_or(u64::MAX),
        })
    }

    /// Results added by each consumer (the one that completed the input: after a claim, the
    /// claiming worker), by consumer name.
    pub async fn worker_counts(&self) -> Result<BTreeMap<String, u64>, Error> {
        let counts: BTreeMap<String, u64> = self
            .redis
            .try_query("queue workers", redis::cmd("HGETALL").arg(self.key("workers")))
            .await?;
        Ok(counts)
    }

    fn key(&self, name: &str) -> String {
        self.redis.key(KIND, name)
    }

    async fn ensure_group(&self) -> Result<(), Error> {
        if self.grouped.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut call = CREATE_GROUP.key(self.key("inputs"));
        call.arg(GROUP);
        let _: i64 = self.redis.try_invoke("queue group", &call).await?;
        self.grouped.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// The input an entry of the inputs stream holds; `None` for an entry not written by
/// [`RedisQueue::enqueue`].
fn input_of(entry: &StreamId, consumer: &str) -> Option<QueuedInput> {
    Some(QueuedInput {
        id: entry.get("id")?,
        input: entry.get("input")?,
        entry: entry.id.clone(),
        consumer: consumer.to_owned(),
    })
}
