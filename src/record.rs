//! The lookup result: [`HostingRecord`] and its parts, plain serde data with stable JSON names.
//!
//! This module owns the shape of what a lookup returns and nothing else: no I/O, no parsing.
//! Field names are part of the public contract (`schema_version` 1); tools read them by path,
//! so fields are only ever added, never renamed or reshaped.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The version of the JSON shape of [`HostingRecord`].
pub const SCHEMA_VERSION: u32 = 1;

/// Everything whohosts found about one query: whom to notify, and why.
///
/// A record is returned even when some sources failed: each failed step is an entry in
/// [`errors`](HostingRecord::errors), and every fact that was found is still present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostingRecord {
    /// Version of this record's JSON shape; see [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The query as given, with userinfo dropped and any query string or fragment redacted
    /// (see [`redact_query`](crate::redact_query)), unless the client keeps query secrets.
    pub query: String,
    /// The host name looked up, as IDNA A-labels (`xn--…`), lower case, no trailing dot.
    /// `None` when the query was an IP address.
    pub domain: Option<String>,
    /// The same host name in Unicode (U-labels). `None` when the query was an IP address.
    pub domain_unicode: Option<String>,
    /// The registrable domain (public suffix plus one label, ICANN section of the Public
    /// Suffix List), as A-labels. `None` when the query was an IP address.
    pub registrable_domain: Option<String>,
    /// When the lookup finished, RFC 3339 in UTC.
    pub resolved_at: String,
    /// What DNS said about the host name.
    pub dns: DnsFacts,
    /// One entry per address the name resolved to (or the queried IP), with its network facts.
    pub addresses: Vec<AddressRecord>,
    /// The sponsoring registrar of the registrable domain, if one was found.
    pub registrar: Option<Registrar>,
    /// The registry of the registrable domain's TLD, if one was found.
    pub registry: Option<Registry>,
    /// Every party's abuse channels flattened, de-duplicated and ordered: platform, CDN,
    /// hosting, network, registrar, registry. A channel's party is the one
    /// [`notice_targets`](Self::notice_targets) gives it.
    pub abuse_contacts: Vec<AbuseContact>,
    /// Steps that failed. The rest of the record is still valid.
    pub errors: Vec<StepError>,
    /// Whether an abuse contact was found for each party, and if not, why (one entry per
    /// party and subject; an empty contact list is never the only signal).
    #[serde(default)]
    pub outcomes: Vec<PartyOutcome>,
    /// True when the addresses belong to a CDN or reverse proxy in front of the real host:
    /// the origin server is hidden and only the CDN can reveal or forward to it.
    #[serde(default)]
    pub origin_hidden: bool,
    /// The shared platform the content is on (a Telegram channel, a github.io page, …),
    /// recognised from the query before the registrable domain was used.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Whom to notify, in order, and why.
    #[serde(default)]
    pub notice_targets: Vec<NoticeTarget>,
}

/// DNS facts for the queried host name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DnsFacts {
    /// Every A and AAAA address, IPv4 first, each in the order the server gave.
    pub addresses: Vec<IpAddr>,
    /// The CNAME chain from the queried name, in order (each entry is a target name).
    pub cname_chain: Vec<String>,
    /// The NS host names of the registrable domain, sorted.
    pub nameservers: Vec<String>,
}

/// Facts about one IP address: who announces it, whose network it is, whom to tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddressRecord {
    /// The address.
    pub ip: IpAddr,
    /// The origin AS announcing the address, if known.
    pub asn: Option<Asn>,
    /// The IP network (RDAP `ip network` object) registered for the address.
    pub network: Option<Network>,
    /// The organisation that holds the network: the best guess at the hosting provider.
    pub hosting_provider: Option<HostingProvider>,
    /// Abuse contacts published for the network, most specific first.
    pub abuse: Vec<Contact>,
    /// Whether [`abuse`](Self::abuse) holds a usable contact, and if not, why.
    #[serde(default)]
    pub abuse_outcome: Outcome,
}

impl AddressRecord {
    /// An address with no facts yet.
    pub fn new(ip: IpAddr) -> Self {
        Self {
            ip,
            asn: None,
            network: None,
            hosting_provider: None,
            abuse: Vec::new(),
            abuse_outcome: Outcome::default(),
        }
    }
}

/// The autonomous system that originates a route to an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Asn {
    /// AS number.
    pub number: u32,
    /// AS name or holder organisation, as the source gave it.
    pub name: Option<String>,
    /// Which source answered: `cymru`, `mmdb`, `csv`, or a custom source's name.
    pub source: String,
    /// The announced prefix (or database range) containing the address, when known.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Other origin ASes announcing the same prefix (multi-origin announcements).
    #[serde(default)]
    pub other_origins: Vec<u32>,
    /// Where the answer came from, in detail.
    #[serde(default)]
    pub provenance: Option<Source>,
}

