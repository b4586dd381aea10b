//! The politeness table as plain data: how fast and how often whohosts may ask each server
//! ([`Politeness`], [`ServerRule`], [`ServerPolicy`]), with the known published limits of RDAP
//! servers and of WHOIS (port 43) servers.
//!
//! The runtime that enforces it (token buckets, pauses, the circuit breaker) is the
//! [`RateBudget`](crate::RateBudget) in `transport/budget.rs`; this file holds no state.

use std::time::Duration;

use url::Url;

/// How hard one server may be asked. `Default` is the policy for a server with no published
/// limit (see [`Politeness`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerPolicy {
    /// Requests allowed per `period` in the long run (the token bucket's refill). `0` means
    /// no rate limit.
    pub requests: u32,
    /// The period `requests` are counted over.
    pub period: Duration,
    /// Requests that may be sent at once after a quiet spell (the bucket's size, at least 1).
    /// A server that allows `N` per window in *any* window needs `burst + requests ≤ N` when
    /// `period` is the window.
    pub burst: u32,
    /// Requests in flight at once.
    pub max_concurrent: usize,
    /// Learn the server's sustainable rate from its answers instead of keeping a fixed one:
    /// `Some` for servers that publish no limit. The token bucket then runs at the learnt
    /// rate (burst 1) and `requests`, `period` and `burst` are not used; see [`Learning`].
    pub learn: Option<Learning>,
    /// What the server counts against `requests`: each request (the default), or the
    /// personal data sets each answer holds (RIPE NCC's quota).
    pub counts: Counting,
}

/// What a server counts against its limit ([`ServerPolicy::counts`]).
///
/// RIPE NCC's Acceptable Use Policy limits each client to 1,000 *personal data sets* (person
/// and role objects) a day, not 1,000 queries: one RDAP answer for a network names its
/// admin-c, tech-c and abuse-c, and RIPE NCC's own answer for 193.0.0.0/21 holds twelve.
/// Counting requests would let a client send twelve times its quota's worth.
///
/// ```
/// use std::time::Duration;
/// use whohosts::{Counting, ServerPolicy};
///
/// // 500 personal data sets a day: an answer holding twelve takes twelve tokens.
/// let ripe = ServerPolicy::new(500, Duration::from_secs(86_400), 500, 4)
///     .counting(Counting::PersonalObjects);
/// assert_eq!(ripe.counts, Counting::PersonalObjects);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Counting {
    /// Each request is one (a cached answer is none).
    #[default]
    Requests,
    /// Each RDAP answer costs the distinct entities whose vCard is a person
    /// (`individual`) or a role (`group`), at least one: the request takes one token
    /// before it goes, and the rest are taken when the answer is read.
    PersonalObjects,
}

/// How a server's rate is learnt ([`ServerPolicy::learn`]): the budget starts at
/// `start_per_second`, raises the rate while requests wait for it (doubling each second until
/// the server first answers 429), and on each 429 estimates the server's limit from the
/// answers it gave since the previous one and sends at 97 % of it, creeping up slowly from
/// there. A budget kept in a [`BudgetStore`](crate::BudgetStore) saves the learnt rate, so
/// the next run starts at it.
///
/// ```
/// use whohosts::{Politeness, ServerPolicy, ServerRule};
///
/// // A registrar that publishes no limit: start at 2/s, never above 20/s, 8 in flight.
/// let politeness = Politeness::default().with_rule(ServerRule::new(
///     "rdap.registrar.example",
///     ServerPolicy::learning(2, 20, 8),
///     "no published limit: learnt from its 429s",
/// ));
/// # let _ = politeness;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Learning {
    /// Requests per second before anything is learnt (at least 1).
    pub start_per_second: u32,
    /// Never faster than this many requests per second; `0`: no ceiling.
    pub max_per_second: u32,
}

impl Learning {
    /// Start at `start_per_second`, never above `max_per_second` (`0`: no ceiling).
    pub fn new(start_per_second: u32, max_per_second: u32) -> Self {
        Self { start_per_second: start_per_second.max(1), max_per_second }
    }
}

impl ServerPolicy {
    /// `requests` per `period`, `burst` at once, `max_concurrent` in flight.
    pub fn new(requests: u32, period: Duration, burst: u32, max_concurrent: usize) -> Self {
        Self {
            requests,
            period,
            burst: burst.max(1),
            max_concurrent: max_concurrent.max(1),
            learn: None,
            counts: Counting::Requests,
        }
    }

