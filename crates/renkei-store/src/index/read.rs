//! [`IndexStore`] on SQL: every read joins `stix_objects o`, applies
//! `readable_stix!` with the viewer bound as `$1..$3`, and keeps only the
//! latest version the reader may read.

use async_trait::async_trait;
use renkei_core::{
    Actor, Audience, CommunityId, IndicatorValue, OrgId, Sector, Tlp, UserId, ValueKind,
};

use super::values::{answers, like_pattern, related_clause, value_clause};
use super::{
    COUNT_CAP, FoundObject, IndexQuery, IndexRow, IndexStore, SearchQuery, SightingSummary,
    ValueHit, ValueHits,
};
use crate::access::{binds, readable_stix, readable_stix_n};
use crate::backend::hot::hot_read;
use crate::backend::{On, RowExt, Sql};
use crate::intel::StixRow;
use crate::intel::backend::IntelBackend;
use crate::intel::page::{Leg, keyset_rows};
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// `o` is the newest undeleted version of its line (its sharer's versions
/// of the id in its collection) that the viewer may read (a newer one the
/// viewer may not read does not hide it, nor does another sharer's).
/// Versions with `has_newer = 0` have no newer one at all (migration 0004),
/// so only the others are looked at.
const LATEST_READABLE: &str = concat!(
    "(o.has_newer = 0 OR NOT EXISTS (
        SELECT 1 FROM stix_objects n
        WHERE n.collection_id = o.collection_id AND n.stix_id = o.stix_id
          AND n.owner_org = o.owner_org AND n.deleted_at IS NULL
          AND n.version_us > o.version_us AND ",
    readable_stix_n!(),
    "))"
);

/// Values of one object looked up for its correlations.
const MAX_CORRELATED_VALUES: usize = 200;

const IV_JOIN: &str = "indicator_values iv JOIN stix_objects o ON o.pk = iv.object_pk";

const FOUND_COLS: &str = "SELECT o.pk, o.stix_id, o.stix_type, o.version, o.date_added, o.tlp,
       o.body, o.collection_id, o.owner_org";

const NOTIFICATIONS_SEEN: &str = "
    SELECT seen_until, seen_pk
    FROM notification_marks
    WHERE user_id = $1";

const MARK_SEEN: &str = "
    INSERT INTO notification_marks (user_id, seen_until, seen_pk)
    VALUES ($1, $2, $3)
    ON CONFLICT (user_id) DO UPDATE
    SET seen_until = excluded.seen_until, seen_pk = excluded.seen_pk
    WHERE (notification_marks.seen_until, notification_marks.seen_pk)
        < (excluded.seen_until, excluded.seen_pk)";

/// `{select} FROM {from} WHERE <o undeleted, readable, latest readable>`
/// with the viewer bound; `from` names `stix_objects o`.
pub(super) fn readable_latest<'q>(actor: &Actor, select: &str, from: &str) -> Sql<'q> {
    let (u, o, s) = binds(&actor.viewer);
    Sql::built(format!(
        "{select} FROM {from}
         WHERE o.deleted_at IS NULL AND {} AND {LATEST_READABLE}",
        readable_stix!()
    ))
    .bind(u)
    .bind(o)
    .bind(s)
}

