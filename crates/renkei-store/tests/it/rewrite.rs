//! Rewrites by someone who can write the database and knows the code: they
//! change the log, then recompute every chain hash, every leaf, the stored
//! tree and the head. The chain and the tree then agree with themselves
//! (`verify_audit` passes), so only a checkpoint signed earlier and kept
//! outside the database catches them (issue 15, finding 1); on every
//! backend. Also: inclusion proofs, the tree built over a log written
//! before it existed, and "who read object X".

use renkei_core::checkpoint::{Checkpoint, SigningKey};
use renkei_core::merkle::{Frontier, check_inclusion};
use renkei_core::model::User;
use renkei_core::{
    Actor, AuditEntry, AuditOutcome, GENESIS_HASH, OrgId, OrgKind, Role, Timestamp, UserId,
};
use renkei_store::{AuditEvent, AuditQuery, verify_against};

use crate::support::{self, Backend, system};

type Row = (
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

const ALL: &str = "SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, \
                   detail, prev_hash, hash FROM audit_log ORDER BY seq";

/// The whole log, read behind the store's back.
async fn entries(b: &Backend) -> Vec<AuditEntry> {
    let rows: Vec<Row> = match b {
        Backend::Sqlite(s, _) => sqlx::query_as(ALL).fetch_all(s.pool()).await,
        Backend::Pg(s, _) => sqlx::query_as(ALL).fetch_all(s.pool()).await,
    }
    .expect("read log");
    rows.into_iter()
        .map(|r| AuditEntry {
            seq: r.0,
            at: Timestamp(r.1),
            actor_user: r.2.map(UserId),
            actor_org: r.3.map(OrgId),
            actor: r.4,
            action: r.5,
            object: r.6,
            source: r.7,
            outcome: AuditOutcome::parse(&r.8).expect("outcome"),
            detail: r.9,
            prev_hash: r.10,
            hash: r.11,
        })
        .collect()
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "NULL".into(), |v| v.to_string())
}

/// Replaces the whole log with `log`, renumbered and rehashed from the
/// start: chain, leaves, the stored tree (every fourth level, as the store
/// keeps it) and the head, all consistent with one another.
async fn rewrite(b: &Backend, mut log: Vec<AuditEntry>) {
    let mut sql =
        String::from("DELETE FROM audit_objects; DELETE FROM audit_tree; DELETE FROM audit_log;\n");
    let mut prev = GENESIS_HASH.to_owned();
    let mut tree = Frontier::default();
    let mut nodes = Vec::new();
    for (i, e) in log.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
        e.prev_hash = std::mem::take(&mut prev);
        e.hash = e.compute_hash();
        prev.clone_from(&e.hash);
        let leaf = e.leaf_hash();
        tree.push(leaf, |n, h| {
            if n.level % 4 == 0 {
                nodes.push((n.level, n.index, hex::encode(h)));
            }
        });
        sql.push_str(&format!(
            "INSERT INTO audit_log (seq, at, actor_user, actor_org, actor, action, object, source, \
             outcome, detail, prev_hash, hash, leaf) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});\n",
            e.seq,
            e.at.0,
            opt(e.actor_user.map(|u| u.0)),
            opt(e.actor_org.map(|o| o.0)),
            lit(&e.actor),
            lit(&e.action),
            lit(&e.object),
            lit(&e.source),
            lit(e.outcome.as_str()),
            lit(&e.detail),
            lit(&e.prev_hash),
            lit(&e.hash),
            lit(&hex::encode(leaf)),
        ));
    }
    for (level, idx, h) in nodes {
        sql.push_str(&format!(
            "INSERT INTO audit_tree (level, idx, hash) VALUES ({level}, {idx}, {});\n",
            lit(&h)
        ));
    }
    sql.push_str(&format!(
        "UPDATE audit_head SET seq = {}, hash = {}, tree_size = {}, frontier = {} WHERE id = 1;",
        log.len(),
        lit(&prev),
        log.len(),
        lit(&tree.to_hex())
    ));
    b.exec(&sql).await;
}

struct World {
    alice: (User, Actor),
    bob: (User, Actor),
}

async fn world(b: &Backend) -> World {
    let s = b.store();
    let o = support::org(s, "Org", OrgKind::Operator, Some("energy")).await;
    let a = support::user(s, &o, "alice", Role::Reporter).await;
    let bb = support::user(s, &o, "bob", Role::Reporter).await;
    let (aa, ba) = (support::actor(s, &a).await, support::actor(s, &bb).await);
    World {
        alice: (a, aa),
        bob: (bb, ba),
    }
}

