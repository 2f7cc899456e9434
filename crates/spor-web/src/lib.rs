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
// Public for the fuzz targets and the hostile-input tests (`fuzz/entries.rs`): the forms'
// parsing from posted fields to a record or field errors, and the language they speak.
pub mod forms;
pub mod i18n;
mod pages;
mod report;
mod resume;
mod throttle;
pub mod transport;
mod views;

pub use audit::Event;
pub use auth::{Role, hash_password};
pub use throttle::PasswordCheckStats;

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

/// When cookies get the `Secure` attribute and the `__Host-` prefix, and answers carry
/// `Strict-Transport-Security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecureCookies {
    /// When the request came over TLS as a trusted proxy says (`X-Forwarded-Proto: https`).
    Auto,
    /// Always (the default: Spor is served over TLS, directly or behind a proxy).
    #[default]
    Always,
    /// Never: only for trying Spor out locally over plain HTTP.
    Never,
}

/// How the server behaves; [`Config::default`] is what `spor serve` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after login, whatever the activity.
    pub absolute_lifetime: Duration,
    /// Login attempts in a row without success after which each further one waits for a
    /// back-off (the attempt that reaches it sets the first).
    pub lockout_after: i64,
    /// The first back-off; it doubles with each further failed attempt, up to
    /// `lockout_for`.
    pub backoff_start: Duration,
    /// The longest back-off.
    pub lockout_for: Duration,
    /// Failed logins from one address within `address_window` before it is refused.
    pub address_limit: u32,
    pub address_window: Duration,
    pub secure_cookies: SecureCookies,
    /// How many reverse proxies of ours stand in front (0: none, headers not believed).
    /// The client's address is the entry this many from the right of `X-Forwarded-For`,
    /// and `X-Forwarded-Proto` is believed.
    pub trust_proxy: u32,
    /// Password verifications (argon2, 19 MiB each) that may run at once.
    pub password_checks: usize,
    /// Logins that may wait for a verification; more are answered 503 at once.
    pub password_check_queue: usize,
    /// How long a login waits for a verification before it is answered 503.
    pub password_check_wait: Duration,
    /// The largest request body taken (forms are far smaller); larger ones get 413.
    pub body_limit: usize,
    /// A request not answered within this time gets 503.
    pub request_timeout: Duration,
    /// Requests served at once; more are answered 503 at once.
    pub max_requests: usize,
    /// How recently password and second factor must have been given for a privileged
    /// action (granting roles, resets, code lists, settings, exporting the register).
    pub reauth_within: Duration,
    pub clock: Clock,
    /// The master key of the persons' identities (issue 23); `None`: everything but
    /// identity works.
    pub master_key: Option<spor_app::identity::MasterKey>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_lifetime: Duration::from_secs(10 * 3600),
            lockout_after: 5,
            backoff_start: Duration::from_secs(30),
            lockout_for: Duration::from_secs(15 * 60),
            address_limit: 30,
            address_window: Duration::from_secs(15 * 60),
            secure_cookies: SecureCookies::Always,
            trust_proxy: 0,
            password_checks: 4,
            password_check_queue: 32,
            password_check_wait: Duration::from_secs(5),
            body_limit: 256 * 1024,
            // The whole register as XLSX is built before it is sent.
            request_timeout: Duration::from_secs(120),
            max_requests: 256,
            reauth_within: Duration::from_secs(5 * 60),
            clock: Clock::default(),
            master_key: None,
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
    pub(crate) limiter: Arc<throttle::AddressLimiter>,
    pub(crate) password_checks: Arc<throttle::PasswordChecks>,
    /// Places for requests being served (see [`transport::limit_requests`]).
    pub(crate) requests: Arc<tokio::sync::Semaphore>,
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
            stats: Arc::new(spor_app::Statistics::with_releases(store.clone())),
            store,
            limiter: Arc::new(throttle::AddressLimiter::default()),
            password_checks: Arc::new(throttle::PasswordChecks::new(&config)),
            requests: Arc::new(tokio::sync::Semaphore::new(config.max_requests.max(1))),
            config: Arc::new(config),
            stash: Arc::new(resume::Stash::default()),
            codes: Arc::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }

    /// How many password verifications have run, been refused, and run at once at most.
    pub fn password_check_stats(&self) -> PasswordCheckStats {
        self.password_checks.stats()
    }
}

/// Every route of the application, with the role its handler requires, inside the
/// transport's layers (outermost first): security headers on every answer, the limit on
/// requests at once, the request timeout, the body limit, then sessions and CSRF.
pub fn router(state: AppState) -> Router {
    let cfg = state.config.clone();
    use pages::{account, admin, analyst, caseworker, common, identity, releases};
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
        .route(
            "/persons/{key}/identity",
            get(identity::show).post(identity::save),
        )
        .route("/persons/{key}/identity/erase", post(identity::erase))
        .route("/persons/{key}/access.json", get(identity::access_json))
        .route("/persons/{key}/access.pdf", get(identity::access_pdf))
        .route(
            "/identity/search",
            get(identity::search_page).post(identity::search),
        )
        .route("/access", post(caseworker::break_glass))
        .route("/export/register.xlsx", get(caseworker::export_register))
        // Analyst.
        .route("/dashboard", get(analyst::dashboard))
        .route("/overview", get(analyst::overview))
        .route("/overview/{year}/view", get(analyst::view))
        .route("/overview/{year}/download/{format}", get(analyst::download))
        .route("/overview/{year}/csv/{table}", get(analyst::table_csv))
        .route("/overview/{year}/manifest", get(analyst::manifest))
        .route("/overview/{year}/risk", get(analyst::risk))
        .route("/overview/{year}/figures/{table}", get(analyst::figures))
        .route(
            "/overview/{year}/figures/{table}/records",
            get(caseworker::figure_records),
        )
        .route("/exchanges", get(analyst::exchanges))
        .route(
            "/exchanges/{name}/{year}/{format}",
            get(analyst::exchange_download),
        )
        .route(
            "/exchanges/person-level/{name}/{year}/{format}",
            get(analyst::person_level_download),
        )
        .route("/releases", get(releases::list))
        .route("/releases/{id}", get(releases::show))
        .route("/releases/{id}/manifest", get(releases::manifest))
        .route("/releases/{id}/diff", get(releases::diff))
        .route("/releases/{id}/files/{*name}", get(releases::file))
        // Administrator.
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{name}", post(admin::update_user))
        .route("/admin/codes", get(admin::codes).post(admin::add_code))
        .route("/admin/codes/edit", post(admin::edit_code))
        .route(
            "/admin/mappings",
            get(admin::mappings).post(admin::set_mapping),
        )
        .route(
            "/admin/settings",
            get(admin::settings).post(admin::save_settings),
        )
        .route(
            "/admin/retention",
            get(admin::retention).post(admin::save_retention),
        )
        .route("/admin/audit", get(admin::audit))
        .fallback(common::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            cfg.body_limit,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            cfg.request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            transport::limit_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            transport::security_headers,
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
    // Unknown names are checked against a dummy hash: made now, so the first such login
    // takes no longer than a known name's.
    tokio::task::spawn_blocking(|| {
        auth::dummy_hash();
    });
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
