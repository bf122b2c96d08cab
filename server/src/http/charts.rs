//! Charts drawn on the server as SVG: bars (grouped or stacked) and lines over time, and a strip
//! of states. Every chart is plain markup with presentation attributes (no inline styles, so the
//! pages' security policy holds), a `<title>` for screen readers, and sits beside the table it
//! draws: the figures are always readable as text too.

use std::fmt::Write;

/// Colours that stay apart for the common kinds of colour blindness (Okabe–Ito).
pub const BLUE: &str = "#0072b2";
pub const GREEN: &str = "#009e73";
pub const ORANGE: &str = "#e69f00";
pub const RED: &str = "#d55e00";
pub const SKY: &str = "#56b4e9";
pub const PURPLE: &str = "#cc79a7";
pub const GREY: &str = "#9ca3af";

/// Text as SVG text content or attribute value.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

/// A round number at least `max` for an axis's top (1, 2, 2.5, 5 × 10ⁿ), and a round step
/// for four or five gridlines.
fn axis(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.2);
    }
    let mag = 10f64.powf(max.log10().floor());
    for (m, lines) in [(1.0, 5.0), (2.0, 4.0), (2.5, 5.0), (5.0, 5.0), (10.0, 5.0)] {
        let top = m * mag;
        if top >= max {
            return (top, top / lines);
        }
    }
    (10.0 * mag, 2.0 * mag)
}

/// A number as an axis writes it: `1.200`, `2,5`.
fn tick(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        super::desk::thousands(v.max(0.0) as u64)
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

/// One series of a chart.
#[derive(Debug)]
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
    pub values: Vec<f64>,
}

const W: f64 = 720.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;

fn open(out: &mut String, id: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{}\" viewBox=\"0 0 {W} {height}\" \
         role=\"img\" aria-labelledby=\"{}-title\" font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"{}-title\">{}</title>",
        esc(id),
        esc(id),
        esc(id),
        esc(title)
    );
}

/// Gridlines and their values, from 0 to `top` by `step`, over a plot of `plot_h` below `TOP`.
fn grid(out: &mut String, top: f64, step: f64, plot_h: f64) {
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let y = TOP + plot_h - v / top * plot_h;
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e5e7eb\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#374151\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            tick(v)
        );
        v += step;
    }
}

/// The series' names with their colours, under the plot from `y` on; a row that would run
/// past the right edge goes on the next. The height it took.
fn key(out: &mut String, items: &[(&str, &str)], y: f64) -> f64 {
    let (mut x, mut y) = (LEFT, y);
    let start = y;
    for (colour, name) in items {
        let w = 24.0 + 6.6 * name.chars().count() as f64;
        if x > LEFT && x + w > W - RIGHT {
            x = LEFT;
            y += 18.0;
        }
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\" stroke=\"#9ca3af\" stroke-width=\"0.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#111827\">{}</text>",
            y - 10.0,
            esc(colour),
            x + 16.0,
            y,
            esc(name)
        );
        x += w;
    }
    y - start + 18.0
}

/// How many rows [`key`] takes for `items`.
fn key_rows(items: &[(&str, &str)]) -> f64 {
    let (mut x, mut rows) = (LEFT, 1.0);
    for (_, name) in items {
        let w = 24.0 + 6.6 * name.chars().count() as f64;
        if x > LEFT && x + w > W - RIGHT {
            x = LEFT;
            rows += 1.0;
        }
        x += w;
    }
    rows
}

