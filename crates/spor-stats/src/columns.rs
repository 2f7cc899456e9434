//! The register's records as the counting needs them: one small fixed-size row per
//! decision, interview and call, in reference order, with persons numbered and codes
//! interned.
//!
//! Sorted by person and date (a counting sort, since persons are numbered), the counting
//! units come out of one sequential pass (the latest decision of a person in a year is the
//! last of its run), with no hash lookup per record. The same columns are built from a
//! [`Register`] in memory or from an import's checked rows, and can be kept as bytes beside
//! the register ([`Columns::to_bytes`]): an SQLite store keeps them from a first import, so
//! that a report reads some megabytes instead of a million rows.

use chrono::{Datelike, NaiveDate};
use spor_core::{
    Assessment, Authority, Form, Gender, HotlineCall, Identification, Outcome, Register,
    copenhagen_date,
};

use crate::fxhash::{FxMap, map_with_capacity};

/// One decision. Codes are indexes into [`Columns::strings`]; enums are indexes into their
/// `ALL` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub person: u32,
    pub date: NaiveDate,
    pub identified: bool,
    pub authority: Authority,
    pub form: Option<Form>,
    pub gender: Gender,
    pub age: Option<u8>,
    pub referral: Option<u32>,
    pub subtype: Option<u32>,
    pub nationality: u32,
    pub return_date: Option<NaiveDate>,
    pub return_country: Option<u32>,
}

/// One assessment interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interview {
    pub person: u32,
    pub date: NaiveDate,
    pub gender: Gender,
    pub age: Option<u8>,
    pub nationality: u32,
}

/// One hotline call: its date in Copenhagen and whether it concerned a possible victim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Call {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub possible_victim: bool,
}

/// The records of a register for counting (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Columns {
    pub(crate) strings: Vec<String>,
    pub(crate) persons: u32,
    /// In `case_ref` order.
    pub(crate) decisions: Vec<Decision>,
    /// In `assessment_ref` order.
    pub(crate) interviews: Vec<Interview>,
    pub(crate) calls: Vec<Call>,
}

/// Numbers texts in the order they are first seen. Texts of up to 15 bytes (refs and
/// codes almost always are) are keyed by their bytes packed into one integer: one multiply
/// to hash and one comparison to match, where a text key costs a length check and a
/// `memcmp` call per probe. The texts are copied once each, when first seen.
#[derive(Debug)]
struct Interner {
    short: FxMap<u128, u32>,
    long: FxMap<String, u32>,
    texts: Vec<String>,
}

impl Interner {
    fn with_capacity(n: usize) -> Self {
        Interner {
            short: map_with_capacity(n),
            long: FxMap::default(),
            texts: Vec::with_capacity(n),
        }
    }

    #[inline]
    fn id(&mut self, s: &str) -> u32 {
        let next = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        let id = match packed(s) {
            Some(k) => *self.short.entry(k).or_insert(next),
            None => match self.long.get(s) {
                Some(&id) => id,
                None => {
                    self.long.insert(s.to_owned(), next);
                    next
                }
            },
        };
        if id == next {
            self.texts.push(s.to_owned());
        }
        id
    }
}

/// Numbers the persons of the decisions and of the interviews (the same number for the
/// same `person_ref`). Returns the numbers and how many persons there are.
///
/// Refs of up to 15 bytes (the usual case) are numbered by sorting them as integers, each
/// half of the records on its own core where there are two, then walking the two sorted
/// halves together: sequential passes, where a hash map of a million persons missed the
/// processor's caches on nearly every record. Longer refs go through a hash map.
fn number_persons(decisions: &[&str], interviews: &[&str]) -> (Vec<u32>, Vec<u32>, usize) {
    let nd = decisions.len();
    let all = || decisions.iter().chain(interviews);
    let keys: Option<Vec<u128>> = all().map(|s| packed(s)).collect();
    let (mut numbers, count) = match keys {
        Some(keys) => number_packed(&keys),
        None => {
            let mut persons = Interner::with_capacity(nd + interviews.len());
            let numbers = all().map(|s| persons.id(s)).collect();
            (numbers, persons.texts.len())
        }
    };
    let interviews = numbers.split_off(nd);
    (numbers, interviews, count)
}

