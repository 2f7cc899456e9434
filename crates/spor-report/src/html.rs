//! The HTML edition: one self-contained Danish file (inline CSS and SVG, no external
//! request), laid out as a publication with a print stylesheet.
//!
//! Rendered by an askama template compiled into the binary (`templates/overview.html`),
//! which escapes every value; the only unescaped insertions are the charts' SVG, which
//! [`crate::svg`] builds with its own escaping.

use crate::sections::{Section, sections};
use crate::tables;
use crate::{Meta, Result, format, title};
use askama::Template;
use spor_stats::{Report, Row, Table};

/// Renders the whole edition of `report` as one HTML document.
///
/// Errors: [`crate::Error::Empty`] when the year has no data ([`crate::has_data`]; a year without
/// data), [`crate::Error::Template`] if the template fails.
pub fn render(report: &Report, meta: &Meta) -> Result<String> {
    if !crate::has_data(report) {
        return Err(crate::Error::Empty { year: report.year });
    }
    let page = page(report, meta);
    Ok(page.render()?)
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Page {
    title: String,
    year: i32,
    centre: String,
    generated: String,
    last_change: String,
    key_figures: Vec<KeyFigure>,
    /// One sentence per revised headline figure.
    revised_facts: Vec<String>,
    sections: Vec<SectionView>,
    about: crate::About,
    /// How each key figure is counted, in Danish and English.
    fact_rules: Vec<spor_stats::describe::FactDefinition>,
    facts_title: &'static str,
    extra_tables: Vec<TableView>,
}

struct KeyFigure {
    value: String,
    label: &'static str,
}

struct SectionView {
    id: String,
    number: String,
    level: u8,
    title: String,
    headline: String,
    paragraphs: Vec<String>,
    chart: Option<ChartView>,
    tables: Vec<TableView>,
}

struct ChartView {
    number: usize,
    caption: String,
    svg: String,
    table_id: String,
}

struct TableView {
    id: String,
    number: usize,
    caption: String,
    stub: String,
    headers: Vec<String>,
    groups: Vec<Vec<RowView>>,
    total: Option<Vec<String>>,
    nested: bool,
    /// The disclosure footnote when the table has hidden cells ("·").
    note: Option<String>,
    /// The revised figures ("*"), when any is.
    revised: Option<String>,
    /// The counting rule from the table's definition (Danish, English).
    rule: Option<spor_stats::describe::Definition>,
}

struct RowView {
    depth: usize,
    label: String,
    cells: Vec<String>,
}

fn page(report: &Report, meta: &Meta) -> Page {
    let secs = sections(report);
    let mut figure_no = 0;
    let mut table_no = 0;
    let mut chapter = 0;
    let mut sub = 0;
    let mut shown = Vec::new();
    let mut views = Vec::new();
    for s in &secs {
        let number = if s.level <= 1 {
            chapter += 1;
            sub = 0;
            format!("{chapter}")
        } else {
            sub += 1;
            format!("{chapter}.{sub}")
        };
        views.push(section_view(
            report,
            s,
            number,
            &mut figure_no,
            &mut table_no,
        ));
        shown.extend(s.tables.iter().cloned());
    }
    // Tables no section shows (added by a newer engine) still appear, in an annex.
    let extra_tables = tables::ordered(report)
        .into_iter()
        .filter(|(id, _)| !shown.iter().any(|s| s == id))
        .map(|(id, t)| {
            table_no += 1;
            table_view(report, id, t, table_no)
        })
        .collect();
    let key_figures = crate::key_figures(report)
        .into_iter()
        .map(|k| KeyFigure {
            value: format::int(k.value),
            label: k.label,
        })
        .collect();
    Page {
        title: title(report.year),
        year: report.year,
        centre: meta.centre.clone(),
        generated: meta.generated_at_da(),
        last_change: meta.last_change_da(),
        key_figures,
        revised_facts: report
            .fact_revisions()
            .iter()
            .map(|r| r.note.clone())
            .collect(),
        sections: views,
        about: crate::about(report, &meta.centre),
        fact_rules: spor_stats::describe::fact_definitions(),
        facts_title: crate::edition::FACTS_TITLE,
        extra_tables,
    }
}

fn section_view(
    report: &Report,
    s: &Section,
    number: String,
    figure_no: &mut usize,
    table_no: &mut usize,
) -> SectionView {
    let chart = s.chart.as_ref().map(|c| {
        *figure_no += 1;
        ChartView {
            number: *figure_no,
            caption: c.caption.clone(),
            svg: c.svg.clone(),
            table_id: format!("tabel-{}", c.table),
        }
    });
    let tables = s
        .tables
        .iter()
        .filter_map(|id| {
            let t = report.tables.get(id)?;
            *table_no += 1;
            Some(table_view(report, id, t, *table_no))
        })
        .collect();
    SectionView {
        id: s.id.clone(),
        number,
        level: s.level,
        title: s.title.clone(),
        headline: s.headline.clone(),
        paragraphs: s.paragraphs.clone(),
        chart,
        tables,
    }
}

/// The cells of one table row (`flat` in reading order) of table `id`.
struct Cells<'a> {
    report: &'a Report,
    id: &'a str,
    t: &'a Table,
}

