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
use std::process::ExitCode;

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
async fn main() -> Result<ExitCode, Box<dyn Error>> {
    let mut json = false;
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--json") => json = true,
            Some("-h" | "--help") => {
                println!("usage: demo [--json]");
                return Ok(ExitCode::SUCCESS);
            }
            _ => {
                eprintln!("demo: unexpected argument {arg:?}\nusage: demo [--json]");
                return Ok(ExitCode::from(2));
            }
        }
    }
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
    Ok(ExitCode::SUCCESS)
}
