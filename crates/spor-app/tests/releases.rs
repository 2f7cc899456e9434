//! Releases as records (issue 24) on a real SQLite file with the synthetic demo register:
//! a published edition is kept byte for byte whatever the register holds later, and a
//! public release is what the attacker of the next year's public edition knows.

use spor_app::audit::Actor;
use spor_app::{Format, Profile, PublicOptions, published};
use spor_store::web::{ChangeContext, NewAuditEvent, Record};

fn by() -> Actor<'static> {
    Actor::command_line("cli:analyst")
}

#[tokio::test]
async fn a_release_shows_what_was_published_after_the_register_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = spor_app::demo::build_db(dir.path()).await.unwrap();
    let store = spor_app::open_web_store(&db.display().to_string())
        .await
        .unwrap();
    let year = spor_demo::YEAR;
    let now = chrono::Utc::now();

    let id = published::publish(store.as_ref(), by(), year, Profile::Internal, now)
        .await
        .unwrap();
    let before = published::open(store.as_ref(), id).await.unwrap();
    assert_eq!(
        (before.row.year, before.row.profile.as_str()),
        (year, "internal")
    );
    assert_eq!(before.row.published_by, "cli:analyst");
    for (format, magic) in [
        (Format::Json, &b"{"[..]),
        (Format::Html, &b"<!DOCTYPE html"[..]),
        (Format::Xlsx, &b"PK"[..]),
        (Format::Pdf, &b"%PDF"[..]),
    ] {
        let f = before.file(format).expect("every one-file format");
        assert!(f.content.starts_with(magic), "{format:?}");
    }
    let report = before.report().unwrap();
    assert_eq!(
        before.files_of(Format::Csv).len(),
        report.tables.len(),
        "one CSV file per table"
    );
    // The manifest names every file with its hash.
    let manifest: serde_json::Value = serde_json::from_str(&before.row.manifest).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), before.files.len());
    for f in &before.files {
        assert!(
            listed
                .iter()
                .any(|l| l["path"] == f.name.as_str() && l["sha256"] == f.sha256.as_str()),
            "{} in the manifest",
            f.name
        );
    }

    // A late decision for the published year changes the register...
    let register = store.load_register().await.unwrap();
    let mut late = register.identifications[0].clone();
    late.case_ref = spor_core::Ref::parse("LATE-1").unwrap();
    late.person_ref = spor_core::Ref::parse("LATE-P1").unwrap();
    late.decision_date = chrono::NaiveDate::from_ymd_opt(year, 12, 30).unwrap();
    let ctx = ChangeContext {
        actor: "cw".into(),
        at: now,
        audit: NewAuditEvent {
            code: "case.create".into(),
            actor: Some("cw".into()),
            ..NewAuditEvent::default()
        },
    };
    store
        .create_record(&Record::Identification(late), &ctx)
        .await
        .unwrap();
    let (register, columns) = spor_app::statistics::load(store.as_ref()).await.unwrap();
    let now_figures =
        spor_app::Edition::compute(&register, &columns, year, &Profile::Internal).unwrap();
    let victims = |r: &spor_stats::Report| r.facts.victims.unwrap();
    assert_eq!(
        victims(&now_figures.report),
        victims(&report) + 1,
        "the register now counts one more victim"
    );

    // ... and the release still shows, byte for byte, what was published.
    let after = published::view(store.as_ref(), by(), id, Format::Pdf, now)
        .await
        .unwrap();
    assert_eq!(after.files, before.files);
    assert_eq!(after.row, before.row);
    assert_eq!(victims(&after.report().unwrap()), victims(&report));

    // The diff gives the revised figures and the record behind them.
    let rev = published::diff(store.as_ref(), id).await.unwrap();
    let victims_fact = rev
        .figures
        .iter()
        .find(|f| f.figure == "facts.victims")
        .expect("the victims fact is revised");
    assert_eq!(
        (victims_fact.published.as_u64(), victims_fact.now.as_u64()),
        (Some(victims(&report)), Some(victims(&report) + 1))
    );
    assert!(
        rev.figures
            .iter()
            .any(|f| f.figure == format!("victims_by_year[victims, {year}]"))
    );
    assert_eq!(
        rev.records
            .iter()
            .map(|r| (r.entity, r.key.as_str(), r.delta))
            .collect::<Vec<_>>(),
        [(
            "identification",
            "LATE-1",
            spor_store::releases::RecordDelta::Added
        )]
    );

    // Publishing and viewing are audited, naming the release.
    let events = store
        .audit_events(&spor_store::web::AuditFilter::default(), 10, 0)
        .await
        .unwrap();
    let codes: Vec<(&str, Option<&str>)> = events
        .items
        .iter()
        .map(|e| (e.code.as_str(), e.target.as_deref()))
        .collect();
    let id_text = id.to_string();
    assert!(codes.contains(&("release.publish", Some(id_text.as_str()))));
    assert!(codes.contains(&("release.view", Some(id_text.as_str()))));

    let missing = published::open(store.as_ref(), id + 10).await.unwrap_err();
    assert!(
        missing.to_string().contains("there is no release"),
        "{missing}"
    );
}

