//! Data that stays fresh: a refresh against a loopback file server (standing in for
//! data.iana.org, www.iana.org and a range/ASN mirror) swaps the files into a data
//! directory, asks again with `If-None-Match` (304: unchanged), refuses a corrupt download
//! and keeps the old file, and clients read what it wrote — with the data versions in each
//! record.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use whohosts::{Client, Config, DataSet, RangeList, Refresher, SetOutcome};
use whohosts_testing::World;

const DNS: &str = include_str!("../../data/bootstrap/dns.json");
const IPV4: &str = include_str!("../../data/bootstrap/ipv4.json");
const IPV6: &str = include_str!("../../data/bootstrap/ipv6.json");
const ASN: &str = include_str!("../../data/bootstrap/asn.json");
const RANGES: &str = include_str!("../../data/providers/ranges.txt");
const REGISTRARS: &str = include_str!("../../data/registrars/iana-registrar-ids.csv");
const ASN_DB: &[u8] = include_bytes!("../fixtures/mmdb/GeoLite2-ASN-Test.mmdb");

/// One file the server serves: body, `ETag`, `Last-Modified`.
#[derive(Clone)]
struct Served {
    body: Vec<u8>,
    etag: String,
    last_modified: String,
}

/// What the server saw: (path, `If-None-Match` sent), in order.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A loopback HTTP/1.1 file server: 200 with `ETag` and `Last-Modified`, or 304 when the
/// request's `If-None-Match` is the file's ETag; 404 for other paths.
struct FileServer {
    base: String,
    files: Arc<Mutex<HashMap<String, Served>>>,
    seen: Seen,
}

