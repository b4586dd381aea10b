//! [`tripwire`]: a listener on a private address that counts connections and answers nothing,
//! to prove that a client never dials an address its safety settings refuse.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Start a TCP listener on `127.0.0.2` (a port the system picks) that accepts and counts
/// connections and answers nothing: its address, and the count of connections so far.
/// Point redirects, `related` links or WHOIS referrals at it and assert the count stays 0
/// for a client narrowed to `127.0.0.1/32`
/// ([`ClientBuilder::allow_net`](whohosts::ClientBuilder::allow_net)). The listener runs on
/// the current tokio runtime until that runtime ends.
///
/// A zero proves nothing unless the listener counts: before returning, one deliberate
/// connection is made and must be counted (the positive control), then the count is reset
/// to 0.
///
/// # Errors
/// The address cannot be bound (no `127.0.0.2` on this system's loopback), or the
/// deliberate connection was not counted within 5 s.
pub async fn tripwire() -> io::Result<(SocketAddr, Arc<AtomicUsize>)> {
    tripwire_on("127.0.0.2:0".parse().map_err(io::Error::other)?).await
}

/// [`tripwire`] on `addr`, e.g. `127.0.0.1:0` for a server the client is allowed to reach,
/// to count that it was not asked.
///
/// # Errors
/// As [`tripwire`].
pub async fn tripwire_on(addr: SocketAddr) -> io::Result<(SocketAddr, Arc<AtomicUsize>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    positive_control(addr, &hits, Duration::from_secs(5)).await?;
    hits.store(0, Ordering::SeqCst);
    Ok((addr, hits))
}

/// The positive control: one deliberate connection to `addr` must show in `hits` within
/// `wait`, or the tripwire counts nothing and its zeros prove nothing.
async fn positive_control(addr: SocketAddr, hits: &AtomicUsize, wait: Duration) -> io::Result<()> {
    drop(tokio::net::TcpStream::connect(addr).await?);
    let counted = async {
        while hits.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    if tokio::time::timeout(wait, counted).await.is_err() {
        return Err(io::Error::other(format!(
            "the tripwire on {addr} did not count a deliberate connection"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_listener_that_never_counts_fails_the_positive_control() {
        // A broken tripwire: it accepts connections like the real one, but the count the
        // control reads is not the one it would add to (it adds to none).
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = tokio::spawn(async move { listener.accept().await.is_ok() });
        let never_counted = AtomicUsize::new(0);
        let error =
            positive_control(addr, &never_counted, Duration::from_millis(200)).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("the tripwire on {addr} did not count a deliberate connection")
        );
        assert!(accepted.await.unwrap(), "the deliberate connection was made and accepted");
    }

    #[tokio::test]
    async fn a_tripwire_passes_its_control_then_counts_from_zero() {
        let (addr, hits) = tripwire_on("127.0.0.1:0".parse().unwrap()).await.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 0, "the control's connection is not left in");
        drop(tokio::net::TcpStream::connect(addr).await.unwrap());
        let counted = async {
            while hits.load(Ordering::SeqCst) == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), counted).await.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}
