//! The WHOIS client (feature `whois`): one lookup's exchanges, referrals, turns from the
//! budget and cached answers; the facts of the answers as record parts.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;

use super::net;
use super::parse::{self, DomainFacts, Located, NetworkFacts, Referral};
use super::servers::{self, Overrides, QueryKind, Server};
use super::{WhoisDomain, WhoisNetwork};
use crate::cache::{CachedResponse, ResponseCache};
use crate::clock::now;
use crate::config::{Config, Politeness, Safety, WhoisConfig};
use crate::deadline;
use crate::error::{SourceError, SourceErrorKind};
use crate::record::{Contact, ContactRole, Outcome, OutcomeStatus, Registrar, Source, SourceKind};
use crate::stats::Telemetry;
use crate::transport::budget::{AttemptOutcome, Permit, RateBudget};

/// A WHOIS client: the settings, overrides, resolver and per-server budget shared by every
/// lookup of a client.
#[derive(Debug, Clone)]
pub(crate) struct Whois {
    /// Counts the queries sent.
    telemetry: Arc<Telemetry>,
    config: WhoisConfig,
    overrides: Overrides,
    safety: Safety,
    resolver: TokioResolver,
    /// The client's per-server budget (the one RDAP requests go through too).
    budget: Arc<dyn RateBudget>,
    /// The policies: `whois_rules`, `whois_default`, `whois_refusal_pause`.
    politeness: Politeness,
    /// The longest wait for a server's turn (`Timeouts::max_retry_after`).
    max_pause: Duration,
    /// Where answers are kept (the client's response cache).
    responses: Arc<dyn ResponseCache>,
    /// How long an answer with facts is kept (`CacheSettings::ttl`).
    answer_ttl: Duration,
    /// How long an answer saying the object does not exist is kept
    /// (`CacheSettings::negative_ttl`).
    negative_ttl: Duration,
}

impl Whois {
    /// A client from `config.whois`, `config.safety` and `config.politeness`, resolving host
    /// names with `resolver`, taking turns from `budget` and keeping answers in `responses`
    /// for `config.cache`'s TTLs (all three the client's).
    pub(crate) fn new(
        config: &Config,
        resolver: TokioResolver,
        budget: Arc<dyn RateBudget>,
        responses: Arc<dyn ResponseCache>,
        telemetry: Arc<Telemetry>,
    ) -> Self {
        Self {
            telemetry,
            overrides: Overrides::new(&config.whois.servers),
            config: config.whois.clone(),
            safety: config.safety.clone(),
            resolver,
            budget,
            politeness: config.politeness.clone(),
            max_pause: config.timeouts.max_retry_after,
            responses,
            answer_ttl: config.cache.ttl,
            negative_ttl: config.cache.negative_ttl,
        }
    }

    /// False when WHOIS is switched off (`WhoisConfig::enabled`).
    pub(crate) fn is_enabled(&self) -> bool {
        self.config.enabled
    }

