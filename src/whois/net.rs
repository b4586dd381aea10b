//! One WHOIS exchange over TCP (RFC 3912): resolve, check every address against the safety
//! settings, connect, send one query line, read to EOF under a time limit and a size cap.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::Safety;
use crate::error::{SourceError, SourceErrorKind, describe_address_lookup, plain_duration};
use crate::transport::guard;
use crate::whois::servers::Server;

/// Limits for one exchange.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Resolving and connecting, all addresses together.
    pub(crate) connect_timeout: Duration,
    /// Sending the query and reading the whole answer.
    pub(crate) read_timeout: Duration,
    /// Largest answer accepted.
    pub(crate) max_bytes: usize,
}

/// Send `line` (CRLF appended) to `target` (where `server` is reached: itself, or its
/// override) and return every byte it answers until it closes the connection. Only addresses
/// allowed by `safety` are connected to (IP literals and each resolved address are checked).
/// Error messages name `server`.
pub(crate) async fn exchange(
    resolver: &TokioResolver,
    safety: &Safety,
    server: &Server,
    target: &Server,
    line: &str,
    limits: Limits,
) -> Result<Vec<u8>, SourceError> {
    let connect = async {
        let addrs = addresses(resolver, safety, target).await?;
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(format!("{addr}: {e}")),
            }
        }
        Err(SourceError::new(
            SourceErrorKind::Transport,
            format!("cannot connect to {server}: {}", last.unwrap_or_default()),
        ))
    };
    let mut stream =
        tokio::time::timeout(limits.connect_timeout, connect).await.map_err(|_| {
            SourceError::new(
                SourceErrorKind::Timeout,
                format!(
                    "no connection to {server} within {} (connect_timeout)",
                    plain_duration(limits.connect_timeout)
                ),
            )
        })??;
    let talk = async {
        let io = |e: std::io::Error| {
            SourceError::new(SourceErrorKind::Transport, format!("{server}: {e}"))
        };
        stream.write_all(format!("{line}\r\n").as_bytes()).await.map_err(io)?;
        let mut body = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = stream.read(&mut buf).await.map_err(io)?;
            if n == 0 {
                break;
            }
            if body.len() + n > limits.max_bytes {
                return Err(SourceError::new(
                    SourceErrorKind::TooLarge,
                    format!("{server} answered more than {} bytes", limits.max_bytes),
                ));
            }
            body.extend_from_slice(buf.get(..n).unwrap_or_default());
        }
        Ok(body)
    };
    let body = tokio::time::timeout(limits.read_timeout, talk).await.map_err(|_| {
        SourceError::new(
            SourceErrorKind::Timeout,
            format!(
                "{server} did not finish answering within {} (read_timeout)",
                plain_duration(limits.read_timeout)
            ),
        )
    })??;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(SourceError::new(
            SourceErrorKind::Transport,
            format!("{server} closed the connection without answering"),
        ));
    }
    Ok(body)
}

/// The addresses of `target` that `safety` allows, in resolver order.
async fn addresses(
    resolver: &TokioResolver,
    safety: &Safety,
    target: &Server,
) -> Result<Vec<SocketAddr>, SourceError> {
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        guard::check_ip(ip, safety)?;
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let name = format!("{}.", target.host);
    let lookup = resolver.lookup_ip(name).await.map_err(|e| {
        SourceError::new(
            SourceErrorKind::Transport,
            format!("cannot resolve {}: {}", target.host, describe_address_lookup(&e)),
        )
    })?;
    let mut allowed = Vec::new();
    let mut refused = None;
    for ip in lookup.iter() {
        match guard::check_ip(ip, safety) {
            Ok(()) => allowed.push(SocketAddr::new(ip, target.port)),
            Err(e) => refused = refused.or(Some(e)),
        }
    }
    if allowed.is_empty() {
        return Err(refused.unwrap_or_else(|| {
            SourceError::new(SourceErrorKind::Transport, format!("{} has no address", target.host))
        }));
    }
    Ok(allowed)
}
