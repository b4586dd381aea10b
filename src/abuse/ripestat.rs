//! [`RipeStatSource`]: an address's abuse contact from the RIPEstat Data API
//! (`abuse-contact-finder`), asked through the crate's HTTP transport and read leniently.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::AbuseSource;
use crate::cache::MemoryResponseCache;
use crate::config::Config;
use crate::error::{ConfigError, Error, SourceError, SourceErrorKind};
use crate::fields::email_problem;
use crate::future::BoxFuture;
use crate::record::{Contact, ContactRole, Rir, Source, SourceKind};
use crate::stats::Telemetry;
use crate::transport::budget::LocalBudget;
use crate::transport::http::Http;

/// The data call's path below the base URL.
const CALL_PATH: &str = "data/abuse-contact-finder/data.json";

/// The name records and errors use for this source.
pub(crate) const NAME: &str = "ripestat";

/// Mailboxes taken from one answer at most.
const MAX_MAILBOXES: usize = 16;

/// What RIPEstat said about one address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RipeStatAnswer {
    /// The abuse contacts (valid mailboxes only), each with role `abuse` and a [`Source`] of
    /// kind [`SourceKind::Ripestat`].
    pub contacts: Vec<Contact>,
    /// The registry RIPEstat names as authoritative for the address (`data.authoritative_rir`:
    /// `ripe` → RIPE NCC, `arin` → ARIN, …), if it names one.
    pub authoritative_rir: Option<Rir>,
    /// The URL asked, without the `sourceapp` parameter.
    pub url: String,
}

/// The abuse contact of an address from the [RIPEstat Data API]'s `abuse-contact-finder`:
/// the abuse-c RIPE NCC knows for any resource, outside the RIPE Database's
/// personal-data quota.
///
/// It asks `GET <base>data/abuse-contact-finder/data.json?resource=<ip>&sourceapp=<app>`
/// through the client's HTTP transport, so its policy applies: HTTPS only and public
/// addresses only (unless [`Safety`](crate::Safety) loosens them), the response-size cap,
/// timeouts, retries, the response cache (one request per address while the answer is
/// kept) and the per-server [`RateBudget`](crate::RateBudget) — whose default table gives
/// `stat.ripe.net` RIPEstat's published rule, at most 8 requests in flight (see
/// [`Politeness`](crate::Politeness)). RIPEstat asks regular users to send a `sourceapp`
/// (letters, digits, `-`, `_`); the default is `whohosts`.
///
/// * `data.abuse_contacts` becomes one contact per valid mailbox (the field rules every
///   reader uses); anything else in the list is ignored with a `tracing` warning.
/// * `data.authoritative_rir` is kept in [`RipeStatAnswer::authoritative_rir`] and named in
///   each contact's [`Source::dataset`] (`abuse-contact-finder; authoritative RIR: RIPE
///   NCC`).
/// * An answer whose `status` is not `ok` (RIPEstat's error body, with its `messages`), a
///   body that is not JSON, or an HTTP failure: an error (it goes into the record's
///   `errors`; the lookup goes on).
///
/// ```
/// use std::net::IpAddr;
/// use whohosts::{Config, RipeStatSource};
///
/// let ripestat = RipeStatSource::new(&Config::default())?.sourceapp("my-team")?;
/// let ip: IpAddr = "193.0.6.139".parse().unwrap();
/// assert_eq!(
///     ripestat.query_url(ip).as_str(),
///     "https://stat.ripe.net/data/abuse-contact-finder/data.json?resource=193.0.6.139&sourceapp=my-team"
/// );
/// # Ok::<(), whohosts::Error>(())
/// ```
///
/// [RIPEstat Data API]: https://stat.ripe.net/docs/data_api
pub struct RipeStatSource {
    /// The data call's URL (base + path), without a query.
    call: Url,
    sourceapp: String,
    http: Arc<Http>,
}

impl fmt::Debug for RipeStatSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RipeStatSource")
            .field("call", &self.call.as_str())
            .field("sourceapp", &self.sourceapp)
            .finish_non_exhaustive()
    }
}

impl RipeStatSource {
    /// A source with a transport of its own built from `config` (its safety, timeouts,
    /// limits, politeness table and User-Agent), asking at
    /// [`config.quota_free.ripestat_url`](crate::QuotaFreeSources::ripestat_url) with its
    /// `ripestat_sourceapp`. A source built by a client
    /// ([`ClientBuilder::quota_free_sources`](crate::ClientBuilder::quota_free_sources))
    /// shares the client's transport, cache and budget instead.
    ///
    /// Errors: an unusable URL or `sourceapp`, or a transport that cannot be built.
    pub fn new(config: &Config) -> Result<Self, Error> {
        let resolver = crate::dns::build_resolver(config)?;
        let http = Http::new(
            config,
            resolver,
            Arc::new(MemoryResponseCache::new(&config.cache)),
            Arc::new(LocalBudget::new(&config.politeness)),
            Arc::new(Telemetry::default()),
        )?;
        let settings = &config.quota_free;
        Ok(Self::with_http(&settings.ripestat_url, &settings.ripestat_sourceapp, Arc::new(http))?)
    }

