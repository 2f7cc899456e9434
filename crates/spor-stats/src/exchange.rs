//! International data exchanges (Eurostat, UNODC, the US TIP report, GRETA) as table
//! definitions, evaluated by the same engine and counting rules as the overview: a victim
//! of year Y is a person with an `identified` decision in Y, counted once with the latest
//! decision's attributes. Where the register's codes go in each exchange is
//! [`spor_core::Mappings`] (data the centre can change), read through [`Dim::Mapped`].

use indexmap::IndexMap;
use serde::Serialize;
use spor_core::{Mappings, Register, Series};

use crate::defs::{
    Categories, Cols, Dim, Measure, Order, Population, Presentation, Rows, TableDef, TotalRule,
    YearSpan,
};
use crate::output::{Row, Table};
use crate::{Columns, StatsError};

/// One exchange: its tables, and for a microdata-like exchange (Eurostat) how its main
/// table reads as flat rows.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeDef {
    /// As on the command line and in URLs: `eurostat`.
    pub name: &'static str,
    /// Danish title; `{year}` is the report year.
    pub title: &'static str,
    /// One Danish sentence: who receives it and what it holds.
    pub description: &'static str,
    pub tables: &'static [TableDef],
    pub flat: Option<Flat>,
}

/// How a table whose rows nest one dimension per field, and whose columns are the last
/// field, reads as one row per combination (Eurostat's data collection).
#[derive(Debug, Clone, Copy)]
pub struct Flat {
    /// The table's id.
    pub table: &'static str,
    /// The field names: one per row level, then the column's.
    pub fields: &'static [&'static str],
    /// The fields' Danish names, as spreadsheet headers.
    pub labels: &'static [&'static str],
    /// Each field's code for "all categories" (Eurostat's `T`, `TOTAL`), in marginal rows.
    pub totals: &'static [&'static str],
    /// Each field's marginal table (its categories × count), in the order of `fields`.
    pub marginals: &'static [&'static str],
}

/// One row of a [`Flat`] exchange: a category per field and the count, above zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlatRow {
    pub keys: Vec<String>,
    pub value: u64,
}

/// An evaluated exchange.
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeReport {
    pub exchange: String,
    pub title: String,
    pub year: i32,
    /// The reporting country (ISO 3166-1 alpha-2).
    pub country: String,
    pub tables: IndexMap<String, Table>,
    /// The flat rows of a [`Flat`] exchange (empty otherwise), in the categories' order.
    pub rows: Vec<FlatRow>,
    #[serde(skip)]
    pub def: &'static ExchangeDef,
}

impl ExchangeReport {
    /// The table of `id` and its definition, in the exchange's order.
    pub fn tables(&self) -> impl Iterator<Item = (&TableDef, &Table)> {
        self.def
            .tables
            .iter()
            .filter_map(|d| self.tables.get(d.id).map(|t| (d, t)))
    }
}

/// The count of a table for the report year: its total in the year's column, or the sum of
/// its totals when its columns are categories. What every exchange table's total must
/// equal: the year's victims.
pub fn year_total(table: &Table, year: i32) -> Option<u64> {
    let y = year.to_string();
    match table.column_keys.iter().position(|k| *k == y) {
        Some(i) => table.total.get(i).copied().flatten(),
        None => table.total.iter().try_fold(0, |a, v| Some(a + (*v)?)),
    }
}

/// Why an exchange cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    #[error("unknown exchange `{0}`; known exchanges: {1}")]
    Unknown(String, String),
    #[error(transparent)]
    Stats(#[from] StatsError),
}

/// The exchange named `name`; the error lists the known ones.
pub fn exchange(name: &str) -> Result<&'static ExchangeDef, ExchangeError> {
    EXCHANGES.iter().find(|e| e.name == name).ok_or_else(|| {
        ExchangeError::Unknown(
            name.to_owned(),
            EXCHANGES
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", "),
        )
    })
}

/// Evaluates the exchange `def` for `year` with the mappings `maps`.
pub fn evaluate_exchange(
    reg: &Register,
    cols: &Columns,
    year: i32,
    def: &'static ExchangeDef,
    maps: &Mappings,
) -> Result<ExchangeReport, ExchangeError> {
    let (tables, ()) = crate::evaluate_defs(reg, cols, year, def.tables, None, maps, |_, _| ())?;
    let rows = match &def.flat {
        Some(flat) => flatten(flat, def, &tables, maps),
        None => Vec::new(),
    };
    Ok(ExchangeReport {
        exchange: def.name.to_owned(),
        title: def.title.replace("{year}", &year.to_string()),
        year,
        country: maps.reporting_country().to_owned(),
        tables,
        rows,
        def,
    })
}

