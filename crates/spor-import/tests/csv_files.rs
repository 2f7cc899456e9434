//! CSV files as spreadsheet programs and scripts write them: CRLF and CR line ends, blank
//! lines, cells spanning lines, text that is not UTF-8. Whatever the file looks like, a
//! problem is reported on the line an editor shows it on (header = line 1).

use std::path::{Path, PathBuf};

use spor_core::CodeBook;
use spor_import::{ReadOptions, Refusal, Separator, read_paths};

const ID_HEADER: &str = "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country";

/// A valid identification row with the given case ref.
fn good(case: &str) -> String {
    format!("{case},P-{case},2023-04-17,cmm,identified,police,sexual,,female,33,NG,,")
}

/// An identification row whose outcome is not a code.
fn bad_outcome(case: &str) -> String {
    format!("{case},P-{case},2023-04-17,cmm,yes,police,sexual,,female,33,NG,,")
}

/// An identification row whose age is out of range.
fn bad_age(case: &str) -> String {
    format!("{case},P-{case},2023-04-17,cmm,identified,police,sexual,,female,130,NG,,")
}

const ENDINGS: [(&str, &str); 3] = [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")];

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn refuse(content: &[u8]) -> Refusal {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "identifications.csv", content);
    match read_paths(&[p], &CodeBook::builtin(), &ReadOptions::default()) {
        Ok(i) => panic!("accepted {} records", i.batch.len()),
        Err(r) => r,
    }
}

/// (line, column) of every problem.
fn places(r: &Refusal) -> Vec<(Option<u64>, Option<String>)> {
    r.problems
        .iter()
        .map(|p| (p.line, p.column.clone()))
        .collect()
}

fn at(line: u64, column: &str) -> (Option<u64>, Option<String>) {
    (Some(line), Some(column.to_string()))
}

/// Joins lines with `end`, ending the last one too.
fn lines(ls: &[&str], end: &str) -> Vec<u8> {
    let mut s = ls.join(end);
    s.push_str(end);
    s.into_bytes()
}

#[test]
fn problems_name_their_line_whatever_the_line_ends() {
    let (g2, b3, g4, b5) = (good("D-1"), bad_outcome("D-2"), good("D-3"), bad_age("D-4"));
    for (name, end) in ENDINGS {
        let r = refuse(&lines(&[ID_HEADER, &g2, &b3, &g4, &b5], end));
        assert_eq!(
            places(&r),
            [at(3, "outcome"), at(5, "age")],
            "{name} line ends"
        );
        assert_eq!(r.bad_rows, 2, "{name} line ends");
        assert_eq!(r.files[0].rows, 4, "{name} line ends");
    }
}

#[test]
fn a_last_line_without_a_line_end_is_counted_too() {
    for (name, end) in ENDINGS {
        let content = format!("{ID_HEADER}{end}{}{end}{}", good("D-1"), bad_age("D-2"));
        let r = refuse(content.as_bytes());
        assert_eq!(places(&r), [at(3, "age")], "{name} line ends");
    }
}

#[test]
fn blank_lines_count_as_lines() {
    let (g, b) = (good("D-1"), bad_outcome("D-2"));
    for (name, end) in ENDINGS {
        // Blank lines before the header, between rows and before the bad row.
        let r = refuse(&lines(&["", ID_HEADER, "", &g, "", "", &b, ""], end));
        assert_eq!(places(&r), [at(7, "outcome")], "{name} line ends");
        assert_eq!(
            r.files[0].rows, 2,
            "{name} line ends: blank lines are not rows"
        );
    }
}

#[test]
fn header_problems_name_the_header_line_after_blank_lines() {
    let header = ID_HEADER.replace("gender", "sex");
    for (name, end) in ENDINGS {
        let r = refuse(&lines(&["", "", &header, &good("D-1")], end));
        assert_eq!(
            places(&r),
            [at(3, "sex"), at(3, "gender")],
            "{name} line ends"
        );
        assert_eq!(
            r.bad_rows, 0,
            "{name} line ends: the header is not a bad row"
        );
    }
}

