//! Administrator pages: accounts, code lists, settings.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn a_new_referral_actor_is_offered_in_the_decision_form_at_once() {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    app.add_user("cw", "caseworker").await;
    let mut ad = app.login_as("ad").await;
    let added = ad
        .post(
            "/admin/codes",
            &[
                ("list", "referral_actor"),
                ("code", "union"),
                ("da", "Fagforening"),
                ("en", "Trade union"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    // A structural list cannot be extended; the page says why.
    let refused = ad
        .post(
            "/admin/codes",
            &[("list", "gender"), ("code", "x"), ("da", "X"), ("en", "X")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("kan ikke udvides"),
        "the page answers in Danish"
    );
    assert!(!refused.body.contains('`'), "without code syntax");
    let mut cw = app.login_as("cw").await;
    let form = cw.get("/cases/new").await;
    assert!(
        form.body
            .contains("<option value=\"union\">Fagforening</option>")
    );
    let mut f = decision_form("C-1", "P-1", "2026-03-01");
    f.retain(|(k, _)| *k != "referral_actor");
    f.push(("referral_actor", "union"));
    assert_eq!(
        cw.post("/cases/new", &f).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn microdata_from_is_set_checked_and_audited() {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    let mut ad = app.login_as("ad").await;
    let bad = ad
        .post("/admin/settings", &[("microdata_from", "twenty")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("value=\"twenty\""),
        "what was typed is kept"
    );
    assert_eq!(app.store.microdata_from().await.unwrap(), None);
    // A change says which published figures it changes and waits for a yes.
    let asked = ad
        .post("/admin/settings", &[("microdata_from", "2023")])
        .await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(
        asked.body.contains(
            "Tallene for årene før 2023 vil blive vist som de historisk offentliggjorte tal"
        ),
        "says which figures change"
    );
    assert_eq!(app.store.microdata_from().await.unwrap(), None, "not yet");
    assert_eq!(
        ad.post(
            "/admin/settings",
            &[("microdata_from", "2023"), ("confirm", "1")]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.store.microdata_from().await.unwrap(), Some(2023));
    let later = ad
        .post("/admin/settings", &[("microdata_from", "2025")])
        .await;
    assert!(
        later
            .body
            .contains("Tallene for 2023–2024 vil blive vist som de historisk")
    );
    let ev = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("settings.update".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(ev.total, 1);
}

#[tokio::test]
async fn an_admin_creates_an_account_that_can_log_in_and_changes_its_roles() {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    let mut ad = app.login_as("ad").await;
    let weak = ad
        .post(
            "/admin/users",
            &[("name", "ole"), ("roles", "analyst"), ("password", "short")],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Roles are ticked from a list.
    let form = ad.get("/admin/users").await;
    for role in ["caseworker", "analyst", "admin"] {
        assert!(
            form.body
                .contains(&format!("type=\"checkbox\" name=\"role_{role}\""))
        );
    }
    let none = ad
        .post(
            "/admin/users",
            &[("name", "ole"), ("password", "tall-harbour-lantern-7")],
        )
        .await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Vælg mindst én rolle"));
    let made = ad
        .post(
            "/admin/users",
            &[
                ("name", "ole"),
                ("role_analyst", "1"),
                ("password", "tall-harbour-lantern-7"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.user("ole").await.unwrap().unwrap().roles,
        "analyst"
    );
    let taken = ad
        .post(
            "/admin/users",
            &[
                ("name", "ole"),
                ("roles", "analyst"),
                ("password", "tall-harbour-lantern-7"),
            ],
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    // The first login: the second factor is set up, then the password the administrator
    // chose is replaced by the user's own.
    let mut ole = app.agent();
    let first = ole.login("ole", "tall-harbour-lantern-7").await;
    assert!(
        first
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/account/second-factor")),
        "{:?}",
        first.location
    );
    assert_eq!(ole.enrol("ole").await.status(), StatusCode::OK);
    assert_eq!(
        ole.change_password("tall-harbour-lantern-7", "quiet-meadow-river-42")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(ole.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(ole.get("/cases").await.status(), StatusCode::FORBIDDEN);
    // Roles take effect on the next request, without a new login.
    assert_eq!(
        ad.post(
            "/admin/users/ole",
            &[("op", "roles"), ("roles", "caseworker")]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(ole.get("/cases").await.status(), StatusCode::OK);
    assert_eq!(ole.get("/dashboard").await.status(), StatusCode::FORBIDDEN);
    // A password reset ends the account's sessions.
    assert_eq!(
        ad.post(
            "/admin/users/ole",
            &[("op", "password"), ("password", "another-long-password")]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert!(ole.get("/cases").await.redirects_to_login());
    assert_eq!(
        ole.login("ole", "another-long-password").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_added_code_is_renamed_and_retired_but_records_that_use_it_keep_it() {
    let app = spawn_app().await;
    app.add_user("ad", "admin").await;
    app.add_user("cw", "caseworker").await;
    let mut ad = app.login_as("ad").await;
    ad.post(
        "/admin/codes",
        &[
            ("list", "referral_actor"),
            ("code", "union"),
            ("da", "Fagforening"),
            ("en", "Trade union"),
        ],
    )
    .await;
    let mut cw = app.login_as("cw").await;
    let mut f = decision_form("C-1", "P-1", "2026-03-01");
    f.retain(|(k, _)| *k != "referral_actor");
    f.push(("referral_actor", "union"));
    cw.post("/cases/new", &f).await;

    let edit = |op: &'static str| {
        vec![
            ("op", op),
            ("list", "referral_actor"),
            ("code", "union"),
            ("da", "Fagforbund"),
            ("en", "Trade union federation"),
        ]
    };
    assert_eq!(
        ad.post("/admin/codes/edit", &edit("rename")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        cw.get("/cases/C-1").await.body.contains("Fagforbund"),
        "renamed"
    );
    // A built-in code is not the centre's to change.
    let builtin = ad
        .post(
            "/admin/codes/edit",
            &[
                ("op", "retire"),
                ("list", "referral_actor"),
                ("code", "police"),
            ],
        )
        .await;
    assert_eq!(builtin.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        ad.post("/admin/codes/edit", &edit("retire")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(ad.get("/admin/codes").await.body.contains("udfaset"));
    let new = cw.get("/cases/new").await;
    assert!(
        !new.body.contains("<option value=\"union\""),
        "a retired code is not offered for new records"
    );
    let existing = cw.get("/cases/C-1/edit").await;
    assert!(
        existing
            .body
            .contains("<option value=\"union\" selected>Fagforbund</option>"),
        "the record that uses it keeps it"
    );
    let fields = form_values(&existing.body);
    let saved = cw.post_raw("/cases/C-1/edit", &fields).await;
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "and can still be saved"
    );

    ad.post("/admin/codes/edit", &edit("unretire")).await;
    assert!(
        cw.get("/cases/new")
            .await
            .body
            .contains("<option value=\"union\">Fagforbund</option>")
    );
}

/// Issue 22: the exchanges' mappings are data an administrator edits in the web; a change
/// moves the exchange's figures at once, without a release, and is audited; taken back,
/// the built-in mapping returns.
#[tokio::test]
async fn an_administrator_edits_an_exchange_mapping_and_the_exchange_follows_at_once() {
    let app = spawn_app().await;
    app.store.apply_import(&spor_demo::build()).await.unwrap();
    app.add_user("ad", "admin").await;
    app.add_user("an", "analyst").await;
    let mut ad = app.login_as("ad").await;
    let mut an = app.login_as("an").await;
    let females = |body: &[u8]| -> (u64, u64) {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        let sum = |sex: &str| {
            v["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["sex"] == sex)
                .map(|r| r["value"].as_u64().unwrap())
                .sum::<u64>()
        };
        (sum("F"), sum("UNK"))
    };
    let (_, _, before) = an.get_bytes("/exchanges/eurostat/2023/json").await;
    let (f_before, unk_before) = females(&before);
    let trans_female = spor_demo::register()
        .identifications
        .iter()
        .filter(|i| {
            i.decision_date.format("%Y").to_string() == "2023"
                && i.gender == spor_core::Gender::TransFemale
                && i.outcome == spor_core::Outcome::Identified
        })
        .count() as u64;
    assert!(
        trans_female > 0,
        "the demo has a trans woman identified in 2023"
    );

    let page = ad.get("/admin/mappings").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.body.contains("eurostat_sex"));
    assert!(
        page.body
            .contains("name=\"key\" value=\"eurostat_sex/trans_female\"")
    );
    assert!(!page.body.contains("Ændret af centret"));

    let moved = ad
        .post(
            "/admin/mappings",
            &[("key", "eurostat_sex/trans_female"), ("value", "UNK")],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let (_, _, after) = an.get_bytes("/exchanges/eurostat/2023/json").await;
    assert_eq!(
        females(&after),
        (f_before - trans_female, unk_before + trans_female),
        "the exchange follows the edited mapping at once"
    );
    let page = ad.get("/admin/mappings").await;
    assert!(page.body.contains("Ændret af centret"));

    // A category the map does not have is refused, saying so; nothing changes.
    let bad = ad
        .post(
            "/admin/mappings",
            &[("key", "eurostat_sex/trans_female"), ("value", "X")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Ændringen kan ikke gemmes"),
        "{}",
        bad.body
    );

    // Taken back: the built-in mapping again.
    let back = ad
        .post(
            "/admin/mappings",
            &[("key", "eurostat_sex/trans_female"), ("op", "builtin")],
        )
        .await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let (_, _, again) = an.get_bytes("/exchanges/eurostat/2023/json").await;
    assert_eq!(females(&again), (f_before, unk_before));

    // Analysts see the exchanges, not the mapping editor; every change is in the trail.
    assert_eq!(
        an.get("/admin/mappings").await.status(),
        StatusCode::FORBIDDEN
    );
    let trail = app
        .store
        .audit_events(&spor_store::web::AuditFilter::default(), 200, 0)
        .await
        .unwrap()
        .items;
    let changes: Vec<_> = trail
        .iter()
        .filter(|e| e.target.as_deref() == Some("exchange:eurostat_sex/trans_female"))
        .map(|e| {
            (
                e.actor.clone().unwrap_or_default(),
                e.detail.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("ad".to_string(), "built-in".to_string()),
            ("ad".to_string(), "UNK".to_string())
        ],
        "newest first"
    );
}
