//! Administrator pages: accounts and roles, code lists, settings, the audit trail.
//! Administrators see no case data (unless they are also caseworkers).

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use spor_app::accounts::{self, AccountError, Change};
use spor_app::audit::Actor;
use spor_app::codes::{self, CodeAddError};
use spor_app::settings;
use spor_core::{CodeBook, ListId};
use spor_store::web::{AuditFilter, ChainStatus};

use super::{AppError, PageResult, encode_query, page, page_with};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::{Admin, RecentAdmin, RequestInfo, Role, Session};
use crate::forms::Opt;
use crate::i18n::Lang;
use crate::views::{
    AddedCodeView, Chrome, CodesPage, FilterView, ListPage, MapRowView, MapView, MappingsPage,
    RetentionPage, RowView, SettingsPage, TableView, UserView, UsersPage,
};

type F = Form<HashMap<String, String>>;

async fn users_page(
    st: &AppState,
    s: &Session,
    info: &RequestInfo,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let now = st.now();
    let users = st
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| UserView {
            locked: u.locked_until.is_some_and(|t| t > now),
            second_factor: u.has_second_factor(),
            name: u.name,
            roles: u.roles,
            disabled: u.disabled,
            created: u.created_at.format("%Y-%m-%d").to_string(),
            team: u.team,
        })
        .collect();
    page_with(
        status,
        &UsersPage {
            c: Chrome::new(info, Some(s), info.lang.s("users")),
            users,
            error,
            role_choices: Role::ALL
                .iter()
                .map(|r| (r.code(), info.lang.s(r.code())))
                .collect(),
        },
    )
}

/// The roles chosen in a form: the ticked `role_…` boxes, or a typed `roles` list.
fn posted_roles(f: &HashMap<String, String>) -> String {
    let ticked: Vec<&str> = Role::ALL
        .iter()
        .map(|r| r.code())
        .filter(|c| f.contains_key(&format!("role_{c}")))
        .collect();
    if ticked.is_empty() {
        f.get("roles").cloned().unwrap_or_default()
    } else {
        ticked.join(",")
    }
}

pub async fn users(State(st): State<AppState>, Admin(s, info): Admin) -> PageResult {
    users_page(&st, &s, &info, None, StatusCode::OK).await
}