#[test]
fn text_that_is_not_utf8_is_reported_on_its_line() {
    // Windows-1252, as "CSV" saved by Excel on a Danish Windows: 0xE6 is `æ`, 0xF8 `ø`.
    for (name, end) in ENDINGS {
        let mut content = lines(&[ID_HEADER, &good("D-1")], end);
        content.extend_from_slice(
            b"D-2,P-S\xf8ren,2023-04-17,cmm,identified,police,sexual,,female,33,NG,,",
        );
        content.extend_from_slice(end.as_bytes());
        content.extend_from_slice(good("D-3").as_bytes());
        content.extend_from_slice(end.as_bytes());
        content
            .extend_from_slice(b"D-4,P-4,2023-04-17,cmm,identified,police,sexual,,female,33,NG,,");
        content.extend_from_slice(end.as_bytes());
        content.extend_from_slice(
            b"D-5,P-5,2023-04-17,cmm,identified,politi\xe6,sexual,,female,33,NG,,",
        );
        content.extend_from_slice(end.as_bytes());
        let r = refuse(&content);
        assert_eq!(
            places(&r),
            [at(3, "person_ref"), at(6, "referral_actor")],
            "{name} line ends"
        );
        assert!(
            r.problems[0].expected.contains("UTF-8"),
            "{name}: {}",
            r.problems[0]
        );
    }
}

#[test]
fn a_header_that_is_not_utf8_is_reported_on_its_line() {
    for (name, end) in ENDINGS {
        // A blank line 1; the header on line 2 names `køn` in Windows-1252.
        let mut content = lines(&[""], end);
        let header = ID_HEADER.replace("gender", "k@n").into_bytes();
        content.extend(header.into_iter().map(|b| if b == b'@' { 0xf8 } else { b }));
        content.extend_from_slice(end.as_bytes());
        content.extend_from_slice(good("D-1").as_bytes());
        let r = refuse(&content);
        // The bad cell on the header line, and the column it was meant to be; the data row
        // (line 3) has a value in the cell without a name.
        assert_eq!(
            places(&r),
            [
                at(2, "(cell 9)"),
                at(2, "gender"),
                at(3, "(cell 9 without a header)")
            ],
            "{name} line ends"
        );
        assert!(r.problems[0].expected.contains("UTF-8"), "{name}");
    }
}

#[test]
fn a_cell_spanning_lines_moves_the_following_rows_down() {
    for (name, end) in ENDINGS {
        // Line 2-3: one row whose (quoted) person_ref ends with a line break, which trimming
        // removes; lines 4-5: one row whose case_ref holds a line break, which a ref must
        // not; line 6: a bad age.
        let content = format!(
            "{ID_HEADER}{end}D-1,\"P-1{end}\",2023-04-17,cmm,identified,police,sexual,,female,33,NG,,{end}\"D-{end}2\",P-2,2023-04-17,cmm,identified,police,sexual,,female,33,NG,,{end}{}{end}",
            bad_age("D-3")
        );
        let r = refuse(content.as_bytes());
        assert_eq!(
            places(&r),
            [at(4, "case_ref"), at(6, "age")],
            "{name} line ends"
        );
        assert_eq!(r.files[0].rows, 3, "{name} line ends");
    }
}

#[test]
fn crlf_files_import_the_same_records_as_lf_files() {
    let rows = [ID_HEADER.to_string(), good("D-1"), good("D-2")];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let mut batches = Vec::new();
    for (_, end) in ENDINGS {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "identifications.csv", &lines(&rows, end));
        let imp = read_paths(&[p], &CodeBook::builtin(), &ReadOptions::default()).unwrap();
        batches.push(imp.batch.identifications);
    }
    assert_eq!(batches[0].len(), 2);
    assert!(batches.iter().all(|b| *b == batches[0]));
}

/// The rows of `rows` (cells separated by commas) separated by semicolons instead.
fn semicolons(rows: &[&str]) -> Vec<String> {
    rows.iter().map(|r| r.replace(',', ";")).collect()
}

fn read(name: &str, content: &[u8]) -> spor_import::Import {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), name, content);
    read_paths(&[p], &CodeBook::builtin(), &ReadOptions::default()).unwrap()
}

