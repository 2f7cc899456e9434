//! The overview's tables as data. Each [`TableDef`] says which population it counts,
//! which dimensions make its rows (nested levels become `children`), what its columns are,
//! how rows are ordered and how the total is formed; [`crate::engine`] evaluates any of
//! them. A new cross-tab is a new entry in [`TABLES`], not new engine code.

use spor_core::{Form, Series};

/// Which units a table counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Population {
    /// One unit per person and statistics year with an `identified` decision that year,
    /// carrying the attributes of the latest such decision.
    Victims,
    /// One unit per person and year with an assessment interview that year, carrying the
    /// attributes of the latest interview that year.
    AssessedPersons,
    /// One unit per hotline call, in its Copenhagen year.
    HotlineCalls,
}

impl Population {
    /// The history series that stands in for this population's total before its
    /// microdata is complete.
    pub fn series(self) -> Series {
        match self {
            Population::Victims => Series::Victims,
            Population::AssessedPersons => Series::AssessedPersons,
            Population::HotlineCalls => Series::HotlineCalls,
        }
    }
}

/// A condition on a unit. A table's or measure's filter is a list of them, all of which
/// must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pred {
    /// Age known and under 18 at the decision.
    Minor,
    /// Age known and under 25 at the decision.
    Under25,
    /// Identified in an earlier year as well (genganger).
    RepeatVictim,
    /// Left on a prepared return on or before 31 December of the statistics year.
    Returned,
    /// Returned to a country other than the nationality.
    ReturnedToThirdCountry,
    /// A hotline call concerning one or more possible victims.
    ConcernsPossibleVictim,
    /// An assessed person with an `identified` decision dated on or after their first
    /// interview of the year.
    IdentifiedAfterInterview,
    /// Exploited in this form.
    Form(Form),
}

/// A categorical attribute of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    ReferralActor,
    Form,
    FormGroup,
    /// The subtype within the given form (`unspecified` when none is recorded).
    Subtype(Form),
    Gender,
    GenderGroup,
    /// Gender and adult/minor/age unknown, keyed `GENDER/adult|minor|age_unknown`.
    GenderAge,
    Nationality,
    Authority,
    /// The month of the unit's date (the call's, in Copenhagen), keyed `01`…`12`.
    Month,
    /// `adult`, `minor` or `age_unknown`.
    AgeBand,
    /// The nationality as `national` (the reporting country), `eu` (another member state
    /// of the EU in the unit's year), `non_eu` or `unknown` ([`spor_core::Mappings`]).
    Citizenship,
    /// The category a map of [`spor_core::Mappings`] (by id) sends the unit to, from the
    /// map's source (a code list or one of the dimensions above): an exchange's field.
    Mapped(&'static str),
}

/// A named count: a row or column that counts the units passing its filter.
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    pub key: &'static str,
    pub label: &'static str,
    /// The label in English (the counting rule's text, [`crate::describe`]).
    pub label_en: &'static str,
    pub filter: &'static [Pred],
    /// The history series giving this measure's value before the microdata is complete
    /// (unsplit series only); `None`: not known in those years.
    pub history: Option<Series>,
}

/// Which categories of a dimension become rows.
#[derive(Debug, Clone, Copy)]
pub enum Categories {
    /// Only categories that occur (count above zero).
    Present,
    /// Every code of the dimension's list, in list order, plus any other that occurs;
    /// the `optional` codes only when they are non-zero somewhere.
    All { optional: &'static [&'static str] },
}

/// The rows of a table.
#[derive(Debug, Clone, Copy)]
pub enum Rows {
    Measures(&'static [Measure]),
    /// One dimension per nesting level: the first gives the rows, the next their
    /// `children`, and so on.
    Dims {
        levels: &'static [Dim],
        categories: Categories,
    },
}

/// Which years a year series spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearSpan {
    /// The report year and the `n - 1` years before it.
    Last(i32),
    /// From the first year of the victims series (history or microdata) to the report year.
    SinceFirstVictimYear,
}

/// The columns of a table.
#[derive(Debug, Clone, Copy)]
pub enum Cols {
    /// One column `count` for the report year.
    Count,
    /// One column per year.
    Years(YearSpan),
    /// A cross-tab over every code of the dimension's list (report year).
    Dim(Dim),
    /// One column per measure (report year).
    Measures(&'static [Measure]),
}

/// How rows are ordered (children are always ordered by count, then label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Row sum descending, then label in Danish order.
    CountDesc,
    /// The given column descending, then label in Danish order.
    ColumnDesc(usize),
    /// As defined (measures) or in code-list order.
    List,
}

