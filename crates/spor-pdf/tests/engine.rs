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

/// A word of `pdftotext -bbox` output: its text and box (points, y downwards).
#[derive(Debug)]
struct Word {
    text: String,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

/// The words of every page, from `pdftotext -bbox` (poppler-utils).
fn words_by_page(pdf: &[u8]) -> Vec<Vec<Word>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (Debian's poppler-utils)");
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).expect("a box attribute") + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    html.split("<page ")
        .skip(1)
        .map(|page| {
            page.split("<word ")
                .skip(1)
                .map(|w| {
                    let (tag, rest) = w.split_once('>').unwrap();
                    let text = rest.split("</word>").next().unwrap();
                    Word {
                        text: text.replace("&amp;", "&"),
                        x0: attr(tag, "xMin"),
                        y0: attr(tag, "yMin"),
                        x1: attr(tag, "xMax"),
                        y1: attr(tag, "yMax"),
                    }
                })
                .collect()
        })
        .collect()
}

/// Whether two words are printed over each other: their boxes share more than a sliver
/// across (a tenth of a point) and more than a quarter of a line's height down (the
/// boxes of neighbouring lines, ascent to descent, touch).
fn overlap(a: &Word, b: &Word) -> bool {
    let dx = a.x1.min(b.x1) - a.x0.max(b.x0);
    let dy = a.y1.min(b.y1) - a.y0.max(b.y0);
    let line = (a.y1 - a.y0).min(b.y1 - b.y0);
    dx > 0.1 && dy > 0.25 * line
}

#[test]
fn the_gender_by_form_tables_print_every_label_whole_and_no_header_over_its_neighbour() {
    let report = spor_stats::evaluate(&spor_demo::register(), 2023).unwrap();
    let pdf = render(&report, &meta()).unwrap();
    let pages = words_by_page(&pdf);
    let ids = [
        "victims_by_gender_form",
        "minors_by_gender_form",
        "under25_by_gender_form",
    ];
    // Each table's header: the stub "Køn" with the one-word heading "Tvangsarbejde" on
    // its line (headings are set at the bottom of the header row).
    let headers: Vec<(&Vec<Word>, &Word)> = pages
        .iter()
        .flat_map(|words| {
            words
                .iter()
                .filter(|k| {
                    k.text == "Køn"
                        && words
                            .iter()
                            .any(|w| w.text == "Tvangsarbejde" && (w.y1 - k.y1).abs() < 3.0)
                })
                .map(move |k| (words, k))
        })
        .collect();
    assert_eq!(
        headers.len(),
        ids.len(),
        "one header per gender × form table"
    );
    let mut checked = Vec::new();
    for (page, stub) in headers {
        // The table: from the header's wrapped headings (up to three lines above its
        // baseline) down to its total row, the first "I" of the label column below.
        let top = stub.y0 - 3.0 * (stub.y1 - stub.y0);
        let in_label_column = |w: &&Word| (w.x0 - stub.x0).abs() < 1.0 && w.y0 > stub.y1 - 1.0;
        let total = page
            .iter()
            .filter(in_label_column)
            .find(|w| w.text == "I")
            .expect("an \"I alt\" row under the header");
        let cells: Vec<&Word> = page
            .iter()
            .filter(|w| w.y0 >= top && w.y1 <= total.y1 + 0.5)
            .collect();
        for (i, a) in cells.iter().enumerate() {
            for b in &cells[i + 1..] {
                assert!(
                    !overlap(a, b),
                    "{:?} is printed over {:?}\n{a:?}\n{b:?}",
                    a.text,
                    b.text
                );
            }
        }
        // The label column holds each row's label whole, on one line (not "Kvin-", "de"),
        // then "I alt" on one line.
        let labels: Vec<&str> = page
            .iter()
            .filter(in_label_column)
            .take_while(|w| w.y0 <= total.y0)
            .map(|w| w.text.as_str())
            .collect();
        let id = ids
            .iter()
            .find(|id| {
                let rows = report.tables[**id].rows.iter().map(|r| r.label.as_str());
                labels.iter().copied().eq(rows.chain(["I"]))
            })
            .unwrap_or_else(|| panic!("labels broken or unknown: {labels:?}"));
        assert!(
            page.iter()
                .any(|w| w.text == "alt" && (w.y0 - total.y0).abs() < 1.0),
            "{id}: \"I alt\" is broken over two lines"
        );
        checked.push(*id);
    }
    // Two tables may have the same rows (under 25 and under 18): each header is matched
    // to the first table with its labels.
    assert_eq!(checked.len(), ids.len());
}
