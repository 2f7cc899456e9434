//! Analyst pages: the dashboard of a year, the annual overview (internal and public) and
//! the public profile's risk report. Analysts see aggregates only, never a person-level
//! record. Every figure comes from the application layer's statistics, computed once per
//! state of the register.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use chrono::{Datelike, NaiveDate};
use spor_app::{Edition, EditionKey, Format};
use spor_core::ListId;
use spor_stats::{Dashboard, Table};

use super::{AppError, PageResult, page};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::Analyst;
use crate::forms::Opt;
use crate::i18n::Lang;
use crate::views::{
    Chrome, DashboardPage, ExchangeView, ExchangesPage, OverviewPage, RiskPage, RowView, TableView,
};

fn internal(e: anyhow::Error) -> AppError {
    tracing::error!(error = %format!("{e:#}"), "cannot compute the statistics");
    AppError::Internal
}

/// `?year=`: absent is `None`; anything but a year is a bad request.
/// The `year` asked for, else the latest finished year with data (the edition being
/// prepared), else the latest year with data, else this year.
fn year_or_latest(
    q: &HashMap<String, String>,
    years: &[i32],
    now_year: i32,
) -> Result<i32, AppError> {
    Ok(match year_param(q)? {
        Some(y) => y,
        None => years
            .iter()
            .rev()
            .find(|y| **y < now_year)
            .or(years.last())
            .copied()
            .unwrap_or(now_year),
    })
}

fn year_param(q: &HashMap<String, String>) -> Result<Option<i32>, AppError> {
    match q.get("year").map(|y| y.trim()).filter(|y| !y.is_empty()) {
        None => Ok(None),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .map(Some)
            .ok_or(AppError::BadRequest),
    }
}

/// `?profile=public` (or `internal`, the default).
fn public_param(q: &HashMap<String, String>) -> Result<bool, AppError> {
    match q.get("profile").map(String::as_str) {
        None | Some("") | Some("internal") => Ok(false),
        Some("public") => Ok(true),
        Some(_) => Err(AppError::BadRequest),
    }
}

fn year_options(years: &[i32], chosen: i32) -> Vec<Opt> {
    let mut years: Vec<i32> = years.to_vec();
    if !years.contains(&chosen) {
        years.push(chosen);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    years
        .into_iter()
        .map(|y| Opt {
            value: y.to_string(),
            label: y.to_string(),
            selected: y == chosen,
        })
        .collect()
}

/// A row's label in the page's language: the code list's English label where there is
/// one, else the table's (Danish) label.
fn row_label(lang: Lang, codes: &spor_core::CodeBook, list: ListId, key: &str, da: &str) -> String {
    if key == "unspecified" || key.is_empty() {
        return lang.s("unknown").to_string();
    }
    match lang {
        Lang::Da => da.to_string(),
        Lang::En => lang.label(codes, list, key).to_string(),
    }
}

/// A one-column table of the dashboard as a page table, headed by `head`.
fn count_table(
    lang: Lang,
    codes: &spor_core::CodeBook,
    title: &str,
    head: &str,
    list: ListId,
    t: Option<&Table>,
) -> TableView {
    TableView {
        title: title.to_string(),
        columns: vec![head.to_string(), lang.s("count").to_string()],
        rows: t
            .map(|t| t.rows.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|r| RowView {
                link: None,
                extra_links: Vec::new(),
                cells: vec![
                    row_label(lang, codes, list, &r.key, &r.label),
                    lang.int(r.values.first().copied().flatten().unwrap_or(0) as i64),
                ],
            })
            .collect(),
    }
}

fn date_label(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Da => format!("{}.{}.", d.day(), d.month()),
        Lang::En => d.format("%-d %b").to_string(),
    }
}

fn pct_label(lang: Lang, pct: Option<f64>) -> String {
    let Some(pct) = pct else {
        return String::new();
    };
    let s = format!("{pct:+.1} %");
    if lang == Lang::Da {
        s.replace('.', ",")
    } else {
        s
    }
}

