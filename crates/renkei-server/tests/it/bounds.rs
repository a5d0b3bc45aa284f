//! Bounded resources: TAXII adds admitted up to their places (beyond,
//! 503 with Retry-After, changing nothing), stored before a graceful
//! shutdown ends or failed by name after its grace, failed at the next
//! start when a stopped process left them pending; requests limited in
//! number and time; parsing on the bounded pool; metric labels bounded.
//!
//! Slow work is made slow for real: a second connection holds the
//! database's write lock (SQLite `BEGIN IMMEDIATE`; PostgreSQL a table
//! locked against writes) while requests run into it.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use renkei_core::{Role, Timestamp};
use renkei_server::Settings;
use renkei_store::intel::{AddAbandoned, AddOutcome, TaxiiStatus};
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::oneshot;

use crate::support::{Reply, TestApp, fresh_pg_database};

const TAXII: &str = "application/taxii+json;version=2.1";

/// SQLite always, PostgreSQL when `RENKEI_TEST_PG_URL` is set, each with
/// the settings `f` makes.
async fn backends(f: impl Fn(&mut Settings)) -> Vec<(&'static str, TestApp)> {
    let mut v = vec![("sqlite", TestApp::with_settings(&f).await)];
    if let Ok(u) = std::env::var("RENKEI_TEST_PG_URL")
        && !u.is_empty()
    {
        let url = fresh_pg_database(&u).await;
        let app = TestApp::with_settings(|s| {
            f(s);
            s.database_url = url.clone().into();
        })
        .await;
        v.push(("postgres", app));
    }
    v
}

/// A write lock held by another connection until [`Hold::release`].
struct Hold {
    release: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Hold {
    /// SQLite: the whole database (`BEGIN IMMEDIATE`); PostgreSQL: writes
    /// to `table` only.
    async fn take(app: &TestApp, table: &str) -> Self {
        let (url, table) = (app.url.clone(), table.to_owned());
        let (ready_tx, ready) = oneshot::channel();
        let (release, released) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            if url.starts_with("sqlite:") {
                let mut c = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
                sqlx::raw_sql("BEGIN IMMEDIATE")
                    .execute(&mut c)
                    .await
                    .expect("lock");
                let _ = ready_tx.send(());
                let _ = released.await;
                sqlx::raw_sql("COMMIT")
                    .execute(&mut c)
                    .await
                    .expect("commit");
            } else {
                let mut c = sqlx::PgConnection::connect(&url).await.expect("postgres");
                let lock = format!("BEGIN; LOCK TABLE {table} IN EXCLUSIVE MODE");
                sqlx::raw_sql(sqlx::AssertSqlSafe(lock))
                    .execute(&mut c)
                    .await
                    .expect("lock");
                let _ = ready_tx.send(());
                let _ = released.await;
                sqlx::raw_sql("COMMIT")
                    .execute(&mut c)
                    .await
                    .expect("commit");
            }
        });
        ready.await.expect("lock taken");
        Self { release, done }
    }

    async fn release(self) {
        let _ = self.release.send(());
        self.done.await.expect("lock released");
    }
}

struct Taxii {
    objects: String,
    token: String,
}

impl Taxii {
    async fn new(app: &TestApp) -> Self {
        let (c, col) = app.council().await;
        Self {
            objects: format!("/taxii2/community-{}/collections/{}/objects/", c.id, col.id),
            token: app.token(&app.power, Role::Reporter).await,
        }
    }

    fn add(&self, objects: &[Value]) -> Request<Body> {
        Request::post(&self.objects)
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .header("authorization", format!("Bearer {}", self.token))
            .body(Body::from(json!({ "objects": objects }).to_string()))
            .expect("request")
    }

    async fn stored(&self, app: &TestApp) -> usize {
        let r = Request::get(format!("{}?limit=10000", self.objects))
            .header("accept", TAXII)
            .header("authorization", format!("Bearer {}", self.token))
            .body(Body::empty())
            .expect("request");
        let r = app.send(r).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Not the TLP 2.0 definitions every collection holds.
        r.json()["objects"].as_array().map_or(0, |a| {
            a.iter()
                .filter(|o| o["type"] != "marking-definition")
                .count()
        })
    }
}

fn indicators(from: usize, n: usize) -> Vec<Value> {
    (from..from + n)
        .map(|i| {
            json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--00000000-0000-4000-8000-{i:012}"),
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "pattern": format!("[ipv4-addr:value = '198.51.{}.{}']", i / 250 % 250, i % 250),
                "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z"
            })
        })
        .collect()
}

