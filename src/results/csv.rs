//! The CSV form of records: [`CSV_COLUMNS`], the rows of one record ([`csv_rows`]), the
//! [`CsvSink`] that writes them, and [`completed_inputs_csv`] to resume from a CSV file.
//!
//! One row per (input, notice target, channel), in the record's `notice_targets` order, so
//! that a spreadsheet filter on `party` or `status` gives a mailing list. A record with no
//! notice target, a target with no channel, and an input that could not be looked up each
//! still get one row, whose `status` says so: every input has at least one row, and every
//! row of one record carries the same number `n`.
//!
//! Cells are server text: each goes through [`csv_cell`] (controls shown as escapes, a
//! leading `=`, `+`, `-` or `@` defused with `'`), then RFC 4180 quoting. Since no cell then
//! holds a line break, each row is exactly one line, ended by CRLF.

use std::collections::HashSet;
use std::io::{self, BufRead, Write};

use super::jsonl::{CompletedInputs, RecordSink};
use crate::error::Error;
use crate::record::{Contact, HostingRecord, NoticeTarget};
use crate::text::csv_cell;

use super::{
    Verdict, error_key_text, error_keys, has_channel, lookup_error_key, notice_type_name,
    party_name, phone, provider_kind_name, target_place, verdict,
};

/// The CSV header, in column order:
///
/// | column | holds |
/// |---|---|
/// | `n` | the record's number in the file, from 1: every row of one record has the same `n`, so a duplicated input's records stay apart and resuming can count them |
/// | `input` | the input line as given |
/// | `domain` | the host name looked up (A-labels); empty for an IP query |
/// | `ip` | the addresses the target answers for, separated by spaces (for a row without a target: the record's addresses) |
/// | `party` | `platform`, `cdn`, `hosting`, `network`, `registrar` or `registry` |
/// | `name` | the party's name |
/// | `provider_id` | the identified provider's or platform's id (`cloudflare`, `github-pages`) |
/// | `kind` | the provider's kind: `cdn`, `cloud`, `hosting`, `isp`, `platform`, `unknown` |
/// | `reason` | why this party is a target (`cdn_fronted`, `direct_hosting`, `registrar_of_domain`, …) |
/// | `email`, `web`, `phone` | the channel |
/// | `notice_types` | the notice types the channel is meant for, separated by `;` (empty: all) |
/// | `status` | `ok` (a channel to use), `no_channel` (a target without any), `no_target` (a record without targets), `input_error` (the input could not be looked up), `lookup_error` (no record for another reason) |
/// | `errors` | the record's failed steps as `stage:kind`, each once, separated by `;` (`rdap:timeout;whois:not_found`) |
pub const CSV_COLUMNS: &[&str] = &[
    "n",
    "input",
    "domain",
    "ip",
    "party",
    "name",
    "provider_id",
    "kind",
    "reason",
    "email",
    "web",
    "phone",
    "notice_types",
    "status",
    "errors",
];

