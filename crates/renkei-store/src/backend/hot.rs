//! Sessions for the hot reads: TAXII pages, value look-ups, token look-ups.
//!
//! Hand-written rather than a second `sqlx::Pool`: sqlx's pool tests every
//! connection as it is released, which doubled the round trips of a read
//! that is one statement (BENCHMARKS.md, "Hot sessions without sqlx's
//! release ping"). A session here goes back untested once its
//! statements finished ([`Session::release`]); one dropped before that (an
//! error, a cancelled request) is closed, since its protocol state is
//! unknown. A session idle for [`RETEST_AFTER_IDLE`] or more is tested
//! before use, so one the server dropped while it sat idle is replaced. A
//! read on a session the server dropped within that window (a restart, a
//! terminated backend) fails with the connection lost: [`hot_read!`] then
//! discards the idle sessions, which most likely went with it, and runs the
//! read once more (on a new session, unless another read gave one back
//! meanwhile); a second failure is returned.
//! Waiting for a session (and opening one) gives up after
//! [`ACQUIRE_TIMEOUT`], as sqlx's pool does.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection, Database};

/// How long a session may sit unused before it is tested again.
pub(crate) const RETEST_AFTER_IDLE: Duration = Duration::from_secs(10);

/// How long to wait for a session, opening included (sqlx's default).
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Up to `max` sessions opened with one set of options, kept between uses.
pub(crate) struct HotPool<DB: Database> {
    options: <DB::Connection as Connection>::Options,
    idle: Mutex<Vec<(DB::Connection, Instant)>>,
    permits: tokio::sync::Semaphore,
}

impl<DB: Database> std::fmt::Debug for HotPool<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotPool")
            .field("available", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl<DB: Database> HotPool<DB> {
    pub fn new(options: <DB::Connection as Connection>::Options, max: usize) -> Self {
        Self {
            options,
            idle: Mutex::new(Vec::with_capacity(max)),
            permits: tokio::sync::Semaphore::new(max),
        }
    }

    /// A session: an idle one (tested first if idle long), or a new one.
    pub async fn acquire(&self) -> Result<Session<'_, DB>, sqlx::Error> {
        tokio::time::timeout(ACQUIRE_TIMEOUT, self.acquire_now())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
    }

    async fn acquire_now(&self) -> Result<Session<'_, DB>, sqlx::Error> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let (conn, reused) = match idle {
            Some((mut conn, since)) => {
                if since.elapsed() < RETEST_AFTER_IDLE || conn.ping().await.is_ok() {
                    (conn, true)
                } else {
                    (self.options.connect().await?, false)
                }
            }
            None => (self.options.connect().await?, false),
        };
        Ok(Session {
            pool: self,
            conn: Some(conn),
            reused,
            _permit: permit,
        })
    }

    /// Closes the idle sessions (the server dropped one, so likely all).
    fn discard_idle(&self) {
        let gone = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        drop(gone); // closed outside the lock
    }
}

/// Whether `e` says the session's connection is gone rather than that the
/// statement failed: an I/O or protocol error, or PostgreSQL's connection
/// exception (SQLSTATE class 08) and operator intervention (57P01
/// admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now).
fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// A session taken from a [`HotPool`]; closed on drop unless released.
pub(crate) struct Session<'a, DB: Database> {
    pool: &'a HotPool<DB>,
    conn: Option<DB::Connection>,
    /// Taken from the idle sessions (not opened for this use).
    reused: bool,
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl<DB: Database> Session<'_, DB> {
    pub fn conn(&mut self) -> &mut DB::Connection {
        self.conn
            .as_mut()
            .expect("a session holds its connection until released")
    }

    /// Returns the session for reuse: call only once its statements have
    /// finished.
    pub fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((conn, Instant::now()));
        }
    }
}

/// Where a store's hot reads run: its own sessions, or its one pool (an
/// in-memory SQLite database exists only in that pool's connection).
pub(crate) enum Hot<DB: Database> {
    Own(std::sync::Arc<HotPool<DB>>),
    Shared(sqlx::Pool<DB>),
}

impl<DB: Database> Clone for Hot<DB> {
    fn clone(&self) -> Self {
        match self {
            Hot::Own(p) => Hot::Own(p.clone()),
            Hot::Shared(p) => Hot::Shared(p.clone()),
        }
    }
}

