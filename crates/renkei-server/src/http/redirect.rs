//! Where the portal may send a browser back to (after signing in, after
//! switching language): same-origin paths only, and `Location` headers
//! built fallibly, so no input can send a browser to another site or make
//! a handler panic.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::{Position, Url};

/// A stand-in origin to resolve paths against: only whether a path stays
/// on it matters, not what it is.
const BASE: &str = "http://renkei.invalid/";

/// `next` as a path on this server (with its query and fragment), as the
/// URL parser resolves it, or `None` when it could lead anywhere else.
///
/// Browsers parse `Location` by the WHATWG URL rules, which drop tabs and
/// line breaks and read `\` as `/`: `/\t/evil.example/` becomes
/// `//evil.example/`, another host. So a control character or backslash
/// anywhere, raw or percent-encoded, refuses the path before it is parsed,
/// and so does anything that does not start with a single `/`.
pub(crate) fn local_path(next: &str) -> Option<String> {
    let decoded = percent_decode(next);
    let suspicious = |s: &str| s.chars().any(|c| c.is_control() || c == '\\');
    if !next.starts_with('/')
        || next.starts_with("//")
        || decoded.starts_with("//")
        || suspicious(next)
        || suspicious(&decoded)
    {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    // The parser's serialisation is ASCII and percent-encoded: a valid header.
    Some(resolved[Position::BeforePath..].to_owned())
}

/// A `303 See Other` to `location`; should `location` not be a valid
/// header value after all, to the home page instead of a panic.
pub(crate) fn see_other(location: &str) -> Response {
    let to = HeaderValue::try_from(location).unwrap_or_else(|_| {
        tracing::warn!(location, "refused an invalid redirect target");
        HeaderValue::from_static("/")
    });
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

/// A request path percent-decoded, as axum decodes path parameters.
pub(crate) fn percent_decode(path: &str) -> String {
    let b = path.as_bytes();
    let hex = |i: usize| b.get(i).and_then(|c| (*c as char).to_digit(16));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_paths_are_redirect_targets() {
        for (next, want) in [
            ("/", Some("/")),
            ("/intel", Some("/intel")),
            (
                "/intel/search?q=evil.example&x=1",
                Some("/intel/search?q=evil.example&x=1"),
            ),
            ("/admin/users#new", Some("/admin/users#new")),
            ("/intel/objects/a b", Some("/intel/objects/a%20b")),
            ("/intel/../admin", Some("/admin")),
            ("/お知らせ", Some("/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B")),
            // The inputs, as the query decodes them and as sent.
            ("/\t/evil.example/", None),
            ("/%09/evil.example/", None),
            ("/\n/evil.example/", None),
            ("/%0A/evil.example/", None),
            ("/%0a", None),
            ("/%0D%0ASet-Cookie:x=1", None),
            ("/\r\nLocation: https://evil.example/", None),
            ("/\t/x", None),
            ("//x", None),
            ("//evil.example/", None),
            ("/\\x", None),
            ("/\\/evil.example/", None),
            ("/%5C/evil.example/", None),
            ("/%2F%2Fx", None),
            ("/%2f/evil.example", None),
            ("https://x", None),
            ("https://evil.example/", None),
            ("http:/evil.example", None),
            ("javascript:alert(1)", None),
            ("evil.example", None),
            ("", None),
            (" /intel", None),
            ("/\u{0085}/evil.example", None),
            ("/%C2%85/evil.example", None),
            ("/\u{7f}", None),
        ] {
            assert_eq!(local_path(next).as_deref(), want, "{next:?}");
        }
    }

    #[test]
    fn redirects_never_panic() {
        let r = see_other("/\n/evil.example/");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/");
        let r = see_other("/intel?x=1");
        assert_eq!(r.headers()[header::LOCATION], "/intel?x=1");
    }
}
