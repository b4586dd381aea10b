//! [`FakeLookup`]: a [`Lookup`] for your own tests, answering from facts declared in a few
//! lines per domain or address, with no network, in records built by the same rules as a
//! [`Client`](crate::Client)'s.
//!
//! This file owns the fake's declarations ([`FakeLookup`], [`FakeDomain`], [`FakeAddress`])
//! and how a record is assembled from them. What the record then says is decided by the code
//! a real lookup runs: the query is parsed and redacted by `input.rs`, the shared platform
//! and the hosting provider are recognised by `provider/`, the registry's name and channels
//! come from the shipped registry directory, contacts are merged by `channel.rs`, and
//! `abuse_contacts`, `notice_targets` and the outcomes of parties left out are written by
//! `notice.rs`. The steps between them (which outcome each party gets) follow `lookup.rs`;
//! `tests/integration/fake.rs` checks them against a real lookup of the same facts.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use ipnet::IpNet;

use crate::channel::{merge_into, phone};
use crate::contacts::abuse_outcome;
use crate::error::{ConfigError, Error};
use crate::fields::email_problem;
use crate::future::BoxFuture;
use crate::input::{DomainQuery, Query};
use crate::lookup;
use crate::provider::{self, ranges};
use crate::record::{
    AddressRecord, Asn, AsnSourceName, Contact, ContactRole, DataVersions, Evidence, EvidenceKind,
    HostingProvider, HostingRecord, Network, NoticeType, Outcome, OutcomeStatus, Party,
    PartyOutcome, ProviderKind, Registrar, Registry, Source, SourceKind, Stage, StepError,
    StepErrorKind,
};
use crate::registration::registry_directory;
use crate::seam::Lookup;

/// A [`Lookup`] for tests: it answers from the facts declared on it, in a few lines per
/// domain, without any network, and counts the lookups it is asked for.
///
/// The record it returns is a record as a [`Client`](crate::Client) builds it from the same
/// facts, so that code routing notices sees what it would see in production:
///
/// * the query is parsed as the client parses it (URLs, IDNs, upper case, a trailing dot),
///   and written into [`query`](HostingRecord::query) with its secrets redacted; a query
///   the client would refuse is refused with the same [`InputError`](crate::InputError);
/// * DNS: a declared host name resolves to its declared addresses (IPv4 first, then IPv6,
///   each in declaration order), with its CNAME chain; the nameservers are the registrable
///   domain's. A name that is not declared does not exist (`nxdomain`), as in DNS, even
///   when its registrable domain is declared: `www.pirate.example` is a name of its own.
///   A declared name without addresses exists without any (`nodata`), unless declared
///   [`nxdomain`](FakeDomain::nxdomain);
/// * each address gets its declared ASN, network and abuse contacts, and its hosting
///   provider is recognised from them by the client's own tables: the published ranges,
///   CNAMEs and AS numbers (a Cloudflare address is the CDN `cloudflare`, with the
///   directory's channels) and the network holder ([`FakeAddress::holder`]), unless
///   [`FakeAddress::provider`] names it;
/// * registration belongs to the registrable domain: the registrar declared on any name
///   under it; the registry of its TLD with its name and channels from the shipped registry
///   directory, as the client fills them, unless [`FakeDomain::registry`] declares them;
/// * [`abuse_contacts`](HostingRecord::abuse_contacts),
///   [`notice_targets`](HostingRecord::notice_targets) and
///   [`outcomes`](HostingRecord::outcomes) are computed by the client's code;
/// * a query nothing is declared for gets the record of a name that does not resolve and
///   is not registered: `nxdomain` and a registry `not_found` in
///   [`errors`](HostingRecord::errors), no registrar (or, for an IP address, an address
///   without facts and a `not_found` step error), unless [`fail_unknown`](Self::fail_unknown)
///   makes it an `Err`. [`fail`](Self::fail) scripts an `Err` for one query, and
///   [`FakeAddress::network_fails`] and [`FakeDomain::registration_fails`] a source that
///   does not answer.
///
/// What comes from the fake says so: every [`Source`] it writes (the provenance of ASNs,
/// networks, registrars and declared contacts, and `rdap_org` evidence) is
/// [`SourceKind::Dataset`] with the dataset [`FakeLookup::DATASET`], an ASN's source is
/// named [`FakeLookup::DATASET`] too, and no URL is invented. Fields that only a source
/// can fill (RDAP URLs, handles, the abuse plan, fetch times) are empty, and
/// [`data`](HostingRecord::data) names only the provider range snapshot the fake used.
/// Not modelled: WHOIS fallbacks, the quota-free abuse sources, parent networks, refreshed
/// data sets (the embedded tables always answer), limits and time-outs.
///
/// ```
/// use whohosts::{FakeLookup, Party, ProviderKind};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), whohosts::Error> {
/// let fake = FakeLookup::new()
///     .domain("pirate.example", |d| {
///         d.address("192.0.2.10", |a| {
///             a.asn(64500, "EXAMPLE-AS")
///                 .network("192.0.2.0/24", "EXAMPLE-NET")
///                 .abuse("abuse@hoster.example")
///                 .provider("hoster", "Hoster Ltd", ProviderKind::Hosting)
///         })
///         .registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example")
///     });
/// let record = fake.lookup("https://pirate.example/film").await?;
///
/// assert_eq!(record.domain.as_deref(), Some("pirate.example"));
/// assert_eq!(record.addresses[0].asn.as_ref().map(|a| a.number), Some(64500));
/// let targets: Vec<(Party, Option<&str>)> =
///     record.notice_targets.iter().map(|t| (t.party, t.name.as_deref())).collect();
/// assert_eq!(
///     targets,
///     [
///         (Party::Hosting, Some("Hoster Ltd")),
///         (Party::Registrar, Some("Example Registrar, Inc.")),
///     ]
/// );
/// assert_eq!(fake.calls(), 1);
/// # Ok(()) }
/// ```
///
/// # Panics
///
/// The declaring methods panic, at the caller's line, on a declaration that does not parse
/// (a host name, an IP address, a CIDR block, an email address): a typo in a test's fake is
/// a bug in the test. Looking up never panics.
#[derive(Debug, Default)]
pub struct FakeLookup {
    /// Declared host names (A-labels) and their DNS facts.
    hosts: BTreeMap<String, HostFacts>,
    /// Declared registrable domains and their registration facts.
    registrations: BTreeMap<String, RegistrationFacts>,
    /// Declared addresses and their facts.
    addresses: BTreeMap<IpAddr, FakeAddress>,
    /// Queries scripted to fail.
    failures: BTreeMap<Target, Error>,
    /// The error of every query nothing is declared for, if set.
    unknown: Option<Error>,
    notice_type: Option<NoticeType>,
    keep_query_secrets: bool,
    /// Every query asked, as given.
    calls: Mutex<Vec<String>>,
}

