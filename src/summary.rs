//! A short human-readable summary of a [`HostingRecord`] that leads with whom to notify.
//!
//! Used by the `lookup` and `demo` examples; the JSON form is the record itself. Also the
//! one line a bulk run's summary gives the abuse sources ([`Stats::abuse_summary`]). Server text
//! is escaped line by line ([`crate::text`]); the JSON form stays exact.

use std::fmt;

use crate::record::{AbuseContact, Contact, HostingRecord, Party};
use crate::stats::Stats;

impl Stats {
    /// One line for a bulk run's summary: which source gave the abuse mailboxes, most first,
    /// and the RDAP requests the planner avoided; `None` before any mailbox was found.
    ///
    /// ```
    /// let mut stats = whohosts::Stats::default();
    /// assert_eq!(stats.abuse_summary(), None);
    /// stats.abuse_answers.insert("rdap".into(), 812);
    /// stats.abuse_answers.insert("abusix".into(), 4_100);
    /// stats.abuse_answers.insert("whois".into(), 12);
    /// stats.rdap_avoided = 4_088;
    /// assert_eq!(
    ///     stats.abuse_summary().as_deref(),
    ///     Some(
    ///         "abuse contacts: 4,100 abusix, 812 rdap, 12 whois; \
    ///          4,088 RDAP requests avoided (quota-limited servers)"
    ///     )
    /// );
    /// ```
    pub fn abuse_summary(&self) -> Option<String> {
        if self.abuse_answers.is_empty() && self.rdap_avoided == 0 {
            return None;
        }
        let mut answers: Vec<(&String, &u64)> = self.abuse_answers.iter().collect();
        answers.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let answers: Vec<String> =
            answers.into_iter().map(|(name, n)| format!("{} {name}", thousands(*n))).collect();
        let mut text = format!("abuse contacts: {}", answers.join(", "));
        if self.rdap_avoided > 0 {
            text.push_str(&format!(
                "; {} RDAP requests avoided (quota-limited servers)",
                thousands(self.rdap_avoided)
            ));
        }
        Some(text)
    }
}

