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
    let name = &v["identity"][0];
    assert_eq!(
        (&name["field"], &name["label"], &name["value"]),
        (
            &"full_name".into(),
            &"Fulde navn".into(),
            &"Zorbiana Testlund".into()
        )
    );
    assert_eq!(v["decisions"][0]["ref"], "C-1");
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

/// A decision's form with the person's identity typed in the same form (the birth date in
/// Danish order, as the form asks for it).
fn decision_with_identity<'a>(
    case: &'a str,
    person: &'a str,
    name: &'a str,
    birth: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut f = decision_form(case, person, "2026-03-01");
    f.extend([
        ("full_name", name),
        ("other_names", "Wexi"),
        ("birth_date", birth),
        ("phone", "+45 6677 8899"),
        ("document_number", "WP 7701019"),
        ("language", "kurmanji"),
        ("contact", "Bror Ulvhild, tlf. 5544 3322"),
    ]);
    f
}

/// Posts the form of a new decision `case` of `person` with that name and birth date.
async fn new_case(cw: &mut Agent, case: &str, person: &str, name: &str, birth: &str) -> Page {
    cw.post(
        "/cases/new",
        &decision_with_identity(case, person, name, birth),
    )
    .await
}

/// Every file of the SQLite register (the WAL holds what is not checkpointed yet).
fn database_bytes(db: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            all.extend(b);
        }
    }
    all
}

/// Asserts that the page has each of `parts`.
fn shows(page: &Page, parts: &[&str]) {
    for part in parts {
        assert!(
            page.body.contains(part),
            "`{part}` is not on the page: {}",
            page.body
        );
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_decision_registered_with_the_persons_identity_keeps_it_sealed_and_warns_of_a_person_seen_before()
 {
    identity_in_the_forms(spawn_app().await).await;
}

#[tokio::test]
async fn identity_in_the_forms_works_on_postgresql_too() {
    if let Some(app) = spawn_app_on_postgres("identity_in_the_forms").await {
        identity_in_the_forms(app).await;
    }
}

async fn identity_in_the_forms(app: TestApp) {
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;

    // The form of a new decision has the identity part.
    let form = cw.get("/cases/new").await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.body.contains("Personens identitet"), "{}", form.body);
    assert!(form.body.contains("name=\"full_name\""));
    assert!(form.body.contains("name=\"contact\""));

    let created = new_case(&mut cw, "C-10", "P-10", "Wexandra Prøvegaard", "14-07-1988").await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER, "{}", created.body);
    let shown = cw.get("/persons/P-10/identity").await;
    assert!(shown.body.contains("Wexandra Prøvegaard"), "{}", shown.body);
    assert!(shown.body.contains("1988-07-14"), "{}", shown.body);
    assert!(shown.body.contains("Bror Ulvhild"));

    // Sealed: none of the values is in the database file in plain text (SQLite).
    let bytes = database_bytes(&app.db_path);
    for v in [
        "Wexandra",
        "Prøvegaard",
        "1988-07-14",
        "6677 8899",
        "WP 7701019",
        "kurmanji",
        "Ulvhild",
    ] {
        assert!(!contains(&bytes, v), "`{v}` is in the database file");
    }
    assert!(
        app.db_path.as_os_str().is_empty() || contains(&bytes, "C-10"),
        "the record is in the file as it is"
    );

    // The same person (name in another order and case, same birth date) under a new ref:
    // warned with the earlier ref before anything is saved, everything typed kept.
    let twin = decision_with_identity("C-11", "P-11", "PRØVEGAARD wexandra", "14-07-1988");
    let warned = cw.post("/cases/new", &twin).await;
    assert_eq!(warned.status(), StatusCode::CONFLICT, "{}", warned.body);
    shows(
        &warned,
        &[
            "id=\"duplicates\"",
            "value=\"earlier:P-10\"",
            "value=\"PRØVEGAARD wexandra\"",
            "value=\"C-11\"",
        ],
    );
    assert_eq!(cw.get("/cases/C-11").await.status(), StatusCode::NOT_FOUND);
    assert!(app.store.person("P-11").await.unwrap().is_none());

    // The caseworker links the record to the earlier person instead.
    let mut linked = twin.clone();
    linked.push(("identity_choice", "earlier:P-10"));
    let saved = cw.post("/cases/new", &linked).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(cw.get("/cases/C-11").await.body.contains("/persons/P-10"));
    assert!(app.store.person("P-11").await.unwrap().is_none());
    assert!(cw.get("/persons/P-10").await.body.contains("C-11"));

    // Or says it is another person: saved with the identity under the new ref.
    let mut other = decision_with_identity("C-12", "P-12", "Wexandra Prøvegaard", "14-07-1988");
    other.push(("identity_choice", "another"));
    let saved = cw.post("/cases/new", &other).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.body);
    shows(
        &cw.get("/persons/P-12/identity").await,
        &["Wexandra Prøvegaard"],
    );

    // One wrong field of the record: nothing saved, everything typed kept, identity too.
    let mut wrong = decision_with_identity("C-13", "P-13", "Ysolde Kvartsbæk", "02-03-1979");
    for (k, v) in wrong.iter_mut() {
        if *k == "age" {
            *v = "three";
        }
    }
    let refused = cw.post("/cases/new", &wrong).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    shows(
        &refused,
        &[
            "value=\"Ysolde Kvartsbæk\"",
            "value=\"02-03-1979\"",
            "value=\"+45 6677 8899\"",
            "value=\"WP 7701019\"",
            "value=\"kurmanji\"",
            "Bror Ulvhild, tlf. 5544 3322</textarea>",
            "value=\"C-13\"",
            "value=\"three\"",
        ],
    );
    assert!(app.store.person("P-13").await.unwrap().is_none());
    assert_eq!(cw.get("/cases/C-13").await.status(), StatusCode::NOT_FOUND);

    // One wrong identity field: named at its field, the record not saved either.
    let wrong = decision_with_identity("C-14", "P-14", "Ysolde Kvartsbæk", "31-02-1979");
    let refused = cw.post("/cases/new", &wrong).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    shows(
        &refused,
        &[
            "id=\"e_birth_date\"",
            "ikke en fødselsdato",
            "value=\"C-14\"",
            "value=\"Ysolde Kvartsbæk\"",
        ],
    );
    assert_eq!(cw.get("/cases/C-14").await.status(), StatusCode::NOT_FOUND);

    // An assessment interview takes the identity the same way.
    let form = cw.get("/assessments/new").await;
    assert!(form.body.contains("name=\"full_name\""));
    let interview = [
        ("assessment_ref", "A-15"),
        ("person_ref", "P-15"),
        ("interview_date", "2026-03-02"),
        ("gender", "female"),
        ("age", "41"),
        ("nationality", "NG"),
        ("full_name", "Oriane Testmose"),
        ("birth_date", "05-05-1985"),
    ];
    let saved = cw.post("/assessments/new", &interview).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.body);
    shows(
        &cw.get("/persons/P-15/identity").await,
        &["Oriane Testmose"],
    );

    // Each identity written is audited with the record, without its values.
    let events = app
        .store
        .audit_events(&Default::default(), 500, 0)
        .await
        .unwrap()
        .items;
    for person in ["P-10", "P-12", "P-15"] {
        assert!(
            events
                .iter()
                .any(|e| e.code == "person.identity_update" && e.target.as_deref() == Some(person)),
            "{person}"
        );
    }
    for e in &events {
        let all = format!("{:?} {:?}", e.detail, e.target);
        assert!(
            !all.contains("Wexandra") && !all.contains("Oriane"),
            "{all}"
        );
    }
}

