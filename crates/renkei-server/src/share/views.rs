//! The wire shapes of the intelligence REST answers (look-ups, objects,
//! search, notifications, warning lists), built from the store's records,
//! and the formats and import bodies only the OpenAPI document names; the
//! document describes them from these types.

use renkei_core::warning::WarningLists;
use renkei_core::{Timestamp, decay_score};
use renkei_stix::StixTime;
use renkei_store::index::{FoundObject, SightingSummary, ValueHit, ValueHits};
use renkei_store::warnings::WarningEntryRow;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A stored STIX body as JSON (stored bodies are JSON; `null` otherwise).
fn body(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn time(micros: i64) -> String {
    StixTime::format(Timestamp(micros))
}

/// Where one value has been seen: the readable indicators holding it (for
/// an address, also the networks holding it), newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValueHitsView {
    /// The value's kind (`ipv4`, `ipv6`, `domain`, `url`, `email`, `md5`, `sha1`,
    /// `sha256`, `sha512`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The value in canonical form.
    pub value: String,
    /// The warning lists (known-benign values) it falls into.
    pub warning_lists: Vec<String>,
    /// Readable objects holding it, counted up to 10,000.
    pub total: i64,
    /// `total` stopped at the cap.
    pub total_capped: bool,
    pub hits: Vec<HitView>,
}

/// One readable object holding a value.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitView {
    /// STIX id.
    pub id: String,
    /// STIX type.
    #[serde(rename = "type")]
    pub kind: String,
    pub collection: String,
    pub tlp: String,
    pub owner_org: i64,
    /// The indexed value that matched (for an address: perhaps a network).
    pub matched: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub date_added: String,
    /// 0–100: how much the indicator still counts, by age and validity.
    pub decay_score: u8,
}

impl ValueHitsView {
    pub fn new(h: &ValueHits, warnings: &WarningLists, now: Timestamp) -> Self {
        Self {
            kind: h.value.kind().as_str().to_owned(),
            value: h.value.value().to_owned(),
            warning_lists: warnings
                .matches(&h.value)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            total: h.total,
            total_capped: h.total >= renkei_store::index::COUNT_CAP,
            hits: h.hits.iter().map(|x| HitView::new(x, now)).collect(),
        }
    }
}

impl HitView {
    fn new(x: &ValueHit, now: Timestamp) -> Self {
        Self {
            id: x.stix_id.clone(),
            kind: x.stix_type.clone(),
            collection: x.collection_id.clone(),
            tlp: x.tlp.as_str().to_owned(),
            owner_org: x.owner_org,
            matched: x.value.clone(),
            valid_from: time(x.valid_from),
            valid_until: x.valid_until.map(time),
            date_added: time(x.date_added),
            decay_score: decay_score(
                x.kind,
                Timestamp(x.valid_from),
                x.valid_until.map(Timestamp),
                None,
                now,
            ),
        }
    }
}

/// One object: its readable versions, where its values were seen
/// elsewhere, and its readable sightings.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectView {
    pub id: String,
    /// Newest first. Each names its sharer: two organisations may hold
    /// the id, each with versions of its own.
    pub versions: Vec<ObjectVersionView>,
    /// For each of the object's values, the other readable objects holding it.
    pub correlations: Vec<ValueHitsView>,
    pub sightings: SightingsView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectVersionView {
    pub collection: String,
    /// The sharing organisation.
    pub org: i64,
    pub tlp: String,
    /// The version's `modified` time.
    pub version: String,
    pub date_added: String,
    /// The STIX 2.1 object as shared.
    #[schema(value_type = Object)]
    pub object: Value,
}

impl ObjectVersionView {
    pub fn new(f: &FoundObject) -> Self {
        Self {
            collection: f.collection_id.clone(),
            org: f.owner_org,
            tlp: f.row.tlp.as_str().to_owned(),
            version: f.row.version.clone(),
            date_added: time(f.row.date_added),
            object: body(&f.row.body),
        }
    }
}

