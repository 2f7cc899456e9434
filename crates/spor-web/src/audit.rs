//! Audit events: a typed list with stable codes. The codes are a contract with whoever reads
//! the trail; add new ones, never rename.

use spor_store::web::NewAuditEvent;

use crate::AppState;
use crate::auth::RequestInfo;

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

/// Builds an event for the request's user and address.
pub(crate) fn event(
    info: &RequestInfo,
    actor: Option<&str>,
    e: Event,
    target: Option<&str>,
    detail: Option<String>,
) -> NewAuditEvent {
    let mut ev = e.by(actor, Some(&info.address));
    ev.target = target.map(str::to_string);
    ev.detail = detail;
    ev
}

/// Appends an event. A failure to audit is logged (without the event's content) and the
/// request fails: an action that cannot be audited does not happen silently.
pub(crate) async fn record(
    state: &AppState,
    ev: NewAuditEvent,
) -> Result<(), crate::pages::AppError> {
    match state.store.append_audit(&ev, state.now()).await {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::error!(code = ev.code, error = %e, "cannot append to the audit trail");
            Err(crate::pages::AppError::Internal)
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
