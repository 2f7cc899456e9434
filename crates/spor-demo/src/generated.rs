//! A synthetic register of any size: random but reproducible (a seed), valid by
//! construction, and shaped like a centre's: decisions spread over 2007–2023 with growth, a
//! fifth not identified, some persons decided again in later years, assessments and
//! hotline calls beside them, and published totals for 2000–2006. `spor bench generate`
//! writes it in the exchange format; the disclosure control's tests and timings build it
//! in memory.

use chrono::NaiveDate;
use spor_core::{
    Assessment, Authority, CallerType, Code, CodeBook, Country, Form, Gender, HistoryRow,
    HotlineCall, Identification, ListId, Outcome, Ref, Register, Series, Topic,
};

/// First and last year of microdata.
pub const FIRST_YEAR: i32 = 2007;
pub const LAST_YEAR: i32 = 2023;
/// The seed `spor bench generate` uses by default.
pub const BENCH_SEED: u64 = 2023;

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn year(rng: &mut fastrand::Rng) -> i32 {
    let span = (LAST_YEAR - FIRST_YEAR + 1) as f64;
    let x = rng.f64().sqrt();
    FIRST_YEAR + ((x * span) as i32).min(LAST_YEAR - FIRST_YEAR)
}

fn date(rng: &mut fastrand::Rng, year: i32) -> NaiveDate {
    let m = rng.u8(1..=12);
    let d = rng.u8(1..=28);
    NaiveDate::from_ymd_opt(year, u32::from(m), u32::from(d)).expect("day 28 at most")
}

/// A synthetic register of `decisions` identification decisions (and a quarter as many
/// assessments and hotline calls), drawn as `spor bench generate --seed SEED` draws it.
pub fn register(decisions: usize, seed: u64) -> Register {
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
        let person = rng.usize(..persons);
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
            case_ref: Ref::parse(&format!("D{i:08}")).expect("a valid ref"),
            person_ref: Ref::parse(&format!("P{person:08}")).expect("a valid ref"),
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
        let person = rng.usize(..persons);
        let interview_date = date(&mut rng, y);
        let gender = *pick(&mut rng, Gender::ALL);
        let age = Some(rng.u8(14..=70));
        reg.assessments.push(Assessment {
            assessment_ref: Ref::parse(&format!("A{i:08}")).expect("a valid ref"),
            person_ref: Ref::parse(&format!("P{person:08}")).expect("a valid ref"),
            interview_date,
            gender,
            age,
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
            call_ref: Ref::parse(&format!("C{i:08}")).expect("a valid ref"),
            received_at: chrono::DateTime::parse_from_rfc3339(&ts).expect("a valid time"),
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
