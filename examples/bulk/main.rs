//! Bulk lookups: queries from a file or stdin (one per line) → JSON lines, a progress bar on
//! stderr, and a summary. Or, with `--world N`, the same against a generated loopback world
//! of N domains, to measure whohosts offline.
//!
//! Usage:
//!
//! ```text
//! cargo run --release --all-features --example bulk -- [INPUT|-] [-o OUT.jsonl] [--resume]
//!     [--concurrency N] [--max-waiting N] [--max-line BYTES] [--quiet]
//!     [--world N [--inputs COUNT] [--seed S] [--latency-ms L] [--rate-limit SPEC]
//!      [--max-ratio R] [--summary-json PATH] [--capacity] [--request-log PATH]
//!      [--faults PER_MILLE] [--break-world SERVICE|contacts]]
//! ```
//!
//! * `--concurrency N` lookups work at once (default 64); `--max-waiting N` more may wait
//!   their turn behind a rate-limited server without holding a slot (default 1,024; 0 makes
//!   a waiting lookup keep its slot).
//! * Output lines are `{"input":…,"record":{…}}` or `{"input":…,"error":{"kind":…,"message":…}}`,
//!   one per input line, in the order lookups finish. Without `-o` they go to stdout. Blank
//!   lines and `#` comments are not inputs. A line that is not UTF-8 or is longer than
//!   `--max-line` bytes (default 4,096; it is never buffered whole) becomes
//!   `{"input":…,"line":N,"error":{"kind":"input","message":"line N: …"}}`, `input` being its
//!   first 64 bytes decoded lossily. A read error ends the run (exit 2) naming the input.
//! * `--resume` skips the inputs already answered in `-o`'s file and appends to it (a line
//!   cut short by a crash is dropped first). Inputs are matched by their text, once per
//!   output line: an input given three times with one line written is looked up twice more. Ctrl-C stops pulling inputs, writes what has
//!   finished, flushes, prints the summary and exits with 130; `--resume` picks up from there.
//! * `--world N`: start a generated world (`whohosts_testing::World::generated`) and look up
//!   `--inputs COUNT` generated inputs (default N) unless an INPUT is given. `--latency-ms L`
//!   delays every RDAP answer; `--rate-limit SPEC` limits services, e.g.
//!   `all=50/1s` or `lacnic=10/60s,ripe=100/1s` (`REQUESTS/PERIOD[:BURST]`, period in `ms`,
//!   `s` or `m`): the world answers 429 past the limit (burst + 2, for network jitter) and
//!   the client is told the same limit (burst 1). The summary then compares the requests the
//!   world saw with the fewest it needs, and the wall time with the rate limits' lower bound;
//!   `--max-ratio R` exits 1 when requests ÷ minimum exceeds R, in total or for any service,
//!   or an input has no output line; `--min-ratio R` (default 0.95 with `--max-ratio`) when
//!   it is below R, in total or for any service: a run that stopped asking a registry fails.
//!   With `--max-ratio` and without `--faults`, every record must also hold what the world
//!   guarantees: a registered domain its registrar, every address its network and an abuse
//!   contact.
//!   `--capacity` then replays the same requests with plain `reqwest` at the same
//!   concurrency, and prints the run's requests/s as a share of that capacity.
//!   `--request-log PATH` writes every request the world answered (service, path, status).
//! * `--faults PER_MILLE` injects every fault kind (`whohosts_testing::FaultKind`) into the
//!   registry answers of PER_MILLE domains per thousand each (5xx once or always, 429 once,
//!   truncated, malformed, oversized, redirect loop, redirect or `related` link to a
//!   listener on 127.0.0.2 that counts connections; the client is narrowed to 127.0.0.1/32).
//!   The summary then gives the faults injected by kind, cured, reported and lost, and the
//!   connections to the private address; the run exits 1 when a fault is lost, a curable
//!   one is not cured, an input has no output line, or the private address was reached.
//!
//! * `--hidden-limits` (with `--rate-limit`): the client is not told the limits, as with
//!   servers that publish none; each service's rate is learnt from its 429s
//!   ([`ServerPolicy::learning`], starting at 2/s), and the summary gives the rates learnt.
//!   `--no-retry-after`: the world's 429s carry no `Retry-After`. `--budget-dir DIR` keeps
//!   the budgets (learnt rates, long quotas) in a `DiskCache` in DIR, so that the next run
//!   with the same DIR starts at the rates this one learnt (the world then serves RDAP on
//!   127.0.0.1:47613, so that its servers keep their keys between runs).
//!
//! * `--real-limits` (with `--world`): each service keeps the published limit of the server
//!   it stands for (RIPE NCC 1,000 personal objects per 24 h, LACNIC 10 per minute, the
//!   others as in the library's politeness table), the addresses follow a piracy operation's
//!   mix (`RirMix::piracy`: 45 % RIPE, 15 % LACNIC), and the quota-free sources (an Abusix
//!   zone and a RIPEstat endpoint agreeing with RDAP) are served and used. A day cannot be
//!   waited out, so the run is counted (see `real_limits.rs`): the summary gives requests and
//!   429s per server, the estimated wall time under the real limits, and the share of records
//!   with an abuse contact for every address. `--rdap-only` turns the quota-free sources off
//!   (the contrast); `--real-time` paces every server for real. `--cache-dir DIR` keeps the
//!   responses and budgets in a `DiskCache` in DIR (the world then serves on a fixed port),
//!   so a second run shows what the persistent cache saves. `--port P` serves the world's
//!   RDAP on P instead of 47613 with `--cache-dir` or `--budget-dir`.
//!
//! `--faults` takes 0 to 111 (nine kinds, at most 1,000 per mille in all).
//!
//! `--break-world` is a self-check of the `--max-ratio` gate, never a measurement: it breaks
//! the generated world on purpose so that one check must fail. `--break-world SERVICE` (a
//! service answering domains: a registry or a registrar) answers the first request for each
//! domain at SERVICE with a 503; the client's retry is answered, so every record stays whole
//! and SERVICE alone sees about twice its minimum (the per-service check fails).
//! `--break-world contacts` takes every abuse contact out of the world's RDAP answers (the
//! world-guarantees check fails).
//!
//! Exit codes: 0 done (also `--help`), 1 a `--max-ratio` check failed, 2 bad arguments or
//! an I/O error (the message names the path), 130 interrupted.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod real_limits;

