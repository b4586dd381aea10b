//! The lookup result: [`HostingRecord`] and its parts, plain serde data with stable JSON names.
//!
//! This module owns the shape of what a lookup returns and nothing else: no I/O, no parsing.
//! Field names are part of the public contract (`schema_version` 4); tools read them by path,
//! so fields are only ever added, never renamed or reshaped.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{SourceError, SourceErrorKind};

/// A record enum whose JSON form is one string per variant, exactly as the record has
/// always written it. A *closed* enum rejects an unknown string when read; an *open* one
/// (with `else Other`) keeps it in its `Other` variant and writes it back unchanged.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$( $name::$variant, )+];

            /// The string this variant is written as in the record's JSON.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            /// The variant written as `s` (exact match), or a message naming `s`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err(format!("unknown {} {s:?}", stringify!($name))),
                }
            }
        }

        string_enum!(@serde $name);

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "enum": [$($text),+] })
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
        $(#[$ometa:meta])*
        else $other:ident
    ) => {
        $(#[$meta])*
        ///
        /// The set is open: a value not listed is kept as given in
        #[doc = concat!("[`", stringify!($other), "`](", stringify!($name), "::", stringify!($other), ").")]
        /// Build values with `From<&str>`, which maps the listed strings to their variants.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            $(#[$ometa])*
            $other(String),
        }

        impl $name {
            /// The string this value is written as in the record's JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::$other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $text => $name::$variant, )+
                    _ => $name::$other(s.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $( $text => $name::$variant, )+
                    _ => $name::$other(s),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        string_enum!(@serde $name);

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            /// Open: any string, the listed ones as examples.
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "examples": [$($text),+] })
            }
        }
    };
    (@serde $name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_enum! {
    /// The kind of a [`StepError`]: what went wrong, as a machine-readable name.
    ///
    /// The cache chooses how long to keep an answer by matching on it, so a new kind is a new
    /// variant, never a new string.
    pub enum StepErrorKind {
        /// The name does not exist (DNS NXDOMAIN).
        NxDomain => "nxdomain",
        /// The name exists but has no record of the asked type (DNS NODATA).
        NoData => "nodata",
        /// The DNS server failed (SERVFAIL or REFUSED).
        ServFail => "servfail",
        /// No answer in time (the source's timeout, or the lookup's deadline).
        Timeout => "timeout",
        /// Connecting, sending or reading failed.
        Transport => "transport",
        /// An HTTP status that is neither success nor not-found; see [`StepError::http_status`].
        HttpStatus => "http_status",
        /// The server said to slow down and the pause would exceed the limit, or retries ran out.
        RateLimited => "rate_limited",
        /// The server's circuit breaker is open after repeated failures: it was not asked.
        CircuitOpen => "circuit_open",
        /// The object does not exist at the source (RDAP 404, a WHOIS "no match").
        NotFound => "not_found",
        /// The answer could not be parsed.
        Malformed => "malformed",
        /// The answer exceeded a size limit.
        TooLarge => "too_large",
        /// The destination is not allowed by the safety settings.
        Blocked => "blocked",
        /// Redirects went on past the limit, or looped.
        Redirect => "redirect",
        /// No source is known for this object (nothing in the bootstrap, WHOIS disabled).
        NoSource => "no_source",
        /// The answer was read, but part of it was unusable (see the message); the rest is kept.
        Partial => "partial",
        /// The answer is about another object than the one asked (an RDAP network that does
        /// not contain the address, a domain answer for another name): none of it is used.
        Mismatch => "mismatch",
        /// The answer went past a limit and was cut (a CNAME chain, an address list); what is
        /// past the cut is not reported.
        Truncated => "truncated",
        /// Anything else.
        Other => "other",
    }
}

string_enum! {
    /// What an [`Evidence`] for a provider identification matched.
    pub enum EvidenceKind {
        /// The address is in a range the provider publishes (e.g. `104.16.0.0/13`).
        IpRange => "ip_range",
        /// The origin AS is the provider's (e.g. `AS13335`).
        Asn => "asn",
        /// A name in the CNAME chain is under the provider's suffix (e.g. `*.cdn.cloudflare.net`).
        Cname => "cname",
        /// The RDAP network answer names the provider as the holder organisation.
        RdapOrg => "rdap_org",
    }
}

string_enum! {
    /// The regional (or national) registry that answered for a network.
    pub enum Rir {
        /// ARIN (North America).
        Arin => "ARIN",
        /// RIPE NCC (Europe, the Middle East, Central Asia).
        RipeNcc => "RIPE NCC",
        /// APNIC (Asia-Pacific).
        Apnic => "APNIC",
        /// LACNIC (Latin America and the Caribbean).
        Lacnic => "LACNIC",
        /// AFRINIC (Africa).
        Afrinic => "AFRINIC",
    }
    /// A national registry (`registro.br`, `JPNIC`, `KRNIC`, `TWNIC`, `CNNIC`, `IDNIC`) or
    /// any other registry, by the name it is known under.
    else Other
}

string_enum! {
    /// The [`AsnSource`](crate::AsnSource) that answered, by its
    /// [`name`](crate::AsnSource::name).
    pub enum AsnSourceName {
        /// Team Cymru's DNS service ([`CymruSource`](crate::CymruSource)).
        Cymru => "cymru",
        /// A MaxMind-format database ([`MmdbSource`](crate::MmdbSource)).
        Mmdb => "mmdb",
        /// An ip-location-db CSV ([`CsvRangeSource`](crate::CsvRangeSource)).
        Csv => "csv",
    }
    /// A custom source, by its name.
    else Other
}

string_enum! {
    /// The role a source gave a contact: an RDAP entity role (RFC 9083 §10.2.4).
    pub enum ContactRole {
        /// `abuse`: the channel for abuse reports.
        Abuse => "abuse",
        /// `registrant`: the holder of the object.
        Registrant => "registrant",
        /// `registrar`: the registrar of the object.
        Registrar => "registrar",
        /// `technical`: the technical contact.
        Technical => "technical",
        /// `administrative`: the administrative contact.
        Administrative => "administrative",
        /// `billing`: the billing contact.
        Billing => "billing",
        /// `reseller`: a reseller of the registrar.
        Reseller => "reseller",
        /// `sponsor`: the sponsor of the object.
        Sponsor => "sponsor",
        /// `proxy`: a privacy or proxy service.
        Proxy => "proxy",
        /// `notifications`: who receives notifications.
        Notifications => "notifications",
        /// `noc`: the network operations centre.
        Noc => "noc",
    }
    /// A role not registered in RFC 9083, as the source gave it.
    else Other
}

string_enum! {
    /// Why a fallback source (WHOIS) was asked; see [`Source::fallback`].
    pub enum FallbackReason {
        /// The RDAP network answer named no abuse contact with an email address.
        RdapWithoutAbuseEmail => "rdap_without_abuse_email",
        /// The RDAP network query failed.
        RdapNetworkFailed => "rdap_network_failed",
        /// The domain's TLD has no RDAP service in the bootstrap.
        NoRdapService => "no_rdap_service",
        /// The registry's RDAP query failed.
        RdapRegistryFailed => "rdap_registry_failed",
    }
}

/// A kind compares equal to its JSON name, so `error.kind == "timeout"` reads as the record
/// does.
impl PartialEq<&str> for StepErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<SourceErrorKind> for StepErrorKind {
    fn from(kind: SourceErrorKind) -> Self {
        match kind {
            SourceErrorKind::NxDomain => StepErrorKind::NxDomain,
            SourceErrorKind::NoData => StepErrorKind::NoData,
            SourceErrorKind::ServFail => StepErrorKind::ServFail,
            SourceErrorKind::Timeout => StepErrorKind::Timeout,
            SourceErrorKind::Transport => StepErrorKind::Transport,
            SourceErrorKind::HttpStatus(_) => StepErrorKind::HttpStatus,
            SourceErrorKind::RateLimited => StepErrorKind::RateLimited,
            SourceErrorKind::CircuitOpen => StepErrorKind::CircuitOpen,
            SourceErrorKind::NotFound => StepErrorKind::NotFound,
            SourceErrorKind::Malformed => StepErrorKind::Malformed,
            SourceErrorKind::TooLarge => StepErrorKind::TooLarge,
            SourceErrorKind::Blocked => StepErrorKind::Blocked,
            SourceErrorKind::Redirect => StepErrorKind::Redirect,
            SourceErrorKind::NoSource => StepErrorKind::NoSource,
            SourceErrorKind::Mismatch => StepErrorKind::Mismatch,
            SourceErrorKind::Truncated => StepErrorKind::Truncated,
            SourceErrorKind::Other => StepErrorKind::Other,
        }
    }
}

/// The version of the JSON shape of [`HostingRecord`].
///
/// 2 added [`StepError::http_status`] and [`StepError::retryable`], and the `circuit_open`
/// error kind (an open circuit breaker was `other` in 1).
///
/// 3 added [`Contact::phones`] (every number of a channel, each as published and in E.164
/// form where it parses; [`Contact::phone`] stays the first one's text), merged the
/// statements of one mailbox that differ only in their phone numbers into one contact, and
/// left notice targets without any channel out of [`HostingRecord::notice_targets`], each
/// with an entry in [`HostingRecord::outcomes`] saying why.
///
/// 4 added the source kind `ripestat` ([`SourceKind::Ripestat`]) for contacts from the
/// RIPEstat Data API; contacts from the Abusix Abuse ContactDB are `dns` with the dataset
/// `abusix`;
/// and [`AddressRecord::plan`]: which sources the planner asked first for the address's
/// abuse contact (RDAP, or the quota-free [`AbuseSource`](crate::AbuseSource)s) and why;
/// and [`HostingRecord::data`]: the date of each data set that answered (the RDAP
/// bootstrap, the provider ranges, the IANA registrar list, and a refreshed ASN database).
pub const SCHEMA_VERSION: u32 = 4;

/// Everything whohosts found about one query: whom to notify, and why.
///
/// A record is returned even when some sources failed: each failed step is an entry in
/// [`errors`](HostingRecord::errors), and every fact that was found is still present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// When the lookup finished, to the second; written as RFC 3339 in UTC
    /// (`2026-12-05T09:00:00Z`).
    #[serde(with = "rfc3339")]
    #[cfg_attr(feature = "schema", schemars(with = "String", extend("format" = "date-time")))]
    pub resolved_at: Timestamp,
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
    /// Whom to notify, in order, and why. Every target has at least one channel: a party
    /// without any (no email, phone or web form) is left out, and
    /// [`outcomes`](Self::outcomes) says why.
    #[serde(default)]
    pub notice_targets: Vec<NoticeTarget>,
    /// The versions (dates) of the data sets that answered: the embedded snapshots, or the
    /// files a refresh wrote to the client's data directory. `None` in records of schema 3
    /// and earlier.
    #[serde(default)]
    pub data: Option<DataVersions>,
}