/// Sends `req` through the app in a task of its own.
fn spawn_send(app: &TestApp, req: Request<Body>) -> tokio::task::JoinHandle<Reply> {
    use tower::ServiceExt;
    let router = app.router.clone();
    tokio::spawn(async move {
        let res = router.oneshot(req).await.expect("infallible");
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
    })
}

async fn until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never: {what}");
}

/// The number of rows of `table`, behind the store's back.
async fn count(app: &TestApp, table: &str) -> i64 {
    let q = format!("SELECT COUNT(*) FROM {table}");
    if app.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.url)
            .await
            .expect("sqlite");
        sqlx::query_scalar(sqlx::AssertSqlSafe(q))
            .fetch_one(&mut c)
            .await
    } else {
        let mut c = sqlx::PgConnection::connect(&app.url)
            .await
            .expect("postgres");
        sqlx::query_scalar(sqlx::AssertSqlSafe(q))
            .fetch_one(&mut c)
            .await
    }
    .expect("count")
}

#[tokio::test]
async fn taxii_adds_beyond_their_places_are_refused_with_retry_after_changing_nothing() {
    for (db, app) in backends(|s| {
        s.taxii_add_concurrency = 1;
        s.taxii_add_queue = 0;
    })
    .await
    {
        let t = Taxii::new(&app).await;
        let hold = Hold::take(&app, "taxii_status").await;
        let first = spawn_send(&app, t.add(&indicators(0, 1)));
        until("the first add holds the one place", || {
            app.state.jobs.in_flight() == 1
        })
        .await;

        let r = app.send(t.add(&indicators(1, 1))).await;
        assert_eq!(r.status, 503, "{db}: {}", r.body);
        assert_eq!(r.headers["retry-after"], "5", "{db}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .is_ok_and(|c| c.starts_with("application/taxii+json")),
            "{db}: a TAXII error message"
        );
        assert_eq!(r.json()["error_code"], "server-busy", "{db}: {}", r.body);

        hold.release().await;
        let r = first.await.expect("join");
        assert_eq!(r.status, 202, "{db}: {}", r.body);
        assert_eq!(r.json()["status"], "complete", "{db}");
        assert_eq!(
            t.stored(&app).await,
            1,
            "{db}: the refused add stored nothing"
        );
        assert_eq!(
            count(&app, "taxii_status").await,
            1,
            "{db}: and has no status"
        );
        // The place is free again.
        let r = app.send(t.add(&indicators(1, 1))).await;
        assert_eq!(r.status, 202, "{db}: {}", r.body);
    }
}

/// Starts `run` on a free port with `app`'s state; the sender stops it.
fn serve(
    app: &TestApp,
) -> (
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (tx, rx) = oneshot::channel::<()>();
    let state = app.state.clone();
    let server = tokio::spawn(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        renkei_server::run(listener, state, async {
            let _ = rx.await;
        })
        .await
    });
    (tx, server)
}

/// An add too large to be waited for: answered `pending`, stored after.
const LARGE: usize = 1_500;

#[tokio::test]
async fn shutdown_stores_the_taxii_adds_it_accepted_before_the_process_ends() {
    for (db, app) in backends(|s| {
        s.shutdown_grace_secs = 60;
        s.retention_interval_secs = 0;
        s.webhook_interval_secs = 0;
    })
    .await
    {
        let t = Taxii::new(&app).await;
        let (stop, server) = serve(&app);
        let hold = Hold::take(&app, "stix_objects").await;
        let add = spawn_send(&app, t.add(&indicators(0, LARGE)));
        until("the add is accepted", || app.state.jobs.in_flight() == 1).await;
        stop.send(()).expect("stop");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!server.is_finished(), "{db}: shutdown waits for the add");
        hold.release().await;
        tokio::time::timeout(Duration::from_secs(60), server)
            .await
            .expect("stops")
            .expect("join")
            .expect("clean exit");

        // Nothing is left to finish once `run` has returned.
        let r = add.await.expect("join");
        assert_eq!(r.status, 202, "{db}: {}", r.body);
        let id = r.json()["id"].as_str().expect("status id").to_owned();
        let st = app
            .store
            .get_status(&id, app.power.id.0)
            .await
            .expect("status")
            .expect("kept");
        assert_eq!(
            (st.status.as_str(), st.outcome.successes.len(), st.pending),
            ("complete", LARGE, 0),
            "{db}"
        );
        assert_eq!(app.state.jobs.in_flight(), 0);
        assert_eq!(t.stored(&app).await, LARGE, "{db}");
    }
}

