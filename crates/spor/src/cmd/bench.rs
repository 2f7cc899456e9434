//! `spor bench generate --decisions N --out DIR`: a synthetic register of N decisions in the
//! exchange format (`spor_app::generate`), for the benchmark (`bench/run.py`) and for trying
//! Spor at scale.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Write a synthetic register (identifications, assessments, hotline calls, history) as CSV.
    Generate {
        /// Number of identification decisions.
        #[arg(long)]
        decisions: usize,
        /// Folder to write the CSV files into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the random generator: the same seed gives the same files.
        #[arg(long, default_value_t = 2023)]
        seed: u64,
    },
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Generate {
            decisions,
            out,
            seed,
        } => {
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let n = spor_app::generate::generate(decisions, seed, &out)?;
            println!(
                "wrote {decisions} decisions, {} assessments, {} hotline calls and {} history rows to {}",
                n.assessments,
                n.calls,
                n.history,
                out.display()
            );
            Ok(())
        }
    }
}
