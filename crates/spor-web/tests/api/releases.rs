//! Releases kept in the register, for analysts: listed, each file served exactly as it was
//! published, and every download audited.

use reqwest::StatusCode;
use spor_app::audit::Actor;

use crate::helpers::*;

#[tokio::test]
async fn an_analyst_lists_releases_and_downloads_each_file_as_published() {
    let app = spawn_app().await;
    app.store.apply_import(&spor_demo::build()).await.unwrap();
    app.store
        .set_microdata_from(Some(spor_demo::MICRODATA_FROM))
        .await
        .unwrap();
    app.add_user("an", "analyst").await;
    let mut an = app.login_as("an").await;
    let empty = an.get("/releases").await;
    assert_eq!(empty.status(), StatusCode::OK);

    let id = spor_app::published::publish(
        app.store.as_ref(),
        Actor::command_line("cli:test"),
        spor_demo::YEAR,
        spor_app::Profile::Internal,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let release = spor_app::published::open(app.store.as_ref(), id)
        .await
        .unwrap();

    let list = an.get("/releases").await;
    assert_eq!(list.status(), StatusCode::OK);
    assert!(
        list.body.contains(&format!("href=\"/releases/{id}\"")),
        "{}",
        list.body
    );
    assert!(list.body.contains("Intern") && list.body.contains("cli:test"));

    let page = an.get(&format!("/releases/{id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    for f in &release.files {
        assert!(
            page.body.contains(&f.sha256),
            "{} listed with its hash",
            f.name
        );
        let (status, headers, bytes) = an
            .get_bytes(&format!("/releases/{id}/files/{}", f.name))
            .await;
        assert_eq!(status, StatusCode::OK, "{}", f.name);
        assert_eq!(bytes, f.content, "{} as published", f.name);
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&f.name.replace('/', "-")),
            "{}",
            f.name
        );
    }
    // The exchanges kept beside the edition (issue 22) are served as what they are.
    let (status, headers, _) = an
        .get_bytes(&format!(
            "/releases/{id}/files/exchanges/eurostat-{}.json",
            spor_demo::YEAR
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    let (status, _, manifest) = an.get_bytes(&format!("/releases/{id}/manifest")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(manifest, release.row.manifest.as_bytes());

    assert_eq!(
        an.get(&format!("/releases/{}", id + 1)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        an.get(&format!("/releases/{id}/files/nothing.pdf"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The diff: nothing yet; after a late decision, the revised figures, and the record
    // behind them by its ref for caseworkers only (analysts see aggregates).
    let unchanged = an.get(&format!("/releases/{id}/diff")).await;
    assert_eq!(unchanged.status(), StatusCode::OK);
    assert!(unchanged.body.contains("uændret"), "{}", unchanged.body);
    let register = app.store.load_register().await.unwrap();
    let mut late = register.identifications[0].clone();
    late.case_ref = spor_core::Ref::parse("LATE-1").unwrap();
    late.person_ref = spor_core::Ref::parse("LATE-P1").unwrap();
    late.decision_date = chrono::NaiveDate::from_ymd_opt(spor_demo::YEAR, 12, 30).unwrap();
    let ctx = spor_store::web::ChangeContext {
        actor: "cw".into(),
        at: chrono::Utc::now(),
        audit: spor_store::web::NewAuditEvent {
            code: "case.create".into(),
            actor: Some("cw".into()),
            ..Default::default()
        },
    };
    app.store
        .create_record(&spor_store::web::Record::Identification(late), &ctx)
        .await
        .unwrap();
    let revised = an.get(&format!("/releases/{id}/diff")).await;
    assert!(revised.body.contains("facts.victims"), "{}", revised.body);
    assert!(!revised.body.contains("LATE-1"), "no ref for an analyst");
    app.add_user("both", "caseworker,analyst").await;
    let mut both = app.login_as("both").await;
    let seen = both.get(&format!("/releases/{id}/diff")).await;
    assert!(seen.body.contains("LATE-1"), "{}", seen.body);

    // Each download is an audit event naming the release and the format.
    let views = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("release.view".into()),
                ..Default::default()
            },
            1000,
            0,
        )
        .await
        .unwrap();
    // Every file, the Eurostat file once more, the manifest and three diffs.
    assert_eq!(views.total as usize, release.files.len() + 5);
    assert!(
        views
            .items
            .iter()
            .all(|e| matches!(e.actor.as_deref(), Some("an" | "both"))
                && e.target.as_deref() == Some(id.to_string().as_str()))
    );
}