    /// The registration of `domain` (the registrable domain, lower-case A-labels).
    ///
    /// Errors (`SourceError`): `NoSource` when WHOIS is disabled or IANA names no server for
    /// the TLD; `RateLimited`, `NotFound`, `Other` (server down) when the registry answers so;
    /// `Timeout`, `Transport`, `TooLarge`, `Blocked` from the exchange. A failing registrar
    /// referral is not an error of the lookup: it is in [`WhoisDomain::errors`].
    pub(crate) async fn lookup_domain(&self, domain: &str) -> Result<WhoisDomain, SourceError> {
        self.check_enabled()?;
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let mut chain = Vec::new();
        let mut referrals = 0usize;
        let registry = match servers::domain_server(&domain, &self.overrides) {
            Some(server) => server,
            None => {
                referrals += 1;
                self.registry_from_iana(&domain, &mut chain).await?
            }
        };
        let (text, turn) = self.ask(&registry, &domain, QueryKind::Domain, &mut chain).await?;
        let registry_facts = turn
            .settle(parse_domain_off_worker(text, &domain).await)
            .await
            .map_err(|e| at_server(&registry, e))?;
        let mut out = WhoisDomain {
            registrar: None,
            registry_server: registry.to_string(),
            registrar_server: None,
            chain: Vec::new(),
            errors: Vec::new(),
            dropped: Vec::new(),
        };
        let mut answers = vec![(registry.clone(), registry_facts.clone())];
        let referral = registry_facts
            .referral
            .as_ref()
            .and_then(|r| Server::parse(&r.value))
            .filter(|s| *s != registry);
        if let Some(registrar) = referral {
            if referrals >= self.config.max_referrals {
                out.errors.push((
                    registrar.to_string(),
                    SourceError::new(
                        SourceErrorKind::Other,
                        format!(
                            "referral to {registrar} not followed: limit of {} referrals reached",
                            self.config.max_referrals
                        ),
                    ),
                ));
            } else {
                out.registrar_server = Some(registrar.to_string());
                match self.ask(&registrar, &domain, QueryKind::Domain, &mut chain).await {
                    Ok((text, turn)) => {
                        match turn.settle(parse_domain_off_worker(text, &domain).await).await {
                            Ok(facts) => answers.push((registrar, facts)),
                            Err(e) => {
                                out.errors.push((registrar.to_string(), at_server(&registrar, e)))
                            }
                        }
                    }
                    Err(e) => out.errors.push((registrar.to_string(), e)),
                }
            }
        }
        out.registrar = registrar_from(&answers);
        out.dropped = answers
            .iter()
            .flat_map(|(server, facts)| {
                // The leniencies the reading used go with them (issue #20), as RDAP's do.
                let lenient = facts.leniency.iter().map(|l| (l, "leniency: "));
                facts.dropped.iter().map(|d| (d, "")).chain(lenient).map(move |(d, kind)| {
                    (server.to_string(), format!("line {}: {kind}{}", d.line, d.value))
                })
            })
            .collect();
        out.chain = chain;
        Ok(out)
    }

    /// The network holding `ip` and its abuse contacts. `rir_hint` names where to start: a
    /// registry (`ARIN`, `RIPE NCC`, `APNIC`, `LACNIC`, `AFRINIC`, `registro.br`, as in
    /// `Network::rir`) or a server (`whois.afrinic.net`, an RDAP answer's `port43`); without
    /// one, IANA's IPv4 table, else whois.iana.org.
    ///
    /// Errors as for [`lookup_domain`](Self::lookup_domain); a failing `whois://` referral
    /// fails the lookup (the referring answer describes the block's registry, not the
    /// network).
    pub(crate) async fn lookup_ip(
        &self,
        ip: IpAddr,
        rir_hint: Option<&str>,
    ) -> Result<WhoisNetwork, SourceError> {
        self.check_enabled()?;
        let mut server =
            rir_hint.and_then(servers::registry_server).unwrap_or_else(|| servers::ip_server(ip));
        let mut chain = Vec::new();
        let mut visited: HashSet<Server> = HashSet::new();
        let object = ip.to_string();
        loop {
            visited.insert(server.clone());
            let (text, turn) = self.ask(&server, &object, QueryKind::Ip, &mut chain).await?;
            let facts = turn
                .settle(off_worker(text, parse::parse_network).await)
                .await
                .map_err(|e| at_server(&server, e))?;
            let next = match &facts.referral {
                Some(Referral::Whois(to)) => Server::parse(&to.value),
                _ => None,
            };
            match next {
                Some(next) if !visited.contains(&next) => {
                    if visited.len() > self.config.max_referrals {
                        return Err(SourceError::new(
                            SourceErrorKind::Other,
                            format!(
                                "{server} referred to {next}: limit of {} referrals reached",
                                self.config.max_referrals
                            ),
                        ));
                    }
                    server = next;
                }
                _ => {
                    // An answer about another network is not about `ip` (issue #14).
                    parse::check_network(&facts, ip).map_err(|e| at_server(&server, e))?;
                    return Ok(network_from(&server, facts, chain));
                }
            }
        }
    }

    fn check_enabled(&self) -> Result<(), SourceError> {
        if self.config.enabled {
            Ok(())
        } else {
            Err(SourceError::new(SourceErrorKind::NoSource, "WHOIS is disabled"))
        }
    }

    /// Ask IANA for the TLD of `domain` and return the server its `refer:` names.
    async fn registry_from_iana(
        &self,
        domain: &str,
        chain: &mut Vec<String>,
    ) -> Result<Server, SourceError> {
        let iana = Server::new(servers::IANA);
        let tld = domain.rsplit('.').next().unwrap_or(domain);
        let (text, turn) = self.ask(&iana, tld, QueryKind::Tld, chain).await?;
        let facts = turn
            .settle(parse::parse_domain(&text, Some(tld)))
            .await
            .map_err(|e| at_server(&iana, e))?;
        facts.refer.and_then(|r| Server::parse(&r.value)).ok_or_else(|| {
            SourceError::new(
                SourceErrorKind::NoSource,
                format!("{iana} names no WHOIS server for .{tld}"),
            )
        })
    }

