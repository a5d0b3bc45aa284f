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

mod api;
mod sign;
mod ssrf;
mod worker;

use renkei_core::{Actor, OrgId, ParseError};
use renkei_store::StoreError;
use renkei_store::webhooks::Webhook;

pub(crate) use api::{WebhookDoc, routes};
pub use sign::new_secret;
pub(crate) use worker::start;
pub use worker::{MAX_ATTEMPTS, TIMEOUT, TickStats, Worker, WorkerError};

use ssrf::parse_url;

use crate::sealed;

/// Registers a webhook in `org`'s name from the command line (a system
/// actor, audited as `cli`); returns it with its secret.
pub async fn create_for_org(
    store: &dyn renkei_store::Store,
    key: Option<&sealed::SealKey>,
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
    let stored = sealed::store_form(key, org.0, &secret);
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
