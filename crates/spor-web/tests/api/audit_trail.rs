//! The hash-chained audit trail catches altered and removed rows.

use reqwest::StatusCode;
use spor_store::web::ChainStatus;

use crate::helpers::*;

async fn app_with_events() -> TestApp {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.get("/cases").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    cw.get("/cases/C-1").await;
    app
}

#[tokio::test]
async fn an_untouched_audit_trail_verifies() {
    let app = app_with_events().await;
    match app.store.verify_audit().await.unwrap() {
        ChainStatus::Intact { events } => assert!(events >= 4, "{events} events"),
        other => panic!("expected an intact chain, got {other:?}"),
    }
}

#[tokio::test]
async fn the_audit_trail_refuses_updates_and_deletes_through_sql() {
    let app = app_with_events().await;
    let pool = app.raw_pool().await;
    assert!(
        sqlx::query("UPDATE audit_events SET actor = 'x' WHERE seq = 1")
            .execute(&pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_events WHERE seq = 1")
            .execute(&pool)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_tampered_row_is_reported_as_the_first_broken_link() {
    let app = app_with_events().await;
    let pool = app.raw_pool().await;
    // Someone with database access removes the guard and rewrites who did something.
    sqlx::query("DROP TRIGGER audit_events_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    match app.store.verify_audit().await.unwrap() {
        ChainStatus::Broken { seq, reason } => {
            assert_eq!(seq, 2);
            assert!(reason.contains("altered"), "{reason}");
        }
        other => panic!("the tampering was not detected: {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_row_is_reported_where_it_was() {
    let app = app_with_events().await;
    let pool = app.raw_pool().await;
    sqlx::query("DROP TRIGGER audit_events_no_delete")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_events WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    match app.store.verify_audit().await.unwrap() {
        ChainStatus::Broken { seq, reason } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("missing"), "{reason}");
        }
        other => panic!("the deletion was not detected: {other:?}"),
    }
}

#[tokio::test]
async fn deleting_the_newest_rows_is_detected_too() {
    let app = app_with_events().await;
    let pool = app.raw_pool().await;
    sqlx::query("DROP TRIGGER audit_events_no_delete")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)")
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(
        app.store.verify_audit().await.unwrap(),
        ChainStatus::Broken { .. }
    ));
}

#[tokio::test]
async fn the_admin_audit_page_shows_events_and_the_chain_state() {
    let app = app_with_events().await;
    app.add_user("ad", "admin").await;
    let mut ad = app.login_as("ad").await;
    let page = ad.get("/admin/audit?code=case.view").await;
    // The whole chain is read when asked, not on every view.
    assert!(
        page.body
            .contains("Kæden kontrolleres, når du beder om det")
    );
    assert!(!page.body.contains("Kæden er intakt"));
    assert!(page.body.contains("/admin/audit?verify=1"));
    assert!(page.body.contains("case.view"));
    let checked = ad.get("/admin/audit?code=case.view&verify=1").await;
    assert!(checked.body.contains("Kæden er intakt"), "{}", checked.body);
    // Rewritten without the key (as plain SHA-256), the chain is reported broken.
    let pool = app.raw_pool().await;
    sqlx::query("DROP TRIGGER audit_events_no_update")
        .execute(&pool)
        .await
        .unwrap();
    let e2 = app
        .store
        .audit_events(&Default::default(), 1000, 0)
        .await
        .unwrap();
    let second = e2.items.iter().find(|e| e.seq == 2).unwrap().clone();
    let forged = spor_store::web::AuditEvent {
        actor: Some("someone-else".into()),
        chain: spor_store::web::CHAIN_SHA256,
        ..second
    };
    let hash = spor_store::web::audit_hash(&forged.prev_hash, &forged);
    sqlx::query(
        "UPDATE audit_events SET actor = 'someone-else', chain = 0, hash = $1 WHERE seq = 2",
    )
    .bind(hash)
    .execute(&pool)
    .await
    .unwrap();
    let broken = ad.get("/admin/audit?verify=1").await;
    assert!(
        broken.body.contains("Kæden er brudt (#2)"),
        "{}",
        broken.body
    );
    assert!(
        !page.body.contains("login.success</td>"),
        "filtered to case.view"
    );
    // A page the trail does not have is said so, with the number of pages it has.
    for asked in ["99", "abc"] {
        let page = ad.get(&format!("/admin/audit?page={asked}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "page={asked}");
        assert!(
            page.body.contains(&format!("Side {asked} findes ikke")),
            "{}",
            page.body
        );
    }
    assert_eq!(ad.get("/admin/audit?page=1").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_keep_one_unbroken_chain() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let cw = app.login_as("cw").await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (client, base, cookie, csrf) = (
            cw.client.clone(),
            cw.base.clone(),
            cw.session_cookie().unwrap(),
            cw.csrf.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let case = format!("C-{i}");
            let mut form: Vec<(String, String)> = decision_form(&case, "P-1", "2026-03-01")
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            form.push(("csrf".into(), csrf));
            let res = client
                .post(format!("{base}/cases/new"))
                .header("cookie", format!("spor_session={cookie}"))
                .form(&form)
                .send()
                .await
                .unwrap();
            res.status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), reqwest::StatusCode::SEE_OTHER);
    }
    match app.store.verify_audit().await.unwrap() {
        ChainStatus::Intact { events } => assert!(events >= 25, "{events}"),
        other => panic!("concurrent writers broke the chain: {other:?}"),
    }
}

#[tokio::test]
async fn on_postgresql_a_tampered_row_is_reported_too() {
    let Some(app) = spawn_app_on_postgres("audit tampering").await else {
        return;
    };
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    cw.get("/cases/C-1").await;
    assert!(matches!(
        app.store.verify_audit().await.unwrap(),
        ChainStatus::Intact { .. }
    ));
    let url = app.pg_url().unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    assert!(
        sqlx::query("UPDATE audit_events SET actor = 'x' WHERE seq = 2")
            .execute(&pool)
            .await
            .is_err(),
        "the trigger refuses updates"
    );
    sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET actor = 'x' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    match app.store.verify_audit().await.unwrap() {
        ChainStatus::Broken { seq, .. } => assert_eq!(seq, 2),
        other => panic!("the tampering was not detected: {other:?}"),
    }
}

/// The edit and return forms show the whole stored record: each opening is a view event.
#[tokio::test]
async fn opening_the_edit_and_return_forms_is_audited_as_a_view() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    for path in ["/cases/C-1/edit", "/cases/C-1/return"] {
        assert_eq!(cw.get(path).await.status, StatusCode::OK, "{path}");
    }
    let views = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("case.view".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    let seen: Vec<(Option<&str>, Option<&str>, Option<&str>)> = views
        .items
        .iter()
        .map(|e| (e.actor.as_deref(), e.target.as_deref(), e.detail.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (Some("cw"), Some("C-1"), Some("return form")),
            (Some("cw"), Some("C-1"), Some("edit form"))
        ]
    );
}
