//! Reading lookups back from JSON lines: the bulk command's output lines
//! (`{"input":…,"record":{…}}` or `{"input":…,"error":{…}}`) and bare records (the lookup
//! command's `--jsonl`). Nothing else: no grouping.

use std::io::{self, BufRead};

use crate::record::HostingRecord;

/// One input line, read.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LookupLine {
    /// A record.
    Record {
        /// The bulk line's `input`, as the user wrote it (the record's `query` has any
        /// query string redacted unless the client kept it; a notice must name the exact
        /// URL); `None` for a bare record.
        input: Option<String>,
        /// The record.
        record: Box<HostingRecord>,
    },
    /// A bulk line without a record: the lookup did not run.
    Failed {
        /// The line's `input`.
        input: String,
        /// Its error's `kind` (`input`, `config`, `internal`).
        kind: String,
        /// Its error's message.
        message: String,
    },
    /// A line that is neither (cut short by a crash, or another file).
    Unreadable {
        /// The line number, from 1.
        line: usize,
        /// What the JSON parser said.
        message: String,
    },
}

/// Read every non-blank line of `reader` (see [`LookupLine`]). Only I/O errors are errors: a
/// line that does not parse is a [`LookupLine::Unreadable`], so it is counted, not dropped.
///
/// ```
/// use whohosts::notices::{LookupLine, read_lines};
///
/// let lines = read_lines(&b"not json\n\n"[..])?;
/// assert!(matches!(&lines[..], [LookupLine::Unreadable { line: 1, .. }]));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_lines(reader: impl BufRead) -> io::Result<Vec<LookupLine>> {
    let mut out = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_line(index + 1, &line));
    }
    Ok(out)
}

fn parse_line(number: usize, line: &str) -> LookupLine {
    let value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return LookupLine::Unreadable { line: number, message: e.to_string() },
    };
    let unreadable = |message: String| LookupLine::Unreadable { line: number, message };
    if let Some(record) = value.get("record") {
        let input = value.get("input").and_then(serde_json::Value::as_str).map(str::to_owned);
        return match serde_json::from_value::<HostingRecord>(record.clone()) {
            Ok(r) => LookupLine::Record { input, record: Box::new(r) },
            Err(e) => unreadable(e.to_string()),
        };
    }
    if let Some(error) = value.get("error") {
        let text = |v: Option<&serde_json::Value>| {
            v.and_then(serde_json::Value::as_str).unwrap_or_default().to_owned()
        };
        return LookupLine::Failed {
            input: text(value.get("input")),
            kind: text(error.get("kind")),
            message: text(error.get("message")),
        };
    }
    match serde_json::from_value::<HostingRecord>(value) {
        Ok(r) => LookupLine::Record { input: None, record: Box::new(r) },
        Err(e) => unreadable(e.to_string()),
    }
}
