//! A synthetic register of any size in the exchange format, for benchmarks and for trying
//! Spor at scale (`spor bench generate`).
//!
//! The register is random but reproducible (a fixed seed), valid by construction, and shaped
//! like a centre's: decisions spread over 2007–2023 with growth, a fifth not identified,
//! some persons decided again in later years, and assessments and hotline calls beside them.

use std::path::Path;

use spor_core::{CallerType, CodeBook, Form, Gender, ListId, Topic};

/// What [`generate`] wrote besides the decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub assessments: usize,
    pub calls: usize,
    pub history: usize,
}

const FIRST_YEAR: i32 = 2007;
const LAST_YEAR: i32 = 2023;

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// A year between FIRST_YEAR and LAST_YEAR, later years more likely (a growing register).
fn year(rng: &mut fastrand::Rng) -> i32 {
    let span = (LAST_YEAR - FIRST_YEAR + 1) as f64;
    let x = rng.f64().sqrt();
    FIRST_YEAR + ((x * span) as i32).min(LAST_YEAR - FIRST_YEAR)
}

fn date(rng: &mut fastrand::Rng, year: i32) -> String {
    // Day 28 at most keeps every month valid.
    format!("{year}-{:02}-{:02}", rng.u8(1..=12), rng.u8(1..=28))
}

/// Writes `decisions` decisions and the rest of a register as the four CSV files of the
/// exchange format into the folder `out`; the same `seed` gives the same files.
pub fn generate(decisions: usize, seed: u64, out: &Path) -> anyhow::Result<Generated> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let codes = CodeBook::builtin();
    let code_list =
        |l: ListId| -> Vec<String> { codes.list(l).iter().map(|e| e.code.clone()).collect() };
    let actors = code_list(ListId::ReferralActor);
    let labour = code_list(ListId::ForcedLabourSubtype);
    let crime = code_list(ListId::ForcedCriminalitySubtype);
    // Most victims come from a few countries, as in the centre's statistics.
    let common = ["NG", "TH", "RO", "UA", "VN", "PH", "MA", "UG", "BR", "DK"];
    let countries: Vec<String> = codes
        .list(ListId::Country)
        .iter()
        .map(|e| e.code.clone())
        .collect();
    let authorities = ["cmm", "immigration_service", "court"];

    let persons = (decisions * 4 / 5).max(1);
    let mut w = csv::Writer::from_path(out.join("identifications.csv"))?;
    w.write_record([
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
    ])?;
    for i in 0..decisions {
        let y = year(&mut rng);
        let person = format!("P{:08}", rng.usize(..persons));
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
        let age = if rng.u8(..20) == 0 {
            String::new()
        } else {
            rng.u8(12..=70).to_string()
        };
        let (actor, form, subtype) = if identified {
            let form = *pick(&mut rng, Form::ALL);
            let subtype = match form {
                Form::ForcedLabour if rng.u8(..4) > 0 => pick(&mut rng, &labour).clone(),
                Form::ForcedCriminality if rng.u8(..4) > 0 => pick(&mut rng, &crime).clone(),
                _ => String::new(),
            };
            (
                pick(&mut rng, &actors).clone(),
                form.code().to_string(),
                subtype,
            )
        } else {
            (String::new(), String::new(), String::new())
        };
        let (ret_date, ret_country) = if identified && rng.u8(..4) == 0 {
            let to = if rng.u8(..10) == 0 {
                pick(&mut rng, &common).to_string()
            } else {
                nationality.clone()
            };
            let ry = (y + i32::from(rng.u8(..2))).min(LAST_YEAR + 1);
            (date(&mut rng, ry), to)
        } else {
            (String::new(), String::new())
        };
        w.write_record([
            format!("D{i:08}").as_str(),
            &person,
            &date(&mut rng, y),
            *pick(&mut rng, &authorities),
            if identified {
                "identified"
            } else {
                "not_identified"
            },
            &actor,
            &form,
            &subtype,
            gender.code(),
            &age,
            &nationality,
            &ret_date,
            &ret_country,
        ])?;
    }
    w.flush()?;

    let assessments = decisions / 4;
    let mut w = csv::Writer::from_path(out.join("assessments.csv"))?;
    w.write_record([
        "assessment_ref",
        "person_ref",
        "interview_date",
        "gender",
        "age",
        "nationality",
    ])?;
    for i in 0..assessments {
        let y = year(&mut rng);
        w.write_record([
            format!("A{i:08}").as_str(),
            &format!("P{:08}", rng.usize(..persons)),
            &date(&mut rng, y),
            pick(&mut rng, Gender::ALL).code(),
            &rng.u8(14..=70).to_string(),
            *pick(&mut rng, &common),
        ])?;
    }
    w.flush()?;

    let calls = decisions / 4;
    let mut w = csv::Writer::from_path(out.join("hotline_calls.csv"))?;
    w.write_record([
        "call_ref",
        "received_at",
        "caller_type",
        "concerns_possible_victim",
        "topic",
    ])?;
    for i in 0..calls {
        let y = year(&mut rng);
        let ts = format!(
            "{}T{:02}:{:02}:00",
            date(&mut rng, y),
            rng.u8(8..=20),
            rng.u8(..60)
        );
        let topic = if rng.bool() {
            pick(&mut rng, Topic::ALL).code()
        } else {
            ""
        };
        w.write_record([
            format!("C{i:08}").as_str(),
            &ts,
            pick(&mut rng, CallerType::ALL).code(),
            if rng.u8(..3) < 2 { "true" } else { "false" },
            topic,
        ])?;
    }
    w.flush()?;

    // Published totals for years before microdata: 2000–2006, so history and microdata meet.
    let mut w = csv::Writer::from_path(out.join("history.csv"))?;
    w.write_record(["series", "year", "category", "count"])?;
    let mut history = 0;
    for y in 2000..FIRST_YEAR {
        for series in ["victims", "hotline_calls", "assessed_persons"] {
            w.write_record([series, &y.to_string(), "", &rng.u32(10..100).to_string()])?;
            history += 1;
        }
    }
    w.flush()?;
    Ok(Generated {
        assessments,
        calls,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_register() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        generate(500, 7, a.path()).unwrap();
        generate(500, 7, b.path()).unwrap();
        for f in [
            "identifications.csv",
            "assessments.csv",
            "hotline_calls.csv",
            "history.csv",
        ] {
            let x = std::fs::read(a.path().join(f)).unwrap();
            let y = std::fs::read(b.path().join(f)).unwrap();
            assert_eq!(x, y, "{f} differs between two runs with one seed");
        }
        let text = std::fs::read_to_string(a.path().join("identifications.csv")).unwrap();
        assert_eq!(text.lines().count(), 501, "header plus 500 decisions");
    }
}