    /// This policy, counting `counts` against its limit (see [`Counting`]).
    #[must_use]
    pub fn counting(mut self, counts: Counting) -> Self {
        self.counts = counts;
        self
    }

    /// A rate learnt from the server's answers ([`Learning`]): starting at
    /// `start_per_second`, never above `max_per_second` (`0`: no ceiling), `max_concurrent`
    /// in flight.
    pub fn learning(start_per_second: u32, max_per_second: u32, max_concurrent: usize) -> Self {
        Self {
            learn: Some(Learning::new(start_per_second, max_per_second)),
            ..Self::unlimited(max_concurrent)
        }
    }

    /// No rate limit and `max_concurrent` in flight (loopback test servers, own mirrors).
    pub fn unlimited(max_concurrent: usize) -> Self {
        Self {
            requests: 0,
            period: Duration::ZERO,
            burst: 1,
            max_concurrent: max_concurrent.max(1),
            learn: None,
            counts: Counting::Requests,
        }
    }

    /// True when no token bucket applies (no fixed rate, and none learnt).
    pub fn is_unlimited(&self) -> bool {
        self.learn.is_none() && (self.requests == 0 || self.period.is_zero())
    }
}

impl Default for ServerPolicy {
    /// 2 requests/s, burst 4, 4 in flight: for servers with no published limit. Operators
    /// report registrar limits from "about 1 per second" (datum-cloud/enhancements#497) to
    /// "like 5 per second" (richardpenman/whois#101).
    fn default() -> Self {
        Self::new(2, Duration::from_secs(1), 4, 4)
    }
}

/// One row of the politeness table: the servers it covers and their policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerRule {
    /// A host name (`rdap.lacnic.net`, also matching its subdomains) or a URL prefix
    /// (`https://rdap.db.ripe.net/`, `http://127.0.0.1:8080/lacnic/`).
    pub pattern: String,
    /// The policy for matching servers.
    pub policy: ServerPolicy,
    /// Where the figure comes from.
    pub source: String,
}

impl ServerRule {
    /// A rule for `pattern` (a host name or a URL prefix).
    pub fn new(
        pattern: impl Into<String>,
        policy: ServerPolicy,
        source: impl Into<String>,
    ) -> Self {
        Self { pattern: pattern.into(), policy, source: source.into() }
    }

    /// True when this rule covers `url`.
    fn matches(&self, url: &Url) -> bool {
        if self.pattern.contains("://") {
            return url.as_str().starts_with(&self.pattern);
        }
        url.host_str().is_some_and(|host| self.matches_host(host))
    }

    /// True when this rule covers the WHOIS server `host:port`: a host pattern (also
    /// matching subdomains), or `host:port` exactly.
    fn matches_whois(&self, host: &str, port: u16) -> bool {
        match self.pattern.rsplit_once(':') {
            Some((h, p)) if !self.pattern.contains("://") => {
                h.trim_end_matches('.').eq_ignore_ascii_case(host) && p.parse() == Ok(port)
            }
            Some(_) => false,
            None => self.matches_host(host),
        }
    }

    /// True when the host pattern names `host` or a domain above it.
    fn matches_host(&self, host: &str) -> bool {
        let pattern = self.pattern.trim_end_matches('.');
        host.eq_ignore_ascii_case(pattern)
            || host.len() > pattern.len()
                && host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", pattern.to_ascii_lowercase()))
    }
}

