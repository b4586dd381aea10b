//! Reading RDAP answers into record parts: an `ip network` answer into [`NetworkAnswer`]
//! (network, holder, abuse contacts) and a `domain` answer into [`DomainAnswer`] (registrar,
//! its abuse contacts, the link to the registrar's own RDAP). Pure functions, no I/O.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};
use serde_json::Value;

use super::entities::{EntityNode, contacts_of, display_name, parse_links, walk_entities};
use crate::error::{SourceError, SourceErrorKind};
use crate::record::{Contact, HostingProvider, Network, Registrar};

/// At most this many CIDR blocks are computed from a start–end range.
const MAX_COMPUTED_CIDRS: usize = 64;

/// What an RDAP `ip network` answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NetworkAnswer {
    /// The network registration.
    pub(crate) network: Network,
    /// The holder: the shallowest `registrant` entity with a usable name.
    pub(crate) holder: Option<HostingProvider>,
    /// Contacts of every `abuse` entity at any depth, shallowest first, de-duplicated by
    /// (email, phone).
    pub(crate) abuse: Vec<Contact>,
    /// `port43`, the registry's WHOIS server.
    pub(crate) port43: Option<String>,
    /// `parentHandle`.
    pub(crate) parent_handle: Option<String>,
    /// `href` of the top-level link with relation `up` (the enclosing network).
    pub(crate) up_link: Option<String>,
    /// ARIN's `arin_originas0_originautnums`.
    pub(crate) origin_asns: Vec<u32>,
}

/// What an RDAP `domain` answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DomainAnswer {
    /// `ldhName`, lower case, no trailing dot.
    pub(crate) ldh_name: Option<String>,
    /// `handle`.
    pub(crate) handle: Option<String>,
    /// The sponsoring registrar, when a `registrar` entity is present.
    pub(crate) registrar: Option<Registrar>,
    /// `href`s of top-level `related` links to RDAP data for the domain (the registrar's own
    /// answer), in published order.
    pub(crate) registrar_links: Vec<String>,
    /// Name server host names, lower case, no trailing dot.
    pub(crate) nameservers: Vec<String>,
    /// `port43`.
    pub(crate) port43: Option<String>,
}

/// Read an `ip network` answer fetched from `source_url`, walking entities to `max_depth`.
/// `Malformed` when `answer` is not an object of class `ip network`.
pub(crate) fn read_network(
    answer: &Value,
    source_url: &str,
    max_depth: usize,
) -> Result<NetworkAnswer, SourceError> {
    expect_class(answer, "ip network")?;
    let port43 = text(answer, "port43");
    let range_start = text(answer, "startAddress").and_then(|s| s.parse::<IpAddr>().ok());
    let range_end = text(answer, "endAddress").and_then(|s| s.parse::<IpAddr>().ok());
    let mut cidrs = cidr0(answer);
    if cidrs.is_empty()
        && let (Some(start), Some(end)) = (range_start, range_end)
    {
        cidrs = range_to_cidrs(start, end);
    }
    let network = Network {
        handle: text(answer, "handle"),
        name: text(answer, "name"),
        range_start,
        range_end,
        cidrs,
        country: text(answer, "country"),
        kind: text(answer, "type"),
        rir: rir_name(Some(source_url), port43.as_deref()),
        source_url: Some(source_url.to_owned()),
        ..Network::default()
    };

    let nodes = walk_entities(answer, max_depth);
    let holder = shallowest(&nodes, "registrant", |n| {
        let name = display_name(n)?;
        Some(HostingProvider::new(name, n.handle.clone()))
    });
    let abuse = abuse_contacts(nodes.iter().filter(|n| n.has_role("abuse")), source_url);

    let up_link =
        parse_links(answer.get("links")).into_iter().find(|l| l.has_rel("up")).map(|l| l.href);
    let origin_asns = answer
        .get("arin_originas0_originautnums")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(as_u32).collect())
        .unwrap_or_default();

    Ok(NetworkAnswer {
        network,
        holder,
        abuse,
        port43,
        parent_handle: text(answer, "parentHandle"),
        up_link,
        origin_asns,
    })
}

