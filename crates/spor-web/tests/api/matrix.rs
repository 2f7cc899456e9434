//! Every route × {anonymous, caseworker, analyst, admin}: allowed, 403 or sent to login.
//! The routes are checked against the router's own list (`src/lib.rs`), so a route added
//! without its row here fails.

use reqwest::StatusCode;
use spor_store::web::{ChangeContext, NewAuditEvent, Record};

use crate::helpers::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Public,
    /// Any logged-in user (their own account).
    LoggedIn,
    /// A step of a login not yet complete: a complete session is sent on.
    Step,
    Caseworker,
    Analyst,
    Admin,
    /// The export of the whole register: a permission of its own.
    Exporter,
    /// The start page: anonymous users to the login page, others on to their first page.
    Home,
    /// Answered to everyone with a redirect (the language switch).
    Redirect,
    /// The login form's POST: refused (403) to everyone without the login form's own token
    /// (the form itself is tested in `auth.rs`).
    LoginPost,
    /// Any logged-in user (logout; last in the list, it ends each agent's session).
    AnyUser,
}

/// (method, path, who may call it), every route of `spor_web::router` (checked by
/// `the_matrix_covers_every_route_of_the_router`).
const ROUTES: &[(&str, &str, Who)] = &[
    ("GET", "/healthz", Who::Public),
    ("GET", "/", Who::Home),
    ("GET", "/lang?to=da&back=/", Who::Redirect),
    ("POST", "/lang?to=da&back=/", Who::Redirect),
    ("POST", "/login", Who::LoginPost),
    ("GET", "/login", Who::Public),
    ("GET", "/assets/app.css", Who::Public),
    ("GET", "/login/second-factor", Who::Step),
    ("POST", "/login/second-factor", Who::Step),
    ("GET", "/account/second-factor", Who::Step),
    ("POST", "/account/second-factor", Who::Step),
    ("GET", "/account/password", Who::LoggedIn),
    ("POST", "/account/password", Who::LoggedIn),
    ("GET", "/account/reauthenticate", Who::LoggedIn),
    ("POST", "/account/reauthenticate", Who::LoggedIn),
    ("GET", "/cases", Who::Caseworker),
    ("GET", "/cases/new", Who::Caseworker),
    ("POST", "/cases/new", Who::Caseworker),
    ("GET", "/cases/C-1", Who::Caseworker),
    ("GET", "/cases/C-1/edit", Who::Caseworker),
    ("POST", "/cases/C-1/edit", Who::Caseworker),
    ("GET", "/cases/C-1/return", Who::Caseworker),
    ("POST", "/cases/C-1/return", Who::Caseworker),
    ("GET", "/cases/C-1/delete", Who::Caseworker),
    ("POST", "/cases/C-1/delete", Who::Caseworker),
    ("POST", "/cases/C-1/restore", Who::Caseworker),
    ("GET", "/assessments", Who::Caseworker),
    ("GET", "/assessments/new", Who::Caseworker),
    ("POST", "/assessments/new", Who::Caseworker),
    ("GET", "/assessments/A-1", Who::Caseworker),
    ("GET", "/assessments/A-1/edit", Who::Caseworker),
    ("POST", "/assessments/A-1/edit", Who::Caseworker),
    ("GET", "/assessments/A-1/delete", Who::Caseworker),
    ("POST", "/assessments/A-1/delete", Who::Caseworker),
    ("POST", "/assessments/A-1/restore", Who::Caseworker),
    ("GET", "/calls", Who::Caseworker),
    ("GET", "/calls/new", Who::Caseworker),
    ("POST", "/calls/new", Who::Caseworker),
    ("GET", "/calls/K-1", Who::Caseworker),
    ("GET", "/calls/K-1/edit", Who::Caseworker),
    ("POST", "/calls/K-1/edit", Who::Caseworker),
    ("GET", "/calls/K-1/delete", Who::Caseworker),
    ("POST", "/calls/K-1/delete", Who::Caseworker),
    ("POST", "/calls/K-1/restore", Who::Caseworker),
    ("GET", "/persons", Who::Caseworker),
    ("GET", "/persons/P-1", Who::Caseworker),
    ("GET", "/persons/P-1/identity", Who::Caseworker),
    ("POST", "/persons/P-1/identity", Who::Caseworker),
    ("POST", "/persons/P-1/identity/erase", Who::Caseworker),
    ("GET", "/persons/P-1/access.json", Who::Caseworker),
    ("GET", "/persons/P-1/access.pdf", Who::Caseworker),
    ("GET", "/identity/search", Who::Caseworker),
    ("POST", "/identity/search", Who::Caseworker),
    ("POST", "/access", Who::Caseworker),
    ("GET", "/export/register.xlsx", Who::Exporter),
    ("GET", "/dashboard", Who::Analyst),
    ("GET", "/overview", Who::Analyst),
    ("GET", "/overview/2026/download/json", Who::Analyst),
    ("GET", "/overview/2026/view", Who::Analyst),
    ("GET", "/overview/2026/csv/victims_by_form", Who::Analyst),
    ("GET", "/overview/2026/manifest", Who::Analyst),
    ("GET", "/overview/2026/risk", Who::Analyst),
    (
        "GET",
        "/overview/2026/figures/victims_by_form",
        Who::Analyst,
    ),
    (
        "GET",
        "/overview/2026/figures/victims_by_form/records?col=count",
        Who::Caseworker,
    ),
    ("GET", "/exchanges", Who::Analyst),
    ("GET", "/exchanges/eurostat/2026/json", Who::Analyst),
    (
        "GET",
        "/exchanges/person-level/ctdc/2026/csv",
        Who::Exporter,
    ),
    (
        "GET",
        "/exchanges/person-level/htcds/2026/json",
        Who::Exporter,
    ),
    ("GET", "/releases", Who::Analyst),
    ("GET", "/releases/1", Who::Analyst),
    ("GET", "/releases/1/manifest", Who::Analyst),
    ("GET", "/releases/1/diff", Who::Analyst),
    ("GET", "/releases/1/files/overview-2026.json", Who::Analyst),
    ("GET", "/admin/users", Who::Admin),
    ("POST", "/admin/users", Who::Admin),
    ("POST", "/admin/users/cw", Who::Admin),
    ("GET", "/admin/codes", Who::Admin),
    ("POST", "/admin/codes", Who::Admin),
    ("POST", "/admin/codes/edit", Who::Admin),
    ("GET", "/admin/mappings", Who::Admin),
    ("POST", "/admin/mappings", Who::Admin),
    ("GET", "/admin/settings", Who::Admin),
    ("POST", "/admin/settings", Who::Admin),
    ("GET", "/admin/retention", Who::Admin),
    ("POST", "/admin/retention", Who::Admin),
    ("GET", "/admin/audit", Who::Admin),
    ("POST", "/logout", Who::AnyUser),
];

