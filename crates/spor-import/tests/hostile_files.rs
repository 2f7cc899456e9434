//! Files made to hurt the reader (issue 25, item 1): each is refused with a problem that
//! names its place, before it costs more memory or time than a register can need. The
//! fuzz targets (`fuzz/`) found or motivated each case; `crates/spor/tests/fuzz_inputs.rs`
//! runs the corpus and more hostile inputs through the same entry.

use std::io::{Cursor, Read, Write};

use spor_core::CodeBook;
use spor_import::{Refusal, read_bytes};

fn refuse(name: &str, bytes: &[u8]) -> Refusal {
    match read_bytes(name, bytes, &CodeBook::builtin()) {
        Ok(i) => panic!("{name}: accepted {} records", i.batch.len()),
        Err(r) => r,
    }
}

/// A workbook with one sheet, `identifications`, holding `rows` (the first is the header).
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("identifications").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

/// `xlsx` with the part `name` replaced by `content`, packed with deflate.
fn with_part(xlsx: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(content.len() > u32::MAX as usize);
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let part_name = part.name().unwrap().to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        out.start_file(part_name.as_str(), options).unwrap();
        if part_name == name {
            out.write_all(content).unwrap();
        } else {
            out.write_all(&bytes).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

const SHEET: &str = "xl/worksheets/sheet1.xml";

#[test]
fn a_workbook_part_that_unpacks_to_hundreds_of_times_its_size_is_refused_as_a_zip_bomb_naming_the_part()
 {
    let good = workbook(&[&["case_ref"]]);
    // 64 MiB of one repeated row: deflate packs it about a thousand times.
    let mut xml = Vec::with_capacity(64 << 20);
    xml.extend_from_slice(b"<worksheet><sheetData>");
    while xml.len() < 64 << 20 {
        xml.extend_from_slice(b"<row/>");
    }
    xml.extend_from_slice(b"</sheetData></worksheet>");
    let bomb = with_part(&good, SHEET, &xml);
    assert!(
        bomb.len() < 1 << 20,
        "the bomb packs to {} bytes",
        bomb.len()
    );
    let r = refuse("register.xlsx", &bomb);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let p = &r.problems[0];
    assert_eq!(p.file, "register.xlsx");
    assert!(
        p.expected.contains(&format!("part `{SHEET}`")) && p.expected.contains("zip bomb"),
        "{}",
        p.expected
    );
}

#[test]
fn a_large_workbook_as_a_spreadsheet_program_saves_it_passes_the_zip_bomb_guard() {
    // The guard's other side: 20,000 decisions, a sheet of several MiB (so held to the
    // ratio), packed as rust_xlsxwriter (and Excel) pack it.
    let header = [
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
    ];
    let rows: Vec<Vec<String>> = (0..20_000)
        .map(|i| {
            let case = format!("C-{i:06}");
            let person = format!("P-{:06}", (i * 7919) % 100_000);
            let age = (18 + i % 50).to_string();
            [
                case.as_str(),
                &person,
                "2023-04-17",
                "cmm",
                "identified",
                "police",
                "sexual",
                "",
                "female",
                &age,
                "NG",
                "",
                "",
            ]
            .map(str::to_string)
            .to_vec()
        })
        .collect();
    let mut all: Vec<Vec<&str>> = vec![header.to_vec()];
    all.extend(rows.iter().map(|r| r.iter().map(String::as_str).collect()));
    let refs: Vec<&[&str]> = all.iter().map(Vec::as_slice).collect();
    let xlsx = workbook(&refs);
    let unpacked = {
        let mut zip = zip::ZipArchive::new(Cursor::new(&xlsx)).unwrap();
        zip.by_name(SHEET).unwrap().size()
    };
    assert!(unpacked > 1 << 20, "the sheet unpacks to {unpacked} bytes");
    match read_bytes("register.xlsx", &xlsx, &CodeBook::builtin()) {
        Ok(i) => assert_eq!(i.batch.identifications.len(), 20_000),
        Err(r) => panic!(
            "{:?}",
            r.problems
                .iter()
                .take(3)
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
        ),
    }
}

#[test]
fn a_sheet_cell_beyond_column_xfd_is_refused_naming_the_part_and_the_reference() {
    let good = workbook(&[&["case_ref"]]);
    // XFE is column 16,385: no spreadsheet program saves it; read, it would be a row buffer
    // that wide for every row.
    let xml = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>case_ref</t></is></c></row><row r="2"><c r="XFE2" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    let r = refuse("register.xlsx", &with_part(&good, SHEET, xml));
    // Refused before calamine reads the sheet (the reference check of the zip-bomb guard);
    // the reader's own check of each cell's column stays behind it.
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(
        r.problems[0].expected.starts_with(&format!(
            "the workbook's part `{SHEET}` has a cell reference `XFE2` that is no cell of a sheet (columns A to XFD"
        )),
        "{}",
        r.problems[0].expected
    );
}

#[test]
fn a_header_of_a_million_unknown_columns_is_refused_in_a_few_readable_problems() {
    let mut csv = String::from("case_ref");
    for i in 0..1_000_000 {
        csv.push_str(&format!(",c{i}"));
    }
    csv.push('\n');
    let r = refuse("identifications.csv", csv.as_bytes());
    let unknown: Vec<_> = r
        .problems
        .iter()
        .filter(|p| p.expected.starts_with("unknown column"))
        .collect();
    assert_eq!(unknown.len(), 20, "the first 20 named one by one");
    assert_eq!(unknown[0].column.as_deref(), Some("c0"));
    let rest = r
        .problems
        .iter()
        .find(|p| p.expected.contains("more unknown columns"))
        .unwrap();
    assert!(
        rest.expected.starts_with(
            "999.980 more unknown columns after the 20 named above (1.000.000 in all)"
        ),
        "{}",
        rest.expected
    );
    assert_eq!(rest.line, Some(1));
    // The missing required columns are still named, each once.
    assert!(
        r.problems
            .iter()
            .any(|p| p.column.as_deref() == Some("nationality"))
    );
    assert!(r.problems.len() < 40, "{} problems", r.problems.len());
}

#[test]
fn a_file_given_as_bytes_is_read_as_the_same_file_on_disk() {
    let csv = "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country\r\nC-1,P-1,2023-04-17,cmm,identified,police,sexual,,female,33,NG,,\r\nC-2,P-2,2023-04-18,cmm,identified,police,sexual,,female,130,NG,,\r\n";
    let from_bytes = refuse("identifications.csv", csv.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("identifications.csv");
    std::fs::write(&path, csv).unwrap();
    let from_disk = match spor_import::read_paths(
        &[&path],
        &CodeBook::builtin(),
        &spor_import::ReadOptions::default(),
    ) {
        Ok(_) => panic!("accepted"),
        Err(r) => r,
    };
    let text = |r: &Refusal| -> Vec<String> {
        r.problems
            .iter()
            .map(|p| {
                let s = p.to_string();
                s[s.find(", line").unwrap_or(0)..].to_string()
            })
            .collect()
    };
    assert_eq!(text(&from_bytes), text(&from_disk));
    let places: Vec<_> = from_bytes
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_deref()))
        .collect();
    assert_eq!(places, vec![(Some(3), Some("age"))]);
}

#[test]
fn a_cell_reference_too_long_for_any_sheet_is_refused_naming_the_part_before_calamine_reads_it() {
    // Found by the `xlsx` fuzz target (fuzz/regressions/xlsx/calamine-reference-overflow):
    // calamine adds up a reference's digits without a bound and overflowed on this one (a
    // panic in a debug build, a cell put elsewhere in a release build).
    let good = workbook(&[&["case_ref"]]);
    for (reference, why) in [
        ("A99999999999", "a row past u32"),
        ("ZZZZZZZZ1", "a column past u32"),
        ("A1048577", "the row after the last"),
        ("XFE1", "the column after XFD"),
        ("A1:B2C", "a range with a bad end"),
    ] {
        let xml = format!(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="{reference}" t="inlineStr"><is><t>case_ref</t></is></c></row></sheetData></worksheet>"#
        );
        let r = refuse("register.xlsx", &with_part(&good, SHEET, xml.as_bytes()));
        assert_eq!(r.problems.len(), 1, "{why}: {:?}", r.problems);
        assert!(
            r.problems[0].expected.starts_with(&format!(
                "the workbook's part `{SHEET}` has a cell reference `{reference}` that is no cell of a sheet"
            )),
            "{why}: {}",
            r.problems[0].expected
        );
    }
    // The fuzzer's own input.
    let found = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/regressions/xlsx/calamine-reference-overflow"),
    )
    .unwrap();
    let r = refuse("register.xlsx", &found);
    assert!(
        r.problems
            .iter()
            .any(|p| p.expected.contains("that is no cell of a sheet")),
        "{:?}",
        r.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>()
    );
}

#[test]
fn a_workbook_part_damaged_after_a_long_reference_is_refused_as_damaged() {
    // Found by the `xlsx` fuzz target after the reference check came in: a sheet whose
    // deflate data is damaged just past a long reference. The check stopped at the damage
    // and let the part through; calamine read up to the damage and overflowed on it.
    let found = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/regressions/xlsx/damaged-part-past-the-reference-check"),
    )
    .unwrap();
    let r = refuse("register.xlsx", &found);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(
        r.problems[0]
            .expected
            .starts_with("the workbook's part `xl/worksheets/")
            && r.problems[0].expected.contains("cannot be unpacked (")
            && r.problems[0].expected.contains("the workbook is damaged"),
        "{}",
        r.problems[0].expected
    );
}