impl FileServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<HashMap<String, Served>>> = Arc::default();
        let seen: Seen = Arc::default();
        let (f, s) = (Arc::clone(&files), Arc::clone(&seen));
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (files, seen) = (Arc::clone(&f), Arc::clone(&s));
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
                    let if_none_match = head.lines().find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("if-none-match").then(|| value.trim().to_owned())
                    });
                    seen.lock().unwrap().push((path.clone(), if_none_match.clone()));
                    let file = files.lock().unwrap().get(&path).cloned();
                    let mut out = match file {
                        Some(f) if if_none_match.as_deref() == Some(f.etag.as_str()) => format!(
                            "HTTP/1.1 304 Not Modified\r\nETag: {}\r\nConnection: close\r\n\r\n",
                            f.etag
                        )
                        .into_bytes(),
                        Some(f) => {
                            let mut out = format!(
                                "HTTP/1.1 200 OK\r\nETag: {}\r\nLast-Modified: {}\r\n\
                                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                                f.etag,
                                f.last_modified,
                                f.body.len()
                            )
                            .into_bytes();
                            out.extend_from_slice(&f.body);
                            out
                        }
                        None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec(),
                    };
                    let _ = stream.write_all(&out).await;
                    out.clear();
                });
            }
        });
        Self { base, files, seen }
    }

    fn serve(&self, path: &str, body: impl Into<Vec<u8>>, etag: &str, last_modified: &str) {
        let served = Served {
            body: body.into(),
            etag: etag.to_owned(),
            last_modified: last_modified.to_owned(),
        };
        self.files.lock().unwrap().insert(path.to_owned(), served);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The requests seen so far, and forget them.
    fn take_seen(&self) -> Vec<(String, Option<String>)> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// A bootstrap file as IANA would publish it on 2026-11-30.
fn republished(text: &str) -> String {
    let mut json: serde_json::Value = serde_json::from_str(text).unwrap();
    json["publication"] = "2026-11-30T19:00:01Z".into();
    serde_json::to_string_pretty(&json).unwrap()
}

/// The shipped range table with 3.0.0.0/15 moved from AWS to Linode (synthesised, so that
/// a lookup shows which table answered).
fn ranges_moved() -> String {
    let moved = RANGES.replace("\n3.0.0.0/15 aws cloud\n", "\n3.0.0.0/15 linode cloud\n");
    assert_ne!(moved, RANGES);
    moved
}

const PATHS: [(DataSet, &str); 7] = [
    (DataSet::BootstrapDns, "/rdap/dns.json"),
    (DataSet::BootstrapIpv4, "/rdap/ipv4.json"),
    (DataSet::BootstrapIpv6, "/rdap/ipv6.json"),
    (DataSet::BootstrapAsn, "/rdap/asn.json"),
    (DataSet::ProviderRanges, "/ranges.txt"),
    (DataSet::Registrars, "/registrar-ids-1.csv"),
    (DataSet::AsnDatabase, "/GeoLite2-ASN.mmdb"),
];

/// A server with every set, valid.
async fn server() -> FileServer {
    let server = FileServer::start().await;
    let day = "Mon, 30 Nov 2026 19:00:01 GMT";
    server.serve("/rdap/dns.json", republished(DNS), "\"dns-1\"", day);
    server.serve("/rdap/ipv4.json", republished(IPV4), "\"ipv4-1\"", day);
    server.serve("/rdap/ipv6.json", republished(IPV6), "\"ipv6-1\"", day);
    server.serve("/rdap/asn.json", republished(ASN), "\"asn-1\"", day);
    server.serve("/ranges.txt", ranges_moved(), "\"ranges-1\"", "Wed, 25 Nov 2026 10:00:00 GMT");
    server.serve("/registrar-ids-1.csv", REGISTRARS, "\"registrars-1\"", day);
    server.serve("/GeoLite2-ASN.mmdb", ASN_DB, "\"asn-db-1\"", day);
    server
}

/// A refresher into `dir` that may ask the loopback server.
fn refresher(server: &FileServer, dir: &Path) -> Refresher {
    let mut config = Config::default();
    config.safety.allow_http = true;
    config.safety.allow_private = true;
    config.nameservers = vec!["127.0.0.1:9".parse().unwrap()];
    let mut refresher = Refresher::new(&config, dir).unwrap();
    for (set, path) in PATHS {
        refresher = refresher.url(set, &server.url(path)).unwrap();
    }
    refresher
}

fn outcomes(report: &whohosts::RefreshReport) -> Vec<(&'static str, SetOutcome, Option<String>)> {
    report.sets.iter().map(|s| (s.set.as_str(), s.outcome.clone(), s.version.clone())).collect()
}

fn version(
    set: &str,
    outcome: SetOutcome,
    date: &str,
) -> (&'static str, SetOutcome, Option<String>) {
    let name = DataSet::ALL.into_iter().find(|s| s.as_str() == set).unwrap().as_str();
    (name, outcome, Some(date.to_owned()))
}

/// A world whose Cymru answer puts 3.0.1.10 in AS16509 (Amazon), and a client of it reading
/// `dir`.
async fn world_client(dir: &Path) -> (World, Client) {
    let world = World::recorded()
        .a("shop.cloudflare.com", "3.0.1.10")
        .cymru_origin("3.0.0.0/15", &[16509], "US", "arin", "2018-04-13")
        .cymru_as_name(16509, "AMAZON-02, US")
        .start()
        .await
        .unwrap();
    let client = world.client_builder().data_dir(dir).build().unwrap();
    (world, client)
}

#[tokio::test]
async fn refresh_swaps_files_in_then_asks_with_if_none_match() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let refresher = refresher(&server, dir.path());

    let report = refresher.refresh().await;
    assert_eq!(
        outcomes(&report),
        vec![
            version("bootstrap_dns", SetOutcome::Updated, "2026-11-30"),
            version("bootstrap_ipv4", SetOutcome::Updated, "2026-11-30"),
            version("bootstrap_ipv6", SetOutcome::Updated, "2026-11-30"),
            version("bootstrap_asn", SetOutcome::Updated, "2026-11-30"),
            version("provider_ranges", SetOutcome::Updated, "2026-11-25"),
            version("registrars", SetOutcome::Updated, "2026-11-30"),
            // The MaxMind test database's build_epoch 1770245369.
            version("asn_database", SetOutcome::Updated, "2026-02-04"),
        ]
    );
    assert!(report.all_ok());
    // The first round sends no validators: one plain GET per file.
    let seen = server.take_seen();
    let expected: Vec<_> = PATHS.iter().map(|(_, p)| ((*p).to_owned(), None)).collect();
    assert_eq!(seen, expected);
    // The files are in place, byte for byte, with their metadata beside them.
    let ranges = std::fs::read_to_string(dir.path().join("providers/ranges.txt")).unwrap();
    assert_eq!(ranges, ranges_moved());
    assert_eq!(std::fs::read(dir.path().join("asn/asn.mmdb")).unwrap(), ASN_DB);
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("providers/ranges.txt.meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["url"], server.url("/ranges.txt"));
    assert_eq!(meta["etag"], "\"ranges-1\"");
    assert_eq!(meta["last_modified"], "Wed, 25 Nov 2026 10:00:00 GMT");
    assert_eq!(meta["size"], ranges_moved().len());
    assert_eq!(meta["data_date"], "2026-11-25");

    // Second round: every request carries the stored ETag; every answer is a 304.
    let report = refresher.refresh().await;
    let unchanged: Vec<_> = outcomes(&report).into_iter().map(|o| (o.0, o.1)).collect();
    assert_eq!(unchanged, DataSet::ALL.map(|s| (s.as_str(), SetOutcome::Unchanged)).to_vec());
    assert_eq!(report.get(DataSet::ProviderRanges).unwrap().version.as_deref(), Some("2026-11-25"));
    let seen = server.take_seen();
    let etags = [
        "\"dns-1\"",
        "\"ipv4-1\"",
        "\"ipv6-1\"",
        "\"asn-1\"",
        "\"ranges-1\"",
        "\"registrars-1\"",
        "\"asn-db-1\"",
    ];
    let expected: Vec<_> = PATHS
        .iter()
        .zip(etags)
        .map(|((_, p), etag)| ((*p).to_owned(), Some(etag.to_owned())))
        .collect();
    assert_eq!(seen, expected, "one conditional request per file");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("providers/ranges.txt")).unwrap(),
        ranges_moved()
    );

    // A client reading the directory uses the refreshed files and names their dates.
    let plain = Client::builder().data_dir(dir.path()).build().unwrap();
    let versions = plain.data_versions();
    let dates: Vec<_> = versions.iter().map(|v| (v.set, v.date.clone().unwrap())).collect();
    assert_eq!(
        dates,
        vec![
            ("bootstrap", "2026-11-30".to_owned()),
            ("provider_ranges", "2026-11-25".to_owned()),
            ("registrars", "2026-11-30".to_owned()),
            ("asn_database", "2026-02-04".to_owned()),
        ]
    );
    assert_eq!(
        versions[1].file.as_deref(),
        Some(dir.path().join("providers/ranges.txt").as_path())
    );

    let (_world, client) = world_client(dir.path()).await;
    let record = client.lookup("3.0.1.10").await.unwrap();
    let data = record.data.clone().unwrap();
    assert_eq!(data.provider_ranges.as_deref(), Some("2026-11-25"));
    assert_eq!(data.registrars.as_deref(), Some("2026-11-30"));
    assert_eq!(data.asn_database.as_deref(), Some("2026-02-04"));
    let provider = record.addresses[0].hosting_provider.as_ref().unwrap();
    // The refreshed table (3.0.0.0/15 moved to Linode) answered, not the shipped one.
    assert_eq!(provider.id.as_deref(), Some("linode"));
    assert_eq!(provider.evidence[0].detail, "3.0.0.0/15");
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["schema_version"], 4);
    assert_eq!(json["data"]["provider_ranges"], "2026-11-25");
}

