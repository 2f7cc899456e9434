//! Backend-neutral conversion between domain records and the plain column values both
//! backends store (text, integers, booleans). Each backend reads its rows into these raw
//! structs; checking them back into domain types happens once, here.

use std::collections::HashMap;

use chrono::NaiveDate;
use spor_core::{
    Assessment, Authority, CallerType, Code, Country, Form, Gender, HistoryRow, HotlineCall,
    Identification, Outcome, Ref, Series, Topic, parse_date, parse_timestamp,
};

use crate::{Counts, StoreError};

/// The columns of a decision as read by sqlx from a row whose first 13 columns are the
/// exchange-format columns in order; shared by every query that reads decisions.
macro_rules! raw_identification {
    ($r:expr) => {
        crate::rows::RawIdentification {
            case_ref: $r.try_get(0)?,
            person_ref: $r.try_get(1)?,
            decision_date: $r.try_get(2)?,
            authority: $r.try_get(3)?,
            outcome: $r.try_get(4)?,
            referral_actor: $r.try_get(5)?,
            exploitation_form: $r.try_get(6)?,
            exploitation_subtype: $r.try_get(7)?,
            gender: $r.try_get(8)?,
            age: $r.try_get(9)?,
            nationality: $r.try_get(10)?,
            return_date: $r.try_get(11)?,
            return_country: $r.try_get(12)?,
        }
    };
}

/// The same for an assessment interview (6 columns).
macro_rules! raw_assessment {
    ($r:expr) => {
        crate::rows::RawAssessment {
            assessment_ref: $r.try_get(0)?,
            person_ref: $r.try_get(1)?,
            interview_date: $r.try_get(2)?,
            gender: $r.try_get(3)?,
            age: $r.try_get(4)?,
            nationality: $r.try_get(5)?,
        }
    };
}

/// The same for a hotline call (5 columns).
macro_rules! raw_hotline_call {
    ($r:expr) => {
        crate::rows::RawHotlineCall {
            call_ref: $r.try_get(0)?,
            received_at: $r.try_get(1)?,
            caller_type: $r.try_get(2)?,
            concerns_possible_victim: $r.try_get(3)?,
            topic: $r.try_get(4)?,
        }
    };
}

/// Statement texts shared by every backend (the bulk SQLite path and the sqlx macro).
pub const IDENTIFICATION_INSERT: &str = "INSERT INTO identifications (case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country, updated_at) ";
pub const IDENTIFICATION_UPSERT: &str = " ON CONFLICT (case_ref) DO UPDATE SET person_ref = excluded.person_ref, decision_date = excluded.decision_date, authority = excluded.authority, outcome = excluded.outcome, referral_actor = excluded.referral_actor, exploitation_form = excluded.exploitation_form, exploitation_subtype = excluded.exploitation_subtype, gender = excluded.gender, age = excluded.age, nationality = excluded.nationality, return_date = excluded.return_date, return_country = excluded.return_country, version = identifications.version + 1, updated_at = excluded.updated_at";
pub const ASSESSMENT_INSERT: &str = "INSERT INTO assessments (assessment_ref, person_ref, interview_date, gender, age, nationality, updated_at) ";
pub const ASSESSMENT_UPSERT: &str = " ON CONFLICT (assessment_ref) DO UPDATE SET person_ref = excluded.person_ref, interview_date = excluded.interview_date, gender = excluded.gender, age = excluded.age, nationality = excluded.nationality, version = assessments.version + 1, updated_at = excluded.updated_at";
pub const HOTLINE_INSERT: &str = "INSERT INTO hotline_calls (call_ref, received_at, caller_type, concerns_possible_victim, topic, updated_at) ";
pub const HOTLINE_UPSERT: &str = " ON CONFLICT (call_ref) DO UPDATE SET received_at = excluded.received_at, caller_type = excluded.caller_type, concerns_possible_victim = excluded.concerns_possible_victim, topic = excluded.topic, version = hotline_calls.version + 1, updated_at = excluded.updated_at";
pub const HISTORY_INSERT: &str = "INSERT INTO history (series, year, category, count, updated_at) ";
pub const HISTORY_UPSERT: &str = " ON CONFLICT (series, year, category) DO UPDATE SET count = excluded.count, updated_at = excluded.updated_at";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("stored {what} `{value}` is not valid"))
}

