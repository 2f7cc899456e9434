//! The public edition of generated registers, timed and measured:
//!
//! ```sh
//! cargo run --release -p spor-sdc --example generated_timing -- demo 10000 100000 1000000 [--seed=2023] [--year=2023] [--repeat=N] [--tables]
//! ```
//!
//! `demo` is the demo register's 2023 edition (history before 2023). Each size is the register `spor bench generate --decisions N --seed SEED` writes (the same
//! draws, built in memory; see `spor_demo::generated`), evaluated for `--year` with
//! history before 2007 (its first year of records, as `spor release public` takes it). Prints
//! the time of `protect_edition` (the median of `--repeat` runs), the hidden quantities,
//! the utility (cells hidden, value hidden), whether every headline figure is published and
//! whether the attacker reading the published JSON pins anything. Timing lines of the rounds
//! with `SPOR_LOG=spor_sdc=debug`.

use spor_demo::generated as generator;

use spor_sdc::overview::{Inputs, protect_edition};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SPOR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let (flags, sizes): (Vec<String>, Vec<String>) =
        std::env::args().skip(1).partition(|a| a.starts_with("--"));
    let flag = |name: &str| flags.iter().find_map(|f| f.strip_prefix(name));
    let seed: u64 = flag("--seed=").map_or(Ok(generator::BENCH_SEED), str::parse)?;
    let year: i32 = flag("--year=").map_or(Ok(generator::LAST_YEAR), str::parse)?;
    let repeat: usize = flag("--repeat=").map_or(Ok(1), str::parse)?;
    let verbose = flags.iter().any(|f| f == "--tables");
    if sizes.is_empty() {
        return Err(
            "usage: generated_timing DECISIONS... [--seed=S] [--year=Y] [--repeat=N] [--tables]"
                .into(),
        );
    }
    let policy = spor_sdc::Policy::default();
    for n in sizes {
        let t = std::time::Instant::now();
        // `demo`: the demo register's edition (microdata from 2023).
        let (reg, history_before, year) = if n == "demo" {
            (
                spor_demo::register(),
                spor_demo::MICRODATA_FROM,
                spor_demo::YEAR,
            )
        } else {
            (
                generator::register(n.parse()?, seed),
                generator::FIRST_YEAR,
                year,
            )
        };
        let report = spor_stats::evaluate(&reg, year)?;
        let built = t.elapsed();
        let inputs = Inputs {
            earlier: &[],
            history_before: Some(history_before),
            minimise: false,
            keep_categories: false,
        };
        let mut times = Vec::new();
        let mut release = None;
        for _ in 0..repeat.max(1) {
            let start = std::time::Instant::now();
            let r = protect_edition(&report, &policy, &inputs)?;
            times.push(start.elapsed());
            release = Some(r);
        }
        times.sort();
        let release = release.expect("at least one run");
        let hidden = release.protection.hidden();
        let partners = release
            .protection
            .status
            .iter()
            .filter(|s| matches!(s, spor_sdc::Status::HiddenSecondary { .. }))
            .count();
        let nh = hidden.iter().filter(|h| **h).count();
        let u = &release.utility;
        let headline = spor_sdc::overview::headline_figures(&report, &release);
        let missing: Vec<&String> = headline
            .iter()
            .filter(|(_, shown)| !shown)
            .map(|(n, _)| n)
            .collect();
        let json = serde_json::to_value(&release.report)?;
        let pinned = spor_sdc::attack::attack(&json)
            .into_iter()
            .filter(|d| d.pinned())
            .count();
        println!(
            "{n} (seed {seed}, {year}): protect_edition {:.2?} (median of {}; register and report {built:.2?}); \
             {} quantities, {nh} hidden ({} by rule, {partners} partners), {} rounds; \
             cells {} hidden of {} ({} %), value {} % hidden; headline figures {} of {} published{}; attacker pins {pinned}; nested table {:?}",
            times[times.len() / 2],
            times.len(),
            hidden.len(),
            nh - partners,
            release.protection.rounds,
            u.hidden,
            u.cells,
            u.hidden_cells_pct,
            u.hidden_value_pct,
            headline.len() - missing.len(),
            headline.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!(" (not: {missing:?})")
            },
            release.nested,
        );
        if verbose {
            print!("{}", u.text_da());
        }
    }
    Ok(())
}
