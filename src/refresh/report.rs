//! What a refresh reports per set and per provider list: the outcome of one file
//! ([`SetOutcome`]) and one provider list's line ([`ListReport`]). Plain data.

use serde::Serialize;

use super::lists::RangeList;

/// What a refresh did with one set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SetOutcome {
    /// A new file was checked and swapped in.
    Updated,
    /// The server said the stored file is current (304).
    Unchanged,
    /// The download was refused (it does not parse, holds too little); the old file, if
    /// any, is kept. The reason says why.
    Refused(String),
    /// The download failed (transport, HTTP status, size bound) or the file could not be
    /// written; the old file, if any, is kept.
    Failed(String),
    /// Not fetched: the set has no official URL and none was set.
    Skipped(String),
}

/// What a refresh did with one provider list, inside the provider ranges'
/// [`SetReport`](crate::SetReport).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListReport {
    /// The list.
    pub list: RangeList,
    /// [`Updated`](SetOutcome::Updated): fetched and used; [`Unchanged`](SetOutcome::Unchanged):
    /// the server answered 304 and the stored copy was used;
    /// [`Refused`](SetOutcome::Refused) / [`Failed`](SetOutcome::Failed): the body is not
    /// the list's format / the download failed, and the provider's previous ranges were kept;
    /// [`Skipped`](SetOutcome::Skipped): the list has no fixed URL and none was set, and the
    /// provider's previous ranges were kept.
    pub outcome: SetOutcome,
    /// The URL asked, if any.
    pub url: Option<String>,
    /// The date of the list's data in use (`YYYY-MM-DD`), if known.
    pub version: Option<String>,
}
