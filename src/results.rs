//! Results a notice team reads: the JSON-lines and CSV forms of records ([`JsonlSink`],
//! [`CsvSink`], one row per input, notice target and channel, behind the [`RecordSink`]
//! seam; what an output already answers, for resuming) and the results part of a bulk
//! summary ([`ResultsTally`]).
//!
//! This module owns how records become rows and counts, and nothing else: it reads records
//! (no lookups, no I/O but the writer it is given) and escapes server text through
//! [`crate::text`]. Which parties are notice targets, and in what order, is decided by
//! `notice.rs`; this module only lays the decision out.

mod csv;
mod jsonl;
mod tally;

use std::net::IpAddr;

use crate::error::{Error, InputError};
use crate::notice::address_parties;
use crate::record::{
    Contact, HostingRecord, NoticeTarget, NoticeType, OutcomeStatus, Party, ProviderKind, Stage,
    StepErrorKind,
};

pub use self::csv::{CSV_COLUMNS, CsvResume, CsvSink, completed_inputs_csv, csv_resume, csv_rows};
pub use self::jsonl::{CompletedInputs, JsonlSink, RecordSink, completed_inputs};
pub use self::tally::{PartyCount, ResultsTally};

/// The JSON name of a party (`cdn`, `registrar`, …).
fn party_name(party: Party) -> &'static str {
    party.as_str()
}

/// The JSON name of a provider kind (`cdn`, `cloud`, …).
fn provider_kind_name(kind: ProviderKind) -> &'static str {
    kind.as_str()
}

/// The JSON name of a stage (`rdap`, `whois`, …).
fn stage_name(stage: Stage) -> &'static str {
    stage.as_str()
}

/// The JSON name of a notice type (`copyright`, `csam`, …).
fn notice_type_name(kind: NoticeType) -> &'static str {
    kind.as_str()
}

/// The JSON name of an outcome status (`found`, `source_failed`, …).
fn outcome_name(status: OutcomeStatus) -> &'static str {
    status.as_str()
}

/// The stage and kind of a result without a record: `input` and the input error's kind
/// (`public_suffix`), or `lookup` and `config` or `internal`.
fn lookup_error_key(error: &Error) -> (&'static str, &'static str) {
    match error {
        Error::Input(e) => ("input", input_error_kind(e)),
        Error::Config(_) => ("lookup", "config"),
        Error::Internal { .. } => ("lookup", "internal"),
    }
}

/// A machine-readable name for each [`InputError`] variant.
fn input_error_kind(error: &InputError) -> &'static str {
    match error {
        InputError::Empty => "empty",
        InputError::TooLong { .. } => "too_long",
        InputError::LabelTooLong { .. } => "label_too_long",
        InputError::EmptyLabel { .. } => "empty_label",
        InputError::InvalidCharacter { .. } => "invalid_character",
        InputError::InvalidIdna { .. } => "invalid_idna",
        InputError::InvalidUrl { .. } => "invalid_url",
        InputError::UrlWithoutHost { .. } => "url_without_host",
        InputError::PublicSuffix { .. } => "public_suffix",
        InputError::SingleLabel { .. } => "single_label",
        InputError::ZoneId { .. } => "zone_id",
    }
}

/// What became of one input, as the CSV's `status` and the tally see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// A record (whose targets may or may not have channels).
    Record,
    /// The input could not be looked up: an `Err(Error::Input)`, or a record whose errors
    /// say stage `input`.
    InputError,
    /// No record, for another reason than the input (configuration, a panic).
    LookupError,
}

fn verdict(result: &Result<HostingRecord, Error>) -> Verdict {
    match result {
        Ok(record) if record.errors.iter().any(|e| e.stage == Stage::Input) => Verdict::InputError,
        Ok(_) => Verdict::Record,
        Err(Error::Input(_)) => Verdict::InputError,
        Err(Error::Config(_) | Error::Internal { .. }) => Verdict::LookupError,
    }
}

/// The record's distinct error kinds as `stage:kind`, in the order first met.
fn error_keys(record: &HostingRecord) -> Vec<(Stage, StepErrorKind)> {
    let mut keys: Vec<(Stage, StepErrorKind)> = Vec::new();
    for e in &record.errors {
        if !keys.contains(&(e.stage, e.kind)) {
            keys.push((e.stage, e.kind));
        }
    }
    keys
}

/// `stage:kind` text.
fn error_key_text(stage: Stage, kind: StepErrorKind) -> String {
    format!("{}:{}", stage_name(stage), kind.as_str())
}

/// Whether a notice target has at least one channel to write to.
fn has_channel(target: &NoticeTarget) -> bool {
    target.channels.iter().any(|c| !c.is_empty())
}

/// The phones of a channel as one cell: each number in E.164 form where it has one, else as
/// published, `; `-separated (empty when none).
fn phone(contact: &Contact) -> String {
    if contact.phones.is_empty() {
        return contact.phone.clone().unwrap_or_default();
    }
    let numbers: Vec<&str> =
        contact.phones.iter().map(|p| p.e164.as_deref().unwrap_or(&p.text)).collect();
    numbers.join("; ")
}

