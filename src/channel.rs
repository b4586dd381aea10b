//! The one rule for "the same contact": when two [`Contact`]s are one channel, and how a
//! repeated statement of a channel is merged into the first, keeping every source.
//!
//! RDAP extraction (the same mailbox at several depths of one answer), the network and
//! registration stages (the same channel from several answers or hops), `abuse_contacts` and
//! `notice_targets` (the same channel from the provider directory and from RDAP) all decide
//! with [`same_channel`] and merge with [`merge_into`]. This module knows nothing else: no
//! parties, no ordering.
//!
//! # The rule
//!
//! Two contacts are the same channel when they **share** a way of reaching someone and
//! **contradict** each other on none:
//!
//! - shared: the same mailbox (compared case-insensitively), a phone number in common, or the
//!   same web form (compared with scheme and host in lower case and without a trailing `/`);
//! - contradicting: a mailbox or web form that both state, with different values.
//!
//! Phone numbers never contradict: a channel's [`phones`](Contact::phones) are a list, and
//! two statements of one mailbox with different numbers (a registrar's own answer and the
//! registry's copy of cloudflare.com disagreeing) are one channel with both numbers, each
//! kept as published, so no published fact is dropped. Two numbers are the same when their
//! E.164 forms are equal (`+1 650-253-0000`, `+1.650.253.0000` and `tel:+16502530000` are
//! `+16502530000`, parsed with the `phonenumber` crate, Google's libphonenumber metadata);
//! a text that does not parse as an international number (no `+` country code, or an
//! extension) is compared without spaces and the `-` `.` `(` `)` `/` separators.
//!
//! So an email-only contact and the same email with a phone are one channel: the later
//! statement fills the phone the first lacked. A mailbox and a phone with nothing in common
//! are two channels, and so are two mailboxes with the same phone.

use crate::record::{Contact, Phone};

/// Whether `a` and `b` are the same channel (see the module documentation).
pub(crate) fn same_channel(a: &Contact, b: &Contact) -> bool {
    let emails = compare(a.email.as_deref(), b.email.as_deref(), |e| e.trim().to_lowercase());
    let webs = compare(a.web.as_deref(), b.web.as_deref(), normalise_web);
    let (a_phones, b_phones) = (phone_keys(a), phone_keys(b));
    let phone_shared = a_phones.iter().any(|k| b_phones.contains(k));
    ![emails, webs].contains(&Field::Differ)
        && (emails == Field::Same || webs == Field::Same || phone_shared)
}

/// `text` as a [`Phone`] (see [`Phone::new`]).
pub(crate) fn phone(text: &str) -> Phone {
    Phone::new(text)
}

impl Phone {
    /// A number as published: its text (trimmed, `tel:` prefix removed) and its E.164 form
    /// where it parses as an international number without an extension.
    ///
    /// ```
    /// let phone = whohosts::Phone::new("tel:+1.4153197517");
    /// assert_eq!(phone.text, "+1.4153197517");
    /// assert_eq!(phone.e164.as_deref(), Some("+14153197517"));
    /// assert_eq!(whohosts::Phone::new("0202018165").e164, None);
    /// ```
    pub fn new(text: &str) -> Self {
        let text = text.trim();
        let text = text.strip_prefix("tel:").unwrap_or(text).trim();
        Phone { text: text.to_owned(), e164: e164(text) }
    }
}

/// Fill [`Contact::phones`] from [`Contact::phone`] (a contact as an extractor or a schema 2
/// record states it) and `phone` from the first of `phones`, so both say the same.
pub(crate) fn complete_phones(contact: &mut Contact) {
    match (&contact.phone, contact.phones.first()) {
        (Some(text), None) => contact.phones.push(phone(text)),
        (None, Some(first)) => contact.phone = Some(first.text.clone()),
        _ => {}
    }
}

/// Add `contact` to `list`: merged into the first contact that is the same channel, else
/// appended. No published fact is dropped.
pub(crate) fn merge_into(list: &mut Vec<Contact>, mut contact: Contact) {
    complete_phones(&mut contact);
    match list.iter_mut().find(|c| same_channel(c, &contact)) {
        Some(existing) => absorb(existing, contact),
        None => list.push(contact),
    }
}

