//! Sharing without HTTP: validated objects, indicator lists and MISP events
//! become store versions (with their index entries); exports are in
//! `exports.rs`. The REST API, the portal and the command line all go
//! through here, so they share one behaviour.

use std::sync::Arc;

use renkei_core::model::Collection;
use renkei_core::warning::{WarningEntry, WarningList, WarningLists};
use renkei_core::{Actor, Audience, Timestamp, Tlp, UserId, Viewer};
use renkei_stix::{FieldError, ListEntry, StixObject, StixTime};
use renkei_store::index::{IndexEntries, SightingOf};
use renkei_store::intel::{AddOutcome, NewStixVersion};
use renkei_store::{Store, StoreError};

/// What the store keeps of a validated object: its body, TLP, and what it
/// adds to the index (the values its pattern tests, validity, the sighted
/// object).
pub fn new_version(o: &StixObject) -> NewStixVersion {
    NewStixVersion {
        stix_id: o.id.to_string(),
        stix_type: o.type_name.clone(),
        spec_version: "2.1".into(),
        version: o.version().map(|t| (t.text.clone(), t.micros)),
        tlp: o.tlp,
        audience: Audience::default(),
        body: o.to_json(),
        index: index_entries(o),
    }
}

fn time_field(o: &StixObject, field: &str) -> Option<i64> {
    o.value
        .get(field)
        .and_then(|v| v.as_str())
        .and_then(|t| StixTime::parse(t).ok())
        .map(|t| t.micros)
}

/// The index entries of an object: values for indicators, the sighted
/// object for sightings, nothing for the rest.
pub fn index_entries(o: &StixObject) -> IndexEntries {
    // A revoked version holds no values: as the latest version it hides the
    // earlier versions' values from look-ups and exports.
    if o.revoked {
        return IndexEntries::default();
    }
    match o.type_name.as_str() {
        "indicator" => IndexEntries {
            values: renkei_stix::indicator_values(o),
            valid_from: time_field(o, "valid_from"),
            valid_until: time_field(o, "valid_until"),
            sighting: None,
        },
        "sighting" => IndexEntries {
            sighting: o
                .value
                .get("sighting_of_ref")
                .and_then(|v| v.as_str())
                .map(|of| SightingOf {
                    of: of.to_owned(),
                    count: o.value.get("count").and_then(|c| c.as_i64()).unwrap_or(1),
                    first_seen: time_field(o, "first_seen"),
                    last_seen: time_field(o, "last_seen"),
                }),
            ..IndexEntries::default()
        },
        _ => IndexEntries::default(),
    }
}

/// How imported values are shared: TLP and audience are always explicit.
#[derive(Debug, Clone)]
pub struct ShareOptions {
    pub tlp: Tlp,
    pub audience: Audience,
    /// Description put on every indicator (a comment on the line wins).
    pub description: Option<String>,
    /// TLP:RED's named readers (besides the sharer), resolved and checked
    /// ([`super::recipients`]).
    pub recipients: Vec<UserId>,
}

