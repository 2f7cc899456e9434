//! What a public edition keeps: per table and in all, the cells it publishes, recodes and
//! hides, and the share of the counted value its hidden cells take away.
//!
//! - **Cells** are the numbers a table shows (rows, their children and the total row; a
//!   value not known for a year is no cell). A merged row ("Vestafrika, øvrige") is one
//!   *recoded* cell, whatever its number of columns (one hidden cell when any of its values
//!   is hidden). A table left out of the public profile counts as all its internal cells
//!   hidden.
//! - **Counted value**: per table and column, the column's total in the internal edition;
//!   the part *hidden* is the sum of the hidden top-level rows (what the published rows do
//!   not show). In all: the hidden parts over the totals, every table and column together.

use std::collections::BTreeMap;

use spor_stats::{Report, Row, Table};

/// One column of one table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ColumnUtility {
    pub column: String,
    /// The column's total (internal).
    pub total: u64,
    /// The part of it in hidden top-level rows.
    pub hidden: u64,
}

/// One table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableUtility {
    pub table: String,
    /// Cells shown (published + recoded + hidden).
    pub cells: usize,
    pub published: usize,
    pub recoded: usize,
    pub hidden: usize,
    /// Left out of the public profile (every internal cell counts as hidden).
    pub left_out: bool,
    pub columns: Vec<ColumnUtility>,
}

impl TableUtility {
    /// Share of its cells hidden, in per cent.
    pub fn hidden_cells_pct(&self) -> f64 {
        pct(self.hidden as u64, self.cells as u64)
    }

    /// Share of its counted value hidden, in per cent (all columns together).
    pub fn hidden_value_pct(&self) -> f64 {
        let t: u64 = self.columns.iter().map(|c| c.total).sum();
        let h: u64 = self.columns.iter().map(|c| c.hidden).sum();
        pct(h, t)
    }
}

/// The whole edition.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Utility {
    pub cells: usize,
    pub published: usize,
    pub recoded: usize,
    pub hidden: usize,
    /// Counted value (sum of every table's column totals) and the part hidden.
    pub counted: u64,
    pub counted_hidden: u64,
    /// Share of cells hidden, per cent (one decimal).
    pub hidden_cells_pct: f64,
    /// Share of the counted value hidden, per cent (one decimal).
    pub hidden_value_pct: f64,
    pub tables: Vec<TableUtility>,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

use crate::design::is_merged_key as is_merged;

impl Utility {
    /// Measures an edition: `internal` is the overview before protection, `recoded` after
    /// merging (nothing hidden yet), `suppressed` the hidden cells per table as `[row,
    /// column]` (rows counted as in [`spor_stats::Table::suppressed`]). Tables of `internal`
    /// missing from `recoded` were left out.
    pub fn measure(
        internal: &Report,
        recoded: &Report,
        _public: &Report,
        suppressed: &BTreeMap<String, Vec<[usize; 2]>>,
    ) -> Utility {
        let none = Vec::new();
        let mut tables = Vec::new();
        for (id, it) in &internal.tables {
            let tu = match recoded.tables.get(id) {
                Some(t) => table(id, t, suppressed.get(id).unwrap_or(&none), false),
                None => table(id, it, &[], true),
            };
            tables.push(tu);
        }
        let mut u = Utility::default();
        for t in &tables {
            u.cells += t.cells;
            u.published += t.published;
            u.recoded += t.recoded;
            u.hidden += t.hidden;
            u.counted += t.columns.iter().map(|c| c.total).sum::<u64>();
            u.counted_hidden += t.columns.iter().map(|c| c.hidden).sum::<u64>();
        }
        u.hidden_cells_pct = pct(u.hidden as u64, u.cells as u64);
        u.hidden_value_pct = pct(u.counted_hidden, u.counted);
        u.tables = tables;
        u
    }

    /// The utility of a protected release.
    pub fn of(release: &crate::overview::PublicRelease) -> Utility {
        release.utility.clone()
    }

    /// The table for `spor release risk`, in Danish.
    pub fn text_da(&self) -> String {
        let mut s = String::from(
            "Offentlig udgave: celler / offentliggjort / sammenlagt / skjult (andel skjult af celler, af optalt værdi)\n",
        );
        for t in &self.tables {
            s.push_str(&format!(
                "  {}{}: {} / {} / {} / {} ({} %, {} %)\n",
                t.table,
                if t.left_out { " (udeladt)" } else { "" },
                t.cells,
                t.published,
                t.recoded,
                t.hidden,
                fmt_pct(t.hidden_cells_pct()),
                fmt_pct(t.hidden_value_pct()),
            ));
        }
        s.push_str(&format!(
            "  I alt: {} / {} / {} / {} ({} % af cellerne, {} % af den optalte værdi)\n",
            self.cells,
            self.published,
            self.recoded,
            self.hidden,
            fmt_pct(self.hidden_cells_pct),
            fmt_pct(self.hidden_value_pct),
        ));
        s
    }
}