/// The charts of a dashboard: calls per month of the year and the year before, and the
/// ten largest nationalities; a chart with nothing to draw is left out.
fn charts(lang: Lang, codes: &spor_core::CodeBook, d: &Dashboard) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(t) = d.table("calls_by_month")
        && t.total.iter().any(|v| v.unwrap_or(0) > 0)
    {
        let months: Vec<String> = if lang == Lang::En {
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ]
        } else {
            [
                "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
            ]
        }
        .iter()
        .map(|m| m.to_string())
        .collect();
        let series = t
            .column_keys
            .iter()
            .enumerate()
            .map(|(c, year)| spor_report::svg::Series {
                name: year.clone(),
                values: t.rows.iter().map(|r| r.values[c]).collect(),
            })
            .collect::<Vec<_>>();
        let title = lang.s("calls_per_month").to_string();
        let svg = spor_report::svg::grouped_bars(
            &spor_report::svg::ChartText {
                id: "calls-month".into(),
                title: title.clone(),
                desc: title.clone(),
            },
            &months,
            &series,
        );
        out.push((title, svg));
    }
    if let Some(t) = d.table("victims_by_nationality")
        && !t.rows.is_empty()
    {
        let title = lang.s("by_nationality").to_string();
        let bars: Vec<(String, u64)> = t
            .rows
            .iter()
            .take(10)
            .map(|r| {
                (
                    row_label(lang, codes, ListId::Country, &r.key, &r.label),
                    r.values.first().copied().flatten().unwrap_or(0),
                )
            })
            .collect();
        let svg = spor_report::svg::horizontal_bars(
            &spor_report::svg::ChartText {
                id: "nat".into(),
                title: title.clone(),
                desc: title.clone(),
            },
            &bars,
        );
        out.push((title, svg));
    }
    out
}

/// The dashboard of a year (`?year=`; by default the latest year with a decision): the
/// year's victims, up to today in the current year, beside the year before to the same
/// date, by form and nationality, and the hotline calls per month.
pub async fn dashboard(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let lang = info.lang;
    let snap = st.stats.snapshot().await.map_err(internal)?;
    let today = st
        .now()
        .with_timezone(&chrono_tz::Europe::Copenhagen)
        .date_naive();
    let year = year_param(&q)?
        .or(snap.latest_decision_year)
        .unwrap_or(today.year());
    let until = (year == today.year()).then_some(today);
    let dash = st.stats.dashboard(year, until).await.map_err(internal)?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::DashboardView,
        Some(&year.to_string()),
        None,
    );
    audit::record(&st, ev).await?;

    let codes = &snap.register.codes;
    let (figures, tables, charts, message) = match &dash {
        Ok(d) => (
            d.figures,
            vec![
                count_table(
                    lang,
                    codes,
                    lang.s("by_form"),
                    lang.s("form"),
                    ListId::ExploitationForm,
                    d.table("victims_by_form"),
                ),
                count_table(
                    lang,
                    codes,
                    lang.s("by_nationality"),
                    crate::forms::column_label(lang, "nationality"),
                    ListId::Country,
                    d.table("victims_by_nationality"),
                ),
            ],
            charts(lang, codes, d),
            None,
        ),
        Err(msg) => (
            spor_stats::dashboard::Figures::default(),
            vec![],
            vec![],
            Some(msg.clone()),
        ),
    };
    let n = |v: Option<u64>| lang.int(v.unwrap_or(0) as i64);
    let (victims_label, previous_label) = match until {
        Some(d) => (
            format!(
                "{} {year} ({})",
                lang.s("victims_so_far"),
                date_label(lang, d)
            ),
            format!("{} ({})", lang.s("same_date_last_year"), year - 1),
        ),
        None => (
            format!("{} {year}", lang.s("victims_in")),
            format!("{} {}", lang.s("victims_in"), year - 1),
        ),
    };
    page(&DashboardPage {
        c: Chrome::new(&info, Some(&s), lang.s("dash_title")),
        years: year_options(&snap.years, year),
        year,
        victims_label,
        previous_label,
        victims: n(figures.victims),
        victims_last_year: n(figures.victims_previous_year),
        change: pct_label(lang, figures.victims_change_pct),
        tables,
        charts,
        calls_total: n(figures.calls),
        message,
    })
}

