//! [`DiskCache`]: the persistent [`ResponseCache`] (RDAP responses, and WHOIS answers under
//! `whois://` keys, kept between runs) and
//! [`BudgetStore`] (hourly and daily quotas kept between runs), in one redb file in a
//! directory (feature `persistent-cache`).
//!
//! It owns that file: its layout and format version, wall-clock expiry, the bound in bytes,
//! what happens when another process holds the file or the file cannot be read. It does not
//! decide what is cached or for how long: `transport/http.rs` gives each answer's TTL to
//! [`put`](ResponseCache::put), and `transport/budget.rs` decides which buckets to keep.
//!
//! # The file
//!
//! `whohosts-cache.redb`, a [redb](https://www.redb.org) database:
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | `format`, `bytes` | the format version ([`FORMAT_VERSION`]); the bytes of the keys and values in `responses` |
//! | `responses` | request URL (`whois://host:port/QUERY` for WHOIS) | JSON: the expiry and the time written (Unix ms) and the [`CachedResponse`] |
//! | `expiry` | (expiry in Unix ms, URL) | nothing: the eviction order |
//! | `budgets` | server key | JSON [`SavedBucket`] |
//!
//! redb holds an exclusive lock (`flock`; `LockFile` on Windows) on the file while it is
//! open, so one process uses the cache at a time; another is refused with
//! [`DiskCacheError::InUse`]. A file redb cannot open (corrupt, garbage, an older redb
//! format) or of another [`FORMAT_VERSION`] is renamed to `whohosts-cache.redb.broken`
//! (replacing any earlier one) and an empty cache starts in its place, with a warning.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redb::{
    Database, DatabaseError, Durability, ReadableTable, ReadableTableMetadata, StorageError,
    TableDefinition,
};
use serde::{Deserialize, Serialize};

use super::budget_store::{BudgetStore, SavedBucket};
use super::{CachedResponse, ResponseCache};
use crate::future::BoxFuture;

/// The file's name inside the cache directory.
const FILE_NAME: &str = "whohosts-cache.redb";
/// Appended to [`FILE_NAME`] for a file that was moved aside.
const ASIDE_SUFFIX: &str = ".broken";
/// The layout of the tables and their values. A file of another version is moved aside:
/// bump this when an old reader would misread what a new writer stores.
const FORMAT_VERSION: u64 = 1;
/// redb's in-memory page cache (its default is 1 GiB).
const PAGE_CACHE_BYTES: usize = 16 << 20;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const RESPONSES: TableDefinition<&str, &[u8]> = TableDefinition::new("responses");
const EXPIRY: TableDefinition<(u64, &str), ()> = TableDefinition::new("expiry");
const BUDGETS: TableDefinition<&str, &[u8]> = TableDefinition::new("budgets");
/// `meta` keys.
const FORMAT: &str = "format";
const BYTES: &str = "bytes";

/// Why a [`DiskCache`] could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiskCacheError {
    /// Another process (or another [`DiskCache`] in this one) has the file open: one at a
    /// time may. Wait for it, give this run another directory, or run without the
    /// persistent cache (the default in-memory one, as `--no-cache` does).
    #[error("cache in use by another whohosts process: {}", path.display())]
    InUse {
        /// The cache file.
        path: PathBuf,
    },
    /// The directory or the file could not be created or opened (permissions, a full disk),
    /// even after moving an unreadable file aside.
    #[error("cannot open the cache {}: {reason}", path.display())]
    Open {
        /// The cache file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The open file could not be read or written.
    #[error("cannot use the cache {}: {reason}", path.display())]
    Store {
        /// The cache file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// RDAP responses, WHOIS answers and hourly/daily rate budgets kept on disk between runs, in
/// one redb file in a directory (feature `persistent-cache`, on by default).
///
/// ```no_run
/// use std::sync::Arc;
/// use whohosts::DiskCache;
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = DiskCache::default_dir().ok_or("no cache directory on this platform")?;
/// let cache = Arc::new(DiskCache::open(&dir)?);
/// // RDAP answers from earlier runs, and RIPE NCC's daily quota as earlier runs left it.
/// let client = whohosts::Client::builder().disk_cache(cache).build()?;
/// # Ok(())
/// # }
/// ```
///
/// - **Expiry** is wall-clock time: each entry keeps `now + ttl` as given to
///   [`put`](ResponseCache::put); [`get`](ResponseCache::get) never returns an expired
///   entry, and expired entries are dropped at the next write.
/// - **Bounded in bytes** ([`max_bytes`](Self::max_bytes), default
///   [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES)): keys and values together. When a
///   write goes over, the entries that expire first (with equal TTLs, the oldest written)
///   are dropped until it fits. The file itself is larger by redb's pages and free space,
///   which later writes reuse: measured, 27.7 MB for an 8 MiB bound filled with 10 kB
///   answers, the same after 2,000 and after 6,000 writes (about 3.3×).
/// - **One process at a time**: the file is locked while open, and a second
///   [`open`](Self::open) fails with [`DiskCacheError::InUse`], whose message names the
///   file ("cache in use by another whohosts process: …"). A caller that must not wait
///   runs without it: the client's in-memory cache is the default.
/// - **Never fails a lookup**: an unreadable file is moved aside at
///   [`open`](Self::open) with a `tracing` warning and rebuilt empty; at run time, a read
///   that fails is a miss and a write that fails is logged.
/// - Reads and writes run on tokio's blocking threads (`spawn_blocking`), off the
///   runtime's workers; so the cache needs a tokio runtime, as the client does. Cache
///   writes are committed without `fsync` (a crash of the machine may lose the latest
///   answers, never the file); budget writes are synced.
/// - [`stats`](Self::stats) and [`clear`](Self::clear) serve `whohosts cache stats|clear`.
pub struct DiskCache {
    store: Arc<Store>,
    max_bytes: u64,
    /// Where an unreadable file was moved at open, and why.
    moved_aside: Option<(PathBuf, String)>,
}

impl fmt::Debug for DiskCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiskCache")
            .field("path", &self.store.path)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

/// The open file, shared with the blocking tasks that read and write it.
struct Store {
    db: Database,
    path: PathBuf,
}

/// What [`DiskCache::stats`] counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DiskCacheStats {
    /// The cache file.
    pub path: PathBuf,
    /// Responses kept (expired ones not yet dropped included).
    pub entries: u64,
    /// Bytes of their keys and values: what [`DiskCache::max_bytes`] bounds.
    pub bytes: u64,
    /// Of `entries`, those already expired (dropped at the next write).
    pub expired: u64,
    /// Entries and bytes by kind: the kind of RDAP object the URL asks for (`ip`, `autnum`,
    /// `domain`, `entity`, `nameserver`, or `other`), `whois` for WHOIS answers, or
    /// `quota-free` for the quota-free abuse sources' answers (Abusix, RIPEstat).
    pub by_kind: BTreeMap<String, DiskCacheKindStats>,
    /// When the oldest entry kept was written (`None` when empty).
    #[serde(serialize_with = "rfc3339")]
    pub oldest: Option<SystemTime>,
    /// When the newest entry kept was written (`None` when empty).
    #[serde(serialize_with = "rfc3339")]
    pub newest: Option<SystemTime>,
    /// Servers whose rate budget is kept.
    pub budgets: u64,
    /// The bound on `bytes`.
    pub max_bytes: u64,
    /// The size of the file on disk (pages and free space included).
    pub file_bytes: u64,
}

/// Entries and bytes of one kind in [`DiskCacheStats::by_kind`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DiskCacheKindStats {
    /// Responses of this kind.
    pub entries: u64,
    /// Bytes of their keys and values.
    pub bytes: u64,
}

