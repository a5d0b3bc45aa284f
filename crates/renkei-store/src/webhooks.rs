//! Webhooks: an organisation's endpoints, the cursor of what each has been
//! told, and the queue of deliveries with their attempts.

use async_trait::async_trait;
use renkei_core::{Actor, Timestamp};

use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql};
use crate::store::{SqlStore, StampOwn};
use crate::{Result, StoreError};

/// An organisation's webhook (`Debug` leaves the secret out).
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub org: i64,
    pub url: String,
    /// The HMAC key; shown once on creation, kept to sign deliveries.
    pub secret: String,
    pub created_at: i64,
    pub disabled: bool,
    pub cursor: (i64, i64),
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("org", &self.org)
            .field("url", &self.url)
            .field("secret", &"…")
            .field("created_at", &self.created_at)
            .field("disabled", &self.disabled)
            .field("cursor", &self.cursor)
            .finish()
    }
}

/// One announcement to a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook: i64,
    pub payload: String,
    pub object_count: i64,
    pub attempts: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Webhooks and their deliveries.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook(&self, actor: &Actor, url: &str, secret: &str) -> Result<Webhook>;
    /// The organisation's webhooks (all when `org` is `None`, for the worker).
    async fn list_webhooks(&self, org: Option<i64>) -> Result<Vec<Webhook>>;
    async fn disable_webhook(&self, actor: &Actor, id: i64) -> Result<()>;
    /// Records an announcement and moves the webhook's cursor from `from`
    /// to `to`, together; `None` (nothing recorded) when another worker
    /// moved the cursor first.
    async fn enqueue_delivery(
        &self,
        webhook: i64,
        payload: &str,
        object_count: i64,
        from: (i64, i64),
        to: (i64, i64),
    ) -> Result<Option<i64>>;
    /// Records an announcement of something other than new objects (a
    /// report's deadline reminder) for the worker to deliver like any other.
    async fn enqueue_event(&self, webhook: i64, payload: &str) -> Result<i64>;
    /// Pending deliveries due at `now`, oldest first, each claimed until
    /// `lease_until` so that a second worker does not send it too (and a
    /// worker that dies lets it fall due again).
    async fn due_deliveries(&self, now: i64, lease_until: i64, limit: i64)
    -> Result<Vec<Delivery>>;
    /// Records an attempt: delivered, or retried at `retry_at`, or failed
    /// for good when `retry_at` is `None`.
    async fn record_attempt(
        &self,
        id: i64,
        result: std::result::Result<(), String>,
        retry_at: Option<i64>,
    ) -> Result<()>;
    async fn list_deliveries(&self, webhook: i64, limit: i64) -> Result<Vec<Delivery>>;
}

const INSERT_WEBHOOK: &str = "
    INSERT INTO webhooks (org_id, url, secret, created_by, created_at, cursor_added, cursor_pk)
    VALUES ($1, $2, $3, $4, $5, $6, 0)
    RETURNING id, org_id, url, secret, created_at, disabled_at, cursor_added, cursor_pk";

const LIST_ALL: &str = "
    SELECT id, org_id, url, secret, created_at, disabled_at, cursor_added, cursor_pk
    FROM webhooks
    ORDER BY id";

const LIST_OF_ORG: &str = "
    SELECT id, org_id, url, secret, created_at, disabled_at, cursor_added, cursor_pk
    FROM webhooks
    WHERE org_id = $1
    ORDER BY id";

/// Ends a webhook: stamped disabled, never deleted.
const DISABLE: StampOwn = StampOwn {
    sql: "
        UPDATE webhooks
        SET disabled_at = $1
        WHERE id = $2 AND org_id = $3 AND disabled_at IS NULL",
    what: "webhook",
    action: "webhook.disable",
    prefix: "webhook",
};

/// Compare and swap: a second worker that read the same cursor moves
/// nothing and records nothing.
const MOVE_CURSOR: &str = "
    UPDATE webhooks
    SET cursor_added = $1, cursor_pk = $2
    WHERE id = $3 AND cursor_added = $4 AND cursor_pk = $5";

const INSERT_DELIVERY: &str = "
    INSERT INTO webhook_deliveries (
        webhook_id, created_at, payload, object_count, attempts, status, next_attempt_at
    )
    VALUES ($1, $2, $3, $4, 0, 'pending', $5)
    RETURNING id";

const DUE: &str = "
    SELECT id, webhook_id, payload, object_count, attempts, status, next_attempt_at, last_error
    FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at <= $1
    ORDER BY next_attempt_at, id
    LIMIT $2";

/// Claims a delivery by moving its due time past the lease; only one
/// worker's UPDATE matches the old due time.
const CLAIM: &str = "
    UPDATE webhook_deliveries
    SET next_attempt_at = $1
    WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3";

const RECORD_ATTEMPT: &str = "
    UPDATE webhook_deliveries
    SET attempts = attempts + 1, status = $1, last_error = $2, next_attempt_at = $3,
        delivered_at = $4
    WHERE id = $5";

const LIST_DELIVERIES: &str = "
    SELECT id, webhook_id, payload, object_count, attempts, status, next_attempt_at, last_error
    FROM webhook_deliveries
    WHERE webhook_id = $1
    ORDER BY id DESC
    LIMIT $2";