impl Asn {
    /// An ASN answer from `source`.
    pub fn new(number: u32, name: Option<String>, source: impl Into<String>) -> Self {
        Self {
            number,
            name,
            source: source.into(),
            prefix: None,
            other_origins: Vec::new(),
            provenance: None,
        }
    }
}

/// An RDAP IP network registration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Network {
    /// Registry handle (e.g. `NET-8-8-8-0-1`, `193.0.0.0 - 193.0.7.255`).
    pub handle: Option<String>,
    /// Network name (e.g. `GOGL`).
    pub name: Option<String>,
    /// First address of the range.
    pub range_start: Option<IpAddr>,
    /// Last address of the range.
    pub range_end: Option<IpAddr>,
    /// The range as CIDR blocks (`cidr0_cidrs`, or computed from start and end).
    pub cidrs: Vec<String>,
    /// ISO 3166 country code, when published.
    pub country: Option<String>,
    /// RDAP `type` (e.g. `DIRECT ALLOCATION`, `ASSIGNED PA`).
    #[serde(default)]
    pub kind: Option<String>,
    /// The regional (or national) registry that answered: `ARIN`, `RIPE NCC`, `APNIC`,
    /// `LACNIC`, `AFRINIC`, or an NIR such as `registro.br`.
    pub rir: Option<String>,
    /// The URL of the RDAP answer, after redirects.
    pub source_url: Option<String>,
    /// Handle of the parent network (less specific registration), when published.
    #[serde(default)]
    pub parent_handle: Option<String>,
    /// Where the network facts came from, in detail.
    #[serde(default)]
    pub provenance: Option<Source>,
}

/// Who hosts an address: the network holder, identified as a known provider when possible.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostingProvider {
    /// Display name: the known provider's name, else the network holder's name (jCard `fn`
    /// or `org` of the registrant entity).
    pub name: String,
    /// Registry handle of the holder organisation, when published.
    pub handle: Option<String>,
    /// Stable identifier of a known provider (e.g. `cloudflare`, `aws`), when identified.
    #[serde(default)]
    pub id: Option<String>,
    /// What kind of provider this is.
    #[serde(default)]
    pub kind: ProviderKind,
    /// What decided the identification, each with its source.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

impl HostingProvider {
    /// A holder known only by its registered name and handle.
    pub fn new(name: impl Into<String>, handle: Option<String>) -> Self {
        Self { name: name.into(), handle, ..Self::default() }
    }
}

/// The kind of a hosting provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProviderKind {
    /// A CDN or reverse proxy in front of the real host (the origin is hidden).
    Cdn,
    /// A cloud platform (compute, storage) whose customer is hidden.
    Cloud,
    /// A hosting company.
    Hosting,
    /// An access or transit provider.
    Isp,
    /// A shared content platform.
    Platform,
    /// Not identified.
    #[default]
    Unknown,
}

/// One piece of evidence for a provider identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Evidence {
    /// What matched: `ip_range`, `asn`, `cname`, `rdap_org`, `hostname`.
    pub kind: String,
    /// The matching value, e.g. `104.16.0.0/13`, `AS13335`, `*.cdn.cloudflare.net`.
    pub detail: String,
    /// Where the matched data comes from.
    pub source: Source,
}

/// A registrar: who sold the domain, and its abuse channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Registrar {
    /// Registrar name.
    pub name: Option<String>,
    /// IANA Registrar ID, as a string (e.g. `"292"`).
    pub iana_id: Option<String>,
    /// The registrar's abuse contacts (ICANN requires an email and a phone).
    pub abuse: Vec<Contact>,
    /// The registrar's own RDAP URL for the domain (the registry's `related` link), if any.
    pub rdap_url: Option<String>,
    /// The URL of the answer the registrar facts were read from.
    pub source_url: Option<String>,
    /// Whether [`abuse`](Self::abuse) holds a usable contact, and if not, why.
    #[serde(default)]
    pub abuse_outcome: Outcome,
    /// Where the registrar's identity (name, IANA ID) came from.
    #[serde(default)]
    pub provenance: Option<Source>,
}

/// The registry operating the domain's TLD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Registry {
    /// The TLD (or multi-label suffix) the registry serves, e.g. `com`.
    pub tld: String,
    /// Registry operator name, when known.
    pub name: Option<String>,
    /// The registry's RDAP base URL, from the bootstrap.
    pub rdap_url: Option<String>,
    /// The URL of the registry's answer for the domain, after redirects.
    pub source_url: Option<String>,
    /// The registry's own abuse channels (from a shipped directory), when known.
    #[serde(default)]
    pub abuse: Vec<Contact>,
    /// Whether [`abuse`](Self::abuse) holds a usable contact, and if not, why.
    #[serde(default)]
    pub abuse_outcome: Outcome,
}

