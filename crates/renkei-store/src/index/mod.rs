//! The indicator value index and what reads it: correlation ("where else has
//! this value been seen"), exports, search, sightings, notifications. Every
//! read joins the object rows and applies the access rule in SQL, like every
//! other read of shared data, and restricted reads are audited.

pub(crate) mod export;
pub(crate) mod read;
pub(crate) mod values;

/// `%text%` for `LIKE … ESCAPE '\'`, its ASCII letters lower-cased.
pub(crate) fn like(text: &str) -> String {
    values::like_pattern(text)
}

pub use crate::intel::{IndexEntries, SightingOf};

use async_trait::async_trait;
use renkei_core::{Actor, Audience, IndicatorValue, Tlp, UserId, ValueKind};

use crate::Result;
use crate::intel::StixRow;

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

/// A page of the index for exports, in `(value, kind, id)` order, so that
/// rows holding one value arrive together (exports merge them as they
/// stream, without holding the whole export).
#[derive(Debug, Clone, Default)]
pub struct IndexQuery {
    /// Only these kinds (all when empty).
    pub kinds: Vec<ValueKind>,
    /// Only this collection.
    pub collection: Option<String>,
    /// Only indicators valid at this time (microseconds).
    pub valid_at: Option<i64>,
    /// Only values in this range.
    pub range: Option<ValueRange>,
    /// Resume after this row (the last row of the previous page).
    pub after: Option<IndexCursor>,
    pub limit: i64,
}

/// Values from `from` (inclusive) to `before` (exclusive), compared as
/// bytes; an end that is `None` is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRange {
    pub from: Option<String>,
    pub before: Option<String>,
}

impl ValueRange {
    /// The values starting with `p`.
    pub fn prefix(p: &str) -> Self {
        Self {
            from: Some(p.to_owned()),
            before: export::prefix_end(p),
        }
    }

    /// The values before `p`.
    pub fn below(p: &str) -> Self {
        Self {
            from: None,
            before: Some(p.to_owned()),
        }
    }

    /// The values after every one starting with `a`, and before `b`.
    pub fn between_prefixes(a: &str, b: &str) -> Self {
        match export::prefix_end(a) {
            Some(from) => Self {
                from: Some(from),
                before: Some(b.to_owned()),
            },
            None => Self::empty(),
        }
    }

    /// The values after every one starting with `p`.
    pub fn above_prefix(p: &str) -> Self {
        match export::prefix_end(p) {
            Some(from) => Self {
                from: Some(from),
                before: None,
            },
            None => Self::empty(),
        }
    }

    fn empty() -> Self {
        Self {
            from: Some(String::new()),
            before: Some(String::new()),
        }
    }
}

/// Where an export page ends: its last row's `(value, kind, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexCursor {
    pub value: String,
    pub kind: ValueKind,
    pub id: i64,
}

impl IndexRow {
    /// The cursor after this row.
    pub fn cursor(&self) -> IndexCursor {
        IndexCursor {
            value: self.value.value().to_owned(),
            kind: self.value.kind(),
            id: self.id,
        }
    }
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
    /// The indicator's `name` and `description`, if it has them.
    pub name: Option<String>,
    pub description: Option<String>,
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
    pub row: StixRow,
    pub collection_id: String,
    pub owner_org: i64,
}

/// The value index and what reads through it: look-ups, correlation,
/// exports, sightings, search, versions, notifications.
#[async_trait]
pub trait IndexStore: Send + Sync {
    /// For each value, the readable objects holding it (an address also
    /// finds the networks that contain it, and a network the single
    /// addresses inside it), newest first, at most `limit`
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
    /// A page of readable index rows (latest readable versions), in
    /// `(value, kind, id)` order ([`IndexQuery`]); restricted rows audited.
    async fn index_page(&self, actor: &Actor, q: &IndexQuery) -> Result<Vec<IndexRow>>;
    /// Readable sightings of `stix_id`.
    async fn sightings_of(&self, actor: &Actor, stix_id: &str) -> Result<SightingSummary>;
    /// Readable objects across every collection, newest first (what was
    /// shared: not the definitions every collection holds).
    async fn search(&self, actor: &Actor, q: &SearchQuery) -> Result<Vec<FoundObject>>;
    /// The audience of each of the versions `pks` that the viewer may read
    /// (its recipients and, when the sharer named none or named it, its
    /// collection's community), in `pks` order; others are left out. At
    /// most 1,000 are looked at.
    async fn audiences_of(&self, actor: &Actor, pks: &[i64]) -> Result<Vec<(i64, Audience)>>;
    /// The versions `pks` that the viewer may read (at most 1,000), as
    /// found by an earlier read that named them (correlation hits), so a
    /// page can name them; audited as reads.
    async fn objects_by_pk(&self, actor: &Actor, pks: &[i64]) -> Result<Vec<FoundObject>>;
    /// Every readable version of one object, newest first (`NotFound` when
    /// none is readable, so absence and refusal look the same).
    async fn object_versions(&self, actor: &Actor, stix_id: &str) -> Result<Vec<FoundObject>>;
    /// Readable objects added after `after` (`(date_added, pk)`), oldest
    /// first: what is new for a notification or a webhook. The definitions
    /// every collection holds are no news and are left out.
    async fn added_since(
        &self,
        actor: &Actor,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<FoundObject>>;
    /// As `added_since`, leaving out what the caller's own organisation
    /// shared: the notifications feed, which like the portal's
    /// notifications (`NotificationStore::notices`) holds others' news only.
    async fn news_since(
        &self,
        actor: &Actor,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<FoundObject>>;

    /// Where the user has read notifications up to: `(date_added, pk)`.
    async fn notifications_seen(&self, user: UserId) -> Result<(i64, i64)>;
    async fn mark_notifications_seen(&self, user: UserId, until: (i64, i64)) -> Result<()>;
}
