//! Query parsing: a domain, host name, URL or IP literal → a normalised [`Query`].
//! (stub: being written)

use std::net::IpAddr;

use crate::error::InputError;

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
}

impl Query {
    /// Parse a query string.
    pub fn parse(input: &str) -> Result<Query, InputError> {
        let _ = input;
        Err(InputError::Empty)
    }
}
