//! The HTTP exchange itself: cookie attributes and HSTS, the client's address behind
//! proxies, security headers on early answers, body limit, timeout, the limits on requests
//! and password checks at once, and the per-address login limit (issue 21, items 1 and 8).

use std::io::{Read, Write};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use spor_store::web::AuditFilter;
use spor_web::{Config, SecureCookies};

use crate::helpers::*;

/// The headers every answer carries, whatever made it.
fn assert_security_headers(h: &HeaderMap, what: &str) {
    let get = |n: &str| {
        h.get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {n} in {h:?}"))
            .to_string()
    };
    assert!(
        get("content-security-policy").contains("default-src 'none'"),
        "{what}"
    );
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("cache-control"), "no-store", "{what}");
}

/// The same, for an answer read off a raw connection.
fn assert_raw_security_headers(answer: &str, what: &str) {
    let lower = answer.to_ascii_lowercase();
    for h in [
        "content-security-policy: default-src 'none'",
        "x-content-type-options: nosniff",
        "x-frame-options: deny",
        "referrer-policy: no-referrer",
        "cache-control: no-store",
    ] {
        assert!(lower.contains(h), "{what}: no `{h}` in {answer}");
    }
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// A login attempt sent with `X-Forwarded-For: xff` (when given), as a browser would after
/// fetching the login form through the same proxy.
async fn login_from(app: &TestApp, xff: Option<&str>, name: &str, password: &str) -> StatusCode {
    login_answer(app.base.clone(), xff, name, password).await.0
}

/// The status and headers of a login attempt (see [`login_from`]).
async fn login_answer(
    base: String,
    xff: Option<&str>,
    name: &str,
    password: &str,
) -> (StatusCode, HeaderMap) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let with_xff = |r: reqwest::RequestBuilder| match xff {
        Some(x) => r.header("x-forwarded-for", x),
        None => r,
    };
    let form = with_xff(client.get(format!("{base}/login")))
        .send()
        .await
        .unwrap();
    let cookie = set_cookies(form.headers())
        .into_iter()
        .find(|c| c.contains("spor_login_csrf="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a login form cookie");
    let token = hidden(&form.text().await.unwrap(), "csrf").unwrap();
    let res = with_xff(client.post(format!("{base}/login")))
        .header("cookie", cookie)
        .form(&[
            ("name", name),
            ("password", password),
            ("csrf", &token),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    (res.status(), res.headers().clone())
}

/// The addresses of the login failures recorded, oldest first.
async fn failure_addresses(app: &TestApp) -> Vec<String> {
    let mut v: Vec<String> = app
        .store
        .audit_events(
            &AuditFilter {
                code_prefix: Some("login.failure".into()),
                ..Default::default()
            },
            1000,
            0,
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.address.unwrap_or_default())
        .collect();
    v.reverse();
    v
}

#[tokio::test]
async fn by_default_cookies_are_secure_and_host_prefixed_and_hsts_is_sent() {
    let app = spawn_app_with(Config::default()).await;
    app.add_user("cw", "caseworker").await;
    let res = reqwest::get(format!("{}/login", app.base)).await.unwrap();
    let hsts = res.headers()["strict-transport-security"].to_str().unwrap();
    assert!(
        hsts.contains("max-age=31536000") && hsts.contains("includeSubDomains"),
        "{hsts}"
    );
    let c = set_cookies(res.headers());
    assert!(
        c.iter().any(|c| c.starts_with("__Host-spor_login_csrf=")
            && c.contains("; Secure")
            && c.contains("Path=/")
            && !c.contains("Domain")),
        "{c:?}"
    );
    let mut a = app.agent();
    let page = a.login("cw", "cw-secret-password").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let session = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-spor_session="))
        .expect("a __Host- session cookie");
    assert!(
        session.contains("; Secure") && session.contains("HttpOnly"),
        "{session}"
    );
    assert_eq!(a.get("/cases").await.status(), StatusCode::OK);
    // The same value under the unprefixed name (as a sibling host or a plain-HTTP answer
    // could set it) is not taken.
    let mut tossed = app.agent();
    tossed
        .cookies
        .push(("spor_session".into(), a.session_cookie().unwrap()));
    assert!(tossed.get("/cases").await.redirects_to_login());
}

#[tokio::test]
async fn with_secure_cookies_never_there_is_no_prefix_no_secure_and_no_hsts() {
    let app = spawn_app().await;
    let res = reqwest::get(format!("{}/login", app.base)).await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
    let c = set_cookies(res.headers());
    assert!(
        c.iter()
            .any(|c| c.starts_with("spor_login_csrf=") && !c.contains("Secure")),
        "{c:?}"
    );
}

#[tokio::test]
async fn behind_one_proxy_the_rightmost_forwarded_address_is_the_client() {
    let app = spawn_app_with(Config {
        trust_proxy: 1,
        address_limit: 2,
        ..test_config()
    })
    .await;
    // The client writes anything it likes on the left; our proxy appends what it saw.
    for spoof in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let status = login_from(
            &app,
            Some(&format!("{spoof}, 198.51.100.7")),
            "nobody",
            "wrong-password",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        failure_addresses(&app).await,
        ["198.51.100.7"; 3],
        "every attempt is the proxy's client, whatever was written before it"
    );
    // So changing the left part does not escape the address limit: the third attempt was
    // refused without a password check.
    assert_eq!(app.state.password_check_stats().run, 2);
}

#[tokio::test]
async fn behind_two_proxies_the_second_address_from_the_right_is_the_client() {
    let app = spawn_app_with(Config {
        trust_proxy: 2,
        ..test_config()
    })
    .await;
    login_from(
        &app,
        Some("192.0.2.99, 203.0.113.5, 10.0.0.1"),
        "nobody",
        "wrong-password",
    )
    .await;
    // Repeated headers are one list, in order.
    assert_eq!(failure_addresses(&app).await, ["203.0.113.5"]);
}

#[tokio::test]
async fn an_invalid_or_missing_forwarded_entry_is_not_believed() {
    let app = spawn_app_with(Config {
        trust_proxy: 1,
        ..test_config()
    })
    .await;
    for xff in [
        Some("192.0.2.1, not-an-address"),
        Some("evil.example"),
        None,
    ] {
        login_from(&app, xff, "nobody", "wrong-password").await;
    }
    let trust_two = spawn_app_with(Config {
        trust_proxy: 2,
        ..test_config()
    })
    .await;
    // Fewer entries than proxies: the header did not come through them all.
    login_from(&trust_two, Some("192.0.2.1"), "nobody", "wrong-password").await;
    for got in [
        failure_addresses(&app).await,
        failure_addresses(&trust_two).await,
    ] {
        assert!(
            got.iter().all(|a| a == "127.0.0.1"),
            "the connection's address is taken: {got:?}"
        );
    }
}

#[tokio::test]
async fn without_trust_proxy_forwarded_headers_are_ignored() {
    let app = spawn_app().await;
    login_from(&app, Some("192.0.2.1"), "nobody", "wrong-password").await;
    assert_eq!(failure_addresses(&app).await, ["127.0.0.1"]);
}

#[tokio::test]
async fn ipv6_addresses_in_one_64_share_the_address_limit() {
    let app = spawn_app_with(Config {
        trust_proxy: 1,
        address_limit: 2,
        ..test_config()
    })
    .await;
    for a in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
        assert_eq!(
            login_from(&app, Some(a), "nobody", "wrong-password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.state.password_check_stats().run,
        2,
        "the third address of the /64 is over the limit"
    );
    login_from(&app, Some("2001:db8:1:3::1"), "nobody", "wrong-password").await;
    assert_eq!(
        app.state.password_check_stats().run,
        3,
        "another /64 has its own limit"
    );
}

#[tokio::test]
async fn a_blocked_address_is_refused_without_hashing_and_audited_once() {
    let app = spawn_app_with(Config {
        address_limit: 3,
        ..test_config()
    })
    .await;
    app.add_user("cw", "caseworker").await;
    for _ in 0..3 {
        assert_eq!(
            login_from(&app, None, "cw", "wrong-password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.state.password_check_stats().run, 3);
    for _ in 0..10 {
        assert_eq!(
            login_from(&app, None, "cw", "cw-secret-password").await,
            StatusCode::UNAUTHORIZED,
            "the right password from a blocked address is refused too"
        );
    }
    assert_eq!(
        app.state.password_check_stats().run,
        3,
        "no password was checked for the blocked address"
    );
    assert_eq!(
        failure_addresses(&app).await.len(),
        4,
        "three failures and one note of the refusals, not one event per refused request"
    );
    let u = app.store.user("cw").await.unwrap().unwrap();
    assert_eq!(
        u.failed_logins, 3,
        "refused attempts do not count against the account"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_checks_at_once_are_bounded_and_the_excess_is_refused_at_once() {
    let app = spawn_app_with(Config {
        address_limit: 1_000,
        password_checks: 2,
        password_check_queue: 0,
        ..test_config()
    })
    .await;
    app.add_user("cw", "caseworker").await;
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let base = app.base.clone();
            tokio::spawn(async move {
                login_answer(base, None, "cw", &format!("wrong-guess-{i:03}")).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for a in attempts {
        let (status, headers) = a.await.unwrap();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(
                headers["retry-after"], "5",
                "a busy login says when to come back"
            );
            assert_security_headers(&headers, "busy login");
        }
        statuses.push(status);
    }
    let failed = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count() as u64;
    let busy = statuses
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count() as u64;
    assert_eq!(failed + busy, 20, "{statuses:?}");
    let stats = app.state.password_check_stats();
    assert!(stats.peak <= 2, "at most two checks at once: {stats:?}");
    assert_eq!(stats.run, failed, "{stats:?}");
    assert_eq!(stats.refused, busy, "{stats:?}");
    assert!(
        busy > 0,
        "20 at once against 2 places: some told to come back"
    );
}

#[tokio::test]
async fn security_headers_are_on_a_csrf_refusal_a_404_and_a_too_large_body() {
    let app = spawn_app_with(Config {
        body_limit: 16 * 1024,
        ..test_config()
    })
    .await;
    app.add_user("cw", "caseworker").await;
    let a = app.login_as("cw").await;
    let cookie = format!("spor_session={}", a.session_cookie().unwrap());
    let client = reqwest::Client::new();

    let refused = client
        .post(format!("{}/cases/new", app.base))
        .header("cookie", &cookie)
        .form(&[("case_ref", "C-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_security_headers(refused.headers(), "CSRF refusal");

    let big = "x".repeat(32 * 1024);
    for path in ["/cases/new", "/login"] {
        let res = client
            .post(format!("{}{path}", app.base))
            .header("cookie", &cookie)
            .form(&[("case_ref", big.as_str()), ("csrf", a.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_security_headers(res.headers(), &format!("too large a body to {path}"));
    }

    let missing = client
        .get(format!("{}/no/such/page", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_security_headers(missing.headers(), "404");
}

/// A request whose body never completes (headers and a few bytes of a longer body).
fn stalled_post(base: &str, path: &str) -> std::net::TcpStream {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nname=cw&"
    )
    .unwrap();
    s.flush().unwrap();
    s
}

fn read_answer(mut s: std::net::TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_request_that_takes_too_long_gets_503_with_the_security_headers() {
    let app = spawn_app_with(Config {
        request_timeout: Duration::from_millis(300),
        ..test_config()
    })
    .await;
    let base = app.base.clone();
    let answer = tokio::task::spawn_blocking(move || read_answer(stalled_post(&base, "/login")))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert_raw_security_headers(&answer, "timeout");
}

#[tokio::test]
async fn requests_over_the_limit_at_once_are_refused_at_once_with_the_security_headers() {
    let app = spawn_app_with(Config {
        max_requests: 1,
        ..test_config()
    })
    .await;
    let base = app.base.clone();
    // The stalled request holds the one place until it times out (two minutes).
    let held = tokio::task::spawn_blocking(move || stalled_post(&base, "/login"))
        .await
        .unwrap();
    let mut last = None;
    for _ in 0..50 {
        let res = reqwest::get(format!("{}/login", app.base)).await.unwrap();
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            last = Some(res.headers().clone());
            break;
        }
        // The stalled request may not have reached the server yet.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(held);
    let h = last.expect("a second request at once is refused");
    assert_eq!(h["retry-after"], "5");
    assert_security_headers(&h, "too many requests");
    // Once the place is free, requests are served again.
    let mut ok = false;
    for _ in 0..50 {
        if reqwest::get(format!("{}/healthz", app.base))
            .await
            .unwrap()
            .status()
            == StatusCode::OK
        {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "served again after the stalled request went away");
}

#[test]
fn the_default_is_secure_cookies_always() {
    assert_eq!(Config::default().secure_cookies, SecureCookies::Always);
    assert_eq!(Config::default().trust_proxy, 0);
}

#[tokio::test]
async fn a_flood_of_logins_without_their_form_token_adds_few_audit_events() {
    let app = spawn_app_with(Config {
        address_limit: 3,
        ..test_config()
    })
    .await;
    let client = reqwest::Client::new();
    for _ in 0..10 {
        let res = client
            .post(format!("{}/login", app.base))
            .form(&[("name", "cw"), ("password", "whatever-password")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_security_headers(res.headers(), "login without its token");
    }
    let csrf = app
        .store
        .audit_events(
            &AuditFilter {
                code_prefix: Some("access.csrf".into()),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        csrf.total, 4,
        "three within the address's limit and one note of the refusals after it"
    );
}
