//! Query parsing: a domain, host name, URL or IP literal → a normalised [`Query`].
//!
//! This module owns the interpretation of the query string and nothing else (no I/O).
//!
//! The accepted forms and the errors are described on [`Query::parse`]; the registrable
//! domain on [`DomainQuery`].
//!
//! ```
//! use whohosts::Query;
//!
//! let query = Query::parse("https://Bücher.de/x").unwrap();
//! match query {
//!     Query::Domain(domain) => {
//!         assert_eq!(domain.ascii, "xn--bcher-kva.de");
//!         assert_eq!(domain.unicode, "bücher.de");
//!         assert_eq!(domain.registrable, "xn--bcher-kva.de");
//!         assert_eq!(domain.public_suffix, "de");
//!     }
//!     other => panic!("expected a domain, got {other:?}"),
//! }
//! assert_eq!(Query::parse("::ffff:192.0.2.1").unwrap().to_string(), "192.0.2.1");
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use url::{Host, Url};

use crate::error::InputError;

/// Longest name in octets (A-label form, without the trailing dot).
const MAX_NAME_OCTETS: usize = 253;
/// Longest label in octets (A-label form).
const MAX_LABEL_OCTETS: usize = 63;
/// The `reason` of [`InputError::InvalidUrl`] for a bad port.
const BAD_PORT: &str = "invalid port number";

/// A parsed query: what to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Query {
    /// A host name (from a name or a URL).
    Domain(DomainQuery),
    /// An IP address literal (v4-mapped IPv6 addresses are unmapped).
    Ip(IpAddr),
}

/// A host name, normalised.
///
/// The registrable domain comes from the ICANN section of the Public Suffix List only:
/// a private-section suffix (`blogspot.com`, `github.io`) is a registrable domain in ICANN
/// terms, so `foo.blogspot.com` has the registrable domain `blogspot.com` and the public
/// suffix `com`. Unknown top-level domains use the default `*` rule (the suffix is the
/// last label).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DomainQuery {
    /// The host name in IDNA A-labels, lower case, no trailing dot.
    pub ascii: String,
    /// The host name in Unicode.
    pub unicode: String,
    /// The registrable domain (ICANN public suffix plus one label), A-labels.
    pub registrable: String,
    /// The ICANN public suffix of the name (e.g. `com`, `co.uk`).
    pub public_suffix: String,
    /// The path of a URL query (e.g. `/somechannel` in `https://t.me/somechannel`), without
    /// query string or fragment; `None` for a bare name or an empty path (`/`). Platform
    /// recognition uses it (a Telegram channel, a GitHub Pages project).
    pub path: Option<String>,
}

impl Query {
    /// Parse a query string: a host name, registrable domain, URL or IP literal.
    ///
    /// # Accepted forms
    ///
    /// * IP literals: IPv4 dotted quads and IPv6 (`::ffff:192.0.2.1`, an IPv4-mapped IPv6
    ///   address, is unmapped to `192.0.2.1`), bare or bracketed (`[2001:db8::1]:443`).
    /// * Host names and registrable domains, in any case, with or without the trailing dot,
    ///   in Unicode (`bücher.de`, `例え。テスト`) or A-labels. Names are converted with UTS-46
    ///   (non-transitional, hyphens unrestricted) to lower-case A-labels. Underscores are
    ///   accepted (`_dmarc.example.com`), as are hyphens at either end of a label, because
    ///   both occur in real DNS names.
    /// * URLs of any scheme with an authority (`https://user:pw@host:8443/a?b#c`,
    ///   `ftp://…`, `ssh://git@host/…`): the host is taken with the WHATWG URL rules of the
    ///   `url` crate (percent-decoding, IDNA, and numeric IPv4 forms such as
    ///   `http://3232235777/`, exactly as a browser would go there); userinfo, port, path,
    ///   query and fragment are ignored.
    /// * Scheme-less authorities: `//host/path`, `host/path`, `host:8080`, `user@host`.
    ///
    /// Surrounding white space is trimmed; any other control character is rejected
    /// ([`InputError::InvalidCharacter`] quoting the whole trimmed query).
    ///
    /// # Errors
    ///
    /// Every failure is an [`InputError`]; parsing never panics. Notable choices:
    ///
    /// * A bare name whose last label is all digits (`1.2.3`, `999.1.1.1`) is neither an IPv4
    ///   address nor a host name (no top-level domain is numeric). It is reported as
    ///   [`InputError::InvalidUrl`] with an explanatory `reason`: that is the variant the
    ///   same host gets inside a URL (`http://999.1.1.1/` fails WHATWG IPv4 parsing), and the
    ///   only one that can say why.
    /// * An unbracketed string with several colons that is not an IPv6 address (`:::`)
    ///   is [`InputError::InvalidCharacter`] with `':'`.
    /// * An IPv6 address with a zone id (`fe80::1%eth0`, `[fe80::1%eth0]:443`,
    ///   `http://[fe80::1%25eth0]/`) is [`InputError::ZoneId`].
    /// * A URL without a host (`mailto:x@y.z`, `file:///etc/passwd`, `http://`, `//`) is
    ///   [`InputError::UrlWithoutHost`]; so is any `scheme:…` without `//` whose scheme is not
    ///   one of the WHATWG special schemes (`user:pw@host` therefore reads as a host-less URL).
    /// * `name:port` with a port that is not a number up to 65535 is
    ///   [`InputError::InvalidUrl`].
    /// * Very long Unicode labels (over 1000 characters) fail IDNA conversion before their
    ///   length is measured and are reported as [`InputError::InvalidIdna`].
    pub fn parse(input: &str) -> Result<Query, InputError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(InputError::Empty);
        }
        if let Some(character) = trimmed.chars().find(|c| c.is_control()) {
            return Err(InputError::InvalidCharacter { name: trimmed.to_owned(), character });
        }
        if let Ok(ip) = trimmed.parse::<IpAddr>() {
            return Ok(Query::Ip(ip.to_canonical()));
        }
        if let Some(address) = zoned_v6(trimmed) {
            return Err(InputError::ZoneId { address: address.to_owned() });
        }
        // An address followed by a prefix length or a path (`fd00:1::1/64`): checked before
        // `split_scheme`, which would read a letter-first IPv6 group (`fd00`) as a scheme.
        if let Some((before, _)) = trimmed.split_once('/')
            && let Ok(ip) = before.parse::<IpAddr>()
        {
            return Ok(Query::Ip(ip.to_canonical()));
        }
        match split_scheme(trimmed) {
            Some((scheme, rest)) => parse_with_scheme(trimmed, scheme, rest),
            None => parse_authority(trimmed, trimmed),
        }
    }

    /// Whether the query is an IP address.
    pub fn is_ip(&self) -> bool {
        matches!(self, Query::Ip(_))
    }

    /// The host name, if the query is one.
    pub fn domain(&self) -> Option<&DomainQuery> {
        match self {
            Query::Domain(domain) => Some(domain),
            Query::Ip(_) => None,
        }
    }

    /// The IP address, if the query is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Query::Ip(ip) => Some(*ip),
            Query::Domain(_) => None,
        }
    }
}

