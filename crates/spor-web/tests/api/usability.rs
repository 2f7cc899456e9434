//! Issue 26, "a web application a caseworker can live with": the hotline list in
//! Copenhagen time, saves that change nothing, deletion asked and undone, search by part of
//! a ref, forms kept across an ended session or a stale token, readable messages, history
//! and conflicts, and accessible pages.

use reqwest::StatusCode;
use spor_store::web::{Record, RecordKind};

use crate::helpers::*;

async fn demo_caseworker() -> (TestApp, Agent) {
    let app = spawn_app().await;
    app.store.apply_import(&spor_demo::build()).await.unwrap();
    app.add_user("cw", "caseworker").await;
    let cw = app.login_as("cw").await;
    (app, cw)
}

/// "503 rækker" for 503, "1.233 rækker" for 1233.
fn rows_da(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} rækker")
}

/// The calls' time cells of a list page, in order.
fn call_times(body: &str) -> Vec<String> {
    body.split("<td>")
        .skip(1)
        .filter_map(|c| c.split("</td>").next())
        .filter(|c| c.len() == 16 && c.as_bytes()[4] == b'-' && c.as_bytes()[10] == b' ')
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_hotline_list_counts_filters_sorts_and_shows_calls_in_copenhagen_time() {
    let (_app, mut cw) = demo_caseworker().await;
    let demo = spor_demo::register();
    let in_year = |y: i32| {
        demo.hotline_calls
            .iter()
            .filter(|c| spor_core::copenhagen_year(&c.received_at) == y)
            .count()
    };
    let y2023 = cw.get("/calls?year=2023").await;
    assert!(
        y2023.body.contains(&rows_da(in_year(2023))),
        "the list of 2023 has the overview's count, {}",
        rows_da(in_year(2023))
    );
    // Newest first by the instant, whatever offset a call was stored with.
    let times = call_times(&y2023.body);
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "the page is in Copenhagen time order");
    assert!(
        times.iter().all(|t| t.starts_with("2023-")),
        "every call shown in 2023 is of 2023 in Copenhagen: {times:?}"
    );
    let y2022 = cw.get("/calls?year=2022").await;
    assert!(y2022.body.contains(&rows_da(in_year(2022))));
    assert!(
        call_times(&y2022.body)
            .iter()
            .all(|t| t.starts_with("2022-")),
        "no call of New Year's night 2023 is listed in 2022"
    );
    let y2024 = cw.get("/calls?year=2024").await;
    assert!(y2024.body.contains(&rows_da(in_year(2024))));
    assert!(
        call_times(&y2024.body)
            .iter()
            .all(|t| t.starts_with("2024-01-01 00:")),
        "the call at 00:30 on 1 January 2024 is in 2024"
    );
}

#[tokio::test]
async fn an_unchanged_save_changes_nothing_and_a_change_keeps_the_stored_time() {
    let (app, mut cw) = demo_caseworker().await;
    // A call stored in UTC on New Year's night: 2023 in Copenhagen, 2022 in UTC.
    let reg = app.store.load_register().await.unwrap();
    let call = reg
        .hotline_calls
        .iter()
        .find(|c| {
            c.received_at.offset().local_minus_utc() == 0
                && spor_core::copenhagen_year(&c.received_at) == 2023
                && c.received_at.naive_utc().format("%Y").to_string() == "2022"
        })
        .expect("the demo has a call stored in UTC on New Year's night")
        .clone();
    let key = call.call_ref.as_str().to_string();
    let stored_text = spor_core::format_timestamp(&call.received_at);
    let changes_before = app
        .store
        .record_changes(RecordKind::HotlineCall, &key)
        .await
        .unwrap()
        .len();
    let form = cw.get(&format!("/calls/{key}/edit")).await;
    let fields = form_values(&form.body);
    assert_eq!(value_of(&fields, "version"), "1");
    let saved = cw.post_raw(&format!("/calls/{key}/edit"), &fields).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let to = saved.location.unwrap();
    assert!(to.ends_with("?unchanged=1"), "{to}");
    assert!(cw.get(&to).await.body.contains("Ingen ændringer"));
    let after = app
        .store
        .record(RecordKind::HotlineCall, &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.version, 1, "no new version");
    let Record::HotlineCall(c) = &after.record else {
        unreachable!("a call")
    };
    assert_eq!(spor_core::format_timestamp(&c.received_at), stored_text);
    assert_eq!(
        app.store
            .record_changes(RecordKind::HotlineCall, &key)
            .await
            .unwrap()
            .len(),
        changes_before,
        "no history entry"
    );
    assert!(
        cw.get("/calls?year=2023").await.body.contains(&rows_da(
            spor_demo::register()
                .hotline_calls
                .iter()
                .filter(|c| spor_core::copenhagen_year(&c.received_at) == 2023)
                .count()
        )),
        "the call stays in its year"
    );

    // A real change is saved as a new version and says so; the time keeps its stored form.
    let mut changed: Vec<(String, String)> =
        form_values(&cw.get(&format!("/calls/{key}/edit")).await.body);
    let caller = value_of(&changed, "caller_type").to_string();
    let other = if caller == "citizen" {
        "other"
    } else {
        "citizen"
    };
    for (k, v) in changed.iter_mut() {
        if k == "caller_type" {
            *v = other.to_string();
        }
    }
    let saved = cw.post_raw(&format!("/calls/{key}/edit"), &changed).await;
    let to = saved.location.unwrap();
    assert!(to.ends_with("?saved=1"), "{to}");
    assert!(cw.get(&to).await.body.contains("Gemt."));
    let after = app
        .store
        .record(RecordKind::HotlineCall, &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.version, 2);
    let Record::HotlineCall(c) = &after.record else {
        unreachable!("a call")
    };
    assert_eq!(spor_core::format_timestamp(&c.received_at), stored_text);
}

