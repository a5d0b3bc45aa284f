//! The webhook worker: each tick announces what became readable to each
//! webhook's organisation, then delivers what is due, signed, retrying
//! failures with backoff.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng;
use renkei_core::{Actor, CommunityId, OrgId, Timestamp};
use renkei_store::StoreError;
use renkei_store::index::FoundObject;
use renkei_store::webhooks::{Delivery, Webhook};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::sign::sign;
use super::ssrf::{PublicOnly, check_target};
use crate::http::AppState;
use crate::sealed;

/// Attempts before a delivery is `failed` for good.
pub const MAX_ATTEMPTS: i64 = 8;

/// How long one delivery may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub const USER_AGENT: &str = "renkei-webhook/0.1";

/// Objects per announcement.
const BATCH: i64 = 100;

/// Announcements per webhook per tick (the rest wait for the next tick).
const MAX_BATCHES_PER_TICK: usize = 10;

/// Deliveries attempted per tick.
const DUE_LIMIT: i64 = 50;

/// Objects added less than this long ago (µs) are left for the next tick, so
/// a transaction that took its `date_added` earlier but commits later is not
/// passed over by the cursor.
const SETTLE_MICROS: i64 = 2_000_000;

/// First retry delay and the cap, in seconds.
const BACKOFF_BASE_SECS: i64 = 30;

const BACKOFF_MAX_SECS: i64 = 3_600;

/// How long shutdown waits for a tick in progress.
const STOP_GRACE: Duration = Duration::from_secs(15);

/// Why the worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("webhook HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickStats {
    /// Announcements queued.
    pub enqueued: u64,
    /// Objects in them.
    pub announced: u64,
    pub delivered: u64,
    /// Failed attempts that will be retried.
    pub retried: u64,
    /// Deliveries given up.
    pub failed: u64,
    /// Due deliveries not attempted because this server cannot open the
    /// webhook's sealed secret (no `webhook_secret_key`, or another one):
    /// a fault here, not at the receiver, so no attempt is counted; they
    /// are due again when their claim lapses (4 × [`TIMEOUT`]).
    pub held: u64,
}

impl TickStats {
    fn add(&mut self, o: Self) {
        self.enqueued += o.enqueued;
        self.announced += o.announced;
        self.delivered += o.delivered;
        self.retried += o.retried;
        self.failed += o.failed;
        self.held += o.held;
    }
}

/// Retry delay after `attempts` earlier attempts, before jitter.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    BACKOFF_BASE_SECS
        .saturating_mul(1_i64 << exp)
        .min(BACKOFF_MAX_SECS)
}

/// Announces and delivers; [`Worker::tick`] is one round, `start` runs
/// rounds on an interval.
#[derive(Debug, Clone)]
pub struct Worker {
    state: AppState,
    client: reqwest::Client,
}

