//! TAXII add statuses: created `pending` with the objects still to store,
//! completed in the same transaction as the add that stores them, failed
//! whole when that add can no longer happen, and pruned after retention.
//!
//! A status leaves `pending` once, by a statement that applies only while
//! it is still pending; the add's own transaction runs that statement too
//! and stores nothing when it finds the status already failed. So a status
//! never says "failed" for objects that were stored, nor "pending" for an
//! add that is lost: whoever comes second changes nothing.

use renkei_core::Timestamp;
use serde_json::{Value, json};

use super::backend::IntelBackend;
use super::model::{AddOutcome, TaxiiStatus};
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::store::SqlStore;
use crate::{Result, StoreError};

const INSERT_STATUS: &str = "
    INSERT INTO taxii_status (
        id, collection_id, org_id, status, requested_at, total_count, success_count,
        failure_count, pending_count, details
    )
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Completes a status that is still pending (and only then).
const COMPLETE_PENDING: &str = "
    UPDATE taxii_status
    SET status = 'complete', success_count = $1, failure_count = $2, pending_count = 0,
        details = $3, completed_at = $4
    WHERE id = $5 AND status = 'pending'";

const GET_STATUS: &str = "
    SELECT id, collection_id, org_id, status, requested_at, total_count, pending_count, details
    FROM taxii_status
    WHERE id = $1 AND org_id = $2";

const PENDING_STATUS: &str = "
    SELECT id, collection_id, org_id, status, requested_at, total_count, pending_count, details
    FROM taxii_status
    WHERE id = $1 AND status = 'pending'";

/// Pending statuses requested before `$1` (index `taxii_status_pending`,
/// migration 0016).
const STALE_STATUSES: &str = "
    SELECT id FROM taxii_status
    WHERE status = 'pending' AND requested_at < $1
    ORDER BY requested_at
    LIMIT 1000";

/// Finished statuses older than the retention (index
/// `taxii_status_completed`, migration 0016).
pub(super) const PRUNE_STATUSES: &str = "
    DELETE FROM taxii_status
    WHERE status = 'complete' AND completed_at < $1";

/// Why an add was not stored, given when its status is failed whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddAbandoned {
    /// The add ran longer than the server allows.
    TimedOut,
    /// The server stopped before the add was stored.
    Shutdown,
    /// Still pending long after its request: the process storing it stopped.
    Stale,
    /// The store failed (the cause is in the server's log).
    Failed,
}

impl AddAbandoned {
    /// The failure message of each object the add held.
    pub fn message(self) -> &'static str {
        match self {
            Self::TimedOut => {
                "not stored: the add took longer than the server allows; send it again"
            }
            Self::Shutdown => {
                "not stored: the server stopped before this add was stored; send it again"
            }
            Self::Stale => {
                "not stored: the server processing this add stopped before storing it; send it again"
            }
            Self::Failed => "not stored: the server could not store this add; send it again",
        }
    }
}

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    pub(super) async fn insert_status(&self, st: &TaxiiStatus) -> Result<()> {
        Sql::new(INSERT_STATUS)
            .bind(&st.id)
            .bind(&st.collection)
            .bind(st.org)
            .bind(&st.status)
            .bind(st.requested_at)
            .bind(st.total)
            .bind(st.outcome.successes.len() as i64)
            .bind(st.outcome.failures.len() as i64)
            .bind(st.pending)
            .bind(details_json(&st.outcome, &st.pending_objects))
            .execute(self)
            .await?;
        Ok(())
    }

    pub(super) async fn complete_pending(&self, id: &str, o: &AddOutcome) -> Result<bool> {
        Ok(complete_sql(id, o).execute(self).await? == 1)
    }

    pub(super) async fn read_status(&self, id: &str, org: i64) -> Result<Option<TaxiiStatus>> {
        let r = Sql::new(GET_STATUS)
            .bind(id)
            .bind(org)
            .fetch_optional(self)
            .await?;
        r.as_ref().map(status).transpose()
    }

    /// Fails status `id` if it is still pending: each object it was to
    /// store becomes a failure with `why`.
    pub(super) async fn fail_pending(&self, id: &str, why: AddAbandoned) -> Result<bool> {
        let mut tx = self.begin().await?;
        let Some(r) = Sql::new(PENDING_STATUS)
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
        else {
            return Ok(false);
        };
        let st = status(&r)?;
        let mut done = st.outcome;
        done.failures.extend(
            st.pending_objects
                .into_iter()
                .map(|(id, v)| (id, v, why.message().to_owned())),
        );
        let n = complete_sql(id, &done).execute(&mut tx).await?;
        // A status is no token or membership: no cached token to drop.
        tx.commit().await?;
        Ok(n == 1)
    }

    pub(super) async fn fail_stale(&self, requested_before: i64) -> Result<u64> {
        let mut failed = 0;
        loop {
            let ids = Sql::new(STALE_STATUSES)
                .bind(requested_before)
                .fetch_all(self)
                .await?;
            if ids.is_empty() {
                return Ok(failed);
            }
            let mut any = false;
            for r in &ids {
                if self
                    .fail_pending(&r.text("id")?, AddAbandoned::Stale)
                    .await?
                {
                    failed += 1;
                    any = true;
                }
            }
            if !any {
                return Ok(failed);
            }
        }
    }
}