fn legend(out: &mut String, series: &[Series<'_>], y: f64) {
    let items: Vec<(&str, &str)> = series.iter().map(|s| (s.colour, s.name)).collect();
    key(out, &items, y);
}

fn legend_rows(series: &[Series<'_>]) -> f64 {
    let items: Vec<(&str, &str)> = series.iter().map(|s| (s.colour, s.name)).collect();
    key_rows(&items)
}

/// Bars for each category: the series side by side, or stacked.
pub fn bars(
    id: &str,
    title: &str,
    categories: &[String],
    series: &[Series<'_>],
    stacked: bool,
) -> String {
    let plot_h = 220.0;
    let label_h = 64.0;
    let height = TOP + plot_h + label_h + 6.0 + 18.0 * legend_rows(series);
    let n = categories.len().max(1);
    let total = |i: usize| -> f64 {
        series
            .iter()
            .map(|s| s.values.get(i).copied().unwrap_or(0.0))
            .sum()
    };
    let max = (0..n)
        .map(|i| {
            if stacked {
                total(i)
            } else {
                series
                    .iter()
                    .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                    .fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let (top, step) = axis(max);
    let mut out = String::new();
    open(&mut out, id, title, height);
    grid(&mut out, top, step, plot_h);
    let slot = (W - LEFT - RIGHT) / n as f64;
    let group = slot * 0.7;
    let per = if stacked {
        group
    } else {
        group / series.len().max(1) as f64
    };
    for (i, cat) in categories.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + (slot - group) / 2.0;
        let mut base = 0.0;
        for (j, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0).max(0.0);
            let h = v / top * plot_h;
            let (x, y) = if stacked {
                (x0, TOP + plot_h - (base + v) / top * plot_h)
            } else {
                (x0 + per * j as f64, TOP + plot_h - h)
            };
            if v > 0.0 {
                let _ = write!(
                    out,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\">\
                     <title>{} · {}: {}</title></rect>",
                    (per - 1.0).max(1.0),
                    esc(s.colour),
                    esc(cat),
                    esc(s.name),
                    tick(v)
                );
            }
            base += v;
        }
        // Long names are cut on the axis; the table beside the chart has them whole.
        let short: String = if cat.chars().count() > 14 {
            cat.chars().take(13).chain(['…']).collect()
        } else {
            cat.clone()
        };
        let cx = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#374151\" \
             transform=\"rotate(-35 {cx:.1} {:.1})\">{}</text>",
            TOP + plot_h + 14.0,
            TOP + plot_h + 14.0,
            esc(&short)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#374151\"/>",
        W - RIGHT,
        TOP + plot_h,
        TOP + plot_h
    );
    legend(&mut out, series, TOP + plot_h + label_h + 12.0);
    out.push_str("</svg>");
    out
}

/// Lines over `x` from `x_min` to `x_max` (e.g. Unix seconds), with `x_ticks` labelled; a
/// series' `NaN` is a gap (no data).
pub fn lines(
    id: &str,
    title: &str,
    x: &[f64],
    (x_min, x_max): (f64, f64),
    x_ticks: &[(f64, String)],
    series: &[Series<'_>],
) -> String {
    let plot_h = 160.0;
    let height = TOP + plot_h + 34.0 + 18.0 * legend_rows(series);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (top, step) = axis(max);
    let span = (x_max - x_min).max(1.0);
    let px = |v: f64| LEFT + (v - x_min) / span * (W - LEFT - RIGHT);
    let py = |v: f64| TOP + plot_h - v.max(0.0) / top * plot_h;
    let mut out = String::new();
    open(&mut out, id, title, height);
    grid(&mut out, top, step, plot_h);
    for (t, label) in x_ticks {
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#374151\"/>\
             <text x=\"{0:.1}\" y=\"{3:.1}\" text-anchor=\"middle\" fill=\"#374151\">{4}</text>",
            px(*t),
            TOP + plot_h,
            TOP + plot_h + 4.0,
            TOP + plot_h + 18.0,
            esc(label)
        );
    }
    for s in series {
        let mut d = String::new();
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut dots = String::new();
        let flush = |run: &mut Vec<(f64, f64)>, d: &mut String, dots: &mut String| {
            match run.as_slice() {
                [] => {}
                // A lone value between gaps: a dot, or it would not show.
                [(x, y)] => {
                    let _ = write!(
                        dots,
                        "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{}\"/>",
                        esc(s.colour)
                    );
                }
                points => {
                    for (i, (x, y)) in points.iter().enumerate() {
                        let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
                    }
                }
            }
            run.clear();
        };
        for (xv, yv) in x.iter().zip(&s.values) {
            if yv.is_finite() {
                run.push((px(*xv), py(*yv)));
            } else {
                flush(&mut run, &mut d, &mut dots);
            }
        }
        flush(&mut run, &mut d, &mut dots);
        if !d.is_empty() {
            let _ = write!(
                out,
                "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
                esc(s.colour)
            );
        }
        out.push_str(&dots);
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#374151\"/>",
        W - RIGHT,
        TOP + plot_h,
        TOP + plot_h
    );
    legend(&mut out, series, TOP + plot_h + 44.0);
    out.push_str("</svg>");
    out
}

/// A strip of states over time: each `(from, to, colour, what)` a band; nothing where no state
/// is known (a silent kiosk).
pub fn strip(
    id: &str,
    title: &str,
    (x_min, x_max): (f64, f64),
    bands: &[(f64, f64, &str, String)],
    key: &[(&str, &str)],
) -> String {
    let height = 44.0 + 18.0 * key_rows(key);
    let span = (x_max - x_min).max(1.0);
    let px = |v: f64| LEFT + (v.clamp(x_min, x_max) - x_min) / span * (W - LEFT - RIGHT);
    let mut out = String::new();
    open(&mut out, id, title, height);
    let _ = write!(
        out,
        "<rect x=\"{LEFT}\" y=\"8\" width=\"{:.1}\" height=\"20\" fill=\"#f3f4f6\"/>",
        W - LEFT - RIGHT
    );
    for (from, to, colour, what) in bands {
        let (a, b) = (px(*from), px(*to));
        let _ = write!(
            out,
            "<rect x=\"{a:.1}\" y=\"8\" width=\"{:.1}\" height=\"20\" fill=\"{}\"><title>{}</title></rect>",
            (b - a).max(1.0),
            esc(colour),
            esc(what)
        );
    }
    self::key(&mut out, key, 50.0);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers_above_the_largest_value() {
        assert_eq!(axis(0.0), (1.0, 0.2));
        assert_eq!(axis(3.0), (5.0, 1.0));
        assert_eq!(axis(7.0), (10.0, 2.0));
        assert_eq!(axis(120.0), (200.0, 50.0));
        assert_eq!(axis(230.0), (250.0, 50.0));
        assert_eq!(axis(f64::NAN), (1.0, 0.2));
        for m in [0.3, 1.0, 9.9, 10.0, 11.0, 999.0, 1e12] {
            let (top, step) = axis(m);
            assert!(top >= m && step > 0.0 && top / step <= 5.0, "{m}");
        }
    }

    #[test]
    fn a_chart_escapes_its_text_and_holds_each_value() {
        let svg = bars(
            "c",
            "<b>",
            &["A & B".into(), "Sở Tư pháp".into()],
            &[Series {
                name: "Đúng hạn",
                colour: GREEN,
                values: vec![3.0, 12.0],
            }],
            false,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;b&gt;") && svg.contains("A &amp; B"));
        assert_eq!(svg.matches("<rect x=").count() - 1, 2, "two bars and a key");
        assert!(
            !svg.contains("style="),
            "no inline style: the CSP forbids it"
        );
        let svg = lines(
            "l",
            "t",
            &[0.0, 1.0, 2.0],
            (0.0, 2.0),
            &[],
            &[Series {
                name: "s",
                colour: BLUE,
                values: vec![1.0, f64::NAN, 3.0],
            }],
        );
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "lone values between gaps are dots"
        );
        assert!(!svg.contains("<path"), "no line across a gap");
    }
}
