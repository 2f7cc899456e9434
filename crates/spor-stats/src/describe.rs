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
}
