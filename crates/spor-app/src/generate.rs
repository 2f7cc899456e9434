//! A synthetic register of any size in the exchange format, for benchmarks and for trying
//! Spor at scale (`spor bench generate`): [`spor_demo::generated`]'s register, the same for
//! the same seed, written as the four CSV files an import reads.

use std::path::Path;

use anyhow::Context;

/// What [`generate`] wrote besides the decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub assessments: usize,
    pub calls: usize,
    pub history: usize,
}

/// Writes `decisions` decisions and the rest of a register as the four CSV files of the
/// exchange format into the folder `out`; the same `seed` gives the same files.
pub fn generate(decisions: usize, seed: u64, out: &Path) -> anyhow::Result<Generated> {
    let register = spor_demo::generated::register(decisions, seed);
    spor_import::export::write_csv_dir(&register, out)
        .with_context(|| format!("cannot write the register into {}", out.display()))?;
    Ok(Generated {
        assessments: register.assessments.len(),
        calls: register.hotline_calls.len(),
        history: register.history.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_register() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        generate(500, 7, a.path()).unwrap();
        generate(500, 7, b.path()).unwrap();
        for f in [
            "identifications.csv",
            "assessments.csv",
            "hotline_calls.csv",
            "history.csv",
        ] {
            let x = std::fs::read(a.path().join(f)).unwrap();
            let y = std::fs::read(b.path().join(f)).unwrap();
            assert_eq!(x, y, "{f} differs between two runs with one seed");
        }
        let text = std::fs::read_to_string(a.path().join("identifications.csv")).unwrap();
        assert_eq!(text.lines().count(), 501, "header plus 500 decisions");
    }
}