use std::collections::BTreeMap;
use std::error::Error;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hickory_proto::rr::{Name, RecordType};
use indicatif::{ProgressBar, ProgressStyle};
use whohosts::{
    Client, CompletedInputs, DEFAULT_MAX_LINE, DiskCache, InputLine, InputLines, JsonlSink,
    LocalBudget, Politeness, RecordSink, ServerPolicy,
};
use whohosts_testing::{Fault, FaultKind, FaultMix, FaultVerdict, GeneratedWorld, RirMix, World};

// Bulk runs allocate and free many small buffers from every worker thread at once; glibc's
// allocator spends a quarter of the run's CPU on that (measured with perf), mimalloc far less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Output buffer: a record is ~8 KB, so the default 8 KiB buffer wrote about once per record.
const OUTPUT_BUFFER: usize = 256 * 1024;

const USAGE: &str = "usage: bulk [INPUT|-] [-o OUT.jsonl] [--resume] [--concurrency N] \
[--max-waiting N] [--max-line BYTES] [--quiet] \
[--world N [--inputs COUNT] [--seed S] [--latency-ms L] [--rate-limit SPEC] [--max-ratio R] [--min-ratio R] \
[--summary-json PATH] [--capacity] [--request-log PATH] [--faults PER_MILLE] \
[--break-world SERVICE|contacts] [--hidden-limits] [--no-retry-after] [--budget-dir DIR] \
[--real-limits [--rdap-only|--real-time]] [--cache-dir DIR] [--port P]]";

/// The world's RDAP port with `--budget-dir`, so that a second run's servers have the keys
/// the first run's budgets were saved under.
const BUDGET_WORLD_PORT: u16 = 47_613;

/// One `--rate-limit` entry.
#[derive(Debug, Clone)]
struct Limit {
    service: String,
    requests: u32,
    period: Duration,
    burst: u32,
}

#[derive(Debug, Default)]
struct Args {
    input: Option<String>,
    output: Option<String>,
    resume: bool,
    concurrency: usize,
    max_waiting: Option<usize>,
    quiet: bool,
    world: Option<usize>,
    inputs: Option<usize>,
    seed: u64,
    latency: Option<Duration>,
    limits: Vec<Limit>,
    max_ratio: Option<f64>,
    min_ratio: Option<f64>,
    max_line: usize,
    summary_json: Option<String>,
    capacity: bool,
    request_log: Option<String>,
    faults: Option<u32>,
    break_world: Option<String>,
    hidden_limits: bool,
    no_retry_after: bool,
    budget_dir: Option<String>,
    real_limits: bool,
    rdap_only: bool,
    real_time: bool,
    cache_dir: Option<String>,
    port: Option<u16>,
}

/// What the arguments ask for.
enum Parsed {
    Run(Box<Args>),
    Help,
}

/// The arguments as UTF-8, or a message naming the first that is not.
fn utf8_args() -> Result<Vec<String>, String> {
    std::env::args_os()
        .skip(1)
        .map(|arg| arg.into_string().map_err(|arg| format!("argument {arg:?} is not valid UTF-8")))
        .collect()
}

