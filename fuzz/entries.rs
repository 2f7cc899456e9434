//! What one fuzz input goes through, target by target. The cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`) and the workspace test that runs every target's seed corpus
//! and the hostile inputs (`crates/spor/tests/fuzz_inputs.rs`) both include this file, so
//! CI runs exactly what the fuzzer runs.
//!
//! Each function returns what became of the input: taken, or refused with messages that
//! name the place. A panic anywhere in here is a defect (the fuzzer reports it as a crash);
//! so is a refusal without a message: the functions check that themselves.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::OnceLock;

use spor_core::CodeBook;

/// What became of one input: how many of the parsers it went through took it, and what
/// the others said (each message names its place).
#[derive(Debug, Default)]
pub struct Outcome {
    pub taken: usize,
    pub refused: Vec<String>,
}

impl Outcome {
    fn accepted() -> Outcome {
        Outcome {
            taken: 1,
            refused: Vec::new(),
        }
    }

    fn refused(messages: Vec<String>) -> Outcome {
        Outcome {
            taken: 0,
            refused: messages,
        }
    }

    pub fn is_accepted(&self) -> bool {
        self.taken > 0
    }

    pub fn messages(&self) -> &[String] {
        &self.refused
    }
}

fn codes() -> &'static CodeBook {
    static CODES: OnceLock<CodeBook> = OnceLock::new();
    CODES.get_or_init(CodeBook::builtin)
}

fn import_outcome(
    name: &str,
    result: Result<spor_import::Import, spor_import::Refusal>,
) -> Outcome {
    match result {
        Ok(_) => Outcome::accepted(),
        Err(refusal) => {
            assert!(
                !refusal.problems.is_empty(),
                "{name}: a refusal without a problem"
            );
            let messages: Vec<String> = refusal.problems.iter().map(|p| p.to_string()).collect();
            for m in &messages {
                assert!(
                    m.starts_with(name),
                    "a problem that does not name the file: {m}"
                );
            }
            Outcome::refused(messages)
        }
    }
}

/// The input as each of the four CSV files of the exchange format.
pub fn csv(data: &[u8]) -> Vec<Outcome> {
    spor_import::Entity::ALL
        .into_iter()
        .map(|e| {
            let name = e.file_name();
            import_outcome(name, spor_import::read_bytes(name, data, codes()))
        })
        .collect()
}

/// The input as a workbook (`register.xlsx`).
pub fn xlsx(data: &[u8]) -> Outcome {
    let name = "register.xlsx";
    import_outcome(name, spor_import::read_bytes(name, data, codes()))
}

/// The input as the disclosure policy file, in TOML and in JSON
/// (`spor_sdc::Policy::from_toml`, `from_json`; `Policy::load` reads the file as UTF-8 text
/// first and refuses anything else).
pub fn policy(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::refused(vec!["policy file: not UTF-8 text".to_string()]);
    };
    let mut out = Outcome::default();
    for parsed in [
        spor_sdc::Policy::from_toml(text),
        spor_sdc::Policy::from_json(text),
    ] {
        match parsed {
            Ok(p) => {
                out.taken += 1;
                // What the editions ask of a policy that passed its checks.
                for dims in 0..4 {
                    assert!(p.threshold(dims) >= spor_sdc::policy::FLOOR);
                }
                for age in 0..=u8::MAX {
                    let band = p.age_band(Some(age));
                    assert!(!band.is_empty());
                }
                let _ = p.age_band(None);
                let _ = p.footnote_da();
            }
            Err(e) => {
                let m = e.to_string();
                assert!(
                    m.starts_with("policy "),
                    "a policy error without its place: {m}"
                );
                out.refused.push(m);
            }
        }
    }
    out
}

/// The input as a posted form body (`application/x-www-form-urlencoded`, read as axum's
/// `Form<HashMap<String, String>>` reads it), through every form parser of the web
/// application: the four caseworker forms (`spor_web::forms`, with the import's rules),
/// and the administrators' roles, settings and code-list forms (`spor_app`, `spor_core`).
pub fn web_form(data: &[u8]) -> Outcome {
    let Ok(form) = serde_urlencoded::from_bytes::<HashMap<String, String>>(data) else {
        return Outcome::refused(vec!["the form body: not a URL-encoded form".to_string()]);
    };
    use spor_web::forms::{self, FormKind};
    use spor_web::i18n::Lang;
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let mut out = Outcome::default();
    for kind in [
        FormKind::Decision,
        FormKind::Return,
        FormKind::Assessment,
        FormKind::Call,
    ] {
        let values = forms::posted(kind, &form);
        match forms::validate(kind, &values, codes()) {
            Ok(record) => {
                out.taken += 1;
                // The record back in the form, as the edit page shows it.
                let shown = forms::record_fields(&record);
                let _ = forms::field_views(Lang::Da, codes(), &[], kind, &shown, &[], true);
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "{kind:?}: refused without an error");
                for lang in [Lang::Da, Lang::En] {
                    let views =
                        forms::field_views(lang, codes(), &[], kind, &values, &errors, false);
                    for e in &errors {
                        assert!(!e.column.is_empty(), "{kind:?}: an error without its field");
                        let m = forms::message(lang, codes(), &e.column, &e.expected, &e.value);
                        assert!(!m.is_empty());
                        out.refused
                            .push(format!("{kind:?} form, field {}: {m}", e.column));
                    }
                    // Every error is shown at a field of the form, or the form's key.
                    assert!(views.iter().any(|v| v.error.is_some()) || kind == FormKind::Return);
                }
            }
        }
    }
    for (what, result) in [
        (
            "roles",
            spor_app::accounts::Role::parse_list(get("roles")).map(|_| ()),
        ),
        (
            "microdata_from",
            spor_app::settings::parse_microdata_from(get("microdata_from")).map(|_| ()),
        ),
        (
            "second-factor exemptions",
            spor_app::second_factor::parse_exempt(get("exempt")).map(|_| ()),
        ),
        (
            "code",
            codes()
                .check_addition(get("list"), get("code"), get("da"), get("en"))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
    ] {
        match result {
            Ok(()) => out.taken += 1,
            Err(m) => {
                assert!(!m.is_empty(), "{what}: refused without a message");
                out.refused.push(format!("{what}: {m}"));
            }
        }
    }
    let _ = forms::iso_date(get("decision_date"));
    let _ = forms::danish_date(get("decision_date"));
    out
}
