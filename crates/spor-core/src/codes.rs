//! Code lists as data. The lists every installation starts with are compiled in from
//! `data/codes.csv` and `data/countries.tsv`; a centre adds codes to the extensible lists at
//! run time (they are kept in the store and merged into the [`CodeBook`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

const CODES_CSV: &str = include_str!("../data/codes.csv");
const COUNTRIES_TSV: &str = include_str!("../data/countries.tsv");

/// The code lists of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListId {
    Authority,
    Outcome,
    ExploitationForm,
    FormGroup,
    ReferralActor,
    ForcedLabourSubtype,
    ForcedCriminalitySubtype,
    Gender,
    GenderGroup,
    CallerType,
    Topic,
    HistorySeries,
    /// ISO 3166-1 alpha-2 codes plus the spec's special codes.
    Country,
}

impl ListId {
    pub const ALL: [ListId; 13] = [
        ListId::Authority,
        ListId::Outcome,
        ListId::ExploitationForm,
        ListId::FormGroup,
        ListId::ReferralActor,
        ListId::ForcedLabourSubtype,
        ListId::ForcedCriminalitySubtype,
        ListId::Gender,
        ListId::GenderGroup,
        ListId::CallerType,
        ListId::Topic,
        ListId::HistorySeries,
        ListId::Country,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ListId::Authority => "authority",
            ListId::Outcome => "outcome",
            ListId::ExploitationForm => "exploitation_form",
            ListId::FormGroup => "form_group",
            ListId::ReferralActor => "referral_actor",
            ListId::ForcedLabourSubtype => "forced_labour_subtype",
            ListId::ForcedCriminalitySubtype => "forced_criminality_subtype",
            ListId::Gender => "gender",
            ListId::GenderGroup => "gender_group",
            ListId::CallerType => "caller_type",
            ListId::Topic => "topic",
            ListId::HistorySeries => "history_series",
            ListId::Country => "country",
        }
    }

    pub fn parse(s: &str) -> Option<ListId> {
        ListId::ALL.into_iter().find(|l| l.name() == s)
    }

    /// Lists a centre may extend without a new release. The others are structural: the
    /// counting rules depend on their codes.
    pub fn is_extensible(self) -> bool {
        matches!(
            self,
            ListId::ReferralActor | ListId::ForcedLabourSubtype | ListId::ForcedCriminalitySubtype
        )
    }
}

impl fmt::Display for ListId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One code of a list with its labels and its mappings to international standards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeEntry {
    pub list: ListId,
    pub code: String,
    pub da: String,
    pub en: String,
    /// For subtypes: the exploitation form they belong to.
    pub parent: Option<String>,
    /// Eurostat form of exploitation: `sexual`, `labour` or `other`.
    pub eurostat: Option<String>,
    /// HTCDS v2.0 value (for labour sectors an ISIC rev. 4 section letter).
    pub htcds: Option<String>,
    /// Whether the code ships with Spor (false: added by the centre).
    pub builtin: bool,
}

/// Error when adding a code to a list.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodeError {
    #[error("unknown code list `{0}`; known lists: {1}")]
    UnknownList(String, String),
    #[error(
        "the list `{0}` cannot be extended: the counting rules depend on its codes (extensible: referral_actor, forced_labour_subtype, forced_criminality_subtype)"
    )]
    NotExtensible(ListId),
    #[error("the code `{code}` already exists in `{list}`")]
    Exists { list: ListId, code: String },
    #[error(
        "`{0}` is not a valid code: use 1 to 40 lower-case letters, digits and underscores, starting with a letter"
    )]
    BadCode(String),
    #[error("the {0} label is empty")]
    EmptyLabel(&'static str),
    /// A label that a spreadsheet could take for a formula, with control characters, or
    /// longer than [`MAX_LABEL_CHARS`]; the second field says which.
    #[error(
        "the {0} label cannot be used: {1} (labels have at most 200 characters, no control characters, and do not begin with = + - @)"
    )]
    BadLabel(&'static str, &'static str),
}

/// The longest label of an added code, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// Checks a label of an added code (`which`: `Danish` or `English`), trimmed: not empty,
/// at most [`MAX_LABEL_CHARS`], no control characters, and not beginning with a character
/// a spreadsheet reads as the start of a formula (labels reach the report's CSV and XLSX).
pub fn check_label(which: &'static str, label: &str) -> Result<(), CodeError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(CodeError::EmptyLabel(which));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(CodeError::BadLabel(which, "it is too long"));
    }
    if label.chars().any(char::is_control) {
        return Err(CodeError::BadLabel(which, "it has control characters"));
    }
    if label.starts_with(['=', '+', '-', '@']) {
        return Err(CodeError::BadLabel(
            which,
            "it begins with a character spreadsheets read as a formula",
        ));
    }
    Ok(())
}

