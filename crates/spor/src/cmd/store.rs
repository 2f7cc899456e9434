//! `spor store copy --from URL --to URL`: moves a whole register between stores (SQLite →
//! PostgreSQL when a centre grows, PostgreSQL → SQLite for an offline copy), then loads
//! both and compares them. `spor store check`: the register's consistency, audit trail
//! and rows.

use clap::Subcommand;
use spor_app::copy::{copy, summary};
use spor_store::web::ChainStatus;

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy a whole register (records, history, settings, code additions) into an empty
    /// store, then check that both registers are identical.
    Copy {
        /// The register to copy: a file path, sqlite:PATH or postgres://USER@HOST/DB.
        #[arg(long)]
        from: String,
        /// Where to copy it: a new SQLite file or an empty PostgreSQL database.
        #[arg(long)]
        to: String,
    },
    /// Check the register (--db): the database's consistency check, the audit trail, and
    /// the rows of every table. Fails when something is wrong.
    Check,
}

pub async fn run(cmd: StoreCommand, db: &str) -> anyhow::Result<()> {
    match cmd {
        StoreCommand::Check => {
            let c = spor_app::backup::check(db).await?;
            for problem in &c.integrity {
                println!("database: {problem}");
            }
            if c.integrity.is_empty() {
                println!("database: consistent");
            }
            match &c.chain {
                ChainStatus::Intact { events } => {
                    println!("audit trail: intact, {events} events")
                }
                ChainStatus::Broken { seq, reason } => {
                    println!("audit trail: broken at event {seq}: {reason}")
                }
                ChainStatus::KeyNeeded { events, keyed } => println!(
                    "audit trail: {events} events linked, {keyed} keyed ones not checked (give the audit key)"
                ),
            }
            for (table, n) in &c.rows {
                println!("{table}: {n} rows");
            }
            if !c.is_ok() {
                anyhow::bail!(
                    "the register at {} did not pass its check",
                    spor_app::copy::shown(db)
                );
            }
            Ok(())
        }
        StoreCommand::Copy { from, to } => {
            // Everything is read out of `from`: an event in its trail first, which the copy
            // then carries along.
            let shown = spor_store::postgres::redact(&to);
            spor_app::audit::record_command_line(
                &from,
                spor_app::audit::Event::RegisterCopy,
                None,
                Some(format!("to {shown}")),
            )
            .await?;
            let outcome = copy(&from, &to).await?;
            print!("{}", summary(&from, &to, &outcome));
            Ok(())
        }
    }
}
