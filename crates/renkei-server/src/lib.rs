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
mod openapi;
mod ops;
pub mod sealed;
pub mod share;

use std::future::Future;
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

/// The whole application as a `Router`, for serving or for calling in-process.
pub fn app(state: AppState) -> Router {
    let limit = state.settings.max_body_bytes;
    Router::new()
        .merge(ops::routes())
        .merge(openapi::routes())
        .merge(http::page::routes())
        .merge(directory::routes())
        .merge(share::routes(state.settings.taxii_max_content_length))
        .merge(audit::routes())
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
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Binds the configured address (port 0 picks a free one).
pub async fn build(settings: &Settings) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves (and runs the webhook worker and the audit checkpoint schedule)
/// until `shutdown` completes, then finishes in-flight requests and the
/// worker's round in progress.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let worker = share::webhooks::start(&state);
    let checkpoints = audit::checkpoints::start(&state);
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    worker.stop().await;
    checkpoints.stop().await;
    served
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
