//! [`IntelStore`]: collections, adding and reading versions, deletes,
//! TAXII add statuses (their statements in `status.rs`).

use async_trait::async_trait;
use renkei_core::model::{Collection, NewCollection};
use renkei_core::{Actor, AuditOutcome, CommunityId, Timestamp, Tlp};

use super::backend::IntelBackend;
use super::model::{
    AddOutcome, DeleteMatch, Echo, EnvelopePage, NewStixVersion, StixPage, StixQuery, StixRow,
    TaxiiStatus,
};
use super::page::{Rule, keyset_rows, page_limit, page_query, version_clause};
use super::status::{AddAbandoned, PRUNE_STATUSES};
use super::write::STATUS_GONE;
use crate::access::{binds, readable_stix};
use crate::audit::chain::{Draft, append, append_many};
use crate::backend::{RowExt, Sql};
use crate::store::{COMMUNITY_EXISTS, SqlStore, check_len, exists, platform_admin};
use crate::{Result, StoreError};

/// STIX objects in TAXII collections, and TAXII add statuses.
#[async_trait]
pub trait IntelStore: Send + Sync {
    async fn create_collection(&self, actor: &Actor, c: NewCollection) -> Result<Collection>;
    async fn list_collections(&self) -> Result<Vec<Collection>>;
    async fn get_collection(&self, id: &str) -> Result<Collection>;
    /// Whether `actor` may see collection `c` at all: a member of its
    /// community, or someone who may read at least one object in it (a
    /// CLEAR one, one shared with its organisation, sector or person).
    /// Nobody learns of a collection they could read nothing of.
    async fn collection_visible(&self, actor: &Actor, c: &Collection) -> Result<bool>;

    /// Stores versions in one transaction; existing `(id, version)` pairs
    /// count as successes and are left as they were. Audited as one write.
    async fn add_stix(
        &self,
        actor: &Actor,
        collection: &Collection,
        objects: Vec<NewStixVersion>,
    ) -> Result<AddOutcome>;
    /// Like [`IntelStore::add_stix`], but all or nothing: if any object
    /// would be refused, nothing is stored and every refusal is returned
    /// as [`crate::StoreError::Refused`].
    async fn add_stix_whole(
        &self,
        actor: &Actor,
        collection: &Collection,
        objects: Vec<NewStixVersion>,
    ) -> Result<AddOutcome>;
    /// A page of readable versions in `(date_added, pk)` order, audited.
    async fn stix_page(
        &self,
        actor: &Actor,
        collection: &Collection,
        q: &StixQuery,
    ) -> Result<StixPage>;
    /// The same page as [`IntelStore::stix_page`], its objects joined into
    /// the text of a JSON array's members.
    async fn stix_envelope(
        &self,
        actor: &Actor,
        collection: &Collection,
        q: &StixQuery,
    ) -> Result<EnvelopePage>;
    /// Hides the versions of `id` matching `m` that the actor's
    /// organisation shared and the actor may read (TLP:RED ones only if the
    /// actor shared them); returns how many. `NotFound` when none, alike
    /// for an id that does not exist and one the actor may not read or
    /// delete. Every attempt is audited, whatever it hid.
    async fn delete_stix(
        &self,
        actor: &Actor,
        collection: &Collection,
        id: &str,
        m: &DeleteMatch,
    ) -> Result<u64>;

    /// Records a status, `pending` with the objects it is still to store
    /// (`pending_objects`).
    async fn create_status(&self, status: &TaxiiStatus) -> Result<()>;
    /// Completes a pending status with `outcome`; `false`, changing
    /// nothing, when it is no longer pending.
    async fn complete_status(&self, id: &str, outcome: &AddOutcome) -> Result<bool>;
    /// The status if it exists and belongs to `org`.
    async fn get_status(&self, id: &str, org: i64) -> Result<Option<TaxiiStatus>>;
    /// Stores versions as [`IntelStore::add_stix`] does and, in the same
    /// transaction, completes the pending status `status` with `prior`
    /// (what failed before the add), the add's outcome and `echoes` (exact
    /// repeats stored once, settled by their first's fate), which it
    /// returns. `None`, storing nothing, when the status is no longer
    /// pending (failed meanwhile by [`IntelStore::fail_status`] or
    /// [`IntelStore::fail_stale_statuses`]).
    async fn add_stix_for_status(
        &self,
        actor: &Actor,
        collection: &Collection,
        objects: Vec<NewStixVersion>,
        status: &str,
        prior: AddOutcome,
        echoes: Vec<Echo>,
    ) -> Result<Option<AddOutcome>>;
    /// Fails a pending status whose add will not be stored: each object it
    /// was to store becomes a failure saying `why`. `false` when it was no
    /// longer pending.
    async fn fail_status(&self, id: &str, why: AddAbandoned) -> Result<bool>;
    /// Fails, as [`AddAbandoned::Stale`], every status still pending that
    /// was requested before `requested_before` (microseconds): statuses
    /// left behind by a process that stopped. Returns how many.
    async fn fail_stale_statuses(&self, requested_before: i64) -> Result<u64>;
    /// Deletes finished statuses completed before `completed_before`
    /// (microseconds); TAXII 2.1 lets status resources expire. Audited
    /// when any went; the system only. Returns how many.
    async fn prune_statuses(&self, actor: &Actor, completed_before: i64) -> Result<u64>;

