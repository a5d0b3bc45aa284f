//! Regressions of the outside probe's findings (issue 15): another sharer
//! of an id learns nothing about it and changes nothing for its readers;
//! audiences name only what exists and no value stands for "nobody";
//! deleting needs read access and answers alike for what one may not read
//! and what does not exist; a deactivated user's tokens stop working. Each
//! on SQLite and PostgreSQL.

use renkei_core::model::{Collection, NewCollection, NewCommunity, Org, User};
use renkei_core::{Actor, Audience, AuditOutcome, CommunityId, OrgId, OrgKind, Role, Tlp, UserId};
use renkei_store::intel::{NewStixVersion, StixQuery, VersionMatch};
use renkei_store::{AuditQuery, Store, StoreError};

use crate::support::{self, actor, org, system, user};

const X: &str = "indicator--00000000-0000-4000-8000-0000000000aa";
const Y: &str = "indicator--00000000-0000-4000-8000-0000000000bb";

/// Two member organisations of one community and its collection: `power`
/// (a reporter who shares, a reporting colleague, a named recipient who
/// also reports) and `gas` (a reporter).
struct World {
    power: Org,
    gas: Org,
    rep: User,
    colleague: User,
    named: User,
    gas_rep: User,
    admin: User,
    col: Collection,
}

