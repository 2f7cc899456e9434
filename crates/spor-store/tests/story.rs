//! The storage conformance story: the same scenarios against every backend. SQLite always;
//! PostgreSQL when `SPOR_TEST_POSTGRES_URL` names a server (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`), each test in its own database created
//! for it (`spor_test_<random>`) and dropped afterwards. Without the variable the
//! PostgreSQL part is skipped and each test says so on stderr.

mod common;

use common::*;
use spor_core::{CallerType, CodeEntry, Form, ImportBatch, ListId, Series};
use spor_store::postgres::PgStore;
use spor_store::{Store, StoreError, compare_registers, copy_register};

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_new_store_is_empty_and_has_never_changed() {
    for b in backends("a_new_store_is_empty_and_has_never_changed").await {
        let reg = b.store.load_register().await.unwrap();
        assert!(reg.identifications.is_empty(), "{}", b.name);
        assert!(reg.history.is_empty(), "{}", b.name);
        assert_eq!(reg.microdata_from, None, "{}", b.name);
        assert_eq!(reg.last_change, None, "{}", b.name);
        assert_eq!(b.store.backend(), b.name);
    }
}

#[tokio::test]
async fn import_then_load_gives_the_same_records_in_byte_order_of_their_refs() {
    let mut loaded = Vec::new();
    for b in backends("import_then_load_gives_the_same_records_in_byte_order_of_their_refs").await {
        let batch = sample();
        let summary = b.store.apply_import(&batch).await.unwrap();
        assert_eq!(summary.identifications, counts(5, 0, 0), "{}", b.name);
        assert_eq!(summary.assessments, counts(2, 0, 0), "{}", b.name);
        assert_eq!(summary.hotline_calls, counts(3, 0, 0), "{}", b.name);
        assert_eq!(summary.history, counts(4, 0, 0), "{}", b.name);
        let reg = b.store.load_register().await.unwrap();
        assert_holds(b.name, &reg, &batch);
        let refs: Vec<&str> = reg
            .identifications
            .iter()
            .map(|i| i.case_ref.as_str())
            .collect();
        assert_eq!(refs, ["A-9", "B2", "a10", "b-10", "Ø-1"], "{}", b.name);
        loaded.push(reg);
    }
    // Whatever backends ran gave the very same register (but for when it was written).
    for pair in loaded.windows(2) {
        let mut second = pair[1].clone();
        second.last_change = pair[0].last_change;
        let diff = compare_registers(&pair[0], &second);
        assert!(diff.is_empty(), "backends differ: {diff:?}");
    }
}

#[tokio::test]
async fn reimport_updates_changed_rows_inserts_new_ones_and_duplicates_nothing() {
    for b in backends("reimport_updates_changed_rows_inserts_new_ones_and_duplicates_nothing").await
    {
        b.store.apply_import(&sample()).await.unwrap();

        let mut again = sample();
        again.identifications[1].age = Some(31);
        again.identifications.push(identification(
            "new-1",
            "P-3",
            "2023-09-09",
            Some(Form::Other),
        ));
        again.assessments[0].interview_date = date("2023-01-03");
        let summary = b.store.apply_import(&again).await.unwrap();
        assert_eq!(summary.identifications, counts(1, 1, 4), "{}", b.name);
        assert_eq!(summary.assessments, counts(0, 1, 1), "{}", b.name);
        assert_eq!(summary.hotline_calls, counts(0, 0, 3), "{}", b.name);
        assert_eq!(summary.history, counts(0, 0, 4), "{}", b.name);
        assert_eq!(summary.total(), counts(1, 2, 12), "{}", b.name);

        let reg = b.store.load_register().await.unwrap();
        assert_eq!(reg.identifications.len(), 6, "{}", b.name);
        assert_holds(b.name, &reg, &again);

        // The same file once more changes nothing.
        let summary = b.store.apply_import(&again).await.unwrap();
        assert_eq!(summary.total(), counts(0, 0, 15), "{}", b.name);
    }
}

