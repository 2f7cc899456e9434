//! `spor import` and `spor export` run as the real binary against real SQLite files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use spor_core::Register;
use spor_store::Store;
use spor_store::sqlite::SqliteStore;

const ENTITY_FILES: [&str; 4] = [
    "identifications.csv",
    "assessments.csv",
    "hotline_calls.csv",
    "history.csv",
];

fn test_register() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spor-import/tests/data/register")
}

fn register_files() -> Vec<PathBuf> {
    ENTITY_FILES
        .iter()
        .map(|f| test_register().join(f))
        .collect()
}

fn spor(db: &Path, args: &[&str], files: &[PathBuf]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spor"))
        .arg("--db")
        .arg(db)
        .args(args)
        .args(files)
        .env_remove("SPOR_DB")
        .output()
        .expect("the spor binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn load(db: &Path) -> Register {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SqliteStore::open_path(db).await.unwrap();
        store.load_register().await.unwrap()
    })
}

fn assert_empty(db: &Path) {
    let r = load(db);
    assert_eq!(
        (
            r.identifications.len(),
            r.assessments.len(),
            r.hotline_calls.len(),
            r.history.len()
        ),
        (0, 0, 0, 0),
        "something was written"
    );
}

/// The summary line of one entity: (inserted, updated, unchanged).
fn summary(stdout: &str, entity: &str) -> (u64, u64, u64) {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(entity))
        .unwrap_or_else(|| panic!("no summary line for {entity} in:\n{stdout}"));
    let n: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.replace('.', "").parse().unwrap())
        .collect();
    (n[0], n[1], n[2])
}

#[test]
fn import_writes_the_register_and_reports_inserted_rows_and_history_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let out = spor(&db, &["import"], &register_files());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(summary(&stdout, "identifications"), (10, 0, 0));
    assert_eq!(summary(&stdout, "assessments"), (4, 0, 0));
    assert_eq!(summary(&stdout, "hotline_calls"), (5, 0, 0));
    assert_eq!(summary(&stdout, "history"), (15, 0, 0));
    assert!(
        stderr.contains(
            "warning: history 2022: the parts of victims_by_gender sum to 61, but victims is 64"
        ),
        "{stderr}"
    );
    let r = load(&db);
    assert_eq!(r.identifications.len(), 10);
    assert_eq!(r.identifications[0].case_ref.as_str(), "T-0001");
}

#[test]
fn reimport_updates_changed_rows_instead_of_duplicating_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    assert!(spor(&db, &["import"], &register_files()).status.success());

    let again = spor(&db, &["import"], &register_files());
    let stdout = text(&again.stdout);
    assert_eq!(summary(&stdout, "identifications"), (0, 0, 10));
    assert_eq!(summary(&stdout, "history"), (0, 0, 15));

    // One decision changes its age, one new decision arrives.
    let src = std::fs::read_to_string(test_register().join("identifications.csv")).unwrap();
    let changed = src.replace(
        "T-0002,TP-002,2023-02-03,immigration_service,identified,ngo,forced_labour,construction,male,41,",
        "T-0002,TP-002,2023-02-03,immigration_service,identified,ngo,forced_labour,construction,male,42,",
    ) + "T-0011,TP-011,2023-11-11,cmm,not_identified,,,,male,,DK,,\n";
    assert_ne!(src, changed);
    let edited = dir.path().join("identifications.csv");
    std::fs::write(&edited, changed).unwrap();
    let third = spor(&db, &["import"], &[edited]);
    assert!(third.status.success(), "{}", text(&third.stderr));
    assert_eq!(summary(&text(&third.stdout), "identifications"), (1, 1, 9));

    let r = load(&db);
    assert_eq!(r.identifications.len(), 11, "no duplicates");
    let t2 = r
        .identifications
        .iter()
        .find(|i| i.case_ref.as_str() == "T-0002")
        .unwrap();
    assert_eq!(t2.age, Some(42));
}

