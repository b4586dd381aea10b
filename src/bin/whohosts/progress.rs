//! Bulk progress on stderr: a one-line bar that fits 80 columns when stderr is a terminal
//! (done/total, rate, ETA, errors, lookups waiting on a rate-limited server), else the same
//! line logged every 10 s.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The widest status line, in characters.
pub(crate) const WIDTH: usize = 80;
/// How often a status line is logged when stderr is not a terminal.
pub(crate) const LOG_EVERY: Duration = Duration::from_secs(10);
/// How often the bar is redrawn.
pub(crate) const DRAW_EVERY: Duration = Duration::from_millis(500);

/// The figures a status line shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Figures {
    /// Input lines done: written this run, or skipped as already answered.
    pub(crate) done: u64,
    /// Input lines in all, when known (a regular file).
    pub(crate) total: Option<u64>,
    /// Lines written this run (the rate counts these).
    pub(crate) written: u64,
    /// Written lines with errors, or without a record.
    pub(crate) errors: u64,
    /// Requests waiting for their server's turn, per server.
    pub(crate) waiting: BTreeMap<String, u64>,
}

/// `1h02m`, `5m06s`, `42s`.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The status line for `figures` after `elapsed`, at most [`WIDTH`] characters:
/// `[==>       ] 120/500 12.5/s ETA 30s, 4 errors, 19 waiting on rdap.db.ripe.net`.
pub(crate) fn status_line(figures: &Figures, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { figures.written as f64 / secs } else { 0.0 };
    let mut line = match figures.total {
        Some(total) => {
            let total = total.max(figures.done);
            let filled = (figures.done * 10).checked_div(total).unwrap_or(10) as usize;
            let bar: String = (0..10)
                .map(|i| match i.cmp(&filled) {
                    std::cmp::Ordering::Less => '=',
                    std::cmp::Ordering::Equal => '>',
                    std::cmp::Ordering::Greater => ' ',
                })
                .collect();
            let eta = if rate > 0.0 {
                duration(Duration::from_secs_f64((total - figures.done) as f64 / rate))
            } else {
                "?".to_owned()
            };
            format!("[{bar}] {}/{total} {rate:.1}/s ETA {eta}", figures.done)
        }
        None => format!("{} done {rate:.1}/s", figures.done),
    };
    line.push_str(&format!(", {} errors", figures.errors));
    let waiting: u64 = figures.waiting.values().sum();
    if waiting > 0 {
        line.push_str(&format!(", {waiting} waiting"));
        // Name the server when one holds most of the wait.
        if let Some((server, n)) = figures.waiting.iter().max_by_key(|(_, n)| **n)
            && n * 2 > waiting
        {
            line.push_str(" on ");
            line.push_str(server);
        }
    }
    if line.chars().count() > WIDTH {
        line = line.chars().take(WIDTH - 1).collect();
        line.push('…');
    }
    line
}

/// Where progress goes.
#[derive(Debug)]
pub(crate) enum Progress {
    /// Nothing (`--quiet`).
    Off,
    /// A redrawn line on a terminal.
    Bar { bar: ProgressBar, started: Instant },
    /// A line every [`LOG_EVERY`].
    Log { started: Instant, last: Instant },
}

impl Progress {
    /// Progress for a run starting now: a bar when stderr is a terminal, else log lines.
    pub(crate) fn start(quiet: bool) -> Self {
        let now = Instant::now();
        if quiet {
            Progress::Off
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{msg}") {
                bar.set_style(style);
            }
            Progress::Bar { bar, started: now }
        } else {
            Progress::Log { started: now, last: now }
        }
    }

    /// How often [`show`](Self::show) should be called.
    pub(crate) fn every(&self) -> Duration {
        match self {
            Progress::Log { .. } => LOG_EVERY,
            _ => DRAW_EVERY,
        }
    }

    /// Show `figures` (a log line only when [`LOG_EVERY`] has passed since the last).
    #[allow(clippy::print_stderr)]
    pub(crate) fn show(&mut self, figures: &Figures) {
        match self {
            Progress::Off => {}
            Progress::Bar { bar, started } => {
                bar.set_message(status_line(figures, started.elapsed()))
            }
            Progress::Log { started, last } => {
                if last.elapsed() >= LOG_EVERY {
                    *last = Instant::now();
                    eprintln!("whohosts: {}", status_line(figures, started.elapsed()));
                }
            }
        }
    }

    /// Remove the bar before the summary.
    pub(crate) fn finish(&self) {
        if let Progress::Bar { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_fit_80_columns_and_name_a_dominant_waiting_server() {
        let mut figures = Figures {
            done: 120,
            total: Some(500),
            written: 100,
            errors: 4,
            waiting: BTreeMap::from([("rdap.db.ripe.net".to_owned(), 17), ("x".to_owned(), 2)]),
        };
        assert_eq!(
            status_line(&figures, Duration::from_secs(8)),
            "[==>       ] 120/500 12.5/s ETA 30s, 4 errors, 19 waiting on rdap.db.ripe.net"
        );
        figures.waiting.insert("y".to_owned(), 17);
        assert_eq!(
            status_line(&figures, Duration::from_secs(8)),
            "[==>       ] 120/500 12.5/s ETA 30s, 4 errors, 36 waiting"
        );
        figures.waiting =
            BTreeMap::from([("http://127.0.0.1:40000/a-very-long-service-name/".to_owned(), 3)]);
        figures.done = 123_456;
        figures.total = Some(1_000_000);
        figures.written = 123_456;
        let line = status_line(&figures, Duration::from_secs(3));
        assert_eq!(line.chars().count(), 80, "{line}");
        assert!(
            line.starts_with(
                "[=>        ] 123456/1000000 41152.0/s ETA 21s, 4 errors, 3 waiting on "
            )
        );
        figures.total = None;
        figures.waiting.clear();
        assert_eq!(status_line(&figures, Duration::ZERO), "123456 done 0.0/s, 4 errors");
    }
}
