//! [`AbusixSource`]: an address's abuse mailbox from the Abusix Abuse ContactDB, TXT records
//! under `abuse-contacts.abusix.zone` for the reversed address, validated and cached per
//! address for the answer's TTL (and, given one, in the client's shared response cache).

use std::fmt;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::rr::RData;
use jiff::Timestamp;

use super::AbuseSource;
use crate::cache::{CachedResponse, Coalescer, LruTtl, ResponseCache, lock};
use crate::clock::{now, now_timestamp};
use crate::config::{ABUSIX_ZONE, Config};
use crate::error::{SourceError, SourceErrorKind};
use crate::fields::email_problem;
use crate::future::BoxFuture;
use crate::record::{Contact, ContactRole, Source, SourceKind};

/// The dataset name every Abusix contact's [`Source`] carries.
pub(crate) const DATASET: &str = "abusix";

/// Addresses whose answers are kept, by default.
const DEFAULT_MAX_ENTRIES: usize = 10_000;

/// The longest an answer is kept, whatever its TTL says.
const MAX_TTL: Duration = Duration::from_secs(86_400);

/// How long "no contact" (NXDOMAIN, NODATA) is kept when the answer carries no SOA.
const DEFAULT_NEGATIVE_TTL: Duration = Duration::from_secs(300);

/// The longest "no contact" is kept, whatever the SOA says.
const MAX_NEGATIVE_TTL: Duration = Duration::from_secs(3_600);

/// Mailboxes taken from one answer at most (a hostile zone could send hundreds).
const MAX_MAILBOXES: usize = 16;

/// What the zone said about one address: its valid mailboxes (empty: none), and when.
#[derive(Debug, Clone)]
struct Answer {
    mailboxes: Vec<String>,
    fetched_at: Timestamp,
    /// How long it may be kept.
    ttl: Duration,
}

/// An [`Answer`] as the shared response cache keeps it (the body of a
/// [`CachedResponse::Found`]); `v` is the format's version, another is a miss.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Kept {
    v: u32,
    mailboxes: Vec<String>,
    /// RFC 3339.
    fetched_at: String,
}

/// The version of [`Kept`].
const KEPT_VERSION: u32 = 1;

/// The abuse mailbox of an address from the [Abusix Abuse ContactDB], a free IP → abuse
/// contact service over DNS that covers ARIN, RIPE NCC, APNIC and AFRINIC space, has no
/// per-client quota, and validates the mailboxes it returns.
///
/// For `192.0.2.1` it asks TXT `1.2.0.192.abuse-contacts.abusix.zone.` (reversed octets;
/// IPv6 uses the 32 reversed nibbles); each TXT record is one mailbox, and several records
/// are several mailboxes.
///
/// * NXDOMAIN or NODATA: `Ok(vec![])` (Abusix documents that LACNIC space has no data).
/// * A TXT string that is not a usable mailbox (the field rules every reader uses:
///   dot-atom local part, host-name domain) is ignored with a `tracing` warning; so is
///   Abusix's test point's `root@localhost`.
/// * Timeout, SERVFAIL, REFUSED, no reachable server: an error (it goes into the record's
///   `errors`).
/// * Answers (and "none") are kept per address, for the DNS TTL (at most a day; "none" for
///   the SOA's negative TTL, at most an hour), in a bounded LRU; concurrent asks for one
///   address send one query. Given a shared [`ResponseCache`]
///   ([`response_cache`](Self::response_cache); a client passes its own, so the command's
///   disk cache keeps them between runs), answers are also kept there, under
///   `dns://<zone>/<name asked>`, for the same time.
///
/// Each contact has role `abuse` and one [`Source`]: kind `dns`, `url` the name asked
/// (without the trailing dot), dataset `abusix`.
///
/// ```
/// use std::net::IpAddr;
/// use whohosts::AbusixSource;
///
/// let abusix = AbusixSource::new().nameservers(["127.0.0.1:5353".parse().unwrap()]);
/// let ip: IpAddr = "192.0.2.1".parse().unwrap();
/// assert_eq!(abusix.query_name(ip), "1.2.0.192.abuse-contacts.abusix.zone.");
///
/// // Asked through a client: contacts for addresses whose registry gave no abuse mailbox.
/// let client = whohosts::Client::builder().abuse_source(std::sync::Arc::new(abusix)).build()?;
/// # let _ = client;
/// # Ok::<(), whohosts::Error>(())
/// ```
///
/// [Abusix Abuse ContactDB]: https://docs.abusix.com/docs/abuse-reporting/abuse-contact-db/overview
pub struct AbusixSource {
    /// The zone, lower case, without a trailing dot.
    zone: String,
    /// Servers to ask; empty: the system configuration.
    nameservers: Vec<SocketAddr>,
    /// One query attempt.
    timeout: Duration,
    /// Built on first use from the settings above, unless given.
    resolver: OnceLock<Result<TokioResolver, SourceError>>,
    /// Answers by address.
    answers: Mutex<LruTtl<IpAddr, Answer>>,
    /// Queries in flight by address.
    inflight: Coalescer<IpAddr, Result<Answer, SourceError>>,
    /// Answers shared with other clients and runs, if given.
    shared: Option<Arc<dyn ResponseCache>>,
}

