//! The PostgreSQL backend: for scale and for several server processes.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// A store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    audit_jobs: tokio::sync::mpsc::Sender<AuditJob>,
    pool: PgPool,
}

impl PgStore {
    /// How write transactions start.
    const BEGIN: &str = "BEGIN";

    /// Connects to and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self> {
        // Short index-driven statements whose plans do not depend on the
        // values bound: plan each once per session (the default kept
        // re-planning the TAXII page query on every run), and never JIT-compile
        // them (a generic plan's cost estimate can cross `jit_above_cost`, and
        // compiling then took 50-90 ms of a 0.7 ms page at 1M objects).
        let opts = PgConnectOptions::from_str(url)?
            .options([("plan_cache_mode", "force_generic_plan"), ("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let audit_jobs = Self::audit_channel(&pool);
        Ok(Self { audit_jobs, pool })
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
