//! `renkei export`: what one organisation may read, as a STIX bundle or in
//! an indicator format (csv, suricata, zeek, rpz, blocklist).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use renkei_core::{Actor, OrgId};
use renkei_store::Store;

use crate::DbArgs;

#[derive(Args)]
pub struct ExportArgs {
    format: String,
    /// The organisation whose access decides what is exported.
    #[arg(long)]
    org: i64,
    #[arg(long)]
    collection: Option<String>,
    /// Indicator value kinds, comma-separated (e.g. `ipv4,domain`).
    #[arg(long = "type")]
    kinds: Option<String>,
    /// Include indicators no longer (or not yet) valid.
    #[arg(long)]
    all: bool,
    /// Write here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

/// Opens the store named in the arguments and writes the export.
pub async fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let ExportArgs {
        format,
        org,
        collection,
        kinds,
        all,
        output,
        db,
    } = args;
    let store = db.open().await?;
    export(
        store.as_ref(),
        &format,
        OrgId(org),
        collection,
        kinds.as_deref(),
        all,
        output.as_deref(),
    )
    .await
}

/// Writes what `org` may read in an export format to `output` (or stdout).
async fn export(
    store: &dyn Store,
    format: &str,
    org: OrgId,
    collection: Option<String>,
    kinds: Option<&str>,
    all: bool,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let actor = Actor {
        viewer: store.org_viewer(org).await?,
        label: format!("cli export {format}"),
        source: "cli".into(),
        system: false,
    };
    let mut out = Vec::new();
    if format == "stix" {
        renkei_server::share::export_bundle(store, &actor, collection.as_deref(), &mut out).await?;
    } else {
        let fmt = renkei_stix::ExportFormat::parse(format)?;
        let kinds = kinds
            .unwrap_or_default()
            .split(',')
            .filter(|k| !k.trim().is_empty())
            .map(renkei_core::ValueKind::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let q = renkei_store::index::IndexQuery {
            kinds,
            collection,
            valid_at: (!all).then(|| renkei_core::Timestamp::now().0),
            ..Default::default()
        };
        let stats = renkei_server::share::export(store, &actor, fmt, q, &mut out).await?;
        eprintln!("{} written, {} left out", stats.written, stats.skipped);
    }
    match output {
        Some(p) => std::fs::write(p, &out).with_context(|| format!("writing {}", p.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