/// One stored response.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// Unix time in milliseconds after which the entry is not returned.
    expires: u64,
    /// Unix time in milliseconds when it was written (0 in entries written before it was
    /// recorded).
    #[serde(default)]
    stored: u64,
    response: CachedResponse,
}

/// A redb error, boxed (redb's is 160 bytes).
#[derive(Debug)]
struct Failure(Box<redb::Error>);

impl<E: Into<redb::Error>> From<E> for Failure {
    fn from(error: E) -> Self {
        Self(Box::new(error.into()))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a file could not be opened as a cache.
#[derive(Debug)]
enum Unusable {
    /// Another process holds it.
    InUse,
    /// It is not a cache this version can read: move it aside.
    Broken(String),
    /// The file system refused (permissions, space).
    Io(String),
}

impl DiskCache {
    /// The bound on keys and values that [`open`](Self::open) sets: 256 MiB, about 25,000
    /// RDAP answers of typical size.
    pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

    /// The platform's cache directory for whohosts: `$XDG_CACHE_HOME/whohosts` or
    /// `~/.cache/whohosts` on Linux, `~/Library/Caches/whohosts` on macOS,
    /// `%LOCALAPPDATA%\whohosts` on Windows (from the `directories` crate). `None` when the
    /// platform gives no home directory.
    pub fn default_dir() -> Option<PathBuf> {
        directories::BaseDirs::new().map(|dirs| dirs.cache_dir().join("whohosts"))
    }

    /// Open (or create) the cache in `dir`, creating the directory if needed, bounded by
    /// [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES).
    ///
    /// A file that cannot be read as a cache of this version is moved aside (to
    /// `whohosts-cache.redb.broken`) with a warning, and an empty cache takes its place.
    /// Fails with [`DiskCacheError::InUse`] while another process (or another `DiskCache`)
    /// has the file open, and with [`DiskCacheError::Open`] when the directory or file
    /// cannot be created.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, DiskCacheError> {
        let dir = dir.as_ref();
        let path = dir.join(FILE_NAME);
        let failed = |reason: String| DiskCacheError::Open { path: path.clone(), reason };
        fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
        let mut moved_aside = None;
        let db = match open_file(&path) {
            Ok(db) => db,
            Err(Unusable::InUse) => return Err(DiskCacheError::InUse { path }),
            Err(Unusable::Io(reason)) => return Err(failed(reason)),
            Err(Unusable::Broken(reason)) => {
                let mut aside = path.clone().into_os_string();
                aside.push(ASIDE_SUFFIX);
                let aside = PathBuf::from(aside);
                fs::rename(&path, &aside).map_err(|e| {
                    failed(format!("{reason}; moving it to {} failed: {e}", aside.display()))
                })?;
                tracing::warn!(
                    path = %path.display(),
                    moved_to = %aside.display(),
                    %reason,
                    "the cache file cannot be read: moved aside, starting an empty cache"
                );
                let db = open_file(&path).map_err(|e| match e {
                    Unusable::InUse => DiskCacheError::InUse { path: path.clone() },
                    Unusable::Broken(reason) | Unusable::Io(reason) => failed(reason),
                })?;
                moved_aside = Some((aside, reason));
                db
            }
        };
        let cache = Self {
            store: Arc::new(Store { db, path }),
            max_bytes: Self::DEFAULT_MAX_BYTES,
            moved_aside,
        };
        cache.trim();
        Ok(cache)
    }

    /// Bound the keys and values kept to `bytes` (default
    /// [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES)), dropping the entries that expire
    /// first until they fit, now and at every write.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self.trim();
        self
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.store.path
    }

