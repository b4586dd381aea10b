//! RDAP entities (RFC 9083 §5.1): walking nested `entities[]` within bounds, turning an
//! entity's jCard into [`Contact`]s with their provenance, and recognising placeholder,
//! withheld and redacted (RFC 9537) values.
//!
//! This module knows nothing about which party an entity stands for; `extract.rs` decides
//! that from roles and nesting.

use serde_json::Value;

use super::jcard::{Prop, VCard, parse_vcard};
use super::placeholder::{is_placeholder, is_withheld_text};
use crate::record::{Contact, ContactRole, Source, SourceKind};

/// At most this many entities are read from one answer, whatever their nesting; the rest are
/// skipped with a warning.
pub(crate) const MAX_ENTITIES: usize = 512;

/// At most this many warnings are kept per answer; one more line says that others were
/// dropped.
pub(crate) const MAX_WARNINGS: usize = 32;

/// Warnings about data that was skipped or bounded while reading one answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Warnings {
    /// The warnings, in the order found, at most [`MAX_WARNINGS`] plus one summary line.
    items: Vec<String>,
    /// How many were dropped after the cap.
    dropped: usize,
}

impl Warnings {
    /// Add a warning (identical ones are kept once).
    pub(crate) fn push(&mut self, text: impl Into<String>) {
        let text = text.into();
        if self.items.contains(&text) {
            return;
        }
        if self.items.len() < MAX_WARNINGS {
            self.items.push(text);
        } else {
            self.dropped += 1;
        }
    }

    /// The warnings, with a last line counting the dropped ones, if any.
    pub(crate) fn into_vec(self) -> Vec<String> {
        let mut items = self.items;
        if self.dropped > 0 {
            items.push(format!("{} further warnings not listed", self.dropped));
        }
        items
    }
}

/// One entity found anywhere in an RDAP answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EntityNode {
    /// JSON pointer to the entity in the answer, e.g. `/entities/0/entities/1` (empty for the
    /// answer itself when it is an entity object).
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

    /// `href` of the entity's `self` link: where its full entity object can be fetched.
    pub(crate) fn self_link(&self) -> Option<String> {
        self.links.iter().find(|l| l.has_rel("self")).map(|l| l.href.clone())
    }

    /// `href` of the entity's first http(s) `about` link (a registrar's web site or RDAP
    /// service, as gTLD registries publish it).
    pub(crate) fn about_link(&self) -> Option<String> {
        self.links.iter().filter(|l| l.has_rel("about")).map(|l| l.href.clone()).find(|href| {
            let lower = href.to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        })
    }

    /// True when the entity's contact data is withheld rather than absent: RFC 9537 names one
    /// of its values, a value reads like "REDACTED FOR PRIVACY", or a remark says so.
    pub(crate) fn is_withheld(&self) -> bool {
        let red = self.redacted;
        if red.name || red.org || red.email || red.phone {
            return true;
        }
        let card_withheld = self.vcard.as_ref().is_some_and(|card| {
            card.emails
                .iter()
                .chain(&card.tels)
                .chain(&card.contact_uris)
                .map(|p| p.value.as_str())
                .chain(card.full_name.as_deref())
                .any(is_withheld_text)
        });
        card_withheld
            || self.remarks.iter().any(|r| {
                r.title.as_deref().is_some_and(is_withheld_text)
                    || r.description.iter().any(|d| is_withheld_text(d))
            })
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

/// The entities of one answer and what was skipped while reading them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Walk {
    /// Every entity read, parents before their children, in document order.
    pub(crate) nodes: Vec<EntityNode>,
    /// Malformed or over-limit data that was skipped.
    pub(crate) warnings: Warnings,
}

