//! Mappings from the register's codes to the categories of international data exchanges
//! (Eurostat, UNODC, the US TIP report, GRETA; the person-level CTDC and HTCDS files'
//! gender and deciding authority), as data; and the tables the person-level files read
//! (ISO alpha-3 codes, CTDC's labour types).
//!
//! Each map sends the codes of one source (a code list such as `gender`, or a category the
//! counting derives: `age_band`, `citizenship`, `gender_age`) to the categories of one
//! exchange field. The maps every installation starts with are compiled in from
//! `data/exchange_categories.csv` and `data/exchange_maps.csv`; a centre changes where a
//! code goes at run time ([`Mappings::with_overrides`], kept in the store), without a
//! release. The reporting country is a setting (default `DK`), the EU's member states per
//! year are `data/eu_members.csv`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use crate::codes::{CodeBook, ListId};

const CATEGORIES_CSV: &str = include_str!("../data/exchange_categories.csv");
const MAPS_CSV: &str = include_str!("../data/exchange_maps.csv");
const EU_CSV: &str = include_str!("../data/eu_members.csv");

/// The reporting country when none is set.
pub const DEFAULT_REPORTING_COUNTRY: &str = "DK";

fn builtin_book() -> &'static CodeBook {
    static BOOK: OnceLock<CodeBook> = OnceLock::new();
    BOOK.get_or_init(CodeBook::builtin)
}

/// What a map reads off a victim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The `gender` code.
    Gender,
    /// The `exploitation_form` code.
    Form,
    /// The deciding `authority`.
    Authority,
    /// `adult`, `minor` (under 18 at the decision) or `age_unknown`.
    AgeBand,
    /// `national` (of the reporting country), `eu` (another member state of the EU in the
    /// statistics year), `non_eu` (every other country and the stateless) or `unknown`.
    Citizenship,
    /// Gender and age band: `female/adult`, `male/minor`, `other/age_unknown`, …
    GenderAge,
}

/// The age bands of [`Source::AgeBand`].
pub const AGE_BANDS: [&str; 3] = ["adult", "minor", "age_unknown"];
/// The classes of [`Source::Citizenship`].
pub const CITIZENSHIPS: [&str; 4] = ["national", "eu", "non_eu", "unknown"];

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Gender => "gender",
            Source::Form => "exploitation_form",
            Source::Authority => "authority",
            Source::AgeBand => "age_band",
            Source::Citizenship => "citizenship",
            Source::GenderAge => "gender_age",
        }
    }

    fn parse(s: &str) -> Option<Source> {
        [
            Source::Gender,
            Source::Form,
            Source::Authority,
            Source::AgeBand,
            Source::Citizenship,
            Source::GenderAge,
        ]
        .into_iter()
        .find(|x| x.name() == s)
    }

    /// Every code of the source, in order.
    pub fn codes(self) -> Vec<String> {
        let book = builtin_book();
        let list = |l: ListId| book.list(l).iter().map(|e| e.code.clone()).collect();
        match self {
            Source::Gender => list(ListId::Gender),
            Source::Form => list(ListId::ExploitationForm),
            Source::Authority => list(ListId::Authority),
            Source::AgeBand => AGE_BANDS.map(str::to_owned).to_vec(),
            Source::Citizenship => CITIZENSHIPS.map(str::to_owned).to_vec(),
            Source::GenderAge => book
                .list(ListId::Gender)
                .iter()
                .flat_map(|g| AGE_BANDS.map(|a| format!("{}/{a}", g.code)))
                .collect(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A category of an exchange field, with its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub da: String,
    pub en: String,
}

/// One map: the categories of an exchange field and where each source code goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    pub id: String,
    pub source: Source,
    /// In the exchange's order.
    pub categories: Vec<Category>,
    /// Source code → category code.
    to: BTreeMap<String, String>,
    /// Source codes the centre mapped elsewhere than the built-in map does.
    changed: Vec<String>,
}

impl Map {
    /// The category of a source code (`None`: not mapped).
    pub fn category(&self, from: &str) -> Option<&str> {
        self.to.get(from).map(String::as_str)
    }

    /// The category with this code.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// Every source code with its category, in the source's order.
    pub fn entries(&self) -> Vec<(String, Option<&str>)> {
        self.source
            .codes()
            .into_iter()
            .map(|from| {
                let to = self.category(&from);
                (from, to)
            })
            .collect()
    }

    /// Whether the centre changed where `from` goes.
    pub fn is_changed(&self, from: &str) -> bool {
        self.changed.iter().any(|c| c == from)
    }
}

/// A change the centre made, as kept in the store: `key` is `MAP/FROM` (where a code of a
/// map goes) or `reporting_country`, `value` the category code or country code.
pub type Override = (String, String);

/// The key of the reporting country among the overrides.
pub const REPORTING_COUNTRY: &str = "reporting_country";

/// Why a change of a mapping is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("unknown map `{0}`; known maps: {1}")]
    UnknownMap(String, String),
    #[error("`{from}` is not a code of {list} (the source of `{map}`); accepted: {accepted}")]
    UnknownSource {
        map: String,
        list: Source,
        from: String,
        accepted: String,
    },
    #[error("`{to}` is not a category of `{map}`; accepted: {accepted}")]
    UnknownCategory {
        map: String,
        to: String,
        accepted: String,
    },
    #[error(
        "`{0}` is not a country the register knows as a reporting country: use an ISO 3166-1 alpha-2 code (e.g. DK)"
    )]
    BadCountry(String),
    #[error("`{0}` is not a mapping key: use MAP/CODE or reporting_country")]
    BadKey(String),
}

