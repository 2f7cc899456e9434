//! The linear programs of the audit, solved with HiGHS (`highs` crate).
//!
//! A thin wrapper: a program over columns `0..n` with bounds `[0, upper]`, equality rows and
//! a linear objective, solved again after bounds or costs change (HiGHS starts from the
//! basis of the last solve, a few dual or primal simplex steps). Each program runs on one
//! thread with HiGHS's own threads off, so the same program gives the same solution every
//! time.

use highs::{HighsModelStatus, Model, RowProblem, Sense};

/// Which way the objective goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Minimise,
    Maximise,
}

impl Direction {
    fn sense(self) -> Sense {
        match self {
            Direction::Minimise => Sense::Minimise,
            Direction::Maximise => Sense::Maximise,
        }
    }
}

/// What a solve found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// An optimum: its objective value and the point (one value per column).
    Optimal {
        objective: f64,
        point: Vec<f64>,
    },
    Infeasible,
    /// The objective grows without bound (the program being feasible).
    Unbounded,
    /// Unbounded or infeasible, HiGHS did not tell which.
    UnboundedOrInfeasible,
    /// Anything else (time, iterations, numerical trouble): never taken as an answer.
    Failed(String),
}

/// One linear program, kept between solves.
pub(crate) struct Lp {
    /// `None` only while a solve runs (HiGHS's model moves into the solve and back).
    model: Option<Model>,
    cols: Vec<highs::Col>,
    /// Each column's upper bound as built (restored by [`Lp::unfix`]).
    upper: Vec<f64>,
    direction: Direction,
}

impl std::fmt::Debug for Lp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lp")
            .field("columns", &self.upper.len())
            .field("direction", &self.direction)
            .finish()
    }
}

impl Lp {
    /// `cost[j]` and `upper[j]` per column (lower bounds 0); each row `Σ c × x = rhs`.
    pub(crate) fn new(
        cost: &[f64],
        upper: &[f64],
        rows: &[(Vec<(usize, f64)>, f64)],
        direction: Direction,
    ) -> Lp {
        let mut pb = RowProblem::default();
        let cols: Vec<highs::Col> = cost
            .iter()
            .zip(upper)
            .map(|(&c, &u)| {
                if u.is_finite() {
                    pb.add_column(c, 0.0..=u)
                } else {
                    pb.add_column(c, 0.0..)
                }
            })
            .collect();
        for (terms, rhs) in rows {
            pb.add_row(*rhs..=*rhs, terms.iter().map(|&(j, c)| (cols[j], c)));
        }
        let mut model = pb.optimise(direction.sense());
        model.make_quiet();
        // One thread: the same program, the same solution.
        model.set_option("threads", 1);
        model.set_option("parallel", "off");
        Lp {
            model: Some(model),
            cols,
            upper: upper.to_vec(),
            direction,
        }
    }

    pub(crate) fn solve(&mut self) -> Outcome {
        let Some(model) = self.model.take() else {
            return Outcome::Failed("the program was lost in an earlier solve".to_owned());
        };
        let solved = match model.try_solve() {
            Ok(s) => s,
            Err(e) => return Outcome::Failed(format!("HiGHS: {e:?}")),
        };
        let out = match solved.status() {
            HighsModelStatus::Optimal => Outcome::Optimal {
                objective: solved.objective_value(),
                point: solved.get_solution().columns().to_vec(),
            },
            HighsModelStatus::Infeasible => Outcome::Infeasible,
            HighsModelStatus::Unbounded => Outcome::Unbounded,
            HighsModelStatus::UnboundedOrInfeasible => Outcome::UnboundedOrInfeasible,
            other => Outcome::Failed(format!("HiGHS: {other:?}")),
        };
        self.model = Some(Model::from(solved));
        out
    }

    /// Fixes column `j` at `value`.
    pub(crate) fn fix(&mut self, j: usize, value: f64) {
        let col = self.cols[j];
        if let Some(m) = self.model.as_mut() {
            m.change_column_bounds(col, value..=value);
        }
    }

    /// Gives column `j` back its bounds as built.
    pub(crate) fn unfix(&mut self, j: usize) {
        let (u, col) = (self.upper[j], self.cols[j]);
        if let Some(m) = self.model.as_mut() {
            if u.is_finite() {
                m.change_column_bounds(col, 0.0..=u);
            } else {
                m.change_column_bounds(col, 0.0..);
            }
        }
    }

    pub(crate) fn set_cost(&mut self, j: usize, cost: f64) {
        let col = self.cols[j];
        if let Some(m) = self.model.as_mut() {
            m.change_column_cost(col, cost);
        }
    }

    pub(crate) fn set_direction(&mut self, direction: Direction) {
        if direction != self.direction
            && let Some(m) = self.model.as_mut()
        {
            m.set_sense(direction.sense());
            self.direction = direction;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x + y = 4, y + z = 3 over x, y, z ≥ 0.
    fn small(direction: Direction, cost: &[f64]) -> Lp {
        let rows = vec![
            (vec![(0, 1.0), (1, 1.0)], 4.0),
            (vec![(1, 1.0), (2, 1.0)], 3.0),
        ];
        Lp::new(cost, &[f64::INFINITY; 3], &rows, direction)
    }

    #[test]
    fn optima_fixes_and_reoptimised_costs() {
        let mut lp = small(Direction::Maximise, &[1.0, 0.0, 0.0]);
        let Outcome::Optimal { objective, point } = lp.solve() else {
            panic!("no optimum");
        };
        assert!((objective - 4.0).abs() < 1e-9);
        assert!((point[0] - 4.0).abs() < 1e-9 && point[1].abs() < 1e-9);
        // y fixed at 3 leaves x = 1.
        lp.fix(1, 3.0);
        let Outcome::Optimal { objective, .. } = lp.solve() else {
            panic!("no optimum with y = 3");
        };
        assert!((objective - 1.0).abs() < 1e-9);
        // y = 5 breaks y + z = 3.
        lp.fix(1, 5.0);
        assert_eq!(lp.solve(), Outcome::Infeasible);
        lp.unfix(1);
        // Minimising z instead: z = 0 with y = 3.
        lp.set_cost(0, 0.0);
        lp.set_cost(2, 1.0);
        lp.set_direction(Direction::Minimise);
        let Outcome::Optimal { objective, point } = lp.solve() else {
            panic!("no optimum for min z");
        };
        assert!(objective.abs() < 1e-9);
        assert!((point[1] - 3.0).abs() < 1e-9 && (point[0] - 1.0).abs() < 1e-9);
    }

    #[test]
    fn an_unbounded_objective_is_told_apart() {
        // x - y = 0 lets both grow.
        let rows = vec![(vec![(0, 1.0), (1, -1.0)], 0.0)];
        let mut lp = Lp::new(&[1.0, 0.0], &[f64::INFINITY; 2], &rows, Direction::Maximise);
        assert_eq!(lp.solve(), Outcome::Unbounded);
        // A cap bounds it.
        let mut lp = Lp::new(
            &[1.0, 0.0],
            &[f64::INFINITY, 7.0],
            &rows,
            Direction::Maximise,
        );
        assert!(
            matches!(lp.solve(), Outcome::Optimal { objective, .. } if (objective - 7.0).abs() < 1e-9)
        );
    }
}
