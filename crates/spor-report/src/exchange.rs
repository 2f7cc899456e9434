//! Renderings of an international data exchange ([`spor_stats::ExchangeReport`]): JSON,
//! CSV and XLSX.
//!
//! - JSON: a flat exchange (Eurostat) is `{"year", "country", "rows": [{FIELD: code, …,
//!   "value": n}]}`, one row per combination above zero; any other is `{"exchange",
//!   "title", "year", "country", "tables": {ID: TABLE}}` with the overview's table shape.
//! - CSV (UTF-8, comma separated, for the receiving system): a flat exchange gives `year,
//!   country, FIELD…, value`, its rows, then the marginal tables as rows whose other fields
//!   carry the exchange's "all" code (Eurostat's `T`/`TOTAL`), and the grand total; any other
//!   gives `table, row, row_label, column, column_label, value` (empty value = not known).
//! - XLSX (for people, in Danish): "Om tallene", the flat rows (codes as the exchange
//!   gives them) and one sheet per table with the codes beside the Danish labels.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use serde_json::{Map, Value, json};
use spor_stats::exchange::{ExchangeReport, Flat};
use spor_stats::{Row, Table};

use crate::{Error, Result};

/// The JSON rendering, pretty, ending in a newline.
pub fn json(report: &ExchangeReport) -> String {
    let value = match &report.def.flat {
        Some(flat) => {
            let rows: Vec<Value> = report
                .rows
                .iter()
                .map(|r| {
                    let mut o = Map::new();
                    for (f, k) in flat.fields.iter().zip(&r.keys) {
                        o.insert((*f).to_owned(), json!(k));
                    }
                    o.insert("value".into(), json!(r.value));
                    Value::Object(o)
                })
                .collect();
            json!({"year": report.year, "country": report.country, "rows": rows})
        }
        None => json!({
            "exchange": report.exchange,
            "title": report.title,
            "year": report.year,
            "country": report.country,
            "tables": report.tables,
        }),
    };
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// The rows of a flat exchange's marginal tables as flat rows: each category of field `i`
/// with the other fields "all", then the grand total.
pub fn marginal_rows(report: &ExchangeReport, flat: &Flat) -> Vec<(Vec<String>, Option<u64>)> {
    let all = |i: usize, key: &str| -> Vec<String> {
        (0..flat.fields.len())
            .map(|j| {
                if j == i {
                    key.to_owned()
                } else {
                    flat.totals[j].to_owned()
                }
            })
            .collect()
    };
    let mut out = Vec::new();
    for (i, id) in flat.marginals.iter().enumerate() {
        if let Some(t) = report.tables.get(*id) {
            for r in &t.rows {
                out.push((all(i, &r.key), r.values.first().copied().flatten()));
            }
        }
    }
    let total = report
        .tables
        .get(flat.table)
        .map(|t| t.total.iter().try_fold(0, |a, v| Some(a + (*v)?)))
        .unwrap_or(Some(0));
    out.push((all(usize::MAX, ""), total));
    out
}

/// The CSV rendering.
pub fn csv(report: &ExchangeReport) -> Result<Vec<u8>> {
    let err = |source| Error::Csv {
        path: format!("{}-{}.csv", report.exchange, report.year).into(),
        source,
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let year = report.year.to_string();
    let num = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
    match &report.def.flat {
        Some(flat) => {
            let mut header = vec!["year", "country"];
            header.extend(flat.fields);
            header.push("value");
            w.write_record(&header).map_err(err)?;
            let mut line = |keys: &[String], v: String| {
                let mut rec = vec![year.clone(), report.country.clone()];
                rec.extend(keys.iter().cloned());
                rec.push(v);
                w.write_record(&rec)
            };
            for r in &report.rows {
                line(&r.keys, r.value.to_string()).map_err(err)?;
            }
            for (keys, v) in marginal_rows(report, flat) {
                line(&keys, num(v)).map_err(err)?;
            }
        }
        None => {
            w.write_record([
                "table",
                "row",
                "row_label",
                "column",
                "column_label",
                "value",
            ])
            .map_err(err)?;
            for (def, t) in report.tables() {
                for r in &t.rows {
                    for (ci, v) in r.values.iter().enumerate() {
                        w.write_record([
                            def.id,
                            &crate::csv::inert(&r.key),
                            &crate::csv::inert(&r.label),
                            &t.column_keys[ci],
                            &crate::csv::inert(&t.columns[ci]),
                            &num(*v),
                        ])
                        .map_err(err)?;
                    }
                }
            }
        }
    }
    w.into_inner().map_err(|e| Error::Io {
        path: format!("{}-{}.csv", report.exchange, report.year).into(),
        source: e.into_error(),
    })
}

struct Formats {
    title: Format,
    header: Format,
    num: Format,
    total_label: Format,
    total_num: Format,
    code: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        let num = Format::new().set_num_format("#,##0");
        Formats {
            title: Format::new().set_bold().set_font_size(13),
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Medium)
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            total_label: Format::new().set_bold().set_border_top(FormatBorder::Thin),
            total_num: num.clone().set_bold().set_border_top(FormatBorder::Thin),
            num,
            code: Format::new().set_font_color("#555555"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// The XLSX rendering: "Om tallene", the flat rows (a flat exchange), a sheet per table.
pub fn xlsx(report: &ExchangeReport, generated_at: DateTime<Utc>) -> Result<Vec<u8>> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    // A flat exchange's nested table is its "Rækker" sheet; the others get one each.
    let flat_table = report.def.flat.map(|f| f.table);
    let tables: Vec<_> = report
        .tables()
        .filter(|(d, _)| Some(d.id) != flat_table)
        .collect();
    {
        let ws = wb.add_worksheet();
        ws.set_name(crate::edition::ABOUT_TITLE)?;
        ws.set_column_width(0, 28)?;
        ws.set_column_width(1, 90)?;
        ws.write_with_format(0, 0, &report.title, &f.title)?;
        let about: Vec<(&str, String)> = vec![
            ("Udveksling", report.exchange.clone()),
            ("År", report.year.to_string()),
            ("Indberetterland", report.country.clone()),
            ("Indhold", report.def.description.to_owned()),
            (
                "Optælling",
                "Personer vurderet udsat for menneskehandel i året (afgørelse med udfaldet vurderet udsat), hver person én gang med den seneste afgørelses oplysninger; registrets koder er sendt til udvekslingens kategorier af mapningen (spor codes mapping)."
                    .to_owned(),
            ),
            ("Dannet", crate::format::datetime_da(generated_at)),
        ];
        for (i, (k, v)) in about.iter().enumerate() {
            let row = i as u32 + 2;
            ws.write_with_format(row, 0, *k, &f.header)?;
            ws.write_with_format(row, 1, v, &f.wrap)?;
        }
        let mut row = about.len() as u32 + 3;
        ws.write_with_format(row, 0, "Ark", &f.header)?;
        ws.write_with_format(row, 1, "Indhold", &f.header)?;
        if report.def.flat.is_some() {
            row += 1;
            ws.write(row, 0, "Rækker")?;
            ws.write(
                row,
                1,
                "Én række pr. kombination med mindst ét offer, og randtabellerne",
            )?;
        }
        for (def, t) in &tables {
            row += 1;
            ws.write(row, 0, def.presentation.sheet)?;
            ws.write(row, 1, &t.title)?;
        }
    }
    if let Some(flat) = &report.def.flat {
        let ws = wb.add_worksheet();
        ws.set_name("Rækker")?;
        flat_sheet(ws, report, flat, &f)?;
    }
    for (def, t) in &tables {
        let ws = wb.add_worksheet();
        ws.set_name(def.presentation.sheet)?;
        table_sheet(ws, t, def.presentation.row_header, &f)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn flat_sheet(ws: &mut Worksheet, report: &ExchangeReport, flat: &Flat, f: &Formats) -> Result<()> {
    ws.write_with_format(0, 0, &report.title, &f.title)?;
    let n = flat.fields.len() as u16;
    for (i, (label, field)) in flat.labels.iter().zip(flat.fields).enumerate() {
        ws.write_with_format(1, i as u16, format!("{label} ({field})"), &f.header)?;
        ws.set_column_width(i as u16, 20)?;
    }
    ws.write_with_format(1, n, "Antal (value)", &f.header)?;
    ws.set_freeze_panes(2, 0)?;
    let mut row = 2u32;
    let mut write =
        |ws: &mut Worksheet, keys: &[String], v: Option<u64>, fmt: &Format| -> Result<()> {
            for (i, k) in keys.iter().enumerate() {
                ws.write(row, i as u16, k)?;
            }
            if let Some(v) = v {
                ws.write_with_format(row, n, v as f64, fmt)?;
            }
            row += 1;
            Ok(())
        };
    for r in &report.rows {
        write(ws, &r.keys, Some(r.value), &f.num)?;
    }
    let marginals = marginal_rows(report, flat);
    let last = marginals.len().saturating_sub(1);
    for (i, (keys, v)) in marginals.iter().enumerate() {
        let fmt = if i == last { &f.total_num } else { &f.num };
        write(ws, keys, *v, fmt)?;
    }
    Ok(())
}

fn table_sheet(ws: &mut Worksheet, t: &Table, row_header: &str, f: &Formats) -> Result<()> {
    ws.write_with_format(0, 0, &t.title, &f.title)?;
    ws.write_with_format(1, 0, row_header, &f.header)?;
    ws.write_with_format(1, 1, "Kode", &f.header)?;
    ws.set_column_width(0, 36)?;
    ws.set_column_width(1, 24)?;
    for (i, c) in t.columns.iter().enumerate() {
        let col = i as u16 + 2;
        ws.write_with_format(1, col, c, &f.header)?;
        ws.set_column_width(col, 14)?;
    }
    ws.set_freeze_panes(2, 0)?;
    let mut row = 2u32;
    fn values(ws: &mut Worksheet, row: u32, vs: &[Option<u64>], fmt: &Format) -> Result<()> {
        for (i, v) in vs.iter().enumerate() {
            match v {
                Some(v) => ws.write_with_format(row, i as u16 + 2, *v as f64, fmt)?,
                None => ws.write(row, i as u16 + 2, "ikke kendt")?,
            };
        }
        Ok(())
    }
    let rows: Vec<&Row> = t.rows.iter().collect();
    for r in &rows {
        ws.write(row, 0, crate::csv::inert(&r.label))?;
        ws.write_with_format(row, 1, crate::csv::inert(&r.key), &f.code)?;
        values(ws, row, &r.values, &f.num)?;
        row += 1;
    }
    if rows.len() > 1 {
        ws.write_with_format(row, 0, "I alt", &f.total_label)?;
        ws.write_with_format(row, 1, "", &f.total_label)?;
        values(ws, row, &t.total, &f.total_num)?;
    }
    Ok(())
}
