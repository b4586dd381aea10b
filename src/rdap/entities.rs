//! RDAP entities (RFC 9083 §5.1): walking nested `entities[]`, turning an entity's jCard into
//! [`Contact`]s, and recognising placeholder and redacted (RFC 9537) values.

use serde_json::Value;

use super::jcard::{Prop, VCard, parse_vcard};
use crate::record::Contact;

/// One entity found anywhere in an RDAP answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EntityNode {
    /// JSON pointer to the entity in the answer, e.g. `/entities/0/entities/1`.
    pub(crate) pointer: String,
    /// Nesting depth: 1 for the answer's own `entities[]`, 2 inside one of those, ….
    pub(crate) depth: usize,
    /// Index (in the walk's output) of the entity this one is nested in; `None` at depth 1.
    pub(crate) parent: Option<usize>,
    /// `handle`, trimmed; `None` when absent or blank.
    pub(crate) handle: Option<String>,
    /// `roles`, lower case (an array, or tolerated as a single string).
    pub(crate) roles: Vec<String>,
    /// The parsed `vcardArray`, when present and shaped like a jCard.
    pub(crate) vcard: Option<VCard>,
    /// `publicIds`.
    pub(crate) public_ids: Vec<PublicId>,
    /// `remarks`.
    pub(crate) remarks: Vec<Remark>,
    /// `links`.
    pub(crate) links: Vec<Link>,
    /// Which of this entity's values the answer's `redacted[]` (RFC 9537) declares redacted.
    pub(crate) redacted: Redacted,
}

impl EntityNode {
    /// True when the entity has `role` (give it in lower case).
    pub(crate) fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// An RDAP `publicIds` member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PublicId {
    /// `type`, e.g. `IANA Registrar ID`.
    pub(crate) kind: String,
    /// `identifier`, e.g. `292`.
    pub(crate) identifier: String,
}

/// An RDAP `remarks` (or `notices`) member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Remark {
    /// `title`.
    pub(crate) title: Option<String>,
    /// `description` lines.
    pub(crate) description: Vec<String>,
}

/// An RDAP `links` member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Link {
    /// `href`, trimmed.
    pub(crate) href: String,
    /// `rel`, lower case (may hold several space-separated relation types).
    pub(crate) rel: Option<String>,
    /// `type` (media type), as published.
    pub(crate) media_type: Option<String>,
    /// `value` (the context URI).
    pub(crate) value: Option<String>,
}

impl Link {
    /// True when `rel` lists `relation` (lower case) among its space-separated types.
    pub(crate) fn has_rel(&self, relation: &str) -> bool {
        self.rel.as_deref().is_some_and(|r| r.split_ascii_whitespace().any(|t| t == relation))
    }
}

/// Values of an entity declared redacted by RFC 9537 `redacted[]` entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Redacted {
    /// The name (`fn`).
    pub(crate) name: bool,
    /// The organisation (`org`).
    pub(crate) org: bool,
    /// The email address(es).
    pub(crate) email: bool,
    /// The voice telephone number(s).
    pub(crate) phone: bool,
}

/// Every entity in `root` at depths 1 to `max_depth`, parents before their children, in
/// document order. Non-object members of `entities[]` are skipped (their index still counts
/// in pointers); entities nested deeper than `max_depth` are not visited.
pub(crate) fn walk_entities(root: &Value, max_depth: usize) -> Vec<EntityNode> {
    let redactions = Redactions::from_root(root);
    let mut out = Vec::new();
    if max_depth > 0 {
        walk(root, "", 1, None, max_depth, &redactions, &mut out);
    }
    out
}

/// Visit `parent_obj`'s `entities[]` at `depth`.
fn walk(
    parent_obj: &Value,
    pointer: &str,
    depth: usize,
    parent: Option<usize>,
    max_depth: usize,
    redactions: &Redactions,
    out: &mut Vec<EntityNode>,
) {
    let Some(list) = parent_obj.get("entities").and_then(Value::as_array) else { return };
    for (i, entity) in list.iter().enumerate() {
        if !entity.is_object() {
            continue;
        }
        let node_pointer = format!("{pointer}/entities/{i}");
        let mut node = read_entity(entity);
        node.pointer = node_pointer.clone();
        node.depth = depth;
        node.parent = parent;
        node.redacted = redactions.for_roles(&node.roles);
        let index = out.len();
        out.push(node);
        if depth < max_depth {
            walk(entity, &node_pointer, depth + 1, Some(index), max_depth, redactions, out);
        } else if entity.get("entities").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
            tracing::debug!(pointer = %node_pointer, max_depth, "entity nesting limit reached");
        }
    }
}

