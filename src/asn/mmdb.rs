//! [`MmdbSource`]: IP → ASN from a MaxMind-format database (GeoLite2-ASN, GeoIP2-ISP or any
//! `.mmdb` with the same field names), read into memory with the `maxminddb` crate.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::{IpNet, Ipv4Net};
use maxminddb::{MaxMindDbError, Reader, WithinOptions};
use serde::Deserialize;

use super::source::AsnSource;
use crate::error::{ConfigError, SourceError, SourceErrorKind};
use crate::future::BoxFuture;
use crate::record::{Asn, IpBlock};

/// The fields read from one database record (GeoLite2-ASN and GeoIP2-ISP names).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MmdbRecord<'a> {
    /// The origin AS number.
    pub(crate) autonomous_system_number: Option<u32>,
    /// The AS holder, as MaxMind names it.
    #[serde(borrow)]
    pub(crate) autonomous_system_organization: Option<&'a str>,
    /// GeoIP2-ISP: the organisation the network is assigned to.
    #[serde(borrow)]
    pub(crate) organization: Option<&'a str>,
    /// GeoIP2-ISP: the ISP.
    #[serde(borrow)]
    pub(crate) isp: Option<&'a str>,
}

impl MmdbRecord<'_> {
    /// The name to report: `autonomous_system_organization`, else `organization`, else `isp`
    /// (empty strings count as missing).
    pub(crate) fn name(&self) -> Option<&str> {
        [self.autonomous_system_organization, self.organization, self.isp]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|name| !name.is_empty())
    }
}

/// A MaxMind-format (`.mmdb`) ASN database, held in memory.
///
/// Reads `autonomous_system_number` and a name from `autonomous_system_organization`, else
/// `organization`, else `isp` (GeoIP2-ISP). A record without an AS number, or an address not
/// in the database, is `Ok(None)`. The answer's `prefix` is the database network holding the
/// address, in the address's family: an IPv4 address answered by a record above the IPv4
/// subtree of an IPv6 database (say `::/88`) gets `0.0.0.0/0`. Source name: `mmdb`.
///
/// Opening checks the database: it walks the whole search tree and decodes every distinct
/// record once, so a corrupt file (cyclic tree, broken pointers, bad data) is refused with a
/// [`ConfigError`] at open rather than failing lookup after lookup. The walk costs about as much
/// as reading the file (milliseconds for the test databases). Any corruption it cannot reach
/// (e.g. unreachable tree nodes) is harmless to lookups; a lookup that still meets corrupt data
/// gives a [`SourceErrorKind::Malformed`] error, never a panic.
pub struct MmdbSource {
    reader: Reader<Vec<u8>>,
    path: Option<PathBuf>,
}

impl fmt::Debug for MmdbSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmdbSource")
            .field("path", &self.path)
            .field("database_type", &self.database_type())
            .field("build_epoch", &self.build_epoch())
            .field("ip_version", &self.reader.metadata().ip_version)
            .finish()
    }
}

