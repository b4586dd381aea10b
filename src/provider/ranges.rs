//! The published CDN/cloud IP range table (`data/providers/ranges.txt`) and its
//! longest-prefix lookup.
//!
//! The file holds nested CIDR blocks (`cidr provider_id kind`): a CloudFront /16 may sit inside
//! an AWS /12. At load the blocks are flattened into disjoint, sorted address segments, each
//! labelled with the most specific block covering it, so a lookup is one binary search
//! (O(log n), no allocation) and still reports the published block that matched.
//!
//! A client built with a data directory that holds a refreshed table puts that table in
//! scope for its lookups ([`scope`]); [`lookup`] reads it instead of the shipped one.

use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use ipnet::IpNet;

use super::{Known, known, parse_kind};
use crate::record::ProviderKind;

/// The shipped table's text (a refresh that cannot fetch a provider's list keeps that
/// provider's rows from here when no refreshed table is in place). Feature `providers-data`;
/// without it the table is empty and ranges come only from a refresh (`Refresher`).
#[cfg(feature = "providers-data")]
pub(crate) const DATA: &str = include_str!("../../data/providers/ranges.txt");
/// A build without the `providers-data` feature ships no ranges.
#[cfg(not(feature = "providers-data"))]
pub(crate) const DATA: &str = "";

/// The date of the shipped snapshot (the header of `ranges.txt` and
/// `data/providers/SOURCES.md`: the cloud-ip-ranges mirror of 2025-07-25).
pub(crate) const EMBEDDED_DATE: &str = "2025-07-25";

/// The date of the table this build ships: [`EMBEDDED_DATE`], or none in a build without
/// `providers-data` (which ships no table). What a record names when no refreshed table is
/// in place.
pub(crate) fn shipped_date() -> Option<&'static str> {
    cfg!(feature = "providers-data").then_some(EMBEDDED_DATE)
}

/// A published range that contains an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RangeHit {
    /// The provider the range belongs to.
    pub(crate) provider: &'static Known,
    /// The kind the range list gives this block (a CloudFront block is a CDN even though
    /// AWS as a whole is a cloud).
    pub(crate) kind: ProviderKind,
    /// The block that matched, as shipped.
    pub(crate) cidr: IpNet,
}

/// One shipped block.
#[derive(Debug, Clone, Copy)]
struct Entry {
    provider: &'static Known,
    kind: ProviderKind,
    net: IpNet,
}

/// Disjoint, sorted segments `[start, end]`, each pointing at the entry that answers for it.
#[derive(Debug, Default)]
struct Segments<T> {
    starts: Vec<T>,
    ends: Vec<T>,
    entries: Vec<u32>,
}

/// An address width the segment builder works over.
trait Bits: Copy + Ord + std::fmt::Debug {
    fn checked_inc(self) -> Option<Self>;
    /// `self - 1`; only called when `self` is greater than some other value, so never 0.
    fn dec(self) -> Self;
}

impl Bits for u32 {
    fn checked_inc(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn dec(self) -> Self {
        self.saturating_sub(1)
    }
}

impl Bits for u128 {
    fn checked_inc(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn dec(self) -> Self {
        self.saturating_sub(1)
    }
}

impl<T: Bits> Segments<T> {
    fn push(&mut self, start: T, end: T, entry: u32) {
        self.starts.push(start);
        self.ends.push(end);
        self.entries.push(entry);
    }

    /// Flatten nested blocks `(start, end, entry)` into disjoint segments labelled with the
    /// innermost block. CIDR blocks either nest or are disjoint, so a stack suffices.
    fn build(mut blocks: Vec<(T, T, u32)>) -> Self {
        // Outer blocks first when two start at the same address.
        blocks.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = Self { starts: Vec::new(), ends: Vec::new(), entries: Vec::new() };
        let mut open: Vec<(T, u32)> = Vec::new();
        // The next address not yet covered by an emitted segment (None: past the last address).
        let mut cursor: Option<T> = None;
        for (start, end, entry) in blocks {
            while let Some(&(top_end, top_entry)) = open.last() {
                if top_end >= start {
                    break;
                }
                if let Some(c) = cursor.filter(|c| *c <= top_end) {
                    out.push(c, top_end, top_entry);
                }
                cursor = top_end.checked_inc();
                open.pop();
            }
            if let Some(&(_, top_entry)) = open.last()
                && let Some(c) = cursor.filter(|c| *c < start)
            {
                out.push(c, start.dec(), top_entry);
            }
            cursor = Some(start);
            open.push((end, entry));
        }
        while let Some((top_end, top_entry)) = open.pop() {
            if let Some(c) = cursor.filter(|c| *c <= top_end) {
                out.push(c, top_end, top_entry);
            }
            cursor = top_end.checked_inc();
        }
        out
    }