#[tokio::test]
async fn taxii_adds_left_after_the_shutdown_grace_complete_failed_naming_each_object() {
    for (db, app) in backends(|s| {
        s.shutdown_grace_secs = 1;
        s.retention_interval_secs = 0;
        s.webhook_interval_secs = 0;
    })
    .await
    {
        let t = Taxii::new(&app).await;
        let (stop, server) = serve(&app);
        let hold = Hold::take(&app, "stix_objects").await;
        let add = spawn_send(&app, t.add(&indicators(0, LARGE)));
        until("the add is accepted", || app.state.jobs.in_flight() == 1).await;
        stop.send(()).expect("stop");
        // Past the grace, then the lock goes.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        hold.release().await;
        tokio::time::timeout(Duration::from_secs(30), server)
            .await
            .expect("stops")
            .expect("join")
            .expect("clean exit");

        let r = add.await.expect("join");
        let id = r.json()["id"].as_str().expect("status id").to_owned();
        let st = app
            .store
            .get_status(&id, app.power.id.0)
            .await
            .expect("status")
            .expect("kept");
        assert_eq!((st.status.as_str(), st.pending), ("complete", 0), "{db}");
        assert!(st.outcome.successes.is_empty(), "{db}");
        assert_eq!(st.outcome.failures.len(), LARGE, "{db}: each object named");
        assert!(
            st.outcome
                .failures
                .iter()
                .all(|(_, v, m)| v.is_some() && m == AddAbandoned::Shutdown.message()),
            "{db}: {:?}",
            st.outcome.failures.first()
        );
        assert_eq!(t.stored(&app).await, 0, "{db}: and nothing was stored");
    }
}

#[tokio::test]
async fn a_status_a_stopped_process_left_pending_fails_at_the_next_start() {
    for (db, app) in backends(|s| {
        s.taxii_add_timeout_secs = 60;
        s.retention_interval_secs = 0;
        s.webhook_interval_secs = 0;
    })
    .await
    {
        let (_, col) = app.council().await;
        let now = Timestamp::now().0;
        for (id, ago) in [("lost", 120), ("recent", 1)] {
            let st = TaxiiStatus {
                id: id.into(),
                collection: col.id.clone(),
                org: app.power.id.0,
                status: "pending".into(),
                requested_at: now - ago * 1_000_000,
                total: 1,
                pending: 1,
                outcome: AddOutcome::default(),
                pending_objects: vec![(
                    "indicator--00000000-0000-4000-8000-000000000001".into(),
                    None,
                )],
            };
            app.store.create_status(&st).await.expect("status");
        }
        let (stop, server) = serve(&app);
        stop.send(()).expect("stop");
        server.await.expect("join").expect("clean exit");
        let get = |id: &'static str| app.store.get_status(id, app.power.id.0);
        let lost = get("lost").await.expect("status").expect("kept");
        assert_eq!(lost.status, "complete", "{db}");
        assert_eq!(
            lost.outcome.failures,
            [(
                "indicator--00000000-0000-4000-8000-000000000001".to_owned(),
                None,
                AddAbandoned::Stale.message().to_owned()
            )],
            "{db}"
        );
        let recent = get("recent").await.expect("status").expect("kept");
        assert_eq!(
            recent.status, "pending",
            "{db}: an add within its timeout may still be under way elsewhere"
        );
    }
}

fn import(token: &str, text: &str) -> Request<Body> {
    Request::post("/api/v1/imports?format=text&tlp=green")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/plain")
        .body(Body::from(text.to_owned()))
        .expect("request")
}

#[tokio::test]
async fn a_slow_request_times_out_with_503_and_stores_nothing() {
    for (db, app) in backends(|s| s.request_timeout_secs = 1).await {
        app.council().await;
        let token = app.token(&app.power, Role::Reporter).await;
        let hold = Hold::take(&app, "stix_objects").await;
        let started = std::time::Instant::now();
        let r = app.send(import(&token, "198.51.100.7\n")).await;
        let took = started.elapsed();
        hold.release().await;
        assert_eq!(r.status, 503, "{db}: {}", r.body);
        assert_eq!(r.json()["code"], "request-timeout", "{db}");
        assert!(
            r.json()["detail"]
                .as_str()
                .is_some_and(|d| d.contains("1 s")),
            "{db}: {}",
            r.body
        );
        assert!(took < Duration::from_secs(10), "{db}: {took:?}");
        assert_eq!(
            count(&app, "stix_objects WHERE owner_org <> 0").await,
            0,
            "{db}"
        );
        // Once the lock is gone the same import goes through.
        let r = app.send(import(&token, "198.51.100.7\n")).await;
        assert_eq!(r.status, 201, "{db}: {}", r.body);
    }
}

