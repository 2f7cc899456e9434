//! Who a person is (issue 23), end to end on a real SQLite file, and on PostgreSQL when
//! `SPOR_TEST_POSTGRES_URL` names a server (each run in a database of its own): identities
//! imported from `persons.csv` are sealed under the master key, never in the database in
//! plain text, refused under another key, flagged when a person comes again, found by name
//! through the blind index, and erased by the retention policy without any statistic
//! changing. All names, numbers and dates are synthetic.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use spor_app::audit::Actor;
use spor_app::identity::{IdentityError, MasterKey};
use spor_app::import::{ImportError, ImportOptions, import_with_identity};

fn by() -> Actor<'static> {
    Actor::command_line("cli:caseworker")
}

/// The synthetic identity of the `i`th person: every value distinctive enough that finding
/// it among the database's bytes means it is stored in plain text.
fn identity_values(i: usize) -> [String; 7] {
    [
        format!("Qwyzzel Syntetica{i:02} Testovna"),
        format!("Qwyzzi{i:02}"),
        format!("1971-03-{:02}", i % 28 + 1),
        format!("+45 9911 {:04}", 3000 + i),
        format!("XQZ{:07}", 4_400_000 + i),
        format!("tigrinyax{i:02}"),
        format!("Kontaktperson Blixtrum{i:02}"),
    ]
}

fn write_persons(path: &Path, rows: &[(String, [String; 7])]) {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(
        f,
        "person_ref,full_name,other_names,birth_date,phone,document_number,language,contact"
    )
    .unwrap();
    for (r, v) in rows {
        let cells: Vec<String> = std::iter::once(r.clone())
            .chain(v.iter().map(|c| format!("\"{c}\"")))
            .collect();
        writeln!(f, "{}", cells.join(",")).unwrap();
    }
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    v.sort();
    v
}

async fn import(
    url: &str,
    files: Vec<PathBuf>,
    key: Option<&MasterKey>,
) -> Result<spor_app::import::Imported, ImportError> {
    let store = spor_app::open_store(url).await.unwrap();
    import_with_identity(store.as_ref(), files, ImportOptions::default(), None, key).await
}

/// Every year's internal overview as JSON: what "the statistics" are.
async fn statistics(url: &str) -> Vec<String> {
    let store = spor_app::open_store(url).await.unwrap();
    let (register, columns) = spor_app::statistics::load(store.as_ref()).await.unwrap();
    let full = store.load_register().await.unwrap();
    let mut years: Vec<i32> = full
        .identifications
        .iter()
        .map(|d| chrono::Datelike::year(&d.decision_date))
        .collect();
    years.sort_unstable();
    years.dedup();
    assert!(!years.is_empty());
    years
        .into_iter()
        .map(|y| {
            spor_app::Edition::compute(&register, &columns, y, &spor_app::Profile::Internal)
                .unwrap()
                .json()
                .unwrap()
        })
        .collect()
}

struct Story {
    values: Vec<[String; 7]>,
}