impl fmt::Debug for AbusixSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbusixSource")
            .field("zone", &self.zone)
            .field("nameservers", &self.nameservers)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for AbusixSource {
    fn default() -> Self {
        Self::new()
    }
}

impl AbusixSource {
    /// The real zone ([`ABUSIX_ZONE`]) through the system's DNS servers, 3 s per attempt,
    /// answers for up to 10,000 addresses kept.
    pub fn new() -> Self {
        Self {
            zone: ABUSIX_ZONE.to_owned(),
            nameservers: Vec::new(),
            timeout: Duration::from_secs(3),
            resolver: OnceLock::new(),
            answers: Mutex::new(LruTtl::new(DEFAULT_MAX_ENTRIES, usize::MAX)),
            inflight: Coalescer::default(),
            shared: None,
        }
    }

    /// Ask under `zone` instead (a mirror, or a test world). Default [`ABUSIX_ZONE`].
    #[must_use]
    pub fn zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = normalize_zone(&zone.into());
        self
    }

    /// Ask these DNS servers (UDP with TCP fallback). Default: the system configuration.
    #[must_use]
    pub fn nameservers(mut self, servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        self.nameservers = servers.into_iter().collect();
        self.resolver = OnceLock::new();
        self
    }

    /// Time limit of one query attempt (two attempts are made). Default 3 s.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.resolver = OnceLock::new();
        self
    }

    /// Keep the answers of at most `entries` addresses (least recently used go first);
    /// `0` keeps none. Default 10,000.
    #[must_use]
    pub fn max_entries(mut self, entries: usize) -> Self {
        self.answers = Mutex::new(LruTtl::new(entries, usize::MAX));
        self
    }

    /// A source asking through `resolver` (the client's, so it uses the client's servers and
    /// timeouts).
    pub(crate) fn with_resolver(
        zone: &str,
        resolver: TokioResolver,
        shared: Arc<dyn ResponseCache>,
    ) -> Self {
        let source = Self::new().zone(zone).response_cache(shared);
        // A fresh cell: setting it cannot fail.
        let _ = source.resolver.set(Ok(resolver));
        source
    }

    /// Also keep answers in `cache`, shared with other clients or runs (a
    /// [`DiskCache`](crate::DiskCache), a Redis store), under `dns://<zone>/<name asked>`, and
    /// read them from it before asking: a second run asks the zone nothing for addresses it
    /// already asked within their TTL.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use whohosts::{AbusixSource, MemoryResponseCache};
    ///
    /// let cache = Arc::new(MemoryResponseCache::new(&Default::default()));
    /// let abusix = AbusixSource::new().response_cache(cache);
    /// # let _ = abusix;
    /// ```
    #[must_use]
    pub fn response_cache(mut self, cache: Arc<dyn ResponseCache>) -> Self {
        self.shared = Some(cache);
        self
    }

    /// The fully qualified name asked for `ip` (with the trailing dot).
    pub fn query_name(&self, ip: IpAddr) -> String {
        reversed_name(ip, &self.zone)
    }

    /// The resolver, built on first use.
    fn resolver(&self) -> Result<&TokioResolver, SourceError> {
        self.resolver
            .get_or_init(|| {
                let mut config = Config::default();
                config.nameservers.clone_from(&self.nameservers);
                config.timeouts.dns = self.timeout;
                crate::dns::build_resolver(&config).map_err(|e| {
                    SourceError::new(SourceErrorKind::Other, format!("no DNS resolver: {e}"))
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The valid mailboxes of `ip`: cached, joined from a query in flight, or asked.
    async fn answer(&self, ip: IpAddr) -> Result<Answer, SourceError> {
        let (result, _) = self
            .inflight
            .get_or_fetch(
                &ip,
                || std::future::ready(lock(&self.answers).get(&ip, now()).cloned().map(Ok)),
                Some,
                || self.ask_shared(ip),
                |result| {
                    if let Ok(answer) = &result {
                        let weight = answer.mailboxes.iter().map(String::len).sum::<usize>() + 1;
                        lock(&self.answers).insert(ip, answer.clone(), weight, answer.ttl, now());
                    }
                    std::future::ready(Some(result))
                },
            )
            .await;
        result
    }

    /// The shared cache's answer for `ip`, else one query whose answer the shared cache then
    /// keeps. The shared cache's failures are misses.
    async fn ask_shared(&self, ip: IpAddr) -> Result<Answer, SourceError> {
        let Some(shared) = &self.shared else { return self.ask(ip).await };
        let key = format!("dns://{}/{}", self.zone, self.query_name(ip).trim_end_matches('.'));
        if let Some(CachedResponse::Found { body, .. }) = shared.get(&key).await
            && let Ok(kept) = serde_json::from_str::<Kept>(&body)
            && kept.v == KEPT_VERSION
            && let Ok(fetched_at) = kept.fetched_at.parse::<Timestamp>()
        {
            // The store keeps it no longer than its TTL, which it does not tell: the memory
            // LRU keeps it for the shortest TTL of its kind.
            let ttl =
                if kept.mailboxes.is_empty() { DEFAULT_NEGATIVE_TTL } else { MAX_NEGATIVE_TTL };
            return Ok(Answer { mailboxes: kept.mailboxes, fetched_at, ttl });
        }
        let answer = self.ask(ip).await?;
        let kept = Kept {
            v: KEPT_VERSION,
            mailboxes: answer.mailboxes.clone(),
            fetched_at: answer.fetched_at.to_string(),
        };
        if let Ok(body) = serde_json::to_string(&kept) {
            let response = CachedResponse::Found { url: key.clone(), body };
            shared.put(&key, response, answer.ttl).await;
        }
        Ok(answer)
    }

    /// One TXT query for `ip`: the valid mailboxes and how long they may be kept.
    async fn ask(&self, ip: IpAddr) -> Result<Answer, SourceError> {
        let resolver = self.resolver()?;
        let qname = self.query_name(ip);
        let fetched_at = now_timestamp();
        let lookup = match resolver.txt_lookup(qname.as_str()).await {
            Ok(lookup) => lookup,
            Err(e) if e.is_nx_domain() || e.is_no_records_found() => {
                let ttl = negative_ttl(&e);
                return Ok(Answer { mailboxes: Vec::new(), fetched_at, ttl });
            }
            Err(e) => return Err(crate::dns::map_error(&e, "TXT", resolver.options().timeout)),
        };
        let mut ttl = MAX_TTL;
        let mut texts = Vec::new();
        for record in lookup.answers() {
            if let RData::TXT(txt) = &record.data {
                ttl = ttl.min(Duration::from_secs(u64::from(record.ttl)));
                texts.push(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect());
            }
        }
        let mailboxes = valid_mailboxes(&qname, &texts);
        Ok(Answer { mailboxes, fetched_at, ttl })
    }
}

impl AbuseSource for AbusixSource {
    fn name(&self) -> &str {
        DATASET
    }

    fn abuse_contacts(&self, ip: IpAddr) -> BoxFuture<'_, Result<Vec<Contact>, SourceError>> {
        Box::pin(async move {
            let answer = self.answer(ip).await?;
            let qname = self.query_name(ip);
            let name = qname.trim_end_matches('.');
            Ok(answer
                .mailboxes
                .iter()
                .map(|mailbox| contact(mailbox, name, answer.fetched_at))
                .collect())
        })
    }
}

/// One abuse contact from the zone's answer at `name`.
fn contact(mailbox: &str, name: &str, fetched_at: Timestamp) -> Contact {
    Contact {
        email: Some(mailbox.to_owned()),
        role: Some(ContactRole::Abuse),
        source_url: Some(name.to_owned()),
        sources: vec![Source {
            kind: SourceKind::Dns,
            url: Some(name.to_owned()),
            dataset: Some(DATASET.to_owned()),
            fetched_at: Some(fetched_at),
            ..Source::default()
        }],
        ..Contact::default()
    }
}

/// The zone as the names are built with it: lower case, without surrounding dots.
fn normalize_zone(zone: &str) -> String {
    zone.trim().trim_matches('.').to_ascii_lowercase()
}

/// `ip` reversed under `zone`, fully qualified: IPv4 octets (`1.2.0.192.<zone>.`), IPv6 the
/// 32 nibbles, least significant first (`1.0.0.0.….8.b.d.0.1.0.0.2.<zone>.`).
pub(crate) fn reversed_name(ip: IpAddr, zone: &str) -> String {
    let mut name = String::with_capacity(64 + zone.len() + 2);
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            let _ = write!(name, "{d}.{c}.{b}.{a}.");
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            for nibble in (0..32).map(|i| (bits >> (i * 4)) & 0xf) {
                let _ = write!(name, "{nibble:x}.");
            }
        }
    }
    name.push_str(zone);
    name.push('.');
    name
}

/// The usable mailboxes among the TXT strings answered at `qname`, each once (compared
/// without case), at most [`MAX_MAILBOXES`]; every other string is ignored with a warning.
pub(crate) fn valid_mailboxes(qname: &str, texts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in texts {
        let candidate = text.trim();
        if let Some(problem) = email_problem(candidate) {
            let shown: String = candidate.chars().take(80).collect();
            tracing::warn!(%qname, txt = %shown, %problem, "ignoring an Abusix TXT answer that is not a mailbox");
            continue;
        }
        if out.iter().any(|seen| seen.eq_ignore_ascii_case(candidate)) {
            continue;
        }
        if out.len() == MAX_MAILBOXES {
            tracing::warn!(%qname, max = MAX_MAILBOXES, "ignoring Abusix mailboxes past the limit");
            break;
        }
        out.push(candidate.to_owned());
    }
    out
}

/// How long "no contact" is kept: the SOA's negative TTL when the answer had one.
fn negative_ttl(e: &NetError) -> Duration {
    let from_soa = match e {
        NetError::Dns(DnsError::NoRecordsFound(no)) => no.negative_ttl,
        _ => None,
    };
    from_soa
        .map_or(DEFAULT_NEGATIVE_TTL, |s| Duration::from_secs(u64::from(s)))
        .min(MAX_NEGATIVE_TTL)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ipv4_names_reverse_the_octets() {
        let ip: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(reversed_name(ip, ABUSIX_ZONE), "2.0.0.127.abuse-contacts.abusix.zone.");
        let ip: IpAddr = "193.0.6.139".parse().unwrap();
        assert_eq!(reversed_name(ip, "zone.test"), "139.6.0.193.zone.test.");
    }

    #[test]
    fn ipv6_names_reverse_all_32_nibbles() {
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(
            reversed_name(ip, ABUSIX_ZONE),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.\
             abuse-contacts.abusix.zone."
        );
    }

    #[test]
    fn zone_is_normalized() {
        let source = AbusixSource::new().zone(" Abuse-Contacts.Example.TEST. ");
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(source.query_name(ip), "1.2.0.192.abuse-contacts.example.test.");
    }

    #[test]
    fn only_usable_mailboxes_are_kept_once() {
        let texts: Vec<String> = [
            "abuse@ripe.net",
            " ABUSE@ripe.net ",
            "root@localhost",
            "v=spf1 -all",
            "abuse@",
            "two words@example.net",
            "noc@as13335.example",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            valid_mailboxes("1.2.0.192.abuse-contacts.abusix.zone.", &texts),
            ["abuse@ripe.net", "noc@as13335.example"]
        );
    }

    #[test]
    fn a_flood_of_mailboxes_is_cut() {
        let texts: Vec<String> = (0..40).map(|i| format!("abuse{i}@example.net")).collect();
        assert_eq!(valid_mailboxes("q.", &texts).len(), MAX_MAILBOXES);
    }

    #[test]
    fn contacts_name_their_query_and_dataset() {
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        let c = contact("abuse@example.net", "1.2.0.192.abuse-contacts.abusix.zone", at);
        assert_eq!(c.role, Some(ContactRole::Abuse));
        let source = &c.sources[0];
        assert_eq!(source.kind, SourceKind::Dns);
        assert_eq!(source.url.as_deref(), Some("1.2.0.192.abuse-contacts.abusix.zone"));
        assert_eq!(source.dataset.as_deref(), Some("abusix"));
    }
}
