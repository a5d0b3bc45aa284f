//! The SQLite backend: the embedded default, one file under the data directory.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

/// A store in one SQLite file (WAL mode, foreign keys on).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    audit_jobs: tokio::sync::mpsc::Sender<AuditJob>,
    /// Audited reads under way, for the group writer (`under_way.rs`).
    reads: std::sync::Arc<crate::under_way::ReadsUnderWay>,
    pool: SqlitePool,
    /// Sessions for the hot reads (the pool itself for an in-memory database).
    hot: crate::hot::Hot<sqlx::Sqlite>,
    /// Resolved API tokens (`token_cache.rs`), shared by clones;
    /// `commit` invalidates them.
    tokens: std::sync::Arc<crate::token_cache::TokenCache>,
    /// Read-only rusqlite connections for TAXII pages (none in memory).
    readers: Option<std::sync::Arc<crate::sqlite_read::Readers>>,
}

impl SqliteStore {
    /// How write transactions start.
    const BEGIN: &str = "BEGIN IMMEDIATE";

    /// Opens (creating if missing) and migrates the database at `url`,
    /// e.g. `sqlite:renkei-data/renkei.db`.
    pub async fn open(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // ANALYZE gathers `sqlite_stat1` only (approximate, from about
            // this many rows per index), no `sqlite_stat4` histograms: with
            // those, SQLite re-prepares every statement that compares a bound
            // value with an indexed column each time it is run (to re-plan
            // for the new value), which cost a value look-up more than its
            // execution (`renkei bench correlate`, BENCHMARKS.md). Builds with
            // QPSG (.cargo/config.toml) never re-plan for a value; the limit
            // still keeps ANALYZE quick on a large store.
            .pragma("analysis_limit", "1000");
        // An in-memory database lives in one connection.
        let memory = url.contains(":memory:");
        let pool = crate::sql::pool_options::<sqlx::Sqlite>()
            .max_connections(if memory { 1 } else { 8 })
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let sessions = |max| {
            if memory {
                crate::hot::Hot::Shared(pool.clone())
            } else {
                crate::hot::Hot::Own(std::sync::Arc::new(crate::hot::HotPool::new(
                    opts.clone(),
                    max,
                )))
            }
        };
        // The read-audit group writer: on a file, through rusqlite (one
        // hand-off per batch; sqlx makes one per statement, and a batch is
        // one statement per entry plus four).
        let reads = std::sync::Arc::<crate::under_way::ReadsUnderWay>::default();
        let audit_jobs = Self::audit_channel(
            if memory {
                crate::sql::AuditSink::Session(sessions(1))
            } else {
                crate::sql::AuditSink::File(std::sync::Arc::new(
                    crate::sqlite_read::AuditFile::new(opts.get_filename().to_path_buf()),
                ))
            },
            reads.clone(),
        );
        let hot = sessions(8);
        let readers = (!memory).then(|| {
            std::sync::Arc::new(crate::sqlite_read::Readers::new(
                opts.get_filename().to_path_buf(),
                8,
            ))
        });
        Ok(Self {
            audit_jobs,
            reads,
            hot,
            tokens: Default::default(),
            pool,
            readers,
        })
    }

    /// Write transactions take the database lock up front, so two writers
    /// never deadlock upgrading a read lock.
    async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin_with(Self::BEGIN).await?)
    }

    /// The raw pool, for tests that tamper with rows directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A TAXII page's rows (`stix_envelope`): through the read pool, one
    /// hand-off per page (`sqlite_read.rs`), or through sqlx in memory.
    /// Like `keyset_rows`, a page past a cursor is two seeks: the rest of
    /// the cursor's `date_added`, then the later ones.
    async fn envelope_rows(
        &self,
        actor: &Actor,
        c: &renkei_core::model::Collection,
        q: &crate::intel::StixQuery,
    ) -> Result<crate::intel_sql::EnvelopeRows> {
        use crate::intel_sql::{EnvelopeRows, Leg};
        let Some(readers) = &self.readers else {
            return intel_impl::envelope_rows_sqlx(&self.hot, actor, c, q).await;
        };
        let limit = intel_impl::page_limit(q);
        let legs: Vec<_> = if q.after.is_some() {
            vec![Leg::SameAdded, Leg::LaterAdded]
        } else {
            vec![Leg::Whole]
        }
        .into_iter()
        .map(|leg| intel_impl::page_query(actor, c, q, intel_impl::ENVELOPE_SELECT, leg))
        .collect();
        readers
            .read(move |conn| {
                let mut page = EnvelopeRows::default();
                for d in &legs {
                    crate::sqlite_read::each_row(conn, d, |r| {
                        let text = |i| {
                            r.get_ref(i)?
                                .as_str()
                                .map_err(|e| StoreError::corrupt("stix_objects", e))
                        };
                        Ok(page.push(limit, r.get(0)?, r.get(1)?, text(2)?, text(3)?))
                    })?;
                    if page.more {
                        break;
                    }
                }
                Ok(page)
            })
            .await
    }

    /// Appends the group writer's batch in a transaction of its own (round
    /// trips cost nothing in process; see the PostgreSQL store).
    async fn append_grouped(
        conn: &mut sqlx::SqliteConnection,
        drafts: &[Draft<'_>],
        _known: &mut Option<(i64, String)>,
    ) -> Result<()> {
        append_locked(conn, drafts).await
    }

    /// Nothing to take: SQLite's writers take turns already (BEGIN
    /// IMMEDIATE), so `stix_heads` stays empty here (see the PostgreSQL store).
    async fn take_heads(
        _tx: &mut Tx,
        _collection: &str,
        _ids: impl Iterator<Item = &str>,
    ) -> Result<()> {
        Ok(())
    }
}

crate::sql::sql_store!(SqliteStore, sqlx::Sqlite);
crate::intel_sql::intel_store!(SqliteStore, sqlx::Sqlite);
crate::index_sql::index_store!(SqliteStore, sqlx::Sqlite);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::StixQuery;
    use renkei_core::model::Collection;
    use renkei_core::{Actor, CommunityId, Timestamp, Tlp};
    use sqlx::Row;

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
            let mut d = intel_impl::page_query(
                &actor,
                &c,
                &q,
                intel_impl::ENVELOPE_SELECT,
                crate::intel_sql::Leg::Whole,
            );
            d.sql = format!("EXPLAIN QUERY PLAN {}", d.sql);
            let plan: Vec<String> = intel_impl::run(d)
                .fetch_all(store.pool())
                .await
                .expect("plan")
                .iter()
                .map(|r| r.get::<String, _>("detail"))
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
