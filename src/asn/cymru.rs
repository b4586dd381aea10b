//! [`CymruSource`]: IP → ASN from Team Cymru's IP-to-ASN DNS service (TXT records under
//! `origin.asn.cymru.com`, `origin6.asn.cymru.com` and `asn.cymru.com`), with the pure parsers
//! for its TXT answers.

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use hickory_resolver::TokioResolver;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;
use ipnet::IpNet;

use super::source::AsnSource;
use crate::error::{SourceError, SourceErrorKind, describe_dns};
use crate::future::BoxFuture;
use crate::record::{Asn, IpBlock};

/// Default zone for IPv4 origin queries.
const ORIGIN4: &str = "origin.asn.cymru.com";
/// Default zone for IPv6 origin queries.
const ORIGIN6: &str = "origin6.asn.cymru.com";
/// Default zone for AS name queries.
const ASN_ZONE: &str = "asn.cymru.com";
/// Most AS names kept in the cache; it is emptied when full.
const NAME_CACHE_CAP: usize = 10_000;

/// Team Cymru's IP-to-ASN service over DNS, the default online ASN source.
///
/// For `8.8.8.8` it asks TXT `8.8.8.8.origin.asn.cymru.com.` (reversed octets; IPv6 uses the 32
/// reversed nibbles under `origin6.asn.cymru.com.`), which answers e.g.
/// `"15169 | 8.8.8.0/24 | US | arin | 2023-12-28"`, then TXT `AS15169.asn.cymru.com.` for the
/// name (`"15169 | US | arin | 2000-03-30 | GOOGLE, US"` → `GOOGLE, US`).
///
/// * Several TXT records: the most specific prefix containing the address wins; records whose
///   prefix does not contain the address, or whose AS field is `NA`, are ignored. Records with
///   the same winning prefix have their origins merged.
/// * Several origins (`"13335 209242 | …"`): the first is [`Asn::number`], the others go to
///   [`Asn::other_origins`].
/// * NXDOMAIN or NODATA for the origin query: `Ok(None)`. Timeout → `Timeout`; SERVFAIL or
///   REFUSED → `ServFail`; TXT that does not parse → `Malformed`.
/// * A failing name query still returns the ASN, with no name. AS names are cached (at most
///   10 000) so a bulk run asks once per AS.
///
/// Source name: `cymru`.
pub struct CymruSource {
    resolver: TokioResolver,
    origin4: String,
    origin6: String,
    asn_zone: String,
    names: Mutex<HashMap<u32, Option<String>>>,
}

impl fmt::Debug for CymruSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.names.lock().map_or(0, |names| names.len());
        f.debug_struct("CymruSource")
            .field("origin4", &self.origin4)
            .field("origin6", &self.origin6)
            .field("asn_zone", &self.asn_zone)
            .field("cached_names", &cached)
            .finish_non_exhaustive()
    }
}

impl CymruSource {
    /// Ask Team Cymru's public zones through `resolver`.
    pub fn new(resolver: TokioResolver) -> Self {
        Self::with_zones(resolver, ORIGIN4, ORIGIN6, ASN_ZONE)
    }

    /// Ask other zones with the same layout (a mirror, or a test server). Leading and trailing
    /// dots are ignored.
    pub fn with_zones(
        resolver: TokioResolver,
        origin4: &str,
        origin6: &str,
        asn_zone: &str,
    ) -> Self {
        let zone = |z: &str| z.trim_matches('.').to_ascii_lowercase();
        Self {
            resolver,
            origin4: zone(origin4),
            origin6: zone(origin6),
            asn_zone: zone(asn_zone),
            names: Mutex::new(HashMap::new()),
        }
    }

    async fn lookup_inner(&self, ip: IpAddr) -> Result<Option<Asn>, SourceError> {
        let ip = ip.to_canonical();
        let qname = origin_query_name(ip, &self.origin4, &self.origin6);
        let Some(txts) = self.txt(&qname).await? else {
            return Ok(None);
        };
        let mut records = Vec::with_capacity(txts.len());
        let mut first_error = None;
        for txt in &txts {
            match parse_origin_txt(txt) {
                Ok(record) => records.push(record),
                Err(e) => {
                    tracing::debug!(%qname, txt = %txt, error = %e, "unparsable Team Cymru TXT");
                    first_error.get_or_insert(e);
                }
            }
        }
        if records.is_empty() {
            if let Some(e) = first_error {
                return Err(SourceError::new(SourceErrorKind::Malformed, format!("{qname}: {e}")));
            }
            return Ok(None);
        }
        let Some(best) = pick_origin(&records, ip) else {
            return Ok(None);
        };
        let mut origins = best.origins.into_iter();
        let Some(number) = origins.next() else {
            return Ok(None);
        };
        let name = self.as_name(number).await;
        let mut asn = Asn::new(number, name, self.name());
        asn.prefix = Some(IpBlock::Net(best.prefix));
        asn.other_origins = origins.collect();
        Ok(Some(asn))
    }

