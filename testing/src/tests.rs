//! Tests of the test world: DNS through a real hickory resolver, RDAP through reqwest,
//! faults, counters, bootstrap files and manifests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use serde_json::Value;

use super::*;

// ---------------------------------------------------------------- helpers

fn resolver(world: &World, tcp_only: bool) -> TokioResolver {
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut server =
        if tcp_only { NameServerConfig::tcp(ip) } else { NameServerConfig::udp_and_tcp(ip) };
    for connection in &mut server.connections {
        connection.port = world.dns_addr().port();
    }
    let config = ResolverConfig::from_name_servers(vec![server]);
    let mut builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
    builder.options_mut().cache_size = 0;
    builder.options_mut().attempts = 1;
    builder.options_mut().timeout = Duration::from_secs(2);
    builder.build().unwrap()
}

async fn recorded() -> World {
    World::recorded().start().await.unwrap()
}

fn a_records(lookup: &hickory_resolver::lookup::Lookup) -> Vec<Ipv4Addr> {
    lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .collect()
}

fn txt_strings(lookup: &hickory_resolver::lookup::Lookup) -> Vec<String> {
    lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::TXT(txt) => {
                Some(txt.txt_data.iter().map(|p| String::from_utf8(p.to_vec()).unwrap()).collect())
            }
            _ => None,
        })
        .collect()
}

fn response_code(error: &NetError) -> Option<ResponseCode> {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(no)) => Some(no.response_code),
        NetError::Dns(DnsError::ResponseCode(code)) => Some(*code),
        _ => None,
    }
}

async fn get(url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.text().await.unwrap(), headers)
}

async fn get_json(url: &str) -> (u16, Value) {
    let (status, body, _) = get(url).await;
    (status, serde_json::from_str(&body).unwrap())
}

fn link(value: &Value, rel: &str) -> String {
    value["links"].as_array().unwrap().iter().find(|l| l["rel"] == rel).unwrap()["href"]
        .as_str()
        .unwrap()
        .to_owned()
}

// ---------------------------------------------------------------- DNS

#[tokio::test]
async fn dns_a_records_and_counts() {
    let world = recorded().await;
    let resolver = resolver(&world, false);
    let lookup = resolver.lookup("cloudflare.com.", RecordType::A).await.unwrap();
    assert_eq!(
        a_records(&lookup),
        [Ipv4Addr::new(104, 16, 132, 229), Ipv4Addr::new(104, 16, 133, 229)]
    );
    let lookup = resolver.lookup("CloudFlare.COM.", RecordType::NS).await.unwrap();
    let hosts: Vec<String> = lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::NS(ns) => Some(ns.0.to_ascii()),
            _ => None,
        })
        .collect();
    assert_eq!(
        hosts,
        [
            "ns3.cloudflare.com.",
            "ns4.cloudflare.com.",
            "ns5.cloudflare.com.",
            "ns6.cloudflare.com.",
            "ns7.cloudflare.com."
        ]
    );
    assert_eq!(world.dns_queries(), 2);
    assert_eq!(world.dns_queries_for("cloudflare.com", "A"), 1);
    assert_eq!(world.dns_queries_for("CLOUDFLARE.COM.", "ns"), 1);
    assert_eq!(world.dns_queries_for("cloudflare.com", "AAAA"), 0);
    world.reset_counts();
    assert_eq!(world.dns_queries(), 0);
}

#[tokio::test]
async fn dns_cname_chain_and_aaaa() {
    let world = recorded().await;
    let resolver = resolver(&world, false);
    let lookup = resolver.lookup("www.cloudflare.com.", RecordType::A).await.unwrap();
    let answers = lookup.answers();
    assert_eq!(answers.len(), 3);
    match &answers[0].data {
        RData::CNAME(target) => {
            assert_eq!(target.0.to_ascii(), "www.cloudflare.com.cdn.cloudflare.net.");
        }
        other => panic!("expected CNAME, got {other:?}"),
    }
    assert_eq!(
        a_records(&lookup),
        [Ipv4Addr::new(104, 16, 123, 96), Ipv4Addr::new(104, 16, 124, 96)]
    );
    let ips: Vec<IpAddr> =
        resolver.lookup_ip("www.cloudflare.com.").await.unwrap().iter().collect();
    assert!(ips.contains(&IpAddr::V4(Ipv4Addr::new(104, 16, 123, 96))));

    let lookup =
        resolver.lookup("resolver1.ipv6-sandbox.opendns.com.", RecordType::AAAA).await.unwrap();
    let v6: Vec<Ipv6Addr> = lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::AAAA(a) => Some(a.0),
            _ => None,
        })
        .collect();
    assert_eq!(v6, ["2620:119:35::35".parse::<Ipv6Addr>().unwrap()]);
    // The same name has no A record: NODATA, not NXDOMAIN.
    let error =
        resolver.lookup("resolver1.ipv6-sandbox.opendns.com.", RecordType::A).await.unwrap_err();
    assert!(error.is_no_records_found());
    assert_eq!(response_code(&error), Some(ResponseCode::NoError));
}

