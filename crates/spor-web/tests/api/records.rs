//! Caseworker forms, history, version checks, the person page and the dashboard.

use reqwest::StatusCode;
use spor_store::web::RecordKind;

use crate::helpers::*;

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Copenhagen)
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn a_caseworker_registers_a_decision_and_the_analyst_dashboard_counts_it() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    app.add_user("an", "analyst").await;
    let mut cw = app.login_as("cw").await;
    let mut an = app.login_as("an").await;
    let before = an.get("/dashboard").await;
    assert!(
        before.body.contains("id=\"victims-so-far\">0<"),
        "no victims yet"
    );

    let date = today();
    let created = cw
        .post("/cases/new", &decision_form("C-100", "P-100", &date))
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.location.as_deref(), Some("/cases/C-100?saved=1"));
    let shown = cw.get("/cases/C-100").await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert!(
        shown.body.contains("Byggebranchen"),
        "codes are shown with Danish labels"
    );

    let after = an.get("/dashboard").await;
    assert!(
        after.body.contains("id=\"victims-so-far\">1<"),
        "the new victim is counted"
    );
    // The analyst never reaches the case itself.
    assert_eq!(an.get("/cases/C-100").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_invalid_form_keeps_what_was_typed_and_marks_the_field() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    let mut form = decision_form("C-1", "P-1", "2026-02-30");
    form.retain(|(k, _)| *k != "referral_actor");
    form.push(("referral_actor", ""));
    let page = cw.post("/cases/new", &form).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Both bad fields are marked, and what was typed is still there.
    assert!(
        page.body.contains("value=\"2026-02-30\""),
        "the typed date is kept"
    );
    assert!(page.body.contains("value=\"C-1\""));
    assert!(
        page.body.contains("<option value=\"RO\" selected>"),
        "the chosen nationality is kept"
    );
    let marked = page.body.matches("class=\"field invalid\"").count();
    assert_eq!(marked, 2, "decision_date and referral_actor are marked");
    assert!(
        app.store
            .record(RecordKind::Identification, "C-1")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_stale_edit_is_refused_instead_of_overwriting() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    app.add_user("cw2", "caseworker").await;
    let mut a = app.login_as("cw").await;
    let mut b = app.login_as("cw2").await;
    a.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    // Both open the edit form at version 1.
    let va = hidden(&a.get("/cases/C-1/edit").await.body, "version").unwrap();
    let vb = hidden(&b.get("/cases/C-1/edit").await.body, "version").unwrap();
    assert_eq!(va, "1");
    let mut fa = decision_form("C-1", "P-1", "2026-03-01");
    fa.retain(|(k, _)| *k != "age");
    fa.push(("age", "35"));
    fa.push(("version", &va));
    assert_eq!(
        a.post("/cases/C-1/edit", &fa).await.status(),
        StatusCode::SEE_OTHER
    );
    let mut fb = decision_form("C-1", "P-1", "2026-03-01");
    fb.retain(|(k, _)| *k != "age");
    fb.push(("age", "40"));
    fb.push(("version", &vb));
    let conflict = b.post("/cases/C-1/edit", &fb).await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    assert!(
        conflict.body.contains("value=\"40\""),
        "the refused input is kept for the user"
    );
    let stored = app
        .store
        .record(RecordKind::Identification, "C-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
    match stored.record {
        spor_store::web::Record::Identification(d) => assert_eq!(d.age, Some(35)),
        _ => unreachable!("an identification was stored"),
    }
    // The history says who changed what.
    let changes = app
        .store
        .record_changes(RecordKind::Identification, "C-1")
        .await
        .unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].actor, "cw");
    assert!(
        changes[1].fields.contains("\"age\":[34,35]"),
        "{}",
        changes[1].fields
    );
    let page = a.get("/cases/C-1").await;
    assert!(page.body.contains("Alder: 34 → 35"));
}

