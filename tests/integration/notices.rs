//! From records to notices (issue #18): the recorded world's lookups grouped into one batch
//! per party and channel, each resource in its first target's batch and in its escalation
//! targets' batches, failures in the unresolved list, ids stable across runs, and the files
//! and the HTML report written from them.

use std::collections::BTreeSet;

use whohosts::notices::{
    self, Batch, Batches, ChannelKind, GroupOptions, LookupLine, UnresolvedReason,
};
use whohosts::{HostingRecord, NoticeReason, NoticeType, Party, ProviderKind, Stage};
use whohosts_testing::{World, WorldBuilder};

use crate::support::*;

/// Names behind Cloudflare (CDN), a Telegram channel (platform), RIPE NCC's and LACNIC's own
/// addresses (direct hosting), and three lookups that name nobody: a name without
/// addresses whose registration is unknown to the world, one that does not exist, and an
/// address no registry answers for (TEST-NET-3).
const CASES: &[&str] = &[
    "www.cloudflare.com",
    "cloudflare.com",
    "1.1.1.1",
    "104.16.132.229",
    "https://t.me/somechannel",
    "ripe.net",
    "193.0.6.139",
    "lacnic.net",
    "afnic.fr",
    "nothing.example",
    "203.0.113.9",
];

async fn lookups(builder: WorldBuilder, queries: &[&str]) -> Vec<HostingRecord> {
    let (_world, client) = start(builder).await;
    let mut out = Vec::new();
    for q in queries {
        out.push(client.lookup(q).await.unwrap());
    }
    out
}

/// Each batch as `id party name channel: first-target resources | escalations`.
fn summary(batches: &Batches) -> Vec<String> {
    batches
        .batches
        .iter()
        .map(|b| {
            let (first, escalated): (Vec<_>, Vec<_>) =
                b.resources.iter().partition(|r| !r.escalate);
            let names = |v: Vec<&notices::BatchResource>| {
                v.iter().map(|r| r.resource.as_str()).collect::<Vec<_>>().join(" ")
            };
            format!(
                "{} {} {:?} {} {}: {} | {}",
                b.id,
                b.party.role.as_str(),
                b.display_name(),
                b.channel.kind.as_str(),
                b.channel.address,
                names(first),
                names(escalated)
            )
        })
        .collect()
}