impl HostingRecord {
    /// The record of `query` (as the record writes it) before anything was found: the one
    /// every lookup, the fake and the tests start from.
    pub(crate) fn blank(query: String) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            query,
            domain: None,
            domain_unicode: None,
            registrable_domain: None,
            resolved_at: Timestamp::UNIX_EPOCH,
            dns: DnsFacts::default(),
            addresses: Vec::new(),
            registrar: None,
            registry: None,
            abuse_contacts: Vec::new(),
            errors: Vec::new(),
            outcomes: Vec::new(),
            origin_hidden: false,
            platform: None,
            notice_targets: Vec::new(),
            data: None,
        }
    }
}

/// The date (`YYYY-MM-DD`) of each data set a lookup used, as the data gives it: the newest
/// `publication` of the four RDAP bootstrap files, the provider range snapshot, the IANA
/// registrar list and, when a refreshed one is in use, the ASN database's build date.
/// `None` where the set names no date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct DataVersions {
    /// The RDAP bootstrap (IANA `dns.json`, `ipv4.json`, `ipv6.json`, `asn.json`).
    pub bootstrap: Option<String>,
    /// The published CDN/cloud IP ranges.
    pub provider_ranges: Option<String>,
    /// The IANA registrar list.
    pub registrars: Option<String>,
    /// The refreshed IP-to-ASN database, when the client uses one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn_database: Option<String>,
}

