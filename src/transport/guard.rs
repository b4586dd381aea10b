//! Address policy: which IP addresses and URLs the client may connect to.
//!
//! By default only public unicast addresses over HTTPS are allowed. This file decides; the
//! HTTP layer (`http.rs`) enforces it on every hop, on the addresses actually connected to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

use crate::config::Safety;
use crate::error::{SourceError, SourceErrorKind};

/// True for a globally reachable unicast address: IPv4 outside every non-global block of
/// the IANA IPv4 special-purpose registry and outside multicast; IPv6 inside global unicast
/// `2000::/3` and outside every non-global block of the IANA IPv6 special-purpose registry
/// (see [`SPECIAL_V6`]). IPv6 forms that embed an IPv4 address (v4-mapped, NAT64, 6to4) are
/// judged by the address they carry.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    non_public_block(ip).is_none()
}

/// The name of the non-public block `ip` falls in, `None` for a public address.
fn non_public_block(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

/// One block of a special-purpose address registry that is not globally reachable.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpecialBlock<T> {
    /// The network address.
    pub(crate) network: T,
    /// The prefix length.
    pub(crate) prefix: u8,
    /// The registry's name for the block, with its RFC.
    pub(crate) name: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8, name: &'static str) -> SpecialBlock<u32> {
    SpecialBlock { network: u32::from_be_bytes([a, b, c, d]), prefix, name }
}

const fn v6(segments: [u16; 8], prefix: u8, name: &'static str) -> SpecialBlock<u128> {
    let [a, b, c, d, e, f, g, h] = segments;
    SpecialBlock { network: Ipv6Addr::new(a, b, c, d, e, f, g, h).to_bits(), prefix, name }
}

/// The non-globally-reachable blocks of the IANA "IPv4 Special-Purpose Address Registry"
/// (<https://www.iana.org/assignments/iana-ipv4-special-registry/>), as the registry stood
/// in 2024, taken from the maintainers' knowledge of it, not fetched (no network at build
/// time), plus multicast `224.0.0.0/4`, which is not unicast. Blocks whose "Globally
/// Reachable" column is true (AS112 `192.31.196.0/24`, `192.175.48.0/24`, AMT
/// `192.52.193.0/24`) are not listed. The whole `192.0.0.0/24` is refused, including its two
/// globally reachable anycast addresses (PCP `192.0.0.9`, TURN `192.0.0.10`), which no RDAP
/// or WHOIS server uses; and the deprecated 6to4 relay anycast `192.88.99.0/24` (RFC 7526).
pub(crate) const SPECIAL_V4: &[SpecialBlock<u32>] = &[
    v4(0, 0, 0, 0, 8, "\"This network\" (RFC 791)"),
    v4(10, 0, 0, 0, 8, "Private-Use (RFC 1918)"),
    v4(100, 64, 0, 0, 10, "Shared Address Space (RFC 6598)"),
    v4(127, 0, 0, 0, 8, "Loopback (RFC 1122)"),
    v4(169, 254, 0, 0, 16, "Link Local (RFC 3927)"),
    v4(172, 16, 0, 0, 12, "Private-Use (RFC 1918)"),
    v4(192, 0, 0, 0, 24, "IETF Protocol Assignments (RFC 6890)"),
    v4(192, 0, 2, 0, 24, "Documentation TEST-NET-1 (RFC 5737)"),
    v4(192, 88, 99, 0, 24, "Deprecated 6to4 Relay Anycast (RFC 7526)"),
    v4(192, 168, 0, 0, 16, "Private-Use (RFC 1918)"),
    v4(198, 18, 0, 0, 15, "Benchmarking (RFC 2544)"),
    v4(198, 51, 100, 0, 24, "Documentation TEST-NET-2 (RFC 5737)"),
    v4(203, 0, 113, 0, 24, "Documentation TEST-NET-3 (RFC 5737)"),
    v4(224, 0, 0, 0, 4, "Multicast (RFC 5771; not in the special-purpose registry)"),
    v4(240, 0, 0, 0, 4, "Reserved (RFC 1112), including Limited Broadcast 255.255.255.255/32"),
];