#[tokio::test]
async fn cdn_platform_and_direct_hosting_go_to_their_parties_and_failures_are_unresolved() {
    let records = lookups(World::recorded(), CASES).await;
    let options = GroupOptions::default().notice_type(NoticeType::Copyright);
    let batches = notices::group(&records, &options);

    assert_eq!(
        summary(&batches),
        [
            "cloudflare-cdn-bf748e93 cdn \"Cloudflare\" web_form https://abuse.cloudflare.com/dmca: \
             www.cloudflare.com cloudflare.com 1.1.1.1 104.16.132.229 | ",
            "cloudflare-network-241217ea network \"Cloudflare\" email abuse@cloudflare.com:  | \
             www.cloudflare.com cloudflare.com 104.16.132.229",
            "cloudflare-inc-registrar-a116cbcf registrar \"Cloudflare, Inc.\" email \
             registrar-abuse@cloudflare.com:  | www.cloudflare.com cloudflare.com",
            "reseaux-ip-europeens-network-hosting-0dfd5a28 hosting \
             \"Reseaux IP Europeens Network Coordination Centre (RIPE NCC)\" email abuse@ripe.net: \
             ripe.net 193.0.6.139 | ",
            "lacnic-latin-american-and-hosting-f7c13789 hosting \
             \"LACNIC - Latin American and Caribbean IP address\" email ipadmin@lacnic.net: lacnic.net | ",
            "telegram-platform-611d81dd platform \"Telegram\" email dmca@telegram.org: \
             https://t.me/somechannel | ",
        ]
    );

    // The CDN batch: the provider's identity, its copyright form, and per resource the reason
    // and the addresses with their networks.
    let cdn = &batches.batches[0];
    assert_eq!(cdn.party.role, Party::Cdn);
    assert_eq!(cdn.party.provider_id.as_deref(), Some("cloudflare"));
    assert_eq!(cdn.party.provider_kind, Some(ProviderKind::Cdn));
    assert_eq!(cdn.channel.kind, ChannelKind::WebForm);
    assert_eq!(cdn.channel.notice_types, [NoticeType::Copyright]);
    assert!(cdn.resources.iter().all(|r| r.reason == NoticeReason::CdnFronted));
    let www = &cdn.resources[0];
    assert_eq!(www.subject, "www.cloudflare.com");
    let ips: Vec<String> = www.addresses.iter().map(|a| a.ip.to_string()).collect();
    assert_eq!(ips, ["104.16.123.96", "104.16.124.96"]);
    assert_eq!(www.addresses[0].asn, Some(13335));
    assert_eq!(www.addresses[0].network.as_deref(), Some("NET-104-16-0-0-1"));
    // The contact's provenance: the provider directory's page.
    let source = &www.contact_sources[0];
    assert_eq!(
        source.url.as_deref(),
        Some("https://www.cloudflare.com/trust-hub/reporting-abuse/")
    );

    // Escalations: the network above the CDN and the registrar, with their reasons.
    let network = &batches.batches[1];
    assert!(
        network.resources.iter().all(|r| r.escalate && r.reason == NoticeReason::NetworkAboveHost)
    );
    assert_eq!(network.party.network_handles, ["NET-104-16-0-0-1"]);
    assert_eq!(network.party.asns, [13335]);
    let registrar = &batches.batches[2];
    assert_eq!(registrar.party.iana_id.as_deref(), Some("1910"));
    assert_eq!(registrar.resources[0].reason, NoticeReason::RegistrarOfDomain);
    assert_eq!(registrar.resources[0].subject, "cloudflare.com");

    // Direct hosting: the host, with its RDAP contact's source.
    let ripe = &batches.batches[3];
    assert_eq!(ripe.resources[1].reason, NoticeReason::DirectHosting);
    assert_eq!(ripe.resources[1].addresses[0].country.as_deref(), Some("NL"));
    assert!(
        ripe.resources[1]
            .contact_sources
            .iter()
            .any(|s| s.url.as_deref().is_some_and(|u| u.ends_with("/ip/193.0.6.139")))
    );

    // The platform: its copyright mailbox, the platform's id.
    let telegram = &batches.batches[5];
    assert_eq!(telegram.party.provider_id.as_deref(), Some("telegram"));
    assert_eq!(telegram.resources[0].reason, NoticeReason::PlatformContent);

    // Failures: in the unresolved list with the reason, nothing dropped.
    let unresolved: Vec<(&str, UnresolvedReason)> =
        batches.unresolved.iter().map(|u| (u.resource.as_str(), u.reason)).collect();
    assert_eq!(
        unresolved,
        [
            ("afnic.fr", UnresolvedReason::StepsFailed),
            ("nothing.example", UnresolvedReason::StepsFailed),
            ("203.0.113.9", UnresolvedReason::StepsFailed),
        ]
    );
    assert_eq!(
        batches.unresolved[1].detail.as_deref(),
        Some(
            "dns nxdomain (nothing.example); rdap no_source (nothing.example); whois not_found (nothing.example)"
        )
    );

    // The counts add up to the input.
    let t = &batches.totals;
    assert_eq!((t.inputs, t.resolved, t.unresolved, t.escalations), (11, 8, 3, 5));
    let first: usize = batches.batches.iter().map(Batch::first_target_count).sum();
    assert_eq!(first, t.resolved);
    assert_eq!(t.resolved + t.unresolved, CASES.len());
    let stages: Vec<(Stage, usize)> =
        t.errors_by_stage.iter().map(|s| (s.stage, s.errors)).collect();
    // DNS: t.me, ripe.net, lacnic.net, afnic.fr, nothing.example; RDAP and WHOIS: t.me,
    // ripe.net, lacnic.net, nothing.example, 203.0.113.9.
    assert_eq!(stages, [(Stage::Dns, 5), (Stage::Rdap, 5), (Stage::Whois, 5)]);
}

