//! Every message a Japanese page shows comes from the Fluent bundles: the
//! error paths of the portal walked one by one, each page checked for
//! English sentences and for the domain crates' known English texts.
//! Also the styled 404 (REST and TAXII keep their own bodies) and the
//! e-mail address kept after a refused sign-in.

use axum::http::header;

use crate::support::{PASSWORD, TestApp, hidden};

/// English the domain crates and handlers write for REST and logs; none of
/// it may reach a Japanese page.
const ENGLISH: &[&str] = &[
    "not found",
    "could not be read",
    "nothing was stored",
    "only administrators",
    "choose the TLP",
    "is not an IP",
    "is not a",
    "not permitted",
    "the form expired",
    "expected one of",
    "Documentation address",
    "Private, loopback",
    "Very popular",
    "required",
];

/// The text a reader sees: tags, attribute values and the contents of
/// `<code>` (values as typed) left out.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        let after = &rest[i..];
        let skip_to = if after.starts_with("<code") {
            after.find("</code>").map(|j| j + "</code>".len())
        } else {
            after.find('>').map(|j| j + 1)
        };
        rest = &after[skip_to.unwrap_or(after.len())..];
    }
    out.push_str(rest);
    out
}

/// Three or more lower-case ASCII words in a row: a sentence in English.
fn english_sentence(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let is_word = |w: &str| {
        let w = w.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '(' | ')' | '"'));
        !w.is_empty()
            && w.chars().all(|c| c.is_ascii_alphabetic())
            && w.chars().any(|c| c.is_ascii_lowercase())
    };
    words
        .windows(3)
        .find(|w| w.iter().all(|x| is_word(x)))
        .map(|w| w.join(" "))
}

#[track_caller]
fn japanese_only(what: &str, html: &str) {
    let text = visible_text(html);
    for e in ENGLISH {
        assert!(
            !text.contains(e),
            "{what}: English {e:?} on a Japanese page:\n{text}"
        );
    }
    if let Some(s) = english_sentence(&text) {
        panic!("{what}: English sentence {s:?} on a Japanese page:\n{text}");
    }
    assert!(
        html.contains("<html lang=\"ja\">"),
        "{what}: not a Japanese page"
    );
}

async fn upload(
    app: &TestApp,
    cookie: &str,
    fields: &[(&str, &str)],
    file: &str,
) -> crate::support::Reply {
    app.import_form(cookie, fields, Some(file)).await
}

