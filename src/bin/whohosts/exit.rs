//! Exit codes, and the failure that carries one with its message.

use std::fmt;
use std::process::ExitCode;

/// Records were produced (even records holding errors).
pub(crate) const OK: u8 = 0;
/// A `--fail-on` condition held.
pub(crate) const FAIL_ON: u8 = 1;
/// Bad usage: a bad flag, setting, query or file, named in the message.
pub(crate) const USAGE: u8 = 2;
/// `bulk --redis`: the Redis server could not be reached (for longer than `--redis-retry`
/// when working), named in the message.
pub(crate) const REDIS: u8 = 3;
/// Interrupted by Ctrl-C (128 + SIGINT, as shells report it).
pub(crate) const INTERRUPTED: u8 = 130;

/// Why the command stops early: a message for stderr and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The exit code.
    pub(crate) code: u8,
    /// What went wrong, naming the bad value or file.
    pub(crate) message: String,
}

impl Failure {
    /// Bad usage (exit 2).
    pub(crate) fn usage(message: String) -> Self {
        Self { code: USAGE, message }
    }

    /// An input or output file that cannot be used (exit 2, naming it).
    pub(crate) fn file(what: &str, path: &std::path::Path, error: std::io::Error) -> Self {
        Self { code: USAGE, message: format!("{what} {}: {error}", path.display()) }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// `code` as the process's exit code.
pub(crate) fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}