#[tokio::test]
async fn dns_nxdomain_nodata_servfail() {
    let world = World::recorded().servfail("broken.example").start().await.unwrap();
    let resolver = resolver(&world, false);

    let error = resolver.lookup("microsoft.click.", RecordType::A).await.unwrap_err();
    assert!(error.is_nx_domain(), "{error:?}");
    let soa = error.into_soa().expect("NXDOMAIN carries an SOA");
    assert_eq!(soa.name.to_ascii(), "click.");

    let error = resolver.lookup("afnic.fr.", RecordType::A).await.unwrap_err();
    assert!(!error.is_nx_domain());
    assert_eq!(response_code(&error), Some(ResponseCode::NoError));
    assert!(error.into_soa().is_some());

    let error = resolver.lookup("broken.example.", RecordType::A).await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::ServFail), "{error:?}");

    // An ancestor of a known name exists (empty non-terminal): NODATA, not NXDOMAIN.
    let error = resolver.lookup("IPv6-Sandbox.OpenDNS.com.", RecordType::NS).await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::NoError), "{error:?}");
    let error = resolver.lookup("ipv6-sandbox.opendns.com.", RecordType::A).await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::NoError), "{error:?}");
    let error = resolver.lookup("other.opendns.com.", RecordType::A).await.unwrap_err();
    assert!(error.is_nx_domain());
}

#[tokio::test]
async fn dns_cname_to_missing_name_is_nxdomain() {
    let world = WorldBuilder::new()
        .cname("a.example", "b.example")
        .cname("loop1.example", "loop2.example")
        .cname("loop2.example", "loop1.example")
        .start()
        .await
        .unwrap();
    let resolver = resolver(&world, false);
    let error = resolver.lookup("a.example.", RecordType::A).await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::NXDomain), "{error:?}");
    let error = resolver.lookup("loop1.example.", RecordType::A).await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::ServFail), "{error:?}");
    // Asking for the CNAME itself does not follow it.
    let lookup = resolver.lookup("a.example.", RecordType::CNAME).await.unwrap();
    assert_eq!(lookup.answers().len(), 1);
}

#[tokio::test]
async fn dns_cymru_origin_asn_and_v6() {
    let world = recorded().await;
    let resolver = resolver(&world, false);
    let lookup =
        resolver.lookup("229.132.16.104.origin.asn.cymru.com.", RecordType::TXT).await.unwrap();
    assert_eq!(
        txt_strings(&lookup),
        [
            "13335 | 104.16.0.0/12 | US | arin | 2014-03-28",
            "13335 | 104.16.0.0/13 | US | arin | 2014-03-28"
        ]
    );
    let lookup = resolver.lookup("8.8.8.8.origin.asn.cymru.com.", RecordType::TXT).await.unwrap();
    assert_eq!(txt_strings(&lookup), ["15169 | 8.8.8.0/24 | US | arin | 2023-12-28"]);

    let nibbles = "5.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.3.0.0.9.1.1.0.0.2.6.2";
    let lookup = resolver
        .lookup(format!("{nibbles}.origin6.asn.cymru.com."), RecordType::TXT)
        .await
        .unwrap();
    assert_eq!(txt_strings(&lookup), ["36692 | 2620:119:35::/48 | US | arin | 2014-04-11"]);

    let lookup = resolver.lookup("AS15169.asn.cymru.com.", RecordType::TXT).await.unwrap();
    assert_eq!(txt_strings(&lookup), ["15169 | US | arin | 2012-05-24 | GOOGLE, US"]);
    let lookup = resolver.lookup("as22548.asn.cymru.com.", RecordType::TXT).await.unwrap();
    assert_eq!(
        txt_strings(&lookup),
        ["22548 | BR | lacnic | 2001-10-16 | Núcleo de Inf. e Coord. do Ponto BR - NIC.BR, BR"]
    );

    // Unrouted address and unknown AS: NXDOMAIN.
    let error =
        resolver.lookup("1.0.0.10.origin.asn.cymru.com.", RecordType::TXT).await.unwrap_err();
    assert!(error.is_nx_domain());
    let error = resolver.lookup("AS64500.asn.cymru.com.", RecordType::TXT).await.unwrap_err();
    assert!(error.is_nx_domain());
    assert_eq!(world.dns_queries_for("8.8.8.8.origin.asn.cymru.com", "TXT"), 1);
}