/// The ids of two runs, each against a world of its own (other ports, other RDAP URLs in the
/// contacts' sources), are the same: they come from the party and the channel only.
#[tokio::test]
async fn batch_ids_are_the_same_in_two_runs() {
    let options = GroupOptions::default().notice_type(NoticeType::Copyright);
    let first = notices::group(lookups(World::recorded(), CASES).await, &options);
    let second = notices::group(lookups(World::recorded(), CASES).await, &options);
    let ids = |b: &Batches| b.batches.iter().map(|b| b.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&first),
        [
            "cloudflare-cdn-bf748e93",
            "cloudflare-network-241217ea",
            "cloudflare-inc-registrar-a116cbcf",
            "reseaux-ip-europeens-network-hosting-0dfd5a28",
            "lacnic-latin-american-and-hosting-f7c13789",
            "telegram-platform-611d81dd",
        ]
    );
    assert_eq!(ids(&first), ids(&second));
    // Another channel of the same party is another batch: Cloudflare's general form.
    let general =
        notices::group(lookups(World::recorded(), &["1.1.1.1"]).await, &GroupOptions::default());
    assert_eq!(general.batches[0].channel.address, "https://abuse.cloudflare.com/");
    assert_ne!(general.batches[0].id, "cloudflare-cdn-bf748e93");
    assert!(general.batches[0].id.starts_with("cloudflare-cdn-"));
}

/// A shop that left Cloudflare for a host of its own between two runs moves from the CDN's
/// batch to the host's; a name only in one run appeared or disappeared.
#[tokio::test]
async fn diff_lists_a_moved_resource_and_the_ones_that_appeared_and_disappeared() {
    let old_world = World::recorded().a("shop.example", "104.16.132.229");
    let new_world = World::recorded().a("shop.example", "193.0.6.139");
    let options = GroupOptions::default();
    let old = notices::group(
        lookups(old_world, &["shop.example", "ripe.net", "1.1.1.1"]).await,
        &options,
    );
    let new = notices::group(
        lookups(new_world, &["shop.example", "lacnic.net", "1.1.1.1"]).await,
        &options,
    );
    let cdn = old.batches[0].id.clone();
    assert_eq!(new.batch(&cdn).map(|b| b.resources.len()), Some(1), "1.1.1.1 stays");
    let changes = notices::diff(&old, &new);
    let moved: Vec<(&str, &str, &str)> = changes
        .moved
        .iter()
        .map(|m| (m.resource.as_str(), m.from.as_str(), m.to.as_str()))
        .collect();
    assert_eq!(
        moved,
        [("shop.example", cdn.as_str(), "reseaux-ip-europeens-network-hosting-0dfd5a28")]
    );
    let places = |v: &[notices::Placement]| {
        v.iter().map(|p| format!("{} {}", p.resource, p.batch)).collect::<Vec<_>>()
    };
    assert_eq!(
        places(&changes.appeared),
        ["lacnic.net lacnic-latin-american-and-hosting-f7c13789"]
    );
    assert_eq!(
        places(&changes.disappeared),
        ["ripe.net reseaux-ip-europeens-network-hosting-0dfd5a28"]
    );
    assert!(notices::diff(&new, &new).is_empty());
}

/// Bulk output lines: a failed lookup and a line cut short by a crash are unresolved, so the
/// counts still add up to the lines.
#[tokio::test]
async fn failed_lookups_and_unreadable_lines_are_counted_as_unresolved() {
    let records = lookups(World::recorded(), &["193.0.6.139"]).await;
    let mut text = serde_json::json!({ "input": "193.0.6.139", "record": &records[0] }).to_string();
    text.push('\n');
    text.push_str(
        r#"{"input":"a..b","error":{"kind":"input","message":"name \"a..b\" has an empty label"}}"#,
    );
    text.push_str("\n{\"input\":\"cut sh\n");
    let lines = notices::read_lines(text.as_bytes()).unwrap();
    assert!(matches!(&lines[0], LookupLine::Record { input: Some(i), .. } if i == "193.0.6.139"));
    let batches = notices::group_lines(lines, &GroupOptions::default());
    let t = &batches.totals;
    assert_eq!((t.inputs, t.resolved, t.unresolved), (3, 1, 2));
    let unresolved: Vec<(&str, UnresolvedReason, Option<&str>)> = batches
        .unresolved
        .iter()
        .map(|u| (u.resource.as_str(), u.reason, u.detail.as_deref()))
        .collect();
    assert_eq!(
        unresolved[0],
        ("a..b", UnresolvedReason::LookupFailed, Some("input: name \"a..b\" has an empty label"))
    );
    assert_eq!((unresolved[1].0, unresolved[1].1), ("line 3", UnresolvedReason::Unreadable));
    assert_eq!(
        t.errors_by_stage.iter().map(|s| (s.stage, s.errors)).collect::<Vec<_>>(),
        [(Stage::Input, 1)]
    );
}

