//! `renkei bench`: measured runs on a real store, printed as figures.
//!
//! - `taxii`: the load comes from outside (`wrk`, see `bench/taxii.sh`), so
//!   the server is measured as deployed, not through an in-process shortcut.
//! - `correlate`: indicator ingest and value look-ups through the store
//!   trait, exactly as the REST look-up and the portal call it (access rule
//!   and read audit included), with a text-scan baseline timed in the same
//!   run (see `bench/correlate.sh`).
//! - `report-queue`: the coordinator's queue of reports with every clock
//!   computed, and the submission of a version, through the store and the
//!   server's clock functions (see `report_queue` and `bench/report_queue.sh`).
//! - `import-feed` and `parse-only`: a generated feed file and a store
//!   ready for `renkei import`, and the parse-only baseline of
//!   `bench/import.sh`, which times the import in a process of its own.
//!
//! This module holds what both share: the command line, opening the store,
//! the bench organisation and its user, and loading in batches.

mod correlate;
mod import;
mod report_data;
mod report_queue;
mod taxii;

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use renkei_core::model::{NewCollection, NewCommunity, NewOrg, NewUser};
use renkei_core::{Actor, Email, OrgKind, Role, Tlp, UserId};
use renkei_store::Store;
use renkei_store::intel::{AddOutcome, StixQuery};

use crate::DbArgs;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Load N STIX indicators (reporting the ingest rate), then serve TAXII
    /// for an external load generator; writes `next` tokens at random
    /// positions to --tokens.
    Taxii {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 10_000)]
        objects: u64,
        #[arg(long, default_value = "127.0.0.1:8099")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value = "target/bench-tokens.txt")]
        tokens: PathBuf,
    },
    /// Load N STIX indicators with realistic values through the sharing
    /// path (reporting the ingest rate), then time value look-ups through
    /// the index (one task and --concurrency tasks) against a text-scan
    /// baseline in the same run.
    Correlate {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 10_000)]
        objects: u64,
        #[arg(long, default_value_t = 20_000)]
        lookups: u64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Marking of the loaded indicators (green: look-ups are audited).
        #[arg(long, default_value = "green")]
        tlp: String,
        /// At most this many baseline look-ups …
        #[arg(long, default_value_t = 50)]
        baseline_lookups: u64,
        /// … and for at most this long.
        #[arg(long, default_value_t = 60)]
        baseline_seconds: u64,
        /// Name of the store in the RESULT line.
        #[arg(long, default_value = "store")]
        label: String,
        /// Skip ANALYZE (measure a store without planner statistics).
        #[arg(long)]
        no_analyze: bool,
    },
    /// Load --reports incident reports across the six shipped regimes,
    /// addressed to one coordinator (a --sample through the store API, the
    /// rest through the bulk path), then time the coordinator's first queue
    /// page (limit 50) with and without every clock computed, and the
    /// submission of a version; p50/p95/p99/max per case.
    ReportQueue {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 100_000)]
        reports: u64,
        /// Reporting organisations (a sector each, in turn).
        #[arg(long, default_value_t = 1_000)]
        orgs: u64,
        /// Reports filed through the store API (and measured alone first).
        #[arg(long, default_value_t = 1_000)]
        sample: u64,
        /// Pages timed per case and way.
        #[arg(long, default_value_t = 300)]
        rounds: u64,
        /// Versions submitted (half through the server's path).
        #[arg(long, default_value_t = 1_000)]
        submissions: u64,
        /// Name of the store in the RESULT lines.
        #[arg(long, default_value = "store")]
        label: String,
    },
    /// Write a feed file of --lines lines (a `#` comment header, then one
    /// IPv4 address, network, domain, URL or SHA-256 per line) and make the
    /// bench organisation and collection in the store, printing their ids
    /// for `renkei import` (see `bench/import.sh`).
    ImportFeed {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 100_000)]
        lines: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Read and parse a list file as `renkei import text|csv` does, and stop
    /// there (the baseline of `bench/import.sh`).
    ParseOnly {
        file: PathBuf,
        #[arg(long, default_value = "text")]
        format: String,
    },
}

/// Opens the store named on the command line (creating an embedded
/// store's directory) and runs the bench.
pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    crate::init_tracing(false);
    let db = match &command {
        BenchCommand::ParseOnly { file, format } => return import::parse_only(file, format),
        BenchCommand::Taxii { db, .. }
        | BenchCommand::Correlate { db, .. }
        | BenchCommand::ReportQueue { db, .. }
        | BenchCommand::ImportFeed { db, .. } => db,
    };
    if let Some(dir) = &db.data {
        std::fs::create_dir_all(dir)?;
    }
    match command {
        BenchCommand::ImportFeed { db, lines, out } => {
            let store = db.open().await?;
            import::import_feed(store.as_ref(), &out, lines).await
        }
        BenchCommand::ParseOnly { .. } => unreachable!("handled above"),
        BenchCommand::ReportQueue {
            db,
            reports,
            orgs,
            sample,
            rounds,
            submissions,
            label,
        } => {
            let store = db.open().await?;
            let opt = report_queue::ReportQueueOptions {
                reports,
                orgs,
                sample,
                rounds: rounds.max(1),
                submissions,
                label,
            };
            report_queue::report_queue(store, &opt).await
        }
        BenchCommand::Taxii {
            db,
            objects,
            listen,
            tokens,
        } => {
            let store = db.open().await?;
            taxii::taxii(store, objects, listen, &tokens).await
        }
        BenchCommand::Correlate {
            db,
            objects,
            lookups,
            concurrency,
            tlp,
            baseline_lookups,
            baseline_seconds,
            label,
            no_analyze,
        } => {
            let tlp = renkei_core::Tlp::parse(&tlp.to_ascii_uppercase())
                .map_err(|e| anyhow::anyhow!("--tlp: {e}"))?;
            let store = db.open().await?;
            let opt = correlate::CorrelateOptions {
                objects,
                lookups,
                concurrency: concurrency.max(1),
                tlp,
                baseline_lookups,
                baseline_seconds,
                label,
                no_analyze,
            };
            correlate::correlate(store, &opt).await
        }
    }
}

