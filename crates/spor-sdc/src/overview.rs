//! The public profile of an annual overview ([`spor_stats::Report`]).
//!
//! 1. **Recode**: nationalities below the one-dimensional threshold are merged (see
//!    [`crate::recode`]) in every nationality table.
//! 2. **Model**: every cell becomes a quantity with a canonical key built from its table's
//!    definition (population, year, filter, row dimensions, column), so the same count in two
//!    tables is one quantity. Sums come from each table's structure (rows, children, total
//!    row), from splitting grouped categories (age under 25 = under 18 + 18-24; form group
//!    `other_forms` = other + unresolved) and from projections over the cube nationality ×
//!    gender × age × form (the nationality × gender/age × form table summed over
//!    nationalities is a latent gender × age × form table that the gender × form tables are
//!    sums of). Sub-populations (returns, repeat victims) are tied to the victims of the same
//!    nationality by a latent complement. Counted facts are quantities too.
//! 3. **Protect and audit** ([`crate::suppress::protect`]); a release that fails is refused.
//! 4. **Publish**: hidden cells become `null` and are listed per table as
//!    `[row, column]`, where `row` counts rows in reading order (each row followed by its
//!    children, depth first) and the total row comes last.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use spor_stats::defs::{Cols, Dim, Population, Pred, Rows, TableDef, TotalRule};
use spor_stats::{Report, Row, Table};

use crate::design::Nested;
use crate::policy::Policy;
use crate::problem::{CellRef, Problem, ProblemError, Role};
use crate::recode::{RecodePlan, plan_nationalities};
use crate::suppress::{Protection, Refused, protect, reduce};

/// Why a public edition cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("the overview contradicts itself: {0}")]
    Inconsistent(#[from] ProblemError),
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// What a public edition is made from besides the overview and the policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// Public editions of earlier years (`spor release public --earlier`): every figure they
    /// published is known to the attacker and is published again unchanged (a figure of the
    /// register that now differs from it is an error).
    pub earlier: &'a [Report],
    /// The register's `microdata_from`: year columns before it come from history (figures
    /// the centre published long ago). They are published unchanged, never hidden, and are
    /// known values in the audit. `None`: no year is treated as history.
    pub history_before: Option<i32>,
    /// Publish again the partners that turn out not to be needed (one audit per partner).
    pub minimise: bool,
    /// Keep every category as the internal edition has it (no "Øvrige former", see
    /// [`crate::design`]); nationalities are merged regardless.
    pub keep_categories: bool,
}

/// The protected overview and how it was protected.
#[derive(Debug, Clone)]
pub struct PublicRelease {
    /// The public report: merged nationalities, hidden cells `null`, facts made safe.
    pub report: Report,
    /// Per table id: hidden cells as `[row, column]` (see the module docs for `row`).
    pub suppressed: BTreeMap<String, Vec<[usize; 2]>>,
    pub recodes: RecodePlan,
    pub problem: Problem,
    pub protection: Protection,
    /// Facts set to `null` or banded, with why.
    pub facts_changed: BTreeMap<String, String>,
    /// What the edition publishes, recodes and hides, per table and in all.
    pub utility: crate::utility::Utility,
    /// Small forms and genders merged before anything was hidden.
    pub merges: Vec<crate::design::Merge>,
    /// The level the nested nationality table is published at.
    pub nested: Nested,
}

impl PublicRelease {
    /// Is the cell at `[row, column]` of `table` hidden?
    pub fn is_hidden(&self, table: &str, row: usize, col: usize) -> bool {
        self.suppressed
            .get(table)
            .is_some_and(|s| s.contains(&[row, col]))
    }

    /// Is the quantity behind this fact hidden (so no sentence may state it)?
    pub fn fact_hidden(&self, name: &str) -> bool {
        self.report.facts.is_null(name) && self.facts_changed.contains_key(name)
    }
}

type Key = BTreeMap<&'static str, String>;

const CUBE: [&str; 4] = ["nat", "gender", "age", "form"];

fn key_string(k: &Key) -> String {
    k.iter()
        .map(|(d, v)| format!("{d}={v}"))
        .collect::<Vec<_>>()
        .join("|")
}

/// Number of classifying dimensions of a key (population, year and flags excluded).
fn classifying_dims(k: &Key) -> usize {
    k.keys()
        .filter(|d| !matches!(**d, "pop" | "year" | "flag"))
        .count()
}

fn set(values: &[&str]) -> String {
    let mut v: Vec<&str> = values.to_vec();
    v.sort_unstable();
    v.dedup();
    v.join("+")
}

/// Intersects a set-valued constraint.
fn constrain(k: &mut Key, dim: &'static str, value: String) {
    match k.get(dim) {
        Some(old) => {
            let a: BTreeSet<&str> = old.split('+').collect();
            let b: BTreeSet<&str> = value.split('+').collect();
            let both: Vec<&str> = a.intersection(&b).copied().collect();
            k.insert(dim, set(&both));
        }
        None => {
            k.insert(dim, value);
        }
    }
}

fn add_flag(k: &mut Key, flag: &str) {
    let mut flags: Vec<String> = k
        .get("flag")
        .map(|f| f.split('+').map(str::to_owned).collect())
        .unwrap_or_default();
    flags.push(flag.to_owned());
    flags.sort();
    flags.dedup();
    k.insert("flag", flags.join("+"));
}

fn apply_pred(k: &mut Key, p: &Pred) {
    match p {
        Pred::Minor => constrain(k, "age", set(&["minor"])),
        Pred::Under25 => constrain(k, "age", set(&["minor", "a18_24"])),
        Pred::RepeatVictim => add_flag(k, "repeat"),
        Pred::Returned => add_flag(k, "returned"),
        Pred::ReturnedToThirdCountry => add_flag(k, "third_country"),
        Pred::ConcernsPossibleVictim => add_flag(k, "concerns"),
        Pred::IdentifiedAfterInterview => add_flag(k, "identified"),
        Pred::Form(f) => constrain(k, "form", f.code().to_owned()),
    }
}

