//! The PDF edition on the real engine's output: the demo register evaluated by
//! `spor_stats::evaluate`, for the demo year and for every year it has data.

use std::process::Command;

use chrono::TimeZone;
use spor_pdf::{Meta, PdfError, render};

fn meta() -> Meta {
    Meta::new(
        chrono::Utc.with_ymd_and_hms(2024, 2, 1, 9, 30, 0).unwrap(),
        Some(chrono::Utc.with_ymd_and_hms(2024, 1, 31, 15, 0, 0).unwrap()),
    )
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (Debian's poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_demo_registers_2023_pdf_has_the_editions_figures() {
    let report = spor_stats::evaluate(&spor_demo::register(), 2023).unwrap();
    let pdf = render(&report, &meta()).unwrap();
    let text = pdftotext(&pdf);
    for want in [
        "Oversigt over personer udsat for menneskehandel i Danmark, 2023",
        "112 personer vurderet udsat for menneskehandel",
        "1.233",
        "Nigeria",
        "Ækvatorialguinea",
        "Sådan er tallene opgjort",
        "1. februar 2024 kl. 10.30",
        "31. januar 2024 kl. 16.00",
    ] {
        assert!(text.contains(want), "the demo PDF lacks {want:?}");
    }
}

#[test]
fn every_year_of_the_demo_register_typesets_or_says_it_has_no_data() {
    let register = spor_demo::register();
    let years = spor_stats::years_with_data(&register);
    assert!(years.len() > 10, "{years:?}");
    for year in years {
        let report = spor_stats::evaluate(&register, year).unwrap();
        match render(&report, &meta()) {
            Ok(pdf) => {
                let text = pdftotext(&pdf);
                let title = format!("i Danmark, {year}");
                assert!(text.contains(&title), "{year}: no title in the PDF");
            }
            Err(PdfError::NoData { year: y }) => assert_eq!(y, year),
            Err(e) => panic!("{year}: {e}"),
        }
    }
}