/// The provider behind a notice target, as far as the record says: its id (when a known
/// provider or platform) and its kind. CDN and hosting targets take their addresses'
/// identified provider; a platform target is the platform; network, registrar and registry
/// targets have none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TargetProvider {
    id: Option<String>,
    kind: Option<ProviderKind>,
}

/// Where a notice target sits in its record: the addresses it answers for and its provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TargetPlace {
    ips: Vec<IpAddr>,
    provider: TargetProvider,
}

/// The addresses `target` answers for and its provider. A target of the CDN, hosting or
/// network party answers for every address the party rule gives to a party of the same kind
/// and name (`notice.rs` merges those into one target); else for the address it names.
fn target_place(record: &HostingRecord, target: &NoticeTarget) -> TargetPlace {
    match target.party {
        Party::Platform => TargetPlace {
            ips: Vec::new(),
            provider: TargetProvider {
                id: record.platform.as_ref().map(|p| p.id.clone()),
                kind: Some(ProviderKind::Platform),
            },
        },
        Party::Registrar | Party::Registry => TargetPlace::default(),
        Party::Cdn | Party::Hosting | Party::Network => {
            let mut place = TargetPlace::default();
            for address in &record.addresses {
                let parties = address_parties(address, None);
                let side = match target.party {
                    Party::Network => parties.network,
                    _ => parties.host,
                };
                if side.is_some_and(|s| s.party == target.party && s.name == target.name) {
                    place.ips.push(address.ip);
                    if target.party != Party::Network
                        && place.provider.kind.is_none()
                        && let Some(p) = &address.hosting_provider
                    {
                        place.provider = TargetProvider { id: p.id.clone(), kind: Some(p.kind) };
                    }
                }
            }
            if place.ips.is_empty()
                && let Ok(ip) = target.for_.parse::<IpAddr>()
            {
                place.ips.push(ip);
            }
            place
        }
    }
}

/// Records for the unit tests of `csv` and `tally`.
#[cfg(test)]
mod test_records {
    use crate::record::{
        Contact, ContactRole, HostingRecord, NoticeReason, NoticeTarget, Party, Registrar,
    };

    pub(super) fn record(domain: &str) -> HostingRecord {
        HostingRecord {
            domain: Some(domain.to_owned()),
            domain_unicode: Some(domain.to_owned()),
            registrable_domain: Some(domain.to_owned()),
            registrar: Some(Registrar::default()),
            ..HostingRecord::blank(domain.to_owned())
        }
    }

    pub(super) fn target(
        party: Party,
        name: &str,
        for_: &str,
        channels: Vec<Contact>,
    ) -> NoticeTarget {
        NoticeTarget {
            party,
            name: Some(name.to_owned()),
            for_: for_.to_owned(),
            channels,
            reason: NoticeReason::RegistrarOfDomain,
        }
    }

    pub(super) fn channel(email: Option<&str>, phone: Option<&str>, web: Option<&str>) -> Contact {
        Contact {
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            web: web.map(str::to_owned),
            role: Some(ContactRole::Abuse),
            ..Contact::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Every name written here is the record's JSON name for the same value.
    #[test]
    fn names_are_the_json_names() {
        let json = |v: serde_json::Value| v.as_str().unwrap().to_owned();
        for party in [
            Party::Platform,
            Party::Cdn,
            Party::Hosting,
            Party::Network,
            Party::Registrar,
            Party::Registry,
        ] {
            assert_eq!(party_name(party), json(serde_json::to_value(party).unwrap()));
        }
        for kind in [
            ProviderKind::Cdn,
            ProviderKind::Cloud,
            ProviderKind::Hosting,
            ProviderKind::Isp,
            ProviderKind::Platform,
            ProviderKind::Unknown,
        ] {
            assert_eq!(provider_kind_name(kind), json(serde_json::to_value(kind).unwrap()));
        }
        for stage in [Stage::Input, Stage::Dns, Stage::Asn, Stage::Rdap, Stage::Whois, Stage::Abuse]
        {
            assert_eq!(stage_name(stage), json(serde_json::to_value(stage).unwrap()));
        }
        for kind in [
            NoticeType::Copyright,
            NoticeType::Csam,
            NoticeType::Ncii,
            NoticeType::Phishing,
            NoticeType::Malware,
            NoticeType::Spam,
        ] {
            assert_eq!(notice_type_name(kind), json(serde_json::to_value(kind).unwrap()));
        }
        for status in [
            OutcomeStatus::Found,
            OutcomeStatus::Redacted,
            OutcomeStatus::NonePublished,
            OutcomeStatus::SourceFailed,
            OutcomeStatus::NotApplicable,
        ] {
            assert_eq!(outcome_name(status), json(serde_json::to_value(status).unwrap()));
        }
    }
}
