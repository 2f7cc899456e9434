//! The caseworker forms: which exchange-format columns each shows, how, and the round trip
//! between a record, the form's text fields and validation. Validation is
//! `spor_import::validate`, the same rules as a file import.

use std::collections::BTreeMap;

use spor_core::{CodeBook, ListId};
use spor_import::validate::{self, FieldError};
use spor_store::web::Record;

use crate::i18n::Lang;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    DateTime,
    Number,
    Select,
}

/// One choice of a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A field as the form template shows it.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub readonly: bool,
    pub value: String,
    pub options: Vec<Opt>,
    pub error: Option<String>,
}

impl FieldView {
    pub fn is_select(&self) -> bool {
        self.kind == Kind::Select
    }
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            Kind::Date => "date",
            Kind::DateTime => "datetime-local",
            Kind::Number => "number",
            _ => "text",
        }
    }
}

/// The forms of the caseworker pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Decision,
    Return,
    Assessment,
    Call,
}

impl FormKind {
    /// The columns the form shows, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            FormKind::Decision => validate::IDENTIFICATION_COLUMNS,
            FormKind::Return => &["case_ref", "return_date", "return_country"],
            FormKind::Assessment => validate::ASSESSMENT_COLUMNS,
            FormKind::Call => validate::HOTLINE_CALL_COLUMNS,
        }
    }

    /// The columns of the full record the form edits.
    pub fn record_columns(self) -> &'static [&'static str] {
        match self {
            FormKind::Decision | FormKind::Return => validate::IDENTIFICATION_COLUMNS,
            FormKind::Assessment => validate::ASSESSMENT_COLUMNS,
            FormKind::Call => validate::HOTLINE_CALL_COLUMNS,
        }
    }

    pub fn key_column(self) -> &'static str {
        self.record_columns()[0]
    }
}

/// Danish and English label of a column.
pub fn column_label(lang: Lang, col: &str) -> &'static str {
    let (da, en) = match col {
        "case_ref" => ("Sagsreference", "Case reference"),
        "person_ref" => ("Personreference", "Person reference"),
        "decision_date" => ("Afgørelsesdato", "Decision date"),
        "authority" => ("Myndighed", "Authority"),
        "outcome" => ("Udfald", "Outcome"),
        "referral_actor" => ("Henvisende aktør", "Referral actor"),
        "exploitation_form" => ("Udnyttelsesform", "Form of exploitation"),
        "exploitation_subtype" => ("Branche / type", "Sector / type"),
        "gender" => ("Køn", "Gender"),
        "age" => ("Alder", "Age"),
        "nationality" => ("Nationalitet", "Nationality"),
        "return_date" => ("Hjemrejsedato", "Return date"),
        "return_country" => ("Hjemrejseland", "Return country"),
        "assessment_ref" => ("Samtalereference", "Interview reference"),
        "interview_date" => ("Samtaledato", "Interview date"),
        "call_ref" => ("Opkaldsreference", "Call reference"),
        "received_at" => ("Modtaget", "Received"),
        "caller_type" => ("Opkalder", "Caller"),
        "concerns_possible_victim" => ("Drejer sig om muligt offer", "Concerns a possible victim"),
        "topic" => ("Emne", "Topic"),
        _ => ("?", "?"),
    };
    if lang == Lang::En { en } else { da }
}

fn list_of(col: &str) -> Option<ListId> {
    Some(match col {
        "authority" => ListId::Authority,
        "outcome" => ListId::Outcome,
        "referral_actor" => ListId::ReferralActor,
        "exploitation_form" => ListId::ExploitationForm,
        "gender" => ListId::Gender,
        "nationality" | "return_country" => ListId::Country,
        "caller_type" => ListId::CallerType,
        "topic" => ListId::Topic,
        _ => return None,
    })
}

fn kind_of(col: &str) -> Kind {
    match col {
        "decision_date" | "interview_date" | "return_date" => Kind::Date,
        "received_at" => Kind::DateTime,
        "age" => Kind::Number,
        "exploitation_subtype" | "concerns_possible_victim" => Kind::Select,
        c if list_of(c).is_some() => Kind::Select,
        _ => Kind::Text,
    }
}