/// Every entity in `root` at depths 1 to `max_depth`, parents before their children, in
/// document order, at most [`MAX_ENTITIES`] of them.
///
/// Non-object members of `entities[]` are skipped (their index still counts in pointers);
/// entities nested deeper than `max_depth` are not visited. Each skip, and each entity whose
/// `roles` or jCard is malformed, adds a warning naming the entity's JSON pointer; the
/// entity's other members and its siblings are still read.
pub(crate) fn walk_entities(root: &Value, max_depth: usize) -> Walk {
    let mut walker = Walker {
        redactions: Redactions::from_root(root),
        max_depth,
        out: Walk::default(),
        limit_hit: false,
    };
    if max_depth > 0 {
        walker.walk(root, "", 1, None);
    }
    walker.out
}

/// State of one walk.
#[derive(Debug)]
struct Walker {
    redactions: Redactions,
    max_depth: usize,
    out: Walk,
    limit_hit: bool,
}

impl Walker {
    /// Visit `parent_obj`'s `entities[]` at `depth`.
    fn walk(&mut self, parent_obj: &Value, pointer: &str, depth: usize, parent: Option<usize>) {
        let list = match parent_obj.get("entities") {
            None | Some(Value::Null) => return,
            Some(Value::Array(list)) => list,
            Some(_) => {
                self.out.warnings.push(format!("{pointer}/entities is not an array; skipped"));
                return;
            }
        };
        for (i, entity) in list.iter().enumerate() {
            let node_pointer = format!("{pointer}/entities/{i}");
            if !entity.is_object() {
                self.out.warnings.push(format!("{node_pointer}: entity is not an object; skipped"));
                continue;
            }
            if self.out.nodes.len() >= MAX_ENTITIES {
                if !self.limit_hit {
                    self.limit_hit = true;
                    self.out.warnings.push(format!(
                        "more than {MAX_ENTITIES} entities; {node_pointer} and the rest skipped"
                    ));
                }
                return;
            }
            let mut node = read_entity(entity, &node_pointer, &mut self.out.warnings);
            node.depth = depth;
            node.parent = parent;
            node.redacted = self.redactions.for_entity(&node.roles, node.handle.as_deref());
            let index = self.out.nodes.len();
            self.out.nodes.push(node);
            let has_children =
                entity.get("entities").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
            if depth < self.max_depth {
                self.walk(entity, &node_pointer, depth + 1, Some(index));
            } else if has_children {
                self.out.warnings.push(format!(
                    "{node_pointer}: entities nested deeper than {} levels not read",
                    self.max_depth
                ));
            }
        }
    }
}

