//! Golden-test support: one RDAP answer in, its extraction as plain JSON out. **Not an API**:
//! compiled only with the private feature `__golden`, hidden from the docs, re-exported as
//! `whohosts::__golden` only so that the `tests/golden.rs` and `tests/corpus.rs` test binaries
//! (which see nothing but the public API) can run the private extractors over every recorded
//! answer, and `tests/whois_coverage.rs` the WHOIS domain reader over the recorded WHOIS
//! corpus ([`whois_domain_for_golden`]). The JSON shape may change with any release.

use serde_json::{Value, json};

use super::extract::{
    self, AutnumAnswer, DomainAnswer, EntityAnswer, EntityRef, ErrorAnswer, NetworkAnswer,
};
use super::registrars;
use crate::config::Limits;
use crate::record::{Contact, HostingProvider, Outcome, Source};
use crate::whois::parse::{self as whois, Located};

/// Run the extractor for `kind` over the JSON text `json`, as if fetched from `url`, and
/// return what it found as JSON (the shape the goldens under `tests/golden/` hold).
///
/// `kind` is the fixture folder: `ip` (`read_network`), `autnum`, `domain`, `entity` or
/// `error`. Entities are walked to the default [`Limits::max_entity_depth`]. A JSON syntax
/// error, an unknown kind or an extractor error is returned as `{"error": "…"}`.
///
/// Contacts are `{name, email, phone, web, role, sources}` where `sources` lists the JSON
/// pointers of the entities that stated the contact (a source at another URL than `url`
/// would appear as `{url, pointer}`).
pub fn extract_for_golden(kind: &str, json: &str, url: &str) -> Value {
    let answer: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return json!({ "error": format!("not JSON: {e}") }),
    };
    let depth = Limits::default().max_entity_depth;
    let result = match kind {
        "ip" => extract::read_network(&answer, url, depth).map(|a| network(&a, url)),
        "autnum" => extract::read_autnum(&answer, url, depth).map(|a| autnum(&a, url)),
        "domain" => extract::read_domain(&answer, url, depth).map(|a| domain(&a, url)),
        "entity" => extract::read_entity(&answer, url, depth).map(|a| entity(&a, url)),
        "error" => Ok(extract::read_error(&answer).as_ref().map_or(Value::Null, error)),
        other => return json!({ "error": format!("unknown kind {other:?}") }),
    };
    result.unwrap_or_else(|e| json!({ "error": format!("{}: {}", e.kind().as_str(), e.message()) }))
}

/// Read one WHOIS domain answer (`bytes` as received, decoded as the client decodes them) as
/// the registry or registrar at the other end would be read for `domain`, and return the
/// facts as JSON: `{registrar, iana_id, abuse_email, abuse_phone, referral, refer}` (each
/// `{value, line}` or `null`), `dropped` and `leniency` (lists of `{value, line}`), or
/// `{"error": {"kind", "message"}}` when the answer is a refusal (rate limit, not found,
/// server down).
pub fn whois_domain_for_golden(bytes: &[u8], domain: Option<&str>) -> Value {
    let located =
        |l: &Option<Located>| l.as_ref().map(|l| json!({ "value": l.value, "line": l.line }));
    let list = |v: &[Located]| {
        v.iter().map(|l| json!({ "value": l.value, "line": l.line })).collect::<Vec<_>>()
    };
    match whois::parse_domain(&whois::decode(bytes), domain) {
        Ok(f) => json!({
            "registrar": located(&f.registrar),
            "iana_id": located(&f.iana_id),
            "abuse_email": located(&f.abuse_email),
            "abuse_phone": located(&f.abuse_phone),
            "referral": located(&f.referral),
            "refer": located(&f.refer),
            "dropped": list(&f.dropped),
            "leniency": list(&f.leniency),
        }),
        Err(e) => json!({ "error": { "kind": e.kind().as_str(), "message": e.message() } }),
    }
}

