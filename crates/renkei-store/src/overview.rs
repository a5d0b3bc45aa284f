//! The national office's overview of the platform: member organisations
//! that have not accepted their communities' current terms, how much is
//! shared by sector and by community week by week, and the latest reads
//! of TLP:RED and TLP:AMBER+STRICT reports and STIX objects. For platform
//! administrators only; every query is bounded in time or rows.

use async_trait::async_trait;
use renkei_core::{Actor, AuditEntry, OrgId, Timestamp, Tlp};

use crate::Result;
use crate::audit::{WINDOW, audit_entry};
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;

/// Rows of the list of terms not accepted, at most.
pub const PENDING_MAX: i64 = 200;

/// One microsecond-timed week.
pub const WEEK_US: i64 = 7 * 24 * 3600 * 1_000_000;

/// A member organisation that has not accepted a community's current terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTerms {
    pub org: OrgId,
    pub org_ja: String,
    pub org_en: String,
    pub community_ja: String,
    pub community_en: String,
    pub terms_version: String,
    /// When the organisation became a member.
    pub since: Timestamp,
}

/// Shares in one week by one group (a sector's code, or a community's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub key: String,
    /// Weeks since the period's start, 0 first.
    pub week: i64,
    pub count: i64,
}

/// What was shared in a period: STIX object versions and report versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingActivity {
    pub start: Timestamp,
    pub weeks: i64,
    /// By the sharing organisation's sector (`""` for none).
    pub by_sector: Vec<Activity>,
    /// By community (STIX objects by their collection's community, reports
    /// by each community in their audience), the key its id.
    pub by_community: Vec<Activity>,
}

/// A read of restricted data: the audit entry, what it read (`item:<id>`
/// for a report, else a STIX id: of several, a TLP:RED one first) and at
/// which TLP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictedRead {
    pub entry: AuditEntry,
    pub object: String,
    pub tlp: Tlp,
}

/// The overview's queries.
#[async_trait]
pub trait OverviewStore: Send + Sync {
    /// Active memberships whose organisation has not accepted the
    /// community's current terms, oldest membership first.
    async fn pending_terms(&self, actor: &Actor) -> Result<Vec<PendingTerms>>;
    /// Shares per week in the `weeks` (1..=26) weeks before `now`.
    async fn sharing_activity(
        &self,
        actor: &Actor,
        now: Timestamp,
        weeks: i64,
    ) -> Result<SharingActivity>;
    /// The latest reads of TLP:RED and TLP:AMBER+STRICT reports and STIX
    /// objects (among the newest `WINDOW` entries of the log), newest
    /// first; audited.
    async fn restricted_reads(&self, actor: &Actor, limit: i64) -> Result<Vec<RestrictedRead>>;
}

const PENDING: &str = "
    SELECT m.org_id, o.name_ja AS org_ja, o.name_en AS org_en,
           c.name_ja AS community_ja, c.name_en AS community_en,
           c.terms_version, m.created_at
    FROM memberships m
    JOIN organisations o ON o.id = m.org_id
    JOIN communities c ON c.id = m.community_id
    WHERE m.ended_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM membership_acceptances a
          WHERE a.membership_id = m.id AND a.terms_version = c.terms_version)
    ORDER BY m.created_at, m.id
    LIMIT $1";

// Week numbers by integer division on both backends; STIX versions by the
// index on date_added, reports by their (few) versions.
const BY_SECTOR: &str = "
    SELECT COALESCE(o.sector, '') AS k, (s.date_added - $1) / $2 AS w, COUNT(*) AS n
    FROM stix_objects s
    JOIN organisations o ON o.id = s.owner_org
    WHERE s.date_added >= $1 AND s.date_added < $3
    GROUP BY COALESCE(o.sector, ''), (s.date_added - $1) / $2
    UNION ALL
    SELECT COALESCE(o.sector, '') AS k, (v.created_at - $1) / $2 AS w, COUNT(*) AS n
    FROM item_versions v
    JOIN items i ON i.id = v.item_id
    JOIN organisations o ON o.id = i.owner_org
    WHERE v.created_at >= $1 AND v.created_at < $3
    GROUP BY COALESCE(o.sector, ''), (v.created_at - $1) / $2";

