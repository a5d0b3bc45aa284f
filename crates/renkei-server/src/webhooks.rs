//! Webhooks: an organisation's administrators register a URL; a worker
//! announces what became readable to that organisation, signs each
//! announcement with HMAC-SHA256 and retries failures with backoff.
//!
//! # What is sent
//!
//! Announcements carry metadata only, never an object's content:
//!
//! ```json
//! {"webhook": 3, "delivery_created": "2026-11-02T09:00:00.123456Z",
//!  "objects": [{"id": "indicator--…", "type": "indicator", "version": "2026-11-02T00:00:00.000Z",
//!               "tlp": "AMBER", "collection": "<uuid>", "date_added": "2026-11-02T08:59:58.5Z",
//!               "url": "https://renkei.example/taxii2/community-1/collections/<uuid>/objects/indicator--…/"}]}
//! ```
//!
//! The subscriber fetches each object over TAXII with its own credentials,
//! so the access decision is taken, and the read audited, at that fetch.
//! What is announced is what the organisation may read
//! ([`renkei_store::index::IndexStore::added_since`] applies the access rule
//! in SQL for the organisation, with no user: TLP:RED, which is addressed to
//! people, is never announced). The worker's reads are audited as
//! `webhook:<id>`.
//!
//! # Signature
//!
//! Every request is a `POST` with `Content-Type: application/json`,
//! `User-Agent: renkei-webhook/0.1` and
//!
//! - `X-Renkei-Delivery: <delivery id>` (the same on every retry: use it to
//!   drop duplicates, delivery is at least once),
//! - `X-Renkei-Timestamp: <unix seconds when sent>`,
//! - `X-Renkei-Signature: sha256=<hex>`, where `<hex>` is
//!   HMAC-SHA256 keyed with the webhook's secret (the 64-character string
//!   shown once at creation, used as its ASCII bytes, not hex-decoded) over
//!   `"<timestamp>.<body>"`, the body being the exact bytes received.
//!
//! A receiver recomputes the HMAC, compares in constant time, and refuses
//! timestamps more than a few minutes from its clock (replays). See
//! `docs/webhooks.md` for an example.
//!
//! # Delivery
//!
//! A 2xx answer within [`TIMEOUT`] is success; anything else is retried
//! after `30 s · 2^attempts` (at most an hour) plus up to 10 % jitter, and
//! after [`MAX_ATTEMPTS`] attempts the delivery is `failed`. Redirects are
//! not followed. A webhook's deliveries may arrive out of order; after a
//! failure its other due deliveries wait for the next tick. Run the worker
//! in one process only (`webhook_interval_secs = 0` on the others): two
//! workers would announce and deliver the same objects twice.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use hmac::{Hmac, Mac};
use rand::Rng;
use renkei_core::{Actor, CommunityId, OrgId, ParseError, Timestamp};
use renkei_store::StoreError;
use renkei_store::index::FoundObject;
use renkei_store::webhooks::{Delivery, Webhook};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::ApiError;

/// Attempts before a delivery is `failed` for good.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long one delivery may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const USER_AGENT: &str = "renkei-webhook/0.1";
/// Longest webhook URL accepted.
pub const MAX_URL_CHARS: usize = 2_000;
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

type HmacSha256 = Hmac<Sha256>;

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

/// `hex(HMAC-SHA256(secret, "<timestamp>.<body>"))`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail; a refusal would
    // yield a signature no receiver accepts rather than a panic.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A webhook URL: `http` or `https`, with a host, no credentials, at most
/// [`MAX_URL_CHARS`] characters.
pub fn parse_url(s: &str) -> Result<String, ParseError> {
    let s = s.trim();
    if s.chars().count() > MAX_URL_CHARS {
        return Err(ParseError::new(
            "url",
            format!("at most {MAX_URL_CHARS} characters"),
        ));
    }
    let u = url::Url::parse(s).map_err(|e| ParseError::new("url", format!("not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(ParseError::new(
            "url",
            "must start with http:// or https://",
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(ParseError::new("url", "must name a host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(ParseError::new(
            "url",
            "must not carry a user name or password (requests are signed instead)",
        ));
    }
    Ok(u.to_string())
}

/// Whether `ip` is a public unicast address: not loopback, private,
/// shared (CGNAT), link-local (cloud metadata), documentation, multicast,
/// reserved or unspecified.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_broadcast()
                || a.is_documentation()
                || a.is_unspecified()
                || a.is_multicast()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0))
        }
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            !(a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && a.segments()[1] == 0x0db8)
                && a.to_ipv4_mapped()
                    .is_none_or(|v4| is_public(IpAddr::V4(v4)))
        }
    }
}

