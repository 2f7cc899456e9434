//! The application in a real browser: headless Chromium driven over WebDriver
//! (`chromedriver`, Debian packages `chromium` and `chromium-driver`). With
//! `SPOR_SCREENSHOTS=DIR` the main pages are saved there as PNG files.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    shots: Option<PathBuf>,
    _profile: tempfile::TempDir,
    /// Accessibility violations found on the pages shown.
    violations: std::sync::Mutex<Vec<String>>,
}

/// axe-core (npm `axe-core`, installed by `.ci/run` into `target/axe`; `SPOR_AXE_JS` names
/// another copy of `axe.min.js`).
fn axe_source() -> String {
    let path = std::env::var_os("SPOR_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/axe/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing at {} ({e}): install it with `npm install --prefix target/axe --no-save axe-core@4`",
            path.display()
        )
    })
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    async fn start() -> Driver {
        for bin in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(
                std::path::Path::new(bin).exists(),
                "{bin} is missing: install Debian's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver)"
            );
        }
        let port = free_port();
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.status().is_success()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not start");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,1000", "--lang=da-DK",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {res}"))
            .to_string();
        let shots = std::env::var_os("SPOR_SCREENSHOTS").map(PathBuf::from);
        Driver {
            child,
            http,
            base,
            session,
            shots,
            _profile: profile,
            violations: std::sync::Mutex::new(Vec::new()),
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let req = self.http.request(method.clone(), url);
        let req = if method == reqwest::Method::GET {
            req
        } else {
            req.json(&body)
        };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", Value::Null)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", Value::Null)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/clear"),
            json!({}),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            json!({}),
        )
        .await;
    }

    async fn choose(&self, select_id: &str, value: &str) {
        self.click(&format!("#{select_id} option[value=\"{value}\"]"))
            .await;
    }

    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{e}/text"),
            Value::Null,
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    /// Runs a script in the page and returns its result.
    async fn run(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    async fn resize(&self, width: u32, height: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// Whether the page is no wider than the window (tables scroll in their own box).
    async fn fits_the_window(&self) -> bool {
        self.run("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await
            .as_bool()
            .unwrap_or(false)
    }

    async fn value(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{e}/property/value"),
            Value::Null,
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    /// axe-core's serious and critical WCAG 2.1 A/AA violations on the current page, as
    /// `page: rule (impact) × nodes: first target`.
    async fn axe(&self, page: &str) -> Vec<String> {
        let script = format!(
            "{}\nvar done = arguments[arguments.length - 1];\n\
             axe.run(document, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}}})\n\
             .then(r => done({{passes: r.passes.length, violations: r.violations\n\
             .filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
             .map(v => v.id + ' (' + v.impact + ') x' + v.nodes.length + ': ' + JSON.stringify(v.nodes[0].target))}}));",
            axe_source()
        );
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/execute/async",
                json!({ "script": script, "args": [] }),
            )
            .await;
        // A page where no rule passed was not checked at all.
        assert!(
            v["passes"].as_u64().unwrap_or(0) > 0,
            "{page}: axe-core did not run: {v}"
        );
        v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| format!("{page}: {}", x.as_str().unwrap_or("?")))
            .collect()
    }

    /// Checks the current page's accessibility (every page the test shows), and saves a
    /// screenshot with `SPOR_SCREENSHOTS`.
    async fn shot(&self, name: &str) {
        let found = self.axe(name).await;
        self.violations.lock().unwrap().extend(found);
        let Some(dir) = &self.shots else { return };
        let v = self
            .cmd(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let png = base64_decode(v.as_str().unwrap());
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Logs in with the password and then the second factor: a code from the test's
    /// authenticator app, or, for an account without a second factor, its enrolment (the
    /// secret read off the page into the app, its code typed in, the recovery codes shown).
    async fn login(&self, app: &TestApp, name: &str) {
        self.go(&format!("{}/login", app.base)).await;
        self.type_into("#name", name).await;
        self.type_into("#password", &format!("{name}{PASSWORD_SUFFIX}"))
            .await;
        self.click("form.card button[type=submit]").await;
        self.wait_until("the second factor is asked for", |u, _| {
            u.contains("/second-factor")
        })
        .await;
        if self.url().await.contains("/account/second-factor") {
            self.shot("second-factor-enrolment").await;
            let secret: String = self
                .text("#totp-secret")
                .await
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let step = app.clock.now().timestamp() / 30;
            app.authenticator
                .lock()
                .unwrap()
                .insert(name.to_string(), (secret.clone(), step));
            self.type_into("#code", &code_for_step(&secret, step)).await;
            self.click("form.card button[type=submit]").await;
            self.wait_until("the recovery codes", |_, src| {
                src.contains("id=\"recovery-codes\"")
            })
            .await;
            let codes = self.text("#recovery-codes").await;
            assert_eq!(
                codes.lines().filter(|l| l.len() == 19).count(),
                10,
                "{codes}"
            );
            self.shot("recovery-codes").await;
            self.click("#continue").await;
        } else {
            self.shot("second-factor").await;
            let code = next_code(&app.clock, &app.authenticator, name);
            self.type_into("#code", &code).await;
            self.click("form.card button[type=submit]").await;
        }
        self.wait_until("logged in", |u, _| {
            !u.contains("/login") && !u.contains("/second-factor")
        })
        .await;
    }

    /// Waits (up to 15 s) until the page's URL or source satisfies `ok`: a click that
    /// submits a form returns before the next page has loaded.
    async fn wait_until(&self, what: &str, ok: impl Fn(&str, &str) -> bool) {
        for _ in 0..150 {
            let url = self.url().await;
            let src = self.source().await;
            if ok(&url, &src) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting until {what} (at {})", self.url().await);
    }

    async fn logout(&self) {
        self.click("header form button").await;
        self.wait_until("logged out", |u, _| u.contains("/login"))
            .await;
    }

    async fn quit(&self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes().filter_map(val) {
        buf = (buf << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_a_caseworker_registers_a_decision_that_the_analyst_sees_counted() {
    let app = spawn_app().await;
    // The caseworker sets up the second factor at the first login, in the browser; the
    // others have theirs and give a code.
    app.add_user_without_second_factor("cw", "caseworker").await;
    app.add_user("an", "analyst").await;
    app.add_user("ad", "admin").await;
    // The synthetic demo register (2023 and earlier) makes the pages look like daily use.
    app.store.apply_import(&spor_demo::build()).await.unwrap();
    app.store
        .set_microdata_from(Some(spor_demo::MICRODATA_FROM))
        .await
        .unwrap();
    // Synthetic hotline calls of this year and last, so the dashboard's chart has data.
    let codes = spor_core::CodeBook::builtin();
    let this_year: i32 = chrono::Utc::now().format("%Y").to_string().parse().unwrap();
    let mut calls = spor_core::ImportBatch::default();
    for i in 0..60u32 {
        let year = if i % 2 == 0 { this_year } else { this_year - 1 };
        let month = 1 + (i / 2) % 11;
        let at = format!("{year}-{month:02}-{:02}T10:00:00", 1 + i % 27);
        let call_ref = format!("K-{i}");
        let f: Vec<(&str, &str)> = vec![
            ("call_ref", &call_ref),
            ("received_at", &at),
            ("caller_type", "citizen"),
            ("concerns_possible_victim", "true"),
            ("topic", ""),
        ];
        calls
            .hotline_calls
            .push(spor_import::validate::hotline_call(&f, &codes).unwrap());
    }
    app.store.apply_import(&calls).await.unwrap();
    let d = Driver::start().await;

    // The caseworker logs in and registers a decision through the form.
    d.go(&format!("{}/login", app.base)).await;
    d.shot("login").await;
    d.login(&app, "cw").await;
    assert!(
        d.url().await.ends_with("/cases"),
        "the caseworker lands on the decisions"
    );
    d.go(&format!("{}/cases/new", app.base)).await;
    d.type_into("#f_case_ref", "C-B1").await;
    d.type_into("#f_person_ref", "P-B1").await;
    d.choose("f_outcome", "identified").await;
    // Only the chosen form's sectors/types are offered: none for sexual exploitation,
    // forced labour's for forced labour.
    let shown = |form: &str| {
        format!(
            "return getComputedStyle(document.querySelector('#f_exploitation_subtype optgroup[data-form={form}]')).display != 'none';"
        )
    };
    d.choose("f_exploitation_form", "forced_labour").await;
    assert_eq!(d.run(&shown("forced_labour")).await, json!(true));
    assert_eq!(d.run(&shown("forced_criminality")).await, json!(false));
    d.choose("f_exploitation_form", "sexual").await;
    assert_eq!(d.run(&shown("forced_labour")).await, json!(false));
    assert_eq!(d.run(&shown("forced_criminality")).await, json!(false));
    d.choose("f_gender", "female").await;
    d.type_into("#f_age", "29").await;
    d.choose("f_nationality", "NG").await;
    // The person's identity in the same form (issue 23).
    d.type_into("#f_full_name", "Brisela Testvang").await;
    d.type_into("#f_birth_date", "09-10-1993").await;
    // Submitting without a referral actor is refused, with the message at the field.
    d.click("form.record-form button[type=submit]").await;
    d.wait_until("the form comes back with the field marked", |_, src| {
        src.contains("field invalid")
    })
    .await;
    d.shot("decision-form-with-error").await;
    assert_eq!(
        d.run("return document.activeElement.id;").await,
        json!("error-summary"),
        "the focus moves to the error summary"
    );
    assert_eq!(
        d.value("#f_case_ref").await,
        "C-B1",
        "what was typed is kept"
    );
    assert_eq!(
        d.value("#f_full_name").await,
        "Brisela Testvang",
        "the identity typed is kept"
    );
    d.choose("f_referral_actor", "ngo").await;
    d.click("form.record-form button[type=submit]").await;
    d.wait_until("the decision is saved and shown", |u, _| {
        u.contains("/cases/C-B1?saved=1")
    })
    .await;
    assert!(d.source().await.contains("Nigeria"));
    d.shot("decision").await;
    // The same person again under another ref: warned before anything is saved, and
    // linked to the earlier person instead.
    d.go(&format!("{}/cases/new", app.base)).await;
    d.type_into("#f_case_ref", "C-B2").await;
    d.type_into("#f_person_ref", "P-B2").await;
    d.choose("f_outcome", "not_identified").await;
    d.choose("f_gender", "female").await;
    d.choose("f_nationality", "NG").await;
    d.type_into("#f_full_name", "testvang brisela").await;
    d.type_into("#f_birth_date", "09-10-1993").await;
    d.click("form.record-form button[type=submit]").await;
    d.wait_until("the warning of a person seen before", |_, src| {
        src.contains("id=\"duplicates\"")
    })
    .await;
    d.shot("decision-form-person-seen-before").await;
    d.click("#choice_1").await;
    d.click("form.record-form button[type=submit]").await;
    d.wait_until("the decision is saved to the earlier person", |u, _| {
        u.contains("/cases/C-B2?saved=1")
    })
    .await;
    assert!(d.source().await.contains("/persons/P-B1"));
    d.go(&format!("{}/cases", app.base)).await;
    d.shot("decisions").await;
    d.go(&format!("{}/assessments", app.base)).await;
    d.shot("assessments").await;
    d.go(&format!("{}/calls?year=2023", app.base)).await;
    d.shot("calls").await;
    d.go(&format!("{}/persons/P-B1", app.base)).await;
    d.shot("person").await;
    d.go(&format!("{}/persons?q=p-b", app.base)).await;
    assert!(
        d.url().await.ends_with("/persons/P-B1"),
        "a part of a ref finds the person"
    );
    d.go(&format!("{}/persons?q=2023-0", app.base)).await;
    d.shot("search").await;
    d.go(&format!("{}/persons?q=no-such-ref", app.base)).await;
    d.shot("search-nothing").await;
    // Deleting asks first, and can be undone.
    d.go(&format!("{}/cases/C-B1", app.base)).await;
    d.click("a.button.danger").await;
    d.wait_until("the question", |u, _| u.ends_with("/cases/C-B1/delete"))
        .await;
    assert!(d.source().await.contains("Vil du slette afgørelse C-B1?"));
    d.shot("delete-confirm").await;
    d.click("form.actions button.danger").await;
    d.wait_until("deleted", |u, _| u.contains("deleted=C-B1"))
        .await;
    d.shot("deleted").await;
    d.click("form.undo button").await;
    d.wait_until("restored", |u, _| u.contains("/cases/C-B1?restored=1"))
        .await;
    d.shot("restored").await;
    // A small screen: lists and forms stay inside the window.
    d.resize(375, 800).await;
    for page in ["/calls?year=2023", "/cases", "/cases/new", "/cases/C-B1"] {
        d.go(&format!("{}{page}", app.base)).await;
        assert!(d.fits_the_window().await, "{page} is wider than 375 px");
    }
    d.shot("calls-375").await;
    d.resize(1280, 1000).await;
    d.logout().await;

    // The analyst sees the decision counted on the dashboard...
    d.login(&app, "an").await;
    assert!(d.url().await.ends_with("/dashboard"));
    assert_eq!(d.text("#victims-so-far").await, "1");
    d.shot("dashboard").await;
    d.go(&format!("{}/overview", app.base)).await;
    d.shot("overview").await;
    d.go(&format!("{}/overview?year=2023&profile=public", app.base))
        .await;
    d.shot("overview-public").await;
    d.go(&format!("{}/overview/2023/risk", app.base)).await;
    d.shot("risk-report").await;
    d.go(&format!("{}/overview/2023/view", app.base)).await;
    d.shot("overview-html").await;
    d.go(&format!("{}/overview/2023/view?profile=public", app.base))
        .await;
    d.shot("overview-html-public").await;
    // One table's figures (links to their records only for users who may see records).
    d.go(&format!(
        "{}/overview/2023/figures/victims_by_gender_form",
        app.base
    ))
    .await;
    assert!(d.text("main").await.contains("Kategori"));
    d.shot("figures").await;
    // The international exchanges of the year, each with its downloads.
    d.go(&format!("{}/exchanges?year=2023", app.base)).await;
    assert!(
        d.text("main").await.contains("Eurostat"),
        "the exchanges page lists Eurostat"
    );
    d.shot("exchanges").await;
    // The releases kept in the register: the list, one release's files, its diff.
    spor_app::published::publish(
        app.store.as_ref(),
        spor_app::audit::Actor::command_line("cli:test"),
        2023,
        spor_app::Profile::Internal,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    d.go(&format!("{}/releases", app.base)).await;
    d.shot("releases").await;
    d.click("a[href='/releases/1']").await;
    d.wait_until("the release's page", |u, _| u.ends_with("/releases/1"))
        .await;
    assert!(d.source().await.contains("overview-2023.pdf"));
    d.shot("release").await;
    d.click("a[href='/releases/1/diff']").await;
    d.wait_until("the release's diff", |u, _| u.ends_with("/releases/1/diff"))
        .await;
    d.shot("release-diff").await;
    d.logout().await;

    // A caseworker of another team reaches the person only by stating a reason.
    app.store
        .claim_person_team("P-B1", "north", "test", chrono::Utc::now())
        .await
        .unwrap();
    let south = spor_store::web::UserUpdate {
        team: Some(Some("south".into())),
        ..Default::default()
    };
    app.store
        .update_user("cw", &south, chrono::Utc::now())
        .await
        .unwrap();
    d.login(&app, "cw").await;
    d.go(&format!("{}/cases/C-B1", app.base)).await;
    assert!(d.source().await.contains("name=\"reason\""));
    d.shot("break-glass").await;
    d.type_into("#reason", "Covering the north team tonight")
        .await;
    d.click("form[action='/access'] button[type=submit]").await;
    d.wait_until("the case after the reason", |u, _| {
        u.ends_with("/cases/C-B1")
    })
    .await;
    d.shot("break-glass-granted").await;
    // The records behind a figure of the overview (the men in forced criminality).
    d.go(&format!(
        "{}/overview/2023/figures/victims_by_gender_form/records?r0=male&col=forced_criminality",
        app.base
    ))
    .await;
    assert!(
        d.text("main")
            .await
            .contains("registreringer tælles i tallet"),
        "the figure's records are listed"
    );
    d.shot("figure-records").await;
    d.logout().await;
    d.login(&app, "an").await;
    // ...and is refused the case page.
    d.go(&format!("{}/cases/C-B1", app.base)).await;
    let refused = d.source().await;
    assert!(
        refused.contains("Du har ikke adgang"),
        "the analyst is refused"
    );
    assert!(
        !refused.contains("Nigeria"),
        "no case data on the refusal page"
    );
    d.shot("analyst-refused").await;
    d.logout().await;

    // The administrator's pages, for the screenshots and a last look at the trail; a code
    // of the centre's own, so the code-list page shows its editing forms.
    let union = spor_core::CodeBook::builtin()
        .check_addition("referral_actor", "union", "Fagforening", "Trade union")
        .unwrap();
    app.store.add_code(&union).await.unwrap();
    d.login(&app, "ad").await;
    d.shot("admin-users").await;
    // The whole chain is checked when asked (the page's "Kontrollér kæden").
    d.go(&format!("{}/admin/audit?verify=1", app.base)).await;
    let trail = d.source().await;
    assert!(
        trail.contains("Kæden er intakt"),
        "{}",
        trail
            .split("<main")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take(600)
            .collect::<String>()
    );
    d.shot("audit-trail").await;
    d.go(&format!("{}/admin/codes", app.base)).await;
    d.shot("code-lists").await;
    d.go(&format!("{}/admin/mappings", app.base)).await;
    d.shot("exchange-mappings").await;
    d.go(&format!("{}/admin/settings", app.base)).await;
    d.shot("settings").await;
    // Changing microdata_from asks first, saying which figures change.
    d.type_into("#m", "2021").await;
    d.click("form.card button[type=submit]").await;
    d.wait_until("the question", |_, src| src.contains("Ja, gem ændringen"))
        .await;
    d.shot("settings-confirm").await;
    let violations = d.violations.lock().unwrap().clone();
    d.quit().await;
    assert!(
        violations.is_empty(),
        "axe-core finds serious or critical accessibility problems:\n{}",
        violations.join("\n")
    );
}
