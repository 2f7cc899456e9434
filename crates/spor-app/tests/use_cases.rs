//! The application layer's use cases on a real SQLite file with the synthetic demo
//! register: editions in both profiles, statistics kept per state of the register, import.

use std::sync::Arc;

use spor_app::{EditionKey, Format, Statistics};
use spor_store::Store;

async fn demo_store(dir: &std::path::Path) -> Arc<dyn Store> {
    let (_, store) = spor_app::demo::build_db(dir).await.unwrap();
    Arc::new(store)
}

#[tokio::test]
async fn an_edition_renders_every_format_and_a_public_one_writes_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path()).await;
    let (register, columns) = spor_app::statistics::load(store.as_ref()).await.unwrap();
    assert!(
        register.identifications.is_empty(),
        "the statistics keep the records as columns only"
    );
    let year = spor_demo::YEAR;
    let internal =
        spor_app::Edition::compute(&register, &columns, year, &spor_app::Profile::Internal)
            .unwrap();
    let public = spor_app::Edition::compute(
        &register,
        &columns,
        year,
        &spor_app::Profile::Public(spor_app::PublicOptions::default()),
    )
    .unwrap();
    let now = chrono::Utc::now();
    for (format, magic) in [
        (Format::Json, &b"{"[..]),
        (Format::Html, &b"<!DOCTYPE html"[..]),
        (Format::Xlsx, &b"PK"[..]),
        (Format::Pdf, &b"%PDF"[..]),
    ] {
        for edition in [&internal, &public] {
            let bytes = edition.render(format, now).unwrap();
            assert!(bytes.starts_with(magic), "{format:?}");
        }
    }
    assert_eq!(internal.file_name(Format::Pdf), "overview-2023.pdf");
    assert_eq!(public.file_name(Format::Pdf), "overview-2023-public.pdf");
    // The public JSON hides cells as null and says which.
    let json: serde_json::Value = serde_json::from_str(&public.json().unwrap()).unwrap();
    assert!(json["disclosure_note"].is_string());
    assert!(
        json["tables"]
            .as_object()
            .unwrap()
            .values()
            .any(|t| t["suppressed"].as_array().is_some_and(|s| !s.is_empty())),
        "some cell of the demo is hidden"
    );

    let out = dir.path().join("public");
    let (edition, manifest) = spor_app::release::write_public(&public, &out).unwrap();
    assert_eq!(edition, out.join("overview-2023-public.json"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    assert!(
        manifest.to_string().contains("overview-2023-public.json"),
        "the manifest names the edition it protects"
    );
    // The internal edition has no manifest.
    assert!(internal.manifest(&[]).unwrap().is_none());
    assert!(spor_app::release::write_public(&internal, &out).is_err());
}

#[tokio::test]
async fn statistics_are_computed_once_per_state_of_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path()).await;
    let stats = Statistics::new(store.clone());
    let key = EditionKey {
        year: spor_demo::YEAR,
        public: false,
    };
    let first = stats.edition(key).await.unwrap().unwrap();
    let again = stats.edition(key).await.unwrap().unwrap();
    assert!(
        Arc::ptr_eq(&first, &again),
        "the same edition is served again"
    );
    let dash = stats
        .dashboard(spor_demo::YEAR, None)
        .await
        .unwrap()
        .unwrap();
    let victims = dash.figures.victims.unwrap();
    assert_eq!(Some(victims), first.report.facts.victims);

    // A new victim in the demo year: the next request sees the changed register.
    let mut batch = spor_core::ImportBatch::default();
    let mut d = spor_demo::register().identifications[0].clone();
    d.case_ref = spor_core::Ref::parse("NEW-CASE-1").unwrap();
    d.person_ref = spor_core::Ref::parse("NEW-PERSON-1").unwrap();
    d.outcome = spor_core::Outcome::Identified;
    d.decision_date = spor_core::parse_date("2023-06-01").unwrap();
    batch.identifications.push(d);
    store.apply_import(&batch).await.unwrap();
    let after = stats.edition(key).await.unwrap().unwrap();
    assert!(!Arc::ptr_eq(&first, &after));
    assert_eq!(after.report.facts.victims, Some(victims + 1));
    let dash = stats
        .dashboard(spor_demo::YEAR, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dash.figures.victims, Some(victims + 1));

    // A year without data is a message, not a failure.
    let none = stats
        .edition(EditionKey {
            year: 1990,
            public: false,
        })
        .await
        .unwrap();
    assert!(none.unwrap_err().contains("no data for 1990"));
}

#[tokio::test]
async fn a_dry_run_says_what_an_import_would_do_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path()).await;
    let export = dir.path().join("export");
    let exported =
        spor_app::export::export(store.as_ref(), spor_app::export::ExportFormat::Csv, &export)
            .await
            .unwrap();
    assert_eq!(exported.files.len(), 4);
    let before = store.last_change().await.unwrap();
    let opts = spor_app::import::ImportOptions {
        dry_run: true,
        progress: false,
    };
    let imported = spor_app::import::import(store.as_ref(), exported.files.clone(), opts)
        .await
        .unwrap();
    assert!(imported.dry_run);
    assert_eq!(imported.summary.total().inserted, 0);
    assert_eq!(
        imported.summary.identifications.unchanged as usize, exported.counts[0],
        "every decision is already there"
    );
    assert_eq!(
        store.last_change().await.unwrap(),
        before,
        "nothing written"
    );
}

/// The export reads the register a chunk at a time (more than one chunk here) and writes
/// the same files as the register read whole: CSV byte for byte, XLSX byte for byte.
#[tokio::test]
async fn an_export_written_chunk_by_chunk_equals_the_register_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated");
    spor_app::generate::generate(2 * spor_store::SCAN_CHUNK + 123, 11, &generated).unwrap();
    let url = dir.path().join("big.db").display().to_string();
    let store = spor_app::open_store(&url).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(&generated)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    spor_app::import::import(store.as_ref(), files, Default::default())
        .await
        .unwrap();
    let whole = store.load_register().await.unwrap();
    assert!(whole.identifications.len() > 2 * spor_store::SCAN_CHUNK);

    let streamed = dir.path().join("streamed");
    let exported = spor_app::export::export(
        store.as_ref(),
        spor_app::export::ExportFormat::Csv,
        &streamed,
    )
    .await
    .unwrap();
    assert_eq!(
        exported.counts,
        [
            whole.identifications.len(),
            whole.assessments.len(),
            whole.hotline_calls.len(),
            whole.history.len()
        ]
    );
    let at_once = dir.path().join("at-once");
    spor_import::export::write_csv_dir(&whole, &at_once).unwrap();
    for f in [
        "identifications.csv",
        "assessments.csv",
        "hotline_calls.csv",
        "history.csv",
    ] {
        let a = std::fs::read(streamed.join(f)).unwrap();
        let b = std::fs::read(at_once.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the streamed and the whole export"
        );
    }

    let (bytes, counts) = spor_app::export::xlsx_bytes(store.as_ref()).await.unwrap();
    assert_eq!(counts, exported.counts);
    assert!(
        bytes == spor_import::export::xlsx_bytes(&whole).unwrap(),
        "the streamed workbook is the whole register's"
    );
}