/// Global unicast `2000::/3` (RFC 4291 §2.4, IANA "IPv6 Global Unicast Address
/// Assignments"): every other IPv6 address is not public, whatever the special-purpose
/// registry says (e.g. `4000::/2`, `::ffff:0:0:0/96` SIIT, `5f00::/16` SRv6 SIDs).
pub(crate) const GLOBAL_UNICAST_V6: SpecialBlock<u128> =
    v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3, "Global Unicast (RFC 4291)");

/// The non-globally-reachable blocks of the IANA "IPv6 Special-Purpose Address Registry"
/// (<https://www.iana.org/assignments/iana-ipv6-special-registry/>), as the registry stood
/// in 2024 (with `3fff::/20` of RFC 9637 and `5f00::/16` of RFC 9602), taken from the
/// maintainers' knowledge of it, not fetched. Every row whose "Globally Reachable" column
/// is false is here, also those outside `2000::/3` (the table is the registry; the global
/// unicast check comes first). Blocks whose column is true (`2001:1::1/128` PCP,
/// `2001:1::2/128` TURN, `2001:3::/32` AMT, `2001:4:112::/48` AS112, `2001:20::/28`
/// ORCHIDv2, `2001:30::/28` DETs, `2620:4f:8000::/48` AS112) sit inside `2001::/23`, which
/// is refused whole; no RDAP or WHOIS server lives there. Teredo `2001::/32` ("N/A") is
/// refused with it. The IPv4-embedding blocks (`::ffff:0:0/96`, `64:ff9b::/96`,
/// `2002::/16`) are judged by the embedded address before this table.
pub(crate) const SPECIAL_V6: &[SpecialBlock<u128>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "Loopback Address (RFC 4291)"),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "Unspecified Address (RFC 4291)"),
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped Address (RFC 4291)"),
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "IPv4-IPv6 Translat. local-use (RFC 8215)"),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "Discard-Only Address Block (RFC 6666)"),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23, "IETF Protocol Assignments (RFC 2928)"),
    v6([0x2001, 0x2, 0, 0, 0, 0, 0, 0], 48, "Benchmarking (RFC 5180)"),
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28, "Deprecated ORCHID (RFC 4843)"),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "Documentation (RFC 3849)"),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "Documentation (RFC 9637)"),
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, "Segment Routing (SRv6) SIDs (RFC 9602)"),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "Unique-Local (RFC 4193)"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "Link-Local Unicast (RFC 4291)"),
];

fn contains_v4(block: &SpecialBlock<u32>, ip: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(block.prefix)).unwrap_or(0);
    ip & mask == block.network & mask
}

fn contains_v6(block: &SpecialBlock<u128>, ip: u128) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(block.prefix)).unwrap_or(0);
    ip & mask == block.network & mask
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let ip = u32::from(ip);
    SPECIAL_V4.iter().find(|block| contains_v4(block, ip)).map(|block| block.name)
}

/// The IPv4 address carried in two 16-bit segments of an IPv6 address (high, low).
fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return special_v4(v4);
    }
    // NAT64 well-known prefix 64:ff9b::/96 (globally reachable in the registry) embeds IPv4;
    // the local-use 64:ff9b:1::/48 is in the table.
    if seg[..6] == [0x0064, 0xff9b, 0, 0, 0, 0] {
        return special_v4(embedded_v4(seg[6], seg[7]));
    }
    let bits = u128::from(ip);
    if !contains_v6(&GLOBAL_UNICAST_V6, bits) {
        return Some(
            SPECIAL_V6
                .iter()
                .find(|block| contains_v6(block, bits))
                .map_or("outside global unicast 2000::/3", |block| block.name),
        );
    }
    // 6to4 2002::/16 embeds an IPv4 address in bits 16..48.
    if seg[0] == 0x2002 {
        return special_v4(embedded_v4(seg[1], seg[2]));
    }
    SPECIAL_V6.iter().find(|block| contains_v6(block, bits)).map(|block| block.name)
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
    match url.host() {
        Some(url::Host::Ipv4(v4)) => check_ip(IpAddr::V4(v4), safety)?,
        Some(url::Host::Ipv6(v6)) => check_ip(IpAddr::V6(v6), safety)?,
        Some(url::Host::Domain(_)) => {}
        None => {
            return Err(SourceError::new(SourceErrorKind::Blocked, "the URL has no host"));
        }
    }
    // A build without TLS (no `rustls` feature) cannot speak HTTPS: say so, after the safety
    // checks (a refused address stays `blocked` whatever the build).
    if url.scheme() == "https" && !cfg!(feature = "rustls") {
        return Err(SourceError::new(
            SourceErrorKind::Transport,
            "HTTPS is not built in (cargo feature `rustls`)",
        ));
    }
    Ok(())
}

