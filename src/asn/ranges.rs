//! [`CsvRangeSource`]: IP → ASN from an ip-location-db style CSV of inclusive address ranges
//! (`start_ip,end_ip,asn,org`), loaded into memory and searched by binary search.
//!
//! The ip-location-db `asn` data is CC BY 4.0 (RouteViews, DB-IP, NRO): whoever ships or shows
//! it must credit them.
//!
//! See [`CsvRangeSource`] for how overlapping rows are resolved.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use super::source::AsnSource;
use crate::error::{ConfigError, SourceError};
use crate::future::BoxFuture;
use crate::record::{Asn, IpBlock};

/// Name index meaning "the row had no organisation name".
const NO_NAME: u32 = u32::MAX;

/// An address type the range table can hold (`u32` for IPv4, `u128` for IPv6).
trait Addr: Copy + Ord {
    /// The next address, or `None` at the top of the space.
    fn succ(self) -> Option<Self>;
    /// The previous address, or `None` at the bottom of the space.
    fn pred(self) -> Option<Self>;
}

impl Addr for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

impl Addr for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

/// One inclusive range and what it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row<A> {
    start: A,
    end: A,
    asn: u32,
    /// Index into the interned names, or [`NO_NAME`].
    name: u32,
}

/// An IP → ASN table read from ip-location-db style CSV files (`start_ip,end_ip,asn,org`,
/// inclusive ranges, no header, org quoted when it holds a comma).
///
/// The whole table is held in memory: IPv4 ranges as `u32` pairs, IPv6 as `u128`, organisation
/// names interned. Lookups are a binary search. Source name: `csv`.
///
/// # Overlapping rows
///
/// Rows may come in any order and may overlap. On load they are sorted and flattened into
/// disjoint segments with this rule: an address belongs to the row with the **latest start**
/// among the rows that contain it; between rows with the same start, the **narrower** row wins.
/// For nested ranges that is the most specific one; for two ranges that merely cross, the later
/// one wins where they overlap. The `prefix` of an answer is the segment that answered, written
/// `start-end`: the row's own range, clipped where a more specific row overrides part of it.
///
/// Malformed rows (wrong field count, bad address, IPv4 start with IPv6 end, start after end,
/// non-numeric ASN) are skipped and counted in [`skipped_rows`](Self::skipped_rows).
pub struct CsvRangeSource {
    v4: Vec<Row<u32>>,
    v6: Vec<Row<u128>>,
    names: Vec<Box<str>>,
    rows: usize,
    skipped: usize,
    overlapping: usize,
}

impl fmt::Debug for CsvRangeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvRangeSource")
            .field("rows", &self.rows)
            .field("v4_segments", &self.v4.len())
            .field("v6_segments", &self.v6.len())
            .field("names", &self.names.len())
            .field("skipped_rows", &self.skipped)
            .field("overlapping_rows", &self.overlapping)
            .finish()
    }
}

/// Rows collected while reading one or more files, before sorting.
#[derive(Default)]
struct Loader {
    v4: Vec<Row<u32>>,
    v6: Vec<Row<u128>>,
    names: Vec<Box<str>>,
    name_index: HashMap<Box<str>, u32>,
    skipped: usize,
}