#[tokio::test]
async fn a_public_release_is_known_to_the_attacker_of_later_years() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = spor_app::demo::build_db(dir.path()).await.unwrap();
    let store = spor_app::open_web_store(&db.display().to_string())
        .await
        .unwrap();
    let year = spor_demo::YEAR;
    let now = chrono::Utc::now();
    published::publish(store.as_ref(), by(), year, Profile::Internal, now)
        .await
        .unwrap();
    let public = published::publish(
        store.as_ref(),
        by(),
        year,
        Profile::Public(PublicOptions::default()),
        now,
    )
    .await
    .unwrap();
    let release = published::open(store.as_ref(), public).await.unwrap();
    assert!(release.is_public());
    assert!(release.row.policy.is_some(), "the policy is kept");
    let manifest: serde_json::Value = serde_json::from_str(&release.row.manifest).unwrap();
    assert!(
        manifest["cells"].as_array().is_some_and(|c| !c.is_empty()),
        "a public manifest lists its cells"
    );
    let file = release.file(Format::Json).unwrap();
    assert!(file.name.ends_with("-public.json"), "{}", file.name);
    // The CSV edition as kept is the folder `spor report --format csv` writes: the tables
    // and the notes that explain the hidden cells.
    let report = release.report().unwrap();
    let csv: Vec<_> = release.files_of(Format::Csv);
    assert_eq!(
        csv.len(),
        report.tables.len() + 1,
        "the tables and noter.txt"
    );
    let notes = csv
        .iter()
        .find(|f| f.name.ends_with("/noter.txt"))
        .expect("noter.txt is kept with the CSV tables");
    let note = report
        .disclosure_note
        .clone()
        .expect("a public edition has its note");
    assert!(String::from_utf8_lossy(&notes.content).contains(&note));
    let written = tempfile::tempdir().unwrap();
    spor_report::csv::write_dir(&report, written.path()).unwrap();
    for f in &csv {
        let name = f.name.rsplit('/').next().unwrap();
        assert_eq!(
            std::fs::read(written.path().join(name)).unwrap(),
            f.content,
            "{name} as written"
        );
    }

    // Nothing changed since: the register gives every published figure again.
    let rev = published::diff(store.as_ref(), public).await.unwrap();
    assert_eq!(
        rev.figures,
        vec![],
        "a public edition is recomputed the same"
    );
    assert!(rev.records.is_empty());

    // The next year's public edition knows this one, and not the internal one.
    let known = published::earlier_public(store.as_ref(), year + 1)
        .await
        .unwrap();
    assert_eq!(known.len(), 1);
    assert_eq!(
        serde_json::to_value(&known[0]).unwrap(),
        serde_json::to_value(release.report().unwrap()).unwrap()
    );
    assert!(
        published::earlier_public(store.as_ref(), year)
            .await
            .unwrap()
            .is_empty(),
        "a year's own release is not an earlier one"
    );
}

