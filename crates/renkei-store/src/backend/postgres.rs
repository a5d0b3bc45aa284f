//! The PostgreSQL backend: for scale and for several server processes. Hot
//! reads run on sessions of their own, planned generically; the read-audit
//! group writer appends a batch in one statement.

use std::str::FromStr;
use std::sync::Arc;

use renkei_core::model::Collection;
use renkei_core::{Actor, AuditEntry, Timestamp};
use sqlx::postgres::PgConnectOptions;

use super::hot::{Hot, HotPool};
use super::{Arg, Backend, Sql, Tx};
use crate::Result;
use crate::audit::chain::{Draft, append_locked};
use crate::audit::tree::Listing;
use crate::audit::tree::{Grown, Head, ListingRows, grow, object_rows};
use crate::audit::under_way::ReadsUnderWay;
use crate::audit::writer::{AuditSink, GroupWriter};
use crate::index::export::{RawRow, raw_rows_sqlx};
use crate::intel::StixQuery;
use crate::intel::backend::IntelBackend;
use crate::intel::page::{EnvelopeRows, envelope_rows_sqlx};
use crate::intel::write::head_key;
use crate::store::SqlStore;

/// A store in a PostgreSQL database.
pub type PgStore = SqlStore<Postgres>;

/// PostgreSQL (it keeps nothing of its own beyond the common store).
#[derive(Debug, Clone)]
pub struct Postgres;

/// Moves the head only if it is still where this writer left it, and
/// inserts the entries, their tree nodes and the objects they name only if
/// it moved it: one statement, one round trip.
const APPEND_IF_HEAD: &str = "
    WITH head AS (
        UPDATE audit_head
        SET seq = $3, hash = $4, tree_size = $3, frontier = $18
        WHERE id = 1 AND seq = $1 AND hash = $2 AND tree_size = $1
        RETURNING 1
    ), nodes AS (
        INSERT INTO audit_tree (level, idx, hash)
        SELECT n.level, n.idx, n.hash
        FROM unnest($19::int[], $20::bigint[], $21::text[]) AS n(level, idx, hash)
        WHERE EXISTS (SELECT 1 FROM head)
    ), objects AS (
        INSERT INTO audit_objects (object_id, seq)
        SELECT r.object_id, r.seq
        FROM unnest($22::text[], $23::bigint[]) AS r(object_id, seq)
        WHERE EXISTS (SELECT 1 FROM head)
    ), runs AS (
        INSERT INTO audit_reads (seq, lo, hi)
        SELECT v.seq, v.lo, v.hi
        FROM unnest($24::bigint[], $25::bigint[], $26::bigint[]) AS v(seq, lo, hi)
        WHERE EXISTS (SELECT 1 FROM head)
    )
    INSERT INTO audit_log (
        seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
        prev_hash, hash, leaf
    )
    SELECT e.seq, $5, e.actor_user, e.actor_org, e.actor, e.action, e.object, e.source,
           e.outcome, e.detail, e.prev_hash, e.hash, e.leaf
    FROM unnest(
        $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[],
        $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[]
    ) AS e(seq, actor_user, actor_org, actor, action, object, source, outcome, detail,
           prev_hash, hash, leaf)
    WHERE EXISTS (SELECT 1 FROM head)";

const HEAD: &str = "SELECT seq, hash, tree_size, frontier FROM audit_head WHERE id = 1";

/// DO UPDATE, not DO NOTHING: it locks a head that exists already, so adds
/// of versions of a known object take turns too. ORDER BY keeps the rows in
/// key order on their way to the insert.
const TAKE_HEADS: &str = "
    INSERT INTO stix_heads (object_key)
    SELECT k FROM unnest($1::bigint[]) AS t(k)
    ORDER BY k
    ON CONFLICT (object_key) DO UPDATE SET object_key = excluded.object_key";

impl Backend for Postgres {
    type Db = sqlx::Postgres;

    const BEGIN: &'static str = "BEGIN";
    const SEEKS_ROW_VALUES: bool = true;

    super::run_on!(sqlx::Postgres);

    fn seq_placeholder(q: &mut Sql<'_>, a: Arg<'static>) -> String {
        q.p(a)
    }
}

impl IntelBackend for Postgres {
    const NAME_AND_DESCRIPTION: &'static str =
        "o.body::json ->> 'name' AS name, o.body::json ->> 'description' AS description";

    /// In key order, so two adds never wait on each other in a cycle; one
    /// statement with one array bind whatever the number of keys
    /// (BENCHMARKS.md, "Object heads in one unnest upsert").
    async fn take_heads<'a>(
        tx: &'a mut Tx<'static, Self>,
        collection: &'a str,
        owner: i64,
        ids: Vec<&'a str>,
    ) -> Result<()> {
        let mut keys: Vec<i64> = ids
            .into_iter()
            .map(|id| head_key(collection, owner, id))
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        keys.sort_unstable();
        keys.dedup();
        sqlx::query(TAKE_HEADS)
            .bind(keys)
            .execute(&mut *tx.0)
            .await?;
        Ok(())
    }

    async fn export_rows(
        store: &SqlStore<Self>,
        statements: Vec<Sql<'static>>,
        limit: usize,
    ) -> Result<Vec<RawRow>> {
        raw_rows_sqlx(store, statements, limit).await
    }

    async fn envelope_rows<'a>(
        store: &'a SqlStore<Self>,
        actor: &'a Actor,
        c: &'a Collection,
        q: &'a StixQuery,
    ) -> Result<EnvelopeRows> {
        envelope_rows_sqlx::<Self>(&store.hot, actor, c, q).await
    }
}

