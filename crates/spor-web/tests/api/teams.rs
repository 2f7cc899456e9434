//! Access to persons by team (issue 21, item 6): caseworkers see their team's persons and
//! persons in no team; another team's person takes a stated reason, audited ("break
//! glass"); a caseworker without a team sees every person.

use reqwest::StatusCode;
use spor_store::web::{AuditFilter, UserUpdate};

use crate::helpers::*;

/// Puts the account `name` in `team`.
async fn set_team(app: &TestApp, name: &str, team: Option<&str>) {
    let u = UserUpdate {
        team: Some(team.map(str::to_string)),
        ..Default::default()
    };
    assert!(
        app.store
            .update_user(name, &u, chrono::Utc::now())
            .await
            .unwrap()
    );
}

/// An app with caseworkers `north` (team north), `south` (team south) and `all` (no
/// team); `north` has registered decision C-1 of person P-1.
async fn two_teams() -> TestApp {
    let app = spawn_app().await;
    for name in ["north", "south", "all"] {
        app.add_user(name, "caseworker").await;
    }
    set_team(&app, "north", Some("north")).await;
    set_team(&app, "south", Some("south")).await;
    let mut north = app.login_as("north").await;
    let created = north
        .post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    app
}

/// States `reason` for reaching `person` ("break glass"), coming from `back`.
async fn give_reason(agent: &mut Agent, person: &str, back: &str, reason: &str) -> Page {
    agent
        .post(
            "/access",
            &[("person", person), ("back", back), ("reason", reason)],
        )
        .await
}