#[tokio::test]
async fn dns_over_tcp_keeps_the_connection() {
    let world = recorded().await;
    let resolver = resolver(&world, true);
    for _ in 0..3 {
        let lookup = resolver.lookup("dns.google.", RecordType::A).await.unwrap();
        assert_eq!(a_records(&lookup), [Ipv4Addr::new(8, 8, 8, 8)]);
    }
    assert_eq!(world.dns_queries_for("dns.google", "A"), 3);
}

#[tokio::test]
async fn dns_large_answers_are_truncated_over_udp_and_complete_over_tcp() {
    let mut builder = WorldBuilder::new();
    for i in 0..20 {
        builder = builder.txt("big.example", &format!("{i:02}{}", "x".repeat(198)));
    }
    let world = builder.start().await.unwrap();

    // Raw UDP query without EDNS: the answer is truncated, flags and id are right.
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut query = Message::new(4242, MessageType::Query, OpCode::Query);
    query.metadata.recursion_desired = true;
    query.add_query(Query::query(Name::from_ascii("big.example.").unwrap(), RecordType::TXT));
    socket.send_to(&query.to_vec().unwrap(), world.dns_addr()).await.unwrap();
    let mut buffer = vec![0u8; 65_535];
    let (length, _) = socket.recv_from(&mut buffer).await.unwrap();
    let reply = Message::from_vec(&buffer[..length]).unwrap();
    assert_eq!(reply.metadata.id, 4242);
    assert!(reply.metadata.truncation);
    assert!(reply.metadata.recursion_available);
    assert!(reply.metadata.authoritative);
    assert!(reply.answers.is_empty());
    assert!(reply.edns.is_none());

    // A small query with EDNS gets an OPT back.
    let mut query = Message::new(7, MessageType::Query, OpCode::Query);
    query.add_query(Query::query(Name::from_ascii("nothing.example.").unwrap(), RecordType::A));
    query.set_edns(Edns::new());
    socket.send_to(&query.to_vec().unwrap(), world.dns_addr()).await.unwrap();
    let (length, _) = socket.recv_from(&mut buffer).await.unwrap();
    let reply = Message::from_vec(&buffer[..length]).unwrap();
    assert_eq!(reply.metadata.id, 7);
    assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
    assert!(reply.edns.is_some());
    assert_eq!(reply.queries.len(), 1);

    // The resolver retries over TCP and gets all 20 strings.
    let resolver = resolver(&world, false);
    let lookup = resolver.lookup("big.example.", RecordType::TXT).await.unwrap();
    let texts = txt_strings(&lookup);
    assert_eq!(texts.len(), 20);
    assert!(texts[19].starts_with("19x"));
}

// ---------------------------------------------------------------- RDAP

