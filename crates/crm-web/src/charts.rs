//! Charts as inline SVG, drawn on the server: bars (grouped or stacked, with an optional line
//! on top), lines (with an optional second axis), a donut, and horizontal bars. Every chart
//! has axis labels, a legend (rendered by the template from [`Chart::legend`]), a `<title>`
//! on every mark for hover, and `role="img"` with a title for screen readers. Colours are CSS
//! classes (`c1`…`c8`), so nothing inline needs `style`.
//!
//! Every piece of text is escaped here, since the SVG reaches the page unescaped.

use std::fmt::Write;

/// A legend entry.
#[derive(Debug, Clone)]
pub struct LegendItem {
    /// Series name.
    pub label: String,
    /// Colour class.
    pub class: String,
}

/// A drawn chart.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// The `<svg>` element (escaped inside).
    pub svg: String,
    /// Legend entries.
    pub legend: Vec<LegendItem>,
    /// Nothing to draw: the template shows the empty state instead.
    pub empty: bool,
}

impl Chart {
    /// An empty chart.
    pub fn empty() -> Self {
        Self {
            empty: true,
            ..Self::default()
        }
    }
}

/// A named series of values.
#[derive(Debug, Clone)]
pub struct Series {
    /// Name (legend and hover).
    pub name: String,
    /// Colour class.
    pub class: &'static str,
    /// One value per label.
    pub values: Vec<f64>,
}

impl Series {
    /// A series.
    pub fn new(name: &str, class: &'static str, values: Vec<f64>) -> Self {
        Self {
            name: name.to_owned(),
            class,
            values,
        }
    }
}

/// How bars of several series share a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarMode {
    /// Side by side.
    Grouped,
    /// On top of each other (negative values below zero).
    Stacked,
}

/// Formats a value for an axis or a hover title.
pub type Fmt = fn(f64) -> String;

/// Escapes text for SVG/HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Width of a chart in a half-width card.
pub const HALF: f64 = 520.0;
/// Width of a chart in a full-width card.
pub const FULL: f64 = 980.0;
const H: f64 = 260.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;
const LEFT: f64 = 58.0;
const TICKS: usize = 4;

/// A "nice" axis covering `min..=max`: (low, high, step).
pub fn nice_range(min: f64, max: f64) -> (f64, f64, f64) {
    let min = if min.is_finite() { min.min(0.0) } else { 0.0 };
    let max = if max.is_finite() { max.max(0.0) } else { 0.0 };
    let span = max - min;
    if span <= 0.0 {
        return (0.0, 1.0, 0.25);
    }
    let raw = span / TICKS as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let step = magnitude
        * if norm <= 1.0 {
            1.0
        } else if norm <= 2.0 {
            2.0
        } else if norm <= 2.5 {
            2.5
        } else if norm <= 5.0 {
            5.0
        } else {
            10.0
        };
    let low = (min / step).floor() * step;
    let high = (max / step).ceil() * step;
    (low, high.max(low + step), step)
}

struct Frame {
    w: f64,
    right: f64,
    low: f64,
    high: f64,
}

impl Frame {
    fn plot_w(&self) -> f64 {
        self.w - LEFT - self.right
    }

    fn plot_h() -> f64 {
        H - TOP - BOTTOM
    }

    fn y(&self, v: f64) -> f64 {
        TOP + (self.high - v) / (self.high - self.low) * Self::plot_h()
    }
}

fn open_svg(out: &mut String, title: &str, width: f64, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" preserveAspectRatio="xMidYMid meet"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
}

fn y_axis(out: &mut String, frame: &Frame, step: f64, fmt: Fmt, right: bool) {
    let mut v = frame.low;
    let mut guard = 0;
    while v <= frame.high + step * 0.001 && guard < 50 {
        let y = frame.y(v);
        if !right {
            let _ = write!(
                out,
                r#"<line class="grid{}" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/>"#,
                if v == 0.0 { " zero" } else { "" },
                frame.w - frame.right
            );
            let _ = write!(
                out,
                r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                y + 4.0,
                esc(&fmt(v))
            );
        } else {
            let _ = write!(
                out,
                r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="start">{}</text>"#,
                frame.w - frame.right + 6.0,
                y + 4.0,
                esc(&fmt(v))
            );
        }
        v += step;
        guard += 1;
    }
}

