//! Sign-in throttling, per (account, client address) and per client
//! address, with exponential backoff.
//!
//! Every attempt is *reserved* before its password is checked: the
//! reservation counts it and, past the free attempts, makes the next one
//! wait. So a failed write refuses the attempt instead of letting it
//! through uncounted, and parallel guesses are counted as they start,
//! not after their (slow) checks. A success forgets the account's count
//! from that address and gives the address its reservation back.
//!
//! Counts leak: one attempt is forgotten per `leak` of quiet, so a shared
//! address (an office behind NAT) with an occasional mistyped password
//! never drifts into the backoff. Keyed by address as well as account, an
//! attacker elsewhere cannot lock the real user out; the per-address row
//! bounds how many accounts one address tries. Rows are pruned a day after
//! their last attempt.

use renkei_core::Timestamp;

use crate::Result;
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::store::SqlStore;

/// How attempts are throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Attempts on one account from one address before each next one waits.
    pub account_free: i64,
    /// Attempts from one address, any accounts, before each next one waits.
    pub source_free: i64,
    /// Quiet time after which one counted attempt of an account (from an
    /// address) is forgotten, in seconds.
    pub account_leak_secs: i64,
    /// The same for an address's count.
    pub source_leak_secs: i64,
    /// The wait after the last free attempt; it doubles with each further one.
    pub first_wait_secs: i64,
    /// The longest wait.
    pub max_wait_secs: i64,
}

impl ThrottlePolicy {
    /// `max_failures` attempts per account and address (four times as many
    /// per address) within `window_minutes` go unhindered; past them each
    /// attempt waits 30 s, doubling up to `window_minutes`. Counts leak at
    /// the same rate, so the long-run pace is `max_failures` per window.
    pub fn from_limits(max_failures: i64, window_minutes: i64) -> Self {
        let free = max_failures.max(1);
        let window = window_minutes.max(1) * 60;
        Self {
            account_free: free,
            source_free: free * 4,
            account_leak_secs: (window / free).max(1),
            source_leak_secs: (window / (free * 4)).max(1),
            first_wait_secs: 30.min(window),
            max_wait_secs: window,
        }
    }

    /// The wait after the `n`th counted attempt (none while free).
    fn wait_after(&self, n: i64, free: i64) -> i64 {
        if n < free {
            return 0;
        }
        let doublings = u32::try_from(n - free).unwrap_or(u32::MAX).min(30);
        self.first_wait_secs
            .saturating_mul(1_i64 << doublings)
            .min(self.max_wait_secs)
    }
}

/// Whether a sign-in attempt may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// Wait this many seconds (at least 1).
    Throttled {
        retry_after_secs: i64,
    },
}

/// Rows older than this are pruned: a day without an attempt.
const KEEP_MICROS: i64 = 24 * 3600 * 1_000_000;

const PRUNE_ACCOUNTS: &str = "DELETE FROM sign_in_accounts WHERE last_at < $1";
const PRUNE_SOURCES: &str = "DELETE FROM sign_in_sources WHERE last_at < $1";
/// Failures recorded before migration 0009 replaced the table; nothing
/// writes it now, so once past the window its rows only take room.
const PRUNE_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE at < $1";

/// The retention deletes: `login_failures` rows older than `window`
/// microseconds, throttling rows a day without an attempt.
pub(super) fn prunes(now: Timestamp, window: i64) -> Vec<Sql<'static>> {
    vec![
        Sql::new(PRUNE_LOGIN_FAILURES).bind(now.0 - window),
        Sql::new(PRUNE_ACCOUNTS).bind(now.0 - KEEP_MICROS),
        Sql::new(PRUNE_SOURCES).bind(now.0 - KEEP_MICROS),
    ]
}

// The count leaks one attempt per `$3` microseconds since the last one;
// a locked row is left as it is and returns nothing.
const RESERVE_SOURCE: &str = "
    INSERT INTO sign_in_sources AS t (source, attempts, last_at, locked_until)
    VALUES ($1, 1, $2, 0)
    ON CONFLICT (source) DO UPDATE
    SET attempts = CASE WHEN t.attempts - ($2 - t.last_at) / $3 > 0
                        THEN t.attempts - ($2 - t.last_at) / $3
                        ELSE 0 END + 1,
        last_at = $2
    WHERE t.locked_until <= $2
    RETURNING attempts";

const RESERVE_ACCOUNT: &str = "
    INSERT INTO sign_in_accounts AS t (email, source, attempts, last_at, locked_until)
    VALUES ($1, $4, 1, $2, 0)
    ON CONFLICT (email, source) DO UPDATE
    SET attempts = CASE WHEN t.attempts - ($2 - t.last_at) / $3 > 0
                        THEN t.attempts - ($2 - t.last_at) / $3
                        ELSE 0 END + 1,
        last_at = $2
    WHERE t.locked_until <= $2
    RETURNING attempts";

