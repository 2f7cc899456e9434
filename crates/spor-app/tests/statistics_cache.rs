//! The statistics' copy of the records: when it is not current, the records are read a
//! chunk at a time into the columns the whole register gives, and the copy is kept in the
//! store for the next reader until the register changes. On a real SQLite file, and on
//! PostgreSQL when `SPOR_TEST_POSTGRES_URL` names a server.

use spor_stats::Columns;
use spor_store::{RecordChunk, Store};

/// The demo register with more decisions than one chunk, so that pages follow each other.
fn register_over_one_chunk() -> spor_core::ImportBatch {
    let mut batch = spor_demo::build();
    let first = batch.identifications[0].clone();
    for i in 0..spor_store::SCAN_CHUNK + 10 {
        let mut d = first.clone();
        d.case_ref = spor_core::Ref::parse(&format!("Z-{i:06}")).unwrap();
        d.person_ref = spor_core::Ref::parse(&format!("Q-{i:06}")).unwrap();
        batch.identifications.push(d);
    }
    batch
}

async fn check(store: &dyn Store, what: &str) {
    store
        .apply_import(&register_over_one_chunk())
        .await
        .unwrap();
    let cache = store
        .statistics_cache()
        .expect("both backends keep columns");
    assert!(cache.kept_columns().await.unwrap().1.is_none(), "{what}");

    let mut chunks = 0;
    cache
        .scan_records(&mut |chunk| {
            chunks += 1;
            assert!(
                match &chunk {
                    RecordChunk::Identifications(r) => r.len(),
                    RecordChunk::Assessments(r) => r.len(),
                    RecordChunk::HotlineCalls(r) => r.len(),
                } <= spor_store::SCAN_CHUNK
            );
        })
        .await
        .unwrap();
    assert!(chunks >= 4, "{what}: {chunks} chunks");

    let full = store.load_register().await.unwrap();
    let expected = Columns::of_register(&full).to_bytes();
    let (register, columns) = spor_app::statistics::load(store).await.unwrap();
    assert!(register.identifications.is_empty(), "{what}");
    assert_eq!(register.history, full.history, "{what}");
    assert_eq!(register.last_change, full.last_change, "{what}");
    assert_eq!(columns.to_bytes(), expected, "{what}");
    // Kept for the next reader, under the register's stamp.
    assert_eq!(
        cache.kept_columns().await.unwrap().1,
        Some(expected),
        "{what}"
    );

    // A change: no longer handed out, and keeping under the old stamp is refused.
    store.set_microdata_from(Some(2020)).await.unwrap();
    assert!(cache.kept_columns().await.unwrap().1.is_none(), "{what}");
    let old = full.last_change.unwrap();
    assert!(!cache.keep_columns(old, &columns.to_bytes()).await.unwrap());
    assert!(cache.kept_columns().await.unwrap().1.is_none(), "{what}");
    let (again, _) = spor_app::statistics::load(store).await.unwrap();
    assert_eq!(again.microdata_from, Some(2020));
    assert!(cache.kept_columns().await.unwrap().1.is_some(), "{what}");
}

/// A figure's records (issue 24, item 3), read from the store over several chunks: as many
/// as the figure, each of the kind the cell names; a register changed since the figures
/// were counted is refused rather than misread.
async fn trace(store: &dyn Store, what: &str) {
    use spor_app::trace::{TraceFailure, cell_records};
    use spor_store::web::Record;
    let (register, columns) = spor_app::statistics::load(store).await.unwrap();
    let report = spor_stats::evaluate_columns(&register, &columns, 2023).unwrap();
    let t = &report.tables["victims_by_gender_form"];
    let col = t.column_keys.iter().position(|k| k == "sexual").unwrap();
    let row = t.rows.iter().find(|r| r.key == "female").unwrap();
    let (_, records) = cell_records(
        store,
        &register,
        &columns,
        2023,
        "victims_by_gender_form",
        &["female"],
        "sexual",
    )
    .await
    .unwrap();
    assert_eq!(Some(records.len() as u64), row.values[col], "{what}");
    assert!(
        records.len() > spor_store::SCAN_CHUNK,
        "{what}: over more than one chunk"
    );
    let mut refs = Vec::new();
    for r in &records {
        let Record::Identification(d) = r else {
            panic!("{what}: {r:?} is not a decision")
        };
        assert_eq!(d.gender.code(), "female", "{what} {}", d.case_ref);
        assert_eq!(
            d.exploitation_form.map(|f| f.code()),
            Some("sexual"),
            "{what}"
        );
        refs.push(r.key().to_owned());
    }
    assert!(refs.is_sorted(), "{what}: in reference order");

    store.set_microdata_from(Some(2019)).await.unwrap();
    let stale = cell_records(
        store,
        &register,
        &columns,
        2023,
        "victims_by_gender_form",
        &["female"],
        "sexual",
    )
    .await;
    assert!(
        matches!(stale, Err(TraceFailure::Changed)),
        "{what}: {stale:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_counts_from_chunks_and_keeps_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("spor.db").to_string_lossy().into_owned();
    let store = spor_store::open(&url).await.unwrap();
    check(store.as_ref(), "sqlite").await;
    trace(store.as_ref(), "sqlite").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_counts_from_chunks_and_keeps_the_columns() {
    let Ok(base) = std::env::var("SPOR_TEST_POSTGRES_URL") else {
        eprintln!("SPOR_TEST_POSTGRES_URL is not set: the PostgreSQL half is not run");
        return;
    };
    use sqlx::Executor;
    let name = format!("spor_app_columns_{:016x}", fastrand::u64(..));
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let store = spor_store::open(&format!("{server}/{name}")).await.unwrap();
    check(store.as_ref(), "postgres").await;
    trace(store.as_ref(), "postgres").await;
    drop(store);
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .await
        .unwrap();
}
