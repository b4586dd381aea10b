//! The test world's RDAP server: objects indexed by content, link rewriting, faults and the
//! hyper HTTP/1.1 server loop.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ipnet::IpNet;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::{Fault, ObjectSpec, ServiceSpec, Shared, invalid_data, invalid_input};

/// The media type of every RDAP answer.
const RDAP_JSON: &str = "application/rdap+json";

/// The body sent for [`Fault::Malformed`].
const MALFORMED_BODY: &str =
    "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n";

/// The local base URL of a service: `http://127.0.0.1:PORT/<name>/`.
pub(super) fn local_base(addr: SocketAddr, name: &str) -> String {
    format!("http://{addr}/{name}/")
}

/// Service names become one URL path segment.
pub(super) fn check_service_name(name: &str) -> io::Result<()> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name != "."
        && name != "..";
    if ok { Ok(()) } else { Err(invalid_input(format!("bad service name {name:?}"))) }
}

/// Reject faults that cannot be sent (bad status code or header value).
pub(super) fn check_fault(fault: &Fault) -> io::Result<()> {
    match fault {
        Fault::Status(code) => {
            StatusCode::from_u16(*code)
                .map_err(|_| invalid_input(format!("bad fault status {code}")))?;
        }
        Fault::RateLimit { retry_after } => {
            HeaderValue::from_str(retry_after)
                .map_err(|_| invalid_input(format!("bad Retry-After {retry_after:?}")))?;
        }
        Fault::Redirect(location) => {
            HeaderValue::from_str(location)
                .map_err(|_| invalid_input(format!("bad redirect location {location:?}")))?;
        }
        Fault::Latency(_) | Fault::Truncate | Fault::Malformed | Fault::Oversized(_) => {}
    }
    Ok(())
}

/// An inclusive address range; v4 and v6 never mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AddrRange {
    v6: bool,
    start: u128,
    end: u128,
}

impl AddrRange {
    fn from_addrs(start: IpAddr, end: IpAddr) -> Option<Self> {
        let range = match (start, end) {
            (IpAddr::V4(s), IpAddr::V4(e)) => {
                Self { v6: false, start: u128::from(u32::from(s)), end: u128::from(u32::from(e)) }
            }
            (IpAddr::V6(s), IpAddr::V6(e)) => {
                Self { v6: true, start: u128::from(s), end: u128::from(e) }
            }
            _ => return None,
        };
        (range.start <= range.end).then_some(range)
    }

    fn from_net(net: IpNet) -> Option<Self> {
        Self::from_addrs(net.network(), net.broadcast())
    }

    /// Parse the argument of an `ip/` query: an address, a CIDR or `start - end`.
    fn parse_query(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((a, b)) = text.split_once('-') {
            return Self::from_addrs(a.trim().parse().ok()?, b.trim().parse().ok()?);
        }
        if text.contains('/') {
            return Self::from_net(text.parse().ok()?);
        }
        let addr: IpAddr = text.parse().ok()?;
        Self::from_addrs(addr, addr)
    }

    fn contains(&self, other: &Self) -> bool {
        self.v6 == other.v6 && self.start <= other.start && other.end <= self.end
    }

    fn size(&self) -> u128 {
        self.end - self.start
    }
}

/// One service's objects and their indexes (values are positions in `bodies`).
#[derive(Debug, Default)]
struct ServiceIndex {
    bodies: Vec<Bytes>,
    domains: HashMap<String, usize>,
    nameservers: HashMap<String, usize>,
    entities: HashMap<String, usize>,
    networks: Vec<(AddrRange, usize)>,
    autnums: Vec<(u32, u32, usize)>,
}

impl ServiceIndex {
    /// The body for a path such as `domain/x.com` or `ip/8.8.8.8/32`, if any.
    fn find(&self, path: &str) -> Option<&Bytes> {
        let (kind, arg) = path.split_once('/')?;
        let position = match kind.to_ascii_lowercase().as_str() {
            "domain" => *self.domains.get(&normalize_name(arg))?,
            "nameserver" => *self.nameservers.get(&normalize_name(arg))?,
            "entity" => *self.entities.get(&arg.to_lowercase())?,
            "ip" => {
                let query = AddrRange::parse_query(arg)?;
                // Most specific first; among equals the one added last.
                self.networks
                    .iter()
                    .filter(|(range, _)| range.contains(&query))
                    .min_by(|(a, ia), (b, ib)| a.size().cmp(&b.size()).then(ib.cmp(ia)))
                    .map(|(_, i)| *i)?
            }
            "autnum" => {
                let n = parse_asn(arg)?;
                self.autnums
                    .iter()
                    .filter(|(s, e, _)| *s <= n && n <= *e)
                    .min_by(|(s1, e1, i1), (s2, e2, i2)| (e1 - s1).cmp(&(e2 - s2)).then(i2.cmp(i1)))
                    .map(|(_, _, i)| *i)?
            }
            _ => return None,
        };
        self.bodies.get(position)
    }

