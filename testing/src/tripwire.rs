//! [`tripwire`]: a listener on a private address that counts connections and answers nothing,
//! to prove that a client never dials an address its safety settings refuse.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Start a TCP listener on `127.0.0.2` (a port the system picks) that accepts and counts
/// connections and answers nothing: its address, and the count of connections so far.
/// Point redirects, `related` links or WHOIS referrals at it and assert the count stays 0
/// for a client narrowed to `127.0.0.1/32`
/// ([`ClientBuilder::allow_net`](whohosts::ClientBuilder::allow_net)). The listener runs on
/// the current tokio runtime until that runtime ends.
///
/// # Errors
/// The address cannot be bound (no `127.0.0.2` on this system's loopback).
pub async fn tripwire() -> io::Result<(SocketAddr, Arc<AtomicUsize>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await?;
    let addr = listener.local_addr()?;
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    Ok((addr, hits))
}