/// The group writer's own session.
pub(crate) struct PgAuditSink(Hot<sqlx::Postgres>);

impl AuditSink for PgAuditSink {
    /// One statement (`APPEND_IF_HEAD`) instead of a transaction's five round
    /// trips (BENCHMARKS.md, "PostgreSQL read audit in one statement"). The
    /// entries are hashed onto the head this writer `known`s; another
    /// appender (a write transaction, another process) may have moved it:
    /// then the head is read again and the batch hashed anew, and after a
    /// few such misses the batch takes the head's lock like any other
    /// appender.
    async fn append_batch<'a>(
        &'a self,
        drafts: &'a [Draft<'a>],
        objects: &'a Arc<Vec<Listing>>,
        known: &'a mut Option<Head>,
    ) -> Result<()> {
        let mut session = self.0.acquire().await?;
        let conn = session.conn();
        if drafts.is_empty() {
            session.release();
            return Ok(());
        }
        for _ in 0..4 {
            // Taken, so that an error leaves the head to be read again.
            let before = match known.take() {
                Some(h) => h,
                None => {
                    let r = Sql::new(HEAD)
                        .fetch_one(super::On::<Postgres>::Conn(conn))
                        .await?;
                    Head::read(&r)?
                }
            };
            let mut head = before.clone();
            let at = Timestamp::now();
            let mut entries: Vec<AuditEntry> = drafts.iter().map(|d| d.entry(at)).collect();
            let grown = grow(&mut entries, &mut head);
            let rows = object_rows(&entries, objects);
            let stored = sqlx::query(APPEND_IF_HEAD)
                .bind(before.seq)
                .bind(&before.hash)
                .bind(head.seq)
                .bind(&head.hash)
                .bind(at.0);
            let stored = bind_columns(stored, entries, grown, rows, &head)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if stored == drafts.len() as u64 {
                *known = Some(head);
                session.release();
                return Ok(());
            }
        }
        append_locked::<Postgres>(conn, drafts, objects).await?;
        session.release();
        Ok(())
    }
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds `$6..$26` of `APPEND_IF_HEAD`: the entries' columns, the new
/// edge, the tree nodes, the objects and the version runs, as arrays.
fn bind_columns<'q>(
    q: PgQuery<'q>,
    entries: Vec<AuditEntry>,
    grown: Grown,
    (objects, runs): ListingRows,
    head: &Head,
) -> PgQuery<'q> {
    let n = entries.len();
    let mut seqs = Vec::with_capacity(n);
    let mut users = Vec::with_capacity(n);
    let mut orgs = Vec::with_capacity(n);
    let mut texts: [Vec<String>; 8] = Default::default();
    for e in entries {
        seqs.push(e.seq);
        users.push(e.actor_user.map(|u| u.0));
        orgs.push(e.actor_org.map(|o| o.0));
        let cols = [
            e.actor,
            e.action,
            e.object,
            e.source,
            e.outcome.as_str().to_owned(),
            e.detail,
            e.prev_hash,
            e.hash,
        ];
        for (col, v) in texts.iter_mut().zip(cols) {
            col.push(v);
        }
    }
    let mut q = q.bind(seqs).bind(users).bind(orgs);
    for col in texts {
        q = q.bind(col);
    }
    let (mut levels, mut idxs, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
    for (level, idx, h) in grown.nodes {
        levels.push(level as i32);
        idxs.push(idx);
        hashes.push(h);
    }
    let (ids, id_seqs): (Vec<String>, Vec<i64>) = objects.into_iter().unzip();
    let (mut run_seqs, mut los, mut his) = (Vec::new(), Vec::new(), Vec::new());
    for (seq, lo, hi) in runs {
        run_seqs.push(seq);
        los.push(lo);
        his.push(hi);
    }
    q.bind(grown.leaves)
        .bind(head.frontier.to_hex())
        .bind(levels)
        .bind(idxs)
        .bind(hashes)
        .bind(ids)
        .bind(id_seqs)
        .bind(run_seqs)
        .bind(los)
        .bind(his)
}

impl SqlStore<Postgres> {
    /// The raw pool, for tests that tamper with rows directly.
    #[cfg(feature = "test-support")]
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    /// Connects to and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self> {
        // No JIT: short index-driven statements, and at 1M objects a page
        // paid LLVM compilation (BENCHMARKS.md, "PostgreSQL: JIT off").
        let opts = PgConnectOptions::from_str(url)?.options([("jit", "off")]);
        let pool = super::pool_options::<sqlx::Postgres>()
            .max_connections(16)
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        // The audit writer's own session, READ COMMITTED whatever the
        // server's default: `PgAuditSink` relies on its re-check of a row
        // another appender just moved.
        let audit_opts = opts
            .clone()
            .options([("default_transaction_isolation", "read committed")]);
        let sink = PgAuditSink(Hot::Own(Arc::new(HotPool::new(audit_opts, 1))));
        let reads = Arc::<ReadsUnderWay>::default();
        let audit = GroupWriter::start(sink, reads.clone());
        // Hot reads (TAXII pages, value look-ups, tokens) are planned once
        // per session; only statements whose generic plans were checked go
        // here (BENCHMARKS.md, "PostgreSQL: generic plans for hot reads
        // only").
        let hot = HotPool::new(opts.options([("plan_cache_mode", "force_generic_plan")]), 8);
        // Fail here, not on the first TAXII page, if those sessions cannot open.
        hot.acquire().await?.release();
        let store = Self {
            audit,
            reads,
            pool,
            hot: Hot::Own(Arc::new(hot)),
            tokens: Default::default(),
            backend: Postgres,
        };
        store.catch_up_audit_tree().await?;
        Ok(store)
    }
}
