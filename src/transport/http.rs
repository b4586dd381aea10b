//! The one place HTTP requests are made: the response cache and in-flight coalescing (one
//! request per URL), per-server politeness (concurrency, token bucket, `Retry-After` pausing
//! the whole server, circuit breaker), HTTPS-only and address checks on every hop, bounded
//! redirects, response-size cap, per-request timeout, and retries (429 — or 403/422 with
//! rate-limit headers or text — with `Retry-After`, 5xx and transport errors with jittered
//! exponential backoff).
//!
//! Callers get a [`Fetched`] body or a [`SourceError`]; they never see reqwest.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hickory_resolver::TokioResolver;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ETAG, HeaderName, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
    RETRY_AFTER,
};
use url::Url;

use super::budget::{AttemptOutcome, RateBudget};
use super::cost::personal_objects;
use super::guard;
use crate::cache::{CachedResponse, Coalescer, ResponseCache, count};
use crate::clock::now;
use crate::config::Counting;
use crate::config::{Config, Timeouts};
use crate::deadline;
use crate::error::{
    ConfigError, SourceError, SourceErrorKind, describe_address_lookup, plain_duration,
};
use crate::stats::{CacheKind, Telemetry};

#[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
/// The `Accept` header RDAP servers expect (RFC 7480 §4.2), with JSON as a fallback for
/// servers that refuse the RDAP media type (rdap.nic.fr did in 2022).
const RDAP_ACCEPT: &str = "application/rdap+json, application/json;q=0.9";

/// The default User-Agent: crate name, version and where to read about it.
pub(crate) const DEFAULT_USER_AGENT: &str =
    concat!("whohosts/", env!("CARGO_PKG_VERSION"), " (+https://crates.io/crates/whohosts)");

#[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
/// A successful HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    /// The URL that answered, after redirects.
    pub(crate) url: Url,
    /// The body, at most `max_response_bytes` long.
    pub(crate) body: Bytes,
}

/// A data file's answer to a (conditional) GET: see [`Http::get_file`].
#[derive(Debug, Clone)]
pub(crate) enum FileAnswer {
    /// 200: the body, and the validators the server sent with it.
    Body {
        /// The body, at most the `max_bytes` asked for.
        body: Bytes,
        /// The `ETag` header, as sent.
        etag: Option<String>,
        /// The `Last-Modified` header, as sent.
        last_modified: Option<String>,
    },
    /// 304: the file has not changed since the validators sent.
    NotModified,
}

/// The validators of a stored copy, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Validators<'a> {
    /// The stored `ETag`.
    pub(crate) etag: Option<&'a str>,
    /// The stored `Last-Modified`.
    pub(crate) last_modified: Option<&'a str>,
}

/// What one request asks beyond its URL.
#[derive(Debug)]
struct Ask<'a> {
    accept: &'a str,
    headers: Vec<(HeaderName, &'a str)>,
    /// A 304 answers the request (it is conditional).
    conditional: bool,
    max_bytes: usize,
    /// The setting `max_bytes` comes from, named when a body is larger.
    bound: &'static str,
}

#[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
/// The final answer of [`Http::follow`]: a body with its headers, or a 304.
#[derive(Debug)]
struct Answer {
    url: Url,
    body: Bytes,
    headers: reqwest::header::HeaderMap,
    not_modified: bool,
}

/// The HTTP policy and connection pool shared by every lookup of a client, with the
/// response cache, in-flight coalescing and per-server politeness in front of it.
#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    config: Config,
    #[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
    /// RDAP responses by URL.
    responses: Arc<dyn ResponseCache>,
    /// Per-server permits, pauses and breakers.
    budget: Arc<dyn RateBudget>,
    /// The client's counters.
    telemetry: Arc<Telemetry>,
    #[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
    /// Requests in flight by URL: identical concurrent requests are sent once.
    inflight: Coalescer<String, Result<Fetched, SourceError>>,
}