#[tokio::test]
async fn requests_beyond_the_limit_wait_or_are_refused_and_health_still_answers() {
    for (db, app) in backends(|s| {
        s.max_concurrent_requests = 1;
        s.max_queued_requests = 1;
    })
    .await
    {
        app.council().await;
        let token = app.token(&app.power, Role::Reporter).await;
        let hold = Hold::take(&app, "stix_objects").await;
        let running = spawn_send(&app, import(&token, "198.51.100.7\n"));
        until("one runs", || app.state.limits.in_use() == 1).await;
        let waiting = spawn_send(
            &app,
            Request::get("/api/v1/collections")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        );
        until("one waits", || app.state.limits.in_use() == 2).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "{db}: it waits for the place");

        let r = app.get("/api/v1/collections", "").await;
        assert_eq!(r.status, 503, "{db}: {}", r.body);
        assert_eq!(r.headers["retry-after"], "1", "{db}");
        assert_eq!(r.json()["code"], "server-busy", "{db}");
        assert_eq!(
            app.get("/healthz", "").await.status,
            200,
            "{db}: health is outside the limit"
        );

        hold.release().await;
        assert_eq!(running.await.expect("join").status, 201, "{db}");
        assert_eq!(waiting.await.expect("join").status, 200, "{db}");
        assert_eq!(app.state.limits.in_use(), 0);
    }
}

#[tokio::test]
async fn imports_and_taxii_adds_are_parsed_on_the_bounded_pool() {
    let app = TestApp::with_settings(|s| {
        s.parse_concurrency = 1;
        s.parse_queue = 0;
    })
    .await;
    let t = Taxii::new(&app).await;
    // Every parse place taken.
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let (started_tx, started) = oneshot::channel::<()>();
    let parse = app.state.parse.clone();
    let busy = tokio::spawn(async move {
        parse
            .run(move || {
                let _ = started_tx.send(());
                hold.recv().is_ok()
            })
            .await
    });
    started.await.expect("the pool's one place is taken");

    let r = app.send(import(&t.token, "198.51.100.7\n")).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["code"], "server-busy");
    assert_eq!(r.headers["retry-after"], "2");
    let r = app.send(t.add(&indicators(0, 1))).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(count(&app, "taxii_status").await, 0, "nothing recorded");
    assert_eq!(
        count(&app, "stix_objects WHERE owner_org <> 0").await,
        0,
        "nothing stored"
    );

    release.send(()).expect("release");
    assert_eq!(busy.await.expect("join"), Ok(true));
    assert_eq!(
        app.send(import(&t.token, "198.51.100.7\n")).await.status,
        201
    );
    assert_eq!(app.send(t.add(&indicators(0, 1))).await.status, 202);
}

#[tokio::test]
async fn the_metrics_method_label_takes_no_string_from_the_request() {
    let token = "metrics-token-0123456789";
    let app = TestApp::with_settings(|s| s.metrics_token = Some(token.into())).await;
    for m in ["BREW", "PROPFIND", "GET"] {
        let r = Request::builder()
            .method(m)
            .uri("/healthz")
            .body(Body::empty())
            .expect("request");
        app.send(r).await;
    }
    let r = Request::builder()
        .method("X-UNBOUNDED-1")
        .uri("/no/such/path/42")
        .body(Body::empty())
        .expect("request");
    app.send(r).await;
    let m = app
        .send(
            Request::get("/metrics")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert!(
        !m.body.contains("BREW") && !m.body.contains("PROPFIND"),
        "{}",
        m.body
    );
    assert!(
        !m.body.contains("X-UNBOUNDED") && !m.body.contains("/no/such"),
        "{}",
        m.body
    );
    assert!(
        m.body.contains(
            "renkei_http_requests_total{method=\"other\",route=\"/healthz\",status=\"405\"} 2"
        ),
        "{}",
        m.body
    );
    assert!(
        m.body.contains("method=\"other\",route=\"unmatched\""),
        "{}",
        m.body
    );
}
