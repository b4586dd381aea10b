//! `whohosts bulk`: a file or stdin of queries, one per line, looked up through
//! [`Client::lookup_stream`] into OUT, one output line per input line.
//!
//! Duplicate inputs are looked up once: a duplicate of a lookup in flight waits for it, and a
//! duplicate of one of the last [`RECENT`] finished ones reuses its result; each input line
//! still gets its own output line. `--resume` skips the inputs OUT already answers (once per
//! output line), `--retry-errors` first drops OUT's lines carrying those error kinds
//! (`output.rs`). Ctrl-C stops taking inputs, writes every finished lookup, flushes and
//! exits 130 saying how to resume.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use futures_util::{FutureExt, StreamExt};
use whohosts::notices::NoticeTemplate;
use whohosts::{
    Client, CompletedInputs, Error, HostingRecord, InputError, InputLine, InputLines, LineProblem,
    LocalBudget, RateBudget, ResultsTally, StepErrorKind,
};

use crate::args::{BulkArgs, BulkFormat, FailOn};
use crate::exit::{self, Failure};
use crate::output::{self, Output};
use crate::progress::{Figures, Progress};

/// Finished results kept to answer later duplicates without a lookup.
const RECENT: usize = 1024;

/// A lookup's result, shared by the output lines of its duplicates.
type Shared = Arc<Result<HostingRecord, Error>>;

/// What the input feed hands the writer beside the lookups.
enum Side {
    /// A line that cannot be a query.
    Invalid { line: u64, text: String, problem: LineProblem },
    /// A duplicate of a recently finished input: its result again.
    Repeat { input: String, result: Shared },
}

/// Duplicates: lookups in flight (with the extra lines waiting for each) and recent results.
#[derive(Default)]
struct Dedupe {
    pending: HashMap<String, u64>,
    recent: HashMap<String, Shared>,
    order: VecDeque<String>,
}

