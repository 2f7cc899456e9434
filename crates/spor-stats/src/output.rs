//! The evaluated overview: tables and facts, in the JSON shape of
//! `shared/spec/annual-report.md`. Renderers (`spor-report`) read only these types.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The overview of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub year: i32,
    pub tables: IndexMap<String, Table>,
    pub facts: Facts,
    /// Public profile only: the disclosure policy's footnote explaining hidden cells ("·").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure_note: Option<String>,
    /// Figures of earlier years this edition states differently from the latest release
    /// published for that year (late decisions, corrections): each with the old and the new
    /// value and its note in Danish. Set by the application layer from the stored releases;
    /// empty (and left out of the JSON) when nothing was revised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
}

/// A figure of an earlier year that this edition states differently from the release that
/// published it: a table cell (a series' year column) or a headline fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// The year the figure is of.
    pub year: i32,
    /// The release (its id in the register) that published the old value.
    pub release: i64,
    /// A table cell: the table's id ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// ... the row in reading order (as [`Table::suppressed`] counts, the total row last) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// ... the row's key path (`NG|female`, `total` for the total row) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_key: Option<String>,
    /// ... and the column's key (the year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// A headline fact: the fact of this edition that states the figure
    /// (`victims_previous_year`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
    /// What the figure is, in Danish: the row's label (parents first) or the fact's words.
    pub label: String,
    /// The value the release published.
    pub published: u64,
    /// The value this edition states.
    pub revised: u64,
    /// The note in Danish: "Tallet for 2022 er revideret fra 73 til 74 (…)." for a fact,
    /// "Personer, 2022: revideret fra 73 til 74" for a cell.
    pub note: String,
}

/// The mark of a revised cell in the tables, explained in the note under the table.
pub const REVISED_MARK: &str = "*";

impl Report {
    /// The revision of the cell at `[row, column]` of table `id` (rows counted as in
    /// [`Table::suppressed`]), if it is revised.
    pub fn revision_at(&self, id: &str, row: usize, col: usize) -> Option<&Revision> {
        let table = self.tables.get(id)?;
        let key = table.column_keys.get(col)?;
        self.revisions.iter().find(|r| {
            r.table.as_deref() == Some(id)
                && r.row == Some(row)
                && r.column.as_deref() == Some(key.as_str())
        })
    }

    /// The revised cells of table `id`, in the order found.
    pub fn revisions_of(&self, id: &str) -> Vec<&Revision> {
        self.revisions
            .iter()
            .filter(|r| r.table.as_deref() == Some(id))
            .collect()
    }

    /// The revised headline facts: one sentence each.
    pub fn fact_revisions(&self) -> Vec<&Revision> {
        self.revisions.iter().filter(|r| r.fact.is_some()).collect()
    }

    /// The note under table `id` listing its revised cells ("* Revideret siden udgivelsen:
    /// Personer, 2022: revideret fra 73 til 74."); `None` when none is revised.
    pub fn revision_note(&self, id: &str) -> Option<String> {
        let notes: Vec<&str> = self
            .revisions_of(id)
            .iter()
            .map(|r| r.note.as_str())
            .collect();
        (!notes.is_empty()).then(|| {
            format!(
                "{REVISED_MARK} Revideret siden den tidligere udgivelse: {}.",
                notes.join("; ")
            )
        })
    }
}

