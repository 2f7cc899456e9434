//! The attack run before every release.
//!
//! For each hidden quantity the attacker knows every published figure and every sum that
//! ties the release together, and that counts are never negative. Two checks:
//!
//! 1. **Interval**: the smallest and largest value of the hidden quantity consistent with
//!    all of that (a linear program per connected group of unknowns, solved with
//!    `microlp`). The interval must span at least `[0, threshold]`: the attacker can rule
//!    out neither that the group is empty nor that it is as large as the threshold.
//! 2. **Exact**: the quantity must not be a linear combination of published figures. This
//!    is decided in exact rational arithmetic (Gaussian elimination over `BigRational`), so
//!    no floating-point tolerance can hide a leak; a leak found here comes with the
//!    combination that gives it away.

use std::collections::BTreeMap;

use microlp::{ComparisonOp, OptimizationDirection};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::policy::Policy;
use crate::problem::{Problem, Role};

/// Slack for the floating-point LP: a bound within this of the requirement passes. The exact
/// check below does not depend on it.
const EPS: f64 = 1e-6;

/// The values a hidden quantity can take given everything published.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    pub lo: f64,
    /// `f64::INFINITY` when nothing bounds it (serialised as `null`).
    #[serde(serialize_with = "ser_hi")]
    pub hi: f64,
}

fn ser_hi<S: serde::Serializer>(hi: &f64, s: S) -> Result<S::Ok, S::Error> {
    if hi.is_finite() {
        s.serialize_f64((hi * 1e6).round() / 1e6)
    } else {
        s.serialize_none()
    }
}

impl Interval {
    /// Does it span `[0, threshold]`?
    pub fn protects(&self, threshold: u64) -> bool {
        self.lo <= EPS && self.hi >= threshold as f64 - EPS
    }

    /// Does it meet the requirement?
    pub fn meets(&self, req: Requirement) -> bool {
        match req {
            Requirement::Cover(t) => self.protects(t),
            Requirement::Width(t) => self.hi - self.lo >= t as f64 - EPS,
            Requirement::NotAll { value, threshold } => {
                self.lo <= value.saturating_sub(threshold) as f64 + EPS
                    && self.hi - self.lo >= threshold.min(value) as f64 - EPS
            }
        }
    }
}

/// What the attacker must not be able to narrow a hidden cell to.
///
/// - A cell hidden by the threshold rule is **sensitive**: its interval must contain
///   `[0, threshold]` (the attacker can rule out neither an empty group nor one as large as
///   the threshold).
/// - A cell hidden to protect another is not sensitive itself (it is at or above the
///   threshold, or zero): its interval must be at least `threshold` wide, and never a
///   point.
/// - A cell hidden by the homogeneity rule (all `value` members of a group in one category):
///   the attacker must not be able to rule out that `threshold` of them (all, if fewer) are
///   in another category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Requirement {
    Cover(u64),
    Width(u64),
    NotAll { value: u64, threshold: u64 },
}

impl std::fmt::Display for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Requirement::Cover(t) => write!(f, "it must span at least [0, {t}]"),
            Requirement::Width(t) => write!(f, "it must be at least {t} wide"),
            Requirement::NotAll { value, threshold } => write!(
                f,
                "it must reach down to {} and be at least {} wide",
                value.saturating_sub(*threshold),
                threshold.min(value)
            ),
        }
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |x: f64| {
            if x.is_finite() {
                let r = (x * 100.0).round() / 100.0;
                format!("{r}")
            } else {
                "∞".to_owned()
            }
        };
        write!(f, "[{}, {}]", show(self.lo), show(self.hi))
    }
}

/// How a hidden quantity leaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Leak {
    /// It equals `Σ coefficient × published figure`.
    Exact { from: Vec<(usize, BigRational)> },
    /// Its interval is narrower than `[0, required]`; `near` are the published figures in
    /// the sums around it.
    Narrow {
        interval: Interval,
        required: Requirement,
        near: Vec<usize>,
    },
    /// The solver gave up; the release is refused rather than trusted.
    Unsolved { message: String },
}

/// One hidden quantity that the attack recovers (too well).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub quantity: usize,
    pub leak: Leak,
}

/// The outcome of the attack.
#[derive(Debug, Clone, Default)]
pub struct AuditReport {
    /// The interval of each hidden quantity.
    pub intervals: BTreeMap<usize, Interval>,
    pub findings: Vec<Finding>,
}

