//! `--real-limits`: the generated world with each service at the published limit of the
//! server it stands for, a piracy operation's address mix, and the figures counted from a
//! run (estimated wall time, abuse coverage, requests per server, budgets kept).
//!
//! A day cannot be waited out, so a run is **counted**, not timed at the real pace:
//!
//! * The quota-limited servers (RIPE NCC's RDAP, 1,000 personal objects per 24 h; LACNIC's,
//!   10 queries a minute) keep their limits in real time on both sides: the world refuses
//!   past the published limit and counts it, and the client is told the library's default
//!   policy for them (RIPE 500 per 24 h, LACNIC 1 per 6 s), so its planner sends their
//!   addresses to the quota-free sources first, as it would in production.
//! * Every other server (registries, registrars, ARIN, APNIC, AFRINIC) is answered without
//!   pacing, and its share of the wall time is estimated from its requests at the rate of
//!   the library's politeness table (`--real-time` paces and limits them for real instead).
//! * The estimated wall time is then: max over servers of (requests beyond the burst ÷ the
//!   published rate), plus the measured time of the run.
//! * RIPE NCC counts personal data sets (person and role objects), not requests: every
//!   network answer of the generated world carries those of its template, RIPE NCC's own
//!   recorded answer for 193.0.0.0/21 (12), so 1,000 a day is 83 answers a day.
//!
//! `--rdap-only` turns the quota-free sources off. Its run cannot keep RIPE's and LACNIC's
//! limits in real time (that is the days it takes), so nothing is limited and the estimate
//! comes from the counts alone.

use std::collections::BTreeMap;
use std::time::Duration;

use whohosts::{Politeness, ServerPolicy, Stats};
use whohosts_testing::{GeneratedWorld, World, WorldBuilder};

/// The template of the generated world's RIPE NCC network answers (see `GeneratedWorld`).
const RIPE_TEMPLATE: &str =
    include_str!("../../tests/fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc.json");

/// The personal data sets RIPE NCC counts in one answer: the distinct entities whose vCard
/// is a person (`individual`) or a role (`group`), at any depth.
fn personal_objects(answer: &str) -> u32 {
    fn walk(value: &serde_json::Value, seen: &mut std::collections::BTreeSet<String>) {
        for entity in value.get("entities").and_then(|e| e.as_array()).into_iter().flatten() {
            let personal = entity
                .pointer("/vcardArray/1")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .any(|p| {
                    p.get(0).and_then(|n| n.as_str()) == Some("kind")
                        && matches!(p.get(3).and_then(|k| k.as_str()), Some("individual" | "group"))
                });
            if personal && let Some(handle) = entity.get("handle").and_then(|h| h.as_str()) {
                seen.insert(handle.to_owned());
            }
            walk(entity, seen);
        }
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(answer) else { return 1 };
    let mut seen = std::collections::BTreeSet::new();
    walk(&value, &mut seen);
    u32::try_from(seen.len()).unwrap_or(u32::MAX).max(1)
}

/// What one answer of `service` costs against its published limit (RIPE NCC: its personal
/// data sets; others: 1).
fn cost(service: &str) -> u32 {
    if service == "ripe" { personal_objects(RIPE_TEMPLATE) } else { 1 }
}

/// The services whose published limit is a quota: 1,000 per 24 h, 10 per minute.
const QUOTA_LIMITED: [&str; 2] = ["ripe", "lacnic"];

/// How `--real-limits` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Quota-free sources on; RIPE and LACNIC limited in real time, the others counted.
    Counted,
    /// Quota-free sources on; every server paced and limited in real time.
    RealTime,
    /// Quota-free sources off; nothing limited, everything counted.
    RdapOnly,
}

/// A server's published limit: `requests` per `period`, bursts of `burst`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Published {
    requests: u32,
    period: Duration,
    burst: u32,
    /// Where the figure comes from.
    source: &'static str,
}

impl Published {
    fn per_second(&self) -> f64 {
        f64::from(self.requests) / self.period.as_secs_f64()
    }
}

/// The policy the library's default table gives the server `service` stands for.
fn table_policy(real_urls: &[String]) -> ServerPolicy {
    let table = Politeness::default();
    real_urls
        .iter()
        .find_map(|u| url::Url::parse(u).ok())
        .map_or(table.default, |url| table.server_key(&url).1)
}

/// The published limit of the server `service` stands for: RIPE NCC's and LACNIC's from
/// their published rules, the others' from the library's politeness table (most publish
/// none).
fn published(service: &str, real_urls: &[String]) -> Published {
    match service {
        "ripe" => Published {
            requests: 1_000,
            period: Duration::from_secs(86_400),
            burst: 1_000,
            source: "RIPE Database AUP: 1,000 personal data sets per 24 h",
        },
        "lacnic" => Published {
            requests: 10,
            period: Duration::from_secs(60),
            burst: 10,
            source: "LACNIC: 10 queries per minute",
        },
        _ => {
            let policy = table_policy(real_urls);
            Published {
                requests: policy.requests,
                period: policy.period,
                burst: policy.burst,
                source: "the library's politeness table",
            }
        }
    }
}

