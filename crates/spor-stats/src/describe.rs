//! Each table's counting rule as text, in Danish and English, written from its definition
//! ([`TableDef`]): what it counts, which units pass, how rows and columns divide them and
//! what the total is. The editions print it under every table, so a reader can tell what
//! a figure counts without the definitions, and the text can never disagree with them.

use spor_core::{CodeBook, Form, ListId};

use crate::defs::{Cols, Dim, Measure, Population, Pred, Rows, TableDef, TotalRule, YearSpan};

/// A counting rule in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub da: String,
    pub en: String,
}

/// The counting rule of the overview's table `id`; `None` for an id outside
/// [`crate::TABLES`].
pub fn definition_of(id: &str) -> Option<Definition> {
    crate::defs::table(id).map(definition)
}

fn form_label(form: Form) -> (String, String) {
    let codes = CodeBook::builtin();
    match codes.get(ListId::ExploitationForm, form.code()) {
        Some(e) => (e.da.to_lowercase(), e.en.to_lowercase()),
        None => (form.code().to_owned(), form.code().to_owned()),
    }
}

fn population(p: Population) -> (&'static str, &'static str) {
    match p {
        Population::Victims => (
            "Personer vurderet udsat for menneskehandel ved en afgørelse i året. En person tælles én gang pr. år med oplysningerne fra årets seneste afgørelse.",
            "Persons identified as victims of trafficking by a decision in the year. A person counts once a year, with the details of the year's latest decision.",
        ),
        Population::AssessedPersons => (
            "Personer, der har haft en udredningssamtale i året. En person tælles én gang pr. år med oplysningerne fra årets seneste samtale.",
            "Persons with an assessment interview in the year. A person counts once a year, with the details of the year's latest interview.",
        ),
        Population::HotlineCalls => (
            "Opkald til hotlinen, talt i det år (dansk tid), hvor de blev modtaget.",
            "Calls to the hotline, counted in the year (Danish time) they were received.",
        ),
    }
}

fn pred(p: Pred) -> (String, String) {
    let (da, en) = match p {
        Pred::Minor => ("under 18 år ved afgørelsen", "under 18 at the decision"),
        Pred::Under25 => ("under 25 år ved afgørelsen", "under 25 at the decision"),
        Pred::RepeatVictim => (
            "også vurderet udsat i et tidligere år (gengangere)",
            "also identified in an earlier year (repeat victims)",
        ),
        Pred::Returned => (
            "udrejst med en forberedt hjemsendelse senest 31. december",
            "left on a prepared return by 31 December",
        ),
        Pred::ReturnedToThirdCountry => (
            "udrejst til et andet land end nationaliteten",
            "returned to a country other than their nationality",
        ),
        Pred::ConcernsPossibleVictim => (
            "om personer, der kan være udsat for menneskehandel",
            "about persons who may be victims of trafficking",
        ),
        Pred::IdentifiedAfterInterview => (
            "vurderet udsat ved en afgørelse på eller efter årets første samtale",
            "identified by a decision on or after the year's first interview",
        ),
        Pred::Form(f) => {
            let (da, en) = form_label(f);
            return (format!("udnyttet ved {da}"), format!("exploited in {en}"));
        }
    };
    (da.to_owned(), en.to_owned())
}