    /// When [`open`](Self::open) found a file it could not read and started an empty cache:
    /// where the old file was moved (`whohosts-cache.redb.broken`) and why it could not be
    /// read. For a caller that tells its user (the `whohosts` command warns on stderr).
    pub fn moved_aside(&self) -> Option<(&Path, &str)> {
        self.moved_aside.as_ref().map(|(path, reason)| (path.as_path(), reason.as_str()))
    }

    /// What the cache holds. Reads the whole file: for `whohosts cache stats`, not for a
    /// lookup's path (it blocks; inside a runtime call it from `spawn_blocking`).
    ///
    /// ```no_run
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = whohosts::DiskCache::default_dir().ok_or("no cache directory")?;
    /// let stats = whohosts::DiskCache::open(&dir)?.stats()?;
    /// let ip = stats.by_kind.get("ip").map_or(0, |kind| kind.entries);
    /// let whois = stats.by_kind.get("whois").map_or(0, |kind| kind.entries);
    /// assert!(ip + whois <= stats.entries && stats.bytes <= stats.max_bytes);
    /// // Also as JSON, as `whohosts cache stats --json` prints it.
    /// let json = serde_json::to_string(&stats)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stats(&self) -> Result<DiskCacheStats, DiskCacheError> {
        let mut stats = self.store.stats(SystemTime::now()).map_err(|e| self.store.error(&e))?;
        stats.max_bytes = self.max_bytes;
        Ok(stats)
    }

    /// Drop every response (the rate budgets are kept: forgetting them would let the next
    /// run ask past a daily quota). Returns how many were dropped. Blocks, as
    /// [`stats`](Self::stats) does.
    pub fn clear(&self) -> Result<u64, DiskCacheError> {
        self.store.clear().map_err(|e| self.store.error(&e))
    }

    /// Drop the responses of one kind, as [`DiskCacheStats::by_kind`] names them (`ip`,
    /// `autnum`, `domain`, `entity`, `nameserver`, `other`, `whois`, `quota-free`); returns how many were
    /// dropped (0 for a kind it does not hold). Blocks, as [`stats`](Self::stats) does.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let cache = whohosts::DiskCache::open("/tmp/whohosts-cache")?;
    /// // Ask the WHOIS servers afresh next time; keep the RDAP answers.
    /// let dropped = cache.clear_kind("whois")?;
    /// println!("{dropped} WHOIS answers dropped, {} entries left", cache.stats()?.entries);
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_kind(&self, kind: &str) -> Result<u64, DiskCacheError> {
        self.store.clear_kind(kind).map_err(|e| self.store.error(&e))
    }

    /// Forget the saved rate budgets (what earlier runs spent of hourly and daily quotas):
    /// the next run starts with full buckets, and may ask a server past a quota it already
    /// spent today. Returns how many were dropped. Blocks, as [`stats`](Self::stats) does.
    pub fn clear_budgets(&self) -> Result<u64, DiskCacheError> {
        self.store.clear_budgets().map_err(|e| self.store.error(&e))
    }

    /// Drop expired entries, then the soonest-expiring ones until within the bound; logged
    /// on failure.
    fn trim(&self) {
        if let Err(e) = self.store.trim(SystemTime::now(), self.max_bytes) {
            self.store.warn("trim", &e);
        }
    }

    /// Run `op` on a blocking thread; `None` (logged) if it failed.
    async fn blocking<T, F>(&self, what: &'static str, op: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, Failure> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        match tokio::task::spawn_blocking(move || op(&store)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                self.store.warn(what, &e);
                None
            }
            Err(e) => {
                self.store.warn(what, &e);
                None
            }
        }
    }
}

impl ResponseCache for DiskCache {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedResponse>> {
        let url = url.to_owned();
        Box::pin(async move {
            self.blocking("read", move |store| store.get(&url, SystemTime::now())).await.flatten()
        })
    }

    fn put<'a>(
        &'a self,
        url: &'a str,
        response: CachedResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, ()> {
        let url = url.to_owned();
        let max_bytes = self.max_bytes;
        Box::pin(async move {
            if ttl.is_zero() {
                return;
            }
            self.blocking("write", move |store| {
                store.put(&url, response, ttl, SystemTime::now(), max_bytes)
            })
            .await;
        })
    }
}

impl BudgetStore for DiskCache {
    fn load<'a>(&'a self, server: &'a str) -> BoxFuture<'a, Option<SavedBucket>> {
        let server = server.to_owned();
        Box::pin(async move {
            self.blocking("budget read", move |store| store.load_budget(&server)).await.flatten()
        })
    }

    fn save<'a>(&'a self, server: &'a str, bucket: SavedBucket) -> BoxFuture<'a, ()> {
        let server = server.to_owned();
        Box::pin(async move {
            self.blocking("budget write", move |store| store.save_budget(&server, bucket)).await;
        })
    }
}

