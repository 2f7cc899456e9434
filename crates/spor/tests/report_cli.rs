//! `spor report`, run as the real binary against a small SQLite register written through
//! the store.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use spor_core::{
    Authority, CallerType, Code, Country, Form, Gender, HistoryRow, HotlineCall, Identification,
    ImportBatch, Outcome, Ref, Series, parse_date, parse_timestamp,
};

fn ident(case: &str, person: &str, decided: &str, nationality: &str) -> Identification {
    Identification {
        case_ref: Ref::parse(case).unwrap(),
        person_ref: Ref::parse(person).unwrap(),
        decision_date: parse_date(decided).unwrap(),
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

/// A synthetic register: three victims in 2023 (one of them also in 2022), two calls, and
/// history for 2021.
fn write_register(db: &Path) {
    let batch = ImportBatch {
        identifications: vec![
            ident("C1", "P1", "2022-04-01", "NG"),
            ident("C2", "P1", "2023-04-01", "NG"),
            Identification {
                gender: Gender::Male,
                exploitation_form: Some(Form::ForcedLabour),
                exploitation_subtype: Some(Code::new_unchecked("construction")),
                ..ident("C3", "P2", "2023-05-01", "RO")
            },
            Identification {
                return_date: Some(parse_date("2023-10-01").unwrap()),
                return_country: Some(Country::new_unchecked("TH")),
                ..ident("C4", "P3", "2023-06-01", "TH")
            },
        ],
        hotline_calls: vec![
            HotlineCall {
                call_ref: Ref::parse("H1").unwrap(),
                received_at: parse_timestamp("2023-02-01T10:00:00").unwrap(),
                caller_type: CallerType::Police,
                concerns_possible_victim: true,
                topic: None,
            },
            HotlineCall {
                call_ref: Ref::parse("H2").unwrap(),
                received_at: parse_timestamp("2023-03-01T10:00:00").unwrap(),
                caller_type: CallerType::Citizen,
                concerns_possible_victim: false,
                topic: None,
            },
        ],
        history: vec![HistoryRow {
            series: Series::Victims,
            year: 2021,
            category: None,
            count: Some(5),
        }],
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
        .output()
        .unwrap()
}

#[test]
fn report_prints_the_overview_as_json_in_the_shape_of_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);

    let out = spor(&db, &["report", "--year", "2023", "--format", "json"]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();

    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    // Every fact's definition follows the facts; nothing is revised (no release).
    assert_eq!(keys, ["year", "tables", "facts", "fact_definitions"]);
    let definitions = v["fact_definitions"].as_object().unwrap();
    let facts: Vec<&String> = v["facts"].as_object().unwrap().keys().collect();
    assert_eq!(definitions.keys().collect::<Vec<_>>(), facts);
    assert!(
        definitions["victims"]["da"]
            .as_str()
            .unwrap()
            .starts_with("Tallet for året i rækken «Personer vurderet udsat for menneskehandel»"),
        "{}",
        definitions["victims"]
    );
    assert_eq!(v["year"], 2023);
    let tables = v["tables"].as_object().unwrap();
    assert_eq!(tables.len(), 19);
    for (id, t) in tables {
        let t = t.as_object().unwrap();
        let keys: Vec<&str> = t.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["title", "columns", "column_keys", "rows", "total"],
            "{id}"
        );
        let ncols = t["columns"].as_array().unwrap().len();
        assert_eq!(t["column_keys"].as_array().unwrap().len(), ncols, "{id}");
        assert_eq!(t["total"].as_array().unwrap().len(), ncols, "{id}");
        for row in t["rows"].as_array().unwrap() {
            assert!(row["key"].is_string() && row["label"].is_string(), "{id}");
            assert_eq!(row["values"].as_array().unwrap().len(), ncols, "{id}");
        }
    }

    // The figures of this register.
    assert_eq!(v["facts"]["victims"], 3);
    assert_eq!(v["facts"]["repeat_victims"], 1);
    assert_eq!(v["facts"]["hotline_calls"], 2);
    assert_eq!(v["facts"]["returns"], 1);
    assert_eq!(v["facts"]["victims_change_pct"], 200.0);
    let by_year = &v["tables"]["victims_by_year"];
    assert_eq!(
        by_year["column_keys"],
        serde_json::json!(["2021", "2022", "2023"])
    );
    assert_eq!(by_year["rows"][0]["values"], serde_json::json!([5, 1, 3]));
    let nat = &v["tables"]["victims_by_nationality"];
    assert_eq!(nat["rows"][0]["label"], "Nigeria");
    assert_eq!(nat["total"], serde_json::json!([3]));
    let nested = &v["tables"]["victims_by_nationality_gender_age_form"]["rows"];
    assert_eq!(nested[0]["children"][0]["key"], "female/adult");
    assert_eq!(nested[0]["children"][0]["children"][0]["key"], "sexual");
}

#[test]
fn report_writes_the_json_to_the_out_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);
    let file = dir.path().join("overview-2023.json");
    let out = spor(
        &db,
        &["report", "--year", "2023", "--out", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["facts"]["victims"], 3);
}

#[test]
fn report_for_a_year_without_data_fails_naming_the_years_that_have_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);
    let out = spor(&db, &["report", "--year", "2030"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no data for 2030") && err.contains("2021–2023"),
        "stderr: {err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn report_in_xlsx_without_out_is_refused_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);
    let out = spor(&db, &["report", "--year", "2023", "--format", "xlsx"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--out overview-2023.xlsx"), "stderr: {err}");
}

#[test]
fn report_writes_html_xlsx_and_one_csv_per_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    write_register(&db);

    let out = spor(&db, &["report", "--year", "2023", "--format", "html"]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(
        html.contains("<svg") && html.contains("2023"),
        "not the HTML edition"
    );

    let xlsx = dir.path().join("overview-2023.xlsx");
    let out = spor(
        &db,
        &[
            "report",
            "--year",
            "2023",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An XLSX file is a zip archive.
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");

    let csv_dir = dir.path().join("csv");
    let out = spor(
        &db,
        &[
            "report",
            "--year",
            "2023",
            "--format",
            "csv",
            "--out",
            csv_dir.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<String> = std::fs::read_dir(&csv_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files.len(), 19);
    assert!(files.contains(&"victims_by_nationality.csv".to_string()));
}