fn dim(d: Dim) -> (String, String) {
    let (da, en) = match d {
        Dim::ReferralActor => ("kontaktskabende aktør", "referring actor"),
        Dim::Form => ("udnyttelsesform", "form of exploitation"),
        Dim::FormGroup => (
            "udnyttelsesform (seksuel udnyttelse, tvangsarbejde, strafbare handlinger, slaveri-lignende forhold, øvrige)",
            "form of exploitation (sexual, forced labour, forced criminality, slavery-like, other)",
        ),
        Dim::Subtype(f) => {
            let (da, en) = form_label(f);
            return (
                format!("undertype af {da} (uoplyst, hvor ingen er registreret)"),
                format!("subtype of {en} (unspecified where none is recorded)"),
            );
        }
        Dim::Gender => ("køn", "gender"),
        Dim::GenderGroup => (
            "køn (kvinder, mænd, transkønnede, andet eller uoplyst)",
            "gender (women, men, transgender, other or unknown)",
        ),
        Dim::GenderAge => (
            "køn og voksen, under 18 år eller alder uoplyst",
            "gender and adult, under 18 or age unknown",
        ),
        Dim::Nationality => ("nationalitet", "nationality"),
        Dim::Authority => (
            "myndigheden, der traf afgørelsen",
            "the authority that decided",
        ),
        Dim::Month => ("måned", "month"),
        Dim::AgeBand => (
            "voksen, under 18 år eller alder uoplyst",
            "adult, under 18 or age unknown",
        ),
        Dim::Citizenship => (
            "statsborgerskab (indberetterlandets, andet EU-land i året, andet land eller statsløs, uoplyst)",
            "citizenship (the reporting country's, another EU member state that year, any other country or stateless, unknown)",
        ),
        Dim::Mapped(map) => {
            return (
                format!("kategorien i «{map}» (registrets koder sendt dertil af mapningen)"),
                format!("the category of «{map}» (the register's codes as the mapping sends them)"),
            );
        }
    };
    (da.to_owned(), en.to_owned())
}