/// Refuses a URL whose host is a non-public address literal (names are
/// checked when they are resolved, by the worker's resolver).
pub fn check_target(url: &str, allow_private: bool) -> Result<(), ParseError> {
    if allow_private {
        return Ok(());
    }
    let host = url::Url::parse(url).ok().and_then(|u| match u.host() {
        Some(url::Host::Ipv4(a)) => Some(std::net::IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => Some(std::net::IpAddr::V6(a)),
        _ => None,
    });
    match host {
        Some(ip) if !is_public(ip) => Err(ParseError::new(
            "url",
            "points at a private, local or reserved address",
        )),
        _ => Ok(()),
    }
}

/// Resolves webhook host names to public addresses only, at connection
/// time, so a name cannot be re-pointed at an internal address later.
#[derive(Debug)]
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<std::net::SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err("the host resolves to no public address".into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// A new webhook secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    crate::auth::random_secret()
}

/// Registers a webhook in `org`'s name from the command line (a system
/// actor, audited as `cli`); returns it with its secret.
pub async fn create_for_org(
    store: &dyn renkei_store::Store,
    key: Option<&crate::sealed::SealKey>,
    org: OrgId,
    url: &str,
) -> Result<(Webhook, String), CreateError> {
    let url = parse_url(url)?;
    let actor = Actor {
        viewer: store.org_viewer(org).await?,
        label: "system".into(),
        source: "cli".into(),
        system: true,
    };
    let secret = new_secret();
    let stored = crate::sealed::store_form(key, org.0, &secret);
    let w = store.create_webhook(&actor, &url, &stored).await?;
    Ok((w, secret))
}

/// Why [`create_for_org`] refused.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Invalid(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Retry delay after `attempts` earlier attempts, before jitter.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    BACKOFF_BASE_SECS
        .saturating_mul(1_i64 << exp)
        .min(BACKOFF_MAX_SECS)
}

