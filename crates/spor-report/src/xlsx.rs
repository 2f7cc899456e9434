//! The XLSX edition: a first sheet "Om tallene" (counting rules, the register's last
//! change, generation time, the list of sheets), then one sheet per table, and last
//! "Nøgletal": how each key figure is counted.
//!
//! Each table sheet: the title in row 1, a frozen header in row 2, the rows (children
//! indented), an "I alt" row, `#,##0` number formats (Excel shows them with the reader's
//! separators, 1.233 in a Danish Excel), column widths from the content, and a native Excel
//! chart where the edition has a chart for that table. The total row is a `SUM` formula with
//! its cached result set, so readers that do not recalculate (calamine, previewers) see the
//! number; where the table's total is not the plain sum of its rows (nested tables, unknown
//! cells) the total is written as a value.

use crate::edition::ABOUT_TITLE as ABOUT_SHEET;
use crate::sections::{ChartKind, sections};
use crate::tables::{self, is_nested};
use crate::{Meta, Result, title};
use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartType, DocProperties, ExcelDateTime, Format, FormatAlign,
    Formula, Workbook, Worksheet, XlsxError, utility::row_col_to_cell,
};
use spor_stats::{Report, Row, Table};
use std::collections::HashMap;
use std::path::Path;

/// Writes the workbook to `path`.
pub fn write(report: &Report, meta: &Meta, path: &Path) -> Result<()> {
    let bytes = to_bytes(report, meta)?;
    std::fs::write(path, bytes).map_err(|source| crate::Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The workbook as bytes. The same report and meta give the same bytes (the document's
/// creation time is `meta.generated_at`).
pub fn to_bytes(report: &Report, meta: &Meta) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let created = excel_time(meta.generated_at)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title(report.year))
            .set_author(&meta.centre)
            .set_company(&meta.centre)
            .set_creation_datetime(&created),
    );
    let ordered = tables::ordered(report);
    let names = sheet_names(&ordered.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    let charts: HashMap<String, (ChartKind, String)> = sections(report)
        .into_iter()
        .filter_map(|s| s.chart)
        .map(|c| (c.table, (c.kind, c.caption)))
        .collect();

    let f = Formats::new();
    about_sheet(&mut wb, report, meta, &ordered, &names, &f)?;
    for (id, table) in &ordered {
        let name = &names[*id];
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        let notes = tables::notes(report, id, table);
        table_sheet(ws, id, table, &f, charts.get(*id), name, &notes)?;
    }
    facts_sheet(&mut wb, &f)?;
    Ok(wb.save_to_buffer()?)
}

/// The name of the last sheet: every key figure (fact) with how it is counted.
pub const FACTS_SHEET: &str = "Nøgletal";

/// The sheet "Nøgletal": each fact's name in the JSON edition, its words and its counting
/// rule in Danish and English ([`spor_stats::describe::fact_definitions`]).
fn facts_sheet(wb: &mut Workbook, f: &Formats) -> Result<()> {
    let ws = wb.add_worksheet();
    ws.set_name(FACTS_SHEET)?;
    ws.set_print_fit_to_pages(1, 0);
    ws.write_string_with_format(0, 0, crate::edition::FACTS_TITLE, &f.title)?;
    for (c, (h, w)) in [
        ("Navn", 34.0),
        ("Nøgletal", 36.0),
        ("Sådan tælles", 90.0),
        ("How it is counted", 90.0),
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, h, &f.header)?;
        ws.set_column_width(c as u16, w)?;
    }
    ws.set_freeze_panes(3, 0)?;
    for (i, d) in spor_stats::describe::fact_definitions().iter().enumerate() {
        let row = 3 + i as u32;
        let lines = d
            .rule
            .da
            .chars()
            .count()
            .max(d.rule.en.chars().count())
            .div_ceil(85);
        ws.set_row_height(row, 15.0 * lines.max(1) as f64)?;
        ws.write_string_with_format(row, 0, d.name, &f.code)?;
        ws.write_string_with_format(row, 1, &d.label.da, &f.wrap)?;
        ws.write_string_with_format(row, 2, &d.rule.da, &f.wrap)?;
        ws.write_string_with_format(row, 3, &d.rule.en, &f.wrap)?;
    }
    Ok(())
}

fn excel_time(t: chrono::DateTime<chrono::Utc>) -> Result<ExcelDateTime, XlsxError> {
    use chrono::{Datelike, Timelike};
    ExcelDateTime::from_ymd(t.year() as u16, t.month() as u8, t.day() as u8)?.and_hms(
        t.hour() as u16,
        t.minute() as u8,
        t.second() as f64,
    )
}