    /// Index one object (already parsed) whose served text is `body`.
    fn add(&mut self, value: &Value, body: Bytes, origin: &str) -> io::Result<()> {
        let bad = |what: &str| invalid_data(format!("{origin}: {what}"));
        let object = value.as_object().ok_or_else(|| bad("not a JSON object"))?;
        let class = object
            .get("objectClassName")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no objectClassName"))?;
        let position = self.bodies.len();
        let text = |key: &str| object.get(key).and_then(Value::as_str);
        match class.to_ascii_lowercase().as_str() {
            "domain" | "nameserver" => {
                let names: Vec<String> = ["ldhName", "unicodeName"]
                    .iter()
                    .filter_map(|k| text(k))
                    .map(normalize_name)
                    .filter(|n| !n.is_empty())
                    .collect();
                if names.is_empty() {
                    return Err(bad("no ldhName or unicodeName"));
                }
                let map = if class.eq_ignore_ascii_case("domain") {
                    &mut self.domains
                } else {
                    &mut self.nameservers
                };
                for name in names {
                    map.insert(name, position);
                }
            }
            "entity" => {
                let handle = text("handle").ok_or_else(|| bad("entity without handle"))?;
                self.entities.insert(handle.to_lowercase(), position);
            }
            "ip network" => {
                let ranges = network_ranges(object);
                if ranges.is_empty() {
                    return Err(bad("ip network without startAddress/endAddress or cidr0_cidrs"));
                }
                self.networks.extend(ranges.into_iter().map(|r| (r, position)));
            }
            "autnum" => {
                let number = |key: &str| {
                    object.get(key).and_then(|v| {
                        v.as_u64()
                            .and_then(|n| u32::try_from(n).ok())
                            .or_else(|| v.as_str().and_then(parse_asn))
                    })
                };
                let (start, end) = match (number("startAutnum"), number("endAutnum")) {
                    (Some(s), Some(e)) if s <= e => (s, e),
                    (Some(s), None) => (s, s),
                    _ => {
                        let n = text("handle")
                            .and_then(parse_asn)
                            .ok_or_else(|| bad("autnum without startAutnum or AS handle"))?;
                        (n, n)
                    }
                };
                self.autnums.push((start, end, position));
            }
            other => return Err(bad(&format!("unsupported objectClassName {other:?}"))),
        }
        self.bodies.push(body);
        Ok(())
    }
}

/// The address ranges of an `ip network`: `startAddress`–`endAddress`, else every
/// `cidr0_cidrs` entry.
fn network_ranges(object: &serde_json::Map<String, Value>) -> Vec<AddrRange> {
    let addr =
        |key: &str| object.get(key).and_then(Value::as_str).and_then(|s| s.trim().parse().ok());
    if let (Some(start), Some(end)) = (addr("startAddress"), addr("endAddress"))
        && let Some(range) = AddrRange::from_addrs(start, end)
    {
        return vec![range];
    }
    let Some(cidrs) = object.get("cidr0_cidrs").and_then(Value::as_array) else {
        return Vec::new();
    };
    cidrs
        .iter()
        .filter_map(|cidr| {
            let prefix = cidr.get("v4prefix").or_else(|| cidr.get("v6prefix"))?.as_str()?;
            let length = cidr.get("length")?;
            let length = length
                .as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .or_else(|| length.as_str().and_then(|s| s.trim().parse().ok()))?;
            let net = IpNet::new(prefix.trim().parse().ok()?, length).ok()?;
            AddrRange::from_net(net)
        })
        .collect()
}

/// `15169`, `AS15169` or `as15169` → 15169.
fn parse_asn(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits = text
        .strip_prefix("AS")
        .or_else(|| text.strip_prefix("as"))
        .or_else(|| text.strip_prefix("As"))
        .unwrap_or(text);
    digits.parse().ok()
}

