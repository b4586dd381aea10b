//! Generated worlds for bulk runs and benchmarks ([`World::generated`]), and per-service rate
//! limits in the RDAP server ([`WorldBuilder::rate_limit`]).
//!
//! **The world is generated**: its domains, addresses, networks and AS numbers are
//! synthetic. Its RDAP answers are built from templates, each a real recorded answer in
//! `fixtures/rdap/` (Verisign, Cloudflare's registrar, AFNIC, CZ.NIC, Uniregistry,
//! FIR/Flexireg, ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC) with its names, handles, ranges,
//! types and links replaced; everything else in an answer (notices, events, contacts of the
//! template's entities) is the template's.
//!
//! Shape, for `n` domains (seeded, deterministic):
//!
//! * registries: `verisign` (`.com`, `.net`), `afnic` (`.fr`), `cznic` (`.cz`),
//!   `uniregistry` (`.click`), `flexireg` (`.moscow`); `.com`/`.net` answers link
//!   (`related`) to one of three registrars: `cloudflare-registrar`, `markmonitor`, `netsol`;
//! * the five RIRs, each with four ISP allocations (a `/16`, not a leaf) holding customer
//!   assignments (`/24`, leaf types `ASSIGNED PA`, `REASSIGNMENT`, `ASSIGNED NON-PORTABLE`,
//!   `ASSIGNED`); hosting addresses sit inside customer blocks (shared hosting: many domains
//!   per address and per block) or directly in an ISP's block outside every customer block
//!   (the range-cache trap: the ISP's answer must not be reused for them, nor for customer
//!   addresses);
//! * DNS: `A` for each domain (one or two addresses, a fifth of the domains on a few popular
//!   addresses), `www.` as a CNAME, one NS; Team Cymru: every ISP `/16`, and half of the
//!   customer `/24`s as more specific announcements.
//!
//! [`GeneratedWorld::min_requests`] is the fewest RDAP requests any correct client needs:
//! one registry answer per domain, one registrar answer per linked domain, one answer per
//! customer block used, and one per address used directly inside an ISP block.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Fault, World, WorldBuilder, lock};

/// Per-service token buckets of a world's RDAP server.
#[derive(Debug, Clone, Default)]
pub(super) struct RateLimits {
    /// service → (requests per period, period, burst).
    specs: HashMap<String, (u32, Duration, u32)>,
    /// service → (tokens, last refill), shared by clones of a started world.
    buckets: Arc<Mutex<HashMap<String, (f64, tokio::time::Instant)>>>,
    /// 429s carry no `Retry-After` (as many servers answer).
    no_retry_after: bool,
}

impl RateLimits {
    /// `Some(429 with Retry-After)` (or without, see
    /// [`WorldBuilder::rate_limit_without_retry_after`]) when `service` has no token left;
    /// takes one otherwise.
    pub(super) fn check(&self, service: &str) -> Option<Fault> {
        let &(requests, period, burst) = self.specs.get(service)?;
        if requests == 0 || period.is_zero() {
            return None;
        }
        let rate = f64::from(requests) / period.as_secs_f64();
        let now = tokio::time::Instant::now();
        let mut buckets = lock(&self.buckets);
        let (tokens, last) =
            buckets.entry(service.to_owned()).or_insert((f64::from(burst.max(1)), now));
        let elapsed = now.saturating_duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * rate).min(f64::from(burst.max(1)));
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return None;
        }
        if self.no_retry_after {
            return Some(Fault::RateLimit { retry_after: String::new() });
        }
        let wait = ((1.0 - *tokens) / rate).ceil().max(1.0);
        Some(Fault::RateLimit { retry_after: format!("{wait:.0}") })
    }
}

impl WorldBuilder {
    /// Limit `service` to `requests` per `period` with bursts of `burst` (a token bucket):
    /// a request finding the bucket empty is answered `429 Too Many Requests` with a
    /// `Retry-After` of the seconds until the next token (at least 1), and counted like any
    /// request. Checked before fault rules.
    pub fn rate_limit(
        mut self,
        service: &str,
        requests: u32,
        period: Duration,
        burst: u32,
    ) -> Self {
        self.rate_limits.specs.insert(service.to_owned(), (requests, period, burst));
        self
    }

    /// Answer the 429s of [`rate_limit`](Self::rate_limit) without a `Retry-After` header,
    /// as many servers do: the client must find its own pace.
    pub fn rate_limit_without_retry_after(mut self) -> Self {
        self.rate_limits.no_retry_after = true;
        self
    }
}

/// A deterministic pseudo-random sequence (SplitMix64).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Embed one recorded RDAP answer from `fixtures/rdap/`.
macro_rules! template {
    ($path:literal) => {
        include_str!(concat!("../fixtures/rdap/", $path))
    };
}

/// A registry: service name, real base URL, TLDs, template, weight in percent.
struct RegistrySpec {
    service: &'static str,
    base: &'static str,
    tld: &'static str,
    template: &'static str,
    weight: u64,
    /// Whether its answers link to a registrar.
    links_registrar: bool,
}

const REGISTRIES: &[RegistrySpec] = &[
    RegistrySpec {
        service: "verisign",
        base: "https://rdap.verisign.com/com/v1/",
        tld: "com",
        template: template!("domain/verisign-cloudflare.com-registry.json"),
        weight: 55,
        links_registrar: true,
    },
    RegistrySpec {
        service: "verisign",
        base: "https://rdap.verisign.com/net/v1/",
        tld: "net",
        template: template!("domain/verisign-cloudflare.com-registry.json"),
        weight: 10,
        links_registrar: true,
    },
    RegistrySpec {
        service: "afnic",
        base: "https://rdap.nic.fr/",
        tld: "fr",
        template: template!("domain/afnic-lemonde.fr.json"),
        weight: 10,
        links_registrar: false,
    },
    RegistrySpec {
        service: "cznic",
        base: "https://rdap.nic.cz/",
        tld: "cz",
        template: template!("domain/cznic-example.cz.json"),
        weight: 10,
        links_registrar: false,
    },
    RegistrySpec {
        service: "uniregistry",
        base: "https://rdap.registry.click/rdap/",
        tld: "click",
        template: template!("domain/uniregistry-microsoft.click-registry.json"),
        weight: 5,
        links_registrar: false,
    },
    RegistrySpec {
        service: "flexireg",
        base: "https://flexireg.net/moscow/rdap/",
        tld: "moscow",
        template: template!("domain/flexireg-home.moscow-registry.json"),
        weight: 10,
        links_registrar: false,
    },
];