impl Cells<'_> {
    fn of(&self, flat: usize, values: &[Option<u64>]) -> Vec<String> {
        values
            .iter()
            .enumerate()
            .map(|(c, v)| tables::marked_cell_text(self.report, self.id, self.t, flat, c, *v))
            .collect()
    }
}

fn flatten(cells: &Cells<'_>, row: &Row, depth: usize, flat: &mut usize, out: &mut Vec<RowView>) {
    out.push(RowView {
        depth,
        label: row.label.clone(),
        cells: cells.of(*flat, &row.values),
    });
    *flat += 1;
    for c in &row.children {
        flatten(cells, c, depth + 1, flat, out);
    }
}

fn table_view(report: &Report, id: &str, t: &Table, number: usize) -> TableView {
    let nested = tables::is_nested(t);
    let cells = Cells { report, id, t };
    let mut flat = 0;
    let groups = if nested {
        t.rows
            .iter()
            .map(|r| {
                let mut g = Vec::new();
                flatten(&cells, r, 0, &mut flat, &mut g);
                g
            })
            .collect()
    } else {
        vec![
            t.rows
                .iter()
                .enumerate()
                .map(|(i, r)| RowView {
                    depth: 0,
                    label: r.label.clone(),
                    cells: cells.of(i, &r.values),
                })
                .collect(),
        ]
    };
    TableView {
        id: format!("tabel-{id}"),
        number,
        caption: t.title.clone(),
        stub: tables::stub_header(id).to_string(),
        headers: t.columns.clone(),
        groups,
        total: tables::shows_total(id, t).then(|| cells.of(tables::flat_len(&t.rows), &t.total)),
        nested,
        note: tables::hidden_note(report, t),
        revised: report.revision_note(id),
        rule: spor_stats::describe::definition_of(id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn meta() -> Meta {
        Meta::new(
            chrono::Utc.with_ymd_and_hms(2024, 2, 1, 9, 30, 0).unwrap(),
            Some(chrono::Utc.with_ymd_and_hms(2024, 1, 31, 15, 0, 0).unwrap()),
        )
    }

    #[test]
    fn a_report_without_victims_is_an_error_not_an_empty_page() {
        let report = Report {
            year: 2031,
            tables: Default::default(),
            facts: Default::default(),
            disclosure_note: None,
            revisions: Vec::new(),
        };
        let err = render(&report, &meta()).unwrap_err();
        assert!(err.to_string().contains("2031"), "{err}");
    }

    #[test]
    fn a_year_without_victims_interviews_or_calls_is_an_error_even_with_history() {
        let mut report = crate::sample::report_2023();
        report.facts = Default::default();
        for t in report.tables.values_mut() {
            // Earlier years keep their (history) counts; the year itself is zero.
            let year_col = t.column_keys.iter().position(|k| k == "2023");
            for r in &mut t.rows {
                match year_col {
                    Some(c) => r.values[c] = Some(0),
                    None => r.values.iter_mut().for_each(|v| *v = Some(0)),
                }
                r.children.clear();
            }
        }
        assert!(matches!(
            render(&report, &meta()),
            Err(crate::Error::Empty { year: 2023 })
        ));
    }

    #[test]
    fn labels_are_escaped_in_the_html() {
        let mut report = crate::sample::report_2023();
        let t = report.tables.get_mut("victims_by_referral").unwrap();
        t.rows[0].label = "Politi <script>alert(1)</script> & co".into();
        let html = render(&report, &meta()).unwrap();
        assert!(!html.contains("<script>alert(1)"));
        assert!(
            html.contains("Politi &#60;script&#62;alert(1)&#60;/script&#62; &#38; co")
                || html.contains("Politi &lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
        );
    }
}
