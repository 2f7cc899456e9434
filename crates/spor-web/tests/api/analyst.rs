//! The analyst's overview: computed by spor-stats, shown and downloadable in every edition.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn the_overview_of_the_demo_register_is_shown_and_downloadable_in_every_edition() {
    let app = spawn_app().await;
    app.store.apply_import(&spor_demo::build()).await.unwrap();
    app.store
        .set_microdata_from(Some(spor_demo::MICRODATA_FROM))
        .await
        .unwrap();
    app.add_user("an", "analyst").await;
    let mut an = app.login_as("an").await;

    let page = an.get("/overview?year=2023").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.body.contains("src=\"/overview/2023/view\""),
        "the HTML edition is framed"
    );
    let framed = an.get("/overview/2023/view").await;
    assert_eq!(framed.status(), StatusCode::OK);
    assert!(
        framed
            .body
            .contains("Oversigt over personer udsat for menneskehandel i Danmark, 2023")
    );

    for (format, content_type, magic) in [
        ("json", "application/json", &b"{"[..]),
        ("html", "text/html; charset=utf-8", &b"<!DOCTYPE html"[..]),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &b"PK"[..],
        ),
        ("pdf", "application/pdf", &b"%PDF"[..]),
    ] {
        let res = an
            .client
            .get(format!("{}/overview/2023/download/{format}", an.base))
            .header(
                "cookie",
                format!("spor_session={}", an.session_cookie().unwrap()),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{format}");
        assert_eq!(res.headers()["content-type"], content_type, "{format}");
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("oversigt-2023"),
            "{format}"
        );
        let body = res.bytes().await.unwrap();
        assert!(
            body.starts_with(magic),
            "{format} starts with its signature"
        );
    }
    let csv = an.get("/overview/2023/csv/victims_by_form").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(
        an.get("/overview/2023/csv/no_such_table").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        an.get("/overview/2023/download/docx").await.status(),
        StatusCode::NOT_FOUND
    );

    let downloads = report_downloads(&app).await;
    assert_eq!(
        downloads.total, 5,
        "four editions and one CSV table were audited"
    );
}