/// The world's limits for `mode`: the published ones the run keeps in real time.
pub(crate) fn limit_world(
    mut builder: WorldBuilder,
    generated: &GeneratedWorld,
    mode: Mode,
) -> WorldBuilder {
    for service in generated.min_requests_per_service().keys() {
        let limited = match mode {
            Mode::RdapOnly => false,
            Mode::Counted => QUOTA_LIMITED.contains(&service.as_str()),
            Mode::RealTime => true,
        };
        if !limited {
            continue;
        }
        let limit = published(service, &builder.service_real_urls(service));
        if limit.requests == 0 {
            continue;
        }
        // The world counts answers: RIPE's 1,000 personal data sets are 1,000 ÷ 12 answers.
        let per = cost(service);
        let limit = Published {
            requests: (limit.requests / per).max(1),
            burst: (limit.burst / per).max(1),
            ..limit
        };
        // The world's bucket tolerates two requests of scheduling jitter, as for
        // --rate-limit; a request past that is a 429 the summary reports.
        builder = builder.rate_limit(service, limit.requests, limit.period, limit.burst + 2);
    }
    builder
}

/// The client's policies for `mode`: the library's default table for the servers the run
/// limits (so the planner sees RIPE's and LACNIC's quotas), unlimited for the others.
pub(crate) fn client_policies(
    world: &World,
    generated: &GeneratedWorld,
    mode: Mode,
) -> Vec<(String, ServerPolicy)> {
    let mut policies = Vec::new();
    for service in generated.min_requests_per_service().keys() {
        let paced = match mode {
            Mode::RdapOnly => false,
            Mode::Counted => QUOTA_LIMITED.contains(&service.as_str()),
            Mode::RealTime => true,
        };
        if paced {
            policies.push((world.service_url(service), table_policy(&world.real_urls(service))));
        }
    }
    if mode != Mode::RdapOnly {
        // RIPEstat's published rule: no rate limit, 8 requests in flight per client.
        let ripestat = table_policy(&["https://stat.ripe.net/".to_owned()]);
        policies.push((world.ripestat_url(), ripestat));
    }
    policies
}

/// What one record adds to the coverage figure.
#[derive(Debug, Default)]
pub(crate) struct Coverage {
    /// Records with at least one address.
    with_addresses: u64,
    /// Of those, records where every address has an abuse contact.
    every_address: u64,
    /// Addresses seen, and those with an abuse contact.
    addresses: u64,
    addresses_with_abuse: u64,
}

impl Coverage {
    pub(crate) fn add(&mut self, record: &whohosts::HostingRecord) {
        if record.addresses.is_empty() {
            return;
        }
        self.with_addresses += 1;
        let with = record.addresses.iter().filter(|a| !a.abuse.is_empty()).count() as u64;
        self.addresses += record.addresses.len() as u64;
        self.addresses_with_abuse += with;
        if with == record.addresses.len() as u64 {
            self.every_address += 1;
        }
    }
}

