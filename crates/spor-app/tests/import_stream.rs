//! The import from files, written while the files are read, on SQLite and on PostgreSQL
//! (when `SPOR_TEST_POSTGRES_URL` names a server, each run in a database of its own):
//! generated registers large enough to be handed over in several chunks, a bad row at the
//! end of the files after many rows were written, and imports into a filled register.

use std::path::{Path, PathBuf};

use spor_app::import::{ImportError, ImportOptions, Imported, import};
use spor_store::{ImportSummary, Store, compare_registers};

/// Decisions in a generated register: identifications are handed over in three chunks.
const DECISIONS: usize = 40_000;

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

fn generated(dir: &Path, name: &str, seed: u64) -> Vec<PathBuf> {
    let out = dir.join(name);
    spor_app::generate::generate(DECISIONS, seed, &out).unwrap();
    csv_files(&out)
}

/// The files of `good` with two bad rows at their ends: the first decision again (a key
/// twice, found only when every file has been read) and a call row of the wrong width.
fn spoiled(dir: &Path, good: &[PathBuf]) -> Vec<PathBuf> {
    let out = dir.join("spoiled");
    std::fs::create_dir_all(&out).unwrap();
    for f in good {
        let name = f.file_name().unwrap().to_str().unwrap();
        let mut text = std::fs::read_to_string(f).unwrap();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        match name {
            "identifications.csv" => {
                let first = text.lines().nth(1).unwrap().to_owned();
                text.push_str(&first);
                text.push('\n');
            }
            "hotline_calls.csv" => text.push_str("only-one-field\n"),
            _ => {}
        }
        std::fs::write(out.join(name), text).unwrap();
    }
    csv_files(&out)
}

fn named<'a>(files: &'a [PathBuf], name: &str) -> &'a Path {
    files.iter().find(|f| f.ends_with(name)).unwrap()
}

fn lines(text: &str) -> usize {
    text.lines().count()
}

/// Imports `files` into the store at `url`, opened for it (an SQLite store that streams
/// an import closes its own connections).
async fn run(url: &str, files: &[PathBuf]) -> Result<Imported, ImportError> {
    let store = spor_store::open(url).await.unwrap();
    let opts = ImportOptions {
        dry_run: false,
        progress: false,
    };
    import(store.as_ref(), files.to_vec(), opts).await
}

async fn open(url: &str) -> Box<dyn Store> {
    spor_store::open(url).await.unwrap()
}

/// Refused, naming both bad rows, and nothing written.
async fn refused_and_unchanged(url: &str, files: &[PathBuf], backend: &str) {
    let store = open(url).await;
    let before = store.load_register().await.unwrap();
    let counts_before = store.row_counts().await.unwrap();
    let Err(ImportError::Refused(refusal)) = run(url, files).await else {
        panic!("{backend}: the spoiled files are refused");
    };
    let ids = std::fs::read_to_string(named(files, "identifications.csv")).unwrap();
    let calls = std::fs::read_to_string(named(files, "hotline_calls.csv")).unwrap();
    let listed = |file: &str, line: usize| {
        refusal
            .problems
            .iter()
            .any(|p| p.file.ends_with(file) && p.line == Some(line as u64))
    };
    assert!(
        listed("identifications.csv", lines(&ids)),
        "{backend}: the repeated decision is named: {:?}",
        refusal.problems
    );
    assert!(
        listed("hotline_calls.csv", lines(&calls)),
        "{backend}: the short call row is named: {:?}",
        refusal.problems
    );
    assert_eq!(refusal.bad_rows, 2, "{backend}");
    let store = open(url).await;
    let after = store.load_register().await.unwrap();
    assert_eq!(after.last_change, before.last_change, "{backend}");
    assert!(
        compare_registers(&before, &after).is_empty(),
        "{backend}: nothing written"
    );
    assert_eq!(
        store.row_counts().await.unwrap(),
        counts_before,
        "{backend}"
    );
}

/// What one backend did with the same sequence of imports.
struct Outcome {
    summaries: Vec<ImportSummary>,
    register: spor_core::Register,
}