impl AuditReport {
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Is this quantity unknown to the attacker?
fn unknown(problem: &Problem, hidden: &[bool], i: usize) -> bool {
    hidden[i] || problem.quantities[i].role == Role::Latent
}

/// One equation `Σ coef × x = 0` per relation.
fn equation(problem: &Problem, r: usize) -> BTreeMap<usize, i64> {
    let rel = &problem.relations[r];
    let mut terms = BTreeMap::new();
    *terms.entry(rel.whole).or_insert(0) += 1;
    for &p in &rel.parts {
        *terms.entry(p).or_insert(0) -= 1;
    }
    terms.retain(|_, c| *c != 0);
    terms
}

/// Groups of unknowns tied by relations, each with its relations; sorted, deterministic.
fn components(problem: &Problem, hidden: &[bool]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let n = problem.quantities.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for r in 0..problem.relations.len() {
        let unk: Vec<usize> = equation(problem, r)
            .into_keys()
            .filter(|&i| unknown(problem, hidden, i))
            .collect();
        for w in unk.windows(2) {
            let (a, b) = (root(&mut parent, w[0]), root(&mut parent, w[1]));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for i in 0..n {
        if unknown(problem, hidden, i) {
            let g = root(&mut parent, i);
            groups.entry(g).or_default().0.push(i);
        }
    }
    for r in 0..problem.relations.len() {
        if let Some(&u) = equation(problem, r)
            .keys()
            .find(|&&i| unknown(problem, hidden, i))
        {
            let g = root(&mut parent, u);
            if let Some(entry) = groups.get_mut(&g) {
                entry.1.push(r);
            }
        }
    }
    groups
        .into_values()
        .filter(|(members, _)| members.iter().any(|&i| hidden[i]))
        .collect()
}

/// Runs both checks for every hidden quantity, each held to `[0, threshold]`.
pub fn audit(problem: &Problem, hidden: &[bool], policy: &Policy) -> AuditReport {
    let reqs: Vec<Requirement> = problem
        .quantities
        .iter()
        .map(|q| Requirement::Cover(policy.threshold(q.dims)))
        .collect();
    audit_with(problem, hidden, &reqs)
}

/// Runs both checks with a requirement per quantity, with the exact interval of every
/// hidden quantity (two linear programs each, spread over the machine's cores).
pub fn audit_with(problem: &Problem, hidden: &[bool], reqs: &[Requirement]) -> AuditReport {
    run_audit(problem, hidden, reqs, Depth::Intervals)
}

/// The same verdict as [`audit_with`], reached faster: a hidden quantity whose requirement
/// is shown to hold by feasible points (a solution with the quantity at 0 and one at the
/// threshold cover `[0, threshold]`, the polytope being convex) gets no interval; only the
/// others get their two linear programs. For the rounds of secondary suppression, which
/// need the findings, not the intervals.
pub fn screen(problem: &Problem, hidden: &[bool], reqs: &[Requirement]) -> AuditReport {
    run_audit(problem, hidden, reqs, Depth::Screen(&[]))
}

/// [`screen`], taking `cleared` cells as shown: cells that met their requirement in an
/// earlier screen, when the release has only hidden more since. Hiding a published figure
/// turns a known value into an unknown: every earlier solution still solves the new
/// system, so intervals only widen and no combination of published figures appears.
pub fn screen_from(
    problem: &Problem,
    hidden: &[bool],
    reqs: &[Requirement],
    cleared: &[bool],
) -> AuditReport {
    run_audit(problem, hidden, reqs, Depth::Screen(cleared))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth<'a> {
    Intervals,
    Screen(&'a [bool]),
}

fn run_audit(
    problem: &Problem,
    hidden: &[bool],
    reqs: &[Requirement],
    depth: Depth<'_>,
) -> AuditReport {
    let mut report = AuditReport::default();
    for (members, relations) in components(problem, hidden) {
        let exact = exact_leaks(problem, hidden, &members, &relations);
        let mut open: Vec<usize> = Vec::new();
        for &q in members.iter().filter(|&&q| hidden[q]) {
            if let Some(from) = exact.get(&q) {
                let v = problem.quantities[q].value as f64;
                report.intervals.insert(q, Interval { lo: v, hi: v });
                report.findings.push(Finding {
                    quantity: q,
                    leak: Leak::Exact { from: from.clone() },
                });
            } else {
                open.push(q);
            }
        }
        if let Depth::Screen(cleared) = depth {
            open.retain(|&q| !cleared.get(q).copied().unwrap_or(false));
        }
        // The component solved once; probes and intervals start from that solution.
        let lp = (open.len() > 1)
            .then(|| Extremes::new(problem, hidden, &members, &relations).ok())
            .flatten();
        if let (Depth::Screen(_), Some(lp)) = (depth, &lp) {
            open.retain(|&q| !lp.shows(q, problem.quantities[q].value, reqs[q]));
        }
        for (q, result) in intervals(problem, hidden, &members, &relations, &open, lp.as_ref()) {
            match result {
                Ok(iv) => {
                    report.intervals.insert(q, iv);
                    let required = reqs[q];
                    if !iv.meets(required) {
                        report.findings.push(Finding {
                            quantity: q,
                            leak: Leak::Narrow {
                                interval: iv,
                                required,
                                near: near_published(problem, hidden, q),
                            },
                        });
                    }
                }
                Err(message) => report.findings.push(Finding {
                    quantity: q,
                    leak: Leak::Unsolved { message },
                }),
            }
        }
    }
    report.findings.sort_by_key(|f| f.quantity);
    report
}

/// The intervals of `qs`, computed on all cores; the result does not depend on how the
/// work is split.
fn intervals(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    qs: &[usize],
    extremes: Option<&Extremes>,
) -> Vec<(usize, Result<Interval, String>)> {
    let one = |q: usize| {
        let warm = extremes.and_then(|e| e.interval(q));
        (
            q,
            warm.map_or_else(|| interval(problem, hidden, members, relations, q), Ok),
        )
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(qs.len().div_ceil(8))
        .max(1);
    if threads == 1 {
        return qs.iter().map(|&q| one(q)).collect();
    }
    let chunk = qs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = qs
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(|&q| one(q)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(part) => part,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// A component's constraints plus a variable `z`, solved for the smallest and (when first
/// needed) the largest `z`. The extremes of a quantity `x` are then those of `z` once
/// `z = x` is added, and "can `x` be 5?" is answered by fixing `x` in the first solution:
/// a few dual simplex steps from a stored optimum instead of a new program each time.
struct Extremes {
    lo: microlp::Solution,
    hi: std::sync::OnceLock<Option<microlp::Solution>>,
    hi_problem: microlp::Problem,
    vars: BTreeMap<usize, microlp::Variable>,
    z: microlp::Variable,
    /// `z`'s upper bound, above any value a cell can take unless nothing bounds it.
    cap: f64,
}

impl Extremes {
    fn new(
        problem: &Problem,
        hidden: &[bool],
        members: &[usize],
        relations: &[usize],
    ) -> Result<Self, String> {
        let published: f64 = problem.quantities.iter().map(|q| q.value as f64).sum();
        let cap = 4.0 * published + 1024.0;
        let build = |direction| -> Result<_, String> {
            let (mut lp, vars) =
                component_lp(problem, hidden, members, relations, direction, |_| 0.0)?;
            let z = lp.add_var(1.0, (0.0, cap));
            Ok((lp, vars, z))
        };
        let (lo, vars, z) = build(OptimizationDirection::Minimize)?;
        let (hi_problem, _, _) = build(OptimizationDirection::Maximize)?;
        Ok(Extremes {
            lo: lo.solve().map_err(|e| e.to_string())?,
            hi: std::sync::OnceLock::new(),
            hi_problem,
            vars,
            z,
            cap,
        })
    }

    /// Is there a solution with quantity `q` at `value`?
    fn admits(&self, q: usize, value: f64) -> bool {
        let Some(&var) = self.vars.get(&q) else {
            return false;
        };
        self.lo.clone().fix_var(var, value).is_ok()
    }

    /// Do feasible points prove that `q` (true value `value`) meets `req`? `false` means
    /// "not shown": the caller computes the interval.
    fn shows(&self, q: usize, value: u64, req: Requirement) -> bool {
        let at = |x: u64| self.admits(q, x as f64);
        match req {
            // 0 and t feasible: by convexity, [0, t] is.
            Requirement::Cover(t) => at(0) && at(t),
            // The true value is feasible; one point t away from it makes the width t.
            Requirement::Width(t) => at(value + t) || (value >= t && at(value - t)),
            // Down to value - t (or 0) is feasible: the width from there to the true value
            // is min(t, value).
            Requirement::NotAll { value, threshold } => at(value.saturating_sub(threshold)),
        }
    }

    /// `None` when the warm start fails: the caller solves from scratch.
    fn interval(&self, q: usize) -> Option<Interval> {
        let x = *self.vars.get(&q)?;
        let at = |base: &microlp::Solution| -> Option<f64> {
            let mut link = microlp::LinearExpr::empty();
            link.add(self.z, 1.0);
            link.add(x, -1.0);
            let sol = base
                .clone()
                .add_constraint(link, ComparisonOp::Eq, 0.0)
                .ok()?;
            Some(sol.objective())
        };
        let lo = at(&self.lo)?;
        let hi = at(self
            .hi
            .get_or_init(|| self.hi_problem.solve().ok())
            .as_ref()?)?;
        // At the cap, only the cap bounded it.
        let hi = if hi >= self.cap - 0.5 {
            f64::INFINITY
        } else {
            hi
        };
        Some(Interval { lo, hi })
    }
}

/// The linear constraints of one component of unknowns: published figures moved to the
/// right-hand side, every unknown non-negative. `objective` gives each unknown's
/// coefficient.
fn component_lp(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    direction: OptimizationDirection,
    objective: impl Fn(usize) -> f64,
) -> Result<(microlp::Problem, BTreeMap<usize, microlp::Variable>), String> {
    let mut lp = microlp::Problem::new(direction);
    let vars: BTreeMap<usize, microlp::Variable> = members
        .iter()
        .map(|&m| (m, lp.add_var(objective(m), (0.0, f64::INFINITY))))
        .collect();
    for &r in relations {
        let mut expr = microlp::LinearExpr::empty();
        let mut rhs = 0.0;
        for (i, c) in equation(problem, r) {
            if let Some(&v) = vars.get(&i) {
                expr.add(v, c as f64);
            } else if unknown(problem, hidden, i) {
                return Err(format!("relation {r} reaches outside its component"));
            } else {
                rhs -= c as f64 * problem.quantities[i].value as f64;
            }
        }
        lp.add_constraint(expr, ComparisonOp::Eq, rhs);
    }
    Ok((lp, vars))
}

/// Published quantities in the relations that contain `q`.
pub fn near_published(problem: &Problem, hidden: &[bool], q: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for rel in &problem.relations {
        if rel.whole == q || rel.parts.contains(&q) {
            for &i in std::iter::once(&rel.whole).chain(&rel.parts) {
                if !unknown(problem, hidden, i) && !out.contains(&i) {
                    out.push(i);
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Min and max of quantity `q` over the polytope of its component.
fn interval(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    q: usize,
) -> Result<Interval, String> {
    let solve = |direction: OptimizationDirection| -> Result<Option<f64>, String> {
        let (lp, _) = component_lp(problem, hidden, members, relations, direction, |m| {
            if m == q { 1.0 } else { 0.0 }
        })?;
        match lp.solve() {
            Ok(sol) => Ok(Some(sol.objective())),
            Err(microlp::Error::Unbounded) => Ok(None),
            Err(e) => Err(format!(
                "linear program for {}: {e}",
                problem.quantities[q].name()
            )),
        }
    };
    let lo = solve(OptimizationDirection::Minimize)?.unwrap_or(0.0);
    let hi = solve(OptimizationDirection::Maximize)?.unwrap_or(f64::INFINITY);
    Ok(Interval { lo, hi })
}

type Row = BTreeMap<usize, BigRational>;

/// Hidden quantities of the component that are linear combinations of published figures,
/// each with that combination (published quantity → coefficient).
fn exact_leaks(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
) -> BTreeMap<usize, Vec<(usize, BigRational)>> {
    // Each pivot row: (pivot column, coefficients on unknowns, combination of relations).
    let mut pivots: Vec<(usize, Row, Row)> = Vec::new();
    for &r in relations {
        let mut row: Row = Row::new();
        for (i, c) in equation(problem, r) {
            if unknown(problem, hidden, i) {
                row.insert(i, BigRational::from_integer(BigInt::from(c)));
            }
        }
        let mut combo: Row = Row::new();
        combo.insert(r, BigRational::one());
        for (col, prow, pcombo) in &pivots {
            if let Some(f) = row.get(col).cloned() {
                axpy(&mut row, &f, prow);
                axpy(&mut combo, &f, pcombo);
            }
        }
        let Some((&col, lead)) = row.iter().next() else {
            continue;
        };
        let inv = lead.recip();
        for v in row.values_mut() {
            *v *= &inv;
        }
        for v in combo.values_mut() {
            *v *= &inv;
        }
        for (_, prow, pcombo) in pivots.iter_mut() {
            if let Some(f) = prow.get(&col).cloned() {
                axpy(prow, &f, &row);
                axpy(pcombo, &f, &combo);
            }
        }
        pivots.push((col, row, combo));
    }
    let mut out = BTreeMap::new();
    for (col, row, combo) in &pivots {
        if row.len() == 1 && hidden[*col] && members.contains(col) {
            // x_col = -Σ λ_r (published part of relation r)
            let mut from: BTreeMap<usize, BigRational> = BTreeMap::new();
            for (r, lambda) in combo {
                for (i, c) in equation(problem, *r) {
                    if !unknown(problem, hidden, i) {
                        let e = from.entry(i).or_insert_with(BigRational::zero);
                        *e -= lambda * BigRational::from_integer(BigInt::from(c));
                    }
                }
            }
            from.retain(|_, c| !c.is_zero());
            out.insert(*col, from.into_iter().collect());
        }
    }
    out
}

/// `row -= f × other`, dropping zeros.
fn axpy(row: &mut Row, f: &BigRational, other: &Row) {
    for (k, v) in other {
        let e = row.entry(*k).or_insert_with(BigRational::zero);
        *e -= f * v;
        if e.is_zero() {
            row.remove(k);
        }
    }
}

/// A sentence naming the hidden cell and the published figures that give it away.
pub fn describe(problem: &Problem, finding: &Finding) -> String {
    let q = &problem.quantities[finding.quantity];
    match &finding.leak {
        Leak::Exact { from } => {
            let mut terms = String::new();
            for (i, c) in from {
                let p = &problem.quantities[*i];
                let sign = if c.is_negative() { " − " } else { " + " };
                let mag = c.abs();
                let coef = if mag.is_one() {
                    String::new()
                } else {
                    format!("{} × ", fmt_rational(&mag))
                };
                terms.push_str(&format!("{sign}{coef}{} ({})", p.name(), p.value));
            }
            let terms = terms.trim_start_matches(" + ").trim_start();
            let terms = if let Some(rest) = terms.strip_prefix("− ") {
                format!("−{rest}")
            } else {
                terms.to_owned()
            };
            format!(
                "hidden cell {} can be computed exactly from published figures: {} = {}",
                q.name(),
                q.name(),
                terms
            )
        }
        Leak::Narrow {
            interval,
            required,
            near,
        } => {
            let names: Vec<String> = near
                .iter()
                .take(12)
                .map(|&i| {
                    let p = &problem.quantities[i];
                    format!("{} ({})", p.name(), p.value)
                })
                .collect();
            format!(
                "hidden cell {} is narrowed to {interval} by the published figures {} \
                 ({required})",
                q.name(),
                names.join(", ")
            )
        }
        Leak::Unsolved { message } => {
            format!("hidden cell {} could not be audited: {message}", q.name())
        }
    }
}

fn fmt_rational(r: &BigRational) -> String {
    if r.is_integer() {
        r.to_integer().to_string()
    } else {
        match (r.numer().to_i64(), r.denom().to_i64()) {
            (Some(n), Some(d)) => format!("{n}/{d}"),
            _ => r.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4 × 4 table with its margins; `mask` picks the hidden inner cells (bit per cell).
    fn table(mask: u16) -> (Problem, Vec<bool>) {
        let rows = ["a", "b", "c", "d"];
        let cols = ["w", "x", "y", "z"];
        let values: Vec<Vec<u64>> = (0..4u64)
            .map(|r| (0..4u64).map(|c| (r * 7 + c * 3) % 11).collect())
            .collect();
        let mut p = Problem::new();
        let key = |r: Option<&str>, c: Option<&str>| format!("t|{r:?}|{c:?}");
        let ids = p
            .crossed_table("t", "row", "col", &rows, &cols, &values, &key, 2)
            .unwrap();
        let mut hidden = vec![false; p.quantities.len()];
        for (r, row) in ids.iter().take(4).enumerate() {
            for (c, &id) in row.iter().take(4).enumerate() {
                hidden[id] = mask & (1 << (r * 4 + c)) != 0;
            }
        }
        (p, hidden)
    }

    #[test]
    fn warm_started_extremes_equal_fresh_linear_programs() {
        let mut compared = 0;
        for mask in [
            0b0000_0110_0110_0000u16,
            0x0F0F,
            0x3C3C,
            0xFFFF,
            0x8421,
            0x1248,
        ] {
            let (p, hidden) = table(mask);
            for (members, relations) in components(&p, &hidden) {
                let Ok(e) = Extremes::new(&p, &hidden, &members, &relations) else {
                    panic!("component of mask {mask:#x} has no solution");
                };
                for &q in members.iter().filter(|&&q| hidden[q]) {
                    let warm = e.interval(q).expect("warm start");
                    let cold = interval(&p, &hidden, &members, &relations, q).unwrap();
                    assert!(
                        (warm.lo - cold.lo).abs() < 1e-6
                            && (warm.hi == cold.hi || (warm.hi - cold.hi).abs() < 1e-6),
                        "mask {mask:#x}, {}: warm {warm}, cold {cold}",
                        p.quantities[q].name()
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 30, "only {compared} cells compared");
    }
}