/// A notice type no target publishes a channel for, nor a general one: Google's only channel
/// for google.com's address is its copyright form, so a phishing notice goes to the
/// registrar first; with no target left, the record is unresolved.
#[tokio::test]
async fn a_target_without_a_channel_for_the_notice_type_is_passed_over() {
    let records = lookups(World::recorded(), &["google.com"]).await;
    let phishing =
        notices::group(&records, &GroupOptions::default().notice_type(NoticeType::Phishing));
    assert_eq!(
        summary(&phishing),
        [
            "markmonitor-inc-registrar-00371b62 registrar \"MarkMonitor Inc.\" email abusecomplaints@markmonitor.com: google.com | "
        ]
    );
    let mut only_google = records[0].clone();
    only_google.notice_targets.truncate(1);
    let none =
        notices::group([only_google], &GroupOptions::default().notice_type(NoticeType::Phishing));
    assert_eq!(none.unresolved[0].reason, UnresolvedReason::NoChannelForNoticeType);
    assert_eq!(none.totals.unresolved, 1);
}

/// Write the tables, the notices and the report of `batches` into `dir`.
fn write_all(batches: &Batches, dir: &std::path::Path) {
    notices::write_dir_tables(batches, dir).unwrap();
    notices::NoticeTemplate::default().write_notices(batches, &dir.join("notices")).unwrap();
    std::fs::write(dir.join("report.html"), notices::report_html(batches)).unwrap();
}

