//! The range cache of RDAP network answers, through whole lookups: an answer is reused for
//! another address only when it is a leaf assignment, never when a more specific block may
//! sit inside it. (These were unit tests of the library's network cache.)

use whohosts::{Client, HostingRecord, Network};
use whohosts_testing::{World, WorldBuilder};

use crate::support::{address, start};

/// LACNIC's recorded /17 allocation to ANTEL (type ALLOCATED), as recorded.
const ISP: &str = include_str!("../fixtures/rdap/ip/lacnic-200.40.0.0-17-antel.json");
/// A world whose only RDAP service is LACNIC's, answering the ISP's /17 and the customer /24
/// inside it (the most specific network containing the asked address).
async fn world() -> (World, Client) {
    start(
        WorldBuilder::new()
            .service("lacnic", &["https://rdap.lacnic.net/rdap/"])
            .claim_ip("lacnic", "200.0.0.0/8")
            .object("lacnic", ISP)
            .object("lacnic", &crate::support::customer_block_inside_antel()),
    )
    .await
}

fn network(record: &HostingRecord, ip: &str) -> Network {
    address(record, ip).network.clone().unwrap_or_else(|| panic!("no network: {record:#?}"))
}

async fn lookup_network(client: &Client, ip: &str) -> Network {
    network(&client.lookup(ip).await.unwrap(), ip)
}

#[tokio::test]
async fn an_isp_answer_is_never_reused_for_a_customer_block_inside_it() {
    let (world, client) = world().await;
    // An address of the ISP outside the customer block: the /17 allocation.
    let isp = lookup_network(&client, "200.40.100.1").await;
    assert_eq!(isp.kind.as_deref(), Some("ALLOCATED"));
    assert_eq!(isp.range_start, Some("200.40.0.0".parse().unwrap()));
    // An address inside the customer /24, also inside the cached /17: asked, and the
    // answer is the customer's block.
    let customer = lookup_network(&client, "200.40.5.7").await;
    assert_eq!(world.requests_for("lacnic", "ip/200.40.5.7"), 1);
    assert_eq!(customer.kind.as_deref(), Some("ASSIGNED"));
    assert_eq!(customer.range_start, Some("200.40.5.0".parse().unwrap()));
    assert_eq!(customer.range_end, Some("200.40.5.255".parse().unwrap()));
    // Another customer address: the leaf assignment answers, nothing is asked.
    let again = lookup_network(&client, "200.40.5.200").await;
    assert_eq!(again.handle, customer.handle);
    assert_eq!(world.requests_for("lacnic", "ip/200.40.5.200"), 0);
    // Another ISP address: the allocation is not a leaf, so it is asked.
    let other = lookup_network(&client, "200.40.100.2").await;
    assert_eq!(other.handle, isp.handle);
    assert_eq!(world.requests_for("lacnic", "ip/200.40.100.2"), 1);
    let asked: Vec<_> = world.request_log().into_iter().map(|r| r.path).collect();
    assert_eq!(asked, ["ip/200.40.100.1", "ip/200.40.5.7", "ip/200.40.100.2"]);
    assert_eq!(world.total_requests(), 3);
}

#[tokio::test]
async fn concurrent_addresses_of_one_leaf_block_ask_once() {
    let (world, client) = world().await;
    let (a, b, c) = tokio::join!(
        lookup_network(&client, "200.40.5.7"),
        lookup_network(&client, "200.40.5.9"),
        lookup_network(&client, "200.40.5.7")
    );
    assert_eq!(a.handle.as_deref(), Some("200.40.5.0/24"));
    assert_eq!((b.handle.clone(), c.handle.clone()), (a.handle.clone(), a.handle.clone()));
    assert_eq!(world.total_requests(), 1);
}
