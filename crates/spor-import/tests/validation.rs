//! Import validation, one case per rule of `register-format.md`: each bad file must be
//! refused with a message that names the line and the column (and what would be accepted).

use std::path::{Path, PathBuf};

use spor_core::CodeBook;
use spor_import::{ReadOptions, Refusal, read_paths};

const ID_HEADER: &str = "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country";
const ID_ROW: [&str; 13] = [
    "D-1",
    "P-1",
    "2023-04-17",
    "cmm",
    "identified",
    "police",
    "forced_labour",
    "construction",
    "female",
    "33",
    "NG",
    "2023-09-01",
    "NG",
];
const AS_HEADER: &str = "assessment_ref,person_ref,interview_date,gender,age,nationality";
const AS_ROW: [&str; 6] = ["A-1", "P-1", "2023-03-01", "male", "28", "MA"];
const HC_HEADER: &str = "call_ref,received_at,caller_type,concerns_possible_victim,topic";
const HC_ROW: [&str; 5] = [
    "C-1",
    "2023-04-17T09:30:00+02:00",
    "police",
    "true",
    "suspicion",
];
const HI_HEADER: &str = "series,year,category,count";
const HI_ROW: [&str; 4] = ["victims_by_form", "2019", "sexual", "40"];

fn line(cells: &[&str]) -> String {
    cells.join(",")
}

/// A file with a valid row on line 2 and the row `bad` on line 3.
fn two_rows(header: &str, good: &[&str], bad: &[&str]) -> Vec<u8> {
    format!("{header}\n{}\n{}\n", line(good), line(bad)).into_bytes()
}

