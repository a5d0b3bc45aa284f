//! OIDC sign-in against a real OpenID Connect provider, not a mock:
//! panva's `oidc-provider` under node (`tests/oidc/provider.mjs`, installed
//! by `scripts/test` with `npm ci`), on a free loopback port. A small
//! client here plays the browser through the provider's own sign-in and
//! consent pages; renkei answers in-process. Without node or the installed
//! package the test says loudly that it is skipped, and fails under CI.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use renkei_server::config::oidc::{OidcProvider, OrgMapping};
use renkei_store::AuditQuery;

use crate::support::{Reply, TestApp, enc};

const RENKEI: &str = "http://renkei.test";
const CLIENT_ID: &str = "renkei";
const CLIENT_SECRET: &str = "test-client-secret";
/// Providers that reach the provider (their redirect URIs are registered).
const LIVE: [&str; 3] = ["corp", "strict", "mfa"];

/// The provider process; killed when dropped (and it exits by itself when
/// this process goes away: its standard input closes).
struct Idp {
    issuer: String,
    child: Child,
    accounts: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Idp {
    /// Sets the claims the provider gives for `login` (read at every request).
    fn set_accounts(&self, accounts: serde_json::Value) {
        std::fs::write(&self.accounts, accounts.to_string()).expect("accounts file");
    }
}

/// Starts the provider, or says why it cannot (fatal under CI).
fn start_idp() -> Option<Idp> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
    let node = Command::new("node").arg("--version").output();
    let why = if !node.as_ref().is_ok_and(|o| o.status.success()) {
        Some("node is not installed".to_owned())
    } else if !root
        .join("node_modules/oidc-provider/package.json")
        .is_file()
    {
        Some(format!(
            "oidc-provider is not installed in {}",
            root.join("node_modules").display()
        ))
    } else {
        None
    };
    if let Some(why) = why {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but the OpenID Connect provider cannot start: {why} (scripts/test runs `npm ci` in tests/oidc)"
        );
        eprintln!(
            "\n******** SKIPPED: OIDC sign-in against a real provider: {why}.\n\
             ******** Install it with `npm ci --prefix tests/oidc` (scripts/test does).\n"
        );
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let accounts = dir.path().join("accounts.json");
    let log = dir.path().join("provider.log");
    let mut cmd = Command::new("node");
    cmd.arg(root.join("provider.mjs"))
        .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
        .arg("--accounts")
        .arg(&accounts)
        .arg("--watch-stdin");
    for p in LIVE {
        cmd.args([
            "--redirect-uri",
            &format!("{RENKEI}/login/oidc/{p}/callback"),
        ]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("spawn node");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads the first line, then keeps draining: a closed pipe would make
    // the provider's next write fail.
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let _ = tx.send(first);
        for _ in lines {}
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
    let Some(issuer) = line.trim().strip_prefix("oidc-provider: ") else {
        let _ = child.kill();
        panic!(
            "the provider did not start: {line:?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    };
    Some(Idp {
        issuer: issuer.to_owned(),
        child,
        accounts,
        log,
        _dir: dir,
    })
}

fn provider(id: &str, issuer: &str, org: i64, create: Option<&str>) -> OidcProvider {
    OidcProvider {
        id: id.into(),
        display_name: format!("{id} ID"),
        display_name_en: None,
        issuer: issuer.into(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.to_owned().into()),
        client_secret_file: None,
        client_secret_env: None,
        orgs: vec![OrgMapping {
            org,
            email_domains: vec!["power.example.jp".into()],
            create_users: create.map(str::to_owned),
        }],
        require_mfa: false,
        mfa_acr_values: vec![],
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

async fn app_for(idp: &Idp) -> TestApp {
    // TestApp creates the coordinator (1) and the operator (2) after this.
    let power = 2;
    let issuer = idp.issuer.clone();
    let port = issuer.rsplit(':').next().unwrap_or_default().to_owned();
    let app = TestApp::with_settings(move |s| {
        s.public_url = Some(RENKEI.into());
        let mut mfa = provider("mfa", &issuer, power, Some("viewer"));
        mfa.require_mfa = true;
        s.oidc_providers = vec![
            provider("corp", &issuer, power, Some("viewer")),
            provider("strict", &issuer, power, None),
            mfa,
            provider(
                "down",
                &format!("http://127.0.0.1:{}", closed_port()),
                power,
                None,
            ),
            // The provider's discovery document names 127.0.0.1, not localhost.
            provider(
                "wrong-issuer",
                &format!("http://localhost:{port}"),
                power,
                None,
            ),
        ];
        renkei_server::config::oidc::check(&mut s.oidc_providers, s.public_url.as_deref())
            .expect("valid providers");
    })
    .await;
    assert_eq!(app.power.id.0, power);
    app
}

/// The browser's side at the provider: its cookies, no automatic redirects.
struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client"),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let r = req
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .expect("provider request");
        for c in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let c = c.to_str().unwrap_or_default();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            if let Some((k, v)) = kv.split_once('=') {
                if v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = r.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, url: &str) -> Page {
        let req = self.http.get(url);
        self.send(req).await
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        self.send(req).await
    }
}

/// How a person acts on the provider's sign-in page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AtLogin {
    SignIn,
    Cancel,
}

/// A sign-in begun at renkei and carried through the provider's pages up
/// to the redirect back: the callback's path and the round-trip cookie.
struct Returned {
    callback: String,
    pending: String,
}

async fn through_provider(
    app: &TestApp,
    idp: &Idp,
    provider: &str,
    login: &str,
    act: AtLogin,
) -> Returned {
    let r = app
        .get(&format!("/login/oidc/{provider}?next=/intel"), "")
        .await;
    assert_eq!(r.status, 303, "{provider}: {}", r.body);
    let pending = r.cookie("renkei_oidc").expect("round-trip cookie");
    let set_cookie = r
        .headers
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("renkei_oidc="))
        .unwrap_or_default()
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let mut url = r.location().to_owned();
    assert!(url.starts_with(&idp.issuer), "to the provider: {url}");
    for arg in [
        "code_challenge=",
        "code_challenge_method=S256",
        "state=",
        "nonce=",
    ] {
        assert!(url.contains(arg), "{arg} in {url}");
    }
    let base = url::Url::parse(&idp.issuer).expect("issuer");
    let mut browser = Browser::new();
    for _ in 0..12 {
        if let Some(rest) = url.strip_prefix(RENKEI) {
            return Returned {
                callback: rest.to_owned(),
                pending,
            };
        }
        let page = browser.get(&url).await;
        let next = if let Some(l) = page.location {
            l
        } else if page.body.contains(r#"value="login""#) {
            let action = form_action(&page.body);
            let r = if act == AtLogin::Cancel {
                browser.get(&cancel_link(&page.body)).await
            } else {
                let f = [("prompt", "login"), ("login", login), ("password", "any")];
                browser
                    .post(base.join(&action).expect("url").as_str(), &f)
                    .await
            };
            r.location.expect("redirect after sign-in")
        } else if page.body.contains(r#"value="consent""#) {
            let action = form_action(&page.body);
            let f = [("prompt", "consent")];
            let r = browser
                .post(base.join(&action).expect("url").as_str(), &f)
                .await;
            r.location.expect("redirect after consent")
        } else {
            panic!(
                "unexpected provider page ({}): {}\n{}",
                page.status,
                page.body,
                std::fs::read_to_string(&idp.log).unwrap_or_default()
            );
        };
        url = base.join(&next).expect("url").to_string();
    }
    panic!("no way back from the provider");
}

fn form_action(html: &str) -> String {
    let start = html.find(r#"action=""#).expect("a form") + r#"action=""#.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn cancel_link(html: &str) -> String {
    let end = html.find("[ Cancel ]").expect("a cancel link");
    let start = html[..end].rfind(r#"href=""#).expect("href") + r#"href=""#.len();
    html[start..end]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn back_at_renkei(app: &TestApp, r: &Returned) -> Reply {
    app.get(&r.callback, &format!("renkei_oidc={}", r.pending))
        .await
}

/// A full sign-in; the callback's reply.
async fn sign_in(app: &TestApp, idp: &Idp, provider: &str, login: &str) -> Reply {
    let r = through_provider(app, idp, provider, login, AtLogin::SignIn).await;
    back_at_renkei(app, &r).await
}

fn code_of(r: &Reply) -> String {
    let needle = r#"data-code=""#;
    let start = r
        .body
        .find(needle)
        .unwrap_or_else(|| panic!("no refusal code ({}): {}", r.status, r.body))
        + needle.len();
    r.body[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Signed in: a session cookie that opens the portal as `name`.
async fn assert_signed_in(app: &TestApp, r: &Reply, name: &str) {
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains(r#"http-equiv="refresh" content="0;url=&#x2f;intel""#),
        "{}",
        r.body
    );
    let session = r.cookie("renkei_session").expect("session cookie");
    let home = app.get("/", &format!("renkei_session={session}")).await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains(name),
        "signed in as {name}: {}",
        home.body
    );
}

fn assert_refused(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{code}: {}", r.body);
    assert_eq!(code_of(r), code);
    assert!(
        r.cookie("renkei_session").is_none(),
        "no session on refusal"
    );
}

#[tokio::test]
async fn oidc_sign_in_through_a_real_provider() {
    let Some(idp) = start_idp() else { return };
    let app = app_for(&idp).await;
    let store = &app.store;

    // The sign-in page offers every provider.
    let page = app.get("/login?next=/intel", "").await;
    assert!(
        page.body
            .contains(r#"id="oidc-corp" href="/login/oidc/corp?next=&#x2f;intel""#),
        "{}",
        page.body
    );

    // An existing user, by verified e-mail address; the identity is linked.
    let r = sign_in(&app, &idp, "corp", "viewer@power.example.jp").await;
    assert_signed_in(&app, &r, "viewer").await;
    let linked = store
        .oidc_linked_user(&idp.issuer, "viewer@power.example.jp")
        .await
        .expect("link");
    assert_eq!(linked, Some(app.power_viewer.id));

    // Once linked, the identity signs in by its subject alone, even when
    // the provider no longer states that address.
    idp.set_accounts(serde_json::json!({
        "viewer@power.example.jp": {"email": "moved@elsewhere.example", "email_verified": false}
    }));
    let r = sign_in(&app, &idp, "corp", "viewer@power.example.jp").await;
    assert_signed_in(&app, &r, "viewer").await;

    // An address the provider does not state as verified matches no one.
    idp.set_accounts(serde_json::json!({
        "mallory": {"email": "admin@power.example.jp", "email_verified": false},
        "no-mail": {},
        "newbie@power.example.jp": {"email": "newbie@power.example.jp", "email_verified": true, "name": "新人 太郎"},
        "imposter": {"email": "viewer@power.example.jp", "email_verified": true}
    }));
    let r = sign_in(&app, &idp, "corp", "mallory").await;
    assert_refused(&r, 403, "oidc-unverified");
    let r = sign_in(&app, &idp, "corp", "no-mail").await;
    assert_refused(&r, 403, "oidc-unverified");

    // Another organisation's address (verified, and a real account there)
    // does not sign in through a provider of this organisation.
    let r = sign_in(&app, &idp, "corp", "admin@nco.example.jp").await;
    assert_refused(&r, 403, "oidc-unknown-user");
    // Nor does an account in the domain the provider maps to this
    // organisation, if the account belongs to another one.
    let spy = renkei_core::model::NewUser {
        org: app.nco.id,
        email: renkei_core::Email::parse("spy@power.example.jp").expect("email"),
        display_name: "spy".into(),
        role: renkei_core::Role::Admin,
        password_hash: "x".into(),
    };
    store
        .create_user(&renkei_core::Actor::system("test"), spy)
        .await
        .expect("user");
    let r = sign_in(&app, &idp, "corp", "spy@power.example.jp").await;
    assert_refused(&r, 403, "oidc-unknown-user");
    // A second identity at the same issuer stating a linked user's address
    // (the provider gave the address to someone new) matches no one.
    let r = sign_in(&app, &idp, "corp", "imposter").await;
    assert_refused(&r, 403, "oidc-unknown-user");

    // Unknown users: refused where the mapping says so, else created just
    // in time as members of the mapped organisation.
    let r = sign_in(&app, &idp, "strict", "stranger@power.example.jp").await;
    assert_refused(&r, 403, "oidc-unknown-user");
    let r = sign_in(&app, &idp, "corp", "newbie@power.example.jp").await;
    assert_signed_in(&app, &r, "新人 太郎").await;
    let uid = store
        .oidc_linked_user(&idp.issuer, "newbie@power.example.jp")
        .await
        .expect("link")
        .expect("linked");
    let newbie = store.get_user(uid).await.expect("user");
    assert_eq!(newbie.org, app.power.id);
    assert_eq!(newbie.role, renkei_core::Role::Viewer);
    assert_eq!(newbie.email.as_str(), "newbie@power.example.jp");

    // A deactivated user does not sign in through a provider either.
    let admin = app.power_admin.id;
    app.exec_sql(&format!(
        "UPDATE users SET active = FALSE WHERE id = {admin}"
    ))
    .await;
    let r = sign_in(&app, &idp, "corp", "admin@power.example.jp").await;
    assert_refused(&r, 403, "oidc-unknown-user");
    assert_eq!(
        store
            .oidc_linked_user(&idp.issuer, "admin@power.example.jp")
            .await
            .expect("look up"),
        None,
        "a refused user is not linked"
    );

    // A provider that must vouch for a second factor, and does not.
    let r = sign_in(&app, &idp, "mfa", "viewer@power.example.jp").await;
    assert_refused(&r, 403, "oidc-mfa-required");
    // …and a refused sign-in creates no one just in time.
    let r = sign_in(&app, &idp, "mfa", "fresh@power.example.jp").await;
    assert_refused(&r, 403, "oidc-mfa-required");
    let fresh = renkei_core::Email::parse("fresh@power.example.jp").expect("email");
    assert!(store.credentials(&fresh).await.expect("look up").is_none());

    // The round trip is bound to the browser that began it.
    let ret = through_provider(
        &app,
        &idp,
        "corp",
        "viewer@power.example.jp",
        AtLogin::SignIn,
    )
    .await;
    let r = app.get(&ret.callback, "").await;
    assert_refused(&r, 400, "oidc-state");
    let forged = ret.callback.replace("state=", "state=x");
    let r = app
        .get(&forged, &format!("renkei_oidc={}", ret.pending))
        .await;
    assert_refused(&r, 400, "oidc-state");
    // The right browser, but through another provider's callback.
    let other = ret.callback.replace("/corp/", "/strict/");
    let r = app
        .get(&other, &format!("renkei_oidc={}", ret.pending))
        .await;
    assert_refused(&r, 400, "oidc-state");
    // Then the right one; and the same answer once more is refused (the
    // provider takes a code once).
    let r = back_at_renkei(&app, &ret).await;
    assert_signed_in(&app, &r, "viewer").await;
    let r = back_at_renkei(&app, &ret).await;
    assert_refused(&r, 401, "oidc-provider");

    // An ID token must carry the nonce this browser's sign-in chose.
    let ret = through_provider(
        &app,
        &idp,
        "corp",
        "viewer@power.example.jp",
        AtLogin::SignIn,
    )
    .await;
    let tampered = tamper_nonce(&ret.pending);
    let r = app
        .get(&ret.callback, &format!("renkei_oidc={tampered}"))
        .await;
    assert_refused(&r, 401, "oidc-provider");

    // The person cancels at the provider.
    let ret = through_provider(&app, &idp, "corp", "", AtLogin::Cancel).await;
    assert!(
        ret.callback.contains("error=access_denied"),
        "{}",
        ret.callback
    );
    let r = back_at_renkei(&app, &ret).await;
    assert_refused(&r, 401, "oidc-provider");

    // Providers that cannot be used: unreachable, or whose discovery
    // document names another issuer; and one that is not configured.
    for p in ["down", "wrong-issuer"] {
        let r = app.get(&format!("/login/oidc/{p}"), "").await;
        assert_refused(&r, 503, "oidc-unavailable");
    }
    // A provider that just failed is not asked again at once (a burst of
    // sign-ins does not queue behind its timeouts).
    let r = app.get("/login/oidc/down", "").await;
    assert_refused(&r, 503, "oidc-unavailable");
    let r = app.get("/login/oidc/nobody", "").await;
    assert_eq!(r.status, 404);

    // Every sign-in and every refusal is in the audit log.
    let entries = store
        .list_audit(
            &renkei_core::Actor::system("test"),
            AuditQuery {
                org: None,
                before_seq: None,
                limit: 500,
            },
        )
        .await
        .expect("audit");
    let oidc: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "login" && e.detail.starts_with("oidc:"))
        .collect();
    let ok = oidc
        .iter()
        .filter(|e| e.outcome == renkei_core::AuditOutcome::Ok)
        .count();
    assert_eq!(ok, 4, "viewer twice, newbie, viewer once more");
    for code in [
        "oidc-unverified",
        "oidc-unknown-user: spy@power.example.jp: user:4 is not in org:2",
        "oidc-unknown-user: viewer@power.example.jp: user:3 is linked to another identity",
        "oidc-unknown-user",
        "oidc-mfa-required",
        "oidc-state",
        "oidc-provider",
        "oidc-unavailable",
    ] {
        assert!(
            oidc.iter().any(|e| e.detail.contains(code)),
            "{code} audited: {oidc:#?}"
        );
    }
    assert!(
        oidc.iter()
            .any(|e| e.detail.starts_with("oidc:down") && e.detail.contains("not retried yet")),
        "{oidc:#?}"
    );
    let links = entries.iter().filter(|e| e.action == "oidc.link").count();
    assert_eq!(links, 2, "viewer and newbie linked once each");
    assert!(
        entries
            .iter()
            .any(|e| e.action == "user.create" && e.actor == "oidc:corp"),
        "the just-in-time user's creation is audited in the provider's name"
    );
}

/// The round-trip cookie with another nonce.
fn tamper_nonce(cookie: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut v: serde_json::Value =
        serde_json::from_slice(&b64.decode(cookie).expect("base64")).expect("json");
    v["nonce"] = serde_json::json!("not-the-nonce");
    b64.encode(v.to_string())
}
