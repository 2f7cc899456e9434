//! The audit trail as the use cases write it: a typed list of events with stable codes (a
//! contract with whoever reads the trail: add new ones, never rename), and who acted from
//! where. Both front ends record through here; the web adds its requests' own events.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, bail};
use spor_store::web::{AuditAnchor, AuditKey, ChainStatus, NewAuditEvent};

/// Who acts: an account of the web application from an address, or the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    /// The account's name; `None` before a login.
    pub name: Option<&'a str>,
    /// The client's address (the web), or `local`.
    pub address: &'a str,
}

/// The name the command line acts under in the audit trail: `cli:` and the
/// operating-system user who ran it (`USER`, or `LOGNAME`).
pub fn command_line_user() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

impl<'a> Actor<'a> {
    /// The command line on the machine that holds the register, run by `user` (see
    /// [`command_line_user`]).
    pub fn command_line(user: &'a str) -> Actor<'a> {
        Actor {
            name: Some(user),
            address: "local",
        }
    }
}

impl Actor<'_> {
    /// `e` by this actor, about `target`, with `detail`.
    pub fn event(self, e: Event, target: Option<&str>, detail: Option<String>) -> NewAuditEvent {
        let mut ev = e.by(self.name, Some(self.address));
        ev.target = target.map(str::to_string);
        ev.detail = detail;
        ev
    }
}

/// Appends an event by the command line's user (see [`command_line_user`]) to the audit
/// trail of the register at `url`: for use cases that work on a [`spor_store::Store`]
/// (import, export), recorded when they have succeeded.
pub async fn record_command_line(
    url: &str,
    e: Event,
    target: Option<&str>,
    detail: Option<String>,
) -> anyhow::Result<()> {
    let store = crate::open_web_store(url).await?;
    let user = command_line_user();
    let ev = Actor::command_line(&user).event(e, target, detail);
    record(store.as_ref(), &ev, chrono::Utc::now()).await
}

/// Appends an event. A failure is logged (without the event's content) and returned: an
/// action that cannot be audited does not happen silently.
pub async fn record(
    store: &dyn spor_store::WebStore,
    ev: &NewAuditEvent,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    if let Err(e) = store.append_audit(ev, at).await {
        tracing::error!(code = ev.code, error = %e, "cannot append to the audit trail");
        return Err(anyhow::Error::new(e).context("cannot append to the audit trail"));
    }
    Ok(())
}

/// The audit key of this process, once read (see [`use_key`]).
static KEY: OnceLock<AuditKey> = OnceLock::new();

/// Makes `key` the audit key of every store this process opens through
/// [`crate::open_web_store`] (the command line, from `--audit-key` or
/// `SPOR_AUDIT_KEY_FILE`). Set once; a second key is refused.
pub fn use_key(key: AuditKey) -> anyhow::Result<()> {
    KEY.set(key)
        .map_err(|_| anyhow::anyhow!("the audit key was already given"))
}

/// The audit key of this process, if one was given.
pub fn key() -> Option<&'static AuditKey> {
    KEY.get()
}

/// Reads an audit key file (64 hexadecimal digits). A key that others than its owner may
/// read is named in a warning: anyone who can read it can rewrite the trail undetected
/// (but for an anchor kept elsewhere).
pub fn read_key_file(path: &Path) -> anyhow::Result<AuditKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the audit key {}", path.display()))?;
    let key = AuditKey::parse_hex(&text).with_context(|| {
        format!(
            "{} is not an audit key (64 hexadecimal digits; make one with `spor audit key generate --out FILE`)",
            path.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                "the audit key {} can be read by others than its owner (mode {:o}): make it 0600",
                path.display(),
                mode & 0o777
            );
        }
    }
    Ok(key)
}

/// Makes a new audit key (32 bytes from the operating system's random source) and writes
/// it to `path`, readable by its owner only. An existing file is never overwritten: the
/// key of a trail cannot be replaced by mistake.
pub fn generate_key_file(path: &Path) -> anyhow::Result<()> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no random source for the audit key: {e}"))?;
    let key = AuditKey::from_bytes(bytes);
    bytes.fill(0);
    write_new_key_file(path, &key.to_hex(), "audit key")
}

