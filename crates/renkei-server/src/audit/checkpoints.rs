//! Signed checkpoints of the audit log, written outside the database: on a
//! schedule by the server (`audit_checkpoint_interval_secs`), and on demand
//! by `renkei audit checkpoint`. Each is a C2SP checkpoint
//! (`renkei_core::checkpoint`) in a file of its own in
//! `audit_checkpoint_dir` (plus `latest`), and is POSTed to
//! `audit_witness_url` if set. Someone who can write the database can
//! rewrite the log, but not the checkpoints already out of reach:
//! `renkei audit verify --checkpoint` then shows the rewrite.

use std::path::{Path, PathBuf};
use std::time::Duration;

use renkei_core::checkpoint::{Checkpoint, SigningKey};
use renkei_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::http::AppState;

/// How long a witness has to answer.
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// Writes signed checkpoints.
#[derive(Debug)]
pub struct Checkpointer {
    key: SigningKey,
    dir: PathBuf,
    witness: Option<String>,
    client: reqwest::Client,
}

/// A checkpoint written.
#[derive(Debug)]
pub struct Written {
    pub checkpoint: Checkpoint,
    pub path: PathBuf,
    /// The signed note, as written.
    pub note: String,
    /// The witness's answer (its status), or why it gave none.
    pub witness: Option<Result<u16, String>>,
}

impl Checkpointer {
    /// From the settings; `Ok(None)` when no signing key is set.
    pub fn from_settings(s: &Settings) -> Result<Option<Self>, String> {
        let Some(key) = s.audit_signing_key()? else {
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .timeout(WITNESS_TIMEOUT)
            .connect_timeout(WITNESS_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("audit_witness_url: {e}"))?;
        Ok(Some(Self {
            key,
            dir: s.audit_checkpoint_dir.clone(),
            witness: s.audit_witness_url.clone(),
            client,
        }))
    }

    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Signs the log's head as it is now, writes it and sends it to the
    /// witness. A witness that fails is reported, not an error: the file
    /// is written.
    pub async fn write(&self, store: &dyn Store) -> anyhow::Result<Written> {
        let head = store.audit_tree_head().await?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (checkpoint, note) = Checkpoint::sign(&self.key, head.size, head.root, now);
        let name = format!("checkpoint-{:012}-{now}.txt", head.size);
        let path = self.dir.join(name);
        write_new(&self.dir, &path, &note).await?;
        write_new(&self.dir, &self.dir.join("latest"), &note).await?;
        let witness = match &self.witness {
            Some(url) => Some(self.post(url, &note).await),
            None => None,
        };
        Ok(Written {
            checkpoint,
            path,
            note,
            witness,
        })
    }

    async fn post(&self, url: &str, note: &str) -> Result<u16, String> {
        let res = self
            .client
            .post(url)
            .header("content-type", "text/plain; charset=utf-8")
            .body(note.to_owned())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err(format!("the witness answered {status}"))
        }
    }
}

/// Writes `text` to `path` through a temporary file in `dir`, so a reader
/// never sees half a checkpoint.
async fn write_new(dir: &Path, path: &Path, text: &str) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4()));
    tokio::fs::write(&tmp, text).await?;
    tokio::fs::rename(&tmp, path).await
}

/// The running schedule; [`Schedule::stop`] ends it.
#[derive(Debug)]
pub struct Schedule {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Schedule {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task {
            let abort = task.abort_handle();
            if tokio::time::timeout(WITNESS_TIMEOUT, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

/// Starts writing checkpoints every `audit_checkpoint_interval_secs`, the
/// first at once. Without a key nothing runs, and the server says so: its
/// log is then only as safe as its database.
pub fn start(state: &AppState) -> Schedule {
    let (stop, rx) = watch::channel(false);
    let secs = state.settings.audit_checkpoint_interval_secs;
    let task = match Checkpointer::from_settings(&state.settings) {
        Ok(None) => {
            tracing::warn!(
                "audit_signing_key is not set: no audit checkpoints are written, so whoever can \
                 write the database can rewrite the audit log unnoticed"
            );
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "audit checkpoints not started");
            None
        }
        Ok(Some(_)) if secs == 0 => None,
        Ok(Some(c)) => {
            let store = state.store.clone();
            Some(tokio::spawn(run(c, store, Duration::from_secs(secs), rx)))
        }
    };
    Schedule { stop, task }
}

async fn run(
    c: Checkpointer,
    store: std::sync::Arc<dyn Store>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A checkpoint of an unchanged log says nothing new.
    let mut last = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        let size = match store.audit_tree_head().await {
            Ok(h) => h.size,
            Err(e) => {
                tracing::error!(error = %e, "audit checkpoint: cannot read the log's head");
                continue;
            }
        };
        if last == Some(size) {
            continue;
        }
        match c.write(store.as_ref()).await {
            Ok(w) => {
                last = Some(w.checkpoint.size);
                tracing::info!(size = w.checkpoint.size, path = %w.path.display(), "audit checkpoint written");
                if let Some(Err(e)) = &w.witness {
                    tracing::warn!(error = %e, "audit checkpoint: the witness did not take it");
                }
            }
            Err(e) => tracing::error!(error = %e, "audit checkpoint not written"),
        }
    }
}
