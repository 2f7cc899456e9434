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

    let downloads = app
        .store
        .audit_events(
            &spor_store::web::AuditFilter {
                code_prefix: Some("report.download".into()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
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
