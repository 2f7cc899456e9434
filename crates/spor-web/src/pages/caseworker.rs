//! Caseworker pages: decisions (with prepared returns), assessment interviews, hotline calls
//! and a person's records. Every view of person-level data is audited.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use spor_core::{CodeBook, ListId};
use spor_store::web::{ChangeContext, Record, RecordFilter, RecordKind, Versioned, WriteOutcome};

use super::{AppError, PageResult, encode_query, encode_segment, page, page_with};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::{Caseworker, RequestInfo, Session};
use crate::forms::{self, FormKind, column_label};
use crate::i18n::Lang;
use crate::views::{
    ChangeView, Chrome, FilterView, FormPage, ListPage, RecordPage, RowView, TableView, TablesPage,
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
    ev: [Event; 5],
}

const CASES: Spec = Spec {
    kind: RecordKind::Identification,
    form: FormKind::Decision,
    base: "/cases",
    list_title: ("Afgørelser", "Decisions"),
    one_title: ("Afgørelse", "Decision"),
    new_key: "new_case",
    ev: [
        Event::CaseList,
        Event::CaseView,
        Event::CaseCreate,
        Event::CaseUpdate,
        Event::CaseDelete,
    ],
};
const ASSESSMENTS: Spec = Spec {
    kind: RecordKind::Assessment,
    form: FormKind::Assessment,
    base: "/assessments",
    list_title: ("Udredende samtaler", "Assessment interviews"),
    one_title: ("Udredende samtale", "Assessment interview"),
    new_key: "new_assessment",
    ev: [
        Event::AssessmentList,
        Event::AssessmentView,
        Event::AssessmentCreate,
        Event::AssessmentUpdate,
        Event::AssessmentDelete,
    ],
};
const CALLS: Spec = Spec {
    kind: RecordKind::HotlineCall,
    form: FormKind::Call,
    base: "/calls",
    list_title: ("Hotlineopkald", "Hotline calls"),
    one_title: ("Hotlineopkald", "Hotline call"),
    new_key: "new_call",
    ev: [
        Event::CallList,
        Event::CallView,
        Event::CallCreate,
        Event::CallUpdate,
        Event::CallDelete,
    ],
};

fn tr(lang: Lang, (da, en): (&'static str, &'static str)) -> &'static str {
    if lang == Lang::En { en } else { da }
}

async fn codebook(state: &AppState) -> Result<CodeBook, AppError> {
    Ok(CodeBook::with_additions(
        state.store.code_additions().await?,
    ))
}

fn chrome(info: &RequestInfo, s: &Session, title: impl Into<String>) -> Chrome {
    Chrome::new(info, Some(s), title)
}

fn href(spec: &Spec, key: &str) -> String {
    format!("{}/{}", spec.base, encode_segment(key))
}

/// A code's label, or "not known" for an empty value.
fn shown(lang: Lang, codes: &CodeBook, col: &str, value: &str) -> String {
    if value.is_empty() {
        return "–".into();
    }
    let list = match col {
        "authority" => ListId::Authority,
        "outcome" => ListId::Outcome,
        "referral_actor" => ListId::ReferralActor,
        "exploitation_form" => ListId::ExploitationForm,
        "gender" => ListId::Gender,
        "nationality" | "return_country" => ListId::Country,
        "caller_type" => ListId::CallerType,
        "topic" => ListId::Topic,
        "exploitation_subtype" => {
            return codes
                .get(ListId::ForcedLabourSubtype, value)
                .or_else(|| codes.get(ListId::ForcedCriminalitySubtype, value))
                .map(|e| {
                    if lang == Lang::En {
                        e.en.clone()
                    } else {
                        e.da.clone()
                    }
                })
                .unwrap_or_else(|| value.to_string());
        }
        "concerns_possible_victim" => {
            return lang
                .s(if value == "true" { "yes" } else { "no" })
                .to_string();
        }
        "received_at" => return value.replace('T', " "),
        _ => return value.to_string(),
    };
    lang.label(codes, list, value).to_string()
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
        entries.sort_by_key(|e| forms::sort_key(if lang == Lang::En { &e.en } else { &e.da }));
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
    let f = filter_of(q);
    let page_no: i64 = q
        .get("page")
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
            .filter(|(k, v)| k.as_str() != "page" && !v.is_empty())
            .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
            .collect();
        parts.sort();
        parts.push(format!("page={p}"));
        format!("{}?{}", spec.base, parts.join("&"))
    };
    let mut c = chrome(info, s, tr(lang, spec.list_title));
    if q.contains_key("deleted") {
        c.flash = Some(lang.s("deleted").into());
    }
    page(&ListPage {
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
        prev_href: (page_no > 1).then(|| link_to(page_no - 1)),
        next_href: (page_no < pages).then(|| link_to(page_no + 1)),
        notice: None,
        notice_bad: false,
    })
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
                extra_link: person,
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

