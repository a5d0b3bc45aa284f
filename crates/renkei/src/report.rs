//! `renkei report export`: one report (a version, or every version) as
//! JSON or an `.xlsx` workbook, read through the store as a user — the
//! store's access rule decides, and the read is audited as theirs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use renkei_core::{Actor, Email};
use renkei_server::Settings;
use renkei_server::report_export::{ExportFormat, export};
use renkei_store::Store;

use crate::DbArgs;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Export a report as JSON or an .xlsx workbook (one sheet per version).
    Export(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    /// The report's id.
    id: i64,
    /// `json` or `xlsx`.
    #[arg(long)]
    format: String,
    /// Only this version (default: every submitted version, oldest first).
    #[arg(long)]
    version: Option<i64>,
    /// Write here (default: `report-<id>[-v<version>].<format>` in the
    /// current directory; `-` for standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// The user (e-mail) whose access decides, and whom the audit names.
    #[arg(long = "as", value_name = "EMAIL")]
    as_user: String,
    /// Settings whose report profiles are in force (`report_profiles_dir`,
    /// `report_overrides`); the shipped profiles if absent.
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(command: ReportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReportCommand::Export(args) => export_report(args).await,
    }
}

async fn export_report(a: ExportArgs) -> anyhow::Result<ExitCode> {
    let format = ExportFormat::parse(&a.format)
        .map_err(|_| anyhow::anyhow!("--format: {:?} is neither json nor xlsx", a.format))?;
    let settings = match &a.config {
        Some(c) => Settings::load(Some(c)).map_err(|e| anyhow::anyhow!("configuration: {e}"))?,
        None => Settings::defaults(),
    };
    let profiles =
        renkei_server::load_profiles(&settings).map_err(|e| anyhow::anyhow!("profiles: {e}"))?;
    let store = a.db.open().await?;
    let actor = actor_for(store.as_ref(), &a.as_user).await?;
    let got = export(store.as_ref(), &profiles, &actor, a.id, a.version, format)
        .await
        .map_err(|e| match e.code {
            Some(code) => anyhow::anyhow!("{code}: {}", e.detail),
            None => anyhow::anyhow!("{}", e.detail),
        })?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(&got.file_name));
    write_out(&out, &got.bytes)?;
    if out != Path::new("-") {
        eprintln!("{} ({} bytes) written", out.display(), got.bytes.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// The user named by `email`, acting from the command line.
async fn actor_for(store: &dyn Store, email: &str) -> anyhow::Result<Actor> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--as: {e}"))?;
    let Some(c) = store.credentials(&email).await? else {
        bail!("--as: no user {email}");
    };
    if !c.user.active {
        bail!("--as: {email} is deactivated");
    }
    Ok(Actor {
        viewer: store.viewer_for_user(c.user.id).await?,
        label: email.to_string(),
        source: "cli".into(),
        system: false,
    })
}

fn write_out(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if out == Path::new("-") {
        let mut o = std::io::stdout().lock();
        o.write_all(bytes)?;
        return Ok(o.flush()?);
    }
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}