fn parse_args() -> Result<Parsed, String> {
    let mut args = Args { concurrency: 64, seed: 1, max_line: DEFAULT_MAX_LINE, ..Args::default() };
    let mut it = utf8_args()?.into_iter();
    let value = |it: &mut dyn Iterator<Item = String>, flag: &str| {
        it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
    };
    let number = |text: String, flag: &str| {
        text.parse::<u64>().map_err(|_| format!("{flag}: not a number: {text}"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-o" | "--output" => args.output = Some(value(&mut it, "-o")?),
            "--resume" => args.resume = true,
            "--quiet" => args.quiet = true,
            "--concurrency" => {
                args.concurrency = number(value(&mut it, &arg)?, &arg)? as usize;
            }
            "--max-waiting" => {
                args.max_waiting = Some(number(value(&mut it, &arg)?, &arg)? as usize);
            }
            "--world" => args.world = Some(number(value(&mut it, &arg)?, &arg)? as usize),
            "--inputs" => args.inputs = Some(number(value(&mut it, &arg)?, &arg)? as usize),
            "--seed" => args.seed = number(value(&mut it, &arg)?, &arg)?,
            "--latency-ms" => {
                args.latency = Some(Duration::from_millis(number(value(&mut it, &arg)?, &arg)?));
            }
            "--rate-limit" => args.limits = parse_limits(&value(&mut it, &arg)?)?,
            "--max-ratio" => {
                let text = value(&mut it, &arg)?;
                args.max_ratio =
                    Some(text.parse().map_err(|_| format!("--max-ratio: not a number: {text}"))?);
            }
            "--min-ratio" => {
                let text = value(&mut it, &arg)?;
                args.min_ratio =
                    Some(text.parse().map_err(|_| format!("--min-ratio: not a number: {text}"))?);
            }
            "--max-line" => {
                let text = value(&mut it, &arg)?;
                args.max_line = match number(text.clone(), &arg)? {
                    0 => return Err(format!("--max-line: must be at least 1, got {text}")),
                    n => usize::try_from(n).unwrap_or(usize::MAX),
                };
            }
            "--summary-json" => args.summary_json = Some(value(&mut it, &arg)?),
            "--capacity" => args.capacity = true,
            "--request-log" => args.request_log = Some(value(&mut it, &arg)?),
            "--faults" => {
                let text = value(&mut it, &arg)?;
                let rate = number(text.clone(), &arg)?;
                if rate > 111 {
                    return Err(format!(
                        "--faults: {text} per mille of each of nine kinds exceeds 1,000; at most 111"
                    ));
                }
                args.faults = Some(u32::try_from(rate).unwrap_or(111));
            }
            "--break-world" => args.break_world = Some(value(&mut it, &arg)?),
            "--hidden-limits" => args.hidden_limits = true,
            "--no-retry-after" => args.no_retry_after = true,
            "--budget-dir" => args.budget_dir = Some(value(&mut it, &arg)?),
            "--real-limits" => args.real_limits = true,
            "--rdap-only" => args.rdap_only = true,
            "--real-time" => args.real_time = true,
            "--cache-dir" => args.cache_dir = Some(value(&mut it, &arg)?),
            "--port" => {
                let text = value(&mut it, &arg)?;
                args.port = Some(text.parse().map_err(|_| format!("--port: not a port: {text}"))?);
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}\n{USAGE}")),
            _ if args.input.is_none() => args.input = Some(arg),
            _ => return Err(format!("more than one INPUT\n{USAGE}")),
        }
    }
    if args.resume && args.output.is_none() {
        return Err("--resume needs -o OUT.jsonl".to_owned());
    }
    let world_only = args.inputs.is_some()
        || args.latency.is_some()
        || !args.limits.is_empty()
        || args.max_ratio.is_some()
        || args.min_ratio.is_some()
        || args.capacity
        || args.request_log.is_some()
        || args.faults.is_some()
        || args.break_world.is_some()
        || args.hidden_limits
        || args.no_retry_after
        || args.real_limits
        || args.cache_dir.is_some();
    if world_only && args.world.is_none() {
        return Err(format!(
            "--inputs, --latency-ms, --rate-limit, --max-ratio, --min-ratio, --capacity, \
             --request-log, --faults, --break-world, --hidden-limits, --no-retry-after, \
             --real-limits and --cache-dir need --world\n{USAGE}"
        ));
    }
    if (args.rdap_only || args.real_time) && !args.real_limits {
        return Err(format!("--rdap-only and --real-time need --real-limits\n{USAGE}"));
    }
    if args.rdap_only && args.real_time {
        return Err(format!("--rdap-only cannot run in real time (it takes days)\n{USAGE}"));
    }
    if args.real_limits && !args.limits.is_empty() {
        return Err(format!("--real-limits sets the limits: no --rate-limit with it\n{USAGE}"));
    }
    if args.cache_dir.is_some() && args.budget_dir.is_some() {
        return Err(format!("--cache-dir keeps the budgets too: not with --budget-dir\n{USAGE}"));
    }
    if (args.hidden_limits || args.no_retry_after) && args.limits.is_empty() {
        return Err(format!("--hidden-limits and --no-retry-after need --rate-limit\n{USAGE}"));
    }
    if args.max_ratio.is_some() && args.min_ratio.is_none() {
        args.min_ratio = Some(0.95);
    }
    Ok(Parsed::Run(Box::new(args)))
}

/// `lacnic=10/60s,ripe=100/1s:5` → limits.
fn parse_limits(spec: &str) -> Result<Vec<Limit>, String> {
    let bad = |part: &str| {
        format!("--rate-limit: expected SERVICE=REQUESTS/PERIOD[:BURST], got {part:?}")
    };
    let mut limits = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (service, rest) = part.split_once('=').ok_or_else(|| bad(part))?;
        let (rate, burst) = match rest.split_once(':') {
            Some((rate, burst)) => (rate, burst.parse().map_err(|_| bad(part))?),
            None => (rest, 1),
        };
        let (requests, period) = rate.split_once('/').ok_or_else(|| bad(part))?;
        let requests: u32 = requests.parse().map_err(|_| bad(part))?;
        let (digits, unit) =
            period.split_at(period.find(|c: char| !c.is_ascii_digit()).unwrap_or(period.len()));
        let amount: u64 =
            if digits.is_empty() { 1 } else { digits.parse().map_err(|_| bad(part))? };
        let period = match unit {
            "ms" => Duration::from_millis(amount),
            "s" | "" => Duration::from_secs(amount),
            "m" => Duration::from_secs(amount * 60),
            _ => return Err(bad(part)),
        };
        if requests == 0 || period.is_zero() {
            return Err(bad(part));
        }
        limits.push(Limit { service: service.to_owned(), requests, period, burst: burst.max(1) });
    }
    Ok(limits)
}

/// Drop a last line cut short by a crash, so appended lines start on a line of their own.
fn drop_partial_line(file: &mut File) -> io::Result<()> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(());
    }
    let mut text = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    io::Read::read_to_end(file, &mut text)?;
    let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    file.set_len(keep as u64)?;
    file.seek(SeekFrom::End(0))?;
    Ok(())
}

