//! The numbers an HTML edition shows, as a reader gets them (for [`crate::attack`]).
//!
//! The HTML edition (`spor-report`'s template) prints each table as `<table
//! id="tabel-ID">` with a row per `<tr>` (a nested table's children in reading order, the
//! total row in `<tfoot>`) and a cell per `<td>` ("·" hidden, "–" not known); the cover's key
//! figures as `<span class="value">` beside `<span class="label">`; and numbers in running
//! text: sentences, headings, captions, list items, row labels and the charts' SVG labels.
//! [`read`] takes all of them; [`unexplained`] lists the numbers in text that no published
//! figure gives.
//!
//! A number in text is *explained* when it is a year, an age (`18-24 år`), a table or figure
//! number, or follows from the JSON edition's published figures: one of them, the difference
//! of two, the number of rows of a table, or a percentage of two (whole or one decimal,
//! either way of rounding). Anything else could be a hidden figure (or a sum of hidden
//! ones) stated in words, and the edition is refused.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use spor_stats::{Report, Row};

/// One `<td>` of a table: the row's key path (empty for the total row), the column and its
/// number (`None`: hidden or not known).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub path: Vec<String>,
    pub col: usize,
    pub value: Option<u64>,
}

/// A table as printed: its body rows' cell texts, and the total row's if printed.
pub type Printed = (Vec<Vec<String>>, Option<Vec<String>>);

/// What [`read`] takes from an HTML edition.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Per table id, its cells mapped onto the JSON edition's rows (see [`read`]).
    pub tables: BTreeMap<String, Vec<Cell>>,
    /// Raw rows per table id as printed: body rows, then the total row last if printed.
    pub raw: BTreeMap<String, Printed>,
    /// Cover key figures: fact name and value.
    pub key_figures: Vec<(String, u64)>,
    /// Numbers in text, with the text they stand in.
    pub text: Vec<(f64, String)>,
}

enum Tok<'a> {
    Open(String, &'a str),
    Close(String),
    Text(&'a str),
}

fn tokens(html: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {
                if let Some(body) = rest.strip_prefix("<!--") {
                    let end = body.find("-->").map_or(body.len(), |e| e + 3);
                    rest = &body[end..];
                    continue;
                }
                let Some(end) = rest.find('>') else {
                    break;
                };
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if tag.starts_with('!') || tag.starts_with('?') {
                    continue;
                }
                if let Some(name) = tag.strip_prefix('/') {
                    out.push(Tok::Close(name.trim().to_ascii_lowercase()));
                } else {
                    let (name, attrs) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
                    let name = name.trim_end_matches('/').to_ascii_lowercase();
                    let selfclosing = tag.ends_with('/')
                        || matches!(
                            name.as_str(),
                            "meta"
                                | "link"
                                | "br"
                                | "hr"
                                | "img"
                                | "input"
                                | "col"
                                | "area"
                                | "base"
                                | "wbr"
                                | "source"
                        );
                    out.push(Tok::Open(name.clone(), attrs));
                    if selfclosing {
                        out.push(Tok::Close(name));
                    }
                }
            }
            Some(i) => {
                out.push(Tok::Text(&rest[..i]));
                rest = &rest[i..];
            }
            None => {
                out.push(Tok::Text(rest));
                rest = "";
            }
        }
    }
    out
}

fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let pat = format!("{name}=\"");
    let start = attrs.find(&pat)? + pat.len();
    let end = attrs[start..].find('"')? + start;
    Some(&attrs[start..end])
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let c = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => ent
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A cell's text as a count: Danish thousands separators, a revised figure's mark ("74*")
/// after it; `None` for "·", "–" or words.
fn count_of(text: &str) -> Option<u64> {
    let t: String = text
        .trim()
        .trim_end_matches(spor_stats::REVISED_MARK)
        .chars()
        .filter(|c| *c != '.')
        .collect();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

const WORDS: &[(&str, u64)] = &[
    ("to", 2),
    ("tre", 3),
    ("fire", 4),
    ("fem", 5),
    ("seks", 6),
    ("syv", 7),
    ("otte", 8),
    ("ni", 9),
    ("ti", 10),
    ("elleve", 11),
    ("tolv", 12),
];

/// Numbers in a piece of running text: digits (Danish thousands separators, decimal comma)
/// and the number words two to twelve. Skipped: years (four digits from 1900 to 2100), ages
/// (`18-24 år`, `under 25 år`), table and figure numbers, and the words of a fraction or a
/// multiple ("to tredjedele", "ni ud af ti", "tre gange så").
fn numbers_in(text: &str) -> Vec<f64> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    let clean = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    for (i, w) in words.iter().enumerate() {
        let prev = i
            .checked_sub(1)
            .map(|p| clean(words[p]))
            .unwrap_or_default();
        let prev2 = i
            .checked_sub(2)
            .map(|p| clean(words[p]))
            .unwrap_or_default();
        let next = words.get(i + 1).map(|n| clean(n)).unwrap_or_default();
        let next2 = words.get(i + 2).map(|n| clean(n)).unwrap_or_default();
        if prev == "tabel" || prev == "figur" || next == "år" || (next2 == "år" && w.ends_with('-'))
        {
            continue;
        }
        let ratio = next == "gange"
            || next.ends_with("del")
            || next.ends_with("dele")
            || (next == "ud" && next2 == "af")
            || (prev2 == "ud" && prev == "af");
        let lw = clean(w);
        if let Some(&(_, n)) = WORDS.iter().find(|(word, _)| *word == lw) {
            if !ratio {
                out.push(n as f64);
            }
            continue;
        }
        // Digits, possibly several in one word ("18-24", "2022-2023").
        for part in w.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')) {
            let part = part.trim_matches(|c| c == '.' || c == ',');
            if part.is_empty() || !part.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            let (whole, frac) = part.split_once(',').unwrap_or((part, ""));
            let whole_ok = whole
                .split('.')
                .enumerate()
                .all(|(k, g)| (k == 0 && !g.is_empty() && g.len() <= 3) || g.len() == 3);
            let digits: String = whole.chars().filter(|c| *c != '.').collect();
            let Ok(mut x) = (if whole_ok || !whole.contains('.') {
                digits.parse::<f64>()
            } else {
                // "11.28" (a time) is not a Danish number: take it as two.
                continue;
            }) else {
                continue;
            };
            if !frac.is_empty()
                && let Ok(f) = format!("0.{frac}").parse::<f64>()
            {
                x += f;
            }
            let year = frac.is_empty() && (1900.0..=2100.0).contains(&x) && digits.len() == 4;
            if year || ratio {
                continue;
            }
            out.push(x);
        }
    }
    out
}

/// Reads the numbers of an HTML edition and maps its tables onto `report`'s (the JSON
/// edition it was rendered from). A table whose printed rows do not line up with the JSON
/// edition's is kept in [`Page::raw`] only, and its cells count as text.
pub fn read(html: &str, report: &Report) -> Page {
    let mut page = Page::default();
    // Skipped subtrees: style, script, nav, footer, the kicker above a heading, and the
    // counting rule under a table (fixed text from its definition, no figure).
    let mut skip: Vec<String> = Vec::new();
    let mut table: Option<String> = None;
    let mut in_tfoot = false;
    let mut row: Option<Vec<String>> = None;
    let mut td: Option<String> = None;
    let mut body: Vec<Vec<String>> = Vec::new();
    let mut total: Option<Vec<String>> = None;
    let mut key_value: Option<String> = None;
    let mut capture: Option<(&'static str, String)> = None;
    let mut text = String::new();
    let flush = |text: &mut String, page: &mut Page| {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for n in numbers_in(&t) {
            let context: String = t.chars().take(120).collect();
            page.text.push((n, context));
        }
        text.clear();
    };
    for tok in tokens(html) {
        match tok {
            Tok::Open(name, attrs) => {
                let class = attr(attrs, "class").unwrap_or("");
                if !skip.is_empty() {
                    skip.push(name);
                    continue;
                }
                if matches!(
                    name.as_str(),
                    "style" | "script" | "nav" | "footer" | "head"
                ) || class.split(' ').any(|c| c == "kicker" || c == "table-rule")
                {
                    flush(&mut text, &mut page);
                    skip.push(name);
                    continue;
                }
                match name.as_str() {
                    "table" => {
                        flush(&mut text, &mut page);
                        table = attr(attrs, "id")
                            .and_then(|i| i.strip_prefix("tabel-"))
                            .map(str::to_owned);
                        body.clear();
                        total = None;
                    }
                    "tfoot" => in_tfoot = true,
                    "tr" if table.is_some() => row = Some(Vec::new()),
                    "td" if row.is_some() => {
                        flush(&mut text, &mut page);
                        td = Some(String::new());
                    }
                    "span" if class == "value" => capture = Some(("value", String::new())),
                    "span" if class == "label" => capture = Some(("label", String::new())),
                    "p" | "li" | "h1" | "h2" | "h3" | "figcaption" | "caption" | "text" | "th"
                    | "title" | "desc" | "div" => flush(&mut text, &mut page),
                    _ => {}
                }
            }
            Tok::Close(name) => {
                if !skip.is_empty() {
                    skip.pop();
                    continue;
                }
                match name.as_str() {
                    "td" => {
                        if let (Some(t), Some(r)) = (td.take(), row.as_mut()) {
                            r.push(unescape(&t));
                        }
                    }
                    "tr" => {
                        // The header row has no `<td>`.
                        if let Some(r) = row.take().filter(|r| !r.is_empty()) {
                            if in_tfoot {
                                total = Some(r);
                            } else {
                                body.push(r);
                            }
                        }
                    }
                    "tfoot" => in_tfoot = false,
                    "table" => {
                        if let Some(id) = table.take() {
                            page.raw
                                .insert(id, (std::mem::take(&mut body), total.take()));
                        }
                    }
                    "span" => match capture.take() {
                        Some(("value", v)) => key_value = Some(v),
                        Some((_, label)) => {
                            if let Some(v) = key_value.take().and_then(|v| count_of(&unescape(&v)))
                            {
                                let label = unescape(&label);
                                match key_fact(&label) {
                                    Some(f) => page.key_figures.push((f.to_owned(), v)),
                                    None => page.text.push((v as f64, label)),
                                }
                            }
                        }
                        None => {}
                    },
                    "p" | "li" | "h1" | "h2" | "h3" | "figcaption" | "caption" | "text" | "th"
                    | "title" | "desc" | "div" => flush(&mut text, &mut page),
                    _ => {}
                }
            }
            Tok::Text(t) => {
                if !skip.is_empty() {
                    continue;
                }
                if let Some(cell) = td.as_mut() {
                    cell.push_str(t);
                } else if let Some((_, c)) = capture.as_mut() {
                    c.push_str(t);
                } else {
                    text.push_str(&unescape(t));
                    text.push(' ');
                }
            }
        }
    }
    flush(&mut text, &mut page);
    map_tables(report, &mut page);
    page
}

/// The fact a cover key figure states, by its label.
fn key_fact(label: &str) -> Option<&'static str> {
    let l = label.to_lowercase();
    if l.contains("vurderet udsat") {
        Some("victims")
    } else if l.contains("udredt") {
        Some("assessed_persons")
    } else if l.contains("opkald") {
        Some("hotline_calls")
    } else if l.contains("nationalitet") {
        Some("nationalities")
    } else {
        None
    }
}