/// All code lists in force: the built-in ones plus the centre's additions.
#[derive(Debug, Clone)]
pub struct CodeBook {
    lists: BTreeMap<ListId, Vec<CodeEntry>>,
    /// Position of each code in its list: lookups run once per cell of a large import.
    index: BTreeMap<ListId, FxHashMap<String, usize>>,
}

fn opt(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

fn builtin_entries() -> &'static [CodeEntry] {
    static ENTRIES: OnceLock<Vec<CodeEntry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut out = Vec::new();
        for line in CODES_CSV.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 7, "data/codes.csv: bad line {line}");
            let (list, code) = (f[0], f[1]);
            let list = if list == "special_country" {
                ListId::Country
            } else {
                ListId::parse(list).unwrap_or_else(|| panic!("data/codes.csv: list {list}"))
            };
            out.push(CodeEntry {
                list,
                code: code.to_string(),
                da: f[2].to_string(),
                en: f[3].to_string(),
                parent: opt(f[4]),
                eurostat: opt(f[5]),
                htcds: opt(f[6]),
                builtin: true,
            });
        }
        for line in COUNTRIES_TSV
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
        {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 3, "data/countries.tsv: bad line {line}");
            out.push(CodeEntry {
                list: ListId::Country,
                code: f[0].to_string(),
                da: f[1].to_string(),
                en: f[2].to_string(),
                parent: None,
                eurostat: None,
                htcds: Some(f[0].to_string()),
                builtin: true,
            });
        }
        out
    })
}

impl Default for CodeBook {
    fn default() -> Self {
        Self::builtin()
    }
}

impl CodeBook {
    /// The lists every installation starts with.
    pub fn builtin() -> Self {
        let mut lists: BTreeMap<ListId, Vec<CodeEntry>> = BTreeMap::new();
        for e in builtin_entries() {
            lists.entry(e.list).or_default().push(e.clone());
        }
        CodeBook::indexed(lists)
    }