/// What a query names: a host name (A-labels) or an address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Host(String),
    Ip(IpAddr),
}

impl Target {
    fn of(query: &Query) -> Target {
        match query {
            Query::Domain(name) => Target::Host(name.ascii.clone()),
            Query::Ip(ip) => Target::Ip(*ip),
        }
    }
}

/// A declared host name's DNS facts.
#[derive(Debug, Default)]
struct HostFacts {
    addresses: Vec<IpAddr>,
    cname_chain: Vec<String>,
    /// Declared with [`FakeDomain::nxdomain`].
    nxdomain: bool,
}

/// A declared registrable domain's facts.
#[derive(Debug, Default)]
struct RegistrationFacts {
    nameservers: Vec<String>,
    registrar: Option<Registrar>,
    registry: Option<DeclaredRegistry>,
    /// Declared with [`FakeDomain::registration_fails`].
    failure: Option<StepErrorKind>,
}

/// A registry's operator and channels, as [`FakeDomain::registry`] declares them.
#[derive(Debug, Clone)]
struct DeclaredRegistry {
    name: String,
    abuse: Vec<Contact>,
}

/// The message of a name that is not declared (the client's NXDOMAIN text, and why).
const NXDOMAIN: &str = "the name does not exist (NXDOMAIN): FakeLookup declares no such name";
/// The message of a declared name without addresses (the client's NODATA text, and why).
const NODATA: &str = "no A or AAAA records: FakeLookup declares no address for the name";
/// The message of an address nothing is declared for.
const NO_FACTS: &str = "not found: FakeLookup declares no facts for this address";

impl FakeLookup {
    /// The dataset name of every [`Source`] a fake record holds, and the
    /// [`AsnSourceName`] of its ASNs: code (or a test) can tell a fake record by it.
    ///
    /// ```
    /// use whohosts::{FakeLookup, SourceKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().ip("192.0.2.10", |a| a.asn(64500, "EXAMPLE-AS"));
    /// let record = fake.lookup("192.0.2.10").await?;
    /// let asn = record.addresses[0].asn.as_ref().expect("declared");
    /// assert_eq!(asn.source.as_str(), FakeLookup::DATASET);
    /// let provenance = asn.provenance.as_ref().expect("marked");
    /// assert_eq!(provenance.kind, SourceKind::Dataset);
    /// assert_eq!(provenance.dataset.as_deref(), Some(FakeLookup::DATASET));
    /// # Ok(()) }
    /// ```
    pub const DATASET: &'static str = "FakeLookup";

    /// A fake that knows nothing yet: every query gets the record of a name that does not
    /// resolve and is not registered (or of an address without facts).
    ///
    /// ```
    /// use whohosts::{FakeLookup, Stage, StepErrorKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let record = FakeLookup::new().lookup("nowhere.example").await?;
    /// let kinds: Vec<(Stage, StepErrorKind)> =
    ///     record.errors.iter().map(|e| (e.stage, e.kind)).collect();
    /// assert_eq!(kinds, [(Stage::Dns, StepErrorKind::NxDomain), (Stage::Rdap, StepErrorKind::NotFound)]);
    /// assert!(record.addresses.is_empty() && record.registrar.is_none());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Declare the host name `name` (a domain, host name or URL, in any form the client
    /// accepts) and its facts, declared on the [`FakeDomain`] that `facts` is given.
    /// Declaring a name again adds to its facts.
    ///
    /// The name's registration facts (registrar, registry, nameservers) are its registrable
    /// domain's: declared on `www.pirate.example`, they are `pirate.example`'s, for every
    /// name under it. Declaring any name also declares its registrable domain registered.
    ///
    /// ```
    /// use whohosts::FakeLookup;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new()
    ///     .domain("WWW.Bücher.example.", |d| d.address("2001:db8::1", |a| a).address("192.0.2.1", |a| a))
    ///     .domain("bücher.example", |d| d.registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example"));
    /// let record = fake.lookup("https://www.xn--bcher-kva.example/a").await?;
    /// assert_eq!(record.domain_unicode.as_deref(), Some("www.bücher.example"));
    /// assert_eq!(record.registrable_domain.as_deref(), Some("xn--bcher-kva.example"));
    /// let ips: Vec<String> = record.dns.addresses.iter().map(|ip| ip.to_string()).collect();
    /// assert_eq!(ips, ["192.0.2.1", "2001:db8::1"]); // IPv4 first, as DNS gives them
    /// assert_eq!(record.registrar.and_then(|r| r.iana_id).as_deref(), Some("9999"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `name` is not something the client can look up, or is an IP address (declare
    /// those with [`ip`](Self::ip)), or when a declaration inside `facts` does not parse.
    #[must_use]
    #[track_caller]
    pub fn domain(mut self, name: &str, facts: impl FnOnce(FakeDomain) -> FakeDomain) -> Self {
        let name = declared_name(name);
        let declared = facts(FakeDomain::default());
        let host = self.hosts.entry(name.ascii.clone()).or_default();
        for (ip, address) in declared.addresses {
            if !host.addresses.contains(&ip) {
                host.addresses.push(ip);
            }
            self.addresses.entry(ip).or_default().absorb(address);
        }
        for target in declared.cname_chain {
            if !host.cname_chain.contains(&target) {
                host.cname_chain.push(target);
            }
        }
        host.nxdomain |= declared.nxdomain;
        let registration = self.registrations.entry(name.registrable).or_default();
        for ns in declared.nameservers {
            if !registration.nameservers.contains(&ns) {
                registration.nameservers.push(ns);
            }
        }
        registration.nameservers.sort();
        if declared.registrar.is_some() {
            registration.registrar = declared.registrar;
        }
        if declared.registry.is_some() {
            registration.registry = declared.registry;
        }
        if declared.registration_failure.is_some() {
            registration.failure = declared.registration_failure;
        }
        self
    }

