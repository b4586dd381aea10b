//! The test world's DNS server: a recursive-resolver-like responder over UDP and TCP for
//! the builder's records, with a Team Cymru IP-to-ASN emulation.

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use ipnet::IpNet;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinSet;

use super::{AbusixSpec, CymruOriginSpec, DnsSpec, Shared, invalid_input};

/// The Abusix Abuse ContactDB zone the world serves (the real zone's name).
pub(super) const ABUSIX_ZONE: &str = "abuse-contacts.abusix.zone";

/// TTL of every answer record.
const TTL: u32 = 300;
/// TTL and minimum of the synthetic SOA (negative caching time).
const NEGATIVE_TTL: u32 = 60;
/// CNAME hops followed before answering SERVFAIL.
const MAX_CNAME_HOPS: usize = 16;
/// The EDNS payload size the server announces.
const EDNS_PAYLOAD: u16 = 1232;
/// How long an idle TCP connection is kept open.
const TCP_IDLE: Duration = Duration::from_secs(30);

/// Lower-case, without surrounding whitespace or a trailing dot.
pub(super) fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A normalized name as a fully qualified DNS name.
fn fqdn(name: &str) -> Option<Name> {
    Name::from_ascii(format!("{name}.")).ok()
}

/// The records of one name.
#[derive(Debug, Default)]
struct Entry {
    a: Vec<Ipv4Addr>,
    aaaa: Vec<Ipv6Addr>,
    cname: Option<String>,
    ns: Vec<String>,
    txt: Vec<String>,
    servfail: bool,
}

/// A Team Cymru origin entry: the prefix and its TXT answer.
#[derive(Debug)]
struct Origin {
    net: IpNet,
    asns: Vec<u32>,
    cc: String,
    rir: String,
    date: String,
    txt: String,
}

/// Everything the DNS server answers from.
#[derive(Debug, Default)]
pub(super) struct Zone {
    names: HashMap<String, Entry>,
    /// Ancestors of names that have no records of their own ("empty non-terminals", e.g.
    /// `opendns.com` when only `resolver1.opendns.com` is given): they exist, so they answer
    /// NODATA rather than NXDOMAIN (RFC 8020).
    empty_non_terminals: HashSet<String>,
    origins: Vec<Origin>,
    /// AS number → TXT answer of `AS<n>.asn.cymru.com`.
    as_names: HashMap<u32, String>,
    /// Abusix Abuse ContactDB entries: a prefix and its TXT strings, in the order added.
    abusix: Vec<(IpNet, Vec<String>)>,
}

/// Check a name given to the builder and normalize it.
fn checked_name(name: &str) -> io::Result<String> {
    let normalized = normalize_name(name);
    if normalized.is_empty() || fqdn(&normalized).is_none() {
        return Err(invalid_input(format!("bad DNS name {name:?}")));
    }
    Ok(normalized)
}

