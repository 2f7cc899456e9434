//! `spawn_app()` and an HTTP agent that keeps its own cookies and CSRF token.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use spor_store::WebStore;
use spor_store::web::{SecondFactorUpdate, UserUpdate};
use spor_web::{AppState, Clock, Config, SecureCookies};

pub const PASSWORD_SUFFIX: &str = "-secret-password";

/// What the test's authenticator app holds: per account, its TOTP secret and the last
/// time step whose code was used (a code is taken once).
pub type Authenticator = Arc<Mutex<HashMap<String, (String, i64)>>>;

pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn WebStore>,
    pub authenticator: Authenticator,
    /// The SQLite file (empty path on PostgreSQL).
    pub db_path: PathBuf,
    pub clock: Clock,
    pub config: Config,
    /// The running application's state (its counters, e.g. password checks run).
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabase>,
}

/// The tests' configuration: the defaults, but cookies without `Secure`, as for local use
/// over plain HTTP (the tests speak plain HTTP; the default is tested on its own).
pub fn test_config() -> Config {
    Config {
        secure_cookies: SecureCookies::Never,
        master_key: Some(test_master_key()),
        ..Config::default()
    }
}

/// The master key of the persons' identities of every test app.
pub fn test_master_key() -> spor_app::identity::MasterKey {
    spor_app::identity::MasterKey::from_bytes([0x77; 32])
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

pub async fn spawn_app_with(config: Config) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("spor.db");
    let store = spor_store::sqlite::SqliteStore::open_path(&db_path)
        .await
        .expect("open store");
    let mut app = start(Arc::new(store), config).await;
    app.db_path = db_path;
    app._dir = Some(dir);
    app
}

/// The audit key of every test app: its trail is HMAC-chained, as `spor serve` keeps it.
pub fn test_audit_key() -> spor_store::web::AuditKey {
    spor_store::web::AuditKey::from_bytes([0x42; 32])
}

async fn start(store: Arc<dyn WebStore>, mut config: Config) -> TestApp {
    store.set_audit_key(test_audit_key());
    let clock = Clock::default();
    config.clock = clock.clone();
    let state = AppState::new(store.clone(), config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(spor_web::serve(listener, state.clone()));
    TestApp {
        base: format!("http://{addr}"),
        store,
        authenticator: Authenticator::default(),
        db_path: PathBuf::new(),
        clock,
        config,
        state,
        _dir: None,
        _pg: None,
    }
}

/// A PostgreSQL database made for one test (on the server named by
/// `SPOR_TEST_POSTGRES_URL`) and dropped afterwards.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                use sqlx::Connection as _;
                let mut c = sqlx::PgConnection::connect(&url).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut c)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// The app on a fresh PostgreSQL database, or `None` (with a note on stderr) when
/// `SPOR_TEST_POSTGRES_URL` is not set.
pub async fn spawn_app_on_postgres(test: &str) -> Option<TestApp> {
    use sqlx::Connection as _;
    let Some(admin) = std::env::var("SPOR_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "NOTE: SPOR_TEST_POSTGRES_URL is not set: the PostgreSQL run of `{test}` was NOT made"
        );
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("spor_web_test_{}_{nanos}", std::process::id());
    let mut c = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut c)
        .await
        .expect("create the test database");
    let _ = c.close().await;
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin.as_str(), None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[after_scheme..]
        .find('/')
        .map(|i| i + after_scheme)
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        url = format!("{url}?{q}");
    }
    let pg = PgDatabase {
        admin_url: admin.clone(),
        name,
        url: url.clone(),
    };
    let store: Arc<dyn WebStore> = Arc::from(
        spor_store::open_web(&url)
            .await
            .expect("open the PostgreSQL store"),
    );
    assert_eq!(store.backend(), "postgres");
    let mut app = start(store, test_config()).await;
    app._pg = Some(pg);
    Some(app)
}

impl TestApp {
    /// The PostgreSQL database's URL, when the app runs on one.
    pub fn pg_url(&self) -> Option<String> {
        self._pg.as_ref().map(|p| p.url.clone())
    }

    /// Adds an account whose password is `NAME-secret-password`, already its user's own,
    /// with a second factor in use (its secret in [`TestApp::authenticator`]).
    pub async fn add_user(&self, name: &str, roles: &str) {
        self.add_user_without_second_factor(name, roles).await;
        let secret = test_secret(name);
        let pending = UserUpdate {
            second_factor: Some(SecondFactorUpdate::Pending(secret.clone())),
            ..Default::default()
        };
        let now = chrono::Utc::now();
        assert!(self.store.update_user(name, &pending, now).await.unwrap());
        assert!(
            self.store
                .confirm_second_factor(name, &secret, 0, &[], now)
                .await
                .unwrap()
        );
        self.authenticator
            .lock()
            .unwrap()
            .insert(name.to_string(), (secret, 0));
    }