/// The edition of a year, or 404 when there is none (no data that year; a public edition
/// that cannot be released).
async fn edition_of(st: &AppState, year: i32, public: bool) -> Result<Arc<Edition>, AppError> {
    st.stats
        .edition(EditionKey { year, public })
        .await
        .map_err(internal)?
        .map_err(|_| AppError::NotFound)
}

/// The edition of `year` rendered in `format` (once per state of the register).
async fn rendered(
    st: &AppState,
    year: i32,
    public: bool,
    format: Format,
) -> Result<(Arc<Edition>, Arc<Vec<u8>>), AppError> {
    let edition = edition_of(st, year, public).await?;
    let bytes = st
        .stats
        .rendered(EditionKey { year, public }, format, st.now())
        .await
        .map_err(internal)?
        .map_err(|_| AppError::Internal)?;
    Ok((edition, bytes))
}

fn profile_query(public: bool) -> &'static str {
    if public { "?profile=public" } else { "" }
}

pub async fn overview(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let lang = info.lang;
    let public = public_param(&q)?;
    let snap = st.stats.snapshot().await.map_err(internal)?;
    let year = year_or_latest(&q, &snap.years, st.now().year())?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportView,
        Some(&year.to_string()),
        public.then(|| "public".to_string()),
    );
    audit::record(&st, ev).await?;
    let pq = profile_query(public);
    let edition = st
        .stats
        .edition(EditionKey { year, public })
        .await
        .map_err(internal)?;
    let (downloads, csv_tables, frame_src, extra, message) = match edition {
        Ok(edition) => {
            let mut extra = Vec::new();
            if public {
                extra.push((
                    lang.s("manifest").to_string(),
                    format!("/overview/{year}/manifest"),
                ));
            }
            extra.push((
                lang.s("risk_report").to_string(),
                format!("/overview/{year}/risk"),
            ));
            (
                crate::report::FORMATS
                    .iter()
                    .map(|f| {
                        (
                            crate::report::label(*f).to_string(),
                            format!("/overview/{year}/download/{}{pq}", f.name()),
                        )
                    })
                    .collect(),
                edition
                    .report
                    .tables
                    .iter()
                    .map(|(id, t)| {
                        (
                            t.title.clone(),
                            format!("/overview/{year}/csv/{id}{pq}"),
                            (!public).then(|| format!("/overview/{year}/figures/{id}")),
                        )
                    })
                    .collect(),
                Some(format!("/overview/{year}/view{pq}")),
                extra,
                None,
            )
        }
        Err(msg) => (vec![], vec![], None, vec![], Some(msg)),
    };
    let profiles = [
        ("internal", "profile_internal"),
        ("public", "profile_public"),
    ]
    .into_iter()
    .map(|(value, key)| Opt {
        value: value.to_string(),
        label: lang.s(key).to_string(),
        selected: (value == "public") == public,
    })
    .collect();
    page(&OverviewPage {
        c: Chrome::new(
            &info,
            Some(&s),
            format!("{} {}", lang.s("overview_title"), year),
        ),
        years: year_options(&snap.years, year),
        profiles,
        downloads,
        csv_tables,
        frame_src,
        extra,
        message,
    })
}

/// The HTML edition for the frame of the overview page.
pub async fn view(
    State(st): State<AppState>,
    Analyst(_s, _info): Analyst,
    Path(year): Path<i32>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let (_, html) = rendered(&st, year, public_param(&q)?, Format::Html).await?;
    Ok(crate::report::view(&html))
}