/// Danish thousands separator for the notes (`1.233`).
fn int_da(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

impl Revision {
    /// A revised table cell; its note "LABEL, YEAR: revideret fra OLD til NEW".
    #[allow(clippy::too_many_arguments)]
    pub fn cell(
        year: i32,
        release: i64,
        table: &str,
        row: usize,
        row_key: &str,
        column: &str,
        label: &str,
        published: u64,
        revised: u64,
    ) -> Revision {
        Revision {
            year,
            release,
            table: Some(table.to_owned()),
            row: Some(row),
            row_key: Some(row_key.to_owned()),
            column: Some(column.to_owned()),
            fact: None,
            label: label.to_owned(),
            published,
            revised,
            note: format!(
                "{label}, {year}: revideret fra {} til {}",
                int_da(published),
                int_da(revised)
            ),
        }
    }

    /// A revised headline fact; its note "Tallet for YEAR er revideret fra OLD til NEW
    /// (LABEL)."
    pub fn fact(
        year: i32,
        release: i64,
        fact: &str,
        label: &str,
        published: u64,
        revised: u64,
    ) -> Revision {
        Revision {
            year,
            release,
            table: None,
            row: None,
            row_key: None,
            column: None,
            fact: Some(fact.to_owned()),
            label: label.to_owned(),
            published,
            revised,
            note: format!(
                "Tallet for {year} er revideret fra {} til {} ({label}).",
                int_da(published),
                int_da(revised)
            ),
        }
    }
}

/// One table: rows × columns of counts, with a total row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    /// Danish column labels.
    pub columns: Vec<String>,
    /// Register codes of the columns (years as `"2023"`, one count as `"count"`).
    pub column_keys: Vec<String>,
    pub rows: Vec<Row>,
    /// Column totals ("I alt"); `None` where a column is not known.
    pub total: Vec<Option<u64>>,
    /// Public profile only: cells hidden for confidentiality, as `[row, column]`, where `row`
    /// counts rows in reading order (each row followed by its children, depth first) and the
    /// total row comes last (as `spor-sdc` numbers them). Renderers show them as "·".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<[usize; 2]>,
}

impl Table {
    /// Is the cell at `[row, column]` (row counted as in [`Table::suppressed`]) hidden?
    pub fn is_suppressed(&self, row: usize, col: usize) -> bool {
        self.suppressed.contains(&[row, col])
    }
}

/// One row; nested breakdowns carry `children`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    /// `None` = not known for that column (e.g. a year that was not published).
    pub values: Vec<Option<u64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Row>,
}

/// The largest category of a table, as a fact: `{key, label, count, share_pct}`
/// (`top_referral`, `top_form`, each entry of `top_nationalities`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopEntry {
    /// The row's key in its table.
    pub key: String,
    pub label: String,
    /// `None`: withheld (public profile).
    pub count: Option<u64>,
    /// Share of the table's total in per cent, one decimal.
    pub share_pct: Option<f64>,
}

/// A count per nationality, as a fact: `{key, label, count}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationalityCount {
    /// The country code.
    pub key: String,
    pub label: String,
    /// `None`: withheld (public profile).
    pub count: Option<u64>,
}

/// An age stated as a fact: in years, or (public profile, where one person's age would say
/// who they are) as the band it falls in, e.g. `"18-24 år"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Age {
    Years(u64),
    Band(String),
}

impl Age {
    /// The age in years, when stated as such.
    pub fn years(&self) -> Option<u64> {
        match self {
            Age::Years(y) => Some(*y),
            Age::Band(_) => None,
        }
    }
}

/// Why [`Facts::set`] refused a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactError {
    #[error("there is no fact named {0:?}")]
    Unknown(String),
    #[error("fact {name:?} cannot be {value}: {reason}")]
    Type {
        name: String,
        value: String,
        reason: String,
    },
}

/// Declares [`Facts`] once: its fields in the order of the JSON edition, and their names
/// for the generic access the disclosure control needs ([`Facts::get`], [`Facts::set`],
/// [`Facts::withhold`], [`Facts::iter`]).
macro_rules! facts {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty, )*) => {
        /// The overview's facts: the numbers its sentences quote, each with its type.
        /// `None` (JSON `null`) means not known, or withheld in the public profile (a
        /// report with a disclosure note). Serialized as the `facts` object of the JSON
        /// edition (`shared/spec/annual-report.md`): these names, in this order; a stored
        /// edition without some of them reads them as `null`.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct Facts {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Facts {
            /// Every fact's name, in the order of the JSON edition.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            /// The fact `name` as it appears in the JSON edition; `None` when there is no
            /// fact of that name.
            pub fn get(&self, name: &str) -> Option<Value> {
                Some(match name {
                    $( stringify!($name) => serde_json::to_value(&self.$name).unwrap_or_default(), )*
                    _ => return None,
                })
            }

            /// Sets the fact `name` from its JSON form (e.g. an age as its band, or a
            /// ranking with fewer entries).
            pub fn set(&mut self, name: &str, value: Value) -> Result<(), FactError> {
                let error = |e: serde_json::Error, value: &Value| FactError::Type {
                    name: name.to_owned(),
                    value: value.to_string(),
                    reason: e.to_string(),
                };
                match name {
                    $( stringify!($name) => {
                        self.$name = serde_json::from_value(value.clone()).map_err(|e| error(e, &value))?;
                    } )*
                    _ => return Err(FactError::Unknown(name.to_owned())),
                }
                Ok(())
            }

            /// Withholds the fact `name`: `null` (a list: empty). Returns whether there is
            /// such a fact.
            pub fn withhold(&mut self, name: &str) -> bool {
                match name {
                    $( stringify!($name) => self.$name = Default::default(), )*
                    _ => return false,
                }
                true
            }
        }
    };
}

