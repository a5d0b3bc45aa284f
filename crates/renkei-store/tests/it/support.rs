//! Test backends: a fresh SQLite file or a fresh PostgreSQL database each.

use std::sync::atomic::{AtomicU32, Ordering};

use renkei_core::model::{NewOrg, NewUser, Org, User};
use renkei_core::{Actor, Email, OrgKind, Role, Sector};
use renkei_store::{PgStore, SqliteStore, Store};
use sqlx::Executor;

#[derive(Debug)]
pub enum Backend {
    Sqlite(SqliteStore, tempfile::TempDir),
    /// The store and its database's URL.
    Pg(PgStore, String),
}

impl Backend {
    pub fn store(&self) -> &dyn Store {
        match self {
            Backend::Sqlite(s, _) => s,
            Backend::Pg(s, _) => s,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(..) => "sqlite",
            Backend::Pg(..) => "postgres",
        }
    }

    /// The same database opened once more, as by a second server process.
    pub async fn second_process(&self) -> std::sync::Arc<dyn Store> {
        match self {
            Backend::Sqlite(_, dir) => {
                let url = format!("sqlite:{}", dir.path().join("t.db").display());
                std::sync::Arc::new(SqliteStore::open(&url).await.expect("open sqlite again"))
            }
            Backend::Pg(_, url) => {
                std::sync::Arc::new(PgStore::open(url).await.expect("open postgres again"))
            }
        }
    }

    /// Removes the definitions every collection holds (migration 0014),
    /// for tests that count the objects they share themselves; the
    /// definitions have tests of their own (`story::collections_hold_…`).
    pub async fn without_system_objects(&self) {
        self.exec("DELETE FROM stix_objects WHERE owner_org = 0")
            .await;
    }

    /// Runs raw SQL behind the store's back (tampering).
    pub async fn exec(&self, sql: &str) {
        let r = match self {
            Backend::Sqlite(s, _) => s
                .pool()
                .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())))
                .await
                .map(|_| ()),
            Backend::Pg(s, _) => s
                .pool()
                .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())))
                .await
                .map(|_| ()),
        };
        r.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub async fn count(&self, table: &str) -> i64 {
        let q = format!("SELECT COUNT(*) FROM {table}");
        match self {
            Backend::Sqlite(s, _) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(q))
                    .fetch_one(s.pool())
                    .await
            }
            Backend::Pg(s, _) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(q))
                    .fetch_one(s.pool())
                    .await
            }
        }
        .expect("count")
    }
}

pub async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    Backend::Sqlite(SqliteStore::open(&url).await.expect("open sqlite"), dir)
}

/// The PostgreSQL server to test against, if any. Under CI it must be set.
pub fn pg_url() -> Option<String> {
    match std::env::var("RENKEI_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI is set but RENKEI_TEST_PG_URL is not: the PostgreSQL half of the store suite would be skipped"
            );
            None
        }
    }
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A fresh database on the test server, migrated.
pub async fn postgres(admin_url: &str) -> Backend {
    let name = format!(
        "renkei_t_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    );
    let admin = sqlx::PgPool::connect(admin_url)
        .await
        .expect("connect to RENKEI_TEST_PG_URL");
    admin
        .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}"
        ))))
        .await
        .expect("drop");
    admin
        .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name}"
        ))))
        .await
        .expect("create db");
    admin.close().await;
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, ""), |(b, q)| (b, q));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    let url = if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    };
    Backend::Pg(PgStore::open(&url).await.expect("open postgres"), url)
}

/// Every backend available: SQLite always, PostgreSQL when configured.
pub async fn backends() -> Vec<Backend> {
    let mut v = vec![sqlite().await];
    if let Some(u) = pg_url() {
        v.push(postgres(&u).await);
    }
    v
}

pub fn system() -> Actor {
    Actor::system("test")
}

pub async fn org(store: &dyn Store, name: &str, kind: OrgKind, sector: Option<&str>) -> Org {
    store
        .create_org(
            &system(),
            NewOrg {
                name_ja: name.into(),
                name_en: name.into(),
                kind,
                sector: sector.map(|s| Sector::parse(s).expect("sector")),
                prefecture: None,
            },
        )
        .await
        .expect("create org")
}

pub async fn user(store: &dyn Store, org: &Org, local: &str, role: Role) -> User {
    store
        .create_user(
            &system(),
            NewUser {
                org: org.id,
                email: Email::parse(&format!("{local}@org{}.example.jp", org.id)).expect("email"),
                display_name: local.into(),
                role,
                password_hash: "$argon2id$test".into(),
            },
        )
        .await
        .expect("create user")
}

pub async fn actor(store: &dyn Store, u: &User) -> Actor {
    Actor {
        viewer: store.viewer_for_user(u.id).await.expect("viewer"),
        label: u.email.to_string(),
        source: "test".into(),
        system: false,
    }
}

/// Runs an async test body on a fresh runtime (proptest cases are sync).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}