/// DNS facts for the queried host name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Which sources were asked for the abuse contact, in which order, and why (absent in
    /// records older than schema 4, and when the address's facts were not looked up).
    #[serde(default)]
    pub plan: Option<AbusePlan>,
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
            plan: None,
        }
    }
}

/// How an address's abuse contact was looked for: RDAP first (then WHOIS, then the
/// quota-free sources when still without a mailbox), or the quota-free
/// [`AbuseSource`](crate::AbuseSource)s first because the address's RDAP server is
/// quota-limited or its budget is spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct AbusePlan {
    /// Which kind of source was asked first.
    pub first: PlanFirst,
    /// The address's RDAP server, as the politeness table keys it (`rdap.db.ripe.net`, a
    /// rule's URL prefix, or `host:port`), when the bootstrap names one.
    pub rdap_server: Option<String>,
    /// Why the quota-free sources went first (`rdap.db.ripe.net is quota-limited (500 per
    /// 24 h)`); `None` when RDAP went first.
    pub reason: Option<String>,
    /// Whether RDAP was asked about the address (a cached answer counts as asked).
    pub rdap_asked: bool,
}

/// The first kind of source an [`AbusePlan`] asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlanFirst {
    /// The registry's RDAP server (then its WHOIS, then the quota-free sources).
    Rdap,
    /// The quota-free abuse sources (RDAP only when they give no mailbox, or for full
    /// network detail).
    QuotaFree,
}

