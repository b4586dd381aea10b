//! `whohosts`, the command: who hosts a domain, URL or IP address, and whom to notify.
//!
//! ```text
//! whohosts lookup QUERY... [--json|--jsonl|--csv|--text]
//! whohosts bulk [INPUT|-] -o OUT [--format jsonl|csv] [--resume] [--retry-errors KIND,...] [--notices DIR]
//! whohosts bulk --redis URL --job NAME --enqueue FILE | --work [--exit-when-done] | --collect OUT | --status [--json]
//! whohosts config
//! whohosts cache stats [--json] | cache clear [--kind KIND]
//! whohosts refresh [--data-dir DIR] [--url SET=URL] [--asn-db-url URL] [--json]
//! whohosts notices RECORDS.jsonl -o DIR [--notice-type TYPE] [--template FILE] [--diff OLD_DIR]
//! ```
//!
//! # Layout
//!
//! * `args.rs`: the command line (clap derive) and its help texts;
//! * `settings.rs`: the client settings from flag, environment, config file or default,
//!   with where each came from, and the client builder;
//! * `cache.rs`: the persistent cache (opened for lookups, `cache stats|clear`);
//! * `lookup.rs`, `bulk.rs`: the two ways to look up; `output.rs`: bulk's output file,
//!   resume and retry; `progress.rs`: bulk's progress line; `distributed.rs`: one bulk job
//!   spread over workers through Redis (`bulk --redis`);
//! * `refresh.rs`: `whohosts refresh` and the data directory every command reads;
//! * `notices.rs`: `whohosts notices`, records to notice batches (no lookups, no client);
//! * `logging.rs`: `tracing` to stderr; `exit.rs`: exit codes.
//!
//! Stdout carries results only; messages, progress, summaries and logs go to stderr.

mod args;
mod bulk;
mod cache;
mod distributed;
mod exit;
mod logging;
mod lookup;
mod notices;
mod output;
mod progress;
mod refresh;
mod settings;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use args::Command;
use exit::Failure;
use settings::Settings;

// Bulk runs allocate and free many small buffers from every worker thread at once; glibc's
// allocator spent a quarter of the bulk example's CPU on that (perf), mimalloc far less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let parsed = match args::parse(argv.iter().cloned()) {
        Ok(parsed) => parsed,
        Err(e) => {
            // clap prints help and version on stdout (exit 0), usage errors on stderr (2).
            let _ = e.print();
            return exit::code(u8::try_from(e.exit_code()).unwrap_or(exit::USAGE));
        }
    };
    logging::init(parsed.cli.verbose);
    let code = match run(parsed, &argv) {
        Ok(code) => code,
        Err(failure) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "whohosts: {failure}");
            failure.code
        }
    };
    exit::code(code)
}

/// Resolve the settings, build the client and run the subcommand.
fn run(parsed: args::Parsed, argv: &[OsString]) -> Result<u8, Failure> {
    let from_flag = parsed.config_from_flag;
    if let Command::Notices(a) = &parsed.cli.command {
        // Records in, files out: no settings, no client.
        return notices::run(a);
    }
    let client_args = match &parsed.cli.command {
        Command::Lookup(a) => &a.client,
        Command::Bulk(a) => &a.client,
        Command::Config(a) => &a.client,
        Command::Cache(a) => a.client(),
        Command::Refresh(a) => &a.client,
        Command::Notices(_) => return Ok(exit::OK),
    };
    let settings = Settings::resolve(client_args, from_flag)?;
    if let Command::Config(_) = parsed.cli.command {
        let mut out = std::io::stdout().lock();
        return settings
            .print(&mut out)
            .and_then(|()| out.flush())
            .map(|()| exit::OK)
            .map_err(|e| Failure::file("writing", std::path::Path::new("stdout"), e));
    }
    if let Command::Cache(a) = &parsed.cli.command {
        return cache::run(a, &settings);
    }
    if let Command::Lookup(a) = &parsed.cli.command {
        // Check the queries before building the client.
        lookup::queries(&a.queries)?;
    }
    if let Command::Bulk(a) = &parsed.cli.command
        && let Some(redis) = distributed::job_redis(&a.distributed)?
    {
        return run_distributed(a, &redis, &settings);
    }
    let mut builder = settings.builder()?;
    let data_flag = match &parsed.cli.command {
        Command::Refresh(a) => a.data_dir.as_ref(),
        _ => None,
    };
    if let Some(dir) = refresh::data_dir(data_flag) {
        builder = builder.data_dir(dir);
    }
    if let Command::Bulk(a) = &parsed.cli.command {
        builder = builder.bulk_concurrency(a.concurrency as usize);
    }
    let (builder, budget) = cache::with_cache(builder, cache::open_for_run(&settings));
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure {
            code: exit::USAGE,
            message: format!("starting the runtime: {e}"),
        })?;
    runtime.block_on(async move {
        // Building the client reads the bootstrap and ASN files: their errors name them.
        let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
        match parsed.cli.command {
            Command::Lookup(a) => lookup::run(&a, client).await,
            Command::Bulk(a) => bulk::run(*a, client, &budget, argv).await,
            Command::Config(_) | Command::Cache(_) | Command::Notices(_) => Ok(exit::OK),
            Command::Refresh(a) => refresh::run(&a, client).await,
        }
    })
}

/// `bulk --redis`: a worker's client shares its cache and budgets through `redis` (no disk
/// cache, no per-process budget); the other steps need no client.
fn run_distributed(
    args: &args::BulkArgs,
    redis: &whohosts::Redis,
    settings: &Settings,
) -> Result<u8, Failure> {
    let builder = if args.distributed.work {
        let mut builder =
            settings.builder()?.redis(redis.clone()).bulk_concurrency(args.concurrency as usize);
        if let Some(dir) = refresh::data_dir(None) {
            builder = builder.data_dir(dir);
        }
        Some(builder)
    } else {
        None
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure {
            code: exit::USAGE,
            message: format!("starting the runtime: {e}"),
        })?;
    runtime.block_on(async move {
        let client = match builder {
            Some(builder) => Some(builder.build().map_err(|e| Failure::usage(e.to_string()))?),
            None => None,
        };
        distributed::run(args, redis, client).await
    })
}
