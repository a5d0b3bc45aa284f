//! The indicator value index and what reads it: correlation ("where else has
//! this value been seen"), exports, search, sightings, notifications, warning
//! lists and webhooks. Every read joins the object rows and applies the
//! access rule in SQL, like every other read of shared data, and restricted
//! reads are audited.

use async_trait::async_trait;
use renkei_core::{Actor, IndicatorValue, Tlp, UserId, ValueKind};

use crate::Result;

/// What an object version adds to the index, computed by the caller from the
/// validated object (`renkei-stix` knows STIX; the store does not).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexEntries {
    /// Canonical values its pattern tests for equality.
    pub values: Vec<IndicatorValue>,
    /// `valid_from` / `valid_until` in microseconds.
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
    /// For a `sighting`: what it sighted.
    pub sighting: Option<SightingOf>,
}

/// A sighting's `sighting_of_ref`, `count`, `first_seen` and `last_seen`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SightingOf {
    pub of: String,
    pub count: i64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

/// One readable object (its latest readable version) that holds a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueHit {
    pub pk: i64,
    pub stix_id: String,
    pub stix_type: String,
    pub collection_id: String,
    pub tlp: Tlp,
    pub owner_org: i64,
    pub kind: ValueKind,
    /// The indexed value (for an address: perhaps a network holding it).
    pub value: String,
    pub valid_from: i64,
    pub valid_until: Option<i64>,
    pub date_added: i64,
}

/// The readable objects holding one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueHits {
    pub value: IndicatorValue,
    /// How many readable objects hold it (counted up to [`COUNT_CAP`]).
    pub total: i64,
    /// The newest of them, up to the limit asked for.
    pub hits: Vec<ValueHit>,
}

/// Counts stop here so that a value held by very many objects costs no more
/// than this to count; the portal shows "10,000+".
pub const COUNT_CAP: i64 = 10_000;

/// A page of the index for exports.
#[derive(Debug, Clone, Default)]
pub struct IndexQuery {
    /// Only these kinds (all when empty).
    pub kinds: Vec<ValueKind>,
    /// Only this collection.
    pub collection: Option<String>,
    /// Only indicators valid at this time (microseconds).
    pub valid_at: Option<i64>,
    /// Resume after this index row id.
    pub after: Option<i64>,
    pub limit: i64,
}

/// One index row as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRow {
    pub id: i64,
    pub value: IndicatorValue,
    pub stix_id: String,
    pub collection_id: String,
    pub tlp: Tlp,
    pub valid_from: i64,
    pub valid_until: Option<i64>,
    pub date_added: i64,
}

/// Sightings of one object that the reader may read, by their own marking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SightingSummary {
    /// Sum of `count` over readable sightings.
    pub count: i64,
    /// Readable sighting objects.
    pub reports: i64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// (organisation id, sum of counts), for readable sightings only.
    pub by_org: Vec<(i64, i64)>,
}

/// Portal search over readable objects (latest readable versions).
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// An indicator value (looked up in the index, networks included) or
    /// text found in the object (names, descriptions, actor names).
    pub text: Option<String>,
    pub types: Vec<String>,
    pub tlp: Option<Tlp>,
    pub owner_org: Option<i64>,
    /// `date_added` from / before (microseconds).
    pub added_from: Option<i64>,
    pub added_before: Option<i64>,
    /// Resume before this `(date_added, pk)` (newest first).
    pub before: Option<(i64, i64)>,
    pub limit: i64,
}

/// A readable object version, with its collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundObject {
    pub row: crate::intel::StixRow,
    pub collection_id: String,
    pub owner_org: i64,
}

/// A member's own warning-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningEntryRow {
    pub id: i64,
    pub list_key: String,
    pub description: String,
    pub value: IndicatorValue,
    pub org: i64,
    pub created_at: i64,
}

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

/// Index, correlation, sightings, notifications, warning lists, webhooks;
/// part of every [`crate::Store`].
#[async_trait]
pub trait IndexStore: Send + Sync {
    /// For each value, the readable objects holding it (an address also
    /// finds the networks that contain it), newest first, at most `limit`
    /// each, excluding object `except`. Restricted hits are audited.
    async fn lookup_values(
        &self,
        actor: &Actor,
        values: &[IndicatorValue],
        limit: i64,
        except: Option<&str>,
    ) -> Result<Vec<ValueHits>>;
    /// The values of object `stix_id` (its latest readable version) and, for
    /// each, where else it has been seen.
    async fn correlate(&self, actor: &Actor, stix_id: &str, limit: i64) -> Result<Vec<ValueHits>>;
    /// A page of readable index rows (latest readable versions), by row id.
    async fn index_page(&self, actor: &Actor, q: &IndexQuery) -> Result<Vec<IndexRow>>;
    /// Readable sightings of `stix_id`.
    async fn sightings_of(&self, actor: &Actor, stix_id: &str) -> Result<SightingSummary>;
    /// Readable objects across every collection, newest first.
    async fn search(&self, actor: &Actor, q: &SearchQuery) -> Result<Vec<FoundObject>>;
    /// Every readable version of one object, newest first (`NotFound` when
    /// none is readable, so absence and refusal look the same).
    async fn object_versions(&self, actor: &Actor, stix_id: &str) -> Result<Vec<FoundObject>>;
    /// Readable objects added after `after` (`(date_added, pk)`), oldest
    /// first: what is new for a notification or a webhook.
    async fn added_since(
        &self,
        actor: &Actor,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<FoundObject>>;

    /// Where the user has read notifications up to: `(date_added, pk)`.
    async fn notifications_seen(&self, user: UserId) -> Result<(i64, i64)>;
    async fn mark_notifications_seen(&self, user: UserId, until: (i64, i64)) -> Result<()>;

    async fn add_warning_entry(
        &self,
        actor: &Actor,
        list_key: &str,
        description: &str,
        value: &IndicatorValue,
    ) -> Result<WarningEntryRow>;
    /// Stamps the entry removed (only its organisation may).
    async fn remove_warning_entry(&self, actor: &Actor, id: i64) -> Result<()>;
    /// The organisation's own entries (they apply to its reads only).
    async fn list_warning_entries(&self, org: i64) -> Result<Vec<WarningEntryRow>>;

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