/// (method, path pattern) of every route the router declares, read from its source.
fn router_routes() -> Vec<(String, String)> {
    let src = include_str!("../../src/lib.rs");
    let mut out = Vec::new();
    for chunk in src.split(".route(").skip(1) {
        let chunk = chunk.trim_start();
        let Some(rest) = chunk.strip_prefix('"') else {
            continue;
        };
        let path = &rest[..rest.find('"').unwrap()];
        // The method routers up to the call's closing parenthesis.
        let mut depth = 1;
        let mut end = 0;
        for (i, c) in chunk.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let methods = &chunk[..end];
        for (m, needle) in [("GET", "get("), ("POST", "post(")] {
            let found = methods
                .match_indices(needle)
                .any(|(i, _)| i == 0 || !methods.as_bytes()[i - 1].is_ascii_alphanumeric());
            if found {
                out.push((m.to_string(), path.to_string()));
            }
        }
    }
    out
}

/// Whether a concrete path (query ignored) fits a route pattern with `{param}` segments.
fn fits(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap();
    let (p, q): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
}

#[test]
fn the_matrix_covers_every_route_of_the_router() {
    let routes = router_routes();
    assert!(
        routes.len() > 40,
        "the router's routes were read: {routes:?}"
    );
    let missing: Vec<_> = routes
        .iter()
        .filter(|(m, p)| !ROUTES.iter().any(|(rm, rp, _)| rm == m && fits(p, rp)))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the matrix: {missing:?}"
    );
    let unknown: Vec<_> = ROUTES
        .iter()
        .filter(|(rm, rp, _)| !routes.iter().any(|(m, p)| rm == m && fits(p, rp)))
        .collect();
    assert!(unknown.is_empty(), "rows of no route: {unknown:?}");
}

