//! Data that stays fresh: [`Refresher`] fetches each shipped data set from its official URL
//! (conditional GET), checks it with the parser a client reads it with, and swaps it into a
//! data directory atomically; [`RefreshReport`] says per set what happened. Clients built
//! with that directory ([`ClientBuilder::data_dir`](crate::ClientBuilder::data_dir)) read
//! the refreshed files, and the embedded snapshots where a file is missing or bad.

mod aggregate;
mod check;
mod lists;
mod loaded;
mod ranges;
mod report;
mod store;

pub use lists::RangeList;
pub use loaded::DataVersion;
pub(crate) use loaded::LoadedData;
pub use report::{ListReport, SetOutcome};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use url::Url;

use check::FileKind;
use store::Meta;

use crate::cache::MemoryResponseCache;
use crate::config::Config;
use crate::dns;
use crate::error::{ConfigError, Error};
use crate::stats::Telemetry;
use crate::transport::budget::LocalBudget;
use crate::transport::http::{FileAnswer, Http, Validators};

/// One data set a refresh fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataSet {
    /// IANA's RDAP bootstrap for domains (`dns.json`).
    BootstrapDns,
    /// IANA's RDAP bootstrap for IPv4 (`ipv4.json`).
    BootstrapIpv4,
    /// IANA's RDAP bootstrap for IPv6 (`ipv6.json`).
    BootstrapIpv6,
    /// IANA's RDAP bootstrap for AS numbers (`asn.json`).
    BootstrapAsn,
    /// The CDN/cloud range table (`cidr provider_id kind` lines). It has no single official
    /// URL: the refresh builds it from the eleven providers' own lists ([`RangeList`], each
    /// from its [`RangeList::default_url`] or a URL set for it), with the exact rules of
    /// `data/providers/build_ranges.py`; a list it cannot have keeps its provider's previous
    /// ranges (see [`ListReport`]). A URL set for this set itself names a ready-made table
    /// (a mirror), fetched instead of the lists.
    ProviderRanges,
    /// IANA's registrar IDs (`registrar-ids-1.csv`).
    Registrars,
    /// An IP-to-ASN database (MaxMind `.mmdb`, or ip-location-db `.csv` when the URL ends
    /// so), fetched only from a URL you set.
    AsnDatabase,
}

impl DataSet {
    /// Every set, in the order a refresh takes them.
    pub const ALL: [DataSet; 7] = [
        DataSet::BootstrapDns,
        DataSet::BootstrapIpv4,
        DataSet::BootstrapIpv6,
        DataSet::BootstrapAsn,
        DataSet::ProviderRanges,
        DataSet::Registrars,
        DataSet::AsnDatabase,
    ];

    /// The four bootstrap files.
    pub(crate) const BOOTSTRAP: [DataSet; 4] = [
        DataSet::BootstrapDns,
        DataSet::BootstrapIpv4,
        DataSet::BootstrapIpv6,
        DataSet::BootstrapAsn,
    ];

