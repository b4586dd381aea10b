//! What is not contact data: placeholders ("REDACTED FOR PRIVACY", `n/a`, stand-in
//! mailboxes such as `noreply@…` or ARIN's `search-apnic-not-arin@apnic.net`) and withheld
//! values, recognised in every RDAP answer before a field becomes a contact.

/// Fragments that mark a value as a stand-in rather than a real name, address or number,
/// beside the [`WITHHELD_FRAGMENTS`] (which mark one too).
const STAND_IN_FRAGMENTS: &[&str] =
    &["please query", "contact the registrar", "contact the sponsoring registrar", "not available"];

/// Fragments that say a value was withheld on purpose (every one also marks a placeholder;
/// "n/a" or a blank is absence, not withholding).
const WITHHELD_FRAGMENTS: &[&str] = &[
    "redacted",
    "data protected",
    "not disclosed",
    "non-disclosed",
    "undisclosed",
    "withheld",
    "gdpr masked",
    "non-public data",
    "statutory masking",
    "privacy protected",
    "hidden upon user request",
];

/// Whole values that are placeholders (compared in lower case, trailing dots removed).
/// `ano nymous` is AFNIC's stand-in name for a person who restricted their data.
const PLACEHOLDER_VALUES: &[&str] = &[
    "",
    "-",
    "n/a",
    "na",
    "none",
    "null",
    "nil",
    "unknown",
    "private",
    "hidden",
    "x",
    "?",
    "ano nymous",
];

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
/// "please query the RDDS service…" style text, a stand-in such as `n/a`, an address whose
/// mailbox is a stand-in (`removed@lacnic.net`, `noreply@…`) or under `.invalid`, or a
/// "search the other registry" pointer such as ARIN's `search-apnic-not-arin@apnic.net`.
pub(crate) fn is_placeholder(s: &str) -> bool {
    let lower = s.trim().trim_end_matches('.').trim().to_lowercase();
    if PLACEHOLDER_VALUES.contains(&lower.as_str()) {
        return true;
    }
    if WITHHELD_FRAGMENTS.iter().chain(STAND_IN_FRAGMENTS).any(|f| lower.contains(f)) {
        return true;
    }
    if let Some((local, domain)) = lower.rsplit_once('@') {
        let local = local.strip_prefix("mailto:").unwrap_or(local);
        if PLACEHOLDER_LOCAL_PARTS.contains(&local) {
            return true;
        }
        if local.starts_with("search-") && local.contains("-not-") {
            return true;
        }
        // RFC 2606 `.invalid`; `example.*` is left alone: loopback test worlds use it.
        if domain == "invalid" || domain.ends_with(".invalid") {
            return true;
        }
    }
    false
}

/// True when `s` says that data was withheld on purpose ("REDACTED FOR PRIVACY", "Not
/// Disclosed", "DATA REDACTED;ext=DATA REDACTED", …).
pub(crate) fn is_withheld_text(s: &str) -> bool {
    let lower = s.to_lowercase();
    WITHHELD_FRAGMENTS.iter().any(|f| lower.contains(f))
}
