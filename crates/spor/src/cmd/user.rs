//! `spor user add|list|disable|enable|reset-password|reset-second-factor|set-roles|set-team`:
//! accounts of the web application.
//! Passwords are read from standard input (or prompted for without echo), never taken as
//! an argument, where they would end up in shell history and process lists.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use clap::Subcommand;
use spor_app::accounts::{self, AccountError, Change, MIN_PASSWORD_CHARS, Role};
use spor_app::audit::Actor;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input or prompted for.
    Add {
        name: String,
        /// caseworker, analyst, admin or exporter (may download the whole register); repeat or separate with commas for several.
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// List the accounts.
    List,
    /// Disable an account and end its sessions.
    Disable { name: String },
    /// Enable a disabled or locked account again.
    Enable { name: String },
    /// Set a new password (read from standard input or prompted for), to be changed by
    /// its user at the next login; ends its sessions.
    ResetPassword { name: String },
    /// Remove the account's second factor and recovery codes (a lost phone): its user
    /// sets up a new one at the next login. Ends its sessions.
    ResetSecondFactor { name: String },
    /// Change an account's roles.
    SetRoles {
        name: String,
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// Put an account in a team: as a caseworker it sees that team's persons and persons
    /// in no team, and reaches another team's person only with a stated reason. Without
    /// TEAM the account is in no team and sees every person.
    SetTeam { name: String, team: Option<String> },
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let read_line = || -> anyhow::Result<String> {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    };
    let pw = if interactive {
        let echo_off = std::process::Command::new("stty")
            .arg("-echo")
            .status()
            .is_ok_and(|s| s.success());
        eprint!("Password: ");
        std::io::stderr().flush().ok();
        let first = read_line();
        eprint!("\nRepeat the password: ");
        std::io::stderr().flush().ok();
        let second = read_line();
        if echo_off {
            let _ = std::process::Command::new("stty").arg("echo").status();
        }
        eprintln!();
        let (first, second) = (first?, second?);
        if first != second {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        read_line()?
    };
    if pw.chars().count() < MIN_PASSWORD_CHARS {
        bail!(
            "the password needs at least {} characters (give it on standard input, e.g. from a password manager)",
            MIN_PASSWORD_CHARS
        );
    }
    Ok(pw)
}

pub async fn run(cmd: UserCommand, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_web_store(db).await?;
    let store = store.as_ref();
    let user = spor_app::audit::command_line_user();
    let by = Actor::command_line(&user);
    let now = chrono::Utc::now();
    let hint = |e: AccountError| match e {
        AccountError::Unknown(_) => anyhow::anyhow!("{e} (see `spor user list`)"),
        e => anyhow::Error::new(e),
    };
    match cmd {
        UserCommand::Add { name, roles } => {
            let roles = roles.join(",");
            // The name and roles are checked before the password is asked for.
            if !accounts::valid_name(&name) {
                return Err(AccountError::BadName(name).into());
            }
            Role::parse_list(&roles).map_err(anyhow::Error::msg)?;
            if store.user(&name).await?.is_some() {
                return Err(AccountError::Taken(name).into());
            }
            let pw = read_password()?;
            let roles = accounts::add(store, by, &name, &roles, pw, now).await?;
            println!("added {name} ({roles})");
        }
        UserCommand::List => {
            println!(
                "{:<24} {:<28} {:<10} {:<13} {:<16} created",
                "name", "roles", "state", "second factor", "team"
            );
            for a in accounts::list(store, now).await? {
                println!(
                    "{:<24} {:<28} {:<10} {:<13} {:<16} {}",
                    a.name,
                    a.roles,
                    a.state.code(),
                    if a.second_factor { "totp" } else { "none" },
                    a.team.as_deref().unwrap_or("-"),
                    a.created_at.format("%Y-%m-%d")
                );
            }
        }
        UserCommand::Disable { name } => {
            accounts::change(store, by, &name, Change::Disable, now)
                .await
                .map_err(hint)?;
            println!("disabled {name}; its sessions have ended");
        }
        UserCommand::Enable { name } => {
            accounts::change(store, by, &name, Change::Enable, now)
                .await
                .map_err(hint)?;
            println!("enabled {name}");
        }
        UserCommand::ResetPassword { name } => {
            if store.user(&name).await?.is_none() {
                return Err(hint(AccountError::Unknown(name)));
            }
            let pw = read_password()?;
            accounts::change(store, by, &name, Change::Password(pw), now)
                .await
                .map_err(hint)?;
            println!("new password set for {name}; its sessions have ended");
        }
        UserCommand::ResetSecondFactor { name } => {
            accounts::change(store, by, &name, Change::ResetSecondFactor, now)
                .await
                .map_err(hint)?;
            println!(
                "second factor of {name} removed; its sessions have ended, and it sets up a new one at the next login"
            );
        }
        UserCommand::SetRoles { name, roles } => {
            let roles = roles.join(",");
            accounts::change(store, by, &name, Change::Roles(roles.clone()), now)
                .await
                .map_err(hint)?;
            let roles = Role::join(&Role::parse_list(&roles).map_err(anyhow::Error::msg)?);
            println!("{name} now has the roles {roles}");
        }
        UserCommand::SetTeam { name, team } => {
            accounts::change(store, by, &name, Change::Team(team.clone()), now)
                .await
                .map_err(hint)?;
            match team {
                Some(t) => println!("{name} is now in team {t}"),
                None => println!("{name} is now in no team and sees every person"),
            }
        }
    }
    Ok(())
}