#[tokio::test]
async fn history_rows_are_upserted_by_series_year_and_category() {
    for b in backends("history_rows_are_upserted_by_series_year_and_category").await {
        b.store.apply_import(&sample()).await.unwrap();
        let batch = ImportBatch {
            history: vec![
                // same key, new count: updated
                history(Series::VictimsByForm, 2015, Some("sexual"), Some(56)),
                // same series and category, other year: inserted
                history(Series::VictimsByForm, 2016, Some("sexual"), Some(40)),
                // same series and year, other category: inserted
                history(Series::VictimsByForm, 2015, Some("other_forms"), Some(3)),
                // not published before, now published: updated
                history(Series::VictimsByForm, 2015, Some("forced_labour"), Some(9)),
                // unchanged
                history(Series::Victims, 2015, None, Some(76)),
            ],
            ..ImportBatch::default()
        };
        let summary = b.store.apply_import(&batch).await.unwrap();
        assert_eq!(summary.history, counts(2, 2, 1), "{}", b.name);
        assert_eq!(summary.identifications, counts(0, 0, 0), "{}", b.name);
        let reg = b.store.load_register().await.unwrap();
        assert_eq!(reg.history.len(), 6, "{}", b.name);
        let get = |year: i32, cat: &str| {
            reg.history
                .iter()
                .find(|h| {
                    h.series == Series::VictimsByForm
                        && h.year == year
                        && h.category.as_deref() == Some(cat)
                })
                .and_then(|h| h.count)
        };
        assert_eq!(get(2015, "sexual"), Some(56), "{}", b.name);
        assert_eq!(get(2015, "forced_labour"), Some(9), "{}", b.name);
        assert_eq!(get(2016, "sexual"), Some(40), "{}", b.name);
        // Records imported earlier are untouched by a history-only import.
        assert_eq!(reg.identifications.len(), 5, "{}", b.name);
    }
}

#[tokio::test]
async fn microdata_from_is_set_read_and_unset() {
    for b in backends("microdata_from_is_set_read_and_unset").await {
        assert_eq!(b.store.microdata_from().await.unwrap(), None, "{}", b.name);
        b.store.set_microdata_from(Some(2023)).await.unwrap();
        assert_eq!(
            b.store.microdata_from().await.unwrap(),
            Some(2023),
            "{}",
            b.name
        );
        assert_eq!(
            b.store.load_register().await.unwrap().microdata_from,
            Some(2023),
            "{}",
            b.name
        );
        b.store.set_microdata_from(None).await.unwrap();
        assert_eq!(b.store.microdata_from().await.unwrap(), None, "{}", b.name);
    }
}

