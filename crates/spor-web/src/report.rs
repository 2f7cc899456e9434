//! The annual overview in the page and as downloads: editions come from the application
//! layer ([`spor_app::Edition`]); this module only connects them to HTTP.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use spor_app::{Edition, Format};

use crate::pages::AppError;

/// The one-file editions an analyst can download, in the order offered.
pub const FORMATS: [Format; 4] = [Format::Html, Format::Pdf, Format::Xlsx, Format::Json];

/// The label of a format's download button.
pub fn label(format: Format) -> &'static str {
    match format {
        Format::Html => "HTML",
        Format::Pdf => "PDF",
        Format::Xlsx => "XLSX",
        Format::Json => "JSON",
        Format::Csv => "CSV",
    }
}

fn render_failed(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "cannot render the overview");
    AppError::Internal
}

/// A download's file name: `oversigt-2023.pdf`, `oversigt-2023-offentlig.pdf`.
fn file_name(edition: &Edition, ext: &str) -> String {
    let y = edition.year();
    if edition.is_public() {
        format!("oversigt-{y}-offentlig.{ext}")
    } else {
        format!("oversigt-{y}.{ext}")
    }
}

pub(crate) fn file(content_type: &str, name: String, body: Vec<u8>) -> Response {
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
pub fn view(html: &[u8]) -> Response {
    let mut res = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html.to_vec(),
    )
        .into_response();
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
    res
}

/// One edition of the overview, rendered in `format`, as a download.
pub fn download(edition: &Edition, format: Format, bytes: &[u8]) -> Response {
    file(
        format.content_type(),
        file_name(edition, format.name()),
        bytes.to_vec(),
    )
}

/// One table of the overview as CSV (semicolon-separated, as Danish spreadsheets expect).
pub fn table_csv(edition: &Edition, id: &str) -> Result<Response, AppError> {
    let bytes = edition
        .table_csv(id)
        .map_err(render_failed)?
        .ok_or(AppError::NotFound)?;
    let y = edition.year();
    let name = if edition.is_public() {
        format!("{id}-{y}-offentlig.csv")
    } else {
        format!("{id}-{y}.csv")
    };
    Ok(file(Format::Csv.content_type(), name, bytes))
}

/// The public edition's release manifest (policy, what was hidden and recoded, and the
/// audit's bounds for each hidden cell), as JSON.
pub fn manifest(edition: &Edition) -> Result<Response, AppError> {
    let manifest = edition
        .manifest(&[])
        .map_err(render_failed)?
        .ok_or(AppError::NotFound)?;
    let mut text = serde_json::to_string_pretty(&manifest).map_err(render_failed)?;
    text.push('\n');
    Ok(file(
        Format::Json.content_type(),
        format!("manifest-{}.json", edition.year()),
        text.into_bytes(),
    ))
}