/// Appends `n` reads of `item:{i}` by `who`.
async fn reads(b: &Backend, who: &Actor, from: usize, n: usize) {
    for i in from..from + n {
        let ev = AuditEvent {
            action: "item.read".into(),
            object: format!("item:{i}"),
            outcome: AuditOutcome::Ok,
            detail: String::new(),
        };
        b.store().audit(who, ev).await.expect("append");
    }
}

/// A checkpoint of the log as it is now, signed and opened again as
/// `renkei audit verify` would.
async fn checkpoint(b: &Backend) -> Checkpoint {
    let key = SigningKey::from_seed("renkei.test/audit", [5; 32]).expect("key");
    let head = b.store().audit_tree_head().await.expect("head");
    let (_, note) = Checkpoint::sign(&key, head.size, head.root, 0);
    Checkpoint::open(&note, &key.public()).expect("opens")
}

async fn detected(b: &Backend, cp: &Checkpoint, case: &str, why: &str) {
    // The forgery is self-consistent: the log alone looks intact.
    let n = b.store().verify_audit().await.expect("verify");
    assert!(
        n.is_ok(),
        "{case} on {}: rewrite not self-consistent: {n:?}",
        b.name()
    );
    match verify_against(b.store(), cp).await.expect("verify runs") {
        Ok(h) => panic!("{case} on {}: not detected (log of {})", b.name(), h.size),
        Err(brk) => assert!(
            brk.reason.contains(why),
            "{case} on {}: {}",
            b.name(),
            brk.reason
        ),
    }
}

#[tokio::test]
async fn rewrites_are_detected_against_an_earlier_checkpoint() {
    for b in support::backends().await {
        let w = world(&b).await;
        reads(&b, &w.alice.1, 0, 30).await;
        let early = checkpoint(&b).await;
        reads(&b, &w.bob.1, 30, 25).await;
        // Untouched, the log extends the checkpoint.
        let now = verify_against(b.store(), &early).await.expect("runs");
        assert_eq!(now.map(|h| h.size), Ok(early.size + 25), "{}", b.name());
        let late = checkpoint(&b).await;
        let honest = entries(&b).await;
        let (alice, bob) = (&w.alice.0, &w.bob.0);

        // Re-attribute one of Alice's reads to Bob.
        let mut log = honest.clone();
        let e = log
            .iter_mut()
            .find(|e| e.actor_user == Some(alice.id) && e.object == "item:12")
            .expect("alice's read");
        e.actor_user = Some(bob.id);
        e.actor = bob.email.to_string();
        rewrite(&b, log).await;
        detected(&b, &early, "re-attribution", "do not hash to the root").await;

        // Delete one entry and renumber the rest.
        let mut log = honest.clone();
        log.remove(11);
        rewrite(&b, log).await;
        detected(&b, &early, "deletion", "do not hash to the root").await;

        // Cut the last 20 entries (signed by the later checkpoint).
        let mut log = honest.clone();
        log.truncate(log.len() - 20);
        rewrite(&b, log.clone()).await;
        detected(&b, &late, "truncation", "entries were removed").await;

        // ... and put 20 harmless ones in their place.
        for i in 0..20 {
            let mut e = honest[honest.len() - 20 + i].clone();
            e.object = "item:nothing".into();
            log.push(e);
        }
        rewrite(&b, log).await;
        detected(&b, &late, "replacement", "do not hash to the root").await;

        // Put back as it was, the log verifies against both again.
        rewrite(&b, honest).await;
        assert!(
            verify_against(b.store(), &early)
                .await
                .expect("runs")
                .is_ok()
        );
        assert!(
            verify_against(b.store(), &late)
                .await
                .expect("runs")
                .is_ok()
        );
    }
}

#[tokio::test]
async fn inclusion_proofs_check_out_at_any_size() {
    for b in support::backends().await {
        let w = world(&b).await;
        reads(&b, &w.alice.1, 0, 70).await;
        let s = b.store();
        let head = s.audit_tree_head().await.expect("head");
        let log = entries(&b).await;
        assert_eq!(head.size, log.len() as u64);
        for size in [1, 2, 17, 33, 64, head.size] {
            let root = match s.walk_audit(Some(size)).await.expect("walk") {
                Ok(w) => w.root_at.expect("root at size"),
                Err(e) => panic!("{e}"),
            };
            for seq in [1, size / 2 + 1, size] {
                let (e, path) = s.audit_inclusion(seq as i64, size).await.expect("proof");
                assert_eq!(e, log[seq as usize - 1]);
                check_inclusion(&e.leaf(), seq - 1, size, &path, &root)
                    .unwrap_or_else(|_| panic!("{} entry {seq} of {size}", b.name()));
            }
        }
        assert!(s.audit_inclusion(0, 3).await.is_err());
        assert!(s.audit_inclusion(4, 3).await.is_err());
        assert!(s.audit_inclusion(1, head.size + 1).await.is_err());
    }
}