fn required(col: &str) -> bool {
    matches!(
        col,
        "case_ref"
            | "person_ref"
            | "decision_date"
            | "authority"
            | "outcome"
            | "gender"
            | "nationality"
            | "assessment_ref"
            | "interview_date"
            | "call_ref"
            | "received_at"
            | "caller_type"
            | "concerns_possible_victim"
    )
}

fn options(lang: Lang, codes: &CodeBook, col: &str, value: &str) -> Vec<Opt> {
    let mut out = Vec::new();
    let mut push = |v: &str, label: String| {
        out.push(Opt {
            selected: v == value,
            value: v.to_string(),
            label,
        })
    };
    match col {
        "concerns_possible_victim" => {
            push("true", lang.s("yes").to_string());
            push("false", lang.s("no").to_string());
        }
        "exploitation_subtype" => {
            for (list, form) in [
                (ListId::ForcedLabourSubtype, "forced_labour"),
                (ListId::ForcedCriminalitySubtype, "forced_criminality"),
            ] {
                let form_label = lang.label(codes, ListId::ExploitationForm, form);
                for e in codes.list(list) {
                    let l = if lang == Lang::En { &e.en } else { &e.da };
                    push(&e.code, format!("{form_label}: {l}"));
                }
            }
        }
        c => {
            if let Some(list) = list_of(c) {
                let mut entries: Vec<_> = codes.list(list).iter().collect();
                if list == ListId::Country {
                    entries.sort_by_key(|e| sort_key(if lang == Lang::En { &e.en } else { &e.da }));
                }
                for e in entries {
                    let l = if lang == Lang::En { &e.en } else { &e.da };
                    push(&e.code, l.clone());
                }
            }
        }
    }
    out
}

/// Danish alphabetical order: æ, ø, å after z.
pub fn sort_key(s: &str) -> Vec<u32> {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'æ' | 'ä' => 'z' as u32 + 1,
            'ø' | 'ö' => 'z' as u32 + 2,
            'å' => 'z' as u32 + 3,
            'é' => 'e' as u32,
            c => c as u32,
        })
        .collect()
}

/// The text of each column of a stored record, as a form shows it.
pub fn record_fields(r: &Record) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in r.fields() {
        let text = match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        out.insert(k, text);
    }
    if let Record::HotlineCall(c) = r {
        // `datetime-local` wants local time without offset; the register's times are
        // Copenhagen time.
        let local = c.received_at.with_timezone(&chrono_tz::Europe::Copenhagen);
        out.insert(
            "received_at".into(),
            local.format("%Y-%m-%dT%H:%M:%S").to_string(),
        );
    }
    out
}

/// The fields of the form, filled with `values` and marked with `errors`.
pub fn field_views(
    lang: Lang,
    codes: &CodeBook,
    kind: FormKind,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
    editing: bool,
) -> Vec<FieldView> {
    kind.columns()
        .iter()
        .map(|&col| {
            let value = values.get(col).cloned().unwrap_or_default();
            let error = {
                let msgs: Vec<String> = errors
                    .iter()
                    .filter(|e| e.column == col)
                    .map(|e| match lang {
                        Lang::Da => danish_message(col, &e.expected),
                        Lang::En => format!("Expected: {}", e.expected),
                    })
                    .collect();
                (!msgs.is_empty()).then(|| msgs.join(" · "))
            };
            let k = kind_of(col);
            FieldView {
                name: col,
                label: column_label(lang, col),
                kind: k,
                required: required(col),
                readonly: (editing && col == kind.key_column())
                    || (kind == FormKind::Return && col == "case_ref"),
                options: if k == Kind::Select {
                    options(lang, codes, col, &value)
                } else {
                    Vec::new()
                },
                value,
                error,
            }
        })
        .collect()
}

