//! Who a person is (issue 23): the caseworker's identity form on the person's page, and the
//! search by name through the blind index. Caseworkers only (analysts and administrators
//! get 403 from the extractor); another team's person takes a stated reason as the
//! person's page does; every view, change and search is audited by `spor_app::identity`.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use spor_app::identity::{self, IdentityError};
use spor_core::PersonIdentity;
use spor_core::identity::IDENTITY_FIELDS;

use super::caseworker::guard_person;
use super::{AppError, PageResult, encode_segment, page, page_with};
use crate::AppState;
use crate::auth::{Caseworker, RequestInfo, Session};
use crate::i18n::Lang;
use crate::views::{Chrome, IdentityPage, RowView, TableView, TablesPage};

type F = Form<HashMap<String, String>>;

fn actor<'a>(s: &'a Session, info: &'a RequestInfo) -> spor_app::audit::Actor<'a> {
    spor_app::audit::Actor {
        name: Some(&s.user),
        address: &info.address,
    }
}

fn blank_page(info: &RequestInfo, s: &Session, key: &str) -> IdentityPage {
    let lang = info.lang;
    IdentityPage {
        c: Chrome::new(info, Some(s), lang.f("identity_title", &[key])),
        person_href: encode_segment(key),
        action: format!("/persons/{}/identity", encode_segment(key)),
        fields: IDENTITY_FIELDS
            .iter()
            .map(|n| (*n, identity_label(lang, n), String::new()))
            .collect(),
        warnings: Vec::new(),
        errors: Vec::new(),
        notice: None,
        status: None,
        editable: true,
    }
}

/// A field's label (`spor_core::labels`', as the subject-access document has it), with how
/// to write a list for the fields that hold one.
pub(crate) fn identity_label(lang: Lang, field: &str) -> String {
    let label = crate::forms::column_label(lang, field);
    if matches!(field, "other_names" | "document_number") {
        lang.f("identity_separated", &[label])
    } else {
        label.to_string()
    }
}

/// The earlier persons who may be the one registered, one entry each, saying in words what
/// matched (name and birth date, a document number, or both).
pub(crate) fn earlier_persons(
    lang: Lang,
    duplicates: &[identity::Duplicate],
) -> Vec<crate::views::EarlierPerson> {
    let mut refs: Vec<&str> = Vec::new();
    for d in duplicates {
        if !refs.contains(&d.earlier.as_str()) {
            refs.push(&d.earlier);
        }
    }
    refs.into_iter()
        .map(|r| {
            let by = |document: bool| {
                duplicates
                    .iter()
                    .any(|d| d.earlier == r && (d.matched == "document") == document)
            };
            let key = match (by(false), by(true)) {
                (true, true) => "identity_same_both",
                (false, true) => "identity_same_document",
                _ => "identity_same_name_birth",
            };
            crate::views::EarlierPerson {
                person_ref: r.to_string(),
                href: encode_segment(r),
                message: lang.f(key, &[r]),
                choice: lang.f("identity_choice_earlier", &[r, r]),
            }
        })
        .collect()
}

fn fill(page: &mut IdentityPage, p: &PersonIdentity) {
    for (f, v) in page.fields.iter_mut().zip(p.values()) {
        f.2 = v.unwrap_or_default();
    }
}

/// A refusal that is not the caseworker's fault, as the page's status (no form).
fn unavailable(lang: Lang, page: &mut IdentityPage, e: &IdentityError) -> Result<(), AppError> {
    page.editable = false;
    page.status = Some(match e {
        IdentityError::NoKey => lang.s("identity_no_key").to_string(),
        IdentityError::WrongKey => lang.s("identity_wrong_key").to_string(),
        IdentityError::Erased(at) => lang.f("identity_erased", &[at]),
        other => {
            tracing::error!(error = %other, "cannot read an identity");
            return Err(AppError::Internal);
        }
    });
    Ok(())
}

