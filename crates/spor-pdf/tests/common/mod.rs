//! Inputs for the PDF tests: the published 2023 figures (`spor_report::sample`)
//! with the publication model's sections, and the edge cases (long labels,
//! labels full of markup characters, empty years).

#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use indexmap::IndexMap;
use spor_pdf::Meta;
use spor_stats::{Report, Row};

pub fn meta() -> Meta {
    Meta::new(
        Utc.with_ymd_and_hms(2024, 3, 1, 8, 30, 0).unwrap(),
        Some(Utc.with_ymd_and_hms(2024, 2, 27, 14, 5, 9).unwrap()),
    )
}

/// The 2023 edition's figures.
pub fn report() -> Report {
    spor_report::sample::report_2023()
}

/// A new referral actor with a 60-character name.
pub const LONG_ACTOR: &str = "Tværkommunalt koordineringsteam for udsatte arbejdstagere Øst";

/// The 2023 report with one more referral actor, `n` victims, second in the
/// table (the total grows with it).
pub fn report_with_referral(label: &str, n: u64) -> Report {
    let mut report = report();
    let table = report
        .tables
        .get_mut("victims_by_referral")
        .expect("the sample has the referral table");
    table.rows.insert(
        1,
        Row {
            key: "new_actor".to_owned(),
            label: label.to_owned(),
            values: vec![Some(n)],
            children: Vec::new(),
        },
    );
    if let Some(Some(total)) = table.total.first_mut() {
        *total += n;
    }
    report
}

/// A year with nothing in it.
pub fn empty_report(year: i32) -> Report {
    Report {
        year,
        tables: IndexMap::new(),
        facts: spor_stats::Facts {
            victims: Some(0),
            hotline_calls: Some(0),
            assessed_persons: Some(0),
            ..Default::default()
        },
        disclosure_note: None,
        revisions: Vec::new(),
    }
}