/// Read one entity object's own members (not its children) found at `pointer`, adding a
/// warning for each malformed member.
pub(crate) fn read_entity(entity: &Value, pointer: &str, warnings: &mut Warnings) -> EntityNode {
    let at = if pointer.is_empty() { "entity" } else { pointer };
    let handle = match entity.get("handle") {
        // A handle that says there is none names no object to fetch (issue #20, leniency).
        Some(Value::String(s)) if is_placeholder_handle(s) => {
            warnings.push(format!("{at}: leniency: handle {:?} read as no handle", s.trim()));
            None
        }
        Some(Value::String(s)) => non_blank(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let roles = match entity.get("roles") {
        Some(Value::Array(items)) => {
            if items.iter().any(|r| !r.is_string()) {
                warnings.push(format!("{at}: non-text roles skipped"));
            }
            // RFC 9083 §10.2.4 roles are lower case; upper-case ones mean the same (issue
            // #20, leniency).
            let upper: Vec<&str> = items
                .iter()
                .filter_map(Value::as_str)
                .filter(|r| r.bytes().any(|b| b.is_ascii_uppercase()))
                .collect();
            if !upper.is_empty() {
                warnings.push(format!("{at}: leniency: roles {upper:?} read in lower case"));
            }
            items.iter().filter_map(Value::as_str).filter_map(role).collect()
        }
        Some(Value::String(s)) => {
            warnings.push(format!("{at}: roles given as a string, not an array"));
            s.split([',', ' ']).filter_map(role).collect()
        }
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            warnings.push(format!("{at}: roles is neither an array nor a string; ignored"));
            Vec::new()
        }
    };
    // The answer's own entity object (pointer "") need not carry roles.
    if roles.is_empty() && !pointer.is_empty() {
        warnings.push(format!("{at}: entity has no roles"));
    }
    let vcard = match entity.get("vcardArray") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let card = parse_vcard(v);
            match &card {
                None => warnings.push(format!("{at}: vcardArray is not a jCard; ignored")),
                Some(card) => {
                    for issue in &card.issues {
                        match issue.strip_prefix('/') {
                            // A field check: the issue starts with the property's pointer.
                            Some(rest) => warnings.push(format!("{pointer}/{rest}")),
                            None => warnings.push(format!("{at}: jCard {issue}")),
                        }
                    }
                }
            }
            card
        }
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
        pointer: pointer.to_owned(),
        handle,
        roles,
        vcard,
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

/// Handles that stand for "no handle" (`not applicable`, as some registries write for an
/// abuse contact that is no object of their database).
fn is_placeholder_handle(s: &str) -> bool {
    let s = s.trim().to_ascii_lowercase();
    ["not applicable", "n/a", "not available", "none"].contains(&s.as_str())
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

/// RFC 9537 redactions of the answer, by contact role and by entity handle.
#[derive(Debug, Default)]
struct Redactions {
    /// (role, what) pairs, e.g. ("registrant", email).
    by_role: Vec<(&'static str, Field)>,
    /// (handle, what) pairs, from JSON paths that select an entity by handle.
    by_handle: Vec<(String, Field)>,
}

/// A redactable contact field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Org,
    Email,
    Phone,
}

/// The contact roles a redaction may name, as they appear in `roles`.
const REDACTABLE_ROLES: &[&str] =
    &["registrant", "technical", "administrative", "billing", "abuse", "registrar"];

impl Redactions {
    /// Read the root `redacted[]`.
    ///
    /// `name.type` is read as a registered redaction name (`Registrant Email`, `Tech Phone`,
    /// `Registrar Abuse Contact Email`, …). A JSON path (`prePath`, `postPath`,
    /// `replacementPath`) counts only when it selects entities by `handle` or `roles` and
    /// names a jCard property whohosts reads (`fn`, `org`, `email`, `tel`): RIPE's paths name
    /// `e-mail`, which is not a jCard property, for personal data that is simply absent, and
    /// must not hide the abuse mailbox it publishes beside it. `name.description` is never
    /// interpreted.
    fn from_root(root: &Value) -> Self {
        let mut out = Self::default();
        let Some(list) = root.get("redacted").and_then(Value::as_array) else { return out };
        for entry in list {
            if let Some(kind) = entry.pointer("/name/type").and_then(Value::as_str) {
                out.add_name_type(kind);
            }
            for key in ["prePath", "postPath", "replacementPath"] {
                if let Some(path) = entry.get(key).and_then(Value::as_str) {
                    out.add_path(path);
                }
            }
        }
        out
    }

    /// A registered redaction name such as `Registrant Email` or `Registrar Abuse Contact
    /// Phone`.
    fn add_name_type(&mut self, kind: &str) {
        let kind = kind.trim().to_ascii_lowercase();
        let (role, rest) = if let Some(rest) = kind.strip_prefix("registrar abuse contact ") {
            ("abuse", rest)
        } else if let Some(rest) = kind.strip_prefix("abuse contact ") {
            ("abuse", rest)
        } else {
            let Some((who, rest)) = kind.split_once(' ') else { return };
            let role = match who {
                "registrant" => "registrant",
                "tech" | "technical" => "technical",
                "admin" | "administrative" => "administrative",
                "billing" => "billing",
                "abuse" => "abuse",
                "registrar" => "registrar",
                _ => return,
            };
            (role, rest)
        };
        let field = match rest.trim() {
            "name" => Field::Name,
            "organization" | "organisation" => Field::Org,
            "email" | "e-mail" => Field::Email,
            "phone" | "phone ext" | "telephone" => Field::Phone,
            _ => return,
        };
        self.by_role.push((role, field));
    }

    /// A JSON path such as `$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='email')]`.
    fn add_path(&mut self, path: &str) {
        let quoted = quoted_strings(path);
        let Some(field) = quoted.last().and_then(|p| match p.to_ascii_lowercase().as_str() {
            "fn" => Some(Field::Name),
            "org" => Some(Field::Org),
            "email" => Some(Field::Email),
            "tel" => Some(Field::Phone),
            _ => None,
        }) else {
            return;
        };
        if path.contains(".handle") {
            if let Some(handle) = quoted.first().filter(|_| quoted.len() > 1) {
                self.by_handle.push((handle.to_string(), field));
            }
        } else if path.contains(".roles") {
            for q in &quoted {
                let lower = q.to_ascii_lowercase();
                if let Some(role) = REDACTABLE_ROLES.iter().find(|r| **r == lower) {
                    self.by_role.push((role, field));
                }
            }
        }
    }

    /// What is redacted for an entity with `roles` and `handle`.
    fn for_entity(&self, roles: &[String], handle: Option<&str>) -> Redacted {
        let mut out = Redacted::default();
        let by_role =
            self.by_role.iter().filter(|(role, _)| roles.iter().any(|r| r == role)).map(|(_, f)| f);
        let by_handle = self
            .by_handle
            .iter()
            .filter(|(h, _)| handle.is_some_and(|handle| handle == h))
            .map(|(_, f)| f);
        for field in by_role.chain(by_handle) {
            match field {
                Field::Name => out.name = true,
                Field::Org => out.org = true,
                Field::Email => out.email = true,
                Field::Phone => out.phone = true,
            }
        }
        out
    }
}

/// The contents of the `'…'` and `"…"` strings in a JSON path, in order.
fn quoted_strings(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find(['\'', '"']) {
        let quote = rest.get(start..=start).unwrap_or("'");
        let after = rest.get(start + 1..).unwrap_or_default();
        let Some(end) = after.find(quote) else { break };
        out.push(after.get(..end).unwrap_or_default());
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out
}

/// The contacts an entity publishes, with `role` written into [`Contact::role`].
///
/// One contact per usable email address, in `pref` order. For `role` `abuse`, when some of
/// the entity's addresses are marked as its abuse mailbox and others are not, only the marked
/// ones are returned: RIPE marks the `abuse-mailbox` with `type` `abuse` (the other address is
/// the role's general `e-mail`, e.g. `lir@ovh.net` beside `abuse@ovh.net`) and APNIC gives the
/// IRT's `abuse-mailbox` a `pref` (the other is its `e-mail`, e.g. `helpdesk@apnic.net` beside
/// `abuse@apnic.net`); that is the address those registries' own WHOIS prints as "Abuse
/// contact for …". An address a remark of the entity calls invalid (APNIC: "x@y is invalid")
/// is skipped. The name is the jCard `fn`, else `org`. The most preferred voice number and the
/// first web `contact-uri` go on the first contact; with no email at all, one contact carries
/// them. A `mailto:` `contact-uri` counts as an email after the `email` properties.
/// Placeholder and RFC 9537-redacted values are dropped; a contact with no channel left is
/// not returned. Each contact's [`Contact::sources`] holds one [`Source`]: `source_url` and
/// the entity's JSON pointer.
pub(crate) fn contacts_of(node: &EntityNode, source_url: &str, role: Option<&str>) -> Vec<Contact> {
    let Some(card) = &node.vcard else { return Vec::new() };
    let red = node.redacted;
    let name = display_name(node);
    let invalid = invalid_mailboxes(&node.remarks);
    let usable = |p: &&Prop| {
        clean_email(&p.value).is_some_and(|e| !invalid.iter().any(|i| i.eq_ignore_ascii_case(&e)))
    };

    let mut email_props: Vec<&Prop> = card.emails.iter().filter(usable).collect();
    if role == Some("abuse") {
        let marked: Vec<&Prop> = email_props
            .iter()
            .copied()
            .filter(|p| p.has_type("abuse") || p.pref.is_some())
            .collect();
        if !marked.is_empty() && marked.len() < email_props.len() {
            email_props = marked;
        }
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
                && !invalid.iter().any(|i| i.eq_ignore_ascii_case(&email))
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
        role: role.map(ContactRole::from),
        source_url: Some(source_url.to_owned()),
        sources: vec![Source {
            kind: SourceKind::Rdap,
            url: Some(source_url.to_owned()),
            pointer: Some(node.pointer.clone()),
            ..Source::default()
        }],
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

/// Addresses that a remark says are invalid (APNIC: `ipas@cnnic.cn is invalid`), lower case.
fn invalid_mailboxes(remarks: &[Remark]) -> Vec<String> {
    let mut out = Vec::new();
    for line in remarks.iter().flat_map(|r| &r.description) {
        let lower = line.to_lowercase();
        let Some(at) = lower.find(" is invalid") else { continue };
        let before = lower.get(..at).unwrap_or_default();
        if let Some(word) = before.split_whitespace().last()
            && let Some(email) =
                clean_email(word.trim_matches(|c| matches!(c, '\'' | '"' | '<' | '>')))
        {
            out.push(email);
        }
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

/// A usable email address: trimmed, `mailto:` removed, a mailbox by the field rules
/// (`fields.rs`: dot-atom local part, host-name domain, at most 254 characters, no control
/// characters), one `@` with text on both sides and a
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
        && !v.chars().any(char::is_whitespace)
        && crate::fields::email_problem(v).is_none();
    if !valid || is_placeholder(v) {
        return None;
    }
    Some(v.to_owned())
}

/// A usable phone number: has a non-zero digit and is not a placeholder. Kept as published
/// (extensions such as `;ext=102` or LACNIC's `#4401` included).
pub(crate) fn clean_phone(value: &str) -> Option<String> {
    let v = value.trim();
    if is_placeholder(v) || !v.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return None;
    }
    Some(v.to_owned())
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
        let nodes = walk_entities(&root, 8).nodes;
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
        assert_eq!(walk_entities(&root, 1).nodes.len(), 1);
        assert!(walk_entities(&root, 0).nodes.is_empty());
    }

    #[test]
    fn public_ids_and_no_handle() {
        let root = load(include_str!(
            "../../tests/fixtures/rdap/domain/verisign-cloudflare.com-registry.json"
        ));
        let nodes = walk_entities(&root, 8).nodes;
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            nodes[0].public_ids,
            vec![PublicId { kind: "IANA Registrar ID".into(), identifier: "1910".into() }]
        );
        assert_eq!(nodes[1].handle, None);
        assert_eq!(nodes[1].roles, vec!["abuse"]);
        let contacts = contacts_of(&nodes[1], "https://x.example/", Some("abuse"));
        assert_eq!(
            contacts,
            vec![Contact {
                name: None,
                email: Some("registrar-abuse@cloudflare.com".into()),
                phone: Some("+1.6503198930".into()),
                web: None,
                role: Some(ContactRole::Abuse),
                source_url: Some("https://x.example/".into()),
                sources: vec![Source {
                    kind: SourceKind::Rdap,
                    url: Some("https://x.example/".into()),
                    pointer: Some("/entities/0/entities/0".into()),
                    ..Source::default()
                }],
                ..Contact::default()
            }]
        );
        // The registrar entity's `about` link is its web site.
        assert_eq!(nodes[0].about_link().as_deref(), Some("http://www.cloudflare.com"));
        assert_eq!(nodes[0].self_link(), None);
    }

    #[test]
    fn ripe_2019_only_the_abuse_mailbox() {
        let root =
            load(include_str!("../../tests/fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc-2019.json"));
        let nodes = walk_entities(&root, 8).nodes;
        let abuse = nodes.iter().find(|n| n.has_role("abuse")).unwrap();
        assert_eq!(abuse.pointer, "/entities/4");
        let contacts = contacts_of(abuse, "u", Some("abuse"));
        let got: Vec<_> =
            contacts.iter().map(|c| (c.email.as_deref(), c.phone.as_deref())).collect();
        // `abuse@ripe.net` is typed `abuse` (the abuse-mailbox); `ops@ripe.net` (typed
        // `email`) is the role's general address and is not an abuse channel. The fax is not
        // the phone.
        assert_eq!(got, vec![(Some("abuse@ripe.net"), Some("+31 20 535 4444"))]);
        assert_eq!(contacts[0].name.as_deref(), Some("RIPE NCC Operations"));
        // As a technical contact, every address counts.
        let as_tech: Vec<_> = contacts_of(abuse, "u", Some("technical"))
            .into_iter()
            .map(|c| c.email.unwrap())
            .collect();
        assert_eq!(as_tech, vec!["ops@ripe.net", "abuse@ripe.net"]);
        // The abuse role has 12 nested entities, all walked.
        assert_eq!(nodes.iter().filter(|n| n.parent == Some(4)).count(), 12);
    }

    #[test]
    fn redacted_registrar_contacts_give_nothing_but_the_web_form() {
        let root = load(include_str!(
            "../../tests/fixtures/rdap/domain/cloudflare-registrar-cloudflare.com.json"
        ));
        let nodes = walk_entities(&root, 8).nodes;
        let registrant = nodes.iter().find(|n| n.has_role("registrant")).unwrap();
        let contacts = contacts_of(registrant, "u", Some("registrant"));
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
        let nodes = walk_entities(&root, 8).nodes;
        assert_eq!(nodes[0].redacted, Redacted { email: true, ..Redacted::default() });
        assert_eq!(nodes[1].redacted, Redacted { phone: true, ..Redacted::default() });
        assert_eq!(nodes[2].redacted, Redacted::default());
        let c = contacts_of(&nodes[0], "u", Some("registrant"));
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].email.as_deref(), c[0].phone.as_deref()), (None, Some("+1.5555550100")));
        assert_eq!(c[0].name.as_deref(), Some("Jane Doe"));
        let c = contacts_of(&nodes[1], "u", Some("technical"));
        assert_eq!((c[0].email.as_deref(), c[0].phone.as_deref()), (Some("tech@example.xx"), None));
        assert_eq!(
            contacts_of(&nodes[2], "u", Some("abuse"))[0].email.as_deref(),
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
            "search-apnic-not-arin@apnic.net",
            "SEARCH-RIPE-NOT-ARIN@ripe.net",
            "Ano Nymous",
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
        let walk = walk_entities(&root, 2);
        assert_eq!(
            walk.warnings.clone().into_vec(),
            vec![
                "/entities/0: entity is not an object; skipped",
                "/entities/1: roles given as a string, not an array",
                "/entities/2: non-text roles skipped",
                "/entities/2: leniency: roles [\"ABUSE\", \" Technical \"] read in lower case",
                "/entities/2: vcardArray is not a jCard; ignored",
                "/entities/2/entities is not an array; skipped",
                "/entities/3: entity has no roles",
                "/entities/3: jCard property 0 (email) has no parameter object",
                "/entities/3: jCard property 0 (email) has no text value",
                "/entities/3: jCard property 1 (tel) has no parameter object",
                "/entities/3: jCard property 1 (tel) has no text value",
                "/entities/3: jCard property 2 has no name",
                "/entities/3: jCard property 3 is not an array",
                "/entities/4/entities/0: entities nested deeper than 2 levels not read",
            ]
        );
        let nodes = walk.nodes;
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
        assert_eq!(
            contacts_of(&nodes[0], "u", Some("abuse"))[0].email.as_deref(),
            Some("a@example.xx")
        );
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
        assert!(contacts_of(&nodes[1], "u", Some("abuse")).is_empty());
        assert!(contacts_of(&nodes[2], "u", Some("abuse")).is_empty());
        assert_eq!(nodes[4].depth, 2);
        assert_eq!(nodes[4].parent, Some(3));
        assert_eq!(nodes[5].handle.as_deref(), Some("SIBLING"));
        assert_eq!(nodes[5].parent, None);
        // With room, the third level is walked too.
        assert!(
            walk_entities(&root, 3).nodes.iter().any(|n| n.handle.as_deref() == Some("TOO-DEEP"))
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut v = json!({"roles": ["abuse"], "handle": "LEAF"});
        for _ in 0..100 {
            v = json!({"roles": ["registrant"], "entities": [v]});
        }
        let root = json!({"entities": [v]});
        let walk = walk_entities(&root, 8);
        assert_eq!(walk.nodes.len(), 8);
        assert_eq!(walk.nodes.last().unwrap().depth, 8);
        let deepest = "/entities/0".repeat(8);
        assert_eq!(
            walk.warnings.into_vec(),
            vec![format!("{deepest}: entities nested deeper than 8 levels not read")]
        );
    }

    #[test]
    fn entity_count_is_bounded() {
        // 600 siblings, each with one child: the walk stops at MAX_ENTITIES.
        let one = json!({"roles": ["technical"], "entities": [{"roles": ["abuse"]}]});
        let root = json!({"entities": vec![one; 600]});
        let walk = walk_entities(&root, 8);
        assert_eq!(walk.nodes.len(), MAX_ENTITIES);
        assert_eq!(
            walk.warnings.into_vec().last().unwrap(),
            "more than 512 entities; /entities/256 and the rest skipped"
        );
    }

    #[test]
    fn warnings_are_capped() {
        let root = json!({"entities": vec![json!(5); 100]});
        let warnings = walk_entities(&root, 8).warnings.into_vec();
        assert_eq!(warnings.len(), MAX_WARNINGS + 1);
        assert_eq!(warnings.last().unwrap(), "68 further warnings not listed");
    }

    fn node(entity: Value) -> EntityNode {
        walk_entities(&json!({ "entities": [entity] }), 8).nodes.remove(0)
    }

    fn emails(contacts: &[Contact]) -> Vec<&str> {
        contacts.iter().filter_map(|c| c.email.as_deref()).collect()
    }

    #[test]
    fn apnic_pref_marks_the_abuse_mailbox() {
        let root =
            load(include_str!("../../tests/fixtures/rdap/ip/apnic-203.119.100.0-22-apnic.json"));
        let nodes = walk_entities(&root, 8).nodes;
        let irt = &nodes[1];
        assert_eq!(irt.handle.as_deref(), Some("IRT-APNIC-IS-AP"));
        // helpdesk@ (no pref) is the IRT's e-mail; abuse@ (pref 1) its abuse-mailbox.
        assert_eq!(emails(&contacts_of(irt, "u", Some("abuse"))), vec!["abuse@apnic.net"]);
        // Both carry pref (or neither): all are kept, in pref order.
        let n = node(json!({"roles": ["abuse"], "vcardArray": ["vcard", [
            ["email", {"pref": "2"}, "text", "b@example.net"],
            ["email", {"pref": 1}, "text", "a@example.net"]]]}));
        assert_eq!(
            emails(&contacts_of(&n, "u", Some("abuse"))),
            vec!["a@example.net", "b@example.net"]
        );
        // A marked placeholder does not hide the real, unmarked address.
        let n = node(json!({"roles": ["abuse"], "vcardArray": ["vcard", [
            ["email", {"pref": "1"}, "text", "REDACTED FOR PRIVACY"],
            ["email", {}, "text", "real@example.net"]]]}));
        assert_eq!(emails(&contacts_of(&n, "u", Some("abuse"))), vec!["real@example.net"]);
    }

    #[test]
    fn email_only_in_contact_uri() {
        // Synthesised (no recorded registrar answer has this shape): RFC 8605 `contact-uri`
        // with `mailto:` and no `email` property.
        let n = node(json!({"roles": ["abuse"], "vcardArray": ["vcard", [
            ["fn", {}, "text", "Abuse desk"],
            ["contact-uri", {}, "uri", "mailto:abuse@registrar.example.net"],
            ["contact-uri", {}, "uri", "https://registrar.example.net/report"],
            ["tel", {"type": ["voice"]}, "uri", "tel:+1.5555550100;ext=7"]]]}));
        let c = contacts_of(&n, "https://rdap.example.net/domain/x", Some("abuse"));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].email.as_deref(), Some("abuse@registrar.example.net"));
        assert_eq!(c[0].web.as_deref(), Some("https://registrar.example.net/report"));
        assert_eq!(c[0].phone.as_deref(), Some("+1.5555550100;ext=7"));
        assert_eq!(c[0].sources[0].pointer.as_deref(), Some("/entities/0"));
    }

    #[test]
    fn remark_marks_a_mailbox_invalid() {
        // Shape of APNIC's `remarks: ipas@cnnic.cn is invalid` (whois/ip/apnic__2001-dc7--…).
        let n = node(json!({"roles": ["abuse"], "handle": "IRT-CNNIC-CN",
            "remarks": [{"description": ["ipas@cnnic.cn is invalid"]}],
            "vcardArray": ["vcard", [
                ["email", {}, "text", "ipas@cnnic.cn"],
                ["email", {}, "text", "abuse@cnnic.cn"]]]}));
        assert_eq!(emails(&contacts_of(&n, "u", Some("abuse"))), vec!["abuse@cnnic.cn"]);
    }

    #[test]
    fn redaction_paths() {
        let root = json!({
            "redacted": [
                // ICANN profile style: by role.
                {"name": {"description": "x"}, "prePath": "$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='email')]", "method": "removal"},
                // By handle, a property whohosts reads.
                {"name": {"description": "x"}, "postPath": "$.entities[?(@.handle==\"ABUSE-1\")].vcardArray[1][?(@[0]=='tel')]", "method": "emptyValue"},
                // RIPE style: `e-mail` is not a jCard property; nothing present is hidden.
                {"name": {"description": "Personal e-mail information"}, "prePath": "$.entities[?(@.handle=='OPS4-RIPE')].vcardArray[1][?(@[0]=='e-mail')]", "method": "removal"},
                {"name": {"type": "Registrar Abuse Contact Email"}, "method": "removal"}
            ],
            "entities": [
                {"roles": ["registrant"], "handle": "R"},
                {"roles": ["technical"], "handle": "ABUSE-1"},
                {"roles": ["technical"], "handle": "OPS4-RIPE"},
                {"roles": ["registrar"], "handle": "292", "entities": [{"roles": ["abuse"]}]}
            ]
        });
        let nodes = walk_entities(&root, 8).nodes;
        let red: Vec<_> = nodes.iter().map(|n| n.redacted).collect();
        assert_eq!(red[0], Redacted { email: true, ..Redacted::default() });
        assert_eq!(red[1], Redacted { phone: true, ..Redacted::default() });
        assert_eq!(red[2], Redacted::default());
        assert_eq!(red[3], Redacted::default());
        assert_eq!(red[4], Redacted { email: true, ..Redacted::default() });
        assert!(nodes[4].is_withheld());
        assert!(!nodes[2].is_withheld());
        assert_eq!(quoted_strings("a['b']\"c\"'unterminated"), vec!["b", "c"]);
    }

    #[test]
    fn withheld_values_and_remarks() {
        let root = load(include_str!(
            "../../tests/fixtures/rdap/domain/uniregistry-microsoft.click-registry.json"
        ));
        let nodes = walk_entities(&root, 8).nodes;
        // "REDACTED FOR PRIVACY" remarks on the registrant; the registrar is not withheld.
        assert!(nodes[0].is_withheld());
        assert!(!nodes[3].is_withheld());
        let cf = load(include_str!(
            "../../tests/fixtures/rdap/domain/cloudflare-registrar-cloudflare.com.json"
        ));
        let nodes = walk_entities(&cf, 8).nodes;
        // "DATA REDACTED" values.
        assert!(nodes.iter().find(|n| n.has_role("billing")).unwrap().is_withheld());
        assert!(!nodes[0].is_withheld());
        assert!(is_withheld_text("Not Disclosed"));
        assert!(!is_withheld_text("n/a"));
    }
}
