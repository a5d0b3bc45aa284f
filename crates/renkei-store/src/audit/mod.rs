//! The audit chain: every write, and every read of restricted data, appends
//! an entry carrying the previous entry's hash. Writes append inside their
//! own transaction (`chain`); reads and sign-ins through the group writer
//! (`writer`), held briefly while more reads are under way (`under_way`).

pub(crate) mod chain;
pub(crate) mod under_way;
pub(crate) mod writer;

use async_trait::async_trait;
use renkei_core::{
    Actor, AuditEntry, AuditOutcome, ChainBreak, ChainVerifier, OrgId, Timestamp, UserId,
};

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

/// The audit chain.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit(&self, actor: &Actor, event: AuditEvent) -> Result<()>;
    /// Newest first. The caller decides who may see which organisation's
    /// entries (see `renkei_core::can_administer`); this read is itself audited.
    async fn list_audit(&self, actor: &Actor, q: AuditQuery) -> Result<Vec<AuditEntry>>;
    /// Walks the whole chain; `Ok(n)` is the number of intact entries.
    async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>>;
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

const VERIFY_PAGE: &str = "
    SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
           prev_hash, hash
    FROM audit_log
    WHERE seq > $1
    ORDER BY seq
    LIMIT 2000";

const HEAD: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";

#[async_trait]
impl<B: Backend> AuditStore for SqlStore<B> {
    async fn audit(&self, actor: &Actor, ev: AuditEvent) -> Result<()> {
        self.audit
            .append(None, actor, &ev.action, &ev.object, ev.outcome, &ev.detail)
            .await
    }

    async fn list_audit(&self, actor: &Actor, q: AuditQuery) -> Result<Vec<AuditEntry>> {
        let allowed = match q.org {
            None => crate::store::platform_admin(actor),
            Some(org) => renkei_core::can_administer(actor, org),
        };
        let object = q
            .org
            .map_or_else(|| "audit:all".to_owned(), |o| format!("audit:org:{o}"));
        if !allowed {
            let why = "only administrators read the audit log";
            return Err(self.deny(actor, "audit.read", &object, why).await);
        }
        let before = q.before_seq.unwrap_or(i64::MAX);
        let limit = q.limit.clamp(1, 500);
        let sql = match q.org {
            Some(o) => Sql::new(LIST_ORG).bind(before).bind(o.0).bind(limit),
            None => Sql::new(LIST_ALL).bind(before).bind(limit),
        };
        let rows = sql.fetch_all(self).await?;
        let entries = rows.iter().map(audit_entry).collect::<Result<Vec<_>>>()?;
        let detail = format!("{} entries", entries.len());
        self.audit
            .read(None, actor, "audit.read", &object, &detail)
            .await?;
        Ok(entries)
    }

    async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>> {
        let mut v = ChainVerifier::default();
        let mut after = i64::MIN;
        loop {
            let rows = Sql::new(VERIFY_PAGE).bind(after).fetch_all(self).await?;
            let Some(last) = rows.last() else { break };
            after = last.i64("seq")?;
            for r in &rows {
                if let Err(b) = v.push(&audit_entry(r)?) {
                    return Ok(Err(b));
                }
            }
        }
        let head = Sql::new(HEAD).fetch_one(self).await?;
        Ok(v.finish(head.i64("seq")?, &head.text("hash")?))
    }
}

fn audit_entry(r: &impl RowExt) -> Result<AuditEntry> {
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
