//! `spor demo` (being built; see the issue tracker).

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`spor demo` is not available in this build yet")
}