#[test]
fn a_bad_file_is_refused_listing_every_bad_row_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let bad = dir.path().join("identifications.csv");
    std::fs::write(
        &bad,
        "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country\n\
         B-1,P-1,2023-01-10,cmm,identified,police,sexual,,female,30,NG,,\n\
         B-2,P-2,2023-02-30,cmm,identified,police,sexual,,female,30,NG,,\n\
         B-3,P-3,2023-01-10,cmm,identified,,sexual,,female,30,NG,,\n\
         B-4,P-4,2023-01-10,cmm,identified,police,sexual,,female,130,NG,,\n\
         B-5,P-5,2023-01-10,cmm,not_identified,,,,male,,DK,,\n\
         B-6,P-6,2023-01-10,cmm,identified,police,forced_labour,theft,male,25,UA,,\n",
    )
    .unwrap();
    // The good files come first: they must not be written either.
    let mut files = register_files();
    files.remove(0);
    files.push(bad.clone());
    let out = spor(&db, &["import"], &files);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    let shown = bad.display().to_string();
    for expected in [
        format!("{shown}, line 3, column decision_date: `2023-02-30`; expected a real date"),
        format!(
            "{shown}, line 4, column referral_actor: empty; expected a value (required when outcome is identified)"
        ),
        format!(
            "{shown}, line 5, column age: `130`; expected a whole number of years from 0 to 120"
        ),
        format!(
            "{shown}, line 7, column exploitation_subtype: `theft`; expected a subtype of forced_labour"
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("line 2,") && !stderr.contains("line 6,"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: import refused: 4 problem(s) in 4 row(s); nothing was written"),
        "{stderr}"
    );
    assert_empty(&db);
}

#[test]
fn a_workbook_with_a_code_the_store_does_not_know_is_refused_naming_the_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let (db1, db2) = (dir.path().join("one.db"), dir.path().join("two.db"));
    // The centre adds a referral actor and uses it.
    let add = spor(
        &db1,
        &[
            "codes",
            "add",
            "referral_actor",
            "union",
            "--da",
            "Fagforening",
            "--en",
            "Trade union",
        ],
        &[],
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    let src = std::fs::read_to_string(test_register().join("identifications.csv")).unwrap();
    let with_union = dir.path().join("identifications.csv");
    std::fs::write(
        &with_union,
        src + "T-0011,TP-011,2023-11-11,cmm,identified,union,sexual,,female,29,TH,,\n",
    )
    .unwrap();
    let first = spor(&db1, &["import"], &[with_union]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let xlsx = dir.path().join("export.xlsx");
    export(&db1, "xlsx", &xlsx);

    // A store without that code refuses the row, naming workbook, sheet, line and column.
    let out = spor(&db2, &["import"], std::slice::from_ref(&xlsx));
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "{}, sheet identifications, line 12, column referral_actor: `union`; expected a referral actor code: police,",
            xlsx.display()
        )),
        "{stderr}"
    );
    assert_empty(&db2);

    // Once the code is added there too, the same workbook imports.
    let add = spor(
        &db2,
        &[
            "codes",
            "add",
            "referral_actor",
            "union",
            "--da",
            "Fagforening",
            "--en",
            "Trade union",
        ],
        &[],
    );
    assert!(add.status.success());
    let again = spor(&db2, &["import"], &[xlsx]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(summary(&text(&again.stdout), "identifications"), (11, 0, 0));
}

#[test]
fn dry_run_says_what_would_be_done_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let out = spor(&db, &["import", "--dry-run"], &register_files());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("dry run"), "{stdout}");
    assert_eq!(summary(&stdout, "identifications"), (10, 0, 0));
    assert_empty(&db);
}