/// How the total row is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalRule {
    /// Column sums of the top-level rows (`null` where a row is not known).
    SumOfRows,
    /// The values of the row with this key: for tables whose rows overlap (a row and a
    /// "heraf" row).
    Row(&'static str),
}

/// How the editions (HTML, XLSX, CSV, PDF) show a table. The renderers read this and
/// nothing else about a table's id: a new table is shown by its definition alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    /// Place among the editions' tables (XLSX sheets, CSV files, the HTML annex of tables
    /// no section shows): ascending, unique in [`TABLES`].
    pub position: u16,
    /// The XLSX sheet name: at most 31 characters, none of `[]:*?/\'`, unique.
    pub sheet: &'static str,
    /// The heading of the label column ("Nationalitet"); empty for a table whose rows are
    /// measures named in full ("Opkald på hotlinen").
    pub row_header: &'static str,
    /// Whether the editions print the total row ("I alt"). Even then it is left out of a
    /// table with a single row, where it would repeat the row.
    pub total_row: bool,
}

impl Presentation {
    /// For a definition outside [`TABLES`] (a cross-tab evaluated on its own): after every
    /// listed table, sheet named after the id, no row header, total row shown.
    pub const UNLISTED: Presentation = Presentation {
        position: u16::MAX,
        sheet: "",
        row_header: "",
        total_row: true,
    };

    /// Shown at `position`, on sheet `sheet`, under `row_header`, with its total row.
    pub const fn new(position: u16, sheet: &'static str, row_header: &'static str) -> Self {
        Presentation {
            position,
            sheet,
            row_header,
            total_row: true,
        }
    }

    /// The same without the total row (rows that overlap, whose sum means nothing).
    pub const fn without_total(self) -> Self {
        Presentation {
            total_row: false,
            ..self
        }
    }
}

/// One table of the overview.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    pub id: &'static str,
    /// Danish title; `{year}` is the report year, `{first}` the first column's year.
    pub title: &'static str,
    pub population: Population,
    pub filter: &'static [Pred],
    pub rows: Rows,
    pub cols: Cols,
    pub order: Order,
    pub total: TotalRule,
    /// How the editions show it.
    pub presentation: Presentation,
}

const fn present(levels: &'static [Dim]) -> Rows {
    Rows::Dims {
        levels,
        categories: Categories::Present,
    }
}

const fn one_dim(
    id: &'static str,
    title: &'static str,
    filter: &'static [Pred],
    levels: &'static [Dim],
    presentation: Presentation,
) -> TableDef {
    TableDef {
        id,
        title,
        population: Population::Victims,
        filter,
        rows: present(levels),
        cols: Cols::Count,
        order: Order::CountDesc,
        total: TotalRule::SumOfRows,
        presentation,
    }
}

const fn gender_form(
    id: &'static str,
    title: &'static str,
    filter: &'static [Pred],
    position: u16,
    sheet: &'static str,
) -> TableDef {
    TableDef {
        id,
        title,
        population: Population::Victims,
        filter,
        rows: present(&[Dim::Gender]),
        cols: Cols::Dim(Dim::Form),
        order: Order::CountDesc,
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(position, sheet, "Køn"),
    }
}

const VICTIMS: Measure = Measure {
    key: "victims",
    label: "Personer vurderet udsat for menneskehandel",
    label_en: "Persons identified as victims of trafficking",
    filter: &[],
    history: Some(Series::Victims),
};