    /// A source asking at `base_url` with `sourceapp` through `http` (the client's).
    pub(crate) fn with_http(
        base_url: &str,
        sourceapp: &str,
        http: Arc<Http>,
    ) -> Result<Self, ConfigError> {
        Ok(Self { call: call_url(base_url)?, sourceapp: checked_sourceapp(sourceapp)?, http })
    }

    /// Name whohosts to RIPEstat as `sourceapp` (letters, digits, `-` and `_`). Default
    /// [`RIPESTAT_SOURCEAPP`](crate::config::RIPESTAT_SOURCEAPP).
    pub fn sourceapp(mut self, sourceapp: &str) -> Result<Self, ConfigError> {
        self.sourceapp = checked_sourceapp(sourceapp)?;
        Ok(self)
    }

    /// Ask RIPEstat at `base_url` (a mirror, or a test world; `/` is added when missing).
    /// Default [`RIPESTAT_URL`](crate::config::RIPESTAT_URL).
    pub fn base_url(mut self, base_url: &str) -> Result<Self, ConfigError> {
        self.call = call_url(base_url)?;
        Ok(self)
    }

    /// The URL asked for `ip`, `sourceapp` included.
    pub fn query_url(&self, ip: IpAddr) -> Url {
        let mut url = self.call.clone();
        url.query_pairs_mut()
            .append_pair("resource", &ip.to_string())
            .append_pair("sourceapp", &self.sourceapp);
        url
    }

    /// Ask RIPEstat about `ip`: its abuse contacts and the authoritative registry.
    pub async fn lookup(&self, ip: IpAddr) -> Result<RipeStatAnswer, SourceError> {
        let url = self.query_url(ip);
        let shown = shown_url(&self.call, ip);
        // An error answer (a 200 with `"status": "error"`) is not kept: the next ask retries.
        let fetched = self.http.get_checked(&url, |body| parse(body, &shown).is_ok()).await?;
        let mut answer = parse(&fetched.body, &shown)?;
        let at = crate::clock::now_timestamp();
        for contact in &mut answer.contacts {
            for source in &mut contact.sources {
                source.fetched_at = Some(at);
            }
        }
        Ok(answer)
    }
}

impl AbuseSource for RipeStatSource {
    fn name(&self) -> &str {
        NAME
    }

    fn abuse_contacts(&self, ip: IpAddr) -> BoxFuture<'_, Result<Vec<Contact>, SourceError>> {
        Box::pin(async move { self.lookup(ip).await.map(|answer| answer.contacts) })
    }
}

/// The data call's URL below `base`.
fn call_url(base: &str) -> Result<Url, ConfigError> {
    let bad =
        |reason: String| ConfigError::Http { reason: format!("ripestat_url {base:?}: {reason}") };
    let mut text = base.trim().to_owned();
    if !text.ends_with('/') {
        text.push('/');
    }
    let base = Url::parse(&text).map_err(|e| bad(e.to_string()))?;
    if !matches!(base.scheme(), "https" | "http") || base.cannot_be_a_base() {
        return Err(bad("not an http(s) base URL".to_owned()));
    }
    base.join(CALL_PATH).map_err(|e| bad(e.to_string()))
}

/// `sourceapp` if RIPEstat's rule allows it: letters, digits, `-` and `_`, 1 to 64 of them.
fn checked_sourceapp(sourceapp: &str) -> Result<String, ConfigError> {
    let ok = (1..=64).contains(&sourceapp.len())
        && sourceapp.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if ok {
        Ok(sourceapp.to_owned())
    } else {
        Err(ConfigError::Http {
            reason: format!(
                "ripestat_sourceapp {sourceapp:?}: RIPEstat allows letters, digits, - and _ only"
            ),
        })
    }
}

/// The URL a record names: the call for `ip`, without `sourceapp` (the caller's own name).
fn shown_url(call: &Url, ip: IpAddr) -> String {
    let mut url = call.clone();
    url.query_pairs_mut().append_pair("resource", &ip.to_string());
    url.into()
}

