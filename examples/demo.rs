//! The offline proof: start the bundled loopback world (real recorded RDAP answers from
//! ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC, Verisign, Cloudflare's registrar, …; synthesised
//! DNS and Team Cymru data) and look up a few domains and IPs in it.
//!
//! Usage:
//!
//! ```text
//! cargo run --example demo [-- --json]
//! ```
//!
//! Nothing leaves the machine: every server listens on 127.0.0.1.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error;

use whohosts_testing::World;

const QUERIES: &[&str] = &[
    "https://www.cloudflare.com/abuse?x=1",
    "microsoft.click",
    "resolver1.ipv6-sandbox.opendns.com",
    "8.8.8.8",
    "193.0.6.139",
    "1.1.1.1",
    "200.3.14.10",
    "196.216.2.6",
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let json = std::env::args().any(|a| a == "--json");
    let world = World::recorded().start().await?;
    let client = world.client_builder().build()?;
    eprintln!(
        "demo world: DNS on {}, RDAP on {}, bootstrap in {}",
        world.dns_addr(),
        world.rdap_addr(),
        world.bootstrap_dir().display()
    );
    for query in QUERIES {
        let record = client.lookup(query).await?;
        if json {
            println!("{}", serde_json::to_string(&record)?);
        } else {
            println!("$ lookup {query}");
            println!("{}", record.summary());
        }
    }
    eprintln!("RDAP requests served: {}", world.total_requests());
    Ok(())
}