/// The valid row with column `i` replaced.
fn with<const N: usize>(
    row: [&'static str; N],
    changes: &[(usize, &'static str)],
) -> Vec<&'static str> {
    let mut r = row.to_vec();
    for &(i, v) in changes {
        r[i] = v;
    }
    r
}

struct Case {
    rule: &'static str,
    file: &'static str,
    content: Vec<u8>,
    line: u64,
    column: Option<&'static str>,
    /// A phrase of what would be accepted.
    expected: &'static str,
}

fn id_case(
    rule: &'static str,
    changes: &[(usize, &'static str)],
    column: &'static str,
    expected: &'static str,
) -> Case {
    Case {
        rule,
        file: "identifications.csv",
        content: two_rows(ID_HEADER, &ID_ROW, &with(ID_ROW, changes)),
        line: 3,
        column: Some(column),
        expected,
    }
}

fn other_case(
    rule: &'static str,
    file: &'static str,
    header: &str,
    good: &[&str],
    bad: Vec<&str>,
    column: &'static str,
    expected: &'static str,
) -> Case {
    Case {
        rule,
        file,
        content: two_rows(header, good, &bad),
        line: 3,
        column: Some(column),
        expected,
    }
}

fn cases() -> Vec<Case> {
    let long_ref: &'static str = Box::leak("R".repeat(65).into_boxed_str());
    let mut v = vec![
        id_case("a required cell is empty", &[(0, "")], "case_ref", "the column is required"),
        id_case("a ref is at most 64 characters", &[(1, long_ref)], "person_ref", "at most 64 characters"),
        id_case("a date must exist", &[(2, "2023-02-29")], "decision_date", "a real date as YYYY-MM-DD"),
        id_case("a date must be ISO 8601", &[(2, "17-04-2023")], "decision_date", "a real date as YYYY-MM-DD"),
        id_case("authority is a code of its list", &[(3, "police")], "authority", "cmm, immigration_service, court"),
        id_case("outcome is a code of its list", &[(4, "yes")], "outcome", "identified, not_identified"),
        id_case("codes are case-sensitive", &[(4, "Identified")], "outcome", "identified, not_identified"),
        id_case("referral actor is a code of its list", &[(5, "union")], "referral_actor", "police, immigration_service"),
        id_case("referral actor is required when identified", &[(5, "")], "referral_actor", "required when outcome is identified"),
        id_case("the form is required when identified", &[(6, ""), (7, "")], "exploitation_form", "required when outcome is identified"),
        id_case("the form is a code of its list", &[(6, "labour"), (7, "")], "exploitation_form", "sexual, forced_labour"),
        id_case("a subtype must belong to its form", &[(7, "drug_sales")], "exploitation_subtype", "a subtype of forced_labour: construction"),
        id_case("a form without subtypes takes none", &[(6, "sexual")], "exploitation_subtype", "has no subtypes"),
        id_case("a subtype needs a form", &[(4, "not_identified"), (5, ""), (6, "")], "exploitation_subtype", "since exploitation_form is empty"),
        id_case("gender is a code of its list", &[(8, "F")], "gender", "female, male, trans_female"),
        id_case("age is at most 120", &[(9, "121")], "age", "from 0 to 120"),
        id_case("age is a whole number", &[(9, "33.5")], "age", "from 0 to 120"),
        id_case("age is not negative", &[(9, "-1")], "age", "from 0 to 120"),
        id_case("nationality is a country code", &[(10, "XX")], "nationality", "ISO 3166-1 alpha-2"),
        id_case("country codes are upper case", &[(10, "ng")], "nationality", "ISO 3166-1 alpha-2"),
        id_case("a return country needs a return date", &[(11, "")], "return_date", "since return_country is given"),
        id_case("a return date needs a return country", &[(12, "")], "return_country", "since return_date is given"),
        id_case("a return date must exist", &[(11, "2023-13-01")], "return_date", "a real date"),
        id_case("a return country is a country code", &[(12, "Nigeria")], "return_country", "ISO 3166-1 alpha-2"),
        id_case("a ref is unique in the import", &[(0, "D-1")], "case_ref", "line 2 has the same"),
        Case {
            rule: "unknown columns are refused",
            file: "identifications.csv",
            content: format!("{ID_HEADER},comment\n{},\n", line(&ID_ROW)).into_bytes(),
            line: 1,
            column: Some("comment"),
            expected: "unknown column",
        },
        Case {
            rule: "a required column must be present",
            file: "identifications.csv",
            content: format!(
                "{}\n{}\n",
                ID_HEADER.replace(",nationality", ""),
                line(&with(ID_ROW, &[])).replace(",NG,2023", ",2023")
            )
            .into_bytes(),
            line: 1,
            column: Some("nationality"),
            expected: "missing required column",
        },
        Case {
            rule: "a column may appear only once",
            file: "identifications.csv",
            content: format!("{ID_HEADER},age\n{},33\n", line(&ID_ROW)).into_bytes(),
            line: 1,
            column: Some("age"),
            expected: "appears twice",
        },
        Case {
            rule: "a row has as many cells as the header",
            file: "identifications.csv",
            content: format!("{ID_HEADER}\n{}\n{},extra\n", line(&ID_ROW), line(&with(ID_ROW, &[(0, "D-2")]))).into_bytes(),
            line: 3,
            column: None,
            expected: "14 cells but the header has 13",
        },
        Case {
            rule: "text must be UTF-8",
            file: "identifications.csv",
            content: {
                let mut c = format!("{ID_HEADER}\n{}\n", line(&ID_ROW)).into_bytes();
                c.extend_from_slice(b"D-2,P-\xE6,2023-04-17,cmm,not_identified,,,,male,,DK,,\n");
                c
            },
            line: 3,
            column: Some("person_ref"),
            expected: "UTF-8",
        },
        Case {
            rule: "a column without a header must stay empty",
            file: "identifications.csv",
            content: format!("{ID_HEADER},\n{},\n{},note\n", line(&ID_ROW), line(&with(ID_ROW, &[(0, "D-2")]))).into_bytes(),
            line: 3,
            column: Some("(cell 14 without a header)"),
            expected: "no name in the header",
        },
        Case {
            rule: "a quoted cell spanning lines keeps the line numbers of the file",
            file: "identifications.csv",
            content: format!(
                "{ID_HEADER}\n{}\n\"D-\n2\",P-2,2023-04-17,cmm,not_identified,,,,male,,DK,,\nD-3,P-3,2023-04-17,cmm,not_identified,,,,mole,,DK,,\n",
                line(&ID_ROW)
            )
            .into_bytes(),
            line: 5,
            column: Some("gender"),
            expected: "female, male",
        },
        other_case("an assessment needs its ref", "assessments.csv", AS_HEADER, &AS_ROW, with(AS_ROW, &[(0, "")]), "assessment_ref", "the column is required"),
        other_case("an interview date must exist", "assessments.csv", AS_HEADER, &AS_ROW, with(AS_ROW, &[(2, "2023-04-31")]), "interview_date", "a real date"),
        other_case("an assessment's nationality is required", "assessments.csv", AS_HEADER, &AS_ROW, with(AS_ROW, &[(5, "")]), "nationality", "the column is required"),
        other_case("a call time is an ISO timestamp", "hotline_calls.csv", HC_HEADER, &HC_ROW, with(HC_ROW, &[(1, "17/04/2023 09:30")]), "received_at", "a timestamp as YYYY-MM-DDTHH:MM"),
        other_case("a local call time must exist in Copenhagen", "hotline_calls.csv", HC_HEADER, &HC_ROW, with(HC_ROW, &[(1, "2023-03-26T02:30:00")]), "received_at", "spring clock change"),
        other_case("caller type is a code of its list", "hotline_calls.csv", HC_HEADER, &HC_ROW, with(HC_ROW, &[(2, "ngo")]), "caller_type", "police, authority, organisation"),
        other_case("booleans are true or false", "hotline_calls.csv", HC_HEADER, &HC_ROW, with(HC_ROW, &[(3, "yes")]), "concerns_possible_victim", "true or false"),
        other_case("topic is a code of its list", "hotline_calls.csv", HC_HEADER, &HC_ROW, with(HC_ROW, &[(4, "housing")]), "topic", "suspicion, accommodation"),
        other_case("series is a code of its list", "history.csv", HI_HEADER, &HI_ROW, with(HI_ROW, &["victims_by_age"].map(|s| (0, s))), "series", "victims, victims_by_form"),
        other_case("a year has four digits", "history.csv", HI_HEADER, &HI_ROW, with(HI_ROW, &[(1, "19")]), "year", "four digits"),
        other_case("a split series needs a category", "history.csv", HI_HEADER, &HI_ROW, with(HI_ROW, &[(2, "")]), "category", "required when the series is split"),
        other_case("an unsplit series takes no category", "history.csv", HI_HEADER, &HI_ROW, vec!["victims", "2019", "sexual", "60"], "category", "is not split by category"),
        other_case("a form category is a form or other_forms", "history.csv", HI_HEADER, &HI_ROW, with(HI_ROW, &[(2, "labour")]), "category", "or other_forms"),
        other_case("a gender category is female, male or trans", "history.csv", HI_HEADER, &HI_ROW, vec!["victims_by_gender", "2019", "trans_female", "1"], "category", "female, male or trans"),
        other_case("a nationality category is a country code", "history.csv", HI_HEADER, &HI_ROW, vec!["victims_by_nationality", "2019", "Nigeria", "1"], "category", "ISO 3166-1"),
        other_case("a count is not negative", "history.csv", HI_HEADER, &HI_ROW, with(HI_ROW, &[(0, "victims"), (2, ""), (3, "-3")]), "count", "non-negative whole number"),
        other_case("a count is a whole number", "history.csv", HI_HEADER, &HI_ROW, with(HI_ROW, &[(0, "victims"), (2, ""), (3, "1.5")]), "count", "non-negative whole number"),
        other_case("a history key is unique in the import", "history.csv", HI_HEADER, &HI_ROW, HI_ROW.to_vec(), "series, year, category", "line 2 has the same"),
    ];
    // Keep the list honest: every case is a different rule.
    let mut rules: Vec<&str> = v.iter().map(|c| c.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    assert_eq!(rules.len(), v.len(), "two cases share a rule name");
    v.shrink_to_fit();
    v
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn refuse(paths: &[PathBuf]) -> Refusal {
    match read_paths(paths, &CodeBook::builtin(), &ReadOptions::default()) {
        Ok(i) => panic!("accepted {} records", i.batch.len()),
        Err(r) => r,
    }
}

#[test]
fn each_rule_refuses_its_bad_row_naming_line_and_column() {
    let mut failures = Vec::new();
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), case.file, &case.content);
        let result = read_paths(&[&path], &CodeBook::builtin(), &ReadOptions::default());
        let Err(refusal) = result else {
            failures.push(format!("{}: the file was accepted", case.rule));
            continue;
        };
        let found = refusal.problems.iter().find(|p| {
            p.line == Some(case.line)
                && p.column.as_deref() == case.column
                && p.expected.contains(case.expected)
        });
        let Some(problem) = found else {
            failures.push(format!(
                "{}: no problem at line {} column {:?} expecting {:?}; got:\n    {}",
                case.rule,
                case.line,
                case.column,
                case.expected,
                refusal
                    .problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
            continue;
        };
        let msg = problem.to_string();
        let mut wanted = vec![case.file.to_string(), format!("line {}", case.line)];
        if let Some(c) = case.column {
            wanted.push(format!("column {c}"));
        }
        for w in wanted {
            if !msg.contains(&w) {
                failures.push(format!(
                    "{}: the message `{msg}` does not name {w}",
                    case.rule
                ));
            }
        }
        // The good row on line 2 is never blamed (except as the other half of a duplicate).
        if let Some(p) = refusal.problems.iter().find(|p| p.line == Some(2)) {
            failures.push(format!("{}: the valid line 2 was blamed: {p}", case.rule));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_refusal_lists_every_bad_row_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let content = format!(
        "{AS_HEADER}\nA-1,P-1,2023-03-01,male,28,MA\nA-2,P-2,2023-02-30,male,28,MA\nA-3,P-3,2023-03-01,male,28,MA\nA-4,P-4,2023-03-01,mle,200,MA\nA-5,P-5,2023-03-01,female,,XX\n"
    );
    let p = write(dir.path(), "assessments.csv", content.as_bytes());
    let r = refuse(&[p]);
    let places: Vec<(Option<u64>, Option<&str>)> = r
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_deref()))
        .collect();
    assert_eq!(
        places,
        [
            (Some(3), Some("interview_date")),
            (Some(5), Some("gender")),
            (Some(5), Some("age")),
            (Some(6), Some("nationality")),
        ]
    );
    assert_eq!(r.bad_rows, 3);
    assert_eq!(
        r.to_string(),
        "import refused: 4 problem(s) in 3 row(s); nothing was written"
    );
}

#[test]
fn refs_duplicated_across_files_name_the_other_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "hotline_calls.csv",
        two_rows(HC_HEADER, &HC_ROW, &with(HC_ROW, &[(0, "C-2")])).as_slice(),
    );
    let sub = dir.path().join("more");
    std::fs::create_dir(&sub).unwrap();
    let b = write(
        &sub,
        "hotline_calls.csv",
        format!("{HC_HEADER}\n{}\n", line(&with(HC_ROW, &[(0, "C-2")]))).as_bytes(),
    );
    let r = refuse(&[a.clone(), b.clone()]);
    assert_eq!(r.problems.len(), 1);
    let msg = r.problems[0].to_string();
    assert!(
        msg.starts_with(&format!("{}, line 2, column call_ref: `C-2`", b.display())),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("{} line 3 has the same", a.display())),
        "{msg}"
    );
}

#[test]
fn a_ref_repeated_in_an_otherwise_sorted_file_is_found() {
    // Keys in ascending order skip the hash check; a key on two neighbouring rows is not
    // ascending and must still be named, as must one far from its twin.
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<String> = ["C-1", "C-2", "C-2", "C-3", "C-4", "C-1"]
        .iter()
        .map(|r| line(&with(HC_ROW, &[(0, *r)])))
        .collect();
    let p = write(
        dir.path(),
        "hotline_calls.csv",
        format!("{HC_HEADER}\n{}\n", rows.join("\n")).as_bytes(),
    );
    let r = refuse(&[p]);
    let msgs: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].contains("line 4, column call_ref: `C-2`"),
        "{msgs:?}"
    );
    assert!(msgs[0].contains("line 3 has the same"), "{msgs:?}");
    assert!(
        msgs[1].contains("line 7, column call_ref: `C-1`"),
        "{msgs:?}"
    );
    assert!(msgs[1].contains("line 2 has the same"), "{msgs:?}");
}