/// The politeness table: per-server policies, the default for other servers, and the
/// circuit breaker's settings.
///
/// # Known limits (the default table)
///
/// | server | policy | published limit |
/// |---|---|---|
/// | `rdap.lacnic.net` | 1 per 6 s, burst 1, 1 in flight | "10 per minute and 1000 per hour, whichever is violated first" (LACNIC, *LACNIC's RDAP Service*, GTER 41, May 2016); answers carry the notice "Rate Limit is maxed at 10 queries per 1 minutes." (secynic/ipwhois#99) |
/// | `rdap.db.ripe.net` | 500 personal data sets per 24 h ([`Counting::PersonalObjects`]: an answer costs the persons and roles it holds), burst 500, 4 in flight | 1,000 personal data sets per 24 hours per IP address or SSO account (RIPE Database AUP, enforced from 16 May 2024, db-wg announcement); 429 when over (RIPE-NCC/whois#555). Half refilled, half burst, so no 24-hour window exceeds 1,000 |
/// | `rdap.arin.net` | 5/s, burst 5, 4 in flight | none published (ARIN's RDAP page states no figure) |
/// | `rdap.apnic.net` | 5/s, burst 5, 4 in flight | none published |
/// | `rdap.afrinic.net` | 5/s, burst 5, 4 in flight | none published |
/// | `rdap.verisign.com` | 5/s, burst 5, 4 in flight | none published |
/// | `stat.ripe.net` (RIPEstat Data API, the quota-free abuse source) | no rate limit, 8 in flight | "No limit on the amount of requests … The system limits the usage to 8 concurrent (at the same time) requests coming from one IP address" (RIPEstat, *About the Data API*, Rules of Usage, stat.ripe.net/docs/data_api); a `sourceapp` parameter is asked for regular use over 1,000 requests a day |
/// | any other server (registrars, ccTLDs) | [`ServerPolicy::default`]: 2/s, burst 4, 4 in flight | registrars typically allow about 1/s to 5/s (see [`ServerPolicy::default`]); each runs its own limiter (rdap-org/validator.rdap.org#6) |
///
/// A `Retry-After` always wins over the table: the whole server is paused for everyone.
/// A request that would wait longer than `max_retry_after` for its server's next token (a
/// used-up daily quota such as RIPE NCC's after 500 requests) fails at once as
/// `rate_limited` instead of holding its lookup; an operator with a larger quota sets their
/// own rule ([`ClientBuilder::server_policy`](crate::ClientBuilder::server_policy)).
///
/// # Known WHOIS limits (the default WHOIS table)
///
/// WHOIS (port 43) servers go through the same budget, each under the key
/// `whois://host:port` (so a WHOIS server never shares a breaker or a concurrency limit with
/// an RDAP service, even on the same host). Limits are per querying IP address unless said.
///
/// | server | policy | published limit |
/// |---|---|---|
/// | `whois.ripe.net` | 250 per 24 h, burst 250, 2 in flight | 1,000 personal data sets per 24 hours per IP address or SSO account (RIPE Database AUP, enforced from 16 May 2024, db-wg announcement), counted together with RDAP; over it: "Access from your host has been temporarily denied" (`%ERROR:201: access denied`). WHOIS is only asked after RDAP, so it gets a small share |
/// | `whois.afrinic.net` | 2,500 per 24 h, burst 2,500, 2 in flight | 5,000 queries returning person objects per IP per 24 hours, then blocked up to 24 h (AFRINIC FAQ "What is the daily WHOIS query limit?"). Half refilled, half burst |
/// | `whois.lacnic.net` | 1 per 6 s, burst 1, 1 in flight | no published limit for port 43; LACNIC's RDAP limit (10 per minute, GTER 41) applied, same operator |
/// | `whois.tcinet.ru`, `whois.ripn.net` | 15 per 60 s, burst 15, 2 in flight | "limited to 30 from any given IP-address in a minute"; over it: "% You have exceeded allowed connection rate." (RIPN, *On the use of RIPN's Whois Service* §2.1) |
/// | `whois.eu` | 10 per 60 s, burst 5, 1 in flight | public WHOIS "has a query limit of 15 queries/60 seconds" (EURid, *Lookup services*) |
/// | `whois.nic.uk` | 995 per 24 h, burst 5, 2 in flight | "5 queries per second with a maximum of 1,000 queries per rolling 24 hours", per user (Nominet WHOIS AUP); over it: "The WHOIS query quota … will be replenished in N seconds" |
/// | `whois.domainregistry.ie` | 95 per 24 h, burst 5, 1 in flight | "100 queries per rolling 24 hours", per IP (.ie WHOIS Acceptable Use Policy) |
/// | `whois.domain-registry.nl` | 1/s, burst 1, 1 in flight | SIDN's refusal text: "only 1 request per second allowed, try again later" (recorded) |
/// | `whois.centralnic.com` | 900 per 15 min, burst 900, 2 in flight | "1,800 queries per 15 minutes", per IPv4 /24 or IPv6 /48 (CentralNic, *Guidance for Registrars on Use of the Whois Service*) |
/// | `whois.denic.de` | 1 per 2 s, burst 3, 1 in flight | no figure published: DENIC varies the number and interval with load (DENIC announcement, June 2010, reported by heise online: a stop after five queries in a row); over it: "% Error: 55000000002 Connection refused; access control limit reached." |
/// | `whois.arin.net`, `whois.apnic.net`, `whois.iis.se`, `whois.nic.it` | the WHOIS default | no published limit; conservative default (IIS limits only contact-ID lookups: 10 per hour by day) |
/// | any other WHOIS server | [`Politeness::whois_default`]: 1/s, burst 2, 2 in flight | no published limit; conservative default, below the lowest per-second figure above (SIDN's 1/s) |
///
/// A WHOIS answer that is a rate-limit refusal (DENIC's, SIDN's, Nominet's, PIR's, … texts,
/// recognised by the WHOIS parser) is never read as data: the step fails as `rate_limited`
/// and the server is paused for everyone for the wait the text names ("replenished in 50
/// seconds", "grace period of 2 seconds"), else [`whois_refusal_pause`](Self::whois_refusal_pause).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Politeness {
    /// Rules, most specific first: the first matching rule applies.
    pub rules: Vec<ServerRule>,
    /// The policy of servers no rule matches.
    pub default: ServerPolicy,
    /// WHOIS (port 43) rules, most specific first: a host name (also matching its
    /// subdomains) or `host:port`. Default: the known WHOIS limits above.
    pub whois_rules: Vec<ServerRule>,
    /// The policy of WHOIS servers no WHOIS rule matches. Default 1 per second, burst 2, 2 in
    /// flight.
    pub whois_default: ServerPolicy,
    /// How long a WHOIS server that answered with a rate-limit refusal is paused when the
    /// refusal names no wait. Default 60 s.
    pub whois_refusal_pause: Duration,
    /// Consecutive failed attempts (transport errors, timeouts, 5xx) that open a server's
    /// circuit. `0` disables the breaker. Default 8.
    pub breaker_threshold: u32,
    /// How long an open circuit fails fast before one probe request is let through
    /// (half-open). Doubles after each failed probe, up to 8×. Default 30 s.
    pub breaker_cooldown: Duration,
}

