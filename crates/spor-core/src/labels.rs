//! The words a person reads for the register's fields and values: one description of each
//! field's label (the record columns of the exchange format and the identity fields of
//! `persons.csv`), of the code list a field's codes come from, and of how a stored value
//! reads (a code's label from the code lists, the centre's own labels among them; a date in
//! Danish order). The caseworker's forms and pages, and the person's subject-access
//! document, all take their words from here.

use crate::{CodeBook, ListId};

/// The language of the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Da,
    En,
}

impl Language {
    fn pick(self, (da, en): (&'static str, &'static str)) -> &'static str {
        if self == Language::En { en } else { da }
    }
}

/// The Danish and English labels of a field, `None` for a field the register does not
/// have.
fn labels(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
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
        // The identity of `persons.csv` (issue 23).
        "full_name" => ("Fulde navn", "Full name"),
        "other_names" => ("Andre navne", "Other names"),
        "birth_date" => ("Fødselsdato", "Birth date"),
        "phone" => ("Telefon", "Phone"),
        "document_number" => ("Dokumentnumre", "Document numbers"),
        "language" => ("Sprog", "Language"),
        "contact" => ("Kontaktperson", "Contact person"),
        _ => return None,
    })
}

/// The label of `field` in `lang` ("?" for a field the register does not have).
pub fn field_label(lang: Language, field: &str) -> &'static str {
    labels(field).map_or("?", |l| lang.pick(l))
}

/// Whether the register has a field named `field`.
pub fn is_field(field: &str) -> bool {
    labels(field).is_some()
}

/// The code list a field's values come from (the subtype's two lists excepted: see
/// [`value_text`]).
pub fn code_list(field: &str) -> Option<ListId> {
    Some(match field {
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

/// Whether a field holds a date (stored ISO 8601, read in Danish order).
pub fn is_date(field: &str) -> bool {
    matches!(
        field,
        "decision_date" | "interview_date" | "return_date" | "birth_date"
    )
}

/// A stored ISO date (`2026-04-17`) in Danish order (`17-04-2026`), as the forms show it;
/// anything else as it is.
pub fn danish_date(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) if iso.len() == 10 => d.format("%d-%m-%Y").to_string(),
        _ => iso.to_string(),
    }
}

/// "Yes" or "no" in `lang`.
pub fn yes_no(lang: Language, yes: bool) -> &'static str {
    lang.pick(if yes { ("Ja", "Yes") } else { ("Nej", "No") })
}

/// The label of `code` in `list` in `lang` (the centre's own labels among them, when `codes`
/// has its additions); the code itself when the list does not have it.
pub fn code_label<'a>(codes: &'a CodeBook, lang: Language, list: ListId, code: &'a str) -> &'a str {
    match codes.get(list, code) {
        Some(e) if lang == Language::En => &e.en,
        Some(e) => &e.da,
        None => code,
    }
}

/// How a stored value of `field` reads in `lang`: a code as its label in `codes` (a code
/// not in the list as it is), a sector/type from either subtype list, `true`/`false` as
/// yes/no, a date in Danish order, anything else as it is. Empty: "–".
pub fn value_text(codes: &CodeBook, lang: Language, field: &str, value: &str) -> String {
    if value.is_empty() {
        return "–".into();
    }
    if let Some(list) = code_list(field) {
        return code_label(codes, lang, list, value).to_string();
    }
    match field {
        "exploitation_subtype" => {
            let list = [
                ListId::ForcedLabourSubtype,
                ListId::ForcedCriminalitySubtype,
            ]
            .into_iter()
            .find(|l| codes.contains(*l, value))
            .unwrap_or(ListId::ForcedLabourSubtype);
            code_label(codes, lang, list, value).to_string()
        }
        "concerns_possible_victim" => yes_no(lang, value == "true").to_string(),
        f if is_date(f) => danish_date(value),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_their_danish_labels_and_dates_in_danish_order() {
        let codes = CodeBook::builtin();
        let da = |f: &str, v: &str| value_text(&codes, Language::Da, f, v);
        assert_eq!(da("nationality", "NG"), "Nigeria");
        assert_eq!(da("return_country", "NG"), "Nigeria");
        assert_eq!(da("decision_date", "2023-03-07"), "07-03-2023");
        assert_eq!(da("birth_date", "1988-07-14"), "14-07-1988");
        assert_eq!(da("age", "34"), "34");
        assert_eq!(da("age", ""), "–");
        assert_eq!(da("concerns_possible_victim", "true"), "Ja");
        assert_eq!(da("nationality", "ZZ-unknown"), "ZZ-unknown");
        for (field, code) in [
            ("outcome", "identified"),
            ("authority", "cmm"),
            ("gender", "male"),
            ("exploitation_subtype", "construction"),
        ] {
            let text = da(field, code);
            assert_ne!(text, code, "{field}");
            assert!(!text.is_empty());
        }
        assert_eq!(field_label(Language::Da, "full_name"), "Fulde navn");
        assert_eq!(field_label(Language::En, "nationality"), "Nationality");
        assert_eq!(field_label(Language::Da, "shoe_size"), "?");
        for f in crate::identity::IDENTITY_FIELDS {
            assert!(is_field(f), "{f} has a label");
        }
    }
}