impl Loader {
    /// Read every row of `input`; only an I/O error fails.
    fn read(&mut self, input: impl Read, path: &Path) -> Result<(), ConfigError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let mut record = csv::ByteRecord::new();
        loop {
            let before = reader.position().byte();
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    if !self.add(&record) {
                        self.skipped += 1;
                        if self.skipped <= 10 {
                            tracing::debug!(
                                path = %path.display(),
                                line = record.position().map(csv::Position::line),
                                "skipping malformed ASN CSV row"
                            );
                        }
                    }
                }
                Err(e) => {
                    if let csv::ErrorKind::Io(io) = e.kind() {
                        return Err(ConfigError::AsnDatabase {
                            path: path.to_path_buf(),
                            reason: io.to_string(),
                        });
                    }
                    // Anything else is one bad row; stop if the reader cannot move past it.
                    self.skipped += 1;
                    if reader.position().byte() == before {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Add one record; false when it is malformed.
    fn add(&mut self, record: &csv::ByteRecord) -> bool {
        let (Some(start), Some(end), Some(asn), Some(org), None) =
            (record.get(0), record.get(1), record.get(2), record.get(3), record.get(4))
        else {
            return false;
        };
        let (Some(start), Some(end), Some(asn)) = (parse_ip(start), parse_ip(end), parse_u32(asn))
        else {
            return false;
        };
        match (start, end) {
            (IpAddr::V4(s), IpAddr::V4(e)) => {
                let (start, end) = (u32::from(s), u32::from(e));
                if start > end {
                    return false;
                }
                let name = self.intern(org);
                self.v4.push(Row { start, end, asn, name });
            }
            (IpAddr::V6(s), IpAddr::V6(e)) => {
                let (start, end) = (u128::from(s), u128::from(e));
                if start > end {
                    return false;
                }
                let name = self.intern(org);
                self.v6.push(Row { start, end, asn, name });
            }
            _ => return false,
        }
        true
    }

    /// The index of `org` in the name table, adding it if new.
    fn intern(&mut self, org: &[u8]) -> u32 {
        if org.is_empty() {
            return NO_NAME;
        }
        let org = String::from_utf8_lossy(org);
        if let Some(&index) = self.name_index.get(&*org) {
            return index;
        }
        let Ok(index) = u32::try_from(self.names.len()) else {
            return NO_NAME;
        };
        if index == NO_NAME {
            return NO_NAME;
        }
        let boxed: Box<str> = org.into();
        self.names.push(boxed.clone());
        self.name_index.insert(boxed, index);
        index
    }

    fn finish(self, path: &Path) -> Result<CsvRangeSource, ConfigError> {
        let rows = self.v4.len() + self.v6.len();
        if rows == 0 {
            return Err(ConfigError::AsnDatabase {
                path: path.to_path_buf(),
                reason: format!(
                    "no valid `start_ip,end_ip,asn,org` row ({} malformed rows skipped)",
                    self.skipped
                ),
            });
        }
        let (v4, overlap4) = flatten(self.v4);
        let (v6, overlap6) = flatten(self.v6);
        let source = CsvRangeSource {
            v4,
            v6,
            names: self.names,
            rows,
            skipped: self.skipped,
            overlapping: overlap4 + overlap6,
        };
        tracing::debug!(source = ?source, path = %path.display(), "loaded ASN CSV");
        Ok(source)
    }
}

fn parse_ip(field: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

fn parse_u32(field: &[u8]) -> Option<u32> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// Sort `rows` and turn them into disjoint segments (see [`CsvRangeSource`] for the rule). Returns the segments and the number of rows that overlapped an earlier one.
fn flatten<A: Addr>(mut rows: Vec<Row<A>>) -> (Vec<Row<A>>, usize) {
    // Same start: wider first, so the narrower (more specific) row ends up on top.
    rows.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut overlapping = 0;
    let mut reach: Option<A> = None;
    for row in &rows {
        if reach.is_some_and(|r| row.start <= r) {
            overlapping += 1;
        }
        reach = Some(reach.map_or(row.end, |r| r.max(row.end)));
    }
    if overlapping == 0 {
        rows.shrink_to_fit();
        return (rows, 0);
    }

    let mut out: Vec<Row<A>> = Vec::with_capacity(rows.len() + overlapping);
    // Rows containing the current position; the top of the stack is the one answering.
    let mut stack: Vec<Row<A>> = Vec::new();
    // First address not yet emitted; `None` once the top of the address space was emitted.
    let mut cursor: Option<A> = None;
    let emit = |out: &mut Vec<Row<A>>, from: A, to: A, row: &Row<A>| {
        if from <= to {
            out.push(Row { start: from, end: to, asn: row.asn, name: row.name });
        }
    };
    for row in rows {
        // Rows that end before this one starts are finished: emit what is left of them.
        while let Some(top) = stack.last().copied() {
            if top.end >= row.start {
                break;
            }
            stack.pop();
            if let Some(from) = cursor
                && from <= top.end
            {
                emit(&mut out, from, top.end, &top);
                cursor = top.end.succ();
            }
        }
        // The row still open under this one answers up to just before it.
        if let (Some(top), Some(from), Some(to)) = (stack.last(), cursor, row.start.pred()) {
            emit(&mut out, from, to, top);
        }
        cursor = Some(row.start);
        stack.push(row);
    }
    while let Some(top) = stack.pop() {
        let Some(from) = cursor else { break };
        if from <= top.end {
            emit(&mut out, from, top.end, &top);
            cursor = top.end.succ();
        }
    }
    out.shrink_to_fit();
    (out, overlapping)
}

/// The segment of `rows` (sorted, disjoint) containing `ip`.
fn find<A: Addr>(rows: &[Row<A>], ip: A) -> Option<&Row<A>> {
    let index = rows.partition_point(|r| r.start <= ip).checked_sub(1)?;
    rows.get(index).filter(|r| r.end >= ip)
}

impl CsvRangeSource {
    /// Load one CSV file (IPv4 rows, IPv6 rows, or both).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::open_many(&[path.as_ref()])
    }

    /// Load several CSV files into one table, typically `asn-ipv4.csv` and `asn-ipv6.csv`.
    pub fn open_many<P: AsRef<Path>>(paths: &[P]) -> Result<Self, ConfigError> {
        let mut loader = Loader::default();
        for path in paths {
            let path = path.as_ref();
            let file = File::open(path).map_err(|e| ConfigError::AsnDatabase {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            loader.read(BufReader::with_capacity(1 << 16, file), path)?;
        }
        let shown = match paths {
            [one] => one.as_ref().to_path_buf(),
            _ => PathBuf::from(
                paths
                    .iter()
                    .map(|p| p.as_ref().display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        };
        loader.finish(&shown)
    }

    /// Load CSV rows from any reader. Errors name the path `<reader>`.
    pub fn from_reader(input: impl Read) -> Result<Self, ConfigError> {
        let path = Path::new("<reader>");
        let mut loader = Loader::default();
        loader.read(input, path)?;
        loader.finish(path)
    }

    /// Rows that could not be used and were skipped while loading.
    pub fn skipped_rows(&self) -> usize {
        self.skipped
    }

    /// Rows loaded (IPv4 and IPv6), before overlapping rows were resolved.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when no row was loaded (never the case for a table that opened).
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Rows that overlapped an earlier row (resolved by the rule above).
    pub fn overlapping_rows(&self) -> usize {
        self.overlapping
    }

    /// The answer for `ip`, without the async wrapper.
    fn lookup_now(&self, ip: IpAddr) -> Option<Asn> {
        let (asn, name, prefix) = match ip.to_canonical() {
            IpAddr::V4(v4) => {
                let row = find(&self.v4, u32::from(v4))?;
                let prefix = IpBlock::Range(
                    Ipv4Addr::from(row.start).into(),
                    Ipv4Addr::from(row.end).into(),
                );
                (row.asn, row.name, prefix)
            }
            IpAddr::V6(v6) => {
                let row = find(&self.v6, u128::from(v6))?;
                let prefix = IpBlock::Range(
                    Ipv6Addr::from(row.start).into(),
                    Ipv6Addr::from(row.end).into(),
                );
                (row.asn, row.name, prefix)
            }
        };
        let name =
            usize::try_from(name).ok().and_then(|i| self.names.get(i)).map(|n| n.to_string());
        let mut answer = Asn::new(asn, name, self.name());
        answer.prefix = Some(prefix);
        Some(answer)
    }
}

impl AsnSource for CsvRangeSource {
    fn name(&self) -> &str {
        "csv"
    }

    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<Asn>, SourceError>> {
        let answer = self.lookup_now(ip);
        Box::pin(std::future::ready(Ok(answer)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::record::AsnSourceName;

    const V4_SLICE: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/asn/asn-ipv4-slice.csv");
    const V6_SLICE: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/asn/asn-ipv6-slice.csv");

    fn both() -> CsvRangeSource {
        CsvRangeSource::open_many(&[V4_SLICE, V6_SLICE]).unwrap()
    }

    fn get(source: &CsvRangeSource, ip: &str) -> Option<Asn> {
        source.lookup_now(ip.parse().unwrap())
    }

    /// (number, name, prefix) of the answer for `ip`.
    fn answer(source: &CsvRangeSource, ip: &str) -> Option<(u32, Option<String>, String)> {
        get(source, ip).map(|a| (a.number, a.name, a.prefix.unwrap().to_string()))
    }

    fn some(number: u32, name: &str, prefix: &str) -> Option<(u32, Option<String>, String)> {
        Some((number, Some(name.to_owned()), prefix.to_owned()))
    }

    #[test]
    fn slices_load_without_skipping() {
        let source = both();
        // 472 IPv4 lines + 373 IPv6 lines, every one well formed.
        assert_eq!(source.len(), 472 + 373);
        assert_eq!(source.skipped_rows(), 0);
        // 214.95.0.0-215.0.255.255 (AS749) and 215.0.0.0-215.1.3.255 (AS721) cross.
        assert_eq!(source.overlapping_rows(), 1);
        assert!(!source.is_empty());
        let debug = format!("{source:?}");
        assert!(debug.starts_with("CsvRangeSource"), "{debug}");
    }

    #[test]
    fn well_known_ipv4_addresses() {
        let s = both();
        assert_eq!(answer(&s, "1.1.1.1"), some(13335, "Cloudflare, Inc.", "1.1.1.0-1.1.1.255"));
        assert_eq!(answer(&s, "8.8.8.8"), some(15169, "Google LLC", "8.8.8.0-8.8.8.255"));
        assert_eq!(
            answer(&s, "193.0.6.139"),
            some(
                3333,
                "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)",
                "193.0.0.0-193.0.7.255"
            )
        );
        // Quoted org with a comma and no space.
        assert_eq!(answer(&s, "1.0.100.1"), some(18144, "Enecom,Inc.", "1.0.64.0-1.0.127.255"));
    }

    #[test]
    fn range_bounds_are_inclusive_and_gaps_are_none() {
        let s = both();
        assert_eq!(answer(&s, "8.8.8.0").unwrap().0, 15169);
        assert_eq!(answer(&s, "8.8.8.255").unwrap().0, 15169);
        assert_eq!(
            answer(&s, "8.8.9.0"),
            some(23089, "Hotwire Communications", "8.8.9.0-8.8.9.255")
        );
        assert_eq!(answer(&s, "1.0.0.0").unwrap().0, 13335);
        assert_eq!(answer(&s, "1.0.0.255").unwrap().0, 13335);
        // 1.0.1.0 - 1.0.3.255 is in no row.
        assert_eq!(answer(&s, "1.0.1.0"), None);
        assert_eq!(answer(&s, "1.0.3.255"), None);
        assert_eq!(answer(&s, "1.0.4.0"), some(38803, "Gtelecom Pty Ltd", "1.0.4.0-1.0.7.255"));
        // Below the first row and above the last one.
        assert_eq!(answer(&s, "0.0.0.0"), None);
        assert_eq!(answer(&s, "0.255.255.255"), None);
        assert_eq!(
            answer(&s, "223.255.254.255"),
            some(55415, "Marina Bay Sands Pte Ltd", "223.255.254.0-223.255.254.255")
        );
        assert_eq!(answer(&s, "223.255.255.0"), None);
        assert_eq!(answer(&s, "255.255.255.255"), None);
    }

    #[test]
    fn crossing_rows_in_the_real_data_follow_the_latest_start() {
        let s = both();
        // Before the crossing: the AS749 row, clipped where the AS721 row starts.
        let dod = "United States Department of Defense (DoD)";
        assert_eq!(answer(&s, "214.95.0.0"), some(749, dod, "214.95.0.0-214.255.255.255"));
        assert_eq!(answer(&s, "214.255.255.255"), some(749, dod, "214.95.0.0-214.255.255.255"));
        // Inside both rows: the later start (AS721) wins, up to its own end.
        let nic = "DoD Network Information Center";
        assert_eq!(answer(&s, "215.0.0.0"), some(721, nic, "215.0.0.0-215.1.3.255"));
        assert_eq!(answer(&s, "215.0.255.255"), some(721, nic, "215.0.0.0-215.1.3.255"));
        assert_eq!(answer(&s, "215.1.3.255"), some(721, nic, "215.0.0.0-215.1.3.255"));
        assert_eq!(answer(&s, "215.1.4.0"), some(27066, nic, "215.1.4.0-215.1.4.255"));
    }

    #[test]
    fn well_known_ipv6_addresses() {
        let s = both();
        assert_eq!(
            answer(&s, "2001:4860:4860::8888"),
            some(15169, "Google LLC", "2001:4860:480d::-2001:4860:ffff:ffff:ffff:ffff:ffff:ffff")
        );
        assert_eq!(
            answer(&s, "2001:4860:4805::1"),
            some(
                43515,
                "Google Ireland Limited",
                "2001:4860:4805::-2001:4860:4805:ffff:ffff:ffff:ffff:ffff"
            )
        );
        assert_eq!(
            answer(&s, "2001:67c:2e8:22::c100:68b"),
            some(
                3333,
                "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)",
                "2001:67c:2e8::-2001:67c:2e8:ffff:ffff:ffff:ffff:ffff"
            )
        );
        assert_eq!(
            answer(&s, "2606:4700:4700::1111"),
            some(
                13335,
                "Cloudflare, Inc.",
                "2606:4700:4700::-2606:4700:4700:ffff:ffff:ffff:ffff:ffff"
            )
        );
        // First and last address of 2606:4700::-2606:4700:1:ffff:…, then the gap after it.
        assert_eq!(answer(&s, "2606:4700::").unwrap().0, 13335);
        assert_eq!(answer(&s, "2606:4700:1:ffff:ffff:ffff:ffff:ffff").unwrap().0, 13335);
        assert_eq!(answer(&s, "2606:4700:2::"), None);
        assert_eq!(answer(&s, "2606:4700:f::ffff"), None);
        assert_eq!(answer(&s, "2606:4700:10::").unwrap().0, 13335);
        assert_eq!(
            answer(&s, "2c0f:fff0::1"),
            some(37125, "Layer3 Limited", "2c0f:fff0::-2c0f:fff0:ffff:ffff:ffff:ffff:ffff:ffff")
        );
        assert_eq!(answer(&s, "::1"), None);
        assert_eq!(answer(&s, "ffff::1"), None);
    }

    #[test]
    fn ipv4_mapped_ipv6_uses_the_ipv4_table() {
        let s = both();
        assert_eq!(answer(&s, "::ffff:8.8.8.8"), some(15169, "Google LLC", "8.8.8.0-8.8.8.255"));
    }

    #[test]
    fn each_family_alone() {
        let v4 = CsvRangeSource::open(V4_SLICE).unwrap();
        assert_eq!(answer(&v4, "8.8.8.8").unwrap().0, 15169);
        assert_eq!(answer(&v4, "2001:4860:4860::8888"), None);
        let v6 = CsvRangeSource::open(V6_SLICE).unwrap();
        assert_eq!(answer(&v6, "8.8.8.8"), None);
        assert_eq!(answer(&v6, "2001:4860:4860::8888").unwrap().0, 15169);
    }

    #[tokio::test]
    async fn trait_lookup_sets_the_source_name() {
        let s = both();
        let asn = s.lookup("8.8.8.8".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(asn.source, AsnSourceName::Csv);
        assert_eq!(asn.number, 15169);
        assert!(asn.other_origins.is_empty());
        assert_eq!(s.lookup("1.0.2.0".parse().unwrap()).await.unwrap(), None);
        assert_eq!(s.name(), "csv");
    }

    #[test]
    fn malformed_rows_are_skipped_and_counted() {
        let csv = "\
10.0.0.0,10.0.0.255,64500,Good One
10.0.1.0,10.0.1.255,64501
10.0.2.0,10.0.2.255,64502,Too,Many
10.0.3.0,2001:db8::,64503,Mixed families
2001:db8::,10.0.4.0,64504,Mixed families
10.0.5.255,10.0.5.0,64505,Start after end
10.0.6.0,10.0.6.255,AS64506,ASN with prefix
10.0.7.0,10.0.7.255,-1,Negative ASN
10.0.8.0,10.0.8.255,4294967296,ASN too large
10.0.9.0,10.0.9.300,64509,Bad address
not an address,10.0.10.255,64510,Garbage

10.0.11.0,10.0.11.255,64511,
 10.0.12.0 , 10.0.12.255 , 64512 , Spaced Out 
10.0.14.0,10.0.14.255,64514, \"Space before quote, splits\"
10.0.13.0,10.0.13.255,4294967295,Largest ASN
";
        let s = CsvRangeSource::from_reader(csv.as_bytes()).unwrap();
        // Skipped: the 10 bad lines, plus the quoted field after a space, which the CSV
        // reader does not take as quoted (so it has five fields). The empty line is no record.
        assert_eq!(s.skipped_rows(), 11);
        assert_eq!(s.len(), 4);
        assert_eq!(answer(&s, "10.0.0.1"), some(64500, "Good One", "10.0.0.0-10.0.0.255"));
        for ip in
            ["10.0.1.1", "10.0.2.1", "10.0.3.1", "10.0.5.1", "10.0.6.1", "10.0.10.1", "10.0.14.1"]
        {
            assert_eq!(answer(&s, ip), None, "{ip}");
        }
        assert_eq!(
            answer(&s, "10.0.11.1"),
            Some((64511, None, "10.0.11.0-10.0.11.255".to_owned()))
        );
        assert_eq!(answer(&s, "10.0.12.1"), some(64512, "Spaced Out", "10.0.12.0-10.0.12.255"));
        assert_eq!(answer(&s, "10.0.13.1").unwrap().0, u32::MAX);
    }

    #[test]
    fn invalid_utf8_and_bad_quoting_do_not_panic() {
        let mut bytes = b"10.0.0.0,10.0.0.255,64500,Caf\xe9\n".to_vec();
        bytes.extend_from_slice(b"10.0.1.0,10.0.1.255,64501,\"unterminated\n");
        bytes.extend_from_slice(b"\xff\xfe,\x00,\x01\n");
        let s = CsvRangeSource::from_reader(&bytes[..]).unwrap();
        assert_eq!(answer(&s, "10.0.0.1"), some(64500, "Caf\u{fffd}", "10.0.0.0-10.0.0.255"));
    }

    #[test]
    fn empty_or_useless_input_is_a_config_error() {
        let err = CsvRangeSource::from_reader(&b""[..]).unwrap_err();
        assert!(matches!(err, ConfigError::AsnDatabase { .. }), "{err:?}");
        let err = CsvRangeSource::from_reader(&b"a,b,c,d\n"[..]).unwrap_err();
        assert!(err.to_string().contains("1 malformed rows skipped"), "{err}");
        let err = CsvRangeSource::open("/nonexistent/whohosts/asn.csv").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/whohosts/asn.csv"), "{err}");
    }

    #[test]
    fn unsorted_rows_are_sorted() {
        let csv = "\
10.0.2.0,10.0.2.255,3,C
10.0.0.0,10.0.0.255,1,A
10.0.1.0,10.0.1.255,2,B
";
        let s = CsvRangeSource::from_reader(csv.as_bytes()).unwrap();
        assert_eq!(s.overlapping_rows(), 0);
        assert_eq!(answer(&s, "10.0.0.9"), some(1, "A", "10.0.0.0-10.0.0.255"));
        assert_eq!(answer(&s, "10.0.1.9"), some(2, "B", "10.0.1.0-10.0.1.255"));
        assert_eq!(answer(&s, "10.0.2.9"), some(3, "C", "10.0.2.0-10.0.2.255"));
    }

    #[test]
    fn nested_rows_answer_with_the_most_specific() {
        // A wide row with two nested rows, one of them nested twice, given out of order.
        let csv = "\
10.0.0.128,10.0.0.191,3,Inner
10.0.0.0,10.0.255.255,1,Outer
10.0.0.0,10.0.0.255,2,Middle
10.0.5.0,10.0.5.255,4,Other
";
        let s = CsvRangeSource::from_reader(csv.as_bytes()).unwrap();
        assert_eq!(s.overlapping_rows(), 3);
        assert_eq!(answer(&s, "10.0.0.0"), some(2, "Middle", "10.0.0.0-10.0.0.127"));
        assert_eq!(answer(&s, "10.0.0.127"), some(2, "Middle", "10.0.0.0-10.0.0.127"));
        assert_eq!(answer(&s, "10.0.0.128"), some(3, "Inner", "10.0.0.128-10.0.0.191"));
        assert_eq!(answer(&s, "10.0.0.191"), some(3, "Inner", "10.0.0.128-10.0.0.191"));
        assert_eq!(answer(&s, "10.0.0.192"), some(2, "Middle", "10.0.0.192-10.0.0.255"));
        // Back in the outer row after the nested ones end: binary search alone on the raw
        // rows would land on `Middle` or `Other` here and miss.
        assert_eq!(answer(&s, "10.0.1.0"), some(1, "Outer", "10.0.1.0-10.0.4.255"));
        assert_eq!(answer(&s, "10.0.5.5"), some(4, "Other", "10.0.5.0-10.0.5.255"));
        assert_eq!(answer(&s, "10.0.6.0"), some(1, "Outer", "10.0.6.0-10.0.255.255"));
        assert_eq!(answer(&s, "10.1.0.0"), None);
    }

    #[test]
    fn rows_reaching_the_ends_of_the_address_space() {
        let csv = "\
0.0.0.0,255.255.255.255,1,All
0.0.0.0,0.0.0.0,2,Bottom
255.255.255.255,255.255.255.255,3,Top
::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,4,All6
ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,5,Top6
";
        let s = CsvRangeSource::from_reader(csv.as_bytes()).unwrap();
        assert_eq!(answer(&s, "0.0.0.0"), some(2, "Bottom", "0.0.0.0-0.0.0.0"));
        assert_eq!(answer(&s, "0.0.0.1"), some(1, "All", "0.0.0.1-255.255.255.254"));
        assert_eq!(answer(&s, "255.255.255.254"), some(1, "All", "0.0.0.1-255.255.255.254"));
        assert_eq!(
            answer(&s, "255.255.255.255"),
            some(3, "Top", "255.255.255.255-255.255.255.255")
        );
        assert_eq!(answer(&s, "::").unwrap().0, 4);
        assert_eq!(answer(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff").unwrap().0, 4);
        assert_eq!(answer(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").unwrap().0, 5);
    }

    /// The overlap rule of [`CsvRangeSource`], checked the slow way.
    fn naive(rows: &[Row<u32>], ip: u32) -> Option<u32> {
        rows.iter()
            .filter(|r| r.start <= ip && ip <= r.end)
            .max_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)))
            .map(|r| r.asn)
    }

    #[test]
    fn flatten_matches_the_rule_on_random_rows() {
        // Small deterministic LCG: no extra dependency.
        let mut state: u64 = 0x5eed;
        let mut next = |bound: u32| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            u32::try_from(state >> 33).unwrap() % bound
        };
        for round in 0..300 {
            let count = 1 + next(12);
            let rows: Vec<Row<u32>> = (0..count)
                .map(|i| {
                    let start = next(60);
                    let end = start + next(25);
                    // Unique ASN per row so ties are visible.
                    Row { start, end, asn: i, name: NO_NAME }
                })
                .collect();
            // Rows with the same start and end are indistinguishable by the rule; keep one.
            let mut rows_dedup: Vec<Row<u32>> = Vec::new();
            for r in rows {
                if !rows_dedup.iter().any(|o| o.start == r.start && o.end == r.end) {
                    rows_dedup.push(r);
                }
            }
            let (flat, _) = flatten(rows_dedup.clone());
            for pair in flat.windows(2) {
                assert!(pair[0].end < pair[1].start, "round {round}: not disjoint {flat:?}");
            }
            for ip in 0..100 {
                let got = find(&flat, ip).map(|r| r.asn);
                assert_eq!(got, naive(&rows_dedup, ip), "round {round} ip {ip}: {rows_dedup:?}");
            }
        }
    }

    /// Load the full ip-location-db files from the shared fixtures and time it:
    /// `cargo test --release --lib asn::ranges -- --ignored --nocapture`.
    #[test]
    #[ignore = "needs /work/shared/fixtures/asn (full files); prints timings"]
    #[allow(clippy::print_stderr)]
    fn full_files_load_and_lookup_speed() {
        use std::time::Instant;
        let dir = std::env::var("WHOHOSTS_ASN_DIR")
            .unwrap_or_else(|_| "/work/shared/fixtures/asn".to_owned());
        let v4 = format!("{dir}/asn-ipv4.csv");
        let v6 = format!("{dir}/asn-ipv6.csv");
        let started = Instant::now();
        let s = CsvRangeSource::open_many(&[&v4, &v6]).unwrap();
        let load = started.elapsed();
        assert_eq!(s.len(), 411_961 + 103_197);
        assert_eq!(s.skipped_rows(), 0);
        assert_eq!(s.overlapping_rows(), 1);
        let bytes = s.v4.capacity() * std::mem::size_of::<Row<u32>>()
            + s.v6.capacity() * std::mem::size_of::<Row<u128>>()
            + s.names.iter().map(|n| n.len() + std::mem::size_of::<Box<str>>()).sum::<usize>();
        assert_eq!(answer(&s, "8.8.8.8"), some(15169, "Google LLC", "8.8.8.0-8.8.8.255"));
        let ips: Vec<IpAddr> = (0..1_000_000u32)
            .map(|i| {
                if i % 4 == 0 {
                    IpAddr::V6(Ipv6Addr::from(
                        0x2000_0000_0000_0000_0000_0000_0000_0000u128
                            | (u128::from(i.wrapping_mul(2_654_435_761)) << 96),
                    ))
                } else {
                    IpAddr::V4(Ipv4Addr::from(i.wrapping_mul(2_654_435_761)))
                }
            })
            .collect();
        let started = Instant::now();
        let mut found = 0usize;
        for ip in &ips {
            if s.lookup_now(*ip).is_some() {
                found += 1;
            }
        }
        let lookups = started.elapsed();
        eprintln!(
            "load {load:?}; {} names; ~{} MiB of tables; 1e6 lookups in {lookups:?} \
             ({:.0} ns each, {found} found)",
            s.names.len(),
            bytes / (1 << 20),
            lookups.as_nanos() as f64 / 1e6
        );
    }
}

/// Property tests (issue #8): CSV text built from valid and malformed rows with random
/// quoting, spacing and line endings, arbitrary bytes, failing and trickling readers all load
/// to a table or a [`ConfigError`], and lookups answer only for addresses inside a loaded row,
/// with the row the overlap rule picks. Cases per property: `WHOHOSTS_PROPTEST_CASES`
/// (default 256); regression inputs: `tests/corpus/csv/` (run by `tests/corpus.rs`).
#[cfg(test)]
mod prop_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;

    use super::*;

    /// The shared property-test configuration (fixed seed, 256 cases by default).
    fn config() -> ProptestConfig {
        crate::test_support::proptest_config()
    }

    const V4_BASE: u32 = 0x0a00_0000;
    const V6_BASE: u128 = 0x2001_0db8 << 96;

    /// Organisation names: plain, needing quotes, with quotes, non-UTF-8, empty.
    const ORGS: &[&[u8]] = &[
        b"Example Org",
        b"Org, Inc.",
        b"Say \"hi\"",
        b"Caf\xe9",
        b"",
        b"Multi\nLine",
        b"\xe4\xbe\x8b",
    ];

    /// One row as the table will hold it (`None` for a malformed row).
    #[derive(Debug, Clone)]
    struct Valid {
        start: u128,
        end: u128,
        v6: bool,
        asn: u32,
        org: &'static [u8],
    }

    /// A field as written: bare with optional spaces around it, or quoted (quotes doubled).
    fn write_field(out: &mut Vec<u8>, value: &[u8], style: u8) {
        let must_quote = value.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
        if must_quote || style.is_multiple_of(3) {
            out.push(b'"');
            for &b in value {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            let pad: &[u8] = if style % 3 == 1 { b"" } else { b"  \t" };
            out.extend_from_slice(pad);
            out.extend_from_slice(value);
            out.extend_from_slice(pad);
        }
    }

    fn addr(v6: bool, value: u128) -> String {
        if v6 {
            Ipv6Addr::from(V6_BASE + value).to_string()
        } else {
            Ipv4Addr::from(V4_BASE + u32::try_from(value).unwrap()).to_string()
        }
    }

    /// A row: valid (v4 or v6) or one of the malformed kinds, and its text fields.
    fn row() -> impl Strategy<Value = (Option<Valid>, Vec<Vec<u8>>)> {
        (
            0..200u128,
            0..60u128,
            any::<bool>(),
            any::<u32>(),
            proptest::sample::select(ORGS),
            0..10u8,
        )
            .prop_map(|(start, width, v6, asn, org, kind)| {
                let end = start + width;
                let fields = |s: String, e: String, a: String| {
                    vec![s.into_bytes(), e.into_bytes(), a.into_bytes(), org.to_vec()]
                };
                match kind {
                    // Malformed kinds.
                    0 if width > 0 => {
                        (None, fields(addr(v6, end), addr(v6, start), asn.to_string()))
                    }
                    1 => (None, fields(addr(v6, start), addr(!v6, end), asn.to_string())),
                    2 => (None, fields(addr(v6, start), addr(v6, end), format!("AS{asn}"))),
                    3 => (None, fields(addr(v6, start), addr(v6, end), "4294967296".to_owned())),
                    4 => {
                        let mut f = fields(addr(v6, start), addr(v6, end), asn.to_string());
                        f.pop();
                        (None, f)
                    }
                    5 => {
                        let mut f = fields(addr(v6, start), addr(v6, end), asn.to_string());
                        f.push(b"extra".to_vec());
                        (None, f)
                    }
                    6 => (None, fields("10.0.0.256".to_owned(), addr(v6, end), asn.to_string())),
                    _ => (
                        Some(Valid { start, end, v6, asn, org }),
                        fields(addr(v6, start), addr(v6, end), asn.to_string()),
                    ),
                }
            })
    }

    fn csv_text(rows: &[(Option<Valid>, Vec<Vec<u8>>)], styles: &[u8], crlf: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut style = styles.iter().copied().cycle();
        for (_, fields) in rows {
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_field(&mut out, field, style.next().unwrap_or(1));
            }
            out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        out
    }

    fn ip_of(v6: bool, value: u128) -> IpAddr {
        addr(v6, value).parse().unwrap()
    }

    /// `(a, b)` of a `start-end` prefix.
    fn segment(prefix: &str) -> (IpAddr, IpAddr) {
        let (a, b) = prefix.split_once('-').unwrap();
        (a.parse().unwrap(), b.parse().unwrap())
    }

    /// A reader that hands out one byte per read.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// A reader that fails after `left` bytes.
    struct Failing<'a>(&'a [u8], usize);

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.1 == 0 {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            self.1 -= n;
            if n == 0 { Err(std::io::Error::other("disk on fire")) } else { Ok(n) }
        }
    }

    /// A table or a `ConfigError::AsnDatabase`; every answer's segment holds the address.
    fn load_and_probe(bytes: &[u8], probes: &[IpAddr]) -> Option<CsvRangeSource> {
        match CsvRangeSource::from_reader(bytes) {
            Err(e) => {
                assert!(matches!(e, ConfigError::AsnDatabase { .. }), "{e:?}");
                None
            }
            Ok(table) => {
                assert!(!table.is_empty());
                for &ip in probes {
                    if let Some(asn) = table.lookup_now(ip) {
                        let (a, b) = segment(asn.prefix.map(|p| p.to_string()).as_deref().unwrap());
                        let ip = ip.to_canonical();
                        assert!(a <= ip && ip <= b, "{ip} outside {a}-{b}");
                        assert_eq!(asn.source, crate::record::AsnSourceName::Csv);
                    }
                }
                Some(table)
            }
        }
    }

    fn probes() -> impl Strategy<Value = Vec<IpAddr>> {
        proptest::collection::vec((any::<bool>(), 0..300u128).prop_map(|(v6, at)| ip_of(v6, at)), 8)
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn arbitrary_bytes_load_or_are_refused(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            probes in probes(),
        ) {
            load_and_probe(&bytes, &probes);
        }

        #[test]
        fn csv_like_noise_loads_or_is_refused(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "10.0.0.1", "10.0.0.9", "2001:db8::", "2001:db8::ff", ",", "\"", "\"\"", "\n",
                    "\r\n", "\r", " ", "64500", "4294967295", "Org", "\u{0}", "\u{feff}",
                ][..]),
                0..60,
            ),
            probes in probes(),
        ) {
            load_and_probe(pieces.concat().as_bytes(), &probes);
        }

        /// Built tables: rows counted exactly, and an address gets an answer exactly when a
        /// loaded row holds it: the row with the latest start, narrowest on a tie, clipped.
        #[test]
        fn lookups_answer_only_inside_loaded_rows(
            rows in proptest::collection::vec(row(), 0..14),
            styles in proptest::collection::vec(0..3u8, 1..8),
            crlf in any::<bool>(),
            extra in probes(),
            mutate in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
        ) {
            let mut text = csv_text(&rows, &styles, crlf);
            let valid: Vec<&Valid> = rows.iter().filter_map(|(v, _)| v.as_ref()).collect();
            let mut probes = extra;
            for v in &valid {
                for at in [Some(v.start), Some(v.end), v.start.checked_sub(1), Some(v.end + 1)] {
                    probes.extend(at.map(|at| ip_of(v.v6, at)));
                }
            }
            if let Some((at, byte)) = mutate {
                // One flipped byte: no exact expectations, only the general ones.
                if !text.is_empty() {
                    let i = at.index(text.len());
                    text[i] = byte;
                }
                load_and_probe(&text, &probes);
                return Ok(());
            }
            let loaded = load_and_probe(&text, &probes);
            let Some(table) = loaded else {
                prop_assert!(valid.is_empty(), "refused with {} valid rows", valid.len());
                return Ok(());
            };
            prop_assert_eq!(table.len(), valid.len());
            prop_assert_eq!(table.skipped_rows(), rows.len() - valid.len());
            // Trickled one byte at a time, the same table.
            let trickled = CsvRangeSource::from_reader(Trickle(&text)).unwrap();
            prop_assert_eq!(
                (trickled.len(), trickled.skipped_rows()),
                (table.len(), table.skipped_rows())
            );
            for ip in probes {
                let (v6, value) = match ip {
                    IpAddr::V4(v4) => (false, u128::from(u32::from(v4).wrapping_sub(V4_BASE))),
                    IpAddr::V6(v6) => (true, u128::from(v6).wrapping_sub(V6_BASE)),
                };
                let holding: Vec<&&Valid> = valid
                    .iter()
                    .filter(|v| v.v6 == v6 && v.start <= value && value <= v.end)
                    .collect();
                let got = table.lookup_now(ip);
                prop_assert_eq!(trickled.lookup_now(ip), got.clone());
                let Some(top_start) = holding.iter().map(|v| v.start).max() else {
                    prop_assert_eq!(got, None, "{} is in no row", ip);
                    continue;
                };
                let top_end =
                    holding.iter().filter(|v| v.start == top_start).map(|v| v.end).min().unwrap();
                let winners: Vec<(u32, Option<String>)> = holding
                    .iter()
                    .filter(|v| (v.start, v.end) == (top_start, top_end))
                    .map(|v| {
                        let org = String::from_utf8_lossy(v.org).into_owned();
                        (v.asn, (!org.is_empty()).then_some(org))
                    })
                    .collect();
                let got = got.unwrap();
                prop_assert!(
                    winners.contains(&(got.number, got.name.clone())),
                    "{} → {:?}, want one of {:?}",
                    ip,
                    got,
                    winners
                );
                let (a, b) = segment(got.prefix.map(|p| p.to_string()).as_deref().unwrap());
                prop_assert!(
                    a >= ip_of(v6, top_start) && b <= ip_of(v6, top_end),
                    "{}: {:?}",
                    ip,
                    got.prefix
                );
            }
        }

        /// A reader failing part-way is a `ConfigError`, never a panic or a partial table.
        #[test]
        fn failing_readers_are_config_errors(
            rows in proptest::collection::vec(row(), 1..6),
            at in any::<prop::sample::Index>(),
        ) {
            let text = csv_text(&rows, &[1], false);
            let cut = at.index(text.len() + 1);
            let err = CsvRangeSource::from_reader(Failing(&text, cut)).unwrap_err();
            let io = matches!(
                &err,
                ConfigError::AsnDatabase { reason, .. } if reason.contains("disk on fire")
            );
            prop_assert!(io, "{:?}", err);
        }
    }
}
