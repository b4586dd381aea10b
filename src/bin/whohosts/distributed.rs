//! `whohosts bulk --redis URL --job NAME --enqueue FILE | --work | --collect OUT | --status`:
//! one bulk job spread over worker processes on any machines, through a [`RedisQueue`]
//! (issue #17). It owns the four steps and the worker's patience with Redis; the queue's
//! rules (exactly one result per input, reclaim after the visibility timeout) are the
//! library's, and each result line is the one `bulk` writes (`output.rs` formats CSV).
//!
//! A worker that cannot reach Redis keeps its finished lines and retries with backoff for
//! `--redis-retry` seconds, then exits 3 naming the URL (without its password). Its
//! unfinished inputs stay pending in Redis and are taken again by the next worker after
//! the visibility timeout, so no input is lost while Redis keeps its data.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use whohosts::{
    Client, Error, HostingRecord, InputLine, InputLines, JsonlSink, QueuedInput, RecordSink, Redis,
    RedisQueue, ResultsTally,
};

use crate::args::{BulkArgs, BulkFormat, DistributedArgs};
use crate::exit::{self, Failure};

/// Results read from Redis per page.
const PAGE: usize = 500;
/// The first wait after a failed Redis call; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between two tries while Redis is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long an idle worker waits before asking again (inputs pending at another worker
/// become its to take after the visibility timeout).
const IDLE: Duration = Duration::from_millis(200);
/// Marks an enqueued line that cannot be a query: the rest is its output line, written by
/// the worker as it is (a NUL cannot be in a query).
const INVALID: char = '\0';

/// The job's Redis handle: `URL` with the keys under `whohosts:{NAME}:` (the braces make
/// them one Redis Cluster hash tag).
pub(crate) fn job_redis(args: &DistributedArgs) -> Result<Option<Redis>, Failure> {
    let (Some(url), Some(job)) = (&args.redis, args.job.as_deref()) else { return Ok(None) };
    let step = args.enqueue.is_some() || args.work || args.collect.is_some() || args.status;
    if !step {
        return Err(Failure::usage(format!(
            "--job {job}: give one of --enqueue FILE, --work, --collect OUT or --status"
        )));
    }
    if job.is_empty() || job.contains(['{', '}']) || job.chars().any(char::is_whitespace) {
        return Err(Failure::usage(format!(
            "--job {job:?}: give a name without spaces or braces, e.g. --job nightly"
        )));
    }
    let redis = Redis::open(url).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(Some(redis.prefix(format!("whohosts:{{{job}}}:"))))
}

/// Run the step `args` names; `client` is given for `--work` only.
pub(crate) async fn run(
    args: &BulkArgs,
    redis: &Redis,
    client: Option<Client>,
) -> Result<u8, Failure> {
    let d = &args.distributed;
    let job = d.job.as_deref().unwrap_or_default();
    if args.input.is_some() || args.output.is_some() || args.resume {
        return Err(Failure::usage(
            "with --redis, give the input with --enqueue FILE and the output with --collect OUT \
             (INPUT, -o and --resume are for a run in one process)"
                .to_owned(),
        ));
    }
    let queue = RedisQueue::new(redis);
    if let Some(path) = &d.enqueue {
        let max_line = usize::try_from(args.max_line).unwrap_or(usize::MAX);
        return enqueue(&queue, job, path, max_line).await;
    }
    if d.work {
        let Some(client) = client else { return Err(Failure::usage("--work: no client".into())) };
        return work(&queue, redis.url(), job, d, client, args.concurrency as usize).await;
    }
    if let Some(path) = &d.collect {
        return collect(&queue, job, path, args.format).await;
    }
    status(&queue, job, redis.url(), d.json).await
}

/// Redis down: exit 3 with its message (it names the URL, without the password).
fn redis_failure(e: &Error, hint: &str) -> Failure {
    Failure { code: exit::REDIS, message: format!("{e}{hint}") }
}

/// `--enqueue FILE`: every line of FILE onto the job's stream, numbered by its line.
async fn enqueue(
    queue: &RedisQueue,
    job: &str,
    path: &Path,
    max_line: usize,
) -> Result<u8, Failure> {
    let file = std::fs::File::open(path).map_err(|e| Failure::file("opening", path, e))?;
    let mut items: Vec<(u64, String)> = Vec::new();
    for line in InputLines::new(io::BufReader::new(file), max_line) {
        match line.map_err(|e| Failure::file("reading", path, e))? {
            InputLine::Query { line, text } => items.push((line, text)),
            InputLine::Invalid { line, text, problem } => {
                // Written as `bulk` writes such a line; the worker copies it out.
                let input = serde_json::to_string(&text).unwrap_or_default();
                let message =
                    serde_json::to_string(&format!("line {line}: {problem}")).unwrap_or_default();
                let out = format!(
                    r#"{{"input":{input},"line":{line},"error":{{"kind":"input","message":{message}}}}}"#
                );
                items.push((line, format!("{INVALID}{out}")));
            }
        }
    }
    let lines = items.len() as u64;
    let added = queue.enqueue_numbered(items).await.map_err(|e| redis_failure(&e, ""))?;
    let status = queue.status().await.map_err(|e| redis_failure(&e, ""))?;
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "job {job}: {added} of {lines} input lines of {} enqueued ({} already there, by line \
         number); the job holds {} inputs, {} done",
        path.display(),
        lines - added,
        status.enqueued,
        status.done
    );
    Ok(exit::OK)
}

