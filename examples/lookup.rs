//! Look up one domain, URL or IP and print whom to notify.
//!
//! Usage:
//!
//! ```text
//! cargo run --release --example lookup -- [--json] [--dns IP:PORT]... [--bootstrap DIR]
//!     [--asn-db PATH]... [--allow-http] [--allow-private] [--timeout SECS]
//!     [--whois TLD=HOST:PORT]... [--no-whois] [--notice-type TYPE] [--allow-net CIDR]... QUERY
//! ```
//!
//! `--json` prints exactly one JSON object (the record) on stdout. Exit code 0 when a record
//! was produced (even with errors inside it), 2 on bad input or bad flags.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: lookup [--json] [--dns IP:PORT]... [--bootstrap DIR] [--asn-db PATH]... \
[--allow-http] [--allow-private] [--allow-net CIDR]... [--timeout SECS] [--whois TLD=HOST:PORT]... \
[--no-whois] [--notice-type copyright|csam|ncii|phishing|malware|spam] QUERY";

/// What the arguments ask for: a lookup, or the usage.
enum Parsed {
    Run(Box<Args>),
    Help,
}

struct Args {
    json: bool,
    query: String,
    builder: whohosts::ClientBuilder,
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut json = false;
    let mut allow_private = false;
    let mut allow_net = false;
    let mut query = None;
    let mut builder = whohosts::Client::builder();
    while let Some(arg) = argv.next() {
        let mut value = |flag: &str| argv.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--json" => json = true,
            "--dns" => {
                let v = value("--dns")?;
                if v.parse::<std::net::SocketAddr>().is_ok_and(|a| a.port() == 0) {
                    return Err(format!("--dns {v}: port 0 is not a port a server answers on"));
                }
                builder = builder.nameserver(&v).map_err(|e| e.to_string())?;
            }
            "--bootstrap" => builder = builder.bootstrap_dir(value("--bootstrap")?),
            "--asn-db" => builder = builder.asn_database(value("--asn-db")?),
            "--allow-http" => builder = builder.allow_http(true),
            "--allow-private" => {
                allow_private = true;
                builder = builder.allow_private(true);
            }
            // `--whois co=whois.registry.co:43`; the key may also be a registry (`arin`) or a
            // server host (`whois.nic.co`) whose connections go elsewhere.
            "--whois" => {
                let v = value("--whois")?;
                let bad = || format!("--whois wants KEY=HOST[:PORT], got {v:?}");
                let (key, server) = v.split_once('=').ok_or_else(bad)?;
                let port_ok = server.rsplit_once(':').is_none_or(|(_, p)| p.parse::<u16>().is_ok());
                if key.trim().is_empty() || server.trim().is_empty() || !port_ok {
                    return Err(bad());
                }
                builder = builder.whois_server(key.trim(), server.trim());
            }
            "--no-whois" => builder = builder.disable_whois(),
            "--notice-type" => {
                let notice: whohosts::NoticeType = value("--notice-type")?.parse()?;
                builder = builder.notice_type(notice);
            }
            "--allow-net" => {
                let v = value("--allow-net")?;
                let net = v.parse().map_err(|_| format!("--allow-net wants a CIDR, got {v:?}"))?;
                allow_net = true;
                builder = builder.allow_net(net);
            }
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                    .ok_or_else(|| format!("--timeout wants seconds (0 < s <= 3600), got {v:?}"))?;
                builder = builder.http_timeout(Duration::from_secs_f64(secs));
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ if query.is_some() => return Err(format!("unexpected extra argument {arg:?}")),
            _ => query = Some(arg),
        }
    }
    // `--allow-net` narrows the networks `--allow-private` opens; alone it would do nothing,
    // so it is refused rather than ignored.
    if allow_net && !allow_private {
        return Err("--allow-net narrows --allow-private: give both, or neither".to_owned());
    }
    let query = query.ok_or_else(|| "no QUERY given".to_owned())?;
    Ok(Parsed::Run(Box::new(Args { json, query, builder })))
}

#[tokio::main]
async fn main() -> ExitCode {
    let argv: Result<Vec<String>, String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.into_string().map_err(|arg| format!("argument {arg:?} is not valid UTF-8")))
        .collect();
    let args = match argv.and_then(|argv| parse_args(argv.into_iter())) {
        Ok(Parsed::Run(a)) => *a,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("lookup: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client = match args.builder.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("lookup: {e}");
            return ExitCode::from(2);
        }
    };
    match client.lookup(&args.query).await {
        Ok(record) => {
            if args.json {
                match serde_json::to_string_pretty(&record) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("lookup: cannot serialise the record: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", record.summary());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lookup: {e}");
            ExitCode::from(2)
        }
    }
}