#[tokio::test]
async fn a_corrupt_download_is_refused_and_the_old_file_kept_and_used() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let refresher = refresher(&server, dir.path());
    assert!(refresher.refresh().await.all_ok());
    server.take_seen();

    // The next publication is cut short: half of each file, with new ETags.
    let day = "Tue, 01 Dec 2026 19:00:01 GMT";
    let dns = republished(DNS);
    server.serve("/rdap/dns.json", &dns.as_bytes()[..dns.len() / 2], "\"dns-2\"", day);
    let ranges = ranges_moved();
    server.serve("/ranges.txt", &ranges.as_bytes()[..4_000], "\"ranges-2\"", day);
    server.serve("/GeoLite2-ASN.mmdb", &ASN_DB[..ASN_DB.len() / 2], "\"asn-db-2\"", day);

    let report = refresher.refresh().await;
    let dns_report = report.get(DataSet::BootstrapDns).unwrap();
    let SetOutcome::Refused(why) = &dns_report.outcome else { panic!("{dns_report:?}") };
    assert!(why.starts_with("invalid JSON: EOF while parsing"), "{why}");
    // The version is the one still in place.
    assert_eq!(dns_report.version.as_deref(), Some("2026-11-30"));
    let ranges_report = report.get(DataSet::ProviderRanges).unwrap();
    let SetOutcome::Refused(why) = &ranges_report.outcome else { panic!("{ranges_report:?}") };
    assert!(why.ends_with(" usable range rows, fewer than 1000"), "{why}");
    assert_eq!(ranges_report.version.as_deref(), Some("2026-11-25"));
    let db_report = report.get(DataSet::AsnDatabase).unwrap();
    assert!(matches!(db_report.outcome, SetOutcome::Refused(_)), "{db_report:?}");
    assert_eq!(report.get(DataSet::Registrars).unwrap().outcome, SetOutcome::Unchanged);
    assert!(!report.all_ok());

    // The old files are untouched, with their metadata.
    assert_eq!(std::fs::read_to_string(dir.path().join("bootstrap/dns.json")).unwrap(), dns);
    assert_eq!(std::fs::read_to_string(dir.path().join("providers/ranges.txt")).unwrap(), ranges);
    assert_eq!(std::fs::read(dir.path().join("asn/asn.mmdb")).unwrap(), ASN_DB);
    let meta = std::fs::read_to_string(dir.path().join("providers/ranges.txt.meta.json")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["etag"], "\"ranges-1\"");
    // …so the next refresh still asks with the old ETag.
    server.take_seen();
    refresher.refresh_set(DataSet::ProviderRanges).await;
    assert_eq!(
        server.take_seen(),
        vec![("/ranges.txt".to_owned(), Some("\"ranges-1\"".to_owned()))]
    );

    // And lookups still use the old, valid data.
    let (_world, client) = world_client(dir.path()).await;
    let record = client.lookup("3.0.1.10").await.unwrap();
    assert_eq!(record.data.as_ref().unwrap().provider_ranges.as_deref(), Some("2026-11-25"));
    let provider = record.addresses[0].hosting_provider.as_ref().unwrap();
    assert_eq!(provider.id.as_deref(), Some("linode"));
}

