//! `TestApp`: a server on a fresh SQLite store with a coordinator and an operator.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use renkei_core::model::{
    Collection, Community, NewCollection, NewCommunity, NewOrg, NewUser, Org, User,
};
use renkei_core::{Actor, Email, OrgKind, Role, Sector};
use renkei_server::{AppState, Settings, app};
use renkei_store::Store;
use tower::ServiceExt;

pub const PASSWORD: &str = "test-password-123";

#[derive(Debug)]
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub store: Arc<dyn Store>,
    /// The store's database, for faults injected behind its back.
    pub url: String,
    pub nco: Org,
    pub power: Org,
    pub nco_admin: User,
    pub power_admin: User,
    pub power_viewer: User,
    _dir: tempfile::TempDir,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The value of a `Set-Cookie` for `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                let (kv, _) = c.split_once(';').unwrap_or((c, ""));
                let (k, v) = kv.split_once('=')?;
                (k == name).then(|| v.to_owned())
            })
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(|_| {}).await
    }

    pub async fn with_settings(f: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut settings = Settings::defaults();
        settings.database_url = format!("sqlite:{}", dir.path().join("t.db").display()).into();
        f(&mut settings);
        let store = renkei_store::open(settings.database_url())
            .await
            .expect("store");
        let sys = Actor::system("test");
        let org = |ja: &str, kind, sector: &str| NewOrg {
            name_ja: ja.into(),
            name_en: ja.into(),
            kind,
            sector: Some(Sector::parse(sector).expect("sector")),
            prefecture: None,
        };
        let nco = store
            .create_org(&sys, org("統括室", OrgKind::Coordinator, "government"))
            .await
            .expect("org");
        let power = store
            .create_org(&sys, org("東都電力", OrgKind::Operator, "electricity"))
            .await
            .expect("org");
        let hash = renkei_server::http::auth::hash_password(PASSWORD).expect("hash");
        let mk = |o: &Org, email: &str, role| NewUser {
            org: o.id,
            email: Email::parse(email).expect("email"),
            display_name: email.split('@').next().unwrap_or_default().to_owned(),
            role,
            password_hash: hash.clone(),
        };
        let nco_admin = store
            .create_user(&sys, mk(&nco, "admin@nco.example.jp", Role::Admin))
            .await
            .expect("user");
        let power_admin = store
            .create_user(&sys, mk(&power, "admin@power.example.jp", Role::Admin))
            .await
            .expect("user");
        let power_viewer = store
            .create_user(&sys, mk(&power, "viewer@power.example.jp", Role::Viewer))
            .await
            .expect("user");
        let url = settings.database_url().to_owned();
        let state = AppState::new(store.clone(), settings);
        let router = app(state.clone());
        Self {
            router,
            state,
            store,
            url,
            nco,
            power,
            nco_admin,
            power_admin,
            power_viewer,
            _dir: dir,
        }
    }

    /// The portal's import form sent as a browser sends it: `fields`, then
    /// the file (none for a confirmation, which sends no file input).
    pub async fn import_form(
        &self,
        cookie: &str,
        fields: &[(&str, &str)],
        file: Option<&str>,
    ) -> Reply {
        let b = "renkeiboundary";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        if let Some(file) = file {
            body.push_str(&format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n"
            ));
        }
        body.push_str(&format!("--{b}--\r\n"));
        let r = Request::post("/intel/import")
            .header(header::COOKIE, cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(r).await
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res: Response<Body> = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookies: &str) -> Reply {
        let mut r = Request::get(path);
        if !cookies.is_empty() {
            r = r.header(header::COOKIE, cookies);
        }
        self.send(r.body(Body::empty()).expect("request")).await
    }

    pub async fn post_form(&self, path: &str, cookies: &str, form: &[(&str, &str)]) -> Reply {
        self.send(form_request(path, cookies, form)).await
    }

    /// A REST call with HTTP Basic credentials, from client address `from`.
    pub async fn basic(
        &self,
        method: &str,
        path: &str,
        (email, password): (&str, &str),
        body: Option<serde_json::Value>,
        from: Option<&str>,
    ) -> Reply {
        use base64::Engine;
        let creds = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{password}"));
        let mut r = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Basic {creds}"));
        let body = match body {
            Some(b) => {
                r = r.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let mut req = r.body(body).expect("request");
        if let Some(ip) = from {
            peer(&mut req, ip);
        }
        self.send(req).await
    }

    /// Runs SQL on the store's database behind its back (fault injection).
    pub async fn exec_sql(&self, sql: &str) {
        use sqlx::Executor;
        let q = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()));
        let r = if self.url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&self.url).await.expect("sqlite");
            pool.execute(q).await.map(drop)
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.expect("postgres");
            pool.execute(q).await.map(drop)
        };
        r.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Makes every `op` (INSERT, UPDATE) on `table` fail from now on.
    pub async fn break_writes(&self, table: &str, op: &str) {
        let name = format!("broken_{table}_{}", op.to_lowercase());
        if self.url.starts_with("sqlite:") {
            self.exec_sql(&format!(
                "CREATE TRIGGER {name} BEFORE {op} ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
            ))
            .await;
        } else {
            self.exec_sql(&format!(
                "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER {name} BEFORE {op} ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {name}();"
            ))
            .await;
        }
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut r = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(b) => {
                r = r.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        self.send(r.body(body).expect("request")).await
    }

    /// Signs in through the portal form; returns the session cookie header.
    pub async fn login(&self, email: &str, password: &str) -> Result<String, Reply> {
        self.login_from(email, password, None).await
    }

    /// Signs in from client address `from` (the TCP peer the server sees).
    pub async fn login_from(
        &self,
        email: &str,
        password: &str,
        from: Option<&str>,
    ) -> Result<String, Reply> {
        let page = self.get("/login", "").await;
        let csrf_cookie = page.cookie("renkei_login_csrf").expect("login csrf cookie");
        let field = hidden(&page.body, "csrf");
        let mut req = form_request(
            "/login",
            &format!("renkei_login_csrf={csrf_cookie}"),
            &[
                ("email", email),
                ("password", password),
                ("csrf", &field),
                ("next", "/"),
            ],
        );
        if let Some(ip) = from {
            peer(&mut req, ip);
        }
        let r = self.send(req).await;
        match r.cookie("renkei_session") {
            Some(s) if r.status == 303 => Ok(format!("renkei_session={s}")),
            _ => Err(r),
        }
    }

    /// The CSRF token of a signed-in session (`cookie`), as its pages hold
    /// it: portal forms post it as a field, REST writes as `X-CSRF-Token`.
    pub async fn csrf(&self, cookie: &str) -> String {
        let page = self.get("/", cookie).await;
        let needle = "<meta name=\"csrf-token\" content=\"";
        let start = page.body.find(needle).expect("csrf-token meta") + needle.len();
        page.body[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// `user` acting, as the store resolves them now.
    pub async fn actor(&self, user: &User) -> Actor {
        Actor {
            viewer: self.store.viewer_for_user(user.id).await.expect("viewer"),
            label: user.email.to_string(),
            source: "test".into(),
            system: false,
        }
    }

    /// A council whose members (both organisations) accepted its terms, and
    /// a TAXII collection in it (TLP:GREEN by default).
    pub async fn council(&self) -> (Community, Collection) {
        let sys = Actor::system("test");
        let c = self
            .store
            .create_community(
                &sys,
                NewCommunity {
                    name_ja: "協議会".into(),
                    name_en: "Council".into(),
                    description: String::new(),
                    terms_version: "1".into(),
                    terms_text: String::new(),
                },
            )
            .await
            .expect("community");
        for (org, admin) in [
            (&self.nco, &self.nco_admin),
            (&self.power, &self.power_admin),
        ] {
            let m = self
                .store
                .add_membership(&sys, c.id, org.id)
                .await
                .expect("member");
            self.store
                .accept_terms(&self.actor(admin).await, m.id)
                .await
                .expect("accept");
        }
        let col = self
            .store
            .create_collection(
                &sys,
                NewCollection {
                    community: c.id,
                    title: "指標".into(),
                    description: String::new(),
                    default_tlp: renkei_core::Tlp::Green,
                },
            )
            .await
            .expect("collection");
        (c, col)
    }

    /// A bearer token for `org` with `role`, created by the platform admin.
    pub async fn token(&self, org: &Org, role: Role) -> String {
        let secret = format!("rk_{}", renkei_server::http::auth::random_secret());
        self.store
            .create_api_token(
                &Actor::system("test"),
                org.id,
                "test",
                role,
                &renkei_server::http::auth::secret_hash(&secret),
            )
            .await
            .expect("token");
        secret
    }
}

/// Every backend: SQLite always, PostgreSQL when `RENKEI_TEST_PG_URL` is set.
pub async fn every_backend() -> Vec<(&'static str, TestApp)> {
    let mut v = vec![("sqlite", TestApp::new().await)];
    match std::env::var("RENKEI_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => {
            let url = fresh_pg_database(&u).await;
            v.push((
                "postgres",
                TestApp::with_settings(|s| s.database_url = url.into()).await,
            ));
        }
        _ => assert!(
            std::env::var("CI").is_err(),
            "CI is set but RENKEI_TEST_PG_URL is not: the PostgreSQL half would be skipped"
        ),
    }
    v
}

static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A new, empty PostgreSQL database beside `admin_url`'s, and its URL.
pub async fn fresh_pg_database(admin_url: &str) -> String {
    use sqlx::Executor;
    let name = format!(
        "renkei_app_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let admin = sqlx::PgPool::connect(admin_url)
        .await
        .expect("connect to RENKEI_TEST_PG_URL");
    for q in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin
            .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(q)))
            .await
            .expect("create database");
    }
    admin.close().await;
    let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

/// Makes `req` come from client address `ip`, as a TCP peer would.
pub fn peer(req: &mut Request<Body>, ip: &str) {
    let addr = std::net::SocketAddr::new(ip.parse().expect("ip"), 40_000);
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
}

fn form_request(path: &str, cookies: &str, form: &[(&str, &str)]) -> Request<Body> {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut r =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookies.is_empty() {
        r = r.header(header::COOKIE, cookies);
    }
    r.body(Body::from(body)).expect("request")
}

/// The value of a hidden input in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no hidden {name} in page"))
        + needle.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
