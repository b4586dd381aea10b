//! `report.html`: one self-contained page about a grouping, for people to look at. Totals,
//! bar charts (resources per party, per provider kind, errors by stage), a table by country,
//! a section per batch with its resources and a copyable notice header, and the unresolved
//! list. No JavaScript, no external asset: the only links are the notice channels themselves
//! (`mailto:`, the forms' URLs) and anchors within the page. Every text from the records is
//! escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::batch::{Batch, BatchAddress, Batches};
use super::header::header;
use super::markup::escape;
use super::svg::bar_chart;
use crate::record::ProviderKind;

const STYLE: &str = "\
body{font-family:sans-serif;margin:2em;max-width:72em;color:#222}\
table{border-collapse:collapse;margin:.5em 0}\
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
td.n{text-align:right}\
pre.notice-header{background:#f4f4f4;padding:.5em;user-select:all;white-space:pre-wrap}\
section.batch{border-top:2px solid #3b6ea8;margin-top:1.5em}\
.escalate{color:#777}\
";

/// The HTML page for `batches` (see the module documentation).
///
/// ```
/// use whohosts::notices::{Batches, report_html};
///
/// let page = report_html(&Batches::default());
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(!page.contains("<script"));
/// ```
pub fn report_html(batches: &Batches) -> String {
    let mut h = String::new();
    let notice = batches.notice_type.map_or("any", |t| t.as_str());
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>whohosts notices</title><style>{STYLE}</style></head><body>\n\
         <h1>Notices</h1><p>Notice type: <b>{}</b></p>\n",
        escape(notice)
    );
    totals(&mut h, batches);
    charts(&mut h, batches);
    countries(&mut h, batches);
    h.push_str("<section id=\"batches\"><h2>Batches</h2>\n");
    for b in &batches.batches {
        batch(&mut h, b, batches);
    }
    h.push_str("</section>\n");
    unresolved(&mut h, batches);
    h.push_str("</body></html>\n");
    h
}

fn totals(h: &mut String, batches: &Batches) {
    let t = &batches.totals;
    let errors: usize = t.errors_by_stage.iter().map(|s| s.errors).sum();
    let rows = [
        ("inputs", "Inputs", t.inputs),
        ("resolved", "In a batch", t.resolved),
        ("unresolved", "Unresolved", t.unresolved),
        ("batches", "Batches", batches.batches.len()),
        ("escalations", "Escalation listings", t.escalations),
        ("errors", "Step errors", errors),
    ];
    h.push_str("<section id=\"totals\"><h2>Totals</h2><table>");
    for (key, label, value) in rows {
        let _ =
            write!(h, "<tr><th>{label}</th><td class=\"n\" data-total=\"{key}\">{value}</td></tr>");
    }
    h.push_str("</table></section>\n");
}

fn charts(h: &mut String, batches: &Batches) {
    // Resources per party: first-target resources, summed over the party's channels.
    let mut parties: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for b in &batches.batches {
        let n = b.first_target_count();
        if n == 0 {
            continue;
        }
        let label = format!("{} ({})", b.display_name(), b.party.role.as_str());
        *parties.entry(label).or_default() += n;
        // A host the records could not classify (an RIR's own network holder) is shown by
        // its role; a party without a provider (network, registrar) by its role too.
        let kind = match b.party.provider_kind {
            Some(ProviderKind::Unknown) | None => {
                format!("{} (unclassified)", b.party.role.as_str())
            }
            Some(k) => k.as_str().to_owned(),
        };
        *kinds.entry(kind).or_default() += n;
    }
    let parties = largest_first(parties.into_iter().collect());
    let kinds = largest_first(kinds.into_iter().collect());
    let stages: Vec<(String, usize)> = batches
        .totals
        .errors_by_stage
        .iter()
        .map(|s| (s.stage.as_str().to_owned(), s.errors))
        .collect();
    h.push_str("<section id=\"charts\">");
    for (id, title, rows) in [
        ("chart-parties", "Resources per party (first target)", &parties),
        ("chart-kinds", "Resources per provider kind (first target)", &kinds),
        ("chart-errors", "Step errors by stage", &stages),
    ] {
        let _ =
            writeln!(h, "<figure id=\"{id}\"><h2>{title}</h2>{}</figure>", bar_chart(title, rows));
    }
    h.push_str("</section>\n");
}

/// `rows` with the largest value first, then by label.
fn largest_first(mut rows: Vec<(String, usize)>) -> Vec<(String, usize)> {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// One country's share: its resources, addresses and first-target parties, each once.
#[derive(Default)]
struct Country<'a> {
    resources: Vec<&'a str>,
    addresses: Vec<String>,
    parties: Vec<&'a str>,
}

fn countries(h: &mut String, batches: &Batches) {
    // Country → its share, from the first-target listings' addresses.
    let mut by: BTreeMap<String, Country<'_>> = BTreeMap::new();
    for b in &batches.batches {
        for r in b.resources.iter().filter(|r| !r.escalate) {
            for a in &r.addresses {
                let country = a.country.clone().unwrap_or_else(|| "unknown".to_owned());
                let entry = by.entry(country).or_default();
                push_once(&mut entry.resources, r.resource.as_str());
                push_once(&mut entry.addresses, a.ip.to_string());
                push_once(&mut entry.parties, b.display_name());
            }
        }
    }
    let mut rows: Vec<(String, Country<'_>)> = by.into_iter().collect();
    rows.sort_by(|a, b| b.1.resources.len().cmp(&a.1.resources.len()).then_with(|| a.0.cmp(&b.0)));
    h.push_str(
        "<section id=\"countries\"><h2>By country of the network</h2><table>\
         <tr><th>Country</th><th>Resources</th><th>Addresses</th><th>Parties (first target)</th></tr>",
    );
    for (country, c) in rows {
        let parties: Vec<String> = c.parties.iter().map(|p| escape(p)).collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&country),
            c.resources.len(),
            c.addresses.len(),
            parties.join("<br>")
        );
    }
    h.push_str("</table></section>\n");
}

fn push_once<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn batch(h: &mut String, b: &Batch, batches: &Batches) {
    let id = escape(&b.id);
    let _ = write!(
        h,
        "<section class=\"batch\" id=\"batch-{id}\" data-batch-id=\"{id}\" \
         data-resources=\"{}\" data-first=\"{}\" data-escalations=\"{}\">\
         <h3>{} <small>({}) · {} resources · <code>{id}</code></small></h3>",
        b.resources.len(),
        b.first_target_count(),
        b.escalation_count(),
        escape(b.display_name()),
        escape(b.party.role.as_str()),
        b.resources.len(),
    );
    let mut ids = Vec::new();
    if let Some(p) = &b.party.provider_id {
        ids.push(format!("provider {}", escape(p)));
    }
    if let Some(i) = &b.party.iana_id {
        ids.push(format!("IANA ID {}", escape(i)));
    }
    if let Some(t) = &b.party.tld {
        ids.push(format!("TLD .{}", escape(t)));
    }
    if !b.party.network_handles.is_empty() {
        let handles: Vec<String> = b.party.network_handles.iter().map(|x| escape(x)).collect();
        ids.push(format!("networks {}", handles.join(", ")));
    }
    if !b.party.asns.is_empty() {
        let asns: Vec<String> = b.party.asns.iter().map(|n| format!("AS{n}")).collect();
        ids.push(asns.join(", "));
    }
    if !ids.is_empty() {
        let _ = write!(h, "<p>{}</p>", ids.join(" · "));
    }
    let link = b.channel.link();
    // Only these schemes become links: a record's "form" could be `javascript:…`.
    let linkable = ["mailto:", "tel:", "https://", "http://"]
        .iter()
        .any(|s| link.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)));
    let shown = if linkable {
        format!(
            "<a class=\"channel\" href=\"{}\">{}</a>",
            escape(&link),
            escape(&b.channel.address)
        )
    } else {
        format!("<code>{}</code>", escape(&b.channel.address))
    };
    let _ = write!(
        h,
        "<p>Channel ({}): {shown}</p><pre class=\"notice-header\">{}</pre>",
        escape(b.channel.kind.as_str()),
        // Line by line: escaping shows a line break as `\n`.
        header(b, batches.notice_type).lines().map(escape).collect::<Vec<_>>().join("\n"),
    );
    h.push_str(
        "<table><tr><th>Resource</th><th>Subject</th><th>Reason</th><th>Addresses</th>\
         <th>Networks</th><th>Country</th><th>Contact stated by</th></tr>",
    );
    for r in &b.resources {
        let class = if r.escalate { " class=\"escalate\"" } else { "" };
        let reason = if r.escalate {
            format!("{} (escalation)", r.reason.as_str())
        } else {
            r.reason.as_str().to_owned()
        };
        let sources: Vec<String> = r
            .contact_sources
            .iter()
            .filter_map(|s| s.url.as_deref().or(s.dataset.as_deref()))
            .map(escape)
            .collect();
        let _ = write!(
            h,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.resource),
            escape(&r.subject),
            escape(&reason),
            join(&r.addresses, |a| Some(a.ip.to_string())),
            join(&r.addresses, |a| a.network.clone().or_else(|| a.network_name.clone())),
            join(&r.addresses, |a| a.country.clone()),
            sources.join("<br>"),
        );
    }
    h.push_str("</table></section>\n");
}

/// The escaped values of `f` over `addresses`, each once, separated by line breaks.
fn join(addresses: &[BatchAddress], f: impl Fn(&BatchAddress) -> Option<String>) -> String {
    let mut v: Vec<String> = Vec::new();
    for a in addresses {
        if let Some(x) = f(a).map(|x| escape(&x))
            && !v.contains(&x)
        {
            v.push(x);
        }
    }
    v.join("<br>")
}

fn unresolved(h: &mut String, batches: &Batches) {
    let _ = write!(
        h,
        "<section id=\"unresolved\"><h2>Unresolved ({})</h2><table>\
         <tr><th>Resource</th><th>Reason</th><th>Detail</th></tr>",
        batches.unresolved.len()
    );
    for u in &batches.unresolved {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&u.resource),
            escape(u.reason.as_str()),
            escape(u.detail.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table></section>\n");
}