async fn story(url: &str, dir: &Path, backend: &str) -> Outcome {
    let first = generated(dir, "first", 11);
    let second = generated(dir, "second", 12);
    let spoiled = spoiled(dir, &first);
    let mut summaries = Vec::new();

    // Into the empty register: many rows are written before the bad ones are read.
    refused_and_unchanged(url, &spoiled, backend).await;
    assert!(
        open(url)
            .await
            .load_register()
            .await
            .unwrap()
            .identifications
            .is_empty(),
        "{backend}"
    );

    let imported = run(url, &first).await.unwrap();
    assert_eq!(
        imported.summary.identifications.inserted as usize, DECISIONS,
        "{backend}"
    );
    summaries.push(imported.summary);
    let store = open(url).await;
    let stored = store.load_register().await.unwrap();
    assert_eq!(stored.identifications.len(), DECISIONS, "{backend}");
    // The first import kept the statistics' columns of the register it wrote.
    let (_, kept) = store
        .statistics_cache()
        .unwrap()
        .kept_columns()
        .await
        .unwrap();
    let kept = spor_stats::Columns::from_bytes(&kept.expect("columns kept")).unwrap();
    assert_eq!(
        kept.counts(),
        [
            stored.identifications.len(),
            stored.assessments.len(),
            stored.hotline_calls.len()
        ],
        "{backend}"
    );

    // Into the filled register: refused whole again.
    drop(store);
    refused_and_unchanged(url, &spoiled, backend).await;

    // The same files again: nothing changes; other files: updates and inserts.
    let again = run(url, &first).await.unwrap();
    let t = again.summary.total();
    assert_eq!((t.inserted, t.updated), (0, 0), "{backend}");
    assert_eq!(
        open(url).await.load_register().await.unwrap().last_change,
        stored.last_change,
        "{backend}: an import that changes nothing leaves last_change"
    );
    summaries.push(again.summary);
    let other = run(url, &second).await.unwrap();
    assert!(other.summary.total().updated > 0, "{backend}");
    summaries.push(other.summary);
    Outcome {
        summaries,
        register: open(url).await.load_register().await.unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_streamed_into_postgres_does_what_the_sqlite_import_does() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("spor.db").display().to_string();
    let sqlite = story(&url, dir.path(), "sqlite").await;

    let Ok(base) = std::env::var("SPOR_TEST_POSTGRES_URL") else {
        eprintln!("SPOR_TEST_POSTGRES_URL is not set: the PostgreSQL half is not run");
        return;
    };
    use sqlx::Executor;
    let name = format!("spor_import_stream_{:016x}", fastrand::u64(..));
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let postgres = story(&format!("{server}/{name}"), pg_dir.path(), "postgres").await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .await
        .unwrap();

    assert_eq!(postgres.summaries, sqlite.summaries);
    let mut pg = postgres.register;
    pg.last_change = sqlite.register.last_change;
    let diff = compare_registers(&sqlite.register, &pg);
    assert!(diff.is_empty(), "the backends differ: {diff:?}");
}

/// A database of its own on the test server (`SPOR_TEST_POSTGRES_URL`), and how to drop it.
async fn postgres_database(base: &str, prefix: &str) -> (String, impl AsyncFnOnce()) {
    use sqlx::Executor;
    let name = format!("{prefix}_{:016x}", fastrand::u64(..));
    let admin = sqlx::PgPool::connect(base).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let url = format!("{server}/{name}");
    let drop_it = async move || {
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .await
            .unwrap();
    };
    (url, drop_it)
}

/// The import's audit event is written in the import's transaction: when it cannot be
/// (the trail is kept under a key and none is given) nothing of the import lands; with
/// the key, the import and its event are both there and the chain holds.
async fn import_and_event_together(url: &str, dir: &Path, backend: &str) {
    use spor_store::web::{AuditKey, ChainStatus, NewAuditEvent};
    let out = dir.join("small");
    spor_app::generate::generate(3_000, 5, &out).unwrap();
    let files = csv_files(&out);
    let key = AuditKey::from_bytes([42; 32]);
    let web = spor_store::open_web(url).await.unwrap();
    web.set_audit_key(key.clone());
    let earlier = NewAuditEvent {
        code: "settings.change".into(),
        actor: Some("cli:tester".into()),
        ..Default::default()
    };
    web.append_audit(&earlier, chrono::Utc::now())
        .await
        .unwrap();
    let head = web.audit_head().await.unwrap().unwrap();
    drop(web);

    let event = NewAuditEvent {
        code: "register.import".into(),
        actor: Some("cli:tester".into()),
        address: Some("local".into()),
        ..Default::default()
    };
    let opts = ImportOptions::default();
    let store = open(url).await;
    let refused =
        spor_app::import::import_audited(store.as_ref(), files.clone(), opts, event.clone(), None)
            .await;
    let Err(ImportError::Failed(e)) = refused else {
        panic!("{backend}: an import whose event cannot be written fails");
    };
    assert!(format!("{e:#}").contains("key"), "{backend}: {e:#}");
    let web = spor_store::open_web(url).await.unwrap();
    web.set_audit_key(key.clone());
    let reg = web.load_register().await.unwrap();
    assert!(
        reg.identifications.is_empty(),
        "{backend}: nothing imported"
    );
    assert_eq!(reg.last_change, None, "{backend}");
    assert_eq!(web.audit_head().await.unwrap().unwrap(), head, "{backend}");
    drop(web);

    let store = open(url).await;
    let imported =
        spor_app::import::import_audited(store.as_ref(), files, opts, event, Some(key.clone()))
            .await
            .unwrap();
    let web = spor_store::open_web(url).await.unwrap();
    web.set_audit_key(key);
    let reg = web.load_register().await.unwrap();
    assert_eq!(reg.identifications.len(), 3_000, "{backend}");
    let last = web.audit_head().await.unwrap().unwrap();
    assert_eq!(last.seq, head.seq + 1, "{backend}");
    assert_eq!(last.code, "register.import", "{backend}");
    let t = imported.summary.total();
    assert_eq!(
        last.detail.as_deref(),
        Some(format!("inserted {}, updated 0, unchanged 0", t.inserted).as_str()),
        "{backend}"
    );
    assert_eq!(
        web.verify_audit().await.unwrap(),
        ChainStatus::Intact { events: 2 },
        "{backend}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_and_its_audit_event_land_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("spor.db").display().to_string();
    import_and_event_together(&url, dir.path(), "sqlite").await;

    let Ok(base) = std::env::var("SPOR_TEST_POSTGRES_URL") else {
        eprintln!("SPOR_TEST_POSTGRES_URL is not set: the PostgreSQL half is not run");
        return;
    };
    let (url, drop_it) = postgres_database(&base, "spor_import_audit").await;
    import_and_event_together(&url, dir.path(), "postgres").await;
    drop_it().await;
}