impl DomainQuery {
    /// Whether the host name is itself the registrable domain (not a subdomain of it).
    pub fn is_registrable(&self) -> bool {
        self.ascii == self.registrable
    }
}

/// The A-label host name, or the IP address.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::Domain(domain) => f.write_str(&domain.ascii),
            Query::Ip(ip) => ip.fmt(f),
        }
    }
}

/// Same as [`Query::parse`].
impl FromStr for Query {
    type Err = InputError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Query::parse(s)
    }
}

/// The `address%zone` part of `s` when `s` holds an IPv6 address with a zone id (RFC 6874),
/// bare (`fe80::1%eth0`, optionally followed by `/…`), bracketed (`[fe80::1%eth0]:80`) or
/// inside a URL (`http://[fe80::1%25eth0]/`).
fn zoned_v6(s: &str) -> Option<&str> {
    let candidate = match s.find('[') {
        Some(open) => {
            let inside = s.get(open + 1..)?;
            inside.get(..inside.find(']')?)?
        }
        None => s.split('/').next()?,
    };
    let (address, zone) = candidate.split_once('%')?;
    (!zone.is_empty() && address.parse::<Ipv6Addr>().is_ok()).then_some(candidate)
}

/// The query as it may be shown and stored: userinfo (`user:password@`) is dropped and a
/// query string or fragment is replaced by `REDACTED`, because both carry credentials
/// (`?token=…`, `#access_token=…`) that must not end up in records, logs or notices. The
/// scheme, host, port and path are kept as given.
///
/// ```
/// use whohosts::redact_query;
///
/// assert_eq!(
///     redact_query("https://user:secret@host.example/path?token=abc#frag"),
///     "https://host.example/path?REDACTED#REDACTED"
/// );
/// assert_eq!(redact_query("host.example/a/b"), "host.example/a/b");
/// assert_eq!(redact_query("git@host.example:8080/x?"), "host.example:8080/x?");
/// ```
///
/// [`ClientBuilder::keep_query_secrets`](crate::ClientBuilder::keep_query_secrets) keeps
/// the query exactly as given in the record instead.
pub fn redact_query(raw: &str) -> String {
    let trimmed = raw.trim();
    // The authority starts after `scheme://`, after a leading `//`, or at the start.
    let authority_start = match trimmed.find("//") {
        Some(i) if trimmed.get(..i).is_some_and(|before| !before.contains(['/', '?', '#'])) => {
            i + 2
        }
        _ => 0,
    };
    let (head, rest) = trimmed.split_at(authority_start);
    let authority_len = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_len);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let mut out = String::with_capacity(trimmed.len());
    out.push_str(head);
    out.push_str(host_port);
    let (before_fragment, fragment) = match after.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (after, None),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push_str(if query.is_empty() { "?" } else { "?REDACTED" });
        }
        None => out.push_str(before_fragment),
    }
    match fragment {
        Some("") => out.push('#'),
        Some(_) => out.push_str("#REDACTED"),
        None => {}
    }
    out
}

/// Splits `scheme:rest` when `s` starts with a syntactically valid URL scheme.
///
/// A colon right after the would-be scheme (`fe80::1`) means an IPv6-like string, not a
/// scheme.
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let valid = first_is_letter && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (valid && !rest.starts_with(':')).then_some((scheme, rest))
}

/// The WHATWG URL "special" schemes: the URL parser reads their authority as a host
/// (decoded, IDNA-mapped), even without `//` (`http:example.com`).
fn is_special_scheme(scheme: &str) -> bool {
    ["http", "https", "ws", "wss", "ftp", "file"].iter().any(|s| scheme.eq_ignore_ascii_case(s))
}

/// Whether `rest` (what follows `name:`) is a port, possibly followed by a path, query or
/// fragment, or is empty: then `name:rest` is a `host:port`, not a URL.
fn starts_with_port(rest: &str) -> bool {
    let port = rest.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    // `example.com:` (empty port, as URLs allow) but not `file:/etc` (a path).
    (rest.is_empty() || !port.is_empty()) && port.bytes().all(|b| b.is_ascii_digit())
}

/// `input` is `scheme:rest` with a syntactically valid scheme.
fn parse_with_scheme(input: &str, scheme: &str, rest: &str) -> Result<Query, InputError> {
    if rest.starts_with("//") {
        return parse_url(input, scheme, rest);
    }
    if starts_with_port(rest) {
        // `host:8080`, `localhost:80/x`.
        return parse_authority(input, input);
    }
    if scheme.contains('.') {
        // `example.com:abc`: a host name with something that is not a port.
        return Err(InputError::InvalidUrl { url: input.to_owned(), reason: BAD_PORT.to_owned() });
    }
    if is_special_scheme(scheme) {
        // `http:example.com`, `file:/etc/passwd`: the URL parser knows what these mean.
        return parse_url(input, scheme, rest);
    }
    // `mailto:x@y.z`, `urn:…`, `tel:…`: no authority, so no host.
    Err(InputError::UrlWithoutHost { url: input.to_owned() })
}