#[tokio::test]
async fn delete_asks_naming_the_record_and_a_caseworker_can_restore_it_within_the_period() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    let shown = cw.get("/cases/C-1").await;
    assert!(
        !shown.body.contains("action=\"/cases/C-1/delete\""),
        "the record page does not delete in one click"
    );
    assert!(shown.body.contains("href=\"/cases/C-1/delete\""));
    let ask = cw.get("/cases/C-1/delete").await;
    assert_eq!(ask.status(), StatusCode::OK);
    assert!(
        ask.body.contains("Vil du slette afgørelse C-1?"),
        "names the record"
    );
    assert!(ask.body.contains("P-1"), "and its person");
    let v = hidden(&ask.body, "version").unwrap();
    let gone = cw.post("/cases/C-1/delete", &[("version", &v)]).await;
    assert_eq!(gone.location.as_deref(), Some("/cases?deleted=C-1"));
    let list = cw.get("/cases?deleted=C-1").await;
    assert!(
        list.body.contains("Afgørelse C-1 er slettet."),
        "names what was deleted"
    );
    assert!(
        list.body.contains("action=\"/cases/C-1/restore\""),
        "offers to undo"
    );

    // The deleted record's page shows it, its history, and the way back.
    let page = cw.get("/cases/C-1").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.body.contains("Denne post blev slettet"));
    assert!(page.body.contains("action=\"/cases/C-1/restore\""));
    let back = cw.post("/cases/C-1/restore", &[]).await;
    assert_eq!(back.location.as_deref(), Some("/cases/C-1?restored=1"));
    let restored = app
        .store
        .record(RecordKind::Identification, "C-1")
        .await
        .unwrap()
        .expect("the record is back");
    let Record::Identification(d) = &restored.record else {
        unreachable!("a decision")
    };
    assert_eq!(d.age, Some(34), "as it was");
    assert_eq!(d.person_ref.as_str(), "P-1");
    let changes = app
        .store
        .record_changes(RecordKind::Identification, "C-1")
        .await
        .unwrap();
    assert_eq!(changes.last().unwrap().action, "restore");
    assert!(
        cw.get("/cases/C-1?restored=1")
            .await
            .body
            .contains("Gendannet")
    );

    // After the period it stays deleted.
    let v = hidden(&cw.get("/cases/C-1/delete").await.body, "version").unwrap();
    cw.post("/cases/C-1/delete", &[("version", &v)]).await;
    app.clock
        .advance(std::time::Duration::from_secs(31 * 24 * 3600));
    let mut cw = app.login_as("cw").await;
    let page = cw.get("/cases/C-1").await;
    assert!(page.body.contains("kan ikke længere gendannes"));
    assert!(!page.body.contains("action=\"/cases/C-1/restore\""));
    assert_eq!(
        cw.post("/cases/C-1/restore", &[]).await.status(),
        StatusCode::CONFLICT
    );
    assert!(
        app.store
            .record(RecordKind::Identification, "C-1")
            .await
            .unwrap()
            .is_none()
    );
}