    /// The TXT strings at `qname` (character-strings of one record joined); `None` for
    /// NXDOMAIN or NODATA.
    async fn txt(&self, qname: &str) -> Result<Option<Vec<String>>, SourceError> {
        let lookup = match self.resolver.txt_lookup(qname).await {
            Ok(lookup) => lookup,
            Err(e) if e.is_nx_domain() || e.is_no_records_found() => return Ok(None),
            Err(e) => return Err(source_error(qname, &e)),
        };
        let txts: Vec<String> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::TXT(txt) => {
                    Some(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect())
                }
                _ => None,
            })
            .collect();
        Ok((!txts.is_empty()).then_some(txts))
    }

    /// The name of AS `number`, from the cache or DNS; `None` when it cannot be had.
    async fn as_name(&self, number: u32) -> Option<String> {
        let cached =
            self.names.lock().unwrap_or_else(PoisonError::into_inner).get(&number).cloned();
        if let Some(name) = cached {
            return name;
        }
        let qname = format!("AS{number}.{}.", self.asn_zone);
        let name = match self.txt(&qname).await {
            Ok(Some(txts)) => {
                let parsed = txts.iter().find_map(|txt| match parse_as_name_txt(txt) {
                    Ok((asn, name)) if asn == number => Some(name),
                    Ok((asn, _)) => {
                        tracing::debug!(%qname, asn, "Team Cymru AS name TXT for another AS");
                        None
                    }
                    Err(e) => {
                        tracing::debug!(%qname, txt = %txt, error = %e, "unparsable AS name TXT");
                        None
                    }
                });
                parsed.flatten()
            }
            Ok(None) => None,
            Err(e) => {
                // Transient: answer without a name and do not cache.
                tracing::warn!(%qname, error = %e, "Team Cymru AS name lookup failed");
                return None;
            }
        };
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        if names.len() >= NAME_CACHE_CAP {
            names.clear();
        }
        names.insert(number, name.clone());
        name
    }
}

impl AsnSource for CymruSource {
    fn name(&self) -> &str {
        "cymru"
    }

    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<Asn>, SourceError>> {
        Box::pin(self.lookup_inner(ip))
    }
}

/// Map a resolver error to a [`SourceError`] (NXDOMAIN/NODATA are handled before this).
fn source_error(qname: &str, e: &NetError) -> SourceError {
    let kind = match e {
        NetError::Timeout => SourceErrorKind::Timeout,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => SourceErrorKind::Timeout,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail | ResponseCode::Refused)) => {
            SourceErrorKind::ServFail
        }
        NetError::Dns(DnsError::NoRecordsFound(_)) => SourceErrorKind::NoData,
        NetError::Io(_) | NetError::NoConnections | NetError::Busy => SourceErrorKind::Transport,
        _ => SourceErrorKind::Other,
    };
    SourceError::new(kind, format!("{qname}: {}", describe_dns(e)))
}

/// The DNS name to ask for `ip`'s origin: reversed octets under `origin4` for IPv4, the 32
/// reversed nibbles under `origin6` for IPv6; fully qualified (trailing dot).
pub(crate) fn origin_query_name(ip: IpAddr, origin4: &str, origin6: &str) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.{origin4}.")
        }
        IpAddr::V6(v6) => {
            let mut name = String::with_capacity(64 + origin6.len() + 2);
            for nibble in (0..32).map(|i| (u128::from(v6) >> (i * 4)) & 0xf) {
                let _ = write!(name, "{nibble:x}.");
            }
            name.push_str(origin6);
            name.push('.');
            name
        }
    }
}

/// One parsed origin TXT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OriginRecord {
    /// Origin AS numbers in the order given; empty when the AS field was `NA`.
    pub(crate) origins: Vec<u32>,
    /// The announced prefix (host bits cleared).
    pub(crate) prefix: IpNet,
}

/// Why a Team Cymru TXT record could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TxtError {
    /// Fewer `|`-separated fields than the format has.
    #[error("expected at least {expected} `|`-separated fields in {txt:?}")]
    TooFewFields {
        /// Fields needed.
        expected: usize,
        /// The record.
        txt: String,
    },
    /// An AS number that is not a 32-bit unsigned integer.
    #[error("invalid AS number {value:?}")]
    BadAsn {
        /// The offending value.
        value: String,
    },
    /// A prefix that is not `address/length`.
    #[error("invalid prefix {value:?}")]
    BadPrefix {
        /// The offending value.
        value: String,
    },
}

/// Parse an origin answer, `"15169 | 8.8.8.0/24 | US | arin | 2023-12-28"`. The AS field may
/// hold several numbers separated by spaces, or `NA` (→ no origins). Only the first two fields
/// are required.
pub(crate) fn parse_origin_txt(txt: &str) -> Result<OriginRecord, TxtError> {
    let mut fields = txt.split('|').map(str::trim);
    let (Some(asns), Some(prefix)) = (fields.next(), fields.next()) else {
        return Err(TxtError::TooFewFields { expected: 2, txt: txt.to_owned() });
    };
    let origins = if asns.eq_ignore_ascii_case("NA") {
        Vec::new()
    } else {
        let origins = asns
            .split_whitespace()
            .map(|n| parse_asn(n).ok_or_else(|| TxtError::BadAsn { value: n.to_owned() }))
            .collect::<Result<Vec<u32>, _>>()?;
        if origins.is_empty() {
            return Err(TxtError::BadAsn { value: asns.to_owned() });
        }
        origins
    };
    let prefix = prefix
        .parse::<IpNet>()
        .map_err(|_| TxtError::BadPrefix { value: prefix.to_owned() })?
        .trunc();
    Ok(OriginRecord { origins, prefix })
}

