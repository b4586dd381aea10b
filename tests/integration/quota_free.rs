//! The quota-free abuse sources (issue #16): the Abusix Abuse ContactDB over DNS and the
//! RIPEstat Data API, against the loopback world's Abusix zone and RIPEstat endpoint, whose
//! entries the recorded world derives from its recorded RDAP answers.

use std::net::IpAddr;

use serde_json::Value;
use whohosts::{
    AbuseSource, AbusixSource, Config, QuotaFreeSources, RipeStatSource, Rir, SourceErrorKind,
    SourceKind, Stage, StepErrorKind,
};
use whohosts_testing::{Fault, World, WorldBuilder};

use crate::support::address;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn emails(contacts: &[whohosts::Contact]) -> Vec<&str> {
    contacts.iter().filter_map(|c| c.email.as_deref()).collect()
}

fn abusix(world: &World) -> AbusixSource {
    AbusixSource::new().nameservers([world.dns_addr()])
}

/// A standalone RIPEstat source pointed at `world`, loopback HTTP allowed.
fn ripestat(world: &World) -> RipeStatSource {
    let mut config = Config::default();
    config.safety.allow_http = true;
    config.safety.allow_private = true;
    config.quota_free.ripestat_url = world.ripestat_url();
    RipeStatSource::new(&config).unwrap()
}

#[tokio::test]
async fn abusix_names_the_recorded_rdap_mailbox_with_one_query_per_address() {
    let world = World::recorded().start().await.unwrap();
    let source = abusix(&world);
    // 193.0.6.139 is in RIPE NCC's recorded 193.0.0.0/21, whose abuse-c is abuse@ripe.net.
    let contacts = source.abuse_contacts(ip("193.0.6.139")).await.unwrap();
    assert_eq!(emails(&contacts), ["abuse@ripe.net"]);
    let name = "139.6.0.193.abuse-contacts.abusix.zone";
    let from = &contacts[0].sources[0];
    assert_eq!(from.kind, SourceKind::Dns);
    assert_eq!(from.url.as_deref(), Some(name));
    assert_eq!(from.dataset.as_deref(), Some("abusix"));
    assert_eq!(world.dns_queries_for(name, "TXT"), 1);
    // Asked again: the answer is kept for its TTL, no second query.
    let again = source.abuse_contacts(ip("193.0.6.139")).await.unwrap();
    assert_eq!(emails(&again), ["abuse@ripe.net"]);
    assert_eq!(world.dns_queries_for(name, "TXT"), 1);
    // Another address of the same network is a question of its own.
    let other = source.abuse_contacts(ip("193.0.0.1")).await.unwrap();
    assert_eq!(emails(&other), ["abuse@ripe.net"]);
    assert_eq!(world.dns_queries_for("1.0.0.193.abuse-contacts.abusix.zone", "TXT"), 1);
    assert_eq!(world.dns_queries(), 2);
}

#[tokio::test]
async fn abusix_asks_ipv6_by_its_reversed_nibbles() {
    let world = WorldBuilder::new()
        .abusix("2001:db8::/32", &["abuse@v6.example.net"])
        .start()
        .await
        .unwrap();
    let source = abusix(&world);
    let contacts = source.abuse_contacts(ip("2001:db8::1")).await.unwrap();
    assert_eq!(emails(&contacts), ["abuse@v6.example.net"]);
    let name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.\
                abuse-contacts.abusix.zone";
    assert_eq!(source.query_name(ip("2001:db8::1")), format!("{name}."));
    assert_eq!(world.dns_queries_for(name, "TXT"), 1);
    assert_eq!(world.dns_queries(), 1);
}

#[tokio::test]
async fn abusix_knows_nothing_in_lacnic_space_and_remembers_it() {
    // LACNIC's recorded 200.3.12.0/22 has an abuse mailbox in RDAP, but Abusix documents no
    // abuse data for LACNIC ranges: NXDOMAIN, no contact, not an error.
    let world = World::recorded().start().await.unwrap();
    let source = abusix(&world);
    assert!(source.abuse_contacts(ip("200.3.14.10")).await.unwrap().is_empty());
    assert!(source.abuse_contacts(ip("200.3.14.10")).await.unwrap().is_empty());
    assert_eq!(world.dns_queries_for("10.14.3.200.abuse-contacts.abusix.zone", "TXT"), 1);
    assert_eq!(world.dns_queries(), 1);
}