impl<DB: Database> std::fmt::Debug for Hot<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hot::Own(p) => p.fmt(f),
            Hot::Shared(p) => p.fmt(f),
        }
    }
}

impl<DB: Database> Hot<DB> {
    pub async fn acquire(&self) -> Result<HotConn<'_, DB>, sqlx::Error> {
        Ok(match self {
            Hot::Own(p) => HotConn::Own(p.acquire().await?),
            Hot::Shared(p) => HotConn::Shared(p.acquire().await?),
        })
    }

    /// After a read on `c` failed with `e`: whether to run it once more,
    /// because `c` was a reused session whose connection the server dropped.
    /// `c` is given up either way (closed, or back to sqlx's pool for a
    /// shared one); if so, the idle sessions are closed too (they most
    /// likely went with it), so that the next session is normally new.
    pub fn retry_after(&self, c: HotConn<'_, DB>, e: &sqlx::Error) -> bool {
        let (HotConn::Own(s), Hot::Own(pool)) = (c, self) else {
            return false;
        };
        if s.reused && connection_lost(e) {
            drop(s);
            pool.discard_idle();
            true
        } else {
            false
        }
    }
}

/// `hot_read!(hot, |conn| read)`: runs `read` (an expression using `conn`,
/// a `&mut` connection, and giving a `Result<_, sqlx::Error>`) on a session
/// of `hot` and gives the session back; once more on a new session if the
/// first was reused and turned out dropped by the server
/// ([`Hot::retry_after`]). For reads only: running one twice changes nothing.
/// A macro, not a function taking a closure: the stores' futures must be
/// `Send`, which an async closure borrowing the session fails to prove.
macro_rules! hot_read {
    ($hot:expr, |$conn:ident| $read:expr) => {{
        let mut retried = false;
        loop {
            let mut session = $hot.acquire().await?;
            let $conn = session.conn();
            match $read {
                Ok(v) => {
                    session.release();
                    break Ok(v);
                }
                Err(e) => {
                    if !retried && $hot.retry_after(session, &e) {
                        retried = true;
                        continue;
                    }
                    break Err(e);
                }
            }
        }
    }};
}
pub(crate) use hot_read;

/// A connection for hot reads; [`HotConn::release`] once its statements
/// finished.
pub(crate) enum HotConn<'a, DB: Database> {
    Own(Session<'a, DB>),
    Shared(sqlx::pool::PoolConnection<DB>),
}

impl<DB: Database> HotConn<'_, DB> {
    pub fn conn(&mut self) -> &mut DB::Connection {
        match self {
            HotConn::Own(s) => s.conn(),
            HotConn::Shared(c) => c,
        }
    }

    pub fn release(self) {
        match self {
            HotConn::Own(s) => s.release(),
            // sqlx's pool takes it back (and tests it) as it is dropped.
            HotConn::Shared(c) => drop(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// Whether this session's connection holds the temporary table that
    /// only the connection that made it can see.
    async fn has_marker(s: &mut Session<'_, sqlx::Sqlite>) -> bool {
        sqlx::query("SELECT 1 FROM temp.sqlite_master WHERE name = 'marker'")
            .fetch_optional(s.conn())
            .await
            .expect("query")
            .is_some()
    }

    #[tokio::test]
    async fn released_sessions_are_reused_and_dropped_ones_closed() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite:{}", dir.path().join("h.db").display());
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .expect("url")
            .create_if_missing(true);
        let pool = HotPool::<sqlx::Sqlite>::new(opts, 1);

        let mut s = pool.acquire().await.expect("acquire");
        sqlx::query("CREATE TEMP TABLE marker (x)")
            .execute(s.conn())
            .await
            .expect("create");
        s.release();
        let mut s = pool.acquire().await.expect("acquire");
        assert!(has_marker(&mut s).await, "a released session is reused");
        drop(s); // not released: as after an error or a cancelled request
        let mut s = pool.acquire().await.expect("acquire");
        assert!(!has_marker(&mut s).await, "a dropped session is not reused");
        // One permit: a second session waits until the first is given back.
        let waiting = tokio::time::timeout(Duration::from_millis(50), pool.acquire()).await;
        assert!(waiting.is_err(), "at most `max` sessions at once");
        s.release();
        assert!(pool.acquire().await.is_ok());
    }
}
