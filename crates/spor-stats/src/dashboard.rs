//! The analyst's dashboard: a few tables of one year, counted by the same engine and
//! counting rules as the overview (a victim is a person with an `identified` decision in
//! the year, counted once with the latest decision's attributes), optionally up to a date
//! of the year and the year before to the same date.
//!
//! The dashboard is [`DASHBOARD`], a list of [`TableDef`]s like the overview's; its key
//! figures ([`Figures`]) are read off those tables, so a figure and its table never differ.

use chrono::{Datelike, NaiveDate};
use indexmap::IndexMap;
use serde::Serialize;
use spor_core::{Register, Series};

use crate::defs::{
    Categories, Cols, Dim, Measure, Order, Population, Presentation, Rows, TableDef, TotalRule,
    YearSpan,
};
use crate::output::Table;
use crate::{Columns, StatsError};

/// The year and the year before, one column each.
const TWO_YEARS: Cols = Cols::Years(YearSpan::Last(2));

/// The year's victims by one dimension, largest first.
const fn by(id: &'static str, title: &'static str, levels: &'static [Dim]) -> TableDef {
    TableDef {
        id,
        title,
        population: Population::Victims,
        filter: &[],
        rows: Rows::Dims {
            levels,
            categories: Categories::Present,
        },
        cols: Cols::Count,
        order: Order::CountDesc,
        total: TotalRule::SumOfRows,
        presentation: Presentation::UNLISTED,
    }
}

/// The dashboard's tables.
pub const DASHBOARD: &[TableDef] = &[
    TableDef {
        id: "victims",
        title: "Personer vurderet udsat for menneskehandel, {first}-{year}",
        population: Population::Victims,
        filter: &[],
        rows: Rows::Measures(&[Measure {
            key: "victims",
            label: "Personer vurderet udsat for menneskehandel",
            label_en: "Persons identified as victims of trafficking",
            filter: &[],
            history: Some(Series::Victims),
        }]),
        cols: TWO_YEARS,
        order: Order::List,
        total: TotalRule::Row("victims"),
        presentation: Presentation::UNLISTED,
    },
    by(
        "victims_by_form",
        "Personer udsat for menneskehandel fordelt på udnyttelse, {year}",
        &[Dim::Form],
    ),
    by(
        "victims_by_nationality",
        "Personer udsat for menneskehandel fordelt på nationalitet, {year}",
        &[Dim::Nationality],
    ),
    TableDef {
        id: "calls_by_month",
        title: "Opkald til hotlinen pr. måned, {first}-{year}",
        population: Population::HotlineCalls,
        filter: &[],
        rows: Rows::Dims {
            levels: &[Dim::Month],
            categories: Categories::All { optional: &[] },
        },
        cols: TWO_YEARS,
        order: Order::List,
        total: TotalRule::SumOfRows,
        presentation: Presentation::UNLISTED,
    },
];

/// The dashboard of a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub year: i32,
    /// Counted up to this date of the year (and the year before to the same date);
    /// `None`: whole years.
    pub until: Option<NaiveDate>,
    pub figures: Figures,
    /// [`DASHBOARD`]'s tables by id.
    pub tables: IndexMap<String, Table>,
}

/// The dashboard's key figures, read off its tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    pub victims: Option<u64>,
    pub victims_previous_year: Option<u64>,
    /// Change from the year before, in per cent with one decimal.
    pub victims_change_pct: Option<f64>,
    pub calls: Option<u64>,
}

impl Dashboard {
    /// A table of [`DASHBOARD`] by id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.get(id)
    }
}

/// The dashboard of `year`, counting records dated up to `until` (a date in `year`) in
/// that year and up to the same date the year before; the whole years without `until`.
///
/// A person counts as a victim up to a date when the decision that counts for the year
/// (their latest that year) is dated on or before it.
pub fn evaluate_dashboard(
    reg: &Register,
    cols: &Columns,
    year: i32,
    until: Option<NaiveDate>,
) -> Result<Dashboard, StatsError> {
    let until = until.filter(|d| d.year() == year);
    let until_day = until.map(|d| (d.month() as u8, d.day() as u8));
    let tables = crate::evaluate_defs(
        reg,
        cols,
        year,
        DASHBOARD,
        until_day,
        spor_core::Mappings::builtin(),
        |_, _| (),
    )?
    .0;
    let victims_table = &tables["victims"];
    let column = |y: i32| {
        victims_table
            .column_keys
            .iter()
            .position(|k| *k == y.to_string())
            .and_then(|c| victims_table.total.get(c).copied().flatten())
    };
    let (victims, previous) = (column(year), column(year - 1));
    let calls = tables["calls_by_month"]
        .column_keys
        .iter()
        .position(|k| *k == year.to_string())
        .and_then(|c| tables["calls_by_month"].total.get(c).copied().flatten());
    Ok(Dashboard {
        year,
        until,
        figures: Figures {
            victims,
            victims_previous_year: previous,
            victims_change_pct: crate::change_pct(previous, victims),
            calls,
        },
        tables,
    })
}
