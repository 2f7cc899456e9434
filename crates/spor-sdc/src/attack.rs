//! An attacker that reads only the published edition (its JSON), independent of the audit.
//!
//! The audit ([`crate::audit`]) works on the release's model with the true values beside it.
//! This attacker knows nothing but what a reader downloads: every published cell, the
//! `suppressed` list of each table, the facts, and the public table definitions
//! ([`spor_stats::defs`]), from which it knows which cells of different tables count the
//! same persons and which cells sum to which. From that it derives bounds for every hidden
//! cell and withheld count by propagating:
//!
//! - sums: a table's rows add up to its total row, children to their parent, the victims
//!   series to `victims_all_years`, known and unknown ages to the victims, returns home and to
//!   a third country to the returns, the two largest nationalities to `top2_nationalities`;
//! - equal counts: the same persons in two tables (same canonical key) and a fact stating a
//!   table's cell;
//! - shares and changes: a percentage printed with one decimal bounds its count to an
//!   interval (`under25_share_pct` = 100 · under25 / victims ± 0.05, and so on);
//! - counts are whole numbers and never negative.
//!
//! A hidden figure whose bounds meet is *pinned*: the edition gives it away. The public
//! profile refuses an edition with a pinned figure ([`crate::overview::protect_edition`]).
//! The attacker is weaker than the audit's linear programs (bounds propagation, no
//! projections over the nationality cube), so an edition the audit passes should never be
//! caught here; it checks what the audit's model might leave out, from the outside.

use std::collections::BTreeMap;

use serde_json::Value;
use spor_stats::defs::TotalRule;
use spor_stats::{Report, Row, Table};

use crate::overview::{cell_key_string, fact_key_string};

/// What the attacker derived about one hidden figure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Deduced {
    /// `table[row, column]` (rows as key paths, `total` for the total row) or `facts.NAME`.
    pub name: String,
    pub lo: f64,
    /// `f64::INFINITY` when nothing bounds it.
    pub hi: f64,
}

impl Deduced {
    /// Does the edition give the figure away?
    pub fn pinned(&self) -> bool {
        self.hi.is_finite() && self.hi - self.lo < 0.5
    }
}

#[derive(Default)]
struct Model {
    vars: BTreeMap<String, usize>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// `whole = Σ parts`.
    sums: Vec<(usize, Vec<usize>)>,
    /// `part / whole · 100 ∈ [p - 0.05, p + 0.05]`.
    shares: Vec<(usize, usize, f64)>,
    /// `(now - before) / before · 100 ∈ [p - 0.05, p + 0.05]`.
    changes: Vec<(usize, usize, f64)>,
    /// Hidden figures: name → variable.
    hidden: Vec<(String, usize)>,
    contradiction: Option<String>,
}

impl Model {
    fn var(&mut self, key: String) -> usize {
        let n = self.lo.len();
        let v = *self.vars.entry(key).or_insert(n);
        if v == n {
            self.lo.push(0.0);
            self.hi.push(f64::INFINITY);
        }
        v
    }

    fn fix(&mut self, v: usize, value: u64, what: &str) {
        let x = value as f64;
        if (self.lo[v] > x + 0.5 || self.hi[v] < x - 0.5) && self.contradiction.is_none() {
            self.contradiction = Some(format!("{what} = {value} contradicts another figure"));
        }
        self.lo[v] = x;
        self.hi[v] = x;
    }

    fn tighten(&mut self, v: usize, lo: f64, hi: f64) -> bool {
        // Counts are whole numbers: round inwards, with a little slack for floating point.
        let lo = (lo - 1e-7).ceil().max(0.0);
        let hi = if hi.is_finite() {
            (hi + 1e-7).floor()
        } else {
            hi
        };
        let mut changed = false;
        if lo > self.lo[v] {
            self.lo[v] = lo;
            changed = true;
        }
        if hi < self.hi[v] {
            self.hi[v] = hi;
            changed = true;
        }
        changed
    }

