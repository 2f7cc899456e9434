//! The pages' templates (compiled in, HTML auto-escaped) and the data they show.

use askama::Template;

use crate::auth::{RequestInfo, Role, Session};
use crate::forms::{FieldView, Opt};
use crate::i18n::Lang;

/// What the layout around every page needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub t: Lang,
    pub title: String,
    pub user: Option<String>,
    pub caseworker: bool,
    pub analyst: bool,
    pub admin: bool,
    pub exporter: bool,
    /// The login is complete (the user's own pages are in reach).
    pub complete: bool,
    pub csrf: String,
    pub path: String,
    pub flash: Option<String>,
    /// On a record form: the form's action, so the language switch sends the form along.
    pub form_action: Option<String>,
}

impl Chrome {
    pub fn new(info: &RequestInfo, session: Option<&Session>, title: impl Into<String>) -> Self {
        // A session whose login is not complete sees no navigation but logout.
        let complete = session.filter(|s| s.stage == crate::auth::Stage::Complete);
        Chrome {
            t: info.lang,
            title: title.into(),
            user: session.map(|s| s.user.clone()),
            caseworker: complete.is_some_and(|s| s.has(Role::Caseworker)),
            analyst: complete.is_some_and(|s| s.has(Role::Analyst)),
            admin: complete.is_some_and(|s| s.has(Role::Admin)),
            exporter: complete.is_some_and(|s| s.has(Role::Exporter)),
            complete: complete.is_some(),
            csrf: session.map(|s| s.csrf.clone()).unwrap_or_default(),
            path: info.path.clone(),
            flash: None,
            form_action: None,
        }
    }

    /// The switch that sends the record form along (see `form_action`).
    pub fn lang_keep_href(&self, action: &str) -> String {
        format!(
            "/lang?to={}&back={}",
            self.t.other().code(),
            crate::pages::encode_query(action)
        )
    }

    pub fn lang_href(&self) -> String {
        format!(
            "/lang?to={}&back={}",
            self.t.other().code(),
            crate::pages::encode_query(&self.path)
        )
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub login_csrf: String,
    pub next: String,
    pub name: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// The second factor asked for: at login (a code) or to re-authenticate (password and
/// code).
#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub c: Chrome,
    pub action: String,
    pub next: String,
    pub intro: String,
    pub ask_password: bool,
    /// Whether a code is asked for (an exempt account re-authenticates with its password).
    pub ask_code: bool,
    pub error: Option<String>,
}

/// Enrolment of the second factor: the secret to give to an authenticator app.
#[derive(Template)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    pub c: Chrome,
    pub secret: String,
    pub url: String,
    /// The address as a QR code (a `data:` URL of a PNG).
    pub qr: String,
    pub next: String,
    pub error: Option<String>,
}

/// The recovery codes, shown once after enrolment.
#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub c: Chrome,
    pub codes: Vec<String>,
    pub next: String,
}

/// The user's own password change (forced after an administrator set it).
#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub c: Chrome,
    pub forced: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub c: Chrome,
    pub message: String,
}

/// A filter of a list page.
#[derive(Debug, Clone)]
pub struct FilterView {
    pub name: &'static str,
    pub label: String,
    pub options: Vec<Opt>,
    pub value: String,
}

impl FilterView {
    pub fn is_select(&self) -> bool {
        !self.options.is_empty()
    }
}

/// A row of a table; `link` makes the first cell a link.
#[derive(Debug, Clone)]
pub struct RowView {
    pub link: Option<String>,
    pub cells: Vec<String>,
    /// Other linked cells: (column index, href), e.g. the person of a decision.
    pub extra_links: Vec<(usize, String)>,
}

