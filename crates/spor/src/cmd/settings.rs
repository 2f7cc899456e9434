//! `spor settings show`, `spor settings set microdata_from YEAR|none`.

use anyhow::bail;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show the register's settings.
    Show,
    /// Set a setting. `microdata_from YEAR`: the first year whose microdata is complete
    /// (earlier years come from history); `none` to unset it.
    Set { name: String, value: String },
}

pub async fn run(cmd: SettingsCommand, db: &str) -> anyhow::Result<()> {
    let store = super::open_store(db).await?;
    match cmd {
        SettingsCommand::Show => {
            let m = store.microdata_from().await?;
            match m {
                Some(y) => println!("microdata_from = {y}"),
                None => println!(
                    "microdata_from = (not set: per series, the earliest year with microdata)"
                ),
            }
            match store.last_change().await? {
                Some(t) => println!("last_change = {}", t.to_rfc3339()),
                None => println!("last_change = (never)"),
            }
        }
        SettingsCommand::Set { name, value } => {
            if name != "microdata_from" {
                bail!("unknown setting `{name}`; known settings: microdata_from");
            }
            let year = if value == "none" {
                None
            } else {
                match value.parse::<i32>() {
                    Ok(y) if (1900..=2200).contains(&y) => Some(y),
                    _ => bail!(
                        "microdata_from takes a four-digit year (e.g. 2023) or `none`, not `{value}`"
                    ),
                }
            };
            store.set_microdata_from(year).await?;
            match year {
                Some(y) => println!("microdata_from = {y}"),
                None => println!("microdata_from unset"),
            }
        }
    }
    Ok(())
}