/// Maps the printed rows of each table onto `report`'s rows: in reading order, children
/// after their row when the table prints them (as many rows as the JSON table has rows in
/// all), top-level rows only otherwise; the `<tfoot>` row is the total row.
fn map_tables(report: &Report, page: &mut Page) {
    fn walk(rows: &[Row], path: &mut Vec<String>, deep: bool, out: &mut Vec<Vec<String>>) {
        for r in rows {
            path.push(r.key.clone());
            out.push(path.clone());
            if deep {
                walk(&r.children, path, deep, out);
            }
            path.pop();
        }
    }
    for (id, (body, total)) in &page.raw {
        let Some(t) = report.tables.get(id) else {
            continue;
        };
        let mut deep = Vec::new();
        walk(&t.rows, &mut Vec::new(), true, &mut deep);
        let paths = if deep.len() == body.len() {
            deep
        } else {
            let mut top = Vec::new();
            walk(&t.rows, &mut Vec::new(), false, &mut top);
            if top.len() != body.len() {
                for r in body.iter().chain(total) {
                    for c in r {
                        if let Some(v) = count_of(c) {
                            page.text.push((v as f64, format!("table {id}: {c}")));
                        }
                    }
                }
                continue;
            }
            top
        };
        let mut cells = Vec::new();
        for (path, r) in paths.into_iter().zip(body) {
            for (col, c) in r.iter().enumerate() {
                cells.push(Cell {
                    path: path.clone(),
                    col,
                    value: count_of(c),
                });
            }
        }
        if let Some(r) = total {
            for (col, c) in r.iter().enumerate() {
                cells.push(Cell {
                    path: Vec::new(),
                    col,
                    value: count_of(c),
                });
            }
        }
        page.tables.insert(id.clone(), cells);
    }
}