fn export(db: &Path, format: &str, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_spor"))
        .arg("--db")
        .arg(db)
        .args(["export", "--format", format, "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn csv_export_imported_into_an_empty_store_exports_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let (db1, db2) = (dir.path().join("one.db"), dir.path().join("two.db"));
    assert!(spor(&db1, &["import"], &register_files()).status.success());
    let (out1, out2) = (dir.path().join("out1"), dir.path().join("out2"));
    export(&db1, "csv", &out1);
    let files: Vec<PathBuf> = ENTITY_FILES.iter().map(|f| out1.join(f)).collect();
    let imported = spor(&db2, &["import"], &files);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    export(&db2, "csv", &out2);
    for f in ENTITY_FILES {
        let a = std::fs::read(out1.join(f)).unwrap();
        let b = std::fs::read(out2.join(f)).unwrap();
        assert!(!a.is_empty());
        assert!(a == b, "{f} differs");
    }
    // The export holds what was imported, timestamps in the canonical form.
    let calls = std::fs::read_to_string(out1.join("hotline_calls.csv")).unwrap();
    assert!(
        calls.contains("TC-002,2023-03-26T10:00:00+02:00,citizen,false,knowledge"),
        "{calls}"
    );
}

#[test]
fn xlsx_export_imported_into_an_empty_store_exports_an_identical_workbook_and_register() {
    let dir = tempfile::tempdir().unwrap();
    let (db1, db2) = (dir.path().join("one.db"), dir.path().join("two.db"));
    assert!(spor(&db1, &["import"], &register_files()).status.success());
    let (x1, x2) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    export(&db1, "xlsx", &x1);
    let imported = spor(&db2, &["import"], std::slice::from_ref(&x1));
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    export(&db2, "xlsx", &x2);
    assert!(
        std::fs::read(&x1).unwrap() == std::fs::read(&x2).unwrap(),
        "the workbooks differ"
    );
    // XLSX and CSV give the same register.
    let (a, b) = (load(&db1), load(&db2));
    assert!(a.identifications == b.identifications);
    assert!(a.assessments == b.assessments);
    assert_eq!(a.hotline_calls, b.hotline_calls);
    assert_eq!(a.history, b.history);
}

/// A synthetic register of `decisions` decisions from `spor bench generate`.
fn generated(decisions: usize, dir: &Path) -> Vec<PathBuf> {
    let out = Command::new(env!("CARGO_BIN_EXE_spor"))
        .args([
            "bench",
            "generate",
            "--decisions",
            &decisions.to_string(),
            "--out",
        ])
        .arg(dir)
        .output()
        .expect("the spor binary runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    ENTITY_FILES.iter().map(|f| dir.join(f)).collect()
}

fn sqlite_master(db: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_large_first_import_written_while_reading_lands_whole_with_its_indexes_and_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let files = generated(40_000, &dir.path().join("reg"));
    let db = dir.path().join("spor.db");
    let out = spor(&db, &["import"], &files);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(summary(&stdout, "identifications"), (40_000, 0, 0));
    assert_eq!(summary(&stdout, "assessments"), (10_000, 0, 0));
    assert_eq!(summary(&stdout, "hotline_calls"), (10_000, 0, 0));
    let r = load(&db);
    assert_eq!(r.identifications.len(), 40_000);
    // The rows are the files' rows: the first and the last decision as written.
    let file = std::fs::read_to_string(&files[0]).unwrap();
    let last = file.lines().last().unwrap();
    let last_ref = last.split(',').next().unwrap();
    assert!(
        r.identifications
            .iter()
            .any(|d| d.case_ref.as_str() == last_ref)
    );
    // The indexes dropped for the load are back, and the file is in WAL mode again.
    let indexes = sqlite_master(
        &db,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
    );
    assert!(
        indexes.contains(&"identifications_person".to_string()),
        "{indexes:?}"
    );
    assert!(
        indexes.contains(&"assessments_person".to_string()),
        "{indexes:?}"
    );
    assert_eq!(sqlite_master(&db, "PRAGMA journal_mode"), ["wal"]);
    // A second import of the same files changes nothing.
    let again = spor(&db, &["import"], &files);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(
        summary(&text(&again.stdout), "identifications"),
        (0, 0, 40_000)
    );
}

#[test]
fn a_bad_row_after_rows_already_written_while_reading_leaves_the_store_empty() {
    let dir = tempfile::tempdir().unwrap();
    let files = generated(40_000, &dir.path().join("reg"));
    // Spoil the last decision (after two chunks have gone to the writer) and repeat a
    // call ref at the end of the calls.
    let ident = &files[0];
    let mut text_in = std::fs::read_to_string(ident).unwrap();
    let last_line_start = text_in.trim_end().rfind('\n').unwrap() + 1;
    let last = text_in[last_line_start..].to_string();
    let spoilt =
        last.replacen(",identified,", ",maybe,", 1)
            .replacen(",not_identified,", ",maybe,", 1);
    text_in.replace_range(last_line_start.., &spoilt);
    std::fs::write(ident, text_in).unwrap();
    let calls = &files[2];
    let mut calls_in = std::fs::read_to_string(calls).unwrap();
    let first_call = calls_in.lines().nth(1).unwrap().to_string();
    calls_in.push_str(&first_call);
    calls_in.push('\n');
    std::fs::write(calls, calls_in).unwrap();

    let db = dir.path().join("spor.db");
    let out = spor(&db, &["import"], &files);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("identifications.csv, line 40001, column outcome"),
        "{err}"
    );
    assert!(
        err.contains("hotline_calls.csv, line 10002, column call_ref"),
        "{err}"
    );
    assert_empty(&db);
    // The file taken for the first import is back in WAL mode though nothing landed.
    assert_eq!(sqlite_master(&db, "PRAGMA journal_mode"), ["wal"]);
    // The store is whole and usable afterwards.
    let ok = spor(&db, &["import"], &register_files());
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert_eq!(sqlite_master(&db, "PRAGMA journal_mode"), ["wal"]);
}

/// The test register's files as Excel with Danish settings saves them as "CSV UTF-8": a
/// byte-order mark, semicolons between cells, CRLF line ends. (The test register has no
/// cell with a comma or a semicolon in it, so replacing the separators is all it takes; its
/// quoted cells stay quoted.)
fn excel_danish(dir: &Path) -> Vec<PathBuf> {
    register_files()
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(!text.contains(';') && !text.contains(",\",") && !text.contains("\"\""));
            let mut out = "\u{feff}".to_string();
            for line in text.lines() {
                out.push_str(&line.replace(',', ";"));
                out.push_str("\r\n");
            }
            let p = dir.join(f.file_name().unwrap());
            std::fs::write(&p, out).unwrap();
            p
        })
        .collect()
}

