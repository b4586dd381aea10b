//! Where bulk results go: OUT (or stdout) in JSON lines or CSV, prepared for `--resume` (the
//! inputs already answered are read back, a record cut short by a crash is dropped) and
//! `--retry-errors` (the records carrying the chosen error kinds are dropped first, through a
//! temporary file renamed over OUT, so OUT is whole at every moment).

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use whohosts::{
    CompletedInputs, CsvSink, Error, HostingRecord, InputError, JsonlSink, LineProblem, Query,
    RecordSink,
};

use crate::args::BulkFormat;
use crate::exit::Failure;

/// Output buffer: a record is ~8 KB, so the default 8 KiB buffer wrote about once per record.
const OUTPUT_BUFFER: usize = 256 * 1024;

/// The buffered writer under a sink.
type Out = BufWriter<Box<dyn Write + Send>>;

/// The sink of one format.
enum Sink {
    Jsonl(Out),
    Csv(CsvSink<Out>),
}

/// The bulk output.
pub(crate) struct Output {
    sink: Sink,
    /// `stdout` or the path, for messages.
    pub(crate) name: String,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("name", &self.name).finish_non_exhaustive()
    }
}

/// OUT opened for this run, and what it already holds.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Where to write.
    pub(crate) output: Output,
    /// The inputs already answered (empty unless resuming).
    pub(crate) done: CompletedInputs,
    /// Lines dropped from OUT to be looked up again (`--retry-errors`).
    pub(crate) dropped: u64,
}

impl Output {
    /// Write `input`'s result.
    pub(crate) fn write(
        &mut self,
        input: &str,
        result: &Result<HostingRecord, Error>,
    ) -> io::Result<()> {
        match &mut self.sink {
            Sink::Jsonl(out) => JsonlSink::new(out).write(input, result),
            Sink::Csv(sink) => sink.write(input, result),
        }
    }

    /// Write an input line that cannot be a query. In JSON lines:
    /// `{"input":…,"line":N,"error":{"kind":"input","message":"line N: …"}}`; in CSV, the
    /// `input_error` row of `as_result` (the line as an input error).
    pub(crate) fn write_invalid(
        &mut self,
        line: u64,
        text: &str,
        problem: LineProblem,
        as_result: &Result<HostingRecord, Error>,
    ) -> io::Result<()> {
        match &mut self.sink {
            Sink::Jsonl(out) => {
                // Fields in the order of every other line: input first.
                let input = serde_json::to_string(text)?;
                let message = serde_json::to_string(&format!("line {line}: {problem}"))?;
                writeln!(
                    out,
                    r#"{{"input":{input},"line":{line},"error":{{"kind":"input","message":{message}}}}}"#
                )
            }
            Sink::Csv(sink) => sink.write(text, as_result),
        }
    }

    /// Write a line `bulk` wrote (a JSON-lines result): as it is in JSON lines, as its
    /// record's rows in CSV (an error line as its error's row).
    pub(crate) fn write_line(&mut self, line: &str) -> io::Result<()> {
        match &mut self.sink {
            Sink::Jsonl(out) => {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")
            }
            Sink::Csv(sink) => match result_of_line(line) {
                Some((input, result)) => sink.write(&input, &result),
                None => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a result that is not a bulk JSON line: {line:.80}"),
                )),
            },
        }
    }

    /// Make everything written durable.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Jsonl(out) => out.flush(),
            Sink::Csv(sink) => sink.flush(),
        }
    }
}

/// Open the output: stdout without `path`; else OUT created afresh, or, when `resume`,
/// appended to after reading back the inputs it answers; with `retry` kinds, the records
/// carrying them are dropped first.
pub(crate) fn prepare(
    path: Option<&Path>,
    format: BulkFormat,
    resume: bool,
    retry: &BTreeSet<String>,
) -> Result<Prepared, Failure> {
    let resume = resume || !retry.is_empty();
    let buffered = |out: Box<dyn Write + Send>| BufWriter::with_capacity(OUTPUT_BUFFER, out);
    let Some(path) = path.filter(|p| *p != Path::new("-")) else {
        if resume {
            return Err(Failure::usage(
                "--resume and --retry-errors need -o OUT (a file to read back)".to_owned(),
            ));
        }
        let out = buffered(Box::new(io::stdout()));
        let sink = match format {
            BulkFormat::Jsonl => Sink::Jsonl(out),
            BulkFormat::Csv => Sink::Csv(CsvSink::new(out)),
        };
        let output = Output { sink, name: "stdout".to_owned() };
        return Ok(Prepared { output, done: CompletedInputs::default(), dropped: 0 });
    };
    let name = path.display().to_string();
    let create = || File::create(path).map_err(|e| Failure::file("creating", path, e));
    let append = || {
        OpenOptions::new().append(true).open(path).map_err(|e| Failure::file("opening", path, e))
    };
    let resuming = resume && path.exists();
    let (sink, done, dropped) = match format {
        BulkFormat::Jsonl if resuming => {
            let mut done = CompletedInputs::default();
            let dropped = keep_finished(path, retry, &mut done)?;
            (Sink::Jsonl(buffered(Box::new(append()?))), done, dropped)
        }
        BulkFormat::Jsonl => {
            (Sink::Jsonl(buffered(Box::new(create()?))), CompletedInputs::default(), 0)
        }
        BulkFormat::Csv if resuming => {
            let dropped = if retry.is_empty() { 0 } else { keep_finished_csv(path, retry)? };
            let reading = |e| Failure::file("reading", path, e);
            let file = File::open(path).map_err(|e| Failure::file("opening", path, e))?;
            let resume = whohosts::csv_resume(BufReader::new(file)).map_err(reading)?;
            // Rows of a record cut short by a crash go; the record is written again, whole.
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Failure::file("opening", path, e))?;
            file.set_len(resume.whole_len).map_err(|e| Failure::file("truncating", path, e))?;
            drop(file);
            let records = resume.completed.len() as u64;
            let out = buffered(Box::new(append()?));
            let sink = if resume.whole_len == 0 {
                CsvSink::new(out)
            } else {
                CsvSink::appending(out, records)
            };
            (Sink::Csv(sink), resume.completed, dropped)
        }
        BulkFormat::Csv => {
            (Sink::Csv(CsvSink::new(buffered(Box::new(create()?)))), CompletedInputs::default(), 0)
        }
    };
    Ok(Prepared { output: Output { sink, name }, done, dropped })
}

