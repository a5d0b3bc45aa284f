//! The PostgreSQL backend: for scale and for several server processes.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool};

/// A store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    audit_jobs: tokio::sync::mpsc::Sender<AuditJob>,
    pool: PgPool,
    /// Sessions on generic plans, for the hot reads (see `open`).
    hot: crate::hot::Hot<sqlx::Postgres>,
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
        let audit_jobs = Self::audit_channel(crate::hot::Hot::Own(std::sync::Arc::new(
            crate::hot::HotPool::new(opts.clone(), 1),
        )));
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
            pool,
            hot,
        })
    }

    async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin_with(Self::BEGIN).await?)
    }

    /// The raw pool, for tests that tamper with rows directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

crate::sql::sql_store!(PgStore, sqlx::Postgres);
crate::intel_sql::intel_store!(PgStore, sqlx::Postgres);
crate::index_sql::index_store!(PgStore, sqlx::Postgres);
