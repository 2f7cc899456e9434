//! The risk report of a year's victims (`spor release risk --year Y`): how identifiable they
//! are on the key nationality × gender × age band × form, before any table is built.

use std::collections::BTreeMap;

use crate::policy::Policy;

/// One victim as the risk report sees them (no identifier, no dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRecord {
    pub nationality: String,
    pub gender: String,
    pub age: Option<u8>,
    pub form: String,
}

/// A group of victims sharing nationality × gender × age band.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Group {
    pub nationality: String,
    pub gender: String,
    pub age_band: String,
    pub size: u64,
    /// The one form all its members share, when they do.
    pub homogeneous_form: Option<String>,
}

/// The risk report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RiskReport {
    pub victims: u64,
    /// Victims alone in their nationality × gender × age band × form cell.
    pub unique: u64,
    /// The threshold used for groups (the multi-dimensional one).
    pub threshold: u64,
    /// Nationality × gender × age band groups with fewer than `threshold` members.
    pub groups_below_threshold: u64,
    pub groups: u64,
    /// Groups of two or more whose members all share one form (a lone member is counted
    /// in `unique` instead).
    pub homogeneous: Vec<Group>,
}

/// Computes the report; deterministic (groups in code order).
pub fn assess(records: &[RiskRecord], policy: &Policy) -> RiskReport {
    let threshold = policy.threshold(2);
    let mut cells: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    let mut groups: BTreeMap<(String, String, String), BTreeMap<String, u64>> = BTreeMap::new();
    for r in records {
        let band = policy.age_band(r.age);
        *cells
            .entry((
                r.nationality.clone(),
                r.gender.clone(),
                band.clone(),
                r.form.clone(),
            ))
            .or_default() += 1;
        *groups
            .entry((r.nationality.clone(), r.gender.clone(), band))
            .or_default()
            .entry(r.form.clone())
            .or_default() += 1;
    }
    let unique = cells.values().filter(|&&n| n == 1).count() as u64;
    let mut below = 0;
    let mut homogeneous = Vec::new();
    for ((nationality, gender, age_band), forms) in &groups {
        let size: u64 = forms.values().sum();
        if size < threshold {
            below += 1;
        }
        if size >= 2 && forms.len() == 1 {
            homogeneous.push(Group {
                nationality: nationality.clone(),
                gender: gender.clone(),
                age_band: age_band.clone(),
                size,
                homogeneous_form: forms.keys().next().cloned(),
            });
        }
    }
    RiskReport {
        victims: records.len() as u64,
        unique,
        threshold,
        groups_below_threshold: below,
        groups: groups.len() as u64,
        homogeneous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: &str, g: &str, age: u8, f: &str) -> RiskRecord {
        RiskRecord {
            nationality: n.to_owned(),
            gender: g.to_owned(),
            age: Some(age),
            form: f.to_owned(),
        }
    }

    #[test]
    fn uniques_small_groups_and_homogeneous_groups_are_counted() {
        let records = vec![
            rec("NG", "female", 22, "sexual"),
            rec("NG", "female", 24, "sexual"),
            rec("NG", "female", 19, "sexual"),
            rec("RO", "male", 40, "forced_labour"),
            rec("RO", "male", 41, "forced_criminality"),
            rec("VN", "male", 16, "forced_criminality"),
        ];
        let r = assess(&records, &Policy::default());
        assert_eq!(r.victims, 6);
        // RO/male/35-49 splits into two singletons; VN is alone.
        assert_eq!(r.unique, 3);
        assert_eq!(r.groups, 3);
        assert_eq!(r.groups_below_threshold, 3);
        assert_eq!(r.homogeneous.len(), 1);
        let h = &r.homogeneous[0];
        assert_eq!((h.nationality.as_str(), h.size), ("NG", 3));
        assert_eq!(h.age_band, "18-24 år");
        assert_eq!(h.homogeneous_form.as_deref(), Some("sexual"));
    }
}