    /// Declare the facts of the address `ip`, for a lookup of the address itself and for
    /// every declared name that resolves to it. Declaring an address again (here or with
    /// [`FakeDomain::address`]) adds to its facts.
    ///
    /// ```
    /// use whohosts::{FakeLookup, NoticeReason, OutcomeStatus, Party};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().ip("198.51.100.7", |a| {
    ///     a.network("198.51.100.0/24", "EXAMPLE-NET").abuse("abuse@isp.example")
    /// });
    /// let record = fake.lookup("198.51.100.7").await?;
    /// assert_eq!(record.domain, None);
    /// // No host was identified: the network holder's contact is the network's.
    /// let target = &record.notice_targets[0];
    /// assert_eq!((target.party, target.reason), (Party::Network, NoticeReason::NetworkOfAddress));
    /// assert_eq!(target.channels[0].email.as_deref(), Some("abuse@isp.example"));
    /// // No registrar or registry for an address.
    /// assert_eq!(record.outcomes[1].outcome.status, OutcomeStatus::NotApplicable);
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `ip` is not an IP address, or a declaration inside `facts` does not parse.
    #[must_use]
    #[track_caller]
    pub fn ip(mut self, ip: &str, facts: impl FnOnce(FakeAddress) -> FakeAddress) -> Self {
        let ip = declared_ip(ip);
        let declared = facts(FakeAddress::default());
        self.addresses.entry(ip).or_default().absorb(declared);
        self
    }

    /// Make every lookup of `query` (normalised as the client parses it: any URL of the
    /// same host, any case) return `Err(error)`, as a client would for a query it cannot
    /// look up. This comes before the declared facts.
    ///
    /// ```
    /// use whohosts::{Error, FakeLookup, InputError};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = FakeLookup::new()
    ///     .fail("broken.example", Error::Input(InputError::Empty))
    ///     .fail("192.0.2.66", Error::Internal { message: "scripted".to_owned() });
    /// let error = fake.lookup("https://BROKEN.example/x").await.unwrap_err();
    /// assert_eq!(error.as_input(), Some(&InputError::Empty));
    /// let error = fake.lookup("192.0.2.66").await.unwrap_err();
    /// assert_eq!(error.to_string(), "internal error: scripted");
    /// assert_eq!(fake.calls(), 2);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When `query` is not something the client can look up.
    #[must_use]
    #[track_caller]
    pub fn fail(mut self, query: &str, error: Error) -> Self {
        let target = match Query::parse(query) {
            Ok(parsed) => Target::of(&parsed),
            Err(e) => panic!("FakeLookup::fail: {query:?} cannot be looked up: {e}"),
        };
        self.failures.insert(target, error);
        self
    }

    /// Make every lookup of a query nothing is declared for (a host name not declared with
    /// [`domain`](Self::domain), an address not declared with [`ip`](Self::ip) or
    /// [`FakeDomain::address`]) return `Err(error)`, instead of the record of a name that
    /// does not exist: a strict fake, for tests that must not look up anything else.
    ///
    /// ```
    /// use whohosts::{Error, FakeLookup};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = FakeLookup::new()
    ///     .domain("pirate.example", |d| d.address("192.0.2.10", |a| a))
    ///     .fail_unknown(Error::Internal { message: "not in this test's world".to_owned() });
    /// assert!(fake.lookup("pirate.example").await.is_ok());
    /// assert!(fake.lookup("192.0.2.10").await.is_ok());
    /// assert!(fake.lookup("www.pirate.example").await.is_err());
    /// assert!(fake.lookup("192.0.2.11").await.is_err());
    /// # }
    /// ```
    #[must_use]
    pub fn fail_unknown(mut self, error: Error) -> Self {
        self.unknown = Some(error);
        self
    }

