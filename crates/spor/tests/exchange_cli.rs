//! `spor exchange` and `spor codes mapping|map`, run as the real binary against a small
//! synthetic SQLite register written through the store.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use spor_core::{
    Authority, Code, Country, Form, Gender, Identification, ImportBatch, Outcome, Ref, parse_date,
};

fn ident(case: &str, person: &str, nationality: &str) -> Identification {
    Identification {
        case_ref: Ref::parse(case).unwrap(),
        person_ref: Ref::parse(person).unwrap(),
        decision_date: parse_date("2023-04-01").unwrap(),
        authority: Authority::Cmm,
        outcome: Outcome::Identified,
        referral_actor: Some(Code::new_unchecked("police")),
        exploitation_form: Some(Form::Sexual),
        exploitation_subtype: None,
        gender: Gender::Female,
        age: Some(29),
        nationality: Country::new_unchecked(nationality),
        return_date: None,
        return_country: None,
    }
}

/// Three victims of 2023: Nigerian and Thai women (sexual exploitation), a Romanian man
/// (forced labour).
fn write_register(db: &Path) {
    let batch = ImportBatch {
        identifications: vec![
            ident("C1", "P1", "NG"),
            Identification {
                gender: Gender::Male,
                exploitation_form: Some(Form::ForcedLabour),
                ..ident("C2", "P2", "RO")
            },
            ident("C3", "P3", "TH"),
        ],
        ..ImportBatch::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = spor_store::open(db.to_str().unwrap()).await.unwrap();
        store.apply_import(&batch).await.unwrap();
    });
}

fn spor(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spor"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SPOR_DB")
        .env_remove("SPOR_AUDIT_KEY_FILE")
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn exchange_eurostat_prints_the_rows_and_a_mapping_edit_changes_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);

    let out = ok(&spor(&db, &["exchange", "eurostat", "--year", "2023"]));
    let v: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["year", "country", "rows"]);
    assert_eq!(
        v,
        json!({"year": 2023, "country": "DK", "rows": [
            {"sex": "F", "age": "Y_GE18", "citizen": "NEU27", "exploitation": "SEX", "value": 2},
            {"sex": "M", "age": "Y_GE18", "citizen": "EU27_FOR", "exploitation": "LAB", "value": 1},
        ]})
    );

    let csv = ok(&spor(
        &db,
        &["exchange", "eurostat", "--year", "2023", "--format", "csv"],
    ));
    assert!(csv.contains("\n2023,DK,M,TOTAL,TOTAL,TOTAL,1\n"), "{csv}");
    assert!(csv.ends_with("\n2023,DK,T,TOTAL,TOTAL,TOTAL,3\n"), "{csv}");

    // Romania reports: the Romanian man is a national.
    ok(&spor(&db, &["codes", "map", "reporting_country", "RO"]));
    let listed = ok(&spor(&db, &["codes", "mapping"]));
    assert!(listed.starts_with("reporting_country = RO\n"), "{listed}");
    ok(&spor(
        &db,
        &["codes", "map", "eurostat_exploitation/sexual", "OTH"],
    ));
    let shown = ok(&spor(&db, &["codes", "mapping", "eurostat_exploitation"]));
    assert!(shown.contains("sexual\tOTH\tchanged\n"), "{shown}");
    let v: Value =
        serde_json::from_str(&ok(&spor(&db, &["exchange", "eurostat", "--year", "2023"]))).unwrap();
    assert_eq!(v["country"], "RO");
    assert_eq!(
        v["rows"],
        json!([
            {"sex": "F", "age": "Y_GE18", "citizen": "NEU27", "exploitation": "OTH", "value": 2},
            {"sex": "M", "age": "Y_GE18", "citizen": "NAT", "exploitation": "LAB", "value": 1},
        ])
    );
    ok(&spor(
        &db,
        &["codes", "map", "eurostat_exploitation/sexual", "--builtin"],
    ));
    let shown = ok(&spor(&db, &["codes", "mapping", "eurostat_exploitation"]));
    assert!(shown.contains("sexual\tSEX\tbuilt-in\n"), "{shown}");

    let xlsx = dir.path().join("eurostat-2023.xlsx");
    ok(&spor(
        &db,
        &[
            "exchange",
            "eurostat",
            "--year",
            "2023",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}

#[test]
fn bad_exchange_arguments_are_refused_saying_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);
    for (args, says) in [
        (
            &["exchange", "eurostats", "--year", "2023"][..],
            "unknown exchange `eurostats`; known exchanges: eurostat, unodc, tip, greta, ctdc, htcds",
        ),
        (
            &["exchange", "ctdc", "--year", "2023", "--k", "4"][..],
            "--k 4: k = 4 is too small",
        ),
        (
            &["exchange", "htcds", "--year", "1990"][..],
            "has data for 2023",
        ),
        (
            &["exchange", "eurostat", "--year", "2023", "--k", "11"][..],
            "--k applies to the ctdc exchange only",
        ),
        (
            &["exchange", "tip", "--year", "2023", "--format", "xlsx"][..],
            "--format xlsx needs --out (a file), e.g. --out tip-2023.xlsx",
        ),
        (
            &["exchange", "greta", "--year", "1990"][..],
            "has data for 2023",
        ),
        (
            &["codes", "map", "eurostat_sex/female", "W"][..],
            "`W` is not a category of `eurostat_sex`; accepted: F, M, UNK",
        ),
        (
            &["codes", "map", "eurostat_sex/woman", "F"][..],
            "`woman` is not a code of gender",
        ),
        (
            &["codes", "mapping", "eurostat"][..],
            "unknown map `eurostat`; known maps: ctdc_gender, eurostat_age",
        ),
    ] {
        let out = spor(&db, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn the_person_level_exchanges_are_written_and_each_is_audited_as_an_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);
    // Three victims, each a combination of their own: at k = 5 none can stay.
    let out = spor(
        &db,
        &[
            "exchange", "ctdc", "--year", "2023", "--format", "csv", "--k", "5",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("# victims=3; k=5; rows=0; generalised=0;"),
        "{csv}"
    );
    assert!(lines[0].contains("dropped=3"), "{csv}");
    assert!(lines[1].starts_with("yearOfRegistration,gender,ageBroad,citizenship,"));
    assert_eq!(lines.len(), 2, "{csv}");

    let out = spor(
        &db,
        &["exchange", "htcds", "--year", "2023", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut citizenships: Vec<&str> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["prs_Citizenship"].as_str().unwrap())
        .collect();
    citizenships.sort_unstable();
    assert_eq!(citizenships, ["NGA", "ROU", "THA"]);

    let trail = spor(&db, &["audit", "list"]);
    let trail = String::from_utf8_lossy(&trail.stdout);
    assert!(trail.contains("exchange:ctdc:2023"), "{trail}");
    assert!(trail.contains("exchange:htcds:2023"), "{trail}");
}