#[async_trait]
impl<B: IntelBackend> IndexStore for SqlStore<B> {
    async fn lookup_values(
        &self,
        actor: &Actor,
        values: &[IndicatorValue],
        limit: i64,
        except: Option<&str>,
    ) -> Result<Vec<ValueHits>> {
        let reading = self.reads.start();
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            out.push(self.hits_for(actor, v, limit, except).await?);
        }
        let restricted: Vec<&str> = out
            .iter()
            .flat_map(|h| h.hits.iter())
            .filter(|h| h.tlp != Tlp::Clear)
            .map(|h| h.stix_id.as_str())
            .collect();
        self.audit
            .read_of(Some(reading), actor, "index.lookup", "index", restricted)
            .await?;
        Ok(out)
    }

    async fn correlate(&self, actor: &Actor, stix_id: &str, limit: i64) -> Result<Vec<ValueHits>> {
        let mut d = readable_latest(actor, "SELECT DISTINCT iv.kind, iv.value", IV_JOIN);
        let p = d.p(stix_id);
        d.push(&format!(" AND o.stix_id = {p} ORDER BY iv.kind, iv.value"));
        let mut values = Vec::new();
        for r in d.fetch_all(self).await? {
            values.push(value(&r)?);
        }
        // An object listing very many values is looked up by its first ones.
        values.truncate(MAX_CORRELATED_VALUES);
        self.lookup_values(actor, &values, limit, Some(stix_id))
            .await
    }

    async fn index_page(&self, actor: &Actor, q: &IndexQuery) -> Result<Vec<IndexRow>> {
        self.export_page(actor, q).await
    }

    async fn sightings_of(&self, actor: &Actor, stix_id: &str) -> Result<SightingSummary> {
        let mut d = readable_latest(
            actor,
            "SELECT s.count, s.first_seen, s.last_seen, o.owner_org, o.tlp, o.stix_id",
            "sightings s JOIN stix_objects o ON o.pk = s.object_pk",
        );
        let p = d.p(stix_id);
        d.push(&format!(" AND s.sighting_of = {p}"));
        let rows = d.fetch_all(self).await?;
        let mut sum = SightingSummary::default();
        let mut restricted = Vec::new();
        for r in &rows {
            let n = r.i64("count")?;
            sum.count += n;
            sum.reports += 1;
            if let Some(t) = r.opt_i64("first_seen")? {
                sum.first_seen = Some(sum.first_seen.map_or(t, |s| s.min(t)));
            }
            if let Some(t) = r.opt_i64("last_seen")? {
                sum.last_seen = Some(sum.last_seen.map_or(t, |s| s.max(t)));
            }
            let org = r.i64("owner_org")?;
            match sum.by_org.iter_mut().find(|(o, _)| *o == org) {
                Some(e) => e.1 += n,
                None => sum.by_org.push((org, n)),
            }
            if tlp(r)? != Tlp::Clear {
                restricted.push(r.text("stix_id")?);
            }
        }
        sum.by_org.sort();
        let restricted = restricted.iter().map(String::as_str).collect();
        self.audit
            .read_of(None, actor, "sighting.read", stix_id, restricted)
            .await?;
        Ok(sum)
    }

    async fn search(&self, actor: &Actor, q: &SearchQuery) -> Result<Vec<FoundObject>> {
        let limit = q.limit.clamp(1, 1000);
        let query = |leg: Leg| {
            let mut d = readable_latest(actor, FOUND_COLS, "stix_objects o");
            // What was shared: not the definitions every collection holds
            // (owner_org 0, migration 0014).
            d.push(" AND o.owner_org <> 0");
            if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                match IndicatorValue::guess(&renkei_core::refang(text)) {
                    // The value and what is related to it: a URL's host and
                    // registered domain, the URLs on a domain, the addresses
                    // in a network.
                    Ok(v) => {
                        let c = related_clause(&mut d, &renkei_core::related::related(&v));
                        d.push(&format!(
                            " AND o.pk IN (SELECT iv.object_pk FROM indicator_values iv
                                           WHERE {c})"
                        ));
                    }
                    Err(_) => {
                        let p = d.p(like_pattern(text));
                        d.push(&format!(" AND LOWER(o.body) LIKE {p} ESCAPE '\\'"));
                    }
                }
            }
            d.and_types(&q.types);
            if let Some(t) = q.tlp {
                let p = d.p(t.as_str());
                d.push(&format!(" AND o.tlp = {p}"));
            }
            let bounds = [
                (q.owner_org, "o.owner_org ="),
                (q.added_from, "o.date_added >="),
                (q.added_before, "o.date_added <"),
            ];
            for (val, cmp) in bounds {
                if let Some(x) = val {
                    let p = d.p(x);
                    d.push(&format!(" AND {cmp} {p}"));
                }
            }
            if let Some(before) = q.before {
                leg.push(&mut d, before, "<");
            }
            let lim = d.p(limit);
            d.push(&format!(
                " ORDER BY o.date_added DESC, o.pk DESC LIMIT {lim}"
            ));
            d
        };
        let mut conn = self.pool.acquire().await?;
        let rows = keyset_rows::<B>(&mut conn, q.before.is_some(), limit as usize, query).await?;
        drop(conn);
        let out = rows.iter().map(found).collect::<Result<Vec<_>>>()?;
        self.audit_found(actor, "stix.search", "search", &out)
            .await?;
        Ok(out)
    }

    async fn audiences_of(&self, actor: &Actor, pks: &[i64]) -> Result<Vec<(i64, Audience)>> {
        let pks = &pks[..pks.len().min(1000)];
        if pks.is_empty() {
            return Ok(Vec::new());
        }
        let (u, o, s) = binds(&actor.viewer);
        let mut d = Sql::built(format!(
            "SELECT o.pk, (CASE WHEN o.community_audience = 1 THEN o.community_id END) AS own,
                    a.community_id, a.sector, a.org_id, a.user_id
             FROM stix_objects o LEFT JOIN stix_audience a ON a.object_pk = o.pk
             WHERE o.deleted_at IS NULL AND {}",
            readable_stix!()
        ))
        .bind(u)
        .bind(o)
        .bind(s);
        let ps: Vec<String> = pks.iter().map(|pk| d.p(*pk)).collect();
        d.push(&format!(" AND o.pk IN ({})", ps.join(", ")));
        let mut out: Vec<(i64, Audience)> = Vec::new();
        for r in d.fetch_all(self).await? {
            let pk = r.i64("pk")?;
            let i = match out.iter().position(|(p, _)| *p == pk) {
                Some(i) => i,
                None => {
                    out.push((pk, Audience::default()));
                    out.len() - 1
                }
            };
            let a = &mut out[i].1;
            let mut community = |c: i64| {
                if !a.communities.contains(&CommunityId(c)) {
                    a.communities.push(CommunityId(c));
                }
            };
            if let Some(c) = r.opt_i64("own")? {
                community(c);
            }
            if let Some(c) = r.opt_i64("community_id")? {
                community(c);
            }
            if let Some(x) = r.opt_text("sector")? {
                a.sectors
                    .push(Sector::parse(&x).map_err(|e| StoreError::corrupt("stix_audience", e))?);
            }
            if let Some(x) = r.opt_i64("org_id")? {
                a.orgs.push(OrgId(x));
            }
            if let Some(x) = r.opt_i64("user_id")? {
                a.users.push(UserId(x));
            }
        }
        out.sort_by_key(|(pk, _)| pks.iter().position(|p| p == pk));
        Ok(out)
    }

    async fn objects_by_pk(&self, actor: &Actor, pks: &[i64]) -> Result<Vec<FoundObject>> {
        let pks = &pks[..pks.len().min(1000)];
        if pks.is_empty() {
            return Ok(Vec::new());
        }
        let (u, o, s) = binds(&actor.viewer);
        let mut d = Sql::built(format!(
            "{FOUND_COLS} FROM stix_objects o WHERE o.deleted_at IS NULL AND {}",
            readable_stix!()
        ))
        .bind(u)
        .bind(o)
        .bind(s);
        let ps: Vec<String> = pks.iter().map(|pk| d.p(*pk)).collect();
        d.push(&format!(" AND o.pk IN ({})", ps.join(", ")));
        let rows = d.fetch_all(self).await?;
        let out = rows.iter().map(found).collect::<Result<Vec<_>>>()?;
        self.audit_found(actor, "stix.read", "correlations", &out)
            .await?;
        Ok(out)
    }

    async fn object_versions(&self, actor: &Actor, stix_id: &str) -> Result<Vec<FoundObject>> {
        let (u, o, s) = binds(&actor.viewer);
        let d = Sql::built(format!(
            "{FOUND_COLS} FROM stix_objects o
             WHERE o.deleted_at IS NULL AND {} AND o.stix_id = $4
             ORDER BY o.version_us DESC, o.pk DESC
             LIMIT 1000",
            readable_stix!()
        ))
        .bind(u)
        .bind(o)
        .bind(s)
        .bind(stix_id);
        let rows = d.fetch_all(self).await?;
        let out = rows.iter().map(found).collect::<Result<Vec<_>>>()?;
        if out.is_empty() {
            return Err(StoreError::NotFound("object"));
        }
        self.audit_found(actor, "stix.read", stix_id, &out).await?;
        Ok(out)
    }

    async fn added_since(
        &self,
        actor: &Actor,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<FoundObject>> {
        self.added_after(actor, after, limit, false).await
    }

    async fn news_since(
        &self,
        actor: &Actor,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<FoundObject>> {
        self.added_after(actor, after, limit, true).await
    }

    async fn notifications_seen(&self, user: UserId) -> Result<(i64, i64)> {
        let r = Sql::new(NOTIFICATIONS_SEEN)
            .bind(user.0)
            .fetch_optional(self)
            .await?;
        Ok(match r {
            Some(r) => (r.i64("seen_until")?, r.i64("seen_pk")?),
            None => (0, 0),
        })
    }

    async fn mark_notifications_seen(&self, user: UserId, until: (i64, i64)) -> Result<()> {
        Sql::new(MARK_SEEN)
            .bind(user.0)
            .bind(until.0)
            .bind(until.1)
            .execute(self)
            .await?;
        Ok(())
    }
}

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    /// Readable objects added after `after`, oldest first, audited as
    /// notification reads; with `others_only`, not those the viewer's own
    /// organisation shared.
    async fn added_after(
        &self,
        actor: &Actor,
        after: (i64, i64),
        limit: i64,
        others_only: bool,
    ) -> Result<Vec<FoundObject>> {
        let (u, o, s) = binds(&actor.viewer);
        let limit = limit.clamp(1, 1000);
        let query = |leg: Leg| {
            // Not the definitions every collection holds (owner_org 0,
            // migration 0014): nobody shared them, so they are no news.
            let mut d = Sql::built(format!(
                "{FOUND_COLS} FROM stix_objects o
                 WHERE o.deleted_at IS NULL AND o.owner_org <> 0 AND {}",
                readable_stix!()
            ))
            .bind(u)
            .bind(o)
            .bind(s.as_deref());
            if others_only {
                // -1 for a viewer of no organisation: no row has it.
                let own = d.p(o.unwrap_or(-1));
                d.push(&format!(" AND o.owner_org <> {own}"));
            }
            leg.push(&mut d, after, ">");
            let lim = d.p(limit);
            d.push(&format!(" ORDER BY o.date_added, o.pk LIMIT {lim}"));
            d
        };
        let mut conn = self.pool.acquire().await?;
        let rows = keyset_rows::<B>(&mut conn, true, limit as usize, query).await?;
        drop(conn);
        let out = rows.iter().map(found).collect::<Result<Vec<_>>>()?;
        self.audit_found(actor, "stix.notify", "notifications", &out)
            .await?;
        Ok(out)
    }

    /// The readable objects holding `v` (a hot read: `lookup_values`).
    async fn hits_for(
        &self,
        actor: &Actor,
        v: &IndicatorValue,
        limit: i64,
        except: Option<&str>,
    ) -> Result<ValueHits> {
        let mut d = readable_latest(
            actor,
            "SELECT iv.kind, iv.value, iv.valid_from, iv.valid_until, o.pk, o.stix_id,
                    o.stix_type, o.collection_id, o.tlp, o.owner_org, o.date_added",
            IV_JOIN,
        );
        let c = value_clause(&mut d, v);
        d.push(&format!(" AND {c}"));
        if let Some(x) = except {
            let p = d.p(x);
            d.push(&format!(" AND o.stix_id <> {p}"));
        }
        // Literals, not bound values (BENCHMARKS.md, "Page limits as literals").
        let (cap, lim) = (COUNT_CAP, limit.max(0));
        let q = Sql {
            text: format!(
                "WITH m AS MATERIALIZED (
                     {} ORDER BY o.date_added DESC, o.pk DESC LIMIT {cap}
                 )
                 SELECT m.*, (SELECT COUNT(DISTINCT stix_id) FROM m) AS total
                 FROM m
                 ORDER BY m.date_added DESC, m.pk DESC
                 LIMIT {lim}",
                d.text
            )
            .into(),
            args: d.args,
        };
        let rows = hot_read!(self.hot, |c| q.clone().fetch_all(On::<B>::Conn(c)).await)?;
        let mut total = 0;
        let mut hits: Vec<ValueHit> = Vec::with_capacity(rows.len());
        for r in &rows {
            total = r.i64("total")?;
            let (k, value) = (kind(r)?, r.text("value")?);
            let stix_id = r.text("stix_id")?;
            let owner_org = r.i64("owner_org")?;
            // One hit per line: another sharer of the id is its own hit.
            let seen = hits
                .iter()
                .any(|h| h.stix_id == stix_id && h.owner_org == owner_org);
            if !answers(v, k, &value) || seen {
                continue;
            }
            hits.push(ValueHit {
                pk: r.i64("pk")?,
                stix_id,
                stix_type: r.text("stix_type")?,
                collection_id: r.text("collection_id")?,
                tlp: tlp(r)?,
                owner_org,
                kind: k,
                value,
                valid_from: r.i64("valid_from")?,
                valid_until: r.opt_i64("valid_until")?,
                date_added: r.i64("date_added")?,
            });
        }
        Ok(ValueHits {
            value: v.clone(),
            total,
            hits,
        })
    }

    /// Audits a read of found objects, naming the restricted ones.
    async fn audit_found(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        found: &[FoundObject],
    ) -> Result<()> {
        let restricted = found
            .iter()
            .filter(|f| f.row.tlp != Tlp::Clear)
            .map(|f| f.row.stix_id.as_str())
            .collect();
        self.audit
            .read_of(None, actor, action, object, restricted)
            .await
    }
}

pub(super) fn tlp(r: &impl RowExt) -> Result<Tlp> {
    Tlp::parse(&r.text("tlp")?).map_err(|e| StoreError::corrupt("stix_objects", e))
}

pub(crate) fn kind(r: &impl RowExt) -> Result<ValueKind> {
    ValueKind::parse(&r.text("kind")?).map_err(|e| StoreError::corrupt("indicator_values", e))
}

/// The `(kind, value)` of an index row.
pub(super) fn value(r: &impl RowExt) -> Result<IndicatorValue> {
    IndicatorValue::parse(kind(r)?, &r.text("value")?)
        .map_err(|e| StoreError::corrupt("indicator_values", e))
}

fn found(r: &impl RowExt) -> Result<FoundObject> {
    Ok(FoundObject {
        row: StixRow {
            pk: r.i64("pk")?,
            stix_id: r.text("stix_id")?,
            stix_type: r.text("stix_type")?,
            version: r.text("version")?,
            date_added: r.i64("date_added")?,
            tlp: tlp(r)?,
            body: r.text("body")?,
            owner_org: r.i64("owner_org")?,
        },
        collection_id: r.text("collection_id")?,
        owner_org: r.i64("owner_org")?,
    })
}