facts! {
    /// Victims of the year.
    victims: Option<u64>,
    victims_previous_year: Option<u64>,
    /// Change from the year before in per cent, one decimal.
    victims_change_pct: Option<f64>,
    /// The latest earlier year with more victims; `None` when no earlier year had more.
    victims_highest_since: Option<i32>,
    /// Victims of every year from the first with a figure to this one.
    victims_all_years: Option<u64>,
    victims_first_year: Option<i32>,
    /// The youngest victim's age (a band in the public profile).
    age_min: Option<Age>,
    /// The oldest victim's age (a band in the public profile).
    age_max: Option<Age>,
    /// Mean age of the victims whose age is known, one decimal.
    age_mean: Option<f64>,
    age_known: Option<u64>,
    age_unknown: Option<u64>,
    under25: Option<u64>,
    under25_share_pct: Option<f64>,
    minors: Option<u64>,
    repeat_victims: Option<u64>,
    victims_female: Option<u64>,
    victims_female_share_pct: Option<f64>,
    victims_male: Option<u64>,
    victims_male_share_pct: Option<f64>,
    victims_trans: Option<u64>,
    victims_trans_share_pct: Option<f64>,
    victims_other_unknown: Option<u64>,
    victims_other_unknown_share_pct: Option<f64>,
    /// The first row of `victims_by_referral`.
    top_referral: Option<TopEntry>,
    /// The first row of `victims_by_form`.
    top_form: Option<TopEntry>,
    /// Distinct nationalities among the victims (`UNKNOWN` not counted).
    nationalities: Option<u64>,
    /// The first three rows of `victims_by_nationality`.
    top_nationalities: Vec<TopEntry>,
    /// Victims of the two largest nationalities together.
    top2_nationalities: Option<u64>,
    top2_nationalities_share_pct: Option<f64>,
    returns: Option<u64>,
    returns_share_pct: Option<f64>,
    /// Distinct nationalities among the returned.
    return_countries: Option<u64>,
    returns_to_third_country: Option<u64>,
    returns_to_home_country: Option<u64>,
    /// Returns to a third country per nationality, largest first.
    returns_to_third_country_by_nationality: Vec<NationalityCount>,
    /// Calls to the hotline in the year.
    hotline_calls: Option<u64>,
    hotline_calls_previous_year: Option<u64>,
    hotline_calls_change_pct: Option<f64>,
    hotline_calls_concerning_possible_victims: Option<u64>,
    assessed_persons: Option<u64>,
    assessed_persons_previous_year: Option<u64>,
    assessed_persons_change_pct: Option<f64>,
    /// Assessed persons identified as victims.
    assessed_persons_identified: Option<u64>,
    assessed_persons_identified_share_pct: Option<f64>,
}

impl Facts {
    /// Whether there is a fact named `name` (every fact is always there, `null` when not
    /// known).
    pub fn contains_key(&self, name: &str) -> bool {
        Self::NAMES.contains(&name)
    }

    /// Whether the fact `name` is `null` (not known, or withheld).
    pub fn is_null(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v.is_null())
    }

    /// The fact `name` as a whole number, when it is one.
    pub fn as_u64(&self, name: &str) -> Option<u64> {
        self.get(name)?.as_u64()
    }

    /// The fact `name` as a number, when it is one.
    pub fn as_f64(&self, name: &str) -> Option<f64> {
        self.get(name)?.as_f64()
    }

    /// Every fact's name, in the order of the JSON edition.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + use<> {
        Self::NAMES.iter().copied()
    }

    /// Every fact as `(name, JSON value)`, in the order of the JSON edition.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Value)> + '_ {
        Self::NAMES
            .iter()
            .map(|&n| (n, self.get(n).unwrap_or_default()))
    }

    /// Every fact's JSON value, in the order of the JSON edition.
    pub fn values(&self) -> impl Iterator<Item = Value> + '_ {
        self.iter().map(|(_, v)| v)
    }
}

