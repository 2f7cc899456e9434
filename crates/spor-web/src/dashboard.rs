//! The analyst's dashboard figures for the current year, by the counting rules of
//! `annual-report.md`: a victim is a person with an `identified` decision in the year, counted
//! once (with the latest decision's attributes).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use spor_core::{Identification, Outcome, Register};

/// The figures of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub victims: u64,
    pub victims_last_year: u64,
    /// (form code, count), count descending then code.
    pub by_form: Vec<(String, u64)>,
    /// (nationality code, count).
    pub by_nationality: Vec<(String, u64)>,
    /// Calls received in each month (January first).
    pub calls_per_month: [u64; 12],
    /// The same, the year before (whole months).
    pub calls_per_month_last_year: [u64; 12],
}

/// The same day a year earlier (29 February becomes 28 February).
fn a_year_before(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() - 1, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, d.month(), 28))
        .unwrap_or(d)
}

/// The latest identified decision of each victim of `today`'s year up to `today`.
fn victims_until(reg: &Register, until: NaiveDate) -> Vec<&Identification> {
    let mut latest: HashMap<&str, &Identification> = HashMap::new();
    for d in &reg.identifications {
        if d.outcome != Outcome::Identified
            || d.decision_date.year() != until.year()
            || d.decision_date > until
        {
            continue;
        }
        let e = latest.entry(d.person_ref.as_str()).or_insert(d);
        if (d.decision_date, d.case_ref.as_str()) > (e.decision_date, e.case_ref.as_str()) {
            *e = d;
        }
    }
    latest.into_values().collect()
}

fn ranked(counts: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

pub fn figures(reg: &Register, today: NaiveDate) -> Figures {
    let now = victims_until(reg, today);
    let before = victims_until(reg, a_year_before(today));
    let mut by_form = BTreeMap::new();
    let mut by_nat = BTreeMap::new();
    for d in &now {
        let form = d
            .exploitation_form
            .map(|f| f.code().to_string())
            .unwrap_or_default();
        *by_form.entry(form).or_insert(0) += 1;
        *by_nat
            .entry(d.nationality.as_str().to_string())
            .or_insert(0) += 1;
    }
    let mut months = [0u64; 12];
    let mut last = [0u64; 12];
    for c in &reg.hotline_calls {
        let local = c.received_at.with_timezone(&chrono_tz::Europe::Copenhagen);
        if local.year() == today.year() {
            months[local.month0() as usize] += 1;
        } else if local.year() == today.year() - 1 {
            last[local.month0() as usize] += 1;
        }
    }
    Figures {
        victims: now.len() as u64,
        victims_last_year: before.len() as u64,
        by_form: ranked(by_form),
        by_nationality: ranked(by_nat),
        calls_per_month: months,
        calls_per_month_last_year: last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spor_core::{Authority, Country, Form, Gender, Ref};

    fn decision(
        case: &str,
        person: &str,
        date: &str,
        outcome: Outcome,
        nat: &str,
    ) -> Identification {
        Identification {
            case_ref: Ref::parse(case).unwrap(),
            person_ref: Ref::parse(person).unwrap(),
            decision_date: spor_core::parse_date(date).unwrap(),
            authority: Authority::Cmm,
            outcome,
            referral_actor: None,
            exploitation_form: Some(Form::Sexual),
            exploitation_subtype: None,
            gender: Gender::Female,
            age: None,
            nationality: Country::new_unchecked(nat),
            return_date: None,
            return_country: None,
        }
    }

    #[test]
    fn victims_are_persons_counted_once_up_to_the_same_date_each_year() {
        let reg = Register {
            identifications: vec![
                decision("a", "p1", "2026-01-10", Outcome::Identified, "NG"),
                decision("b", "p1", "2026-02-10", Outcome::Identified, "RO"),
                decision("c", "p2", "2026-03-01", Outcome::NotIdentified, "NG"),
                decision("d", "p3", "2026-12-01", Outcome::Identified, "NG"),
                decision("e", "p4", "2025-03-01", Outcome::Identified, "TH"),
                decision("f", "p5", "2025-06-01", Outcome::Identified, "TH"),
            ],
            ..Default::default()
        };
        let f = figures(&reg, spor_core::parse_date("2026-05-01").unwrap());
        assert_eq!(f.victims, 1);
        assert_eq!(f.victims_last_year, 1);
        // The latest decision's nationality counts.
        assert_eq!(f.by_nationality, vec![("RO".to_string(), 1)]);
    }
}
