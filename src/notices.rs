//! From thousands of records to a handful of notices (issue #18): records grouped into one
//! [`Batch`] per party and channel, the resources that fell out of every batch kept in
//! [`Batches::unresolved`] with the reason, and the files a takedown team sends and reads.
//!
//! This module lays out decisions the records already hold: whom to notify, in what order
//! and why is each record's [`notice_targets`](crate::HostingRecord::notice_targets)
//! (decided by the party rule of `notice.rs`). Grouping never asks a source and never
//! re-derives a party; it picks each target's channel for the chosen notice type and files
//! the resource under (party, channel).
//!
//! # Example
//!
//! ```
//! use whohosts::notices::{self, GroupOptions};
//!
//! // The bulk command's output lines (`{"input":…,"record":{…}}` or `{"input":…,"error":…}`).
//! let lines = notices::read_lines(
//!     &b"{\"input\":\"bad..name\",\"error\":{\"kind\":\"input\",\"message\":\"empty label\"}}\n"[..],
//! )?;
//! let batches = notices::group_lines(lines, &GroupOptions::default());
//! assert_eq!(batches.totals.inputs, 1);
//! assert_eq!(batches.unresolved.len(), 1);
//! assert!(batches.batches.is_empty());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Layout
//!
//! * `batch.rs`: the data ([`Batches`], [`Batch`], [`BatchParty`], [`BatchChannel`],
//!   [`BatchResource`], [`Unresolved`], [`Totals`]), plain serde types;
//! * `group.rs`: records → batches ([`group`], [`group_lines`], [`GroupOptions`]);
//! * `lines.rs`: reading the bulk command's JSON lines ([`read_lines`], [`LookupLine`]);
//! * `id.rs`: stable batch ids (a slug and a hash of party and channel);
//! * `diff.rs`: what moved between two runs ([`diff`], [`BatchDiff`]);
//! * `files.rs`: `batches.jsonl`, `unresolved.jsonl`, `summary.json`, `batches.csv`, and
//!   reading a written directory back;
//! * `template.rs` (feature `notices`): the notice bodies, rendered with minijinja;
//! * `report.rs`, `svg.rs`, `markup.rs`: the self-contained HTML report, its bar charts, and
//!   escaping.

mod batch;
mod diff;
mod files;
mod group;
mod header;
mod id;
mod lines;
mod markup;
mod report;
mod svg;
#[cfg(feature = "notices")]
mod template;

pub use self::batch::{
    Batch, BatchAddress, BatchChannel, BatchParty, BatchResource, Batches, ChannelKind, StageCount,
    Totals, Unresolved, UnresolvedReason,
};
pub use self::diff::{BatchDiff, Move, Placement, UNRESOLVED, diff};
pub use self::files::{BATCH_CSV_COLUMNS, read_dir, write_batches_csv, write_dir_tables};
pub use self::group::{GroupOptions, group, group_lines};
pub use self::lines::{LookupLine, read_lines};
pub use self::report::report_html;
#[cfg(feature = "notices")]
#[cfg_attr(docsrs, doc(cfg(feature = "notices")))]
pub use self::template::{DEFAULT_TEMPLATE, DMCA_TEMPLATE, DSA_ART16_TEMPLATE, NoticeTemplate};
