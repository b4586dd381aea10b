//! Text from servers is data, never control: the text summary escapes control characters
//! visibly while the JSON stays exact (issue #14 item 6), and contacts are validated and
//! capped (item 7).

use crate::support::*;
use whohosts_testing::World;

/// SYNTHESISED from the recorded Verisign answer for cloudflare.com: the domain renamed and
/// the registrar's `fn` replaced by `name_json` (JSON string content, escapes allowed).
fn registry_answer_with_registrar_name(domain: &str, name_json: &str) -> String {
    include_str!("../fixtures/rdap/domain/verisign-cloudflare.com-registry.json")
        .replace("CLOUDFLARE.COM", &domain.to_ascii_uppercase())
        .replace(
            r#"["fn",{},"text","Cloudflare, Inc."]"#,
            &format!(r#"["fn",{{}},"text","{name_json}"]"#),
        )
}

/// ESC clears the screen and recolours; CR/LF forge a registrar line.
const FORGED: &str = r"Evil Registrar\u001b[2J\u001b[31m\r\n  registrar: Google (IANA 292)";

#[tokio::test]
async fn summary_escapes_escape_sequences_and_forged_lines() {
    let answer = registry_answer_with_registrar_name("forged-name.com", FORGED);
    let (_world, client) = start(World::recorded().object("verisign", &answer)).await;
    let record = client.lookup("forged-name.com").await.unwrap();
    let registrar = record.registrar.as_ref().unwrap();
    // The record keeps the exact text; JSON escapes it as JSON does.
    let exact = "Evil Registrar\u{1b}[2J\u{1b}[31m\r\n  registrar: Google (IANA 292)";
    assert_eq!(registrar.name.as_deref(), Some(exact));
    let json = serde_json::to_string(&record).unwrap();
    assert!(json.contains(r"Evil Registrar\u001b[2J\u001b[31m\r\n  registrar: Google"), "{json}");

    let summary = record.summary();
    assert!(!summary.contains('\u{1b}'), "{summary:?}");
    assert!(!summary.contains('\r'), "{summary:?}");
    let registrar_lines: Vec<&str> =
        summary.lines().filter(|l| l.trim_start().starts_with("registrar:")).collect();
    assert_eq!(
        registrar_lines,
        vec![
            r"  registrar: Evil Registrar\x1b[2J\x1b[31m\r\n  registrar: Google (IANA 292) (IANA 1910)"
        ],
        "{summary}"
    );
}

#[tokio::test]
async fn summary_escapes_bidi_overrides_and_c1_controls() {
    let answer = registry_answer_with_registrar_name(
        "bidi-name.com",
        r"Registrar \u202eelgooG\u202c \u0085\u009b31m \u2066x\u2069 \u2028end",
    );
    let (_world, client) = start(World::recorded().object("verisign", &answer)).await;
    let record = client.lookup("bidi-name.com").await.unwrap();
    let summary = record.summary();
    let line = summary.lines().find(|l| l.contains("registrar:")).unwrap();
    assert_eq!(
        line,
        r"  registrar: Registrar \u{202e}elgooG\u{202c} \u{85}\u{9b}31m \u{2066}x\u{2069} \u{2028}end (IANA 1910)"
    );
}

/// SYNTHESISED from the recorded Verisign answer for cloudflare.com: the domain renamed and
/// the registrar's abuse mailbox replaced by `email_json` (JSON string content).
fn registry_answer_with_abuse_email(domain: &str, email_json: &str) -> String {
    include_str!("../fixtures/rdap/domain/verisign-cloudflare.com-registry.json")
        .replace("CLOUDFLARE.COM", &domain.to_ascii_uppercase())
        .replace("registrar-abuse@cloudflare.com", email_json)
}

/// The registry answer's URL in `world` for `domain`.
fn registry_url(world: &World, domain: &str) -> String {
    format!("{}domain/{domain}", world.service_url("verisign"))
}

/// The `partial` errors about one answer, as (target, message).
fn partials(record: &whohosts::HostingRecord) -> Vec<(String, String)> {
    record
        .errors
        .iter()
        .filter(|e| e.kind == "partial")
        .map(|e| (e.target.clone(), e.message.clone()))
        .collect()
}

/// The registrar abuse mailbox's JSON pointer in the Verisign answer: the first entity's
/// first nested entity, property 3 of its jCard.
const ABUSE_EMAIL_POINTER: &str = "/entities/0/entities/0/vcardArray/1/3";

#[tokio::test]
async fn nul_prefixed_email_is_dropped_with_a_partial_error_naming_its_pointer() {
    let answer =
        registry_answer_with_abuse_email("nul-email.com", r"\u0000registrar-abuse@cloudflare.com");
    let (world, client) = start(World::recorded().object("verisign", &answer)).await;
    let record = client.lookup("nul-email.com").await.unwrap();
    let registrar = record.registrar.as_ref().unwrap();
    assert_eq!(emails(&registrar.abuse), Vec::<&str>::new());
    // The phone of the same entity is still a channel.
    assert_eq!(registrar.abuse[0].phone.as_deref(), Some("+1.6503198930"));
    assert_eq!(
        partials(&record),
        vec![(
            registry_url(&world, "nul-email.com"),
            format!("{ABUSE_EMAIL_POINTER}: email dropped: holds the control character U+0000")
        )]
    );
    assert!(!serde_json::to_string(&record).unwrap().contains(r"\u0000"));
}

#[tokio::test]
async fn hundred_thousand_character_email_is_dropped() {
    let huge = format!("{}@cloudflare.com", "a".repeat(100_000));
    let answer = registry_answer_with_abuse_email("huge-email.com", &huge);
    let (world, client) = start(World::recorded().object("verisign", &answer)).await;
    let record = client.lookup("huge-email.com").await.unwrap();
    let registrar = record.registrar.as_ref().unwrap();
    assert!(emails(&registrar.abuse).is_empty());
    assert_eq!(
        partials(&record),
        vec![(
            registry_url(&world, "huge-email.com"),
            format!(
                "{ABUSE_EMAIL_POINTER}: email dropped: 100015 characters long; the limit is 254"
            )
        )]
    );
    let json = serde_json::to_string(&record).unwrap();
    assert!(json.len() < 20_000, "the record is {} bytes", json.len());
}

#[tokio::test]
async fn two_hundred_kilobyte_name_is_capped_and_marked() {
    let name = "N".repeat(200_000);
    let answer = registry_answer_with_registrar_name("huge-name.com", &name);
    let (world, client) = start(World::recorded().object("verisign", &answer)).await;
    let record = client.lookup("huge-name.com").await.unwrap();
    let registrar = record.registrar.as_ref().unwrap();
    let expected = format!("{}…", "N".repeat(512));
    assert_eq!(registrar.name.as_deref(), Some(expected.as_str()));
    assert_eq!(
        partials(&record),
        vec![(
            registry_url(&world, "huge-name.com"),
            "/entities/0/vcardArray/1/1: fn truncated to 512 characters (was 200000)".to_owned()
        )]
    );
    let json = serde_json::to_string(&record).unwrap();
    assert!(json.len() < 20_000, "the record is {} bytes", json.len());
    assert!(record.summary().len() < 10_000);
}

#[tokio::test]
async fn whois_registrar_name_and_abuse_email_are_checked_and_escaped() {
    // SYNTHESISED in the layout of the recorded SIDN answer for app.nl (see
    // tests/fixtures/whois/domain/richardpenman/app.nl.txt).
    let name = format!("Evil\u{1b}[2J\u{1b}[31m{}", "N".repeat(200_000));
    let text = format!(
        "Domain name: hostile.nl\r\nStatus:      active\r\n\r\nRegistrar:\r\n   {name}\r\n\
         \r\nAbuse Contact:\r\n   \u{0}abuse@hostile.example\r\n   +31.0202018165\r\n"
    );
    let (_world, client) =
        start(World::recorded().whois_text("whois.domain-registry.nl", "hostile.nl", &text)).await;
    let record = client.lookup("hostile.nl").await.unwrap();
    let registrar = record.registrar.as_ref().unwrap();
    let cut: String = name.chars().take(512).chain(['…']).collect();
    assert_eq!(registrar.name.as_deref(), Some(cut.as_str()));
    assert!(emails(&registrar.abuse).is_empty(), "{:#?}", registrar.abuse);
    assert_eq!(registrar.abuse[0].phone.as_deref(), Some("+31.0202018165"));
    let whois_partials: Vec<_> = record
        .errors
        .iter()
        .filter(|e| e.kind == "partial")
        .map(|e| (e.target.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        whois_partials,
        vec![
            (
                "whois.domain-registry.nl:43",
                "line 8: abuse email dropped: holds the control character U+0000"
            ),
            (
                "whois.domain-registry.nl:43",
                "line 5: registrar name truncated to 512 characters (was 200013)"
            ),
        ]
    );
    let summary = record.summary();
    assert!(!summary.contains('\u{1b}'));
    assert!(summary.contains(r"registrar: Evil\x1b[2J\x1b[31mNNN"), "{summary}");
    assert!(serde_json::to_string(&record).unwrap().len() < 20_000);
}
