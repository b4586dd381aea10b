//! The provider range table built by the refresh from the providers' own lists: each list
//! fetched with a conditional GET (its validators kept in the table's `.meta.json` under
//! `lists`, its body under `providers/lists/`), parsed, aggregated exactly as
//! `data/providers/build_ranges.py` does, checked with the run-time parser and swapped in.
//! A list that cannot be had (no fixed URL, an HTTP error, a body that is not its format)
//! contributes its provider's previous ranges — its stored copy, else the current table's
//! rows — and says so in its [`ListReport`]: no provider is ever dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use url::Url;

use super::aggregate;
use super::check::{self, FileKind, MIN_RANGE_ROWS};
use super::lists::{self, Label, ParsedList, Prefix, RangeList};
use super::report::{ListReport, SetOutcome};
use super::store::{self, Meta};
use crate::provider::ranges::{DATA as EMBEDDED_TABLE, RangeTable};
use crate::transport::http::{FileAnswer, Http, Validators};

/// The built table's outcome, its metadata, and one report per list.
pub(crate) struct Built {
    pub(crate) outcome: SetOutcome,
    pub(crate) meta: Option<Meta>,
    pub(crate) lists: Vec<ListReport>,
}

/// Where a list's prefixes came from this time.
enum Source {
    /// Fetched now (a 200): its body is stored once the table is in place.
    Fetched { body: Vec<u8>, meta: Meta },
    /// The stored copy (a 304, or kept after a failure), with its metadata.
    Stored(Option<Meta>),
    /// The current table's rows of the provider (nothing stored).
    Table,
}

/// The stored copy of `list` under `dir`.
pub(crate) fn list_path(dir: &Path, list: RangeList) -> PathBuf {
    dir.join("providers/lists").join(list.file())
}

/// The text of the table in force: the refreshed file at `path` when it loads, else the
/// shipped one.
fn current_table(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) if RangeTable::parse(&text).len() >= MIN_RANGE_ROWS => text,
        _ => EMBEDDED_TABLE.to_owned(),
    }
}

/// The stored copy of `list`, parsed, if there is one that parses.
fn stored(dir: &Path, list: RangeList) -> Option<ParsedList> {
    let bytes = std::fs::read(list_path(dir, list)).ok()?;
    match lists::parse(list, &bytes) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            tracing::warn!(list = list.as_str(), error = %e, "stored provider list unusable; ignored");
            None
        }
    }
}

/// Build the provider range table at `path` (in data directory `dir`) from the lists at
/// `urls` (a list without one keeps its provider's previous ranges).
pub(crate) async fn refresh(
    http: &Http,
    dir: &Path,
    path: &Path,
    urls: &BTreeMap<RangeList, Url>,
) -> Built {
    let old = store::read_meta(path);
    let old_lists = old.as_ref().map(|m| m.lists.clone()).unwrap_or_default();
    let now = crate::clock::now_timestamp().to_string();
    let table_text = current_table(path);
    let mut entries: Vec<(Prefix, Label)> = Vec::new();
    let mut reports = Vec::new();
    let mut sources = Vec::new();
    for list in RangeList::ALL {
        let name = list.as_str();
        let list_meta = old_lists.get(name);
        let url = urls.get(&list);
        let (outcome, parsed, source) = match url {
            None => {
                let why = format!(
                    "no fixed URL; the provider's previous ranges kept (set provider_ranges.{name}=URL to fetch it)"
                );
                keep_previous(dir, list, list_meta, SetOutcome::Skipped(why), &table_text)
            }
            Some(url) => fetch_list(http, dir, list, url, list_meta, &now, &table_text).await,
        };
        entries.extend(parsed.prefixes);
        let version = match &source {
            Source::Fetched { meta, .. } => meta.data_date.clone(),
            Source::Stored(meta) => meta.as_ref().and_then(|m| m.data_date.clone()),
            Source::Table => None,
        };
        match &outcome {
            SetOutcome::Refused(why) | SetOutcome::Failed(why) => {
                tracing::warn!(list = name, reason = %why, "provider list kept its previous ranges");
            }
            _ => {}
        }
        reports.push(ListReport { list, outcome, url: url.map(Url::to_string), version });
        sources.push((list, source));
    }

    let fresh = reports.iter().any(|r| r.outcome == SetOutcome::Updated);
    let current = reports.iter().any(|r| r.outcome == SetOutcome::Unchanged);
    let built_before = old.as_ref().is_some_and(|m| !m.lists.is_empty()) && path.is_file();
    if !fresh && !current {
        let why = "no provider list could be fetched; the table in force is kept".to_owned();
        return Built { outcome: SetOutcome::Failed(why), meta: old, lists: reports };
    }
    // Every list as the table already has it: nothing to rebuild.
    if !fresh && built_before {
        return Built {
            outcome: SetOutcome::Unchanged,
            meta: checked(path, old, &sources, &now),
            lists: reports,
        };
    }

    let built = match aggregate::build(&entries) {
        Ok(built) => built,
        Err(why) => return Built { outcome: SetOutcome::Refused(why), meta: old, lists: reports },
    };
    let text = aggregate::render(&header(&reports), &built);
    if let Err(why) = check::check(FileKind::ProviderRanges, text.as_bytes()) {
        return Built { outcome: SetOutcome::Refused(why), meta: old, lists: reports };
    }
    if built_before && std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        return Built {
            outcome: SetOutcome::Unchanged,
            meta: checked(path, old, &sources, &now),
            lists: reports,
        };
    }

    let data_date = reports
        .iter()
        .filter(|r| matches!(r.outcome, SetOutcome::Updated | SetOutcome::Unchanged))
        .filter_map(|r| r.version.clone())
        .max();
    let mut lists_meta = BTreeMap::new();
    for (list, source) in &sources {
        match source {
            Source::Fetched { body, meta } => {
                if let Err(e) = store::write_atomic(&list_path(dir, *list), body) {
                    let why = format!("cannot write {}: {e}", list_path(dir, *list).display());
                    return Built { outcome: SetOutcome::Failed(why), meta: old, lists: reports };
                }
                lists_meta.insert(list.as_str().to_owned(), meta.clone());
            }
            Source::Stored(Some(meta)) => {
                lists_meta.insert(list.as_str().to_owned(), meta.clone());
            }
            Source::Stored(None) | Source::Table => {}
        }
    }
    let meta = Meta {
        // A built table has no one URL; its lists have theirs.
        url: String::new(),
        etag: None,
        last_modified: None,
        fetched_at: now,
        checked_at: None,
        size: text.len() as u64,
        data_date,
        lists: lists_meta,
    };
    if let Err(e) =
        store::write_atomic(path, text.as_bytes()).and_then(|()| store::write_meta(path, &meta))
    {
        let why = format!("cannot write {}: {e}", path.display());
        return Built {
            outcome: SetOutcome::Failed(why),
            meta: store::read_meta(path),
            lists: reports,
        };
    }
    Built { outcome: SetOutcome::Updated, meta: Some(meta), lists: reports }
}

