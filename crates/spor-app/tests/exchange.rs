//! The international exchanges on a real SQLite register (the demo): the mappings kept in
//! the store are what the next exchange uses, so a change needs no release, and a bad
//! change is refused naming what is accepted.

use spor_app::audit::Actor;
use spor_app::exchange::{self, Format};

fn sex_counts(report: &spor_stats::ExchangeReport) -> Vec<(String, u64)> {
    report.tables["eurostat_by_sex"]
        .rows
        .iter()
        .map(|r| (r.key.clone(), r.values[0].unwrap()))
        .collect()
}

fn owned(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

#[tokio::test]
async fn a_mapping_edit_changes_the_next_exchange_and_can_be_taken_back() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store) = spor_app::demo::build_db(dir.path()).await.unwrap();
    drop(store);
    let store = spor_app::open_web_store(&db.display().to_string())
        .await
        .unwrap();
    let eurostat = exchange::find("eurostat").unwrap();
    let before = exchange::load_and_compute(store.as_ref(), eurostat, 2023)
        .await
        .unwrap();
    assert_eq!(
        sex_counts(&before),
        owned(&[("F", 77), ("M", 35), ("UNK", 0)])
    );

    let cli = Actor::command_line("cli:test");
    let at = chrono::Utc::now();
    exchange::set_mapping(
        store.as_ref(),
        cli,
        "eurostat_sex/trans_female",
        Some("UNK"),
        at,
    )
    .await
    .unwrap();
    let after = exchange::load_and_compute(store.as_ref(), eurostat, 2023)
        .await
        .unwrap();
    assert_eq!(
        sex_counts(&after),
        owned(&[("F", 76), ("M", 35), ("UNK", 1)])
    );
    let json = String::from_utf8(exchange::render(&after, Format::Json, at).unwrap()).unwrap();
    assert!(
        json.contains("\"sex\": \"UNK\""),
        "the JSON has the moved row: {json}"
    );

    // The change is audited as a settings change naming the map and code.
    let events = store
        .audit_events(&spor_store::web::AuditFilter::default(), 5, 0)
        .await
        .unwrap();
    assert!(events.items.iter().any(|e| e.code == "settings.update"
        && e.target.as_deref() == Some("exchange:eurostat_sex/trans_female")
        && e.detail.as_deref() == Some("UNK")));

    // Refused changes say what is accepted, and change nothing.
    let bad = exchange::set_mapping(
        store.as_ref(),
        cli,
        "eurostat_sex/trans_female",
        Some("X"),
        at,
    )
    .await
    .unwrap_err();
    assert!(bad.to_string().contains("accepted: F, M, UNK"), "{bad}");
    let bad = exchange::set_mapping(store.as_ref(), cli, "eurostat_gender/male", Some("M"), at)
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("known maps:"), "{bad}");
    let unknown = exchange::find("ctdcc").unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("known exchanges: eurostat, unodc, tip, greta, ctdc, htcds"),
        "{unknown}"
    );

    // Taken back: the built-in mapping again.
    exchange::set_mapping(store.as_ref(), cli, "eurostat_sex/trans_female", None, at)
        .await
        .unwrap();
    let back = exchange::load_and_compute(store.as_ref(), eurostat, 2023)
        .await
        .unwrap();
    assert_eq!(
        sex_counts(&back),
        owned(&[("F", 77), ("M", 35), ("UNK", 0)])
    );

    // A kept change that no longer reads (a category a later release renamed) stops the
    // exchange with a message naming it, and can still be taken back.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('exchange:eurostat_sex/male', 'MALE')")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = exchange::load_and_compute(store.as_ref(), eurostat, 2023)
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("`MALE` is not a category of `eurostat_sex`"),
        "{err:#}"
    );
    exchange::set_mapping(store.as_ref(), cli, "eurostat_sex/male", None, at)
        .await
        .unwrap();
    let fixed = exchange::load_and_compute(store.as_ref(), eurostat, 2023)
        .await
        .unwrap();
    assert_eq!(
        sex_counts(&fixed),
        owned(&[("F", 77), ("M", 35), ("UNK", 0)])
    );
}

#[tokio::test]
async fn every_exchange_renders_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = spor_app::demo::build_db(dir.path()).await.unwrap();
    let now = chrono::Utc::now();
    for def in exchange::all() {
        let report = exchange::load_and_compute(&store, def, 2023).await.unwrap();
        for (format, magic) in [
            (Format::Json, &b"{"[..]),
            (Format::Csv, &b""[..]),
            (Format::Xlsx, &b"PK"[..]),
        ] {
            let bytes = exchange::render(&report, format, now).unwrap();
            assert!(
                bytes.starts_with(magic) && !bytes.is_empty(),
                "{} {format:?}",
                def.name
            );
        }
        assert_eq!(
            exchange::file_name(def.name, 2023, Format::Xlsx),
            format!("{}-2023.xlsx", def.name)
        );
    }
}

#[test]
fn the_release_manifest_lists_every_aggregate_exchange_with_its_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let reg = spor_demo::register();
    let cols = spor_stats::Columns::of_register(&reg);
    let edition = spor_app::Edition::compute(
        &reg,
        &cols,
        2023,
        &spor_app::Profile::Public(spor_app::PublicOptions::default()),
    )
    .unwrap();
    let files = exchange::release_files(
        &reg,
        &cols,
        2023,
        spor_core::Mappings::builtin(),
        chrono::Utc::now(),
    )
    .unwrap();
    let (json, manifest) =
        spor_app::release::write_public_with_exchanges(&edition, &files, dir.path()).unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    // The manifest's own fields as before: the year, the policy, the cells, the edition.
    assert_eq!(m["year"], 2023);
    assert!(m["policy"].is_object() && m["cells"].is_array());
    let edition_files: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(edition_files, ["overview-2023-public.json"]);
    assert_eq!(
        m["files"][0]["sha256"],
        spor_sdc::manifest::sha256_file(&json).unwrap()
    );
    // Every aggregate exchange in JSON and CSV, each file's digest the file's on disk.
    let listed: Vec<(String, String, String)> = m["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["path"].as_str().unwrap();
            let on_disk = spor_sdc::manifest::sha256_file(&dir.path().join(path)).unwrap();
            assert_eq!(e["sha256"].as_str().unwrap(), on_disk, "{path}");
            (
                e["exchange"].as_str().unwrap().to_owned(),
                e["format"].as_str().unwrap().to_owned(),
                path.to_owned(),
            )
        })
        .collect();
    let mut expected = Vec::new();
    for name in ["eurostat", "greta", "tip", "unodc"] {
        for format in ["csv", "json"] {
            expected.push((
                name.to_owned(),
                format.to_owned(),
                format!("exchanges/{name}-2023.{format}"),
            ));
        }
    }
    assert_eq!(listed, expected);
    // What was written is what the exchange gives.
    let eurostat: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("exchanges/eurostat-2023.json")).unwrap(),
    )
    .unwrap();
    let total: u64 = eurostat["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_u64().unwrap())
        .sum();
    assert_eq!(
        Some(total),
        spor_stats::evaluate(&reg, 2023).unwrap().facts.victims
    );
    // Without exchanges the manifest has no `exchanges` at all.
    let plain = tempfile::tempdir().unwrap();
    let (_, manifest) = spor_app::release::write_public(&edition, plain.path()).unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert!(m.get("exchanges").is_none());
}