#[tokio::test]
async fn every_error_a_japanese_page_shows_comes_from_the_bundle() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let viewer = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");

    // An unknown portal address: the styled 404, nothing marked current.
    for cookie in [power.as_str(), ""] {
        let r = app.get("/no/such/page", cookie).await;
        assert_eq!(r.status, 404);
        assert!(r.body.contains("id=\"error-detail\""), "{}", r.body);
        assert!(
            r.body.contains("このアドレスのページはありません"),
            "{}",
            r.body
        );
        assert!(!r.body.contains("aria-current"), "{}", r.body);
        japanese_only("unknown address", &r.body);
    }

    // An object nobody has: 404 in words, not "object not found".
    let r = app
        .get(
            "/intel/objects/indicator--00000000-0000-4000-8000-000000000000",
            &power,
        )
        .await;
    assert_eq!(r.status, 404);
    japanese_only("unknown object", &r.body);

    // A viewer at the administrators' page.
    let r = app.get("/admin/users", &viewer).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("組織の管理者だけ"), "{}", r.body);
    japanese_only("users page as a viewer", &r.body);

    // A form whose CSRF token is wrong.
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", "wrong"),
                ("values", "198.51.100.7"),
                ("tlp", "GREEN"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    japanese_only("expired form", &r.body);

    // Sharing with no TLP chosen, and with an unknown TLP.
    let page = app.get("/intel/share", &power).await;
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", &csrf),
                ("values", "45.32.100.77"),
                ("collection", &col.id),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("「TLP」を選んでください"), "{}", r.body);
    japanese_only("share without TLP", &r.body);
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", &csrf),
                ("values", "45.32.100.77"),
                ("collection", &col.id),
                ("tlp", "PURPLE"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    japanese_only("share with an unknown TLP", &r.body);
    // Nothing to share in the text.
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", &csrf),
                ("values", "これは値ではありません"),
                ("collection", &col.id),
                ("tlp", "GREEN"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    japanese_only("share with no values", &r.body);

    // An import whose lines cannot be read: every line's reason in words.
    let fields = [
        ("csrf", csrf.as_str()),
        ("collection", col.id.as_str()),
        ("format", "csv"),
        ("tlp", "GREEN"),
    ];
    let r = upload(
        &app,
        &power,
        &fields,
        "type,value\nipv4-addr,999.10.1.1\ndomain-name,bad domain\nipv4-addr,45.32.100.77\n",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("999.10.1.1"), "{}", r.body);
    assert!(r.body.contains("IPアドレスでもネットワーク"), "{}", r.body);
    japanese_only("import with unreadable lines", &r.body);
    // A bundle whose objects break the specification.
    let fields = [
        ("csrf", csrf.as_str()),
        ("collection", col.id.as_str()),
        ("format", "stix"),
        ("tlp", "GREEN"),
    ];
    let bundle = r#"{"type":"bundle","id":"bundle--6b2a1d1c-7c8b-4c3e-9a55-3c3b8f5f2d11","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--6b2a1d1c-7c8b-4c3e-9a55-3c3b8f5f2d12","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = ","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}"#;
    let r = upload(&app, &power, &fields, bundle).await;
    assert_eq!(r.status, 422, "{}", r.body);
    japanese_only("bundle with a broken object", &r.body);
    // No format chosen.
    let fields = [
        ("csrf", csrf.as_str()),
        ("collection", col.id.as_str()),
        ("tlp", "GREEN"),
    ];
    let r = upload(&app, &power, &fields, "45.32.100.77\n").await;
    assert_eq!(r.status, 422, "{}", r.body);
    japanese_only("import without a format", &r.body);

    // The built-in warning lists, described in Japanese.
    let r = app.get("/intel/warninglists", &power).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("説明用のアドレス範囲"), "{}", r.body);
    japanese_only("warning lists", &r.body);

    // The same errors in English for a reader who chose English.
    let en = format!("{power}; renkei_lang=en");
    let r = app
        .get("/admin/users", &format!("{viewer}; renkei_lang=en"))
        .await;
    assert!(
        r.body.contains("Only administrators of the organisation"),
        "{}",
        r.body
    );
    let r = app.get("/no/such/page", &en).await;
    assert!(
        r.body.contains("There is no page at this address"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn rest_and_taxii_keep_their_own_bodies_for_unknown_paths() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/no-such-thing", "").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(r.json()["code"], "page-not-found");
    assert!(
        r.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not found"))
    );
    let r = app.get("/taxii2/no-such-root/nothing/", "").await;
    assert_eq!(r.status, 404);
    let ct = r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("application/taxii+json"), "{ct}");
    assert!(r.json()["title"].is_string(), "{}", r.body);
}

#[tokio::test]
async fn a_refused_sign_in_keeps_the_email_typed() {
    let app = TestApp::new().await;
    let page = app.get("/login", "").await;
    let csrf = hidden(&page.body, "csrf");
    let cookie = page
        .cookie("renkei_login_csrf")
        .map(|c| format!("renkei_login_csrf={c}"))
        .unwrap_or_default();
    let r = app
        .post_form(
            "/login",
            &cookie,
            &[
                ("csrf", &csrf),
                ("email", "admin@power.example.jp"),
                ("password", "wrong password"),
            ],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(
        r.body.contains("value=\"admin@power.example.jp\""),
        "{}",
        r.body
    );
    japanese_only("refused sign-in", &r.body);
}

/// The keys (`msg-…`, `error-…`) of every Fluent file of `lang`.
fn bundle_keys(lang: &str) -> std::collections::BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("i18n")
        .join(lang);
    let mut keys = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(dir).expect("i18n dir") {
        let text = std::fs::read_to_string(e.expect("entry").path()).expect("ftl");
        keys.extend(
            text.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
                .filter(|k| !k.starts_with(['#', ' ', '.'])),
        );
    }
    keys
}

/// The error codes written in the domain crates' and the server's sources
/// (tests left out): `with_code("c"`, `code: "c"`, `code: Some("c")`, a
/// line error's first argument and a parse error's second (`refusal`).
fn codes_in_sources() -> std::collections::BTreeSet<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = std::collections::BTreeSet::new();
    for dir in ["renkei-core/src", "renkei-stix/src", "renkei-server/src"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("source dir") {
                let path = e.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.to_string_lossy().into_owned();
                if !name.ends_with(".rs") || name.ends_with("tests.rs") {
                    continue;
                }
                let all = std::fs::read_to_string(&path).expect("source");
                let src = all
                    .split("#[cfg(test)]\nmod tests {")
                    .next()
                    .unwrap_or_default();
                let literal = |rest: &str, nth: usize| {
                    let rest = rest.trim_start();
                    if !rest.starts_with('"') {
                        return None;
                    }
                    rest.split('"').nth(nth).map(str::to_owned)
                };
                for (marker, nth) in [
                    ("with_code(", 1),
                    ("code: ", 1),
                    ("code: Some(", 1),
                    ("LineError::new(", 1),
                    ("refusal(", 3),
                ] {
                    for part in src.split(marker).skip(1) {
                        if let Some(c) = literal(part, nth)
                            && !c.is_empty()
                            && c.bytes()
                                .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
                        {
                            found.insert(c);
                        }
                    }
                }
            }
        }
    }
    found
}

/// Every code an error can carry has a text of its own in both languages:
/// the lists the domain crates publish, and every code written in the
/// sources, so a new code without a message fails here.
#[test]
fn every_error_code_has_a_message_in_both_languages() {
    let written = codes_in_sources();
    for c in [
        "line-time-invalid",
        "port-invalid",
        "admin-only",
        "misp-not-pair",
    ] {
        assert!(written.contains(c), "the walk missed {c}: {written:?}");
    }
    let listed = renkei_core::PARSE_CODES
        .iter()
        .chain(renkei_stix::PARSE_CODES)
        .chain(renkei_stix::lists::LINE_CODES)
        .map(|c| (*c).to_owned());
    let all: std::collections::BTreeSet<String> = written.iter().cloned().chain(listed).collect();
    let mut missing = Vec::new();
    for lang in ["ja", "en"] {
        let keys = bundle_keys(lang);
        for c in &all {
            if !keys.contains(&format!("msg-{c}")) && !keys.contains(&format!("error-{c}")) {
                missing.push(format!("{lang}: {c}"));
            }
        }
    }
    assert!(missing.is_empty(), "codes with no message: {missing:?}");
}