const BENCH_ORG: &str = "ベンチマーク事業者";
const BATCH: usize = 5_000;
/// The bench organisation's user, who owns the loaded data.
const BENCH_EMAIL: &str = "bench@bench.example.jp";

/// Builds batches of objects `from..to` on a blocking thread, a batch or
/// two ahead of the caller that stores them: the TAXII server likewise validates
/// a request before answering it and stores it in a task of its own
/// (`taxii::add_objects`), so a client posting one envelope after another
/// keeps both going. Stops at the first error, which it sends.
fn batches<T, F>(
    from: u64,
    to: u64,
    build: F,
) -> tokio::sync::mpsc::Receiver<anyhow::Result<Vec<T>>>
where
    T: Send + 'static,
    F: Fn(u64) -> anyhow::Result<T> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::task::spawn_blocking(move || {
        let mut n = from;
        while n < to {
            let end = (n + BATCH as u64).min(to);
            let batch: anyhow::Result<Vec<T>> = (n..end).map(&build).collect();
            let failed = batch.is_err();
            if tx.blocking_send(batch).is_err() || failed {
                return;
            }
            n = end;
        }
    });
    rx
}

/// Whether to refresh the planner's statistics after `n` objects: at
/// every power of two of batches and every 200,000 objects.
fn analyze_due(n: u64) -> bool {
    (n / BATCH as u64).is_power_of_two() || n.is_multiple_of(200_000)
}

/// Fails naming the first object the store refused, if it refused any.
fn ensure_stored(out: &AddOutcome) -> anyhow::Result<()> {
    anyhow::ensure!(
        out.failures.is_empty(),
        "refused: {:?}",
        out.failures.first()
    );
    Ok(())
}

async fn count(
    store: &dyn Store,
    actor: &Actor,
    col: &renkei_core::model::Collection,
) -> anyhow::Result<u64> {
    let mut n = 0;
    let mut q = StixQuery::new(10_000);
    loop {
        let page = store.stix_page(actor, col, &q).await?;
        n += page.rows.len() as u64;
        match page.rows.last() {
            Some(l) if page.more => q.after = Some((l.date_added, l.pk)),
            _ => return Ok(n),
        }
    }
}

/// The bench organisation, community, collection, user and token (created once).
async fn setup(
    store: &dyn Store,
    sys: &Actor,
) -> anyhow::Result<(renkei_core::model::Collection, String)> {
    let secret =
        "rk_bench_0000000000000000000000000000000000000000000000000000000000000000".to_owned();
    if store
        .list_orgs()
        .await?
        .iter()
        .any(|o| o.name_ja == BENCH_ORG)
    {
        let col = store
            .list_collections()
            .await?
            .into_iter()
            .next()
            .context("bench collection")?;
        return Ok((col, secret));
    }
    let org = store
        .create_org(
            sys,
            NewOrg {
                name_ja: BENCH_ORG.into(),
                name_en: "Bench operator".into(),
                kind: OrgKind::Operator,
                sector: None,
                prefecture: None,
            },
        )
        .await?;
    let user = store
        .create_user(
            sys,
            NewUser {
                org: org.id,
                email: Email::parse(BENCH_EMAIL)?,
                display_name: "bench".into(),
                role: Role::Admin,
                password_hash: "!".into(),
            },
        )
        .await?;
    let c = store
        .create_community(
            sys,
            NewCommunity {
                name_ja: "ベンチ".into(),
                name_en: "Bench".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await?;
    let m = store.add_membership(sys, c.id, org.id).await?;
    let admin = user_actor(store, user.id, "bench").await?;
    store.accept_terms(&admin, m.id).await?;
    let col = store
        .create_collection(
            sys,
            NewCollection {
                community: c.id,
                title: "bench".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await?;
    store
        .create_api_token(
            sys,
            org.id,
            "bench",
            Role::Reporter,
            &renkei_server::http::auth::secret_hash(&secret),
        )
        .await?;
    Ok((col, secret))
}

/// The bench organisation's user (see [`setup`]) as an actor.
async fn owner(store: &dyn Store) -> anyhow::Result<Actor> {
    let user = store
        .list_users(None)
        .await?
        .into_iter()
        .find(|u| u.email.as_str() == BENCH_EMAIL)
        .context("bench user")?;
    user_actor(store, user.id, "bench").await
}

/// A user as an actor of the bench, reading under the access rule like
/// anyone signed in (not as the system).
async fn user_actor(store: &dyn Store, user: UserId, label: &str) -> anyhow::Result<Actor> {
    Ok(Actor {
        viewer: store.viewer_for_user(user).await?,
        label: label.into(),
        source: "bench".into(),
        system: false,
    })
}
