//! Fetching RDAP objects: bootstrap lookup → query URL → HTTP (via `http.rs`) → JSON.
//!
//! Owns URL construction (RFC 9082 paths) and JSON decoding; the HTTP policy lives in
//! `http.rs` and reading facts out of answers in `extract.rs`.

use std::net::IpAddr;

use serde_json::Value;
use url::Url;

use crate::error::{SourceError, SourceErrorKind};
use crate::rdap::bootstrap::Bootstrap;
#[cfg(feature = "rdap")]
use crate::transport::http::Http;

/// A decoded RDAP answer and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// The URL that answered, after redirects.
    pub(crate) url: Url,
    /// The decoded JSON.
    pub(crate) json: Value,
}

/// Where to ask about an object: the bootstrap entry that matched, its base URL and the
/// full query URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The bootstrap entry that matched (a TLD, a CIDR, an ASN range).
    pub(crate) entry: String,
    /// The service's base URL.
    pub(crate) base: Url,
    /// The RFC 9082 query URL.
    pub(crate) url: Url,
}

/// The RDAP query URL for a domain (RFC 9082 §3.1.3), from the bootstrap.
pub(crate) fn domain_target(
    bootstrap: &Bootstrap,
    domain: &str,
    allow_http: bool,
) -> Result<Target, SourceError> {
    let service = bootstrap.for_domain(domain).ok_or_else(|| {
        SourceError::new(
            SourceErrorKind::NoSource,
            format!(
                "the RDAP bootstrap names no service for .{}",
                domain.rsplit('.').next().unwrap_or(domain)
            ),
        )
    })?;
    target(service.entry.clone(), service.base_url(allow_http), &format!("domain/{domain}"))
}

/// The RDAP query URL for an IP address (RFC 9082 §3.1.1), from the bootstrap.
pub(crate) fn ip_target(
    bootstrap: &Bootstrap,
    ip: IpAddr,
    allow_http: bool,
) -> Result<Target, SourceError> {
    let service = bootstrap.for_ip(ip).ok_or_else(|| {
        SourceError::new(
            SourceErrorKind::NoSource,
            "the RDAP bootstrap names no service for this address",
        )
    })?;
    target(service.entry.clone(), service.base_url(allow_http), &format!("ip/{ip}"))
}

/// The RDAP query URL for a domain at a known base URL (e.g. from the override list).
pub(crate) fn target_at(entry: String, base: Url, domain: &str) -> Result<Target, SourceError> {
    target(entry, Some(&base), &format!("domain/{domain}"))
}

fn target(entry: String, base: Option<&Url>, path: &str) -> Result<Target, SourceError> {
    let base = base.cloned().ok_or_else(|| {
        SourceError::new(
            SourceErrorKind::Blocked,
            format!(
                "the RDAP service for {entry} offers only plain-HTTP URLs (allow_http loosens this)"
            ),
        )
    })?;
    let url = base.join(path).map_err(|e| {
        SourceError::new(
            SourceErrorKind::Other,
            format!("cannot build an RDAP URL from {base}: {e}"),
        )
    })?;
    Ok(Target { entry, base, url })
}

/// GET `url` and decode it as JSON.
#[cfg(feature = "rdap")]
pub(crate) async fn get_json(http: &Http, url: &Url) -> Result<Answer, SourceError> {
    let fetched = http.get_rdap(url).await?;
    let json: Value = serde_json::from_slice(&fetched.body).map_err(|e| {
        // The step's target is `url`: name the answering URL only when a redirect moved it.
        let message = if fetched.url == *url {
            format!("the answer is not valid JSON: {e}")
        } else {
            format!("the answer from {} (redirected) is not valid JSON: {e}", fetched.url)
        };
        SourceError::new(SourceErrorKind::Malformed, message)
    })?;
    Ok(Answer { url: fetched.url, json })
}
