//! Adding STIX object versions: who may add them, audiences naming only
//! what exists, multi-row inserts of objects, audiences and index entries,
//! and `has_newer` kept exact.
//!
//! Each sharer's versions of an id are a line of their own (migration
//! 0008): an add never looks at, refuses for, or answers about another
//! organisation's versions, so no answer tells whether anyone else holds
//! an id, and no one else's version changes what readers of a line see.

use std::collections::{HashMap, HashSet};

use renkei_core::model::Collection;
use renkei_core::{Actor, Audience, Marking, Timestamp, Tlp};

use super::backend::IntelBackend;
use super::model::{AddOutcome, Echo, IndexEntries, NewStixVersion};
use super::status::complete_in;
use crate::audit::chain::append;
use crate::backend::{Arg, Backend, RowExt, Sql, Tx};
use crate::items::{audience_rows, check_audiences};
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// What `add_versions` answers when the TAXII status it was to complete is
/// no longer pending (it then stores nothing).
pub(crate) const STATUS_GONE: &str = "pending status";

/// Rows per multi-row INSERT (13 values each stays under both backends'
/// bind limits).
const INSERT_CHUNK: usize = 400;

/// Index rows per multi-row INSERT (5 bound values each, well under both
/// backends' bind limits).
const INDEX_CHUNK: usize = 2_000;

/// The ids of the objects every collection holds (migration 0014).
const SYSTEM_IDS: &str = "SELECT stix_id FROM stix_system_objects";

/// What an add of one of those ids answers: it stores nothing.
const SYSTEM_HELD: &str = "every collection holds the specification's TLP 2.0 marking definition under this id; nothing was stored";

/// What an add of a new version of an object without `modified` or
/// `created` (an SCO) answers when the sharer already holds that id: STIX
/// gives such an object no version of its own, so each add is a version
/// dated when it was added, and the earlier ones stay (TAXII versions).
const UNVERSIONED_AGAIN: &str = "this object has no modified (an SCO): stored as a new version dated when it was added; the earlier versions stay and are listed under its versions";

/// Of the ids in a chunk, those the adder's organisation already holds in
/// the collection (their older versions may need `has_newer`).
const KNOWN: &str = "
    SELECT DISTINCT o.stix_id
    FROM stix_objects o
    WHERE o.collection_id = $1 AND o.owner_org = $2";

const INSERT_OBJECTS: &str = "
    INSERT INTO stix_objects (
        collection_id, community_id, stix_id, stix_type, spec_version, version, version_us,
        date_added, tlp, owner_org, created_by, body, community_audience
    )
    VALUES ";

/// A version already in its line (`stix_objects_line`, migration 0008) is
/// left as it was.
const INSERT_OBJECTS_END: &str = "
    ON CONFLICT DO NOTHING
    RETURNING pk, stix_id, version_us";

const INSERT_AUDIENCE: &str = "
    INSERT INTO stix_audience (object_pk, community_id, sector, org_id, user_id)
    VALUES ($1, $2, $3, $4, $5)";

/// Sets `has_newer` on the adder's (`$2`) versions that have a newer one
/// in their line now.
const MARK_OLDER: &str = "
    UPDATE stix_objects
    SET has_newer = 1
    WHERE collection_id = $1 AND owner_org = $2 AND has_newer = 0 AND EXISTS (
        SELECT 1 FROM stix_objects n
        WHERE n.collection_id = stix_objects.collection_id
          AND n.stix_id = stix_objects.stix_id
          AND n.owner_org = stix_objects.owner_org
          AND n.deleted_at IS NULL
          AND n.version_us > stix_objects.version_us
    )";

const INSERT_VALUES: &str = "
    INSERT INTO indicator_values (object_pk, kind, value, valid_from, valid_until)
    VALUES ";

const INSERT_SIGHTING: &str = "
    INSERT INTO sightings (object_pk, sighting_of, count, first_seen, last_seen)
    VALUES ($1, $2, $3, $4, $5)";