    fn propagate(&mut self) {
        for _ in 0..500 {
            let mut changed = false;
            for i in 0..self.sums.len() {
                let (w, parts) = self.sums[i].clone();
                let plo: f64 = parts.iter().map(|&p| self.lo[p]).sum();
                let phi: f64 = parts.iter().map(|&p| self.hi[p]).sum();
                changed |= self.tighten(w, plo, phi);
                for &p in &parts {
                    let others_hi = phi - self.hi[p];
                    let others_lo = plo - self.lo[p];
                    let lo = if others_hi.is_finite() {
                        self.lo[w] - others_hi
                    } else {
                        0.0
                    };
                    let hi = self.hi[w] - others_lo;
                    changed |= self.tighten(p, lo, hi);
                }
            }
            for i in 0..self.shares.len() {
                let (part, whole, pct) = self.shares[i];
                let (a, b) = ((pct - 0.05) / 100.0, (pct + 0.05) / 100.0);
                let (wlo, whi) = (self.lo[whole], self.hi[whole]);
                changed |= self.tighten(part, a.max(0.0) * wlo, b * whi);
                let (plo, phi) = (self.lo[part], self.hi[part]);
                let hi = if a > 0.0 { phi / a } else { f64::INFINITY };
                changed |= self.tighten(whole, plo / b, hi);
            }
            for i in 0..self.changes.len() {
                let (now, before, pct) = self.changes[i];
                let (a, b) = (1.0 + (pct - 0.05) / 100.0, 1.0 + (pct + 0.05) / 100.0);
                let (blo, bhi) = (self.lo[before], self.hi[before]);
                changed |= self.tighten(now, a.max(0.0) * blo, b * bhi);
                let (nlo, nhi) = (self.lo[now], self.hi[now]);
                let hi = if a > 0.0 { nhi / a } else { f64::INFINITY };
                changed |= self.tighten(before, nlo / b, hi);
            }
            if !changed {
                break;
            }
        }
    }
}

/// Attacks a public edition (the JSON of `spor release public`, or a public
/// [`spor_stats::Report`] as JSON): the bounds of every hidden cell and withheld count. An
/// edition that is not a report gives no findings but one named `edition` pinned at 0, so
/// it is never taken as safe.
/// Called for each published cell (model, row path, row, value, column): the model's
/// variable of the cell, if it has one.
type CellFn<'c> = dyn FnMut(&mut Model, &[&str], usize, Option<u64>, usize) -> Option<usize> + 'c;

pub fn attack(edition: &Value) -> Vec<Deduced> {
    attack_with(edition, None)
}

/// [`attack`] on the JSON and the HTML edition together: every number the HTML shows is
/// read too ([`crate::html_numbers`]). A table cell or key figure enters the bounds as the
/// figure it is (a hidden one printed in the HTML is pinned by it); a number in the text
/// (sentences, chart labels, captions) that no published figure gives (see
/// [`crate::html_numbers::unexplained`]) is reported as a finding of its own, pinned, so the
/// edition is refused.
pub fn attack_edition(edition: &Value, html: &str) -> Vec<Deduced> {
    attack_with(edition, Some(html))
}