fn x_labels(out: &mut String, labels: &[String], centre: impl Fn(usize) -> f64) {
    let every = labels.len().div_ceil(8).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % every != 0 && i + 1 != labels.len() {
            continue;
        }
        if i + 1 == labels.len() && i % every != 0 && labels.len() > 8 {
            continue;
        }
        let _ = write!(
            out,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            centre(i),
            H - BOTTOM + 18.0,
            esc(label)
        );
    }
}

fn legend_of(series: &[&Series]) -> Vec<LegendItem> {
    series
        .iter()
        .map(|s| LegendItem {
            label: s.name.clone(),
            class: s.class.to_owned(),
        })
        .collect()
}

/// Bars per label, grouped or stacked, with an optional line over them (same axis), drawn
/// `width` units wide.
#[allow(clippy::too_many_arguments)]
pub fn bars(
    width: f64,
    title: &str,
    labels: &[String],
    series: &[Series],
    mode: BarMode,
    line: Option<&Series>,
    axis: Fmt,
    value: Fmt,
) -> Chart {
    let n = labels.len();
    let all_zero = series
        .iter()
        .chain(line)
        .all(|s| s.values.iter().all(|v| *v == 0.0));
    if n == 0 || all_zero {
        return Chart::empty();
    }
    let at = |s: &Series, i: usize| s.values.get(i).copied().unwrap_or(0.0);
    let (mut min, mut max) = (0.0f64, 0.0f64);
    for i in 0..n {
        match mode {
            BarMode::Grouped => {
                for s in series {
                    min = min.min(at(s, i));
                    max = max.max(at(s, i));
                }
            }
            BarMode::Stacked => {
                let pos: f64 = series.iter().map(|s| at(s, i).max(0.0)).sum();
                let neg: f64 = series.iter().map(|s| at(s, i).min(0.0)).sum();
                min = min.min(neg);
                max = max.max(pos);
            }
        }
        if let Some(l) = line {
            min = min.min(at(l, i));
            max = max.max(at(l, i));
        }
    }
    let (low, high, step) = nice_range(min, max);
    let frame = Frame {
        w: width,
        right: 12.0,
        low,
        high,
    };
    let slot = frame.plot_w() / n as f64;
    let centre = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let mut out = String::new();
    open_svg(&mut out, title, width, H);
    y_axis(&mut out, &frame, step, axis, false);
    for (i, label) in labels.iter().enumerate() {
        match mode {
            BarMode::Grouped => {
                let k = series.len().max(1) as f64;
                let bw = (slot * 0.8 / k).max(1.0);
                for (j, s) in series.iter().enumerate() {
                    let v = at(s, i);
                    let x = LEFT + slot * i as f64 + slot * 0.1 + bw * j as f64;
                    let (y0, y1) = (frame.y(v.max(0.0)), frame.y(v.min(0.0)));
                    let _ = write!(
                        out,
                        r#"<rect class="bar {}" x="{x:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}"><title>{} · {}: {}</title></rect>"#,
                        s.class,
                        (bw - 1.0).max(1.0),
                        (y1 - y0).max(0.5),
                        esc(label),
                        esc(&s.name),
                        esc(&value(v))
                    );
                }
            }
            BarMode::Stacked => {
                let bw = (slot * 0.6).max(1.0);
                let x = centre(i) - bw / 2.0;
                let (mut up, mut down) = (0.0f64, 0.0f64);
                for s in series {
                    let v = at(s, i);
                    if v == 0.0 {
                        continue;
                    }
                    let (from, to) = if v > 0.0 {
                        let r = (up, up + v);
                        up += v;
                        r
                    } else {
                        let r = (down + v, down);
                        down += v;
                        r
                    };
                    let (y0, y1) = (frame.y(to), frame.y(from));
                    let _ = write!(
                        out,
                        r#"<rect class="bar {}" x="{x:.1}" y="{y0:.1}" width="{bw:.1}" height="{:.1}"><title>{} · {}: {}</title></rect>"#,
                        s.class,
                        (y1 - y0).max(0.5),
                        esc(label),
                        esc(&s.name),
                        esc(&value(v.abs()))
                    );
                }
            }
        }
    }
    if let Some(l) = line {
        let points: Vec<String> = (0..n)
            .map(|i| format!("{:.1},{:.1}", centre(i), frame.y(at(l, i))))
            .collect();
        let _ = write!(
            out,
            r#"<polyline class="line {}" points="{}"/>"#,
            l.class,
            points.join(" ")
        );
        for (i, label) in labels.iter().enumerate() {
            let _ = write!(
                out,
                r#"<circle class="dot {}" cx="{:.1}" cy="{:.1}" r="3"><title>{} · {}: {}</title></circle>"#,
                l.class,
                centre(i),
                frame.y(at(l, i)),
                esc(label),
                esc(&l.name),
                esc(&value(at(l, i)))
            );
        }
    }
    x_labels(&mut out, labels, centre);
    out.push_str("</svg>");
    let mut legend: Vec<&Series> = series.iter().collect();
    legend.extend(line);
    Chart {
        svg: out,
        legend: legend_of(&legend),
        empty: false,
    }
}

