//! Audit checkpoints written by the server: signed, in the configured
//! directory, POSTed to a witness (a loopback receiver here), on a
//! schedule; none without a key.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use renkei_core::checkpoint::{Checkpoint, SigningKey};
use renkei_server::checkpoints::{self, Checkpointer};
use renkei_server::{AppState, Settings};

/// A witness on loopback that keeps what it is sent.
async fn witness() -> (Arc<Mutex<Vec<String>>>, String) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let me = got.clone();
    let app = axum::Router::new().route(
        "/add-checkpoint",
        axum::routing::post(move |body: String| {
            let me = me.clone();
            async move {
                me.lock().expect("lock").push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (got, format!("http://{addr}/add-checkpoint"))
}

async fn settings(dir: &std::path::Path, witness: Option<String>, key: Option<&str>) -> Settings {
    let mut s = Settings::defaults();
    s.database_url = format!("sqlite:{}", dir.join("t.db").display()).into();
    s.audit_checkpoint_dir = dir.join("checkpoints");
    s.audit_witness_url = witness;
    s.audit_log_origin = Some("renkei.test/audit".into());
    s.audit_signing_key = key.map(|k| k.to_owned().into());
    s
}

#[tokio::test]
async fn a_checkpoint_is_signed_written_and_witnessed() {
    let dir = tempfile::tempdir().expect("dir");
    let (got, url) = witness().await;
    let seed = "ab".repeat(32);
    let s = settings(dir.path(), Some(url), Some(&seed)).await;
    let store = renkei_store::open(s.database_url()).await.expect("store");
    let c = Checkpointer::from_settings(&s).expect("ok").expect("a key");
    let w = c.write(store.as_ref()).await.expect("written");
    let public = SigningKey::from_hex("renkei.test/audit", &seed)
        .expect("key")
        .public();
    let on_disk = std::fs::read_to_string(&w.path).expect("file");
    let opened = Checkpoint::open(&on_disk, &public).expect("signed");
    let head = store.audit_tree_head().await.expect("head");
    assert_eq!((opened.size, opened.root), (head.size, head.root));
    let latest = std::fs::read_to_string(dir.path().join("checkpoints/latest")).expect("latest");
    assert_eq!(latest, on_disk);
    assert_eq!(w.witness, Some(Ok(200)));
    assert_eq!(got.lock().expect("lock").as_slice(), [on_disk]);
}

#[tokio::test]
async fn a_witness_that_is_down_does_not_stop_the_checkpoint() {
    let dir = tempfile::tempdir().expect("dir");
    // Nothing listens there (a port just freed).
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/add-checkpoint", free.local_addr().expect("addr"));
    drop(free);
    let s = settings(dir.path(), Some(url), Some(&"cd".repeat(32))).await;
    let store = renkei_store::open(s.database_url()).await.expect("store");
    let c = Checkpointer::from_settings(&s).expect("ok").expect("a key");
    let w = c.write(store.as_ref()).await.expect("written");
    assert!(w.path.exists());
    assert!(matches!(w.witness, Some(Err(_))), "{:?}", w.witness);
}

#[tokio::test]
async fn the_server_writes_checkpoints_on_a_schedule_and_none_without_a_key() {
    let dir = tempfile::tempdir().expect("dir");
    let (got, url) = witness().await;
    let mut s = settings(dir.path(), Some(url), Some(&"ef".repeat(32))).await;
    s.audit_checkpoint_interval_secs = 1;
    let store = renkei_store::open(s.database_url()).await.expect("store");
    let schedule = checkpoints::start(&AppState::new(store.clone(), s));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while got.lock().expect("lock").is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    schedule.stop().await;
    assert!(
        !got.lock().expect("lock").is_empty(),
        "a checkpoint within 10 s"
    );
    assert!(dir.path().join("checkpoints/latest").exists());

    let bare = tempfile::tempdir().expect("dir");
    let mut s = settings(bare.path(), None, None).await;
    s.audit_checkpoint_interval_secs = 1;
    let store = renkei_store::open(s.database_url()).await.expect("store");
    let schedule = checkpoints::start(&AppState::new(store, s));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    schedule.stop().await;
    assert!(
        !bare.path().join("checkpoints").exists(),
        "no key, no checkpoint"
    );
}
