//! [`Keep`]: how long a computed answer (registration facts, network facts) may be reused,
//! from what went wrong while computing it.
//!
//! A complete answer is kept for the TTL. An answer that says the object is not there
//! (RDAP 404, NXDOMAIN, no records) is as true for the next lookup, and is kept for the
//! negative TTL. An answer a source *failed* to give (timeout, transport error, 5xx, rate
//! limit, a broken body) says only that the server had a bad moment: it is kept for the
//! short error TTL, so a failure never stands in for the facts for long. An answer cut
//! short by the asking lookup's own deadline says nothing about the sources and is not kept.

use std::time::Duration;

use crate::config::CacheSettings;
use crate::record::StepError;

/// How long an answer may be reused; see the [module rule](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every source answered: [`CacheSettings::ttl`].
    Answer,
    /// A source said the object does not exist: [`CacheSettings::negative_ttl`].
    Absent,
    /// A source failed: [`CacheSettings::error_ttl`].
    Failed,
    /// The lookup's deadline cut the answer short: not kept.
    Never,
}

/// Error kinds that say the source failed, not that the object is absent.
const FAILURES: &[&str] = &[
    "timeout",
    "transport",
    "http_status",
    "rate_limited",
    "servfail",
    "malformed",
    "too_large",
    "redirect",
    "circuit_open",
    "other",
];

/// Error kinds that say the object is not there.
const ABSENCES: &[&str] = &["not_found", "nxdomain", "nodata"];

impl Keep {
    /// The class of an answer computed with `errors`; `cut_short` when the asking lookup's
    /// deadline had passed by the time it was done. Other kinds (`partial`, `no_source`,
    /// `blocked`) describe the data or the configuration and do not shorten its life.
    pub(crate) fn of(errors: &[StepError], cut_short: bool) -> Keep {
        if errors.is_empty() {
            Keep::Answer
        } else if cut_short {
            Keep::Never
        } else if errors.iter().any(|e| FAILURES.contains(&e.kind.as_str())) {
            Keep::Failed
        } else if errors.iter().any(|e| ABSENCES.contains(&e.kind.as_str())) {
            Keep::Absent
        } else {
            Keep::Answer
        }
    }
}

/// The lifetimes of the classes, from a client's [`CacheSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lifetimes {
    answer: Duration,
    absent: Duration,
    failed: Duration,
}

impl Lifetimes {
    pub(crate) fn of(settings: &CacheSettings) -> Self {
        Self { answer: settings.ttl, absent: settings.negative_ttl, failed: settings.error_ttl }
    }

    /// How long to keep an answer of class `keep`; `None`: do not keep it.
    pub(crate) fn of_class(self, keep: Keep) -> Option<Duration> {
        let ttl = match keep {
            Keep::Answer => self.answer,
            Keep::Absent => self.absent,
            Keep::Failed => self.failed,
            Keep::Never => return None,
        };
        (!ttl.is_zero()).then_some(ttl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Stage;

    fn error(kind: &str) -> StepError {
        StepError::new(Stage::Rdap, "https://rdap.example/domain/x.test", kind, "…")
    }

    #[test]
    fn classes() {
        assert_eq!(Keep::of(&[], false), Keep::Answer);
        assert_eq!(Keep::of(&[], true), Keep::Answer);
        assert_eq!(Keep::of(&[error("partial")], false), Keep::Answer);
        assert_eq!(Keep::of(&[error("not_found")], false), Keep::Absent);
        assert_eq!(Keep::of(&[error("nxdomain"), error("partial")], false), Keep::Absent);
        assert_eq!(Keep::of(&[error("http_status")], false), Keep::Failed);
        // A failure beside an absence: the failure decides (the absence may be its effect).
        assert_eq!(Keep::of(&[error("not_found"), error("timeout")], false), Keep::Failed);
        assert_eq!(Keep::of(&[error("timeout")], true), Keep::Never);
        assert_eq!(Keep::of(&[error("not_found")], true), Keep::Never);
    }

    #[test]
    fn lifetimes() {
        let settings = CacheSettings::default();
        let life = Lifetimes::of(&settings);
        assert_eq!(life.of_class(Keep::Answer), Some(Duration::from_secs(3600)));
        assert_eq!(life.of_class(Keep::Absent), Some(Duration::from_secs(600)));
        assert_eq!(life.of_class(Keep::Failed), Some(Duration::from_secs(30)));
        assert_eq!(life.of_class(Keep::Never), None);
        let off = CacheSettings { error_ttl: Duration::ZERO, ..settings };
        assert_eq!(Lifetimes::of(&off).of_class(Keep::Failed), None);
    }
}
