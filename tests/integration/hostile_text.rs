//! Text from servers is data, never control: the text summary escapes control characters
//! visibly while the JSON stays exact (issue #14 item 6), and contacts are validated and
//! capped (item 7).

use crate::support::*;
use whohosts::testing::World;

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