/// Drop from the CSV at `path` the records whose `errors` cell names a kind in `retry`
/// (`stage:kind`, or `lookup:internal`), and a record cut short at its end; the records kept
/// are numbered again from 1 (the resumed run goes on from there). Rewritten through a
/// temporary file renamed over it. Returns the records dropped for retrying.
fn keep_finished_csv(path: &Path, retry: &BTreeSet<String>) -> Result<u64, Failure> {
    let reading = |e: io::Error| Failure::file("reading", path, e);
    let csv_reading = |e: csv::Error| Failure::file("reading", path, io::Error::other(e));
    let file = File::open(path).map_err(|e| Failure::file("opening", path, e))?;
    let whole_len = whohosts::csv_resume(BufReader::new(file)).map_err(reading)?.whole_len;
    let head = File::open(path).map_err(reading)?.take(whole_len);
    let mut rows = csv::ReaderBuilder::new().has_headers(false).from_reader(head).into_records();
    let temp = temp_path(path);
    let writing = |e: csv::Error| Failure::file("writing", &temp, io::Error::other(e));
    let file = File::create(&temp).map_err(|e| Failure::file("creating", &temp, e))?;
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(file);
    match rows.next() {
        // Nothing whole in it: nothing to keep or drop.
        None => {
            drop(writer);
            let _ = std::fs::remove_file(&temp);
            return Ok(0);
        }
        Some(header) => writer.write_record(&header.map_err(csv_reading)?).map_err(writing)?,
    }
    let errors_at = whohosts::CSV_COLUMNS.iter().position(|c| *c == "errors").unwrap_or(usize::MAX);
    let mut groups = Groups { retry, errors_at, dropped: 0, kept: 0, rows: Vec::new() };
    let mut current: Option<String> = None;
    for row in rows {
        let row = row.map_err(csv_reading)?;
        let n = row.get(0).unwrap_or_default();
        if current.as_deref() != Some(n) {
            current = Some(n.to_owned());
            groups.write(&mut writer).map_err(writing)?;
        }
        groups.rows.push(row);
    }
    groups.write(&mut writer).map_err(writing)?;
    let file = writer.into_inner().map_err(|e| writing(io::Error::other(e.to_string()).into()))?;
    file.sync_all().map_err(|e| Failure::file("writing", &temp, e))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(|e| Failure::file("replacing", path, e))?;
    Ok(groups.dropped)
}

/// The rows of one CSV record at a time, kept (numbered again) or dropped.
struct Groups<'a> {
    retry: &'a BTreeSet<String>,
    errors_at: usize,
    dropped: u64,
    kept: u64,
    rows: Vec<csv::StringRecord>,
}

impl Groups<'_> {
    /// Write the record held (numbered `kept + 1`) unless it carries a retry kind.
    fn write(&mut self, writer: &mut csv::Writer<File>) -> csv::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let carries = |row: &csv::StringRecord| {
            let cell = row.get(self.errors_at).unwrap_or_default();
            cell.split(';')
                .filter_map(|key| key.split_once(':'))
                .any(|(_, kind)| self.retry.contains(kind))
        };
        if self.rows.iter().any(carries) {
            self.dropped += 1;
        } else {
            self.kept += 1;
            let n = self.kept.to_string();
            for row in &self.rows {
                writer.write_record(std::iter::once(n.as_str()).chain(row.iter().skip(1)))?;
            }
        }
        self.rows.clear();
        Ok(())
    }
}

