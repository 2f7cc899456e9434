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
        self.report.facts.get(name).is_some_and(Value::is_null)
            && self.facts_changed.contains_key(name)
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

/// Merges the rows of nationality tables by the plan.
fn recode_report(report: &mut Report, plan: &RecodePlan) {
    if plan.groups.is_empty() {
        return;
    }
    for (id, t) in report.tables.iter_mut() {
        let Some(def) = spor_stats::defs::table(id) else {
            continue;
        };
        let Rows::Dims { levels, .. } = def.rows else {
            continue;
        };
        if levels.first() != Some(&Dim::Nationality) {
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

struct Builder<'a> {
    problem: Problem,
    placement: Placement,
    earlier: &'a [Report],
    year: i32,
}

impl Builder<'_> {
    fn quantity(
        &mut self,
        key: &Key,
        value: u64,
        dims: usize,
        role: Role,
        at: Option<CellRef>,
    ) -> Result<usize, ProblemError> {
        let ks = key_string(key);
        match at {
            Some(at) => self.problem.cell(&ks, value, dims, role, at),
            None => self.problem.quantity(&ks, value, dims, role),
        }
    }

    /// Was this cell published by an earlier public edition (same table, row and column)?
    fn published_before(&self, table: &str, path: &[&str], col_key: &str) -> bool {
        self.earlier.iter().any(|r| {
            r.year < self.year
                && r.tables.get(table).is_some_and(|t| {
                    let Some(c) = t.column_keys.iter().position(|k| k == col_key) else {
                        return false;
                    };
                    find_row(&t.rows, path).is_some_and(|row| row.values[c].is_some())
                })
        })
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
                let col_year: i32 = key["year"].parse().unwrap_or(self.year);
                let role = if def.population == Population::HotlineCalls
                    || (col_year < self.year && self.published_before(id, path, &at.col))
                {
                    // Calls are not persons; figures already out cannot be taken back.
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

fn find_row<'r>(rows: &'r [Row], path: &[&str]) -> Option<&'r Row> {
    let (first, rest) = path.split_first()?;
    let row = rows.iter().find(|r| r.key == *first)?;
    if rest.is_empty() {
        Some(row)
    } else {
        find_row(&row.children, rest)
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
        "assessed_persons" => {
            k.insert("pop", "assessed".to_owned());
        }
        "assessed_persons_previous_year" => {
            k.insert("pop", "assessed".to_owned());
            k.insert("year", (year - 1).to_string());
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

/// Facts that are not counts of persons in a group (years, distinct counts, calls, means of
/// groups at or above the threshold).
const SAFE_FACTS: &[&str] = &[
    "victims_highest_since",
    "victims_first_year",
    "victims_all_years",
    "victims_change_pct",
    "nationalities",
    "return_countries",
    "hotline_calls",
    "hotline_calls_previous_year",
    "hotline_calls_change_pct",
    "hotline_calls_concerning_victims",
    "age_mean",
];

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
/// published again ([`crate::suppress::reduce`]: one audit per partner, slower).
pub fn protect_report_with(
    report: &Report,
    earlier: &[Report],
    policy: &Policy,
    minimise: bool,
) -> Result<PublicRelease, ReleaseError> {
    let Model {
        mut public,
        recodes,
        problem,
        placement,
        fact_q,
    } = model(report, earlier, policy)?;

    let mut protection = protect(&problem, policy)?;
    if minimise {
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
    for (id, cells) in suppressed.iter_mut() {
        cells.sort_unstable();
        cells.dedup();
        if let Some(t) = public.tables.get_mut(id) {
            blank(t, cells);
            t.suppressed = cells.clone();
        }
    }
    public.disclosure_note = Some(policy.footnote_da());

    let mut facts_changed = BTreeMap::new();
    let one_dim = policy.threshold(1);
    let names: Vec<String> = public.facts.keys().cloned().collect();
    for name in names {
        let reason = if let Some(q) = fact_q.get(&name) {
            hidden[*q].then(|| "the count is hidden".to_owned())
        } else if let Some(base) = name.strip_suffix("_share_pct") {
            fact_q
                .get(base)
                .is_some_and(|q| hidden[*q])
                .then(|| format!("{base} is hidden"))
        } else {
            None
        };
        if let Some(reason) = reason {
            public.facts.insert(name.clone(), Value::Null);
            facts_changed.insert(name, reason);
            continue;
        }
        if name == "age_min" || name == "age_max" {
            if let Some(a) = public.facts[&name].as_u64() {
                let band = policy.age_band(u8::try_from(a).ok());
                public.facts.insert(name.clone(), Value::String(band));
                facts_changed.insert(name, "one person's age: shown as its band".to_owned());
            }
            continue;
        }
        if fact_q.contains_key(&name) || SAFE_FACTS.contains(&name.as_str()) {
            continue;
        }
        // Anything else that looks like a small count of persons goes.
        let v = public.facts[&name].clone();
        let (safe, changed) = scrub(v, one_dim);
        if changed {
            public.facts.insert(name.clone(), safe);
            facts_changed.insert(
                name,
                format!("states a count below {one_dim} that no table publishes"),
            );
        }
    }
    Ok(PublicRelease {
        report: public,
        suppressed,
        recodes,
        problem,
        protection,
        facts_changed,
    })
}

/// The protection problem of an overview's public profile (recoded, modelled, linked),
/// before anything is hidden: for measuring the protection on its own.
pub fn problem_of(
    report: &Report,
    earlier: &[Report],
    policy: &Policy,
) -> Result<Problem, ReleaseError> {
    Ok(model(report, earlier, policy)?.problem)
}

/// A recoded overview and its protection problem.
struct Model {
    public: Report,
    recodes: RecodePlan,
    problem: Problem,
    placement: Placement,
    /// Counted facts: name → quantity.
    fact_q: BTreeMap<String, usize>,
}

fn model(report: &Report, earlier: &[Report], policy: &Policy) -> Result<Model, ProblemError> {
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
    let recodes = plan_nationalities(&counts, policy, t);
    let mut public = report.clone();
    recode_report(&mut public, &recodes);

    let mut b = Builder {
        problem: Problem::new(),
        placement: Vec::new(),
        earlier,
        year,
    };
    for (id, t) in &public.tables {
        b.table(id, t)?;
    }
    // Counted facts are quantities shown in the text.
    let mut fact_q: BTreeMap<String, usize> = BTreeMap::new();
    for (name, v) in &public.facts {
        let (Some(k), Some(n)) = (fact_key(name, year), v.as_u64()) else {
            continue;
        };
        let at = CellRef {
            table: "facts".to_owned(),
            row: name.clone(),
            col: "value".to_owned(),
        };
        let q = b.quantity(&k, n, classifying_dims(&k).max(1), Role::Free, Some(at))?;
        fact_q.insert(name.clone(), q);
    }
    let Builder {
        mut problem,
        placement,
        ..
    } = b;
    link(&mut problem);
    Ok(Model {
        public,
        recodes,
        problem,
        placement,
        fact_q,
    })
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
