//! Who a person is (issue 23) in the web application: the caseworker's identity form on the
//! person's page, the warning when a person registered before comes again, the search by
//! name through the blind index, and analysts refused on every identity route. Synthetic
//! names only.

use reqwest::StatusCode;

use crate::helpers::*;

fn identity_form<'a>(name: &'a str, birth: &'a str, doc: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("full_name", name),
        ("other_names", ""),
        ("birth_date", birth),
        ("phone", "+45 1234 5678"),
        ("document_number", doc),
        ("language", "tigrinya"),
        ("contact", "Søster, tlf. 8765 4321"),
    ]
}

async fn identity_story(app: TestApp) {
    app.add_user("cw", "caseworker").await;
    app.add_user("an", "analyst").await;
    app.add_user("ad", "admin").await;
    let mut cw = app.login_as("cw").await;
    let created = cw
        .post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);

    // The person's page links to the identity form, empty at first.
    let person = cw.get("/persons/P-1").await;
    assert!(
        person.body.contains("/persons/P-1/identity"),
        "{}",
        person.body
    );
    let form = cw.get("/persons/P-1/identity").await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.body.contains("name=\"full_name\""));

    let saved = cw
        .post(
            "/persons/P-1/identity",
            &identity_form("Zorbiana Testlund", "1988-07-14", "ZT 880714"),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.body);
    assert!(!saved.body.contains("id=\"duplicates\""));
    let shown = cw.get("/persons/P-1/identity").await;
    assert!(
        shown.body.contains("Zorbiana Testlund"),
        "the identity reads back"
    );
    assert!(shown.body.contains("1988-07-14"));

    // Bad input: every problem named, nothing saved.
    let bad = cw
        .post(
            "/persons/P-1/identity",
            &identity_form("Zorbiana Testlund", "14-07-1988", "ZT 880714"),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("YYYY-MM-DD"), "{}", bad.body);

    // The same person again under another ref: warned, with the earlier ref.
    let again = cw
        .post(
            "/persons/P-2/identity",
            &identity_form("TESTLUND  zorbiana", "1988-07-14", ""),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.body.contains("id=\"duplicates\""), "{}", again.body);
    assert!(again.body.contains("/persons/P-1"), "{}", again.body);

    // Search by name, one word of it, in any case.
    let found = cw.post("/identity/search", &[("q", "zorbiana")]).await;
    assert_eq!(found.status(), StatusCode::OK);
    assert!(found.body.contains("/persons/P-1/identity"));
    assert!(found.body.contains("/persons/P-2/identity"));
    let none = cw.post("/identity/search", &[("q", "zorb")]).await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);

    // Analysts (and administrators) are refused on every identity route, and see no value.
    for who in ["an", "ad"] {
        let mut other = app.login_as(who).await;
        for (method, path) in [
            ("GET", "/persons/P-1/identity"),
            ("POST", "/persons/P-1/identity"),
            ("GET", "/identity/search"),
            ("POST", "/identity/search"),
        ] {
            let page = match (method, path) {
                ("GET", _) => other.get(path).await,
                (_, "/identity/search") => other.post(path, &[("q", "zorbiana")]).await,
                _ => {
                    other
                        .post(path, &identity_form("Overwritten Name", "", ""))
                        .await
                }
            };
            assert_eq!(
                page.status(),
                StatusCode::FORBIDDEN,
                "{who}: {method} {path}"
            );
            assert!(!page.body.contains("Zorbiana"), "{who}: {method} {path}");
        }
    }
    let shown = cw.get("/persons/P-1/identity").await;
    assert!(
        shown.body.contains("Zorbiana Testlund"),
        "nothing was overwritten"
    );

    // Everything held about the person, for their right of access.
    let access = cw.get("/persons/P-1/access.json").await;
    assert_eq!(access.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&access.body).unwrap();
    assert_eq!(v["identity"]["full_name"], "Zorbiana Testlund");
    assert_eq!(v["decisions"][0]["case_ref"], "C-1");
    assert!(
        v["audit_trail"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "person.identity_view" && e["by"] == "cw"),
        "{v}"
    );

    let pdf = cw.get("/persons/P-1/access.pdf").await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"));

    // Erasure on request: a reason is needed; then the identity is gone, the records stay.
    let no_reason = cw
        .post("/persons/P-1/identity/erase", &[("reason", "")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let erased = cw
        .post(
            "/persons/P-1/identity/erase",
            &[("reason", "the person asked")],
        )
        .await;
    assert_eq!(erased.status(), StatusCode::OK, "{}", erased.body);
    let gone = cw.get("/persons/P-1/identity").await;
    assert!(!gone.body.contains("Zorbiana"), "{}", gone.body);
    assert!(
        !gone.body.contains("name=\"full_name\""),
        "no form for an erased identity"
    );
    let records = cw.get("/persons/P-1").await;
    assert!(records.body.contains("C-1"), "the records stay");

    // Each view, change and search is in the audit trail, without the values.
    let events = app
        .store
        .audit_events(&Default::default(), 500, 0)
        .await
        .unwrap()
        .items;
    for code in [
        "person.identity_view",
        "person.identity_update",
        "person.identity_search",
    ] {
        assert!(events.iter().any(|e| e.code == code), "{code} audited");
    }
    for e in &events {
        let all = format!("{:?} {:?}", e.detail, e.target);
        assert!(!all.to_lowercase().contains("zorbiana"), "{all}");
    }
}

#[tokio::test]
async fn a_caseworker_registers_who_a_person_is_and_is_warned_of_a_person_seen_before() {
    identity_story(spawn_app().await).await;
}

#[tokio::test]
async fn identity_in_the_web_application_works_on_postgresql_too() {
    if let Some(app) = spawn_app_on_postgres("identity").await {
        identity_story(app).await;
    }
}

#[tokio::test]
async fn an_administrator_sets_the_retention_policy_and_applies_it_without_seeing_persons() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    app.add_user("ad", "admin").await;
    let mut cw = app.login_as("cw").await;
    for (case, person, date) in [
        ("C-OLD", "P-OLD", "2010-01-05"),
        ("C-NEW", "P-NEW", "2026-01-05"),
    ] {
        let created = cw
            .post("/cases/new", &decision_form(case, person, date))
            .await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER, "{}", created.body);
        let saved = cw
            .post(
                &format!("/persons/{person}/identity"),
                &identity_form("Quorvina Testdottir", "1970-01-01", ""),
            )
            .await;
        assert_eq!(saved.status(), StatusCode::OK);
    }
    let mut ad = app.login_as("ad").await;
    let bad = ad
        .post("/admin/retention", &[("op", "years"), ("years", "0")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let set = ad
        .post("/admin/retention", &[("op", "years"), ("years", "3")])
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let shown = ad.get("/admin/retention").await;
    assert!(shown.body.contains("value=\"3\""), "{}", shown.body);
    assert!(
        shown.body.contains(": 1 identiteter skal slettes"),
        "{}",
        shown.body
    );
    assert!(
        !shown.body.contains("P-OLD"),
        "the administrator sees no person"
    );
    let applied = ad.post("/admin/retention", &[("op", "apply")]).await;
    assert_eq!(applied.status(), StatusCode::OK);
    assert!(
        applied.body.contains("1 identiteter er slettet"),
        "{}",
        applied.body
    );

    let old = cw.get("/persons/P-OLD/identity").await;
    assert!(!old.body.contains("Quorvina"), "{}", old.body);
    let new = cw.get("/persons/P-NEW/identity").await;
    assert!(new.body.contains("Quorvina"), "the recent person is kept");
    assert!(
        cw.get("/persons/P-OLD").await.body.contains("C-OLD"),
        "the records stay"
    );
}
