//! The attack run before every release.
//!
//! For each hidden quantity the attacker knows every published figure and every sum that
//! ties the release together, and that counts are never negative. Two checks:
//!
//! 1. **Interval**: the smallest and largest value of the hidden quantity consistent with
//!    all of that (a linear program per connected group of unknowns, solved with HiGHS,
//!    see [`crate::lp`]). The interval must span at least `[0, threshold]`: the attacker can rule
//!    out neither that the group is empty nor that it is as large as the threshold.
//! 2. **Exact**: the quantity must not be a linear combination of published figures. This
//!    is decided in exact rational arithmetic (Gaussian elimination over `BigRational`), so
//!    no floating-point tolerance can hide a leak; a leak found here comes with the
//!    combination that gives it away.

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::lp::{Direction, Lp, Outcome};
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
    /// The interval of each hidden quantity: its exact extremes by linear programming, or
    /// (from [`screen_witnessed`]) bounds containing them, derived from published figures
    /// alone.
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
    run_audit(problem, hidden, reqs, Depth::Intervals, None, None)
}

/// The same verdict as [`audit_with`], reached faster: a hidden quantity whose requirement
/// is shown to hold by feasible points (a solution with the quantity at 0 and one at the
/// threshold cover `[0, threshold]`, the polytope being convex) gets no interval; only the
/// others get their two linear programs. For the rounds of secondary suppression, which
/// need the findings, not the intervals. An exact leak is found all the same, but its
/// combination of published figures is left empty (naming it costs a second elimination);
/// [`audit_with`] names it.
pub fn screen(problem: &Problem, hidden: &[bool], reqs: &[Requirement]) -> AuditReport {
    run_audit(problem, hidden, reqs, Depth::Screen(&[]), None, None)
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
    run_audit(problem, hidden, reqs, Depth::Screen(cleared), None, None)
}

/// [`screen_from`], carrying what earlier screens of the same release showed: `witness`
/// holds per quantity the least and the greatest value it is known to take at some point
/// consistent with everything published (its true value until shown otherwise). A value
/// shown feasible stays feasible while cells are only hidden, never published again, so
/// the ranges carry from screen to screen; each screen widens them with the points and
/// extremes it finds.
///
/// Every hidden cell whose interval was not solved gets the bounds that propagating the
/// sums one at a time gives (derived from published figures alone, so the interval
/// contains the exact one and tells nothing about the true value; the witnessed values
/// never leave the audit, as they hold the true value). With `cleared` holding every
/// hidden cell, nothing is solved again and the report is a release's final verdict (the
/// exact check runs in full and names what it finds).
pub fn screen_witnessed(
    problem: &Problem,
    hidden: &[bool],
    reqs: &[Requirement],
    cleared: &[bool],
    witness: &mut [(f64, f64)],
) -> AuditReport {
    run_audit(
        problem,
        hidden,
        reqs,
        Depth::Screen(cleared),
        Some(witness),
        None,
    )
}

/// What earlier screens of the same release found per component (keyed by its unknowns):
/// a component with the same unknowns has the same relations, so the exact check that
/// found no leak finds none again, and the bounds the sums give are the same. Secondary
/// suppression changes a few components a round; the others are not worked through again.
#[derive(Debug, Default)]
pub(crate) struct ComponentCache {
    no_exact_leak: std::collections::HashSet<Vec<usize>>,
    bounds: std::collections::HashMap<Vec<usize>, (Vec<f64>, Vec<f64>)>,
}

/// [`screen_witnessed`] with a [`ComponentCache`] carried from screen to screen.
pub(crate) fn screen_cached(
    problem: &Problem,
    hidden: &[bool],
    reqs: &[Requirement],
    cleared: &[bool],
    witness: &mut [(f64, f64)],
    cache: &mut ComponentCache,
) -> AuditReport {
    run_audit(
        problem,
        hidden,
        reqs,
        Depth::Screen(cleared),
        Some(witness),
        Some(cache),
    )
}

