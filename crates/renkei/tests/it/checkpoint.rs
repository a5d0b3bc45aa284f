//! `renkei audit keygen | checkpoint | verify --checkpoint | prove |
//! check-proof` end to end (SQLite and PostgreSQL), and a checker of the
//! printed proofs written here from RFC 9162 §2.1.3.2 and C2SP
//! signed-note, sharing no code with renkei's: `sha2`, `ed25519-dalek` and
//! `base64` directly.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

use crate::renkei;

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The canonical leaf of an entry as documented on `AuditEntry::leaf`.
fn leaf_of(e: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut field = |b: &[u8]| {
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        out.extend_from_slice(b);
    };
    let int = |k: &str| {
        e[k].as_i64()
            .map(|v| v.to_le_bytes().to_vec())
            .unwrap_or_default()
    };
    let s = |k: &str| e[k].as_str().expect(k).as_bytes().to_vec();
    field(b"renkei-audit-leaf-v1");
    for k in ["seq", "at", "actor_user", "actor_org"] {
        field(&int(k));
    }
    for k in ["actor", "action", "object", "source", "outcome", "detail"] {
        field(&s(k));
    }
    out
}

/// RFC 9162 §2.1.3.2, step by step.
fn inclusion_holds(
    index: u64,
    size: u64,
    leaf_hash: [u8; 32],
    path: &[[u8; 32]],
    root: [u8; 32],
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = leaf_hash;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = sha256(&[&[1], p, &r]);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = sha256(&[&[1], &r, p]);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == root
}

/// C2SP signed-note with an Ed25519 key `name+id+base64(0x01||key)`: the
/// signed text (checkpoint body), if the key signed it.
fn open_note(note: &str, vkey: &str) -> Option<String> {
    let mut parts = vkey.splitn(3, '+');
    let (name, id, key) = (parts.next()?, parts.next()?, parts.next()?);
    let key = B64.decode(key).ok()?;
    if key.first() != Some(&1) || unhex(id).len() != 4 {
        return None;
    }
    let public = ed25519_dalek::VerifyingKey::from_bytes(&key[1..].try_into().ok()?).ok()?;
    let expect_id = &sha256(&[name.as_bytes(), b"\n", &key])[..4];
    let split = note.rfind("\n\n")?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    for line in sigs.lines() {
        let rest = line.strip_prefix("\u{2014} ")?;
        let (who, blob) = rest.split_once(' ')?;
        let blob = B64.decode(blob).ok()?;
        if who == name && blob.len() == 68 && &blob[..4] == expect_id {
            let sig = ed25519_dalek::Signature::from_slice(&blob[4..]).ok()?;
            return public
                .verify_strict(text.as_bytes(), &sig)
                .ok()
                .map(|()| text.to_owned());
        }
    }
    None
}

/// The independent check of a `renkei audit prove` output.
fn independent_check(proof: &str, vkey: &str) -> Result<(), &'static str> {
    let p: serde_json::Value = serde_json::from_str(proof).map_err(|_| "json")?;
    let text =
        open_note(p["checkpoint"].as_str().ok_or("no checkpoint")?, vkey).ok_or("signature")?;
    let mut lines = text.lines();
    let _origin = lines.next().ok_or("origin")?;
    let size: u64 = lines.next().and_then(|l| l.parse().ok()).ok_or("size")?;
    let root: [u8; 32] = lines
        .next()
        .and_then(|l| B64.decode(l).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or("root")?;
    let leaf = leaf_of(&p["entry"]);
    if unhex(p["leaf"].as_str().ok_or("leaf")?) != leaf {
        return Err("leaf is not the entry");
    }
    let leaf_hash = sha256(&[&[0], &leaf]);
    let path: Vec<[u8; 32]> = p["audit_path"]
        .as_array()
        .ok_or("path")?
        .iter()
        .map(|h| {
            unhex(h.as_str().unwrap_or_default())
                .try_into()
                .map_err(|_| "hash")
        })
        .collect::<Result<_, _>>()?;
    let index = p["leaf_index"].as_u64().ok_or("index")?;
    if p["tree_size"].as_u64() != Some(size) {
        return Err("size");
    }
    if inclusion_holds(index, size, leaf_hash, &path, root) {
        Ok(())
    } else {
        Err("path")
    }
}

fn org_create(db: &[&str], name: &str) {
    let mut args = vec!["admin"];
    args.extend_from_slice(db);
    args.extend_from_slice(&[
        "org-create",
        "--name-ja",
        name,
        "--name-en",
        name,
        "--kind",
        "operator",
    ]);
    let (ok, out) = renkei(&args);
    assert!(ok, "{out}");
}

async fn exec(url: &str, sql: &str) {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .expect("sql");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .expect("sql");
        pool.close().await;
    }
}

async fn leaves(url: &str) -> Vec<String> {
    let q = "SELECT leaf FROM audit_log ORDER BY seq";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
        sqlx::query_scalar(q)
            .fetch_all(&pool)
            .await
            .expect("leaves")
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        sqlx::query_scalar(q)
            .fetch_all(&pool)
            .await
            .expect("leaves")
    }
}