/// A bad file in the data directory (written by hand, or damaged on disk) never fails a
/// client or a lookup: the embedded snapshot answers, and the record says so.
#[tokio::test]
async fn a_damaged_data_file_falls_back_to_the_embedded_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("providers")).unwrap();
    std::fs::write(dir.path().join("providers/ranges.txt"), "3.0.0.0/15 linode cloud\n").unwrap();
    let (_world, client) = world_client(dir.path()).await;
    let record = client.lookup("3.0.1.10").await.unwrap();
    assert_eq!(record.data.as_ref().unwrap().provider_ranges.as_deref(), Some("2025-07-25"));
    let provider = record.addresses[0].hosting_provider.as_ref().unwrap();
    assert_eq!(provider.id.as_deref(), Some("aws"));
}

#[tokio::test]
async fn sets_without_an_official_url_are_skipped_and_refresh_data_needs_a_directory() {
    let client = Client::builder().build().unwrap();
    let err = client.refresh_data().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "data refresh: the client has no data directory (ClientBuilder::data_dir)"
    );
    // The provider ranges have no URL of their own: the refresh builds them from their
    // providers' lists, each with its official URL (tested below against loopback copies).
    assert_eq!(DataSet::ProviderRanges.default_url(), None);
    assert_eq!(
        RangeList::Aws.default_url(),
        Some("https://ip-ranges.amazonaws.com/ip-ranges.json")
    );
    assert_eq!(DataSet::BootstrapDns.default_url(), Some("https://data.iana.org/rdap/dns.json"));

    // With the bootstrap, the registrars and a ready-made range table served, the set
    // without a URL (the ASN database) is skipped, not failed.
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.safety.allow_http = true;
    config.safety.allow_private = true;
    config.nameservers = vec!["127.0.0.1:9".parse().unwrap()];
    let mut refresher = Refresher::new(&config, dir.path()).unwrap();
    for (set, path) in &PATHS[..4] {
        refresher = refresher.url(*set, &server.url(path)).unwrap();
    }
    refresher = refresher.url(DataSet::Registrars, &server.url("/registrar-ids-1.csv")).unwrap();
    // A URL for the set itself names a ready-made table (a mirror): no list is asked.
    refresher = refresher.url(DataSet::ProviderRanges, &server.url("/ranges.txt")).unwrap();
    let report = refresher.refresh().await;
    assert!(report.all_ok());
    let ranges = report.get(DataSet::ProviderRanges).unwrap();
    assert_eq!((&ranges.outcome, ranges.lists.len()), (&SetOutcome::Updated, 0));
    assert_eq!(
        report.get(DataSet::AsnDatabase).unwrap().outcome,
        SetOutcome::Skipped("no official URL; set one to fetch it".to_owned())
    );
}

/// The shipped provider ranges (2025-07-25) are stale in December 2026: the client says so,
/// whatever the real date, since the day is set.
#[test]
fn shipped_provider_ranges_are_stale_on_a_set_day() {
    let mut settings = whohosts::DataSettings::default();
    settings.today = Some("2026-12-06".parse().unwrap());
    let client = Client::builder().data(settings).build().unwrap();
    let stale: Vec<_> =
        client.data_versions().into_iter().filter(|v| v.stale).map(|v| v.set).collect();
    // The bootstrap's newest file (dns.json, 2026-07-23) is within its 180 days.
    assert_eq!(stale, vec!["provider_ranges", "registrars"]);
    let ranges = client.data_versions().into_iter().find(|v| v.set == "provider_ranges").unwrap();
    assert_eq!((ranges.age_days, ranges.stale_after_days), (Some(499), 90));

    let mut settings = whohosts::DataSettings::default();
    settings.today = Some("2026-12-06".parse().unwrap());
    settings.provider_ranges_stale_days = 600;
    let client = Client::builder().data(settings).build().unwrap();
    let ranges = client.data_versions().into_iter().find(|v| v.set == "provider_ranges").unwrap();
    assert!(!ranges.stale);
}

