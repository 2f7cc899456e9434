//! Export and import are inverses: a register exported, read back and exported again gives
//! identical files (CSV and XLSX), and a workbook typed the way people type spreadsheets
//! (numbers, dates, booleans) reads as the same register as the CSV files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use proptest::prelude::*;
use spor_core::{
    Assessment, Authority, CallerType, Code, CodeBook, Country, Form, Gender, HistoryRow,
    HotlineCall, Identification, ImportBatch, ListId, Outcome, Ref, Register, Series, Topic,
};
use spor_import::{Entity, ReadOptions, export, read_paths};

fn codes(list: ListId) -> Vec<String> {
    CodeBook::builtin()
        .list(list)
        .iter()
        .map(|e| e.code.clone())
        .collect()
}

fn read(paths: &[PathBuf]) -> ImportBatch {
    match read_paths(paths, &CodeBook::builtin(), &ReadOptions::default()) {
        Ok(i) => i.batch,
        Err(r) => panic!(
            "{r}:\n{}",
            r.problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn register_of(b: ImportBatch) -> Register {
    Register {
        identifications: b.identifications,
        assessments: b.assessments,
        hotline_calls: b.hotline_calls,
        history: b.history,
        ..Register::default()
    }
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    Entity::ALL
        .iter()
        .map(|e| dir.join(e.file_name()))
        .collect()
}

// ---- generated registers -------------------------------------------------------------

/// Refs as a source system might make them: leading zeros, spaces inside, commas and
/// quotes that need CSV quoting, Danish letters, and ones a spreadsheet would take for a
/// formula (`=1+1`, `'-2`). Never blank at the ends (import trims).
fn a_ref() -> impl Strategy<Value = String> {
    "[A-Za-z0-9æøåÆØÅ][A-Za-z0-9 ,\"'æøå/_-]{0,20}[A-Za-z0-9]|[0-9]{1,6}|'{0,2}[=+@-][A-Za-z0-9=+'(),-]{0,12}[A-Za-z0-9)]"
}

fn a_date() -> impl Strategy<Value = NaiveDate> {
    (2000i32..2030, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| {
        (0..4)
            .find_map(|back| NaiveDate::from_ymd_opt(y, m, d - back))
            .unwrap()
    })
}

fn a_timestamp() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (
        946_684_800i64..1_893_456_000,
        prop_oneof![Just(0u32), 0u32..1000],
        -48i32..=56,
    )
        .prop_map(|(secs, millis, quarter_hours)| {
            let off = FixedOffset::east_opt(quarter_hours * 15 * 60).unwrap();
            off.timestamp_opt(secs, millis * 1_000_000).unwrap()
        })
}

fn pick<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> impl Strategy<Value = T> {
    proptest::sample::select(items)
}

fn an_identification() -> impl Strategy<Value = Identification> {
    let countries = codes(ListId::Country);
    (
        (a_ref(), a_ref(), a_date(), pick(Authority::ALL.to_vec())),
        (
            any::<bool>(),
            pick(codes(ListId::ReferralActor)),
            pick(Form::ALL.to_vec()),
            any::<prop::sample::Index>(),
            any::<bool>(),
        ),
        (
            pick(Gender::ALL.to_vec()),
            prop::option::of(0u8..=120),
            pick(countries.clone()),
            prop::option::of((a_date(), pick(countries))),
        ),
    )
        .prop_map(
            |(
                (case, person, date, authority),
                (identified, actor, form, sub, has_sub),
                (gender, age, nat, ret),
            )| {
                let subtype = CodeBook::subtype_list(form)
                    .filter(|_| identified && has_sub)
                    .map(|l| {
                        let list = codes(l);
                        Code::new_unchecked(sub.get(&list))
                    });
                Identification {
                    case_ref: Ref::parse(&case).unwrap(),
                    person_ref: Ref::parse(&person).unwrap(),
                    decision_date: date,
                    authority,
                    outcome: if identified {
                        Outcome::Identified
                    } else {
                        Outcome::NotIdentified
                    },
                    referral_actor: identified.then(|| Code::new_unchecked(&actor)),
                    exploitation_form: identified.then_some(form),
                    exploitation_subtype: subtype,
                    gender,
                    age,
                    nationality: Country::new_unchecked(&nat),
                    return_date: ret.as_ref().map(|r| r.0),
                    return_country: ret.map(|r| Country::new_unchecked(&r.1)),
                }
            },
        )
}

fn an_assessment() -> impl Strategy<Value = Assessment> {
    (
        a_ref(),
        a_ref(),
        a_date(),
        pick(Gender::ALL.to_vec()),
        prop::option::of(0u8..=120),
        pick(codes(ListId::Country)),
    )
        .prop_map(|(a, p, d, g, age, n)| Assessment {
            assessment_ref: Ref::parse(&a).unwrap(),
            person_ref: Ref::parse(&p).unwrap(),
            interview_date: d,
            gender: g,
            age,
            nationality: Country::new_unchecked(&n),
        })
}

fn a_call() -> impl Strategy<Value = HotlineCall> {
    (
        a_ref(),
        a_timestamp(),
        pick(CallerType::ALL.to_vec()),
        any::<bool>(),
        prop::option::of(pick(Topic::ALL.to_vec())),
    )
        .prop_map(|(r, t, c, v, topic)| HotlineCall {
            call_ref: Ref::parse(&r).unwrap(),
            received_at: t,
            caller_type: c,
            concerns_possible_victim: v,
            topic,
        })
}

fn a_history_row() -> impl Strategy<Value = HistoryRow> {
    let mut categories: Vec<String> = Form::ALL.iter().map(|f| f.code().to_string()).collect();
    categories.push("other_forms".into());
    let countries = codes(ListId::Country);
    (
        pick(Series::ALL.to_vec()),
        1990i32..2030,
        pick(categories),
        pick(vec!["female", "male", "trans"]),
        pick(countries),
        prop::option::of(0u64..2_000_000),
    )
        .prop_map(|(series, year, form, gender, country, count)| HistoryRow {
            series,
            year,
            category: match series {
                Series::VictimsByForm => Some(form),
                Series::VictimsByGender => Some(gender.to_string()),
                Series::VictimsByNationality => Some(country),
                _ => None,
            },
            count,
        })
}

/// The records with unique keys, sorted by key (the last of a key wins).
fn by<T>(v: Vec<T>, k: fn(&T) -> String) -> Vec<T> {
    v.into_iter()
        .map(|r| (k(&r), r))
        .collect::<BTreeMap<_, _>>()
        .into_values()
        .collect()
}

/// A register in the store's order: unique keys, sorted by key.
fn a_register() -> impl Strategy<Value = Register> {
    (
        prop::collection::vec(an_identification(), 0..25),
        prop::collection::vec(an_assessment(), 0..10),
        prop::collection::vec(a_call(), 0..10),
        prop::collection::vec(a_history_row(), 0..15),
    )
        .prop_map(|(ids, ass, calls, hist)| Register {
            identifications: by(ids, |r: &Identification| r.case_ref.to_string()),
            assessments: by(ass, |r: &Assessment| r.assessment_ref.to_string()),
            hotline_calls: by(calls, |r: &HotlineCall| r.call_ref.to_string()),
            history: hist
                .into_iter()
                .map(|r| {
                    let (s, y, c) = r.key();
                    ((s, y, c.to_string()), r)
                })
                .collect::<BTreeMap<_, _>>()
                .into_values()
                .collect(),
            ..Register::default()
        })
}

fn same_records(a: &Register, b: &Register) -> Result<(), TestCaseError> {
    prop_assert!(
        a.identifications == b.identifications,
        "identifications differ"
    );
    prop_assert!(a.assessments == b.assessments, "assessments differ");
    prop_assert_eq!(&a.hotline_calls, &b.hotline_calls);
    // Offsets are part of what is exported, not only the instant.
    for (x, y) in a.hotline_calls.iter().zip(&b.hotline_calls) {
        prop_assert_eq!(x.received_at.offset(), y.received_at.offset());
    }
    prop_assert_eq!(&a.history, &b.history);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn csv_export_reads_back_as_the_same_register_and_exports_identically(reg in a_register()) {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        export::write_csv_dir(&reg, one.path()).unwrap();
        let back = register_of(read(&csv_files(one.path())));
        same_records(&reg, &back)?;
        export::write_csv_dir(&back, two.path()).unwrap();
        for e in Entity::ALL {
            let a = std::fs::read(one.path().join(e.file_name())).unwrap();
            let b = std::fs::read(two.path().join(e.file_name())).unwrap();
            prop_assert!(a == b, "{} differs after the round trip", e.file_name());
        }
    }

    #[test]
    fn xlsx_export_reads_back_as_the_same_register_and_exports_identically(reg in a_register()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("register.xlsx");
        export::write_xlsx(&reg, &path).unwrap();
        let back = register_of(read(std::slice::from_ref(&path)));
        same_records(&reg, &back)?;
        let again = export::xlsx_bytes(&back).unwrap();
        prop_assert!(std::fs::read(&path).unwrap() == again, "the workbook differs after the round trip");
    }
}

// ---- a workbook typed by hand --------------------------------------------------------

fn test_register_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/register")
}

/// Writes the test register's CSV files as a workbook the way a person would type it:
/// dates as date cells, ages, years and counts as numbers, booleans as booleans, the rest
/// as text, with a blank line at the end and the sheets in another order.
fn typed_workbook(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let date_format = Format::new().set_num_format("dd-mm-yyyy");
    let time_format = Format::new().set_num_format("dd-mm-yyyy hh:mm:ss");
    let mut wb = Workbook::new();
    for entity in [
        Entity::History,
        Entity::HotlineCalls,
        Entity::Identifications,
        Entity::Assessments,
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(entity.name()).unwrap();
        let mut rdr = csv::Reader::from_path(test_register_dir().join(entity.file_name())).unwrap();
        let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (r, rec) in rdr.records().enumerate() {
            let rec = rec.unwrap();
            let row = r as u32 + 1;
            for (c, v) in rec.iter().enumerate() {
                let col = c as u16;
                if v.is_empty() {
                    continue;
                }
                match header[c].as_str() {
                    "decision_date" | "interview_date" | "return_date" => {
                        let d = ExcelDateTime::parse_from_str(v).unwrap();
                        ws.write_datetime_with_format(row, col, d, &date_format)
                            .unwrap();
                    }
                    // Only local times can be date-time cells; times with an offset stay text.
                    "received_at" if v.len() == 19 => {
                        let d = ExcelDateTime::parse_from_str(v).unwrap();
                        ws.write_datetime_with_format(row, col, d, &time_format)
                            .unwrap();
                    }
                    "age" | "year" | "count" => {
                        ws.write_number(row, col, v.parse::<f64>().unwrap())
                            .unwrap();
                    }
                    "concerns_possible_victim" => {
                        ws.write_boolean(row, col, v == "true").unwrap();
                    }
                    // Stray spaces, as typed.
                    "gender" => {
                        ws.write_string(row, col, format!(" {v} ")).unwrap();
                    }
                    _ => {
                        ws.write_string(row, col, v).unwrap();
                    }
                }
            }
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn a_typed_workbook_gives_the_same_register_as_the_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("Register 2023.xlsx");
    typed_workbook(&xlsx);
    let from_csv = register_of(read(&csv_files(&test_register_dir())));
    let from_xlsx = register_of(read(std::slice::from_ref(&xlsx)));
    assert!(!from_csv.identifications.is_empty() && !from_csv.hotline_calls.is_empty());
    assert!(from_csv.identifications == from_xlsx.identifications);
    assert!(from_csv.assessments == from_xlsx.assessments);
    assert_eq!(from_csv.hotline_calls, from_xlsx.hotline_calls);
    assert_eq!(from_csv.history, from_xlsx.history);
}

#[test]
fn export_writes_codes_and_refs_as_text_cells() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = register_of(read(&csv_files(&test_register_dir())));
    reg.assessments[0].assessment_ref = Ref::parse("00012").unwrap();
    let path = dir.path().join("out.xlsx");
    export::write_xlsx(&reg, &path).unwrap();
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["identifications", "assessments", "hotline_calls", "history"]
    );
    let ids = wb.worksheet_range("identifications").unwrap();
    assert_eq!(
        ids.get((8, 10)),
        Some(&Data::String("NA".into())),
        "Namibia stays a text code"
    );
    assert_eq!(
        ids.get((1, 9)),
        Some(&Data::String("24".into())),
        "ages are text cells"
    );
    let ass = wb.worksheet_range("assessments").unwrap();
    assert_eq!(ass.get((1, 0)), Some(&Data::String("00012".into())));
}

#[test]
fn csv_export_of_an_empty_register_writes_all_four_headers() {
    let dir = tempfile::tempdir().unwrap();
    let written = export::write_csv_dir(&Register::default(), dir.path()).unwrap();
    assert_eq!(written.len(), 4);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("history.csv")).unwrap(),
        "series,year,category,count\r\n"
    );
    let b = read(&csv_files(dir.path()));
    assert!(b.is_empty());
}