    /// The database's own secret for ids derived from others' (MISP
    /// uuids), created on first use and the same for every server of the
    /// database ever after: 32 bytes. Used when the configuration names
    /// none (`derived_id_key`).
    async fn derived_id_secret(&self) -> Result<[u8; 32]>;
}

const INSERT_COLLECTION: &str = "
    INSERT INTO taxii_collections (id, community_id, title, description, default_tlp, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)";

/// The objects every collection holds (migration 0014), copied into a new
/// one (`$1`, of community `$2`) as added at `$3` plus their ordinal.
const INSERT_SYSTEM_OBJECTS: &str = "
    INSERT INTO stix_objects (
        collection_id, community_id, stix_id, stix_type, spec_version, version, version_us,
        date_added, tlp, owner_org, created_by, body
    )
    SELECT $1, $2, s.stix_id, s.stix_type, '2.1', s.version, s.version_us,
           $3 + s.ordinal, 'CLEAR', 0, NULL, s.body
    FROM stix_system_objects s
    ORDER BY s.ordinal";

const LIST_COLLECTIONS: &str = "
    SELECT id, community_id, title, description, default_tlp, created_at
    FROM taxii_collections
    ORDER BY community_id, created_at, id";

const GET_COLLECTION: &str = "
    SELECT id, community_id, title, description, default_tlp, created_at
    FROM taxii_collections
    WHERE id = $1";

/// Whether collection `$4` holds an undeleted version the viewer bound as
/// `$1..$3` may read (for viewers outside its community). Versions of no
/// organisation (`owner_org` 0: what every collection holds alike, such
/// as the TLP marking definitions) show nothing about the collection.
const ANY_READABLE: &str = concat!(
    "SELECT 1 AS one FROM stix_objects o
     WHERE o.collection_id = $4 AND o.deleted_at IS NULL AND o.owner_org <> 0 AND ",
    readable_stix!(),
    " LIMIT 1"
);