/// Writes a new key file (`hex` and a line end), readable by its owner only; an existing
/// file is never overwritten. `what` names the key in errors.
pub(crate) fn write_new_key_file(path: &Path, hex: &str, what: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the {what} {}", path.display()))?;
    use std::io::Write as _;
    file.write_all(format!("{hex}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the {what} {}", path.display()))?;
    Ok(())
}

/// The trail's newest event as an anchor to keep outside the database, once the whole
/// trail has verified (an anchor on a broken trail would vouch for the break).
pub async fn anchor(store: &dyn spor_store::WebStore) -> anyhow::Result<AuditAnchor> {
    match store.verify_audit().await? {
        ChainStatus::Intact { .. } => {}
        ChainStatus::Broken { seq, reason } => {
            bail!("audit trail broken at event {seq}: {reason}; no anchor is made")
        }
        ChainStatus::KeyNeeded { keyed, .. } => bail!(
            "{keyed} events are keyed and the audit key was not given (--audit-key FILE or SPOR_AUDIT_KEY_FILE); no anchor is made"
        ),
    }
    let head = store
        .audit_head()
        .await?
        .context("the audit trail has no events yet: nothing to anchor")?;
    Ok(AuditAnchor::of(&head))
}

/// Reads an anchor file written from [`anchor`]'s output.
pub fn read_anchor_file(path: &Path) -> anyhow::Result<AuditAnchor> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the anchor {}", path.display()))?;
    AuditAnchor::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Makes `change` and appends `ev` in one transaction (see
/// [`spor_store::WebStore::change_audited`]); `false` when the change did not apply. A
/// failure is logged without the event's content.
pub async fn change(
    store: &dyn spor_store::WebStore,
    change: &spor_store::web::AuditedChange<'_>,
    ev: &NewAuditEvent,
    at: chrono::DateTime<chrono::Utc>,
) -> spor_store::Result<bool> {
    let done = store.change_audited(change, ev, at).await;
    if let Err(e) = &done {
        tracing::error!(code = ev.code, error = %e, "cannot make an audited change");
    }
    done
}

/// Everything the audit trail records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    LoginSuccess,
    LoginFailure,
    Logout,
    AccessDenied,
    CsrfRejected,
    CaseList,
    CaseView,
    CaseCreate,
    CaseUpdate,
    CaseDelete,
    AssessmentList,
    AssessmentView,
    AssessmentCreate,
    AssessmentUpdate,
    AssessmentDelete,
    CallList,
    CallView,
    CallCreate,
    CallUpdate,
    CallDelete,
    PersonView,
    DashboardView,
    ReportView,
    ReportDownload,
    ExportDownload,
    UserCreate,
    UserUpdate,
    UserPasswordReset,
    UserDisable,
    UserEnable,
    CodeAdd,
    SettingsUpdate,
    AuditView,
    CaseRestore,
    AssessmentRestore,
    CallRestore,
    RecordSearch,
    CodeRename,
    CodeRetire,
    CodeUnretire,
    RegisterImport,
    RegisterExport,
    ReleasePublish,
    ReleaseView,
    RegisterCopy,
    RegisterBackup,
    RegisterRestore,
    UserPasswordChange,
    UserSecondFactorReset,
    SecondFactorEnrol,
    SecondFactorFailure,
    RecoveryCodeUse,
    Reauthenticate,
    BreakGlass,
    PersonTeam,
    /// The records behind a figure of the overview were listed (issue 24, item 3).
    FigureRecords,
    IdentityView,
    IdentityUpdate,
    IdentitySearch,
    IdentityErase,
    LegalHold,
    SubjectAccess,
    RetentionApply,
}