#[tokio::test]
async fn rdap_domain_is_case_insensitive_and_links_are_rewritten() {
    let world = recorded().await;
    let verisign = world.service_url("verisign");
    assert_eq!(verisign, format!("http://{}/verisign/", world.rdap_addr()));

    let (status, body) = get_json(&format!("{verisign}domain/CloudFlare.COM.")).await;
    assert_eq!(status, 200);
    assert_eq!(body["handle"], "1542998887_DOMAIN_COM-VRSN");
    assert_eq!(body["ldhName"], "CLOUDFLARE.COM");
    assert_eq!(link(&body, "self"), format!("{verisign}domain/cloudflare.com"));
    let related = link(&body, "related");
    assert_eq!(
        related,
        format!(
            "http://127.0.0.1:{}/cloudflare-registrar/domain/CLOUDFLARE.COM",
            world.rdap_addr().port()
        )
    );
    let (_, text, headers) = get(&format!("{verisign}domain/cloudflare.com")).await;
    assert!(!text.contains("rdap.verisign.com") && !text.contains("rdap.cloudflare.com"));
    assert_eq!(headers["content-type"], "application/rdap+json");

    // The related link leads to the registrar's recorded answer.
    let (status, registrar) = get_json(&related).await;
    assert_eq!(status, 200);
    assert_eq!(registrar["handle"], "1542998887_DOMAIN_COM-VRSN");
    assert_eq!(
        link(&registrar, "self"),
        format!("{}domain/cloudflare.com", world.service_url("cloudflare-registrar"))
    );

    // google.com's registrar (MarkMonitor) has nothing: 404 with an RDAP error body.
    let (_, google) = get_json(&format!("{verisign}domain/google.com")).await;
    let markmonitor = link(&google, "related");
    assert_eq!(markmonitor, format!("{}domain/GOOGLE.COM", world.service_url("markmonitor")));
    let (status, error) = get_json(&markmonitor).await;
    assert_eq!(status, 404);
    assert_eq!(error["errorCode"], 404);
    assert_eq!(error["title"], "Not Found");
    assert!(error["description"][0].is_string());

    assert_eq!(world.requests("verisign"), 3);
    assert_eq!(world.requests("cloudflare-registrar"), 1);
    assert_eq!(world.requests("markmonitor"), 1);
    assert_eq!(world.requests_for("verisign", "domain/cloudflare.com"), 1);
    assert_eq!(world.requests_for("verisign", "domain/CloudFlare.COM."), 1);
    assert_eq!(world.total_requests(), 5);
    let statuses: Vec<u16> = world.request_log().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 404]);
    assert_eq!(world.request_log()[4].service, "markmonitor");
    assert_eq!(world.request_log()[4].path, "domain/GOOGLE.COM");
    world.reset_counts();
    assert_eq!(world.total_requests(), 0);
    assert!(world.request_log().is_empty());
}

