//! Server text made safe to show: [`escape_terminal`] for terminals and text files,
//! [`csv_cell`] for spreadsheet cells.
//!
//! Names, emails and messages in a record come from DNS, RDAP and WHOIS servers, which
//! anyone can run. Printed raw, an ESC sequence recolours or clears the terminal and a CR or
//! LF forges a line (`registrar: Google`); bidi overrides reorder what is shown. These
//! functions show such characters as visible escapes instead. The JSON form of a record is
//! never escaped here: it stays exact, and JSON encoding already escapes C0 controls.
//!
//! This module owns the escaping rules and nothing else: the text summary, the CSV output
//! and the notice files call it.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for a character a terminal or text viewer would act on instead of showing: C0
/// controls (U+0000–U+001F), DEL (U+007F), C1 controls (U+0080–U+009F), the Unicode bidi
/// controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and
/// paragraph separators U+2028 and U+2029.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every [unsafe character](is_unsafe_char) replaced by a visible escape: `\n`,
/// `\r`, `\t` for those three, `\xNN` for the other ASCII controls (`\x1b` for ESC, `\x7f`
/// for DEL), `\u{NNNN}` for the others (`\u{85}`, `\u{202e}`). Other text, backslashes
/// included, is unchanged, and text without unsafe characters is returned as is.
///
/// ```
/// use whohosts::text::escape_terminal;
///
/// assert_eq!(escape_terminal("Example\r\nregistrar: Google"), r"Example\r\nregistrar: Google");
/// assert_eq!(escape_terminal("\u{1b}[2JName"), r"\x1b[2JName");
/// assert_eq!(escape_terminal("abc\u{202e}gpj.exe"), r"abc\u{202e}gpj.exe");
/// assert_eq!(escape_terminal("Bücher GmbH"), "Bücher GmbH");
/// ```
pub fn escape_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii() && is_unsafe_char(c) => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` as a spreadsheet cell: [escaped](escape_terminal), and with a leading `'` when it
/// starts with `=`, `+`, `-`, `@`, a tab or a CR, so that a spreadsheet reads it as text and
/// never as a formula (OWASP "CSV Injection"). Quoting for the CSV syntax itself (commas,
/// quotes) is the CSV writer's job.
///
/// ```
/// use whohosts::text::csv_cell;
///
/// assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(csv_cell("+1.5555550100"), "'+1.5555550100");
/// assert_eq!(csv_cell("\tabuse@example.com"), r"'\tabuse@example.com");
/// assert_eq!(csv_cell("abuse@example.com"), "abuse@example.com");
/// ```
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let escaped = escape_terminal(text);
    if formula { Cow::Owned(format!("'{escaped}")) } else { escaped }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_class_is_escaped_visibly() {
        for (raw, shown) in [
            ("\u{0}", r"\x00"),
            ("\u{7}", r"\x07"),
            ("\u{1b}]0;title\u{7}", r"\x1b]0;title\x07"),
            ("\u{7f}", r"\x7f"),
            ("\u{85}", r"\u{85}"),
            ("\u{9b}31m", r"\u{9b}31m"),
            (
                "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}",
                r"\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}",
            ),
            ("\u{2066}\u{2067}\u{2068}\u{2069}", r"\u{2066}\u{2067}\u{2068}\u{2069}"),
            ("\u{200e}\u{200f}\u{61c}", r"\u{200e}\u{200f}\u{61c}"),
            ("a\u{2028}b\u{2029}c", r"a\u{2028}b\u{2029}c"),
            ("a\\nb", "a\\nb"),
            ("例え.テスト", "例え.テスト"),
        ] {
            assert_eq!(escape_terminal(raw), shown, "{raw:?}");
        }
        assert!(matches!(escape_terminal("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (raw, shown) in [
            ("=1+1", "'=1+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\r=1", r"'\r=1"),
            ("a=1", "a=1"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(raw), shown, "{raw:?}");
        }
    }
}