async fn seed(app: &TestApp) {
    let codes = spor_core::CodeBook::builtin();
    let ctx = ChangeContext {
        actor: "seed".into(),
        at: chrono::Utc::now(),
        audit: NewAuditEvent {
            code: "case.create".into(),
            ..Default::default()
        },
    };
    fn f<'a>(pairs: Vec<(&'a str, &'a str)>) -> std::collections::BTreeMap<&'a str, &'a str> {
        pairs.into_iter().collect()
    }
    let d = spor_import::validate::identification(
        &f(decision_form("C-1", "P-1", "2026-03-01")),
        &codes,
    )
    .unwrap();
    let a = spor_import::validate::assessment(
        &f(vec![
            ("assessment_ref", "A-1"),
            ("person_ref", "P-1"),
            ("interview_date", "2026-02-01"),
            ("gender", "male"),
            ("age", ""),
            ("nationality", "RO"),
        ]),
        &codes,
    )
    .unwrap();
    let k = spor_import::validate::hotline_call(
        &f(vec![
            ("call_ref", "K-1"),
            ("received_at", "2026-02-01T10:00:00"),
            ("caller_type", "police"),
            ("concerns_possible_victim", "true"),
            ("topic", ""),
        ]),
        &codes,
    )
    .unwrap();
    for r in [
        Record::Identification(d),
        Record::Assessment(a),
        Record::HotlineCall(k),
    ] {
        app.store.create_record(&r, &ctx).await.unwrap();
    }
    // Release 1: the internal overview of 2026.
    spor_app::published::publish(
        app.store.as_ref(),
        spor_app::audit::Actor::command_line("cli:seed"),
        2026,
        spor_app::Profile::Internal,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn every_route_refuses_the_wrong_role_and_sends_anonymous_users_to_login() {
    matrix(spawn_app().await).await;
}

#[tokio::test]
async fn every_route_refuses_the_wrong_role_on_postgresql_too() {
    if let Some(app) = spawn_app_on_postgres("route × role matrix").await {
        matrix(app).await;
    }
}

async fn matrix(app: TestApp) {
    seed(&app).await;
    app.add_user("cw", "caseworker").await;
    app.add_user("an", "analyst").await;
    app.add_user("ad", "admin").await;
    app.add_user("ex", "exporter").await;
    let mut agents = [
        (None, app.agent()),
        (Some(Who::Caseworker), app.login_as("cw").await),
        (Some(Who::Analyst), app.login_as("an").await),
        (Some(Who::Admin), app.login_as("ad").await),
        (Some(Who::Exporter), app.login_as("ex").await),
    ];
    let mut failures = Vec::new();
    for (method, path, who) in ROUTES {
        for (role, agent) in agents.iter_mut() {
            let role = *role;
            let page = if *method == "GET" {
                agent.get(path).await
            } else {
                agent.post(path, &[]).await
            };
            let verdict = match (*who, role) {
                // A logged-in user asking for the login page is sent on.
                (Who::Public, Some(_)) if *path == "/login" => {
                    page.status() == StatusCode::SEE_OTHER
                }
                (Who::Home, None) => page.redirects_to_login(),
                // An account that may only export has no list to start on: a page that
                // says so, with the export in its menu.
                (Who::Home, Some(Who::Exporter)) => page.status() == StatusCode::OK,
                (Who::Home, Some(_)) => {
                    page.status() == StatusCode::SEE_OTHER && !page.redirects_to_login()
                }
                (Who::Redirect, _) => {
                    page.status() == StatusCode::SEE_OTHER && page.location.as_deref() == Some("/")
                }
                (Who::LoginPost, _) => page.status() == StatusCode::FORBIDDEN,
                (Who::AnyUser, None) => page.redirects_to_login(),
                (Who::AnyUser, Some(_)) => {
                    page.status() == StatusCode::SEE_OTHER
                        && page.location.as_deref() == Some("/login?bye=1")
                }
                (Who::Public, _) => page.status() == StatusCode::OK,
                (_, None) => page.redirects_to_login(),
                (Who::Step, Some(_)) => page.status() == StatusCode::SEE_OTHER,
                (Who::LoggedIn, Some(_)) => {
                    if *method == "GET" {
                        page.status() == StatusCode::OK
                    } else {
                        page.status() != StatusCode::FORBIDDEN && !page.redirects_to_login()
                    }
                }
                (w, Some(r)) if w == r => {
                    if *method == "GET" {
                        // The seeded register (one decision) makes no public edition, so
                        // its manifest is not found, past the role check.
                        page.status() == StatusCode::OK
                            || (*path == "/overview/2026/manifest"
                                && page.status() == StatusCode::NOT_FOUND)
                    } else {
                        page.status() != StatusCode::FORBIDDEN && !page.redirects_to_login()
                    }
                }
                (_, Some(_)) => page.status() == StatusCode::FORBIDDEN,
            };
            if !verdict {
                failures.push(format!(
                    "{method} {path} as {role:?}: got {} (location {:?})",
                    page.status(),
                    page.location
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "route × role mismatches:\n{}",
        failures.join("\n")
    );

    // Every refusal of a logged-in user was audited.
    let denied = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("access.denied".into()),
                ..Default::default()
            },
            1000,
            0,
        )
        .await
        .unwrap();
    let expected = ROUTES
        .iter()
        .filter(|(_, _, w)| {
            matches!(
                w,
                Who::Caseworker | Who::Analyst | Who::Admin | Who::Exporter
            )
        })
        .count()
        * 3;
    assert_eq!(denied.total as usize, expected);
}

#[tokio::test]
async fn unknown_paths_answer_404() {
    let app = spawn_app().await;
    let page = app.agent().get("/no/such/page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
}
