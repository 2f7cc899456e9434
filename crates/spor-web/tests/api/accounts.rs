//! Accounts to ASVS level 3 (issue 21, items 2–4): the second factor (TOTP and recovery
//! codes, enrolled at the first login), the user's own password and its rules, a password
//! set by an administrator changed at the first login, re-authentication before
//! privileged actions, no self-granted roles, and always an administrator left.

use std::time::Duration;

use reqwest::StatusCode;
use spor_store::web::AuditFilter;

use crate::helpers::*;

fn starts(page: &Page, path: &str) -> bool {
    page.location
        .as_deref()
        .is_some_and(|l| l.starts_with(path))
}

/// A six-digit code that is none of the codes `secret` gives around now.
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let now = app.clock.now().timestamp() / 30;
    let valid: Vec<String> = (now - 2..=now + 2)
        .map(|s| code_for_step(secret, s))
        .collect();
    ["123456", "654321", "111111"]
        .into_iter()
        .find(|c| !valid.iter().any(|v| v == c))
        .unwrap()
        .to_string()
}

async fn events(app: &TestApp, code: &str) -> Vec<spor_store::web::AuditEvent> {
    app.store
        .audit_events(
            &AuditFilter {
                code_prefix: Some(code.into()),
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
async fn the_password_alone_does_not_log_in_and_a_wrong_code_is_refused() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut a = app.agent();
    let first = a.login_password("cw", "cw-secret-password").await;
    assert!(
        starts(&first, "/login/second-factor"),
        "{:?}",
        first.location
    );
    // Nothing but the second factor (and logout) is in reach yet.
    let cases = a.get("/cases").await;
    assert!(
        starts(&cases, "/login/second-factor"),
        "{:?}",
        cases.location
    );
    assert!(starts(&a.get("/").await, "/login/second-factor"));
    assert!(starts(
        &a.get("/account/password").await,
        "/login/second-factor"
    ));
    assert!(events(&app, "login.success").await.is_empty());

    let wrong = wrong_code(&app, &test_secret("cw"));
    let refused = a.answer_second_factor("/login/second-factor", &wrong).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("Koden er forkert"), "says why");
    assert!(starts(&a.get("/cases").await, "/login/second-factor"));
    assert_eq!(
        events(&app, "second_factor.failure").await[0]
            .detail
            .as_deref(),
        Some("wrong code")
    );

    let half = a.session_cookie().unwrap();
    let code = a.next_code("cw");
    let done = a.answer_second_factor("/login/second-factor", &code).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(a.get("/cases").await.status(), StatusCode::OK);
    // The session from before the second factor is not the logged-in one.
    assert_ne!(a.session_cookie().unwrap(), half, "a new session id");
    let mut stale = app.agent();
    stale.cookies = vec![("spor_session".into(), half)];
    assert!(stale.get("/cases").await.redirects_to_login());
    let ok = events(&app, "login.success").await;
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].detail.as_deref(), Some("password and TOTP code"));
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_wrong_passwords() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut a = app.agent();
    a.login_password("cw", "cw-secret-password").await;
    let wrong = wrong_code(&app, &test_secret("cw"));
    for _ in 1..app.config.lockout_after {
        let r = a.answer_second_factor("/login/second-factor", &wrong).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // The last wrong code locks the account and ends the half-made session.
    let last = a.answer_second_factor("/login/second-factor", &wrong).await;
    assert!(last.redirects_to_login(), "{:?}", last.location);
    assert!(a.get("/cases").await.redirects_to_login());
    // Even the password and a right code do not get in while it is locked.
    let mut b = app.agent();
    assert_eq!(
        b.login("cw", "cw-secret-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_totp_code_is_taken_only_once() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let secret = test_secret("cw");
    let step = app.clock.now().timestamp() / 30;
    let code = code_for_step(&secret, step);
    let mut a = app.agent();
    a.login_password("cw", "cw-secret-password").await;
    let first = a.answer_second_factor("/login/second-factor", &code).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    // The same code again (seen over a shoulder, or sent twice): refused.
    let mut b = app.agent();
    b.login_password("cw", "cw-secret-password").await;
    let again = b.answer_second_factor("/login/second-factor", &code).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(again.body.contains("allerede brugt"), "says why");
    assert!(starts(&b.get("/cases").await, "/login/second-factor"));
    // An older code than the one used is refused too; the next step's is taken.
    let older = code_for_step(&secret, step - 1);
    if older != code {
        let r = b.answer_second_factor("/login/second-factor", &older).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let next = code_for_step(&secret, step + 1);
    let r = b.answer_second_factor("/login/second-factor", &next).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/cases").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_account_without_a_second_factor_enrols_at_the_first_login_and_its_recovery_codes_work_once()
 {
    let app = spawn_app().await;
    app.add_user_without_second_factor("cw", "caseworker").await;
    let mut a = app.agent();
    let first = a.login("cw", "cw-secret-password").await;
    assert!(
        starts(&first, "/account/second-factor"),
        "{:?}",
        first.location
    );
    // Nothing else until enrolled.
    assert!(starts(&a.get("/cases").await, "/account/second-factor"));
    let page = a.get("/account/second-factor").await;
    assert!(page.body.contains("otpauth://totp/Spor:cw?"), "the address");
    assert!(
        page.body
            .contains("id=\"totp-qr\" src=\"data:image/png;base64,iVBOR"),
        "the QR code, a PNG"
    );
    // A wrong code does not enrol.
    let csrf = hidden(&page.body, "csrf").unwrap();
    let refused = a
        .post_raw(
            "/account/second-factor",
            &[
                ("code".to_string(), "12345".to_string()),
                ("csrf".to_string(), csrf),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !app.store
            .user("cw")
            .await
            .unwrap()
            .unwrap()
            .has_second_factor()
    );

    let shown = a.enrol("cw").await;
    assert_eq!(shown.status(), StatusCode::OK);
    // The secret is sealed at rest under the audit key: the store holds no TOTP secret.
    let stored = app
        .store
        .user("cw")
        .await
        .unwrap()
        .unwrap()
        .totp_secret
        .unwrap();
    let secret = a.authenticator.lock().unwrap()["cw"].0.clone();
    assert!(stored.starts_with("sealed1:"), "{stored}");
    assert!(!stored.contains(&secret));
    let codes: Vec<String> = shown
        .body
        .split("<li><code>")
        .skip(1)
        .map(|p| p.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes");
    assert!(
        app.store
            .user("cw")
            .await
            .unwrap()
            .unwrap()
            .has_second_factor()
    );
    assert_eq!(a.get("/cases").await.status(), StatusCode::OK);
    assert_eq!(events(&app, "second_factor.enrol").await.len(), 1);
    // Stored hashed: no code is in the database as typed.
    let pool = app.raw_pool().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(codes.iter().all(|c| !stored.contains(&c.replace('-', ""))));

    // A recovery code instead of the app's code: once.
    let mut b = app.agent();
    b.login_password("cw", "cw-secret-password").await;
    let used = b
        .answer_second_factor("/login/second-factor", &codes[3])
        .await;
    assert_eq!(used.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/cases").await.status(), StatusCode::OK);
    let mut c = app.agent();
    c.login_password("cw", "cw-secret-password").await;
    let again = c
        .answer_second_factor("/login/second-factor", &codes[3])
        .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        events(&app, "second_factor.recovery_code").await[0]
            .detail
            .as_deref(),
        Some("9 left")
    );
}

#[tokio::test]
async fn a_password_set_by_an_administrator_is_changed_at_the_first_login_and_weak_ones_are_refused()
 {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    let mut ad = app.login_as("ad").await;
    // The administrator's password is checked too: a common one, one with the name.
    for (pw, why) in [
        ("password123", "blandt de mest brugte"),
        ("Qwertyuiop1", "blandt de mest brugte"),
        ("mette.hansen-2026", "indeholder brugernavnet"),
    ] {
        let r = ad
            .post(
                "/admin/users",
                &[
                    ("name", "mette.hansen"),
                    ("role_caseworker", "1"),
                    ("password", pw),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        assert!(r.body.contains(why), "{pw}: {why}");
    }
    let made = ad
        .post(
            "/admin/users",
            &[
                ("name", "mette.hansen"),
                ("role_caseworker", "1"),
                ("password", "tall-harbour-lantern-7"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);

    let mut m = app.agent();
    m.login("mette.hansen", "tall-harbour-lantern-7").await;
    m.enrol("mette.hansen").await;
    // Enrolled, but the administrator's password comes first.
    let cases = m.get("/cases").await;
    assert!(starts(&cases, "/account/password"), "{:?}", cases.location);
    let form = m.get("/account/password").await;
    assert!(form.body.contains("sat af en administrator"));
    for (current, new, why) in [
        (
            "not-the-password",
            "quiet-meadow-river-42",
            "nuværende adgangskode er forkert",
        ),
        (
            "tall-harbour-lantern-7",
            "1qaz2wsx3edc",
            "blandt de mest brugte",
        ),
        (
            "tall-harbour-lantern-7",
            "Hansen-rules-2026",
            "indeholder brugernavnet",
        ),
        (
            "tall-harbour-lantern-7",
            "tall-harbour-lantern-7",
            "den samme",
        ),
        ("tall-harbour-lantern-7", "short", "mindst 10 tegn"),
    ] {
        let r = m.change_password(current, new).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(r.body.contains(why), "{new}: {why}");
    }
    assert!(starts(&m.get("/cases").await, "/account/password"));
    let done = m
        .change_password("tall-harbour-lantern-7", "quiet-meadow-river-42")
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(m.get("/cases").await.status(), StatusCode::OK);
    let user = app.store.user("mette.hansen").await.unwrap().unwrap();
    assert!(!user.must_change_password);
    assert_eq!(events(&app, "user.password_change").await.len(), 1);
    // The new password logs in; the old one no longer does.
    assert_eq!(
        app.agent()
            .login("mette.hansen", "tall-harbour-lantern-7")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let mut again = app.agent();
    again.login("mette.hansen", "quiet-meadow-river-42").await;
    assert_eq!(again.get("/cases").await.status(), StatusCode::OK);

    // A reset by the administrator must be changed again.
    ad.post(
        "/admin/users/mette.hansen",
        &[("op", "password"), ("password", "green-ladder-window-9")],
    )
    .await;
    let mut after = app.agent();
    after.login("mette.hansen", "green-ladder-window-9").await;
    assert!(starts(&after.get("/cases").await, "/account/password"));
}

#[tokio::test]
async fn privileged_actions_need_a_recent_reauthentication() {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    app.add_user("cw", "caseworker").await;
    let mut ad = app.login_as("ad").await;
    let mut cw = app.login_as("cw").await;
    // Within minutes of the login: allowed.
    let granted = ad
        .post(
            "/admin/users/cw",
            &[("op", "roles"), ("roles", "caseworker,analyst,exporter")],
        )
        .await;
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    assert_eq!(granted.location.as_deref(), Some("/admin/users"));

    app.clock
        .advance(app.config.reauth_within + Duration::from_secs(60));
    // Pages still open, but a grant, a reset, a code, a setting and the export wait.
    assert_eq!(ad.get("/admin/users").await.status(), StatusCode::OK);
    for (path, form) in [
        (
            "/admin/users/cw",
            vec![("op", "roles"), ("roles", "caseworker,admin")],
        ),
        (
            "/admin/users/cw",
            vec![("op", "password"), ("password", "green-ladder-window-9")],
        ),
        ("/admin/users/cw", vec![("op", "second_factor")]),
        (
            "/admin/codes",
            vec![
                ("list", "referral_actor"),
                ("code", "union"),
                ("da", "F"),
                ("en", "U"),
            ],
        ),
        (
            "/admin/settings",
            vec![("microdata_from", "2023"), ("confirm", "1")],
        ),
    ] {
        let r = ad.post(path, &form).await;
        assert!(
            starts(&r, "/account/reauthenticate?next="),
            "{path} {form:?}: {:?}",
            r.location
        );
    }
    let export = cw.get("/export/register.xlsx").await;
    assert!(starts(
        &export,
        "/account/reauthenticate?next=/export/register.xlsx"
    ));
    let cw_row = app.store.user("cw").await.unwrap().unwrap();
    assert_eq!(
        cw_row.roles, "caseworker,analyst,exporter",
        "nothing changed"
    );
    assert!(cw_row.has_second_factor());
    assert_eq!(app.store.microdata_from().await.unwrap(), None);

    // A wrong password or code does not re-authenticate.
    let page = ad.get("/account/reauthenticate?next=/admin/users").await;
    assert_eq!(page.status(), StatusCode::OK);
    let wrong = ad
        .post(
            "/account/reauthenticate",
            &[
                ("password", "not-the-password"),
                ("code", "123456"),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let bad_code = wrong_code(&app, &test_secret("ad"));
    let wrong = ad
        .post(
            "/account/reauthenticate",
            &[
                ("password", "ad-secret-password"),
                ("code", &bad_code),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let code = ad.next_code("ad");
    let ok = ad
        .post(
            "/account/reauthenticate",
            &[
                ("password", "ad-secret-password"),
                ("code", &code),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.location.as_deref(), Some("/admin/users"));
    let granted = ad
        .post(
            "/admin/users/cw",
            &[("op", "roles"), ("roles", "caseworker,exporter")],
        )
        .await;
    assert_eq!(granted.location.as_deref(), Some("/admin/users"));
    assert_eq!(
        app.store.user("cw").await.unwrap().unwrap().roles,
        "caseworker,exporter"
    );
    assert_eq!(events(&app, "login.reauthenticate").await.len(), 1);

    // The caseworker re-authenticates and downloads.
    let code = cw.next_code("cw");
    let ok = cw
        .post(
            "/account/reauthenticate",
            &[
                ("password", "cw-secret-password"),
                ("code", &code),
                ("next", "/export/register.xlsx"),
            ],
        )
        .await;
    assert_eq!(ok.location.as_deref(), Some("/export/register.xlsx"));
    assert_eq!(
        cw.get("/export/register.xlsx").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn nobody_grants_themselves_a_role_and_the_last_administrator_stays() {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    app.add_user("ad2", "admin").await;
    let mut ad = app.login_as("ad").await;
    let own = ad
        .post(
            "/admin/users/ad",
            &[("op", "roles"), ("roles", "admin,caseworker")],
        )
        .await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("Ingen kan give sig selv en rolle"));
    assert_eq!(app.store.user("ad").await.unwrap().unwrap().roles, "admin");
    // Another administrator may grant it.
    let mut ad2 = app.login_as("ad2").await;
    let other = ad2
        .post(
            "/admin/users/ad",
            &[
                ("op", "roles"),
                ("role_admin", "1"),
                ("role_caseworker", "1"),
            ],
        )
        .await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.user("ad").await.unwrap().unwrap().roles,
        "caseworker,admin"
    );

    // Two administrators: one may be disabled; then the last one stays.
    assert_eq!(
        ad.post("/admin/users/ad2", &[("op", "disable")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let mut ad = app.login_as("ad").await;
    for form in [
        vec![("op", "disable")],
        vec![("op", "roles"), ("roles", "caseworker")],
    ] {
        let r = ad.post("/admin/users/ad", &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(r.body.contains("den sidste administrator"), "{form:?}");
    }
    let row = app.store.user("ad").await.unwrap().unwrap();
    assert!(!row.disabled && row.roles.contains("admin"));
}

#[tokio::test]
async fn an_administrator_resets_a_second_factor_and_it_is_enrolled_again() {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    app.add_user("cw", "caseworker").await;
    let mut ad = app.login_as("ad").await;
    let mut cw = app.login_as("cw").await;
    let users = ad.get("/admin/users").await;
    assert!(users.body.contains("value=\"second_factor\""));
    let r = ad.post("/admin/users/cw", &[("op", "second_factor")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        cw.get("/cases").await.redirects_to_login(),
        "its sessions end"
    );
    assert_eq!(events(&app, "user.second_factor_reset").await.len(), 1);
    let mut again = app.agent();
    let first = again.login_password("cw", "cw-secret-password").await;
    assert!(
        starts(&first, "/account/second-factor"),
        "{:?}",
        first.location
    );
}

#[tokio::test]
async fn a_policy_may_exempt_roles_from_the_second_factor() {
    let app = spawn_app().await;
    app.add_user_without_second_factor("an", "analyst").await;
    app.add_user_without_second_factor("both", "analyst,caseworker")
        .await;
    spor_app::second_factor::set_exempt_roles(
        app.store.as_ref(),
        spor_app::audit::Actor::command_line("cli:test"),
        &[spor_web::Role::Analyst],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let mut an = app.agent();
    let r = an.login("an", "an-secret-password").await;
    assert_eq!(r.location.as_deref(), Some("/"));
    assert_eq!(an.get("/dashboard").await.status(), StatusCode::OK);
    // Not every role of this account is exempt.
    let mut both = app.agent();
    let r = both.login("both", "both-secret-password").await;
    assert!(starts(&r, "/account/second-factor"), "{:?}", r.location);

    // The administrator sets the policy on the settings page, audited; none by default.
    app.add_user("ad", "admin").await;
    let mut ad = app.login_as("ad").await;
    let page = ad.get("/admin/settings").await;
    assert!(
        page.body
            .contains("name=\"exempt_analyst\" value=\"1\" checked")
    );
    let saved = ad
        .post("/admin/settings", &[("op", "second_factor_exempt")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.web_setting("second_factor_exempt").await.unwrap(),
        None
    );
    let mut an = app.agent();
    let r = an.login("an", "an-secret-password").await;
    assert!(starts(&r, "/account/second-factor"), "{:?}", r.location);
    let ev = events(&app, "settings.update").await;
    assert_eq!(
        (ev[0].target.as_deref(), ev[0].detail.as_deref()),
        (Some("second_factor_exempt"), Some("none"))
    );
}