async fn world(s: &dyn Store) -> World {
    let power = org(s, "東都電力", OrgKind::Operator, Some("electricity")).await;
    let gas = org(s, "関西ガス", OrgKind::Operator, Some("gas")).await;
    let admin = user(s, &power, "admin", Role::Admin).await;
    let gas_admin = user(s, &gas, "admin", Role::Admin).await;
    let council = s
        .create_community(
            &system(),
            NewCommunity {
                name_ja: "協議会".into(),
                name_en: "Council".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    for (o, a) in [(&power, &admin), (&gas, &gas_admin)] {
        let m = s
            .add_membership(&system(), council.id, o.id)
            .await
            .expect("membership");
        s.accept_terms(&actor(s, a).await, m.id)
            .await
            .expect("accept");
    }
    let col = s
        .create_collection(
            &system(),
            NewCollection {
                community: council.id,
                title: "c".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await
        .expect("collection");
    World {
        rep: user(s, &power, "rep", Role::Reporter).await,
        colleague: user(s, &power, "colleague", Role::Reporter).await,
        named: user(s, &power, "named", Role::Reporter).await,
        gas_rep: user(s, &gas, "rep", Role::Reporter).await,
        admin,
        power,
        gas,
        col,
    }
}

fn version(id: &str, second: i64, tlp: Tlp, users: &[UserId], name: &str) -> NewStixVersion {
    NewStixVersion {
        stix_id: id.into(),
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some((
            format!("2026-11-01T00:00:{second:02}.000Z"),
            1_793_491_200_000_000 + second * 1_000_000,
        )),
        tlp: Some(tlp),
        audience: Audience {
            users: users.to_vec(),
            ..Audience::default()
        },
        body: format!("{{\"name\": \"{name}\", \"v\": {second}}}"),
        index: Default::default(),
    }
}

/// The `(name, version second)` of each version `a` reads of `id`
/// through the collection page, sorted.
async fn page_of(
    s: &dyn Store,
    a: &Actor,
    col: &Collection,
    id: &str,
    m: VersionMatch,
) -> Vec<String> {
    let mut q = StixQuery::new(100);
    q.ids = vec![id.to_owned()];
    q.versions = m;
    let mut got: Vec<String> = s
        .stix_page(a, col, &q)
        .await
        .expect("page")
        .rows
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
            format!("{} {}", v["name"].as_str().unwrap_or_default(), v["v"])
        })
        .collect();
    got.sort();
    got
}

/// Finding 2 (existence oracle) and 3 (heading takeover), in the store:
/// adding an id another organisation holds, even as TLP:RED unreadable to
/// the adder, answers exactly as adding an id nobody holds, and is stored
/// as the adder's own line; nothing the other sharer does changes which
/// version is the latest of the first sharer's line.
#[tokio::test]
async fn another_sharer_of_an_id_learns_nothing_and_changes_nothing() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let (rep, gas_rep) = (actor(s, &w.rep).await, actor(s, &w.gas_rep).await);
        let named = actor(s, &w.named).await;
        let red = version(X, 20, Tlp::Red, &[w.named.id], "power red");
        let out = s.add_stix(&rep, &w.col, vec![red]).await.expect("add");
        assert!(out.failures.is_empty(), "{:?}", out.failures);

        // The same id and version, and an id nobody holds: the same answer.
        let held = s
            .add_stix(
                &gas_rep,
                &w.col,
                vec![version(X, 20, Tlp::Green, &[], "gas")],
            )
            .await
            .expect("add held");
        let fresh = s
            .add_stix(
                &gas_rep,
                &w.col,
                vec![version(Y, 20, Tlp::Green, &[], "gas")],
            )
            .await
            .expect("add fresh");
        assert!(
            held.failures.is_empty(),
            "{}: {:?}",
            b.name(),
            held.failures
        );
        assert_eq!(held.successes.len(), fresh.successes.len(), "{}", b.name());
        assert_eq!(held.successes[0].1, fresh.successes[0].1);
        // Stored as gas's own line: gas reads back what it shared.
        assert_eq!(
            page_of(s, &gas_rep, &w.col, X, VersionMatch::all()).await,
            ["gas 20"],
            "{}",
            b.name()
        );
        let versions = s.object_versions(&gas_rep, X).await.expect("versions");
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].owner_org, w.gas.id.0);

        // Gas adds newer versions: power's line keeps its own latest.
        let out = s
            .add_stix(
                &gas_rep,
                &w.col,
                vec![version(X, 40, Tlp::Green, &[], "gas newer")],
            )
            .await
            .expect("add");
        assert!(out.failures.is_empty(), "{:?}", out.failures);
        assert_eq!(
            page_of(s, &named, &w.col, X, VersionMatch::last()).await,
            ["gas newer 40", "power red 20"],
            "{}: each line's latest",
            b.name()
        );
        let first = VersionMatch {
            first: true,
            ..VersionMatch::default()
        };
        assert_eq!(
            page_of(s, &named, &w.col, X, first).await,
            ["gas 20", "power red 20"],
            "{}: each line's first",
            b.name()
        );
        let found = s
            .search(
                &named,
                &renkei_store::index::SearchQuery {
                    text: Some("power red".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("search");
        assert_eq!(found.len(), 1, "{}: power's line is found", b.name());
        // A second version in power's own line moves power's latest.
        let out = s
            .add_stix(
                &rep,
                &w.col,
                vec![version(X, 30, Tlp::Red, &[w.named.id], "power red 2")],
            )
            .await
            .expect("add");
        assert!(out.failures.is_empty());
        assert_eq!(
            page_of(s, &named, &w.col, X, VersionMatch::last()).await,
            ["gas newer 40", "power red 2 30"]
        );

        // Inside one organisation: a colleague who may not read the RED
        // version adds the same id and version; it is the colleague's own.
        let colleague = actor(s, &w.colleague).await;
        let out = s
            .add_stix(
                &colleague,
                &w.col,
                vec![version(X, 20, Tlp::Red, &[], "colleague")],
            )
            .await
            .expect("add");
        assert!(out.failures.is_empty());
        let mine: Vec<String> = s
            .object_versions(&colleague, X)
            .await
            .expect("the colleague reads back its own version")
            .iter()
            .map(|f| f.row.body.clone())
            .filter(|b| b.contains("colleague"))
            .collect();
        assert_eq!(mine.len(), 1, "{}", b.name());
    }
}

/// Finding 4: audiences naming what does not exist are refused on every
/// add, naming each unknown id, and nothing is stored.
#[tokio::test]
async fn audiences_naming_what_does_not_exist_are_refused() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let rep = actor(s, &w.rep).await;
        let before = b.count("stix_objects").await;
        let cases: [(Audience, &str, &[&str]); 4] = [
            (
                Audience {
                    users: vec![UserId(-1)],
                    ..Audience::default()
                },
                "audience.users",
                &["user:-1"],
            ),
            (
                Audience {
                    users: vec![UserId(999), w.named.id],
                    ..Audience::default()
                },
                "audience.users",
                &["user:999"],
            ),
            (
                Audience {
                    orgs: vec![OrgId(999)],
                    communities: vec![CommunityId(998)],
                    ..Audience::default()
                },
                "audience",
                &["org:999", "community:998"],
            ),
            (
                Audience {
                    orgs: vec![w.gas.id, OrgId(0)],
                    ..Audience::default()
                },
                "audience.orgs",
                &["org:0"],
            ),
        ];
        for (aud, want_field, names) in cases {
            let mut v = version(X, 20, Tlp::Amber, &[], "x");
            v.audience = aud.clone();
            if aud.orgs.is_empty() && aud.communities.is_empty() {
                v.tlp = Some(Tlp::Red);
            }
            for whole in [false, true] {
                let vs = vec![v.clone(), version(Y, 20, Tlp::Green, &[], "y")];
                let r = if whole {
                    s.add_stix_whole(&rep, &w.col, vs).await
                } else {
                    s.add_stix(&rep, &w.col, vs).await
                };
                match r {
                    Err(StoreError::UnknownRecipients { field, names: got }) => {
                        assert_eq!(field, want_field, "{}: {got:?}", b.name());
                        for n in names {
                            assert!(got.iter().any(|g| g == n), "{got:?} names {n}");
                        }
                    }
                    other => panic!("{}: {aud:?} gave {other:?}", b.name()),
                }
            }
        }
        assert_eq!(b.count("stix_objects").await, before, "nothing stored");
    }
}

