//! Account lifecycle on every backend: deactivation, token revocation,
//! sessions, reset links, sign-in throttling.

use std::time::Duration;

use renkei_core::{AuditOutcome, OrgKind, Role, Timestamp, UserId};
use renkei_store::accounts::Sessions;
use renkei_store::auth::{Attempt, ThrottlePolicy};
use renkei_store::{AuditQuery, StoreError};

use crate::support::{self, Backend, actor, org, system, user};

/// The audit entries with `action`, newest first.
async fn audited(b: &Backend, action: &str) -> Vec<renkei_core::AuditEntry> {
    let q = AuditQuery {
        limit: 500,
        ..AuditQuery::default()
    };
    let all = b.store().list_audit(&system(), q).await.expect("audit");
    all.into_iter().filter(|e| e.action == action).collect()
}

#[tokio::test]
async fn deactivation_stops_sessions_and_tokens_at_once_everywhere() {
    for b in support::backends().await {
        let s = b.store();
        let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
        let admin = actor(s, &user(s, &power, "admin", Role::Admin).await).await;
        let leaver = user(s, &power, "leaver", Role::Admin).await;
        let leaver_actor = actor(s, &leaver).await;
        s.create_api_token(&leaver_actor, power.id, "feed", Role::Viewer, "dt-1")
            .await
            .expect("token");
        let cli = s
            .create_api_token(&system(), power.id, "cli", Role::Viewer, "dt-2")
            .await
            .expect("token");
        let now = Timestamp::now();
        s.create_session(leaver.id, "ds-1", "c", now.plus_seconds(3600))
            .await
            .expect("session");
        // Resolved (and cached) here and in a second process.
        let two = b.second_process().await;
        for st in [s, two.as_ref()] {
            assert!(st.token_viewer("dt-1").await.expect("t").is_some());
        }

        let u = s
            .deactivate_user(&admin, leaver.id)
            .await
            .expect("deactivate");
        assert!(!u.active);
        assert!(
            s.token_viewer("dt-1").await.expect("t").is_none(),
            "{}: the leaver's token is refused at once",
            b.name()
        );
        assert!(
            s.token_viewer("dt-2").await.expect("t").is_some(),
            "{}: a token nobody created (the command line's) stays",
            b.name()
        );
        assert!(s.session_by_hash("ds-1", now).await.expect("s").is_none());
        assert!(s.viewer_for_user(leaver.id).await.is_err());
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(
            two.token_viewer("dt-1").await.expect("t").is_none(),
            "{}: another process refuses it within a second",
            b.name()
        );
        assert!(matches!(
            s.deactivate_user(&admin, leaver.id).await,
            Err(StoreError::Conflict { field: "user", .. })
        ));

        // Reactivated: the tokens resolve again, the ended session stays ended.
        s.reactivate_user(&admin, leaver.id)
            .await
            .expect("reactivate");
        assert!(s.token_viewer("dt-1").await.expect("t").is_some());
        assert!(s.session_by_hash("ds-1", now).await.expect("s").is_none());
        let _ = cli;

        let log = audited(&b, "user.deactivate").await;
        assert!(
            log.iter()
                .any(|e| e.outcome == AuditOutcome::Ok && e.object == format!("user:{}", leaver.id)),
            "{}",
            b.name()
        );
        assert_eq!(audited(&b, "user.reactivate").await.len(), 1);
    }
}

#[tokio::test]
async fn only_administrators_deactivate_and_never_themselves() {
    for b in support::backends().await {
        let s = b.store();
        let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
        let rail = org(s, "関西鉄道", OrgKind::Operator, Some("railway")).await;
        let admin_u = user(s, &power, "admin", Role::Admin).await;
        let admin = actor(s, &admin_u).await;
        let viewer = actor(s, &user(s, &power, "viewer", Role::Viewer).await).await;
        let rail_admin = actor(s, &user(s, &rail, "admin", Role::Admin).await).await;
        let target = user(s, &power, "target", Role::Reporter).await;

        assert!(matches!(
            s.deactivate_user(&admin, admin_u.id).await,
            Err(StoreError::Conflict { field: "user", .. })
        ));
        // Another organisation's administrator, a viewer and an unknown id
        // get the same answer; each refusal is audited.
        for (who, id) in [
            (&rail_admin, target.id),
            (&viewer, target.id),
            (&rail_admin, UserId(9_999)),
        ] {
            assert!(
                matches!(
                    s.deactivate_user(who, id).await,
                    Err(StoreError::NotFound("user"))
                ),
                "{}",
                b.name()
            );
        }
        let denied = audited(&b, "user.deactivate").await;
        assert_eq!(
            denied
                .iter()
                .filter(|e| e.outcome == AuditOutcome::Denied)
                .count(),
            3,
            "{}",
            b.name()
        );
        assert!(s.get_user(target.id).await.expect("u").active);
        s.deactivate_user(&system(), target.id)
            .await
            .expect("the command line may");
    }
}