    /// Order providers' channels for this kind of notice, as
    /// [`ClientBuilder::notice_type`](crate::ClientBuilder::notice_type) does. Default: none
    /// (general channels first).
    ///
    /// ```
    /// use whohosts::{FakeLookup, NoticeType};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// // An address in Cloudflare's published ranges: the CDN, with its directory channels.
    /// let fake = FakeLookup::new()
    ///     .domain("shop.example", |d| d.address("104.16.123.96", |a| a))
    ///     .notice_type(NoticeType::Copyright);
    /// let record = fake.lookup("shop.example").await?;
    /// let cdn = &record.notice_targets[0];
    /// assert_eq!(cdn.name.as_deref(), Some("Cloudflare"));
    /// assert_eq!(cdn.channels[0].notice_types, [NoticeType::Copyright]);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn notice_type(mut self, notice: NoticeType) -> Self {
        self.notice_type = Some(notice);
        self
    }

    /// Keep the record's [`query`](HostingRecord::query) as given, as
    /// [`ClientBuilder::keep_query_secrets`](crate::ClientBuilder::keep_query_secrets) does.
    /// Default false: the query string and userinfo are redacted.
    ///
    /// ```
    /// use whohosts::FakeLookup;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let url = "https://pirate.example/film?token=s3cret";
    /// let record = FakeLookup::new().lookup(url).await?;
    /// assert_eq!(record.query, "https://pirate.example/film?REDACTED");
    /// let record = FakeLookup::new().keep_query_secrets(true).lookup(url).await?;
    /// assert_eq!(record.query, url);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn keep_query_secrets(mut self, keep: bool) -> Self {
        self.keep_query_secrets = keep;
        self
    }

    /// How many lookups this fake was asked for (through any [`Lookup`] handle to it),
    /// including those that returned `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use whohosts::{FakeLookup, Lookup};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = Arc::new(FakeLookup::new());
    /// let shared: Arc<dyn Lookup> = fake.clone();
    /// let _ = shared.lookup("a.example").await;
    /// let _ = shared.lookup("").await; // an input error still counts
    /// assert_eq!(fake.calls(), 2);
    /// # }
    /// ```
    pub fn calls(&self) -> usize {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Every query this fake was asked for, as given, in order.
    ///
    /// ```
    /// use whohosts::FakeLookup;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = FakeLookup::new();
    /// let _ = fake.lookup("https://a.example/1").await;
    /// let _ = fake.lookup("B.example").await;
    /// assert_eq!(fake.queries(), ["https://a.example/1", "B.example"]);
    /// # }
    /// ```
    pub fn queries(&self) -> Vec<String> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Look up one query from the declared facts (see the type's documentation), and count
    /// it. The same as [`Lookup::lookup`] on this fake, without the trait in scope.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = whohosts::FakeLookup::new();
    /// assert!(fake.lookup("co.uk").await.is_err()); // a public suffix, as the client says
    /// # }
    /// ```
    pub async fn lookup(&self, query: &str) -> Result<HostingRecord, Error> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).push(query.to_owned());
        self.answer(query)
    }

    /// The record for `raw`, or the error declared for it.
    fn answer(&self, raw: &str) -> Result<HostingRecord, Error> {
        let query = Query::parse(raw)?;
        let target = Target::of(&query);
        if let Some(error) = self.failures.get(&target) {
            return Err(copy_error(error));
        }
        let known = match &target {
            Target::Host(name) => self.hosts.contains_key(name),
            Target::Ip(ip) => self.addresses.contains_key(ip),
        };
        if let (false, Some(error)) = (known, &self.unknown) {
            return Err(copy_error(error));
        }
        // As `lookup.rs` fills a record: its blank record, the stages, its last step.
        let mut record = lookup::blank_record(raw, self.keep_query_secrets);
        match query {
            Query::Ip(ip) => {
                let (address, errors) = self.address(ip, &[]);
                record.addresses.push(address);
                record.errors.extend(errors);
            }
            Query::Domain(name) => self.domain_facts(&name, &mut record),
        }
        lookup::finish(&mut record, self.notice_type);
        record.data = Some(DataVersions {
            // The shipped table's date, as a client without a data directory names it.
            provider_ranges: ranges::shipped_date().map(str::to_owned),
            ..DataVersions::default()
        });
        Ok(record)
    }

    /// The DNS, address and registration facts of the host name `name` into `record`.
    fn domain_facts(&self, name: &DomainQuery, record: &mut HostingRecord) {
        record.domain = Some(name.ascii.clone());
        record.platform = provider::detect_platform(&name.ascii, name.path.as_deref());
        record.domain_unicode = Some(name.unicode.clone());
        record.registrable_domain = Some(name.registrable.clone());
        let registration = self.registrations.get(&name.registrable);

        // DNS: the declared name's addresses, IPv4 first; the registrable domain's NS. The
        // client reports a missing registrable domain (its NS query) apart from the name,
        // and once when they are the same name.
        let dns_error =
            |target: &str, kind, message: &str| StepError::new(Stage::Dns, target, kind, message);
        let host = self.hosts.get(&name.ascii).filter(|h| !h.nxdomain);
        match host {
            Some(host) if !host.addresses.is_empty() => {
                let (v4, v6): (Vec<IpAddr>, Vec<IpAddr>) =
                    host.addresses.iter().partition(|ip| ip.is_ipv4());
                record.dns.addresses = v4.into_iter().chain(v6).collect();
                record.dns.cname_chain = host.cname_chain.clone();
            }
            Some(host) => {
                record.dns.cname_chain = host.cname_chain.clone();
                record.errors.push(dns_error(&name.ascii, StepErrorKind::NoData, NODATA));
            }
            None => record.errors.push(dns_error(&name.ascii, StepErrorKind::NxDomain, NXDOMAIN)),
        }
        let same_name = name.registrable == name.ascii;
        match registration {
            Some(_) if same_name && host.is_none() => {}
            Some(r) => record.dns.nameservers = r.nameservers.clone(),
            None if !same_name => {
                record.errors.push(dns_error(&name.registrable, StepErrorKind::NxDomain, NXDOMAIN))
            }
            None => {}
        }
        for ip in record.dns.addresses.clone() {
            let (address, errors) = self.address(ip, &record.dns.cname_chain);
            record.addresses.push(address);
            record.errors.extend(errors);
        }

        // Registration: the registry of the TLD, then the registrar it names.
        let tld = name.public_suffix.rsplit('.').next().unwrap_or(&name.public_suffix);
        let mut registry = Registry { tld: tld.to_owned(), ..Registry::default() };
        match registration.and_then(|r| r.registry.clone()) {
            Some(declared) => {
                registry.abuse_outcome = abuse_outcome(&declared.abuse, &Outcome::default());
                registry.name = Some(declared.name);
                registry.abuse = declared.abuse;
            }
            None => registry_directory(&mut registry),
        }
        let failure = match registration {
            None => Some((
                StepErrorKind::NotFound,
                format!("not found: FakeLookup declares no name under {}", name.registrable),
            )),
            Some(r) => r.failure.map(|kind| (kind, format!("{kind}, as FakeLookup declares"))),
        };
        let registrar_outcome = match (failure, registration) {
            (Some((kind, message)), _) => {
                record.errors.push(StepError::new(
                    Stage::Rdap,
                    &name.registrable,
                    kind,
                    message.as_str(),
                ));
                Outcome::with_detail(
                    OutcomeStatus::SourceFailed,
                    format!("registry answer unavailable: {message}"),
                )
            }
            (None, Some(r)) => {
                record.registrar = r.registrar.clone();
                match &r.registrar {
                    Some(registrar) => registrar.abuse_outcome.clone(),
                    None => Outcome::with_detail(
                        OutcomeStatus::NonePublished,
                        "the registry names no registrar: FakeLookup declares none",
                    ),
                }
            }
            (None, None) => Outcome::default(),
        };
        let domain = name.registrable.clone();
        record.outcomes.push(PartyOutcome::new(
            Party::Registrar,
            domain.clone(),
            registrar_outcome,
        ));
        let registry_outcome = registry.abuse_outcome.clone();
        record.registry = Some(registry);
        record.outcomes.push(PartyOutcome::new(Party::Registry, domain, registry_outcome));
    }

    /// The record of the address `ip` (reached through `cname_chain`), and its failures.
    fn address(&self, ip: IpAddr, cname_chain: &[String]) -> (AddressRecord, Vec<StepError>) {
        let mut address = AddressRecord::new(ip);
        let facts = self.addresses.get(&ip);
        address.asn = facts.and_then(|f| f.asn.clone());
        let failure = match facts {
            None => Some((StepErrorKind::NotFound, NO_FACTS.to_owned())),
            Some(f) => {
                f.network_failure.map(|kind| (kind, format!("{kind}, as FakeLookup declares")))
            }
        };
        if let Some((kind, message)) = failure {
            // As the network stage records a network answer that failed: no network, no
            // holder, no contacts; the AS is still known.
            address.abuse_outcome = Outcome::with_detail(
                OutcomeStatus::SourceFailed,
                format!("network answer unavailable: {message}"),
            );
            address.hosting_provider =
                provider::classify(ip, address.asn.as_ref(), cname_chain, None);
            let error = StepError::new(Stage::Rdap, ip.to_string(), kind, message);
            return (address, vec![error]);
        }
        let Some(facts) = facts else { return (address, Vec::new()) };
        address.network = facts.network.clone();
        address.abuse = facts.abuse.clone();
        address.abuse_outcome = abuse_outcome(&address.abuse, &Outcome::default());
        // Who hosts it: as the network stage decides, from the ranges, CNAMEs, AS and holder.
        address.hosting_provider = match &facts.provider {
            Some(provider) => Some(provider.clone()),
            None => {
                let holder = facts.holder.as_ref().map(|name| HostingProvider {
                    evidence: vec![holder_evidence(name)],
                    ..HostingProvider::new(name.clone(), None)
                });
                provider::classify(ip, address.asn.as_ref(), cname_chain, holder.as_ref())
                    .or(holder)
            }
        };
        (address, Vec::new())
    }
}

