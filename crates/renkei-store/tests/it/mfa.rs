//! Second factors in the store, on every backend: single use of recovery
//! codes, TOTP steps, pending sign-ins and WebAuthn ceremonies; who may
//! set an organisation's policy; the last factor kept while one is required.

use renkei_core::{AuditOutcome, OrgKind, Role, Timestamp};
use renkei_store::auth::mfa::{MfaMethod, NewPasskey, PendingSignIn};
use renkei_store::{AuditQuery, StoreError};

use crate::support::{self, actor, org, user};

#[tokio::test]
async fn recovery_codes_work_once_and_are_audited() {
    for b in support::backends().await {
        let s = b.store();
        let o = org(s, "回復組織", OrgKind::Operator, Some("electricity")).await;
        let u = user(s, &o, "alice", Role::Viewer).await;
        let a = actor(s, &u).await;
        let other = actor(s, &user(s, &o, "bob", Role::Viewer).await).await;
        let hashes: Vec<String> = (0..10).map(|i| format!("hash-{i}")).collect();
        s.replace_recovery_codes(&a, &hashes).await.expect("codes");
        assert_eq!(s.mfa_status(u.id).await.expect("status").recovery_codes, 10);

        assert!(s.use_recovery_code(&a, "hash-3").await.expect("use"));
        assert!(
            !s.use_recovery_code(&a, "hash-3").await.expect("reuse"),
            "{}: a recovery code works once",
            b.name()
        );
        assert!(
            !s.use_recovery_code(&other, "hash-4").await.expect("other"),
            "{}: another user's code is not theirs",
            b.name()
        );
        assert_eq!(s.mfa_status(u.id).await.expect("status").recovery_codes, 9);

        // New codes replace the old ones, used or not.
        s.replace_recovery_codes(&a, &["fresh".to_owned()])
            .await
            .expect("replace");
        assert!(!s.use_recovery_code(&a, "hash-5").await.expect("old"));
        assert!(s.use_recovery_code(&a, "fresh").await.expect("new"));

        let log = s
            .list_audit(
                &support::system(),
                AuditQuery {
                    limit: 50,
                    ..AuditQuery::default()
                },
            )
            .await
            .expect("audit");
        let verified = log
            .iter()
            .filter(|e| e.action == "mfa.verify" && e.outcome == AuditOutcome::Ok)
            .count();
        assert_eq!(verified, 2, "{}", b.name());
        assert!(log.iter().any(|e| e.action == "mfa.recovery.new"));
    }
}

#[tokio::test]
async fn totp_steps_are_accepted_once_and_only_forward() {
    for b in support::backends().await {
        let s = b.store();
        let o = org(s, "時刻組織", OrgKind::Operator, Some("electricity")).await;
        let u = user(s, &o, "alice", Role::Viewer).await;
        let a = actor(s, &u).await;
        assert!(!s.mfa_status(u.id).await.expect("status").has_factor());
        s.begin_totp(&a, "secret-1").await.expect("begin");
        // Unconfirmed: not a factor, and no code is accepted.
        assert!(!s.mfa_status(u.id).await.expect("status").totp);
        assert!(!s.accept_totp_step(&a, 100, None).await.expect("step"));
        // A second start replaces the unconfirmed secret.
        s.begin_totp(&a, "secret-2").await.expect("again");
        assert_eq!(
            s.totp_secret(u.id).await.expect("secret").map(|t| t.secret),
            Some("secret-2".to_owned())
        );
        s.confirm_totp(&a, 100).await.expect("confirm");
        assert!(s.mfa_status(u.id).await.expect("status").has_factor());
        assert!(matches!(
            s.begin_totp(&a, "secret-3").await,
            Err(StoreError::Conflict { field: "totp", .. })
        ));
        assert!(
            !s.accept_totp_step(&a, 100, None).await.expect("same"),
            "{}: the confirming code's step is used",
            b.name()
        );
        assert!(s.accept_totp_step(&a, 101, None).await.expect("next"));
        assert!(!s.accept_totp_step(&a, 101, None).await.expect("replay"));
        assert!(!s.accept_totp_step(&a, 100, None).await.expect("older"));
        // The code before confirmation and the replays counted as failures.
        let since = Timestamp::now().plus_seconds(-60);
        assert_eq!(s.mfa_failures_since(u.id, since).await.expect("n"), 4);
        s.remove_totp(&a).await.expect("remove");
        assert!(s.totp_secret(u.id).await.expect("secret").is_none());
    }
}

