//! Renderings of a person-level exchange (CTDC, HTCDS): one row per record under named
//! columns, with notes saying what was done to the records (k-anonymity: how many were
//! generalised and dropped).
//!
//! - JSON: `{"exchange", "year", "notes": {KEY: VALUE}, "columns": [..], "rows": [{COLUMN:
//!   VALUE}]}`; the notes hold the counts as numbers where they are numbers.
//! - CSV (UTF-8, comma separated): one notes line first, starting with `#` (read with
//!   a comment character, e.g. pandas' `comment="#"`), then the header and the rows.
//! - XLSX: the rows on the first sheet, the notes on a second ("Noter").

use rust_xlsxwriter::{Format, Workbook};
use serde_json::{Map, Value, json};

use crate::{Error, Result};

/// A person-level file: its columns and rows (text, empty for not known) and notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Microdata {
    pub exchange: String,
    pub year: i32,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// (key, value) in order: what the file holds and what was done to it.
    pub notes: Vec<(String, String)>,
}

impl Microdata {
    /// The file name of a rendering: `ctdc-2023.csv`.
    pub fn file_name(&self, extension: &str) -> String {
        format!("{}-{}.{extension}", self.exchange, self.year)
    }
}

/// The JSON rendering, pretty, ending in a newline.
pub fn json(m: &Microdata) -> String {
    let notes: Map<String, Value> = m
        .notes
        .iter()
        .map(|(k, v)| {
            let value = v.parse::<u64>().map_or_else(|_| json!(v), |n| json!(n));
            (k.clone(), value)
        })
        .collect();
    let rows: Vec<Value> = m
        .rows
        .iter()
        .map(|r| {
            Value::Object(
                m.columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| (c.clone(), json!(v)))
                    .collect(),
            )
        })
        .collect();
    let value = json!({
        "exchange": m.exchange,
        "year": m.year,
        "notes": notes,
        "columns": m.columns,
        "rows": rows,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// The notes as one line: `key=value; key=value`.
pub fn notes_line(m: &Microdata) -> String {
    m.notes
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The CSV rendering: the notes line, the header, the rows.
pub fn csv(m: &Microdata) -> Result<Vec<u8>> {
    let path = m.file_name("csv");
    let mut out = format!("# {}\n", notes_line(m).replace(['\n', '\r'], " ")).into_bytes();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err = |source| Error::Csv {
        path: path.clone().into(),
        source,
    };
    w.write_record(&m.columns).map_err(err)?;
    for r in &m.rows {
        w.write_record(r.iter().map(|v| crate::csv::inert(v)))
            .map_err(err)?;
    }
    out.extend(w.into_inner().map_err(|e| Error::Io {
        path: path.clone().into(),
        source: e.into_error(),
    })?);
    Ok(out)
}

/// The XLSX rendering: the rows (sheet named after the exchange), then "Noter".
pub fn xlsx(m: &Microdata) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let header = Format::new().set_bold();
    {
        let ws = wb.add_worksheet();
        ws.set_name(&m.exchange)?;
        for (i, c) in m.columns.iter().enumerate() {
            ws.write_with_format(0, i as u16, c, &header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in m.rows.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                ws.write(r as u32 + 1, i as u16, crate::csv::inert(v))?;
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("Noter")?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 90)?;
    for (i, (k, v)) in m.notes.iter().enumerate() {
        ws.write_with_format(i as u32, 0, k, &header)?;
        match v.parse::<u64>() {
            Ok(n) => ws.write(i as u32, 1, n as f64)?,
            Err(_) => ws.write(i as u32, 1, v)?,
        };
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Microdata {
        Microdata {
            exchange: "ctdc".into(),
            year: 2023,
            columns: vec!["gender".into(), "ageBroad".into()],
            rows: vec![
                vec!["Woman".into(), "18--20".into()],
                vec![String::new(), "=1".into()],
            ],
            notes: vec![("k".into(), "11".into()), ("dropped".into(), "2".into())],
        }
    }

    #[test]
    fn csv_has_the_notes_line_then_the_rows_with_formulas_made_inert() {
        let text = String::from_utf8(csv(&sample()).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# k=11; dropped=2");
        assert_eq!(lines[1], "gender,ageBroad");
        assert_eq!(lines[2], "Woman,18--20");
        assert_eq!(lines[3], ",'=1");
    }

    #[test]
    fn json_has_notes_as_numbers_and_one_object_per_row() {
        let v: Value = serde_json::from_str(&json(&sample())).unwrap();
        assert_eq!(v["notes"]["k"], 11);
        assert_eq!(v["rows"][0]["ageBroad"], "18--20");
        assert_eq!(v["rows"].as_array().unwrap().len(), 2);
        assert!(xlsx(&sample()).unwrap().starts_with(b"PK"));
    }
}
