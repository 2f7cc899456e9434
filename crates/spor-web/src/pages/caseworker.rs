//! Caseworker pages: decisions (with prepared returns), assessment interviews, hotline calls
//! and a person's records. Every view of person-level data is audited.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use spor_app::records::{self, Change, RESTORE_DAYS, Restored, Saved};
use spor_app::teams::{self, Access, BreakGlassError, GRANT_MINUTES, MAX_REASON_CHARS};
use spor_core::{CodeBook, ListId};
use spor_store::web::{
    ChangeContext, Record, RecordFilter, RecordKind, SearchKind, Versioned, WriteOutcome,
};

use super::{AppError, PageResult, encode_query, encode_segment, page, page_with};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::{Caseworker, RequestInfo, Session};
use crate::forms::{self, FormKind, column_label};
use crate::i18n::Lang;
use crate::views::{
    BreakGlassPage, ChangeView, Chrome, ConfirmPage, FilterView, FormPage, ListPage, MessagePage,
    RecordPage, RowView, TableView, TablesPage,
};

const PAGE_SIZE: i64 = 50;

/// What differs between the three kinds of record.
struct Spec {
    kind: RecordKind,
    form: FormKind,
    base: &'static str,
    list_title: (&'static str, &'static str),
    one_title: (&'static str, &'static str),
    new_key: &'static str,
    /// The columns that name a record when asking before deleting it.
    summary: &'static [&'static str],
    /// List, view, create, update, delete, restore.
    ev: [Event; 6],
}

const CASES: Spec = Spec {
    kind: RecordKind::Identification,
    form: FormKind::Decision,
    base: "/cases",
    list_title: ("Afgørelser", "Decisions"),
    one_title: ("Afgørelse", "Decision"),
    new_key: "new_case",
    summary: &["case_ref", "person_ref", "decision_date", "outcome"],
    ev: [
        Event::CaseList,
        Event::CaseView,
        Event::CaseCreate,
        Event::CaseUpdate,
        Event::CaseDelete,
        Event::CaseRestore,
    ],
};
const ASSESSMENTS: Spec = Spec {
    kind: RecordKind::Assessment,
    form: FormKind::Assessment,
    base: "/assessments",
    list_title: ("Udredende samtaler", "Assessment interviews"),
    one_title: ("Udredende samtale", "Assessment interview"),
    new_key: "new_assessment",
    summary: &["assessment_ref", "person_ref", "interview_date"],
    ev: [
        Event::AssessmentList,
        Event::AssessmentView,
        Event::AssessmentCreate,
        Event::AssessmentUpdate,
        Event::AssessmentDelete,
        Event::AssessmentRestore,
    ],
};
const CALLS: Spec = Spec {
    kind: RecordKind::HotlineCall,
    form: FormKind::Call,
    base: "/calls",
    list_title: ("Hotlineopkald", "Hotline calls"),
    one_title: ("Hotlineopkald", "Hotline call"),
    new_key: "new_call",
    summary: &["call_ref", "received_at", "caller_type"],
    ev: [
        Event::CallList,
        Event::CallView,
        Event::CallCreate,
        Event::CallUpdate,
        Event::CallDelete,
        Event::CallRestore,
    ],
};

fn tr(lang: Lang, (da, en): (&'static str, &'static str)) -> &'static str {
    if lang == Lang::En { en } else { da }
}

/// The code lists with the centre's additions: built once per set of additions (a list
/// page otherwise spent a tenth of its time copying the built-in lists).
async fn codebook(state: &AppState) -> Result<Arc<CodeBook>, AppError> {
    let additions = state.store.code_additions().await?;
    let mut kept = state
        .codes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((of, book)) = kept.as_ref()
        && *of == additions
    {
        return Ok(book.clone());
    }
    let book = Arc::new(CodeBook::with_additions(additions.clone()));
    *kept = Some((additions, book.clone()));
    Ok(book)
}

fn chrome(info: &RequestInfo, s: &Session, title: impl Into<String>) -> Chrome {
    Chrome::new(info, Some(s), title)
}

fn href(spec: &Spec, key: &str) -> String {
    format!("{}/{}", spec.base, encode_segment(key))
}

/// The page asking for the reason to reach `person` of another team; `back`: where to
/// go once access is given.
fn break_glass_page(
    info: &RequestInfo,
    s: &Session,
    status: StatusCode,
    person: &str,
    back: &str,
    error: Option<String>,
) -> PageResult {
    let lang = info.lang;
    page_with(
        status,
        &BreakGlassPage {
            c: chrome(info, s, lang.s("break_glass_title")),
            intro: lang.f("break_glass_intro", &[person, &GRANT_MINUTES.to_string()]),
            person: person.to_string(),
            back: back.to_string(),
            error,
            max: MAX_REASON_CHARS,
        },
    )
}

/// `None` if the caseworker may reach `person` (their team's, in no team, or granted to
/// this session); else the page asking for a reason (403), the refusal audited.
async fn guard(
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    person: Option<&str>,
    back: &str,
) -> Result<Option<axum::response::Response>, AppError> {
    let why = "another team's person: reason needed";
    match person {
        Some(p) if reason_needed(state, s, info, Some(p), why).await? => {
            break_glass_page(info, s, StatusCode::FORBIDDEN, p, back, None).map(Some)
        }
        _ => Ok(None),
    }
}

/// [`guard`] for a person's own pages (the identity form), back to the same page.
pub(super) async fn guard_person(
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    person: &str,
) -> Result<Option<axum::response::Response>, AppError> {
    guard(state, s, info, Some(person), &info.path).await
}

/// The form's error for a record of another team's person, not granted to the session.
fn another_teams_person(person: String) -> spor_import::validate::FieldError {
    spor_import::validate::FieldError {
        column: "person_ref".to_string(),
        value: person,
        expected: "a person of your team or in no team; for another team's person, open the \
                   person's page and state a reason first"
            .to_string(),
    }
}

/// Whether `person` is another team's, not granted to this session (the refusal audited).
async fn reason_needed(
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    person: Option<&str>,
    why: &str,
) -> Result<bool, AppError> {
    let Some(person) = person else {
        return Ok(false);
    };
    let access = teams::access(
        &*state.store,
        s.team.as_deref(),
        &s.id_hash,
        person,
        state.now(),
    )
    .await?;
    if access == Access::Allowed {
        return Ok(false);
    }
    let ev = audit::event(
        info,
        Some(&s.user),
        Event::AccessDenied,
        Some(person),
        Some(why.into()),
    );
    audit::record(state, ev).await?;
    Ok(true)
}