/// Fetch `list` from `url` (conditional on its stored copy); the outcome, the prefixes to
/// use and where they came from.
async fn fetch_list(
    http: &Http,
    dir: &Path,
    list: RangeList,
    url: &Url,
    list_meta: Option<&Meta>,
    now: &str,
    table_text: &str,
) -> (SetOutcome, ParsedList, Source) {
    // Validators only for a stored copy from the same URL.
    let conditional = list_meta.filter(|m| m.url == url.as_str() && list_path(dir, list).is_file());
    let validators = Validators {
        etag: conditional.and_then(|m| m.etag.as_deref()),
        last_modified: conditional.and_then(|m| m.last_modified.as_deref()),
    };
    let answer = match http.get_file(url, validators, lists::MAX_LIST_BYTES).await {
        Ok(answer) => answer,
        Err(e) => {
            return keep_previous(
                dir,
                list,
                list_meta,
                SetOutcome::Failed(e.to_string()),
                table_text,
            );
        }
    };
    match answer {
        FileAnswer::NotModified => match (stored(dir, list), conditional) {
            (Some(parsed), Some(meta)) => {
                let mut meta = meta.clone();
                meta.checked_at = Some(now.to_owned());
                (SetOutcome::Unchanged, parsed, Source::Stored(Some(meta)))
            }
            _ => {
                let why = "the server answered 304 but the stored copy is unusable".to_owned();
                keep_previous(dir, list, list_meta, SetOutcome::Failed(why), table_text)
            }
        },
        FileAnswer::Body { body, etag, last_modified, .. } => match lists::parse(list, &body) {
            Ok(parsed) => {
                let data_date = parsed
                    .date
                    .clone()
                    .or_else(|| last_modified.as_deref().and_then(check::http_date))
                    .or_else(|| check::date_part(now));
                let meta = Meta {
                    url: url.as_str().to_owned(),
                    etag,
                    last_modified,
                    fetched_at: now.to_owned(),
                    checked_at: None,
                    size: body.len() as u64,
                    data_date,
                    lists: BTreeMap::new(),
                };
                (SetOutcome::Updated, parsed, Source::Fetched { body: body.to_vec(), meta })
            }
            Err(e) => {
                keep_previous(dir, list, list_meta, SetOutcome::Refused(e.to_string()), table_text)
            }
        },
    }
}

/// The provider's previous ranges for `list`: its stored copy, else the current table's
/// rows of its labels.
fn keep_previous(
    dir: &Path,
    list: RangeList,
    list_meta: Option<&Meta>,
    outcome: SetOutcome,
    table_text: &str,
) -> (SetOutcome, ParsedList, Source) {
    if let Some(parsed) = stored(dir, list) {
        return (outcome, parsed, Source::Stored(list_meta.cloned()));
    }
    let prefixes = aggregate::rows_of(table_text, list);
    (outcome, ParsedList { prefixes, date: None }, Source::Table)
}

/// The header lines of a built table: how it was made and each list's source.
fn header(reports: &[ListReport]) -> Vec<String> {
    let mut lines = vec![
        "whohosts provider IP ranges: `cidr provider_id kind`, one per line.".to_owned(),
        "Built by `whohosts refresh` (Client::refresh_data) from the providers' published lists,"
            .to_owned(),
        "with the rules of data/providers/build_ranges.py. Lists:".to_owned(),
    ];
    for r in reports {
        let kept = match &r.outcome {
            SetOutcome::Updated | SetOutcome::Unchanged => "",
            _ => " (previous ranges kept)",
        };
        let url = r.url.as_deref().unwrap_or("no URL");
        let date = r.version.as_deref().unwrap_or("undated");
        lines.push(format!("  {}: {url} {date}{kept}", r.list.as_str()));
    }
    lines
}

/// The old metadata with the lists checked now (304s) recorded, written back.
fn checked(
    path: &Path,
    old: Option<Meta>,
    sources: &[(RangeList, Source)],
    now: &str,
) -> Option<Meta> {
    let mut meta = old?;
    meta.checked_at = Some(now.to_owned());
    for (list, source) in sources {
        if let Source::Stored(Some(m)) = source {
            meta.lists.insert(list.as_str().to_owned(), m.clone());
        }
    }
    if let Err(e) = store::write_meta(path, &meta) {
        tracing::warn!(file = %path.display(), error = %e, "cannot update refresh metadata");
    }
    Some(meta)
}