async fn break_glass_events(app: &TestApp) -> Vec<spor_store::web::AuditEvent> {
    app.store
        .audit_events(
            &AuditFilter {
                code_prefix: Some("access.break_glass".into()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn a_new_records_person_gets_the_creators_team() {
    let app = two_teams().await;
    assert_eq!(
        app.store.person_team("P-1").await.unwrap().as_deref(),
        Some("north")
    );
    // A caseworker without a team leaves the person in none.
    let mut all = app.login_as("all").await;
    all.post("/cases/new", &decision_form("C-2", "P-2", "2026-03-01"))
        .await;
    assert_eq!(app.store.person_team("P-2").await.unwrap(), None);
    // Another team registering a record of the person is refused without a reason, and
    // keeps what was typed.
    let mut south = app.login_as("south").await;
    let refused = south
        .post("/cases/new", &decision_form("C-3", "P-1", "2026-03-02"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("value=\"C-3\""),
        "the form keeps its values"
    );
    assert!(
        app.store
            .record(spor_store::web::RecordKind::Identification, "C-3")
            .await
            .unwrap()
            .is_none()
    );
    // With a reason it is registered, and the person stays in their team.
    let given = give_reason(
        &mut south,
        "P-1",
        "/cases/new",
        "The person called the south office",
    )
    .await;
    assert_eq!(given.status(), StatusCode::SEE_OTHER);
    let created = south
        .post("/cases/new", &decision_form("C-3", "P-1", "2026-03-02"))
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.person_team("P-1").await.unwrap().as_deref(),
        Some("north")
    );
}

#[tokio::test]
async fn a_caseworker_of_another_team_is_refused_without_a_reason() {
    let app = two_teams().await;
    let mut south = app.login_as("south").await;
    for path in [
        "/cases/C-1",
        "/cases/C-1/edit",
        "/cases/C-1/return",
        "/cases/C-1/delete",
        "/persons/P-1",
    ] {
        let page = south.get(path).await;
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("name=\"reason\""),
            "{path}: the page asks for a reason"
        );
        assert!(
            !page.body.contains("Byggebranchen") && !page.body.contains("C-1</"),
            "{path}: nothing of the record is shown"
        );
    }
    // An edit posted without going through the reason is refused too, and changes nothing.
    let edit = south
        .post(
            "/cases/C-1/edit",
            &[("version", "1"), ("decision_date", "2026-03-05")],
        )
        .await;
    assert_eq!(edit.status(), StatusCode::FORBIDDEN);
    // No reason, or only white space: refused, no access, no break-glass event.
    for reason in ["", "   "] {
        let refused = give_reason(&mut south, "P-1", "/cases/C-1", reason).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("name=\"reason\""));
    }
    let too_long = "x".repeat(501);
    let refused = give_reason(&mut south, "P-1", "/cases/C-1", &too_long).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        south.get("/cases/C-1").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(break_glass_events(&app).await.is_empty());
    // The refusals are in the audit trail.
    let denied = app
        .store
        .audit_events(
            &AuditFilter {
                code_prefix: Some("access.denied".into()),
                actor: Some("south".into()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
    assert!(denied.total >= 5, "{}", denied.total);
    // The own team's caseworker is not asked.
    let mut north = app.login_as("north").await;
    assert_eq!(north.get("/cases/C-1").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn with_a_reason_the_caseworker_gets_the_case_and_the_trail_has_the_reason() {
    let app = two_teams().await;
    let mut south = app.login_as("south").await;
    let asked = south.get("/cases/C-1").await;
    assert_eq!(asked.status(), StatusCode::FORBIDDEN);
    assert_eq!(hidden(&asked.body, "back").as_deref(), Some("/cases/C-1"));
    let given = give_reason(
        &mut south,
        "P-1",
        "/cases/C-1",
        "Covering the north team's hotline tonight",
    )
    .await;
    assert_eq!(given.status(), StatusCode::SEE_OTHER);
    assert_eq!(given.location.as_deref(), Some("/cases/C-1"));
    let shown = south.get("/cases/C-1").await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert!(shown.body.contains("Byggebranchen"));
    assert_eq!(south.get("/persons/P-1").await.status(), StatusCode::OK);
    let events = break_glass_events(&app).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.actor.as_deref(), Some("south"));
    assert_eq!(e.target.as_deref(), Some("P-1"));
    assert_eq!(
        e.detail.as_deref(),
        Some("Covering the north team's hotline tonight")
    );
    // The access is the session's: another login of the same account is asked again.
    let mut again = app.login_as("south").await;
    assert_eq!(
        again.get("/cases/C-1").await.status(),
        StatusCode::FORBIDDEN
    );
    // It ends after a while (the session, kept alive, goes on).
    app.clock.advance(std::time::Duration::from_secs(20 * 60));
    assert_eq!(south.get("/cases/C-1").await.status(), StatusCode::OK);
    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    assert_eq!(
        south.get("/cases/C-1").await.status(),
        StatusCode::FORBIDDEN
    );
    // Never sent to another site.
    let elsewhere = give_reason(&mut south, "P-1", "//evil.example/", "again").await;
    assert_eq!(elsewhere.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn lists_and_search_do_not_show_another_teams_persons() {
    let app = two_teams().await;
    let mut all = app.login_as("all").await;
    // A person in no team (as imported records are) is seen by every team.
    all.post("/cases/new", &decision_form("C-9", "P-9", "2026-03-01"))
        .await;
    let mut south = app.login_as("south").await;
    let list = south.get("/cases").await;
    assert_eq!(list.status(), StatusCode::OK);
    assert!(!list.body.contains("C-1"), "north's decision is not listed");
    assert!(list.body.contains("C-9"), "the one in no team is");
    let search = south.get("/persons?q=P-1").await;
    assert_eq!(
        search.status(),
        StatusCode::NOT_FOUND,
        "not found by search"
    );
    let search = south.get("/persons?q=C-1").await;
    assert_eq!(search.status(), StatusCode::NOT_FOUND);
    let mut north = app.login_as("north").await;
    let list = north.get("/cases").await;
    assert!(list.body.contains("C-1") && list.body.contains("C-9"));
}

#[tokio::test]
async fn the_users_page_shows_each_accounts_team() {
    let app = two_teams().await;
    app.add_user("ad", "admin").await;
    let mut ad = app.login_as("ad").await;
    let page = ad.get("/admin/users").await;
    assert!(page.body.contains("Hold: north"), "{}", page.body);
    assert!(page.body.contains("Hold: south"));
}

#[tokio::test]
async fn a_caseworker_without_a_team_sees_all() {
    let app = two_teams().await;
    let mut all = app.login_as("all").await;
    assert_eq!(all.get("/cases/C-1").await.status(), StatusCode::OK);
    assert_eq!(all.get("/persons/P-1").await.status(), StatusCode::OK);
    assert!(all.get("/cases").await.body.contains("C-1"));
    let found = all.get("/persons?q=P-1").await;
    assert_eq!(found.status(), StatusCode::SEE_OTHER, "the one hit opens");
    assert!(break_glass_events(&app).await.is_empty());
}

#[tokio::test]
async fn moving_a_record_to_another_teams_person_takes_a_reason() {
    let app = two_teams().await;
    let mut south = app.login_as("south").await;
    south
        .post("/cases/new", &decision_form("C-9", "P-9", "2026-03-05"))
        .await;
    let mut north = app.login_as("north").await;
    let version = hidden(&north.get("/cases/C-1/edit").await.body, "version").unwrap();
    let mut to_south = decision_form("C-1", "P-9", "2026-03-01");
    to_south.push(("version", &version));
    let refused = north.post("/cases/C-1/edit", &to_south).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("value=\"P-9\""),
        "the form keeps its values"
    );
    let stored = app
        .store
        .record(spor_store::web::RecordKind::Identification, "C-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1, "nothing written");
    // To a person in no team: saved, and the person joins the editor's team.
    let mut to_new = decision_form("C-1", "P-NEW", "2026-03-01");
    to_new.push(("version", &version));
    assert_eq!(
        north.post("/cases/C-1/edit", &to_new).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.store.person_team("P-NEW").await.unwrap().as_deref(),
        Some("north")
    );
}