/// The parts of RIPEstat's answer read here; everything else is ignored.
#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Debug, Deserialize)]
struct Data {
    #[serde(default)]
    abuse_contacts: Option<Vec<Value>>,
    #[serde(default)]
    authoritative_rir: Option<Value>,
}

/// Read one `abuse-contact-finder` answer fetched from `url`.
pub(crate) fn parse(body: &[u8], url: &str) -> Result<RipeStatAnswer, SourceError> {
    let reply: Reply = serde_json::from_slice(body).map_err(|e| {
        SourceError::new(
            SourceErrorKind::Malformed,
            format!("RIPEstat answer is not its JSON: {e}"),
        )
    })?;
    let status = reply.status.as_deref().unwrap_or("");
    if status != "ok" {
        let said = messages(&reply.messages);
        let said = if said.is_empty() { String::new() } else { format!(": {said}") };
        return Err(SourceError::new(
            SourceErrorKind::Other,
            format!("RIPEstat answered status {status:?}{said}"),
        ));
    }
    let Some(data) = reply.data else {
        return Err(SourceError::new(SourceErrorKind::Malformed, "RIPEstat answer has no data"));
    };
    let authoritative_rir = data
        .authoritative_rir
        .as_ref()
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(rir_from_ripestat);
    let dataset = match &authoritative_rir {
        Some(rir) => format!("abuse-contact-finder; authoritative RIR: {rir}"),
        None => "abuse-contact-finder".to_owned(),
    };
    let mut contacts: Vec<Contact> = Vec::new();
    for (i, value) in data.abuse_contacts.unwrap_or_default().iter().enumerate() {
        let Some(text) = value.as_str().map(str::trim) else {
            tracing::warn!(%url, entry = %value, "ignoring a RIPEstat abuse contact that is not a string");
            continue;
        };
        if let Some(problem) = email_problem(text) {
            let shown: String = text.chars().take(80).collect();
            tracing::warn!(%url, contact = %shown, %problem, "ignoring a RIPEstat abuse contact that is not a mailbox");
            continue;
        }
        if contacts.iter().any(|c| c.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(text)))
        {
            continue;
        }
        if contacts.len() == MAX_MAILBOXES {
            tracing::warn!(%url, max = MAX_MAILBOXES, "ignoring RIPEstat mailboxes past the limit");
            break;
        }
        contacts.push(Contact {
            email: Some(text.to_owned()),
            role: Some(ContactRole::Abuse),
            source_url: Some(url.to_owned()),
            sources: vec![Source {
                kind: SourceKind::Ripestat,
                url: Some(url.to_owned()),
                dataset: Some(dataset.clone()),
                pointer: Some(format!("/data/abuse_contacts/{i}")),
                ..Source::default()
            }],
            ..Contact::default()
        });
    }
    Ok(RipeStatAnswer { contacts, authoritative_rir, url: url.to_owned() })
}

/// RIPEstat's registry names (`ripe`, `arin`, `apnic`, `lacnic`, `afrinic`) as [`Rir`]s;
/// any other name is kept as given.
fn rir_from_ripestat(name: &str) -> Rir {
    match name.to_ascii_lowercase().replace([' ', '-', '_'], "").as_str() {
        "ripe" | "ripencc" => Rir::RipeNcc,
        "arin" => Rir::Arin,
        "apnic" => Rir::Apnic,
        "lacnic" => Rir::Lacnic,
        "afrinic" => Rir::Afrinic,
        _ => Rir::Other(name.to_owned()),
    }
}