/// The constraint a dimension's category puts on the key.
fn apply_dim(k: &mut Key, d: Dim, code: &str) {
    match d {
        Dim::ReferralActor => {
            k.insert("referral", code.to_owned());
        }
        Dim::Form => constrain(k, "form", code.to_owned()),
        Dim::FormGroup => constrain(
            k,
            "form",
            match code {
                "other_forms" => set(&["other", "unresolved"]),
                c => c.to_owned(),
            },
        ),
        Dim::Subtype(_) => {
            k.insert("subtype", code.to_owned());
        }
        Dim::Gender => constrain(k, "gender", code.to_owned()),
        Dim::GenderGroup => constrain(
            k,
            "gender",
            match code {
                "trans" => set(&["trans_female", "trans_male"]),
                "other_unknown" => set(&["other", "unknown"]),
                c => c.to_owned(),
            },
        ),
        Dim::GenderAge => {
            let (g, a) = code.split_once('/').unwrap_or((code, "age_unknown"));
            constrain(k, "gender", g.to_owned());
            let age = match a {
                "adult" => set(&["a18_24", "a25p"]),
                "minor" => set(&["minor"]),
                // Every age: the nested table published by gender alone (see `design`).
                "all" => return,
                _ => set(&["unknown"]),
            };
            constrain(k, "age", age);
        }
        Dim::Nationality => {
            k.insert("nat", code.to_owned());
        }
        Dim::Authority => {
            k.insert("authority", code.to_owned());
        }
        Dim::Month => {
            k.insert("month", code.to_owned());
        }
        Dim::AgeBand => {
            let age = match code {
                "adult" => set(&["a18_24", "a25p"]),
                "minor" => set(&["minor"]),
                _ => set(&["unknown"]),
            };
            constrain(k, "age", age);
        }
        // The exchanges' categories are not published in the overview: each is its own
        // attribute of the cell, unrelated to the cube's.
        Dim::Citizenship => {
            k.insert("citizenship", code.to_owned());
        }
        Dim::Mapped(map) => {
            k.insert(map, code.to_owned());
        }
    }
}

fn base_key(def: &TableDef, year: i32) -> Key {
    let mut k = Key::new();
    k.insert(
        "pop",
        match def.population {
            Population::Victims => "victims",
            Population::AssessedPersons => "assessed",
            Population::HotlineCalls => "calls",
        }
        .to_owned(),
    );
    k.insert("year", year.to_string());
    for p in def.filter {
        apply_pred(&mut k, p);
    }
    k
}

/// The key of one cell: row path (codes per level) and column index.
fn cell_key(def: &TableDef, t: &Table, year: i32, path: &[&str], col: Option<usize>) -> Key {
    let col_year = match (def.cols, col) {
        (Cols::Years(_), Some(c)) => t.column_keys[c].parse().unwrap_or(year),
        _ => year,
    };
    let mut k = base_key(def, col_year);
    match def.rows {
        Rows::Measures(ms) => {
            if let Some(m) = path.first().and_then(|r| ms.iter().find(|m| m.key == *r)) {
                for p in m.filter {
                    apply_pred(&mut k, p);
                }
            }
        }
        Rows::Dims { levels, .. } => {
            for (d, code) in levels.iter().zip(path) {
                apply_dim(&mut k, *d, code);
            }
        }
    }
    if let Some(c) = col {
        match def.cols {
            Cols::Dim(d) => apply_dim(&mut k, d, &t.column_keys[c]),
            Cols::Measures(ms) => {
                if let Some(m) = ms.iter().find(|m| m.key == t.column_keys[c]) {
                    for p in m.filter {
                        apply_pred(&mut k, p);
                    }
                }
            }
            Cols::Count | Cols::Years(_) => {}
        }
    }
    k
}

/// The canonical key of a cell, as a string (for the attacker, which reads the edition).
pub(crate) fn cell_key_string(
    def: &TableDef,
    t: &Table,
    year: i32,
    path: &[&str],
    col: Option<usize>,
) -> String {
    key_string(&cell_key(def, t, year, path, col))
}

/// The canonical key of a counted fact, as a string.
pub(crate) fn fact_key_string(name: &str, year: i32) -> Option<String> {
    fact_key(name, year).map(|k| key_string(&k))
}

/// The definition of table `id` when its rows are nationalities.
fn nationality_table(id: &str) -> Option<&'static TableDef> {
    let def = spor_stats::defs::table(id)?;
    matches!(def.rows, Rows::Dims { levels, .. } if levels.first() == Some(&Dim::Nationality))
        .then_some(def)
}

/// Merges the rows of nationality tables by the plan.
fn recode_report(report: &mut Report, plan: &RecodePlan) {
    if plan.groups.is_empty() {
        return;
    }
    for (id, t) in report.tables.iter_mut() {
        if nationality_table(id).is_none() {
            continue;
        }
        let mut kept: Vec<Row> = Vec::new();
        let mut merged: BTreeMap<String, Row> = BTreeMap::new();
        for row in std::mem::take(&mut t.rows) {
            let to = plan.key_of(&row.key).to_owned();
            if to == row.key {
                kept.push(row);
                continue;
            }
            let label = plan
                .group(&to)
                .map_or_else(|| to.clone(), |g| g.label_da.clone());
            let entry = merged.entry(to.clone()).or_insert_with(|| Row {
                key: to.clone(),
                label,
                values: vec![Some(0); row.values.len()],
                children: Vec::new(),
            });
            merge_row(entry, row);
        }
        // Merged categories go last, in the plan's order.
        for g in &plan.groups {
            if let Some(r) = merged.remove(&g.key) {
                kept.push(r);
            }
        }
        t.rows = kept;
    }
}

fn merge_row(into: &mut Row, from: Row) {
    for (a, b) in into.values.iter_mut().zip(&from.values) {
        *a = a.zip(*b).map(|(x, y)| x + y);
    }
    for child in from.children {
        match into.children.iter_mut().find(|c| c.key == child.key) {
            Some(c) => merge_row(c, child),
            None => into.children.push(child),
        }
    }
    into.children
        .sort_by_key(|c| std::cmp::Reverse(c.values.iter().map(|v| v.unwrap_or(0)).sum::<u64>()));
}

/// Where each table cell's quantity is: (table, flat row, column) → quantity.
type Placement = Vec<(String, usize, usize, usize)>;

struct Builder {
    problem: Problem,
    placement: Placement,
    /// Figures earlier public editions published: canonical key → value.
    known: BTreeMap<String, u64>,
    history_before: Option<i32>,
    year: i32,
}

impl Builder {
    fn quantity(
        &mut self,
        key: &Key,
        value: u64,
        dims: usize,
        role: Role,
        at: Option<CellRef>,
    ) -> Result<usize, ProblemError> {
        let ks = key_string(key);
        let role = self.role_of(key, &ks, value, role)?;
        match at {
            Some(at) => self.problem.cell(&ks, value, dims, role, at),
            None => self.problem.quantity(&ks, value, dims, role),
        }
    }

    /// A figure of a history year, or one an earlier edition published, is fixed: known to
    /// the attacker and never hidden.
    fn role_of(&self, key: &Key, ks: &str, value: u64, role: Role) -> Result<Role, ProblemError> {
        if role == Role::Latent {
            return Ok(role);
        }
        if let Some(&was) = self.known.get(ks) {
            if was != value {
                return Err(ProblemError::Conflict {
                    key: format!("{ks} (an earlier public edition published it)"),
                    first: was,
                    second: value,
                });
            }
            return Ok(Role::Fixed);
        }
        let year: Option<i32> = key.get("year").and_then(|y| y.parse().ok());
        if let (Some(h), Some(y)) = (self.history_before, year)
            && y < h
            && y < self.year
        {
            return Ok(Role::Fixed);
        }
        Ok(role)
    }