#[tokio::test]
async fn abusix_ignores_txt_that_is_no_mailbox() {
    let world = WorldBuilder::new()
        .abusix(
            "192.0.2.0/24",
            &["v=spf1 -all", "abuse@example.net", "not a mailbox", "ABUSE@example.net"],
        )
        // Abusix's documented test point answers two mailboxes at `localhost`: no host name.
        .abusix("127.0.0.2/32", &["root@localhost", "abuse@localhost"])
        .start()
        .await
        .unwrap();
    let source = abusix(&world);
    let contacts = source.abuse_contacts(ip("192.0.2.1")).await.unwrap();
    assert_eq!(emails(&contacts), ["abuse@example.net"]);
    assert!(source.abuse_contacts(ip("127.0.0.2")).await.unwrap().is_empty());
    assert_eq!(world.dns_queries(), 2);
}

#[tokio::test]
async fn abusix_can_be_made_to_disagree_with_rdap() {
    let world =
        World::recorded().abusix("193.0.0.0/21", &["abuse@other.example"]).start().await.unwrap();
    let contacts = abusix(&world).abuse_contacts(ip("193.0.6.139")).await.unwrap();
    assert_eq!(emails(&contacts), ["abuse@other.example"]);
}

#[tokio::test]
async fn abusix_failures_are_errors() {
    // A server that never answers: the query times out (2 attempts of 200 ms).
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let source = AbusixSource::new()
        .nameservers([silent.local_addr().unwrap()])
        .timeout(std::time::Duration::from_millis(200));
    let e = source.abuse_contacts(ip("192.0.2.1")).await.unwrap_err();
    assert!(matches!(e.kind(), SourceErrorKind::Timeout | SourceErrorKind::Transport), "{e:?}");
}

#[tokio::test]
async fn ripestat_names_the_recorded_rdap_mailbox_with_one_request() {
    let world = World::recorded().start().await.unwrap();
    let source = ripestat(&world);
    let answer = source.lookup(ip("193.0.6.139")).await.unwrap();
    assert_eq!(emails(&answer.contacts), ["abuse@ripe.net"]);
    assert_eq!(answer.authoritative_rir, Some(Rir::RipeNcc));
    let url =
        format!("{}data/abuse-contact-finder/data.json?resource=193.0.6.139", world.ripestat_url());
    assert_eq!(answer.url, url);
    let from = &answer.contacts[0].sources[0];
    assert_eq!(from.kind, SourceKind::Ripestat);
    assert_eq!(from.url.as_deref(), Some(url.as_str()));
    assert_eq!(from.dataset.as_deref(), Some("abuse-contact-finder; authoritative RIR: RIPE NCC"));
    assert_eq!(world.requests("ripestat"), 1);
    assert_eq!(world.ripestat_queries(), ["resource=193.0.6.139&sourceapp=whohosts"]);
    // Asked again: the response cache answers.
    let again = source.abuse_contacts(ip("193.0.6.139")).await.unwrap();
    assert_eq!(emails(&again), ["abuse@ripe.net"]);
    assert_eq!(world.requests("ripestat"), 1);
}

#[tokio::test]
async fn ripestat_outside_its_entries_is_empty_and_a_bad_answer_is_an_error() {
    let world = WorldBuilder::new()
        .ripestat("198.51.100.0/24", &["abuse@example.org"], Some("arin"))
        .fault("ripestat", "data/", Fault::Malformed, Some(1))
        .start()
        .await
        .unwrap();
    let source = ripestat(&world).sourceapp("qa_team-1").unwrap();
    // The first answer is an HTML page with status 200: not RIPEstat's JSON.
    let e = source.lookup(ip("198.51.100.6")).await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Malformed, "{e:?}");
    let answer = source.lookup(ip("198.51.100.7")).await.unwrap();
    assert_eq!(emails(&answer.contacts), ["abuse@example.org"]);
    assert_eq!(answer.authoritative_rir, Some(Rir::Arin));
    let none = source.lookup(ip("203.0.113.1")).await.unwrap();
    assert!(none.contacts.is_empty());
    assert_eq!(none.authoritative_rir, None);
    assert_eq!(world.requests("ripestat"), 3);
    assert_eq!(
        world.ripestat_queries(),
        [
            "resource=198.51.100.6&sourceapp=qa_team-1",
            "resource=198.51.100.7&sourceapp=qa_team-1",
            "resource=203.0.113.1&sourceapp=qa_team-1",
        ]
    );
}

#[tokio::test]
async fn ripestat_is_refused_over_plain_http_by_default() {
    let world = World::recorded().start().await.unwrap();
    let mut config = Config::default();
    config.quota_free.ripestat_url = world.ripestat_url();
    let e = RipeStatSource::new(&config).unwrap().lookup(ip("193.0.6.139")).await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Blocked, "{e:?}");
    assert_eq!(world.requests("ripestat"), 0);
}

/// A kind of the first abuse contact's first source of `ip` in the record's JSON.
fn json_kind(record: &whohosts::HostingRecord, ip: &str) -> Value {
    let json = serde_json::to_value(record).unwrap();
    let addresses = json["addresses"].as_array().unwrap();
    let entry = addresses.iter().find(|a| a["ip"] == ip).unwrap();
    entry["abuse"][0]["sources"][0]["kind"].clone()
}