/// The versions of object `$5` in collection `$4` that a delete by the
/// viewer bound as `$1..$3` hides: its organisation's, readable by it, and
/// TLP:RED ones only its own; the version filter follows.
const DELETE_VERSIONS: &str = concat!(
    "UPDATE stix_objects
     SET deleted_at = $6
     WHERE pk IN (
        SELECT o.pk FROM stix_objects o
        WHERE o.collection_id = $4 AND o.stix_id = $5 AND o.owner_org = $2
          AND o.deleted_at IS NULL
          AND (o.tlp <> 'RED' OR o.created_by = $1) AND ",
    readable_stix!()
);

const INSERT_SECRET: &str = "
    INSERT INTO server_secrets (name, secret, created_at)
    VALUES ($1, $2, $3)
    ON CONFLICT (name) DO NOTHING";

const GET_SECRET: &str = "SELECT secret FROM server_secrets WHERE name = $1";

/// The columns of a portal page (`stix_page`).
const PAGE_SELECT: &str =
    "SELECT o.pk, o.stix_id, o.stix_type, o.version, o.date_added, o.tlp, o.body, o.owner_org";

#[async_trait]
impl<B: IntelBackend> IntelStore for SqlStore<B> {
    async fn create_collection(&self, actor: &Actor, c: NewCollection) -> Result<Collection> {
        if !platform_admin(actor) {
            let why = "only platform administrators create collections";
            let object = format!("community:{}", c.community);
            return Err(self.deny(actor, "collection.create", &object, why).await);
        }
        check_len("title", &c.title, 200)?;
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.begin().await?;
        if !exists(&mut tx, COMMUNITY_EXISTS, c.community.0).await? {
            return Err(StoreError::Conflict {
                field: "community",
                message: format!("no community {}", c.community),
            });
        }
        let created = Timestamp::now().0;
        Sql::new(INSERT_COLLECTION)
            .bind(&id)
            .bind(c.community.0)
            .bind(c.title.trim())
            .bind(c.description.trim())
            .bind(c.default_tlp.as_str())
            .bind(created)
            .execute(&mut tx)
            .await?;
        Sql::new(INSERT_SYSTEM_OBJECTS)
            .bind(&id)
            .bind(c.community.0)
            .bind(created)
            .execute(&mut tx)
            .await?;
        let object = format!("collection:{id}");
        append(&mut tx, actor, "collection.create", &object, c.title.trim()).await?;
        self.commit(tx).await?;
        self.get_collection(&id).await
    }

    async fn list_collections(&self) -> Result<Vec<Collection>> {
        let rows = Sql::new(LIST_COLLECTIONS).fetch_all(self).await?;
        rows.iter().map(collection).collect()
    }

    async fn get_collection(&self, id: &str) -> Result<Collection> {
        let r = Sql::new(GET_COLLECTION)
            .bind(id)
            .fetch_optional(self)
            .await?;
        r.as_ref()
            .map(collection)
            .transpose()?
            .ok_or(StoreError::NotFound("collection"))
    }

    async fn collection_visible(&self, actor: &Actor, c: &Collection) -> Result<bool> {
        if renkei_core::can_read_community(&actor.viewer, c.community) {
            return Ok(true);
        }
        let (u, o, sector) = binds(&actor.viewer);
        let found = Sql::new(ANY_READABLE)
            .bind(u)
            .bind(o)
            .bind(sector)
            .bind(&c.id)
            .fetch_optional(self)
            .await?;
        Ok(found.is_some())
    }

    async fn add_stix(
        &self,
        actor: &Actor,
        c: &Collection,
        objects: Vec<NewStixVersion>,
    ) -> Result<AddOutcome> {
        self.add_versions(actor, c, objects, false, None).await
    }

    async fn add_stix_whole(
        &self,
        actor: &Actor,
        c: &Collection,
        objects: Vec<NewStixVersion>,
    ) -> Result<AddOutcome> {
        self.add_versions(actor, c, objects, true, None).await
    }

    async fn stix_page(&self, actor: &Actor, c: &Collection, q: &StixQuery) -> Result<StixPage> {
        self.may_read(actor, c).await?;
        let limit = page_limit(q);
        let want = limit as usize + 1;
        let mut conn = self.pool.acquire().await?;
        let query = |leg| page_query(actor, c, q, PAGE_SELECT, leg);
        let rows = keyset_rows::<B>(&mut conn, q.after.is_some(), want, query).await?;
        drop(conn);
        let more = rows.len() as i64 > limit;
        let rows = rows
            .iter()
            .take(limit as usize)
            .map(|r| {
                Ok(StixRow {
                    pk: r.i64("pk")?,
                    stix_id: r.text("stix_id")?,
                    stix_type: r.text("stix_type")?,
                    version: r.text("version")?,
                    date_added: r.i64("date_added")?,
                    tlp: Tlp::parse(&r.text("tlp")?)
                        .map_err(|e| StoreError::corrupt("stix_objects", e))?,
                    body: r.text("body")?,
                    owner_org: r.i64("owner_org")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let restricted: Vec<&str> = rows
            .iter()
            .filter(|r| r.tlp != Tlp::Clear)
            .map(|r| r.stix_id.as_str())
            .collect();
        let object = format!("collection:{}", c.id);
        self.audit
            .read_of(None, actor, "stix.read", &object, restricted)
            .await?;
        Ok(StixPage { rows, more })
    }

    async fn stix_envelope(
        &self,
        actor: &Actor,
        c: &Collection,
        q: &StixQuery,
    ) -> Result<EnvelopePage> {
        self.may_read(actor, c).await?;
        let reading = self.reads.start();
        let mut page = B::envelope_rows(self, actor, c, q).await?;
        if page.restricted > 0 {
            // The versions themselves, not the page's cursor range: which
            // ones a range held depends on the rule and audiences at the
            // time, which an investigation cannot replay.
            let summary = format!("{} restricted of {}", page.restricted, page.count);
            let pks = std::mem::take(&mut page.restricted_pks);
            let object = format!("collection:{}", c.id);
            self.audit
                .read_versions(Some(reading), actor, "stix.read", &object, &summary, pks)
                .await?;
        }
        Ok(EnvelopePage {
            objects: page.objects,
            count: page.count,
            more: page.more,
            first_added: page.first.map(|(d, _)| d),
            last: page.last,
        })
    }

    async fn delete_stix(
        &self,
        actor: &Actor,
        c: &Collection,
        id: &str,
        m: &DeleteMatch,
    ) -> Result<u64> {
        let object = format!("collection:{} {id}", c.id);
        if !renkei_core::can_write_community(&actor.viewer, c.community) {
            let why = "not permitted to delete from this collection";
            return Err(self.deny(actor, "stix.delete", &object, why).await);
        }
        let (u, o, sector) = binds(&actor.viewer);
        let mut d = Sql::new(DELETE_VERSIONS)
            .bind(u)
            .bind(o)
            .bind(sector)
            .bind(&c.id)
            .bind(id)
            .bind(Timestamp::now().0);
        version_clause(&mut d, &m.versions, Rule::None);
        d.and_in("o.spec_version", &m.spec_versions);
        d.and_types(&m.types);
        d.push(")");
        let mut tx = self.begin().await?;
        let n = d.execute(&mut tx).await?;
        // Audited either way, and answered alike for an id that does not
        // exist and one the actor may not read: the same statements run.
        let (outcome, detail) = if n == 0 {
            (AuditOutcome::Failed, "nothing hidden".to_owned())
        } else {
            (AuditOutcome::Ok, format!("{n} versions hidden"))
        };
        let draft = Draft {
            actor,
            action: "stix.delete",
            object: &object,
            outcome,
            detail: &detail,
        };
        append_many(&mut tx, &[draft]).await?;
        self.commit(tx).await?;
        if n == 0 {
            return Err(StoreError::NotFound("object"));
        }
        Ok(n)
    }

    async fn create_status(&self, st: &TaxiiStatus) -> Result<()> {
        self.insert_status(st).await
    }

    async fn complete_status(&self, id: &str, o: &AddOutcome) -> Result<bool> {
        self.complete_pending(id, o).await
    }

    async fn get_status(&self, id: &str, org: i64) -> Result<Option<TaxiiStatus>> {
        self.read_status(id, org).await
    }

    async fn add_stix_for_status(
        &self,
        actor: &Actor,
        c: &Collection,
        objects: Vec<NewStixVersion>,
        status: &str,
        prior: AddOutcome,
        echoes: Vec<Echo>,
    ) -> Result<Option<AddOutcome>> {
        match self
            .add_versions(actor, c, objects, false, Some((status, prior, echoes)))
            .await
        {
            Ok(o) => Ok(Some(o)),
            Err(StoreError::NotFound(what)) if what == STATUS_GONE => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn fail_status(&self, id: &str, why: AddAbandoned) -> Result<bool> {
        self.fail_pending(id, why).await
    }

    async fn fail_stale_statuses(&self, requested_before: i64) -> Result<u64> {
        self.fail_stale(requested_before).await
    }

    async fn prune_statuses(&self, actor: &Actor, completed_before: i64) -> Result<u64> {
        let d = Sql::new(PRUNE_STATUSES).bind(completed_before);
        self.prune(actor, "taxii statuses", vec![d]).await
    }

    async fn derived_id_secret(&self) -> Result<[u8; 32]> {
        const NAME: &str = "derived_ids";
        let mut fresh = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut fresh);
        // Whoever inserts first wins; everyone reads the one kept.
        Sql::new(INSERT_SECRET)
            .bind(NAME)
            .bind(hex::encode(fresh))
            .bind(Timestamp::now().0)
            .execute(self)
            .await?;
        let kept = Sql::new(GET_SECRET)
            .bind(NAME)
            .fetch_one(self)
            .await?
            .text("secret")?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(kept.trim(), &mut out)
            .map_err(|e| StoreError::corrupt("server_secrets", e))?;
        Ok(out)
    }
}

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    /// Members of the collection's community, and others who may read
    /// something in it ([`IntelStore::collection_visible`]); to anyone
    /// else it is not found, as a missing one. Refusals are audited.
    async fn may_read(&self, actor: &Actor, c: &Collection) -> Result<()> {
        if self.collection_visible(actor, c).await? {
            return Ok(());
        }
        let why = "nothing readable in a collection of a community it is not in";
        let object = format!("collection:{}", c.id);
        match self.deny(actor, "stix.read", &object, why).await {
            StoreError::Forbidden(_) => Err(StoreError::NotFound("collection")),
            audit_failed => Err(audit_failed),
        }
    }
}

fn collection(r: &impl RowExt) -> Result<Collection> {
    Ok(Collection {
        id: r.text("id")?,
        community: CommunityId(r.i64("community_id")?),
        title: r.text("title")?,
        description: r.text("description")?,
        default_tlp: Tlp::parse(&r.text("default_tlp")?)
            .map_err(|e| StoreError::corrupt("taxii_collections", e))?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}