    fn table(&mut self, id: &str, t: &Table) -> Result<(), ProblemError> {
        let def = spor_stats::defs::table(id);
        let mut flat = 0usize;
        let ncols = t.column_keys.len();
        // Quantity per top-level row and column, for the total row's sums.
        let mut top: Vec<Vec<Option<usize>>> = Vec::new();
        for row in &t.rows {
            let q = self.row(id, def, t, row, &mut vec![], &mut flat)?;
            top.push(q);
        }
        let sums = def.is_none_or(|d| d.total == TotalRule::SumOfRows);
        for c in 0..ncols {
            let Some(v) = t.total.get(c).copied().flatten() else {
                continue;
            };
            let q = self.cell(id, def, t, &[], c, v, flat, "total")?;
            let parts: Option<Vec<usize>> = top.iter().map(|r| r[c]).collect();
            if let (true, Some(parts)) = (sums, parts) {
                self.problem.relate(q, parts, "rows")?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        id: &str,
        def: Option<&TableDef>,
        t: &Table,
        path: &[&str],
        c: usize,
        value: u64,
        flat: usize,
        row_name: &str,
    ) -> Result<usize, ProblemError> {
        let at = CellRef {
            table: id.to_owned(),
            row: row_name.to_owned(),
            col: t.column_keys[c].clone(),
        };
        let q = match def {
            Some(def) => {
                let key = cell_key(def, t, self.year, path, Some(c));
                let dims = path.len() + usize::from(matches!(def.cols, Cols::Dim(_)));
                let role = if def.population == Population::HotlineCalls {
                    // Calls are not persons.
                    Role::Fixed
                } else {
                    Role::Free
                };
                self.quantity(&key, value, dims.max(1), role, Some(at))?
            }
            None => {
                // An unknown table is protected on its own: local keys, local sums.
                let key = format!("{id}|{row_name}|{}", t.column_keys[c]);
                self.problem
                    .cell(&key, value, path.len().max(1), Role::Free, at)?
            }
        };
        self.placement.push((id.to_owned(), flat, c, q));
        Ok(q)
    }

    fn row<'r>(
        &mut self,
        id: &str,
        def: Option<&TableDef>,
        t: &Table,
        row: &'r Row,
        path: &mut Vec<&'r str>,
        flat: &mut usize,
    ) -> Result<Vec<Option<usize>>, ProblemError> {
        path.push(row.key.as_str());
        let here = *flat;
        *flat += 1;
        let name = path.join("/");
        let mut qs = Vec::new();
        for (c, v) in row.values.iter().enumerate() {
            qs.push(match v {
                Some(v) => Some(self.cell(id, def, t, path, c, *v, here, &name)?),
                None => None,
            });
        }
        let mut kids: Vec<Vec<Option<usize>>> = Vec::new();
        for child in &row.children {
            kids.push(self.row(id, def, t, child, path, flat)?);
        }
        if !kids.is_empty() {
            for (c, q) in qs.iter().enumerate() {
                let parts: Option<Vec<usize>> = kids.iter().map(|k| k[c]).collect();
                if let (Some(q), Some(parts)) = (q, parts) {
                    self.problem.relate(*q, parts, "children")?;
                }
            }
        }
        path.pop();
        Ok(qs)
    }
}

/// Parses a canonical key back.
fn parse_key(s: &str) -> Option<Key> {
    let mut k = Key::new();
    for part in s.split('|') {
        let (d, v) = part.split_once('=')?;
        let d: &'static str = match d {
            "pop" => "pop",
            "year" => "year",
            "flag" => "flag",
            "nat" => "nat",
            "gender" => "gender",
            "age" => "age",
            "form" => "form",
            "referral" => "referral",
            "subtype" => "subtype",
            "authority" => "authority",
            _ => return None,
        };
        k.insert(d, v.to_owned());
    }
    Some(k)
}

/// Partitions of a dimension's values used to sum over it.
fn partitions(dim: &str) -> Vec<Vec<String>> {
    match dim {
        "age" => vec![
            vec!["minor".into(), "a18_24+a25p".into(), "unknown".into()],
            vec![
                "minor".into(),
                "a18_24".into(),
                "a25p".into(),
                "unknown".into(),
            ],
        ],
        _ => Vec::new(),
    }
}