/// Read one entity object's own members (not its children).
fn read_entity(entity: &Value) -> EntityNode {
    let handle = match entity.get("handle") {
        Some(Value::String(s)) => non_blank(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let roles = match entity.get("roles") {
        Some(Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).filter_map(role).collect()
        }
        Some(Value::String(s)) => s.split([',', ' ']).filter_map(role).collect(),
        _ => Vec::new(),
    };
    let public_ids = entity
        .get("publicIds")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|id| {
                    let kind = id.get("type").and_then(Value::as_str)?.trim().to_owned();
                    let identifier = match id.get("identifier")? {
                        Value::String(s) => s.trim().to_owned(),
                        Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    Some(PublicId { kind, identifier })
                })
                .collect()
        })
        .unwrap_or_default();
    EntityNode {
        handle,
        roles,
        vcard: entity.get("vcardArray").and_then(parse_vcard),
        public_ids,
        remarks: parse_remarks(entity.get("remarks")),
        links: parse_links(entity.get("links")),
        ..EntityNode::default()
    }
}

/// A role value: trimmed, lower case, non-empty.
fn role(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() { None } else { Some(s.to_ascii_lowercase()) }
}

/// A trimmed, non-empty copy of `s`.
fn non_blank(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() { None } else { Some(s.to_owned()) }
}

/// Parse a `remarks` / `notices` array; malformed members are skipped.
pub(crate) fn parse_remarks(value: Option<&Value>) -> Vec<Remark> {
    let Some(items) = value.and_then(Value::as_array) else { return Vec::new() };
    items
        .iter()
        .filter(|r| r.is_object())
        .map(|r| Remark {
            title: r.get("title").and_then(Value::as_str).and_then(non_blank),
            description: match r.get("description") {
                Some(Value::Array(lines)) => {
                    lines.iter().filter_map(Value::as_str).map(str::to_owned).collect()
                }
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            },
        })
        .collect()
}

/// Parse a `links` array; members without a string `href` are skipped.
pub(crate) fn parse_links(value: Option<&Value>) -> Vec<Link> {
    let Some(items) = value.and_then(Value::as_array) else { return Vec::new() };
    items
        .iter()
        .filter_map(|l| {
            let href = l.get("href").and_then(Value::as_str).and_then(non_blank)?;
            let text = |key: &str| l.get(key).and_then(Value::as_str).and_then(non_blank);
            Some(Link {
                href,
                rel: text("rel").map(|r| r.to_ascii_lowercase()),
                media_type: text("type"),
                value: text("value"),
            })
        })
        .collect()
}

/// RFC 9537 redactions of the answer, by contact role.
#[derive(Debug, Default)]
struct Redactions {
    /// (role, what) pairs, e.g. ("registrant", email).
    items: Vec<(&'static str, Field)>,
}

/// A redactable contact field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Org,
    Email,
    Phone,
}

impl Redactions {
    /// Read the root `redacted[]`. Only `name.type` is used (the registered redacted names,
    /// e.g. `Registrant Email`, `Tech Phone`, `Admin Name`); `name.description` and the JSON
    /// paths are not interpreted, because they may name any entity (RIPE's say "e-mail" for
    /// personal data of role objects whose published abuse address is not redacted).
    fn from_root(root: &Value) -> Self {
        let mut items = Vec::new();
        let Some(list) = root.get("redacted").and_then(Value::as_array) else {
            return Self { items };
        };
        for entry in list {
            let Some(kind) = entry.pointer("/name/type").and_then(Value::as_str) else { continue };
            let kind = kind.trim().to_ascii_lowercase();
            let Some((who, rest)) = kind.split_once(' ') else { continue };
            let role = match who {
                "registrant" => "registrant",
                "tech" | "technical" => "technical",
                "admin" | "administrative" => "administrative",
                "billing" => "billing",
                _ => continue,
            };
            let field = match rest.trim() {
                "name" => Field::Name,
                "organization" | "organisation" => Field::Org,
                "email" | "e-mail" => Field::Email,
                "phone" | "phone ext" | "telephone" => Field::Phone,
                _ => continue,
            };
            items.push((role, field));
        }
        Self { items }
    }

