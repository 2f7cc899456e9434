//! Primary and secondary cell suppression.
//!
//! Primary: every free quantity that is non-zero and below its threshold, and every part of a
//! published group that holds all of the group along a homogeneity dimension ("all in one
//! form").
//!
//! Secondary: the audit is the judge. While it finds a hidden quantity the attacker can pin
//! down, one more published figure next to it is hidden: the one in the sums around the
//! leaking cell (nearest first) that can absorb what is missing, the smallest such (least
//! information lost), ties broken by the quantity's index, so the same release and policy
//! always give the same hidden cells. Figures already published (fixed) are never
//! candidates; when no candidate is left, the release is refused with the leaking cell.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::audit::{AuditReport, Finding, Leak, audit, describe};
use crate::policy::Policy;
use crate::problem::{Problem, Role};

/// Why a quantity is hidden.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Published,
    /// Below the threshold of its dimensions.
    HiddenBelowThreshold {
        threshold: u64,
    },
    /// The only non-zero part of a published group along `dimension`.
    HiddenHomogeneous {
        dimension: String,
        group: String,
    },
    /// Hidden so that `protects` cannot be worked out.
    HiddenSecondary {
        protects: Vec<String>,
    },
    /// Never published (ties tables together).
    Latent,
}

impl Status {
    pub fn is_hidden(&self) -> bool {
        matches!(
            self,
            Status::HiddenBelowThreshold { .. }
                | Status::HiddenHomogeneous { .. }
                | Status::HiddenSecondary { .. }
        )
    }
}

/// The protected release: a status per quantity and the audit that passed.
#[derive(Debug, Clone)]
pub struct Protection {
    pub status: Vec<Status>,
    pub audit: AuditReport,
    /// Rounds of secondary suppression it took.
    pub rounds: usize,
}

impl Protection {
    pub fn hidden(&self) -> Vec<bool> {
        self.status.iter().map(Status::is_hidden).collect()
    }
}

/// A release that cannot be made safe, or whose audit failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the release is refused: {message}")]
pub struct Refused {
    pub message: String,
    pub findings: Vec<Finding>,
}

/// Primary suppression only.
pub fn primary(problem: &Problem, policy: &Policy) -> Vec<Status> {
    let mut status: Vec<Status> = problem
        .quantities
        .iter()
        .map(|q| match q.role {
            Role::Latent => Status::Latent,
            Role::Fixed => Status::Published,
            Role::Free => {
                let t = policy.threshold(q.dims);
                if q.value > 0 && q.value < t {
                    Status::HiddenBelowThreshold { threshold: t }
                } else {
                    Status::Published
                }
            }
        })
        .collect();
    for rel in &problem.relations {
        if !policy.homogeneity_dimensions.contains(&rel.dimension) {
            continue;
        }
        let whole = &problem.quantities[rel.whole];
        if whole.role == Role::Latent || whole.value == 0 {
            continue;
        }
        let nonzero: Vec<usize> = rel
            .parts
            .iter()
            .copied()
            .filter(|&p| problem.quantities[p].value > 0)
            .collect();
        // A split with a single category says nothing new; only a real choice reveals.
        if nonzero.len() == 1 && rel.parts.len() > 1 {
            let p = nonzero[0];
            if problem.quantities[p].role == Role::Free && status[p] == Status::Published {
                status[p] = Status::HiddenHomogeneous {
                    dimension: rel.dimension.clone(),
                    group: whole.name(),
                };
            }
        }
    }
    status
}

/// Primary suppression, then secondary until the audit passes.
pub fn protect(problem: &Problem, policy: &Policy) -> Result<Protection, Refused> {
    secondary(problem, policy, primary(problem, policy))
}

