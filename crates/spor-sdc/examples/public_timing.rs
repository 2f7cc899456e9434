//! Times the public profile of an overview: `cargo run --release -p spor-sdc --example
//! public_timing -- REPORT.json [HIDDEN.txt] [--minimise] [--history-before=YEAR]
//! [--keep-categories]` reads the internal JSON of `spor report --format json`, protects it
//! with the default policy and prints the time, the number of hidden quantities and the
//! edition's utility (and writes the hidden quantities' names to `HIDDEN.txt`). Year columns
//! before `--history-before` (the register's `microdata_from`) are history. Timing lines with
//! `SPOR_LOG=spor_sdc=debug`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SPOR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let (flags, args): (Vec<String>, Vec<String>) =
        std::env::args().skip(1).partition(|a| a.starts_with("--"));
    let minimise = flags.iter().any(|f| f == "--minimise");
    let keep_categories = flags.iter().any(|f| f == "--keep-categories");
    let history_before = flags
        .iter()
        .find_map(|f| f.strip_prefix("--history-before="))
        .map(str::parse::<i32>)
        .transpose()
        .map_err(|e| format!("--history-before=YEAR: {e}"))?;
    let mut args = args.into_iter();
    let path = args
        .next()
        .ok_or(
            "usage: public_timing REPORT.json [HIDDEN.txt] [--minimise] [--history-before=YEAR] [--keep-categories]",
        )?;
    let report: spor_stats::Report = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let policy = spor_sdc::Policy::default();
    let start = std::time::Instant::now();
    let release = spor_sdc::overview::protect_edition(
        &report,
        &policy,
        &spor_sdc::overview::Inputs {
            earlier: &[],
            history_before,
            minimise,
            keep_categories,
        },
    )?;
    let elapsed = start.elapsed();
    let hidden = release.protection.hidden();
    let names: Vec<String> = (0..hidden.len())
        .filter(|&i| hidden[i])
        .map(|i| release.problem.quantities[i].name())
        .collect();
    let partners = release
        .protection
        .status
        .iter()
        .filter(|s| matches!(s, spor_sdc::Status::HiddenSecondary { .. }))
        .count();
    println!(
        "{} quantities, {} hidden ({} by rule, {partners} partners), {} rounds, {elapsed:.2?}",
        hidden.len(),
        names.len(),
        names.len() - partners,
        release.protection.rounds
    );
    print!("{}", release.utility.text_da());
    if let Some(out) = args.next() {
        let mut text = String::new();
        for (i, q) in release.problem.quantities.iter().enumerate() {
            if hidden[i] {
                let iv = release.protection.audit.intervals.get(&i);
                text.push_str(&format!("{} {:?}\n", q.name(), iv.map(|v| (v.lo, v.hi))));
            }
        }
        std::fs::write(out, text)?;
    }
    Ok(())
}
