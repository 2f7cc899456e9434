//! The counting units, built in one pass over the register: one per victim and year (the
//! latest `identified` decision of that person that year), one per assessed person and
//! year, one per hotline call. Tables then only count units.

use std::collections::HashMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use spor_core::{Authority, Form, Gender, HistoryRow, Outcome, Register, Series, copenhagen_year};

use crate::defs::{Population, Pred};

pub(crate) const REPEAT: u8 = 1;
pub(crate) const RETURNED: u8 = 2;
pub(crate) const THIRD_COUNTRY: u8 = 4;
pub(crate) const POSSIBLE_VICTIM: u8 = 8;
pub(crate) const IDENTIFIED_AFTER: u8 = 16;

/// One counted thing. Fields a population does not have stay at their neutral value
/// (a call has no gender: `Unknown`, never read by the call tables).
#[derive(Clone, Copy)]
pub(crate) struct Unit<'a> {
    pub year: i32,
    pub gender: Gender,
    pub age: Option<u8>,
    pub nationality: &'a str,
    pub form: Option<Form>,
    pub subtype: Option<&'a str>,
    pub referral: Option<&'a str>,
    pub authority: Option<Authority>,
    pub flags: u8,
}

impl Unit<'_> {
    pub fn passes(&self, filter: &[Pred]) -> bool {
        filter.iter().all(|p| match *p {
            Pred::Minor => self.age.is_some_and(|a| a < 18),
            Pred::Under25 => self.age.is_some_and(|a| a < 25),
            Pred::RepeatVictim => self.flags & REPEAT != 0,
            Pred::Returned => self.flags & RETURNED != 0,
            Pred::ReturnedToThirdCountry => self.flags & THIRD_COUNTRY != 0,
            Pred::ConcernsPossibleVictim => self.flags & POSSIBLE_VICTIM != 0,
            Pred::IdentifiedAfterInterview => self.flags & IDENTIFIED_AFTER != 0,
            Pred::Form(f) => self.form == Some(f),
        })
    }
}

/// The units of one population, sorted by year, with the slice of each year.
#[derive(Default)]
pub(crate) struct YearIndexed<'a> {
    units: Vec<Unit<'a>>,
    years: HashMap<i32, Range<usize>>,
}

impl<'a> YearIndexed<'a> {
    fn new(mut units: Vec<Unit<'a>>) -> Self {
        units.sort_unstable_by_key(|u| u.year);
        let mut years: HashMap<i32, Range<usize>> = HashMap::new();
        let mut start = 0;
        for i in 1..=units.len() {
            if i == units.len() || units[i].year != units[start].year {
                years.insert(units[start].year, start..i);
                start = i;
            }
        }
        YearIndexed { units, years }
    }

    pub fn of_year(&self, year: i32) -> &[Unit<'a>] {
        self.years
            .get(&year)
            .map(|r| &self.units[r.clone()])
            .unwrap_or(&[])
    }

    pub fn first_year(&self) -> Option<i32> {
        self.units.first().map(|u| u.year)
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }
}

/// All units of the register.
pub(crate) struct Units<'a> {
    pub victims: YearIndexed<'a>,
    pub assessed: YearIndexed<'a>,
    pub calls: YearIndexed<'a>,
    /// Years with any decision (identified or not).
    pub decision_years: Vec<i32>,
}

