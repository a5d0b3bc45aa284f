//! Account lifecycle over HTTP, on SQLite and PostgreSQL: revoking tokens,
//! deactivating users, ending sessions and memberships, changing and
//! resetting passwords; each effective on the next request.

use renkei_core::{AuditOutcome, Role};
use renkei_store::AuditQuery;
use serde_json::json;

use crate::support::{PASSWORD, TestApp, every_backend, hidden};

const NCO: (&str, &str) = ("admin@nco.example.jp", PASSWORD);
const POWER_ADMIN: (&str, &str) = ("admin@power.example.jp", PASSWORD);
const POWER_VIEWER: (&str, &str) = ("viewer@power.example.jp", PASSWORD);

async fn audit_of(app: &TestApp, action: &str) -> Vec<renkei_core::AuditEntry> {
    let q = AuditQuery {
        limit: 500,
        ..AuditQuery::default()
    };
    let log = app
        .store
        .list_audit(&renkei_core::Actor::system("t"), q)
        .await
        .expect("audit");
    log.into_iter().filter(|e| e.action == action).collect()
}

/// A page's CSRF token (the session's), from any signed-in page.
async fn csrf(app: &TestApp, cookie: &str) -> String {
    hidden(&app.get("/account", cookie).await.body, "csrf")
}

#[tokio::test]
async fn a_revoked_token_is_refused_on_its_next_request() {
    for (db, app) in every_backend().await {
        let t = app
            .basic(
                "POST",
                "/api/v1/tokens",
                POWER_ADMIN,
                Some(json!({"name": "feed", "role": "viewer"})),
                None,
            )
            .await;
        assert_eq!(t.status, 201, "{db}: {}", t.body);
        let (id, secret) = (t.json()["id"].clone(), t.json()["secret"].clone());
        let secret = secret.as_str().expect("secret").to_owned();
        assert_eq!(
            app.api("GET", "/api/v1/me", Some(&secret), None)
                .await
                .status,
            200
        );

        // Another organisation's administrator: the same answer as for no token.
        let path = format!("/api/v1/tokens/{id}/revoke");
        let other = app.basic("POST", &path, NCO, None, None).await;
        assert_eq!(other.status, 200, "{db}: the platform administrator may");
        let again = app.basic("POST", &path, POWER_ADMIN, None, None).await;
        assert_eq!(again.status, 404, "{db}: already revoked");
        let me = app.api("GET", "/api/v1/me", Some(&secret), None).await;
        assert_eq!(me.status, 401, "{db}: refused on the next request");

        // A second token, and someone who may not revoke it.
        let t = app
            .basic(
                "POST",
                "/api/v1/tokens",
                POWER_ADMIN,
                Some(json!({"name": "feed2", "role": "viewer"})),
                None,
            )
            .await;
        let id = t.json()["id"].clone();
        let path = format!("/api/v1/tokens/{id}/revoke");
        let viewer = app.basic("POST", &path, POWER_VIEWER, None, None).await;
        assert_eq!(viewer.status, 404, "{db}: {}", viewer.body);
        let unknown = app
            .basic(
                "POST",
                "/api/v1/tokens/999999/revoke",
                POWER_ADMIN,
                None,
                None,
            )
            .await;
        assert_eq!(unknown.status, 404);
        let log = audit_of(&app, "token.revoke").await;
        assert!(log.iter().any(|e| e.outcome == AuditOutcome::Denied));
        assert!(log.iter().any(|e| e.outcome == AuditOutcome::Ok));
    }
}

