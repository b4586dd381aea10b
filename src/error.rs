//! The crate's public error types: [`Error`] for a lookup that could not run at all, and
//! [`InputError`] for a query that cannot be looked up.
//!
//! A source that fails *during* a lookup is not an [`Error`]: it becomes a
//! [`StepError`](crate::StepError) inside the returned record.

use std::path::PathBuf;
use std::time::Duration;

use hickory_resolver::net::{DnsError, NetError};

/// Why `lookup` (or building a client) returned no record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query cannot be looked up.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The client configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A bug: the lookup panicked. [`Client::lookup_many`](crate::Client::lookup_many)
    /// reports it for that input and carries on with the others.
    #[error("internal error: {message}")]
    Internal {
        /// What the panic said.
        message: String,
    },
}

impl Error {
    /// The input error, if this is one.
    pub fn as_input(&self) -> Option<&InputError> {
        match self {
            Error::Input(e) => Some(e),
            Error::Config(_) | Error::Internal { .. } => None,
        }
    }
}

/// Why a query string is not something whohosts can look up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Nothing to look up (empty or only white space).
    #[error("empty query")]
    Empty,
    /// The name is longer than 253 octets (in A-label form, without the trailing dot).
    #[error("name is {length} octets long; the limit is 253")]
    TooLong {
        /// Octets in the A-label form of the name.
        length: usize,
    },
    /// One label is longer than 63 octets.
    #[error("label {label:?} is {length} octets long; the limit is 63")]
    LabelTooLong {
        /// The offending label (A-label form).
        label: String,
        /// Its length in octets.
        length: usize,
    },
    /// The name has an empty label (`a..b`, or a leading dot).
    #[error("name {name:?} has an empty label")]
    EmptyLabel {
        /// The name as given.
        name: String,
    },
    /// A character that cannot appear in a host name.
    #[error("invalid character {character:?} in {name:?}")]
    InvalidCharacter {
        /// The name as given.
        name: String,
        /// The first offending character.
        character: char,
    },
    /// The name could not be converted to IDNA A-labels.
    #[error("{name:?} is not a valid internationalised domain name")]
    InvalidIdna {
        /// The name as given.
        name: String,
    },
    /// The query looks like a URL but could not be parsed as one.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What the URL parser said.
        reason: String,
    },
    /// A URL without a host (e.g. `mailto:x`, `file:///etc`).
    #[error("URL {url:?} has no host")]
    UrlWithoutHost {
        /// The URL as given.
        url: String,
    },
    /// The name is itself a public suffix (e.g. `co.uk`), so nobody registered it.
    #[error("{name:?} is a public suffix, not a registrable domain")]
    PublicSuffix {
        /// The name (A-label form).
        name: String,
    },
    /// A single-label name (e.g. `localhost`, `com`) has no registrar or hosting to report.
    #[error("{name:?} is a single-label name")]
    SingleLabel {
        /// The name (A-label form).
        name: String,
    },
    /// An IPv6 address with a zone id (`fe80::1%eth0`): a zone names a local interface,
    /// so the address is link-local to this machine and has nothing to look up.
    #[error("{address:?}: zone ids are not supported")]
    ZoneId {
        /// The address with its zone, as given.
        address: String,
    },
}