#[tokio::test]
async fn the_next_years_edition_states_a_late_decision_as_a_revision_on_every_front_door() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = spor_app::demo::build_db(dir.path()).await.unwrap();
    let store: std::sync::Arc<dyn spor_store::WebStore> =
        spor_app::open_web_store(&db.display().to_string())
            .await
            .unwrap()
            .into();
    let year = spor_demo::YEAR;
    let now = chrono::Utc::now();
    let stats = spor_app::Statistics::with_releases(store.clone());
    let key = spor_app::EditionKey {
        year: year + 1,
        public: false,
    };

    // A decision in the next year, so it has an edition; then the year is published.
    let register = store.load_register().await.unwrap();
    let decision = |case: &str, person: &str, date: chrono::NaiveDate| {
        let mut d = register.identifications[0].clone();
        d.case_ref = spor_core::Ref::parse(case).unwrap();
        d.person_ref = spor_core::Ref::parse(person).unwrap();
        d.decision_date = date;
        Record::Identification(d)
    };
    let ctx = ChangeContext {
        actor: "cw".into(),
        at: now,
        audit: NewAuditEvent {
            code: "case.create".into(),
            actor: Some("cw".into()),
            ..NewAuditEvent::default()
        },
    };
    let next_year = chrono::NaiveDate::from_ymd_opt(year + 1, 2, 3).unwrap();
    store
        .create_record(&decision("NEXT-1", "NEXT-P1", next_year), &ctx)
        .await
        .unwrap();
    let id = published::publish(store.as_ref(), by(), year, Profile::Internal, now)
        .await
        .unwrap();
    let published_victims = published::open(store.as_ref(), id)
        .await
        .unwrap()
        .report()
        .unwrap()
        .facts
        .victims
        .unwrap();
    let before = stats.edition(key).await.unwrap().unwrap();
    assert!(
        before.report.revisions.is_empty(),
        "nothing revised yet: {:?}",
        before.report.revisions
    );

    // A late decision for the published year, registered later.
    let late = chrono::NaiveDate::from_ymd_opt(year, 12, 30).unwrap();
    let later = ChangeContext {
        at: now + chrono::Duration::seconds(5),
        ..ctx
    };
    store
        .create_record(&decision("LATE-1", "LATE-P1", late), &later)
        .await
        .unwrap();

    // The use case every command calls, and the web's statistics, agree.
    let edition = published::edition(store.as_ref(), year + 1, Profile::Internal)
        .await
        .unwrap();
    let served = stats.edition(key).await.unwrap().unwrap();
    assert_eq!(served.report.revisions, edition.report.revisions);
    let fact = edition
        .report
        .fact_revisions()
        .first()
        .copied()
        .cloned()
        .expect("the headline figure is revised");
    assert_eq!(
        (fact.year, fact.release, fact.published, fact.revised),
        (year, id, published_victims, published_victims + 1)
    );
    assert_eq!(fact.fact.as_deref(), Some("victims_previous_year"));
    assert!(
        edition
            .report
            .revision_at("victims_by_year", 0, {
                let t = &edition.report.tables["victims_by_year"];
                t.column_keys
                    .iter()
                    .position(|k| *k == year.to_string())
                    .unwrap()
            })
            .is_some(),
        "the series cell is marked"
    );
    let json: serde_json::Value = serde_json::from_str(&edition.json().unwrap()).unwrap();
    assert_eq!(json["revisions"][0]["note"], fact.note.as_str());
}

/// Issue 22: an internal release keeps the year's aggregate exchanges beside the edition,
/// as counted from the same register at the same moment, and its manifest lists them with
/// their hashes; a public release keeps none (they hold exact counts).
#[tokio::test]
async fn an_internal_release_keeps_the_exchanges_and_lists_them_a_public_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = spor_app::demo::build_db(dir.path()).await.unwrap();
    let store = spor_app::open_web_store(&db.display().to_string())
        .await
        .unwrap();
    let year = spor_demo::YEAR;
    let now = chrono::Utc::now();
    let expected = spor_app::exchange::load_release_files(store.as_ref(), year, now)
        .await
        .unwrap();
    assert_eq!(expected.len(), 8, "four exchanges in JSON and CSV");

    let id = published::publish(store.as_ref(), by(), year, Profile::Internal, now)
        .await
        .unwrap();
    let release = published::open(store.as_ref(), id).await.unwrap();
    let kept: Vec<_> = release
        .files
        .iter()
        .filter(|f| f.format.starts_with(published::EXCHANGE_FORMAT))
        .collect();
    assert_eq!(kept.len(), expected.len());
    for x in &expected {
        let name = format!("exchanges/{}", x.file_name);
        let f = kept
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} kept"));
        assert_eq!(f.format, format!("exchange-{}", x.format.name()));
        assert_eq!(f.content, x.bytes, "{name}: the exchange as counted");
    }
    // The edition's own formats are still the edition's alone.
    assert_eq!(
        release.files_of(Format::Csv).len(),
        release.report().unwrap().tables.len()
    );
    let manifest: serde_json::Value = serde_json::from_str(&release.row.manifest).unwrap();
    for f in &kept {
        assert!(
            manifest["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["path"] == f.name.as_str() && m["sha256"] == f.sha256.as_str()),
            "{} in the manifest",
            f.name
        );
    }

    let options = PublicOptions::default();
    let public = published::publish(store.as_ref(), by(), year, Profile::Public(options), now)
        .await
        .unwrap();
    let public = published::open(store.as_ref(), public).await.unwrap();
    assert!(
        public
            .files
            .iter()
            .all(|f| !f.format.starts_with(published::EXCHANGE_FORMAT)
                && !f.name.starts_with("exchanges/")),
        "a public release keeps no exchange"
    );
}