/// Merge every contact of `contacts` in order: one contact per channel, in first-seen order.
pub(crate) fn merge_all(contacts: impl IntoIterator<Item = Contact>) -> Vec<Contact> {
    let mut out = Vec::new();
    for contact in contacts {
        merge_into(&mut out, contact);
    }
    out
}

/// Fold `other`, a repeated statement of `existing`'s channel, into `existing`: its sources
/// and the phone numbers `existing` lacked are added (each once), and the name, email, web
/// form and role `existing` lacked are filled. `source_url` and `inherited_from` stay the
/// first statement's (they describe where `existing` was read). Notice types: a channel stated once for every notice (empty
/// list) is for every notice; two restricted statements add up.
pub(crate) fn absorb(existing: &mut Contact, mut other: Contact) {
    complete_phones(existing);
    complete_phones(&mut other);
    for number in other.phones.drain(..) {
        let key = phone_key(&number);
        if !existing.phones.iter().any(|p| phone_key(p) == key) {
            existing.phones.push(number);
        }
    }
    complete_phones(existing);
    for source in other.sources {
        if !existing.sources.contains(&source) {
            existing.sources.push(source);
        }
    }
    fill(&mut existing.name, other.name);
    fill(&mut existing.email, other.email);
    fill(&mut existing.web, other.web);
    fill(&mut existing.role, other.role);
    if other.notice_types.is_empty() {
        existing.notice_types.clear();
    } else if !existing.notice_types.is_empty() {
        for t in other.notice_types {
            if !existing.notice_types.contains(&t) {
                existing.notice_types.push(t);
            }
        }
    }
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// How two contacts compare on one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// Both state it, with the same value.
    Same,
    /// Both state it, with different values.
    Differ,
    /// At most one states it.
    Unstated,
}

fn compare(a: Option<&str>, b: Option<&str>, normalise: impl Fn(&str) -> String) -> Field {
    match (a, b) {
        (Some(a), Some(b)) if normalise(a) == normalise(b) => Field::Same,
        (Some(_), Some(_)) => Field::Differ,
        _ => Field::Unstated,
    }
}

/// The longest text parsed as a phone number: longer ones are no phone number, and are only
/// compared as written.
const MAX_PHONE_TEXT: usize = 64;

