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
use crate::record::{StepError, StepErrorKind};

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

/// What one error says about the answer it is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Says {
    /// The source failed: the object may well be there.
    Failed,
    /// The object is not there.
    Absent,
    /// Nothing about the source's health: the data (`partial`) or the configuration
    /// (`no_source`, `blocked`) is what it is, and does not shorten the answer's life.
    Nothing,
}

/// The class of one error kind. The match is exhaustive on purpose: a new kind must be
/// placed here before it compiles.
fn says(kind: StepErrorKind) -> Says {
    match kind {
        StepErrorKind::Timeout
        | StepErrorKind::Transport
        | StepErrorKind::HttpStatus
        | StepErrorKind::RateLimited
        | StepErrorKind::CircuitOpen
        | StepErrorKind::ServFail
        | StepErrorKind::Malformed
        | StepErrorKind::TooLarge
        | StepErrorKind::Redirect
        // An answer about another object: the source misbehaved, as with a broken body.
        | StepErrorKind::Mismatch
        | StepErrorKind::Other => Says::Failed,
        StepErrorKind::NotFound | StepErrorKind::NxDomain | StepErrorKind::NoData => Says::Absent,
        StepErrorKind::Partial
        | StepErrorKind::Truncated
        | StepErrorKind::NoSource
        | StepErrorKind::Blocked => Says::Nothing,
    }
}

impl Keep {
    /// The class of an answer computed with `errors`; `cut_short` when the asking lookup's
    /// deadline had passed by the time it was done. A failure beside an absence decides
    /// (the absence may be its effect).
    pub(crate) fn of(errors: &[StepError], cut_short: bool) -> Keep {
        if errors.is_empty() {
            Keep::Answer
        } else if cut_short {
            Keep::Never
        } else if errors.iter().any(|e| says(e.kind) == Says::Failed) {
            Keep::Failed
        } else if errors.iter().any(|e| says(e.kind) == Says::Absent) {
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

    fn error(kind: StepErrorKind) -> StepError {
        StepError::new(Stage::Rdap, "https://rdap.example/domain/x.test", kind, "…")
    }

    #[test]
    fn classes() {
        assert_eq!(Keep::of(&[], false), Keep::Answer);
        assert_eq!(Keep::of(&[], true), Keep::Answer);
        assert_eq!(Keep::of(&[error(StepErrorKind::Partial)], false), Keep::Answer);
        assert_eq!(Keep::of(&[error(StepErrorKind::NotFound)], false), Keep::Absent);
        assert_eq!(
            Keep::of(&[error(StepErrorKind::NxDomain), error(StepErrorKind::Partial)], false),
            Keep::Absent
        );
        assert_eq!(Keep::of(&[error(StepErrorKind::HttpStatus)], false), Keep::Failed);
        // A failure beside an absence: the failure decides (the absence may be its effect).
        assert_eq!(
            Keep::of(&[error(StepErrorKind::NotFound), error(StepErrorKind::Timeout)], false),
            Keep::Failed
        );
        assert_eq!(Keep::of(&[error(StepErrorKind::CircuitOpen)], false), Keep::Failed);
        assert_eq!(Keep::of(&[error(StepErrorKind::Blocked)], false), Keep::Answer);
        assert_eq!(Keep::of(&[error(StepErrorKind::Timeout)], true), Keep::Never);
        assert_eq!(Keep::of(&[error(StepErrorKind::NotFound)], true), Keep::Never);
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
