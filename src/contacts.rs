//! Contacts across sources: merging the same channel stated twice (keeping every source),
//! abuse outcomes, fetch-time stamps, whom an address's channels reach, and the flattened
//! `abuse_contacts` list of a record.

use crate::lookup::now_timestamp;
use crate::provider;
use crate::record::{
    AbuseContact, AddressRecord, Contact, HostingRecord, NoticeType, Outcome, OutcomeStatus, Party,
    ProviderKind, SourceKind,
};

/// Stamp the fetch time on network-sourced provenance that lacks one.
pub(crate) fn stamp(contacts: &mut [Contact]) {
    let now = now_timestamp();
    for contact in contacts {
        for source in &mut contact.sources {
            if matches!(source.kind, SourceKind::Rdap | SourceKind::Whois)
                && source.fetched_at.is_none()
            {
                source.fetched_at = Some(now);
            }
        }
    }
}

/// The outcome for a contact list, given what the extractor said about its answer.
pub(crate) fn abuse_outcome(abuse: &[Contact], from_answer: &Outcome) -> Outcome {
    if abuse.iter().any(|c| !c.is_empty()) {
        if from_answer.status == OutcomeStatus::Found {
            from_answer.clone()
        } else {
            Outcome::new(OutcomeStatus::Found)
        }
    } else if from_answer.status == OutcomeStatus::Redacted {
        from_answer.clone()
    } else {
        Outcome::new(OutcomeStatus::NonePublished)
    }
}

/// Add `contact` to `list`. The same channel (same mailbox, phone and form) stated again adds
/// its sources to the existing contact and fills what it lacked; a different channel is kept
/// as its own contact, so no published fact is dropped.
pub(crate) fn merge_into(list: &mut Vec<Contact>, contact: Contact) {
    match list.iter_mut().find(|c| same_channel(c, &contact)) {
        Some(existing) => {
            for source in contact.sources {
                if !existing.sources.contains(&source) {
                    existing.sources.push(source);
                }
            }
            if existing.name.is_none() {
                existing.name = contact.name;
            }
        }
        None => list.push(contact),
    }
}

pub(crate) fn same_channel(a: &Contact, b: &Contact) -> bool {
    let email = |c: &Contact| c.email.as_deref().map(str::to_ascii_lowercase);
    email(a) == email(b) && a.phone == b.phone && a.web == b.web
}

/// Every party's channels, in party order (hosting, network, registrar, registry), without
/// repeating the same channel for the same party and subject.
pub(crate) fn flatten_contacts(
    record: &HostingRecord,
    notice: Option<NoticeType>,
) -> Vec<AbuseContact> {
    let mut out: Vec<AbuseContact> = Vec::new();
    let mut push = |party: Party, subject: &str, contact: &Contact| {
        if contact.is_empty() {
            return;
        }
        let exists = out
            .iter()
            .any(|c| c.party == party && c.for_ == subject && same_channel(&c.contact, contact));
        if !exists {
            out.push(AbuseContact { party, for_: subject.to_owned(), contact: contact.clone() });
        }
    };
    if let Some(platform) = &record.platform {
        let subject = record.domain.as_deref().unwrap_or(record.query.as_str());
        for contact in &platform.abuse {
            push(Party::Platform, subject, contact);
        }
    }
    for address in &record.addresses {
        // The network holder's contact reaches the CDN or the hoster when the address was
        // identified as theirs; otherwise it reaches whoever holds the network.
        let provider = address.hosting_provider.as_ref();
        let party = address_party(address);
        let subject = address.ip.to_string();
        if let Some(id) = provider.and_then(|p| p.id.as_deref()) {
            for contact in &provider::directory_channels(id, notice) {
                push(party, &subject, contact);
            }
        }
        for contact in &address.abuse {
            push(party, &subject, contact);
        }
    }
    let domain = record.registrable_domain.as_deref().unwrap_or(record.query.as_str());
    if let Some(registrar) = &record.registrar {
        for contact in &registrar.abuse {
            push(Party::Registrar, domain, contact);
        }
    }
    if let Some(registry) = &record.registry {
        for contact in &registry.abuse {
            push(Party::Registry, domain, contact);
        }
    }
    out.sort_by_key(|c| c.party);
    out
}

/// Whom an address's abuse channels reach: the CDN or the hoster when the address was
/// identified as theirs, otherwise whoever holds the network.
pub(crate) fn address_party(address: &AddressRecord) -> Party {
    match address.hosting_provider.as_ref().map(|p| (p.kind, p.id.is_some())) {
        Some((ProviderKind::Cdn, _)) => Party::Cdn,
        Some((_, true)) => Party::Hosting,
        _ => Party::Network,
    }
}