impl Worker {
    pub fn new(state: AppState) -> Result<Self, WorkerError> {
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT);
        if !state.settings.webhook_allow_private {
            // A proxy from the environment would resolve and connect on its
            // own, past the resolver that keeps deliveries off private networks.
            builder = builder
                .dns_resolver(std::sync::Arc::new(PublicOnly))
                .no_proxy();
        }
        let client = builder.build()?;
        Ok(Self { state, client })
    }

    /// One round at `now`: queue announcements for every enabled webhook,
    /// then attempt the deliveries due at `now`.
    pub async fn tick(&self, now: Timestamp) -> Result<TickStats, StoreError> {
        let mut stats = TickStats::default();
        let hooks = self.state.store.list_webhooks(None).await?;
        for w in hooks.iter().filter(|w| !w.disabled) {
            match self.announce(w, now).await {
                Ok(s) => stats.add(s),
                Err(e) => tracing::warn!(webhook = w.id, error = %e, "webhook: announcing failed"),
            }
        }
        stats.add(self.deliver(&hooks, now).await?);
        Ok(stats)
    }

    /// Queues what is new for `w`'s organisation, moving its cursor.
    async fn announce(&self, w: &Webhook, now: Timestamp) -> Result<TickStats, StoreError> {
        let store = &self.state.store;
        let actor = Actor {
            viewer: store.org_viewer(OrgId(w.org)).await?,
            label: format!("webhook:{}", w.id),
            source: "webhook".into(),
            system: false,
        };
        let settled = now.0.saturating_sub(SETTLE_MICROS);
        let mut stats = TickStats::default();
        let mut cursor = w.cursor;
        for _ in 0..MAX_BATCHES_PER_TICK {
            let found = store.added_since(&actor, cursor, BATCH).await?;
            let full = found.len() as i64 >= BATCH;
            let ready: Vec<FoundObject> = found
                .into_iter()
                .take_while(|f| f.row.date_added <= settled)
                .collect();
            let Some(last) = ready.last() else { break };
            let next = (last.row.date_added, last.row.pk);
            let payload = self.payload(w.id, &ready).await?;
            if store
                .enqueue_delivery(w.id, &payload, ready.len() as i64, cursor, next)
                .await?
                .is_none()
            {
                // Another worker announced this stretch first.
                break;
            }
            stats.enqueued += 1;
            stats.announced += ready.len() as u64;
            cursor = next;
            if !full || (ready.len() as i64) < BATCH {
                break;
            }
        }
        Ok(stats)
    }

    async fn payload(&self, webhook: i64, objects: &[FoundObject]) -> Result<String, StoreError> {
        let base = match &self.state.settings.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.state.settings.listen),
        };
        let mut list = Vec::with_capacity(objects.len());
        for f in objects {
            let community = self.community_of(&f.collection_id).await?;
            list.push(serde_json::json!({
                "id": f.row.stix_id,
                "type": f.row.stix_type,
                "version": f.row.version,
                "tlp": f.row.tlp.as_str(),
                "collection": f.collection_id,
                "date_added": Timestamp(f.row.date_added).to_rfc3339(),
                // The API root naming of `taxii.rs`: one root per community.
                "url": format!(
                    "{base}/taxii2/community-{}/collections/{}/objects/{}/",
                    community.0, f.collection_id, f.row.stix_id
                ),
            }));
        }
        Ok(serde_json::json!({
            "webhook": webhook,
            "delivery_created": Timestamp::now().to_rfc3339(),
            "objects": list,
        })
        .to_string())
    }

    async fn community_of(&self, collection: &str) -> Result<CommunityId, StoreError> {
        let cached = self
            .state
            .collections
            .read()
            .ok()
            .and_then(|m| m.get(collection).map(|c| c.community));
        if let Some(c) = cached {
            return Ok(c);
        }
        let c = self.state.store.get_collection(collection).await?;
        let community = c.community;
        if let Ok(mut m) = self.state.collections.write() {
            m.insert(collection.to_owned(), c);
        }
        Ok(community)
    }

    /// Attempts the due deliveries: webhooks in parallel, each webhook's in
    /// order, stopping at its first failure.
    async fn deliver(&self, hooks: &[Webhook], now: Timestamp) -> Result<TickStats, StoreError> {
        // What this round queued is due at once, even when `now` was taken
        // before it was queued.
        let due_at = now.max(Timestamp::now());
        // Claimed for twice the request timeout: long enough to send, short
        // enough that a worker that died mid-round is retried soon.
        let lease = due_at.0.saturating_add(4 * TIMEOUT.as_micros() as i64);
        let due = self
            .state
            .store
            .due_deliveries(due_at.0, lease, DUE_LIMIT)
            .await?;
        let mut groups: BTreeMap<i64, Vec<Delivery>> = BTreeMap::new();
        for d in due {
            groups.entry(d.webhook).or_default().push(d);
        }
        let mut set = JoinSet::new();
        for (id, list) in groups {
            let hook = hooks.iter().find(|w| w.id == id).cloned();
            let me = self.clone();
            set.spawn(async move { me.deliver_to(hook, list, now).await });
        }
        let mut stats = TickStats::default();
        let mut first_err = None;
        while let Some(r) = set.join_next().await {
            match r {
                Ok(Ok(s)) => stats.add(s),
                Ok(Err(e)) => {
                    first_err.get_or_insert(e);
                }
                Err(e) => tracing::error!(error = %e, "webhook: delivery task failed"),
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }

    async fn deliver_to(
        &self,
        hook: Option<Webhook>,
        list: Vec<Delivery>,
        now: Timestamp,
    ) -> Result<TickStats, StoreError> {
        let store = &self.state.store;
        let counter = |outcome: &str| {
            self.state
                .metrics
                .webhook_attempts
                .get_or_create(&crate::http::metrics::OutcomeLabels {
                    outcome: outcome.to_owned(),
                })
                .inc();
        };
        let mut stats = TickStats::default();
        // The signing secret, opened once for the webhook's deliveries.
        let secret = match hook.as_ref().filter(|w| !w.disabled) {
            Some(w) => match self.signing_secret(w) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::error!(webhook = w.id, error = %e, "webhook: deliveries held");
                    stats.held = list.len() as u64;
                    return Ok(stats);
                }
            },
            None => None,
        };
        for d in list {
            let (w, secret) = match (&hook, &secret) {
                (Some(w), Some(secret)) if !w.disabled => (w, secret),
                (gone, _) => {
                    let why = if gone.is_some() {
                        "the webhook was disabled"
                    } else {
                        "the webhook no longer exists"
                    };
                    store.record_attempt(d.id, Err(why.into()), None).await?;
                    stats.failed += 1;
                    continue;
                }
            };
            match self.send(w, secret, &d).await {
                Ok(()) => {
                    store.record_attempt(d.id, Ok(()), None).await?;
                    counter("delivered");
                    stats.delivered += 1;
                }
                Err(msg) => {
                    tracing::info!(webhook = w.id, delivery = d.id, attempts = d.attempts + 1, error = %msg, "webhook: delivery failed");
                    if d.attempts + 1 >= MAX_ATTEMPTS {
                        store.record_attempt(d.id, Err(msg), None).await?;
                        counter("failed");
                        stats.failed += 1;
                    } else {
                        let delay = backoff_secs(d.attempts);
                        let jitter = rand::rng().random_range(0..=delay / 10);
                        let at = now.plus_seconds(delay + jitter);
                        store.record_attempt(d.id, Err(msg), Some(at.0)).await?;
                        counter("retry");
                        stats.retried += 1;
                    }
                    // The receiver is struggling: the rest waits for the next tick.
                    break;
                }
            }
        }
        Ok(stats)
    }

    /// The webhook's secret, opened with this server's key if sealed.
    fn signing_secret(&self, w: &Webhook) -> Result<String, sealed::SealError> {
        let key = self.state.settings.webhook_seal_key()?;
        sealed::open(key.as_ref(), w.org, &w.secret)
    }

    /// One signed POST; `Err` says why it did not count as delivered.
    async fn send(&self, w: &Webhook, secret: &str, d: &Delivery) -> Result<(), String> {
        check_target(&w.url, self.state.settings.webhook_allow_private)
            .map_err(|e| e.to_string())?;
        let ts = Timestamp::now().0.div_euclid(1_000_000);
        let res = self
            .client
            .post(&w.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Renkei-Delivery", d.id.to_string())
            .header("X-Renkei-Timestamp", ts.to_string())
            .header(
                "X-Renkei-Signature",
                format!("sha256={}", sign(secret, ts, &d.payload)),
            )
            .body(d.payload.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = res.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }

    /// Ticks every `every` until `stop` turns true; a tick in progress
    /// finishes first.
    pub async fn run(self, every: Duration, mut stop: watch::Receiver<bool>) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                r = stop.changed() => {
                    if r.is_err() || *stop.borrow() {
                        break;
                    }
                    continue;
                }
            }
            if *stop.borrow() {
                break;
            }
            match self.tick(Timestamp::now()).await {
                Ok(s) if s != TickStats::default() => tracing::info!(?s, "webhook tick"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook tick failed"),
            }
        }
    }
}

