//! Parsing and validating what clients send in bulk (imports of up to
//! 16 MiB, TAXII adds of up to 100,000 objects) is CPU work of seconds:
//! it runs on blocking threads, so the async workers keep answering other
//! requests, and no more at once than `parse_concurrency` (one per core by
//! default; tokio's blocking pool itself would start hundreds of threads),
//! with at most `parse_queue` more waiting. Past that a request is refused
//! (503 with `Retry-After`) rather than queued without bound; large bodies
//! take their place before they are read (`ParsePool::place`), so the
//! memory they hold is bounded by the places too.

use std::sync::Arc;

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;
use super::i18n::Lang;

/// Seconds a client refused by a full pool is asked to wait.
pub(crate) const RETRY_AFTER_SECS: u16 = 2;

/// The bounded pool of blocking threads that parsing runs on.
#[derive(Debug)]
pub struct ParsePool {
    running: Arc<Semaphore>,
    /// Places for running and waiting parses together.
    admitted: Arc<Semaphore>,
}

/// Why a parse did not run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseRefused {
    /// Every place (running and waiting) is taken.
    Busy,
    /// The parse panicked (a bug; it is logged).
    Failed,
}

impl ParseRefused {
    /// The answer to give the client.
    pub(crate) fn error(self, lang: Lang) -> ApiError {
        match self {
            Self::Busy => ApiError::busy(lang, RETRY_AFTER_SECS),
            Self::Failed => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "the input could not be read",
            ),
        }
    }
}

impl ParsePool {
    /// `concurrency` parses at once (0: one per CPU core), `queue` more waiting.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let n = match concurrency {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        Self {
            running: Arc::new(Semaphore::new(n)),
            admitted: Arc::new(Semaphore::new(n + queue)),
        }
    }

    /// Runs `f` on a blocking thread once a thread is free; refused at once
    /// when no place (running or waiting) is left.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ParseRefused> {
        self.place()?.run(f).await
    }

    /// A place now, for parses to come: taken before a large body is read,
    /// so that a request refused here has cost no memory.
    pub fn place(&self) -> Result<ParsePlace, ParseRefused> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| ParseRefused::Busy)?;
        Ok(ParsePlace {
            admitted: Arc::new(admitted),
            running: self.running.clone(),
        })
    }
}

/// A place on the pool, held until dropped (and while a parse it started
/// still runs).
#[derive(Debug)]
pub struct ParsePlace {
    admitted: Arc<OwnedSemaphorePermit>,
    running: Arc<Semaphore>,
}

impl ParsePlace {
    /// Runs `f` on a blocking thread once one of the pool's threads is free.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ParseRefused> {
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ParseRefused::Busy)?;
        // The permits move into the job: a request that goes away does not
        // free its place while its parse still runs.
        let admitted = self.admitted.clone();
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop((running, admitted));
            out
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "parse job failed");
            ParseRefused::Failed
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_running_and_waiting_places_a_parse_is_refused_without_running() {
        let pool = Arc::new(ParsePool::new(1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let ran = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let first = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move || {
                    let _ = hold.recv();
                    1
                })
                .await
            })
        };
        // The first runs (holding the one thread), the second waits.
        while pool.running.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let second = {
            let (pool, ran) = (pool.clone(), ran.clone());
            tokio::spawn(async move {
                pool.run(move || ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                    .await
            })
        };
        while pool.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let ran3 = ran.clone();
        let third = pool
            .run(move || ran3.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
            .await;
        assert_eq!(third, Err(ParseRefused::Busy));
        release.send(()).expect("release");
        assert_eq!(first.await.expect("join"), Ok(1));
        assert_eq!(second.await.expect("join"), Ok(0));
        assert_eq!(
            ran.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "the refused parse never ran"
        );
    }
}