/// Finding 4: no bound value stands for "no user". An audience row naming
/// user -1 (as stored before audiences were checked) reaches nobody, in
/// particular not an API token, which has no user.
#[tokio::test]
async fn no_value_stands_for_nobody() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let rep = actor(s, &w.rep).await;
        let out = s
            .add_stix(
                &rep,
                &w.col,
                vec![version(X, 20, Tlp::Red, &[w.named.id], "red")],
            )
            .await
            .expect("add");
        assert!(out.failures.is_empty());
        b.exec("INSERT INTO stix_audience (object_pk, user_id) SELECT pk, -1 FROM stix_objects")
            .await;
        s.create_api_token(&system(), w.gas.id, "feed", Role::Viewer, "nobody-1")
            .await
            .expect("token");
        let (_, v) = s
            .token_viewer("nobody-1")
            .await
            .expect("look-up")
            .expect("token resolves");
        let token = Actor {
            viewer: v,
            label: "token".into(),
            source: "t".into(),
            system: false,
        };
        assert!(
            page_of(s, &token, &w.col, X, VersionMatch::all())
                .await
                .is_empty(),
            "{}: a token read a RED object addressed to user -1",
            b.name()
        );
        assert!(s.object_versions(&token, X).await.is_err(), "{}", b.name());
        let mut q = StixQuery::new(10);
        q.ids = vec![X.into()];
        let env = s.stix_envelope(&token, &w.col, &q).await.expect("envelope");
        assert_eq!(env.count, 0, "{}", b.name());
        let found = s
            .search(
                &token,
                &renkei_store::index::SearchQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("search");
        assert!(found.is_empty(), "{}", b.name());
    }
}