    /// One exchange with `server` (through its override) in its turn under the budget,
    /// decoded; recorded in `chain` when sent. The caller parses the text and hands the
    /// result to [`Turn::settle`], which reports a refusal before the next query to the
    /// server goes out.
    ///
    /// Errors: a turn not given (`circuit_open`, or `rate_limited` while the server is paused
    /// longer than `max_retry_after`; "(not asked)"), and the exchange's errors.
    async fn ask(
        &self,
        server: &Server,
        object: &str,
        kind: QueryKind,
        chain: &mut Vec<String>,
    ) -> Result<(String, Turn<'_>), SourceError> {
        // One span per WHOIS query, inside its lookup's span.
        let span = tracing::debug_span!("whois", server = %server, object);
        tracing::Instrument::instrument(self.ask_in_span(server, object, kind, chain), span).await
    }

    /// [`ask`](Self::ask), inside its span.
    async fn ask_in_span(
        &self,
        server: &Server,
        object: &str,
        kind: QueryKind,
        chain: &mut Vec<String>,
    ) -> Result<(String, Turn<'_>), SourceError> {
        if let Some((key, value)) = self.overrides.invalid().first() {
            chain.push(server.to_string());
            return Err(SourceError::new(
                SourceErrorKind::Other,
                format!("invalid WHOIS server override {key}={value:?}: expected host[:port]"),
            ));
        }
        let line = servers::query_line(server, object, kind);
        // Keyed by the real server and the exact query (not the override's address).
        let cache_key = format!("whois://{server}/{line}");
        // The server's own key (not its override's address): its policy and breaker are the
        // real server's, and never an RDAP service's.
        let (key, policy) = self.politeness.whois_key(&server.host, server.port);
        if let Some(CachedResponse::Found { body, .. }) = self.responses.get(&cache_key).await {
            tracing::debug!(%server, query = %line, "whois answer from the cache");
            chain.push(server.to_string());
            let turn = Turn {
                budget: self.budget.as_ref(),
                key,
                refusal_pause: self.politeness.whois_refusal_pause,
                permit: None,
                keep: None,
            };
            return Ok((body, turn));
        }
        // Waiting for the server's turn does not count against the lookup's deadline.
        let permit = deadline::waiting(self.budget.acquire(&key, policy, self.max_pause))
            .await
            .map_err(|e| at_server(server, e))?;
        let mut turn = Turn {
            budget: self.budget.as_ref(),
            key,
            refusal_pause: self.politeness.whois_refusal_pause,
            permit: Some(permit),
            keep: None,
        };
        chain.push(server.to_string());
        let target = self.overrides.connect_to(server);
        let limits = net::Limits {
            connect_timeout: self.config.connect_timeout,
            read_timeout: self.config.read_timeout,
            max_bytes: self.config.max_response_bytes,
        };
        tracing::debug!(%server, %target, query = %line, "whois query");
        self.telemetry.count_whois_query(&turn.key);
        let bytes = net::exchange(&self.resolver, &self.safety, server, target, &line, limits)
            .await
            .map_err(|e| turn.failed(e))?;
        let text = parse::decode(&bytes);
        if let Some(wait) = refusal_wait(&text) {
            turn.refusal_pause = wait;
        }
        turn.keep = Some(Received {
            cache: self.responses.as_ref(),
            key: cache_key,
            text: text.clone(),
            answer_ttl: self.answer_ttl,
            negative_ttl: self.negative_ttl,
        });
        Ok((text, turn))
    }
}

/// One WHOIS server's turn under the budget, from the permit until the answer is read: the
/// concurrency slot is held while the answer is parsed, so a refusal pauses the server
/// before the next query to it can go out.
struct Turn<'a> {
    budget: &'a dyn RateBudget,
    /// `whois://host:port`.
    key: String,
    /// How long a refusal pauses the server: the wait its text names, else the configured
    /// `whois_refusal_pause`.
    refusal_pause: Duration,
    /// `Some` until the outcome is reported; `None` for an answer from the cache.
    permit: Option<Permit>,
    /// The answer as received, to keep once it is read (`None` for one from the cache).
    keep: Option<Received<'a>>,
}