/// `Client::refresh_data` with the set URLs on the builder: the client that refreshed keeps
/// its data; a client built afterwards on the same directory reads the new files.
#[tokio::test]
async fn client_refresh_data_serves_the_clients_built_after_it() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (world, before) = world_client(dir.path()).await;
    let record = before.lookup("3.0.1.10").await.unwrap();
    assert_eq!(record.data.as_ref().unwrap().provider_ranges.as_deref(), Some("2025-07-25"));

    let mut builder = world.client_builder().data_dir(dir.path());
    for (set, path) in PATHS {
        builder = builder.data_url(set, server.url(path));
    }
    let refreshing = builder.build().unwrap();
    let report = refreshing.refresh_data().await.unwrap();
    assert!(report.sets.iter().all(|s| s.outcome == SetOutcome::Updated), "{report:#?}");
    assert_eq!(server.take_seen().len(), 7);

    // The clients built before keep what they were built with.
    let record = refreshing.lookup("3.0.1.10").await.unwrap();
    assert_eq!(record.data.as_ref().unwrap().provider_ranges.as_deref(), Some("2025-07-25"));
    let after = world.client_builder().data_dir(dir.path()).build().unwrap();
    let record = after.lookup("3.0.1.10").await.unwrap();
    assert_eq!(record.data.as_ref().unwrap().provider_ranges.as_deref(), Some("2026-11-25"));
    let provider = record.addresses[0].hosting_provider.as_ref().unwrap();
    assert_eq!(provider.id.as_deref(), Some("linode"));

    let bad =
        world.client_builder().data_dir(dir.path()).data_url(DataSet::Registrars, "not a url");
    let err = bad.build().unwrap().refresh_data().await.unwrap_err();
    assert!(err.to_string().starts_with("data refresh: registrars URL \"not a url\": "), "{err}");
}

// ---------------------------------------------------------------------------------------
// The provider range table built from the providers' own lists.

/// Each list with a fixed URL, the path the loopback server serves it at (shaped like the
/// provider's), and the recorded copy served (2025-07-25 snapshot; AWS's is an excerpt,
/// see tests/fixtures/SOURCES.md).
const LISTS: [(RangeList, &str, &[u8]); 10] = [
    (
        RangeList::CloudflareV4,
        "/ips-v4",
        include_bytes!("../fixtures/providers/cloudflare-v4-ip-ranges.txt"),
    ),
    (
        RangeList::CloudflareV6,
        "/ips-v6",
        include_bytes!("../fixtures/providers/cloudflare-v6-ip-ranges.txt"),
    ),
    (
        RangeList::Fastly,
        "/public-ip-list",
        include_bytes!("../fixtures/providers/fastly-ip-ranges.json"),
    ),
    (
        RangeList::Aws,
        "/ip-ranges.json",
        include_bytes!("../fixtures/providers/aws-ip-ranges.excerpt.json"),
    ),
    (
        RangeList::GoogleCloud,
        "/ipranges/cloud.json",
        include_bytes!("../fixtures/providers/google-cloud-ip-ranges.json"),
    ),
    (
        RangeList::Oracle,
        "/iaas/tools/public_ip_ranges.json",
        include_bytes!("../fixtures/providers/oracle-cloud-ip-ranges.json"),
    ),
    (
        RangeList::DigitalOcean,
        "/geo/google.csv",
        include_bytes!("../fixtures/providers/digitalocean.csv"),
    ),
    (RangeList::Linode, "/geoip/", include_bytes!("../fixtures/providers/linode.txt")),
    (RangeList::GitHub, "/meta", include_bytes!("../fixtures/providers/github-ip-ranges.json")),
    (
        RangeList::Zscaler,
        "/hubs/cidr/json/recommended",
        include_bytes!("../fixtures/providers/zscaler-cloud-ip-ranges.json"),
    ),
];

/// Every list served with ETag `"<name>-1"` and Last-Modified 25 Nov 2026, plus the
/// bootstrap and registrar files of [`server`].
async fn list_server() -> FileServer {
    let server = server().await;
    for (list, path, body) in LISTS {
        let etag = format!("\"{}-1\"", list.as_str());
        server.serve(path, body, &etag, "Wed, 25 Nov 2026 10:00:00 GMT");
    }
    server
}