/// Lines over labels, drawn `width` units wide; `right` series use a second axis on the
/// right with its own format.
pub fn lines(
    width: f64,
    title: &str,
    labels: &[String],
    series: &[Series],
    axis: Fmt,
    value: Fmt,
    right: Option<(&Series, Fmt)>,
) -> Chart {
    let n = labels.len();
    let all_zero = series
        .iter()
        .chain(right.map(|(s, _)| s))
        .all(|s| s.values.iter().all(|v| *v == 0.0));
    if n == 0 || all_zero {
        return Chart::empty();
    }
    let at = |s: &Series, i: usize| s.values.get(i).copied().unwrap_or(0.0);
    let min = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::min);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let (low, high, step) = nice_range(min, max);
    let right_w = if right.is_some() { 48.0 } else { 12.0 };
    let frame = Frame {
        w: width,
        right: right_w,
        low,
        high,
    };
    let x = |i: usize| {
        if n == 1 {
            LEFT + frame.plot_w() / 2.0
        } else {
            LEFT + frame.plot_w() * i as f64 / (n - 1) as f64
        }
    };
    let mut out = String::new();
    open_svg(&mut out, title, width, H);
    y_axis(&mut out, &frame, step, axis, false);
    let draw = |out: &mut String, s: &Series, f: &Frame, fmt: Fmt| {
        let points: Vec<String> = (0..n)
            .map(|i| format!("{:.1},{:.1}", x(i), f.y(at(s, i))))
            .collect();
        let _ = write!(
            out,
            r#"<polyline class="line {}" points="{}"/>"#,
            s.class,
            points.join(" ")
        );
        for (i, label) in labels.iter().enumerate() {
            let _ = write!(
                out,
                r#"<circle class="dot {}" cx="{:.1}" cy="{:.1}" r="2.5"><title>{} · {}: {}</title></circle>"#,
                s.class,
                x(i),
                f.y(at(s, i)),
                esc(label),
                esc(&s.name),
                esc(&fmt(at(s, i)))
            );
        }
    };
    for s in series {
        draw(&mut out, s, &frame, value);
    }
    if let Some((s, fmt)) = right {
        let rmin = s.values.iter().copied().fold(0.0, f64::min);
        let rmax = s.values.iter().copied().fold(0.0, f64::max);
        let (rlow, rhigh, rstep) = nice_range(rmin, rmax);
        let rframe = Frame {
            w: width,
            right: right_w,
            low: rlow,
            high: rhigh,
        };
        y_axis(&mut out, &rframe, rstep, fmt, true);
        draw(&mut out, s, &rframe, fmt);
    }
    x_labels(&mut out, labels, x);
    out.push_str("</svg>");
    let mut legend: Vec<&Series> = series.iter().collect();
    legend.extend(right.map(|(s, _)| s));
    Chart {
        svg: out,
        legend: legend_of(&legend),
        empty: false,
    }
}

