//! Backend-neutral conversion between domain records and the plain column values both
//! backends store (text, integers, booleans): one [`RowCodec`] per entity names its table
//! and columns and writes a record into a [`Sink`] and reads it from a [`Source`], which
//! each path implements (sqlx, rusqlite, PostgreSQL's COPY); checking stored values back
//! into domain types happens once, here.

use std::collections::HashMap;

use chrono::NaiveDate;
use spor_core::{
    Assessment, Authority, CallerType, Code, Country, Form, Gender, HistoryRow, HotlineCall,
    Identification, Outcome, Ref, Series, Topic, parse_date, parse_timestamp,
};

use crate::{Counts, StoreError};

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

// ---------------------------------------------------------------------------------------
// One codec per entity: its table, its columns in order, how a record is written into
// them and read back. Every path (sqlx's statements, SQLite's bulk path, PostgreSQL's
// COPY, the web's single-record writes) binds and reads through these, so the column
// order is written once.
// ---------------------------------------------------------------------------------------

/// Where a record's columns are written, in the order of its codec's [`RowCodec::COLUMNS`].
pub(crate) trait Sink {
    fn text(&mut self, v: &str);
    fn opt_text(&mut self, v: Option<&str>);
    fn int(&mut self, v: Option<i64>);
    fn bool(&mut self, v: bool);
    /// A date, as `YYYY-MM-DD`.
    fn date(&mut self, d: NaiveDate) {
        self.text(DateText::default().of(d).as_ref());
    }
    fn opt_date(&mut self, d: Option<NaiveDate>) {
        match d {
            Some(d) => self.date(d),
            None => self.opt_text(None),
        }
    }
}

/// Where a record's columns are read from: each call takes the next column, in the order
/// of [`RowCodec::COLUMNS`]. Text is borrowed from the row.
pub(crate) trait Source<'r> {
    fn opt_text(&mut self) -> Result<Option<&'r str>, StoreError>;
    fn int(&mut self) -> Result<Option<i64>, StoreError>;
    fn bool(&mut self) -> Result<bool, StoreError>;
    fn text(&mut self) -> Result<&'r str, StoreError> {
        self.opt_text()?
            .ok_or_else(|| StoreError::Corrupt("a required stored value is empty".into()))
    }
}

/// One entity's row: its table, its own columns (the first [`RowCodec::KEY`] of them its
/// key; `version` and `updated_at` are the store's, not the record's) and how a record is
/// written into them and read back.
pub(crate) trait RowCodec: Sized + PartialEq {
    type Key: std::hash::Hash + Eq;
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    const KEY: usize;
    /// Whether the table keeps a `version` per row (counted up by every change).
    const VERSIONED: bool = true;
    /// The columns joined with `, `.
    const COLUMN_LIST: &'static str;
    fn key(&self) -> Self::Key;
    fn write(&self, s: &mut impl Sink);
    fn read<'r>(s: &mut impl Source<'r>) -> Result<Self, StoreError>;
}

impl RowCodec for Identification {
    type Key = String;
    const TABLE: &'static str = "identifications";
    const COLUMNS: &'static [&'static str] = &[
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
    const KEY: usize = 1;
    const COLUMN_LIST: &'static str = "case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country";
    fn key(&self) -> String {
        self.case_ref.as_str().to_owned()
    }
    fn write(&self, s: &mut impl Sink) {
        s.text(self.case_ref.as_str());
        s.text(self.person_ref.as_str());
        s.date(self.decision_date);
        s.text(self.authority.code());
        s.text(self.outcome.code());
        s.opt_text(self.referral_actor.as_ref().map(|c| c.as_str()));
        s.opt_text(self.exploitation_form.map(|f| f.code()));
        s.opt_text(self.exploitation_subtype.as_ref().map(|c| c.as_str()));
        s.text(self.gender.code());
        s.int(self.age.map(i64::from));
        s.text(self.nationality.as_str());
        s.opt_date(self.return_date);
        s.opt_text(self.return_country.as_ref().map(|c| c.as_str()));
    }
    fn read<'r>(s: &mut impl Source<'r>) -> Result<Self, StoreError> {
        IdentificationCols {
            case_ref: s.text()?,
            person_ref: s.text()?,
            decision_date: s.text()?,
            authority: s.text()?,
            outcome: s.text()?,
            referral_actor: s.opt_text()?,
            exploitation_form: s.opt_text()?,
            exploitation_subtype: s.opt_text()?,
            gender: s.text()?,
            age: s.int()?,
            nationality: s.text()?,
            return_date: s.opt_text()?,
            return_country: s.opt_text()?,
        }
        .into_record()
    }
}

