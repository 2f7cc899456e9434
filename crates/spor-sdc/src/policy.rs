//! The disclosure policy: what the public profile may publish.
//!
//! A policy is a small TOML (or JSON) file. Every field has a default, so an empty file is
//! the default policy:
//!
//! ```toml
//! # Smallest count published in a one-dimensional table (and in the margins of larger ones).
//! min_count_one_dim = 3
//! # Smallest count published in a cell that crosses two or more dimensions.
//! min_count_multi_dim = 5
//! # A published group whose members all share one category of these dimensions reveals
//! # that category for each of them: such cells are hidden. Accepted: form, gender, age,
//! # nat (nationality), referral, subtype, authority; any other name is refused.
//! homogeneity_dimensions = ["form"]
//! # Nationalities below the one-dimensional threshold are merged before anything is hidden:
//! # "subregion" (UN M49, e.g. Vestafrika), "continent" (e.g. Afrika) or "none".
//! recode_nationality = "subregion"
//! # Age bands (lower bounds) used for facts and for the risk report.
//! age_bands = [0, 18, 25, 35, 50]
//! # "strict" raises both thresholds to 10 (the level used by the Counter Trafficking Data
//! # Collaborative); "standard" keeps the numbers above.
//! preset = "standard"
//! # A cell hidden only to protect another is held, like a small cell, to an interval that
//! # spans [0, threshold] instead of one at least the threshold wide. Stricter, and it hides
//! # more: on a 10,000-decision test register 926 cells instead of 718.
//! partners_cover_zero = false
//! ```
//!
//! No setting can go below [`FLOOR`]: a policy that tries is an error, not silently raised.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The lowest threshold any policy may set.
pub const FLOOR: u64 = 3;
/// The threshold of the strict preset.
pub const STRICT_THRESHOLD: u64 = 10;

/// A named set of thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The thresholds given in the file (defaults 3 and 5).
    #[default]
    Standard,
    /// Every threshold at least 10.
    Strict,
}

/// Which merge nationalities below the threshold go through first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NationalityRecode {
    /// No merging: small nationalities are hidden instead.
    None,
    /// UN M49 subregions (Vestafrika, Østeuropa, …), then continents, then "Øvrige lande".
    #[default]
    Subregion,
    /// UN M49 continents (Afrika, Europa, …), then "Øvrige lande".
    Continent,
}

/// The dimensions of the public tables' model, by the names `homogeneity_dimensions`
/// takes (`nat`: nationality).
pub const DIMENSIONS: [&str; 7] = [
    "form",
    "gender",
    "age",
    "nat",
    "referral",
    "subtype",
    "authority",
];

/// The disclosure policy of the public profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Smallest non-zero count published for a one-dimensional quantity.
    pub min_count_one_dim: u64,
    /// Smallest non-zero count published for a quantity crossing two or more dimensions.
    pub min_count_multi_dim: u64,
    /// Dimensions whose "all in one category" groups are protected.
    pub homogeneity_dimensions: Vec<String>,
    /// How small nationalities are merged before suppression.
    pub recode_nationality: NationalityRecode,
    /// Lower bounds of the age bands, ascending, starting at 0.
    pub age_bands: Vec<u8>,
    /// Standard or strict thresholds.
    pub preset: Preset,
    /// Hold partners (cells hidden to protect another) to `[0, threshold]` like small
    /// cells, instead of to an interval at least `threshold` wide.
    pub partners_cover_zero: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_count_one_dim: 3,
            min_count_multi_dim: 5,
            homogeneity_dimensions: vec!["form".to_owned()],
            recode_nationality: NationalityRecode::Subregion,
            age_bands: vec![0, 18, 25, 35, 50],
            preset: Preset::Standard,
            partners_cover_zero: false,
        }
    }
}

