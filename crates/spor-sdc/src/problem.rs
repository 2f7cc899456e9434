//! The protection problem: every quantity of a release and the sums that tie them together.
//!
//! A *quantity* is a count of persons (e.g. "female victims of sexual exploitation in 2023").
//! The same quantity may appear in several tables (a margin of the gender × form table is a
//! row of the gender table); it is one quantity here, with one status, so no table can
//! publish what another hides. A *relation* says `whole = Σ parts` along one dimension.
//! Quantities that no table publishes but that tie tables together (e.g. a gender × age ×
//! form count when one table splits nationality by gender/age × form and another shows
//! gender × form) are *latent*: unknowns of the attacker, never published.

use std::collections::BTreeMap;

/// Where a quantity appears: table id, row key path (`"DK"`, `"DK/female/adult"`,
/// `"total"`) and column key.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct CellRef {
    pub table: String,
    pub row: String,
    pub col: String,
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}, {}]", self.table, self.row, self.col)
    }
}

/// What may happen to a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Published unless the policy hides it.
    Free,
    /// Already public (an earlier edition published it): it is a known constraint and
    /// cannot be hidden.
    Fixed,
    /// Never published; ties tables together.
    Latent,
}

/// One quantity.
#[derive(Debug, Clone)]
pub struct Quantity {
    /// Canonical key (e.g. `"victims|2023|form=sexual|gender=female"`); equal keys are
    /// the same quantity.
    pub key: String,
    /// Its true value.
    pub value: u64,
    /// How many dimensions it crosses (chooses the threshold).
    pub dims: usize,
    pub role: Role,
    /// Where it is shown (empty for latent quantities).
    pub refs: Vec<CellRef>,
}

impl Quantity {
    /// A readable name: its first place in a table, or its key.
    pub fn name(&self) -> String {
        match self.refs.first() {
            Some(r) => r.to_string(),
            None => self.key.clone(),
        }
    }
}

/// `whole = Σ parts`, splitting `whole` along `dimension`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub whole: usize,
    pub parts: Vec<usize>,
    pub dimension: String,
}

/// A release's quantities and relations.
#[derive(Debug, Clone, Default)]
pub struct Problem {
    pub quantities: Vec<Quantity>,
    pub relations: Vec<Relation>,
    by_key: BTreeMap<String, usize>,
}

/// A release whose figures contradict themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemError {
    #[error("quantity {key} appears as {first} and as {second}: the release contradicts itself")]
    Conflict {
        key: String,
        first: u64,
        second: u64,
    },
    #[error("{name} = {whole} but its parts along {dimension} add up to {sum}")]
    Unbalanced {
        name: String,
        whole: u64,
        sum: u64,
        dimension: String,
    },
}

impl Problem {
    pub fn new() -> Problem {
        Problem::default()
    }

    /// Adds a quantity or returns the one with the same key (checking the value, raising
    /// its role from latent to free and from free to fixed).
    pub fn quantity(
        &mut self,
        key: &str,
        value: u64,
        dims: usize,
        role: Role,
    ) -> Result<usize, ProblemError> {
        if let Some(&i) = self.by_key.get(key) {
            let q = &mut self.quantities[i];
            if q.value != value {
                return Err(ProblemError::Conflict {
                    key: key.to_owned(),
                    first: q.value,
                    second: value,
                });
            }
            q.role = match (q.role, role) {
                (Role::Fixed, _) | (_, Role::Fixed) => Role::Fixed,
                (Role::Free, _) | (_, Role::Free) => Role::Free,
                _ => Role::Latent,
            };
            q.dims = q.dims.max(dims);
            return Ok(i);
        }
        let i = self.quantities.len();
        self.quantities.push(Quantity {
            key: key.to_owned(),
            value,
            dims,
            role,
            refs: Vec::new(),
        });
        self.by_key.insert(key.to_owned(), i);
        Ok(i)
    }

