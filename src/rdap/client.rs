//! [`RdapClient`]: where to ask about an object (bootstrap, shipped overrides, configured
//! rewrites) and asking it (through the client's HTTP policy), answering decoded JSON.
//!
//! It owns the RDAP side of every request a stage makes; what an answer *means* is read by
//! `extract.rs`, and the HTTP policy (cache, budget, retries, guard) lives in
//! `transport/http.rs`.

use std::net::IpAddr;
use std::sync::Arc;

use url::Url;

use super::bootstrap::Bootstrap;
use super::fetch::{self, Answer, Target};
use super::overrides;
use crate::config::Config;
use crate::error::{SourceError, SourceErrorKind};
use crate::transport::http::Http;

/// The RDAP client every stage of one [`Client`](crate::Client) shares.
#[derive(Debug)]
pub(crate) struct RdapClient {
    http: Arc<Http>,
    bootstrap: Bootstrap,
    /// `(from, to)` URL prefix rewrites applied to every URL asked.
    rewrites: Vec<(String, String)>,
    allow_http: bool,
    /// The shipped ccTLD override list applies only with the embedded bootstrap: a
    /// configured bootstrap directory is taken as the whole truth.
    use_overrides: bool,
    max_entity_depth: usize,
}

impl RdapClient {
    /// The client for `config`, asking through `http` with `bootstrap`.
    pub(crate) fn new(config: &Config, http: Arc<Http>, bootstrap: Bootstrap) -> Self {
        Self {
            http,
            bootstrap,
            rewrites: config.rdap_rewrites.clone(),
            allow_http: config.safety.allow_http,
            use_overrides: config.bootstrap_dir.is_none(),
            max_entity_depth: config.limits.max_entity_depth,
        }
    }

    /// How deep entity nesting is read in answers.
    pub(crate) fn max_entity_depth(&self) -> usize {
        self.max_entity_depth
    }

    /// Where to ask about `ip` (RFC 9082 §3.1.1), from the bootstrap.
    pub(crate) fn ip_target(&self, ip: IpAddr) -> Result<Target, SourceError> {
        if !cfg!(feature = "rdap") {
            return Err(not_built());
        }
        fetch::ip_target(&self.bootstrap, ip, self.allow_http)
    }

    /// Where to ask about the registrable domain `domain` under `public_suffix`: the
    /// bootstrap, else the shipped override list (with the embedded bootstrap only).
    pub(crate) fn domain_target(
        &self,
        domain: &str,
        public_suffix: &str,
    ) -> Result<Target, SourceError> {
        if !cfg!(feature = "rdap") {
            return Err(not_built());
        }
        match fetch::domain_target(&self.bootstrap, domain, self.allow_http) {
            Err(e) if e.kind() == SourceErrorKind::NoSource && self.use_overrides => {
                let Some((base, source)) = overrides::rdap_override(domain) else {
                    return Err(e);
                };
                tracing::debug!(%domain, %base, source, "RDAP override");
                fetch::target_at(public_suffix.to_owned(), base, domain)
            }
            other => other,
        }
    }

    /// The URL actually asked for `url`: after the configured rewrites (a mirror, a test
    /// world), as the politeness table sees it.
    pub(crate) fn asked_url(&self, url: &Url) -> Url {
        rewrite(url, &self.rewrites).unwrap_or_else(|| url.clone())
    }

    /// GET an RDAP URL (a target, a link, a referral; after the configured rewrites) and
    /// decode it.
    pub(crate) async fn get(&self, url: &Url) -> Result<Answer, SourceError> {
        let rewritten = rewrite(url, &self.rewrites);
        #[cfg(feature = "rdap")]
        return fetch::get_json(&self.http, rewritten.as_ref().unwrap_or(url)).await;
        #[cfg(not(feature = "rdap"))]
        {
            let _ = (&self.http, rewritten);
            Err(not_built())
        }
    }
}

/// Why a build without the `rdap` feature asks no RDAP server: every target and request is
/// this `no_source` error, so the stages go to WHOIS and say why in the record's `errors`.
fn not_built() -> SourceError {
    SourceError::new(SourceErrorKind::NoSource, "RDAP is not built in (cargo feature `rdap`)")
}

/// `url` with the first matching `(from, to)` prefix replaced, if any matches.
fn rewrite(url: &Url, rewrites: &[(String, String)]) -> Option<Url> {
    let text = url.as_str();
    rewrites.iter().find_map(|(from, to)| {
        let rest = text.strip_prefix(from.as_str())?;
        Url::parse(&format!("{to}{rest}")).ok()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_first_matching_rewrite_wins() {
        let rewrites = vec![
            ("https://rdap.arin.net/registry/".to_owned(), "http://127.0.0.1:9/arin/".to_owned()),
            ("https://rdap.arin.net/".to_owned(), "http://127.0.0.1:9/other/".to_owned()),
        ];
        let url = Url::parse("https://rdap.arin.net/registry/ip/8.8.8.8").unwrap();
        assert_eq!(
            rewrite(&url, &rewrites).unwrap().as_str(),
            "http://127.0.0.1:9/arin/ip/8.8.8.8"
        );
        let other = Url::parse("https://rdap.apnic.net/ip/1.1.1.1").unwrap();
        assert!(rewrite(&other, &rewrites).is_none());
    }
}