/// A policy that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy {place}: {what}")]
    Invalid { place: String, what: String },
    #[error("cannot read the policy file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Policy {
    /// The strict preset (threshold 10 everywhere).
    pub fn strict() -> Policy {
        Policy {
            preset: Preset::Strict,
            ..Policy::default()
        }
    }

    /// Reads a policy from TOML text (an empty text is the default policy).
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError::Invalid {
            place: "file".to_owned(),
            what: format!("{e} (expected TOML with the fields documented in spor-sdc's policy)"),
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Reads a policy from JSON text.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = serde_json::from_str(text).map_err(|e| PolicyError::Invalid {
            place: "file".to_owned(),
            what: format!("{e} (expected a JSON object with the documented policy fields)"),
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Reads a policy file: `.json` as JSON, anything else as TOML.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let parsed = if path.extension().is_some_and(|e| e == "json") {
            Policy::from_json(&text)
        } else {
            Policy::from_toml(&text)
        };
        parsed.map_err(|e| match e {
            PolicyError::Invalid { place, what } => PolicyError::Invalid {
                place: format!("{} {place}", path.display()),
                what,
            },
            other => other,
        })
    }

    /// Checks the floor and the age bands.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for (name, value) in [
            ("min_count_one_dim", self.min_count_one_dim),
            ("min_count_multi_dim", self.min_count_multi_dim),
        ] {
            if value < FLOOR {
                return Err(PolicyError::Invalid {
                    place: name.to_owned(),
                    what: format!(
                        "{value} is below the floor of {FLOOR}; accepted: {FLOOR} or more"
                    ),
                });
            }
        }
        if let Some(unknown) = self
            .homogeneity_dimensions
            .iter()
            .find(|d| !DIMENSIONS.contains(&d.as_str()))
        {
            let shown: String = unknown.chars().take(40).collect();
            let cut = if shown.len() < unknown.len() {
                "…"
            } else {
                ""
            };
            return Err(PolicyError::Invalid {
                place: "homogeneity_dimensions".to_owned(),
                what: format!(
                    "`{shown}{cut}` is no dimension of the public tables; accepted: {}",
                    DIMENSIONS.join(", ")
                ),
            });
        }
        if self.age_bands.first() != Some(&0) || self.age_bands.windows(2).any(|w| w[0] >= w[1]) {
            return Err(PolicyError::Invalid {
                place: "age_bands".to_owned(),
                what: format!(
                    "{:?}: accepted is a strictly ascending list of lower bounds starting at 0",
                    self.age_bands
                ),
            });
        }
        Ok(())
    }

    /// The threshold of a quantity that crosses `dims` dimensions (0 = a grand total).
    pub fn threshold(&self, dims: usize) -> u64 {
        let base = if dims >= 2 {
            self.min_count_multi_dim
        } else {
            self.min_count_one_dim
        };
        let base = base.max(FLOOR);
        match self.preset {
            Preset::Standard => base,
            Preset::Strict => base.max(STRICT_THRESHOLD),
        }
    }

    /// The band an age falls in, as a Danish label ("18-24 år", "50 år og derover");
    /// `None` = age unknown.
    pub fn age_band(&self, age: Option<u8>) -> String {
        let Some(age) = age else {
            return "Alder ukendt".to_owned();
        };
        let i = self.age_bands.iter().rposition(|&b| b <= age).unwrap_or(0);
        let lo = self.age_bands[i];
        match self.age_bands.get(i + 1) {
            Some(&next) => format!("{lo}-{} år", next - 1),
            None => format!("{lo} år og derover"),
        }
    }

    /// A short Danish description for footnotes.
    pub fn footnote_da(&self) -> String {
        format!(
            "· = skjult af hensyn til fortrolighed: tal under {} (under {} i krydstabeller) \
             offentliggøres ikke, og andre tal skjules, så de skjulte ikke kan regnes ud.",
            self.threshold(1),
            self.threshold(2)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_documented_default() {
        let p = Policy::from_toml("").unwrap();
        assert_eq!(p, Policy::default());
        assert_eq!(p.threshold(1), 3);
        assert_eq!(p.threshold(2), 5);
        assert_eq!(p.threshold(0), 3);
    }

    #[test]
    fn the_strict_preset_is_one_setting_away() {
        let p = Policy::from_toml("preset = \"strict\"").unwrap();
        assert_eq!(p.threshold(1), 10);
        assert_eq!(p.threshold(3), 10);
        assert_eq!(Policy::strict(), p);
    }

    #[test]
    fn a_threshold_below_the_floor_is_an_error_naming_the_setting() {
        let e = Policy::from_toml("min_count_one_dim = 2").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("min_count_one_dim"), "{msg}");
        assert!(msg.contains("floor of 3"), "{msg}");
        let e = Policy::from_json(r#"{"min_count_multi_dim": 1}"#).unwrap_err();
        assert!(e.to_string().contains("min_count_multi_dim"));
    }

    #[test]
    fn unknown_fields_and_bad_age_bands_are_rejected() {
        assert!(Policy::from_toml("min_count = 4").is_err());
        assert!(Policy::from_toml("age_bands = [5, 18]").is_err());
        assert!(Policy::from_toml("age_bands = [0, 18, 18]").is_err());
    }

    #[test]
    fn an_unknown_homogeneity_dimension_is_refused_naming_what_is_accepted() {
        let msg = Policy::from_toml("homogeneity_dimensions = [\"form\", \"forms\"]")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("homogeneity_dimensions"), "{msg}");
        assert!(msg.contains("`forms`"), "{msg}");
        assert!(msg.contains("accepted: form, gender, age, nat"), "{msg}");
        let long = format!(
            "{{\"homogeneity_dimensions\": [\"{}\"]}}",
            "x".repeat(5_000)
        );
        let msg = Policy::from_json(&long).unwrap_err().to_string();
        assert!(
            msg.len() < 300,
            "the name is shortened: {} bytes",
            msg.len()
        );
        for d in DIMENSIONS {
            let p = Policy::from_toml(&format!("homogeneity_dimensions = [\"{d}\"]")).unwrap();
            assert_eq!(p.homogeneity_dimensions, [d]);
        }
    }

    #[test]
    fn ages_fall_in_their_bands() {
        let p = Policy::default();
        assert_eq!(p.age_band(Some(17)), "0-17 år");
        assert_eq!(p.age_band(Some(18)), "18-24 år");
        assert_eq!(p.age_band(Some(49)), "35-49 år");
        assert_eq!(p.age_band(Some(80)), "50 år og derover");
        assert_eq!(p.age_band(None), "Alder ukendt");
    }
}
