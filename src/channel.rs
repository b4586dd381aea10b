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
//! - shared: the same mailbox (compared case-insensitively), the same phone (compared without
//!   spaces and the `-` `.` `(` `)` `/` separators, so `+1 650-253-0000` is `+1.650.253.0000`)
//!   or the same web form (compared with scheme and host in lower case and without a trailing
//!   `/`);
//! - contradicting: a field that both state, with different values.
//!
//! So an email-only contact and the same email with a phone are one channel: the later
//! statement fills the phone the first lacked. The same mailbox published with two different
//! phones (a registrar's own answer and the registry's copy disagreeing) stays two contacts,
//! each with its source, so no published fact is dropped. A mailbox and a phone with nothing
//! in common are two channels.

use crate::record::Contact;

/// Whether `a` and `b` are the same channel (see the module documentation).
pub(crate) fn same_channel(a: &Contact, b: &Contact) -> bool {
    let emails = compare(a.email.as_deref(), b.email.as_deref(), |e| e.trim().to_lowercase());
    let phones = compare(a.phone.as_deref(), b.phone.as_deref(), normalise_phone);
    let webs = compare(a.web.as_deref(), b.web.as_deref(), normalise_web);
    let all = [emails, phones, webs];
    !all.contains(&Field::Differ) && all.contains(&Field::Same)
}

/// Add `contact` to `list`: merged into the first contact that is the same channel, else
/// appended. No published fact is dropped.
pub(crate) fn merge_into(list: &mut Vec<Contact>, contact: Contact) {
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
/// are added (each once), and the name, email, phone, web form and role `existing` lacked
/// are filled. `source_url` and `inherited_from` stay the first statement's (they describe
/// where `existing` was read). Notice types: a channel stated once for every notice (empty
/// list) is for every notice; two restricted statements add up.
pub(crate) fn absorb(existing: &mut Contact, other: Contact) {
    for source in other.sources {
        if !existing.sources.contains(&source) {
            existing.sources.push(source);
        }
    }
    fill(&mut existing.name, other.name);
    fill(&mut existing.email, other.email);
    fill(&mut existing.phone, other.phone);
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

    #[test]
    fn same_mailbox_with_two_different_phones_is_two_channels() {
        // The registrar's own answer and the registry's copy of cloudflare.com disagree.
        let a = contact(Some("registrar-abuse@cloudflare.com"), Some("+1.4153197517"), None);
        let b = contact(Some("registrar-abuse@cloudflare.com"), Some("+1.6503198930"), None);
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
    fn merging_two_different_phones_keeps_both() {
        let merged = merge_all([
            sourced("registrar-abuse@cloudflare.com", Some("+1.4153197517"), "https://a/"),
            sourced("registrar-abuse@cloudflare.com", Some("+1.6503198930"), "https://b/"),
        ]);
        let phones: Vec<_> = merged.iter().filter_map(|c| c.phone.as_deref()).collect();
        assert_eq!(phones, ["+1.4153197517", "+1.6503198930"]);
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
}