    /// Adds an account whose password is `NAME-secret-password`, already its user's own,
    /// without a second factor: its first login enrols one.
    pub async fn add_user_without_second_factor(&self, name: &str, roles: &str) {
        let hash = spor_web::hash_password(&format!("{name}{PASSWORD_SUFFIX}")).unwrap();
        let now = chrono::Utc::now();
        assert!(
            self.store
                .create_user(name, roles, &hash, now)
                .await
                .unwrap()
        );
        let own = UserUpdate {
            must_change_password: Some(false),
            ..Default::default()
        };
        assert!(self.store.update_user(name, &own, now).await.unwrap());
    }

    pub fn agent(&self) -> Agent {
        Agent {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            cookies: Vec::new(),
            csrf: String::new(),
            clock: self.clock.clone(),
            authenticator: self.authenticator.clone(),
        }
    }

    /// An agent logged in as `name` (with the standard password), CSRF token in hand.
    pub async fn login_as(&self, name: &str) -> Agent {
        let mut a = self.agent();
        let res = a.login(name, &format!("{name}{PASSWORD_SUFFIX}")).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "login as {name} failed"
        );
        a.refresh_csrf().await;
        a
    }

    pub async fn raw_pool(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&format!("sqlite:{}", self.db_path.display()))
            .await
            .unwrap()
    }
}

/// A browser stand-in: remembers cookies and the page's CSRF token.
pub struct Agent {
    pub client: reqwest::Client,
    pub base: String,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    pub clock: Clock,
    pub authenticator: Authenticator,
}

/// The TOTP secret (base32) the tests give the account `name`.
pub fn test_secret(name: &str) -> String {
    use sha2::Digest as _;
    let bytes = sha2::Sha256::digest(name.as_bytes())[..20].to_vec();
    totp_rs::Secret::from(bytes).to_base32()
}

/// The next unused code of `name` in `authenticator` at the app's time (see
/// [`Agent::next_code`]).
pub fn next_code(clock: &Clock, authenticator: &Authenticator, name: &str) -> String {
    let mut held = authenticator.lock().unwrap();
    let (secret, last) = held.get_mut(name).expect("an enrolled account");
    let mut now = clock.now().timestamp() / 30;
    if *last > now {
        clock.advance(std::time::Duration::from_secs(30));
        now += 1;
    }
    let step = now.max(*last + 1);
    *last = step;
    code_for_step(secret, step)
}

/// A code of `secret` for `step` (30-second steps since the epoch).
pub fn code_for_step(secret: &str, step: i64) -> String {
    let at = chrono::DateTime::from_timestamp(step * 30, 0).unwrap();
    spor_app::second_factor::code_at(secret, at).unwrap()
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    pub fn status(&self) -> StatusCode {
        self.status
    }
    pub fn redirects_to_login(&self) -> bool {
        self.status == StatusCode::SEE_OTHER
            && self
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login"))
    }
}

