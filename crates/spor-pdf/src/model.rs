//! The data handed to the Typst template as `/data.json`. All numbers are
//! formatted here (Danish formats), so the template only places strings.

use serde::Serialize;
use spor_report::tables;
use spor_stats::{Report, Row, Table};

use crate::danish::{format_count, format_datetime};
use crate::{Meta, PdfError, Section};

/// Tables with more value columns than this are printed turned (years as rows).
const MAX_WIDE_COLUMNS: usize = 9;

#[derive(Debug, Serialize)]
pub(crate) struct Document {
    title: String,
    cover_title: String,
    year: i32,
    publisher: String,
    description: String,
    keywords: Vec<String>,
    date: DateParts,
    generated: String,
    last_change: String,
    footer_note: String,
    cover_note: String,
    cover_facts: Vec<KeyFigure>,
    labels: Labels,
    sections: Vec<SectionData>,
    /// The closing page's line in the contents.
    closing_entry: ContentsEntry,
    closing: Closing,
}

#[derive(Debug, Serialize)]
struct ContentsEntry {
    level: u8,
    title: &'static str,
    headline: &'static str,
}

#[derive(Debug, Serialize)]
struct DateParts {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

/// A key figure on the cover: "112" over "personer vurderet udsat for menneskehandel".
#[derive(Debug, Serialize)]
struct KeyFigure {
    value: String,
    label: String,
}

#[derive(Debug, Serialize)]
struct Labels {
    key_figures: &'static str,
    last_change: &'static str,
    generated: &'static str,
    contents: &'static str,
    publisher: &'static str,
}

#[derive(Debug, Serialize)]
struct SectionData {
    id: String,
    /// 1 = chapter (opens a page), 2 = subsection of the chapter before it.
    level: u8,
    /// Short title for the contents.
    title: String,
    new_page: bool,
    kicker: Option<String>,
    headline: String,
    paragraphs: Vec<String>,
    chart: Option<ChartData>,
    tables: Vec<TableData>,
}

#[derive(Debug, Serialize)]
struct ChartData {
    path: String,
    caption: String,
    alt: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TableData {
    title: String,
    /// Header of the label column.
    stub: String,
    columns: Vec<String>,
    rows: Vec<RowData>,
    nested: bool,
    total: Option<Vec<String>>,
    total_label: &'static str,
    /// `plain`; `halves` (a long narrow table split in two halves side by
    /// side); `columns` (flowing through two page columns, for tables longer
    /// than a page).
    layout: &'static str,
    /// Long enough to break across pages (short tables stay whole, with their caption).
    breakable: bool,
    /// A note under the table (what "–" and "·" mean), if it needs one.
    note: Option<String>,
    /// The counting rule from the table's definition, in Danish.
    rule: Option<String>,
}

/// Rows of a table that may break across pages; shorter ones are kept whole.
const BREAKABLE_ROWS: usize = 24;
/// Rows from which a narrow table (one or two value columns) is set in two columns.
const TWO_COLUMN_ROWS: usize = 17;
/// Rows up to which two halves side by side fit on one page.
const HALVES_MAX_ROWS: usize = 70;

impl TableData {
    fn with_layout(mut self) -> Self {
        let unknown = self
            .rows
            .iter()
            .any(|r| r.values.iter().any(|v| v == UNKNOWN))
            || self.total.iter().flatten().any(|v| v == UNKNOWN);
        self.note = unknown.then(|| "– betyder, at tallet ikke er opgjort.".to_owned());
        let rows = self.rows.len();
        let narrow = self.columns.len() <= 2;
        (self.layout, self.breakable) = if self.nested {
            ("columns", true)
        } else if narrow && (TWO_COLUMN_ROWS..=HALVES_MAX_ROWS).contains(&rows) {
            ("halves", false)
        } else if narrow && rows > HALVES_MAX_ROWS {
            ("columns", true)
        } else {
            ("plain", rows > BREAKABLE_ROWS)
        };
        self
    }
}

#[derive(Debug, Serialize)]
struct RowData {
    label: String,
    values: Vec<String>,
    level: usize,
    /// On the first row of a top-level group of a nested table: the rows in
    /// the group (the row and all its descendants), kept together on a page.
    group: usize,
}

#[derive(Debug, Serialize)]
struct Closing {
    headline: &'static str,
    parts: Vec<ClosingPart>,
}

#[derive(Debug, Serialize)]
struct ClosingPart {
    heading: &'static str,
    paragraphs: Vec<String>,
    items: Vec<&'static str>,
}

/// In-memory files: a virtual path and its bytes.
pub(crate) type Files = Vec<(&'static str, Vec<u8>)>;

/// The template's data and the chart files it refers to.
pub(crate) fn document(
    report: &Report,
    sections: &[Section],
    meta: &Meta,
) -> Result<(Document, Files), PdfError> {
    let year = report.year;
    let mut charts = Vec::new();
    let mut section_data = Vec::with_capacity(sections.len());
    for (i, section) in sections.iter().enumerate() {
        let chart = section.chart.as_ref().map(|chart| {
            let path = chart_path(charts.len());
            charts.push((path, chart.svg.clone().into_bytes()));
            // PDF/UA requires a text alternative for every image.
            let alt = [&chart.desc, &chart.caption, &section.headline]
                .into_iter()
                .find(|text| !text.trim().is_empty())
                .map_or_else(|| "Diagram".to_owned(), |text| text.clone());
            ChartData {
                path: path.to_owned(),
                caption: chart.caption.clone(),
                alt,
            }
        });
        let tables = section
            .tables
            .iter()
            .map(|id| {
                report
                    .tables
                    .get(id)
                    .map(|t| table_data(report, id, t))
                    .ok_or_else(|| PdfError::UnknownTable {
                        year,
                        section: section.id.clone(),
                        table: id.clone(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        section_data.push(SectionData {
            id: section.id.clone(),
            level: section.level.clamp(1, 2),
            title: section.title.clone(),
            // Every chapter but the first opens a page, as in the printed edition.
            new_page: i > 0 && section.level <= 1,
            kicker: (section.level <= 1).then(|| section.title.clone()),
            // An empty heading is not allowed in a tagged PDF.
            headline: if section.headline.trim().is_empty() {
                section.title.clone()
            } else {
                section.headline.clone()
            },
            paragraphs: section
                .paragraphs
                .iter()
                .filter(|p| !p.trim().is_empty())
                .cloned()
                .collect(),
            chart,
            tables,
        });
    }

    let title = spor_report::title(year);
    let publisher = meta.centre.clone();
    let generated = format_datetime(meta.generated_at);
    let last_change = meta
        .last_change
        .map(format_datetime)
        .unwrap_or_else(|| "ingen ændringer registreret".to_owned());
    let at = meta.generated_at;
    let about = spor_report::about(report, &publisher);
    let (about_title, about_headline) = (about.title, about.headline);
    use chrono::{Datelike, Timelike};
    let document = Document {
        cover_title: spor_report::title(year),
        description: format!(
            "{publisher}s årlige oversigt over personer vurderet udsat for menneskehandel \
             i Danmark i {year}: henvendelser, udredninger, udnyttelsesformer, køn, alder, \
             nationalitet og forberedte hjemsendelser."
        ),
        keywords: vec![
            "menneskehandel".to_owned(),
            "statistik".to_owned(),
            year.to_string(),
        ],
        date: DateParts {
            year: at.year(),
            month: at.month(),
            day: at.day(),
            hour: at.hour(),
            minute: at.minute(),
            second: at.second(),
        },
        footer_note: format!("Registerets seneste ændring: {last_change}"),
        cover_note: format!(
            "Alle tal er opgjort af Spor direkte fra {publisher}s register efter de \
             optællingsregler, der er beskrevet bagest i oversigten. Udgivet af {publisher}.{}",
            report
                .disclosure_note
                .as_ref()
                .map_or_else(String::new, |n| format!(" {n}"))
        ) + &report
            .fact_revisions()
            .iter()
            .map(|r| format!(" {}", r.note))
            .collect::<String>(),
        cover_facts: key_figures(report),
        labels: Labels {
            key_figures: "Året i tal",
            last_change: "Registerets seneste ændring",
            generated: "Dannet",
            contents: "Indhold",
            publisher: "Udgiver",
        },
        title,
        year,
        closing: closing(about),
        publisher,
        generated,
        last_change,
        sections: section_data,
        closing_entry: ContentsEntry {
            level: 1,
            title: about_title,
            headline: about_headline,
        },
    };
    Ok((document, charts))
}

/// The cover's key figures: the same figures and words as the HTML edition's
/// ([`spor_report::key_figures`]).
fn key_figures(report: &Report) -> Vec<KeyFigure> {
    spor_report::key_figures(report)
        .into_iter()
        .map(|k| KeyFigure {
            value: format_count(k.value),
            label: k.label.to_owned(),
        })
        .collect()
}

/// Paths of chart files: a small fixed set, because Typst interns file ids
/// for the life of the process.
fn chart_path(i: usize) -> &'static str {
    const PATHS: [&str; 24] = [
        "/charts/0.svg",
        "/charts/1.svg",
        "/charts/2.svg",
        "/charts/3.svg",
        "/charts/4.svg",
        "/charts/5.svg",
        "/charts/6.svg",
        "/charts/7.svg",
        "/charts/8.svg",
        "/charts/9.svg",
        "/charts/10.svg",
        "/charts/11.svg",
        "/charts/12.svg",
        "/charts/13.svg",
        "/charts/14.svg",
        "/charts/15.svg",
        "/charts/16.svg",
        "/charts/17.svg",
        "/charts/18.svg",
        "/charts/19.svg",
        "/charts/20.svg",
        "/charts/21.svg",
        "/charts/22.svg",
        "/charts/23.svg",
    ];
    PATHS.get(i).copied().unwrap_or("/charts/overflow.svg")
}

/// An en dash marks a figure that is not known for that column.
const UNKNOWN: &str = "–";

fn cell(value: Option<u64>) -> String {
    value.map_or_else(|| UNKNOWN.to_owned(), format_count)
}

/// The counting rule printed under table `id`.
fn rule_da(id: &str) -> Option<String> {
    spor_stats::describe::definition_of(id).map(|d| format!("Sådan tælles: {}", d.da))
}

pub(crate) fn table_data(report: &Report, id: &str, table: &Table) -> TableData {
    let nested = tables::is_nested(table);
    let columns: Vec<String> = table
        .columns
        .iter()
        .zip(&table.column_keys)
        .map(|(label, key)| {
            if key == "count" && label.trim().is_empty() {
                "Antal".to_owned()
            } else {
                label.clone()
            }
        })
        .collect();
    let with_total = tables::shows_total(id, table);
    if !nested && columns.len() > MAX_WIDE_COLUMNS {
        let mut data = turned(table, &columns, with_total);
        data.rule = rule_da(id);
        return revised_marked(hidden_marked(data, table, true), report, id, table, true);
    }
    let mut rows = Vec::new();
    flatten(&table.rows, 0, &mut rows);
    // The same rule as the HTML edition: no total for a single row, nor for
    // the hotline table, whose second row is part of the first.
    let total = with_total.then(|| table.total.iter().copied().map(cell).collect());
    let data = TableData {
        title: table.title.clone(),
        stub: tables::stub_header(id).to_owned(),
        columns,
        rows,
        nested,
        total,
        total_label: "I alt",
        layout: "plain",
        breakable: false,
        note: None,
        rule: rule_da(id),
    }
    .with_layout();
    revised_marked(hidden_marked(data, table, false), report, id, table, false)
}

/// Figures revised since an earlier release show "*" after the number, listed in a note
/// under the table ([`Report::revision_note`]), as in the HTML edition.
fn revised_marked(
    mut data: TableData,
    report: &Report,
    id: &str,
    table: &Table,
    turned: bool,
) -> TableData {
    let Some(note) = report.revision_note(id) else {
        return data;
    };
    let total_row = tables::flat_len(&table.rows);
    for rev in report.revisions_of(id) {
        let (Some(r), Some(c)) = (
            rev.row,
            rev.column
                .as_ref()
                .and_then(|k| table.column_keys.iter().position(|x| x == k)),
        ) else {
            continue;
        };
        let target = if !turned && r == total_row {
            data.total.as_mut().and_then(|t| t.get_mut(c))
        } else {
            let (row, col) = if turned { (c, r) } else { (r, c) };
            data.rows.get_mut(row).and_then(|x| x.values.get_mut(col))
        };
        if let Some(v) = target {
            v.push_str(spor_stats::REVISED_MARK);
        }
    }
    data.note = Some(match data.note.take() {
        Some(n) => format!("{n} {note}"),
        None => note,
    });
    data
}

/// Cells hidden for confidentiality (public profile) show "·", with a note under the table.
/// `rows` of `data` are the table's rows in reading order (children after their parent) or,
/// `turned`, its columns.
fn hidden_marked(mut data: TableData, table: &Table, turned: bool) -> TableData {
    if table.suppressed.is_empty() {
        return data;
    }
    let total_row = tables::flat_len(&table.rows);
    for &[r, c] in &table.suppressed {
        let (row, col) = if turned { (c, r) } else { (r, c) };
        let target = if !turned && r == total_row {
            data.total.as_mut().and_then(|t| t.get_mut(c))
        } else {
            data.rows.get_mut(row).and_then(|x| x.values.get_mut(col))
        };
        if let Some(v) = target {
            *v = tables::HIDDEN.to_owned();
        }
    }
    let hidden = "· betyder, at tallet er skjult af hensyn til fortrolighed (se forsiden).";
    data.note = Some(match data.note.take() {
        Some(n) => format!("{n} {hidden}"),
        None => hidden.to_owned(),
    });
    data
}

fn flatten(rows: &[Row], level: usize, out: &mut Vec<RowData>) {
    for row in rows {
        let first = out.len();
        out.push(RowData {
            label: row.label.clone(),
            values: row.values.iter().copied().map(cell).collect(),
            level,
            group: 0,
        });
        flatten(&row.children, level + 1, out);
        if level == 0 && !row.children.is_empty() {
            out[first].group = out.len() - first;
        }
    }
}

/// A wide table (e.g. every year since 2007) turned: one row per column.
fn turned(table: &Table, columns: &[String], with_total: bool) -> TableData {
    let mut header: Vec<String> = table.rows.iter().map(|r| r.label.clone()).collect();
    if header.len() == 1 {
        header[0] = "Antal".to_owned();
    }
    if with_total {
        header.push("I alt".to_owned());
    }
    let rows = columns
        .iter()
        .enumerate()
        .map(|(c, label)| {
            let mut values: Vec<String> = table
                .rows
                .iter()
                .map(|r| cell(r.values.get(c).copied().flatten()))
                .collect();
            if with_total {
                values.push(cell(table.total.get(c).copied().flatten()));
            }
            RowData {
                label: label.clone(),
                values,
                level: 0,
                group: 0,
            }
        })
        .collect();
    TableData {
        title: table.title.clone(),
        stub: "År".to_owned(),
        columns: header,
        rows,
        nested: false,
        total: None,
        total_label: "I alt",
        layout: "plain",
        breakable: false,
        note: None,
        rule: None,
    }
    .with_layout()
}

/// "Om tallene" as the closing page: the same text as the HTML's annex and the XLSX's
/// first sheet ([`spor_report::about`]).
///
/// The key figures' counting rules close it ([`spor_report::edition::FACTS_TITLE`]), in
/// Danish, one paragraph each.
fn closing(about: spor_report::About) -> Closing {
    let mut parts: Vec<ClosingPart> = about
        .parts
        .into_iter()
        .map(|p| ClosingPart {
            heading: p.heading,
            paragraphs: p.paragraphs,
            items: p.items,
        })
        .collect();
    parts.push(ClosingPart {
        heading: spor_report::edition::FACTS_TITLE,
        paragraphs: spor_stats::describe::fact_definitions()
            .into_iter()
            .map(|f| format!("{}: {}", f.label.da, f.rule.da))
            .collect(),
        items: Vec::new(),
    });
    Closing {
        headline: about.headline,
        parts,
    }
}