/// Open `path` with redb and check (or, for a new file, write) its format version.
fn open_file(path: &Path) -> Result<Database, Unusable> {
    let db = Database::builder()
        .set_cache_size(PAGE_CACHE_BYTES)
        // The format redb 3 reads too, so that a later redb keeps this file.
        .create_with_file_format_v3(true)
        .create(path)
        .map_err(|e| match e {
            DatabaseError::DatabaseAlreadyOpen => Unusable::InUse,
            DatabaseError::Storage(StorageError::Io(e)) if !is_unreadable(&e) => {
                Unusable::Io(e.to_string())
            }
            other => Unusable::Broken(other.to_string()),
        })?;
    match check_format(&db) {
        Ok(None) => Ok(db),
        Ok(Some(version)) => Err(Unusable::Broken(format!(
            "cache format version {version}, this whohosts reads version {FORMAT_VERSION}"
        ))),
        Err(e) => Err(Unusable::Broken(e.to_string())),
    }
}

/// An I/O error that says the content is bad rather than that the file system refused.
fn is_unreadable(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof)
}

/// The file's format version when it is not [`FORMAT_VERSION`]; a new file gets it, and
/// every table is created.
fn check_format(db: &Database) -> Result<Option<u64>, Failure> {
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(META)?;
        let version = meta.get(FORMAT)?.map(|v| v.value());
        match version {
            Some(FORMAT_VERSION) => {}
            Some(other) => return Ok(Some(other)),
            None => {
                meta.insert(FORMAT, FORMAT_VERSION)?;
            }
        }
        txn.open_table(RESPONSES)?;
        txn.open_table(EXPIRY)?;
        txn.open_table(BUDGETS)?;
    }
    txn.commit()?;
    Ok(None)
}

/// Milliseconds since the Unix epoch (0 before it).
fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The bytes one entry counts for against the bound.
fn weight(url: &str, value: &[u8]) -> u64 {
    u64::try_from(url.len() + value.len()).unwrap_or(u64::MAX)
}

/// The expiry written in a stored value, if it can be read.
fn expiry_of(value: &[u8]) -> Option<u64> {
    serde_json::from_slice::<Entry>(value).ok().map(|entry| entry.expires)
}

/// A time as RFC 3339 in UTC (`2026-12-06T01:40:17Z`), or `null`.
fn rfc3339<S: serde::Serializer>(time: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match time.and_then(|t| jiff::Timestamp::try_from(t).ok()) {
        Some(t) => s.collect_str(&t.round(jiff::Unit::Second).unwrap_or(t)),
        None => s.serialize_none(),
    }
}

/// The kind of a cache key: `whois` for a WHOIS answer, `quota-free` for an answer of the
/// quota-free abuse sources (Abusix's `dns://` keys, RIPEstat's `abuse-contact-finder`), else
/// the kind of RDAP object a request URL asks for (RFC 9082 path segments): the segment
/// before the last (`…/domain/example.com`), or two before it for a CIDR
/// (`…/ip/192.0.2.0/24`); `other` when neither is one.
fn kind_of(url: &str) -> &'static str {
    const KINDS: [&str; 5] = ["ip", "autnum", "domain", "entity", "nameserver"];
    if url.starts_with("whois://") {
        return "whois";
    }
    if url.starts_with("dns://") {
        return "quota-free";
    }
    let Ok(url) = url::Url::parse(url) else { return "other" };
    if url.path().contains("/data/abuse-contact-finder/") {
        return "quota-free";
    }
    let segments: Vec<&str> = url.path_segments().map(Iterator::collect).unwrap_or_default();
    let kind_at = |from_end: usize| {
        let segment = segments.len().checked_sub(from_end).and_then(|i| segments.get(i))?;
        KINDS.iter().copied().find(|kind| kind == segment)
    };
    kind_at(2).or_else(|| kind_at(3).filter(|kind| *kind == "ip")).unwrap_or("other")
}

impl Store {
    fn warn(&self, what: &str, error: &dyn fmt::Display) {
        tracing::warn!(path = %self.path.display(), %error, "cache {what} failed");
    }

    fn error(&self, error: &Failure) -> DiskCacheError {
        DiskCacheError::Store { path: self.path.clone(), reason: error.to_string() }
    }

    /// The live response for `url` at `now`. A value that cannot be read is a miss.
    fn get(&self, url: &str, now: SystemTime) -> Result<Option<CachedResponse>, Failure> {
        let txn = self.db.begin_read()?;
        let responses = txn.open_table(RESPONSES)?;
        let Some(value) = responses.get(url)? else { return Ok(None) };
        let Ok(entry) = serde_json::from_slice::<Entry>(value.value()) else {
            tracing::debug!(url, "unreadable cache entry: a miss");
            return Ok(None);
        };
        Ok((entry.expires > unix_ms(now)).then_some(entry.response))
    }