#[tokio::test]
async fn a_prepared_return_is_recorded_on_the_decision() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    let form = cw.get("/cases/C-1/return").await;
    let v = hidden(&form.body, "version").unwrap();
    // A return date without a country is refused at the country field.
    let bad = cw
        .post(
            "/cases/C-1/return",
            &[
                ("return_date", "2026-05-01"),
                ("return_country", ""),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = cw
        .post(
            "/cases/C-1/return",
            &[
                ("return_date", "2026-05-01"),
                ("return_country", "RO"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let stored = app
        .store
        .record(RecordKind::Identification, "C-1")
        .await
        .unwrap()
        .unwrap();
    match stored.record {
        spor_store::web::Record::Identification(d) => {
            assert_eq!(
                d.return_date.map(|d| d.to_string()).as_deref(),
                Some("2026-05-01")
            );
            assert_eq!(d.age, Some(34), "the rest of the decision is unchanged");
        }
        _ => unreachable!("an identification was stored"),
    }
}

#[tokio::test]
async fn hotline_calls_and_assessments_are_registered_through_their_forms() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    let call = cw
        .post(
            "/calls/new",
            &[
                ("call_ref", "K-1"),
                ("received_at", "2026-03-01T09:30:00"),
                ("caller_type", "citizen"),
                ("concerns_possible_victim", "true"),
                ("topic", "suspicion"),
            ],
        )
        .await;
    assert_eq!(call.status(), StatusCode::SEE_OTHER);
    let ass = cw
        .post(
            "/assessments/new",
            &[
                ("assessment_ref", "A-1"),
                ("person_ref", "P-7"),
                ("interview_date", "2025-11-02"),
                ("gender", "female"),
                ("age", ""),
                ("nationality", "NG"),
            ],
        )
        .await;
    assert_eq!(ass.status(), StatusCode::SEE_OTHER);
    assert!(cw.get("/calls?year=2026").await.body.contains("K-1"));
    assert!(!cw.get("/calls?year=2025").await.body.contains("K-1"));
    assert!(cw.get("/assessments").await.body.contains("A-1"));
}

#[tokio::test]
async fn the_person_page_shows_decisions_and_assessments_across_years() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2024-03-01"))
        .await;
    cw.post("/cases/new", &decision_form("C-2", "P-1", "2026-03-01"))
        .await;
    cw.post("/cases/new", &decision_form("C-3", "P-2", "2026-03-01"))
        .await;
    cw.post(
        "/assessments/new",
        &[
            ("assessment_ref", "A-1"),
            ("person_ref", "P-1"),
            ("interview_date", "2026-02-01"),
            ("gender", "male"),
            ("age", "33"),
            ("nationality", "RO"),
        ],
    )
    .await;
    let found = cw.get("/persons?person_ref=P-1").await;
    assert_eq!(found.location.as_deref(), Some("/persons/P-1"));
    let page = cw.get("/persons/P-1").await;
    assert!(page.body.contains("C-1") && page.body.contains("C-2") && page.body.contains("A-1"));
    assert!(!page.body.contains("C-3"));
    let views = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("person.view".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(views.total, 1);
    assert_eq!(views.items[0].target.as_deref(), Some("P-1"));
}

#[tokio::test]
async fn lists_filter_by_year_form_nationality_and_outcome_and_paginate() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    for i in 0..55 {
        let case = format!("C-{i:03}");
        let date = if i < 52 { "2026-01-15" } else { "2025-01-15" };
        cw.post("/cases/new", &decision_form(&case, "P-1", date))
            .await;
    }
    let p1 = cw.get("/cases?year=2026").await;
    assert!(p1.body.contains("52 rækker"), "52 decisions in 2026");
    assert!(p1.body.contains("Side 1 af 2"));
    assert!(
        p1.body.contains("href=\"/persons/P-1\""),
        "the person links to their page"
    );
    let p2 = cw.get("/cases?year=2026&page=2").await;
    assert_eq!(p2.body.matches("href=\"/cases/C-").count(), 2);
    assert!(cw.get("/cases?form=sexual").await.body.contains("0 rækker"));
    assert!(
        cw.get("/cases?nationality=RO&outcome=identified")
            .await
            .body
            .contains("55 rækker")
    );
}

#[tokio::test]
async fn deleting_a_record_needs_its_current_version_and_is_kept_in_history() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    assert_eq!(
        cw.post("/cases/C-1/delete", &[("version", "7")])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        cw.post("/cases/C-1/delete", &[("version", "1")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.store
            .record(RecordKind::Identification, "C-1")
            .await
            .unwrap()
            .is_none()
    );
    let changes = app
        .store
        .record_changes(RecordKind::Identification, "C-1")
        .await
        .unwrap();
    assert_eq!(changes.last().unwrap().action, "delete");
}

#[tokio::test]
async fn a_register_export_is_a_workbook_and_is_audited() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker,exporter").await;
    // A caseworker without the export permission sees persons, not the whole register.
    app.add_user("other", "caseworker").await;
    let mut other = app.login_as("other").await;
    assert_eq!(
        other.get("/export/register.xlsx").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        !other
            .get("/cases")
            .await
            .body
            .contains("/export/register.xlsx")
    );
    let mut cw = app.login_as("cw").await;
    assert!(
        cw.get("/cases")
            .await
            .body
            .contains("/export/register.xlsx")
    );
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    let res = cw
        .client
        .get(format!("{}/export/register.xlsx", cw.base))
        .header(
            "cookie",
            format!("spor_session={}", cw.session_cookie().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    let ev = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("export.download".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(ev.total, 1);
    assert_eq!(ev.items[0].actor.as_deref(), Some("cw"));
}

#[tokio::test]
async fn a_taken_reference_is_refused_at_the_reference_field() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    let again = cw
        .post("/cases/new", &decision_form("C-1", "P-2", "2026-03-02"))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(
        again
            .body
            .contains("Der findes allerede en post med denne reference.")
    );
    assert!(
        again.body.contains("value=\"P-2\""),
        "what was typed is kept"
    );
}