impl Agent {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, res: reqwest::Response) -> Page {
        let status = res.status();
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let set_cookies: Vec<String> = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        for sc in &set_cookies {
            let first = sc.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                self.cookies.retain(|(n, _)| n != k);
                let expired = sc.contains("Max-Age=0");
                if !expired {
                    self.cookies.push((k.to_string(), v.to_string()));
                }
            }
        }
        let body = res.text().await.unwrap_or_default();
        Page {
            status,
            location,
            set_cookies,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.finish(res).await
    }

    /// GETs a download: its status, headers and bytes.
    pub async fn get_bytes(
        &mut self,
        path: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = res.bytes().await.expect("body").to_vec();
        (status, headers, bytes)
    }

    /// POSTs a form with the agent's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut f: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        f.push(("csrf".into(), self.csrf.clone()));
        self.post_raw(path, &f).await
    }

    /// POSTs exactly these fields.
    pub async fn post_raw(&mut self, path: &str, fields: &[(String, String)]) -> Page {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.finish(res).await
    }

    /// Logs in with the password and, when asked, the second factor (a code from the
    /// test's authenticator app). The answer is the last step's, with the cookies set
    /// on the way.
    pub async fn login(&mut self, name: &str, password: &str) -> Page {
        let first = self.login_password(name, password).await;
        let asked = first
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login/second-factor"));
        if !asked || !self.authenticator.lock().unwrap().contains_key(name) {
            return first;
        }
        let code = self.next_code(name);
        let mut last = self
            .answer_second_factor(first.location.as_deref().unwrap(), &code)
            .await;
        let mut cookies = first.set_cookies;
        cookies.append(&mut last.set_cookies);
        last.set_cookies = cookies;
        last
    }

    /// Sends `code` on the second-factor page at `location`.
    pub async fn answer_second_factor(&mut self, location: &str, code: &str) -> Page {
        let form = self.get(location).await;
        let csrf = hidden(&form.body, "csrf").expect("the second-factor form");
        let next = hidden(&form.body, "next").unwrap_or_else(|| "/".into());
        let f = vec![
            ("code".to_string(), code.to_string()),
            ("next".to_string(), next),
            ("csrf".to_string(), csrf),
        ];
        self.post_raw("/login/second-factor", &f).await
    }

    /// The next unused code of `name`'s authenticator: of the current time step, or of
    /// the next one (the server takes one step of skew either way) when the current one
    /// was used; when both were, the app's clock moves on a step, as a user would wait.
    pub fn next_code(&mut self, name: &str) -> String {
        next_code(&self.clock, &self.authenticator, name)
    }

    /// Enrols the second factor on the enrolment page a login was sent to, as a user
    /// would: the secret read off the page into the authenticator app, its code sent.
    /// The page with the recovery codes.
    pub async fn enrol(&mut self, name: &str) -> Page {
        let form = self.get("/account/second-factor").await;
        assert_eq!(form.status(), StatusCode::OK, "the enrolment page");
        let start = form
            .body
            .find("id=\"totp-secret\">")
            .expect("the secret on the page")
            + "id=\"totp-secret\">".len();
        let end = form.body[start..].find('<').unwrap() + start;
        let secret: String = form.body[start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let step = self.clock.now().timestamp() / 30;
        let f = vec![
            ("code".to_string(), code_for_step(&secret, step)),
            (
                "next".to_string(),
                hidden(&form.body, "next").unwrap_or_else(|| "/".into()),
            ),
            (
                "csrf".to_string(),
                hidden(&form.body, "csrf").expect("csrf"),
            ),
        ];
        let done = self.post_raw("/account/second-factor", &f).await;
        self.authenticator
            .lock()
            .unwrap()
            .insert(name.to_string(), (secret, step));
        done
    }

    /// Changes the password on the password page (the current one and the new twice).
    /// The session goes on as a new one; the CSRF token is taken afresh.
    pub async fn change_password(&mut self, current: &str, new: &str) -> Page {
        let form = self.get("/account/password").await;
        let f = vec![
            ("current".to_string(), current.to_string()),
            ("new".to_string(), new.to_string()),
            ("repeat".to_string(), new.to_string()),
            (
                "csrf".to_string(),
                hidden(&form.body, "csrf").expect("the password form"),
            ),
        ];
        let done = self.post_raw("/account/password", &f).await;
        if done.status() == StatusCode::SEE_OTHER {
            self.refresh_csrf().await;
        }
        done
    }

    /// Logs in with the password only (the first step).
    pub async fn login_password(&mut self, name: &str, password: &str) -> Page {
        let page = self.get("/login").await;
        let token = hidden(&page.body, "csrf").expect("login form has a csrf field");
        let f = vec![
            ("name".to_string(), name.to_string()),
            ("password".to_string(), password.to_string()),
            ("csrf".to_string(), token),
            ("next".to_string(), "/".to_string()),
        ];
        self.post_raw("/login", &f).await
    }

    /// Takes the CSRF token from the user's first page.
    pub async fn refresh_csrf(&mut self) {
        let home = self.get("/").await;
        let to = home.location.unwrap_or_else(|| "/".into());
        let page = self.get(&to).await;
        self.csrf = hidden(&page.body, "csrf").unwrap_or_default();
    }

    /// The session cookie's value, under either of its names (`__Host-` when secure).
    pub fn session_cookie(&self) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == "spor_session" || k == "__Host-spor_session")
            .map(|(_, v)| v.clone())
    }
}

/// The value of a hidden input in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// A valid decision form.
pub fn decision_form<'a>(case: &'a str, person: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("case_ref", case),
        ("person_ref", person),
        ("decision_date", date),
        ("authority", "cmm"),
        ("outcome", "identified"),
        ("referral_actor", "police"),
        ("exploitation_form", "forced_labour"),
        ("exploitation_subtype", "construction"),
        ("gender", "male"),
        ("age", "34"),
        ("nationality", "RO"),
        ("return_date", ""),
        ("return_country", ""),
    ]
}

/// What a browser would send for the first record form of a page: each input's value and
/// each select's chosen option (the CSRF token included).
pub fn form_values(html: &str) -> Vec<(String, String)> {
    fn attr(tag: &str, name: &str) -> Option<String> {
        let needle = format!(" {name}=\"");
        let start = tag.find(&needle)? + needle.len();
        let end = tag[start..].find('"')?;
        Some(unescape(&tag[start..start + end]))
    }
    fn unescape(s: &str) -> String {
        s.replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
    let form = html
        .find("class=\"card record-form\"")
        .map(|i| &html[i..])
        .unwrap_or(html);
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let unchecked = (tag.contains("type=\"radio\"") || tag.contains("type=\"checkbox\""))
            && !tag.contains(" checked");
        if tag.starts_with("<input") && !unchecked {
            if let Some(n) = attr(tag, "name") {
                out.push((n, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<select") {
            let n = attr(tag, "name").unwrap_or_default();
            let close = rest.find("</select>").unwrap_or(rest.len());
            let chosen = rest[..close]
                .split("<option")
                .skip(1)
                .find(|o| o.contains(" selected"))
                .and_then(|o| attr(o, "value"))
                .unwrap_or_default();
            out.push((n, chosen));
            rest = &rest[close..];
            continue;
        }
        rest = &rest[end.min(rest.len())..];
        if rest.len() <= 1 {
            break;
        }
        rest = &rest[1..];
    }
    out
}

/// A field's value among form values.
pub fn value_of<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}
