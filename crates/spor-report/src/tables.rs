//! Reading a [`Report`]: tables by id, values by row and column key, facts with a
//! fallback computed from the tables when the engine did not provide the fact.
//!
//! Every accessor returns `Option`: a report for a year with partial data still renders,
//! and the narrative leaves out the sentences whose numbers are missing.

use spor_stats::{Facts, Report, Row, Table};

/// The report's tables in edition order ([`spor_stats::Presentation::position`] of their
/// definitions); a table without a definition (added by a newer engine, or evaluated on
/// its own) follows, in the report's order, so it shows up in every format without
/// renderer changes.
pub fn ordered(report: &Report) -> Vec<(&str, &Table)> {
    let mut out: Vec<(&str, &Table)> = report.tables.iter().map(|(k, t)| (k.as_str(), t)).collect();
    // A stable sort: equal positions (unlisted tables) keep the report's order.
    out.sort_by_key(|(id, _)| presentation(id).position);
    out
}

/// How the editions show table `id`: the presentation on its definition
/// ([`spor_stats::defs::presentation`]).
pub fn presentation(id: &str) -> spor_stats::Presentation {
    spor_stats::defs::presentation(id)
}

/// Whether a table's "I alt" row is printed: when its definition asks for it
/// ([`spor_stats::Presentation::total_row`]; not for the hotline table, whose second row is
/// a subset of the first) and the table has more than one row (else it would repeat the row).
pub fn shows_total(id: &str, table: &Table) -> bool {
    presentation(id).total_row && table.rows.len() > 1 && !table.total.is_empty()
}

/// The mark of a cell hidden for confidentiality (public profile). Not "–", which means
/// "not known".
pub const HIDDEN: &str = "·";

/// The text of a cell: "·" when hidden ([`Table::suppressed`]; `flat_row` counts rows in
/// reading order, children after their parent, the total row last), else the count or "–".
pub fn cell_text(table: &Table, flat_row: usize, col: usize, value: Option<u64>) -> String {
    if table.is_suppressed(flat_row, col) {
        HIDDEN.to_string()
    } else {
        crate::format::opt(value)
    }
}

/// [`cell_text`] with the mark of a revised figure ("74*", see
/// [`spor_stats::Report::revision_at`]) for a cell of table `id` of `report`.
pub fn marked_cell_text(
    report: &Report,
    id: &str,
    table: &Table,
    flat_row: usize,
    col: usize,
    value: Option<u64>,
) -> String {
    let text = cell_text(table, flat_row, col, value);
    if report.revision_at(id, flat_row, col).is_some() {
        text + spor_stats::REVISED_MARK
    } else {
        text
    }
}

/// The notes of a table: what "·" means (public profile) and which figures are revised
/// since an earlier release, one line each.
pub fn notes(report: &Report, id: &str, table: &Table) -> Vec<String> {
    hidden_note(report, table)
        .into_iter()
        .chain(report.revision_note(id))
        .collect()
}

/// Number of rows in reading order (children included): the flat index of the total row.
pub fn flat_len(rows: &[Row]) -> usize {
    rows.iter().map(|r| 1 + flat_len(&r.children)).sum()
}

/// The footnote under a table with hidden cells: the report's disclosure note.
pub fn hidden_note(report: &Report, table: &Table) -> Option<String> {
    if table.suppressed.is_empty() {
        return None;
    }
    Some(
        report
            .disclosure_note
            .clone()
            .unwrap_or_else(|| format!("{HIDDEN} = skjult af hensyn til fortrolighed.")),
    )
}

/// Whether the table nests rows (`children`).
pub fn is_nested(table: &Table) -> bool {
    table.rows.iter().any(|r| !r.children.is_empty())
}

/// A thin view of one report with typed accessors.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub report: &'a Report,
}

impl<'a> View<'a> {
    pub fn new(report: &'a Report) -> Self {
        View { report }
    }

    pub fn year(&self) -> i32 {
        self.report.year
    }

