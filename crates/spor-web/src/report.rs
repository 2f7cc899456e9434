//! The annual overview in the page and as downloads. Statistics come from `spor-stats`,
//! rendering from `spor-report` and `spor-pdf`; this module only connects them to HTTP.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use spor_core::Register;
use spor_stats::Report;

use crate::pages::AppError;

/// The editions an analyst can download, as `(format, label)`.
pub const FORMATS: &[(&str, &str)] = &[
    ("html", "HTML"),
    ("pdf", "PDF"),
    ("xlsx", "XLSX"),
    ("json", "JSON"),
];

/// The overview of `year`, or why there is none (a message for the page).
pub fn evaluate(reg: &Register, year: i32) -> Result<Report, String> {
    spor_stats::evaluate(reg, year).map_err(|e| e.to_string())
}

fn meta(reg: &Register, now: chrono::DateTime<chrono::Utc>) -> spor_report::Meta {
    spor_report::Meta::new(now, reg.last_change)
}

fn render_failed(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "cannot render the overview");
    AppError::Internal
}

fn file(content_type: &str, name: String, body: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The HTML edition shown inside the overview page (in a frame: it is a whole document
/// with its own stylesheet). Its own CSP allows only its inline CSS and SVG.
pub fn view(
    report: &Report,
    reg: &Register,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Response, AppError> {
    let html = spor_report::html::render(report, &meta(reg, now)).map_err(render_failed)?;
    let mut res = (StatusCode::OK, axum::response::Html(html)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
        ),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    Ok(res)
}

/// One edition of the overview as a download.
pub fn download(
    report: &Report,
    reg: &Register,
    format: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Response, AppError> {
    let y = report.year;
    let m = meta(reg, now);
    Ok(match format {
        "html" => {
            let html = spor_report::html::render(report, &m).map_err(render_failed)?;
            file(
                "text/html; charset=utf-8",
                format!("oversigt-{y}.html"),
                html.into_bytes(),
            )
        }
        "pdf" => {
            let pdf = spor_pdf::render(report, &m).map_err(render_failed)?;
            file("application/pdf", format!("oversigt-{y}.pdf"), pdf)
        }
        "xlsx" => {
            let bytes = spor_report::xlsx::to_bytes(report, &m).map_err(render_failed)?;
            file(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("oversigt-{y}.xlsx"),
                bytes,
            )
        }
        "json" => {
            let mut text = serde_json::to_string_pretty(report).map_err(render_failed)?;
            text.push('\n');
            file(
                "application/json",
                format!("oversigt-{y}.json"),
                text.into_bytes(),
            )
        }
        _ => return Err(AppError::NotFound),
    })
}

/// One table of the overview as CSV (semicolon-separated, as Danish spreadsheets expect).
pub fn table_csv(report: &Report, id: &str) -> Result<Response, AppError> {
    if !report.tables.contains_key(id) {
        return Err(AppError::NotFound);
    }
    let bytes = spor_report::csv::table_csv(report, id).map_err(render_failed)?;
    Ok(file(
        "text/csv; charset=utf-8",
        format!("{id}-{}.csv", report.year),
        bytes,
    ))
}
