//! Edits, deletions and reorderings made directly in the database are
//! caught by `verify_audit`, on every backend.

use renkei_core::{AuditOutcome, ChainBreak};
use renkei_store::AuditEvent;

use crate::support::{self, Backend, system};

/// A store whose audit log holds entries 1..=6.
async fn six_entries(b: &Backend) {
    for i in 1..=6 {
        let ev = AuditEvent {
            action: "test".into(),
            object: format!("o:{i}"),
            outcome: AuditOutcome::Ok,
            detail: format!("d{i}"),
        };
        b.store().audit(&system(), ev).await.expect("append");
    }
    assert_eq!(b.store().verify_audit().await.expect("verify"), Ok(6));
}

async fn broken_at(b: &Backend) -> i64 {
    match b.store().verify_audit().await.expect("verify runs") {
        Ok(n) => panic!(
            "{}: tampering not detected ({n} entries verified)",
            b.name()
        ),
        Err(ChainBreak { seq, .. }) => seq,
    }
}

async fn each_fresh_backend(case: &str, tamper: &str, expect_seq: i64) {
    let mut backends = vec![support::sqlite().await];
    if let Some(u) = support::pg_url() {
        backends.push(support::postgres(&u).await);
    }
    for b in backends {
        six_entries(&b).await;
        b.exec(tamper).await;
        assert_eq!(broken_at(&b).await, expect_seq, "{case} on {}", b.name());
    }
}

#[tokio::test]
async fn edited_entry_is_detected() {
    each_fresh_backend(
        "edit",
        "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3",
        3,
    )
    .await;
}

#[tokio::test]
async fn edited_actor_is_detected() {
    each_fresh_backend(
        "edit actor",
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 5",
        5,
    )
    .await;
}

#[tokio::test]
async fn deleted_entry_is_detected() {
    each_fresh_backend("delete", "DELETE FROM audit_log WHERE seq = 3", 3).await;
}

#[tokio::test]
async fn deleted_tail_is_detected() {
    each_fresh_backend("truncate", "DELETE FROM audit_log WHERE seq >= 5", 5).await;
}

#[tokio::test]
async fn reordered_entries_are_detected() {
    each_fresh_backend(
        "reorder",
        "UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; \
         UPDATE audit_log SET seq = 3 WHERE seq = -1",
        2,
    )
    .await;
}

#[tokio::test]
async fn rehashed_edit_is_caught_by_its_leaf() {
    // A forger who edits entry 3 and gives it a matching chain hash is
    // caught at entry 3: its leaf in the Merkle tree no longer matches
    // (the chain alone would only break at entry 4). Forgers who rebuild
    // everything are caught against a checkpoint (`rewrite.rs`).
    let mut backends = vec![support::sqlite().await];
    if let Some(u) = support::pg_url() {
        backends.push(support::postgres(&u).await);
    }
    for b in backends {
        six_entries(&b).await;
        let nco = b
            .store()
            .list_audit(
                &system(),
                renkei_store::AuditQuery {
                    org: None,
                    before_seq: None,
                    limit: 10,
                },
            )
            .await
            .expect("list");
        let mut e = nco.into_iter().find(|e| e.seq == 3).expect("entry 3");
        e.detail = "forged".into();
        e.hash = e.compute_hash();
        b.exec(&format!(
            "UPDATE audit_log SET detail = 'forged', hash = '{}' WHERE seq = 3",
            e.hash
        ))
        .await;
        assert_eq!(broken_at(&b).await, 3, "{}", b.name());
    }
}