async fn story(url: &str, label: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let (ok, out) = renkei(&["audit", "keygen", "--origin", "council.test/audit"]);
    assert!(ok, "{out}");
    let seed = out
        .lines()
        .find_map(|l| l.strip_prefix("audit_signing_key = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("seed line");
    let vkey = out
        .lines()
        .find_map(|l| l.strip_prefix("# public key (give it to verifiers): "))
        .expect("public key line")
        .to_owned();
    let cfg = dir.path().join("renkei.toml");
    let cps = dir.path().join("checkpoints");
    std::fs::write(
        &cfg,
        format!(
            "database_url = \"{url}\"\naudit_signing_key = \"{seed}\"\n\
             audit_log_origin = \"council.test/audit\"\naudit_checkpoint_dir = \"{}\"\n",
            cps.display()
        ),
    )
    .expect("config");
    let c = cfg.to_str().expect("utf-8");
    let db = ["--database", url];
    for i in 0..5 {
        org_create(&db, &format!("org{i}"));
    }
    let (ok, out) = renkei(&["audit", "public-key", "--config", c]);
    assert!(ok && out.trim() == vkey, "{label}: {out}");
    let (ok, out) = renkei(&["audit", "checkpoint", "--config", c]);
    assert!(ok, "{label}: {out}");
    let cp = out.lines().next().expect("path").to_owned();
    assert!(out.contains("council.test/audit\n5\n"), "{label}: {out}");
    for i in 5..9 {
        org_create(&db, &format!("org{i}"));
    }
    let (ok, out) = renkei(&["audit", "verify", "--config", c, "--checkpoint", &cp]);
    assert!(
        ok && out.contains("append-only extension"),
        "{label}: {out}"
    );

    // An inclusion proof, checked by renkei and by the checker above.
    let (ok, proof) = renkei(&["audit", "prove", "3", "--config", c, "--checkpoint", &cp]);
    assert!(ok, "{label}: {proof}");
    independent_check(&proof, &vkey).unwrap_or_else(|e| panic!("{label}: {e}: {proof}"));
    let file = dir.path().join("proof.json");
    std::fs::write(&file, &proof).expect("write");
    let f = file.to_str().expect("utf-8");
    let (ok, out) = renkei(&["audit", "check-proof", f, "--public-key", &vkey]);
    assert!(ok && out.contains("proof valid: entry 3"), "{label}: {out}");
    // A proof of a changed entry fails both checkers.
    let forged = proof.replacen("\"org2\"", "\"org9\"", 1);
    assert_ne!(forged, proof, "{label}: the entry names org2");
    assert!(independent_check(&forged, &vkey).is_err());
    std::fs::write(&file, &forged).expect("write");
    let (ok, out) = renkei(&["audit", "check-proof", f, "--public-key", &vkey]);
    assert!(!ok && out.contains("PROOF INVALID"), "{label}: {out}");
    // A proof from a fresh checkpoint signed on the spot, of the last entry.
    let (ok, proof) = renkei(&["audit", "prove", "9", "--config", c]);
    assert!(ok, "{label}: {proof}");
    independent_check(&proof, &vkey).unwrap_or_else(|e| panic!("{label}: {e}: {proof}"));
    // Another key's checkpoint is refused.
    let (_, other) = renkei(&["audit", "keygen", "--origin", "council.test/audit"]);
    let other = other
        .lines()
        .find_map(|l| l.strip_prefix("# public key (give it to verifiers): "))
        .expect("public key");
    let (ok, out) = renkei(&[
        "audit",
        "verify",
        "--config",
        c,
        "--checkpoint",
        &cp,
        "--public-key",
        other,
    ]);
    assert!(!ok && out.contains("CHECKPOINT REFUSED"), "{label}: {out}");

    // Cut the log back to 2 entries and make the head agree: the log
    // alone verifies, the checkpoint of 5 does not.
    let l = leaves(url).await;
    let root = sha256(&[&[1], &unhex(&l[0]), &unhex(&l[1])]);
    let hash2: String = {
        let q = "SELECT hash FROM audit_log WHERE seq = 2";
        if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
            sqlx::query_scalar(q).fetch_one(&pool).await.expect("hash")
        } else {
            let pool = sqlx::PgPool::connect(url).await.expect("connect");
            sqlx::query_scalar(q).fetch_one(&pool).await.expect("hash")
        }
    };
    let frontier: String = root.iter().map(|b| format!("{b:02x}")).collect();
    exec(
        url,
        &format!(
            "DELETE FROM audit_objects; DELETE FROM audit_tree; DELETE FROM audit_log WHERE seq > 2; \
             UPDATE audit_head SET seq = 2, hash = '{hash2}', tree_size = 2, frontier = '{frontier}'"
        ),
    )
    .await;
    let (ok, out) = renkei(&["audit", "verify", "--config", c]);
    assert!(
        ok && out.contains("intact: 2 entries"),
        "{label}: self-consistent cut: {out}"
    );
    let (ok, out) = renkei(&["audit", "verify", "--config", c, "--checkpoint", &cp]);
    assert!(
        !ok,
        "{label}: the cut must fail against the checkpoint: {out}"
    );
    assert!(
        out.contains("AUDIT CHAIN BROKEN") && out.contains("entries were removed"),
        "{label}: {out}"
    );
}

#[tokio::test]
async fn checkpoints_prove_append_only_and_entries_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("renkei.db").display());
    story(&url, "sqlite").await;
    let pg = match std::env::var("RENKEI_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(std::env::var("CI").is_err(), "CI needs RENKEI_TEST_PG_URL");
            return;
        }
    };
    let name = format!("renkei_cli_cp_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&pg).await.expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&admin)
            .await
            .expect("database");
    }
    admin.close().await;
    let base = pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b);
    story(&format!("{base}/{name}"), "postgres").await;
}
