//! `spor backup --out FILE` and `spor restore FILE`: a backup of the register in a new
//! SQLite file, and its restore into an empty store (see `spor_app::backup`).

use std::path::PathBuf;

use spor_app::copy::summary;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The new SQLite file to write the backup into (it must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file (written by `spor backup`).
    pub file: PathBuf,
}

pub async fn backup(args: BackupArgs, db: &str) -> anyhow::Result<()> {
    let outcome = spor_app::backup::backup(db, &args.out).await?;
    print!("{}", summary(db, &args.out.display().to_string(), &outcome));
    Ok(())
}

pub async fn restore(args: RestoreArgs, db: &str) -> anyhow::Result<()> {
    let outcome = spor_app::backup::restore(&args.file, db).await?;
    print!(
        "{}",
        summary(&args.file.display().to_string(), db, &outcome)
    );
    Ok(())
}