    /// The set's name: `bootstrap_dns`, …, `provider_ranges`, `registrars`, `asn_database`.
    pub fn as_str(self) -> &'static str {
        match self {
            DataSet::BootstrapDns => "bootstrap_dns",
            DataSet::BootstrapIpv4 => "bootstrap_ipv4",
            DataSet::BootstrapIpv6 => "bootstrap_ipv6",
            DataSet::BootstrapAsn => "bootstrap_asn",
            DataSet::ProviderRanges => "provider_ranges",
            DataSet::Registrars => "registrars",
            DataSet::AsnDatabase => "asn_database",
        }
    }

    /// The official URL, where there is one (the provider ranges have none of their own:
    /// their lists have theirs, [`RangeList::default_url`]).
    pub fn default_url(self) -> Option<&'static str> {
        match self {
            DataSet::BootstrapDns => Some("https://data.iana.org/rdap/dns.json"),
            DataSet::BootstrapIpv4 => Some("https://data.iana.org/rdap/ipv4.json"),
            DataSet::BootstrapIpv6 => Some("https://data.iana.org/rdap/ipv6.json"),
            DataSet::BootstrapAsn => Some("https://data.iana.org/rdap/asn.json"),
            DataSet::Registrars => {
                Some("https://www.iana.org/assignments/registrar-ids/registrar-ids-1.csv")
            }
            DataSet::ProviderRanges | DataSet::AsnDatabase => None,
        }
    }

    /// The file's path inside the data directory (for the ASN database, the `.mmdb` name).
    pub fn file(self) -> &'static str {
        match self {
            DataSet::BootstrapDns => "bootstrap/dns.json",
            DataSet::BootstrapIpv4 => "bootstrap/ipv4.json",
            DataSet::BootstrapIpv6 => "bootstrap/ipv6.json",
            DataSet::BootstrapAsn => "bootstrap/asn.json",
            DataSet::ProviderRanges => "providers/ranges.txt",
            DataSet::Registrars => "registrars/iana-registrar-ids.csv",
            DataSet::AsnDatabase => asn_file(FileKind::Mmdb),
        }
    }

    /// The largest download accepted.
    fn max_bytes(self) -> usize {
        match self {
            DataSet::AsnDatabase => 64 * 1024 * 1024,
            DataSet::ProviderRanges => 16 * 1024 * 1024,
            _ => 8 * 1024 * 1024,
        }
    }
}

/// The ASN database's file for a kind of database.
fn asn_file(kind: FileKind) -> &'static str {
    match kind {
        FileKind::AsnCsv => "asn/asn.csv",
        _ => "asn/asn.mmdb",
    }
}

/// One set's line of a [`RefreshReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SetReport {
    /// The set.
    pub set: DataSet,
    /// What happened.
    pub outcome: SetOutcome,
    /// The URL asked, if any.
    pub url: Option<String>,
    /// The date of the data now in the directory (`YYYY-MM-DD`), if known.
    pub version: Option<String>,
    /// The file in the data directory.
    pub file: PathBuf,
    /// For the provider ranges built from the providers' lists: what happened to each list,
    /// in [`RangeList::ALL`] order. Empty for every other set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListReport>,
}

/// What [`Refresher::refresh`] did, per set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RefreshReport {
    /// One entry per set, in [`DataSet::ALL`] order.
    pub sets: Vec<SetReport>,
}

impl RefreshReport {
    /// True when no set, and no provider list, was refused or failed.
    pub fn all_ok(&self) -> bool {
        let bad = |o: &SetOutcome| matches!(o, SetOutcome::Refused(_) | SetOutcome::Failed(_));
        self.sets.iter().all(|s| !bad(&s.outcome) && !s.lists.iter().any(|l| bad(&l.outcome)))
    }

    /// The entry of `set`.
    pub fn get(&self, set: DataSet) -> Option<&SetReport> {
        self.sets.iter().find(|s| s.set == set)
    }
}

/// Fetches the data sets into a data directory, through the same HTTP policy as lookups
/// (address checks, HTTPS only unless allowed, politeness, timeouts, retries), usable
/// without a client.
///
/// ```no_run
/// # async fn run() -> Result<(), whohosts::Error> {
/// let dir = std::path::PathBuf::from("/var/cache/whohosts/data");
/// let report = whohosts::Refresher::new(&whohosts::Config::default(), &dir)?
///     .refresh()
///     .await;
/// for set in &report.sets {
///     println!("{} {:?} {:?}", set.set.as_str(), set.outcome, set.version);
/// }
/// // Clients built with this directory read what the refresh wrote.
/// let client = whohosts::Client::builder().data_dir(&dir).build()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Refresher {
    http: Http,
    dir: PathBuf,
    urls: HashMap<DataSet, Url>,
    list_urls: BTreeMap<RangeList, Url>,
}