/// Parses a URL with the `url` crate and takes its host.
///
/// Non-special schemes (`ssh`, `git`, …) would get an opaque, undecoded host, so their
/// authority is parsed as if the scheme were `http`.
fn parse_url(input: &str, scheme: &str, rest: &str) -> Result<Query, InputError> {
    let parsed = if is_special_scheme(scheme) {
        Url::parse(input)
    } else {
        Url::parse(&format!("http:{rest}"))
    };
    let without_host = || InputError::UrlWithoutHost { url: input.to_owned() };
    match parsed {
        Ok(url) => match url.host() {
            None => Err(without_host()),
            Some(Host::Domain("")) => Err(without_host()),
            Some(Host::Domain(host)) => parse_name(host).map(|mut domain| {
                domain.path = Some(url.path().to_owned()).filter(|p| p.len() > 1);
                Query::Domain(domain)
            }),
            Some(Host::Ipv4(ip)) => Ok(Query::Ip(IpAddr::V4(ip))),
            Some(Host::Ipv6(ip)) => Ok(Query::Ip(IpAddr::V6(ip).to_canonical())),
        },
        Err(url::ParseError::EmptyHost) => Err(without_host()),
        Err(error @ (url::ParseError::IdnaError | url::ParseError::InvalidDomainCharacter)) => {
            // Say which character or label is wrong, from the host as written.
            let raw = rest.trim_start_matches(['/', '\\']);
            let raw = raw.split(['/', '?', '#', '\\']).next().unwrap_or_default();
            let raw = raw.rsplit_once('@').map_or(raw, |(_, host)| host);
            let raw = match raw.rsplit_once(':') {
                Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
                _ => raw,
            };
            match parse_name(raw) {
                Err(precise) => Err(precise),
                Ok(_) => {
                    Err(InputError::InvalidUrl { url: input.to_owned(), reason: error.to_string() })
                }
            }
        }
        Err(error) => {
            Err(InputError::InvalidUrl { url: input.to_owned(), reason: error.to_string() })
        }
    }
}

/// Parses a scheme-less authority (`//host/path`, `host/path`, `user@host:port`) of
/// `input`, taking the host by hand (no URL percent-decoding or numeric IPv4 forms).
fn parse_authority(input: &str, s: &str) -> Result<Query, InputError> {
    let s = s.strip_prefix("//").unwrap_or(s);
    let authority = s.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if host_port.is_empty() {
        return Err(InputError::UrlWithoutHost { url: input.to_owned() });
    }
    if let Some(inside) = host_port.strip_prefix('[') {
        return parse_bracketed(input, host_port, inside);
    }
    if let Ok(ip) = host_port.parse::<IpAddr>() {
        // `2001:db8::1/64` or `192.0.2.1/24` (the "path" was a prefix length).
        return Ok(Query::Ip(ip.to_canonical()));
    }
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) => {
            if host.contains(':') {
                return Err(InputError::InvalidCharacter {
                    name: host_port.to_owned(),
                    character: ':',
                });
            }
            check_port(input, port)?;
            host
        }
        None => host_port,
    };
    if host.is_empty() {
        return Err(InputError::UrlWithoutHost { url: input.to_owned() });
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Query::Ip(ip.to_canonical()));
    }
    let path = s.get(authority.len()..).unwrap_or_default();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    parse_name(host).map(|mut domain| {
        domain.path = Some(path.replace('\\', "/")).filter(|p| p.len() > 1);
        Query::Domain(domain)
    })
}

/// `[v6]` or `[v6]:port`; `inside` is what follows the `[`.
fn parse_bracketed(input: &str, host_port: &str, inside: &str) -> Result<Query, InputError> {
    let bracket = || InputError::InvalidCharacter { name: host_port.to_owned(), character: '[' };
    let (address, after) = inside.split_once(']').ok_or_else(bracket)?;
    let ip = address.parse::<Ipv6Addr>().map_err(|_| bracket())?;
    if !after.is_empty() {
        match after.strip_prefix(':') {
            Some(port) => check_port(input, port)?,
            None => {
                let character = after.chars().next().unwrap_or(']');
                return Err(InputError::InvalidCharacter { name: host_port.to_owned(), character });
            }
        }
    }
    Ok(Query::Ip(IpAddr::V6(ip).to_canonical()))
}

/// A port is empty (as URLs allow) or a decimal number up to 65535.
fn check_port(input: &str, port: &str) -> Result<(), InputError> {
    let valid = port.is_empty()
        || (port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok());
    if valid {
        Ok(())
    } else {
        Err(InputError::InvalidUrl { url: input.to_owned(), reason: BAD_PORT.to_owned() })
    }
}

/// Characters allowed in a host name as given, before IDNA mapping: ASCII letters, digits,
/// `-`, `_`, `.`, and any non-ASCII character that is neither a control nor white space
/// (IDNA decides about the rest).
fn allowed_before_idna(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    } else {
        !c.is_control() && !c.is_whitespace()
    }
}

/// Characters allowed in the A-label form.
fn allowed_after_idna(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
}

/// Normalises and checks a host name, and finds its registrable domain.
///
/// `name` is the host as given (errors quote it); it is not an IP address.
fn parse_name(name: &str) -> Result<DomainQuery, InputError> {
    let invalid = |character| InputError::InvalidCharacter { name: name.to_owned(), character };
    if let Some(character) = name.chars().find(|&c| !allowed_before_idna(c)) {
        return Err(invalid(character));
    }
    let uts46 = Uts46::new();
    let mapped = uts46
        .to_ascii(name.as_bytes(), AsciiDenyList::EMPTY, Hyphens::Allow, DnsLength::Ignore)
        .map_err(|_| InputError::InvalidIdna { name: name.to_owned() })?;
    // Compatibility characters can map to ASCII that no host name may hold (`！` → `!`).
    if let Some(character) = mapped.chars().find(|&c| !allowed_after_idna(c)) {
        return Err(invalid(character));
    }
    let ascii = mapped.strip_suffix('.').unwrap_or(&mapped);
    let empty_label = || InputError::EmptyLabel { name: name.to_owned() };
    if ascii.is_empty() || ascii.split('.').any(str::is_empty) {
        return Err(empty_label());
    }
    if ascii.len() > MAX_NAME_OCTETS {
        return Err(InputError::TooLong { length: ascii.len() });
    }
    if let Some(label) = ascii.split('.').find(|label| label.len() > MAX_LABEL_OCTETS) {
        return Err(InputError::LabelTooLong { label: label.to_owned(), length: label.len() });
    }
    let last = ascii.rsplit('.').next().unwrap_or(ascii);
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InputError::InvalidUrl {
            url: name.to_owned(),
            reason: "not an IPv4 address, and a host name cannot end in an all-numeric label"
                .to_owned(),
        });
    }
    if !ascii.contains('.') {
        return Err(InputError::SingleLabel { name: ascii.to_owned() });
    }
    let public_suffix = icann_suffix(ascii);
    let Some(above) = ascii.strip_suffix(public_suffix).and_then(|s| s.strip_suffix('.')) else {
        return Err(InputError::PublicSuffix { name: ascii.to_owned() });
    };
    let owner_label = above.rsplit('.').next().unwrap_or(above);
    let (unicode, _) = uts46.to_unicode(ascii.as_bytes(), AsciiDenyList::EMPTY, Hyphens::Allow);
    Ok(DomainQuery {
        ascii: ascii.to_owned(),
        unicode: unicode.into_owned(),
        registrable: format!("{owner_label}.{public_suffix}"),
        public_suffix: public_suffix.to_owned(),
        path: None,
    })
}