fn measures(ms: &[Measure]) -> (String, String) {
    let da: Vec<String> = ms
        .iter()
        .map(|m| {
            let mut s = format!("«{}»", m.label);
            if !m.filter.is_empty() {
                let f: Vec<String> = m.filter.iter().map(|p| pred(*p).0).collect();
                s += &format!(" ({})", f.join(", "));
            }
            s
        })
        .collect();
    let en: Vec<String> = ms
        .iter()
        .map(|m| {
            let mut s = format!("«{}»", m.label_en);
            if !m.filter.is_empty() {
                let f: Vec<String> = m.filter.iter().map(|p| pred(*p).1).collect();
                s += &format!(" ({})", f.join(", "));
            }
            s
        })
        .collect();
    (da.join(", "), en.join(", "))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The counting rule of `def`, from the definition alone.
pub fn definition(def: &TableDef) -> Definition {
    let (mut da, mut en) = {
        let (da, en) = population(def.population);
        (vec![da.to_owned()], vec![en.to_owned()])
    };
    if !def.filter.is_empty() {
        let (d, e): (Vec<String>, Vec<String>) = def.filter.iter().map(|p| pred(*p)).unzip();
        da.push(format!("Kun personer {}.", d.join(" og ")));
        en.push(format!("Only persons {}.", e.join(" and ")));
    }
    match def.rows {
        Rows::Measures(ms) => {
            let (d, e) = measures(ms);
            da.push(format!("Rækker: {d}."));
            en.push(format!("Rows: {e}."));
        }
        Rows::Dims { levels, .. } => {
            let (d, e): (Vec<String>, Vec<String>) = levels.iter().map(|l| dim(*l)).unzip();
            da.push(format!("Rækker efter {}.", d.join(", derunder ")));
            en.push(format!("Rows by {}.", e.join(", then ")));
        }
    }
    match def.cols {
        Cols::Count => {
            da.push("Én kolonne: antallet i året.".to_owned());
            en.push("One column: the number in the year.".to_owned());
        }
        Cols::Years(span) => {
            let (d, e) = match span {
                YearSpan::Last(n) => (
                    format!("Kolonner: året og de {} foregående år.", n - 1),
                    format!("Columns: the year and the {} years before it.", n - 1),
                ),
                YearSpan::SinceFirstVictimYear => (
                    "Kolonner: hvert år fra det første år med tal til året.".to_owned(),
                    "Columns: every year from the first year with figures to the year.".to_owned(),
                ),
            };
            da.push(
                d + " År før registrets mikrodata er de tal, centret tidligere har offentliggjort.",
            );
            en.push(e + " Years before the register's microdata are the figures the centre published earlier.");
        }
        Cols::Dim(d) => {
            let (d, e) = dim(d);
            da.push(format!("Kolonner efter {d}."));
            en.push(format!("Columns by {e}."));
        }
        Cols::Measures(ms) => {
            let (d, e) = measures(ms);
            da.push(format!("Kolonner: {d}."));
            en.push(format!("Columns: {e}."));
        }
    }
    match def.total {
        TotalRule::SumOfRows => {
            // A single row has no total (the editions leave it out: it would repeat it).
            let one_row = matches!(def.rows, Rows::Measures(ms) if ms.len() == 1);
            if def.presentation.total_row && !one_row {
                da.push("I alt er summen af rækkerne.".to_owned());
                en.push("The total is the sum of the rows.".to_owned());
            }
        }
        TotalRule::Row(key) => {
            let label = match def.rows {
                Rows::Measures(ms) => ms.iter().find(|m| m.key == key),
                Rows::Dims { .. } => None,
            };
            if let (Some(m), true) = (label, def.presentation.total_row) {
                da.push(format!("I alt er rækken «{}».", m.label));
                en.push(format!("The total is the row «{}».", m.label_en));
            }
        }
    }
    Definition {
        da: capitalised(&da.join(" ")),
        en: capitalised(&en.join(" ")),
    }
}

/// Where a fact of the overview ([`crate::Facts`]) comes from: a table of the overview
/// (most facts are read off them), or the year's victims counted directly.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The row `row` of a year-column table, in the year (`0`) or the year before (`-1`).
    YearCell(&'static str, &'static str, i32),
    /// The change in per cent from the year before to the year of a row of a year table.
    Change(&'static str, &'static str),
    /// The latest earlier year in which the row of a year table was larger than the year.
    HighestSince(&'static str, &'static str),
    /// The sum of a year table's row over every year from the first with a figure.
    AllYears(&'static str, &'static str),
    /// The first year with a figure in a year table's row.
    FirstYear(&'static str, &'static str),
    /// The total of a one-column table.
    Total(&'static str),
    /// The total of a measure column of a table.
    ColumnTotal(&'static str, &'static str),
    /// The first `n` rows of a table sorted by count (with their share of its total).
    TopRows(&'static str, usize),
    /// The sum of the first `n` rows.
    TopSum(&'static str, usize),
    /// Rows of a table (categories other than unknown) with at least one person.
    Distinct(&'static str),
    /// The year's victims who pass these predicates, counted (per nationality when
    /// `true`).
    Victims(&'static [Pred], bool),
    /// An age statistic of the year's victims whose age is known.
    Age(&'static str, &'static str),
    /// A fact's share of another fact, in per cent.
    Share(&'static str, &'static str),
    /// One fact less another.
    Difference(&'static str, &'static str),
}

/// The words of each fact and where it comes from, in the order of [`crate::Facts`].
const FACTS: &[(&str, &str, &str, Source)] = {
    use Source::*;
    &[
        (
            "victims",
            "Personer vurderet udsat i året",
            "Victims in the year",
            YearCell("victims_by_year", "victims", 0),
        ),
        (
            "victims_previous_year",
            "Personer vurderet udsat året før",
            "Victims the year before",
            YearCell("victims_by_year", "victims", -1),
        ),
        (
            "victims_change_pct",
            "Ændring i personer vurderet udsat fra året før (pct.)",
            "Change in victims from the year before (per cent)",
            Change("victims_by_year", "victims"),
        ),
        (
            "victims_highest_since",
            "Seneste år med flere personer vurderet udsat",
            "Latest year with more victims",
            HighestSince("victims_by_year", "victims"),
        ),
        (
            "victims_all_years",
            "Personer vurderet udsat i alle år",
            "Victims in every year",
            AllYears("victims_by_year", "victims"),
        ),
        (
            "victims_first_year",
            "Første år med tal",
            "First year with figures",
            FirstYear("victims_by_year", "victims"),
        ),
        (
            "age_min",
            "Yngste persons alder",
            "Youngest victim's age",
            Age("den laveste alder", "the lowest age"),
        ),
        (
            "age_max",
            "Ældste persons alder",
            "Oldest victim's age",
            Age("den højeste alder", "the highest age"),
        ),
        (
            "age_mean",
            "Gennemsnitsalder",
            "Mean age",
            Age(
                "gennemsnittet af alderen med én decimal",
                "the mean of the ages, one decimal",
            ),
        ),
        (
            "age_known",
            "Personer med kendt alder",
            "Victims whose age is known",
            Age(
                "antallet af personer med kendt alder",
                "the number of victims whose age is known",
            ),
        ),
        (
            "age_unknown",
            "Personer med ukendt alder",
            "Victims whose age is unknown",
            Age(
                "antallet af personer, hvis alder ikke kendes",
                "the number of victims whose age is not known",
            ),
        ),
        (
            "under25",
            "Personer under 25 år",
            "Victims under 25",
            Victims(&[Pred::Under25], false),
        ),
        (
            "under25_share_pct",
            "Andel under 25 år (pct.)",
            "Share under 25 (per cent)",
            Share("under25", "victims"),
        ),
        (
            "minors",
            "Mindreårige",
            "Minors",
            Victims(&[Pred::Minor], false),
        ),
        (
            "repeat_victims",
            "Gengangere",
            "Repeat victims",
            Total("repeat_victims_by_nationality"),
        ),
        (
            "victims_female",
            "Kvinder",
            "Women",
            YearCell("victims_by_gender_group_year", "female", 0),
        ),
        (
            "victims_female_share_pct",
            "Andel kvinder (pct.)",
            "Share of women (per cent)",
            Share("victims_female", "victims"),
        ),
        (
            "victims_male",
            "Mænd",
            "Men",
            YearCell("victims_by_gender_group_year", "male", 0),
        ),
        (
            "victims_male_share_pct",
            "Andel mænd (pct.)",
            "Share of men (per cent)",
            Share("victims_male", "victims"),
        ),
        (
            "victims_trans",
            "Transkønnede",
            "Transgender persons",
            YearCell("victims_by_gender_group_year", "trans", 0),
        ),
        (
            "victims_trans_share_pct",
            "Andel transkønnede (pct.)",
            "Share of transgender persons (per cent)",
            Share("victims_trans", "victims"),
        ),
        (
            "victims_other_unknown",
            "Andet eller uoplyst køn",
            "Other or unknown gender",
            YearCell("victims_by_gender_group_year", "other_unknown", 0),
        ),
        (
            "victims_other_unknown_share_pct",
            "Andel andet eller uoplyst køn (pct.)",
            "Share of other or unknown gender (per cent)",
            Share("victims_other_unknown", "victims"),
        ),
        (
            "top_referral",
            "Største kontaktskabende aktør",
            "Largest referring actor",
            TopRows("victims_by_referral", 1),
        ),
        (
            "top_form",
            "Største udnyttelsesform",
            "Largest form of exploitation",
            TopRows("victims_by_form", 1),
        ),
        (
            "nationalities",
            "Nationaliteter",
            "Nationalities",
            Distinct("victims_by_nationality"),
        ),
        (
            "top_nationalities",
            "De tre største nationaliteter",
            "The three largest nationalities",
            TopRows("victims_by_nationality", 3),
        ),
        (
            "top2_nationalities",
            "De to største nationaliteter tilsammen",
            "The two largest nationalities together",
            TopSum("victims_by_nationality", 2),
        ),
        (
            "top2_nationalities_share_pct",
            "Andel de to største nationaliteter (pct.)",
            "Share of the two largest nationalities (per cent)",
            Share("top2_nationalities", "victims"),
        ),
        (
            "returns",
            "Forberedte hjemsendelser",
            "Prepared returns",
            Total("returns_by_nationality"),
        ),
        (
            "returns_share_pct",
            "Andel hjemsendt (pct.)",
            "Share returned (per cent)",
            Share("returns", "victims"),
        ),
        (
            "return_countries",
            "Nationaliteter blandt de hjemsendte",
            "Nationalities among the returned",
            Distinct("returns_by_nationality"),
        ),
        (
            "returns_to_third_country",
            "Hjemsendelser til et tredjeland",
            "Returns to a third country",
            Victims(&[Pred::Returned, Pred::ReturnedToThirdCountry], false),
        ),
        (
            "returns_to_home_country",
            "Hjemsendelser til hjemlandet",
            "Returns to the home country",
            Difference("returns", "returns_to_third_country"),
        ),
        (
            "returns_to_third_country_by_nationality",
            "Hjemsendelser til et tredjeland pr. nationalitet",
            "Returns to a third country by nationality",
            Victims(&[Pred::Returned, Pred::ReturnedToThirdCountry], true),
        ),
        (
            "hotline_calls",
            "Opkald på hotlinen",
            "Calls to the hotline",
            YearCell("hotline_calls_by_year", "calls", 0),
        ),
        (
            "hotline_calls_previous_year",
            "Opkald på hotlinen året før",
            "Calls to the hotline the year before",
            YearCell("hotline_calls_by_year", "calls", -1),
        ),
        (
            "hotline_calls_change_pct",
            "Ændring i opkald fra året før (pct.)",
            "Change in calls from the year before (per cent)",
            Change("hotline_calls_by_year", "calls"),
        ),
        (
            "hotline_calls_concerning_possible_victims",
            "Opkald om mulige ofre",
            "Calls about possible victims",
            YearCell("hotline_calls_by_year", "concerning_possible_victims", 0),
        ),
        (
            "assessed_persons",
            "Udredte personer",
            "Assessed persons",
            YearCell("assessed_persons_by_year", "assessed", 0),
        ),
        (
            "assessed_persons_previous_year",
            "Udredte personer året før",
            "Assessed persons the year before",
            YearCell("assessed_persons_by_year", "assessed", -1),
        ),
        (
            "assessed_persons_change_pct",
            "Ændring i udredte personer fra året før (pct.)",
            "Change in assessed persons from the year before (per cent)",
            Change("assessed_persons_by_year", "assessed"),
        ),
        (
            "assessed_persons_identified",
            "Udredte personer vurderet udsat",
            "Assessed persons identified as victims",
            ColumnTotal("assessed_persons_by_nationality", "identified"),
        ),
        (
            "assessed_persons_identified_share_pct",
            "Andel af de udredte vurderet udsat (pct.)",
            "Share of the assessed identified as victims (per cent)",
            Share("assessed_persons_identified", "assessed_persons"),
        ),
    ]
};

/// A fact's definition: its name in the JSON edition, its words and its counting rule, in
/// Danish and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactDefinition {
    pub name: &'static str,
    pub label: Definition,
    pub rule: Definition,
}

/// A table's title without the years it spans ("Personer vurderet udsat for
/// menneskehandel").
fn title_of(def: &TableDef) -> String {
    def.title
        .replace(", {first}-{year}", "")
        .replace(", {year}", "")
        .replace("{year}", "året")
}

/// The label of measure `key` of a table (a row or a column), else the key.
fn measure_label(def: &TableDef, key: &str) -> (String, String) {
    let find = |ms: &[Measure]| {
        ms.iter()
            .find(|m| m.key == key)
            .map(|m| (m.label, m.label_en))
    };
    let found = match (def.rows, def.cols) {
        (Rows::Measures(ms), _) => find(ms),
        (_, Cols::Measures(ms)) => find(ms),
        _ => None,
    };
    match found {
        Some((da, en)) => (da.to_owned(), en.to_owned()),
        None => {
            // The rows facts read by key are the gender groups of the gender series.
            let codes = CodeBook::builtin();
            codes.get(ListId::GenderGroup, key).map_or_else(
                || (key.to_owned(), key.to_owned()),
                |e| (e.da.clone(), e.en.clone()),
            )
        }
    }
}

/// Who a table counts, from its definition: its population and filter.
fn counted(def: &TableDef) -> (String, String) {
    let (da, en) = population(def.population);
    let (mut da, mut en) = (da.to_owned(), en.to_owned());
    if !def.filter.is_empty() {
        let (d, e): (Vec<String>, Vec<String>) = def.filter.iter().map(|p| pred(*p)).unzip();
        da += &format!(" Kun personer {}.", d.join(" og "));
        en += &format!(" Only persons {}.", e.join(" and "));
    }
    (da, en)
}

/// A table's part of a fact's rule: "tabellen «TITLE»" and who it counts.
fn table_part(id: &str) -> (String, String, String, String) {
    let def = crate::defs::table(id).expect("a fact reads a table of the overview");
    let title = title_of(def);
    let (da, en) = counted(def);
    (
        format!("tabellen «{title}»"),
        format!("the table «{title}»"),
        da,
        en,
    )
}

fn rule_of(source: Source, label_of: &dyn Fn(&str) -> (String, String)) -> Definition {
    let (da, en) = match source {
        Source::YearCell(t, row, offset) => {
            let (td, te, cd, ce) = table_part(t);
            let (rd, re) = measure_label(crate::defs::table(t).expect("known"), row);
            let (yd, ye) = if offset == 0 {
                ("året", "the year")
            } else {
                ("året før", "the year before")
            };
            (
                format!("Tallet for {yd} i rækken «{rd}» i {td}. {cd}"),
                format!("The figure for {ye} in the row «{re}» of {te}. {ce}"),
            )
        }
        Source::Change(t, row) => {
            let (td, te, cd, ce) = table_part(t);
            let (rd, re) = measure_label(crate::defs::table(t).expect("known"), row);
            (
                format!(
                    "Ændringen i procent, med én decimal, fra året før til året i rækken «{rd}» i {td}; uoplyst, når året før er 0. {cd}"
                ),
                format!(
                    "The change in per cent, one decimal, from the year before to the year in the row «{re}» of {te}; not stated when the year before is 0. {ce}"
                ),
            )
        }
        Source::HighestSince(t, row) => {
            let (td, te, cd, ce) = table_part(t);
            let (rd, re) = measure_label(crate::defs::table(t).expect("known"), row);
            (
                format!(
                    "Det seneste tidligere år, hvor rækken «{rd}» i {td} var større end i året; uoplyst, når intet tidligere år var større. {cd}"
                ),
                format!(
                    "The latest earlier year in which the row «{re}» of {te} was larger than in the year; not stated when no earlier year was. {ce}"
                ),
            )
        }
        Source::AllYears(t, row) => {
            let (td, te, cd, ce) = table_part(t);
            let (rd, re) = measure_label(crate::defs::table(t).expect("known"), row);
            (
                format!(
                    "Summen af rækken «{rd}» i {td} over alle år fra det første år med et tal til året; uoplyst, hvis et år mangler. {cd}"
                ),
                format!(
                    "The sum of the row «{re}» of {te} over every year from the first with a figure to the year; not stated if a year is missing. {ce}"
                ),
            )
        }
        Source::FirstYear(t, row) => {
            let (td, te, cd, ce) = table_part(t);
            let (rd, re) = measure_label(crate::defs::table(t).expect("known"), row);
            (
                format!("Det første år med et tal i rækken «{rd}» i {td}. {cd}"),
                format!("The first year with a figure in the row «{re}» of {te}. {ce}"),
            )
        }
        Source::Total(t) => {
            let (td, te, cd, ce) = table_part(t);
            (
                format!("I alt i {td}. {cd}"),
                format!("The total of {te}. {ce}"),
            )
        }
        Source::ColumnTotal(t, col) => {
            let (td, te, cd, ce) = table_part(t);
            let (ld, le) = measure_label(crate::defs::table(t).expect("known"), col);
            (
                format!("I alt i kolonnen «{ld}» i {td}. {cd}"),
                format!("The total of the column «{le}» of {te}. {ce}"),
            )
        }
        Source::TopRows(t, n) => {
            let (td, te, cd, ce) = table_part(t);
            let (nd, ne) = if n == 1 {
                ("Den første række".to_owned(), "The first row".to_owned())
            } else {
                (
                    format!("De første {n} rækker"),
                    format!("The first {n} rows"),
                )
            };
            (
                format!(
                    "{nd} i {td}, der er sorteret efter antal og derefter alfabetisk, med antal og andel af i alt i procent med én decimal. {cd}"
                ),
                format!(
                    "{ne} of {te}, sorted by count and then alphabetically, with the count and the share of the total in per cent, one decimal. {ce}"
                ),
            )
        }
        Source::TopSum(t, n) => {
            let (td, te, cd, ce) = table_part(t);
            (
                format!("Summen af de første {n} rækker i {td}, der er sorteret efter antal. {cd}"),
                format!("The sum of the first {n} rows of {te}, sorted by count. {ce}"),
            )
        }
        Source::Distinct(t) => {
            let (td, te, cd, ce) = table_part(t);
            (
                format!(
                    "Antallet af rækker i {td} med mindst én person; uoplyst nationalitet tæller ikke med. {cd}"
                ),
                format!(
                    "The number of rows of {te} with at least one person; unknown nationality is not counted. {ce}"
                ),
            )
        }
        Source::Victims(preds, by_nationality) => {
            let (pd, pe) = population(Population::Victims);
            let (d, e): (Vec<String>, Vec<String>) = preds.iter().map(|p| pred(*p)).unzip();
            let (bd, be) = if by_nationality {
                (
                    " pr. nationalitet, største først",
                    " per nationality, largest first",
                )
            } else {
                ("", "")
            };
            (
                format!("Antallet af personer {}{bd}. {pd}", d.join(" og ")),
                format!("The number of persons {}{be}. {pe}", e.join(" and ")),
            )
        }
        Source::Age(what_da, what_en) => {
            let (pd, pe) = population(Population::Victims);
            (
                format!(
                    "{} blandt årets personer; alderen er alderen ved afgørelsen (i den offentlige udgave som aldersgruppe). {pd}",
                    capitalised(what_da)
                ),
                format!(
                    "{} among the year's victims; the age is the age at the decision (in the public edition as an age band). {pe}",
                    capitalised(what_en)
                ),
            )
        }
        Source::Share(part, whole) => {
            let (p, w) = (label_of(part), label_of(whole));
            (
                format!("«{}» i procent af «{}», med én decimal.", p.0, w.0),
                format!("«{}» in per cent of «{}», one decimal.", p.1, w.1),
            )
        }
        Source::Difference(a, b) => {
            let (a, b) = (label_of(a), label_of(b));
            (
                format!("«{}» fratrukket «{}».", a.0, b.0),
                format!("«{}» less «{}».", a.1, b.1),
            )
        }
    };
    Definition { da, en }
}

/// The definition of every fact of the overview, in the order of the JSON edition: its
/// words and its counting rule, written from the definition of the table it is read off
/// (or of the population it counts).
pub fn fact_definitions() -> Vec<FactDefinition> {
    let label_of = |name: &str| {
        FACTS.iter().find(|f| f.0 == name).map_or_else(
            || (name.to_owned(), name.to_owned()),
            |f| (f.1.to_owned(), f.2.to_owned()),
        )
    };
    FACTS
        .iter()
        .map(|&(name, da, en, source)| FactDefinition {
            name,
            label: Definition {
                da: da.to_owned(),
                en: en.to_owned(),
            },
            rule: rule_of(source, &label_of),
        })
        .collect()
}

/// The definition of fact `name`; `None` for a name outside [`crate::Facts::NAMES`].
pub fn fact_definition(name: &str) -> Option<FactDefinition> {
    fact_definitions().into_iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_rule_in_both_languages_that_follows_its_definition() {
        for t in crate::TABLES {
            let d = definition(t);
            assert!(d.da.len() > 40 && d.en.len() > 40, "{}: {d:?}", t.id);
            assert_ne!(d.da, d.en, "{}", t.id);
        }
        let minors = definition_of("minors_by_gender_form").unwrap();
        assert!(
            minors
                .da
                .contains("Kun personer under 18 år ved afgørelsen"),
            "{minors:?}"
        );
        assert!(minors.da.contains("Rækker efter køn"), "{minors:?}");
        assert!(
            minors.da.contains("Kolonner efter udnyttelsesform"),
            "{minors:?}"
        );
        assert!(
            minors.en.contains("Only persons under 18 at the decision"),
            "{minors:?}"
        );
        let calls = definition_of("hotline_calls_by_year").unwrap();
        assert!(calls.da.starts_with("Opkald til hotlinen"), "{calls:?}");
        assert!(
            calls.en.contains("the year and the 3 years before it"),
            "{calls:?}"
        );
        let labour = definition_of("forced_labour_by_subtype").unwrap();
        assert!(
            labour
                .da
                .contains("Kun personer udnyttet ved tvangsarbejde"),
            "{labour:?}"
        );
        assert!(definition_of("no_such_table").is_none());
    }

    #[test]
    fn every_fact_has_a_definition_in_both_languages_in_the_order_of_the_json_edition() {
        let names: Vec<&str> = fact_definitions().iter().map(|f| f.name).collect();
        assert_eq!(names, crate::Facts::NAMES);
        for f in fact_definitions() {
            assert!(f.rule.da.len() > 20 && f.rule.en.len() > 20, "{f:?}");
            assert_ne!(f.rule.da, f.rule.en, "{}", f.name);
            assert!(
                !f.label.da.is_empty() && !f.label.en.is_empty(),
                "{}",
                f.name
            );
        }
        // A fact read off a table says which table and row, and whom the table counts.
        let victims = fact_definition("victims").unwrap();
        assert_eq!(
            victims.rule.da,
            "Tallet for året i rækken «Personer vurderet udsat for menneskehandel» i tabellen \
             «Personer vurderet udsat for menneskehandel». Personer vurderet udsat for \
             menneskehandel ved en afgørelse i året. En person tælles én gang pr. år med \
             oplysningerne fra årets seneste afgørelse."
        );
        let calls = fact_definition("hotline_calls_previous_year").unwrap();
        assert!(
            calls
                .rule
                .en
                .starts_with("The figure for the year before in the row «Calls to the hotline»"),
            "{calls:?}"
        );
        assert!(
            calls
                .rule
                .en
                .ends_with("counted in the year (Danish time) they were received."),
            "{calls:?}"
        );
        let repeat = fact_definition("repeat_victims").unwrap();
        assert!(
            repeat
                .rule
                .da
                .contains("Kun personer også vurderet udsat i et tidligere år"),
            "{repeat:?}"
        );
        let minors = fact_definition("minors").unwrap();
        assert!(
            minors
                .rule
                .da
                .starts_with("Antallet af personer under 18 år ved afgørelsen."),
            "{minors:?}"
        );
        let share = fact_definition("victims_female_share_pct").unwrap();
        assert_eq!(
            share.rule.da,
            "«Kvinder» i procent af «Personer vurderet udsat i året», med én decimal."
        );
        let women = fact_definition("victims_female").unwrap();
        assert!(women.rule.da.contains("i rækken «Kvinder»"), "{women:?}");
        assert!(fact_definition("no_such_fact").is_none());
    }
}
