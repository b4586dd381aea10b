//! A hostile DNS server on loopback: only records on the queried name's CNAME chain count,
//! and a cut chain or address list is recorded as `truncated` (issue #14 item 5).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use hickory_proto::op::{Edns, Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, CNAME};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use crate::support::*;
use whohosts::HostingRecord;
use whohosts_testing::World;

type Answers = Arc<dyn Fn(&str, RecordType) -> Vec<Record> + Send + Sync>;

/// Encode the reply to `query`: the records `answers` gives for its one question (NOERROR
/// even when empty). Over UDP, a reply over 1232 bytes is sent truncated (TC) so the client
/// asks again over TCP.
fn reply(answers: &Answers, query: &[u8], tcp: bool) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let question = request.queries.first()?.clone();
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.message_type = MessageType::Response;
    response.metadata.recursion_desired = true;
    response.metadata.recursion_available = true;
    if request.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(1232);
        response.set_edns(edns);
    }
    let name = question.name().to_ascii().trim_end_matches('.').to_ascii_lowercase();
    let records = answers(&name, question.query_type());
    response.add_query(question);
    if records.is_empty() && question_is_cymru(&name) {
        response.metadata.response_code = ResponseCode::Refused;
    }
    response.add_answers(records);
    let bytes = response.to_vec().ok()?;
    if tcp || bytes.len() <= 1232 {
        return Some(bytes);
    }
    response.truncate().to_vec().ok()
}

fn question_is_cymru(name: &str) -> bool {
    name.ends_with("cymru.com")
}