#[tokio::test]
async fn a_client_asks_abusix_where_rdap_gave_no_mailbox() {
    let world =
        World::recorded().fault("ripe", "ip/", Fault::Status(503), None).start().await.unwrap();
    let client = world.quota_free_client_builder().max_retries(0).disable_whois().build().unwrap();
    let record = client.lookup("193.0.6.139").await.unwrap();
    let found = address(&record, "193.0.6.139");
    assert_eq!(emails(&found.abuse), ["abuse@ripe.net"]);
    assert_eq!(found.abuse_outcome.detail.as_deref(), Some("from abusix"));
    assert_eq!(json_kind(&record, "193.0.6.139"), "dns");
    assert_eq!(record.schema_version, 4);
    // Abusix answered: RIPEstat was not asked.
    assert_eq!(world.requests("ripestat"), 0);
    assert_eq!(world.dns_queries_for("139.6.0.193.abuse-contacts.abusix.zone", "TXT"), 1);
    // The RDAP failure is kept beside the contact, and so is the ASN.
    assert!(record.errors.iter().any(|e| e.stage == Stage::Rdap), "{:#?}", record.errors);
    assert_eq!(found.asn.as_ref().map(|a| a.number), Some(3333));
}

#[tokio::test]
async fn in_lacnic_space_the_client_falls_through_abusix_to_ripestat() {
    let world =
        World::recorded().fault("lacnic", "ip/", Fault::Status(503), None).start().await.unwrap();
    let client = world.quota_free_client_builder().max_retries(0).disable_whois().build().unwrap();
    let record = client.lookup("200.3.14.10").await.unwrap();
    let found = address(&record, "200.3.14.10");
    // LACNIC's abuse-c of its recorded 200.3.12.0/22, as RDAP names it.
    assert_eq!(emails(&found.abuse), ["ipadmin@lacnic.net"]);
    assert_eq!(found.abuse_outcome.detail.as_deref(), Some("from ripestat"));
    assert_eq!(json_kind(&record, "200.3.14.10"), "ripestat");
    assert_eq!(
        found.abuse[0].sources[0].dataset.as_deref(),
        Some("abuse-contact-finder; authoritative RIR: LACNIC")
    );
    assert_eq!(world.dns_queries_for("10.14.3.200.abuse-contacts.abusix.zone", "TXT"), 1);
    assert_eq!(world.requests("ripestat"), 1);
    assert_eq!(world.ripestat_queries()[0], "resource=200.3.14.10&sourceapp=whohosts-test");
}

#[tokio::test]
async fn a_failing_ripestat_is_an_error_in_the_record_and_the_rest_is_kept() {
    let world = World::recorded()
        .fault("lacnic", "ip/", Fault::Status(503), None)
        .fault("ripestat", "", Fault::Status(500), None)
        .start()
        .await
        .unwrap();
    let mut sources = QuotaFreeSources::default();
    sources.ripestat = true;
    sources.ripestat_url = world.ripestat_url();
    let client = world
        .client_builder()
        .quota_free_sources(sources)
        .max_retries(0)
        .disable_whois()
        .build()
        .unwrap();
    let record = client.lookup("200.3.14.10").await.unwrap();
    let failed: Vec<_> = record.errors.iter().filter(|e| e.stage == Stage::Abuse).collect();
    assert_eq!(failed.len(), 1, "{:#?}", record.errors);
    assert_eq!(failed[0].kind, StepErrorKind::HttpStatus);
    assert_eq!(failed[0].http_status, Some(500));
    assert_eq!(failed[0].target, "200.3.14.10");
    assert!(failed[0].message.starts_with("ripestat: "), "{}", failed[0].message);
    assert_eq!(world.requests("ripestat"), 1);
    // The address's other facts are kept.
    let found = address(&record, "200.3.14.10");
    assert_eq!(found.asn.as_ref().map(|a| a.number), Some(28000));
    assert!(found.abuse.is_empty());
}

#[tokio::test]
async fn the_sources_are_off_unless_switched_on() {
    let world =
        World::recorded().fault("ripe", "ip/", Fault::Status(503), None).start().await.unwrap();
    let client = world.client_builder().max_retries(0).disable_whois().build().unwrap();
    assert_eq!(client.config().quota_free, QuotaFreeSources::default());
    let record = client.lookup("193.0.6.139").await.unwrap();
    assert!(address(&record, "193.0.6.139").abuse.is_empty());
    assert_eq!(world.requests("ripestat"), 0);
    assert_eq!(world.dns_queries_for("139.6.0.193.abuse-contacts.abusix.zone", "TXT"), 0);
}