/// The readable sightings of an object.
#[derive(Debug, Serialize, ToSchema)]
pub struct SightingsView {
    /// Sum of the sightings' counts.
    pub count: i64,
    /// Sighting objects.
    pub reports: i64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub by_org: Vec<OrgCountView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgCountView {
    pub org: i64,
    pub count: i64,
}

impl From<&SightingSummary> for SightingsView {
    fn from(s: &SightingSummary) -> Self {
        Self {
            count: s.count,
            reports: s.reports,
            first_seen: s.first_seen.map(time),
            last_seen: s.last_seen.map(time),
            by_org: s
                .by_org
                .iter()
                .map(|&(org, count)| OrgCountView { org, count })
                .collect(),
        }
    }
}

/// A readable object found by search (its latest readable version).
#[derive(Debug, Serialize, ToSchema)]
pub struct FoundView {
    pub collection: String,
    pub tlp: String,
    pub owner_org: i64,
    pub date_added: String,
    /// The STIX 2.1 object.
    #[schema(value_type = Object)]
    pub object: Value,
}

impl From<&FoundObject> for FoundView {
    fn from(f: &FoundObject) -> Self {
        Self {
            collection: f.collection_id.clone(),
            tlp: f.row.tlp.as_str().to_owned(),
            owner_org: f.owner_org,
            date_added: time(f.row.date_added),
            object: body(&f.row.body),
        }
    }
}

/// What has arrived, oldest first, and the cursor to ask from next.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsView {
    /// `after` for the next request; absent when nothing arrived.
    pub next: Option<String>,
    pub objects: Vec<NotificationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub tlp: String,
    pub collection: String,
    pub version: String,
    pub date_added: String,
}

impl From<&FoundObject> for NotificationView {
    fn from(f: &FoundObject) -> Self {
        Self {
            id: f.row.stix_id.clone(),
            kind: f.row.stix_type.clone(),
            tlp: f.row.tlp.as_str().to_owned(),
            collection: f.collection_id.clone(),
            version: f.row.version.clone(),
            date_added: time(f.row.date_added),
        }
    }
}

/// The sighting stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct SightingCreatedView {
    /// Its STIX id.
    pub id: String,
}

/// The warning lists in force for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningListsView {
    pub builtin: Vec<BuiltinListView>,
    /// The caller's organisation's own entries.
    pub entries: Vec<WarningEntryView>,
}

/// A built-in list of known-benign values.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuiltinListView {
    pub key: String,
    pub description: String,
    /// How many entries it has.
    pub entries: usize,
}

/// A member's warning-list entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningEntryView {
    pub id: i64,
    pub list: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub org: i64,
}

impl From<&WarningEntryRow> for WarningEntryView {
    fn from(e: &WarningEntryRow) -> Self {
        Self {
            id: e.id,
            list: e.list_key.clone(),
            description: e.description.clone(),
            kind: e.value.kind().as_str().to_owned(),
            value: e.value.value().to_owned(),
            org: e.org,
        }
    }
}

/// The entry added.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningEntryAddedView {
    pub id: i64,
    pub list: String,
    pub value: String,
}

/// The export formats (`GET /api/v1/exports/{format}`).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Only the OpenAPI document names them; the handler parses the text.
pub enum ExportFormatName {
    /// A STIX 2.1 bundle.
    Stix,
    Csv,
    /// Suricata rules.
    Suricata,
    /// A Zeek intel file.
    Zeek,
    /// A DNS response-policy zone.
    Rpz,
    /// One value a line.
    Blocklist,
}

/// What `POST /api/v1/imports` reads (`format`).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Only the OpenAPI document names them; the handler parses the text.
pub enum ImportFormatName {
    /// An indicator list as CSV.
    Csv,
    /// Free text; defanged values are refanged.
    Text,
    /// A MISP event (JSON).
    Misp,
    /// A STIX 2.1 bundle (JSON).
    Stix,
}

/// A file's bytes as sent, in any of the import formats.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only the OpenAPI document names it; the handler reads raw bytes.
pub struct FileBytes(Vec<u8>);