#[test]
fn unknown_file_names_are_refused_with_the_accepted_names() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "decisions.csv", b"case_ref\nD-1\n");
    let q = write(dir.path(), "register.txt", b"x");
    let r = refuse(&[p, q]);
    assert_eq!(r.problems.len(), 2);
    assert!(r.problems[0].to_string().contains("unknown file name `decisions.csv`; expected identifications.csv, assessments.csv, hotline_calls.csv, history.csv"));
    assert!(r.problems[1].to_string().contains("not a register file"));
}

#[test]
fn an_empty_file_is_refused_asking_for_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "history.csv", b"");
    let r = refuse(&[p]);
    assert!(
        r.problems[0]
            .to_string()
            .contains("expected a header row naming the columns (series, year, category, count)")
    );
}

#[test]
fn bom_whitespace_crlf_and_blank_rows_are_tolerated() {
    let dir = tempfile::tempdir().unwrap();
    let content = "\u{feff}\"assessment_ref\" , person_ref,interview_date,gender,age,nationality\r\n A-1 ,P-1,2023-03-01,\u{a0}male,28 ,MA\r\n,,,,,\r\n\r\nA-2,P-2,2023-03-02,female,,DK\r\n";
    let p = write(dir.path(), "Assessments.CSV", content.as_bytes());
    let imp = read_paths(&[p], &CodeBook::builtin(), &ReadOptions::default()).unwrap();
    let a = &imp.batch.assessments;
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].assessment_ref.as_str(), "A-1");
    assert_eq!(a[0].gender, spor_core::Gender::Male);
    assert_eq!(a[0].age, Some(28));
    assert_eq!(a[1].age, None);
    assert_eq!(imp.files[0].rows, 2, "blank rows are not counted");
}