#[tokio::test]
async fn edit_objects_rewrites_the_answers_of_objects_already_added() {
    let world = World::recorded()
        .edit_objects(|service, json| match service {
            "verisign" => json.replace(
                r#""objectClassName":"domain""#,
                r#""objectClassName":"domain","remarks":[{"description":["edited"]}]"#,
            ),
            _ => json.to_owned(),
        })
        .start()
        .await
        .unwrap();
    let (status, body) =
        get_json(&format!("{}domain/cloudflare.com", world.service_url("verisign"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["remarks"][0]["description"][0], "edited");
}

#[tokio::test]
async fn rdap_most_specific_network_wins() {
    let slash8 = r#"{"objectClassName":"ip network","handle":"NET-8-0-0-0-1",
        "startAddress":"8.0.0.0","endAddress":"8.255.255.255"}"#;
    let world = WorldBuilder::new()
        .service("arin", &["https://rdap.arin.net/registry/"])
        .object("arin", include_str!("../fixtures/rdap/ip/arin-8.8.8.0-24-google.json"))
        .object("arin", slash8)
        .start()
        .await
        .unwrap();
    let arin = world.service_url("arin");
    for (query, handle) in [
        ("ip/8.8.8.8", "NET-8-8-8-0-2"),
        ("ip/8.8.8.0/24", "NET-8-8-8-0-2"),
        ("ip/8.8.8.128/25", "NET-8-8-8-0-2"),
        ("ip/8.8.4.4", "NET-8-0-0-0-1"),
        ("ip/8.8.0.0/16", "NET-8-0-0-0-1"),
    ] {
        let (status, body) = get_json(&format!("{arin}{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(body["handle"], handle, "{query}");
    }
    let (status, _) = get_json(&format!("{arin}ip/9.9.9.9")).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&format!("{arin}ip/7.0.0.0/7")).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&format!("{arin}ip/not-an-ip")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rdap_recorded_objects_by_every_key() {
    let world = recorded().await;
    for (service, path, key, value) in [
        ("arin", "ip/104.18.12.126", "handle", "NET-104-16-0-0-1"),
        ("arin", "ip/2620:119:35::35/128", "handle", "NET6-2620-119-1"),
        ("arin", "autnum/16509", "handle", "AS16509"),
        ("arin", "entity/arin-hostmaster", "handle", "ARIN-HOSTMASTER"),
        ("ripe", "ip/193.0.6.139", "handle", "193.0.0.0 - 193.0.7.255"),
        ("ripe", "autnum/1234", "handle", "AS1234"),
        ("ripe", "autnum/16276", "handle", "AS16276"),
        ("lacnic", "autnum/27648", "handle", "27648"),
        ("lacnic", "ip/200.3.14.10", "handle", "200.3.12.0/22"),
        ("registrobr", "ip/177.1.2.3", "handle", "177.0.0.0/14"),
        ("registrobr", "ip/200.160.2.3", "handle", "200.160.0.0/20"),
        ("afrinic", "ip/196.216.2.0%20-%20196.216.3.255", "handle", "196.216.2.0 - 196.216.3.255"),
        ("apnic", "ip/1.1.1.1", "handle", "1.1.1.0 - 1.1.1.255"),
        ("afnic", "nameserver/NS1.nic.fr", "ldhName", "ns1.nic.fr"),
        ("afnic", "domain/airport.fr", "handle", "DOM000000001670-FRNIC"),
        ("cznic", "entity/CZ-NIC", "handle", "CZ-NIC"),
        ("flexireg", "domain/home.moscow", "ldhName", "home.moscow"),
        ("uniregistry", "domain/microsoft.click", "ldhName", "microsoft.click"),
    ] {
        let (status, body) = get_json(&format!("{}{path}", world.service_url(service))).await;
        assert_eq!(status, 200, "{service} {path}");
        assert_eq!(body[key], value, "{service} {path}");
    }
    // The RIR answers' links point into the world too.
    let (_, body) = get_json(&format!("{}ip/8.8.8.8", world.service_url("arin"))).await;
    assert_eq!(link(&body, "self"), format!("{}ip/8.8.8.0", world.service_url("arin")));
    let (_, body) = get_json(&format!("{}ip/200.3.12.1", world.service_url("lacnic"))).await;
    assert_eq!(link(&body, "up"), format!("{}ip/200.0.0.0/8", world.service_url("lacnic")));
    let (_, body) = get_json(&format!("{}domain/home.moscow", world.service_url("flexireg"))).await;
    assert_eq!(link(&body, "self"), format!("{}domain/home.moscow", world.service_url("flexireg")));
}

#[tokio::test]
async fn rdap_unknown_service_method_and_head() {
    let world = recorded().await;
    let (status, body) =
        get_json(&format!("http://{}/nowhere/domain/x.com", world.rdap_addr())).await;
    assert_eq!(status, 404);
    assert_eq!(body["errorCode"], 404);
    assert_eq!(body["title"], "Not Found");

    let client = reqwest::Client::new();
    let url = format!("{}domain/cloudflare.com", world.service_url("verisign"));
    let response = client.head(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let response = client.post(&url).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    assert_eq!(world.requests("verisign"), 2);
    assert_eq!(world.requests("nowhere"), 1);
    assert_eq!(world.total_requests(), 3);
}

#[tokio::test]
async fn faults_status_with_times_and_rate_limit() {
    let world = World::recorded()
        .fault("verisign", "domain/google", Fault::Status(503), Some(2))
        .fault("arin", "", Fault::RateLimit { retry_after: "1".to_owned() }, Some(1))
        .start()
        .await
        .unwrap();
    let google = format!("{}domain/google.com", world.service_url("verisign"));
    for _ in 0..2 {
        let (status, body) = get_json(&google).await;
        assert_eq!(status, 503);
        assert_eq!(body["errorCode"], 503);
        assert_eq!(body["title"], "Service Unavailable");
    }
    let (status, body) = get_json(&google).await;
    assert_eq!(status, 200);
    assert_eq!(body["ldhName"], "GOOGLE.COM");
    // Other paths of the service are not affected.
    let (status, _) =
        get_json(&format!("{}domain/cloudflare.com", world.service_url("verisign"))).await;
    assert_eq!(status, 200);

    let url = format!("{}ip/8.8.8.8", world.service_url("arin"));
    let (status, _, headers) = get(&url).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "1");
    let (status, _, _) = get(&url).await;
    assert_eq!(status, 200);

    assert_eq!(world.requests("verisign"), 4);
    assert_eq!(world.requests_for("verisign", "domain/google.com"), 3);
    let log: Vec<(String, u16)> =
        world.request_log().into_iter().map(|r| (r.service, r.status)).collect();
    assert_eq!(
        log,
        [
            ("verisign".to_owned(), 503),
            ("verisign".to_owned(), 503),
            ("verisign".to_owned(), 200),
            ("verisign".to_owned(), 200),
            ("arin".to_owned(), 429),
            ("arin".to_owned(), 200),
        ]
    );
}

#[tokio::test]
async fn faults_latency_truncate_malformed_oversized() {
    let world = World::recorded()
        .fault("afnic", "domain/afnic.fr", Fault::Latency(Duration::from_millis(300)), Some(1))
        .fault("afnic", "domain/lemonde.fr", Fault::Truncate, Some(1))
        .fault("cznic", "domain/", Fault::Malformed, None)
        .fault("apnic", "", Fault::Oversized(100_000), None)
        .start()
        .await
        .unwrap();
    let afnic = world.service_url("afnic");

    let started = Instant::now();
    let (status, body) = get_json(&format!("{afnic}domain/afnic.fr")).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(status, 200);
    assert_eq!(body["handle"], "DOM000000181261-FRNIC");
    let started = Instant::now();
    get_json(&format!("{afnic}domain/afnic.fr")).await;
    assert!(started.elapsed() < Duration::from_millis(300));

    let url = format!("{afnic}domain/lemonde.fr");
    let truncated = reqwest::get(&url).await.unwrap();
    assert_eq!(truncated.status(), 200);
    let length = truncated.headers()["content-length"].to_str().unwrap().to_owned();
    let truncated = truncated.bytes().await.unwrap();
    let full = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert!(serde_json::from_slice::<Value>(&full).is_ok());
    assert_eq!(truncated.len(), full.len() / 2);
    assert_eq!(length, truncated.len().to_string());
    assert_eq!(truncated[..], full[..full.len() / 2]);
    assert!(serde_json::from_slice::<Value>(&truncated).is_err());

    let (status, text, _) = get(&format!("{}domain/nic.cz", world.service_url("cznic"))).await;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&text).is_err());

    let url = format!("{}ip/1.1.1.1", world.service_url("apnic"));
    let (status, text, _) = get(&url).await;
    assert_eq!(status, 200);
    assert_eq!(text.len(), 100_000);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["handle"], "1.1.1.0 - 1.1.1.255");
    // Smaller than the body: cut.
    world.clear_faults();
    world.add_fault("apnic", "ip/", Fault::Oversized(10), Some(1)).unwrap();
    let (_, text, _) = get(&url).await;
    assert_eq!(text.len(), 10);
    let (_, text, _) = get(&url).await;
    assert!(text.len() > 10);
}

