//! The counting units, built in one pass over the register: one per victim and year (the
//! latest `identified` decision of that person that year), one per assessed person and
//! year, one per hotline call. Tables then only count units.

use std::collections::HashMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use spor_core::{Authority, Form, Gender, HistoryRow, Outcome, Register, Series, copenhagen_year};

use crate::defs::{Population, Pred};
use crate::fxhash::{FxHasher, FxMap, map_with_capacity};
use std::hash::{BuildHasher, BuildHasherDefault};

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

/// A reference as a hash key, compared and hashed a word at a time: refs are short, and
/// a libc `memcmp` call per lookup was a tenth of the evaluation time.
#[derive(Clone, Copy)]
struct ShortStr<'a>(&'a str);

impl ShortStr<'_> {
    /// The first 16 bytes as two words (zero-padded), without a `memcpy` call.
    #[inline]
    fn words(&self) -> (u64, u64) {
        fn word(b: &[u8]) -> u64 {
            match b.first_chunk::<8>() {
                Some(w) => u64::from_le_bytes(*w),
                None => b
                    .iter()
                    .enumerate()
                    .fold(0, |w, (i, &x)| w | u64::from(x) << (8 * i)),
            }
        }
        let b = self.0.as_bytes();
        (word(b), word(b.get(8..).unwrap_or(&[])))
    }
}

impl PartialEq for ShortStr<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && self.words() == other.words() && (a.len() <= 16 || a[16..] == b[16..])
    }
}

impl Eq for ShortStr<'_> {}

impl std::hash::Hash for ShortStr<'_> {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let (a, b) = self.words();
        h.write_u64(a);
        h.write_u64(b ^ self.0.len() as u64);
    }
}

/// Which of `parts` person maps a person is kept in: a bit of its hash that the maps do
/// not use to place keys (their bucket index takes the low bits, their tag the top seven),
/// so each map's keys still spread over all its buckets.
fn part_of(p: ShortStr<'_>, parts: usize) -> usize {
    if parts <= 1 {
        return 0;
    }
    let h = BuildHasherDefault::<FxHasher>::default().hash_one(p);
    (h >> 40) as usize % parts
}

/// What one pass over the decisions keeps per person. Plain data (no `Drop`), so a map
/// of half a million of them is freed at once, not entry by entry.
#[derive(Clone, Copy)]
struct PersonAcc {
    first_year: i32,
    last_date: NaiveDate,
    /// Per year: the index of the latest identified decision. Most persons have one year,
    /// kept inline; further years are a chain through [`Persons::more`].
    first: (i32, u32),
    more: u32,
}

/// No further year (end of a chain in [`Persons::more`]).
const NO_MORE: u32 = u32::MAX;

/// A further year of a person: (year, index of its latest identified decision, next).
#[derive(Clone, Copy)]
struct MoreYear {
    year: i32,
    decision: u32,
    next: u32,
}

/// The persons of one part (see [`part_of`]).
struct Persons<'a> {
    map: FxMap<ShortStr<'a>, PersonAcc>,
    more: Vec<MoreYear>,
}

