//! `renkei`: the one binary — server, demo, administration, audit checks.
//!
//! This file holds the command line and sends each command to its module.

mod admin;
mod audit;
mod bench;
mod demo;
mod demo_reports;
mod export;
mod import;
mod report;
mod serve;

/// mimalloc rather than glibc's allocator: a TAXII page allocates and
/// frees per row and per request, and glibc's `malloc`/`free` were a large
/// share of the server's CPU under load (BENCHMARKS.md, "mimalloc as the
/// global allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use renkei_store::Store;

#[derive(Parser)]
#[command(
    name = "renkei",
    version,
    about = "renkei (連携): threat-information sharing under need-to-know"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run on an embedded SQLite store with a demo world loaded.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Data directory (created if missing; re-runs keep the data).
        #[arg(long, default_value = "./renkei-data")]
        data: PathBuf,
        /// Load the demo into this database instead (e.g. postgres://…).
        #[arg(long)]
        database: Option<String>,
        /// Settings to start from (e.g. OIDC providers); `--listen`,
        /// `--data` and `--database` still decide where the demo runs.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run the server from a configuration file (plus RENKEI__* variables).
    Serve {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Manage organisations, users, communities, links and tokens.
    Admin {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Export what an organisation may read: stix, csv, suricata, zeek,
    /// rpz or blocklist.
    Export(export::ExportArgs),
    /// Incident reports: export one as JSON or .xlsx.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Import intelligence from a file.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Measured runs (see BENCHMARKS.md and bench/).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Check the audit chain.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
}

// Where the store is. No doc comment: clap would take it as help text.
#[derive(Args)]
struct DbArgs {
    /// Data directory of an embedded store.
    #[arg(long, global = true, conflicts_with = "database")]
    data: Option<PathBuf>,
    /// Database URL (sqlite:… or postgres://…).
    #[arg(
        long,
        global = true,
        env = "RENKEI__DATABASE_URL",
        hide_env_values = true
    )]
    database: Option<String>,
}

impl DbArgs {
    fn url(&self) -> String {
        match (&self.database, &self.data) {
            (Some(u), _) => u.clone(),
            (None, Some(d)) => sqlite_url(d),
            (None, None) => sqlite_url(Path::new("./renkei-data")),
        }
    }

    async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        let url = self.url();
        renkei_store::open(&url)
            .await
            .with_context(|| "opening the store".to_owned())
    }
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("renkei.db").display())
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json { b.json().init() } else { b.init() }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo {
            listen,
            data,
            database,
            config,
        } => serve::demo(listen, &data, database, config.as_deref()).await,
        Command::Serve { config } => serve::from_config(config.as_deref()).await,
        Command::Admin { db, command } => {
            let store = db.open().await?;
            admin::run(store.as_ref(), command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command } => import::run(command).await,
        Command::Export(args) => export::run(args).await,
        Command::Report { command } => report::run(command).await,
        Command::Bench { command } => {
            bench::run(command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => audit::run(command).await,
    }
}