/// `db`: the SQLite file, searched for the values while every identity is sealed in it.
async fn story(url: &str, dir: &Path, backend: &str, db: Option<&Path>) -> Story {
    let key = MasterKey::from_bytes([0x5a; 32]);
    let wrong = MasterKey::from_bytes([0xa5; 32]);
    let register_dir = dir.join("register");
    spor_app::generate::generate(400, 11, &register_dir).unwrap();
    // Without the master key everything but identity works: the register imports.
    import(url, csv_files(&register_dir), None).await.unwrap();
    let store = spor_app::open_web_store(url).await.unwrap();
    let register = store.load_register().await.unwrap();
    let mut refs: Vec<String> = register
        .identifications
        .iter()
        .map(|d| d.person_ref.as_str().to_string())
        .collect();
    refs.sort();
    refs.dedup();
    let refs: Vec<String> = refs.into_iter().take(12).collect();
    let rows: Vec<(String, [String; 7])> = refs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.clone(), identity_values(i)))
        .collect();
    let persons_dir = dir.join("persons");
    std::fs::create_dir_all(&persons_dir).unwrap();
    let persons = persons_dir.join("persons.csv");
    write_persons(&persons, &rows);

    // Persons without the key: refused, nothing written.
    let Err(ImportError::Failed(e)) = import(url, vec![persons.clone()], None).await else {
        panic!("{backend}: persons without the master key are refused");
    };
    assert!(format!("{e:#}").contains("master key"), "{backend}: {e:#}");
    assert!(store.person(&refs[0]).await.unwrap().is_none(), "{backend}");

    let imported = import(url, vec![persons.clone()], Some(&key))
        .await
        .unwrap();
    assert_eq!(imported.persons.counts.inserted, 12, "{backend}");
    assert!(imported.persons.duplicates.is_empty(), "{backend}");
    let seen = spor_app::identity::view(
        store.as_ref(),
        by(),
        Some(&key),
        &refs[3],
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        seen.values().map(Option::unwrap_or_default),
        rows[3].1,
        "{backend}: the identity reads back"
    );

    // The same file again changes nothing.
    let again = import(url, vec![persons.clone()], Some(&key))
        .await
        .unwrap();
    assert_eq!(again.persons.counts.unchanged, 12, "{backend}");

    // The database holds none of the values in plain text.
    if let Some(db) = db {
        let bytes = database_bytes(db);
        assert!(bytes.len() > 10_000);
        for v in rows.iter().flat_map(|(_, v)| v) {
            assert!(
                !contains(&bytes, v),
                "`{v}` is in the database file in plain text"
            );
        }
        // The search is not vacuous: a value that is stored in plain text is found.
        assert!(
            contains(&bytes, &refs[0]),
            "the person refs are stored as they are"
        );
    }

    // A person registered again under a new ref, with the name written otherwise and the
    // same birth date, is flagged with the earlier person's ref; and one with another's
    // document number.
    let mut twin = rows[5].1.clone();
    twin[0] = twin[0]
        .to_uppercase()
        .split(' ')
        .rev()
        .collect::<Vec<_>>()
        .join("  ");
    twin[4] = "NEW0000001".into();
    let mut doc = identity_values(40);
    doc[4] = rows[7].1[4].to_lowercase();
    let later = persons_dir.join("later");
    std::fs::create_dir_all(&later).unwrap();
    let later_file = later.join("persons.csv");
    write_persons(
        &later_file,
        &[("REPEAT-1".into(), twin), ("REPEAT-2".into(), doc)],
    );
    let flagged = import(url, vec![later_file.clone()], Some(&key))
        .await
        .unwrap();
    let found: Vec<(String, String, String)> = flagged
        .persons
        .duplicates
        .iter()
        .map(|d| (d.person_ref.clone(), d.earlier.clone(), d.matched.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "REPEAT-1".to_string(),
                refs[5].clone(),
                "name_birth".to_string()
            ),
            (
                "REPEAT-2".to_string(),
                refs[7].clone(),
                "document".to_string()
            ),
        ],
        "{backend}"
    );
    assert!(
        flagged.persons.duplicates[0].message().contains(&refs[5]),
        "{backend}"
    );

    // Another master key: refused with a clear error before anything is read or written.
    let before = store.identity_state().await.unwrap();
    let Err(ImportError::Failed(e)) = import(url, vec![later_file.clone()], Some(&wrong)).await
    else {
        panic!("{backend}: an import under another master key is refused");
    };
    assert!(
        format!("{e:#}").contains("not the key this register's identities are sealed under"),
        "{backend}: {e:#}"
    );
    let after = store.identity_state().await.unwrap();
    assert_eq!(after.persons, before.persons, "{backend}");
    assert!(matches!(
        spor_app::identity::view(
            store.as_ref(),
            by(),
            Some(&wrong),
            &refs[3],
            chrono::Utc::now()
        )
        .await,
        Err(IdentityError::WrongKey)
    ));
    let mut p = spor_core::PersonIdentity::new(spor_core::Ref::parse("WRONG-1").unwrap());
    p.set("full_name", "Wrongkey Person").unwrap();
    assert!(matches!(
        spor_app::identity::save(store.as_ref(), by(), Some(&wrong), &p, chrono::Utc::now()).await,
        Err(IdentityError::WrongKey)
    ));
    assert!(
        store.person("WRONG-1").await.unwrap().is_none(),
        "{backend}"
    );

    // Search by name, through the blind index: a whole name in another order and case,
    // or one word of it.
    let hits = spor_app::identity::search(
        store.as_ref(),
        by(),
        Some(&key),
        "testovna SYNTETICA02 qwyzzel",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(hits, [refs[2].clone()], "{backend}");
    let hits = spor_app::identity::search(
        store.as_ref(),
        by(),
        Some(&key),
        "Qwyzzi04",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(hits, [refs[4].clone()], "{backend}");

    // Everything held about a person: identity, records, and who viewed them.
    let access = spor_app::identity::subject_access(
        store.as_ref(),
        by(),
        Some(&key),
        &refs[3],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let value_of = |fields: &serde_json::Value, name: &str| {
        fields
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == name)
            .map(|f| f["value"].clone())
    };
    assert_eq!(
        value_of(&access["identity"], "full_name"),
        Some(rows[3].1[0].as_str().into()),
        "{backend}"
    );
    assert_eq!(access["person_ref"], refs[3].as_str());
    let decisions = access["decisions"].as_array().unwrap();
    assert!(!decisions.is_empty(), "{backend}");
    assert!(
        decisions
            .iter()
            .all(|d| value_of(&d["fields"], "person_ref") == Some(refs[3].as_str().into()))
    );
    let trail = access["audit_trail"].as_array().unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e["event"] == "person.identity_view" && e["by"] == "cli:caseworker"),
        "{backend}: {trail:?}"
    );
    let again = spor_app::identity::subject_access(
        store.as_ref(),
        by(),
        Some(&key),
        &refs[3],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        again["audit_trail"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "person.subject_access"),
        "{backend}: producing it is audited"
    );

    // Retention: everyone's last activity is before 2100; one person is held.
    spor_app::identity::legal_hold(
        store.as_ref(),
        by(),
        &refs[1],
        Some("case before the court"),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let stats_before = statistics(url).await;
    let mut wrapped_keys = Vec::new();
    for r in refs.iter().filter(|r| **r != refs[1]) {
        wrapped_keys.push(store.person(r).await.unwrap().unwrap().wrapped_key.unwrap());
    }
    let dry = spor_app::retention::apply(
        store.as_ref(),
        by(),
        chrono::NaiveDate::from_ymd_opt(2100, 1, 1),
        true,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(dry.erase.len(), 11, "{backend}: {dry:?}");
    assert!(
        spor_app::identity::view(
            store.as_ref(),
            by(),
            Some(&key),
            &refs[0],
            chrono::Utc::now()
        )
        .await
        .unwrap()
        .is_some(),
        "{backend}: a dry run erases nothing"
    );
    let done = spor_app::retention::apply(
        store.as_ref(),
        by(),
        chrono::NaiveDate::from_ymd_opt(2100, 1, 1),
        false,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(done.erase.len(), 11, "{backend}");
    assert_eq!(
        done.held,
        [(refs[1].clone(), "case before the court".to_string())]
    );
    assert_eq!(done.without_records, ["REPEAT-1", "REPEAT-2"], "{backend}");
    assert_eq!(
        statistics(url).await,
        stats_before,
        "{backend}: the statistics stay"
    );
    assert!(matches!(
        spor_app::identity::view(
            store.as_ref(),
            by(),
            Some(&key),
            &refs[0],
            chrono::Utc::now()
        )
        .await,
        Err(IdentityError::Erased(_))
    ));
    let erased = store.person(&refs[0]).await.unwrap().unwrap();
    assert!(erased.wrapped_key.is_none() && erased.fields.iter().all(Option::is_none));
    // Crypto-shredding destroys the keys: once the WAL is checkpointed, no erased person's
    // wrapped key is left anywhere in the file (SQLite zeroes freed cells).
    if let Some(db) = db {
        let sqlite = spor_store::sqlite::SqliteStore::open_path(db)
            .await
            .unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(sqlite.pool())
            .await
            .unwrap();
        let bytes = database_bytes(db);
        assert!(contains(&bytes, &refs[1]), "the file is read");
        for k in &wrapped_keys {
            assert!(
                !contains(&bytes, k),
                "an erased person's wrapped key is still in the file"
            );
        }
    }
    assert!(
        spor_app::identity::search(
            store.as_ref(),
            by(),
            Some(&key),
            "Qwyzzi04",
            chrono::Utc::now()
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert!(
        spor_app::identity::view(
            store.as_ref(),
            by(),
            Some(&key),
            &refs[1],
            chrono::Utc::now()
        )
        .await
        .unwrap()
        .is_some(),
        "{backend}: the held person is kept"
    );
    // An old file does not bring the erased back.
    let old = import(url, vec![persons.clone()], Some(&key))
        .await
        .unwrap();
    assert_eq!(old.persons.skipped_erased.len(), 11, "{backend}");
    assert_eq!(old.persons.counts.unchanged, 1, "{backend}");
    assert!(
        store
            .person(&refs[0])
            .await
            .unwrap()
            .unwrap()
            .wrapped_key
            .is_none()
    );

    Story {
        values: rows.into_iter().map(|(_, v)| v).collect(),
    }
}

/// Every file of the SQLite database (the main file, its WAL and shared memory).
fn database_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(b) = std::fs::read(&p) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Collects what `tracing` writes at debug level (every crate), for the test that no
/// identity value is ever logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_is_sealed_flagged_found_and_erased_without_touching_the_statistics() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    tracing::debug!("capture begins");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let url = db.display().to_string();
    let sqlite = story(&url, dir.path(), "sqlite", Some(&db)).await;

    let Ok(base) = std::env::var("SPOR_TEST_POSTGRES_URL") else {
        eprintln!("SPOR_TEST_POSTGRES_URL is not set: the PostgreSQL half is not run");
        check_logs(&logs, &sqlite);
        return;
    };
    use sqlx::Executor;
    let name = format!("spor_identity_{:016x}", fastrand::u64(..));
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let pg_url = format!("{server}/{name}");
    let postgres = story(&pg_url, pg_dir.path(), "postgres", None).await;
    // Every text stored of the persons on PostgreSQL (the held person's sealed values are
    // still there), searched the same way.
    let pg = sqlx::PgPool::connect(&pg_url).await.unwrap();
    let dump: Vec<(String,)> = sqlx::query_as(
        "SELECT concat_ws('|', person_ref, wrapped_key, full_name, other_names, birth_date, phone, document_number, language, contact) FROM persons",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let dump = dump
        .into_iter()
        .map(|(s,)| s)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(dump.contains("REPEAT-1"), "the dump has the persons");
    for v in postgres.values.iter().flatten() {
        assert!(
            !dump.contains(v.as_str()),
            "`{v}` is stored in plain text on PostgreSQL"
        );
    }
    pg.close().await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .await
        .unwrap();
    check_logs(&logs, &sqlite);
}

fn check_logs(logs: &Captured, story: &Story) {
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.contains("capture begins"), "the logs are captured");
    assert!(text.contains("DEBUG"), "debug events are captured");
    for v in story.values.iter().flatten() {
        assert!(!text.contains(v.as_str()), "`{v}` is in the logs");
    }
}

/// The text of a PDF, through `pdftotext` (Debian `poppler-utils`).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The document handed to the person (their right of access) reads in Danish: each field
/// by its label, each code by its text in the register's code lists (a code the centre
/// added and renamed by its current label), each date in Danish order, each audit event
/// in words; the JSON has the same labels and texts beside the names, codes and values.
#[tokio::test(flavor = "multi_thread")]
async fn the_subject_access_document_reads_in_danish_words_not_codes() {
    use spor_store::web::{AuditedChange, ChangeContext, Record};
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("spor.db").display().to_string();
    let store = spor_app::open_web_store(&url).await.unwrap();
    let key = MasterKey::from_bytes([0x31; 32]);
    let now = chrono::Utc::now();

    // A referral actor the centre added, then renamed: the document has today's label.
    let added = spor_core::CodeEntry {
        list: spor_core::ListId::ReferralActor,
        code: "ngo_testhavn".into(),
        da: "Testhavn Forening".into(),
        en: "Testhavn Association".into(),
        parent: None,
        eurostat: None,
        htcds: None,
        builtin: false,
    };
    let ev = by().event(spor_app::audit::Event::CodeAdd, None, None);
    store
        .change_audited(&AuditedChange::AddCode(&added), &ev, now)
        .await
        .unwrap();
    let ev = by().event(spor_app::audit::Event::CodeRename, None, None);
    store
        .change_audited(
            &AuditedChange::RenameCode {
                list: "referral_actor",
                code: "ngo_testhavn",
                da: "Foreningen Testhavn",
                en: "The Testhavn Association",
            },
            &ev,
            now,
        )
        .await
        .unwrap();
    let codes = spor_core::CodeBook::with_additions(store.code_additions().await.unwrap());

    let fields: std::collections::BTreeMap<&str, &str> = [
        ("case_ref", "C-77"),
        ("person_ref", "P-77"),
        ("decision_date", "2023-03-07"),
        ("authority", "court"),
        ("outcome", "identified"),
        ("referral_actor", "ngo_testhavn"),
        ("exploitation_form", "forced_labour"),
        ("exploitation_subtype", "construction"),
        ("gender", "female"),
        ("age", "29"),
        ("nationality", "NG"),
        ("return_date", ""),
        ("return_country", ""),
    ]
    .into();
    let decision = spor_import::validate::identification(&fields, &codes).unwrap();
    let ctx = ChangeContext {
        actor: "cw".into(),
        at: now,
        audit: by().event(spor_app::audit::Event::CaseCreate, Some("C-77"), None),
    };
    store
        .create_record(&Record::Identification(decision), &ctx)
        .await
        .unwrap();
    let mut p = spor_core::PersonIdentity::new(spor_core::Ref::parse("P-77").unwrap());
    p.set("full_name", "Velora Testbakke").unwrap();
    p.set("birth_date", "1994-11-02").unwrap();
    p.set("language", "edo").unwrap();
    spor_app::identity::save(store.as_ref(), by(), Some(&key), &p, now)
        .await
        .unwrap();

    let v = spor_app::identity::subject_access(store.as_ref(), by(), Some(&key), "P-77", now)
        .await
        .unwrap();
    assert_eq!(v["format"], "spor-subject-access/2");
    let find = |items: &serde_json::Value, field: &str| -> serde_json::Value {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .cloned()
            .unwrap_or_else(|| panic!("{field} in {items}"))
    };
    let name = find(&v["identity"], "full_name");
    assert_eq!(name["label"], "Fulde navn");
    assert_eq!(name["value"], "Velora Testbakke");
    assert_eq!(name["text"], "Velora Testbakke");
    let birth = find(&v["identity"], "birth_date");
    assert_eq!(
        (&birth["label"], &birth["value"], &birth["text"]),
        (
            &"Fødselsdato".into(),
            &"1994-11-02".into(),
            &"02-11-1994".into()
        )
    );
    assert_eq!(
        find(&v["identity"], "phone")["value"],
        serde_json::Value::Null
    );
    assert_eq!(find(&v["identity"], "phone")["text"], "–");

    let decision = &v["decisions"][0];
    assert_eq!(decision["ref"], "C-77");
    let f = &decision["fields"];
    for (field, label, code, text) in [
        ("nationality", "Nationalitet", "NG", "Nigeria"),
        (
            "outcome",
            "Udfald",
            "identified",
            "Vurderet udsat for menneskehandel",
        ),
        (
            "authority",
            "Myndighed",
            "court",
            "Domstole og anklagemyndighed",
        ),
        ("gender", "Køn", "female", "Kvinde"),
        (
            "exploitation_subtype",
            "Branche / type",
            "construction",
            "Byggebranchen",
        ),
        (
            "referral_actor",
            "Henvisende aktør",
            "ngo_testhavn",
            "Foreningen Testhavn",
        ),
        (
            "decision_date",
            "Afgørelsesdato",
            "2023-03-07",
            "07-03-2023",
        ),
    ] {
        let e = find(f, field);
        assert_eq!(
            (e["label"].as_str(), e["value"].as_str(), e["text"].as_str()),
            (Some(label), Some(code), Some(text)),
            "{e}"
        );
    }
    assert_eq!(find(f, "age")["value"], 29);
    assert_eq!(find(f, "age")["text"], "29");
    let update = v["audit_trail"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "person.identity_update")
        .cloned()
        .unwrap();
    assert_eq!(update["event_text"], "Identitet registreret eller rettet");
    assert_eq!(
        update["detail_text"],
        "Kendte felter: Fulde navn, Fødselsdato, Sprog"
    );

    // The PDF shows the words, never a field's name or a code (the text's line breaks,
    // where a table cell wraps, read as spaces).
    let text = pdf_text(&spor_pdf::subject_access(&v, now).unwrap())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for words in [
        "Indsigt i egne oplysninger",
        "P-77",
        "Personens identitet",
        "Fulde navn",
        "Velora Testbakke",
        "Fødselsdato",
        "02-11-1994",
        "Afgørelse C-77",
        "Nationalitet",
        "Nigeria",
        "Vurderet udsat for menneskehandel",
        "Domstole og anklagemyndighed",
        "Foreningen Testhavn",
        "Byggebranchen",
        "07-03-2023",
        "Identitet registreret eller rettet",
        "Kendte felter: Fulde navn",
    ] {
        assert!(text.contains(words), "`{words}` is not in the PDF:\n{text}");
    }
    for code in [
        "identified",
        "full_name",
        "birth_date",
        "court",
        "forced_labour",
        "construction",
        "ngo_testhavn",
        "Testhavn Forening",
        "person.identity",
        "case.create",
        "2023-03-07",
        "1994-11-02",
    ] {
        assert!(!text.contains(code), "`{code}` is in the PDF:\n{text}");
    }
    assert!(
        !text.split_whitespace().any(|w| w == "NG" || w == "female"),
        "a raw code in the PDF:\n{text}"
    );
}

/// Registers decision `case` of `person` (not identified) through the use case of the
/// caseworker's form, with `identity` (confirmed or not) under `key`.
async fn new_decision(
    store: &dyn spor_store::WebStore,
    key: Option<&MasterKey>,
    case: &str,
    person: &str,
    identity: Option<(&spor_core::PersonIdentity, bool)>,
) -> Result<spor_app::identity::NewRecord, IdentityError> {
    use spor_store::web::{ChangeContext, Record};
    let f: std::collections::BTreeMap<&str, &str> = [
        ("case_ref", case),
        ("person_ref", person),
        ("decision_date", "2024-05-06"),
        ("authority", "cmm"),
        ("outcome", "not_identified"),
        ("gender", "male"),
        ("nationality", "RO"),
    ]
    .into();
    let codes = spor_core::CodeBook::builtin();
    let record = Record::Identification(spor_import::validate::identification(&f, &codes).unwrap());
    let now = chrono::Utc::now();
    let ctx = ChangeContext {
        actor: "cw".into(),
        at: now,
        audit: by().event(spor_app::audit::Event::CaseCreate, Some(case), None),
    };
    let with =
        identity.map(|(person, confirmed)| spor_app::identity::WithIdentity { person, confirmed });
    spor_app::identity::create_record(store, by(), key, &record, &ctx, None, with).await
}

/// A new record with the person's identity is one write: under another master key than the
/// register's, neither the record nor the identity is kept; a person seen before is named
/// before anything is written; an erased person is not brought back by a new record.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_record_with_its_identity_is_written_whole_or_not_at_all() {
    use spor_app::identity::NewRecord;
    use spor_store::web::RecordKind;
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("spor.db").display().to_string();
    let store = spor_app::open_web_store(&url).await.unwrap();
    let store = store.as_ref();
    let key = MasterKey::from_bytes([0x41; 32]);
    let wrong = MasterKey::from_bytes([0x42; 32]);
    let person = |r: &str| {
        let mut p = spor_core::PersonIdentity::new(spor_core::Ref::parse(r).unwrap());
        p.set("full_name", "Drustan Prøvemark").unwrap();
        p.set("birth_date", "1980-08-08").unwrap();
        p
    };
    let decision_kept = |case: &'static str| async move {
        store
            .record(RecordKind::Identification, case)
            .await
            .unwrap()
            .is_some()
    };

    let p1 = person("P-1");
    let made = new_decision(store, Some(&key), "C-1", "P-1", Some((&p1, false))).await;
    assert_eq!(made.unwrap(), NewRecord::Created);
    assert!(store.person("P-1").await.unwrap().is_some());

    // Under another key: refused, and the record is not kept either.
    let p2 = person("P-2");
    let refused = new_decision(store, Some(&wrong), "C-2", "P-2", Some((&p2, true))).await;
    assert!(
        matches!(refused, Err(IdentityError::WrongKey)),
        "{refused:?}"
    );
    assert!(store.person("P-2").await.unwrap().is_none());
    assert!(
        !decision_kept("C-2").await,
        "the record is not written without its identity"
    );

    // The same person under a new ref: named, nothing written until confirmed.
    let p3 = person("P-3");
    let asked = new_decision(store, Some(&key), "C-3", "P-3", Some((&p3, false))).await;
    let Ok(NewRecord::MayBeEarlier(earlier)) = asked else {
        panic!("{asked:?}")
    };
    assert_eq!(earlier[0].earlier, "P-1");
    assert!(!decision_kept("C-3").await);
    let confirmed = new_decision(store, Some(&key), "C-3", "P-3", Some((&p3, true))).await;
    assert_eq!(confirmed.unwrap(), NewRecord::Created);
    assert!(store.person("P-3").await.unwrap().is_some());

    // No key: refused before anything is written; without identity no key is needed.
    let p4 = person("P-4");
    let no_key = new_decision(store, None, "C-4", "P-4", Some((&p4, true))).await;
    assert!(matches!(no_key, Err(IdentityError::NoKey)), "{no_key:?}");
    assert!(!decision_kept("C-4").await);
    let plain = new_decision(store, None, "C-4", "P-4", None).await;
    assert_eq!(plain.unwrap(), NewRecord::Created);

    // An erased person's identity is not brought back by a new record.
    spor_app::identity::erase(store, by(), "P-1", "the person asked", chrono::Utc::now())
        .await
        .unwrap();
    let again = new_decision(store, Some(&key), "C-5", "P-1", Some((&p1, true))).await;
    assert!(matches!(again, Err(IdentityError::Erased(_))), "{again:?}");
    assert!(!decision_kept("C-5").await);
}