/// A member state of the EU from one year, up to another (inclusive) or still.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    country: String,
    from: i32,
    to: Option<i32>,
}

/// Every map in force, the reporting country and the EU's members per year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mappings {
    reporting_country: String,
    maps: BTreeMap<String, Map>,
    eu: Vec<Member>,
}

impl Default for Mappings {
    fn default() -> Self {
        Mappings::builtin().clone()
    }
}

fn csv_lines(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').collect())
}

impl Mappings {
    /// The maps every installation starts with, reporting country `DK`.
    pub fn builtin() -> &'static Mappings {
        static BUILTIN: OnceLock<Mappings> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut maps: BTreeMap<String, Map> = BTreeMap::new();
            for f in csv_lines(CATEGORIES_CSV) {
                assert_eq!(f.len(), 5, "data/exchange_categories.csv: {f:?}");
                let source = Source::parse(f[1])
                    .unwrap_or_else(|| panic!("data/exchange_categories.csv: source {}", f[1]));
                let map = maps.entry(f[0].to_owned()).or_insert_with(|| Map {
                    id: f[0].to_owned(),
                    source,
                    categories: Vec::new(),
                    to: BTreeMap::new(),
                    changed: Vec::new(),
                });
                assert_eq!(map.source, source, "data/exchange_categories.csv: {}", f[0]);
                map.categories.push(Category {
                    code: f[2].to_owned(),
                    da: f[3].to_owned(),
                    en: f[4].to_owned(),
                });
            }
            for f in csv_lines(MAPS_CSV) {
                assert_eq!(f.len(), 3, "data/exchange_maps.csv: {f:?}");
                let map = maps
                    .get_mut(f[0])
                    .unwrap_or_else(|| panic!("data/exchange_maps.csv: map {}", f[0]));
                map.to.insert(f[1].to_owned(), f[2].to_owned());
            }
            let eu = csv_lines(EU_CSV)
                .map(|f| Member {
                    country: f[0].to_owned(),
                    from: f[1].parse().expect("data/eu_members.csv: from"),
                    to: f
                        .get(2)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse().expect("data/eu_members.csv: to")),
                })
                .collect();
            Mappings {
                reporting_country: DEFAULT_REPORTING_COUNTRY.to_owned(),
                maps,
                eu,
            }
        })
    }

    /// The built-in maps with the centre's changes (as kept in the store) over them.
    pub fn with_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Mappings, MappingError> {
        let mut m = Mappings::builtin().clone();
        for (key, value) in overrides {
            m.apply(key, value)?;
        }
        Ok(m)
    }

    /// Checks a change (`key` as in [`Override`]) against the maps and returns it as it is
    /// kept (trimmed; a country in upper case).
    pub fn check(&self, key: &str, value: &str) -> Result<Override, MappingError> {
        let mut copy = self.clone();
        copy.apply(key, value)?;
        let value = value.trim();
        let value = if key == REPORTING_COUNTRY {
            value.to_ascii_uppercase()
        } else {
            value.to_owned()
        };
        Ok((key.trim().to_owned(), value))
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<(), MappingError> {
        let (key, value) = (key.trim(), value.trim());
        if key == REPORTING_COUNTRY {
            let code = value.to_ascii_uppercase();
            let book = builtin_book();
            let is_country = code.len() == 2 && book.contains(ListId::Country, &code);
            if !is_country {
                return Err(MappingError::BadCountry(value.to_owned()));
            }
            self.reporting_country = code;
            return Ok(());
        }
        let Some((map_id, from)) = key.split_once('/') else {
            return Err(MappingError::BadKey(key.to_owned()));
        };
        let known = self.names().join(", ");
        let Some(map) = self.maps.get_mut(map_id) else {
            return Err(MappingError::UnknownMap(map_id.to_owned(), known));
        };
        let codes = map.source.codes();
        if !codes.iter().any(|c| c == from) {
            return Err(MappingError::UnknownSource {
                map: map.id.clone(),
                list: map.source,
                from: from.to_owned(),
                accepted: codes.join(", "),
            });
        }
        if map.get(value).is_none() {
            return Err(MappingError::UnknownCategory {
                map: map.id.clone(),
                to: value.to_owned(),
                accepted: map
                    .categories
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let builtin = Mappings::builtin()
            .maps
            .get(map_id)
            .and_then(|b| b.category(from));
        map.changed.retain(|c| c != from);
        if builtin != Some(value) {
            map.changed.push(from.to_owned());
        }
        map.to.insert(from.to_owned(), value.to_owned());
        Ok(())
    }

    /// The map with this id.
    pub fn map(&self, id: &str) -> Option<&Map> {
        self.maps.get(id)
    }

    /// Every map, by id.
    pub fn maps(&self) -> impl Iterator<Item = &Map> {
        self.maps.values()
    }

    /// The ids of every map.
    pub fn names(&self) -> Vec<&str> {
        self.maps.keys().map(String::as_str).collect()
    }

    /// The ISO 3166-1 alpha-2 code of the reporting country.
    pub fn reporting_country(&self) -> &str {
        &self.reporting_country
    }

    /// Whether `country` was a member state of the EU in `year`.
    pub fn is_eu_member(&self, country: &str, year: i32) -> bool {
        self.eu
            .iter()
            .any(|m| m.country == country && m.from <= year && m.to.is_none_or(|to| year <= to))
    }

    /// The EU's member states in `year`, in alphabetical order of their codes.
    pub fn eu_members(&self, year: i32) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .eu
            .iter()
            .filter(|m| m.from <= year && m.to.is_none_or(|to| year <= to))
            .map(|m| m.country.as_str())
            .collect();
        v.sort_unstable();
        v
    }

    /// The [`Source::Citizenship`] class of a nationality code in `year`.
    pub fn citizenship(&self, nationality: &str, year: i32) -> &'static str {
        if nationality == "UNKNOWN" {
            "unknown"
        } else if nationality == self.reporting_country {
            "national"
        } else if self.is_eu_member(nationality, year) {
            "eu"
        } else {
            "non_eu"
        }
    }
}

const ALPHA3_TSV: &str = include_str!("../data/alpha3.tsv");
const CTDC_LABOUR_CSV: &str = include_str!("../data/ctdc_labour.csv");

/// The ISO 3166-1 alpha-3 code of a nationality code of the register (alpha-2; the
/// stateless, with or without a Palestinian origin, are ICAO Doc 9303's `XXA`), from
/// `data/alpha3.tsv`; `None` for `UNKNOWN` and codes outside the list.
pub fn alpha3(nationality: &str) -> Option<&'static str> {
    static TABLE: OnceLock<BTreeMap<&'static str, &'static str>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            ALPHA3_TSV
                .lines()
                .filter(|l| !l.starts_with('#'))
                .skip(1)
                .filter_map(|l| l.split_once('\t'))
                .collect()
        })
        .get(nationality)
        .copied()
}