struct Formats {
    title: Format,
    header: Format,
    header_num: Format,
    label: [Format; 3],
    num: [Format; 3],
    total_label: Format,
    total_num: Format,
    wrap: Format,
    bold: Format,
    code: Format,
}

impl Formats {
    fn new() -> Self {
        let num = Format::new().set_num_format("#,##0");
        let header = Format::new()
            .set_bold()
            .set_border_bottom(rust_xlsxwriter::FormatBorder::Medium)
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        Formats {
            title: Format::new().set_bold().set_font_size(13),
            header_num: header.clone().set_align(FormatAlign::Right),
            header,
            label: [
                Format::new(),
                Format::new().set_indent(1),
                Format::new().set_indent(2),
            ],
            num: [
                num.clone(),
                num.clone(),
                num.clone().set_font_color("#444444"),
            ],
            total_label: Format::new()
                .set_bold()
                .set_border_top(rust_xlsxwriter::FormatBorder::Thin),
            total_num: num
                .set_bold()
                .set_border_top(rust_xlsxwriter::FormatBorder::Thin),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            bold: Format::new().set_bold(),
            code: Format::new().set_font_color("#666666"),
        }
    }
}

/// Sheet names by table id: each definition's [`spor_stats::Presentation::sheet`], the id
/// for a table without one; cut to 31 characters, without `[]:*?/\'`, made unique.
pub fn sheet_names(ids: &[&str]) -> HashMap<String, String> {
    let mut used: Vec<String> = vec![ABOUT_SHEET.to_string(), FACTS_SHEET.to_string()];
    let mut out = HashMap::new();
    for id in ids {
        let sheet = tables::presentation(id).sheet;
        let base: String = if sheet.is_empty() {
            id.chars()
                .map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c })
                .collect()
        } else {
            sheet.to_string()
        };
        let base: String = base.chars().take(31).collect();
        let mut name = base.clone();
        let mut n = 2;
        while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            let suffix = format!(" ({n})");
            name = base.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
            n += 1;
        }
        used.push(name.clone());
        out.insert(id.to_string(), name);
    }
    out
}

fn about_sheet(
    wb: &mut Workbook,
    report: &Report,
    meta: &Meta,
    ordered: &[(&str, &Table)],
    names: &HashMap<String, String>,
    f: &Formats,
) -> Result<()> {
    let ws = wb.add_worksheet();
    ws.set_name(ABOUT_SHEET)?;
    ws.set_print_fit_to_pages(1, 0);
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 100)?;
    ws.write_string_with_format(0, 0, title(report.year), &f.title)?;
    ws.write_string_with_format(2, 0, "Udgivet af", &f.bold)?;
    ws.write_string(2, 1, &meta.centre)?;
    ws.write_string_with_format(3, 0, "Registerets seneste ændring", &f.bold)?;
    ws.write_string(3, 1, meta.last_change_da())?;
    ws.write_string_with_format(4, 0, "Dannet", &f.bold)?;
    ws.write_string(4, 1, meta.generated_at_da())?;
    let about = crate::about(report, &meta.centre);
    ws.write_string_with_format(6, 0, about.headline, &f.title)?;
    let mut row = 7;
    for part in &about.parts {
        ws.write_string_with_format(row, 1, part.heading, &f.bold)?;
        row += 1;
        let items = part.items.iter().map(|i| format!("• {i}"));
        for p in part.paragraphs.iter().cloned().chain(items) {
            // Not every reader sizes rows to wrapped text: give each paragraph its lines
            // (about 95 characters per line at width 100).
            let lines = p.chars().count().div_ceil(95).max(1);
            ws.set_row_height(row, 15.0 * lines as f64)?;
            ws.write_string_with_format(row, 1, p, &f.wrap)?;
            row += 1;
        }
    }
    row += 1;
    // Each sheet with its table's counting rule, from the table's definition.
    ws.set_column_width(2, 100)?;
    ws.set_column_width(3, 100)?;
    ws.write_string_with_format(row, 0, "Ark", &f.header)?;
    ws.write_string_with_format(row, 1, "Indhold", &f.header)?;
    ws.write_string_with_format(row, 2, "Sådan tælles", &f.header)?;
    ws.write_string_with_format(row, 3, "How it is counted", &f.header)?;
    for (id, t) in ordered {
        row += 1;
        ws.write_string(row, 0, &names[*id])?;
        ws.write_string_with_format(row, 1, &t.title, &f.wrap)?;
        if let Some(rule) = spor_stats::describe::definition_of(id) {
            let lines = rule
                .da
                .chars()
                .count()
                .max(rule.en.chars().count())
                .div_ceil(95);
            ws.set_row_height(row, 15.0 * lines.max(1) as f64)?;
            ws.write_string_with_format(row, 2, &rule.da, &f.wrap)?;
            ws.write_string_with_format(row, 3, &rule.en, &f.wrap)?;
        }
    }
    Ok(())
}

