//! The SQLite backend: the embedded default, one file under the data
//! directory. TAXII pages and read audits go through rusqlite on blocking
//! threads (`sqlite_read`); everything else through sqlx.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use renkei_core::Actor;
use renkei_core::model::Collection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use super::hot::{Hot, HotPool};
use super::sqlite_read::{AuditFile, Readers, each_row};
use super::{Arg, Backend, Sql, Tx};
use crate::audit::chain::{Draft, append_locked};
use crate::audit::tree::Head;
use crate::audit::tree::Listing;
use crate::audit::under_way::ReadsUnderWay;
use crate::audit::writer::{AuditSink, GroupWriter};
use crate::index::export::{RawRow, raw_rows_sqlx};
use crate::intel::StixQuery;
use crate::intel::backend::IntelBackend;
use crate::intel::page::{
    ENVELOPE_SELECT, EnvelopeRows, Leg, envelope_rows_sqlx, page_limit, page_query,
};
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// A store in one SQLite file (WAL mode, foreign keys on).
pub type SqliteStore = SqlStore<Sqlite>;

/// SQLite, and what only it keeps: the read pool for TAXII pages.
#[derive(Debug, Clone)]
pub struct Sqlite {
    /// Read-only rusqlite connections for TAXII pages (none in memory).
    readers: Option<Arc<Readers>>,
}

/// Where SQLite's read-audit group writer appends.
pub(crate) enum SqliteAuditSink {
    /// The in-memory database's one connection, through sqlx.
    Session(Hot<sqlx::Sqlite>),
    /// A file, through rusqlite on a blocking thread: one hand-off per
    /// batch (BENCHMARKS.md, "SQLite read audits through rusqlite").
    File(Arc<AuditFile>),
}

impl Backend for Sqlite {
    type Db = sqlx::Sqlite;

    /// Write transactions take the database lock up front, so two writers
    /// never deadlock upgrading a read lock.
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
    const SEEKS_ROW_VALUES: bool = false;

    super::run_on!(sqlx::Sqlite);

    /// `?`: SQLite finds a `$n` parameter by a linear search of the
    /// statement's names, quadratic in a multi-row INSERT (BENCHMARKS.md,
    /// "SQLite bulk inserts with anonymous placeholders").
    fn seq_placeholder(q: &mut Sql<'_>, a: Arg<'static>) -> String {
        q.args.push(a);
        "?".to_owned()
    }
}

impl IntelBackend for Sqlite {
    const NAME_AND_DESCRIPTION: &'static str = "json_extract(o.body, '$.name') AS name, \
         json_extract(o.body, '$.description') AS description";

    /// Nothing to take: SQLite's writers take turns already (BEGIN
    /// IMMEDIATE), so `stix_heads` stays empty here.
    async fn take_heads<'a>(
        _tx: &'a mut Tx<'static, Self>,
        _collection: &'a str,
        _owner: i64,
        _ids: Vec<&'a str>,
    ) -> Result<()> {
        Ok(())
    }

    /// Through the read pool, one hand-off per page (sqlx hands every row
    /// across threads: BENCHMARKS.md, "Exports stream"), or through sqlx
    /// in memory.
    async fn export_rows(
        store: &SqlStore<Self>,
        statements: Vec<Sql<'static>>,
        limit: usize,
    ) -> Result<Vec<RawRow>> {
        let Some(readers) = &store.backend.readers else {
            return raw_rows_sqlx(store, statements, limit).await;
        };
        readers
            .read(move |conn| {
                let mut out = Vec::with_capacity(limit);
                for d in &statements {
                    if out.len() >= limit {
                        break;
                    }
                    each_row(conn, d, |r| {
                        out.push(RawRow {
                            id: r.get(0)?,
                            kind: r.get(1)?,
                            value: r.get(2)?,
                            valid_from: r.get(3)?,
                            valid_until: r.get(4)?,
                            stix_id: r.get(5)?,
                            collection_id: r.get(6)?,
                            tlp: r.get(7)?,
                            date_added: r.get(8)?,
                            name: r.get(9)?,
                            description: r.get(10)?,
                        });
                        Ok(out.len() < limit)
                    })?;
                }
                Ok(out)
            })
            .await
    }

    /// Through the read pool, one hand-off per page, or through sqlx in
    /// memory. Like `keyset_rows`, a page past a cursor is two seeks.
    async fn envelope_rows<'a>(
        store: &'a SqlStore<Self>,
        actor: &'a Actor,
        c: &'a Collection,
        q: &'a StixQuery,
    ) -> Result<EnvelopeRows> {
        let Some(readers) = &store.backend.readers else {
            return envelope_rows_sqlx::<Self>(&store.hot, actor, c, q).await;
        };
        let limit = page_limit(q);
        let legs: &[Leg] = if q.after.is_some() {
            &[Leg::SameAdded, Leg::LaterAdded]
        } else {
            &[Leg::Whole]
        };
        let statements: Vec<Sql<'static>> = legs
            .iter()
            .map(|leg| owned(page_query(actor, c, q, ENVELOPE_SELECT, *leg)))
            .collect();
        readers
            .read(move |conn| {
                let mut page = EnvelopeRows::default();
                for d in &statements {
                    each_row(conn, d, |r| {
                        let text = |i| {
                            r.get_ref(i)?
                                .as_str()
                                .map_err(|e| StoreError::corrupt("stix_objects", e))
                        };
                        let key = (r.get(0)?, r.get(1)?);
                        Ok(page.push(limit, key, text(2)?, text(3)?))
                    })?;
                    if page.more {
                        break;
                    }
                }
                Ok(page)
            })
            .await
    }
}