/// A donut of `slices` (label, value, colour class) with two lines of text in the centre.
pub fn donut(
    title: &str,
    slices: &[(String, f64, String)],
    centre_value: &str,
    centre_label: &str,
    value: Fmt,
) -> Chart {
    let total: f64 = slices.iter().map(|s| s.1.max(0.0)).sum();
    if total <= 0.0 {
        return Chart::empty();
    }
    let (cx, cy, r) = (110.0, 110.0, 80.0);
    let circumference = 2.0 * std::f64::consts::PI * r;
    let mut out = String::new();
    open_svg(&mut out, title, 220.0, 220.0);
    let _ = write!(
        out,
        r#"<circle class="donut-track" cx="{cx}" cy="{cy}" r="{r}"/>"#
    );
    let mut offset = 0.0;
    for (label, v, class) in slices {
        if *v <= 0.0 {
            continue;
        }
        let len = v / total * circumference;
        let _ = write!(
            out,
            r#"<circle class="slice {class}" cx="{cx}" cy="{cy}" r="{r}" stroke-dasharray="{len:.2} {:.2}" stroke-dashoffset="{:.2}" transform="rotate(-90 {cx} {cy})"><title>{}: {} ({:.1}%)</title></circle>"#,
            circumference - len,
            -offset,
            esc(label),
            esc(&value(*v)),
            v / total * 100.0
        );
        offset += len;
    }
    let _ = write!(
        out,
        r#"<text class="donut-value" x="{cx}" y="{:.1}" text-anchor="middle">{}</text><text class="donut-label" x="{cx}" y="{:.1}" text-anchor="middle">{}</text></svg>"#,
        cy + 2.0,
        esc(centre_value),
        cy + 22.0,
        esc(centre_label)
    );
    Chart {
        svg: out,
        legend: slices
            .iter()
            .map(|(label, v, class)| LegendItem {
                label: format!("{label} · {}", value(*v)),
                class: class.clone(),
            })
            .collect(),
        empty: false,
    }
}

/// Horizontal bars: (label, value, shown text, colour class), scaled to `max`, drawn `width`
/// units wide.
pub fn hbars(width: f64, title: &str, rows: &[(String, f64, String, String)], max: f64) -> Chart {
    if rows.is_empty() || rows.iter().all(|r| r.1 <= 0.0) {
        return Chart::empty();
    }
    let max = if max > 0.0 { max } else { 1.0 };
    let row_h = 30.0;
    let label_w = 150.0;
    let value_w = 90.0;
    let height = rows.len() as f64 * row_h + 8.0;
    let bar_w = width - label_w - value_w;
    let mut out = String::new();
    open_svg(&mut out, title, width, height);
    for (i, (label, v, shown, class)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let w = (v.max(0.0) / max * bar_w).max(if *v > 0.0 { 2.0 } else { 0.0 });
        let short: String = if label.chars().count() > 20 {
            format!("{}…", label.chars().take(19).collect::<String>())
        } else {
            label.clone()
        };
        let _ = write!(
            out,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="track" x="{label_w}" y="{:.1}" width="{bar_w:.1}" height="18" rx="3"/><rect class="bar {class}" x="{label_w}" y="{:.1}" width="{w:.1}" height="18" rx="3"><title>{}: {}</title></rect><text class="axis value" x="{:.1}" y="{:.1}">{}</text>"#,
            label_w - 8.0,
            y + 14.0,
            esc(&short),
            y + 2.0,
            y + 2.0,
            esc(label),
            esc(shown),
            label_w + bar_w + 8.0,
            y + 14.0,
            esc(shown)
        );
    }
    out.push_str("</svg>");
    Chart {
        svg: out,
        legend: Vec::new(),
        empty: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(v: f64) -> String {
        format!("${v:.0}")
    }

    #[test]
    fn nice_ranges_cover_the_data_with_round_steps() {
        assert_eq!(nice_range(0.0, 95.0), (0.0, 100.0, 25.0));
        assert_eq!(nice_range(0.0, 0.0), (0.0, 1.0, 0.25));
        let (low, high, step) = nice_range(-30.0, 70.0);
        assert!(low <= -30.0 && high >= 70.0 && step > 0.0);
    }

    #[test]
    fn charts_escape_text_and_report_empty_data() {
        let labels = vec!["<Q1>".to_owned(), "Q2".to_owned()];
        let chart = bars(
            HALF,
            "Revenue & more",
            &labels,
            &[Series::new("p50", "c1", vec![1.0, 2.0])],
            BarMode::Grouped,
            None,
            money,
            money,
        );
        assert!(!chart.empty);
        assert!(chart.svg.contains("&lt;Q1&gt;"));
        assert!(chart.svg.contains("Revenue &amp; more"));
        assert!(!chart.svg.contains("<Q1>"));
        assert!(chart.svg.contains("<title>"));
        let empty = bars(
            HALF,
            "x",
            &labels,
            &[Series::new("p50", "c1", vec![0.0, 0.0])],
            BarMode::Stacked,
            None,
            money,
            money,
        );
        assert!(empty.empty);
        assert!(donut("d", &[], "0", "total", money).empty);
        assert!(
            hbars(
                HALF,
                "h",
                &[("a".into(), 0.0, "0".into(), "c1".into())],
                0.0
            )
            .empty
        );
    }
}
