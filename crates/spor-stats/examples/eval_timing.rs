//! Times `evaluate` on a synthetic register of N decisions (default 1,000,000):
//! `cargo run --release -p spor-stats --example eval_timing -- 1000000`.

use std::time::Instant;

use chrono::{Days, NaiveDate};
use spor_core::{
    Authority, Code, Country, Form, Gender, HotlineCall, Identification, Outcome, Ref, Register,
};

const NATS: &[&str] = &[
    "NG", "TH", "UA", "RO", "VN", "PH", "BR", "MA", "UG", "DK", "SY", "ES",
];
const ACTORS: &[&str] = &[
    "police",
    "immigration_service",
    "ngo",
    "red_cross",
    "shelter",
];

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = fastrand::Rng::with_seed(7);
    let t = Instant::now();
    let persons = n * 2 / 3;
    let identifications: Vec<Identification> = (0..n)
        .map(|i| {
            let year = rng.i32(2013..=2023);
            let date = NaiveDate::from_ymd_opt(year, 1, 1).unwrap() + Days::new(rng.u64(0..365));
            let form = Form::ALL[rng.usize(..Form::ALL.len())];
            Identification {
                case_ref: Ref::parse(&format!("C{i:08}")).unwrap(),
                person_ref: Ref::parse(&format!("P{:08}", rng.usize(..persons))).unwrap(),
                decision_date: date,
                authority: Authority::ALL[rng.usize(..3)],
                outcome: if rng.u8(..10) < 8 {
                    Outcome::Identified
                } else {
                    Outcome::NotIdentified
                },
                referral_actor: Some(Code::new_unchecked(ACTORS[rng.usize(..ACTORS.len())])),
                exploitation_form: Some(form),
                exploitation_subtype: (form == Form::ForcedLabour)
                    .then(|| Code::new_unchecked("construction")),
                gender: Gender::ALL[rng.usize(..Gender::ALL.len())],
                age: (rng.u8(..20) > 0).then(|| rng.u8(14..70)),
                nationality: Country::new_unchecked(NATS[rng.usize(..NATS.len())]),
                return_date: (rng.u8(..4) == 0).then(|| date + Days::new(rng.u64(0..200))),
                return_country: Some(Country::new_unchecked(NATS[rng.usize(..NATS.len())])),
            }
        })
        .collect();
    let hotline_calls: Vec<HotlineCall> = (0..n / 10)
        .map(|i| HotlineCall {
            call_ref: Ref::parse(&format!("H{i:08}")).unwrap(),
            received_at: spor_core::parse_timestamp(&format!(
                "{}-03-01T10:00:00",
                rng.i32(2019..=2023)
            ))
            .unwrap(),
            caller_type: spor_core::CallerType::Police,
            concerns_possible_victim: rng.bool(),
            topic: None,
        })
        .collect();
    let reg = Register {
        identifications,
        hotline_calls,
        ..Register::default()
    };
    eprintln!("generated {n} decisions in {:.2?}", t.elapsed());
    for _ in 0..3 {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let r = spor_stats::evaluate(&reg, 2023).unwrap();
        eprintln!(
            "evaluate: {:.2?} wall, {:.2} s CPU ({} victims in 2023)",
            t.elapsed(),
            cpu_seconds() - cpu,
            r.facts.victims.map_or("–".to_owned(), |v| v.to_string())
        );
    }
}

/// User + system CPU time of this process (Linux), so a busy machine does not skew it.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}