/// Finding 5: deleting needs read access; TLP:RED is deleted only by the
/// person who shared it; a delete of what one may not read answers as a
/// delete of what does not exist; every attempt is audited.
#[tokio::test]
async fn deleting_needs_read_access_and_red_its_sharer() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let (rep, colleague) = (actor(s, &w.rep).await, actor(s, &w.colleague).await);
        let named = actor(s, &w.named).await;
        let out = s
            .add_stix(
                &rep,
                &w.col,
                vec![
                    version(X, 20, Tlp::Red, &[w.named.id], "red"),
                    version(Y, 20, Tlp::Green, &[], "green"),
                ],
            )
            .await
            .expect("add");
        assert!(out.failures.is_empty());
        let all = || VersionMatch::all().into();
        let audit = |who: &'static str| async move {
            let e = s
                .list_audit(
                    &system(),
                    AuditQuery {
                        limit: 50,
                        ..AuditQuery::default()
                    },
                )
                .await
                .expect("audit");
            e.into_iter()
                .filter(|e| e.action == "stix.delete" && e.actor.starts_with(who))
                .map(|e| (e.outcome, e.detail))
                .collect::<Vec<_>>()
        };
        let missing = s
            .delete_stix(
                &colleague,
                &w.col,
                "indicator--00000000-0000-4000-8000-0000000000cc",
                &all(),
            )
            .await
            .expect_err("missing");
        let unreadable = s
            .delete_stix(&colleague, &w.col, X, &all())
            .await
            .expect_err("a colleague may not delete what it may not read");
        assert!(
            matches!(unreadable, StoreError::NotFound(_)),
            "{unreadable:?}"
        );
        assert_eq!(unreadable.to_string(), missing.to_string(), "{}", b.name());
        let attempts = audit("colleague").await;
        assert_eq!(attempts.len(), 2, "{}: both attempts audited", b.name());
        assert_eq!(attempts[0], attempts[1], "audited alike");
        assert_eq!(attempts[0].0, AuditOutcome::Failed);
        // Named, but not the sharer: may read, may not delete RED.
        assert!(s.delete_stix(&named, &w.col, X, &all()).await.is_err());
        // Another organisation deletes nothing of power's.
        let gas = actor(s, &w.gas_rep).await;
        assert!(s.delete_stix(&gas, &w.col, Y, &all()).await.is_err());
        assert_eq!(
            page_of(s, &named, &w.col, X, VersionMatch::all())
                .await
                .len(),
            1
        );
        assert_eq!(
            page_of(s, &named, &w.col, Y, VersionMatch::all())
                .await
                .len(),
            1
        );
        // The sharer deletes RED; a colleague deletes GREEN it may read.
        assert_eq!(
            s.delete_stix(&rep, &w.col, X, &all())
                .await
                .expect("sharer"),
            1
        );
        assert_eq!(
            s.delete_stix(&colleague, &w.col, Y, &all())
                .await
                .expect("colleague"),
            1
        );
        assert_eq!(audit("rep").await[0].0, AuditOutcome::Ok);
        assert!(
            page_of(s, &named, &w.col, X, VersionMatch::all())
                .await
                .is_empty()
        );
    }
}

/// The account lifecycle through the production look-up (`token_viewer`
/// and its cache): a deactivated user's tokens stop at once.
#[tokio::test]
async fn a_deactivated_users_tokens_stop_working() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let admin = actor(s, &w.admin).await;
        let second = user(s, &w.power, "admin2", Role::Admin).await;
        let second_actor = actor(s, &second).await;
        s.create_api_token(&second_actor, w.power.id, "feed", Role::Viewer, "deact-1")
            .await
            .expect("token");
        s.create_api_token(&system(), w.power.id, "cli", Role::Viewer, "deact-2")
            .await
            .expect("token");
        assert!(s.token_viewer("deact-1").await.expect("look-up").is_some());
        // A reporter may not deactivate anyone, and is answered as for a
        // user that does not exist; the refusal is audited.
        let rep = actor(s, &w.rep).await;
        assert!(matches!(
            s.deactivate_user(&rep, second.id).await,
            Err(StoreError::NotFound(_))
        ));
        let gone = s
            .deactivate_user(&admin, second.id)
            .await
            .expect("deactivate");
        assert!(!gone.active);
        assert!(
            s.token_viewer("deact-1").await.expect("look-up").is_none(),
            "{}: the token of a deactivated user still resolves",
            b.name()
        );
        assert!(s.viewer_for_user(second.id).await.is_err());
        assert!(
            s.token_viewer("deact-2").await.expect("look-up").is_some(),
            "a token with no creator is the organisation's"
        );
        assert!(matches!(
            s.deactivate_user(&admin, second.id).await,
            Err(StoreError::Conflict { .. })
        ));
    }
}

/// Derived ids are keyed with the database's own secret when none is
/// configured: made once, the same for every process of the database, so
/// re-imports find their objects again; another database has another.
#[tokio::test]
async fn the_derived_id_secret_is_the_databases_own_and_stable() {
    let mut seen = Vec::new();
    for b in support::backends().await {
        let s = b.store();
        let first = s.derived_id_secret().await.expect("secret");
        assert_eq!(s.derived_id_secret().await.expect("again"), first);
        let two = b.second_process().await;
        assert_eq!(two.derived_id_secret().await.expect("elsewhere"), first);
        assert_ne!(first, [0u8; 32]);
        seen.push(first);
    }
    let fresh = support::sqlite().await;
    let other = fresh.store().derived_id_secret().await.expect("secret");
    assert!(!seen.contains(&other), "each database has its own");
}
