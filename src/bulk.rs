//! Many lookups at once: the streams behind [`Client::lookup_many`](Client::lookup_many)
//! (bounded concurrency, back-pressure, exactly one item per input) and the [`RecordSink`]
//! seam for writing results, with its JSON-lines implementation [`JsonlSink`].
//!
//! Inputs are pulled lazily: at most `concurrency` lookups work at once (a lookup queued
//! behind a rate-limited server lends its slot to the next input, up to `max_waiting` such
//! lookups; see `bulk/lookups.rs`) and no input is read before a slot is free, so memory
//! does not grow with the number of inputs. Each lookup runs as its own tokio task (using
//! every worker thread); a lookup that panics yields [`Error::Internal`] for its input and
//! the others carry on.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use futures_util::stream::{self, Stream};

mod lines;
mod lookups;
#[cfg(feature = "redis")]
mod queue;

use lookups::Lookups;

use crate::client::Client;
use crate::config::BulkSettings;
use crate::error::Error;
use crate::record::HostingRecord;

pub use lines::{DEFAULT_MAX_LINE, InputLine, InputLines, LineProblem};
pub use lookups::BulkItem;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use queue::{QueueStatus, QueuedInput, QueuedResult, RedisQueue};

impl Client {
    /// Look up many queries: a stream yielding exactly one `(input, result)` per input, as
    /// lookups finish (unordered unless [`BulkSettings::ordered`](BulkSettings)).
    ///
    /// At most [`BulkSettings::concurrency`](BulkSettings) lookups (default 64) work
    /// at once and inputs are pulled only when a slot frees, so memory does not grow with
    /// the input; a lookup waiting its turn behind a rate-limited server gives its slot to
    /// the next input meanwhile (up to [`BulkSettings::max_waiting`](BulkSettings)). Every lookup shares this client's caches and per-server limits. Run it on
    /// a tokio runtime; each lookup is a task of its own.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::StreamExt;
    /// let client = whohosts::Client::builder().build()?;
    /// let mut results = client.lookup_many(["example.com", "example.org", "192.0.2.1"]);
    /// while let Some((input, result)) = results.next().await {
    ///     match result {
    ///         Ok(record) => println!("{input}: {} abuse contacts", record.abuse_contacts.len()),
    ///         Err(e) => println!("{input}: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn lookup_many<I>(
        &self,
        inputs: I,
    ) -> impl futures_util::Stream<Item = BulkItem> + Send + 'static
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<String>,
    {
        let bulk = &self.config().bulk;
        lookup_iter(self.clone(), inputs, bulk, bulk.ordered)
    }

    /// [`lookup_many`](Self::lookup_many), yielding results in input order.
    pub fn lookup_many_ordered<I>(
        &self,
        inputs: I,
    ) -> impl futures_util::Stream<Item = BulkItem> + Send + 'static
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<String>,
    {
        lookup_iter(self.clone(), inputs, &self.config().bulk, true)
    }

    /// [`lookup_many`](Self::lookup_many) over a stream of queries (e.g. lines read
    /// asynchronously), pulled as slots free.
    pub fn lookup_stream<S>(
        &self,
        inputs: S,
    ) -> impl futures_util::Stream<Item = BulkItem> + Send + 'static
    where
        S: futures_util::Stream + Send + 'static,
        S::Item: Into<String>,
    {
        let bulk = &self.config().bulk;
        lookup_stream(self.clone(), inputs, bulk, bulk.ordered)
    }
}

/// The bulk stream over `inputs` with `settings`' bounds, in input order when `ordered`.
fn lookup_stream<S>(
    client: Client,
    inputs: S,
    settings: &BulkSettings,
    ordered: bool,
) -> impl Stream<Item = BulkItem> + Send + 'static
where
    S: Stream + Send + 'static,
    S::Item: Into<String>,
{
    Lookups::new(client, inputs, settings.concurrency, settings.max_waiting, ordered)
}

/// [`lookup_stream`] over an iterator, pulled lazily.
fn lookup_iter<I>(
    client: Client,
    inputs: I,
    settings: &BulkSettings,
    ordered: bool,
) -> impl Stream<Item = BulkItem> + Send + 'static
where
    I: IntoIterator,
    I::IntoIter: Send + 'static,
    I::Item: Into<String>,
{
    lookup_stream(client, stream::iter(inputs), settings, ordered)
}

/// Where bulk results go, one per input. Object-safe, so a queue or a shared store can
/// replace [`JsonlSink`].
pub trait RecordSink: Send {
    /// Write the result for `input`.
    fn write(&mut self, input: &str, result: &Result<HostingRecord, Error>) -> io::Result<()>;
    /// Make everything written so far durable (flush buffers).
    fn flush(&mut self) -> io::Result<()>;
}

