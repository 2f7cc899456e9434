//! `spor demo --out DIR`: builds the synthetic demo register in `DIR/spor-demo.db`, writes
//! a summary to stdout and `DIR/README.txt`, then the overview files of the demo year.

use std::path::PathBuf;

use anyhow::Context;
use spor_app::demo;
use spor_store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the demo (created if needed); an earlier demo database there is replaced.
    #[arg(long, default_value = "demo")]
    pub out: PathBuf,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let (db, store) = demo::build_db(&args.out).await?;
    let register = store
        .load_register()
        .await
        .context("cannot read back the demo register")?;
    let summary = demo::summary(&register, &db);
    print!("{summary}");
    let readme = args.out.join("README.txt");
    std::fs::write(&readme, &summary)
        .with_context(|| format!("cannot write {}", readme.display()))?;
    for file in demo::write_overview(&store, &args.out).await? {
        println!("skrev {}", file.display());
    }
    // Closing checkpoints the WAL, so the demo is one self-contained database file.
    store.pool().close().await;
    Ok(())
}
