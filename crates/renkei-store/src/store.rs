//! [`SqlStore`]: the one implementation of every capability trait, generic
//! over the [`Backend`] it runs on, and what all capabilities share: write
//! transactions, their commit, refusals recorded in the audit chain.

use std::sync::Arc;

use renkei_core::{Actor, AuditOutcome};

use crate::audit::chain::{Draft, append_many};
use crate::audit::under_way::ReadsUnderWay;
use crate::audit::writer::GroupWriter;
use crate::auth::token_cache::TokenCache;
use crate::backend::hot::Hot;
use crate::backend::{Backend, Exec, On, Sql, Tx};
use crate::{Result, StoreError};

/// A store on backend `B`: [`crate::SqliteStore`] or [`crate::PgStore`].
#[allow(private_bounds)] // `Backend` is the crate's own; callers name the two aliases.
pub struct SqlStore<B: Backend> {
    pub(crate) pool: sqlx::Pool<B::Db>,
    /// Sessions for the hot reads (TAXII pages, value look-ups, tokens).
    pub(crate) hot: Hot<B::Db>,
    /// Resolved API tokens, shared by clones; [`SqlStore::commit`]
    /// invalidates them.
    pub(crate) tokens: Arc<TokenCache>,
    /// Audited reads under way, for the read-audit group writer.
    pub(crate) reads: Arc<ReadsUnderWay>,
    /// The read-audit group writer.
    pub(crate) audit: GroupWriter,
    /// What only this backend keeps (SQLite's read pool).
    pub(crate) backend: B,
}

#[allow(private_bounds)]
impl<B: Backend + Clone> Clone for SqlStore<B> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            hot: self.hot.clone(),
            tokens: self.tokens.clone(),
            reads: self.reads.clone(),
            audit: self.audit.clone(),
            backend: self.backend.clone(),
        }
    }
}

#[allow(private_bounds)]
impl<B: Backend> std::fmt::Debug for SqlStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("pool", &self.pool)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Statements run on the store: any connection of its pool.
#[allow(private_bounds)]
impl<'c, B: Backend> Exec<'c> for &'c SqlStore<B> {
    type B = B;
    fn on(self) -> On<'c, B> {
        On::Pool(&self.pool)
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Starts a write transaction.
    pub(crate) async fn begin(&self) -> Result<Tx<'static, B>> {
        Ok(Tx(self
            .pool
            .begin_with(sqlx::AssertSqlSafe(B::BEGIN))
            .await?))
    }

    /// Commits a write transaction begun with `begin`; every write
    /// transaction ends here (the writes outside one touch neither tokens,
    /// organisations nor memberships), so that no token resolved before it
    /// is used again. That holds when the commit fails or the request is
    /// cancelled too: either may follow a commit that landed.
    pub(crate) async fn commit(&self, tx: Tx<'static, B>) -> Result<()> {
        let _invalidate = self.tokens.on_drop_invalidate();
        Ok(tx.commit().await?)
    }

    /// Records a refusal in the audit chain and returns the error to give.
    pub(crate) async fn deny(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        why: &'static str,
    ) -> StoreError {
        let res: Result<()> = async {
            let mut tx = self.begin().await?;
            let draft = Draft {
                actor,
                action,
                object,
                outcome: AuditOutcome::Denied,
                detail: why,
            };
            append_many(&mut tx, &[draft]).await?;
            self.commit(tx).await?;
            Ok(())
        }
        .await;
        match res {
            Ok(()) => StoreError::Forbidden(why),
            Err(e) => e,
        }
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Runs retention deletes (`what` names the records) in one
    /// transaction and, when they deleted anything, records how much in
    /// the audit chain in it; returns how many rows went. The system only.
    pub(crate) async fn prune(
        &self,
        actor: &Actor,
        what: &str,
        deletes: Vec<Sql<'_>>,
    ) -> Result<u64> {
        if !actor.system {
            let why = "only the server's own retention deletes records";
            return Err(self.deny(actor, "retention.prune", what, why).await);
        }
        let mut tx = self.begin().await?;
        let mut n = 0;
        for d in deletes {
            n += d.execute(&mut tx).await?;
        }
        if n > 0 {
            let draft = Draft {
                actor,
                action: "retention.prune",
                object: what,
                outcome: AuditOutcome::Ok,
                detail: &format!("{n} deleted"),
            };
            append_many(&mut tx, &[draft]).await?;
        }
        self.commit(tx).await?;
        Ok(n)
    }
}

/// Whether `sql` (one of the `*_EXISTS` statements) finds row `id`.
pub(crate) async fn exists<B: Backend>(
    tx: &mut Tx<'_, B>,
    sql: &'static str,
    id: i64,
) -> Result<bool> {
    Ok(Sql::new(sql).bind(id).fetch_optional(tx).await?.is_some())
}

/// Rows that writes name by id, checked before they are named.
pub(crate) const ORG_EXISTS: &str = "SELECT 1 AS one FROM organisations WHERE id = $1";
pub(crate) const COMMUNITY_EXISTS: &str = "SELECT 1 AS one FROM communities WHERE id = $1";
pub(crate) const USER_EXISTS: &str = "SELECT 1 AS one FROM users WHERE id = $1";

/// Refuses a write unless `actor` is the system or a platform administrator.
pub(crate) fn platform_admin(actor: &Actor) -> bool {
    actor.system || renkei_core::is_platform_admin(&actor.viewer)
}

/// `field` must hold 1 to `max` characters once trimmed.
pub(crate) fn check_len(field: &'static str, value: &str, max: usize) -> Result<()> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(StoreError::Invalid(renkei_core::ParseError::new(
            field,
            format!("must be 1 to {max} characters"),
        )));
    }
    Ok(())
}

/// A row of the actor's organisation to stamp as ended (never deleted):
/// `sql` sets `$1` (now) where `id = $2 AND org_id = $3` and not yet ended.
pub(crate) struct StampOwn {
    pub sql: &'static str,
    /// What `NotFound` names.
    pub what: &'static str,
    pub action: &'static str,
    /// The audited object is `{prefix}:{id}`.
    pub prefix: &'static str,
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Stamps row `id` ended, if it belongs to the actor's organisation and
    /// is not ended yet; audited in the same transaction.
    pub(crate) async fn stamp_own(&self, actor: &Actor, t: StampOwn, id: i64) -> Result<()> {
        let Some(org) = actor.viewer.org.map(|o| o.0) else {
            return Err(StoreError::NotFound(t.what));
        };
        let mut tx = self.begin().await?;
        let n = Sql::new(t.sql)
            .bind(renkei_core::Timestamp::now().0)
            .bind(id)
            .bind(org)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(t.what));
        }
        let object = format!("{}:{id}", t.prefix);
        crate::audit::chain::append(&mut tx, actor, t.action, &object, "").await?;
        self.commit(tx).await?;
        Ok(())
    }
}
