//! The test world's WHOIS servers: one TCP listener on 127.0.0.1 per simulated server name
//! (`whois.verisign-grs.com`, `whois.arin.net`, …), each answering the recorded texts added
//! for it, with faults (a given text such as a rate-limit answer, a close without answer,
//! latency), request counters and the most connections each server held open at once.
//!
//! A server reads one query line, counts it, and answers the text whose key matches the
//! query's object (the query line without the conventions whohosts adds: `domain `,
//! `-T dn,ace `, `n + `, `/e`): a key equal to it (ASCII case-insensitive), else, for an
//! address, the most specific key that is a CIDR containing it; else `No match for "…".`.
//! Then it closes the connection, as WHOIS servers do.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipnet::IpNet;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::{FaultRule, World, WorldBuilder, invalid_input, lock, take_fault};

/// A way to make chosen WHOIS queries fail, set with [`WorldBuilder::whois_fault`] or
/// [`World::add_whois_fault`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhoisFault {
    /// Answer this text instead (e.g. a recorded rate-limit answer such as DENIC's
    /// `% Error: 55000000002 Connection refused; access control limit reached.`).
    Text(String),
    /// Answer these bytes instead (e.g. Latin-1 text).
    Bytes(Vec<u8>),
    /// Read the query, then close the connection without answering.
    Close,
    /// Wait this long, then answer normally.
    Latency(Duration),
}

/// DENIC's recorded rate-limit refusal (weppos/whois-parser
/// `spec/fixtures/responses/whois.denic.de/de/response_throttled.txt`, in
/// `fixtures/whois/domain/weppos/`; see `fixtures/SOURCES.md`).
pub const DENIC_REFUSAL: &str =
    include_str!("../fixtures/whois/domain/weppos/whois.denic.de__de__response_throttled.txt");

impl WhoisFault {
    /// Answer a real recorded rate-limit refusal, DENIC's [`DENIC_REFUSAL`]:
    /// `% Error: 55000000002 Connection refused; access control limit reached.`
    pub fn refusal() -> Self {
        Self::Text(DENIC_REFUSAL.to_owned())
    }
}

/// One WHOIS query the world received, in [`World::whois_log`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WhoisRequest {
    /// The simulated server asked (e.g. `whois.arin.net`).
    pub server: String,
    /// The query line as received, without CRLF (e.g. `n + 8.8.8.8`).
    pub query: String,
    /// True when a recorded text answered it (false: a fault or the not-found answer).
    pub found: bool,
}

/// What the builder collects for the WHOIS servers.
#[derive(Debug, Clone, Default)]
pub(super) struct Spec {
    servers: Vec<String>,
    answers: Vec<(String, String, Vec<u8>)>,
    faults: Vec<FaultRule<WhoisFault>>,
}

impl Spec {
    fn declare(&mut self, server: &str) -> String {
        let name = server.trim().trim_end_matches('.').to_ascii_lowercase();
        if !self.servers.contains(&name) {
            self.servers.push(name.clone());
        }
        name
    }
}

impl WorldBuilder {
    /// Add a simulated WHOIS server called `name` (a host name such as `whois.nic.co`),
    /// listening on its own 127.0.0.1 port. [`World::client_builder`] sends the client's
    /// queries for that server there. Servers named by [`whois_text`](Self::whois_text) or
    /// [`whois_fault`](Self::whois_fault) are added implicitly.
    pub fn whois_server(mut self, name: &str) -> Self {
        self.whois.declare(name);
        self
    }

    /// Make `server` answer `text` to `query`: a domain, TLD or address (matched ASCII
    /// case-insensitively against the query without whohosts' conventions), or a CIDR such
    /// as `196.216.2.0/23` that answers every address inside it (the most specific wins).
    pub fn whois_text(self, server: &str, query: &str, text: &str) -> Self {
        self.whois_bytes(server, query, text.as_bytes())
    }

    /// [`whois_text`](Self::whois_text) with raw bytes (e.g. Latin-1 text).
    pub fn whois_bytes(mut self, server: &str, query: &str, bytes: &[u8]) -> Self {
        let name = self.whois.declare(server);
        self.whois.answers.push((name, query.to_owned(), bytes.to_vec()));
        self
    }

    /// Make queries to `server` whose object (e.g. `google.net`, `8.8.8.8`) starts with
    /// `query_prefix` (ASCII case-insensitive; `""` matches all) fail with `fault`: every
    /// time when `times` is `None`, or the first `n` with `Some(n)`. The first matching rule
    /// with queries left applies.
    pub fn whois_fault(
        mut self,
        server: &str,
        query_prefix: &str,
        fault: WhoisFault,
        times: Option<u32>,
    ) -> Self {
        let name = self.whois.declare(server);
        self.whois.faults.push(FaultRule::new(name, query_prefix, fault, times));
        self
    }
}

/// How an answer is found.
#[derive(Debug)]
enum Key {
    Exact(String),
    Net(IpNet),
}

