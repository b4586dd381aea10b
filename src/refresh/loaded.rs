//! The data a client reads — each refreshed file in its data directory that is present and
//! valid, the embedded snapshot otherwise — with the version (date) of each set and whether
//! it is stale.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::DataSet;
use super::check::{FileKind, MIN_RANGE_ROWS, MIN_REGISTRAR_ROWS};
use super::store;
use crate::asn::{self, AsnSource};
use crate::config::{Config, DataSettings};
use crate::error::ConfigError;
use crate::provider::ranges::{self, RangeTable};
use crate::rdap::bootstrap::Bootstrap;
use crate::rdap::registrars::{self, RegistrarList};
use crate::record::DataVersions;

/// One data set as a client uses it: [`Client::data_versions`](crate::Client::data_versions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DataVersion {
    /// The set: `bootstrap`, `provider_ranges`, `registrars` or `asn_database`.
    pub set: &'static str,
    /// The date of the data (`YYYY-MM-DD`), if it names one.
    pub date: Option<String>,
    /// The refreshed file in use, or `None` for the embedded snapshot.
    pub file: Option<PathBuf>,
    /// Whole days from [`date`](Self::date) to today (or
    /// [`DataSettings::today`](crate::DataSettings::today)).
    pub age_days: Option<i64>,
    /// The age at which the set counts as stale (from [`DataSettings`]).
    pub stale_after_days: u32,
    /// True when [`age_days`](Self::age_days) is past
    /// [`stale_after_days`](Self::stale_after_days): refresh it (`whohosts refresh`).
    pub stale: bool,
}

/// A refreshed ASN database in use, with its date.
#[derive(Debug, Clone)]
pub(crate) struct RefreshedAsn {
    pub(crate) source: Arc<dyn AsnSource>,
    pub(crate) path: PathBuf,
    pub(crate) date: Option<String>,
}

/// The data of one client, loaded once by `ClientBuilder::build`.
#[derive(Debug, Clone)]
pub(crate) struct LoadedData {
    /// The RDAP bootstrap.
    pub(crate) bootstrap: Bootstrap,
    /// The refreshed provider range table, if one is in use.
    pub(crate) ranges: Option<Arc<RangeTable>>,
    /// The refreshed registrar list, if one is in use.
    pub(crate) registrars: Option<Arc<RegistrarList>>,
    /// The refreshed ASN database, if one is in use.
    pub(crate) asn: Option<RefreshedAsn>,
    /// Where each set came from and its date, without ages.
    versions: Vec<(&'static str, Option<String>, Option<PathBuf>)>,
    settings: DataSettings,
}

impl LoadedData {
    /// Load what `config` names: the bootstrap directory (strict: an error fails the build,
    /// as before), else the refreshed files of `config.data.dir` (lenient: a bad file is
    /// warned about and the embedded snapshot used), else the embedded snapshots.
    pub(crate) fn load(config: &Config) -> Result<Self, ConfigError> {
        let dir = config.data.dir.as_deref();
        let (bootstrap, bootstrap_file) = match (&config.bootstrap_dir, dir) {
            (Some(b), _) => (Bootstrap::from_dir(b)?, Some(b.clone())),
            (None, Some(d)) => {
                let b = d.join("bootstrap");
                let any = DataSet::BOOTSTRAP.iter().any(|s| d.join(s.file()).is_file());
                (Bootstrap::from_refreshed(&b)?, any.then_some(b))
            }
            (None, None) => (Bootstrap::embedded()?, None),
        };
        let ranges = dir.and_then(|d| refreshed(d, DataSet::ProviderRanges, load_ranges));
        let registrars = dir.and_then(|d| refreshed(d, DataSet::Registrars, load_registrars));
        let asn = dir.and_then(load_asn);
        let versions = vec![
            ("bootstrap", bootstrap.publication().newest(), bootstrap_file),
            match &ranges {
                Some((_, date, path)) => ("provider_ranges", date.clone(), Some(path.clone())),
                None => ("provider_ranges", ranges::shipped_date().map(str::to_owned), None),
            },
            match &registrars {
                Some((_, date, path)) => ("registrars", date.clone(), Some(path.clone())),
                None => ("registrars", Some(registrars::EMBEDDED_DATE.to_owned()), None),
            },
        ];
        let mut loaded = Self {
            bootstrap,
            ranges: ranges.map(|r| r.0),
            registrars: registrars.map(|r| r.0),
            asn,
            versions,
            settings: config.data.clone(),
        };
        if let Some(a) = &loaded.asn {
            loaded.versions.push(("asn_database", a.date.clone(), Some(a.path.clone())));
        }
        Ok(loaded)
    }

