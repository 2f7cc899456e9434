//! Analyst pages: the dashboard of the current year and the annual overview. Analysts see
//! aggregates only, never a person-level record.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use chrono::Datelike;
use spor_core::ListId;

use super::{AppError, PageResult, page};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::Analyst;
use crate::dashboard;
use crate::forms::Opt;
use crate::i18n::Lang;
use crate::views::{Chrome, DashboardPage, OverviewPage, RowView, TableView};

pub async fn dashboard(State(st): State<AppState>, Analyst(s, info): Analyst) -> PageResult {
    let lang = info.lang;
    let reg = st.store.load_register().await?;
    let today = st
        .now()
        .with_timezone(&chrono_tz::Europe::Copenhagen)
        .date_naive();
    let f = dashboard::figures(&reg, today);
    let ev = audit::event(&info, Some(&s.user), Event::DashboardView, None, None);
    audit::record(&st, ev).await?;

    let table = |title: &str, list: ListId, rows: &[(String, u64)]| TableView {
        title: title.to_string(),
        columns: vec![String::new(), lang.s("count").to_string()],
        rows: rows
            .iter()
            .map(|(code, n)| RowView {
                extra_link: None,
                link: None,
                cells: vec![
                    if code.is_empty() {
                        lang.s("unknown").to_string()
                    } else {
                        lang.label(&reg.codes, list, code).to_string()
                    },
                    lang.int(*n as i64),
                ],
            })
            .collect(),
    };
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
    let this_year = today.year();
    let calls_title = lang.s("calls_per_month").to_string();
    let calls_chart = spor_report::svg::grouped_bars(
        &spor_report::svg::ChartText {
            id: "calls-month".into(),
            title: calls_title.clone(),
            desc: calls_title.clone(),
        },
        &months,
        &[
            spor_report::svg::Series {
                name: (this_year - 1).to_string(),
                values: f
                    .calls_per_month_last_year
                    .iter()
                    .map(|n| Some(*n))
                    .collect(),
            },
            spor_report::svg::Series {
                name: this_year.to_string(),
                values: f.calls_per_month.iter().map(|n| Some(*n)).collect(),
            },
        ],
    );
    let label_of = |list: ListId, code: &str| {
        if code.is_empty() {
            lang.s("unknown").to_string()
        } else {
            lang.label(&reg.codes, list, code).to_string()
        }
    };
    let nat_title = lang.s("by_nationality").to_string();
    let nat_chart = spor_report::svg::horizontal_bars(
        &spor_report::svg::ChartText {
            id: "nat".into(),
            title: nat_title.clone(),
            desc: nat_title.clone(),
        },
        &f.by_nationality
            .iter()
            .take(10)
            .map(|(c, n)| (label_of(ListId::Country, c), *n))
            .collect::<Vec<_>>(),
    );
    let charts = vec![(calls_title, calls_chart), (nat_title, nat_chart)];
    let change = if f.victims_last_year == 0 {
        String::new()
    } else {
        let pct =
            (f.victims as f64 - f.victims_last_year as f64) * 100.0 / f.victims_last_year as f64;
        let s = format!("{pct:+.1} %");
        if lang == Lang::Da {
            s.replace('.', ",")
        } else {
            s
        }
    };
    let date_label = if lang == Lang::Da {
        format!("{}.{}.", today.day(), today.month())
    } else {
        today.format("%d %b").to_string()
    };
    page(&DashboardPage {
        c: Chrome::new(&info, Some(&s), lang.s("dash_title")),
        year: today.year(),
        date_label,
        victims: lang.int(f.victims as i64),
        victims_last_year: lang.int(f.victims_last_year as i64),
        change,
        tables: vec![
            table(lang.s("by_form"), ListId::ExploitationForm, &f.by_form),
            table(lang.s("by_nationality"), ListId::Country, &f.by_nationality),
        ],
        charts,
        calls_total: lang.int(f.calls_per_month.iter().sum::<u64>() as i64),
    })
}

pub async fn overview(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let lang = info.lang;
    let reg = st.store.load_register().await?;
    let mut years = spor_stats::years_with_data(&reg);
    years.reverse();
    let year = q
        .get("year")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| years.contains(y))
        .or_else(|| {
            // The latest finished year with decisions: the edition being prepared.
            reg.identifications
                .iter()
                .map(|d| d.decision_date.year())
                .filter(|y| *y < st.now().year())
                .max()
        })
        .or_else(|| years.first().copied())
        .unwrap_or_else(|| st.now().year());
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportView,
        Some(&year.to_string()),
        None,
    );
    audit::record(&st, ev).await?;
    let (downloads, csv_tables, frame_src, message) = match crate::report::evaluate(&reg, year) {
        Ok(report) => (
            crate::report::FORMATS
                .iter()
                .map(|(f, label)| (label.to_string(), format!("/overview/{year}/download/{f}")))
                .collect(),
            report
                .tables
                .iter()
                .map(|(id, t)| (t.title.clone(), format!("/overview/{year}/csv/{id}")))
                .collect(),
            Some(format!("/overview/{year}/view")),
            None,
        ),
        Err(msg) => (vec![], vec![], None, Some(msg)),
    };
    page(&OverviewPage {
        c: Chrome::new(
            &info,
            Some(&s),
            format!("{} {}", lang.s("overview_title"), year),
        ),
        years: years
            .iter()
            .map(|y| Opt {
                value: y.to_string(),
                label: y.to_string(),
                selected: *y == year,
            })
            .collect(),
        downloads,
        csv_tables,
        frame_src,
        message,
    })
}

async fn report_of(
    st: &AppState,
    year: i32,
) -> Result<(spor_core::Register, spor_stats::Report), AppError> {
    let reg = st.store.load_register().await?;
    let report = crate::report::evaluate(&reg, year).map_err(|_| AppError::NotFound)?;
    Ok((reg, report))
}

/// The HTML edition for the frame of the overview page.
pub async fn view(
    State(st): State<AppState>,
    Analyst(_s, _info): Analyst,
    Path(year): Path<i32>,
) -> PageResult {
    let (reg, report) = report_of(&st, year).await?;
    crate::report::view(&report, &reg, st.now())
}

pub async fn download(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path((year, format)): Path<(i32, String)>,
) -> PageResult {
    if !crate::report::FORMATS.iter().any(|(f, _)| *f == format) {
        return Err(AppError::NotFound);
    }
    let (reg, report) = report_of(&st, year).await?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportDownload,
        Some(&year.to_string()),
        Some(format.clone()),
    );
    audit::record(&st, ev).await?;
    crate::report::download(&report, &reg, &format, st.now())
}

pub async fn table_csv(
    State(st): State<AppState>,
    Analyst(s, info): Analyst,
    Path((year, table)): Path<(i32, String)>,
) -> PageResult {
    let (_, report) = report_of(&st, year).await?;
    let res = crate::report::table_csv(&report, &table)?;
    let ev = audit::event(
        &info,
        Some(&s.user),
        Event::ReportDownload,
        Some(&year.to_string()),
        Some(format!("csv {table}")),
    );
    audit::record(&st, ev).await?;
    Ok(res)
}
