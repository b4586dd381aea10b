//! The loopback test world of [whohosts]: a DNS server, an RDAP server, WHOIS servers and
//! RFC 9224 bootstrap files, all on 127.0.0.1, so lookups can be tested without the
//! internet. Add it as a dev-dependency (`whohosts-testing`); whohosts' own tests, benches
//! and examples use it the same way.
//!
//! A [`World`] is built with a [`WorldBuilder`] and started on the current tokio runtime. It
//! runs, on loopback ports chosen by the system:
//!
//! * a **DNS server** (UDP and TCP on the same port) that behaves like a recursive resolver
//!   for the names you give it: A, AAAA, CNAME (chains are followed), NS and TXT records,
//!   NXDOMAIN with a synthetic SOA for unknown names, NODATA for known names without the
//!   asked type, SERVFAIL for names marked [`servfail`](WorldBuilder::servfail), and an
//!   emulation of **Team Cymru's IP-to-ASN DNS service** (`origin.asn.cymru.com`,
//!   `origin6.asn.cymru.com`, `AS<n>.asn.cymru.com`);
//! * an **RDAP server** (HTTP/1.1) with one path prefix per simulated RDAP service
//!   (`http://127.0.0.1:PORT/<service>/…`). Each service stands in for one or more real base
//!   URLs; objects are added as JSON text and found by their content (domain name, IP range,
//!   AS number range, entity handle, nameserver name). Every real base URL in a served body is
//!   rewritten to the matching local one, so links (`self`, `related`, `up`) lead back into
//!   the world. [`Fault`]s make chosen requests fail;
//! * **WHOIS servers** (TCP, one 127.0.0.1 port per simulated server name such as
//!   `whois.arin.net`) answering recorded texts per query, with [`WhoisFault`]s and counters
//!   (see [`WorldBuilder::whois_text`]);
//! * stand-ins for the **quota-free abuse sources**: an Abusix Abuse ContactDB zone
//!   (`abuse-contacts.abusix.zone` TXT, see [`WorldBuilder::abusix`]) in the DNS server, and
//!   a RIPEstat `abuse-contact-finder` endpoint (see [`WorldBuilder::ripestat`]) on the HTTP
//!   server at [`World::ripestat_url`]. [`World::recorded`] derives their entries from its
//!   recorded RDAP answers, and [`GeneratedWorld::with_quota_free`] from its generated ones,
//!   so they agree with RDAP unless a test adds an entry that does not;
//! * a **bootstrap directory** with `dns.json`, `ipv4.json`, `ipv6.json` and `asn.json` that
//!   send each claimed TLD, address block and AS number range to its local service.
//!
//! Everything is counted: HTTP requests per service and per path (with a log of statuses), and
//! DNS queries per name and type, so tests can assert exactly how much a lookup cost.
//!
//! [`World::recorded`] gives a ready world built from real, recorded RDAP answers (Verisign,
//! Cloudflare, AFNIC, CZ.NIC, the five RIRs, registro.br …); its DNS and Team Cymru data are
//! synthesised but true to life. [`WorldBuilder::load_manifest`] loads your own captured
//! answers from a directory (see the [manifest format](WorldBuilder::load_manifest)).
//!
//! The servers are tasks on the tokio runtime that called [`WorldBuilder::start`]: keep that
//! runtime running (do not block it) while using the world. They stop, and the bootstrap
//! directory is removed, when the [`World`] is dropped.
//!
//! # Example
//!
//! ```
//! use whohosts_testing::{Fault, World, WorldBuilder};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A world of your own: one RDAP service and one name.
//! let world = WorldBuilder::new()
//!     .service("example-registry", &["https://rdap.example-registry.test/v1/"])
//!     .claim_tld("example-registry", "test")
//!     .object(
//!         "example-registry",
//!         r#"{"objectClassName":"domain","ldhName":"shop.test",
//!             "links":[{"rel":"self",
//!                       "href":"https://rdap.example-registry.test/v1/domain/shop.test"}]}"#,
//!     )
//!     .a("shop.test", "192.0.2.10")
//!     .fault("example-registry", "domain/broken.test", Fault::Status(503), None)
//!     .start()
//!     .await?;
//!
//! // Links inside served answers point back into the world.
//! let url = format!("{}domain/SHOP.test", world.service_url("example-registry"));
//! let body = reqwest::get(&url).await?.text().await?;
//! assert!(body.contains(&format!("{}domain/shop.test", world.service_url("example-registry"))));
//! assert_eq!(world.requests("example-registry"), 1);
//!
//! // The recorded preset, with a client pointed at it.
//! let world = World::recorded()
//!     .fault("markmonitor", "domain/", Fault::Status(503), None)
//!     .start()
//!     .await?;
//! let _client = world.client_builder().build()?;
//! # Ok(())
//! # }
//! ```
// The servers never panic on what a client sends (as in the library, issue #8).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

