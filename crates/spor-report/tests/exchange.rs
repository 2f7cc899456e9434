//! The exchanges' renderings of the demo register (synthetic): the Eurostat workbook in
//! Danish with Eurostat's codes, its CSV with the marginal tables, a table exchange's JSON.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use spor_core::Mappings;
use spor_stats::exchange::{ExchangeReport, exchange};

fn demo(name: &str) -> ExchangeReport {
    let reg = spor_demo::register();
    let cols = spor_stats::Columns::of_register(&reg);
    spor_stats::evaluate_exchange(
        &reg,
        &cols,
        2023,
        exchange(name).unwrap(),
        Mappings::builtin(),
    )
    .unwrap()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn the_eurostat_workbook_has_its_rows_and_marginal_tables_with_danish_headers_and_eurostat_codes() {
    let report = demo("eurostat");
    let at = chrono::DateTime::parse_from_rfc3339("2024-02-01T09:30:00Z")
        .unwrap()
        .to_utc();
    let bytes = spor_report::exchange::xlsx(&report, at).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Om tallene",
            "Rækker",
            "Køn",
            "Alder",
            "Statsborgerskab",
            "Udnyttelse"
        ]
    );
    let rows: Vec<Vec<String>> = wb
        .worksheet_range("Rækker")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert_eq!(
        rows[1],
        [
            "Køn (sex)",
            "Alder (age)",
            "Statsborgerskab (citizen)",
            "Udnyttelse (exploitation)",
            "Antal (value)"
        ]
    );
    assert_eq!(rows[2], ["F", "Y_LT18", "NEU27", "OTH", "1"]);
    assert_eq!(
        rows.last().unwrap(),
        &["T", "TOTAL", "TOTAL", "TOTAL", "112"]
    );
    assert!(rows.contains(&vec![
        "T".into(),
        "TOTAL".into(),
        "NAT".into(),
        "TOTAL".into(),
        "3".into()
    ]));

    let citizen: Vec<Vec<String>> = wb
        .worksheet_range("Statsborgerskab")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert_eq!(citizen[2], ["Indberetterlandets statsborgere", "NAT", "3"]);
    assert_eq!(citizen.last().unwrap(), &["I alt", "", "112"]);
    let about: Vec<String> = wb
        .worksheet_range("Om tallene")
        .unwrap()
        .rows()
        .flatten()
        .map(text)
        .collect();
    assert!(about.contains(&"DK".to_owned()), "{about:?}");
    assert!(
        about.contains(&"1. februar 2024 kl. 10.30".to_owned()),
        "{about:?}"
    );
}

#[test]
fn the_eurostat_csv_gives_the_rows_then_the_marginal_tables_with_t_and_total() {
    let csv = String::from_utf8(spor_report::exchange::csv(&demo("eurostat")).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "year,country,sex,age,citizen,exploitation,value");
    assert_eq!(lines[1], "2023,DK,F,Y_LT18,NEU27,OTH,1");
    // 16 rows, then 3 + 3 + 4 + 4 marginal categories and the grand total.
    assert_eq!(lines.len(), 1 + 16 + 14 + 1);
    assert_eq!(lines[17], "2023,DK,F,TOTAL,TOTAL,TOTAL,77");
    assert!(lines.contains(&"2023,DK,T,TOTAL,TOTAL,UNK,3"));
    assert_eq!(lines[lines.len() - 1], "2023,DK,T,TOTAL,TOTAL,TOTAL,112");
}

#[test]
fn a_table_exchange_gives_its_tables_in_json_and_long_csv() {
    let report = demo("tip");
    let json: serde_json::Value =
        serde_json::from_str(&spor_report::exchange::json(&report)).unwrap();
    assert_eq!(json["exchange"], "tip");
    assert_eq!(json["country"], "DK");
    assert_eq!(
        json["tables"]["tip_victims"]["total"],
        serde_json::json!([112])
    );
    let csv = String::from_utf8(spor_report::exchange::csv(&report).unwrap()).unwrap();
    assert!(csv.starts_with("table,row,row_label,column,column_label,value\n"));
    assert!(
        csv.contains("\ntip_victims_by_gender,transgender,Transkønnede,count,Antal,1\n"),
        "{csv}"
    );
}