const BY_COMMUNITY: &str = "
    SELECT s.community_id AS k, (s.date_added - $1) / $2 AS w, COUNT(*) AS n
    FROM stix_objects s
    WHERE s.date_added >= $1 AND s.date_added < $3
    GROUP BY s.community_id, (s.date_added - $1) / $2
    UNION ALL
    SELECT a.community_id AS k, (v.created_at - $1) / $2 AS w, COUNT(*) AS n
    FROM item_versions v
    JOIN item_audience a ON a.item_id = v.item_id AND a.version = v.version
    WHERE v.created_at >= $1 AND v.created_at < $3 AND a.community_id IS NOT NULL
    GROUP BY a.community_id, (v.created_at - $1) / $2";

// A report's read names its TLP in the detail; a read of STIX objects
// names the objects (`audit_objects`), whose TLP is their stored one (any
// version of the id: the log keeps ids, not versions). The objects are
// found through `(collection_id, stix_id)`, the index their table has.
// TAXII pages, logged as runs of rows (`audit_reads`), are not looked
// at: a run spans up to 10,000 rows, too many to look through per entry.
const RESTRICTED_READS: &str = "
    SELECT a.seq, a.at, a.actor_user, a.actor_org, a.actor, a.action, a.object, a.source,
           a.outcome, a.detail, a.prev_hash, a.hash
    FROM audit_log a
    WHERE a.seq >= $1 AND a.outcome = 'ok'
      AND ((a.action IN ('item.read', 'item.read_version')
            AND (a.detail LIKE '% TLP:RED' OR a.detail LIKE '% TLP:AMBER+STRICT'))
        OR EXISTS (
            SELECT 1 FROM audit_objects ao
            JOIN stix_objects o
              ON o.collection_id IN (SELECT id FROM taxii_collections)
             AND o.stix_id = ao.object_id
            WHERE ao.seq = a.seq AND o.tlp IN ('RED', 'AMBER+STRICT')))
    ORDER BY a.seq DESC
    LIMIT $2";

/// The restricted STIX objects the reads `{seqs}` named, RED first.
const RESTRICTED_OBJECTS: &str = "
    SELECT DISTINCT ao.seq, ao.object_id, o.tlp
    FROM audit_objects ao
    JOIN stix_objects o
      ON o.collection_id IN (SELECT id FROM taxii_collections)
     AND o.stix_id = ao.object_id
    WHERE ao.seq IN ({seqs}) AND o.tlp IN ('RED', 'AMBER+STRICT')
    ORDER BY ao.seq, o.tlp DESC, ao.object_id";

#[async_trait]
impl<B: Backend> OverviewStore for SqlStore<B> {
    async fn pending_terms(&self, actor: &Actor) -> Result<Vec<PendingTerms>> {
        self.may_overview(actor).await?;
        let rows = Sql::new(PENDING).bind(PENDING_MAX).fetch_all(self).await?;
        rows.iter()
            .map(|r| {
                Ok(PendingTerms {
                    org: OrgId(r.i64("org_id")?),
                    org_ja: r.text("org_ja")?,
                    org_en: r.text("org_en")?,
                    community_ja: r.text("community_ja")?,
                    community_en: r.text("community_en")?,
                    terms_version: r.text("terms_version")?,
                    since: Timestamp(r.i64("created_at")?),
                })
            })
            .collect()
    }

    async fn sharing_activity(
        &self,
        actor: &Actor,
        now: Timestamp,
        weeks: i64,
    ) -> Result<SharingActivity> {
        self.may_overview(actor).await?;
        let weeks = weeks.clamp(1, 26);
        let start = Timestamp(now.0.saturating_sub(weeks * WEEK_US));
        let end = now.0;
        let by_sector = self.activity(BY_SECTOR, true, start.0, end).await?;
        let by_community = self.activity(BY_COMMUNITY, false, start.0, end).await?;
        Ok(SharingActivity {
            start,
            weeks,
            by_sector,
            by_community,
        })
    }

