//! `renkei serve` and `renkei demo`: the HTTP server, started from a
//! configuration file or on a demo world.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use renkei_server::{AppState, Settings};
use renkei_store::Store;

use crate::{demo, init_tracing, sqlite_url};

/// `renkei demo`: loads the demo world into `data` (or `database`), prints
/// who can sign in, and serves on `listen`, with the settings of `config`
/// (plus `RENKEI__*` variables) if given, else the defaults.
pub async fn demo(
    listen: std::net::SocketAddr,
    data: &Path,
    database: Option<String>,
    config: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    init_tracing(false);
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let mut settings = match config {
        Some(c) => Settings::load(Some(c)).map_err(|e| anyhow::anyhow!("configuration: {e}"))?,
        None => Settings::defaults(),
    };
    settings.listen = listen;
    settings.database_url = database.unwrap_or_else(|| sqlite_url(data)).into();
    let store = renkei_store::open(settings.database_url())
        .await
        .context("opening the demo store")?;
    let accounts = demo::load(store.as_ref(), data).await?;
    let (listener, addr) = renkei_server::build(&settings).await.context("binding")?;
    // The banner is best effort: a closed stdout must not stop the server.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "renkei demo: http://{addr}/");
    let _ = writeln!(out, "data: {}", data.display());
    let _ = writeln!(out, "demo password (all accounts): {}", accounts.password);
    for (email, what) in &accounts.users {
        let _ = writeln!(out, "  {email:<36} {what}");
    }
    let _ = out.flush();
    drop(out);
    serve(listener, store, settings).await?;
    Ok(ExitCode::SUCCESS)
}

/// `renkei serve`: the server from a configuration file (plus `RENKEI__*`
/// variables).
pub async fn from_config(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    init_tracing(settings.log_json);
    tracing::info!(?settings, "starting");
    if settings.webhook_secret_key.is_none() {
        tracing::warn!(
            "webhook_secret_key is not set: webhook signing secrets are stored unsealed"
        );
    }
    if settings.mfa_secret_key.is_none() {
        tracing::warn!("mfa_secret_key is not set: TOTP secrets are stored unsealed");
    }
    let store = renkei_store::open(settings.database_url())
        .await
        .context("opening the store")?;
    let (listener, addr) = renkei_server::build(&settings).await.context("binding")?;
    tracing::info!(%addr, "listening");
    serve(listener, store, settings).await?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    settings: Settings,
) -> anyhow::Result<()> {
    let state = AppState::new(store, settings);
    renkei_server::run(listener, state, renkei_server::shutdown_signal())
        .await
        .context("serving")
}