impl Dedupe {
    /// A lookup finished: how many more lines it answers, and remember its result.
    fn finish(&mut self, input: &str, result: Shared) -> u64 {
        let extra = self.pending.remove(input).unwrap_or(0);
        if self.recent.insert(input.to_owned(), result).is_none() {
            self.order.push_back(input.to_owned());
            if self.order.len() > RECENT
                && let Some(oldest) = self.order.pop_front()
            {
                self.recent.remove(&oldest);
            }
        }
        extra
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The input's lines, read once.
type Lines = Box<dyn Iterator<Item = io::Result<InputLine>> + Send>;

/// The counts of this run beside the results' ([`ResultsTally`]).
#[derive(Debug, Default, Clone, serde::Serialize)]
struct Counts {
    /// Output lines written.
    written: u64,
    /// Input lines skipped as already answered in OUT.
    skipped: u64,
    /// Records dropped from OUT to be looked up again (`--retry-errors`).
    retried: u64,
    /// Output lines answered from a duplicate's lookup.
    duplicates: u64,
    /// Output lines with errors in their record, or without a record.
    with_errors: u64,
    /// Output lines without a notice target that has a channel (or without a record).
    without_channel: u64,
}

impl Counts {
    fn add(&mut self, result: &Result<HostingRecord, Error>) {
        self.written += 1;
        let (errors, channel) = match result {
            Ok(record) => (!record.errors.is_empty(), has_channel(record)),
            Err(_) => (true, false),
        };
        self.with_errors += u64::from(errors);
        self.without_channel += u64::from(!channel);
    }
}

/// True when some notice target of `record` has a channel (email, web form or phone).
pub(crate) fn has_channel(record: &HostingRecord) -> bool {
    record.notice_targets.iter().any(|target| {
        target.channels.iter().any(|c| {
            c.email.is_some() || c.web.is_some() || c.phone.is_some() || !c.phones.is_empty()
        })
    })
}

/// The kinds `--retry-errors` accepts: the record's step error kinds, and `internal`.
fn retry_kinds(given: &[String]) -> Result<BTreeSet<String>, Failure> {
    let mut kinds = BTreeSet::new();
    for kind in given.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        let known = kind == "internal" || StepErrorKind::ALL.iter().any(|k| k.as_str() == kind);
        if !known {
            let names: Vec<&str> = StepErrorKind::ALL.iter().map(|k| k.as_str()).collect();
            return Err(Failure::usage(format!(
                "--retry-errors: unknown error kind {kind:?} (kinds: {}, internal)",
                names.join(", ")
            )));
        }
        kinds.insert(kind.to_owned());
    }
    Ok(kinds)
}

/// This run's command without `--resume` and `--retry-errors`, quoted for a POSIX shell:
/// with `--retry-errors KINDS` added, the command that finishes the run.
fn retry_command(argv: &[OsString]) -> String {
    let mut words = vec!["whohosts".to_owned()];
    let mut skip_value = false;
    for arg in argv.iter().skip(1) {
        let text = arg.to_string_lossy();
        if skip_value {
            skip_value = false;
            continue;
        }
        if text == "--retry-errors" {
            skip_value = true;
            continue;
        }
        if text == "--resume" || text.starts_with("--retry-errors=") {
            continue;
        }
        words.push(quote(&text));
    }
    words.join(" ")
}

/// `word` quoted for a POSIX shell when it needs to be.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

/// Input lines in a regular file (queries and invalid lines), counted with the same rules as
/// the run reads them, for the progress total.
fn count_lines(path: &Path, max_line: usize) -> Option<u64> {
    let file = File::open(path).ok()?;
    let mut n = 0u64;
    for line in InputLines::new(BufReader::new(file), max_line) {
        line.ok()?;
        n += 1;
    }
    Some(n)
}

/// Run `whohosts bulk`; the exit code, or a failure (exit 2) naming what is wrong.
pub(crate) async fn run(
    args: BulkArgs,
    client: Client,
    budget: &LocalBudget,
    argv: &[OsString],
) -> Result<u8, Failure> {
    let kinds = retry_kinds(&args.retry_errors)?;
    if args.notices.is_some() && (args.output.is_none() || args.format != BulkFormat::Jsonl) {
        return Err(Failure::usage(
            "--notices DIR groups the JSON-lines output: give -o OUT with --format jsonl"
                .to_owned(),
        ));
    }
    let max_line = usize::try_from(args.max_line).unwrap_or(usize::MAX);
    let output_path = args.output.as_deref();
    let prepared = output::prepare(output_path, args.format, args.resume, &kinds)?;
    let mut out = prepared.output;
    let mut counts = Counts { retried: prepared.dropped, ..Counts::default() };
    let mut tally = ResultsTally::new();

    // The input, read once (a regular file is counted first, for the progress total).
    let input_path: Option<PathBuf> = args.input.clone().filter(|p| p != Path::new("-"));
    let (lines, in_name, total): (Lines, String, Option<u64>) = match &input_path {
        Some(path) => {
            let meta = std::fs::metadata(path).map_err(|e| Failure::file("opening", path, e))?;
            if meta.is_dir() {
                return Err(Failure::usage(format!("INPUT {} is a directory", path.display())));
            }
            let file = File::open(path).map_err(|e| Failure::file("opening", path, e))?;
            let total = if meta.is_file() { count_lines(path, max_line) } else { None };
            let lines = InputLines::new(BufReader::new(file), max_line);
            (Box::new(lines), path.display().to_string(), total)
        }
        None => {
            let lines = InputLines::new(BufReader::new(io::stdin()), max_line);
            (Box::new(lines), "stdin".to_owned(), None)
        }
    };

    let stop = Arc::new(AtomicBool::new(false));
    let skipped = Arc::new(AtomicU64::new(0));
    let read_error: Arc<Mutex<Option<io::Error>>> = Arc::default();
    let dedupe: Arc<Mutex<Dedupe>> = Arc::default();
    let (side_tx, mut side_rx) = tokio::sync::mpsc::channel::<Side>(256);
    let feed = Feed {
        lines,
        done: prepared.done,
        side: side_tx,
        stop: Arc::clone(&stop),
        skipped: Arc::clone(&skipped),
        read_error: Arc::clone(&read_error),
        dedupe: Arc::clone(&dedupe),
    };
    let inputs = futures_util::stream::unfold(feed, |mut feed| async move {
        let text = feed.next().await?;
        Some((text, feed))
    });

    let mut progress = Progress::start(args.quiet);
    let mut ticker = tokio::time::interval(progress.every());
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    let mut interrupted = false;
    {
        let mut results = std::pin::pin!(client.lookup_stream(inputs));
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        let mut side_open = true;
        loop {
            tokio::select! {
                item = results.next() => {
                    let Some((input, result)) = item else { break };
                    write_finished(&mut out, &dedupe, &mut counts, &mut tally, &input, result)?;
                }
                side = side_rx.recv(), if side_open => match side {
                    Some(side) => write_side(&mut out, side, &mut counts, &mut tally)?,
                    None => side_open = false,
                },
                _ = ticker.tick() => {
                    progress.show(&figures(&counts, &skipped, total, &client));
                }
                _ = &mut ctrl_c => {
                    interrupted = true;
                    break;
                }
            }
        }
        if interrupted {
            // Take no more inputs; write every lookup already finished.
            stop.store(true, Ordering::SeqCst);
            while let Some(Some((input, result))) = results.next().now_or_never() {
                write_finished(&mut out, &dedupe, &mut counts, &mut tally, &input, result)?;
            }
        }
        while let Ok(side) = side_rx.try_recv() {
            write_side(&mut out, side, &mut counts, &mut tally)?;
        }
    }
    out.flush().map_err(write_error_of(&out.name.clone()))?;
    progress.finish();
    let wall = started.elapsed();
    counts.skipped = skipped.load(Ordering::Relaxed);
    let out_name = out.name.clone();
    drop(out);
    if let Some(e) = lock(&read_error).take() {
        return Err(Failure {
            code: exit::USAGE,
            message: format!(
                "reading {in_name}: {e} ({} lines written to {out_name})",
                counts.written
            ),
        });
    }

    // The summary, on stderr and optionally as JSON: the results first.
    let stats = client.stats();
    let mut text = Vec::new();
    let command = output_path.map(|_| retry_command(argv));
    tally.write_text(&mut text, command.as_deref()).map_err(write_error_of("stderr"))?;
    let refills = refills(budget);
    write_refills(&mut text, &refills, SystemTime::now()).map_err(write_error_of("stderr"))?;
    write_summary(&mut text, &counts, &stats, wall).map_err(write_error_of("stderr"))?;
    eprint_bytes(&text);
    if let Some(path) = &args.summary_json {
        let summary = serde_json::json!({
            "results": tally,
            "run": {
                "lines_written": counts.written,
                "skipped_in_out": counts.skipped,
                "retried": counts.retried,
                "duplicates": counts.duplicates,
                "wall_seconds": wall.as_secs_f64(),
                "lookups_per_second": counts.written as f64 / wall.as_secs_f64().max(1e-9),
                "interrupted": interrupted,
            },
            "requests": stats,
            "budget_refills": refills
                .iter()
                .map(|(server, at)| (server.clone(), at.map(rfc3339)))
                .collect::<BTreeMap<_, _>>(),
        });
        let json =
            serde_json::to_string_pretty(&summary).map_err(|e| Failure::usage(e.to_string()))?;
        std::fs::write(path, json + "\n").map_err(|e| Failure::file("writing", path, e))?;
    }
    if interrupted {
        let how = match output_path {
            Some(_) => "run the same command with --resume to continue".to_owned(),
            None => "write to a file with -o OUT to be able to --resume".to_owned(),
        };
        eprint_bytes(
            format!(
                "whohosts: interrupted: {} lines written to {out_name}; {how}\n",
                counts.written
            )
            .as_bytes(),
        );
        return Ok(exit::INTERRUPTED);
    }
    if let (Some(dir), Some(records)) = (&args.notices, output_path) {
        let notice = client.config().notice_type;
        crate::notices::write(records, dir, notice, &NoticeTemplate::default())?;
    }
    let failed = args.fail_on.iter().any(|condition| match condition {
        FailOn::NoContact => counts.without_channel > 0,
        FailOn::Errors => counts.with_errors > 0,
    });
    Ok(if failed { exit::FAIL_ON } else { exit::OK })
}

/// A failure writing to `name`.
fn write_error_of(name: &str) -> impl Fn(io::Error) -> Failure + '_ {
    move |e| Failure::file("writing", Path::new(name), e)
}

