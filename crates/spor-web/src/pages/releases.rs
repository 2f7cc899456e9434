//! Analyst pages of the releases kept in the register: the list, one release's files, and
//! each file as it was published (the application layer's [`spor_app::published`]).

use axum::extract::{Path, State};
use spor_app::{Format, published};

use super::{AppError, PageResult, encode_segment, page};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::Analyst;
use crate::i18n::Lang;
use crate::views::{Chrome, RowView, TableView, TablesPage};

fn internal(e: anyhow::Error) -> AppError {
    tracing::error!(error = %e, "cannot read the releases");
    AppError::Internal
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Copenhagen)
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

fn profile_label(lang: Lang, profile: &str) -> String {
    match profile {
        "public" => lang.s("release_public").to_string(),
        _ => lang.s("release_internal").to_string(),
    }
}

/// Every release, newest first.
pub async fn list(State(st): State<AppState>, Analyst(s, info): Analyst) -> PageResult {
    let lang = info.lang;
    let releases = published::list(st.store.as_ref()).await.map_err(internal)?;
    let rows = releases
        .iter()
        .map(|r| RowView {
            link: Some(format!("/releases/{}", r.id)),
            extra_links: Vec::new(),
            cells: vec![
                r.id.to_string(),
                r.year.to_string(),
                profile_label(lang, &r.profile),
                when(r.published_at),
                r.published_by.clone(),
                r.register_change.map_or_else(|| "–".to_owned(), when),
            ],
        })
        .collect();
    let table = TableView {
        title: String::new(),
        columns: [
            "release_id",
            "year",
            "release_profile",
            "release_published",
            "release_by",
            "release_register",
        ]
        .iter()
        .map(|k| lang.s(k).to_string())
        .collect(),
        rows,
    };
    page(&TablesPage {
        c: Chrome::new(&info, Some(&s), lang.s("nav_releases")),
        intro: Some(lang.s("releases_intro").to_string()),
        search: None,
        tables: vec![table],
    })
}

/// One release: what it is and its files, each a download as published.
pub async fn show(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path(id): Path<i64>,
) -> PageResult {
    let lang = info.lang;
    let Some(row) = st.store.release(id).await.map_err(|e| internal(e.into()))? else {
        return Err(AppError::NotFound);
    };
    let files = st
        .store
        .release_files(id)
        .await
        .map_err(|e| internal(e.into()))?;
    let mut rows: Vec<RowView> = files
        .iter()
        .map(|f| RowView {
            link: Some(format!(
                "/releases/{id}/files/{}",
                f.name
                    .split('/')
                    .map(encode_segment)
                    .collect::<Vec<_>>()
                    .join("/")
            )),
            extra_links: Vec::new(),
            cells: vec![f.name.clone(), f.format.to_uppercase(), f.sha256.clone()],
        })
        .collect();
    // The diff and the manifest first, then the files.
    rows.insert(
        0,
        RowView {
            link: Some(format!("/releases/{id}/manifest")),
            extra_links: Vec::new(),
            cells: vec![
                format!("manifest-{}.json", row.year),
                lang.s("manifest").to_string(),
                String::new(),
            ],
        },
    );
    rows.insert(
        0,
        RowView {
            link: Some(format!("/releases/{id}/diff")),
            extra_links: Vec::new(),
            cells: vec![
                lang.s("release_diff_link").to_string(),
                String::new(),
                String::new(),
            ],
        },
    );
    let table = TableView {
        title: String::new(),
        columns: ["release_file", "release_format", "SHA-256"]
            .iter()
            .map(|k| match *k {
                "SHA-256" => (*k).to_string(),
                k => lang.s(k).to_string(),
            })
            .collect(),
        rows,
    };
    let intro = format!(
        "{} {} · {} · {} {} · {} {}",
        lang.s("year"),
        row.year,
        profile_label(lang, &row.profile),
        lang.s("release_published"),
        when(row.published_at),
        lang.s("release_by"),
        row.published_by
    );
    page(&TablesPage {
        c: Chrome::new(&info, Some(&s), format!("{} {}", lang.s("release"), row.id)),
        intro: Some(intro),
        search: None,
        tables: vec![table],
    })
}

