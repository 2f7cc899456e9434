//! `spor serve [--listen 127.0.0.1:8080]`: the web application on the register.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use spor_web::{AppState, Config, SecureCookies};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// When cookies get `Secure` and `__Host-` and answers HSTS: always, never (only to try
    /// Spor locally over plain HTTP), auto (when a trusted proxy says https).
    #[arg(long, default_value = "always")]
    pub secure_cookies: String,
    /// Behind HOPS reverse proxies of your own (`--trust-proxy` alone: 1): the client's
    /// address is the entry HOPS from the right of X-Forwarded-For; X-Forwarded-Proto is
    /// believed.
    #[arg(long, value_name = "HOPS", num_args = 0..=1, default_missing_value = "1")]
    pub trust_proxy: Option<u32>,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, default_value_t = 120)]
    pub request_timeout: u64,
    /// Minutes without a request after which a session ends.
    #[arg(long, default_value_t = 30)]
    pub idle_minutes: u64,
    /// Hours after login after which a session ends whatever the activity.
    #[arg(long, default_value_t = 10)]
    pub session_hours: u64,
    /// Run without the audit key: the trail is then a plain SHA-256 chain that anyone
    /// with the database can rewrite. For trying Spor out only.
    #[arg(long)]
    pub without_audit_key: bool,
}

pub async fn run(args: Args, db: &str) -> anyhow::Result<()> {
    let secure_cookies = match args.secure_cookies.as_str() {
        "auto" => SecureCookies::Auto,
        "always" => SecureCookies::Always,
        "never" => SecureCookies::Never,
        other => bail!("--secure-cookies takes auto, always or never, not `{other}`"),
    };
    if args.idle_minutes == 0 || args.session_hours == 0 || args.request_timeout == 0 {
        bail!("--idle-minutes, --session-hours and --request-timeout must be at least 1");
    }
    let store = spor_app::open_web_store(db).await?;
    if spor_app::audit::key().is_none() {
        if !args.without_audit_key {
            bail!(
                "spor serve needs the audit key: make one with `spor audit key generate --out FILE`, keep it outside the database, and give it with --audit-key FILE or SPOR_AUDIT_KEY_FILE (to try Spor out only: --without-audit-key)"
            );
        }
        if store
            .audit_head()
            .await?
            .is_some_and(|e| e.chain != spor_store::web::CHAIN_SHA256)
        {
            bail!(
                "the audit trail of this register is keyed: --without-audit-key cannot be used on it; give its key with --audit-key FILE or SPOR_AUDIT_KEY_FILE"
            );
        }
        eprintln!(
            "WARNING: no audit key: the audit trail is a plain SHA-256 chain that anyone with the database can rewrite undetected. Do not use this for real cases."
        );
    }
    let config = Config {
        idle_timeout: Duration::from_secs(args.idle_minutes * 60),
        absolute_lifetime: Duration::from_secs(args.session_hours * 3600),
        secure_cookies,
        trust_proxy: args.trust_proxy.unwrap_or(0),
        request_timeout: Duration::from_secs(args.request_timeout),
        master_key: spor_app::identity::key().cloned(),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (use HOST:PORT, e.g. 127.0.0.1:8080)",
                args.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let users = store.users().await?;
    eprintln!("Spor is serving the register on http://{addr}/ (stop with Ctrl-C)");
    if users.is_empty() {
        eprintln!("No accounts yet: add one with `spor --db {db} user add NAME --role caseworker`");
    }
    if secure_cookies == SecureCookies::Always {
        eprintln!(
            "Cookies are Secure: serve it over HTTPS (e.g. behind a TLS proxy, with --trust-proxy); to try it over plain HTTP on this machine, add --secure-cookies never"
        );
    }
    // After the lines above, which scripts (and the tests) read first.
    if config.master_key.is_none() {
        eprintln!(
            "No master key (--master-key FILE or SPOR_MASTER_KEY_FILE): persons' identities can be neither read nor written; everything else works"
        );
    }
    let state = AppState::new(Arc::from(store), config);
    spor_web::serve(listener, state)
        .await
        .context("the web server stopped")
}
