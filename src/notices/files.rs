//! The tables of a grouping on disk: `batches.jsonl` (one batch per line),
//! `unresolved.jsonl` (one unresolved input per line), `summary.json` (the notice type and
//! the totals) and `batches.csv` (one row per batch and resource), and reading a directory
//! of them back for [`diff`](fn@super::diff). Cells of the CSV go through
//! [`csv_cell`](crate::text::csv_cell); the JSON stays exact.

use std::fs;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::batch::{Batch, Batches, Totals, Unresolved};
use crate::record::NoticeType;
use crate::text::csv_cell;

/// The columns of `batches.csv`, in order.
pub const BATCH_CSV_COLUMNS: &[&str] = &[
    "batch_id",
    "party",
    "party_name",
    "provider_id",
    "iana_id",
    "channel_kind",
    "channel",
    "resource",
    "subject",
    "reason",
    "escalate",
    "addresses",
    "networks",
    "asns",
    "countries",
    "contact_sources",
];

/// `summary.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Summary {
    notice_type: Option<NoticeType>,
    totals: Totals,
}

/// Write `batches.jsonl`, `unresolved.jsonl`, `summary.json` and `batches.csv` into `dir`
/// (created if missing; files replaced).
///
/// ```
/// use whohosts::notices::{Batches, read_dir, write_dir_tables};
///
/// let dir = std::env::temp_dir().join(format!("whohosts-doc-{}", std::process::id()));
/// write_dir_tables(&Batches::default(), &dir)?;
/// assert_eq!(read_dir(&dir)?, Batches::default());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_dir_tables(batches: &Batches, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    write_file(&dir.join("batches.jsonl"), |w| write_lines(w, &batches.batches))?;
    write_file(&dir.join("unresolved.jsonl"), |w| write_lines(w, &batches.unresolved))?;
    write_file(&dir.join("summary.json"), |w| {
        let summary = Summary { notice_type: batches.notice_type, totals: batches.totals.clone() };
        serde_json::to_writer_pretty(&mut *w, &summary)?;
        w.write_all(b"\n")
    })?;
    write_file(&dir.join("batches.csv"), |w| write_batches_csv(batches, w))
}

/// Read a directory written by [`write_dir_tables`]. A missing `unresolved.jsonl` or
/// `summary.json` reads as empty; a line or file that does not parse is an
/// [`io::ErrorKind::InvalidData`] error naming the file and line.
pub fn read_dir(dir: &Path) -> io::Result<Batches> {
    let batches: Vec<Batch> = read_lines(&dir.join("batches.jsonl"), true)?;
    let unresolved: Vec<Unresolved> = read_lines(&dir.join("unresolved.jsonl"), false)?;
    let summary_path = dir.join("summary.json");
    let summary = match fs::read(&summary_path) {
        Ok(bytes) => {
            serde_json::from_slice::<Summary>(&bytes).map_err(|e| invalid(&summary_path, 0, &e))?
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Summary { notice_type: None, totals: Totals::default() }
        }
        Err(e) => return Err(e),
    };
    Ok(Batches { notice_type: summary.notice_type, batches, unresolved, totals: summary.totals })
}

/// Write one row per (batch, resource), with a header row of [`BATCH_CSV_COLUMNS`].
pub fn write_batches_csv(batches: &Batches, out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(BATCH_CSV_COLUMNS)?;
    for b in &batches.batches {
        for r in &b.resources {
            let join = |f: &dyn Fn(&super::BatchAddress) -> Option<String>| {
                let mut v: Vec<String> = r.addresses.iter().filter_map(f).collect();
                v.dedup();
                v.join(" ")
            };
            let sources: Vec<&str> =
                r.contact_sources.iter().filter_map(|s| s.url.as_deref()).collect();
            let row = [
                b.id.clone(),
                b.party.role.as_str().to_owned(),
                b.party.name.clone().unwrap_or_default(),
                b.party.provider_id.clone().unwrap_or_default(),
                b.party.iana_id.clone().unwrap_or_default(),
                b.channel.kind.as_str().to_owned(),
                b.channel.address.clone(),
                r.resource.clone(),
                r.subject.clone(),
                r.reason.as_str().to_owned(),
                r.escalate.to_string(),
                join(&|a| Some(a.ip.to_string())),
                join(&|a| a.network.clone()),
                join(&|a| a.asn.map(|n| n.to_string())),
                join(&|a| a.country.clone()),
                sources.join(" "),
            ];
            w.write_record(row.iter().map(|c| csv_cell(c).into_owned()))?;
        }
    }
    w.flush()
}

fn write_lines<T: Serialize>(w: &mut dyn Write, items: &[T]) -> io::Result<()> {
    for item in items {
        serde_json::to_writer(&mut *w, item)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

fn write_file(path: &Path, body: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut w = BufWriter::new(fs::File::create(path)?);
    body(&mut w)?;
    w.flush()
}

fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path, required: bool) -> io::Result<Vec<T>> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if !required && e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    };
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&line).map_err(|e| invalid(path, i + 1, &e))?);
    }
    Ok(out)
}

fn invalid(path: &Path, line: usize, e: &serde_json::Error) -> io::Error {
    let at = if line == 0 { String::new() } else { format!(" line {line}") };
    io::Error::new(io::ErrorKind::InvalidData, format!("{}{at}: {e}", path.display()))
}