    fn find(&self, addr: T) -> Option<u32> {
        let i = self.starts.partition_point(|s| *s <= addr).checked_sub(1)?;
        if addr <= *self.ends.get(i)? { self.entries.get(i).copied() } else { None }
    }
}

/// The parsed range table.
#[derive(Debug)]
pub(crate) struct RangeTable {
    entries: Vec<Entry>,
    v4: Segments<u32>,
    v6: Segments<u128>,
}

impl RangeTable {
    /// Parse `cidr provider_id kind` lines; `#` starts a comment. Lines that do not parse, name
    /// an unknown provider or kind, or have host bits set are skipped and counted.
    pub(crate) fn parse(text: &str) -> Self {
        let entries = super::data_rows(text, "ranges", |line| {
            parse_line(line.split('#').next().unwrap_or(""))
        });
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            match e.net {
                IpNet::V4(n) => v4.push((u32::from(n.network()), u32::from(n.broadcast()), i)),
                IpNet::V6(n) => v6.push((u128::from(n.network()), u128::from(n.broadcast()), i)),
            }
        }
        Self { entries, v4: Segments::build(v4), v6: Segments::build(v6) }
    }

    /// The most specific shipped block containing `ip`.
    pub(crate) fn lookup(&self, ip: IpAddr) -> Option<RangeHit> {
        let found = match ip {
            IpAddr::V4(a) => self.v4.find(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.v4.find(u32::from(v4)),
                None => self.v6.find(u128::from(a)),
            },
        }?;
        let e = self.entries.get(usize::try_from(found).ok()?)?;
        Some(RangeHit { provider: e.provider, kind: e.kind, cidr: e.net })
    }