/// The directory of a grouping: the tables read back as written, a row per (batch,
/// resource) in the CSV, a notice per batch from the neutral template, and a report that
/// parses, has a section per batch with the counts of `batches.jsonl`, and links only to the
/// notice channels and within itself.
#[tokio::test]
async fn the_files_and_the_report_say_what_the_batches_say() {
    let records = lookups(World::recorded(), CASES).await;
    let batches =
        notices::group(&records, &GroupOptions::default().notice_type(NoticeType::Copyright));
    let dir = tempfile::tempdir().unwrap();
    write_all(&batches, dir.path());

    // Tables: read back equal; one JSON line per batch; one CSV row per (batch, resource).
    assert_eq!(notices::read_dir(dir.path()).unwrap(), batches);
    let jsonl = std::fs::read_to_string(dir.path().join("batches.jsonl")).unwrap();
    let lines: Vec<Batch> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6);
    let mut csv = csv::Reader::from_path(dir.path().join("batches.csv")).unwrap();
    assert_eq!(csv.headers().unwrap().iter().collect::<Vec<_>>(), notices::BATCH_CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 13, "8 first-target rows and 5 escalations");
    assert_eq!(
        rows[2].iter().collect::<Vec<_>>(),
        [
            "cloudflare-cdn-bf748e93",
            "cdn",
            "Cloudflare",
            "cloudflare",
            "",
            "web_form",
            "https://abuse.cloudflare.com/dmca",
            "1.1.1.1",
            "1.1.1.1",
            "cdn_fronted",
            "false",
            "1.1.1.1",
            "1.1.1.0 - 1.1.1.255",
            "13335",
            "AU",
            "https://www.cloudflare.com/trust-hub/reporting-abuse/",
        ]
    );

    // Notices: one file per batch, header then the resources with their evidence.
    let notice_dir = dir.path().join("notices");
    let mut files: Vec<String> = std::fs::read_dir(&notice_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut expected: Vec<String> =
        batches.batches.iter().map(|b| format!("{}.txt", b.id)).collect();
    expected.sort();
    assert_eq!(files, expected);
    let ripe = std::fs::read_to_string(
        notice_dir.join("reseaux-ip-europeens-network-hosting-0dfd5a28.txt"),
    )
    .unwrap();
    let ripe_rdap = records[6].addresses[0].abuse[0].source_url.clone().unwrap();
    assert_eq!(
        ripe,
        format!(
            "To: abuse@ripe.net\n\
             Subject: Abuse report (copyright): 2 resources for Reseaux IP Europeens Network \
             Coordination Centre (RIPE NCC)\n\
             \n\
             Hello Reseaux IP Europeens Network Coordination Centre (RIPE NCC),\n\
             \n\
             We are reporting 2 resources (copyright) for which public registration and routing \
             data name\n\
             you as a party to notify. Please review them and act according to your policies.\n\
             \n\
             1. ripe.net\n   why you: direct_hosting\n\
             \x20  address: 193.0.6.139 AS3333 network 193.0.0.0 - 193.0.7.255 (NL)\n\
             \x20  contact stated at: {ripe_rdap}\n\
             \n\
             2. 193.0.6.139\n   why you: direct_hosting\n\
             \x20  address: 193.0.6.139 AS3333 network 193.0.0.0 - 193.0.7.255 (NL)\n\
             \x20  contact stated at: {ripe_rdap}\n\
             \n\
             Reference: batch reseaux-ip-europeens-network-hosting-0dfd5a28\n"
        )
    );
    // No law is cited by default; the shipped examples render every batch.
    assert!(!ripe.contains("DMCA") && !ripe.contains("Article"));
    for (name, source) in [("dmca", notices::DMCA_TEMPLATE), ("dsa", notices::DSA_ART16_TEMPLATE)] {
        let template = notices::NoticeTemplate::new(name, source).unwrap();
        for b in &batches.batches {
            let text = template.render(b, batches.notice_type).unwrap();
            assert!(text.contains(&b.resources[0].resource), "{name} {}", b.id);
        }
    }

    // The report.
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let html = scraper::Html::parse_document(&page);
    assert_eq!(html.errors, Vec::<std::borrow::Cow<'_, str>>::new());
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let sections: Vec<(String, usize, usize)> = html
        .select(&select("section.batch"))
        .map(|s| {
            let attr = |a: &str| s.value().attr(a).unwrap().to_owned();
            (
                attr("data-batch-id"),
                attr("data-first").parse().unwrap(),
                attr("data-escalations").parse().unwrap(),
            )
        })
        .collect();
    let from_jsonl: Vec<(String, usize, usize)> = lines
        .iter()
        .map(|b| (b.id.clone(), b.first_target_count(), b.escalation_count()))
        .collect();
    assert_eq!(sections, from_jsonl);
    // Each batch's table lists its resources; its header is the notice file's first lines.
    for (section, b) in html.select(&select("section.batch")).zip(&lines) {
        let rows = section.select(&select("tr")).count();
        assert_eq!(rows, b.resources.len() + 1, "{}", b.id);
        let header: String =
            section.select(&select("pre.notice-header")).next().unwrap().text().collect();
        let notice = std::fs::read_to_string(notice_dir.join(format!("{}.txt", b.id))).unwrap();
        assert!(notice.starts_with(&format!("{header}\n")), "{header:?}");
    }
    let totals: Vec<(String, String)> = html
        .select(&select("td[data-total]"))
        .map(|td| (td.value().attr("data-total").unwrap().to_owned(), td.text().collect()))
        .collect();
    let t = &batches.totals;
    let want = [
        ("inputs", t.inputs),
        ("resolved", t.resolved),
        ("unresolved", t.unresolved),
        ("batches", lines.len()),
        ("escalations", t.escalations),
        ("errors", 15),
    ];
    assert_eq!(totals, want.map(|(k, v)| (k.to_owned(), v.to_string())));
    // By country: resources, addresses and parties of the first-target listings.
    let countries: Vec<Vec<String>> = html
        .select(&select("#countries tr"))
        .skip(1)
        .map(|tr| {
            tr.select(&select("td")).map(|td| td.text().collect::<Vec<_>>().join(" ")).collect()
        })
        .collect();
    // ARIN's and LACNIC's network answers here name no country; the Telegram channel has
    // no address.
    assert_eq!(
        countries,
        [
            ["unknown", "4", "5", "Cloudflare LACNIC - Latin American and Caribbean IP address"],
            ["NL", "2", "1", "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)"],
            ["AU", "1", "1", "Cloudflare"],
        ]
    );
    // Three charts, drawn inline; the unresolved list.
    assert_eq!(html.select(&select("figure > svg")).count(), 3);
    assert_eq!(html.select(&select("#unresolved tr")).count(), 1 + 3);
    // It fetches nothing: no script, no src, and the only links are the channels.
    assert_eq!(html.select(&select("script, [src], link, iframe, img, object")).count(), 0);
    let links: BTreeSet<String> = html
        .select(&select("[href]"))
        .map(|e| e.value().attr("href").unwrap().to_owned())
        .collect();
    let channels: BTreeSet<String> = lines.iter().map(|b| b.channel.link()).collect();
    assert_eq!(links, channels);
    assert!(!page.contains("src="));
}

/// Chromium, when it is on PATH (the Debian package `chromium`, or another name of it).
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The report renders in a real browser without a console message: nothing it would
/// fetch, nothing it would run (scripts/screenshot-report.sh takes its picture the same
/// way). Skipped, saying so, where Chromium is not installed.
#[tokio::test]
#[allow(clippy::print_stderr)]
async fn the_report_renders_in_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium to run this test)");
        return;
    };
    let records = lookups(World::recorded(), CASES).await;
    let batches = notices::group(&records, &GroupOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, notices::report_html(&batches)).unwrap();
    let output = std::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let dom = String::from_utf8_lossy(&output.stdout);
    assert_eq!(dom.matches("<section class=\"batch\"").count(), batches.batches.len(), "{dom}");
    // Page messages are logged as `CONSOLE(line)] "…", source: …`; a blocked or failed load
    // as `net::ERR_…` or `Refused to …`.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                || l.contains("Uncaught")
                || l.contains("net::ERR_")
                || l.contains("Refused to")
        })
        .collect();
    assert_eq!(complaints, Vec::<&str>::new(), "{stderr}");
}