/// Completes the pending status `id` with `o` inside an add's transaction;
/// false when it is no longer pending (then the add must not be stored).
pub(super) async fn complete_in<B: Backend>(
    tx: &mut Tx<'_, B>,
    id: &str,
    o: &AddOutcome,
) -> Result<bool> {
    Ok(complete_sql(id, o).execute(tx).await? == 1)
}

fn complete_sql<'a>(id: &'a str, o: &AddOutcome) -> Sql<'a> {
    Sql::new(COMPLETE_PENDING)
        .bind(o.successes.len() as i64)
        .bind(o.failures.len() as i64)
        .bind(details_json(o, &[]))
        .bind(Timestamp::now().0)
        .bind(id)
}

pub(super) fn status(r: &impl RowExt) -> Result<TaxiiStatus> {
    let details: Value = serde_json::from_str(&r.text("details")?)
        .map_err(|e| StoreError::corrupt("taxii_status", e))?;
    let text = |x: &Value| x.as_str().unwrap_or_default().to_owned();
    // Entries written before successes had messages have two members.
    let successes = details["successes"].as_array().map_or_else(Vec::new, |a| {
        a.iter()
            .map(|x| (text(&x[0]), text(&x[1]), x[2].as_str().map(str::to_owned)))
            .collect()
    });
    let failures = details["failures"].as_array().map_or_else(Vec::new, |a| {
        a.iter()
            .map(|x| (text(&x[0]), x[1].as_str().map(str::to_owned), text(&x[2])))
            .collect()
    });
    let pending_objects = details["pending"].as_array().map_or_else(Vec::new, |a| {
        a.iter()
            .map(|x| (text(&x[0]), x[1].as_str().map(str::to_owned)))
            .collect()
    });
    Ok(TaxiiStatus {
        id: r.text("id")?,
        collection: r.text("collection_id")?,
        org: r.i64("org_id")?,
        status: r.text("status")?,
        requested_at: r.i64("requested_at")?,
        total: r.i64("total_count")?,
        pending: r.i64("pending_count")?,
        outcome: AddOutcome {
            successes,
            failures,
        },
        pending_objects,
    })
}

/// The `details` column: what succeeded, what failed and why, and (while
/// pending) what is still to be stored, so that a status whose add is lost
/// can name each object it failed.
fn details_json(o: &AddOutcome, pending: &[(String, Option<String>)]) -> String {
    let successes: Vec<_> = o
        .successes
        .iter()
        .map(|(i, v, m)| json!([i, v, m]))
        .collect();
    let failures: Vec<_> = o
        .failures
        .iter()
        .map(|(i, v, m)| json!([i, v, m]))
        .collect();
    let mut d = json!({ "successes": successes, "failures": failures });
    if !pending.is_empty() {
        d["pending"] = json!(
            pending
                .iter()
                .map(|(i, v)| json!([i, v]))
                .collect::<Vec<_>>()
        );
    }
    d.to_string()
}
