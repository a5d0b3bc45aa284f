//! Retention: every `retention_interval_secs` (the first round at start),
//! deletes what nobody can use any more — expired sessions, sign-in rows
//! past their window, finished TAXII statuses older than
//! `taxii_status_retention_hours` (TAXII 2.1 lets status resources
//! expire), share form submission keys past a day (a re-sent form older
//! than that is a new submission) — and fails TAXII statuses still pending `taxii_add_timeout_secs`
//! after their request: the process storing them stopped, and by then no
//! live process may still store them. Each statement lives in the store
//! module that owns its table; every deletion is audited. Any number of
//! processes may run it: each round is idempotent.

use std::sync::Arc;
use std::time::Duration;

use renkei_core::{Actor, Timestamp};
use renkei_store::{Store, StoreError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::http::AppState;

const HOUR_US: i64 = 3_600 * 1_000_000;

/// How long a share form's submission key is kept (its idempotency window).
pub const SUBMISSION_KEEP_US: i64 = 24 * HOUR_US;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sessions: u64,
    pub sign_in: u64,
    pub statuses: u64,
    /// Statuses left pending by a stopped process, now failed.
    pub stale: u64,
    /// Share form submission keys past their window.
    pub submissions: u64,
}

/// Fails the TAXII statuses left pending by a process that stopped:
/// requested more than `taxii_add_timeout_secs` before `now`.
pub async fn fail_stale(
    store: &dyn Store,
    s: &Settings,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let timeout = i64::try_from(s.taxii_add_timeout_secs).unwrap_or(i64::MAX / 2_000_000);
    store
        .fail_stale_statuses(now.0.saturating_sub(timeout.saturating_mul(1_000_000)))
        .await
}

/// One round at `now`.
pub async fn round(store: &dyn Store, s: &Settings, now: Timestamp) -> Result<Round, StoreError> {
    let actor = Actor::system("retention");
    let window = s.login_window_minutes.max(1).saturating_mul(60 * 1_000_000);
    let keep = s
        .taxii_status_retention_hours
        .max(1)
        .saturating_mul(HOUR_US);
    Ok(Round {
        sessions: store.prune_sessions(&actor, now).await?,
        sign_in: store.prune_sign_in(&actor, now, window).await?,
        statuses: store
            .prune_statuses(&actor, now.0.saturating_sub(keep))
            .await?,
        stale: fail_stale(store, s, now).await?,
        submissions: store
            .prune_submissions(&actor, now.0.saturating_sub(SUBMISSION_KEEP_US))
            .await?,
    })
}

/// The running schedule; [`Schedule::stop`] ends it.
#[derive(Debug)]
pub struct Schedule {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Schedule {
    /// Ends the schedule, letting a round under way finish (it is a few
    /// statements).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// Starts the rounds (none when `retention_interval_secs` is 0).
pub fn start(state: &AppState) -> Schedule {
    let (stop, rx) = watch::channel(false);
    let secs = state.settings.retention_interval_secs;
    let task = (secs > 0).then(|| {
        let (store, settings) = (state.store.clone(), state.settings.clone());
        tokio::spawn(run(store, settings, Duration::from_secs(secs), rx))
    });
    Schedule { stop, task }
}

async fn run(
    store: Arc<dyn Store>,
    settings: Arc<Settings>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        match round(store.as_ref(), &settings, Timestamp::now()).await {
            Ok(r) if r == Round::default() => {}
            Ok(r) => tracing::info!(
                sessions = r.sessions,
                sign_in = r.sign_in,
                taxii_statuses = r.statuses,
                stale_taxii_statuses = r.stale,
                share_submissions = r.submissions,
                "retention round"
            ),
            Err(e) => tracing::error!(error = %e, "retention round failed"),
        }
    }
}
