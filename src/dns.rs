//! The DNS stage: a host name → its addresses, CNAME chain and the registrable domain's NS.
//!
//! Wraps hickory's `TokioResolver`; builds it from the configuration and maps resolver
//! errors to typed failures (NXDOMAIN, NODATA, SERVFAIL, timeout) that the pipeline records.

use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};

use crate::config::Config;
use crate::error::{ConfigError, SourceError, SourceErrorKind, describe_dns, plain_duration};

/// Build the resolver every DNS question of a client goes through (names, Team Cymru, and
/// the host names of RDAP servers).
pub(crate) fn build_resolver(config: &Config) -> Result<TokioResolver, ConfigError> {
    let mut builder = if config.nameservers.is_empty() {
        TokioResolver::builder_tokio()
            .map_err(|e| ConfigError::SystemDns { reason: e.to_string() })?
    } else {
        let servers = config
            .nameservers
            .iter()
            .map(|addr| {
                let mut server = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut server.connections {
                    connection.port = addr.port();
                }
                server
            })
            .collect();
        Resolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
    };
    let options: &mut ResolverOpts = builder.options_mut();
    options.timeout = config.timeouts.dns;
    options.attempts = 2;
    // CNAME records must stay in answers: the record reports the chain.
    options.preserve_intermediates = true;
    // Abuse lookups report what DNS says, not what /etc/hosts says.
    options.use_hosts_file = ResolveHosts::Never;
    options.ndots = 0;
    options.cache_size = 10_000;
    options.try_tcp_on_error = true;
    builder.build().map_err(|e| ConfigError::SystemDns { reason: e.to_string() })
}

/// What DNS said about one host name.
#[derive(Debug, Default)]
pub(crate) struct Resolution {
    /// A then AAAA addresses, in answer order, de-duplicated, at most `max_addresses`.
    pub(crate) addresses: Vec<IpAddr>,
    /// CNAME targets in order from the queried name.
    pub(crate) cname_chain: Vec<String>,
    /// NS host names of the registrable domain, sorted.
    pub(crate) nameservers: Vec<String>,
    /// Failures, each with the name that was asked and the record type.
    pub(crate) failures: Vec<(String, SourceError)>,
}

/// Resolve A, AAAA (of `host`) and NS (of `registrable`) concurrently.
pub(crate) async fn resolve(
    resolver: &TokioResolver,
    host: &str,
    registrable: &str,
    max_addresses: usize,
    max_cname_chain: usize,
) -> Resolution {
    let fqdn = format!("{host}.");
    let zone = format!("{registrable}.");
    let (a, aaaa, ns) = tokio::join!(
        resolver.lookup(fqdn.as_str(), RecordType::A),
        resolver.lookup(fqdn.as_str(), RecordType::AAAA),
        resolver.lookup(zone.as_str(), RecordType::NS),
    );
    let timeout = resolver.options().timeout;
    let mut out = Resolution::default();
    let mut records = Vec::new();
    let mut address_failures = Vec::new();
    for (rtype, result) in [("A", a), ("AAAA", aaaa)] {
        match result {
            Ok(lookup) => records.extend(lookup.answers().iter().cloned()),
            Err(e) => address_failures.push((rtype, map_error(&e, rtype, timeout))),
        }
    }
    let on_chain = follow_chain(&records, host, max_cname_chain, &mut out);
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for record in &records {
        // Only the queried name and its CNAME targets own addresses; anything else in the
        // answer section (an unrelated name, a name past a cut chain) is not about `host`.
        let owner = record.name.to_ascii();
        if !on_chain.iter().any(|name| same_name(&owner, name)) {
            if matches!(record.data, RData::A(_) | RData::AAAA(_)) {
                tracing::debug!(host, owner, "ignoring an address record off the CNAME chain");
            }
            continue;
        }
        match &record.data {
            RData::A(a) => v4.push(IpAddr::V4(a.0)),
            RData::AAAA(a) => v6.push(IpAddr::V6(a.0)),
            _ => {}
        }
    }
    let mut found = 0usize;
    for ip in v4.into_iter().chain(v6) {
        if out.addresses.contains(&ip) {
            continue;
        }
        found += 1;
        if out.addresses.len() < max_addresses {
            out.addresses.push(ip);
        }
    }
    if found > out.addresses.len() {
        out.failures.push((
            host.to_owned(),
            SourceError::new(
                SourceErrorKind::Truncated,
                format!(
                    "the name has {found} addresses; only the first {} are examined",
                    out.addresses.len()
                ),
            ),
        ));
    }
    // Report address failures. A name that exists with only one family is not an error;
    // NXDOMAIN (asked twice) is reported once; NODATA only when neither family answered.
    let both_failed = address_failures.len() == 2;
    let mut reported_nx = false;
    for (_, err) in address_failures {
        match err.kind() {
            SourceErrorKind::NoData if !both_failed => {}
            SourceErrorKind::NoData
                if out.failures.iter().any(|(_, e)| e.kind() == SourceErrorKind::NoData) => {}
            SourceErrorKind::NxDomain if reported_nx => {}
            SourceErrorKind::NxDomain => {
                reported_nx = true;
                out.failures.push((host.to_owned(), err));
            }
            SourceErrorKind::NoData => out.failures.push((
                host.to_owned(),
                SourceError::new(SourceErrorKind::NoData, "no A or AAAA records"),
            )),
            _ => out.failures.push((host.to_owned(), err)),
        }
    }
    match ns {
        Ok(lookup) => {
            let mut names: Vec<String> = lookup
                .answers()
                .iter()
                .filter(|r| same_name(&r.name.to_ascii(), registrable))
                .filter_map(|r| match &r.data {
                    RData::NS(ns) => Some(trim_name(&ns.0.to_ascii())),
                    _ => None,
                })
                .collect();
            names.sort();
            names.dedup();
            out.nameservers = names;
        }
        Err(e) => {
            let err = map_error(&e, "NS", timeout);
            // The same NXDOMAIN for the same name was already reported above.
            let duplicate =
                reported_nx && registrable == host && err.kind() == SourceErrorKind::NxDomain;
            if !duplicate {
                out.failures.push((registrable.to_owned(), err));
            }
        }
    }
    out
}

