//! `spor store copy --from URL --to URL`: moves a whole register between stores (SQLite →
//! PostgreSQL when a centre grows, PostgreSQL → SQLite for an offline copy), then loads
//! both and compares them.

use clap::Subcommand;
use spor_app::copy::{copy, summary};

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
}

pub async fn run(cmd: StoreCommand) -> anyhow::Result<()> {
    match cmd {
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