/// Numbers packed refs (see [`packed`]) in their sort order, the same number for the same
/// ref; returns the numbers and how many distinct refs there are. Each half is sorted on
/// its own core where there are two, then the two sorted halves are walked together.
fn number_packed(packed_refs: &[u128]) -> (Vec<u32>, usize) {
    let mut keys: Vec<(u64, u64, u32)> = packed_refs
        .iter()
        .enumerate()
        .map(|(j, &k)| ((k >> 64) as u64, k as u64, j as u32))
        .collect();
    let mut numbers = vec![0u32; keys.len()];
    let mid = keys.len() / 2;
    let (lower, upper) = keys.split_at_mut(mid);
    crate::join(|| lower.sort_unstable(), || upper.sort_unstable());
    let (lower, upper) = keys.split_at(mid);
    let (mut a, mut b) = (lower.iter().peekable(), upper.iter().peekable());
    let mut last: Option<(u64, u64)> = None;
    let mut next = 0u32;
    loop {
        let k = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if (x.0, x.1) <= (y.0, y.1) => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => break,
        };
        let Some(&(hi, lo, j)) = k else { break };
        if last != Some((hi, lo)) {
            last = Some((hi, lo));
            next += 1;
        }
        numbers[j as usize] = next - 1;
    }
    (numbers, next as usize)
}

/// A text of at most 15 bytes as one integer: its bytes, and its length in the top byte.
#[inline]
fn packed(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_le_bytes(buf))
}

/// The indexes of records in the order of their reference: `0..n` when they come in it
/// (as a register and a generated file hold them), else sorted.
fn ref_order<T>(
    records: &[T],
    key: impl Fn(&T) -> &spor_core::Ref,
) -> Box<dyn Iterator<Item = usize>> {
    if records.is_sorted_by(|a, b| key(a) < key(b)) {
        return Box::new(0..records.len());
    }
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_unstable_by(|&a, &b| key(&records[a]).cmp(key(&records[b])));
    Box::new(order.into_iter())
}