impl Event {
    pub const ALL: &'static [Event] = &[
        Event::LoginSuccess,
        Event::LoginFailure,
        Event::Logout,
        Event::AccessDenied,
        Event::CsrfRejected,
        Event::CaseList,
        Event::CaseView,
        Event::CaseCreate,
        Event::CaseUpdate,
        Event::CaseDelete,
        Event::AssessmentList,
        Event::AssessmentView,
        Event::AssessmentCreate,
        Event::AssessmentUpdate,
        Event::AssessmentDelete,
        Event::CallList,
        Event::CallView,
        Event::CallCreate,
        Event::CallUpdate,
        Event::CallDelete,
        Event::PersonView,
        Event::DashboardView,
        Event::ReportView,
        Event::ReportDownload,
        Event::ExportDownload,
        Event::UserCreate,
        Event::UserUpdate,
        Event::UserPasswordReset,
        Event::UserDisable,
        Event::UserEnable,
        Event::CodeAdd,
        Event::SettingsUpdate,
        Event::AuditView,
        Event::CaseRestore,
        Event::AssessmentRestore,
        Event::CallRestore,
        Event::RecordSearch,
        Event::CodeRename,
        Event::CodeRetire,
        Event::CodeUnretire,
        Event::RegisterImport,
        Event::RegisterExport,
        Event::ReleasePublish,
        Event::ReleaseView,
        Event::RegisterCopy,
        Event::RegisterBackup,
        Event::RegisterRestore,
        Event::UserPasswordChange,
        Event::UserSecondFactorReset,
        Event::SecondFactorEnrol,
        Event::SecondFactorFailure,
        Event::RecoveryCodeUse,
        Event::Reauthenticate,
        Event::BreakGlass,
        Event::PersonTeam,
        Event::FigureRecords,
        Event::IdentityView,
        Event::IdentityUpdate,
        Event::IdentitySearch,
        Event::IdentityErase,
        Event::LegalHold,
        Event::SubjectAccess,
        Event::RetentionApply,
    ];

    /// The stable code stored in the trail.
    pub fn code(self) -> &'static str {
        match self {
            Event::LoginSuccess => "login.success",
            Event::LoginFailure => "login.failure",
            Event::Logout => "logout",
            Event::AccessDenied => "access.denied",
            Event::CsrfRejected => "access.csrf_rejected",
            Event::CaseList => "case.list",
            Event::CaseView => "case.view",
            Event::CaseCreate => "case.create",
            Event::CaseUpdate => "case.update",
            Event::CaseDelete => "case.delete",
            Event::AssessmentList => "assessment.list",
            Event::AssessmentView => "assessment.view",
            Event::AssessmentCreate => "assessment.create",
            Event::AssessmentUpdate => "assessment.update",
            Event::AssessmentDelete => "assessment.delete",
            Event::CallList => "call.list",
            Event::CallView => "call.view",
            Event::CallCreate => "call.create",
            Event::CallUpdate => "call.update",
            Event::CallDelete => "call.delete",
            Event::PersonView => "person.view",
            Event::DashboardView => "dashboard.view",
            Event::ReportView => "report.view",
            Event::ReportDownload => "report.download",
            Event::ExportDownload => "export.download",
            Event::UserCreate => "user.create",
            Event::UserUpdate => "user.update",
            Event::UserPasswordReset => "user.password_reset",
            Event::UserDisable => "user.disable",
            Event::UserEnable => "user.enable",
            Event::CodeAdd => "code.add",
            Event::SettingsUpdate => "settings.update",
            Event::AuditView => "audit.view",
            Event::CaseRestore => "case.restore",
            Event::AssessmentRestore => "assessment.restore",
            Event::CallRestore => "call.restore",
            Event::RecordSearch => "record.search",
            Event::CodeRename => "code.rename",
            Event::CodeRetire => "code.retire",
            Event::CodeUnretire => "code.unretire",
            Event::RegisterImport => "register.import",
            Event::RegisterExport => "register.export",
            Event::ReleasePublish => "release.publish",
            Event::ReleaseView => "release.view",
            Event::RegisterCopy => "register.copy",
            Event::RegisterBackup => "register.backup",
            Event::RegisterRestore => "register.restore",
            Event::UserPasswordChange => "user.password_change",
            Event::UserSecondFactorReset => "user.second_factor_reset",
            Event::SecondFactorEnrol => "second_factor.enrol",
            Event::SecondFactorFailure => "second_factor.failure",
            Event::RecoveryCodeUse => "second_factor.recovery_code",
            Event::Reauthenticate => "login.reauthenticate",
            Event::BreakGlass => "access.break_glass",
            Event::PersonTeam => "person.team",
            Event::FigureRecords => "figure.records",
            Event::IdentityView => "person.identity_view",
            Event::IdentityUpdate => "person.identity_update",
            Event::IdentitySearch => "person.identity_search",
            Event::IdentityErase => "person.erase",
            Event::LegalHold => "person.legal_hold",
            Event::SubjectAccess => "person.subject_access",
            Event::RetentionApply => "retention.apply",
        }
    }

    /// The event of a stored code, if it is one of these.
    pub fn from_code(code: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// What happened, in Danish: the words of the subject-access document, where a person
    /// reads who did what with their data.
    pub fn text_da(self) -> &'static str {
        match self {
            Event::LoginSuccess => "Logget ind",
            Event::LoginFailure => "Mislykket login",
            Event::Logout => "Logget ud",
            Event::AccessDenied => "Adgang nægtet",
            Event::CsrfRejected => "Formular afvist (udløbet)",
            Event::CaseList => "Liste over afgørelser set",
            Event::CaseView => "Afgørelse set",
            Event::CaseCreate => "Afgørelse oprettet",
            Event::CaseUpdate => "Afgørelse ændret",
            Event::CaseDelete => "Afgørelse slettet",
            Event::CaseRestore => "Afgørelse genskabt",
            Event::AssessmentList => "Liste over udredende samtaler set",
            Event::AssessmentView => "Udredende samtale set",
            Event::AssessmentCreate => "Udredende samtale oprettet",
            Event::AssessmentUpdate => "Udredende samtale ændret",
            Event::AssessmentDelete => "Udredende samtale slettet",
            Event::AssessmentRestore => "Udredende samtale genskabt",
            Event::CallList => "Liste over hotlineopkald set",
            Event::CallView => "Hotlineopkald set",
            Event::CallCreate => "Hotlineopkald oprettet",
            Event::CallUpdate => "Hotlineopkald ændret",
            Event::CallDelete => "Hotlineopkald slettet",
            Event::CallRestore => "Hotlineopkald genskabt",
            Event::PersonView => "Personens sager set",
            Event::DashboardView => "Overblik set",
            Event::ReportView => "Rapport set",
            Event::ReportDownload => "Rapport hentet",
            Event::ExportDownload => "Udtræk hentet",
            Event::UserCreate => "Bruger oprettet",
            Event::UserUpdate => "Bruger ændret",
            Event::UserPasswordReset => "Adgangskode nulstillet",
            Event::UserDisable => "Bruger deaktiveret",
            Event::UserEnable => "Bruger genaktiveret",
            Event::CodeAdd => "Kode tilføjet",
            Event::SettingsUpdate => "Indstillinger ændret",
            Event::AuditView => "Revisionsspor set",
            Event::RecordSearch => "Søgning i registreringer",
            Event::CodeRename => "Kode omdøbt",
            Event::CodeRetire => "Kode udfaset",
            Event::CodeUnretire => "Kode taget i brug igen",
            Event::RegisterImport => "Register indlæst",
            Event::RegisterExport => "Register udtrukket",
            Event::ReleasePublish => "Offentliggørelse",
            Event::ReleaseView => "Offentliggørelse set",
            Event::RegisterCopy => "Register kopieret",
            Event::RegisterBackup => "Sikkerhedskopi taget",
            Event::RegisterRestore => "Sikkerhedskopi genindlæst",
            Event::UserPasswordChange => "Adgangskode skiftet",
            Event::UserSecondFactorReset => "Totrinsbekræftelse nulstillet",
            Event::SecondFactorEnrol => "Totrinsbekræftelse oprettet",
            Event::SecondFactorFailure => "Mislykket totrinsbekræftelse",
            Event::RecoveryCodeUse => "Gendannelseskode brugt",
            Event::Reauthenticate => "Login bekræftet igen",
            Event::BreakGlass => "Adgang til et andet holds person med begrundelse",
            Event::PersonTeam => "Personens hold ændret",
            Event::FigureRecords => "Registreringer bag et tal set",
            Event::IdentityView => "Identitet set",
            Event::IdentityUpdate => "Identitet registreret eller rettet",
            Event::IdentitySearch => "Søgning efter navn",
            Event::IdentityErase => "Identitet slettet",
            Event::LegalHold => "Retlig tilbageholdelse ændret",
            Event::SubjectAccess => "Indsigt udleveret",
            Event::RetentionApply => "Sletning efter slettefristen",
        }
    }

    /// The event to append, by an actor from an address.
    pub fn by(self, actor: Option<&str>, address: Option<&str>) -> NewAuditEvent {
        NewAuditEvent {
            code: self.code().to_string(),
            actor: actor.map(str::to_string),
            target: None,
            address: address.map(str::to_string),
            detail: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_codes_are_unique_and_dotted_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for e in Event::ALL {
            let c = e.code();
            assert!(seen.insert(c), "duplicate code {c}");
            assert!(
                c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '.' || ch == '_'),
                "code {c} has other characters"
            );
        }
    }
}
