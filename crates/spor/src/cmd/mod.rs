//! One module per subcommand.

pub mod audit;
pub mod backup;
pub mod bench;
pub mod codes;
pub mod demo;
pub mod exchange;
pub mod export;
pub mod import;
pub mod key;
pub mod persons;
pub mod release;
pub mod report;
pub mod retention;
pub mod serve;
pub mod settings;
pub mod store;
pub mod user;

use crate::{Cli, Command};

pub use spor_app::open_store;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(path) = &cli.audit_key {
        spor_app::audit::use_key(spor_app::audit::read_key_file(path)?)?;
    } else if appends_events(&cli.command) {
        eprintln!(
            "warning: no audit key (--audit-key FILE or SPOR_AUDIT_KEY_FILE): this command's audit event is a plain SHA-256 link that anyone with the database can rewrite; a register whose trail is keyed refuses it"
        );
    }
    if let Some(path) = &cli.master_key {
        spor_app::identity::use_key(spor_app::identity::read_key_file(path)?)?;
    }
    match cli.command {
        Command::Import(args) => import::run(args, &cli.db).await,
        Command::Export(args) => export::run(args, &cli.db).await,
        Command::Codes(c) => codes::run(c, &cli.db).await,
        Command::Settings(c) => settings::run(c, &cli.db).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Report(args) => report::run(args, &cli.db).await,
        Command::Exchange(args) => exchange::run(args, &cli.db).await,
        Command::Release(c) => release::run(c, &cli.db).await,
        Command::Bench(c) => bench::run(c).await,
        Command::Store(c) => store::run(c, &cli.db).await,
        Command::Backup(args) => backup::backup(args, &cli.db).await,
        Command::Restore(args) => backup::restore(args, &cli.db).await,
        Command::Serve(args) => serve::run(args, &cli.db).await,
        Command::User(c) => user::run(c, &cli.db).await,
        Command::Persons(c) => persons::run(c, &cli.db).await,
        Command::Audit(c) => audit::run(c, &cli.db).await,
        Command::Key(c) => key::run(c).await,
        Command::Retention(c) => retention::run(c, &cli.db).await,
    }
}

/// Whether `c` appends to the audit trail of the register (`serve` says so itself).
fn appends_events(c: &Command) -> bool {
    matches!(
        c,
        Command::Import(_)
            | Command::Export(_)
            | Command::Codes(codes::CodesCommand::Add { .. } | codes::CodesCommand::Map { .. })
            | Command::Settings(settings::SettingsCommand::Set { .. })
            | Command::Report(_)
            | Command::Exchange(_)
            | Command::Release(_)
            | Command::Store(store::StoreCommand::Copy { .. })
            | Command::Backup(_)
            | Command::Restore(_)
            | Command::User(
                user::UserCommand::Add { .. }
                    | user::UserCommand::Disable { .. }
                    | user::UserCommand::Enable { .. }
                    | user::UserCommand::ResetPassword { .. }
                    | user::UserCommand::SetRoles { .. }
                    | user::UserCommand::SetTeam { .. }
            )
            | Command::Persons(_)
            | Command::Retention(
                retention::RetentionCommand::Apply { dry_run: false, .. }
                    | retention::RetentionCommand::Set { .. }
            )
            | Command::Audit(audit::AuditCommand::List { .. })
    )
}
