//! `spor retention apply [--dry-run] [--before DATE]`: erase the identities whose time is up
//! (issue 23, item 3); `spor retention set YEARS`: the policy.

use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use spor_app::audit::Actor;

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Erase the identity of every person whose last decision, return or interview is
    /// before the cut-off (retention_years before today, or --before), unless under a
    /// legal hold. Crypto-shredding: the records stay, every statistic is unchanged.
    Apply {
        /// Only say who would be erased.
        #[arg(long)]
        dry_run: bool,
        /// The cut-off instead of the policy's (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        before: Option<NaiveDate>,
    },
    /// Show the policy.
    Show,
    /// Set the policy: identity is erased YEARS after a person's last activity.
    Set { years: String },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("a date as YYYY-MM-DD (e.g. 2021-12-31), not `{s}`"))
}

pub async fn run(cmd: RetentionCommand, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_web_store(db).await?;
    let user = spor_app::audit::command_line_user();
    let by = Actor::command_line(&user);
    match cmd {
        RetentionCommand::Apply { dry_run, before } => {
            let plan =
                spor_app::retention::apply(store.as_ref(), by, before, dry_run, Utc::now()).await?;
            let verb = if dry_run { "would be erased" } else { "erased" };
            println!(
                "cut-off {}: {} person(s) {verb}, {} held, {} without records (kept)",
                plan.cutoff,
                plan.erase.len(),
                plan.held.len(),
                plan.without_records.len()
            );
            for p in &plan.erase {
                println!("{verb}: {p}");
            }
            for (p, reason) in &plan.held {
                println!("legal hold: {p} ({reason})");
            }
            if dry_run {
                println!("dry run: nothing was erased");
            }
        }
        RetentionCommand::Show => {
            let y = spor_app::retention::years(store.as_ref()).await?;
            println!("retention_years = {y}");
        }
        RetentionCommand::Set { years } => {
            let y = spor_app::retention::parse_years(&years).map_err(anyhow::Error::msg)?;
            spor_app::retention::set_years(store.as_ref(), by, y, Utc::now()).await?;
            println!("retention_years = {y}");
        }
    }
    Ok(())
}
