//! `spor settings show`, `spor settings set microdata_from YEAR|none`.

use anyhow::bail;
use chrono::Utc;
use clap::Subcommand;
use spor_app::audit::Actor;
use spor_app::settings;

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show the register's settings.
    Show,
    /// Set a setting. `microdata_from YEAR`: the first year whose microdata is complete
    /// (earlier years come from history); `none` to unset it.
    Set { name: String, value: String },
}

pub async fn run(cmd: SettingsCommand, db: &str) -> anyhow::Result<()> {
    match cmd {
        SettingsCommand::Show => {
            let store = super::open_store(db).await?;
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
            let year = settings::parse_microdata_from(&value).map_err(anyhow::Error::msg)?;
            let store = spor_app::open_web_store(db).await?;
            let user = spor_app::audit::command_line_user();
            settings::set_microdata_from(
                store.as_ref(),
                Actor::command_line(&user),
                year,
                Utc::now(),
            )
            .await?;
            match year {
                Some(y) => println!("microdata_from = {y}"),
                None => println!("microdata_from unset"),
            }
        }
    }
    Ok(())
}
