//! Shared items: free-form reports with a marking, versioned (an amendment
//! adds a version), read through the access rule and audited.

use async_trait::async_trait;
use renkei_core::model::{Item, NewItem};
use renkei_core::{
    Actor, Audience, AuditOutcome, CommunityId, Marking, OrgId, Pap, Sector, Timestamp, Tlp, UserId,
};

use crate::access::{binds, readable};
use crate::audit::chain::{Draft, append, append_many};
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// Shared items and their versions.
#[async_trait]
pub trait ItemStore: Send + Sync {
    async fn share_item(&self, actor: &Actor, item: NewItem) -> Result<Item>;
    /// Adds a version; the previous ones stay as they were.
    async fn amend_item(&self, actor: &Actor, id: i64, item: NewItem) -> Result<Item>;
    /// Latest versions the actor may read, newest first.
    async fn list_items(&self, actor: &Actor, limit: i64) -> Result<Vec<Item>>;
    /// `NotFound` both when absent and when the actor may not read it, so
    /// the answer does not tell which.
    async fn get_item(&self, actor: &Actor, id: i64) -> Result<Item>;
    async fn item_versions(&self, actor: &Actor, id: i64) -> Result<Vec<Item>>;
    /// Latest readable versions whose title or text holds any of `terms`
    /// (ASCII letters in any case; at most 8 terms of 4,096 bytes), newest
    /// first; reads audited as `list_items`'.
    async fn search_items(&self, actor: &Actor, terms: &[String], limit: i64) -> Result<Vec<Item>>;
}

const INSERT_ITEM: &str = "
    INSERT INTO items (owner_org, latest_version, created_at)
    VALUES ($1, 1, $2)
    RETURNING id";

const NEXT_VERSION: &str = "
    UPDATE items
    SET latest_version = latest_version + 1
    WHERE id = $1
    RETURNING latest_version";

