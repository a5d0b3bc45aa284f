//! What an outside probe of the web surface found (issue 15, findings 6,
//! 7 and 9): redirects, CSRF on cookie-authenticated REST writes, JSON
//! media types, `/metrics`, foreign collections, CSV exports, cookies.

use crate::support::{PASSWORD, TestApp, hidden};

/// Where a `next` parameter may lead: only to a path on this server, and
/// no `next` makes the handler fail.
const HOSTILE_NEXT: [&str; 13] = [
    "/%09/evil.example/",
    "/%0A/evil.example/",
    "/%0a",
    "/%0D%0ASet-Cookie:%20x=1",
    "/%250A/evil.example/",
    "/%5C/evil.example/",
    "/%2F%2Fx",
    "//x",
    "/%5Cx",
    "https://x",
    "https:%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "/%C2%85/evil.example",
];

/// The exact input: a line break in `next` made the handler
/// panic building its `Location` header (500).
#[tokio::test]
async fn a_line_break_in_next_is_not_a_panic() {
    let app = TestApp::new().await;
    for path in [
        "/lang/en?next=/%0A",
        "/lang/ja?next=/%0Aevil",
        "/login?next=/%0A",
    ] {
        let r = app.get(path, "").await;
        assert!(matches!(r.status, 200 | 303), "{path}: {}", r.status);
        assert!(!r.location().contains('\n'), "{path}");
    }
}

#[tokio::test]
async fn language_switch_redirects_only_to_local_paths_and_never_panics() {
    let app = TestApp::new().await;
    for next in HOSTILE_NEXT {
        let r = app.get(&format!("/lang/en?next={next}"), "").await;
        assert_eq!((r.status, r.location()), (303, "/"), "next={next}");
    }
    let r = app.get("/lang/en?next=/intel/search%3Fq%3Devil", "").await;
    assert_eq!((r.status, r.location()), (303, "/intel/search?q=evil"));
    // `\t` and `\` raw in the query, as a hand-made request may carry them.
    for raw in ["/lang/en?next=/\\x", "/lang/en?next=/%20/x"] {
        let r = app.get(raw, "").await;
        assert_eq!(r.status, 303, "{raw}");
        assert!(!r.location().starts_with("//"), "{raw}: {}", r.location());
    }
}

#[tokio::test]
async fn sign_in_next_redirects_only_to_local_paths_and_never_panics() {
    let app = TestApp::new().await;
    for next in HOSTILE_NEXT.iter().chain(&["/%09/evil.example/"]) {
        // The sign-in page carries `next` into its form unharmed…
        let page = app.get(&format!("/login?next={next}"), "").await;
        assert_eq!(page.status, 200, "next={next}");
        assert_eq!(unescape(&hidden(&page.body, "next")), "/", "next={next}");
        // …and a form posted with it anyway leads home.
        let csrf_cookie = page.cookie("renkei_login_csrf").expect("csrf cookie");
        let decoded = percent_decode(next);
        let r = app
            .post_form(
                "/login",
                &format!("renkei_login_csrf={csrf_cookie}"),
                &[
                    ("email", "admin@power.example.jp"),
                    ("password", PASSWORD),
                    ("csrf", &hidden(&page.body, "csrf")),
                    ("next", &decoded),
                ],
            )
            .await;
        assert_eq!((r.status, r.location()), (303, "/"), "next={decoded:?}");
    }
    // A local path is kept.
    let page = app.get("/login?next=/intel", "").await;
    assert_eq!(unescape(&hidden(&page.body, "next")), "/intel");
}

/// An attribute value as the browser reads it (minijinja escapes `/`).
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