/// Write `bytes` to stderr (the summary and messages; stdout carries results only).
fn eprint_bytes(bytes: &[u8]) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(bytes);
    let _ = err.flush();
}

/// An input line that cannot be a query, as the input error it is.
fn line_error(text: &str, problem: LineProblem) -> Result<HostingRecord, Error> {
    Err(Error::Input(match problem {
        LineProblem::TooLong { limit } => InputError::TooLong { length: limit },
        // Not UTF-8: the replacement character stands where the bytes were.
        _ => InputError::InvalidCharacter { name: text.to_owned(), character: '\u{fffd}' },
    }))
}

/// Write what the feed handed over.
/// Write a finished lookup once for its own input line and once more for each repeat of it
/// that waited on it.
fn write_finished(
    out: &mut Output,
    dedupe: &Mutex<Dedupe>,
    counts: &mut Counts,
    tally: &mut ResultsTally,
    input: &str,
    result: Result<HostingRecord, Error>,
) -> Result<(), Failure> {
    let result: Shared = Arc::new(result);
    let extra = lock(dedupe).finish(input, Arc::clone(&result));
    for _ in 0..=extra {
        out.write(input, &result).map_err(write_error_of(&out.name))?;
        counts.add(&result);
        tally.add(input, &result);
    }
    counts.duplicates += extra;
    Ok(())
}