const INSERT_VERSION: &str = "
    INSERT INTO item_versions (item_id, version, title, body, tlp, pap, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const INSERT_AUDIENCE: &str = "
    INSERT INTO item_audience (item_id, version, community_id, sector, org_id, user_id)
    VALUES ($1, $2, $3, $4, $5, $6)";

const AUDIENCE_OF: &str = "
    SELECT community_id, sector, org_id, user_id
    FROM item_audience
    WHERE item_id = $1 AND version = $2";

/// The columns `item` reads, over `items i` and `item_versions v`.
macro_rules! item_select {
    () => {
        "SELECT v.item_id, v.version, v.title, v.body, v.tlp, v.pap, v.created_by,
                v.created_at, i.owner_org
         FROM items i "
    };
}

/// Latest versions the viewer bound as `$1..$3` may read.
const LIST_READABLE: &str = concat!(
    item_select!(),
    "JOIN item_versions v ON v.item_id = i.id AND v.version = i.latest_version
     WHERE ",
    readable!(),
    " ORDER BY i.id DESC LIMIT $4"
);

const GET_READABLE: &str = concat!(
    item_select!(),
    "JOIN item_versions v ON v.item_id = i.id AND v.version = i.latest_version
     WHERE i.id = $4 AND ",
    readable!()
);

const VERSIONS_READABLE: &str = concat!(
    item_select!(),
    "JOIN item_versions v ON v.item_id = i.id
     WHERE i.id = $4 AND ",
    readable!(),
    " ORDER BY v.version"
);

const BY_VERSION: &str = concat!(
    item_select!(),
    "JOIN item_versions v ON v.item_id = i.id
     WHERE i.id = $1 AND v.version = $2"
);

/// [`LIST_READABLE`] narrowed by a condition on the text, spliced at `{}`.
const SEARCH_READABLE: &str = concat!(
    item_select!(),
    "JOIN item_versions v ON v.item_id = i.id AND v.version = i.latest_version
     WHERE ",
    readable!(),
    " AND ({})"
);

const ITEM_EXISTS: &str = "SELECT 1 AS one FROM items WHERE id = $1";

#[async_trait]
impl<B: Backend> ItemStore for SqlStore<B> {
    async fn share_item(&self, actor: &Actor, item: NewItem) -> Result<Item> {
        item.check()?;
        if !renkei_core::can_write(&actor.viewer, &item.marking) {
            let why = "not permitted to share with this marking";
            return Err(self.deny(actor, "item.create", "item", why).await);
        }
        let mut tx = self.begin().await?;
        check_audiences(&mut tx, [&item.marking.audience]).await?;
        let now = Timestamp::now();
        let id = Sql::new(INSERT_ITEM)
            .bind(item.marking.owner_org.0)
            .bind(now.0)
            .fetch_one(&mut tx)
            .await?
            .i64("id")?;
        insert_version(&mut tx, id, 1, &item, now).await?;
        let detail = format!("version 1 {}", item.marking.tlp);
        append(
            &mut tx,
            actor,
            "item.create",
            &format!("item:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        let mut got = self.item_by_version(id, 1).await?;
        self.load_audience(std::slice::from_mut(&mut got)).await?;
        Ok(got)
    }

    async fn amend_item(&self, actor: &Actor, id: i64, item: NewItem) -> Result<Item> {
        item.check()?;
        let current = self.get_item(actor, id).await?;
        if current.marking.owner_org != item.marking.owner_org
            || !renkei_core::can_write(&actor.viewer, &item.marking)
        {
            let why = "not permitted to amend this item";
            return Err(self
                .deny(actor, "item.amend", &format!("item:{id}"), why)
                .await);
        }
        let mut tx = self.begin().await?;
        check_audiences(&mut tx, [&item.marking.audience]).await?;
        let version = Sql::new(NEXT_VERSION)
            .bind(id)
            .fetch_one(&mut tx)
            .await?
            .i64("latest_version")?;
        insert_version(&mut tx, id, version, &item, Timestamp::now()).await?;
        let detail = format!("version {version} {}", item.marking.tlp);
        append(&mut tx, actor, "item.amend", &format!("item:{id}"), &detail).await?;
        self.commit(tx).await?;
        let mut got = self.item_by_version(id, version).await?;
        self.load_audience(std::slice::from_mut(&mut got)).await?;
        Ok(got)
    }

    async fn list_items(&self, actor: &Actor, limit: i64) -> Result<Vec<Item>> {
        let (u, o, s) = binds(&actor.viewer);
        let rows = Sql::new(LIST_READABLE)
            .bind(u)
            .bind(o)
            .bind(s)
            .bind(limit.clamp(1, 1000))
            .fetch_all(self)
            .await?;
        let mut items = rows.iter().map(item).collect::<Result<Vec<_>>>()?;
        self.load_audience(&mut items).await?;
        self.audit_reads(actor, "item.read", &items).await?;
        Ok(items)
    }

    async fn get_item(&self, actor: &Actor, id: i64) -> Result<Item> {
        let (u, o, s) = binds(&actor.viewer);
        let row = Sql::new(GET_READABLE)
            .bind(u)
            .bind(o)
            .bind(s)
            .bind(id)
            .fetch_optional(self)
            .await?;
        let Some(row) = row else {
            let exists = Sql::new(ITEM_EXISTS).bind(id).fetch_optional(self).await?;
            if exists.is_some() {
                let object = format!("item:{id}");
                let _ = self
                    .deny(actor, "item.read", &object, "not in the audience")
                    .await;
            }
            return Err(StoreError::NotFound("item"));
        };
        let mut items = vec![item(&row)?];
        self.load_audience(&mut items).await?;
        self.audit_reads(actor, "item.read", &items).await?;
        Ok(items.remove(0))
    }

    async fn item_versions(&self, actor: &Actor, id: i64) -> Result<Vec<Item>> {
        let (u, o, s) = binds(&actor.viewer);
        let rows = Sql::new(VERSIONS_READABLE)
            .bind(u)
            .bind(o)
            .bind(s)
            .bind(id)
            .fetch_all(self)
            .await?;
        let mut items = rows.iter().map(item).collect::<Result<Vec<_>>>()?;
        if items.is_empty() {
            return Err(StoreError::NotFound("item"));
        }
        self.load_audience(&mut items).await?;
        self.audit_reads(actor, "item.read_version", &items).await?;
        Ok(items)
    }

    async fn search_items(&self, actor: &Actor, terms: &[String], limit: i64) -> Result<Vec<Item>> {
        let terms: Vec<&String> = terms
            .iter()
            .filter(|t| !t.trim().is_empty() && t.len() <= 4096)
            .take(8)
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let (u, o, s) = binds(&actor.viewer);
        let mut d = Sql::built(String::new()).bind(u).bind(o).bind(s);
        let or: Vec<String> = terms
            .iter()
            .map(|t| {
                let p = d.p(crate::index::like(t));
                format!("LOWER(v.title) LIKE {p} ESCAPE '\\' OR LOWER(v.body) LIKE {p} ESCAPE '\\'")
            })
            .collect();
        let lim = d.p(limit.clamp(1, 1000));
        d.text = SEARCH_READABLE.replace("{}", &or.join(" OR ")).into();
        d.push(&format!(" ORDER BY i.id DESC LIMIT {lim}"));
        let rows = d.fetch_all(self).await?;
        let mut items = rows.iter().map(item).collect::<Result<Vec<_>>>()?;
        self.load_audience(&mut items).await?;
        self.audit_reads(actor, "item.read", &items).await?;
        Ok(items)
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    async fn item_by_version(&self, id: i64, version: i64) -> Result<Item> {
        let r = Sql::new(BY_VERSION)
            .bind(id)
            .bind(version)
            .fetch_optional(self)
            .await?;
        r.as_ref()
            .map(item)
            .transpose()?
            .ok_or(StoreError::NotFound("item"))
    }

    async fn load_audience(&self, items: &mut [Item]) -> Result<()> {
        for it in items.iter_mut() {
            let rows = Sql::new(AUDIENCE_OF)
                .bind(it.id)
                .bind(it.version)
                .fetch_all(self)
                .await?;
            for r in &rows {
                add_audience_row(&mut it.marking.audience, r)?;
            }
        }
        Ok(())
    }

    /// Audits the read of every item that is not TLP:CLEAR, in a write
    /// transaction of its own.
    async fn audit_reads(&self, actor: &Actor, action: &str, items: &[Item]) -> Result<()> {
        let restricted: Vec<(String, String)> = items
            .iter()
            .filter(|i| i.marking.tlp != Tlp::Clear)
            .map(|i| {
                let detail = format!("version {} {}", i.version, i.marking.tlp);
                (format!("item:{}", i.id), detail)
            })
            .collect();
        if restricted.is_empty() {
            return Ok(());
        }
        let drafts: Vec<Draft<'_>> = restricted
            .iter()
            .map(|(object, detail)| Draft {
                actor,
                action,
                object,
                outcome: AuditOutcome::Ok,
                detail,
            })
            .collect();
        let mut tx = self.begin().await?;
        append_many(&mut tx, &drafts).await?;
        self.commit(tx).await?;
        Ok(())
    }
}

/// Refuses audiences that name what does not exist (`user:-1`, `org:999`):
/// such an id reaches nobody today, and whoever receives it tomorrow. The
/// error lists every unknown id; the field is the kind's when they are all
/// of one kind.
pub(crate) async fn check_audiences<'a, B: Backend>(
    tx: &mut Tx<'_, B>,
    audiences: impl IntoIterator<Item = &'a Audience>,
) -> Result<()> {
    use std::collections::BTreeSet;
    let (mut cs, mut os, mut us) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for a in audiences {
        cs.extend(a.communities.iter().map(|c| c.0));
        os.extend(a.orgs.iter().map(|o| o.0));
        us.extend(a.users.iter().map(|u| u.0));
    }
    let mut unknown: Vec<(&'static str, String)> = Vec::new();
    for (table, kind, field, ids) in [
        ("communities", "community", "audience.communities", cs),
        ("organisations", "org", "audience.orgs", os),
        ("users", "user", "audience.users", us),
    ] {
        let ids: Vec<i64> = ids.into_iter().collect();
        for chunk in ids.chunks(500) {
            let mut d = Sql::built(format!("SELECT id FROM {table} WHERE id IN ("));
            let ps: Vec<String> = chunk.iter().map(|i| d.p(*i)).collect();
            d.push(&ps.join(", "));
            d.push(")");
            let mut found = std::collections::HashSet::new();
            for r in d.fetch_all(&mut *tx).await? {
                found.insert(r.i64("id")?);
            }
            unknown.extend(
                chunk
                    .iter()
                    .filter(|i| !found.contains(i))
                    .map(|i| (field, format!("{kind}:{i}"))),
            );
        }
    }
    let Some((first, _)) = unknown.first() else {
        return Ok(());
    };
    let field = if unknown.iter().all(|(f, _)| f == first) {
        *first
    } else {
        "audience"
    };
    Err(StoreError::UnknownRecipients {
        field,
        names: unknown.into_iter().map(|(_, n)| n).collect(),
    })
}

async fn insert_version<B: Backend>(
    tx: &mut Tx<'_, B>,
    id: i64,
    version: i64,
    item: &NewItem,
    at: Timestamp,
) -> Result<()> {
    let m = &item.marking;
    Sql::new(INSERT_VERSION)
        .bind(id)
        .bind(version)
        .bind(item.title.trim())
        .bind(&item.body)
        .bind(m.tlp.as_str())
        .bind(m.pap.map(|p| p.as_str()))
        .bind(m.created_by.map(|u| u.0))
        .bind(at.0)
        .execute(&mut *tx)
        .await?;
    for (c, s, o, u) in audience_rows(&m.audience) {
        Sql::new(INSERT_AUDIENCE)
            .bind(id)
            .bind(version)
            .bind(c)
            .bind(s)
            .bind(o)
            .bind(u)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// An audience as rows of (community, sector, organisation, user), one set
/// each (shared with the STIX audience, `intel::write`).
pub(crate) fn audience_rows(
    a: &Audience,
) -> impl Iterator<Item = (Option<i64>, Option<&str>, Option<i64>, Option<i64>)> + '_ {
    a.communities
        .iter()
        .map(|c| (Some(c.0), None, None, None))
        .chain(
            a.sectors
                .iter()
                .map(|s| (None, Some(s.as_str()), None, None)),
        )
        .chain(a.orgs.iter().map(|o| (None, None, Some(o.0), None)))
        .chain(a.users.iter().map(|u| (None, None, None, Some(u.0))))
}

/// An item without its audience, which is read separately.
fn item(r: &impl RowExt) -> Result<Item> {
    let c = |e| StoreError::corrupt("item_versions", e);
    Ok(Item {
        id: r.i64("item_id")?,
        version: r.i64("version")?,
        title: r.text("title")?,
        body: r.text("body")?,
        marking: Marking {
            tlp: Tlp::parse(&r.text("tlp")?).map_err(c)?,
            pap: r
                .opt_text("pap")?
                .map(|p| Pap::parse(&p))
                .transpose()
                .map_err(c)?,
            audience: Audience::default(),
            owner_org: OrgId(r.i64("owner_org")?),
            created_by: r.opt_i64("created_by")?.map(UserId),
        },
        created_at: Timestamp(r.i64("created_at")?),
    })
}

fn add_audience_row(aud: &mut Audience, r: &impl RowExt) -> Result<()> {
    if let Some(c) = r.opt_i64("community_id")? {
        aud.communities.push(CommunityId(c));
    }
    if let Some(s) = r.opt_text("sector")? {
        let s = Sector::parse(&s).map_err(|e| StoreError::corrupt("item_audience", e))?;
        aud.sectors.push(s);
    }
    if let Some(o) = r.opt_i64("org_id")? {
        aud.orgs.push(OrgId(o));
    }
    if let Some(u) = r.opt_i64("user_id")? {
        aud.users.push(UserId(u));
    }
    Ok(())
}