pub async fn download(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path((year, format)): Path<(i32, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let format = Format::parse(&format)
        .filter(|f| crate::report::FORMATS.contains(f))
        .ok_or(AppError::NotFound)?;
    let public = public_param(&q)?;
    let (edition, bytes) = rendered(&st, year, public, format).await?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportDownload,
        Some(&year.to_string()),
        Some(format!(
            "{}{}",
            format.name(),
            if public { " public" } else { "" }
        )),
    );
    audit::record(&st, ev).await?;
    Ok(crate::report::download(&edition, format, &bytes))
}

pub async fn table_csv(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path((year, table)): Path<(i32, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let public = public_param(&q)?;
    let edition = edition_of(&st, year, public).await?;
    let res = crate::report::table_csv(&edition, &table)?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportDownload,
        Some(&year.to_string()),
        Some(format!(
            "csv {table}{}",
            if public { " public" } else { "" }
        )),
    );
    audit::record(&st, ev).await?;
    Ok(res)
}

/// One table of the internal overview with every figure a link to the records it counts
/// (issue 24, item 3), for users who may see records (caseworkers); plain figures for the
/// others.
pub async fn figures(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path((year, table)): Path<(i32, String)>,
) -> PageResult {
    let lang = info.lang;
    let edition = edition_of(&st, year, false).await?;
    let Some(t) = edition.report.tables.get(&table) else {
        return Err(AppError::NotFound);
    };
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportView,
        Some(&year.to_string()),
        Some(format!("figures {table}")),
    );
    audit::record(&st, ev).await?;
    let linked = s.has(crate::auth::Role::Caseworker);
    let base = format!(
        "/overview/{year}/figures/{}/records",
        super::encode_segment(&table)
    );
    let row_view = |label: String, path: &[&str], values: &[Option<u64>]| {
        let mut query: String = path
            .iter()
            .enumerate()
            .map(|(i, k)| format!("r{i}={}&", super::encode_query(k)))
            .collect();
        query.push_str("col=");
        RowView {
            link: None,
            extra_links: values
                .iter()
                .enumerate()
                .filter(|(_, v)| linked && v.is_some_and(|v| v > 0))
                .map(|(c, _)| {
                    (
                        c + 1,
                        format!("{base}?{query}{}", super::encode_query(&t.column_keys[c])),
                    )
                })
                .collect(),
            cells: std::iter::once(label)
                .chain(values.iter().map(|v| match v {
                    Some(v) => lang.int(*v as i64),
                    None => "–".to_owned(),
                }))
                .collect(),
        }
    };
    /// A row as shown: its (indented) label, its keys from the top, its values.
    type Flat<'a> = (String, Vec<&'a str>, &'a [Option<u64>]);
    fn walk<'a>(rows: &'a [spor_stats::Row], above: &[&'a str], out: &mut Vec<Flat<'a>>) {
        for r in rows {
            let mut path = above.to_vec();
            path.push(r.key.as_str());
            let indent = "– ".repeat(above.len());
            out.push((format!("{indent}{}", r.label), path.clone(), &r.values));
            walk(&r.children, &path, out);
        }
    }
    let mut flat = Vec::new();
    walk(&t.rows, &[], &mut flat);
    let mut rows: Vec<RowView> = flat
        .iter()
        .map(|(label, path, values)| row_view(label.clone(), path, values))
        .collect();
    rows.push(row_view(lang.s("figures_total").to_string(), &[], &t.total));
    page(&crate::views::TablesPage {
        c: Chrome::new(&info, Some(&s), t.title.clone()),
        intro: Some(
            lang.s(if linked {
                "figures_intro"
            } else {
                "figures_intro_plain"
            })
            .to_string(),
        ),
        search: None,
        tables: vec![TableView {
            title: String::new(),
            columns: std::iter::once(lang.s("figures_row").to_string())
                .chain(t.columns.iter().cloned())
                .collect(),
            rows,
        }],
    })
}

