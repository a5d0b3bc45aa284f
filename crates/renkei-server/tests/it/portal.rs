//! The portal: sign-in, sessions, CSRF, throttling, languages, admin pages.

use renkei_core::AuditOutcome;
use renkei_store::AuditQuery;

use crate::support::{PASSWORD, TestApp, hidden};

#[tokio::test]
async fn portal_is_japanese_by_default_and_switches_to_english() {
    let app = TestApp::new().await;
    let r = app.get("/login", "").await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("<html lang=\"ja\">") && r.body.contains("ログイン"),
        "{}",
        r.body
    );
    let sw = app.get("/lang/en?next=/login", "").await;
    assert_eq!((sw.status, sw.location()), (303, "/login"));
    let lang = sw.cookie("renkei_lang").expect("lang cookie");
    let r = app.get("/login", &format!("renkei_lang={lang}")).await;
    assert!(
        r.body.contains("<html lang=\"en\">") && r.body.contains("Sign in"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("ログイン"));
    // Redirect targets are local paths only.
    assert_eq!(
        app.get("/lang/en?next=//evil.example/", "")
            .await
            .location(),
        "/"
    );
    assert_eq!(
        app.get("/lang/en?next=https://evil.example/", "")
            .await
            .location(),
        "/"
    );
    let css = app.get("/static/renkei.css", "").await;
    assert_eq!(css.status, 200);
    assert!(
        !r.body.contains("http://") && !r.body.contains("https://"),
        "no external assets"
    );
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_session_and_sign_out_ends_it() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/", "").await.location(), "/login?next=/");
    let page = app.get("/login", "").await;
    let csrf = page.cookie("renkei_login_csrf").expect("csrf");
    let r = app
        .post_form(
            "/login",
            &format!("renkei_login_csrf={csrf}"),
            &[
                ("email", "Admin@Power.example.jp"),
                ("password", PASSWORD),
                ("csrf", &hidden(&page.body, "csrf")),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, "/admin/users"));
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("renkei_session="))
        .expect("session cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"),
        "{set}"
    );
    let cookie = format!("renkei_session={}", r.cookie("renkei_session").expect("s"));
    let home = app.get("/", &cookie).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("共有情報"));

    let csrf = hidden(&home.body, "csrf");
    let out = app.post_form("/logout", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        app.get("/", &cookie).await.status,
        303,
        "the session is gone from the store"
    );
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let app = TestApp::with_settings(|s| s.secure_cookies = true).await;
    let page = app.get("/login", "").await;
    let set = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(set.contains("Secure"), "{set}");
}