mod bootstrap;
mod dns;
mod generate;
mod manifest;
mod quota_free;
mod rdap;
mod recorded;
mod ripestat;
#[cfg(test)]
mod tests;
mod tripwire;
mod whois;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::task::JoinHandle;

pub use dns::loopback_udp_tcp;
pub use generate::{FaultKind, FaultMix, FaultVerdict, GeneratedWorld, InjectedFault, RirMix};
pub use tripwire::{tripwire, tripwire_on};
pub use whois::{DENIC_REFUSAL, WhoisFault, WhoisRequest};

/// A way to make chosen RDAP requests fail, set with [`WorldBuilder::fault`] or
/// [`World::add_fault`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and an RDAP error body
    /// (`{"errorCode":…,"title":…,"description":[…]}`).
    Status(u16),
    /// Answer `429 Too Many Requests` with this `Retry-After` header value (a number of
    /// seconds such as `"1"`, or an HTTP date) and an RDAP error body.
    RateLimit {
        /// The `Retry-After` header value, sent as given; empty: no header.
        retry_after: String,
    },
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer `200` with the first half of the normal body (correct HTTP framing, broken JSON).
    Truncate,
    /// Answer `200` with a body that is not JSON (an HTML error page).
    Malformed,
    /// Answer `302 Found` with this `Location`. Real base URLs in it are rewritten like bodies
    /// are, so `https://rdap.arin.net/registry/ip/8.8.8.8` leads to the local `arin` service.
    Redirect(String),
    /// Answer `200` with a body of exactly this many bytes: the normal body padded with
    /// spaces (still valid JSON), or cut to this length when it is longer.
    Oversized(usize),
}

/// One RDAP request the world answered, in [`World::request_log`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestRecord {
    /// The first path segment: the service name (also recorded when no such service exists).
    pub service: String,
    /// The rest of the path after `/<service>/`, percent-decoded, without the query string;
    /// e.g. `domain/cloudflare.com` or `ip/8.8.8.8/32`.
    pub path: String,
    /// The HTTP status sent.
    pub status: u16,
}

/// A simulated RDAP service: its name (the URL path prefix) and the real base URLs it
/// stands in for.
#[derive(Debug, Clone)]
struct ServiceSpec {
    name: String,
    real_urls: Vec<String>,
}

/// An RDAP object waiting to be indexed: its service, where it came from (for error
/// messages) and its JSON text.
#[derive(Debug, Clone)]
struct ObjectSpec {
    service: String,
    origin: String,
    json: String,
}

/// What a bootstrap claim covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClaimKind {
    Tld,
    Ip,
    Asn,
}

/// A bootstrap claim: `service` serves `value` (a TLD, a CIDR or an AS number range).
#[derive(Debug, Clone)]
struct ClaimSpec {
    service: String,
    kind: ClaimKind,
    value: String,
}

/// One DNS record as given to the builder (text, validated at start).
#[derive(Debug, Clone)]
enum DnsSpec {
    A(String, String),
    Aaaa(String, String),
    Cname(String, String),
    Ns(String, String),
    Txt(String, String),
    Servfail(String),
}

/// A Team Cymru origin entry as given to the builder.
#[derive(Debug, Clone)]
struct CymruOriginSpec {
    prefix: String,
    asns: Vec<u32>,
    cc: String,
    rir: String,
    date: String,
}

/// An Abusix Abuse ContactDB entry as given to the builder: addresses in `prefix` answer
/// `texts`, one TXT record each.
#[derive(Debug, Clone)]
struct AbusixSpec {
    prefix: String,
    texts: Vec<String>,
}

/// A RIPEstat `abuse-contact-finder` entry as given to the builder.
#[derive(Debug, Clone)]
struct RipeStatSpec {
    prefix: String,
    mailboxes: Vec<String>,
    rir: Option<String>,
}

/// A fault rule: requests to `target` (an RDAP service, a WHOIS server) whose path or
/// query starts with `prefix` get `fault`, the first `remaining` of them or all when `None`.
#[derive(Debug, Clone)]
struct FaultRule<F> {
    target: String,
    prefix: String,
    fault: F,
    remaining: Option<u32>,
}

impl<F: Clone> FaultRule<F> {
    fn new(target: String, prefix: &str, fault: F, times: Option<u32>) -> Self {
        Self { target, prefix: prefix.to_owned(), fault, remaining: times }
    }
}