/// Read a `domain` answer fetched from `source_url`, walking entities to `max_depth`.
/// `Malformed` when `answer` is not an object of class `domain`.
///
/// The registrar is the first `registrar` entity at the shallowest depth. Its abuse contacts
/// are those of `abuse` entities nested (at any depth) under it, as the ICANN RDAP profile
/// places them. Only when there are none are the answer's top-level (depth 1) `abuse`
/// entities used instead: registrars' own answers sometimes put their abuse role there, but
/// in a registry answer such an entity may be the registry's, so it is a fallback only.
pub(crate) fn read_domain(
    answer: &Value,
    source_url: &str,
    max_depth: usize,
) -> Result<DomainAnswer, SourceError> {
    expect_class(answer, "domain")?;
    let nodes = walk_entities(answer, max_depth);

    let registrar_links = related_links(answer);
    let registrar_index = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.has_role("registrar"))
        .min_by_key(|(_, n)| n.depth)
        .map(|(i, _)| i);
    let registrar = registrar_index.and_then(|index| {
        let node = nodes.get(index)?;
        let iana_id = node
            .public_ids
            .iter()
            .find(|p| p.kind.eq_ignore_ascii_case("IANA Registrar ID") && !p.identifier.is_empty())
            .map(|p| p.identifier.clone())
            .or_else(|| node.handle.clone().filter(|h| h.bytes().all(|b| b.is_ascii_digit())));
        let nested = nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| n.has_role("abuse") && descends_from(&nodes, *i, index))
            .map(|(_, n)| n);
        let mut abuse = abuse_contacts(nested, source_url);
        if abuse.is_empty() {
            let top = nodes.iter().filter(|n| n.depth == 1 && n.has_role("abuse"));
            abuse = abuse_contacts(top, source_url);
        }
        Some(Registrar {
            name: display_name(node),
            iana_id,
            abuse,
            rdap_url: registrar_links.first().cloned(),
            source_url: Some(source_url.to_owned()),
            ..Registrar::default()
        })
    });

    let ldh_name = text(answer, "ldhName").map(|n| normalise_host(&n)).filter(|n| !n.is_empty());
    let nameservers = answer
        .get("nameservers")
        .or_else(|| answer.get("nameServers"))
        .and_then(Value::as_array)
        .map(|list| {
            let mut out: Vec<String> = Vec::new();
            for ns in list {
                let Some(name) = ns.get("ldhName").and_then(Value::as_str) else { continue };
                let name = normalise_host(name);
                if !name.is_empty() && !out.contains(&name) {
                    out.push(name);
                }
            }
            out
        })
        .unwrap_or_default();

    Ok(DomainAnswer {
        ldh_name,
        handle: text(answer, "handle"),
        registrar,
        registrar_links,
        nameservers,
        port43: text(answer, "port43"),
    })
}

/// The registry that answered, from the RDAP URL's host (`rdap.arin.net`, …), else from the
/// `port43` WHOIS server (`whois.arin.net`, …). NIRs are recognised before their RIR.
pub(crate) fn rir_name(base_url: Option<&str>, port43: Option<&str>) -> Option<String> {
    let from_url = base_url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .and_then(|host| registry_for_host(&host));
    from_url
        .or_else(|| {
            let host = port43?.trim().trim_end_matches('.').to_ascii_lowercase();
            // Some servers publish "whois.x.net:43" or a URL-ish value.
            let host = host.rsplit("://").next().unwrap_or_default();
            let host = host.split([':', '/']).next().unwrap_or_default();
            registry_for_host(host)
        })
        .map(str::to_owned)
}

/// Registry domains (the host equals one or ends with `.` + one) and names, NIRs first.
const REGISTRY_DOMAINS: &[(&str, &str)] = &[
    ("registro.br", "registro.br"),
    ("nic.br", "registro.br"),
    ("nic.ad.jp", "JPNIC"),
    ("jpnic.net", "JPNIC"),
    ("kisa.or.kr", "KRNIC"),
    ("nic.or.kr", "KRNIC"),
    ("twnic.net.tw", "TWNIC"),
    ("twnic.tw", "TWNIC"),
    ("twnic.net", "TWNIC"),
    ("cnnic.cn", "CNNIC"),
    ("cnnic.net.cn", "CNNIC"),
    ("idnic.net", "IDNIC"),
    ("idnic.id", "IDNIC"),
    ("arin.net", "ARIN"),
    ("ripe.net", "RIPE NCC"),
    ("apnic.net", "APNIC"),
    ("lacnic.net", "LACNIC"),
    ("afrinic.net", "AFRINIC"),
];

/// The registry for a host name, by [`REGISTRY_DOMAINS`] or a leading NIR label (APNIC
/// hosts some NIR services under its own domain, e.g. `jpnic.rdap.apnic.net`).
fn registry_for_host(host: &str) -> Option<&'static str> {
    let host = host.trim_end_matches('.');
    let first = host.split('.').next().unwrap_or_default();
    let nir = match first {
        "jpnic" => Some("JPNIC"),
        "krnic" => Some("KRNIC"),
        "twnic" => Some("TWNIC"),
        "cnnic" => Some("CNNIC"),
        "idnic" => Some("IDNIC"),
        _ => None,
    };
    if nir.is_some() && host.contains('.') {
        return nir;
    }
    REGISTRY_DOMAINS
        .iter()
        .find(|(domain, _)| {
            host == *domain || host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
        })
        .map(|(_, name)| *name)
}

/// `Malformed` unless `answer` is an object whose `objectClassName` is `class`.
fn expect_class(answer: &Value, class: &str) -> Result<(), SourceError> {
    let Some(obj) = answer.as_object() else {
        return Err(SourceError::new(
            SourceErrorKind::Malformed,
            "RDAP answer is not a JSON object",
        ));
    };
    match obj.get("objectClassName").and_then(Value::as_str) {
        Some(c) if c.trim().eq_ignore_ascii_case(class) => Ok(()),
        Some(c) => Err(SourceError::new(
            SourceErrorKind::Malformed,
            format!("expected an RDAP {class:?} object, got {c:?}"),
        )),
        None => Err(SourceError::new(
            SourceErrorKind::Malformed,
            format!("expected an RDAP {class:?} object, got no objectClassName"),
        )),
    }
}