/// Every table of the overview, in the order of the report's JSON (the editions order
/// them by [`Presentation::position`]).
pub const TABLES: &[TableDef] = &[
    TableDef {
        id: "hotline_calls_by_year",
        title: "Opkald til Center mod Menneskehandels hotline, {first}-{year}",
        population: Population::HotlineCalls,
        filter: &[],
        rows: Rows::Measures(&[
            Measure {
                key: "calls",
                label: "Opkald på hotlinen",
                label_en: "Calls to the hotline",
                filter: &[],
                history: Some(Series::HotlineCalls),
            },
            Measure {
                key: "concerning_possible_victims",
                label: "Heraf om personer, der kan være udsat for menneskehandel",
                label_en: "Of which about persons who may be victims of trafficking",
                filter: &[Pred::ConcernsPossibleVictim],
                history: None,
            },
        ]),
        cols: Cols::Years(YearSpan::Last(4)),
        order: Order::List,
        total: TotalRule::Row("calls"),
        presentation: Presentation::new(1, "Hotline", "").without_total(),
    },
    TableDef {
        id: "assessed_persons_by_year",
        title: "Personer udredt for menneskehandel, {first}-{year}",
        population: Population::AssessedPersons,
        filter: &[],
        rows: Rows::Measures(&[Measure {
            key: "assessed",
            label: "Udredte personer",
            label_en: "Assessed persons",
            filter: &[],
            history: Some(Series::AssessedPersons),
        }]),
        cols: Cols::Years(YearSpan::Last(4)),
        order: Order::List,
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(2, "Udredte", ""),
    },
    TableDef {
        id: "victims_by_year",
        title: "Personer vurderet udsat for menneskehandel, {first}-{year}",
        population: Population::Victims,
        filter: &[],
        rows: Rows::Measures(&[VICTIMS]),
        cols: Cols::Years(YearSpan::SinceFirstVictimYear),
        order: Order::List,
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(3, "Ofre pr. år", ""),
    },
    one_dim(
        "victims_by_referral",
        "Personer udsat for menneskehandel fordelt på kontaktskabende aktør, {year}",
        &[],
        &[Dim::ReferralActor],
        Presentation::new(4, "Henvisende aktør", "Kontaktskabende aktør"),
    ),
    one_dim(
        "victims_by_form",
        "Personer udsat for menneskehandel fordelt på udnyttelse, {year}",
        &[],
        &[Dim::Form],
        Presentation::new(5, "Udnyttelse", "Udnyttelsesform"),
    ),
    one_dim(
        "forced_labour_by_subtype",
        "Tvangsarbejde fordelt på brancher, {year}",
        &[Pred::Form(Form::ForcedLabour)],
        &[Dim::Subtype(Form::ForcedLabour)],
        Presentation::new(6, "Tvangsarbejde", "Branche"),
    ),
    one_dim(
        "forced_criminality_by_subtype",
        "Strafbare handlinger fordelt på typer, {year}",
        &[Pred::Form(Form::ForcedCriminality)],
        &[Dim::Subtype(Form::ForcedCriminality)],
        Presentation::new(7, "Strafbare handlinger", "Type"),
    ),
    TableDef {
        id: "victims_by_form_group_year",
        title: "Personer udsat for menneskehandel fordelt på udnyttelse, {first}-{year}",
        population: Population::Victims,
        filter: &[],
        rows: Rows::Dims {
            levels: &[Dim::FormGroup],
            categories: Categories::All { optional: &[] },
        },
        cols: Cols::Years(YearSpan::SinceFirstVictimYear),
        order: Order::List,
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(8, "Udnyttelse pr. år", "Udnyttelse"),
    },
    one_dim(
        "victims_by_gender",
        "Personer udsat for menneskehandel fordelt på køn, {year}",
        &[],
        &[Dim::Gender],
        Presentation::new(11, "Køn", "Køn"),
    ),
    TableDef {
        id: "victims_by_gender_group_year",
        title: "Personer udsat for menneskehandel fordelt på køn, {first}-{year}",
        population: Population::Victims,
        filter: &[],
        rows: Rows::Dims {
            levels: &[Dim::GenderGroup],
            categories: Categories::All {
                optional: &["other_unknown"],
            },
        },
        cols: Cols::Years(YearSpan::SinceFirstVictimYear),
        order: Order::List,
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(13, "Køn pr. år", "Køn"),
    },
    gender_form(
        "victims_by_gender_form",
        "Personer udsat for menneskehandel fordelt på køn og udnyttelse, {year}",
        &[],
        12,
        "Køn og udnyttelse",
    ),
    gender_form(
        "minors_by_gender_form",
        "Personer under 18 år vurderet udsat for menneskehandel fordelt på køn og udnyttelse, {year}",
        &[Pred::Minor],
        10,
        "Under 18 år",
    ),
    gender_form(
        "under25_by_gender_form",
        "Personer under 25 år vurderet udsat for menneskehandel fordelt på køn og udnyttelse, {year}",
        &[Pred::Under25],
        9,
        "Under 25 år",
    ),
    one_dim(
        "victims_by_nationality",
        "Personer udsat for menneskehandel fordelt på nationalitet, {year}",
        &[],
        &[Dim::Nationality],
        Presentation::new(14, "Nationalitet", "Nationalitet"),
    ),
    one_dim(
        "victims_by_nationality_gender_age_form",
        "Nationalitet, køn, alder og udnyttelse, {year}",
        &[],
        &[Dim::Nationality, Dim::GenderAge, Dim::Form],
        Presentation::new(
            19,
            "Nationalitet, køn og alder",
            "Nationalitet, køn/alder og udnyttelse",
        ),
    ),
    one_dim(
        "returns_by_nationality",
        "Personer udsat for menneskehandel, der har modtaget en forberedt hjemsendelse, fordelt på oprindelsesland, {year}",
        &[Pred::Returned],
        &[Dim::Nationality],
        Presentation::new(17, "Forberedt hjemsendelse", "Nationalitet"),
    ),
    one_dim(
        "victims_by_authority",
        "Personer udsat for menneskehandel fordelt på myndighed, der har truffet afgørelsen, {year}",
        &[],
        &[Dim::Authority],
        Presentation::new(18, "Myndighed", "Myndighed"),
    ),
    one_dim(
        "repeat_victims_by_nationality",
        "Gengangere fordelt på nationalitet, {year}",
        &[Pred::RepeatVictim],
        &[Dim::Nationality],
        Presentation::new(15, "Gengangere", "Nationalitet"),
    ),
    TableDef {
        id: "assessed_persons_by_nationality",
        title: "Udredte personer fordelt på nationalitet, {year}",
        population: Population::AssessedPersons,
        filter: &[],
        rows: present(&[Dim::Nationality]),
        cols: Cols::Measures(&[
            Measure {
                key: "assessed",
                label: "Udredte",
                label_en: "Assessed",
                filter: &[],
                history: None,
            },
            Measure {
                key: "identified",
                label: "Heraf vurderet udsat",
                label_en: "Of which identified as victims",
                filter: &[Pred::IdentifiedAfterInterview],
                history: None,
            },
        ]),
        order: Order::ColumnDesc(0),
        total: TotalRule::SumOfRows,
        presentation: Presentation::new(16, "Udredte efter nationalitet", "Nationalitet"),
    },
];

