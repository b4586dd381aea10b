//! Results a notice team reads (issue #15): the CSV of a bulk run, read back with the `csv`
//! crate, resuming from it, and the summary's counts, through the loopback world.

use std::collections::BTreeMap;

use futures_util::StreamExt;

use whohosts::{
    CSV_COLUMNS, CsvSink, Error, HostingRecord, RecordSink, ResultsTally, completed_inputs_csv,
    csv_resume,
};
use whohosts_testing::{Fault, World};

type Results = Vec<(String, Result<HostingRecord, Error>)>;

/// The results of `inputs` in input order, from a fresh client of `world`.
async fn run(world: &World, inputs: Vec<String>) -> Results {
    let client = world.client_builder().bulk_concurrency(16).build().unwrap();
    client.lookup_many_ordered(inputs).collect().await
}

/// `results` written through a new [`CsvSink`], as text.
fn csv_text(results: &Results) -> String {
    let mut sink = CsvSink::new(Vec::new());
    for (input, result) in results {
        sink.write(input, result).unwrap();
    }
    String::from_utf8(sink.into_inner()).unwrap()
}

/// The header and rows of a CSV text, as the `csv` crate reads them.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows =
        reader.records().map(|row| row.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

fn strings(inputs: &[&str]) -> Vec<String> {
    inputs.iter().map(|s| (*s).to_owned()).collect()
}

/// SYNTHESISED from the recorded Verisign answer for cloudflare.com: the domain renamed and
/// the registrar's `fn` replaced by a spreadsheet formula.
fn registry_answer_with_formula_registrar(domain: &str) -> String {
    include_str!("../fixtures/rdap/domain/verisign-cloudflare.com-registry.json")
        .replace("CLOUDFLARE.COM", &domain.to_ascii_uppercase())
        .replace(
            r#"["fn",{},"text","Cloudflare, Inc."]"#,
            r#"["fn",{},"text","=cmd|' /C calc'!A0"]"#,
        )
}

#[tokio::test]
async fn generated_world_csv_has_every_record_and_one_row_per_channel() {
    let generated = World::generated(150, 15);
    let mut inputs: Vec<String> = generated.inputs(180).collect();
    inputs.extend(strings(&["co.uk", "formula-name.com", "", "formula-name.com"]));
    let world = generated
        .builder()
        .object("verisign", &registry_answer_with_formula_registrar("formula-name.com"))
        .a("formula-name.com", "23.0.250.1")
        .start()
        .await
        .unwrap();
    let results = run(&world, inputs.clone()).await;
    let (header, rows) = parse(&csv_text(&results));
    assert_eq!(header, CSV_COLUMNS);
    assert!(rows.iter().all(|row| row.len() == CSV_COLUMNS.len()));

    let column = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let (n, input, name, status) = (column("n"), column("input"), column("name"), column("status"));
    let mut per_record: BTreeMap<u64, Vec<&Vec<String>>> = BTreeMap::new();
    for row in &rows {
        per_record.entry(row[n].parse().unwrap()).or_default().push(row);
    }
    assert_eq!(per_record.keys().copied().collect::<Vec<u64>>(), (1..=184).collect::<Vec<u64>>());
    for (number, (given, result)) in (1u64..).zip(&results) {
        let rows = &per_record[&number];
        // One row per channel of each target, one for a target without any, and one for a
        // record without targets or an input that could not be looked up.
        let expected = match result {
            Ok(record) => {
                record.notice_targets.iter().map(|t| t.channels.len().max(1)).sum::<usize>().max(1)
            }
            Err(_) => 1,
        };
        assert_eq!(rows.len(), expected, "record {number} ({given}): {rows:#?}");
        assert!(rows.iter().all(|row| row[input] == *given), "{rows:#?}");
        for row in rows {
            let has_channel = ["email", "web", "phone"].iter().any(|c| !row[column(c)].is_empty());
            assert_eq!(row[status] == "ok", has_channel, "{row:?}");
        }
    }
    let statuses = |wanted: &str| rows.iter().filter(|row| row[status] == wanted).count();
    assert_eq!(statuses("input_error"), 2, "co.uk and the empty line");
    assert_eq!(statuses("ok") + statuses("no_channel") + statuses("no_target") + 2, rows.len());

    // The registrar's name from the server is written so that no spreadsheet runs it.
    let formula: Vec<&Vec<String>> = rows
        .iter()
        .filter(|row| row[input] == "formula-name.com" && row[column("party")] == "registrar")
        .collect();
    assert_eq!(formula.len(), 2, "once per input line");
    for row in formula {
        assert_eq!(row[name], "'=cmd|' /C calc'!A0");
        assert_eq!(row[column("email")], "registrar-abuse@cloudflare.com");
    }
    assert!(rows.iter().all(|row| !row.iter().any(|cell| cell.starts_with(['=', '+', '-', '@']))));
}

#[tokio::test]
async fn recorded_world_rows_are_exact() {
    let world = World::recorded().start().await.unwrap();
    let inputs = strings(&["cloudflare.com", "8.8.8.8", "afnic.fr", "co.uk"]);
    let results = run(&world, inputs).await;
    let (header, rows) = parse(&csv_text(&results));
    assert_eq!(header, CSV_COLUMNS);
    let cf = ["1", "cloudflare.com", "cloudflare.com"];
    let cf_ips = "104.16.132.229 104.16.133.229";
    let expected: Vec<Vec<&str>> = vec![
        [&cf[..], &[cf_ips, "cdn", "Cloudflare", "cloudflare", "cdn", "cdn_fronted"]].concat(),
        [&cf[..], &[cf_ips, "cdn", "Cloudflare", "cloudflare", "cdn", "cdn_fronted"]].concat(),
        [&cf[..], &[cf_ips, "cdn", "Cloudflare", "cloudflare", "cdn", "cdn_fronted"]].concat(),
        [&cf[..], &[cf_ips, "network", "Cloudflare", "", "", "network_above_host"]].concat(),
        // One mailbox with two numbers is one channel (issue #15).
        [&cf[..], &["", "registrar", "Cloudflare, Inc.", "", "", "registrar_of_domain"]].concat(),
        vec![
            "2",
            "8.8.8.8",
            "",
            "8.8.8.8",
            "hosting",
            "Google",
            "google",
            "cloud",
            "direct_hosting",
        ],
        vec![
            "2",
            "8.8.8.8",
            "",
            "8.8.8.8",
            "hosting",
            "Google",
            "google",
            "cloud",
            "direct_hosting",
        ],
        // afnic.fr's registrar and registry publish no channel: no target is listed as if
        // it could be notified (issue #15), so the record has none.
        vec!["3", "afnic.fr", "afnic.fr", "", "", "", "", "", ""],
        vec!["4", "co.uk", "", "", "", "", "", "", ""],
    ];
    let channels: Vec<[&str; 6]> = vec![
        ["", "https://abuse.cloudflare.com/", "", "", "ok", ""],
        ["", "https://abuse.cloudflare.com/dmca", "", "copyright", "ok", ""],
        ["", "https://abuse.cloudflare.com/phishing", "", "phishing;malware", "ok", ""],
        ["abuse@cloudflare.com", "", "'+16503198930", "", "ok", ""],
        ["registrar-abuse@cloudflare.com", "", "'+14153197517; +16503198930", "", "ok", ""],
        ["", "https://support.google.com/legal/answer/3110420", "", "copyright", "ok", ""],
        ["network-abuse@google.com", "", "'+16502530000", "", "ok", ""],
        ["", "", "", "", "no_target", "dns:nodata"],
        ["", "", "", "", "input_error", "input:public_suffix"],
    ];
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .zip(channels)
        .map(|(head, tail)| head.into_iter().chain(tail).map(str::to_owned).collect())
        .collect();
    assert_eq!(rows, expected);
}

#[tokio::test]
async fn recorded_world_tally_is_exact() {
    // CZ.NIC answers 503: example.cz is left to retry.
    let world =
        World::recorded().fault("cznic", "", Fault::Status(503), None).start().await.unwrap();
    let inputs = strings(&[
        "cloudflare.com",
        "www.cloudflare.com",
        "google.com",
        "8.8.8.8",
        "1.1.1.1",
        "microsoft.click",
        "afnic.fr",
        "co.uk",
        "example.cz",
        "cloudflare.com",
    ]);
    let results = run(&world, inputs).await;
    let mut tally = ResultsTally::new();
    for (input, result) in &results {
        tally.add(input, result);
    }
    assert_eq!(
        serde_json::to_value(&tally).unwrap(),
        serde_json::json!({
            "inputs": 10,
            "records": 9,
            "input_errors": 1,
            "lookup_errors": 0,
            // afnic.fr (NS records only) and example.cz have targets, none with a channel.
            "resources": {"with_channel": 7, "without_channel": 2},
            "targets_by_party": {
                "platform": 0, "cdn": 4, "hosting": 2, "network": 3, "registrar": 5, "registry": 1
            },
            "targets_by_provider_kind": {
                "cdn": 4, "cloud": 2, "hosting": 0, "isp": 0, "platform": 0, "unknown": 0
            },
            "top_parties": [
                {"party": "cdn", "name": "Cloudflare", "resources": 4},
                {"party": "network", "name": "Cloudflare", "resources": 3},
                {"party": "registrar", "name": "Cloudflare, Inc.", "resources": 3},
                {"party": "hosting", "name": "Google", "resources": 2},
                {"party": "registrar", "name": "MarkMonitor Inc.", "resources": 2},
                {"party": "registry", "name": "Internet Naming Company LLC.", "resources": 1},
            ],
            // 27 party outcomes: 4 per name with two addresses, 3 per one-address name or
            // IP, 2 per name without addresses; an IP has no registrar or registry.
            "outcomes": {
                "found": 18, "redacted": 0, "none_published": 3, "source_failed": 2,
                "not_applicable": 4
            },
            "errors": {
                "dns": {"nodata": 1, "nxdomain": 2},
                "input": {"public_suffix": 1},
                "rdap": {"http_status": 1, "not_found": 2},
                // whois.nic.cz is not in the world's DNS.
                "whois": {"not_found": 1, "transport": 1},
            },
            "retry": {"inputs": 1, "kinds": ["http_status", "transport"]},
        })
    );
    let mut text = Vec::new();
    tally.write_text(&mut text, Some("whohosts bulk in.txt -o out.csv")).unwrap();
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "results\n\
         \x20 inputs: 10 (9 records, 1 input error)\n\
         \x20 resources with a notice channel: 7, without: 2\n\
         \x20 notice targets by party: cdn 4, hosting 2, network 3, registrar 5, registry 1\n\
         \x20 notice targets by provider kind: cdn 4, cloud 2\n\
         \x20 top 6 parties by resources:\n\
         \x20    1. 4  cdn        Cloudflare\n\
         \x20    2. 3  network    Cloudflare\n\
         \x20    3. 3  registrar  Cloudflare, Inc.\n\
         \x20    4. 2  hosting    Google\n\
         \x20    5. 2  registrar  MarkMonitor Inc.\n\
         \x20    6. 1  registry   Internet Naming Company LLC.\n\
         \x20 outcomes: found 18, none_published 3, source_failed 2, not_applicable 4\n\
         \x20 errors by stage and kind (inputs):\n\
         \x20   dns: nodata 1, nxdomain 2\n\
         \x20   input: public_suffix 1\n\
         \x20   rdap: http_status 1, not_found 2\n\
         \x20   whois: not_found 1, transport 1\n\
         \x20 to retry: 1 input (http_status, transport)\n\
         \x20   whohosts bulk in.txt -o out.csv --retry-errors http_status,transport\n"
    );
}

