//! The data directory on disk: where each refreshed file lives, its metadata beside it, and
//! the atomic swap (temporary file in the same directory, fsync, rename) that puts a new
//! file in place so that a reader sees the old file or the new one, never half of one.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a refresh keeps about a file it wrote, as `<file>.meta.json` beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Meta {
    /// The URL the file was fetched from (after redirects).
    pub(crate) url: String,
    /// The `ETag` the server sent, sent back as `If-None-Match`.
    #[serde(default)]
    pub(crate) etag: Option<String>,
    /// The `Last-Modified` the server sent, sent back as `If-Modified-Since`.
    #[serde(default)]
    pub(crate) last_modified: Option<String>,
    /// When the file was fetched (RFC 3339, UTC).
    pub(crate) fetched_at: String,
    /// When a refresh last found it current (a 304), RFC 3339.
    #[serde(default)]
    pub(crate) checked_at: Option<String>,
    /// The file's size in bytes.
    pub(crate) size: u64,
    /// The date of the data (`YYYY-MM-DD`), as the file or the server gives it.
    #[serde(default)]
    pub(crate) data_date: Option<String>,
    /// For a provider range table built from the providers' lists: each list's own
    /// metadata (URL, validators, date), by list name (`aws`, `cloudflare_v4`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) lists: BTreeMap<String, Meta>,
}

/// The metadata file of `file`.
pub(crate) fn meta_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(".meta.json");
    file.with_file_name(name)
}

/// The metadata kept for `file`, if any can be read.
pub(crate) fn read_meta(file: &Path) -> Option<Meta> {
    let text = std::fs::read_to_string(meta_path(file)).ok()?;
    match serde_json::from_str(&text) {
        Ok(meta) => Some(meta),
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "unreadable refresh metadata; ignored");
            None
        }
    }
}

/// Put `bytes` at `path` atomically (see the module doc), creating its directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir =
        path.parent().ok_or_else(|| std::io::Error::other("a file path without directory"))?;
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(&name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = dir.join(temp_name);
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
        return written;
    }
    // The rename is durable once the directory is synced (where the platform allows it).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Write `meta` for `file` atomically.
pub(crate) fn write_meta(file: &Path, meta: &Meta) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?;
    write_atomic(&meta_path(file), &text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn swap_replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("providers/ranges.txt");
        write_atomic(&path, b"old\n").unwrap();
        write_atomic(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["ranges.txt"]);
    }

    #[test]
    fn meta_round_trips_beside_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bootstrap/dns.json");
        let meta = Meta {
            url: "https://data.iana.org/rdap/dns.json".to_owned(),
            etag: Some("\"abc\"".to_owned()),
            last_modified: None,
            fetched_at: "2026-12-06T01:00:00Z".to_owned(),
            checked_at: None,
            size: 12,
            data_date: Some("2026-12-01".to_owned()),
            lists: BTreeMap::new(),
        };
        write_meta(&path, &meta).unwrap();
        assert_eq!(meta_path(&path), dir.path().join("bootstrap/dns.json.meta.json"));
        assert_eq!(read_meta(&path), Some(meta));
    }
}
