//! The results part of a bulk summary: [`ResultsTally`] counts what a notice team reads
//! (who can be notified, whom, what failed, what to retry) as records arrive, and renders
//! it as JSON (serde) or as escaped plain text.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io;

use serde::{Serialize, Serializer};

use crate::error::Error;
use crate::record::{HostingRecord, OutcomeStatus, Party, ProviderKind, StepErrorKind};
use crate::text::escape_terminal;

use super::{
    Verdict, error_keys, has_channel, lookup_error_key, outcome_name, party_name,
    provider_kind_name, stage_name, target_place, verdict,
};

/// How many parties [`ResultsTally`] lists by resource count.
const TOP_PARTIES: usize = 10;

/// Counts over bulk results, for the summary a notice team reads.
///
/// A *resource* is one input line's record. Its JSON form (`--summary-json`) has these
/// fields, whose names are stable:
///
/// - `inputs`: results added (input lines), = `records` + `input_errors` + `lookup_errors`;
/// - `records`: results with a record; `input_errors`: inputs that could not be looked up
///   (bad input); `lookup_errors`: results without a record for another reason (a panic);
/// - `resources`: `{with_channel, without_channel}`: records with at least one notice target
///   that has a channel, and the others;
/// - `targets_by_party`: notice targets of every record, by party (`platform`, `cdn`,
///   `hosting`, `network`, `registrar`, `registry`);
/// - `targets_by_provider_kind`: the CDN, hosting and platform targets by the kind of their
///   provider (`cdn`, `cloud`, `hosting`, `isp`, `platform`, `unknown`);
/// - `top_parties`: the ten parties that are a notice target for the most resources, as
///   `{party, name, resources}`, most first, ties by name;
/// - `outcomes`: the records' party outcomes by status (`found`, `redacted`,
///   `none_published`, `source_failed`, `not_applicable`);
/// - `errors`: stage → kind → inputs whose result has such an error (each counted once per
///   input), with `input` → the input error's kind (`public_suffix`) for bad inputs and
///   `lookup` → `config` or `internal` for lookup errors;
/// - `retry`: `{inputs, kinds}`: inputs whose record carries a retryable error, and the
///   kinds of those errors, sorted.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ResultsTally {
    inputs: u64,
    records: u64,
    input_errors: u64,
    lookup_errors: u64,
    resources: ResourceCounts,
    targets_by_party: PartyCounts,
    targets_by_provider_kind: KindCounts,
    #[serde(rename = "top_parties", serialize_with = "serialize_top")]
    parties: HashMap<(Party, Option<String>), u64>,
    outcomes: OutcomeCounts,
    errors: BTreeMap<&'static str, BTreeMap<String, u64>>,
    retry: Retry,
}

#[derive(Debug, Default, Clone, Serialize)]
struct ResourceCounts {
    with_channel: u64,
    without_channel: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
struct PartyCounts {
    platform: u64,
    cdn: u64,
    hosting: u64,
    network: u64,
    registrar: u64,
    registry: u64,
}

impl PartyCounts {
    fn slot(&mut self, party: Party) -> &mut u64 {
        match party {
            Party::Platform => &mut self.platform,
            Party::Cdn => &mut self.cdn,
            Party::Hosting => &mut self.hosting,
            Party::Network => &mut self.network,
            Party::Registrar => &mut self.registrar,
            Party::Registry => &mut self.registry,
        }
    }

    fn named(&self) -> [(&'static str, u64); 6] {
        [
            ("platform", self.platform),
            ("cdn", self.cdn),
            ("hosting", self.hosting),
            ("network", self.network),
            ("registrar", self.registrar),
            ("registry", self.registry),
        ]
    }
}

#[derive(Debug, Default, Clone, Serialize)]
struct KindCounts {
    cdn: u64,
    cloud: u64,
    hosting: u64,
    isp: u64,
    platform: u64,
    unknown: u64,
}

impl KindCounts {
    fn slot(&mut self, kind: ProviderKind) -> &mut u64 {
        match kind {
            ProviderKind::Cdn => &mut self.cdn,
            ProviderKind::Cloud => &mut self.cloud,
            ProviderKind::Hosting => &mut self.hosting,
            ProviderKind::Isp => &mut self.isp,
            ProviderKind::Platform => &mut self.platform,
            ProviderKind::Unknown => &mut self.unknown,
        }
    }