#[async_trait]
impl<B: Backend> WebhookStore for SqlStore<B> {
    async fn create_webhook(&self, actor: &Actor, url: &str, secret: &str) -> Result<Webhook> {
        let Some(org) = actor.viewer.org else {
            return Err(StoreError::Forbidden("webhooks belong to an organisation"));
        };
        if !renkei_core::can_administer(actor, org) {
            let why = "only organisation administrators manage webhooks";
            return Err(self
                .deny(actor, "webhook.create", &format!("org:{org}"), why)
                .await);
        }
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let r = Sql::new(INSERT_WEBHOOK)
            .bind(org.0)
            .bind(url)
            .bind(secret)
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(now)
            .bind(now)
            .fetch_one(&mut tx)
            .await?;
        let w = webhook(&r)?;
        let object = format!("webhook:{}", w.id);
        append(&mut tx, actor, "webhook.create", &object, url).await?;
        self.commit(tx).await?;
        Ok(w)
    }

    async fn list_webhooks(&self, org: Option<i64>) -> Result<Vec<Webhook>> {
        let q = match org {
            Some(o) => Sql::new(LIST_OF_ORG).bind(o),
            None => Sql::new(LIST_ALL),
        };
        q.fetch_all(self).await?.iter().map(webhook).collect()
    }

    async fn disable_webhook(&self, actor: &Actor, id: i64) -> Result<()> {
        if !actor
            .viewer
            .org
            .is_some_and(|o| renkei_core::can_administer(actor, o))
        {
            let why = "only organisation administrators manage webhooks";
            let object = format!("webhook:{id}");
            return Err(self.deny(actor, "webhook.disable", &object, why).await);
        }
        self.stamp_own(actor, DISABLE, id).await
    }

    async fn enqueue_delivery(
        &self,
        webhook: i64,
        payload: &str,
        object_count: i64,
        from: (i64, i64),
        to: (i64, i64),
    ) -> Result<Option<i64>> {
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let moved = Sql::new(MOVE_CURSOR)
            .bind(to.0)
            .bind(to.1)
            .bind(webhook)
            .bind(from.0)
            .bind(from.1)
            .execute(&mut tx)
            .await?;
        if moved == 0 {
            return Ok(None);
        }
        let r = Sql::new(INSERT_DELIVERY)
            .bind(webhook)
            .bind(now)
            .bind(payload)
            .bind(object_count)
            .bind(now)
            .fetch_one(&mut tx)
            .await?;
        self.commit(tx).await?;
        Ok(Some(r.i64("id")?))
    }

    async fn enqueue_event(&self, webhook: i64, payload: &str) -> Result<i64> {
        if payload.len() > 64 * 1024 {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "payload",
                "at most 64 KiB",
            )));
        }
        let now = Timestamp::now().0;
        let r = Sql::new(INSERT_DELIVERY)
            .bind(webhook)
            .bind(now)
            .bind(payload)
            .bind(0i64)
            .bind(now)
            .fetch_one(self)
            .await?;
        Ok(r.i64("id")?)
    }

    async fn due_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        let rows = Sql::new(DUE).bind(now).bind(limit).fetch_all(self).await?;
        let candidates = rows.iter().map(delivery).collect::<Result<Vec<_>>>()?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for d in candidates {
            let n = Sql::new(CLAIM)
                .bind(lease_until)
                .bind(d.id)
                .bind(d.next_attempt_at)
                .execute(self)
                .await?;
            if n == 1 {
                claimed.push(d);
            }
        }
        Ok(claimed)
    }

    async fn record_attempt(
        &self,
        id: i64,
        result: std::result::Result<(), String>,
        retry_at: Option<i64>,
    ) -> Result<()> {
        let now = Timestamp::now().0;
        let (status, err, next, delivered) = match (result, retry_at) {
            (Ok(()), _) => ("delivered", None, None, Some(now)),
            (Err(e), Some(t)) => ("pending", Some(e), Some(t), None),
            (Err(e), None) => ("failed", Some(e), None, None),
        };
        Sql::new(RECORD_ATTEMPT)
            .bind(status)
            .bind(err)
            .bind(next)
            .bind(delivered)
            .bind(id)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn list_deliveries(&self, webhook: i64, limit: i64) -> Result<Vec<Delivery>> {
        let rows = Sql::new(LIST_DELIVERIES)
            .bind(webhook)
            .bind(limit)
            .fetch_all(self)
            .await?;
        rows.iter().map(delivery).collect()
    }
}

fn webhook(r: &impl RowExt) -> Result<Webhook> {
    Ok(Webhook {
        id: r.i64("id")?,
        org: r.i64("org_id")?,
        url: r.text("url")?,
        secret: r.text("secret")?,
        created_at: r.i64("created_at")?,
        disabled: r.opt_i64("disabled_at")?.is_some(),
        cursor: (r.i64("cursor_added")?, r.i64("cursor_pk")?),
    })
}

fn delivery(r: &impl RowExt) -> Result<Delivery> {
    Ok(Delivery {
        id: r.i64("id")?,
        webhook: r.i64("webhook_id")?,
        payload: r.text("payload")?,
        object_count: r.i64("object_count")?,
        attempts: r.i64("attempts")?,
        status: r.text("status")?,
        next_attempt_at: r.opt_i64("next_attempt_at")?,
        last_error: r.opt_text("last_error")?,
    })
}