#[tokio::test]
async fn a_year_without_data_says_so_instead_of_failing() {
    let app = spawn_app().await;
    app.add_user("an", "analyst").await;
    let mut an = app.login_as("an").await;
    let page = an.get("/overview").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.body.contains("class=\"error\""),
        "the page explains that there is nothing yet"
    );
    assert_eq!(
        an.get("/overview/2023/download/json").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// The audit trail's report downloads.
async fn report_downloads(app: &TestApp) -> spor_store::web::Page<spor_store::web::AuditEvent> {
    audit_events(app, "report.download").await
}

/// The newest hundred audit events whose code begins with `prefix`.
async fn audit_events(
    app: &TestApp,
    prefix: &str,
) -> spor_store::web::Page<spor_store::web::AuditEvent> {
    app.store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some(prefix.into()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap()
}

async fn demo_app() -> (TestApp, Agent) {
    let app = spawn_app().await;
    app.store.apply_import(&spor_demo::build()).await.unwrap();
    app.store
        .set_microdata_from(Some(spor_demo::MICRODATA_FROM))
        .await
        .unwrap();
    app.add_user("an", "analyst").await;
    let an = app.login_as("an").await;
    (app, an)
}

#[tokio::test]
async fn the_dashboard_starts_on_the_latest_year_with_decisions_and_offers_the_others() {
    let (_app, mut an) = demo_app().await;
    let demo = spor_demo::register();
    let report = spor_stats::evaluate(&demo, spor_demo::YEAR).unwrap();
    let victims = report.facts.victims.unwrap();

    // The demo's decisions end in 2023: the dashboard opens on 2023, not on an empty year.
    let page = an.get("/dashboard").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("id=\"victims-so-far\">{victims}<")),
        "the demo year's victims ({victims})"
    );
    assert!(page.body.contains("<option value=\"2023\" selected>"));
    assert!(
        page.body.contains("<option value=\"2015\">"),
        "earlier years are offered"
    );
    // A year of the history series: its figure comes from the published history.
    let earlier = an.get("/dashboard?year=2022").await;
    assert_eq!(earlier.status(), StatusCode::OK);
    let v2022 = report.tables["victims_by_year"].rows[0].values[report.tables["victims_by_year"]
        .column_keys
        .iter()
        .position(|k| k == "2022")
        .unwrap()]
    .unwrap();
    assert!(
        earlier
            .body
            .contains(&format!("id=\"victims-so-far\">{v2022}<")),
        "2022 from the history: {v2022}"
    );
    // No empty table headers, and a year that is not a year is a clear refusal.
    assert!(!page.body.contains("<th></th>"));
    assert_eq!(
        an.get("/dashboard?year=abc").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_public_edition_its_manifest_and_the_risk_report_are_served() {
    let (app, mut an) = demo_app().await;
    let page = an.get("/overview?year=2023&profile=public").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.body
            .contains("src=\"/overview/2023/view?profile=public\""),
        "the public HTML edition is framed"
    );
    let framed = an.get("/overview/2023/view?profile=public").await;
    assert_eq!(framed.status(), StatusCode::OK);
    assert!(framed.body.contains('·'), "hidden cells are shown as dots");

    let json = an.get("/overview/2023/download/json?profile=public").await;
    assert_eq!(json.status(), StatusCode::OK);
    let public: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert!(public["disclosure_note"].is_string());
    let internal: serde_json::Value =
        serde_json::from_str(&an.get("/overview/2023/download/json").await.body).unwrap();
    assert!(internal.get("disclosure_note").is_none());
    assert_ne!(
        public["tables"], internal["tables"],
        "the public one hides cells"
    );

    let manifest = an.get("/overview/2023/manifest").await;
    assert_eq!(manifest.status(), StatusCode::OK);
    let m: serde_json::Value = serde_json::from_str(&manifest.body).unwrap();
    assert_eq!(m["year"], 2023, "{}", manifest.body);

    let risk = an.get("/overview/2023/risk").await;
    assert_eq!(risk.status(), StatusCode::OK);
    assert!(risk.body.contains("Risikorapport 2023"));
    assert!(risk.body.contains("victims_by_nationality"));

    assert_eq!(
        an.get("/overview?year=2023&profile=secret").await.status(),
        StatusCode::BAD_REQUEST
    );
    // Downloads of the public edition are audited as such.
    let downloads = report_downloads(&app).await;
    assert!(
        downloads
            .items
            .iter()
            .any(|e| e.detail.as_deref() == Some("json public")),
        "the public download is audited"
    );
}

#[tokio::test]
async fn the_exchanges_page_offers_every_exchange_in_every_format_and_downloads_are_audited() {
    let (app, mut an) = demo_app().await;
    let page = an.get("/exchanges?year=2023").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.body.contains("Internationale udvekslinger 2023"));
    for name in ["eurostat", "unodc", "tip", "greta"] {
        for format in ["json", "csv", "xlsx"] {
            let href = format!("href=\"/exchanges/{name}/2023/{format}\"");
            assert!(page.body.contains(&href), "{href}");
        }
    }
    assert!(
        page.body
            .contains("Eurostat: registrerede ofre for menneskehandel, 2023")
    );

    let (status, headers, body) = an.get_bytes("/exchanges/eurostat/2023/json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("eurostat-2023.json")
    );
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["year"], 2023);
    assert_eq!(json["country"], "DK");
    let rows = json["rows"].as_array().unwrap();
    let total: u64 = rows.iter().map(|r| r["value"].as_u64().unwrap()).sum();
    assert_eq!(total, 112);
    let nat: u64 = rows
        .iter()
        .filter(|r| r["citizen"] == "NAT")
        .map(|r| r["value"].as_u64().unwrap())
        .sum();
    assert_eq!(nat, 3);

    let (status, _, body) = an.get_bytes("/exchanges/eurostat/2023/csv").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(body).unwrap();
    assert!(csv.starts_with("year,country,sex,age,citizen,exploitation,value\n"));
    assert!(csv.contains("\n2023,DK,T,TOTAL,NAT,TOTAL,3\n"), "{csv}");
    assert!(csv.contains("\n2023,DK,F,Y_GE18,NAT,SEX,2\n"), "{csv}");
    assert!(csv.ends_with("2023,DK,T,TOTAL,TOTAL,TOTAL,112\n"), "{csv}");
    let (status, _, body) = an.get_bytes("/exchanges/greta/2023/xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"PK"));

    assert_eq!(
        an.get("/exchanges/ctdc/2023/json").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        an.get("/exchanges/eurostat/2023/docx").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        an.get("/exchanges/eurostat/1990/json").await.status(),
        StatusCode::NOT_FOUND,
        "a year without data"
    );
    let downloads = report_downloads(&app).await;
    let targets: Vec<(Option<&str>, Option<&str>)> = downloads
        .items
        .iter()
        .map(|e| (e.target.as_deref(), e.detail.as_deref()))
        .collect();
    assert_eq!(
        targets,
        [
            (Some("exchange:greta:2023"), Some("xlsx")),
            (Some("exchange:eurostat:2023"), Some("csv")),
            (Some("exchange:eurostat:2023"), Some("json")),
        ]
    );
}

