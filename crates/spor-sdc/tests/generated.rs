//! The public edition of generated registers (the distribution of `spor bench generate`:
//! microdata 2007–2023, published totals for 2000–2006): history is never hidden, no
//! published number pins a hidden figure for an attacker reading the JSON, and a figure an
//! earlier edition published is published again.

use chrono::NaiveDate;
use spor_core::{
    Assessment, Authority, CallerType, Code, CodeBook, Country, Form, Gender, HistoryRow,
    HotlineCall, Identification, ListId, Outcome, Ref, Register, Series, Topic,
};
use spor_sdc::overview::{Inputs, PublicRelease, protect_edition};
use spor_sdc::{Policy, attack::attack};
use spor_stats::Report;

const FIRST_YEAR: i32 = 2007;
const LAST_YEAR: i32 = 2023;

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn year(rng: &mut fastrand::Rng) -> i32 {
    let span = (LAST_YEAR - FIRST_YEAR + 1) as f64;
    let x = rng.f64().sqrt();
    FIRST_YEAR + ((x * span) as i32).min(LAST_YEAR - FIRST_YEAR)
}

fn date(rng: &mut fastrand::Rng, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, u32::from(rng.u8(1..=12)), u32::from(rng.u8(1..=28))).unwrap()
}

/// A synthetic register drawn as `spor bench generate` draws it.
fn register(decisions: usize, seed: u64) -> Register {
    let mut rng = fastrand::Rng::with_seed(seed);
    let codes = CodeBook::builtin();
    let list =
        |l: ListId| -> Vec<String> { codes.list(l).iter().map(|e| e.code.clone()).collect() };
    let actors = list(ListId::ReferralActor);
    let labour = list(ListId::ForcedLabourSubtype);
    let crime = list(ListId::ForcedCriminalitySubtype);
    let countries = list(ListId::Country);
    let common = ["NG", "TH", "RO", "UA", "VN", "PH", "MA", "UG", "BR", "DK"];
    let authorities = [
        Authority::Cmm,
        Authority::ImmigrationService,
        Authority::Court,
    ];
    let persons = (decisions * 4 / 5).max(1);
    let mut reg = Register {
        codes: codes.clone(),
        ..Register::default()
    };
    for i in 0..decisions {
        let y = year(&mut rng);
        let identified = rng.u8(..10) < 8;
        let nationality = if rng.bool() {
            pick(&mut rng, &common).to_string()
        } else {
            pick(&mut rng, &countries).clone()
        };
        let gender = match rng.u8(..100) {
            0..=64 => Gender::Female,
            65..=95 => Gender::Male,
            96 => Gender::TransFemale,
            97 => Gender::TransMale,
            98 => Gender::Other,
            _ => Gender::Unknown,
        };
        let age = (rng.u8(..20) != 0).then(|| rng.u8(12..=70));
        let (actor, form, subtype) = if identified {
            let form = *pick(&mut rng, Form::ALL);
            let subtype = match form {
                Form::ForcedLabour if rng.u8(..4) > 0 => Some(pick(&mut rng, &labour).clone()),
                Form::ForcedCriminality if rng.u8(..4) > 0 => Some(pick(&mut rng, &crime).clone()),
                _ => None,
            };
            (Some(pick(&mut rng, &actors).clone()), Some(form), subtype)
        } else {
            (None, None, None)
        };
        let ret = if identified && rng.u8(..4) == 0 {
            let to = if rng.u8(..10) == 0 {
                pick(&mut rng, &common).to_string()
            } else {
                nationality.clone()
            };
            let ry = (y + i32::from(rng.u8(..2))).min(LAST_YEAR + 1);
            Some((date(&mut rng, ry), Country::new_unchecked(to)))
        } else {
            None
        };
        let decided = date(&mut rng, y);
        let authority = *pick(&mut rng, &authorities);
        reg.identifications.push(Identification {
            case_ref: Ref::parse(&format!("D{i:08}")).unwrap(),
            person_ref: Ref::parse(&format!("P{:08}", rng.usize(..persons))).unwrap(),
            decision_date: decided,
            authority,
            outcome: if identified {
                Outcome::Identified
            } else {
                Outcome::NotIdentified
            },
            referral_actor: actor.map(Code::new_unchecked),
            exploitation_form: form,
            exploitation_subtype: subtype.map(Code::new_unchecked),
            gender,
            age,
            nationality: Country::new_unchecked(nationality),
            return_date: ret.as_ref().map(|r| r.0),
            return_country: ret.map(|r| r.1),
        });
    }
    for i in 0..decisions / 4 {
        let y = year(&mut rng);
        reg.assessments.push(Assessment {
            assessment_ref: Ref::parse(&format!("A{i:08}")).unwrap(),
            person_ref: Ref::parse(&format!("P{:08}", rng.usize(..persons))).unwrap(),
            interview_date: date(&mut rng, y),
            gender: *pick(&mut rng, Gender::ALL),
            age: Some(rng.u8(14..=70)),
            nationality: Country::new_unchecked(*pick(&mut rng, &common)),
        });
    }
    for i in 0..decisions / 4 {
        let y = year(&mut rng);
        let d = date(&mut rng, y);
        let ts = format!(
            "{}T{:02}:{:02}:00+01:00",
            d.format("%Y-%m-%d"),
            rng.u8(8..=20),
            rng.u8(..60)
        );
        let topic = rng.bool().then(|| *pick(&mut rng, Topic::ALL));
        reg.hotline_calls.push(HotlineCall {
            call_ref: Ref::parse(&format!("C{i:08}")).unwrap(),
            received_at: chrono::DateTime::parse_from_rfc3339(&ts).unwrap(),
            caller_type: *pick(&mut rng, CallerType::ALL),
            concerns_possible_victim: rng.u8(..3) < 2,
            topic,
        });
    }
    for y in 2000..FIRST_YEAR {
        for series in [
            Series::Victims,
            Series::HotlineCalls,
            Series::AssessedPersons,
        ] {
            reg.history.push(HistoryRow {
                series,
                year: y,
                category: None,
                count: Some(u64::from(rng.u32(10..100))),
            });
        }
    }
    reg
}