/// The fault of the first rule in `rules` that matches a request to `target` for `path`
/// (ASCII case-insensitive prefix) and has requests left, using one up.
fn take_fault<F: Clone>(rules: &mut [FaultRule<F>], target: &str, path: &str) -> Option<F> {
    for rule in rules.iter_mut() {
        if rule.target != target || !starts_with_ignore_case(path, &rule.prefix) {
            continue;
        }
        match &mut rule.remaining {
            None => return Some(rule.fault.clone()),
            Some(0) => {}
            Some(n) => {
                *n -= 1;
                return Some(rule.fault.clone());
            }
        }
    }
    None
}

/// Builds a [`World`]: RDAP services and their objects, bootstrap claims, DNS records, Team
/// Cymru entries and faults. Nothing is checked until [`start`](Self::start), which reports
/// bad input (unparsable JSON, a bad address, an unknown service name) as an
/// [`io::Error`].
#[must_use]
#[derive(Debug, Clone, Default)]
pub struct WorldBuilder {
    services: Vec<ServiceSpec>,
    objects: Vec<ObjectSpec>,
    claims: Vec<ClaimSpec>,
    dns: Vec<DnsSpec>,
    cymru_origins: Vec<CymruOriginSpec>,
    cymru_names: Vec<(u32, String)>,
    faults: Vec<FaultRule<Fault>>,
    whois: whois::Spec,
    rate_limits: generate::RateLimits,
    abusix: Vec<AbusixSpec>,
    ripestat: Vec<RipeStatSpec>,
    /// The RDAP server's port; 0 (the default): any free one.
    rdap_port: u16,
}

impl WorldBuilder {
    /// Serve RDAP on this 127.0.0.1 port instead of a free one, so that service URLs (and
    /// the politeness keys a client derives from them) are the same in every run of the
    /// world: for measurements of state kept between runs, such as learnt rates.
    pub fn rdap_port(mut self, port: u16) -> Self {
        self.rdap_port = port;
        self
    }

    /// An empty world: no services, no names.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder loaded from a manifest; the same as
    /// `WorldBuilder::new().load_manifest(path)`.
    pub fn from_manifest(path: impl AsRef<Path>) -> io::Result<Self> {
        Self::new().load_manifest(path)
    }

    /// Add a simulated RDAP service called `name`, served at
    /// `http://127.0.0.1:PORT/<name>/`, standing in for the real base URLs `real_urls`
    /// (e.g. `https://rdap.verisign.com/com/v1/`). Calling it again for the same name adds
    /// more real URLs. Names may hold ASCII letters, digits, `-`, `_` and `.`.
    pub fn service(mut self, name: &str, real_urls: &[&str]) -> Self {
        let urls = real_urls.iter().map(|u| (*u).to_owned());
        if let Some(existing) = self.services.iter_mut().find(|s| s.name == name) {
            existing.real_urls.extend(urls);
        } else {
            self.services.push(ServiceSpec { name: name.to_owned(), real_urls: urls.collect() });
        }
        self
    }

    /// The real base URLs `service` stands in for (empty for an unknown service): what a
    /// client's default politeness table matches, before the world starts (after it,
    /// [`World::real_urls`]).
    pub fn service_real_urls(&self, service: &str) -> Vec<String> {
        self.services
            .iter()
            .filter(|s| s.name == service)
            .flat_map(|s| s.real_urls.iter().cloned())
            .collect()
    }

    /// Add an RDAP object (the JSON text of an RDAP response) to `service`. It is found by
    /// its content: `objectClassName` `domain` by `ldhName`/`unicodeName` at
    /// `domain/<name>`, `ip network` by `startAddress`–`endAddress` (or `cidr0_cidrs`) at
    /// `ip/<address>` and `ip/<address>/<length>` (the most specific network containing the
    /// query wins), `autnum` by `startAutnum`–`endAutnum` (or its handle) at `autnum/<n>`,
    /// `entity` by `handle` at `entity/<handle>`, `nameserver` by `ldhName` at
    /// `nameserver/<name>`. Names and handles match case-insensitively, trailing dots
    /// ignored. The text is served as given, after link rewriting.
    pub fn object(mut self, service: &str, json: &str) -> Self {
        self.objects.push(ObjectSpec {
            service: service.to_owned(),
            origin: format!("object #{} of service {service}", self.objects.len() + 1),
            json: json.to_owned(),
        });
        self
    }

    /// Rewrite the JSON text of every object added so far with `edit` (its service's name
    /// and its text → the new text). For self-checks that break a world on purpose, e.g.
    /// take every abuse contact out of a generated world's answers to prove that a check
    /// notices.
    pub fn edit_objects(mut self, mut edit: impl FnMut(&str, &str) -> String) -> Self {
        for object in &mut self.objects {
            object.json = edit(&object.service, &object.json);
        }
        self
    }

    /// Send the TLD `tld` (e.g. `com`) to `service` in the bootstrap `dns.json`.
    pub fn claim_tld(self, service: &str, tld: &str) -> Self {
        self.claim(service, ClaimKind::Tld, tld)
    }

