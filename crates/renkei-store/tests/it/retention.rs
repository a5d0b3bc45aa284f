//! Retention on every backend: expired sessions, sign-in rows past their
//! window and finished TAXII statuses past their retention are deleted
//! (and the deletion audited), current ones stay; a status left pending by
//! a stopped process fails, naming each object, and its add then stores
//! nothing.

use renkei_core::{AuditOutcome, OrgKind, Role, Timestamp};
use renkei_store::intel::{AddAbandoned, AddOutcome, StixQuery, TaxiiStatus, VersionMatch};
use renkei_store::{AuditQuery, StoreError};

use crate::story::{sharing_setup, version_of};
use crate::support::{self, Backend, actor, org, system, user};

const MINUTE: i64 = 60 * 1_000_000;
const DAY: i64 = 24 * 60 * MINUTE;

async fn pruned_entries(b: &Backend) -> Vec<String> {
    let q = AuditQuery {
        limit: 500,
        ..AuditQuery::default()
    };
    let all = b.store().list_audit(&system(), q).await.expect("audit");
    all.into_iter()
        .filter(|e| e.action == "retention.prune" && e.outcome == AuditOutcome::Ok)
        .map(|e| format!("{} {}", e.object, e.detail))
        .collect()
}

#[tokio::test]
async fn expired_sessions_go_and_live_ones_stay() {
    for b in support::backends().await {
        let s = b.store();
        let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
        let u = user(s, &power, "admin", Role::Admin).await;
        let now = Timestamp::now();
        s.create_session(u.id, "expired", "c", Timestamp(now.0 - MINUTE))
            .await
            .expect("session");
        s.create_session(u.id, "live", "c", Timestamp(now.0 + 60 * MINUTE))
            .await
            .expect("session");
        s.create_session(u.id, "ended", "c", Timestamp(now.0 + 60 * MINUTE))
            .await
            .expect("session");
        s.revoke_session(&actor(s, &u).await, "ended")
            .await
            .expect("sign out");

        let refused = s.prune_sessions(&actor(s, &u).await, now).await;
        assert!(
            matches!(refused, Err(StoreError::Forbidden(_))),
            "{}: only the system prunes: {refused:?}",
            b.name()
        );
        assert_eq!(b.count("sessions").await, 3, "{}: nothing went", b.name());

        let n = s.prune_sessions(&system(), now).await.expect("prune");
        assert_eq!(n, 1, "{}", b.name());
        assert_eq!(b.count("sessions").await, 2, "{}", b.name());
        assert!(
            s.session_by_hash("live", now)
                .await
                .expect("read")
                .is_some(),
            "{}: the live session still signs in",
            b.name()
        );
        assert_eq!(
            pruned_entries(&b).await,
            ["sessions 1 deleted"],
            "{}",
            b.name()
        );
        // A round that deletes nothing leaves no entry.
        assert_eq!(s.prune_sessions(&system(), now).await.expect("prune"), 0);
        assert_eq!(pruned_entries(&b).await.len(), 1, "{}", b.name());
    }
}

#[tokio::test]
async fn sign_in_rows_past_their_window_go_and_recent_ones_stay() {
    for b in support::backends().await {
        let s = b.store();
        let now = Timestamp::now();
        let window = 15 * MINUTE;
        // Rows of the table throttling used before migration 0009.
        b.exec(&format!(
            "INSERT INTO login_failures (email, source, at) VALUES \
             ('old@example.jp', '192.0.2.1', {}), ('new@example.jp', '192.0.2.1', {})",
            now.0 - 2 * window,
            now.0 - MINUTE
        ))
        .await;
        let policy = renkei_store::auth::ThrottlePolicy::from_limits(5, 15);
        // A day and ten minutes ago from one address, an hour ago from another
        // (whose reservation prunes only what is a day older than itself).
        for (email, source, at) in [
            ("a@example.jp", "192.0.2.10", now.0 - DAY - 10 * MINUTE),
            ("b@example.jp", "192.0.2.20", now.0 - 60 * MINUTE),
        ] {
            s.reserve_sign_in(email, source, Timestamp(at), &policy)
                .await
                .expect("reserve");
        }
        assert_eq!(b.count("sign_in_accounts").await, 2, "{}", b.name());

        let n = s
            .prune_sign_in(&system(), now, window)
            .await
            .expect("prune");
        assert_eq!(
            n,
            3,
            "{}: one failure, one account row, one address row",
            b.name()
        );
        assert_eq!(b.count("login_failures").await, 1, "{}", b.name());
        assert_eq!(b.count("sign_in_accounts").await, 1, "{}", b.name());
        assert_eq!(b.count("sign_in_sources").await, 1, "{}", b.name());
        assert_eq!(
            pruned_entries(&b).await,
            ["sign-in attempts 3 deleted"],
            "{}",
            b.name()
        );
    }
}