#[tokio::test]
async fn the_generated_world_serves_them_on_request_only() {
    let generated = World::generated(30, 7);
    let plain = generated.builder().start().await.unwrap();
    let served = generated.clone().with_quota_free(true).builder().start().await.unwrap();
    let client = served.client_builder().build().unwrap();
    let mut compared = 0;
    for domain in generated.domains().iter().take(8) {
        let record = client.lookup(domain).await.unwrap();
        for found in &record.addresses {
            // What RDAP itself named (AFRINIC's mailbox comes from WHOIS, not RDAP).
            let rdap: Vec<&str> = found
                .abuse
                .iter()
                .filter(|c| c.sources.iter().any(|s| s.kind == SourceKind::Rdap))
                .filter_map(|c| c.email.as_deref())
                .collect();
            let from_abusix = abusix(&served).abuse_contacts(found.ip).await.unwrap();
            let from_ripestat = ripestat(&served).lookup(found.ip).await.unwrap();
            let rir = found.network.as_ref().and_then(|n| n.rir.clone());
            if rir == Some(Rir::Lacnic) {
                assert!(from_abusix.is_empty(), "{}", found.ip);
            } else {
                assert_eq!(emails(&from_abusix), rdap, "{}", found.ip);
            }
            assert_eq!(emails(&from_ripestat.contacts), rdap, "{}", found.ip);
            // Without the option, neither stand-in knows anything.
            assert!(abusix(&plain).abuse_contacts(found.ip).await.unwrap().is_empty());
            assert!(ripestat(&plain).lookup(found.ip).await.unwrap().contacts.is_empty());
            compared += 1;
        }
    }
    assert!(compared >= 8, "{compared}");
    assert_eq!(generated.min_requests(), generated.clone().with_quota_free(true).min_requests());
}

#[tokio::test]
async fn abusix_answers_kept_in_a_disk_cache_spare_the_next_run_its_queries() {
    let world =
        World::recorded().fault("ripe", "ip/", Fault::Status(503), None).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let name = "139.6.0.193.abuse-contacts.abusix.zone";
    for run in 1..=2 {
        // A new client each run, as a new process would be, on the same cache directory.
        let cache = std::sync::Arc::new(whohosts::DiskCache::open(dir.path()).unwrap());
        let client = world
            .quota_free_client_builder()
            .disk_cache(cache)
            .max_retries(0)
            .disable_whois()
            .build()
            .unwrap();
        let record = client.lookup("193.0.6.139").await.unwrap();
        let found = address(&record, "193.0.6.139");
        assert_eq!(emails(&found.abuse), ["abuse@ripe.net"], "run {run}");
        assert_eq!(found.abuse[0].sources[0].url.as_deref(), Some(name), "run {run}");
        // Asked once, in the first run only.
        assert_eq!(world.dns_queries_for(name, "TXT"), 1, "run {run}");
    }
    let stats = whohosts::DiskCache::open(dir.path()).unwrap().stats().unwrap();
    assert_eq!(stats.by_kind.get("quota-free").map(|k| k.entries), Some(1));
}

#[tokio::test]
async fn a_kept_abusix_answer_that_cannot_be_read_is_asked_again() {
    let world = World::recorded().start().await.unwrap();
    let cache = std::sync::Arc::new(whohosts::MemoryResponseCache::new(&Default::default()));
    let key = "dns://abuse-contacts.abusix.zone/139.6.0.193.abuse-contacts.abusix.zone";
    let garbage =
        whohosts::CachedResponse::Found { url: key.to_owned(), body: "{\"v\":99}".into() };
    whohosts::ResponseCache::put(&*cache, key, garbage, std::time::Duration::from_secs(60)).await;
    let source = abusix(&world).response_cache(cache);
    let contacts = source.abuse_contacts(ip("193.0.6.139")).await.unwrap();
    assert_eq!(emails(&contacts), ["abuse@ripe.net"]);
    assert_eq!(world.dns_queries_for("139.6.0.193.abuse-contacts.abusix.zone", "TXT"), 1);
}

#[tokio::test]
async fn a_ripestat_error_answer_is_not_kept_and_the_next_ask_gets_the_mailbox() {
    let world = WorldBuilder::new()
        .ripestat("198.51.100.0/24", &["abuse@example.org"], Some("arin"))
        .fault("ripestat", "data/", Fault::Malformed, Some(1))
        .start()
        .await
        .unwrap();
    let source = ripestat(&world);
    // The first answer is a 200 that is not RIPEstat's JSON: an error, and not cached.
    let e = source.lookup(ip("198.51.100.6")).await.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Malformed, "{e:?}");
    let answer = source.lookup(ip("198.51.100.6")).await.unwrap();
    assert_eq!(emails(&answer.contacts), ["abuse@example.org"]);
    // A good answer is kept: the third ask sends nothing.
    source.lookup(ip("198.51.100.6")).await.unwrap();
    assert_eq!(world.requests("ripestat"), 2);
}