/// Retries of Redis calls while it is unreachable: backoff, then give up after `limit`.
struct Patience {
    since: Option<Instant>,
    backoff: Duration,
    limit: Duration,
}

impl Patience {
    /// A call failed: wait before the next try, or fail when Redis has been unreachable
    /// for longer than the limit.
    async fn failed(&mut self, e: &Error) -> Result<(), Failure> {
        let since = *self.since.get_or_insert_with(|| {
            eprint(&format!("whohosts: {e}; retrying for up to {} s", self.limit.as_secs()));
            Instant::now()
        });
        if since.elapsed() >= self.limit {
            return Err(redis_failure(
                e,
                &format!(
                    "; gave up after {} s without Redis. The job's inputs and results stay in \
                     Redis (if it kept its data): run --work again to resume",
                    self.limit.as_secs()
                ),
            ));
        }
        tokio::time::sleep(self.backoff).await;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        Ok(())
    }

    /// A call succeeded.
    fn ok(&mut self) {
        if let Some(since) = self.since.take() {
            eprint(&format!(
                "whohosts: Redis answers again after {:.1} s; resuming",
                since.elapsed().as_secs_f64()
            ));
        }
        self.backoff = FIRST_BACKOFF;
    }
}

fn eprint(message: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{message}");
}

/// This worker's default name: the host's name and the process id.
fn default_worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

/// The line `bulk` writes for `input`'s result.
fn result_line(input: &str, result: &Result<HostingRecord, Error>) -> String {
    let mut out = Vec::new();
    if JsonlSink::new(&mut out).write(input, result).is_err() {
        return String::new();
    }
    let mut line = String::from_utf8(out).unwrap_or_default();
    line.truncate(line.trim_end().len());
    line
}

/// `--work`: take, look up, complete, with `concurrency` lookups at once.
async fn work(
    queue: &RedisQueue,
    queue_url: &str,
    job: &str,
    args: &DistributedArgs,
    client: Client,
    concurrency: usize,
) -> Result<u8, Failure> {
    let consumer = args.worker_name.clone().unwrap_or_else(default_worker_name);
    let visibility = Duration::from_secs(args.visibility);
    let mut patience = Patience {
        since: None,
        backoff: FIRST_BACKOFF,
        limit: Duration::from_secs(args.redis_retry),
    };
    let concurrency = concurrency.max(1);
    let mut tasks: tokio::task::JoinSet<(QueuedInput, String)> = tokio::task::JoinSet::new();
    // Finished lines not yet in Redis (it was unreachable).
    let mut unsaved: Vec<(QueuedInput, String)> = Vec::new();
    let (mut added, mut dropped) = (0u64, 0u64);
    // The most inputs the job was seen to hold: fewer later means Redis lost the job.
    let mut enqueued_seen = loop {
        match queue.status().await {
            Ok(status) => break status.enqueued,
            Err(e) => patience.failed(&e).await?,
        }
    };
    'run: loop {
        while let Some((item, line)) = unsaved.last() {
            match queue.complete(item, line).await {
                Ok(true) => added += 1,
                Ok(false) => dropped += 1,
                Err(e) => {
                    patience.failed(&e).await?;
                    continue 'run;
                }
            }
            unsaved.pop();
        }
        let room = concurrency - tasks.len().min(concurrency);
        if tasks.is_empty() || room >= (concurrency / 2).max(1) {
            let taken = match queue.take(&consumer, room, visibility).await {
                Ok(taken) => taken,
                Err(e) => {
                    patience.failed(&e).await?;
                    continue;
                }
            };
            patience.ok();
            if taken.is_empty() && tasks.is_empty() {
                match queue.status().await {
                    Ok(status) if status.enqueued < enqueued_seen => {
                        return Err(Failure {
                            code: exit::REDIS,
                            message: format!(
                                "job {job}: Redis at {} now holds {} inputs where it held {}: it lost the \
                                 job's data (restarted without persistence?). Enqueue the \
                                 inputs again and collect what the workers then write",
                                queue_url, status.enqueued, enqueued_seen
                            ),
                        });
                    }
                    Ok(status) if args.exit_when_done && status.is_drained() => break,
                    Ok(status) => {
                        enqueued_seen = enqueued_seen.max(status.enqueued);
                        tokio::time::sleep(IDLE).await;
                    }
                    Err(e) => patience.failed(&e).await?,
                }
                continue;
            }
            for item in taken {
                let client = client.clone();
                tasks.spawn(async move {
                    if let Some(line) = item.input.strip_prefix(INVALID) {
                        let line = line.to_owned();
                        return (item, line);
                    }
                    let result = client.lookup(&item.input).await;
                    let line = result_line(&item.input, &result);
                    (item, line)
                });
            }
        }
        match tasks.join_next().await {
            Some(Ok(done)) => unsaved.push(done),
            // A panicked lookup's input stays pending: another worker takes it again.
            Some(Err(e)) => tracing::error!("a lookup task failed: {e}"),
            None => {}
        }
    }
    eprint(&format!(
        "worker {consumer}: {added} results added, {dropped} dropped (another worker had \
         finished them first); the job is drained"
    ));
    Ok(exit::OK)
}

