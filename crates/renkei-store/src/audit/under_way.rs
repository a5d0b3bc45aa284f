//! Audited reads under way, so that the read-audit group writer
//! (`audit::writer`) can hold a batch back for the entries about to arrive:
//! each SQLite commit empties every reader's page cache, so fewer, larger
//! commits keep pages warm (BENCHMARKS.md, "Read-audit batches held while
//! reads are under way"). A read is under way from before its rows are read
//! until the writer takes its entry off the queue, or until it turns out to
//! need none. With no such read under way a batch goes at once, so a lone
//! client is never held.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// The longest a batch waits for reads under way (tokio's timer rounds it
/// up to its next millisecond tick).
pub(crate) const HOLD: Duration = Duration::from_millis(1);

/// How many audited reads are under way; wakes a waiter when none is.
#[derive(Debug, Default)]
pub(crate) struct ReadsUnderWay {
    n: AtomicUsize,
    none: Notify,
}

/// One read under way, from before its rows are read until the writer takes
/// its audit entry (or it turns out to need none): dropping it ends it.
#[derive(Debug)]
pub(crate) struct ReadUnderWay(Arc<ReadsUnderWay>);

impl ReadsUnderWay {
    pub fn start(self: &Arc<Self>) -> ReadUnderWay {
        self.n.fetch_add(1, Ordering::AcqRel);
        ReadUnderWay(self.clone())
    }

    pub fn any(&self) -> bool {
        self.n.load(Ordering::Acquire) > 0
    }

    /// Returns when no read is under way or at `deadline`, whichever is
    /// first.
    pub async fn wait_none(&self, deadline: tokio::time::Instant) {
        // Created before the check: `notify_waiters` reaches a `Notified`
        // from its creation on, so the last read ending between the check
        // and the wait still wakes it.
        let woken = self.none.notified();
        if !self.any() {
            return;
        }
        tokio::select! {
            () = woken => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

impl Drop for ReadUnderWay {
    fn drop(&mut self) {
        if self.0.n.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.none.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_and_wakes_when_the_last_read_ends() {
        let reads = Arc::new(ReadsUnderWay::default());
        assert!(!reads.any());
        let far = tokio::time::Instant::now() + Duration::from_secs(60);
        // Nothing under way: no wait at all.
        tokio::time::timeout(Duration::from_secs(5), reads.wait_none(far))
            .await
            .expect("returns at once");
        let (a, b) = (reads.start(), reads.start());
        assert!(reads.any());
        let waiter = {
            let reads = reads.clone();
            tokio::spawn(async move { reads.wait_none(far).await })
        };
        drop(a);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "one read is still under way");
        drop(b);
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken when the last read ends")
            .expect("task");
        assert!(!reads.any());
    }

    #[tokio::test]
    async fn waits_no_longer_than_the_deadline() {
        let reads = Arc::new(ReadsUnderWay::default());
        let _stuck = reads.start();
        let t0 = tokio::time::Instant::now();
        reads.wait_none(t0 + HOLD).await;
        assert!(t0.elapsed() >= HOLD);
        assert!(
            t0.elapsed() < Duration::from_millis(500),
            "{:?}",
            t0.elapsed()
        );
        assert!(reads.any());
    }
}
