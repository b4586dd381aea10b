//! Horizontal bar charts as inline SVG: one row per (label, value), a `<rect>` as long as the
//! value and two `<text>`s, every label escaped. No scripts, no styles from outside, no
//! fonts to fetch: the page that holds it works offline.

use std::fmt::Write as _;

use super::markup::escape;

/// Row height and the widths of the label column, the bar area and the value column, in
/// SVG user units.
const ROW: usize = 22;
const LABEL: usize = 300;
const BARS: usize = 360;
const VALUE: usize = 60;
/// The longest label shown, in characters (the full text is in the row's `<title>`).
const MAX_LABEL: usize = 40;

/// A bar chart of `rows`, with `title` as its accessible name. An empty chart says so.
pub(super) fn bar_chart(title: &str, rows: &[(String, usize)]) -> String {
    let height = ROW * rows.len().max(1) + 4;
    let width = LABEL + BARS + VALUE;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13"><title>{}</title>"#,
        escape(title)
    );
    if rows.is_empty() {
        let _ = write!(svg, r##"<text x="0" y="16" fill="#555">none</text>"##);
    }
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i * ROW + 2;
        let bar = (value * BARS).div_ceil(max).max(usize::from(*value > 0));
        let shown: String = if label.chars().count() > MAX_LABEL {
            label.chars().take(MAX_LABEL - 1).chain(['…']).collect()
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            concat!(
                r#"<g><title>{full}: {value}</title>"#,
                r#"<text x="{lx}" y="{ty}" text-anchor="end">{shown}</text>"#,
                r##"<rect x="{bx}" y="{y}" width="{bar}" height="{h}" fill="#3b6ea8"></rect>"##,
                r#"<text x="{vx}" y="{ty}">{value}</text></g>"#
            ),
            full = escape(label),
            shown = escape(&shown),
            lx = LABEL - 8,
            ty = y + 15,
            bx = LABEL,
            h = ROW - 6,
            vx = LABEL + bar + 6,
            value = value,
            y = y,
            bar = bar,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_labels_are_escaped() {
        let svg = bar_chart(
            "per <party>",
            &[("Cloudflare".to_owned(), 4), ("<script>".to_owned(), 1), ("zero".to_owned(), 0)],
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
        assert!(svg.contains("<title>per &lt;party&gt;</title>"));
        assert!(svg.contains(r#"width="360" height="16""#), "{svg}");
        assert!(svg.contains(r#"width="90" height="16""#), "{svg}");
        assert!(svg.contains(r#"width="0" height="16""#), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(bar_chart("empty", &[]).contains(">none</text>"));
    }
}
