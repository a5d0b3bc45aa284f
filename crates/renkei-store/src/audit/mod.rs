//! The audit chain: every write, and every read of restricted data, appends
//! an entry carrying the previous entry's hash, and a leaf to the log's
//! Merkle tree (`tree`; proofs and the full check in `walk`). Writes append
//! inside their own transaction (`chain`); reads and sign-ins through the
//! group writer (`writer`), held briefly while more reads are under way
//! (`under_way`).

pub(crate) mod chain;
mod stored;
pub(crate) mod tree;
pub(crate) mod under_way;
mod walk;
pub(crate) mod writer;

use async_trait::async_trait;
use renkei_core::checkpoint::Checkpoint;
use renkei_core::merkle::{Hash, check_consistency};
use renkei_core::{Actor, AuditEntry, AuditOutcome, ChainBreak, OrgId, Timestamp, UserId};

use crate::Result;
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;

/// Something to record in the audit chain that is not a store write
/// (sign-in, sign-out, a refused request).
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: String,
    pub object: String,
    pub outcome: AuditOutcome,
    pub detail: String,
}

/// Which audit entries to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only entries whose actor belongs to this organisation.
    pub org: Option<OrgId>,
    /// Only entries with `seq` below this (paging).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// The Merkle tree's head: how many entries, and their root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    pub size: u64,
    pub root: Hash,
}

/// What a walk of the whole log found, when nothing was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeWalk {
    /// Size and root as computed from the entries themselves.
    pub head: TreeHead,
    /// The root of the first `at` entries, if the walk was asked for it
    /// and the log has that many.
    pub root_at: Option<Hash>,
}

/// The entries (`seq` below `$1`) about object `$2`.
macro_rules! about_seqs {
    () => {
        "SELECT seq FROM audit_objects_by_id WHERE object_id = $2 AND seq < $1
         UNION
         SELECT seq FROM audit_log WHERE object = $2 AND seq < $1
         UNION
         SELECT r.seq FROM stix_objects o
         JOIN audit_reads_by_lo r ON r.lo <= o.pk AND r.lo >= o.pk - 10000 AND r.hi >= o.pk
         WHERE o.collection_id IN (SELECT id FROM taxii_collections) AND o.stix_id = $2
           AND r.seq < $1"
    };
}

// After `about_seqs!`, which it uses.
mod filter;
use filter::EXPORT_PAGES;
pub use filter::{ACTIONS, AuditFilter, AuditPage, EXPORT_MAX, WINDOW};

/// The audit chain and its Merkle tree.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit(&self, actor: &Actor, event: AuditEvent) -> Result<()>;
    /// Newest first. The caller decides who may see which organisation's
    /// entries (see `renkei_core::can_administer`); this read is itself audited.
    async fn list_audit(&self, actor: &Actor, q: AuditQuery) -> Result<Vec<AuditEntry>>;
    /// As `list_audit`, only the entries about `object`: those naming it
    /// as their object, and the reads that returned it (a TAXII page, a
    /// look-up, an export): "who read X", newest first.
    async fn list_audit_about(
        &self,
        actor: &Actor,
        object: &str,
        q: AuditQuery,
    ) -> Result<Vec<AuditEntry>>;
    /// One page of at most `limit` (1..=500) entries matching `f`, newest
    /// first, for those who may read the audit log of `f.org` (all of it
    /// when `None`); this read is itself audited.
    async fn search_audit(&self, actor: &Actor, f: &AuditFilter, limit: i64) -> Result<AuditPage>;
    /// As `search_audit`, but going on through the log's windows until
    /// `limit` (1..=500) entries are found or nothing older matches (at
    /// most as far back as an export looks): a page whose last entry is
    /// where the next starts, for clients that page by `before_seq`.
    async fn find_audit(
        &self,
        actor: &Actor,
        f: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEntry>>;
    /// Every entry matching `f` up to [`EXPORT_MAX`], newest first, and
    /// whether more matched; audited as an export.
    async fn export_audit(&self, actor: &Actor, f: &AuditFilter)
    -> Result<(Vec<AuditEntry>, bool)>;
    /// Walks the whole log (chain, leaves, stored tree); `Ok(n)` is the
    /// number of intact entries.
    async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>>;
    /// As `verify_audit`, giving the tree computed from the entries and
    /// its root at `at` entries (to compare with a checkpoint).
    async fn walk_audit(&self, at: Option<u64>) -> Result<Result<TreeWalk, ChainBreak>>;
    /// The tree's head as stored (what a checkpoint signs).
    async fn audit_tree_head(&self) -> Result<TreeHead>;
    /// Entry `seq` and its inclusion proof in the tree of the first `size`
    /// entries (RFC 9162 §2.1.3), nearest the leaf first.
    async fn audit_inclusion(&self, seq: i64, size: u64) -> Result<(AuditEntry, Vec<Hash>)>;
    /// The consistency proof from the tree of `old` entries to that of
    /// `new` (RFC 9162 §2.1.4).
    async fn audit_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>>;
}

