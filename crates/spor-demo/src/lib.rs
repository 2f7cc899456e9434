//! The synthetic demo register shipped in the binary (`spor demo`).
//!
//! Everything here is invented: no real person is behind any record, and person references
//! are pseudonyms like `P-2023-0001`. The data are fully constructed (no randomness), so
//! every build gives the same register. Counted with the rules of `annual-report.md`, the
//! 2023 microdata reproduce the one-dimensional tables of the centre's 2023 overview, the
//! gender × form figures of its text and its age facts; the years 2007–2022 come from the
//! report's published series as history rows. Where the report contradicts itself, the
//! demo follows its one-dimensional tables; `docs/seed-discrepancies.md` lists each case.
//!
//! The victims of 2023 are one line each in `data/victims-2023.txt`; dates, references,
//! assessment interviews and hotline calls are derived from them by fixed rules below.

pub mod generated;

use chrono::{Datelike, Duration, NaiveDate};
use spor_core::{
    Assessment, Authority, CallerType, Code, Country, Form, Gender, HistoryRow, HotlineCall,
    Identification, ImportBatch, Outcome, Ref, Series, Topic, parse_timestamp,
};

/// The year the demo's microdata describe.
pub const YEAR: i32 = 2023;

/// The demo register's `microdata_from` setting: earlier years come from history, earlier
/// decisions only link repeat victims.
pub const MICRODATA_FROM: i32 = 2023;

const VICTIMS_2023: &str = include_str!("../data/victims-2023.txt");

/// Persons assessed in 2023 who are not among the year's victims, by nationality.
const OTHER_ASSESSED_THAI: usize = 55;
const OTHER_ASSESSED_NIGERIAN: usize = 14;
const OTHER_ASSESSED_REST: usize = 117;
/// Nationalities of the other assessed persons (cycled).
const OTHER_NATIONALITIES: &[&str] = &[
    "RO", "UA", "PH", "VN", "BR", "MA", "UG", "SY", "ER", "AF", "SO", "CN", "AL", "CO", "DZ", "IQ",
    "PK", "GH", "KE", "BG", "PL", "LT", "MN", "IN", "UNKNOWN",
];

/// Hotline calls received in the demo year (Copenhagen time) and how many of them concern
/// possible victims.
pub const HOTLINE_CALLS: usize = 503;
pub const HOTLINE_CALLS_CONCERNING: usize = 339;

/// The report's published series for 2007–2022 (see docs/seed-discrepancies.md for the
/// recovered alignment of the gender series).
const HISTORY_FIRST_YEAR: i32 = 2007;
const VICTIMS: [u64; 16] = [
    17, 28, 47, 53, 60, 66, 76, 71, 93, 121, 98, 97, 64, 77, 80, 73,
];
const BY_FORM: [(&str, [u64; 16]); 5] = [
    (
        "sexual",
        [
            17, 28, 46, 50, 55, 45, 58, 57, 49, 112, 86, 31, 38, 44, 33, 38,
        ],
    ),
    (
        "forced_labour",
        [0, 0, 1, 2, 3, 16, 11, 2, 1, 2, 1, 46, 17, 9, 19, 12],
    ),
    (
        "forced_criminality",
        [0, 0, 0, 1, 2, 3, 7, 8, 43, 4, 5, 8, 5, 9, 18, 12],
    ),
    (
        "slavery_like",
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 4],
    ),
    (
        "other_forms",
        [0, 0, 0, 0, 0, 2, 0, 4, 0, 3, 6, 12, 4, 12, 7, 7],
    ),
];
const BY_GENDER: [(&str, [u64; 16]); 3] = [
    (
        "female",
        [
            17, 28, 46, 50, 58, 56, 64, 63, 51, 114, 86, 35, 41, 55, 42, 48,
        ],
    ),
    (
        "male",
        [0, 0, 1, 1, 0, 10, 12, 8, 42, 7, 8, 61, 22, 21, 37, 24],
    ),
    ("trans", [0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 4, 1, 1, 1, 1, 1]),
];
const HOTLINE_HISTORY: [(i32, u64); 3] = [(2020, 223), (2021, 273), (2022, 384)];
const ASSESSED_HISTORY: [(i32, u64); 3] = [(2020, 182), (2021, 193), (2022, 235)];