/// The import rule's message (English, naming codes) in Danish words for the form. The
/// rule itself is the import's; only the wording differs. Unknown wordings keep the
/// import's text.
pub fn danish_message(col: &str, expected: &str) -> String {
    if expected.starts_with("a reference that no other record has") {
        return Lang::Da.s("exists").into();
    }
    if expected.starts_with("a value (required when outcome is identified)") {
        return "Skal udfyldes, når udfaldet er «vurderet udsat for menneskehandel».".into();
    }
    if expected.starts_with("a value (the column is required)") {
        return "Skal udfyldes.".into();
    }
    if expected.starts_with("the destination of the prepared return") {
        return "Vælg hjemrejseland, når der er en hjemrejsedato.".into();
    }
    if expected.starts_with("the date of the prepared return") {
        return "Skriv hjemrejsedatoen, når der er valgt et hjemrejseland.".into();
    }
    if expected.starts_with("empty, since exploitation_form is empty") {
        return "Vælg først en udnyttelsesform (branche/type hører til tvangsarbejde eller strafbare handlinger).".into();
    }
    match kind_of(col) {
        Kind::Date => "Skriv en dato, der findes, som ÅÅÅÅ-MM-DD (fx 2026-04-17).".into(),
        Kind::DateTime => "Skriv et tidspunkt som ÅÅÅÅ-MM-DD TT:MM (dansk tid).".into(),
        Kind::Number => {
            "Et helt antal år fra 0 til 120, eller tomt, hvis alderen ikke er oplyst.".into()
        }
        Kind::Select => "Vælg en værdi fra listen.".into(),
        Kind::Text if expected.contains("identifier") => "1–64 tegn uden kontroltegn.".into(),
        _ => format!("Forventet: {expected}"),
    }
}

/// Keeps only the form's columns of a posted form (the CSRF token and version go).
pub fn posted(
    kind: FormKind,
    form: &std::collections::HashMap<String, String>,
) -> BTreeMap<String, String> {
    kind.columns()
        .iter()
        .map(|&c| (c.to_string(), form.get(c).cloned().unwrap_or_default()))
        .collect()
}

/// Validates the full record's fields with the import rules.
pub fn validate(
    kind: FormKind,
    fields: &BTreeMap<String, String>,
    codes: &CodeBook,
) -> Result<Record, Vec<FieldError>> {
    let only: BTreeMap<&str, &str> = kind
        .record_columns()
        .iter()
        .map(|&c| (c, fields.get(c).map(String::as_str).unwrap_or("")))
        .collect();
    match kind {
        FormKind::Decision | FormKind::Return => {
            validate::identification(&only, codes).map(Record::Identification)
        }
        FormKind::Assessment => validate::assessment(&only, codes).map(Record::Assessment),
        FormKind::Call => validate::hotline_call(&only, codes).map(Record::HotlineCall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> BTreeMap<String, String> {
        [
            ("case_ref", "C-1"),
            ("person_ref", "P-1"),
            ("decision_date", "2026-03-01"),
            ("authority", "cmm"),
            ("outcome", "identified"),
            ("referral_actor", "police"),
            ("exploitation_form", "forced_labour"),
            ("exploitation_subtype", "construction"),
            ("gender", "male"),
            ("age", "34"),
            ("nationality", "RO"),
            ("return_date", ""),
            ("return_country", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn a_complete_decision_validates_and_round_trips_through_the_form() {
        let codes = CodeBook::builtin();
        let r = validate(FormKind::Decision, &decision(), &codes).unwrap();
        assert_eq!(r.key(), "C-1");
        assert_eq!(record_fields(&r), decision());
    }

    #[test]
    fn an_identified_decision_without_referral_actor_is_refused_at_that_field() {
        let codes = CodeBook::builtin();
        let mut f = decision();
        f.insert("referral_actor".into(), String::new());
        let errs = validate(FormKind::Decision, &f, &codes).unwrap_err();
        assert!(
            errs.iter().any(|e| e.column == "referral_actor"),
            "{errs:?}"
        );
        let views = field_views(Lang::Da, &codes, FormKind::Decision, &f, &errs, false);
        let v = views.iter().find(|v| v.name == "referral_actor").unwrap();
        assert_eq!(
            v.error.as_deref(),
            Some("Skal udfyldes, når udfaldet er «vurderet udsat for menneskehandel».")
        );
        // The rest of what was typed is kept.
        let age = views.iter().find(|v| v.name == "age").unwrap();
        assert_eq!(age.value, "34");
    }

    #[test]
    fn countries_are_offered_in_danish_order() {
        let codes = CodeBook::builtin();
        let o = options(Lang::Da, &codes, "nationality", "DK");
        let pos = |l: &str| o.iter().position(|x| x.label == l).unwrap();
        assert!(pos("Zambia") < pos("Ækvatorialguinea"));
        assert!(o.iter().any(|x| x.selected && x.value == "DK"));
    }
}