/// A received answer, kept in the cache by [`Turn::settle`] when its reading says it may be.
struct Received<'a> {
    cache: &'a dyn ResponseCache,
    key: String,
    text: String,
    answer_ttl: Duration,
    negative_ttl: Duration,
}

impl Turn<'_> {
    /// Report the answer as read: a rate-limit refusal (the parser's `RateLimited`) pauses
    /// the server for everyone; any other answer, facts or not, means the server is up.
    /// Then keep the answer: facts for the answer TTL, "no such object" for the negative
    /// TTL; a refusal or a server-down answer is not kept.
    async fn settle<T>(mut self, parsed: Result<T, SourceError>) -> Result<T, SourceError> {
        let outcome = match &parsed {
            Err(e) if e.kind() == SourceErrorKind::RateLimited => {
                tracing::debug!(server = %self.key, wait = ?self.refusal_pause, "WHOIS refusal; server paused");
                AttemptOutcome::RateLimited(self.refusal_pause)
            }
            _ => AttemptOutcome::Answered,
        };
        self.report(outcome);
        let ttl = |keep: &Received<'_>| match &parsed {
            Ok(_) => Some(keep.answer_ttl),
            Err(e) if e.kind() == SourceErrorKind::NotFound => Some(keep.negative_ttl),
            Err(_) => None,
        };
        if let Some(keep) = self.keep.take()
            && let Some(ttl) = ttl(&keep).filter(|ttl| !ttl.is_zero())
        {
            let url = keep.key.clone();
            keep.cache.put(&keep.key, CachedResponse::Found { url, body: keep.text }, ttl).await;
        }
        parsed
    }

    /// Report a failed exchange: a refused address is not the server's fault; a timeout or
    /// a transport failure (no connection, closed without answering) counts towards its
    /// breaker; an answer too large still came from a server that is up.
    fn failed(&mut self, e: SourceError) -> SourceError {
        let outcome = match e.kind() {
            SourceErrorKind::Blocked => AttemptOutcome::Neutral,
            SourceErrorKind::Timeout | SourceErrorKind::Transport => AttemptOutcome::Failed,
            _ => AttemptOutcome::Answered,
        };
        self.report(outcome);
        e
    }

    fn report(&mut self, outcome: AttemptOutcome) {
        if self.permit.take().is_some() {
            self.budget.report(&self.key, outcome, now());
        }
    }
}

impl Drop for Turn<'_> {
    /// A turn given up before its outcome (the lookup was cancelled) is neutral: a half-open
    /// breaker lets its next probe through instead of staying half-open.
    fn drop(&mut self) {
        self.report(AttemptOutcome::Neutral);
    }
}

/// Refusals longer than this are not scanned for a wait: refusals are a few lines.
const REFUSAL_SCAN_BYTES: usize = 4 * 1024;