fn col_width(s: &str) -> f64 {
    s.chars().count() as f64 * 1.1 + 2.0
}

fn table_sheet(
    ws: &mut Worksheet,
    id: &str,
    t: &Table,
    f: &Formats,
    chart: Option<&(ChartKind, String)>,
    sheet: &str,
    notes: &[String],
) -> Result<()> {
    let ncols = t.columns.len() as u16;
    let code_col = ncols + 1;
    ws.write_string_with_format(0, 0, &t.title, &f.title)?;
    let stub = tables::stub_header(id);
    ws.write_string_with_format(1, 0, if stub.is_empty() { " " } else { stub }, &f.header)?;
    for (i, c) in t.columns.iter().enumerate() {
        ws.write_string_with_format(1, i as u16 + 1, c, &f.header_num)?;
    }
    ws.write_string_with_format(1, code_col, "Kode", &f.header)?;
    ws.set_freeze_panes(2, 1)?;
    // Printed: every column on one page width, wide year tables across.
    ws.set_print_fit_to_pages(1, 0);
    if ncols > 6 {
        ws.set_landscape();
    }

    let mut label_w = col_width(stub).max(12.0);
    let mut code_w = 8.0f64;
    let mut r = 2u32;
    for (flat, (depth, row, key)) in flatten(&t.rows).into_iter().enumerate() {
        let d = depth.min(2);
        ws.write_string_with_format(r, 0, &row.label, &f.label[d])?;
        for (i, v) in row.values.iter().enumerate() {
            if t.is_suppressed(flat, i) {
                ws.write_string_with_format(r, i as u16 + 1, tables::HIDDEN, &f.num[d])?;
            } else if let Some(v) = v {
                ws.write_number_with_format(r, i as u16 + 1, *v as f64, &f.num[d])?;
            }
        }
        ws.write_string_with_format(r, code_col, &key, &f.code)?;
        label_w = label_w.max(col_width(&row.label) + 2.0 * d as f64);
        code_w = code_w.max(col_width(&key));
        r += 1;
    }
    let last_data = r.saturating_sub(1);
    let total_row = r;
    if tables::shows_total(id, t) {
        ws.write_string_with_format(total_row, 0, "I alt", &f.total_label)?;
        let flat_total = tables::flat_len(&t.rows);
        for (i, total) in t.total.iter().enumerate() {
            let col = i as u16 + 1;
            if t.is_suppressed(flat_total, i) {
                ws.write_string_with_format(total_row, col, tables::HIDDEN, &f.total_num)?;
                continue;
            }
            let Some(total) = total else { continue };
            let parts: Option<u64> = t
                .rows
                .iter()
                .map(|r| r.values.get(i).copied().flatten())
                .sum();
            if !is_nested(t) && parts == Some(*total) && !t.rows.is_empty() {
                let formula = format!(
                    "=SUM({}:{})",
                    row_col_to_cell(2, col),
                    row_col_to_cell(last_data, col)
                );
                ws.write_formula_with_format(
                    total_row,
                    col,
                    Formula::new(formula).set_result(total.to_string()),
                    &f.total_num,
                )?;
            } else {
                ws.write_number_with_format(total_row, col, *total as f64, &f.total_num)?;
            }
        }
    }
    for (i, note) in notes.iter().enumerate() {
        ws.write_string(total_row + 1 + i as u32, 0, note)?;
    }
    ws.set_column_width(0, label_w.min(60.0))?;
    for (i, c) in t.columns.iter().enumerate() {
        let w = if ncols > 6 {
            col_width(c).max(7.0)
        } else {
            col_width(c).clamp(10.0, 24.0)
        };
        ws.set_column_width(i as u16 + 1, w)?;
    }
    ws.set_column_width(code_col, code_w.min(40.0))?;

    if let Some((kind, caption)) = chart.filter(|_| !t.rows.is_empty()) {
        let ch = native_chart(*kind, caption, t, sheet, last_data);
        // Beside a narrow table, below a wide one.
        if ncols > 6 {
            ws.insert_chart(total_row + 2, 0, &ch)?;
        } else {
            ws.insert_chart(1, code_col + 2, &ch)?;
        }
    }
    Ok(())
}