/// A registrar: service, real base URL, name, IANA ID, abuse email and phone.
struct RegistrarSpec {
    service: &'static str,
    base: &'static str,
    name: &'static str,
    iana_id: &'static str,
    email: &'static str,
    phone: &'static str,
}

/// Names, IDs and abuse channels as the registries publish them; the answers themselves
/// are built from Cloudflare's recorded registrar answer.
const REGISTRARS: &[RegistrarSpec] = &[
    RegistrarSpec {
        service: "cloudflare-registrar",
        base: "https://rdap.cloudflare.com/rdap/v1/",
        name: "Cloudflare, Inc.",
        iana_id: "1910",
        email: "registrar-abuse@cloudflare.com",
        phone: "tel:+1.4153197517",
    },
    RegistrarSpec {
        service: "markmonitor",
        base: "https://rdap.markmonitor.com/rdap/",
        name: "MarkMonitor Inc.",
        iana_id: "292",
        email: "abusecomplaints@markmonitor.com",
        phone: "tel:+1.2083895740",
    },
    RegistrarSpec {
        service: "netsol",
        base: "https://rdap.networksolutions.com/rdap/",
        name: "Network Solutions, LLC",
        iana_id: "2",
        email: "abuse@web.com",
        phone: "tel:+1.8003337680",
    },
];

const REGISTRAR_TEMPLATE: &str = template!("domain/cloudflare-registrar-cloudflare.com.json");

/// AFRINIC's recorded WHOIS answer for 196.216.2.0/23: its RDAP answers carry no abuse
/// entity, its WHOIS does (via `mnt-irt`), so AFRINIC networks are served in WHOIS too, from
/// this template with the range replaced.
const AFRINIC_WHOIS: &str =
    include_str!("../fixtures/whois/ip/afrinic__196.216.2.1-afrinic-abuse-via-irt.txt");

/// The WHOIS answer for an AFRINIC network `start`–`end`.
fn afrinic_whois(start: Ipv4Addr, end: Ipv4Addr) -> String {
    AFRINIC_WHOIS.replace("196.216.2.0 - 196.216.3.255", &format!("{start} - {end}"))
}

/// An RIR: service, real base URL, the /8 it serves here, Team Cymru's registry name and
/// country, the template, and the RDAP types of its allocations and assignments.
struct RirSpec {
    service: &'static str,
    base: &'static str,
    first_octet: u8,
    cymru: &'static str,
    cc: &'static str,
    template: &'static str,
    allocation: &'static str,
    assignment: &'static str,
}

const RIRS: &[RirSpec] = &[
    RirSpec {
        service: "arin",
        base: "https://rdap.arin.net/registry/",
        first_octet: 23,
        cymru: "arin",
        cc: "US",
        template: template!("ip/arin-8.8.8.0-24-google.json"),
        allocation: "DIRECT ALLOCATION",
        assignment: "REASSIGNMENT",
    },
    RirSpec {
        service: "ripe",
        base: "https://rdap.db.ripe.net/",
        first_octet: 31,
        cymru: "ripencc",
        cc: "NL",
        template: template!("ip/ripe-193.0.0.0-21-ripencc.json"),
        allocation: "ALLOCATED PA",
        assignment: "ASSIGNED PA",
    },
    RirSpec {
        service: "apnic",
        base: "https://rdap.apnic.net/",
        first_octet: 101,
        cymru: "apnic",
        cc: "AU",
        template: template!("ip/apnic-1.1.1.0-24-apnic-labs.json"),
        allocation: "ALLOCATED PORTABLE",
        assignment: "ASSIGNED NON-PORTABLE",
    },
    RirSpec {
        service: "lacnic",
        base: "https://rdap.lacnic.net/rdap/",
        first_octet: 177,
        cymru: "lacnic",
        cc: "UY",
        template: template!("ip/lacnic-200.3.12.0-22-lacnic.json"),
        allocation: "ALLOCATED",
        assignment: "ASSIGNED",
    },
    RirSpec {
        service: "afrinic",
        base: "https://rdap.afrinic.net/rdap/",
        first_octet: 41,
        cymru: "afrinic",
        cc: "ZA",
        template: template!("ip/afrinic-41.0.0.0-16.json"),
        allocation: "ALLOCATED PA",
        assignment: "ASSIGNED PA",
    },
];

/// ISP allocations per RIR.
const ISPS_PER_RIR: usize = 4;
/// Third octets at and above this are outside every customer block.
const DIRECT_OCTET: u8 = 200;

