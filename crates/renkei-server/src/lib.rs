//! renkei's HTTP face: REST API with its OpenAPI document, the web portal,
//! authentication, health and metrics. The only crate that knows HTTP.
//!
//! One room per capability (`directory`, `share`, `audit`, and `ops` for
//! operators), each with its REST endpoints, portal pages and workers, over
//! the shared `http` room. Rooms use `http`, never each other; this file
//! merges their routes.

mod audit;
pub mod config;
mod directory;
pub mod http;
pub mod mail;
pub mod oidc;
mod openapi;
mod ops;
mod overview;
mod report;

/// One sweep of the reports' deadline reminders (the server runs it on a
/// schedule; tests run it at an instant of their choosing).
pub use report::reminders::sweep as sweep_report_reminders;
pub mod retention;
pub mod sealed;
pub mod share;
mod start;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use audit::checkpoints;
pub use config::Settings;
pub use http::AppState;
pub use report::export as report_export;
pub use report::indicators as report_indicators;
pub use report::{
    AlertDraft, canonical, check_values, load_profiles, next_due, next_due_after, publish_alert,
    report_clocks, report_page,
};

/// The whole application as a `Router`, for serving or for calling in-process.
pub fn app(state: AppState) -> Router {
    let limit = state.settings.max_body_bytes;
    Router::new()
        .merge(openapi::routes())
        .merge(http::page::routes())
        .merge(directory::routes())
        .merge(share::routes(state.settings.taxii_max_content_length))
        .merge(audit::routes())
        .merge(overview::routes())
        .merge(report::routes())
        .merge(start::routes())
        .fallback(http::page::unknown_path)
        .layer(axum::middleware::from_fn_with_state(
            state.limits.clone(),
            http::limits::limit,
        ))
        // Health and metrics stay outside the limits: a busy server must
        // not look dead to its orchestrator, nor hide why it is busy.
        .merge(ops::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            http::metrics::track,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RedactedSpan(DefaultMakeSpan::new().level(Level::INFO)))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Request spans as `DefaultMakeSpan` makes them, except that a password
/// reset link's secret (its path, `/reset/{secret}`) never reaches the log.
#[derive(Clone, Debug)]
struct RedactedSpan(DefaultMakeSpan);

impl<B> tower_http::trace::MakeSpan<B> for RedactedSpan {
    fn make_span(&mut self, req: &axum::http::Request<B>) -> tracing::Span {
        if !req.uri().path().starts_with("/reset/") {
            return self.0.make_span(req);
        }
        tracing::info_span!(
            "request",
            method = %req.method(),
            uri = "/reset/[redacted]",
            version = ?req.version(),
        )
    }
}

/// Binds the configured address (port 0 picks a free one).
pub async fn build(settings: &Settings) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves (and runs the webhook worker, the audit checkpoint schedule and
/// retention) until `shutdown` completes, then finishes in-flight requests,
/// the TAXII adds already accepted (for at most `shutdown_grace_secs`;
/// those left complete failed) and the worker's round in progress. Before
/// serving, fails TAXII statuses a stopped process left pending. With
/// `metrics_listen` set, also serves `/metrics` there.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let now = renkei_core::Timestamp::now();
    match retention::fail_stale(state.store.as_ref(), &state.settings, now).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            statuses = n,
            "TAXII adds a stopped process left pending are now failed"
        ),
        Err(e) => tracing::error!(error = %e, "could not fail TAXII statuses left pending"),
    }
    let metrics = match state.settings.metrics_listen {
        Some(addr) => {
            let l = TcpListener::bind(addr).await?;
            tracing::info!(addr = %l.local_addr()?, "metrics listening");
            Some(l)
        }
        None => None,
    };
    // One shutdown signal for both listeners; from it, accepted TAXII adds
    // have their grace (it must run while requests still wait on them).
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let jobs = state.jobs.clone();
    let grace = std::time::Duration::from_secs(state.settings.shutdown_grace_secs);
    let draining = tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
        jobs.stop(grace).await
    });
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let worker = share::webhooks::start(&state);
    let mail = state.mail.clone();
    let checkpoints = audit::checkpoints::start(&state);
    let retention = retention::start(&state);
    let reminders = report::reminders::start(&state);
    let side = metrics.map(|l| {
        axum::serve(l, ops::metrics_app(state.clone()))
            .with_graceful_shutdown(until_stopped(stopped.clone()))
    });
    let main = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(until_stopped(stopped.clone()));
    let (served, side) = tokio::join!(main.into_future(), async {
        match side {
            Some(s) => s.await,
            None => Ok(()),
        }
    });
    if *stopped.borrow() {
        let _ = draining.await;
    } else {
        // Serving failed before any shutdown: nothing waits to be drained.
        draining.abort();
    }
    worker.stop().await;
    checkpoints.stop().await;
    retention.stop().await;
    reminders.stop().await;
    // Messages already accepted get the same grace to go out.
    mail.stop(grace).await;
    served.and(side)
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