/// The lower bound the rate limits put on the wall time: for each limited service, the
/// requests it must answer beyond its burst, at its rate.
fn rate_limit_bound(generated: &GeneratedWorld, limits: &[Limit]) -> Option<Duration> {
    let mut bound = Duration::ZERO;
    for (service, &min) in generated.min_requests_per_service() {
        let Some(limit) = limits.iter().find(|l| l.service == *service || l.service == "all")
        else {
            continue;
        };
        let server_burst = u64::from(limit.burst) + 2;
        let paced = min.saturating_sub(server_burst) as f64;
        let seconds = paced * limit.period.as_secs_f64() / f64::from(limit.requests);
        bound = bound.max(Duration::from_secs_f64(seconds));
    }
    (!bound.is_zero()).then_some(bound)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bulk: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<ExitCode, Box<dyn Error>> {
    let args = match parse_args()? {
        Parsed::Run(args) => args,
        Parsed::Help => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
    };

    // The private-address tripwire, for --faults.
    let trap = match args.faults {
        Some(_) => Some(whohosts_testing::tripwire().await?),
        None => None,
    };
    // The world, if asked for.
    let mode = args.real_limits.then_some(if args.rdap_only {
        real_limits::Mode::RdapOnly
    } else if args.real_time {
        real_limits::Mode::RealTime
    } else {
        real_limits::Mode::Counted
    });
    let generated = args.world.map(|n| {
        let faults = match (args.faults, &trap) {
            (Some(rate), Some((addr, _))) => FaultMix::every_kind(rate, Some(*addr)),
            _ => FaultMix::default(),
        };
        match mode {
            Some(mode) => World::generated_shaped(n, args.seed, &faults, &RirMix::piracy())
                .with_quota_free(mode != real_limits::Mode::RdapOnly),
            None => World::generated_with_faults(n, args.seed, &faults),
        }
    });
    let world = match &generated {
        None => None,
        Some(generated) => {
            let mut builder = generated.builder();
            match args.break_world.as_deref() {
                None => {}
                Some("contacts") => builder = builder.edit_objects(|_, json| without_abuse(json)),
                Some(service) if generated.min_requests_per_service().contains_key(service) => {
                    for domain in generated.domains() {
                        let path = format!("domain/{domain}");
                        builder = builder.fault(service, &path, Fault::Status(503), Some(1));
                    }
                }
                Some(other) => {
                    return Err(format!(
                        "--break-world: {other} is neither a service of the world nor contacts"
                    )
                    .into());
                }
            }
            if args.no_retry_after {
                builder = builder.rate_limit_without_retry_after();
            }
            // Budgets and responses kept between runs are keyed by server URL: the same port
            // every run.
            if args.budget_dir.is_some() || args.cache_dir.is_some() {
                builder = builder.rdap_port(args.port.unwrap_or(BUDGET_WORLD_PORT));
            }
            if let Some(mode) = mode {
                builder = real_limits::limit_world(builder, generated, mode);
            }
            for service in generated.min_requests_per_service().keys() {
                if let Some(latency) = args.latency {
                    builder = builder.fault(service, "", Fault::Latency(latency), None);
                }
                if let Some(limit) =
                    args.limits.iter().find(|l| l.service == *service || l.service == "all")
                {
                    builder =
                        builder.rate_limit(service, limit.requests, limit.period, limit.burst + 2);
                }
            }
            Some(builder.start().await?)
        }
    };

    // The client.
    let mut builder = match (&world, mode) {
        (Some(world), Some(mode)) if mode != real_limits::Mode::RdapOnly => {
            world.quota_free_client_builder()
        }
        (Some(world), _) => world.client_builder(),
        (None, _) => Client::builder(),
    };
    if let (Some(world), Some(generated), Some(mode)) = (&world, &generated, mode) {
        for (url, policy) in real_limits::client_policies(world, generated, mode) {
            builder = builder.server_policy(&url, policy);
        }
    }
    builder = builder.bulk_concurrency(args.concurrency);
    if let Some(waiting) = args.max_waiting {
        builder = builder.bulk_max_waiting(waiting);
    }
    if trap.is_some() {
        builder = builder.allow_net("127.0.0.1/32".parse()?);
    }
    if let (Some(world), Some(generated)) = (&world, &generated) {
        for service in generated.min_requests_per_service().keys() {
            if let Some(limit) =
                args.limits.iter().find(|l| l.service == *service || l.service == "all")
            {
                // Told the limit, or (--hidden-limits) left to learn it from the 429s, as
                // with a server that publishes none.
                let policy = if args.hidden_limits {
                    ServerPolicy::learning(2, 0, 16)
                } else {
                    ServerPolicy::new(limit.requests, limit.period, limit.burst, 16)
                };
                builder = builder.server_policy(&world.service_url(service), policy);
            }
        }
    }
    // Learnt rates (and long quotas) kept between runs, in a DiskCache holding only them.
    let politeness = Politeness::unlimited(64);
    let budget = match &args.budget_dir {
        Some(dir) => {
            let store =
                Arc::new(DiskCache::open(dir).map_err(|e| format!("--budget-dir {dir}: {e}"))?);
            Some(Arc::new(LocalBudget::with_store(&politeness, store)))
        }
        None if args.hidden_limits => Some(Arc::new(LocalBudget::new(&politeness))),
        None => None,
    };
    if let Some(budget) = &budget {
        builder = builder.rate_budget(budget.clone());
    }
    // Responses and quotas kept between runs, as the command keeps them.
    if let Some(dir) = &args.cache_dir {
        let cache = DiskCache::open(dir).map_err(|e| format!("--cache-dir {dir}: {e}"))?;
        builder = builder.disk_cache(Arc::new(cache));
    }
    let client = builder.build()?;

    // Inputs, and what is already done.
    let out_name = args.output.clone().unwrap_or_else(|| "stdout".to_owned());
    let named = |what: &'static str, path: &str| {
        let path = path.to_owned();
        move |e: io::Error| format!("{what} {path}: {e}")
    };
    let mut done = CompletedInputs::default();
    let mut output: Box<dyn Write + Send> = match &args.output {
        None => Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout())),
        Some(path) => {
            if args.resume && std::path::Path::new(path).exists() {
                let mut file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(named("opening", path))?;
                drop_partial_line(&mut file).map_err(named("reading", path))?;
                done = whohosts::completed_inputs(BufReader::new(
                    File::open(path).map_err(named("opening", path))?,
                ))
                .map_err(named("reading", path))?;
                Box::new(BufWriter::with_capacity(
                    OUTPUT_BUFFER,
                    OpenOptions::new().append(true).open(path).map_err(named("opening", path))?,
                ))
            } else {
                Box::new(BufWriter::with_capacity(
                    OUTPUT_BUFFER,
                    File::create(path).map_err(named("creating", path))?,
                ))
            }
        }
    };
    // One pass over the input: its size in bytes is the progress total for a file.
    type Lines = Box<dyn Iterator<Item = io::Result<InputLine>> + Send>;
    let (lines_in, in_name, total, bytes, expected): (Lines, String, Option<u64>, _, Option<u64>) =
        match (&args.input, &generated) {
            (Some(path), _) if path != "-" => {
                let meta = std::fs::metadata(path).map_err(named("opening", path))?;
                if meta.is_dir() {
                    return Err(format!("INPUT {path} is a directory").into());
                }
                let file = File::open(path).map_err(named("opening", path))?;
                let reader = InputLines::new(BufReader::new(file), args.max_line);
                let bytes = Some(reader.bytes_read());
                let total = meta.is_file().then_some(meta.len());
                (Box::new(reader), path.clone(), total, bytes, None)
            }
            (None, Some(generated)) => {
                let count = args.inputs.unwrap_or(generated.domains().len());
                let lines = generated
                    .inputs(count)
                    .enumerate()
                    .map(|(i, text)| Ok(InputLine::Query { line: i as u64 + 1, text }));
                (
                    Box::new(lines),
                    "the generated inputs".to_owned(),
                    Some(count as u64),
                    None,
                    Some(count as u64),
                )
            }
            _ => {
                let reader = InputLines::new(BufReader::new(io::stdin()), args.max_line);
                let bytes = Some(reader.bytes_read());
                (Box::new(reader), "stdin".to_owned(), None, bytes, None)
            }
        };
    // Lines already answered are skipped (once per output line); invalid lines go to the
    // writer beside the lookups, through a bounded channel, so none is held in bulk.
    let skipped = Arc::new(AtomicU64::new(0));
    let read_error: Arc<std::sync::Mutex<Option<io::Error>>> = Arc::default();
    let (invalid_tx, mut invalid_rx) = tokio::sync::mpsc::channel::<(u64, String, String)>(256);
    let inputs = futures_util::stream::unfold(
        (lines_in, done, invalid_tx, Arc::clone(&read_error), Arc::clone(&skipped)),
        |(mut lines, mut done, tx, error, skipped)| async move {
            loop {
                match lines.next()? {
                    Err(e) => {
                        if let Ok(mut slot) = error.lock() {
                            *slot = Some(e);
                        }
                        return None;
                    }
                    Ok(InputLine::Query { text, .. }) | Ok(InputLine::Invalid { text, .. })
                        if done.take(&text) =>
                    {
                        skipped.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(InputLine::Query { text, .. }) => {
                        let text: String = text;
                        return Some((text, (lines, done, tx, error, skipped)));
                    }
                    Ok(InputLine::Invalid { line, text, problem }) => {
                        tx.send((line, text, problem.to_string())).await.ok()?;
                    }
                }
            }
        },
    );

    let progress = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = match total {
            Some(total) => ProgressBar::new(total),
            None => ProgressBar::no_length(),
        };
        let template = if bytes.is_some() {
            "{elapsed_precise} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}"
        } else {
            "{elapsed_precise} [{bar:40}] {pos}/{len} {per_sec} ETA {eta} {msg}"
        };
        bar.set_style(ProgressStyle::with_template(template)?.progress_chars("=> "));
        bar
    };
    let advance = |progress: &ProgressBar| match &bytes {
        Some(bytes) => progress.set_position(bytes.load(Ordering::Relaxed)),
        None => progress.inc(1),
    };

    // Look everything up, writing lines as results come.
    let write_error = named("writing", &out_name);
    let started = Instant::now();
    let mut lines = 0u64;
    let mut records = 0u64;
    let mut with_errors = 0u64;
    let mut no_record = 0u64;
    let mut invalid = 0u64;
    let mut world_misses: Vec<String> = Vec::new();
    let mut verdicts: BTreeMap<(FaultKind, FaultVerdict), u64> = BTreeMap::new();
    let mut coverage = real_limits::Coverage::default();
    let mut interrupted = false;
    let write_invalid = |output: &mut Box<dyn Write + Send>,
                         (line, text, problem): (u64, String, String)| {
        // Fields in the order of every other line: input first.
        let input = serde_json::to_string(&text).map_err(io::Error::from)?;
        let message =
            serde_json::to_string(&format!("line {line}: {problem}")).map_err(io::Error::from)?;
        writeln!(
            output,
            r#"{{"input":{input},"line":{line},"error":{{"kind":"input","message":{message}}}}}"#
        )
    };
    {
        let mut results = std::pin::pin!(client.lookup_stream(inputs));
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        let mut invalid_open = true;
        loop {
            tokio::select! {
                item = results.next() => {
                    let Some((input, result)) = item else { break };
                    JsonlSink::new(&mut output).write(&input, &result).map_err(&write_error)?;
                    lines += 1;
                    if let (Some(world), Some(generated), true) =
                        (&world, &generated, trap.is_some())
                        && let Some(verdict) = generated.verdict(world, &input, &result)
                    {
                        *verdicts.entry(verdict).or_default() += 1;
                    }
                    match &result {
                        Ok(record) => {
                            records += 1;
                            coverage.add(record);
                            if !record.errors.is_empty() {
                                with_errors += 1;
                            }
                            if generated.is_some() && trap.is_none() && args.max_ratio.is_some() {
                                world_misses.extend(world_guarantees(&input, record));
                            }
                        }
                        Err(_) => no_record += 1,
                    }
                    advance(&progress);
                }
                bad = invalid_rx.recv(), if invalid_open => {
                    match bad {
                        Some(bad) => {
                            write_invalid(&mut output, bad).map_err(&write_error)?;
                            lines += 1;
                            invalid += 1;
                            advance(&progress);
                        }
                        None => invalid_open = false,
                    }
                }
                _ = &mut ctrl_c => {
                    interrupted = true;
                    break;
                }
            }
        }
        while let Ok(bad) = invalid_rx.try_recv() {
            write_invalid(&mut output, bad).map_err(&write_error)?;
            lines += 1;
            invalid += 1;
        }
    }
    output.flush().map_err(&write_error)?;
    drop(output);
    progress.finish_and_clear();
    let wall = started.elapsed();
    let skipped = skipped.load(Ordering::Relaxed);
    let read_error = read_error.lock().ok().and_then(|mut slot| slot.take());
    if let Some(e) = read_error {
        eprintln!("bulk: reading {in_name}: {e} ({lines} lines written to {out_name})");
        return Ok(ExitCode::from(2));
    }

    // The summary.
    let stats = client.stats();
    let secs = wall.as_secs_f64().max(1e-9);
    eprintln!("inputs               {}", lines + skipped);
    if skipped > 0 {
        eprintln!("  skipped (resumed)  {skipped}");
    }
    eprintln!("records              {records}");
    eprintln!("  with errors        {with_errors}");
    eprintln!("no record (errors)   {no_record}");
    eprintln!("invalid lines        {invalid}");
    eprintln!("wall time            {:.2} s", wall.as_secs_f64());
    eprintln!("lookups/s            {:.1}", lines as f64 / secs);
    eprintln!("requests             {} ({:.1}/s)", stats.requests, stats.requests as f64 / secs);
    for (server, n) in &stats.requests_per_server {
        eprintln!("  {server:<40} {n}");
    }
    eprintln!("cache hits           {}", stats.cache_hits);
    eprintln!("  registration       {}", stats.registration_hits);
    eprintln!("  network            {}", stats.network_hits);
    eprintln!("  asn                {}", stats.asn_hits);
    eprintln!("coalesced            {}", stats.coalesced);
    eprintln!("  released unanswered {}", stats.joins_released);
    eprintln!("retries              {}", stats.retries);
    eprintln!(
        "429s                 {} ({:.2} % of requests)",
        stats.rate_limited,
        100.0 * stats.rate_limited as f64 / stats.requests.max(1) as f64
    );
    eprintln!("circuit-open fails   {}", stats.circuit_open);
    eprintln!("slots lent (queued)  {}", stats.slots_lent);
    if let Some(abuse) = stats.abuse_summary() {
        eprintln!("{abuse}");
    }
    let ms = |d: Option<Duration>| {
        d.map_or("-".to_owned(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3))
    };
    eprintln!("lookup p50 / p95     {} / {}", ms(stats.lookup_p50), ms(stats.lookup_p95));

    let mut failed = false;
    let mut summary = BTreeMap::new();
    summary.insert("inputs", serde_json::json!(lines + skipped));
    summary.insert("output_lines", serde_json::json!(lines));
    summary.insert("records", serde_json::json!(records));
    summary.insert("records_with_errors", serde_json::json!(with_errors));
    summary.insert("skipped_resumed", serde_json::json!(skipped));
    summary.insert("invalid_lines", serde_json::json!(invalid));
    summary.insert("wall_seconds", serde_json::json!(wall.as_secs_f64()));
    summary.insert("lookups_per_second", serde_json::json!(lines as f64 / secs));
    summary.insert("stats", serde_json::to_value(&stats)?);
    if let (Some(world), Some(generated)) = (&world, &generated) {
        let sent = world.total_requests();
        let min = generated.min_requests();
        let ratio = sent as f64 / min.max(1) as f64;
        eprintln!("world requests       {sent} (minimum {min}; ratio {ratio:.3})");
        for (service, &need) in generated.min_requests_per_service() {
            eprintln!("  {service:<22} {:>7} (minimum {need})", world.requests(service));
        }
        summary.insert("world_requests", serde_json::json!(sent));
        summary.insert("min_requests", serde_json::json!(min));
        summary.insert("request_ratio", serde_json::json!(ratio));
        if let (Some(budget), true) = (&budget, args.hidden_limits) {
            let mut learnt = BTreeMap::new();
            for service in generated.min_requests_per_service().keys() {
                if let Some(rate) = budget.learnt_rate(&world.service_url(service)) {
                    eprintln!("  learnt rate {service:<22} {rate:.1}/s");
                    learnt.insert(service.clone(), rate);
                }
            }
            summary.insert("learnt_rates", serde_json::json!(learnt));
        }
        if let Some(mode) = mode {
            let figures = real_limits::report(world, generated, mode, &stats, wall, &coverage);
            summary.insert("real_limits", figures);
        }
        if let Some(bound) = rate_limit_bound(generated, &args.limits) {
            let over = wall.as_secs_f64() / bound.as_secs_f64();
            eprintln!("rate-limit bound     {:.2} s (wall ÷ bound {over:.3})", bound.as_secs_f64());
            summary.insert("rate_limit_bound_seconds", serde_json::json!(bound.as_secs_f64()));
            summary.insert("wall_over_bound", serde_json::json!(over));
        }
        if let Some(path) = &args.request_log {
            let mut log = BufWriter::new(File::create(path)?);
            for r in world.request_log() {
                writeln!(log, "{}\t{}\t{}", r.service, r.path, r.status)?;
            }
            log.flush()?;
        }
        if args.capacity {
            let (http_secs, capacity) = measure_capacity(world, args.concurrency).await?;
            let share = (stats.requests as f64 / secs) / capacity;
            eprintln!(
                "world capacity       {capacity:.0} requests/s (this run used {share:.3} of it)"
            );
            // The run's questions, taken before the replays below add to the world's count.
            let asked = world.dns_questions();
            let (questions, dns_secs) = measure_dns(world, &asked, args.concurrency).await?;
            let floor = http_secs + dns_secs;
            let best = http_secs / floor.max(1e-9);
            eprintln!(
                "I/O floor            {floor:.2} s: {questions} DNS questions replayed in \
                 {dns_secs:.2} s + the requests in {http_secs:.2} s (a client doing nothing \
                 else would use {best:.3} of the capacity; this run took {:.2}× the floor)",
                wall.as_secs_f64() / floor.max(1e-9)
            );
            let raw_secs = measure_dns_raw(world, &asked, args.concurrency).await?;
            eprintln!(
                "  DNS without hickory-resolver: the same questions as bare messages over \
                 {} UDP sockets in {raw_secs:.2} s (floor {:.2} s, share {:.3})",
                args.concurrency.max(1),
                http_secs + raw_secs,
                http_secs / (http_secs + raw_secs).max(1e-9)
            );
            summary.insert("world_capacity_rps", serde_json::json!(capacity));
            summary.insert("capacity_share", serde_json::json!(share));
            summary.insert(
                "io_floor",
                serde_json::json!({
                    "dns_questions": questions, "dns_seconds": dns_secs,
                    "http_seconds": http_secs, "seconds": floor, "capacity_share": best,
                    "bare_dns_seconds": raw_secs,
                }),
            );
        }
        if let Some((_, hits)) = &trap {
            failed |= fault_summary(generated, &verdicts, hits, &mut summary);
            let expected = expected.unwrap_or(lines).saturating_sub(skipped);
            if lines != expected && !interrupted {
                eprintln!("FAIL: {lines} output lines for {expected} inputs");
                failed = true;
            }
        }
        if let Some(max) = args.max_ratio {
            let expected = expected.unwrap_or(lines).saturating_sub(skipped);
            if lines != expected {
                eprintln!("FAIL: {lines} output lines for {expected} inputs");
                failed = true;
            }
            let min_ratio = args.min_ratio.unwrap_or(0.0);
            if ratio > max || ratio < min_ratio {
                eprintln!("FAIL: request ratio {ratio:.3} outside [{min_ratio}, {max}]");
                failed = true;
            }
            for (service, &need) in generated.min_requests_per_service() {
                let got = world.requests(service);
                let ratio = got as f64 / need.max(1) as f64;
                if (need > 0 || got > 0) && (ratio > max || ratio < min_ratio) {
                    eprintln!(
                        "FAIL: {service}: {got} requests for a minimum of {need} (ratio {ratio:.3} \
                         outside [{min_ratio}, {max}])"
                    );
                    failed = true;
                }
            }
            if !world_misses.is_empty() {
                eprintln!(
                    "FAIL: {} records miss what the world guarantees, e.g. {}",
                    world_misses.len(),
                    world_misses.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
                );
                failed = true;
            }
            summary.insert("world_guarantee_misses", serde_json::json!(world_misses.len()));
        }
    }
    if let Some(path) = &args.summary_json {
        std::fs::write(path, serde_json::to_string_pretty(&summary)?)?;
    }
    if interrupted {
        eprintln!("interrupted: output flushed; rerun with --resume to continue");
        return Ok(ExitCode::from(130));
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// What a generated world without faults guarantees for `record`, as the misses: a
/// registered domain has its registrar (CZ.NIC's answers name none, but hold the entity),
/// every address its network and an abuse contact.
fn world_guarantees(input: &str, record: &whohosts::HostingRecord) -> Vec<String> {
    let mut misses = Vec::new();
    if record.domain.is_some() && record.registrar.is_none() {
        misses.push(format!("{input}: no registrar"));
    }
    for address in &record.addresses {
        if address.network.is_none() {
            misses.push(format!("{input}: {} has no network", address.ip));
        }
        if address.abuse.is_empty() {
            misses.push(format!("{input}: {} has no abuse contact", address.ip));
        }
    }
    misses
}

/// `json` (an RDAP answer) with every abuse contact taken out, for `--break-world contacts`:
/// `abuse` leaves every entity's roles, and an entity left with no role goes. Text that is
/// not JSON is kept as it is.
fn without_abuse(json: &str) -> String {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(object) => {
                if let Some(serde_json::Value::Array(entities)) = object.get_mut("entities") {
                    for entity in entities.iter_mut() {
                        if let Some(serde_json::Value::Array(roles)) = entity.get_mut("roles") {
                            roles.retain(|role| role.as_str() != Some("abuse"));
                        }
                    }
                    entities.retain(|entity| {
                        entity.get("roles").and_then(|r| r.as_array()).is_none_or(|r| !r.is_empty())
                    });
                }
                object.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(mut value) => {
            strip(&mut value);
            value.to_string()
        }
        Err(_) => json.to_owned(),
    }
}

/// Print the fault figures (injected by kind, cured, reported, lost, private connections)
/// and add them to `summary`; true when the run failed them.
fn fault_summary(
    generated: &GeneratedWorld,
    verdicts: &BTreeMap<(FaultKind, FaultVerdict), u64>,
    hits: &AtomicUsize,
    summary: &mut BTreeMap<&str, serde_json::Value>,
) -> bool {
    let count = |kind: FaultKind, verdict: FaultVerdict| {
        verdicts.get(&(kind, verdict)).copied().unwrap_or(0)
    };
    let mut by_kind = serde_json::Map::new();
    let (mut injected, mut cured, mut reported, mut lost, mut uncured) = (0, 0, 0, 0, 0);
    eprintln!("faults injected      {}", generated.injected().len());
    eprintln!("  kind               injected  cured reported  lost");
    for kind in FaultKind::ALL {
        let n = generated.injected().values().filter(|f| f.kind == kind).count() as u64;
        let (c, r, l) = (
            count(kind, FaultVerdict::Cured),
            count(kind, FaultVerdict::Reported),
            count(kind, FaultVerdict::Lost),
        );
        // A fault whose input was never looked up (interrupted) is not counted as lost.
        eprintln!("  {:<18} {n:>8} {c:>6} {r:>8} {l:>5}", kind.name());
        injected += n;
        cured += c;
        reported += r;
        lost += l;
        if kind.curable() {
            uncured += r + l;
        }
        by_kind.insert(
            kind.name().to_owned(),
            serde_json::json!({ "injected": n, "cured": c, "reported": r, "lost": l }),
        );
    }
    let private = hits.load(Ordering::SeqCst);
    eprintln!("cured                {cured}");
    eprintln!("reported             {reported}");
    eprintln!("lost                 {lost} (goal 0)");
    eprintln!("curable not cured    {uncured} (goal 0)");
    eprintln!("private connections  {private} (goal 0)");
    summary.insert(
        "faults",
        serde_json::json!({
            "injected": injected, "cured": cured, "reported": reported, "lost": lost,
            "curable_not_cured": uncured, "private_connections": private, "by_kind": by_kind,
        }),
    );
    let failed = lost > 0 || uncured > 0 || private > 0;
    if failed {
        eprintln!("FAIL: faults lost, curable faults not cured, or the private address reached");
    }
    failed
}

/// The world's own capacity: the requests it answered in this run, replayed with plain
/// `reqwest` at `concurrency` requests in flight: (seconds taken, requests per second).
async fn measure_capacity(world: &World, concurrency: usize) -> Result<(f64, f64), Box<dyn Error>> {
    let urls: Vec<String> = world
        .request_log()
        .iter()
        .map(|r| format!("{}{}", world.service_url(&r.service), r.path))
        .collect();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let sent = futures_util::stream::iter(urls)
        .map(|url| {
            let http = http.clone();
            async move {
                match http.get(url).send().await {
                    Ok(response) => response.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        })
        .buffer_unordered(concurrency.max(1))
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    let took = started.elapsed().as_secs_f64().max(1e-9);
    Ok((took, sent as f64 / took))
}

/// The questions `asked` (name, type, times) as one `(name, type)` per time asked.
fn questions(asked: &[(String, String, u64)]) -> Result<Vec<(Name, RecordType)>, Box<dyn Error>> {
    let mut out = Vec::new();
    for (name, rtype, times) in asked {
        let name = Name::from_ascii(format!("{name}."))?;
        let rtype: RecordType = rtype.parse()?;
        for _ in 0..*times {
            out.push((name.clone(), rtype));
        }
    }
    Ok(out)
}

/// What DNS costs without a resolver library: the questions the world answered in this run
/// sent as bare messages (hickory-proto's encoder) by `concurrency` workers, each over its
/// own connected UDP socket, one question at a time: seconds taken. A yardstick only (no
/// retries, no TCP fallback, no answer checks beyond the ID).
async fn measure_dns_raw(
    world: &World,
    asked: &[(String, String, u64)],
    concurrency: usize,
) -> Result<f64, Box<dyn Error>> {
    use hickory_proto::op::{Message, Query};
    let queue = Arc::new(std::sync::Mutex::new(questions(asked)?));
    let addr = world.dns_addr();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let queue = Arc::clone(&queue);
        workers.push(tokio::spawn(async move {
            let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
            socket.connect(addr).await?;
            let mut buf = vec![0u8; 65_535];
            loop {
                let next = queue.lock().map_err(|_| io::Error::other("poisoned"))?.pop();
                let Some((name, rtype)) = next else { return Ok::<(), io::Error>(()) };
                let mut message = Message::query();
                message.metadata.recursion_desired = true;
                message.add_query(Query::query(name, rtype));
                let id = message.metadata.id;
                socket.send(&message.to_vec().map_err(io::Error::other)?).await?;
                loop {
                    let len = socket.recv(&mut buf).await?;
                    let reply = Message::from_vec(buf.get(..len).unwrap_or_default());
                    if reply.is_ok_and(|r| r.metadata.id == id) {
                        break;
                    }
                }
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(started.elapsed().as_secs_f64().max(1e-9))
}

/// What DNS alone costs: every question the world's DNS server answered in this run, asked
/// again as often through a hickory resolver without a cache (UDP, the same server) at
/// `concurrency` questions in flight: (questions, seconds taken).
async fn measure_dns(
    world: &World,
    asked: &[(String, String, u64)],
    concurrency: usize,
) -> Result<(u64, f64), Box<dyn Error>> {
    use hickory_resolver::config::{NameServerConfig, ResolverConfig};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;

    let addr = world.dns_addr();
    let mut server = NameServerConfig::udp(addr.ip());
    for connection in &mut server.connections {
        connection.port = addr.port();
    }
    let mut builder = hickory_resolver::Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![server]),
        TokioRuntimeProvider::default(),
    );
    builder.options_mut().cache_size = 0;
    builder.options_mut().preserve_intermediates = true;
    let resolver = builder.build()?;
    let questions = questions(asked)?;
    let count = questions.len() as u64;
    let started = Instant::now();
    futures_util::stream::iter(questions)
        .map(|(name, rtype)| {
            let resolver = resolver.clone();
            async move { resolver.lookup(name, rtype).await.is_ok() }
        })
        .buffer_unordered(concurrency.max(1))
        .for_each(|_| std::future::ready(()))
        .await;
    Ok((count, started.elapsed().as_secs_f64().max(1e-9)))
}