impl Zone {
    /// Validate the builder's records and Team Cymru entries.
    pub(super) fn build(
        records: &[DnsSpec],
        origins: &[CymruOriginSpec],
        as_names: &[(u32, String)],
        abusix: &[AbusixSpec],
    ) -> io::Result<Self> {
        let mut zone = Zone::default();
        for entry in abusix {
            let net: IpNet = entry
                .prefix
                .trim()
                .parse()
                .map_err(|_| invalid_input(format!("bad Abusix prefix {:?}", entry.prefix)))?;
            zone.abusix.push((net.trunc(), entry.texts.clone()));
        }
        for record in records {
            let (name, _) = match record {
                DnsSpec::A(n, v)
                | DnsSpec::Aaaa(n, v)
                | DnsSpec::Cname(n, v)
                | DnsSpec::Ns(n, v)
                | DnsSpec::Txt(n, v) => (n, Some(v)),
                DnsSpec::Servfail(n) => (n, None),
            };
            let entry = zone.names.entry(checked_name(name)?).or_default();
            match record {
                DnsSpec::A(_, ip) => entry.a.push(
                    ip.trim()
                        .parse()
                        .map_err(|_| invalid_input(format!("bad IPv4 address {ip:?}")))?,
                ),
                DnsSpec::Aaaa(_, ip) => entry.aaaa.push(
                    ip.trim()
                        .parse()
                        .map_err(|_| invalid_input(format!("bad IPv6 address {ip:?}")))?,
                ),
                DnsSpec::Cname(_, target) => entry.cname = Some(checked_name(target)?),
                DnsSpec::Ns(_, host) => entry.ns.push(checked_name(host)?),
                DnsSpec::Txt(_, text) => entry.txt.push(text.clone()),
                DnsSpec::Servfail(_) => entry.servfail = true,
            }
        }
        let ancestors: Vec<String> = zone
            .names
            .keys()
            .flat_map(|name| name.match_indices('.').map(move |(i, _)| name.get(i + 1..)))
            .flatten()
            .filter(|ancestor| !ancestor.is_empty())
            .map(str::to_owned)
            .collect();
        zone.empty_non_terminals =
            ancestors.into_iter().filter(|a| !zone.names.contains_key(a)).collect();
        for origin in origins {
            let net: IpNet =
                origin.prefix.trim().parse().map_err(|_| {
                    invalid_input(format!("bad Team Cymru prefix {:?}", origin.prefix))
                })?;
            let net = net.trunc();
            let asns: Vec<String> = origin.asns.iter().map(u32::to_string).collect();
            let txt = format!(
                "{} | {net} | {} | {} | {}",
                asns.join(" "),
                origin.cc,
                origin.rir,
                origin.date
            );
            zone.origins.push(Origin {
                net,
                asns: origin.asns.clone(),
                cc: origin.cc.clone(),
                rir: origin.rir.clone(),
                date: origin.date.clone(),
                txt,
            });
        }
        for (asn, name) in as_names {
            let listing: Vec<&Origin> =
                zone.origins.iter().filter(|o| o.asns.contains(asn)).collect();
            let (cc, rir) =
                listing.first().map_or(("ZZ", "other"), |o| (o.cc.as_str(), o.rir.as_str()));
            let date = listing.iter().map(|o| o.date.as_str()).min().unwrap_or("");
            zone.as_names.insert(*asn, format!("{asn} | {cc} | {rir} | {date} | {name}"));
        }
        Ok(zone)
    }

    /// The Abusix TXT strings for `ip`: the most specific entry containing it (the last
    /// added among equally specific ones); `None` when no entry does.
    fn abusix_txt(&self, ip: IpAddr) -> Option<&[String]> {
        let mut best: Option<&(IpNet, Vec<String>)> = None;
        for entry in self.abusix.iter().filter(|(net, _)| net.contains(&ip)) {
            if best.is_none_or(|(b, _)| entry.0.prefix_len() >= b.prefix_len()) {
                best = Some(entry);
            }
        }
        best.map(|(_, texts)| texts.as_slice())
    }

    /// The Team Cymru TXT strings for `ip`, in the order the entries were added.
    fn origin_txt(&self, ip: IpAddr) -> Vec<&str> {
        self.origins.iter().filter(|o| o.net.contains(&ip)).map(|o| o.txt.as_str()).collect()
    }
}