    /// Send the address block `cidr` (e.g. `8.0.0.0/8` or `2620::/23`) to `service` in the
    /// bootstrap `ipv4.json` or `ipv6.json`.
    pub fn claim_ip(self, service: &str, cidr: &str) -> Self {
        self.claim(service, ClaimKind::Ip, cidr)
    }

    /// Send AS numbers to `service` in the bootstrap `asn.json`: one number (`"15169"`) or an
    /// inclusive range (`"1-1876"`). Written as a range, as RFC 9224 requires.
    pub fn claim_asn(self, service: &str, asns: &str) -> Self {
        self.claim(service, ClaimKind::Asn, asns)
    }

    fn claim(mut self, service: &str, kind: ClaimKind, value: &str) -> Self {
        self.claims.push(ClaimSpec { service: service.to_owned(), kind, value: value.to_owned() });
        self
    }

    /// Add an A record: `name` has the IPv4 address `ip` (text, e.g. `"192.0.2.1"`).
    pub fn a(mut self, name: &str, ip: &str) -> Self {
        self.dns.push(DnsSpec::A(name.to_owned(), ip.to_owned()));
        self
    }

    /// Add an AAAA record: `name` has the IPv6 address `ip` (text, e.g. `"2001:db8::1"`).
    pub fn aaaa(mut self, name: &str, ip: &str) -> Self {
        self.dns.push(DnsSpec::Aaaa(name.to_owned(), ip.to_owned()));
        self
    }

    /// Make `name` an alias (CNAME) of `target`. Queries for other types follow the chain.
    pub fn cname(mut self, name: &str, target: &str) -> Self {
        self.dns.push(DnsSpec::Cname(name.to_owned(), target.to_owned()));
        self
    }

    /// Add an NS record: `host` is a nameserver of `name`.
    pub fn ns(mut self, name: &str, host: &str) -> Self {
        self.dns.push(DnsSpec::Ns(name.to_owned(), host.to_owned()));
        self
    }

    /// Add a TXT record (split into 255-byte strings when longer).
    pub fn txt(mut self, name: &str, text: &str) -> Self {
        self.dns.push(DnsSpec::Txt(name.to_owned(), text.to_owned()));
        self
    }

    /// Make every query for `name` answer SERVFAIL.
    pub fn servfail(mut self, name: &str) -> Self {
        self.dns.push(DnsSpec::Servfail(name.to_owned()));
        self
    }

    /// Add a Team Cymru origin entry: addresses in `prefix` (CIDR text) are announced by
    /// `asns`, registered in country `cc` with `rir` (`arin`, `ripencc`, `apnic`, `lacnic`,
    /// `afrinic`) on `date` (`YYYY-MM-DD`). A TXT query for
    /// `<reversed octets>.origin.asn.cymru.com` (or the nibble form under
    /// `origin6.asn.cymru.com`) answers one TXT string per entry containing the address, in
    /// the order added, formatted like Team Cymru's:
    /// `15169 | 8.8.8.0/24 | US | arin | 2023-12-28`.
    pub fn cymru_origin(
        mut self,
        prefix: &str,
        asns: &[u32],
        cc: &str,
        rir: &str,
        date: &str,
    ) -> Self {
        self.cymru_origins.push(CymruOriginSpec {
            prefix: prefix.to_owned(),
            asns: asns.to_vec(),
            cc: cc.to_owned(),
            rir: rir.to_owned(),
            date: date.to_owned(),
        });
        self
    }

    /// Name an AS for Team Cymru's `AS<asn>.asn.cymru.com` TXT query, answered as
    /// `15169 | US | arin | 2012-05-24 | GOOGLE, US`. Country and registry come from the first
    /// origin entry listing this AS (`ZZ` and `other` when none does); the date is the
    /// earliest date among those entries.
    pub fn cymru_as_name(mut self, asn: u32, name: &str) -> Self {
        self.cymru_names.push((asn, name.to_owned()));
        self
    }

    /// Serve an Abusix Abuse ContactDB entry: a TXT query for
    /// `<reversed address>.abuse-contacts.abusix.zone` (reversed octets, or the 32 reversed
    /// nibbles for IPv6) of an address in `prefix` (CIDR text; a single address is a /32 or
    /// /128) answers one TXT record per string of `texts`, given as is (junk included, for
    /// tests of validation). The most specific entry holding the address answers; among
    /// equally specific ones the last added, so an entry added after a preset's (e.g. of
    /// [`World::recorded`]) replaces it — the way to make Abusix disagree with RDAP. An
    /// address no entry holds, or whose entry has no strings, is NXDOMAIN: as Abusix
    /// documents for LACNIC space, which its ContactDB has no abuse data for.
    pub fn abusix(mut self, prefix: &str, texts: &[&str]) -> Self {
        self.abusix.push(AbusixSpec {
            prefix: prefix.to_owned(),
            texts: texts.iter().map(|t| (*t).to_owned()).collect(),
        });
        self
    }