/// RIPEstat's `messages` (`[["error", "text"], …]`) as one line, at most 300 characters.
fn messages(messages: &[Value]) -> String {
    let texts: Vec<String> = messages
        .iter()
        .map(|m| match m {
            Value::Array(parts) => {
                parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(": ")
            }
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .filter(|t| !t.is_empty())
        .collect();
    texts
        .join("; ")
        .chars()
        .map(|c| if c.is_control() || crate::text::is_unsafe_char(c) { ' ' } else { c })
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const URL: &str =
        "https://stat.ripe.net/data/abuse-contact-finder/data.json?resource=193.0.6.139";

    /// The documented answer shape (RIPEstat, *Abuse Contact Finder*, version 2.1),
    /// synthesised: no recorded answer is at hand.
    const OK: &str = r#"{"messages":[],"see_also":[],"version":"2.1",
        "data_call_name":"abuse-contact-finder","data_call_status":"supported","cached":false,
        "data":{"abuse_contacts":["abuse@ripe.net"],"authoritative_rir":"ripe",
                "latest_time":"2026-12-05T00:00:00","earliest_time":"2026-12-05T00:00:00",
                "parameters":{"resource":"193.0.6.139","cache":null}},
        "query_id":"20261205000000-0","process_time":12,"server_id":"app111",
        "build_version":"live.2026.12.1.1","status":"ok","status_code":200,
        "time":"2026-12-05T00:00:00.000000"}"#;

    #[test]
    fn the_documented_answer_gives_its_mailbox_and_registry() {
        let answer = parse(OK.as_bytes(), URL).unwrap();
        assert_eq!(answer.authoritative_rir, Some(Rir::RipeNcc));
        let [contact] = answer.contacts.as_slice() else { panic!("{answer:?}") };
        assert_eq!(contact.email.as_deref(), Some("abuse@ripe.net"));
        assert_eq!(contact.role, Some(ContactRole::Abuse));
        let source = &contact.sources[0];
        assert_eq!(source.kind, SourceKind::Ripestat);
        assert_eq!(source.url.as_deref(), Some(URL));
        assert_eq!(
            source.dataset.as_deref(),
            Some("abuse-contact-finder; authoritative RIR: RIPE NCC")
        );
        assert_eq!(source.pointer.as_deref(), Some("/data/abuse_contacts/0"));
    }

    #[test]
    fn junk_contacts_are_ignored_and_no_contacts_is_empty() {
        let body = r#"{"status":"ok","data":{"abuse_contacts":
            ["abuse@example.net", 7, "not a mailbox", "ABUSE@example.net", "noc@example.org"],
            "authoritative_rir":"arin"}}"#;
        let answer = parse(body.as_bytes(), URL).unwrap();
        let emails: Vec<_> = answer.contacts.iter().filter_map(|c| c.email.as_deref()).collect();
        assert_eq!(emails, ["abuse@example.net", "noc@example.org"]);
        assert_eq!(
            answer.contacts[1].sources[0].pointer.as_deref(),
            Some("/data/abuse_contacts/4")
        );
        assert_eq!(answer.authoritative_rir, Some(Rir::Arin));

        let none = r#"{"status":"ok","data":{"abuse_contacts":[],"authoritative_rir":null}}"#;
        let answer = parse(none.as_bytes(), URL).unwrap();
        assert!(answer.contacts.is_empty());
        assert_eq!(answer.authoritative_rir, None);
    }

    #[test]
    fn an_error_status_is_an_error_with_its_messages() {
        let body = r#"{"messages":[["error","Invalid resource: not-an-ip"]],"data":{},
            "status":"error","status_code":400}"#;
        let e = parse(body.as_bytes(), URL).unwrap_err();
        assert_eq!(e.kind(), SourceErrorKind::Other);
        assert_eq!(
            e.message(),
            "RIPEstat answered status \"error\": error: Invalid resource: not-an-ip"
        );
        let e = parse(b"<html>busy</html>", URL).unwrap_err();
        assert_eq!(e.kind(), SourceErrorKind::Malformed);
        let e = parse(br#"{"status":"ok"}"#, URL).unwrap_err();
        assert_eq!(e.kind(), SourceErrorKind::Malformed);
    }

    #[test]
    fn registry_names_map_to_rirs() {
        assert_eq!(rir_from_ripestat("ripe"), Rir::RipeNcc);
        assert_eq!(rir_from_ripestat("RIPE NCC"), Rir::RipeNcc);
        assert_eq!(rir_from_ripestat("lacnic"), Rir::Lacnic);
        assert_eq!(rir_from_ripestat("iana"), Rir::Other("iana".to_owned()));
    }

    #[test]
    fn urls_and_sourceapp_rules() {
        let call = call_url("http://127.0.0.1:8080/ripestat").unwrap();
        assert_eq!(
            call.as_str(),
            "http://127.0.0.1:8080/ripestat/data/abuse-contact-finder/data.json"
        );
        let ip: IpAddr = "2001:67c:2e8::2".parse().unwrap();
        assert_eq!(
            shown_url(&call, ip),
            "http://127.0.0.1:8080/ripestat/data/abuse-contact-finder/data.json?resource=2001%3A67c%3A2e8%3A%3A2"
        );
        assert!(call_url("ftp://stat.ripe.net/").is_err());
        assert!(call_url("not a url").is_err());
        assert_eq!(checked_sourceapp("whohosts_ci-1").unwrap(), "whohosts_ci-1");
        assert!(checked_sourceapp("who hosts").is_err());
        assert!(checked_sourceapp("").is_err());
        assert_eq!(crate::config::RIPESTAT_URL, "https://stat.ripe.net/");
        assert_eq!(crate::config::RIPESTAT_SOURCEAPP, "whohosts");
    }
}