    async fn restricted_reads(&self, actor: &Actor, limit: i64) -> Result<Vec<RestrictedRead>> {
        self.may_overview(actor).await?;
        let newest = Sql::new("SELECT MAX(seq) AS seq FROM audit_log")
            .fetch_one(self)
            .await?
            .opt_i64("seq")?
            .unwrap_or(0);
        let rows = Sql::new(RESTRICTED_READS)
            .bind(newest.saturating_sub(WINDOW))
            .bind(limit.clamp(1, 100))
            .fetch_all(self)
            .await?;
        let entries = rows.iter().map(audit_entry).collect::<Result<Vec<_>>>()?;
        let reads = self.what_was_read(entries).await?;
        let detail = format!("{} restricted reads", reads.len());
        self.audit
            .read(
                None,
                actor,
                "audit.read",
                "audit:all restricted reads",
                &detail,
            )
            .await?;
        Ok(reads)
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Each read with the restricted thing it read: a report's from the
    /// entry itself, STIX objects' from what the entry named.
    async fn what_was_read(&self, entries: Vec<AuditEntry>) -> Result<Vec<RestrictedRead>> {
        let stix: Vec<i64> = entries
            .iter()
            .filter(|e| !e.action.starts_with("item."))
            .map(|e| e.seq)
            .collect();
        let mut named: std::collections::HashMap<i64, (String, Tlp)> = Default::default();
        if !stix.is_empty() {
            let mut q = Sql::built(String::new());
            let ps: Vec<String> = stix.iter().map(|s| q.p(*s)).collect();
            q.push(&RESTRICTED_OBJECTS.replace("{seqs}", &ps.join(", ")));
            for r in q.fetch_all(self).await? {
                let tlp = Tlp::parse(&r.text("tlp")?)
                    .map_err(|e| crate::StoreError::corrupt("stix_objects", e))?;
                // Rows come RED first for each read: the first one is kept.
                let object = r.text("object_id")?;
                named.entry(r.i64("seq")?).or_insert((object, tlp));
            }
        }
        Ok(entries
            .into_iter()
            .filter_map(|entry| {
                let (object, tlp) = if entry.action.starts_with("item.") {
                    let tlp = entry.detail.rsplit("TLP:").next().unwrap_or_default();
                    (entry.object.clone(), Tlp::parse(tlp).ok()?)
                } else {
                    named.remove(&entry.seq)?
                };
                Some(RestrictedRead { entry, object, tlp })
            })
            .collect())
    }

    /// Counts per group and week from `sql` (two halves, summed here).
    async fn activity(
        &self,
        sql: &'static str,
        text_key: bool,
        start: i64,
        end: i64,
    ) -> Result<Vec<Activity>> {
        let rows = Sql::new(sql)
            .bind(start)
            .bind(WEEK_US)
            .bind(end)
            .fetch_all(self)
            .await?;
        let mut out: Vec<Activity> = Vec::new();
        for r in &rows {
            let key = if text_key {
                r.text("k")?
            } else {
                r.i64("k")?.to_string()
            };
            let (week, count) = (r.i64("w")?, r.i64("n")?);
            match out.iter_mut().find(|a| a.key == key && a.week == week) {
                Some(a) => a.count += count,
                None => out.push(Activity { key, week, count }),
            }
        }
        out.sort_by(|a, b| (&a.key, a.week).cmp(&(&b.key, b.week)));
        Ok(out)
    }

    async fn may_overview(&self, actor: &Actor) -> Result<()> {
        if crate::store::platform_admin(actor) {
            return Ok(());
        }
        let why = "only the national office's administrators see the overview";
        Err(self.deny(actor, "overview.read", "overview", why).await)
    }
}