/// A line's key in `stix_heads` (migrations 0005, 0008): the first 8 bytes
/// of SHA-256 over the collection id, a NUL, the sharer's organisation id,
/// a NUL and the STIX id. Adds by other sharers of the id never wait on it.
pub(crate) fn head_key(collection: &str, owner: i64, stix_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let h = Sha256::new()
        .chain_update(collection.as_bytes())
        .chain_update([0])
        .chain_update(owner.to_be_bytes())
        .chain_update([0])
        .chain_update(stix_id.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    i64::from_be_bytes(first)
}

/// A version that passed the marking checks: the object, its TLP and its
/// version as text.
type Accepted = (NewStixVersion, Tlp, String);

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    /// Stores versions; with `whole`, refuses them all if any is refused.
    /// With `status` (a pending TAXII status and what failed before the
    /// add), completes that status in the same transaction and returns
    /// its whole outcome, or stores nothing and fails with
    /// `NotFound(STATUS_GONE)` if the status is no longer pending.
    pub(crate) async fn add_versions(
        &self,
        actor: &Actor,
        c: &Collection,
        objects: Vec<NewStixVersion>,
        whole: bool,
        status: Option<(&str, AddOutcome, Vec<Echo>)>,
    ) -> Result<AddOutcome> {
        let object = format!("collection:{}", c.id);
        if !renkei_core::can_write_community(&actor.viewer, c.community) {
            let why = "not permitted to add to this collection";
            return Err(self.deny(actor, "stix.add", &object, why).await);
        }
        let Some(owner) = actor.viewer.org else {
            return Err(StoreError::Forbidden(
                "objects are shared in the name of an organisation",
            ));
        };
        let now = Timestamp::now().0;
        let mut outcome = AddOutcome::default();
        let mut accepted: Vec<Accepted> = Vec::with_capacity(objects.len());
        let system = self.system_ids(&objects).await?;
        for o in objects {
            if system.contains(&o.stix_id) {
                // Validated as the specification's definition before it
                // came here (renkei-stix refuses any other under this id).
                let version = o.version.map(|(t, _)| t).unwrap_or_default();
                let held = Some(SYSTEM_HELD.to_owned());
                outcome.successes.push((o.stix_id, version, held));
                continue;
            }
            let tlp = o.tlp.unwrap_or(c.default_tlp);
            let marking = Marking {
                tlp,
                pap: None,
                audience: o.audience.clone(),
                owner_org: owner,
                created_by: actor.viewer.user,
            };
            let version_text = o
                .version
                .as_ref()
                .map_or_else(|| Timestamp(now).to_rfc3339(), |(t, _)| t.clone());
            if tlp == Tlp::Red && actor.viewer.user.is_none() {
                let why = "TLP:RED is shared by a person: not by a token no person created, \
                           nor from the command line without --user";
                outcome
                    .failures
                    .push((o.stix_id, Some(version_text), why.into()));
            } else if let Err(e) = marking.check() {
                outcome
                    .failures
                    .push((o.stix_id, Some(version_text), e.to_string()));
            } else if !renkei_core::can_write(&actor.viewer, &marking) {
                let why = format!("not permitted to share with TLP:{}", tlp.as_str());
                outcome.failures.push((o.stix_id, Some(version_text), why));
            } else {
                accepted.push((o, tlp, version_text));
            }
        }
        let mut tx = self.begin().await?;
        check_audiences(&mut tx, accepted.iter().map(|(o, _, _)| &o.audience)).await?;
        // Stamped once the write lock is held (SQLite) or the transaction
        // has begun, so stamps follow commit order as closely as the
        // database allows (notification cursors).
        let added = Timestamp::now().0;
        let ids: Vec<&str> = accepted
            .iter()
            .map(|(o, _, _)| o.stix_id.as_str())
            .collect();
        B::take_heads(&mut tx, &c.id, owner.0, ids).await?;
        let known = known(&mut tx, c, owner.0, &accepted).await?;
        if whole && !outcome.failures.is_empty() {
            return Err(StoreError::Refused(outcome.failures));
        }
        for (n, chunk) in accepted.chunks(INSERT_CHUNK).enumerate() {
            let first = added + (n * INSERT_CHUNK) as i64;
            insert_objects(&mut tx, actor, owner.0, c, chunk, now, first).await?;
            outcome.successes.extend(chunk.iter().map(|(o, _, v)| {
                let again = (o.version.is_none() && known.contains(&o.stix_id))
                    .then(|| UNVERSIONED_AGAIN.to_owned());
                (o.stix_id.clone(), v.clone(), again)
            }));
        }
        // Objects with more than one version now (stored before, or twice in
        // this batch): their older versions get has_newer.
        let mut seen = HashSet::new();
        let mut versioned: Vec<String> = accepted
            .iter()
            .filter(|(o, _, _)| !seen.insert(o.stix_id.as_str()) || known.contains(&o.stix_id))
            .map(|(o, _, _)| o.stix_id.clone())
            .collect();
        versioned.sort_unstable();
        versioned.dedup();
        for ids in versioned.chunks(INSERT_CHUNK) {
            let mut d = Sql::new(MARK_OLDER).bind(&c.id).bind(owner.0);
            d.and_in("stix_id", ids);
            d.execute(&mut tx).await?;
        }
        let detail = format!(
            "{} stored or already present, {} refused",
            outcome.successes.len(),
            outcome.failures.len()
        );
        append(&mut tx, actor, "stix.add", &object, &detail).await?;
        if let Some((id, mut done, echoes)) = status {
            done.successes.append(&mut outcome.successes);
            done.failures.append(&mut outcome.failures);
            done.settle_echoes(&echoes);
            if !complete_in(&mut tx, id, &done).await? {
                // Dropping `tx` rolls the add back.
                return Err(StoreError::NotFound(STATUS_GONE));
            }
            outcome = done;
        }
        self.commit(tx).await?;
        Ok(outcome)
    }
}

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    /// Which of the objects' ids name objects every collection holds; read
    /// only when a marking definition is among them.
    async fn system_ids(&self, objects: &[NewStixVersion]) -> Result<HashSet<String>> {
        if !objects.iter().any(|o| o.stix_type == "marking-definition") {
            return Ok(HashSet::new());
        }
        let rows = Sql::new(SYSTEM_IDS).fetch_all(self).await?;
        rows.iter().map(|r| r.text("stix_id")).collect()
    }
}