/// Rows depth-first with their depth and code path (`NG|female/adult|sexual`).
fn flatten(rows: &[Row]) -> Vec<(usize, &Row, String)> {
    fn walk<'a>(r: &'a Row, depth: usize, path: &str, out: &mut Vec<(usize, &'a Row, String)>) {
        let key = if path.is_empty() {
            r.key.clone()
        } else {
            format!("{path}|{}", r.key)
        };
        out.push((depth, r, key.clone()));
        for c in &r.children {
            walk(c, depth + 1, &key, out);
        }
    }
    let mut out = Vec::new();
    for r in rows {
        walk(r, 0, "", &mut out);
    }
    out
}

/// The edition's chart as a native Excel chart over the sheet's cells.
fn native_chart(kind: ChartKind, caption: &str, t: &Table, sheet: &str, last_data: u32) -> Chart {
    let ncols = t.columns.len() as u16;
    let colours = crate::svg::PALETTE;
    let mut ch = match kind {
        ChartKind::VerticalBars | ChartKind::GroupedBars => Chart::new(ChartType::Column),
        ChartKind::HorizontalBars => Chart::new(ChartType::Bar),
        ChartKind::Lines => Chart::new(ChartType::Line),
        ChartKind::StackedBars => Chart::new(ChartType::BarStacked),
    };
    ch.title()
        .set_name(caption)
        .set_font(rust_xlsxwriter::ChartFont::new().set_size(11).set_bold());
    ch.set_width(640).set_height(
        if kind == ChartKind::HorizontalBars || kind == ChartKind::StackedBars {
            (120 + 22 * t.rows.len() as u32).clamp(260, 900)
        } else {
            340
        },
    );
    match kind {
        // Series are rows, categories the column headers (years).
        ChartKind::VerticalBars | ChartKind::GroupedBars | ChartKind::Lines => {
            let n = if kind == ChartKind::VerticalBars {
                1
            } else {
                t.rows.len()
            };
            for i in 0..n {
                let row = 2 + i as u32;
                let s = ch.add_series();
                s.set_name((sheet, row, 0))
                    .set_categories((sheet, 1, 1, 1, ncols))
                    .set_values((sheet, row, 1, row, ncols));
                let colour = colours[i % colours.len()];
                if kind == ChartKind::Lines {
                    s.set_format(
                        rust_xlsxwriter::ChartFormat::new().set_line(
                            rust_xlsxwriter::ChartLine::new()
                                .set_color(colour)
                                .set_width(2),
                        ),
                    );
                } else {
                    s.set_format(
                        rust_xlsxwriter::ChartFormat::new().set_solid_fill(
                            rust_xlsxwriter::ChartSolidFill::new().set_color(colour),
                        ),
                    );
                }
            }
            if n == 1 {
                ch.legend().set_hidden();
            } else {
                ch.legend().set_position(ChartLegendPosition::Top);
            }
        }
        // One series: the count column; categories the row labels, largest on top.
        ChartKind::HorizontalBars => {
            ch.add_series()
                .set_name((sheet, 1, 1))
                .set_categories((sheet, 2, 0, last_data, 0))
                .set_values((sheet, 2, 1, last_data, 1))
                .set_format(
                    rust_xlsxwriter::ChartFormat::new().set_solid_fill(
                        rust_xlsxwriter::ChartSolidFill::new().set_color(colours[0]),
                    ),
                )
                .set_data_label(rust_xlsxwriter::ChartDataLabel::new().show_value());
            categories_top_down(&mut ch);
            ch.legend().set_hidden();
        }
        // Series are the columns (forms), categories the rows (genders).
        ChartKind::StackedBars => {
            for c in 0..ncols {
                ch.add_series()
                    .set_name((sheet, 1, c + 1))
                    .set_categories((sheet, 2, 0, last_data, 0))
                    .set_values((sheet, 2, c + 1, last_data, c + 1))
                    .set_format(
                        rust_xlsxwriter::ChartFormat::new().set_solid_fill(
                            rust_xlsxwriter::ChartSolidFill::new()
                                .set_color(colours[c as usize % colours.len()]),
                        ),
                    );
            }
            categories_top_down(&mut ch);
            ch.legend().set_position(ChartLegendPosition::Top);
        }
    }
    ch
}

/// A bar chart (bars across) lists its categories in sheet order from the top, as the HTML
/// chart does: Excel draws the first category at the bottom, so the category axis (the
/// vertical one, `y_axis` of a `Bar` chart in rust_xlsxwriter) runs max to min, and the value
/// axis crosses it at the last category, which is then at the bottom, under the bars. The
/// value axis keeps its direction: bars grow from the left.
fn categories_top_down(ch: &mut Chart) {
    ch.y_axis()
        .set_reverse()
        .set_crossing(rust_xlsxwriter::ChartAxisCrossing::Max);
}
