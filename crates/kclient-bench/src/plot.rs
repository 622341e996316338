//! The SVG plot of `docs/benchmarks.md`: one horizontal bar per figure showing how many times
//! better (right, green) or worse (left, red) kclient is than kube-rs in the same run, on a
//! log scale centred on parity.

use std::fmt::Write as _;

use crate::report::{Better, Figure};

/// Bars are clipped to this factor either way (the table has the exact figures).
const MAX_FACTOR: f64 = 4.0;
/// Rough width of one character of the 12 px sans-serif labels.
const CHAR_WIDTH: f64 = 6.6;
const PLOT_WIDTH: f64 = 360.0;
const ROW: f64 = 22.0;
const TOP: f64 = 48.0;

/// How many times better kclient is (`>1`) or worse (`<1`), whatever the figure's direction.
pub fn advantage(figure: &Figure) -> f64 {
    let ratio = figure.ratio();
    match figure.better {
        Better::Higher => ratio,
        Better::Lower => 1.0 / ratio,
    }
}

/// The plot as a standalone SVG document.
pub fn svg(figures: &[Figure], title: &str) -> String {
    let longest = figures
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0);
    // Labels are right-aligned against the plot, so the column must fit the longest one.
    let label_width = (longest as f64 * CHAR_WIDTH + 20.0).max(200.0);
    let height = TOP + ROW * figures.len() as f64 + 40.0;
    let width = label_width + PLOT_WIDTH + 90.0;
    let centre = label_width + PLOT_WIDTH / 2.0;
    let scale = PLOT_WIDTH / 2.0 / MAX_FACTOR.log2();
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    for (tick, label) in [
        (0.25, "4× worse"),
        (0.5, "2×"),
        (1.0, "parity"),
        (2.0, "2×"),
        (4.0, "4× better"),
    ] {
        let x = centre + f64::log2(tick) * scale;
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#bbb"/><text x="{x:.1}" y="{}" text-anchor="middle" fill="#555">{label}</text>"##,
            TOP - 8.0,
            height - 30.0,
            height - 14.0
        );
    }
    for (i, figure) in figures.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let factor = advantage(figure);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_width - 8.0,
            y + 14.0,
            escape(&figure.name)
        );
        if !factor.is_finite() || factor <= 0.0 {
            continue;
        }
        let len = f64::log2(factor).clamp(-MAX_FACTOR.log2(), MAX_FACTOR.log2()) * scale;
        let (x, w, colour) = if len >= 0.0 {
            (centre, len, "#2e8b57")
        } else {
            (centre + len, -len, "#c0392b")
        };
        let _ = writeln!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/><text x="{:.1}" y="{:.1}">{factor:.2}×</text>"#,
            y + 3.0,
            w.max(1.0),
            ROW - 6.0,
            label_width + PLOT_WIDTH + 8.0,
            y + 14.0
        );
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_point_the_way_kclient_compares() {
        let faster = Figure::lower("decode: time", "s", 0.5, 1.0);
        let slower = Figure::higher("list: objects/s", "objects/s", 50.0, 100.0);
        assert_eq!(advantage(&faster), 2.0);
        assert_eq!(advantage(&slower), 0.5);
        let svg = svg(&[faster, slower], "kclient ÷ kube-rs <same run>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("#2e8b57") && svg.contains("#c0392b"));
        assert!(svg.contains("2.00×") && svg.contains("0.50×"));
        assert!(svg.contains("&lt;same run&gt;"), "titles are escaped");
    }
}