/// The E.164 form of `text` when it parses as an international number (it must carry its
/// `+` country code: a contact has no region to read a national number in) without an
/// extension.
fn e164(text: &str) -> Option<String> {
    if text.len() > MAX_PHONE_TEXT || !text.starts_with('+') {
        return None;
    }
    let number = phonenumber::parse(None, text).ok()?;
    if number.extension().is_some() {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// What two numbers are compared by: the E.164 form, else the text without separators.
fn phone_key(phone: &Phone) -> String {
    phone.e164.clone().unwrap_or_else(|| normalise_phone(&phone.text))
}

/// The comparison keys of every number of `contact` (its `phone` when `phones` is not filled).
fn phone_keys(contact: &Contact) -> Vec<String> {
    if contact.phones.is_empty() {
        contact.phone.as_deref().map(|p| phone_key(&phone(p))).into_iter().collect()
    } else {
        contact.phones.iter().map(phone_key).collect()
    }
}

/// A phone number without separators: `+1 (650) 253-0000` → `+16502530000`. Extensions
/// (`#4401`, `x12`) are kept.
fn normalise_phone(phone: &str) -> String {
    let phone = phone.trim();
    let phone = phone.strip_prefix("tel:").unwrap_or(phone);
    phone
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')' | '/'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A web form's URL with scheme and host in lower case (as URL parsing gives them) and
/// without a trailing `/`; an unparsable value is compared as written.
fn normalise_web(web: &str) -> String {
    let web = web.trim();
    let parsed = url::Url::parse(web).map_or_else(|_| web.to_owned(), String::from);
    parsed.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{NoticeType, Source, SourceKind};

    fn contact(email: Option<&str>, phone: Option<&str>, web: Option<&str>) -> Contact {
        Contact {
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            web: web.map(str::to_owned),
            ..Contact::default()
        }
    }

    fn sourced(email: &str, phone: Option<&str>, url: &str) -> Contact {
        Contact {
            sources: vec![Source::new(SourceKind::Rdap, url)],
            source_url: Some(url.to_owned()),
            ..contact(Some(email), phone, None)
        }
    }

    #[test]
    fn same_mailbox_in_any_case_is_one_channel() {
        let a = contact(Some("Abuse@Example.NET"), None, None);
        let b = contact(Some("abuse@example.net"), None, None);
        assert!(same_channel(&a, &b));
    }

    #[test]
    fn email_only_and_the_same_email_with_a_phone_are_one_channel() {
        let a = contact(Some("abuse@example.net"), None, None);
        let b = contact(Some("ABUSE@example.net"), Some("+1 555 0100"), None);
        assert!(same_channel(&a, &b));
        assert!(same_channel(&b, &a));
    }

    /// Issue #15: the registrar's own answer for cloudflare.com (Cloudflare's registrar RDAP,
    /// `+1.4153197517`) and the registry's copy (Verisign, `+1.6503198930`) give one mailbox
    /// two numbers: one channel, both numbers kept.
    #[test]
    fn same_mailbox_with_two_different_phones_is_one_channel() {
        let a = contact(Some("registrar-abuse@cloudflare.com"), Some("+1.4153197517"), None);
        let b = contact(Some("registrar-abuse@cloudflare.com"), Some("+1.6503198930"), None);
        assert!(same_channel(&a, &b));
        // A phone alone is no shared way: two numbers without anything else are two channels.
        let a = contact(None, Some("+1.4153197517"), None);
        let b = contact(None, Some("+1.6503198930"), None);
        assert!(!same_channel(&a, &b));
    }

    #[test]
    fn phones_compare_without_separators() {
        let a = contact(None, Some("+1-650-253-0000"), None);
        let b = contact(None, Some("tel:+1 (650) 253.0000"), None);
        assert!(same_channel(&a, &b));
        let ext = contact(None, Some("+598  26042222#4401"), None);
        let other_ext = contact(None, Some("+598 26042222#4402"), None);
        assert!(!same_channel(&ext, &other_ext));
        assert!(same_channel(&ext, &contact(None, Some("+598-2604-2222#4401"), None)));
    }

    /// The E.164 form is the number as dialled from anywhere: ARIN's `+1-650-319-8930` for
    /// Cloudflare's abuse desk and Verisign's `+1.6503198930` are one number.
    #[test]
    fn phones_in_e164_form() {
        let arin = phone("+1-650-319-8930");
        assert_eq!(arin.text, "+1-650-319-8930");
        assert_eq!(arin.e164.as_deref(), Some("+16503198930"));
        assert_eq!(phone("tel:+1.6503198930").e164.as_deref(), Some("+16503198930"));
        assert_eq!(phone("+31 20 535 4444").e164.as_deref(), Some("+31205354444"));
        let a = contact(Some("abuse@cloudflare.com"), Some("+1-650-319-8930"), None);
        let b = contact(None, Some("+1.6503198930"), None);
        assert!(same_channel(&a, &b));
        // No country code: no region to read it in, so compared as written.
        assert_eq!(phone("0202018165").e164, None);
        // An extension: E.164 has none, so the text only.
        assert_eq!(phone("+1.5555550100;ext=7").e164, None);
        assert_eq!(phone("+598  26042222#4401").e164, None);
        assert_eq!(phone("not a number").e164, None);
        assert_eq!(phone(&"+1".repeat(100)).e164, None);
    }

    #[test]
    fn web_forms_compare_without_trailing_slash_or_host_case() {
        let a = contact(None, None, Some("https://abuse.hetzner.com"));
        let b = contact(None, None, Some("https://Abuse.Hetzner.com/"));
        assert!(same_channel(&a, &b));
        let dmca = contact(None, None, Some("https://abuse.cloudflare.com/dmca"));
        let general = contact(None, None, Some("https://abuse.cloudflare.com/"));
        assert!(!same_channel(&dmca, &general));
    }

    #[test]
    fn different_ways_with_nothing_shared_are_different_channels() {
        let mail = contact(Some("abuse@example.net"), None, None);
        let form = contact(None, None, Some("https://example.net/abuse"));
        assert!(!same_channel(&mail, &form));
        assert!(!same_channel(&Contact::default(), &Contact::default()));
        // Same phone, different mailboxes: two channels.
        let a = contact(Some("abuse@example.net"), Some("+1 555 0100"), None);
        let b = contact(Some("noc@example.net"), Some("+1 555 0100"), None);
        assert!(!same_channel(&a, &b));
    }

    #[test]
    fn merging_keeps_every_source_and_fills_gaps() {
        let first = sourced("abuse@example.net", None, "https://rdap.example/ip/1");
        let mut second =
            sourced("ABUSE@example.net", Some("+1 555 0100"), "https://rdap.example/ip/2");
        second.name = Some("Abuse desk".to_owned());
        let repeated = sourced("abuse@example.net", None, "https://rdap.example/ip/1");
        let merged = merge_all([first, second, repeated]);
        assert_eq!(merged.len(), 1);
        let c = &merged[0];
        assert_eq!(c.email.as_deref(), Some("abuse@example.net"));
        assert_eq!(c.phone.as_deref(), Some("+1 555 0100"));
        assert_eq!(c.name.as_deref(), Some("Abuse desk"));
        assert_eq!(c.source_url.as_deref(), Some("https://rdap.example/ip/1"));
        let urls: Vec<_> = c.sources.iter().filter_map(|s| s.url.as_deref()).collect();
        assert_eq!(urls, ["https://rdap.example/ip/1", "https://rdap.example/ip/2"]);
    }

    #[test]
    fn merging_two_different_phones_keeps_both_under_one_mailbox() {
        let merged = merge_all([
            sourced("registrar-abuse@cloudflare.com", Some("+1.4153197517"), "https://a/"),
            sourced("registrar-abuse@cloudflare.com", Some("+1.6503198930"), "https://b/"),
            sourced("Registrar-Abuse@cloudflare.com", Some("+1 650 319 8930"), "https://c/"),
        ]);
        assert_eq!(merged.len(), 1);
        let c = &merged[0];
        assert_eq!(c.phone.as_deref(), Some("+1.4153197517"));
        let phones: Vec<_> =
            c.phones.iter().map(|p| (p.text.as_str(), p.e164.as_deref())).collect();
        assert_eq!(
            phones,
            [("+1.4153197517", Some("+14153197517")), ("+1.6503198930", Some("+16503198930"))]
        );
        let urls: Vec<_> = c.sources.iter().filter_map(|s| s.url.as_deref()).collect();
        assert_eq!(urls, ["https://a/", "https://b/", "https://c/"]);
    }

    /// A schema 2 contact (only `phone`) gains `phones`; a contact with only `phones` gains
    /// `phone`, the first number's text.
    #[test]
    fn phone_and_phones_say_the_same() {
        let mut old = contact(Some("abuse@ripe.net"), Some("+31 20 535 4444"), None);
        complete_phones(&mut old);
        assert_eq!(old.phones, [phone("+31 20 535 4444")]);
        complete_phones(&mut old);
        assert_eq!(old.phones.len(), 1);
        let mut new = Contact { phones: vec![phone("+1.4153197517")], ..Contact::default() };
        complete_phones(&mut new);
        assert_eq!(new.phone.as_deref(), Some("+1.4153197517"));
        assert!(!new.is_empty());
    }

    #[test]
    fn a_channel_for_every_notice_stays_for_every_notice() {
        let mut copyright = contact(Some("abuse@example.net"), None, None);
        copyright.notice_types = vec![NoticeType::Copyright];
        let mut spam = copyright.clone();
        spam.notice_types = vec![NoticeType::Spam];
        let every = contact(Some("abuse@example.net"), None, None);
        let merged = merge_all([copyright.clone(), spam]);
        assert_eq!(merged[0].notice_types, [NoticeType::Copyright, NoticeType::Spam]);
        let merged = merge_all([copyright, every]);
        assert!(merged[0].notice_types.is_empty());
    }

    proptest::proptest! {
        /// Server text never panics the phone parser (the `phonenumber` crate had panics on
        /// crafted input before 0.3.3), and a parsed number is `+` and digits only.
        #[test]
        fn any_text_reads_as_a_phone(text in "[+0-9 .()#;=extEXT:a-z\\-]{0,40}|\\PC{0,80}") {
            let p = phone(&text);
            if let Some(e164) = p.e164 {
                proptest::prop_assert!(e164.starts_with('+'));
                proptest::prop_assert!(e164[1..].chars().all(|c| c.is_ascii_digit()), "{e164}");
            }
        }
    }
}