/// Rows sorted by person, then date, then position (reference order): a counting sort by
/// person (persons are numbered, so this is two passes), then each person's few rows
/// sorted among themselves.
/// Each row with its position in `rows` (its rank in reference order: see [`crate::trace`]).
fn by_person<T: Copy>(
    rows: &[T],
    persons: u32,
    key: impl Fn(&T) -> (u32, NaiveDate),
) -> Vec<(u32, T)> {
    let mut start = vec![0u32; persons as usize + 1];
    for r in rows {
        start[key(r).0 as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut next = start.clone();
    let mut order = vec![0u32; rows.len()];
    for (i, r) in rows.iter().enumerate() {
        let at = &mut next[key(r).0 as usize];
        order[*at as usize] = i as u32;
        *at += 1;
    }
    for w in start.windows(2) {
        let run = &mut order[w[0] as usize..w[1] as usize];
        if run.len() > 1 {
            // Positions are ascending in the run already: a stable sort by date keeps
            // them in reference order among equal dates.
            run.sort_by_key(|&i| key(&rows[i as usize]).1);
        }
    }
    order.into_iter().map(|i| (i, rows[i as usize])).collect()
}

/// For each text of `theirs` (in its numbering), its number in `ours` (new texts are
/// added in the order `theirs` first saw them).
fn renumbering(ours: &mut Interner, theirs: &Interner) -> Vec<u32> {
    theirs.texts.iter().map(|t| ours.id(t)).collect()
}

/// Renumbers the code fields of decisions by `to` (see [`renumbering`]).
fn renumber_decisions(decisions: &mut [Decision], to: &[u32]) {
    let to = |id: u32| to[id as usize];
    for d in decisions {
        d.referral = d.referral.map(to);
        d.subtype = d.subtype.map(to);
        d.nationality = to(d.nationality);
        d.return_country = d.return_country.map(to);
    }
}

fn decision(d: &Identification, person: u32, strings: &mut Interner) -> Decision {
    let mut code = |c: &str| strings.id(c);
    Decision {
        person,
        date: d.decision_date,
        identified: d.outcome == Outcome::Identified,
        authority: d.authority,
        form: d.exploitation_form,
        gender: d.gender,
        age: d.age,
        referral: d.referral_actor.as_ref().map(|c| code(c.as_str())),
        subtype: d.exploitation_subtype.as_ref().map(|c| code(c.as_str())),
        nationality: code(d.nationality.as_str()),
        return_date: d.return_date,
        return_country: d.return_country.as_ref().map(|c| code(c.as_str())),
    }
}

fn interview(a: &Assessment, person: u32, strings: &mut Interner) -> Interview {
    Interview {
        person,
        date: a.interview_date,
        gender: a.gender,
        age: a.age,
        nationality: strings.id(a.nationality.as_str()),
    }
}

fn call(c: &HotlineCall) -> Call {
    let local = copenhagen_date(&c.received_at);
    Call {
        year: local.year(),
        month: local.month() as u8,
        day: local.day() as u8,
        possible_victim: c.concerns_possible_victim,
    }
}

/// Builds [`Columns`] from an import's rows as they are read, chunk by chunk, so that
/// little is left to do once the last row is in: numbering the persons (one sort) and
/// merging the code numbers of interviews into those of decisions.
///
/// Gives the same columns as [`Columns::of_records`] on all the rows, or `None` where that
/// cannot be promised cheaply: rows of a kind not in reference order, or a `person_ref`
/// longer than 15 bytes (the caller then builds them with `of_records`).
#[derive(Debug)]
pub struct ColumnsBuilder {
    decisions: Vec<Decision>,
    interviews: Vec<Interview>,
    calls: Vec<Call>,
    /// Packed `person_ref`s: of the decisions, then of the interviews.
    decision_persons: Vec<u128>,
    interview_persons: Vec<u128>,
    strings: Interner,
    interview_strings: Interner,
    last: [Option<spor_core::Ref>; 3],
    usable: bool,
}

impl Default for ColumnsBuilder {
    fn default() -> Self {
        ColumnsBuilder {
            decisions: Vec::new(),
            interviews: Vec::new(),
            calls: Vec::new(),
            decision_persons: Vec::new(),
            interview_persons: Vec::new(),
            strings: Interner::with_capacity(256),
            interview_strings: Interner::with_capacity(256),
            last: [None, None, None],
            usable: true,
        }
    }
}

impl ColumnsBuilder {
    /// Takes the next rows of each kind (after those of earlier calls).
    pub fn add(
        &mut self,
        identifications: &[Identification],
        assessments: &[Assessment],
        calls: &[HotlineCall],
    ) {
        self.usable = self.usable
            && in_order(&mut self.last[0], identifications, |d| &d.case_ref)
            && in_order(&mut self.last[1], assessments, |a| &a.assessment_ref)
            && in_order(&mut self.last[2], calls, |c| &c.call_ref);
        if !self.usable {
            return;
        }
        for d in identifications {
            let Some(p) = packed(d.person_ref.as_str()) else {
                self.usable = false;
                return;
            };
            self.decision_persons.push(p);
            self.decisions.push(decision(d, 0, &mut self.strings));
        }
        for a in assessments {
            let Some(p) = packed(a.person_ref.as_str()) else {
                self.usable = false;
                return;
            };
            self.interview_persons.push(p);
            self.interviews
                .push(interview(a, 0, &mut self.interview_strings));
        }
        self.calls.extend(calls.iter().map(call));
    }

    /// The columns of every row added, or `None` (see the type's documentation).
    pub fn finish(self) -> Option<Columns> {
        let ColumnsBuilder {
            mut decisions,
            mut interviews,
            calls,
            mut decision_persons,
            interview_persons,
            mut strings,
            interview_strings,
            usable,
            ..
        } = self;
        if !usable {
            return None;
        }
        let nd = decisions.len();
        decision_persons.extend(interview_persons);
        let (numbers, persons) = number_packed(&decision_persons);
        for (d, &n) in decisions.iter_mut().zip(&numbers) {
            d.person = n;
        }
        let to = renumbering(&mut strings, &interview_strings);
        for (a, &n) in interviews.iter_mut().zip(&numbers[nd..]) {
            a.person = n;
            a.nationality = to[a.nationality as usize];
        }
        Some(Columns {
            strings: strings.texts,
            persons: u32::try_from(persons).ok()?,
            decisions,
            interviews,
            calls,
        })
    }
}

/// Are `rows` in strictly ascending reference order, and after `last` (then kept)?
fn in_order<T>(
    last: &mut Option<spor_core::Ref>,
    rows: &[T],
    key: impl Fn(&T) -> &spor_core::Ref,
) -> bool {
    let Some(end) = rows.last() else {
        return true;
    };
    let ok = last.as_ref().is_none_or(|l| l < key(&rows[0]))
        && rows.is_sorted_by(|a, b| key(a) < key(b));
    *last = Some(key(end).clone());
    ok
}

impl Columns {
    /// The columns of a register's records.
    pub fn of_register(reg: &Register) -> Columns {
        Columns::of_records(&reg.identifications, &reg.assessments, &reg.hotline_calls)
    }

    /// The columns of these records (each reference once, as a register holds them).
    pub fn of_records(
        identifications: &[Identification],
        assessments: &[Assessment],
        calls: &[HotlineCall],
    ) -> Columns {
        let (decision_person, interview_person, count) = number_persons(
            &identifications
                .iter()
                .map(|d| d.person_ref.as_str())
                .collect::<Vec<_>>(),
            &assessments
                .iter()
                .map(|a| a.person_ref.as_str())
                .collect::<Vec<_>>(),
        );
        // The decisions in two halves on two cores where there are, each with its own
        // code numbers; the second half's are then renumbered into the first's.
        let order: Vec<usize> = ref_order(identifications, |d| &d.case_ref).collect();
        let (first, second) = order.split_at(order.len() / 2);
        let rows = |part: &[usize]| {
            let mut strings = Interner::with_capacity(256);
            let rows: Vec<Decision> = part
                .iter()
                .map(|&i| decision(&identifications[i], decision_person[i], &mut strings))
                .collect();
            (rows, strings)
        };
        let ((mut decisions, mut strings), (mut upper, theirs)) =
            crate::join(|| rows(first), || rows(second));
        renumber_decisions(&mut upper, &renumbering(&mut strings, &theirs));
        decisions.append(&mut upper);
        let interviews: Vec<Interview> = ref_order(assessments, |a| &a.assessment_ref)
            .map(|i| interview(&assessments[i], interview_person[i], &mut strings))
            .collect();
        Columns {
            strings: strings.texts,
            persons: count as u32,
            decisions,
            interviews,
            calls: ref_order(calls, |c| &c.call_ref)
                .map(|i| call(&calls[i]))
                .collect(),
        }
    }

    /// The decisions sorted by person, then date, then `case_ref`.
    pub(crate) fn decisions_by_person(&self) -> Vec<(u32, Decision)> {
        by_person(&self.decisions, self.persons, |d| (d.person, d.date))
    }

    /// The interviews sorted by person, then date, then `assessment_ref`.
    pub(crate) fn interviews_by_person(&self) -> Vec<(u32, Interview)> {
        by_person(&self.interviews, self.persons, |a| (a.person, a.date))
    }

    /// The years in which these records or the register's history have anything,
    /// ascending (as [`crate::years_with_data`] gives them from the records).
    pub fn years_with_data(&self, reg: &Register) -> Vec<i32> {
        let mut years: std::collections::BTreeSet<i32> = std::collections::BTreeSet::new();
        years.extend(self.decisions.iter().map(|d| d.date.year()));
        years.extend(self.interviews.iter().map(|i| i.date.year()));
        years.extend(self.calls.iter().map(|c| c.year));
        years.extend(reg.history.iter().map(|h| h.year));
        years.into_iter().collect()
    }

    /// The first year of any decision, interview or call.
    pub fn first_record_year(&self) -> Option<i32> {
        let decisions = self.decisions.iter().map(|d| d.date.year());
        let interviews = self.interviews.iter().map(|i| i.date.year());
        decisions
            .chain(interviews)
            .chain(self.calls.iter().map(|c| c.year))
            .min()
    }

    /// The year of the latest decision.
    pub fn latest_decision_year(&self) -> Option<i32> {
        self.decisions.iter().map(|d| d.date.year()).max()
    }

    /// The number of decisions, interviews and calls.
    pub fn counts(&self) -> [usize; 3] {
        [
            self.decisions.len(),
            self.interviews.len(),
            self.calls.len(),
        ]
    }

    /// The number of decisions.
    pub fn decisions(&self) -> usize {
        self.decisions.len()
    }

    pub(crate) fn text(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", String::as_str)
    }

    /// The columns as bytes, for [`Columns::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        for n in [
            self.strings.len(),
            self.persons as usize,
            self.decisions.len(),
            self.interviews.len(),
            self.calls.len(),
        ] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        for s in &self.strings {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        // Fixed-size rows from here: each kind fills its own part of the buffer, the
        // decisions in two halves on two cores where there are.
        let head = out.len();
        let (nd, ni) = (self.decisions.len(), self.interviews.len());
        out.resize(
            head + nd * DECISION_BYTES + ni * INTERVIEW_BYTES + self.calls.len() * CALL_BYTES,
            0,
        );
        let (decisions, rest) = out[head..].split_at_mut(nd * DECISION_BYTES);
        let (interviews, calls) = rest.split_at_mut(ni * INTERVIEW_BYTES);
        let (lower, upper) = decisions.split_at_mut(nd / 2 * DECISION_BYTES);
        let (first, second) = self.decisions.split_at(nd / 2);
        crate::join(
            || encode_decisions(lower, first),
            || {
                encode_decisions(upper, second);
                for (b, a) in interviews
                    .chunks_exact_mut(INTERVIEW_BYTES)
                    .zip(&self.interviews)
                {
                    b[0..4].copy_from_slice(&a.person.to_le_bytes());
                    b[4..8].copy_from_slice(&days(a.date).to_le_bytes());
                    b[8] = a.gender as u8;
                    b[9] = u8::from(a.age.is_some());
                    b[10] = a.age.unwrap_or(0);
                    b[11..15].copy_from_slice(&a.nationality.to_le_bytes());
                }
                for (b, c) in calls.chunks_exact_mut(CALL_BYTES).zip(&self.calls) {
                    b[0..4].copy_from_slice(&c.year.to_le_bytes());
                    b[4] = c.month;
                    b[5] = c.day;
                    b[6] = u8::from(c.possible_victim);
                }
            },
        );
        out
    }

    /// Reads what [`Columns::to_bytes`] wrote, checking every field: an error says what
    /// does not fit (the caller then counts from the records instead).
    pub fn from_bytes(bytes: &[u8]) -> Result<Columns, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not statistics columns of this version".into());
        }
        let mut counts = [0usize; 5];
        for c in &mut counts {
            *c = r.u32()? as usize;
        }
        let [nstrings, persons, ndecisions, ninterviews, ncalls] = counts;
        let need = ndecisions
            .checked_mul(DECISION_BYTES)
            .zip(ninterviews.checked_mul(INTERVIEW_BYTES))
            .zip(ncalls.checked_mul(CALL_BYTES))
            .and_then(|((a, b), c)| a.checked_add(b)?.checked_add(c));
        if need.is_none_or(|n| n > bytes.len()) {
            return Err("the row counts exceed the data".into());
        }
        let mut strings = Vec::with_capacity(nstrings.min(bytes.len()));
        for _ in 0..nstrings {
            let len = r.u32()? as usize;
            let s = std::str::from_utf8(r.take(len)?).map_err(|_| "a code is not UTF-8")?;
            strings.push(s.to_owned());
        }
        let string = |id: u32| -> Result<u32, String> {
            if (id as usize) < nstrings {
                Ok(id)
            } else {
                Err(format!("code number {id} of {nstrings}"))
            }
        };
        let opt_string = |id: u32| (id != NONE).then(|| string(id)).transpose();
        let person = |p: u32| -> Result<u32, String> {
            if (p as usize) < persons {
                Ok(p)
            } else {
                Err(format!("person number {p} of {persons}"))
            }
        };
        let mut decisions = Vec::with_capacity(ndecisions);
        for _ in 0..ndecisions {
            let p = person(r.u32()?)?;
            let date = date_of(r.i32()?)?;
            let b = r.take(6)?;
            let ids = [r.u32()?, r.u32()?, r.u32()?, r.u32()?];
            let ret = r.i32()?;
            decisions.push(Decision {
                person: p,
                date,
                identified: flag(b[0])?,
                authority: nth(Authority::ALL, b[1])?,
                form: (b[2] != NONE8).then(|| nth(Form::ALL, b[2])).transpose()?,
                gender: nth(Gender::ALL, b[3])?,
                age: flag(b[4])?.then_some(b[5]),
                referral: opt_string(ids[0])?,
                subtype: opt_string(ids[1])?,
                nationality: string(ids[2])?,
                return_country: opt_string(ids[3])?,
                return_date: (ret != NO_DATE).then(|| date_of(ret)).transpose()?,
            });
        }
        let mut interviews = Vec::with_capacity(ninterviews);
        for _ in 0..ninterviews {
            let p = person(r.u32()?)?;
            let date = date_of(r.i32()?)?;
            let b = r.take(3)?;
            interviews.push(Interview {
                person: p,
                date,
                gender: nth(Gender::ALL, b[0])?,
                age: flag(b[1])?.then_some(b[2]),
                nationality: string(r.u32()?)?,
            });
        }
        let mut calls = Vec::with_capacity(ncalls);
        for _ in 0..ncalls {
            let year = r.i32()?;
            let b = r.take(3)?;
            if NaiveDate::from_ymd_opt(year, u32::from(b[0]), u32::from(b[1])).is_none() {
                return Err(format!("a call dated {year}-{}-{}", b[0], b[1]));
            }
            calls.push(Call {
                year,
                month: b[0],
                day: b[1],
                possible_victim: flag(b[2])?,
            });
        }
        if r.at != bytes.len() {
            return Err("bytes after the last call".into());
        }
        Ok(Columns {
            strings,
            persons: persons as u32,
            decisions,
            interviews,
            calls,
        })
    }
}