    /// Number of blocks loaded.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

fn parse_line(line: &str) -> Option<Entry> {
    let mut fields = line.split_whitespace();
    let net: IpNet = fields.next()?.parse().ok()?;
    let provider = known(fields.next()?)?;
    let kind = parse_kind(fields.next()?)?;
    if fields.next().is_some() || net.trunc() != net {
        return None;
    }
    Some(Entry { provider, kind, net })
}

/// The shipped table, parsed on first use.
pub(crate) fn table() -> &'static RangeTable {
    static TABLE: OnceLock<RangeTable> = OnceLock::new();
    TABLE.get_or_init(|| RangeTable::parse(DATA))
}

tokio::task_local! {
    /// The table of the running lookup's client, when it has a refreshed one.
    static REFRESHED: Arc<RangeTable>;
}

/// Run `work` with `table` (when given) in place of the shipped table.
pub(crate) async fn scope<F: Future>(table: Option<Arc<RangeTable>>, work: F) -> F::Output {
    match table {
        Some(table) => REFRESHED.scope(table, work).await,
        None => work.await,
    }
}

/// The most specific published range containing `ip`: from the refreshed table in scope,
/// else from the shipped table.
pub(crate) fn lookup(ip: IpAddr) -> Option<RangeHit> {
    REFRESHED.try_with(|t| t.lookup(ip)).unwrap_or_else(|_| table().lookup(ip))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn hit(ip: &str) -> Option<(&'static str, ProviderKind, String)> {
        lookup(ip.parse().unwrap()).map(|h| (h.provider.id, h.kind, h.cidr.to_string()))
    }

    /// A build without `providers-data` ships no range: a Cloudflare address is in no
    /// block until a refresh brings the lists.
    #[cfg(not(feature = "providers-data"))]
    #[test]
    fn no_range_is_shipped_without_the_feature() {
        assert_eq!(table().len(), 0);
        assert_eq!(hit("104.16.1.1"), None);
    }

    #[test]
    fn every_shipped_row_parses() {
        let lines = super::super::data_lines(DATA);
        let unparsed: Vec<_> = lines.iter().filter(|l| parse_line(l).is_none()).collect();
        assert_eq!(unparsed, Vec::<&&str>::new(), "rows that do not parse");
        assert_eq!(table().len(), lines.len());
    }

    /// No block is listed twice, and a block nested inside another belongs to the same
    /// organisation (a CloudFront block inside an AWS one), or is a platform hosted there
    /// (GitHub's blocks inside Azure's and AWS's): no range says one organisation while an
    /// enclosing one says an unrelated organisation's CDN or cloud.
    #[cfg(feature = "providers-data")]
    #[test]
    fn nested_blocks_agree() {
        let mut entries = table().entries.clone();
        let mut seen = std::collections::HashSet::new();
        for e in &entries {
            assert!(seen.insert(e.net), "{} listed twice", e.net);
        }
        let key = |net: &IpNet| match net {
            IpNet::V4(n) => (4, u128::from(u32::from(n.network())), n.prefix_len()),
            IpNet::V6(n) => (6, u128::from(n.network()), n.prefix_len()),
        };
        entries.sort_by_key(|e| key(&e.net));
        // Sorted by start address then size, each block's enclosing blocks are on the stack.
        let mut enclosing: Vec<Entry> = Vec::new();
        let mut nested = 0;
        for e in entries {
            while enclosing.last().is_some_and(|outer| !outer.net.contains(&e.net)) {
                enclosing.pop();
            }
            if let Some(outer) = enclosing.last() {
                nested += 1;
                let same_org = outer.provider.org == e.provider.org;
                let hosted_platform = e.kind == ProviderKind::Platform
                    && matches!(outer.kind, ProviderKind::Cloud | ProviderKind::Cdn);
                assert!(
                    same_org || hosted_platform,
                    "{} {} inside {} {}",
                    e.net,
                    e.provider.id,
                    outer.net,
                    outer.provider.id
                );
            }
            enclosing.push(e);
        }
        // The check saw nesting (AWS/CloudFront, Azure/Front Door, GitHub).
        assert!(nested > 0);
    }

    /// One real address from every shipped range family, taken from the published lists of the
    /// 2025-07-25 snapshot (`fixtures/providers/` of the shared fixtures, credited in
    /// `data/providers/SOURCES.md`); the comment names the file and the line it comes from.
    #[cfg(feature = "providers-data")]
    #[test]
    fn every_range_family_classifies() {
        use ProviderKind::{Cdn, Cloud, Platform};
        let cases: &[(&str, &str, ProviderKind)] = &[
            // cloudflare-v4-ip-ranges.txt: 104.16.0.0/13
            ("104.16.132.229", "cloudflare", Cdn),
            // cloudflare-v6-ip-ranges.txt: 2606:4700::/32
            ("2606:4700::6810:84e5", "cloudflare", Cdn),
            // akamai-v4-ip-ranges.txt: 23.192.0.0/11
            ("23.192.228.80", "akamai", Cdn),
            // akamai-v6-ip-ranges.txt: 2600:1400::/24
            ("2600:1406:3a00:21::173e:2e65", "akamai", Cdn),
            // fastly-ip-ranges.json addresses: 151.101.0.0/16
            ("151.101.1.140", "fastly", Cdn),
            // fastly-ip-ranges.json ipv6_addresses: 2a04:4e42::/32
            ("2a04:4e42::81", "fastly", Cdn),
            // aws-ip-ranges.json: 3.5.140.0/22 AMAZON ap-northeast-2
            ("3.5.140.10", "aws", Cloud),
            // aws-ip-ranges.json: 13.32.0.0/15 CLOUDFRONT GLOBAL (also listed as AMAZON)
            ("13.32.99.1", "aws-cloudfront", Cdn),
            // aws-ip-ranges.json ipv6: 2600:9000:3000::/36 CLOUDFRONT
            ("2600:9000:3000::1", "aws-cloudfront", Cdn),
            // aws-ip-ranges.json ipv6: 2600:1f00:2000::/40 AMAZON/EC2 us-gov-west-1
            ("2600:1f00:2000::1", "aws", Cloud),
            // google-cloud-ip-ranges.json: 34.35.0.0/16 africa-south1
            ("34.35.1.2", "google-cloud", Cloud),
            // google-cloud-ip-ranges.json: 2600:1900:8000::/44 africa-south1
            ("2600:1900:8000::1", "google-cloud", Cloud),
            // microsoft-azure-ip-ranges.json ActionGroup: 13.66.143.220/30
            ("13.66.143.221", "azure", Cloud),
            // microsoft-azure-ip-ranges.json AzureFrontDoor.Frontend: 13.107.246.0/24
            ("13.107.246.10", "azure-front-door", Cdn),
            // microsoft-azure-ip-ranges.json ActionGroup: 2603:1000:4::10c/126
            ("2603:1000:4::10d", "azure", Cloud),
            // microsoft-azure-ip-ranges.json AzureFrontDoor.Frontend: 2603:1000:4::5e0/123
            ("2603:1000:4::5e1", "azure-front-door", Cdn),
            // oracle-cloud-ip-ranges.json us-ashburn-1: 129.80.0.0/16 OCI
            ("129.80.1.1", "oracle-cloud", Cloud),
            // digitalocean.csv: 5.101.96.0/21,NL,NL-NH,Amsterdam
            ("5.101.96.1", "digitalocean", Cloud),
            // digitalocean.csv: 2400:6180:0:d0::/64,SG,SG-05,Singapore
            ("2400:6180:0:d0::1", "digitalocean", Cloud),
            // linode.txt: 2600:3c00::/32,US,US-TX,Richardson
            ("2600:3c00::f03c:91ff:fe00:1", "linode", Cloud),
            // linode.txt: 172.104.192.0/24,US,US-TX,Richardson
            ("172.104.192.5", "linode", Cloud),
            // github-ip-ranges.json pages: 185.199.108.153/32
            ("185.199.108.153", "github", Platform),
            // github-ip-ranges.json pages: 2606:50c0:8000::153/128
            ("2606:50c0:8000::153", "github", Platform),
            // zscaler-cloud-ip-ranges.json hubPrefixes: 165.225.0.0/17
            ("165.225.1.1", "zscaler", Cloud),
            // zscaler-cloud-ip-ranges.json hubPrefixes: 2400:7aa0:131b::/48
            ("2400:7aa0:131b::1", "zscaler", Cloud),
        ];
        for (ip, id, kind) in cases {
            let got = hit(ip).unwrap_or_else(|| panic!("{ip} not found"));
            assert_eq!((got.0, got.1), (*id, *kind), "{ip} matched {}", got.2);
        }
        assert_eq!(hit("192.0.2.1"), None);
        assert_eq!(hit("2001:db8::1"), None);
    }

    /// Every prefix of the small published lists (copied to `tests/fixtures/providers/`):
    /// its first and last address classify as that provider, with the kind the list implies.
    #[cfg(feature = "providers-data")]
    #[test]
    fn small_published_lists_classify_completely() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/providers/");
        let read = |f: &str| std::fs::read_to_string(format!("{dir}{f}")).unwrap();
        let lines = |f: &str| -> Vec<String> {
            read(f).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
        };
        let json = |f: &str, keys: &[&str]| -> Vec<String> {
            let v: serde_json::Value = serde_json::from_str(&read(f)).unwrap();
            keys.iter()
                .flat_map(|k| {
                    v[*k].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned())
                })
                .collect()
        };
        let lists: Vec<(&str, Vec<String>)> = vec![
            ("cloudflare", lines("cloudflare-v4-ip-ranges.txt")),
            ("cloudflare", lines("cloudflare-v6-ip-ranges.txt")),
            ("akamai", lines("akamai-v4-ip-ranges.txt")),
            ("akamai", lines("akamai-v6-ip-ranges.txt")),
            ("fastly", json("fastly-ip-ranges.json", &["addresses", "ipv6_addresses"])),
            ("zscaler", json("zscaler-cloud-ip-ranges.json", &["hubPrefixes"])),
        ];
        let mut checked = 0;
        for (id, cidrs) in &lists {
            for cidr in cidrs {
                let net: IpNet = cidr.parse().unwrap();
                for ip in [net.network(), net.broadcast()] {
                    let h = lookup(ip).unwrap_or_else(|| panic!("{ip} of {cidr}"));
                    assert_eq!(h.provider.id, *id, "{ip} of {cidr}");
                    assert!(h.cidr.contains(&ip));
                    checked += 1;
                }
            }
        }
        // 15 + 7 Cloudflare, 19 + 3 Akamai, 21 Fastly, 80 Zscaler prefixes, two addresses each.
        assert_eq!(checked, 2 * (15 + 7 + 19 + 3 + 21 + 80));
    }

    #[cfg(feature = "providers-data")]
    #[test]
    fn most_specific_block_wins_and_is_reported() {
        // 13.32.0.0/15 is CloudFront inside AWS space; the hit names the CloudFront block.
        assert_eq!(
            hit("13.32.99.1"),
            Some(("aws-cloudfront", ProviderKind::Cdn, "13.32.0.0/15".into()))
        );
        assert_eq!(
            hit("104.16.132.229"),
            Some(("cloudflare", ProviderKind::Cdn, "104.16.0.0/13".into()))
        );
    }

    #[cfg(feature = "providers-data")]
    #[test]
    fn v4_mapped_v6_uses_the_v4_table() {
        assert_eq!(hit("::ffff:104.16.132.229").map(|h| h.0), Some("cloudflare"));
    }

    #[test]
    fn nested_blocks_flatten_to_innermost() {
        let text = "10.0.0.0/8 aws cloud\n10.1.0.0/16 aws-cloudfront cdn\n10.1.2.0/24 aws cloud\n\
             0.0.0.0/0 cogent isp\n255.255.255.255/32 fastly cdn\n::/0 cogent isp\n\
             ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 fastly cdn\n";
        let t = RangeTable::parse(text);
        assert_eq!(super::super::rows_and_skipped(text, parse_line).1, 0);
        let at = |ip: &str| t.lookup(ip.parse().unwrap()).map(|h| h.cidr.to_string());
        assert_eq!(at("10.0.255.255").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(at("10.1.0.0").as_deref(), Some("10.1.0.0/16"));
        assert_eq!(at("10.1.1.255").as_deref(), Some("10.1.0.0/16"));
        assert_eq!(at("10.1.2.0").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(at("10.1.2.255").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(at("10.1.3.0").as_deref(), Some("10.1.0.0/16"));
        assert_eq!(at("10.2.0.0").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(at("11.0.0.0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(at("9.255.255.255").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(at("255.255.255.254").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(at("255.255.255.255").as_deref(), Some("255.255.255.255/32"));
        assert_eq!(at("0.0.0.0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(at("::1").as_deref(), Some("::/0"));
        assert_eq!(
            at("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").as_deref(),
            Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")
        );
    }

    /// Load and lookup cost, for the record (no timed assertion). Run with `cargo test
    /// --release --all-features --lib provider::ranges::tests::measure -- --ignored
    /// --nocapture`.
    #[test]
    #[ignore = "measurement, not a check"]
    fn measure_load_and_lookup() {
        use std::io::Write as _;
        use std::time::Instant;
        let start = Instant::now();
        let t = RangeTable::parse(DATA);
        let load = start.elapsed();
        let probes: Vec<IpAddr> = (0..1_000_000u32)
            .map(|i| {
                let x = i.wrapping_mul(2_654_435_761);
                if i % 4 == 0 {
                    IpAddr::from([0x2600, 0x9000, (x >> 16) as u16, x as u16, 0, 0, 0, 1])
                } else {
                    IpAddr::from(x.to_be_bytes())
                }
            })
            .collect();
        let start = Instant::now();
        let found = probes.iter().filter(|ip| t.lookup(**ip).is_some()).count();
        let per = start.elapsed() / u32::try_from(probes.len()).unwrap();
        writeln!(
            std::io::stderr(),
            "ranges: {} blocks, {} v4 + {} v6 segments; parse+build {load:?}; lookup {per:?} \
             per address ({found} of {} found)",
            t.len(),
            t.v4.starts.len(),
            t.v6.starts.len(),
            probes.len()
        )
        .unwrap();
    }

    #[test]
    fn malformed_lines_are_skipped_not_fatal() {
        let text = "# comment\n\n10.0.0.1/8 aws cloud\n10.0.0.0/8 nosuch cloud\n10.0.0.0/8 aws big\n\
             nonsense\n10.0.0.0/33 aws cloud\n10.0.0.0/8 aws cloud extra\n192.0.2.0/24 aws cloud\n";
        let t = RangeTable::parse(text);
        assert_eq!((t.len(), super::super::rows_and_skipped(text, parse_line).1), (1, 6));
    }
}
