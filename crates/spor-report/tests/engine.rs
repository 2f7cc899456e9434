//! The renderers on the real engine's output: the demo register evaluated by
//! `spor_stats::evaluate` renders in every format, with the edition's headlines.

use chrono::TimeZone;
use spor_report::{Meta, sections};
use spor_stats::Report;

fn demo_report(year: i32) -> Report {
    spor_stats::evaluate(&spor_demo::register(), year).unwrap()
}

fn meta() -> Meta {
    Meta::new(
        chrono::Utc.with_ymd_and_hms(2024, 2, 1, 9, 30, 0).unwrap(),
        None,
    )
}

#[test]
fn the_demo_registers_2023_report_gives_the_editions_headlines() {
    let report = demo_report(2023);
    let secs = sections(&report);
    if let Ok(dir) = std::env::var("SPOR_REPORT_PREVIEW") {
        // For looking at the real thing: write the HTML and print the narrative.
        std::fs::write(
            format!("{dir}/demo-2023.html"),
            spor_report::html::render(&report, &meta()).unwrap(),
        )
        .unwrap();
        for s in &secs {
            println!(
                "## [{}] {}\n   {}",
                s.id,
                s.headline,
                s.paragraphs.join("\n   ")
            );
        }
    }
    let ids: Vec<&str> = secs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "hotline",
            "assessed",
            "victims",
            "referral",
            "forms",
            "forced_labour",
            "forced_criminality",
            "form_series",
            "age",
            "gender",
            "gender_series",
            "nationality",
            "returns",
            "authority",
            "overview"
        ]
    );
    let headline = |id: &str| secs.iter().find(|s| s.id == id).unwrap().headline.clone();
    assert_eq!(
        headline("victims"),
        "112 personer vurderet udsat for menneskehandel"
    );
    assert_eq!(headline("hotline"), "Mere end 500 opkald på hotlinen");
    assert_eq!(
        headline("assessed"),
        "290 personer er udredt for menneskehandel"
    );
    assert_eq!(
        headline("forms"),
        "Mere end halvdelen er udnyttet til seksuel udnyttelse"
    );
    assert_eq!(headline("age"), "Knap hver fjerde er under 25 år");
    assert_eq!(headline("gender"), "Kvinder udgør to tredjedele");
    assert_eq!(headline("nationality"), "En tredjedel kommer fra to lande");
    let victims = secs.iter().find(|s| s.id == "victims").unwrap();
    assert!(
        victims
            .paragraphs
            .iter()
            .any(|p| p
                .contains("en stigning på 53 pct. fra året før og det højeste antal siden 2016")),
        "{:?}",
        victims.paragraphs
    );
}

#[test]
fn the_demo_registers_report_renders_as_html_xlsx_and_csv() {
    let report = demo_report(2023);
    let html = spor_report::html::render(&report, &meta()).unwrap();
    assert!(html.contains("Oversigt over personer udsat for menneskehandel i Danmark, 2023"));
    assert!(html.contains("Registerets seneste ændring: ikke kendt"));
    let bytes = spor_report::xlsx::to_bytes(&report, &meta()).unwrap();
    assert!(bytes.len() > 10_000);
    let dir = tempfile::tempdir().unwrap();
    let files = spor_report::csv::write_dir(&report, dir.path()).unwrap();
    assert_eq!(files.len(), report.tables.len());
}

#[test]
fn an_earlier_year_renders_with_its_own_numbers() {
    let report = demo_report(2022);
    let secs = sections(&report);
    let victims = secs.iter().find(|s| s.id == "victims").unwrap();
    assert_eq!(
        victims.headline,
        "73 personer vurderet udsat for menneskehandel"
    );
    spor_report::html::render(&report, &meta()).unwrap();
    spor_report::xlsx::to_bytes(&report, &meta()).unwrap();
}
