//! Logging: the library's `tracing` events and spans to stderr, filtered by `RUST_LOG` when
//! set, else by `-v` (info), `-vv` (debug) or `-vvv` (trace); errors only without either.
//! Coloured on a terminal only.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Install the stderr subscriber for `verbose` (the count of `-v`).
pub(crate) fn init(verbose: u8) {
    let from_env = std::env::var("RUST_LOG").ok().filter(|s| !s.trim().is_empty());
    let filter = match from_env.as_deref().map(EnvFilter::try_new) {
        Some(Ok(filter)) => filter,
        // A RUST_LOG that does not parse falls back to -v's level; say so once it is up.
        Some(Err(_)) | None => EnvFilter::new(match verbose {
            0 => "error",
            1 => "warn,whohosts=info",
            2 => "info,whohosts=debug",
            _ => "debug,whohosts=trace",
        }),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a terminal: a log file or a pipe gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(verbose >= 2)
        .init();
    if let Some(Err(e)) = from_env.as_deref().map(EnvFilter::try_new) {
        tracing::error!("RUST_LOG is not a valid filter ({e}); using -v's level");
    }
}