/// A generated world (made by [`World::generated`]): its builder, its domains and the
/// fewest requests it needs.
///
/// **The world is generated**: its domains, addresses, networks and AS numbers are
/// synthetic. Its RDAP answers are built from templates, each a real recorded answer in
/// `fixtures/rdap/` (Verisign, Cloudflare's registrar, AFNIC, CZ.NIC, Uniregistry,
/// FIR/Flexireg, ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC) with its names, handles, ranges,
/// types and links replaced; everything else in an answer (notices, events, contacts of the
/// template's entities) is the template's.
///
/// Shape, for `n` domains (seeded, deterministic):
///
/// * registries: `verisign` (`.com`, `.net`), `afnic` (`.fr`), `cznic` (`.cz`),
///   `uniregistry` (`.click`), `flexireg` (`.moscow`); `.com`/`.net` answers link
///   (`related`) to one of three registrars: `cloudflare-registrar`, `markmonitor`, `netsol`;
/// * the five RIRs, each with four ISP allocations (a `/16`, not a leaf) holding customer
///   assignments (`/24`, leaf types `ASSIGNED PA`, `REASSIGNMENT`, `ASSIGNED NON-PORTABLE`,
///   `ASSIGNED`); hosting addresses sit inside customer blocks (shared hosting: many domains
///   per address and per block) or directly in an ISP's block outside every customer block
///   (the range-cache trap: the ISP's answer must not be reused for them, nor for customer
///   addresses);
/// * DNS: `A` for each domain (one or two addresses, a fifth of the domains on a few popular
///   addresses), `www.` as a CNAME, one NS; Team Cymru: every ISP `/16`, and half of the
///   customer `/24`s as more specific announcements.
///
/// [`GeneratedWorld::min_requests`] is the fewest RDAP requests any correct client needs:
/// one registry answer per domain, one registrar answer per linked domain, one answer per
/// customer block used, and one per address used directly inside an ISP block. Registries
/// without a `related` link keep their registrar's name but not its IANA ID, so no
/// registrar server is looked up for them. AFRINIC networks are also served by a simulated
/// `whois.afrinic.net` (AFRINIC's RDAP has no abuse entity; its WHOIS names one), from its
/// recorded WHOIS answer; WHOIS queries are not RDAP requests and are not counted in the
/// minimum.
#[derive(Debug, Clone)]
pub struct GeneratedWorld {
    builder: WorldBuilder,
    /// Abusix and RIPEstat entries agreeing with every network answer.
    quota_free: super::quota_free::Entries,
    /// Serve them ([`with_quota_free`](Self::with_quota_free)).
    serve_quota_free: bool,
    domains: Vec<String>,
    min_per_service: BTreeMap<String, u64>,
    seed: u64,
    /// domain → the fault injected into its registry answer.
    injected: BTreeMap<String, InjectedFault>,
    /// RIR service → the distinct hosting addresses in its space that domains use.
    addresses_per_rir: BTreeMap<String, u64>,
}

impl GeneratedWorld {
    /// The builder (add faults, rate limits, latency), ready to [`start`](WorldBuilder::start).
    pub fn builder(&self) -> WorldBuilder {
        self.clone().into_builder()
    }

    /// The builder, without a copy.
    pub fn into_builder(self) -> WorldBuilder {
        if self.serve_quota_free { self.quota_free.apply(self.builder) } else { self.builder }
    }

    /// Also serve the quota-free sources' stand-ins (default off): an Abusix zone entry
    /// ([`WorldBuilder::abusix`]) and a RIPEstat entry ([`WorldBuilder::ripestat`]) for every
    /// network (ISP blocks and customer blocks) whose RDAP answer names an abuse mailbox, with
    /// that mailbox, so the sources agree with RDAP; Abusix has none for LACNIC space, as
    /// Abusix documents. The world's RDAP objects, DNS records, requests and
    /// [`min_requests`](Self::min_requests) are the same either way.
    #[must_use]
    pub fn with_quota_free(mut self, on: bool) -> Self {
        self.serve_quota_free = on;
        self
    }

    /// RIR service → the distinct hosting addresses in its space that the domains use.
    pub fn addresses_per_rir(&self) -> &BTreeMap<String, u64> {
        &self.addresses_per_rir
    }

    /// RIR service → its share (0 to 1) of the distinct hosting addresses the domains use.
    pub fn address_shares(&self) -> BTreeMap<String, f64> {
        let total = self.addresses_per_rir.values().sum::<u64>().max(1) as f64;
        self.addresses_per_rir.iter().map(|(rir, &n)| (rir.clone(), n as f64 / total)).collect()
    }

    /// The registrable domains, in generation order.
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// `count` bulk inputs over the domains, lazily: every domain once in a shuffled order
    /// (bare, `www.` or as a URL), then again with other spellings when `count` exceeds the
    /// number of domains. The same registrable domain therefore recurs after the first
    /// `domains().len()` inputs.
    pub fn inputs(&self, count: usize) -> impl Iterator<Item = String> + Send + 'static {
        let domains = self.domains.clone();
        let n = domains.len().max(1);
        // A stride coprime with n walks every domain once per round.
        let mut stride = (n / 2 + 1) | 1;
        while gcd(stride, n) != 1 {
            stride += 2;
        }
        let seed = self.seed;
        (0..count).map(move |i| {
            let round = i / n;
            let index = (i % n * stride + seed as usize) % n;
            let domain = domains.get(index).cloned().unwrap_or_default();
            match (index + round) % 10 {
                0..=6 => domain,
                7 | 8 => format!("www.{domain}"),
                _ => format!("https://{domain}/page?id={i}"),
            }
        })
    }

    /// The fewest RDAP requests a correct client needs for every domain of the world.
    pub fn min_requests(&self) -> u64 {
        self.min_per_service.values().sum()
    }

    /// [`min_requests`](Self::min_requests) by service.
    pub fn min_requests_per_service(&self) -> &BTreeMap<String, u64> {
        &self.min_per_service
    }
}

impl GeneratedWorld {
    /// domain → the fault injected into its registry answer (empty without a [`FaultMix`]).
    pub fn injected(&self) -> &BTreeMap<String, InjectedFault> {
        &self.injected
    }

    /// The domain an input from [`inputs`](Self::inputs) names and its injected fault, if
    /// it has one.
    pub fn fault_for_input(&self, input: &str) -> Option<(&str, &InjectedFault)> {
        let host = input.trim_start_matches("https://");
        let host = host.split('/').next().unwrap_or(host);
        let host = host.strip_prefix("www.").unwrap_or(host);
        self.injected.get_key_value(host).map(|(domain, fault)| (domain.as_str(), fault))
    }

    /// How the lookup of an input from [`inputs`](Self::inputs) fared against its injected
    /// fault: `None` when the input's domain has none.
    pub fn verdict(
        &self,
        world: &World,
        input: &str,
        result: &Result<whohosts::HostingRecord, whohosts::Error>,
    ) -> Option<(FaultKind, FaultVerdict)> {
        let (_, fault) = self.fault_for_input(input)?;
        let Ok(record) = result else { return Some((fault.kind, FaultVerdict::Lost)) };
        let target = fault.target(world);
        let reported =
            record.errors.iter().any(|e| e.stage == whohosts::Stage::Rdap && e.target == target);
        let answered = record.registry.as_ref().is_some_and(|r| r.source_url.is_some());
        let verdict = if reported {
            FaultVerdict::Reported
        } else if fault.kind.curable() && answered {
            FaultVerdict::Cured
        } else {
            FaultVerdict::Lost
        };
        Some((fault.kind, verdict))
    }
}

