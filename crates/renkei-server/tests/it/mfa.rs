//! Second factors through the portal: TOTP enrolment and sign-in, replay
//! and wrong codes refused and throttled, recovery codes single use, the
//! organisation's policy sending members to enrol, and a pending sign-in
//! that can use neither the portal nor the API.

use renkei_core::AuditOutcome;
use renkei_store::AuditQuery;
use totp_rs::{Algorithm, Builder, Secret};

use crate::support::{PASSWORD, Reply, TestApp, hidden};

/// The code a phone would show for `secret` at `offset` seconds from now.
fn code(secret: &str, offset: i64) -> String {
    let t = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("totp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    t.generate(now.saturating_add_signed(offset)).to_string()
}

/// A page's text as the browser reads it (minijinja escapes `/` and `&`).
fn unescaped(page: &str) -> String {
    page.replace("&#x2f;", "/").replace("&amp;", "&")
}

/// The base32 secret in an enrolment page's otpauth URI.
fn secret_of(page: &str) -> String {
    let start = page.find("secret=").expect("otpauth URI with a secret") + 7;
    page[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// Recovery codes shown on a page.
fn codes_of(page: &str) -> Vec<String> {
    let start = page.find("id=\"recovery-codes\">").expect("codes") + 20;
    let end = start + page[start..].find("</pre>").expect("end of codes");
    page[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Signs in with the password only; the reply and the pending cookie.
async fn password_step(app: &TestApp, email: &str) -> (Reply, String) {
    let page = app.get("/login", "").await;
    let csrf_cookie = page.cookie("renkei_login_csrf").expect("login csrf cookie");
    let r = app
        .post_form(
            "/login",
            &format!("renkei_login_csrf={csrf_cookie}"),
            &[
                ("email", email),
                ("password", PASSWORD),
                ("csrf", &hidden(&page.body, "csrf")),
                ("next", "/intel"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/login/mfa");
    assert!(
        r.cookie("renkei_session").is_none(),
        "no session before the second factor"
    );
    let pending = r.cookie("renkei_mfa").expect("pending cookie");
    (r, format!("renkei_mfa={pending}"))
}

/// A session's CSRF token, from a page with a form.
async fn session_csrf(app: &TestApp, session: &str) -> String {
    hidden(&app.get("/account/mfa", session).await.body, "csrf")
}

/// Enrols TOTP from a session; returns the secret and the recovery codes.
async fn enrol_totp(app: &TestApp, session: &str) -> (String, Vec<String>) {
    let csrf = session_csrf(app, session).await;
    let page = app
        .post_form("/account/mfa/totp/start", session, &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "a QR code");
    assert!(unescaped(&page.body).contains("otpauth://totp/renkei:"));
    let secret = secret_of(&page.body);
    let wrong = app
        .post_form(
            "/account/mfa/totp",
            session,
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, 422, "a wrong code does not confirm");
    let ok = app
        .post_form(
            "/account/mfa/totp",
            session,
            &[("csrf", &csrf), ("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let codes = codes_of(&ok.body);
    assert_eq!(
        codes.len(),
        10,
        "recovery codes shown with the first factor"
    );
    (secret, codes)
}

async fn post_code(app: &TestApp, path: &str, pending: &str, code: &str) -> Reply {
    let page = app.get("/login/mfa", pending).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    app.post_form(path, pending, &[("csrf", &csrf), ("code", code)])
        .await
}

fn session_of(r: &Reply) -> String {
    format!(
        "renkei_session={}",
        r.cookie("renkei_session").expect("session cookie")
    )
}

#[tokio::test]
async fn totp_signs_in_after_the_password_and_a_code_works_once() {
    let app = TestApp::new().await;
    let email = app.power_viewer.email.to_string();
    let session = app.login(&email, PASSWORD).await.expect("login");
    let (secret, _) = enrol_totp(&app, &session).await;

    let (_, pending) = password_step(&app, &email).await;
    // The pending sign-in reads nothing: not the portal, not the API.
    let home = app.get("/intel", &pending).await;
    assert_eq!(home.status, 303);
    assert!(home.location().starts_with("/login"), "{}", home.location());
    let me = app.get("/api/v1/me", &pending).await;
    assert_eq!(me.status, 401, "{}", me.body);
    let mfa_page = app.get("/account/mfa", &pending).await;
    assert_eq!(mfa_page.status, 303, "settings need a session");

    let wrong = post_code(&app, "/login/mfa/totp", &pending, "123456").await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert!(wrong.body.contains("id=\"mfa-error\""));
    assert!(wrong.cookie("renkei_session").is_none());

    // The next step's code (the enrolment used this step's).
    let next = code(&secret, 30);
    let ok = post_code(&app, "/login/mfa/totp", &pending, &next).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location(), "/intel");
    let signed_in = session_of(&ok);
    let me = app.get("/api/v1/me", &signed_in).await;
    assert_eq!(me.status, 200, "{}", me.body);
    // The pending sign-in is over: its cookie leads back to the password.
    let again = app.get("/login/mfa", &pending).await;
    assert_eq!(again.status, 303);
    assert_eq!(again.location(), "/login");

    // The same code again (a replay within its window) is refused.
    let (_, pending) = password_step(&app, &email).await;
    let replay = post_code(&app, "/login/mfa/totp", &pending, &next).await;
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.cookie("renkei_session").is_none());

    let log = app
        .store
        .list_audit(
            &renkei_core::Actor::system("test"),
            AuditQuery {
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .await
        .expect("audit");
    let has = |action: &str, outcome: AuditOutcome| {
        log.iter()
            .any(|e| e.action == action && e.outcome == outcome)
    };
    assert!(has("mfa.totp.enrol", AuditOutcome::Ok));
    assert!(has("mfa.recovery.new", AuditOutcome::Ok));
    assert!(has("mfa.pending", AuditOutcome::Ok));
    assert!(has("mfa.verify", AuditOutcome::Ok));
    assert!(has("mfa.verify", AuditOutcome::Failed));
    assert!(
        log.iter()
            .any(|e| e.action == "login" && e.detail == "second factor: totp")
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::new().await;
    let email = app.power_viewer.email.to_string();
    let session = app.login(&email, PASSWORD).await.expect("login");
    let (_, codes) = enrol_totp(&app, &session).await;

    let (_, pending) = password_step(&app, &email).await;
    let typed = codes[4].to_lowercase().replace('-', " ");
    let ok = post_code(&app, "/login/mfa/recovery", &pending, &typed).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location(), "/account/mfa?ok=recovery-used");
    let settings = app.get("/account/mfa", &session_of(&ok)).await;
    assert!(settings.body.contains("id=\"recovery-left\""));
    assert!(settings.body.contains(": 9"), "{}", settings.body);

    let (_, pending) = password_step(&app, &email).await;
    let reuse = post_code(&app, "/login/mfa/recovery", &pending, &codes[4]).await;
    assert_eq!(reuse.status, 401, "a recovery code works once");
    assert!(reuse.cookie("renkei_session").is_none());
    // Another, unused code still works.
    let other = post_code(&app, "/login/mfa/recovery", &pending, &codes[5]).await;
    assert_eq!(other.status, 303, "{}", other.body);
}

#[tokio::test]
async fn wrong_codes_end_the_pending_sign_in_and_then_throttle_the_user() {
    let app = TestApp::new().await;
    let email = app.power_viewer.email.to_string();
    let session = app.login(&email, PASSWORD).await.expect("login");
    let (secret, _) = enrol_totp(&app, &session).await;

    // A form without this pending sign-in's token changes nothing.
    let (_, pending) = password_step(&app, &email).await;
    let forged = app
        .post_form(
            "/login/mfa/totp",
            &pending,
            &[("csrf", "forged"), ("code", &code(&secret, 30))],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.cookie("renkei_session").is_none());
    // A passkey answer that was never asked for is refused.
    let page = app.get("/login/mfa", &pending).await;
    let csrf = hidden(&page.body, "csrf");
    let pk = app
        .post_form(
            "/login/mfa/passkey",
            &pending,
            &[("csrf", &csrf), ("credential", "{}")],
        )
        .await;
    assert_eq!(pk.status, 401, "{}", pk.body);

    // Five wrong answers in all end this pending sign-in.
    for _ in 0..4 {
        let r = post_code(&app, "/login/mfa/totp", &pending, "000000").await;
        assert_eq!(r.status, 401);
    }
    let gone = app.get("/login/mfa", &pending).await;
    assert_eq!(gone.status, 303);
    assert_eq!(gone.location(), "/login");
    let late = app
        .post_form(
            "/login/mfa/totp",
            &pending,
            &[("csrf", &csrf), ("code", &code(&secret, 30))],
        )
        .await;
    assert_eq!(late.status, 303, "back to the password");
    assert!(late.cookie("renkei_session").is_none());

    // Five more on a new pending sign-in reach the user's limit (10 in 15
    // minutes): then even the right code is refused for a while.
    let (_, pending) = password_step(&app, &email).await;
    for _ in 0..4 {
        let r = post_code(&app, "/login/mfa/recovery", &pending, "0000-0000-0000-0000").await;
        assert_eq!(r.status, 401);
    }
    let (_, pending) = password_step(&app, &email).await;
    let r = post_code(&app, "/login/mfa/totp", &pending, "000000").await;
    assert_eq!(r.status, 401);
    let held = post_code(&app, "/login/mfa/totp", &pending, &code(&secret, 30)).await;
    assert_eq!(held.status, 429, "{}", held.body);
    assert!(held.cookie("renkei_session").is_none());
}

#[tokio::test]
async fn an_organisation_requiring_mfa_sends_members_to_enrol_before_any_session() {
    let app = TestApp::new().await;
    let admin = app
        .login(&app.power_admin.email.to_string(), PASSWORD)
        .await
        .expect("admin login");
    let viewer_email = app.power_viewer.email.to_string();
    let viewer = app.login(&viewer_email, PASSWORD).await.expect("login");

    // Only the organisation's administrators set its policy.
    let csrf = session_csrf(&app, &viewer).await;
    let refused = app
        .post_form(
            "/account/mfa/policy",
            &viewer,
            &[
                ("csrf", &csrf),
                ("org_id", &app.power.id.0.to_string()),
                ("required", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let csrf = session_csrf(&app, &admin).await;
    let other_org = app
        .post_form(
            "/account/mfa/policy",
            &admin,
            &[
                ("csrf", &csrf),
                ("org_id", &app.nco.id.0.to_string()),
                ("required", "1"),
            ],
        )
        .await;
    assert_eq!(other_org.status, 403, "another organisation's policy");
    assert!(!app.store.mfa_required(app.nco.id).await.expect("policy"));
    let set = app
        .post_form(
            "/account/mfa/policy",
            &admin,
            &[
                ("csrf", &csrf),
                ("org_id", &app.power.id.0.to_string()),
                ("required", "1"),
            ],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    assert!(app.store.mfa_required(app.power.id).await.expect("policy"));

    // The member has no factor: after the password, enrolment, no session.
    let (_, pending) = password_step(&app, &viewer_email).await;
    let page = app.get("/login/mfa", &pending).await;
    assert!(page.body.contains("id=\"enrol-totp\""), "{}", page.body);
    assert_eq!(app.get("/api/v1/me", &pending).await.status, 401);
    let csrf = hidden(&page.body, "csrf");
    // Codes are not what an enrolling sign-in gives.
    let no = app
        .post_form(
            "/login/mfa/totp",
            &pending,
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(no.status, 401);
    let start = app
        .post_form("/login/mfa/enrol/totp/start", &pending, &[("csrf", &csrf)])
        .await;
    assert_eq!(start.status, 200, "{}", start.body);
    let secret = secret_of(&start.body);
    let done = app
        .post_form(
            "/login/mfa/enrol/totp",
            &pending,
            &[("csrf", &csrf), ("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(codes_of(&done.body).len(), 10);
    assert!(
        unescaped(&done.body).contains("href=\"/intel\""),
        "continue to next"
    );
    let me = app.get("/api/v1/me", &session_of(&done)).await;
    assert_eq!(me.status, 200, "{}", me.body);

    // With the policy on, the last factor cannot be removed.
    let session = session_of(&done);
    let csrf = session_csrf(&app, &session).await;
    let remove = app
        .post_form("/account/mfa/totp/remove", &session, &[("csrf", &csrf)])
        .await;
    assert_eq!(remove.status, 409, "{}", remove.body);
    assert!(remove.body.contains("id=\"mfa-error\""));

    // A lost device: the administrator resets the member's factors (not
    // those of another organisation's users), and the member enrols again.
    let viewer_id = app.power_viewer.id.0.to_string();
    let csrf = session_csrf(&app, &admin).await;
    let foreign = app
        .post_form(
            "/account/mfa/reset",
            &admin,
            &[
                ("csrf", &csrf),
                ("user_id", &app.nco_admin.id.0.to_string()),
            ],
        )
        .await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    let admin_page = app.get("/account/mfa", &admin).await;
    assert!(admin_page.body.contains("id=\"reset-user\""));
    let csrf = hidden(&admin_page.body, "csrf");
    let reset = app
        .post_form(
            "/account/mfa/reset",
            &admin,
            &[("csrf", &csrf), ("user_id", &viewer_id)],
        )
        .await;
    assert_eq!(reset.status, 303, "{}", reset.body);
    let (_, pending) = password_step(&app, &viewer_email).await;
    let page = app.get("/login/mfa", &pending).await;
    assert!(page.body.contains("id=\"enrol-totp\""), "enrols again");
}

#[tokio::test]
async fn http_basic_is_refused_to_accounts_that_need_a_second_factor() {
    use base64::Engine;
    let app = TestApp::new().await;
    let email = app.power_viewer.email.to_string();
    let basic = |email: &str| {
        let creds = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{PASSWORD}"));
        axum::http::Request::get("/api/v1/me")
            .header("authorization", format!("Basic {creds}"))
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let session = app.login(&email, PASSWORD).await.expect("login");
    enrol_totp(&app, &session).await;
    let r = app.send(basic(&email)).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("second factor"), "{}", r.body);
    let r = app.send(basic(&app.power_admin.email.to_string())).await;
    assert_eq!(
        r.status, 200,
        "an account without a second factor still may"
    );
}