/// `4100` as `4,100`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl HostingRecord {
    /// A few lines for a person: whom to notify first (party, email, phones, web form), then
    /// the facts behind it and any failed steps. A channel's phone numbers are shown in E.164
    /// form where they have one, after its mailbox (`abuse@example.net, tel +14155550100 /
    /// +16505550100`).
    ///
    /// ```
    /// let json = r#"{"schema_version":1,"query":"192.0.2.1","domain":null,"domain_unicode":null,
    ///   "registrable_domain":null,"resolved_at":"2026-11-26T00:00:00Z",
    ///   "dns":{"addresses":[],"cname_chain":[],"nameservers":[]},"addresses":[],
    ///   "registrar":null,"registry":null,"abuse_contacts":[],"errors":[]}"#;
    /// let record: whohosts::HostingRecord = serde_json::from_str(json).unwrap();
    /// assert!(record.summary().starts_with("192.0.2.1\n"));
    /// ```
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let title = match (&self.domain, &self.domain_unicode) {
            (Some(a), Some(u)) if a != u => format!("{u} ({a})"),
            (Some(a), _) => a.clone(),
            _ => self.query.clone(),
        };
        line(&mut out, format_args!("{title}"));
        if let Some(platform) = &self.platform {
            line(
                &mut out,
                format_args!("  on the platform {} ({})", platform.name, platform.matched),
            );
        }
        if self.origin_hidden {
            line(&mut out, format_args!("  behind a CDN: the origin server is hidden"));
        }
        if !self.notice_targets.is_empty() {
            line(&mut out, format_args!("  notify, in this order:"));
            for (i, target) in self.notice_targets.iter().enumerate() {
                line(
                    &mut out,
                    format_args!(
                        "    {}. {} {} for {} ({})",
                        i + 1,
                        party_name(target.party),
                        target.name.as_deref().unwrap_or("?"),
                        target.for_,
                        target.reason
                    ),
                );
                for channel in target.channels.iter().take(4) {
                    line(&mut out, format_args!("       {}", channel_text(channel)));
                }
            }
        }
        if self.abuse_contacts.is_empty() {
            line(&mut out, format_args!("  notify: no abuse contact found"));
        } else {
            line(&mut out, format_args!("  all abuse channels:"));
            for contact in &self.abuse_contacts {
                line(&mut out, format_args!("    {}", contact_line(contact)));
            }
        }
        if let Some(r) = &self.registrar {
            line(
                &mut out,
                format_args!(
                    "  registrar: {} (IANA {})",
                    r.name.as_deref().unwrap_or("?"),
                    r.iana_id.as_deref().unwrap_or("?")
                ),
            );
        }
        if let Some(r) = &self.registry {
            line(
                &mut out,
                format_args!(
                    "  registry: .{} {}",
                    r.tld,
                    r.source_url.as_deref().or(r.rdap_url.as_deref()).unwrap_or("")
                ),
            );
        }
        if !self.dns.cname_chain.is_empty() {
            line(&mut out, format_args!("  cname: {}", self.dns.cname_chain.join(" -> ")));
        }
        for a in &self.addresses {
            let asn = a.asn.as_ref().map_or_else(
                || "AS?".to_owned(),
                |asn| format!("AS{} {}", asn.number, asn.name.as_deref().unwrap_or("")),
            );
            let net = a.network.as_ref().map_or_else(String::new, |n| {
                format!(
                    " | {} {} {}",
                    n.rir.as_ref().map_or("?", |r| r.as_str()),
                    n.handle.as_deref().unwrap_or("?"),
                    n.cidrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
                )
            });
            let holder =
                a.hosting_provider.as_ref().map_or_else(String::new, |h| format!(" | {}", h.name));
            line(&mut out, format_args!("  {} {}{}{}", a.ip, asn.trim_end(), net, holder));
        }
        for e in &self.errors {
            line(
                &mut out,
                format_args!(
                    "  error: {} {} {}: {}",
                    stage_name(e.stage),
                    e.kind,
                    e.target,
                    e.message
                ),
            );
        }
        out
    }
}

/// Append one line, with every control character of server text shown as an escape
/// ([`escape_terminal`](crate::text::escape_terminal)): a name from RDAP or WHOIS can neither
/// move the cursor nor forge a line. The summary's own text has no control characters.
fn line(out: &mut String, args: fmt::Arguments<'_>) {
    out.push_str(&crate::text::escape_terminal(&args.to_string()));
    out.push('\n');
}

/// The JSON name of a party (`cdn`, `registrar`, …).
fn party_name(party: Party) -> &'static str {
    party.as_str()
}

fn channel_text(contact: &Contact) -> String {
    let mut channels = Vec::new();
    if let Some(e) = &contact.email {
        channels.push(e.clone());
    }
    // Every number of the channel, in E.164 form where it has one (the published text in the
    // JSON), under its one mailbox; a schema 2 record has only `phone`.
    let phones: Vec<&str> = if contact.phones.is_empty() {
        contact.phone.iter().map(String::as_str).collect()
    } else {
        contact.phones.iter().map(|p| p.e164.as_deref().unwrap_or(&p.text)).collect()
    };
    if !phones.is_empty() {
        channels.push(format!("tel {}", phones.join(" / ")));
    }
    if let Some(w) = &contact.web {
        channels.push(format!("web {w}"));
    }
    let mut text = channels.join(", ");
    if !contact.notice_types.is_empty() {
        let types: Vec<&str> = contact.notice_types.iter().map(|t| t.as_str()).collect();
        text.push_str(&format!(" [{}]", types.join(", ")));
    }
    text
}

fn contact_line(c: &AbuseContact) -> String {
    let name = c.contact.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    format!("{:<9} {} for {}{name}", party_name(c.party), channel_text(&c.contact), c.for_)
}

fn stage_name(stage: crate::record::Stage) -> &'static str {
    stage.as_str()
}