/// The starting witness of [`screen_witnessed`]: every quantity at its true value.
pub fn truth_witness(problem: &Problem) -> Vec<(f64, f64)> {
    problem
        .quantities
        .iter()
        .map(|q| (q.value as f64, q.value as f64))
        .collect()
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
    mut witness: Option<&mut [(f64, f64)]>,
    mut cache: Option<&mut ComponentCache>,
) -> AuditReport {
    let mut report = AuditReport::default();
    let tlog = tracing::enabled!(tracing::Level::DEBUG);
    let tc = std::time::Instant::now();
    // A screen over cells all shown before is a final verdict: its leaks are named.
    let named = match depth {
        Depth::Screen(cleared) => {
            (0..hidden.len()).all(|i| !hidden[i] || cleared.get(i).copied().unwrap_or(false))
        }
        Depth::Intervals => true,
    };
    let comps = components(problem, hidden);
    if tlog {
        let mut sizes: Vec<usize> = comps.iter().map(|c| c.0.len()).collect();
        sizes.sort_unstable();
        tracing::debug!(
            "  TIMING components {:?}: {} comps, largest {:?}, quantities {} relations {}",
            tc.elapsed(),
            comps.len(),
            &sizes[sizes.len().saturating_sub(5)..],
            problem.quantities.len(),
            problem.relations.len()
        );
    }
    for (members, relations) in comps {
        let mut open: Vec<usize> = members.iter().copied().filter(|&q| hidden[q]).collect();
        if let Depth::Screen(cleared) = depth {
            open.retain(|&q| !cleared.get(q).copied().unwrap_or(false));
        }
        // The exact check first: a cell it finds leaking needs no linear program (its
        // interval is its true value), so the programs only screen the others.
        let tx = std::time::Instant::now();
        let name = depth == Depth::Intervals || named;
        let clean = cache
            .as_deref()
            .is_some_and(|c| c.no_exact_leak.contains(&members));
        let exact = if clean {
            BTreeMap::new()
        } else {
            exact_leaks_fast(problem, hidden, &members, &relations, name)
        };
        if let Some(c) = cache.as_deref_mut()
            && exact.is_empty()
            && !clean
        {
            c.no_exact_leak.insert(members.clone());
        }
        if tlog && members.len() > 50 {
            tracing::debug!(
                "  TIMING exact {} members {} relations: {} leaks, {:?}",
                members.len(),
                relations.len(),
                exact.len(),
                tx.elapsed()
            );
        }
        open.retain(|q| !exact.contains_key(q));
        let tx = std::time::Instant::now();
        let mut seen = match witness.as_deref() {
            Some(w) => Seen::from_witness(w, &members),
            None => Seen::truth(problem, &members),
        };
        let lp = match depth {
            Depth::Screen(_) => screen_component(
                problem, hidden, reqs, &members, &relations, &mut open, &mut seen,
            ),
            Depth::Intervals => None,
        };
        let res = component_intervals(problem, hidden, &members, &relations, &open, &mut seen, lp);
        // Each interval's ends are taken at feasible points: values witnessed.
        for (q, iv) in &res {
            if let (Ok(iv), Some(k)) = (iv, seen.pos(*q)) {
                seen.min[k] = seen.min[k].min(iv.lo);
                seen.max[k] = seen.max[k].max(iv.hi);
            }
        }
        if tlog && members.len() > 50 {
            tracing::debug!(
                "  TIMING lp+probes+intervals ({} open) {:?}",
                open.len(),
                tx.elapsed()
            );
        }
        for &q in members.iter().filter(|&&q| hidden[q]) {
            if let Some(from) = exact.get(&q) {
                let v = problem.quantities[q].value as f64;
                report.intervals.insert(q, Interval { lo: v, hi: v });
                report.findings.push(Finding {
                    quantity: q,
                    leak: Leak::Exact { from: from.clone() },
                });
            }
        }
        if let Some(w) = witness.as_deref_mut() {
            for (k, &m) in members.iter().enumerate() {
                w[m] = (seen.min[k], seen.max[k]);
            }
            // Cells shown (now or in an earlier screen) get the bounds the sums give one at
            // a time: derived from published figures alone, never from the witnessed
            // values (which hold the true value and would narrow it down if published).
            let solved: std::collections::BTreeSet<usize> = res.iter().map(|r| r.0).collect();
            let computed;
            let (lo, hi) = match cache.as_deref_mut() {
                Some(c) => &*c
                    .bounds
                    .entry(members.clone())
                    .or_insert_with(|| bounds(problem, hidden, &members, &relations)),
                None => {
                    computed = bounds(problem, hidden, &members, &relations);
                    &computed
                }
            };
            let (lo, hi) = (lo.clone(), hi.clone());
            for (k, &q) in members.iter().enumerate() {
                if hidden[q] && !solved.contains(&q) && !exact.contains_key(&q) {
                    report.intervals.insert(
                        q,
                        Interval {
                            lo: lo[k],
                            hi: hi[k],
                        },
                    );
                }
            }
        }
        let res = res.into_iter().filter(|(q, _)| !exact.contains_key(q));
        for (q, result) in res {
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

/// Tolerance for reading a bound off a feasible point (`1e-9`, far inside [`EPS`]).
const TOL: f64 = 1e-9;

/// Harvesting linear programs per component and kind: more rarely pays.
const HARVESTS: usize = 6;

/// Fewer open cells than this go straight to their own (warm-started) programs: a harvest
/// solves the whole component from scratch.
const HARVEST_FROM: usize = 64;

/// The feasible points seen for a component: per member, the least and the greatest value
/// any of them gives it. The true values are one such point; every solution of a linear
/// program over the component's constraints is another. By convexity the polytope holds the
/// segment between any two of them, so "some point has `x ≤ a`" and "some point has
/// `x ≥ b`" are all a screen or a bound needs.
struct Seen {
    members: Vec<usize>,
    min: Vec<f64>,
    max: Vec<f64>,
}

impl Seen {
    fn truth(problem: &Problem, members: &[usize]) -> Seen {
        let values: Vec<f64> = members
            .iter()
            .map(|&m| problem.quantities[m].value as f64)
            .collect();
        Seen {
            members: members.to_vec(),
            min: values.clone(),
            max: values,
        }
    }

    /// The values witnessed so far (see [`screen_witnessed`]).
    fn from_witness(witness: &[(f64, f64)], members: &[usize]) -> Seen {
        Seen {
            members: members.to_vec(),
            min: members.iter().map(|&m| witness[m].0).collect(),
            max: members.iter().map(|&m| witness[m].1).collect(),
        }
    }

    fn pos(&self, q: usize) -> Option<usize> {
        self.members.binary_search(&q).ok()
    }

    /// Records a point given as values aligned with the members.
    fn add(&mut self, point: &[f64]) {
        for (k, &v) in point.iter().enumerate() {
            self.min[k] = self.min[k].min(v);
            self.max[k] = self.max[k].max(v);
        }
    }

    /// Is `x` between the least and the greatest value seen for `q`?
    fn shows_point(&self, q: usize, x: f64) -> bool {
        self.down_to(q, x) && self.up_to(q, x)
    }

    fn down_to(&self, q: usize, a: f64) -> bool {
        self.pos(q).is_some_and(|k| self.min[k] <= a + EPS)
    }

    fn up_to(&self, q: usize, b: f64) -> bool {
        self.pos(q).is_some_and(|k| self.max[k] >= b - EPS)
    }

    /// Do the points seen prove that `q` (true value `value`) meets `req`? The same
    /// questions as [`Extremes::shows`], answered from points already at hand.
    fn shows(&self, q: usize, value: u64, req: Requirement) -> bool {
        match req {
            Requirement::Cover(t) => self.down_to(q, 0.0) && self.up_to(q, t as f64),
            Requirement::Width(t) => {
                self.up_to(q, (value + t) as f64)
                    || (value >= t && self.down_to(q, (value - t) as f64))
            }
            Requirement::NotAll { value, threshold } => {
                self.down_to(q, value.saturating_sub(threshold) as f64)
            }
        }
    }

    /// Does `q` still need a point lower (`low`) or higher than those seen to meet `req`?
    fn wants(&self, q: usize, value: u64, req: Requirement) -> (bool, bool) {
        if self.shows(q, value, req) {
            return (false, false);
        }
        match req {
            Requirement::Cover(t) => (!self.down_to(q, 0.0), !self.up_to(q, t as f64)),
            Requirement::Width(t) => (value >= t, true),
            Requirement::NotAll { .. } => (true, false),
        }
    }
}

/// `z`'s cap and every variable's in a harvesting program: above any value a cell can take
/// unless nothing bounds it.
fn cap_of(problem: &Problem) -> f64 {
    let published: f64 = problem.quantities.iter().map(|q| q.value as f64).sum();
    4.0 * published + 1024.0
}

/// One feasible point of the component, the optimum of `Σ weight × x` (each unknown at most
/// `cap[k]`: its propagated bound, which every feasible point meets anyway, or the general
/// cap, which keeps the program bounded and its points feasible), aligned with `members`.
/// `None` when the solver fails: harvesting is only ever a shortcut.
fn harvest(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    direction: Direction,
    weights: &BTreeMap<usize, f64>,
    cap: &[f64],
) -> Option<Vec<f64>> {
    let mut lp = component_lp(
        problem,
        hidden,
        members,
        relations,
        direction,
        |m| weights.get(&m).copied().unwrap_or(0.0),
        |k| cap[k],
    )
    .ok()?;
    match lp.solve() {
        Outcome::Optimal { point, .. } => Some(point),
        _ => None,
    }
}

/// Points that push the `low` cells down and the `high` cells up, two programs at a time
/// (one per core), until a round shows little more. `needs` says whether a cell still needs
/// a lower (first) or a higher (second) point; `upper` is the members' propagated upper
/// bounds ([`bounds`]).
#[allow(clippy::too_many_arguments)]
fn harvest_rounds(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    upper: &[f64],
    cells: &[usize],
    seen: &mut Seen,
    needs: &dyn Fn(&Seen, usize) -> (bool, bool),
) {
    let general = cap_of(problem);
    let cap: Vec<f64> = upper.iter().map(|&u| u.min(general)).collect();
    let cap = &cap[..];
    let tlog = tracing::enabled!(tracing::Level::DEBUG) && members.len() > 50;
    for round in 0..HARVESTS {
        let th = std::time::Instant::now();
        let mut low = BTreeMap::new();
        let mut high = BTreeMap::new();
        for &q in cells {
            let (l, h) = needs(seen, q);
            if l {
                low.insert(q, 1.0);
            }
            if h {
                // Varied weights spread the maxima over the cells that share a sum.
                let w =
                    1.0 + ((q as u64 * 2_654_435_761 + round as u64 * 40_503) % 997) as f64 / 997.0;
                high.insert(q, w);
            }
        }
        let before = low.len() + high.len();
        if before == 0 {
            return;
        }
        let (a, b) = std::thread::scope(|scope| {
            let lo = (!low.is_empty()).then(|| {
                scope.spawn(|| {
                    harvest(
                        problem,
                        hidden,
                        members,
                        relations,
                        Direction::Minimise,
                        &low,
                        cap,
                    )
                })
            });
            let hi = (!high.is_empty()).then(|| {
                harvest(
                    problem,
                    hidden,
                    members,
                    relations,
                    Direction::Maximise,
                    &high,
                    cap,
                )
            });
            let lo = lo.and_then(|h| match h.join() {
                Ok(p) => p,
                Err(panic) => std::panic::resume_unwind(panic),
            });
            (lo, hi.flatten())
        });
        for p in [a, b].into_iter().flatten() {
            seen.add(&p);
        }
        let after: usize = cells
            .iter()
            .map(|&q| {
                let (l, h) = needs(seen, q);
                usize::from(l) + usize::from(h)
            })
            .sum();
        if tlog {
            tracing::debug!(
                "      harvest round {round}: {before} -> {after} wanted sides, {:?}",
                th.elapsed()
            );
        }
        // Cells that fail never get their point: stop when what is left is few or a round
        // clears little (probes are cheaper per cell than a whole program then).
        if after < HARVEST_FROM || (before - after) * 4 < before {
            return;
        }
    }
}

/// The screen of one component: drops from `open` the cells that feasible points show to
/// meet their requirement; harvested points first, then a probe per cell left (whose point
/// is kept for the cells after it).
fn screen_component(
    problem: &Problem,
    hidden: &[bool],
    reqs: &[Requirement],
    members: &[usize],
    relations: &[usize],
    open: &mut Vec<usize>,
    seen: &mut Seen,
) -> Option<Extremes> {
    let value = |q: usize| problem.quantities[q].value;
    open.retain(|&q| !seen.shows(q, value(q), reqs[q]));
    if open.len() > HARVEST_FROM {
        let cells = open.clone();
        let (_, upper) = bounds(problem, hidden, members, relations);
        harvest_rounds(
            problem,
            hidden,
            members,
            relations,
            &upper,
            &cells,
            seen,
            &|s, q| s.wants(q, value(q), reqs[q]),
        );
        open.retain(|&q| !seen.shows(q, value(q), reqs[q]));
    }
    if open.len() > 1
        && let Ok(mut lp) = Extremes::new(problem, hidden, members, relations)
    {
        seen.add(&lp.base);
        open.retain(|&q| {
            !seen.shows(q, value(q), reqs[q]) && !lp.shows(q, value(q), reqs[q], seen)
        });
        return Some(lp);
    }
    None
}

/// Bounds on each member implied by single relations and non-negativity, tightened in turn
/// (interval propagation): `lo ≤ x ≤ hi` holds at every feasible point. Aligned with
/// `members`.
fn bounds(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
) -> (Vec<f64>, Vec<f64>) {
    let mut lo = vec![0.0f64; members.len()];
    let mut hi = vec![f64::INFINITY; members.len()];
    let pos = |q: usize| members.binary_search(&q).ok();
    let eqs: Vec<(f64, Vec<(usize, f64)>)> = relations
        .iter()
        .map(|&r| {
            let mut known = 0.0;
            let mut terms = Vec::new();
            for (i, c) in equation(problem, r) {
                match pos(i) {
                    Some(k) => terms.push((k, c as f64)),
                    None if !unknown(problem, hidden, i) => {
                        known += c as f64 * problem.quantities[i].value as f64;
                    }
                    // Outside the component: no bound from this relation.
                    None => return (0.0, Vec::new()),
                }
            }
            (known, terms)
        })
        .collect();
    for _ in 0..32 {
        let mut changed = false;
        for (known, terms) in &eqs {
            // Σ c x = -known: the range of each term, summed without the infinite ones.
            let range = |k: usize, c: f64, lo: &[f64], hi: &[f64]| {
                if c > 0.0 {
                    (c * lo[k], c * hi[k])
                } else {
                    (c * hi[k], c * lo[k])
                }
            };
            let (mut a, mut na, mut b, mut nb) = (0.0, 0usize, 0.0, 0usize);
            for &(k, c) in terms {
                let (x, y) = range(k, c, &lo, &hi);
                if x.is_finite() {
                    a += x
                } else {
                    na += 1
                }
                if y.is_finite() { b += y } else { nb += 1 }
            }
            for &(k, c) in terms {
                let (x, y) = range(k, c, &lo, &hi);
                let rest_lo = if x.is_finite() {
                    if na == 0 { a - x } else { f64::NEG_INFINITY }
                } else if na == 1 {
                    a
                } else {
                    f64::NEG_INFINITY
                };
                let rest_hi = if y.is_finite() {
                    if nb == 0 { b - y } else { f64::INFINITY }
                } else if nb == 1 {
                    b
                } else {
                    f64::INFINITY
                };
                // c x = -known - rest
                let (p, q) = (-known - rest_hi, -known - rest_lo);
                let (new_lo, new_hi) = if c > 0.0 {
                    (p / c, q / c)
                } else {
                    (q / c, p / c)
                };
                if new_lo > lo[k] + TOL {
                    lo[k] = new_lo;
                    changed = true;
                }
                if new_hi < hi[k] - TOL {
                    hi[k] = new_hi;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    (lo, hi)
}

/// Rounds away the solver's noise around whole numbers.
fn snap(x: f64) -> f64 {
    let r = x.round();
    if (x - r).abs() <= 1e-7 { r } else { x }
}

/// The intervals of the `open` cells of a component. A side is read off the points seen
/// when one of them reaches a bound that holds at every feasible point (the bound is then
/// the extreme); harvesting programs add such points; only the sides still unknown get
/// their linear program (warm-started, on all cores). Equal to solving every side.
fn component_intervals(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    open: &[usize],
    seen: &mut Seen,
    lp: Option<Extremes>,
) -> Vec<(usize, Result<Interval, String>)> {
    if open.is_empty() {
        return Vec::new();
    }
    let cap = cap_of(problem);
    let (lo, hi) = bounds(problem, hidden, members, relations);
    let known = |s: &Seen, q: usize| -> (Option<f64>, Option<f64>) {
        let Some(k) = s.pos(q) else {
            return (None, None);
        };
        let l = (s.min[k] <= lo[k] + TOL).then_some(lo[k]);
        let h = if hi[k].is_finite() && hi[k] < cap - 0.5 {
            (s.max[k] >= hi[k] - TOL).then_some(hi[k])
        } else {
            (s.max[k] >= cap - 0.5).then_some(f64::INFINITY)
        };
        (l, h)
    };
    let tlog = tracing::enabled!(tracing::Level::DEBUG) && members.len() > 50;
    let th = std::time::Instant::now();
    let wanted: usize = open
        .iter()
        .map(|&q| {
            let (l, h) = known(seen, q);
            usize::from(l.is_none()) + usize::from(h.is_none())
        })
        .sum();
    if wanted > HARVEST_FROM {
        harvest_rounds(
            problem,
            hidden,
            members,
            relations,
            &hi,
            open,
            seen,
            &|s, q| {
                let (l, h) = known(s, q);
                (l.is_none(), h.is_none())
            },
        );
    }
    if tlog {
        let nb = hi.iter().filter(|h| h.is_finite()).count();
        tracing::debug!(
            "    intervals: {} open, {nb} finite upper bounds, harvest {:?}",
            open.len(),
            th.elapsed()
        );
    }
    let partial: Vec<(usize, Option<f64>, Option<f64>)> = open
        .iter()
        .map(|&q| {
            let (l, h) = known(seen, q);
            (q, l, h)
        })
        .collect();
    let th = std::time::Instant::now();
    let rest: Vec<(usize, bool, bool)> = partial
        .iter()
        .filter(|p| p.1.is_none() || p.2.is_none())
        .map(|p| (p.0, p.1.is_none(), p.2.is_none()))
        .collect();
    let lp = lp.or_else(|| {
        (rest.len() > 1)
            .then(|| Extremes::new(problem, hidden, members, relations).ok())
            .flatten()
    });
    let solved: BTreeMap<usize, Result<Interval, String>> =
        intervals(problem, hidden, members, relations, &rest, lp)
            .into_iter()
            .collect();
    if tlog {
        tracing::debug!(
            "    intervals: {} lo and {} hi sides one by one, {:?}",
            rest.iter().filter(|r| r.1).count(),
            rest.iter().filter(|r| r.2).count(),
            th.elapsed()
        );
    }
    partial
        .into_iter()
        .map(|(q, l, h)| {
            let iv = match (l, h) {
                (Some(lo), Some(hi)) => Ok(Interval { lo, hi }),
                _ => solved[&q].clone().map(|iv| Interval {
                    lo: l.unwrap_or(snap(iv.lo)),
                    hi: h.unwrap_or(if iv.hi.is_finite() {
                        snap(iv.hi)
                    } else {
                        iv.hi
                    }),
                }),
            };
            (q, iv)
        })
        .collect()
}

/// The intervals of `qs`, computed on all cores (each thread with its own warm-started
/// program; `extremes` serves the first share); the result does not depend on how the work
/// is split (an extreme is an optimum's value, whichever basis reaches it).
fn intervals(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    qs: &[(usize, bool, bool)],
    extremes: Option<Extremes>,
) -> Vec<(usize, Result<Interval, String>)> {
    let share = |part: &[(usize, bool, bool)], mut extremes: Option<Extremes>| {
        part.iter()
            .map(|&(q, lo, hi)| {
                let warm = extremes.as_mut().and_then(|e| e.interval(q, lo, hi));
                (
                    q,
                    warm.map_or_else(|| interval(problem, hidden, members, relations, q), Ok),
                )
            })
            .collect::<Vec<_>>()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(qs.len().div_ceil(8))
        .max(1);
    if threads == 1 {
        return share(qs, extremes);
    }
    let chunk = qs.len().div_ceil(threads);
    let mut parts = qs.chunks(chunk);
    let first = parts.next().unwrap_or(&[]);
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .map(|part| {
                scope.spawn(move || {
                    let own = Extremes::new(problem, hidden, members, relations).ok();
                    share(part, own)
                })
            })
            .collect();
        let mut out = share(first, extremes);
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// A component's constraints, solved once for any feasible point (`base`) and kept: "can
/// `x` be 5?" is answered by fixing `x` and solving again, the extremes of `x` by giving it
/// the objective, each a few simplex steps from the last basis instead of a new program.
struct Extremes {
    lp: Lp,
    members: Vec<usize>,
    /// The first solution's values, aligned with the members.
    base: Vec<f64>,
}

impl Extremes {
    fn new(
        problem: &Problem,
        hidden: &[bool],
        members: &[usize],
        relations: &[usize],
    ) -> Result<Self, String> {
        let mut lp = component_lp(
            problem,
            hidden,
            members,
            relations,
            Direction::Minimise,
            |_| 0.0,
            |_| f64::INFINITY,
        )?;
        match lp.solve() {
            Outcome::Optimal { point, .. } => Ok(Extremes {
                lp,
                members: members.to_vec(),
                base: point,
            }),
            Outcome::Failed(why) => Err(why),
            _ => Err("no point of the component".to_owned()),
        }
    }

    /// Is there a solution with quantity `q` at `value`? The solution found is recorded in
    /// `seen`.
    fn admits(&mut self, q: usize, value: f64, seen: &mut Seen) -> bool {
        let Ok(k) = self.members.binary_search(&q) else {
            return false;
        };
        self.lp.fix(k, value);
        let out = self.lp.solve();
        self.lp.unfix(k);
        match out {
            Outcome::Optimal { point, .. } => {
                seen.add(&point);
                true
            }
            _ => false,
        }
    }

    /// Do feasible points prove that `q` (true value `value`) meets `req`? `false` means
    /// "not shown": the caller computes the interval.
    fn shows(&mut self, q: usize, value: u64, req: Requirement, seen: &mut Seen) -> bool {
        let mut at = |x: u64| seen.shows_point(q, x as f64) || self.admits(q, x as f64, seen);
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

    /// `None` when the warm start fails: the caller solves from scratch. Only the sides
    /// asked for are solved (the others are left at 0 and ∞).
    fn interval(&mut self, q: usize, want_lo: bool, want_hi: bool) -> Option<Interval> {
        let k = self.members.binary_search(&q).ok()?;
        self.lp.set_cost(k, 1.0);
        let mut side = |direction| {
            self.lp.set_direction(direction);
            extreme(self.lp.solve(), direction)
        };
        let lo = if want_lo {
            side(Direction::Minimise)
        } else {
            Some(0.0)
        };
        let hi = if want_hi && lo.is_some() {
            side(Direction::Maximise)
        } else {
            Some(f64::INFINITY)
        };
        self.lp.set_cost(k, 0.0);
        self.lp.set_direction(Direction::Minimise);
        Some(Interval { lo: lo?, hi: hi? })
    }
}

/// The optimum of a program over a component (feasible: the true values solve it); an
/// unbounded maximum is `∞`. `None` when the solver gave no answer.
fn extreme(out: Outcome, direction: Direction) -> Option<f64> {
    match out {
        Outcome::Optimal { objective, .. } => Some(objective),
        Outcome::Unbounded | Outcome::UnboundedOrInfeasible if direction == Direction::Maximise => {
            Some(f64::INFINITY)
        }
        _ => None,
    }
}

/// The linear program of one component of unknowns (a column per member, in order):
/// published figures moved to the right-hand side, every unknown between 0 and `cap(k)`.
/// `objective` gives each unknown's coefficient.
fn component_lp(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    direction: Direction,
    objective: impl Fn(usize) -> f64,
    cap: impl Fn(usize) -> f64,
) -> Result<Lp, String> {
    let cost: Vec<f64> = members.iter().map(|&m| objective(m)).collect();
    let upper: Vec<f64> = (0..members.len()).map(cap).collect();
    let mut rows = Vec::with_capacity(relations.len());
    for &r in relations {
        let mut terms = Vec::new();
        let mut rhs = 0.0;
        for (i, c) in equation(problem, r) {
            if let Ok(k) = members.binary_search(&i) {
                terms.push((k, c as f64));
            } else if unknown(problem, hidden, i) {
                return Err(format!("relation {r} reaches outside its component"));
            } else {
                rhs -= c as f64 * problem.quantities[i].value as f64;
            }
        }
        rows.push((terms, rhs));
    }
    Ok(Lp::new(&cost, &upper, &rows, direction))
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
    let solve = |direction: Direction| -> Result<f64, String> {
        let mut lp = component_lp(
            problem,
            hidden,
            members,
            relations,
            direction,
            |m| if m == q { 1.0 } else { 0.0 },
            |_| f64::INFINITY,
        )?;
        let out = lp.solve();
        let failed = match &out {
            Outcome::Failed(why) => why.clone(),
            Outcome::Infeasible => "infeasible".to_owned(),
            _ => "no optimum".to_owned(),
        };
        extreme(out, direction).ok_or_else(|| {
            format!(
                "linear program for {}: {failed}",
                problem.quantities[q].name()
            )
        })
    };
    let lo = solve(Direction::Minimise)?;
    let hi = solve(Direction::Maximise)?;
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

/// A small exact rational (`n / d`, `d > 0`, lowest terms); operations fail rather than
/// overflow, and the caller then falls back to [`BigRational`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Small {
    n: i64,
    d: i64,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Small {
    fn int(n: i64) -> Small {
        Small { n, d: 1 }
    }

    fn make(n: i128, d: i128) -> Option<Small> {
        let g = gcd(n, d).max(1);
        let (mut n, mut d) = (n / g, d / g);
        if d < 0 {
            (n, d) = (-n, -d);
        }
        Some(Small {
            n: i64::try_from(n).ok()?,
            d: i64::try_from(d).ok()?,
        })
    }

    fn mul(self, o: Small) -> Option<Small> {
        Small::make(self.n as i128 * o.n as i128, self.d as i128 * o.d as i128)
    }

    fn sub(self, o: Small) -> Option<Small> {
        let n = (self.n as i128).checked_mul(o.d as i128)?
            - (o.n as i128).checked_mul(self.d as i128)?;
        Small::make(n, self.d as i128 * o.d as i128)
    }

    fn recip(self) -> Option<Small> {
        Small::make(self.d as i128, self.n as i128)
    }

    fn big(self) -> BigRational {
        BigRational::new(BigInt::from(self.n), BigInt::from(self.d))
    }
}

/// A sparse row, sorted by column.
type SmallRow = Vec<(usize, Small)>;

/// `row - f × other`, dropping zeros; `None` on overflow.
fn small_axpy(row: &SmallRow, f: Small, other: &SmallRow) -> Option<SmallRow> {
    let mut out = Vec::with_capacity(row.len() + other.len());
    let (mut i, mut j) = (0, 0);
    while i < row.len() || j < other.len() {
        let take_row = j >= other.len() || (i < row.len() && row[i].0 < other[j].0);
        let take_other = i >= row.len() || (j < other.len() && other[j].0 < row[i].0);
        if take_row {
            out.push(row[i]);
            i += 1;
        } else if take_other {
            let v = Small::int(0).sub(f.mul(other[j].1)?)?;
            out.push((other[j].0, v));
            j += 1;
        } else {
            let v = row[i].1.sub(f.mul(other[j].1)?)?;
            if v.n != 0 {
                out.push((row[i].0, v));
            }
            i += 1;
            j += 1;
        }
    }
    Some(out)
}

/// [`exact_leaks`] in machine-word rationals: the same elimination (rows in relation order,
/// each reduced by the pivots before it, its first column its pivot, earlier rows reduced by
/// it), so the same pivots and combinations; the combinations are only carried when
/// `track`. `None` when a number outgrows 64 bits.
#[allow(clippy::type_complexity)]
fn small_elimination(
    problem: &Problem,
    hidden: &[bool],
    relations: &[usize],
    track: bool,
) -> Option<Vec<(usize, SmallRow, SmallRow)>> {
    let mut pivots: Vec<(usize, SmallRow, SmallRow)> = Vec::new();
    let mut pivot_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    // Column → pivot rows that may hold it (checked on use).
    let mut holders: std::collections::HashMap<usize, Vec<usize>> =
        std::collections::HashMap::new();
    // Pivots on the columns in fewest relations first: fewer earlier rows to clear, less
    // fill. (Which column a row pivots on changes neither the leaks nor their combinations:
    // a leak's row is `x_q` alone, and the independent relations it combines are the same.)
    let mut uses: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for &r in relations {
        for (i, _) in equation(problem, r) {
            *uses.entry(i).or_default() += 1;
        }
    }
    for &r in relations {
        let mut row: SmallRow = equation(problem, r)
            .into_iter()
            .filter(|&(i, _)| unknown(problem, hidden, i))
            .map(|(i, c)| (i, Small::int(c)))
            .collect();
        let mut combo: SmallRow = if track {
            vec![(r, Small::int(1))]
        } else {
            Vec::new()
        };
        // Pivot rows are reduced: none holds another pivot's column, so each pivot column of
        // the row is cleared by its own pivot row without bringing back another.
        let hits: Vec<(usize, Small)> = row
            .iter()
            .filter_map(|&(c, v)| pivot_of.get(&c).map(|&p| (p, v)))
            .collect();
        let mut hits = hits;
        hits.sort_unstable_by_key(|&(p, _)| p);
        for (p, f) in hits {
            row = small_axpy(&row, f, &pivots[p].1)?;
            if track {
                combo = small_axpy(&combo, f, &pivots[p].2)?;
            }
        }
        let Some(&(col, lead)) = row.iter().min_by_key(|e| (uses.get(&e.0), e.0)) else {
            continue;
        };
        let inv = lead.recip()?;
        for e in row.iter_mut() {
            e.1 = e.1.mul(inv)?;
        }
        for e in combo.iter_mut() {
            e.1 = e.1.mul(inv)?;
        }
        let me = pivots.len();
        if let Some(list) = holders.remove(&col) {
            for p in list {
                let prow = &pivots[p].1;
                let Ok(at) = prow.binary_search_by_key(&col, |e| e.0) else {
                    continue;
                };
                let f = prow[at].1;
                let new_row = small_axpy(prow, f, &row)?;
                for &(c, _) in &new_row {
                    if c != col && prow.binary_search_by_key(&c, |e| e.0).is_err() {
                        holders.entry(c).or_default().push(p);
                    }
                }
                pivots[p].1 = new_row;
                if track {
                    pivots[p].2 = small_axpy(&pivots[p].2, f, &combo)?;
                }
            }
        }
        for &(c, _) in row.iter().filter(|e| e.0 != col) {
            holders.entry(c).or_default().push(me);
        }
        pivot_of.insert(col, me);
        pivots.push((col, row, combo));
    }
    Some(pivots)
}

/// [`exact_leaks`], in machine words where the numbers allow (the same answer, faster).
fn exact_leaks_fast(
    problem: &Problem,
    hidden: &[bool],
    members: &[usize],
    relations: &[usize],
    name: bool,
) -> BTreeMap<usize, Vec<(usize, BigRational)>> {
    let leaking = |pivots: &[(usize, SmallRow, SmallRow)]| -> Vec<usize> {
        pivots
            .iter()
            .filter(|(col, row, _)| {
                row.len() == 1 && hidden[*col] && members.binary_search(col).is_ok()
            })
            .map(|(col, _, _)| *col)
            .collect()
    };
    let Some(pivots) = small_elimination(problem, hidden, relations, false) else {
        if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug!("  TIMING exact: overflow, big rationals");
        }
        return exact_leaks(problem, hidden, members, relations);
    };
    if !name {
        return leaking(&pivots)
            .into_iter()
            .map(|q| (q, Vec::new()))
            .collect();
    }
    if leaking(&pivots).is_empty() {
        return BTreeMap::new();
    }
    if tracing::enabled!(tracing::Level::DEBUG) {
        tracing::debug!(
            "  TIMING exact: {} leaks, again with combinations",
            leaking(&pivots).len()
        );
    }
    // Leaks: the elimination again, carrying the combinations that name them.
    let Some(pivots) = small_elimination(problem, hidden, relations, true) else {
        return exact_leaks(problem, hidden, members, relations);
    };
    let mut out = BTreeMap::new();
    for (col, row, combo) in &pivots {
        if row.len() == 1 && hidden[*col] && members.binary_search(col).is_ok() {
            let mut from: BTreeMap<usize, BigRational> = BTreeMap::new();
            for &(r, lambda) in combo {
                let lambda = lambda.big();
                for (i, c) in equation(problem, r) {
                    if !unknown(problem, hidden, i) {
                        let e = from.entry(i).or_insert_with(BigRational::zero);
                        *e -= &lambda * BigRational::from_integer(BigInt::from(c));
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

/// The same interval up to the solver's noise (both ends, or both unbounded above).
#[cfg(test)]
fn assert_same_interval(a: Interval, b: Interval, what: impl Fn() -> String) {
    assert!(
        (a.lo - b.lo).abs() < 1e-6 && (a.hi == b.hi || (a.hi - b.hi).abs() < 1e-6),
        "{}: {a} against {b}",
        what()
    );
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
                let Ok(mut e) = Extremes::new(&p, &hidden, &members, &relations) else {
                    panic!("component of mask {mask:#x} has no solution");
                };
                for &q in members.iter().filter(|&&q| hidden[q]) {
                    let warm = e.interval(q, true, true).expect("warm start");
                    let cold = interval(&p, &hidden, &members, &relations, q).unwrap();
                    assert_same_interval(warm, cold, || {
                        format!("mask {mask:#x}, {}", p.quantities[q].name())
                    });
                    compared += 1;
                }
            }
        }
        assert!(compared > 30, "only {compared} cells compared");
    }
}

#[cfg(test)]
mod fast_paths {
    use super::*;

    /// Two linked tables (rows × cols and rows × cols2 sharing the row margins) with a
    /// pseudo-random pattern of hidden cells: enough structure for leaks, pinned zeros and
    /// cells bounded only through the other table.
    pub(super) fn linked(seed: u64) -> (Problem, Vec<bool>) {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = move |m: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        let rows = ["a", "b", "c", "d", "e"];
        let cols = ["w", "x", "y"];
        let cols2 = ["u", "v"];
        let mut p = Problem::new();
        let v1: Vec<Vec<u64>> = (0..5).map(|_| (0..3).map(|_| next(7)).collect()).collect();
        // The second table splits the same row totals differently.
        let v2: Vec<Vec<u64>> = v1
            .iter()
            .map(|r| {
                let t: u64 = r.iter().sum();
                let u = if t == 0 { 0 } else { next(t + 1) };
                vec![u, t - u]
            })
            .collect();
        // Row margins are shared by name; cells belong to their table.
        let key = |table: &'static str| {
            move |r: Option<&str>, c: Option<&str>| match c {
                None => format!("row|{r:?}"),
                Some(_) => format!("{table}|{r:?}|{c:?}"),
            }
        };
        let (key1, key2) = (key("t1"), key("t2"));
        let g1 = p
            .crossed_table("t1", "row", "col", &rows, &cols, &v1, &key1, 2)
            .unwrap();
        let g2 = p
            .crossed_table("t2", "row", "col2", &rows, &cols2, &v2, &key2, 2)
            .unwrap();
        let mut hidden = vec![false; p.quantities.len()];
        for g in [&g1, &g2] {
            for line in g.iter() {
                for &id in line {
                    if next(100) < 35 {
                        hidden[id] = true;
                    }
                }
            }
        }
        (p, hidden)
    }

    #[test]
    fn machine_word_elimination_finds_the_same_leaks_and_combinations() {
        let mut leaks = 0;
        for seed in 0..300 {
            let (p, hidden) = linked(seed);
            for (members, relations) in components(&p, &hidden) {
                let slow = exact_leaks(&p, &hidden, &members, &relations);
                let fast = exact_leaks_fast(&p, &hidden, &members, &relations, true);
                let named: Vec<usize> = fast.keys().copied().collect();
                let unnamed = exact_leaks_fast(&p, &hidden, &members, &relations, false);
                assert_eq!(named, unnamed.keys().copied().collect::<Vec<_>>());
                assert_eq!(slow, fast, "seed {seed}");
                leaks += slow.len();
            }
        }
        assert!(leaks > 20, "only {leaks} leaks compared");
    }

    #[test]
    fn intervals_from_points_and_bounds_equal_one_program_per_side() {
        let mut compared = 0;
        for seed in 0..200 {
            let (p, hidden) = linked(seed);
            for (members, relations) in components(&p, &hidden) {
                let open: Vec<usize> = members.iter().copied().filter(|&q| hidden[q]).collect();
                let mut seen = Seen::truth(&p, &members);
                for (q, iv) in
                    component_intervals(&p, &hidden, &members, &relations, &open, &mut seen, None)
                {
                    let cold = interval(&p, &hidden, &members, &relations, q).unwrap();
                    assert_same_interval(iv.unwrap(), cold, || {
                        format!("seed {seed}, {}", p.quantities[q].name())
                    });
                    compared += 1;
                }
            }
        }
        assert!(compared > 500, "only {compared} cells compared");
    }

    #[test]
    fn the_screen_agrees_with_the_full_audit() {
        for seed in 0..200 {
            let (p, hidden) = linked(seed);
            let reqs = witnessed::reqs_of(&p);
            let full = audit_with(&p, &hidden, &reqs);
            let quick = screen(&p, &hidden, &reqs);
            let a: Vec<usize> = full.findings.iter().map(|f| f.quantity).collect();
            let b: Vec<usize> = quick.findings.iter().map(|f| f.quantity).collect();
            assert_eq!(a, b, "seed {seed}");
        }
    }
}

#[cfg(test)]
mod witnessed {
    use super::*;

    /// Each requirement in turn, over the quantities.
    pub(super) fn reqs_of(p: &Problem) -> Vec<Requirement> {
        p.quantities
            .iter()
            .enumerate()
            .map(|(i, q)| match i % 3 {
                0 => Requirement::Cover(3),
                1 => Requirement::Width(3),
                _ => Requirement::NotAll {
                    value: q.value,
                    threshold: 3,
                },
            })
            .collect()
    }

    /// Screens that carry their witnessed values reach the full audit's verdict, first
    /// alone and then after more cells are hidden (the earlier values taken over); every
    /// cell without a finding has witnessed values inside its exact interval that meet its
    /// requirement, and is reported with bounds around its exact interval.
    #[test]
    fn carried_witnesses_give_the_full_audits_verdict_and_ranges_inside_its_intervals() {
        let mut ranges = 0;
        for seed in 0..150 {
            let (p, hidden) = fast_paths::linked(seed);
            let (_, more) = fast_paths::linked(seed + 1000);
            let reqs = reqs_of(&p);
            let mut witness = truth_witness(&p);
            let wider: Vec<bool> = hidden.iter().zip(&more).map(|(&a, &b)| a || b).collect();
            let mut cleared: Vec<bool> = Vec::new();
            for (round, h) in [&hidden, &wider].into_iter().enumerate() {
                let full = audit_with(&p, h, &reqs);
                let quick = screen_witnessed(&p, h, &reqs, &cleared, &mut witness);
                let cells = |r: &AuditReport| r.findings.iter().map(|f| f.quantity).collect();
                let found: Vec<usize> = cells(&quick);
                assert_eq!(cells(&full), found, "seed {seed}, round {round}");
                for i in (0..h.len()).filter(|&i| h[i] && !found.contains(&i)) {
                    let (b, x) = (quick.intervals[&i], full.intervals[&i]);
                    let name = || format!("seed {seed}, {}", p.quantities[i].name());
                    let (lo, hi) = witness[i];
                    let w = Interval { lo, hi };
                    assert!(w.meets(reqs[i]), "{}: {w} fails {}", name(), reqs[i]);
                    assert!(
                        w.lo >= x.lo - 1e-6 && w.hi <= x.hi + 1e-6,
                        "{}: witnessed {w} outside {x}",
                        name()
                    );
                    assert!(
                        b.lo <= x.lo + 1e-6 && b.hi >= x.hi - 1e-6,
                        "{}: reported {b} inside {x}",
                        name()
                    );
                    ranges += 1;
                }
                cleared = (0..h.len()).map(|i| h[i] && !found.contains(&i)).collect();
            }
        }
        assert!(ranges > 300, "only {ranges} ranges compared");
    }
}