    pub fn table(&self, id: &str) -> Option<&'a Table> {
        self.report.tables.get(id)
    }

    /// The report's facts, by name ([`Facts`]).
    pub fn facts(&self) -> &'a Facts {
        &self.report.facts
    }

    /// A fact (`fact`, a field of [`Self::facts`]), else `fallback` (computed from the
    /// tables) when the fact is not known; except when the fact was withheld on purpose:
    /// the public profile (the report carries a disclosure note) publishes it as `null`,
    /// and no sentence may state it, nor compute it from the tables instead.
    pub fn fact_or<T>(&self, fact: Option<T>, fallback: impl FnOnce() -> Option<T>) -> Option<T> {
        match fact {
            Some(v) => Some(v),
            None if self.report.disclosure_note.is_some() => None,
            None => fallback(),
        }
    }

    /// Number of victims in the year: fact `victims`, else the year's column of
    /// `victims_by_year`, else the total of `victims_by_form`.
    pub fn victims(&self) -> Option<u64> {
        self.fact_or(self.facts().victims, || {
            self.year_value("victims_by_year", None, self.year())
        })
        .or_else(|| self.table("victims_by_form")?.total.first().copied()?)
    }

    /// The value of a year-column table at `year`; `row` = `None` takes the first row.
    pub fn year_value(&self, table: &str, row: Option<&str>, year: i32) -> Option<u64> {
        let t = self.table(table)?;
        let col = column_of(t, &year.to_string())?;
        let r = match row {
            Some(k) => t.rows.iter().find(|r| r.key == k)?,
            None => t.rows.first()?,
        };
        r.values.get(col).copied().flatten()
    }

    /// The years and values of one row of a year-column table, in column order.
    pub fn year_series(&self, table: &str, row: Option<&str>) -> Vec<(i32, Option<u64>)> {
        let Some(t) = self.table(table) else {
            return Vec::new();
        };
        let r = match row {
            Some(k) => t.rows.iter().find(|r| r.key == k),
            None => t.rows.first(),
        };
        let Some(r) = r else { return Vec::new() };
        t.column_keys
            .iter()
            .zip(&r.values)
            .filter_map(|(k, v)| Some((k.parse::<i32>().ok()?, *v)))
            .collect()
    }
}

/// Index of the column with key `key`.
pub fn column_of(table: &Table, key: &str) -> Option<usize> {
    table.column_keys.iter().position(|k| k == key)
}

/// The row with key `key` (top level).
pub fn row<'t>(table: &'t Table, key: &str) -> Option<&'t Row> {
    table.rows.iter().find(|r| r.key == key)
}

/// A one-column table's rows as (key, label, count), unknown counts left out.
pub fn counts(table: &Table) -> Vec<(&str, &str, u64)> {
    table
        .rows
        .iter()
        .filter_map(|r| {
            Some((
                r.key.as_str(),
                r.label.as_str(),
                r.values.first().copied()??,
            ))
        })
        .collect()
}

/// The total of column 0, or the sum of the rows when the table has no total.
pub fn total0(table: &Table) -> Option<u64> {
    match table.total.first() {
        Some(t) => *t,
        None => Some(counts(table).iter().map(|c| c.2).sum()),
    }
}

/// Value of a row × column cell of a cross table (row and column by key).
pub fn cell(table: &Table, row_key: &str, col_key: &str) -> Option<u64> {
    let c = column_of(table, col_key)?;
    row(table, row_key)?.values.get(c).copied().flatten()
}

/// Sum of the values if every one is known (`None` when one is unknown or hidden).
pub fn known_sum<'v>(values: impl IntoIterator<Item = &'v Option<u64>>) -> Option<u64> {
    values.into_iter().copied().sum()
}

/// A cell of a cross table: `Some(0)` when the row or column is absent (nobody in that
/// category), `None` when the cell is there but unknown or hidden.
pub fn cell_or_zero(table: &Table, row_key: &str, col_key: &str) -> Option<u64> {
    let (Some(c), Some(r)) = (column_of(table, col_key), row(table, row_key)) else {
        return Some(0);
    };
    r.values.get(c).copied().unwrap_or(Some(0))
}

/// Sum of a row across all columns (unknown cells count as 0).
pub fn row_sum(row: &Row) -> u64 {
    row.values.iter().map(|v| v.unwrap_or(0)).sum()
}

/// The heading of a table's label column ("Nationalitet", "Kontaktskabende aktør"):
/// [`spor_stats::Presentation::row_header`] of its definition, empty for an unknown id.
pub fn stub_header(id: &str) -> &'static str {
    presentation(id).row_header
}
