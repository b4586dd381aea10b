//! Entries of the quota-free stand-ins (the Abusix zone, the RIPEstat endpoint) derived from
//! a world's RDAP network answers, so that they name the same abuse mailbox RDAP does.
//!
//! A network answer gives its ranges (`cidr0_cidrs`, else `startAddress`–`endAddress`) and
//! the mailboxes of its entities with the role `abuse` (nested ones too). Abusix has no
//! entries for LACNIC space (LACNIC and registro.br services): Abusix documents that its
//! ContactDB has no abuse data for LACNIC ranges, so lookups there must fall back to RDAP.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};
use serde_json::Value;

use super::{AbusixSpec, RipeStatSpec, WorldBuilder};

/// Entity nesting walked for abuse entities.
const MAX_DEPTH: usize = 4;

/// Abusix and RIPEstat entries, in the order derived.
#[derive(Debug, Clone, Default)]
pub(super) struct Entries {
    abusix: Vec<AbusixSpec>,
    ripestat: Vec<RipeStatSpec>,
}

impl Entries {
    /// Derive entries from one RDAP answer served by `service`; answers that are no IP
    /// network, or have no abuse mailbox, add nothing.
    pub(super) fn add_rdap(&mut self, service: &str, json: &str) {
        let Ok(value) = serde_json::from_str::<Value>(json) else { return };
        if value.get("objectClassName").and_then(Value::as_str) != Some("ip network") {
            return;
        }
        let mailboxes = abuse_mailboxes(&value);
        if mailboxes.is_empty() {
            return;
        }
        let rir = ripestat_rir(service);
        let in_lacnic_space = rir == Some("lacnic");
        for net in ranges(&value) {
            let prefix = net.to_string();
            if !in_lacnic_space {
                self.abusix.push(AbusixSpec { prefix: prefix.clone(), texts: mailboxes.clone() });
            }
            self.ripestat.push(RipeStatSpec {
                prefix,
                mailboxes: mailboxes.clone(),
                rir: rir.map(str::to_owned),
            });
        }
    }

    /// `builder` with the entries added (before any the caller adds later, which win).
    pub(super) fn apply(&self, mut builder: WorldBuilder) -> WorldBuilder {
        builder.abusix.extend(self.abusix.iter().cloned());
        builder.ripestat.extend(self.ripestat.iter().cloned());
        builder
    }
}

/// RIPEstat's name for the registry a world service stands for.
fn ripestat_rir(service: &str) -> Option<&'static str> {
    match service {
        "arin" => Some("arin"),
        "ripe" => Some("ripe"),
        "apnic" => Some("apnic"),
        "lacnic" | "registrobr" => Some("lacnic"),
        "afrinic" => Some("afrinic"),
        _ => None,
    }
}

/// The ranges of a network answer: `cidr0_cidrs`, else its start and end addresses.
fn ranges(network: &Value) -> Vec<IpNet> {
    let cidrs: Vec<IpNet> = network
        .get("cidr0_cidrs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let prefix = c.get("v4prefix").or_else(|| c.get("v6prefix"))?.as_str()?;
            let length = c.get("length")?.as_u64()?;
            format!("{prefix}/{length}").parse().ok()
        })
        .collect();
    if !cidrs.is_empty() {
        return cidrs;
    }
    let address = |key: &str| network.get(key)?.as_str()?.parse::<IpAddr>().ok();
    match (address("startAddress"), address("endAddress")) {
        (Some(IpAddr::V4(start)), Some(IpAddr::V4(end))) => {
            Ipv4Subnets::new(start, end, 0).map(IpNet::V4).collect()
        }
        (Some(IpAddr::V6(start)), Some(IpAddr::V6(end))) => {
            Ipv6Subnets::new(start, end, 0).map(IpNet::V6).collect()
        }
        _ => Vec::new(),
    }
}

/// The email addresses of every entity with the role `abuse`, in answer order, each once.
fn abuse_mailboxes(object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(object, 0, &mut out);
    out
}

fn walk(object: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    for entity in object.get("entities").and_then(Value::as_array).into_iter().flatten() {
        let abuse = entity
            .get("roles")
            .and_then(Value::as_array)
            .is_some_and(|roles| roles.iter().any(|r| r.as_str() == Some("abuse")));
        if abuse {
            for email in vcard_emails(entity) {
                if !out.iter().any(|seen: &String| seen.eq_ignore_ascii_case(&email)) {
                    out.push(email);
                }
            }
        }
        walk(entity, depth + 1, out);
    }
}

/// The `email` values of an entity's jCard.
fn vcard_emails(entity: &Value) -> Vec<String> {
    let properties = entity.get("vcardArray").and_then(|v| v.get(1)).and_then(Value::as_array);
    properties
        .into_iter()
        .flatten()
        .filter(|p| p.get(0).and_then(Value::as_str) == Some("email"))
        .filter_map(|p| p.get(3).and_then(Value::as_str))
        .map(|email| email.trim().to_owned())
        .filter(|email| email.contains('@'))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_recorded_network_gives_its_range_and_abuse_mailbox() {
        let json = include_str!("../fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc.json");
        let value: Value = serde_json::from_str(json).unwrap();
        assert_eq!(ranges(&value), ["193.0.0.0/21".parse::<IpNet>().unwrap()]);
        assert_eq!(abuse_mailboxes(&value), ["abuse@ripe.net"]);
        let mut entries = Entries::default();
        entries.add_rdap("ripe", json);
        assert_eq!(entries.abusix.len(), 1);
        assert_eq!(entries.ripestat[0].rir.as_deref(), Some("ripe"));
    }

    #[test]
    fn lacnic_space_has_no_abusix_entry() {
        let json = include_str!("../fixtures/rdap/ip/lacnic-200.3.12.0-22-lacnic.json");
        let mut entries = Entries::default();
        entries.add_rdap("lacnic", json);
        assert!(entries.abusix.is_empty());
        assert!(!entries.ripestat.is_empty());
    }

    #[test]
    fn a_start_and_end_become_prefixes() {
        let value = serde_json::json!({"startAddress": "10.0.0.0", "endAddress": "10.0.2.255"});
        let nets: Vec<String> = ranges(&value).iter().map(ToString::to_string).collect();
        assert_eq!(nets, ["10.0.0.0/23", "10.0.2.0/24"]);
    }
}