/// The fake answers through the trait as through [`FakeLookup::lookup`].
impl Lookup for FakeLookup {
    fn lookup<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<HostingRecord, Error>> {
        Box::pin(FakeLookup::lookup(self, query))
    }
}

/// The facts of one declared host name, given to the closure of [`FakeLookup::domain`]:
/// its addresses (each with its facts), its CNAME chain, and its registrable domain's
/// nameservers, registrar and registry.
///
/// ```
/// use whohosts::{FakeLookup, NoticeReason, Party};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), whohosts::Error> {
/// // A registered name without addresses: its registrar, then its registry.
/// let fake = FakeLookup::new().domain("parked.example", |d| {
///     d.nameserver("ns1.registrar.example")
///         .registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example")
///         .registrar_phone("+1.5555550100")
///         .registry("Example Registry", "abuse@registry.example")
/// });
/// let record = fake.lookup("parked.example").await?;
/// assert_eq!(record.dns.nameservers, ["ns1.registrar.example"]);
/// let targets: Vec<(Party, NoticeReason)> =
///     record.notice_targets.iter().map(|t| (t.party, t.reason)).collect();
/// assert_eq!(
///     targets,
///     [(Party::Registrar, NoticeReason::NoAddresses), (Party::Registry, NoticeReason::RegistryOfTld)]
/// );
/// assert_eq!(record.notice_targets[0].channels[0].phone.as_deref(), Some("+1.5555550100"));
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct FakeDomain {
    addresses: Vec<(IpAddr, FakeAddress)>,
    cname_chain: Vec<String>,
    nxdomain: bool,
    nameservers: Vec<String>,
    registrar: Option<Registrar>,
    registry: Option<DeclaredRegistry>,
    registration_failure: Option<StepErrorKind>,
}

impl FakeDomain {
    /// The name resolves to `ip` (an A or AAAA record), whose facts `facts` declares on a
    /// [`FakeAddress`]. An address's facts are the same for every name that resolves to it
    /// and for a lookup of the address itself.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = whohosts::FakeLookup::new()
    ///     .domain("a.example", |d| d.address("192.0.2.10", |a| a.abuse("abuse@hoster.example")))
    ///     .domain("b.example", |d| d.address("192.0.2.10", |a| a));
    /// let record = fake.lookup("b.example").await?;
    /// assert_eq!(record.addresses[0].abuse[0].email.as_deref(), Some("abuse@hoster.example"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `ip` is not an IP address, or a declaration inside `facts` does not parse.
    #[track_caller]
    pub fn address(mut self, ip: &str, facts: impl FnOnce(FakeAddress) -> FakeAddress) -> Self {
        let ip = declared_ip(ip);
        self.addresses.push((ip, facts(FakeAddress::default())));
        self
    }

    /// The next name of the name's CNAME chain (call it once per hop, in order). The
    /// provider tables recognise a CDN or platform from it, as in a real lookup.
    ///
    /// ```
    /// use whohosts::{FakeLookup, Party, ProviderKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().domain("shop.example", |d| {
    ///     d.cname("shop.example.herokudns.com").address("192.0.2.10", |a| a)
    /// });
    /// let record = fake.lookup("shop.example").await?;
    /// assert_eq!(record.dns.cname_chain, ["shop.example.herokudns.com"]);
    /// let host = record.addresses[0].hosting_provider.as_ref().expect("recognised");
    /// assert_eq!((host.id.as_deref(), host.kind), (Some("heroku"), ProviderKind::Platform));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `target` is not a host name.
    #[track_caller]
    pub fn cname(mut self, target: &str) -> Self {
        self.cname_chain.push(declared_name(target).ascii);
        self
    }

