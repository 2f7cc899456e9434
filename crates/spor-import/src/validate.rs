//! The rules of one row of the exchange format, turning raw text into `spor-core` records.
//!
//! The same rules serve file import (through [`crate::read`]) and the web application's
//! forms (through [`Rules::identification`] and friends, or the free functions here, on any
//! map of column name → text). Every error names the column, the bad value and what would be
//! accepted; a row is either a whole valid record or the complete list of what is wrong.
//!
//! Text is trimmed first (spreadsheets leave stray spaces, including no-break spaces) and
//! an empty cell means "not known".

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hash};

use chrono::NaiveDate;
use spor_core::{
    Assessment, Authority, CallerType, Code, CodeBook, Country, Form, FormGroup, Gender,
    HistoryRow, HotlineCall, Identification, ListId, Outcome, PersonIdentity, Ref, Series, Topic,
    parse_date, parse_timestamp,
};

use crate::Entity;

/// Columns of `identifications.csv`, in the spec's order.
pub const IDENTIFICATION_COLUMNS: &[&str] = &[
    "case_ref",
    "person_ref",
    "decision_date",
    "authority",
    "outcome",
    "referral_actor",
    "exploitation_form",
    "exploitation_subtype",
    "gender",
    "age",
    "nationality",
    "return_date",
    "return_country",
];

/// Columns of `assessments.csv`, in the spec's order.
pub const ASSESSMENT_COLUMNS: &[&str] = &[
    "assessment_ref",
    "person_ref",
    "interview_date",
    "gender",
    "age",
    "nationality",
];

/// Columns of `hotline_calls.csv`, in the spec's order.
pub const HOTLINE_CALL_COLUMNS: &[&str] = &[
    "call_ref",
    "received_at",
    "caller_type",
    "concerns_possible_victim",
    "topic",
];

/// Columns of `history.csv`, in the spec's order.
pub const HISTORY_COLUMNS: &[&str] = &["series", "year", "category", "count"];

/// Columns of `persons.csv` (issue 23: an entity added to the format; files without it
/// stay valid), in the order export would write them.
pub const PERSON_COLUMNS: &[&str] = &[
    "person_ref",
    "full_name",
    "other_names",
    "birth_date",
    "phone",
    "document_number",
    "language",
    "contact",
];

/// What an error message shows instead of a bad identity value.
pub const HIDDEN: &str = "(identity value, not shown)";

/// The oldest age the register accepts.
pub const MAX_AGE: u8 = 120;

/// One thing wrong with one cell (or, for cross-field rules, the cell to fix).
#[derive(Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The column to fix.
    pub column: String,
    /// The text found there (trimmed; empty when the cell was empty or missing).
    pub value: String,
    /// What would be accepted.
    pub expected: String,
}

// The value may be person-level (a ref): keep it out of Debug output, which may reach logs.
impl fmt::Debug for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldError")
            .field("column", &self.column)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: ", self.column)?;
        write_value(f, &self.value)?;
        write!(f, "; expected {}", self.expected)
    }
}

/// Writes a cell value for a message: `empty`, or the value in backticks, shortened if long.
pub(crate) fn write_value(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    if value.is_empty() {
        return f.write_str("empty");
    }
    const MAX: usize = 80;
    if value.chars().count() > MAX {
        let short: String = value.chars().take(MAX).collect();
        write!(f, "`{short}…`")
    } else {
        write!(f, "`{value}`")
    }
}

/// A row given as column name → raw text: a parsed form, a map, a list of pairs.
pub trait Fields {
    /// The raw text of a column; `None` when the column is absent.
    fn field(&self, column: &str) -> Option<&str>;
    /// The names of all columns present (for the unknown-column rule).
    fn column_names(&self) -> Vec<&str>;
}

impl<K, V, S> Fields for HashMap<K, V, S>
where
    K: Borrow<str> + Hash + Eq,
    V: AsRef<str>,
    S: BuildHasher,
{
    fn field(&self, column: &str) -> Option<&str> {
        self.get(column).map(AsRef::as_ref)
    }
    fn column_names(&self) -> Vec<&str> {
        self.keys().map(Borrow::borrow).collect()
    }
}