impl Http {
    /// Build the client. `resolver` resolves host names for connections, and its answers are
    /// filtered by the address policy, so a connection only ever goes to a checked address.
    pub(crate) fn new(
        config: &Config,
        resolver: TokioResolver,
        responses: Arc<dyn ResponseCache>,
        budget: Arc<dyn RateBudget>,
        telemetry: Arc<Telemetry>,
    ) -> Result<Self, ConfigError> {
        let agent = config.user_agent.clone().unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned());
        let client = reqwest::Client::builder()
            .user_agent(agent)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeouts.http_request)
            .connect_timeout(config.timeouts.http_connect)
            .dns_resolver(Arc::new(GuardedResolver { resolver, safety: config.safety.clone() }))
            .tcp_nodelay(true)
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| ConfigError::Http { reason: e.to_string() })?;
        Ok(Self {
            client,
            config: config.clone(),
            responses,
            budget,
            telemetry,
            inflight: Coalescer::default(),
        })
    }

    #[cfg(feature = "rdap")]
    /// GET an RDAP URL under the full policy. 404 is `NotFound`; other failures are typed.
    ///
    /// Asked once per URL: a cached answer (200, or 404 for the negative TTL) is returned
    /// without a request, and concurrent calls for the same URL share one request.
    pub(crate) async fn get_rdap(&self, url: &Url) -> Result<Fetched, SourceError> {
        self.get_checked(url, |_| true).await
    }

    #[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
    /// [`get_rdap`](Self::get_rdap) for an API that answers its errors with a 200 (RIPEstat's
    /// `"status": "error"`): a 200 whose body `usable` refuses is returned but not cached,
    /// so the next ask tries again.
    pub(crate) async fn get_checked(
        &self,
        url: &Url,
        usable: impl Fn(&[u8]) -> bool,
    ) -> Result<Fetched, SourceError> {
        let key = url.as_str().to_owned();
        let (result, got) = self
            .inflight
            .get_or_fetch(
                &key,
                || async { self.responses.get(&key).await.and_then(into_result) },
                Some,
                || async {
                    // Another process may be fetching it: its answer, once it is there.
                    // Waiting for it does not count against the lookup's deadline.
                    let elsewhere = deadline::waiting(self.responses.claim(&key)).await;
                    if let Some(answer) = elsewhere.and_then(into_result) {
                        self.telemetry.count_hit(CacheKind::Response);
                        return answer;
                    }
                    self.telemetry.count_miss();
                    self.fetch(url).await
                },
                |result| async {
                    if result.as_ref().map_or(true, |fetched| usable(&fetched.body)) {
                        self.remember(&key, &result).await;
                    }
                    self.responses.release(&key).await;
                    Some(result)
                },
            )
            .await;
        count(&self.telemetry, CacheKind::Response, got);
        result
    }

    #[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
    /// Keep a 200 for the TTL and a 404 for the negative TTL; nothing else is kept (nor a
    /// body that is not UTF-8: no RDAP answer is).
    async fn remember(&self, key: &str, result: &Result<Fetched, SourceError>) {
        let settings = &self.config.cache;
        let (response, ttl) = match result {
            Ok(fetched) => match std::str::from_utf8(&fetched.body) {
                Ok(body) => (
                    CachedResponse::Found {
                        url: fetched.url.as_str().to_owned(),
                        body: body.to_owned(),
                    },
                    settings.ttl,
                ),
                Err(_) => return,
            },
            Err(e) if e.kind() == SourceErrorKind::NotFound => (
                CachedResponse::NotFound { message: e.message().to_owned() },
                settings.negative_ttl,
            ),
            Err(_) => return,
        };
        if !ttl.is_zero() {
            self.responses.put(key, response, ttl).await;
        }
    }

    #[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
    /// One request with redirects and retries, each attempt admitted by the server's budget.
    /// Messages name only what the step's target (`url`) does not: the URL a redirect led to,
    /// when the failure happened there.
    async fn fetch(&self, url: &Url) -> Result<Fetched, SourceError> {
        let ask = Ask {
            accept: RDAP_ACCEPT,
            headers: Vec::new(),
            conditional: false,
            max_bytes: self.config.limits.max_response_bytes,
            bound: "max_response_bytes",
        };
        let answer = self.fetch_with(url, &ask).await?;
        // A server that counts personal data sets is charged the rest of what the answer
        // held (its request took one token).
        let (server, policy) = self.config.politeness.server_key(&answer.url);
        if policy.counts == Counting::PersonalObjects {
            let units = personal_objects(&answer.body);
            self.budget.charge(&server, policy, units.saturating_sub(1)).await;
        }
        Ok(Fetched { url: answer.url, body: answer.body })
    }

    /// GET a data file (a bootstrap registry, a range list, a database) under the same
    /// policy as RDAP — address checks, politeness, redirects, timeouts, retries — with a
    /// body bound of its own (`max_bytes`) and, when `validators` hold any, as a conditional
    /// request: a 304 is [`FileAnswer::NotModified`]. Neither cached nor coalesced.
    pub(crate) async fn get_file(
        &self,
        url: &Url,
        validators: Validators<'_>,
        max_bytes: usize,
    ) -> Result<FileAnswer, SourceError> {
        let mut headers = Vec::new();
        if let Some(etag) = validators.etag {
            headers.push((IF_NONE_MATCH, etag));
        }
        if let Some(date) = validators.last_modified {
            headers.push((IF_MODIFIED_SINCE, date));
        }
        let conditional = !headers.is_empty();
        let ask =
            Ask { accept: "*/*", headers, conditional, max_bytes, bound: "the data file bound" };
        let answer = self.fetch_with(url, &ask).await?;
        if answer.not_modified {
            return Ok(FileAnswer::NotModified);
        }
        let header = |name: HeaderName| {
            answer.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        Ok(FileAnswer::Body {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
            body: answer.body,
        })
    }

    /// One request as `ask` says, in its span; errors name a URL a redirect led to.
    async fn fetch_with(&self, url: &Url, ask: &Ask<'_>) -> Result<Answer, SourceError> {
        let mut current = url.clone();
        // One span per request (redirects included), inside its lookup's span.
        let span = tracing::debug_span!("request", url = %url);
        let result = tracing::Instrument::instrument(self.follow(&mut current, ask), span).await;
        result.map_err(|e| redirected(url, &current, e))
    }

    /// [`fetch`](Self::fetch) from `current`, which is left at the URL asked last.
    async fn follow(&self, current: &mut Url, ask: &Ask<'_>) -> Result<Answer, SourceError> {
        let limits = &self.config.limits;
        let telemetry = &self.telemetry;
        let budget = &self.budget;
        let max_pause = self.config.timeouts.max_retry_after;
        let mut seen = HashSet::new();
        let mut redirects = 0usize;
        let mut attempt = 0u32;
        loop {
            guard::check_url(current, &self.config.safety)?;
            let (server, policy) = self.config.politeness.server_key(current);
            // Waiting for the server's turn does not count against the lookup's deadline.
            let waiting = telemetry.waiting_on(&server);
            let permit = deadline::waiting(budget.acquire(&server, policy, max_pause))
                .await
                .inspect_err(|_| telemetry.count_circuit_open())?;
            drop(waiting);
            telemetry.count_request(&server);
            let mut request = self.client.get(current.clone()).header(ACCEPT, ask.accept);
            for (name, value) in &ask.headers {
                request = request.header(name, *value);
            }
            let response = request.send().await;
            let response = match response {
                Ok(r) => r,
                Err(e) => {
                    let err = classify_transport(&e, &self.config.timeouts);
                    let blocked = err.kind() == SourceErrorKind::Blocked;
                    let outcome =
                        if blocked { AttemptOutcome::Neutral } else { AttemptOutcome::Failed };
                    budget.report(&server, outcome, now());
                    if !blocked && attempt < limits.max_retries {
                        attempt += 1;
                        drop(permit);
                        self.pause(self.backoff(attempt)).await;
                        continue;
                    }
                    return Err(err);
                }
            };
            let status = response.status();
            if status == StatusCode::NOT_MODIFIED && ask.conditional {
                budget.report(&server, AttemptOutcome::Answered, now());
                return Ok(Answer {
                    url: current.clone(),
                    body: Bytes::new(),
                    headers: response.headers().clone(),
                    not_modified: true,
                });
            }
            if status.is_redirection() {
                budget.report(&server, AttemptOutcome::Answered, now());
                let next = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|loc| current.join(loc).ok());
                let Some(next) = next else {
                    return Err(SourceError::new(
                        SourceErrorKind::Malformed,
                        format!("the server answered {status} without a usable Location"),
                    ));
                };
                redirects += 1;
                let message = if redirects > limits.max_redirects {
                    Some(format!("more than {} redirects (max_redirects)", limits.max_redirects))
                } else if !seen.insert(next.clone()) {
                    Some("a redirect loop: it leads back to a URL already asked".to_owned())
                } else {
                    None
                };
                if let Some(message) = message {
                    return Err(SourceError::new(SourceErrorKind::Redirect, message));
                }
                tracing::debug!(from = %current, to = %next, "following redirect");
                *current = next;
                continue;
            }
            let wait_hint = retry_after(response.headers());
            // `None` when the answer is a rate limit: 429, or 403/422 with rate-limit
            // headers or text (its body is read to look, so it is used up either way).
            let response = if status == StatusCode::TOO_MANY_REQUESTS {
                None
            } else if is_rate_limit_status(status) {
                if !looks_rate_limited(response.headers()) && !says_rate_limited(response).await {
                    budget.report(&server, AttemptOutcome::Answered, now());
                    return Err(SourceError::new(
                        SourceErrorKind::HttpStatus(status.as_u16()),
                        format!("the server answered {status}"),
                    ));
                }
                None
            } else {
                Some(response)
            };
            let Some(response) = response else {
                telemetry.count_rate_limited();
                let wait = wait_hint.unwrap_or_else(|| self.backoff(attempt + 1));
                // The whole server pauses, for every request of this client.
                budget.report(&server, AttemptOutcome::RateLimited(wait), now());
                if attempt < limits.max_retries && wait <= max_pause {
                    attempt += 1;
                    telemetry.count_retry();
                    tracing::debug!(url = %current, ?wait, "rate limited; server paused");
                    continue;
                }
                return Err(SourceError::new(
                    SourceErrorKind::RateLimited,
                    format!(
                        "the server answered {status}: rate limited, asked to wait {}",
                        plain_duration(wait)
                    ),
                )
                .with_http_status(status.as_u16()));
            };
            if status.is_server_error() {
                budget.report(&server, AttemptOutcome::Failed, now());
                if attempt < limits.max_retries {
                    attempt += 1;
                    drop(permit);
                    self.pause(self.backoff(attempt)).await;
                    continue;
                }
                return Err(SourceError::new(
                    SourceErrorKind::HttpStatus(status.as_u16()),
                    format!("the server answered {status}"),
                ));
            }
            budget.report(&server, AttemptOutcome::Answered, now());
            if status == StatusCode::NOT_FOUND {
                return Err(SourceError::new(
                    SourceErrorKind::NotFound,
                    format!("the server answered {status}: no such object"),
                )
                .with_http_status(404));
            }
            if !status.is_success() {
                return Err(SourceError::new(
                    SourceErrorKind::HttpStatus(status.as_u16()),
                    format!("the server answered {status}"),
                ));
            }
            let headers = response.headers().clone();
            let body = self.read_body(response, ask.max_bytes, ask.bound).await?;
            return Ok(Answer { url: current.clone(), body, headers, not_modified: false });
        }
    }

    /// Read a body, refusing more than the configured number of bytes.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        max: usize,
        bound: &str,
    ) -> Result<Bytes, SourceError> {
        let too_large = || {
            SourceError::new(
                SourceErrorKind::TooLarge,
                format!("the answer is larger than {max} bytes ({bound})"),
            )
        };
        if response.content_length().is_some_and(|len| len > max as u64) {
            return Err(too_large());
        }
        // One allocation when the server states the length (it was checked above).
        let expected = response.content_length().map_or(0, |len| len as usize);
        let mut body = BytesMut::with_capacity(expected.min(max));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > max {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body.freeze()),
                Err(e) => return Err(classify_transport(&e, &self.config.timeouts)),
            }
        }
    }

    /// Exponential backoff for retry `attempt` (1-based), with ±25 % jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.config.timeouts.retry_backoff;
        let factor = 1u32 << attempt.saturating_sub(1).min(10);
        let nominal = base.saturating_mul(factor);
        jitter(nominal)
    }

    async fn pause(&self, wait: Duration) {
        self.telemetry.count_retry();
        tokio::time::sleep(wait).await;
    }
}

