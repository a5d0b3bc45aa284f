//! `renkei audit`: checks of the audit log (`verify`, optionally against a
//! signed checkpoint), checkpoints (`keygen`, `checkpoint`), inclusion
//! proofs a council member checks offline (`prove`, `check-proof`), and
//! "who read this object" (`about`). Failures exit 1 and say what failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use renkei_core::checkpoint::{Checkpoint, PublicKey, SigningKey};
use renkei_core::merkle::{Hash, check_inclusion, leaf_hash};
use renkei_core::{Actor, AuditEntry, AuditOutcome, OrgId, Timestamp, UserId};
use renkei_server::Settings;
use renkei_server::checkpoints::Checkpointer;
use renkei_store::{AuditQuery, Store};
use serde_json::{Value, json};

use crate::DbArgs;

/// Names the format of `prove`'s output.
const PROOF_FORMAT: &str = "renkei-audit-inclusion-proof-v1";

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the whole log (chain, leaves, Merkle tree); with --checkpoint,
    /// also prove it an append-only extension of that checkpoint. Exit 1
    /// and name what failed if anything did.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        cfg: ConfigArgs,
        /// A signed checkpoint written earlier (a file).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's public key (name+id+key, or a file holding it);
        /// default: the configured signing key's.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Sign a checkpoint of the log now, write it to
    /// audit_checkpoint_dir and send it to audit_witness_url.
    Checkpoint {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        cfg: ConfigArgs,
    },
    /// Make a new signing key: prints the audit_signing_key setting and
    /// the public key to give to verifiers.
    Keygen {
        #[command(flatten)]
        cfg: ConfigArgs,
        /// The log's name (default: audit_log_origin, or from public_url).
        #[arg(long)]
        origin: Option<String>,
    },
    /// Print the configured signing key's public key.
    PublicKey {
        #[command(flatten)]
        cfg: ConfigArgs,
    },
    /// Print (JSON) an inclusion proof of entry ENTRY in a signed
    /// checkpoint: the one given, else one signed now.
    Prove {
        entry: i64,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        cfg: ConfigArgs,
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Check a proof printed by `prove`, offline: the checkpoint's
    /// signature, the entry's leaf and its path to the signed root.
    CheckProof {
        file: PathBuf,
        /// The log's public key (name+id+key, or a file holding it).
        #[arg(long)]
        public_key: String,
    },
    /// The entries about an object (e.g. a STIX id): the reads that
    /// returned it and the actions on it, newest first.
    About {
        object: String,
        #[command(flatten)]
        db: DbArgs,
        /// Only entries by members of this organisation.
        #[arg(long)]
        org: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

// The configuration file (signing key, origin, checkpoint directory).
#[derive(Args)]
pub struct ConfigArgs {
    /// Configuration file (plus RENKEI__* variables), as for `renkei serve`.
    #[arg(long)]
    config: Option<PathBuf>,
}

impl ConfigArgs {
    fn settings(&self) -> anyhow::Result<Settings> {
        Settings::load(self.config.as_deref()).map_err(|e| anyhow::anyhow!("configuration: {e}"))
    }
}

/// The store named on the command line, else the configuration's.
async fn open(db: &DbArgs, s: &Settings) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    if db.data.is_some() || db.database.is_some() {
        return db.open().await;
    }
    renkei_store::open(s.database_url())
        .await
        .context("opening the store")
}

/// `--public-key` (a key, or a file holding one), else the configured
/// signing key's.
fn public_key(given: Option<&str>, s: Option<&Settings>) -> anyhow::Result<PublicKey> {
    if let Some(k) = given {
        let text = if Path::new(k).is_file() {
            std::fs::read_to_string(k).with_context(|| format!("reading {k}"))?
        } else {
            k.to_owned()
        };
        return Ok(PublicKey::parse(&text)?);
    }
    let key = match s {
        Some(s) => s.audit_signing_key().map_err(anyhow::Error::msg)?,
        None => None,
    };
    key.map(|k| k.public())
        .context("no public key: give --public-key, or configure audit_signing_key")
}

/// Runs an audit command; checks that fail exit 1.
pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify {
            db,
            cfg,
            checkpoint,
            public_key: pk,
        } => {
            let s = cfg.settings()?;
            let store = open(&db, &s).await?;
            verify(store.as_ref(), &s, checkpoint.as_deref(), pk.as_deref()).await
        }
        AuditCommand::Checkpoint { db, cfg } => {
            let s = cfg.settings()?;
            let store = open(&db, &s).await?;
            let c = Checkpointer::from_settings(&s)
                .map_err(anyhow::Error::msg)?
                .context("audit_signing_key is not set (see `renkei audit keygen`)")?;
            let w = c.write(store.as_ref()).await?;
            println!("{}", w.path.display());
            print!("{}", w.note);
            if let Some(Err(e)) = &w.witness {
                eprintln!("warning: the witness did not take it: {e}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Keygen { cfg, origin } => {
            let s = cfg.settings()?;
            let origin = origin.unwrap_or_else(|| s.audit_origin());
            let seed: [u8; 32] = rand::random();
            let key = SigningKey::from_seed(&origin, seed)?;
            println!("audit_signing_key = \"{}\"", hex_seed(&seed));
            println!("audit_log_origin = \"{origin}\"");
            println!("# public key (give it to verifiers): {}", key.public());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::PublicKey { cfg } => {
            let s = cfg.settings()?;
            println!("{}", public_key(None, Some(&s))?);
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Prove {
            entry,
            db,
            cfg,
            checkpoint,
            public_key: pk,
        } => {
            let s = cfg.settings()?;
            let store = open(&db, &s).await?;
            let proof = prove(
                store.as_ref(),
                &s,
                entry,
                checkpoint.as_deref(),
                pk.as_deref(),
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&proof)?);
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::CheckProof {
            file,
            public_key: pk,
        } => {
            let key = public_key(Some(&pk), None)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            match check_proof(&text, &key) {
                Ok(e) => {
                    println!(
                        "proof valid: entry {} ({} {} by {}) is in the log signed by {} at {} entries",
                        e.0.seq,
                        e.0.action,
                        e.0.object,
                        e.0.actor,
                        key.name(),
                        e.1
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(why) => {
                    println!("PROOF INVALID: {why}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::About {
            object,
            db,
            org,
            limit,
        } => {
            let store = db.open().await?;
            let q = AuditQuery {
                org: org.map(OrgId),
                before_seq: None,
                limit,
            };
            let entries = store
                .list_audit_about(&Actor::system("cli"), &object, q)
                .await?;
            for e in entries {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    e.seq,
                    e.at.to_rfc3339(),
                    e.actor,
                    e.action,
                    e.object,
                    e.outcome.as_str()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn hex_seed(seed: &[u8; 32]) -> String {
    seed.iter().map(|b| format!("{b:02x}")).collect()
}

async fn verify(
    store: &dyn Store,
    s: &Settings,
    checkpoint: Option<&Path>,
    pk: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let Some(file) = checkpoint else {
        return Ok(match store.verify_audit().await? {
            Ok(n) => {
                println!("audit chain intact: {n} entries");
                ExitCode::SUCCESS
            }
            Err(b) => {
                println!("AUDIT CHAIN BROKEN at entry {}: {}", b.seq, b.reason);
                ExitCode::FAILURE
            }
        });
    };
    let key = public_key(pk, Some(s))?;
    let note =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let cp = match Checkpoint::open(&note, &key) {
        Ok(c) => c,
        Err(e) => {
            println!("CHECKPOINT REFUSED: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    Ok(match renkei_store::verify_against(store, &cp).await? {
        Ok(now) => {
            println!(
                "audit log intact: {} entries, an append-only extension of the checkpoint of {} entries ({})",
                now.size,
                cp.size,
                file.display()
            );
            ExitCode::SUCCESS
        }
        Err(b) => {
            println!("AUDIT CHAIN BROKEN at entry {}: {}", b.seq, b.reason);
            ExitCode::FAILURE
        }
    })
}

async fn prove(
    store: &dyn Store,
    s: &Settings,
    seq: i64,
    checkpoint: Option<&Path>,
    pk: Option<&str>,
) -> anyhow::Result<Value> {
    let (note, key) = match checkpoint {
        Some(f) => (
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?,
            public_key(pk, Some(s))?,
        ),
        None => {
            let c = Checkpointer::from_settings(s)
                .map_err(anyhow::Error::msg)?
                .context("audit_signing_key is not set: give --checkpoint FILE")?;
            let w = c.write(store).await?;
            (w.note, c.key().public())
        }
    };
    let cp = Checkpoint::open(&note, &key)?;
    let (entry, path) = store.audit_inclusion(seq, cp.size).await?;
    let leaf = entry.leaf();
    if check_inclusion(&leaf, seq as u64 - 1, cp.size, &path, &cp.root).is_err() {
        bail!(
            "entry {seq} does not lead to the checkpoint's root: the log was changed since \
             (run `renkei audit verify --checkpoint`)"
        );
    }
    Ok(json!({
        "format": PROOF_FORMAT,
        "entry": {
            "seq": entry.seq,
            "at": entry.at.0,
            "at_rfc3339": entry.at.to_rfc3339(),
            "actor_user": entry.actor_user.map(|u| u.0),
            "actor_org": entry.actor_org.map(|o| o.0),
            "actor": entry.actor,
            "action": entry.action,
            "object": entry.object,
            "source": entry.source,
            "outcome": entry.outcome.as_str(),
            "detail": entry.detail,
        },
        "leaf": hex(&leaf),
        "leaf_index": seq - 1,
        "leaf_hash": hex(&leaf_hash(&leaf)),
        "tree_size": cp.size,
        "audit_path": path.iter().map(|h| hex(h)).collect::<Vec<_>>(),
        "root_hash": hex(&cp.root),
        "checkpoint": note,
        "public_key": key.to_string(),
    }))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(v: &Value, what: &str) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or(format!("{what}: not a string"))?;
    if s.len() % 2 != 0 {
        return Err(format!("{what}: not hexadecimal"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| format!("{what}: not hexadecimal"))
        })
        .collect()
}

fn hash32(v: &Value, what: &str) -> Result<Hash, String> {
    unhex(v, what)?
        .try_into()
        .map_err(|_| format!("{what}: not 32 bytes"))
}

/// Checks a `prove` output against `key`; the entry and the tree size, or
/// what failed.
fn check_proof(text: &str, key: &PublicKey) -> Result<(AuditEntry, u64), String> {
    let p: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if p["format"] != PROOF_FORMAT {
        return Err(format!("format: expected {PROOF_FORMAT}"));
    }
    let note = p["checkpoint"].as_str().ok_or("checkpoint: missing")?;
    let cp = Checkpoint::open(note, key).map_err(|e| e.to_string())?;
    let e = &p["entry"];
    let int = |k: &str| e[k].as_i64().ok_or(format!("entry.{k}: not an integer"));
    let text_of = |k: &str| {
        e[k].as_str()
            .map(str::to_owned)
            .ok_or(format!("entry.{k}: not a string"))
    };
    let entry = AuditEntry {
        seq: int("seq")?,
        at: Timestamp(int("at")?),
        actor_user: e["actor_user"].as_i64().map(UserId),
        actor_org: e["actor_org"].as_i64().map(OrgId),
        actor: text_of("actor")?,
        action: text_of("action")?,
        object: text_of("object")?,
        source: text_of("source")?,
        outcome: AuditOutcome::parse(&text_of("outcome")?).ok_or("entry.outcome: unknown")?,
        detail: text_of("detail")?,
        prev_hash: String::new(),
        hash: String::new(),
    };
    let leaf = entry.leaf();
    if unhex(&p["leaf"], "leaf")? != leaf {
        return Err("the entry shown is not the leaf that was proved".into());
    }
    let index = p["leaf_index"].as_u64().ok_or("leaf_index: missing")?;
    if index + 1 != entry.seq as u64 {
        return Err("leaf_index does not match the entry's number".into());
    }
    if p["tree_size"].as_u64() != Some(cp.size) {
        return Err("tree_size is not the checkpoint's".into());
    }
    let path = p["audit_path"]
        .as_array()
        .ok_or("audit_path: missing")?
        .iter()
        .map(|h| hash32(h, "audit_path"))
        .collect::<Result<Vec<_>, _>>()?;
    check_inclusion(&leaf, index, cp.size, &path, &cp.root)
        .map_err(|_| "the audit path does not lead to the checkpoint's root".to_owned())?;
    Ok((entry, cp.size))
}