/// The identity form of a person, filled with what is stored (opened under the master key;
/// the view is audited).
pub async fn show(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path(key): Path<String>,
) -> PageResult {
    if let Some(refused) = guard_person(&st, &s, &info, &key).await? {
        return Ok(refused);
    }
    let lang = info.lang;
    let mut page_view = blank_page(&info, &s, &key);
    let stored = identity::status(&*st.store, &key).await.map_err(internal)?;
    if let Some(hold) = stored.as_ref().and_then(|p| p.legal_hold.clone()) {
        page_view.status = Some(lang.f("identity_hold", &[&hold]));
    }
    match identity::view(
        &*st.store,
        actor(&s, &info),
        st.config.master_key.as_ref(),
        &key,
        st.now(),
    )
    .await
    {
        Ok(Some(p)) => fill(&mut page_view, &p),
        Ok(None) => {}
        Err(e) => unavailable(lang, &mut page_view, &e)?,
    }
    page(&page_view)
}

/// Registers or rectifies the identity; warns of earlier persons who may be the same.
pub async fn save(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path(key): Path<String>,
    Form(f): F,
) -> PageResult {
    if let Some(refused) = guard_person(&st, &s, &info, &key).await? {
        return Ok(refused);
    }
    let lang = info.lang;
    let mut page_view = blank_page(&info, &s, &key);
    let person_ref = spor_core::Ref::parse(&key).map_err(|_| AppError::NotFound)?;
    let mut p = PersonIdentity::new(person_ref);
    for (field, label, value) in page_view.fields.iter_mut() {
        let typed = f.get(*field).map(String::as_str).unwrap_or("");
        *value = typed.to_string();
        if let Err(e) = p.set(field, typed) {
            page_view.errors.push(format!("{label}: {e}"));
        }
    }
    if !page_view.errors.is_empty() {
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, &page_view);
    }
    match identity::save(
        &*st.store,
        actor(&s, &info),
        st.config.master_key.as_ref(),
        &p,
        st.now(),
    )
    .await
    {
        Ok(duplicates) => {
            page_view.notice = Some(lang.s("identity_saved").to_string());
            page_view.warnings = earlier_persons(lang, &duplicates);
            page(&page_view)
        }
        Err(e) => {
            unavailable(lang, &mut page_view, &e)?;
            page_with(StatusCode::CONFLICT, &page_view)
        }
    }
}

/// The search form alone.
pub async fn search_page(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
) -> PageResult {
    search_for(&st, &s, &info, String::new()).await
}

/// Persons whose name (whole, or one of its words) is the term, through the blind index.
/// A POST, so that the name is in no address (history, proxies, referrers).
pub async fn search(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Form(f): F,
) -> PageResult {
    let term = f.get("q").map(|t| t.trim().to_string()).unwrap_or_default();
    search_for(&st, &s, &info, term).await
}

