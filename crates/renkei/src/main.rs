//! `renkei`: the one binary — server, demo, administration, audit checks.

mod bench;
mod demo;

/// mimalloc rather than glibc's allocator: a TAXII page allocates and
/// frees per row and per request, and glibc's `malloc`/`free` (with its
/// chunk consolidation) took about 15 % of the server's CPU under load
/// (`perf`, BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use renkei_core::model::{NewCommunity, NewOrg, NewUser};
use renkei_core::{
    Actor, CommunityId, Email, OrgId, OrgKind, Prefecture, Role, Sector, SupplyLink,
};
use renkei_server::{AppState, Settings};
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
        command: AdminCommand,
    },
    /// Export what an organisation may read: stix, csv, suricata, zeek,
    /// rpz or blocklist.
    Export {
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
    },
    /// Import intelligence from a file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Measured runs (see BENCHMARKS.md and bench/).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Check the audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

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

#[derive(Subcommand)]
enum ImportCommand {
    /// A STIX 2.1 bundle (or TAXII envelope): stored whole, or refused whole
    /// with every problem listed.
    Stix(ImportArgs),
    /// A MISP event (JSON export), mapped to STIX indicators and a report.
    Misp(ImportArgs),
    /// A CSV indicator list (`value[,type][,comment]`, or a header naming
    /// `value`, `type`, `comment`, `valid_until`).
    Csv(ImportArgs),
    /// Free text (a report, an e-mail): every indicator value found,
    /// defanged forms refanged.
    Text(ImportArgs),
}

#[derive(Args)]
struct ImportArgs {
    file: PathBuf,
    /// The organisation sharing it (must be a member of the collection's community).
    #[arg(long)]
    org: i64,
    /// TLP (required for lists; for STIX and MISP, for objects that carry none).
    #[arg(long)]
    tlp: Option<String>,
    /// Who else may read it: `community:ID,sector:NAME,org:ID,user:ID`.
    #[arg(long)]
    audience: Option<String>,
    /// The collection (default: the first one the organisation may add to).
    #[arg(long)]
    collection: Option<String>,
    /// Lists: store the readable lines and report the others.
    #[arg(long)]
    skip_invalid: bool,
    #[command(flatten)]
    db: DbArgs,
}