/// The audience of an object at `tlp`. TLP:RED goes to named people only:
/// the audience's users and the recipients. Other levels take the audience
/// as given: recipients name RED's readers and never narrow an import's
/// GREEN or AMBER objects to themselves.
pub fn audience_for(tlp: Option<Tlp>, audience: &Audience, recipients: &[UserId]) -> Audience {
    if tlp != Some(Tlp::Red) {
        return audience.clone();
    }
    let mut users = audience.users.clone();
    for r in recipients {
        if !users.contains(r) {
            users.push(*r);
        }
    }
    Audience {
        users,
        ..Audience::default()
    }
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// Objects that failed validation, each with its field.
    #[error("{} problem(s); nothing was stored", .0.len())]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Shares list entries as one STIX indicator each, all or nothing.
pub async fn share_values(
    store: &dyn Store,
    actor: &Actor,
    collection: &Collection,
    entries: &[ListEntry],
    opts: &ShareOptions,
) -> Result<AddOutcome, ShareError> {
    let versions = indicator_versions(entries, opts).map_err(ShareError::Invalid)?;
    Ok(store.add_stix_whole(actor, collection, versions).await?)
}

/// List entries as one validated STIX indicator version each, or every
/// problem (CPU work: the server runs it on its parse pool).
pub fn indicator_versions(
    entries: &[ListEntry],
    opts: &ShareOptions,
) -> Result<Vec<NewStixVersion>, Vec<FieldError>> {
    let created = StixTime::from_timestamp(Timestamp::now());
    let mut versions = Vec::with_capacity(entries.len());
    let mut errors = Vec::new();
    // A list's TLP is chosen for the whole list, so an audience RED cannot
    // have (communities, sectors) is refused by the store, not dropped.
    let mut audience = opts.audience.clone();
    if opts.tlp == Tlp::Red {
        audience = Audience {
            users: audience_for(Some(Tlp::Red), &audience, &opts.recipients).users,
            ..audience
        };
    }
    for (i, e) in entries.iter().enumerate() {
        let mut o = e.indicator_options(created.clone(), opts.tlp);
        o.description = o.description.or_else(|| opts.description.clone());
        let value = renkei_stix::indicator_object(&e.value, &o);
        match renkei_stix::parse_object(&value, Some(i)) {
            Ok(obj) => versions.push(with_audience(new_version(&obj), &audience)),
            Err(errs) => errors.extend(errs.0.into_iter().map(|mut f| {
                f.field = format!("line {}: {}", e.line, f.field);
                f
            })),
        }
    }
    if errors.is_empty() {
        Ok(versions)
    } else {
        Err(errors)
    }
}

/// Shares validated objects (a bundle, a MISP event's mapping), all or
/// nothing. Objects without a TLP marking take `tlp` when given, else the
/// collection's default.
pub async fn share_objects(
    store: &dyn Store,
    actor: &Actor,
    collection: &Collection,
    objects: &[StixObject],
    tlp: Option<Tlp>,
    audience: &Audience,
) -> Result<AddOutcome, StoreError> {
    share_objects_to(store, actor, collection, objects, tlp, audience, &[]).await
}

/// [`share_objects`], with TLP:RED objects (marked so, or taking `tlp`)
/// going to the audience's users and `recipients` only ([`audience_for`]).
pub async fn share_objects_to(
    store: &dyn Store,
    actor: &Actor,
    collection: &Collection,
    objects: &[StixObject],
    tlp: Option<Tlp>,
    audience: &Audience,
    recipients: &[UserId],
) -> Result<AddOutcome, StoreError> {
    let versions = objects
        .iter()
        .map(|o| {
            let mut v = new_version(o);
            v.tlp = v.tlp.or(tlp);
            v.audience = audience_for(v.tlp, audience, recipients);
            v
        })
        .collect();
    store.add_stix_whole(actor, collection, versions).await
}

fn with_audience(mut v: NewStixVersion, audience: &Audience) -> NewStixVersion {
    v.audience = audience.clone();
    v
}

/// The key ids derived from others' (MISP uuids) are made with: the
/// configured `derived_id_key` if there is one, else the database's own
/// secret, which every server and command of the database shares and keeps,
/// so a re-import finds the same ids again.
pub async fn derived_id_key(
    store: &dyn Store,
    configured: Option<[u8; 32]>,
) -> Result<[u8; 32], StoreError> {
    match configured {
        Some(k) => Ok(k),
        None => store.derived_id_secret().await,
    }
}

/// The scope ids are derived within for organisation `org`:
/// `hex(HMAC-SHA256(key, org))`. Without the key, nobody can tell which
/// STIX id another organisation's import of a MISP event will have, so an
/// id cannot be probed for before it is shared.
pub(super) fn id_scope(key: &[u8; 32], org: Option<renkei_core::OrgId>) -> String {
    use hmac::digest::KeyInit;
    use hmac::{Hmac, Mac};
    // A key shorter than SHA-256's block is zero-padded by HMAC itself, so
    // the block-sized key is the same key, and `new` cannot fail.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new(&block.into());
    mac.update(b"renkei derived ids\0");
    match org {
        Some(o) => mac.update(format!("org:{}", o.0).as_bytes()),
        None => mac.update(b"no org"),
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Collection `id`, if `actor` may see it (`exports::visible_collection`:
/// a member of its community, or someone who may read something in it).
/// Any other is not found, exactly as one that does not exist.
pub async fn readable_collection(
    store: &dyn Store,
    actor: &Actor,
    id: &str,
) -> Result<Collection, StoreError> {
    super::exports::visible_collection(store, actor, id).await
}

/// The first collection `viewer` may add to, for imports that name none.
pub async fn default_collection(
    store: &dyn Store,
    viewer: &Viewer,
) -> Result<Option<Collection>, StoreError> {
    Ok(store
        .list_collections()
        .await?
        .into_iter()
        .find(|c| renkei_core::can_write_community(viewer, c.community)))
}

/// The built-in warning lists plus the organisation's own entries (one
/// member's list never changes what another member sees or exports).
pub async fn warning_lists(
    store: &dyn Store,
    org: Option<renkei_core::OrgId>,
) -> Result<Arc<WarningLists>, StoreError> {
    let mut extra: Vec<WarningList> = Vec::new();
    let entries = match org {
        Some(o) => store.list_warning_entries(o.0).await?,
        None => Vec::new(),
    };
    for e in entries {
        let entry = WarningEntry::from_value(e.value);
        match extra.iter_mut().find(|l| l.key == e.list_key) {
            Some(l) => l.entries.push(entry),
            None => extra.push(WarningList {
                key: e.list_key,
                description: e.description,
                entries: vec![entry],
            }),
        }
    }
    Ok(Arc::new(WarningLists::with_builtin(extra)))
}