/// The figures of a `--real-limits` run, printed on stderr and returned for the summary
/// JSON.
pub(crate) fn report(
    world: &World,
    generated: &GeneratedWorld,
    mode: Mode,
    stats: &Stats,
    wall: Duration,
    coverage: &Coverage,
) -> serde_json::Value {
    let mode_name = match mode {
        Mode::Counted => {
            "quota-free sources on; RIPE and LACNIC limited in real time, others counted"
        }
        Mode::RealTime => "quota-free sources on; every server limited in real time",
        Mode::RdapOnly => "RDAP only (quota-free sources off); nothing limited, all counted",
    };
    eprintln!("real limits          {mode_name}");
    let shares = generated.address_shares();
    let share_text: Vec<String> =
        shares.iter().map(|(rir, share)| format!("{rir} {:.1} %", 100.0 * share)).collect();
    eprintln!("  addresses by RIR   {} ({} addresses)", share_text.join(", "), {
        generated.addresses_per_rir().values().sum::<u64>()
    });

    // Requests and 429s per service, from the world's own log.
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    for entry in world.request_log() {
        if entry.status == 429 {
            *refused.entry(entry.service.clone()).or_default() += 1;
        }
    }
    let mut servers = Vec::new();
    let mut bound = Duration::ZERO;
    let mut bounding = String::new();
    eprintln!(
        "  {:<22} {:>8} {:>6} {:>12} {:>14}  published limit",
        "server", "requests", "429s", "at its rate", "over budget?"
    );
    eprintln!("  (RIPE NCC counts personal data sets: {} per answer of this world)", cost("ripe"));
    for service in generated.min_requests_per_service().keys() {
        let limit = published(service, &world.real_urls(service));
        let sent = world.requests(service);
        // In the units the server counts (RIPE: personal data sets).
        let units = sent * u64::from(cost(service));
        let paced = units.saturating_sub(u64::from(limit.burst));
        let seconds =
            if limit.requests == 0 { 0.0 } else { paced as f64 / limit.per_second().max(1e-12) };
        if Duration::from_secs_f64(seconds) > bound {
            bound = Duration::from_secs_f64(seconds);
            bounding = service.clone();
        }
        let refused = refused.get(service).copied().unwrap_or(0);
        // Within the published budget: no request refused, and (for a quota) no more
        // requests than the quota allows in its period.
        let quota_kept = !QUOTA_LIMITED.contains(&service.as_str())
            || mode == Mode::RdapOnly
            || units <= u64::from(limit.burst) + 2 * u64::from(cost(service));
        let kept = refused == 0 && quota_kept;
        eprintln!(
            "  {service:<22} {sent:>8} {refused:>6} {:>12} {:>14}  {} per {} ({})",
            human(Duration::from_secs_f64(seconds)),
            if mode == Mode::RdapOnly && QUOTA_LIMITED.contains(&service.as_str()) {
                "not enforced"
            } else if kept {
                "no"
            } else {
                "YES"
            },
            limit.requests,
            human(limit.period),
            limit.source
        );
        servers.push(serde_json::json!({
            "service": service, "requests": sent, "counted_units": units, "refused_429": refused,
            "published_requests": limit.requests, "published_period_seconds": limit.period.as_secs_f64(),
            "seconds_at_published_rate": seconds, "within_budget": kept,
        }));
    }
    let ripestat = world.ripestat_queries().len() as u64;
    let zone = ".abuse-contacts.abusix.zone";
    let abusix: u64 = world
        .dns_questions()
        .iter()
        .filter(|(name, _, _)| name.trim_end_matches('.').ends_with(zone.trim_start_matches('.')))
        .map(|(_, _, n)| n)
        .sum();
    let whois = world.whois_requests("whois.afrinic.net");
    let rdap = world.total_requests().saturating_sub(ripestat);
    let all = rdap + ripestat + abusix + whois;
    eprintln!(
        "  requests to sources {all}: RDAP {rdap}, RIPEstat {ripestat}, Abusix DNS {abusix}, WHOIS {whois}"
    );
    // Paced for real, the run's own time is the figure (the bound is inside it).
    let estimate = if mode == Mode::RealTime { wall } else { bound + wall };
    if mode == Mode::RealTime {
        eprintln!(
            "  wall time           {} measured at the real limits (bound: {} at {bounding}'s rate)",
            human(wall),
            human(bound)
        );
    } else if bounding.is_empty() {
        eprintln!(
            "  estimated wall time {} measured (no server asked past its burst)",
            human(estimate)
        );
    } else {
        eprintln!(
            "  estimated wall time {} = {} at {bounding}'s published rate + {:.1} s measured",
            human(estimate),
            human(bound),
            wall.as_secs_f64()
        );
    }
    let pct = |a: u64, b: u64| 100.0 * a as f64 / b.max(1) as f64;
    eprintln!(
        "  abuse contact for every address: {} of {} records ({:.2} %); {} of {} addresses",
        coverage.every_address,
        coverage.with_addresses,
        pct(coverage.every_address, coverage.with_addresses),
        coverage.addresses_with_abuse,
        coverage.addresses
    );
    if let Some(abuse) = stats.abuse_summary() {
        eprintln!("  {abuse}");
    }
    serde_json::json!({
        "mode": match mode { Mode::Counted => "counted", Mode::RealTime => "real_time", Mode::RdapOnly => "rdap_only" },
        "address_shares": shares,
        "servers": servers,
        "requests": { "all": all, "rdap": rdap, "ripestat": ripestat, "abusix_dns": abusix, "whois": whois },
        "estimated_wall_seconds": estimate.as_secs_f64(),
        "bound_seconds": bound.as_secs_f64(),
        "bounding_server": bounding,
        "measured_wall_seconds": wall.as_secs_f64(),
        "records_with_addresses": coverage.with_addresses,
        "records_with_abuse_for_every_address": coverage.every_address,
        "addresses": coverage.addresses,
        "addresses_with_abuse": coverage.addresses_with_abuse,
    })
}

/// `2 d 3 h`, `14 min 5 s`, `3.2 s`.
fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 86_400.0 {
        format!("{:.0} d {:.0} h", (s / 86_400.0).floor(), (s % 86_400.0 / 3_600.0).floor())
    } else if s >= 3_600.0 {
        format!("{:.0} h {:.0} min", (s / 3_600.0).floor(), (s % 3_600.0 / 60.0).floor())
    } else if s >= 60.0 {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), (s % 60.0).floor())
    } else {
        format!("{s:.1} s")
    }
}