#[tokio::test]
async fn wrong_passwords_are_refused_audited_and_throttled() {
    let app = TestApp::new().await;
    let r = app
        .login("admin@power.example.jp", "wrong-password-1")
        .await
        .expect_err("refused");
    assert_eq!(r.status, 401);
    assert!(r.body.contains("login-error"));
    let r = app
        .login("nobody@power.example.jp", "wrong-password-1")
        .await
        .expect_err("refused");
    assert_eq!(r.status, 401);
    for _ in 0..4 {
        let _ = app
            .login("admin@power.example.jp", "wrong-password-1")
            .await;
    }
    let r = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect_err("throttled even with the right password");
    assert_eq!(r.status, 429);
    assert!(
        app.login("viewer@power.example.jp", PASSWORD).await.is_ok(),
        "throttling is per account"
    );
    let log = app
        .store
        .list_audit(
            &renkei_core::Actor::system("t"),
            AuditQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("audit");
    let logins: Vec<_> = log.iter().filter(|e| e.action == "login").collect();
    assert!(
        logins.iter().any(
            |e| e.outcome == AuditOutcome::Failed && e.object == "email:admin@power.example.jp"
        )
    );
    assert!(
        logins
            .iter()
            .any(|e| e.outcome == AuditOutcome::Denied && e.detail == "portal: throttled")
    );
    assert!(
        logins
            .iter()
            .any(|e| e.outcome == AuditOutcome::Ok && e.actor == "viewer@power.example.jp")
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let app = TestApp::new().await;
    // Sign-in without the double-submit cookie.
    let r = app
        .post_form(
            "/login",
            "",
            &[
                ("email", "admin@power.example.jp"),
                ("password", PASSWORD),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.cookie("renkei_session").is_none());

    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let before = app.store.list_users(None).await.expect("users").len();
    let form = [
        ("csrf", "forged"),
        ("email", "new@power.example.jp"),
        ("display_name", "新人"),
        ("role", "viewer"),
        ("password", "long enough password"),
    ];
    let r = app.post_form("/admin/users", &cookie, &form).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        app.store.list_users(None).await.expect("users").len(),
        before
    );
}

#[tokio::test]
async fn an_admin_creates_a_user_and_sees_it_in_the_audit_log() {
    let app = TestApp::new().await;
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let page = app.get("/admin/users", &cookie).await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "csrf");
    let org = app.power.id.0.to_string();
    let bad = app
        .post_form(
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("org_id", &org),
                ("email", "broken"),
                ("display_name", "x"),
                ("role", "viewer"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("id=\"form-error\"") && bad.body.contains("email"),
        "{}",
        bad.body
    );
    let ok = app
        .post_form(
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("org_id", &org),
                ("email", "new@power.example.jp"),
                ("display_name", "新人 太郎"),
                ("role", "reporter"),
            ],
        )
        .await;
    // No password is typed: the page shows the one-time link instead.
    assert_eq!(ok.status, 200, "{}", ok.body);
    let list = ok;
    assert!(list.body.contains("new@power.example.jp") && list.body.contains("id=\"flash\""));
    assert!(list.body.contains("id=\"reset-url\""), "{}", list.body);
    let audit = app.get("/admin/audit", &cookie).await;
    assert_eq!(audit.status, 200);
    assert!(
        audit.body.contains("user.create") && audit.body.contains("new@power.example.jp reporter"),
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn non_admins_cannot_reach_admin_pages() {
    let app = TestApp::new().await;
    let cookie = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    assert_eq!(app.get("/admin/users", &cookie).await.status, 403);
    assert_eq!(app.get("/admin/audit", &cookie).await.status, 403);
    // An organisation admin sees only their organisation's users and audit entries.
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    assert_eq!(
        app.get(&format!("/admin/users?org={}", app.nco.id), &cookie)
            .await
            .status,
        403
    );
    let audit = app.get("/admin/audit", &cookie).await;
    assert!(
        !audit.body.contains("admin@nco.example.jp"),
        "another org's actor leaked into the audit view"
    );
}

#[tokio::test]
async fn platform_admins_add_communities_and_links_from_the_portal() {
    let app = TestApp::new().await;
    let cookie = app
        .login("admin@nco.example.jp", PASSWORD)
        .await
        .expect("login");
    let page = app.get("/admin/communities", &cookie).await;
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post_form(
            "/admin/communities/new",
            &cookie,
            &[
                ("csrf", &csrf),
                ("name_ja", "医療ISAC"),
                ("name_en", "Medical ISAC"),
                ("description", ""),
                ("terms_version", "1.0"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, "/admin/communities?ok=community-created"),
        "{}",
        r.body
    );
    let r = app
        .post_form(
            "/admin/communities/new",
            &cookie,
            &[
                ("csrf", &csrf),
                ("name_ja", "x"),
                ("name_en", "x"),
                ("description", ""),
                ("terms_version", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "terms version is required");
    let (nco, power) = (app.nco.id.0.to_string(), app.power.id.0.to_string());
    let r = app
        .post_form(
            "/admin/links",
            &cookie,
            &[
                ("csrf", &csrf),
                ("customer", &power),
                ("contractor", &nco),
                ("tier", "1"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, "/admin/orgs?ok=link-created"),
        "{}",
        r.body
    );
    let r = app
        .post_form(
            "/admin/links",
            &cookie,
            &[
                ("csrf", &csrf),
                ("customer", &power),
                ("contractor", &power),
                ("tier", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "self-links are refused");
    assert_eq!(app.store.list_supply_links().await.expect("links").len(), 1);
    // An operator's admin cannot.
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let csrf = hidden(&app.get("/admin/orgs", &cookie).await.body, "csrf");
    let r = app
        .post_form(
            "/admin/links",
            &cookie,
            &[
                ("csrf", &csrf),
                ("customer", &nco),
                ("contractor", &power),
                ("tier", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn home_lists_only_readable_items_with_readable_audiences() {
    use renkei_core::model::NewItem;
    use renkei_core::{Audience, Marking, Sector, Tlp};
    let app = TestApp::new().await;
    let nco_actor = app.actor(&app.nco_admin).await;
    let share = |title: &str, tlp, audience| NewItem {
        title: title.into(),
        body: "本文".into(),
        marking: Marking {
            tlp,
            pap: None,
            audience,
            owner_org: app.nco.id,
            created_by: Some(app.nco_admin.id),
        },
    };
    app.store
        .share_item(
            &nco_actor,
            share(
                "赤の連絡",
                Tlp::Red,
                Audience {
                    users: vec![app.power_viewer.id],
                    ..Audience::default()
                },
            ),
        )
        .await
        .expect("red");
    app.store
        .share_item(
            &nco_actor,
            share(
                "電力向け",
                Tlp::Amber,
                Audience {
                    sectors: vec![Sector::parse("electricity").expect("s")],
                    ..Audience::default()
                },
            ),
        )
        .await
        .expect("amber");
    app.store
        .share_item(
            &nco_actor,
            share("統括室内", Tlp::AmberStrict, Audience::default()),
        )
        .await
        .expect("strict");

    let viewer = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let home = app.get("/", &viewer).await;
    assert!(
        home.body.contains("赤の連絡") && home.body.contains("電力向け"),
        "{}",
        home.body
    );
    assert!(
        !home.body.contains("統括室内"),
        "AMBER+STRICT for the owner only leaked"
    );
    assert!(
        home.body.contains(">viewer<") || home.body.contains("viewer</td>"),
        "named recipient shown by name: {}",
        home.body
    );
    assert!(
        home.body.contains("電力") && !home.body.contains(">electricity<"),
        "sector shown by its name"
    );
    let admin = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let home = app.get("/", &admin).await;
    assert!(
        !home.body.contains("赤の連絡"),
        "RED reaches named people only, not their admin"
    );
}