impl Refresher {
    /// A refresher writing into `dir`, asking the official URLs with `config`'s HTTP
    /// settings.
    pub fn new(config: &Config, dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let resolver = dns::build_resolver(config)?;
        let telemetry = Arc::new(Telemetry::default());
        let http = Http::new(
            config,
            resolver,
            Arc::new(MemoryResponseCache::new(&config.cache)),
            Arc::new(LocalBudget::new(&config.politeness)),
            telemetry,
        )?;
        let mut urls = HashMap::new();
        for set in DataSet::ALL {
            if let Some(url) = set.default_url().and_then(|u| Url::parse(u).ok()) {
                urls.insert(set, url);
            }
        }
        let mut list_urls = BTreeMap::new();
        for list in RangeList::ALL {
            if let Some(url) = list.default_url().and_then(|u| Url::parse(u).ok()) {
                list_urls.insert(list, url);
            }
        }
        Ok(Self { http, dir: dir.into(), urls, list_urls })
    }

    /// Fetch `set` from `url` instead of its official URL (a mirror, a test server), or at
    /// all for the sets without one.
    pub fn url(mut self, set: DataSet, url: &str) -> Result<Self, ConfigError> {
        let parsed = Url::parse(url).map_err(|e| ConfigError::DataRefresh {
            reason: format!("{} URL {url:?}: {e}", set.as_str()),
        })?;
        self.urls.insert(set, parsed);
        Ok(self)
    }

    /// Fetch provider list `list` from `url` instead of its official URL (a mirror, a test
    /// server), or at all for the lists without one (Azure's weekly ServiceTags file,
    /// an Akamai text list).
    pub fn list_url(mut self, list: RangeList, url: &str) -> Result<Self, ConfigError> {
        let parsed = Url::parse(url).map_err(|e| ConfigError::DataRefresh {
            reason: format!("provider_ranges.{} URL {url:?}: {e}", list.as_str()),
        })?;
        self.list_urls.insert(list, parsed);
        Ok(self)
    }