fn parse_ref(s: &str) -> Result<Ref, StoreError> {
    Ref::parse(s).map_err(|_| StoreError::Corrupt("a stored reference is not valid".into()))
}

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    parse_date(s).map_err(|_| corrupt("date", s))
}

fn opt_date(s: Option<&str>) -> Result<Option<NaiveDate>, StoreError> {
    s.map(date).transpose()
}

fn age(a: Option<i64>) -> Result<Option<u8>, StoreError> {
    a.map(|a| u8::try_from(a).map_err(|_| corrupt("age", &a.to_string())))
        .transpose()
}

fn code_of<T>(what: &str, s: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(s).ok_or_else(|| corrupt(what, s))
}

/// The stored columns of one decision, borrowed from a row: each backend reads its rows
/// into this (no allocation per field) and the check into domain types happens here, once.
#[derive(Debug)]
pub struct IdentificationCols<'a> {
    pub case_ref: &'a str,
    pub person_ref: &'a str,
    pub decision_date: &'a str,
    pub authority: &'a str,
    pub outcome: &'a str,
    pub referral_actor: Option<&'a str>,
    pub exploitation_form: Option<&'a str>,
    pub exploitation_subtype: Option<&'a str>,
    pub gender: &'a str,
    pub age: Option<i64>,
    pub nationality: &'a str,
    pub return_date: Option<&'a str>,
    pub return_country: Option<&'a str>,
}

impl IdentificationCols<'_> {
    pub fn into_record(self) -> Result<Identification, StoreError> {
        Ok(Identification {
            case_ref: parse_ref(self.case_ref)?,
            person_ref: parse_ref(self.person_ref)?,
            decision_date: date(self.decision_date)?,
            authority: code_of("authority", self.authority, Authority::parse)?,
            outcome: code_of("outcome", self.outcome, Outcome::parse)?,
            referral_actor: self.referral_actor.map(Code::new_unchecked),
            exploitation_form: self
                .exploitation_form
                .map(|f| code_of("exploitation form", f, Form::parse))
                .transpose()?,
            exploitation_subtype: self.exploitation_subtype.map(Code::new_unchecked),
            gender: code_of("gender", self.gender, Gender::parse)?,
            age: age(self.age)?,
            nationality: Country::new_unchecked(self.nationality),
            return_date: opt_date(self.return_date)?,
            return_country: self.return_country.map(Country::new_unchecked),
        })
    }
}

/// The same columns, owned (for drivers that decode into owned strings).
#[derive(Debug)]
pub struct RawIdentification {
    pub case_ref: String,
    pub person_ref: String,
    pub decision_date: String,
    pub authority: String,
    pub outcome: String,
    pub referral_actor: Option<String>,
    pub exploitation_form: Option<String>,
    pub exploitation_subtype: Option<String>,
    pub gender: String,
    pub age: Option<i64>,
    pub nationality: String,
    pub return_date: Option<String>,
    pub return_country: Option<String>,
}

impl RawIdentification {
    pub fn into_record(self) -> Result<Identification, StoreError> {
        IdentificationCols {
            case_ref: &self.case_ref,
            person_ref: &self.person_ref,
            decision_date: &self.decision_date,
            authority: &self.authority,
            outcome: &self.outcome,
            referral_actor: self.referral_actor.as_deref(),
            exploitation_form: self.exploitation_form.as_deref(),
            exploitation_subtype: self.exploitation_subtype.as_deref(),
            gender: &self.gender,
            age: self.age,
            nationality: &self.nationality,
            return_date: self.return_date.as_deref(),
            return_country: self.return_country.as_deref(),
        }
        .into_record()
    }
}

/// The stored columns of one assessment interview, borrowed from a row.
#[derive(Debug)]
pub struct AssessmentCols<'a> {
    pub assessment_ref: &'a str,
    pub person_ref: &'a str,
    pub interview_date: &'a str,
    pub gender: &'a str,
    pub age: Option<i64>,
    pub nationality: &'a str,
}