#[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
/// What a cached response says to a caller of [`Http::get_rdap`]; `None` (a miss) for an
/// entry that cannot be used (a URL that no longer parses, from a corrupt shared store).
fn into_result(cached: CachedResponse) -> Option<Result<Fetched, SourceError>> {
    match cached {
        CachedResponse::Found { url, body } => {
            Url::parse(&url).ok().map(|url| Ok(Fetched { url, body: Bytes::from(body) }))
        }
        CachedResponse::NotFound { message } => {
            Some(Err(SourceError::new(SourceErrorKind::NotFound, message)))
        }
    }
}

/// 403 and 422 sometimes carry a rate limit (issue: some registries answer that way).
fn is_rate_limit_status(status: StatusCode) -> bool {
    status == StatusCode::FORBIDDEN || status == StatusCode::UNPROCESSABLE_ENTITY
}

/// Phrases (lower case) that mark a 403/422 body as a rate limit: LACNIC's notice "Rate
/// Limit is maxed at 10 queries per 1 minutes.", RIPE's "access control limit reached" and
/// "temporarily denied", and the usual wordings.
const RATE_LIMIT_PHRASES: &[&str] = &[
    "rate limit",
    "rate-limit",
    "ratelimit",
    "too many requests",
    "too many queries",
    "limit exceeded",
    "limit reached",
    "exceeded the limit",
    "query limit",
    "quota",
    "throttl",
    "temporarily denied",
    "slow down",
];