    fn named(&self) -> [(&'static str, u64); 6] {
        [
            (provider_kind_name(ProviderKind::Cdn), self.cdn),
            (provider_kind_name(ProviderKind::Cloud), self.cloud),
            (provider_kind_name(ProviderKind::Hosting), self.hosting),
            (provider_kind_name(ProviderKind::Isp), self.isp),
            (provider_kind_name(ProviderKind::Platform), self.platform),
            (provider_kind_name(ProviderKind::Unknown), self.unknown),
        ]
    }
}

#[derive(Debug, Default, Clone, Serialize)]
struct OutcomeCounts {
    found: u64,
    redacted: u64,
    none_published: u64,
    source_failed: u64,
    not_applicable: u64,
}

impl OutcomeCounts {
    fn slot(&mut self, status: OutcomeStatus) -> &mut u64 {
        match status {
            OutcomeStatus::Found => &mut self.found,
            OutcomeStatus::Redacted => &mut self.redacted,
            OutcomeStatus::NonePublished => &mut self.none_published,
            OutcomeStatus::SourceFailed => &mut self.source_failed,
            OutcomeStatus::NotApplicable => &mut self.not_applicable,
        }
    }

    fn named(&self) -> [(&'static str, u64); 5] {
        [
            (outcome_name(OutcomeStatus::Found), self.found),
            (outcome_name(OutcomeStatus::Redacted), self.redacted),
            (outcome_name(OutcomeStatus::NonePublished), self.none_published),
            (outcome_name(OutcomeStatus::SourceFailed), self.source_failed),
            (outcome_name(OutcomeStatus::NotApplicable), self.not_applicable),
        ]
    }
}

#[derive(Debug, Default, Clone, Serialize)]
struct Retry {
    inputs: u64,
    kinds: BTreeSet<KindName>,
}

/// A [`StepErrorKind`] ordered by its name, so that the retry kinds come out sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
struct KindName(StepErrorKind);

impl Ord for KindName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.as_str().cmp(other.0.as_str())
    }
}

impl PartialOrd for KindName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A party that is a notice target for some resources (see [`ResultsTally::top_parties`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PartyCount {
    /// The party.
    pub party: Party,
    /// Its name, as the notice targets give it.
    pub name: Option<String>,
    /// For how many resources it is a notice target.
    pub resources: u64,
}

impl ResultsTally {
    /// Nothing counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Count the result for one input line.
    ///
    /// Counts are per input line: the input text itself is not kept.
    pub fn add(&mut self, _input: &str, result: &Result<HostingRecord, Error>) {
        self.inputs += 1;
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                match verdict(result) {
                    Verdict::LookupError => self.lookup_errors += 1,
                    Verdict::Record | Verdict::InputError => self.input_errors += 1,
                }
                let (stage, kind) = lookup_error_key(e);
                *self.errors.entry(stage).or_default().entry(kind.to_owned()).or_default() += 1;
                return;
            }
        };
        for (stage, kind) in error_keys(record) {
            let kinds = self.errors.entry(stage_name(stage)).or_default();
            *kinds.entry(kind.as_str().to_owned()).or_default() += 1;
        }
        let retryable: Vec<StepErrorKind> =
            record.errors.iter().filter(|e| e.retryable).map(|e| e.kind).collect();
        if !retryable.is_empty() {
            self.retry.inputs += 1;
            self.retry.kinds.extend(retryable.into_iter().map(KindName));
        }
        if verdict(result) == Verdict::InputError {
            self.input_errors += 1;
            return;
        }
        self.records += 1;
        if record.notice_targets.iter().any(has_channel) {
            self.resources.with_channel += 1;
        } else {
            self.resources.without_channel += 1;
        }
        let mut parties: HashSet<(Party, Option<String>)> = HashSet::new();
        for target in &record.notice_targets {
            *self.targets_by_party.slot(target.party) += 1;
            if let Some(kind) = target_place(record, target).provider.kind {
                *self.targets_by_provider_kind.slot(kind) += 1;
            }
            parties.insert((target.party, target.name.clone()));
        }
        for party in parties {
            *self.parties.entry(party).or_default() += 1;
        }
        for outcome in &record.outcomes {
            *self.outcomes.slot(outcome.outcome.status) += 1;
        }
    }

    /// Results added (input lines).
    pub fn inputs(&self) -> u64 {
        self.inputs
    }

    /// Results with a record (neither an input error nor a lookup error).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Inputs that could not be looked up.
    pub fn input_errors(&self) -> u64 {
        self.input_errors
    }

    /// Results without a record for another reason than the input (a panic).
    pub fn lookup_errors(&self) -> u64 {
        self.lookup_errors
    }

    /// Records with at least one notice target that has a channel.
    pub fn with_channel(&self) -> u64 {
        self.resources.with_channel
    }

    /// Records without any notice target that has a channel.
    pub fn without_channel(&self) -> u64 {
        self.resources.without_channel
    }

    /// The parties that are a notice target for the most resources, most first, ties by
    /// name then party; at most `limit`.
    pub fn top_parties(&self, limit: usize) -> Vec<PartyCount> {
        top(&self.parties, limit)
    }

    /// The retryable error kinds seen ([`StepError::retryable`](crate::StepError)), sorted
    /// by name.
    pub fn retry_kinds(&self) -> Vec<StepErrorKind> {
        self.retry.kinds.iter().map(|k| k.0).collect()
    }

    /// Inputs whose record carries a retryable error.
    pub fn retry_inputs(&self) -> u64 {
        self.retry.inputs
    }

    /// The value for `--retry-errors` that retries them: the retry kinds joined by commas
    /// (`rate_limited,timeout`); `None` when there is nothing to retry.
    pub fn retry_errors_arg(&self) -> Option<String> {
        if self.retry.inputs == 0 {
            return None;
        }
        let kinds: Vec<&str> = self.retry.kinds.iter().map(|k| k.0.as_str()).collect();
        Some(kinds.join(","))
    }

    /// The results as plain text, one fact a line, server names escaped
    /// ([`escape_terminal`]). When `retry_command` is given (the command of this run, without
    /// `--retry-errors`, quoted for the shell) and some input has a retryable error, the
    /// last line is that command with `--retry-errors` and the kinds to retry.
    pub fn write_text(
        &self,
        out: &mut dyn io::Write,
        retry_command: Option<&str>,
    ) -> io::Result<()> {
        let mut lines: Vec<String> = Vec::new();
        lines.push("results".to_owned());
        let mut inputs = format!(
            "  inputs: {} ({}, {}",
            self.inputs,
            counted(self.records, "record"),
            counted(self.input_errors, "input error")
        );
        if self.lookup_errors > 0 {
            inputs.push_str(&format!(", {}", counted(self.lookup_errors, "lookup error")));
        }
        inputs.push(')');
        lines.push(inputs);
        lines.push(format!(
            "  resources with a notice channel: {}, without: {}",
            self.resources.with_channel, self.resources.without_channel
        ));
        lines
            .push(format!("  notice targets by party: {}", listed(&self.targets_by_party.named())));
        lines.push(format!(
            "  notice targets by provider kind: {}",
            listed(&self.targets_by_provider_kind.named())
        ));
        let top = self.top_parties(TOP_PARTIES);
        if !top.is_empty() {
            lines.push(format!("  top {} parties by resources:", top.len()));
            let party_width = top.iter().map(|p| party_name(p.party).len()).max().unwrap_or(0);
            let count_width = top.iter().map(|p| p.resources.to_string().len()).max().unwrap_or(0);
            for (i, p) in top.iter().enumerate() {
                lines.push(format!(
                    "    {:>2}. {:>count_width$}  {:<party_width$}  {}",
                    i + 1,
                    p.resources,
                    party_name(p.party),
                    escape_terminal(p.name.as_deref().unwrap_or("?")),
                ));
            }
        }
        lines.push(format!("  outcomes: {}", listed(&self.outcomes.named())));
        if self.errors.is_empty() {
            lines.push("  errors: none".to_owned());
        } else {
            lines.push("  errors by stage and kind (inputs):".to_owned());
            for (stage, kinds) in &self.errors {
                let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
                lines.push(format!("    {stage}: {}", kinds.join(", ")));
            }
        }
        match self.retry_errors_arg() {
            None => lines.push("  to retry: none".to_owned()),
            Some(kinds) => {
                let listed = self.retry.kinds.iter().map(|k| k.0.as_str()).collect::<Vec<_>>();
                lines.push(format!(
                    "  to retry: {} ({})",
                    counted(self.retry.inputs, "input"),
                    listed.join(", ")
                ));
                if let Some(command) = retry_command {
                    lines.push(format!("    {} --retry-errors {kinds}", escape_terminal(command)));
                }
            }
        }
        for line in lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// `n thing` or `n things`.
fn counted(n: u64, thing: &str) -> String {
    if n == 1 { format!("1 {thing}") } else { format!("{n} {thing}s") }
}

/// `name count` pairs with a count, separated by commas; `none` when all are zero.
fn listed(counts: &[(&str, u64)]) -> String {
    let shown: Vec<String> =
        counts.iter().filter(|(_, n)| *n > 0).map(|(name, n)| format!("{name} {n}")).collect();
    if shown.is_empty() { "none".to_owned() } else { shown.join(", ") }
}

/// The `limit` parties with the most resources, ties by name then party.
fn top(parties: &HashMap<(Party, Option<String>), u64>, limit: usize) -> Vec<PartyCount> {
    let mut all: Vec<PartyCount> = parties
        .iter()
        .map(|((party, name), n)| PartyCount { party: *party, name: name.clone(), resources: *n })
        .collect();
    all.sort_by(|a, b| {
        b.resources.cmp(&a.resources).then_with(|| a.name.cmp(&b.name)).then(a.party.cmp(&b.party))
    });
    all.truncate(limit);
    all
}

fn serialize_top<S: Serializer>(
    parties: &HashMap<(Party, Option<String>), u64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    top(parties, TOP_PARTIES).serialize(serializer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::error::InputError;
    use crate::record::{
        AddressRecord, HostingProvider, NoticeReason, NoticeTarget, Outcome, PartyOutcome, Stage,
        StepError,
    };
    use crate::results::test_records::{channel, record, target};

    fn outcome(party: Party, status: OutcomeStatus) -> PartyOutcome {
        PartyOutcome::new(party, "x", Outcome::new(status))
    }

    fn error(stage: Stage, kind: StepErrorKind) -> StepError {
        StepError::new(stage, "target", kind, "message")
    }

    /// Five results of every shape, as `add` sees them.
    fn tally() -> ResultsTally {
        let mut hosted = record("a.example");
        let mut address = AddressRecord::new("192.0.2.1".parse().unwrap());
        address.hosting_provider = Some(HostingProvider {
            kind: ProviderKind::Cloud,
            ..HostingProvider::new("Host", None)
        });
        hosted.addresses = vec![address];
        hosted.notice_targets = vec![
            NoticeTarget {
                reason: NoticeReason::DirectHosting,
                ..target(
                    Party::Hosting,
                    "Host",
                    "192.0.2.1",
                    vec![channel(Some("a@h"), None, None)],
                )
            },
            target(Party::Registrar, "Reg", "a.example", vec![channel(Some("a@r"), None, None)]),
        ];
        hosted.outcomes = vec![
            outcome(Party::Hosting, OutcomeStatus::Found),
            outcome(Party::Registrar, OutcomeStatus::Found),
        ];
        hosted.errors = vec![error(Stage::Rdap, StepErrorKind::Timeout)];

        let mut redacted = record("b.example");
        redacted.notice_targets = vec![target(Party::Registrar, "Reg", "b.example", Vec::new())];
        redacted.outcomes = vec![outcome(Party::Registrar, OutcomeStatus::Redacted)];
        redacted.errors = vec![error(Stage::Whois, StepErrorKind::NotFound)];

        let mut failed = record("c.example");
        failed.outcomes = vec![outcome(Party::Registrar, OutcomeStatus::SourceFailed)];
        failed.errors = vec![
            error(Stage::Rdap, StepErrorKind::RateLimited),
            error(Stage::Rdap, StepErrorKind::Timeout),
            error(Stage::Rdap, StepErrorKind::Timeout),
        ];

        let mut tally = ResultsTally::new();
        tally.add("a.example", &Ok(hosted));
        tally.add("b.example", &Ok(redacted));
        tally.add("c.example", &Ok(failed));
        tally.add("co.uk", &Err(Error::Input(InputError::PublicSuffix { name: "co.uk".into() })));
        tally.add("d.example", &Err(Error::Internal { message: "boom".into() }));
        tally
    }

    #[test]
    fn counts_and_their_json_names() {
        let tally = tally();
        assert_eq!(
            serde_json::to_value(&tally).unwrap(),
            serde_json::json!({
                "inputs": 5,
                "records": 3,
                "input_errors": 1,
                "lookup_errors": 1,
                "resources": {"with_channel": 1, "without_channel": 2},
                "targets_by_party": {
                    "platform": 0, "cdn": 0, "hosting": 1, "network": 0, "registrar": 2, "registry": 0
                },
                "targets_by_provider_kind": {
                    "cdn": 0, "cloud": 1, "hosting": 0, "isp": 0, "platform": 0, "unknown": 0
                },
                "top_parties": [
                    {"party": "registrar", "name": "Reg", "resources": 2},
                    {"party": "hosting", "name": "Host", "resources": 1},
                ],
                "outcomes": {
                    "found": 2, "redacted": 1, "none_published": 0, "source_failed": 1,
                    "not_applicable": 0
                },
                "errors": {
                    "input": {"public_suffix": 1},
                    "lookup": {"internal": 1},
                    "rdap": {"rate_limited": 1, "timeout": 2},
                    "whois": {"not_found": 1},
                },
                "retry": {"inputs": 2, "kinds": ["rate_limited", "timeout"]},
            })
        );
        assert_eq!(tally.retry_kinds(), vec![StepErrorKind::RateLimited, StepErrorKind::Timeout]);
        assert_eq!(tally.retry_inputs(), 2);
        assert_eq!(tally.retry_errors_arg().as_deref(), Some("rate_limited,timeout"));
    }

    #[test]
    fn text_leads_with_the_results_and_ends_with_the_retry_command() {
        let mut out = Vec::new();
        tally().write_text(&mut out, Some("whohosts bulk in.txt -o out.csv")).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "results\n\
             \x20 inputs: 5 (3 records, 1 input error, 1 lookup error)\n\
             \x20 resources with a notice channel: 1, without: 2\n\
             \x20 notice targets by party: hosting 1, registrar 2\n\
             \x20 notice targets by provider kind: cloud 1\n\
             \x20 top 2 parties by resources:\n\
             \x20    1. 2  registrar  Reg\n\
             \x20    2. 1  hosting    Host\n\
             \x20 outcomes: found 2, redacted 1, source_failed 1\n\
             \x20 errors by stage and kind (inputs):\n\
             \x20   input: public_suffix 1\n\
             \x20   lookup: internal 1\n\
             \x20   rdap: rate_limited 1, timeout 2\n\
             \x20   whois: not_found 1\n\
             \x20 to retry: 2 inputs (rate_limited, timeout)\n\
             \x20   whohosts bulk in.txt -o out.csv --retry-errors rate_limited,timeout\n"
        );
    }

    #[test]
    fn text_escapes_server_names_and_says_when_nothing_is_to_retry() {
        let mut r = record("e.example");
        r.notice_targets = vec![target(
            Party::Registrar,
            "Evil\u{1b}[2J\r\nregistrar: Google",
            "e.example",
            vec![channel(Some("a@r"), None, None)],
        )];
        let mut tally = ResultsTally::new();
        tally.add("e.example", &Ok(r));
        let mut out = Vec::new();
        tally.write_text(&mut out, Some("whohosts bulk in.txt -o out.csv")).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r"     1. 1  registrar  Evil\x1b[2J\r\nregistrar: Google"), "{text}");
        assert!(text.ends_with("  errors: none\n  to retry: none\n"), "{text}");
        assert_eq!(tally.retry_errors_arg(), None);
        assert!(tally.retry_kinds().is_empty());
    }

    #[test]
    fn top_parties_keep_ten_by_count_then_name() {
        let mut tally = ResultsTally::new();
        for i in 0..12u64 {
            for _ in 0..=(i % 3) {
                let mut r = record("x.example");
                r.notice_targets =
                    vec![target(Party::Hosting, &format!("host{i:02}"), "192.0.2.1", Vec::new())];
                tally.add("x.example", &Ok(r));
            }
        }
        let top: Vec<(String, u64)> =
            tally.top_parties(10).into_iter().map(|p| (p.name.unwrap(), p.resources)).collect();
        let expected: Vec<(String, u64)> = [
            ("host02", 3),
            ("host05", 3),
            ("host08", 3),
            ("host11", 3),
            ("host01", 2),
            ("host04", 2),
            ("host07", 2),
            ("host10", 2),
            ("host00", 1),
            ("host03", 1),
        ]
        .into_iter()
        .map(|(n, c)| (n.to_owned(), c))
        .collect();
        assert_eq!(top, expected);
    }
}