fn attack_with(edition: &Value, html: Option<&str>) -> Vec<Deduced> {
    let report: Report = match serde_json::from_value(edition.clone()) {
        Ok(r) => r,
        Err(e) => {
            return vec![Deduced {
                name: format!("edition (not a report: {e})"),
                lo: 0.0,
                hi: 0.0,
            }];
        }
    };
    let mut m = Model::default();
    for (id, t) in &report.tables {
        table(&mut m, id, t, report.year);
    }
    facts(&mut m, &report);
    // A fact the edition does not state at all (an older edition) is no withheld figure.
    let stated = edition.get("facts").and_then(Value::as_object);
    m.hidden.retain(|(name, _)| {
        name.strip_prefix("facts.")
            .is_none_or(|n| stated.is_some_and(|s| s.contains_key(n)))
    });
    let mut unexplained = Vec::new();
    if let Some(html) = html {
        let page = crate::html_numbers::read(html, &report);
        html_figures(&mut m, &report, &page);
        unexplained = crate::html_numbers::unexplained(&report, &page);
    }
    m.propagate();
    let mut out: Vec<Deduced> = m
        .hidden
        .iter()
        .map(|(name, v)| Deduced {
            name: name.clone(),
            lo: m.lo[*v],
            hi: m.hi[*v],
        })
        .collect();
    if let Some(c) = m.contradiction {
        out.push(Deduced {
            name: format!("edition ({c})"),
            lo: 0.0,
            hi: 0.0,
        });
    }
    for (n, context) in unexplained {
        out.push(Deduced {
            name: format!("html: {n} in \"{context}\" follows from no published figure"),
            lo: n,
            hi: n,
        });
    }
    out
}

/// The HTML's table cells and key figures, as the figures they are.
fn html_figures(m: &mut Model, r: &Report, page: &crate::html_numbers::Page) {
    for (id, cells) in &page.tables {
        let (Some(t), Some(def)) = (r.tables.get(id), spor_stats::defs::table(id)) else {
            continue;
        };
        for cell in cells {
            let Some(v) = cell.value else { continue };
            let path: Vec<&str> = cell.path.iter().map(String::as_str).collect();
            if cell.col >= t.column_keys.len() {
                continue;
            }
            let var = m.var(cell_key_string(def, t, r.year, &path, Some(cell.col)));
            m.fix(
                var,
                v,
                &format!("html {id}[{}, {}]", path.join("/"), cell.col),
            );
        }
    }
    for (fact, v) in &page.key_figures {
        if let Some(key) = fact_key_string(fact, r.year) {
            let var = m.var(key);
            m.fix(var, *v, &format!("html key figure {fact}"));
        }
    }
}

/// The variable of each cell of one row and column (`None`: not known, not hidden).
fn table(m: &mut Model, id: &str, t: &Table, year: i32) {
    let def = spor_stats::defs::table(id);
    let hidden_cell = |flat: usize, c: usize| t.suppressed.contains(&[flat, c]);
    let ncols = t.column_keys.len();
    let mut flat = 0usize;
    let mut cell = |m: &mut Model, path: &[&str], c: usize, v: Option<u64>, flat: usize| {
        let hidden = hidden_cell(flat, c);
        if v.is_none() && !hidden {
            return None;
        }
        let key = match def {
            Some(def) => cell_key_string(def, t, year, path, Some(c)),
            None => format!("{id}|{}|{}", path.join("/"), t.column_keys[c]),
        };
        let var = m.var(key);
        let name = format!(
            "{id}[{}, {}]",
            if path.is_empty() {
                "total".to_owned()
            } else {
                path.join("/")
            },
            t.column_keys[c]
        );
        match v {
            Some(v) => m.fix(var, v, &name),
            None => m.hidden.push((name, var)),
        }
        Some(var)
    };
    fn rows<'r>(
        m: &mut Model,
        rs: &'r [Row],
        path: &mut Vec<&'r str>,
        flat: &mut usize,
        ncols: usize,
        cell: &mut CellFn<'_>,
    ) -> Vec<Vec<Option<usize>>> {
        let mut out = Vec::new();
        for r in rs {
            path.push(&r.key);
            let here = *flat;
            *flat += 1;
            let qs: Vec<Option<usize>> = (0..ncols)
                .map(|c| cell(m, path, c, r.values.get(c).copied().flatten(), here))
                .collect();
            if !r.children.is_empty() {
                let kids = rows(m, &r.children, path, flat, ncols, cell);
                for (c, q) in qs.iter().enumerate() {
                    let parts: Option<Vec<usize>> = kids.iter().map(|k| k[c]).collect();
                    if let (Some(q), Some(parts)) = (q, parts) {
                        m.sums.push((*q, parts));
                    }
                }
            }
            path.pop();
            out.push(qs);
        }
        out
    }
    let top = rows(m, &t.rows, &mut Vec::new(), &mut flat, ncols, &mut cell);
    let sums = def.is_none_or(|d| d.total == TotalRule::SumOfRows);
    for c in 0..ncols {
        let Some(q) = cell(m, &[], c, t.total.get(c).copied().flatten(), flat) else {
            continue;
        };
        let parts: Option<Vec<usize>> = top.iter().map(|r| r[c]).collect();
        if let (true, Some(parts)) = (sums, parts) {
            m.sums.push((q, parts));
        }
    }
}