    /// The dates a record names.
    pub(crate) fn record_versions(&self) -> DataVersions {
        let date = |set: &str| self.versions.iter().find(|v| v.0 == set).and_then(|v| v.1.clone());
        DataVersions {
            bootstrap: date("bootstrap"),
            provider_ranges: date("provider_ranges"),
            registrars: date("registrars"),
            asn_database: self.asn.as_ref().and_then(|a| a.date.clone()),
        }
    }

    /// Each set with its age on `today` (default: the settings' day, else today in UTC).
    pub(crate) fn versions(&self) -> Vec<DataVersion> {
        let today = self.settings.today.unwrap_or_else(today_utc);
        self.versions
            .iter()
            .map(|(set, date, file)| {
                let limit = stale_after(&self.settings, set);
                let age = date.as_deref().and_then(|d| age_days(d, today));
                DataVersion {
                    set,
                    date: date.clone(),
                    file: file.clone(),
                    age_days: age,
                    stale_after_days: limit,
                    stale: is_stale(age, limit),
                }
            })
            .collect()
    }
}

/// Today's date in UTC.
fn today_utc() -> jiff::civil::Date {
    crate::clock::now_timestamp().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The stale threshold of `set`.
fn stale_after(settings: &DataSettings, set: &str) -> u32 {
    match set {
        "bootstrap" => settings.bootstrap_stale_days,
        "provider_ranges" => settings.provider_ranges_stale_days,
        "registrars" => settings.registrars_stale_days,
        _ => settings.asn_database_stale_days,
    }
}

/// Whole days from `date` (`YYYY-MM-DD`) to `today`.
pub(crate) fn age_days(date: &str, today: jiff::civil::Date) -> Option<i64> {
    let date: jiff::civil::Date = date.parse().ok()?;
    let span = date.until((jiff::Unit::Day, today)).ok()?;
    Some(i64::from(span.get_days()))
}

/// Stale: older than `limit` days. An undated set is not judged.
pub(crate) fn is_stale(age: Option<i64>, limit: u32) -> bool {
    age.is_some_and(|a| a > i64::from(limit))
}

/// A refreshed file of `set` in `dir`, read by `load` with its date; `None` when the file is
/// missing, or (warned) unusable.
fn refreshed<T>(
    dir: &Path,
    set: DataSet,
    load: impl Fn(&str) -> Result<T, String>,
) -> Option<(Arc<T>, Option<String>, PathBuf)> {
    let path = dir.join(set.file());
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            warn_unusable(&path, &e.to_string());
            return None;
        }
    };
    match load(&text) {
        Ok(value) => {
            let date = store::read_meta(&path).and_then(|m| m.data_date);
            Some((Arc::new(value), date, path))
        }
        Err(reason) => {
            warn_unusable(&path, &reason);
            None
        }
    }
}

fn warn_unusable(path: &Path, reason: &str) {
    tracing::warn!(
        path = %path.display(),
        reason,
        "refreshed data file unusable; using the embedded snapshot"
    );
}

fn load_ranges(text: &str) -> Result<RangeTable, String> {
    let table = RangeTable::parse(text);
    if table.len() < MIN_RANGE_ROWS {
        return Err(format!("{} usable range rows, fewer than {MIN_RANGE_ROWS}", table.len()));
    }
    Ok(table)
}

fn load_registrars(text: &str) -> Result<RegistrarList, String> {
    let list = RegistrarList::parse(text);
    if list.len() < MIN_REGISTRAR_ROWS {
        return Err(format!(
            "{} usable registrar rows, fewer than {MIN_REGISTRAR_ROWS}",
            list.len()
        ));
    }
    Ok(list)
}

