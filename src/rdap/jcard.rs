//! jCard (RFC 7095) reading: the few vCard properties whohosts needs, parsed leniently.
//!
//! RDAP entities carry contact data as a jCard in `vcardArray`:
//! `["vcard", [ [name, params, type, value, ...], ... ]]`. Servers get it wrong in many small
//! ways (a `type` parameter as a string, `pref` as a number, `tel` as text or as a `tel:` URI,
//! structured `org` values), so every property is read on its own and a malformed one is
//! skipped, never fatal; what was skipped is listed in [`VCard::issues`] so the caller can
//! report it. Multi-value properties are capped at [`MAX_VALUES`] each.
//!
//! Values are checked as fields (`fields.rs`): an `email` that is not a mailbox, or a `tel`
//! or `contact-uri` over the text cap, is dropped; an `fn` or `org` over the cap is cut and
//! marked. Each is an issue that starts with the property's JSON pointer inside the entity
//! (`/vcardArray/1/3: email dropped: …`), so the caller can name the whole pointer.

use serde_json::Value;

/// At most this many values are kept per multi-value property (`email`, `tel`,
/// `contact-uri`); the rest are skipped with an issue.
pub(crate) const MAX_VALUES: usize = 16;

/// At most this many issues are listed per jCard; further ones are only counted.
const MAX_ISSUES: usize = 8;

/// One value of a multi-instance vCard property (`email`, `tel`, `contact-uri`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Prop {
    /// The value, trimmed; for `tel` without the `tel:` scheme, for `email` without `mailto:`.
    pub(crate) value: String,
    /// The `type` parameter values, lower case (`work`, `voice`, `fax`, …).
    pub(crate) types: Vec<String>,
    /// The `pref` parameter (1 = most preferred), when published and numeric.
    pub(crate) pref: Option<u32>,
}

impl Prop {
    /// True when `type` includes `kind` (compared in lower case).
    pub(crate) fn has_type(&self, kind: &str) -> bool {
        self.types.iter().any(|t| t.eq_ignore_ascii_case(kind))
    }
}

/// The parts of a jCard whohosts uses. Lists are sorted by `pref` (lowest first, properties
/// without `pref` last, otherwise in published order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VCard {
    /// `kind` (`individual`, `org`, `group`, …), lower case.
    pub(crate) kind: Option<String>,
    /// `fn`, the formatted name; `None` when absent or blank.
    pub(crate) full_name: Option<String>,
    /// `org`; a structured value's non-empty components are joined with `", "`.
    pub(crate) org: Option<String>,
    /// `email` values.
    pub(crate) emails: Vec<Prop>,
    /// `tel` values (see [`parse_vcard`] for how split numbers are handled).
    pub(crate) tels: Vec<Prop>,
    /// `contact-uri` values (RFC 8605), e.g. a web form or a `mailto:` URI.
    pub(crate) contact_uris: Vec<Prop>,
    /// Country: the `adr` `cc` parameter (RFC 8605), else its `country-name` parameter,
    /// else the `adr` value's country component.
    pub(crate) country: Option<String>,
    /// Properties that were skipped because they are malformed (not `[name, params, type,
    /// value…]`, a value of the wrong JSON type, a `pref` that is not a number) or over
    /// [`MAX_VALUES`], each described in a few words; empty for a well-formed jCard. A
    /// field dropped or cut by the field checks starts with its JSON pointer inside the
    /// entity (`/vcardArray/1/3: …`).
    pub(crate) issues: Vec<String>,
    /// A field issue of the property being read, waiting for its pointer.
    pending_field_issue: Option<String>,
}

impl VCard {
    /// Record an issue once, keeping at most [`MAX_ISSUES`] descriptions (then one summary
    /// line).
    fn issue(&mut self, text: String) {
        if self.issues.contains(&text) {
            return;
        }
        match self.issues.len() {
            n if n < MAX_ISSUES => self.issues.push(text),
            n if n == MAX_ISSUES => self.issues.push("further malformed properties".to_owned()),
            _ => {}
        }
    }
}

