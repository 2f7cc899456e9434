//! Charts drawn by hand as SVG: the same markup goes inline into the HTML edition and, as a
//! vector image, into the PDF edition (Typst), so a chart is identical in both.
//!
//! Every chart has `role="img"`, an `aria-labelledby` pointing at its `<title>` and
//! `<desc>` (the desc lists the data, so a screen reader gets the numbers), Danish number
//! format, "nice" axis ticks, XML-escaped text, and category labels that wrap instead of
//! running out of the picture. The palette steps in lightness so neighbouring series stay
//! apart in greyscale print; line series also differ by dash pattern and marker shape.
//! The font is named concretely (Typst ignores generic families).

use crate::format;
use std::fmt::Write as _;

/// Font stack: the face the PDF edition bundles first, then common fallbacks.
pub const FONT_FAMILY: &str =
    "'Source Sans 3', 'Source Sans Pro', 'Noto Sans', 'DejaVu Sans', Arial, sans-serif";

/// Series colours: navy, orange, teal, sand, plum, light blue. Ordered so that neighbours
/// differ by at least 57 of 255 grey levels (58, 159, 102, 180, 74, 180) and stay apart in
/// greyscale print; hues stay apart for readers with red-green colour blindness.
pub const PALETTE: [&str; 6] = [
    "#1d3f6e", "#e0913a", "#2f7f78", "#c9b47c", "#7a2e5e", "#8cc0e0",
];

/// Dash patterns for line series (solid first), so lines differ without colour.
const DASHES: [&str; 6] = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"];

const WIDTH: f64 = 640.0;
const FS: f64 = 12.0;
const TEXT: &str = "#1f1f1f";
const MUTED: &str = "#555555";
const GRID: &str = "#dcdcdc";

/// The accessible name and description of a chart, and an id prefix unique in the page.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartText {
    pub id: String,
    pub title: String,
    pub desc: String,
}

/// One data series of a multi-series chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<u64>>,
}

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Estimated width of `s` at `size` px (Source Sans is narrower; this errs on the wide side
/// so a fallback font still fits).
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.56
}

/// Greedy word wrap to at most `max_chars` per line; a word longer than a line is split
/// with a hyphen.
pub fn wrap(label: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(4);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in label.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > max_chars {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            let head: String = word.chars().take(max_chars - 1).collect();
            let tail: String = word.chars().skip(max_chars - 1).collect();
            lines.push(format!("{head}-"));
            word = tail;
        }
        let extra = if cur.is_empty() { 0 } else { 1 };
        if cur.chars().count() + extra + word.chars().count() > max_chars {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Axis ticks 0, step, 2·step … top ≥ `max`, with a 1-2-5 step giving about `target` ticks.
pub fn nice_ticks(max: u64, target: u64) -> Vec<u64> {
    let max = max.max(1);
    let raw = (max as f64 / target.max(1) as f64).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let step = (step.round() as u64).max(1);
    let top = max.div_ceil(step) * step;
    (0..=top / step).map(|i| i * step).collect()
}

fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A tiny SVG writer: every text and attribute passes through [`escape`].
struct Doc {
    out: String,
}

impl Doc {
    fn new(text: &ChartText, height: f64) -> Doc {
        let mut out = String::new();
        let id = escape(&text.id);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" aria-labelledby=\"{id}-title {id}-desc\" \
             font-family=\"{font}\" font-size=\"{fs}\" fill=\"{TEXT}\">\
             <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>",
            w = num(WIDTH),
            h = num(height),
            font = escape(FONT_FAMILY),
            fs = num(FS),
            title = escape(&text.title),
            desc = escape(&text.desc),
        );
        Doc { out }
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, extra: &str) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{extra}/>",
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            escape(fill)
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str) {
        let _ = write!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            escape(stroke)
        );
    }

    /// Text; `anchor` is start, middle or end.
    fn text(&mut self, x: f64, y: f64, s: &str, anchor: &str, attrs: &str) {
        let _ = write!(
            self.out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"{attrs}>{}</text>",
            num(x),
            num(y),
            escape(s)
        );
    }

    /// Several lines of text centred vertically on `cy`.
    fn text_lines(&mut self, x: f64, cy: f64, lines: &[String], anchor: &str, lh: f64) {
        let first = cy - (lines.len() as f64 - 1.0) * lh / 2.0 + FS * 0.35;
        for (i, l) in lines.iter().enumerate() {
            self.text(x, first + i as f64 * lh, l, anchor, "");
        }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// Legend items laid out in rows across the width; returns the height used.
fn legend(
    doc: &mut Doc,
    names: &[String],
    y: f64,
    marker: impl Fn(&mut Doc, usize, f64, f64),
) -> f64 {
    let mut x = 8.0;
    let mut row_y = y;
    for (i, name) in names.iter().enumerate() {
        let w = 22.0 + text_width(name, FS) + 18.0;
        if x + w > WIDTH - 8.0 && x > 8.0 {
            x = 8.0;
            row_y += 20.0;
        }
        marker(doc, i, x, row_y);
        doc.text(x + 22.0, row_y + FS * 0.35, name, "start", "");
        x += w;
    }
    row_y - y + 20.0
}

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Text colour readable on a palette colour.
fn ink_on(fill: &str) -> &'static str {
    match fill {
        "#1d3f6e" | "#7a2e5e" | "#2f7f78" => "#ffffff",
        _ => TEXT,
    }
}

