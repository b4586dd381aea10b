//! The per-address planner: which sources to ask for an address's abuse contact, and in what
//! order. RDAP first (then WHOIS, then the quota-free [`AbuseSource`]s), or the quota-free
//! sources first when the address's RDAP server is quota-limited (a long-period quota such as
//! RIPE NCC's 500 per 24 h, or a slow rate such as LACNIC's 1 per 6 s, read from its
//! [`ServerPolicy`]) or its request budget is spent, paused or failing right now (the
//! [`RateBudget::state`] query). It only decides: `network.rs` carries the plan out.
//!
//! [`AbuseSource`]: crate::AbuseSource

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::now;
use crate::config::{Config, NetworkDetail, Politeness, ServerPolicy};
use crate::rdap::RdapClient;
use crate::record::{AbusePlan, PlanFirst};
use crate::transport::budget::{BudgetState, RateBudget};

/// A policy whose period is this long or longer is a quota (it is counted over hours, and a
/// spent one stays spent for the rest of the run).
const QUOTA_PERIOD: Duration = Duration::from_secs(3600);

/// A policy allowing fewer requests than this per second is a slow rate (LACNIC's 10 per
/// minute): a bulk run would queue behind it for hours.
const SLOW_RATE_PER_SECOND: f64 = 1.0;

/// Decides, per address, which abuse sources go first.
#[derive(Debug)]
pub(crate) struct Planner {
    politeness: Politeness,
    budget: Arc<dyn RateBudget>,
    /// A wait longer than this for a server's next request counts as spent (a request would
    /// fail fast as `rate_limited`, as `acquire` does).
    max_pause: Duration,
    detail: NetworkDetail,
}

/// What the planner decided for one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Which kind of source goes first.
    pub(crate) first: PlanFirst,
    /// The address's RDAP server (its politeness key), when the bootstrap names one.
    pub(crate) server: Option<String>,
    /// Why the quota-free sources go first.
    pub(crate) reason: Option<String>,
    /// With the quota-free sources first: ask RDAP as well even when they give a mailbox
    /// (`network_detail = "full"`).
    pub(crate) rdap_always: bool,
}

impl Plan {
    /// The plan as the record states it, `rdap_asked` saying whether RDAP was asked.
    pub(crate) fn record(&self, rdap_asked: bool) -> AbusePlan {
        AbusePlan {
            first: self.first,
            rdap_server: self.server.clone(),
            reason: self.reason.clone(),
            rdap_asked,
        }
    }
}

impl Planner {
    /// A planner for `config`'s politeness table and network detail, reading `budget`.
    pub(crate) fn new(config: &Config, budget: Arc<dyn RateBudget>) -> Self {
        Self {
            politeness: config.politeness.clone(),
            budget,
            max_pause: config.timeouts.max_retry_after,
            detail: config.network_detail,
        }
    }

    /// The plan for `ip`, whose RDAP server `rdap`'s bootstrap names; `quota_free` says
    /// whether any quota-free source is configured (without one, RDAP always goes first).
    pub(crate) fn plan(&self, rdap: &RdapClient, ip: IpAddr, quota_free: bool) -> Plan {
        let server = rdap
            .ip_target(ip)
            .ok()
            .map(|target| self.politeness.server_key(&rdap.asked_url(&target.url)));
        let Some((key, policy)) = server else {
            return Plan { first: PlanFirst::Rdap, server: None, reason: None, rdap_always: true };
        };
        let state = self.budget.state(&key, policy, now());
        let reason =
            quota_free.then(|| why_not_first(&key, policy, state, self.max_pause)).flatten();
        Plan {
            first: if reason.is_some() { PlanFirst::QuotaFree } else { PlanFirst::Rdap },
            server: Some(key),
            reason,
            rdap_always: self.detail == NetworkDetail::Full,
        }
    }
}

/// Why RDAP server `key` should not be asked first: its policy is a quota or a slow rate,
/// or its budget (`state`) would not let a request go within `max_pause`. `None` when it
/// may be asked first.
pub(crate) fn why_not_first(
    key: &str,
    policy: ServerPolicy,
    state: BudgetState,
    max_pause: Duration,
) -> Option<String> {
    let limited = quota_limited(policy).then(|| describe(policy));
    let unavailable = match state {
        BudgetState::Spent(wait) if wait > max_pause => {
            Some(format!("its request budget is spent (next request in {})", seconds(wait)))
        }
        BudgetState::Paused(wait) if wait > max_pause => {
            Some(format!("it asked to pause for another {}", seconds(wait)))
        }
        BudgetState::CircuitOpen(wait) => Some(format!(
            "it failed repeatedly (its circuit breaker is open for another {})",
            seconds(wait)
        )),
        _ => None,
    };
    match (limited, unavailable) {
        (Some(quota), Some(why)) => Some(format!("{key} is quota-limited ({quota}) and {why}")),
        (Some(quota), None) => Some(format!("{key} is quota-limited ({quota})")),
        (None, Some(why)) => Some(format!("{key}: {why}")),
        (None, None) => None,
    }
}