#[test]
fn optional_columns_may_be_left_out_and_booleans_ignore_case() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "hotline_calls.csv",
        b"received_at,call_ref,caller_type,concerns_possible_victim\n2023-05-01T08:00,C-9,citizen,TRUE\n",
    );
    let imp = read_paths(&[p], &CodeBook::builtin(), &ReadOptions::default()).unwrap();
    let c = &imp.batch.hotline_calls[0];
    assert!(c.concerns_possible_victim);
    assert_eq!(c.topic, None);
    assert_eq!(
        spor_core::format_timestamp(&c.received_at),
        "2023-05-01T08:00:00+02:00"
    );
}

#[test]
fn the_synthetic_test_register_imports_and_its_history_mismatch_is_a_warning() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/register");
    let paths: Vec<PathBuf> = spor_import::Entity::ALL
        .iter()
        .map(|e| dir.join(e.file_name()))
        .collect();
    let imp = read_paths(&paths, &CodeBook::builtin(), &ReadOptions::default()).unwrap();
    let b = &imp.batch;
    assert_eq!(
        (
            b.identifications.len(),
            b.assessments.len(),
            b.hotline_calls.len(),
            b.history.len()
        ),
        (10, 4, 5, 15)
    );
    let na = &b.identifications[7];
    assert_eq!(
        na.nationality.as_str(),
        "NA",
        "Namibia is a country, not `not available`"
    );
    assert_eq!(imp.mismatches.len(), 1);
    assert_eq!(
        imp.mismatches[0].to_string(),
        "history 2022: the parts of victims_by_gender sum to 61, but victims is 64 (difference −3)"
    );
}