impl PlanFirst {
    /// The JSON name, e.g. `quota_free`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanFirst::Rdap => "rdap",
            PlanFirst::QuotaFree => "quota_free",
        }
    }
}

/// The autonomous system that originates a route to an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Asn {
    /// AS number.
    pub number: u32,
    /// AS name or holder organisation, as the source gave it.
    pub name: Option<String>,
    /// Which source answered: `cymru`, `mmdb`, `csv`, or a custom source's name.
    pub source: AsnSourceName,
    /// The announced prefix (or database range) containing the address, when known.
    #[serde(default)]
    pub prefix: Option<IpBlock>,
    /// Other origin ASes announcing the same prefix (multi-origin announcements).
    #[serde(default)]
    pub other_origins: Vec<u32>,
    /// Where the answer came from, in detail.
    #[serde(default)]
    pub provenance: Option<Source>,
}

impl Asn {
    /// An ASN answer from `source`.
    pub fn new(number: u32, name: Option<String>, source: impl Into<AsnSourceName>) -> Self {
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

/// The block of addresses an ASN answer covers: an announced prefix, or a database's
/// first–last range.
///
/// Written as today's strings: `104.16.0.0/13` (a prefix, host bits as the source gave
/// them) or `1.0.0.0-1.0.0.255` (a range that a CSV database stores as such).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IpBlock {
    /// A CIDR prefix.
    Net(IpNet),
    /// A first–last range, both ends included, of one family.
    Range(IpAddr, IpAddr),
}

impl From<IpNet> for IpBlock {
    fn from(net: IpNet) -> Self {
        IpBlock::Net(net)
    }
}

impl fmt::Display for IpBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpBlock::Net(net) => net.fmt(f),
            IpBlock::Range(first, last) => write!(f, "{first}-{last}"),
        }
    }
}

impl FromStr for IpBlock {
    type Err = String;

    /// `address/length` or `first-last`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unusable = || format!("{s:?} is neither address/length nor first-last");
        match s.split_once('-') {
            Some((first, last)) => {
                let first: IpAddr = first.parse().map_err(|_| unusable())?;
                let last: IpAddr = last.parse().map_err(|_| unusable())?;
                Ok(IpBlock::Range(first, last))
            }
            None => s.parse().map(IpBlock::Net).map_err(|_| unusable()),
        }
    }
}

impl Serialize for IpBlock {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Written as one string: a prefix (`104.16.0.0/12`) or an inclusive range
/// (`1.0.0.0-1.0.0.255`).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for IpBlock {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IpBlock".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An IP prefix (`104.16.0.0/12`) or an inclusive range of addresses (`1.0.0.0-1.0.0.255`).",
            "type": "string",
            "examples": ["104.16.0.0/12", "1.0.0.0-1.0.0.255"]
        })
    }
}

impl<'de> Deserialize<'de> for IpBlock {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A [`Timestamp`] as RFC 3339 text (`2026-12-05T09:00:00Z`), as the record has always
/// written its times.
mod rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        at: &Timestamp,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(at)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Timestamp, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// [`rfc3339`] for an optional time (`null` when absent).
mod rfc3339_option {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        at: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.collect_str(at),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| text.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// An RDAP IP network registration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// The range as CIDR blocks (`cidr0_cidrs`, or computed from start and end), written as
    /// given (`192.0.2.0/24`).
    #[cfg_attr(feature = "schema", schemars(with = "Vec<String>"))]
    pub cidrs: Vec<IpNet>,
    /// ISO 3166 country code, when published.
    pub country: Option<String>,
    /// RDAP `type` (e.g. `DIRECT ALLOCATION`, `ASSIGNED PA`).
    #[serde(default)]
    pub kind: Option<String>,
    /// The regional (or national) registry that answered: `ARIN`, `RIPE NCC`, `APNIC`,
    /// `LACNIC`, `AFRINIC`, or an NIR such as `registro.br`.
    pub rir: Option<Rir>,
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl ProviderKind {
    /// The JSON name, e.g. `cdn`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Cdn => "cdn",
            ProviderKind::Cloud => "cloud",
            ProviderKind::Hosting => "hosting",
            ProviderKind::Isp => "isp",
            ProviderKind::Platform => "platform",
            ProviderKind::Unknown => "unknown",
        }
    }
}

/// One piece of evidence for a provider identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Evidence {
    /// What matched: `ip_range`, `asn`, `cname`, `rdap_org`.
    pub kind: EvidenceKind,
    /// The matching value, e.g. `104.16.0.0/13`, `AS13335`, `*.cdn.cloudflare.net`.
    pub detail: String,
    /// Where the matched data comes from.
    pub source: Source,
}