fn pending_status(id: &str, collection: &str, org: i64, requested_at: i64) -> TaxiiStatus {
    TaxiiStatus {
        id: id.into(),
        collection: collection.into(),
        org,
        status: "pending".into(),
        requested_at,
        total: 3,
        pending: 2,
        outcome: AddOutcome {
            successes: Vec::new(),
            failures: vec![("indicator--bad".into(), None, "pattern: is required".into())],
        },
        pending_objects: vec![
            (
                version_of(1).stix_id,
                Some(version_of(1).version.expect("v").0),
            ),
            ("note--00000000-0000-4000-8000-000000000001".into(), None),
        ],
    }
}

#[tokio::test]
async fn finished_statuses_past_retention_go_and_recent_or_pending_ones_stay() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        let org = rep.viewer.org.expect("org").0;
        let now = Timestamp::now().0;
        for id in ["old-done", "new-done", "old-pending"] {
            s.create_status(&pending_status(id, &col.id, org, now - 10 * DAY))
                .await
                .expect("status");
        }
        for id in ["old-done", "new-done"] {
            assert!(
                s.complete_status(id, &AddOutcome::default())
                    .await
                    .expect("complete")
            );
        }
        b.exec(&format!(
            "UPDATE taxii_status SET completed_at = {} WHERE id = 'old-done'",
            now - 8 * DAY
        ))
        .await;

        let n = s
            .prune_statuses(&system(), now - 7 * DAY)
            .await
            .expect("prune");
        assert_eq!(n, 1, "{}", b.name());
        assert!(s.get_status("old-done", org).await.expect("get").is_none());
        for id in ["new-done", "old-pending"] {
            assert!(
                s.get_status(id, org).await.expect("get").is_some(),
                "{}: {id} stays",
                b.name()
            );
        }
        assert_eq!(
            pruned_entries(&b).await,
            ["taxii statuses 1 deleted"],
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn a_status_left_pending_fails_naming_each_object_and_its_add_then_stores_nothing() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        let org = rep.viewer.org.expect("org").0;
        let now = Timestamp::now().0;
        s.create_status(&pending_status("lost", &col.id, org, now - 60 * MINUTE))
            .await
            .expect("status");
        s.create_status(&pending_status("running", &col.id, org, now))
            .await
            .expect("status");

        let n = s
            .fail_stale_statuses(now - 30 * MINUTE)
            .await
            .expect("sweep");
        assert_eq!(n, 1, "{}: only the one requested before the cut", b.name());
        let lost = s.get_status("lost", org).await.expect("get").expect("kept");
        assert_eq!((lost.status.as_str(), lost.pending), ("complete", 0));
        let failed: Vec<(&str, Option<&str>, &str)> = lost
            .outcome
            .failures
            .iter()
            .map(|(i, v, m)| (i.as_str(), v.as_deref(), m.as_str()))
            .collect();
        let why = AddAbandoned::Stale.message();
        assert_eq!(
            failed,
            [
                ("indicator--bad", None, "pattern: is required"),
                (VERSIONED, Some("2026-11-01T00:00:01.000Z"), why),
                ("note--00000000-0000-4000-8000-000000000001", None, why),
            ],
            "{}: what failed before, then each pending object with the reason",
            b.name()
        );
        assert!(lost.pending_objects.is_empty());

        // The add that was to store it, arriving late, stores nothing.
        let late = s
            .add_stix_for_status(
                &rep,
                &col,
                vec![version_of(1)],
                "lost",
                AddOutcome::default(),
                Vec::new(),
            )
            .await
            .expect("add");
        assert_eq!(late, None, "{}", b.name());
        let mut all = StixQuery::new(10);
        all.versions = VersionMatch::all();
        let page = s.stix_page(&rep, &col, &all).await.expect("page");
        assert!(page.rows.is_empty(), "{}: nothing stored", b.name());

        // The running one completes with its add, in one transaction, and
        // failing it afterwards changes nothing.
        let prior = pending_status("x", "", 0, 0).outcome;
        let done = s
            .add_stix_for_status(
                &rep,
                &col,
                vec![version_of(1)],
                "running",
                prior,
                Vec::new(),
            )
            .await
            .expect("add")
            .expect("still pending");
        assert_eq!((done.successes.len(), done.failures.len()), (1, 1));
        assert!(
            !s.fail_status("running", AddAbandoned::Shutdown)
                .await
                .expect("fail")
        );
        let st = s
            .get_status("running", org)
            .await
            .expect("get")
            .expect("kept");
        assert_eq!(st.status, "complete");
        assert_eq!(st.outcome, done, "{}", b.name());
        let page = s.stix_page(&rep, &col, &all).await.expect("page");
        assert_eq!(page.rows.len(), 1, "{}", b.name());
    }
}

const VERSIONED: &str = crate::story::VERSIONED;
