//! The audit trail as the use cases write it: a typed list of events with stable codes (a
//! contract with whoever reads the trail: add new ones, never rename), and who acted from
//! where. Both front ends record through here; the web adds its requests' own events.

use spor_store::web::NewAuditEvent;

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
    UserPasswordChange,
    UserSecondFactorReset,
    SecondFactorEnrol,
    SecondFactorFailure,
    RecoveryCodeUse,
    Reauthenticate,
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
        Event::UserPasswordChange,
        Event::UserSecondFactorReset,
        Event::SecondFactorEnrol,
        Event::SecondFactorFailure,
        Event::RecoveryCodeUse,
        Event::Reauthenticate,
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
            Event::UserPasswordChange => "user.password_change",
            Event::UserSecondFactorReset => "user.second_factor_reset",
            Event::SecondFactorEnrol => "second_factor.enrol",
            Event::SecondFactorFailure => "second_factor.failure",
            Event::RecoveryCodeUse => "second_factor.recovery_code",
            Event::Reauthenticate => "login.reauthenticate",
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
