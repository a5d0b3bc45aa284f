//! Where this server is reached (the scheme and host of the URLs it hands
//! out, and the origin its own pages have), and the guard on REST and
//! TAXII writes that a session cookie authenticates: a browser sends the
//! cookie on its own, even on a request another site makes it send, so
//! such a write must also carry the session's CSRF token in a header
//! (which another site cannot set) and, when the browser names one, come
//! from this server's origin. HTTP Basic, which browsers also send on
//! their own, gets the `Origin` check; bearer tokens neither.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use url::Url;

use super::error::ApiError;
use super::i18n::api_lang;
use crate::config::Settings;

/// The header carrying the session's CSRF token on REST writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The scheme and host this server is reached at, for the URLs it hands
/// out: `public_url` when set; else what a trusted proxy says the client
/// used (`Forwarded`, RFC 7239, or `X-Forwarded-Proto` /
/// `X-Forwarded-Host`); else the `Host` header over `https` when cookies
/// are `Secure`, `http` otherwise.
pub(crate) fn base_url(headers: &HeaderMap, peer: Option<IpAddr>, settings: &Settings) -> String {
    if let Some(u) = &settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let (proto, host) = reached_at(headers, peer, settings);
    let scheme = proto.unwrap_or(if settings.secure_cookies {
        "https"
    } else {
        "http"
    });
    format!("{scheme}://{host}")
}

/// The scheme, when a trusted proxy names it, and the host the client
/// reached this server at (without `public_url`).
fn reached_at(
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    settings: &Settings,
) -> (Option<&'static str>, String) {
    let (proto, fwd_host) = match peer {
        Some(ip) if settings.trusted_proxy(ip) => forwarded(headers),
        _ => (None, None),
    };
    let host = fwd_host.unwrap_or_else(|| {
        headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost")
            .to_owned()
    });
    (proto, host)
}

/// The protocol and host the client used, as the nearest proxy chain
/// recorded them: `Forwarded`'s first element, else the first values of
/// `X-Forwarded-Proto` and `X-Forwarded-Host`. Anything that is not `http`,
/// `https` or a plain host name (with port) is ignored.
pub(crate) fn forwarded(headers: &HeaderMap) -> (Option<&'static str>, Option<String>) {
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
    };
    let (mut proto, mut host) = (None, None);
    if let Some(element) = first("forwarded") {
        for pair in element.split(';') {
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(v);
            match k.trim().to_ascii_lowercase().as_str() {
                "proto" => proto = Some(v.to_owned()),
                "host" => host = Some(v.to_owned()),
                _ => {}
            }
        }
    } else {
        proto = first("x-forwarded-proto");
        host = first("x-forwarded-host");
    }
    let proto = match proto.map(|p| p.to_ascii_lowercase()).as_deref() {
        Some("https") => Some("https"),
        Some("http") => Some("http"),
        _ => None,
    };
    let host = host.filter(|h| {
        !h.is_empty()
            && h.len() <= 255
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    });
    (proto, host)
}

/// Whether an `Origin` header names this server: `public_url`'s origin
/// when set, else the host the request was sent to (with the scheme a
/// trusted proxy names, or either of `http` and `https` when none does:
/// TLS may end before the server). `null` and anything unparsable are not.
pub(crate) fn same_origin(
    origin: &str,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    settings: &Settings,
) -> bool {
    let Ok(o) = Url::parse(origin) else {
        return false;
    };
    if !matches!(o.scheme(), "http" | "https") {
        return false;
    }
    if let Some(public) = &settings.public_url {
        return Url::parse(public).is_ok_and(|p| p.origin() == o.origin());
    }
    let (proto, host) = reached_at(headers, peer, settings);
    let scheme = proto.unwrap_or(o.scheme());
    Url::parse(&format!("{scheme}://{host}")).is_ok_and(|e| e.origin() == o.origin())
}

/// A write (anything but GET, HEAD and OPTIONS) to the REST API or TAXII.
fn is_api_write(parts: &Parts) -> bool {
    let path = parts.uri.path();
    !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
        && (path.starts_with("/api/") || path == "/taxii2" || path.starts_with("/taxii2/"))
}