/// A reqwest error as a short line (no URL: it is the subscriber's own).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("timed out after {} s", TIMEOUT.as_secs());
    }
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg.chars().take(500).collect()
}

/// The running worker; [`WorkerHandle::stop`] ends it.
#[derive(Debug)]
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits for its tick in progress (at most
    /// a few seconds, then it is aborted).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task {
            let abort = task.abort_handle();
            if tokio::time::timeout(STOP_GRACE, task).await.is_err() {
                tracing::warn!("webhook worker did not stop in time; aborted");
                abort.abort();
            }
        }
    }
}

/// Starts the worker on `webhook_interval_secs` (not at all when 0).
pub fn start(state: &AppState) -> WorkerHandle {
    let (stop, rx) = watch::channel(false);
    let secs = state.settings.webhook_interval_secs;
    let task = if secs == 0 {
        None
    } else {
        match Worker::new(state.clone()) {
            Ok(w) => Some(tokio::spawn(w.run(Duration::from_secs(secs), rx))),
            Err(e) => {
                tracing::error!(error = %e, "webhook worker not started");
                None
            }
        }
    };
    WorkerHandle { stop, task }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_secs(0), 30);
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(6), 1_920);
        assert_eq!(backoff_secs(7), 3_600);
        assert_eq!(backoff_secs(99), 3_600);
    }
}
