//! Merging before hiding: nationalities below the threshold go into their UN M49 subregion,
//! then continent, then "Øvrige lande" (the data file is generated from CLDR by
//! `tools/gen_regions.py`).
//!
//! A merged category says what it contains by its definition (a UN region, "nationalities
//! with fewer than N victims each"), never by listing the countries that occurred: the list
//! itself would tell that each of them had at least one and fewer than N victims.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::policy::{NationalityRecode, Policy};

const REGIONS_TSV: &str = include_str!("../data/regions.tsv");

/// A country's place in the UN M49 tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub subregion: String,
    pub subregion_da: String,
    pub continent: String,
    pub continent_da: String,
}

fn regions() -> &'static BTreeMap<String, Region> {
    static REGIONS: OnceLock<BTreeMap<String, Region>> = OnceLock::new();
    REGIONS.get_or_init(|| {
        REGIONS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("code\t") && !l.is_empty())
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f.len() == 5).then(|| {
                    (
                        f[0].to_owned(),
                        Region {
                            subregion: f[1].to_owned(),
                            subregion_da: f[2].to_owned(),
                            continent: f[3].to_owned(),
                            continent_da: f[4].to_owned(),
                        },
                    )
                })
            })
            .collect()
    })
}

/// The M49 region of an ISO 3166-1 alpha-2 code (`None` for stateless, unknown, or codes
/// outside the tree).
pub fn region_of(code: &str) -> Option<&'static Region> {
    regions().get(code)
}

/// One merged category.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecodeGroup {
    /// Row key of the merged category: `region:011`, `continent:002` or `other`.
    pub key: String,
    /// Danish row label ("Vestafrika, øvrige", "Øvrige lande").
    pub label_da: String,
    /// What it contains, in Danish, by definition.
    pub contains_da: String,
    /// The codes merged into it (internal: for the manifest of the internal profile and for
    /// tests; the public manifest shows `contains_da` only).
    #[serde(skip)]
    pub members: Vec<String>,
}

/// The merges of one release.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecodePlan {
    pub groups: Vec<RecodeGroup>,
}

impl RecodePlan {
    /// The row key a nationality is shown under (itself when not merged).
    pub fn key_of<'a>(&'a self, code: &'a str) -> &'a str {
        self.groups
            .iter()
            .find(|g| g.members.iter().any(|m| m == code))
            .map_or(code, |g| g.key.as_str())
    }

    /// The group with this key.
    pub fn group(&self, key: &str) -> Option<&RecodeGroup> {
        self.groups.iter().find(|g| g.key == key)
    }
}