    /// What is redacted for an entity with `roles`.
    fn for_roles(&self, roles: &[String]) -> Redacted {
        let mut out = Redacted::default();
        for (role, field) in &self.items {
            if roles.iter().any(|r| r == role) {
                match field {
                    Field::Name => out.name = true,
                    Field::Org => out.org = true,
                    Field::Email => out.email = true,
                    Field::Phone => out.phone = true,
                }
            }
        }
        out
    }
}

/// The contacts an entity publishes, for `role` (written into [`Contact::role`]).
///
/// One contact per usable email address, in `pref` order (for `role` `abuse`, addresses whose
/// `type` says `abuse` come first, as RIPE marks its abuse-mailbox that way). The name is the
/// jCard `fn`, else `org`. The most preferred voice number and the first web `contact-uri`
/// go on the first contact; with no email at all, one contact carries them. A `mailto:`
/// `contact-uri` counts as an email after the `email` properties. Placeholder and
/// RFC 9537-redacted values are dropped; a contact with no channel left is not returned.
pub(crate) fn contacts_of(node: &EntityNode, source_url: &str, role: &str) -> Vec<Contact> {
    let Some(card) = &node.vcard else { return Vec::new() };
    let red = node.redacted;
    let name = display_name(node);

    let mut email_props: Vec<&Prop> = card.emails.iter().collect();
    if role == "abuse" {
        // Stable: pref order kept within each group.
        email_props.sort_by_key(|p| !p.has_type("abuse"));
    }
    let mut emails: Vec<String> = Vec::new();
    let mut web = None;
    let uri_emails = card.contact_uris.iter().filter_map(|p| {
        let lower = p.value.to_ascii_lowercase();
        if lower.starts_with("mailto:") { p.value.get("mailto:".len()..) } else { None }
    });
    if !red.email {
        for candidate in email_props.iter().map(|p| p.value.as_str()).chain(uri_emails) {
            if let Some(email) = clean_email(candidate)
                && !emails.iter().any(|e| e.eq_ignore_ascii_case(&email))
            {
                emails.push(email);
            }
        }
    }
    for p in &card.contact_uris {
        let lower = p.value.to_ascii_lowercase();
        if (lower.starts_with("https://") || lower.starts_with("http://"))
            && !is_placeholder(&p.value)
        {
            web = Some(p.value.clone());
            break;
        }
    }
    let mut phone = if red.phone {
        None
    } else {
        card.tels
            .iter()
            .filter(|p| !p.has_type("fax") || p.has_type("voice"))
            .find_map(|p| clean_phone(&p.value))
    };

    let base = Contact {
        name,
        role: Some(role.to_owned()),
        source_url: Some(source_url.to_owned()),
        ..Contact::default()
    };
    let mut out: Vec<Contact> = Vec::with_capacity(emails.len().max(1));
    for email in emails {
        out.push(Contact {
            email: Some(email),
            phone: phone.take(),
            web: web.take(),
            ..base.clone()
        });
    }
    if out.is_empty() && (phone.is_some() || web.is_some()) {
        out.push(Contact { phone, web, ..base });
    }
    out
}

/// An entity's display name: jCard `fn`, else `org`, skipping blank, placeholder and
/// RFC 9537-redacted values.
pub(crate) fn display_name(node: &EntityNode) -> Option<String> {
    let card = node.vcard.as_ref()?;
    let red = node.redacted;
    [(card.full_name.as_deref(), red.name), (card.org.as_deref(), red.org)]
        .into_iter()
        .find_map(|(value, redacted)| value.filter(|v| !redacted && !is_placeholder(v)))
        .map(str::to_owned)
}

/// A usable email address: trimmed, `mailto:` removed, one `@` with text on both sides and a
/// dot in the domain, no white space, not a placeholder. Kept as published otherwise.
pub(crate) fn clean_email(value: &str) -> Option<String> {
    let v = value.trim();
    let v = match v.get(..7) {
        Some(head) if head.eq_ignore_ascii_case("mailto:") => v.get(7..).unwrap_or_default().trim(),
        _ => v,
    };
    let (local, domain) = v.split_once('@')?;
    let valid = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(char::is_whitespace);
    if !valid || is_placeholder(v) {
        return None;
    }
    Some(v.to_owned())
}

/// A usable phone number: has a non-zero digit and is not a placeholder. Kept as published.
pub(crate) fn clean_phone(value: &str) -> Option<String> {
    let v = value.trim();
    if is_placeholder(v) || !v.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return None;
    }
    Some(v.to_owned())
}

