//! The data of grouped notices: batches, their parties, channels and resources, the
//! unresolved list and the totals. Plain serde types; nothing here groups or writes.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::record::{NoticeReason, NoticeType, Party, ProviderKind, Source, Stage, StepError};

/// Everything [`group`](fn@super::group) made of a set of records: the batches, largest first,
/// the resources that are in none, and the totals.
///
/// Every input is counted once: `totals.inputs == totals.resolved + totals.unresolved`, and
/// each resolved input is in exactly one batch without `escalate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Batches {
    /// The notice type the channels were chosen for; `None`: the general channels first.
    pub notice_type: Option<NoticeType>,
    /// One batch per (party, channel): most resources first, then by party name, then id.
    pub batches: Vec<Batch>,
    /// The inputs in no batch, in input order, each with the reason.
    pub unresolved: Vec<Unresolved>,
    /// The counts the report shows.
    pub totals: Totals,
}

impl Batches {
    /// The batch with id `id`.
    pub fn batch(&self, id: &str) -> Option<&Batch> {
        self.batches.iter().find(|b| b.id == id)
    }
}

/// The counts of a grouping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Totals {
    /// Inputs read (records, failed lookups and unreadable lines).
    pub inputs: usize,
    /// Inputs in a batch as its first target.
    pub resolved: usize,
    /// Inputs in [`Batches::unresolved`].
    pub unresolved: usize,
    /// Resources listed with `escalate: true` (one per input and escalation batch).
    pub escalations: usize,
    /// The records' step errors by stage (every record's, resolved or not), in stage order;
    /// stages without errors are left out.
    pub errors_by_stage: Vec<StageCount>,
}

/// The number of step errors in one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StageCount {
    /// The stage.
    pub stage: Stage,
    /// Its errors, over all records.
    pub errors: usize,
}

/// The resources one party can act on, to be sent through one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Batch {
    /// Stable id from the party and the channel (`cloudflare-cdn-1f0c9a2e`): the same party
    /// and channel have the same id in every run, so runs can be compared with
    /// [`diff`](fn@super::diff) and the notice file is `notices/<id>.txt`.
    pub id: String,
    /// Whom the batch goes to.
    pub party: BatchParty,
    /// How to reach them for the chosen notice type.
    pub channel: BatchChannel,
    /// The resources, first-target ones (`escalate: false`) before escalations, each group
    /// in input order.
    pub resources: Vec<BatchResource>,
}

impl Batch {
    /// The resources for which this party is the first target.
    pub fn first_target_count(&self) -> usize {
        self.resources.iter().filter(|r| !r.escalate).count()
    }

    /// The resources for which this party is an escalation target.
    pub fn escalation_count(&self) -> usize {
        self.resources.iter().filter(|r| r.escalate).count()
    }

    /// The party's name, or its role when the records name none.
    pub fn display_name(&self) -> &str {
        self.party.name.as_deref().unwrap_or(self.party.role.as_str())
    }
}

/// A batch's party, as the records identify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchParty {
    /// The role the records give it (`cdn`, `hosting`, `network`, `platform`, `registrar`,
    /// `registry`).
    pub role: Party,
    /// Its name, as the notice target names it.
    pub name: Option<String>,
    /// The provider directory id of a CDN or hosting provider (`cloudflare`), or the
    /// platform id (`telegram`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// The kind of a CDN or hosting provider (`cdn`, `cloud`, `hosting`, …), `platform` for a
    /// platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_kind: Option<ProviderKind>,
    /// A registrar's IANA ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iana_id: Option<String>,
    /// A registry's TLD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tld: Option<String>,
    /// The RDAP/WHOIS handles of the networks the batch's addresses are in (a network
    /// party's, or the host's own registration), sorted, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_handles: Vec<String>,
    /// The AS numbers of the batch's addresses, sorted, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asns: Vec<u32>,
}

/// How a channel is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChannelKind {
    /// A mailbox: the notice file is sent as an email.
    Email,
    /// A provider's web form: the notice file's text is pasted into it.
    WebForm,
    /// A platform's reporting page (a platform reports content through its own pages).
    ReportingPage,
    /// A phone number only.
    Phone,
}

impl ChannelKind {
    /// The JSON name, e.g. `web_form`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::WebForm => "web_form",
            ChannelKind::ReportingPage => "reporting_page",
            ChannelKind::Phone => "phone",
        }
    }
}

/// The channel a batch is sent through: one of the target's channels in the records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchChannel {
    /// Email, web form, reporting page or phone.
    pub kind: ChannelKind,
    /// The mailbox, the form's URL or the phone number.
    pub address: String,
    /// The notice types the channel is published for; empty: every type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notice_types: Vec<NoticeType>,
    /// Where the channel was read (the first record's statement of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
}

impl BatchChannel {
    /// The link to use it: `mailto:` for a mailbox, the URL of a form or page, `tel:` for a
    /// phone.
    pub fn link(&self) -> String {
        match self.kind {
            ChannelKind::Email => format!("mailto:{}", self.address),
            ChannelKind::WebForm | ChannelKind::ReportingPage => self.address.clone(),
            ChannelKind::Phone => format!("tel:{}", self.address),
        }
    }
}

/// One resource (an input) in a batch, with the evidence for sending it to this party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchResource {
    /// The input: a bulk line's `input` as written, else the record's `query` (a URL, host
    /// name or IP address).
    pub resource: String,
    /// What the target is about: the host name (CDN, platform), the address (host, network)
    /// or the registered domain (registrar, registry).
    pub subject: String,
    /// Why this party, from the record's notice target.
    pub reason: NoticeReason,
    /// True when the party is a later target of the resource: to write if the first does
    /// not act.
    pub escalate: bool,
    /// The record's addresses this party is concerned with (for a registrar, registry or
    /// platform: all of them).
    pub addresses: Vec<BatchAddress>,
    /// Where the channel was stated for this resource (the sources of the record's contact).
    pub contact_sources: Vec<Source>,
}

/// The evidence about one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchAddress {
    /// The address.
    pub ip: IpAddr,
    /// Its AS number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// The RDAP/WHOIS handle of its network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Its network's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_name: Option<String>,
    /// Its network's country (ISO 3166 alpha-2, as the registration gives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Its hosting provider or CDN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_kind: Option<ProviderKind>,
}

/// An input in no batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Unresolved {
    /// The input (the bulk line's `input`, else the record's `query`), or `line N` for an
    /// unreadable line.
    pub resource: String,
    /// Why it is in no batch.
    pub reason: UnresolvedReason,
    /// More about it: the lookup's error message, or the line's parse error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The record's step errors, when there is a record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<StepError>,
}

/// Why an input is in no batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnresolvedReason {
    /// There is no record: the lookup did not run (a bad query, a configuration error).
    LookupFailed,
    /// The record has no notice target, and some of its steps failed.
    StepsFailed,
    /// The record has no notice target, and no step failed (nothing names a party with a
    /// channel).
    NoTarget,
    /// The record's targets have channels, but none for the chosen notice type.
    NoChannelForNoticeType,
    /// The input line is not a record nor a bulk output line.
    Unreadable,
}

impl UnresolvedReason {
    /// The JSON name, e.g. `steps_failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            UnresolvedReason::LookupFailed => "lookup_failed",
            UnresolvedReason::StepsFailed => "steps_failed",
            UnresolvedReason::NoTarget => "no_target",
            UnresolvedReason::NoChannelForNoticeType => "no_channel_for_notice_type",
            UnresolvedReason::Unreadable => "unreadable",
        }
    }
}