/// Vertical value axis: gridlines and tick labels; returns a value → y mapping's scale.
struct YAxis {
    top: f64,
    bottom: f64,
    max: f64,
}

impl YAxis {
    fn y(&self, v: f64) -> f64 {
        self.bottom - (v / self.max) * (self.bottom - self.top)
    }
}

fn y_axis(doc: &mut Doc, left: f64, right: f64, top: f64, bottom: f64, max: u64) -> YAxis {
    let ticks = nice_ticks(max, 5);
    let axis = YAxis {
        top,
        bottom,
        max: *ticks.last().unwrap_or(&1) as f64,
    };
    for t in &ticks {
        let y = axis.y(*t as f64);
        doc.line(left, y, right, y, if *t == 0 { MUTED } else { GRID });
        doc.text(
            left - 6.0,
            y + FS * 0.35,
            &format::int(*t),
            "end",
            &format!(" fill=\"{MUTED}\""),
        );
    }
    axis
}

fn data_desc(labels: &[String], values: &[Option<u64>]) -> String {
    labels
        .iter()
        .zip(values)
        .map(|(l, v)| {
            format!(
                "{l}: {}",
                v.map(format::int).unwrap_or_else(|| "ikke kendt".into())
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A description of the data for screen readers: "2020: 223; 2021: 273; …".
pub fn describe(labels: &[String], values: &[Option<u64>]) -> String {
    data_desc(labels, values)
}

/// A description of several series: "Kvinder: 2022: 48; 2023: 76. Mænd: …".
pub fn describe_series(labels: &[String], series: &[Series]) -> String {
    series
        .iter()
        .map(|s| format!("{}: {}.", s.name, data_desc(labels, &s.values)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Vertical bars, one per category (years), with the value above each bar. The last bar
/// (the edition's year) is emphasised.
pub fn vertical_bars(text: &ChartText, labels: &[String], values: &[Option<u64>]) -> String {
    grouped_bars(
        text,
        labels,
        &[Series {
            name: String::new(),
            values: values.to_vec(),
        }],
    )
}

/// Vertical bars grouped by category, one bar per series (with a legend for two or more).
pub fn grouped_bars(text: &ChartText, labels: &[String], series: &[Series]) -> String {
    let single = series.len() == 1;
    let legend_h = if single { 0.0 } else { 28.0 };
    let height = 300.0 + legend_h;
    let mut doc = Doc::new(text, height);
    if !single {
        let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
        legend(&mut doc, &names, 12.0, |d, i, x, y| {
            d.rect(x, y - 6.0, 14.0, 12.0, colour(i), "");
        });
    }
    let (left, right, top, bottom) = (44.0, WIDTH - 8.0, 22.0 + legend_h, height - 28.0);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0);
    let axis = y_axis(&mut doc, left, right, top, bottom, max);
    let n = labels.len().max(1) as f64;
    let band = (right - left) / n;
    let group_w = band * if single { 0.68 } else { 0.8 };
    let bar_w = group_w / series.len().max(1) as f64;
    let value_fs = if bar_w < 22.0 { 10.0 } else { 11.0 };
    for (i, label) in labels.iter().enumerate() {
        let x0 = left + band * i as f64 + (band - group_w) / 2.0;
        for (s, ser) in series.iter().enumerate() {
            let fill = if single && i + 1 < labels.len() {
                "#5b7fa8"
            } else {
                colour(s)
            };
            let x = x0 + bar_w * s as f64;
            match ser.values.get(i).copied().flatten() {
                Some(v) => {
                    let y = axis.y(v as f64);
                    doc.rect(x + 0.5, y, bar_w - 1.0, bottom - y, fill, "");
                    doc.text(
                        x + bar_w / 2.0,
                        y - 4.0,
                        &format::int(v),
                        "middle",
                        &format!(" font-size=\"{}\"", num(value_fs)),
                    );
                }
                None => doc.text(
                    x + bar_w / 2.0,
                    bottom - 4.0,
                    "–",
                    "middle",
                    &format!(" fill=\"{MUTED}\""),
                ),
            }
        }
        let fs = if band < 30.0 { 10.0 } else { FS };
        doc.text(
            left + band * (i as f64 + 0.5),
            bottom + 16.0,
            label,
            "middle",
            &format!(" font-size=\"{}\"", num(fs)),
        );
    }
    doc.finish()
}

/// Horizontal bars for categories, largest first as given, with the value after each bar.
/// Long labels wrap onto several lines (the row grows) instead of overflowing.
pub fn horizontal_bars(text: &ChartText, items: &[(String, u64)]) -> String {
    horizontal_bars_with_rest(text, items, None)
}

/// [`horizontal_bars`] with a last, grey bar for the categories not shown one by one
/// ("Øvrige 23 lande").
pub fn horizontal_bars_with_rest(
    text: &ChartText,
    shown: &[(String, u64)],
    rest: Option<(String, u64)>,
) -> String {
    let n_shown = shown.len();
    let items: Vec<(String, u64)> = shown.iter().cloned().chain(rest).collect();
    let items = items.as_slice();
    let label_w = items
        .iter()
        .map(|(l, _)| text_width(l, FS))
        .fold(60.0, f64::max)
        .min(230.0);
    let max_chars = (label_w / (FS * 0.56)).floor() as usize;
    let wrapped: Vec<Vec<String>> = items.iter().map(|(l, _)| wrap(l, max_chars)).collect();
    let lh = FS + 2.0;
    let rows: Vec<f64> = wrapped
        .iter()
        .map(|w| (w.len() as f64 * lh + 8.0).max(24.0))
        .collect();
    let height = rows.iter().sum::<f64>() + 16.0;
    let mut doc = Doc::new(text, height);
    let left = 8.0 + label_w + 8.0;
    let right = WIDTH - 48.0;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let mut y = 8.0;
    for (i, ((_, v), lines)) in items.iter().zip(&wrapped).enumerate() {
        let h = rows[i];
        let cy = y + h / 2.0;
        doc.text_lines(left - 8.0, cy, lines, "end", lh);
        let w = (*v as f64 / max) * (right - left);
        let bar_h = 16.0f64.min(h - 6.0);
        let fill = if i < n_shown { colour(0) } else { "#9a9a9a" };
        doc.rect(left, cy - bar_h / 2.0, w, bar_h, fill, "");
        doc.text(
            left + w + 5.0,
            cy + FS * 0.35,
            &format::int(*v),
            "start",
            "",
        );
        y += h;
    }
    doc.line(left, 6.0, left, y + 2.0, MUTED);
    doc.finish()
}

/// Lines over years, one per series, with markers and dash patterns that tell series
/// apart in greyscale, and a legend on top.
pub fn lines(text: &ChartText, labels: &[String], series: &[Series]) -> String {
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    // Measure the legend first on a scratch document to know its height.
    let mut scratch = Doc::new(text, 0.0);
    let legend_h = legend(&mut scratch, &names, 12.0, |_, _, _, _| {});
    let height = 300.0 + legend_h;
    let mut doc = Doc::new(text, height);
    legend(&mut doc, &names, 12.0, |d, i, x, y| {
        line_stroke(d, i, &[(x, y), (x + 16.0, y)]);
        marker(d, i, x + 8.0, y);
    });
    let (left, right, top, bottom) = (44.0, WIDTH - 12.0, 16.0 + legend_h, height - 28.0);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0);
    let axis = y_axis(&mut doc, left, right, top, bottom, max);
    let n = labels.len().max(1) as f64;
    let band = (right - left) / n;
    let x_of = |i: usize| left + band * (i as f64 + 0.5);
    for (i, label) in labels.iter().enumerate() {
        let fs = if band < 30.0 { 10.0 } else { FS };
        doc.text(
            x_of(i),
            bottom + 16.0,
            label,
            "middle",
            &format!(" font-size=\"{}\"", num(fs)),
        );
    }
    for (s, ser) in series.iter().enumerate() {
        // A gap (unknown year) breaks the line.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, v) in ser.values.iter().enumerate() {
            match v {
                Some(v) => run.push((x_of(i), axis.y(*v as f64))),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for r in &runs {
            line_stroke(&mut doc, s, r);
            for (x, y) in r {
                marker(&mut doc, s, *x, *y);
            }
        }
    }
    doc.finish()
}

fn line_stroke(doc: &mut Doc, s: usize, pts: &[(f64, f64)]) {
    if pts.len() < 2 {
        return;
    }
    let points: Vec<String> = pts
        .iter()
        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
        .collect();
    let dash = DASHES[s % DASHES.len()];
    let dash = if dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dash}\"")
    };
    let _ = write!(
        doc.out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash}/>",
        points.join(" "),
        colour(s)
    );
}

/// Marker shapes by series: circle, square, triangle, diamond, ring, cross.
fn marker(doc: &mut Doc, s: usize, x: f64, y: f64) {
    let c = colour(s);
    let _ = match s % 6 {
        0 => write!(
            doc.out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{c}\"/>",
            num(x),
            num(y)
        ),
        1 => write!(
            doc.out,
            "<rect x=\"{}\" y=\"{}\" width=\"6\" height=\"6\" fill=\"{c}\"/>",
            num(x - 3.0),
            num(y - 3.0)
        ),
        2 => write!(
            doc.out,
            "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{c}\"/>",
            num(x),
            num(y - 4.0),
            num(x + 4.0),
            num(y + 3.0),
            num(x - 4.0),
            num(y + 3.0)
        ),
        3 => write!(
            doc.out,
            "<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" fill=\"{c}\"/>",
            num(x),
            num(y - 4.0),
            num(x + 4.0),
            num(y),
            num(x),
            num(y + 4.0),
            num(x - 4.0),
            num(y)
        ),
        4 => write!(
            doc.out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"#ffffff\" stroke=\"{c}\" stroke-width=\"1.5\"/>",
            num(x),
            num(y)
        ),
        _ => write!(
            doc.out,
            "<path d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{c}\" stroke-width=\"1.5\"/>",
            num(x - 3.0),
            num(y - 3.0),
            num(x + 3.0),
            num(y + 3.0),
            num(x - 3.0),
            num(y + 3.0),
            num(x + 3.0),
            num(y - 3.0)
        ),
    };
}

/// Horizontal stacked bars: one bar per category (e.g. gender), one segment per series
/// (e.g. form), value inside a segment where it fits, the bar's total after it.
pub fn stacked_bars(text: &ChartText, categories: &[String], series: &[Series]) -> String {
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    let mut scratch = Doc::new(text, 0.0);
    let legend_h = legend(&mut scratch, &names, 12.0, |_, _, _, _| {});
    let label_w = categories
        .iter()
        .map(|l| text_width(l, FS))
        .fold(40.0, f64::max)
        .min(200.0);
    let max_chars = (label_w / (FS * 0.56)).floor() as usize;
    let wrapped: Vec<Vec<String>> = categories.iter().map(|l| wrap(l, max_chars)).collect();
    let lh = FS + 2.0;
    let rows: Vec<f64> = wrapped
        .iter()
        .map(|w| (w.len() as f64 * lh + 12.0).max(34.0))
        .collect();
    let height = legend_h + 16.0 + rows.iter().sum::<f64>() + 8.0;
    let mut doc = Doc::new(text, height);
    legend(&mut doc, &names, 12.0, |d, i, x, y| {
        d.rect(x, y - 6.0, 14.0, 12.0, colour(i), "");
    });
    let left = 8.0 + label_w + 8.0;
    let right = WIDTH - 48.0;
    let totals: Vec<u64> = (0..categories.len())
        .map(|c| {
            series
                .iter()
                .map(|s| s.values.get(c).copied().flatten().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut y = legend_h + 16.0;
    for (c, lines) in wrapped.iter().enumerate() {
        let h = rows[c];
        let cy = y + h / 2.0;
        doc.text_lines(left - 8.0, cy, lines, "end", lh);
        let bar_h = 22.0f64.min(h - 8.0);
        let mut x = left;
        for (s, ser) in series.iter().enumerate() {
            let v = ser.values.get(c).copied().flatten().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let w = v as f64 / max * (right - left);
            doc.rect(
                x,
                cy - bar_h / 2.0,
                w,
                bar_h,
                colour(s),
                " stroke=\"#ffffff\" stroke-width=\"1\"",
            );
            let label = format::int(v);
            if text_width(&label, 11.0) + 4.0 <= w {
                doc.text(
                    x + w / 2.0,
                    cy + 11.0 * 0.35,
                    &label,
                    "middle",
                    &format!(" font-size=\"11\" fill=\"{}\"", ink_on(colour(s))),
                );
            }
            x += w;
        }
        doc.text(
            x + 5.0,
            cy + FS * 0.35,
            &format::int(totals[c]),
            "start",
            " font-weight=\"bold\"",
        );
        y += h;
    }
    doc.line(left, legend_h + 12.0, left, y, MUTED);
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> ChartText {
        ChartText {
            id: "t".into(),
            title: "Titel & <test>".into(),
            desc: "Beskrivelse".into(),
        }
    }

    #[test]
    fn nice_ticks_use_round_steps_and_cover_the_maximum() {
        assert_eq!(nice_ticks(112, 5), vec![0, 25, 50, 75, 100, 125]);
        assert_eq!(nice_ticks(503, 5), vec![0, 200, 400, 600]);
        assert_eq!(nice_ticks(3, 5), vec![0, 1, 2, 3]);
        assert_eq!(nice_ticks(0, 5), vec![0, 1]);
        assert_eq!(nice_ticks(1233, 5), vec![0, 250, 500, 750, 1000, 1250]);
    }

    #[test]
    fn wrap_keeps_lines_short_and_splits_overlong_words() {
        let long = "Kommunal myndighedsudøvelse på børne- og ungeområdet i Region Hovedstaden";
        let lines = wrap(long, 30);
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        let letters = |s: &str| s.replace(['-', ' '], "");
        assert_eq!(letters(&lines.concat()), letters(long), "no letter lost");
        assert_eq!(
            wrap("Socialbedrageriområdet", 10),
            vec!["Socialbed-", "rageriomr-", "ådet"]
        );
        assert_eq!(wrap("Politi", 30), vec!["Politi"]);
    }

    #[test]
    fn neighbouring_palette_colours_differ_in_greyscale() {
        let grey = |c: &str| {
            let v = |i: usize| u8::from_str_radix(&c[i..i + 2], 16).unwrap() as f64;
            0.299 * v(1) + 0.587 * v(3) + 0.114 * v(5)
        };
        for pair in PALETTE.windows(2) {
            let d = (grey(pair[0]) - grey(pair[1])).abs();
            assert!(d >= 50.0, "{pair:?} differ by only {d:.0} grey levels");
        }
    }

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn charts_escape_their_title_and_carry_accessible_names() {
        let svg = vertical_bars(
            &text(),
            &["2022".into(), "2023".into()],
            &[Some(73), Some(112)],
        );
        assert!(svg.contains("<title id=\"t-title\">Titel &amp; &lt;test&gt;</title>"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"t-title t-desc\""));
        assert!(svg.contains(">112</text>"));
    }
}
