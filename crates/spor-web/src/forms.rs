//! The caseworker forms: which exchange-format columns each shows, how, and the round trip
//! between a record, the form's text fields and validation. Validation is
//! `spor_import::validate`, the same rules as a file import.

use std::collections::BTreeMap;

use spor_core::identity::IDENTITY_FIELDS;
use spor_core::{CodeBook, ListId};
use spor_core::{PersonIdentity, labels};
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

/// Choices under one heading (`<optgroup>`), or without one.
#[derive(Debug, Clone)]
pub struct OptGroup {
    pub label: Option<String>,
    /// What the group belongs to (a form of exploitation's code), for filtering.
    pub key: &'static str,
    pub options: Vec<Opt>,
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
    pub groups: Vec<OptGroup>,
    pub error: Option<String>,
    /// How to fill it in (a date's format).
    pub hint: Option<String>,
}

impl FieldView {
    pub fn is_select(&self) -> bool {
        self.kind == Kind::Select
    }
    pub fn kind_is_date(&self) -> bool {
        self.kind == Kind::Date
    }
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            // Typed as dd-mm-åååå: a browser's date picker sends nothing for a date that
            // does not exist (30-02-2023), and the form could not say what was wrong.
            Kind::Date => "text",
            Kind::DateTime => "datetime-local",
            Kind::Number => "number",
            _ => "text",
        }
    }
    /// The ids of the hint and the error, for `aria-describedby`.
    pub fn described_by(&self) -> Option<String> {
        described_by(self.name, self.hint.is_some(), self.error.is_some())
    }
}

