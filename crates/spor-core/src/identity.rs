//! Who a person is (issue 23): the identity a caseworker needs to help a person and to
//! notice that they have been here before, kept apart from the statistical record.
//!
//! A [`PersonIdentity`] never enters an [`crate::ImportBatch`] or a [`crate::Register`], so
//! nothing that counts, renders or exports the register can reach it. It is stored
//! encrypted field by field (see `spor_app::identity`); `Debug` shows only which fields are
//! known, never their values.

use chrono::{Datelike as _, NaiveDate};

use crate::{ParseError, Ref};

/// The identity fields of `persons.csv`, in the spec's order, after `person_ref`.
pub const IDENTITY_FIELDS: [&str; 7] = [
    "full_name",
    "other_names",
    "birth_date",
    "phone",
    "document_number",
    "language",
    "contact",
];

/// The longest text of each identity field, in characters (`birth_date` is a date).
pub fn max_chars(field: &str) -> usize {
    match field {
        "full_name" | "other_names" => 200,
        "phone" => 40,
        "document_number" => 64,
        "language" => 64,
        "contact" => 500,
        _ => 10,
    }
}

/// One person's identity. Every field but the ref is optional (empty: not known).
#[derive(Clone, PartialEq, Eq)]
pub struct PersonIdentity {
    pub person_ref: Ref,
    pub full_name: Option<String>,
    /// Other names and spellings the person is known by, separated by `;`.
    pub other_names: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    /// Passport or other identity document numbers, separated by `;`.
    pub document_number: Option<String>,
    pub language: Option<String>,
    /// A contact person (name, relation, how to reach them).
    pub contact: Option<String>,
}

// Identity values may reach no log: Debug names the ref's presence and which fields are known.
impl std::fmt::Debug for PersonIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known: Vec<&str> = IDENTITY_FIELDS
            .iter()
            .zip(self.values())
            .filter(|(_, v)| v.is_some())
            .map(|(n, _)| *n)
            .collect();
        f.debug_struct("PersonIdentity")
            .field("known", &known)
            .finish_non_exhaustive()
    }
}

impl PersonIdentity {
    /// A person of whom nothing but the ref is known.
    pub fn new(person_ref: Ref) -> PersonIdentity {
        PersonIdentity {
            person_ref,
            full_name: None,
            other_names: None,
            birth_date: None,
            phone: None,
            document_number: None,
            language: None,
            contact: None,
        }
    }

    /// The fields' values as text, in [`IDENTITY_FIELDS`] order (dates ISO 8601).
    pub fn values(&self) -> [Option<String>; 7] {
        [
            self.full_name.clone(),
            self.other_names.clone(),
            self.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
            self.phone.clone(),
            self.document_number.clone(),
            self.language.clone(),
            self.contact.clone(),
        ]
    }

    /// Sets the field `name` from text (empty: not known), checked as the import checks it.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), ParseError> {
        let text = text.trim();
        if name == "birth_date" {
            self.birth_date = if text.is_empty() {
                None
            } else {
                Some(parse_birth_date(text)?)
            };
            return Ok(());
        }
        let value = if text.is_empty() {
            None
        } else {
            Some(identity_text(name, text)?)
        };
        match name {
            "full_name" => self.full_name = value,
            "other_names" => self.other_names = value,
            "phone" => self.phone = value,
            "document_number" => self.document_number = value,
            "language" => self.language = value,
            "contact" => self.contact = value,
            other => return Err(ParseError(format!("no identity field is named `{other}`"))),
        }
        Ok(())
    }

    /// Whether nothing but the ref is known.
    pub fn is_blank(&self) -> bool {
        self.values().iter().all(Option::is_none)
    }

    /// Each document number (the field split at `;`), trimmed, without empty ones.
    pub fn document_numbers(&self) -> Vec<&str> {
        split_list(self.document_number.as_deref())
    }

    /// The full name and each other name (split at `;`).
    pub fn names(&self) -> Vec<&str> {
        let mut v = split_list(self.full_name.as_deref());
        v.extend(split_list(self.other_names.as_deref()));
        v
    }
}

fn split_list(s: Option<&str>) -> Vec<&str> {
    s.map(|s| {
        s.split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// A birth date: ISO 8601, not before 1900 and not in the future.
pub fn parse_birth_date(s: &str) -> Result<NaiveDate, ParseError> {
    let d = crate::parse_date(s)?;
    let today = chrono::Utc::now().date_naive();
    if d.year_ce().1 < 1900 || d > today {
        return Err(ParseError(
            "a birth date from 1900 up to today, as YYYY-MM-DD".into(),
        ));
    }
    Ok(d)
}

/// The text of an identity field: at most [`max_chars`] characters, no control characters
/// (a line break only in `contact`).
pub fn identity_text(field: &str, s: &str) -> Result<String, ParseError> {
    let max = max_chars(field);
    let n = s.chars().count();
    if n > max {
        return Err(ParseError(format!(
            "text of at most {max} characters (this one has {n})"
        )));
    }
    let line_breaks = field == "contact";
    if s.chars()
        .any(|c| c.is_control() && !(line_breaks && (c == '\n' || c == '\r')))
    {
        return Err(ParseError("text without control characters".into()));
    }
    if field == "phone"
        && !s
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()/.".contains(c))
    {
        return Err(ParseError(
            "a phone number of digits, spaces and + - ( ) / .".into(),
        ));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_the_known_fields_but_no_value() {
        let mut p = PersonIdentity::new(Ref::parse("P-1").unwrap());
        p.set("full_name", "Testa Syntetisk").unwrap();
        p.set("birth_date", "1990-02-03").unwrap();
        let shown = format!("{p:?}");
        assert!(shown.contains("full_name"), "{shown}");
        assert!(!shown.contains("Testa"), "{shown}");
        assert!(!shown.contains("1990"), "{shown}");
        assert!(!shown.contains("P-1"), "{shown}");
    }

    #[test]
    fn fields_are_checked_as_the_import_checks_them() {
        let mut p = PersonIdentity::new(Ref::parse("P-1").unwrap());
        assert!(p.set("birth_date", "2990-01-01").is_err());
        assert!(p.set("birth_date", "03-02-1990").is_err());
        assert!(p.set("phone", "+45 12 34 56 78").is_ok());
        assert!(p.set("phone", "call me").is_err());
        assert!(p.set("full_name", &"x".repeat(201)).is_err());
        assert!(p.set("contact", "Mor\nTlf. 1234").is_ok());
        assert!(p.set("full_name", "a\u{7}b").is_err());
        assert!(p.set("shoe_size", "42").is_err());
        p.set("document_number", "AB123; ; CD456 ").unwrap();
        assert_eq!(p.document_numbers(), ["AB123", "CD456"]);
    }
}
