//! The shipped provider/platform abuse directory (`data/providers/directory.txt`): published
//! reporting channels, each with the notice types it is for and the public page it comes from.
//!
//! These complement, never replace, the RDAP/WHOIS contacts found at lookup time: a provider
//! that publishes a copyright form and a general abuse mailbox gets both, and the right one is
//! put first for the notice being sent.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{COMPILED, known};
use crate::record::{Contact, ContactRole, NoticeType, Source, SourceKind};

const DATA: &str = include_str!("../../data/providers/directory.txt");

/// The dataset name given in every directory contact's [`Source`].
pub(crate) const DATASET: &str = "whohosts provider directory";

/// The parsed directory: channels per owner id, in file order.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    by_owner: HashMap<String, Vec<Contact>>,
}

impl Directory {
    /// Parse `owner | channel | value | notice_types | source_url` lines.
    pub(crate) fn parse(text: &str) -> Self {
        let rows = super::data_rows(text, "directory", parse_line);
        let mut by_owner: HashMap<String, Vec<Contact>> = HashMap::new();
        for (owner, contact) in rows {
            by_owner.entry(owner).or_default().push(contact);
        }
        Self { by_owner }
    }

    /// Every channel filed under `owner`, in file order.
    pub(crate) fn channels(&self, owner: &str) -> &[Contact] {
        self.by_owner.get(owner).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Number of owners with at least one channel.
    #[cfg(test)]
    pub(crate) fn owners(&self) -> usize {
        self.by_owner.len()
    }

    /// The owner ids, in no particular order.
    #[cfg(test)]
    pub(crate) fn owner_ids(&self) -> impl Iterator<Item = &str> {
        self.by_owner.keys().map(String::as_str)
    }
}

fn parse_line(line: &str) -> Option<(String, Contact)> {
    let fields: Vec<&str> = line.split('|').map(str::trim).collect();
    let [owner, channel, value, types, source] = fields.as_slice() else { return None };
    if owner.is_empty() || value.is_empty() || !source.starts_with("https://") {
        return None;
    }
    let notice_types = if *types == "*" {
        Vec::new()
    } else {
        types.split(',').map(|t| parse_notice_type(t.trim())).collect::<Option<Vec<_>>>()?
    };
    let mut contact = Contact {
        role: Some(ContactRole::Abuse),
        source_url: Some((*source).to_owned()),
        sources: vec![Source {
            kind: SourceKind::Dataset,
            url: Some((*source).to_owned()),
            dataset: Some(DATASET.to_owned()),
            version: Some(COMPILED.to_owned()),
            ..Source::default()
        }],
        notice_types,
        ..Contact::default()
    };
    match *channel {
        "web" if value.starts_with("https://") => contact.web = Some((*value).to_owned()),
        "email" if value.contains('@') => contact.email = Some((*value).to_owned()),
        _ => return None,
    }
    Some(((*owner).to_owned(), contact))
}

/// A notice type as written in the data files and on the command line (see
/// [`NoticeType`]'s `FromStr`).
pub(crate) fn parse_notice_type(s: &str) -> Option<NoticeType> {
    s.parse().ok()
}

/// The shipped directory, parsed on first use.
pub(crate) fn directory() -> &'static Directory {
    static DIR: OnceLock<Directory> = OnceLock::new();
    DIR.get_or_init(|| Directory::parse(DATA))
}

/// Channels filed under a directory owner id (a provider's `directory` or a platform's).
pub(crate) fn owner_channels(owner: &str) -> &'static [Contact] {
    directory().channels(owner)
}

/// Order `channels` for a notice: with a notice type, the channels published for that type
/// first, then the general ones (channels for other types are dropped); without one, the
/// general channels first, then the type-specific ones.
pub(crate) fn order_for_notice(channels: &[Contact], notice: Option<NoticeType>) -> Vec<Contact> {
    let general = channels.iter().filter(|c| c.notice_types.is_empty());
    match notice {
        Some(t) => channels
            .iter()
            .filter(|c| c.notice_types.contains(&t))
            .chain(general)
            .cloned()
            .collect(),
        None => {
            general.chain(channels.iter().filter(|c| !c.notice_types.is_empty())).cloned().collect()
        }
    }
}