/// How much of a 403/422 body is read to look for rate-limit text.
const RATE_LIMIT_SNIFF_BYTES: usize = 8 * 1024;

/// Whether the first bytes of a 403/422 body talk about a rate limit (some servers send no
/// header to say so).
async fn says_rate_limited(mut response: reqwest::Response) -> bool {
    let mut head = Vec::new();
    while head.len() < RATE_LIMIT_SNIFF_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = RATE_LIMIT_SNIFF_BYTES - head.len();
                head.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            }
            Ok(None) | Err(_) => break,
        }
    }
    is_rate_limit_text(&head)
}

/// True when `body` contains a rate-limit phrase (ASCII case-insensitive).
fn is_rate_limit_text(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    RATE_LIMIT_PHRASES.iter().any(|phrase| text.contains(phrase))
}

fn looks_rate_limited(headers: &reqwest::header::HeaderMap) -> bool {
    headers.contains_key(RETRY_AFTER)
        || headers
            .keys()
            .any(|k| k.as_str().starts_with("x-ratelimit") || k.as_str() == "ratelimit")
}

/// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, jiff::Timestamp::now())
}

pub(crate) fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
    let span = when.duration_since(now);
    Some(Duration::try_from(span).unwrap_or(Duration::ZERO))
}

fn jitter(nominal: Duration) -> Duration {
    // A cheap per-call pseudo-random factor in [0.75, 1.25); no need for a crypto RNG here.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(nominal.as_nanos());
    let unit = (h.finish() % 1000) as f64 / 1000.0;
    nominal.mul_f64(0.75 + unit * 0.5)
}

