//! `renkei import stix|misp|csv|text`: a file shared into a collection in
//! the name of an organisation, stored whole or refused with every problem
//! listed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use renkei_core::{Actor, OrgId, Role};
use renkei_store::Store;

use crate::DbArgs;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A STIX 2.1 bundle (or TAXII envelope): stored whole, or refused whole
    /// with every problem listed.
    Stix(ImportArgs),
    /// A MISP event (JSON export, a list of events, or a restSearch answer
    /// `{"response": [...]}`), mapped to STIX as misp-stix does (docs/misp.md).
    Misp(ImportArgs),
    /// A CSV indicator list (`value[,type][,comment]`, or a header naming
    /// `value`, `type`, `comment`, `valid_until`).
    Csv(ImportArgs),
    /// Free text (a report, an e-mail): every indicator value found,
    /// defanged forms refanged.
    Text(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// The organisation sharing it (must be a member of the collection's community).
    #[arg(long)]
    org: i64,
    /// TLP (required for lists; for STIX and MISP, for objects that carry none).
    #[arg(long)]
    tlp: Option<String>,
    /// Who may read it: `community:ID,sector:NAME,org:ID,user:ID`. Without
    /// it, the collection's community; naming any replaces that default
    /// (your organisation and what you named), it does not add to it.
    #[arg(long)]
    audience: Option<String>,
    /// The collection (default: the first one the organisation may add to).
    #[arg(long)]
    collection: Option<String>,
    /// Lists: store the readable lines and report the others. MISP: store
    /// the valid attributes and objects and report the others as skipped
    /// (without it, every problem is listed and nothing stored).
    #[arg(long)]
    skip_invalid: bool,
    /// The person sharing, by e-mail address or user id: an active user of
    /// `--org`, named as the sharer (who may read and delete TLP:RED).
    /// TLP:RED is shared by a person, so it needs this.
    #[arg(long)]
    user: Option<String>,
    /// TLP:RED's readers besides the sharer: e-mail addresses or user ids,
    /// comma-separated, each an active user. TLP:RED objects go to them
    /// (and the audience's users) only.
    #[arg(long)]
    recipients: Option<String>,
    /// CSV: the column holding the values, by its header's name or as a
    /// 1-based number (published feeds are recognised without it).
    #[arg(long)]
    value_column: Option<String>,
    /// Lists: lines starting with this are comments (CSV: `#` unless given).
    #[arg(long)]
    comment_prefix: Option<String>,
    /// The server's configuration file, for `derived_id_key` (also read
    /// from `RENKEI__DERIVED_ID_KEY`), so that MISP imports get the ids the
    /// server would give them.
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

/// Largest file `renkei import` reads.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Opens the store named in the command's arguments and imports the file.
pub async fn run(command: ImportCommand) -> anyhow::Result<ExitCode> {
    let (format, args) = match command {
        ImportCommand::Stix(a) => ("stix", a),
        ImportCommand::Misp(a) => ("misp", a),
        ImportCommand::Csv(a) => ("csv", a),
        ImportCommand::Text(a) => ("text", a),
    };
    let store = args.db.open().await?;
    import(store.as_ref(), format, &args).await
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
    let resolve = |spec: &str| {
        let spec = spec.to_owned();
        async move {
            renkei_server::share::recipients::resolve(store, &spec)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        }
    };
    let sharer = match &a.user {
        Some(u) => {
            let id = *resolve(u).await?.first().context("--user names nobody")?;
            let user = store.get_user(id).await?;
            if user.org != org {
                bail!("--user {u}: not a user of organisation {}", org.0);
            }
            Some(user)
        }
        None => None,
    };
    let recipients = match &a.recipients {
        Some(r) => resolve(r).await?,
        None => Vec::new(),
    };
    let viewer = renkei_core::Viewer {
        role: Some(Role::Reporter),
        user: sharer.as_ref().map(|u| u.id),
        ..store.org_viewer(org).await?
    };
    let actor = Actor {
        viewer,
        label: match &sharer {
            Some(u) => format!("cli import {} as {}", file.display(), u.email),
            None => format!("cli import {}", file.display()),
        },
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
            if tlp == renkei_core::Tlp::Red && sharer.is_none() {
                bail!("TLP:RED is shared by a person: name the sharer with --user");
            }
            if tlp != renkei_core::Tlp::Red && !recipients.is_empty() {
                bail!("--recipients name who may read TLP:RED; this list is TLP:{tlp}");
            }
            let opts = renkei_stix::ListOptions {
                value_column: a.value_column.clone(),
                comment_prefix: a.comment_prefix.clone(),
                now: Some(renkei_core::Timestamp::now()),
            };
            let list_format = if format == "csv" {
                renkei_stix::ListFormat::Csv
            } else {
                renkei_stix::ListFormat::Text
            };
            let list = renkei_stix::parse_list(&bytes, list_format, &opts)?;
            print_report(&list);
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
                recipients,
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
            let configured = renkei_server::config::Settings::load(a.config.as_deref())
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .derived_id_key()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let key = renkei_server::share::derived_id_key(store, configured).await?;
            let opts = renkei_server::share::MispShareOptions {
                tlp,
                audience,
                skip_invalid: a.skip_invalid,
                recipients: recipients.clone(),
            };
            match renkei_server::share::share_misp(store, &actor, &col, &bytes, &key, &opts).await {
                Ok(out) => {
                    for k in &out.skipped {
                        println!("skipped {}: {}", k.path, k.reason);
                    }
                    for n in &out.narrowed {
                        println!("narrowed {n}");
                    }
                    Ok(out.outcome)
                }
                Err(renkei_server::share::ShareError::Invalid(errs)) => {
                    return refused(errs.iter().map(ToString::to_string).collect());
                }
                Err(renkei_server::share::ShareError::Store(e)) => Err(e),
            }
        }
        _ => {
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let parsed = if value.get("type").and_then(serde_json::Value::as_str) == Some("bundle")
            {
                renkei_stix::read_bundle(&value)
            } else {
                renkei_stix::read_envelope(&value)
            };
            let parsed = match parsed {
                Ok(o) => o,
                Err(e) => return refused(e.0.iter().map(ToString::to_string).collect()),
            };
            for r in &parsed.repeats {
                println!("{}: {}", r.id, r.message());
            }
            let objects = parsed.objects;
            renkei_server::share::share_objects_to(
                store,
                &actor,
                &col,
                &objects,
                tlp,
                &audience,
                &recipients,
            )
            .await
        }
    };
    match outcome {
        Ok(out) => {
            for (id, _, said) in &out.successes {
                if let Some(said) = said {
                    println!("{id}: {said}");
                }
            }
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

/// How a list was read: its layout, every line counted, each notice and
/// skipped line with its reason.
fn print_report(l: &renkei_stix::ListImport) {
    let c = l.counts;
    println!(
        "read as {}: {} line(s): {} read, {} refused, {} skipped, {} comment(s) or header(s), {} blank",
        l.layout.as_str(),
        c.lines,
        c.read,
        c.refused,
        c.skipped,
        c.comments,
        c.blank
    );
    for n in &l.notices {
        println!("notice {n}");
    }
    for n in &l.skipped {
        println!("skipped {n}");
    }
}