async fn search_for(st: &AppState, s: &Session, info: &RequestInfo, term: String) -> PageResult {
    let lang = info.lang;
    let c = Chrome::new(info, Some(s), lang.s("identity_search_title"));
    if term.is_empty() {
        let mut form = blank_page(info, s, "");
        form.c = c;
        form.editable = false;
        form.person_href = String::new();
        return page(&form);
    }
    let refs = match identity::search(
        &*st.store,
        actor(s, info),
        st.config.master_key.as_ref(),
        &term,
        st.now(),
    )
    .await
    {
        Ok(refs) => refs,
        Err(IdentityError::NoKey) => {
            return page_with(
                StatusCode::SERVICE_UNAVAILABLE,
                &TablesPage {
                    c,
                    intro: Some(lang.s("identity_no_key").into()),
                    search: None,
                    tables: vec![],
                },
            );
        }
        Err(e) => return Err(internal(e)),
    };
    // A caseworker in a team sees their team's persons and persons in no team.
    let mut visible = Vec::with_capacity(refs.len());
    for r in refs {
        let allowed = match (&s.team, st.store.person_team(&r).await?) {
            (Some(mine), Some(theirs)) => *mine == theirs,
            _ => true,
        };
        if allowed {
            visible.push(r);
        }
    }
    let rows: Vec<RowView> = visible
        .iter()
        .map(|r| RowView {
            link: Some(format!("/persons/{}/identity", encode_segment(r))),
            extra_links: Vec::new(),
            cells: vec![r.clone()],
        })
        .collect();
    let found = !rows.is_empty();
    page_with(
        if found {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        &TablesPage {
            c,
            intro: (!found).then(|| lang.s("identity_none_found").to_string()),
            search: None,
            tables: if found {
                vec![TableView {
                    title: format!("{} ({})", lang.s("hits"), rows.len()),
                    columns: vec![lang.s("person").into()],
                    rows,
                }]
            } else {
                vec![]
            },
        },
    )
}

/// Erases the person's identity on request (crypto-shredding; the records stay), with the
/// stated reason, audited.
pub async fn erase(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path(key): Path<String>,
    Form(f): F,
) -> PageResult {
    if let Some(refused) = guard_person(&st, &s, &info, &key).await? {
        return Ok(refused);
    }
    let lang = info.lang;
    let mut page_view = blank_page(&info, &s, &key);
    page_view.editable = false;
    let reason = f.get("reason").map(String::as_str).unwrap_or("");
    match identity::erase(&*st.store, actor(&s, &info), &key, reason, st.now()).await {
        Ok(true) => {
            page_view.notice = Some(lang.s("identity_erased_now").to_string());
            page(&page_view)
        }
        Ok(false) => {
            page_view
                .errors
                .push(lang.s("identity_not_erased").to_string());
            page_with(StatusCode::CONFLICT, &page_view)
        }
        Err(IdentityError::Invalid(_)) => {
            page_view.editable = true;
            page_view
                .errors
                .push(lang.s("identity_erase_reason").to_string());
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &page_view)
        }
        Err(e) => Err(internal(e)),
    }
}

/// Everything held about the person (identity, records, who viewed them) as a JSON file,
/// for the person's right of access; audited.
pub async fn access_json(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path(key): Path<String>,
) -> PageResult {
    access(st, s, info, key, false).await
}

/// The same as a PDF.
pub async fn access_pdf(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path(key): Path<String>,
) -> PageResult {
    access(st, s, info, key, true).await
}

async fn access(st: AppState, s: Session, info: RequestInfo, key: String, pdf: bool) -> PageResult {
    use axum::response::IntoResponse as _;
    if let Some(refused) = guard_person(&st, &s, &info, &key).await? {
        return Ok(refused);
    }
    let now = st.now();
    let v = match identity::subject_access(
        &*st.store,
        actor(&s, &info),
        st.config.master_key.as_ref(),
        &key,
        now,
    )
    .await
    {
        Ok(v) => v,
        Err(IdentityError::NoKey | IdentityError::WrongKey) => {
            let mut page_view = blank_page(&info, &s, &key);
            unavailable(info.lang, &mut page_view, &IdentityError::NoKey)?;
            return page_with(StatusCode::SERVICE_UNAVAILABLE, &page_view);
        }
        Err(e) => return Err(internal(e)),
    };
    let (body, content_type, ext) = if pdf {
        // Typesetting is CPU-bound: off the async workers.
        let bytes = tokio::task::spawn_blocking(move || spor_pdf::subject_access(&v, now))
            .await
            .map_err(|_| AppError::Internal)?
            .map_err(|e| {
                tracing::error!(error = %e, "cannot typeset a subject-access PDF");
                AppError::Internal
            })?;
        (bytes, "application/pdf", "pdf")
    } else {
        let bytes = serde_json::to_vec_pretty(&v).map_err(|_| AppError::Internal)?;
        (bytes, "application/json", "json")
    };
    let name: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"person-{name}.{ext}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

fn internal(e: IdentityError) -> AppError {
    tracing::error!(error = %e, "identity");
    AppError::Internal
}

/// The link from the person's page to the identity form.
pub(crate) fn link_table(lang: Lang, key: &str) -> TableView {
    TableView {
        title: lang.s("identity").into(),
        columns: vec![lang.s("identity").into()],
        rows: vec![RowView {
            link: Some(format!("/persons/{}/identity", encode_segment(key))),
            extra_links: Vec::new(),
            cells: vec![lang.s("identity_open").into()],
        }],
    }
}