/// The leaves of the flat table × its columns, above zero, ordered by each field's
/// categories.
fn flatten(
    flat: &Flat,
    def: &ExchangeDef,
    tables: &IndexMap<String, Table>,
    maps: &Mappings,
) -> Vec<FlatRow> {
    let (Some(table), Some(tdef)) = (
        tables.get(flat.table),
        def.tables.iter().find(|t| t.id == flat.table),
    ) else {
        return Vec::new();
    };
    let mut dims: Vec<Dim> = match tdef.rows {
        Rows::Dims { levels, .. } => levels.to_vec(),
        Rows::Measures(_) => Vec::new(),
    };
    if let Cols::Dim(d) = tdef.cols {
        dims.push(d);
    }
    let rank = |field: usize, key: &str| -> usize {
        match dims.get(field) {
            Some(Dim::Mapped(id)) => maps
                .map(id)
                .and_then(|m| m.categories.iter().position(|c| c.code == key))
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        }
    };
    fn leaves<'r>(
        rows: &'r [Row],
        path: &mut Vec<&'r str>,
        out: &mut Vec<(Vec<&'r str>, &'r Row)>,
    ) {
        for r in rows {
            path.push(&r.key);
            if r.children.is_empty() {
                out.push((path.clone(), r));
            } else {
                leaves(&r.children, path, out);
            }
            path.pop();
        }
    }
    let mut found = Vec::new();
    leaves(&table.rows, &mut Vec::new(), &mut found);
    let mut out: Vec<FlatRow> = Vec::new();
    for (path, row) in found {
        for (ci, v) in row.values.iter().enumerate() {
            let Some(v) = *v else { continue };
            if v == 0 {
                continue;
            }
            let mut keys: Vec<String> = path.iter().map(|k| (*k).to_owned()).collect();
            keys.push(table.column_keys[ci].clone());
            out.push(FlatRow { keys, value: v });
        }
    }
    out.sort_by_cached_key(|r| {
        r.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (rank(i, k), k.clone()))
            .collect::<Vec<_>>()
    });
    out
}

const VICTIMS: Measure = Measure {
    key: "victims",
    label: "Personer vurderet udsat for menneskehandel",
    label_en: "Persons identified as victims of trafficking",
    filter: &[],
    history: Some(Series::Victims),
};

const VICTIMS_ROWS: Rows = Rows::Measures(&[VICTIMS]);

/// The year's victims by one dimension: every category of it, in its order.
const fn by(
    id: &'static str,
    title: &'static str,
    dim: &'static [Dim],
    cols: Cols,
    presentation: Presentation,
) -> TableDef {
    TableDef {
        id,
        title,
        population: Population::Victims,
        filter: &[],
        rows: Rows::Dims {
            levels: dim,
            categories: Categories::All { optional: &[] },
        },
        cols,
        order: Order::List,
        total: TotalRule::SumOfRows,
        presentation,
    }
}

/// The victims of the year, one row.
const fn victims(id: &'static str, title: &'static str, cols: Cols, position: u16) -> TableDef {
    TableDef {
        id,
        title,
        population: Population::Victims,
        filter: &[],
        rows: VICTIMS_ROWS,
        cols,
        order: Order::List,
        total: TotalRule::Row("victims"),
        presentation: Presentation::new(position, "Ofre i alt", "").without_total(),
    }
}

/// The victims by nationality (country codes of the register), largest first.
const fn by_nationality(
    id: &'static str,
    title: &'static str,
    cols: Cols,
    position: u16,
) -> TableDef {
    TableDef {
        id,
        title,
        population: Population::Victims,
        filter: &[],
        rows: Rows::Dims {
            levels: &[Dim::Nationality],
            categories: Categories::Present,
        },
        cols,
        order: Order::CountDesc,
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(position, "Nationalitet", "Nationalitet"),
    }
}

const EUROSTAT_SEX: Dim = Dim::Mapped("eurostat_sex");
const EUROSTAT_AGE: Dim = Dim::Mapped("eurostat_age");
const EUROSTAT_CITIZEN: Dim = Dim::Mapped("eurostat_citizen");
const EUROSTAT_EXPLOITATION: Dim = Dim::Mapped("eurostat_exploitation");

