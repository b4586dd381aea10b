//! Address policy: which IP addresses and URLs the client may connect to.
//!
//! By default only public unicast addresses over HTTPS are allowed. This file decides; the
//! HTTP layer (`http.rs`) enforces it on every hop, on the addresses actually connected to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

use crate::config::Safety;
use crate::error::{SourceError, SourceErrorKind};

/// True for a globally reachable unicast address: not private, loopback, link-local,
/// CGNAT, multicast, documentation, benchmarking, reserved or unspecified, and not an IPv6
/// form (v4-mapped, NAT64, 6to4) that embeds such an IPv4 address.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network" 0.0.0.0/8
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 169 && b == 254)              // link-local
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments 192.0.0.0/24
        || (a == 192 && b == 0 && c == 2)      // TEST-NET-1
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast (deprecated)
        || (a == 192 && b == 168)              // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking 198.18.0.0/15
        || (a == 198 && b == 51 && c == 100)   // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)    // TEST-NET-3
        || a >= 224) // multicast 224/4, reserved 240/4, broadcast
}

/// The IPv4 address carried in two 16-bit segments of an IPv6 address (high, low).
fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let first = seg[0];
    // NAT64 well-known prefix 64:ff9b::/96 and local-use 64:ff9b:1::/48 embed IPv4.
    if first == 0x0064 && seg[1] == 0xff9b {
        if seg[2] == 1 {
            return false;
        }
        return is_public_v4(embedded_v4(seg[6], seg[7]));
    }
    // 6to4 2002::/16 embeds an IPv4 address in bits 16..48.
    if first == 0x2002 {
        return is_public_v4(embedded_v4(seg[1], seg[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()                       // ff00::/8
        || (first & 0xfe00) == 0xfc00              // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80              // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0              // site-local (deprecated) fec0::/10
        || (first == 0x2001 && seg[1] == 0x0db8)   // documentation 2001:db8::/32
        || (first == 0x3fff && seg[1] < 0x1000)    // documentation 3fff::/20
        || (first == 0x2001 && seg[1] < 0x0200)    // IETF protocol assignments 2001::/23
        || first == 0x0100 && seg[1..4] == [0, 0, 0] // discard-only 100::/64
        || (seg[..6] == [0, 0, 0, 0, 0, 0])) // IPv4-compatible (deprecated) ::/96
}

/// Check a URL against the safety settings before any connection: the scheme, and the host
/// when it is an IP literal. Host names are checked after resolution, in `http.rs`.
pub(crate) fn check_url(url: &Url, safety: &Safety) -> Result<(), SourceError> {
    match url.scheme() {
        "https" => {}
        "http" if safety.allow_http => {}
        "http" => {
            return Err(SourceError::new(
                SourceErrorKind::Blocked,
                "refusing a plain-HTTP URL (HTTPS only; allow_http loosens this)",
            ));
        }
        other => {
            return Err(SourceError::new(
                SourceErrorKind::Blocked,
                format!("refusing a URL with scheme {other:?}"),
            ));
        }
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => {
            return Err(SourceError::new(SourceErrorKind::Blocked, "the URL has no host"));
        }
    };
    check_ip(ip, safety)
}

/// Check one address the client is about to connect to.
pub(crate) fn check_ip(ip: IpAddr, safety: &Safety) -> Result<(), SourceError> {
    if is_allowed(ip, safety) {
        Ok(())
    } else if safety.allow_private {
        Err(SourceError::new(
            SourceErrorKind::Blocked,
            format!("refusing non-public address {ip}: not in the allowed networks (allow_nets)"),
        ))
    } else {
        Err(SourceError::new(
            SourceErrorKind::Blocked,
            format!("refusing non-public address {ip} (allow_private loosens this)"),
        ))
    }
}

/// True when `ip` may be connected to under `safety`.
pub(crate) fn is_allowed(ip: IpAddr, safety: &Safety) -> bool {
    if is_public(ip) {
        return true;
    }
    // A v4-mapped address is checked as the IPv4 address it carries.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    safety.allow_private
        && (safety.allow_nets.is_empty() || safety.allow_nets.iter().any(|net| net.contains(&ip)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn public_and_non_public_addresses() {
        for ip in ["8.8.8.8", "1.1.1.1", "193.0.6.139", "2620:119:35::35", "2001:4860:4860::8888"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
        for ip in [
            "0.0.0.0",
            "10.1.2.3",
            "127.0.0.1",
            "127.0.0.2",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2002:c0a8:101::1",
            "2002:7f00:1::1",
            "::127.0.0.1",
            "100::1",
            "3fff::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} is not public");
        }
        // NAT64 and 6to4 forms of public addresses stay public.
        assert!(is_public("64:ff9b::808:808".parse().unwrap()));
        assert!(is_public("2002:808:808::1".parse().unwrap()));
        assert!(is_public("::ffff:8.8.8.8".parse().unwrap()));
        assert!(is_public("172.32.0.1".parse().unwrap()));
        assert!(is_public("100.128.0.1".parse().unwrap()));
    }

    #[test]
    fn urls_need_https_and_public_literals_by_default() {
        let safe = Safety::default();
        assert!(check_url(&Url::parse("https://rdap.arin.net/registry/").unwrap(), &safe).is_ok());
        let http = check_url(&Url::parse("http://rdap.arin.net/").unwrap(), &safe).unwrap_err();
        assert_eq!(http.kind(), SourceErrorKind::Blocked);
        let lo = check_url(&Url::parse("https://127.0.0.1:8443/").unwrap(), &safe).unwrap_err();
        assert_eq!(lo.kind(), SourceErrorKind::Blocked);
        let v6 = check_url(&Url::parse("https://[::1]/").unwrap(), &safe).unwrap_err();
        assert_eq!(v6.kind(), SourceErrorKind::Blocked);
        assert!(check_url(&Url::parse("ftp://example.com/").unwrap(), &safe).is_err());

        let loose = Safety { allow_http: true, allow_private: true, allow_nets: Vec::new() };
        assert!(check_url(&Url::parse("http://127.0.0.1:8080/arin/").unwrap(), &loose).is_ok());

        // Narrowed to one address: its neighbour on loopback is refused, public stays allowed.
        let narrow = Safety {
            allow_http: true,
            allow_private: true,
            allow_nets: vec!["127.0.0.1/32".parse().unwrap()],
        };
        assert!(check_url(&Url::parse("http://127.0.0.1:8080/").unwrap(), &narrow).is_ok());
        let other = check_url(&Url::parse("http://127.0.0.2:8080/").unwrap(), &narrow).unwrap_err();
        assert_eq!(other.kind(), SourceErrorKind::Blocked);
        assert!(other.message().contains("allow_nets"), "{}", other.message());
        assert!(check_ip("::ffff:127.0.0.1".parse().unwrap(), &narrow).is_ok());
        assert!(check_ip("::1".parse().unwrap(), &narrow).is_err());
        assert!(check_ip("8.8.8.8".parse().unwrap(), &narrow).is_ok());
    }
}