/// A kind of fault [`World::generated_with_faults`] injects into a domain's registry answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FaultKind {
    /// `503` once, then the answer: a retry cures it.
    ServerErrorOnce,
    /// `429` with `Retry-After: 0` once, then the answer: a retry cures it.
    RateLimitOnce,
    /// `500` every time.
    ServerErrorAlways,
    /// Half the body, every time.
    Truncated,
    /// An HTML error page with status 200, every time.
    Malformed,
    /// A 5 MiB body (the answer padded with spaces), over the client's default 4 MiB limit.
    Oversized,
    /// A redirect to itself, every time.
    RedirectLoop,
    /// A redirect to the private address of [`FaultMix::private_addr`], every time.
    PrivateRedirect,
    /// The answer's `related` link leads to the private address of
    /// [`FaultMix::private_addr`] (and no registrar answer is served).
    PrivateLink,
}

impl FaultKind {
    /// Every kind, curable ones first.
    pub const ALL: [FaultKind; 9] = [
        FaultKind::ServerErrorOnce,
        FaultKind::RateLimitOnce,
        FaultKind::ServerErrorAlways,
        FaultKind::Truncated,
        FaultKind::Malformed,
        FaultKind::Oversized,
        FaultKind::RedirectLoop,
        FaultKind::PrivateRedirect,
        FaultKind::PrivateLink,
    ];

    /// A short name, e.g. `5xx_once`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::ServerErrorOnce => "5xx_once",
            FaultKind::RateLimitOnce => "429_once",
            FaultKind::ServerErrorAlways => "5xx_always",
            FaultKind::Truncated => "truncated",
            FaultKind::Malformed => "malformed",
            FaultKind::Oversized => "oversized",
            FaultKind::RedirectLoop => "redirect_loop",
            FaultKind::PrivateRedirect => "private_redirect",
            FaultKind::PrivateLink => "private_link",
        }
    }

    /// Whether a retry cures it (the client retries 5xx and 429 up to `max_retries`).
    pub fn curable(self) -> bool {
        matches!(self, FaultKind::ServerErrorOnce | FaultKind::RateLimitOnce)
    }

    /// Whether it needs [`FaultMix::private_addr`].
    fn private(self) -> bool {
        matches!(self, FaultKind::PrivateRedirect | FaultKind::PrivateLink)
    }

    /// The server fault rule for an object at `base` + `path` (none when the answer itself
    /// carries the fault).
    fn rule(
        self,
        base: &str,
        path: &str,
        private_url: Option<&str>,
    ) -> Option<(Fault, Option<u32>)> {
        Some(match self {
            FaultKind::ServerErrorOnce => (Fault::Status(503), Some(1)),
            FaultKind::RateLimitOnce => (Fault::RateLimit { retry_after: "0".into() }, Some(1)),
            FaultKind::ServerErrorAlways => (Fault::Status(500), None),
            FaultKind::Truncated => (Fault::Truncate, None),
            FaultKind::Malformed => (Fault::Malformed, None),
            FaultKind::Oversized => (Fault::Oversized(OVERSIZED_BYTES), None),
            FaultKind::RedirectLoop => (Fault::Redirect(format!("{base}{path}")), None),
            FaultKind::PrivateRedirect => (Fault::Redirect(private_url?.to_owned()), None),
            FaultKind::PrivateLink => return None,
        })
    }
}

/// The body size of [`FaultKind::Oversized`]: 5 MiB.
const OVERSIZED_BYTES: usize = 5 * 1024 * 1024;

/// Which faults [`World::generated_with_faults`] injects, and how often: each domain gets at
/// most one, drawn from the seed.
#[derive(Debug, Clone, Default)]
pub struct FaultMix {
    /// Kind → rate in domains per thousand. Rates add up to at most 1000 (kinds past that
    /// are never drawn).
    pub rates: BTreeMap<FaultKind, u32>,
    /// The address private-address faults lead to (e.g. a listener on `127.0.0.2` that
    /// counts connections); without it those kinds are not injected.
    pub private_addr: Option<SocketAddr>,
}

impl FaultMix {
    /// Every kind at `per_mille` domains per thousand; private-address kinds only with
    /// `private_addr`.
    pub fn every_kind(per_mille: u32, private_addr: Option<SocketAddr>) -> Self {
        let rates = FaultKind::ALL
            .iter()
            .filter(|k| private_addr.is_some() || !k.private())
            .map(|&k| (k, per_mille))
            .collect();
        Self { rates, private_addr }
    }

    /// The fault for the next domain, if any: one draw from `rng` per domain.
    fn pick(&self, rng: &mut Rng) -> Option<FaultKind> {
        if self.rates.is_empty() {
            return None;
        }
        let mut draw = rng.next() % 1000;
        for (&kind, &rate) in &self.rates {
            let rate = u64::from(rate);
            if draw < rate {
                return (self.private_addr.is_some() || !kind.private()).then_some(kind);
            }
            draw -= rate;
        }
        None
    }
}

/// How [`World::generated_shaped`] spreads hosting addresses over the five RIRs' space:
/// a weight per RIR service (`arin`, `ripe`, `apnic`, `lacnic`, `afrinic`). The default
/// ([`RirMix::uniform`]) is the one [`World::generated`] uses: a fifth each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RirMix {
    /// RIR service → weight; an RIR left out has weight 0. Empty: uniform.
    pub weights: BTreeMap<String, u32>,
}

impl RirMix {
    /// A fifth of the addresses in each RIR's space (the world [`World::generated`] makes).
    pub fn uniform() -> Self {
        Self::default()
    }