#[test]
fn a_date_far_outside_the_usual_years_survives_the_round_trip() {
    let reg = Register {
        assessments: vec![Assessment {
            assessment_ref: Ref::parse("A").unwrap(),
            person_ref: Ref::parse("P").unwrap(),
            interview_date: NaiveDate::from_ymd_opt(1905, 2, 28).unwrap(),
            gender: Gender::Unknown,
            age: Some(0),
            nationality: Country::new_unchecked("STATELESS"),
        }],
        ..Register::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    export::write_xlsx(&reg, &path).unwrap();
    let back = register_of(read(&[path]));
    assert!(back.assessments == reg.assessments);
}

/// A ref a spreadsheet would run (`=HYPERLINK(…)`, `=1+1`) goes out inert in the CSV
/// export (ASVS 1.2.10) and comes back unchanged from it.
#[test]
fn a_formula_in_a_ref_goes_out_inert_and_comes_back() {
    let reg = Register {
        assessments: vec![Assessment {
            assessment_ref: Ref::parse("=1+1").unwrap(),
            person_ref: Ref::parse("=HYPERLINK(\"http://example.org\",\"x\")").unwrap(),
            interview_date: NaiveDate::from_ymd_opt(2023, 2, 28).unwrap(),
            gender: Gender::Female,
            age: Some(30),
            nationality: Country::new_unchecked("NG"),
        }],
        ..Register::default()
    };
    let dir = tempfile::tempdir().unwrap();
    export::write_csv_dir(&reg, dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("assessments.csv")).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(
        row.starts_with("'=1+1,\"'=HYPERLINK("),
        "the cells begin with an apostrophe: {row}"
    );
    let back = register_of(read(&csv_files(dir.path())));
    assert!(back.assessments == reg.assessments);
}
