//! One story through the whole store, run unchanged on every backend.

use renkei_core::model::NewItem;
use renkei_core::{Audience, AuditOutcome, Marking, OrgKind, Role, SupplyLink, Timestamp, Tlp};
use renkei_store::{AuditQuery, StoreError};

use crate::support::{self, Backend, actor, org, system, user};

#[tokio::test]
async fn store_story_on_every_backend() {
    for b in support::backends().await {
        story(&b).await;
        eprintln!("store story passed on {}", b.name());
    }
}

async fn story(b: &Backend) {
    let s = b.store();
    s.ping().await.expect("ping");

    // -- directory -----------------------------------------------------
    let nco = org(
        s,
        "国家サイバー統括室",
        OrgKind::Coordinator,
        Some("government"),
    )
    .await;
    let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
    let rail = org(s, "関西鉄道", OrgKind::Operator, Some("railway")).await;
    let supplier = org(s, "ミライ制御", OrgKind::Supplier, None).await;
    assert_eq!(s.list_orgs().await.expect("orgs").len(), 4);

    let orgs_before = b.count("organisations").await;
    let dup = s
        .create_org(
            &system(),
            renkei_core::model::NewOrg {
                name_ja: "東都電力".into(),
                name_en: "dup".into(),
                kind: OrgKind::Operator,
                sector: None,
                prefecture: None,
            },
        )
        .await;
    assert!(
        matches!(
            dup,
            Err(StoreError::Conflict {
                field: "name_ja",
                ..
            })
        ),
        "{dup:?}"
    );
    assert_eq!(
        b.count("organisations").await,
        orgs_before,
        "a refused write stores nothing"
    );

    let nco_admin = user(s, &nco, "admin", Role::Admin).await;
    let power_admin = user(s, &power, "admin", Role::Admin).await;
    let power_soc = user(s, &power, "soc", Role::Reporter).await;
    let power_viewer = user(s, &power, "viewer", Role::Viewer).await;
    let rail_admin = user(s, &rail, "admin", Role::Admin).await;

    let dup_email = s
        .create_user(
            &system(),
            renkei_core::model::NewUser {
                org: rail.id,
                email: power_soc.email.clone(),
                display_name: "x".into(),
                role: Role::Viewer,
                password_hash: "h".into(),
            },
        )
        .await;
    assert!(
        matches!(dup_email, Err(StoreError::Conflict { field: "email", .. })),
        "{dup_email:?}"
    );
    let analyst_at_operator = s
        .create_user(
            &system(),
            renkei_core::model::NewUser {
                org: rail.id,
                email: renkei_core::Email::parse("a@rail.example.jp").expect("email"),
                display_name: "x".into(),
                role: Role::CoordinatorAnalyst,
                password_hash: "h".into(),
            },
        )
        .await;
    assert!(matches!(
        analyst_at_operator,
        Err(StoreError::Conflict { field: "role", .. })
    ));

    let creds = s
        .credentials(&power_soc.email)
        .await
        .expect("creds")
        .expect("found");
    assert_eq!(creds.user.id, power_soc.id);
    assert_eq!(creds.password_hash, "$argon2id$test");

    // A viewer cannot create users, and the refusal is audited.
    let viewer_actor = actor(s, &power_viewer).await;
    let denied = s
        .create_user(
            &viewer_actor,
            renkei_core::model::NewUser {
                org: power.id,
                email: renkei_core::Email::parse("new@power.example.jp").expect("email"),
                display_name: "x".into(),
                role: Role::Viewer,
                password_hash: "h".into(),
            },
        )
        .await;
    assert!(matches!(denied, Err(StoreError::AdminOnly(_))));
    // An organisation admin manages their own organisation only.
    let power_admin_actor = actor(s, &power_admin).await;
    let cross = s
        .create_user(
            &power_admin_actor,
            renkei_core::model::NewUser {
                org: rail.id,
                email: renkei_core::Email::parse("x@rail.example.jp").expect("email"),
                display_name: "x".into(),
                role: Role::Viewer,
                password_hash: "h".into(),
            },
        )
        .await;
    assert!(matches!(cross, Err(StoreError::AdminOnly(_))));

    // -- supply chain ----------------------------------------------------
    s.add_supply_link(
        &system(),
        SupplyLink::new(power.id, supplier.id, 1).expect("link"),
    )
    .await
    .expect("link");
    let again = s
        .add_supply_link(
            &system(),
            SupplyLink::new(power.id, supplier.id, 2).expect("link"),
        )
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Conflict {
            field: "contractor",
            ..
        })
    ));
    let unknown = s
        .add_supply_link(
            &system(),
            SupplyLink::new(power.id, renkei_core::OrgId(999), 1).expect("link"),
        )
        .await;
    assert!(matches!(
        unknown,
        Err(StoreError::Conflict {
            field: "contractor",
            ..
        })
    ));
    let not_admin = s
        .add_supply_link(
            &power_admin_actor,
            SupplyLink::new(rail.id, supplier.id, 1).expect("link"),
        )
        .await;
    assert!(matches!(not_admin, Err(StoreError::Forbidden(_))));
    assert_eq!(
        s.list_supply_links().await.expect("links"),
        vec![SupplyLink::new(power.id, supplier.id, 1).expect("l")]
    );

    // -- communities and terms -----------------------------------------
    let council = s
        .create_community(
            &system(),
            renkei_core::model::NewCommunity {
                name_ja: "協議会".into(),
                name_en: "Council".into(),
                description: String::new(),
                terms_version: "2026.10".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let m = s
        .add_membership(&system(), council.id, power.id)
        .await
        .expect("membership");
    assert!(m.accepted.is_none());
    assert!(
        s.viewer_for_user(power_soc.id)
            .await
            .expect("v")
            .communities
            .is_empty(),
        "not accepted yet"
    );
    let by_viewer = s.accept_terms(&viewer_actor, m.id).await;
    assert!(
        matches!(by_viewer, Err(StoreError::Forbidden(_))),
        "only the member's admin accepts"
    );
    let accepted = s
        .accept_terms(&power_admin_actor, m.id)
        .await
        .expect("accept");
    let acc = accepted.accepted.expect("recorded");
    assert_eq!(
        (acc.user, acc.terms_version.as_str()),
        (power_admin.id, "2026.10")
    );
    assert_eq!(
        s.viewer_for_user(power_soc.id)
            .await
            .expect("v")
            .communities,
        vec![council.id]
    );
    let dup_member = s.add_membership(&system(), council.id, power.id).await;
    assert!(
        matches!(dup_member, Err(StoreError::Conflict { .. })),
        "{dup_member:?}"
    );

    // -- shared items: need-to-know, versions ----------------------------
    let soc = actor(s, &power_soc).await;
    let rail_actor = actor(s, &rail_admin).await;
    let green = s
        .share_item(
            &soc,
            NewItem {
                title: "不審な通信".into(),
                body: "203.0.113.45".into(),
                marking: Marking {
                    tlp: Tlp::Green,
                    pap: None,
                    audience: Audience {
                        communities: vec![council.id],
                        ..Audience::default()
                    },
                    owner_org: power.id,
                    created_by: Some(power_soc.id),
                },
            },
        )
        .await
        .expect("share");
    assert_eq!(green.version, 1);
    assert_eq!(green.marking.audience.communities, vec![council.id]);
    let got = s
        .get_item(&viewer_actor, green.id)
        .await
        .expect("same org reads");
    assert_eq!(got.title, "不審な通信");
    assert!(
        matches!(
            s.get_item(&rail_actor, green.id).await,
            Err(StoreError::NotFound(_))
        ),
        "rail is not in the council"
    );
    assert!(
        s.list_items(&rail_actor, 100)
            .await
            .expect("list")
            .is_empty()
    );

    // Refused shares store nothing.
    let items_before = b.count("item_versions").await;
    let bad_audience = s
        .share_item(
            &soc,
            NewItem {
                title: "x".into(),
                body: String::new(),
                marking: Marking {
                    tlp: Tlp::Amber,
                    pap: None,
                    audience: Audience {
                        orgs: vec![renkei_core::OrgId(4242)],
                        ..Audience::default()
                    },
                    owner_org: power.id,
                    created_by: Some(power_soc.id),
                },
            },
        )
        .await;
    assert!(
        matches!(
            bad_audience,
            Err(StoreError::UnknownRecipients {
                field: "audience.orgs",
                ..
            })
        ),
        "{bad_audience:?}"
    );
    let viewer_share = s
        .share_item(
            &viewer_actor,
            NewItem {
                title: "x".into(),
                body: String::new(),
                marking: Marking {
                    tlp: Tlp::Clear,
                    pap: None,
                    audience: Audience::default(),
                    owner_org: power.id,
                    created_by: Some(power_viewer.id),
                },
            },
        )
        .await;
    assert!(matches!(viewer_share, Err(StoreError::Forbidden(_))));
    let empty_title = s
        .share_item(
            &soc,
            NewItem {
                title: "  ".into(),
                body: String::new(),
                marking: Marking {
                    tlp: Tlp::Clear,
                    pap: None,
                    audience: Audience::default(),
                    owner_org: power.id,
                    created_by: Some(power_soc.id),
                },
            },
        )
        .await;
    assert!(matches!(empty_title, Err(StoreError::Invalid(ref e)) if e.field == "title"));
    assert_eq!(b.count("item_versions").await, items_before);

    // Amending adds a version and keeps the first one as it was.
    let amended = s
        .amend_item(
            &soc,
            green.id,
            NewItem {
                title: "不審な通信（更新）".into(),
                body: "203.0.113.45, 203.0.113.46".into(),
                marking: Marking {
                    tlp: Tlp::Amber,
                    pap: None,
                    audience: Audience {
                        orgs: vec![rail.id],
                        ..Audience::default()
                    },
                    owner_org: power.id,
                    created_by: Some(power_soc.id),
                },
            },
        )
        .await
        .expect("amend");
    assert_eq!(amended.version, 2);
    let versions = s.item_versions(&soc, green.id).await.expect("versions");
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.title.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "不審な通信"), (2, "不審な通信（更新）")]
    );
    // Rail is in version 2's audience only: it sees v2, never v1.
    let rail_versions = s
        .item_versions(&rail_actor, green.id)
        .await
        .expect("rail versions");
    assert_eq!(
        rail_versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2]
    );
    let rail_amend = s
        .amend_item(
            &rail_actor,
            green.id,
            NewItem {
                title: "hijack".into(),
                body: String::new(),
                marking: Marking {
                    tlp: Tlp::Clear,
                    pap: None,
                    audience: Audience::default(),
                    owner_org: rail.id,
                    created_by: Some(rail_admin.id),
                },
            },
        )
        .await;
    assert!(
        matches!(rail_amend, Err(StoreError::Forbidden(_))),
        "{rail_amend:?}"
    );

    // -- tokens and sessions --------------------------------------------
    let t = s
        .create_api_token(&power_admin_actor, power.id, "feed", Role::Viewer, "hash-1")
        .await
        .expect("token");
    let found = s
        .token_by_hash("hash-1")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.id, t.id);
    let tv = s.viewer_for_token(&found).await.expect("token viewer");
    assert_eq!(
        (tv.org, tv.user, tv.role),
        (Some(power.id), None, Some(Role::Viewer))
    );
    assert!(
        s.create_api_token(&rail_actor, power.id, "steal", Role::Viewer, "hash-2")
            .await
            .is_err()
    );
    assert!(
        s.create_api_token(&power_admin_actor, power.id, "adm", Role::Admin, "hash-3")
            .await
            .is_err(),
        "tokens never administer"
    );
    s.revoke_api_token(&power_admin_actor, t.id)
        .await
        .expect("revoke");
    assert!(s.token_by_hash("hash-1").await.expect("lookup").is_none());

    let now = Timestamp::now();
    s.create_session(power_soc.id, "sess-1", "csrf-1", now.plus_seconds(60))
        .await
        .expect("session");
    let sess = s
        .session_by_hash("sess-1", now)
        .await
        .expect("s")
        .expect("found");
    assert_eq!(
        (sess.user, sess.csrf_token.as_str()),
        (power_soc.id, "csrf-1")
    );
    assert!(
        s.session_by_hash("sess-1", now.plus_seconds(61))
            .await
            .expect("s")
            .is_none(),
        "expired"
    );
    s.revoke_session(&actor(s, &power_soc).await, "sess-1")
        .await
        .expect("revoke");
    assert!(
        s.session_by_hash("sess-1", now).await.expect("s").is_none(),
        "revoked"
    );

    // Sign-in throttling (crates/renkei-store/tests/it/accounts.rs has the rest).
    let policy = renkei_store::auth::ThrottlePolicy::from_limits(5, 15);
    assert_eq!(
        s.reserve_sign_in("x@example.jp", "192.0.2.1", now, &policy)
            .await
            .expect("reserve"),
        renkei_store::auth::Attempt::Allowed
    );
    s.sign_in_succeeded("x@example.jp", "192.0.2.1", &policy)
        .await
        .expect("release");

    // -- audit -------------------------------------------------------------
    let n = s.verify_audit().await.expect("verify").expect("intact");
    assert_eq!(n, b.count("audit_log").await);
    let nco_actor = actor(s, &nco_admin).await;
    let all = s
        .list_audit(
            &nco_actor,
            AuditQuery {
                org: None,
                before_seq: None,
                limit: 500,
            },
        )
        .await
        .expect("platform admin");
    assert!(all.iter().any(|e| e.action == "user.create"
        && e.outcome == AuditOutcome::Denied
        && e.actor == power_viewer.email.as_str()));
    assert!(
        all.iter()
            .any(|e| e.action == "item.read" && e.object == format!("item:{}", green.id)),
        "restricted reads audited"
    );
    assert!(
        all.iter().any(|e| e.action == "item.read"
            && e.outcome == AuditOutcome::Denied
            && e.actor == rail_admin.email.as_str()),
        "refused reads audited"
    );
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let own = s
        .list_audit(
            &power_admin_actor,
            AuditQuery {
                org: Some(power.id),
                before_seq: None,
                limit: 500,
            },
        )
        .await
        .expect("own");
    assert!(!own.is_empty() && own.iter().all(|e| e.actor_org == Some(power.id)));
    let page = s
        .list_audit(
            &nco_actor,
            AuditQuery {
                org: None,
                before_seq: Some(all[9].seq),
                limit: 5,
            },
        )
        .await
        .expect("page");
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        all[10..15].iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    assert!(
        s.list_audit(
            &power_admin_actor,
            AuditQuery {
                org: Some(rail.id),
                ..AuditQuery::default()
            }
        )
        .await
        .is_err()
    );
    assert!(
        s.list_audit(&power_admin_actor, AuditQuery::default())
            .await
            .is_err(),
        "only platform admins read all"
    );
    assert!(
        s.list_audit(
            &viewer_actor,
            AuditQuery {
                org: Some(power.id),
                ..AuditQuery::default()
            }
        )
        .await
        .is_err()
    );
    // Reading the log is itself recorded, and the chain still holds.
    assert!(s.verify_audit().await.expect("verify").expect("intact") > n);
}