/// Lower-case, without surrounding whitespace or a trailing dot.
fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_lowercase()
}

/// Rewrites real base URLs into local ones, in plain and `\/`-escaped JSON spellings.
#[derive(Debug, Default)]
struct Rewriter {
    /// (pattern, replacement), longest pattern first.
    patterns: Vec<(String, String)>,
}

impl Rewriter {
    fn new(services: &[ServiceSpec], addr: SocketAddr) -> io::Result<Self> {
        let mut patterns = Vec::new();
        for service in services {
            let local = local_base(addr, &service.name);
            for real in &service.real_urls {
                let host_path = real
                    .strip_prefix("https://")
                    .or_else(|| real.strip_prefix("http://"))
                    .map(|rest| rest.trim_end_matches('/'))
                    .filter(|rest| !rest.is_empty())
                    .ok_or_else(|| {
                        invalid_input(format!(
                            "real URL {real:?} of service {:?} is not http(s)",
                            service.name
                        ))
                    })?;
                for scheme in ["https://", "http://"] {
                    let plain = format!("{scheme}{host_path}/");
                    patterns.push((plain.replace('/', "\\/"), local.replace('/', "\\/")));
                    patterns.push((plain, local.clone()));
                }
            }
        }
        patterns.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        patterns.dedup_by(|a, b| a.0 == b.0);
        Ok(Self { patterns })
    }