impl MmdbSource {
    /// Read the database at `path` into memory.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| ConfigError::AsnDatabase {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut source = Self::from_bytes_at(bytes, path)?;
        source.path = Some(path.to_path_buf());
        Ok(source)
    }

    /// Use a database already in memory. Errors name the path `<memory>`.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, ConfigError> {
        Self::from_bytes_at(bytes, Path::new("<memory>"))
    }

    fn from_bytes_at(bytes: Vec<u8>, path: &Path) -> Result<Self, ConfigError> {
        let invalid = |e: MaxMindDbError| ConfigError::AsnDatabase {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let reader = Reader::from_source(bytes).map_err(invalid)?;
        check(&reader).map_err(invalid)?;
        Ok(Self { reader, path: None })
    }

    /// The database type from its metadata, e.g. `GeoLite2-ASN` or `GeoIP2-ISP`.
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// When the database was built, in seconds since the Unix epoch (from its metadata).
    pub fn build_epoch(&self) -> u64 {
        self.reader.metadata().build_epoch
    }

    /// The answer for `ip`, without the async wrapper.
    fn lookup_now(&self, ip: IpAddr) -> Result<Option<Asn>, SourceError> {
        let ip = ip.to_canonical();
        if ip.is_ipv6() && self.reader.metadata().ip_version == 4 {
            // An IPv4-only database cannot hold this address.
            return Ok(None);
        }
        let malformed = |e: MaxMindDbError| {
            SourceError::new(SourceErrorKind::Malformed, format!("the database lookup failed: {e}"))
        };
        let result = self.reader.lookup(ip).map_err(malformed)?;
        if !result.has_data() {
            return Ok(None);
        }
        let Some(record) = result.decode::<MmdbRecord<'_>>().map_err(malformed)? else {
            return Ok(None);
        };
        let Some(number) = record.autonomous_system_number else {
            return Ok(None);
        };
        let mut asn = Asn::new(number, record.name().map(str::to_owned), self.name());
        asn.prefix = match result.network() {
            // A record above the IPv4 subtree of an IPv6 database (`::/88`, so at most
            // `::/96`) holds every IPv4 address: an IPv4 answer reports all of IPv4.
            Ok(network) if ip.is_ipv4() && network.is_ipv6() && network.prefix() <= 96 => {
                Some(IpBlock::Net(IpNet::V4(Ipv4Net::default())))
            }
            Ok(network) => IpNet::new(network.ip(), network.prefix()).ok().map(IpBlock::Net),
            Err(e) => {
                tracing::debug!(%ip, error = %e, "ASN database gave no network for the answer");
                None
            }
        };
        Ok(Some(asn))
    }
}

/// Walk every network of `reader` and decode each distinct record once.
fn check(reader: &Reader<Vec<u8>>) -> Result<(), MaxMindDbError> {
    let mut decoded = HashSet::new();
    for item in reader.networks(WithinOptions::default())? {
        let found = item?;
        if let Some(offset) = found.offset()
            && decoded.insert(offset)
        {
            found.decode::<MmdbRecord<'_>>()?;
        }
    }
    Ok(())
}

