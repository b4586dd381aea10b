//! What changed between two groupings: the resources whose first-target batch moved,
//! appeared or disappeared. Escalations are left out: they follow the first target.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::batch::Batches;

/// The batch id [`diff`] gives the unresolved list.
pub const UNRESOLVED: &str = "unresolved";

/// The changes from an old grouping to a new one, each list sorted by resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchDiff {
    /// Resources in another batch than before.
    pub moved: Vec<Move>,
    /// Resources only in the new grouping.
    pub appeared: Vec<Placement>,
    /// Resources only in the old grouping.
    pub disappeared: Vec<Placement>,
}

impl BatchDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.moved.is_empty() && self.appeared.is_empty() && self.disappeared.is_empty()
    }
}

/// A resource that moved from one batch to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Move {
    /// The resource.
    pub resource: String,
    /// Its old batch's id (`unresolved` for the unresolved list).
    pub from: String,
    /// Its new batch's id (`unresolved` for the unresolved list).
    pub to: String,
}

/// A resource and its batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Placement {
    /// The resource.
    pub resource: String,
    /// Its batch's id (`unresolved` for the unresolved list).
    pub batch: String,
}

/// The changes from `old` to `new`: each resource's first-target batch compared by id (ids
/// are stable: the same party and channel have the same id in every run), the unresolved
/// list counting as the batch `unresolved`.
///
/// ```
/// use whohosts::notices::{Batches, diff};
///
/// let none = Batches::default();
/// assert!(diff(&none, &none).is_empty());
/// ```
pub fn diff(old: &Batches, new: &Batches) -> BatchDiff {
    let (old, new) = (placements(old), placements(new));
    let mut out = BatchDiff::default();
    for (resource, from) in &old {
        match new.get(resource) {
            Some(to) if to != from => out.moved.push(Move {
                resource: (*resource).to_owned(),
                from: (*from).to_owned(),
                to: (*to).to_owned(),
            }),
            Some(_) => {}
            None => out
                .disappeared
                .push(Placement { resource: (*resource).to_owned(), batch: (*from).to_owned() }),
        }
    }
    for (resource, batch) in &new {
        if !old.contains_key(resource) {
            out.appeared
                .push(Placement { resource: (*resource).to_owned(), batch: (*batch).to_owned() });
        }
    }
    out
}

/// Resource → its first-target batch id (the first one, should an input repeat).
fn placements(batches: &Batches) -> BTreeMap<&str, &str> {
    let mut out = BTreeMap::new();
    for b in &batches.batches {
        for r in b.resources.iter().filter(|r| !r.escalate) {
            out.entry(r.resource.as_str()).or_insert(b.id.as_str());
        }
    }
    for u in &batches.unresolved {
        out.entry(u.resource.as_str()).or_insert(UNRESOLVED);
    }
    out
}