/// Follow the CNAME chain from `host` through `records`, at most `max` hops, into
/// `out.cname_chain`; returns the names whose address records count: `host` and every
/// target reached. A chain longer than `max` is recorded as truncated, and then no name
/// counts: the addresses lie past the cut. A loop ends the chain.
fn follow_chain(
    records: &[hickory_resolver::proto::rr::Record],
    host: &str,
    max: usize,
    out: &mut Resolution,
) -> Vec<String> {
    let target_of = |name: &str| {
        records.iter().find_map(|r| match &r.data {
            RData::CNAME(target) if same_name(&r.name.to_ascii(), name) => {
                Some(trim_name(&target.0.to_ascii()))
            }
            _ => None,
        })
    };
    let mut current = host.to_owned();
    while let Some(target) = target_of(&current) {
        if same_name(&target, host) || out.cname_chain.contains(&target) {
            break;
        }
        if out.cname_chain.len() >= max {
            out.failures.push((
                host.to_owned(),
                SourceError::new(
                    SourceErrorKind::Truncated,
                    format!(
                        "the CNAME chain is longer than {max}: cut at {current}, \
                         whose addresses are not reported"
                    ),
                ),
            ));
            return Vec::new();
        }
        out.cname_chain.push(target.clone());
        current = target;
    }
    let mut names = vec![host.to_owned()];
    names.extend(out.cname_chain.iter().cloned());
    names
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

fn trim_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Map a resolver error for the `rtype` question, asked with `timeout` per attempt, to a
/// typed failure. The message is the cause in plain words ([`describe_dns`]); the name asked
/// is the step's target, so it is not repeated here.
pub(crate) fn map_error(e: &NetError, rtype: &str, timeout: Duration) -> SourceError {
    if e.is_nx_domain() {
        return SourceError::new(SourceErrorKind::NxDomain, describe_dns(e));
    }
    if e.is_no_records_found() {
        return SourceError::new(SourceErrorKind::NoData, format!("no {rtype} records"));
    }
    let kind = match e {
        NetError::Timeout => SourceErrorKind::Timeout,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => SourceErrorKind::Timeout,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail | ResponseCode::Refused)) => {
            SourceErrorKind::ServFail
        }
        NetError::Dns(DnsError::ResponseCode(_)) => SourceErrorKind::Other,
        _ => SourceErrorKind::Transport,
    };
    if kind == SourceErrorKind::Timeout {
        let within = plain_duration(timeout);
        return SourceError::new(
            kind,
            format!("{rtype} query: no answer within {within} per attempt (dns_timeout)"),
        );
    }
    SourceError::new(kind, format!("{rtype} query: {}", describe_dns(e)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use hickory_resolver::net::NoRecords;
    use hickory_resolver::proto::op::Query;
    use hickory_resolver::proto::rr::Name;

    use super::*;

    fn no_records(rtype: RecordType, code: ResponseCode) -> NetError {
        let query = Query::query(Name::from_ascii("example.com.").unwrap(), rtype);
        NetError::Dns(DnsError::NoRecordsFound(NoRecords::new(query, code)))
    }

    /// Each resolver failure is typed and told in plain words, without the name asked (the
    /// step's target) and without hickory's `Debug` rendering of the query.
    #[test]
    fn resolver_errors_are_typed_and_plain() {
        let cases = [
            (
                no_records(RecordType::AAAA, ResponseCode::NoError),
                "AAAA",
                SourceErrorKind::NoData,
                "no AAAA records",
            ),
            (
                no_records(RecordType::A, ResponseCode::NXDomain),
                "A",
                SourceErrorKind::NxDomain,
                "the name does not exist (NXDOMAIN)",
            ),
            (
                NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)),
                "NS",
                SourceErrorKind::ServFail,
                "NS query: the server answered Query Refused (5)",
            ),
            (
                NetError::Timeout,
                "A",
                SourceErrorKind::Timeout,
                "A query: no answer within 3 s per attempt (dns_timeout)",
            ),
            (
                NetError::NoConnections,
                "A",
                SourceErrorKind::Transport,
                "A query: no name server could be reached",
            ),
        ];
        for (error, rtype, kind, message) in cases {
            let mapped = map_error(&error, rtype, Duration::from_secs(3));
            assert_eq!((mapped.kind(), mapped.message()), (kind, message), "{error}");
        }
    }
}