/// The ids of a field's hint (`h_NAME`) and error (`e_NAME`) that it has, for
/// `aria-describedby`.
pub fn described_by(name: &str, hint: bool, error: bool) -> Option<String> {
    let ids: Vec<String> = [
        hint.then(|| format!("h_{name}")),
        error.then(|| format!("e_{name}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

pub use spor_core::labels::danish_date;

/// A date as typed in Danish (`17-04-2026`, `17.4.2026`, `17/04/2026`) in the exchange
/// format's ISO form, whether or not the day exists (validation says so); other text
/// (an ISO date among it) as it is.
pub fn iso_date(typed: &str) -> String {
    let t = typed.trim();
    let parts: Vec<&str> = t.split(['-', '.', '/']).collect();
    match parts.as_slice() {
        [d, m, y]
            if (1..=2).contains(&d.len())
                && (1..=2).contains(&m.len())
                && y.len() == 4
                && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => t.to_string(),
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

/// The label of a column in the page's language (the labels are `spor_core::labels`', which
/// the subject-access document reads too).
pub fn column_label(lang: Lang, col: &str) -> &'static str {
    labels::field_label(lang.words(), col)
}

fn kind_of(col: &str) -> Kind {
    match col {
        c if labels::is_date(c) => Kind::Date,
        "received_at" => Kind::DateTime,
        "age" => Kind::Number,
        "exploitation_subtype" | "concerns_possible_victim" => Kind::Select,
        c if labels::code_list(c).is_some() => Kind::Select,
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

/// Codes retired by the centre, as (list, code): not offered, unless already chosen.
pub type Retired = [(String, String)];

fn offered(retired: &Retired, list: ListId, code: &str, value: &str) -> bool {
    code == value || !retired.iter().any(|(l, c)| l == list.name() && c == code)
}

fn groups(
    lang: Lang,
    codes: &CodeBook,
    retired: &Retired,
    col: &str,
    value: &str,
) -> Vec<OptGroup> {
    let opt = |v: &str, label: String| Opt {
        selected: v == value,
        value: v.to_string(),
        label,
    };
    if col == "exploitation_subtype" {
        // Each form's sectors/types under its heading; the stylesheet shows only the
        // chosen form's (`data-form`).
        return [
            (ListId::ForcedLabourSubtype, "forced_labour"),
            (ListId::ForcedCriminalitySubtype, "forced_criminality"),
        ]
        .into_iter()
        .map(|(list, form)| OptGroup {
            label: Some(
                lang.label(codes, ListId::ExploitationForm, form)
                    .to_string(),
            ),
            key: form,
            options: codes
                .list(list)
                .iter()
                .filter(|e| offered(retired, list, &e.code, value))
                .map(|e| {
                    opt(
                        &e.code,
                        (if lang == Lang::En { &e.en } else { &e.da }).clone(),
                    )
                })
                .collect(),
        })
        .collect();
    }
    vec![OptGroup {
        label: None,
        key: "",
        options: options(lang, codes, retired, col, value),
    }]
}

fn options(lang: Lang, codes: &CodeBook, retired: &Retired, col: &str, value: &str) -> Vec<Opt> {
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
            push("true", labels::yes_no(lang.words(), true).to_string());
            push("false", labels::yes_no(lang.words(), false).to_string());
        }
        c => {
            if let Some(list) = labels::code_list(c) {
                let mut entries: Vec<_> = codes
                    .list(list)
                    .iter()
                    .filter(|e| offered(retired, list, &e.code, value))
                    .collect();
                if list == ListId::Country {
                    entries.sort_by_cached_key(|e| {
                        sort_key(if lang == Lang::En { &e.en } else { &e.da })
                    });
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
    retired: &Retired,
    kind: FormKind,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
    editing: bool,
) -> Vec<FieldView> {
    kind.columns()
        .iter()
        .map(|&col| {
            let value = values.get(col).cloned().unwrap_or_default();
            let k = kind_of(col);
            // A date is shown as it was typed, or a stored one in Danish order.
            let value = if k == Kind::Date {
                danish_date(&value)
            } else {
                value
            };
            let error = {
                let msgs: Vec<String> = errors
                    .iter()
                    .filter(|e| e.column == col)
                    .map(|e| message(lang, codes, col, &e.expected, &value))
                    .collect();
                (!msgs.is_empty()).then(|| msgs.join(" · "))
            };
            FieldView {
                name: col,
                label: column_label(lang, col),
                kind: k,
                required: required(col),
                readonly: (editing && col == kind.key_column())
                    || (kind == FormKind::Return && col == "case_ref"),
                groups: if k == Kind::Select {
                    groups(lang, codes, retired, col, &value)
                } else {
                    Vec::new()
                },
                hint: (k == Kind::Date).then(|| lang.s("date_hint").to_string()),
                value,
                error,
            }
        })
        .collect()
}

/// The import rule's message (English, naming codes) in words a caseworker understands, in
/// the page's language; `typed` is what was entered. The rule itself is the import's;
/// only the wording differs. Unknown wordings keep the import's text.
pub fn message(lang: Lang, codes: &CodeBook, col: &str, expected: &str, typed: &str) -> String {
    let pick = |da: &str, en: &str| (if lang == Lang::En { en } else { da }).to_string();
    if expected.starts_with("a reference that no other record has") {
        return lang.s("exists").into();
    }
    if expected.starts_with("a value (required when outcome is identified)") {
        return pick(
            "Skal udfyldes, når udfaldet er «vurderet udsat for menneskehandel».",
            "Required when the outcome is “identified as a victim”.",
        );
    }
    if expected.starts_with("a value (") {
        return pick("Skal udfyldes.", "Please fill in this field.");
    }
    if expected.starts_with("the destination of the prepared return") {
        return pick(
            "Vælg hjemrejseland, når der er en hjemrejsedato.",
            "Choose the return country when there is a return date.",
        );
    }
    if expected.starts_with("the date of the prepared return") {
        return pick(
            "Skriv hjemrejsedatoen, når der er valgt et hjemrejseland.",
            "Enter the return date when a return country is chosen.",
        );
    }
    if expected.starts_with("empty, since exploitation_form is empty") {
        return pick(
            "Vælg først en udnyttelsesform (branche/type hører til tvangsarbejde eller strafbare handlinger).",
            "First choose a form of exploitation (a sector/type belongs to forced labour or forced criminality).",
        );
    }
    if expected.starts_with("empty: the form") {
        return pick(
            "Den valgte udnyttelsesform har ingen branche/type: lad feltet stå tomt.",
            "The chosen form of exploitation has no sector/type: leave this field empty.",
        );
    }
    if let Some(rest) = expected.strip_prefix("a subtype of ") {
        let form = rest.split(':').next().unwrap_or("");
        let form = lang
            .label(codes, ListId::ExploitationForm, form)
            .to_lowercase();
        return if lang == Lang::En {
            format!("This sector/type does not belong to {form}: choose one listed under {form}.")
        } else {
            format!("Denne branche/type hører ikke til {form}: vælg en af dem under {form}.")
        };
    }
    if expected.contains("spring clock change") {
        return pick(
            "Tidspunktet findes ikke i dansk tid (det ligger i forårets skift til sommertid).",
            "That time does not exist in Danish time (it falls in the spring change to summer time).",
        );
    }
    match kind_of(col) {
        Kind::Date if !typed.is_empty() => lang.f("date_bad", &[typed]),
        Kind::Date => lang.s("date_hint").into(),
        Kind::DateTime => pick(
            "Skriv et tidspunkt i dansk tid, fx 17-04-2026 09:30.",
            "Enter a time in Danish time, e.g. 17-04-2026 09:30.",
        ),
        Kind::Number => pick(
            "Et helt antal år fra 0 til 120, eller tomt, hvis alderen ikke er oplyst.",
            "A whole number of years from 0 to 120, or empty if the age is not known.",
        ),
        Kind::Select => pick("Vælg en værdi fra listen.", "Choose a value from the list."),
        Kind::Text if expected.contains("identifier") => pick(
            "1–64 tegn uden kontroltegn.",
            "1–64 characters without control characters.",
        ),
        _ => format!("{}: {expected}", pick("Forventet", "Expected")),
    }
}

/// What was typed into the identity part of a form, by field ([`IDENTITY_FIELDS`] order,
/// empty when nothing was).
pub fn posted_identity(
    form: &std::collections::HashMap<String, String>,
) -> BTreeMap<&'static str, String> {
    IDENTITY_FIELDS
        .iter()
        .map(|&f| (f, form.get(f).cloned().unwrap_or_default()))
        .collect()
}

/// The person `person_ref` with the identity typed (`typed`; a birth date in Danish order
/// read as ISO first), checked as the import checks it; else each wrong field with its
/// message in the page's language. `None` when nothing was typed. A `person_ref` that is not
/// a ref is the record's error: the identity is then checked alone.
pub fn identity_of(
    lang: Lang,
    person_ref: &str,
    typed: &BTreeMap<&'static str, String>,
) -> Result<Option<PersonIdentity>, BTreeMap<&'static str, String>> {
    let r = spor_core::Ref::parse(person_ref.trim())
        .or_else(|_| spor_core::Ref::parse("-"))
        .map_err(|_| BTreeMap::new())?;
    let mut p = PersonIdentity::new(r);
    let mut errors = BTreeMap::new();
    for (&field, value) in typed {
        let text = if labels::is_date(field) {
            iso_date(value)
        } else {
            value.clone()
        };
        if let Err(e) = p.set(field, &text) {
            errors.insert(field, identity_message(lang, field, &e.0, value));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((!p.is_blank()).then_some(p))
}

/// An identity field's error in words a caseworker understands (the rule is
/// `spor_core::identity`'s); `typed` is what was entered.
fn identity_message(lang: Lang, field: &str, expected: &str, typed: &str) -> String {
    let en = lang == Lang::En;
    if field == "birth_date" {
        return if en {
            format!(
                "“{typed}” is not a birth date: write a date from 1900 up to today as dd-mm-yyyy, e.g. 14-07-1988."
            )
        } else {
            format!(
                "«{typed}» er ikke en fødselsdato: skriv en dato fra 1900 til i dag som dd-mm-åååå, fx 14-07-1988."
            )
        };
    }
    if field == "phone" && expected.starts_with("a phone number") {
        return (if en {
            "A phone number of digits, spaces and + - ( ) / ."
        } else {
            "Et telefonnummer af cifre, mellemrum og + - ( ) / ."
        })
        .into();
    }
    if expected.starts_with("text of at most") {
        let max = spor_core::identity::max_chars(field).to_string();
        return if en {
            format!("At most {max} characters.")
        } else {
            format!("Højst {max} tegn.")
        };
    }
    if en {
        "Text without control characters.".into()
    } else {
        "Tekst uden kontroltegn.".into()
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

/// Validates the full record's fields with the import rules (dates typed in Danish
/// order read as ISO dates first).
pub fn validate(
    kind: FormKind,
    fields: &BTreeMap<String, String>,
    codes: &CodeBook,
) -> Result<Record, Vec<FieldError>> {
    let dates: BTreeMap<&str, String> = kind
        .record_columns()
        .iter()
        .filter(|c| kind_of(c) == Kind::Date)
        .map(|&c| (c, iso_date(fields.get(c).map(String::as_str).unwrap_or(""))))
        .collect();
    let only: BTreeMap<&str, &str> = kind
        .record_columns()
        .iter()
        .map(|&c| match dates.get(c) {
            Some(d) => (c, d.as_str()),
            None => (c, fields.get(c).map(String::as_str).unwrap_or("")),
        })
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
        let views = field_views(Lang::Da, &codes, &[], FormKind::Decision, &f, &errs, false);
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
        let o = options(Lang::Da, &codes, &[], "nationality", "DK");
        let pos = |l: &str| o.iter().position(|x| x.label == l).unwrap();
        assert!(pos("Zambia") < pos("Ækvatorialguinea"));
        assert!(o.iter().any(|x| x.selected && x.value == "DK"));
    }
}