/// Every number the JSON edition publishes: cells, totals and facts (nested ones too).
fn published(report: &Report) -> BTreeSet<u64> {
    fn rows(out: &mut BTreeSet<u64>, rs: &[Row]) {
        for r in rs {
            out.extend(r.values.iter().flatten());
            rows(out, &r.children);
        }
    }
    fn value(out: &mut BTreeSet<u64>, v: &Value) {
        match v {
            Value::Number(n) => {
                if let Some(x) = n.as_u64() {
                    out.insert(x);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| value(out, x)),
            Value::Object(o) => o.values().for_each(|x| value(out, x)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for t in report.tables.values() {
        rows(&mut out, &t.rows);
        out.extend(t.total.iter().flatten());
        out.insert(t.rows.len() as u64);
        out.insert(tables_len(&t.rows) as u64);
    }
    for v in report.facts.values() {
        value(&mut out, &v);
    }
    // A revised figure's old value was published by an earlier release (and is in this
    // edition's JSON, `revisions`).
    for r in &report.revisions {
        out.insert(r.published);
        out.insert(r.revised);
    }
    out
}

fn tables_len(rows: &[Row]) -> usize {
    rows.iter().map(|r| 1 + tables_len(&r.children)).sum()
}

/// Published decimals (shares in the facts), as printed with one decimal.
fn published_decimals(report: &Report) -> Vec<f64> {
    fn value(out: &mut Vec<f64>, v: &Value) {
        match v {
            Value::Number(n) if n.as_u64().is_none() => {
                if let Some(x) = n.as_f64() {
                    out.push(x.abs());
                }
            }
            Value::Array(a) => a.iter().for_each(|x| value(out, x)),
            Value::Object(o) => o.values().for_each(|x| value(out, x)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for v in report.facts.values() {
        value(&mut out, &v);
    }
    out
}

/// The numbers in the text of `page` that no published figure of `report` gives (see the
/// module docs), each with its text.
pub fn unexplained(report: &Report, page: &Page) -> Vec<(f64, String)> {
    let figures = published(report);
    let decimals = published_decimals(report);
    let list: Vec<u64> = figures.iter().copied().collect();
    let explained = |x: f64| -> bool {
        if x.fract() == 0.0 && x >= 0.0 && figures.contains(&(x as u64)) {
            return true;
        }
        if decimals.iter().any(|d| (d - x).abs() < 0.051) {
            return true;
        }
        // A difference or a percentage of two published figures.
        for &a in &list {
            for &b in &list {
                let (fa, fb) = (a as f64, b as f64);
                if x.fract() == 0.0 && a >= b && (fa - fb - x).abs() < 1e-9 {
                    return true;
                }
                if b > 0 {
                    let p = 100.0 * fa / fb;
                    let q = 100.0 * (fa - fb) / fb;
                    for v in [p, q, -q] {
                        if (v.round() - x).abs() < 1e-9
                            || (v.floor() - x).abs() < 1e-9
                            || ((v * 10.0).round() / 10.0 - x).abs() < 1e-6
                        {
                            return true;
                        }
                    }
                }
            }
        }
        false
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (x, context) in &page.text {
        if !explained(*x) && seen.insert(format!("{x}|{context}")) {
            out.push((*x, context.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_danish_text_are_read_and_years_ages_and_fractions_are_not_counts() {
        let n = numbers_in(
            "I 2023 blev 1.234 personer vurderet udsat, heraf tre under 18 år og 12,5 pct. \
             kvinder; to tredjedele kom fra Tabel 4 og ni ud af ti var 18-24 år.",
        );
        assert_eq!(n, [1234.0, 3.0, 12.5]);
    }

    #[test]
    fn tables_key_figures_and_sentences_are_taken_apart() {
        let html = r#"<html><head><meta charset="utf-8"><style>td { x: 1 }</style></head><body>
            <section class="keyfigures"><div><span class="value">1.120</span><span class="label">personer vurderet udsat for menneskehandel</span></div></section>
            <p class="kicker">2 · Køn</p><p>Syv &amp; 41 kvinder.</p>
            <table id="tabel-t"><caption><b>Tabel 1.</b> T</caption>
            <tbody><tr class="d0"><th>A</th><td>40</td></tr><tr class="d0"><th>B</th><td>·</td></tr></tbody>
            <tfoot><tr><th>I alt</th><td>45</td></tr></tfoot></table>
            <footer><p>Dannet: 25. november 2026 kl. 11.28.</p></footer></body></html>"#;
        let report = Report {
            year: 2023,
            tables: Default::default(),
            facts: Default::default(),
            disclosure_note: None,
            revisions: Vec::new(),
        };
        let page = read(html, &report);
        assert_eq!(page.key_figures, [("victims".to_owned(), 1120)]);
        let (body, total) = &page.raw["t"];
        assert_eq!(body, &[vec!["40".to_owned()], vec!["·".to_owned()]]);
        assert_eq!(total.as_deref(), Some(&["45".to_owned()][..]));
        let nums: Vec<f64> = page.text.iter().map(|t| t.0).collect();
        assert_eq!(nums, [7.0, 41.0]);
    }
}
