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
    assert_eq!(views.total as usize, release.files.len() + 1);
    assert!(views.items.iter().all(|e| e.actor.as_deref() == Some("an")
        && e.target.as_deref() == Some(id.to_string().as_str())));
}
