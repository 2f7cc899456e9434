//! `spor`: the command line of the register. Each subcommand is one module in `cmd/`
//! owning its arguments and `run`.

use clap::{Parser, Subcommand};

mod cmd;

/// mimalloc for every allocation of the process, SQLite's included (its `override`
/// feature replaces `malloc` and `free`): SQLite copies each text it is given and frees it
/// again, and glibc's allocator was about a tenth of a large import's writer time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Spor: case register and statistics for national anti-trafficking centres.
#[derive(Debug, Parser)]
#[command(name = "spor", version, about, propagate_version = true)]
pub struct Cli {
    /// The register: a file path or sqlite:PATH (default ./spor.db), or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "SPOR_DB", default_value = "./spor.db")]
    pub db: String,

    /// The audit trail's key: a file of 64 hex digits (make one with `spor audit key
    /// generate`). Events are then HMAC-chained under it; keep it outside the database.
    #[arg(long, global = true, env = "SPOR_AUDIT_KEY_FILE", value_name = "FILE")]
    pub audit_key: Option<std::path::PathBuf>,

    /// The master key of the persons' identities: a file of 64 hex digits (make one with
    /// `spor key generate`). Identity is sealed under it; keep it outside the database and
    /// its backups. Without it, everything but identity works.
    #[arg(long, global = true, env = "SPOR_MASTER_KEY_FILE", value_name = "FILE")]
    pub master_key: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import register files (CSV named after their entity, or XLSX with one sheet per entity).
    Import(cmd::import::Args),
    /// Export the register in the exchange format (CSV folder or XLSX workbook).
    Export(cmd::export::Args),
    /// Show or extend the code lists.
    #[command(subcommand)]
    Codes(cmd::codes::CodesCommand),
    /// Show or change the register's settings (microdata_from).
    #[command(subcommand)]
    Settings(cmd::settings::SettingsCommand),
    /// Build the synthetic demo register and its overview in a folder.
    Demo(cmd::demo::Args),
    /// Compute the annual overview for a year.
    Report(cmd::report::Args),
    /// An international data exchange (eurostat, unodc, tip, greta; person-level ctdc, htcds) for a year.
    Exchange(cmd::exchange::Args),
    /// Disclosure control of the public profile: risk report, protected edition and manifest.
    #[command(subcommand)]
    Release(cmd::release::ReleaseCommand),
    /// Benchmark helpers: generate synthetic registers of any size.
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Move a whole register between stores (SQLite, PostgreSQL).
    #[command(subcommand)]
    Store(cmd::store::StoreCommand),
    /// Back the register up into a new SQLite file (consistent while the web application
    /// writes; read back and compared).
    Backup(cmd::backup::BackupArgs),
    /// Restore a backup into an empty store (--db), then compare.
    Restore(cmd::backup::RestoreArgs),
    /// Run the web application for caseworkers, analysts and administrators.
    Serve(cmd::serve::Args),
    /// Manage the web application's accounts.
    #[command(subcommand)]
    User(cmd::user::UserCommand),
    /// The teams persons belong to (access of caseworkers by team).
    #[command(subcommand)]
    Persons(cmd::persons::PersonsCommand),
    /// Verify or list the web application's audit trail.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// The master key of the persons' identities.
    #[command(subcommand)]
    Key(cmd::key::KeyCommand),
    /// Erase identities whose time is up (crypto-shredding); the records stay.
    #[command(subcommand)]
    Retention(cmd::retention::RetentionCommand),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SPOR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx::query=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cmd::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes in one line, as `{:#}` gives them, but each cause said once:
/// an error whose own message already holds its cause's (the store's "migration failed:
/// …", sqlx's "while executing migrations: …") would otherwise repeat it at every level.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let said = cause.to_string();
        if text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::error_text;

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let cut =
            sqlx::Error::Protocol("terminating connection due to administrator command".into());
        let e = anyhow::Error::from(spor_store::StoreError::Migrate(
            sqlx::migrate::MigrateError::Execute(cut),
        ))
        .context("cannot open the register");
        let count = |s: &str| s.matches("terminating connection").count();
        assert!(count(&format!("{e:#}")) > 1, "what was printed before");
        let text = error_text(&e);
        assert_eq!(count(&text), 1, "{text}");
        assert!(
            text.starts_with("cannot open the register: migration failed: "),
            "{text}"
        );
        // Causes that add something are all kept, in order.
        let e = anyhow::anyhow!("the file is damaged")
            .context("cannot read decisions.csv")
            .context("nothing was imported");
        assert_eq!(
            error_text(&e),
            "nothing was imported: cannot read decisions.csv: the file is damaged"
        );
    }
}
