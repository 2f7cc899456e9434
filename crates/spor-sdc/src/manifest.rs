//! The release manifest written beside the public editions: the policy, every cell's status
//! with its audit interval, the merged categories, and the SHA-256 of each file.
//!
//! The manifest is public like the editions: it never contains a hidden value, only what the
//! attacker could derive anyway (the interval).

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::audit::Interval;
use crate::design::Merge;
use crate::overview::PublicRelease;
use crate::policy::Policy;
use crate::problem::Problem;
use crate::recode::RecodePlan;
use crate::suppress::{Protection, Status};
use crate::utility::Utility;

/// One cell of one table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CellEntry {
    pub table: String,
    pub row: String,
    pub col: String,
    /// `published`, `recoded`, `hidden_by_rule` or `hidden_to_protect`.
    pub status: &'static str,
    /// Why (the rule, or the cells it protects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For hidden cells: what the attacker can derive (bounds from the published figures
    /// that contain the exact interval; the audit checked the exact interval against the
    /// policy by linear programming).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
}

/// A written file and its digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
}

/// The manifest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Manifest {
    pub year: i32,
    pub policy: Policy,
    pub recoded: RecodePlan,
    pub cells: Vec<CellEntry>,
    /// Small forms and genders merged before hiding ("Øvrige former").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<Merge>,
    /// Facts withheld (`null`) or banded, with why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub facts_changed: BTreeMap<String, String>,
    /// Cells published, recoded and hidden and the counted value hidden, per table and in
    /// all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utility: Option<Utility>,
    pub files: Vec<FileEntry>,
    /// The international exchanges of the year written beside the release (exact counts
    /// for the receiving bodies, not for publication), each file with its digest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<ExchangeEntry>,
}

/// A written exchange file and its digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExchangeEntry {
    /// `eurostat`, `unodc`, …
    pub exchange: String,
    /// `json`, `csv`, …
    pub format: String,
    /// Relative to the manifest's folder.
    pub path: String,
    pub sha256: String,
}

impl Manifest {
    /// Builds the cell list; a cell in a merged row (`row` or its first path element is a
    /// key of `recoded`) is `recoded` when published.
    pub fn new(
        year: i32,
        policy: &Policy,
        recoded: &RecodePlan,
        problem: &Problem,
        protection: &Protection,
    ) -> Manifest {
        let mut cells = Vec::new();
        for (i, q) in problem.quantities.iter().enumerate() {
            for at in &q.refs {
                let (status, reason) = match &protection.status[i] {
                    Status::Published | Status::Latent => {
                        let head = at.row.split('/').next().unwrap_or("");
                        match recoded.group(head) {
                            Some(g) => ("recoded", Some(g.contains_da.clone())),
                            None => ("published", None),
                        }
                    }
                    Status::HiddenBelowThreshold { threshold } => (
                        "hidden_by_rule",
                        Some(format!(
                            "under {threshold} (tærskel for {} dimension(er))",
                            q.dims
                        )),
                    ),
                    Status::HiddenHomogeneous { dimension, group } => (
                        "hidden_by_rule",
                        Some(format!("alle i {group} har samme {dimension}")),
                    ),
                    Status::HiddenSecondary { protects } => (
                        "hidden_to_protect",
                        Some(format!("beskytter {}", protects.join(", "))),
                    ),
                };
                cells.push(CellEntry {
                    table: at.table.clone(),
                    row: at.row.clone(),
                    col: at.col.clone(),
                    status,
                    reason,
                    interval: protection.audit.intervals.get(&i).copied(),
                });
            }
        }
        cells.sort_by(|a, b| (&a.table, &a.row, &a.col).cmp(&(&b.table, &b.row, &b.col)));
        Manifest {
            year,
            policy: policy.clone(),
            recoded: recoded.clone(),
            cells,
            merged: Vec::new(),
            facts_changed: BTreeMap::new(),
            utility: None,
            files: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    /// The manifest of a protected release: [`Manifest::new`] with the withheld facts and
    /// the edition's utility.
    pub fn of(release: &PublicRelease, policy: &Policy) -> Manifest {
        let mut m = Manifest::new(
            release.report.year,
            policy,
            &release.recodes,
            &release.problem,
            &release.protection,
        );
        m.facts_changed = release.facts_changed.clone();
        m.merged = release.merges.clone();
        for c in &mut m.cells {
            if c.status != "published" {
                continue;
            }
            let merge = release
                .merges
                .iter()
                .find(|g| c.row.split('/').any(|part| part == g.key) || c.col == g.key);
            if let Some(g) = merge {
                c.status = "recoded";
                c.reason = Some(g.contains_da.clone());
            }
        }
        m.utility = Some(release.utility.clone());
        m
    }

    /// Adds the digest of a written file (named relative to the manifest's folder).
    pub fn add_file(&mut self, path: &Path, name: &str) -> std::io::Result<()> {
        self.add_bytes(name, &std::fs::read(path)?);
        Ok(())
    }

    /// Adds the digest of a file's `bytes` (named relative to the manifest's folder).
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) {
        self.files.push(FileEntry {
            path: name.to_owned(),
            sha256: sha256_hex(bytes),
        });
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Adds the digest of an exchange file's `bytes` (named relative to the manifest's
    /// folder).
    pub fn add_exchange(&mut self, exchange: &str, format: &str, name: &str, bytes: &[u8]) {
        self.exchanges.push(ExchangeEntry {
            exchange: exchange.to_owned(),
            format: format.to_owned(),
            path: name.to_owned(),
            sha256: sha256_hex(bytes),
        });
        self.exchanges.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// The manifest as written: pretty JSON ending in a newline.
    pub fn to_json(&self) -> serde_json::Result<String> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    /// Writes it as pretty JSON.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_json().map_err(std::io::Error::other)?)
    }
}

/// Hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    Ok(sha256_hex(&std::fs::read(path)?))
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{CellRef, Role};
    use crate::suppress::protect;

    #[test]
    fn the_manifest_lists_every_cell_with_its_status_and_no_hidden_value() {
        let mut p = Problem::new();
        let at = |r: &str| CellRef {
            table: "by_form".to_owned(),
            row: r.to_owned(),
            col: "count".to_owned(),
        };
        let total = p.cell("v", 19, 0, Role::Free, at("total")).unwrap();
        let parts = [
            ("sexual", 10),
            ("forced_labour", 2),
            ("forced_criminality", 7),
        ]
        .iter()
        .map(|&(f, v)| p.cell(&format!("v|{f}"), v, 1, Role::Free, at(f)).unwrap())
        .collect();
        p.relate(total, parts, "form").unwrap();
        let policy = Policy::default();
        let protection = protect(&p, &policy).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("oversigt.json");
        std::fs::write(&file, b"{}").unwrap();
        let mut m = Manifest::new(2023, &policy, &RecodePlan::default(), &p, &protection);
        m.add_file(&file, "oversigt.json").unwrap();
        let out = dir.path().join("manifest.json");
        m.write(&out).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let cells = v["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 4);
        let labour = cells.iter().find(|c| c["row"] == "forced_labour").unwrap();
        assert_eq!(labour["status"], "hidden_by_rule");
        assert_eq!(labour["interval"]["lo"], 0.0);
        assert!(labour.get("value").is_none());
        let crim = cells
            .iter()
            .find(|c| c["row"] == "forced_criminality")
            .unwrap();
        assert_eq!(crim["status"], "hidden_to_protect");
        assert_eq!(
            v["files"][0]["sha256"],
            // SHA-256 of "{}"
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(v["policy"]["min_count_multi_dim"], 5);
    }
}