#[tokio::test]
async fn person_level_exchanges_are_offered_and_served_only_to_exporters_and_audited() {
    let (app, mut an) = demo_app().await;
    // An analyst without the exporter role is neither offered nor served them.
    let page = an.get("/exchanges?year=2023").await;
    assert!(
        !page.body.contains("/exchanges/person-level/"),
        "offered to an analyst"
    );
    for path in [
        "/exchanges/person-level/ctdc/2023/csv",
        "/exchanges/person-level/htcds/2023/json",
    ] {
        assert_eq!(an.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }

    app.add_user("ax", "analyst,exporter").await;
    let mut ax = app.login_as("ax").await;
    let page = ax.get("/exchanges?year=2023").await;
    for name in ["ctdc", "htcds"] {
        for format in ["json", "csv", "xlsx"] {
            let href = format!("href=\"/exchanges/person-level/{name}/2023/{format}\"");
            assert!(page.body.contains(&href), "{href}");
        }
    }
    let victims = spor_stats::evaluate(&spor_demo::register(), 2023)
        .unwrap()
        .facts
        .victims
        .unwrap();
    let (status, _, body) = ax.get_bytes("/exchanges/person-level/ctdc/2023/json").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let rows = json["rows"].as_array().unwrap().len() as u64;
    assert_eq!(json["notes"]["k"], 11);
    assert_eq!(rows + json["notes"]["dropped"].as_u64().unwrap(), victims);
    let (status, _, body) = ax
        .get_bytes("/exchanges/person-level/ctdc/2023/csv?k=5")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains("k=5;"));
    assert_eq!(
        ax.get("/exchanges/person-level/ctdc/2023/csv?k=4")
            .await
            .status(),
        StatusCode::BAD_REQUEST,
        "k below 5"
    );
    let (status, _, body) = ax.get_bytes("/exchanges/person-level/htcds/2023/csv").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(body).unwrap();
    assert!(csv.contains("\ncas_CaseId,prs_Gender,"), "{csv}");
    assert_eq!(
        ax.get("/exchanges/person-level/ctdc/1990/csv")
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a year without data"
    );
    assert_eq!(
        ax.get("/exchanges/person-level/eurostat/2023/csv")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Each download an export event naming the exchange; the refused ones as refusals.
    let exports = audit_events(&app, "export.download").await;
    let targets: Vec<(&str, &str)> = exports
        .items
        .iter()
        .map(|e| {
            (
                e.target.as_deref().unwrap_or(""),
                e.detail.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(targets.len(), 3, "{targets:?}");
    assert_eq!(targets[0].0, "exchange:htcds:2023");
    assert!(
        targets[0].1.starts_with("csv person-level rows="),
        "{targets:?}"
    );
    assert_eq!(targets[1].0, "exchange:ctdc:2023");
    assert!(targets[1].1.contains(" k=5 "), "{targets:?}");
    assert!(targets[2].1.starts_with("json person-level"), "{targets:?}");
    let denied = audit_events(&app, "access.denied").await;
    assert!(
        denied
            .items
            .iter()
            .any(|e| e.target.as_deref() == Some("/exchanges/person-level/ctdc/2023/csv")),
        "the refusal is audited"
    );
}

/// The refs linked from a page: `href="{prefix}REF"`.
fn linked(body: &str, prefix: &str) -> Vec<String> {
    let needle = format!("href=\"{prefix}");
    body.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &body[at + needle.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_figure_of_the_internal_overview_opens_the_records_it_counts_for_caseworkers() {
    let (app, mut an) = demo_app().await;
    app.add_user("both", "caseworker,analyst").await;
    let mut both = app.login_as("both").await;
    let table = "/overview/2023/figures/victims_by_gender_form";
    let cell = format!("{table}/records?r0=male&col=forced_criminality");

    // The overview offers each table's figures; the analyst sees them without links.
    let overview = both.get("/overview?year=2023").await;
    assert!(
        overview.body.contains(&format!("href=\"{table}\"")),
        "{}",
        overview.body
    );
    let plain = an.get(table).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.body.contains(">15<"), "the figure is shown");
    assert!(
        !plain.body.contains("/records?"),
        "no links for an analyst alone"
    );
    assert_eq!(an.get(&cell).await.status(), StatusCode::FORBIDDEN);

    // A user who may see records clicks the 15 men in forced criminality.
    let figures = both.get(table).await;
    assert!(
        figures.body.contains(&cell.replace('&', "&#38;")),
        "{}",
        figures.body
    );
    let page = both.get(&cell).await;
    assert_eq!(page.status(), StatusCode::OK, "{}", page.body);
    let cases = linked(&page.body, "/cases/");
    assert_eq!(cases.len(), 15, "{}", page.body);
    assert!(page.body.contains("15 registreringer"), "{}", page.body);
    let persons = linked(&page.body, "/persons/");
    assert_eq!(persons.len(), 15);
    let events = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("figure.records".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(events.items.len(), 1);
    assert_eq!(events.items[0].actor.as_deref(), Some("both"));
    assert!(
        events.items[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("[male] forced_criminality: 15")),
        "{:?}",
        events.items[0].detail
    );

    // Another team's person is counted, not shown.
    let by = spor_app::audit::Actor::command_line("test");
    spor_app::teams::assign_person(
        app.store.as_ref(),
        by,
        &persons[0],
        Some("north"),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    app.store
        .update_user(
            "both",
            &spor_store::web::UserUpdate {
                team: Some(Some("south".into())),
                ..Default::default()
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let mut both = app.login_as("both").await;
    let page = both.get(&cell).await;
    assert_eq!(linked(&page.body, "/cases/").len(), 14, "{}", page.body);
    assert!(!linked(&page.body, "/persons/").contains(&persons[0]));
    assert!(
        page.body
            .contains("1 af dem gælder personer i et andet team"),
        "{}",
        page.body
    );

    // A cell that is not one says which part is wrong.
    let bad = both
        .get(&format!("{table}/records?r0=male&col=nosuch"))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("nosuch"), "{}", bad.body);
}