    /// Keep `response` for `url` until `now + ttl`, then trim to `max_bytes`. An entry
    /// larger than the bound alone is not kept.
    fn put(
        &self,
        url: &str,
        response: CachedResponse,
        ttl: Duration,
        now: SystemTime,
        max_bytes: u64,
    ) -> Result<(), Failure> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        let expires = unix_ms(now).saturating_add(ttl_ms);
        let value = match serde_json::to_vec(&Entry { expires, stored: unix_ms(now), response }) {
            Ok(value) => value,
            Err(e) => return Err(redb::Error::Corrupted(e.to_string()).into()),
        };
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Eventual);
        {
            let mut responses = txn.open_table(RESPONSES)?;
            let mut expiry = txn.open_table(EXPIRY)?;
            let mut meta = txn.open_table(META)?;
            let mut bytes = meta.get(BYTES)?.map_or(0, |v| v.value());
            let old = responses.remove(url)?.map(|old| old.value().to_vec());
            if let Some(old) = old {
                bytes = bytes.saturating_sub(weight(url, &old));
                if let Some(old_expires) = expiry_of(&old) {
                    expiry.remove((old_expires, url))?;
                }
            }
            let size = weight(url, &value);
            if size <= max_bytes {
                responses.insert(url, value.as_slice())?;
                expiry.insert((expires, url), ())?;
                bytes = bytes.saturating_add(size);
            }
            let bytes = evict(&mut responses, &mut expiry, bytes, unix_ms(now), max_bytes)?;
            meta.insert(BYTES, bytes)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Drop the responses of `kind` (as [`kind_of`] names them); returns how many.
    fn clear_kind(&self, kind: &str) -> Result<u64, Failure> {
        let txn = self.db.begin_write()?;
        let dropped = {
            let mut responses = txn.open_table(RESPONSES)?;
            let mut expiry = txn.open_table(EXPIRY)?;
            let mut meta = txn.open_table(META)?;
            let mut doomed = Vec::new();
            for item in responses.iter()? {
                let (url, value) = item?;
                if kind_of(url.value()) == kind {
                    doomed.push((url.value().to_owned(), value.value().to_vec()));
                }
            }
            let mut bytes = meta.get(BYTES)?.map_or(0, |v| v.value());
            for (url, value) in &doomed {
                responses.remove(url.as_str())?;
                if let Some(expires) = expiry_of(value) {
                    expiry.remove((expires, url.as_str()))?;
                }
                bytes = bytes.saturating_sub(weight(url, value));
            }
            meta.insert(BYTES, bytes)?;
            u64::try_from(doomed.len()).unwrap_or(u64::MAX)
        };
        txn.commit()?;
        Ok(dropped)
    }

    /// Forget every saved rate budget; returns how many.
    fn clear_budgets(&self) -> Result<u64, Failure> {
        let txn = self.db.begin_write()?;
        let dropped = {
            let mut budgets = txn.open_table(BUDGETS)?;
            let dropped = budgets.len()?;
            budgets.retain(|_, _| false)?;
            dropped
        };
        txn.commit()?;
        Ok(dropped)
    }

    /// Drop what [`evict`] drops, in a transaction of its own.
    fn trim(&self, now: SystemTime, max_bytes: u64) -> Result<(), Failure> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Eventual);
        {
            let mut responses = txn.open_table(RESPONSES)?;
            let mut expiry = txn.open_table(EXPIRY)?;
            let mut meta = txn.open_table(META)?;
            let bytes = meta.get(BYTES)?.map_or(0, |v| v.value());
            let bytes = evict(&mut responses, &mut expiry, bytes, unix_ms(now), max_bytes)?;
            meta.insert(BYTES, bytes)?;
        }
        txn.commit()?;
        Ok(())
    }

    fn stats(&self, now: SystemTime) -> Result<DiskCacheStats, Failure> {
        let now = unix_ms(now);
        let txn = self.db.begin_read()?;
        let mut stats = DiskCacheStats { path: self.path.clone(), ..DiskCacheStats::default() };
        for item in txn.open_table(RESPONSES)?.iter()? {
            let (url, value) = item?;
            let (url, value) = (url.value(), value.value());
            let size = weight(url, value);
            stats.entries += 1;
            stats.bytes += size;
            let entry = serde_json::from_slice::<Entry>(value).ok();
            if entry.as_ref().is_none_or(|e| e.expires <= now) {
                stats.expired += 1;
            }
            if let Some(stored) = entry.map(|e| e.stored).filter(|s| *s > 0) {
                let at = UNIX_EPOCH + Duration::from_millis(stored);
                stats.oldest = Some(stats.oldest.map_or(at, |o| o.min(at)));
                stats.newest = Some(stats.newest.map_or(at, |n| n.max(at)));
            }
            let kind = stats.by_kind.entry(kind_of(url).to_owned()).or_default();
            kind.entries += 1;
            kind.bytes += size;
        }
        stats.budgets = txn.open_table(BUDGETS)?.len()?;
        stats.file_bytes = fs::metadata(&self.path).map_or(0, |m| m.len());
        Ok(stats)
    }

    /// Empty `responses` (and its index); returns the entries dropped.
    fn clear(&self) -> Result<u64, Failure> {
        let txn = self.db.begin_write()?;
        let dropped = {
            let mut responses = txn.open_table(RESPONSES)?;
            let dropped = responses.len()?;
            responses.retain(|_, _| false)?;
            txn.open_table(EXPIRY)?.retain(|_, _| false)?;
            txn.open_table(META)?.insert(BYTES, 0)?;
            dropped
        };
        txn.commit()?;
        Ok(dropped)
    }

    fn load_budget(&self, server: &str) -> Result<Option<SavedBucket>, Failure> {
        let txn = self.db.begin_read()?;
        let budgets = txn.open_table(BUDGETS)?;
        let Some(value) = budgets.get(server)? else { return Ok(None) };
        Ok(serde_json::from_slice(value.value()).ok())
    }

    /// Keep `bucket` for `server`, synced to disk: a lost write could let the next run
    /// ask past the quota.
    fn save_budget(&self, server: &str, bucket: SavedBucket) -> Result<(), Failure> {
        let value =
            serde_json::to_vec(&bucket).map_err(|e| redb::Error::Corrupted(e.to_string()))?;
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        txn.open_table(BUDGETS)?.insert(server, value.as_slice())?;
        txn.commit()?;
        Ok(())
    }
}