    /// The address mix of a piracy operation (IPTV, streaming, CSAM and phishing hosting
    /// clusters sit mostly in RIPE and LACNIC space, the seeds say): RIPE NCC 45 %, LACNIC
    /// 15 %, ARIN 20 %, APNIC 12 %, AFRINIC 8 %. **Synthesised**: the weights are this
    /// crate's choice, meeting the real-limits issue's floor (at least 40 % RIPE and 10 %
    /// LACNIC), not a measured distribution.
    pub fn piracy() -> Self {
        let weights = [("ripe", 45), ("lacnic", 15), ("arin", 20), ("apnic", 12), ("afrinic", 8)];
        Self { weights: weights.iter().map(|&(s, w)| (s.to_owned(), w)).collect() }
    }

    /// The RIR (an index into `RIRS`) for the next address: one draw from `rng`.
    fn pick(&self, rng: &mut Rng) -> usize {
        let weight = |r: &RirSpec| self.weights.get(r.service).copied().unwrap_or(0);
        let total: u64 = RIRS.iter().map(|r| u64::from(weight(r))).sum();
        if self.weights.is_empty() || total == 0 {
            return rng.below(RIRS.len());
        }
        let mut draw = rng.next() % total;
        for (index, rir) in RIRS.iter().enumerate() {
            let w = u64::from(weight(rir));
            if draw < w {
                return index;
            }
            draw -= w;
        }
        0
    }
}

/// A fault injected into one domain's registry answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InjectedFault {
    /// Its kind.
    pub kind: FaultKind,
    /// The registry service serving the answer.
    pub service: String,
    /// The answer's path at that service, e.g. `domain/site1-0a3f.com`.
    pub path: String,
    /// For private-address kinds, the URL on the private address.
    pub private_url: Option<String>,
}

impl InjectedFault {
    /// The target a lookup must name in its error when it cannot cure the fault: the
    /// private URL for [`FaultKind::PrivateLink`], the answer's local URL otherwise.
    pub fn target(&self, world: &World) -> String {
        match (self.kind, &self.private_url) {
            (FaultKind::PrivateLink, Some(url)) => url.clone(),
            _ => format!("{}{}", world.service_url(&self.service), self.path),
        }
    }
}

/// How a lookup fared against an injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultVerdict {
    /// The record has the registry's answer and no error for it.
    Cured,
    /// The record has an `rdap` error naming the faulted object.
    Reported,
    /// Neither: the fault was lost (goal: never).
    Lost,
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Set `key` in a JSON object.
fn set(value: &mut Value, key: &str, new: Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert(key.to_owned(), new);
    }
}

/// Replace the text of the vCard properties `fn`, `email` and `tel` found in `entity`.
fn set_vcard(entity: &mut Value, name: Option<&str>, email: Option<&str>, phone: Option<&str>) {
    let Some(props) = entity.pointer_mut("/vcardArray/1").and_then(Value::as_array_mut) else {
        return;
    };
    for prop in props.iter_mut() {
        let Some(items) = prop.as_array_mut() else { continue };
        let new = match items.first().and_then(Value::as_str) {
            Some("fn") => name,
            Some("email") => email,
            Some("tel") => phone,
            _ => None,
        };
        if let (Some(text), Some(slot)) = (new, items.get_mut(3)) {
            *slot = Value::String(text.to_owned());
        }
    }
}

/// The top-level entities of `answer` with the `registrar` role.
fn registrar_entities(answer: &mut Value) -> impl Iterator<Item = &mut Value> {
    let entities = answer.get_mut("entities").and_then(Value::as_array_mut);
    entities.into_iter().flatten().filter(|entity| {
        entity
            .get("roles")
            .and_then(Value::as_array)
            .is_some_and(|roles| roles.iter().any(|r| r == "registrar"))
    })
}

/// Make the template's `registrar` entity (and the abuse entity inside it) `registrar`'s.
fn set_registrar(answer: &mut Value, registrar: &RegistrarSpec) {
    for entity in registrar_entities(answer) {
        set(entity, "handle", json!(registrar.iana_id));
        set(
            entity,
            "publicIds",
            json!([{ "type": "IANA Registrar ID", "identifier": registrar.iana_id }]),
        );
        set(entity, "links", json!([]));
        set_vcard(entity, Some(registrar.name), None, None);
        if let Some(inner) = entity.get_mut("entities").and_then(Value::as_array_mut) {
            for abuse in inner.iter_mut() {
                set_vcard(abuse, None, Some(registrar.email), Some(registrar.phone));
            }
        }
    }
}

/// Registries without a `related` link here keep their registrar's name but not its IANA
/// ID or links, so a client finds no registrar RDAP server to ask (the world serves none
/// for them, and the real ones must never be asked from a test).
fn unlink_registrar(answer: &mut Value) {
    for entity in registrar_entities(answer) {
        if let Some(object) = entity.as_object_mut() {
            object.remove("publicIds");
            object.remove("links");
            object.insert("handle".into(), json!("REGISTRAR-GENERATED"));
        }
    }
}