/// One way of reaching a party: a mailbox, a phone line, a web form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// Person, role or organisation name (jCard `fn`).
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone number, as published (jCard `tel`, `tel:` prefix removed).
    pub phone: Option<String>,
    /// A web form or page for reports (jCard `contact-uri` with `https:`).
    pub web: Option<String>,
    /// The role the source gave this contact (`abuse`, `registrar`, …).
    pub role: Option<String>,
    /// The URL (or server) of the answer this contact was read from.
    pub source_url: Option<String>,
    /// Every place that stated this contact, in detail (the first is where `source_url`
    /// points). Several when the same mailbox was found at several depths or hops.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// When the contact belongs to a less specific registration than the one asked about
    /// (the parent network), its handle.
    #[serde(default)]
    pub inherited_from: Option<String>,
    /// The notice types this channel is meant for (empty: all).
    #[serde(default)]
    pub notice_types: Vec<NoticeType>,
}

impl Contact {
    /// True when the contact has no channel at all (no email, phone or web form).
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none() && self.web.is_none()
    }
}

/// The party an abuse contact belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Party {
    /// A shared platform the content is on (reports go to the platform only).
    Platform,
    /// A CDN in front of the host (it forwards complaints and can reveal the origin).
    Cdn,
    /// The organisation hosting the address (network registrant's own abuse contact).
    Hosting,
    /// The network / address-space holder above the hosting provider.
    Network,
    /// The domain's registrar.
    Registrar,
    /// The domain's registry.
    Registry,
}

/// A contact with the party it belongs to and what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AbuseContact {
    /// Which party this channel reaches.
    pub party: Party,
    /// The IP address or domain this contact is responsible for.
    #[serde(rename = "for")]
    pub for_: String,
    /// The channel itself.
    #[serde(flatten)]
    pub contact: Contact,
}

/// The stage of a lookup a [`StepError`] happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// Parsing the query.
    Input,
    /// DNS resolution of the name.
    Dns,
    /// IP → ASN.
    Asn,
    /// RDAP bootstrap or query.
    Rdap,
    /// WHOIS query.
    Whois,
    /// A configured [`AbuseSource`](crate::AbuseSource).
    Abuse,
}

/// A step of a lookup that failed; the record keeps everything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StepError {
    /// Where it failed.
    pub stage: Stage,
    /// What was being asked: a name, an IP, or a URL.
    pub target: String,
    /// Machine-readable kind, e.g. `nxdomain`, `nodata`, `servfail`, `timeout`,
    /// `http_status`, `rate_limited`, `malformed`, `not_found`, `no_bootstrap`, `blocked`.
    pub kind: String,
    /// Human-readable description.
    pub message: String,
}

impl StepError {
    /// A new step error.
    pub fn new(
        stage: Stage,
        target: impl Into<String>,
        kind: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self { stage, target: target.into(), kind: kind.into(), message: message.into() }
    }

    /// The step error for `error`, raised by `stage` while asking about `target`.
    pub(crate) fn from_source(
        stage: Stage,
        target: &str,
        error: &crate::error::SourceError,
    ) -> Self {
        Self::new(stage, target, error.kind().as_str(), error.message())
    }
}

/// Where a fact came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Source {
    /// The kind of source.
    pub kind: SourceKind,
    /// The URL asked (after redirects) for RDAP; `host:port` for WHOIS; the DNS name for DNS.
    pub url: Option<String>,
    /// For datasets: the dataset's name (e.g. `ip-location-db asn`, `GeoLite2-ASN`).
    pub dataset: Option<String>,
    /// For datasets: its version or date.
    pub version: Option<String>,
    /// When it was fetched (RFC 3339), for network sources.
    pub fetched_at: Option<String>,
    /// Where in the answer: an RFC 6901 JSON pointer for RDAP (e.g. `/entities/0/entities/1`).
    pub pointer: Option<String>,
    /// Where in the answer: a 1-based line number for WHOIS text.
    pub line: Option<u32>,
    /// Why this source was asked when it is a fallback (e.g. `rdap_without_abuse_email`).
    pub fallback: Option<String>,
}

impl Source {
    /// A source of `kind` at `url`.
    pub fn new(kind: SourceKind, url: impl Into<String>) -> Self {
        Self { kind, url: Some(url.into()), ..Self::default() }
    }
}

/// The kinds of [`Source`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceKind {
    /// An RDAP answer.
    #[default]
    Rdap,
    /// A WHOIS (port 43) answer.
    Whois,
    /// A DNS answer.
    Dns,
    /// A shipped or configured dataset.
    Dataset,
}

