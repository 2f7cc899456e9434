//! Accounts of the web application: adding one, changing its roles, password or state,
//! and listing them. The command line (`spor user`) and the administrator's page call
//! these; each change is checked the same way and lands in the audit trail with who made
//! it. Passwords are argon2id hashes; a password is never logged or stored in clear.

use argon2::{Argon2, PasswordHasher as _};
use chrono::{DateTime, Utc};
use spor_store::WebStore;
use spor_store::web::{AuditedChange, UserUpdate};

use crate::audit::{self, Actor, Event};

/// Shortest password accepted for a new account or a reset.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A role of the application. An account may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Caseworker,
    Analyst,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Caseworker, Role::Analyst, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    /// Parses a comma-separated role list; errors name the bad entry.
    pub fn parse_list(s: &str) -> Result<Vec<Role>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let r = Role::parse(part).ok_or_else(|| {
                format!("unknown role `{part}`: use caseworker, analyst or admin")
            })?;
            if !out.contains(&r) {
                out.push(r);
            }
        }
        if out.is_empty() {
            return Err("give at least one role: caseworker, analyst or admin".into());
        }
        Ok(out)
    }

    pub fn join(roles: &[Role]) -> String {
        roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
    }
}

/// Hashes a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `name` can name an account: 1 to 64 of a–z, A–Z, digits and `. _ - @`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// Why an account change was refused; nothing was changed. [`AccountError::Failed`] is
/// the store's failure, the others the user's to correct.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("`{0}` is not a valid user name: use 1 to 64 letters a-z, digits, . _ - @")]
    BadName(String),
    #[error("{0}")]
    BadRoles(String),
    #[error("the password needs at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("the account `{0}` already exists")]
    Taken(String),
    #[error("there is no account `{0}`")]
    Unknown(String),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<spor_store::StoreError> for AccountError {
    fn from(e: spor_store::StoreError) -> Self {
        AccountError::Failed(e.into())
    }
}

impl AccountError {
    /// The message in Danish, for the administrator's page.
    pub fn danish(&self) -> String {
        match self {
            AccountError::BadName(_) => {
                "Brugernavnet må have 1–64 tegn: bogstaver a–z, tal, . _ - @".into()
            }
            AccountError::BadRoles(_) => {
                "Vælg mindst én rolle: sagsbehandler, analytiker eller administrator.".into()
            }
            AccountError::ShortPassword => {
                format!("Adgangskoden skal have mindst {MIN_PASSWORD_CHARS} tegn.")
            }
            AccountError::Taken(_) => "Brugernavnet er optaget.".into(),
            AccountError::Unknown(n) => format!("Der er ingen konto «{n}»."),
            AccountError::Failed(_) => "Ændringen kunne ikke gemmes; prøv igen.".into(),
        }
    }
}

fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    Ok(())
}

fn roles_of(list: &str) -> Result<String, AccountError> {
    Role::parse_list(list)
        .map(|r| Role::join(&r))
        .map_err(AccountError::BadRoles)
}

/// Hashes off the async threads: argon2 takes tens of milliseconds by design.
async fn hash(password: String) -> Result<String, AccountError> {
    Ok(
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| anyhow::anyhow!("the password hashing stopped: {e}"))??,
    )
}

/// Adds an account with `roles` (comma-separated) and `password`; the roles as stored.
pub async fn add(
    store: &dyn WebStore,
    by: Actor<'_>,
    name: &str,
    roles: &str,
    password: String,
    at: DateTime<Utc>,
) -> Result<String, AccountError> {
    if !valid_name(name) {
        return Err(AccountError::BadName(name.to_string()));
    }
    let roles = roles_of(roles)?;
    check_password(&password)?;
    if store.user(name).await?.is_some() {
        return Err(AccountError::Taken(name.to_string()));
    }
    let hash = hash(password).await?;
    let ev = by.event(
        Event::UserCreate,
        Some(name),
        Some(format!("roles {roles}")),
    );
    let create = AuditedChange::CreateUser {
        name,
        roles: &roles,
        password_hash: &hash,
    };
    if !audit::change(store, &create, &ev, at).await? {
        return Err(AccountError::Taken(name.to_string()));
    }
    Ok(roles)
}

/// A change to an account.
#[derive(Clone, PartialEq, Eq)]
pub enum Change {
    /// New roles, comma-separated.
    Roles(String),
    /// Disable the account; its sessions end.
    Disable,
    /// Enable it again, and lift a lockout.
    Enable,
    /// A new password; its sessions end.
    Password(String),
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Roles(r) => f.debug_tuple("Roles").field(r).finish(),
            Change::Disable => f.write_str("Disable"),
            Change::Enable => f.write_str("Enable"),
            Change::Password(_) => f.write_str("Password(..)"),
        }
    }
}

/// Changes the account `name`.
pub async fn change(
    store: &dyn WebStore,
    by: Actor<'_>,
    name: &str,
    change: Change,
    at: DateTime<Utc>,
) -> Result<(), AccountError> {
    let (update, event, detail) = match change {
        Change::Roles(list) => {
            let roles = roles_of(&list)?;
            let detail = format!("roles {roles}");
            let update = UserUpdate {
                roles: Some(roles),
                ..Default::default()
            };
            (update, Event::UserUpdate, Some(detail))
        }
        Change::Disable => {
            let update = UserUpdate {
                disabled: Some(true),
                ..Default::default()
            };
            (update, Event::UserDisable, None)
        }
        Change::Enable => {
            let update = UserUpdate {
                disabled: Some(false),
                login_state: Some((0, None)),
                ..Default::default()
            };
            (update, Event::UserEnable, None)
        }
        Change::Password(password) => {
            check_password(&password)?;
            if store.user(name).await?.is_none() {
                return Err(AccountError::Unknown(name.to_string()));
            }
            let update = UserUpdate {
                password_hash: Some(hash(password).await?),
                ..Default::default()
            };
            (update, Event::UserPasswordReset, None)
        }
    };
    let ev = by.event(event, Some(name), detail);
    let update = AuditedChange::UpdateUser {
        name,
        update: &update,
    };
    if !audit::change(store, &update, &ev, at).await? {
        return Err(AccountError::Unknown(name.to_string()));
    }
    Ok(())
}

/// An account as its list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub roles: String,
    pub state: AccountState,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    Active,
    /// Too many failed logins: locked until a time.
    Locked,
    Disabled,
}

impl AccountState {
    pub fn code(self) -> &'static str {
        match self {
            AccountState::Active => "active",
            AccountState::Locked => "locked",
            AccountState::Disabled => "disabled",
        }
    }
}

/// Every account, by name, with its state at `now`.
pub async fn list(store: &dyn WebStore, now: DateTime<Utc>) -> anyhow::Result<Vec<Account>> {
    Ok(store
        .users()
        .await?
        .into_iter()
        .map(|u| Account {
            state: if u.disabled {
                AccountState::Disabled
            } else if u.locked_until.is_some_and(|t| t > now) {
                AccountState::Locked
            } else {
                AccountState::Active
            },
            name: u.name,
            roles: u.roles,
            created_at: u.created_at,
        })
        .collect())
}