/// The wait a short answer names, as refusals do: Nominet's "will be replenished in 50
/// seconds", DNS Belgium's "grace period of 2 seconds" (both recorded). Only used when the
/// parser reads the answer as a refusal; at most a day.
fn refusal_wait(text: &str) -> Option<Duration> {
    if text.len() > REFUSAL_SCAN_BYTES {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(3).find_map(|w| {
        let [lead, count, unit] = w else { return None };
        if !matches!(*lead, "in" | "of" | "after") {
            return None;
        }
        let count: u64 = count.parse().ok()?;
        let seconds = if unit.starts_with("second") || unit.starts_with("sec") {
            count
        } else if unit.starts_with("minute") || unit.starts_with("min") {
            count.saturating_mul(60)
        } else {
            return None;
        };
        Some(Duration::from_secs(seconds.min(86_400)))
    })
}

/// Answers larger than this are parsed on tokio's blocking pool rather than on the worker
/// running the lookup. Parsing is linear, but a 1 MiB answer still takes milliseconds (a
/// debug build: a fraction of a second), which a worker should not spend.
const BLOCKING_PARSE_BYTES: usize = 64 * 1024;

/// `parse(&text)`, on the blocking pool when `text` is large; a parser that could not finish
/// there (the task panicked or the runtime is shutting down) is an `Other` error.
async fn off_worker<T, F>(text: String, parse: F) -> Result<T, SourceError>
where
    T: Send + 'static,
    F: FnOnce(&str) -> Result<T, SourceError> + Send + 'static,
{
    if text.len() <= BLOCKING_PARSE_BYTES {
        return parse(&text);
    }
    tokio::task::spawn_blocking(move || parse(&text)).await.unwrap_or_else(|e| {
        Err(SourceError::new(SourceErrorKind::Other, format!("parsing the answer failed: {e}")))
    })
}

/// [`parse::parse_domain`] of `text` for `domain`, through [`off_worker`].
async fn parse_domain_off_worker(text: String, domain: &str) -> Result<DomainFacts, SourceError> {
    let domain = domain.to_owned();
    off_worker(text, move |text| parse::parse_domain(text, Some(&domain))).await
}

/// Prefix a parser's refusal with the server that sent it.
fn at_server(server: &Server, e: SourceError) -> SourceError {
    SourceError::new(e.kind(), format!("{server}: {}", e.message()))
}

/// A source for a fact read at `line` of `server`'s answer.
fn source(server: &Server, line: u32) -> Source {
    Source {
        kind: SourceKind::Whois,
        url: Some(server.to_string()),
        line: Some(line),
        ..Source::default()
    }
}

/// A contact read from `server`'s answer.
fn contact(
    server: &Server,
    email: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    line: u32,
) -> Contact {
    Contact {
        name,
        email,
        phone,
        role: Some(ContactRole::Abuse),
        source_url: Some(server.url()),
        sources: vec![source(server, line)],
        ..Contact::default()
    }
}

/// The registrar from the answers, registry first: identity from the first answer that names
/// it, abuse channels from the last answer first (the registrar's own statement), then the
/// registry's when different.
fn registrar_from(answers: &[(Server, DomainFacts)]) -> Option<Registrar> {
    let mut registrar = Registrar::default();
    let mut any = false;
    for (server, facts) in answers {
        if registrar.name.is_none()
            && let Some(name) = &facts.registrar
        {
            registrar.name = Some(name.value.clone());
            registrar.provenance = Some(source(server, name.line));
            any = true;
        }
        if registrar.iana_id.is_none() {
            registrar.iana_id = facts.iana_id.as_ref().map(|l| l.value.clone());
        }
        if facts.registrar.is_some() || facts.abuse_email.is_some() || facts.abuse_phone.is_some() {
            registrar.source_url = Some(server.url());
        }
    }
    for (server, facts) in answers.iter().rev() {
        let (email, phone) = (facts.abuse_email.as_ref(), facts.abuse_phone.as_ref());
        let line = email.or(phone).map(|l: &Located| l.line);
        let Some(line) = line else { continue };
        let c = contact(
            server,
            email.map(|l| l.value.clone()),
            phone.map(|l| l.value.clone()),
            None,
            line,
        );
        if !registrar.abuse.iter().any(|a| a.email == c.email && a.phone == c.phone) {
            registrar.abuse.push(c);
        }
        any = true;
    }
    if !any {
        return None;
    }
    registrar.abuse_outcome = Outcome::new(if registrar.abuse.is_empty() {
        OutcomeStatus::NonePublished
    } else {
        OutcomeStatus::Found
    });
    Some(registrar)
}

/// `text` cut to the field cap and marked (`fields.rs`).
fn capped(text: String) -> String {
    crate::fields::capped(&text).map_or(text, |(cut, _)| cut)
}

/// The network facts of `server`'s answer as a [`WhoisNetwork`].
fn network_from(server: &Server, facts: NetworkFacts, chain: Vec<String>) -> WhoisNetwork {
    if facts.abuse_truncated {
        tracing::warn!(
            %server,
            kept = facts.abuse.len(),
            "WHOIS answer lists more than {} abuse contacts; the rest were skipped",
            parse::MAX_ABUSE_CONTACTS
        );
    }
    let abuse = facts
        .abuse
        .into_iter()
        .map(|a| contact(server, a.email, a.phone, a.name.map(capped), a.line))
        .collect();
    WhoisNetwork {
        abuse,
        handle: facts.handle.map(capped),
        name: facts.name.map(capped),
        range: facts.range.map(capped),
        cidr: facts.cidr.map(capped),
        org: facts.org.map(capped),
        country: facts.country,
        server: server.to_string(),
        source_url: server.url(),
        chain,
        no_abuse_contact: facts.no_abuse_contact.is_some(),
        invalid_emails: facts.invalid_emails.into_iter().map(|l| l.value).collect(),
        skipped_referral: match facts.referral {
            Some(Referral::Rwhois(l)) => Some(l.value),
            _ => None,
        },
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
