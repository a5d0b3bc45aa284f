//! What differs between SQLite and PostgreSQL, named: the `Backend` trait,
//! and the one way the rest of the store runs a statement on either.
//!
//! Every capability module writes its SQL once, as text both databases
//! accept (SQLite takes PostgreSQL's `$n` placeholders), builds an `Sql`
//! with its values and runs it on a transaction (`Tx`) or on the store's
//! pool. Only the two implementations of `Backend` touch sqlx's typed
//! binding, so the generic code above them needs no sqlx trait bounds.

pub(crate) mod hot;
pub mod postgres;
pub mod sqlite;
mod sqlite_read;

use std::borrow::Cow;
use std::future::Future;

use crate::Result;

/// A row of backend `B`.
pub(crate) type Row<B> = <<B as Backend>::Db as sqlx::Database>::Row;
/// A connection of backend `B`.
pub(crate) type Conn<B> = <<B as Backend>::Db as sqlx::Database>::Connection;

/// A database the store runs on, and every way it differs from the other.
pub(crate) trait Backend: Sized + Send + Sync + std::fmt::Debug + 'static {
    type Db: sqlx::Database<Row: RowExt>;

    /// How write transactions start.
    const BEGIN: &'static str;
    /// Whether an index seeks on a row-value comparison `(a, b) > ($1, $2)`
    /// (PostgreSQL's B-tree does; SQLite's planner seeks only on `a`, so a
    /// keyset page past a cursor is read as two seeks: `intel::page`).
    const SEEKS_ROW_VALUES: bool;

    fn fetch_all<'c>(
        on: On<'c, Self>,
        q: Sql<'c>,
    ) -> impl Future<Output = sqlx::Result<Vec<Row<Self>>>> + Send + 'c;
    fn fetch_optional<'c>(
        on: On<'c, Self>,
        q: Sql<'c>,
    ) -> impl Future<Output = sqlx::Result<Option<Row<Self>>>> + Send + 'c;
    /// Rows affected.
    fn execute<'c>(
        on: On<'c, Self>,
        q: Sql<'c>,
    ) -> impl Future<Output = sqlx::Result<u64>> + Send + 'c;

    /// Binds `a` in a statement whose parameters each appear once, in order
    /// (the multi-row INSERTs), and returns its placeholder.
    fn seq_placeholder(q: &mut Sql<'_>, a: Arg<'static>) -> String;
}

/// A bound value.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(Cow<'a, str>),
    OptText(Option<Cow<'a, str>>),
    Bool(bool),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(v))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(Cow::Owned(v))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::OptText(v.map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v.map(Cow::Owned))
    }
}

/// A statement and its values in `$n` order. Values are always bound,
/// never written into the text.
#[derive(Debug, Clone)]
pub(crate) struct Sql<'a> {
    pub text: Cow<'static, str>,
    pub args: Vec<Arg<'a>>,
}

impl<'a> Sql<'a> {
    /// A statement written in full in the code.
    pub fn new(text: &'static str) -> Self {
        Self {
            text: Cow::Borrowed(text),
            args: Vec::new(),
        }
    }

    /// A statement built at run time (filters with lists, page queries).
    pub fn built(text: String) -> Self {
        Self {
            text: Cow::Owned(text),
            args: Vec::new(),
        }
    }

    /// Binds the next `$n`.
    pub fn bind(mut self, v: impl Into<Arg<'a>>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Binds `v` and returns its placeholder, for text built around it.
    pub fn p(&mut self, v: impl Into<Arg<'a>>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    pub fn push(&mut self, text: &str) {
        self.text.to_mut().push_str(text);
    }

    /// ` AND col IN ($a, $b, …)` when `values` is not empty.
    pub fn and_in(&mut self, col: &str, values: &'a [String]) {
        if values.is_empty() {
            return;
        }
        let ps: Vec<String> = values.iter().map(|v| self.p(v)).collect();
        self.push(&format!(" AND {col} IN ({})", ps.join(", ")));
    }

    /// ` AND o.stix_type IN (…)` when `types` is not empty, and, when they
    /// leave indicators out, ` AND o.stix_type <> 'indicator'` too: the
    /// condition of the type indexes (migration 0006) as they write it, so
    /// that SQLite, which matches a partial index's condition term by term,
    /// can use them.
    pub fn and_types(&mut self, types: &'a [String]) {
        self.and_in("o.stix_type", types);
        if !types.is_empty() && types.iter().all(|t| t != "indicator") {
            self.push(" AND o.stix_type <> 'indicator'");
        }
    }

    // Plain functions returning the backend's future, not `async fn`s: the
    // futures' `Send` is then the one `Backend` declares, which rustc can
    // check inside the generic capability code.
    pub fn fetch_all<'c, E: Exec<'c>>(
        self,
        on: E,
    ) -> impl Future<Output = sqlx::Result<Vec<Row<E::B>>>> + Send + 'c
    where
        'a: 'c,
    {
        E::B::fetch_all(on.on(), self)
    }

    pub fn fetch_optional<'c, E: Exec<'c>>(
        self,
        on: E,
    ) -> impl Future<Output = sqlx::Result<Option<Row<E::B>>>> + Send + 'c
    where
        'a: 'c,
    {
        E::B::fetch_optional(on.on(), self)
    }

    /// The first row; `RowNotFound` when there is none.
    pub fn fetch_one<'c, E: Exec<'c>>(
        self,
        on: E,
    ) -> impl Future<Output = sqlx::Result<Row<E::B>>> + Send + 'c
    where
        'a: 'c,
    {
        let row = E::B::fetch_optional(on.on(), self);
        async move { row.await?.ok_or(sqlx::Error::RowNotFound) }
    }

    /// Rows affected.
    pub fn execute<'c, E: Exec<'c>>(
        self,
        on: E,
    ) -> impl Future<Output = sqlx::Result<u64>> + Send + 'c
    where
        'a: 'c,
    {
        E::B::execute(on.on(), self)
    }
}

/// Where a statement runs: a connection (a transaction's, a hot session's)
/// or any connection of the store's pool.
pub(crate) enum On<'c, B: Backend> {
    Conn(&'c mut Conn<B>),
    Pool(&'c sqlx::Pool<B::Db>),
}

/// What [`Sql`] runs on: a transaction, the store (its pool), a connection.
pub(crate) trait Exec<'c> {
    type B: Backend;
    fn on(self) -> On<'c, Self::B>;
}

impl<'c, B: Backend> Exec<'c> for On<'c, B> {
    type B = B;
    fn on(self) -> On<'c, B> {
        self
    }
}

