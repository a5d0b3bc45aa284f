//! Work that outlives its request (TAXII adds, stored after the answer):
//! at most `concurrency` running and `queue` more admitted, so a burst of
//! clients cannot pile up tasks and memory without bound; past that a
//! request is refused before anything is done for it. On shutdown no
//! more are admitted, those admitted get `grace` to finish, and then are
//! told to give up (each records that it did) before the process exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// How long jobs told to give up have to record it.
const GIVE_UP_WAIT: Duration = Duration::from_secs(5);

/// The admitted jobs.
#[derive(Debug)]
pub struct Jobs {
    /// Places for running and waiting jobs together.
    admitted: Arc<Semaphore>,
    capacity: u32,
    running: Arc<Semaphore>,
    closed: AtomicBool,
    give_up: watch::Sender<bool>,
}

/// One admitted job's place; the place is free again when it is dropped.
#[derive(Debug)]
pub struct Ticket {
    _admitted: OwnedSemaphorePermit,
    running: Arc<Semaphore>,
    give_up: watch::Receiver<bool>,
}

impl Jobs {
    /// `concurrency` running at once (at least one), `queue` more waiting.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let running = concurrency.max(1);
        let capacity = u32::try_from(running + queue).unwrap_or(u32::MAX >> 3);
        Self {
            admitted: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
            running: Arc::new(Semaphore::new(running)),
            closed: AtomicBool::new(false),
            give_up: watch::channel(false).0,
        }
    }

    /// A place for one more job; `None` when every place is taken or the
    /// server is stopping.
    pub fn admit(&self) -> Option<Ticket> {
        if self.closed.load(Ordering::SeqCst) {
            return None;
        }
        let admitted = self.admitted.clone().try_acquire_owned().ok()?;
        Some(Ticket {
            _admitted: admitted,
            running: self.running.clone(),
            give_up: self.give_up.subscribe(),
        })
    }

    /// Jobs admitted and not yet finished.
    pub fn in_flight(&self) -> usize {
        self.capacity as usize - self.admitted.available_permits()
    }

    /// Admits no more; waits until every admitted job has finished, for at
    /// most `grace`, then tells the rest to give up and waits a little for
    /// them to record it. Returns how many were still unfinished after the
    /// grace.
    pub async fn stop(&self, grace: Duration) -> usize {
        self.closed.store(true, Ordering::SeqCst);
        let all = self.admitted.acquire_many(self.capacity);
        let Err(_) = tokio::time::timeout(grace, all).await else {
            return 0;
        };
        let left = self.in_flight();
        tracing::warn!(
            jobs = left,
            "shutdown grace over: unfinished background jobs give up"
        );
        let _ = self.give_up.send(true);
        let all = self.admitted.acquire_many(self.capacity);
        if tokio::time::timeout(GIVE_UP_WAIT, all).await.is_err() {
            tracing::error!(
                jobs = self.in_flight(),
                "background jobs did not stop; their TAXII statuses stay pending until the next start fails them"
            );
        }
        left
    }
}

impl Ticket {
    /// Waits for a running place; the job runs while it holds it.
    pub async fn running(&self) -> Option<OwnedSemaphorePermit> {
        self.running.clone().acquire_owned().await.ok()
    }

    /// A signal that completes once the server gives up on unfinished
    /// jobs (the shutdown grace is over); never, until then.
    pub fn given_up(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.give_up.clone();
        async move {
            if rx.wait_for(|g| *g).await.is_err() {
                // The sender went with the server: nothing will ever give up.
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn admits_up_to_running_and_waiting_places_then_none_and_none_once_stopping() {
        let jobs = Arc::new(Jobs::new(1, 1));
        let a = jobs.admit().expect("first");
        let b = jobs.admit().expect("second");
        assert!(jobs.admit().is_none(), "both places taken");
        assert_eq!(jobs.in_flight(), 2);
        let run_a = a.running().await.expect("runs");
        let waiting = tokio::time::timeout(Duration::from_millis(50), b.running()).await;
        assert!(waiting.is_err(), "one runs at a time");
        drop((run_a, a));
        assert!(b.running().await.is_some());
        assert_eq!(jobs.in_flight(), 1);

        // Stopping: nothing more is admitted; the job left gets its grace,
        // then is told to give up.
        let gave_up = b.given_up();
        let stopping = tokio::spawn({
            let jobs = jobs.clone();
            async move { jobs.stop(Duration::from_millis(100)).await }
        });
        while !jobs.closed.load(Ordering::SeqCst) {
            tokio::task::yield_now().await;
        }
        assert!(jobs.admit().is_none(), "stopping");
        gave_up.await;
        drop(b);
        assert_eq!(stopping.await.expect("join"), 1);
        assert_eq!(jobs.in_flight(), 0);
    }

    #[tokio::test]
    async fn stop_returns_once_every_job_finished_within_the_grace() {
        let jobs = Arc::new(Jobs::new(2, 0));
        let t = jobs.admit().expect("admitted");
        let finishing = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(t);
        });
        assert_eq!(jobs.stop(Duration::from_secs(10)).await, 0);
        finishing.await.expect("join");
    }
}