/// Every result of the job, by input id.
async fn all_results(queue: &RedisQueue) -> Result<BTreeMap<u64, String>, Failure> {
    let mut results = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let (page, next) =
            queue.results(cursor.as_deref(), PAGE).await.map_err(|e| redis_failure(&e, ""))?;
        if page.is_empty() {
            break;
        }
        for result in page {
            results.entry(result.id).or_insert(result.line);
        }
        cursor = next;
    }
    Ok(results)
}

/// `--collect OUT`: every result once, in input order.
async fn collect(
    queue: &RedisQueue,
    job: &str,
    path: &Path,
    format: BulkFormat,
) -> Result<u8, Failure> {
    let status = queue.status().await.map_err(|e| redis_failure(&e, ""))?;
    let results = all_results(queue).await?;
    let prepared = crate::output::prepare(Some(path), format, false, &Default::default())?;
    let mut out = prepared.output;
    let name = out.name.clone();
    for line in results.values() {
        out.write_line(line).map_err(|e| Failure::file("writing", Path::new(&name), e))?;
    }
    out.flush().map_err(|e| Failure::file("writing", Path::new(&name), e))?;
    let written = results.len() as u64;
    if written < status.enqueued {
        eprint(&format!(
            "whohosts: job {job}: {written} of {} inputs have a result ({} pending); wrote \
             them to {name}; collect again when the workers are done",
            status.enqueued, status.pending
        ));
        return Ok(exit::FAIL_ON);
    }
    eprint(&format!("job {job}: {written} results written to {name}"));
    Ok(exit::OK)
}

/// `--status`: how far the job is, across every worker, and its results' summary.
async fn status(queue: &RedisQueue, job: &str, url: &str, json: bool) -> Result<u8, Failure> {
    let status = queue.status().await.map_err(|e| redis_failure(&e, ""))?;
    let workers = queue.worker_counts().await.map_err(|e| redis_failure(&e, ""))?;
    let mut tally = ResultsTally::new();
    for line in all_results(queue).await?.values() {
        if let Some((input, result)) = crate::output::result_of_line(line) {
            tally.add(&input, &result);
        }
    }
    let mut out = io::stdout().lock();
    let written = if json {
        let value = serde_json::json!({
            "job": job,
            "redis": url,
            "enqueued": status.enqueued,
            "done": status.done,
            "pending": status.pending,
            "drained": status.is_drained(),
            "workers": workers,
            "results": tally,
        });
        serde_json::to_writer_pretty(&mut out, &value)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        write_status(&mut out, job, url, &status, &workers, &tally)
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Failure::file("writing", Path::new("stdout"), e))?;
    Ok(exit::OK)
}

fn write_status(
    out: &mut dyn Write,
    job: &str,
    url: &str,
    status: &whohosts::QueueStatus,
    workers: &BTreeMap<String, u64>,
    tally: &ResultsTally,
) -> io::Result<()> {
    writeln!(out, "job {job} at {url}")?;
    writeln!(out, "  enqueued  {}", status.enqueued)?;
    writeln!(out, "  done      {}", status.done)?;
    writeln!(out, "  pending   {}", status.pending)?;
    writeln!(out, "  waiting   {}", status.enqueued.saturating_sub(status.done + status.pending))?;
    writeln!(out, "results per worker")?;
    for (worker, n) in workers {
        writeln!(out, "  {worker:<32} {n}")?;
    }
    tally.write_text(out, None)
}