/// Where a domain answer's `related` link leads.
#[derive(Clone, Copy)]
enum Related<'a> {
    /// No link.
    None,
    /// The registrar's answer.
    Registrar(&'a RegistrarSpec),
    /// This URL (a fault: a link to a private address), with no registrar named.
    Url(&'a str),
}

/// A domain answer from `template` for `domain`, served at `base`, linking to
/// `registrar`'s answer when given.
fn domain_answer(
    template: &Value,
    base: &str,
    domain: &str,
    handle: &str,
    registrar: Option<&RegistrarSpec>,
) -> String {
    domain_answer_linked(
        template,
        base,
        domain,
        handle,
        registrar.map_or(Related::None, Related::Registrar),
    )
}

/// A domain answer from `template` for `domain`, served at `base`, with `related`.
fn domain_answer_linked(
    template: &Value,
    base: &str,
    domain: &str,
    handle: &str,
    related: Related<'_>,
) -> String {
    let registrar = match related {
        Related::Registrar(registrar) => Some(registrar),
        Related::None | Related::Url(_) => None,
    };
    let mut answer = template.clone();
    let upper = template
        .get("ldhName")
        .and_then(Value::as_str)
        .is_some_and(|n| n.chars().any(|c| c.is_ascii_uppercase()));
    let ldh = if upper { domain.to_ascii_uppercase() } else { domain.to_owned() };
    set(&mut answer, "ldhName", json!(ldh));
    if let Some(object) = answer.as_object_mut() {
        object.remove("unicodeName");
    }
    set(&mut answer, "handle", json!(handle));
    if registrar.is_none() {
        unlink_registrar(&mut answer);
    }
    let own = format!("{base}domain/{domain}");
    let mut links = vec![json!({
        "value": own, "rel": "self", "href": own, "type": "application/rdap+json"
    })];
    if let Some(registrar) = registrar {
        let related = format!("{}domain/{}", registrar.base, domain.to_ascii_uppercase());
        links.push(json!({
            "value": own, "rel": "related", "href": related, "type": "application/rdap+json"
        }));
        set_registrar(&mut answer, registrar);
    }
    if let Related::Url(related) = related {
        links.push(json!({
            "value": own, "rel": "related", "href": related, "type": "application/rdap+json"
        }));
    }
    set(&mut answer, "links", Value::Array(links));
    set(
        &mut answer,
        "nameservers",
        json!([{ "objectClassName": "nameserver", "ldhName": format!("ns1.{domain}") }]),
    );
    answer.to_string()
}

/// An ip network answer from `template` for `start/len`.
fn network_answer(
    rir: &RirSpec,
    template: &Value,
    start: Ipv4Addr,
    len: u8,
    kind: &str,
    name: &str,
    parent: Option<&str>,
) -> String {
    let mut answer = template.clone();
    let size = 1u32 << (32 - u32::from(len));
    let end = Ipv4Addr::from(u32::from(start).saturating_add(size - 1));
    let handle = format!("NET-{}-{len}", start.to_string().replace('.', "-"));
    set(&mut answer, "handle", json!(handle));
    set(&mut answer, "name", json!(name));
    set(&mut answer, "type", json!(kind));
    set(&mut answer, "startAddress", json!(start.to_string()));
    set(&mut answer, "endAddress", json!(end.to_string()));
    set(&mut answer, "cidr0_cidrs", json!([{ "v4prefix": start.to_string(), "length": len }]));
    match parent {
        Some(parent) => set(&mut answer, "parentHandle", json!(parent)),
        None => {
            if let Some(object) = answer.as_object_mut() {
                object.remove("parentHandle");
            }
        }
    }
    let own = format!("{}ip/{start}/{len}", rir.base);
    set(
        &mut answer,
        "links",
        json!([{ "value": own, "rel": "self", "href": own, "type": "application/rdap+json" }]),
    );
    answer.to_string()
}

/// Where an address sits: its customer block (a leaf), or directly in an ISP block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Home {
    Customer { rir: usize, isp: usize, block: u8 },
    Direct(Ipv4Addr),
}

impl World {
    /// A generated world of `domains` registrable domains spread over realistic services
    /// (see [`GeneratedWorld`] for its shape); the same `seed` gives the same world. Build with [`GeneratedWorld::builder`], look up
    /// [`GeneratedWorld::inputs`], compare the requests sent with
    /// [`GeneratedWorld::min_requests`].
    pub fn generated(domains: usize, seed: u64) -> GeneratedWorld {
        generate(domains, seed, &FaultMix::default(), &RirMix::uniform())
    }

    /// [`World::generated`] with faults injected into the registry answers of some domains
    /// at `mix`'s rates (see [`FaultMix`]); the same `seed` and `mix` give the same faults,
    /// listed by [`GeneratedWorld::injected`]. Without faults (all rates 0) the world is
    /// the one [`World::generated`] makes.
    pub fn generated_with_faults(domains: usize, seed: u64, mix: &FaultMix) -> GeneratedWorld {
        generate(domains, seed, mix, &RirMix::uniform())
    }

    /// [`World::generated_with_faults`] with the hosting addresses spread over the RIRs'
    /// space by `rirs` (e.g. [`RirMix::piracy`]: most in RIPE and LACNIC space). With
    /// [`RirMix::uniform`] the world is the one [`World::generated_with_faults`] makes.
    ///
    /// ```
    /// use whohosts_testing::{FaultMix, RirMix, World};
    ///
    /// let world = World::generated_shaped(300, 1, &FaultMix::default(), &RirMix::piracy());
    /// let shares = world.address_shares();
    /// assert!(shares["ripe"] >= 0.40 && shares["lacnic"] >= 0.10, "{shares:?}");
    /// ```
    pub fn generated_shaped(
        domains: usize,
        seed: u64,
        faults: &FaultMix,
        rirs: &RirMix,
    ) -> GeneratedWorld {
        generate(domains, seed, faults, rirs)
    }
}