/// Read OUT back: every complete line is an answered input, except lines carrying a kind in
/// `retry`, which are dropped. OUT is rewritten (through a temporary file beside it, renamed
/// over it) when something is dropped or its last line was cut short by a crash. Returns the
/// lines dropped for retrying.
fn keep_finished(
    path: &Path,
    retry: &BTreeSet<String>,
    done: &mut CompletedInputs,
) -> Result<u64, Failure> {
    let reading = |e| Failure::file("reading", path, e);
    let file = File::open(path).map_err(|e| Failure::file("opening", path, e))?;
    let mut reader = BufReader::new(file);
    let mut kept: Option<BufWriter<File>> = None;
    let temp = temp_path(path);
    let mut dropped = 0u64;
    let mut line = Vec::new();
    let mut kept_bytes = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(reading)?;
        if n == 0 {
            break;
        }
        let parsed = line
            .ends_with(b"\n")
            .then(|| serde_json::from_slice::<serde_json::Value>(&line).ok())
            .flatten();
        let keep = match &parsed {
            Some(value) => match value.get("input").and_then(serde_json::Value::as_str) {
                Some(input) if !carries(value, retry) => {
                    done.insert(input);
                    true
                }
                Some(_) => {
                    dropped += 1;
                    false
                }
                None => false,
            },
            None => false,
        };
        if keep {
            if let Some(out) = kept.as_mut() {
                out.write_all(&line).map_err(|e| Failure::file("writing", &temp, e))?;
            }
            kept_bytes += n as u64;
        } else if kept.is_none() {
            // The first line left out: copy the lines kept so far, then go on copying.
            let mut out = BufWriter::new(
                File::create(&temp).map_err(|e| Failure::file("creating", &temp, e))?,
            );
            let mut head = File::open(path).map_err(reading)?.take(kept_bytes);
            io::copy(&mut head, &mut out).map_err(|e| Failure::file("writing", &temp, e))?;
            kept = Some(out);
        }
    }
    if let Some(out) = kept {
        let file = out.into_inner().map_err(|e| Failure::file("writing", &temp, e.into_error()))?;
        file.sync_all().map_err(|e| Failure::file("writing", &temp, e))?;
        drop(file);
        std::fs::rename(&temp, path).map_err(|e| Failure::file("replacing", path, e))?;
    }
    Ok(dropped)
}

/// True when the output line `value` carries an error kind in `kinds`: in its record's
/// `errors[]`, or as its own `error` (`internal`).
fn carries(value: &serde_json::Value, kinds: &BTreeSet<String>) -> bool {
    if kinds.is_empty() {
        return false;
    }
    let kind_in = |v: &serde_json::Value| {
        v.get("kind").and_then(serde_json::Value::as_str).is_some_and(|k| kinds.contains(k))
    };
    let record_errors = value
        .pointer("/record/errors")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|errors| errors.iter().any(kind_in));
    record_errors || value.get("error").is_some_and(kind_in)
}

/// `OUT` → `OUT.whohosts-<pid>.tmp` beside it (the same file system, so the rename is atomic).
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{name}.whohosts-{}.tmp", std::process::id()))
}

/// The input and result a line `bulk` wrote stands for (an error line's error made again:
/// an input error by parsing the input, the others as internal errors with their message).
pub(crate) fn result_of_line(line: &str) -> Option<(String, Result<HostingRecord, Error>)> {
    #[derive(serde::Deserialize)]
    struct Line {
        input: String,
        record: Option<HostingRecord>,
        error: Option<ErrorLine>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorLine {
        kind: String,
        message: String,
    }
    let line: Line = serde_json::from_str(line).ok()?;
    let result = match (line.record, line.error) {
        (Some(record), _) => Ok(record),
        (None, Some(error)) if error.kind == "input" => Err(Error::Input(
            Query::parse(&line.input)
                .err()
                .unwrap_or(InputError::TooLong { length: line.input.len() }),
        )),
        (None, Some(error)) => Err(Error::Internal { message: error.message }),
        (None, None) => return None,
    };
    Some((line.input, result))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retrying_drops_the_lines_with_those_kinds_and_a_cut_last_line() {
        let dir = std::env::temp_dir().join(format!("whohosts-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.jsonl");
        let ok = r#"{"input":"a.com","record":{"errors":[{"kind":"partial"}]}}"#;
        let limited = r#"{"input":"b.com","record":{"errors":[{"kind":"rate_limited"}]}}"#;
        let internal = r#"{"input":"c.com","error":{"kind":"internal","message":"x"}}"#;
        std::fs::write(&path, format!("{ok}\n{limited}\n{internal}\n{{\"input\":\"d.c")).unwrap();
        let kinds: BTreeSet<String> = ["rate_limited".to_owned()].into();
        let mut done = CompletedInputs::default();
        assert_eq!(keep_finished(&path, &kinds, &mut done).unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{ok}\n{internal}\n"));
        assert_eq!(done.len(), 2);
        assert!(done.contains("a.com") && done.contains("c.com") && !done.contains("b.com"));

        // Nothing to drop: OUT is left as it is.
        let mut done = CompletedInputs::default();
        assert_eq!(keep_finished(&path, &kinds, &mut done).unwrap(), 0);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{ok}\n{internal}\n"));
        let kinds: BTreeSet<String> = ["internal".to_owned()].into();
        assert_eq!(keep_finished(&path, &kinds, &mut CompletedInputs::default()).unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{ok}\n"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