async fn search_finds_part_of_a_ref_in_any_case(app: TestApp) {
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    for (case, person) in [
        ("C-2023-0011", "P-2023-0233"),
        ("C-2023-0012", "P-2023-0234"),
    ] {
        let made = cw
            .post("/cases/new", &decision_form(case, person, "2023-03-01"))
            .await;
        assert_eq!(made.status(), StatusCode::SEE_OTHER);
    }
    cw.post(
        "/calls/new",
        &[
            ("call_ref", "K-2023-0500"),
            ("received_at", "2023-03-01T09:30:00"),
            ("caller_type", "citizen"),
            ("concerns_possible_victim", "true"),
            ("topic", ""),
        ],
    )
    .await;
    for (term, to) in [
        ("p-2023-0233", "/persons/P-2023-0233"),
        ("0233", "/persons/P-2023-0233"),
        ("c-2023-0011", "/cases/C-2023-0011"),
        (" k-2023-05 ", "/calls/K-2023-0500"),
    ] {
        let found = cw
            .get(&format!("/persons?q={}", term.replace(' ', "+")))
            .await;
        assert_eq!(found.location.as_deref(), Some(to), "{term}");
    }
    let several = cw.get("/persons?q=P-2023-02").await;
    assert_eq!(several.status(), StatusCode::OK);
    for p in ["/persons/P-2023-0233", "/persons/P-2023-0234"] {
        assert!(several.body.contains(p), "{p} is listed");
    }
    let all = cw.get("/persons?q=2023").await;
    for r in ["C-2023-0011", "C-2023-0012", "K-2023-0500", "P-2023-0233"] {
        assert!(all.body.contains(r), "{r} is found by its year");
    }
    let none = cw.get("/persons?q=zz%25").await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
    assert!(none.body.contains("har en reference, der indeholder «zz%»"));
    let unknown = cw.get("/persons/P-9999").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown
            .body
            .contains("Der er ingen afgørelser eller samtaler")
    );
}

#[tokio::test]
async fn search_finds_persons_cases_and_calls_by_part_of_a_ref_in_any_case() {
    search_finds_part_of_a_ref_in_any_case(spawn_app().await).await;
    if let Some(app) = spawn_app_on_postgres("search").await {
        search_finds_part_of_a_ref_in_any_case(app).await;
    }
}

#[tokio::test]
async fn the_calls_year_and_unchanged_saves_hold_on_postgresql_too() {
    let Some(app) = spawn_app_on_postgres("calls in Copenhagen time").await else {
        return;
    };
    app.store.apply_import(&spor_demo::build()).await.unwrap();
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    let in_2023 = spor_demo::register()
        .hotline_calls
        .iter()
        .filter(|c| spor_core::copenhagen_year(&c.received_at) == 2023)
        .count();
    let page = cw.get("/calls?year=2023").await;
    assert!(page.body.contains(&rows_da(in_2023)));
    let times = call_times(&page.body);
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    let key = "K-PG";
    cw.post(
        "/calls/new",
        &[
            ("call_ref", key),
            ("received_at", "2026-03-01T09:30:00"),
            ("caller_type", "citizen"),
            ("concerns_possible_victim", "true"),
            ("topic", ""),
        ],
    )
    .await;
    let fields = form_values(&cw.get(&format!("/calls/{key}/edit")).await.body);
    let saved = cw.post_raw(&format!("/calls/{key}/edit"), &fields).await;
    assert!(saved.location.unwrap().ends_with("?unchanged=1"));
    let v = app
        .store
        .record(RecordKind::HotlineCall, key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.version, 1);
}

#[tokio::test]
async fn failing_fields_are_described_lists_answer_bad_pages_and_years_and_errors_keep_navigation()
{
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    app.add_user("an", "analyst").await;
    let mut cw = app.login_as("cw").await;
    let mut form = decision_form("C-1", "P-1", "2026-03-01");
    form.retain(|(k, _)| *k != "referral_actor");
    form.push(("referral_actor", ""));
    let page = cw.post("/cases/new", &form).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"f_referral_actor\" name=\"referral_actor\" aria-invalid=\"true\" aria-describedby=\"e_referral_actor\""), "the failing field points to its message");
    assert!(page.body.contains("id=\"e_referral_actor\""));
    assert!(page.body.contains("id=\"error-summary\""));
    assert!(
        page.body.contains("href=\"#f_referral_actor\""),
        "the summary links to the field"
    );
    assert!(page.body.contains("href=\"#main\""), "a skip link");
    assert_eq!(
        page.body.matches("aria-invalid=\"true\"").count(),
        1,
        "only the failing field"
    );

    cw.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    let list = cw.get("/cases").await;
    assert!(
        list.body.contains("class=\"table-wrap\""),
        "the list scrolls in its own box"
    );
    let far = cw.get("/cases?page=99").await;
    assert_eq!(far.status(), StatusCode::NOT_FOUND);
    assert!(
        far.body
            .contains("Side 99 findes ikke: listen har 1 sider.")
    );
    let bad = cw.get("/cases?year=abc").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("«abc» er ikke et år"));
    assert!(bad.body.contains("aria-invalid=\"true\""));

    let missing = cw.get("/cases/NO-SUCH").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("href=\"/calls\""),
        "a 404 keeps the navigation"
    );
    let nowhere = cw.get("/no/such/page").await;
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    assert!(nowhere.body.contains("href=\"/calls\""));
    let mut an = app.login_as("an").await;
    let refused = an.get("/cases/C-1").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("href=\"/dashboard\""),
        "a 403 keeps the navigation"
    );
}