impl AsnSource for MmdbSource {
    fn name(&self) -> &str {
        "mmdb"
    }

    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<Asn>, SourceError>> {
        let answer = self.lookup_now(ip);
        Box::pin(std::future::ready(answer))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mmdb");

    fn open(name: &str) -> MmdbSource {
        MmdbSource::open(format!("{DIR}/{name}")).unwrap()
    }

    /// (number, name, prefix) for `ip`; expected values read from
    /// tests/fixtures/mmdb/source-data/*.json.
    fn answer(source: &MmdbSource, ip: &str) -> Option<(u32, Option<String>, String)> {
        source
            .lookup_now(ip.parse().unwrap())
            .unwrap()
            .map(|a| (a.number, a.name, a.prefix.unwrap().to_string()))
    }

    fn some(
        number: u32,
        name: Option<&str>,
        prefix: &str,
    ) -> Option<(u32, Option<String>, String)> {
        Some((number, name.map(str::to_owned), prefix.to_owned()))
    }

    #[test]
    fn geolite2_asn_answers() {
        let db = open("GeoLite2-ASN-Test.mmdb");
        // {"1.0.0.0/24": {15169, "Google Inc."}}
        assert_eq!(answer(&db, "1.0.0.1"), some(15169, Some("Google Inc."), "1.0.0.0/24"));
        // {"1.128.0.0/11": {1221, "Telstra Pty Ltd"}}: first and last address.
        let telstra = some(1221, Some("Telstra Pty Ltd"), "1.128.0.0/11");
        assert_eq!(answer(&db, "1.128.0.0"), telstra);
        assert_eq!(answer(&db, "1.159.255.255"), telstra);
        // {"12.81.96.0/19": {"autonomous_system_number": 7018}}: no organisation.
        assert_eq!(answer(&db, "12.81.96.5"), some(7018, None, "12.81.96.0/19"));
        // {"149.101.100.0/28": {6167, "CELLCO-PART"}}
        assert_eq!(
            answer(&db, "149.101.100.1"),
            some(6167, Some("CELLCO-PART"), "149.101.100.0/28")
        );
        // IPv6: {"2c0f:ff40::/26": {10474, "MWEB-10474"}}, {"2600:6000::/20": {237, "Merit …"}}
        assert_eq!(answer(&db, "2c0f:ff40::1"), some(10474, Some("MWEB-10474"), "2c0f:ff40::/26"));
        assert_eq!(
            answer(&db, "2600:6000::abcd"),
            some(237, Some("Merit Network Inc."), "2600:6000::/20")
        );
        // IPv4-mapped IPv6 is looked up as IPv4.
        assert_eq!(answer(&db, "::ffff:1.0.0.1"), some(15169, Some("Google Inc."), "1.0.0.0/24"));
        // Not in the source data.
        for ip in ["8.8.8.8", "127.0.0.1", "1.0.1.0", "::1", "2001:db8::1"] {
            assert_eq!(answer(&db, ip), None, "{ip}");
        }
    }

    #[test]
    fn geoip2_isp_answers_and_name_fallback() {
        let db = open("GeoIP2-ISP-Test.mmdb");
        // "::149.101.100.0/124": ASN 6167, aso CELLCO-PART, isp/org Verizon Wireless.
        assert_eq!(
            answer(&db, "149.101.100.1"),
            some(6167, Some("CELLCO-PART"), "149.101.100.0/28")
        );
        // "::1.128.0.0/107": aso "Telstra Pty Ltd" wins over organization "Telstra Internet".
        assert_eq!(answer(&db, "1.130.0.1"), some(1221, Some("Telstra Pty Ltd"), "1.128.0.0/11"));
        // "::12.81.96.0/115": ASN 7018, no aso, organization "AT&T Services".
        assert_eq!(answer(&db, "12.81.96.5"), some(7018, Some("AT&T Services"), "12.81.96.0/19"));
        // "::64.17.254.216/125": ASN 33224, organization "Karlin Peebles LLP", isp "Towerstream I".
        assert_eq!(
            answer(&db, "64.17.254.220"),
            some(33224, Some("Karlin Peebles LLP"), "64.17.254.216/29")
        );
        // "::64.17.248.0/118": ASN 33224 and nothing else.
        assert_eq!(answer(&db, "64.17.248.1"), some(33224, None, "64.17.248.0/22"));
        // "::8.0.0.0/107": isp/org Level 3 but no AS number → no answer.
        assert_eq!(answer(&db, "8.8.8.8"), None);
        // "::24.38.243.141/128": only an organization.
        assert_eq!(answer(&db, "24.38.243.141"), None);
        // "2c0f:ff80::/25": all four fields, aso first.
        assert_eq!(
            answer(&db, "2c0f:ff80::1"),
            some(237, Some("Merit Network Inc."), "2c0f:ff80::/25")
        );
    }

    #[test]
    fn metadata_is_exposed() {
        let asn = open("GeoLite2-ASN-Test.mmdb");
        assert_eq!(asn.database_type(), "GeoLite2-ASN");
        // build_epoch 1770245369 per tests/fixtures SOURCES (2026-02-04).
        assert_eq!(asn.build_epoch(), 1_770_245_369);
        let isp = open("GeoIP2-ISP-Test.mmdb");
        assert_eq!(isp.database_type(), "GeoIP2-ISP");
        let debug = format!("{isp:?}");
        assert!(debug.contains("GeoIP2-ISP") && debug.contains("GeoIP2-ISP-Test.mmdb"), "{debug}");
    }

    #[test]
    fn from_bytes_matches_open() {
        let bytes = std::fs::read(format!("{DIR}/GeoLite2-ASN-Test.mmdb")).unwrap();
        let db = MmdbSource::from_bytes(bytes).unwrap();
        assert_eq!(answer(&db, "1.0.0.1"), some(15169, Some("Google Inc."), "1.0.0.0/24"));
    }

    #[tokio::test]
    async fn trait_lookup_sets_the_source_name() {
        let db = open("GeoLite2-ASN-Test.mmdb");
        assert_eq!(db.name(), "mmdb");
        let asn = db.lookup("1.0.0.1".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(asn.source, crate::record::AsnSourceName::Mmdb);
        assert!(asn.other_origins.is_empty());
        assert_eq!(db.lookup("8.8.8.8".parse().unwrap()).await.unwrap(), None);
    }

    #[test]
    fn not_a_database_is_a_config_error() {
        let err = MmdbSource::from_bytes(b"not a database".to_vec()).unwrap_err();
        assert!(matches!(err, ConfigError::AsnDatabase { .. }), "{err:?}");
        assert!(err.to_string().contains("<memory>"), "{err}");
        let err = MmdbSource::from_bytes(Vec::new()).unwrap_err();
        assert!(matches!(err, ConfigError::AsnDatabase { .. }), "{err:?}");
        let err = MmdbSource::open("/nonexistent/whohosts.mmdb").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/whohosts.mmdb"), "{err}");
    }

    #[test]
    fn broken_databases_fail_without_panicking() {
        let ips: Vec<IpAddr> = [
            "1.1.1.1",
            "1.1.1.16",
            "81.2.69.160",
            "89.160.20.128",
            "2.125.160.216",
            "216.160.83.56",
            "::1",
            "2001:218::1",
            "2a02:d280::1",
            "0.0.0.0",
            "255.255.255.255",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let mut refused = Vec::new();
        for entry in std::fs::read_dir(format!("{DIR}/broken")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("mmdb") {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match MmdbSource::open(&path) {
                Err(e) => {
                    assert!(matches!(e, ConfigError::AsnDatabase { .. }), "{name}: {e:?}");
                    refused.push(name);
                }
                Ok(db) => {
                    // Opened despite its name: every lookup must still be an answer or an
                    // error, never a panic.
                    for ip in &ips {
                        match db.lookup_now(*ip) {
                            Ok(answer) => assert_eq!(answer, None, "{name} {ip}"),
                            Err(e) => assert_eq!(e.kind(), SourceErrorKind::Malformed, "{name}"),
                        }
                    }
                    // Its corrupt nodes are unreachable from the root (other readers, e.g.
                    // maxminddb-golang, also accept it; only a strict verify() rejects it, and
                    // then for its empty metadata description).
                    assert_eq!(name, "libmaxminddb-corrupt-search-tree.mmdb");
                }
            }
        }
        refused.sort();
        assert_eq!(
            refused,
            [
                "GeoIP2-City-Test-Broken-Double-Format.mmdb",
                "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
                "MaxMind-DB-test-broken-pointers-24.mmdb",
                "MaxMind-DB-test-broken-search-tree-24.mmdb",
                "cyclic-data-structure.mmdb",
                "invalid-data-record-offset.mmdb",
                "invalid-string-length.mmdb",
                "libmaxminddb-deep-nesting.mmdb",
                "libmaxminddb-metadata-marker-only.mmdb",
                "libmaxminddb-offset-integer-overflow.mmdb",
                "unexpected-bytes.mmdb",
            ]
        );
    }

    #[test]
    fn corrupt_data_met_at_lookup_is_malformed_not_a_panic() {
        // Without the open-time check, the deep-nesting file fails at lookup.
        let bytes = std::fs::read(format!("{DIR}/broken/libmaxminddb-deep-nesting.mmdb")).unwrap();
        let db = MmdbSource { reader: Reader::from_source(bytes).unwrap(), path: None };
        let err = db.lookup_now("1.1.1.1".parse().unwrap()).unwrap_err();
        assert_eq!(err.kind(), SourceErrorKind::Malformed);
        assert!(err.message().contains("maximum data structure depth"), "{err}");
    }

    #[test]
    fn name_prefers_aso_then_organization_then_isp() {
        let rec = |aso, org, isp| MmdbRecord {
            autonomous_system_number: Some(1),
            autonomous_system_organization: aso,
            organization: org,
            isp,
        };
        assert_eq!(rec(Some("A"), Some("O"), Some("I")).name(), Some("A"));
        assert_eq!(rec(None, Some("O"), Some("I")).name(), Some("O"));
        assert_eq!(rec(None, None, Some("I")).name(), Some("I"));
        assert_eq!(rec(Some(" "), Some(""), Some("I")).name(), Some("I"));
        assert_eq!(rec(None, None, None).name(), None);
    }
}

#[cfg(test)]
mod open_database_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::Path;

    use crate::asn::open_database;
    use crate::error::ConfigError;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

    #[tokio::test]
    async fn chooses_the_reader_by_extension() {
        let mmdb = open_database(&Path::new(FIXTURES).join("mmdb/GeoLite2-ASN-Test.mmdb")).unwrap();
        assert_eq!(mmdb.name(), "mmdb");
        let asn = mmdb.lookup("1.0.0.1".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(asn.number, 15169);
        let csv = open_database(&Path::new(FIXTURES).join("asn/asn-ipv4-slice.csv")).unwrap();
        assert_eq!(csv.name(), "csv");
        let asn = csv.lookup("8.8.8.8".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(asn.number, 15169);
    }

    #[test]
    fn unknown_or_missing_files_are_config_errors() {
        for name in ["asn/README.md", "asn/DBIP-LICENSE", "mmdb"] {
            let err = open_database(&Path::new(FIXTURES).join(name)).unwrap_err();
            let ConfigError::AsnDatabase { path, reason } = &err else { panic!("{err:?}") };
            assert!(path.ends_with(name));
            assert!(reason.contains(".mmdb") && reason.contains(".csv"), "{reason}");
        }
        let err = open_database(Path::new("/nonexistent/asn.CSV")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/asn.CSV"), "{err}");
        let err = open_database(Path::new("/nonexistent/asn.mmdb")).unwrap_err();
        assert!(matches!(err, ConfigError::AsnDatabase { .. }));
    }
}

/// Property tests (issue #8): arbitrary bytes and mutated copies of
/// `tests/fixtures/mmdb/GeoLite2-ASN-Test.mmdb` (flipped bytes, truncation, overwritten and
/// inserted spans, anywhere or in the metadata) open or are refused with a [`ConfigError`],
/// and a database that opens answers every lookup with a value whose prefix holds the
/// address, or a `Malformed` error. The unmutated database answers as its source data
/// (`tests/fixtures/mmdb/source-data/GeoLite2-ASN-Test.json`) says. Cases per property:
/// `WHOHOSTS_PROPTEST_CASES` (default 256); regression inputs: `tests/corpus/mmdb/`.
#[cfg(test)]
mod prop_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::sync::OnceLock;

    use ipnet::IpNet;
    use proptest::prelude::*;
    use proptest::sample::Index;
    use proptest::test_runner::Config as ProptestConfig;

    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mmdb");

    /// The shared property-test configuration (fixed seed, 256 cases by default).
    fn config() -> ProptestConfig {
        crate::test_support::proptest_config()
    }

    fn original() -> &'static [u8] {
        static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
        BYTES.get_or_init(|| std::fs::read(format!("{DIR}/GeoLite2-ASN-Test.mmdb")).unwrap())
    }

    /// The source data: (network, AS number, organisation), in file order.
    fn source_data() -> &'static [(IpNet, Option<u32>, Option<String>)] {
        #[allow(clippy::type_complexity, reason = "test table: network, ASN, name")]
        static DATA: OnceLock<Vec<(IpNet, Option<u32>, Option<String>)>> = OnceLock::new();
        DATA.get_or_init(|| {
            let text = std::fs::read_to_string(format!("{DIR}/source-data/GeoLite2-ASN-Test.json"))
                .unwrap();
            let entries: Vec<serde_json::Map<String, serde_json::Value>> =
                serde_json::from_str(&text).unwrap();
            entries
                .iter()
                .flat_map(|e| e.iter())
                .map(|(net, v)| {
                    let asn =
                        v["autonomous_system_number"].as_u64().map(|n| u32::try_from(n).unwrap());
                    let org = v["autonomous_system_organization"].as_str().map(str::to_owned);
                    (net.parse().unwrap(), asn, org)
                })
                .collect()
        })
    }

    /// Where the metadata starts (after the `\xAB\xCD\xEFMaxMind.com` marker).
    fn metadata_start(bytes: &[u8]) -> usize {
        let marker = b"\xAB\xCD\xEFMaxMind.com";
        bytes.windows(marker.len()).rposition(|w| w == marker).map_or(0, |at| at + marker.len())
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Flip(Index, u8),
        Truncate(Index),
        Overwrite(Index, Vec<u8>),
        Insert(Index, Vec<u8>),
        /// Overwrite inside the metadata map.
        Metadata(Index, Vec<u8>),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let bytes = || proptest::collection::vec(any::<u8>(), 1..16);
        prop_oneof![
            4 => (any::<Index>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
            1 => any::<Index>().prop_map(Mutation::Truncate),
            2 => (any::<Index>(), bytes()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
            1 => (any::<Index>(), bytes()).prop_map(|(i, b)| Mutation::Insert(i, b)),
            2 => (any::<Index>(), bytes()).prop_map(|(i, b)| Mutation::Metadata(i, b)),
        ]
    }

    fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
        let n = bytes.len();
        match m {
            Mutation::Flip(i, x) if n > 0 => bytes[i.index(n)] ^= x,
            Mutation::Truncate(i) => bytes.truncate(i.index(n + 1)),
            Mutation::Overwrite(i, b) if n > 0 => {
                let at = i.index(n);
                let end = (at + b.len()).min(n);
                bytes[at..end].copy_from_slice(&b[..end - at]);
            }
            Mutation::Insert(i, b) => {
                let at = i.index(n + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Mutation::Metadata(i, b) => {
                let start = metadata_start(bytes);
                if start < n {
                    let at = start + i.index(n - start);
                    let end = (at + b.len()).min(n);
                    bytes[at..end].copy_from_slice(&b[..end - at]);
                }
            }
            _ => {}
        }
    }

    /// Addresses worth asking: the source networks' edges and around them, and fixed ones.
    fn probe_set(picks: &[(Index, bool)]) -> Vec<IpAddr> {
        let data = source_data();
        let mut out: Vec<IpAddr> =
            ["0.0.0.0", "255.255.255.255", "::", "::1", "::ffff:1.0.0.1", "2001:db8::1"]
                .iter()
                .map(|s| s.parse().unwrap())
                .collect();
        for (pick, last) in picks {
            let net = pick.get(data).0;
            out.push(if *last { net.broadcast() } else { net.network() });
        }
        out
    }

    /// A database that opened: every answer's prefix holds the address; failures are
    /// `Malformed`.
    fn probe(db: &MmdbSource, ips: &[IpAddr]) {
        for &ip in ips {
            match db.lookup_now(ip) {
                Ok(Some(asn)) => {
                    assert_eq!(asn.source, crate::record::AsnSourceName::Mmdb);
                    if let Some(prefix) = &asn.prefix {
                        let net: IpNet = prefix.to_string().parse().unwrap();
                        let ip = ip.to_canonical();
                        assert!(net.contains(&ip), "{ip} outside {prefix}");
                    }
                }
                Ok(None) => {}
                Err(e) => assert_eq!(e.kind(), SourceErrorKind::Malformed, "{e:?}"),
            }
        }
    }

    fn open_and_probe(bytes: Vec<u8>, ips: &[IpAddr]) {
        match MmdbSource::from_bytes(bytes) {
            Ok(db) => probe(&db, ips),
            Err(e) => assert!(matches!(e, ConfigError::AsnDatabase { .. }), "{e:?}"),
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn arbitrary_bytes_open_or_are_refused(
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            open_and_probe(bytes, &probe_set(&[]));
        }

        /// Arbitrary bytes followed by a metadata marker and a metadata-like tail.
        #[test]
        fn arbitrary_bytes_with_a_metadata_marker(
            head in proptest::collection::vec(any::<u8>(), 0..256),
            tail_from in any::<Index>(),
        ) {
            let original = original();
            let start = metadata_start(original) - 14;
            let tail = &original[start + tail_from.index(original.len() - start)..];
            let mut bytes = head;
            bytes.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
            bytes.extend_from_slice(tail);
            open_and_probe(bytes, &probe_set(&[]));
        }

        #[test]
        fn mutated_databases_open_or_are_refused(
            mutations in proptest::collection::vec(mutation(), 1..5),
            picks in proptest::collection::vec((any::<Index>(), any::<bool>()), 8),
        ) {
            let mut bytes = original().to_vec();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            open_and_probe(bytes, &probe_set(&picks));
        }

        /// The unmutated database answers as the source data says: the most specific source
        /// network holding the address, its AS number and organisation; v4-mapped IPv6 as
        /// IPv4.
        #[test]
        fn lookups_match_the_source_data(
            picks in proptest::collection::vec((any::<Index>(), any::<u128>()), 8),
            v4 in any::<u32>(),
        ) {
            static DB: OnceLock<MmdbSource> = OnceLock::new();
            let db = DB.get_or_init(|| MmdbSource::from_bytes(original().to_vec()).unwrap());
            let data = source_data();
            let mut ips: Vec<IpAddr> = picks
                .iter()
                .map(|(pick, noise)| {
                    // An address inside a source network (host bits from `noise`).
                    let net = pick.get(data).0;
                    match net {
                        IpNet::V4(n) => {
                            let mask = u128::from(!u32::from(n.netmask()));
                            let host = u32::try_from(noise & mask).unwrap();
                            IpAddr::V4(Ipv4Addr::from(u32::from(n.network()) | host))
                        }
                        IpNet::V6(n) => {
                            let host = noise & !u128::from(n.netmask());
                            IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) | host))
                        }
                    }
                })
                .collect();
            ips.push(IpAddr::V4(Ipv4Addr::from(v4)));
            for ip in ips {
                let best = data
                    .iter()
                    .filter(|(net, _, _)| net.contains(&ip))
                    .max_by_key(|(net, _, _)| net.prefix_len());
                let want =
                    best.and_then(|(_, asn, org)| Some(((*asn)?, org.clone())));
                let got = db.lookup_now(ip).unwrap().map(|a| (a.number, a.name, a.prefix.unwrap().to_string()));
                prop_assert_eq!(got.clone().map(|(n, o, _)| (n, o)), want.clone(), "{}", ip);
                if let Some((number, org, prefix)) = &got {
                    // The database merges neighbours with the same data (`70.46.64.0/19`,
                    // `70.46.96.0/20`, … answer as `70.46.64.0/18`): the prefix holds the
                    // address and only source networks with the same data.
                    let prefix: IpNet = prefix.parse().unwrap();
                    prop_assert!(prefix.contains(&ip), "{} outside {}", ip, prefix);
                    for (net, asn, o) in data.iter().filter(|(n, _, _)| prefix.contains(n)) {
                        prop_assert_eq!((asn, o), (&Some(*number), org), "{} in {}", net, prefix);
                    }
                }
                if let IpAddr::V4(v4) = ip {
                    let mapped = db.lookup_now(IpAddr::V6(v4.to_ipv6_mapped())).unwrap();
                    prop_assert_eq!(mapped.map(|a| (a.number, a.name, a.prefix.unwrap().to_string())), got);
                }
            }
        }
    }

    /// Found by `mutated_databases_open_or_are_refused`: one flipped bit (byte 499 of the
    /// GeoLite2 test database) puts a record at `::/88`, above the IPv4 subtree, and IPv4
    /// addresses are then answered with the IPv6 prefix `::/88` (a valid IPv6 database can
    /// hold such a record too). The `prefix` of an IPv4 answer should be an IPv4 network
    /// (here `0.0.0.0/0`, all of IPv4 being inside `::/88`), as it now is.
    #[test]
    fn record_above_the_ipv4_subtree_gives_an_ipv4_prefix() {
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "tests/corpus/mmdb/geolite2-asn-flip-byte-499-ipv4-answer-with-ipv6-prefix.mmdb",
        ))
        .unwrap();
        let db = MmdbSource::from_bytes(bytes).unwrap();
        let answer = db.lookup_now("0.0.0.0".parse().unwrap());
        let prefix: IpNet = answer.unwrap().unwrap().prefix.unwrap().to_string().parse().unwrap();
        assert!(matches!(prefix, IpNet::V4(_)), "{prefix}");
        assert_eq!(prefix.to_string(), "0.0.0.0/0");
    }

    /// Every file of `tests/corpus/mmdb/` opens or is refused, and lookups do not panic.
    #[test]
    fn corpus_files_do_not_panic() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/mmdb");
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        for entry in entries {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            open_and_probe(bytes, &probe_set(&[]));
        }
    }
}