/// The public edition's release manifest.
pub async fn manifest(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path(year): Path<i32>,
) -> PageResult {
    let edition = edition_of(&st, year, true).await?;
    let res = crate::report::manifest(&edition)?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportDownload,
        Some(&year.to_string()),
        Some("manifest public".into()),
    );
    audit::record(&st, ev).await?;
    Ok(res)
}

/// The risk report of a year's victims and of the public profile's protection.
pub async fn risk(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path(year): Path<i32>,
) -> PageResult {
    let lang = info.lang;
    let risk = st.stats.risk(year).await.map_err(internal)?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportView,
        Some(&year.to_string()),
        Some("risk".into()),
    );
    audit::record(&st, ev).await?;
    let (summary, groups, tables, message) = match &risk {
        Ok(r) => {
            let rr = &r.risk;
            let summary = vec![
                (
                    lang.s("risk_victims").to_string(),
                    lang.int(rr.victims as i64),
                ),
                (
                    lang.s("risk_unique").to_string(),
                    lang.int(rr.unique as i64),
                ),
                (
                    lang.s("risk_small_groups").to_string(),
                    format!(
                        "{} / {}",
                        lang.int(rr.groups_below_threshold as i64),
                        lang.int(rr.groups as i64)
                    ),
                ),
                (
                    lang.s("risk_homogeneous").to_string(),
                    lang.int(rr.homogeneous.len() as i64),
                ),
            ];
            let mut summary = summary;
            if let Some(u) = &r.utility {
                let pct = |x: f64| {
                    let s = format!("{x:.1} %");
                    if lang == Lang::Da {
                        s.replace('.', ",")
                    } else {
                        s
                    }
                };
                summary.push((
                    lang.s("risk_hidden_cells").to_string(),
                    format!(
                        "{} / {} ({})",
                        lang.int(u.hidden as i64),
                        lang.int(u.cells as i64),
                        pct(u.hidden_cells_pct)
                    ),
                ));
                summary.push((
                    lang.s("risk_hidden_value").to_string(),
                    pct(u.hidden_value_pct),
                ));
            }
            let tables = match &r.public_profile {
                Ok(tables) => Some(TableView {
                    title: lang.s("risk_public_profile").to_string(),
                    columns: vec![
                        lang.s("table").to_string(),
                        lang.s("risk_cells").to_string(),
                        lang.s("risk_hidden_rule").to_string(),
                        lang.s("risk_hidden_partners").to_string(),
                    ],
                    rows: tables
                        .iter()
                        .map(|(id, p)| RowView {
                            link: None,
                            extra_links: Vec::new(),
                            cells: vec![
                                id.clone(),
                                lang.int(p.cells as i64),
                                lang.int(p.hidden_by_rule as i64),
                                lang.int(p.hidden_to_protect as i64),
                            ],
                        })
                        .collect(),
                }),
                Err(_) => None,
            };
            let refused = r.public_profile.as_ref().err().cloned();
            (summary, r.homogeneous_groups_da(), tables, refused)
        }
        Err(msg) => (vec![], vec![], None, Some(msg.clone())),
    };
    page(&RiskPage {
        c: Chrome::new(
            &info,
            Some(&s),
            format!("{} {}", lang.s("risk_report"), year),
        ),
        year,
        summary,
        groups,
        table: tables,
        message,
    })
}

