//! Property: for random registers, every one-dimensional victims table's total is the
//! number of victims, every total is the sum of its rows, nested children sum to their
//! parents, and the year series agree with each other.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use proptest::prelude::*;
use spor_core::{Authority, Code, Country, Form, Gender, Identification, Outcome, Register};
use spor_stats::{Row, Table};

const NATS: &[&str] = &["NG", "TH", "UA", "RO", "VN", "DK", "AX", "UNKNOWN"];
const ACTORS: &[&str] = &["police", "ngo", "red_cross", "embassy"];
const LABOUR: &[&str] = &["construction", "cleaning"];

#[derive(Debug, Clone)]
struct Raw {
    person: u8,
    year: i32,
    day: u32,
    identified: bool,
    form: usize,
    subtype: Option<usize>,
    gender: usize,
    age: Option<u8>,
    nat: usize,
    actor: Option<usize>,
    authority: usize,
    return_in: Option<i64>,
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        (
            0u8..25,
            2020i32..=2023,
            0u32..365,
            prop::bool::weighted(0.8),
        ),
        (
            0usize..6,
            prop::option::of(0usize..2),
            0usize..6,
            prop::option::of(10u8..60),
        ),
        (
            0usize..NATS.len(),
            prop::option::weighted(0.9, 0usize..ACTORS.len()),
            0usize..3,
            prop::option::of(-30i64..400),
        ),
    )
        .prop_map(
            |(
                (person, year, day, identified),
                (form, subtype, gender, age),
                (nat, actor, authority, return_in),
            )| Raw {
                person,
                year,
                day,
                identified,
                form,
                subtype,
                gender,
                age,
                nat,
                actor,
                authority,
                return_in,
            },
        )
}

fn build(raws: &[Raw]) -> Register {
    let mut v: Vec<Identification> = raws
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let decided = chrono::NaiveDate::from_yo_opt(r.year, 1).unwrap()
                + chrono::Days::new(u64::from(r.day));
            let form = Form::ALL[r.form];
            Identification {
                outcome: if r.identified {
                    Outcome::Identified
                } else {
                    Outcome::NotIdentified
                },
                decision_date: decided,
                exploitation_form: Some(form),
                exploitation_subtype: (form == Form::ForcedLabour)
                    .then_some(r.subtype)
                    .flatten()
                    .map(|s| Code::new_unchecked(LABOUR[s])),
                gender: Gender::ALL[r.gender],
                age: r.age,
                nationality: Country::new_unchecked(NATS[r.nat]),
                referral_actor: r.actor.map(|a| Code::new_unchecked(ACTORS[a])),
                authority: Authority::ALL[r.authority],
                return_date: r.return_in.map(|d| {
                    decided
                        .checked_add_signed(chrono::TimeDelta::days(d))
                        .unwrap()
                }),
                return_country: r
                    .return_in
                    .map(|d| Country::new_unchecked(if d % 3 == 0 { "IT" } else { NATS[r.nat] })),
                ..ident(&format!("C{i:03}"), &format!("P{}", r.person), "2023-01-01")
            }
        })
        .collect();
    // The report year always has data.
    v.push(ident("Z", "PZ", "2023-12-31"));
    register(v)
}

/// The oracle: each person's latest identified decision in `year`, found by sorting.
fn latest_decisions(reg: &Register, year: i32) -> Vec<&Identification> {
    use chrono::Datelike;
    let mut by_person: HashMap<&str, Vec<&Identification>> = HashMap::new();
    for d in &reg.identifications {
        if d.outcome == Outcome::Identified && d.decision_date.year() == year {
            by_person.entry(d.person_ref.as_str()).or_default().push(d);
        }
    }
    by_person
        .into_values()
        .map(|mut ds| {
            ds.sort_by(|a, b| (a.decision_date, &a.case_ref).cmp(&(b.decision_date, &b.case_ref)));
            *ds.last().unwrap()
        })
        .collect()
}

