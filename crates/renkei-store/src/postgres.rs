//! The PostgreSQL backend: for scale and for several server processes.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool};

/// A store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    audit_jobs: tokio::sync::mpsc::Sender<AuditJob>,
    /// Audited reads under way, for the group writer (`under_way.rs`).
    reads: std::sync::Arc<crate::under_way::ReadsUnderWay>,
    pool: PgPool,
    /// Sessions on generic plans, for the hot reads (see `open`).
    hot: crate::hot::Hot<sqlx::Postgres>,
    /// Resolved API tokens (`token_cache.rs`), shared by clones;
    /// `commit` invalidates them.
    tokens: std::sync::Arc<crate::token_cache::TokenCache>,
}

impl PgStore {
    /// How write transactions start.
    const BEGIN: &str = "BEGIN";

    /// Connects to and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self> {
        // No JIT: the store's statements are short index-driven queries, and
        // a cost estimate crossing `jit_above_cost` made a 0.7 ms TAXII page
        // pay 50-90 ms of LLVM compilation at 1M objects.
        let opts = PgConnectOptions::from_str(url)?.options([("jit", "off")]);
        let pool = crate::sql::pool_options::<sqlx::Postgres>()
            .max_connections(16)
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        // The audit writer's own session (see `audit_writer`).
        // READ COMMITTED whatever the server's default: `append_grouped`
        // relies on its re-check of a row another appender just moved.
        let audit_opts = opts
            .clone()
            .options([("default_transaction_isolation", "read committed")]);
        let reads = std::sync::Arc::<crate::under_way::ReadsUnderWay>::default();
        let audit_jobs = Self::audit_channel(
            crate::sql::AuditSink::Session(crate::hot::Hot::Own(std::sync::Arc::new(
                crate::hot::HotPool::new(audit_opts, 1),
            ))),
            reads.clone(),
        );
        // The hot reads (TAXII pages, value look-ups, tokens) are planned once per
        // session: with the default `plan_cache_mode` PostgreSQL re-planned
        // the page query on every run. Only statements whose generic plans
        // were checked go here; a generic plan is wrong where the best index
        // depends on a skewed value (an organisation's audit entries, say).
        let hot =
            crate::hot::HotPool::new(opts.options([("plan_cache_mode", "force_generic_plan")]), 8);
        // Fail here, not on the first TAXII page, if those sessions cannot open.
        hot.acquire().await?.release();
        let hot = crate::hot::Hot::Own(std::sync::Arc::new(hot));
        Ok(Self {
            audit_jobs,
            reads,
            pool,
            hot,
            tokens: Default::default(),
        })
    }

    async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin_with(Self::BEGIN).await?)
    }

    /// The raw pool, for tests that tamper with rows directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A TAXII page's rows (`stix_envelope`).
    async fn envelope_rows(
        &self,
        actor: &Actor,
        c: &renkei_core::model::Collection,
        q: &crate::intel::StixQuery,
    ) -> Result<crate::intel_sql::EnvelopeRows> {
        intel_impl::envelope_rows_sqlx(&self.hot, actor, c, q).await
    }

    /// Appends the group writer's batch in one statement, one round trip:
    /// a transaction (`append_many`) costs five (`BEGIN`, head, entries,
    /// head, `COMMIT`), which were most of a value look-up's time. The
    /// entries are hashed onto the head this writer `known`s; the statement
    /// moves the head only if it is still there and inserts the entries only
    /// if it moved it. Another appender (a write transaction, another
    /// process) may have moved it: then the head is read again and the batch
    /// hashed anew, and after a few such misses the batch takes the head's
    /// lock like any other appender.
    async fn append_grouped(
        conn: &mut sqlx::PgConnection,
        drafts: &[Draft<'_>],
        known: &mut Option<(i64, String)>,
    ) -> Result<()> {
        const APPEND: &str = "WITH head AS (\
             UPDATE audit_head SET seq = $3, hash = $4 WHERE id = 1 AND seq = $1 AND hash = $2 RETURNING 1) \
             INSERT INTO audit_log (seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail, prev_hash, hash) \
             SELECT e.seq, $5, e.actor_user, e.actor_org, e.actor, e.action, e.object, e.source, e.outcome, e.detail, e.prev_hash, e.hash \
             FROM unnest($6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], \
             $13::text[], $14::text[], $15::text[], $16::text[]) \
             AS e(seq, actor_user, actor_org, actor, action, object, source, outcome, detail, prev_hash, hash) \
             WHERE EXISTS (SELECT 1 FROM head)";
        if drafts.is_empty() {
            return Ok(());
        }
        for _ in 0..4 {
            // Taken, so that an error leaves the head to be read again.
            let (seq0, hash0) = match known.take() {
                Some(h) => h,
                None => {
                    let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                        .fetch_one(&mut *conn)
                        .await?;
                    (r.i64("seq")?, r.text("hash")?)
                }
            };
            let at = Timestamp::now();
            let n = drafts.len();
            let mut entries: Vec<AuditEntry> = drafts.iter().map(|d| d.entry(at)).collect();
            let prev = crate::sql::link(&mut entries, seq0, hash0.clone());
            let seq = seq0 + n as i64;
            let (mut seqs, mut users, mut orgs) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            let (mut actors, mut actions, mut objects, mut sources) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            let (mut outcomes, mut details, mut prevs, mut hashes) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            for e in entries {
                seqs.push(e.seq);
                users.push(e.actor_user.map(|u| u.0));
                orgs.push(e.actor_org.map(|o| o.0));
                actors.push(e.actor);
                actions.push(e.action);
                objects.push(e.object);
                sources.push(e.source);
                outcomes.push(e.outcome.as_str());
                details.push(e.detail);
                prevs.push(e.prev_hash);
                hashes.push(e.hash);
            }
            let stored = sqlx::query(APPEND)
                .bind(seq0)
                .bind(&hash0)
                .bind(seq)
                .bind(&prev)
                .bind(at.0)
                .bind(seqs)
                .bind(users)
                .bind(orgs)
                .bind(actors)
                .bind(actions)
                .bind(objects)
                .bind(sources)
                .bind(outcomes)
                .bind(details)
                .bind(prevs)
                .bind(hashes)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if stored == n as u64 {
                *known = Some((seq, prev));
                return Ok(());
            }
        }
        append_locked(conn, drafts).await
    }

    /// Takes the heads (migration 0005) of the objects an add touches (by
    /// `head_key`), before anything else in the add: an add of a
    /// version of an object that another transaction is adding waits here
    /// until that one has committed, and so sees its versions (`has_newer`).
    /// In key order, so two adds never wait on each other in a cycle. One
    /// statement with one array bind, whatever the number of keys (no
    /// measurable change in ingest against chunked multi-row `VALUES`,
    /// BENCHMARKS.md, but one statement text instead of one per chunk size).
    async fn take_heads(
        tx: &mut Tx,
        collection: &str,
        ids: impl Iterator<Item = &str>,
    ) -> Result<()> {
        let mut keys: Vec<i64> = ids
            .map(|id| crate::intel_sql::head_key(collection, id))
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        keys.sort_unstable();
        keys.dedup();
        // DO UPDATE, not DO NOTHING: it locks a head that exists already, so
        // adds of versions of a known object take turns too. ORDER BY keeps
        // the rows in key order on their way to the insert.
        sqlx::query(
            "INSERT INTO stix_heads (object_key) SELECT k FROM unnest($1::bigint[]) AS t(k) ORDER BY k \
             ON CONFLICT (object_key) DO UPDATE SET object_key = excluded.object_key",
        )
        .bind(keys)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

crate::sql::sql_store!(PgStore, sqlx::Postgres);
crate::intel_sql::intel_store!(PgStore, sqlx::Postgres);
crate::index_sql::index_store!(PgStore, sqlx::Postgres);