#[tokio::test]
async fn a_code_addition_is_kept_in_order_and_a_duplicate_is_refused() {
    for b in backends("a_code_addition_is_kept_in_order_and_a_duplicate_is_refused").await {
        let union = CodeEntry {
            list: ListId::ReferralActor,
            code: "union".into(),
            da: "Fagforening".into(),
            en: "Trade union".into(),
            parent: None,
            eurostat: None,
            htcds: None,
            builtin: false,
        };
        let fishing = CodeEntry {
            list: ListId::ForcedLabourSubtype,
            code: "fishing".into(),
            da: "Fiskeri".into(),
            en: "Fishing".into(),
            parent: Some("forced_labour".into()),
            eurostat: Some("labour".into()),
            htcds: Some("A".into()),
            builtin: false,
        };
        let church = CodeEntry {
            code: "church".into(),
            da: "Kirke".into(),
            en: "Church".into(),
            ..union.clone()
        };
        b.store.add_code(&union).await.unwrap();
        b.store.add_code(&fishing).await.unwrap();
        b.store.add_code(&church).await.unwrap();
        let added = b.store.code_additions().await.unwrap();
        assert_eq!(
            added,
            [fishing.clone(), union.clone(), church.clone()],
            "{}: by list, then in the order added",
            b.name
        );

        let again = CodeEntry {
            da: "Noget andet".into(),
            ..union.clone()
        };
        let err = b.store.add_code(&again).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{}: {err}", b.name);
        assert!(
            err.to_string()
                .contains("`union` already exists in `referral_actor`"),
            "{err}"
        );
        assert_eq!(
            b.store.code_additions().await.unwrap().len(),
            3,
            "{}",
            b.name
        );

        let reg = b.store.load_register().await.unwrap();
        assert_eq!(
            reg.codes
                .get(ListId::ReferralActor, "union")
                .map(|e| e.da.as_str()),
            Some("Fagforening"),
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn a_failing_import_writes_nothing() {
    for b in backends("a_failing_import_writes_nothing").await {
        b.store.apply_import(&sample()).await.unwrap();
        let before = b.store.load_register().await.unwrap();
        b.refuse_marked_history_rows().await;

        // New and changed records of every kind come first; the refused history row is
        // written last, so the import fails after everything else was sent.
        let mut batch = sample();
        batch.identifications[0].age = Some(99);
        batch
            .identifications
            .push(identification("new-1", "P-3", "2023-09-09", None));
        batch
            .assessments
            .push(assessment("as-3", "P-3", "2023-09-01"));
        batch
            .hotline_calls
            .push(call("c-4", "2023-10-10T10:10:00+02:00", None));
        batch.history.push(history(
            Series::VictimsByNationality,
            2016,
            Some("refuse-me"),
            Some(1),
        ));
        let err = b.store.apply_import(&batch).await.unwrap_err();
        assert!(
            err.to_string().contains("refused by the test"),
            "{}: {err}",
            b.name
        );

        let after = b.store.load_register().await.unwrap();
        let diff = compare_registers(&before, &after);
        assert!(
            diff.is_empty(),
            "{}: a failed import changed {diff:?}",
            b.name
        );
    }
}

#[tokio::test]
async fn last_change_moves_on_every_change_and_only_then() {
    for b in backends("last_change_moves_on_every_change_and_only_then").await {
        assert_eq!(b.store.last_change().await.unwrap(), None, "{}", b.name);
        b.store.apply_import(&sample()).await.unwrap();
        let t1 = b
            .store
            .last_change()
            .await
            .unwrap()
            .expect("set by the import");

        // Nothing changed: last_change stays.
        b.store.apply_import(&sample()).await.unwrap();
        assert_eq!(b.store.last_change().await.unwrap(), Some(t1), "{}", b.name);

        let mut changed = sample();
        changed.hotline_calls[1].caller_type = CallerType::Police;
        b.store.apply_import(&changed).await.unwrap();
        let t2 = b.store.last_change().await.unwrap().unwrap();
        assert!(
            t2 > t1,
            "{}: an import that changes a row moves last_change",
            b.name
        );

        b.store.set_microdata_from(Some(2022)).await.unwrap();
        let t3 = b.store.last_change().await.unwrap().unwrap();
        assert!(t3 > t2, "{}: a setting moves last_change", b.name);

        b.store
            .add_code(&CodeEntry {
                list: ListId::ReferralActor,
                code: "school".into(),
                da: "Skole".into(),
                en: "School".into(),
                parent: None,
                eurostat: None,
                htcds: None,
                builtin: false,
            })
            .await
            .unwrap();
        let t4 = b.store.last_change().await.unwrap().unwrap();
        assert!(t4 > t3, "{}: a code addition moves last_change", b.name);
        assert_eq!(b.store.load_register().await.unwrap().last_change, Some(t4));
    }
}

/// Runs two imports at the same time, each on its own task and its own store handle (as
/// two processes would), and returns both outcomes.
async fn at_once(
    s1: Box<dyn Store>,
    b1: ImportBatch,
    s2: Box<dyn Store>,
    b2: ImportBatch,
) -> (
    Result<spor_store::ImportSummary, StoreError>,
    Result<spor_store::ImportSummary, StoreError>,
) {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let (g1, g2) = (start.clone(), start);
    let t1 = tokio::spawn(async move {
        g1.wait().await;
        s1.apply_import(&b1).await
    });
    let t2 = tokio::spawn(async move {
        g2.wait().await;
        s2.apply_import(&b2).await
    });
    (t1.await.expect("task 1"), t2.await.expect("task 2"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_of_different_files_at_the_same_time_both_land() {
    for b in backends("two_imports_of_different_files_at_the_same_time_both_land").await {
        let other = b.reopen().await;
        let first = ImportBatch {
            identifications: many_identifications("A", 2500, 30, "DK"),
            ..ImportBatch::default()
        };
        let second = ImportBatch {
            identifications: many_identifications("B", 2500, 40, "SE"),
            hotline_calls: vec![call("c-9", "2023-01-01T00:00:00+01:00", None)],
            ..ImportBatch::default()
        };
        let (x, y) = at_once(b.reopen().await, first, other, second).await;
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.identifications, counts(2500, 0, 0), "{}", b.name);
        assert_eq!(y.identifications, counts(2500, 0, 0), "{}", b.name);
        let reg = b.store.load_register().await.unwrap();
        assert_eq!(reg.identifications.len(), 5000, "{}", b.name);
        assert_eq!(reg.hotline_calls.len(), 1, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_updating_the_same_refs_never_interleave() {
    for b in backends("two_imports_updating_the_same_refs_never_interleave").await {
        let n = 3000;
        let base = ImportBatch {
            identifications: many_identifications("S", n, 20, "NG"),
            ..ImportBatch::default()
        };
        b.store.apply_import(&base).await.unwrap();
        let other = b.reopen().await;
        let dk = ImportBatch {
            identifications: many_identifications("S", n, 30, "DK"),
            ..ImportBatch::default()
        };
        // The other file lists the refs in reverse order: interleaved writers would
        // meet in the middle.
        let mut se = ImportBatch {
            identifications: many_identifications("S", n, 40, "SE"),
            ..ImportBatch::default()
        };
        se.identifications.reverse();
        let (x, y) = at_once(b.reopen().await, dk, other, se).await;
        let (x, y) = (x.unwrap(), y.unwrap());
        // Each saw the register whole, before or after the other: every row updated.
        assert_eq!(x.identifications, counts(0, n as u64, 0), "{}", b.name);
        assert_eq!(y.identifications, counts(0, n as u64, 0), "{}", b.name);

        let reg = b.store.load_register().await.unwrap();
        assert_eq!(reg.identifications.len(), n, "{}", b.name);
        let dk_rows = reg
            .identifications
            .iter()
            .filter(|i| i.nationality.as_str() == "DK" && i.age == Some(30))
            .count();
        let se_rows = reg
            .identifications
            .iter()
            .filter(|i| i.nationality.as_str() == "SE" && i.age == Some(40))
            .count();
        assert!(
            (dk_rows, se_rows) == (n, 0) || (dk_rows, se_rows) == (0, n),
            "{}: the register holds {dk_rows} rows of one import and {se_rows} of the other",
            b.name
        );
    }
}

/// Fills a register with everything a copy must carry.
async fn fill(store: &dyn Store) {
    store.apply_import(&sample()).await.unwrap();
    store.set_microdata_from(Some(2021)).await.unwrap();
    for (code, da) in [("union", "Fagforening"), ("church", "Kirke")] {
        store
            .add_code(&CodeEntry {
                list: ListId::ReferralActor,
                code: code.into(),
                da: da.into(),
                en: code.into(),
                parent: None,
                eurostat: None,
                htcds: None,
                builtin: false,
            })
            .await
            .unwrap();
    }
}

async fn copy_and_check(from: &Backend, to: &Backend) {
    let what = format!("{} -> {}", from.name, to.name);
    let outcome = copy_register(from.store.as_ref(), to.store.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        outcome.differences.is_empty(),
        "{what}: {:?}",
        outcome.differences
    );
    assert_eq!(
        (
            outcome.rows("identifications"),
            outcome.rows("history"),
            outcome.rows("code_additions")
        ),
        (5, 4, 2),
        "{what}"
    );
    let (a, b) = (
        from.store.load_register().await.unwrap(),
        to.store.load_register().await.unwrap(),
    );
    assert!(compare_registers(&a, &b).is_empty(), "{what}");
    assert!(
        b.last_change.is_some() && b.last_change == a.last_change,
        "{what}"
    );
    assert_eq!(
        to.store.code_additions().await.unwrap(),
        from.store.code_additions().await.unwrap(),
        "{what}"
    );

    // A second copy into the now filled target is refused and changes nothing.
    let err = copy_register(from.store.as_ref(), to.store.as_ref())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("the target register is not empty"),
        "{what}: {err}"
    );
    let again = to.store.load_register().await.unwrap();
    assert!(compare_registers(&b, &again).is_empty(), "{what}");
}

#[tokio::test]
async fn copy_moves_a_whole_register_between_backends_and_refuses_a_filled_target() {
    let test = "copy_moves_a_whole_register_between_backends_and_refuses_a_filled_target";
    let source = Backend::sqlite().await;
    fill(source.store.as_ref()).await;
    let target = Backend::sqlite().await;
    copy_and_check(&source, &target).await;

    let Some(admin) = pg_admin_url() else {
        say_postgres_not_run(test);
        return;
    };
    // SQLite -> PostgreSQL (a centre grows), then back (an offline copy).
    let pg = Backend::postgres(&admin).await;
    copy_and_check(&source, &pg).await;
    let back = Backend::sqlite().await;
    copy_and_check(&pg, &back).await;
}

// ---------------------------------------------------------------------------------------
// Connecting to PostgreSQL
// ---------------------------------------------------------------------------------------

const SECRET: &str = "Hemmeligt-Kodeord-93";

#[tokio::test]
async fn an_unreachable_server_is_named_without_the_password() {
    // Port 1 on this machine: nothing listens there.
    let err = spor_store::open(&format!("postgres://spor:{SECRET}@127.0.0.1:1/register"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Connect { .. }), "{text}");
    assert!(
        text.contains(
            "cannot open the database `register` on host 127.0.0.1, port 1 (PostgreSQL, user spor)"
        ),
        "{text}"
    );
    assert!(text.contains("refused"), "{text}");
    assert!(
        !text.contains(SECRET) && !text.contains("Hemmeligt"),
        "{text}"
    );
    assert!(!format!("{err:?}").contains(SECRET));
}

#[tokio::test]
async fn a_missing_database_gives_the_servers_message_without_the_password() {
    let Some(admin) = pg_admin_url() else {
        say_postgres_not_run("a_missing_database_gives_the_servers_message_without_the_password");
        return;
    };
    let url = with_database(&admin, "spor_test_no_such_database");
    // Put a password into the URL (a trust-authenticated test server ignores it).
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let url = match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or(user);
            format!("{scheme}://{user}:{SECRET}@{host}")
        }
        None => format!("{scheme}://postgres:{SECRET}@{rest}"),
    };
    let err = spor_store::open(&url).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("`spor_test_no_such_database`"), "{text}");
    assert!(text.contains("port"), "{text}");
    assert!(
        text.contains("the server says: database \"spor_test_no_such_database\" does not exist"),
        "{text}"
    );
    assert!(text.contains("createdb"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn pool_size_and_statement_timeout_from_the_url_reach_the_server() {
    let Some(admin) = pg_admin_url() else {
        say_postgres_not_run("pool_size_and_statement_timeout_from_the_url_reach_the_server");
        return;
    };
    let db = TempDatabase::create(&admin).await;
    let url = db.url();
    let sep = if url.contains('?') { '&' } else { '?' };
    let store = PgStore::open(&format!("{url}{sep}pool=2&statement_timeout=1"))
        .await
        .unwrap();
    assert_eq!(store.settings().pool, 2);
    let timeout: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(timeout, "1s");
    // A statement running past the limit is cancelled by the server.
    let err = sqlx::query("SELECT pg_sleep(3)")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("statement timeout"), "{err}");
    assert_eq!(store.pool().options().get_max_connections(), 2);
}

/// The tables and columns the backend's migrations created, sorted.
async fn schema(b: &Backend) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    match &b.raw {
        Raw::Sqlite(p) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                        .bind(&t)
                        .fetch_all(p)
                        .await
                        .unwrap();
                out.push((t, cols));
            }
        }
        Raw::Postgres(p) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<String> = sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
                )
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
                out.push((t, cols));
            }
        }
    }
    for (_, cols) in &mut out {
        cols.sort();
    }
    out.sort();
    out
}