const LOCK_SOURCE: &str = "UPDATE sign_in_sources SET locked_until = $1 WHERE source = $2";
const LOCK_ACCOUNT: &str =
    "UPDATE sign_in_accounts SET locked_until = $1 WHERE email = $2 AND source = $3";

const SOURCE_LOCKED_UNTIL: &str = "SELECT locked_until FROM sign_in_sources WHERE source = $1";
const ACCOUNT_LOCKED_UNTIL: &str =
    "SELECT locked_until FROM sign_in_accounts WHERE email = $1 AND source = $2";

const FORGET_ACCOUNT: &str = "DELETE FROM sign_in_accounts WHERE email = $1 AND source = $2";

// Gives the address its reservation back, and lifts a lock that this
// reservation alone had brought about.
const RELEASE_SOURCE: &str = "
    UPDATE sign_in_sources
    SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
        locked_until = CASE WHEN attempts - 1 >= $2 THEN locked_until ELSE 0 END
    WHERE source = $1";

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Reserves one attempt on `email` from `source` at `now`.
    pub(crate) async fn reserve(
        &self,
        email: &str,
        source: &str,
        now: Timestamp,
        p: &ThrottlePolicy,
    ) -> Result<Attempt> {
        let mut tx = self.begin().await?;
        for prune in [PRUNE_ACCOUNTS, PRUNE_SOURCES] {
            Sql::new(prune)
                .bind(now.0 - KEEP_MICROS)
                .execute(&mut tx)
                .await?;
        }
        // The address first, then the account: every reservation takes the
        // two rows in the same order.
        let by_source = Sql::new(RESERVE_SOURCE)
            .bind(source)
            .bind(now.0)
            .bind(p.source_leak_secs * 1_000_000);
        let Some(n) = by_source.fetch_optional(&mut tx).await? else {
            let until = locked_until(&mut tx, Sql::new(SOURCE_LOCKED_UNTIL).bind(source)).await?;
            return Ok(throttled(until, now));
        };
        let n = n.i64("attempts")?;
        let wait = p.wait_after(n, p.source_free);
        if wait > 0 {
            Sql::new(LOCK_SOURCE)
                .bind(now.0 + wait * 1_000_000)
                .bind(source)
                .execute(&mut tx)
                .await?;
        }
        let by_account = Sql::new(RESERVE_ACCOUNT)
            .bind(email)
            .bind(now.0)
            .bind(p.account_leak_secs * 1_000_000)
            .bind(source);
        let Some(n) = by_account.fetch_optional(&mut tx).await? else {
            let q = Sql::new(ACCOUNT_LOCKED_UNTIL).bind(email).bind(source);
            let until = locked_until(&mut tx, q).await?;
            // Dropping `tx` rolls the address's reservation back.
            return Ok(throttled(until, now));
        };
        let n = n.i64("attempts")?;
        let wait = p.wait_after(n, p.account_free);
        if wait > 0 {
            Sql::new(LOCK_ACCOUNT)
                .bind(now.0 + wait * 1_000_000)
                .bind(email)
                .bind(source)
                .execute(&mut tx)
                .await?;
        }
        // Throttling rows are no tokens, organisations or memberships, so
        // the resolved-token cache stays (`SqlStore::commit` would drop it).
        tx.commit().await?;
        Ok(Attempt::Allowed)
    }

    /// The attempt reserved for `email` from `source` succeeded.
    pub(crate) async fn release(
        &self,
        email: &str,
        source: &str,
        p: &ThrottlePolicy,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Sql::new(FORGET_ACCOUNT)
            .bind(email)
            .bind(source)
            .execute(&mut tx)
            .await?;
        Sql::new(RELEASE_SOURCE)
            .bind(source)
            .bind(p.source_free)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn locked_until<B: Backend>(tx: &mut Tx<'_, B>, q: Sql<'_>) -> Result<i64> {
    let r = q.fetch_one(tx).await?;
    r.i64("locked_until")
}

fn throttled(until: i64, now: Timestamp) -> Attempt {
    let secs = ((until - now.0 + 999_999) / 1_000_000).max(1);
    Attempt::Throttled {
        retry_after_secs: secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_the_first_past_the_free_attempts_up_to_the_cap() {
        let p = ThrottlePolicy::from_limits(5, 15);
        assert_eq!((p.account_free, p.source_free), (5, 20));
        assert_eq!((p.account_leak_secs, p.source_leak_secs), (180, 45));
        let waits: Vec<i64> = (1..=12).map(|n| p.wait_after(n, 5)).collect();
        assert_eq!(
            waits,
            [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900],
            "the fifth attempt makes the sixth wait"
        );
        assert_eq!(p.wait_after(i64::MAX, 5), 900, "no overflow");
    }
}