/// `e` after redirects led from the step's target `url` to `current`: the message says where.
fn redirected(url: &Url, current: &Url, e: SourceError) -> SourceError {
    if url == current {
        return e;
    }
    let moved = SourceError::new(e.kind(), format!("at {current} (redirected): {}", e.message()));
    match e.http_status() {
        Some(status) => moved.with_http_status(status),
        None => moved,
    }
}

/// A reqwest failure as a typed error whose message is the cause in plain words: reqwest's
/// own top-level text (`error sending request for url (…)`) is left out, since the step's
/// target already names the URL.
fn classify_transport(e: &reqwest::Error, timeouts: &Timeouts) -> SourceError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.downcast_ref::<BlockedAddresses>().is_some() {
            return SourceError::new(SourceErrorKind::Blocked, err.to_string());
        }
        if err.downcast_ref::<ResolveFailed>().is_some() {
            return SourceError::new(SourceErrorKind::Transport, err.to_string());
        }
        source = err.source();
    }
    if e.is_timeout() {
        let message = if e.is_connect() {
            format!("no connection within {} (http_connect)", plain_duration(timeouts.http_connect))
        } else {
            format!("no answer within {} (http_request)", plain_duration(timeouts.http_request))
        };
        return SourceError::new(SourceErrorKind::Timeout, message);
    }
    let what = if e.is_connect() { "cannot connect" } else { "the request failed" };
    match root_cause(e) {
        Some(cause) => SourceError::new(SourceErrorKind::Transport, format!("{what}: {cause}")),
        None => SourceError::new(SourceErrorKind::Transport, what),
    }
}

/// The innermost error below `e` (the most specific: `Connection refused (os error 111)`,
/// `connection closed before message completed`), or `None` when `e` has no source.
fn root_cause(e: &dyn std::error::Error) -> Option<String> {
    let mut source = e.source()?;
    while let Some(next) = source.source() {
        source = next;
    }
    Some(source.to_string())
}

/// A host name the client's resolver could not resolve, in plain words.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {cause}")]
struct ResolveFailed {
    host: String,
    cause: String,
}