/// Concurrent appenders form one unbroken chain: the group writers of two
/// processes on one database (each hashing onto the head it last saw) and
/// write transactions of both, all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_keep_the_chain_intact() {
    for b in support::backends().await {
        let one: std::sync::Arc<dyn renkei_store::Store> = match b {
            Backend::Sqlite(ref s, _) => std::sync::Arc::new(s.clone()),
            Backend::Pg(ref s, _) => std::sync::Arc::new(s.clone()),
        };
        let two = b.second_process().await;
        let intact = |r: Result<Result<i64, renkei_core::ChainBreak>, _>| {
            r.expect("verify").expect("intact")
        };
        let before = intact(one.verify_audit().await);
        org(one.as_ref(), "計測会社", OrgKind::Supplier, None).await;
        let per_org = intact(one.verify_audit().await) - before;
        assert!(per_org > 0, "{}", b.name());
        let mut tasks = Vec::new();
        for t in 0..8 {
            let store = if t % 2 == 0 { one.clone() } else { two.clone() };
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    let ev = renkei_store::AuditEvent {
                        action: "test.event".into(),
                        object: format!("task:{t}:{i}"),
                        outcome: AuditOutcome::Ok,
                        detail: String::new(),
                    };
                    store.audit(&system(), ev).await.expect("append");
                }
            }));
        }
        for t in 0..2 {
            let store = if t == 0 { one.clone() } else { two.clone() };
            tasks.push(tokio::spawn(async move {
                for i in 0..5 {
                    org(
                        store.as_ref(),
                        &format!("会社{t}-{i}"),
                        OrgKind::Supplier,
                        None,
                    )
                    .await;
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let expected = before + per_org + 200 + 10 * per_org;
        assert_eq!(
            one.verify_audit().await.expect("verify"),
            Ok(expected),
            "{}",
            b.name()
        );
    }
}

/// Keyset pages resume inside a batch whose objects share one `date_added`
/// and run on into the next batch, in both directions and on every read
/// that pages by `(date_added, pk)` (SQLite reads these as two seeks).
#[tokio::test]
async fn keyset_pages_cross_batches_that_share_a_date_added() {
    for b in support::backends().await {
        keyset_pages(&b).await;
    }
}

/// An organisation with a reporter in a community with a GREEN collection,
/// which holds only what the test shares.
pub(crate) async fn sharing_setup(
    b: &Backend,
) -> (renkei_core::Actor, renkei_core::model::Collection) {
    let setup = collection_setup(b).await;
    b.without_system_objects().await;
    setup
}

/// [`sharing_setup`], the collection as created: holding the definitions
/// every collection holds.
pub(crate) async fn collection_setup(
    b: &Backend,
) -> (renkei_core::Actor, renkei_core::model::Collection) {
    let s = b.store();
    let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
    let admin = user(s, &power, "admin", Role::Admin).await;
    let rep_user = user(s, &power, "rep", Role::Reporter).await;
    let council = s
        .create_community(
            &system(),
            renkei_core::model::NewCommunity {
                name_ja: "協議会".into(),
                name_en: "Council".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let m = s
        .add_membership(&system(), council.id, power.id)
        .await
        .expect("membership");
    s.accept_terms(&actor(s, &admin).await, m.id)
        .await
        .expect("accept");
    let col = s
        .create_collection(
            &system(),
            renkei_core::model::NewCollection {
                community: council.id,
                title: "c".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await
        .expect("collection");
    // The viewer is read after the terms are accepted: now a member.
    (actor(s, &rep_user).await, col)
}

async fn keyset_pages(b: &Backend) {
    use renkei_store::intel::{NewStixVersion, StixQuery};
    let s = b.store();
    let (rep, col) = sharing_setup(b).await;
    // Three batches of seven: each batch's objects share its date_added.
    for batch in 0..3 {
        let objects = (0..7)
            .map(|n| NewStixVersion {
                stix_id: format!("indicator--00000000-0000-4000-8000-{:012}", batch * 7 + n),
                body: format!("{{\"n\": {}}}", batch * 7 + n),
                ..version_of(0)
            })
            .collect();
        let out = s.add_stix(&rep, &col, objects).await.expect("add");
        assert_eq!(out.successes.len(), 7);
        // One add stamps each object a microsecond apart (TAXII 2.1 §3.5);
        // concurrent adds can still tie, so this batch is made to share
        // one date_added here.
        let ids: Vec<String> = (0..7)
            .map(|n| format!("'indicator--00000000-0000-4000-8000-{:012}'", batch * 7 + n))
            .collect();
        let ids = ids.join(", ");
        b.exec(&format!(
            "UPDATE stix_objects SET date_added = (
                 SELECT MIN(date_added) FROM stix_objects WHERE stix_id IN ({ids}))
             WHERE stix_id IN ({ids})"
        ))
        .await;
    }
    let all = s
        .stix_page(&rep, &col, &StixQuery::new(100))
        .await
        .expect("all")
        .rows;
    assert_eq!(all.len(), 21);
    let keys: Vec<(i64, i64)> = all.iter().map(|r| (r.date_added, r.pk)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "oldest first");
    let batches: std::collections::BTreeSet<i64> = keys.iter().map(|k| k.0).collect();
    assert_eq!(batches.len(), 3);

    // Forward, five at a time, from every starting point.
    for start in 0..all.len() {
        let mut q = StixQuery::new(5);
        q.after = Some(keys[start]);
        let mut got = Vec::new();
        loop {
            let page = s.stix_page(&rep, &col, &q).await.expect("page");
            let env = s.stix_envelope(&rep, &col, &q).await.expect("envelope");
            assert_eq!(env.count as usize, page.rows.len());
            assert_eq!(env.last, page.rows.last().map(|r| (r.date_added, r.pk)));
            assert_eq!(env.more, page.more);
            got.extend(page.rows.iter().map(|r| (r.date_added, r.pk)));
            match page.rows.last() {
                Some(l) if page.more => q.after = Some((l.date_added, l.pk)),
                _ => break,
            }
        }
        assert_eq!(
            got,
            keys[start + 1..],
            "forward from {start} on {}",
            b.name()
        );
    }
    // Newest first (the portal's object list), from every starting point.
    let newest: Vec<(i64, i64)> = keys.iter().rev().copied().collect();
    for start in 0..newest.len() {
        let mut q = StixQuery::new(4);
        q.newest_first = true;
        q.after = Some(newest[start]);
        let page = s.stix_page(&rep, &col, &q).await.expect("page");
        let got: Vec<(i64, i64)> = page.rows.iter().map(|r| (r.date_added, r.pk)).collect();
        let want = &newest[start + 1..(start + 5).min(newest.len())];
        assert_eq!(got, want, "newest first from {start} on {}", b.name());
        assert_eq!(page.more, start + 5 < newest.len());
    }
    // Search pages (newest first) and notifications (oldest first).
    for start in 0..newest.len() {
        let found = s
            .search(
                &rep,
                &renkei_store::index::SearchQuery {
                    before: Some(newest[start]),
                    limit: 4,
                    ..Default::default()
                },
            )
            .await
            .expect("search");
        let got: Vec<(i64, i64)> = found.iter().map(|f| (f.row.date_added, f.row.pk)).collect();
        assert_eq!(
            got,
            newest[start + 1..(start + 5).min(newest.len())],
            "search from {start}"
        );
        let since = s.added_since(&rep, keys[start], 4).await.expect("since");
        let got: Vec<(i64, i64)> = since.iter().map(|f| (f.row.date_added, f.row.pk)).collect();
        assert_eq!(
            got,
            keys[start + 1..(start + 5).min(keys.len())],
            "added since {start}"
        );
    }
}

/// Filtering by STIX type gives the same pages whether a query may use the
/// type indexes (types without `indicator`, migration 0006) or not, across
/// batches that share a `date_added`, oldest first (TAXII) and newest first
/// (search). (That SQLite's plans use them: `sqlite.rs`'s unit test.)
#[tokio::test]
async fn type_filters_page_alike_through_the_type_indexes() {
    for b in support::backends().await {
        type_filters(&b).await;
    }
}

async fn type_filters(b: &Backend) {
    use renkei_store::intel::{NewStixVersion, StixQuery};
    let s = b.store();
    let (rep, col) = sharing_setup(b).await;
    let types = ["indicator", "malware", "report"];
    for batch in 0..3 {
        let objects: Vec<NewStixVersion> = (0..9)
            .map(|n| {
                let t = types[(n + batch) % 3];
                NewStixVersion {
                    stix_id: format!("{t}--00000000-0000-4000-8000-{:012}", batch * 9 + n),
                    stix_type: t.into(),
                    ..version_of(0)
                }
            })
            .collect();
        let out = s.add_stix(&rep, &col, objects).await.expect("add");
        assert_eq!(out.successes.len(), 9);
    }
    let all = s
        .stix_page(&rep, &col, &StixQuery::new(100))
        .await
        .expect("all")
        .rows;
    assert_eq!(all.len(), 27);
    let filters: [&[&str]; 5] = [
        &["malware"],
        &["report"],
        &["malware", "report"],
        &["indicator"],
        &["indicator", "malware"],
    ];
    for f in filters {
        let want: Vec<&str> = all
            .iter()
            .filter(|r| f.contains(&r.stix_type.as_str()))
            .map(|r| r.stix_id.as_str())
            .collect();
        assert_eq!(want.len(), 9 * f.len());
        // TAXII pages of two, oldest first.
        let mut q = StixQuery::new(2);
        q.types = f.iter().map(|t| t.to_string()).collect();
        let mut got = Vec::new();
        loop {
            let page = s.stix_page(&rep, &col, &q).await.expect("page");
            let env = s.stix_envelope(&rep, &col, &q).await.expect("envelope");
            assert_eq!(
                (env.count as usize, env.last),
                (
                    page.rows.len(),
                    page.rows.last().map(|r| (r.date_added, r.pk))
                )
            );
            got.extend(page.rows.iter().map(|r| r.stix_id.clone()));
            match page.rows.last() {
                Some(l) if page.more => q.after = Some((l.date_added, l.pk)),
                _ => break,
            }
        }
        assert_eq!(got, want, "TAXII pages of {f:?} on {}", b.name());
        // Search pages of two, newest first.
        let mut sq = renkei_store::index::SearchQuery {
            types: q.types.clone(),
            limit: 2,
            ..Default::default()
        };
        let mut got = Vec::new();
        loop {
            let found = s.search(&rep, &sq).await.expect("search");
            got.extend(found.iter().map(|f| f.row.stix_id.clone()));
            match found.last() {
                Some(l) if found.len() == 2 => sq.before = Some((l.row.date_added, l.row.pk)),
                _ => break,
            }
        }
        let newest: Vec<&str> = want.iter().rev().copied().collect();
        assert_eq!(got, newest, "search pages of {f:?} on {}", b.name());
    }
}

/// "The latest version" stays right while versions arrive out of order, in
/// one batch, and are deleted (the `has_newer` hint, migration 0004).
#[tokio::test]
async fn the_latest_version_holds_through_out_of_order_adds_and_deletes() {
    for b in support::backends().await {
        latest_versions(&b).await;
    }
}

pub(crate) const VERSIONED: &str = "indicator--00000000-0000-4000-8000-00000000000a";

pub(crate) fn version_of(second: i64) -> renkei_store::intel::NewStixVersion {
    renkei_store::intel::NewStixVersion {
        stix_id: VERSIONED.into(),
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some((
            format!("2026-11-01T00:00:{second:02}.000Z"),
            1_793_491_200_000_000 + second * 1_000_000,
        )),
        tlp: None,
        audience: Audience::default(),
        body: format!("{{\"v\": {second}}}"),
        index: Default::default(),
    }
}

/// The versions a read shows, as the seconds of their `modified`.
async fn shown(
    b: &Backend,
    rep: &renkei_core::Actor,
    col: &renkei_core::model::Collection,
    versions: renkei_store::intel::VersionMatch,
) -> Vec<String> {
    let mut q = renkei_store::intel::StixQuery::new(100);
    q.versions = versions;
    let page = b.store().stix_page(rep, col, &q).await.expect("page");
    page.rows
        .iter()
        .map(|r| r.version[17..19].to_owned())
        .collect()
}

async fn latest_versions(b: &Backend) {
    use renkei_store::intel::VersionMatch;
    let s = b.store();
    let (rep, col) = sharing_setup(b).await;
    let add = |seconds: &'static [i64]| {
        let (rep, col) = (rep.clone(), col.clone());
        async move {
            let out = s
                .add_stix(&rep, &col, seconds.iter().map(|&t| version_of(t)).collect())
                .await
                .expect("add");
            assert!(out.failures.is_empty(), "{:?}", out.failures);
        }
    };
    let delete = |second: i64| {
        let (rep, col) = (rep.clone(), col.clone());
        async move {
            let at = VersionMatch {
                at: vec![1_793_491_200_000_000 + second * 1_000_000],
                ..VersionMatch::default()
            };
            s.delete_stix(&rep, &col, VERSIONED, &at.into())
                .await
                .expect("delete");
        }
    };
    let steps: [(&str, &[&str]); 6] = [
        ("one version", &["20"]),
        ("an older one arrives after it", &["20"]),
        ("two newer ones in one batch", &["30"]),
        ("the newest deleted", &["25"]),
        ("two more deleted", &["10"]),
        ("a newer one again", &["40"]),
    ];
    for (n, (what, want)) in steps.iter().enumerate() {
        match n {
            0 => add(&[20]).await,
            1 => add(&[10]).await,
            2 => add(&[30, 25]).await,
            3 => delete(30).await,
            4 => {
                delete(25).await;
                delete(20).await;
            }
            _ => add(&[40]).await,
        }
        let last = shown(b, &rep, &col, VersionMatch::last()).await;
        assert_eq!(last, *want, "{what} on {}", b.name());
        // The same answer as working it out from all undeleted versions.
        let all = shown(b, &rep, &col, VersionMatch::all()).await;
        assert_eq!(
            all.iter().max(),
            want.first().map(|w| w.to_string()).as_ref()
        );
        let found = s
            .search(
                &rep,
                &renkei_store::index::SearchQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("search");
        let found: Vec<String> = found
            .iter()
            .map(|f| f.row.version[17..19].to_owned())
            .collect();
        assert_eq!(found, *want, "search: {what} on {}", b.name());
    }
    let first = shown(
        b,
        &rep,
        &col,
        VersionMatch {
            first: true,
            ..VersionMatch::default()
        },
    )
    .await;
    assert_eq!(first, ["10"]);
}

/// Two adds of different versions of one object at the same time, for new
/// objects and then for known ones, still leave exactly one latest version
/// (on PostgreSQL adds of one object take turns on its head row, migration
/// 0005; SQLite's writers always take turns).
#[tokio::test]
async fn concurrent_adds_of_one_objects_versions_leave_one_latest() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        for (what, older, newer) in [("new", 10, 20), ("known", 30, 40)] {
            for round in 0..20_i64 {
                let version = |second: i64| renkei_store::intel::NewStixVersion {
                    stix_id: format!("indicator--00000000-0000-4000-8000-{round:012}"),
                    ..version_of(second)
                };
                let (a, c) = tokio::join!(
                    s.add_stix(&rep, &col, vec![version(older)]),
                    s.add_stix(&rep, &col, vec![version(newer)])
                );
                assert!(a.is_ok() && c.is_ok(), "{a:?} {c:?}");
            }
            let latest = shown(&b, &rep, &col, renkei_store::intel::VersionMatch::last()).await;
            let want = newer.to_string();
            assert_eq!(
                latest,
                vec![want; 20],
                "one latest version per {what} object on {}",
                b.name()
            );
        }
    }
}

/// A resolved token is reused between requests, but a revocation or a
/// membership change applies to the next look-up through the same store,
/// and within a second through another process on the same database.
#[tokio::test]
async fn token_changes_apply_to_the_next_look_up() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        let power = rep.viewer.org.expect("org");
        let power_org = s.get_org(power).await.expect("org");
        let admin = actor(s, &user(s, &power_org, "admin2", Role::Admin).await).await;
        let t = s
            .create_api_token(&admin, power, "feed", Role::Viewer, "tc-1")
            .await
            .expect("token");
        let communities = |r: Option<(renkei_core::model::ApiToken, renkei_core::Viewer)>| {
            r.expect("token resolves").1.communities
        };
        let first = s.token_viewer("tc-1").await.expect("look-up");
        assert_eq!(communities(first), vec![col.community], "{}", b.name());
        // Cached now; the membership ends through this store.
        let m = s
            .list_memberships(Some(col.community))
            .await
            .expect("memberships")
            .into_iter()
            .find(|m| m.org == power)
            .expect("membership");
        s.end_membership(&system(), m.id).await.expect("end");
        let after = s.token_viewer("tc-1").await.expect("look-up");
        assert_eq!(communities(after), vec![], "{}", b.name());

        // Another process resolves (and keeps) the token; this one revokes it.
        let two = b.second_process().await;
        assert!(two.token_viewer("tc-1").await.expect("look-up").is_some());
        s.revoke_api_token(&admin, t.id).await.expect("revoke");
        assert!(
            s.token_viewer("tc-1").await.expect("look-up").is_none(),
            "{}: revoked here, refused here at once",
            b.name()
        );
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert!(
            two.token_viewer("tc-1").await.expect("look-up").is_none(),
            "{}: revoked elsewhere, refused within a second",
            b.name()
        );
    }
}

/// Hot reads (TAXII pages, token look-ups) go on when PostgreSQL has
/// dropped the sessions they would reuse (a restart, a terminated backend):
/// the read runs once more on a new session instead of failing.
#[tokio::test]
async fn hot_reads_survive_dropped_sessions() {
    use renkei_store::intel::{NewStixVersion, StixQuery};
    for b in support::backends().await {
        let Backend::Pg(_, ref url) = b else { continue };
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        let objects = (0..3)
            .map(|n| NewStixVersion {
                stix_id: format!("indicator--00000000-0000-4000-8000-{n:012}"),
                body: format!("{{\"n\": {n}}}"),
                ..version_of(0)
            })
            .collect();
        s.add_stix(&rep, &col, objects).await.expect("add");
        let q = StixQuery::new(10);
        // Several reads at once, so that several sessions sit idle.
        let (p1, p2, p3, p4) = tokio::join!(
            s.stix_envelope(&rep, &col, &q),
            s.stix_envelope(&rep, &col, &q),
            s.token_viewer("unknown"),
            s.token_viewer("unknown-2"),
        );
        assert_eq!((p1.expect("page").count, p2.expect("page").count), (3, 3));
        assert!(p3.expect("look-up").is_none() && p4.expect("look-up").is_none());

        let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                    WHERE datname = current_database() AND pid <> pg_backend_pid()";
        // On a connection of its own: the store's pool goes down too.
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .expect("connect");
        sqlx::query(kill)
            .execute(&mut admin)
            .await
            .expect("terminate");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let found = s.token_viewer("unknown").await;
        assert!(
            found
                .expect("token look-up after the sessions were dropped")
                .is_none()
        );
        sqlx::query(kill)
            .execute(&mut admin)
            .await
            .expect("terminate");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let page = s.stix_envelope(&rep, &col, &q).await;
        assert_eq!(page.expect("page after the sessions were dropped").count, 3);
    }
}