#[tokio::test]
async fn resume_from_a_csv_cut_short_writes_every_record_once() {
    let world = World::recorded().start().await.unwrap();
    let inputs = strings(&["cloudflare.com", "google.com", "cloudflare.com", "8.8.8.8"]);
    let results = run(&world, inputs.clone()).await;
    let whole = csv_text(&results);

    // A duplicated input counts once per record, not per row.
    let mut done = completed_inputs_csv(whole.as_bytes()).unwrap();
    assert_eq!(done.len(), 4);
    assert!(done.take("cloudflare.com") && done.take("cloudflare.com"));
    assert!(!done.take("cloudflare.com"));
    assert!(done.take("google.com") && done.take("8.8.8.8"));

    // The process died inside the last record's second row.
    let cut = &whole[..whole.len() - 20];
    let resume = csv_resume(cut.as_bytes()).unwrap();
    let kept = &cut[..usize::try_from(resume.whole_len).unwrap()];
    assert!(kept.ends_with("\r\n") && !kept.contains("\r\n4,"), "{kept}");
    let mut done = resume.completed;
    assert_eq!(done.len(), 3);
    let left: Vec<String> = inputs.into_iter().filter(|input| !done.take(input)).collect();
    assert_eq!(left, ["8.8.8.8"]);

    // Truncated to its whole records and appended to, the file is the uncut one.
    let again = run(&world, left).await;
    let mut sink = CsvSink::appending(kept.as_bytes().to_vec(), done.len() as u64);
    for (input, result) in &again {
        sink.write(input, result).unwrap();
    }
    assert_eq!(String::from_utf8(sink.into_inner()).unwrap(), whole);
}