/// A world client reading and refreshing `dir`: the bootstrap and registrars from `server`,
/// every provider list from `server`, `missing` from a path it does not serve (404); the
/// ASN database has no URL and is skipped.
async fn list_world_client(
    server: &FileServer,
    dir: &Path,
    missing: Option<RangeList>,
) -> (World, Client) {
    let world = World::recorded()
        .a("shop.cloudflare.com", "104.16.1.1")
        .cymru_origin("104.16.0.0/13", &[13335], "US", "arin", "2014-03-28")
        .cymru_as_name(13335, "CLOUDFLARENET, US")
        .start()
        .await
        .unwrap();
    let mut builder = world.client_builder().data_dir(dir);
    for (set, path) in
        PATHS.iter().filter(|(s, _)| !matches!(s, DataSet::ProviderRanges | DataSet::AsnDatabase))
    {
        builder = builder.data_url(*set, server.url(path));
    }
    for (list, path, _) in LISTS {
        let path = if Some(list) == missing { "/gone" } else { path };
        builder = builder.range_list_url(list, server.url(path));
    }
    (world, builder.build().unwrap())
}

/// The lines of table `text` whose provider is one of `providers`.
fn provider_lines<'a>(text: &'a str, providers: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(' ').nth(1).is_some_and(|p| providers.contains(&p)))
        .collect()
}

fn list_outcomes(report: &whohosts::RefreshReport) -> Vec<(&'static str, SetOutcome)> {
    let ranges = report.get(DataSet::ProviderRanges).unwrap();
    ranges.lists.iter().map(|l| (l.list.as_str(), l.outcome.clone())).collect()
}

/// The first refresh fetches every list once, without validators, builds the table (the
/// fixture lists give exactly the shipped lines of their providers; Azure and Akamai, with
/// no fixed URL, keep the shipped rows) and swaps it in; the second asks every list with
/// its ETag, gets 304s and reports the set unchanged. Lookups read the built table.
#[tokio::test]
async fn provider_lists_are_fetched_built_then_asked_again_conditionally() {
    let server = list_server().await;
    let dir = tempfile::tempdir().unwrap();
    let (world, client) = list_world_client(&server, dir.path(), None).await;

    let report = client.refresh_data().await.unwrap();
    assert!(report.all_ok(), "{report:#?}");
    let ranges = report.get(DataSet::ProviderRanges).unwrap();
    assert_eq!(ranges.outcome, SetOutcome::Updated);
    assert_eq!(ranges.url, None);
    // The newest list date: the Last-Modified of the undated lists.
    assert_eq!(ranges.version.as_deref(), Some("2026-11-25"));
    let lists: Vec<_> = ranges
        .lists
        .iter()
        .map(|l| (l.list.as_str(), l.outcome.clone(), l.version.clone()))
        .collect();
    let updated = |name, date: &str| (name, SetOutcome::Updated, Some(date.to_owned()));
    let skipped = |name: &'static str| {
        let why = format!(
            "no fixed URL; the provider's previous ranges kept (set provider_ranges.{name}=URL to fetch it)"
        );
        (name, SetOutcome::Skipped(why), None)
    };
    assert_eq!(
        lists,
        vec![
            updated("cloudflare_v4", "2026-11-25"),
            updated("cloudflare_v6", "2026-11-25"),
            skipped("akamai"),
            updated("fastly", "2026-11-25"),
            // The dates the lists name themselves.
            updated("aws", "2025-07-24"),
            updated("google_cloud", "2025-07-24"),
            skipped("azure"),
            updated("oracle", "2025-07-21"),
            updated("digitalocean", "2026-11-25"),
            updated("linode", "2025-07-24"),
            updated("github", "2026-11-25"),
            updated("zscaler", "2026-11-25"),
        ]
    );
    // The report's JSON carries the lists under the set (and only there).
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["sets"][4]["set"], "provider_ranges");
    assert_eq!(json["sets"][4]["lists"][4]["list"], "aws");
    assert_eq!(json["sets"][4]["lists"][4]["outcome"]["status"], "updated");
    assert_eq!(json["sets"][4]["lists"][6]["outcome"]["status"], "skipped");
    assert!(json["sets"][0].get("lists").is_none());
    // One plain GET per list with a URL (10), after the 4 bootstrap files and before the
    // registrar list.
    let seen = server.take_seen();
    assert_eq!(seen.len(), 15);
    let list_requests: Vec<_> = seen.get(4..14).unwrap().to_vec();
    // In build order (RangeList::ALL), each with the ETag it was served with.
    let in_order: Vec<_> = RangeList::ALL
        .into_iter()
        .filter_map(|l| LISTS.iter().find(|(list, _, _)| *list == l))
        .map(|(list, path, _)| ((*path).to_owned(), format!("\"{}-1\"", list.as_str())))
        .collect();
    let expected: Vec<_> = in_order.iter().map(|(path, _)| (path.clone(), None)).collect();
    assert_eq!(list_requests, expected);

    // The built table: the nine fixture providers exactly as shipped; Azure and Akamai's
    // shipped rows kept; AWS from the excerpt only (its other shipped blocks are gone).
    let built = std::fs::read_to_string(dir.path().join("providers/ranges.txt")).unwrap();
    assert!(built.starts_with("# whohosts provider IP ranges: `cidr provider_id kind`"));
    assert!(built.contains(&format!("#   aws: {} 2025-07-24\n", server.url("/ip-ranges.json"))));
    assert!(built.contains("#   azure: no URL undated (previous ranges kept)\n"));
    let fixture_providers = [
        "cloudflare",
        "fastly",
        "google-cloud",
        "oracle-cloud",
        "digitalocean",
        "linode",
        "github",
        "zscaler",
    ];
    let built_lines = provider_lines(&built, &fixture_providers);
    assert_eq!(built_lines, provider_lines(RANGES, &fixture_providers));
    assert_eq!(built_lines.len(), 1_698);
    let kept = ["akamai", "azure", "azure-front-door"];
    assert_eq!(provider_lines(&built, &kept), provider_lines(RANGES, &kept));
    assert!(built.contains("\n3.0.0.0/15 aws cloud\n"));
    assert!(built.contains("\n120.52.22.96/27 aws-cloudfront cdn\n"), "the CloudFront tie");
    assert!(RANGES.contains("\n1.178.4.0/22 aws cloud\n") && !built.contains("1.178.4.0/22"));
    // The set's metadata holds each list's validators.
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("providers/ranges.txt.meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["lists"]["aws"]["etag"], "\"aws-1\"");
    assert_eq!(meta["lists"]["aws"]["url"], server.url("/ip-ranges.json"));
    assert_eq!(meta["lists"].as_object().unwrap().len(), 10);
    assert!(dir.path().join("providers/lists/aws-ip-ranges.json").is_file());

    // Second round: one conditional request per list, every answer a 304.
    let report = client.refresh_data().await.unwrap();
    assert!(report.all_ok(), "{report:#?}");
    let ranges = report.get(DataSet::ProviderRanges).unwrap();
    assert_eq!(ranges.outcome, SetOutcome::Unchanged);
    assert_eq!(ranges.version.as_deref(), Some("2026-11-25"));
    let outcomes = list_outcomes(&report);
    assert!(
        outcomes.iter().all(|(name, o)| match *name {
            "azure" | "akamai" => matches!(o, SetOutcome::Skipped(_)),
            _ => *o == SetOutcome::Unchanged,
        }),
        "{outcomes:?}"
    );
    let seen = server.take_seen();
    assert_eq!(seen.len(), 15);
    let expected: Vec<_> =
        in_order.iter().map(|(path, etag)| (path.clone(), Some(etag.clone()))).collect();
    assert_eq!(seen.get(4..14).unwrap().to_vec(), expected);
    assert_eq!(std::fs::read_to_string(dir.path().join("providers/ranges.txt")).unwrap(), built);

    // A client built on the directory reads the built table.
    let after = world.client_builder().data_dir(dir.path()).build().unwrap();
    let record = after.lookup("104.16.1.1").await.unwrap();
    assert_eq!(record.data.as_ref().unwrap().provider_ranges.as_deref(), Some("2026-11-25"));
    let provider = record.addresses[0].hosting_provider.as_ref().unwrap();
    assert_eq!(provider.id.as_deref(), Some("cloudflare"));
    assert_eq!(provider.evidence[0].detail, "104.16.0.0/13");
}