fn generate(count: usize, seed: u64, mix: &FaultMix, rirs: &RirMix) -> GeneratedWorld {
    let mut rng = Rng(seed ^ 0x5748_4f48_4f53_5453);
    // Faults draw from their own sequence, so the world's shape does not depend on them.
    let mut fault_rng = Rng(seed ^ 0x4641_554c_5453_0001);
    let mut injected = BTreeMap::new();
    let mut builder = WorldBuilder::new();
    let mut min: BTreeMap<String, u64> = BTreeMap::new();
    let mut quota_free = super::quota_free::Entries::default();

    // Services and bootstrap claims.
    for registry in REGISTRIES {
        builder = builder
            .service(registry.service, &[registry.base])
            .claim_tld(registry.service, registry.tld);
    }
    for registrar in REGISTRARS {
        builder = builder.service(registrar.service, &[registrar.base]);
    }
    for rir in RIRS {
        builder = builder
            .service(rir.service, &[rir.base])
            .claim_ip(rir.service, &format!("{}.0.0.0/8", rir.first_octet));
    }

    // Hosting addresses: ~one per three domains, at least 10.
    let pool_size = (count / 3).max(10);
    let customers_per_isp = (pool_size / (RIRS.len() * ISPS_PER_RIR * 3)).clamp(2, 199);
    let mut pool: Vec<(Ipv4Addr, Home)> = Vec::with_capacity(pool_size);
    let mut seen = BTreeSet::new();
    while pool.len() < pool_size {
        let r = rirs.pick(&mut rng);
        let isp = rng.below(ISPS_PER_RIR);
        let (third, home) = if rng.chance(70) {
            let block = u8::try_from(1 + rng.below(customers_per_isp)).unwrap_or(1);
            (block, Home::Customer { rir: r, isp, block })
        } else {
            (
                DIRECT_OCTET + u8::try_from(rng.below(55)).unwrap_or(0),
                Home::Direct(Ipv4Addr::UNSPECIFIED),
            )
        };
        let host = u8::try_from(1 + rng.below(254)).unwrap_or(1);
        let first = RIRS.get(r).map_or(23, |x| x.first_octet);
        let ip = Ipv4Addr::new(first, u8::try_from(isp).unwrap_or(0) * 16, third, host);
        if !seen.insert(ip) {
            continue;
        }
        let home = match home {
            Home::Direct(_) => Home::Direct(ip),
            customer => customer,
        };
        pool.push((ip, home));
    }
    let popular = pool.len().min(16);

    // Domains.
    let total_weight: u64 = REGISTRIES.iter().map(|r| r.weight).sum();
    let templates: Vec<Value> = REGISTRIES
        .iter()
        .map(|r| serde_json::from_str(r.template).unwrap_or(Value::Null))
        .collect();
    let registrar_template: Value = serde_json::from_str(REGISTRAR_TEMPLATE).unwrap_or(Value::Null);
    let mut domains = Vec::with_capacity(count);
    let mut used_homes = BTreeSet::new();
    let mut used_ips = BTreeSet::new();
    for i in 0..count {
        let mut pick = rng.next() % total_weight;
        let mut index = 0;
        for (k, registry) in REGISTRIES.iter().enumerate() {
            if pick < registry.weight {
                index = k;
                break;
            }
            pick -= registry.weight;
        }
        let Some(registry) = REGISTRIES.get(index) else { continue };
        let domain = format!("site{i}-{:04x}.{}", rng.next() & 0xffff, registry.tld);
        let handle = format!("{}_DOMAIN_{}-GEN", i + 1, registry.tld.to_ascii_uppercase());
        let registrar =
            registry.links_registrar.then(|| REGISTRARS.get(rng.below(REGISTRARS.len()))).flatten();
        let template = templates.get(index).unwrap_or(&Value::Null);
        let fault = mix.pick(&mut fault_rng);
        let path = format!("domain/{domain}");
        let private_url = match (fault, mix.private_addr) {
            (Some(FaultKind::PrivateLink | FaultKind::PrivateRedirect), Some(trap)) => {
                Some(format!("http://{trap}/rdap/domain/{}", domain.to_ascii_uppercase()))
            }
            _ => None,
        };
        let link = match (fault, &private_url) {
            (Some(FaultKind::PrivateLink), Some(url)) => Related::Url(url),
            _ => registrar.map_or(Related::None, Related::Registrar),
        };
        builder = builder.object(
            registry.service,
            &domain_answer_linked(template, registry.base, &domain, &handle, link),
        );
        if let Some(kind) = fault {
            builder = match kind.rule(registry.base, &path, private_url.as_deref()) {
                Some((rule, times)) => builder.fault(registry.service, &path, rule, times),
                None => builder,
            };
            injected.insert(
                domain.clone(),
                InjectedFault {
                    kind,
                    service: registry.service.to_owned(),
                    path: path.clone(),
                    private_url: private_url.clone(),
                },
            );
        }
        *min.entry(registry.service.to_owned()).or_default() += 1;
        let registrar = match fault {
            Some(FaultKind::PrivateLink) => None,
            _ => registrar,
        };
        if let Some(registrar) = registrar {
            builder = builder.object(
                registrar.service,
                &domain_answer(
                    &registrar_template,
                    registrar.base,
                    &domain,
                    &handle,
                    Some(registrar),
                ),
            );
            *min.entry(registrar.service.to_owned()).or_default() += 1;
        }
        // Addresses: a fifth of the domains on the popular few, one or two each.
        let addresses = if rng.chance(20) { 2 } else { 1 };
        let mut chosen = BTreeSet::new();
        for _ in 0..addresses {
            let slot = if rng.chance(20) { rng.below(popular) } else { rng.below(pool.len()) };
            if let Some(&(ip, home)) = pool.get(slot)
                && chosen.insert(ip)
            {
                builder = builder.a(&domain, &ip.to_string());
                used_homes.insert(home);
                used_ips.insert(ip);
            }
        }
        builder = builder.cname(&format!("www.{domain}"), &domain).ns(&domain, "ns1.dns-host.net");
        domains.push(domain);
    }

    // Networks: every ISP block, and every customer block that holds a pool address.
    let customer_blocks: BTreeSet<(usize, usize, u8)> = pool
        .iter()
        .filter_map(|(_, home)| match *home {
            Home::Customer { rir, isp, block } => Some((rir, isp, block)),
            Home::Direct(_) => None,
        })
        .collect();
    let rir_templates: Vec<Value> =
        RIRS.iter().map(|r| serde_json::from_str(r.template).unwrap_or(Value::Null)).collect();
    let mut asn = 396_000u32;
    for (r, rir) in RIRS.iter().enumerate() {
        let template = rir_templates.get(r).unwrap_or(&Value::Null);
        for isp in 0..ISPS_PER_RIR {
            let second = u8::try_from(isp).unwrap_or(0) * 16;
            let start = Ipv4Addr::new(rir.first_octet, second, 0, 0);
            let isp_name = format!("{}-ISP{}", rir.service.to_ascii_uppercase(), isp + 1);
            let isp_handle = format!("NET-{}-16", start.to_string().replace('.', "-"));
            let answer = network_answer(rir, template, start, 16, rir.allocation, &isp_name, None);
            quota_free.add_rdap(rir.service, &answer);
            builder = builder.object(rir.service, &answer);
            if rir.service == "afrinic" {
                let end = Ipv4Addr::new(rir.first_octet, second, 255, 255);
                builder = builder.whois_text(
                    "whois.afrinic.net",
                    &format!("{start}/16"),
                    &afrinic_whois(start, end),
                );
            }
            asn += 1;
            let isp_asn = asn;
            builder = builder
                .cymru_origin(&format!("{start}/16"), &[isp_asn], rir.cc, rir.cymru, "2010-01-01")
                .cymru_as_name(isp_asn, &format!("{isp_name}, {}", rir.cc));
            for &(_, _, block) in
                customer_blocks.iter().filter(|(cr, ci, _)| *cr == r && *ci == isp)
            {
                let start = Ipv4Addr::new(rir.first_octet, second, block, 0);
                let name = format!("{isp_name}-CUSTOMER{block}");
                let answer = network_answer(
                    rir,
                    template,
                    start,
                    24,
                    rir.assignment,
                    &name,
                    Some(&isp_handle),
                );
                quota_free.add_rdap(rir.service, &answer);
                builder = builder.object(rir.service, &answer);
                if rir.service == "afrinic" {
                    let end = Ipv4Addr::new(rir.first_octet, second, block, 255);
                    builder = builder.whois_text(
                        "whois.afrinic.net",
                        &format!("{start}/24"),
                        &afrinic_whois(start, end),
                    );
                }
                // Half the customers announce their own /24 (a more specific route).
                if block % 2 == 0 {
                    asn += 1;
                    builder = builder
                        .cymru_origin(
                            &format!("{start}/24"),
                            &[asn],
                            rir.cc,
                            rir.cymru,
                            "2015-06-01",
                        )
                        .cymru_as_name(asn, &format!("{name}, {}", rir.cc));
                }
            }
        }
    }
    for home in &used_homes {
        let service = match *home {
            Home::Customer { rir, .. } => RIRS.get(rir).map(|r| r.service),
            Home::Direct(ip) => {
                RIRS.iter().find(|r| r.first_octet == ip.octets()[0]).map(|r| r.service)
            }
        };
        if let Some(service) = service {
            *min.entry(service.to_owned()).or_default() += 1;
        }
    }
    let mut addresses_per_rir: BTreeMap<String, u64> = BTreeMap::new();
    for ip in &used_ips {
        if let Some(rir) = RIRS.iter().find(|r| r.first_octet == ip.octets()[0]) {
            *addresses_per_rir.entry(rir.service.to_owned()).or_default() += 1;
        }
    }
    GeneratedWorld {
        builder,
        quota_free,
        serve_quota_free: false,
        domains,
        min_per_service: min,
        seed,
        injected,
        addresses_per_rir,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_world() {
        let a = World::generated(200, 7);
        let b = World::generated(200, 7);
        assert_eq!(a.domains(), b.domains());
        assert_eq!(a.min_requests(), b.min_requests());
        assert_ne!(a.domains(), World::generated(200, 8).domains());
        // One registry answer per domain, at least.
        assert!(a.min_requests() > 200);
        // The exact denominator of the README's ratio for `--world 10000 --seed 1`: a change
        // to the world's content or to what counts as needed moves it, and must say so here.
        assert_eq!(World::generated(10_000, 1).min_requests(), 18_380);
        // The uniform mix is the same world.
        let uniform = World::generated_shaped(200, 7, &FaultMix::default(), &RirMix::uniform());
        assert_eq!(uniform.min_requests_per_service(), a.min_requests_per_service());
        assert_eq!(uniform.addresses_per_rir(), a.addresses_per_rir());
        let inputs: Vec<String> = a.inputs(400).collect();
        assert_eq!(inputs.len(), 400);
        // The first round names every domain once.
        let mut first: Vec<String> = inputs[..200]
            .iter()
            .map(|i| {
                let host = i.trim_start_matches("https://").trim_start_matches("www.");
                host.split('/').next().unwrap().to_owned()
            })
            .collect();
        first.sort();
        let mut all = a.domains().to_vec();
        all.sort();
        assert_eq!(first, all);
    }

    #[test]
    fn faults_are_drawn_from_the_seed_without_changing_the_world() {
        let trap: SocketAddr = "127.0.0.2:9".parse().unwrap();
        let mix = FaultMix::every_kind(50, Some(trap));
        let a = World::generated_with_faults(400, 5, &mix);
        let b = World::generated_with_faults(400, 5, &mix);
        assert_eq!(a.injected(), b.injected());
        assert_eq!(a.domains(), World::generated(400, 5).domains());
        assert!(World::generated(400, 5).injected().is_empty());
        // Nine kinds at 5% each: about 45% of the domains.
        assert!((120..=240).contains(&a.injected().len()), "{}", a.injected().len());
        // Without a private address, no private-address fault.
        let public = World::generated_with_faults(400, 5, &FaultMix::every_kind(50, None));
        assert!(public.injected().values().all(|f| !f.kind.private() && f.private_url.is_none()));
        let (domain, fault) = a
            .injected()
            .iter()
            .find(|(_, f)| f.kind == FaultKind::PrivateLink)
            .map(|(d, f)| (d.clone(), f.clone()))
            .unwrap();
        assert_eq!(fault.path, format!("domain/{domain}"));
        assert_eq!(
            fault.private_url.as_deref(),
            Some(
                format!("http://127.0.0.2:9/rdap/domain/{}", domain.to_ascii_uppercase()).as_str()
            )
        );
        assert_eq!(a.fault_for_input(&format!("https://www.{domain}/x")).unwrap().0, domain);
    }

    #[test]
    fn a_template_keeps_its_shape_with_new_names() {
        let template: Value = serde_json::from_str(REGISTRIES[0].template).unwrap();
        let registrar = &REGISTRARS[1];
        let text =
            domain_answer(&template, REGISTRIES[0].base, "site1-abcd.com", "1_X", Some(registrar));
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["ldhName"], "SITE1-ABCD.COM");
        assert_eq!(
            answer["links"][1]["href"],
            "https://rdap.markmonitor.com/rdap/domain/SITE1-ABCD.COM"
        );
        assert_eq!(answer["entities"][0]["publicIds"][0]["identifier"], "292");
        assert_eq!(answer["entities"][0]["vcardArray"][1][1][3], "MarkMonitor Inc.");
        // Kept from the recorded answer.
        assert_eq!(answer["events"], template["events"]);
    }
}