/// Parse a jCard leniently. `None` when `value` is not a jCard at all (not an array whose
/// property list is an array); properties that are malformed are skipped.
///
/// Telephone numbers split over several `tel` properties (the FIR `.moscow` registry
/// publishes `tel:+7`, `tel:495`, `tel:5801111` for `+7 495 5801111`) are joined into one,
/// with single spaces, but only in this narrow shape: a `+` and 1–3 digits (a bare country
/// code) followed by properties that are digits only and carry the same parameters. Any other
/// `tel` is kept as published.
pub(crate) fn parse_vcard(value: &Value) -> Option<VCard> {
    let outer = value.as_array()?;
    // Normally ["vcard", [props...]]; tolerate a missing "vcard" tag ([[props...]]).
    let props = match outer.first() {
        Some(Value::String(tag)) if tag.eq_ignore_ascii_case("vcard") => outer.get(1)?,
        Some(Value::Array(_)) if outer.len() == 1 => outer.first()?,
        _ => return None,
    };
    let base = if outer.len() == 1 { "/vcardArray/0" } else { "/vcardArray/1" };
    let props = props.as_array()?;
    let mut card = VCard::default();
    for (index, prop) in props.iter().enumerate() {
        read_property(&mut card, index, prop);
        if let Some(field) = card.pending_field_issue.take() {
            card.issue(format!("{base}/{index}: {field}"));
        }
    }
    card.tels = join_split_tels(card.tels);
    sort_by_pref(&mut card.emails);
    sort_by_pref(&mut card.tels);
    sort_by_pref(&mut card.contact_uris);
    Some(card)
}

/// Read one `[name, params, type, value...]` property (number `index` in the list) into
/// `card`; record an issue for a malformed one and ignore properties whohosts does not use.
fn read_property(card: &mut VCard, index: usize, prop: &Value) {
    let Some(parts) = prop.as_array() else {
        card.issue(format!("property {index} is not an array"));
        return;
    };
    let Some(name) = parts.first().and_then(Value::as_str) else {
        card.issue(format!("property {index} has no name"));
        return;
    };
    let name = name.to_ascii_lowercase();
    let params = match parts.get(1) {
        Some(Value::Object(map)) => Some(map),
        // An empty array is what PHP makes of `{}`: harmless.
        Some(Value::Array(a)) if a.is_empty() => None,
        _ => {
            card.issue(format!("property {index} ({name}) has no parameter object"));
            None
        }
    };
    let values = parts.get(3..).unwrap_or_default();
    let multi = matches!(name.as_str(), "email" | "tel" | "contact-uri");
    if multi && !values.iter().any(Value::is_string) {
        card.issue(format!("property {index} ({name}) has no text value"));
        return;
    }
    if multi && param(params, "pref").is_some() && param_pref(params).is_none() {
        card.issue(format!("property {index} ({name}) has a non-numeric pref"));
    }
    match name.as_str() {
        "kind" if card.kind.is_none() => {
            card.kind = first_text(values).map(|k| k.to_ascii_lowercase())
        }
        "fn" if card.full_name.is_none() => {
            card.full_name = first_text(values).map(|t| cap_field(card, "fn", t))
        }
        "org" if card.org.is_none() => {
            card.org = org_text(values).map(|t| cap_field(card, "org", t))
        }
        "email" => push_props(card, Multi::Email, params, values, strip_mailto),
        "tel" => push_props(card, Multi::Tel, params, values, strip_tel),
        "contact-uri" => push_props(card, Multi::ContactUri, params, values, str::to_owned),
        "adr" if card.country.is_none() => card.country = adr_country(params, values),
        _ => {}
    }
}

/// `text` cut to the field cap, noting the cut for the property being read.
fn cap_field(card: &mut VCard, name: &str, text: String) -> String {
    match crate::fields::capped(&text) {
        None => text,
        Some((cut, length)) => {
            card.pending_field_issue = Some(format!(
                "{name} truncated to {} characters (was {length})",
                crate::fields::MAX_TEXT_CHARS
            ));
            cut
        }
    }
}

/// Why a value of a multi-value property is dropped, if it is: an `email` that is not a
/// mailbox (placeholders such as `REDACTED FOR PRIVACY` are left to the entity reader, which
/// drops them silently); a `tel` or `contact-uri` over the text cap (a cut one is wrong).
fn field_problem(which: Multi, value: &str) -> Option<String> {
    match which {
        Multi::Email if super::placeholder::is_placeholder(value) => None,
        Multi::Email => crate::fields::email_problem(value),
        Multi::Tel | Multi::ContactUri => {
            let length = value.chars().count();
            (length > crate::fields::MAX_TEXT_CHARS).then(|| {
                format!("{length} characters long; the limit is {}", crate::fields::MAX_TEXT_CHARS)
            })
        }
    }
}

