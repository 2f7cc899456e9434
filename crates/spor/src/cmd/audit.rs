//! `spor audit verify|list`: the web application's hash-chained audit trail.

use anyhow::bail;
use clap::Subcommand;
use spor_store::web::{AuditFilter, ChainStatus};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every link of the chain; reports the first broken one and fails if any is.
    Verify,
    /// Show the newest events.
    List {
        /// How many events.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Only events whose code starts with this (e.g. `login`, `case.view`).
        #[arg(long)]
        code: Option<String>,
    },
}

pub async fn run(cmd: AuditCommand, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_web_store(db).await?;
    match cmd {
        AuditCommand::Verify => match store.verify_audit().await? {
            ChainStatus::Intact { events } => {
                println!("audit trail intact: {events} events, every link verified")
            }
            ChainStatus::Broken { seq, reason } => {
                bail!("audit trail broken at event {seq}: {reason}")
            }
        },
        AuditCommand::List { limit, code } => {
            let filter = AuditFilter {
                code_prefix: code,
                ..Default::default()
            };
            let page = store
                .audit_events(&filter, limit.clamp(1, 100_000), 0)
                .await?;
            println!("seq\tat\tcode\tactor\ttarget\taddress\tdetail");
            for e in page.items {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.seq,
                    e.at,
                    e.code,
                    e.actor.unwrap_or_default(),
                    e.target.unwrap_or_default(),
                    e.address.unwrap_or_default(),
                    e.detail.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