const MAGIC: &[u8] = b"spor-columns-2\n";
const NONE: u32 = u32::MAX;
const NONE8: u8 = u8::MAX;
const NO_DATE: i32 = i32::MIN;
const DECISION_BYTES: usize = 4 + 4 + 6 + 16 + 4;
const INTERVIEW_BYTES: usize = 4 + 4 + 3 + 4;
const CALL_BYTES: usize = 4 + 3;

fn days(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}

fn date_of(days: i32) -> Result<NaiveDate, String> {
    NaiveDate::from_num_days_from_ce_opt(days).ok_or_else(|| format!("day number {days}"))
}

/// Writes decisions as fixed-size rows. Enums are written as their position in their
/// `ALL` list (the order of their declaration, which `as u8` gives).
fn encode_decisions(buf: &mut [u8], rows: &[Decision]) {
    for (b, d) in buf.chunks_exact_mut(DECISION_BYTES).zip(rows) {
        b[0..4].copy_from_slice(&d.person.to_le_bytes());
        b[4..8].copy_from_slice(&days(d.date).to_le_bytes());
        b[8] = u8::from(d.identified);
        b[9] = d.authority as u8;
        b[10] = d.form.map_or(NONE8, |f| f as u8);
        b[11] = d.gender as u8;
        b[12] = u8::from(d.age.is_some());
        b[13] = d.age.unwrap_or(0);
        for (k, id) in [d.referral, d.subtype, Some(d.nationality), d.return_country]
            .into_iter()
            .enumerate()
        {
            b[14 + 4 * k..18 + 4 * k].copy_from_slice(&id.unwrap_or(NONE).to_le_bytes());
        }
        b[30..34].copy_from_slice(&d.return_date.map_or(NO_DATE, days).to_le_bytes());
    }
}