impl<'c, B: Backend> Exec<'c> for &'c mut Tx<'_, B> {
    type B = B;
    fn on(self) -> On<'c, B> {
        On::Conn(&mut *self.0)
    }
}

/// A write transaction of backend `B`.
pub(crate) struct Tx<'t, B: Backend>(pub sqlx::Transaction<'t, B::Db>);

impl<B: Backend> Tx<'_, B> {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.0.commit().await
    }
}

/// Pool settings for both backends. sqlx tests every connection as it is
/// released and by default again as it is acquired; a connection idle for
/// less than `RETEST_AFTER_IDLE` was tested at its release moments ago, so
/// only longer-idle ones are tested on acquire (BENCHMARKS.md, "Pool: no
/// acquire test").
pub(crate) fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    const RETEST_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(10);
    sqlx::pool::PoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= RETEST_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// Typed column access shared by SQLite and PostgreSQL rows.
pub(crate) trait RowExt {
    fn i64(&self, col: &str) -> Result<i64>;
    fn opt_i64(&self, col: &str) -> Result<Option<i64>>;
    fn text(&self, col: &str) -> Result<String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    fn boolean(&self, col: &str) -> Result<bool>;
}

/// [`RowExt`] for a concrete row type: the same five `try_get`s.
macro_rules! row_ext {
    ($row:ty) => {
        impl RowExt for $row {
            fn i64(&self, col: &str) -> Result<i64> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn opt_i64(&self, col: &str) -> Result<Option<i64>> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn text(&self, col: &str) -> Result<String> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn opt_text(&self, col: &str) -> Result<Option<String>> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn boolean(&self, col: &str) -> Result<bool> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
        }
    };
}
row_ext!(sqlx::sqlite::SqliteRow);
row_ext!(sqlx::postgres::PgRow);

/// [`Backend`]'s three ways of running a statement, for one sqlx driver:
/// the same text for both, and written generically it would need sqlx's
/// executor and argument traits spelled out as a dozen higher-ranked
/// bounds. Expanded inside each backend's `impl Backend`.
macro_rules! run_on {
    ($db:ty) => {
        fn fetch_all<'c>(
            on: crate::backend::On<'c, Self>,
            q: crate::backend::Sql<'c>,
        ) -> impl std::future::Future<Output = sqlx::Result<Vec<<$db as sqlx::Database>::Row>>>
        + Send
        + 'c {
            let q = crate::backend::bound::<$db>(q);
            async move {
                match on {
                    crate::backend::On::Conn(c) => q.fetch_all(c).await,
                    crate::backend::On::Pool(p) => q.fetch_all(p).await,
                }
            }
        }

        fn fetch_optional<'c>(
            on: crate::backend::On<'c, Self>,
            q: crate::backend::Sql<'c>,
        ) -> impl std::future::Future<Output = sqlx::Result<Option<<$db as sqlx::Database>::Row>>>
        + Send
        + 'c {
            let q = crate::backend::bound::<$db>(q);
            async move {
                match on {
                    crate::backend::On::Conn(c) => q.fetch_optional(c).await,
                    crate::backend::On::Pool(p) => q.fetch_optional(p).await,
                }
            }
        }

        fn execute<'c>(
            on: crate::backend::On<'c, Self>,
            q: crate::backend::Sql<'c>,
        ) -> impl std::future::Future<Output = sqlx::Result<u64>> + Send + 'c {
            let q = crate::backend::bound::<$db>(q);
            async move {
                let done = match on {
                    crate::backend::On::Conn(c) => q.execute(c).await,
                    crate::backend::On::Pool(p) => q.execute(p).await,
                }?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(crate) use run_on;

/// `q` as an sqlx query of driver `DB`, its values bound in order.
pub(crate) fn bound<DB>(
    q: Sql<'_>,
) -> sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    for<'e> i64: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> bool: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> &'e str: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> Option<i64>: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> Option<&'e str>: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
{
    let mut out = sqlx::query(sqlx::AssertSqlSafe(q.text));
    for a in &q.args {
        out = match a {
            Arg::Int(v) => out.bind(*v),
            Arg::OptInt(v) => out.bind(*v),
            Arg::Text(v) => out.bind(v.as_ref()),
            Arg::OptText(v) => out.bind(v.as_deref()),
            Arg::Bool(v) => out.bind(*v),
        };
    }
    out
}