fn fmt_pct(x: f64) -> String {
    format!("{x:.1}").replace('.', ",")
}

fn table(id: &str, t: &Table, suppressed: &[[usize; 2]], left_out: bool) -> TableUtility {
    let ncols = t.column_keys.len();
    let mut u = TableUtility {
        table: id.to_owned(),
        cells: 0,
        published: 0,
        recoded: 0,
        hidden: 0,
        left_out,
        columns: Vec::new(),
    };
    let hidden = |flat: usize, c: usize| left_out || suppressed.contains(&[flat, c]);
    let mut hidden_top = vec![0u64; ncols];
    fn walk(
        rows: &[Row],
        flat: &mut usize,
        merged: bool,
        top: bool,
        u: &mut TableUtility,
        hidden: &dyn Fn(usize, usize) -> bool,
        hidden_top: &mut [u64],
    ) {
        for r in rows {
            let here = *flat;
            *flat += 1;
            let merged = merged || is_merged(&r.key);
            // A recoded row is one cell (hidden if any of its values is).
            let mut row_hidden = false;
            let mut row_cells = 0;
            for (c, v) in r.values.iter().enumerate() {
                let Some(v) = v else { continue };
                row_cells += 1;
                if hidden(here, c) {
                    row_hidden = true;
                    if top && let Some(h) = hidden_top.get_mut(c) {
                        *h += v;
                    }
                    if !merged {
                        u.cells += 1;
                        u.hidden += 1;
                    }
                } else if !merged {
                    u.cells += 1;
                    u.published += 1;
                }
            }
            if merged && row_cells > 0 {
                u.cells += 1;
                if row_hidden {
                    u.hidden += 1;
                } else {
                    u.recoded += 1;
                }
            }
            walk(&r.children, flat, merged, false, u, hidden, hidden_top);
        }
    }
    let mut flat = 0;
    walk(
        &t.rows,
        &mut flat,
        false,
        true,
        &mut u,
        &hidden,
        &mut hidden_top,
    );
    for (c, v) in t.total.iter().enumerate() {
        let Some(v) = v else { continue };
        u.cells += 1;
        if hidden(flat, c) {
            u.hidden += 1;
        } else {
            u.published += 1;
        }
        u.columns.push(ColumnUtility {
            column: t.column_keys[c].clone(),
            total: *v,
            hidden: hidden_top[c].min(*v),
        });
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::row;

    #[test]
    fn cells_recoded_rows_hidden_value_and_left_out_tables_are_counted() {
        let t = Table {
            title: "t".to_owned(),
            columns: vec!["Antal".to_owned()],
            column_keys: vec!["count".to_owned()],
            rows: vec![row("NG", 20), row("RO", 2), row("region:011", 8)],
            total: vec![Some(30)],
            suppressed: Vec::new(),
        };
        let mut internal = Report {
            year: 2023,
            tables: Default::default(),
            facts: Default::default(),
            disclosure_note: None,
            revisions: Vec::new(),
        };
        internal.tables.insert("by_nat".to_owned(), t.clone());
        internal.tables.insert("left".to_owned(), t.clone());
        let mut recoded = internal.clone();
        recoded.tables.shift_remove("left");
        let suppressed = BTreeMap::from([("by_nat".to_owned(), vec![[1, 0]])]);
        let u = Utility::measure(&internal, &recoded, &recoded, &suppressed);
        let by_nat = &u.tables[0];
        assert_eq!(
            (
                by_nat.cells,
                by_nat.published,
                by_nat.recoded,
                by_nat.hidden
            ),
            (4, 2, 1, 1)
        );
        assert_eq!(by_nat.columns[0].hidden, 2);
        let left = &u.tables[1];
        assert!(left.left_out);
        assert_eq!((left.cells, left.hidden), (4, 4));
        assert_eq!(left.columns[0].hidden, 30);
        assert_eq!((u.cells, u.hidden), (8, 5));
        assert_eq!(u.hidden_value_pct, pct(32, 60));
        assert!(u.text_da().contains("I alt: 8 / 2 / 1 / 5"));
    }
}