/// Parse an AS name answer, `"15169 | US | arin | 2000-03-30 | GOOGLE, US"`, into the AS
/// number and the name (the fifth field, trimmed; `None` when empty). A `|` inside the name
/// is kept.
pub(crate) fn parse_as_name_txt(txt: &str) -> Result<(u32, Option<String>), TxtError> {
    let fields: Vec<&str> = txt.splitn(5, '|').map(str::trim).collect();
    let &[asn, _country, _registry, _allocated, name] = fields.as_slice() else {
        return Err(TxtError::TooFewFields { expected: 5, txt: txt.to_owned() });
    };
    let number = parse_asn(asn).ok_or_else(|| TxtError::BadAsn { value: asn.to_owned() })?;
    Ok((number, (!name.is_empty()).then(|| name.to_owned())))
}

/// An AS number, with or without an `AS` prefix.
fn parse_asn(value: &str) -> Option<u32> {
    let digits = value.strip_prefix("AS").or_else(|| value.strip_prefix("as")).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The record to answer with: the longest prefix containing `ip` among records with at least
/// one origin; origins of records with that same prefix are merged (first seen first).
pub(crate) fn pick_origin(records: &[OriginRecord], ip: IpAddr) -> Option<OriginRecord> {
    let best = records
        .iter()
        .filter(|r| !r.origins.is_empty() && r.prefix.contains(&ip))
        .map(|r| r.prefix)
        .max_by_key(IpNet::prefix_len)?;
    let mut origins: Vec<u32> = Vec::new();
    for record in records.iter().filter(|r| r.prefix == best) {
        for &asn in &record.origins {
            if !origins.contains(&asn) {
                origins.push(asn);
            }
        }
    }
    Some(OriginRecord { origins, prefix: best })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;
    use std::time::Duration;

    use hickory_resolver::config::{NameServerConfig, ResolverConfig};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    use hickory_resolver::proto::op::{Message, OpCode};
    use hickory_resolver::proto::rr::Record;
    use hickory_resolver::proto::rr::rdata::TXT;
    use tokio::net::UdpSocket;

    use super::*;
    use crate::record::AsnSourceName;

    // ---- pure parsers -------------------------------------------------------------------

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn origin_txt_single_origin() {
        let r = parse_origin_txt("15169 | 8.8.8.0/24 | US | arin | 2023-12-28").unwrap();
        assert_eq!(r, OriginRecord { origins: vec![15169], prefix: net("8.8.8.0/24") });
    }

    #[test]
    fn origin_txt_several_origins() {
        let r = parse_origin_txt("13335 209242 | 104.16.0.0/13 | US | arin | 2014-03-28").unwrap();
        assert_eq!(r.origins, [13335, 209242]);
        assert_eq!(r.prefix, net("104.16.0.0/13"));
    }

    #[test]
    fn origin_txt_spacing_and_short_forms() {
        // Extra spaces everywhere, tabs, no spaces at all, and only two fields.
        let r = parse_origin_txt("   15169    |   8.8.8.0/24   |US|arin|  ").unwrap();
        assert_eq!(r, OriginRecord { origins: vec![15169], prefix: net("8.8.8.0/24") });
        let r = parse_origin_txt("13335\t 209242|104.16.0.0/13").unwrap();
        assert_eq!(r.origins, [13335, 209242]);
        let r = parse_origin_txt("AS64500 | 192.0.2.0/24 | | | ").unwrap();
        assert_eq!(r.origins, [64500]);
        // Empty trailing fields are fine: only AS and prefix are needed.
        let r = parse_origin_txt("64500 | 192.0.2.0/24 |  |  | ").unwrap();
        assert_eq!(r.prefix, net("192.0.2.0/24"));
        // Host bits are cleared.
        let r = parse_origin_txt("64500 | 192.0.2.77/24 | ZZ | ripencc | 2000-01-01").unwrap();
        assert_eq!(r.prefix, net("192.0.2.0/24"));
    }

    #[test]
    fn origin_txt_na_means_no_origin() {
        let r = parse_origin_txt("NA | 192.0.2.0/24 | ZZ | arin | ").unwrap();
        assert!(r.origins.is_empty());
        let r = parse_origin_txt("na | 192.0.2.0/24").unwrap();
        assert!(r.origins.is_empty());
    }

    #[test]
    fn origin_txt_ipv6_prefixes() {
        let r = parse_origin_txt("15169 | 2001:4860::/32 | US | arin | 2005-03-14").unwrap();
        assert_eq!(r, OriginRecord { origins: vec![15169], prefix: net("2001:4860::/32") });
        let r = parse_origin_txt("3333 | 2001:67C:2E8::/48 | NL | ripencc | 2007-04-30").unwrap();
        assert_eq!(r.prefix.to_string(), "2001:67c:2e8::/48");
    }

    #[test]
    fn origin_txt_garbage_is_an_error() {
        let too_few =
            |txt: &str| matches!(parse_origin_txt(txt), Err(TxtError::TooFewFields { .. }));
        assert!(too_few(""));
        assert!(too_few("garbage"));
        assert!(too_few("15169"));
        let bad_asn = |txt: &str| matches!(parse_origin_txt(txt), Err(TxtError::BadAsn { .. }));
        assert!(bad_asn(" | 8.8.8.0/24 | US | arin | 2023-12-28"));
        assert!(bad_asn("GOOGLE | 8.8.8.0/24"));
        assert!(bad_asn("15169x | 8.8.8.0/24"));
        assert!(bad_asn("-1 | 8.8.8.0/24"));
        assert!(bad_asn("+15169 | 8.8.8.0/24"));
        assert!(bad_asn("4294967296 | 8.8.8.0/24"));
        assert!(bad_asn("15169 abc | 8.8.8.0/24"));
        assert!(bad_asn("AS | 8.8.8.0/24"));
        let bad_prefix =
            |txt: &str| matches!(parse_origin_txt(txt), Err(TxtError::BadPrefix { .. }));
        assert!(bad_prefix("15169 |  | US"));
        assert!(bad_prefix("15169 | NA | US"));
        assert!(bad_prefix("15169 | 8.8.8.0 | US"));
        assert!(bad_prefix("15169 | 8.8.8.0/33 | US"));
        assert!(bad_prefix("15169 | 2001:4860::/129 | US"));
        assert!(bad_prefix("15169 | 8.8.8.0/24/1 | US"));
        assert_eq!(parse_origin_txt("4294967295 | 0.0.0.0/0").unwrap().origins, [u32::MAX]);
    }

    #[test]
    fn as_name_txt() {
        assert_eq!(
            parse_as_name_txt("15169 | US | arin | 2000-03-30 | GOOGLE, US").unwrap(),
            (15169, Some("GOOGLE, US".to_owned()))
        );
        // Surrounding spaces trimmed, inner text kept exactly, a `|` in the name kept.
        assert_eq!(
            parse_as_name_txt("13335|US|arin|2010-07-14|  CLOUDFLARENET,   US  ").unwrap(),
            (13335, Some("CLOUDFLARENET,   US".to_owned()))
        );
        assert_eq!(
            parse_as_name_txt("64500 | ZZ | ripencc | 2001-01-01 | A | B").unwrap(),
            (64500, Some("A | B".to_owned()))
        );
        // Empty name, empty other fields.
        assert_eq!(parse_as_name_txt("64500 | | | | ").unwrap(), (64500, None));
        // NA is a name like any other here (kept as given).
        assert_eq!(parse_as_name_txt("64500 | | | | NA").unwrap(), (64500, Some("NA".to_owned())));
        assert!(matches!(
            parse_as_name_txt("15169 | US | arin | 2000-03-30"),
            Err(TxtError::TooFewFields { expected: 5, .. })
        ));
        assert!(matches!(parse_as_name_txt(""), Err(TxtError::TooFewFields { .. })));
        assert!(matches!(
            parse_as_name_txt("GOOGLE | US | arin | 2000-03-30 | GOOGLE, US"),
            Err(TxtError::BadAsn { .. })
        ));
        assert!(matches!(parse_as_name_txt(" | | | | x"), Err(TxtError::BadAsn { .. })));
    }

    #[test]
    fn pick_prefers_the_longest_containing_prefix() {
        let recs = |lines: &[&str]| -> Vec<OriginRecord> {
            lines.iter().map(|l| parse_origin_txt(l).unwrap()).collect()
        };
        let records = recs(&[
            "13335 | 104.16.0.0/12 | US | arin | 2014-03-28",
            "13335 209242 | 104.16.0.0/13 | US | arin | 2014-03-28",
            "64500 | 104.16.0.0/14 | US | arin | 2014-03-28",
        ]);
        // 104.16.0.1 is in all three: /14 wins.
        let best = pick_origin(&records, ip("104.16.0.1")).unwrap();
        assert_eq!((best.origins, best.prefix), (vec![64500], net("104.16.0.0/14")));
        // 104.20.0.1 is in /12 and /13 only.
        let best = pick_origin(&records, ip("104.20.0.1")).unwrap();
        assert_eq!((best.origins, best.prefix), (vec![13335, 209242], net("104.16.0.0/13")));
        // 104.24.0.1 only in /12.
        let best = pick_origin(&records, ip("104.24.0.1")).unwrap();
        assert_eq!(best.prefix, net("104.16.0.0/12"));
        // Outside all of them, or another family.
        assert_eq!(pick_origin(&records, ip("8.8.8.8")), None);
        assert_eq!(pick_origin(&records, ip("2001:db8::1")), None);
        assert_eq!(pick_origin(&[], ip("8.8.8.8")), None);
    }

    #[test]
    fn pick_ignores_na_and_non_containing_and_merges_same_prefix() {
        let records: Vec<OriginRecord> = [
            "NA | 192.0.2.0/25 | ZZ | arin |",
            "64500 | 192.0.2.0/24 | ZZ | arin |",
            "64501 64500 | 192.0.2.0/24 | ZZ | arin |",
            "64502 | 198.51.100.0/24 | ZZ | arin |",
        ]
        .iter()
        .map(|l| parse_origin_txt(l).unwrap())
        .collect();
        let best = pick_origin(&records, ip("192.0.2.1")).unwrap();
        assert_eq!(best.origins, [64500, 64501]);
        assert_eq!(best.prefix, net("192.0.2.0/24"));
    }

    #[test]
    fn query_names() {
        assert_eq!(
            origin_query_name(ip("8.8.4.1"), ORIGIN4, ORIGIN6),
            "1.4.8.8.origin.asn.cymru.com."
        );
        assert_eq!(
            origin_query_name(ip("2001:4860:4860::8888"), ORIGIN4, ORIGIN6),
            "8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.origin6.asn.cymru.com."
        );
        assert_eq!(origin_query_name(ip("::"), "o4", "o6"), format!("{}o6.", "0.".repeat(32)));
        assert_eq!(origin_query_name(ip("0.0.0.0"), "o4", "o6"), "0.0.0.0.o4.");
    }

    // ---- against a loopback DNS server -----------------------------------------------------

    /// What the fake server says for one name.
    #[derive(Debug, Clone)]
    enum Reply {
        /// TXT records, each a list of character-strings.
        Txt(Vec<Vec<&'static str>>),
        NxDomain,
        NoData,
        Code(ResponseCode),
        /// Never answer.
        Silent,
    }

    type Log = Arc<Mutex<Vec<String>>>;

    /// A UDP DNS server on 127.0.0.1 answering from `zone` (lower-case FQDN → reply); names
    /// not in `zone` are NXDOMAIN. Returns its port and the log of asked names.
    async fn fake_dns(zone: Vec<(&str, Reply)>) -> (u16, Log) {
        let zone: HashMap<String, Reply> =
            zone.into_iter().map(|(n, r)| (n.to_ascii_lowercase(), r)).collect();
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let log: Log = Arc::default();
        let seen = log.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((len, peer)) = socket.recv_from(&mut buf).await else { return };
                let Ok(request) = Message::from_vec(&buf[..len]) else { continue };
                let Some(query) = request.queries.first().cloned() else { continue };
                let name = query.name().to_ascii().to_ascii_lowercase();
                seen.lock().unwrap().push(name.clone());
                let reply = zone.get(&name).cloned().unwrap_or(Reply::NxDomain);
                let mut response = Message::response(request.metadata.id, OpCode::Query);
                response.metadata.recursion_desired = true;
                response.metadata.recursion_available = true;
                response.add_query(query.clone());
                match reply {
                    Reply::Txt(records) => {
                        for parts in records {
                            let txt = TXT::new(parts.into_iter().map(str::to_owned).collect());
                            response.add_answer(Record::from_rdata(
                                query.name().clone(),
                                0,
                                RData::TXT(txt),
                            ));
                        }
                    }
                    Reply::NxDomain => response.metadata.response_code = ResponseCode::NXDomain,
                    Reply::NoData => {}
                    Reply::Code(code) => response.metadata.response_code = code,
                    Reply::Silent => continue,
                }
                let _ = socket.send_to(&response.to_vec().unwrap(), peer).await;
            }
        });
        (port, log)
    }

    fn resolver(port: u16) -> TokioResolver {
        let mut server = NameServerConfig::udp(IpAddr::from([127, 0, 0, 1]));
        for connection in &mut server.connections {
            connection.port = port;
        }
        let config = ResolverConfig::from_parts(None, vec![], vec![server]);
        let mut builder =
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        let options = builder.options_mut();
        options.timeout = Duration::from_millis(300);
        options.attempts = 1;
        options.cache_size = 0;
        builder.build().unwrap()
    }

    const GOOGLE_NAME: &str = "AS15169.asn.cymru.com.";

    fn google() -> Vec<(&'static str, Reply)> {
        vec![
            (
                "8.8.8.8.origin.asn.cymru.com.",
                Reply::Txt(vec![vec!["15169 | 8.8.8.0/24 | US | arin | 2023-12-28"]]),
            ),
            (GOOGLE_NAME, Reply::Txt(vec![vec!["15169 | US | arin | 2000-03-30 | GOOGLE, US"]])),
        ]
    }

    async fn source(zone: Vec<(&'static str, Reply)>) -> (CymruSource, Log) {
        let (port, log) = fake_dns(zone).await;
        (CymruSource::new(resolver(port)), log)
    }

    fn asked(log: &Log, name: &str) -> usize {
        let name = name.to_ascii_lowercase();
        log.lock().unwrap().iter().filter(|n| **n == name).count()
    }

    #[tokio::test]
    async fn answers_with_origin_prefix_and_name() {
        let (cymru, _) = source(google()).await;
        let asn = cymru.lookup(ip("8.8.8.8")).await.unwrap().unwrap();
        assert_eq!(asn.number, 15169);
        assert_eq!(asn.name.as_deref(), Some("GOOGLE, US"));
        assert_eq!(asn.prefix.map(|p| p.to_string()).as_deref(), Some("8.8.8.0/24"));
        assert_eq!(asn.source, AsnSourceName::Cymru);
        assert!(asn.other_origins.is_empty());
        assert!(format!("{cymru:?}").contains("origin.asn.cymru.com"));
    }

    #[tokio::test]
    async fn multi_origin_most_specific_and_split_strings() {
        let (cymru, _) = source(vec![
            (
                "1.0.16.104.origin.asn.cymru.com.",
                Reply::Txt(vec![
                    vec!["13335 | 104.16.0.0/12 | US | arin | 2014-03-28"],
                    // One record in two character-strings.
                    vec!["13335 209242 | 104.16.0.0/13 ", "| US | arin | 2014-03-28"],
                    vec!["64500 | 10.0.0.0/8 | ZZ | arin | 2014-03-28"],
                ]),
            ),
            (
                "AS13335.asn.cymru.com.",
                Reply::Txt(vec![vec!["13335 | US | arin | 2010-07-14 | ", "CLOUDFLARENET, US"]]),
            ),
        ])
        .await;
        let asn = cymru.lookup(ip("104.16.0.1")).await.unwrap().unwrap();
        assert_eq!(asn.number, 13335);
        assert_eq!(asn.other_origins, [209242]);
        assert_eq!(asn.prefix.map(|p| p.to_string()).as_deref(), Some("104.16.0.0/13"));
        assert_eq!(asn.name.as_deref(), Some("CLOUDFLARENET, US"));
    }

    #[tokio::test]
    async fn ipv6_and_mapped_ipv4() {
        let mut zone = google();
        zone.push((
            "8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.origin6.asn.cymru.com.",
            Reply::Txt(vec![vec!["15169 | 2001:4860::/32 | US | arin | 2005-03-14"]]),
        ));
        let (cymru, _) = source(zone).await;
        let asn = cymru.lookup(ip("2001:4860:4860::8888")).await.unwrap().unwrap();
        assert_eq!(
            (asn.number, asn.prefix.map(|p| p.to_string()).as_deref()),
            (15169, Some("2001:4860::/32"))
        );
        let asn = cymru.lookup(ip("::ffff:8.8.8.8")).await.unwrap().unwrap();
        assert_eq!(
            (asn.number, asn.prefix.map(|p| p.to_string()).as_deref()),
            (15169, Some("8.8.8.0/24"))
        );
    }

    #[tokio::test]
    async fn nxdomain_nodata_and_unusable_answers_are_none() {
        let (cymru, _) = source(vec![
            ("1.2.0.192.origin.asn.cymru.com.", Reply::NoData),
            (
                "2.2.0.192.origin.asn.cymru.com.",
                Reply::Txt(vec![vec!["64500 | 198.51.100.0/24 | ZZ | arin |"]]),
            ),
            ("3.2.0.192.origin.asn.cymru.com.", Reply::Txt(vec![vec!["NA | 192.0.2.0/24 | ZZ |"]])),
        ])
        .await;
        // Not in the zone at all: NXDOMAIN.
        assert_eq!(cymru.lookup(ip("10.0.0.1")).await.unwrap(), None);
        assert_eq!(cymru.lookup(ip("192.0.2.1")).await.unwrap(), None);
        // A prefix that does not contain the address, or no origin.
        assert_eq!(cymru.lookup(ip("192.0.2.2")).await.unwrap(), None);
        assert_eq!(cymru.lookup(ip("192.0.2.3")).await.unwrap(), None);
    }

    #[tokio::test]
    async fn server_failures_map_to_kinds() {
        let (cymru, _) = source(vec![
            ("1.2.0.192.origin.asn.cymru.com.", Reply::Code(ResponseCode::ServFail)),
            ("2.2.0.192.origin.asn.cymru.com.", Reply::Code(ResponseCode::Refused)),
            ("3.2.0.192.origin.asn.cymru.com.", Reply::Silent),
            ("4.2.0.192.origin.asn.cymru.com.", Reply::Txt(vec![vec!["garbage"]])),
            (
                "5.2.0.192.origin.asn.cymru.com.",
                Reply::Txt(vec![vec!["garbage"], vec!["64500 | 192.0.2.0/24 | ZZ | arin |"]]),
            ),
            ("AS64500.asn.cymru.com.", Reply::NoData),
        ])
        .await;
        let kind = |e: SourceError| e.kind();
        assert_eq!(
            kind(cymru.lookup(ip("192.0.2.1")).await.unwrap_err()),
            SourceErrorKind::ServFail
        );
        assert_eq!(
            kind(cymru.lookup(ip("192.0.2.2")).await.unwrap_err()),
            SourceErrorKind::ServFail
        );
        assert_eq!(
            kind(cymru.lookup(ip("192.0.2.3")).await.unwrap_err()),
            SourceErrorKind::Timeout
        );
        let err = cymru.lookup(ip("192.0.2.4")).await.unwrap_err();
        assert_eq!(err.kind(), SourceErrorKind::Malformed);
        assert!(err.message().contains("4.2.0.192.origin.asn.cymru.com."), "{err}");
        // One good record beside a bad one: the good one answers; no name (NODATA).
        let asn = cymru.lookup(ip("192.0.2.5")).await.unwrap().unwrap();
        assert_eq!((asn.number, asn.name), (64500, None));
    }

    #[tokio::test]
    async fn failing_name_lookup_still_answers_and_is_not_cached() {
        let mut zone = google();
        zone[1].1 = Reply::Code(ResponseCode::ServFail);
        let (cymru, log) = source(zone).await;
        let mut asked_after = Vec::new();
        for _ in 0..2 {
            let asn = cymru.lookup(ip("8.8.8.8")).await.unwrap().unwrap();
            assert_eq!((asn.number, asn.name), (15169, None));
            asked_after.push(asked(&log, GOOGLE_NAME));
        }
        // The resolver may retry a SERVFAIL itself; the second lookup asks again all the same.
        assert!(asked_after[0] >= 1);
        assert_eq!(asked_after[1], 2 * asked_after[0]);
    }

    #[tokio::test]
    async fn as_names_are_cached() {
        let mut zone = google();
        zone.push((
            "8.4.8.8.origin.asn.cymru.com.",
            Reply::Txt(vec![vec!["15169 | 8.8.4.0/24 | US | arin | 2023-12-28"]]),
        ));
        // A name TXT for another AS is ignored (and the empty result cached too).
        zone.push((
            "1.2.0.192.origin.asn.cymru.com.",
            Reply::Txt(vec![vec!["64500 | 192.0.2.0/24 | ZZ | arin |"]]),
        ));
        zone.push((
            "AS64500.asn.cymru.com.",
            Reply::Txt(vec![vec!["64501 | ZZ | arin | 2000-01-01 | WRONG"]]),
        ));
        let (cymru, log) = source(zone).await;
        for address in ["8.8.8.8", "8.8.4.8", "8.8.8.8"] {
            let asn = cymru.lookup(ip(address)).await.unwrap().unwrap();
            assert_eq!(asn.name.as_deref(), Some("GOOGLE, US"));
        }
        assert_eq!(asked(&log, GOOGLE_NAME), 1);
        assert_eq!(asked(&log, "8.8.8.8.origin.asn.cymru.com."), 2);
        for _ in 0..2 {
            let asn = cymru.lookup(ip("192.0.2.1")).await.unwrap().unwrap();
            assert_eq!((asn.number, asn.name), (64500, None));
        }
        assert_eq!(asked(&log, "AS64500.asn.cymru.com."), 1);
    }

    #[tokio::test]
    async fn other_zones() {
        let (port, log) = fake_dns(vec![
            ("8.8.8.8.o4.test.", Reply::Txt(vec![vec!["15169 | 8.8.8.0/24 | US | arin |"]])),
            ("AS15169.names.test.", Reply::Txt(vec![vec!["15169 | US | arin | | GOOGLE, US"]])),
        ])
        .await;
        let cymru = CymruSource::with_zones(resolver(port), ".o4.test.", "o6.test", "names.test.");
        let asn = cymru.lookup(ip("8.8.8.8")).await.unwrap().unwrap();
        assert_eq!((asn.number, asn.name.as_deref()), (15169, Some("GOOGLE, US")));
        assert_eq!(asked(&log, "8.8.8.8.o4.test."), 1);
    }
}

