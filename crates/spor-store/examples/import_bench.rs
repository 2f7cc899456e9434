//! The store's import alone, SQLite against PostgreSQL, on a synthetic register made in
//! this process (no CSV reading or checking: what `Store::apply_import` takes).
//!
//! ```sh
//! cargo run --release -p spor-store --example import_bench -- \
//!     postgres://postgres@127.0.0.1:5432/postgres 1000000 3
//! ```
//!
//! Arguments: the server's URL (a database `spor_bench_<random>` is created for each round
//! and dropped after it), the number of decisions (assessments and calls a quarter of it
//! each) and the number of rounds. Each round imports the register into a fresh SQLite
//! file and a fresh PostgreSQL database one after the other, then imports it once more into
//! each (every row unchanged but a tenth of the decisions); it prints every time and the
//! medians.

use std::time::{Duration, Instant};

use chrono::{FixedOffset, NaiveDate, TimeZone};
use spor_core::{
    Assessment, Authority, CallerType, Code, Country, Form, Gender, HistoryRow, HotlineCall,
    Identification, ImportBatch, Outcome, Ref, Series, Topic,
};
use spor_store::Store;
use sqlx::Connection as _;

fn register(decisions: usize, seed: u64) -> ImportBatch {
    let mut rng = fastrand::Rng::with_seed(seed);
    let countries = [
        "NG", "TH", "RO", "UA", "VN", "PH", "MA", "UG", "BR", "DK", "SE", "PL",
    ];
    let actors = ["police", "ngo", "social_services", "health", "self"];
    let day = |rng: &mut fastrand::Rng| {
        NaiveDate::from_ymd_opt(rng.i32(2007..=2023), rng.u32(1..=12), rng.u32(1..=28)).unwrap()
    };
    let persons = (decisions * 4 / 5).max(1);
    let identifications = (0..decisions)
        .map(|i| {
            let identified = rng.u8(..10) < 8;
            Identification {
                case_ref: Ref::parse(&format!("D{i:08}")).unwrap(),
                person_ref: Ref::parse(&format!("P{:08}", rng.usize(..persons))).unwrap(),
                decision_date: day(&mut rng),
                authority: *rng
                    .choice(&[Authority::Cmm, Authority::ImmigrationService])
                    .unwrap(),
                outcome: if identified {
                    Outcome::Identified
                } else {
                    Outcome::NotIdentified
                },
                referral_actor: identified
                    .then(|| Code::new_unchecked(rng.choice(actors).unwrap())),
                exploitation_form: identified.then(|| *rng.choice(Form::ALL).unwrap()),
                exploitation_subtype: None,
                gender: *rng.choice(Gender::ALL).unwrap(),
                age: (rng.u8(..20) > 0).then(|| rng.u8(12..=70)),
                nationality: Country::new_unchecked(rng.choice(countries).unwrap()),
                return_date: (identified && rng.u8(..4) == 0).then(|| day(&mut rng)),
                return_country: None,
            }
        })
        .collect();
    let assessments = (0..decisions / 4)
        .map(|i| Assessment {
            assessment_ref: Ref::parse(&format!("A{i:08}")).unwrap(),
            person_ref: Ref::parse(&format!("P{:08}", rng.usize(..persons))).unwrap(),
            interview_date: day(&mut rng),
            gender: *rng.choice(Gender::ALL).unwrap(),
            age: Some(rng.u8(14..=70)),
            nationality: Country::new_unchecked(rng.choice(countries).unwrap()),
        })
        .collect();
    let cet = FixedOffset::east_opt(3600).unwrap();
    let hotline_calls = (0..decisions / 4)
        .map(|i| HotlineCall {
            call_ref: Ref::parse(&format!("H{i:08}")).unwrap(),
            received_at: cet
                .from_local_datetime(
                    &day(&mut rng)
                        .and_hms_opt(rng.u32(8..=20), rng.u32(..60), 0)
                        .unwrap(),
                )
                .unwrap(),
            caller_type: *rng
                .choice(&[CallerType::Organisation, CallerType::Citizen])
                .unwrap(),
            concerns_possible_victim: rng.bool(),
            topic: Some(*rng.choice(&[Topic::Suspicion, Topic::Knowledge]).unwrap()),
        })
        .collect();
    let history = (2007..2023)
        .map(|year| HistoryRow {
            series: Series::Victims,
            year,
            category: None,
            count: Some(rng.u64(10..200)),
        })
        .collect();
    ImportBatch {
        identifications,
        assessments,
        hotline_calls,
        history,
    }
}

async fn timed(store: &dyn Store, batch: &ImportBatch) -> Duration {
    let start = Instant::now();
    let summary = store.apply_import(batch).await.expect("import");
    let took = start.elapsed();
    assert!(summary.total().inserted + summary.total().updated + summary.total().unchanged > 0);
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let admin = args.get(1).expect("the PostgreSQL server's URL").clone();
    let decisions: usize = args
        .get(2)
        .map_or(1_000_000, |s| s.parse().expect("decisions"));
    let rounds: usize = args.get(3).map_or(3, |s| s.parse().expect("rounds"));
    let batch = register(decisions, 7);
    let mut again = batch.clone();
    for x in again.identifications.iter_mut().step_by(10) {
        x.age = Some(x.age.map_or(30, |a| a.saturating_add(1)));
    }
    println!(
        "{} decisions, {} assessments, {} calls, {} history rows",
        batch.identifications.len(),
        batch.assessments.len(),
        batch.hotline_calls.len(),
        batch.history.len()
    );
    let (mut sq, mut pg, mut sq2, mut pg2) = (vec![], vec![], vec![], vec![]);
    for round in 1..=rounds {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = spor_store::open(&dir.path().join("bench.db").display().to_string())
            .await
            .unwrap();
        let s1 = timed(&*sqlite, &batch).await;
        let s2 = timed(&*sqlite, &again).await;
        drop(sqlite);
        drop(dir);

        let name = format!("spor_bench_{:016x}", fastrand::u64(..));
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let postgres = spor_store::open(&format!("{base}/{name}")).await.unwrap();
        let p1 = timed(&*postgres, &batch).await;
        let p2 = timed(&*postgres, &again).await;
        drop(postgres);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        println!(
            "round {round}: first import SQLite {:.2} s, PostgreSQL {:.2} s ({:.2}x); re-import SQLite {:.2} s, PostgreSQL {:.2} s ({:.2}x)",
            s1.as_secs_f64(),
            p1.as_secs_f64(),
            p1.as_secs_f64() / s1.as_secs_f64(),
            s2.as_secs_f64(),
            p2.as_secs_f64(),
            p2.as_secs_f64() / s2.as_secs_f64(),
        );
        sq.push(s1);
        pg.push(p1);
        sq2.push(s2);
        pg2.push(p2);
    }
    let (s1, p1, s2, p2) = (median(sq), median(pg), median(sq2), median(pg2));
    println!(
        "median: first import SQLite {:.2} s, PostgreSQL {:.2} s ({:.2}x); re-import SQLite {:.2} s, PostgreSQL {:.2} s ({:.2}x)",
        s1.as_secs_f64(),
        p1.as_secs_f64(),
        p1.as_secs_f64() / s1.as_secs_f64(),
        s2.as_secs_f64(),
        p2.as_secs_f64(),
        p2.as_secs_f64() / s2.as_secs_f64(),
    );
}
