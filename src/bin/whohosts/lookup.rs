//! `whohosts lookup`: one or more queries, looked up together, printed in the order given as
//! a summary for a person (default), JSON, JSON lines or CSV.

use std::ffi::OsString;
use std::io::{self, Write};

use futures_util::StreamExt;
use whohosts::{Client, CsvSink, HostingRecord, JsonlSink, RecordSink};

use crate::args::{FailOn, LookupArgs, LookupFormat};
use crate::bulk::has_channel;
use crate::exit::{self, Failure};

/// The queries as UTF-8, or a failure naming the first that is not.
pub(crate) fn queries(given: &[OsString]) -> Result<Vec<String>, Failure> {
    given
        .iter()
        .map(|q| {
            q.to_str()
                .map(str::to_owned)
                .ok_or_else(|| Failure::usage(format!("QUERY {q:?} is not valid UTF-8")))
        })
        .collect()
}

/// Run `whohosts lookup`: 0 when every query gave a record, 2 when one could not be looked up
/// (named on stderr; the others are still printed), 1 when a `--fail-on` condition holds.
pub(crate) async fn run(args: &LookupArgs, client: Client) -> Result<u8, Failure> {
    let queries = queries(&args.queries)?;
    let format = args.format();
    let several = queries.len() > 1;
    let mut results = client.lookup_many_ordered(queries);
    let mut stdout = io::BufWriter::new(io::stdout());
    let write_error = |e: io::Error| Failure::file("writing", std::path::Path::new("stdout"), e);
    let mut records: Vec<HostingRecord> = Vec::new();
    // CSV: the header, then each record's rows in one write.
    let mut csv = (format == LookupFormat::Csv).then(|| CsvSink::new(io::stdout()));
    let (mut bad, mut no_contact, mut with_errors) = (false, false, false);
    let mut first = true;
    while let Some((input, result)) = results.next().await {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                tracing::debug!(%input, error = %e, "no record");
                let mut err = io::stderr().lock();
                let _ = writeln!(err, "whohosts: {input}: {e}");
                bad = true;
                continue;
            }
        };
        no_contact |= !has_channel(&record);
        with_errors |= !record.errors.is_empty();
        match format {
            LookupFormat::Text => {
                if !first {
                    writeln!(stdout).map_err(write_error)?;
                }
                stdout.write_all(record.summary().as_bytes()).map_err(write_error)?;
            }
            LookupFormat::Jsonl => {
                JsonlSink::new(&mut stdout).write(&input, &Ok(record)).map_err(write_error)?;
            }
            LookupFormat::Csv => {
                if let Some(csv) = csv.as_mut() {
                    csv.write(&input, &Ok(record)).map_err(write_error)?;
                }
            }
            LookupFormat::Json => records.push(record),
        }
        first = false;
    }
    if format == LookupFormat::Json {
        let text = if several {
            serde_json::to_string_pretty(&records)
        } else {
            records.first().map_or(Ok(String::new()), serde_json::to_string_pretty)
        };
        let text = text.map_err(|e| Failure::usage(format!("cannot serialise the record: {e}")))?;
        if several || !text.is_empty() {
            writeln!(stdout, "{text}").map_err(write_error)?;
        }
    }
    stdout.flush().map_err(write_error)?;
    if let Some(csv) = csv.as_mut() {
        csv.flush().map_err(write_error)?;
    }
    if bad {
        return Ok(exit::USAGE);
    }
    let failed = args.fail_on.iter().any(|condition| match condition {
        FailOn::NoContact => no_contact,
        FailOn::Errors => with_errors,
    });
    Ok(if failed { exit::FAIL_ON } else { exit::OK })
}