#[tokio::test]
async fn a_deactivated_user_loses_sessions_tokens_and_basic_access_at_once() {
    for (db, app) in every_backend().await {
        let cookie = app
            .login(POWER_ADMIN.0, PASSWORD)
            .await
            .expect("power admin signs in");
        let t = app
            .basic(
                "POST",
                "/api/v1/tokens",
                POWER_ADMIN,
                Some(json!({"name": "admin's feed", "role": "viewer"})),
                None,
            )
            .await;
        let secret = t.json()["secret"].as_str().expect("secret").to_owned();
        // Resolved and cached: Basic, the token, the session.
        assert_eq!(
            app.basic("GET", "/api/v1/me", POWER_ADMIN, None, None)
                .await
                .status,
            200
        );
        assert_eq!(
            app.api("GET", "/api/v1/me", Some(&secret), None)
                .await
                .status,
            200
        );
        assert_eq!(app.get("/account", &cookie).await.status, 200);

        let id = app.power_admin.id;
        let r = app
            .basic(
                "POST",
                &format!("/api/v1/users/{id}/deactivate"),
                NCO,
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{db}: {}", r.body);
        assert_eq!(r.json()["active"], false);

        let page = app.get("/account", &cookie).await;
        assert_eq!(
            (page.status, page.location()),
            (303, "/login?next=/account"),
            "{db}"
        );
        assert_eq!(
            app.api("GET", "/api/v1/me", Some(&secret), None)
                .await
                .status,
            401,
            "{db}"
        );
        assert_eq!(
            app.basic("GET", "/api/v1/me", POWER_ADMIN, None, None)
                .await
                .status,
            401,
            "{db}"
        );
        assert!(app.login(POWER_ADMIN.0, PASSWORD).await.is_err(), "{db}");

        // Reactivated: the token and Basic work again; the old session does not.
        let r = app
            .basic(
                "POST",
                &format!("/api/v1/users/{id}/reactivate"),
                NCO,
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{db}: {}", r.body);
        assert_eq!(
            app.api("GET", "/api/v1/me", Some(&secret), None)
                .await
                .status,
            200
        );
        assert_eq!(
            app.basic("GET", "/api/v1/me", POWER_ADMIN, None, None)
                .await
                .status,
            200
        );
        assert_eq!(app.get("/account", &cookie).await.status, 303);

        // Who may: not oneself, not a viewer; another organisation's users
        // are as unknown as users that do not exist.
        let path = format!("/api/v1/users/{id}/deactivate");
        let r = app.basic("POST", &path, POWER_ADMIN, None, None).await;
        assert_eq!(r.status, 409, "{db}: not oneself: {}", r.body);
        let path = format!("/api/v1/users/{}/deactivate", app.power_viewer.id);
        let r = app.basic("POST", &path, POWER_VIEWER, None, None).await;
        assert_eq!(r.status, 404, "{db}: {}", r.body);
        let nco_admin = app.nco_admin.id;
        let path = format!("/api/v1/users/{nco_admin}/deactivate");
        let r = app.basic("POST", &path, POWER_ADMIN, None, None).await;
        assert_eq!(r.status, 404, "{db}: {}", r.body);
    }
}

#[tokio::test]
async fn sessions_are_listed_and_ended_one_or_all() {
    for (db, app) in every_backend().await {
        let first = app.login(POWER_VIEWER.0, PASSWORD).await.expect("login");
        let second = app.login(POWER_VIEWER.0, PASSWORD).await.expect("login");
        let id = app.power_viewer.id;
        let list = app
            .basic(
                "GET",
                &format!("/api/v1/users/{id}/sessions"),
                POWER_ADMIN,
                None,
                None,
            )
            .await;
        assert_eq!(list.status, 200, "{db}: {}", list.body);
        let sessions = list.json();
        assert_eq!(sessions.as_array().map(Vec::len), Some(2));

        // From the account page: sign out everywhere else.
        let token = csrf(&app, &first).await;
        let r = app
            .post_form("/account/sessions/end-others", &first, &[("csrf", &token)])
            .await;
        assert_eq!(
            (r.status, r.location()),
            (303, "/account?ok=sessions-ended")
        );
        assert_eq!(app.get("/account", &first).await.status, 200, "{db}");
        assert_eq!(app.get("/account", &second).await.status, 303, "{db}");

        // One session by its id, by an administrator.
        let list = app
            .basic(
                "GET",
                &format!("/api/v1/users/{id}/sessions"),
                POWER_ADMIN,
                None,
                None,
            )
            .await;
        let sid = list.json()[0]["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/users/{id}/sessions/{sid}/end");
        let r = app.basic("POST", &path, POWER_ADMIN, None, None).await;
        assert_eq!(
            (r.status, r.json()["ended"].clone()),
            (200, json!(1)),
            "{db}"
        );
        assert_eq!(app.get("/account", &first).await.status, 303, "{db}");
        // The other organisation's administrator does not see them.
        let nco_id = app.nco_admin.id;
        let r = app
            .basic(
                "GET",
                &format!("/api/v1/users/{nco_id}/sessions"),
                POWER_ADMIN,
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 404);
    }
}

#[tokio::test]
async fn the_users_page_deactivates_only_with_the_forms_csrf_token() {
    let app = TestApp::new().await;
    let cookie = app.login(POWER_ADMIN.0, PASSWORD).await.expect("login");
    let victim = app.login(POWER_VIEWER.0, PASSWORD).await.expect("login");
    let id = app.power_viewer.id;
    let path = format!("/admin/users/{id}/deactivate");
    let r = app.post_form(&path, &cookie, &[("csrf", "forged")]).await;
    assert_eq!(r.status, 403);
    assert!(
        app.store
            .get_user(app.power_viewer.id)
            .await
            .expect("u")
            .active
    );

    let page = app.get("/admin/users", &cookie).await;
    assert!(page.body.contains(&format!("id=\"deactivate-{id}\"")));
    assert!(
        !page
            .body
            .contains(&format!("id=\"deactivate-{}\"", app.power_admin.id)),
        "no button to deactivate oneself"
    );
    let token = hidden(&page.body, "csrf");
    let org = app.power.id.to_string();
    let r = app
        .post_form(&path, &cookie, &[("csrf", &token), ("org_id", &org)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().starts_with("/admin/users?ok=user-deactivated"));
    assert_eq!(
        app.get("/", &victim).await.status,
        303,
        "signed out at once"
    );
    let page = app.get(r.location(), &cookie).await;
    assert!(page.body.contains(&format!("id=\"reactivate-{id}\"")));

    // A reset link for the administrator's colleague is shown once.
    let token = hidden(&page.body, "csrf");
    let r = app
        .post_form(
            &format!("/admin/users/{id}/reactivate"),
            &cookie,
            &[("csrf", &token), ("org_id", &org)],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = app
        .post_form(
            &format!("/admin/users/{id}/password-reset"),
            &cookie,
            &[("csrf", &token), ("org_id", &org)],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"reset-url\""), "{}", r.body);
    assert!(r.body.contains("&#x2f;reset&#x2f;"), "the link, escaped");
}

#[tokio::test]
async fn a_password_change_checks_the_current_one_names_the_field_and_ends_other_sessions() {
    for (db, app) in every_backend().await {
        let here = app.login(POWER_VIEWER.0, PASSWORD).await.expect("login");
        let elsewhere = app.login(POWER_VIEWER.0, PASSWORD).await.expect("login");
        // Basic credentials cached before the change.
        assert_eq!(
            app.basic("GET", "/api/v1/me", POWER_VIEWER, None, None)
                .await
                .status,
            200
        );
        let token = csrf(&app, &here).await;
        let change = |current: &'static str, new: &'static str, confirm: &'static str| {
            let (app, here, token) = (&app, &here, &token);
            async move {
                app.post_form(
                    "/account/password",
                    here,
                    &[
                        ("csrf", token),
                        ("current_password", current),
                        ("new_password", new),
                        ("confirm_password", confirm),
                    ],
                )
                .await
            }
        };
        let r = change(PASSWORD, "short", "short").await;
        assert_eq!(r.status, 422, "{db}");
        assert!(r.body.contains("aria-invalid=\"true\""));
        assert!(
            r.body.contains("12文字以上"),
            "Japanese message: {}",
            r.body
        );
        let r = change(PASSWORD, "a new pass phrase", "a new pass phrasX").await;
        assert_eq!(r.status, 422);
        let r = change("not my password", "a new pass phrase", "a new pass phrase").await;
        assert_eq!(r.status, 422, "{db}");
        assert!(r.body.contains("name=\"current_password\" type=\"password\" autocomplete=\"current-password\" required aria-invalid=\"true\""));
        let r = change(PASSWORD, "a new pass phrase", "a new pass phrase").await;
        assert_eq!(
            (r.status, r.location()),
            (303, "/account?ok=password-changed"),
            "{db}: {}",
            r.body
        );

        assert_eq!(
            app.get("/account", &here).await.status,
            200,
            "{db}: this session stays"
        );
        assert_eq!(
            app.get("/account", &elsewhere).await.status,
            303,
            "{db}: others end"
        );
        assert_eq!(
            app.basic("GET", "/api/v1/me", POWER_VIEWER, None, None)
                .await
                .status,
            401,
            "{db}: the old password no longer works over Basic, cached or not"
        );
        assert!(app.login(POWER_VIEWER.0, PASSWORD).await.is_err());
        assert!(app.login(POWER_VIEWER.0, "a new pass phrase").await.is_ok());

        // REST: field-named errors.
        let creds = (POWER_VIEWER.0, "a new pass phrase");
        let body = json!({"current_password": "a new pass phrase", "new_password": "tiny"});
        let r = app
            .basic("POST", "/api/v1/me/password", creds, Some(body), None)
            .await;
        assert_eq!(
            (r.status, r.json()["field"].clone()),
            (422, json!("new_password"))
        );
        let body =
            json!({"current_password": "wrong wrong wrong", "new_password": "another pass phrase"});
        let r = app
            .basic("POST", "/api/v1/me/password", creds, Some(body), None)
            .await;
        assert_eq!(
            (r.status, r.json()["field"].clone()),
            (422, json!("current_password"))
        );
        let body =
            json!({"current_password": "a new pass phrase", "new_password": "another pass phrase"});
        let r = app
            .basic("POST", "/api/v1/me/password", creds, Some(body), None)
            .await;
        assert_eq!(r.status, 204, "{db}: {}", r.body);
        assert_eq!(audit_of(&app, "user.password").await.len(), 2);
    }
}

#[tokio::test]
async fn a_reset_link_works_once_and_ends_every_session() {
    for (db, app) in every_backend().await {
        let victim = app.login(POWER_VIEWER.0, PASSWORD).await.expect("login");
        let id = app.power_viewer.id;
        let r = app
            .basic(
                "POST",
                &format!("/api/v1/users/{id}/password-reset"),
                POWER_ADMIN,
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 201, "{db}: {}", r.body);
        let url = r.json()["url"].as_str().expect("url").to_owned();
        let path = url.trim_start_matches("http://localhost");
        assert!(path.starts_with("/reset/"), "{url}");
        let page = app.get(path, "").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(POWER_VIEWER.0));

        let form =
            |a: &'static str, b: &'static str| [("new_password", a), ("confirm_password", b)];
        let r = app
            .post_form(path, "", &form("a fresh pass phrase", "different"))
            .await;
        assert_eq!(r.status, 422);
        let r = app
            .post_form(
                path,
                "",
                &form("a fresh pass phrase", "a fresh pass phrase"),
            )
            .await;
        assert_eq!(
            (r.status, r.location()),
            (303, "/login?reset=1"),
            "{db}: {}",
            r.body
        );
        assert_eq!(
            app.get("/", &victim).await.status,
            303,
            "{db}: sessions ended"
        );
        assert!(
            app.login(POWER_VIEWER.0, "a fresh pass phrase")
                .await
                .is_ok()
        );

        // Once only.
        let r = app
            .post_form(path, "", &form("yet another phrase", "yet another phrase"))
            .await;
        assert_eq!(r.status, 404, "{db}");
        assert!(
            app.login(POWER_VIEWER.0, "a fresh pass phrase")
                .await
                .is_ok()
        );
        // Another organisation's administrator cannot issue one.
        let r = app
            .basic(
                "POST",
                &format!("/api/v1/users/{}/password-reset", app.nco_admin.id),
                POWER_ADMIN,
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 404);
    }
}

#[tokio::test]
async fn refused_callers_spend_no_argon2() {
    let app = TestApp::new().await;
    let before = app.state.passwords.computed();
    let body = json!({
        "email": "new@power.example.jp", "display_name": "new",
        "role": "viewer", "password": "long enough password"
    });
    let token = app.token(&app.power, Role::Reporter).await;
    let r = app
        .api("POST", "/api/v1/users", Some(&token), Some(body))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        app.state.passwords.computed(),
        before,
        "no hash for a refused caller"
    );
    let denied = audit_of(&app, "user.create").await;
    assert!(denied.iter().any(|e| e.outcome == AuditOutcome::Denied));
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_real_user_out() {
    for (db, app) in every_backend().await {
        let attacker = Some("198.51.100.7");
        for _ in 0..5 {
            let r = app
                .login_from(POWER_ADMIN.0, "guess guess guess", attacker)
                .await
                .expect_err("wrong");
            assert_eq!(r.status, 401, "{db}");
        }
        let r = app
            .login_from(POWER_ADMIN.0, PASSWORD, attacker)
            .await
            .expect_err("the attacker's address waits, even with the right password");
        assert_eq!(r.status, 429, "{db}");
        // TAXII clients over Basic from there wait too.
        let r = app
            .basic(
                "GET",
                "/api/v1/me",
                ("admin@power.example.jp", "guess guess guess"),
                None,
                attacker,
            )
            .await;
        assert_eq!(r.status, 429, "{db}");
        // The administrator, elsewhere, signs in and their TAXII client works.
        assert!(
            app.login_from(POWER_ADMIN.0, PASSWORD, Some("203.0.113.5"))
                .await
                .is_ok(),
            "{db}: not locked out by someone else"
        );
        let r = app
            .basic(
                "GET",
                "/api/v1/me",
                POWER_ADMIN,
                None,
                Some("2001:db8:5::1"),
            )
            .await;
        assert_eq!(r.status, 200, "{db}");
    }
}

#[tokio::test]
async fn sign_in_fails_closed_when_the_store_fails() {
    // A store error reading the account is an error, never "wrong password".
    let app = TestApp::new().await;
    app.exec_sql("ALTER TABLE users RENAME TO users_gone").await;
    let r = app
        .login(POWER_ADMIN.0, PASSWORD)
        .await
        .expect_err("refused");
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(!r.body.contains("login-error"), "{}", r.body);

    // A throttling write that fails refuses the attempt, right password or not.
    let app = TestApp::new().await;
    app.break_writes("sign_in_accounts", "INSERT").await;
    let r = app
        .login(POWER_ADMIN.0, PASSWORD)
        .await
        .expect_err("refused");
    assert_eq!(r.status, 500, "{}", r.body);
    let r = app
        .basic("GET", "/api/v1/me", POWER_ADMIN, None, None)
        .await;
    assert_eq!(r.status, 500);

    // No session starts unaudited.
    let app = TestApp::new().await;
    app.break_writes("audit_log", "INSERT").await;
    let r = app
        .login(POWER_ADMIN.0, PASSWORD)
        .await
        .expect_err("refused");
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(r.cookie("renkei_session").is_none());
}

#[tokio::test]
async fn a_sign_out_that_cannot_end_the_session_says_so() {
    let app = TestApp::new().await;
    let cookie = app.login(POWER_ADMIN.0, PASSWORD).await.expect("login");
    let token = csrf(&app, &cookie).await;
    app.break_writes("sessions", "UPDATE").await;
    let r = app.post_form("/logout", &cookie, &[("csrf", &token)]).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.cookie("renkei_session").is_none(), "the cookie stays");
    assert_eq!(
        app.get("/account", &cookie).await.status,
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn a_platform_administrator_ends_a_membership_and_it_applies_at_once() {
    for (db, app) in every_backend().await {
        let (council, _) = app.council().await;
        let token = app.token(&app.power, Role::Viewer).await;
        let me = app.api("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(me.json()["communities"], json!([council.id.0]));
        let m = app
            .store
            .list_memberships(Some(council.id))
            .await
            .expect("m")
            .into_iter()
            .find(|m| m.org == app.power.id)
            .expect("membership");
        let path = format!("/api/v1/memberships/{}/end", m.id);
        assert_eq!(
            app.basic("POST", &path, POWER_ADMIN, None, None)
                .await
                .status,
            403
        );
        let r = app.basic("POST", &path, NCO, None, None).await;
        assert_eq!(r.status, 200, "{db}: {}", r.body);
        assert!(r.json()["ended_at"].is_string());
        let me = app.api("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(me.json()["communities"], json!([]), "{db}");

        // The portal's button, for the coordinator's own membership.
        let cookie = app.login(NCO.0, PASSWORD).await.expect("login");
        let page = app.get("/admin/communities", &cookie).await;
        let nco_m = app
            .store
            .list_memberships(Some(council.id))
            .await
            .expect("m")
            .into_iter()
            .find(|m| m.org == app.nco.id && m.ended_at.is_none())
            .expect("membership");
        assert!(
            page.body
                .contains(&format!("id=\"end-membership-{}\"", nco_m.id))
        );
        let token = hidden(&page.body, "csrf");
        let r = app
            .post_form(
                &format!("/admin/memberships/{}/end", nco_m.id),
                &cookie,
                &[("csrf", &token)],
            )
            .await;
        assert_eq!(
            (r.status, r.location()),
            (303, "/admin/communities?ok=membership-ended")
        );
    }
}

#[tokio::test]
async fn the_tokens_page_shows_a_new_secret_once_and_revokes() {
    let app = TestApp::new().await;
    let cookie = app.login(POWER_ADMIN.0, PASSWORD).await.expect("login");
    let page = app.get("/admin/tokens", &cookie).await;
    assert_eq!(page.status, 200);
    let token = hidden(&page.body, "csrf");
    let org = app.power.id.to_string();
    let r = app
        .post_form(
            "/admin/tokens",
            &cookie,
            &[
                ("csrf", &token),
                ("org_id", &org),
                ("name", "taxii"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let secret = r
        .body
        .split("id=\"token-secret\" readonly value=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .expect("secret shown")
        .to_owned();
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&secret), None)
            .await
            .status,
        200
    );
    let again = app.get("/admin/tokens", &cookie).await;
    assert!(!again.body.contains(&secret), "shown once");
    let t = app
        .store
        .list_api_tokens(app.power.id)
        .await
        .expect("t")
        .into_iter()
        .find(|t| t.name == "taxii")
        .expect("token");
    let r = app
        .post_form(
            &format!("/admin/tokens/{}/revoke", t.id),
            &cookie,
            &[("csrf", &token), ("org_id", &org)],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (
            303,
            format!("/admin/tokens?ok=token-revoked&org={org}").as_str()
        )
    );
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&secret), None)
            .await
            .status,
        401
    );
    // A viewer has no tokens page.
    let viewer = app.login(POWER_VIEWER.0, PASSWORD).await.expect("login");
    assert_eq!(app.get("/admin/tokens", &viewer).await.status, 403);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_not_the_proxy() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use base64::Engine;
    let app = TestApp::with_settings(|s| s.trusted_proxies = vec!["10.0.0.5".into()]).await;
    let via_proxy = |forwarded: &str, password: &str| {
        let creds = format!("{}:{password}", POWER_ADMIN.0);
        let creds = base64::engine::general_purpose::STANDARD.encode(creds);
        let mut req = Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Basic {creds}"))
            .header("x-forwarded-for", forwarded)
            .body(Body::empty())
            .expect("request");
        crate::support::peer(&mut req, "10.0.0.5");
        req
    };
    for _ in 0..5 {
        let r = app
            .send(via_proxy("198.51.100.7", "guess guess guess"))
            .await;
        assert_eq!(r.status, 401);
    }
    let r = app
        .send(via_proxy("198.51.100.7", "guess guess guess"))
        .await;
    assert_eq!(r.status, 429);
    // What the client adds on the left does not move it elsewhere.
    let r = app
        .send(via_proxy("203.0.113.5, 198.51.100.7", PASSWORD))
        .await;
    assert_eq!(r.status, 429);
    // Everyone else behind the same proxy signs in.
    let r = app.send(via_proxy("203.0.113.5", PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let log = audit_of(&app, "login").await;
    assert!(
        log.iter().any(|e| e.source == "198.51.100.7"),
        "the audit log names the client"
    );
}