#[test]
fn a_semicolon_separated_register_from_excel_imports_says_so_and_exports_with_commas() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let (semi, out) = (dir.path().join("semi"), dir.path().join("out"));
    std::fs::create_dir(&semi).unwrap();
    let files = excel_danish(&semi);
    let imported = spor(&db, &["import"], &files);
    let stdout = text(&imported.stdout);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert_eq!(summary(&stdout, "identifications"), (10, 0, 0));
    assert_eq!(summary(&stdout, "history"), (15, 0, 0));
    for f in &files {
        let said = format!("{}: ", f.display());
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&said))
            .unwrap_or_else(|| panic!("no line for {said} in:\n{stdout}"));
        assert!(line.contains("read as semicolon-separated (;)"), "{line}");
    }
    // The same register as from the comma-separated files.
    let db2 = dir.path().join("two.db");
    assert!(spor(&db2, &["import"], &register_files()).status.success());
    assert_eq!(load(&db).identifications, load(&db2).identifications);
    // Export keeps to the spec: commas.
    export(&db, "csv", &out);
    let history = std::fs::read_to_string(out.join("history.csv")).unwrap();
    assert!(
        history.starts_with("series,year,category,count") && !history.contains(';'),
        "{history}"
    );
}

#[test]
fn a_semicolon_crlf_file_with_bad_rows_is_refused_naming_each_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let bad = dir.path().join("identifications.csv");
    let rows = [
        "case_ref;person_ref;decision_date;authority;outcome;referral_actor;exploitation_form;exploitation_subtype;gender;age;nationality;return_date;return_country",
        "B-1;P-1;2023-01-10;cmm;identified;police;sexual;;female;30;NG;;",
        "B-2;P-2;2023-01-10;cmm;ja;police;sexual;;female;30;NG;;",
        "",
        "B-3;P-3;2023-01-10;cmm;identified;police;sexual;;female;30;NG;;",
        "B-4;P-4;10-01-2023;cmm;identified;police;sexual;;female;30;NG;;",
        "B-5;P-5;2023-01-10;cmm;not_identified;;;;male;;DK;;",
    ];
    std::fs::write(&bad, format!("\u{feff}{}\r\n", rows.join("\r\n"))).unwrap();
    let mut files = register_files();
    files.remove(0);
    files.push(bad.clone());
    let out = spor(&db, &["import"], &files);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    let shown = bad.display().to_string();
    let problems: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&shown)).collect();
    assert_eq!(
        problems,
        [
            format!(
                "{shown}, line 3, column outcome: `ja`; expected one of identified, not_identified"
            ),
            format!(
                "{shown}, line 6, column decision_date: `10-01-2023`; expected a real date as YYYY-MM-DD, e.g. 2023-04-17"
            ),
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("error: import refused: 2 problem(s) in 2 row(s); nothing was written"),
        "{stderr}"
    );
    assert_empty(&db);
}