impl<K, V> Fields for BTreeMap<K, V>
where
    K: Borrow<str> + Ord,
    V: AsRef<str>,
{
    fn field(&self, column: &str) -> Option<&str> {
        self.get(column).map(AsRef::as_ref)
    }
    fn column_names(&self) -> Vec<&str> {
        self.keys().map(Borrow::borrow).collect()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Fields for [(K, V)] {
    fn field(&self, column: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref() == column)
            .map(|(_, v)| v.as_ref())
    }
    fn column_names(&self) -> Vec<&str> {
        self.iter().map(|(k, _)| k.as_ref()).collect()
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Fields for [(K, V); N] {
    fn field(&self, column: &str) -> Option<&str> {
        self.as_slice().field(column)
    }
    fn column_names(&self) -> Vec<&str> {
        self.as_slice().column_names()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Fields for Vec<(K, V)> {
    fn field(&self, column: &str) -> Option<&str> {
        self.as_slice().field(column)
    }
    fn column_names(&self) -> Vec<&str> {
        self.as_slice().column_names()
    }
}

/// The code lists in force, prepared for fast lookups (build once, validate many rows).
#[derive(Debug)]
pub struct Rules<'c> {
    codes: &'c CodeBook,
    actors: HashSet<&'c str>,
    labour: HashSet<&'c str>,
    crime: HashSet<&'c str>,
    countries: HashSet<&'c str>,
}

fn set(codes: &CodeBook, list: ListId) -> HashSet<&str> {
    codes.list(list).iter().map(|e| e.code.as_str()).collect()
}

/// Validates an identification decision with the code lists of `codes`.
pub fn identification<F: Fields + ?Sized>(
    fields: &F,
    codes: &CodeBook,
) -> Result<Identification, Vec<FieldError>> {
    Rules::new(codes).identification(fields)
}

/// Validates an assessment interview with the code lists of `codes`.
pub fn assessment<F: Fields + ?Sized>(
    fields: &F,
    codes: &CodeBook,
) -> Result<Assessment, Vec<FieldError>> {
    Rules::new(codes).assessment(fields)
}

/// Validates a hotline call with the code lists of `codes`.
pub fn hotline_call<F: Fields + ?Sized>(
    fields: &F,
    codes: &CodeBook,
) -> Result<HotlineCall, Vec<FieldError>> {
    Rules::new(codes).hotline_call(fields)
}

/// Validates a row of published history with the code lists of `codes`.
pub fn history_row<F: Fields + ?Sized>(
    fields: &F,
    codes: &CodeBook,
) -> Result<HistoryRow, Vec<FieldError>> {
    Rules::new(codes).history_row(fields)
}

impl<'c> Rules<'c> {
    pub fn new(codes: &'c CodeBook) -> Self {
        Rules {
            codes,
            actors: set(codes, ListId::ReferralActor),
            labour: set(codes, ListId::ForcedLabourSubtype),
            crime: set(codes, ListId::ForcedCriminalitySubtype),
            countries: set(codes, ListId::Country),
        }
    }

    /// The code book these rules check against.
    pub fn codes(&self) -> &'c CodeBook {
        self.codes
    }

    /// Validates an identification decision given as column → text.
    pub fn identification<F: Fields + ?Sized>(
        &self,
        fields: &F,
    ) -> Result<Identification, Vec<FieldError>> {
        self.check_fields(Entity::Identifications, fields, Self::check_identification)
    }

    /// Validates an assessment interview given as column → text.
    pub fn assessment<F: Fields + ?Sized>(
        &self,
        fields: &F,
    ) -> Result<Assessment, Vec<FieldError>> {
        self.check_fields(Entity::Assessments, fields, Self::check_assessment)
    }

    /// Validates a hotline call given as column → text.
    pub fn hotline_call<F: Fields + ?Sized>(
        &self,
        fields: &F,
    ) -> Result<HotlineCall, Vec<FieldError>> {
        self.check_fields(Entity::HotlineCalls, fields, Self::check_hotline_call)
    }

    /// Validates a row of published history given as column → text.
    pub fn history_row<F: Fields + ?Sized>(
        &self,
        fields: &F,
    ) -> Result<HistoryRow, Vec<FieldError>> {
        self.check_fields(Entity::History, fields, Self::check_history_row)
    }

    fn check_fields<F: Fields + ?Sized, T>(
        &self,
        entity: Entity,
        fields: &F,
        check: fn(&Self, &[&str], &mut Vec<FieldError>) -> Option<T>,
    ) -> Result<T, Vec<FieldError>> {
        let columns = entity.columns();
        let mut errs = Vec::new();
        let mut names = fields.column_names();
        names.sort_unstable();
        for name in names {
            if !columns.contains(&name) {
                errs.push(FieldError {
                    column: name.to_string(),
                    value: fields.field(name).unwrap_or("").trim().to_string(),
                    expected: format!("only the columns of {}: {}", entity, columns.join(", ")),
                });
            }
        }
        let cells: Vec<&str> = columns
            .iter()
            .map(|c| fields.field(c).map(str::trim).unwrap_or(""))
            .collect();
        match check(self, &cells, &mut errs) {
            Some(r) if errs.is_empty() => Ok(r),
            _ => Err(errs),
        }
    }

    /// Checks one identification row; `cells` are trimmed, in [`IDENTIFICATION_COLUMNS`]
    /// order. Appends every problem to `errs`; `Some` only when the row is valid.
    pub(crate) fn check_identification(
        &self,
        cells: &[&str],
        errs: &mut Vec<FieldError>,
    ) -> Option<Identification> {
        let mut r = Row::new(cells, IDENTIFICATION_COLUMNS, errs);
        let case_ref = r.required(0, parse_ref);
        let person_ref = r.required(1, parse_ref);
        let decision_date = r.required(2, date);
        let authority = r.required(3, |s| enum_code(s, Authority::parse, Authority::accepted));
        let outcome = r.required(4, |s| enum_code(s, Outcome::parse, Outcome::accepted));
        let identified = outcome == Some(Outcome::Identified);

        let referral_actor = if identified {
            r.required_because(5, "outcome is identified", |s| self.actor(s))
                .map(Some)
        } else {
            r.optional(5, |s| self.actor(s))
        };
        let form = if identified {
            r.required_because(6, "outcome is identified", |s| {
                enum_code(s, Form::parse, Form::accepted)
            })
            .map(Some)
        } else {
            r.optional(6, |s| enum_code(s, Form::parse, Form::accepted))
        };
        let subtype = match (cells[7], form) {
            ("", _) => Some(None),
            // The form is wrong or missing and is reported as such; a subtype cannot be
            // checked against it.
            (_, None) => None,
            (s, Some(None)) => {
                r.err(
                    7,
                    format!(
                        "empty, since exploitation_form is empty (`{s}` would need a form: a subtype belongs to forced_labour or forced_criminality)"
                    ),
                );
                None
            }
            (_, Some(Some(form))) => r.optional(7, |s| self.subtype(form, s)),
        };
        let gender = r.required(8, |s| enum_code(s, Gender::parse, Gender::accepted));
        let age = r.optional(9, age);
        let nationality = r.required(10, |s| self.country(s));
        let return_date = r.optional(11, date);
        let return_country = r.optional(12, |s| self.country(s));
        match (cells[11].is_empty(), cells[12].is_empty()) {
            (true, false) => r.err(
                11,
                "the date of the prepared return, since return_country is given (YYYY-MM-DD)"
                    .into(),
            ),
            (false, true) => r.err(
                12,
                format!(
                    "the destination of the prepared return, since return_date is given: {}",
                    self.codes.accepted(ListId::Country)
                ),
            ),
            _ => {}
        }
        if r.failed() {
            return None;
        }
        Some(Identification {
            case_ref: case_ref?,
            person_ref: person_ref?,
            decision_date: decision_date?,
            authority: authority?,
            outcome: outcome?,
            referral_actor: referral_actor?,
            exploitation_form: form?,
            exploitation_subtype: subtype?,
            gender: gender?,
            age: age?,
            nationality: nationality?,
            return_date: return_date?,
            return_country: return_country?,
        })
    }

    /// Checks one assessment row (cells in [`ASSESSMENT_COLUMNS`] order).
    pub(crate) fn check_assessment(
        &self,
        cells: &[&str],
        errs: &mut Vec<FieldError>,
    ) -> Option<Assessment> {
        let mut r = Row::new(cells, ASSESSMENT_COLUMNS, errs);
        let assessment_ref = r.required(0, parse_ref);
        let person_ref = r.required(1, parse_ref);
        let interview_date = r.required(2, date);
        let gender = r.required(3, |s| enum_code(s, Gender::parse, Gender::accepted));
        let age = r.optional(4, age);
        let nationality = r.required(5, |s| self.country(s));
        if r.failed() {
            return None;
        }
        Some(Assessment {
            assessment_ref: assessment_ref?,
            person_ref: person_ref?,
            interview_date: interview_date?,
            gender: gender?,
            age: age?,
            nationality: nationality?,
        })
    }

    /// Checks one `persons.csv` row (cells in [`PERSON_COLUMNS`] order). A bad identity
    /// value is not repeated in the message (it may be a name): the column and what would
    /// be accepted are.
    pub(crate) fn check_person(
        &self,
        cells: &[&str],
        errs: &mut Vec<FieldError>,
    ) -> Option<PersonIdentity> {
        let mut r = Row::new(cells, PERSON_COLUMNS, errs);
        let person_ref = r.required(0, parse_ref);
        // The other fields are checked too when the ref is bad, so every problem is named.
        let mut p = PersonIdentity::new(person_ref.or_else(|| Ref::parse("-").ok())?);
        for (i, field) in spor_core::identity::IDENTITY_FIELDS.iter().enumerate() {
            if let Err(e) = p.set(field, cells[i + 1]) {
                r.errs.push(FieldError {
                    column: (*field).to_string(),
                    value: HIDDEN.to_string(),
                    expected: e.0,
                });
            }
        }
        (!r.failed()).then_some(p)
    }

    /// Validates a person's identity given as column → text (the caseworker's form).
    pub fn person<F: Fields + ?Sized>(
        &self,
        fields: &F,
    ) -> Result<PersonIdentity, Vec<FieldError>> {
        self.check_fields(Entity::Persons, fields, Self::check_person)
    }

    /// Checks one hotline-call row (cells in [`HOTLINE_CALL_COLUMNS`] order).
    pub(crate) fn check_hotline_call(
        &self,
        cells: &[&str],
        errs: &mut Vec<FieldError>,
    ) -> Option<HotlineCall> {
        let mut r = Row::new(cells, HOTLINE_CALL_COLUMNS, errs);
        let call_ref = r.required(0, parse_ref);
        let received_at = r.required(1, |s| parse_timestamp(s).map_err(|e| e.0));
        let caller_type = r.required(2, |s| enum_code(s, CallerType::parse, CallerType::accepted));
        let concerns = r.required(3, boolean);
        let topic = r.optional(4, |s| enum_code(s, Topic::parse, Topic::accepted));
        if r.failed() {
            return None;
        }
        Some(HotlineCall {
            call_ref: call_ref?,
            received_at: received_at?,
            caller_type: caller_type?,
            concerns_possible_victim: concerns?,
            topic: topic?,
        })
    }

    /// Checks one history row (cells in [`HISTORY_COLUMNS`] order).
    pub(crate) fn check_history_row(
        &self,
        cells: &[&str],
        errs: &mut Vec<FieldError>,
    ) -> Option<HistoryRow> {
        let mut r = Row::new(cells, HISTORY_COLUMNS, errs);
        let series = r.required(0, |s| enum_code(s, Series::parse, Series::accepted));
        let year = r.required(1, year);
        let category = match series {
            None => None,
            Some(series) if series.is_split() => r
                .required_because(2, "the series is split by category", |s| {
                    self.category(series, s)
                })
                .map(Some),
            Some(series) => {
                if !cells[2].is_empty() {
                    r.err(
                        2,
                        format!(
                            "empty: `{series}` is not split by category (only victims_by_form, victims_by_gender and victims_by_nationality are)"
                        ),
                    );
                }
                Some(None)
            }
        };
        let count = r.optional(3, count);
        if r.failed() {
            return None;
        }
        Some(HistoryRow {
            series: series?,
            year: year?,
            category: category?,
            count: count?,
        })
    }

    fn actor(&self, s: &str) -> Result<Code, String> {
        if self.actors.contains(s) {
            Ok(Code::new_unchecked(s))
        } else {
            Err(format!(
                "a referral actor code: {}",
                self.codes.accepted(ListId::ReferralActor)
            ))
        }
    }

    fn subtype(&self, form: Form, s: &str) -> Result<Code, String> {
        let (list, set) = match CodeBook::subtype_list(form) {
            Some(ListId::ForcedLabourSubtype) => (ListId::ForcedLabourSubtype, &self.labour),
            Some(l) => (l, &self.crime),
            None => {
                return Err(format!(
                    "empty: the form `{form}` has no subtypes (only forced_labour and forced_criminality have)"
                ));
            }
        };
        if set.contains(s) {
            Ok(Code::new_unchecked(s))
        } else {
            Err(format!(
                "a subtype of {form}: {}",
                self.codes.accepted(list)
            ))
        }
    }

    fn country(&self, s: &str) -> Result<Country, String> {
        if self.countries.contains(s) {
            Ok(Country::new_unchecked(s))
        } else {
            Err(self.codes.accepted(ListId::Country))
        }
    }

    fn category(&self, series: Series, s: &str) -> Result<String, String> {
        let ok = match series {
            Series::VictimsByForm => Form::parse(s).is_some() || FormGroup::parse(s).is_some(),
            Series::VictimsByGender => matches!(s, "female" | "male" | "trans"),
            Series::VictimsByNationality => self.countries.contains(s),
            _ => false,
        };
        if ok {
            return Ok(s.to_string());
        }
        Err(match series {
            Series::VictimsByForm => format!(
                "a form of exploitation for victims_by_form: {}, or other_forms (other + unresolved)",
                Form::accepted()
            ),
            Series::VictimsByGender => "female, male or trans for victims_by_gender".to_string(),
            _ => format!(
                "a nationality for victims_by_nationality: {}",
                self.codes.accepted(ListId::Country)
            ),
        })
    }
}

/// The cells of one row being checked, and the errors found so far.
struct Row<'a, 'e> {
    cells: &'a [&'a str],
    columns: &'static [&'static str],
    errs: &'e mut Vec<FieldError>,
    start: usize,
}

impl<'a, 'e> Row<'a, 'e> {
    fn new(
        cells: &'a [&'a str],
        columns: &'static [&'static str],
        errs: &'e mut Vec<FieldError>,
    ) -> Self {
        debug_assert_eq!(cells.len(), columns.len());
        let start = errs.len();
        Row {
            cells,
            columns,
            errs,
            start,
        }
    }

    fn err(&mut self, i: usize, expected: String) {
        self.errs.push(FieldError {
            column: self.columns[i].to_string(),
            value: self.cells[i].to_string(),
            expected,
        });
    }

    fn failed(&self) -> bool {
        self.errs.len() > self.start
    }

    /// A required cell: `None` (and an error) when empty or invalid.
    fn required<T>(
        &mut self,
        i: usize,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.required_because(i, "", parse)
    }

    fn required_because<T>(
        &mut self,
        i: usize,
        why: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let s = self.cells[i];
        if s.is_empty() {
            // Say what would be accepted, not just that something is missing.
            let accepted = parse("").err().unwrap_or_default();
            let why = if why.is_empty() {
                "the column is required".to_string()
            } else {
                format!("required when {why}")
            };
            self.err(i, format!("a value ({why}): {accepted}"));
            return None;
        }
        match parse(s) {
            Ok(v) => Some(v),
            Err(expected) => {
                self.err(i, expected);
                None
            }
        }
    }

    /// An optional cell: `Some(None)` when empty, `None` (and an error) when invalid.
    fn optional<T>(
        &mut self,
        i: usize,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let s = self.cells[i];
        if s.is_empty() {
            return Some(None);
        }
        match parse(s) {
            Ok(v) => Some(Some(v)),
            Err(expected) => {
                self.err(i, expected);
                None
            }
        }
    }
}