/// Largest file `renkei import` reads.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Subcommand)]
enum BenchCommand {
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
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the whole chain; exit 1 and name the first broken link if any.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Add an organisation.
    OrgCreate {
        #[arg(long)]
        name_ja: String,
        #[arg(long)]
        name_en: String,
        /// coordinator, operator, local_government, supplier, vendor, security_provider
        #[arg(long)]
        kind: String,
        #[arg(long)]
        sector: Option<String>,
        /// JIS code or name
        #[arg(long)]
        prefecture: Option<String>,
    },
    /// Add a user; the password comes from RENKEI_PASSWORD or is generated and printed.
    UserCreate {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, coordinator_analyst, reporter, viewer
        #[arg(long)]
        role: String,
    },
    /// Add a community with a confidentiality-terms version.
    CommunityCreate {
        #[arg(long)]
        name_ja: String,
        #[arg(long)]
        name_en: String,
        #[arg(long)]
        terms_version: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Make an organisation a member of a community (it still has to accept the terms).
    MembershipAdd {
        #[arg(long)]
        community: i64,
        #[arg(long)]
        org: i64,
    },
    /// Record a supply-chain link customer → contractor.
    LinkAdd {
        #[arg(long)]
        customer: i64,
        #[arg(long)]
        contractor: i64,
        #[arg(long, default_value_t = 1)]
        tier: i64,
    },
    /// Create an API bearer token; the secret is printed once.
    TokenCreate {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Add a TAXII collection to a community's API root.
    CollectionCreate {
        #[arg(long)]
        community: i64,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// TLP for objects that arrive without a TLP marking.
        #[arg(long, default_value = "GREEN")]
        default_tlp: String,
    },
    /// Register a webhook for an organisation; prints its id and signing secret (once).
    WebhookCreate {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        url: String,
        /// The server's configuration file, for `webhook_secret_key` (also
        /// read from `RENKEI__WEBHOOK_SECRET_KEY`), so that the secret is
        /// stored sealed as the server would store it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List organisations and users.
    List,
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
        } => {
            init_tracing(false);
            std::fs::create_dir_all(&data)
                .with_context(|| format!("creating {}", data.display()))?;
            let mut settings = Settings::defaults();
            settings.listen = listen;
            settings.database_url = database.unwrap_or_else(|| sqlite_url(&data)).into();
            let store = renkei_store::open(settings.database_url())
                .await
                .context("opening the demo store")?;
            let accounts = demo::load(store.as_ref(), &data).await?;
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
        Command::Serve { config } => {
            let settings = Settings::load(config.as_deref())
                .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            init_tracing(settings.log_json);
            tracing::info!(?settings, "starting");
            if settings.webhook_secret_key.is_none() {
                tracing::warn!(
                    "webhook_secret_key is not set: webhook signing secrets are stored unsealed"
                );
            }
            let store = renkei_store::open(settings.database_url())
                .await
                .context("opening the store")?;
            let (listener, addr) = renkei_server::build(&settings).await.context("binding")?;
            tracing::info!(%addr, "listening");
            serve(listener, store, settings).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { db, command } => {
            let store = db.open().await?;
            admin(store.as_ref(), command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command } => {
            let (format, args) = match command {
                ImportCommand::Stix(a) => ("stix", a),
                ImportCommand::Misp(a) => ("misp", a),
                ImportCommand::Csv(a) => ("csv", a),
                ImportCommand::Text(a) => ("text", a),
            };
            let store = args.db.open().await?;
            import(store.as_ref(), format, &args).await
        }
        Command::Export {
            format,
            org,
            collection,
            kinds,
            all,
            output,
            db,
        } => {
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
        Command::Bench {
            command:
                BenchCommand::Taxii {
                    db,
                    objects,
                    listen,
                    tokens,
                },
        } => {
            init_tracing(false);
            if let Some(dir) = &db.data {
                std::fs::create_dir_all(dir)?;
            }
            let store = db.open().await?;
            bench::taxii(store, objects, listen, &tokens).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
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
                },
        } => {
            init_tracing(false);
            if let Some(dir) = &db.data {
                std::fs::create_dir_all(dir)?;
            }
            let tlp = renkei_core::Tlp::parse(&tlp.to_ascii_uppercase())
                .map_err(|e| anyhow::anyhow!("--tlp: {e}"))?;
            let store = db.open().await?;
            let opt = bench::CorrelateOptions {
                objects,
                lookups,
                concurrency: concurrency.max(1),
                tlp,
                baseline_lookups,
                baseline_seconds,
                label,
                no_analyze,
            };
            bench::correlate(store, &opt).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let store = db.open().await?;
            match store.verify_audit().await? {
                Ok(n) => {
                    println!("audit chain intact: {n} entries");
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    println!("AUDIT CHAIN BROKEN at entry {}: {}", b.seq, b.reason);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
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

async fn admin(store: &dyn Store, command: AdminCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        AdminCommand::OrgCreate {
            name_ja,
            name_en,
            kind,
            sector,
            prefecture,
        } => {
            let o = store
                .create_org(
                    &actor,
                    NewOrg {
                        name_ja,
                        name_en,
                        kind: OrgKind::parse(&kind)?,
                        sector: sector.map(|s| Sector::parse(&s)).transpose()?,
                        prefecture: prefecture.map(|p| Prefecture::parse(&p)).transpose()?,
                    },
                )
                .await?;
            println!("organisation {} created: {}", o.id, o.name_ja);
        }
        AdminCommand::UserCreate {
            org,
            email,
            name,
            role,
        } => {
            let (password, generated) = match std::env::var("RENKEI_PASSWORD") {
                Ok(p) => (p, false),
                Err(_) => (renkei_server::auth::random_secret()[..20].to_owned(), true),
            };
            renkei_server::auth::check_password_policy(&password)?;
            let u = store
                .create_user(
                    &actor,
                    NewUser {
                        org: OrgId(org),
                        email: Email::parse(&email)?,
                        display_name: name,
                        role: Role::parse(&role)?,
                        password_hash: renkei_server::auth::hash_password(&password)?,
                    },
                )
                .await?;
            println!("user {} created: {}", u.id, u.email);
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::CommunityCreate {
            name_ja,
            name_en,
            terms_version,
            description,
        } => {
            let c = store
                .create_community(
                    &actor,
                    NewCommunity {
                        name_ja,
                        name_en,
                        description,
                        terms_version,
                    },
                )
                .await?;
            println!("community {} created: {}", c.id, c.name_ja);
        }
        AdminCommand::MembershipAdd { community, org } => {
            let m = store
                .add_membership(&actor, CommunityId(community), OrgId(org))
                .await?;
            println!(
                "membership {} created; an administrator of organisation {org} must accept the terms",
                m.id
            );
        }
        AdminCommand::LinkAdd {
            customer,
            contractor,
            tier,
        } => {
            store
                .add_supply_link(
                    &actor,
                    SupplyLink::new(OrgId(customer), OrgId(contractor), tier)?,
                )
                .await?;
            println!("link recorded: {customer} → {contractor} (tier {tier})");
        }
        AdminCommand::TokenCreate { org, name, role } => {
            let role = Role::parse(&role)?;
            if role == Role::Admin {
                bail!("role: tokens cannot administer; use reporter or viewer");
            }
            let secret = format!(
                "{}{}",
                renkei_server::auth::TOKEN_PREFIX,
                renkei_server::auth::random_secret()
            );
            let t = store
                .create_api_token(
                    &actor,
                    OrgId(org),
                    &name,
                    role,
                    &renkei_server::auth::secret_hash(&secret),
                )
                .await?;
            println!(
                "token {} created for organisation {org}; secret (shown once):\n{secret}",
                t.id
            );
        }
        AdminCommand::CollectionCreate {
            community,
            title,
            description,
            default_tlp,
        } => {
            let c = store
                .create_collection(
                    &actor,
                    renkei_core::model::NewCollection {
                        community: CommunityId(community),
                        title,
                        description,
                        default_tlp: renkei_core::Tlp::parse(&default_tlp)?,
                    },
                )
                .await?;
            println!(
                "collection {} created in API root community-{community}",
                c.id
            );
        }
        AdminCommand::WebhookCreate { org, url, config } => {
            let key = Settings::load(config.as_deref())
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .webhook_seal_key()?;
            if key.is_none() {
                eprintln!("warning: webhook_secret_key is not set: the secret is stored unsealed");
            }
            let (w, secret) =
                renkei_server::webhooks::create_for_org(store, key.as_ref(), OrgId(org), &url)
                    .await?;
            println!(
                "webhook {} created for organisation {org}; signing secret (shown once):\n{secret}",
                w.id
            );
        }
        AdminCommand::List => {
            for c in store.list_collections().await? {
                println!(
                    "collection {}  community {}  {}",
                    c.id, c.community, c.title
                );
            }
            for o in store.list_orgs().await? {
                println!("org {:>3}  {:<20} {}", o.id, o.kind, o.name_ja);
                for u in store.list_users(Some(o.id)).await? {
                    println!("         user {:>3}  {:<20} {}", u.id, u.role, u.email);
                }
            }
        }
    }
    Ok(())
}

async fn import(store: &dyn Store, format: &str, a: &ImportArgs) -> anyhow::Result<ExitCode> {
    let file = &a.file;
    let tlp = a.tlp.as_deref().map(renkei_core::Tlp::parse).transpose()?;
    let audience = renkei_core::Audience::parse_list(a.audience.as_deref().unwrap_or_default())?;
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > MAX_IMPORT_BYTES {
        bail!(
            "{}: {size} bytes; at most {MAX_IMPORT_BYTES} per import",
            file.display()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let org = OrgId(a.org);
    let viewer = renkei_core::Viewer {
        role: Some(Role::Reporter),
        ..store.org_viewer(org).await?
    };
    let actor = Actor {
        viewer,
        label: format!("cli import {}", file.display()),
        source: "cli".into(),
        system: false,
    };
    let col = match &a.collection {
        Some(id) => store.get_collection(id).await.context("collection")?,
        None => renkei_server::share::default_collection(store, &actor.viewer)
            .await?
            .context("the organisation may add to no collection; name one with --collection")?,
    };
    let refused = |problems: Vec<String>| {
        println!("refused: {} problem(s); nothing was stored", problems.len());
        for p in problems {
            println!("  {p}");
        }
        Ok(ExitCode::FAILURE)
    };
    let outcome = match format {
        "csv" | "text" => {
            let Some(tlp) = tlp else {
                bail!("--tlp is required for lists: choose who may read them explicitly");
            };
            let list = if format == "csv" {
                renkei_stix::parse_csv(&bytes)?
            } else {
                renkei_stix::parse_text(
                    std::str::from_utf8(&bytes).context("free text must be UTF-8")?,
                )
            };
            if !list.errors.is_empty() {
                if !a.skip_invalid {
                    return refused(list.errors.iter().map(ToString::to_string).collect());
                }
                for e in &list.errors {
                    println!("skipped {e}");
                }
            }
            if list.entries.is_empty() {
                bail!("{}: no indicator values found", file.display());
            }
            let opts = renkei_server::share::ShareOptions {
                tlp,
                audience,
                description: None,
            };
            match renkei_server::share::share_values(store, &actor, &col, &list.entries, &opts)
                .await
            {
                Ok(o) => Ok(o),
                Err(renkei_server::share::ShareError::Invalid(errs)) => {
                    return refused(errs.iter().map(ToString::to_string).collect());
                }
                Err(renkei_server::share::ShareError::Store(e)) => Err(e),
            }
        }
        "misp" => {
            let (objects, import) = match renkei_server::share::misp_objects(&bytes, Some(org)) {
                Ok(x) => x,
                Err(errs) => return refused(errs.iter().map(ToString::to_string).collect()),
            };
            for k in &import.skipped {
                println!("not mapped {}: {}", k.path, k.reason);
            }
            renkei_server::share::share_objects(
                store,
                &actor,
                &col,
                &objects,
                tlp.or(import.tlp),
                &audience,
            )
            .await
        }
        _ => {
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let parsed = if value.get("type").and_then(serde_json::Value::as_str) == Some("bundle")
            {
                renkei_stix::parse_bundle(&value)
            } else {
                renkei_stix::parse_envelope(&value)
            };
            let objects = match parsed {
                Ok(o) => o,
                Err(e) => return refused(e.0.iter().map(ToString::to_string).collect()),
            };
            renkei_server::share::share_objects(store, &actor, &col, &objects, tlp, &audience).await
        }
    };
    match outcome {
        Ok(out) => {
            println!(
                "stored {} object(s) in collection {}",
                out.successes.len(),
                col.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(renkei_store::StoreError::Refused(list)) => refused(
            list.into_iter()
                .map(|(id, _, why)| format!("{id}: {why}"))
                .collect(),
        ),
        Err(e) => Err(e.into()),
    }
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
