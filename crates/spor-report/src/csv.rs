//! The CSV edition: one file per table, `TABLE_ID.csv`, in a folder.
//!
//! Format decisions, made for the people who open these files in a Danish Excel:
//! - **Semicolon** as separator: Danish Excel uses `;` as list separator (the comma is the
//!   decimal mark), so a double-clicked file splits into columns.
//! - **UTF-8 with BOM**: without the byte order mark Excel reads CSV as Windows-1252 and
//!   garbles æ, ø, å. Other tools (Python's `utf-8-sig`, R, DuckDB) skip the BOM.
//! - Numbers are plain integers without thousands separators (`1233`), so every tool reads
//!   them as numbers; an unknown value is an empty cell; in the public profile a cell hidden
//!   for confidentiality is `·` (see the policy's footnote in the JSON edition).
//! - Columns: `kode` (the register's code of the row; a child's code is its path joined
//!   with `|`, e.g. `NG|female/adult|sexual`), `niveau` (0 for a top row, 1 and 2 for
//!   nested rows), `tekst` (the Danish label), then one column per table column, headed by
//!   its Danish label. The last row is the total: `kode` = `total`, `tekst` = `I alt`.
//!
//! Records are quoted where needed (RFC 4180), lines end with CRLF as Excel writes them.

use crate::tables;
use crate::{Error, Result};
use spor_stats::{Report, Row, Table};
use std::path::{Path, PathBuf};

/// Writes the CSV edition ([`files`]) into `dir` (created if missing) and returns the
/// paths written, in edition order.
pub fn write_dir(report: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, bytes) in files(report)? {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The files of the CSV edition, by name, in edition order: one per table, then
/// `noter.txt` when there are notes. A table file has no room for a footnote: the public
/// edition's disclosure note and the revised figures go in a text file beside the tables,
/// so the "·" in them is explained and a revised figure is stated as such.
pub fn files(report: &Report) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for (id, _) in tables::ordered(report) {
        out.push((format!("{id}.csv"), table_csv(report, id)?));
    }
    if let Some(text) = notes_text(report) {
        out.push(("noter.txt".to_owned(), text.into_bytes()));
    }
    Ok(out)
}

/// The text of `noter.txt` (lines ending CRLF): the disclosure note, then the revised
/// figures (one sentence per headline figure, a line per table with revised cells); `None`
/// when there is neither.
pub fn notes_text(report: &Report) -> Option<String> {
    let mut lines: Vec<String> = report.disclosure_note.iter().cloned().collect();
    lines.extend(report.fact_revisions().iter().map(|r| r.note.clone()));
    for (id, _) in tables::ordered(report) {
        if let Some(note) = report.revision_note(id) {
            lines.push(format!("{id}.csv: {note}"));
        }
    }
    (!lines.is_empty()).then(|| lines.iter().map(|l| format!("{l}\r\n")).collect())
}

/// One table as CSV bytes (BOM included); `None`-free: a missing table id gives an empty
/// file with only the header.
/// A text cell a spreadsheet will not run (see [`spor_core::spreadsheet::inert`]).
pub fn inert(text: &str) -> String {
    spor_core::spreadsheet::inert(text).into_owned()
}

pub fn table_csv(report: &Report, id: &str) -> Result<Vec<u8>> {
    let path = PathBuf::from(format!("{id}.csv"));
    let err = |source| Error::Csv {
        path: path.clone(),
        source,
    };
    let mut out: Vec<u8> = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = ::csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        let Some(t) = report.tables.get(id) else {
            w.write_record(["kode", "niveau", "tekst"]).map_err(err)?;
            w.flush().map_err(|e| err(e.into()))?;
            drop(w);
            return Ok(out);
        };
        let mut header = vec![
            "kode".to_string(),
            "niveau".to_string(),
            "tekst".to_string(),
        ];
        header.extend(t.columns.iter().map(|c| inert(c)));
        w.write_record(&header).map_err(err)?;
        fn text(t: &Table, flat: usize, c: usize, v: Option<u64>) -> String {
            if t.is_suppressed(flat, c) {
                tables::HIDDEN.to_string()
            } else {
                v.map(|v| v.to_string()).unwrap_or_default()
            }
        }
        fn rows(
            w: &mut ::csv::Writer<&mut Vec<u8>>,
            t: &Table,
            r: &Row,
            depth: usize,
            path: &str,
            flat: &mut usize,
        ) -> std::result::Result<(), ::csv::Error> {
            let key = if path.is_empty() {
                r.key.clone()
            } else {
                format!("{path}|{}", r.key)
            };
            let mut rec = vec![inert(&key), depth.to_string(), inert(&r.label)];
            rec.extend(
                r.values
                    .iter()
                    .enumerate()
                    .map(|(c, v)| text(t, *flat, c, *v)),
            );
            w.write_record(&rec)?;
            *flat += 1;
            for c in &r.children {
                rows(w, t, c, depth + 1, &key, flat)?;
            }
            Ok(())
        }
        let mut flat = 0;
        for r in &t.rows {
            rows(&mut w, t, r, 0, "", &mut flat).map_err(err)?;
        }
        let mut total = vec!["total".to_string(), "0".to_string(), "I alt".to_string()];
        total.extend(
            t.total
                .iter()
                .enumerate()
                .map(|(c, v)| text(t, flat, c, *v)),
        );
        w.write_record(&total).map_err(err)?;
        w.flush().map_err(|e| err(e.into()))?;
    }
    Ok(out)
}
