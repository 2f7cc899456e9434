//! Accounts of the web application: adding one, changing its roles, password or state,
//! and listing them. The command line (`spor user`) and the administrator's page call
//! these; each change is checked the same way and lands in the audit trail with who made
//! it. Passwords are argon2id hashes; a password is never logged or stored in clear.
//!
//! Passwords (ASVS 5.0 V6.2): at least [`MIN_PASSWORD_CHARS`] characters, none of the
//! bundled common and breached passwords (`data/common-passwords.txt`, see its README), and
//! not containing the account's name. A password set by someone else (an account added or
//! a password reset) must be changed by its user at the next login. Nobody grants
//! themselves a role, and the last enabled administrator can be neither disabled nor
//! lose the role.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use chrono::{DateTime, Utc};
use spor_store::WebStore;
use spor_store::web::{AuditedChange, SecondFactorUpdate, UserUpdate};

use crate::audit::{self, Actor, Event};

/// Shortest password accepted for a new account or a reset.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A role of the application. An account may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Caseworker,
    Analyst,
    Admin,
    /// May download the whole register (person-level) in one file: a permission of its
    /// own, held with re-authentication, so one hijacked caseworker session cannot take
    /// everything.
    Exporter,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Caseworker, Role::Analyst, Role::Admin, Role::Exporter];

    pub fn code(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::Exporter => "exporter",
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
                format!("unknown role `{part}`: use caseworker, analyst, admin or exporter")
            })?;
            if !out.contains(&r) {
                out.push(r);
            }
        }
        if out.is_empty() {
            return Err("give at least one role: caseworker, analyst, admin or exporter".into());
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

/// Whether `password` is the password hashed in `hash` (argon2 PHC string).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// The bundled list of common and breached passwords (lower case).
fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Whether `password` is one of the bundled common or breached passwords (in any case).
pub fn is_common_password(password: &str) -> bool {
    common_passwords().contains(password.trim().to_lowercase().as_str())
}

/// Whether `password` contains the account's name, or a part of it (of four or more
/// characters, between `.`, `_`, `-` and `@`), in any case.
pub fn contains_name(password: &str, name: &str) -> bool {
    let p = password.to_lowercase();
    let n = name.to_lowercase();
    (n.chars().count() >= 3 && p.contains(&n))
        || n.split(['.', '_', '-', '@'])
            .filter(|part| part.chars().count() >= 4)
            .any(|part| p.contains(part))
}

/// Checks a new password for the account `name`: long enough, not a common or breached
/// password, and without the name.
pub fn check_password(password: &str, name: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    if is_common_password(password) {
        return Err(AccountError::CommonPassword);
    }
    if contains_name(password, name) {
        return Err(AccountError::PasswordHasName);
    }
    Ok(())
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
    #[error("the password is one of the most common (breached) passwords: choose another")]
    CommonPassword,
    #[error("the password contains the user name: choose another")]
    PasswordHasName,
    #[error("the current password is not right")]
    WrongPassword,
    #[error("the new password is the current one: choose another")]
    SamePassword,
    #[error("nobody can grant themselves a role: ask another administrator")]
    SelfGrant,
    #[error("`{0}` is the last administrator: it cannot be disabled or lose the admin role")]
    LastAdmin(String),
    #[error("the account `{0}` already exists")]
    Taken(String),
    #[error("there is no account `{0}`")]
    Unknown(String),
    #[error("`{0}` is not a team name: use 1 to 64 letters, digits, spaces, - or _")]
    BadTeam(String),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<spor_store::StoreError> for AccountError {
    fn from(e: spor_store::StoreError) -> Self {
        AccountError::Failed(e.into())
    }
}

impl AccountError {
    /// The message in English (the `Display` text, without code syntax).
    pub fn english(&self) -> String {
        match self {
            AccountError::BadName(_) => {
                "User names have 1–64 characters: letters a–z, digits, . _ - @".into()
            }
            AccountError::ShortPassword => {
                format!("The password needs at least {MIN_PASSWORD_CHARS} characters.")
            }
            AccountError::Taken(_) => "That user name is taken.".into(),
            AccountError::LastAdmin(n) => format!(
                "“{n}” is the last administrator: it cannot be disabled or lose the admin role."
            ),
            e => {
                let mut t = e.to_string();
                if let Some(c) = t.get(..1) {
                    t = format!("{}{}.", c.to_uppercase(), &t[1..]);
                }
                t
            }
        }
    }

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
            AccountError::CommonPassword => {
                "Adgangskoden er blandt de mest brugte (lækkede) adgangskoder; vælg en anden."
                    .into()
            }
            AccountError::PasswordHasName => {
                "Adgangskoden indeholder brugernavnet; vælg en anden.".into()
            }
            AccountError::WrongPassword => "Den nuværende adgangskode er forkert.".into(),
            AccountError::SamePassword => {
                "Den nye adgangskode er den samme som den nuværende; vælg en anden.".into()
            }
            AccountError::SelfGrant => {
                "Ingen kan give sig selv en rolle; bed en anden administrator.".into()
            }
            AccountError::LastAdmin(n) => format!(
                "«{n}» er den sidste administrator og kan ikke deaktiveres eller miste administratorrollen."
            ),
            AccountError::Taken(_) => "Brugernavnet er optaget.".into(),
            AccountError::Unknown(n) => format!("Der er ingen konto «{n}»."),
            AccountError::BadTeam(_) => {
                "Et holdnavn har 1–64 tegn: bogstaver, tal, mellemrum, - eller _.".into()
            }
            AccountError::Failed(_) => "Ændringen kunne ikke gemmes; prøv igen.".into(),
        }
    }
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
    check_password(&password, name)?;
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
    /// A new password, to be changed by its user at the next login; its sessions end.
    Password(String),
    /// Removes the second factor and the recovery codes: the user enrols again at the
    /// next login. Its sessions end.
    ResetSecondFactor,
    /// Puts the account in a team (`None`: in none, seeing every person).
    Team(Option<String>),
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Roles(r) => f.debug_tuple("Roles").field(r).finish(),
            Change::Disable => f.write_str("Disable"),
            Change::Enable => f.write_str("Enable"),
            Change::Password(_) => f.write_str("Password(..)"),
            Change::ResetSecondFactor => f.write_str("ResetSecondFactor"),
            Change::Team(t) => f.debug_tuple("Team").field(t).finish(),
        }
    }
}