impl AuditSink for SqliteAuditSink {
    /// A batch in a transaction of its own (round trips cost nothing in
    /// process; see the PostgreSQL backend).
    async fn append_batch<'a>(
        &'a self,
        drafts: &'a [Draft<'a>],
        objects: &'a Arc<Vec<Listing>>,
        _known: &'a mut Option<Head>,
    ) -> Result<()> {
        match self {
            SqliteAuditSink::Session(hot) => {
                let mut conn = hot.acquire().await?;
                append_locked::<Sqlite>(conn.conn(), drafts, objects).await?;
                conn.release();
                Ok(())
            }
            SqliteAuditSink::File(file) => {
                let at = renkei_core::Timestamp::now();
                let entries = drafts.iter().map(|d| d.entry(at)).collect();
                file.append(entries, objects.clone()).await
            }
        }
    }
}

/// `q` with its values owned, to cross to a blocking thread.
fn owned(q: Sql<'_>) -> Sql<'static> {
    let args = q
        .args
        .into_iter()
        .map(|a| match a {
            Arg::Int(v) => Arg::Int(v),
            Arg::OptInt(v) => Arg::OptInt(v),
            Arg::Text(v) => Arg::Text(v.into_owned().into()),
            Arg::OptText(v) => Arg::OptText(v.map(|v| v.into_owned().into())),
            Arg::Bool(v) => Arg::Bool(v),
        })
        .collect();
    Sql { text: q.text, args }
}

impl SqlStore<Sqlite> {
    /// The raw pool, for tests that tamper with rows directly.
    #[cfg(feature = "test-support")]
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    /// Opens (creating if missing) and migrates the database at `url`,
    /// e.g. `sqlite:renkei-data/renkei.db`.
    pub async fn open(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // `sqlite_stat1` only, from about this many rows per index: no
            // STAT4 histograms, which made SQLite re-prepare bound-value
            // look-ups (BENCHMARKS.md, "SQLite ANALYZE without STAT4
            // histograms"); and ANALYZE stays quick on a large store.
            .pragma("analysis_limit", "1000");
        // An in-memory database lives in one connection.
        let memory = url.contains(":memory:");
        let pool = super::pool_options::<sqlx::Sqlite>()
            .max_connections(if memory { 1 } else { 8 })
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let sessions = |max| {
            if memory {
                Hot::Shared(pool.clone())
            } else {
                Hot::Own(Arc::new(HotPool::new(opts.clone(), max)))
            }
        };
        let file = opts.get_filename().to_path_buf();
        let sink = if memory {
            SqliteAuditSink::Session(sessions(1))
        } else {
            SqliteAuditSink::File(Arc::new(AuditFile::new(file.clone())))
        };
        let reads = Arc::<ReadsUnderWay>::default();
        let audit = GroupWriter::start(sink, reads.clone());
        let readers = (!memory).then(|| Arc::new(Readers::new(file, 8)));
        let store = Self {
            audit,
            reads,
            hot: sessions(8),
            tokens: Default::default(),
            pool,
            backend: Sqlite { readers },
        };
        store.catch_up_audit_tree().await?;
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::RowExt;
    use crate::intel::StixQuery;
    use renkei_core::model::Collection;
    use renkei_core::{Actor, CommunityId, Timestamp, Tlp};

    /// TAXII pages filtered to one type other than indicator read through
    /// the type index (migration 0006), statistics or not: SQLite matches a
    /// partial index's condition term by term, so the store's statement
    /// must carry it as the migration writes it. (For a list of types, it
    /// weighs the index against reading in page order, which needs
    /// `ANALYZE`'s statistics to come out right.)
    #[tokio::test]
    async fn type_filtered_pages_use_the_type_index() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite:{}", dir.path().join("t.db").display());
        let store = SqliteStore::open(&url).await.expect("open");
        let c = Collection {
            id: "c".into(),
            community: CommunityId(1),
            title: String::new(),
            description: String::new(),
            default_tlp: Tlp::Green,
            created_at: Timestamp(0),
        };
        let actor = Actor::system("test");
        let cases: [(&[&str], bool); 4] = [
            (&["malware"], true),
            (&["report"], true),
            (&["indicator"], false),
            (&["indicator", "malware"], false),
        ];
        for (types, indexed) in cases {
            let mut q = StixQuery::new(10);
            q.types = types.iter().map(|t| t.to_string()).collect();
            let mut d = page_query(&actor, &c, &q, ENVELOPE_SELECT, Leg::Whole);
            d.text = format!("EXPLAIN QUERY PLAN {}", d.text).into();
            let plan: Vec<String> = d
                .fetch_all(&store)
                .await
                .expect("plan")
                .iter()
                .map(|r| r.text("detail").expect("detail"))
                .collect();
            let plan = plan.join("\n");
            assert_eq!(
                plan.contains("stix_objects_collection_type"),
                indexed,
                "{types:?}:\n{plan}"
            );
        }
    }
}