    /// The name does not exist in DNS (NXDOMAIN), though its registrable domain is
    /// registered (the registrar and registry declared for it still answer): a domain
    /// suspended or held out of the zone. A declared name without addresses that is not
    /// marked so exists without any (`nodata`).
    ///
    /// ```
    /// use whohosts::{FakeLookup, NoticeReason, Stage, StepErrorKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().domain("suspended.example", |d| {
    ///     d.nxdomain().registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example")
    /// });
    /// let record = fake.lookup("suspended.example").await?;
    /// assert_eq!((record.errors[0].stage, record.errors[0].kind), (Stage::Dns, StepErrorKind::NxDomain));
    /// assert_eq!(record.notice_targets[0].reason, NoticeReason::NoAddresses);
    /// # Ok(()) }
    /// ```
    pub fn nxdomain(mut self) -> Self {
        self.nxdomain = true;
        self
    }

    /// A nameserver (NS) of the name's registrable domain.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = whohosts::FakeLookup::new()
    ///     .domain("www.shop.example", |d| d.nameserver("NS2.dns.example").nameserver("ns1.dns.example"));
    /// let record = fake.lookup("www.shop.example").await?;
    /// assert_eq!(record.dns.nameservers, ["ns1.dns.example", "ns2.dns.example"]); // sorted
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `host` is not a host name.
    #[track_caller]
    pub fn nameserver(mut self, host: &str) -> Self {
        self.nameservers.push(declared_name(host).ascii);
        self
    }

    /// The registrable domain's registrar: its name, IANA ID and abuse mailbox (the channel
    /// ICANN requires it to publish). Without it, a declared domain is registered with a
    /// registry that names no registrar (`none_published`).
    ///
    /// ```
    /// use whohosts::{FakeLookup, NoticeReason, OutcomeStatus, Party};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().domain("pirate.example", |d| {
    ///     d.address("192.0.2.10", |a| a.holder("Hoster Ltd"))
    ///         .registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example")
    /// });
    /// let record = fake.lookup("pirate.example").await?;
    /// let registrar = record.registrar.as_ref().expect("declared");
    /// assert_eq!(registrar.name.as_deref(), Some("Example Registrar, Inc."));
    /// assert_eq!(registrar.abuse_outcome.status, OutcomeStatus::Found);
    /// let last = record.notice_targets.last().expect("the registrar");
    /// assert_eq!((last.party, last.reason), (Party::Registrar, NoticeReason::RegistrarOfDomain));
    /// assert_eq!(last.for_, "pirate.example");
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `abuse_email` is not a usable email address.
    #[track_caller]
    pub fn registrar(mut self, name: &str, iana_id: u32, abuse_email: &str) -> Self {
        let abuse = vec![contact(abuse_email)];
        self.registrar = Some(Registrar {
            name: Some(name.to_owned()),
            iana_id: Some(iana_id.to_string()),
            abuse_outcome: abuse_outcome(&abuse, &Outcome::default()),
            abuse,
            provenance: Some(fake_source()),
            ..Registrar::default()
        });
        self
    }

    /// A phone number of the registrar's abuse channel (one channel with its mailbox, as
    /// ICANN's registrar abuse contact is), as published: `+1.4155551234`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = whohosts::FakeLookup::new().domain("pirate.example", |d| {
    ///     d.registrar("Example Registrar, Inc.", 9999, "abuse@registrar.example")
    ///         .registrar_phone("+1.4155551234")
    /// });
    /// let record = fake.lookup("pirate.example").await?;
    /// let channel = &record.registrar.expect("declared").abuse[0];
    /// assert_eq!(channel.phones[0].e164.as_deref(), Some("+14155551234"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When no [`registrar`](Self::registrar) was declared before it.
    #[track_caller]
    pub fn registrar_phone(mut self, number: &str) -> Self {
        let Some(channel) = self.registrar.as_mut().and_then(|r| r.abuse.first_mut()) else {
            panic!("FakeDomain::registrar_phone: declare the registrar first (.registrar(…))");
        };
        let number = phone(number);
        if !channel.phones.contains(&number) {
            channel.phones.push(number);
        }
        channel.phone = channel.phones.first().map(|p| p.text.clone());
        self
    }

    /// The registry of the name's TLD: its operator and abuse mailbox, in place of what
    /// the shipped registry directory says (the default, as in a real lookup: `.com` is
    /// VeriSign with its published channels; a TLD the directory does not list has none).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = whohosts::FakeLookup::new()
    ///     .domain("pirate.example", |d| d.registry("Example Registry", "abuse@registry.example"));
    /// let record = fake.lookup("pirate.example").await?;
    /// let registry = record.registry.expect("every TLD has one");
    /// assert_eq!((registry.tld.as_str(), registry.name.as_deref()), ("example", Some("Example Registry")));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `abuse_email` is not a usable email address.
    #[track_caller]
    pub fn registry(mut self, name: &str, abuse_email: &str) -> Self {
        self.registry =
            Some(DeclaredRegistry { name: name.to_owned(), abuse: vec![contact(abuse_email)] });
        self
    }

    /// The registry's answer for the registrable domain fails with `kind` (a
    /// [`StepError`] of the `rdap` stage): no registrar is known, and its outcome is
    /// `source_failed`, as when a real registry does not answer. The registry itself (from
    /// the directory, or [`registry`](Self::registry)) is still named.
    ///
    /// ```
    /// use whohosts::{FakeLookup, OutcomeStatus, Party, StepErrorKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().domain("pirate.example", |d| {
    ///     d.address("192.0.2.10", |a| a.holder("Hoster Ltd"))
    ///         .registration_fails(StepErrorKind::Timeout)
    /// });
    /// let record = fake.lookup("pirate.example").await?;
    /// assert_eq!(record.registrar, None);
    /// let error = record.errors.iter().find(|e| e.kind == StepErrorKind::Timeout).expect("declared");
    /// assert!(error.retryable);
    /// let registrar = record.outcomes.iter().find(|o| o.party == Party::Registrar).expect("one");
    /// assert_eq!(registrar.outcome.status, OutcomeStatus::SourceFailed);
    /// # Ok(()) }
    /// ```
    pub fn registration_fails(mut self, kind: StepErrorKind) -> Self {
        self.registration_failure = Some(kind);
        self
    }
}