/// Fragments that mark a value as withheld rather than a real name, address or number.
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "redacted",
    "data protected",
    "not disclosed",
    "non-disclosed",
    "undisclosed",
    "withheld",
    "please query",
    "contact the registrar",
    "contact the sponsoring registrar",
    "gdpr masked",
    "non-public data",
    "statutory masking",
    "not available",
    "privacy protected",
    "hidden upon user request",
];

/// Whole values that are placeholders (compared in lower case, trailing dots removed).
const PLACEHOLDER_VALUES: &[&str] =
    &["", "-", "n/a", "na", "none", "null", "nil", "unknown", "private", "hidden", "x", "?"];

/// Local parts of addresses that are not mailboxes anyone reads.
const PLACEHOLDER_LOCAL_PARTS: &[&str] = &[
    "removed",
    "redacted",
    "hidden",
    "withheld",
    "nobody",
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "invalid",
    "none",
    "null",
];

/// True when `s` is a placeholder instead of contact data: blank, a "redacted for privacy" /
/// "please query the RDDS service…" style text, a stand-in such as `n/a`, or an address whose
/// mailbox is a stand-in (`removed@lacnic.net`, `noreply@…`) or under `.invalid`.
pub(crate) fn is_placeholder(s: &str) -> bool {
    let lower = s.trim().trim_end_matches('.').trim().to_lowercase();
    if PLACEHOLDER_VALUES.contains(&lower.as_str()) {
        return true;
    }
    if PLACEHOLDER_FRAGMENTS.iter().any(|f| lower.contains(f)) {
        return true;
    }
    if let Some((local, domain)) = lower.rsplit_once('@') {
        let local = local.strip_prefix("mailto:").unwrap_or(local);
        if PLACEHOLDER_LOCAL_PARTS.contains(&local) {
            return true;
        }
        // RFC 2606 `.invalid`; `example.*` is left alone: loopback test worlds use it.
        if domain == "invalid" || domain.ends_with(".invalid") {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn load(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn walk_arin_nested() {
        let root = load(include_str!("../../tests/fixtures/rdap/ip/arin-8.8.8.0-24-google.json"));
        let nodes = walk_entities(&root, 8);
        let summary: Vec<_> = nodes
            .iter()
            .map(|n| (n.pointer.as_str(), n.depth, n.parent, n.handle.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/entities/0", 1, None, Some("GOGL")),
                ("/entities/0/entities/0", 2, Some(0), Some("ABUSE5250-ARIN")),
                ("/entities/0/entities/1", 2, Some(0), Some("ZG39-ARIN")),
            ]
        );
        assert_eq!(nodes[0].roles, vec!["registrant"]);
        assert_eq!(nodes[2].roles, vec!["administrative", "technical"]);
        assert_eq!(nodes[1].remarks[0].title.as_deref(), Some("Registration Comments"));
        assert_eq!(
            nodes[1].remarks[0].description[2],
            "To report abuse and illegal activity: https://www.google.com/contact/"
        );
        assert_eq!(nodes[1].links[0].href, "https://rdap.arin.net/registry/entity/ABUSE5250-ARIN");
        assert!(nodes[1].links[0].has_rel("self"));
        assert_eq!(nodes[1].links[0].media_type.as_deref(), Some("application/rdap+json"));
        // Pointers resolve to the entity they describe.
        for n in &nodes {
            assert_eq!(root.pointer(&n.pointer).unwrap()["handle"].as_str(), n.handle.as_deref());
        }
        // max_depth 1 stops before the nested contacts.
        assert_eq!(walk_entities(&root, 1).len(), 1);
        assert!(walk_entities(&root, 0).is_empty());
    }

    #[test]
    fn public_ids_and_no_handle() {
        let root = load(include_str!(
            "../../tests/fixtures/rdap/domain/verisign-cloudflare.com-registry.json"
        ));
        let nodes = walk_entities(&root, 8);
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            nodes[0].public_ids,
            vec![PublicId { kind: "IANA Registrar ID".into(), identifier: "1910".into() }]
        );
        assert_eq!(nodes[1].handle, None);
        assert_eq!(nodes[1].roles, vec!["abuse"]);
        let contacts = contacts_of(&nodes[1], "https://x.example/", "abuse");
        assert_eq!(
            contacts,
            vec![Contact {
                name: None,
                email: Some("registrar-abuse@cloudflare.com".into()),
                phone: Some("+1.6503198930".into()),
                web: None,
                role: Some("abuse".into()),
                source_url: Some("https://x.example/".into()),
                ..Contact::default()
            }]
        );
    }

    #[test]
    fn ripe_2019_abuse_typed_mailbox_first() {
        let root =
            load(include_str!("../../tests/fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc-2019.json"));
        let nodes = walk_entities(&root, 8);
        let abuse = nodes.iter().find(|n| n.has_role("abuse")).unwrap();
        assert_eq!(abuse.pointer, "/entities/4");
        let contacts = contacts_of(abuse, "u", "abuse");
        let got: Vec<_> =
            contacts.iter().map(|c| (c.email.as_deref(), c.phone.as_deref())).collect();
        assert_eq!(
            got,
            vec![(Some("abuse@ripe.net"), Some("+31 20 535 4444")), (Some("ops@ripe.net"), None)]
        );
        assert_eq!(contacts[0].name.as_deref(), Some("RIPE NCC Operations"));
        // The abuse role has 12 nested entities, all walked.
        assert_eq!(nodes.iter().filter(|n| n.parent == Some(4)).count(), 12);
    }

    #[test]
    fn redacted_registrar_contacts_give_nothing_but_the_web_form() {
        let root = load(include_str!(
            "../../tests/fixtures/rdap/domain/cloudflare-registrar-cloudflare.com.json"
        ));
        let nodes = walk_entities(&root, 8);
        let registrant = nodes.iter().find(|n| n.has_role("registrant")).unwrap();
        let contacts = contacts_of(registrant, "u", "registrant");
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].name, None);
        assert_eq!(contacts[0].email, None);
        assert_eq!(contacts[0].phone, None);
        assert_eq!(
            contacts[0].web.as_deref(),
            Some("https://domaincontact.registrar.cloudflare.com/cloudflare.com")
        );
    }

    #[test]
    fn rfc9537_redacted_by_name_type() {
        let root = json!({
            "redacted": [
                {"name": {"type": "Registrant Email"}, "method": "replacementValue"},
                {"name": {"type": "Tech Phone"}, "method": "removal"},
                {"name": {"description": "Registrant Name"}},
                "garbage"
            ],
            "entities": [
                {"roles": ["registrant"], "vcardArray": ["vcard", [
                    ["fn", {}, "text", "Jane Doe"],
                    ["email", {}, "text", "anon-4f2a@privacy.example.net.xx"],
                    ["tel", {}, "text", "+1.5555550100"]]]},
                {"roles": ["technical"], "vcardArray": ["vcard", [
                    ["email", {}, "text", "tech@example.xx"],
                    ["tel", {}, "text", "+1.5555550101"]]]},
                {"roles": ["abuse"], "vcardArray": ["vcard", [
                    ["email", {}, "text", "abuse@example.xx"]]]}
            ]
        });
        let nodes = walk_entities(&root, 8);
        assert_eq!(nodes[0].redacted, Redacted { email: true, ..Redacted::default() });
        assert_eq!(nodes[1].redacted, Redacted { phone: true, ..Redacted::default() });
        assert_eq!(nodes[2].redacted, Redacted::default());
        let c = contacts_of(&nodes[0], "u", "registrant");
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].email.as_deref(), c[0].phone.as_deref()), (None, Some("+1.5555550100")));
        assert_eq!(c[0].name.as_deref(), Some("Jane Doe"));
        let c = contacts_of(&nodes[1], "u", "technical");
        assert_eq!((c[0].email.as_deref(), c[0].phone.as_deref()), (Some("tech@example.xx"), None));
        assert_eq!(
            contacts_of(&nodes[2], "u", "abuse")[0].email.as_deref(),
            Some("abuse@example.xx")
        );
    }

    #[test]
    fn placeholders() {
        for s in [
            "REDACTED FOR PRIVACY",
            "redacted",
            "Data Protected",
            "Not Disclosed",
            "Not Disclosed.",
            "Please query the RDDS service of the Registrar of Record identified in this output for information on how to contact the Registrant, Admin, or Tech contact of the queried domain name.",
            "Please contact the registrar listed above",
            "DATA REDACTED;ext=DATA REDACTED",
            "",
            "   ",
            "N/A",
            "removed@lacnic.net",
            "mailto:noreply@example.org",
            "someone@host.invalid",
        ] {
            assert!(is_placeholder(s), "{s:?} should be a placeholder");
        }
        for s in [
            "network-abuse@google.com",
            "Cloudflare, Inc.",
            "PERFECT PRIVACY, LLC",
            "privacy@networksolutionsprivateregistration.com",
            "+1-650-253-0000",
            "Abuse",
            "abuse@example.com",
        ] {
            assert!(!is_placeholder(s), "{s:?} is real data");
        }
    }

    #[test]
    fn email_and_phone_cleaning() {
        assert_eq!(clean_email(" mailto:Abuse@Example.NET ").as_deref(), Some("Abuse@Example.NET"));
        assert_eq!(clean_email("abuse.example.net"), None);
        assert_eq!(clean_email("abuse@localhost"), None);
        assert_eq!(clean_email("a b@example.net"), None);
        assert_eq!(clean_email("a@b@example.net"), None);
        assert_eq!(clean_email("@example.net"), None);
        assert_eq!(clean_phone("+000000000"), None);
        assert_eq!(clean_phone("DATA REDACTED"), None);
        assert_eq!(clean_phone(" +1.4153197517 ").as_deref(), Some("+1.4153197517"));
    }

    #[test]
    fn malformed_entities_never_panic_and_siblings_survive() {
        let root = json!({
            "entities": [
                "not an entity",
                {"roles": "abuse", "vcardArray": ["vcard", [["email", {}, "text", "a@example.xx"]]]},
                {"roles": ["ABUSE", 7, " Technical "], "handle": 42, "vcardArray": "garbage",
                 "publicIds": [{"type": "x"}, 5, {"type": "IANA Registrar ID", "identifier": 99}],
                 "remarks": [5, {"title": "t", "description": "one line"}],
                 "links": [{"rel": "self"}, {"href": " https://e.example/ ", "rel": "Related"}],
                 "entities": {"not": "an array"}},
                {"vcardArray": ["vcard", [["email", "x", "text"], ["tel"], [], null, ["fn", {}, "text", 5]]]},
                {"roles": ["registrant"], "entities": [
                    {"roles": ["abuse"], "entities": [
                        {"roles": ["abuse"], "handle": "TOO-DEEP"}]}]},
                {"roles": ["abuse"], "handle": "SIBLING"}
            ]
        });
        let nodes = walk_entities(&root, 2);
        let pointers: Vec<_> = nodes.iter().map(|n| n.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/entities/1",
                "/entities/2",
                "/entities/3",
                "/entities/4",
                "/entities/4/entities/0",
                "/entities/5"
            ]
        );
        assert_eq!(nodes[0].roles, vec!["abuse"]);
        assert_eq!(contacts_of(&nodes[0], "u", "abuse")[0].email.as_deref(), Some("a@example.xx"));
        assert_eq!(nodes[1].roles, vec!["abuse", "technical"]);
        assert_eq!(nodes[1].handle.as_deref(), Some("42"));
        assert_eq!(nodes[1].vcard, None);
        assert_eq!(
            nodes[1].public_ids,
            vec![PublicId { kind: "IANA Registrar ID".into(), identifier: "99".into() }]
        );
        assert_eq!(nodes[1].remarks[0].description, vec!["one line"]);
        assert_eq!(nodes[1].links.len(), 1);
        assert!(nodes[1].links[0].has_rel("related"));
        assert_eq!(nodes[1].links[0].href, "https://e.example/");
        assert!(contacts_of(&nodes[1], "u", "abuse").is_empty());
        assert!(contacts_of(&nodes[2], "u", "abuse").is_empty());
        assert_eq!(nodes[4].depth, 2);
        assert_eq!(nodes[4].parent, Some(3));
        assert_eq!(nodes[5].handle.as_deref(), Some("SIBLING"));
        assert_eq!(nodes[5].parent, None);
        // With room, the third level is walked too.
        assert!(walk_entities(&root, 3).iter().any(|n| n.handle.as_deref() == Some("TOO-DEEP")));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut v = json!({"roles": ["abuse"], "handle": "LEAF"});
        for _ in 0..100 {
            v = json!({"roles": ["registrant"], "entities": [v]});
        }
        let root = json!({"entities": [v]});
        let nodes = walk_entities(&root, 8);
        assert_eq!(nodes.len(), 8);
        assert_eq!(nodes.last().unwrap().depth, 8);
    }
}