/// The international exchanges of a year, each with a download per format.
pub async fn exchanges(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let lang = info.lang;
    let snap = st.stats.snapshot().await.map_err(internal)?;
    let year = year_or_latest(&q, &snap.years, st.now().year())?;
    let downloads = |prefix: &str, name: &str| -> Vec<(String, String)> {
        spor_app::exchange::Format::ALL
            .iter()
            .map(|f| {
                (
                    f.name().to_uppercase(),
                    format!("{prefix}/{name}/{year}/{}", f.name()),
                )
            })
            .collect()
    };
    let mut exchanges: Vec<ExchangeView> = spor_app::exchange::all()
        .iter()
        .map(|def| ExchangeView {
            title: def.title.replace("{year}", &year.to_string()),
            description: def.description.to_string(),
            downloads: downloads("/exchanges", def.name),
        })
        .collect();
    // Person-level: offered only to accounts allowed person-level exports.
    if s.has(crate::auth::Role::Exporter) {
        exchanges.extend(
            spor_app::microdata::PersonLevel::ALL
                .into_iter()
                .map(|p| ExchangeView {
                    title: p.title(year),
                    description: p.description().to_owned(),
                    downloads: downloads("/exchanges/person-level", p.name()),
                }),
        );
    }
    let message = (!snap.years.contains(&year)).then(|| lang.s("exchanges_no_data").to_string());
    page(&ExchangesPage {
        c: Chrome::new(
            &info,
            Some(&s),
            format!("{} {year}", lang.s("exchanges_title")),
        ),
        years: year_options(&snap.years, year),
        exchanges,
        message,
    })
}

/// One exchange of a year in one format, computed by the application layer with the
/// centre's mappings; audited as a download.
pub async fn exchange_download(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path((name, year, format)): Path<(String, i32, String)>,
) -> PageResult {
    let def = spor_app::exchange::find(&name).map_err(|_| AppError::NotFound)?;
    let format = spor_app::exchange::Format::parse(&format).ok_or(AppError::NotFound)?;
    let report = spor_app::exchange::of_statistics(&st.stats, st.store.as_ref(), def, year)
        .await
        .map_err(internal)?
        .map_err(|_| AppError::NotFound)?;
    let bytes = spor_app::exchange::render(&report, format, st.now()).map_err(internal)?;
    let (target, detail) = spor_app::exchange::audit_target(def.name, year, format);
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportDownload,
        Some(&target),
        Some(detail),
    );
    audit::record(&st, ev).await?;
    Ok(crate::report::file(
        format.content_type(),
        spor_app::exchange::file_name(def.name, year, format),
        bytes,
    ))
}

/// A person-level exchange (CTDC, HTCDS) of a year in one format: only for accounts allowed
/// person-level exports, re-authenticated (as the register's export); `?k=` sets the CTDC
/// file's k (at least 5). Audited as an export, with the rows, k, generalised and dropped.
pub async fn person_level_download(
    State(st): State<AppState>,
    crate::auth::RecentExporter(s, info): crate::auth::RecentExporter,
    Path((name, year, format)): Path<(String, i32, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let which = spor_app::microdata::PersonLevel::parse(&name).ok_or(AppError::NotFound)?;
    let format = spor_app::exchange::Format::parse(&format).ok_or(AppError::NotFound)?;
    let k = match q.get("k") {
        None => None,
        Some(k) => Some(
            k.parse::<usize>()
                .ok()
                .and_then(|k| spor_app::microdata::check_k(k).ok())
                .ok_or(AppError::BadRequest)?,
        ),
    };
    if k.is_some() && which != spor_app::microdata::PersonLevel::Ctdc {
        return Err(AppError::BadRequest);
    }
    let file = spor_app::microdata::of_statistics(&st.stats, st.store.as_ref(), which, year, k)
        .await
        .map_err(internal)?
        .map_err(|_| AppError::NotFound)?;
    let bytes = spor_app::microdata::render(&file, format, st.now()).map_err(internal)?;
    let (target, detail) = spor_app::microdata::audit_target(&file, format);
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ExportDownload,
        Some(&target),
        Some(detail),
    );
    audit::record(&st, ev).await?;
    Ok(crate::report::file(
        format.content_type(),
        spor_app::exchange::file_name(which.name(), year, format),
        bytes,
    ))
}