fn write_side(
    out: &mut Output,
    side: Side,
    counts: &mut Counts,
    tally: &mut ResultsTally,
) -> Result<(), Failure> {
    let name = out.name.clone();
    match side {
        Side::Invalid { line, text, problem } => {
            let result = line_error(&text, problem);
            out.write_invalid(line, &text, problem, &result).map_err(write_error_of(&name))?;
            counts.add(&result);
            tally.add(&text, &result);
        }
        Side::Repeat { input, result } => {
            out.write(&input, &result).map_err(write_error_of(&name))?;
            counts.add(&result);
            tally.add(&input, &result);
            counts.duplicates += 1;
        }
    }
    Ok(())
}

/// The progress figures now.
fn figures(counts: &Counts, skipped: &AtomicU64, total: Option<u64>, client: &Client) -> Figures {
    let skipped = skipped.load(Ordering::Relaxed);
    Figures {
        done: counts.written + skipped,
        total,
        written: counts.written,
        errors: counts.with_errors,
        waiting: client.stats().waiting_per_server,
    }
}

/// Every server that was rate limited this run, with when its budget next allows a request
/// (`None` when the budget cannot say).
fn refills(budget: &LocalBudget) -> Vec<(String, Option<SystemTime>)> {
    budget
        .rate_limited_servers()
        .into_iter()
        .map(|server| {
            let at = budget.next_request_at(&server);
            (server, at)
        })
        .collect()
}