/// A registrar: who sold the domain, and its abuse channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Contact {
    /// Person, role or organisation name (jCard `fn`).
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// The first phone number, as published (jCard `tel`, `tel:` prefix removed): the text
    /// of the first of [`phones`](Self::phones), kept for readers of schema 2.
    pub phone: Option<String>,
    /// Every phone number of this channel, in the order stated, each once (two texts that
    /// differ only in formatting are one number): several when sources give one mailbox
    /// different numbers (a registrar's own answer and the registry's copy). Empty when
    /// there is no phone, and in records older than schema 3 (read [`phone`](Self::phone)
    /// there).
    #[serde(default)]
    pub phones: Vec<Phone>,
    /// A web form or page for reports (jCard `contact-uri` with `https:`).
    pub web: Option<String>,
    /// The role the source gave this contact (`abuse`, `registrar`, …).
    pub role: Option<ContactRole>,
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
        self.email.is_none() && self.phone.is_none() && self.phones.is_empty() && self.web.is_none()
    }
}

/// One phone number of a [`Contact`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Phone {
    /// The number as published (`+1.4153197517`, `+31 20 535 4444`), `tel:` prefix removed.
    pub text: String,
    /// The same number in E.164 form (`+14153197517`), when the text parses as an
    /// international number (with its `+` country code) without an extension; `None`
    /// otherwise (E.164 has no extensions: such a number keeps only its text).
    #[serde(default)]
    pub e164: Option<String>,
}

/// The party an abuse contact belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl Party {
    /// The JSON name, e.g. `registrar`.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Platform => "platform",
            Party::Cdn => "cdn",
            Party::Hosting => "hosting",
            Party::Network => "network",
            Party::Registrar => "registrar",
            Party::Registry => "registry",
        }
    }
}

/// A contact with the party it belongs to and what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl Stage {
    /// The JSON name, e.g. `rdap`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Input => "input",
            Stage::Dns => "dns",
            Stage::Asn => "asn",
            Stage::Rdap => "rdap",
            Stage::Whois => "whois",
            Stage::Abuse => "abuse",
        }
    }
}

/// A step of a lookup that failed; the record keeps everything else.
///
/// # Retryable
///
/// [`retryable`](Self::retryable) says whether asking again later may succeed, because the
/// failure was the source's bad moment rather than a fact or a setting:
///
/// * yes: `timeout`, `transport`, `servfail`, `rate_limited`, `circuit_open`, and
///   `http_status` with a 5xx, 408 (request timeout), 425 (too early) or 429 status;
/// * no: `nxdomain`, `nodata`, `not_found` (the object is absent), `malformed`,
///   `too_large`, `redirect` (the answer is what it is), `blocked`, `no_source` (the
///   configuration decides), `partial` (the rest of the answer was used), `other`, and
///   `http_status` with any other status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct StepError {
    /// Where it failed.
    pub stage: Stage,
    /// What was being asked: a name, an IP, or a URL.
    pub target: String,
    /// Machine-readable kind, e.g. `nxdomain`, `nodata`, `servfail`, `timeout`,
    /// `http_status`, `rate_limited`, `malformed`, `not_found`, `no_source`, `blocked`.
    pub kind: StepErrorKind,
    /// Human-readable description.
    pub message: String,
    /// The HTTP status the server answered, when the failure was an HTTP answer (the status
    /// of an `http_status` error; 404 for an RDAP `not_found`; 429 or 403 for an HTTP
    /// `rate_limited`). `null` otherwise. Added in schema 2.
    #[serde(default)]
    pub http_status: Option<u16>,
    /// Whether asking again later may succeed; see [Retryable](StepError#retryable). Added in
    /// schema 2.
    #[serde(default)]
    pub retryable: bool,
}

impl StepError {
    /// A new step error.
    pub fn new(
        stage: Stage,
        target: impl Into<String>,
        kind: StepErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            stage,
            target: target.into(),
            kind,
            message: message.into(),
            http_status: None,
            retryable: is_retryable(kind, None),
        }
    }

    /// The failure of a source asked about `target` during `stage`. The message says the
    /// target once, in [`target`](Self::target): a source message that begins with it (a
    /// WHOIS server prefixing its own name) has that prefix left out.
    pub fn from_source(stage: Stage, target: impl Into<String>, error: &SourceError) -> Self {
        let target = target.into();
        let message = without_prefix(error.message(), &target).to_owned();
        let mut step = Self::new(stage, target, error.kind().into(), message);
        if let Some(status) = error.http_status() {
            step = step.with_http_status(status);
        }
        step
    }

    /// The same error, with the HTTP status the server answered.
    #[must_use]
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self.retryable = is_retryable(self.kind, Some(status));
        self
    }

    /// A usable answer from `target` of which a part was not (kind
    /// [`Partial`](StepErrorKind::Partial)).
    pub fn partial(stage: Stage, target: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(stage, target, StepErrorKind::Partial, message)
    }
}

