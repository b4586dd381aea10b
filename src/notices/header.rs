//! A notice's header lines, the same in the notice files and the report: whom it goes to
//! and its subject. Neutral wording: no law is cited (the templates may).

use super::batch::{Batch, ChannelKind};
use crate::record::NoticeType;

/// `To:` for a mailbox, `Form:` for a web form or reporting page, `Phone:` for a phone.
pub(super) fn to_line(batch: &Batch) -> String {
    let label = match batch.channel.kind {
        ChannelKind::Email => "To",
        ChannelKind::WebForm | ChannelKind::ReportingPage => "Form",
        ChannelKind::Phone => "Phone",
    };
    format!("{label}: {}", batch.channel.address)
}

/// `Abuse report (copyright): 3 resources on Cloudflare's network`-style subject, neutral.
pub(super) fn subject(batch: &Batch, notice: Option<NoticeType>) -> String {
    let n = batch.resources.len();
    let what = match notice {
        Some(t) => format!("Abuse report ({})", t.as_str()),
        None => "Abuse report".to_owned(),
    };
    let plural = if n == 1 { "resource" } else { "resources" };
    format!("{what}: {n} {plural} for {}", batch.display_name())
}

/// Both lines, as a notice starts.
pub(super) fn header(batch: &Batch, notice: Option<NoticeType>) -> String {
    format!("{}\nSubject: {}", to_line(batch), subject(batch, notice))
}