async fn show(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
) -> PageResult {
    let lang = info.lang;
    let v = load(state, spec, key).await?;
    let codes = codebook(state).await?;
    let fields = forms::record_fields(&v.record);
    let shown_fields = spec
        .form
        .record_columns()
        .iter()
        .map(|c| {
            (
                column_label(lang, c).to_string(),
                shown(
                    lang,
                    &codes,
                    c,
                    fields.get(*c).map(String::as_str).unwrap_or(""),
                ),
            )
        })
        .collect();
    let history = state
        .store
        .record_changes(spec.kind, key)
        .await?
        .into_iter()
        .map(|h| ChangeView {
            version: h.version,
            action: h.action,
            actor: h.actor,
            at: super::local_time(&h.at),
            fields: summarise_change(lang, &h.fields),
        })
        .collect();
    let ev = audit::event(info, Some(&s.user), spec.ev[1], Some(key), None);
    audit::record(state, ev).await?;
    let person_href = fields
        .get("person_ref")
        .map(|p| format!("/persons/{}", encode_segment(p)));
    let c = chrome(info, s, format!("{} {}", tr(lang, spec.one_title), key));
    page(&RecordPage {
        c,
        fields: shown_fields,
        edit_href: format!("{}/edit", href(spec, key)),
        return_href: (spec.kind == RecordKind::Identification)
            .then(|| format!("{}/return", href(spec, key))),
        person_href,
        delete_action: format!("{}/delete", href(spec, key)),
        version: v.version,
        history,
    })
}