/// Which of the ids the organisation `owner` already holds in the
/// collection.
async fn known<B: Backend>(
    tx: &mut Tx<'_, B>,
    c: &Collection,
    owner: i64,
    accepted: &[Accepted],
) -> Result<HashSet<String>> {
    let mut known = HashSet::new();
    for chunk in accepted.chunks(INSERT_CHUNK) {
        let ids: Vec<String> = chunk.iter().map(|(o, _, _)| o.stix_id.clone()).collect();
        let mut d = Sql::new(KNOWN).bind(&c.id).bind(owner);
        d.and_in("o.stix_id", &ids);
        for r in d.fetch_all(&mut *tx).await? {
            known.insert(r.text("stix_id")?);
        }
    }
    Ok(known)
}

/// Inserts one chunk of versions with their audiences and index entries.
async fn insert_objects<B: Backend>(
    tx: &mut Tx<'_, B>,
    actor: &Actor,
    owner: i64,
    c: &Collection,
    chunk: &[Accepted],
    now: i64,
    first_added: i64,
) -> Result<()> {
    let version_us = |o: &NewStixVersion| o.version.as_ref().map_or(now, |(_, us)| *us);
    let mut d = Sql::new(INSERT_OBJECTS);
    let mut rows = Vec::with_capacity(chunk.len());
    for (i, (o, tlp, version_text)) in chunk.iter().enumerate() {
        // Each object of an add its own date_added, a microsecond apart in
        // request order: a client resuming from X-TAXII-Date-Added-Last
        // mid-add (TAXII 2.1 §3.5) must not skip the rest of it. Storing an
        // object takes longer than a microsecond, so every stamp is in the
        // past by the time the add commits.
        let added = first_added + i as i64;
        let values: [Arg<'static>; 12] = [
            c.id.clone().into(),
            c.community.0.into(),
            o.stix_id.clone().into(),
            o.stix_type.clone().into(),
            o.spec_version.clone().into(),
            version_text.clone().into(),
            version_us(o).into(),
            added.into(),
            tlp.as_str().into(),
            owner.into(),
            actor.viewer.user.map(|u| u.0).into(),
            o.body.clone().into(),
        ];
        let mut ps: Vec<String> = values
            .into_iter()
            .map(|a| B::seq_placeholder(&mut d, a))
            .collect();
        ps.push(
            if community_audience(c, &o.audience, *tlp) {
                "1"
            } else {
                "0"
            }
            .to_owned(),
        );
        rows.push(format!("({})", ps.join(", ")));
    }
    d.push(&rows.join(", "));
    d.push(INSERT_OBJECTS_END);
    let plain = chunk
        .iter()
        .all(|(o, _, _)| o.audience.is_empty() && o.index == IndexEntries::default());
    if plain {
        d.execute(&mut *tx).await?;
        return Ok(());
    }
    let inserted = d.fetch_all(&mut *tx).await?;
    let by_key: HashMap<(&str, i64), &NewStixVersion> = chunk
        .iter()
        .map(|(o, _, _)| ((o.stix_id.as_str(), version_us(o)), o))
        .collect();
    let mut indexed = Vec::with_capacity(inserted.len());
    for r in &inserted {
        let (pk, sid, vus) = (r.i64("pk")?, r.text("stix_id")?, r.i64("version_us")?);
        let Some(o) = by_key.get(&(sid.as_str(), vus)) else {
            continue;
        };
        indexed.push((pk, &o.index, vus));
        for (cm, se, og, us) in audience_rows(&o.audience) {
            Sql::new(INSERT_AUDIENCE)
                .bind(pk)
                .bind(cm)
                .bind(se)
                .bind(og)
                .bind(us)
                .execute(&mut *tx)
                .await?;
        }
    }
    index_versions(tx, &indexed).await
}

