//! `spor user add|list|disable|enable|reset-password`: accounts of the web application.
//! Passwords are read from standard input (or prompted for without echo), never taken as
//! an argument, where they would end up in shell history and process lists.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use clap::Subcommand;
use spor_store::web::UserUpdate;
use spor_web::{Event, Role};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input or prompted for.
    Add {
        name: String,
        /// caseworker, analyst or admin; repeat or separate with commas for several.
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// List the accounts.
    List,
    /// Disable an account and end its sessions.
    Disable { name: String },
    /// Enable a disabled or locked account again.
    Enable { name: String },
    /// Set a new password (read from standard input or prompted for); ends its sessions.
    ResetPassword { name: String },
    /// Change an account's roles.
    SetRoles {
        name: String,
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
    },
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
    if pw.chars().count() < spor_web::auth::MIN_PASSWORD_CHARS {
        bail!(
            "the password needs at least {} characters (give it on standard input, e.g. from a password manager)",
            spor_web::auth::MIN_PASSWORD_CHARS
        );
    }
    Ok(pw)
}

fn roles_of(list: &[String]) -> anyhow::Result<String> {
    let roles = Role::parse_list(&list.join(",")).map_err(anyhow::Error::msg)?;
    Ok(Role::join(&roles))
}

async fn audit(
    store: &dyn spor_store::WebStore,
    e: Event,
    target: &str,
    detail: Option<String>,
) -> anyhow::Result<()> {
    let mut ev = e.by(Some("cli"), Some("local"));
    ev.target = Some(target.to_string());
    ev.detail = detail;
    store.append_audit(&ev, chrono::Utc::now()).await?;
    Ok(())
}

pub async fn run(cmd: UserCommand, db: &str) -> anyhow::Result<()> {
    let store = spor_store::open_web(db)
        .await
        .with_context(|| format!("cannot open the register at {db}"))?;
    let store = store.as_ref();
    let now = chrono::Utc::now();
    let missing =
        |name: &str| anyhow::anyhow!("there is no account `{name}` (see `spor user list`)");
    match cmd {
        UserCommand::Add { name, roles } => {
            let valid = !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
            if !valid {
                bail!(
                    "`{name}` is not a valid user name: use 1 to 64 letters a-z, digits, . _ - @"
                );
            }
            let roles = roles_of(&roles)?;
            if store.user(&name).await?.is_some() {
                bail!("the account `{name}` already exists");
            }
            let pw = read_password()?;
            let hash = spor_web::hash_password(&pw)?;
            if !store.create_user(&name, &roles, &hash, now).await? {
                bail!("the account `{name}` already exists");
            }
            audit(
                store,
                Event::UserCreate,
                &name,
                Some(format!("roles {roles}")),
            )
            .await?;
            println!("added {name} ({roles})");
        }
        UserCommand::List => {
            println!("{:<24} {:<28} {:<10} created", "name", "roles", "state");
            for u in store.users().await? {
                let state = if u.disabled {
                    "disabled"
                } else if u.locked_until.is_some_and(|t| t > now) {
                    "locked"
                } else {
                    "active"
                };
                println!(
                    "{:<24} {:<28} {:<10} {}",
                    u.name,
                    u.roles,
                    state,
                    u.created_at.format("%Y-%m-%d")
                );
            }
        }
        UserCommand::Disable { name } => {
            let upd = UserUpdate {
                disabled: Some(true),
                ..Default::default()
            };
            if !store.update_user(&name, &upd, now).await? {
                return Err(missing(&name));
            }
            audit(store, Event::UserDisable, &name, None).await?;
            println!("disabled {name}; its sessions have ended");
        }
        UserCommand::Enable { name } => {
            let upd = UserUpdate {
                disabled: Some(false),
                login_state: Some((0, None)),
                ..Default::default()
            };
            if !store.update_user(&name, &upd, now).await? {
                return Err(missing(&name));
            }
            audit(store, Event::UserEnable, &name, None).await?;
            println!("enabled {name}");
        }
        UserCommand::ResetPassword { name } => {
            if store.user(&name).await?.is_none() {
                return Err(missing(&name));
            }
            let pw = read_password()?;
            let upd = UserUpdate {
                password_hash: Some(spor_web::hash_password(&pw)?),
                ..Default::default()
            };
            store.update_user(&name, &upd, now).await?;
            audit(store, Event::UserPasswordReset, &name, None).await?;
            println!("new password set for {name}; its sessions have ended");
        }
        UserCommand::SetRoles { name, roles } => {
            let roles = roles_of(&roles)?;
            let upd = UserUpdate {
                roles: Some(roles.clone()),
                ..Default::default()
            };
            if !store.update_user(&name, &upd, now).await? {
                return Err(missing(&name));
            }
            audit(
                store,
                Event::UserUpdate,
                &name,
                Some(format!("roles {roles}")),
            )
            .await?;
            println!("{name} now has the roles {roles}");
        }
    }
    Ok(())
}