/// All addresses of a host were refused by the address policy.
#[derive(Debug, thiserror::Error)]
#[error("every address of {host} is non-public ({hint})")]
struct BlockedAddresses {
    host: String,
    /// What would loosen the policy: `allow_private` only when it is not already set.
    hint: &'static str,
}

/// reqwest's resolver: the client's DNS resolver, with non-public answers dropped unless
/// allowed. Connections therefore only go to addresses that passed the check (no DNS
/// rebinding between check and connect).
struct GuardedResolver {
    resolver: TokioResolver,
    safety: crate::config::Safety,
}

impl std::fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedResolver").field("safety", &self.safety).finish()
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.resolver.clone();
        let safety = self.safety.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let lookup =
                resolver.lookup_ip(format!("{}.", host.trim_end_matches('.'))).await.map_err(
                    |e| ResolveFailed { host: host.clone(), cause: describe_address_lookup(&e) },
                )?;
            let addrs: Vec<SocketAddr> = lookup
                .iter()
                .filter(|ip| guard::is_allowed(*ip, &safety))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if addrs.is_empty() {
                return Err(Box::new(BlockedAddresses {
                    host,
                    hint: if safety.allow_private {
                        "none is in the allowed networks, allow_nets"
                    } else {
                        "allow_private loosens this"
                    },
                }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now: jiff::Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 26 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date in the past means "now".
        assert_eq!(parse_retry_after("Thu, 26 Nov 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn rate_limit_text_in_a_body() {
        // LACNIC's notice (secynic/ipwhois#99) and RIPE's whois wording.
        assert!(is_rate_limit_text(
            br#"{"notices":[{"title":"Rate Limit Notice","description":["Rate Limit is maxed at 10 queries per 1 minutes."]}]}"#
        ));
        assert!(is_rate_limit_text(b"%ERROR:201: access denied - access control limit reached"));
        assert!(is_rate_limit_text(b"Access from your host has been temporarily denied."));
        // A plain 403 is not a rate limit.
        assert!(!is_rate_limit_text(br#"{"errorCode":403,"title":"Forbidden"}"#));
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        for _ in 0..100 {
            let d = jitter(Duration::from_millis(400));
            assert!(d >= Duration::from_millis(300) && d < Duration::from_millis(500), "{d:?}");
        }
    }

    /// A failure at the URL asked is told without it (the step's target names it); one at a
    /// URL a redirect led to says where, and keeps its HTTP status.
    #[test]
    fn redirected_names_only_a_url_the_target_does_not() {
        let url = Url::parse("https://rdap.arin.net/registry/ip/8.8.8.8").unwrap();
        let failed = SourceError::new(
            SourceErrorKind::HttpStatus(503),
            "the server answered 503 Service Unavailable",
        );
        assert_eq!(redirected(&url, &url, failed.clone()), failed);
        let moved = Url::parse("https://rdap.example.net/ip/8.8.8.8").unwrap();
        let gone = SourceError::new(SourceErrorKind::NotFound, "the server answered 404 Not Found")
            .with_http_status(404);
        let told = redirected(&url, &moved, gone);
        assert_eq!(
            told.message(),
            "at https://rdap.example.net/ip/8.8.8.8 (redirected): the server answered 404 Not Found"
        );
        assert_eq!((told.kind(), told.http_status()), (SourceErrorKind::NotFound, Some(404)));
    }

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Wrapper(#[source] std::io::Error);

    #[test]
    fn root_cause_is_the_innermost_error() {
        let refused = Wrapper(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        ));
        assert_eq!(root_cause(&refused).as_deref(), Some("Connection refused (os error 111)"));
        assert_eq!(root_cause(&std::io::Error::other("alone")), None);
    }

    /// reqwest's own text (`error sending request for url (…)`) and the URL are left out; the
    /// cause is said once.
    #[tokio::test]
    async fn a_refused_connection_in_plain_words() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://{addr}/ip/192.0.2.1");
        let error = reqwest::Client::new().get(&url).send().await.unwrap_err();
        assert!(error.to_string().contains("error sending request for url"), "{error}");
        let told = classify_transport(&error, &Timeouts::default());
        assert_eq!(told.kind(), SourceErrorKind::Transport);
        assert!(told.message().starts_with("cannot connect: "), "{}", told.message());
        assert!(!told.message().contains(&addr.to_string()), "{}", told.message());
        assert!(!told.message().contains("error sending request"), "{}", told.message());
    }
}
