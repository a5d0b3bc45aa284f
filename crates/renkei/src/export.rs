//! `renkei export`: what one organisation may read, as a STIX bundle or in
//! an indicator format (csv, suricata, zeek, rpz, blocklist).

use std::io::Write;
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
    /// Indicator value kinds, comma-separated (e.g. `ipv4,domain`); a
    /// blocklist holds exactly one (`--type ipv4`).
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

/// Writes what `org` may read in an export format to `output` (or
/// stdout), a chunk at a time as the store is read.
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
    // A collection the organisation may not see is not found, as a
    // missing one (checked before any output is created).
    if let Some(id) = &collection {
        renkei_server::share::exports::visible_collection(store, &actor, id).await?;
    }
    let req = if format == "stix" {
        None
    } else {
        let fmt = renkei_stix::ExportFormat::parse(format)?;
        let kinds = kinds
            .unwrap_or_default()
            .split(',')
            .filter(|k| !k.trim().is_empty())
            .map(renkei_core::ValueKind::parse)
            .collect::<Result<Vec<_>, _>>()?;
        fmt.kinds(&kinds)?;
        Some(renkei_server::share::IndicatorExport {
            format: fmt,
            kinds,
            collection: collection.clone(),
            valid_at: (!all).then(|| renkei_core::Timestamp::now().0),
        })
    };
    let out: Box<dyn Write + Send> = match output {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("writing {}", p.display()))?)
        }
        None => Box::new(std::io::stdout()),
    };
    let mut sink = WriteSink(out);
    match req {
        None => {
            let n = renkei_server::share::export_bundle(
                store,
                &actor,
                collection.as_deref(),
                &mut sink,
            )
            .await?;
            eprintln!("{n} objects written");
        }
        Some(req) => {
            let stats = renkei_server::share::export(store, &actor, &req, &mut sink).await?;
            eprintln!(
                "{} written, {} left out: {}",
                stats.written,
                stats.skipped,
                stats.left_out_text()
            );
        }
    }
    sink.0.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Chunks of the export written straight on (a file, standard output).
struct WriteSink(Box<dyn Write + Send>);

#[async_trait::async_trait]
impl renkei_server::share::ExportSink for WriteSink {
    async fn put(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.0.write_all(&chunk)
    }
}