/// The rows record number `n` of `input` becomes, each with one cell per [`CSV_COLUMNS`]
/// entry, already escaped with [`csv_cell`] (but not yet quoted for CSV).
///
/// One row per channel of each notice target, in order; a target without a channel is one
/// `no_channel` row, a record without targets one `no_target` row, and an input that could
/// not be looked up one `input_error` (or `lookup_error`) row.
pub fn csv_rows(n: u64, input: &str, result: &Result<HostingRecord, Error>) -> Vec<Vec<String>> {
    let record = match result {
        Ok(record) => record,
        Err(e) => {
            let status = match verdict(result) {
                Verdict::LookupError => "lookup_error",
                Verdict::Record | Verdict::InputError => "input_error",
            };
            let (stage, kind) = lookup_error_key(e);
            let row = Row { n, input, status, errors: format!("{stage}:{kind}"), ..Row::default() };
            return vec![row.cells()];
        }
    };
    let errors: Vec<String> =
        error_keys(record).into_iter().map(|(stage, kind)| error_key_text(stage, kind)).collect();
    let base = Row {
        n,
        input,
        domain: record.domain.as_deref().unwrap_or_default(),
        errors: errors.join(";"),
        ..Row::default()
    };
    if verdict(result) == Verdict::InputError {
        return vec![Row { status: "input_error", ..base }.cells()];
    }
    if record.notice_targets.is_empty() {
        let ips = record.addresses.iter().map(|a| a.ip.to_string()).collect::<Vec<_>>();
        return vec![Row { ip: ips.join(" "), status: "no_target", ..base }.cells()];
    }
    let mut rows = Vec::new();
    for target in &record.notice_targets {
        let place = target_place(record, target);
        let ips: Vec<String> = place.ips.iter().map(ToString::to_string).collect();
        let target_row = Row {
            ip: ips.join(" "),
            target: Some(target),
            provider_id: place.provider.id.unwrap_or_default(),
            kind: place.provider.kind.map(provider_kind_name).unwrap_or_default(),
            ..base.clone()
        };
        if !has_channel(target) {
            rows.push(Row { status: "no_channel", ..target_row }.cells());
            continue;
        }
        for channel in target.channels.iter().filter(|c| !c.is_empty()) {
            rows.push(Row { channel: Some(channel), status: "ok", ..target_row.clone() }.cells());
        }
    }
    rows
}

/// One row before escaping.
#[derive(Debug, Clone, Default)]
struct Row<'a> {
    n: u64,
    input: &'a str,
    domain: &'a str,
    ip: String,
    target: Option<&'a NoticeTarget>,
    provider_id: String,
    kind: &'static str,
    channel: Option<&'a Contact>,
    status: &'static str,
    errors: String,
}

impl Row<'_> {
    /// The row's cells in [`CSV_COLUMNS`] order, escaped.
    fn cells(&self) -> Vec<String> {
        let target = self.target;
        let channel = self.channel;
        let notice_types = channel.map_or_else(String::new, |c| {
            c.notice_types.iter().map(|t| notice_type_name(*t)).collect::<Vec<_>>().join(";")
        });
        let text = |s: Option<&str>| s.unwrap_or_default().to_owned();
        [
            self.n.to_string(),
            self.input.to_owned(),
            self.domain.to_owned(),
            self.ip.clone(),
            text(target.map(|t| party_name(t.party))),
            text(target.and_then(|t| t.name.as_deref())),
            self.provider_id.clone(),
            self.kind.to_owned(),
            text(target.map(|t| t.reason.as_str())),
            text(channel.and_then(|c| c.email.as_deref())),
            text(channel.and_then(|c| c.web.as_deref())),
            channel.map(phone).unwrap_or_default(),
            notice_types,
            self.status.to_owned(),
            self.errors.clone(),
        ]
        .into_iter()
        .map(|cell| csv_cell(&cell).into_owned())
        .collect()
    }
}

