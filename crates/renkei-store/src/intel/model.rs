//! What the STIX store takes and gives: versions to add, page requests,
//! pages, add outcomes and statuses, and what a version adds to the index.

use renkei_core::{Audience, IndicatorValue, Tlp};

/// One object version to store, already validated by `renkei-stix`.
#[derive(Debug, Clone)]
pub struct NewStixVersion {
    pub stix_id: String,
    pub stix_type: String,
    pub spec_version: String,
    /// `modified` or `created` as sent; `None` for objects without either
    /// (their version is the time they were added).
    pub version: Option<(String, i64)>,
    /// The object's own TLP; `None` takes the collection's default.
    pub tlp: Option<Tlp>,
    /// The audience the sharer named. Empty: the collection's community
    /// (the default, applied when the version is stored); naming any
    /// audience replaces that default rather than adding to it.
    pub audience: Audience,
    pub body: String,
    /// What the version adds to the indicator index.
    pub index: IndexEntries,
}

/// Which versions of each object a query returns (TAXII `match[version]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionMatch {
    pub last: bool,
    pub first: bool,
    pub all: bool,
    /// Specific versions, in microseconds.
    pub at: Vec<i64>,
}

impl VersionMatch {
    pub fn last() -> Self {
        Self {
            last: true,
            ..Self::default()
        }
    }

    pub fn all() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }
}

/// Which versions of one object a delete hides (TAXII 2.1 §5.7 filters):
/// those matching every filter given; all of them when none is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteMatch {
    pub versions: VersionMatch,
    /// Only versions of these STIX spec versions (any when empty).
    pub spec_versions: Vec<String>,
    /// Only if the object is of one of these types (any when empty).
    pub types: Vec<String>,
}

impl From<VersionMatch> for DeleteMatch {
    fn from(versions: VersionMatch) -> Self {
        Self {
            versions,
            spec_versions: Vec::new(),
            types: Vec::new(),
        }
    }
}

/// A page request over one collection.
#[derive(Debug, Clone)]
pub struct StixQuery {
    /// Only versions added after this time (microseconds).
    pub added_after: Option<i64>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub spec_versions: Vec<String>,
    pub versions: VersionMatch,
    /// Resume after this `(date_added, pk)`: the decoded `next` token.
    pub after: Option<(i64, i64)>,
    pub limit: i64,
    /// Newest first (the portal, through `stix_page`); TAXII pages, and
    /// `stix_envelope` always, go oldest first.
    pub newest_first: bool,
}

impl StixQuery {
    pub fn new(limit: i64) -> Self {
        Self {
            added_after: None,
            ids: Vec::new(),
            types: Vec::new(),
            spec_versions: Vec::new(),
            versions: VersionMatch::last(),
            after: None,
            limit,
            newest_first: false,
        }
    }
}

/// One stored version as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StixRow {
    pub pk: i64,
    pub stix_id: String,
    pub stix_type: String,
    pub version: String,
    pub date_added: i64,
    pub tlp: Tlp,
    pub body: String,
    /// The organisation that shared this version (its sharer's line).
    pub owner_org: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StixPage {
    pub rows: Vec<StixRow>,
    /// More rows match after the last one.
    pub more: bool,
}

/// A page of objects already joined into the text of a JSON array's
/// members, for the hot TAXII path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopePage {
    /// The objects, comma-separated (empty when none).
    pub objects: String,
    pub count: i64,
    pub more: bool,
    pub first_added: Option<i64>,
    /// `(date_added, pk)` of the last object: the next page's cursor.
    pub last: Option<(i64, i64)>,
}

/// The outcome of an add, per object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddOutcome {
    /// (id, version, what to know) stored, or already stored: the message
    /// says when the object was not stored as a new version as sent (an
    /// exact repeat, a definition every collection holds, a new version of
    /// an SCO beside earlier ones).
    pub successes: Vec<(String, String, Option<String>)>,
    /// (id, version, why).
    pub failures: Vec<(String, Option<String>, String)>,
}

/// An exact repeat of an object in the same add, stored once: it shares
/// the fate of its first (`id` at `version`; an SCO's by id alone), and
/// its status entry says `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo {
    pub id: String,
    pub version: Option<String>,
    pub message: String,
}

impl AddOutcome {
    /// Adds an entry for each echo: a success beside its first's, or a
    /// failure giving its first's reason.
    pub fn settle_echoes(&mut self, echoes: &[Echo]) {
        for e in echoes {
            let same = |id: &str, v: Option<&str>| {
                id == e.id && (e.version.is_none() || v == e.version.as_deref())
            };
            if let Some((id, v, _)) = self.successes.iter().find(|(i, v, _)| same(i, Some(v))) {
                let entry = (id.clone(), v.clone(), Some(e.message.clone()));
                self.successes.push(entry);
            } else {
                let why = self
                    .failures
                    .iter()
                    .find(|(i, v, _)| same(i, v.as_deref()))
                    .map_or_else(|| "not stored".to_owned(), |(_, _, m)| m.clone());
                let entry = (
                    e.id.clone(),
                    e.version.clone(),
                    format!("{}, which failed: {why}", e.message),
                );
                self.failures.push(entry);
            }
        }
    }
}

/// A TAXII status resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiStatus {
    pub id: String,
    pub collection: String,
    pub org: i64,
    /// `pending` or `complete` (TAXII 2.1 has no "failed": an add that
    /// could not be stored completes with each object a failure).
    pub status: String,
    pub requested_at: i64,
    pub total: i64,
    pub pending: i64,
    pub outcome: AddOutcome,
    /// (id, version) of each object still to be stored while `pending`,
    /// kept so that an add that is lost fails each of them by name.
    pub pending_objects: Vec<(String, Option<String>)>,
}

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