/// Announces and delivers; [`Worker::tick`] is one round, [`start`] runs
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
            builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
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
                .get_or_create(&crate::metrics::OutcomeLabels {
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
    fn signing_secret(&self, w: &Webhook) -> Result<String, crate::sealed::SealError> {
        let key = self.state.settings.webhook_seal_key()?;
        crate::sealed::open(key.as_ref(), w.org, &w.secret)
    }

    /// One signed POST; `Err` says why it did not count as delivered.
    async fn send(&self, w: &Webhook, secret: &str, d: &Delivery) -> Result<(), String> {
        check_target(&w.url, self.state.settings.webhook_allow_private).map_err(|e| e.message)?;
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

// -- REST ----------------------------------------------------------------------

/// The webhook paths, nested into [`crate::api::ApiDoc`] under `/api/v1`
/// (hence the relative paths in the `utoipa::path` attributes below).
#[derive(OpenApi, Debug)]
#[openapi(paths(list_webhooks, create_webhook, disable_webhook, list_deliveries))]
pub struct WebhookDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::delete(disable_webhook),
        )
        .route("/api/v1/webhooks/{id}/deliveries", get(list_deliveries))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub org_id: i64,
    pub url: String,
    pub created_at: String,
    pub disabled: bool,
    /// HMAC key for `X-Renkei-Signature`; shown once, at creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            org_id: w.org,
            url: w.url,
            created_at: Timestamp(w.created_at).to_rfc3339(),
            disabled: w.disabled,
            secret: None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookRequest {
    /// `http://` or `https://`, at most 2,000 characters.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub object_count: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            status: d.status,
            attempts: d.attempts,
            object_count: d.object_count,
            next_attempt_at: d.next_attempt_at.map(|t| Timestamp(t).to_rfc3339()),
            last_error: d.last_error,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeliveryParams {
    /// At most this many, newest first (1–1000, default 100).
    pub limit: Option<i64>,
}

/// The caller's organisation, which the caller administers.
fn admin_org(p: &Principal) -> Result<OrgId, ApiError> {
    p.require()?;
    let org = p
        .viewer()
        .org
        .ok_or_else(|| ApiError::forbidden("webhooks belong to an organisation"))?;
    if !renkei_core::can_administer(&p.actor, org) {
        return Err(ApiError::forbidden(
            "only organisation administrators manage webhooks",
        ));
    }
    Ok(org)
}

/// The organisation's webhooks (its administrators); secrets are not shown.
#[utoipa::path(get, path = "/webhooks", responses((status = 200, body = [WebhookView]), (status = 403, description = "not an organisation administrator")), security(("bearer" = [])))]
pub async fn list_webhooks(
    State(s): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let org = admin_org(&p)?;
    Ok(Json(
        s.store
            .list_webhooks(Some(org.0))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Registers a webhook for the caller's organisation; the signing secret is
/// in this response only.
#[utoipa::path(post, path = "/webhooks", request_body = NewWebhookRequest, responses((status = 201, body = WebhookView), (status = 403, description = "not an organisation administrator"), (status = 422, description = "invalid url")), security(("bearer" = [])))]
pub async fn create_webhook(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewWebhookRequest>,
) -> Result<(StatusCode, Json<WebhookView>), ApiError> {
    let org = admin_org(&p)?;
    let url = parse_url(&r.url)?;
    check_target(&url, s.settings.webhook_allow_private)?;
    let key = s.settings.webhook_seal_key().map_err(|e| {
        tracing::error!(error = %e, "webhook_secret_key");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the server could not complete the request",
        )
    })?;
    let secret = new_secret();
    let stored = crate::sealed::store_form(key.as_ref(), org.0, &secret);
    let w = s.store.create_webhook(&p.actor, &url, &stored).await?;
    let mut v = WebhookView::from(w);
    v.secret = Some(secret);
    Ok((StatusCode::CREATED, Json(v)))
}

/// Disables a webhook: nothing more is announced, pending deliveries fail.
#[utoipa::path(delete, path = "/webhooks/{id}", params(("id" = i64, Path)), responses((status = 204, description = "disabled"), (status = 404, description = "not the organisation's, or already disabled")), security(("bearer" = [])))]
pub async fn disable_webhook(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    admin_org(&p)?;
    s.store.disable_webhook(&p.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's deliveries, newest first (without their payloads).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", params(("id" = i64, Path), DeliveryParams), responses((status = 200, body = [DeliveryView]), (status = 404, description = "not the organisation's")), security(("bearer" = [])))]
pub async fn list_deliveries(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<DeliveryParams>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    let org = admin_org(&p)?;
    let own = s.store.list_webhooks(Some(org.0)).await?;
    if !own.iter().any(|w| w.id == id) {
        return Err(ApiError::not_found("webhook"));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        s.store
            .list_deliveries(id, limit)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_implementation() {
        // Python: hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            sign("k", 1_700_000_000, "{}"),
            "c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_secs(0), 30);
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(6), 1_920);
        assert_eq!(backoff_secs(7), 3_600);
        assert_eq!(backoff_secs(99), 3_600);
    }

    #[test]
    fn urls_are_checked() {
        for (ip, public) in [
            ("45.32.100.77", true),
            ("2400:8500::1", true),
            ("127.0.0.1", false),
            ("10.0.0.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("::1", false),
            ("fe80::1", false),
            ("fd00::1", false),
            ("::ffff:10.0.0.1", false),
            ("0.0.0.0", false),
            ("192.0.2.1", false),
        ] {
            assert_eq!(is_public(ip.parse().expect("ip")), public, "{ip}");
        }
        assert!(check_target("http://10.0.0.1/x", false).is_err());
        assert!(check_target("http://10.0.0.1/x", true).is_ok());
        assert!(check_target("https://hooks.example.jp/x", false).is_ok());
        assert!(parse_url("https://hooks.example.jp/renkei").is_ok());
        assert!(parse_url("http://127.0.0.1:9000/x").is_ok());
        for bad in [
            "ftp://example.jp/",
            "not a url",
            "https://",
            "https://user:pw@example.jp/",
            "file:///etc/passwd",
        ] {
            assert_eq!(parse_url(bad).map_err(|e| e.field), Err("url"), "{bad}");
        }
        let long = format!("https://example.jp/{}", "a".repeat(MAX_URL_CHARS));
        assert!(parse_url(&long).is_err());
    }
}
