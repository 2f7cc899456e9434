//! The records of the register and their typed fields.
//!
//! Values from outside (files, forms) become these types once, at the boundary
//! (`spor_import::validate`); everything downstream works with typed values only.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
// Refs and codes are short: inline strings spare a heap allocation per field, which is
// most of the cost of loading a register of a million decisions.
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// Defines a structural code list as an enum with its stable exchange-format codes.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $list:expr, { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The code list these values belong to.
            pub const LIST: crate::codes::ListId = $list;

            /// The exchange-format code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses an exchange-format code (exact, case-sensitive).
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The accepted codes, for error messages.
            pub fn accepted() -> String {
                [$($code),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

use crate::codes::ListId;

code_enum!(
    /// Who made an identification decision.
    Authority, ListId::Authority, {
    Cmm = "cmm",
    ImmigrationService = "immigration_service",
    Court = "court",
});

code_enum!(
    /// The outcome of a decision.
    Outcome, ListId::Outcome, {
    Identified = "identified",
    NotIdentified = "not_identified",
});

code_enum!(
    /// Form of exploitation. Structural: the form groups of the counting rules depend on it.
    Form, ListId::ExploitationForm, {
    Sexual = "sexual",
    ForcedLabour = "forced_labour",
    ForcedCriminality = "forced_criminality",
    SlaveryLike = "slavery_like",
    Other = "other",
    Unresolved = "unresolved",
});

code_enum!(
    /// Form groups of the time series (`other_forms` = other + unresolved).
    FormGroup, ListId::FormGroup, {
    Sexual = "sexual",
    ForcedLabour = "forced_labour",
    ForcedCriminality = "forced_criminality",
    SlaveryLike = "slavery_like",
    OtherForms = "other_forms",
});

impl Form {
    pub fn group(self) -> FormGroup {
        match self {
            Form::Sexual => FormGroup::Sexual,
            Form::ForcedLabour => FormGroup::ForcedLabour,
            Form::ForcedCriminality => FormGroup::ForcedCriminality,
            Form::SlaveryLike => FormGroup::SlaveryLike,
            Form::Other | Form::Unresolved => FormGroup::OtherForms,
        }
    }
}

code_enum!(
    /// Gender as registered.
    Gender, ListId::Gender, {
    Female = "female",
    Male = "male",
    TransFemale = "trans_female",
    TransMale = "trans_male",
    Other = "other",
    Unknown = "unknown",
});

code_enum!(
    /// Gender groups of the time series.
    GenderGroup, ListId::GenderGroup, {
    Female = "female",
    Male = "male",
    Trans = "trans",
    OtherUnknown = "other_unknown",
});

impl Gender {
    pub fn group(self) -> GenderGroup {
        match self {
            Gender::Female => GenderGroup::Female,
            Gender::Male => GenderGroup::Male,
            Gender::TransFemale | Gender::TransMale => GenderGroup::Trans,
            Gender::Other | Gender::Unknown => GenderGroup::OtherUnknown,
        }
    }
}

code_enum!(
    /// Who called the hotline.
    CallerType, ListId::CallerType, {
    Police = "police",
    Authority = "authority",
    Organisation = "organisation",
    Citizen = "citizen",
    AffectedPerson = "affected_person",
    Other = "other",
});

code_enum!(
    /// What a hotline call was about.
    Topic, ListId::Topic, {
    Suspicion = "suspicion",
    Accommodation = "accommodation",
    CaseCooperation = "case_cooperation",
    Knowledge = "knowledge",
    Other = "other",
});

code_enum!(
    /// Series of published aggregates (`history.csv`).
    Series, ListId::HistorySeries, {
    Victims = "victims",
    VictimsByForm = "victims_by_form",
    VictimsByGender = "victims_by_gender",
    VictimsByNationality = "victims_by_nationality",
    HotlineCalls = "hotline_calls",
    AssessedPersons = "assessed_persons",
});

impl Series {
    /// Whether rows of this series carry a category (a split of `victims`).
    pub fn is_split(self) -> bool {
        matches!(
            self,
            Series::VictimsByForm | Series::VictimsByGender | Series::VictimsByNationality
        )
    }
}

/// Error for a value that does not fit its type; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// A source system's stable identifier (`case_ref`, `person_ref`, …): 1–64 characters.
///
/// `Debug` does not show the value: references are pseudonymous but still person-level.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ref(CompactString);

impl Ref {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(s: &str) -> Result<Ref, ParseError> {
        // The common case in one pass over the bytes: printable ASCII, at most 64 bytes
        // (so at most 64 characters). Anything else takes the checks below.
        if (1..=Self::MAX_CHARS).contains(&s.len()) && s.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Ok(Ref(CompactString::new(s)));
        }
        if s.is_empty() {
            return Err(ParseError("an identifier of 1 to 64 characters".into()));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(ParseError(format!(
                "an identifier of at most 64 characters (this one has {})",
                s.chars().count()
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(ParseError(
                "an identifier without control characters".into(),
            ));
        }
        Ok(Ref(CompactString::new(s)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ref(…)")
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A code from an extensible code list (referral actor, subtype), checked against the
/// [`crate::CodeBook`] when parsed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Code(CompactString);

impl Code {
    /// Wraps a code already known to be in its list.
    pub fn new_unchecked(s: impl AsRef<str>) -> Code {
        Code(CompactString::new(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A nationality or destination: ISO 3166-1 alpha-2, `STATELESS`, `STATELESS_PS` or
/// `UNKNOWN`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Country(CompactString);

impl Country {
    pub fn parse(s: &str, codes: &crate::CodeBook) -> Result<Country, ParseError> {
        if codes.contains(ListId::Country, s) {
            Ok(Country(CompactString::new(s)))
        } else {
            Err(ParseError(codes.accepted(ListId::Country)))
        }
    }
    pub fn new_unchecked(s: impl AsRef<str>) -> Country {
        Country(CompactString::new(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses an ISO 8601 calendar date (`2023-04-17`), rejecting dates that do not exist.
///
/// Hand-rolled over the fixed layout because it runs once per date of a million-row
/// import or load; chrono still decides whether the day exists.
pub fn parse_date(s: &str) -> Result<NaiveDate, ParseError> {
    let err = || ParseError("a real date as YYYY-MM-DD, e.g. 2023-04-17".into());
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(err());
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(err),
        _ => Err(err()),
    }
}

/// Parses an ISO 8601 timestamp; without an offset it is Copenhagen local time.
pub fn parse_timestamp(s: &str) -> Result<DateTime<FixedOffset>, ParseError> {
    let err = || {
        ParseError(
            "a timestamp as YYYY-MM-DDTHH:MM[:SS][+HH:MM], e.g. 2023-04-17T09:30:00+02:00 (without offset: Copenhagen time)"
                .into(),
        )
    };
    // The common shape, `YYYY-MM-DDTHH:MM[:SS]` in Copenhagen time, read directly: the
    // chain of formats below tries four before it, a cost in a million-row import.
    let naive = match simple_local_time(s) {
        Some(t) => t,
        None => match general_timestamp(s).ok_or_else(err)? {
            Stamp::Instant(t) => return Ok(t),
            Stamp::Local(t) => t,
        },
    };
    // A local time skipped by the spring change does not exist; an ambiguous one in the
    // autumn takes the earlier instant.
    chrono_tz::Europe::Copenhagen
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.fixed_offset())
        .ok_or_else(|| {
            ParseError(
                "a time that exists in Copenhagen (this one falls in the spring clock change)"
                    .into(),
            )
        })
}

/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (no offset, no fraction), digits only;
/// anything else (including a leap second) is left to [`general_timestamp`].
fn simple_local_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if !(b.len() == 16 || b.len() == 19 && b[16] == b':') || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date = parse_date(&s[..10]).ok()?;
    let sec = if b.len() == 19 { num(17..19)? } else { 0 };
    let time = chrono::NaiveTime::from_hms_opt(num(11..13)?, num(14..16)?, sec)?;
    Some(date.and_time(time))
}

/// A timestamp as written: an instant (with an offset) or a local time.
enum Stamp {
    Instant(DateTime<FixedOffset>),
    Local(NaiveDateTime),
}

/// Every accepted shape: RFC 3339, with an offset, or local time with optional seconds and
/// fraction.
fn general_timestamp(s: &str) -> Option<Stamp> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Stamp::Instant(t));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%:z", "%Y-%m-%dT%H:%M%:z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(Stamp::Instant(t));
        }
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .map(Stamp::Local)
}

/// The canonical text of a timestamp, as export writes it.
pub fn format_timestamp(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// The Copenhagen calendar year of a timestamp (the statistics year of a call).
pub fn copenhagen_year(t: &DateTime<FixedOffset>) -> i32 {
    use chrono::Datelike;
    copenhagen_date(t).year()
}

/// The calendar date of a moment in Copenhagen.
pub fn copenhagen_date(t: &DateTime<FixedOffset>) -> chrono::NaiveDate {
    t.with_timezone(&chrono_tz::Europe::Copenhagen).date_naive()
}

/// One decision on whether a person is a victim (`identifications.csv`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identification {
    pub case_ref: Ref,
    pub person_ref: Ref,
    pub decision_date: NaiveDate,
    pub authority: Authority,
    pub outcome: Outcome,
    pub referral_actor: Option<Code>,
    pub exploitation_form: Option<Form>,
    pub exploitation_subtype: Option<Code>,
    pub gender: Gender,
    pub age: Option<u8>,
    pub nationality: Country,
    pub return_date: Option<NaiveDate>,
    pub return_country: Option<Country>,
}

/// One assessment interview (`assessments.csv`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub assessment_ref: Ref,
    pub person_ref: Ref,
    pub interview_date: NaiveDate,
    pub gender: Gender,
    pub age: Option<u8>,
    pub nationality: Country,
}

/// One call to the hotline (`hotline_calls.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotlineCall {
    pub call_ref: Ref,
    pub received_at: DateTime<FixedOffset>,
    pub caller_type: CallerType,
    pub concerns_possible_victim: bool,
    pub topic: Option<Topic>,
}

/// One published aggregate for a year before microdata (`history.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub series: Series,
    pub year: i32,
    /// Empty for unsplit series.
    pub category: Option<String>,
    /// `None` = not published.
    pub count: Option<u64>,
}

impl HistoryRow {
    /// The row's identity: re-importing the same key updates the count.
    pub fn key(&self) -> (Series, i32, &str) {
        (
            self.series,
            self.year,
            self.category.as_deref().unwrap_or(""),
        )
    }
}

/// Person-level records never show their fields in `Debug`: logs must not carry them.
macro_rules! redacted_debug {
    ($($t:ty => $field:ident),+) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t)).field(stringify!($field), &self.$field).finish_non_exhaustive()
            }
        }
    )+};
}
redacted_debug!(Identification => case_ref, Assessment => assessment_ref);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_direct_reading_of_local_times_agrees_with_the_general_one() {
        for s in [
            "2023-04-17T09:30",
            "2023-04-17T09:30:59",
            "2023-03-26T02:30:00",
            "2023-10-29T02:30",
            "2024-02-29T23:59:00",
            "2023-02-29T10:00",
            "2023-04-17T24:00",
            "2023-04-17T09:30:60",
            "2023-04-17T9:30:00",
            "2023-04-17 09:30",
            "2023-04-17T09:30:0a",
        ] {
            let direct = simple_local_time(s);
            let general = match general_timestamp(s) {
                Some(Stamp::Local(t)) => Some(t),
                _ => None,
            };
            if let Some(t) = direct {
                assert_eq!(Some(t), general, "{s}: read directly as {t}");
            }
        }
        assert!(simple_local_time("2023-04-17T09:30:00").is_some());
        assert!(simple_local_time("2023-04-17T09:30").is_some());
        assert!(simple_local_time("2023-04-17T09:30:00+02:00").is_none());
    }

    #[test]
    fn timestamps_without_offset_are_copenhagen_time() {
        let summer = parse_timestamp("2023-07-01T10:00:00").unwrap();
        assert_eq!(format_timestamp(&summer), "2023-07-01T10:00:00+02:00");
        let winter = parse_timestamp("2023-01-01T00:30").unwrap();
        assert_eq!(format_timestamp(&winter), "2023-01-01T00:30:00+01:00");
        // 23:30 UTC on New Year's Eve is already the next year in Copenhagen.
        let t = parse_timestamp("2022-12-31T23:30:00Z").unwrap();
        assert_eq!(copenhagen_year(&t), 2023);
        assert!(parse_timestamp("2023-03-26T02:30:00").is_err());
        assert!(parse_timestamp("17/04/2023").is_err());
    }

    #[test]
    fn dates_must_exist_and_be_iso() {
        assert!(parse_date("2023-02-28").is_ok());
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2023-4-1").is_err());
        assert!(parse_date("17-04-2023").is_err());
    }

    #[test]
    fn refs_are_bounded_and_hidden_from_debug() {
        assert!(Ref::parse("").is_err());
        assert!(Ref::parse(&"x".repeat(65)).is_err());
        let r = Ref::parse("P-0001").unwrap();
        assert_eq!(format!("{r:?}"), "Ref(…)");
    }

    #[test]
    fn refs_count_characters_not_bytes_and_refuse_control_characters() {
        // 64 characters in 128 bytes: allowed; 65: not.
        assert_eq!(
            Ref::parse(&"æ".repeat(64))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            64
        );
        assert!(Ref::parse(&"æ".repeat(65)).is_err());
        assert!(Ref::parse(&"x".repeat(64)).is_ok());
        for bad in ["P\t1", "P\u{7f}1", "\u{0}", "P\u{85}1", "P1\n"] {
            assert!(Ref::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Ref::parse("Sag 12/ø").unwrap().as_str(), "Sag 12/ø");
    }

    #[test]
    fn form_and_gender_groups_follow_the_counting_rules() {
        assert_eq!(Form::Unresolved.group(), FormGroup::OtherForms);
        assert_eq!(Form::Other.group(), FormGroup::OtherForms);
        assert_eq!(Gender::TransMale.group(), GenderGroup::Trans);
        assert_eq!(Gender::parse("trans_female"), Some(Gender::TransFemale));
        assert_eq!(Gender::parse("Female"), None);
    }
}