/// Secondary suppression from a given status (e.g. primary suppression chosen by hand):
/// hides more published figures until the audit passes, or refuses.
pub fn secondary(
    problem: &Problem,
    policy: &Policy,
    mut status: Vec<Status>,
) -> Result<Protection, Refused> {
    let mut rounds = 0;
    loop {
        let hidden: Vec<bool> = status.iter().map(Status::is_hidden).collect();
        let report = audit(problem, &hidden, policy);
        if report.passed() {
            return Ok(Protection {
                status,
                audit: report,
                rounds,
            });
        }
        rounds += 1;
        let mut chosen: BTreeSet<usize> = BTreeSet::new();
        for finding in &report.findings {
            if let Leak::Unsolved { .. } = finding.leak {
                return Err(refuse(problem, &report.findings));
            }
            // One partner per leaking cell and round; a partner chosen for an earlier
            // finding of this round may already fix this one.
            if chosen
                .iter()
                .any(|&c| touches(problem, c, finding.quantity))
            {
                continue;
            }
            match partner(problem, &hidden, &chosen, finding, policy) {
                Some(c) => {
                    chosen.insert(c);
                    status[c] = Status::HiddenSecondary {
                        protects: vec![problem.quantities[finding.quantity].name()],
                    };
                }
                // Partners chosen this round may be all it had; the next audit tells.
                None if !chosen.is_empty() => {}
                None => return Err(refuse(problem, std::slice::from_ref(finding))),
            }
        }
        if chosen.is_empty() {
            return Err(refuse(problem, &report.findings));
        }
    }
}

fn refuse(problem: &Problem, findings: &[Finding]) -> Refused {
    let lines: Vec<String> = findings.iter().map(|f| describe(problem, f)).collect();
    Refused {
        message: format!(
            "no figure left to hide that would protect it; {}",
            lines.join("; ")
        ),
        findings: findings.to_vec(),
    }
}

/// Do `a` and `b` share a relation?
fn touches(problem: &Problem, a: usize, b: usize) -> bool {
    problem.relations.iter().any(|r| {
        let has = |x| r.whole == x || r.parts.contains(&x);
        has(a) && has(b)
    })
}

/// The published figure to hide next for a leaking cell.
fn partner(
    problem: &Problem,
    hidden: &[bool],
    chosen: &BTreeSet<usize>,
    finding: &Finding,
    policy: &Policy,
) -> Option<usize> {
    let q = finding.quantity;
    let value = problem.quantities[q].value;
    let threshold = policy.threshold(problem.quantities[q].dims);
    // How much a partner must be able to give or take.
    let need = match &finding.leak {
        Leak::Narrow { interval, .. } => {
            let up = (threshold as f64 - interval.hi).max(0.0);
            let down = interval.lo.max(0.0);
            up.max(down).ceil() as u64
        }
        _ => value.max(threshold.saturating_sub(value)),
    }
    .max(1);
    // Breadth-first through the sums, passing through unknown quantities.
    let mut level: BTreeMap<usize, usize> = BTreeMap::new();
    let mut seen: BTreeSet<usize> = BTreeSet::from([q]);
    let mut queue = VecDeque::from([(q, 0usize)]);
    while let Some((x, d)) = queue.pop_front() {
        for rel in &problem.relations {
            if rel.whole != x && !rel.parts.contains(&x) {
                continue;
            }
            for &y in std::iter::once(&rel.whole).chain(&rel.parts) {
                if !seen.insert(y) {
                    continue;
                }
                let qy = &problem.quantities[y];
                let unknown = hidden[y] || chosen.contains(&y) || qy.role == Role::Latent;
                if unknown {
                    queue.push_back((y, d + 1));
                } else if qy.role == Role::Free {
                    level.insert(y, d);
                }
            }
        }
    }
    level
        .into_iter()
        .min_by_key(|&(y, d)| {
            let v = problem.quantities[y].value;
            (
                d,
                v == 0,
                v < need,
                if v < need { u64::MAX - v } else { v },
                usize::MAX - problem.quantities[y].dims,
                y,
            )
        })
        .map(|(y, _)| y)
}