/// `message` without a leading `target` (followed by `: ` or a space), unless nothing would
/// be left.
fn without_prefix<'a>(message: &'a str, target: &str) -> &'a str {
    message
        .strip_prefix(target)
        .and_then(|rest| rest.strip_prefix(": ").or_else(|| rest.strip_prefix(' ')))
        .filter(|rest| !rest.trim().is_empty())
        .unwrap_or(message)
}

/// The [Retryable](StepError#retryable) rule.
fn is_retryable(kind: StepErrorKind, http_status: Option<u16>) -> bool {
    match kind {
        StepErrorKind::Timeout
        | StepErrorKind::Transport
        | StepErrorKind::ServFail
        | StepErrorKind::RateLimited
        | StepErrorKind::CircuitOpen => true,
        StepErrorKind::HttpStatus => {
            http_status.is_some_and(|s| (500..600).contains(&s) || matches!(s, 408 | 425 | 429))
        }
        StepErrorKind::NxDomain
        | StepErrorKind::NoData
        | StepErrorKind::NotFound
        | StepErrorKind::Malformed
        | StepErrorKind::TooLarge
        | StepErrorKind::Redirect
        | StepErrorKind::Blocked
        | StepErrorKind::NoSource
        | StepErrorKind::Partial
        | StepErrorKind::Mismatch
        | StepErrorKind::Truncated
        | StepErrorKind::Other => false,
    }
}

/// Where a fact came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// When it was fetched, to the second, for network sources; written as RFC 3339 in UTC.
    #[serde(default, with = "rfc3339_option")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<String>", extend("format" = "date-time"))
    )]
    pub fetched_at: Option<Timestamp>,
    /// Where in the answer: an RFC 6901 JSON pointer for RDAP (e.g. `/entities/0/entities/1`).
    pub pointer: Option<String>,
    /// Where in the answer: a 1-based line number for WHOIS text.
    pub line: Option<u32>,
    /// Why this source was asked when it is a fallback (e.g. `rdap_without_abuse_email`).
    pub fallback: Option<FallbackReason>,
}

impl Source {
    /// A source of `kind` at `url`.
    pub fn new(kind: SourceKind, url: impl Into<String>) -> Self {
        Self { kind, url: Some(url.into()), ..Self::default() }
    }
}

/// The kinds of [`Source`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// The RIPEstat Data API (`abuse-contact-finder`), a quota-free source of an address's
    /// abuse contact ([`RipeStatSource`](crate::RipeStatSource)).
    Ripestat,
}

/// Whether a party's abuse contact was found, and if not, why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl OutcomeStatus {
    /// The JSON name, e.g. `none_published`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Found => "found",
            OutcomeStatus::Redacted => "redacted",
            OutcomeStatus::NonePublished => "none_published",
            OutcomeStatus::SourceFailed => "source_failed",
            OutcomeStatus::NotApplicable => "not_applicable",
        }
    }
}