#[tokio::test]
async fn pending_sign_ins_end_once_expire_and_stop_after_failures() {
    for b in support::backends().await {
        let s = b.store();
        let o = org(s, "保留組織", OrgKind::Operator, Some("electricity")).await;
        let u = user(s, &o, "alice", Role::Viewer).await;
        let a = actor(s, &u).await;
        let now = Timestamp::now();
        let p = PendingSignIn {
            user: u.id,
            csrf_token: "csrf".into(),
            enrol: false,
            next: "/intel".into(),
            expires_at: now.plus_seconds(600),
        };
        s.create_pending_sign_in("h1", &p).await.expect("pending");
        let got = s.pending_sign_in("h1", now, 5).await.expect("read");
        assert_eq!(got.map(|g| g.next), Some("/intel".to_owned()));
        assert!(
            s.pending_sign_in("h1", now.plus_seconds(601), 5)
                .await
                .expect("read")
                .is_none(),
            "expired"
        );
        for _ in 0..2 {
            s.record_mfa_failure(&a, Some("h1"), MfaMethod::Totp, "wrong code")
                .await
                .expect("failure");
        }
        assert!(
            s.pending_sign_in("h1", now, 3)
                .await
                .expect("2<3")
                .is_some()
        );
        assert!(
            s.pending_sign_in("h1", now, 2)
                .await
                .expect("2<2")
                .is_none()
        );
        assert!(s.end_pending_sign_in("h1").await.expect("end"));
        assert!(
            !s.end_pending_sign_in("h1").await.expect("again"),
            "{}: a pending sign-in completes once",
            b.name()
        );
        assert!(
            s.pending_sign_in("h1", now, 5)
                .await
                .expect("read")
                .is_none()
        );

        // Ceremonies: taken once, only by their user and kind, before expiry.
        let later = now.plus_seconds(300);
        s.put_ceremony("h2", u.id, "auth", "{}", later)
            .await
            .expect("put");
        assert_eq!(
            s.take_ceremony("h2", u.id, "auth", now)
                .await
                .expect("take"),
            Some("{}".to_owned())
        );
        assert!(
            s.take_ceremony("h2", u.id, "auth", now)
                .await
                .expect("again")
                .is_none()
        );
        s.put_ceremony("h3", u.id, "auth", "{}", later)
            .await
            .expect("put");
        assert!(
            s.take_ceremony("h3", u.id, "register", now)
                .await
                .expect("kind")
                .is_none()
        );
        s.put_ceremony("h4", u.id, "auth", "{}", later)
            .await
            .expect("put");
        assert!(
            s.take_ceremony("h4", u.id, "auth", later)
                .await
                .expect("expired")
                .is_none()
        );
    }
}

#[tokio::test]
async fn only_administrators_require_mfa_and_the_last_factor_stays() {
    for b in support::backends().await {
        let s = b.store();
        let o = org(s, "方針組織", OrgKind::Operator, Some("electricity")).await;
        let admin = actor(s, &user(s, &o, "admin", Role::Admin).await).await;
        let u = user(s, &o, "alice", Role::Viewer).await;
        let a = actor(s, &u).await;
        let elsewhere = org(s, "他組織", OrgKind::Operator, Some("railway")).await;
        let foreign = actor(s, &user(s, &elsewhere, "admin", Role::Admin).await).await;

        assert!(matches!(
            s.set_mfa_required(&a, o.id, true).await,
            Err(StoreError::AdminOnly(_))
        ));
        assert!(matches!(
            s.set_mfa_required(&foreign, o.id, true).await,
            Err(StoreError::AdminOnly(_))
        ));
        assert!(!s.mfa_required(o.id).await.expect("policy"));
        s.set_mfa_required(&admin, o.id, true).await.expect("set");
        assert!(s.mfa_required(o.id).await.expect("policy"));
        let st = s.mfa_status(u.id).await.expect("status");
        assert!(st.required && !st.has_factor() && st.second_step());

        let pk = |n: &str| NewPasskey {
            name: n.into(),
            credential_id: format!("cred-{n}"),
            user_handle: "handle".into(),
            passkey: "{}".into(),
        };
        let one = s.add_passkey(&a, pk("one")).await.expect("add");
        assert!(matches!(
            s.add_passkey(&a, pk("one")).await,
            Err(StoreError::Conflict {
                field: "credential",
                ..
            })
        ));
        assert!(
            matches!(
                s.remove_passkey(&a, one).await,
                Err(StoreError::Conflict { field: "mfa", .. })
            ),
            "{}: the last factor stays while the organisation requires one",
            b.name()
        );
        let two = s.add_passkey(&a, pk("two")).await.expect("add");
        // Another user cannot remove it; it answers as missing.
        let bob = actor(s, &user(s, &o, "bob", Role::Viewer).await).await;
        assert!(matches!(
            s.remove_passkey(&bob, two).await,
            Err(StoreError::NotFound(_))
        ));
        s.remove_passkey(&a, one).await.expect("remove one of two");
        assert_eq!(s.list_passkeys(u.id).await.expect("list").len(), 1);
        // A lost device: only the organisation's administrators reset it;
        // to anyone else the user does not exist.
        assert!(matches!(
            s.reset_mfa(&bob, u.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.reset_mfa(&foreign, u.id).await,
            Err(StoreError::NotFound(_))
        ));
        s.replace_recovery_codes(&a, &["h".to_owned()])
            .await
            .expect("codes");
        let now = Timestamp::now();
        let p = PendingSignIn {
            user: u.id,
            csrf_token: "c".into(),
            enrol: false,
            next: "/".into(),
            expires_at: now.plus_seconds(600),
        };
        s.create_pending_sign_in("reset-h", &p)
            .await
            .expect("pending");
        s.reset_mfa(&admin, u.id).await.expect("reset");
        let st = s.mfa_status(u.id).await.expect("status");
        assert_eq!((st.totp, st.passkeys, st.recovery_codes), (false, 0, 0));
        assert!(st.second_step(), "{}: enrols again by policy", b.name());
        assert!(
            s.pending_sign_in("reset-h", now, 5)
                .await
                .expect("pending")
                .is_none(),
            "a pending sign-in of the old factors ends"
        );
        let log = s
            .list_audit(
                &support::system(),
                AuditQuery {
                    limit: 20,
                    ..AuditQuery::default()
                },
            )
            .await
            .expect("audit");
        let reset = |o: AuditOutcome| {
            log.iter()
                .filter(|e| e.action == "mfa.reset" && e.outcome == o)
                .count()
        };
        assert_eq!(
            (reset(AuditOutcome::Ok), reset(AuditOutcome::Denied)),
            (1, 2)
        );

        let three = s.add_passkey(&a, pk("three")).await.expect("add");
        s.set_mfa_required(&admin, o.id, false)
            .await
            .expect("unset");
        s.remove_passkey(&a, three).await.expect("remove the last");
        assert!(!s.mfa_status(u.id).await.expect("status").second_step());
    }
}
