//! Appending to the audit chain inside a write transaction: take the head
//! (which serialises appenders across processes), insert each entry
//! chained onto it, move the head.

use renkei_core::{Actor, AuditEntry, AuditOutcome, Timestamp};

use super::tree::Listing;
use super::tree::{Head, INSERT_NODE, grow, object_rows};
use crate::Result;
use crate::backend::{Backend, Conn, RowExt, Sql, Tx};

/// An entry to append, with the actor it names.
pub(crate) struct Draft<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub object: &'a str,
    pub outcome: AuditOutcome,
    pub detail: &'a str,
}

impl Draft<'_> {
    /// The entry, not yet chained (`tree::grow`).
    pub fn entry(&self, at: Timestamp) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at,
            actor_user: self.actor.viewer.user,
            actor_org: self.actor.viewer.org,
            actor: self.actor.label.clone(),
            action: self.action.to_owned(),
            object: self.object.to_owned(),
            source: self.actor.source.clone(),
            outcome: self.outcome,
            detail: self.detail.to_owned(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }
}

const TAKE_HEAD: &str = "
    UPDATE audit_head
    SET seq = seq + $1
    WHERE id = 1
    RETURNING seq, hash, tree_size, frontier";

const INSERT_ENTRY: &str = "
    INSERT INTO audit_log (
        seq, at, actor_user, actor_org, actor, action, object, source,
        outcome, detail, prev_hash, hash, leaf
    )
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

const INSERT_OBJECT: &str = "INSERT INTO audit_objects (object_id, seq) VALUES ($1, $2)";

const INSERT_RUN: &str = "INSERT INTO audit_reads (seq, lo, hi) VALUES ($1, $2, $3)";

const MOVE_HEAD: &str = "
    UPDATE audit_head SET hash = $1, tree_size = $2, frontier = $3 WHERE id = 1";

/// Appends entries to the audit chain inside `tx`.
pub(crate) async fn append_many<B: Backend>(
    tx: &mut Tx<'_, B>,
    drafts: &[Draft<'_>],
) -> Result<()> {
    append_reads(tx, drafts, &[]).await
}

/// Appends entries inside `tx`, with the objects each read returned
/// (`objects[i]` for `drafts[i]`; none past its end).
pub(crate) async fn append_reads<B: Backend>(
    tx: &mut Tx<'_, B>,
    drafts: &[Draft<'_>],
    objects: &[Listing],
) -> Result<()> {
    if drafts.is_empty() {
        return Ok(());
    }
    let n = drafts.len() as i64;
    let row = Sql::new(TAKE_HEAD).bind(n).fetch_one(&mut *tx).await?;
    // The head as it was before this append took its numbers.
    let mut head = Head::from_row(
        row.i64("seq")? - n,
        row.text("hash")?,
        row.i64("tree_size")?,
        &row.text("frontier")?,
    )?;
    let at = Timestamp::now();
    let mut entries: Vec<AuditEntry> = drafts.iter().map(|d| d.entry(at)).collect();
    let grown = grow(&mut entries, &mut head);
    // One prepared statement, executed per entry: a multi-row INSERT would
    // be a new statement text (and a new compile) per batch size.
    for (e, leaf) in entries.iter().zip(&grown.leaves) {
        Sql::new(INSERT_ENTRY)
            .bind(e.seq)
            .bind(e.at.0)
            .bind(e.actor_user.map(|u| u.0))
            .bind(e.actor_org.map(|o| o.0))
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.object)
            .bind(&e.source)
            .bind(e.outcome.as_str())
            .bind(&e.detail)
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .bind(leaf)
            .execute(&mut *tx)
            .await?;
    }
    for (level, idx, h) in &grown.nodes {
        Sql::new(INSERT_NODE)
            .bind(*level)
            .bind(*idx)
            .bind(h)
            .execute(&mut *tx)
            .await?;
    }
    let (ids, runs) = object_rows(&entries, objects);
    for (id, seq) in ids {
        Sql::new(INSERT_OBJECT)
            .bind(id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
    }
    for (seq, lo, hi) in runs {
        Sql::new(INSERT_RUN)
            .bind(seq)
            .bind(lo)
            .bind(hi)
            .execute(&mut *tx)
            .await?;
    }
    Sql::new(MOVE_HEAD)
        .bind(&head.hash)
        .bind(head.seq)
        .bind(head.frontier.to_hex())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Appends one entry inside `tx`.
pub(crate) async fn append<B: Backend>(
    tx: &mut Tx<'_, B>,
    actor: &Actor,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<()> {
    let draft = Draft {
        actor,
        action,
        object,
        outcome: AuditOutcome::Ok,
        detail,
    };
    append_many(tx, &[draft]).await
}

/// Appends entries in a write transaction of their own on `conn`, taking
/// the head's lock like any other appender.
pub(crate) async fn append_locked<B: Backend>(
    conn: &mut Conn<B>,
    drafts: &[Draft<'_>],
    objects: &[Listing],
) -> Result<()> {
    let mut tx = Tx::<B>(sqlx::Connection::begin_with(conn, sqlx::AssertSqlSafe(B::BEGIN)).await?);
    append_reads(&mut tx, drafts, objects).await?;
    tx.commit().await?;
    Ok(())
}