/// Plans the merges from the year's victims per nationality: nationalities with fewer than
/// `t` victims are merged (the one-dimensional threshold, or the crossed one when
/// nationality is also crossed with other dimensions).
pub fn plan_nationalities(counts: &BTreeMap<String, u64>, policy: &Policy, t: u64) -> RecodePlan {
    if policy.recode_nationality == NationalityRecode::None {
        return RecodePlan::default();
    }
    let small: Vec<(&str, u64)> = counts
        .iter()
        .filter(|&(_, &n)| n > 0 && n < t)
        .map(|(c, &n)| (c.as_str(), n))
        .collect();
    let shown_separately = |pred: &dyn Fn(&Region) -> bool| {
        counts
            .iter()
            .any(|(c, &n)| n >= t && region_of(c).is_some_and(pred))
    };
    let mut groups = Vec::new();
    let mut left: Vec<(&str, u64)> = small;
    type Level = (
        fn(&Region) -> (&str, &str),
        &'static str,
        &'static str, // Danish noun of the level
    );
    let mut levels: Vec<Level> = Vec::new();
    if policy.recode_nationality == NationalityRecode::Subregion {
        levels.push((
            |r| (r.subregion.as_str(), r.subregion_da.as_str()),
            "region",
            "FN-region",
        ));
    }
    levels.push((
        |r| (r.continent.as_str(), r.continent_da.as_str()),
        "continent",
        "verdensdel",
    ));
    for (level_of, prefix, noun) in levels {
        let mut by: BTreeMap<(String, String), Vec<(&str, u64)>> = BTreeMap::new();
        let mut rest = Vec::new();
        for (c, n) in left {
            match region_of(c) {
                Some(r) => {
                    let (code, name) = level_of(r);
                    by.entry((code.to_owned(), name.to_owned()))
                        .or_default()
                        .push((c, n));
                }
                None => rest.push((c, n)),
            }
        }
        for ((code, name), members) in by {
            let sum: u64 = members.iter().map(|m| m.1).sum();
            if sum >= t && members.len() > 1 {
                let others = shown_separately(&|r: &Region| level_of(r).0 == code);
                groups.push(RecodeGroup {
                    key: format!("{prefix}:{code}"),
                    label_da: if others {
                        format!("{name}, øvrige")
                    } else {
                        name.clone()
                    },
                    contains_da: format!(
                        "nationaliteter i {name} ({noun} {code}) med færre end {t} personer hver"
                    ),
                    members: members.iter().map(|m| m.0.to_owned()).collect(),
                });
            } else {
                rest.extend(members);
            }
        }
        rest.sort();
        left = rest;
    }
    if !left.is_empty() {
        let all_countries = left.iter().all(|(c, _)| region_of(c).is_some());
        groups.push(RecodeGroup {
            key: "other".to_owned(),
            label_da: if all_countries {
                "Øvrige lande".to_owned()
            } else {
                "Øvrige (lande, statsløse og ukendt)".to_owned()
            },
            contains_da: format!(
                "øvrige nationaliteter med færre end {t} personer hver, som ikke kan samles i en verdensdel"
            ),
            members: left.iter().map(|m| m.0.to_owned()).collect(),
        });
    }
    RecodePlan { groups }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(v: &[(&str, u64)]) -> BTreeMap<String, u64> {
        v.iter().map(|&(c, n)| (c.to_owned(), n)).collect()
    }

    #[test]
    fn the_region_file_knows_the_m49_tree_from_cldr() {
        let ng = region_of("NG").unwrap();
        assert_eq!(ng.subregion, "011");
        assert_eq!(ng.subregion_da, "Vestafrika");
        assert_eq!(ng.continent_da, "Afrika");
        assert_eq!(region_of("RO").unwrap().subregion_da, "Østeuropa");
        assert!(region_of("STATELESS").is_none());
        assert!(regions().len() > 240);
    }

    #[test]
    fn small_nationalities_merge_into_subregion_then_continent_then_other_lands() {
        let plan = plan_nationalities(
            &counts(&[
                ("NG", 10), // shown
                ("GH", 1),  // Vestafrika with SN
                ("SN", 2),
                ("KE", 1), // Østafrika alone too small → Afrika with CM
                ("CM", 2), // Centralafrika alone too small
                ("VN", 2), // Sydøstasien alone, Asien alone: too small → Øvrige
                ("STATELESS", 1),
            ]),
            &Policy::default(),
            3,
        );
        assert_eq!(plan.key_of("NG"), "NG");
        assert_eq!(plan.key_of("GH"), "region:011");
        assert_eq!(plan.key_of("SN"), "region:011");
        let west = plan.group("region:011").unwrap();
        assert_eq!(west.label_da, "Vestafrika, øvrige");
        assert!(!west.contains_da.contains("GH"), "{}", west.contains_da);
        assert_eq!(plan.key_of("KE"), "continent:002");
        assert_eq!(
            plan.group("continent:002").unwrap().label_da,
            "Afrika, øvrige"
        );
        assert_eq!(plan.key_of("VN"), "other");
        assert_eq!(plan.key_of("STATELESS"), "other");
        assert_eq!(
            plan.group("other").unwrap().label_da,
            "Øvrige (lande, statsløse og ukendt)"
        );
    }

    #[test]
    fn no_recoding_when_the_policy_says_none() {
        let policy = Policy {
            recode_nationality: NationalityRecode::None,
            ..Policy::default()
        };
        let plan = plan_nationalities(&counts(&[("GH", 1), ("SN", 2)]), &policy, 3);
        assert!(plan.groups.is_empty());
        assert_eq!(plan.key_of("GH"), "GH");
    }
}