/// Issue 23: `spor key generate`, then persons imported, shown, found and erased under
/// `--master-key` (and `SPOR_MASTER_KEY_FILE`); another key is refused with a clear error.
#[test]
fn persons_are_imported_shown_and_found_under_the_master_key_and_refused_under_another() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let key = dir.path().join("master.key");
    let other = dir.path().join("other.key");
    for k in [&key, &other] {
        let out = spor(&db, &["key", "generate", "--out", k.to_str().unwrap()], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let again = spor(
        &db,
        &["key", "generate", "--out", key.to_str().unwrap()],
        &[],
    );
    assert!(
        !again.status.success(),
        "an existing key file is never overwritten"
    );

    let out = spor(&db, &["import"], &register_files());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let person = load(&db).identifications[0].person_ref.as_str().to_string();
    let persons = dir.path().join("persons.csv");
    std::fs::write(
        &persons,
        format!(
            "person_ref,full_name,birth_date,document_number\n{person},Plonkia Syntetova,1979-11-02,PZ 7711\nNEW-1,SYNTETOVA plonkia,1979-11-02,\n"
        ),
    )
    .unwrap();

    // Without the key: refused, saying what to do.
    let out = spor(&db, &["import"], std::slice::from_ref(&persons));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--master-key FILE"),
        "{}",
        text(&out.stderr)
    );

    let k = key.to_str().unwrap();
    let out = spor(
        &db,
        &["--master-key", k, "import"],
        std::slice::from_ref(&persons),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("persons"), "{stdout}");
    let warned = text(&out.stderr);
    assert!(
        warned.contains(&format!(
            "NEW-1 has the same name and birth date as {person}"
        )),
        "{warned}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_spor"))
        .args(["--db", db.to_str().unwrap(), "persons", "show", &person])
        .env("SPOR_MASTER_KEY_FILE", &key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("full_name: Plonkia Syntetova"));

    let out = spor(&db, &["--master-key", k, "persons", "find", "plonkia"], &[]);
    assert_eq!(
        text(&out.stdout).lines().collect::<Vec<_>>(),
        ["NEW-1", person.as_str()]
    );

    let o = other.to_str().unwrap();
    let out = spor(&db, &["--master-key", o, "persons", "show", &person], &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not the key"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("Plonkia"));

    // Everything held about the person, as JSON and as PDF.
    let out = spor(&db, &["--master-key", k, "persons", "access", &person], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let name = &v["identity"][0];
    assert_eq!(
        (&name["field"], &name["label"], &name["value"]),
        (
            &"full_name".into(),
            &"Fulde navn".into(),
            &"Plonkia Syntetova".into()
        )
    );
    assert!(!v["decisions"].as_array().unwrap().is_empty());
    let pdf = dir.path().join("access.pdf");
    let pdf_path = pdf.to_str().unwrap();
    let args = [
        "--master-key",
        k,
        "persons",
        "access",
        &person,
        "--format",
        "pdf",
        "--out",
        pdf_path,
    ];
    let out = spor(&db, &args, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    let out = spor(
        &db,
        &[
            "--master-key",
            k,
            "persons",
            "erase",
            &person,
            "--reason",
            "the person asked",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = spor(&db, &["--master-key", k, "persons", "show", &person], &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("erased"),
        "{}",
        text(&out.stderr)
    );
    let out = spor(
        &db,
        &["retention", "apply", "--dry-run", "--before", "2100-01-01"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("dry run"),
        "{}",
        text(&out.stdout)
    );
}