/// Why a client configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A nameserver address was not `IP` or `IP:PORT`.
    #[error("invalid nameserver {value:?}: expected IP or IP:PORT")]
    Nameserver {
        /// The value given.
        value: String,
    },
    /// The system DNS configuration could not be read.
    #[error("cannot read the system DNS configuration: {reason}")]
    SystemDns {
        /// What failed.
        reason: String,
    },
    /// A bootstrap directory or file could not be read or parsed.
    #[error("cannot load RDAP bootstrap from {path}: {reason}")]
    Bootstrap {
        /// The directory or file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// An ASN database could not be opened.
    #[error("cannot open ASN database {path}: {reason}")]
    AsnDatabase {
        /// The database file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {reason}")]
    Http {
        /// What failed.
        reason: String,
    },
    /// The data directory for refreshed files is missing from the configuration, or cannot
    /// be created, or a data set's URL does not parse.
    #[error("data refresh: {reason}")]
    DataRefresh {
        /// What is wrong.
        reason: String,
    },
    /// A Redis URL does not parse, or (from `Redis::check`, feature `redis`) the
    /// server cannot be reached or refused a command. Lookups never fail this way: a Redis
    /// that is down at run time is a cache miss and a local budget, with a warning.
    #[error("Redis at {url}: {reason}")]
    Redis {
        /// The URL, without its password.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The configuration asks for something this build of the crate leaves out: a cargo
    /// feature that is off (e.g. an `.mmdb` ASN database without the `mmdb` feature).
    #[error("{what} needs the cargo feature `{feature}`, which this build leaves out")]
    FeatureMissing {
        /// The feature, as named in Cargo.toml (`mmdb`, `cymru`, ...).
        feature: &'static str,
        /// What asked for it.
        what: String,
    },
}

/// A notice template (see `whohosts::notices::NoticeTemplate`, feature `notices`) that does
/// not compile, or fails while rendering a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notice template {name}: {message}")]
#[non_exhaustive]
pub struct TemplateError {
    /// The template's name (its file name, or `default`).
    pub name: String,
    /// What the template engine said, with the line where it says one.
    pub message: String,
}

/// A source (DNS, RDAP, an ASN database) that failed to answer one question.
///
/// Inside a lookup these become [`StepError`](crate::StepError)s in the record; custom
/// [`AsnSource`](crate::AsnSource)s return them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    kind: SourceErrorKind,
    message: String,
    http_status: Option<u16>,
}

impl SourceError {
    /// A new error of `kind`.
    pub fn new(kind: SourceErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), http_status: None }
    }

    /// The same error, noting the HTTP status the server answered (e.g. 404 for
    /// [`NotFound`](SourceErrorKind::NotFound), 429 for
    /// [`RateLimited`](SourceErrorKind::RateLimited)).
    #[must_use]
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> SourceErrorKind {
        self.kind
    }

    /// The HTTP status the server answered, when the failure was an HTTP answer: the code
    /// of [`HttpStatus`](SourceErrorKind::HttpStatus), or the one noted by
    /// [`with_http_status`](Self::with_http_status).
    pub fn http_status(&self) -> Option<u16> {
        match self.kind {
            SourceErrorKind::HttpStatus(code) => Some(code),
            _ => self.http_status,
        }
    }

    /// The human-readable description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The kinds of [`SourceError`]; [`as_str`](SourceErrorKind::as_str) is the `kind` written
/// into a record's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceErrorKind {
    /// The name does not exist (DNS NXDOMAIN).
    NxDomain,
    /// The name exists but has no record of the asked type (DNS NODATA).
    NoData,
    /// The server failed (DNS SERVFAIL or REFUSED).
    ServFail,
    /// No answer in time.
    Timeout,
    /// Connecting or reading failed.
    Transport,
    /// An HTTP status that is neither success nor not-found.
    HttpStatus(u16),
    /// The server said to slow down (429, or 403/422 with rate-limit text) and the pause
    /// would exceed the configured limit or retries ran out.
    RateLimited,
    /// The server's circuit breaker is open after repeated failures, so it was not asked.
    CircuitOpen,
    /// The object does not exist at the source (RDAP 404).
    NotFound,
    /// The answer could not be parsed.
    Malformed,
    /// The answer exceeded a size limit.
    TooLarge,
    /// The destination is not allowed by the safety settings.
    Blocked,
    /// Redirects went on past the limit, or looped.
    Redirect,
    /// No source is known for this object (nothing in the bootstrap).
    NoSource,
    /// The answer is about another object than the one asked (an RDAP network that does
    /// not contain the address, a domain answer for another name).
    Mismatch,
    /// The answer went past a limit and was cut (a CNAME chain, an address list); what is
    /// past the cut is not reported.
    Truncated,
    /// Anything else.
    Other,
}