#[tokio::test]
async fn faults_redirect_is_rewritten_into_the_world() {
    let world = World::recorded()
        .fault(
            "ripe",
            "ip/8.8.8.8",
            Fault::Redirect("https://rdap.arin.net/registry/ip/8.8.8.8".to_owned()),
            None,
        )
        .fault("ripe", "elsewhere", Fault::Redirect("https://example.net/x".to_owned()), None)
        .start()
        .await
        .unwrap();
    let (status, _, headers) = get(&format!("{}ip/8.8.8.8", world.service_url("ripe"))).await;
    assert_eq!(status, 302);
    let location = headers["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{}ip/8.8.8.8", world.service_url("arin")));
    let (status, _, headers) = get(&format!("{}elsewhere", world.service_url("ripe"))).await;
    assert_eq!(status, 302);
    assert_eq!(headers["location"], "https://example.net/x");

    // Following the redirect ends at ARIN's recorded answer.
    let (status, body) = get_json(&location).await;
    assert_eq!(status, 200);
    assert_eq!(body["handle"], "NET-8-8-8-0-2");
    assert_eq!(world.requests("ripe"), 2);
    assert_eq!(world.requests("arin"), 1);
}

#[tokio::test]
async fn add_fault_rejects_unknown_services_and_bad_values() {
    let world = recorded().await;
    let error = world.add_fault("nowhere", "", Fault::Status(500), None).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    let error = world.add_fault("arin", "", Fault::Status(42), None).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    let error = world
        .add_fault("arin", "", Fault::RateLimit { retry_after: "1\n2".to_owned() }, None)
        .unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
}