/// Whether a party's abuse contact was found, and if not, why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Outcome {
    /// The outcome.
    pub status: OutcomeStatus,
    /// For `source_failed`: the failure; for the others, an optional explanation.
    #[serde(default)]
    pub detail: Option<String>,
}

impl Outcome {
    /// An outcome with no detail.
    pub fn new(status: OutcomeStatus) -> Self {
        Self { status, detail: None }
    }

    /// An outcome with a detail.
    pub fn with_detail(status: OutcomeStatus, detail: impl Into<String>) -> Self {
        Self { status, detail: Some(detail.into()) }
    }
}

/// The possible [`Outcome`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutcomeStatus {
    /// At least one usable channel was found.
    Found,
    /// The source answered but redacted the contact.
    Redacted,
    /// The source answered and publishes no abuse contact.
    NonePublished,
    /// The source could not be asked or did not answer (see `detail`).
    SourceFailed,
    /// There is no such party for this query (e.g. no registrar for an IP query).
    #[default]
    NotApplicable,
}

/// The outcome for one party and subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartyOutcome {
    /// The party.
    pub party: Party,
    /// The IP address or domain concerned.
    #[serde(rename = "for")]
    pub for_: String,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl PartyOutcome {
    /// The outcome for `party` about `for_`.
    pub fn new(party: Party, for_: impl Into<String>, outcome: Outcome) -> Self {
        Self { party, for_: for_.into(), outcome }
    }
}

/// The kinds of notice a sender may be preparing; providers may publish separate channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoticeType {
    /// Copyright infringement (e.g. DMCA).
    Copyright,
    /// Child sexual abuse material.
    Csam,
    /// Non-consensual intimate imagery.
    Ncii,
    /// Phishing.
    Phishing,
    /// Malware distribution or command and control.
    Malware,
    /// Spam.
    Spam,
}

impl std::str::FromStr for NoticeType {
    type Err = String;

    /// `copyright`, `csam`, `ncii`, `phishing`, `malware` or `spam` (any case; `dmca` is
    /// read as `copyright`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "dmca" | "copyright" => NoticeType::Copyright,
            "csam" => NoticeType::Csam,
            "ncii" => NoticeType::Ncii,
            "phishing" => NoticeType::Phishing,
            "malware" => NoticeType::Malware,
            "spam" => NoticeType::Spam,
            _ => {
                return Err(format!(
                    "unknown notice type {s:?}: use copyright, csam, ncii, phishing, malware or spam"
                ));
            }
        })
    }
}

/// A shared platform hosting the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Platform {
    /// Stable identifier (e.g. `telegram`, `github-pages`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What matched (e.g. the host suffix `github.io`).
    pub matched: String,
    /// The platform's reporting channels, each with the public page it comes from.
    pub abuse: Vec<Contact>,
}

/// One entry of [`HostingRecord::notice_targets`]: whom to notify, how, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NoticeTarget {
    /// The party.
    pub party: Party,
    /// The party's name.
    pub name: Option<String>,
    /// The IP address or domain concerned.
    #[serde(rename = "for")]
    pub for_: String,
    /// The channels to use, best first.
    pub channels: Vec<Contact>,
    /// Why this party is a target, machine-readable.
    pub reason: NoticeReason,
}

/// Why a party is a [`NoticeTarget`]; serialised as the snake_case names shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoticeReason {
    /// `platform_content`: the content is on a shared platform, which acts on it.
    PlatformContent,
    /// `cdn_fronted`: the name is behind a CDN, which forwards the notice to the origin host
    /// and can reveal it.
    CdnFronted,
    /// `direct_hosting`: the provider hosts the address itself.
    DirectHosting,
    /// `network_above_host`: the network / AS owner above the host, another organisation.
    NetworkAboveHost,
    /// `network_of_address`: the network holder of an address whose host is unidentified.
    NetworkOfAddress,
    /// `registrar_of_domain`: the registrar of the name's registrable domain.
    RegistrarOfDomain,
    /// `no_addresses`: the registrar of a registered name that resolves to no address.
    NoAddresses,
    /// `registry_of_tld`: the registry of the TLD of a name without addresses.
    RegistryOfTld,
}

impl NoticeReason {
    /// The JSON name, e.g. `cdn_fronted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlatformContent => "platform_content",
            Self::CdnFronted => "cdn_fronted",
            Self::DirectHosting => "direct_hosting",
            Self::NetworkAboveHost => "network_above_host",
            Self::NetworkOfAddress => "network_of_address",
            Self::RegistrarOfDomain => "registrar_of_domain",
            Self::NoAddresses => "no_addresses",
            Self::RegistryOfTld => "registry_of_tld",
        }
    }
}

impl std::fmt::Display for NoticeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