impl SourceErrorKind {
    /// The short machine-readable name used in [`StepError::kind`](crate::StepError).
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceErrorKind::NxDomain => "nxdomain",
            SourceErrorKind::NoData => "nodata",
            SourceErrorKind::ServFail => "servfail",
            SourceErrorKind::Timeout => "timeout",
            SourceErrorKind::Transport => "transport",
            SourceErrorKind::HttpStatus(_) => "http_status",
            SourceErrorKind::RateLimited => "rate_limited",
            SourceErrorKind::CircuitOpen => "circuit_open",
            SourceErrorKind::NotFound => "not_found",
            SourceErrorKind::Malformed => "malformed",
            SourceErrorKind::TooLarge => "too_large",
            SourceErrorKind::Blocked => "blocked",
            SourceErrorKind::Redirect => "redirect",
            SourceErrorKind::NoSource => "no_source",
            SourceErrorKind::Mismatch => "mismatch",
            SourceErrorKind::Truncated => "truncated",
            SourceErrorKind::Other => "other",
        }
    }
}

/// A resolver error in plain words, without the name asked (the caller's target names it)
/// and without hickory's `Debug` rendering of the query: `no AAAA records`, `the name does
/// not exist (NXDOMAIN)`, `no answer in time`, `the server answered Server Failure`.
pub(crate) fn describe_dns(e: &NetError) -> String {
    if e.is_nx_domain() {
        return "the name does not exist (NXDOMAIN)".to_owned();
    }
    match e {
        NetError::Dns(DnsError::NoRecordsFound(none)) => {
            format!("no {} records", none.query.query_type())
        }
        NetError::Dns(DnsError::ResponseCode(code)) => {
            format!("the server answered {code} ({})", u16::from(*code))
        }
        NetError::Timeout => "no answer in time".to_owned(),
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            "no answer in time".to_owned()
        }
        NetError::Io(io) => format!("network error: {io}"),
        NetError::NoConnections => "no name server could be reached".to_owned(),
        NetError::Busy => "the resolver is busy".to_owned(),
        NetError::Message(text) => (*text).to_owned(),
        NetError::Msg(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A failed address lookup (A and AAAA together, as `lookup_ip` asks) in plain words: a
/// name with neither is `no A or AAAA records`, not the last family hickory names.
pub(crate) fn describe_address_lookup(e: &NetError) -> String {
    if e.is_no_records_found() && !e.is_nx_domain() {
        "no A or AAAA records".to_owned()
    } else {
        describe_dns(e)
    }
}

/// A duration in plain words: `300 ms`, `3 s`, `2.5 s`, `3600 s`.
pub(crate) fn plain_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use hickory_resolver::net::NoRecords;
    use hickory_resolver::proto::op::{Query, ResponseCode};
    use hickory_resolver::proto::rr::{Name, RecordType};

    use super::*;

    fn no_records(rtype: RecordType, code: ResponseCode) -> NetError {
        let query = Query::query(Name::from_ascii("rdap.verisign.com.").unwrap(), rtype);
        NetError::Dns(DnsError::NoRecordsFound(NoRecords::new(query, code)))
    }

    /// Resolver errors in plain words: no `Debug` struct, and not the name asked.
    #[test]
    fn dns_errors_in_plain_words() {
        let cases = [
            (no_records(RecordType::AAAA, ResponseCode::NoError), "no AAAA records"),
            (
                no_records(RecordType::A, ResponseCode::NXDomain),
                "the name does not exist (NXDOMAIN)",
            ),
            (
                NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)),
                "the server answered Server Failure (2)",
            ),
            (NetError::Timeout, "no answer in time"),
            (NetError::NoConnections, "no name server could be reached"),
        ];
        for (error, words) in cases {
            // What hickory itself would say, for contrast.
            let raw = error.to_string();
            let plain = describe_dns(&error);
            assert_eq!(plain, words, "{raw}");
            assert!(!plain.contains("Query {") && !plain.contains("Name("), "{plain}");
            assert!(!plain.contains("rdap.verisign.com"), "{plain}");
        }
        assert!(
            no_records(RecordType::AAAA, ResponseCode::NoError).to_string().contains("Query {")
        );
    }

    #[test]
    fn durations_in_plain_words() {
        assert_eq!(plain_duration(Duration::from_millis(300)), "300 ms");
        assert_eq!(plain_duration(Duration::from_secs(3)), "3 s");
        assert_eq!(plain_duration(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(plain_duration(Duration::from_secs(3600)), "3600 s");
    }
}