/// True when `policy` is a quota counted over an hour or more, or a rate slower than one
/// request a second.
pub(crate) fn quota_limited(policy: ServerPolicy) -> bool {
    if policy.is_unlimited() {
        return false;
    }
    let rate = f64::from(policy.requests) / policy.period.as_secs_f64();
    policy.period >= QUOTA_PERIOD || rate < SLOW_RATE_PER_SECOND
}

/// `500 per 24 h`, `1 per 6 s`, `10 per 1 min`.
fn describe(policy: ServerPolicy) -> String {
    let secs = policy.period.as_secs();
    let period = if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{:.0} s", policy.period.as_secs_f64().ceil())
    };
    format!("{} per {period}", policy.requests)
}

/// A wait in whole seconds, rounded up: `86400 s`.
fn seconds(wait: Duration) -> String {
    format!("{:.0} s", wait.as_secs_f64().ceil())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);
    const PAUSE: Duration = Duration::from_secs(10);

    #[test]
    fn the_default_table_marks_ripe_and_lacnic_quota_limited_and_no_other_rir() {
        let table = Politeness::default();
        let policy = |url: &str| table.server_key(&url::Url::parse(url).unwrap()).1;
        assert!(quota_limited(policy("https://rdap.db.ripe.net/ip/193.0.6.139")));
        assert!(quota_limited(policy("https://rdap.lacnic.net/rdap/ip/200.3.14.10")));
        for other in [
            "https://rdap.arin.net/registry/ip/8.8.8.8",
            "https://rdap.apnic.net/ip/1.1.1.1",
            "https://rdap.afrinic.net/rdap/ip/196.216.2.6",
            "https://rdap.registro.br/ip/200.160.2.3",
        ] {
            assert!(!quota_limited(policy(other)), "{other}");
        }
        assert!(!quota_limited(ServerPolicy::unlimited(64)));
    }

    #[test]
    fn the_reason_names_the_server_its_quota_and_its_budget() {
        let ripe = ServerPolicy::new(500, DAY, 500, 4);
        let lacnic = ServerPolicy::new(1, Duration::from_secs(6), 1, 1);
        let arin = ServerPolicy::new(5, Duration::from_secs(1), 5, 4);
        let ready = BudgetState::Ready;
        assert_eq!(
            why_not_first("rdap.db.ripe.net", ripe, ready, PAUSE).as_deref(),
            Some("rdap.db.ripe.net is quota-limited (500 per 24 h)")
        );
        assert_eq!(
            why_not_first("rdap.lacnic.net", lacnic, ready, PAUSE).as_deref(),
            Some("rdap.lacnic.net is quota-limited (1 per 6 s)")
        );
        assert_eq!(why_not_first("rdap.arin.net", arin, ready, PAUSE), None);
        // A short wait is waited out; a long one, a pause or an open circuit is not.
        let short = BudgetState::Spent(Duration::from_millis(200));
        assert_eq!(why_not_first("rdap.arin.net", arin, short, PAUSE), None);
        assert_eq!(
            why_not_first("rdap.arin.net", arin, BudgetState::Paused(DAY / 24), PAUSE).as_deref(),
            Some("rdap.arin.net: it asked to pause for another 3600 s")
        );
        assert_eq!(
            why_not_first("rdap.db.ripe.net", ripe, BudgetState::Spent(DAY), PAUSE).as_deref(),
            Some(
                "rdap.db.ripe.net is quota-limited (500 per 24 h) and its request budget is \
                 spent (next request in 86400 s)"
            )
        );
        let open = BudgetState::CircuitOpen(Duration::from_secs(30));
        assert_eq!(
            why_not_first("rdap.arin.net", arin, open, PAUSE).as_deref(),
            Some(
                "rdap.arin.net: it failed repeatedly (its circuit breaker is open for another \
                 30 s)"
            )
        );
        assert_eq!(describe(ServerPolicy::new(10, Duration::from_secs(60), 1, 1)), "10 per 1 min");
    }
}