/// A time as RFC 3339 in UTC, to the second.
fn rfc3339(time: SystemTime) -> String {
    jiff::Timestamp::try_from(time)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// When each rate-limited server's budget refills: `SERVER budget refills at 14:05:07 UTC`
/// (with the date when it is not today's, UTC), after the results; nothing when no server
/// was rate limited.
fn write_refills(
    out: &mut dyn Write,
    refills: &[(String, Option<SystemTime>)],
    now: SystemTime,
) -> io::Result<()> {
    if refills.is_empty() {
        return Ok(());
    }
    writeln!(out, "rate-limited servers")?;
    let today = crate::cache::utc(now);
    let today = today.split(' ').next().unwrap_or_default();
    for (server, at) in refills {
        match at {
            Some(at) if *at > now => {
                let when = crate::cache::utc(*at);
                let when = match when.strip_prefix(today) {
                    Some(time) if !today.is_empty() => time.trim_start().to_owned(),
                    _ => when.clone(),
                };
                writeln!(out, "  {server} budget refills at {when}")?;
            }
            Some(_) => writeln!(out, "  {server} budget allows requests again now")?,
            None => writeln!(out, "  {server} budget refill time unknown")?,
        }
    }
    Ok(())
}

/// The end-of-run summary after the results: this run's lines, then requests and caches.
fn write_summary(
    out: &mut dyn Write,
    counts: &Counts,
    stats: &whohosts::Stats,
    wall: Duration,
) -> io::Result<()> {
    let secs = wall.as_secs_f64().max(1e-9);
    writeln!(out, "this run")?;
    writeln!(out, "  lines written        {}", counts.written)?;
    if counts.skipped > 0 {
        writeln!(out, "  skipped (in OUT)     {}", counts.skipped)?;
    }
    if counts.retried > 0 {
        writeln!(out, "  retried              {}", counts.retried)?;
    }
    if counts.duplicates > 0 {
        writeln!(out, "  duplicates           {} (looked up once)", counts.duplicates)?;
    }
    writeln!(out, "  wall time            {:.2} s", wall.as_secs_f64())?;
    writeln!(out, "  lookups/s            {:.1}", counts.written as f64 / secs)?;
    writeln!(
        out,
        "requests               {} ({:.1}/s)",
        stats.requests,
        stats.requests as f64 / secs
    )?;
    for (server, n) in &stats.requests_per_server {
        writeln!(out, "  {server:<40} {n}")?;
    }
    writeln!(out, "cache hits, per cache")?;
    writeln!(out, "  RDAP answers         {}", stats.cache_hits)?;
    writeln!(out, "  registrations        {}", stats.registration_hits)?;
    writeln!(out, "  networks             {}", stats.network_hits)?;
    writeln!(out, "  ASNs                 {}", stats.asn_hits)?;
    writeln!(out, "joined in flight       {}", stats.coalesced)?;
    writeln!(out, "retries                {}", stats.retries)?;
    writeln!(out, "rate-limit answers     {}", stats.rate_limited)?;
    writeln!(out, "failed fast (not sent) {}", stats.circuit_open)?;
    if let Some(abuse) = stats.abuse_summary() {
        writeln!(out, "{abuse}")?;
    }
    let ms = |d: Option<Duration>| {
        d.map_or("-".to_owned(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3))
    };
    writeln!(out, "lookup p50 / p95       {} / {}", ms(stats.lookup_p50), ms(stats.lookup_p95))?;
    Ok(())
}

/// The input feed: yields the queries to look up, hands invalid lines and recent duplicates
/// to the writer, skips what OUT already answers, stops when asked.
struct Feed {
    lines: Lines,
    done: CompletedInputs,
    side: tokio::sync::mpsc::Sender<Side>,
    stop: Arc<AtomicBool>,
    skipped: Arc<AtomicU64>,
    read_error: Arc<Mutex<Option<io::Error>>>,
    dedupe: Arc<Mutex<Dedupe>>,
}

impl Feed {
    /// The next query to look up, or `None` at the end (or on a read error, kept).
    async fn next(&mut self) -> Option<String> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return None;
            }
            let line = match self.lines.next()? {
                Ok(line) => line,
                Err(e) => {
                    *lock(&self.read_error) = Some(e);
                    return None;
                }
            };
            let side = match line {
                InputLine::Query { text, .. } | InputLine::Invalid { text, .. }
                    if self.done.take(&text) =>
                {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                InputLine::Invalid { line, text, problem } => Side::Invalid { line, text, problem },
                InputLine::Query { text, .. } => {
                    let mut dedupe = lock(&self.dedupe);
                    if let Some(extra) = dedupe.pending.get_mut(&text) {
                        *extra += 1;
                        continue;
                    }
                    match dedupe.recent.get(&text) {
                        Some(result) => Side::Repeat { input: text, result: Arc::clone(result) },
                        None => {
                            dedupe.pending.insert(text.clone(), 0);
                            return Some(text);
                        }
                    }
                }
            };
            self.side.send(side).await.ok()?;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_retry_command_repeats_the_run_with_the_kinds() {
        let argv: Vec<OsString> = [
            "whohosts",
            "bulk",
            "my list.txt",
            "-o",
            "out.jsonl",
            "--resume",
            "--retry-errors",
            "timeout",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        assert_eq!(retry_command(&argv), "whohosts bulk 'my list.txt' -o out.jsonl");
    }

    #[test]
    fn the_refill_times_name_each_server_with_the_date_only_when_not_today() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000); // 20:26:40
        let refills = vec![
            ("a.example".to_owned(), Some(now + Duration::from_secs(600))),
            ("b.example".to_owned(), Some(now + Duration::from_secs(86_400))),
            ("c.example".to_owned(), Some(now)),
            ("d.example".to_owned(), None),
        ];
        let mut text = Vec::new();
        write_refills(&mut text, &refills, now).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "rate-limited servers\n  \
             a.example budget refills at 20:36:40 UTC\n  \
             b.example budget refills at 2026-05-29 20:26:40 UTC\n  \
             c.example budget allows requests again now\n  \
             d.example budget refill time unknown\n"
        );
        let mut none = Vec::new();
        write_refills(&mut none, &[], now).unwrap();
        assert!(none.is_empty());
        assert_eq!(rfc3339(now), "2026-05-28T20:26:40Z");
    }

    #[test]
    fn retry_kinds_are_the_record_kinds_and_internal() {
        let given = vec!["rate_limited".to_owned(), " timeout".to_owned(), "internal".to_owned()];
        assert_eq!(retry_kinds(&given).unwrap().len(), 3);
        let message = retry_kinds(&["ratelimited".to_owned()]).unwrap_err().message;
        assert!(
            message.starts_with(
                "--retry-errors: unknown error kind \"ratelimited\" (kinds: nxdomain,"
            ),
            "{message}"
        );
    }
}