fn row_sum_check(id: &str, rows: &[Row], expected: &[Option<u64>]) -> Result<(), TestCaseError> {
    for (c, e) in expected.iter().enumerate() {
        let sum = rows.iter().map(|r| r.values[c]).sum::<Option<u64>>();
        match e {
            Some(_) => prop_assert_eq!(sum, *e, "{}: column {} does not reconcile", id, c),
            // Not known: a row is not known, or nothing is known at all.
            None => prop_assert!(
                sum.is_none() || rows.is_empty(),
                "{}: column {} null",
                id,
                c
            ),
        }
    }
    for r in rows {
        if !r.children.is_empty() {
            row_sum_check(id, &r.children, &r.values)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_one_dimensional_total_is_the_number_of_victims(raws in prop::collection::vec(raw(), 0..120)) {
        let reg = build(&raws);
        let report = spor_stats::evaluate(&reg, 2023).unwrap();
        let latest = latest_decisions(&reg, 2023);
        let victims = latest.len() as u64;
        let persons: HashSet<&str> = latest.iter().map(|d| d.person_ref.as_str()).collect();
        prop_assert_eq!(persons.len() as u64, victims);
        prop_assert_eq!(report.facts.victims, Some(victims));

        for id in [
            "victims_by_referral",
            "victims_by_form",
            "victims_by_gender",
            "victims_by_nationality",
            "victims_by_authority",
            "victims_by_nationality_gender_age_form",
        ] {
            let t: &Table = &report.tables[id];
            prop_assert_eq!(&t.total, &vec![Some(victims)], "{} total", id);
        }
        let cross = &report.tables["victims_by_gender_form"];
        prop_assert_eq!(cross.total.iter().map(|v| v.unwrap()).sum::<u64>(), victims);

        // Every table's total is the sum of its rows, and children sum to their parents.
        for (id, t) in &report.tables {
            if id != "hotline_calls_by_year" {
                row_sum_check(id, &t.rows, &t.total)?;
            }
        }

        // The year series agree with the victims series.
        let by_year = &report.tables["victims_by_year"].rows[0].values;
        prop_assert_eq!(&report.tables["victims_by_form_group_year"].total, by_year);
        prop_assert_eq!(&report.tables["victims_by_gender_group_year"].total, by_year);
        prop_assert_eq!(by_year.last().copied().flatten(), Some(victims));

        // The oracle's form and nationality counts equal the tables'.
        let mut forms: HashMap<String, u64> = HashMap::new();
        let mut nats: HashMap<String, u64> = HashMap::new();
        for d in &latest {
            *forms.entry(d.exploitation_form.unwrap().code().to_string()).or_default() += 1;
            *nats.entry(d.nationality.as_str().to_string()).or_default() += 1;
        }
        let as_map = |t: &Table| -> HashMap<String, u64> {
            t.rows.iter().map(|r| (r.key.clone(), r.values[0].unwrap())).collect()
        };
        prop_assert_eq!(as_map(&report.tables["victims_by_form"]), forms);
        prop_assert_eq!(as_map(&report.tables["victims_by_nationality"]), nats);

        // Subtype tables count exactly the victims of their form.
        let form_count = |k: &str| report.tables["victims_by_form"].rows.iter().find(|r| r.key == k).and_then(|r| r.values[0]).unwrap_or(0);
        prop_assert_eq!(report.tables["forced_labour_by_subtype"].total[0], Some(form_count("forced_labour")));
        prop_assert_eq!(report.tables["forced_criminality_by_subtype"].total[0], Some(form_count("forced_criminality")));

        // Minors and under-25s reconcile with their facts.
        for (id, fact) in [("minors_by_gender_form", report.facts.minors), ("under25_by_gender_form", report.facts.under25)] {
            let sum: u64 = report.tables[id].total.iter().map(|v| v.unwrap()).sum();
            prop_assert_eq!(Some(sum), fact, "{}", id);
        }
        let returns = report.facts.returns.unwrap();
        let third = report.facts.returns_to_third_country.unwrap();
        prop_assert!(third <= returns && returns <= victims);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every international exchange counts the overview's victims: each of its tables'
    /// totals for the year, and Eurostat's rows, whatever the register, the reporting
    /// country or where the centre sends a gender; and Eurostat's citizenship follows the
    /// reporting country and the EU of the year.
    #[test]
    fn every_exchange_counts_the_victims_of_the_overview(
        raws in prop::collection::vec(raw(), 0..120),
        reporting in prop::sample::select(vec!["DK", "RO", "NG"]),
        other_to in prop::sample::select(vec!["F", "M", "UNK"]),
    ) {
        let reg = build(&raws);
        let cols = spor_stats::Columns::of_register(&reg);
        let victims = spor_stats::evaluate(&reg, 2023).unwrap().facts.victims.unwrap();
        let maps = spor_core::Mappings::with_overrides([
            ("reporting_country", reporting),
            ("eurostat_sex/other", other_to),
        ])
        .unwrap();
        for def in spor_stats::EXCHANGES {
            let ex = spor_stats::evaluate_exchange(&reg, &cols, 2023, def, &maps).unwrap();
            prop_assert_eq!(&ex.country, reporting);
            for (id, t) in &ex.tables {
                prop_assert_eq!(
                    spor_stats::exchange::year_total(t, 2023),
                    Some(victims),
                    "{}/{}",
                    def.name,
                    id
                );
            }
            if def.flat.is_some() {
                prop_assert_eq!(ex.rows.iter().map(|r| r.value).sum::<u64>(), victims);
                prop_assert!(ex.rows.iter().all(|r| r.value > 0));
                let latest = latest_decisions(&reg, 2023);
                let count = |class: &str| {
                    latest
                        .iter()
                        .filter(|d| maps.citizenship(d.nationality.as_str(), 2023) == class)
                        .count() as u64
                };
                let citizen = |code: &str| {
                    ex.rows.iter().filter(|r| r.keys[2] == code).map(|r| r.value).sum::<u64>()
                };
                let nationals = latest
                    .iter()
                    .filter(|d| d.nationality.as_str() == reporting)
                    .count() as u64;
                prop_assert_eq!(citizen("NAT"), nationals);
                prop_assert_eq!(citizen("EU27_FOR"), count("eu"));
                prop_assert_eq!(citizen("NEU27"), count("non_eu"));
                prop_assert_eq!(citizen("UNK"), count("unknown"));
            }
        }
    }
}