fn edition(reg: &Register, year: i32, earlier: &[Report]) -> PublicRelease {
    let report = spor_stats::evaluate(reg, year).unwrap();
    protect_edition(
        &report,
        &Policy::default(),
        &Inputs {
            earlier,
            history_before: Some(FIRST_YEAR),
            minimise: false,
            keep_categories: false,
        },
    )
    .unwrap_or_else(|e| panic!("{year}: {e}"))
}

fn hidden_year_cells(r: &PublicRelease, before: i32) -> Vec<String> {
    let mut out = Vec::new();
    for (id, t) in &r.report.tables {
        for &[_, c] in &t.suppressed {
            if t.column_keys[c].parse::<i32>().is_ok_and(|y| y < before) {
                out.push(format!("{id} {}", t.column_keys[c]));
            }
        }
    }
    out
}

#[test]
fn generated_registers_keep_history_and_no_published_number_pins_a_hidden_one() {
    for (decisions, seed) in [(600, 1), (2_000, 2), (5_000, 3)] {
        let reg = register(decisions, seed);
        let r = edition(&reg, LAST_YEAR, &[]);
        assert!(
            hidden_year_cells(&r, FIRST_YEAR).is_empty(),
            "{decisions}/{seed}: history hidden: {:?}",
            hidden_year_cells(&r, FIRST_YEAR)
        );
        let json = serde_json::to_value(&r.report).unwrap();
        let pinned: Vec<_> = attack(&json).into_iter().filter(|d| d.pinned()).collect();
        assert!(pinned.is_empty(), "{decisions}/{seed}: {pinned:?}");
        // The headline figures are published.
        for f in [
            "victims",
            "victims_all_years",
            "assessed_persons",
            "hotline_calls",
        ] {
            assert!(
                r.report.facts[f].is_u64(),
                "{decisions}/{seed}: {f} is {}",
                r.report.facts[f]
            );
        }
        eprintln!(
            "{decisions} decisions (seed {seed}): {} of {} cells hidden ({} %), {} % of the value",
            r.utility.hidden,
            r.utility.cells,
            r.utility.hidden_cells_pct,
            r.utility.hidden_value_pct
        );
    }
}

#[test]
fn a_figure_an_earlier_edition_published_is_published_again_unchanged() {
    let reg = register(3_000, 7);
    let before = edition(&reg, LAST_YEAR - 1, &[]);
    let now = edition(&reg, LAST_YEAR, std::slice::from_ref(&before.report));
    let col = (LAST_YEAR - 1).to_string();
    let mut compared = 0;
    for (id, t) in &now.report.tables {
        let (Some(c_now), Some(old)) = (
            t.column_keys.iter().position(|k| *k == col),
            before.report.tables.get(id),
        ) else {
            continue;
        };
        let Some(c_old) = old.column_keys.iter().position(|k| *k == col) else {
            continue;
        };
        for (r_old, row_old) in old.rows.iter().enumerate() {
            let Some(v) = row_old.values[c_old] else {
                continue;
            };
            let row_now = t.rows.iter().find(|r| r.key == row_old.key).unwrap();
            assert_eq!(
                row_now.values[c_now],
                Some(v),
                "{id} {} {col} (row {r_old} of the earlier edition)",
                row_old.key
            );
            compared += 1;
        }
    }
    assert!(compared >= 5, "only {compared} figures compared");
    // The 2022 edition's own-year figures count too: its form table's rows reappear as
    // the 2022 column of the form-group series wherever the categories are the same.
    let forms = &before.report.tables["victims_by_form"];
    let series = &now.report.tables["victims_by_form_group_year"];
    let c = series.column_keys.iter().position(|k| *k == col).unwrap();
    for row in &forms.rows {
        if let (Some(v), Some(s)) = (row.values[0], series.rows.iter().find(|r| r.key == row.key)) {
            assert_eq!(s.values[c], Some(v), "victims_by_form {} {col}", row.key);
        }
    }
}