impl RowCodec for Assessment {
    type Key = String;
    const TABLE: &'static str = "assessments";
    const COLUMNS: &'static [&'static str] = &[
        "assessment_ref",
        "person_ref",
        "interview_date",
        "gender",
        "age",
        "nationality",
    ];
    const KEY: usize = 1;
    const COLUMN_LIST: &'static str =
        "assessment_ref, person_ref, interview_date, gender, age, nationality";
    fn key(&self) -> String {
        self.assessment_ref.as_str().to_owned()
    }
    fn write(&self, s: &mut impl Sink) {
        s.text(self.assessment_ref.as_str());
        s.text(self.person_ref.as_str());
        s.date(self.interview_date);
        s.text(self.gender.code());
        s.int(self.age.map(i64::from));
        s.text(self.nationality.as_str());
    }
    fn read<'r>(s: &mut impl Source<'r>) -> Result<Self, StoreError> {
        AssessmentCols {
            assessment_ref: s.text()?,
            person_ref: s.text()?,
            interview_date: s.text()?,
            gender: s.text()?,
            age: s.int()?,
            nationality: s.text()?,
        }
        .into_record()
    }
}

impl RowCodec for HotlineCall {
    type Key = String;
    const TABLE: &'static str = "hotline_calls";
    const COLUMNS: &'static [&'static str] = &[
        "call_ref",
        "received_at",
        "caller_type",
        "concerns_possible_victim",
        "topic",
    ];
    const KEY: usize = 1;
    const COLUMN_LIST: &'static str =
        "call_ref, received_at, caller_type, concerns_possible_victim, topic";
    fn key(&self) -> String {
        self.call_ref.as_str().to_owned()
    }
    fn write(&self, s: &mut impl Sink) {
        s.text(self.call_ref.as_str());
        s.text(&spor_core::format_timestamp(&self.received_at));
        s.text(self.caller_type.code());
        s.bool(self.concerns_possible_victim);
        s.opt_text(self.topic.map(|t| t.code()));
    }
    fn read<'r>(s: &mut impl Source<'r>) -> Result<Self, StoreError> {
        HotlineCallCols {
            call_ref: s.text()?,
            received_at: s.text()?,
            caller_type: s.text()?,
            concerns_possible_victim: s.bool()?,
            topic: s.opt_text()?,
        }
        .into_record()
    }
}

impl RowCodec for HistoryRow {
    type Key = (spor_core::Series, i32, String);
    const TABLE: &'static str = "history";
    const COLUMNS: &'static [&'static str] = &["series", "year", "category", "count"];
    const KEY: usize = 3;
    const VERSIONED: bool = false;
    const COLUMN_LIST: &'static str = "series, year, category, count";
    fn key(&self) -> Self::Key {
        let (s, y, c) = HistoryRow::key(self);
        (s, y, c.to_owned())
    }
    fn write(&self, s: &mut impl Sink) {
        s.text(self.series.code());
        s.int(Some(i64::from(self.year)));
        s.text(self.category.as_deref().unwrap_or(""));
        s.int(self.count.map(|c| c as i64));
    }
    fn read<'r>(s: &mut impl Source<'r>) -> Result<Self, StoreError> {
        let series = s.text()?;
        let year = s.int()?;
        let category = s.text()?;
        let count = s.int()?;
        RawHistory {
            series: series.to_owned(),
            year: year.ok_or_else(|| corrupt("year", "NULL"))?,
            category: category.to_owned(),
            count,
        }
        .into_record()
    }
}

/// `INSERT INTO table (columns…, updated_at) ` of an import, before its `VALUES` or
/// `SELECT`.
pub(crate) fn insert_head<T: RowCodec>() -> String {
    format!("INSERT INTO {} ({}, updated_at) ", T::TABLE, T::COLUMN_LIST)
}

/// The ` ON CONFLICT … DO UPDATE` of an import: a row whose key is stored takes the new
/// values, the next version (where the table keeps one) and the import's stamp.
pub(crate) fn upsert_tail<T: RowCodec>() -> String {
    let set: Vec<String> = T::COLUMNS[T::KEY..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let version = if T::VERSIONED {
        format!(", version = {}.version + 1", T::TABLE)
    } else {
        String::new()
    };
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {}{version}, updated_at = excluded.updated_at",
        T::COLUMNS[..T::KEY].join(", "),
        set.join(", ")
    )
}

/// A date as `YYYY-MM-DD` without going through a formatter (one per written row).
#[derive(Default)]
pub(crate) struct DateText([u8; 10]);

impl DateText {
    pub(crate) fn of(&mut self, d: NaiveDate) -> std::borrow::Cow<'_, str> {
        use chrono::Datelike;
        let (y, m, day) = (d.year(), d.month(), d.day());
        let Ok(y @ 0..=9999) = u32::try_from(y) else {
            // Not four digits (never from validated input): the general formatter.
            return d.to_string().into();
        };
        let digits = [
            y / 1000,
            y / 100 % 10,
            y / 10 % 10,
            y % 10,
            10,
            m / 10,
            m % 10,
            10,
            day / 10,
            day % 10,
        ];
        for (b, d) in self.0.iter_mut().zip(digits) {
            *b = if d == 10 { b'-' } else { b'0' + d as u8 };
        }
        std::str::from_utf8(&self.0).unwrap_or_default().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink and source over plain values: what one codec writes, it reads back.
    #[derive(Debug, Default)]
    struct Values(Vec<(Option<String>, Option<i64>, Option<bool>)>);