/// The facts of one address, given to the closures of [`FakeDomain::address`] and
/// [`FakeLookup::ip`]: what its ASN source, its RDAP network answer and the provider tables
/// would say. Every fact is optional; an address declared without any has none (and its
/// abuse outcome is `none_published`).
///
/// ```
/// use whohosts::{FakeLookup, NoticeReason, Party};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), whohosts::Error> {
/// // A small host's own registration, inside a known network (Hetzner's AS24940).
/// let fake = FakeLookup::new().ip("192.0.2.10", |a| {
///     a.asn(24940, "HETZNER-AS, DE").holder("Small Host GmbH").abuse("abuse@smallhost.example")
/// });
/// let record = fake.lookup("192.0.2.10").await?;
/// let targets: Vec<(Party, &str, NoticeReason)> = record
///     .notice_targets
///     .iter()
///     .map(|t| (t.party, t.name.as_deref().unwrap_or_default(), t.reason))
///     .collect();
/// assert_eq!(
///     targets,
///     [
///         (Party::Hosting, "Small Host GmbH", NoticeReason::DirectHosting),
///         (Party::Network, "Hetzner", NoticeReason::NetworkAboveHost),
///     ]
/// );
/// # Ok(()) }
/// ```
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct FakeAddress {
    asn: Option<Asn>,
    network: Option<Network>,
    holder: Option<String>,
    provider: Option<HostingProvider>,
    abuse: Vec<Contact>,
    network_failure: Option<StepErrorKind>,
}

impl FakeAddress {
    /// The origin AS announcing the address: its number and name as the ASN source gives
    /// it (Team Cymru writes `CLOUDFLARENET, US`). A known AS identifies its provider, as in
    /// a real lookup.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = whohosts::FakeLookup::new().ip("192.0.2.10", |a| a.asn(16509, "AMAZON-02, US"));
    /// let record = fake.lookup("192.0.2.10").await?;
    /// let host = record.addresses[0].hosting_provider.as_ref().expect("recognised by its AS");
    /// assert_eq!(host.id.as_deref(), Some("aws"));
    /// # Ok(()) }
    /// ```
    pub fn asn(mut self, number: u32, name: &str) -> Self {
        let mut asn =
            Asn::new(number, Some(name.to_owned()), AsnSourceName::from(FakeLookup::DATASET));
        asn.provenance = Some(fake_source());
        self.asn = Some(asn);
        self
    }

    /// The RDAP network registered for the address: its block and name.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = whohosts::FakeLookup::new().ip("192.0.2.10", |a| a.network("192.0.2.0/24", "EXAMPLE-NET"));
    /// let record = fake.lookup("192.0.2.10").await?;
    /// let network = record.addresses[0].network.as_ref().expect("declared");
    /// assert_eq!(network.name.as_deref(), Some("EXAMPLE-NET"));
    /// assert_eq!(network.range_end.map(|ip| ip.to_string()).as_deref(), Some("192.0.2.255"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `cidr` is not a CIDR block (`192.0.2.0/24`).
    #[track_caller]
    pub fn network(mut self, cidr: &str, name: &str) -> Self {
        let Ok(net) = cidr.trim().parse::<IpNet>() else {
            panic!("FakeAddress::network: {cidr:?} is not a CIDR block (e.g. 192.0.2.0/24)");
        };
        self.network = Some(Network {
            name: Some(name.to_owned()),
            range_start: Some(net.network()),
            range_end: Some(net.broadcast()),
            cidrs: vec![net],
            provenance: Some(fake_source()),
            ..Network::default()
        });
        self
    }

    /// The organisation holding the address's network registration (the RDAP registrant),
    /// by name. The provider tables recognise a known one (`Cloudflare, Inc.`); any other is
    /// taken for the host, and the address's [`abuse`](Self::abuse) contacts for its own, as
    /// in a real lookup.
    ///
    /// ```
    /// use whohosts::{FakeLookup, Party};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().ip("192.0.2.10", |a| a.holder("Hoster Ltd").abuse("abuse@hoster.example"));
    /// let record = fake.lookup("192.0.2.10").await?;
    /// assert_eq!(record.addresses[0].hosting_provider.as_ref().map(|p| p.name.as_str()), Some("Hoster Ltd"));
    /// assert_eq!(record.abuse_contacts[0].party, Party::Hosting);
    /// # Ok(()) }
    /// ```
    pub fn holder(mut self, name: &str) -> Self {
        self.holder = Some(name.to_owned());
        self
    }

    /// The hosting provider, named outright instead of recognised: a stable id, a display
    /// name and a kind. It holds the address's network registration, so the address's
    /// [`abuse`](Self::abuse) contacts are its own (a CDN's stay the network's, as in a
    /// real lookup). An id the shipped provider directory knows (`cloudflare`, `aws`,
    /// `hetzner`, …) adds the channels the directory publishes for it.
    ///
    /// ```
    /// use whohosts::{FakeLookup, Party, ProviderKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().domain("shop.example", |d| {
    ///     d.address("192.0.2.10", |a| a.provider("cloudflare", "Cloudflare", ProviderKind::Cdn))
    /// });
    /// let record = fake.lookup("shop.example").await?;
    /// assert!(record.origin_hidden);
    /// let cdn = &record.notice_targets[0];
    /// assert_eq!((cdn.party, cdn.for_.as_str()), (Party::Cdn, "shop.example"));
    /// assert!(!cdn.channels.is_empty()); // from the provider directory
    /// # Ok(()) }
    /// ```
    pub fn provider(mut self, id: &str, name: &str, kind: ProviderKind) -> Self {
        self.provider = Some(HostingProvider {
            id: Some(id.to_owned()),
            kind,
            evidence: vec![holder_evidence(name)],
            ..HostingProvider::new(name, None)
        });
        self
    }

    /// An abuse mailbox the address's network registration publishes (RDAP role `abuse`).
    /// Call it again for more.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = whohosts::FakeLookup::new()
    ///     .ip("192.0.2.10", |a| a.abuse("abuse@hoster.example").abuse("ABUSE@hoster.example"));
    /// let record = fake.lookup("192.0.2.10").await?;
    /// assert_eq!(record.addresses[0].abuse.len(), 1); // one mailbox, whatever its case
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// When `email` is not a usable email address.
    #[track_caller]
    pub fn abuse(mut self, email: &str) -> Self {
        merge_into(&mut self.abuse, contact(email));
        self
    }