/// Adds the sums between tables: projections over the cube, splits of grouped categories
/// and sub-population complements. Every sum is checked against the true values
/// ([`Problem::relate`]); one that does not balance is not added (its categories are
/// incomplete), so the attacker is never credited with a false equation.
fn link(problem: &mut Problem) {
    for _round in 0..3 {
        let before = (problem.quantities.len(), problem.relations.len());
        let keys: Vec<(usize, Key)> = problem
            .quantities
            .iter()
            .enumerate()
            .filter_map(|(i, q)| parse_key(&q.key).map(|k| (i, k)))
            .collect();
        // Projections: sum over one cube dimension.
        for dim in CUBE {
            let mut groups: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
            for (i, k) in &keys {
                let Some(v) = k.get(dim) else { continue };
                let cube_dims = CUBE.iter().filter(|d| k.contains_key(*d)).count();
                if cube_dims < 2 && !k.contains_key("flag") {
                    // Summing a one-dimensional table is its own total row.
                    continue;
                }
                let mut rest = k.clone();
                rest.remove(dim);
                groups
                    .entry(key_string(&rest))
                    .or_default()
                    .push((*i, v.clone()));
            }
            for (proj, members) in groups {
                let mut blocks: Vec<Vec<(usize, String)>> = Vec::new();
                let singles: Vec<(usize, String)> = members
                    .iter()
                    .filter(|(_, v)| !v.contains('+'))
                    .cloned()
                    .collect();
                if dim == "age" {
                    for p in partitions("age") {
                        let b: Vec<(usize, String)> = members
                            .iter()
                            .filter(|(_, v)| p.contains(v))
                            .cloned()
                            .collect();
                        blocks.push(b);
                    }
                } else {
                    // A merged category ("Øvrige former": `other+slavery_like`) is one part
                    // beside the single categories it does not overlap.
                    let mut merged: Vec<(usize, String)> = Vec::new();
                    let mut taken: BTreeSet<&str> = BTreeSet::new();
                    let mut sets: Vec<&(usize, String)> =
                        members.iter().filter(|(_, v)| v.contains('+')).collect();
                    sets.sort_by(|a, b| a.1.cmp(&b.1));
                    for m in sets.into_iter().chain(singles.iter()) {
                        let codes: Vec<&str> = m.1.split('+').collect();
                        if codes.iter().all(|c| !taken.contains(c)) {
                            taken.extend(codes);
                            merged.push(m.clone());
                        }
                    }
                    // The partition with the merged category first: it is the complete one
                    // when a table merged some categories.
                    if merged.len() != singles.len() {
                        blocks.push(merged);
                    }
                    blocks.push(singles);
                }
                for block in blocks {
                    if block.len() < 2 && problem.find(&proj).is_none() {
                        continue;
                    }
                    if block.is_empty() {
                        continue;
                    }
                    let sum: u64 = block
                        .iter()
                        .map(|(i, _)| problem.quantities[*i].value)
                        .sum();
                    let parts: Vec<usize> = block.iter().map(|(i, _)| *i).collect();
                    let whole = match problem.find(&proj) {
                        Some(w) if problem.quantities[w].value == sum => w,
                        Some(_) => continue,
                        None => match problem.quantity(&proj, sum, 0, Role::Latent) {
                            Ok(w) => w,
                            Err(_) => continue,
                        },
                    };
                    let _ = problem.relate(whole, parts, dim);
                }
            }
        }
        // Splits of grouped categories into their members.
        for (i, k) in &keys {
            for dim in ["age", "form", "gender"] {
                let Some(v) = k.get(dim) else { continue };
                if !v.contains('+') {
                    continue;
                }
                let members: Vec<&str> = v.split('+').collect();
                let mut parts = Vec::new();
                let mut missing = Vec::new();
                for m in &members {
                    let mut pk = k.clone();
                    pk.insert(dim, (*m).to_owned());
                    match problem.find(&key_string(&pk)) {
                        Some(p) => parts.push(p),
                        None => missing.push(pk),
                    }
                }
                let whole = problem.quantities[*i].value;
                let known: u64 = parts.iter().map(|&p| problem.quantities[p].value).sum();
                if dim == "age" && missing.len() == 1 && known <= whole {
                    // The one unpublished age band is what is left.
                    if let Ok(p) =
                        problem.quantity(&key_string(&missing[0]), whole - known, 0, Role::Latent)
                    {
                        parts.push(p);
                    }
                } else if dim == "age" && !missing.is_empty() {
                    continue;
                }
                if !parts.is_empty() {
                    let _ = problem.relate(*i, parts, dim);
                }
            }
        }
        // Sub-populations: victims = flagged + the rest.
        for (i, k) in &keys {
            let Some(flags) = k.get("flag") else { continue };
            if problem.quantities[*i].role == Role::Latent || flags.starts_with('!') {
                continue;
            }
            let mut base = k.clone();
            base.remove("flag");
            let Some(b) = problem.find(&key_string(&base)) else {
                continue;
            };
            let whole = problem.quantities[b].value;
            let part = problem.quantities[*i].value;
            if part > whole {
                continue;
            }
            let mut rest = k.clone();
            rest.insert("flag", format!("!{flags}"));
            if let Ok(r) = problem.quantity(&key_string(&rest), whole - part, 0, Role::Latent) {
                let _ = problem.relate(b, vec![*i, r], "flag");
            }
        }
        if (problem.quantities.len(), problem.relations.len()) == before {
            break;
        }
    }
}

/// Facts that state a count, and the key of that count.
fn fact_key(name: &str, year: i32) -> Option<Key> {
    let mut k = Key::new();
    k.insert("pop", "victims".to_owned());
    k.insert("year", year.to_string());
    match name {
        "victims" => {}
        "victims_previous_year" => {
            k.insert("year", (year - 1).to_string());
        }
        "minors" => constrain(&mut k, "age", set(&["minor"])),
        "under25" => constrain(&mut k, "age", set(&["minor", "a18_24"])),
        "age_unknown" => constrain(&mut k, "age", set(&["unknown"])),
        "returns" => add_flag(&mut k, "returned"),
        "returns_to_third_country" => {
            add_flag(&mut k, "returned");
            add_flag(&mut k, "third_country");
        }
        "repeat_victims" => add_flag(&mut k, "repeat"),
        "assessed_persons" => {
            k.insert("pop", "assessed".to_owned());
        }
        "assessed_persons_previous_year" => {
            k.insert("pop", "assessed".to_owned());
            k.insert("year", (year - 1).to_string());
        }
        "assessed_persons_identified" => {
            k.insert("pop", "assessed".to_owned());
            add_flag(&mut k, "identified");
        }
        n => {
            let g = n.strip_prefix("victims_")?;
            let gender = match g {
                "female" | "male" => g.to_owned(),
                "trans" => set(&["trans_female", "trans_male"]),
                "other_unknown" => set(&["other", "unknown"]),
                _ => return None,
            };
            k.insert("gender", gender);
        }
    }
    Some(k)
}

/// Facts that are not counts of persons (years, numbers of distinct categories, calls).
const SAFE_FACTS: &[&str] = &[
    "victims_first_year",
    "nationalities",
    "return_countries",
    "hotline_calls",
    "hotline_calls_previous_year",
    "hotline_calls_change_pct",
    "hotline_calls_concerning_possible_victims",
];

/// Facts computed from counts (shares, changes, a mean, a ranking): each is published only
/// when every count it is computed from is published, so it tells the attacker nothing the
/// tables do not. (A share rounded to one decimal of a hidden count would bound it to an
/// interval a fraction of a person wide whenever the whole is below 1,000: the model would
/// hide it anyway.)
fn derived_inputs(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "victims_change_pct" => &["victims", "victims_previous_year"],
        // "Highest since": the year and every year after it compared with this year.
        "victims_highest_since" => &["victims", "victims_previous_year", "victims_all_years"],
        "under25_share_pct" => &["under25", "victims"],
        "victims_female_share_pct" => &["victims_female", "victims"],
        "victims_male_share_pct" => &["victims_male", "victims"],
        "victims_trans_share_pct" => &["victims_trans", "victims"],
        "victims_other_unknown_share_pct" => &["victims_other_unknown", "victims"],
        "top2_nationalities_share_pct" => &["top2_nationalities", "victims"],
        "returns_share_pct" => &["returns", "victims"],
        "assessed_persons_change_pct" => &["assessed_persons", "assessed_persons_previous_year"],
        "assessed_persons_identified_share_pct" => {
            &["assessed_persons_identified", "assessed_persons"]
        }
        // A mean of a handful of ages says who they are.
        "age_mean" => &["age_known"],
        _ => return None,
    })
}

/// Counted facts that are sums of other counts: tied to them in the model, or withheld when
/// they cannot be (e.g. one of the two largest nationalities was merged).
const SUM_FACTS: &[&str] = &[
    "victims_all_years",
    "age_known",
    "returns_to_home_country",
    "top2_nationalities",
];

/// Facts naming the largest categories of a table: `{key, label, count, share_pct}`.
const ENTRY_FACTS: &[(&str, &str)] = &[
    ("top_referral", "victims_by_referral"),
    ("top_form", "victims_by_form"),
    ("top_nationalities", "victims_by_nationality"),
];