fn nth<T: Copy>(all: &[T], i: u8) -> Result<T, String> {
    all.get(usize::from(i))
        .copied()
        .ok_or_else(|| format!("code number {i} of {}", all.len()))
}

fn flag(b: u8) -> Result<bool, String> {
    match b {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(format!("flag {other}")),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("the data ends early (at byte {})", self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(self.u32()? as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Columns {
        let b = spor_demo::build();
        Columns::of_records(&b.identifications, &b.assessments, &b.hotline_calls)
    }

    #[test]
    fn bytes_give_back_the_same_columns() {
        let cols = sample();
        assert!(cols.decisions() > 0 && !cols.interviews.is_empty() && !cols.calls.is_empty());
        let back = Columns::from_bytes(&cols.to_bytes()).expect("read back");
        assert_eq!(back, cols);
    }

    #[test]
    fn enums_are_written_as_their_position_in_all() {
        for (i, v) in Authority::ALL.iter().enumerate() {
            assert_eq!(*v as usize, i);
        }
        for (i, v) in Form::ALL.iter().enumerate() {
            assert_eq!(*v as usize, i);
        }
        for (i, v) in Gender::ALL.iter().enumerate() {
            assert_eq!(*v as usize, i);
        }
    }

    #[test]
    fn damaged_bytes_are_refused_not_misread() {
        let bytes = sample().to_bytes();
        // Cut short, one byte too many, a wrong header.
        assert!(Columns::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Columns::from_bytes(&longer).is_err());
        let mut header = bytes.clone();
        header[0] ^= 1;
        assert!(Columns::from_bytes(&header).is_err());
        // A code number beyond the codes: the first decision's nationality.
        let cols = sample();
        let strings_len: usize = cols.strings.iter().map(|s| 4 + s.len()).sum();
        let first = MAGIC.len() + 20 + strings_len;
        let mut bad = bytes.clone();
        let nat = first + 4 + 4 + 6 + 8;
        bad[nat..nat + 4].copy_from_slice(&(cols.strings.len() as u32).to_le_bytes());
        let err = Columns::from_bytes(&bad).expect_err("code out of range");
        assert!(err.contains("code number"), "{err}");
    }
}