/// One file of a release, byte for byte as published; audited.
pub async fn file(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path((id, name)): Path<(i64, String)>,
) -> PageResult {
    let actor = spor_app::audit::Actor {
        name: Some(&s.user),
        address: &info.address,
    };
    let release = match published::open(st.store.as_ref(), id).await {
        Ok(r) => r,
        Err(_) => return Err(AppError::NotFound),
    };
    let Some(f) = release.files.iter().find(|f| f.name == name) else {
        return Err(AppError::NotFound);
    };
    // A kept exchange (`exchange-json`, …) is served as its exchange format.
    let (format, content_type) = match f.format.strip_prefix(published::EXCHANGE_FORMAT) {
        Some(x) => (
            Format::parse(x).ok_or(AppError::NotFound)?,
            spor_app::exchange::Format::parse(x)
                .ok_or(AppError::NotFound)?
                .content_type(),
        ),
        None => {
            let format = Format::parse(&f.format).ok_or(AppError::NotFound)?;
            (format, format.content_type())
        }
    };
    published::view(st.store.as_ref(), actor, id, format, st.now())
        .await
        .map_err(internal)?;
    let download = f.name.replace('/', "-");
    Ok(crate::report::file(
        content_type,
        download,
        f.content.clone(),
    ))
}

/// A release's manifest as it was stored.
pub async fn manifest(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path(id): Path<i64>,
) -> PageResult {
    let Some(row) = st.store.release(id).await.map_err(|e| internal(e.into()))? else {
        return Err(AppError::NotFound);
    };
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReleaseView,
        Some(&id.to_string()),
        Some("manifest".into()),
    );
    audit::record(&st, ev).await?;
    Ok(crate::report::file(
        Format::Json.content_type(),
        format!("manifest-{}.json", row.year),
        row.manifest.into_bytes(),
    ))
}

/// What the register now gives differently from a release: every revised figure, and the
/// records behind the change (their refs only for caseworkers: analysts see aggregates).
pub async fn diff(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path(id): Path<i64>,
) -> PageResult {
    let lang = info.lang;
    if st
        .store
        .release(id)
        .await
        .map_err(|e| internal(e.into()))?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let rev = published::diff(st.store.as_ref(), id)
        .await
        .map_err(internal)?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReleaseView,
        Some(&id.to_string()),
        Some("diff".into()),
    );
    audit::record(&st, ev).await?;
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "–".to_owned(),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => lang.int(i),
            None => n.to_string(),
        },
        v => v.to_string(),
    };
    let figures = TableView {
        title: lang.s("release_diff").to_string(),
        columns: ["release_figure", "release_was", "release_now"]
            .iter()
            .map(|k| lang.s(k).to_string())
            .collect(),
        rows: rev
            .figures
            .iter()
            .map(|f| RowView {
                link: None,
                extra_links: Vec::new(),
                cells: vec![f.figure.clone(), shown(&f.published), shown(&f.now)],
            })
            .collect(),
    };
    let mut tables = vec![figures];
    let mut intro = if rev.figures.is_empty() {
        lang.s("release_unchanged").to_string()
    } else {
        String::new()
    };
    if s.has(crate::auth::Role::Caseworker) {
        tables.push(TableView {
            title: lang.s("release_records").to_string(),
            columns: [
                "release_change",
                "release_entity",
                "release_ref",
                "release_date",
            ]
            .iter()
            .map(|k| lang.s(k).to_string())
            .collect(),
            rows: rev
                .records
                .iter()
                .map(|r| RowView {
                    link: None,
                    extra_links: Vec::new(),
                    cells: vec![
                        r.delta.name().to_string(),
                        r.entity.to_string(),
                        r.key.clone(),
                        r.date.clone().unwrap_or_default(),
                    ],
                })
                .collect(),
        });
    } else if !rev.records.is_empty() {
        if !intro.is_empty() {
            intro.push(' ');
        }
        intro.push_str(&format!(
            "{} {}",
            lang.int(rev.records.len() as i64),
            lang.s("release_records_hidden")
        ));
    }
    page(&TablesPage {
        c: Chrome::new(
            &info,
            Some(&s),
            format!("{} {}: {}", lang.s("release"), id, lang.s("release_diff")),
        ),
        intro: (!intro.is_empty()).then_some(intro),
        search: None,
        tables,
    })
}
