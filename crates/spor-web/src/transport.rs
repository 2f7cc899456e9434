//! What the application learns from, and adds to, the HTTP exchange itself: the client's
//! address (through a known number of reverse proxies), whether the request came over TLS,
//! the security headers on every answer, and the limit on requests at once.
//!
//! [`security_headers`] is the outermost layer of the router, so answers made early by the
//! layers inside it (request too large, timed out, too many requests, CSRF refused, 404)
//! carry the same headers as pages.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, Config, SecureCookies};

/// Whether this request's cookies get `Secure` (and the `__Host-` prefix) and its answer
/// HSTS.
pub(crate) fn is_secure(cfg: &Config, headers: &HeaderMap) -> bool {
    match cfg.secure_cookies {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => {
            // The nearest proxy's word (it sets or appends the header last).
            cfg.trust_proxy > 0
                && headers
                    .get_all("x-forwarded-proto")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .next_back()
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
        }
    }
}

/// One `X-Forwarded-For` entry as an address: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or
/// `[2001:db8::1]:443`. Anything else (`unknown`, a name, garbage) is `None`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    e.parse::<IpAddr>()
        .ok()
        .or_else(|| e.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client's address. With `trust_proxy = n > 0` it is the `n`th entry from the right
/// of `X-Forwarded-For` (each of our `n` proxies appends the address it was connected
/// from, so entries further left are whatever the client sent). Without enough entries, or
/// when that entry is not an IP address, the connection's peer is taken: a forged or broken
/// header never chooses the address.
pub(crate) fn client_address(req: &Request, trust_proxy: u32) -> String {
    let peer = || {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_canonical().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    if trust_proxy == 0 {
        return peer();
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let hops = trust_proxy as usize;
    if entries.len() < hops {
        return peer();
    }
    match parse_forwarded(entries[entries.len() - hops]) {
        Some(ip) => ip.to_canonical().to_string(),
        None => {
            tracing::debug!("X-Forwarded-For entry is not an address; the peer is taken");
            peer()
        }
    }
}

/// What the per-address login limit counts under: the address itself for IPv4, its /64
/// for IPv6 (one subscriber or host usually holds a whole /64, so counting single IPv6
/// addresses would give an attacker 2^64 fresh ones).
pub(crate) fn limit_key(address: &str) -> String {
    match address.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_string(),
    }
}

/// Sets the security headers on every answer, the ones made early by inner layers too.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = is_secure(&state.config, req.headers());
    let path = req.uri().path();
    let is_asset = path.starts_with("/assets/") || path == "/healthz";
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A response that sets its own policy (the framed overview) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure {
        // ASVS 3.4.1: a year, subdomains included.
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// At most `Config::max_requests` requests are served at once; more are answered 503 at
/// once instead of queueing without bound (a queue would hold their connections and
/// memory while the ones in front finish).
pub async fn limit_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Ok(_permit) = state.requests.clone().try_acquire_owned() else {
        return busy();
    };
    next.run(req).await
}

/// 503 with a hint to come back in a few seconds.
pub(crate) fn busy() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "Spor is busy; try again in a few seconds.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_entries_parse_as_addresses_only() {
        let cases = [
            ("1.2.3.4", Some("1.2.3.4")),
            (" 1.2.3.4 ", Some("1.2.3.4")),
            ("1.2.3.4:5678", Some("1.2.3.4")),
            ("2001:db8::1", Some("2001:db8::1")),
            ("[2001:db8::1]:443", Some("2001:db8::1")),
            ("unknown", None),
            ("evil.example", None),
            ("1.2.3.4; drop", None),
            ("", None),
        ];
        for (entry, want) in cases {
            assert_eq!(
                parse_forwarded(entry).map(|ip| ip.to_string()).as_deref(),
                want,
                "entry {entry:?}"
            );
        }
    }

    #[test]
    fn ipv6_addresses_count_per_64_and_ipv4_per_address() {
        assert_eq!(limit_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            limit_key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::/64"
        );
        assert_ne!(limit_key("2001:db8:1:3::1"), limit_key("2001:db8:1:2::1"));
        assert_eq!(limit_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(limit_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(limit_key("unknown"), "unknown");
    }
}