    /// Set a URL by name: a set's name ([`DataSet::as_str`], as [`url`](Self::url)) or
    /// `provider_ranges.<list>` ([`RangeList::as_str`], as [`list_url`](Self::list_url)).
    pub fn named_url(self, name: &str, url: &str) -> Result<Self, ConfigError> {
        if let Some(list) = name.strip_prefix("provider_ranges.") {
            let list = RangeList::from_name(list).ok_or_else(|| ConfigError::DataRefresh {
                reason: format!("unknown provider range list {list:?}"),
            })?;
            return self.list_url(list, url);
        }
        let set = DataSet::ALL.into_iter().find(|s| s.as_str() == name).ok_or_else(|| {
            ConfigError::DataRefresh { reason: format!("unknown data set {name:?}") }
        })?;
        self.url(set, url)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Refresh every set, one after another.
    pub async fn refresh(&self) -> RefreshReport {
        let mut report = RefreshReport::default();
        for set in DataSet::ALL {
            report.sets.push(self.refresh_set(set).await);
        }
        report
    }

    /// Refresh one set.
    pub async fn refresh_set(&self, set: DataSet) -> SetReport {
        if set == DataSet::ProviderRanges && !self.urls.contains_key(&set) {
            let path = self.dir.join(set.file());
            let built = ranges::refresh(&self.http, &self.dir, &path, &self.list_urls).await;
            match &built.outcome {
                SetOutcome::Refused(why) | SetOutcome::Failed(why) => {
                    tracing::warn!(set = set.as_str(), reason = %why, "data refresh kept the old file");
                }
                outcome => tracing::info!(set = set.as_str(), ?outcome, "data refreshed"),
            }
            let version = built.meta.and_then(|m| m.data_date);
            return SetReport {
                set,
                outcome: built.outcome,
                url: None,
                version,
                file: path,
                lists: built.lists,
            };
        }
        let Some(url) = self.urls.get(&set) else {
            let path = self.path_of(set, None);
            let version = store::read_meta(&path).and_then(|m| m.data_date);
            let why = "no official URL; set one to fetch it".to_owned();
            return SetReport {
                set,
                outcome: SetOutcome::Skipped(why),
                url: None,
                version,
                file: path,
                lists: Vec::new(),
            };
        };
        let kind = file_kind(set, url);
        let path = self.path_of(set, Some(kind));
        let (outcome, meta) = self.fetch(set, kind, url, &path).await;
        let version = meta.and_then(|m| m.data_date);
        match &outcome {
            SetOutcome::Refused(why) | SetOutcome::Failed(why) => {
                tracing::warn!(set = set.as_str(), %url, reason = %why, "data refresh kept the old file");
            }
            _ => tracing::info!(set = set.as_str(), ?outcome, "data refreshed"),
        }
        SetReport {
            set,
            outcome,
            url: Some(url.to_string()),
            version,
            file: path,
            lists: Vec::new(),
        }
    }

    /// The file of `set` (the ASN database's name follows its kind).
    fn path_of(&self, set: DataSet, kind: Option<FileKind>) -> PathBuf {
        match (set, kind) {
            (DataSet::AsnDatabase, Some(kind)) => self.dir.join(asn_file(kind)),
            _ => self.dir.join(set.file()),
        }
    }

    /// Fetch, check and store; the outcome and the metadata now in force.
    async fn fetch(
        &self,
        set: DataSet,
        kind: FileKind,
        url: &Url,
        path: &Path,
    ) -> (SetOutcome, Option<Meta>) {
        // Validators are sent only for a file still there, from the same URL.
        let old = store::read_meta(path).filter(|m| path.is_file() && m.url == url.as_str());
        let validators = Validators {
            etag: old.as_ref().and_then(|m| m.etag.as_deref()),
            last_modified: old.as_ref().and_then(|m| m.last_modified.as_deref()),
        };
        let answer = match self.http.get_file(url, validators, set.max_bytes()).await {
            Ok(answer) => answer,
            Err(e) => return (SetOutcome::Failed(e.to_string()), store::read_meta(path)),
        };
        let now = crate::clock::now_timestamp();
        let (body, etag, last_modified) = match answer {
            FileAnswer::NotModified => {
                let Some(mut meta) = old else {
                    let why = "the server answered 304 to a request without validators";
                    return (SetOutcome::Failed(why.to_owned()), None);
                };
                meta.checked_at = Some(now.to_string());
                if let Err(e) = store::write_meta(path, &meta) {
                    tracing::warn!(file = %path.display(), error = %e, "cannot update refresh metadata");
                }
                return (SetOutcome::Unchanged, Some(meta));
            }
            FileAnswer::Body { body, etag, last_modified, .. } => (body, etag, last_modified),
        };
        let named = match check::check(kind, &body) {
            Ok(date) => date,
            Err(why) => return (SetOutcome::Refused(why), store::read_meta(path)),
        };
        let data_date = named
            .or_else(|| last_modified.as_deref().and_then(check::http_date))
            .or_else(|| check::date_part(&now.to_string()));
        let meta = Meta {
            url: url.as_str().to_owned(),
            etag,
            last_modified,
            fetched_at: now.to_string(),
            checked_at: None,
            size: body.len() as u64,
            data_date,
            lists: Default::default(),
        };
        // The file first, then its metadata: a crash between them leaves the new file with
        // the old validators, whose next conditional GET fetches it again (no harm).
        if let Err(e) =
            store::write_atomic(path, &body).and_then(|()| store::write_meta(path, &meta))
        {
            return (
                SetOutcome::Failed(format!("cannot write {}: {e}", path.display())),
                store::read_meta(path),
            );
        }
        if set == DataSet::AsnDatabase {
            // One database kind at a time: drop the other one's file.
            let other = if kind == FileKind::Mmdb { FileKind::AsnCsv } else { FileKind::Mmdb };
            let other = self.dir.join(asn_file(other));
            let _ = std::fs::remove_file(store::meta_path(&other));
            let _ = std::fs::remove_file(other);
        }
        (SetOutcome::Updated, Some(meta))
    }
}

/// The kind of file `set` holds; an ASN database URL whose path ends `.csv` is a CSV.
fn file_kind(set: DataSet, url: &Url) -> FileKind {
    match set {
        DataSet::ProviderRanges => FileKind::ProviderRanges,
        DataSet::Registrars => FileKind::Registrars,
        DataSet::AsnDatabase if url.path().to_ascii_lowercase().ends_with(".csv") => {
            FileKind::AsnCsv
        }
        DataSet::AsnDatabase => FileKind::Mmdb,
        _ => FileKind::Bootstrap,
    }
}
