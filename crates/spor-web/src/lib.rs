//! Spor's web application: server-rendered pages for caseworkers (register hotline calls,
//! assessments, decisions and prepared returns), analysts (dashboard and the annual
//! overview) and administrators (users, code lists, settings, the audit trail).
//!
//! Every route states who may call it through its role extractor ([`auth::Caseworker`],
//! [`auth::Analyst`], [`auth::Admin`]); sessions and the hash-chained audit trail live in
//! the store ([`spor_store::WebStore`]). No asset is fetched from elsewhere: CSS is
//! compiled in, pages work without JavaScript.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use spor_store::WebStore;

pub mod audit;
pub mod auth;
mod forms;
mod i18n;
mod pages;
mod report;
mod resume;
mod views;

pub use audit::Event;
pub use auth::{Role, hash_password};

/// The application's time. Tests move it forward to expire sessions and lockouts without
/// waiting; in production it is the system clock.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX / 2);
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}

/// When cookies get the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecureCookies {
    /// When the request came over TLS as a trusted proxy says (`X-Forwarded-Proto: https`).
    #[default]
    Auto,
    Always,
    Never,
}

/// How the server behaves; [`Config::default`] is what `spor serve` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after login, whatever the activity.
    pub absolute_lifetime: Duration,
    /// Failed logins in a row that lock an account.
    pub lockout_after: i64,
    /// How long an account stays locked.
    pub lockout_for: Duration,
    /// Failed logins from one address within `address_window` before it is refused.
    pub address_limit: u32,
    pub address_window: Duration,
    pub secure_cookies: SecureCookies,
    /// Whether `X-Forwarded-For`/`X-Forwarded-Proto` from a reverse proxy are believed.
    pub trust_proxy: bool,
    /// How recently password and second factor must have been given for a privileged
    /// action (granting roles, resets, code lists, settings, exporting the register).
    pub reauth_within: Duration,
    pub clock: Clock,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_lifetime: Duration::from_secs(10 * 3600),
            lockout_after: 5,
            lockout_for: Duration::from_secs(15 * 60),
            address_limit: 30,
            address_window: Duration::from_secs(15 * 60),
            secure_cookies: SecureCookies::Auto,
            trust_proxy: false,
            reauth_within: Duration::from_secs(5 * 60),
            clock: Clock::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn WebStore>,
    /// The statistics of the register, computed once per state of it for every user.
    pub stats: Arc<spor_app::Statistics>,
    pub config: Arc<Config>,
    pub(crate) limiter: Arc<auth::AddressLimiter>,
    /// Forms that could not be sent, kept for their user to take up again.
    pub(crate) stash: Arc<resume::Stash>,
    /// The code lists, kept with the additions they were built from.
    pub(crate) codes: Arc<std::sync::Mutex<Option<CodesKept>>>,
}

/// The code book and the centre's additions it was built from.
pub(crate) type CodesKept = (Vec<spor_core::CodeEntry>, Arc<spor_core::CodeBook>);

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("backend", &self.store.backend())
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(store: Arc<dyn WebStore>, config: Config) -> Self {
        AppState {
            stats: Arc::new(spor_app::Statistics::new(store.clone())),
            store,
            config: Arc::new(config),
            limiter: Arc::new(auth::AddressLimiter::default()),
            stash: Arc::new(resume::Stash::default()),
            codes: Arc::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }
}