#[tokio::test]
async fn tokens_are_revoked_by_their_organisations_admins_or_their_creator() {
    for b in support::backends().await {
        let s = b.store();
        let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
        let rail = org(s, "関西鉄道", OrgKind::Operator, Some("railway")).await;
        let creator_u = user(s, &power, "creator", Role::Admin).await;
        let creator = actor(s, &creator_u).await;
        let other_admin = actor(s, &user(s, &power, "admin2", Role::Admin).await).await;
        let rail_admin = actor(s, &user(s, &rail, "admin", Role::Admin).await).await;
        let t1 = s
            .create_api_token(&creator, power.id, "one", Role::Viewer, "rt-1")
            .await
            .expect("token");
        let t2 = s
            .create_api_token(&creator, power.id, "two", Role::Viewer, "rt-2")
            .await
            .expect("token");
        assert!(matches!(
            s.revoke_api_token(&rail_admin, t1.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.revoke_api_token(&rail_admin, 9_999).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(s.token_viewer("rt-1").await.expect("t").is_some());
        let r = s
            .revoke_api_token(&other_admin, t1.id)
            .await
            .expect("admin");
        assert!(r.revoked_at.is_some());
        assert!(s.token_viewer("rt-1").await.expect("t").is_none());
        assert!(matches!(
            s.revoke_api_token(&other_admin, t1.id).await,
            Err(StoreError::NotFound(_))
        ));
        // The creator, even once no longer an administrator.
        let mut demoted = creator.clone();
        demoted.viewer.role = Some(Role::Viewer);
        s.revoke_api_token(&demoted, t2.id).await.expect("creator");
        let log = audited(&b, "token.revoke").await;
        let count = |o| log.iter().filter(|e| e.outcome == o).count();
        assert_eq!(
            (count(AuditOutcome::Ok), count(AuditOutcome::Denied)),
            (2, 3),
            "{}",
            b.name()
        );
        let _ = creator_u;
    }
}

#[tokio::test]
async fn sessions_are_listed_and_ended_by_their_person_or_administrators() {
    for b in support::backends().await {
        let s = b.store();
        let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
        let admin = actor(s, &user(s, &power, "admin", Role::Admin).await).await;
        let me_u = user(s, &power, "me", Role::Reporter).await;
        let me = actor(s, &me_u).await;
        let colleague = actor(s, &user(s, &power, "colleague", Role::Reporter).await).await;
        let now = Timestamp::now();
        for h in ["ss-1", "ss-2", "ss-3"] {
            s.create_session(me_u.id, h, "c", now.plus_seconds(3600))
                .await
                .expect("session");
        }
        let list = s.list_sessions(&me, me_u.id, now).await.expect("list");
        assert_eq!(list.len(), 3);
        assert!(list.iter().all(|x| x.id.len() == 32 && x.user == me_u.id));
        assert!(matches!(
            s.list_sessions(&colleague, me_u.id, now).await,
            Err(StoreError::NotFound("user"))
        ));
        assert!(matches!(
            s.end_sessions(&colleague, me_u.id, Sessions::All).await,
            Err(StoreError::NotFound("user"))
        ));
        let one = s
            .session_public_id("ss-2")
            .await
            .expect("id")
            .expect("live");
        assert_eq!(
            s.end_sessions(&me, me_u.id, Sessions::One(&one))
                .await
                .expect("end"),
            1
        );
        assert!(s.session_by_hash("ss-2", now).await.expect("s").is_none());
        assert!(matches!(
            s.end_sessions(&me, me_u.id, Sessions::One(&one)).await,
            Err(StoreError::NotFound("session"))
        ));
        // All but mine, then the administrator ends the rest.
        let ended = s.end_sessions(&me, me_u.id, Sessions::AllBut("ss-1")).await;
        assert_eq!(ended.expect("end"), 1);
        assert!(s.session_by_hash("ss-1", now).await.expect("s").is_some());
        let ended = s.end_sessions(&admin, me_u.id, Sessions::All).await;
        assert_eq!(ended.expect("end"), 1);
        assert!(
            s.list_sessions(&admin, me_u.id, now)
                .await
                .expect("list")
                .is_empty()
        );
        assert_eq!(audited(&b, "session.end").await.len(), 4, "{}", b.name());
    }
}

#[tokio::test]
async fn reset_links_work_once_until_they_expire_and_end_every_session() {
    for b in support::backends().await {
        let s = b.store();
        let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
        let rail = org(s, "関西鉄道", OrgKind::Operator, Some("railway")).await;
        let admin = actor(s, &user(s, &power, "admin", Role::Admin).await).await;
        let rail_admin = actor(s, &user(s, &rail, "admin", Role::Admin).await).await;
        let u = user(s, &power, "forgetful", Role::Reporter).await;
        let now = Timestamp::now();
        let day = now.plus_seconds(24 * 3600);
        s.create_session(u.id, "rs-1", "c", now.plus_seconds(3600))
            .await
            .expect("session");

        assert!(matches!(
            s.create_password_reset(&rail_admin, u.id, "rh-0", day)
                .await,
            Err(StoreError::NotFound("user"))
        ));
        s.create_password_reset(&admin, u.id, "rh-1", day)
            .await
            .expect("reset");
        let found = s.password_reset_user("rh-1", now).await.expect("look-up");
        assert_eq!(found.map(|x| x.id), Some(u.id));
        assert!(
            s.password_reset_user("rh-1", now.plus_seconds(24 * 3600 + 1))
                .await
                .expect("look-up")
                .is_none(),
            "expired"
        );
        assert!(matches!(
            s.use_password_reset("rh-1", "$argon2id$x", "test", day.plus_seconds(1))
                .await,
            Err(StoreError::NotFound(_))
        ));
        // A newer link ends the older one.
        s.create_password_reset(&admin, u.id, "rh-2", day)
            .await
            .expect("reset");
        assert!(
            s.password_reset_user("rh-1", now)
                .await
                .expect("l")
                .is_none()
        );

        // Two uses racing: exactly one sets the password.
        let (a, c) = tokio::join!(
            s.use_password_reset("rh-2", "$argon2id$new", "192.0.2.1", now),
            s.use_password_reset("rh-2", "$argon2id$other", "192.0.2.2", now),
        );
        assert_eq!(
            [a.is_ok(), c.is_ok()].iter().filter(|x| **x).count(),
            1,
            "{}: {a:?} {c:?}",
            b.name()
        );
        let creds = s.credentials(&u.email).await.expect("c").expect("user");
        let set = if a.is_ok() {
            "$argon2id$new"
        } else {
            "$argon2id$other"
        };
        assert_eq!(creds.password_hash, set);
        assert!(s.session_by_hash("rs-1", now).await.expect("s").is_none());
        // Only the hash was kept.
        assert_eq!(b.count("password_resets").await, 2);

        // A deactivated user's link does not work.
        s.create_password_reset(&admin, u.id, "rh-3", day)
            .await
            .expect("reset");
        s.deactivate_user(&admin, u.id).await.expect("deactivate");
        assert!(
            s.password_reset_user("rh-3", now)
                .await
                .expect("l")
                .is_none()
        );
        assert!(
            s.use_password_reset("rh-3", "$argon2id$y", "t", now)
                .await
                .is_err()
        );
        let used = audited(&b, "password_reset.use").await;
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].actor, u.email.to_string());
    }
}

/// A fixed clock for throttling: `t(s)` is `s` seconds after an origin.
fn t(secs: i64) -> Timestamp {
    Timestamp(1_800_000_000_000_000 + secs * 1_000_000)
}

async fn try_at(b: &Backend, email: &str, source: &str, at: Timestamp) -> Attempt {
    let p = ThrottlePolicy::from_limits(5, 15);
    b.store()
        .reserve_sign_in(email, source, at, &p)
        .await
        .expect("reserve")
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_account_and_waits_double() {
    for b in support::backends().await {
        let (victim, attacker, home) = ("v@example.jp", "198.51.100.7", "203.0.113.5");
        for i in 0..5 {
            assert_eq!(try_at(&b, victim, attacker, t(i)).await, Attempt::Allowed);
        }
        assert_eq!(
            try_at(&b, victim, attacker, t(5)).await,
            Attempt::Throttled {
                retry_after_secs: 29
            },
            "{}: the fifth attempt makes the sixth wait 30 s",
            b.name()
        );
        assert_eq!(
            try_at(&b, victim, home, t(6)).await,
            Attempt::Allowed,
            "{}: the person at home is not locked out",
            b.name()
        );
        // After the wait: one more, then twice as long.
        assert_eq!(try_at(&b, victim, attacker, t(35)).await, Attempt::Allowed);
        assert_eq!(
            try_at(&b, victim, attacker, t(36)).await,
            Attempt::Throttled {
                retry_after_secs: 59
            }
        );
        assert_eq!(try_at(&b, victim, attacker, t(96)).await, Attempt::Allowed);
        assert!(matches!(
            try_at(&b, victim, attacker, t(100)).await,
            Attempt::Throttled {
                retry_after_secs: 116
            }
        ));
    }
}

#[tokio::test]
async fn a_success_forgets_the_count_and_counts_fade() {
    for b in support::backends().await {
        let p = ThrottlePolicy::from_limits(5, 15);
        let (me, ip) = ("me@example.jp", "192.0.2.10");
        for i in 0..4 {
            assert_eq!(try_at(&b, me, ip, t(i)).await, Attempt::Allowed);
        }
        // The fifth attempt succeeds: the count starts again.
        assert_eq!(try_at(&b, me, ip, t(4)).await, Attempt::Allowed);
        b.store()
            .sign_in_succeeded(me, ip, &p)
            .await
            .expect("release");
        for i in 0..5 {
            assert_eq!(try_at(&b, me, ip, t(10 + i)).await, Attempt::Allowed);
        }
        assert!(matches!(
            try_at(&b, me, ip, t(15)).await,
            Attempt::Throttled { .. }
        ));
        // Four free attempts of five fade away in four times three minutes.
        let later = 14 + 30 + 4 * 180;
        assert_eq!(try_at(&b, me, ip, t(later)).await, Attempt::Allowed);
        assert_eq!(try_at(&b, me, ip, t(later + 1)).await, Attempt::Allowed);
    }
}

#[tokio::test]
async fn one_address_is_limited_across_accounts_and_rows_are_pruned() {
    for b in support::backends().await {
        let ip = "198.51.100.99";
        for i in 0..20 {
            let email = format!("user{i}@example.jp");
            assert_eq!(try_at(&b, &email, ip, t(i)).await, Attempt::Allowed);
        }
        assert!(
            matches!(
                try_at(&b, "fresh@example.jp", ip, t(20)).await,
                Attempt::Throttled { .. }
            ),
            "{}: twenty accounts from one address, then it waits",
            b.name()
        );
        assert_eq!(
            try_at(&b, "fresh@example.jp", "192.0.2.1", t(20)).await,
            Attempt::Allowed
        );
        assert_eq!(b.count("sign_in_accounts").await, 21);
        // A day later every old row is gone.
        try_at(&b, "late@example.jp", "192.0.2.2", t(2 * 24 * 3600)).await;
        assert_eq!(b.count("sign_in_accounts").await, 1, "{}", b.name());
        assert_eq!(b.count("sign_in_sources").await, 1, "{}", b.name());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_are_counted_as_they_start() {
    for b in support::backends().await {
        // Two processes on one database, six guesses each, all at once.
        let stores = [b.second_process().await, b.second_process().await];
        let mut set = tokio::task::JoinSet::new();
        for i in 0..12 {
            let st = stores[i % 2].clone();
            set.spawn(async move {
                let p = ThrottlePolicy::from_limits(5, 15);
                st.reserve_sign_in("p@example.jp", "192.0.2.77", t(0), &p)
                    .await
            });
        }
        let outcomes = set.join_all().await;
        let allowed = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Attempt::Allowed)))
            .count();
        assert_eq!(allowed, 5, "{}: {outcomes:?}", b.name());
    }
}
