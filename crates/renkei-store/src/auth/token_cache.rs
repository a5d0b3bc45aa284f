//! Resolved API tokens (`token_viewer`), kept briefly per store instance.
//!
//! Every API call resolves its bearer token to an organisation and the
//! communities it may read: one statement per request before the request's
//! own work (BENCHMARKS.md, "Resolved API tokens kept for a second").
//!
//! An entry is used only while both hold:
//! - no write transaction of this store instance has committed since the
//!   look-up began (`invalidate`, called by `SqlStore::commit`), so a
//!   revocation or a membership change made through this process applies
//!   to its next request;
//! - it is younger than `TTL`, which bounds how long a change made by
//!   another process on the same database (the CLI on a SQLite file, a
//!   second server on PostgreSQL) goes unseen: a revoked token, a
//!   deactivated creator, an ended membership. A bound in time rather than
//!   a revocation generation read on every request: that read would be the
//!   one round trip per request the cache exists to save.
//!
//! Only tokens that resolved are kept: an unknown token is looked up every
//! time, so guessing cannot fill the map, which is also capped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use renkei_core::Viewer;
use renkei_core::model::ApiToken;

/// How long a change made by another process may go unseen.
pub(crate) const TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; when full, the map is emptied.
const CAP: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    epoch: AtomicU64,
    map: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    at: Instant,
    epoch: u64,
    value: (ApiToken, Viewer),
}

impl TokenCache {
    /// The resolved token, if a fresh entry holds it.
    pub fn get(&self, token_hash: &str) -> Option<(ApiToken, Viewer)> {
        let now = self.epoch.load(Ordering::Acquire);
        let map = self.map.lock().ok()?;
        let e = map.get(token_hash)?;
        (e.epoch == now && e.at.elapsed() < TTL).then(|| e.value.clone())
    }

    /// The epoch to pass to `put`; read it before the look-up.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Keeps a look-up that began at `epoch`, unless a write committed
    /// since (its result may predate that write).
    pub fn put(&self, token_hash: &str, epoch: u64, started: Instant, value: (ApiToken, Viewer)) {
        let Ok(mut map) = self.map.lock() else { return };
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if map.len() >= CAP {
            map.clear();
        }
        map.insert(
            token_hash.to_owned(),
            Entry {
                at: started,
                epoch,
                value,
            },
        );
    }

    /// A write committed: no entry from before it is used again.
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Invalidates when dropped: hold it across a commit, so that a commit
    /// that fails, or whose future is dropped, after it may have landed
    /// still invalidates.
    pub fn on_drop_invalidate(&self) -> InvalidateOnDrop<'_> {
        InvalidateOnDrop(self)
    }
}

/// See [`TokenCache::on_drop_invalidate`].
pub(crate) struct InvalidateOnDrop<'a>(&'a TokenCache);

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use renkei_core::{OrgId, Role, Timestamp};

    fn value() -> (ApiToken, Viewer) {
        let t = ApiToken {
            id: 1,
            org: OrgId(1),
            name: "feed".into(),
            role: Role::Viewer,
            created_by: None,
            created_at: Timestamp(0),
            revoked_at: None,
        };
        (t, Viewer::default())
    }

    #[test]
    fn a_commit_during_the_look_up_keeps_it_out() {
        let c = TokenCache::default();
        // A fresh entry, then a slow look-up that began before a commit:
        // it neither serves nor replaces the fresh one.
        let e = c.epoch();
        c.invalidate();
        let fresh = (ApiToken { id: 2, ..value().0 }, Viewer::default());
        c.put("h", c.epoch(), Instant::now(), fresh);
        c.put("h", e, Instant::now(), value());
        assert_eq!(c.get("h").map(|(t, _)| t.id), Some(2));
    }

    #[test]
    fn an_entry_serves_until_a_commit() {
        let c = TokenCache::default();
        c.put("h", c.epoch(), Instant::now(), value());
        assert!(c.get("h").is_some());
        c.invalidate();
        assert!(c.get("h").is_none());
    }

    #[test]
    fn a_dropped_guard_invalidates() {
        let c = TokenCache::default();
        c.put("h", c.epoch(), Instant::now(), value());
        drop(c.on_drop_invalidate());
        assert!(c.get("h").is_none());
    }

    #[test]
    fn an_entry_expires() {
        let c = TokenCache::default();
        c.put("h", c.epoch(), Instant::now() - TTL, value());
        assert!(c.get("h").is_none());
    }
}