/// The multi-value properties.
#[derive(Debug, Clone, Copy)]
enum Multi {
    Email,
    Tel,
    ContactUri,
}

/// The first non-blank string among `values`, trimmed.
fn first_text(values: &[Value]) -> Option<String> {
    values
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `org` as text: a plain string, or the non-empty components of a structured value.
fn org_text(values: &[Value]) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for value in values {
        match value {
            Value::String(s) => parts.push(s.trim()),
            Value::Array(items) => {
                parts.extend(items.iter().filter_map(Value::as_str).map(str::trim))
            }
            _ => {}
        }
    }
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() { None } else { Some(parts.join(", ")) }
}

/// Push one [`Prop`] per non-blank string value, cleaned by `clean`, up to [`MAX_VALUES`].
fn push_props(
    card: &mut VCard,
    which: Multi,
    params: Option<&serde_json::Map<String, Value>>,
    values: &[Value],
    clean: fn(&str) -> String,
) {
    let types = param_types(params);
    let pref = param_pref(params);
    for value in values.iter().filter_map(Value::as_str) {
        let cleaned = clean(value.trim());
        if cleaned.is_empty() {
            continue;
        }
        let label = match which {
            Multi::Email => "email",
            Multi::Tel => "tel",
            Multi::ContactUri => "contact-uri",
        };
        if let Some(problem) = field_problem(which, &cleaned) {
            card.pending_field_issue = Some(format!("{label} dropped: {problem}"));
            continue;
        }
        let (out, label) = match which {
            Multi::Email => (&mut card.emails, "email"),
            Multi::Tel => (&mut card.tels, "tel"),
            Multi::ContactUri => (&mut card.contact_uris, "contact-uri"),
        };
        if out.len() >= MAX_VALUES {
            card.issue(format!("more than {MAX_VALUES} {label} values; the rest skipped"));
            return;
        }
        out.push(Prop { value: cleaned, types: types.clone(), pref });
    }
}

/// Find a parameter by case-insensitive name.
fn param<'a>(params: Option<&'a serde_json::Map<String, Value>>, name: &str) -> Option<&'a Value> {
    params?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// The `type` parameter: a string (possibly comma-separated) or an array of strings.
fn param_types(params: Option<&serde_json::Map<String, Value>>) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |s: &str| {
        for t in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            out.push(t.to_ascii_lowercase());
        }
    };
    match param(params, "type") {
        Some(Value::String(s)) => add(s),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).for_each(&mut add),
        _ => {}
    }
    out
}

/// The `pref` parameter as a number (RFC 6350 allows 1–100), given as a string or a number.
fn param_pref(params: Option<&serde_json::Map<String, Value>>) -> Option<u32> {
    match param(params, "pref")? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse::<u32>().ok(),
        Value::Array(items) => items.first().and_then(|v| match v {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse::<u32>().ok(),
            _ => None,
        }),
        _ => None,
    }
}

/// Country of an `adr` property: `cc` parameter, `country-name` parameter, or the 7th
/// component of the structured value.
fn adr_country(
    params: Option<&serde_json::Map<String, Value>>,
    values: &[Value],
) -> Option<String> {
    for name in ["cc", "country-name"] {
        if let Some(s) = param(params, name).and_then(Value::as_str) {
            let s = s.trim();
            if !s.is_empty() {
                return Some(if name == "cc" { s.to_ascii_uppercase() } else { s.to_owned() });
            }
        }
    }
    let component = values.first()?.as_array()?.get(6)?;
    let text = match component {
        Value::String(s) => s.trim().to_owned(),
        Value::Array(items) => first_text(items)?,
        _ => return None,
    };
    if text.is_empty() { None } else { Some(text) }
}

/// Strip a leading `prefix` compared case-insensitively.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) { s.get(prefix.len()..) } else { None }
}

/// An email value without a `mailto:` scheme.
fn strip_mailto(s: &str) -> String {
    strip_prefix_ci(s, "mailto:").unwrap_or(s).trim().to_owned()
}

/// A telephone value without a `tel:` scheme; parameters such as `;ext=` are kept.
fn strip_tel(s: &str) -> String {
    strip_prefix_ci(s, "tel:").unwrap_or(s).trim().to_owned()
}

