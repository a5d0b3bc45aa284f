//! The reminder sweep: every minute (`report_reminder_interval_secs`), the
//! reports whose earliest open deadline is near or just past are checked
//! against the reminder policy (renkei_report::due_reminders); each
//! reminder due is recorded once in the store, then sent by e-mail to the
//! reporting organisation's filers and announced to its webhooks. The
//! portal shows the same clocks on the reports pages.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp as Instant;
use renkei_core::{Actor, Role, Timestamp};
use renkei_report::{ReminderKind, ReminderPolicy, due_reminders};
use renkei_store::StoreError;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::service::{from_instant, report_clocks, to_instant};
use crate::config::Settings;
use crate::http::AppState;
use crate::mail::Reminder;

/// The furthest ahead a reminder is sent (a day before a day deadline,
/// with room for sweeps that were late).
const AHEAD: i64 = 3 * 24 * 3_600_000_000;
/// Deadlines further past than this get no reminder any more: the report's
/// page says it is overdue, and the sweep is not crowded by old cases.
const BEHIND: i64 = 7 * 24 * 3_600_000_000;
/// Reports looked at in one sweep.
const BATCH: i64 = 500;

/// The policy the settings name.
pub fn reminder_policy(s: &Settings) -> Result<ReminderPolicy, String> {
    ReminderPolicy::from_ids(&s.report_reminders_hours, &s.report_reminders_days)
        .map_err(|e| format!("report_reminders_hours / report_reminders_days: {e}"))
}

/// Sends the reminders due at `now`; returns how many were sent.
pub async fn sweep(s: &AppState, now: Instant) -> Result<u64, StoreError> {
    let policy = reminder_policy(&s.settings).unwrap_or_default();
    let system = Actor::system("reminders");
    let at = from_instant(now);
    let due = s
        .store
        .reports_due(
            &system,
            Timestamp(at.0 - BEHIND),
            Timestamp(at.0 + AHEAD),
            BATCH,
        )
        .await?;
    let mut sent = 0;
    for open in due {
        let r = &open.report;
        let Some(profile) = s.reports.get(&r.profile_id) else {
            continue;
        };
        let clocks = report_clocks(profile, r, open.incident.as_ref(), &open.submitted, now);
        let already: BTreeSet<(String, ReminderKind)> = open
            .reminded
            .iter()
            .filter_map(|(st, k)| Some((st.clone(), ReminderKind::parse(k)?)))
            .collect();
        let awareness = open
            .incident
            .as_ref()
            .and_then(|i| i.aware_at)
            .map(to_instant);
        for d in due_reminders(profile, &clocks, awareness, &policy, &already, now) {
            if !s
                .store
                .record_reminder(&system, r.id, &d.stage, &d.kind.id())
                .await?
            {
                continue;
            }
            sent += 1;
            let url = match &s.settings.public_url {
                Some(base) => format!("{}/reports/{}", base.trim_end_matches('/'), r.id),
                None => format!("/reports/{}", r.id),
            };
            if s.mail.enabled() {
                let to: Vec<String> = s
                    .store
                    .list_users(Some(r.org))
                    .await?
                    .into_iter()
                    .filter(|u| {
                        u.active
                            && matches!(
                                u.role,
                                Role::Admin | Role::Reporter | Role::CoordinatorAnalyst
                            )
                    })
                    .map(|u| u.email.to_string())
                    .collect();
                let letter = s.mail.reminder_letter(
                    &Reminder {
                        organisation: &r.org_name,
                        profile,
                        due: &d,
                        url: &url,
                    },
                    None,
                );
                if !to.is_empty()
                    && let Err(e) = s.mail.send(&to, letter)
                {
                    tracing::warn!(report = r.id, error = %e, "reminder mail not queued");
                }
            }
            let payload = serde_json::json!({
                "type": "report-reminder",
                "report": r.id,
                "profile": r.profile_id,
                "stage": d.stage,
                "kind": d.kind.id(),
                "deadline": d.deadline.to_string(),
                "url": url,
            })
            .to_string();
            for w in s.store.list_webhooks(Some(r.org.0)).await? {
                if !w.disabled {
                    s.store.enqueue_event(w.id, &payload).await?;
                }
            }
        }
    }
    Ok(sent)
}

/// The running sweeps; [`Sweeps::stop`] ends them.
#[derive(Debug)]
pub struct Sweeps {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Sweeps {
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

/// Starts the sweeps (none when `report_reminder_interval_secs` is 0).
pub fn start(state: &AppState) -> Sweeps {
    let (stop, mut rx) = watch::channel(false);
    let secs = state.settings.report_reminder_interval_secs;
    let task = (secs > 0).then(|| {
        let state = Arc::new(state.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(secs));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = rx.changed() => return,
                }
                match sweep(&state, Instant::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(reminders = n, "report reminders sent"),
                    Err(e) => tracing::error!(error = %e, "report reminder sweep failed"),
                }
            }
        })
    });
    Sweeps { stop, task }
}