/// Request counters.
#[derive(Debug, Default)]
struct Stats {
    per_server: HashMap<String, u64>,
    per_query: HashMap<(String, String), u64>,
    log: Vec<WhoisRequest>,
    /// Connections open now, per server.
    open: HashMap<String, u64>,
    /// The most connections open at once, per server.
    most_open: HashMap<String, u64>,
}

/// State shared by the listeners and the [`World`] handle.
#[derive(Debug)]
struct State {
    answers: HashMap<String, Vec<(Key, Vec<u8>)>>,
    faults: Mutex<Vec<FaultRule<WhoisFault>>>,
    stats: Mutex<Stats>,
}

impl State {
    fn take_fault(&self, server: &str, object: &str) -> Option<WhoisFault> {
        take_fault(&mut lock(&self.faults), server, object)
    }

    fn answer(&self, server: &str, object: &str) -> Option<&[u8]> {
        let entries = self.answers.get(server)?;
        if let Some((_, body)) =
            entries.iter().find(|(k, _)| matches!(k, Key::Exact(e) if e == object))
        {
            return Some(body);
        }
        let ip: IpAddr = object.parse().ok()?;
        entries
            .iter()
            .filter_map(|(k, body)| match k {
                Key::Net(net) if net.contains(&ip) => Some((net.prefix_len(), body)),
                _ => None,
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, body)| body.as_slice())
    }
}

/// The running WHOIS servers of a world.
#[derive(Debug)]
pub(super) struct Servers {
    state: Arc<State>,
    addrs: Vec<(String, SocketAddr)>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Bind one listener per server and start answering. Errors: `InvalidInput` for a bad server
/// name; otherwise the bind error.
pub(super) async fn start(spec: Spec) -> io::Result<Servers> {
    let mut answers: HashMap<String, Vec<(Key, Vec<u8>)>> = HashMap::new();
    for name in &spec.servers {
        let valid = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !valid {
            return Err(invalid_input(format!("bad WHOIS server name {name:?}")));
        }
    }
    for (server, query, body) in spec.answers {
        let query = query.trim().trim_end_matches('.').to_ascii_lowercase();
        let key = match query.parse::<IpNet>() {
            Ok(net) if query.contains('/') => Key::Net(net.trunc()),
            _ => Key::Exact(query),
        };
        answers.entry(server).or_default().push((key, body));
    }
    let state = Arc::new(State {
        answers,
        faults: Mutex::new(spec.faults),
        stats: Mutex::new(Stats::default()),
    });
    let mut addrs = Vec::new();
    let mut tasks = Vec::new();
    for name in spec.servers {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        addrs.push((name.clone(), listener.local_addr()?));
        tasks.push(tokio::spawn(serve(listener, name, Arc::clone(&state))));
    }
    Ok(Servers { state, addrs, tasks })
}

async fn serve(listener: TcpListener, name: String, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let open = Open::new(&state, &name);
        let state = Arc::clone(&state);
        let name = name.clone();
        tokio::spawn(async move {
            handle(stream, name, state).await;
            drop(open);
        });
    }
}

/// One connection counted as open from its accept until it is closed (dropped).
struct Open {
    state: Arc<State>,
    server: String,
}

impl Open {
    fn new(state: &Arc<State>, server: &str) -> Self {
        let mut stats = lock(&state.stats);
        let open = stats.open.entry(server.to_owned()).or_default();
        *open += 1;
        let now = *open;
        let most = stats.most_open.entry(server.to_owned()).or_default();
        *most = (*most).max(now);
        Self { state: Arc::clone(state), server: server.to_owned() }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(open) = lock(&self.state.stats).open.get_mut(&self.server) {
            *open = open.saturating_sub(1);
        }
    }
}

/// Longest query line read.
const MAX_QUERY: usize = 1024;