#[tokio::test]
async fn the_tree_is_built_over_a_log_written_before_it() {
    for b in support::backends().await {
        let w = world(&b).await;
        reads(&b, &w.alice.1, 0, 40).await;
        let before = b.store().audit_tree_head().await.expect("head");
        // As a database migrated by 0007 finds it.
        b.exec(
            "UPDATE audit_log SET leaf = NULL; DELETE FROM audit_tree; \
             UPDATE audit_head SET tree_size = 0, frontier = ''",
        )
        .await;
        assert!(
            b.store().audit(&system(), ev()).await.is_err(),
            "append refused"
        );
        let again = b.second_process().await;
        assert_eq!(again.audit_tree_head().await.expect("head"), before);
        let n = before.size as i64;
        assert_eq!(again.verify_audit().await.expect("verify"), Ok(n));
        again.audit(&system(), ev()).await.expect("appends again");
        assert_eq!(again.verify_audit().await.expect("verify"), Ok(n + 1));
    }
}

fn ev() -> AuditEvent {
    AuditEvent {
        action: "test".into(),
        object: "o".into(),
        outcome: AuditOutcome::Ok,
        detail: String::new(),
    }
}

#[tokio::test]
async fn stored_tree_edits_are_named() {
    for b in support::backends().await {
        let w = world(&b).await;
        reads(&b, &w.alice.1, 0, 40).await;
        b.exec("UPDATE audit_tree SET hash = '00' || substr(hash, 3) WHERE level = 4 AND idx = 1")
            .await;
        match b.store().verify_audit().await.expect("verify") {
            Ok(n) => panic!("{}: not detected ({n})", b.name()),
            Err(brk) => assert!(brk.reason.contains("entries 17..32"), "{}", brk.reason),
        }
    }
}

/// A TAXII page read names the versions it returned (not a cursor range),
/// and "who read X" finds it (issue 15, item 9); so do look-ups naming
/// STIX ids.
#[tokio::test]
async fn taxii_pages_record_the_objects_read() {
    use renkei_store::intel::{NewStixVersion, StixQuery};
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = crate::story::sharing_setup(&b).await;
        let id = |n: usize| format!("indicator--00000000-0000-4000-8000-{n:012}");
        let objects = (0..6)
            .map(|n| NewStixVersion {
                stix_id: id(n),
                body: format!("{{\"n\": {n}}}"),
                ..crate::story::version_of(0)
            })
            .collect();
        s.add_stix(&rep, &col, objects).await.expect("add");
        let page = s
            .stix_envelope(&rep, &col, &StixQuery::new(4))
            .await
            .expect("page");
        assert_eq!(page.count, 4);
        let q = || AuditQuery {
            org: None,
            before_seq: None,
            limit: 50,
        };
        let last = s.list_audit(&system(), q()).await.expect("list");
        let read = last
            .iter()
            .find(|e| e.action == "stix.read")
            .expect("page read audited");
        // The versions read, as key runs: one run here (added together).
        assert!(!read.detail.contains("range"), "{}", read.detail);
        assert!(
            read.detail.starts_with("4 restricted of 4: versions "),
            "{}",
            read.detail
        );
        for n in 0..4 {
            let who = s
                .list_audit_about(&system(), &id(n), q())
                .await
                .expect("about");
            assert!(
                who.iter()
                    .any(|e| e.seq == read.seq && e.actor == rep.label),
                "{} on {}",
                id(n),
                b.name()
            );
        }
        for n in 4..6 {
            // Not yet read.
            let who = s
                .list_audit_about(&system(), &id(n), q())
                .await
                .expect("about");
            assert!(
                who.iter().all(|e| e.action != "stix.read"),
                "{} unread",
                id(n)
            );
        }
        // The portal's page names STIX ids; found the same way.
        s.stix_page(&rep, &col, &StixQuery::new(6))
            .await
            .expect("portal page");
        let who = s
            .list_audit_about(&system(), &id(5), q())
            .await
            .expect("about");
        assert!(
            who.iter()
                .any(|e| e.action == "stix.read" && e.detail.contains(&id(5))),
            "{} on {}: {who:?}",
            id(5),
            b.name()
        );
        // Only administrators ask.
        assert!(s.list_audit_about(&rep, &id(0), q()).await.is_err());
        // The index is covered by the check of the whole log.
        assert!(s.verify_audit().await.expect("verify").is_ok());
    }
}
