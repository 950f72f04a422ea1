//! Horizontal bar charts as inline SVG, drawn on the server so that a report needs no
//! JavaScript and prints as it shows. Written by hand: a dozen rectangles and labels do not
//! justify a plotting library and its fonts.

use std::fmt::Write;

/// One bar: its label and value, and the text shown after it (e.g. "12 (40%)").
pub struct Bar<'a> {
    pub label: &'a str,
    pub value: i64,
    pub shown: String,
}

const WIDTH: i64 = 640;
const LABEL: i64 = 220;
const ROW: i64 = 28;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart; `title` names it for screen readers.
pub fn bars(title: &str, bars: &[Bar<'_>]) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len() as i64 + 8;
    let room = WIDTH - LABEL - 90;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 4 + ROW * i as i64;
        let width = (bar.value * room / max).max(if bar.value > 0 { 2 } else { 0 });
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="14">{}</text><rect x="{LABEL}" y="{}" width="{width}" height="{}" fill="#1f5f8b"/><text x="{}" y="{}" font-size="14">{}</text>"##,
            LABEL - 8,
            y + 18,
            escape(bar.label),
            y + 4,
            ROW - 8,
            LABEL + width + 6,
            y + 18,
            escape(&bar.shown),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_and_text_is_escaped() {
        let svg = bars(
            "Funnel <test>",
            &[
                Bar {
                    label: "Invited",
                    value: 10,
                    shown: "10".into(),
                },
                Bar {
                    label: "A & B",
                    value: 5,
                    shown: "5".into(),
                },
            ],
        );
        assert!(svg.contains(r#"width="330""#), "{svg}");
        assert!(svg.contains(r#"width="165""#));
        assert!(svg.contains("A &amp; B") && svg.contains("Funnel &lt;test&gt;"));
    }
}