/// Changes the account `name`. Nobody grants themselves a role; the last enabled
/// administrator keeps the role and cannot be disabled.
pub async fn change(
    store: &dyn WebStore,
    by: Actor<'_>,
    name: &str,
    change: Change,
    at: DateTime<Utc>,
) -> Result<(), AccountError> {
    // Changes that could leave no administrator are checked by the store, in the same
    // transaction as the change.
    let mut keep_an_admin = false;
    // A reset password or second factor, or a disabled account: the devices it logged in
    // from are no longer trusted (see `WebStore::claim_device_attempt`).
    let forget_devices = matches!(
        change,
        Change::Password(_) | Change::ResetSecondFactor | Change::Disable
    );
    let (update, event, detail) = match change {
        Change::Roles(list) => {
            let roles = roles_of(&list)?;
            if by.name == Some(name) {
                let current = store
                    .user(name)
                    .await?
                    .ok_or_else(|| AccountError::Unknown(name.to_string()))?;
                let held = Role::parse_list(&current.roles).unwrap_or_default();
                let new = Role::parse_list(&roles).unwrap_or_default();
                if new.iter().any(|r| !held.contains(r)) {
                    return Err(AccountError::SelfGrant);
                }
            }
            keep_an_admin = true;
            let detail = format!("roles {roles}");
            let update = UserUpdate {
                roles: Some(roles),
                ..Default::default()
            };
            (update, Event::UserUpdate, Some(detail))
        }
        Change::Disable => {
            keep_an_admin = true;
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
            check_password(&password, name)?;
            if store.user(name).await?.is_none() {
                return Err(AccountError::Unknown(name.to_string()));
            }
            let update = UserUpdate {
                password_hash: Some(hash(password).await?),
                must_change_password: Some(true),
                ..Default::default()
            };
            (update, Event::UserPasswordReset, None)
        }
        Change::ResetSecondFactor => {
            let update = UserUpdate {
                second_factor: Some(SecondFactorUpdate::Reset),
                ..Default::default()
            };
            (update, Event::UserSecondFactorReset, None)
        }
        Change::Team(team) => {
            if let Some(t) = &team
                && !crate::teams::valid_team(t)
            {
                return Err(AccountError::BadTeam(t.clone()));
            }
            let detail = match &team {
                Some(t) => format!("team {t}"),
                None => "no team".to_string(),
            };
            let update = UserUpdate {
                team: Some(team),
                ..Default::default()
            };
            (update, Event::UserUpdate, Some(detail))
        }
    };
    // The change and its event commit together.
    let ev = by.event(event, Some(name), detail);
    let change = if keep_an_admin {
        AuditedChange::UpdateUserKeepingAnAdmin {
            name,
            update: &update,
        }
    } else {
        AuditedChange::UpdateUser {
            name,
            update: &update,
        }
    };
    match audit::change(store, &change, &ev, at).await {
        Ok(true) => {
            if forget_devices {
                store.forget_devices(name).await?;
            }
            Ok(())
        }
        Ok(false) => Err(AccountError::Unknown(name.to_string())),
        Err(spor_store::StoreError::Conflict(why)) if why == spor_store::web::LAST_ADMIN => {
            Err(AccountError::LastAdmin(name.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// A user changes their own password: `current` must be right, and `new` follow the
/// rules and differ from it. The account's sessions end (the caller starts a new one);
/// a password that had to be changed no longer has to.
pub async fn change_own_password(
    store: &dyn WebStore,
    by: Actor<'_>,
    name: &str,
    current: String,
    new: String,
    at: DateTime<Utc>,
) -> Result<(), AccountError> {
    let user = store
        .user(name)
        .await?
        .ok_or_else(|| AccountError::Unknown(name.to_string()))?;
    let stored = user.password_hash.clone();
    let current_ok = tokio::task::spawn_blocking(move || verify_password(&current, &stored))
        .await
        .map_err(|e| anyhow::anyhow!("the password check stopped: {e}"))?;
    if !current_ok {
        return Err(AccountError::WrongPassword);
    }
    check_password(&new, name)?;
    let stored = user.password_hash;
    let probe = new.clone();
    let same = tokio::task::spawn_blocking(move || verify_password(&probe, &stored))
        .await
        .map_err(|e| anyhow::anyhow!("the password check stopped: {e}"))?;
    if same {
        return Err(AccountError::SamePassword);
    }
    let update = UserUpdate {
        password_hash: Some(hash(new).await?),
        must_change_password: Some(false),
        ..Default::default()
    };
    let ev = by.event(Event::UserPasswordChange, Some(name), None);
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
    /// Whether a second factor is in use.
    pub second_factor: bool,
    pub created_at: DateTime<Utc>,
    /// The caseworker's team, if any.
    pub team: Option<String>,
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
            second_factor: u.has_second_factor(),
            name: u.name,
            roles: u.roles,
            created_at: u.created_at,
            team: u.team,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_breached_passwords_are_refused_in_any_case() {
        assert!(
            common_passwords().len() > 19_000,
            "the bundled list is read"
        );
        for pw in ["password123", "Password123", "qwertyuiop", " 1234567890 "] {
            assert!(
                matches!(
                    check_password(pw, "mette"),
                    Err(AccountError::CommonPassword)
                ),
                "{pw}"
            );
        }
        assert!(check_password("tall-harbour-lantern-7", "mette").is_ok());
    }

    #[test]
    fn a_password_with_the_user_name_or_a_part_of_it_is_refused() {
        for (pw, name) in [
            ("mette-2026-spring", "mette"),
            ("Spring-METTE-2026", "mette"),
            ("hansen-rules-2026", "mette.hansen"),
            ("xx-ole-xx-yy-zz", "ole"),
        ] {
            assert!(
                matches!(check_password(pw, name), Err(AccountError::PasswordHasName)),
                "{pw} / {name}"
            );
        }
        // Parts shorter than four characters are not names enough to refuse on.
        assert!(check_password("tall-harbour-lantern-7", "al.x").is_ok());
        assert!(matches!(
            check_password("short", "mette"),
            Err(AccountError::ShortPassword)
        ));
    }
}