/// Start the server on UDP and TCP of one loopback port.
async fn hostile_dns(answers: Answers) -> SocketAddr {
    let (udp, tcp, addr) = whohosts_testing::loopback_udp_tcp().unwrap();
    udp.set_nonblocking(true).unwrap();
    tcp.set_nonblocking(true).unwrap();
    let (udp, tcp) = (UdpSocket::from_std(udp).unwrap(), TcpListener::from_std(tcp).unwrap());
    let for_udp = Arc::clone(&answers);
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 65_535];
        while let Ok((length, peer)) = udp.recv_from(&mut buffer).await {
            if let Some(bytes) = reply(&for_udp, &buffer[..length], false) {
                let _ = udp.send_to(&bytes, peer).await;
            }
        }
    });
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = tcp.accept().await {
            let answers = Arc::clone(&answers);
            tokio::spawn(async move {
                while let Ok(length) = stream.read_u16().await {
                    let mut query = vec![0u8; usize::from(length)];
                    if stream.read_exact(&mut query).await.is_err() {
                        return;
                    }
                    let Some(bytes) = reply(&answers, &query, true) else { return };
                    let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
                    framed.extend_from_slice(&bytes);
                    if stream.write_all(&framed).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn name(name: &str) -> Name {
    Name::from_ascii(format!("{name}.")).unwrap()
}

fn a(owner: &str, ip: Ipv4Addr) -> Record {
    Record::from_rdata(name(owner), 300, RData::A(A(ip)))
}

fn cname(owner: &str, target: &str) -> Record {
    Record::from_rdata(name(owner), 300, RData::CNAME(CNAME(name(target))))
}

/// Look up `query` with DNS from `answers` and RDAP from the recorded world.
async fn lookup_with(
    answers: impl Fn(&str, RecordType) -> Vec<Record> + Send + Sync + 'static,
    query: &str,
) -> (World, HostingRecord) {
    let dns = hostile_dns(Arc::new(answers)).await;
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().nameservers([dns]).build().unwrap();
    let record = client.lookup(query).await.unwrap();
    (world, record)
}

const HOST: &str = "www.cloudflare.com";
const FOREIGN: Ipv4Addr = Ipv4Addr::new(9, 9, 9, 9);

#[tokio::test]
async fn address_owned_by_an_unrelated_name_is_ignored() {
    let (world, record) = lookup_with(
        |qname, rtype| match (qname, rtype) {
            (HOST, RecordType::A) => {
                vec![a(HOST, Ipv4Addr::new(104, 16, 123, 96)), a("evil.example", FOREIGN)]
            }
            _ => Vec::new(),
        },
        HOST,
    )
    .await;
    assert_eq!(record.dns.addresses, vec![IpAddr::from([104, 16, 123, 96])]);
    assert_eq!(record.addresses.len(), 1);
    assert!(
        world.request_log().iter().all(|r| !r.path.contains("9.9.9.9")),
        "RDAP was asked about the foreign address: {:#?}",
        world.request_log()
    );
}

#[tokio::test]
async fn address_under_a_cname_owned_off_the_chain_is_ignored() {
    // www → edge.cdn.example; the A record is owned by a name the chain never reaches.
    let (_world, record) = lookup_with(
        |qname, rtype| match (qname, rtype) {
            (HOST, RecordType::A) => vec![
                cname(HOST, "edge.cdn.example"),
                a("edge.cdn.example", Ipv4Addr::new(104, 16, 124, 96)),
                a("elsewhere.cdn.example", FOREIGN),
            ],
            _ => Vec::new(),
        },
        HOST,
    )
    .await;
    assert_eq!(record.dns.cname_chain, vec!["edge.cdn.example"]);
    assert_eq!(record.dns.addresses, vec![IpAddr::from([104, 16, 124, 96])]);
}

#[tokio::test]
async fn cname_chain_past_the_limit_is_cut_recorded_and_its_addresses_dropped() {
    let hop = |i: usize| format!("c{i}.chain.example");
    let (_world, record) = lookup_with(
        move |qname, rtype| {
            if qname != HOST || rtype != RecordType::A {
                return Vec::new();
            }
            let mut records = vec![cname(HOST, &hop(1))];
            records.extend((1..100).map(|i| cname(&hop(i), &hop(i + 1))));
            records.push(a(&hop(100), FOREIGN));
            records
        },
        HOST,
    )
    .await;
    assert_eq!(record.dns.cname_chain, (1..=16).map(hop).collect::<Vec<_>>());
    assert!(record.dns.addresses.is_empty(), "{:?}", record.dns.addresses);
    assert!(record.addresses.is_empty());
    let truncated: Vec<_> = record.errors.iter().filter(|e| e.kind == "truncated").collect();
    assert_eq!(truncated.len(), 1, "{:#?}", record.errors);
    assert_eq!(truncated[0].target, HOST);
    assert_eq!(
        truncated[0].message,
        "the CNAME chain is longer than 16: cut at c16.chain.example, \
         whose addresses are not reported"
    );
}

#[tokio::test]
async fn address_list_past_the_limit_is_cut_and_recorded() {
    let (_world, record) = lookup_with(
        |qname, rtype| match (qname, rtype) {
            (HOST, RecordType::A) => (0..1000u32)
                .map(|i| a(HOST, Ipv4Addr::from(u32::from(Ipv4Addr::new(1, 0, 0, 0)) + i)))
                .collect(),
            _ => Vec::new(),
        },
        HOST,
    )
    .await;
    let expected: Vec<IpAddr> = (0..16u32)
        .map(|i| IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(1, 0, 0, 0)) + i)))
        .collect();
    assert_eq!(record.dns.addresses, expected);
    let truncated: Vec<_> = record.errors.iter().filter(|e| e.kind == "truncated").collect();
    assert_eq!(truncated.len(), 1, "{:#?}", record.errors);
    assert_eq!(truncated[0].target, HOST);
    assert_eq!(truncated[0].message, "the name has 1000 addresses; only the first 16 are examined");
    let dns: Vec<_> = error_keys(&record.errors).into_iter().filter(|k| k.0 == "dns").collect();
    assert_eq!(
        dns,
        vec![
            ("dns".into(), "truncated".into(), HOST.into()),
            // The hostile server has no NS records for the registrable domain.
            ("dns".into(), "nodata".into(), "cloudflare.com".into()),
        ]
    );
}