    fn rewrite(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 64);
        let mut rest = text;
        while let Some(pos) = rest.find('h') {
            let Some((before, tail)) = rest.split_at_checked(pos) else { break };
            out.push_str(before);
            match self.patterns.iter().find(|(pattern, _)| tail.starts_with(pattern.as_str())) {
                Some((pattern, replacement)) => {
                    out.push_str(replacement);
                    rest = tail.get(pattern.len()..).unwrap_or("");
                }
                None => {
                    out.push('h');
                    rest = tail.get(1..).unwrap_or("");
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// Rewrite `text` as bodies of a world with these services at `addr` are rewritten.
#[cfg(test)]
pub(super) fn rewrite_for_test(services: &[ServiceSpec], addr: SocketAddr, text: &str) -> String {
    Rewriter::new(services, addr).map(|r| r.rewrite(text)).unwrap_or_default()
}

/// Every service's objects, ready to serve.
#[derive(Debug)]
pub(super) struct Catalog {
    services: HashMap<String, ServiceIndex>,
    rewriter: Rewriter,
}

/// What the catalog holds for a request.
enum Found<'a> {
    Object(&'a Bytes),
    /// A body made for this request (the RIPEstat stand-in).
    Served(Bytes),
    /// An error status and body made for this request.
    Refused(StatusCode, Bytes),
    NoObject,
    NoService,
}

impl Catalog {
    /// Parse, rewrite and index every object. `addr` is the RDAP server's address.
    pub(super) fn build(
        services: &[ServiceSpec],
        objects: &[ObjectSpec],
        addr: SocketAddr,
    ) -> io::Result<Self> {
        let rewriter = Rewriter::new(services, addr)?;
        let mut indexes: HashMap<String, ServiceIndex> =
            services.iter().map(|s| (s.name.clone(), ServiceIndex::default())).collect();
        for object in objects {
            let index = indexes.get_mut(&object.service).ok_or_else(|| {
                invalid_input(format!("{}: unknown service {:?}", object.origin, object.service))
            })?;
            let value: Value = serde_json::from_str(&object.json)
                .map_err(|e| invalid_data(format!("{}: {e}", object.origin)))?;
            let body = Bytes::from(rewriter.rewrite(&object.json));
            index.add(&value, body, &object.origin)?;
        }
        Ok(Self { services: indexes, rewriter })
    }

    /// Whether a service of this name exists.
    pub(super) fn has_service(&self, name: &str) -> bool {
        self.services.contains_key(name)
    }

    fn find(&self, service: &str, path: &str) -> Found<'_> {
        match self.services.get(service) {
            None => Found::NoService,
            Some(index) => index.find(path).map_or(Found::NoObject, Found::Object),
        }
    }
}

/// Accept connections until the task is aborted; connection tasks die with it.
pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    if let Err(error) = stream.set_nodelay(true) {
                        tracing::debug!(%error, "test world: TCP_NODELAY failed");
                    }
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move {
                        let service = service_fn(move |request| handle(Arc::clone(&shared), request));
                        let connection = http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service);
                        if let Err(error) = connection.await {
                            tracing::debug!(%error, "test world: RDAP connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    tracing::debug!(%error, "test world: RDAP accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// An RDAP error body.
fn error_body(status: StatusCode, description: &str) -> Bytes {
    let value = json!({
        "errorCode": status.as_u16(),
        "title": status.canonical_reason().unwrap_or("Error"),
        "description": [description],
    });
    Bytes::from(value.to_string())
}

/// A response with a body and a content type.
fn response(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Answer one request.
async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let raw = request.uri().path();
    let raw = raw.strip_prefix('/').unwrap_or(raw);
    let (service_raw, path_raw) = raw.split_once('/').unwrap_or((raw, ""));
    let service = super::percent_decode(service_raw);
    let path = super::percent_decode(path_raw);

    if request.method() != Method::GET && request.method() != Method::HEAD {
        let status = StatusCode::METHOD_NOT_ALLOWED;
        let mut answer =
            response(status, RDAP_JSON, error_body(status, "only GET and HEAD are served"));
        answer.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        shared.record_request(&service, &path, status.as_u16());
        return Ok(answer);
    }

    let ripestat = service == super::ripestat::SERVICE && !shared.catalog.has_service(&service);
    let found = if ripestat {
        let query = request.uri().query().unwrap_or("");
        let (status, body) = shared.ripestat.answer(&path, query);
        if status == StatusCode::OK { Found::Served(body) } else { Found::Refused(status, body) }
    } else {
        shared.catalog.find(&service, &path)
    };
    let (status, body) = match found {
        Found::Served(body) => (StatusCode::OK, body),
        Found::Refused(status, body) => (status, body),
        Found::Object(body) => (StatusCode::OK, body.clone()),
        Found::NoObject => (
            StatusCode::NOT_FOUND,
            error_body(
                StatusCode::NOT_FOUND,
                &format!("service {service} has no object at {path}"),
            ),
        ),
        Found::NoService => (
            StatusCode::NOT_FOUND,
            error_body(StatusCode::NOT_FOUND, &format!("this test world has no service {service}")),
        ),
    };
    let fault = if ripestat || shared.catalog.has_service(&service) {
        shared.take_fault(&service, &path)
    } else {
        None
    };

    let content_type = if ripestat { "application/json" } else { RDAP_JSON };
    let mut delay = None;
    let answer = match fault {
        None => response(status, content_type, body),
        Some(Fault::Latency(duration)) => {
            delay = Some(duration);
            response(status, content_type, body)
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response(
                status,
                RDAP_JSON,
                error_body(status, "fault injected by the whohosts test world"),
            )
        }
        Some(Fault::RateLimit { retry_after }) => {
            let status = StatusCode::TOO_MANY_REQUESTS;
            let mut answer =
                response(status, RDAP_JSON, error_body(status, "rate limit (whohosts test world)"));
            // An empty value: a 429 without the header.
            if let Ok(value) = HeaderValue::from_str(&retry_after)
                && !retry_after.is_empty()
            {
                answer.headers_mut().insert(header::RETRY_AFTER, value);
            }
            answer
        }
        Some(Fault::Truncate) => {
            let half = body.slice(..body.len() / 2);
            response(status, RDAP_JSON, half)
        }
        Some(Fault::Malformed) => {
            response(StatusCode::OK, RDAP_JSON, Bytes::from_static(MALFORMED_BODY.as_bytes()))
        }
        Some(Fault::Redirect(location)) => {
            let status = StatusCode::FOUND;
            let mut answer = response(status, RDAP_JSON, Bytes::new());
            let location = shared.catalog.rewriter.rewrite(&location);
            if let Ok(value) = HeaderValue::from_str(&location) {
                answer.headers_mut().insert(header::LOCATION, value);
            }
            answer
        }
        Some(Fault::Oversized(size)) => {
            let mut padded = Vec::with_capacity(size);
            padded.extend_from_slice(body.get(..size.min(body.len())).unwrap_or_default());
            padded.resize(size, b' ');
            response(StatusCode::OK, RDAP_JSON, Bytes::from(padded))
        }
    };
    shared.record_request(&service, &path, answer.status().as_u16());
    if let Some(duration) = delay {
        tokio::time::sleep(duration).await;
    }
    Ok(answer)
}