/// Eurostat's data collection on trafficking in human beings (`crim_thb`): registered
/// victims by sex, age, citizenship and form of exploitation.
const EUROSTAT: &[TableDef] = &[
    TableDef {
        id: "eurostat_victims",
        title: "Registrerede ofre efter køn, alder, statsborgerskab og udnyttelse, {year}",
        population: Population::Victims,
        filter: &[],
        rows: Rows::Dims {
            levels: &[EUROSTAT_SEX, EUROSTAT_AGE, EUROSTAT_CITIZEN],
            categories: Categories::Present,
        },
        cols: Cols::Dim(EUROSTAT_EXPLOITATION),
        order: Order::CountDesc,
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(1, "Ofre", "Køn / alder / statsborgerskab"),
    },
    by(
        "eurostat_by_sex",
        "Registrerede ofre efter køn, {year}",
        &[EUROSTAT_SEX],
        Cols::Count,
        Presentation::new(2, "Køn", "Køn (sex)"),
    ),
    by(
        "eurostat_by_age",
        "Registrerede ofre efter alder, {year}",
        &[EUROSTAT_AGE],
        Cols::Count,
        Presentation::new(3, "Alder", "Alder (age)"),
    ),
    by(
        "eurostat_by_citizen",
        "Registrerede ofre efter statsborgerskab, {year}",
        &[EUROSTAT_CITIZEN],
        Cols::Count,
        Presentation::new(4, "Statsborgerskab", "Statsborgerskab (citizen)"),
    ),
    by(
        "eurostat_by_exploitation",
        "Registrerede ofre efter udnyttelsesform, {year}",
        &[EUROSTAT_EXPLOITATION],
        Cols::Count,
        Presentation::new(5, "Udnyttelse", "Udnyttelse (exploitation)"),
    ),
];

/// UNODC's questionnaire for the Global Report on Trafficking in Persons (GLOTIP).
const UNODC: &[TableDef] = &[
    by(
        "unodc_victims_by_group_form",
        "Ofre efter voksne/børn og køn og udnyttelsesform, {year}",
        &[Dim::Mapped("unodc_victim_group")],
        Cols::Dim(Dim::Mapped("unodc_form")),
        Presentation::new(1, "Ofre efter gruppe og form", "Gruppe"),
    ),
    by(
        "unodc_victims_by_citizenship",
        "Ofre efter statsborgerskab, {year}",
        &[Dim::Mapped("unodc_citizen")],
        Cols::Count,
        Presentation::new(2, "Statsborgerskab", "Statsborgerskab"),
    ),
    by_nationality(
        "unodc_victims_by_country",
        "Ofre efter statsborgerskabsland, {year}",
        Cols::Count,
        3,
    ),
];

/// The figures block of the US State Department's TIP report submission.
const TIP: &[TableDef] = &[
    victims("tip_victims", "Identificerede ofre, {year}", Cols::Count, 1),
    by(
        "tip_victims_by_form",
        "Identificerede ofre efter udnyttelsesform, {year}",
        &[Dim::Mapped("tip_form")],
        Cols::Count,
        Presentation::new(2, "Udnyttelse", "Udnyttelse"),
    ),
    by(
        "tip_victims_by_gender",
        "Identificerede ofre efter køn, {year}",
        &[Dim::Mapped("tip_gender")],
        Cols::Count,
        Presentation::new(3, "Køn", "Køn"),
    ),
    by(
        "tip_victims_by_age",
        "Identificerede ofre, mindreårige og voksne, {year}",
        &[Dim::Mapped("tip_age")],
        Cols::Count,
        Presentation::new(4, "Mindreårige", "Alder"),
    ),
    by(
        "tip_victims_by_citizenship",
        "Identificerede ofre, egne og udenlandske statsborgere, {year}",
        &[Dim::Mapped("tip_citizen")],
        Cols::Count,
        Presentation::new(5, "Statsborgerskab", "Statsborgerskab"),
    ),
    by(
        "tip_victims_by_authority",
        "Identificerede ofre efter myndighed, der traf afgørelsen, {year}",
        &[Dim::Mapped("tip_authority")],
        Cols::Count,
        Presentation::new(6, "Myndighed", "Myndighed"),
    ),
];

/// Five years, as GRETA's questionnaires ask for the years since the last evaluation.
const GRETA_YEARS: Cols = Cols::Years(YearSpan::Last(5));