/// A top-level string member, trimmed, non-empty.
fn text(obj: &Value, key: &str) -> Option<String> {
    let s = obj.get(key)?.as_str()?.trim();
    if s.is_empty() { None } else { Some(s.to_owned()) }
}

/// A JSON number or numeric string as `u32`.
fn as_u32(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A host name lower case, trimmed, without a trailing dot.
fn normalise_host(name: &str) -> String {
    name.trim().trim_end_matches('.').to_lowercase()
}

/// `cidr0_cidrs` blocks as `prefix/length` (the length may be a number or a string).
fn cidr0(answer: &Value) -> Vec<String> {
    let Some(list) = answer.get("cidr0_cidrs").and_then(Value::as_array) else { return Vec::new() };
    let mut out = Vec::new();
    for block in list {
        let prefix = block
            .get("v4prefix")
            .or_else(|| block.get("v6prefix"))
            .and_then(Value::as_str)
            .and_then(|s| s.trim().parse::<IpAddr>().ok());
        let length = block.get("length").and_then(as_u32).and_then(|l| u8::try_from(l).ok());
        let (Some(prefix), Some(length)) = (prefix, length) else {
            tracing::debug!(?block, "skipping malformed cidr0 block");
            continue;
        };
        match IpNet::new(prefix, length) {
            Ok(net) => {
                let s = net.to_string();
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            Err(_) => tracing::debug!(?block, "skipping cidr0 block with bad length"),
        }
    }
    out
}

/// The fewest CIDR blocks covering `start..=end` (same family, start ≤ end), at most
/// [`MAX_COMPUTED_CIDRS`].
fn range_to_cidrs(start: IpAddr, end: IpAddr) -> Vec<String> {
    match (start, end) {
        (IpAddr::V4(s), IpAddr::V4(e)) if s <= e => {
            Ipv4Subnets::new(s, e, 0).take(MAX_COMPUTED_CIDRS).map(|n| n.to_string()).collect()
        }
        (IpAddr::V6(s), IpAddr::V6(e)) if s <= e => {
            Ipv6Subnets::new(s, e, 0).take(MAX_COMPUTED_CIDRS).map(|n| n.to_string()).collect()
        }
        _ => Vec::new(),
    }
}

/// The first value `pick` gives for entities with `role`, shallowest first (document order
/// within a depth).
fn shallowest<T>(
    nodes: &[EntityNode],
    role: &str,
    pick: impl Fn(&EntityNode) -> Option<T>,
) -> Option<T> {
    let mut candidates: Vec<&EntityNode> = nodes.iter().filter(|n| n.has_role(role)).collect();
    candidates.sort_by_key(|n| n.depth);
    candidates.into_iter().find_map(pick)
}

/// Contacts of `nodes` for role `abuse`, shallowest first, de-duplicated by (email, phone)
/// with emails compared case-insensitively.
fn abuse_contacts<'a>(
    nodes: impl Iterator<Item = &'a EntityNode>,
    source_url: &str,
) -> Vec<Contact> {
    let mut nodes: Vec<&EntityNode> = nodes.collect();
    nodes.sort_by_key(|n| n.depth);
    let mut out: Vec<Contact> = Vec::new();
    for node in nodes {
        for contact in contacts_of(node, source_url, "abuse") {
            let key = (contact.email.as_ref().map(|e| e.to_lowercase()), contact.phone.clone());
            let seen = out
                .iter()
                .any(|c| (c.email.as_ref().map(|e| e.to_lowercase()), c.phone.clone()) == key);
            if !seen {
                out.push(contact);
            }
        }
    }
    out
}

/// True when node `index` is nested (at any depth) under node `ancestor`.
fn descends_from(nodes: &[EntityNode], index: usize, ancestor: usize) -> bool {
    let mut current = nodes.get(index).and_then(|n| n.parent);
    while let Some(p) = current {
        if p == ancestor {
            return true;
        }
        current = nodes.get(p).and_then(|n| n.parent);
    }
    false
}

/// Top-level `related` links to RDAP data: `type` `application/rdap+json` (parameters
/// ignored), or no `type` and an `href` containing `/domain/`; only http(s) URLs.
fn related_links(answer: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for link in parse_links(answer.get("links")) {
        if !link.has_rel("related") {
            continue;
        }
        let rdap = match &link.media_type {
            Some(t) => t
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/rdap+json")),
            None => link.href.to_ascii_lowercase().contains("/domain/"),
        };
        let web = url::Url::parse(&link.href).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if rdap && web && !out.contains(&link.href) {
            out.push(link.href);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn network(fixture: &str, url: &str) -> NetworkAnswer {
        let v: Value = serde_json::from_str(fixture).unwrap();
        read_network(&v, url, 8).unwrap()
    }

    fn domain(fixture: &str, url: &str) -> DomainAnswer {
        let v: Value = serde_json::from_str(fixture).unwrap();
        read_domain(&v, url, 8).unwrap()
    }

    fn abuse(email: Option<&str>, phone: Option<&str>, name: Option<&str>, url: &str) -> Contact {
        Contact {
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            web: None,
            role: Some("abuse".to_owned()),
            source_url: Some(url.to_owned()),
            ..Contact::default()
        }
    }

    fn holder(name: &str, handle: &str) -> Option<HostingProvider> {
        Some(HostingProvider::new(name, Some(handle.to_owned())))
    }

    #[test]
    fn arin_google() {
        let url = "https://rdap.arin.net/registry/ip/8.8.8.8";
        let a =
            network(include_str!("../../tests/fixtures/rdap/ip/arin-8.8.8.0-24-google.json"), url);
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(a.network.handle.as_deref(), Some("NET-8-8-8-0-2"));
        assert_eq!(a.network.name.as_deref(), Some("GOGL"));
        assert_eq!(a.network.range_start, ip("8.8.8.0"));
        assert_eq!(a.network.range_end, ip("8.8.8.255"));
        assert_eq!(a.network.cidrs, vec!["8.8.8.0/24"]);
        assert_eq!(a.network.kind.as_deref(), Some("DIRECT ALLOCATION"));
        assert_eq!(a.network.rir.as_deref(), Some("ARIN"));
        assert_eq!(a.network.country, None);
        assert_eq!(a.network.source_url.as_deref(), Some(url));
        assert_eq!(a.holder, holder("Google LLC", "GOGL"));
        assert_eq!(
            a.abuse,
            vec![abuse(
                Some("network-abuse@google.com"),
                Some("+1-650-253-0000"),
                Some("Abuse"),
                url
            )]
        );
        assert_eq!(a.port43.as_deref(), Some("whois.arin.net"));
        assert_eq!(a.parent_handle.as_deref(), Some("NET-8-0-0-0-0"));
        assert_eq!(a.up_link, None);
        assert!(a.origin_asns.is_empty());
    }

    #[test]
    fn arin_google_2021_up_link() {
        let url = "https://rdap.arin.net/registry/ip/8.8.8.8";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/arin-8.8.8.8-google-2021-from-vcr.json"),
            url,
        );
        assert_eq!(a.network.handle.as_deref(), Some("NET-8-8-8-0-1"));
        assert_eq!(a.network.name.as_deref(), Some("LVLT-GOGL-8-8-8"));
        assert_eq!(a.up_link.as_deref(), Some("https://rdap.arin.net/registry/ip/8.0.0.0/9"));
        assert_eq!(a.parent_handle.as_deref(), Some("NET-8-0-0-0-1"));
        assert_eq!(a.abuse[0].email.as_deref(), Some("network-abuse@google.com"));
    }

    #[test]
    fn arin_cloudflare_abuse_deduplicated() {
        let url = "https://rdap.arin.net/registry/ip/104.16.0.0";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/arin-104.16.0.0-12-cloudflare.json"),
            url,
        );
        assert_eq!(a.network.handle.as_deref(), Some("NET-104-16-0-0-1"));
        assert_eq!(a.network.name.as_deref(), Some("CLOUDFLARENET"));
        assert_eq!(a.network.cidrs, vec!["104.16.0.0/12"]);
        assert_eq!(a.holder, holder("Cloudflare, Inc.", "CLOUD14"));
        assert_eq!(
            a.abuse,
            vec![abuse(Some("abuse@cloudflare.com"), Some("+1-650-319-8930"), Some("Abuse"), url)]
        );
        assert_eq!(a.parent_handle.as_deref(), Some("NET-104-0-0-0-0"));
    }

    #[test]
    fn arin_origin_asns_and_ipv6() {
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/arin-192.198.0.0-22-radiolink.json"),
            "https://rdap.arin.net/registry/ip/192.198.0.0",
        );
        assert_eq!(a.origin_asns, vec![53301]);
        assert_eq!(a.abuse.len(), 1);
        assert_eq!(a.abuse[0].email.as_deref(), Some("daniel.petsinger@radiolinkinternet.com"));

        let a = network(
            include_str!(
                "../../tests/fixtures/rdap/ip/arin-2620-119-35--35-ipv6-cisco-opendns-from-vcr.json"
            ),
            "https://rdap.arin.net/registry/ip/2620:119:35::35",
        );
        assert_eq!(a.network.cidrs, vec!["2620:119::/40"]);
        assert_eq!(a.origin_asns, vec![36692]);
        assert_eq!(a.holder, holder("Cisco OpenDNS, LLC", "OPEND-2"));
        assert_eq!(a.abuse[0].email.as_deref(), Some("pzagorow@cisco.com"));
        assert_eq!(a.abuse[0].phone.as_deref(), Some("+44 20 7034 9367"));
    }

    #[test]
    fn ripe_both_files() {
        let url = "https://rdap.db.ripe.net/ip/193.0.6.139";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc.json"),
            url,
        );
        assert_eq!(a.network.handle.as_deref(), Some("193.0.0.0 - 193.0.7.255"));
        assert_eq!(a.network.name.as_deref(), Some("RIPE-NCC"));
        assert_eq!(a.network.cidrs, vec!["193.0.0.0/21"]);
        assert_eq!(a.network.country.as_deref(), Some("NL"));
        assert_eq!(a.network.kind.as_deref(), Some("ASSIGNED PA"));
        assert_eq!(a.network.rir.as_deref(), Some("RIPE NCC"));
        assert_eq!(
            a.holder,
            holder("Reseaux IP Europeens Network Coordination Centre (RIPE NCC)", "ORG-RIEN1-RIPE")
        );
        // The "e-mail" redactions (by JSON path, not name.type) do not hide abuse@ripe.net.
        assert_eq!(
            a.abuse,
            vec![abuse(
                Some("abuse@ripe.net"),
                Some("+31 20 535 4444"),
                Some("RIPE NCC Operations"),
                url
            )]
        );
        assert_eq!(a.parent_handle.as_deref(), Some("193.0.0.0 - 193.0.23.255"));

        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc-2019.json"),
            url,
        );
        // No cidr0 in 2019: computed from start and end.
        assert_eq!(a.network.cidrs, vec!["193.0.0.0/21"]);
        // The 2019 registrant entities have no vCard: no holder name.
        assert_eq!(a.holder, None);
        let got: Vec<_> =
            a.abuse.iter().map(|c| (c.email.as_deref(), c.phone.as_deref())).collect();
        assert_eq!(
            got,
            vec![(Some("abuse@ripe.net"), Some("+31 20 535 4444")), (Some("ops@ripe.net"), None)]
        );
    }

    #[test]
    fn apnic_irt_with_pref() {
        let url = "https://rdap.apnic.net/ip/1.1.1.1";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/apnic-1.1.1.0-24-apnic-labs.json"),
            url,
        );
        assert_eq!(a.network.name.as_deref(), Some("APNIC-LABS"));
        assert_eq!(a.network.country.as_deref(), Some("AU"));
        assert_eq!(a.network.rir.as_deref(), Some("APNIC"));
        assert_eq!(a.network.cidrs, vec!["1.1.1.0/24"]);
        // No registrant entity in this answer.
        assert_eq!(a.holder, None);
        // The same mailbox twice in the IRT: one contact.
        assert_eq!(
            a.abuse,
            vec![abuse(Some("abuse@apnic.net"), None, Some("IRT-APNICRANDNET-AU"), url)]
        );

        let url = "https://rdap.apnic.net/ip/203.119.101.1";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/apnic-203.119.100.0-22-apnic.json"),
            url,
        );
        assert_eq!(a.holder, holder("Asia Pacific Network Information Centre", "ORG-APNI1-AP"));
        assert_eq!(
            a.abuse,
            vec![
                abuse(Some("abuse@apnic.net"), None, Some("IRT-APNIC-IS-AP"), url),
                abuse(Some("helpdesk@apnic.net"), None, Some("IRT-APNIC-IS-AP"), url),
            ]
        );
    }

    #[test]
    fn lacnic_hash_extension() {
        let url = "https://rdap.lacnic.net/rdap/ip/200.3.13.10";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/lacnic-200.3.12.0-22-lacnic.json"),
            url,
        );
        assert_eq!(a.network.handle.as_deref(), Some("200.3.12.0/22"));
        assert_eq!(a.network.name.as_deref(), Some("200.3.12.0 - 200.3.15.255"));
        assert_eq!(a.network.cidrs, vec!["200.3.12.0/22"]);
        assert_eq!(a.network.rir.as_deref(), Some("LACNIC"));
        assert_eq!(
            a.holder,
            holder("LACNIC - Latin American and Caribbean IP address", "UY-LACN-LACNIC")
        );
        assert_eq!(
            a.abuse,
            vec![abuse(
                Some("ipadmin@lacnic.net"),
                Some("+598  26042222#4401"),
                Some("Carlos M Martínez"),
                url
            )]
        );
        assert_eq!(a.up_link.as_deref(), Some("https://rdap.lacnic.net/rdap/ip/200.0.0.0/8"));
    }

    #[test]
    fn afrinic_has_no_abuse() {
        let url = "https://rdap.afrinic.net/rdap/ip/196.216.2.1";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/afrinic-196.216.2.0-23-afrinic.json"),
            url,
        );
        assert!(a.abuse.is_empty());
        assert_eq!(a.network.cidrs, vec!["196.216.2.0/23"]);
        assert_eq!(a.network.country.as_deref(), Some("ZA"));
        assert_eq!(a.network.rir.as_deref(), Some("AFRINIC"));
        assert_eq!(
            a.holder,
            holder("African Network Information Center - (AfriNIC) Ltd", "ORG-AFNC1-AFRINIC")
        );
    }

    #[test]
    fn registro_br_string_length_and_mail_less_abuse() {
        let url = "https://rdap.registro.br/ip/200.160.0.0/20";
        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/registrobr-200.160.0.0-20-nicbr.json"),
            url,
        );
        assert_eq!(a.network.cidrs, vec!["200.160.0.0/20"]);
        assert_eq!(a.network.rir.as_deref(), Some("registro.br"));
        assert_eq!(a.network.country.as_deref(), Some("BR"));
        assert_eq!(
            a.holder,
            holder("Núcleo de Inf. e Coord. do Ponto BR - NIC.BR", "05506560000136")
        );
        // FAN has neither email nor phone in the network answer.
        assert!(a.abuse.is_empty());

        let a = network(
            include_str!("../../tests/fixtures/rdap/ip/registrobr-177.0.0.0-14-oi.json"),
            "https://rdap.registro.br/ip/177.0.0.0/14",
        );
        // No cidr0 here: computed.
        assert_eq!(a.network.cidrs, vec!["177.0.0.0/14"]);
        assert!(a.abuse.is_empty());
    }

    #[test]
    fn rir_names() {
        let cases = [
            (Some("https://rdap.arin.net/registry/ip/1.2.3.4"), None, Some("ARIN")),
            (Some("https://rdap.db.ripe.net/ip/1"), None, Some("RIPE NCC")),
            (Some("https://rdap.apnic.net/ip/1"), None, Some("APNIC")),
            (Some("https://jpnic.rdap.apnic.net/ip/1"), None, Some("JPNIC")),
            (Some("https://rdap.lacnic.net/rdap/ip/1"), None, Some("LACNIC")),
            (Some("https://rdap.afrinic.net/rdap/ip/1"), None, Some("AFRINIC")),
            (Some("https://rdap.registro.br/ip/1"), None, Some("registro.br")),
            (Some("http://127.0.0.1:8080/ip/1"), Some("whois.arin.net"), Some("ARIN")),
            (None, Some("whois.nic.ad.jp"), Some("JPNIC")),
            (None, Some("whois.kisa.or.kr"), Some("KRNIC")),
            (None, Some("whois.twnic.net.tw"), Some("TWNIC")),
            (None, Some("whois.cnnic.cn"), Some("CNNIC")),
            (None, Some("whois.idnic.net"), Some("IDNIC")),
            (None, Some("WHOIS.RIPE.NET:43"), Some("RIPE NCC")),
            (Some("https://notarin.net/ip/1"), None, None),
            (Some("not a url"), Some(""), None),
            (None, None, None),
        ];
        for (url, port43, want) in cases {
            assert_eq!(rir_name(url, port43).as_deref(), want, "{url:?} {port43:?}");
        }
    }

    #[test]
    fn verisign_cloudflare_registry() {
        let url = "https://rdap.verisign.com/com/v1/domain/cloudflare.com";
        let d = domain(
            include_str!("../../tests/fixtures/rdap/domain/verisign-cloudflare.com-registry.json"),
            url,
        );
        assert_eq!(d.ldh_name.as_deref(), Some("cloudflare.com"));
        assert_eq!(d.handle.as_deref(), Some("1542998887_DOMAIN_COM-VRSN"));
        assert_eq!(
            d.registrar_links,
            vec!["https://rdap.cloudflare.com/rdap/v1/domain/CLOUDFLARE.COM"]
        );
        assert_eq!(
            d.nameservers,
            vec![
                "ns3.cloudflare.com",
                "ns4.cloudflare.com",
                "ns5.cloudflare.com",
                "ns6.cloudflare.com",
                "ns7.cloudflare.com"
            ]
        );
        assert_eq!(
            d.registrar,
            Some(Registrar {
                name: Some("Cloudflare, Inc.".into()),
                iana_id: Some("1910".into()),
                abuse: vec![abuse(
                    Some("registrar-abuse@cloudflare.com"),
                    Some("+1.6503198930"),
                    None,
                    url
                )],
                rdap_url: Some("https://rdap.cloudflare.com/rdap/v1/domain/CLOUDFLARE.COM".into()),
                source_url: Some(url.into()),
                ..Registrar::default()
            })
        );
        assert_eq!(d.port43, None);
    }

    #[test]
    fn cloudflare_registrar_answer() {
        let url = "https://rdap.cloudflare.com/rdap/v1/domain/CLOUDFLARE.COM";
        let d = domain(
            include_str!(
                "../../tests/fixtures/rdap/domain/cloudflare-registrar-cloudflare.com.json"
            ),
            url,
        );
        let r = d.registrar.unwrap();
        assert_eq!(r.name.as_deref(), Some("Cloudflare, Inc."));
        assert_eq!(r.iana_id.as_deref(), Some("1910"));
        assert_eq!(
            r.abuse,
            vec![abuse(
                Some("registrar-abuse@cloudflare.com"),
                Some("+1.4153197517"),
                Some("Cloudflare Registrar Abuse"),
                url
            )]
        );
        assert_eq!(r.rdap_url, None);
        assert!(d.registrar_links.is_empty());
        assert_eq!(d.ldh_name.as_deref(), Some("cloudflare.com"));
    }

    #[test]
    fn verisign_google_markmonitor() {
        let url = "https://rdap.verisign.com/com/v1/domain/GOOGLE.COM";
        let d = domain(
            include_str!(
                "../../tests/fixtures/rdap/domain/verisign-google.com-registry-from-vcr.json"
            ),
            url,
        );
        assert_eq!(d.ldh_name.as_deref(), Some("google.com"));
        let r = d.registrar.unwrap();
        assert_eq!(r.name.as_deref(), Some("MarkMonitor Inc."));
        assert_eq!(r.iana_id.as_deref(), Some("292"));
        assert_eq!(
            r.abuse,
            vec![abuse(Some("abusecomplaints@markmonitor.com"), Some("+1.2083895740"), None, url)]
        );
        assert_eq!(d.registrar_links, vec!["https://rdap.markmonitor.com/rdap/domain/GOOGLE.COM"]);
        assert_eq!(
            r.rdap_url.as_deref(),
            Some("https://rdap.markmonitor.com/rdap/domain/GOOGLE.COM")
        );
        assert_eq!(
            d.nameservers,
            vec!["ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com"]
        );
    }

    #[test]
    fn microsoft_click_iana_id_from_handle() {
        let url = "https://rdap.uniregistry.net/rdap/domain/microsoft.click";
        let d = domain(
            include_str!(
                "../../tests/fixtures/rdap/domain/uniregistry-microsoft.click-registry.json"
            ),
            url,
        );
        let r = d.registrar.unwrap();
        assert_eq!(r.name.as_deref(), Some("MarkMonitor Inc."));
        // No publicIds: the all-digit handle is the IANA ID.
        assert_eq!(r.iana_id.as_deref(), Some("292"));
        assert_eq!(
            r.abuse,
            vec![abuse(
                Some("abusecomplaints@markmonitor.com"),
                Some("+1.2083895740"),
                Some("Markmonitor"),
                url
            )]
        );
        assert!(d.registrar_links.is_empty());
        assert_eq!(
            d.nameservers,
            vec![
                "ns4-08.azure-dns.info",
                "ns2-08.azure-dns.net",
                "ns3-08.azure-dns.org",
                "ns1-08.azure-dns.com"
            ]
        );
    }

    #[test]
    fn snapnames_trailing_dot_and_empty_nameserver() {
        let url = "http://rdap.snapnames.com/rdap/domain/shop.com.";
        let d = domain(
            include_str!(
                "../../tests/fixtures/rdap/domain/snapnames-netsol-shop.com-registrar.json"
            ),
            url,
        );
        assert_eq!(d.ldh_name.as_deref(), Some("shop.com"));
        assert_eq!(d.handle.as_deref(), Some("SHOP_COM-VRSN"));
        assert!(d.nameservers.is_empty());
        assert_eq!(d.port43.as_deref(), Some("whois.domain.com"));
        let r = d.registrar.unwrap();
        assert_eq!(r.name.as_deref(), Some("Domain.com - Network Solutions, LLC"));
        assert_eq!(r.iana_id.as_deref(), Some("886"));
        assert_eq!(
            r.abuse,
            vec![abuse(
                Some("domain.operations@web.com"),
                Some("+1.8777228662"),
                Some("Domain.com - Network Solutions, LLC"),
                url
            )]
        );
    }

    #[test]
    fn afnic_no_abuse() {
        let url = "https://rdap.nic.fr/domain/afnic.fr";
        let d = domain(include_str!("../../tests/fixtures/rdap/domain/afnic-afnic.fr.json"), url);
        assert_eq!(d.ldh_name.as_deref(), Some("afnic.fr"));
        assert_eq!(d.port43.as_deref(), Some("whois.nic.fr"));
        let r = d.registrar.unwrap();
        assert_eq!(r.name.as_deref(), Some("Registry Operations"));
        assert_eq!(r.iana_id.as_deref(), Some("9999"));
        assert!(r.abuse.is_empty());
        assert_eq!(d.nameservers, vec!["ns2.nic.fr", "ns1.nic.fr", "ns3.nic.fr"]);

        // airport.fr: two registrar entities at depth 1, the first wins.
        let d = domain(
            include_str!("../../tests/fixtures/rdap/domain/afnic-airport.fr-from-vcr.json"),
            "https://rdap.nic.fr/domain/airport.fr",
        );
        let r = d.registrar.unwrap();
        assert_eq!(r.name.as_deref(), Some("PG"));
        assert_eq!(r.iana_id.as_deref(), Some("84259"));
    }

    #[test]
    fn fir_moscow_split_tel() {
        let url = "https://flexireg.net/moscow/rdap/domain/home.moscow";
        let d = domain(
            include_str!("../../tests/fixtures/rdap/domain/flexireg-home.moscow-registry.json"),
            url,
        );
        let r = d.registrar.unwrap();
        assert_eq!(
            r.name.as_deref(),
            Some("Limited Liability Company \"Registrar of domain names REG.RU\"")
        );
        assert_eq!(r.iana_id.as_deref(), Some("1606"));
        assert_eq!(
            r.abuse,
            vec![abuse(Some("abuse@reg.ru"), Some("+7 495 5801111"), Some("Abuse contact"), url)]
        );
        assert_eq!(d.nameservers, vec!["ns1.reg.ru", "ns2.reg.ru"]);
        assert_eq!(d.port43.as_deref(), Some("whois.flexireg.net"));
    }

    #[test]
    fn top_level_abuse_is_a_fallback_only() {
        let v = json!({
            "objectClassName": "domain",
            "ldhName": "EXAMPLE.XX.",
            "links": [
                {"rel": "related", "href": "https://r.example/rdap/domain/example.xx"},
                {"rel": "related", "href": "https://r.example/about", "type": "text/html"},
                {"rel": "related", "href": "https://r.example/x", "type": "application/rdap+json; charset=utf-8"},
                {"rel": "self", "href": "https://reg.example/domain/example.xx", "type": "application/rdap+json"}
            ],
            "entities": [
                {"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "top@r.example"]]]},
                {"roles": ["registrar"], "vcardArray": ["vcard", [["fn", {}, "text", "R"]]]}
            ],
            "nameservers": [{"ldhName": "NS1.EXAMPLE.XX."}, {"ldhName": "ns1.example.xx"}, {}, 5]
        });
        let d = read_domain(&v, "u", 8).unwrap();
        assert_eq!(d.ldh_name.as_deref(), Some("example.xx"));
        assert_eq!(
            d.registrar_links,
            vec!["https://r.example/rdap/domain/example.xx", "https://r.example/x"]
        );
        assert_eq!(d.nameservers, vec!["ns1.example.xx"]);
        let r = d.registrar.unwrap();
        assert_eq!(r.abuse.len(), 1);
        assert_eq!(r.abuse[0].email.as_deref(), Some("top@r.example"));
        assert_eq!(r.iana_id, None);
    }

    #[test]
    fn wrong_class_is_malformed() {
        let ip: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/rdap/ip/arin-8.8.8.0-24-google.json"
        ))
        .unwrap();
        let err = read_domain(&ip, "u", 8).unwrap_err();
        assert_eq!(err.kind(), SourceErrorKind::Malformed);
        let dom: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/rdap/domain/verisign-cloudflare.com-registry.json"
        ))
        .unwrap();
        assert_eq!(read_network(&dom, "u", 8).unwrap_err().kind(), SourceErrorKind::Malformed);
        for bad in
            [json!(null), json!([]), json!({}), json!({"objectClassName": 5}), json!("domain")]
        {
            assert_eq!(read_domain(&bad, "u", 8).unwrap_err().kind(), SourceErrorKind::Malformed);
            assert_eq!(read_network(&bad, "u", 8).unwrap_err().kind(), SourceErrorKind::Malformed);
        }
    }

    #[test]
    fn malformed_network_members() {
        let v = json!({
            "objectClassName": "ip network",
            "startAddress": "10.0.0.0",
            "endAddress": "10.0.2.255",
            "cidr0_cidrs": [{"v4prefix": "10.0.0.0", "length": 99}, {"length": 8}, "x"],
            "arin_originas0_originautnums": [1, "2", -3, "x", 4294967296u64],
            "links": "nope",
            "entities": [
                {"roles": "abuse", "vcardArray": ["vcard", [["email", {}, "text", "a@n.example"]]]},
                {"roles": ["registrant"], "vcardArray": 5},
                {"roles": ["registrant"], "handle": "H2", "vcardArray": ["vcard", [["org", {}, "text", "Org Two"]]]},
                {"roles": ["registrant"], "entities": [{"roles": ["registrant"], "entities": [
                    {"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "deep@n.example"]]]}]}]}
            ]
        });
        let a = read_network(&v, "u", 2).unwrap();
        // Bad cidr0 blocks are skipped, so the range is converted instead.
        assert_eq!(a.network.cidrs, vec!["10.0.0.0/23", "10.0.2.0/24"]);
        assert_eq!(a.origin_asns, vec![1, 2]);
        assert_eq!(a.holder, holder("Org Two", "H2"));
        // The depth-3 abuse entity is beyond max_depth 2.
        let emails: Vec<_> = a.abuse.iter().map(|c| c.email.as_deref()).collect();
        assert_eq!(emails, vec![Some("a@n.example")]);
        assert_eq!(read_network(&v, "u", 3).unwrap().abuse.len(), 2);
        // Mixed families or reversed ranges give no CIDRs.
        assert!(range_to_cidrs("10.0.0.1".parse().unwrap(), "::1".parse().unwrap()).is_empty());
        assert!(
            range_to_cidrs("10.0.0.1".parse().unwrap(), "10.0.0.0".parse().unwrap()).is_empty()
        );
    }
}
