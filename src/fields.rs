//! What a usable contact field is: an email address (a strict subset of RFC 5322) and the
//! length cap of names and other text taken from servers.
//!
//! The RDAP jCard reader (`rdap/jcard.rs`), the RDAP entity reader (`rdap/entities.rs`) and
//! the WHOIS reader (`whois/parse.rs`) ask these functions; this file owns the rules and
//! nothing else (no reporting: each reader says where the field was).
//!
//! Why a hand-written subset and not a crate: the mailboxes that matter here are abuse
//! desks, and those are always a dot-atom local part at a host name. RFC 5322 also allows
//! quoted local parts (`"a b"@x`), comments and domain literals (`x@[192.0.2.1]`); general
//! parsers (e.g. the `email_address` crate) accept them, and single-label domains too, so a
//! hostile server could still pass text that is no mailbox anyone can write to. Rejecting
//! them costs nothing real and keeps the rule short enough to read in one screen.

/// The longest email address accepted, in characters: RFC 5321 §4.5.3.1.3 allows a path of
/// 256 octets including the two angle brackets.
pub(crate) const MAX_EMAIL_CHARS: usize = 254;

/// The longest local part, in octets (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_OCTETS: usize = 64;

/// The longest name or other free text kept, in characters; longer text is cut and marked
/// with [`TRUNCATION_MARK`].
pub(crate) const MAX_TEXT_CHARS: usize = 512;

/// Appended to text cut at [`MAX_TEXT_CHARS`].
pub(crate) const TRUNCATION_MARK: char = '…';

/// Why a value is not a usable email address (the text completes "email … dropped: ").
pub(crate) fn email_problem(value: &str) -> Option<String> {
    let chars = value.chars().count();
    if chars > MAX_EMAIL_CHARS {
        return Some(format!("{chars} characters long; the limit is {MAX_EMAIL_CHARS}"));
    }
    if let Some(c) = value.chars().find(|c| c.is_control() || crate::text::is_unsafe_char(*c)) {
        return Some(format!("holds the control character U+{:04X}", u32::from(c)));
    }
    if value.chars().any(char::is_whitespace) {
        return Some("holds white space".to_owned());
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Some("has no @".to_owned());
    };
    if domain.contains('@') {
        return Some("has more than one @".to_owned());
    }
    if local.is_empty() || local.len() > MAX_LOCAL_OCTETS {
        return Some(format!("local part is empty or over {MAX_LOCAL_OCTETS} octets"));
    }
    if !is_dot_atom(local) {
        return Some("local part is not a dot-atom (RFC 5322 §3.2.3)".to_owned());
    }
    if !is_host_name(domain) {
        return Some(format!("domain part {domain:?} is not a host name"));
    }
    None
}

/// RFC 5322 `dot-atom-text`: atoms of `atext` (letters, digits and ``!#$%&'*+-/=?^_`{|}~``,
/// plus non-ASCII characters as RFC 6532 allows) separated by single dots.
fn is_dot_atom(local: &str) -> bool {
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(atext))
}

/// A host name of two labels or more (RFC 1123 letters, digits and inner hyphens; IDNA
/// for non-ASCII), at most 253 octets in A-labels, whose last label is not all digits. A
/// trailing dot is not allowed in a mailbox.
fn is_host_name(domain: &str) -> bool {
    let ascii = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        match idna::domain_to_ascii(domain) {
            Ok(ascii) => ascii,
            Err(_) => return false,
        }
    };
    let labels: Vec<&str> = ascii.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    ascii.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
}

/// `text` cut to [`MAX_TEXT_CHARS`] characters and marked with [`TRUNCATION_MARK`], with
/// the original length in characters; `None` when it is within the cap.
pub(crate) fn capped(text: &str) -> Option<(String, usize)> {
    let mut indices = text.char_indices();
    let (cut, _) = indices.nth(MAX_TEXT_CHARS)?;
    let length = MAX_TEXT_CHARS + 1 + indices.count();
    let mut out = text.get(..cut).unwrap_or_default().to_owned();
    out.push(TRUNCATION_MARK);
    Some((out, length))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn real_abuse_mailboxes_pass() {
        for email in [
            "abuse@cloudflare.com",
            "registrar-abuse@cloudflare.com",
            "ABUSE@ENOM.COM",
            "abuse+rdap@example.co.uk",
            "o'brien@example.ie",
            "abuse@xn--bcher-kva.de",
            "abuse@bücher.de",
            "jürgen@bücher.de",
            "a@b.cd",
        ] {
            assert_eq!(email_problem(email), None, "{email}");
        }
    }

    #[test]
    fn hostile_and_broken_values_fail_with_a_reason() {
        let long = format!("{}@example.com", "a".repeat(100_000));
        for (value, reason) in [
            ("\u{0}abuse@example.com", "holds the control character U+0000"),
            ("abuse@exa\u{1b}mple.com", "holds the control character U+001B"),
            ("abuse@example.com\u{202e}", "holds the control character U+202E"),
            (long.as_str(), "100012 characters long; the limit is 254"),
            ("abuse @example.com", "holds white space"),
            ("abuse.example.com", "has no @"),
            ("a@b@example.com", "has more than one @"),
            ("@example.com", "local part is empty or over 64 octets"),
            ("\"a b\"@example.com", "holds white space"),
            ("\"ab\"@example.com", "local part is not a dot-atom (RFC 5322 §3.2.3)"),
            ("a..b@example.com", "local part is not a dot-atom (RFC 5322 §3.2.3)"),
            (".a@example.com", "local part is not a dot-atom (RFC 5322 §3.2.3)"),
            ("abuse@localhost", "domain part \"localhost\" is not a host name"),
            ("abuse@[192.0.2.1]", "domain part \"[192.0.2.1]\" is not a host name"),
            ("abuse@192.0.2.1", "domain part \"192.0.2.1\" is not a host name"),
            ("abuse@-x.com", "domain part \"-x.com\" is not a host name"),
            ("abuse@x..com", "domain part \"x..com\" is not a host name"),
            ("abuse@example.com.", "domain part \"example.com.\" is not a host name"),
            ("abuse@exa_mple.com", "domain part \"exa_mple.com\" is not a host name"),
        ] {
            assert_eq!(email_problem(value).as_deref(), Some(reason), "{value:?}");
        }
        let local65 = format!("{}@example.com", "a".repeat(65));
        assert!(email_problem(&local65).is_some());
        let domain = format!("{}.{}.{}.com", "b".repeat(61), "c".repeat(61), "d".repeat(61));
        let at_limit = format!("{}@{domain}", "a".repeat(64));
        assert_eq!(at_limit.chars().count(), 254);
        assert_eq!(email_problem(&at_limit), None);
    }

    #[test]
    fn text_is_capped_by_characters_not_bytes() {
        assert_eq!(capped(&"x".repeat(512)), None);
        let (cut, length) = capped(&"é".repeat(200_000)).unwrap();
        assert_eq!(length, 200_000);
        assert_eq!(cut.chars().count(), 513);
        assert!(cut.ends_with("é…"));
    }
}