/// Writes one JSON object per line: `{"input":…,"record":{…}}` for a record, or
/// `{"input":…,"error":{"kind":…,"message":…}}` when there is none (`kind` is `input`,
/// `config` or `internal`).
#[derive(Debug)]
pub struct JsonlSink<W: Write> {
    out: W,
}

impl<W: Write> JsonlSink<W> {
    /// Write lines to `out` (wrap files in a `BufWriter`).
    pub fn new(out: W) -> Self {
        Self { out }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> RecordSink for JsonlSink<W> {
    fn write(&mut self, input: &str, result: &Result<HostingRecord, Error>) -> io::Result<()> {
        let line = match result {
            Ok(record) => Line { input, record: Some(record), error: None },
            Err(e) => {
                let kind = match e {
                    Error::Input(_) => "input",
                    Error::Config(_) => "config",
                    Error::Internal { .. } => "internal",
                };
                Line {
                    input,
                    record: None,
                    error: Some(ErrorLine { kind, message: e.to_string() }),
                }
            }
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One output line, fields in this order.
#[derive(serde::Serialize)]
struct Line<'a> {
    input: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<&'a HostingRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorLine>,
}

/// The `error` of an output line.
#[derive(serde::Serialize)]
struct ErrorLine {
    kind: &'static str,
    message: String,
}

/// The inputs already answered in a JSON-lines output, for resuming: each complete line's
/// `input`, counted once per line (see [`CompletedInputs`]). Lines that do not parse (a
/// line cut short by a crash) are skipped.
pub fn completed_inputs(reader: impl BufRead) -> io::Result<CompletedInputs> {
    let mut done = CompletedInputs::default();
    for line in reader.lines() {
        let line = line?;
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if let Some(input) = value.get("input").and_then(serde_json::Value::as_str) {
            done.insert(input);
        }
    }
    Ok(done)
}

/// The inputs already answered, each with the number of output lines it has: resuming skips
/// that many of its input lines ([`take`](Self::take)), so a duplicated input comes out once
/// per input line, as in a run that was never interrupted.
///
/// The key is the input text itself: exact (no two inputs can share a key, even inputs
/// crafted to collide, as a 64-bit hash allows) and stable across Rust releases and
/// platforms (`DefaultHasher` is neither), at the cost of the inputs' bytes, which the line
/// cap bounds per line.
#[derive(Debug, Default, Clone)]
pub struct CompletedInputs {
    counts: HashMap<Box<str>, u64>,
    lines: usize,
}

impl CompletedInputs {
    /// Remember one more output line for `input`.
    pub fn insert(&mut self, input: &str) {
        *self.counts.entry(input.into()).or_default() += 1;
        self.lines += 1;
    }

    /// Whether `input` has an output line not yet taken.
    pub fn contains(&self, input: &str) -> bool {
        self.counts.get(input).is_some_and(|&n| n > 0)
    }

    /// Take one of `input`'s output lines: true when there was one (skip this input line).
    pub fn take(&mut self, input: &str) -> bool {
        match self.counts.get_mut(input) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// How many output lines were read.
    pub fn len(&self) -> usize {
        self.lines
    }

    /// True when none were.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::InputError;

    #[test]
    fn jsonl_lines_and_resume() {
        let mut sink = JsonlSink::new(Vec::new());
        sink.write("", &Err(Error::Input(InputError::Empty))).unwrap();
        sink.write("x", &Err(Error::Internal { message: "boom".into() })).unwrap();
        let text = String::from_utf8(sink.into_inner()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                r#"{"input":"","error":{"kind":"input","message":"empty query"}}"#,
                r#"{"input":"x","error":{"kind":"internal","message":"internal error: boom"}}"#,
            ]
        );
        let with_partial = format!("{text}{{\"input\":\"cut sh");
        let done = completed_inputs(with_partial.as_bytes()).unwrap();
        assert_eq!(done.len(), 2);
        assert!(done.contains("x") && done.contains(""));
        assert!(!done.contains("cut sh"));
    }

    #[test]
    fn a_duplicated_input_is_skipped_once_per_output_line() {
        let text = "{\"input\":\"a.com\"}\n{\"input\":\"a.com\"}\n{\"input\":\"b.com\"}\n";
        let mut done = completed_inputs(text.as_bytes()).unwrap();
        assert_eq!(done.len(), 3);
        assert!(done.take("a.com") && done.take("a.com"));
        assert!(!done.take("a.com"), "a third a.com line is looked up again");
        assert!(done.take("b.com") && !done.take("c.com"));
    }
}
