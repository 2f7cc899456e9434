//! The counting units, built in one pass over the register's [`Columns`]: one per victim
//! and year (the latest `identified` decision of that person that year), one per assessed
//! person and year, one per hotline call. Tables then only count units.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use spor_core::{Authority, Form, Gender, HistoryRow, Register, Series};

use crate::columns::{Columns, Decision, Interview};
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
    /// The month and day of the record that made the unit (the counted decision or
    /// interview, the call in Copenhagen time): for counts up to a date.
    pub month: u8,
    pub day: u8,
    pub gender: Gender,
    pub age: Option<u8>,
    pub nationality: &'a str,
    pub form: Option<Form>,
    pub subtype: Option<&'a str>,
    pub referral: Option<&'a str>,
    pub authority: Option<Authority>,
    pub flags: u8,
    /// The record that made the unit: its position in reference order among the records
    /// of its kind (the counted decision, the latest interview, the call).
    pub record: u32,
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
        if !units.is_sorted_by_key(|u| u.year) {
            units.sort_unstable_by_key(|u| u.year);
        }
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
    /// Years with any decision (identified or not), ascending.
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

    /// The units, in one sequential pass over each kind of record sorted by person and
    /// date ([`Columns::decisions_by_person`]): a person's decisions of a year are a run
    /// whose last identified one is the one that counts.
    pub fn build(cols: &'a Columns) -> Self {
        // Victims first (they give each person's last identified date), then the
        // interviews; sorting the interviews and the calls beside them on another core.
        let ((victims, decision_years, last_identified), (interviews, calls)) = crate::join(
            || Self::victims(cols, &cols.decisions_by_person()),
            || {
                (
                    cols.interviews_by_person(),
                    YearIndexed::new(Self::calls(cols)),
                )
            },
        );
        let assessed = Self::assessed(cols, &interviews, &last_identified);
        Units {
            victims: YearIndexed::new(victims),
            assessed: YearIndexed::new(assessed),
            calls,
            decision_years,
        }
    }

    /// The victim units (per person and year, the latest identified decision: the last of
    /// its run, since ties on the date are ordered by `case_ref`), the years with any
    /// decision, and per person the date of the last identified decision.
    fn victims(
        cols: &'a Columns,
        ds: &[(u32, Decision)],
    ) -> (Vec<Unit<'a>>, Vec<i32>, Vec<Option<NaiveDate>>) {
        let mut last_identified: Vec<Option<NaiveDate>> = vec![None; cols.persons as usize];
        let mut years: BTreeSet<i32> = BTreeSet::new();
        let mut units: Vec<Unit<'a>> = Vec::with_capacity(ds.len());
        let mut last_year = None;
        let mut start = 0;
        while start < ds.len() {
            let person = ds[start].1.person;
            let end = start + ds[start..].partition_point(|(_, d)| d.person == person);
            let run = &ds[start..end];
            start = end;
            for (_, d) in run {
                let y = d.date.year();
                if last_year != Some(y) {
                    years.insert(y);
                    last_year = Some(y);
                }
            }
            let mut identified = run.iter().filter(|(_, d)| d.identified).peekable();
            let Some((_, first)) = identified.peek() else {
                continue;
            };
            let first_year = first.date.year();
            while let Some((at, d)) = identified.next() {
                let y = d.date.year();
                if identified.peek().is_some_and(|(_, n)| n.date.year() == y) {
                    continue;
                }
                units.push(Self::victim(cols, d, *at, y, first_year));
                if let Some(slot) = last_identified.get_mut(person as usize) {
                    *slot = Some(d.date);
                }
            }
        }
        (units, years.into_iter().collect(), last_identified)
    }

    fn victim(cols: &'a Columns, d: &Decision, at: u32, y: i32, first_year: i32) -> Unit<'a> {
        let mut flags = 0;
        if first_year < y {
            flags |= REPEAT;
        }
        let year_end = NaiveDate::from_ymd_opt(y, 12, 31);
        if d.return_date.is_some_and(|r| Some(r) <= year_end) {
            flags |= RETURNED;
            if d.return_country
                .is_some_and(|c| cols.text(c) != cols.text(d.nationality))
            {
                flags |= THIRD_COUNTRY;
            }
        }
        Unit {
            year: y,
            month: d.date.month() as u8,
            day: d.date.day() as u8,
            gender: d.gender,
            age: d.age,
            nationality: cols.text(d.nationality),
            form: d.form,
            subtype: d.subtype.map(|c| cols.text(c)),
            referral: d.referral.map(|c| cols.text(c)),
            authority: Some(d.authority),
            flags,
            record: at,
        }
    }

    /// The assessed units: per person and year, the latest interview (the last of its run,
    /// ties on the date ordered by `assessment_ref`), marked when the person was identified
    /// on or after the year's first interview.
    fn assessed(
        cols: &'a Columns,
        xs: &[(u32, Interview)],
        last_identified: &[Option<NaiveDate>],
    ) -> Vec<Unit<'a>> {
        let mut units = Vec::new();
        let mut start = 0;
        while start < xs.len() {
            let (person, year) = (xs[start].1.person, xs[start].1.date.year());
            let end = start
                + xs[start..].partition_point(|(_, a)| a.person == person && a.date.year() == year);
            let (first, (at, latest)) = (&xs[start].1, &xs[end - 1]);
            start = end;
            let identified_after = last_identified
                .get(person as usize)
                .copied()
                .flatten()
                .is_some_and(|d| d >= first.date);
            units.push(Unit {
                year,
                month: latest.date.month() as u8,
                day: latest.date.day() as u8,
                gender: latest.gender,
                age: latest.age,
                nationality: cols.text(latest.nationality),
                form: None,
                subtype: None,
                referral: None,
                authority: None,
                flags: if identified_after {
                    IDENTIFIED_AFTER
                } else {
                    0
                },
                record: *at,
            });
        }
        units
    }

    /// One unit per hotline call.
    fn calls(cols: &Columns) -> Vec<Unit<'a>> {
        cols.calls
            .iter()
            .zip(0u32..)
            .map(|(c, at)| Unit {
                year: c.year,
                month: c.month,
                day: c.day,
                gender: Gender::Unknown,
                age: None,
                nationality: "",
                form: None,
                subtype: None,
                referral: None,
                authority: None,
                flags: if c.possible_victim {
                    POSSIBLE_VICTIM
                } else {
                    0
                },
                record: at,
            })
            .collect()
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

// The record a unit carries fits in the padding of its small fields: a unit stays 64 bytes.
const _: () = assert!(std::mem::size_of::<Unit<'static>>() == 64);
