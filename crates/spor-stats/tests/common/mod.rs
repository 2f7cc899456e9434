//! Hand-made registers for the statistics tests (synthetic, no real persons).

#![allow(dead_code)]

use chrono::NaiveDate;
use spor_core::{
    Assessment, Authority, Code, Country, Form, Gender, HistoryRow, HotlineCall, Identification,
    Outcome, Ref, Register, Series, parse_date, parse_timestamp,
};
use spor_stats::{Report, Table};

pub fn date(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

/// An `identified` decision: a 30-year-old Nigerian woman, sexual exploitation, referred by
/// the police, decided by the centre. Tests change what they are about.
pub fn ident(case: &str, person: &str, decided: &str) -> Identification {
    Identification {
        case_ref: Ref::parse(case).unwrap(),
        person_ref: Ref::parse(person).unwrap(),
        decision_date: date(decided),
        authority: Authority::Cmm,
        outcome: Outcome::Identified,
        referral_actor: Some(Code::new_unchecked("police")),
        exploitation_form: Some(Form::Sexual),
        exploitation_subtype: None,
        gender: Gender::Female,
        age: Some(30),
        nationality: Country::new_unchecked("NG"),
        return_date: None,
        return_country: None,
    }
}

pub fn not_identified(case: &str, person: &str, decided: &str) -> Identification {
    Identification {
        outcome: Outcome::NotIdentified,
        referral_actor: None,
        exploitation_form: None,
        ..ident(case, person, decided)
    }
}

pub fn assessment(r: &str, person: &str, on: &str, nationality: &str) -> Assessment {
    Assessment {
        assessment_ref: Ref::parse(r).unwrap(),
        person_ref: Ref::parse(person).unwrap(),
        interview_date: date(on),
        gender: Gender::Female,
        age: Some(30),
        nationality: Country::new_unchecked(nationality),
    }
}

pub fn call(r: &str, at: &str, possible_victim: bool) -> HotlineCall {
    HotlineCall {
        call_ref: Ref::parse(r).unwrap(),
        received_at: parse_timestamp(at).unwrap(),
        caller_type: spor_core::CallerType::Police,
        concerns_possible_victim: possible_victim,
        topic: None,
    }
}

pub fn hist(series: Series, year: i32, category: Option<&str>, count: Option<u64>) -> HistoryRow {
    HistoryRow {
        series,
        year,
        category: category.map(str::to_string),
        count,
    }
}

pub fn register(identifications: Vec<Identification>) -> Register {
    Register {
        identifications,
        ..Register::default()
    }
}

pub fn report(reg: &Register, year: i32) -> Report {
    spor_stats::evaluate(reg, year).unwrap()
}

/// A table's top-level rows as `(key, values)`.
pub fn rows(t: &Table) -> Vec<(&str, Vec<Option<u64>>)> {
    t.rows
        .iter()
        .map(|r| (r.key.as_str(), r.values.clone()))
        .collect()
}

/// A one-column table as `(key, label, count)`.
pub fn counts(t: &Table) -> Vec<(&str, &str, u64)> {
    assert_eq!(t.column_keys, ["count"], "not a one-column table");
    t.rows
        .iter()
        .map(|r| (r.key.as_str(), r.label.as_str(), r.values[0].unwrap()))
        .collect()
}

pub fn s(v: &[u64]) -> Vec<Option<u64>> {
    v.iter().map(|&x| Some(x)).collect()
}