/// "field: before → after" for each changed field.
fn summarise_change(lang: Lang, json: &str) -> String {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(json) else {
        return String::new();
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "–".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    m.iter()
        .map(|(k, v)| {
            let (b, a) = match v {
                serde_json::Value::Array(x) if x.len() == 2 => (text(&x[0]), text(&x[1])),
                _ => ("–".into(), "–".into()),
            };
            format!("{}: {} → {}", column_label(lang, k), b, a)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Default)]
struct FormState {
    key: Option<String>,
    status: StatusCode,
    values: BTreeMap<String, String>,
    errors: Vec<spor_import::validate::FieldError>,
    version: Option<i64>,
    conflict: bool,
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
    let fields = forms::field_views(lang, &codes, kind, &fs.values, &fs.errors, key.is_some());
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
    page_with(
        fs.status,
        &FormPage {
            c: chrome(info, s, title),
            action,
            has_errors: !fs.errors.is_empty(),
            fields,
            version: fs.version,
            cancel_href: cancel,
            conflict: fs.conflict,
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

async fn new_form(spec: &Spec, state: &AppState, s: &Session, info: &RequestInfo) -> PageResult {
    let fs = FormState {
        status: StatusCode::OK,
        values: blank(spec, state),
        errors: vec![],
        version: None,
        conflict: false,
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
    let values = forms::posted(spec.form, &form);
    let codes = codebook(state).await?;
    match forms::validate(spec.form, &values, &codes) {
        Ok(r) => match state
            .store
            .create_record(&r, &ctx(state, s, info, spec.ev[2], r.key()))
            .await?
        {
            WriteOutcome::Done(_) => Ok(Redirect::to(&href(spec, r.key())).into_response()),
            _ => {
                let errors = vec![spor_import::validate::FieldError {
                    column: spec.form.key_column().to_string(),
                    value: r.key().to_string(),
                    expected: "a reference that no other record has".to_string(),
                }];
                let fs = FormState {
                    values,
                    errors,
                    version: None,
                    conflict: false,
                    ..Default::default()
                };
                form_page(
                    spec,
                    spec.form,
                    state,
                    s,
                    info,
                    FormState {
                        key: None,
                        status: StatusCode::CONFLICT,
                        ..fs
                    },
                )
                .await
            }
        },
        Err(errors) => {
            let fs = FormState {
                values,
                errors,
                version: None,
                conflict: false,
                ..Default::default()
            };
            form_page(
                spec,
                spec.form,
                state,
                s,
                info,
                FormState {
                    key: None,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    ..fs
                },
            )
            .await
        }
    }
}

async fn edit_form(
    spec: &Spec,
    kind: FormKind,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
) -> PageResult {
    let v = load(state, spec, key).await?;
    let fs = FormState {
        values: forms::record_fields(&v.record),
        errors: vec![],
        version: Some(v.version),
        conflict: false,
        ..Default::default()
    };
    form_page(
        spec,
        kind,
        state,
        s,
        info,
        FormState {
            key: Some(key.to_string()),
            status: StatusCode::OK,
            ..fs
        },
    )
    .await
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
    let shown_values = |values: &BTreeMap<String, String>| values.clone();
    match forms::validate(spec.form, &values, &codes) {
        Ok(r) => match state
            .store
            .update_record(&r, version, &ctx(state, s, info, spec.ev[3], key))
            .await?
        {
            WriteOutcome::Done(_) => Ok(Redirect::to(&href(spec, key)).into_response()),
            WriteOutcome::Missing => Err(AppError::NotFound),
            _ => {
                let fs = FormState {
                    values: shown_values(&values),
                    errors: vec![],
                    version: Some(version),
                    conflict: true,
                    ..Default::default()
                };
                form_page(
                    spec,
                    kind,
                    state,
                    s,
                    info,
                    FormState {
                        key: Some(key.to_string()),
                        status: StatusCode::CONFLICT,
                        ..fs
                    },
                )
                .await
            }
        },
        Err(errors) => {
            let fs = FormState {
                values: shown_values(&values),
                errors,
                version: Some(version),
                conflict: false,
                ..Default::default()
            };
            form_page(
                spec,
                kind,
                state,
                s,
                info,
                FormState {
                    key: Some(key.to_string()),
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    ..fs
                },
            )
            .await
        }
    }
}

async fn delete(
    spec: &Spec,
    state: &AppState,
    s: &Session,
    info: &RequestInfo,
    key: &str,
    form: HashMap<String, String>,
) -> PageResult {
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
            Ok(Redirect::to(&format!("{}?deleted=1", spec.base)).into_response())
        }
        WriteOutcome::Missing => Err(AppError::NotFound),
        _ => {
            let mut c = chrome(info, s, tr(info.lang, spec.one_title));
            c.flash = None;
            page_with(
                StatusCode::CONFLICT,
                &crate::views::MessagePage {
                    c,
                    message: info.lang.s("conflict").into(),
                },
            )
        }
    }
}

type Q = Query<HashMap<String, String>>;
type F = Form<HashMap<String, String>>;

/// The seven pages of one record kind: thin handlers whose signatures name the caseworker
/// role, handing over to the shared functions above.
macro_rules! record_pages {
    ($spec:expr, $kind:expr;
     $list:ident, $new:ident, $create:ident, $show:ident, $edit:ident, $update:ident, $delete:ident) => {
        pub async fn $list(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Query(q): Q,
        ) -> PageResult {
            list(&$spec, &st, &s, &i, &q).await
        }
        pub async fn $new(State(st): State<AppState>, Caseworker(s, i): Caseworker) -> PageResult {
            new_form(&$spec, &st, &s, &i).await
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
        ) -> PageResult {
            show(&$spec, &st, &s, &i, &key).await
        }
        pub async fn $edit(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
        ) -> PageResult {
            edit_form(&$spec, $kind, &st, &s, &i, &key).await
        }
        pub async fn $update(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
            Form(f): F,
        ) -> PageResult {
            update(&$spec, $kind, &st, &s, &i, &key, f).await
        }
        pub async fn $delete(
            State(st): State<AppState>,
            Caseworker(s, i): Caseworker,
            Path(key): Path<String>,
            Form(f): F,
        ) -> PageResult {
            delete(&$spec, &st, &s, &i, &key, f).await
        }
    };
}

record_pages!(CASES, FormKind::Decision;
    list_cases, new_case, create_case, show_case, edit_case, update_case, delete_case);
record_pages!(ASSESSMENTS, FormKind::Assessment;
    list_assessments, new_assessment, create_assessment, show_assessment, edit_assessment,
    update_assessment, delete_assessment);
record_pages!(CALLS, FormKind::Call;
    list_calls, new_call, create_call, show_call, edit_call, update_call, delete_call);

/// The return of a decision: its own form on the case.
pub async fn edit_return(
    State(st): State<AppState>,
    Caseworker(s, i): Caseworker,
    Path(key): Path<String>,
) -> PageResult {
    edit_form(&CASES, FormKind::Return, &st, &s, &i, &key).await
}
pub async fn update_return(
    State(st): State<AppState>,
    Caseworker(s, i): Caseworker,
    Path(key): Path<String>,
    Form(f): F,
) -> PageResult {
    update(&CASES, FormKind::Return, &st, &s, &i, &key, f).await
}

/// The person search: a `person_ref` goes straight to that person's page.
pub async fn find_person(Caseworker(s, info): Caseworker, Query(q): Q) -> PageResult {
    if let Some(p) = q
        .get("person_ref")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        return Ok(Redirect::to(&format!("/persons/{}", encode_segment(p))).into_response());
    }
    page(&TablesPage {
        c: chrome(&info, &s, info.lang.s("nav_persons")),
        intro: None,
        search: Some(("/persons".into(), String::new())),
        tables: vec![],
    })
}

/// All decisions and assessments of one person over the years (repeat victims).
pub async fn show_person(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
    Path(key): Path<String>,
) -> PageResult {
    let lang = info.lang;
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
    page(&TablesPage {
        c: chrome(&info, &s, format!("{} {}", lang.s("person"), key)),
        intro: None,
        search: Some(("/persons".into(), key.clone())),
        tables,
    })
}

/// The whole register in the exchange format (one XLSX workbook): person-level, so for
/// caseworkers only, and audited.
pub async fn export_register(
    State(st): State<AppState>,
    Caseworker(s, info): Caseworker,
) -> PageResult {
    let reg = st.store.load_register().await?;
    let bytes = spor_import::export::xlsx_bytes(&reg).map_err(|e| {
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
