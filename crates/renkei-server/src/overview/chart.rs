//! A line chart drawn as SVG on the server: one line per group over
//! weeks, with a title and description for screen readers (the page puts
//! the same figures in a table beside it). No I/O; names come translated.

use std::fmt::Write;

/// One group's counts, week by week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub counts: Vec<i64>,
}

/// Colours told apart by people with the common colour-vision
/// differences (Okabe–Ito), darkened to contrast with white.
const COLOURS: &[&str] = &[
    "#0b4f8a", "#b35900", "#007a5a", "#a0285e", "#5a3c8c", "#8a6d00", "#3d3d3d", "#005f87",
];

const W: i64 = 640;
const H: i64 = 240;
const LEFT: i64 = 40;
const BOTTOM: i64 = 28;
const TOP: i64 = 10;

/// The chart: `id` names its title and description for `aria-labelledby`.
pub fn svg(id: &str, title: &str, desc: &str, weeks: &[String], series: &[Series]) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.counts.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = weeks.len().max(2) as i64;
    let x = |i: usize| LEFT + (i as i64) * (W - LEFT - 10) / (n - 1);
    let y = |v: i64| TOP + (H - TOP - BOTTOM) - v * (H - TOP - BOTTOM) / max;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
    // Axes, the scale's top and zero, and every other week's label.
    let base = y(0);
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#767676\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{base}\" stroke=\"#767676\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{max}</text>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">0</text>",
        W - 10,
        LEFT - 4,
        TOP + 10,
        LEFT - 4,
        base
    );
    for (i, w) in weeks.iter().enumerate().step_by(2) {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x(i),
            H - 8,
            esc(w)
        );
    }
    for (k, s) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let points: Vec<String> = s
            .counts
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", x(i), y(*v)))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{}\"><title>{}</title></polyline>",
            points.join(" "),
            esc(&s.name)
        );
    }
    out.push_str("</svg>");
    out
}

/// The colour of series `k`, for the legend.
pub fn colour(k: usize) -> &'static str {
    COLOURS[k % COLOURS.len()]
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_the_chart_is_labelled() {
        let s = svg(
            "c",
            "共有の推移",
            "週ごとの件数",
            &["11/01".into(), "11/08".into()],
            &[Series {
                name: "<script>".into(),
                counts: vec![0, 4],
            }],
        );
        assert!(s.contains("aria-labelledby=\"c-title c-desc\""));
        assert!(s.contains("<title id=\"c-title\">共有の推移</title>"));
        assert!(s.contains("&lt;script&gt;") && !s.contains("<script>"));
        // The highest count is at the top of the plot, zero on the axis.
        assert!(s.contains("points=\"40,212 630,10\""), "{s}");
    }
}