#[tokio::test]
async fn analysts_and_administrators_cannot_reach_the_identity_part_of_the_forms() {
    let app = spawn_app().await;
    app.add_user("an", "analyst").await;
    app.add_user("ad", "admin").await;
    for who in ["an", "ad"] {
        let mut other = app.login_as(who).await;
        for path in ["/cases/new", "/assessments/new"] {
            let form = other.get(path).await;
            assert_eq!(form.status(), StatusCode::FORBIDDEN, "{who}: GET {path}");
            assert!(!form.body.contains("name=\"full_name\""), "{who}: {path}");
        }
        let posted = other
            .post(
                "/cases/new",
                &decision_with_identity("C-20", "P-20", "Tamsin Prøvelund", "01-01-1990"),
            )
            .await;
        assert_eq!(posted.status(), StatusCode::FORBIDDEN, "{who}");
        assert!(!posted.body.contains("Tamsin"), "{who}");
    }
    assert!(app.store.person("P-20").await.unwrap().is_none());
    assert!(
        app.store
            .record(spor_store::web::RecordKind::Identification, "C-20")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn without_the_master_key_the_forms_say_why_identity_cannot_be_registered() {
    let app = spawn_app_with(spor_web::Config {
        master_key: None,
        ..test_config()
    })
    .await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    let form = cw.get("/cases/new").await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.body.contains("Personens identitet"), "{}", form.body);
    assert!(form.body.contains("uden hovednøglen"), "{}", form.body);
    assert!(!form.body.contains("name=\"full_name\""));
    // Everything else works.
    let created = cw
        .post("/cases/new", &decision_form("C-30", "P-30", "2026-03-01"))
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER, "{}", created.body);
}

/// Everything logged at debug level while identities are typed into the forms (saved,
/// refused for a wrong field, warned of a person seen before) names no identity value. The
/// server runs on this test's single thread, so its logs are this thread's.
#[tokio::test(flavor = "current_thread")]
async fn what_is_typed_into_the_identity_part_reaches_no_log() {
    use tracing_subscriber::fmt::MakeWriter as _;
    // What is logged, kept for the test (leaked: it lives as long as the test process).
    let logs: &'static std::sync::Mutex<Vec<u8>> = Box::leak(Box::default());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || logs.make_writer())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    let saved = new_case(&mut cw, "C-40", "P-40", "Quillon Logfri", "11-11-1981").await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.body);
    let warned = new_case(&mut cw, "C-41", "P-41", "logfri quillon", "11-11-1981").await;
    assert_eq!(warned.status(), StatusCode::CONFLICT);
    let wrong = new_case(&mut cw, "C-42", "P-42", "Quillon Logfri", "99-99-1981").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("create_record_with_identity"),
        "the write was logged at all: {text}"
    );
    for v in [
        "Quillon",
        "Logfri",
        "logfri",
        "1981",
        "6677 8899",
        "WP 7701019",
        "7701019",
        "kurmanji",
        "Ulvhild",
    ] {
        assert!(!text.contains(v), "`{v}` is in the log:\n{text}");
    }
}