/// Whether the collection's community is in a version's audience: the
/// default when the sharer named no audience; naming any replaces it,
/// unless what was named includes that community. Never for TLP:RED,
/// which goes to named people only. Decided here, at write time, for
/// every way in (imports, the REST API, the portal, TAXII adds); the read
/// rule only reads it (`access::readable_stix!`).
pub(crate) fn community_audience(c: &Collection, audience: &Audience, tlp: Tlp) -> bool {
    tlp != Tlp::Red && (audience.is_empty() || audience.communities.contains(&c.community))
}

/// Adds stored versions' values and sightings to the index: `(pk, entries,
/// version_us)` each, values in multi-row INSERTs of [`INDEX_CHUNK`] rows
/// (BENCHMARKS.md, "Index rows in multi-row inserts").
async fn index_versions<B: Backend>(
    tx: &mut Tx<'_, B>,
    versions: &[(i64, &IndexEntries, i64)],
) -> Result<()> {
    let rows: Vec<(i64, &renkei_core::IndicatorValue, i64, Option<i64>)> = versions
        .iter()
        .flat_map(|(pk, ix, vus)| {
            ix.values
                .iter()
                .map(move |v| (*pk, v, ix.valid_from.unwrap_or(*vus), ix.valid_until))
        })
        .collect();
    for chunk in rows.chunks(INDEX_CHUNK) {
        let mut d = Sql::new(INSERT_VALUES);
        let mut values = Vec::with_capacity(chunk.len());
        for (pk, v, from, until) in chunk {
            let vals = [
                B::seq_placeholder(&mut d, (*pk).into()),
                B::seq_placeholder(&mut d, v.kind().as_str().into()),
                B::seq_placeholder(&mut d, v.value().to_owned().into()),
                B::seq_placeholder(&mut d, (*from).into()),
            ];
            let until = match until {
                Some(u) => B::seq_placeholder(&mut d, (*u).into()),
                None => "NULL".to_owned(),
            };
            values.push(format!("({}, {until})", vals.join(", ")));
        }
        d.push(&values.join(", "));
        d.execute(&mut *tx).await?;
    }
    for (pk, ix, _) in versions {
        if let Some(s) = &ix.sighting {
            Sql::new(INSERT_SIGHTING)
                .bind(*pk)
                .bind(&s.of)
                .bind(s.count)
                .bind(s.first_seen)
                .bind(s.last_seen)
                .execute(&mut *tx)
                .await?;
        }
    }
    Ok(())
}