/// How a fact is tied to the model.
#[derive(Debug, Clone)]
enum FactUse {
    /// States this quantity.
    Count(usize),
    /// One entry per row of a table (`None`: the row is not published as such, e.g. merged).
    Entries(Vec<Option<usize>>),
    /// Computed from these facts.
    Derived(Vec<String>),
}

/// The canonical key of a top-level row's first column in a table of the public report.
fn row_key(report: &Report, table: &str, row: &str) -> Option<String> {
    let def = spor_stats::defs::table(table)?;
    let t = report.tables.get(table)?;
    t.rows.iter().find(|r| r.key == row)?;
    Some(key_string(&cell_key(
        def,
        t,
        report.year,
        &[row],
        Some(0).filter(|_| !t.column_keys.is_empty()),
    )))
}

/// Figures published by earlier public editions, by canonical key. Merged nationality rows
/// are left out: a merged category's members may differ from year to year.
fn published_keys(earlier: &[Report]) -> BTreeMap<String, u64> {
    fn walk(
        out: &mut BTreeMap<String, u64>,
        def: &TableDef,
        t: &Table,
        year: i32,
        rows: &[Row],
        path: &mut Vec<String>,
    ) {
        for r in rows {
            path.push(r.key.clone());
            let merged = r.key == "other" || r.key.contains(':');
            if !merged {
                let p: Vec<&str> = path.iter().map(String::as_str).collect();
                for (c, v) in r.values.iter().enumerate() {
                    if let Some(v) = v {
                        out.entry(key_string(&cell_key(def, t, year, &p, Some(c))))
                            .or_insert(*v);
                    }
                }
                walk(out, def, t, year, &r.children, path);
            }
            path.pop();
        }
    }
    let mut out = BTreeMap::new();
    for r in earlier {
        for (id, t) in &r.tables {
            let Some(def) = spor_stats::defs::table(id) else {
                continue;
            };
            walk(&mut out, def, t, r.year, &t.rows, &mut Vec::new());
            for (c, v) in t.total.iter().enumerate() {
                if let Some(v) = v {
                    out.entry(key_string(&cell_key(def, t, r.year, &[], Some(c))))
                        .or_insert(*v);
                }
            }
        }
        for (name, v) in &r.facts {
            if let (Some(k), Some(v)) = (fact_key(name, r.year), v.as_u64()) {
                out.entry(key_string(&k)).or_insert(v);
            }
        }
    }
    out
}

/// Makes the public profile of an overview. `earlier` are public editions of earlier years:
/// what they published is a known constraint and is never hidden again.
pub fn protect_report(
    report: &Report,
    earlier: &[Report],
    policy: &Policy,
) -> Result<PublicRelease, ReleaseError> {
    protect_report_with(report, earlier, policy, false)
}

/// As [`protect_report`]; with `minimise`, partners that turn out not to be needed are
/// published again ([`crate::suppress::reduce`]: one audit per partner, slower). No year is
/// taken as history: see [`protect_edition`].
pub fn protect_report_with(
    report: &Report,
    earlier: &[Report],
    policy: &Policy,
    minimise: bool,
) -> Result<PublicRelease, ReleaseError> {
    protect_edition(
        report,
        policy,
        &Inputs {
            earlier,
            history_before: None,
            minimise,
            keep_categories: false,
        },
    )
}

/// Makes the public edition of an overview: recodes, models every number it prints (cells,
/// totals, counted facts and the facts computed from them), hides what the policy and the
/// audit require, withholds every fact computed from a hidden count, and checks the result
/// with an attacker that reads only the published edition ([`crate::attack`]). History
/// years and figures of earlier editions are published unchanged and are known values.
pub fn protect_edition(
    report: &Report,
    policy: &Policy,
    inputs: &Inputs<'_>,
) -> Result<PublicRelease, ReleaseError> {
    let first = protect_designed(report, policy, inputs, Nested::GenderAge)?;
    let target = CELL_TARGET * 100.0;
    if inputs.keep_categories
        || first.utility.hidden_cells_pct <= target
        || !report
            .tables
            .contains_key("victims_by_nationality_gender_age_form")
    {
        return Ok(first);
    }
    // Above the share of cells an edition may hide: the nested nationality table is tried
    // at each coarser level too (by gender alone; by its two gender groups, with and
    // without adult/minor), and the edition that hides the smallest share is published
    // (the finer level when two hide the same share).
    let mut best = first;
    for nested in &Nested::ALL[1..] {
        match protect_designed(report, policy, inputs, *nested) {
            Ok(next) => {
                tracing::debug!(
                    "nested table {nested:?}: {} of {} cells hidden",
                    next.utility.hidden,
                    next.utility.cells
                );
                if next.utility.hidden_cells_pct < best.utility.hidden_cells_pct {
                    best = next;
                }
            }
            Err(e) => tracing::debug!("nested table {nested:?}: {e}"),
        }
    }
    Ok(best)
}

/// [`protect_edition`] with one design of the nested nationality table.
fn protect_designed(
    report: &Report,
    policy: &Policy,
    inputs: &Inputs<'_>,
    nested: Nested,
) -> Result<PublicRelease, ReleaseError> {
    let Model {
        mut public,
        recodes,
        merges,
        problem,
        placement,
        facts,
    } = model(report, inputs, policy, nested)?;

    let mut protection = protect(&problem, policy)?;
    if inputs.minimise {
        protection = reduce(&problem, policy, protection);
    }
    let hidden = protection.hidden();

    let mut suppressed: BTreeMap<String, Vec<[usize; 2]>> = BTreeMap::new();
    for (table, flat, c, q) in &placement {
        if hidden[*q] {
            suppressed
                .entry(table.clone())
                .or_default()
                .push([*flat, *c]);
        }
    }
    let recoded_report = public.clone();
    for (id, cells) in suppressed.iter_mut() {
        cells.sort_unstable();
        cells.dedup();
        if let Some(t) = public.tables.get_mut(id) {
            blank(t, cells);
            t.suppressed = cells.clone();
        }
    }
    public.disclosure_note = Some(policy.footnote_da());

    let facts_changed = protect_facts(&mut public, &facts, &hidden, policy);
    let utility = crate::utility::Utility::measure(report, &recoded_report, &public, &suppressed);
    let release = PublicRelease {
        report: public,
        suppressed,
        recodes,
        problem,
        protection,
        facts_changed,
        utility,
        merges,
        nested,
    };
    // The edition as a reader gets it, attacked on its own.
    let json = serde_json::to_value(&release.report).map_err(|e| Refused {
        message: format!("the public edition cannot be written as JSON: {e}"),
        findings: Vec::new(),
    })?;
    let pins = crate::attack::attack(&json);
    if let Some(p) = pins.iter().find(|p| p.pinned()) {
        return Err(ReleaseError::Refused(Refused {
            message: format!(
                "a hidden figure follows from the published ones: {} = {}",
                p.name, p.lo
            ),
            findings: Vec::new(),
        }));
    }
    Ok(release)
}