/// A list that fails keeps its provider's previous ranges and says so: Zscaler's 404 on the
/// first refresh keeps the shipped rows; a Cloudflare IPv4 list that comes back as an HTML
/// page and a Fastly list cut short are refused on the next, while AWS changed, and the
/// rebuilt table still has their stored lists' ranges — a Cloudflare address still names
/// Cloudflare.
#[tokio::test]
async fn a_failing_list_keeps_its_providers_ranges() {
    let server = list_server().await;
    let dir = tempfile::tempdir().unwrap();
    // Zscaler's list is missing (404) from the start.
    let (world, client) = list_world_client(&server, dir.path(), Some(RangeList::Zscaler)).await;

    let report = client.refresh_data().await.unwrap();
    let ranges = report.get(DataSet::ProviderRanges).unwrap();
    assert_eq!(ranges.outcome, SetOutcome::Updated);
    let zscaler = ranges.lists.iter().find(|l| l.list == RangeList::Zscaler).unwrap();
    let SetOutcome::Failed(why) = &zscaler.outcome else { panic!("{zscaler:?}") };
    assert!(why.contains("404"), "{why}");
    assert!(!report.all_ok(), "a failed list is not all well");
    let built = std::fs::read_to_string(dir.path().join("providers/ranges.txt")).unwrap();
    // No stored copy yet: the shipped table's Zscaler rows.
    assert_eq!(provider_lines(&built, &["zscaler"]), provider_lines(RANGES, &["zscaler"]));
    assert_eq!(provider_lines(&built, &["zscaler"]).len(), 73);
    assert!(built.contains("(previous ranges kept)"));

    // Next publication: Cloudflare's IPv4 list is an HTML page, Fastly's is cut short, and
    // AWS publishes a new file (createDate 2026-12-01) without 3.0.0.0/15.
    server.serve("/ips-v4", "<html><body>Please enable cookies.</body></html>", "\"cf-2\"", "x");
    let fastly = LISTS[2].2;
    server.serve("/public-ip-list", fastly.get(..100).unwrap(), "\"fastly-2\"", "x");
    let aws: String = String::from_utf8(LISTS[3].2.to_vec()).unwrap();
    let mut aws: serde_json::Value = serde_json::from_str(&aws).unwrap();
    aws["createDate"] = "2026-12-01-10-00-00".into();
    let prefixes = aws["prefixes"].as_array_mut().unwrap();
    prefixes.retain(|p| p["ip_prefix"] != "3.0.0.0/15");
    server.serve(
        "/ip-ranges.json",
        serde_json::to_vec(&aws).unwrap(),
        "\"aws-2\"",
        "Tue, 01 Dec 2026 10:00:00 GMT",
    );
    server.take_seen();

    let report = client.refresh_data().await.unwrap();
    assert!(!report.all_ok());
    let ranges = report.get(DataSet::ProviderRanges).unwrap();
    assert_eq!(ranges.outcome, SetOutcome::Updated);
    let outcome = |list| ranges.lists.iter().find(|l| l.list == list).unwrap().outcome.clone();
    let SetOutcome::Refused(why) = outcome(RangeList::CloudflareV4) else { panic!() };
    assert_eq!(why, "cloudflare_v4 list: not its format: a JSON or HTML body, not a text list");
    let SetOutcome::Refused(why) = outcome(RangeList::Fastly) else { panic!() };
    assert!(
        why.starts_with("fastly list: not its format: invalid JSON: EOF while parsing"),
        "{why}"
    );
    assert_eq!(outcome(RangeList::Aws), SetOutcome::Updated);
    assert_eq!(outcome(RangeList::CloudflareV6), SetOutcome::Unchanged);
    assert!(matches!(outcome(RangeList::Zscaler), SetOutcome::Failed(_)));

    let rebuilt = std::fs::read_to_string(dir.path().join("providers/ranges.txt")).unwrap();
    assert!(!rebuilt.contains("\n3.0.0.0/15 aws cloud\n"), "AWS's new list is in");
    for kept in [&["cloudflare"][..], &["fastly"], &["zscaler"]] {
        assert_eq!(provider_lines(&rebuilt, kept), provider_lines(RANGES, kept), "{kept:?}");
    }
    // The refused lists keep their stored copies and validators for the next refresh.
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("providers/ranges.txt.meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["lists"]["cloudflare_v4"]["etag"], "\"cloudflare_v4-1\"");
    assert_eq!(meta["lists"]["aws"]["etag"], "\"aws-2\"");
    assert_eq!(meta["data_date"], "2026-12-01");

    let after = world.client_builder().data_dir(dir.path()).build().unwrap();
    let record = after.lookup("104.16.1.1").await.unwrap();
    assert_eq!(record.data.as_ref().unwrap().provider_ranges.as_deref(), Some("2026-12-01"));
    let provider = record.addresses[0].hosting_provider.as_ref().unwrap();
    assert_eq!(provider.id.as_deref(), Some("cloudflare"));
    assert_eq!(provider.evidence[0].detail, "104.16.0.0/13");
}

/// List URLs are set by name, as `--url provider_ranges.<list>=URL` and
/// `DataSettings::urls` give them; an unknown list or a bad URL is a configuration error.
#[test]
fn provider_list_urls_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let refresher = || Refresher::new(&Config::default(), dir.path()).unwrap();
    assert!(
        refresher().named_url("provider_ranges.azure", "https://example.net/tags.json").is_ok()
    );
    let err = refresher().named_url("provider_ranges.ibm", "https://example.net/").unwrap_err();
    assert_eq!(err.to_string(), "data refresh: unknown provider range list \"ibm\"");
    let err = refresher().list_url(RangeList::Akamai, "not a url").unwrap_err();
    assert!(
        err.to_string().starts_with("data refresh: provider_ranges.akamai URL \"not a url\": ")
    );
    let err = refresher().named_url("ranges", "https://example.net/").unwrap_err();
    assert_eq!(err.to_string(), "data refresh: unknown data set \"ranges\"");
}