/// One victim line of `data/victims-2023.txt`.
#[derive(Debug, Clone)]
struct VictimLine {
    nationality: &'static str,
    gender: Gender,
    age: u8,
    form: Form,
    subtype: Option<&'static str>,
    referral: &'static str,
    authority: Authority,
    /// Destination and whether the return is dated in 2024 (after the demo year).
    return_to: Option<(&'static str, bool)>,
    earlier_identified_year: Option<i32>,
    assessed: bool,
    earlier_decision_same_year: bool,
}

fn dash(s: &'static str) -> Option<&'static str> {
    (s != "-").then_some(s)
}

fn parse_victims() -> Vec<VictimLine> {
    VICTIMS_2023
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&'static str> = line.split_whitespace().collect();
            assert_eq!(
                f.len(),
                9,
                "victims-2023.txt: 9 columns expected in `{line}`"
            );
            let gender = match f[1] {
                "F" => Gender::Female,
                "M" => Gender::Male,
                "TF" => Gender::TransFemale,
                g => panic!("victims-2023.txt: unknown gender `{g}`"),
            };
            let mut v = VictimLine {
                nationality: f[0],
                gender,
                age: f[2]
                    .parse()
                    .expect("victims-2023.txt: age is a whole number"),
                form: Form::parse(f[3]).expect("victims-2023.txt: form code"),
                subtype: dash(f[4]),
                referral: f[5],
                authority: Authority::parse(f[6]).expect("victims-2023.txt: authority code"),
                return_to: dash(f[7]).map(|r| match r.split_once('@') {
                    Some((c, "2024")) => (c, true),
                    Some(_) => panic!("victims-2023.txt: return `{r}`: only @2024 is used"),
                    None => (r, false),
                }),
                earlier_identified_year: None,
                assessed: true,
                earlier_decision_same_year: false,
            };
            for flag in dash(f[8]).into_iter().flat_map(|s| s.split(',')) {
                match flag {
                    "N" => v.assessed = false,
                    "D" => v.earlier_decision_same_year = true,
                    r if r.starts_with('R') => {
                        v.earlier_identified_year =
                            Some(r[1..].parse().expect("victims-2023.txt: R<year>"));
                    }
                    other => panic!("victims-2023.txt: unknown flag `{other}`"),
                }
            }
            v
        })
        .collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

fn r(s: String) -> Ref {
    Ref::parse(&s).expect("demo references are short and printable")
}

fn code(s: &str) -> Code {
    Code::new_unchecked(s)
}

fn country(s: &str) -> Country {
    Country::new_unchecked(s)
}

/// Hands out consecutive case references per year (`C-2023-0001`, …).
#[derive(Debug, Default)]
struct CaseRefs(std::collections::BTreeMap<i32, u32>);

impl CaseRefs {
    fn next(&mut self, year: i32) -> Ref {
        let n = self.0.entry(year).or_insert(0);
        *n += 1;
        r(format!("C-{year}-{n:04}"))
    }
}

/// Spreads the 112 victims' decisions over 25 January – 1 December 2023 in a fixed,
/// well-mixed order (37 is coprime with 112, so every day slot is used once).
fn decision_date(i: usize, n: usize) -> NaiveDate {
    let k = (i * 37) % n;
    date(YEAR, 1, 25) + Duration::days((k * 310 / (n - 1)) as i64)
}

/// The demo as a register held in memory (built-in codes, the demo's `microdata_from`),
/// for evaluating it without a store.
pub fn register() -> spor_core::Register {
    let b = build();
    spor_core::Register {
        identifications: b.identifications,
        assessments: b.assessments,
        hotline_calls: b.hotline_calls,
        history: b.history,
        microdata_from: Some(MICRODATA_FROM),
        codes: spor_core::CodeBook::builtin(),
        last_change: None,
    }
}

/// Builds the whole demo register. Deterministic: every call returns the same batch.
pub fn build() -> ImportBatch {
    let victims = parse_victims();
    let mut batch = ImportBatch::default();
    let mut cases = CaseRefs::default();
    let mut assessment_no = 0u32;
    let mut next_assessment = || {
        assessment_no += 1;
        r(format!("A-{YEAR}-{assessment_no:04}"))
    };

    for (i, v) in victims.iter().enumerate() {
        let person = match v.earlier_identified_year {
            Some(y) => r(format!("P-{y}-{:04}", i + 1)),
            None => r(format!("P-{YEAR}-{:04}", i + 1)),
        };
        let mut decided = decision_date(i, victims.len());
        let mut returned = None;
        if let Some((to, late)) = v.return_to {
            let day = if late {
                decided = date(YEAR, 12, 5) + Duration::days(i as i64 % 7);
                date(YEAR + 1, 1, 9) + Duration::days(i as i64 % 14)
            } else {
                decided + Duration::days(10 + (i as i64 % 18))
            };
            returned = Some((day, country(to)));
        }
        let mut first_decision = decided;
        if v.earlier_decision_same_year {
            // A first decision that left the form open, replaced later in the year by the
            // final one: the latest decision's attributes count.
            decided = date(YEAR, 9, 14);
            first_decision = date(YEAR, 6, 2);
            batch.identifications.push(Identification {
                case_ref: cases.next(YEAR),
                person_ref: person.clone(),
                decision_date: first_decision,
                authority: Authority::ImmigrationService,
                outcome: Outcome::Identified,
                referral_actor: Some(code(v.referral)),
                exploitation_form: Some(Form::Unresolved),
                exploitation_subtype: None,
                gender: v.gender,
                age: Some(v.age),
                nationality: country(v.nationality),
                return_date: None,
                return_country: None,
            });
        }
        batch.identifications.push(Identification {
            case_ref: cases.next(YEAR),
            person_ref: person.clone(),
            decision_date: decided,
            authority: v.authority,
            outcome: Outcome::Identified,
            referral_actor: Some(code(v.referral)),
            exploitation_form: Some(v.form),
            exploitation_subtype: v.subtype.map(code),
            gender: v.gender,
            age: Some(v.age),
            nationality: country(v.nationality),
            return_date: returned.as_ref().map(|(d, _)| *d),
            return_country: returned.map(|(_, c)| c),
        });

        if let Some(y) = v.earlier_identified_year {
            // The repeat victim's first identification, years before the microdata.
            let years_before = (YEAR - y) as u8;
            batch.identifications.push(Identification {
                case_ref: cases.next(y),
                person_ref: person.clone(),
                decision_date: date(y, 3 + (i as u32 % 9), 1 + (i as u32 * 5) % 27),
                authority: Authority::ImmigrationService,
                outcome: Outcome::Identified,
                referral_actor: Some(code(if i % 2 == 0 { "police" } else { "ngo" })),
                exploitation_form: Some(Form::Sexual),
                exploitation_subtype: None,
                gender: v.gender,
                age: Some(v.age - years_before),
                nationality: country(v.nationality),
                return_date: None,
                return_country: None,
            });
        }

        if v.assessed {
            let first = first_decision - Duration::days(5 + (i as i64 % 16));
            let mut interviews = vec![first];
            if i % 19 == 4 {
                interviews.push(first + Duration::days(2));
            }
            for day in interviews {
                batch.assessments.push(Assessment {
                    assessment_ref: next_assessment(),
                    person_ref: person.clone(),
                    interview_date: day,
                    gender: v.gender,
                    age: Some(v.age),
                    nationality: country(v.nationality),
                });
            }
        }
    }

    // Persons assessed in 2023 who were not identified as victims that year; every eighth
    // gets a `not_identified` decision after the interview, the rest are still open.
    let others = OTHER_ASSESSED_THAI + OTHER_ASSESSED_NIGERIAN + OTHER_ASSESSED_REST;
    for j in 0..others {
        let (nationality, gender) = if j < OTHER_ASSESSED_THAI {
            (
                "TH",
                if j % 20 == 7 {
                    Gender::TransFemale
                } else {
                    Gender::Female
                },
            )
        } else if j < OTHER_ASSESSED_THAI + OTHER_ASSESSED_NIGERIAN {
            (
                "NG",
                if j % 3 == 0 {
                    Gender::Male
                } else {
                    Gender::Female
                },
            )
        } else {
            let k = j - OTHER_ASSESSED_THAI - OTHER_ASSESSED_NIGERIAN;
            let gender = match k % 11 {
                0 | 3 | 6 | 8 => Gender::Male,
                10 if k == 54 => Gender::Unknown,
                _ => Gender::Female,
            };
            (OTHER_NATIONALITIES[k % OTHER_NATIONALITIES.len()], gender)
        };
        let age = (j % 23 != 11).then_some(18 + ((j * 7) % 38) as u8);
        let person = r(format!("P-{YEAR}-{:04}", victims.len() + 1 + j));
        let first = date(YEAR, 1, 3) + Duration::days(((j * 53) % 355) as i64);
        let mut interviews = vec![first];
        if j % 17 == 5 {
            interviews.push(first + Duration::days(if first.month() == 12 { -20 } else { 21 }));
        }
        for day in interviews {
            batch.assessments.push(Assessment {
                assessment_ref: next_assessment(),
                person_ref: person.clone(),
                interview_date: day,
                gender,
                age,
                nationality: country(nationality),
            });
        }
        let decided = first + Duration::days(30);
        if j % 8 == 0 && decided.year() == YEAR {
            batch.identifications.push(Identification {
                case_ref: cases.next(YEAR),
                person_ref: person,
                decision_date: decided,
                authority: match j % 3 {
                    0 => Authority::ImmigrationService,
                    1 => Authority::Cmm,
                    _ => Authority::Court,
                },
                outcome: Outcome::NotIdentified,
                referral_actor: (j % 16 == 0).then(|| code("police")),
                exploitation_form: None,
                exploitation_subtype: None,
                gender,
                age,
                nationality: country(nationality),
                return_date: None,
                return_country: None,
            });
        }
    }

    batch.hotline_calls = hotline_calls();
    batch.history = history();
    batch
}

/// The hotline calls: 503 received in 2023 Copenhagen time (339 concerning possible
/// victims), plus two just outside the year. Some are stored in UTC right around New
/// Year, where the UTC year and the Copenhagen year differ.
fn hotline_calls() -> Vec<HotlineCall> {
    const EDGE_IN_YEAR: [&str; 3] = [
        "2022-12-31T23:20:00Z",      // 00:20 on 1 January 2023 in Copenhagen
        "2022-12-31T23:50:00Z",      // 00:50 on 1 January 2023 in Copenhagen
        "2023-12-31T23:45:00+01:00", // a quarter to midnight on New Year's Eve
    ];
    const EDGE_OUTSIDE: [(&str, bool); 2] = [
        ("2022-12-31T22:40:00Z", true), // 23:40 on 31 December 2022 in Copenhagen
        ("2023-12-31T23:30:00Z", false), // 00:30 on 1 January 2024 in Copenhagen
    ];
    let regular = HOTLINE_CALLS - EDGE_IN_YEAR.len();
    let concerning = HOTLINE_CALLS_CONCERNING - EDGE_IN_YEAR.len();
    let mut calls = Vec::with_capacity(HOTLINE_CALLS + EDGE_OUTSIDE.len());
    let mut push = |at: &str, caller_type, concerns, topic| {
        let n = calls.len() + 1;
        calls.push(HotlineCall {
            call_ref: r(format!("H-{n:05}")),
            received_at: parse_timestamp(at).expect("demo timestamps are valid"),
            caller_type,
            concerns_possible_victim: concerns,
            topic,
        });
    };
    for i in 0..regular {
        let day = date(YEAR, 1, 1) + Duration::days((i * 365 / regular) as i64);
        // Office hours only, so no call falls in the spring clock change.
        let at = format!(
            "{}T{:02}:{:02}:00",
            day.format("%Y-%m-%d"),
            8 + (i * 7) % 10,
            (i * 17) % 60
        );
        // Spreads exactly `concerning` of the `regular` calls evenly over the year.
        let concerns = ((i + 1) * concerning) / regular > (i * concerning) / regular;
        let caller = match (i * 7) % 20 {
            0..=4 => CallerType::Police,
            5..=8 => CallerType::Authority,
            9..=12 => CallerType::Organisation,
            13..=16 => CallerType::Citizen,
            17 | 18 => CallerType::AffectedPerson,
            _ => CallerType::Other,
        };
        let topic = if i % 50 == 49 {
            None
        } else if concerns {
            Some(if i % 7 == 0 {
                Topic::CaseCooperation
            } else {
                Topic::Suspicion
            })
        } else {
            Some(match i % 4 {
                0 => Topic::Accommodation,
                1 => Topic::Knowledge,
                2 => Topic::CaseCooperation,
                _ => Topic::Other,
            })
        };
        push(&at, caller, concerns, topic);
    }
    for at in EDGE_IN_YEAR {
        push(at, CallerType::Police, true, Some(Topic::Suspicion));
    }
    for (at, concerns) in EDGE_OUTSIDE {
        push(at, CallerType::Citizen, concerns, Some(Topic::Suspicion));
    }
    calls
}

/// History rows for 2007–2022 from the report's series.
fn history() -> Vec<HistoryRow> {
    let mut rows = Vec::new();
    let mut row = |series, year, category: Option<&str>, count| {
        rows.push(HistoryRow {
            series,
            year,
            category: category.map(str::to_string),
            count: Some(count),
        });
    };
    for (k, &n) in VICTIMS.iter().enumerate() {
        let year = HISTORY_FIRST_YEAR + k as i32;
        row(Series::Victims, year, None, n);
        for (cat, counts) in &BY_FORM {
            row(Series::VictimsByForm, year, Some(cat), counts[k]);
        }
        for (cat, counts) in &BY_GENDER {
            row(Series::VictimsByGender, year, Some(cat), counts[k]);
        }
    }
    for (year, n) in HOTLINE_HISTORY {
        row(Series::HotlineCalls, year, None, n);
    }
    for (year, n) in ASSESSED_HISTORY {
        row(Series::AssessedPersons, year, None, n);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use spor_core::{CodeBook, ListId};

    #[test]
    fn build_gives_the_same_register_every_time() {
        let (a, b) = (build(), build());
        assert_eq!(a.identifications, b.identifications);
        assert_eq!(a.assessments, b.assessments);
        assert_eq!(a.hotline_calls, b.hotline_calls);
        assert_eq!(a.history, b.history);
    }

    #[test]
    fn every_code_in_the_demo_is_in_the_builtin_code_lists() {
        let book = CodeBook::builtin();
        let batch = build();
        for d in &batch.identifications {
            assert!(
                book.contains(ListId::Country, d.nationality.as_str()),
                "{}",
                d.nationality
            );
            if let Some(c) = &d.return_country {
                assert!(book.contains(ListId::Country, c.as_str()), "{c}");
            }
            if let Some(a) = &d.referral_actor {
                assert!(book.contains(ListId::ReferralActor, a.as_str()), "{a}");
            }
            if let Some(s) = &d.exploitation_subtype {
                let form = d.exploitation_form.expect("a subtype comes with a form");
                let list = CodeBook::subtype_list(form).expect("the form has subtypes");
                assert!(
                    book.contains(list, s.as_str()),
                    "{s} is not a subtype of {form}"
                );
            }
            if d.outcome == Outcome::Identified {
                assert!(d.referral_actor.is_some() && d.exploitation_form.is_some());
            }
            assert_eq!(d.return_date.is_some(), d.return_country.is_some());
        }
        for a in &batch.assessments {
            assert!(
                book.contains(ListId::Country, a.nationality.as_str()),
                "{}",
                a.nationality
            );
        }
    }

    #[test]
    fn history_splits_reconcile_with_the_yearly_totals() {
        for (k, &total) in VICTIMS.iter().enumerate() {
            let forms: u64 = BY_FORM.iter().map(|(_, c)| c[k]).sum();
            let genders: u64 = BY_GENDER.iter().map(|(_, c)| c[k]).sum();
            let year = HISTORY_FIRST_YEAR + k as i32;
            assert_eq!(forms, total, "forms of {year}");
            assert_eq!(genders, total, "genders of {year}");
        }
    }

    #[test]
    fn no_two_records_share_a_reference() {
        let batch = build();
        let mut cases: Vec<_> = batch.identifications.iter().map(|d| &d.case_ref).collect();
        let n = cases.len();
        cases.sort();
        cases.dedup();
        assert_eq!(cases.len(), n);
        let mut calls: Vec<_> = batch.hotline_calls.iter().map(|c| &c.call_ref).collect();
        let n = calls.len();
        calls.sort();
        calls.dedup();
        assert_eq!(calls.len(), n);
    }
}