    /// Serve a RIPEstat `abuse-contact-finder` entry at [`World::ripestat_url`]: a request
    /// for `data/abuse-contact-finder/data.json?resource=<address in prefix>` answers
    /// RIPEstat's documented shape with `data.abuse_contacts` = `mailboxes` and
    /// `data.authoritative_rir` = `authoritative_rir` (`ripe`, `arin`, `apnic`, `lacnic`,
    /// `afrinic`; `None` writes `null`). The most specific entry holding the address
    /// answers, the last added among equally specific ones; an address no entry holds gets
    /// an empty list. A resource that is not an address is answered `400` with RIPEstat's
    /// error body. Requests are counted under the service name `ripestat` (reserved: it
    /// needs no [`service`](Self::service) call), and [`fault`](Self::fault)s apply to it.
    pub fn ripestat(
        mut self,
        prefix: &str,
        mailboxes: &[&str],
        authoritative_rir: Option<&str>,
    ) -> Self {
        self.ripestat.push(RipeStatSpec {
            prefix: prefix.to_owned(),
            mailboxes: mailboxes.iter().map(|m| (*m).to_owned()).collect(),
            rir: authoritative_rir.map(str::to_owned),
        });
        self
    }

    /// Make requests to `service` whose path (after `/<service>/`, e.g. `domain/x.com`)
    /// starts with `path_prefix` (ASCII case-insensitive; `""` matches all) fail with
    /// `fault`: every time when `times` is `None`, or only the first `n` matching requests
    /// with `Some(n)`. When several rules match, the first one added that has requests left
    /// applies.
    pub fn fault(
        mut self,
        service: &str,
        path_prefix: &str,
        fault: Fault,
        times: Option<u32>,
    ) -> Self {
        self.faults.push(FaultRule::new(service.to_owned(), path_prefix, fault, times));
        self
    }

    /// Add everything described by a manifest: a `world.json` file, or a directory holding
    /// one. Paths inside are relative to the manifest's directory. Every key is optional;
    /// unknown keys are an error.
    ///
    /// ```json
    /// {
    ///   "services": [
    ///     { "name": "verisign",
    ///       "urls": ["https://rdap.verisign.com/com/v1/"],
    ///       "tlds": ["com"], "ips": ["8.0.0.0/8", "2620::/23"], "asns": ["15169", "1-1876"],
    ///       "objects": ["rdap/cloudflare.com.json", "rdap/more-answers/"] }
    ///   ],
    ///   "dns": [
    ///     { "name": "cloudflare.com", "a": ["104.16.132.229"], "aaaa": [], "ns": ["ns3.cloudflare.com"],
    ///       "txt": [], "cname": null, "servfail": false }
    ///   ],
    ///   "cymru": {
    ///     "origins": [ { "prefix": "104.16.0.0/13", "asns": [13335], "cc": "US",
    ///                    "rir": "arin", "date": "2014-03-28" } ],
    ///     "as_names": [ { "asn": 13335, "name": "CLOUDFLARENET, US" } ]
    ///   }
    /// }
    /// ```
    ///
    /// An entry of `objects` that names a directory adds every `*.json` file in it (sorted by
    /// name). Errors: the manifest or an object file cannot be read (its `io::Error`), or the
    /// manifest is not valid (`InvalidData`).
    pub fn load_manifest(self, path: impl AsRef<Path>) -> io::Result<Self> {
        manifest::load(self, path.as_ref())
    }

    /// Bind the servers on 127.0.0.1, write the bootstrap files and start serving on the
    /// current tokio runtime.
    ///
    /// Errors: `InvalidData` for an object that is not a JSON object with a known
    /// `objectClassName` and key; `InvalidInput` for an unknown service name, a bad service
    /// name, address, CIDR, AS range, status code or real URL; otherwise the error from
    /// binding a socket or writing the bootstrap directory.
    pub async fn start(self) -> io::Result<World> {
        World::start(self).await
    }
}