/// A path of this application to go back to (never another site).
fn local_path(back: &str) -> &str {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/"
    }
}

/// "Break glass": the reason for reaching another team's person, stated. Recorded in the
/// audit trail with the grant; the session may then reach the person for a while.
pub async fn break_glass(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Form(f): F,
) -> PageResult {
    let person = f.get("person").map(|p| p.trim()).unwrap_or_default();
    if person.is_empty() {
        return Err(AppError::BadRequest);
    }
    let back = local_path(f.get("back").map(String::as_str).unwrap_or("/")).to_string();
    let reason = f.get("reason").map(String::as_str).unwrap_or_default();
    let by = spor_app::audit::Actor {
        name: Some(&s.user),
        address: &info.address,
    };
    let lang = info.lang;
    let error = match teams::break_glass(&*st.store, by, &s.id_hash, person, reason, st.now()).await
    {
        Ok(()) => return Ok(Redirect::to(&back).into_response()),
        Err(BreakGlassError::NoReason) => lang.s("break_glass_no_reason").to_string(),
        Err(BreakGlassError::TooLong) => {
            lang.f("break_glass_too_long", &[&MAX_REASON_CHARS.to_string()])
        }
        Err(BreakGlassError::NoSession) => return Err(AppError::Forbidden),
        Err(BreakGlassError::Store(e)) => return Err(AppError::store(e)),
    };
    break_glass_page(
        &info,
        &s,
        StatusCode::UNPROCESSABLE_ENTITY,
        person,
        &back,
        Some(error),
    )
}

/// A call's time, stored with any offset, in Copenhagen time like the overview counts it.
fn call_time(value: &str) -> String {
    match spor_core::parse_timestamp(value) {
        Ok(t) => t
            .with_timezone(&chrono_tz::Europe::Copenhagen)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => value.replace('T', " "),
    }
}

/// A value as a record's page shows it: a code's label, "–" for an empty value, a call's
/// time in Copenhagen time, a date as stored (the words are `spor_core::labels`').
fn shown(lang: Lang, codes: &CodeBook, col: &str, value: &str) -> String {
    match col {
        "received_at" if !value.is_empty() => call_time(value),
        c if spor_core::labels::is_date(c) && !value.is_empty() => value.to_string(),
        c => spor_core::labels::value_text(codes, lang.words(), c, value),
    }
}