/// The statistics annex of a GRETA (Council of Europe) questionnaire.
const GRETA: &[TableDef] = &[
    victims(
        "greta_victims",
        "Identificerede ofre, {first}-{year}",
        GRETA_YEARS,
        1,
    ),
    by(
        "greta_victims_by_sex",
        "Identificerede ofre efter køn, {first}-{year}",
        &[Dim::Mapped("greta_sex")],
        GRETA_YEARS,
        Presentation::new(2, "Køn", "Køn"),
    ),
    by(
        "greta_victims_by_age",
        "Identificerede ofre efter aldersgruppe, {first}-{year}",
        &[Dim::Mapped("greta_age")],
        GRETA_YEARS,
        Presentation::new(3, "Alder", "Aldersgruppe"),
    ),
    by_nationality(
        "greta_victims_by_nationality",
        "Identificerede ofre efter nationalitet, {first}-{year}",
        GRETA_YEARS,
        4,
    ),
    by(
        "greta_victims_by_form",
        "Identificerede ofre efter udnyttelsesform, {first}-{year}",
        &[Dim::Mapped("greta_form")],
        GRETA_YEARS,
        Presentation::new(5, "Udnyttelse", "Udnyttelsesform"),
    ),
    by(
        "greta_victims_by_authority",
        "Identificerede ofre efter identificerende myndighed, {first}-{year}",
        &[Dim::Mapped("greta_authority")],
        GRETA_YEARS,
        Presentation::new(6, "Myndighed", "Myndighed"),
    ),
];

/// Every exchange, in the order they are offered.
pub const EXCHANGES: &[ExchangeDef] = &[
    ExchangeDef {
        name: "eurostat",
        title: "Eurostat: registrerede ofre for menneskehandel, {year}",
        description: "Eurostats dataindsamling (crim_thb): ofre efter køn, alder, statsborgerskab og udnyttelse, én række pr. kombination, med randtabellerne.",
        tables: EUROSTAT,
        flat: Some(Flat {
            table: "eurostat_victims",
            fields: &["sex", "age", "citizen", "exploitation"],
            labels: &["Køn", "Alder", "Statsborgerskab", "Udnyttelse"],
            totals: &["T", "TOTAL", "TOTAL", "TOTAL"],
            marginals: &[
                "eurostat_by_sex",
                "eurostat_by_age",
                "eurostat_by_citizen",
                "eurostat_by_exploitation",
            ],
        }),
    },
    ExchangeDef {
        name: "unodc",
        title: "UNODC: ofre for menneskehandel (GLOTIP), {year}",
        description: "UNODC's spørgeskema til Global Report: voksne kvinder og mænd, piger og drenge efter udnyttelsesform, og ofre efter statsborgerskab.",
        tables: UNODC,
        flat: None,
    },
    ExchangeDef {
        name: "tip",
        title: "US TIP-rapporten: identificerede ofre, {year}",
        description: "Tallene til det amerikanske udenrigsministeriums TIP-rapport: ofre efter udnyttelse, køn (transkønnede med), mindreårige, egne statsborgere og myndighed.",
        tables: TIP,
        flat: None,
    },
    ExchangeDef {
        name: "greta",
        title: "GRETA: statistisk bilag, {year}",
        description: "Statistikbilaget til Europarådets GRETA-spørgeskema: ofre efter køn, aldersgruppe, nationalitet, udnyttelse og myndighed, for fem år.",
        tables: GRETA,
        flat: None,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_exchange_names_only_maps_that_exist_and_has_unique_sheets() {
        let maps = Mappings::builtin();
        for e in EXCHANGES {
            let mut sheets = HashSet::from(["om tallene".to_owned()]);
            for t in e.tables {
                let mut dims: Vec<Dim> = match t.rows {
                    Rows::Dims { levels, .. } => levels.to_vec(),
                    Rows::Measures(_) => Vec::new(),
                };
                if let Cols::Dim(d) = t.cols {
                    dims.push(d);
                }
                for d in dims {
                    if let Dim::Mapped(id) = d {
                        assert!(maps.map(id).is_some(), "{}: no map {id}", t.id);
                    }
                }
                let sheet = t.presentation.sheet;
                assert!(sheet.chars().count() <= 31, "{}", t.id);
                assert!(sheets.insert(sheet.to_lowercase()), "{}: {sheet}", t.id);
            }
        }
    }

    #[test]
    fn an_unknown_exchange_lists_the_known_ones() {
        let err = exchange("eurostats").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown exchange `eurostats`; known exchanges: eurostat, unodc, tip, greta"
        );
    }
}