/// The refreshed ASN database (`asn/asn.mmdb`, else `asn/asn.csv`), if one opens.
fn load_asn(dir: &Path) -> Option<RefreshedAsn> {
    [FileKind::Mmdb, FileKind::AsnCsv].into_iter().find_map(|kind| {
        let path = dir.join(super::asn_file(kind));
        if !path.is_file() {
            return None;
        }
        match asn::open_database(&path) {
            Ok(source) => {
                let date = store::read_meta(&path).and_then(|m| m.data_date);
                Some(RefreshedAsn { source, path, date })
            }
            Err(e) => {
                warn_unusable(&path, &e.to_string());
                None
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn day(text: &str) -> jiff::civil::Date {
        text.parse().unwrap()
    }

    /// The shipped provider ranges (2025-07-25) are stale on 2026-12-06 under the 90-day
    /// default; the same snapshot was fresh on 2025-09-01.
    #[cfg(feature = "providers-data")]
    #[test]
    fn shipped_ranges_are_stale_in_december_2026() {
        let mut config = Config::default();
        config.data.today = Some(day("2026-12-06"));
        let loaded = LoadedData::load(&config).unwrap();
        let versions = loaded.versions();
        let ranges = versions.iter().find(|v| v.set == "provider_ranges").unwrap();
        assert_eq!(ranges.date.as_deref(), Some("2025-07-25"));
        assert_eq!(ranges.age_days, Some(499));
        assert_eq!((ranges.stale_after_days, ranges.stale), (90, true));
        assert_eq!(ranges.file, None);

        config.data.today = Some(day("2025-09-01"));
        let versions = LoadedData::load(&config).unwrap().versions();
        let ranges = versions.iter().find(|v| v.set == "provider_ranges").unwrap();
        assert_eq!((ranges.age_days, ranges.stale), (Some(38), false));
        let registrars = versions.iter().find(|v| v.set == "registrars").unwrap();
        assert_eq!(registrars.date.as_deref(), Some("2026-03-13"));
    }

    #[test]
    fn thresholds_are_strictly_older_than() {
        assert!(!is_stale(Some(90), 90));
        assert!(is_stale(Some(91), 90));
        assert!(!is_stale(None, 0));
        assert_eq!(age_days("2026-12-01", day("2026-12-06")), Some(5));
        assert_eq!(age_days("not a date", day("2026-12-06")), None);
    }

    #[test]
    fn record_names_the_embedded_dates() {
        let loaded = LoadedData::load(&Config::default()).unwrap();
        let v = loaded.record_versions();
        // No shipped table, no date, in a build without `providers-data`.
        let shipped = cfg!(feature = "providers-data").then_some("2025-07-25");
        assert_eq!(v.provider_ranges.as_deref(), shipped);
        assert_eq!(v.registrars.as_deref(), Some("2026-03-13"));
        // The newest of dns.json 2026-07-23, asn.json 2025-01-17, ipv6.json 2024-11-01 and
        // ipv4.json 2019-06-07.
        assert_eq!(v.bootstrap.as_deref(), Some("2026-07-23"));
        assert_eq!(v.asn_database, None);
    }

    /// A refreshed file that is bad is skipped with a warning, never an error.
    #[test]
    fn a_bad_refreshed_file_falls_back_to_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        for set in [DataSet::ProviderRanges, DataSet::Registrars, DataSet::BootstrapDns] {
            let path = dir.path().join(set.file());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "{ truncated").unwrap();
        }
        std::fs::create_dir_all(dir.path().join("asn")).unwrap();
        std::fs::write(dir.path().join("asn/asn.mmdb"), "not a database").unwrap();
        let mut config = Config::default();
        config.data.dir = Some(dir.path().to_path_buf());
        let loaded = LoadedData::load(&config).unwrap();
        assert!(loaded.ranges.is_none() && loaded.registrars.is_none() && loaded.asn.is_none());
        let embedded = LoadedData::load(&Config::default()).unwrap();
        assert_eq!(loaded.record_versions(), embedded.record_versions());
        let com = loaded.bootstrap.for_domain("example.com").unwrap();
        assert_eq!(com.entry, "com");
    }
}