// ---------------------------------------------------------------- bootstrap, client, lifecycle

#[tokio::test]
async fn bootstrap_files_point_to_the_right_services() {
    let world = recorded().await;
    let read = |name: &str| -> Value {
        let text = std::fs::read_to_string(world.bootstrap_dir().join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let service_of = |file: &Value, entry: &str| -> String {
        let services = file["services"].as_array().unwrap();
        let found = services
            .iter()
            .find(|s| s[0].as_array().unwrap().iter().any(|e| e == entry))
            .unwrap_or_else(|| panic!("{entry} not claimed"));
        assert_eq!(found[1].as_array().unwrap().len(), 1);
        found[1][0].as_str().unwrap().to_owned()
    };
    let dns = read("dns.json");
    assert_eq!(dns["version"], "1.0");
    assert!(dns["publication"].is_string() && dns["description"].is_string());
    assert_eq!(service_of(&dns, "com"), world.service_url("verisign"));
    assert_eq!(service_of(&dns, "click"), world.service_url("uniregistry"));
    assert_eq!(service_of(&dns, "moscow"), world.service_url("flexireg"));
    let ipv4 = read("ipv4.json");
    assert_eq!(service_of(&ipv4, "200.160.0.0/20"), world.service_url("registrobr"));
    assert_eq!(service_of(&ipv4, "200.0.0.0/8"), world.service_url("lacnic"));
    assert_eq!(service_of(&ipv4, "104.0.0.0/8"), world.service_url("arin"));
    let ipv6 = read("ipv6.json");
    assert_eq!(service_of(&ipv6, "2620::/23"), world.service_url("arin"));
    let asn = read("asn.json");
    assert_eq!(service_of(&asn, "1234-1234"), world.service_url("ripe"));
    assert_eq!(service_of(&asn, "13312-15359"), world.service_url("arin"));
    assert_eq!(service_of(&asn, "4608-4865"), world.service_url("apnic"));

    // The URL works as an RDAP base URL.
    let (status, _) = get_json(&format!("{}domain/cloudflare.com", service_of(&dns, "com"))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn client_builder_points_at_the_world() {
    let world = recorded().await;
    let client = world.client_builder().build().unwrap();
    let config = client.config();
    assert_eq!(config.nameservers, [world.dns_addr()]);
    assert_eq!(config.bootstrap_dir.as_deref(), Some(world.bootstrap_dir()));
    assert!(config.safety.allow_http && config.safety.allow_private);
    assert_eq!(config.timeouts.http_request, Duration::from_secs(5));
    assert_eq!(config.timeouts.dns, Duration::from_secs(2));
    assert_eq!(config.timeouts.retry_backoff, Duration::from_millis(20));
}

#[tokio::test]
async fn drop_stops_servers_and_removes_the_bootstrap_dir() {
    let world = recorded().await;
    let dir = world.bootstrap_dir().to_owned();
    let addr = world.rdap_addr();
    assert!(dir.join("dns.json").is_file());
    drop(world);
    tokio::task::yield_now().await;
    assert!(!dir.exists());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn start_reports_bad_input() {
    let kind = |builder: WorldBuilder| async move { builder.start().await.unwrap_err().kind() };
    let with_service = || WorldBuilder::new().service("s", &["https://rdap.example/"]);
    assert_eq!(kind(with_service().object("s", "{not json")).await, io::ErrorKind::InvalidData);
    assert_eq!(
        kind(with_service().object("s", r#"{"ldhName":"x.com"}"#)).await,
        io::ErrorKind::InvalidData
    );
    assert_eq!(
        kind(with_service().object("s", r#"{"objectClassName":"ip network"}"#)).await,
        io::ErrorKind::InvalidData
    );
    assert_eq!(kind(with_service().object("t", "{}")).await, io::ErrorKind::InvalidInput);
    assert_eq!(kind(with_service().claim_tld("t", "com")).await, io::ErrorKind::InvalidInput);
    assert_eq!(kind(with_service().claim_asn("s", "9-1")).await, io::ErrorKind::InvalidInput);
    assert_eq!(
        kind(with_service().fault("t", "", Fault::Truncate, None)).await,
        io::ErrorKind::InvalidInput
    );
    assert_eq!(kind(with_service().a("x.example", "1.2.3")).await, io::ErrorKind::InvalidInput);
    assert_eq!(
        kind(with_service().aaaa("x.example", "1.2.3.4")).await,
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(with_service().cymru_origin("1.2.3/8", &[1], "US", "arin", "2000-01-01")).await,
        io::ErrorKind::InvalidInput
    );
    assert_eq!(kind(WorldBuilder::new().service("a/b", &[])).await, io::ErrorKind::InvalidInput);
    assert_eq!(
        kind(WorldBuilder::new().service("s", &["ftp://x/"])).await,
        io::ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn manifest_loads_services_objects_dns_and_cymru() {
    let dir = bootstrap::TempDir::new().unwrap();
    let answers = dir.path().join("answers");
    std::fs::create_dir(&answers).unwrap();
    std::fs::write(
        answers.join("cloudflare.com.json"),
        include_str!("../fixtures/rdap/domain/verisign-cloudflare.com-registry.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("google.json"),
        include_str!("../fixtures/rdap/domain/verisign-google.com-registry-from-vcr.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("world.json"),
        r#"{
          "services": [
            { "name": "verisign", "urls": ["https://rdap.verisign.com/com/v1/"],
              "tlds": ["com"], "asns": [15169, "1-10"], "ips": ["8.0.0.0/8"],
              "objects": ["answers", "google.json"] },
            { "name": "markmonitor", "urls": ["https://rdap.markmonitor.com/rdap/"] }
          ],
          "dns": [ { "name": "google.com", "a": ["142.250.185.46"], "ns": ["ns1.google.com"] },
                   { "name": "broken.example", "servfail": true } ],
          "cymru": { "origins": [ { "prefix": "142.250.0.0/15", "asns": [15169], "cc": "US",
                                    "rir": "arin", "date": "2012-05-24" } ],
                     "as_names": [ { "asn": 15169, "name": "GOOGLE, US" } ] }
        }"#,
    )
    .unwrap();

    let world = WorldBuilder::from_manifest(dir.path()).unwrap().start().await.unwrap();
    let (status, body) =
        get_json(&format!("{}domain/google.com", world.service_url("verisign"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        link(&body, "related"),
        format!("{}domain/GOOGLE.COM", world.service_url("markmonitor"))
    );
    let (status, _) =
        get_json(&format!("{}domain/cloudflare.com", world.service_url("verisign"))).await;
    assert_eq!(status, 200);

    let resolver = resolver(&world, false);
    let lookup = resolver.lookup("google.com.", RecordType::A).await.unwrap();
    assert_eq!(a_records(&lookup), [Ipv4Addr::new(142, 250, 185, 46)]);
    let lookup =
        resolver.lookup("46.185.250.142.origin.asn.cymru.com.", RecordType::TXT).await.unwrap();
    assert_eq!(txt_strings(&lookup), ["15169 | 142.250.0.0/15 | US | arin | 2012-05-24"]);
    let error = resolver.lookup("broken.example.", RecordType::A).await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::ServFail));

    let asn: Value = serde_json::from_str(
        &std::fs::read_to_string(world.bootstrap_dir().join("asn.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(asn["services"][0][0], serde_json::json!(["15169-15169", "1-10"]));

    // A manifest file path works too; unknown keys are rejected.
    assert!(WorldBuilder::from_manifest(dir.path().join("world.json")).is_ok());
    std::fs::write(dir.path().join("bad.json"), r#"{"servics": []}"#).unwrap();
    let error = WorldBuilder::from_manifest(dir.path().join("bad.json")).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    let error = WorldBuilder::from_manifest(dir.path().join("missing.json")).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
}

#[test]
fn rewriter_handles_escaped_and_plain_urls_longest_first() {
    let services = vec![
        ServiceSpec { name: "a".to_owned(), real_urls: vec!["https://rdap.example/".to_owned()] },
        ServiceSpec {
            name: "b".to_owned(),
            real_urls: vec!["https://rdap.example/b/v1".to_owned()],
        },
    ];
    let addr: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
    let text = r#"["https://rdap.example/x","http:\/\/rdap.example\/b\/v1\/y","https://rdap.example","https://rdap.examplex/"]"#;
    let out = rdap::rewrite_for_test(&services, addr, text);
    assert_eq!(
        out,
        r#"["http://127.0.0.1:9/a/x","http:\/\/127.0.0.1:9\/b\/y","https://rdap.example","https://rdap.examplex/"]"#
    );
}