fn network(a: &NetworkAnswer, url: &str) -> Value {
    let n = &a.network;
    json!({
        "network": {
            "handle": n.handle,
            "name": n.name,
            "range_start": n.range_start,
            "range_end": n.range_end,
            "cidrs": n.cidrs,
            "country": n.country,
            "kind": n.kind,
            "rir": n.rir,
            "parent_handle": n.parent_handle,
            "source_url": n.source_url,
            "provenance": n.provenance.as_ref().map(|s| source(s, url)),
        },
        "holder": a.holder.as_ref().map(holder),
        "abuse": contacts(&a.abuse, url),
        "abuse_outcome": outcome(&a.abuse_outcome),
        "not_managed": a.not_managed.as_ref().map(|m| json!({
            "registry_hint": m.registry_hint,
            "reason": m.reason,
        })),
        "incomplete_abuse": a.incomplete_abuse.iter().map(entity_ref).collect::<Vec<_>>(),
        "port43": a.port43,
        "up_link": a.up_link,
        "related_links": a.related_links,
        "origin_asns": a.origin_asns,
        "warnings": a.warnings,
    })
}

fn autnum(a: &AutnumAnswer, url: &str) -> Value {
    json!({
        "handle": a.handle,
        "name": a.name,
        "start": a.start,
        "end": a.end,
        "country": a.country,
        "rir": a.rir,
        "provenance": source(&a.provenance, url),
        "holder": a.holder.as_ref().map(holder),
        "abuse": contacts(&a.abuse, url),
        "abuse_outcome": outcome(&a.abuse_outcome),
        "incomplete_abuse": a.incomplete_abuse.iter().map(entity_ref).collect::<Vec<_>>(),
        "port43": a.port43,
        "warnings": a.warnings,
    })
}

fn domain(a: &DomainAnswer, url: &str) -> Value {
    let registrar = a.registrar.as_ref().map(|r| {
        let listed = r.iana_id.as_deref().and_then(registrars::by_id);
        json!({
            "name": r.name,
            "iana_id": r.iana_id,
            "rdap_url": r.rdap_url,
            "source_url": r.source_url,
            "provenance": r.provenance.as_ref().map(|s| source(s, url)),
            "iana_list": listed.map(|l| json!({
                "name": l.name,
                "status": l.status,
                "rdap_base": l.rdap_base.as_ref().map(|u| u.as_str()),
                "registry_operator": l.is_registry_operator(),
            })),
            "abuse": contacts(&r.abuse, url),
            "abuse_outcome": outcome(&r.abuse_outcome),
        })
    });
    json!({
        "ldh_name": a.ldh_name,
        "handle": a.handle,
        "nameservers": a.nameservers,
        "port43": a.port43,
        "registrar_links": a.registrar_links,
        "registrar_about": a.registrar_about,
        "registrar": registrar,
        "warnings": a.warnings,
    })
}

fn entity(a: &EntityAnswer, url: &str) -> Value {
    json!({
        "handle": a.handle,
        "name": a.name,
        "roles": a.roles,
        "contacts": contacts(&a.contacts, url),
        "nested": contacts(&a.nested, url),
        "port43": a.port43,
        "warnings": a.warnings,
    })
}

fn error(e: &ErrorAnswer) -> Value {
    json!({ "error_code": e.code, "title": e.title, "description": e.description })
}

fn holder(h: &HostingProvider) -> Value {
    json!({ "name": h.name, "handle": h.handle })
}

fn outcome(o: &Outcome) -> Value {
    json!({ "status": o.status, "detail": o.detail })
}

fn entity_ref(r: &EntityRef) -> Value {
    json!({ "handle": r.handle, "url": r.url, "pointer": r.pointer })
}

/// A source as its pointer when it is at `url`, else as `{url, pointer}`.
fn source(s: &Source, url: &str) -> Value {
    if s.url.as_deref() == Some(url) {
        json!(s.pointer)
    } else {
        json!({ "url": s.url, "pointer": s.pointer })
    }
}

fn contacts(list: &[Contact], url: &str) -> Value {
    list.iter()
        .map(|c| {
            let mut v = json!({
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "web": c.web,
                "role": c.role,
                "sources": c.sources.iter().map(|s| source(s, url)).collect::<Vec<_>>(),
            });
            if c.source_url.as_deref() != Some(url)
                && let Some(obj) = v.as_object_mut()
            {
                obj.insert("source_url".to_owned(), json!(c.source_url));
            }
            v
        })
        .collect()
}