fn parse_ref(s: &str) -> Result<Ref, String> {
    Ref::parse(s).map_err(|e| e.0)
}

fn date(s: &str) -> Result<NaiveDate, String> {
    parse_date(s).map_err(|e| e.0)
}

fn enum_code<T>(
    s: &str,
    parse: fn(&str) -> Option<T>,
    accepted: fn() -> String,
) -> Result<T, String> {
    parse(s).ok_or_else(|| format!("one of {}", accepted()))
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn age(s: &str) -> Result<u8, String> {
    match s.parse::<u8>() {
        Ok(a) if digits(s) && a <= MAX_AGE => Ok(a),
        _ => Err(format!("a whole number of years from 0 to {MAX_AGE}")),
    }
}

/// `true` or `false`; other capitalisations are accepted because spreadsheet tools write
/// `TRUE`/`FALSE` when saving CSV.
fn boolean(s: &str) -> Result<bool, String> {
    if s.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if s.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err("true or false".into())
    }
}

fn year(s: &str) -> Result<i32, String> {
    match s.parse::<i32>() {
        Ok(y) if s.len() == 4 && digits(s) => Ok(y),
        _ => Err("a year of four digits, e.g. 2019".into()),
    }
}

fn count(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if digits(s) => Ok(n),
        _ => Err("a non-negative whole number (empty: not published)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_identification() -> Vec<(&'static str, &'static str)> {
        vec![
            ("case_ref", "D-1"),
            ("person_ref", "P-1"),
            ("decision_date", "2023-04-17"),
            ("authority", "cmm"),
            ("outcome", "identified"),
            ("referral_actor", "police"),
            ("exploitation_form", "forced_labour"),
            ("exploitation_subtype", "construction"),
            ("gender", "female"),
            ("age", "33"),
            ("nationality", "NG"),
            ("return_date", "2023-09-01"),
            ("return_country", "NG"),
        ]
    }

    #[test]
    fn a_valid_form_becomes_an_identification_with_trimmed_values() {
        let codes = CodeBook::builtin();
        let mut f = valid_identification();
        f[0].1 = "  D-1 ";
        let r = identification(&f, &codes).unwrap();
        assert_eq!(r.case_ref.as_str(), "D-1");
        assert_eq!(r.exploitation_subtype.unwrap().as_str(), "construction");
        assert_eq!(r.age, Some(33));
    }

    #[test]
    fn a_map_with_an_unknown_field_is_refused_naming_it() {
        let codes = CodeBook::builtin();
        let mut m: HashMap<String, String> = valid_identification()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        m.insert("comment".into(), "x".into());
        let e = identification(&m, &codes).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].column, "comment");
    }

    #[test]
    fn every_problem_of_a_row_is_reported_not_just_the_first() {
        let codes = CodeBook::builtin();
        let f = [("case_ref", ""), ("age", "200"), ("gender", "f")];
        let e = identification(&f, &codes).unwrap_err();
        let cols: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            cols,
            [
                "case_ref",
                "person_ref",
                "decision_date",
                "authority",
                "outcome",
                "gender",
                "age",
                "nationality"
            ]
        );
        assert!(e[5].expected.contains("female"), "{}", e[5]);
    }

    #[test]
    fn error_debug_output_hides_the_value() {
        let e = FieldError {
            column: "person_ref".into(),
            value: "P-secret".into(),
            expected: "x".into(),
        };
        assert!(!format!("{e:?}").contains("secret"));
        assert_eq!(e.to_string(), "column person_ref: `P-secret`; expected x");
    }
}