/// Check one address the client is about to connect to.
pub(crate) fn check_ip(ip: IpAddr, safety: &Safety) -> Result<(), SourceError> {
    let block = non_public_block(ip).unwrap_or("non-public");
    if is_allowed(ip, safety) {
        Ok(())
    } else if safety.allow_private {
        Err(SourceError::new(
            SourceErrorKind::Blocked,
            format!(
                "refusing non-public address {ip} ({block}): not in the allowed networks \
                 (allow_nets)"
            ),
        ))
    } else {
        Err(SourceError::new(
            SourceErrorKind::Blocked,
            format!("refusing non-public address {ip} ({block}; allow_private loosens this)"),
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
            // Issue #14 item 9: outside global unicast 2000::/3, or in the registry.
            "::ffff:0:7f00:2",
            "::ffff:0:808:808",
            "4000::1",
            "7fff::1",
            "5f00::1",
            "5f00:ffff::1",
            "64:ff9b:1::808:808",
            "2001:2::1",
            "2001:10::1",
            "3fff:fff::1",
            "::2",
            "8000::1",
            "e000::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} is not public");
        }
        // NAT64 and 6to4 forms of public addresses stay public.
        assert!(is_public("64:ff9b::808:808".parse().unwrap()));
        assert!(is_public("2002:808:808::1".parse().unwrap()));
        assert!(is_public("::ffff:8.8.8.8".parse().unwrap()));
        assert!(is_public("172.32.0.1".parse().unwrap()));
        assert!(is_public("100.128.0.1".parse().unwrap()));
        // The edges of the blocks: just outside stays public.
        assert!(is_public("3fff:1000::1".parse().unwrap()));
        assert!(is_public("2001:200::1".parse().unwrap()));
        assert!(is_public("3ffe:ffff::1".parse().unwrap()));
        assert!(is_public("2a00:1450::1".parse().unwrap()));
        assert!(is_public("192.0.1.1".parse().unwrap()));
        assert!(is_public("192.88.98.1".parse().unwrap()));
        assert!(is_public("223.255.255.255".parse().unwrap()));
    }

    #[test]
    fn siit_reserved_and_srv6_ipv6_are_not_public_even_with_public_v4_inside() {
        // The SIIT form of 127.0.0.2 and of 8.8.8.8: not mapped, not global unicast.
        for ip in ["::ffff:0:7f00:2", "::ffff:0:808:808", "4000::", "5f00::1"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_public(ip), "{ip}");
            let err = check_ip(ip, &Safety::default()).unwrap_err();
            assert_eq!(err.kind(), SourceErrorKind::Blocked);
        }
        let err = check_ip("5f00::1".parse().unwrap(), &Safety::default()).unwrap_err();
        assert_eq!(
            err.message(),
            "refusing non-public address 5f00::1 (Segment Routing (SRv6) SIDs (RFC 9602); \
             allow_private loosens this)"
        );
        let err = check_ip("4000::".parse().unwrap(), &Safety::default()).unwrap_err();
        assert!(err.message().contains("outside global unicast 2000::/3"), "{}", err.message());
    }

    #[test]
    fn special_purpose_tables_are_well_formed() {
        for block in SPECIAL_V4 {
            let mask = u32::MAX.checked_shl(32 - u32::from(block.prefix)).unwrap_or(0);
            assert_eq!(block.network & !mask, 0, "{} has host bits", block.name);
        }
        for block in SPECIAL_V6 {
            let mask = u128::MAX.checked_shl(128 - u32::from(block.prefix)).unwrap_or(0);
            assert_eq!(block.network & !mask, 0, "{} has host bits", block.name);
        }
    }

    #[test]
    fn urls_need_https_and_public_literals_by_default() {
        let safe = Safety::default();
        let arin = check_url(&Url::parse("https://rdap.arin.net/registry/").unwrap(), &safe);
        if cfg!(feature = "rustls") {
            assert!(arin.is_ok());
        } else {
            let e = arin.unwrap_err();
            assert_eq!(e.kind(), SourceErrorKind::Transport);
            assert_eq!(e.message(), "HTTPS is not built in (cargo feature `rustls`)");
        }
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