#[test]
fn a_semicolon_separated_file_from_excel_is_read_as_the_same_format_and_says_so() {
    let rows = [ID_HEADER.to_string(), good("D-1"), good("D-2")];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let comma = read("identifications.csv", &lines(&rows, "\n"));
    assert_eq!(comma.files[0].separator, Some(Separator::Comma));
    assert_eq!(comma.files[0].note(), None);
    // Excel's "CSV UTF-8" with Danish settings: a byte-order mark, semicolons, CRLF.
    let semi = semicolons(&rows);
    let semi: Vec<&str> = semi.iter().map(String::as_str).collect();
    for (what, bom) in [("CSV UTF-8", "\u{feff}"), ("CSV", "")] {
        let mut content = bom.as_bytes().to_vec();
        content.extend(lines(&semi, "\r\n"));
        let imp = read("identifications.csv", &content);
        assert_eq!(
            imp.batch.identifications, comma.batch.identifications,
            "{what}"
        );
        assert_eq!(imp.files[0].rows, 2, "{what}");
        assert_eq!(imp.files[0].separator, Some(Separator::Semicolon), "{what}");
        let note = imp.files[0].note().expect("a note on the separator");
        assert!(note.contains("semicolon-separated"), "{what}: {note}");
    }
}

#[test]
fn cells_of_a_semicolon_file_may_hold_commas_and_quoted_semicolons() {
    let content = "assessment_ref;person_ref;interview_date;gender;age;nationality\r\nA-1;P,1;2023-03-01;male;28;MA\r\n\"A;2\";\"P;2\";2023-03-02;female;;DK\r\n";
    let imp = read("assessments.csv", content.as_bytes());
    let refs: Vec<(&str, &str)> = imp
        .batch
        .assessments
        .iter()
        .map(|a| (a.assessment_ref.as_str(), a.person_ref.as_str()))
        .collect();
    assert_eq!(refs, [("A-1", "P,1"), ("A;2", "P;2")]);
}

#[test]
fn problems_in_a_semicolon_file_name_their_line_and_the_separator() {
    let rows = [
        ID_HEADER.to_string(),
        good("D-1"),
        bad_outcome("D-2"),
        String::new(),
        good("D-3").replacen(",,", ",", 1),
        bad_age("D-4"),
    ];
    let rows = semicolons(&rows.iter().map(String::as_str).collect::<Vec<_>>());
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    for (name, end) in ENDINGS {
        let r = refuse(&lines(&rows, end));
        assert_eq!(
            places(&r),
            [at(3, "outcome"), (Some(5), None), at(6, "age")],
            "{name} line ends"
        );
        assert!(
            r.problems[1]
                .expected
                .contains("the row has 12 cells but the header has 13; check the quoting and the separators (semicolon)"),
            "{name}: {}",
            r.problems[1]
        );
        assert_eq!(r.files[0].separator, Some(Separator::Semicolon));
    }
}

#[test]
fn a_header_with_semicolons_and_unknown_names_is_refused_naming_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    // Blank line 1; on line 2, a header split by semicolons with a Danish column name.
    let p = write(
        dir.path(),
        "history.csv",
        b"\r\nseries;year;Antal\r\nvictims;2019;40\r\n",
    );
    let Err(r) = read_paths(&[&p], &CodeBook::builtin(), &ReadOptions::default()) else {
        panic!("accepted");
    };
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let message = r.problems[0].to_string();
    let want = format!(
        "{}, line 2: `series;year;Antal`; expected a header separated by commas, or by semicolons naming only columns of history (series, year, category, count); split at its semicolons this header has the unknown column(s) `Antal`",
        p.display()
    );
    assert_eq!(message, want);
    assert_eq!(r.files[0].separator, Some(Separator::Comma));
}

#[test]
fn a_semicolon_header_missing_a_required_column_is_refused_for_that_column() {
    // Every name is a column of identifications: read with semicolons, and what is wrong
    // is the column left out.
    let r = refuse(
        b"\xef\xbb\xbfcase_ref;person_ref;decision_date;authority;outcome;gender;referral_actor;exploitation_form\r\nD-1;P-1;2023-04-17;cmm;identified;female;police;sexual\r\n",
    );
    assert_eq!(places(&r), [at(1, "nationality")]);
    assert!(r.problems[0].expected.contains("missing required column"));
    assert_eq!(r.files[0].separator, Some(Separator::Semicolon));
}