fn facts(m: &mut Model, r: &Report) {
    let year = r.year;
    let num = |n: &str| r.facts.as_u64(n);
    let float = |n: &str| r.facts.as_f64(n);
    // Counted facts: the same persons as a table's cell.
    let mut fvar: BTreeMap<String, usize> = BTreeMap::new();
    for (name, v) in &r.facts {
        let Some(key) = fact_key_string(name, year) else {
            continue;
        };
        let var = m.var(key);
        if let Some(n) = v.as_u64() {
            m.fix(var, n, &format!("facts.{name}"));
        }
        fvar.insert(name.to_owned(), var);
    }
    let own = |m: &mut Model, name: &str| -> usize {
        let var = m.var(format!("fact={name}|year={year}"));
        if let Some(n) = num(name) {
            m.fix(var, n, &format!("facts.{name}"));
        }
        var
    };
    // Sums.
    if let Some(t) = r.tables.get("victims_by_year") {
        let years: Vec<usize> = t
            .column_keys
            .iter()
            .enumerate()
            .filter(|(c, _)| {
                t.rows
                    .first()
                    .is_some_and(|row| row.values[*c].is_some() || t.suppressed.contains(&[0, *c]))
            })
            .filter_map(|(_, y)| m.vars.get(&format!("pop=victims|year={y}")).copied())
            .collect();
        if !years.is_empty() && r.facts.contains_key("victims_all_years") {
            let all = own(m, "victims_all_years");
            m.sums.push((all, years));
        }
    }
    if let (Some(&v), Some(&u)) = (fvar.get("victims"), fvar.get("age_unknown"))
        && r.facts.contains_key("age_known")
    {
        let k = own(m, "age_known");
        m.sums.push((v, vec![k, u]));
    }
    if let (Some(&ret), Some(&third)) = (fvar.get("returns"), fvar.get("returns_to_third_country"))
        && r.facts.contains_key("returns_to_home_country")
    {
        let home = own(m, "returns_to_home_country");
        m.sums.push((ret, vec![home, third]));
    }
    // The two largest nationalities are the first two rows when both are nationalities of
    // their own (every one shown on its own is larger than any merged into a region).
    if let Some(t) = r.tables.get("victims_by_nationality")
        && t.rows.len() >= 2
        && t.rows[..2]
            .iter()
            .all(|row| !crate::design::is_merged_key(&row.key))
        && r.facts.contains_key("top2_nationalities")
        && let Some(def) = spor_stats::defs::table("victims_by_nationality")
    {
        let parts: Vec<usize> = t.rows[..2]
            .iter()
            .map(|row| m.var(cell_key_string(def, t, year, &[row.key.as_str()], Some(0))))
            .collect();
        let top2 = own(m, "top2_nationalities");
        m.sums.push((top2, parts));
        fvar.insert("top2_nationalities".to_owned(), top2);
    }
    // Rankings state their rows' counts and shares of the table's total.
    for (name, id) in [
        ("top_referral", "victims_by_referral"),
        ("top_form", "victims_by_form"),
        ("top_nationalities", "victims_by_nationality"),
    ] {
        let (Some(t), Some(def)) = (r.tables.get(id), spor_stats::defs::table(id)) else {
            continue;
        };
        let fact = r.facts.get(name);
        let entries: Vec<&Value> = match &fact {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(o @ Value::Object(_)) => vec![o],
            _ => continue,
        };
        let total = m.var(cell_key_string(def, t, year, &[], Some(0)));
        for e in entries {
            let Some(key) = e.get("key").and_then(Value::as_str) else {
                continue;
            };
            let var = m.var(cell_key_string(def, t, year, &[key], Some(0)));
            if let Some(n) = e.get("count").and_then(Value::as_u64) {
                m.fix(var, n, &format!("facts.{name}"));
            }
            if let Some(p) = e.get("share_pct").and_then(Value::as_f64) {
                m.shares.push((var, total, p));
            }
        }
    }
    // Shares and changes.
    let share = |m: &mut Model, name: &str, part: &str, whole: &str| {
        if let (Some(p), Some(&a), Some(&b)) = (float(name), fvar.get(part), fvar.get(whole)) {
            m.shares.push((a, b, p));
        }
    };
    share(m, "under25_share_pct", "under25", "victims");
    for g in ["female", "male", "trans", "other_unknown"] {
        share(
            m,
            &format!("victims_{g}_share_pct"),
            &format!("victims_{g}"),
            "victims",
        );
    }
    share(
        m,
        "top2_nationalities_share_pct",
        "top2_nationalities",
        "victims",
    );
    share(m, "returns_share_pct", "returns", "victims");
    share(
        m,
        "assessed_persons_identified_share_pct",
        "assessed_persons_identified",
        "assessed_persons",
    );
    for (name, now, before) in [
        ("victims_change_pct", "victims", "victims_previous_year"),
        (
            "assessed_persons_change_pct",
            "assessed_persons",
            "assessed_persons_previous_year",
        ),
    ] {
        if let (Some(p), Some(&a), Some(&b)) = (float(name), fvar.get(now), fvar.get(before)) {
            m.changes.push((a, b, p));
        }
    }
    // Withheld counts are hidden figures too.
    for (name, var) in &fvar {
        if r.facts.is_null(name) {
            m.hidden.push((format!("facts.{name}"), *var));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn edition(victims: Value, female: Value, pct: Value, suppressed: Value) -> Value {
        json!({
            "year": 2024,
            "tables": {
                "victims_by_gender": {
                    "title": "t", "columns": ["Antal"], "column_keys": ["count"],
                    "rows": [
                        {"key": "female", "label": "Kvinder", "values": [female]},
                        {"key": "male", "label": "Mænd", "values": [null]}
                    ],
                    "total": [victims],
                    "suppressed": suppressed
                }
            },
            "facts": {"victims": victims, "victims_female": female, "victims_female_share_pct": pct}
        })
    }

    #[test]
    fn a_hidden_cell_beside_its_published_total_is_pinned() {
        let e = edition(json!(40), json!(38), json!(null), json!([[1, 0]]));
        let d = attack(&e);
        let male = d.iter().find(|d| d.name.contains("male, count")).unwrap();
        assert!(male.pinned(), "{d:?}");
        assert_eq!(male.lo, 2.0);
    }

    #[test]
    fn a_share_pins_a_hidden_count_when_the_whole_is_small() {
        // Both genders hidden, total published, the share printed: 38 / 40 = 95.0 %.
        let e = edition(json!(40), json!(null), json!(95.0), json!([[0, 0], [1, 0]]));
        let d = attack(&e);
        assert!(d.iter().any(|d| d.pinned()), "{d:?}");
        // Without the share the two cells are free between 0 and 40.
        let e = edition(json!(40), json!(null), json!(null), json!([[0, 0], [1, 0]]));
        let d = attack(&e);
        assert!(d.iter().all(|d| !d.pinned()), "{d:?}");
        assert!(d.iter().all(|d| d.lo == 0.0 && d.hi == 40.0), "{d:?}");
    }
}
