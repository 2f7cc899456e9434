//! One module per subcommand.

pub mod audit;
pub mod bench;
pub mod codes;
pub mod demo;
pub mod export;
pub mod import;
pub mod release;
pub mod report;
pub mod serve;
pub mod settings;
pub mod store;
pub mod user;

use crate::{Cli, Command};

pub use spor_app::open_store;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(path) = &cli.audit_key {
        spor_app::audit::use_key(spor_app::audit::read_key_file(path)?)?;
    }
    match cli.command {
        Command::Import(args) => import::run(args, &cli.db).await,
        Command::Export(args) => export::run(args, &cli.db).await,
        Command::Codes(c) => codes::run(c, &cli.db).await,
        Command::Settings(c) => settings::run(c, &cli.db).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Report(args) => report::run(args, &cli.db).await,
        Command::Release(c) => release::run(c, &cli.db).await,
        Command::Bench(c) => bench::run(c).await,
        Command::Store(c) => store::run(c).await,
        Command::Serve(args) => serve::run(args, &cli.db).await,
        Command::User(c) => user::run(c, &cli.db).await,
        Command::Audit(c) => audit::run(c, &cli.db).await,
    }
}