/// Refuses a REST or TAXII write whose `Origin`, when the browser names
/// one, is not this server's. Browsers send stored HTTP Basic credentials
/// on their own too, so Basic-authenticated writes get this check; machine
/// clients send no `Origin`.
pub(crate) fn check_origin(parts: &Parts, settings: &Settings) -> Result<(), ApiError> {
    let Some(origin) = parts.headers.get(header::ORIGIN) else {
        return Ok(());
    };
    if !is_api_write(parts) {
        return Ok(());
    }
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let text = String::from_utf8_lossy(origin.as_bytes());
    if same_origin(&text, &parts.headers, peer, settings) {
        return Ok(());
    }
    Err(ApiError::coded(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "origin-mismatch",
        api_lang(&parts.headers),
        &[("origin", &text)],
    ))
}

/// Refuses a REST or TAXII write authenticated by a session cookie unless
/// its `Origin`, if any, is this server's and it carries the session's
/// CSRF token (`csrf`) in [`CSRF_HEADER`]. Portal forms carry the token in
/// their body instead (`page::CsrfForm`); other requests pass.
pub(crate) fn check_cookie_write(
    parts: &Parts,
    settings: &Settings,
    csrf: &str,
) -> Result<(), ApiError> {
    if !is_api_write(parts) {
        return Ok(());
    }
    check_origin(parts, settings)?;
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match sent {
        Some(t) if same_secret(csrf, t) => Ok(()),
        _ => Err(ApiError::coded(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "csrf-header-required",
            api_lang(&parts.headers),
            &[],
        )),
    }
}

/// Constant-time comparison for CSRF tokens.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = HeaderValue::from_str(v) {
                m.insert(*k, v);
            }
        }
        m
    }

    #[test]
    fn forwarded_headers_give_proto_and_host() {
        // RFC 7239 §4: the first element is the one nearest the client.
        assert_eq!(
            forwarded(&headers(&[(
                "forwarded",
                "for=192.0.2.60;proto=https;host=\"cti.example.jp\", for=10.0.0.1;proto=http"
            )])),
            (Some("https"), Some("cti.example.jp".into()))
        );
        assert_eq!(
            forwarded(&headers(&[
                ("x-forwarded-proto", "https, http"),
                ("x-forwarded-host", "cti.example.jp:8443")
            ])),
            (Some("https"), Some("cti.example.jp:8443".into()))
        );
        // Neither a strange scheme nor a host with a path is taken.
        assert_eq!(
            forwarded(&headers(&[
                ("x-forwarded-proto", "javascript"),
                ("x-forwarded-host", "evil.example/x")
            ])),
            (None, None)
        );
    }

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        let plain = Settings::defaults();
        let h = headers(&[("host", "cti.example.jp:8080")]);
        for (origin, same) in [
            ("http://cti.example.jp:8080", true),
            ("https://cti.example.jp:8080", true),
            ("http://CTI.example.jp:8080", true),
            ("http://cti.example.jp", false),
            ("http://evil.example:8080", false),
            ("http://cti.example.jp.evil.example:8080", false),
            ("null", false),
            ("", false),
            ("file://cti.example.jp:8080", false),
        ] {
            assert_eq!(same_origin(origin, &h, None, &plain), same, "{origin}");
        }
        let mut public = Settings::defaults();
        public.public_url = Some("https://cti.example.jp/renkei/".into());
        for (origin, same) in [
            ("https://cti.example.jp", true),
            ("https://cti.example.jp:443", true),
            ("http://cti.example.jp", false),
            ("https://cti.example.jp:8443", false),
        ] {
            assert_eq!(same_origin(origin, &h, None, &public), same, "{origin}");
        }
        // Behind a trusted proxy, the host and scheme it names.
        let mut proxied = Settings::defaults();
        proxied.trusted_proxies = vec!["10.0.0.5".into()];
        let h = headers(&[
            ("host", "renkei:8080"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "cti.example.jp"),
        ]);
        let proxy = Some("10.0.0.5".parse().expect("ip"));
        assert!(same_origin("https://cti.example.jp", &h, proxy, &proxied));
        assert!(!same_origin("http://cti.example.jp", &h, proxy, &proxied));
        assert!(!same_origin("https://cti.example.jp", &h, None, &proxied));
    }
}