impl RowView {
    /// The link of cell `i`, if it has one.
    pub fn link_at(&self, i: usize) -> Option<&str> {
        if i == 0 {
            return self.link.as_deref();
        }
        self.extra_links
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, href)| href.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct TableView {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<RowView>,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub new_href: Option<String>,
    pub new_label: String,
    pub action: String,
    pub filters: Vec<FilterView>,
    pub table: TableView,
    pub total: String,
    pub page_label: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub notice: Option<String>,
    pub notice_bad: bool,
    /// "Undo" after a deletion: the restore form's action.
    pub restore_action: Option<String>,
    /// The year filter's value is not a year.
    pub year_invalid: bool,
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub action: String,
    pub fields: Vec<FieldView>,
    pub version: Option<i64>,
    pub has_errors: bool,
    pub cancel_href: String,
    pub conflict: bool,
    /// After a refused save: what the other person changed, one line per change.
    pub theirs: Vec<String>,
    /// The record as it is now, to open again.
    pub reopen_href: Option<String>,
    /// Why the form came back without being saved (an expired form, a new login).
    pub notice: Option<String>,
    /// The person's identity, in the form of a new decision or interview (issue 23).
    pub identity: Option<IdentityPart>,
}

/// The person's identity in the form of a new decision or interview (issue 23; the forms
/// are the caseworkers'). `Debug` shows no value.
pub struct IdentityPart {
    /// The master key is configured: the fields are shown (else why they are not).
    pub available: bool,
    pub fields: Vec<IdentityField>,
    /// Earlier persons who may be the same: the caseworker chooses before anything is saved.
    pub earlier: Vec<EarlierPerson>,
    /// The choice that this is another person (naming the record's person ref as typed).
    pub another: String,
    /// Why nothing was saved, when it is not a field's fault.
    pub problem: Option<String>,
}

impl std::fmt::Debug for IdentityPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityPart")
            .field("available", &self.available)
            .finish_non_exhaustive()
    }
}

impl IdentityPart {
    pub fn has_errors(&self) -> bool {
        self.problem.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }
}

/// One identity field of a form.
pub struct IdentityField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub hint: Option<String>,
    pub error: Option<String>,
}

impl IdentityField {
    /// The ids of the hint and the error, for `aria-describedby`.
    pub fn described_by(&self) -> Option<String> {
        crate::forms::described_by(self.name, self.hint.is_some(), self.error.is_some())
    }
}

/// An earlier person who may be the one being registered.
pub struct EarlierPerson {
    pub person_ref: String,
    /// Their page (encoded for a path).
    pub href: String,
    /// What matched, in words.
    pub message: String,
    /// The choice that the record is theirs, in words.
    pub choice: String,
}

/// One entry of a change history.
#[derive(Debug, Clone)]
pub struct ChangeView {
    pub version: i64,
    pub action: String,
    pub actor: String,
    pub at: String,
    pub fields: String,
}

#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    pub c: Chrome,
    pub fields: Vec<(String, String)>,
    pub edit_href: String,
    pub return_href: Option<String>,
    pub person_href: Option<String>,
    /// The page that asks before deleting; none for a deleted record.
    pub delete_href: Option<String>,
    pub history: Vec<ChangeView>,
    /// For a deleted record: when and by whom, and until when it can be restored.
    pub deleted: Option<String>,
    pub restore_action: Option<String>,
}

/// "Break glass": the reason for reaching another team's person.
#[derive(Template)]
#[template(path = "break_glass.html")]
pub struct BreakGlassPage {
    pub c: Chrome,
    pub intro: String,
    pub person: String,
    /// The page to go back to once access is given.
    pub back: String,
    pub error: Option<String>,
    pub max: usize,
}

/// "Do you really want to delete …?"
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub c: Chrome,
    pub question: String,
    pub details: Vec<(String, String)>,
    pub hint: String,
    pub action: String,
    pub version: i64,
    pub yes: String,
    pub cancel_href: String,
}

#[derive(Template)]
#[template(path = "tables.html")]
pub struct TablesPage {
    pub c: Chrome,
    pub intro: Option<String>,
    pub search: Option<(String, String)>,
    pub tables: Vec<TableView>,
}

/// One account on the users page.
#[derive(Debug, Clone)]
pub struct UserView {
    pub name: String,
    pub roles: String,
    pub disabled: bool,
    pub locked: bool,
    /// Whether the account has a second factor in use.
    pub second_factor: bool,
    pub created: String,
    /// The account's team (set with `spor user set-team`).
    pub team: Option<String>,
}

impl UserView {
    /// Whether the account holds the role with this code.
    pub fn has(&self, role: &str) -> bool {
        self.roles.split(',').any(|r| r.trim() == role)
    }
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub c: Chrome,
    pub users: Vec<UserView>,
    pub error: Option<String>,
    /// (code, label) of each role, to choose from.
    pub role_choices: Vec<(&'static str, &'static str)>,
}