impl<'a> Units<'a> {
    pub fn of(&self, p: Population) -> &YearIndexed<'a> {
        match p {
            Population::Victims => &self.victims,
            Population::AssessedPersons => &self.assessed,
            Population::HotlineCalls => &self.calls,
        }
    }

    pub fn build(reg: &'a Register) -> Self {
        // Per person: the first year identified and the last identified decision date.
        let mut first_identified: HashMap<&str, i32> = HashMap::new();
        let mut last_identified: HashMap<&str, NaiveDate> = HashMap::new();
        // Per person and year: the latest identified decision (ties on the date: the
        // larger case_ref, so the choice does not depend on input order).
        let mut latest: HashMap<(&str, i32), usize> = HashMap::new();
        let mut decision_years: Vec<i32> = Vec::new();
        for (i, d) in reg.identifications.iter().enumerate() {
            let y = d.decision_date.year();
            if !decision_years.contains(&y) {
                decision_years.push(y);
            }
            if d.outcome != Outcome::Identified {
                continue;
            }
            let p = d.person_ref.as_str();
            first_identified
                .entry(p)
                .and_modify(|f| *f = (*f).min(y))
                .or_insert(y);
            last_identified
                .entry(p)
                .and_modify(|f| *f = (*f).max(d.decision_date))
                .or_insert(d.decision_date);
            latest
                .entry((p, y))
                .and_modify(|j| {
                    let cur = &reg.identifications[*j];
                    if (d.decision_date, &d.case_ref) > (cur.decision_date, &cur.case_ref) {
                        *j = i;
                    }
                })
                .or_insert(i);
        }
        let victims = latest
            .into_iter()
            .map(|((p, y), i)| {
                let d = &reg.identifications[i];
                let mut flags = 0;
                if first_identified.get(p).is_some_and(|&f| f < y) {
                    flags |= REPEAT;
                }
                let year_end = NaiveDate::from_ymd_opt(y, 12, 31);
                if d.return_date.is_some_and(|r| Some(r) <= year_end) {
                    flags |= RETURNED;
                    if d.return_country
                        .as_ref()
                        .is_some_and(|c| c != &d.nationality)
                    {
                        flags |= THIRD_COUNTRY;
                    }
                }
                Unit {
                    year: y,
                    gender: d.gender,
                    age: d.age,
                    nationality: d.nationality.as_str(),
                    form: d.exploitation_form,
                    subtype: d.exploitation_subtype.as_ref().map(|c| c.as_str()),
                    referral: d.referral_actor.as_ref().map(|c| c.as_str()),
                    authority: Some(d.authority),
                    flags,
                }
            })
            .collect();

        // Per person and year: the latest interview (ties: larger assessment_ref) and the
        // first interview date.
        let mut interviews: HashMap<(&str, i32), (usize, NaiveDate)> = HashMap::new();
        for (i, a) in reg.assessments.iter().enumerate() {
            let y = a.interview_date.year();
            interviews
                .entry((a.person_ref.as_str(), y))
                .and_modify(|(j, first)| {
                    let cur = &reg.assessments[*j];
                    if (a.interview_date, &a.assessment_ref)
                        > (cur.interview_date, &cur.assessment_ref)
                    {
                        *j = i;
                    }
                    *first = (*first).min(a.interview_date);
                })
                .or_insert((i, a.interview_date));
        }
        let assessed = interviews
            .into_iter()
            .map(|((p, y), (i, first))| {
                let a = &reg.assessments[i];
                let identified_after = last_identified.get(p).is_some_and(|&d| d >= first);
                Unit {
                    year: y,
                    gender: a.gender,
                    age: a.age,
                    nationality: a.nationality.as_str(),
                    form: None,
                    subtype: None,
                    referral: None,
                    authority: None,
                    flags: if identified_after {
                        IDENTIFIED_AFTER
                    } else {
                        0
                    },
                }
            })
            .collect();

        let calls = reg
            .hotline_calls
            .iter()
            .map(|c| Unit {
                year: copenhagen_year(&c.received_at),
                gender: Gender::Unknown,
                age: None,
                nationality: "",
                form: None,
                subtype: None,
                referral: None,
                authority: None,
                flags: if c.concerns_possible_victim {
                    POSSIBLE_VICTIM
                } else {
                    0
                },
            })
            .collect();

        Units {
            victims: YearIndexed::new(victims),
            assessed: YearIndexed::new(assessed),
            calls: YearIndexed::new(calls),
            decision_years,
        }
    }
}

/// History rows by series and year.
#[derive(Default)]
pub(crate) struct History<'a> {
    rows: HashMap<(Series, i32), Vec<&'a HistoryRow>>,
}

impl<'a> History<'a> {
    pub fn build(reg: &'a Register) -> Self {
        let mut rows: HashMap<(Series, i32), Vec<&'a HistoryRow>> = HashMap::new();
        for r in &reg.history {
            rows.entry((r.series, r.year)).or_default().push(r);
        }
        History { rows }
    }

    /// The rows of a series in a year (empty: the series has nothing for that year).
    pub fn rows(&self, series: Series, year: i32) -> &[&'a HistoryRow] {
        self.rows
            .get(&(series, year))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// An unsplit series' value: `None` when absent or not published.
    pub fn total(&self, series: Series, year: i32) -> Option<u64> {
        self.rows(series, year)
            .iter()
            .find(|r| r.category.is_none())
            .and_then(|r| r.count)
    }

    /// The first year of any of these series.
    pub fn first_year(&self, series: &[Series]) -> Option<i32> {
        self.rows
            .keys()
            .filter(|(s, _)| series.contains(s))
            .map(|&(_, y)| y)
            .min()
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.rows.keys().map(|&(_, y)| y)
    }
}
