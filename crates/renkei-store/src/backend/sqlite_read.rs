//! SQLite through rusqlite on blocking threads, one hand-off per TAXII page
//! and per read-audit batch (`AuditFile`), where sqlx's driver hands every
//! row across threads (BENCHMARKS.md, "SQLite pages through rusqlite on
//! blocking threads"). The caller's closure reads each row in place; the SQL
//! text is the one the sqlx path runs (`intel::page`), access clause
//! included.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use renkei_core::AuditEntry;
use rusqlite::{Connection, OpenFlags};

use super::{Arg, Sql};
use crate::audit::tree::Listing;
use crate::audit::tree::{Head, grow, object_rows};
use crate::{Result, StoreError};

/// Read-only connections to one SQLite file, at most `max` in use at once.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl Readers {
    pub fn new(path: PathBuf, max: usize) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(max)),
        }
    }

    /// Runs `f` on a connection on a blocking thread. A connection whose
    /// read failed is closed rather than reused.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Read("the read pool is closed".into()))?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let idle = this.idle.lock().ok().and_then(|mut v| v.pop());
            let conn = match idle {
                Some(c) => c,
                None => this.open()?,
            };
            let out = f(&conn);
            if out.is_ok()
                && let Ok(mut v) = this.idle.lock()
            {
                v.push(conn);
            }
            out
        })
        .await
        .map_err(|e| StoreError::Read(format!("read task: {e}")))?
    }

    fn open(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }
}

/// The read-audit group writer's connection to a SQLite file (see
/// `audit::writer`): a batch is one blocking call that takes the
/// write lock, moves `audit_head`, inserts the entries and commits.
#[derive(Debug)]
pub(crate) struct AuditFile {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl AuditFile {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            conn: Mutex::new(None),
        }
    }

    /// Chains `entries` onto the head and into the tree, with the objects
    /// each read returned, and commits them. After a failure the
    /// connection is closed, and the next call opens a fresh one.
    pub async fn append(
        self: &Arc<Self>,
        entries: Vec<AuditEntry>,
        objects: Arc<Vec<Listing>>,
    ) -> Result<()> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the slot leaves at worst no connection
            // or a fresh one; the writer must keep going either way.
            let mut slot = this
                .conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut conn = match slot.take() {
                Some(c) => c,
                None => {
                    let c =
                        Connection::open_with_flags(&this.path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
                    c.busy_timeout(std::time::Duration::from_secs(30))?;
                    // As the store's own connections (`SqliteStore::open`).
                    c.pragma_update(None, "synchronous", "NORMAL")?;
                    c
                }
            };
            append_entries(&mut conn, entries, &objects)?;
            *slot = Some(conn);
            Ok(())
        })
        .await
        .map_err(|e| StoreError::AuditWriter(format!("audit task: {e}")))?
    }
}

fn append_entries(
    conn: &mut Connection,
    mut entries: Vec<AuditEntry>,
    objects: &[Listing],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len() as i64;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (seq, hash, tree_size, frontier): (i64, String, i64, String) = tx.query_row(
        "UPDATE audit_head SET seq = seq + ?1 WHERE id = 1
         RETURNING seq, hash, tree_size, frontier",
        [n],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let mut head = Head::from_row(seq - n, hash, tree_size, &frontier)?;
    let grown = grow(&mut entries, &mut head);
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit_log (
                 seq, at, actor_user, actor_org, actor, action, object, source,
                 outcome, detail, prev_hash, hash, leaf
             )
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for (e, leaf) in entries.iter().zip(&grown.leaves) {
            insert.execute(rusqlite::params![
                e.seq,
                e.at.0,
                e.actor_user.map(|u| u.0),
                e.actor_org.map(|o| o.0),
                e.actor,
                e.action,
                e.object,
                e.source,
                e.outcome.as_str(),
                e.detail,
                e.prev_hash,
                e.hash,
                leaf,
            ])?;
        }
        let mut node =
            tx.prepare_cached("INSERT INTO audit_tree (level, idx, hash) VALUES (?1, ?2, ?3)")?;
        for (level, idx, h) in &grown.nodes {
            node.execute(rusqlite::params![level, idx, h])?;
        }
        let mut object =
            tx.prepare_cached("INSERT INTO audit_objects (object_id, seq) VALUES (?1, ?2)")?;
        let (ids, runs) = object_rows(&entries, objects);
        for (id, seq) in ids {
            object.execute(rusqlite::params![id, seq])?;
        }
        let mut run =
            tx.prepare_cached("INSERT INTO audit_reads (seq, lo, hi) VALUES (?1, ?2, ?3)")?;
        for (seq, lo, hi) in runs {
            run.execute(rusqlite::params![seq, lo, hi])?;
        }
    }
    tx.execute(
        "UPDATE audit_head SET hash = ?1, tree_size = ?2, frontier = ?3 WHERE id = 1",
        rusqlite::params![head.hash, head.seq, head.frontier.to_hex()],
    )?;
    tx.commit()?;
    Ok(())
}

/// Runs `d` on `conn` and calls `each` for every row until it returns
/// `false`. `Sql` numbers its placeholders `$n` but may use them out of
/// order (`$4` before `$1`); SQLite numbers named parameters by first
/// appearance, so each is bound by the number in its name, as sqlx does.
pub(crate) fn each_row(
    conn: &Connection,
    d: &Sql<'_>,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<bool>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&d.text)?;
    for i in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=d.args.len()).contains(n))
            .ok_or_else(|| StoreError::Read(format!("parameter {i} of a read has no value")))?;
        match &d.args[n - 1] {
            Arg::Int(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::OptInt(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::Text(v) => stmt.raw_bind_parameter(i, v.as_ref())?,
            Arg::OptText(v) => stmt.raw_bind_parameter(i, v.as_deref())?,
            Arg::Bool(v) => stmt.raw_bind_parameter(i, v)?,
        }
    }
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        if !each(row)? {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placeholders bound by the number in their names, whatever their
    /// order in the text; a failed read's connection is not kept.
    #[tokio::test]
    async fn binds_by_name_and_drops_failed_connections() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let setup = Connection::open(&path).expect("open");
        setup
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER, b TEXT); \
                 INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z');",
            )
            .expect("setup");
        let readers = Arc::new(Readers::new(path, 2));
        let d = Sql::new("SELECT b FROM t WHERE b <> $2 AND a >= $1 AND b <> $2 ORDER BY a")
            .bind(2)
            .bind("z");
        let got = readers
            .read(move |conn| {
                let mut out = Vec::new();
                each_row(conn, &d, |r| {
                    out.push(r.get::<_, String>(0)?);
                    Ok(true)
                })?;
                Ok(out)
            })
            .await
            .expect("read");
        assert_eq!(got, ["y"]);
        assert_eq!(readers.idle.lock().expect("lock").len(), 1);
        let missing = Sql::new("SELECT b FROM t WHERE a = $2").bind(1);
        let err = readers
            .read(move |conn| each_row(conn, &missing, |_| Ok(true)))
            .await
            .expect_err("no value for $2");
        assert!(err.to_string().contains("no value"), "{err}");
        assert!(readers.idle.lock().expect("lock").is_empty());
        // Writes are refused: the connections are read-only.
        let write = Sql::new("DELETE FROM t");
        assert!(
            readers
                .read(move |conn| each_row(conn, &write, |_| Ok(true)))
                .await
                .is_err()
        );
    }
}