#[tokio::test]
async fn messages_are_plain_in_both_languages_dates_are_danish_and_every_save_says_gemt() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    // A Danish date is accepted and shown back the Danish way.
    let made = cw
        .post("/cases/new", &decision_form("C-1", "P-1", "01-03-2026"))
        .await;
    assert_eq!(made.location.as_deref(), Some("/cases/C-1?saved=1"));
    assert!(cw.get("/cases/C-1?saved=1").await.body.contains("Gemt."));
    let Record::Identification(d) = app
        .store
        .record(RecordKind::Identification, "C-1")
        .await
        .unwrap()
        .unwrap()
        .record
    else {
        unreachable!("a decision")
    };
    assert_eq!(d.decision_date.to_string(), "2026-03-01");
    let edit = cw.get("/cases/C-1/edit").await;
    assert_eq!(
        value_of(&form_values(&edit.body), "decision_date"),
        "01-03-2026"
    );
    // A date that does not exist is shown back with the reason.
    let bad = cw
        .post("/cases/new", &decision_form("C-2", "P-1", "30-02-2023"))
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"30-02-2023\""));
    assert!(
        bad.body
            .contains("«30-02-2023» er ikke en dato, der findes")
    );
    // A sector of another form is explained.
    let mut wrong = decision_form("C-3", "P-1", "01-03-2026");
    for (k, v) in wrong.iter_mut() {
        if *k == "exploitation_form" {
            *v = "forced_criminality";
        }
    }
    let wrong = cw.post("/cases/new", &wrong).await;
    assert!(
        wrong.body.contains("hører ikke til"),
        "says the sector is of another form"
    );
    assert!(
        wrong
            .body
            .contains("<optgroup label=\"Tvangsarbejde\" data-form=\"forced_labour\">")
    );

    // In English, no importer jargon.
    cw.get("/lang?to=en&back=/cases").await;
    let mut form = decision_form("C-4", "P-1", "2026-03-01");
    form.retain(|(k, _)| *k != "outcome");
    form.push(("outcome", ""));
    let en = cw.post("/cases/new", &form).await;
    assert!(en.body.contains("Please fill in this field."));
    assert!(!en.body.contains("Expected:"), "no importer wording");
    assert!(!en.body.contains("one of identified"));
}

