//! The persistent cache as the command uses it: opened for `lookup` and `bulk` (a warning,
//! never a failure, when it cannot be), the rate budget kept in it, and
//! `whohosts cache stats|clear`.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use whohosts::{ClientBuilder, DiskCache, DiskCacheError, DiskCacheStats, LocalBudget, Politeness};

use crate::args::{CacheAction, CacheArgs};
use crate::exit::{self, Failure};
use crate::settings::Settings;

/// The kinds `cache clear --kind` takes: the kinds of entries, and `budgets`.
const KINDS: [&str; 9] =
    ["ip", "autnum", "domain", "entity", "nameserver", "other", "whois", "quota-free", "budgets"];

/// Write a warning on stderr.
fn warn(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "whohosts: warning: {message}");
}

/// The persistent cache for a lookup run, unless `--no-cache`. Never fails the run: a cache
/// another process holds, or one that cannot be created, is warned about and the run goes
/// on with the in-memory cache only; an unreadable file was moved aside and rebuilt (warned).
pub(crate) fn open_for_run(settings: &Settings) -> Option<Arc<DiskCache>> {
    if settings.no_cache() {
        return None;
    }
    let Some(dir) = settings.cache_dir() else {
        warn(
            "no cache directory on this platform (give --cache-dir); running without the persistent cache",
        );
        return None;
    };
    match DiskCache::open(dir) {
        Ok(cache) => {
            if let Some((aside, reason)) = cache.moved_aside() {
                warn(&format!(
                    "the cache file {} could not be read ({reason}); moved to {} and rebuilt empty",
                    cache.path().display(),
                    aside.display()
                ));
            }
            Some(Arc::new(cache))
        }
        Err(e @ DiskCacheError::InUse { .. }) => {
            warn(&format!(
                "{e}; running without the persistent cache (answers are asked again, and quotas \
                 this run spends are not kept)"
            ));
            None
        }
        Err(e) => {
            warn(&format!("{e}; running without the persistent cache"));
            None
        }
    }
}

/// Give `builder` the persistent cache (when there is one) and a budget that keeps hourly
/// and daily quotas in it; the budget is returned too, so that the bulk summary can say
/// when each spent budget refills.
pub(crate) fn with_cache(
    builder: ClientBuilder,
    disk: Option<Arc<DiskCache>>,
) -> (ClientBuilder, Arc<LocalBudget>) {
    // The command sets no breaker settings: the default table's are the client's.
    let politeness = Politeness::default();
    let budget = Arc::new(match &disk {
        Some(disk) => LocalBudget::with_store(&politeness, Arc::clone(disk) as _),
        None => LocalBudget::new(&politeness),
    });
    let builder = match disk {
        Some(disk) => builder.response_cache(disk),
        None => builder,
    };
    (builder.rate_budget(Arc::clone(&budget) as _), budget)
}

/// Run `whohosts cache stats|clear`: 0, or a failure (exit 2) when the cache cannot be
/// opened (in use by another process, no directory, `--no-cache`) or the kind is unknown.
pub(crate) fn run(args: &CacheArgs, settings: &Settings) -> Result<u8, Failure> {
    if settings.no_cache() {
        return Err(Failure::usage("--no-cache: no persistent cache to show or clear".to_owned()));
    }
    let dir = settings.cache_dir().ok_or_else(|| {
        Failure::usage("no cache directory on this platform: give --cache-dir".to_owned())
    })?;
    let cache = DiskCache::open(dir).map_err(|e| Failure::usage(e.to_string()))?;
    if let Some((aside, reason)) = cache.moved_aside() {
        warn(&format!(
            "the cache file {} could not be read ({reason}); moved to {} and rebuilt empty",
            cache.path().display(),
            aside.display()
        ));
    }
    let failed = |e: DiskCacheError| Failure::usage(e.to_string());
    let mut out = std::io::stdout().lock();
    let write_error = |e: std::io::Error| Failure::file("writing", Path::new("stdout"), e);
    match &args.action {
        CacheAction::Stats { json, .. } => {
            let stats = cache.stats().map_err(failed)?;
            if *json {
                let text = serde_json::to_string_pretty(&stats)
                    .map_err(|e| Failure::usage(e.to_string()))?;
                writeln!(out, "{text}").map_err(write_error)?;
            } else {
                write_stats(&mut out, &stats).map_err(write_error)?;
            }
        }
        CacheAction::Clear { kind, .. } => {
            let path = cache.path().display().to_string();
            match kind.as_deref().map(str::trim) {
                None => {
                    let dropped = cache.clear().map_err(failed)?;
                    let budgets = cache.stats().map_err(failed)?.budgets;
                    writeln!(
                        out,
                        "removed {dropped} entries from {path} ({budgets} rate budgets kept; \
                         --kind budgets removes them)"
                    )
                    .map_err(write_error)?;
                }
                Some("budgets") => {
                    let dropped = cache.clear_budgets().map_err(failed)?;
                    writeln!(out, "removed {dropped} rate budgets from {path}")
                        .map_err(write_error)?;
                }
                Some(kind) if KINDS.contains(&kind) => {
                    let dropped = cache.clear_kind(kind).map_err(failed)?;
                    writeln!(out, "removed {dropped} {kind} entries from {path}")
                        .map_err(write_error)?;
                }
                Some(kind) => {
                    return Err(Failure::usage(format!(
                        "--kind {kind}: not a kind (kinds: {})",
                        KINDS.join(", ")
                    )));
                }
            }
        }
    }
    out.flush().map_err(write_error)?;
    Ok(exit::OK)
}

/// `bytes` for a person: `512 B`, `12.3 KiB`, `256.0 MiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).unwrap_or(&"TiB"))
}

/// A wall-clock time as `2026-12-06 14:05:07 UTC`.
pub(crate) fn utc(time: SystemTime) -> String {
    jiff::Timestamp::try_from(time)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// The stats for a person.
fn write_stats(out: &mut dyn Write, stats: &DiskCacheStats) -> std::io::Result<()> {
    writeln!(out, "cache file   {}", stats.path.display())?;
    writeln!(out, "on disk      {}", size(stats.file_bytes))?;
    writeln!(out, "kept         {} of {} bound", size(stats.bytes), size(stats.max_bytes))?;
    writeln!(out, "entries      {} ({} expired)", stats.entries, stats.expired)?;
    for (kind, of_kind) in &stats.by_kind {
        writeln!(out, "  {kind:<12} {:>8}  {}", of_kind.entries, size(of_kind.bytes))?;
    }
    writeln!(out, "budgets      {} servers", stats.budgets)?;
    let at = |time: Option<SystemTime>| time.map_or_else(|| "-".to_owned(), utc);
    writeln!(out, "oldest       {}", at(stats.oldest))?;
    writeln!(out, "newest       {}", at(stats.newest))?;
    Ok(())
}