/// An input given twice is listed once per batch (and counted twice: each input line is an
/// input); without escalations, each resource is in its first target's batch only.
#[tokio::test]
async fn a_repeated_input_is_listed_once_and_escalations_can_be_left_out() {
    let records = lookups(World::recorded(), &["cloudflare.com", "cloudflare.com"]).await;
    let batches = notices::group(&records, &GroupOptions::default());
    assert_eq!(
        summary(&batches),
        [
            "cloudflare-cdn-55070fbd cdn \"Cloudflare\" web_form https://abuse.cloudflare.com/: cloudflare.com | ",
            "cloudflare-network-241217ea network \"Cloudflare\" email abuse@cloudflare.com:  | cloudflare.com",
            "cloudflare-inc-registrar-a116cbcf registrar \"Cloudflare, Inc.\" email registrar-abuse@cloudflare.com:  | cloudflare.com",
        ]
    );
    assert_eq!(
        (batches.totals.inputs, batches.totals.resolved, batches.totals.escalations),
        (2, 2, 2)
    );
    let first_only = notices::group(&records, &GroupOptions::default().escalations(false));
    assert_eq!(first_only.batches.len(), 1);
    assert_eq!(first_only.totals.escalations, 0);
}

/// Server text is shown, never obeyed: a provider name with markup and terminal controls is
/// escaped in the report (no element is made of it) and in the notice file.
#[tokio::test]
async fn hostile_party_names_are_escaped_in_the_report_and_the_notices() {
    let mut records = lookups(World::recorded(), &["193.0.6.139"]).await;
    let hostile = "Evil <img src=x onerror=alert(1)> Host\u{1b}[2J\r\nTo: victim@example.org";
    records[0].notice_targets[0].name = Some(hostile.to_owned());
    let batches = notices::group(&records, &GroupOptions::default());
    let page = notices::report_html(&batches);
    let html = scraper::Html::parse_document(&page);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    assert_eq!(html.select(&select("img, [src], [onerror]")).count(), 0);
    assert!(page.contains(
        r"Evil &lt;img src=x onerror=alert(1)&gt; Host\x1b[2J\r\nTo: victim@example.org"
    ));
    let notice = notices::NoticeTemplate::default().render(&batches.batches[0], None).unwrap();
    let lines: Vec<&str> = notice.lines().take(2).collect();
    assert_eq!(
        lines,
        [
            "To: abuse@ripe.net",
            r"Subject: Abuse report: 1 resource for Evil <img src=x onerror=alert(1)> Host\x1b[2J\r\nTo: victim@example.org",
        ]
    );
    assert!(!notice.contains('\u{1b}'));
}

/// A "web form" that is not a web address (`javascript:`) is shown as text, never a link.
#[tokio::test]
async fn only_mailto_tel_and_web_addresses_become_links() {
    let mut records = lookups(World::recorded(), &["193.0.6.139"]).await;
    let channel = &mut records[0].notice_targets[0].channels[0];
    channel.email = None;
    channel.web = Some("javascript:alert(1)".to_owned());
    let batches = notices::group(&records, &GroupOptions::default());
    assert_eq!(batches.batches[0].channel.kind, ChannelKind::WebForm);
    let page = notices::report_html(&batches);
    let html = scraper::Html::parse_document(&page);
    let links = scraper::Selector::parse("[href]").unwrap();
    assert_eq!(html.select(&links).count(), 0);
    assert!(page.contains("<code>javascript:alert(1)</code>"));
}