/// Split a TXT text into character-strings of at most 255 bytes (at char boundaries).
fn txt_rdata(text: &str) -> TXT {
    let mut parts = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if current.len() + c.len_utf8() > 255 {
            parts.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() || parts.is_empty() {
        parts.push(current);
    }
    TXT::new(parts)
}

/// The address a reversed name (`4.3.2.1` or 32 nibbles, least significant first) stands
/// for.
fn unreverse(reversed: &str) -> Option<IpAddr> {
    let labels: Vec<&str> = reversed.split('.').collect();
    match labels.len() {
        4 => {
            let mut octets = [0u8; 4];
            for (slot, label) in octets.iter_mut().zip(labels.iter().rev()) {
                *slot = label.parse().ok()?;
            }
            Some(IpAddr::V4(Ipv4Addr::from(octets)))
        }
        32 => {
            let mut value: u128 = 0;
            for label in labels.iter().rev() {
                let mut chars = label.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else { return None };
                value = (value << 4) | u128::from(c.to_digit(16)?);
            }
            Some(IpAddr::V6(Ipv6Addr::from(value)))
        }
        _ => None,
    }
}

/// The address an Abusix query name (`<reversed>.abuse-contacts.abusix.zone`) asks about;
/// `Some(None)` for a name in the zone that is no address (NXDOMAIN).
fn abusix_query(name: &str) -> Option<Option<IpAddr>> {
    if name == ABUSIX_ZONE {
        return Some(None);
    }
    let reversed = name.strip_suffix(ABUSIX_ZONE)?.strip_suffix('.')?;
    Some(unreverse(reversed))
}

/// What a Team Cymru query name asks for.
enum CymruQuery {
    Origin(IpAddr),
    AsName(u32),
}

/// Recognise Team Cymru query names (already normalized).
fn cymru_query(name: &str) -> Option<CymruQuery> {
    if let Some(reversed) = name.strip_suffix(".origin.asn.cymru.com") {
        let mut octets = [0u8; 4];
        let labels: Vec<&str> = reversed.split('.').collect();
        if labels.len() != 4 {
            return None;
        }
        for (slot, label) in octets.iter_mut().zip(labels.iter().rev()) {
            *slot = label.parse().ok()?;
        }
        return Some(CymruQuery::Origin(IpAddr::V4(Ipv4Addr::from(octets))));
    }
    if let Some(reversed) = name.strip_suffix(".origin6.asn.cymru.com") {
        let labels: Vec<&str> = reversed.split('.').collect();
        if labels.len() != 32 {
            return None;
        }
        let mut value: u128 = 0;
        for label in labels.iter().rev() {
            let mut chars = label.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else { return None };
            value = (value << 4) | u128::from(c.to_digit(16)?);
        }
        return Some(CymruQuery::Origin(IpAddr::V6(Ipv6Addr::from(value))));
    }
    let number = name.strip_suffix(".asn.cymru.com")?.strip_prefix("as")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok().map(CymruQuery::AsName)
}

/// The outcome of resolving one question.
struct Resolution {
    code: ResponseCode,
    answers: Vec<Record>,
    /// Add the synthetic SOA to the authority section (negative answers).
    soa_for: Option<String>,
}

impl Resolution {
    fn negative(code: ResponseCode, answers: Vec<Record>, name: &str) -> Self {
        Self { code, answers, soa_for: Some(name.to_owned()) }
    }
}

/// Resolve one question like a recursive resolver would.
fn resolve(zone: &Zone, qname: &Name, qtype: RecordType) -> Resolution {
    let key = normalize_name(&qname.to_ascii());
    if let Some(ip) = abusix_query(&key) {
        let Some(texts) = ip.and_then(|ip| zone.abusix_txt(ip)).filter(|t| !t.is_empty()) else {
            return Resolution::negative(ResponseCode::NXDomain, Vec::new(), &key);
        };
        if qtype != RecordType::TXT {
            return Resolution::negative(ResponseCode::NoError, Vec::new(), &key);
        }
        let answers = texts
            .iter()
            .map(|t| Record::from_rdata(qname.clone(), TTL, RData::TXT(txt_rdata(t))))
            .collect();
        return Resolution { code: ResponseCode::NoError, answers, soa_for: None };
    }
    if let Some(query) = cymru_query(&key) {
        let texts: Vec<&str> = match &query {
            CymruQuery::Origin(ip) => zone.origin_txt(*ip),
            CymruQuery::AsName(asn) => {
                zone.as_names.get(asn).map(String::as_str).into_iter().collect()
            }
        };
        if texts.is_empty() {
            return Resolution::negative(ResponseCode::NXDomain, Vec::new(), &key);
        }
        if qtype != RecordType::TXT {
            return Resolution::negative(ResponseCode::NoError, Vec::new(), &key);
        }
        let answers = texts
            .into_iter()
            .map(|t| Record::from_rdata(qname.clone(), TTL, RData::TXT(txt_rdata(t))))
            .collect();
        return Resolution { code: ResponseCode::NoError, answers, soa_for: None };
    }

    let mut answers = Vec::new();
    let mut owner = qname.clone();
    let mut key = key;
    for _ in 0..=MAX_CNAME_HOPS {
        let Some(entry) = zone.names.get(&key) else {
            let code = if zone.empty_non_terminals.contains(&key) {
                ResponseCode::NoError
            } else {
                ResponseCode::NXDomain
            };
            return Resolution::negative(code, answers, &key);
        };
        if entry.servfail {
            return Resolution { code: ResponseCode::ServFail, answers: Vec::new(), soa_for: None };
        }
        let record = |data: RData| Record::from_rdata(owner.clone(), TTL, data);
        let found: Vec<Record> = match qtype {
            RecordType::A => entry.a.iter().map(|ip| record(RData::A(A(*ip)))).collect(),
            RecordType::AAAA => {
                entry.aaaa.iter().map(|ip| record(RData::AAAA(AAAA(*ip)))).collect()
            }
            RecordType::NS => {
                entry.ns.iter().filter_map(|h| fqdn(h)).map(|h| record(RData::NS(NS(h)))).collect()
            }
            RecordType::TXT => entry.txt.iter().map(|t| record(RData::TXT(txt_rdata(t)))).collect(),
            RecordType::CNAME => entry
                .cname
                .iter()
                .filter_map(|t| fqdn(t))
                .map(|t| record(RData::CNAME(CNAME(t))))
                .collect(),
            _ => Vec::new(),
        };
        if !found.is_empty() {
            answers.extend(found);
            return Resolution { code: ResponseCode::NoError, answers, soa_for: None };
        }
        match (&entry.cname, qtype) {
            (Some(target), t) if t != RecordType::CNAME => {
                let Some(target_name) = fqdn(target) else { break };
                answers.push(record(RData::CNAME(CNAME(target_name.clone()))));
                owner = target_name;
                key.clone_from(target);
            }
            _ => return Resolution::negative(ResponseCode::NoError, answers, &key),
        }
    }
    Resolution { code: ResponseCode::ServFail, answers: Vec::new(), soa_for: None }
}

/// The synthetic SOA placed in the authority section of negative answers: owned by the
/// name's TLD, so negative caching works.
fn synthetic_soa(name: &str) -> Option<Record> {
    let zone_name = match name.rsplit('.').next().filter(|l| !l.is_empty()) {
        Some(tld) => fqdn(tld)?,
        None => Name::root(),
    };
    let soa = SOA::new(
        fqdn("ns.whohosts-world.test")?,
        fqdn("hostmaster.whohosts-world.test")?,
        1,
        3600,
        600,
        86_400,
        NEGATIVE_TTL,
    );
    Some(Record::from_rdata(zone_name, NEGATIVE_TTL, RData::SOA(soa)))
}

/// Answer one DNS message; `None` when it deserves no answer. Over UDP (`tcp` false) an
/// answer larger than the client's EDNS payload size (512 bytes without EDNS) is sent
/// truncated, so the client retries over TCP.
fn answer(shared: &Shared, query: &[u8], tcp: bool) -> Option<Vec<u8>> {
    let request = match Message::from_vec(query) {
        Ok(request) => request,
        Err(error) => {
            tracing::debug!(%error, "test world: undecodable DNS query");
            let id = query
                .get(0..2)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(u16::from_be_bytes)?;
            return Message::error_msg(id, OpCode::Query, ResponseCode::FormErr).to_vec().ok();
        }
    };
    if request.metadata.message_type != MessageType::Query {
        return None;
    }
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.metadata.authoritative = true;
    response.add_queries(request.queries.iter().cloned());
    if request.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD);
        response.set_edns(edns);
    }

    let limit = if tcp {
        usize::from(u16::MAX)
    } else {
        let asked = request.edns.as_ref().map_or(512, Edns::max_payload);
        usize::from(asked.clamp(512, EDNS_PAYLOAD))
    };

    if request.metadata.op_code != OpCode::Query {
        response.metadata.response_code = ResponseCode::NotImp;
    } else if let [question] = request.queries.as_slice() {
        let name = normalize_name(&question.name().to_ascii());
        let qtype = question.query_type();
        shared.record_query(&name, &qtype.to_string());
        let resolution = resolve(&shared.zone, question.name(), qtype);
        response.metadata.response_code = resolution.code;
        response.add_answers(resolution.answers);
        if let Some(soa) = resolution.soa_for.as_deref().and_then(synthetic_soa) {
            response.add_authority(soa);
        }
    } else {
        response.metadata.response_code = ResponseCode::FormErr;
    }

    let bytes = match response.to_vec() {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::debug!(%error, "test world: could not encode a DNS answer");
            let mut failure = response.truncate();
            failure.metadata.truncation = false;
            failure.metadata.response_code = ResponseCode::ServFail;
            return failure.to_vec().ok();
        }
    };
    if bytes.len() <= limit {
        return Some(bytes);
    }
    response.truncate().to_vec().ok()
}

