//! Bulk input read as lines with bounded memory: one item per line (blank lines and `#`
//! comments aside), a line that is not UTF-8 or is longer than the cap becomes an
//! [`InputLine::Invalid`] naming its line number, and a read error ends the lines.
//!
//! A line is never buffered whole: past the cap the rest of it is read and dropped, so
//! memory stays about `max_line` bytes plus the reader's buffer for any input (even an
//! endless one without a newline, such as `/dev/zero`). The input is read once.

use std::io::{self, BufRead};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default longest line, in bytes (without its line end).
pub const DEFAULT_MAX_LINE: usize = 4096;

/// How many bytes of an invalid line its [`InputLine::Invalid`] text keeps.
const SHOWN: usize = 64;

/// One line of bulk input: a query or not (a closed set, so callers match both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputLine {
    /// A query: the line trimmed, with its line number (from 1).
    Query {
        /// Line number, from 1.
        line: u64,
        /// The trimmed text.
        text: String,
    },
    /// A line that cannot be a query.
    Invalid {
        /// Line number, from 1.
        line: u64,
        /// The line's first bytes, decoded lossily: the same for the same line in every run,
        /// so it serves as the line's key when resuming.
        text: String,
        /// What is wrong with it.
        problem: LineProblem,
    },
}

/// Why a line is not a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineProblem {
    /// The line is not valid UTF-8.
    #[error("not valid UTF-8")]
    NotUtf8,
    /// The line is longer than the cap.
    #[error("longer than {limit} bytes")]
    TooLong {
        /// The cap, in bytes.
        limit: usize,
    },
}

/// The lines of a reader, as [`InputLine`]s; an `Err` item (a read error) ends them.
#[derive(Debug)]
pub struct InputLines<R> {
    reader: R,
    max_line: usize,
    line: u64,
    buf: Vec<u8>,
    bytes: Arc<AtomicU64>,
    done: bool,
}

impl<R: BufRead> InputLines<R> {
    /// The lines of `reader`, each at most `max_line` bytes (see [`DEFAULT_MAX_LINE`]).
    pub fn new(reader: R, max_line: usize) -> Self {
        Self {
            reader,
            max_line,
            line: 0,
            buf: Vec::new(),
            bytes: Arc::new(AtomicU64::new(0)),
            done: false,
        }
    }

    /// A shared count of the bytes read so far (for progress against the input's size).
    pub fn bytes_read(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.bytes)
    }

    /// The buffer's capacity: stays near `max_line` whatever the input.
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Read one raw line into `buf` (at most `max_line + 1` bytes kept): `Ok(None)` at the
    /// end, `Ok(Some(too_long))` otherwise.
    fn read_raw(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(any.then_some(too_long));
            }
            any = true;
            let (part, used, ended) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (chunk.get(..i).unwrap_or_default(), i + 1, true),
                None => (chunk, chunk.len(), false),
            };
            if !too_long {
                let room = self.max_line.saturating_sub(self.buf.len());
                if part.len() > room {
                    too_long = true;
                }
                let keep = part.len().min(room);
                self.buf.extend_from_slice(part.get(..keep).unwrap_or_default());
            }
            self.reader.consume(used);
            self.bytes.fetch_add(used as u64, Ordering::Relaxed);
            if ended {
                return Ok(Some(too_long));
            }
        }
    }

    /// The first bytes of the current line, decoded lossily.
    fn shown(&self) -> String {
        let end = self.buf.len().min(SHOWN);
        String::from_utf8_lossy(self.buf.get(..end).unwrap_or_default()).into_owned()
    }
}

impl<R: BufRead> Iterator for InputLines<R> {
    type Item = io::Result<InputLine>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let too_long = match self.read_raw() {
                Ok(Some(too_long)) => too_long,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.line += 1;
            let line = self.line;
            if too_long {
                let problem = LineProblem::TooLong { limit: self.max_line };
                return Some(Ok(InputLine::Invalid { line, text: self.shown(), problem }));
            }
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
            match std::str::from_utf8(&self.buf) {
                Err(_) => {
                    let problem = LineProblem::NotUtf8;
                    return Some(Ok(InputLine::Invalid { line, text: self.shown(), problem }));
                }
                Ok(text) => {
                    let text = text.trim();
                    if text.is_empty() || text.starts_with('#') {
                        continue;
                    }
                    return Some(Ok(InputLine::Query { line, text: text.to_owned() }));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<InputLine> {
        InputLines::new(input, max).map(Result::unwrap).collect()
    }

    #[test]
    fn every_line_is_a_query_or_an_invalid_line_with_its_number() {
        let input =
            b"example.com\r\n\n# comment\n  b.org  \ncaf\xe9.fr\nx\xff\ntoo-long-line\nlast";
        assert_eq!(
            lines(input, 12),
            vec![
                InputLine::Query { line: 1, text: "example.com".into() },
                InputLine::Query { line: 4, text: "b.org".into() },
                InputLine::Invalid {
                    line: 5,
                    text: "caf\u{fffd}.fr".into(),
                    problem: LineProblem::NotUtf8
                },
                InputLine::Invalid {
                    line: 6,
                    text: "x\u{fffd}".into(),
                    problem: LineProblem::NotUtf8
                },
                InputLine::Invalid {
                    line: 7,
                    text: "too-long-lin".into(),
                    problem: LineProblem::TooLong { limit: 12 }
                },
                InputLine::Query { line: 8, text: "last".into() },
            ]
        );
    }

    #[test]
    fn a_line_at_the_cap_is_a_query_one_byte_over_is_not() {
        assert_eq!(lines(b"abcd\nabcde\n", 4).len(), 2);
        assert!(matches!(lines(b"abcd\n", 4)[0], InputLine::Query { .. }));
        assert!(matches!(
            lines(b"abcde\n", 4)[0],
            InputLine::Invalid { problem: LineProblem::TooLong { limit: 4 }, .. }
        ));
    }

    #[test]
    fn a_read_error_ends_the_lines_after_the_lines_before_it() {
        struct Failing(bool);
        impl io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("disk gone"));
                }
                buf[..6].copy_from_slice(b"a.com\n");
                Ok(6)
            }
        }
        let mut it = InputLines::new(io::BufReader::new(Failing(false)), 100);
        assert_eq!(it.next().unwrap().unwrap(), InputLine::Query { line: 1, text: "a.com".into() });
        assert_eq!(it.next().unwrap().unwrap_err().to_string(), "disk gone");
        assert!(it.next().is_none());
    }

    #[test]
    fn two_hundred_megabytes_without_a_newline_keep_the_buffer_at_the_cap() {
        // `bulk` on a 200 MB line used to hold the whole line (551 MB RSS); here the line
        // becomes one invalid item and the buffer never outgrows the cap.
        let zeros = io::BufReader::new(io::Read::take(io::repeat(0), 200 << 20));
        let mut it = InputLines::new(zeros, DEFAULT_MAX_LINE);
        let first = it.next().unwrap().unwrap();
        assert!(matches!(
            first,
            InputLine::Invalid { line: 1, problem: LineProblem::TooLong { .. }, .. }
        ));
        assert!(it.next().is_none());
        assert!(it.buffer_capacity() <= 2 * DEFAULT_MAX_LINE, "{}", it.buffer_capacity());
        assert_eq!(it.bytes_read().load(Ordering::Relaxed), 200 << 20);
    }
}