    /// Any other abuse channel of the network registration (a web form, a phone number,
    /// a contact restricted to some notice types), as a [`Contact`]. It is marked as
    /// coming from the fake when it names no source of its own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let mut form = whohosts::Contact::default();
    /// form.web = Some("https://hoster.example/abuse".to_owned());
    /// let fake = whohosts::FakeLookup::new().ip("192.0.2.10", |a| a.holder("Hoster Ltd").abuse_contact(form));
    /// let record = fake.lookup("192.0.2.10").await?;
    /// let channel = &record.notice_targets[0].channels[0];
    /// assert_eq!(channel.web.as_deref(), Some("https://hoster.example/abuse"));
    /// # Ok(()) }
    /// ```
    pub fn abuse_contact(mut self, mut contact: Contact) -> Self {
        if contact.sources.is_empty() {
            contact.sources.push(fake_source());
        }
        if contact.role.is_none() {
            contact.role = Some(ContactRole::Abuse);
        }
        merge_into(&mut self.abuse, contact);
        self
    }

    /// The RDAP network query for the address fails with `kind` (a [`StepError`] of the
    /// `rdap` stage): the address's network, holder and abuse contacts are then unknown,
    /// its abuse outcome is `source_failed`, and its host can only be recognised from its
    /// AS, ranges or CNAMEs, as in a real lookup whose network answer failed.
    ///
    /// ```
    /// use whohosts::{FakeLookup, OutcomeStatus, StepErrorKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), whohosts::Error> {
    /// let fake = FakeLookup::new().ip("192.0.2.10", |a| {
    ///     a.asn(15169, "GOOGLE, US").abuse("abuse@hoster.example").network_fails(StepErrorKind::RateLimited)
    /// });
    /// let record = fake.lookup("192.0.2.10").await?;
    /// let address = &record.addresses[0];
    /// assert_eq!(address.abuse_outcome.status, OutcomeStatus::SourceFailed);
    /// assert!(address.abuse.is_empty());
    /// assert_eq!(address.hosting_provider.as_ref().and_then(|p| p.id.as_deref()), Some("google"));
    /// assert_eq!(record.errors[0].kind, StepErrorKind::RateLimited);
    /// # Ok(()) }
    /// ```
    pub fn network_fails(mut self, kind: StepErrorKind) -> Self {
        self.network_failure = Some(kind);
        self
    }

    /// Add `other`'s facts: the ones it declares replace these, its contacts are added.
    fn absorb(&mut self, other: FakeAddress) {
        if other.asn.is_some() {
            self.asn = other.asn;
        }
        if other.network.is_some() {
            self.network = other.network;
        }
        if other.holder.is_some() {
            self.holder = other.holder;
        }
        if other.provider.is_some() {
            self.provider = other.provider;
        }
        if other.network_failure.is_some() {
            self.network_failure = other.network_failure;
        }
        for contact in other.abuse {
            merge_into(&mut self.abuse, contact);
        }
    }
}

/// Where every fact of a fake record comes from.
fn fake_source() -> Source {
    Source {
        kind: SourceKind::Dataset,
        dataset: Some(FakeLookup::DATASET.to_owned()),
        ..Source::default()
    }
}

/// The `rdap_org` evidence of a declared network holder, as the network stage adds it.
fn holder_evidence(name: &str) -> Evidence {
    Evidence { kind: EvidenceKind::RdapOrg, detail: name.to_owned(), source: fake_source() }
}

/// An abuse contact without a channel yet, marked as the fake's.
fn contact_base() -> Contact {
    Contact { role: Some(ContactRole::Abuse), sources: vec![fake_source()], ..Contact::default() }
}

/// The abuse mailbox `email`, marked as the fake's.
#[track_caller]
fn contact(email: &str) -> Contact {
    let email = email.trim();
    if let Some(problem) = email_problem(email) {
        panic!("FakeLookup: {email:?} is not a usable email address: it {problem}");
    }
    Contact { email: Some(email.to_owned()), ..contact_base() }
}

/// A declared host name, parsed as the client parses a query.
#[track_caller]
fn declared_name(name: &str) -> DomainQuery {
    match Query::parse(name) {
        Ok(Query::Domain(domain)) => domain,
        Ok(Query::Ip(ip)) => {
            panic!(
                "FakeLookup: {name:?} is an IP address ({ip}), not a name: declare it with .ip(…)"
            )
        }
        Err(e) => panic!("FakeLookup: {name:?} cannot be looked up: {e}"),
    }
}

/// A declared IP address, as the client reads one (an IPv4-mapped address unmapped).
#[track_caller]
fn declared_ip(ip: &str) -> IpAddr {
    match ip.trim().parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical(),
        Err(_) => panic!("FakeLookup: {ip:?} is not an IP address"),
    }
}

/// Another `Err` like `error`, for a scripted failure returned on every call.
fn copy_error(error: &Error) -> Error {
    match error {
        Error::Input(e) => Error::Input(e.clone()),
        Error::Internal { message } => Error::Internal { message: message.clone() },
        Error::Config(e) => Error::Config(match e {
            ConfigError::Nameserver { value } => ConfigError::Nameserver { value: value.clone() },
            ConfigError::SystemDns { reason } => ConfigError::SystemDns { reason: reason.clone() },
            ConfigError::Bootstrap { path, reason } => {
                ConfigError::Bootstrap { path: path.clone(), reason: reason.clone() }
            }
            ConfigError::AsnDatabase { path, reason } => {
                ConfigError::AsnDatabase { path: path.clone(), reason: reason.clone() }
            }
            ConfigError::Http { reason } => ConfigError::Http { reason: reason.clone() },
            ConfigError::DataRefresh { reason } => {
                ConfigError::DataRefresh { reason: reason.clone() }
            }
            ConfigError::Redis { url, reason } => {
                ConfigError::Redis { url: url.clone(), reason: reason.clone() }
            }
            ConfigError::FeatureMissing { feature, what } => {
                ConfigError::FeatureMissing { feature, what: what.clone() }
            }
        }),
    }
}
