//! Limits on every request but health and metrics: at most
//! `max_concurrent_requests` handled at once and `max_queued_requests`
//! waiting for a place (past that, 503 `server-busy` with `Retry-After` at
//! once, before the body is read), and `request_timeout_secs` from arrival
//! to the answer's head (waiting included; 503 `request-timeout`). A
//! request stopped by the timeout is dropped: its open transaction rolls
//! back, and work that must not be cut (TAXII adds, password checks) runs
//! in tasks of its own.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::error::ApiError;
use super::i18n::api_lang;

/// Seconds a client refused at the request limit is asked to wait.
pub(crate) const RETRY_AFTER_SECS: u16 = 1;

/// The configured limits.
#[derive(Debug)]
pub struct RequestLimits {
    timeout: Option<Duration>,
    /// Places for requests being handled; `None`: no limit.
    running: Option<Arc<Semaphore>>,
    /// Places for requests handled or waiting.
    admitted: Option<Arc<Semaphore>>,
    capacity: usize,
}

impl RequestLimits {
    /// `timeout_secs` 0 and `concurrency` 0 mean no limit.
    pub fn new(timeout_secs: u64, concurrency: usize, queue: usize) -> Self {
        let limited = concurrency > 0;
        Self {
            timeout: (timeout_secs > 0).then(|| Duration::from_secs(timeout_secs)),
            running: limited.then(|| Arc::new(Semaphore::new(concurrency))),
            admitted: limited.then(|| Arc::new(Semaphore::new(concurrency + queue))),
            capacity: concurrency + queue,
        }
    }

    /// Requests handled or waiting now (0 without a limit).
    pub fn in_use(&self) -> usize {
        self.admitted
            .as_ref()
            .map_or(0, |a| self.capacity - a.available_permits())
    }
}

/// The middleware applying [`RequestLimits`].
pub async fn limit(State(l): State<Arc<RequestLimits>>, req: Request, next: Next) -> Response {
    let lang = api_lang(req.headers());
    let admitted = match &l.admitted {
        Some(a) => match a.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => return ApiError::busy(lang, RETRY_AFTER_SECS).into_response(),
        },
        None => None,
    };
    let handled = async {
        let _running = match &l.running {
            Some(r) => r.acquire().await.ok(),
            None => None,
        };
        let res = next.run(req).await;
        drop(admitted);
        res
    };
    match l.timeout {
        Some(d) => match tokio::time::timeout(d, handled).await {
            Ok(res) => res,
            Err(_) => {
                tracing::warn!(secs = d.as_secs(), "request timed out");
                ApiError::timed_out(lang, d.as_secs()).into_response()
            }
        },
        None => handled.await,
    }
}