#[test]
fn the_same_file_named_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "history.csv",
        format!("{HI_HEADER}\n{}\n", line(&HI_ROW)).as_bytes(),
    );
    let r = refuse(&[p.clone(), p]);
    assert_eq!(r.problems.len(), 1);
    assert!(r.problems[0].expected.contains("named twice"));
}

#[test]
fn a_workbook_names_the_sheet_of_a_bad_row_and_refuses_unknown_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("register.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("assessments").unwrap();
    for (c, h) in AS_HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in ["A-1", "P-1", "2023-01-01", "female"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_number(1, 4, 150.0).unwrap();
    ws.write_string(1, 5, "NG").unwrap();
    // A formula whose cached result is an error value.
    for (c, v) in ["A-2", "P-2", "2023-01-02", "male"].iter().enumerate() {
        ws.write_string(2, c as u16, *v).unwrap();
    }
    ws.write_formula(
        2,
        4,
        rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
    )
    .unwrap();
    ws.write_string(2, 5, "NG").unwrap();
    wb.add_worksheet().set_name("Notes").unwrap();
    wb.save(&xlsx).unwrap();

    let r = refuse(std::slice::from_ref(&xlsx));
    let msgs: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    let shown = xlsx.display();
    assert_eq!(
        msgs,
        [
            format!(
                "{shown}, sheet assessments, line 2, column age: `150`; expected a whole number of years from 0 to 120"
            ),
            format!(
                "{shown}, sheet assessments, line 3, column age: `#DIV/0!`; expected a value, not a spreadsheet error; fix the formula or type the value"
            ),
            format!(
                "{shown}, sheet Notes: unknown sheet; expected sheets named identifications, assessments, hotline_calls, history, persons"
            ),
        ]
    );
}

#[test]
fn sheet_lines_are_the_rows_the_spreadsheet_shows_even_when_the_table_starts_lower() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("book.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("history").unwrap();
    // Header on row 3 from column B; a stray note in column H of row 4; a bad series on
    // row 5; row 6 blank; a good row on row 7.
    for (c, h) in HI_HEADER.split(',').enumerate() {
        ws.write_string(2, 1 + c as u16, h).unwrap();
    }
    for (c, v) in ["victims", "2019", "", "60"].iter().enumerate() {
        ws.write_string(3, 1 + c as u16, *v).unwrap();
    }
    ws.write_string(3, 7, "checked").unwrap();
    for (c, v) in ["victim", "2019", "", "60"].iter().enumerate() {
        ws.write_string(4, 1 + c as u16, *v).unwrap();
    }
    for (c, v) in ["hotline_calls", "2019", "", "400"].iter().enumerate() {
        ws.write_string(6, 1 + c as u16, *v).unwrap();
    }
    wb.add_worksheet().set_name("assessments").unwrap();
    wb.save(&xlsx).unwrap();

    let r = refuse(std::slice::from_ref(&xlsx));
    let places: Vec<String> = r
        .problems
        .iter()
        .map(|p| {
            format!(
                "{:?} {:?} {:?}",
                p.sheet.as_deref(),
                p.line,
                p.column.as_deref()
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            r#"Some("history") Some(4) Some("(cell 8 without a header)")"#,
            r#"Some("history") Some(5) Some("series")"#,
            r#"Some("assessments") None None"#,
        ]
    );
    assert!(r.problems[2].expected.contains("the sheet is empty"));
    assert_eq!(r.files[0].rows, 3, "rows 4, 5 and 7 are data rows");
    assert_eq!(r.files[0].separator, None, "a sheet has no separator");
}

const PE_HEADER: &str =
    "person_ref,full_name,other_names,birth_date,phone,document_number,language,contact";

#[test]
fn persons_are_read_apart_from_the_register_and_never_in_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let ids = write(
        dir.path(),
        "identifications.csv",
        format!("{ID_HEADER}\n{}\n", line(&ID_ROW)).as_bytes(),
    );
    let persons = write(
        dir.path(),
        "persons.csv",
        format!(
            "{PE_HEADER}\nP-1,Testa Syntetisk,Testa S.,1990-02-03,+45 1234 5678,AB123;CD456,tigrinya,\"Søster\nTlf. 1234\"\nP-2,,,,,,,\n"
        )
        .as_bytes(),
    );
    let import = read_paths(
        &[ids, persons],
        &CodeBook::builtin(),
        &ReadOptions::default(),
    )
    .expect("valid files");
    assert_eq!(import.batch.counts(), [1, 0, 0, 0]);
    assert_eq!(import.persons.len(), 2);
    let p = &import.persons[0];
    assert_eq!(p.person_ref.as_str(), "P-1");
    assert_eq!(p.full_name.as_deref(), Some("Testa Syntetisk"));
    assert_eq!(p.document_numbers(), ["AB123", "CD456"]);
    assert_eq!(p.contact.as_deref(), Some("Søster\nTlf. 1234"));
    assert!(import.persons[1].is_blank());
    // Nothing of the identity in the import's Debug output (which may reach logs).
    let shown = format!("{import:?}");
    assert!(!shown.contains("Testa"), "{shown}");
}

#[test]
fn a_bad_persons_file_is_refused_naming_every_bad_row_but_no_identity_value() {
    let dir = tempfile::tempdir().unwrap();
    let persons = write(
        dir.path(),
        "persons.csv",
        format!(
            "{PE_HEADER}\nP-1,Testa Syntetisk,,,,,,\nP-2,Bad Birth,,03-02-1990,,,,\nP-3,Ok Name,,,ring mig,,,\n,Nameless Person,,,,,,\nP-1,Twice Listed,,,,,,\n"
        )
        .as_bytes(),
    );
    let r = refuse(&[persons]);
    let msgs: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(r.bad_rows, 4, "{msgs:?}");
    assert!(msgs[0].contains("line 3, column birth_date"), "{msgs:?}");
    assert!(msgs[0].contains("YYYY-MM-DD"), "{msgs:?}");
    assert!(msgs[1].contains("line 4, column phone"), "{msgs:?}");
    assert!(msgs[2].contains("line 5, column person_ref"), "{msgs:?}");
    assert!(
        msgs[3].contains("line 6, column person_ref: `P-1`"),
        "{msgs:?}"
    );
    assert!(msgs[3].contains("line 2 has the same"), "{msgs:?}");
    for m in &msgs {
        for value in ["03-02-1990", "ring mig", "Nameless", "Twice", "Testa"] {
            assert!(!m.contains(value), "{m}");
        }
    }
}
