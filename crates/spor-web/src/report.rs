//! The annual overview in the page and as downloads. Statistics come from `spor-stats`,
//! rendering from `spor-report`; this module only connects them to HTTP.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use spor_core::Register;

use crate::i18n::Lang;
use crate::pages::AppError;

/// The editions an analyst can download.
pub const FORMATS: &[&str] = &["json"];

/// The overview of `year` as HTML to show inside the page.
pub fn html_body(reg: &Register, year: i32, lang: Lang) -> String {
    let _ = (reg, year);
    format!("<p>{}</p>", lang.s("report_missing"))
}

/// One edition of the overview as a download.
pub fn download(reg: &Register, year: i32, format: &str) -> Result<Response, AppError> {
    let _ = reg;
    match format {
        "json" => {
            let body = serde_json::json!({ "year": year, "tables": {}, "facts": {} }).to_string();
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"oversigt-{year}.json\""),
                    ),
                ],
                body,
            )
                .into_response())
        }
        _ => Err(AppError::NotFound),
    }
}