    fn indexed(lists: BTreeMap<ListId, Vec<CodeEntry>>) -> Self {
        let index = lists
            .iter()
            .map(|(l, entries)| {
                let codes = entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.code.clone(), i))
                    .collect();
                (*l, codes)
            })
            .collect();
        CodeBook { lists, index }
    }

    /// The built-in lists plus the centre's additions (as kept in the store).
    pub fn with_additions(additions: impl IntoIterator<Item = CodeEntry>) -> Self {
        let mut lists = Self::builtin().lists;
        for mut e in additions {
            e.builtin = false;
            let list = lists.entry(e.list).or_default();
            if !list.iter().any(|x| x.code == e.code) {
                list.push(e);
            }
        }
        Self::indexed(lists)
    }

    pub fn list(&self, list: ListId) -> &[CodeEntry] {
        self.lists.get(&list).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn get(&self, list: ListId, code: &str) -> Option<&CodeEntry> {
        let i = *self.index.get(&list)?.get(code)?;
        self.lists.get(&list)?.get(i)
    }

    pub fn contains(&self, list: ListId, code: &str) -> bool {
        self.get(list, code).is_some()
    }

    /// Danish label of a code; the code itself when it is not in the list.
    pub fn label_da<'a>(&'a self, list: ListId, code: &'a str) -> &'a str {
        self.get(list, code).map(|e| e.da.as_str()).unwrap_or(code)
    }

    /// The subtype list of an exploitation form, if the form has one.
    pub fn subtype_list(form: Form) -> Option<ListId> {
        match form {
            Form::ForcedLabour => Some(ListId::ForcedLabourSubtype),
            Form::ForcedCriminality => Some(ListId::ForcedCriminalitySubtype),
            _ => None,
        }
    }

    /// A short human list of the accepted codes, for error messages.
    pub fn accepted(&self, list: ListId) -> String {
        let codes = self.list(list);
        if list == ListId::Country {
            return "an ISO 3166-1 alpha-2 code (e.g. DK, NG, TH), STATELESS, STATELESS_PS or UNKNOWN"
                .to_string();
        }
        codes
            .iter()
            .map(|e| e.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Checks a new code for an extensible list; returns the entry to store.
    pub fn check_addition(
        &self,
        list: &str,
        code: &str,
        da: &str,
        en: &str,
    ) -> Result<CodeEntry, CodeError> {
        let list_id = ListId::parse(list).ok_or_else(|| {
            CodeError::UnknownList(list.to_string(), ListId::ALL.map(ListId::name).join(", "))
        })?;
        if !list_id.is_extensible() {
            return Err(CodeError::NotExtensible(list_id));
        }
        let valid = !code.is_empty()
            && code.len() <= 40
            && code.starts_with(|c: char| c.is_ascii_lowercase())
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(CodeError::BadCode(code.to_string()));
        }
        if self.contains(list_id, code) {
            return Err(CodeError::Exists {
                list: list_id,
                code: code.to_string(),
            });
        }
        check_label("Danish", da)?;
        check_label("English", en)?;
        let parent = match list_id {
            ListId::ForcedLabourSubtype => Some("forced_labour".to_string()),
            ListId::ForcedCriminalitySubtype => Some("forced_criminality".to_string()),
            _ => None,
        };
        let eurostat = match list_id {
            ListId::ForcedLabourSubtype => Some("labour".to_string()),
            ListId::ForcedCriminalitySubtype => Some("other".to_string()),
            _ => None,
        };
        Ok(CodeEntry {
            list: list_id,
            code: code.to_string(),
            da: da.trim().to_string(),
            en: en.trim().to_string(),
            parent,
            eurostat,
            htcds: None,
            builtin: false,
        })
    }
}

use crate::model::Form;

#[cfg(test)]
mod tests {

    #[test]
    fn labels_a_spreadsheet_would_run_or_that_hide_control_characters_are_refused() {
        let book = CodeBook::builtin();
        let add = |da: &str| book.check_addition("referral_actor", "union", da, "Trade union");
        assert!(add("Fagforening").is_ok());
        for bad in ["=1+1", "+45 1234", "-x", "@SUM(A1)", "Fag\u{7}forening"] {
            assert!(
                matches!(add(bad), Err(CodeError::BadLabel("Danish", _))),
                "{bad:?}: {:?}",
                add(bad)
            );
        }
        assert!(matches!(
            add(&"x".repeat(MAX_LABEL_CHARS + 1)),
            Err(CodeError::BadLabel(..))
        ));
        assert!(add(&"x".repeat(MAX_LABEL_CHARS)).is_ok());
        assert_eq!(add("  "), Err(CodeError::EmptyLabel("Danish")));
    }

    use super::*;

    #[test]
    fn every_iso_country_has_danish_and_english_names() {
        let book = CodeBook::builtin();
        let countries = book.list(ListId::Country);
        // 249 ISO 3166-1 codes plus three special codes.
        assert_eq!(countries.len(), 252);
        assert_eq!(book.label_da(ListId::Country, "GQ"), "Ækvatorialguinea");
        assert_eq!(
            book.label_da(ListId::Country, "STATELESS_PS"),
            "Statsløs palæstinenser"
        );
        assert!(
            countries
                .iter()
                .all(|c| !c.da.is_empty() && !c.en.is_empty())
        );
    }

    #[test]
    fn forms_and_subtypes_map_to_eurostat_and_htcds() {
        let book = CodeBook::builtin();
        let sexual = book.get(ListId::ExploitationForm, "sexual").unwrap();
        assert_eq!(sexual.eurostat.as_deref(), Some("sexual"));
        assert_eq!(sexual.htcds.as_deref(), Some("SexualExploitation"));
        let fl = book.get(ListId::ExploitationForm, "forced_labour").unwrap();
        assert_eq!(fl.htcds.as_deref(), Some("ForcedLabour"));
        let c = book
            .get(ListId::ForcedLabourSubtype, "construction")
            .unwrap();
        assert_eq!(c.htcds.as_deref(), Some("F"));
        assert_eq!(c.parent.as_deref(), Some("forced_labour"));
        assert_eq!(book.list(ListId::ReferralActor).len(), 16);
    }

    #[test]
    fn only_extensible_lists_take_new_codes() {
        let book = CodeBook::builtin();
        assert!(
            book.check_addition("referral_actor", "union", "Fagforening", "Trade union")
                .is_ok()
        );
        assert_eq!(
            book.check_addition("gender", "x", "X", "X"),
            Err(CodeError::NotExtensible(ListId::Gender))
        );
        assert!(matches!(
            book.check_addition("referral_actor", "police", "P", "P"),
            Err(CodeError::Exists { .. })
        ));
        assert!(matches!(
            book.check_addition("referral_actor", "Bad Code", "P", "P"),
            Err(CodeError::BadCode(_))
        ));
        let added = book
            .check_addition("referral_actor", "union", "Fagforening", "Trade union")
            .unwrap();
        let book = CodeBook::with_additions([added]);
        assert_eq!(book.label_da(ListId::ReferralActor, "union"), "Fagforening");
    }
}