    /// Adds a quantity shown at `at`.
    pub fn cell(
        &mut self,
        key: &str,
        value: u64,
        dims: usize,
        role: Role,
        at: CellRef,
    ) -> Result<usize, ProblemError> {
        let i = self.quantity(key, value, dims, role)?;
        if !self.quantities[i].refs.contains(&at) {
            self.quantities[i].refs.push(at);
        }
        Ok(i)
    }

    /// The quantity with this key.
    pub fn find(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// Records `whole = Σ parts`; checks that the true values add up. Duplicate relations
    /// are kept once.
    pub fn relate(
        &mut self,
        whole: usize,
        parts: Vec<usize>,
        dimension: &str,
    ) -> Result<(), ProblemError> {
        let sum: u64 = parts.iter().map(|&p| self.quantities[p].value).sum();
        if sum != self.quantities[whole].value {
            return Err(ProblemError::Unbalanced {
                name: self.quantities[whole].name(),
                whole: self.quantities[whole].value,
                sum,
                dimension: dimension.to_owned(),
            });
        }
        let mut sorted = parts.clone();
        sorted.sort_unstable();
        let dup = self.relations.iter().any(|r| {
            r.whole == whole && {
                let mut s = r.parts.clone();
                s.sort_unstable();
                s == sorted
            }
        });
        let trivial = parts.len() == 1 && parts[0] == whole;
        if !dup && !trivial {
            self.relations.push(Relation {
                whole,
                parts,
                dimension: dimension.to_owned(),
            });
        }
        Ok(())
    }

    /// Adds a rows × columns table with row margins, column margins and a total, relating
    /// them; returns the quantity indices as `[row][col]` with the margin column last and
    /// the total row last. `key(r, c)` gives the canonical key of each cell (`None` for
    /// margins), `dims_inner` the dimensions of an inner cell (margins have one fewer,
    /// the total two fewer).
    #[allow(clippy::too_many_arguments)]
    pub fn crossed_table(
        &mut self,
        table: &str,
        row_dim: &str,
        col_dim: &str,
        row_keys: &[&str],
        col_keys: &[&str],
        values: &[Vec<u64>],
        key: &dyn Fn(Option<&str>, Option<&str>) -> String,
        dims_inner: usize,
    ) -> Result<Vec<Vec<usize>>, ProblemError> {
        let at = |r: &str, c: &str| CellRef {
            table: table.to_owned(),
            row: r.to_owned(),
            col: c.to_owned(),
        };
        let mut grid = Vec::new();
        for (r, rk) in row_keys.iter().enumerate() {
            let mut line = Vec::new();
            for (c, ck) in col_keys.iter().enumerate() {
                line.push(self.cell(
                    &key(Some(rk), Some(ck)),
                    values[r][c],
                    dims_inner,
                    Role::Free,
                    at(rk, ck),
                )?);
            }
            let sum = values[r].iter().sum();
            line.push(self.cell(
                &key(Some(rk), None),
                sum,
                dims_inner.saturating_sub(1),
                Role::Free,
                at(rk, "total"),
            )?);
            grid.push(line);
        }
        let mut total_line = Vec::new();
        for (c, ck) in col_keys.iter().enumerate() {
            let sum = values.iter().map(|v| v[c]).sum();
            total_line.push(self.cell(
                &key(None, Some(ck)),
                sum,
                dims_inner.saturating_sub(1),
                Role::Free,
                at("total", ck),
            )?);
        }
        let grand = values.iter().flatten().sum();
        total_line.push(self.cell(
            &key(None, None),
            grand,
            dims_inner.saturating_sub(2),
            Role::Free,
            at("total", "total"),
        )?);
        grid.push(total_line);
        let nr = row_keys.len();
        let nc = col_keys.len();
        for line in grid.iter().take(nr + 1) {
            self.relate(line[nc], line[..nc].to_vec(), col_dim)?;
        }
        for c in 0..=nc {
            let parts = grid[..nr].iter().map(|line| line[c]).collect();
            self.relate(grid[nr][c], parts, row_dim)?;
        }
        Ok(grid)
    }
}