impl AssessmentCols<'_> {
    pub fn into_record(self) -> Result<Assessment, StoreError> {
        Ok(Assessment {
            assessment_ref: parse_ref(self.assessment_ref)?,
            person_ref: parse_ref(self.person_ref)?,
            interview_date: date(self.interview_date)?,
            gender: code_of("gender", self.gender, Gender::parse)?,
            age: age(self.age)?,
            nationality: Country::new_unchecked(self.nationality),
        })
    }
}

#[derive(Debug)]
pub struct RawAssessment {
    pub assessment_ref: String,
    pub person_ref: String,
    pub interview_date: String,
    pub gender: String,
    pub age: Option<i64>,
    pub nationality: String,
}

impl RawAssessment {
    pub fn into_record(self) -> Result<Assessment, StoreError> {
        AssessmentCols {
            assessment_ref: &self.assessment_ref,
            person_ref: &self.person_ref,
            interview_date: &self.interview_date,
            gender: &self.gender,
            age: self.age,
            nationality: &self.nationality,
        }
        .into_record()
    }
}

/// The stored columns of one hotline call, borrowed from a row.
#[derive(Debug)]
pub struct HotlineCallCols<'a> {
    pub call_ref: &'a str,
    pub received_at: &'a str,
    pub caller_type: &'a str,
    pub concerns_possible_victim: bool,
    pub topic: Option<&'a str>,
}

impl HotlineCallCols<'_> {
    pub fn into_record(self) -> Result<HotlineCall, StoreError> {
        Ok(HotlineCall {
            call_ref: parse_ref(self.call_ref)?,
            received_at: parse_timestamp(self.received_at)
                .map_err(|_| corrupt("timestamp", self.received_at))?,
            caller_type: code_of("caller type", self.caller_type, CallerType::parse)?,
            concerns_possible_victim: self.concerns_possible_victim,
            topic: self
                .topic
                .map(|t| code_of("topic", t, Topic::parse))
                .transpose()?,
        })
    }
}

#[derive(Debug)]
pub struct RawHotlineCall {
    pub call_ref: String,
    pub received_at: String,
    pub caller_type: String,
    pub concerns_possible_victim: bool,
    pub topic: Option<String>,
}

impl RawHotlineCall {
    pub fn into_record(self) -> Result<HotlineCall, StoreError> {
        HotlineCallCols {
            call_ref: &self.call_ref,
            received_at: &self.received_at,
            caller_type: &self.caller_type,
            concerns_possible_victim: self.concerns_possible_victim,
            topic: self.topic.as_deref(),
        }
        .into_record()
    }
}

#[derive(Debug)]
pub struct RawHistory {
    pub series: String,
    pub year: i64,
    pub category: String,
    pub count: Option<i64>,
}

impl RawHistory {
    pub fn into_record(self) -> Result<HistoryRow, StoreError> {
        Ok(HistoryRow {
            series: code_of("series", &self.series, Series::parse)?,
            year: i32::try_from(self.year).map_err(|_| corrupt("year", &self.year.to_string()))?,
            category: (!self.category.is_empty()).then_some(self.category),
            count: self
                .count
                .map(|c| u64::try_from(c).map_err(|_| corrupt("count", &c.to_string())))
                .transpose()?,
        })
    }
}

/// Splits a batch of records into those to write (new or changed) and counts the rest as
/// unchanged, comparing against what is stored under the same key.
pub fn classify<'a, T: PartialEq, K: std::hash::Hash + Eq>(
    batch: &'a [T],
    existing: &HashMap<K, T>,
    key: impl Fn(&T) -> K,
) -> (Vec<&'a T>, Counts) {
    let mut counts = Counts::default();
    let mut write = Vec::new();
    // A batch may name one ref twice: the last row wins, as a re-import would.
    let mut last: HashMap<K, usize> = HashMap::with_capacity(batch.len());
    for (i, r) in batch.iter().enumerate() {
        last.insert(key(r), i);
    }
    for (i, r) in batch.iter().enumerate() {
        let k = key(r);
        if last.get(&k) != Some(&i) {
            continue;
        }
        match existing.get(&k) {
            None => {
                counts.inserted += 1;
                write.push(r);
            }
            Some(old) if old == r => counts.unchanged += 1,
            Some(_) => {
                counts.updated += 1;
                write.push(r);
            }
        }
    }
    (write, counts)
}