#[tokio::test]
async fn the_copy_covers_every_table_and_column() {
    for b in backends("the_copy_covers_every_table_and_column").await {
        let mut expected: Vec<(String, Vec<String>)> = spor_store::COPIED_TABLES
            .iter()
            .map(|t| {
                let mut cols: Vec<String> =
                    t.column_names().into_iter().map(String::from).collect();
                cols.sort();
                (t.name.to_string(), cols)
            })
            .collect();
        // Sessions end with the store; the statistics columns are a copy of the records that
        // the target's reports rebuild from the rows it gets.
        let left_behind = [
            "sessions",
            "access_grants",
            "trusted_devices",
            "_sqlx_migrations",
            "statistics_columns",
        ];
        let actual: Vec<(String, Vec<String>)> = schema(&b)
            .await
            .into_iter()
            .filter(|(t, _)| !left_behind.contains(&t.as_str()))
            .collect();
        expected.sort();
        assert_eq!(
            actual, expected,
            "{}: a migration added a table or column that `spor store copy` does not carry: add it to COPIED_TABLES",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_of_the_same_new_refs_count_one_insert_and_one_update() {
    for b in backends("two_imports_of_the_same_new_refs_count_one_insert_and_one_update").await {
        let n = 3000;
        let dk = ImportBatch {
            identifications: many_identifications("N", n, 30, "DK"),
            ..ImportBatch::default()
        };
        let se = ImportBatch {
            identifications: many_identifications("N", n, 40, "SE"),
            ..ImportBatch::default()
        };
        let (x, y) = at_once(b.reopen().await, dk, b.reopen().await, se).await;
        let mut got = [x.unwrap().identifications, y.unwrap().identifications];
        got.sort_by_key(|c| c.inserted);
        // One ran first and inserted every row; the other saw them and updated every row.
        // Had they overlapped, both would have counted every row as inserted.
        assert_eq!(
            got,
            [counts(0, n as u64, 0), counts(n as u64, 0, 0)],
            "{}",
            b.name
        );
        let reg = b.store.load_register().await.unwrap();
        assert_eq!(reg.identifications.len(), n, "{}", b.name);
    }
}

/// A first import appends checked rows while the files are still read. Should a key come
/// twice across the appended chunks (the reader refuses that first; this is the writer's
/// own guard), the import fails, writes nothing, and the file is back in WAL mode.
#[tokio::test]
async fn an_import_stream_whose_appends_repeat_a_key_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spor.db");
    let store = spor_store::open(path.to_str().unwrap()).await.unwrap();
    let decisions = |cases: &[&str]| -> Vec<_> {
        cases
            .iter()
            .map(|c| identification(c, "P-1", "2023-03-01", Some(Form::Sexual)))
            .collect()
    };
    let chunk = |cases: &[&str]| ImportBatch {
        identifications: decisions(cases),
        ..Default::default()
    };
    let stream = store.begin_import_stream().await.expect("SQLite streams");
    stream.send(chunk(&["C-1", "C-2"]), [false; 4]);
    stream.send(chunk(&["C-2", "C-3"]), [true, false, false, false]);
    let err = stream
        .finish(&chunk(&["C-1", "C-2", "C-2", "C-3"]), Vec::new)
        .expect_err("a key twice is refused");
    let msg = err.to_string();
    assert!(msg.contains("nothing was written"), "{msg}");
    assert!(msg.contains("UNIQUE"), "{msg}");
    let stored = store.load_register().await.unwrap();
    assert!(stored.identifications.is_empty());
    drop(store);
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// Every backend streams an import: rows sent while the files are read are written in the
/// import's one transaction, into empty tables and into filled ones (PostgreSQL: COPY
/// into the table, or into a staging table merged at the end). Abandoned after rows were
/// sent, or failing on a key twice, nothing of it lands and the next import runs (the
/// import's locks are gone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_import_lands_whole_or_not_at_all_on_every_backend() {
    let finish = |stream: spor_store::ImportStream, batch: ImportBatch| async move {
        tokio::task::spawn_blocking(move || stream.finish(&batch, Vec::new))
            .await
            .unwrap()
    };
    let abandon = |stream: spor_store::ImportStream| async move {
        tokio::task::spawn_blocking(move || stream.abandon())
            .await
            .unwrap()
    };
    let begin = |b: &Backend| {
        let url = b.url.clone();
        async move {
            spor_store::open(&url)
                .await
                .unwrap()
                .begin_import_stream()
                .await
                .expect("streams")
        }
    };
    // Neither a record nor a change of `last_change` since `empty` was read.
    let nothing_landed = |b: &Backend, empty: &spor_core::Register| {
        let (url, name, before) = (b.url.clone(), b.name, empty.last_change);
        async move {
            let after = spor_store::open(&url)
                .await
                .unwrap()
                .load_register()
                .await
                .unwrap();
            assert!(after.identifications.is_empty(), "{name}");
            assert_eq!(after.last_change, before, "{name}");
        }
    };
    let part = |b: &ImportBatch, range: std::ops::Range<usize>| ImportBatch {
        identifications: b.identifications[range.clone()].to_vec(),
        assessments: b.assessments
            [range.start.min(b.assessments.len())..range.end.min(b.assessments.len())]
            .to_vec(),
        ..Default::default()
    };
    for b in backends("a_streamed_import_lands_whole_or_not_at_all_on_every_backend").await {
        let name = b.name;
        let mut batch = sample();
        batch.identifications = many_identifications("S-", 40, 30, "DK");
        let empty = b.reopen().await.load_register().await.unwrap();

        // Abandoned after two chunks were sent: nothing lands.
        let stream = begin(&b).await;
        stream.send(part(&batch, 0..10), [false; 4]);
        stream.send(part(&batch, 10..20), [false; 4]);
        abandon(stream).await;
        nothing_landed(&b, &empty).await;

        // A key twice across the chunks: the import fails and nothing lands.
        let stream = begin(&b).await;
        stream.send(part(&batch, 0..10), [false; 4]);
        stream.send(part(&batch, 9..20), [false; 4]);
        let mut twice = batch.clone();
        twice
            .identifications
            .insert(10, batch.identifications[9].clone());
        let err = finish(stream, twice).await.expect_err("a key twice");
        assert!(
            err.to_string().contains("nothing was written"),
            "{name}: {err}"
        );
        nothing_landed(&b, &empty).await;

        // Streamed into the empty register, in chunks, the rest at the end.
        let stream = begin(&b).await;
        stream.send(part(&batch, 0..15), [false; 4]);
        stream.send(part(&batch, 15..30), [false; 4]);
        let summary = finish(stream, batch.clone()).await.unwrap();
        assert_eq!(summary.identifications, counts(40, 0, 0), "{name}");
        assert_eq!(summary.assessments, counts(2, 0, 0), "{name}");
        assert_eq!(summary.hotline_calls, counts(3, 0, 0), "{name}");
        assert_eq!(summary.history, counts(4, 0, 0), "{name}");
        assert_holds(
            name,
            &b.reopen().await.load_register().await.unwrap(),
            &batch,
        );

        // Streamed into the filled register: one changed, one new, the rest unchanged.
        let mut again = batch.clone();
        again.identifications[3].age = Some(77);
        again
            .identifications
            .push(identification("T-1", "P-9", "2023-10-10", None));
        let stream = begin(&b).await;
        stream.send(part(&again, 0..20), [false; 4]);
        let summary = finish(stream, again.clone()).await.unwrap();
        assert_eq!(summary.identifications, counts(1, 1, 39), "{name}");
        assert_eq!(summary.assessments, counts(0, 0, 2), "{name}");
        let stored = b.reopen().await.load_register().await.unwrap();
        assert_holds(name, &stored, &again);

        // Abandoned against the filled register: it stays as it was.
        let mut third = again.clone();
        third.identifications[0].age = Some(5);
        let stream = begin(&b).await;
        stream.send(part(&third, 0..41), [true, false, false, false]);
        abandon(stream).await;
        let after = b.reopen().await.load_register().await.unwrap();
        assert_holds(name, &after, &again);
        assert_eq!(after.last_change, stored.last_change, "{name}");
    }
}

/// A large first import (a chunk of 10,000 rows or more into an empty table) has the
/// table's key and indexes dropped for the load and built after it. The key is still the
/// key: a ref twice across the chunks fails the import and nothing lands; landed, the
/// table has its key and person index again, and a re-import updates by ref instead of
/// adding rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_first_import_gets_its_key_and_indexes_back() {
    let n = 12_000;
    let batch = ImportBatch {
        identifications: many_identifications("L-", n, 30, "DK"),
        ..Default::default()
    };
    let half = |b: &ImportBatch, range: std::ops::Range<usize>| ImportBatch {
        identifications: b.identifications[range].to_vec(),
        ..Default::default()
    };
    let stream_in = |b: &Backend, chunks: Vec<ImportBatch>, whole: ImportBatch| {
        let url = b.url.clone();
        async move {
            let store = spor_store::open(&url).await.unwrap();
            let stream = store.begin_import_stream().await.expect("streams");
            tokio::task::spawn_blocking(move || {
                let last = chunks.len() - 1;
                for (i, c) in chunks.into_iter().enumerate() {
                    stream.send(c, [i == last, false, false, false]);
                }
                stream.finish(&whole, Vec::new)
            })
            .await
            .unwrap()
        }
    };
    for b in backends("a_large_first_import_gets_its_key_and_indexes_back").await {
        let name = b.name;
        // The 10,000th row again in the second chunk.
        let mut twice = batch.clone();
        twice
            .identifications
            .insert(10_000, batch.identifications[9_999].clone());
        let err = stream_in(
            &b,
            vec![half(&twice, 0..10_000), half(&twice, 10_000..n + 1)],
            twice.clone(),
        )
        .await
        .expect_err("a ref twice");
        assert!(
            err.to_string().contains("nothing was written"),
            "{name}: {err}"
        );
        let reg = b.reopen().await.load_register().await.unwrap();
        assert!(reg.identifications.is_empty(), "{name}");

        let summary = stream_in(
            &b,
            vec![half(&batch, 0..10_000), half(&batch, 10_000..n)],
            batch.clone(),
        )
        .await
        .unwrap();
        assert_eq!(summary.identifications, counts(n as u64, 0, 0), "{name}");
        if let Raw::Postgres(pool) = &b.raw {
            let indexes: Vec<String> = sqlx::query_scalar(
                "SELECT indexname::text FROM pg_indexes WHERE tablename = 'identifications' ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            assert_eq!(indexes, ["identifications_person", "identifications_pkey"]);
        }
        let mut again = batch.clone();
        again.identifications[7].age = Some(61);
        let summary = b.store.apply_import(&again).await.unwrap();
        assert_eq!(
            summary.identifications,
            counts(0, 1, n as u64 - 1),
            "{name}"
        );
        let reg = b.reopen().await.load_register().await.unwrap();
        assert_holds(name, &reg, &again);
    }
}

/// Values that PostgreSQL's COPY text format must escape (tab, newline, carriage return,
/// backslash, the `\N` of NULL), quotes and non-ASCII text, in refs and in every free text
/// column; imported into empty tables (copied straight in) and again into filled ones
/// (through staging), they come back exactly, on every backend.
#[tokio::test]
async fn values_needing_escaping_round_trip_exactly() {
    use spor_core::{Code, Country};
    let awkward = [
        "tab\there",
        "line\nbreak\r\nand return",
        "back\\slash \\t \\N",
        "\\N",
        "\"double\" 'single' ;,",
        "æøå ÆØÅ – ü 中文 🙂",
        "\\.",
    ];
    let mut batch = ImportBatch::default();
    for (i, text) in awkward.iter().enumerate() {
        // Refs allow no control characters; everything else, yes.
        let printable = text.replace(['\t', '\n', '\r'], " ");
        let mut x = identification(
            &format!("K\\{i} \"{printable}\""),
            &format!("P'{i}'æ"),
            "2023-04-04",
            Some(Form::ForcedLabour),
        );
        x.referral_actor = Some(Code::new_unchecked(text));
        x.exploitation_subtype = Some(Code::new_unchecked(format!("{text}|sub")));
        x.nationality = Country::new_unchecked(text);
        x.return_country = Some(Country::new_unchecked(format!("{text}|rc")));
        x.return_date = Some(date("2024-01-31"));
        batch.identifications.push(x);
        let mut a = assessment(&format!("AS\\{i}ø"), &format!("P'{i}'æ"), "2023-02-02");
        a.nationality = Country::new_unchecked(text);
        batch.assessments.push(a);
        batch.hotline_calls.push(call(
            &format!("C\"{i}\"\\"),
            "2023-05-05T05:05:05+02:00",
            None,
        ));
        batch.history.push(history(
            Series::VictimsByForm,
            2015 + i as i32,
            Some(text),
            Some(i as u64),
        ));
    }
    let n = awkward.len() as u64;
    for b in backends("values_needing_escaping_round_trip_exactly").await {
        let summary = b.store.apply_import(&batch).await.unwrap();
        assert_eq!(summary.total(), counts(4 * n, 0, 0), "{}", b.name);
        let reg = b.store.load_register().await.unwrap();
        assert_holds(b.name, &reg, &batch);

        // Into filled tables: one new row of each kind, one changed, the rest unchanged.
        let mut again = batch.clone();
        again.identifications[0].referral_actor = Some(Code::new_unchecked("changed\tactor"));
        again.identifications.push({
            let mut x = batch.identifications[1].clone();
            x.case_ref = r("new \\ \"ref\" ø");
            x
        });
        again.history[0].count = Some(1000);
        again
            .history
            .push(history(Series::Victims, 2030, Some("\\\t\n"), None));
        let summary = b.store.apply_import(&again).await.unwrap();
        assert_eq!(summary.identifications, counts(1, 1, n - 1), "{}", b.name);
        assert_eq!(summary.assessments, counts(0, 0, n), "{}", b.name);
        assert_eq!(summary.history, counts(1, 1, n - 1), "{}", b.name);
        let reg = b.store.load_register().await.unwrap();
        assert_holds(b.name, &reg, &again);
    }
}

/// A failing import into an empty register (where PostgreSQL copies straight into the
/// tables) leaves it empty and unchanged.
#[tokio::test]
async fn a_failing_first_import_leaves_the_register_empty() {
    for b in backends("a_failing_first_import_leaves_the_register_empty").await {
        b.refuse_marked_history_rows().await;
        let mut batch = sample();
        batch
            .identifications
            .extend(many_identifications("F", 3000, 30, "DK"));
        batch.history.push(history(
            Series::VictimsByNationality,
            2016,
            Some("refuse-me"),
            Some(1),
        ));
        let err = b.store.apply_import(&batch).await.unwrap_err();
        assert!(
            err.to_string().contains("refused by the test"),
            "{}: {err}",
            b.name
        );
        let reg = b.store.load_register().await.unwrap();
        assert!(reg.identifications.is_empty(), "{}", b.name);
        assert!(reg.assessments.is_empty(), "{}", b.name);
        assert!(reg.hotline_calls.is_empty(), "{}", b.name);
        assert!(reg.history.is_empty(), "{}", b.name);
        assert_eq!(reg.last_change, None, "{}", b.name);
        // And the register takes the same import once the refusal is gone.
        batch.history.pop();
        let summary = b.store.apply_import(&batch).await.unwrap();
        assert_eq!(summary.identifications, counts(3005, 0, 0), "{}", b.name);
    }
}

/// A batch naming one ref twice keeps its last row, on an empty register and a filled one;
/// a call time written with another offset but naming the same instant is unchanged.
#[tokio::test]
async fn a_repeated_ref_keeps_its_last_row_and_the_same_instant_is_unchanged() {
    for b in backends("a_repeated_ref_keeps_its_last_row_and_the_same_instant_is_unchanged").await {
        let mut batch = sample();
        let mut twice = batch.identifications[0].clone();
        twice.age = Some(44);
        batch.identifications.push(twice);
        let summary = b.store.apply_import(&batch).await.unwrap();
        assert_eq!(summary.identifications, counts(5, 0, 0), "{}", b.name);
        let reg = b.store.load_register().await.unwrap();
        let a10 = reg
            .identifications
            .iter()
            .find(|i| i.case_ref.as_str() == "a10");
        assert_eq!(a10.and_then(|i| i.age), Some(44), "{}", b.name);

        let mut again = sample();
        // 09:30 in summer time is 07:30 UTC.
        again.hotline_calls[0] = call(
            "c-1",
            "2023-07-01T07:30:00+00:00",
            Some(spor_core::Topic::Suspicion),
        );
        let mut twice = again.identifications[0].clone();
        twice.age = Some(45);
        again.identifications.push(twice);
        let summary = b.store.apply_import(&again).await.unwrap();
        assert_eq!(summary.hotline_calls, counts(0, 0, 3), "{}", b.name);
        assert_eq!(summary.identifications, counts(0, 1, 4), "{}", b.name);
        let reg = b.store.load_register().await.unwrap();
        let a10 = reg
            .identifications
            .iter()
            .find(|i| i.case_ref.as_str() == "a10");
        assert_eq!(a10.and_then(|i| i.age), Some(45), "{}", b.name);
    }
}
