//! `spor key generate --out FILE`: the master key of the persons' identities (issue 23).

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new master key (32 random bytes as 64 hex digits, mode 0600); an existing
    /// file is never overwritten. Keep it outside the database and its backups, and keep a
    /// copy of it apart (see the README): without it no identity can be read.
    Generate {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub async fn run(cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Generate { out } => {
            spor_app::identity::generate_key_file(&out)?;
            println!(
                "master key written to {} (readable by its owner only); back it up apart from the register",
                out.display()
            );
        }
    }
    Ok(())
}
