//! Whether a downloaded data file is usable, judged by the same parser a client reads it with
//! at run time, and the date of the data it holds.

use crate::asn::CsvRangeSource;
#[cfg(feature = "mmdb")]
use crate::asn::MmdbSource;
use crate::provider::ranges::RangeTable;
use crate::rdap::bootstrap;
use crate::rdap::registrars::RegistrarList;

/// Fewest rows a provider range list must give (the shipped one has 8,289).
pub(crate) const MIN_RANGE_ROWS: usize = 1_000;
/// Fewest rows a registrar list must give (the shipped one has 4,177).
pub(crate) const MIN_REGISTRAR_ROWS: usize = 1_000;

/// The kind of file a data set holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// An RFC 9224 bootstrap registry (JSON).
    Bootstrap,
    /// `cidr provider_id kind` lines.
    ProviderRanges,
    /// IANA's registrar CSV.
    Registrars,
    /// A MaxMind-format ASN database.
    Mmdb,
    /// An ip-location-db ASN CSV.
    AsnCsv,
}

/// Check `bytes` as a file of `kind`. `Ok` gives the date the data names, if any
/// (`YYYY-MM-DD`); `Err` says why the file is refused.
pub(crate) fn check(kind: FileKind, bytes: &[u8]) -> Result<Option<String>, String> {
    let text = || std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"));
    match kind {
        FileKind::Bootstrap => {
            let publication = bootstrap::check_file(text()?)?;
            Ok(publication.as_deref().and_then(date_part))
        }
        FileKind::ProviderRanges => {
            let rows = RangeTable::parse(text()?).len();
            if rows < MIN_RANGE_ROWS {
                return Err(format!("{rows} usable range rows, fewer than {MIN_RANGE_ROWS}"));
            }
            Ok(None)
        }
        FileKind::Registrars => {
            let rows = RegistrarList::parse(text()?).len();
            if rows < MIN_REGISTRAR_ROWS {
                return Err(format!(
                    "{rows} usable registrar rows, fewer than {MIN_REGISTRAR_ROWS}"
                ));
            }
            Ok(None)
        }
        #[cfg(not(feature = "mmdb"))]
        FileKind::Mmdb => Err("a MaxMind database needs the cargo feature `mmdb`".to_owned()),
        #[cfg(feature = "mmdb")]
        FileKind::Mmdb => {
            let db = MmdbSource::from_bytes(bytes.to_vec()).map_err(|e| e.to_string())?;
            let epoch = i64::try_from(db.build_epoch()).ok();
            Ok(epoch
                .and_then(|s| jiff::Timestamp::from_second(s).ok())
                .map(|t| t.strftime("%Y-%m-%d").to_string()))
        }
        FileKind::AsnCsv => {
            let db = CsvRangeSource::from_reader(bytes).map_err(|e| e.to_string())?;
            if db.is_empty() {
                return Err("no usable ASN range rows".to_owned());
            }
            Ok(None)
        }
    }
}

/// The `YYYY-MM-DD` at the start of a timestamp such as `2025-11-04T19:00:02Z`, if it is a
/// date.
pub(crate) fn date_part(text: &str) -> Option<String> {
    let date = text.get(..10)?;
    date.parse::<jiff::civil::Date>().ok().map(|d| d.to_string())
}

/// The date of an HTTP date (`Last-Modified`: `Tue, 25 Nov 2026 10:00:00 GMT`).
pub(crate) fn http_date(text: &str) -> Option<String> {
    let when = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(text.trim()).ok()?;
    Some(when.strftime("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const DNS: &str = include_str!("../../data/bootstrap/dns.json");
    const RANGES: &str = include_str!("../../data/providers/ranges.txt");
    const REGISTRARS: &str = include_str!("../../data/registrars/iana-registrar-ids.csv");

    #[test]
    fn shipped_files_pass_with_their_dates() {
        let publication = DNS.split("\"publication\"").nth(1).unwrap();
        let expected = publication.split('"').nth(1).unwrap().get(..10).unwrap().to_owned();
        assert_eq!(check(FileKind::Bootstrap, DNS.as_bytes()), Ok(Some(expected)));
        assert_eq!(check(FileKind::ProviderRanges, RANGES.as_bytes()), Ok(None));
        assert_eq!(check(FileKind::Registrars, REGISTRARS.as_bytes()), Ok(None));
    }

    #[test]
    fn truncated_and_empty_files_are_refused_with_a_reason() {
        let half = DNS.get(..DNS.len() / 2).unwrap();
        let refused = check(FileKind::Bootstrap, half.as_bytes()).unwrap_err();
        assert!(refused.starts_with("invalid JSON: EOF while parsing"), "{refused}");
        assert_eq!(
            check(FileKind::Bootstrap, br#"{"publication":"2026-01-01T00:00:00Z","services":[]}"#),
            Err("no usable service (entries with http(s) URLs)".to_owned())
        );
        let head: String = RANGES.lines().take(200).collect::<Vec<_>>().join("\n");
        let refused = check(FileKind::ProviderRanges, head.as_bytes()).unwrap_err();
        assert!(refused.ends_with(" usable range rows, fewer than 1000"), "{refused}");
        assert_eq!(
            check(FileKind::Registrars, b"<html>moved</html>"),
            Err("0 usable registrar rows, fewer than 1000".to_owned())
        );
        assert!(check(FileKind::Mmdb, b"not a database").is_err());
    }

    #[test]
    fn dates_from_timestamps_and_http_dates() {
        assert_eq!(date_part("2025-11-04T19:00:02Z").as_deref(), Some("2025-11-04"));
        assert_eq!(date_part("yesterday"), None);
        assert_eq!(http_date("Wed, 25 Nov 2026 10:00:00 GMT").as_deref(), Some("2026-11-25"));
        assert_eq!(http_date("soon"), None);
    }
}

#[cfg(all(test, feature = "mmdb"))]
mod broken_databases {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Which of MaxMind's intentionally broken test databases (tests/fixtures/mmdb/broken)
    /// a refresh refuses at the door; the good test database, and half of it.
    #[test]
    fn broken_maxmind_databases() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mmdb");
        let good = std::fs::read(dir.join("GeoLite2-ASN-Test.mmdb")).unwrap();
        assert_eq!(check(FileKind::Mmdb, &good), Ok(Some("2026-02-04".to_owned())));
        assert!(check(FileKind::Mmdb, good.get(..good.len() / 2).unwrap()).is_err());
        let mut names: Vec<_> = std::fs::read_dir(dir.join("broken"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".mmdb"))
            .collect();
        names.sort();
        let mut accepted = Vec::new();
        for name in &names {
            let bytes = std::fs::read(dir.join("broken").join(name)).unwrap();
            match check(FileKind::Mmdb, &bytes) {
                Err(why) => {
                    assert!(why.starts_with("cannot open ASN database <memory>: "), "{why}")
                }
                Ok(date) => accepted.push((name.as_str(), date)),
            }
        }
        assert_eq!(names.len(), 12);
        // Eleven of twelve are refused when opened; this one's damage is deep in its search
        // tree, found only by a lookup that walks there (which then fails as a step error,
        // see asn::mmdb's broken-database tests), so it is accepted.
        assert_eq!(
            accepted,
            vec![("libmaxminddb-corrupt-search-tree.mmdb", Some("2001-09-09".to_owned()))]
        );
    }
}