/// Drop entries that expired by `now`, then those that expire first while `bytes` is over
/// `max_bytes`; returns the bytes left.
fn evict(
    responses: &mut redb::Table<'_, &str, &[u8]>,
    expiry: &mut redb::Table<'_, (u64, &str), ()>,
    mut bytes: u64,
    now: u64,
    max_bytes: u64,
) -> Result<u64, Failure> {
    loop {
        let first = expiry.first()?.map(|(key, _)| {
            let (expires, url) = key.value();
            (expires, url.to_owned())
        });
        let Some((expires, url)) = first else {
            // Nothing is indexed, so nothing is kept.
            return Ok(0);
        };
        if expires > now && bytes <= max_bytes {
            return Ok(bytes);
        }
        expiry.remove((expires, url.as_str()))?;
        let value = responses.get(url.as_str())?.map(|v| v.value().to_vec());
        // Only the entry this index line was written for (a rewritten URL has its own).
        if let Some(value) = value.filter(|v| expiry_of(v).is_none_or(|e| e == expires)) {
            responses.remove(url.as_str())?;
            bytes = bytes.saturating_sub(weight(&url, &value));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn found(url: &str, body: &str) -> CachedResponse {
        CachedResponse::Found { url: url.to_owned(), body: body.to_owned() }
    }

    const ARIN: &str = "https://rdap.arin.net/registry/ip/8.8.8.8";
    const RIPE: &str = "https://rdap.db.ripe.net/ip/193.0.6.139";

    #[test]
    fn a_response_survives_closing_and_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let cache = DiskCache::open(dir.path()).unwrap();
        cache
            .store
            .put(ARIN, found(ARIN, "{\"handle\":\"NET-8-8-8-0-2\"}"), HOUR, now, u64::MAX)
            .unwrap();
        let gone = CachedResponse::NotFound { message: "no such object".to_owned() };
        cache.store.put(RIPE, gone.clone(), HOUR, now, u64::MAX).unwrap();
        drop(cache);
        let cache = DiskCache::open(dir.path()).unwrap();
        assert_eq!(
            cache.store.get(ARIN, now).unwrap(),
            Some(found(ARIN, "{\"handle\":\"NET-8-8-8-0-2\"}"))
        );
        assert_eq!(cache.store.get(RIPE, now).unwrap(), Some(gone));
        assert_eq!(cache.store.get("https://rdap.apnic.net/ip/1.1.1.1", now).unwrap(), None);
    }

    #[test]
    fn an_entry_is_not_returned_once_its_ttl_has_passed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        let now = SystemTime::now();
        cache.store.put(ARIN, found(ARIN, "{}"), HOUR, now, u64::MAX).unwrap();
        assert!(cache.store.get(ARIN, now + HOUR - Duration::from_millis(1)).unwrap().is_some());
        assert_eq!(cache.store.get(ARIN, now + HOUR).unwrap(), None);
        // Counted as expired until the next write drops it.
        let stats = cache.store.stats(now + HOUR).unwrap();
        assert_eq!((stats.entries, stats.expired), (1, 1));
        cache.store.put(RIPE, found(RIPE, "{}"), HOUR, now + HOUR, u64::MAX).unwrap();
        let stats = cache.store.stats(now + HOUR).unwrap();
        assert_eq!((stats.entries, stats.expired), (1, 0));
        assert_eq!(cache.store.get(RIPE, now + HOUR).unwrap(), Some(found(RIPE, "{}")));
    }

    #[test]
    fn over_the_bound_the_entries_that_expire_first_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        let now = SystemTime::now();
        let body = "x".repeat(1000);
        let url = |i: u32| format!("https://rdap.arin.net/registry/ip/10.0.0.{i}");
        // Each entry weighs its URL and its JSON value: about 1,150 bytes.
        let one = weight(
            &url(1),
            &serde_json::to_vec(&Entry {
                expires: unix_ms(now),
                stored: unix_ms(now),
                response: found(&url(1), &body),
            })
            .unwrap(),
        );
        let max = one * 3;
        // Written in order 1..=4; entry 2 lives longest.
        for i in 1..=4 {
            let ttl = if i == 2 { 3 * HOUR } else { HOUR + Duration::from_secs(u64::from(i)) };
            cache.store.put(&url(i), found(&url(i), &body), ttl, now, max).unwrap();
        }
        let stats = cache.store.stats(now).unwrap();
        assert_eq!(stats.entries, 3);
        assert!(stats.bytes <= max, "{} > {max}", stats.bytes);
        // Entry 1 expired first, so it went; 2 (longest TTL), 3 and 4 stay.
        assert_eq!(cache.store.get(&url(1), now).unwrap(), None);
        for i in 2..=4 {
            assert!(cache.store.get(&url(i), now).unwrap().is_some(), "entry {i}");
        }
        // The byte count kept in the file is the sum of what is kept.
        assert_eq!(stats.bytes, 3 * one);
        // Too large for the bound alone: not kept, and nothing else is dropped for it.
        let huge = "y".repeat(usize::try_from(max).unwrap());
        cache.store.put(&url(9), found(&url(9), &huge), HOUR, now, max).unwrap();
        assert_eq!(cache.store.get(&url(9), now).unwrap(), None);
        assert_eq!(cache.store.stats(now).unwrap().entries, 3);
    }

    #[test]
    fn rewriting_a_url_keeps_one_entry_and_an_exact_byte_count() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        let now = SystemTime::now();
        cache.store.put(ARIN, found(ARIN, "first, longer body"), HOUR, now, u64::MAX).unwrap();
        cache.store.put(ARIN, found(ARIN, "second"), 2 * HOUR, now, u64::MAX).unwrap();
        let stats = cache.store.stats(now).unwrap();
        assert_eq!(stats.entries, 1);
        let txn = cache.store.db.begin_read().unwrap();
        let stored =
            txn.open_table(RESPONSES).unwrap().get(ARIN).unwrap().unwrap().value().to_vec();
        assert_eq!(stats.bytes, weight(ARIN, &stored));
        assert_eq!(txn.open_table(META).unwrap().get(BYTES).unwrap().unwrap().value(), stats.bytes);
        // One index line: the old expiry's is gone, so the entry lives its new TTL.
        assert_eq!(txn.open_table(EXPIRY).unwrap().len().unwrap(), 1);
        drop(txn);
        assert_eq!(cache.store.get(ARIN, now + HOUR).unwrap(), Some(found(ARIN, "second")));
    }

    #[test]
    fn a_garbage_file_is_moved_aside_and_an_empty_cache_starts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let garbage = "not a redb file ".repeat(512);
        fs::write(&path, &garbage).unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("whohosts-cache.redb.broken")).unwrap(),
            garbage
        );
        let (aside, _reason) = cache.moved_aside().unwrap();
        assert_eq!(aside, dir.path().join("whohosts-cache.redb.broken"));
        assert_eq!(cache.stats().unwrap().entries, 0);
        let now = SystemTime::now();
        cache.store.put(ARIN, found(ARIN, "{}"), HOUR, now, u64::MAX).unwrap();
        assert!(cache.store.get(ARIN, now).unwrap().is_some());
    }

    #[test]
    fn a_file_of_another_format_version_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        cache.store.put(ARIN, found(ARIN, "{}"), HOUR, SystemTime::now(), u64::MAX).unwrap();
        let txn = cache.store.db.begin_write().unwrap();
        txn.open_table(META).unwrap().insert(FORMAT, FORMAT_VERSION + 1).unwrap();
        txn.commit().unwrap();
        drop(cache);
        let cache = DiskCache::open(dir.path()).unwrap();
        assert_eq!(cache.stats().unwrap().entries, 0);
        assert!(dir.path().join("whohosts-cache.redb.broken").exists());
    }

    #[test]
    fn an_unreadable_value_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        let txn = cache.store.db.begin_write().unwrap();
        txn.open_table(RESPONSES)
            .unwrap()
            .insert(ARIN, b"{\"expires\":1,\"response\":{\"kind\":\"from_the_future\"}}".as_slice())
            .unwrap();
        txn.commit().unwrap();
        assert_eq!(cache.store.get(ARIN, SystemTime::now()).unwrap(), None);
    }

    #[test]
    fn a_second_open_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let first = DiskCache::open(dir.path()).unwrap();
        let error = DiskCache::open(dir.path()).unwrap_err();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(
            error.to_string(),
            format!("cache in use by another whohosts process: {}", path.display())
        );
        assert!(matches!(error, DiskCacheError::InUse { path: p } if p == path));
        drop(first);
        assert!(DiskCache::open(dir.path()).is_ok());
    }

    #[test]
    fn stats_count_by_kind_and_clear_keeps_the_budgets() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        let now = SystemTime::now();
        for url in [
            ARIN,
            RIPE,
            "https://rdap.arin.net/registry/ip/8.8.8.0/24",
            "https://rdap.verisign.com/com/v1/domain/google.com",
            "https://rdap.db.ripe.net/autnum/3333",
            "https://rdap.db.ripe.net/entity/ORG-RIEN1-RIPE",
            "https://rdap.example/help",
        ] {
            cache.store.put(url, found(url, "{}"), HOUR, now, u64::MAX).unwrap();
        }
        cache.store.save_budget("rdap.db.ripe.net", SavedBucket::new(12.5, now)).unwrap();
        let stats = cache.stats().unwrap();
        assert_eq!(stats.entries, 7);
        let kinds: Vec<(&str, u64)> =
            stats.by_kind.iter().map(|(kind, s)| (kind.as_str(), s.entries)).collect();
        assert_eq!(kinds, [("autnum", 1), ("domain", 1), ("entity", 1), ("ip", 3), ("other", 1)]);
        assert_eq!(stats.by_kind.values().map(|s| s.bytes).sum::<u64>(), stats.bytes);
        assert_eq!(
            (stats.budgets, stats.max_bytes, stats.expired),
            (1, DiskCache::DEFAULT_MAX_BYTES, 0)
        );
        assert!(stats.file_bytes > 0);
        assert_eq!(cache.clear().unwrap(), 7);
        let stats = cache.stats().unwrap();
        assert_eq!((stats.entries, stats.bytes, stats.budgets), (0, 0, 1));
        assert_eq!(
            cache.store.load_budget("rdap.db.ripe.net").unwrap(),
            Some(SavedBucket::new(12.5, now))
        );
    }

    #[test]
    fn whois_answers_are_a_kind_and_kinds_clear_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        let whois = "whois://whois.afrinic.net:43/196.216.2.1";
        cache.store.put(ARIN, found(ARIN, "{}"), 3 * HOUR, now, u64::MAX).unwrap();
        cache.store.put(whois, found(whois, "% AFRINIC"), HOUR, now + HOUR, u64::MAX).unwrap();
        let abusix = "dns://abuse-contacts.abusix.zone/1.2.0.192.abuse-contacts.abusix.zone";
        let ripestat = "https://stat.ripe.net/data/abuse-contact-finder/data.json?resource=193.0.6.139&sourceapp=whohosts";
        cache.store.put(abusix, found(abusix, "{}"), HOUR, now, u64::MAX).unwrap();
        cache.store.put(ripestat, found(ripestat, "{}"), HOUR, now, u64::MAX).unwrap();
        let stats = cache.store.stats(now).unwrap();
        let kinds: Vec<(&str, u64)> =
            stats.by_kind.iter().map(|(kind, s)| (kind.as_str(), s.entries)).collect();
        assert_eq!(kinds, [("ip", 1), ("quota-free", 2), ("whois", 1)]);
        assert_eq!(cache.clear_kind("quota-free").unwrap(), 2);
        assert_eq!((stats.oldest, stats.newest), (Some(now), Some(now + HOUR)));
        let json = serde_json::to_value(&stats).unwrap();
        assert_eq!(json["oldest"], "2026-05-28T20:26:40Z");
        assert_eq!(json["newest"], "2026-05-28T21:26:40Z");
        // An entry from before `stored` was written counts, without a date.
        assert_eq!(
            serde_json::from_slice::<Entry>(
                br#"{"expires":5,"response":{"kind":"not_found","message":"x"}}"#
            )
            .unwrap()
            .stored,
            0
        );

        cache.store.save_budget("rdap.db.ripe.net", SavedBucket::new(1.0, now)).unwrap();
        assert_eq!(cache.clear_kind("whois").unwrap(), 1);
        assert_eq!(cache.clear_kind("whois").unwrap(), 0);
        let stats = cache.stats().unwrap();
        assert_eq!((stats.entries, stats.budgets), (1, 1));
        let txn = cache.store.db.begin_read().unwrap();
        let stored =
            txn.open_table(RESPONSES).unwrap().get(ARIN).unwrap().unwrap().value().to_vec();
        assert_eq!(stats.bytes, weight(ARIN, &stored));
        assert_eq!(txn.open_table(EXPIRY).unwrap().len().unwrap(), 1);
        drop(txn);
        assert_eq!(cache.clear_budgets().unwrap(), 1);
        assert_eq!(cache.stats().unwrap().budgets, 0);
        assert_eq!(kind_of(whois), "whois");
    }

    #[tokio::test]
    async fn the_async_seams_read_and_write_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        cache.put(ARIN, found(ARIN, "{}"), HOUR).await;
        // A zero TTL keeps nothing.
        cache.put(RIPE, found(RIPE, "{}"), Duration::ZERO).await;
        assert_eq!(cache.get(ARIN).await, Some(found(ARIN, "{}")));
        assert_eq!(cache.get(RIPE).await, None);
        let bucket = SavedBucket::new(3.0, SystemTime::UNIX_EPOCH + HOUR);
        cache.save("rdap.db.ripe.net", bucket).await;
        assert_eq!(cache.load("rdap.db.ripe.net").await, Some(bucket));
        assert_eq!(cache.load("rdap.lacnic.net").await, None);
    }

    #[test]
    fn max_bytes_trims_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path()).unwrap();
        let now = SystemTime::now();
        cache.store.put(ARIN, found(ARIN, "{}"), HOUR, now, u64::MAX).unwrap();
        cache.store.put(RIPE, found(RIPE, "{}"), 2 * HOUR, now, u64::MAX).unwrap();
        let bytes = cache.stats().unwrap().bytes;
        let cache = cache.max_bytes(bytes - 1);
        let stats = cache.stats().unwrap();
        assert_eq!(stats.entries, 1);
        assert_eq!(cache.store.get(RIPE, now).unwrap(), Some(found(RIPE, "{}")));
    }

    #[test]
    fn urls_are_counted_by_the_kind_of_object_they_ask_for() {
        assert_eq!(kind_of("https://rdap.arin.net/registry/ip/8.8.8.8"), "ip");
        assert_eq!(kind_of("https://rdap.arin.net/registry/ip/2620:119:35::/48"), "ip");
        assert_eq!(kind_of("https://rdap.arin.net/registry/ip/8.8.8.0/24"), "ip");
        assert_eq!(kind_of("http://127.0.0.1:8080/ripe/autnum/3333"), "autnum");
        assert_eq!(kind_of("https://rdap.example/domain/entity"), "domain");
        assert_eq!(kind_of("https://rdap.example/nameserver/ns1.example.com"), "nameserver");
        assert_eq!(kind_of("https://rdap.example/help"), "other");
        assert_eq!(kind_of("not a url"), "other");
    }
}