/// The ICANN public suffix of `name` (lower-case A-labels, no trailing dot, no empty
/// label): a private-section match is shortened one label at a time and looked up again
/// until the match is ICANN or the default `*` rule (the last label).
fn icann_suffix(name: &str) -> &str {
    let mut candidate = name;
    loop {
        let matched_len = psl::suffix(candidate.as_bytes()).map(|s| (s.as_bytes().len(), s.typ()));
        let last_label = || candidate.rsplit('.').next().unwrap_or(candidate);
        let Some((len, typ)) = matched_len else {
            return last_label();
        };
        let Some(suffix) = candidate.len().checked_sub(len).and_then(|at| candidate.get(at..))
        else {
            return last_label();
        };
        match typ {
            Some(psl::Type::Private) => match suffix.split_once('.') {
                Some((_, shorter)) => candidate = shorter,
                None => return suffix,
            },
            _ => return suffix,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const NUMERIC: &str = "not an IPv4 address, and a host name cannot end in an all-numeric label";

    fn domain(input: &str) -> DomainQuery {
        match Query::parse(input) {
            Ok(Query::Domain(d)) => d,
            other => panic!("{input:?}: expected a domain, got {other:?}"),
        }
    }

    #[test]
    fn accepts_names_and_urls() {
        // (input, ascii, unicode, registrable, public suffix)
        let cases: &[(&str, &str, &str, &str, &str)] = &[
            ("example.com", "example.com", "example.com", "example.com", "com"),
            ("  Www.Example.COM.  ", "www.example.com", "www.example.com", "example.com", "com"),
            ("\t example.com \n", "example.com", "example.com", "example.com", "com"),
            (
                "https://user:pw@Www.Example.com:8443/a?b#c",
                "www.example.com",
                "www.example.com",
                "example.com",
                "com",
            ),
            ("HTTPS://EXAMPLE.COM", "example.com", "example.com", "example.com", "com"),
            (
                "http://Www.Example.com./",
                "www.example.com",
                "www.example.com",
                "example.com",
                "com",
            ),
            ("http:example.com", "example.com", "example.com", "example.com", "com"),
            ("http://%65xample.com/", "example.com", "example.com", "example.com", "com"),
            (
                "ftp://files.example.org/pub",
                "files.example.org",
                "files.example.org",
                "example.org",
                "org",
            ),
            ("wss://a.example.com:443", "a.example.com", "a.example.com", "example.com", "com"),
            (
                "//host.example.net/path",
                "host.example.net",
                "host.example.net",
                "example.net",
                "net",
            ),
            (
                "host.example.net/path?q#f",
                "host.example.net",
                "host.example.net",
                "example.net",
                "net",
            ),
            ("example.com:8080", "example.com", "example.com", "example.com", "com"),
            ("example.com:8080/x", "example.com", "example.com", "example.com", "com"),
            ("example.com:", "example.com", "example.com", "example.com", "com"),
            ("user@mail.example.com", "mail.example.com", "mail.example.com", "example.com", "com"),
            ("//u:p@example.com:21/", "example.com", "example.com", "example.com", "com"),
            ("bücher.de", "xn--bcher-kva.de", "bücher.de", "xn--bcher-kva.de", "de"),
            ("BÜCHER.DE", "xn--bcher-kva.de", "bücher.de", "xn--bcher-kva.de", "de"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de", "bücher.de", "xn--bcher-kva.de", "de"),
            ("https://Bücher.de/x", "xn--bcher-kva.de", "bücher.de", "xn--bcher-kva.de", "de"),
            ("ssh://git@Bücher.de:22/x", "xn--bcher-kva.de", "bücher.de", "xn--bcher-kva.de", "de"),
            // テスト is not in the PSL: the default rule makes the last label the suffix.
            (
                "例え.テスト",
                "xn--r8jz45g.xn--zckzah",
                "例え.テスト",
                "xn--r8jz45g.xn--zckzah",
                "xn--zckzah",
            ),
            (
                "例え。テスト。",
                "xn--r8jz45g.xn--zckzah",
                "例え.テスト",
                "xn--r8jz45g.xn--zckzah",
                "xn--zckzah",
            ),
            ("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com", "example.com", "example.com", "com"),
            ("💩.la", "xn--ls8h.la", "💩.la", "xn--ls8h.la", "la"),
            (
                "_dmarc.example.com",
                "_dmarc.example.com",
                "_dmarc.example.com",
                "example.com",
                "com",
            ),
            ("-a-.example.com", "-a-.example.com", "-a-.example.com", "example.com", "com"),
            ("1.123.example.com", "1.123.example.com", "1.123.example.com", "example.com", "com"),
            ("123.com", "123.com", "123.com", "123.com", "com"),
            // Private-section suffixes are registrable domains in ICANN terms.
            ("foo.blogspot.com", "foo.blogspot.com", "foo.blogspot.com", "blogspot.com", "com"),
            ("blogspot.com", "blogspot.com", "blogspot.com", "blogspot.com", "com"),
            ("github.io", "github.io", "github.io", "github.io", "io"),
            ("user.github.io", "user.github.io", "user.github.io", "github.io", "io"),
            (
                "a.b.compute.amazonaws.com",
                "a.b.compute.amazonaws.com",
                "a.b.compute.amazonaws.com",
                "amazonaws.com",
                "com",
            ),
            (
                "a.b.c.example.co.uk",
                "a.b.c.example.co.uk",
                "a.b.c.example.co.uk",
                "example.co.uk",
                "co.uk",
            ),
            // `*.ck` with the exception `!www.ck`.
            ("www.ck", "www.ck", "www.ck", "www.ck", "ck"),
            ("a.www.ck", "a.www.ck", "a.www.ck", "www.ck", "ck"),
            ("example.test", "example.test", "example.test", "example.test", "test"),
            // `*.kawasaki.jp` with the exception `!city.kawasaki.jp`.
            (
                "a.b.kawasaki.jp",
                "a.b.kawasaki.jp",
                "a.b.kawasaki.jp",
                "a.b.kawasaki.jp",
                "b.kawasaki.jp",
            ),
            (
                "x.city.kawasaki.jp",
                "x.city.kawasaki.jp",
                "x.city.kawasaki.jp",
                "city.kawasaki.jp",
                "kawasaki.jp",
            ),
            ("git://github.com/x", "github.com", "github.com", "github.com", "com"),
            ("https://user:p@ss@example.com/", "example.com", "example.com", "example.com", "com"),
        ];
        for &(input, ascii, unicode, registrable, suffix) in cases {
            let d = domain(input);
            assert_eq!(d.ascii, ascii, "{input:?}");
            assert_eq!(d.unicode, unicode, "{input:?}");
            assert_eq!(d.registrable, registrable, "{input:?}");
            assert_eq!(d.public_suffix, suffix, "{input:?}");
            assert_eq!(d.is_registrable(), ascii == registrable, "{input:?}");
            assert_eq!(Query::parse(input).unwrap().to_string(), ascii, "{input:?}");
        }
    }

    #[test]
    fn length_limits_are_inclusive() {
        let label63 = "a".repeat(63);
        let name = format!("{label63}.com");
        assert_eq!(domain(&name).ascii, name);
        // 3 × 63 + 57 + 3 dots + ".com" = 253 octets.
        let name253 = format!("{l}.{l}.{l}.{}.com", "b".repeat(57), l = label63);
        assert_eq!(name253.len(), 253);
        assert_eq!(domain(&name253).ascii, name253);
        assert_eq!(domain(&format!("{name253}.")).ascii, name253);
    }

    #[test]
    fn accepts_ip_literals() {
        let v4 = |a, b, c, d| IpAddr::V4(Ipv4Addr::new(a, b, c, d));
        let doc = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        let cases: &[(&str, IpAddr)] = &[
            ("192.0.2.1", v4(192, 0, 2, 1)),
            ("  192.0.2.1\n", v4(192, 0, 2, 1)),
            ("192.0.2.1:80", v4(192, 0, 2, 1)),
            ("192.0.2.1/24", v4(192, 0, 2, 1)),
            ("http://192.0.2.1:8080/x", v4(192, 0, 2, 1)),
            ("//192.0.2.1/", v4(192, 0, 2, 1)),
            // WHATWG numeric host, as a browser resolves it.
            ("http://3232235777/", v4(192, 168, 1, 1)),
            ("http://0x7f.1/", v4(127, 0, 0, 1)),
            ("2001:db8::1", doc),
            ("2001:DB8::1", doc),
            ("2001:db8::1/64", doc),
            ("[2001:db8::1]", doc),
            ("[2001:db8::1]:443", doc),
            ("[2001:db8::1]:443/path", doc),
            ("http://[2001:db8::1]:80/", doc),
            ("::1", IpAddr::V6(Ipv6Addr::LOCALHOST)),
            ("::ffff:192.0.2.1", v4(192, 0, 2, 1)),
            ("[::ffff:192.0.2.1]", v4(192, 0, 2, 1)),
            ("http://[::ffff:192.0.2.1]/", v4(192, 0, 2, 1)),
        ];
        for &(input, ip) in cases {
            let query = Query::parse(input).unwrap();
            assert_eq!(query, Query::Ip(ip), "{input:?}");
            assert!(query.is_ip());
            assert_eq!(query.ip(), Some(ip));
            assert_eq!(query.domain(), None);
            assert_eq!(query.to_string(), ip.to_string());
        }
        assert_eq!(Query::parse("::ffff:192.0.2.1").unwrap().to_string(), "192.0.2.1");
        assert_eq!(Query::parse("2001:DB8::1").unwrap().to_string(), "2001:db8::1");
        let name = Query::parse("example.com").unwrap();
        assert!(!name.is_ip());
        assert_eq!(name.ip(), None);
        assert_eq!("example.com".parse::<Query>(), Ok(name));
    }

    #[test]
    fn rejects_with_exact_errors() {
        use InputError as E;
        let ch = |name: &str, character| E::InvalidCharacter { name: name.to_owned(), character };
        let empty_label = |name: &str| E::EmptyLabel { name: name.to_owned() };
        let idna = |name: &str| E::InvalidIdna { name: name.to_owned() };
        let no_host = |url: &str| E::UrlWithoutHost { url: url.to_owned() };
        let bad_url = |url: &str, reason: &str| E::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let suffix = |name: &str| E::PublicSuffix { name: name.to_owned() };
        let single = |name: &str| E::SingleLabel { name: name.to_owned() };
        let long_label = "a".repeat(64);
        let long_label_name = format!("{long_label}.com");
        let name254 = format!("{l}.{l}.{l}.{}.com", "b".repeat(58), l = "a".repeat(63));
        let ten_kb = "a".repeat(10_000);
        let long_unicode = format!("{}.de", "ü".repeat(2000));
        let cases: Vec<(&str, InputError)> = vec![
            ("", E::Empty),
            ("   ", E::Empty),
            ("\t\r\n \u{3000}", E::Empty),
            (&long_label_name, E::LabelTooLong { label: long_label.clone(), length: 64 }),
            (&name254, E::TooLong { length: 254 }),
            (&ten_kb, E::TooLong { length: 10_000 }),
            ("a..b.com", empty_label("a..b.com")),
            (".a.com", empty_label(".a.com")),
            ("example.com..", empty_label("example.com..")),
            ("..", empty_label("..")),
            (".", empty_label(".")),
            ("。", empty_label("。")),
            ("http://a..b/", empty_label("a..b")),
            ("exa mple.com", ch("exa mple.com", ' ')),
            ("exa!mple.com", ch("exa!mple.com", '!')),
            ("*.example.com", ch("*.example.com", '*')),
            ("http://a*b.com/", ch("a*b.com", '*')),
            ("http://exa!mple.com/", ch("exa!mple.com", '!')),
            ("exa%20mple.com", ch("exa%20mple.com", '%')),
            ("http://exa%20mple.com/", ch("exa%20mple.com", '%')),
            ("exa\u{0}mple.com", ch("exa\u{0}mple.com", '\u{0}')),
            (" exa\u{7}mple.com", ch("exa\u{7}mple.com", '\u{7}')),
            ("http://exa\tmple.com/", ch("http://exa\tmple.com/", '\t')),
            ("exa\u{3000}mple.com", ch("exa\u{3000}mple.com", '\u{3000}')),
            ("http://exa\u{3000}mple.com/", ch("exa\u{3000}mple.com", '\u{3000}')),
            // U+FF01 FULLWIDTH EXCLAMATION MARK maps to `!`.
            ("\u{ff01}a.com", ch("\u{ff01}a.com", '!')),
            (":::", ch(":::", ':')),
            ("2001:db8::zz", ch("2001:db8::zz", ':')),
            ("[", ch("[", '[')),
            ("[2001:db8::1", ch("[2001:db8::1", '[')),
            ("[zz]", ch("[zz]", '[')),
            ("[192.0.2.1]", ch("[192.0.2.1]", '[')),
            ("[2001:db8::1]x", ch("[2001:db8::1]x", 'x')),
            ("xn--zz.com", idna("xn--zz.com")),
            ("a.xn--", idna("a.xn--")),
            ("http://xn--zz.com/", idna("xn--zz.com")),
            (&long_unicode, idna(&long_unicode)),
            ("http://[zz]/", bad_url("http://[zz]/", "invalid IPv6 address")),
            ("http://a.com:99999", bad_url("http://a.com:99999", "invalid port number")),
            ("http://999.1.1.1/", bad_url("http://999.1.1.1/", "invalid IPv4 address")),
            ("example.com:99999", bad_url("example.com:99999", "invalid port number")),
            ("example.com:abc", bad_url("example.com:abc", "invalid port number")),
            ("//example.com:8x/", bad_url("//example.com:8x/", "invalid port number")),
            ("[::1]:65536", bad_url("[::1]:65536", "invalid port number")),
            ("999.1.1.1", bad_url("999.1.1.1", NUMERIC)),
            ("1.2.3", bad_url("1.2.3", NUMERIC)),
            ("192.0.2.1.", bad_url("192.0.2.1.", NUMERIC)),
            ("123", bad_url("123", NUMERIC)),
            ("0x7f.1", bad_url("0x7f.1", NUMERIC)),
            ("javascript:alert(1)", no_host("javascript:alert(1)")),
            ("b.kawasaki.jp", suffix("b.kawasaki.jp")),
            ("http://", no_host("http://")),
            ("mailto:x@y.z", no_host("mailto:x@y.z")),
            ("file:///etc/passwd", no_host("file:///etc/passwd")),
            ("file:/etc/passwd", no_host("file:/etc/passwd")),
            ("urn:isbn:0451450523", no_host("urn:isbn:0451450523")),
            ("//", no_host("//")),
            ("/path", no_host("/path")),
            ("@", no_host("@")),
            (":80", no_host(":80")),
            ("co.uk", suffix("co.uk")),
            ("CO.UK.", suffix("co.uk")),
            ("https://co.uk/", suffix("co.uk")),
            ("foo.ck", suffix("foo.ck")),
            ("localhost", single("localhost")),
            ("localhost:8080", single("localhost")),
            ("http://localhost/", single("localhost")),
            ("file://server/share", single("server")),
            ("com", single("com")),
            ("com.", single("com")),
            ("中国", single("xn--fiqs8s")),
        ];
        for (input, expected) in cases {
            assert_eq!(Query::parse(input), Err(expected), "{input:?}");
        }
    }

    /// A few thousand pseudo-random strings over an alphabet of troublemakers: parsing
    /// never panics, and every accepted name respects the DNS length limits.
    #[test]
    fn zone_ids_are_refused_by_name() {
        let zone = |address: &str| InputError::ZoneId { address: address.to_owned() };
        for (input, address) in [
            ("fe80::1%eth0", "fe80::1%eth0"),
            ("fe80::1%eth0/64", "fe80::1%eth0"),
            ("[fe80::1%eth0]", "fe80::1%eth0"),
            ("[fe80::1%eth0]:443", "fe80::1%eth0"),
            ("http://[fe80::1%25eth0]/", "fe80::1%25eth0"),
            ("2001:db8::1%1", "2001:db8::1%1"),
        ] {
            let err = Query::parse(input).unwrap_err();
            assert_eq!(err, zone(address), "{input}");
            assert_eq!(err.to_string(), format!("{address:?}: zone ids are not supported"));
        }
        // Not an address before the `%`: the old errors stay.
        assert!(!matches!(Query::parse("exa%20mple.com"), Err(InputError::ZoneId { .. })));
        assert!(!matches!(Query::parse("zz::1%eth0"), Err(InputError::ZoneId { .. })));
    }

    #[test]
    fn redaction_drops_userinfo_and_hides_query_and_fragment() {
        for (raw, shown) in [
            ("https://user:secret@host.example/?token=abc", "https://host.example/?REDACTED"),
            ("https://host.example/path?token=abc", "https://host.example/path?REDACTED"),
            ("https://host.example/p#access_token=x", "https://host.example/p#REDACTED"),
            ("https://host.example/p?", "https://host.example/p?"),
            ("//user@host.example:8443/a?b", "//host.example:8443/a?REDACTED"),
            ("user:pw@host.example", "host.example"),
            ("ssh://git@host.example/repo.git", "ssh://host.example/repo.git"),
            ("https://medium.com/@someone?utm=1", "https://medium.com/@someone?REDACTED"),
            ("host.example/a//b@c", "host.example/a//b@c"),
            ("  example.com  ", "example.com"),
            ("192.0.2.1", "192.0.2.1"),
            ("[2001:db8::1]:443/x", "[2001:db8::1]:443/x"),
            ("Bücher.de", "Bücher.de"),
        ] {
            assert_eq!(redact_query(raw), shown, "{raw}");
        }
    }

    #[test]
    fn url_paths_are_kept_for_platform_recognition() {
        let path = |input: &str| Query::parse(input).unwrap().domain().unwrap().path.clone();
        assert_eq!(path("https://t.me/somechannel?x=1#y").as_deref(), Some("/somechannel"));
        assert_eq!(path("t.me/somechannel/12").as_deref(), Some("/somechannel/12"));
        assert_eq!(path("//user.github.io/project/").as_deref(), Some("/project/"));
        assert_eq!(path("https://example.com/"), None);
        assert_eq!(path("https://example.com"), None);
        assert_eq!(path("example.com"), None);
        assert_eq!(path("example.com:8080?q"), None);
    }

    #[test]
    fn never_panics_on_random_input() {
        const ALPHABET: &[&str] = &[
            "a",
            "Z",
            "0",
            "9",
            "-",
            "_",
            ".",
            ":",
            "/",
            "//",
            "[",
            "]",
            "@",
            "%",
            "%41",
            "?",
            "#",
            "\\",
            " ",
            "\t",
            "\u{0}",
            "ü",
            "例",
            "。",
            "．",
            "💩",
            "\u{ad}",
            "\u{200d}",
            "xn--",
            "http://",
            "mailto:",
            "::",
            "ffff",
            "192.0.2.1",
            "255",
            "com",
            "co.uk",
            "github.io",
            "!",
            "*",
            "\u{ff01}",
            "\u{3000}",
            "\u{fffd}",
            "ß",
            "ς",
            "\u{202e}",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap()
        };
        let mut accepted = 0;
        for round in 0..5000 {
            let pieces = if round % 100 == 0 { 400 } else { next() % 24 };
            let input: String = (0..pieces).map(|_| ALPHABET[next() % ALPHABET.len()]).collect();
            if let Ok(Query::Domain(d)) = Query::parse(&input) {
                accepted += 1;
                assert!(d.ascii.len() <= MAX_NAME_OCTETS, "{input:?} → {d:?}");
                assert!(d.ascii.split('.').all(|l| !l.is_empty() && l.len() <= MAX_LABEL_OCTETS));
                assert!(d.ascii.ends_with(&d.registrable), "{input:?} → {d:?}");
                assert!(d.registrable.ends_with(&d.public_suffix), "{input:?} → {d:?}");
                // The name alone parses to the same name (the URL path, if any, is dropped).
                let name_only = DomainQuery { path: None, ..d };
                assert_eq!(
                    Query::parse(&name_only.ascii),
                    Ok(Query::Domain(name_only)),
                    "{input:?}"
                );
            }
        }
        assert!(accepted > 50, "only {accepted} accepted: the generator is too hostile");
    }
}

/// Property tests (issue #8, "never panic, never lose"): arbitrary and structured queries in,
/// a [`Query`] or a typed [`InputError`] out, and every accepted name within the DNS limits
/// and stable under re-parsing. Cases per property: `WHOHOSTS_PROPTEST_CASES` (default 256);
/// regression inputs live in `tests/corpus/input/` (see `tests/corpus.rs`).
#[cfg(test)]
mod prop_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::net::{Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;

    use super::*;

    /// The shared property-test configuration (fixed seed, 256 cases by default).
    fn config() -> ProptestConfig {
        crate::test_support::proptest_config()
    }

    /// Pieces that stress every branch of the parser.
    const PIECES: &[&str] = &[
        "a",
        "Z",
        "0",
        "9",
        "-",
        "_",
        ".",
        ":",
        "/",
        "//",
        "[",
        "]",
        "@",
        "%",
        "%41",
        "%2e",
        "?",
        "#",
        "\\",
        " ",
        "\t",
        "\u{0}",
        "ü",
        "例",
        "。",
        "．",
        "💩",
        "\u{ad}",
        "\u{200d}",
        "xn--",
        "http://",
        "https://",
        "ssh://",
        "mailto:",
        "file:",
        "::",
        "ffff",
        "192.0.2.1",
        "[2001:db8::1]",
        "255",
        "0x7f",
        "com",
        "co.uk",
        "github.io",
        "kawasaki.jp",
        "!",
        "*",
        "\u{ff01}",
        "\u{3000}",
        "\u{fffd}",
        "ß",
        "ς",
        "\u{202e}",
        "\u{feff}",
        "\u{e000}",
        ":65536",
        ":0",
        "user:pw@",
        "@@",
    ];

    /// A string made of [`PIECES`] and arbitrary characters.
    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(PIECES).prop_map(str::to_owned),
            1 => any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    /// One DNS label that is neither an A-label (`xn--`) nor all digits-or-hyphens at the
    /// start of a reserved form: letters, digits and inner hyphens.
    fn label() -> impl Strategy<Value = String> {
        "[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?"
            .prop_filter("no A-label prefix", |l| l.get(2..4) != Some("--"))
    }

    /// A host name: two to four labels under a TLD that needs no special PSL handling.
    fn host() -> impl Strategy<Value = String> {
        let tld = proptest::sample::select(&["com", "net", "org", "de", "co.uk", "io", "xyz"][..]);
        (proptest::collection::vec(label(), 2..5), tld)
            .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
    }

    /// `host` with the case of some letters flipped.
    fn mixed_case(host: &str, flips: &[bool]) -> String {
        host.chars()
            .zip(flips.iter().copied().chain(std::iter::repeat(false)))
            .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
            .collect()
    }

    /// Every invariant of an accepted query; `input` is for messages.
    fn check_accepted(input: &str, query: &Query) {
        assert_eq!(Query::parse(&query.to_string()).map(|q| q.to_string()), Ok(query.to_string()));
        match query {
            Query::Ip(ip) => {
                assert_eq!(ip.to_canonical(), *ip, "{input:?}: v4-mapped address kept");
                assert_eq!(Query::parse(&ip.to_string()), Ok(Query::Ip(*ip)), "{input:?}");
            }
            Query::Domain(d) => {
                assert!(d.ascii.len() <= MAX_NAME_OCTETS, "{input:?} → {d:?}");
                assert!(!d.ascii.ends_with('.'), "{input:?} → {d:?}");
                for label in d.ascii.split('.') {
                    assert!(!label.is_empty() && label.len() <= MAX_LABEL_OCTETS, "{d:?}");
                }
                assert!(d.ascii.chars().all(allowed_after_idna), "{input:?} → {d:?}");
                assert!(d.ascii.contains('.'), "{input:?} → {d:?}");
                // registrable = one label + "." + public suffix, and the name ends with it.
                let above = d.registrable.strip_suffix(&d.public_suffix).unwrap();
                let owner = above.strip_suffix('.').unwrap();
                assert!(!owner.is_empty() && !owner.contains('.'), "{input:?} → {d:?}");
                assert!(
                    d.ascii == d.registrable || d.ascii.ends_with(&format!(".{}", d.registrable)),
                    "{input:?} → {d:?}"
                );
                if let Some(path) = &d.path {
                    assert!(path.starts_with('/') && path.len() > 1, "{input:?} → {d:?}");
                    assert!(!path.contains(['?', '#', '\\']), "{input:?} → {d:?}");
                }
                assert_eq!(query.to_string(), d.ascii);
                // The name alone, in either form, parses to the same name without a path.
                let bare = Query::Domain(DomainQuery { path: None, ..d.clone() });
                assert_eq!(Query::parse(&d.ascii).as_ref(), Ok(&bare), "{input:?} (A-labels)");
                assert_eq!(Query::parse(&d.unicode).as_ref(), Ok(&bare), "{input:?} (Unicode)");
            }
        }
    }

    /// Parse and check; errors must render (their `Display` is what users see).
    fn parse_and_check(input: &str) -> Result<Query, InputError> {
        let result = Query::parse(input);
        match &result {
            Ok(query) => check_accepted(input, query),
            Err(error) => assert!(!error.to_string().is_empty()),
        }
        result
    }

    /// Found by `wrapped_ip_literals_are_extracted` (corpus:
    /// `tests/corpus/input/ipv6-letter-first-prefix-length.txt`): an IPv6 address whose first
    /// group starts with a letter, followed by a prefix length or path, is read as a URL of
    /// scheme `fd00` and refused as `UrlWithoutHost`, while `2001:db8::1/64` was accepted.
    /// Fixed: `Query::parse` takes the text before the first `/` when it is an address.
    #[test]
    fn ipv6_with_a_letter_first_and_a_prefix_length() {
        let ip: IpAddr = "fd00:1::1".parse().unwrap();
        assert_eq!(Query::parse("fd00:1::1/64"), Ok(Query::Ip(ip)));
        let ip: IpAddr = "a000:0:1::".parse().unwrap();
        assert_eq!(Query::parse("a000:0:1::/0"), Ok(Query::Ip(ip)));
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn arbitrary_strings_give_a_query_or_a_typed_error(input in any::<String>()) {
            parse_and_check(&input).ok();
        }

        #[test]
        fn hostile_strings_give_a_query_or_a_typed_error(input in hostile()) {
            parse_and_check(&input).ok();
        }

        /// Long inputs (many labels, long labels) stay within the limits or are refused.
        #[test]
        fn long_names_respect_the_dns_limits(
            labels in proptest::collection::vec("[a-zü例-]{1,70}", 1..60),
            dot in any::<bool>(),
        ) {
            let name = format!("{}{}", labels.join("."), if dot { "." } else { "" });
            if let Ok(Query::Domain(d)) = parse_and_check(&name) {
                prop_assert!(d.ascii.len() <= MAX_NAME_OCTETS);
            }
        }

        /// Host names in every accepted wrapping give exactly that host (lower case, no
        /// trailing dot) and the URL path.
        #[test]
        fn wrapped_host_names_are_extracted(
            host in host(),
            flips in proptest::collection::vec(any::<bool>(), 0..40),
            dot in any::<bool>(),
            form in 0..8usize,
            scheme in proptest::sample::select(
                &["http", "https", "HTTP", "ftp", "ws", "wss", "ssh", "git", "foo+bar"][..]
            ),
            userinfo in proptest::option::of("[a-z0-9]{1,8}(:[a-zA-Z0-9]{0,8})?"),
            port in proptest::option::of(any::<u16>()),
            path in proptest::option::of("/[a-zA-Z0-9_~/-]{0,20}"),
            query in proptest::option::of("[a-z0-9=&]{0,10}"),
            fragment in proptest::option::of("[a-z0-9]{0,10}"),
        ) {
            let written = format!("{}{}", mixed_case(&host, &flips), if dot { "." } else { "" });
            let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
            let port_part = port.map(|p| format!(":{p}")).unwrap_or_default();
            let path_part = path.clone().unwrap_or_default();
            let tail = format!(
                "{path_part}{}{}",
                query.map(|q| format!("?{q}")).unwrap_or_default(),
                fragment.map(|f| format!("#{f}")).unwrap_or_default()
            );
            // Forms without a path need one before `?` and `#` only for the URL forms.
            let (input, path_kept) = match form {
                0 => (written.clone(), false),
                1 => (format!("{written}{port_part}"), false),
                // Without `//`, `user:pw@host` is documented to read as a host-less URL of
                // scheme `user`; only a user name is a userinfo here.
                2 => {
                    let name = user.split_once(':').map_or(user.clone(), |(u, _)| format!("{u}@"));
                    (format!("{name}{written}"), false)
                }
                3 => (format!("{written}{port_part}/{}", path_part.trim_start_matches('/')), true),
                4 => (format!("//{user}{written}{port_part}{tail}"), true),
                5 => (format!("{written}{tail}"), true),
                _ => (format!("{scheme}://{user}{written}{port_part}{tail}"), true),
            };
            let query = parse_and_check(&input);
            let Ok(Query::Domain(d)) = query else {
                return Err(TestCaseError::fail(format!("{input:?} → {query:?}")));
            };
            prop_assert_eq!(&d.ascii, &host, "{:?}", input);
            let want_path = if path_kept {
                let p = match form {
                    3 => format!("/{}", path_part.trim_start_matches('/')),
                    _ => path_part,
                };
                Some(p).filter(|p| p.len() > 1)
            } else {
                None
            };
            prop_assert_eq!(d.path, want_path, "{:?}", input);
        }

        /// IP literals, bare or wrapped, give the address (v4-mapped IPv6 unmapped).
        #[test]
        fn wrapped_ip_literals_are_extracted(
            v4 in any::<u32>(),
            v6 in any::<u128>(),
            mapped in any::<bool>(),
            use_v6 in any::<bool>(),
            form in 0..6usize,
            port in any::<u16>(),
        ) {
            let ip = if use_v6 {
                if mapped {
                    IpAddr::V6(Ipv4Addr::from(v4).to_ipv6_mapped())
                } else {
                    IpAddr::V6(Ipv6Addr::from(v6))
                }
            } else {
                IpAddr::V4(Ipv4Addr::from(v4))
            };
            let host = match ip {
                IpAddr::V4(v4) => v4.to_string(),
                IpAddr::V6(v6) => format!("[{v6}]"),
            };
            let input = match form {
                0 => ip.to_string(),
                1 => format!("{host}:{port}"),
                2 => format!("{ip}/{}", port % 129),
                3 => format!("https://{host}:{port}/x?y#z"),
                4 => format!("//{host}/"),
                _ => format!("ssh://user@{host}:{port}/"),
            };
            prop_assert_eq!(parse_and_check(&input), Ok(Query::Ip(ip.to_canonical())), "{}", input);
        }

        /// Valid inputs with random edits (insertions from the hostile pieces, deletions,
        /// truncation, duplication) keep every invariant.
        #[test]
        fn mutated_inputs_keep_the_invariants(
            host in host(),
            edits in proptest::collection::vec(
                (0..4usize, any::<prop::sample::Index>(), proptest::sample::select(PIECES)),
                1..6,
            ),
        ) {
            let mut input = format!("https://user@{host}:8443/a/b?c#d");
            for (kind, at, piece) in edits {
                let boundaries: Vec<usize> =
                    input.char_indices().map(|(i, _)| i).chain([input.len()]).collect();
                let at = boundaries[at.index(boundaries.len())];
                match kind {
                    0 => input.insert_str(at, piece),
                    1 => input.truncate(at),
                    2 => {
                        let end = input[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                        input.replace_range(at..end, "");
                    }
                    _ => input = format!("{}{}", &input[..at], &input),
                }
            }
            parse_and_check(&input).ok();
        }
    }
}