/// The published abuse channels of the known provider `provider_id` (e.g. `cloudflare`,
/// `aws-cloudfront`), best first for `notice` (see [`order_for_notice`]). Empty when the
/// provider is unknown or publishes nothing we could attribute to a public page.
///
/// Each contact has `web` or `email`, `role` `abuse`, `notice_types` (empty: every type),
/// `source_url` and one [`Source`] of kind `dataset` naming the page it comes from.
pub(crate) fn directory_channels(provider_id: &str, notice: Option<NoticeType>) -> Vec<Contact> {
    let owner = known(provider_id).map_or(provider_id, |k| k.directory);
    order_for_notice(owner_channels(owner), notice)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn webs_and_mails(cs: &[Contact]) -> Vec<String> {
        cs.iter().map(|c| c.web.clone().or_else(|| c.email.clone()).unwrap_or_default()).collect()
    }

    /// Every row parses, and no owner lists the same channel twice.
    #[test]
    fn every_shipped_row_parses_once() {
        let lines = super::super::data_lines(DATA);
        let unparsed: Vec<_> = lines.iter().filter(|l| parse_line(l).is_none()).collect();
        assert_eq!(unparsed, Vec::<&&str>::new(), "rows that do not parse");
        for owner in directory().owner_ids() {
            let channels = directory().channels(owner);
            for (i, c) in channels.iter().enumerate() {
                let same = |d: &&Contact| {
                    (&d.web, &d.email, &d.notice_types) == (&c.web, &c.email, &c.notice_types)
                };
                assert_eq!(channels[..i].iter().filter(same).count(), 0, "{owner}: {c:?} twice");
            }
        }
        assert!(directory().owners() > 0);
    }

    #[test]
    fn cloudflare_channels_follow_the_notice_type() {
        assert_eq!(
            webs_and_mails(&directory_channels("cloudflare", Some(NoticeType::Copyright))),
            ["https://abuse.cloudflare.com/dmca", "https://abuse.cloudflare.com/"]
        );
        assert_eq!(
            webs_and_mails(&directory_channels("cloudflare", Some(NoticeType::Phishing))),
            ["https://abuse.cloudflare.com/phishing", "https://abuse.cloudflare.com/"]
        );
        assert_eq!(
            webs_and_mails(&directory_channels("cloudflare", Some(NoticeType::Csam))),
            ["https://abuse.cloudflare.com/"]
        );
        assert_eq!(
            webs_and_mails(&directory_channels("cloudflare", None)),
            [
                "https://abuse.cloudflare.com/",
                "https://abuse.cloudflare.com/dmca",
                "https://abuse.cloudflare.com/phishing"
            ]
        );
    }

    #[test]
    fn services_share_their_organisations_directory() {
        // CloudFront reports go to AWS Trust & Safety.
        let cf = directory_channels("aws-cloudfront", Some(NoticeType::Spam));
        assert_eq!(
            webs_and_mails(&cf),
            [
                "email-abuse@amazon.com",
                "https://support.aws.amazon.com/#/contacts/report-abuse",
                "trustandsafety@support.aws.com"
            ]
        );
        assert_eq!(
            webs_and_mails(&directory_channels("azure-front-door", None)),
            ["https://msrc.microsoft.com/report/abuse"]
        );
        assert!(directory_channels("cogent", None).is_empty());
        assert!(directory_channels("no-such-provider", None).is_empty());
    }

    #[test]
    fn contacts_carry_their_page_and_types() {
        let tg = owner_channels("telegram");
        let csam = tg.iter().find(|c| c.notice_types == [NoticeType::Csam]).unwrap();
        assert_eq!(csam.email.as_deref(), Some("stopCA@telegram.org"));
        assert_eq!(csam.source_url.as_deref(), Some("https://t.me/s/stopca"));
        let src = csam.sources.first().unwrap();
        assert_eq!(src.kind, SourceKind::Dataset);
        assert_eq!(src.dataset.as_deref(), Some(DATASET));
        assert_eq!(src.version.as_deref(), Some("2026-11-26"));
        assert_eq!(csam.role, Some(ContactRole::Abuse));
    }

    #[test]
    fn malformed_lines_are_counted() {
        let text = "a | web | https://x | * | https://s\n\
             a | web | http://x | * | https://s\n\
             a | fax | 123 | * | https://s\n\
             a | email | nobody | * | https://s\n\
             a | email | x@y | piracy | https://s\n\
             a | email | x@y | * | http://s\n\
             a | email | x@y | copyright,spam | https://s\n\
             too | few\n";
        let d = Directory::parse(text);
        assert_eq!(
            (d.channels("a").len(), super::super::rows_and_skipped(text, parse_line).1),
            (2, 6)
        );
        assert_eq!(
            d.channels("a").get(1).map(|c| c.notice_types.clone()),
            Some(vec![NoticeType::Copyright, NoticeType::Spam])
        );
    }

    #[test]
    fn notice_types_parse() {
        assert_eq!(parse_notice_type("ncii"), Some(NoticeType::Ncii));
        // Any case, and `dmca` as the copyright notice it is (for `--notice-type`).
        assert_eq!(parse_notice_type("Copyright"), Some(NoticeType::Copyright));
        assert_eq!(parse_notice_type(" DMCA "), Some(NoticeType::Copyright));
        assert_eq!(parse_notice_type("takedown"), None);
    }
}