/// Property tests (issue #8): Team Cymru TXT answers, arbitrary or built with random
/// separators, spacing, `AS` prefixes and extra fields, parse to exactly what they hold or
/// to a typed [`TxtError`]; the record picked for an address is the longest containing
/// prefix. Cases per property: `WHOHOSTS_PROPTEST_CASES` (default 256); regression inputs:
/// `tests/corpus/cymru/*.txt` (one TXT string per line).
#[cfg(test)]
mod prop_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::path::Path;

    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;

    use super::*;

    /// The shared property-test configuration (fixed seed, 256 cases by default).
    fn config() -> ProptestConfig {
        crate::test_support::proptest_config()
    }

    /// White space as DNS TXT strings carry it: none, spaces, tabs, NBSP.
    fn space() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(&[" ", "  ", "\t", "\u{a0}"][..]), 0..3)
            .prop_map(|v| v.concat())
    }

    /// A prefix, written with host bits set (the parser clears them).
    fn prefix() -> impl Strategy<Value = IpNet> {
        prop_oneof![
            (any::<u32>(), 0..=32u8).prop_map(|(a, l)| IpNet::new(
                IpAddr::V4(Ipv4Addr::from(a)),
                l
            )
            .unwrap()),
            (any::<u128>(), 0..=128u8).prop_map(|(a, l)| IpNet::new(
                IpAddr::V6(Ipv6Addr::from(a)),
                l
            )
            .unwrap()),
        ]
    }

    /// Fields after the required ones: free text without `|`.
    fn extra_fields() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec("[^|]{0,12}", 0..5)
    }

    fn txt_strings() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            proptest::sample::select(
                &[
                    "|",
                    " ",
                    "NA",
                    "AS",
                    "as",
                    "15169",
                    "4294967296",
                    "-1",
                    "8.8.8.0/24",
                    "::/0",
                    "/",
                    "/129",
                    "1.2.3.4/33",
                    "\u{a0}",
                    "\t",
                    "GOOGLE, US",
                    "é"
                ][..]
            )
            .prop_map(str::to_owned),
            any::<char>().prop_map(String::from),
        ];
        prop_oneof![
            any::<String>(),
            proptest::collection::vec(piece, 0..16).prop_map(|v| v.concat()),
        ]
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn arbitrary_txt_parses_or_is_a_typed_error(txt in txt_strings()) {
            match parse_origin_txt(&txt) {
                Ok(r) => {
                    prop_assert_eq!(r.prefix, r.prefix.trunc());
                    let asns = txt.split('|').next().unwrap().trim();
                    prop_assert_eq!(r.origins.is_empty(), asns.eq_ignore_ascii_case("NA"));
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            match parse_as_name_txt(&txt) {
                Ok((_, name)) => {
                    if let Some(name) = name {
                        prop_assert!(!name.is_empty() && name.trim() == name);
                        prop_assert!(txt.contains(&name));
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }

        /// `"AS1 AS2 | prefix | …"` with any spacing gives exactly the origins and the
        /// prefix with host bits cleared; `NA` gives no origins.
        #[test]
        fn built_origin_txt_parses_exactly(
            origins in proptest::collection::vec((any::<u32>(), 0..3usize), 1..5),
            na in proptest::option::of(proptest::sample::select(&["NA", "na", "Na"][..])),
            net in prefix(),
            spaces in proptest::collection::vec(space(), 8),
            extra in extra_fields(),
        ) {
            let asns: Vec<String> = origins
                .iter()
                .map(|(n, form)| match form {
                    0 => n.to_string(),
                    1 => format!("AS{n}"),
                    _ => format!("as{n}"),
                })
                .collect();
            let asn_field = match na {
                Some(na) => na.to_owned(),
                // Between numbers: at least one space.
                None => asns.join(&format!(" {}", spaces[0])),
            };
            let (s1, s2, s3, s4) = (&spaces[1], &spaces[2], &spaces[3], &spaces[4]);
            let mut txt = format!("{s1}{asn_field}{s2}|{s3}{net}{s4}");
            for field in &extra {
                txt.push('|');
                txt.push_str(field);
            }
            let parsed = parse_origin_txt(&txt).unwrap();
            let want: Vec<u32> =
                if na.is_some() { Vec::new() } else { origins.iter().map(|o| o.0).collect() };
            prop_assert_eq!(parsed.origins, want, "{:?}", txt);
            prop_assert_eq!(parsed.prefix, net.trunc(), "{:?}", txt);
        }

        /// `"AS | CC | registry | date | name"`: the number, and the name trimmed with any `|`
        /// inside it kept; a missing field is `TooFewFields`.
        #[test]
        fn built_as_name_txt_parses_exactly(
            number in any::<u32>(),
            prefixed in any::<bool>(),
            fields in proptest::collection::vec("[A-Za-z0-9 -]{0,8}", 3),
            name in "[^|]{0,20}(\\|[^|]{0,10}){0,2}",
            spaces in proptest::collection::vec(space(), 4),
            drop in proptest::option::of(0..5usize),
        ) {
            let asn = if prefixed { format!("AS{number}") } else { number.to_string() };
            let mut parts = vec![format!("{}{asn}{}", spaces[0], spaces[1])];
            parts.extend(fields.iter().cloned());
            parts.push(format!("{}{name}{}", spaces[2], spaces[3]));
            if let Some(i) = drop.filter(|_| !name.contains('|')) {
                parts.remove(i);
                let txt = parts.join("|");
                prop_assert_eq!(
                    parse_as_name_txt(&txt),
                    Err(TxtError::TooFewFields { expected: 5, txt: txt.clone() })
                );
            } else {
                let txt = parts.join("|");
                let trimmed = name.trim();
                prop_assert_eq!(
                    parse_as_name_txt(&txt),
                    Ok((number, (!trimmed.is_empty()).then(|| trimmed.to_owned())))
                );
            }
        }

        /// The pick: the longest prefix containing the address among records with origins;
        /// origins of records with that prefix merged in order, without repeats.
        #[test]
        fn pick_is_the_longest_containing_prefix(
            records in proptest::collection::vec(
                (0..=24u8, any::<u32>(), proptest::collection::vec(0..4u32, 0..3)),
                0..8,
            ),
            probe in any::<u32>(),
        ) {
            // Prefixes around 10.0.0.0/8 so that they nest.
            let records: Vec<OriginRecord> = records
                .into_iter()
                .map(|(len, bits, origins)| OriginRecord {
                    origins,
                    prefix: IpNet::new(
                        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (bits & 0x00ff_ffff))),
                        8 + len,
                    )
                    .unwrap()
                    .trunc(),
                })
                .collect();
            let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (probe & 0x00ff_ffff)));
            let best = records
                .iter()
                .filter(|r| !r.origins.is_empty() && r.prefix.contains(&ip))
                .map(|r| r.prefix.prefix_len())
                .max();
            let got = pick_origin(&records, ip);
            prop_assert_eq!(got.as_ref().map(|r| r.prefix.prefix_len()), best);
            if let Some(got) = got {
                prop_assert!(got.prefix.contains(&ip));
                let mut want: Vec<u32> = Vec::new();
                for r in records.iter().filter(|r| r.prefix == got.prefix) {
                    for o in &r.origins {
                        if !want.contains(o) {
                            want.push(*o);
                        }
                    }
                }
                prop_assert_eq!(got.origins, want);
            }
        }

        /// The origin query name holds the address reversed under the zone.
        #[test]
        fn origin_query_names_hold_the_reversed_address(v4 in any::<u32>(), v6 in any::<u128>()) {
            let name = origin_query_name(IpAddr::V4(Ipv4Addr::from(v4)), "o4", "o6");
            let octets: Vec<u8> = name
                .strip_suffix(".o4.")
                .unwrap()
                .split('.')
                .map(|o| o.parse().unwrap())
                .rev()
                .collect();
            prop_assert_eq!(octets, Ipv4Addr::from(v4).octets().to_vec());
            let name = origin_query_name(IpAddr::V6(Ipv6Addr::from(v6)), "o4", "o6");
            let hex: String = name.strip_suffix(".o6.").unwrap().split('.').rev().collect();
            prop_assert_eq!(u128::from_str_radix(&hex, 16).unwrap(), v6);
        }
    }

    /// Every line of every file in `tests/corpus/cymru/` parses or is refused, no panic.
    #[test]
    fn corpus_files_do_not_panic() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/cymru");
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        for entry in entries {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for txt in String::from_utf8_lossy(&bytes).lines() {
                let _ = parse_origin_txt(txt);
                let _ = parse_as_name_txt(txt);
            }
        }
    }
}