impl Default for Politeness {
    fn default() -> Self {
        let per_second = |n| ServerPolicy::new(n, Duration::from_secs(1), n, 4);
        let none = "none published";
        Self {
            rules: vec![
                ServerRule::new(
                    "rdap.lacnic.net",
                    ServerPolicy::new(1, Duration::from_secs(6), 1, 1),
                    "LACNIC: 10 per minute and 1000 per hour (GTER 41, 2016)",
                ),
                ServerRule::new(
                    "rdap.db.ripe.net",
                    ServerPolicy::new(500, Duration::from_secs(86_400), 500, 4)
                        .counting(Counting::PersonalObjects),
                    "RIPE Database AUP: 1,000 personal data sets per 24 hours",
                ),
                ServerRule::new("rdap.arin.net", per_second(5), none),
                ServerRule::new("rdap.apnic.net", per_second(5), none),
                ServerRule::new("rdap.afrinic.net", per_second(5), none),
                ServerRule::new("rdap.verisign.com", per_second(5), none),
                ServerRule::new(
                    "stat.ripe.net",
                    ServerPolicy::unlimited(8),
                    "RIPEstat Data API rules of usage: no request limit, 8 concurrent per IP",
                ),
            ],
            default: ServerPolicy::default(),
            whois_rules: whois_rules(),
            whois_default: WHOIS_DEFAULT,
            whois_refusal_pause: Duration::from_secs(60),
            breaker_threshold: 8,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// The policy of WHOIS servers with no published limit: 1 per second, burst 2, 2 in flight.
const WHOIS_DEFAULT: ServerPolicy = ServerPolicy {
    requests: 1,
    period: Duration::from_secs(1),
    burst: 2,
    max_concurrent: 2,
    learn: None,
    counts: Counting::Requests,
};

/// The known WHOIS limits (see [`Politeness`]); each source names where the figure is
/// published, or says there is none.
fn whois_rules() -> Vec<ServerRule> {
    const DAY: Duration = Duration::from_secs(86_400);
    const MINUTE: Duration = Duration::from_secs(60);
    let rule = |host: &str, policy, source: &str| ServerRule::new(host, policy, source);
    let none = "no published limit; conservative default";
    let ripn = "RIPN, On the use of RIPN's Whois Service 2.1: 30 queries per minute per IP";
    vec![
        rule(
            "whois.ripe.net",
            ServerPolicy::new(250, DAY, 250, 2),
            "RIPE Database AUP: 1,000 personal data sets per 24 hours, RDAP and WHOIS together",
        ),
        rule(
            "whois.afrinic.net",
            ServerPolicy::new(2_500, DAY, 2_500, 2),
            "AFRINIC FAQ, daily WHOIS query limit: 5,000 per IP per 24 hours",
        ),
        rule(
            "whois.lacnic.net",
            ServerPolicy::new(1, Duration::from_secs(6), 1, 1),
            "no published limit for port 43; LACNIC's RDAP limit (10 per minute, GTER 41)",
        ),
        rule("whois.tcinet.ru", ServerPolicy::new(15, MINUTE, 15, 2), ripn),
        rule("whois.ripn.net", ServerPolicy::new(15, MINUTE, 15, 2), ripn),
        rule(
            "whois.eu",
            ServerPolicy::new(10, MINUTE, 5, 1),
            "EURid, Lookup services: public WHOIS 15 queries per 60 seconds",
        ),
        rule(
            "whois.nic.uk",
            ServerPolicy::new(995, DAY, 5, 2),
            "Nominet WHOIS AUP: 5 per second, 1,000 per rolling 24 hours",
        ),
        rule(
            "whois.domainregistry.ie",
            ServerPolicy::new(95, DAY, 5, 1),
            ".ie WHOIS AUP: 100 queries per rolling 24 hours per IP",
        ),
        rule(
            "whois.domain-registry.nl",
            ServerPolicy::new(1, Duration::from_secs(1), 1, 1),
            "SIDN's recorded refusal: only 1 request per second allowed",
        ),
        rule(
            "whois.centralnic.com",
            ServerPolicy::new(900, Duration::from_secs(900), 900, 2),
            "CentralNic, Guidance for Registrars: 1,800 queries per 15 minutes per /24",
        ),
        rule(
            "whois.denic.de",
            ServerPolicy::new(1, Duration::from_secs(2), 3, 1),
            "no figure published; DENIC varies it with load (June 2010 announcement)",
        ),
        rule("whois.arin.net", WHOIS_DEFAULT, none),
        rule("whois.apnic.net", WHOIS_DEFAULT, none),
        rule("whois.iis.se", WHOIS_DEFAULT, none),
        rule("whois.nic.it", WHOIS_DEFAULT, none),
    ]
}

impl Politeness {
    /// No rate limits, `max_concurrent` requests in flight per server (RDAP and WHOIS), the
    /// default breaker: for loopback test worlds and private mirrors.
    pub fn unlimited(max_concurrent: usize) -> Self {
        Self {
            rules: Vec::new(),
            default: ServerPolicy::unlimited(max_concurrent),
            whois_rules: Vec::new(),
            whois_default: ServerPolicy::unlimited(max_concurrent),
            ..Self::default()
        }
    }

    /// Put `rule` first (it wins over every rule added before).
    pub fn with_rule(mut self, rule: ServerRule) -> Self {
        self.rules.insert(0, rule);
        self
    }

    /// Put the WHOIS `rule` first (it wins over every WHOIS rule added before).
    pub fn with_whois_rule(mut self, rule: ServerRule) -> Self {
        self.whois_rules.insert(0, rule);
        self
    }

    /// The budget key and policy of the WHOIS server `host:port`: the key is always
    /// `whois://host:port` (one breaker per WHOIS server, apart from any RDAP service), the
    /// policy the first matching WHOIS rule's, else [`whois_default`](Self::whois_default).
    pub fn whois_key(&self, host: &str, port: u16) -> (String, ServerPolicy) {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let policy = self
            .whois_rules
            .iter()
            .find(|r| r.matches_whois(&host, port))
            .map_or(self.whois_default, |r| r.policy);
        (format!("whois://{host}:{port}"), policy)
    }

    /// The key and policy of the server answering `url`: the first matching rule's pattern,
    /// else `host:port`.
    pub fn server_key(&self, url: &Url) -> (String, ServerPolicy) {
        if let Some(rule) = self.rules.iter().find(|r| r.matches(url)) {
            return (rule.pattern.clone(), rule.policy);
        }
        let host = url.host_str().unwrap_or("");
        let key = match url.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        (key, self.default)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn rules_match_hosts_and_url_prefixes() {
        let table = Politeness::default();
        let url = Url::parse("https://rdap.lacnic.net/rdap/ip/200.3.12.1").unwrap();
        let (key, policy) = table.server_key(&url);
        assert_eq!(key, "rdap.lacnic.net");
        assert_eq!(policy, ServerPolicy::new(1, Duration::from_secs(6), 1, 1));
        let other = Url::parse("https://rdap.example-registrar.test/rdap/domain/x.com").unwrap();
        assert_eq!(
            table.server_key(&other),
            ("rdap.example-registrar.test:443".to_owned(), ServerPolicy::default())
        );
        let local = Politeness::unlimited(8).with_rule(ServerRule::new(
            "http://127.0.0.1:8080/lacnic/",
            ServerPolicy::new(10, Duration::from_secs(60), 1, 1),
            "test",
        ));
        let url = Url::parse("http://127.0.0.1:8080/lacnic/ip/1.2.3.4").unwrap();
        assert_eq!(local.server_key(&url).0, "http://127.0.0.1:8080/lacnic/");
        let url = Url::parse("http://127.0.0.1:8080/arin/ip/1.2.3.4").unwrap();
        assert_eq!(
            local.server_key(&url),
            ("127.0.0.1:8080".to_owned(), ServerPolicy::unlimited(8))
        );
    }

    /// Every row of the WHOIS table names one server host, has a usable policy within the
    /// published figure, and says where the figure comes from (or that there is none).
    #[test]
    fn whois_table_rows_parse_and_cite_a_source() {
        let table = Politeness::default();
        assert_eq!(table.whois_rules.len(), 15);
        for rule in &table.whois_rules {
            let host = url::Host::parse(&rule.pattern).unwrap();
            assert!(matches!(host, url::Host::Domain(_)), "{}", rule.pattern);
            assert!(!rule.pattern.contains(':'), "{}", rule.pattern);
            let policy = rule.policy;
            assert!(!policy.is_unlimited(), "{}", rule.pattern);
            assert!(policy.burst >= 1 && policy.max_concurrent <= 2, "{}", rule.pattern);
            assert!(!rule.source.trim().is_empty(), "{}", rule.pattern);
            let cited = rule.source.contains("no published limit")
                || rule.source.chars().any(|c| c.is_ascii_digit());
            assert!(cited, "{}: {}", rule.pattern, rule.source);
            // The rule is the one its server gets.
            let (key, got) = table.whois_key(&rule.pattern, 43);
            assert_eq!(key, format!("whois://{}:43", rule.pattern));
            assert_eq!(got, policy, "{}", rule.pattern);
        }
        // Published windows are never exceeded: burst + refill per window ≤ the figure.
        let within = |host: &str, window: Duration, most: u32| {
            let p = table.whois_key(host, 43).1;
            assert_eq!(p.period, window, "{host}");
            assert!(p.burst + p.requests <= most, "{host}: {p:?}");
        };
        within("whois.eu", Duration::from_secs(60), 15);
        within("whois.tcinet.ru", Duration::from_secs(60), 30);
        within("whois.nic.uk", Duration::from_secs(86_400), 1_000);
        within("whois.domainregistry.ie", Duration::from_secs(86_400), 100);
        within("whois.afrinic.net", Duration::from_secs(86_400), 5_000);
        within("whois.centralnic.com", Duration::from_secs(900), 1_800);
    }

    #[test]
    fn whois_keys_are_apart_from_rdap_keys_and_fall_back_to_the_default() {
        let table = Politeness::default();
        let (key, policy) = table.whois_key("WHOIS.EU.", 43);
        assert_eq!(key, "whois://whois.eu:43");
        assert_eq!(policy, ServerPolicy::new(10, Duration::from_secs(60), 5, 1));
        // A server with no published limit: low concurrency.
        assert_eq!(
            table.whois_key("whois.nic.example", 43),
            ("whois://whois.nic.example:43".to_owned(), WHOIS_DEFAULT)
        );
        assert_eq!(WHOIS_DEFAULT, ServerPolicy::new(1, Duration::from_secs(1), 2, 2));
        // A rule for one port covers only that port; a host rule covers every port.
        let local = Politeness::unlimited(64)
            .with_whois_rule(ServerRule::new("127.0.0.1:4343", ServerPolicy::unlimited(3), "t"))
            .with_whois_rule(ServerRule::new("whois.test", ServerPolicy::unlimited(2), "t"));
        assert_eq!(local.whois_key("127.0.0.1", 4343).1, ServerPolicy::unlimited(3));
        assert_eq!(local.whois_key("127.0.0.1", 43).1, ServerPolicy::unlimited(64));
        assert_eq!(local.whois_key("a.whois.test", 4343).1, ServerPolicy::unlimited(2));
        // The same host and port as an RDAP service is another key.
        let url = Url::parse("http://127.0.0.1:4343/rdap/domain/x.test").unwrap();
        assert_ne!(local.server_key(&url).0, local.whois_key("127.0.0.1", 4343).0);
    }
}