fn filter_of(q: &HashMap<String, String>) -> RecordFilter {
    let get = |k: &str| {
        q.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    RecordFilter {
        year: get("year")
            .and_then(|y| y.parse().ok())
            .filter(|y| (1900..=2200).contains(y)),
        form: get("form"),
        nationality: get("nationality"),
        outcome: get("outcome"),
        person_ref: get("person_ref"),
        team: None,
    }
}

fn select_filter(
    lang: Lang,
    codes: &CodeBook,
    name: &'static str,
    list: ListId,
    value: &str,
) -> FilterView {
    let mut entries: Vec<_> = codes.list(list).iter().collect();
    if list == ListId::Country {
        entries
            .sort_by_cached_key(|e| forms::sort_key(if lang == Lang::En { &e.en } else { &e.da }));
    }
    FilterView {
        name,
        label: column_label(lang, name).to_string(),
        options: entries
            .into_iter()
            .map(|e| forms::Opt {
                value: e.code.clone(),
                label: if lang == Lang::En {
                    e.en.clone()
                } else {
                    e.da.clone()
                },
                selected: e.code == value,
            })
            .collect(),
        value: value.to_string(),
    }
}

async fn list(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    q: &HashMap<String, String>,
) -> PageResult {
    let lang = info.lang;
    let codes = codebook(state).await?;
    let mut f = filter_of(q);
    f.team = s.team.clone();
    let typed = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    // A year or page that is not one is said so, not silently ignored.
    let bad_year = typed("year").filter(|_| f.year.is_none());
    let asked_page = typed("page");
    let page_no: i64 = asked_page
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let offset = (page_no - 1) * PAGE_SIZE;
    let val = |k: &str| q.get(k).cloned().unwrap_or_default();
    let year_filter = FilterView {
        name: "year",
        label: lang.s("year").into(),
        options: Vec::new(),
        value: val("year"),
    };
    let (cols, rows, total, filters): (Vec<&str>, Vec<RowView>, i64, Vec<FilterView>) =
        match spec.kind {
            RecordKind::Identification => {
                let p = state
                    .store
                    .list_identifications(&f, PAGE_SIZE, offset)
                    .await?;
                let cols = vec![
                    "case_ref",
                    "person_ref",
                    "decision_date",
                    "outcome",
                    "exploitation_form",
                    "nationality",
                    "return_date",
                ];
                let rows = rows_of(
                    spec,
                    lang,
                    &codes,
                    &cols,
                    p.items
                        .into_iter()
                        .map(|v| v.map_record(Record::Identification)),
                );
                let filters = vec![
                    year_filter,
                    select_filter(
                        lang,
                        &codes,
                        "exploitation_form",
                        ListId::ExploitationForm,
                        &val("form"),
                    ),
                    select_filter(
                        lang,
                        &codes,
                        "nationality",
                        ListId::Country,
                        &val("nationality"),
                    ),
                    select_filter(lang, &codes, "outcome", ListId::Outcome, &val("outcome")),
                ];
                (cols, rows, p.total, filters)
            }
            RecordKind::Assessment => {
                let p = state.store.list_assessments(&f, PAGE_SIZE, offset).await?;
                let cols = vec![
                    "assessment_ref",
                    "person_ref",
                    "interview_date",
                    "gender",
                    "age",
                    "nationality",
                ];
                let rows = rows_of(
                    spec,
                    lang,
                    &codes,
                    &cols,
                    p.items
                        .into_iter()
                        .map(|v| v.map_record(Record::Assessment)),
                );
                let filters = vec![
                    year_filter,
                    select_filter(
                        lang,
                        &codes,
                        "nationality",
                        ListId::Country,
                        &val("nationality"),
                    ),
                ];
                (cols, rows, p.total, filters)
            }
            RecordKind::HotlineCall => {
                let p = state
                    .store
                    .list_hotline_calls(&f, PAGE_SIZE, offset)
                    .await?;
                let cols = vec![
                    "call_ref",
                    "received_at",
                    "caller_type",
                    "concerns_possible_victim",
                    "topic",
                ];
                let rows = rows_of(
                    spec,
                    lang,
                    &codes,
                    &cols,
                    p.items
                        .into_iter()
                        .map(|v| v.map_record(Record::HotlineCall)),
                );
                (cols, rows, p.total, vec![year_filter])
            }
        };
    // The filter select for the form is named `form` in the query; fix the field name.
    let filters = filters
        .into_iter()
        .map(|mut fv| {
            if fv.name == "exploitation_form" {
                fv.name = "form";
            }
            fv
        })
        .collect();
    let detail = (!q.is_empty())
        .then(|| serde_json::to_string(q).ok())
        .flatten();
    let ev = audit::event(info, Some(&s.user), spec.ev[0], None, detail);
    audit::record(state, ev).await?;

    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link_to = |p: i64| {
        let mut parts: Vec<String> = q
            .iter()
            .filter(|(k, v)| !matches!(k.as_str(), "page" | "deleted") && !v.is_empty())
            .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
            .collect();
        parts.sort();
        parts.push(format!("page={p}"));
        format!("{}?{}", spec.base, parts.join("&"))
    };
    let mut c = chrome(info, s, tr(lang, spec.list_title));
    let mut restore_action = None;
    if let Some(k) = typed("deleted") {
        c.flash = Some(lang.f("was_deleted", &[tr(lang, spec.one_title), k]));
        restore_action = Some(format!("{}/restore", href(spec, k)));
    }
    let page_missing = asked_page.is_some_and(|p| {
        p.parse::<i64>()
            .ok()
            .filter(|n| (1..=pages).contains(n))
            .is_none()
    });
    let (status, notice) = if let Some(y) = bad_year {
        (StatusCode::BAD_REQUEST, Some(lang.f("bad_year", &[y])))
    } else if page_missing {
        let asked = asked_page.unwrap_or("");
        (
            StatusCode::NOT_FOUND,
            Some(lang.f("bad_page", &[asked, &pages.to_string()])),
        )
    } else {
        (StatusCode::OK, None)
    };
    page_with(
        status,
        &ListPage {
            c,
            new_href: Some(format!("{}/new", spec.base)),
            new_label: lang.s(spec.new_key).into(),
            action: spec.base.into(),
            filters,
            table: TableView {
                title: String::new(),
                columns: cols
                    .iter()
                    .map(|c| column_label(lang, c).to_string())
                    .collect(),
                rows,
            },
            total: lang.int(total),
            page_label: format!("{} {} {} {}", lang.s("page"), page_no, lang.s("of"), pages),
            prev_href: (page_no > 1).then(|| link_to((page_no - 1).min(pages))),
            next_href: (page_no < pages).then(|| link_to(page_no + 1)),
            notice_bad: notice.is_some(),
            notice,
            restore_action,
            year_invalid: bad_year.is_some(),
        },
    )
}

trait MapRecord {
    fn map_record<F: FnOnce(Self::Inner) -> Record>(self, f: F) -> Record;
    type Inner;
}

impl<T> MapRecord for Versioned<T> {
    type Inner = T;
    fn map_record<F: FnOnce(T) -> Record>(self, f: F) -> Record {
        f(self.record)
    }
}

fn rows_of(
    spec: &Spec,
    lang: Lang,
    codes: &CodeBook,
    cols: &[&str],
    items: impl Iterator<Item = Record>,
) -> Vec<RowView> {
    items
        .map(|r| {
            let fields = forms::record_fields(&r);
            let person = cols.iter().position(|c| *c == "person_ref").and_then(|i| {
                fields
                    .get("person_ref")
                    .map(|p| (i, format!("/persons/{}", encode_segment(p))))
            });
            RowView {
                extra_links: person.into_iter().collect(),
                link: Some(href(spec, r.key())),
                cells: cols
                    .iter()
                    .map(|c| {
                        shown(
                            lang,
                            codes,
                            c,
                            fields.get(*c).map(String::as_str).unwrap_or(""),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

async fn load(state: &AppState, spec: &Spec, key: &str) -> Result<Versioned<Record>, AppError> {
    state
        .store
        .record(spec.kind, key)
        .await?
        .ok_or(AppError::NotFound)
}

/// The fields of a record as label and shown value, in the form's order.
fn shown_fields(
    lang: Lang,
    codes: &CodeBook,
    cols: &[&str],
    record: &Record,
) -> Vec<(String, String)> {
    let fields = forms::record_fields(record);
    cols.iter()
        .map(|c| {
            (
                column_label(lang, c).to_string(),
                shown(
                    lang,
                    codes,
                    c,
                    fields.get(*c).map(String::as_str).unwrap_or(""),
                ),
            )
        })
        .collect()
}

/// A history entry as the page's language says it.
fn change_view(lang: Lang, codes: &CodeBook, c: &Change) -> ChangeView {
    ChangeView {
        version: c.version,
        action: action_label(lang, &c.action),
        actor: c.actor.clone(),
        at: super::local_time(&c.at),
        fields: summarise_change(lang, codes, c),
    }
}

fn action_label(lang: Lang, action: &str) -> String {
    match action {
        "create" => lang.s("action_create").into(),
        "update" => lang.s("action_update").into(),
        "delete" => lang.s("action_delete").into(),
        "restore" => lang.s("action_restore").into(),
        other => other.into(),
    }
}

/// "field: before → after" for each changed field, with labels and code labels.
fn summarise_change(lang: Lang, codes: &CodeBook, c: &Change) -> String {
    c.fields
        .iter()
        .map(|f| {
            format!(
                "{}: {} → {}",
                column_label(lang, &f.field),
                shown(lang, codes, &f.field, &f.before),
                shown(lang, codes, &f.field, &f.after)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn show(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
    q: &HashMap<String, String>,
) -> PageResult {
    let lang = info.lang;
    let codes = codebook(state).await?;
    // A deleted record is shown from its history, with the way back.
    let (record, deleted) = match state.store.record(spec.kind, key).await? {
        Some(v) => (v.record, None),
        None => match records::deleted(&*state.store, spec.kind, key).await? {
            Some(d) => (d.record.clone(), Some(d)),
            None => return Err(AppError::NotFound),
        },
    };
    if let Some(refused) = guard(state, s, info, teams::person_of(&record), &info.path).await? {
        return Ok(refused);
    }
    let history = records::history(&*state.store, spec.kind, key)
        .await?
        .iter()
        .map(|c| change_view(lang, &codes, c))
        .collect();
    let ev = audit::event(info, Some(&s.user), spec.ev[1], Some(key), None);
    audit::record(state, ev).await?;
    let person_href = forms::record_fields(&record)
        .get("person_ref")
        .map(|p| format!("/persons/{}", encode_segment(p)));
    let mut c = chrome(info, s, format!("{} {}", tr(lang, spec.one_title), key));
    c.flash = ["saved", "unchanged", "restored"]
        .into_iter()
        .find(|k| q.contains_key(*k))
        .map(|k| lang.s(k).to_string());
    let now = state.now();
    let (deleted_note, restore_action) = match &deleted {
        None => (None, None),
        Some(d) => {
            let when = super::local_time(&spor_store::web::stamp(d.at));
            let mut note = lang.f("deleted_note", &[&when, &d.actor]);
            note.push(' ');
            if d.restorable(now) {
                let until = super::local_time(&spor_store::web::stamp(d.restorable_until));
                note.push_str(&lang.f("restorable_until", &[&until]));
            } else {
                note.push_str(&lang.f("restore_too_late", &[&RESTORE_DAYS.to_string()]));
            }
            (
                Some(note),
                d.restorable(now)
                    .then(|| format!("{}/restore", href(spec, key))),
            )
        }
    };
    page(&RecordPage {
        c,
        fields: shown_fields(lang, &codes, spec.form.record_columns(), &record),
        edit_href: format!("{}/edit", href(spec, key)),
        return_href: (spec.kind == RecordKind::Identification)
            .then(|| format!("{}/return", href(spec, key))),
        person_href,
        delete_href: deleted
            .is_none()
            .then(|| format!("{}/delete", href(spec, key))),
        history,
        deleted: deleted_note,
        restore_action,
    })
}

#[derive(Default)]
struct FormState {
    key: Option<String>,
    status: StatusCode,
    values: BTreeMap<String, String>,
    errors: Vec<spor_import::validate::FieldError>,
    version: Option<i64>,
    conflict: bool,
    /// After a refused save: the other person's changes.
    theirs: Vec<Change>,
    notice: Option<String>,
    /// The identity part of a new decision or interview's form.
    identity: Option<TypedIdentity>,
}

/// The identity typed into the form of a new decision or interview (issue 23), kept through
/// every round trip of the form.
#[derive(Default)]
struct TypedIdentity {
    values: BTreeMap<&'static str, String>,
    errors: BTreeMap<&'static str, String>,
    /// Earlier persons who may be the same (nothing saved until the caseworker chooses).
    earlier: Vec<spor_app::identity::Duplicate>,
    problem: Option<String>,
}

/// Whether the form of a new record of this kind takes the person's identity: a decision
/// and an assessment interview name a person; a call does not.
fn takes_identity(spec: &Spec) -> bool {
    matches!(spec.form, FormKind::Decision | FormKind::Assessment)
}

/// The choice, after the warning of a person seen before, that this is another person.
const ANOTHER_PERSON: &str = "another";
/// The prefix of the choice that the record is the earlier person's (`earlier:REF`).
const EARLIER: &str = "earlier:";

fn identity_part(
    lang: Lang,
    state: &AppState,
    person: &str,
    typed: TypedIdentity,
) -> crate::views::IdentityPart {
    use crate::views::{IdentityField, IdentityPart};
    let fields = spor_core::identity::IDENTITY_FIELDS
        .iter()
        .map(|&name| IdentityField {
            name,
            label: super::identity::identity_label(lang, name),
            value: typed.values.get(name).cloned().unwrap_or_default(),
            hint: (name == "birth_date").then(|| lang.s("date_hint").to_string()),
            error: typed.errors.get(name).cloned(),
        })
        .collect();
    let earlier = super::identity::earlier_persons(lang, &typed.earlier);
    IdentityPart {
        available: state.config.master_key.is_some(),
        fields,
        earlier,
        another: lang.f("identity_choice_another", &[person]),
        problem: typed.problem,
    }
}

async fn form_page(
    spec: &Spec,
    kind: FormKind,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    fs: FormState,
) -> PageResult {
    let lang = info.lang;
    let codes = codebook(state).await?;
    let key = fs.key.as_deref();
    let retired = state.store.retired_codes().await?;
    let fields = forms::field_views(
        lang,
        &codes,
        &retired,
        kind,
        &fs.values,
        &fs.errors,
        key.is_some(),
    );
    let (title, action, cancel) = match (kind, key) {
        (FormKind::Return, Some(k)) => (
            format!("{} · {}", lang.s("prepared_return"), k),
            format!("{}/return", href(spec, k)),
            href(spec, k),
        ),
        (_, Some(k)) => (
            format!("{} {} · {}", tr(lang, spec.one_title), k, lang.s("edit")),
            format!("{}/edit", href(spec, k)),
            href(spec, k),
        ),
        (_, None) => (
            lang.s(spec.new_key).to_string(),
            format!("{}/new", spec.base),
            spec.base.to_string(),
        ),
    };
    let theirs = fs
        .theirs
        .iter()
        .map(|c| {
            format!(
                "{} ({}): {}",
                c.actor,
                super::local_time(&c.at),
                summarise_change(lang, &codes, c)
            )
        })
        .collect();
    let mut c = chrome(info, s, title);
    c.form_action = Some(action.clone());
    let person = fs.values.get("person_ref").cloned().unwrap_or_default();
    let identity = fs
        .identity
        .map(|typed| identity_part(lang, state, &person, typed));
    page_with(
        fs.status,
        &FormPage {
            c,
            reopen_href: fs.conflict.then(|| action.clone()),
            action,
            has_errors: !fs.errors.is_empty() || identity.as_ref().is_some_and(|i| i.has_errors()),
            identity,
            fields,
            version: fs.version,
            cancel_href: cancel,
            conflict: fs.conflict,
            theirs,
            notice: fs.notice,
        },
    )
}

fn blank(spec: &Spec, state: &AppState) -> BTreeMap<String, String> {
    let now = state.now().with_timezone(&chrono_tz::Europe::Copenhagen);
    let mut v = BTreeMap::new();
    match spec.kind {
        RecordKind::Identification => {
            v.insert("decision_date".into(), now.format("%Y-%m-%d").to_string());
            v.insert("authority".into(), "cmm".into());
        }
        RecordKind::Assessment => {
            v.insert("interview_date".into(), now.format("%Y-%m-%d").to_string());
        }
        RecordKind::HotlineCall => {
            v.insert(
                "received_at".into(),
                now.format("%Y-%m-%dT%H:%M:%S").to_string(),
            );
        }
    }
    v
}

fn ctx(state: &AppState, s: &Session, info: &RequestInfo, e: Event, key: &str) -> ChangeContext {
    ChangeContext {
        actor: s.user.clone(),
        at: state.now(),
        audit: audit::event(info, Some(&s.user), e, Some(key), None),
    }
}

/// What was typed in a form that could not be sent (an ended session, an expired form),
/// kept by the server under the `resume` token of the address.
fn resumed(
    state: &AppState,
    info: &RequestInfo,
    q: &HashMap<String, String>,
) -> Option<HashMap<String, String>> {
    let token = q.get("resume")?;
    state.stash.take(state.now(), token, &info.path)
}

async fn new_form(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    q: &HashMap<String, String>,
) -> PageResult {
    let kept_identity = |kept: &HashMap<String, String>| TypedIdentity {
        values: forms::posted_identity(kept),
        ..Default::default()
    };
    let (values, notice, identity) = match resumed(state, info, q) {
        Some(kept) => (
            forms::posted(spec.form, &kept),
            Some(info.lang.s("form_resumed").to_string()),
            kept_identity(&kept),
        ),
        None => (blank(spec, state), None, TypedIdentity::default()),
    };
    let fs = FormState {
        status: StatusCode::OK,
        values,
        notice,
        identity: takes_identity(spec).then_some(identity),
        ..Default::default()
    };
    form_page(spec, spec.form, state, s, info, fs).await
}

async fn create(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    form: HashMap<String, String>,
) -> PageResult {
    use spor_app::identity::{IdentityError, NewRecord, WithIdentity};
    let lang = info.lang;
    let mut values = forms::posted(spec.form, &form);
    let mut typed = takes_identity(spec).then(|| TypedIdentity {
        values: forms::posted_identity(&form),
        ..Default::default()
    });
    // After the warning of a person seen before: the record is the earlier person's (as
    // if their ref had been typed; their identity is registered already), or this is
    // another person.
    let choice = form
        .get("identity_choice")
        .map(String::as_str)
        .unwrap_or("");
    if let (Some(earlier), Some(t)) = (choice.strip_prefix(EARLIER), typed.as_mut()) {
        values.insert("person_ref".into(), earlier.to_string());
        t.values.values_mut().for_each(String::clear);
    }
    let person_ref = values.get("person_ref").map_or("", String::as_str);
    let checked = typed
        .as_ref()
        .map(|t| forms::identity_of(lang, person_ref, &t.values));
    let person = match (checked, typed.as_mut()) {
        (Some(Ok(p)), _) => p,
        (Some(Err(errors)), Some(t)) => {
            t.errors = errors;
            None
        }
        _ => None,
    };
    let identity_ok = typed.as_ref().is_none_or(|t| t.errors.is_empty());
    let codes = codebook(state).await?;
    let (status, errors) = match forms::validate(spec.form, &values, &codes) {
        // A record of another team's person is a way to reach them: it takes the same
        // stated reason as opening their records (what was typed is kept).
        Ok(r)
            if reason_needed(
                state,
                s,
                info,
                teams::person_of(&r),
                "a new record of another team's person: reason needed",
            )
            .await? =>
        {
            (
                StatusCode::FORBIDDEN,
                vec![another_teams_person(
                    teams::person_of(&r).unwrap_or_default().to_string(),
                )],
            )
        }
        Ok(_) if !identity_ok => (StatusCode::UNPROCESSABLE_ENTITY, Vec::new()),
        Ok(r) => {
            let by = spor_app::audit::Actor {
                name: Some(&s.user),
                address: &info.address,
            };
            let with = person.as_ref().map(|p| WithIdentity {
                person: p,
                confirmed: choice == ANOTHER_PERSON,
            });
            let outcome = spor_app::identity::create_record(
                &*state.store,
                by,
                state.config.master_key.as_ref(),
                &r,
                &ctx(state, s, info, spec.ev[2], r.key()),
                s.team.as_deref(),
                with,
            )
            .await;
            // Why nothing was saved: a field's error, or (not a field's fault) a problem said
            // in the identity part; everything typed is kept.
            let (status, errors, problem) = match outcome {
                Ok(NewRecord::Created) => {
                    return Ok(
                        Redirect::to(&format!("{}?saved=1", href(spec, r.key()))).into_response()
                    );
                }
                Ok(NewRecord::Exists) => (
                    StatusCode::CONFLICT,
                    vec![spor_import::validate::FieldError {
                        column: spec.form.key_column().to_string(),
                        value: r.key().to_string(),
                        expected: "a reference that no other record has".to_string(),
                    }],
                    None,
                ),
                Ok(NewRecord::MayBeEarlier(earlier)) => {
                    if let Some(t) = typed.as_mut() {
                        t.earlier = earlier;
                    }
                    (StatusCode::CONFLICT, Vec::new(), None)
                }
                Err(IdentityError::NoKey) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Vec::new(),
                    Some(lang.s("identity_no_key").to_string()),
                ),
                Err(IdentityError::WrongKey) => (
                    StatusCode::CONFLICT,
                    Vec::new(),
                    Some(lang.s("identity_wrong_key").to_string()),
                ),
                Err(IdentityError::Erased(at)) => (
                    StatusCode::CONFLICT,
                    Vec::new(),
                    Some(lang.f("identity_erased", &[&at])),
                ),
                Err(e) => {
                    // Nothing was written (one transaction). The error names no value.
                    tracing::error!(error = %e, "cannot register a new record with its identity");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        Vec::new(),
                        Some(lang.s("identity_not_saved").to_string()),
                    )
                }
            };
            if let Some(t) = typed.as_mut() {
                t.problem = problem;
            }
            (status, errors)
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let fs = FormState {
        status,
        values,
        errors,
        identity: typed,
        ..Default::default()
    };
    form_page(spec, spec.form, state, s, info, fs).await
}

async fn edit_form(
    spec: &Spec,
    kind: FormKind,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
    q: &HashMap<String, String>,
) -> PageResult {
    let v = load(state, spec, key).await?;
    if let Some(refused) = guard(state, s, info, teams::person_of(&v.record), &info.path).await? {
        return Ok(refused);
    }
    // The form shows the whole stored record: a view like its page, said which form.
    let form = if kind == FormKind::Return {
        "return form"
    } else {
        "edit form"
    };
    let ev = audit::event(
        info,
        Some(&s.user),
        spec.ev[1],
        Some(key),
        Some(form.into()),
    );
    audit::record(state, ev).await?;
    let mut fs = FormState {
        key: Some(key.to_string()),
        status: StatusCode::OK,
        values: forms::record_fields(&v.record),
        version: Some(v.version),
        ..Default::default()
    };
    if let Some(kept) = resumed(state, info, q) {
        // The version the form was opened at: a save over someone else's change since is
        // still refused.
        fs.version = kept
            .get("version")
            .and_then(|v| v.parse().ok())
            .or(fs.version);
        fs.values.extend(forms::posted(kind, &kept));
        fs.values
            .insert(spec.form.key_column().to_string(), key.to_string());
        fs.notice = Some(info.lang.s("form_resumed").to_string());
    }
    form_page(spec, kind, state, s, info, fs).await
}

async fn update(
    spec: &Spec,
    kind: FormKind,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
    form: HashMap<String, String>,
) -> PageResult {
    let current = load(state, spec, key).await?;
    let back = href(spec, key);
    if let Some(refused) = guard(state, s, info, teams::person_of(&current.record), &back).await? {
        return Ok(refused);
    }
    let version: i64 = form
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or(AppError::BadRequest)?;
    // A return form edits two fields of the decision; the rest stays as stored.
    let mut values = if kind == FormKind::Return {
        forms::record_fields(&current.record)
    } else {
        BTreeMap::new()
    };
    values.extend(forms::posted(kind, &form));
    values.insert(spec.form.key_column().to_string(), key.to_string());
    let codes = codebook(state).await?;
    let mut fs = FormState {
        key: Some(key.to_string()),
        version: Some(version),
        ..Default::default()
    };
    let moved_to = |r: &spor_store::web::Record| {
        teams::person_of(r)
            .filter(|p| Some(*p) != teams::person_of(&current.record))
            .map(str::to_string)
    };
    match forms::validate(spec.form, &values, &codes) {
        // Moving a record to another team's person takes a stated reason, as a new one does.
        Ok(r)
            if reason_needed(
                state,
                s,
                info,
                moved_to(&r).as_deref(),
                "a record moved to another team's person: reason needed",
            )
            .await? =>
        {
            fs.status = StatusCode::FORBIDDEN;
            fs.errors = vec![another_teams_person(moved_to(&r).unwrap_or_default())];
        }
        Ok(r) => {
            let c = ctx(state, s, info, spec.ev[3], key);
            let shown = |flag: &str| format!("{}?{flag}=1", href(spec, key));
            let saved = records::save(&*state.store, &r, version, &c).await?;
            // A person new to the register's teams joins the editor's, as on creation.
            if let (Saved::Changed(_), Some(person), Some(team)) =
                (&saved, moved_to(&r), s.team.as_deref())
            {
                state
                    .store
                    .claim_person_team(&person, team, &s.user, state.now())
                    .await
                    .map_err(AppError::store)?;
            }
            match saved {
                Saved::Changed(_) => return Ok(Redirect::to(&shown("saved")).into_response()),
                Saved::Unchanged => return Ok(Redirect::to(&shown("unchanged")).into_response()),
                Saved::Missing => return Err(AppError::NotFound),
                Saved::Conflict(theirs) => {
                    // The refusal shows what the other person stored: a view too.
                    let ev = audit::event(
                        info,
                        Some(&s.user),
                        spec.ev[1],
                        Some(key),
                        Some("edit conflict".into()),
                    );
                    audit::record(state, ev).await?;
                    fs.status = StatusCode::CONFLICT;
                    fs.conflict = true;
                    fs.theirs = theirs;
                }
            }
        }
        Err(errors) => {
            fs.status = StatusCode::UNPROCESSABLE_ENTITY;
            fs.errors = errors;
        }
    }
    fs.values = values;
    form_page(spec, kind, state, s, info, fs).await
}

/// Asks before deleting, naming the record.
async fn confirm_delete(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
) -> PageResult {
    let lang = info.lang;
    let v = load(state, spec, key).await?;
    if let Some(refused) = guard(state, s, info, teams::person_of(&v.record), &info.path).await? {
        return Ok(refused);
    }
    let codes = codebook(state).await?;
    let ev = audit::event(info, Some(&s.user), spec.ev[1], Some(key), None);
    audit::record(state, ev).await?;
    let what = tr(lang, spec.one_title).to_lowercase();
    page(&ConfirmPage {
        c: chrome(info, s, format!("{} · {}", lang.s("delete"), key)),
        question: lang.f("delete_question", &[&what, key]),
        details: shown_fields(lang, &codes, spec.summary, &v.record),
        hint: lang.f("delete_hint", &[&RESTORE_DAYS.to_string()]),
        action: format!("{}/delete", href(spec, key)),
        version: v.version,
        yes: lang.s("delete_yes").into(),
        cancel_href: href(spec, key),
    })
}

fn refusal(info: &RequestInfo, s: &Session, title: &str, message: String) -> PageResult {
    let c = chrome(info, s, title);
    page_with(StatusCode::CONFLICT, &MessagePage { c, message })
}

async fn delete(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
    form: HashMap<String, String>,
) -> PageResult {
    let current = load(state, spec, key).await?;
    let back = href(spec, key);
    if let Some(refused) = guard(state, s, info, teams::person_of(&current.record), &back).await? {
        return Ok(refused);
    }
    let version: i64 = form
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or(AppError::BadRequest)?;
    match state
        .store
        .delete_record(
            spec.kind,
            key,
            version,
            &ctx(state, s, info, spec.ev[4], key),
        )
        .await?
    {
        WriteOutcome::Done(_) => {
            Ok(
                Redirect::to(&format!("{}?deleted={}", spec.base, encode_query(key)))
                    .into_response(),
            )
        }
        WriteOutcome::Missing => Err(AppError::NotFound),
        _ => refusal(
            info,
            s,
            tr(info.lang, spec.one_title),
            info.lang.s("conflict").into(),
        ),
    }
}

/// Puts a deleted record back as it was.
async fn restore(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
) -> PageResult {
    let lang = info.lang;
    if let Some(d) = records::deleted(&*state.store, spec.kind, key).await?
        && let Some(refused) = guard(
            state,
            s,
            info,
            teams::person_of(&d.record),
            &href(spec, key),
        )
        .await?
    {
        return Ok(refused);
    }
    let c = ctx(state, s, info, spec.ev[5], key);
    let title = tr(lang, spec.one_title);
    match records::restore(&*state.store, spec.kind, key, &c).await? {
        Restored::Done(_) => {
            Ok(Redirect::to(&format!("{}?restored=1", href(spec, key))).into_response())
        }
        Restored::NotDeleted => Err(AppError::NotFound),
        Restored::TooLate => refusal(
            info,
            s,
            title,
            lang.f("restore_too_late", &[&RESTORE_DAYS.to_string()]),
        ),
        Restored::RefInUse => refusal(info, s, title, lang.s("ref_in_use").into()),
    }
}

type Q = Query<HashMap<String, String>>;
type F = Form<HashMap<String, String>>;

/// The pages of one record kind: thin handlers whose signatures name the caseworker role,
/// handing over to the shared functions above.
macro_rules! record_pages {
    ($spec:expr, $kind:expr;
     $list:ident, $new:ident, $create:ident, $show:ident, $edit:ident, $update:ident,
     $ask:ident, $delete:ident, $restore:ident) => {
        pub async fn $list(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Query(q): Q,
        ) -> PageResult {
            list(&$spec, &st, &s, &i, &q).await
        }
        pub async fn $new(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Query(q): Q,
        ) -> PageResult {
            new_form(&$spec, &st, &s, &i, &q).await
        }
        pub async fn $create(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Form(f): F,
        ) -> PageResult {
            create(&$spec, &st, &s, &i, f).await
        }
        pub async fn $show(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
            Query(q): Q,
        ) -> PageResult {
            show(&$spec, &st, &s, &i, &key, &q).await
        }
        pub async fn $edit(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
            Query(q): Q,
        ) -> PageResult {
            edit_form(&$spec, $kind, &st, &s, &i, &key, &q).await
        }
        pub async fn $update(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
            Form(f): F,
        ) -> PageResult {
            update(&$spec, $kind, &st, &s, &i, &key, f).await
        }
        pub async fn $ask(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
        ) -> PageResult {
            confirm_delete(&$spec, &st, &s, &i, &key).await
        }
        pub async fn $delete(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
            Form(f): F,
        ) -> PageResult {
            delete(&$spec, &st, &s, &i, &key, f).await
        }
        pub async fn $restore(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
        ) -> PageResult {
            restore(&$spec, &st, &s, &i, &key).await
        }
    };
}

record_pages!(CASES, FormKind::Decision;
    list_cases, new_case, create_case, show_case, edit_case, update_case, ask_delete_case,
    delete_case, restore_case);
record_pages!(ASSESSMENTS, FormKind::Assessment;
    list_assessments, new_assessment, create_assessment, show_assessment, edit_assessment,
    update_assessment, ask_delete_assessment, delete_assessment, restore_assessment);
record_pages!(CALLS, FormKind::Call;
    list_calls, new_call, create_call, show_call, edit_call, update_call, ask_delete_call,
    delete_call, restore_call);

/// The return of a decision: its own form on the case.
pub async fn edit_return(
    State(st): State<AppState>,
    Caseworker(s, i): Caseworker,
    Path(key): Path<String>,
    Query(q): Q,
) -> PageResult {
    edit_form(&CASES, FormKind::Return, &st, &s, &i, &key, &q).await
}
pub async fn update_return(
    State(st): State<AppState>,
    Caseworker(s, i): Caseworker,
    Path(key): Path<String>,
    Form(f): F,
) -> PageResult {
    update(&CASES, FormKind::Return, &st, &s, &i, &key, f).await
}

/// The search: persons, decisions, interviews and calls whose ref contains what was typed,
/// in any case. A single hit opens at once; none says so plainly.
pub async fn search(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Query(q): Q,
) -> PageResult {
    let lang = info.lang;
    let term = q
        .get("q")
        .or_else(|| q.get("person_ref"))
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    let c = chrome(&info, &s, lang.s("search_title"));
    if term.is_empty() {
        return page(&TablesPage {
            c,
            intro: None,
            search: Some(("/persons".into(), String::new())),
            tables: vec![],
        });
    }
    let hits = records::search(&*st.store, &term, s.team.as_deref()).await?;
    let ev = audit::event(&info, Some(&s.user), Event::RecordSearch, Some(&term), None);
    audit::record(&st, ev).await?;
    let href_of = |kind: SearchKind, key: &str| match kind {
        SearchKind::Person => format!("/persons/{}", encode_segment(key)),
        SearchKind::Record(k) => href(spec_of(k), key),
    };
    if let [only] = hits.as_slice() {
        return Ok(Redirect::to(&href_of(only.kind, &only.key)).into_response());
    }
    if hits.is_empty() {
        return page_with(
            StatusCode::NOT_FOUND,
            &TablesPage {
                c,
                intro: Some(lang.f("no_match", &[&term])),
                search: Some(("/persons".into(), term)),
                tables: vec![],
            },
        );
    }
    let rows = hits
        .iter()
        .map(|h| {
            let kind = match h.kind {
                SearchKind::Person => lang.s("person").to_string(),
                SearchKind::Record(k) => tr(lang, spec_of(k).one_title).to_string(),
            };
            let date = match h.kind {
                SearchKind::Record(RecordKind::HotlineCall) => call_time(&h.date),
                _ => h.date.clone(),
            };
            RowView {
                link: Some(href_of(h.kind, &h.key)),
                extra_links: h
                    .person
                    .as_ref()
                    .map(|p| (2, format!("/persons/{}", encode_segment(p))))
                    .into_iter()
                    .collect(),
                cells: vec![
                    h.key.clone(),
                    kind,
                    h.person.clone().unwrap_or_default(),
                    date,
                ],
            }
        })
        .collect();
    page(&TablesPage {
        c,
        intro: None,
        search: Some(("/persons".into(), term)),
        tables: vec![TableView {
            title: format!("{} ({})", lang.s("hits"), hits.len()),
            columns: vec![
                lang.s("reference").into(),
                lang.s("kind").into(),
                lang.s("person").into(),
                lang.s("date").into(),
            ],
            rows,
        }],
    })
}

/// The records behind one figure of the internal overview (issue 24, item 3): the cell
/// named by `r0`, `r1`, … (the row's keys from the top level down; none: the total) and
/// `col` of table `table` in `year`, each record with the fields that put it there; the
/// records of another team's persons counted but not shown. Audited.
pub async fn figure_records(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path((year, table)): Path<(i32, String)>,
    Query(q): Q,
) -> PageResult {
    use spor_app::trace::{TraceFailure, cell_records};
    let lang = info.lang;
    let row: Vec<&str> = (0..4)
        .map_while(|i| q.get(&format!("r{i}")).map(String::as_str))
        .collect();
    let Some(col) = q.get("col") else {
        return Err(AppError::BadRequest);
    };
    let snap = st.stats.snapshot().await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "cannot read the statistics");
        AppError::Internal
    })?;
    let found = cell_records(
        st.store.as_ref(),
        &snap.register,
        &snap.columns,
        year,
        &table,
        &row,
        col,
    )
    .await;
    let records = match found {
        Ok((_, records)) => records,
        Err(TraceFailure::Store(e)) => {
            tracing::error!(error = %format!("{e:#}"), "cannot read the records of a figure");
            return Err(AppError::Internal);
        }
        Err(e) => {
            let (status, message) = match e {
                TraceFailure::Changed => (
                    StatusCode::CONFLICT,
                    lang.s("figure_records_changed").to_string(),
                ),
                e => (StatusCode::BAD_REQUEST, e.to_string()),
            };
            let c = chrome(&info, &s, lang.s("figures_link"));
            return page_with(status, &MessagePage { c, message });
        }
    };
    let detail = format!(
        "{year} {table} [{}] {col}: {}",
        row.join(", "),
        records.len()
    );
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::FigureRecords,
        Some(&table),
        Some(detail),
    );
    audit::record(&st, ev).await?;
    let counted = records.len();
    let mut shown_records = Vec::with_capacity(counted);
    for r in records {
        let allowed = match teams::person_of(&r) {
            Some(p) => {
                teams::access(&*st.store, s.team.as_deref(), &s.id_hash, p, st.now()).await?
                    == Access::Allowed
            }
            None => true,
        };
        if allowed {
            shown_records.push(r);
        }
    }
    let hidden = counted - shown_records.len();
    let codes = codebook(&st).await?;
    // The records of one cell are all of the table's population: one kind.
    let kind = shown_records
        .first()
        .map_or(RecordKind::Identification, Record::kind);
    let cols: &[&str] = match kind {
        RecordKind::Identification => &[
            "case_ref",
            "person_ref",
            "decision_date",
            "outcome",
            "gender",
            "age",
            "nationality",
            "exploitation_form",
            "exploitation_subtype",
            "referral_actor",
            "authority",
            "return_date",
        ],
        RecordKind::Assessment => &[
            "assessment_ref",
            "person_ref",
            "interview_date",
            "gender",
            "age",
            "nationality",
        ],
        RecordKind::HotlineCall => &[
            "call_ref",
            "received_at",
            "caller_type",
            "concerns_possible_victim",
            "topic",
        ],
    };
    let edition = st
        .stats
        .edition(spor_app::EditionKey {
            year,
            public: false,
        })
        .await
        .ok()
        .and_then(Result::ok);
    let t = edition.as_ref().and_then(|e| e.report.tables.get(&table));
    let row_label = t
        .and_then(|t| {
            let mut rows = &t.rows;
            let mut label = None;
            for k in &row {
                let r = rows.iter().find(|r| r.key == *k)?;
                label = Some(r.label.clone());
                rows = &r.children;
            }
            label
        })
        .unwrap_or_else(|| lang.s("figures_total").to_string());
    let col_label = t
        .and_then(|t| {
            let c = t.column_keys.iter().position(|k| k == col)?;
            t.columns.get(c).cloned()
        })
        .unwrap_or_else(|| col.clone());
    let title = t.map_or_else(|| table.clone(), |t| t.title.clone());
    let mut intro = lang.f("figure_records_intro", &[&lang.int(counted as i64)]);
    if hidden > 0 {
        intro.push(' ');
        intro.push_str(&lang.f("figure_records_other_teams", &[&lang.int(hidden as i64)]));
    }
    page(&TablesPage {
        c: chrome(
            &info,
            &s,
            lang.f("figure_records_title", &[&title, &row_label, &col_label]),
        ),
        intro: Some(intro),
        search: None,
        tables: vec![TableView {
            title: String::new(),
            columns: cols
                .iter()
                .map(|c| column_label(lang, c).to_string())
                .collect(),
            rows: rows_of(spec_of(kind), lang, &codes, cols, shown_records.into_iter()),
        }],
    })
}

fn spec_of(kind: RecordKind) -> &'static Spec {
    match kind {
        RecordKind::Identification => &CASES,
        RecordKind::Assessment => &ASSESSMENTS,
        RecordKind::HotlineCall => &CALLS,
    }
}

/// All decisions and assessments of one person over the years (repeat victims).
pub async fn show_person(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path(key): Path<String>,
) -> PageResult {
    let lang = info.lang;
    if let Some(refused) = guard(&st, &s, &info, Some(&key), &info.path).await? {
        return Ok(refused);
    }
    let codes = codebook(&st).await?;
    let (ids, ass) = st.store.person_records(&key).await?;
    let ev = audit::event(&info, Some(&s.user), Event::PersonView, Some(&key), None);
    audit::record(&st, ev).await?;
    let icols = [
        "case_ref",
        "decision_date",
        "authority",
        "outcome",
        "exploitation_form",
        "nationality",
        "return_date",
    ];
    let acols = [
        "assessment_ref",
        "interview_date",
        "gender",
        "age",
        "nationality",
    ];
    let tables = vec![
        TableView {
            title: lang.s("decisions").into(),
            columns: icols
                .iter()
                .map(|c| column_label(lang, c).to_string())
                .collect(),
            rows: rows_of(
                &CASES,
                lang,
                &codes,
                &icols,
                ids.into_iter().map(Record::Identification),
            ),
        },
        TableView {
            title: lang.s("assessments").into(),
            columns: acols
                .iter()
                .map(|c| column_label(lang, c).to_string())
                .collect(),
            rows: rows_of(
                &ASSESSMENTS,
                lang,
                &codes,
                &acols,
                ass.into_iter().map(Record::Assessment),
            ),
        },
    ];
    let known = tables.iter().any(|t| !t.rows.is_empty());
    page_with(
        if known {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        &TablesPage {
            c: chrome(&info, &s, format!("{} {}", lang.s("person"), key)),
            intro: (!known).then(|| lang.f("no_person", &[&key])),
            search: Some(("/persons".into(), key.clone())),
            tables: {
                let mut t = if known { tables } else { Vec::new() };
                t.push(super::identity::link_table(lang, &key));
                t
            },
        },
    )
}

/// The whole register in the exchange format (one XLSX workbook): person-level, so only
/// for accounts with the `exporter` role, re-authenticated, and audited.
pub async fn export_register(
    State(st): State<AppState>,
    crate::auth::RecentExporter(s, info): crate::auth::RecentExporter,
) -> PageResult {
    // Written a chunk of records at a time: the register is never held whole.
    let (bytes, _) = spor_app::export::xlsx_bytes(st.store.as_ref())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot export the register");
            AppError::Internal
        })?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ExportDownload,
        None,
        Some("xlsx".into()),
    );
    audit::record(&st, ev).await?;
    let name = format!("spor-register-{}.xlsx", st.now().format("%Y-%m-%d"));
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