/// A code the centre added, as the code-list page edits it.
#[derive(Debug, Clone)]
pub struct AddedCodeView {
    pub list: &'static str,
    pub code: String,
    pub da: String,
    pub en: String,
    pub retired: bool,
}

#[derive(Template)]
#[template(path = "codes.html")]
pub struct CodesPage {
    pub c: Chrome,
    pub lists: Vec<Opt>,
    pub table: TableView,
    pub error: Option<String>,
    pub added: Vec<AddedCodeView>,
}

/// One exchange map on the administrators' mappings page.
pub struct MapView {
    pub id: String,
    pub rows: Vec<MapRowView>,
}

/// One code of a map: where it goes, and whether the centre changed that.
pub struct MapRowView {
    /// `MAP/CODE`, as `spor codes map` takes it.
    pub key: String,
    /// The code, with its label where the code lists have one.
    pub label: String,
    pub options: Vec<Opt>,
    pub changed: bool,
}

#[derive(Template)]
#[template(path = "mappings.html")]
pub struct MappingsPage {
    pub c: Chrome,
    pub reporting_country: String,
    pub maps: Vec<MapView>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub c: Chrome,
    pub microdata_from: String,
    pub error: Option<String>,
    /// Before a change is saved: which published figures it changes.
    pub confirm: Option<String>,
    /// Each role (code, label) and whether it is exempt from the second factor.
    pub exempt: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub c: Chrome,
    pub years: Vec<Opt>,
    pub year: i32,
    pub victims_label: String,
    pub previous_label: String,
    pub victims: String,
    pub victims_last_year: String,
    pub change: String,
    /// By form and by nationality.
    pub tables: Vec<TableView>,
    /// (title, SVG) drawn by `spor_report::svg`, which escapes its own text.
    pub charts: Vec<(String, String)>,
    pub calls_total: String,
    /// Why there are no figures for the year.
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    pub c: Chrome,
    pub years: Vec<Opt>,
    /// Internal or public.
    pub profiles: Vec<Opt>,
    pub downloads: Vec<(String, String)>,
    /// One CSV per table: (title, href).
    /// Each table's title, its CSV, and its figures with their records (internal only).
    pub csv_tables: Vec<(String, String, Option<String>)>,
    /// The HTML edition, shown in a frame.
    pub frame_src: Option<String>,
    /// Further links: (label, href): the manifest, the risk report.
    pub extra: Vec<(String, String)>,
    /// Why there is no overview for the year.
    pub message: Option<String>,
}

/// One exchange on the exchanges page.
#[derive(Debug, Clone)]
pub struct ExchangeView {
    pub title: String,
    pub description: String,
    /// (format, href).
    pub downloads: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "exchanges.html")]
pub struct ExchangesPage {
    pub c: Chrome,
    pub years: Vec<Opt>,
    pub exchanges: Vec<ExchangeView>,
    /// Why the year has nothing to exchange.
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "risk.html")]
pub struct RiskPage {
    pub c: Chrome,
    pub year: i32,
    /// (what, value).
    pub summary: Vec<(String, String)>,
    /// The homogeneous groups, in Danish.
    pub groups: Vec<String>,
    /// What the public profile hides per table.
    pub table: Option<TableView>,
    /// Why there is no report, or why the public profile is refused.
    pub message: Option<String>,
}

/// Who a person is (issue 23): the caseworker's form of the identity fields. Holds identity
/// values, so `Debug` shows none of them.
#[derive(Template)]
#[template(path = "identity.html")]
pub struct IdentityPage {
    pub c: Chrome,
    /// The person's ref, encoded for a path.
    pub person_href: String,
    pub action: String,
    /// (name, label, value) of each field.
    pub fields: Vec<(&'static str, String, String)>,
    /// Earlier persons who may be the same.
    pub warnings: Vec<EarlierPerson>,
    pub errors: Vec<String>,
    pub notice: Option<String>,
    /// Erased, legal hold, or why the form is not shown.
    pub status: Option<String>,
    pub editable: bool,
}

impl std::fmt::Debug for IdentityPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityPage").finish_non_exhaustive()
    }
}

/// The administrator's page of the retention of identity (issue 23, item 3): the policy,
/// what applying it would erase (counts only), and the button that applies it.
#[derive(Template)]
#[template(path = "retention.html")]
pub struct RetentionPage {
    pub c: Chrome,
    pub years: String,
    pub plan_text: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}