/// The outcome for one party and subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl NoticeType {
    /// The JSON name, e.g. `copyright`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeType::Copyright => "copyright",
            NoticeType::Csam => "csam",
            NoticeType::Ncii => "ncii",
            NoticeType::Phishing => "phishing",
            NoticeType::Malware => "malware",
            NoticeType::Spam => "spam",
        }
    }
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Every kind a source error can have is written as the same string in a record.
    #[test]
    fn step_kinds_are_the_source_kinds_strings() {
        let kinds = [
            SourceErrorKind::NxDomain,
            SourceErrorKind::NoData,
            SourceErrorKind::ServFail,
            SourceErrorKind::Timeout,
            SourceErrorKind::Transport,
            SourceErrorKind::HttpStatus(503),
            SourceErrorKind::RateLimited,
            SourceErrorKind::CircuitOpen,
            SourceErrorKind::NotFound,
            SourceErrorKind::Malformed,
            SourceErrorKind::TooLarge,
            SourceErrorKind::Blocked,
            SourceErrorKind::Redirect,
            SourceErrorKind::NoSource,
            SourceErrorKind::Other,
        ];
        for kind in kinds {
            assert_eq!(StepErrorKind::from(kind).as_str(), kind.as_str());
        }
    }

    /// A closed enum reads back every string it writes, and nothing else.
    #[test]
    fn closed_enums_round_trip() {
        for kind in StepErrorKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<StepErrorKind>(&json).unwrap(), *kind);
        }
        for kind in EvidenceKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(serde_json::from_str::<EvidenceKind>(&json).unwrap(), *kind);
        }
        for reason in FallbackReason::ALL {
            let json = serde_json::to_string(reason).unwrap();
            assert_eq!(serde_json::from_str::<FallbackReason>(&json).unwrap(), *reason);
        }
        assert_eq!(serde_json::to_string(&StepErrorKind::CircuitOpen).unwrap(), "\"circuit_open\"");
        assert_eq!(serde_json::to_string(&EvidenceKind::RdapOrg).unwrap(), "\"rdap_org\"");
        assert_eq!(
            serde_json::to_string(&FallbackReason::RdapWithoutAbuseEmail).unwrap(),
            "\"rdap_without_abuse_email\""
        );
        let unknown = serde_json::from_str::<StepErrorKind>("\"nxdomian\"").unwrap_err();
        assert!(unknown.to_string().contains("unknown StepErrorKind \"nxdomian\""), "{unknown}");
        assert!("Timeout".parse::<StepErrorKind>().is_err());
    }

    /// An open enum maps the strings it knows to their variants and keeps any other string,
    /// written back unchanged.
    #[test]
    fn open_enums_keep_unknown_strings() {
        let cases: [(&str, Rir); 3] = [
            ("\"RIPE NCC\"", Rir::RipeNcc),
            ("\"ARIN\"", Rir::Arin),
            ("\"registro.br\"", Rir::Other("registro.br".to_owned())),
        ];
        for (json, rir) in cases {
            assert_eq!(serde_json::from_str::<Rir>(json).unwrap(), rir);
            assert_eq!(serde_json::to_string(&rir).unwrap(), json);
        }
        // Case matters: the record writes what the source wrote.
        assert_eq!(Rir::from("arin"), Rir::Other("arin".to_owned()));

        assert_eq!(AsnSourceName::from("csv"), AsnSourceName::Csv);
        let custom = AsnSourceName::from("my-bgp-feed".to_owned());
        assert_eq!(custom, AsnSourceName::Other("my-bgp-feed".to_owned()));
        assert_eq!(serde_json::to_string(&custom).unwrap(), "\"my-bgp-feed\"");
        assert_eq!(custom.to_string(), "my-bgp-feed");

        assert_eq!(serde_json::from_str::<ContactRole>("\"noc\"").unwrap(), ContactRole::Noc);
        let odd = serde_json::from_str::<ContactRole>("\"Abuse Desk\"").unwrap();
        assert_eq!(odd, ContactRole::Other("Abuse Desk".to_owned()));
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"Abuse Desk\"");
    }

    /// A contact and a step error keep their JSON shape with typed kinds.
    #[test]
    fn typed_fields_serialise_as_strings() {
        let contact = Contact {
            email: Some("abuse@example.net".to_owned()),
            role: Some(ContactRole::Abuse),
            ..Contact::default()
        };
        let json = serde_json::to_value(&contact).unwrap();
        assert_eq!(json["role"], "abuse");
        assert_eq!(serde_json::from_value::<Contact>(json).unwrap(), contact);
    }

    /// The retryable rule, kind by kind, with and without a status.
    #[test]
    fn retryable_rule() {
        let error =
            |kind| StepError::new(Stage::Rdap, "https://rdap.example/ip/192.0.2.1", kind, "…");
        let retryable = [
            StepErrorKind::Timeout,
            StepErrorKind::Transport,
            StepErrorKind::ServFail,
            StepErrorKind::RateLimited,
            StepErrorKind::CircuitOpen,
        ];
        for kind in StepErrorKind::ALL {
            assert_eq!(error(*kind).retryable, retryable.contains(kind), "{kind}");
            assert_eq!(error(*kind).http_status, None);
        }
        let status = |code| error(StepErrorKind::HttpStatus).with_http_status(code);
        for code in [500, 502, 503, 504, 599, 408, 425, 429] {
            assert!(status(code).retryable, "{code}");
            assert_eq!(status(code).http_status, Some(code));
        }
        for code in [400, 401, 403, 410, 418, 451] {
            assert!(!status(code).retryable, "{code}");
        }
        // The status is noted but does not make an absence retryable.
        let gone =
            SourceError::new(SourceErrorKind::NotFound, "no such object").with_http_status(404);
        let step = StepError::from_source(Stage::Rdap, "https://rdap.example/ip/192.0.2.1", &gone);
        assert_eq!(
            (step.kind, step.http_status, step.retryable),
            (StepErrorKind::NotFound, Some(404), false)
        );
        let failed = SourceError::new(SourceErrorKind::HttpStatus(502), "answered 502");
        let step =
            StepError::from_source(Stage::Rdap, "https://rdap.example/ip/192.0.2.1", &failed);
        assert_eq!(
            (step.kind, step.http_status, step.retryable),
            (StepErrorKind::HttpStatus, Some(502), true)
        );
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(json["http_status"], 502);
        assert_eq!(json["retryable"], true);
        assert_eq!(
            serde_json::to_value(error(StepErrorKind::NxDomain)).unwrap()["http_status"],
            serde_json::Value::Null
        );
    }

    /// A source message that begins with the step's target does not say it twice.
    #[test]
    fn from_source_says_the_target_once() {
        let server = "whois.verisign-grs.com:43";
        let closed = SourceError::new(
            SourceErrorKind::Transport,
            "whois.verisign-grs.com:43 closed the connection without answering",
        );
        let step = StepError::from_source(Stage::Whois, server, &closed);
        assert_eq!(step.message, "closed the connection without answering");
        let refused = SourceError::new(
            SourceErrorKind::NotFound,
            "whois.verisign-grs.com:43: not found: the answer says \"no match for\"",
        );
        let step = StepError::from_source(Stage::Whois, server, &refused);
        assert_eq!(step.message, "not found: the answer says \"no match for\"");
        // Another target keeps the server's name: it says which server answered.
        let step = StepError::from_source(Stage::Whois, "example.com", &refused);
        assert_eq!(step.message, refused.message());
        // A message that is only the target is kept whole.
        let bare = SourceError::new(SourceErrorKind::Other, server);
        assert_eq!(StepError::from_source(Stage::Whois, server, &bare).message, server);
    }

    /// Prefixes keep host bits as the source gave them, IPv6 is written compressed as
    /// before, and a CSV range stays `first-last`: the strings are today's.
    #[test]
    fn blocks_are_written_as_before() {
        for text in ["104.16.0.0/13", "8.8.8.1/24", "2620:119::/40", "0.0.0.0/0"] {
            let net: IpNet = text.parse().unwrap();
            assert_eq!(serde_json::to_string(&net).unwrap(), format!("\"{text}\""));
            let block: IpBlock = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(block, IpBlock::Net(net));
            assert_eq!(serde_json::to_string(&block).unwrap(), format!("\"{text}\""));
        }
        let range: IpBlock = serde_json::from_str("\"1.0.0.0-1.0.0.255\"").unwrap();
        assert_eq!(range, IpBlock::Range("1.0.0.0".parse().unwrap(), "1.0.0.255".parse().unwrap()));
        assert_eq!(serde_json::to_string(&range).unwrap(), "\"1.0.0.0-1.0.0.255\"");
        let v6 = "2001:200::-2001:200:ffff:ffff:ffff:ffff:ffff:ffff";
        assert_eq!(v6.parse::<IpBlock>().unwrap().to_string(), v6);
        assert!(serde_json::from_str::<IpBlock>("\"AS13335\"").is_err());
        // A network from recorded JSON reads back unchanged.
        let json = r#"{"handle":"NET-104-16-0-0-1","name":"CLOUDFLARENET","range_start":"104.16.0.0","range_end":"104.31.255.255","cidrs":["104.16.0.0/12"],"country":null,"rir":"ARIN","source_url":null}"#;
        let network: Network = serde_json::from_str(json).unwrap();
        assert_eq!(network.cidrs, vec!["104.16.0.0/12".parse::<IpNet>().unwrap()]);
        assert_eq!(
            serde_json::to_value(&network).unwrap()["cidrs"],
            serde_json::json!(["104.16.0.0/12"])
        );
    }

    /// Times are written as RFC 3339 in UTC, to the second, with `Z`, and read back.
    #[test]
    fn times_are_written_as_before() {
        let at: Timestamp = "2026-12-05T09:00:00Z".parse().unwrap();
        let source = Source {
            fetched_at: Some(at),
            ..Source::new(SourceKind::Rdap, "https://rdap.arin.net/registry/ip/8.8.8.8")
        };
        let json = serde_json::to_value(&source).unwrap();
        assert_eq!(json["fetched_at"], "2026-12-05T09:00:00Z");
        assert_eq!(serde_json::from_value::<Source>(json).unwrap(), source);
        let none = serde_json::to_value(Source::default()).unwrap();
        assert_eq!(none["fetched_at"], serde_json::Value::Null);
        // An older record without the field still reads.
        let bare: Source = serde_json::from_str(r#"{"kind":"whois","url":"whois.arin.net:43","dataset":null,"version":null,"pointer":null,"line":3,"fallback":null}"#).unwrap();
        assert_eq!(bare.fetched_at, None);
        assert!(
            serde_json::from_str::<Source>(r#"{"kind":"rdap","fetched_at":"yesterday"}"#).is_err()
        );
    }
}