/// The definition of a table by id.
pub fn table(id: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.id == id)
}

/// How the editions show the table `id`: its definition's [`Presentation`], or
/// [`Presentation::UNLISTED`] for an id outside [`TABLES`].
pub fn presentation(id: &str) -> Presentation {
    table(id).map_or(Presentation::UNLISTED, |t| t.presentation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_table_has_its_own_position_and_a_valid_unique_sheet_name() {
        let mut positions = HashSet::new();
        // "Om tallene" is the XLSX edition's first sheet; Excel compares names without case.
        let mut sheets = HashSet::from(["om tallene".to_owned()]);
        for t in TABLES {
            let p = t.presentation;
            assert!(
                positions.insert(p.position),
                "{}: position {} taken",
                t.id,
                p.position
            );
            assert!(p.position < Presentation::UNLISTED.position, "{}", t.id);
            assert!(
                !p.sheet.is_empty() && p.sheet.chars().count() <= 31,
                "{}: sheet name {:?} must have 1 to 31 characters",
                t.id,
                p.sheet
            );
            assert!(
                !p.sheet.chars().any(|c| "[]:*?/\\'".contains(c)),
                "{}: sheet name {:?} has a character Excel refuses",
                t.id,
                p.sheet
            );
            assert!(
                sheets.insert(p.sheet.to_lowercase()),
                "{}: sheet name {:?} used twice",
                t.id,
                p.sheet
            );
        }
    }

    #[test]
    fn a_table_of_categories_names_its_label_column() {
        for t in TABLES {
            if matches!(t.rows, Rows::Dims { .. }) {
                assert!(
                    !t.presentation.row_header.is_empty(),
                    "{}: rows are categories of a dimension; say which in row_header",
                    t.id
                );
            }
        }
    }

    #[test]
    fn an_unknown_id_is_shown_after_the_listed_tables_with_its_total() {
        assert_eq!(presentation("no_such_table"), Presentation::UNLISTED);
        assert_eq!(presentation("victims_by_gender_form").row_header, "Køn");
        assert!(!presentation("hotline_calls_by_year").total_row);
    }
}