/// Shorthand for an `InvalidInput` error.
fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Shorthand for an `InvalidData` error.
fn invalid_data(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Lock a mutex, ignoring poisoning (the counters stay usable after a panicking test).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// HTTP request counters.
#[derive(Debug, Default)]
struct HttpStats {
    total: u64,
    per_service: HashMap<String, u64>,
    per_path: HashMap<(String, String), u64>,
    log: Vec<RequestRecord>,
}

/// DNS query counters; keys are lower-case names without the trailing dot and type
/// mnemonics (`A`, `TXT`, …).
#[derive(Debug, Default)]
struct DnsStats {
    total: u64,
    per_query: HashMap<(String, String), u64>,
}

/// State shared by the servers and the [`World`] handle.
#[derive(Debug)]
struct Shared {
    catalog: rdap::Catalog,
    zone: dns::Zone,
    faults: Mutex<Vec<FaultRule<Fault>>>,
    /// Per-service rate limits (429 with `Retry-After` when a service's bucket is empty).
    limits: generate::RateLimits,
    http_stats: Mutex<HttpStats>,
    dns_stats: Mutex<DnsStats>,
    /// The RIPEstat stand-in.
    ripestat: ripestat::Table,
}

impl Shared {
    /// Count one RDAP request.
    fn record_request(&self, service: &str, path: &str, status: u16) {
        let mut stats = lock(&self.http_stats);
        stats.total += 1;
        *stats.per_service.entry(service.to_owned()).or_default() += 1;
        *stats.per_path.entry((service.to_owned(), path.to_owned())).or_default() += 1;
        stats.log.push(RequestRecord {
            service: service.to_owned(),
            path: path.to_owned(),
            status,
        });
    }

    /// Count one DNS query.
    fn record_query(&self, name: &str, rtype: &str) {
        let mut stats = lock(&self.dns_stats);
        stats.total += 1;
        *stats.per_query.entry((name.to_owned(), rtype.to_owned())).or_default() += 1;
    }

    /// The fault for this request, if a rule matches and has requests left (using one up).
    fn take_fault(&self, service: &str, path: &str) -> Option<Fault> {
        if let Some(limited) = self.limits.check(service) {
            return Some(limited);
        }
        take_fault(&mut lock(&self.faults), service, path)
    }
}

/// ASCII case-insensitive `starts_with`.
/// Decode `%XX` escapes (invalid ones are kept as they are).
fn percent_decode(text: &str) -> String {
    fn hex(byte: u8) -> Option<u8> {
        char::from(byte).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let mut ahead = bytes.clone();
            if let (Some(high), Some(low)) =
                (ahead.next().and_then(hex), ahead.next().and_then(hex))
            {
                out.push(high * 16 + low);
                bytes = ahead;
                continue;
            }
        }
        out.push(byte);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// A running test world. Dropping it stops the servers and removes the bootstrap directory.
#[derive(Debug)]
pub struct World {
    shared: Arc<Shared>,
    dns_addr: SocketAddr,
    rdap_addr: SocketAddr,
    bootstrap: bootstrap::TempDir,
    tasks: Vec<JoinHandle<()>>,
    whois: whois::Servers,
    /// (real base URL, local base URL) for every service, for [`World::client_builder`].
    rewrites: Vec<(String, String)>,
}

impl Drop for World {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl World {
    /// A [`WorldBuilder`] preloaded with the recorded preset: real RDAP answers recorded
    /// from Verisign, Cloudflare's registrar, Uniregistry (.click), AFNIC (.fr), CZ.NIC
    /// (.cz), FIR (.moscow), ARIN, RIPE NCC, APNIC, LACNIC, registro.br and AFRINIC, served
    /// by services of those names (plus an empty `markmonitor`), with bootstrap claims that
    /// lead to them. Its DNS records and Team Cymru entries are **synthesised** from public
    /// knowledge (true to life, not recorded). The full table is in the source of
    /// `testing/src/recorded.rs`; highlights:
    ///
    /// * `cloudflare.com` → A 104.16.132.229, 104.16.133.229; `www.cloudflare.com` → CNAME
    ///   `www.cloudflare.com.cdn.cloudflare.net` → A 104.16.123.96, 104.16.124.96;
    ///   `google.com` → 142.250.185.46; `dns.google` → 8.8.8.8; `one.one.one.one` → 1.1.1.1;
    ///   `resolver1.ipv6-sandbox.opendns.com` → AAAA 2620:119:35::35 only; `afnic.fr` has NS
    ///   records only; `microsoft.click` is registered (RDAP) but NXDOMAIN in DNS.
    /// * Team Cymru: 104.16.0.0/12 and 104.16.0.0/13 → AS13335 (both answered, /12 first),
    ///   8.8.8.0/24 and 142.250.0.0/15 → AS15169, 1.1.1.0/24 → AS13335 (AU, apnic), …
    /// * RDAP: `google.com`'s registrar link leads to `markmonitor`, which has no objects
    ///   (404) unless a fault is set.
    pub fn recorded() -> WorldBuilder {
        recorded::builder()
    }

    async fn start(builder: WorldBuilder) -> io::Result<World> {
        let WorldBuilder {
            services,
            objects,
            claims,
            dns,
            cymru_origins,
            cymru_names,
            faults,
            whois,
            rate_limits,
            abusix,
            ripestat,
            rdap_port,
        } = builder;
        let whois = whois::start(whois).await?;
        for service in &services {
            rdap::check_service_name(&service.name)?;
        }
        let known =
            |name: &str| name == ripestat::SERVICE || services.iter().any(|s| s.name == name);
        for rule in &faults {
            if !known(&rule.target) {
                return Err(invalid_input(format!("fault for unknown service {:?}", rule.target)));
            }
            rdap::check_fault(&rule.fault)?;
        }
        let zone = dns::Zone::build(&dns, &cymru_origins, &cymru_names, &abusix)?;
        let ripestat = ripestat::Table::build(&ripestat)?;

        let listener =
            tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, rdap_port)).await?;
        let rdap_addr = listener.local_addr()?;
        let local_urls: Vec<(String, String)> = services
            .iter()
            .map(|s| (s.name.clone(), rdap::local_base(rdap_addr, &s.name)))
            .collect();
        let rewrites: Vec<(String, String)> = services
            .iter()
            .flat_map(|s| {
                let local = rdap::local_base(rdap_addr, &s.name);
                s.real_urls.iter().map(move |real| (real.clone(), local.clone()))
            })
            .collect();
        let catalog = rdap::Catalog::build(&services, &objects, rdap_addr)?;
        let bootstrap = bootstrap::write(&local_urls, &claims)?;
        let (udp, tcp, dns_addr) = dns::bind().await?;

        let shared = Arc::new(Shared {
            catalog,
            zone,
            faults: Mutex::new(faults),
            limits: rate_limits,
            http_stats: Mutex::new(HttpStats::default()),
            dns_stats: Mutex::new(DnsStats::default()),
            ripestat,
        });
        let tasks = vec![
            tokio::spawn(rdap::serve(listener, Arc::clone(&shared))),
            tokio::spawn(dns::serve_udp(udp, Arc::clone(&shared))),
            tokio::spawn(dns::serve_tcp(tcp, Arc::clone(&shared))),
        ];
        tracing::debug!(%dns_addr, %rdap_addr, bootstrap = %bootstrap.path().display(), "test world started");
        Ok(World { shared, dns_addr, rdap_addr, bootstrap, tasks, whois, rewrites })
    }

    /// The DNS server's address (UDP and TCP).
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns_addr
    }

    /// The RDAP server's address.
    pub fn rdap_addr(&self) -> SocketAddr {
        self.rdap_addr
    }

    /// The local base URL of `service`, ending with `/`:
    /// `http://127.0.0.1:PORT/<service>/` (also for names that are not services).
    pub fn service_url(&self, service: &str) -> String {
        rdap::local_base(self.rdap_addr, service)
    }

    /// The real base URLs `service` stands in for (as given to [`WorldBuilder::service`]),
    /// e.g. `https://rdap.db.ripe.net/` for a generated world's `ripe`: what a client's
    /// default politeness table would match.
    pub fn real_urls(&self, service: &str) -> Vec<String> {
        let local = self.service_url(service);
        self.rewrites.iter().filter(|(_, l)| *l == local).map(|(real, _)| real.clone()).collect()
    }

    /// The directory holding `dns.json`, `ipv4.json`, `ipv6.json` and `asn.json`.
    pub fn bootstrap_dir(&self) -> &Path {
        self.bootstrap.path()
    }

    /// A [`ClientBuilder`](whohosts::ClientBuilder) set up for this world: its DNS server, its
    /// bootstrap directory, plain HTTP and loopback addresses allowed, 5 s HTTP and 2 s DNS
    /// timeouts, a 20 ms retry backoff and no rate limit
    /// ([`Politeness::unlimited`](whohosts::Politeness::unlimited) with 64 requests in flight;
    /// the circuit breaker stays on). ASNs come from the default source (Team Cymru over
    /// DNS), which the world emulates. WHOIS queries for every simulated WHOIS server go to
    /// its 127.0.0.1 port (see [`WorldBuilder::whois_server`]).
    pub fn client_builder(&self) -> whohosts::ClientBuilder {
        // Real RDAP URLs the client finds outside the served answers (the IANA registrar
        // list, RIR referrals) lead to the services standing in for them.
        let builder = self
            .rewrites
            .iter()
            .fold(whohosts::Client::builder(), |b, (real, local)| b.rdap_rewrite(real, local));
        let builder = self
            .whois_client(builder)
            .nameservers([self.dns_addr])
            .bootstrap_dir(self.bootstrap.path())
            .allow_http(true)
            .allow_private(true)
            .http_timeout(Duration::from_secs(5))
            .dns_timeout(Duration::from_secs(2))
            .retry_backoff(Duration::from_millis(20))
            // One loopback server stands in for many: no published limit applies to it.
            .politeness(whohosts::Politeness::unlimited(64));
        // Each service is a server of its own for politeness and the circuit breaker (its
        // local base URL is its key), as the real servers it stands in for are: a service
        // failing on purpose does not open the breaker for the others on the same port.
        let mut bases: Vec<&str> = self.rewrites.iter().map(|(_, local)| local.as_str()).collect();
        bases.sort_unstable();
        bases.dedup();
        bases
            .into_iter()
            .fold(builder, |b, base| b.server_policy(base, whohosts::ServerPolicy::unlimited(64)))
    }

    /// The base URL of the RIPEstat stand-in (`http://127.0.0.1:PORT/ripestat/`), for
    /// [`QuotaFreeSources::ripestat_url`](whohosts::QuotaFreeSources::ripestat_url); see
    /// [`WorldBuilder::ripestat`]. Its requests count as service `ripestat`.
    pub fn ripestat_url(&self) -> String {
        rdap::local_base(self.rdap_addr, ripestat::SERVICE)
    }

    /// Every query string sent to the RIPEstat stand-in so far, raw, in order (e.g.
    /// `resource=193.0.6.139&sourceapp=whohosts`).
    pub fn ripestat_queries(&self) -> Vec<String> {
        self.shared.ripestat.queries()
    }

    /// [`client_builder`](Self::client_builder) with both quota-free sources on and pointed
    /// at this world: Abusix through its DNS server, RIPEstat at
    /// [`ripestat_url`](Self::ripestat_url) with `sourceapp` `whohosts-test`.
    pub fn quota_free_client_builder(&self) -> whohosts::ClientBuilder {
        let mut sources = whohosts::QuotaFreeSources::all();
        sources.ripestat_url = self.ripestat_url();
        sources.ripestat_sourceapp = "whohosts-test".to_owned();
        self.client_builder().quota_free_sources(sources)
    }

    /// RDAP requests to `service` so far (every status, faults included).
    pub fn requests(&self, service: &str) -> u64 {
        lock(&self.shared.http_stats).per_service.get(service).copied().unwrap_or(0)
    }

    /// RDAP requests to `service` for exactly `path` (as in [`RequestRecord::path`], e.g.
    /// `domain/cloudflare.com`) so far.
    pub fn requests_for(&self, service: &str, path: &str) -> u64 {
        lock(&self.shared.http_stats)
            .per_path
            .get(&(service.to_owned(), path.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Every RDAP request so far, in the order answered.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        lock(&self.shared.http_stats).log.clone()
    }

    /// All RDAP requests so far, to any path.
    pub fn total_requests(&self) -> u64 {
        lock(&self.shared.http_stats).total
    }

    /// All DNS queries so far (UDP and TCP).
    pub fn dns_queries(&self) -> u64 {
        lock(&self.shared.dns_stats).total
    }

    /// DNS queries so far for `name` (case-insensitive, trailing dot ignored) and record
    /// type `rtype` (`"A"`, `"AAAA"`, `"TXT"`, … case-insensitive).
    pub fn dns_queries_for(&self, name: &str, rtype: &str) -> u64 {
        let key = (dns::normalize_name(name), rtype.to_ascii_uppercase());
        lock(&self.shared.dns_stats).per_query.get(&key).copied().unwrap_or(0)
    }

    /// Every DNS question answered so far as `(name, record type, times asked)`, sorted by
    /// name then type; names lower-case without the trailing dot. The bulk example replays
    /// them to measure what DNS alone costs.
    pub fn dns_questions(&self) -> Vec<(String, String, u64)> {
        let stats = lock(&self.shared.dns_stats);
        let mut out: Vec<_> =
            stats.per_query.iter().map(|((n, t), c)| (n.clone(), t.clone(), *c)).collect();
        out.sort();
        out
    }

    /// Set every RDAP, DNS and WHOIS counter, and the request logs, back to zero. Fault
    /// budgets (`times`) are not reset.
    pub fn reset_counts(&self) {
        self.whois.reset_counts();
        *lock(&self.shared.http_stats) = HttpStats::default();
        *lock(&self.shared.dns_stats) = DnsStats::default();
        self.shared.ripestat.reset();
    }

    /// Add a fault rule while the world runs, after the existing ones; see
    /// [`WorldBuilder::fault`]. Errors (`InvalidInput`) for an unknown service or an invalid
    /// status code.
    pub fn add_fault(
        &self,
        service: &str,
        path_prefix: &str,
        fault: Fault,
        times: Option<u32>,
    ) -> io::Result<()> {
        if service != ripestat::SERVICE && !self.shared.catalog.has_service(service) {
            return Err(invalid_input(format!("fault for unknown service {service:?}")));
        }
        rdap::check_fault(&fault)?;
        lock(&self.shared.faults).push(FaultRule::new(
            service.to_owned(),
            path_prefix,
            fault,
            times,
        ));
        Ok(())
    }

    /// Remove every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }
}