/// Why an account change was refused, in the page's language, and its status.
fn account_refusal(lang: Lang, e: &AccountError) -> Result<(String, StatusCode), AppError> {
    let status = match e {
        AccountError::Taken(_) => StatusCode::CONFLICT,
        AccountError::Unknown(_) => return Err(AppError::NotFound),
        AccountError::Failed(_) => return Err(AppError::Internal),
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let text = match e {
        AccountError::BadRoles(_) => lang.s("choose_role").to_string(),
        e => super::account::account_message(lang, e),
    };
    Ok((text, status))
}

fn actor<'a>(s: &'a Session, info: &'a RequestInfo) -> Actor<'a> {
    Actor {
        name: Some(&s.user),
        address: &info.address,
    }
}

pub async fn create_user(
    State(st): State<AppState>,
    RecentAdmin(s, info): RecentAdmin,
    Form(f): F,
) -> PageResult {
    let name = f.get("name").map(|v| v.trim()).unwrap_or_default();
    let pw = f.get("password").cloned().unwrap_or_default();
    let added = accounts::add(
        st.store.as_ref(),
        actor(&s, &info),
        name,
        &posted_roles(&f),
        pw,
        st.now(),
    )
    .await;
    if let Err(e) = added {
        let (msg, status) = account_refusal(info.lang, &e)?;
        return users_page(&st, &s, &info, Some(msg), status).await;
    }
    Ok(Redirect::to("/admin/users").into_response())
}

pub async fn update_user(
    State(st): State<AppState>,
    RecentAdmin(s, info): RecentAdmin,
    Path(name): Path<String>,
    Form(f): F,
) -> PageResult {
    let change = match f.get("op").map(String::as_str).unwrap_or("") {
        "roles" => Change::Roles(posted_roles(&f)),
        "disable" => Change::Disable,
        "enable" => Change::Enable,
        "password" => Change::Password(f.get("password").cloned().unwrap_or_default()),
        "second_factor" => Change::ResetSecondFactor,
        _ => return Err(AppError::BadRequest),
    };
    let changed =
        accounts::change(st.store.as_ref(), actor(&s, &info), &name, change, st.now()).await;
    if let Err(e) = changed {
        let (msg, status) = account_refusal(info.lang, &e)?;
        return users_page(&st, &s, &info, Some(msg), status).await;
    }
    Ok(Redirect::to("/admin/users").into_response())
}

async fn codes_page(
    st: &AppState,
    s: &Session,
    info: &RequestInfo,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let lang = info.lang;
    let book = CodeBook::with_additions(st.store.code_additions().await?);
    let lists = ListId::ALL
        .into_iter()
        .filter(|l| l.is_extensible())
        .map(|l| Opt {
            value: l.name().into(),
            label: l.name().into(),
            selected: l == ListId::ReferralActor,
        })
        .collect();
    let retired = st.store.retired_codes().await?;
    let is_retired =
        |l: ListId, code: &str| retired.iter().any(|(rl, rc)| rl == l.name() && rc == code);
    let mut rows = Vec::new();
    let mut added = Vec::new();
    for l in ListId::ALL.into_iter().filter(|l| l.is_extensible()) {
        for e in book.list(l) {
            let origin = if e.builtin {
                lang.s("builtin")
            } else if is_retired(l, &e.code) {
                lang.s("retired")
            } else {
                lang.s("added")
            };
            rows.push(RowView {
                extra_links: Vec::new(),
                link: None,
                cells: vec![
                    l.name().to_string(),
                    e.code.clone(),
                    e.da.clone(),
                    e.en.clone(),
                    origin.to_string(),
                ],
            });
            if !e.builtin {
                added.push(AddedCodeView {
                    list: l.name(),
                    code: e.code.clone(),
                    da: e.da.clone(),
                    en: e.en.clone(),
                    retired: is_retired(l, &e.code),
                });
            }
        }
    }
    let table = TableView {
        title: lang.s("code_lists").into(),
        columns: ["list", "code", "label_da", "label_en", "origin"]
            .iter()
            .map(|k| lang.s(k).to_string())
            .collect(),
        rows,
    };
    page_with(
        status,
        &CodesPage {
            c: Chrome::new(info, Some(s), lang.s("code_lists")),
            lists,
            table,
            error,
            added,
        },
    )
}

/// Renames, retires or takes into use again a code the centre added.
pub async fn edit_code(
    State(st): State<AppState>,
    RecentAdmin(s, info): RecentAdmin,
    Form(f): F,
) -> PageResult {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let (list, code) = (get("list"), get("code"));
    let store = &*st.store;
    // Each change is written with its audit event in one transaction.
    let by = actor(&s, &info);
    let change = match get("op").as_str() {
        "rename" => {
            let (da, en) = (get("da"), get("en"));
            spor_app::codes::rename(store, by, &list, &code, &da, &en, st.now()).await?
        }
        "retire" => spor_app::codes::retire(store, by, &list, &code, true, st.now()).await?,
        "unretire" => spor_app::codes::retire(store, by, &list, &code, false, st.now()).await?,
        _ => return Err(AppError::BadRequest),
    };
    match change {
        spor_app::codes::CodeChange::Done => Ok(Redirect::to("/admin/codes").into_response()),
        spor_app::codes::CodeChange::NotAdded => Err(AppError::NotFound),
        spor_app::codes::CodeChange::Invalid(why) => {
            let msg = if why == spor_app::codes::LABELS_REQUIRED {
                info.lang.s("code_labels_required").to_string()
            } else {
                label_rules(info.lang).to_string()
            };
            codes_page(&st, &s, &info, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn codes(State(st): State<AppState>, Admin(s, info): Admin) -> PageResult {
    codes_page(&st, &s, &info, None, StatusCode::OK).await
}

pub async fn add_code(
    State(st): State<AppState>,
    RecentAdmin(s, info): RecentAdmin,
    Form(f): F,
) -> PageResult {
    let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or_default();
    let fields = [get("list"), get("code"), get("da"), get("en")];
    match codes::add(st.store.as_ref(), actor(&s, &info), fields, st.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/codes").into_response()),
        Err(CodeAddError::Invalid(e)) => {
            let msg = code_message(info.lang, &e);
            codes_page(&st, &s, &info, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(CodeAddError::Taken(e)) => {
            let msg = code_message(info.lang, &e);
            codes_page(&st, &s, &info, Some(msg), StatusCode::CONFLICT).await
        }
        Err(CodeAddError::Failed(e)) => {
            tracing::warn!(error = %e, "cannot add a code");
            Err(AppError::Internal)
        }
    }
}

/// Why a code cannot be added, in the page's language and without code syntax.
fn code_message(lang: Lang, e: &spor_core::codes::CodeError) -> String {
    use spor_core::codes::CodeError as E;
    let da = lang == Lang::Da;
    match e {
        E::UnknownList(..) => {
            if da {
                "Vælg en af kodelisterne.".to_string()
            } else {
                "Choose one of the code lists.".to_string()
            }
        }
        E::NotExtensible(l) => {
            if da {
                format!(
                    "Listen «{}» kan ikke udvides: optællingsreglerne bygger på dens koder. Der kan tilføjes henvisende aktører og brancher/typer.",
                    l.name()
                )
            } else {
                format!(
                    "The list “{}” cannot be extended: the counting rules depend on its codes. Referral actors and sectors/types can be added.",
                    l.name()
                )
            }
        }
        E::Exists { code, .. } => {
            if da {
                format!("Koden «{code}» findes allerede i listen.")
            } else {
                format!("The code “{code}” already exists in the list.")
            }
        }
        E::BadCode(code) => {
            if da {
                format!(
                    "«{code}» kan ikke bruges som kode: brug 1–40 små bogstaver a–z, tal og understreg, begyndende med et bogstav."
                )
            } else {
                format!(
                    "“{code}” cannot be a code: use 1–40 lower-case letters a–z, digits and underscores, starting with a letter."
                )
            }
        }
        E::EmptyLabel(_) => lang.s("code_labels_required").to_string(),
        E::BadLabel(..) => label_rules(lang).to_string(),
    }
}

/// What a code's labels may be, in the page's language.
fn label_rules(lang: Lang) -> &'static str {
    match lang {
        Lang::Da => {
            "Teksterne må have højst 200 tegn og ingen styretegn, og de må ikke begynde med = + - eller @ (et regneark ville læse dem som en formel)."
        }
        Lang::En => {
            "Labels have at most 200 characters and no control characters, and do not begin with = + - or @ (a spreadsheet would read them as a formula)."
        }
    }
}

/// The exchanges' mappings: where each register code goes, editable (issue 22: the
/// mappings are data, changed without a release).
pub async fn mappings(State(st): State<AppState>, Admin(s, info): Admin) -> PageResult {
    mappings_page(&st, &s, &info, None, StatusCode::OK).await
}

/// Changes where a code goes (`key` = `MAP/CODE`, `value` a category of the map), or the
/// reporting country; `op=builtin` takes a change back. Audited by the application layer.
pub async fn set_mapping(
    State(st): State<AppState>,
    RecentAdmin(s, info): RecentAdmin,
    Form(f): F,
) -> PageResult {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let value = (get("op") != "builtin").then(|| get("value"));
    match spor_app::exchange::set_mapping(
        st.store.as_ref(),
        actor(&s, &info),
        &get("key"),
        value.as_deref(),
        st.now(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/admin/mappings").into_response()),
        Err(e) => {
            let msg = format!("{}: {e:#}", info.lang.s("map_invalid"));
            mappings_page(&st, &s, &info, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn mappings_page(
    st: &AppState,
    s: &Session,
    info: &RequestInfo,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let lang = info.lang;
    let maps = spor_app::exchange::mappings(st.store.as_ref())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the exchanges' mappings");
            AppError::Internal
        })?;
    let book = CodeBook::with_additions(st.store.code_additions().await?);
    let views = maps
        .maps()
        .map(|m| MapView {
            id: m.id.clone(),
            rows: m
                .entries()
                .into_iter()
                .map(|(code, to)| {
                    // A code of a code list reads as its label; the other sources' codes
                    // (age bands, citizenship classes) as themselves.
                    let text =
                        spor_core::labels::value_text(&book, lang.words(), m.source.name(), &code);
                    let label = if text == code {
                        code.clone()
                    } else {
                        format!("{text} ({code})")
                    };
                    MapRowView {
                        key: format!("{}/{code}", m.id),
                        options: m
                            .categories
                            .iter()
                            .map(|c| Opt {
                                value: c.code.clone(),
                                label: match lang {
                                    Lang::Da => format!("{} ({})", c.da, c.code),
                                    Lang::En => format!("{} ({})", c.en, c.code),
                                },
                                selected: to == Some(c.code.as_str()),
                            })
                            .collect(),
                        changed: m.is_changed(&code),
                        label,
                    }
                })
                .collect(),
        })
        .collect();
    page_with(
        status,
        &MappingsPage {
            c: Chrome::new(info, Some(s), lang.s("mappings")),
            reporting_country: maps.reporting_country().to_owned(),
            maps: views,
            error,
        },
    )
}

pub async fn settings(State(st): State<AppState>, Admin(s, info): Admin) -> PageResult {
    let m = st.store.microdata_from().await?;
    page(&SettingsPage {
        c: Chrome::new(&info, Some(&s), info.lang.s("settings")),
        microdata_from: m.map(|y| y.to_string()).unwrap_or_default(),
        error: None,
        confirm: None,
        exempt: exempt_choices(&st, info.lang).await?,
    })
}

/// The roles with whether each is exempt from the second factor, for the settings page.
async fn exempt_choices(
    st: &AppState,
    lang: Lang,
) -> Result<Vec<(&'static str, &'static str, bool)>, AppError> {
    let exempt = spor_app::second_factor::exempt_roles(st.store.as_ref())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the second-factor policy");
            AppError::Internal
        })?;
    Ok(Role::ALL
        .iter()
        .map(|r| (r.code(), lang.s(r.code()), exempt.contains(r)))
        .collect())
}

/// Which published figures a change of `microdata_from` changes, in words.
fn microdata_change(lang: Lang, from: Option<i32>, to: Option<i32>) -> String {
    let span = |a: i32, b: i32| {
        if a == b {
            a.to_string()
        } else {
            format!("{a}–{b}")
        }
    };
    let what = match (from, to) {
        (Some(a), Some(b)) if a < b => lang.f("microdata_to_history", &[&span(a, b - 1)]),
        (Some(a), Some(b)) => lang.f("microdata_to_count", &[&span(b, a - 1)]),
        (None, Some(b)) => lang.f("microdata_before_history", &[&b.to_string()]),
        (Some(a), None) => lang.f("microdata_before_count", &[&a.to_string()]),
        (None, None) => String::new(),
    };
    format!("{what} {}", lang.s("microdata_affects"))
}

pub async fn save_settings(
    State(st): State<AppState>,
    RecentAdmin(s, info): RecentAdmin,
    Form(f): F,
) -> PageResult {
    if f.get("op").map(String::as_str) == Some("second_factor_exempt") {
        let roles: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| f.contains_key(&format!("exempt_{}", r.code())))
            .collect();
        spor_app::second_factor::set_exempt_roles(
            st.store.as_ref(),
            actor(&s, &info),
            &roles,
            st.now(),
        )
        .await
        .map_err(|_| AppError::Internal)?;
        return Ok(Redirect::to("/admin/settings").into_response());
    }
    let raw = f
        .get("microdata_from")
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let Ok(year) = settings::parse_microdata_from(&raw) else {
        let msg = match info.lang {
            Lang::Da => {
                format!("«{raw}» er ikke et årstal; skriv fx 2023, eller lad feltet stå tomt.")
            }
            Lang::En => {
                format!("“{raw}” is not a year; write e.g. 2023, or leave the field empty.")
            }
        };
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SettingsPage {
                c: Chrome::new(&info, Some(&s), info.lang.s("settings")),
                microdata_from: raw,
                error: Some(msg),
                confirm: None,
                exempt: exempt_choices(&st, info.lang).await?,
            },
        );
    };
    // A change of the first microdata year changes published figures: say which, and
    // ask before saving.
    let current = st.store.microdata_from().await?;
    if year != current && f.get("confirm").map(String::as_str) != Some("1") {
        return page(&SettingsPage {
            c: Chrome::new(&info, Some(&s), info.lang.s("settings")),
            microdata_from: raw,
            error: None,
            confirm: Some(microdata_change(info.lang, current, year)),
            exempt: exempt_choices(&st, info.lang).await?,
        });
    }
    settings::set_microdata_from(st.store.as_ref(), actor(&s, &info), year, st.now())
        .await
        .map_err(|_| AppError::Internal)?;
    Ok(Redirect::to("/admin/settings").into_response())
}

const AUDIT_PAGE: i64 = 100;

pub async fn audit(
    State(st): State<AppState>,
    Admin(s, info): Admin,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let lang = info.lang;
    let get = |k: &str| {
        q.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let filter = AuditFilter {
        code_prefix: get("code"),
        actor: get("actor"),
        target: get("target"),
        from: get("from"),
        until: get("until"),
    };
    let page_no: i64 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let ev = audit::event(&info, Some(&s.user), Event::AuditView, None, None);
    audit::record(&st, ev).await?;
    let events = st
        .store
        .audit_events(&filter, AUDIT_PAGE, (page_no - 1) * AUDIT_PAGE)
        .await?;
    // Walking the whole chain reads every event: done when asked, not on every view.
    let verify = q.get("verify").is_some_and(|v| v == "1");
    let status = if verify {
        Some(st.store.verify_audit().await?)
    } else {
        None
    };
    let (notice, bad) = match status {
        None => (lang.s("chain_unchecked").to_string(), false),
        Some(ChainStatus::KeyNeeded { .. }) => (lang.s("chain_key_needed").to_string(), true),
        Some(ChainStatus::Intact { events }) => (
            format!(
                "{}: {} {}",
                lang.s("chain_ok"),
                lang.int(events as i64),
                lang.s("events")
            ),
            false,
        ),
        Some(ChainStatus::Broken { seq, reason }) => (
            format!("{} (#{seq}): {reason}", lang.s("chain_broken")),
            true,
        ),
    };
    let text_filter = |name: &'static str, key: &str| FilterView {
        name,
        label: lang.s(key).into(),
        options: vec![],
        value: get(name).unwrap_or_default(),
    };
    let codes = Event::ALL
        .iter()
        .map(|e| Opt {
            value: e.code().into(),
            label: e.code().into(),
            selected: get("code").as_deref() == Some(e.code()),
        })
        .collect();
    let pages = ((events.total + AUDIT_PAGE - 1) / AUDIT_PAGE).max(1);
    let link_to = |p: i64| {
        let mut parts: Vec<String> = q
            .iter()
            .filter(|(k, v)| !matches!(k.as_str(), "page" | "verify") && !v.is_empty())
            .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
            .collect();
        parts.sort();
        parts.push(format!("page={p}"));
        format!("/admin/audit?{}", parts.join("&"))
    };
    // A page that is not one of the trail's is said so, as on the record lists.
    let asked_page = q.get("page").map(|p| p.trim()).filter(|p| !p.is_empty());
    let page_missing = asked_page.is_some_and(|p| {
        p.parse::<i64>()
            .ok()
            .filter(|n| (1..=pages).contains(n))
            .is_none()
    });
    let (status, notice, bad) = match asked_page.filter(|_| page_missing) {
        Some(asked) => (
            StatusCode::NOT_FOUND,
            lang.f("bad_page", &[asked, &pages.to_string()]),
            true,
        ),
        None => (StatusCode::OK, notice, bad),
    };
    let rows = events
        .items
        .into_iter()
        .map(|e| RowView {
            extra_links: Vec::new(),
            link: None,
            cells: vec![
                e.seq.to_string(),
                super::local_time(&e.at),
                e.code,
                e.actor.unwrap_or_default(),
                e.target.unwrap_or_default(),
                e.address.unwrap_or_default(),
                e.detail.unwrap_or_default(),
            ],
        })
        .collect();
    page_with(
        status,
        &ListPage {
            c: Chrome::new(&info, Some(&s), lang.s("audit_trail")),
            new_href: Some("/admin/audit?verify=1".into()),
            new_label: lang.s("verify_chain").into(),
            action: "/admin/audit".into(),
            filters: vec![
                FilterView {
                    name: "code",
                    label: lang.s("event_code").into(),
                    options: codes,
                    value: get("code").unwrap_or_default(),
                },
                text_filter("actor", "actor"),
                text_filter("target", "target"),
                text_filter("from", "from"),
                text_filter("until", "until"),
            ],
            table: TableView {
                title: String::new(),
                columns: vec![
                    "#".into(),
                    lang.s("when").into(),
                    lang.s("event_code").into(),
                    lang.s("actor").into(),
                    lang.s("target").into(),
                    lang.s("address").into(),
                    lang.s("detail").into(),
                ],
                rows,
            },
            total: lang.int(events.total),
            page_label: format!("{} {} {} {}", lang.s("page"), page_no, lang.s("of"), pages),
            prev_href: (page_no > 1).then(|| link_to(page_no - 1)),
            next_href: (page_no < pages).then(|| link_to(page_no + 1)),
            notice: Some(notice),
            notice_bad: bad,
            restore_action: None,
            year_invalid: false,
        },
    )
}

/// The policy's page: the years, and what applying it now would erase (counts only: the
/// administrator does not see persons).
async fn retention_page(
    st: &AppState,
    s: &Session,
    info: &RequestInfo,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let lang = info.lang;
    let fail = |e: anyhow::Error| {
        tracing::error!(error = %e, "cannot read the retention policy");
        AppError::Internal
    };
    let years = spor_app::retention::years(st.store.as_ref())
        .await
        .map_err(fail)?;
    let cutoff = spor_app::retention::cutoff(years, st.now().date_naive());
    let plan = spor_app::retention::plan(st.store.as_ref(), cutoff)
        .await
        .map_err(fail)?;
    page_with(
        status,
        &RetentionPage {
            c: Chrome::new(info, Some(s), lang.s("retention_title")),
            years: years.to_string(),
            plan_text: lang.f(
                "retention_plan",
                &[
                    &plan.cutoff,
                    &plan.erase.len().to_string(),
                    &plan.held.len().to_string(),
                    &plan.without_records.len().to_string(),
                ],
            ),
            notice,
            error,
        },
    )
}

pub async fn retention(State(st): State<AppState>, Admin(s, info): Admin) -> PageResult {
    retention_page(&st, &s, &info, StatusCode::OK, None, None).await
}

/// Sets the policy (`op=years`) or applies it now (`op=apply`); both audited.
pub async fn save_retention(
    State(st): State<AppState>,
    RecentAdmin(s, info): RecentAdmin,
    Form(f): F,
) -> PageResult {
    let lang = info.lang;
    let now = st.now();
    if f.get("op").map(String::as_str) == Some("apply") {
        let plan =
            spor_app::retention::apply(st.store.as_ref(), actor(&s, &info), None, false, now)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot apply the retention policy");
                    AppError::Internal
                })?;
        let done = lang.f(
            "retention_done",
            &[&plan.erase.len().to_string(), &plan.held.len().to_string()],
        );
        return retention_page(&st, &s, &info, StatusCode::OK, Some(done), None).await;
    }
    let raw = f.get("years").map(|v| v.trim()).unwrap_or_default();
    let Ok(years) = spor_app::retention::parse_years(raw) else {
        let error = Some(lang.s("retention_bad_years").to_string());
        return retention_page(
            &st,
            &s,
            &info,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            error,
        )
        .await;
    };
    spor_app::retention::set_years(st.store.as_ref(), actor(&s, &info), years, now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot set the retention policy");
            AppError::Internal
        })?;
    Ok(Redirect::to("/admin/retention").into_response())
}
