//! Contacts across sources: abuse outcomes and fetch-time stamps. Merging the same channel
//! lives in `channel.rs` (one rule for every list); whom a channel reaches, and the flattened
//! `abuse_contacts` list, live with `notice_targets` in `notice.rs` (one party rule
//! for both lists).

use crate::clock::now_timestamp;
use crate::record::{Contact, Outcome, OutcomeStatus, SourceKind};

/// Stamp the fetch time on network-sourced provenance that lacks one.
pub(crate) fn stamp(contacts: &mut [Contact]) {
    let now = now_timestamp();
    for contact in contacts {
        for source in &mut contact.sources {
            if matches!(source.kind, SourceKind::Rdap | SourceKind::Whois)
                && source.fetched_at.is_none()
            {
                source.fetched_at = Some(now);
            }
        }
    }
}

/// The outcome for a contact list, given what the extractor said about its answer.
pub(crate) fn abuse_outcome(abuse: &[Contact], from_answer: &Outcome) -> Outcome {
    if abuse.iter().any(|c| !c.is_empty()) {
        if from_answer.status == OutcomeStatus::Found {
            from_answer.clone()
        } else {
            Outcome::new(OutcomeStatus::Found)
        }
    } else if from_answer.status == OutcomeStatus::Redacted {
        from_answer.clone()
    } else {
        Outcome::new(OutcomeStatus::NonePublished)
    }
}
