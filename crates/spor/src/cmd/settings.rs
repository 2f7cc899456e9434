//! `spor settings show`, `spor settings set microdata_from YEAR|none`,
//! `spor settings set second_factor_exempt ROLES|none`.

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
    /// (earlier years come from history); `none` to unset it. `second_factor_exempt
    /// ROLES`: roles (comma-separated) whose accounts log in without a second factor when
    /// every role they have is exempt; `none` (the default) exempts nobody.
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
            let web = spor_app::open_web_store(db).await?;
            let exempt = spor_app::second_factor::exempt_roles(web.as_ref()).await?;
            if exempt.is_empty() {
                println!("second_factor_exempt = none");
            } else {
                println!(
                    "second_factor_exempt = {}",
                    spor_app::accounts::Role::join(&exempt)
                );
            }
            match store.last_change().await? {
                Some(t) => println!("last_change = {}", t.to_rfc3339()),
                None => println!("last_change = (never)"),
            }
        }
        SettingsCommand::Set { name, value } if name == "second_factor_exempt" => {
            let roles =
                spor_app::second_factor::parse_exempt(&value).map_err(anyhow::Error::msg)?;
            let store = spor_app::open_web_store(db).await?;
            let user = spor_app::audit::command_line_user();
            spor_app::second_factor::set_exempt_roles(
                store.as_ref(),
                Actor::command_line(&user),
                &roles,
                Utc::now(),
            )
            .await?;
            if roles.is_empty() {
                println!("second_factor_exempt = none");
            } else {
                println!(
                    "second_factor_exempt = {}",
                    spor_app::accounts::Role::join(&roles)
                );
            }
        }
        SettingsCommand::Set { name, value } => {
            if name != "microdata_from" {
                bail!(
                    "unknown setting `{name}`; known settings: microdata_from, second_factor_exempt"
                );
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