/// Bind UDP and TCP sockets on the same free loopback port.
pub(super) async fn bind() -> io::Result<(UdpSocket, TcpListener, SocketAddr)> {
    let (udp, tcp, addr) = loopback_udp_tcp()?;
    udp.set_nonblocking(true)?;
    tcp.set_nonblocking(true)?;
    Ok((UdpSocket::from_std(udp)?, TcpListener::from_std(tcp)?, addr))
}

/// A UDP socket and a TCP listener on the same free port of 127.0.0.1, for a DNS server of a
/// test's own (blocking std sockets; set them non-blocking to hand them to tokio). The port
/// the system picks for UDP may be taken for TCP by another test process: such ports are
/// passed over, up to 20 tries.
pub fn loopback_udp_tcp() -> io::Result<(std::net::UdpSocket, std::net::TcpListener, SocketAddr)> {
    let mut last_error = None;
    for _ in 0..20 {
        let udp = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = udp.local_addr()?;
        match std::net::TcpListener::bind(addr) {
            Ok(tcp) => return Ok((udp, tcp, addr)),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no free DNS port")))
}

/// Answer UDP queries until the task is aborted.
pub(super) async fn serve_udp(socket: UdpSocket, shared: Arc<Shared>) {
    let mut buffer = vec![0u8; 65_535];
    loop {
        let (length, peer) = match socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            Err(error) => {
                // e.g. ICMP port unreachable reported on the next receive
                tracing::debug!(%error, "test world: DNS UDP receive failed");
                continue;
            }
        };
        let Some(query) = buffer.get(..length) else { continue };
        if let Some(reply) = answer(&shared, query, false)
            && let Err(error) = socket.send_to(&reply, peer).await
        {
            tracing::debug!(%error, "test world: DNS UDP send failed");
        }
    }
}

/// Answer TCP connections (2-byte length prefix, several queries per connection) until the
/// task is aborted; connection tasks die with it.
pub(super) async fn serve_tcp(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move {
                        if let Err(error) = serve_connection(stream, &shared).await {
                            tracing::debug!(%error, "test world: DNS TCP connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    tracing::debug!(%error, "test world: DNS TCP accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Answer length-prefixed queries on one TCP connection until EOF or idleness.
async fn serve_connection(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    loop {
        let length = match tokio::time::timeout(TCP_IDLE, stream.read_u16()).await {
            Ok(Ok(length)) => length,
            Ok(Err(error)) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Ok(Err(error)) => return Err(error),
            Err(_) => return Ok(()),
        };
        let mut query = vec![0u8; usize::from(length)];
        stream.read_exact(&mut query).await?;
        let Some(reply) = answer(shared, &query, true) else { continue };
        let Ok(reply_length) = u16::try_from(reply.len()) else { continue };
        let mut framed = Vec::with_capacity(reply.len() + 2);
        framed.extend_from_slice(&reply_length.to_be_bytes());
        framed.extend_from_slice(&reply);
        stream.write_all(&framed).await?;
    }
}