#[tokio::test]
async fn a_form_survives_an_ended_session_and_a_stale_token() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    let old_csrf = cw.csrf.clone();
    // The session ends while the form is being filled in.
    app.clock.advance(std::time::Duration::from_secs(31 * 60));
    let sent = cw
        .post("/cases/new", &decision_form("C-9", "P-9", "01-03-2026"))
        .await;
    assert!(sent.redirects_to_login(), "log in again first");
    let login = cw.get(sent.location.as_deref().unwrap()).await;
    let next = hidden(&login.body, "next").unwrap().replace("&amp;", "&");
    assert!(next.starts_with("/cases/new?resume="), "{next}");
    let token = hidden(&login.body, "csrf").unwrap();
    let f = vec![
        ("name".to_string(), "cw".to_string()),
        ("password".to_string(), format!("cw{PASSWORD_SUFFIX}")),
        ("csrf".to_string(), token),
        ("next".to_string(), next.clone()),
    ];
    let in_again = cw.post_raw("/login", &f).await;
    let step = in_again.location.clone().unwrap();
    assert!(step.starts_with("/login/second-factor?next="), "{step}");
    let code = cw.next_code("cw");
    let in_again = cw.answer_second_factor(&step, &code).await;
    assert_eq!(in_again.location.as_deref(), Some(next.as_str()));
    let back = cw.get(&next).await;
    assert_eq!(back.status(), StatusCode::OK);
    let fields = form_values(&back.body);
    assert_eq!(
        value_of(&fields, "case_ref"),
        "C-9",
        "back on the form with the values"
    );
    assert_eq!(value_of(&fields, "person_ref"), "P-9");
    assert_eq!(value_of(&fields, "age"), "34");
    assert!(back.body.contains("Det, du skrev, er bevaret"));
    assert!(
        !cw.get(&next).await.body.contains("value=\"C-9\""),
        "the kept form is given back once"
    );

    // The session ends again, and the user logs in again in another tab: the open form's
    // token is stale.
    cw.refresh_csrf().await;
    let stale = cw.csrf.clone();
    assert_ne!(stale, old_csrf, "a new session, a new token");
    app.clock.advance(std::time::Duration::from_secs(31 * 60));
    let mut tab = app.agent();
    tab.cookies = cw.cookies.clone();
    let relogin = tab.login("cw", &format!("cw{PASSWORD_SUFFIX}")).await;
    assert_eq!(relogin.status(), StatusCode::SEE_OTHER);
    cw.cookies = tab.cookies.clone();
    let sent = cw
        .post("/cases/new", &decision_form("C-10", "P-10", "01-03-2026"))
        .await;
    let to = sent.location.unwrap();
    assert!(to.starts_with("/cases/new?resume="), "{to}");
    let again = cw.get(&to).await;
    let fields = form_values(&again.body);
    assert_eq!(value_of(&fields, "case_ref"), "C-10");
    let fresh = value_of(&fields, "csrf").to_string();
    assert_ne!(fresh, stale, "a fresh token");
    let saved = cw.post_raw("/cases/new", &fields).await;
    assert_eq!(saved.location.as_deref(), Some("/cases/C-10?saved=1"));
}

#[tokio::test]
async fn history_speaks_the_pages_language_and_a_conflict_shows_what_the_other_changed() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    app.add_user("cw2", "caseworker").await;
    let mut a = app.login_as("cw").await;
    let mut b = app.login_as("cw2").await;
    a.post("/cases/new", &decision_form("C-1", "P-1", "2026-03-01"))
        .await;
    let fa = form_values(&a.get("/cases/C-1/edit").await.body);
    let fb = form_values(&b.get("/cases/C-1/edit").await.body);
    let with = |f: &[(String, String)], k: &str, v: &str| -> Vec<(String, String)> {
        f.iter()
            .map(|(n, x)| (n.clone(), if n == k { v.to_string() } else { x.clone() }))
            .collect()
    };
    a.post_raw("/cases/C-1/edit", &with(&fa, "referral_actor", "ngo"))
        .await;
    let conflict = b.post_raw("/cases/C-1/edit", &with(&fb, "age", "40")).await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    assert!(conflict.body.contains("Det ændrede den anden person:"));
    assert!(
        conflict.body.contains("cw (") && conflict.body.contains("Henvisende aktør: Politi → "),
        "who changed what, in labels"
    );
    assert!(
        conflict.body.contains("href=\"/cases/C-1/edit\""),
        "offers to reopen"
    );
    let page = a.get("/cases/C-1").await;
    assert!(page.body.contains("<td>Oprettet</td>"));
    assert!(page.body.contains("<td>Ændret</td>"));
    assert!(
        page.body.contains("Nationalitet: – → Rumænien"),
        "labels, not codes"
    );
    assert!(!page.body.contains("→ RO"));
    a.get("/lang?to=en&back=/").await;
    let en = a.get("/cases/C-1").await;
    assert!(en.body.contains("<td>Created</td>"));
    assert!(en.body.contains("Nationality: – → Romania"));
}

#[tokio::test]
async fn switching_language_on_a_form_keeps_what_was_typed() {
    let app = spawn_app().await;
    app.add_user("cw", "caseworker").await;
    let mut cw = app.login_as("cw").await;
    let form = cw.get("/cases/new").await;
    assert!(
        form.body
            .contains("formaction=\"/lang?to=en&#38;back=/cases/new\""),
        "the switch sends the form along"
    );
    let sent = cw
        .post(
            "/lang?to=en&back=/cases/new",
            &decision_form("C-7", "P-7", "01-03-2026"),
        )
        .await;
    let to = sent.location.unwrap();
    assert!(to.starts_with("/cases/new?resume="), "{to}");
    let back = cw.get(&to).await;
    assert!(back.body.contains("<html lang=\"en\">"), "in English now");
    let fields = form_values(&back.body);
    assert_eq!(value_of(&fields, "case_ref"), "C-7");
    assert_eq!(value_of(&fields, "decision_date"), "01-03-2026");
    assert!(back.body.contains("What you typed has been kept"));
}