impl Persons<'_> {
    /// The (year, decision) slots of a person.
    fn years<'s>(&'s self, acc: &'s PersonAcc) -> impl Iterator<Item = (i32, u32)> + 's {
        let mut next = acc.more;
        std::iter::once(acc.first).chain(std::iter::from_fn(move || {
            let m = self.more.get(usize::try_from(next).ok()?)?;
            next = m.next;
            Some((m.year, m.decision))
        }))
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
        // The pass over the decisions is most of the work: with two cores, each thread
        // keeps the persons of one half (by hash) and lists their chosen decisions; the
        // first also does the interviews, the second the calls (about the same work each:
        // with both on the second, the first waited a fifth of the pass). The victim and
        // assessed units then need all persons, and are built at the same time.
        let parts = if crate::workers() >= 2 { 2 } else { 1 };
        let ((first, decision_years, mut chosen, interviews), (second, calls)) = crate::join(
            || {
                let (persons, years) = Self::persons(reg, 0, parts);
                let chosen = Self::chosen(&persons);
                (persons, years, chosen, Self::interviews(reg))
            },
            || {
                let second = (parts == 2).then(|| {
                    let persons = Self::persons(reg, 1, parts).0;
                    let chosen = Self::chosen(&persons);
                    (persons, chosen)
                });
                (second, YearIndexed::new(Self::calls(reg)))
            },
        );
        let mut persons: Vec<Persons<'a>> = vec![first];
        if let Some((more, more_chosen)) = second {
            persons.push(more);
            chosen.extend(more_chosen);
            // Two sorted runs: the stable sort merges them in one pass (the tuples are
            // unique, so the order is the one an unstable sort gives).
            chosen.sort();
        }
        let persons = &persons;
        let (victims, assessed) = crate::join(
            || YearIndexed::new(Self::victims(reg, chosen)),
            || YearIndexed::new(Self::assessed(reg, interviews, persons, parts)),
        );
        Units {
            victims,
            assessed,
            calls,
            decision_years,
        }
    }

    /// The assessed units, from the interviews chosen per person and year.
    fn assessed(
        reg: &'a Register,
        interviews: FxMap<(&'a str, i32), (usize, NaiveDate)>,
        persons: &[Persons<'a>],
        parts: usize,
    ) -> Vec<Unit<'a>> {
        let last_identified = |p: &str| {
            let p = ShortStr(p);
            persons[part_of(p, parts)]
                .map
                .get(&p)
                .map(|acc| acc.last_date)
        };
        interviews
            .into_iter()
            .map(|((p, y), (i, first))| {
                let a = &reg.assessments[i];
                let identified_after = last_identified(p).is_some_and(|d| d >= first);
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
            .collect()
    }

    /// Per person with an identified decision whose [`part_of`] is `part`, what the pass
    /// keeps; and the years with any decision.
    fn persons(reg: &'a Register, part: usize, parts: usize) -> (Persons<'a>, Vec<i32>) {
        // One slot per person with an identified decision, so each decision costs one
        // hash lookup: the first year identified, the last identified date and the latest
        // identified decision of each year (ties on the date: the larger case_ref, so the
        // choice does not depend on input order).
        let n = reg.identifications.len();
        // Sized so that registers where most persons have one decision need no rehash.
        let mut persons: FxMap<ShortStr<'_>, PersonAcc> = map_with_capacity(n * 3 / 4 / parts);
        let mut more: Vec<MoreYear> = Vec::new();
        let mut decision_years: Vec<i32> = Vec::new();
        let mut last_year = None;
        for (i, d) in reg.identifications.iter().enumerate() {
            let y = d.decision_date.year();
            if last_year != Some(y) && !decision_years.contains(&y) {
                decision_years.push(y);
            }
            last_year = Some(y);
            if d.outcome != Outcome::Identified {
                continue;
            }
            let person = ShortStr(d.person_ref.as_str());
            if parts > 1 && part_of(person, parts) != part {
                continue;
            }
            let acc = persons.entry(person).or_insert_with(|| PersonAcc {
                first_year: y,
                last_date: d.decision_date,
                first: (y, i as u32),
                more: NO_MORE,
            });
            acc.first_year = acc.first_year.min(y);
            acc.last_date = acc.last_date.max(d.decision_date);
            let slot = if acc.first.0 == y {
                Some(&mut acc.first.1)
            } else {
                let mut at = acc.more;
                loop {
                    match more.get(at as usize) {
                        None => break None,
                        Some(m) if m.year == y => break Some(&mut more[at as usize].decision),
                        Some(m) => at = m.next,
                    }
                }
            };
            match slot {
                Some(j) => {
                    let cur = &reg.identifications[*j as usize];
                    if (d.decision_date, &d.case_ref) > (cur.decision_date, &cur.case_ref) {
                        *j = i as u32;
                    }
                }
                None => {
                    more.push(MoreYear {
                        year: y,
                        decision: i as u32,
                        next: acc.more,
                    });
                    acc.more = (more.len() - 1) as u32;
                }
            }
        }
        (Persons { map: persons, more }, decision_years)
    }

    /// The chosen decisions of these persons as (year, index, first year identified),
    /// sorted: by year, then in register order.
    fn chosen(persons: &Persons<'a>) -> Vec<(i32, u32, i32)> {
        let mut chosen: Vec<(i32, u32, i32)> =
            Vec::with_capacity(persons.map.len() + persons.more.len());
        for acc in persons.map.values() {
            chosen.extend(persons.years(acc).map(|(y, i)| (y, i, acc.first_year)));
        }
        chosen.sort_unstable();
        chosen
    }

    /// The victim units of the chosen decisions (sorted as [`Self::chosen`] sorts them):
    /// the units come out grouped by year and the reads are sequential, not a random walk
    /// over a million records.
    fn victims(reg: &'a Register, chosen: Vec<(i32, u32, i32)>) -> Vec<Unit<'a>> {
        let victims: Vec<Unit<'a>> = chosen
            .into_iter()
            .map(|(y, i, first_year)| {
                let d = &reg.identifications[i as usize];
                let mut flags = 0;
                if first_year < y {
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
        victims
    }

    /// Per person and year: the index of the latest interview and the first interview date.
    fn interviews(reg: &'a Register) -> FxMap<(&'a str, i32), (usize, NaiveDate)> {
        // Per person and year: the latest interview (ties: larger assessment_ref) and the
        // first interview date.
        let mut interviews: FxMap<(&str, i32), (usize, NaiveDate)> =
            map_with_capacity(reg.assessments.len());
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
        interviews
    }

    /// One unit per hotline call.
    fn calls(reg: &'a Register) -> Vec<Unit<'a>> {
        reg.hotline_calls
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

#[cfg(test)]
mod tests {
    use super::ShortStr;

    #[test]
    fn short_str_keys_are_equal_exactly_when_the_texts_are() {
        let texts = [
            "",
            "P",
            "P0001",
            "P00012345",
            "P000123456789012",
            "P0001234567890123",
            "P0001234567890124",
            "P0001234567890123x",
            "Q0001234567890123",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(ShortStr(a) == ShortStr(b), a == b, "{a:?} vs {b:?}");
            }
        }
    }
}