impl<'a> IntoIterator for &'a Facts {
    type Item = (&'static str, Value);
    type IntoIter = Box<dyn Iterator<Item = (&'static str, Value)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn some_facts() -> Facts {
        Facts {
            victims: Some(112),
            victims_change_pct: Some(53.4),
            victims_highest_since: Some(2016),
            age_min: Some(Age::Years(17)),
            top_referral: Some(TopEntry {
                key: "police".into(),
                label: "Politi".into(),
                count: Some(56),
                share_pct: Some(50.0),
            }),
            returns_to_third_country_by_nationality: vec![NationalityCount {
                key: "NG".into(),
                label: "Nigeria".into(),
                count: Some(2),
            }],
            ..Facts::default()
        }
    }

    #[test]
    fn facts_serialize_as_one_object_with_every_name_in_order_and_null_when_not_known() {
        let v = serde_json::to_value(some_facts()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, Facts::NAMES);
        assert_eq!(v["victims"], json!(112));
        assert_eq!(v["victims_change_pct"], json!(53.4));
        assert_eq!(v["victims_previous_year"], json!(null));
        assert_eq!(v["age_min"], json!(17));
        assert_eq!(v["top_form"], json!(null));
        assert_eq!(v["top_nationalities"], json!([]));
        assert_eq!(
            v["top_referral"],
            json!({"key": "police", "label": "Politi", "count": 56, "share_pct": 50.0})
        );
        let text = serde_json::to_string(&v["top_referral"]).unwrap();
        assert_eq!(
            text,
            r#"{"key":"police","label":"Politi","count":56,"share_pct":50.0}"#
        );
        assert_eq!(
            v["returns_to_third_country_by_nationality"],
            json!([{"key": "NG", "label": "Nigeria", "count": 2}])
        );
    }

    #[test]
    fn facts_read_back_the_same_and_a_stored_edition_without_some_reads_them_as_null() {
        let f = some_facts();
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<Facts>(&text).unwrap(), f);
        let old: Facts =
            serde_json::from_value(json!({"victims": 3, "age_min": "18-24 år"})).unwrap();
        assert_eq!(old.victims, Some(3));
        assert_eq!(old.age_min, Some(Age::Band("18-24 år".into())));
        assert_eq!(old.assessed_persons, None);
        assert_eq!(old.top_nationalities, vec![]);
    }

    #[test]
    fn facts_are_read_set_and_withheld_by_name() {
        let mut f = some_facts();
        assert_eq!(f.get("victims"), Some(json!(112)));
        assert_eq!(f.get("no_such_fact"), None);
        let pairs: Vec<(&str, Value)> = f.iter().take(2).collect();
        assert_eq!(
            pairs,
            [
                ("victims", json!(112)),
                ("victims_previous_year", json!(null))
            ]
        );
        assert!(f.withhold("victims"));
        assert_eq!(f.victims, None);
        assert!(f.withhold("returns_to_third_country_by_nationality"));
        assert!(f.returns_to_third_country_by_nationality.is_empty());
        assert!(!f.withhold("no_such_fact"));
        f.set("age_min", json!("18-24 år")).unwrap();
        assert_eq!(f.age_min, Some(Age::Band("18-24 år".into())));
        f.set(
            "top_referral",
            json!({"key": "police", "label": "Politi", "count": null, "share_pct": null}),
        )
        .unwrap();
        assert_eq!(f.top_referral.as_ref().unwrap().count, None);
        assert!(matches!(
            f.set("victims", json!("many")),
            Err(FactError::Type { .. })
        ));
        assert_eq!(f.victims, None, "a refused value changes nothing");
        assert!(matches!(
            f.set("no_such_fact", json!(1)),
            Err(FactError::Unknown(_))
        ));
        assert!(f.contains_key("victims") && !f.contains_key("no_such_fact"));
        assert!(f.is_null("victims") && !f.is_null("age_min") && !f.is_null("no_such_fact"));
        assert_eq!(f.as_u64("victims_highest_since"), Some(2016));
        assert_eq!(f.as_f64("victims_change_pct"), Some(53.4));
        assert_eq!(f.as_u64("age_min"), None);
    }
}