/// Append `cells` to `out` as one RFC 4180 line: a cell holding a comma, a double quote or
/// a line break is quoted, its quotes doubled; the line ends with CRLF.
fn push_line<S: AsRef<str>>(out: &mut Vec<u8>, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let cell = cell.as_ref();
        if cell.contains([',', '"', '\r', '\n']) {
            out.push(b'"');
            out.extend_from_slice(cell.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(cell.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// Writes records as CSV ([`CSV_COLUMNS`], one row per input, notice target and channel;
/// see [`csv_rows`]), numbering records from 1 in the order written.
///
/// Each record's rows go to the writer in one `write_all`, so a record is cut short only if
/// the process dies inside that write.
#[derive(Debug)]
pub struct CsvSink<W: Write> {
    out: W,
    /// Records written so far (including those of the file being appended to).
    records: u64,
    /// Whether the header is still to be written before the first row.
    header: bool,
    buf: Vec<u8>,
}

impl<W: Write> CsvSink<W> {
    /// Write a new CSV file to `out` (wrap files in a `BufWriter`): the header, then the
    /// rows of each record, numbered from 1.
    pub fn new(out: W) -> Self {
        Self { out, records: 0, header: true, buf: Vec::new() }
    }

    /// Append to a CSV file that already holds `records_so_far` records (see
    /// [`completed_inputs_csv`] and [`CompletedInputs::len`]): no header, and numbering
    /// goes on from `records_so_far + 1`.
    pub fn appending(out: W, records_so_far: u64) -> Self {
        Self { out, records: records_so_far, header: false, buf: Vec::new() }
    }

    /// How many records the file holds so far, with those it held before appending.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> RecordSink for CsvSink<W> {
    fn write(&mut self, input: &str, result: &Result<HostingRecord, Error>) -> io::Result<()> {
        self.buf.clear();
        if self.header {
            push_line(&mut self.buf, CSV_COLUMNS);
        }
        let n = self.records + 1;
        for row in csv_rows(n, input, result) {
            push_line(&mut self.buf, &row);
        }
        self.out.write_all(&self.buf)?;
        self.header = false;
        self.records = n;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The inputs already answered in a CSV output written by [`CsvSink`], for resuming: each
/// input counted once per distinct record number `n` (see [`CompletedInputs`]), so
/// [`len`](CompletedInputs::len) is the number of records (pass it to
/// [`CsvSink::appending`]). [`csv_resume`] also says where to cut a file that ends in the
/// middle of a record.
///
/// The header, and rows whose `n` is not a number, are skipped. A last line cut short (no
/// line end: the process died while writing) is skipped together with every row of its
/// record, whose other rows are missing. A record cut exactly between two of its rows
/// cannot be told from a whole one; [`CsvSink`] writes each record at once to make that
/// unlikely.
///
/// The `input` cells were written escaped ([`csv_cell`]); they are read back unescaped, which
/// gives the input exactly unless it holds text that reads as an escape (a backslash
/// followed by `n`, `r`, `t`, `x` and two hex digits, or `u{…}`, naming a control
/// character) or starts with `'` before `=`, `+`, `-` or `@`: such an input is looked up
/// again.
pub fn completed_inputs_csv(reader: impl BufRead) -> io::Result<CompletedInputs> {
    Ok(csv_resume(reader)?.completed)
}

/// What resuming needs to know about a CSV output: see [`csv_resume`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CsvResume {
    /// The inputs whose records are whole in the file ([`completed_inputs_csv`]).
    pub completed: CompletedInputs,
    /// The length in bytes of the file's beginning that holds the header and those whole
    /// records: truncate the file to it before appending, so that the rows of a record cut
    /// short are not left behind (they would be written again, whole).
    pub whole_len: u64,
}

/// [`completed_inputs_csv`], and where the whole records end.
///
/// Reads line by line: a [`CsvSink`] row is always one line, since no cell holds a line
/// break once escaped.
pub fn csv_resume(mut reader: impl BufRead) -> io::Result<CsvResume> {
    let mut done = CompletedInputs::default();
    let mut seen: HashSet<u64> = HashSet::new();
    // The record being read (its number, input and first byte), counted once the next
    // record starts, or when the file ends after a whole line.
    let mut current: Option<(u64, String, u64)> = None;
    let mut line = Vec::new();
    let mut at = 0u64;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        let start = at;
        at += read as u64;
        if line.last() != Some(&b'\n') {
            // Cut short: this line and the rest of its record are not whole.
            let whole_len = current.map_or(start, |(.., record_start)| record_start);
            return Ok(CsvResume { completed: done, whole_len });
        }
        let Some((n, input)) = first_two_cells(&line) else { continue };
        let Ok(n) = n.parse::<u64>() else { continue };
        if current.as_ref().is_some_and(|(m, ..)| *m == n) {
            continue;
        }
        if let Some((m, input, _)) = current.take()
            && seen.insert(m)
        {
            done.insert(&unescape_cell(&input));
        }
        current = Some((n, input, start));
    }
    if let Some((m, input, _)) = current
        && seen.insert(m)
    {
        done.insert(&unescape_cell(&input));
    }
    Ok(CsvResume { completed: done, whole_len: at })
}

/// The first two cells of one RFC 4180 line (`n` and `input`), unquoted; `None` when the
/// line has fewer. Bytes that are not UTF-8 are replaced.
fn first_two_cells(line: &[u8]) -> Option<(String, String)> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches(['\r', '\n']);
    let (n, rest) = text.split_once(',')?;
    let input = match rest.strip_prefix('"') {
        Some(quoted) => {
            let mut out = String::new();
            let mut chars = quoted.chars();
            loop {
                match chars.next()? {
                    '"' if chars.as_str().starts_with('"') => {
                        out.push('"');
                        chars.next();
                    }
                    '"' => break,
                    c => out.push(c),
                }
            }
            out
        }
        None => rest.split(',').next().unwrap_or_default().to_owned(),
    };
    Some((n.to_owned(), input))
}

/// The text [`csv_cell`] was given, as far as it can be told: the `'` it put before a
/// formula character dropped, and its escapes of unsafe characters (`\n`, `\r`, `\t`,
/// `\xNN`, `\u{N…}`) decoded. An escape of a safe character is literal text: `csv_cell`
/// never writes one.
fn unescape_cell(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut rest = cell;
    while let Some(i) = rest.find('\\') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        match unescape_one(tail) {
            Some((c, used)) => {
                out.push(c);
                rest = tail.get(used..).unwrap_or_default();
            }
            None => {
                out.push('\\');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    match out.strip_prefix('\'') {
        Some(unquoted) if unquoted.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            unquoted.to_owned()
        }
        _ => out,
    }
}

/// The unsafe character escaped at the start of `text` (which starts with `\`) and the
/// escape's length in bytes.
fn unescape_one(text: &str) -> Option<(char, usize)> {
    let after = text.get(1..)?;
    let (c, used) = match after.chars().next()? {
        'n' => ('\n', 2),
        'r' => ('\r', 2),
        't' => ('\t', 2),
        'x' => {
            let hex = after.get(1..3)?;
            (char::from(u8::from_str_radix(hex, 16).ok().filter(u8::is_ascii)?), 4)
        }
        'u' => {
            let body = after.strip_prefix("u{")?;
            let end = body.find('}')?;
            let hex = body.get(..end)?;
            (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 1 + 2 + end + 1)
        }
        _ => return None,
    };
    crate::text::is_unsafe_char(c).then_some((c, used))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::error::InputError;
    use crate::record::{NoticeReason, NoticeType, Party, Stage, StepError, StepErrorKind};
    use crate::results::test_records::{channel, record, target};

    fn text(rows: &[Vec<String>]) -> String {
        let mut out = Vec::new();
        for row in rows {
            push_line(&mut out, row);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_row_per_target_and_channel_in_order() {
        let mut r = record("example.com");
        let mut dmca = channel(None, None, Some("https://host.example/dmca"));
        dmca.notice_types = vec![NoticeType::Copyright, NoticeType::Ncii];
        r.notice_targets = vec![
            NoticeTarget {
                reason: NoticeReason::DirectHosting,
                ..target(
                    Party::Hosting,
                    "Host, Inc.",
                    "192.0.2.7",
                    vec![dmca, channel(Some("abuse@host.example"), None, None)],
                )
            },
            NoticeTarget {
                reason: NoticeReason::NetworkAboveHost,
                ..target(Party::Network, "Transit", "192.0.2.7", Vec::new())
            },
            target(
                Party::Registrar,
                "Registrar \"R\"",
                "example.com",
                vec![channel(Some("abuse@registrar.example"), Some("+1.5555550100"), None)],
            ),
        ];
        r.errors = vec![
            StepError::new(Stage::Rdap, "https://a", StepErrorKind::Timeout, "slow"),
            StepError::new(Stage::Whois, "whois.a:43", StepErrorKind::NotFound, "no"),
            StepError::new(Stage::Rdap, "https://b", StepErrorKind::Timeout, "slow"),
        ];
        let rows = csv_rows(7, "https://example.com/x", &Ok(r));
        assert_eq!(
            text(&rows),
            "7,https://example.com/x,example.com,192.0.2.7,hosting,\"Host, Inc.\",,,direct_hosting,,https://host.example/dmca,,copyright;ncii,ok,rdap:timeout;whois:not_found\r\n\
             7,https://example.com/x,example.com,192.0.2.7,hosting,\"Host, Inc.\",,,direct_hosting,abuse@host.example,,,,ok,rdap:timeout;whois:not_found\r\n\
             7,https://example.com/x,example.com,192.0.2.7,network,Transit,,,network_above_host,,,,,no_channel,rdap:timeout;whois:not_found\r\n\
             7,https://example.com/x,example.com,,registrar,\"Registrar \"\"R\"\"\",,,registrar_of_domain,abuse@registrar.example,,'+1.5555550100,,ok,rdap:timeout;whois:not_found\r\n"
        );
        assert!(rows.iter().all(|row| row.len() == CSV_COLUMNS.len()));
    }

    #[test]
    fn records_without_targets_and_failed_inputs_get_one_row() {
        let mut none = record("quiet.example");
        none.addresses = vec![crate::record::AddressRecord::new("192.0.2.9".parse().unwrap())];
        none.errors = vec![StepError::new(Stage::Rdap, "x", StepErrorKind::RateLimited, "…")];
        assert_eq!(
            text(&csv_rows(1, "quiet.example", &Ok(none))),
            "1,quiet.example,quiet.example,192.0.2.9,,,,,,,,,,no_target,rdap:rate_limited\r\n"
        );
        let bad: Result<HostingRecord, Error> =
            Err(Error::Input(InputError::PublicSuffix { name: "co.uk".into() }));
        assert_eq!(
            text(&csv_rows(2, "co.uk", &bad)),
            "2,co.uk,,,,,,,,,,,,input_error,input:public_suffix\r\n"
        );
        let panicked: Result<HostingRecord, Error> =
            Err(Error::Internal { message: "boom".into() });
        assert_eq!(
            text(&csv_rows(3, "x.example", &panicked)),
            "3,x.example,,,,,,,,,,,,lookup_error,lookup:internal\r\n"
        );
        let mut input_stage = record("odd.example");
        input_stage.errors = vec![StepError::new(Stage::Input, "odd", StepErrorKind::Other, "…")];
        input_stage.notice_targets = vec![target(
            Party::Registrar,
            "R",
            "odd.example",
            vec![channel(Some("a@b"), None, None)],
        )];
        assert_eq!(
            text(&csv_rows(4, "odd.example", &Ok(input_stage))),
            "4,odd.example,odd.example,,,,,,,,,,,input_error,input:other\r\n"
        );
    }

    #[test]
    fn server_text_cannot_start_a_formula_or_break_a_line() {
        let mut r = record("evil.example");
        r.notice_targets = vec![target(
            Party::Registrar,
            "=cmd|' /C calc'!A0",
            "evil.example",
            vec![channel(Some("@SUM(1+1)"), None, Some("https://x/\r\nforged,row"))],
        )];
        let rows = csv_rows(1, "-evil.example", &Ok(r));
        assert_eq!(
            text(&rows),
            "1,'-evil.example,evil.example,,registrar,'=cmd|' /C calc'!A0,,,registrar_of_domain,'@SUM(1+1),\"https://x/\\r\\nforged,row\",,,ok,\r\n"
        );
    }

    #[test]
    fn sink_writes_the_header_once_and_numbers_records() {
        let ok = |domain: &str| {
            let mut r = record(domain);
            r.notice_targets =
                vec![target(Party::Registrar, "R", domain, vec![channel(Some("a@r"), None, None)])];
            Ok(r)
        };
        let mut sink = CsvSink::new(Vec::new());
        sink.write("a.example", &ok("a.example")).unwrap();
        sink.write("b.example", &Err(Error::Input(InputError::Empty))).unwrap();
        assert_eq!(sink.records(), 2);
        let first = String::from_utf8(sink.into_inner()).unwrap();
        assert_eq!(
            first,
            "n,input,domain,ip,party,name,provider_id,kind,reason,email,web,phone,notice_types,status,errors\r\n\
             1,a.example,a.example,,registrar,R,,,registrar_of_domain,a@r,,,,ok,\r\n\
             2,b.example,,,,,,,,,,,,input_error,input:empty\r\n"
        );
        let mut sink = CsvSink::appending(Vec::new(), 2);
        sink.write("a.example", &ok("a.example")).unwrap();
        let more = String::from_utf8(sink.into_inner()).unwrap();
        assert_eq!(more, "3,a.example,a.example,,registrar,R,,,registrar_of_domain,a@r,,,,ok,\r\n");

        let mut sink = CsvSink::appending(Vec::new(), 3);
        let quoted = "https://x.example/?q=\"a,b\"";
        sink.write(quoted, &Err(Error::Input(InputError::Empty))).unwrap();
        let last = String::from_utf8(sink.into_inner()).unwrap();
        assert_eq!(
            last,
            "4,\"https://x.example/?q=\"\"a,b\"\"\",,,,,,,,,,,,input_error,input:empty\r\n"
        );

        let mut done = completed_inputs_csv(format!("{first}{more}{last}").as_bytes()).unwrap();
        assert_eq!(done.len(), 4);
        assert!(done.take(quoted));
        assert!(done.take("a.example") && done.take("a.example") && !done.take("a.example"));
        assert!(done.take("b.example") && !done.take("b.example"));
    }

    #[test]
    fn resume_counts_records_not_rows_and_drops_a_cut_record() {
        let file = "n,input,domain,ip,party,name,provider_id,kind,reason,email,web,phone,notice_types,status,errors\r\n\
                    1,a.example,a.example,,hosting,H,,,direct_hosting,x@h,,,,ok,\r\n\
                    1,a.example,a.example,,registrar,R,,,registrar_of_domain,x@r,,,,ok,\r\n\
                    2,a.example,a.example,,registrar,R,,,registrar_of_domain,x@r,,,,ok,\r\n\
                    3,'-x.example,,,,,,,,,,,,input_error,input:invalid_character\r\n\
                    4,b.example,b.example,,hosting,H,,,direct_hosting,x@h,,,,ok,\r\n\
                    4,b.exa";
        let resume = csv_resume(file.as_bytes()).unwrap();
        assert_eq!(
            &file[..usize::try_from(resume.whole_len).unwrap()],
            &file[..file.find("4,b.example").unwrap()]
        );
        let mut done = resume.completed;
        assert_eq!(done.len(), 3, "records 1 to 3; record 4 was cut");
        assert!(done.take("a.example") && done.take("a.example") && !done.take("a.example"));
        assert!(done.take("-x.example"));
        assert!(!done.contains("b.example"));
        // Ended cleanly, record 4 counts.
        let whole = file.strip_suffix("4,b.exa").unwrap();
        let resume = csv_resume(whole.as_bytes()).unwrap();
        assert_eq!(resume.whole_len, whole.len() as u64);
        assert_eq!(resume.completed.len(), 4);
        assert!(resume.completed.contains("b.example"));
        // Empty, a cut header, a whole header.
        let resume = csv_resume(&b""[..]).unwrap();
        assert!(resume.completed.is_empty() && resume.whole_len == 0);
        assert_eq!(csv_resume(&b"n,input,dom"[..]).unwrap().whole_len, 0);
        let header = &file[..file.find("1,a").unwrap()];
        assert_eq!(csv_resume(header.as_bytes()).unwrap().whole_len, header.len() as u64);
    }

    #[test]
    fn input_cells_read_back_as_the_input() {
        for input in [
            "example.com",
            "=cmd|' /C calc'!A0",
            "-a.example",
            "+1",
            "@x",
            "\ta.example",
            "a\u{1b}[2Jb\u{202e}c",
            "'quoted",
            r"back\slash",
            r"\x41 stays",
            "https://x.example/?q=\"a,b\"",
        ] {
            assert_eq!(unescape_cell(&csv_cell(input)), input, "{input:?}");
        }
        // Inputs that read as escapes are the documented exceptions.
        assert_eq!(unescape_cell(&csv_cell(r"a\nb")), "a\nb");
        assert_eq!(unescape_cell(&csv_cell("'=x")), "=x");
    }
}