/// Withholds (`null`) every fact that states a hidden count or is computed from one, bands
/// single ages, and nulls small counts in facts the model does not know. Returns what was
/// changed and why.
fn protect_facts(
    public: &mut Report,
    facts: &BTreeMap<String, FactUse>,
    hidden: &[bool],
    policy: &Policy,
) -> BTreeMap<String, String> {
    let mut changed = BTreeMap::new();
    // Counts first: derived facts look at what became of them.
    let mut withheld: BTreeSet<String> = BTreeSet::new();
    for (name, use_) in facts {
        match use_ {
            FactUse::Count(q) if hidden[*q] => {
                public.facts.withhold(name);
                changed.insert(name.clone(), "the count is hidden".to_owned());
                withheld.insert(name.clone());
            }
            FactUse::Entries(qs) => {
                let Some(mut fact) = public.facts.get(name) else {
                    continue;
                };
                let v = &mut fact;
                let bad = |q: &Option<usize>| q.is_none_or(|q| hidden[q]);
                match v {
                    Value::Array(items) => {
                        // A ranking: entries up to the first one not published as such.
                        let keep = qs.iter().take_while(|&q| !bad(q)).count();
                        if keep < items.len() {
                            items.truncate(keep);
                            changed.insert(
                                name.clone(),
                                format!("only the first {keep} entries are published"),
                            );
                        }
                    }
                    Value::Object(_) if qs.first().is_none_or(bad) => {
                        *v = Value::Null;
                        changed.insert(name.clone(), "the count is hidden".to_owned());
                        withheld.insert(name.clone());
                    }
                    _ => {}
                }
                set_fact(public, name, fact);
            }
            _ => {}
        }
    }
    for (name, use_) in facts {
        let FactUse::Derived(inputs) = use_ else {
            continue;
        };
        let missing: Vec<&String> = inputs
            .iter()
            .filter(|i| {
                withheld.contains(*i)
                    || !facts.contains_key(*i)
                    || public.facts.get(i).as_ref().is_none_or(Value::is_null)
            })
            .collect();
        if !missing.is_empty() && !public.facts.get(name).as_ref().is_none_or(Value::is_null) {
            public.facts.withhold(name);
            changed.insert(
                name.clone(),
                format!(
                    "computed from {}, which is not published",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    let one_dim = policy.threshold(1);
    let names: Vec<String> = public.facts.keys().map(str::to_owned).collect();
    for name in names {
        if facts.contains_key(&name) || SAFE_FACTS.contains(&name.as_str()) {
            continue;
        }
        if SUM_FACTS.contains(&name.as_str()) && !public.facts.is_null(&name) {
            public.facts.withhold(&name);
            changed.insert(name, "its parts are not published as such".to_owned());
            continue;
        }
        if name == "age_min" || name == "age_max" {
            if let Some(a) = public.facts.as_u64(&name) {
                let band = policy.age_band(u8::try_from(a).ok());
                set_fact(public, &name, Value::String(band));
                changed.insert(name, "one person's age: shown as its band".to_owned());
            }
            continue;
        }
        // Anything else that looks like a small count of persons goes.
        let v = public.facts.get(&name).unwrap_or_default();
        let (safe, scrubbed) = scrub(v, one_dim);
        if scrubbed {
            set_fact(public, &name, safe);
            changed.insert(
                name,
                format!("states a count below {one_dim} that no table publishes"),
            );
        }
    }
    changed
}

/// The protection problem of an overview's public profile (recoded, modelled, linked),
/// before anything is hidden: for measuring the protection on its own.
pub fn problem_of(
    report: &Report,
    earlier: &[Report],
    policy: &Policy,
) -> Result<Problem, ReleaseError> {
    let inputs = Inputs {
        earlier,
        ..Inputs::default()
    };
    Ok(model(report, &inputs, policy, Nested::default())?.problem)
}

/// A recoded overview and its protection problem.
struct Model {
    public: Report,
    recodes: RecodePlan,
    merges: Vec<crate::design::Merge>,
    problem: Problem,
    placement: Placement,
    /// How each fact the model knows is tied to it.
    facts: BTreeMap<String, FactUse>,
}

fn model(
    report: &Report,
    inputs: &Inputs<'_>,
    policy: &Policy,
    nested: Nested,
) -> Result<Model, ProblemError> {
    let year = report.year;
    let counts: BTreeMap<String, u64> = report
        .tables
        .get("victims_by_nationality")
        .map(|t| {
            t.rows
                .iter()
                .map(|r| {
                    (
                        r.key.clone(),
                        r.values.first().copied().flatten().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // Nationality crossed with gender, age and form is held to the crossed threshold: merging
    // up to it keeps whole nationality rows from being hidden as partners.
    let crossed = report
        .tables
        .contains_key("victims_by_nationality_gender_age_form");
    let t = policy.threshold(if crossed { 2 } else { 1 });
    let recodes = nationality_plan(report, &counts, policy, t, inputs.keep_categories, nested);
    let mut public = report.clone();
    recode_report(&mut public, &recodes);
    let merges = if inputs.keep_categories {
        Vec::new()
    } else {
        crate::design::design_with(&mut public, policy, nested)
    };

    let mut b = Builder {
        problem: Problem::new(),
        placement: Vec::new(),
        known: published_keys(inputs.earlier),
        history_before: inputs.history_before,
        year,
    };
    for (id, t) in &public.tables {
        b.table(id, t)?;
    }
    // Counted facts are quantities shown in the text.
    let mut facts: BTreeMap<String, FactUse> = BTreeMap::new();
    let fact_at = |name: &str| CellRef {
        table: "facts".to_owned(),
        row: name.to_owned(),
        col: "value".to_owned(),
    };
    for (name, v) in &public.facts {
        let (Some(k), Some(n)) = (fact_key(name, year), v.as_u64()) else {
            continue;
        };
        let q = b.quantity(
            &k,
            n,
            classifying_dims(&k).max(1),
            Role::Free,
            Some(fact_at(name)),
        )?;
        facts.insert(name.to_owned(), FactUse::Count(q));
    }
    // Counted facts that are sums of others: a quantity of their own, tied by a sum.
    let count = |facts: &BTreeMap<String, FactUse>, n: &str| match facts.get(n) {
        Some(FactUse::Count(q)) => Some(*q),
        _ => None,
    };
    let fact_value = |n: &str| public.facts.as_u64(n);
    let sum_fact = |b: &mut Builder,
                    facts: &mut BTreeMap<String, FactUse>,
                    name: &str,
                    whole: Option<usize>,
                    parts: Vec<usize>|
     -> Result<(), ProblemError> {
        let Some(v) = fact_value(name) else {
            return Ok(());
        };
        // A sum that does not hold (its parts are not what the fact was computed from)
        // ties nothing: the fact is withheld instead (see `SUM_FACTS`).
        let of = |i: &usize| b.problem.quantities[*i].value;
        let holds = match whole {
            Some(w) => of(&w).checked_sub(parts.iter().map(of).sum()) == Some(v),
            None => parts.iter().map(of).sum::<u64>() == v,
        };
        if !holds {
            return Ok(());
        }
        let key = format!("fact={name}|year={year}");
        let q = b.problem.cell(&key, v, 1, Role::Free, fact_at(name))?;
        match whole {
            // whole = q + the other parts
            Some(w) => {
                let mut all = parts;
                all.push(q);
                b.problem.relate(w, all, "fact")?;
            }
            None => b.problem.relate(q, parts, "fact")?,
        }
        facts.insert(name.to_owned(), FactUse::Count(q));
        Ok(())
    };
    // All years: the sum of the victims series.
    if let Some(t) = public.tables.get("victims_by_year") {
        let years: Option<Vec<usize>> = t
            .column_keys
            .iter()
            .enumerate()
            .filter(|(c, _)| t.rows.first().is_some_and(|r| r.values[*c].is_some()))
            .map(|(_, y)| {
                let mut k = Key::new();
                k.insert("pop", "victims".to_owned());
                k.insert("year", y.clone());
                b.problem.find(&key_string(&k))
            })
            .collect();
        if let Some(years) = years {
            sum_fact(&mut b, &mut facts, "victims_all_years", None, years)?;
        }
    }
    // Known ages: the victims less those of unknown age.
    if let (Some(v), Some(u)) = (count(&facts, "victims"), count(&facts, "age_unknown")) {
        sum_fact(&mut b, &mut facts, "age_known", Some(v), vec![u])?;
    }
    // Returns home: the returns less those to a third country.
    if let (Some(r), Some(t)) = (
        count(&facts, "returns"),
        count(&facts, "returns_to_third_country"),
    ) {
        sum_fact(
            &mut b,
            &mut facts,
            "returns_to_home_country",
            Some(r),
            vec![t],
        )?;
    }
    // The two largest nationalities together.
    let top2: Option<Vec<usize>> = report.tables.get("victims_by_nationality").and_then(|t| {
        (t.rows.len() >= 2)
            .then(|| {
                t.rows[..2]
                    .iter()
                    .map(|r| {
                        row_key(&public, "victims_by_nationality", &r.key)
                            .and_then(|k| b.problem.find(&k))
                    })
                    .collect()
            })
            .flatten()
    });
    if let Some(parts) = top2 {
        sum_fact(&mut b, &mut facts, "top2_nationalities", None, parts)?;
    }
    // Rankings: each entry states the count of a row of its table.
    for (name, table) in ENTRY_FACTS {
        let entries: Vec<Value> = match public.facts.get(name) {
            Some(Value::Array(a)) => a,
            Some(o @ Value::Object(_)) => vec![o],
            _ => continue,
        };
        let qs = entries
            .iter()
            .map(|e| {
                let key = e.get("key")?.as_str()?;
                row_key(&public, table, key).and_then(|k| b.problem.find(&k))
            })
            .collect();
        facts.insert((*name).to_owned(), FactUse::Entries(qs));
    }
    // Returns to a third country per nationality: counts of their own, summing to the
    // fact `returns_to_third_country`.
    if let Some(Value::Array(entries)) = public.facts.get("returns_to_third_country_by_nationality")
    {
        let mut qs = Vec::new();
        for e in entries {
            let (Some(nat), Some(n)) = (
                e.get("key").and_then(Value::as_str),
                e.get("count").and_then(Value::as_u64),
            ) else {
                qs.push(None);
                continue;
            };
            let mut k = fact_key("returns_to_third_country", year).unwrap_or_default();
            k.insert("nat", nat.to_owned());
            let at = fact_at(&format!("returns_to_third_country_by_nationality/{nat}"));
            qs.push(Some(b.quantity(&k, n, 1, Role::Free, Some(at))?));
        }
        if let (Some(whole), Some(parts)) = (
            count(&facts, "returns_to_third_country"),
            qs.iter().copied().collect::<Option<Vec<usize>>>(),
        ) {
            // Only when the list is complete (it always is: one entry per nationality).
            let _ = b.problem.relate(whole, parts, "nat");
        }
        facts.insert(
            "returns_to_third_country_by_nationality".to_owned(),
            FactUse::Entries(qs),
        );
    }
    for name in public.facts.keys() {
        if let Some(from) = derived_inputs(name) {
            facts.insert(
                name.to_owned(),
                FactUse::Derived(from.iter().map(|s| (*s).to_owned()).collect()),
            );
        }
    }
    let Builder {
        mut problem,
        placement,
        ..
    } = b;
    link(&mut problem);
    // The headline figures stay published: the year's victims, the all-years total, the
    // assessed persons and the largest row of the form, gender, referral and nationality
    // tables are never chosen as partners (unless a rule hides them: then the audit finds
    // other partners or refuses).
    let primary = crate::suppress::primary(&problem, policy);
    let mut headline: Vec<usize> = ["victims", "victims_all_years", "assessed_persons"]
        .iter()
        .filter_map(|n| count(&facts, n))
        .collect();
    for table in [
        "victims_by_form",
        "victims_by_gender",
        "victims_by_referral",
        "victims_by_nationality",
    ] {
        let Some(t) = public.tables.get(table) else {
            continue;
        };
        let largest = t
            .rows
            .iter()
            .filter(|r| recodes.group(&r.key).is_none() && r.key != "UNKNOWN")
            .max_by_key(|r| r.values.first().copied().flatten().unwrap_or(0));
        if let Some(q) = largest
            .and_then(|r| row_key(&public, table, &r.key))
            .and_then(|k| problem.find(&k))
        {
            headline.push(q);
        }
    }
    for q in headline {
        if primary[q] == crate::suppress::Status::Published
            && problem.quantities[q].role == Role::Free
        {
            problem.quantities[q].role = Role::Fixed;
        }
    }
    Ok(Model {
        public,
        recodes,
        merges,
        problem,
        placement,
        facts,
    })
}

/// Share of cells the design aims to keep hidden at most: a coarser design is taken when it
/// hides fewer cells than this share of the cells it gives up (see [`nationality_plan`]).
const CELL_TARGET: f64 = 0.15;

/// The nationality merges of an edition, designed before anything is hidden. Nationalities
/// with fewer victims than `t` are merged into their UN M49 region (then continent, then
/// "Øvrige lande"); a higher bar (2, 3, 4, 6, 8, 12, 16, 24 or 32 times `t`, never above the
/// largest nationality, which stays its own row) is taken when it leaves fewer cells of the
/// nationality tables hidden for the cells it merges: the bar with the least `hidden −
/// CELL_TARGET × cells` over the tables whose rows are nationalities, counting cells below
/// their threshold and a partner for each one alone among its siblings (a merged row is one
/// cell), after the rest of the design ([`crate::design`]). Small nationalities crossed with
/// gender, age, returns and repeat victims are mostly small cells; their regions are not.
fn nationality_plan(
    report: &Report,
    counts: &BTreeMap<String, u64>,
    policy: &Policy,
    t: u64,
    keep_categories: bool,
    nested: Nested,
) -> RecodePlan {
    let largest = counts
        .iter()
        .filter(|(k, _)| k.as_str() != "UNKNOWN" && crate::recode::region_of(k).is_some())
        .map(|(_, &n)| n)
        .max()
        .unwrap_or(0);
    let mut best: Option<(f64, RecodePlan)> = None;
    for m in [1u64, 2, 3, 4, 6, 8, 12, 16, 24, 32] {
        let bar = t * m;
        if m > 1 && bar > largest {
            break;
        }
        let plan = plan_nationalities(counts, policy, bar);
        let mut r = report.clone();
        recode_report(&mut r, &plan);
        if !keep_categories {
            crate::design::design_with(&mut r, policy, nested);
        }
        let (hidden, cells) = nationality_cells(&r, policy);
        let score = hidden as f64 - CELL_TARGET * cells as f64;
        tracing::debug!("nationality bar {bar}: {hidden} of {cells} cells hidden, score {score}");
        if best.as_ref().is_none_or(|(b, _)| score < *b - 1e-9) {
            best = Some((score, plan));
        }
    }
    best.map_or_else(|| plan_nationalities(counts, policy, t), |(_, p)| p)
}

/// Estimated hidden cells and cells of the tables whose rows are nationalities: cells below
/// their threshold, plus one partner wherever a hidden cell is alone among its siblings.
fn nationality_cells(report: &Report, policy: &Policy) -> (usize, usize) {
    let (mut hidden, mut cells) = (0usize, 0usize);
    for (id, t) in &report.tables {
        let Some(def) = nationality_table(id) else {
            continue;
        };
        let col_dim = usize::from(matches!(def.cols, Cols::Dim(_)));
        let small = |v: Option<u64>, dims: usize| {
            v.is_some_and(|v| v > 0 && v < policy.threshold(dims.max(1)))
        };
        fn walk(
            rows: &[Row],
            depth: usize,
            merged: bool,
            col_dim: usize,
            small: &dyn Fn(Option<u64>, usize) -> bool,
            hidden: &mut usize,
            cells: &mut usize,
        ) {
            let ncols = rows.first().map_or(0, |r| r.values.len());
            for c in 0..ncols {
                let alone = rows
                    .iter()
                    .filter(|r| small(r.values.get(c).copied().flatten(), depth + 1 + col_dim))
                    .count();
                if alone == 1 && rows.len() > 1 {
                    *hidden += 1;
                }
            }
            for r in rows {
                let merged = merged || crate::design::is_merged_key(&r.key);
                let n = r.values.iter().flatten().count();
                let h = r
                    .values
                    .iter()
                    .filter(|v| small(**v, depth + 1 + col_dim))
                    .count();
                if merged {
                    *cells += usize::from(n > 0);
                    *hidden += usize::from(h > 0);
                } else {
                    *cells += n;
                    *hidden += h;
                }
                walk(
                    &r.children,
                    depth + 1,
                    merged,
                    col_dim,
                    small,
                    hidden,
                    cells,
                );
            }
        }
        walk(&t.rows, 0, false, col_dim, &small, &mut hidden, &mut cells);
        for v in &t.total {
            cells += usize::from(v.is_some());
            hidden += usize::from(small(*v, col_dim));
        }
    }
    (hidden, cells)
}

/// Nulls small counts (and their shares) inside a fact value.
fn scrub(v: Value, threshold: u64) -> (Value, bool) {
    match v {
        Value::Number(n) if n.as_u64().is_some_and(|x| x > 0 && x < threshold) => {
            (Value::Null, true)
        }
        Value::Array(items) => {
            let mut changed = false;
            let items = items
                .into_iter()
                .map(|i| {
                    let (i, c) = scrub(i, threshold);
                    changed |= c;
                    i
                })
                .collect();
            (Value::Array(items), changed)
        }
        Value::Object(mut m) => {
            let small = m
                .get("count")
                .and_then(Value::as_u64)
                .is_some_and(|x| x > 0 && x < threshold);
            if small {
                m.insert("count".into(), Value::Null);
                if m.contains_key("share_pct") {
                    m.insert("share_pct".into(), Value::Null);
                }
            }
            (Value::Object(m), small)
        }
        other => (other, false),
    }
}

/// Sets a fact of the public report to a value of the same shape (fewer entries, `null`s,
/// an age band).
fn set_fact(public: &mut Report, name: &str, v: Value) {
    if let Err(e) = public.facts.set(name, v) {
        unreachable!("a fact keeps its shape when it is made safe: {e}");
    }
}

/// Sets the listed cells to `null`.
fn blank(t: &mut Table, cells: &[[usize; 2]]) {
    fn walk(rows: &mut [Row], flat: &mut usize, cells: &[[usize; 2]]) {
        for r in rows {
            for &[fr, c] in cells {
                if fr == *flat && c < r.values.len() {
                    r.values[c] = None;
                }
            }
            *flat += 1;
            walk(&mut r.children, flat, cells);
        }
    }
    let mut flat = 0;
    walk(&mut t.rows, &mut flat, cells);
    for &[fr, c] in cells {
        if fr == flat && c < t.total.len() {
            t.total[c] = None;
        }
    }
}

/// The headline figures of an edition (issue 18) and whether the public edition publishes
/// each as the internal one has it: the year's victims, the all-years total, hotline calls,
/// assessed persons, and the largest row (by the year's count, "unknown" aside) of the form,
/// gender, referral and nationality tables.
pub fn headline_figures(internal: &Report, public: &PublicRelease) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for f in [
        "victims",
        "victims_all_years",
        "hotline_calls",
        "assessed_persons",
    ] {
        let Some(v) = internal.facts.get(f).filter(|v| !v.is_null()) else {
            continue;
        };
        out.push((format!("facts.{f}"), public.report.facts.get(f) == Some(v)));
    }
    for table in [
        "victims_by_form",
        "victims_by_gender",
        "victims_by_referral",
        "victims_by_nationality",
    ] {
        let Some(t) = internal.tables.get(table) else {
            continue;
        };
        let Some(largest) = t
            .rows
            .iter()
            .filter(|r| r.key != "UNKNOWN")
            .max_by_key(|r| r.values.first().copied().flatten().unwrap_or(0))
        else {
            continue;
        };
        let shown = public
            .report
            .tables
            .get(table)
            .and_then(|p| p.rows.iter().find(|r| r.key == largest.key))
            .and_then(|r| r.values.first().copied().flatten());
        out.push((
            format!("{table}[{}]", largest.key),
            shown.is_some() && shown == largest.values.first().copied().flatten(),
        ));
    }
    out
}