// Two statements rather than `($1 < 0 OR actor_org = $1)`: a plan made
// without the value (a generic plan on PostgreSQL, any plan on SQLite
// built with QPSG) walks the whole log backwards to find one
// organisation's entries instead of using `audit_log_org`.
const LIST_ALL: &str = "
    SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
           prev_hash, hash
    FROM audit_log
    WHERE seq < $1
    ORDER BY seq DESC
    LIMIT $2";

const LIST_ORG: &str = "
    SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
           prev_hash, hash
    FROM audit_log
    WHERE seq < $1 AND actor_org = $2
    ORDER BY seq DESC
    LIMIT $3";

/// Entries about an object: named as their object, among the objects a
/// read returned (`audit_objects_by_id`), or a TAXII page that returned a
/// version of it (`audit_reads_by_lo`: a run holding one of its keys starts
/// at most `RUN_MAX` before it); index probes only.
const LIST_ABOUT: &str = concat!(
    "SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
            prev_hash, hash
     FROM audit_log
     WHERE seq IN (",
    about_seqs!(),
    ")
     ORDER BY seq DESC
     LIMIT $3"
);

const LIST_ABOUT_ORG: &str = concat!(
    "SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
            prev_hash, hash
     FROM audit_log
     WHERE seq IN (",
    about_seqs!(),
    ") AND actor_org = $4
     ORDER BY seq DESC
     LIMIT $3"
);

const INDEXED: &str = "
    UPDATE audit_objects_indexed SET seq = seq WHERE id = 1 RETURNING seq";

const LAST_LISTED: &str = "SELECT MAX(seq) AS seq FROM audit_log";

const INDEX_SLICE: &str = "
    INSERT INTO audit_objects_by_id (object_id, seq)
    SELECT object_id, seq FROM audit_objects
    WHERE seq > $1 AND seq <= $2
    ORDER BY object_id, seq";

const INDEX_RUNS: &str = "
    INSERT INTO audit_reads_by_lo (lo, seq, hi)
    SELECT lo, seq, hi FROM audit_reads
    WHERE seq > $1 AND seq <= $2
    ORDER BY lo, seq";

const MARK_INDEXED: &str = "UPDATE audit_objects_indexed SET seq = $1 WHERE id = 1";

#[async_trait]
impl<B: Backend> AuditStore for SqlStore<B> {
    async fn audit(&self, actor: &Actor, ev: AuditEvent) -> Result<()> {
        self.audit
            .append(None, actor, &ev.action, &ev.object, ev.outcome, &ev.detail)
            .await
    }

    async fn list_audit(&self, actor: &Actor, q: AuditQuery) -> Result<Vec<AuditEntry>> {
        self.list_entries(actor, None, q).await
    }

    async fn list_audit_about(
        &self,
        actor: &Actor,
        object: &str,
        q: AuditQuery,
    ) -> Result<Vec<AuditEntry>> {
        self.list_entries(actor, Some(object), q).await
    }

    async fn search_audit(&self, actor: &Actor, f: &AuditFilter, limit: i64) -> Result<AuditPage> {
        let object = self.may_read_audit(actor, f.org, "audit.read").await?;
        if f.object.is_some() {
            self.index_objects().await?;
        }
        let page = self.filtered_page(f, limit.clamp(1, 500)).await?;
        let detail = format!("{} entries {}", page.entries.len(), filter::describe(f));
        self.audit
            .read(None, actor, "audit.read", &object, detail.trim_end())
            .await?;
        Ok(page)
    }

    async fn find_audit(
        &self,
        actor: &Actor,
        f: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let limit = limit.clamp(1, 500) as usize;
        Ok(self.collect(actor, f, limit, "audit.read").await?.0)
    }

    async fn export_audit(
        &self,
        actor: &Actor,
        f: &AuditFilter,
    ) -> Result<(Vec<AuditEntry>, bool)> {
        self.collect(actor, f, EXPORT_MAX, "audit.export").await
    }

    async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>> {
        Ok(self.walk(None).await?.map(|w| w.head.size as i64))
    }

    async fn walk_audit(&self, at: Option<u64>) -> Result<Result<TreeWalk, ChainBreak>> {
        self.walk(at).await
    }

    async fn audit_tree_head(&self) -> Result<TreeHead> {
        self.tree_head().await
    }

    async fn audit_inclusion(&self, seq: i64, size: u64) -> Result<(AuditEntry, Vec<Hash>)> {
        self.inclusion(seq, size).await
    }

    async fn audit_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        self.consistency(old, new).await
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Up to `max` entries matching `f`, newest first, and whether more
    /// matched, looking at most [`EXPORT_PAGES`] windows of the log; for
    /// those who may read them, audited once as `action`.
    async fn collect(
        &self,
        actor: &Actor,
        f: &AuditFilter,
        max: usize,
        action: &str,
    ) -> Result<(Vec<AuditEntry>, bool)> {
        let object = self.may_read_audit(actor, f.org, action).await?;
        if f.object.is_some() {
            self.index_objects().await?;
        }
        let mut at = f.clone();
        let mut all = Vec::new();
        let mut more = false;
        for _ in 0..EXPORT_PAGES {
            let left = max - all.len();
            if left == 0 {
                more = at.before_seq.is_some();
                break;
            }
            let page = self.filtered_page(&at, left.min(500) as i64).await?;
            all.extend(page.entries);
            at.before_seq = page.next_before;
            more = page.next_before.is_some();
            if !more {
                break;
            }
        }
        let detail = format!("{} entries {}", all.len(), filter::describe(f));
        self.audit
            .read(None, actor, action, &object, detail.trim_end())
            .await?;
        Ok((all, more))
    }

    /// Lists entries (about `about`, if given) for an administrator; the
    /// read is itself audited.
    async fn list_entries(
        &self,
        actor: &Actor,
        about: Option<&str>,
        q: AuditQuery,
    ) -> Result<Vec<AuditEntry>> {
        let mut object = self.may_read_audit(actor, q.org, "audit.read").await?;
        if about.is_some() {
            self.index_objects().await?;
        }
        let before = q.before_seq.unwrap_or(i64::MAX);
        let limit = q.limit.clamp(1, 500);
        let sql = match (about, q.org) {
            (None, Some(o)) => Sql::new(LIST_ORG).bind(before).bind(o.0).bind(limit),
            (None, None) => Sql::new(LIST_ALL).bind(before).bind(limit),
            (Some(x), Some(o)) => Sql::new(LIST_ABOUT_ORG)
                .bind(before)
                .bind(x)
                .bind(limit)
                .bind(o.0),
            (Some(x), None) => Sql::new(LIST_ABOUT).bind(before).bind(x).bind(limit),
        };
        let rows = sql.fetch_all(self).await?;
        let entries = rows.iter().map(audit_entry).collect::<Result<Vec<_>>>()?;
        if let Some(x) = about {
            object = format!("{object} about {x}");
        }
        let detail = format!("{} entries", entries.len());
        self.audit
            .read(None, actor, "audit.read", &object, &detail)
            .await?;
        Ok(entries)
    }

    /// The audit object of a read of `org`'s entries (all when `None`), or
    /// the refusal, itself audited as `action`.
    async fn may_read_audit(
        &self,
        actor: &Actor,
        org: Option<OrgId>,
        action: &str,
    ) -> Result<String> {
        let allowed = match org {
            None => crate::store::platform_admin(actor),
            Some(org) => renkei_core::can_administer(actor, org),
        };
        let object = org.map_or_else(|| "audit:all".to_owned(), |o| format!("audit:org:{o}"));
        if !allowed {
            let why = "only administrators read the audit log";
            return Err(self.deny(actor, action, &object, why).await.admin_only());
        }
        Ok(object)
    }

    /// Copies the objects of reads appended since the last time into the
    /// index by object, in bulk, sorted, a slice of entries per
    /// transaction; one indexer at a time (the marker row's lock).
    async fn index_objects(&self) -> Result<()> {
        const SLICE: i64 = 20_000;
        loop {
            let mut tx = self.begin().await?;
            let done = Sql::new(INDEXED).fetch_one(&mut tx).await?.i64("seq")?;
            let last = Sql::new(LAST_LISTED)
                .fetch_one(&mut tx)
                .await?
                .opt_i64("seq")?
                .unwrap_or(0);
            if last <= done {
                return Ok(tx.commit().await?);
            }
            let upto = last.min(done.saturating_add(SLICE));
            for sql in [INDEX_SLICE, INDEX_RUNS] {
                Sql::new(sql).bind(done).bind(upto).execute(&mut tx).await?;
            }
            Sql::new(MARK_INDEXED).bind(upto).execute(&mut tx).await?;
            tx.commit().await?;
        }
    }

    /// Builds the Merkle tree over entries appended before it existed
    /// (migration 0007); nothing to do once it has.
    pub(crate) async fn catch_up_audit_tree(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        tree::catch_up(&mut tx).await?;
        Ok(tx.commit().await?)
    }
}

/// Checks the log against a checkpoint signed earlier (its signature
/// already checked): the entries are intact (chain, leaves, stored tree),
/// the log has at least as many as the checkpoint, the first
/// `checkpoint.size` of them hash to the signed root, and the stored tree
/// proves the current log consistent with it (RFC 9162 §2.1.4). Returns
/// the current head, or what is wrong.
pub async fn verify_against(
    store: &dyn AuditStore,
    checkpoint: &Checkpoint,
) -> Result<Result<TreeHead, ChainBreak>> {
    let size = checkpoint.size;
    let walk = match store.walk_audit(Some(size)).await? {
        Ok(w) => w,
        Err(b) => return Ok(Err(b)),
    };
    let now = walk.head;
    if now.size < size {
        return Ok(Err(ChainBreak {
            seq: now.size as i64 + 1,
            reason: format!(
                "the log holds {} entries but the checkpoint signed {size}: entries were removed",
                now.size
            ),
        }));
    }
    if walk.root_at != Some(checkpoint.root) {
        return Ok(Err(ChainBreak {
            seq: size as i64,
            reason: format!(
                "the first {size} entries do not hash to the root the checkpoint signed: \
                 entries up to {size} were changed, removed or reordered since"
            ),
        }));
    }
    let proof = store.audit_consistency(size, now.size).await?;
    if check_consistency(size, &checkpoint.root, now.size, &now.root, &proof).is_err() {
        return Ok(Err(ChainBreak {
            seq: now.size as i64,
            reason: format!(
                "the stored tree gives no valid consistency proof from {size} to {} entries",
                now.size
            ),
        }));
    }
    Ok(Ok(now))
}

pub(crate) fn audit_entry(r: &impl RowExt) -> Result<AuditEntry> {
    let outcome = r.text("outcome")?;
    Ok(AuditEntry {
        seq: r.i64("seq")?,
        at: Timestamp(r.i64("at")?),
        actor_user: r.opt_i64("actor_user")?.map(UserId),
        actor_org: r.opt_i64("actor_org")?.map(OrgId),
        actor: r.text("actor")?,
        action: r.text("action")?,
        object: r.text("object")?,
        source: r.text("source")?,
        // An unknown outcome is kept as "failed" so verification, which
        // hashes the parsed value, reports the row as edited.
        outcome: AuditOutcome::parse(&outcome).unwrap_or(AuditOutcome::Failed),
        detail: r.text("detail")?,
        prev_hash: r.text("prev_hash")?,
        hash: r.text("hash")?,
    })
}