async fn handle(mut stream: TcpStream, server: String, state: Arc<State>) {
    let mut line = Vec::new();
    let read = async {
        let mut byte = [0u8; 1];
        while line.len() < MAX_QUERY {
            match stream.read(&mut byte).await {
                Ok(1) if byte[0] == b'\n' => break,
                Ok(1) => line.push(byte[0]),
                _ => break,
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(5), read).await.is_err() {
        return;
    }
    let query = String::from_utf8_lossy(&line).trim_end_matches('\r').to_owned();
    let object = query_object(&query);
    let fault = state.take_fault(&server, &object);
    let recorded = state.answer(&server, &object).map(<[u8]>::to_vec);
    {
        let mut stats = lock(&state.stats);
        *stats.per_server.entry(server.clone()).or_default() += 1;
        *stats.per_query.entry((server.clone(), object.clone())).or_default() += 1;
        let found = recorded.is_some()
            && !matches!(
                fault,
                Some(WhoisFault::Close | WhoisFault::Text(_) | WhoisFault::Bytes(_))
            );
        stats.log.push(WhoisRequest { server: server.clone(), query: query.clone(), found });
    }
    let body = match fault {
        Some(WhoisFault::Close) => return,
        Some(WhoisFault::Text(text)) => text.into_bytes(),
        Some(WhoisFault::Bytes(bytes)) => bytes,
        Some(WhoisFault::Latency(pause)) => {
            tokio::time::sleep(pause).await;
            recorded.unwrap_or_else(|| not_found(&object))
        }
        None => recorded.unwrap_or_else(|| not_found(&object)),
    };
    // The client may have given up (timeout, size cap); nothing to do about a failed write.
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

/// The object of a WHOIS query line, lower case: the line without the conventions whohosts
/// adds for some servers (`-T dn,ace ` for DENIC, `n + ` for ARIN, `domain ` for Verisign,
/// `--show-handles `, `=`, and a trailing `/e` for JPRS) and without a trailing dot. The
/// server parses its own queries, as a real one does.
fn query_object(line: &str) -> String {
    let mut s = line.trim();
    for prefix in ["-T dn,ace ", "n + ", "domain ", "--show-handles ", "="] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
            break;
        }
    }
    s = s.strip_suffix("/e").unwrap_or(s);
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The answer for a query nothing was recorded for (Verisign's wording).
fn not_found(object: &str) -> Vec<u8> {
    format!("No match for \"{}\".\r\n", object.to_ascii_uppercase()).into_bytes()
}

impl Servers {
    /// The `(name, address)` of every server, in the order declared.
    pub(super) fn addrs(&self) -> &[(String, SocketAddr)] {
        &self.addrs
    }

    /// Zero the counters and the log.
    pub(super) fn reset_counts(&self) {
        let mut stats = lock(&self.state.stats);
        // Connections open now stay counted until they close.
        let open = std::mem::take(&mut stats.open);
        *stats = Stats { open, ..Stats::default() };
    }
}

impl World {
    /// The 127.0.0.1 address of the simulated WHOIS server `server` (case-insensitive), if
    /// the world has one.
    pub fn whois_addr(&self, server: &str) -> Option<SocketAddr> {
        let name = server.trim_end_matches('.').to_ascii_lowercase();
        self.whois.addrs().iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// Every simulated WHOIS server and its address, in the order declared.
    pub fn whois_servers(&self) -> Vec<(String, SocketAddr)> {
        self.whois.addrs().to_vec()
    }

    /// WHOIS queries received by `server` so far (faults included).
    pub fn whois_requests(&self, server: &str) -> u64 {
        let name = server.trim_end_matches('.').to_ascii_lowercase();
        lock(&self.whois.state.stats).per_server.get(&name).copied().unwrap_or(0)
    }

    /// WHOIS queries received by `server` for `query` (the object, e.g. `google.com` or
    /// `8.8.8.8`, case-insensitive; whohosts' conventions such as `domain ` are ignored).
    pub fn whois_requests_for(&self, server: &str, query: &str) -> u64 {
        let key = (server.trim_end_matches('.').to_ascii_lowercase(), query_object(query));
        lock(&self.whois.state.stats).per_query.get(&key).copied().unwrap_or(0)
    }

    /// The most connections `server` held open at once so far (from accept to close, faults
    /// included; [`reset_counts`](World::reset_counts) zeroes it).
    pub fn whois_max_concurrent(&self, server: &str) -> u64 {
        let name = server.trim_end_matches('.').to_ascii_lowercase();
        lock(&self.whois.state.stats).most_open.get(&name).copied().unwrap_or(0)
    }

    /// Every WHOIS query so far, in the order received.
    pub fn whois_log(&self) -> Vec<WhoisRequest> {
        lock(&self.whois.state.stats).log.clone()
    }

    /// Add a WHOIS fault rule while the world runs, after the existing ones; see
    /// [`WorldBuilder::whois_fault`]. Errors (`InvalidInput`) for an unknown server.
    pub fn add_whois_fault(
        &self,
        server: &str,
        query_prefix: &str,
        fault: WhoisFault,
        times: Option<u32>,
    ) -> io::Result<()> {
        let name = server.trim_end_matches('.').to_ascii_lowercase();
        if self.whois_addr(&name).is_none() {
            return Err(invalid_input(format!("WHOIS fault for unknown server {server:?}")));
        }
        lock(&self.whois.state.faults).push(FaultRule::new(name, query_prefix, fault, times));
        Ok(())
    }

    /// Point `builder`'s WHOIS queries for every simulated server at this world.
    pub(super) fn whois_client(
        &self,
        mut builder: whohosts::ClientBuilder,
    ) -> whohosts::ClientBuilder {
        for (name, addr) in self.whois.addrs() {
            builder = builder.whois_server(name, &addr.to_string());
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::query_object;

    #[test]
    fn query_objects_drop_whohosts_conventions() {
        for (line, object) in [
            ("-T dn,ace google.de", "google.de"),
            ("domain GOOGLE.COM", "google.com"),
            ("google.co.jp/e", "google.co.jp"),
            ("n + 8.8.8.8", "8.8.8.8"),
            ("--show-handles 2001:db8::1", "2001:db8::1"),
            ("=example.com.", "example.com"),
            ("193.0.6.139\r", "193.0.6.139"),
            ("com", "com"),
        ] {
            assert_eq!(query_object(line), object, "{line}");
        }
    }
}
