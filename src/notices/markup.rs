//! Escaping text for HTML and SVG (text and attribute values alike): the controls and bidi
//! overrides shown as visible escapes by [`escape_terminal`], then every character with a
//! meaning in markup. Nothing else.

use crate::text::escape_terminal;

/// `text` safe inside an element or a double- or single-quoted attribute.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_terminal(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1b}[2Jb\u{202e}"), r"a\x1b[2Jb\u{202e}");
        assert_eq!(escape("Cloudflare, Inc."), "Cloudflare, Inc.");
    }
}