/// Every route of the application, with the role its handler requires.
pub fn router(state: AppState) -> Router {
    use pages::{account, admin, analyst, caseworker, common};
    Router::new()
        .route("/healthz", get(common::healthz))
        .route("/assets/app.css", get(common::css))
        .route("/", get(common::home))
        .route(
            "/lang",
            get(common::set_lang).post(common::set_lang_keeping_form),
        )
        .route("/login", get(common::login_page).post(common::login))
        .route("/logout", post(common::logout))
        // The steps of a login, and the user's own account.
        .route(
            "/login/second-factor",
            get(account::second_factor_page).post(account::second_factor),
        )
        .route(
            "/account/second-factor",
            get(account::enrol_page).post(account::enrol),
        )
        .route(
            "/account/password",
            get(account::password_page).post(account::change_password),
        )
        .route(
            "/account/reauthenticate",
            get(account::reauthenticate_page).post(account::reauthenticate),
        )
        // Caseworker.
        .route("/cases", get(caseworker::list_cases))
        .route(
            "/cases/new",
            get(caseworker::new_case).post(caseworker::create_case),
        )
        .route("/cases/{key}", get(caseworker::show_case))
        .route(
            "/cases/{key}/edit",
            get(caseworker::edit_case).post(caseworker::update_case),
        )
        .route(
            "/cases/{key}/return",
            get(caseworker::edit_return).post(caseworker::update_return),
        )
        .route(
            "/cases/{key}/delete",
            get(caseworker::ask_delete_case).post(caseworker::delete_case),
        )
        .route("/cases/{key}/restore", post(caseworker::restore_case))
        .route("/assessments", get(caseworker::list_assessments))
        .route(
            "/assessments/new",
            get(caseworker::new_assessment).post(caseworker::create_assessment),
        )
        .route("/assessments/{key}", get(caseworker::show_assessment))
        .route(
            "/assessments/{key}/edit",
            get(caseworker::edit_assessment).post(caseworker::update_assessment),
        )
        .route(
            "/assessments/{key}/delete",
            get(caseworker::ask_delete_assessment).post(caseworker::delete_assessment),
        )
        .route(
            "/assessments/{key}/restore",
            post(caseworker::restore_assessment),
        )
        .route("/calls", get(caseworker::list_calls))
        .route(
            "/calls/new",
            get(caseworker::new_call).post(caseworker::create_call),
        )
        .route("/calls/{key}", get(caseworker::show_call))
        .route(
            "/calls/{key}/edit",
            get(caseworker::edit_call).post(caseworker::update_call),
        )
        .route(
            "/calls/{key}/delete",
            get(caseworker::ask_delete_call).post(caseworker::delete_call),
        )
        .route("/calls/{key}/restore", post(caseworker::restore_call))
        .route("/persons", get(caseworker::search))
        .route("/persons/{key}", get(caseworker::show_person))
        .route("/export/register.xlsx", get(caseworker::export_register))
        // Analyst.
        .route("/dashboard", get(analyst::dashboard))
        .route("/overview", get(analyst::overview))
        .route("/overview/{year}/view", get(analyst::view))
        .route("/overview/{year}/download/{format}", get(analyst::download))
        .route("/overview/{year}/csv/{table}", get(analyst::table_csv))
        .route("/overview/{year}/manifest", get(analyst::manifest))
        .route("/overview/{year}/risk", get(analyst::risk))
        // Administrator.
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{name}", post(admin::update_user))
        .route("/admin/codes", get(admin::codes).post(admin::add_code))
        .route("/admin/codes/edit", post(admin::edit_code))
        .route(
            "/admin/settings",
            get(admin::settings).post(admin::save_settings),
        )
        .route("/admin/audit", get(admin::audit))
        .fallback(common::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .with_state(state)
}

/// Serves the application on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    // The lists read their pages in index order; a register the command line built has no
    // such indexes yet (a million decisions: a few seconds, once).
    if let Err(e) = state.store.prepare_lists().await {
        tracing::warn!(error = %e, "cannot build the indexes of the record lists");
    }
    // Ended sessions are removed when next presented; this sweeps the ones never seen again.
    let sweeper = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            let now = sweeper.now();
            let idle = chrono::Duration::from_std(sweeper.config.idle_timeout).unwrap_or_default();
            if let Err(e) = sweeper.store.purge_sessions(now, now - idle).await {
                tracing::warn!(error = %e, "cannot remove ended sessions");
            }
        }
    });
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
