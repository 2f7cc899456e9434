//! `spor import` (being built; see the issue tracker).

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args, _db: &str) -> anyhow::Result<()> {
    anyhow::bail!("`spor import` is not available in this build yet")
}