/// Join the FIR-style split number (see [`parse_vcard`]).
fn join_split_tels(tels: Vec<Prop>) -> Vec<Prop> {
    let is_cc = |v: &str| {
        v.strip_prefix('+')
            .is_some_and(|d| (1..=3).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
    };
    let is_digits = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    let mut out: Vec<Prop> = Vec::with_capacity(tels.len());
    let mut iter = tels.into_iter().peekable();
    while let Some(mut head) = iter.next() {
        if is_cc(&head.value) {
            let mut joined = 0usize;
            while let Some(next) = iter.peek() {
                if is_digits(&next.value) && next.types == head.types && next.pref == head.pref {
                    head.value.push(' ');
                    head.value.push_str(&next.value);
                    joined += 1;
                    iter.next();
                } else {
                    break;
                }
            }
            if joined > 0 {
                tracing::debug!(value = %head.value, parts = joined + 1, "joined a split tel");
            }
        }
        out.push(head);
    }
    out
}

/// Stable sort: lower `pref` first, no `pref` last.
fn sort_by_pref(props: &mut [Prop]) {
    props.sort_by_key(|p| (p.pref.is_none(), p.pref.unwrap_or(0)));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn vcard_at(fixture: &str, pointer: &str) -> VCard {
        let root: Value = serde_json::from_str(fixture).unwrap();
        parse_vcard(root.pointer(pointer).unwrap()).unwrap()
    }

    #[test]
    fn arin_text_tel_and_type_array() {
        let card = vcard_at(
            include_str!("../../tests/fixtures/rdap/ip/arin-8.8.8.0-24-google.json"),
            "/entities/0/entities/0/vcardArray",
        );
        assert_eq!(card.full_name.as_deref(), Some("Abuse"));
        assert_eq!(card.org.as_deref(), Some("Google Inc."));
        assert_eq!(card.kind.as_deref(), Some("group"));
        assert_eq!(card.emails.len(), 1);
        assert_eq!(card.emails[0].value, "network-abuse@google.com");
        assert_eq!(card.tels.len(), 1);
        assert_eq!(card.tels[0].value, "+1-650-253-0000");
        assert_eq!(card.tels[0].types, vec!["work", "voice"]);
        assert_eq!(card.tels[0].pref, None);
        assert_eq!(card.country, None);
    }

    #[test]
    fn apnic_pref_string_sorts_first() {
        let card = vcard_at(
            include_str!("../../tests/fixtures/rdap/ip/apnic-203.119.100.0-22-apnic.json"),
            "/entities/1/vcardArray",
        );
        assert_eq!(card.full_name.as_deref(), Some("IRT-APNIC-IS-AP"));
        let emails: Vec<_> = card.emails.iter().map(|p| (p.value.as_str(), p.pref)).collect();
        assert_eq!(emails, vec![("abuse@apnic.net", Some(1)), ("helpdesk@apnic.net", None)]);
    }

    #[test]
    fn verisign_tel_uri_and_empty_fn() {
        let card = vcard_at(
            include_str!("../../tests/fixtures/rdap/domain/verisign-cloudflare.com-registry.json"),
            "/entities/0/entities/0/vcardArray",
        );
        assert_eq!(card.full_name, None);
        assert_eq!(card.tels[0].value, "+1.6503198930");
        assert_eq!(card.tels[0].types, vec!["voice"]);
        assert_eq!(card.emails[0].value, "registrar-abuse@cloudflare.com");
    }

    #[test]
    fn cc_parameter_and_adr_component_country() {
        let card = vcard_at(
            include_str!(
                "../../tests/fixtures/rdap/domain/cloudflare-registrar-cloudflare.com.json"
            ),
            "/entities/0/vcardArray",
        );
        assert_eq!(card.country.as_deref(), Some("US"));
        // Both tels have pref "1": published order kept.
        let tels: Vec<_> = card.tels.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(tels, vec!["+1.6503198930", "+1.6502307173"]);
        assert!(card.tels[1].has_type("fax"));

        let card = vcard_at(
            include_str!("../../tests/fixtures/rdap/ip/lacnic-200.3.12.0-22-lacnic.json"),
            "/entities/1/vcardArray",
        );
        assert_eq!(card.country.as_deref(), Some("UY"));
        assert_eq!(card.tels[0].value, "+598  26042222#4401");
        assert_eq!(card.full_name.as_deref(), Some("Carlos M Martínez"));
    }

    #[test]
    fn fir_split_tel_is_joined() {
        let card = vcard_at(
            include_str!("../../tests/fixtures/rdap/domain/flexireg-home.moscow-registry.json"),
            "/entities/0/entities/0/vcardArray",
        );
        let tels: Vec<_> = card.tels.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(tels, vec!["+7 495 5801111"]);
        assert_eq!(card.emails[0].value, "abuse@reg.ru");
    }

    #[test]
    fn redacted_tel_with_ext_kept_as_published() {
        let card = vcard_at(
            include_str!(
                "../../tests/fixtures/rdap/domain/cloudflare-registrar-cloudflare.com.json"
            ),
            "/entities/1/vcardArray",
        );
        assert_eq!(card.tels[0].value, "DATA REDACTED;ext=DATA REDACTED");
        assert_eq!(
            card.contact_uris[0].value,
            "https://domaincontact.registrar.cloudflare.com/cloudflare.com"
        );
    }

    #[test]
    fn lenient_shapes() {
        let v = json!(["vcard", [
            ["version", {}, "text", "4.0"],
            ["fn", {}, "text", "   "],
            ["org", {}, "text", ["ABC, Inc.", "", "Marketing"]],
            ["email", {"pref": 2}, "text", "MAILTO:b@example.net"],
            ["email", {"type": "work,internet", "pref": "1"}, "text", " a@example.net "],
            ["email", {}, "text", ""],
            ["tel", {"type": "voice"}, "uri", "tel:+1-201-555-0123;ext=102"],
            ["tel", "notparams", "text", 5],
            ["contact-uri", {}, "uri", "mailto:c@example.net"],
            "garbage",
            [],
            [42, {}, "text", "x"],
            ["adr", {"country-name": "Germany"}, "text", ["", "", "", "", "", "", ""]]
        ]]);
        let card = parse_vcard(&v).unwrap();
        assert_eq!(card.full_name, None);
        assert_eq!(card.org.as_deref(), Some("ABC, Inc., Marketing"));
        let emails: Vec<_> = card.emails.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(emails, vec!["a@example.net", "b@example.net"]);
        assert_eq!(card.emails[0].types, vec!["work", "internet"]);
        assert_eq!(card.tels.len(), 1);
        assert_eq!(card.tels[0].value, "+1-201-555-0123;ext=102");
        assert_eq!(card.contact_uris[0].value, "mailto:c@example.net");
        assert_eq!(card.country.as_deref(), Some("Germany"));
        assert_eq!(
            card.issues,
            vec![
                "property 7 (tel) has no parameter object",
                "property 7 (tel) has no text value",
                "property 9 is not an array",
                "property 10 has no name",
                "property 11 has no name",
            ]
        );
    }

    #[test]
    fn pref_and_params_quirks() {
        let v = json!(["vcard", [
            // PHP's rendering of `{}` is `[]`: accepted silently.
            ["email", [], "text", "a@example.net"],
            ["email", {"pref": "first"}, "text", "b@example.net"],
            ["email", {"pref": ["2"]}, "text", "c@example.net"],
            ["tel", {"pref": 1, "type": "work,voice"}, "text", "+1-201-555-0123;ext=102"]
        ]]);
        let card = parse_vcard(&v).unwrap();
        let emails: Vec<_> = card.emails.iter().map(|p| (p.value.as_str(), p.pref)).collect();
        assert_eq!(
            emails,
            vec![("c@example.net", Some(2)), ("a@example.net", None), ("b@example.net", None)]
        );
        assert_eq!(card.tels[0].pref, Some(1));
        assert!(card.tels[0].has_type("voice"));
        assert_eq!(card.issues, vec!["property 1 (email) has a non-numeric pref"]);
    }

    #[test]
    fn not_a_jcard() {
        assert_eq!(parse_vcard(&json!(null)), None);
        assert_eq!(parse_vcard(&json!("vcard")), None);
        assert_eq!(parse_vcard(&json!(["vcard"])), None);
        assert_eq!(parse_vcard(&json!(["vcard", "x"])), None);
        assert_eq!(parse_vcard(&json!(["other", []])), None);
        assert_eq!(parse_vcard(&json!(["vcard", []])), Some(VCard::default()));
    }

    #[test]
    fn split_tel_join_is_narrow() {
        let v = json!(["vcard", [
            ["tel", {"type": "voice"}, "uri", "tel:+7"],
            ["tel", {"type": "fax"}, "uri", "tel:495"],
            ["tel", {}, "text", "+44 20 7034 9367"]
        ]]);
        let card = parse_vcard(&v).unwrap();
        let tels: Vec<_> = card.tels.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(tels, vec!["+7", "495", "+44 20 7034 9367"]);
    }
}