/// The CTDC codebook's `typeOfLabour…` columns, in its order (without the prefix).
pub const CTDC_LABOUR_TYPES: [&str; 13] = [
    "Agriculture",
    "Aquafarming",
    "Begging",
    "Construction",
    "DomesticWork",
    "Hospitality",
    "IllicitActivities",
    "Manufacturing",
    "MiningOrDrilling",
    "Peddling",
    "Transportation",
    "Other",
    "NotSpecified",
];

/// The CTDC `typeOfLabour…` column (without the prefix) of a forced labour subtype, from
/// `data/ctdc_labour.csv`: `NotSpecified` without a subtype, `Other` for a subtype the
/// file does not name (one the centre added).
pub fn ctdc_labour_type(subtype: Option<&str>) -> &'static str {
    static TABLE: OnceLock<BTreeMap<&'static str, &'static str>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        CTDC_LABOUR_CSV
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(','))
            .inspect(|(_, t)| {
                assert!(
                    CTDC_LABOUR_TYPES.contains(t),
                    "data/ctdc_labour.csv: `{t}` is not a CTDC labour type"
                );
            })
            .collect()
    });
    match subtype {
        None => "NotSpecified",
        Some(s) => table.get(s).copied().unwrap_or("Other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_map_sends_every_code_of_its_source_to_one_of_its_categories() {
        for map in Mappings::builtin().maps() {
            for (from, to) in map.entries() {
                let to = to.unwrap_or_else(|| panic!("{}: {from} is not mapped", map.id));
                assert!(map.get(to).is_some(), "{}: {from} → {to}", map.id);
            }
        }
    }

    #[test]
    fn the_eu_of_a_year_is_its_member_states_then() {
        let m = Mappings::builtin();
        assert_eq!(m.eu_members(2023).len(), 27);
        assert_eq!(m.eu_members(2019).len(), 28);
        assert_eq!(m.eu_members(2012).len(), 27);
        assert_eq!(m.citizenship("GB", 2019), "eu");
        assert_eq!(m.citizenship("GB", 2020), "non_eu");
        assert_eq!(m.citizenship("HR", 2012), "non_eu");
        assert_eq!(m.citizenship("DK", 2023), "national");
        assert_eq!(m.citizenship("STATELESS_PS", 2023), "non_eu");
        assert_eq!(m.citizenship("UNKNOWN", 2023), "unknown");
    }

    #[test]
    fn an_override_moves_a_code_and_a_bad_one_says_what_is_accepted() {
        let m =
            Mappings::with_overrides([("eurostat_sex/other", "F"), ("reporting_country", "se")])
                .unwrap();
        assert_eq!(m.map("eurostat_sex").unwrap().category("other"), Some("F"));
        assert!(m.map("eurostat_sex").unwrap().is_changed("other"));
        assert_eq!(m.reporting_country(), "SE");
        assert_eq!(m.citizenship("DK", 2023), "eu");

        let err = Mappings::with_overrides([("eurostat_sx/other", "F")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("known maps: ctdc_gender, eurostat_age"),
            "{err}"
        );
        let err = Mappings::with_overrides([("eurostat_sex/other", "X")]).unwrap_err();
        assert!(err.to_string().contains("accepted: F, M, UNK"), "{err}");
        let err = Mappings::with_overrides([("eurostat_sex/nobody", "F")]).unwrap_err();
        assert!(err.to_string().contains("female, male"), "{err}");
        assert!(Mappings::with_overrides([("reporting_country", "XX")]).is_err());
        assert!(Mappings::with_overrides([("eurostat_sex", "F")]).is_err());
    }

    #[test]
    fn nationalities_have_alpha3_codes_and_subtypes_ctdc_labour_types() {
        assert_eq!(alpha3("DK"), Some("DNK"));
        assert_eq!(alpha3("NG"), Some("NGA"));
        assert_eq!(alpha3("STATELESS_PS"), Some("XXA"));
        assert_eq!(alpha3("UNKNOWN"), None);
        let book = builtin_book();
        for c in book.list(ListId::Country) {
            assert!(
                c.code == "UNKNOWN" || alpha3(&c.code).is_some(),
                "{} has no alpha-3 code",
                c.code
            );
        }
        for s in book.list(ListId::ForcedLabourSubtype) {
            assert!(CTDC_LABOUR_TYPES.contains(&ctdc_labour_type(Some(&s.code))));
        }
        assert_eq!(ctdc_labour_type(Some("construction")), "Construction");
        assert_eq!(ctdc_labour_type(Some("added_by_centre")), "Other");
        assert_eq!(ctdc_labour_type(None), "NotSpecified");
    }
}