    impl Sink for Values {
        fn text(&mut self, v: &str) {
            self.0.push((Some(v.to_owned()), None, None));
        }
        fn opt_text(&mut self, v: Option<&str>) {
            self.0.push((v.map(str::to_owned), None, None));
        }
        fn int(&mut self, v: Option<i64>) {
            self.0.push((None, v, None));
        }
        fn bool(&mut self, v: bool) {
            self.0.push((None, None, Some(v)));
        }
    }

    struct Reader<'a>(&'a Values, usize);

    impl<'a> Source<'a> for Reader<'a> {
        fn opt_text(&mut self) -> Result<Option<&'a str>, StoreError> {
            self.1 += 1;
            Ok(self.0.0[self.1 - 1].0.as_deref())
        }
        fn int(&mut self) -> Result<Option<i64>, StoreError> {
            self.1 += 1;
            Ok(self.0.0[self.1 - 1].1)
        }
        fn bool(&mut self) -> Result<bool, StoreError> {
            self.1 += 1;
            Ok(self.0.0[self.1 - 1].2.unwrap_or_default())
        }
    }

    fn round_trip<T: RowCodec + std::fmt::Debug>(r: &T) {
        let mut v = Values::default();
        r.write(&mut v);
        assert_eq!(v.0.len(), T::COLUMNS.len(), "{}", T::TABLE);
        assert_eq!(T::COLUMNS.join(", "), T::COLUMN_LIST, "{}", T::TABLE);
        let back = T::read(&mut Reader(&v, 0)).unwrap();
        assert_eq!(&back, r, "{}", T::TABLE);
    }

    #[test]
    fn the_import_statements_name_every_column_once() {
        assert_eq!(
            format!(
                "{}{}",
                insert_head::<HistoryRow>(),
                upsert_tail::<HistoryRow>()
            ),
            "INSERT INTO history (series, year, category, count, updated_at)  ON CONFLICT (series, year, category) DO UPDATE SET count = excluded.count, updated_at = excluded.updated_at"
        );
        assert_eq!(
            upsert_tail::<HotlineCall>(),
            " ON CONFLICT (call_ref) DO UPDATE SET received_at = excluded.received_at, caller_type = excluded.caller_type, concerns_possible_victim = excluded.concerns_possible_victim, topic = excluded.topic, version = hotline_calls.version + 1, updated_at = excluded.updated_at"
        );
    }

    #[test]
    fn every_codec_reads_back_what_it_writes_in_as_many_columns_as_it_names() {
        let b = spor_core::ImportBatch {
            identifications: vec![Identification {
                case_ref: Ref::parse("K-1").unwrap(),
                person_ref: Ref::parse("P-1").unwrap(),
                decision_date: NaiveDate::from_ymd_opt(2023, 2, 28).unwrap(),
                authority: Authority::Court,
                outcome: Outcome::Identified,
                referral_actor: Some(Code::new_unchecked("police")),
                exploitation_form: Some(Form::ForcedLabour),
                exploitation_subtype: Some(Code::new_unchecked("agriculture")),
                gender: Gender::TransMale,
                age: Some(19),
                nationality: Country::new_unchecked("RO"),
                return_date: Some(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
                return_country: Some(Country::new_unchecked("RO")),
            }],
            assessments: vec![Assessment {
                assessment_ref: Ref::parse("A-1").unwrap(),
                person_ref: Ref::parse("P-1").unwrap(),
                interview_date: NaiveDate::from_ymd_opt(2023, 3, 1).unwrap(),
                gender: Gender::Female,
                age: None,
                nationality: Country::new_unchecked("NG"),
            }],
            hotline_calls: vec![HotlineCall {
                call_ref: Ref::parse("C-1").unwrap(),
                received_at: parse_timestamp("2023-07-01T09:30:00+02:00").unwrap(),
                caller_type: CallerType::Police,
                concerns_possible_victim: true,
                topic: Some(Topic::Suspicion),
            }],
            history: vec![
                HistoryRow {
                    series: Series::Victims,
                    year: 2015,
                    category: None,
                    count: Some(76),
                },
                HistoryRow {
                    series: Series::VictimsByForm,
                    year: 2016,
                    category: Some("sexual".into()),
                    count: None,
                },
            ],
        };
        round_trip(&b.identifications[0]);
        round_trip(&b.assessments[0]);
        round_trip(&b.hotline_calls[0]);
        for h in &b.history {
            round_trip(h);
        }
    }
}
