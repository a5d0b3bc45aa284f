//! The access-policy property test: for generated worlds (up to eight
//! organisations with sectors, communities, memberships with and without
//! accepted terms, some ended later, users some of whom are deactivated,
//! API tokens some revoked, items at every TLP with every kind of audience,
//! and STIX objects in several collections: versions at every TLP with
//! community, sector, organisation and user audiences, other sharers'
//! versions of the same ids, deletions), every read path of the store
//! returns exactly what `renkei_core::can_read` allows — no more (a leak),
//! no less (withheld) — computed from the generated world, not from the
//! store. Readers are resolved the way requests are: users by
//! `viewer_for_user`, tokens by `token_viewer` and its cache, after the
//! world changed under a cached token. A second oracle, written from the
//! TLP 2.0 definitions over the world's facts (`oracle`), must agree
//! wherever it speaks.
//!
//! Failing cases are kept in `policy.proptest-regressions` and run first.

mod oracle;
mod reports;
mod stix;

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use renkei_core::model::{NewItem, Org, User};
use renkei_core::{
    Actor, Audience, CommunityId, Marking, OrgKind, Role, Sector, Tlp, Viewer, can_read,
};
use renkei_store::{Store, StoreError};

use crate::support::{self, Backend, actor, block_on, org, system, user};

pub(crate) const SECTORS: [&str; 3] = ["electricity", "railway", "medical"];

/// Indices into the world's communities, sectors, organisations and users.
#[derive(Debug, Clone, Default)]
pub(crate) struct AudSpec {
    pub communities: Vec<usize>,
    pub sectors: Vec<usize>,
    pub orgs: Vec<usize>,
    pub users: Vec<usize>,
}

#[derive(Debug, Clone)]
struct ItemSpec {
    owner: usize,
    tlp: Tlp,
    aud: AudSpec,
}

/// One version of a STIX object.
#[derive(Debug, Clone)]
pub(crate) struct VersionSpec {
    pub tlp: Tlp,
    pub aud: AudSpec,
    /// Its `modified`, in seconds (made unique per version).
    pub second: u32,
    /// Added after the deletions.
    pub late: bool,
    /// Its audience also names a user that does not exist: refused whole.
    pub bogus: bool,
}

/// Who shares an object inside its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Author {
    Admin,
    Reporter,
    /// The organisation's reporter token (no person; never for RED).
    Token,
}

#[derive(Debug, Clone)]
pub(crate) struct ObjectSpec {
    pub collection: usize,
    /// Picks among the members of the collection's community.
    pub owner: usize,
    pub author: Author,
    /// From a small pool, so organisations and collections share ids.
    pub id: usize,
    pub versions: Vec<VersionSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct DeleteSpec {
    pub object: usize,
    /// One version (by index), or all.
    pub version: Option<usize>,
    /// A user of the object's sharer (else of anyone).
    pub same_org: bool,
    /// Into those users.
    pub deleter: usize,
}

#[derive(Debug, Clone)]
struct TokenSpec {
    org: usize,
    /// Created by the organisation's administrator (else by the system).
    by_admin: bool,
    /// Revoked after it was resolved (and cached).
    revoked: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct World {
    /// Sector index (or none) per organisation.
    pub orgs: Vec<Option<usize>>,
    pub communities: usize,
    /// (org, community, accepted, ended at once)
    memberships: Vec<(usize, usize, bool, bool)>,
    /// Memberships ended after the tokens were resolved (indices).
    late_ends: Vec<usize>,
    /// Extra users: (org, role index)
    extra_users: Vec<(usize, usize)>,
    /// Users deactivated at the end (indices into the users).
    deactivated: Vec<usize>,
    tokens: Vec<TokenSpec>,
    items: Vec<ItemSpec>,
    /// The community of each collection.
    pub collections: Vec<usize>,
    pub objects: Vec<ObjectSpec>,
    pub deletes: Vec<DeleteSpec>,
}

fn tlp() -> impl Strategy<Value = Tlp> {
    prop_oneof![
        Just(Tlp::Clear),
        Just(Tlp::Green),
        Just(Tlp::Amber),
        Just(Tlp::AmberStrict),
        Just(Tlp::Red)
    ]
}

fn idx(n: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..n.max(1), 0..3)
}

/// An audience; one in four names nobody (GREEN then reaches every member
/// of the platform, AMBER only the owner).
fn aud(n_orgs: usize, n_comms: usize) -> impl Strategy<Value = AudSpec> {
    let some = (
        idx(n_comms),
        idx(SECTORS.len()),
        idx(n_orgs),
        idx(n_orgs * 3),
    )
        .prop_map(|(communities, sectors, orgs, users)| AudSpec {
            communities,
            sectors,
            orgs,
            users,
        });
    prop_oneof![1 => Just(AudSpec::default()), 3 => some]
}

fn world() -> impl Strategy<Value = World> {
    (1usize..9, 1usize..4, 1usize..4).prop_flat_map(|(n_orgs, n_comms, n_cols)| {
        let item = (0..n_orgs, tlp(), aud(n_orgs, n_comms))
            .prop_map(|(owner, tlp, aud)| ItemSpec { owner, tlp, aud });
        let version = (
            tlp(),
            aud(n_orgs, n_comms),
            0u32..40,
            prop::bool::weighted(0.25),
            prop::bool::weighted(0.05),
        )
            .prop_map(|(tlp, aud, second, late, bogus)| VersionSpec {
                tlp,
                aud,
                second,
                late,
                bogus,
            });
        let author = prop_oneof![
            Just(Author::Admin),
            Just(Author::Reporter),
            Just(Author::Token)
        ];
        let object = (
            0..n_cols,
            0..n_orgs,
            author,
            0usize..stix::ID_POOL,
            prop::collection::vec(version, 1..4),
        )
            .prop_map(|(collection, owner, author, id, versions)| ObjectSpec {
                collection,
                owner,
                author,
                id,
                versions,
            });
        let delete = (
            0usize..12,
            prop::option::of(0usize..3),
            prop::bool::weighted(0.7),
            0..n_orgs * 3,
        )
            .prop_map(|(object, version, same_org, deleter)| DeleteSpec {
                object,
                version,
                same_org,
                deleter,
            });
        let token = (0..n_orgs, any::<bool>(), prop::bool::weighted(0.3)).prop_map(
            |(org, by_admin, revoked)| TokenSpec {
                org,
                by_admin,
                revoked,
            },
        );
        (
            (
                prop::collection::vec(prop::option::of(0..SECTORS.len()), n_orgs),
                // Each organisation's standing in each community: none,
                // member with terms accepted, not accepted, or ended.
                prop::collection::vec(
                    prop_oneof![3 => Just(None), 5 => Just(Some((true, false))),
                                1 => Just(Some((false, false))), 1 => Just(Some((true, true)))],
                    n_orgs * n_comms,
                ),
                prop::collection::vec(0usize..10, 0..2),
                prop::collection::vec((0..n_orgs, 0usize..3), 0..5),
                prop::collection::vec(0usize..n_orgs * 3, 0..2),
            ),
            prop::collection::vec(token, 0..4),
            prop::collection::vec(item, 1..8),
            prop::collection::vec(0..n_comms.max(1), n_cols),
            prop::collection::vec(object, 0..10),
            prop::collection::vec(delete, 0..4),
        )
            .prop_map(
                move |(
                    (orgs, memberships, late_ends, extra_users, deactivated),
                    tokens,
                    items,
                    collections,
                    objects,
                    deletes,
                )| World {
                    orgs,
                    communities: n_comms,
                    memberships: memberships
                        .iter()
                        .enumerate()
                        .filter_map(|(k, m)| {
                            m.map(|(acc, end)| (k / n_comms, k % n_comms, acc, end))
                        })
                        .collect(),
                    late_ends,
                    extra_users,
                    deactivated,
                    tokens,
                    items,
                    collections,
                    objects,
                    deletes,
                },
            )
    })
}

/// A reader as the world knows it: which person and organisation it is
/// (indices), and the viewer the store must resolve for it.
#[derive(Debug, Clone)]
pub(crate) struct Reader {
    pub who: String,
    pub actor: Actor,
    pub viewer: Viewer,
    pub person: Option<usize>,
    pub org: Option<usize>,
}

/// What the world holds once built, for the checks.
pub(crate) struct Built {
    pub orgs: Vec<Org>,
    /// (org index, user), admin and reporter of each organisation first.
    pub users: Vec<(usize, User)>,
    pub communities: Vec<CommunityId>,
    /// Active memberships (org, community) at the end.
    pub active: BTreeSet<(usize, usize)>,
}

impl Built {
    pub fn audience(&self, a: &AudSpec, red: bool) -> Audience {
        let users = a
            .users
            .iter()
            .filter_map(|u| self.users.get(*u).map(|(_, u)| u.id))
            .collect();
        if red {
            return Audience {
                users,
                ..Audience::default()
            };
        }
        Audience {
            communities: a
                .communities
                .iter()
                .filter_map(|c| self.communities.get(*c).copied())
                .collect(),
            sectors: a
                .sectors
                .iter()
                .map(|x| Sector::parse(SECTORS[*x]).expect("sector"))
                .collect(),
            orgs: a.orgs.iter().map(|o| self.orgs[*o].id).collect(),
            users,
        }
    }

    /// The viewer organisation `oi` resolves to now (no person, no role).
    pub fn org_viewer(&self, w: &World, oi: usize) -> Viewer {
        Viewer {
            user: None,
            org: Some(self.orgs[oi].id),
            sector: w.orgs[oi].map(|x| Sector::parse(SECTORS[x]).expect("sector")),
            communities: self
                .active
                .iter()
                .filter(|(o, _)| *o == oi)
                .map(|(_, c)| self.communities[*c])
                .collect(),
            role: None,
            org_kind: Some(self.orgs[oi].kind),
        }
    }
}

/// Builds the world in `b`, then checks every reader against `can_read`
/// and the TLP 2.0 oracle.
async fn check_world(b: &Backend, w: &World) -> Result<(), TestCaseError> {
    let s = b.store();
    let mut built = directory(s, w).await;
    let mut items = Vec::new();
    for spec in &w.items {
        let rep = &built.users[spec.owner * 2 + 1].1;
        let marking = Marking {
            tlp: spec.tlp,
            pap: None,
            audience: built.audience(&spec.aud, spec.tlp == Tlp::Red),
            owner_org: built.orgs[spec.owner].id,
            created_by: Some(rep.id),
        };
        let it = s
            .share_item(
                &actor(s, rep).await,
                NewItem {
                    title: "t".into(),
                    body: String::new(),
                    marking: marking.clone(),
                },
            )
            .await
            .expect("share");
        items.push((it.id, marking));
    }
    // Tokens, resolved once through the production look-up (and so kept
    // in its cache) before the world changes under them.
    let mut tokens = Vec::new();
    for (k, t) in w.tokens.iter().enumerate() {
        let by = if t.by_admin {
            actor(s, &built.users[t.org * 2].1).await
        } else {
            system()
        };
        let hash = format!("h-{}-{k}", b.name());
        let tok = s
            .create_api_token(&by, built.orgs[t.org].id, "t", Role::Viewer, &hash)
            .await
            .expect("token");
        prop_assert!(s.token_viewer(&hash).await.expect("look-up").is_some());
        tokens.push((hash, tok));
    }
    let shared = stix::share(b, w, &built).await?;
    // The world changes: memberships end, users are deactivated, tokens
    // are revoked, each through the store (which drops cached tokens).
    late_changes(s, w, &mut built, &tokens).await;
    let mut readers = resolve_readers(s, w, &built, &tokens).await?;
    readers.push(Reader {
        who: "anonymous".into(),
        actor: Actor::anonymous("t"),
        viewer: Viewer::anonymous(),
        person: None,
        org: None,
    });
    check_items(b, w, &built, &readers, &items).await?;
    stix::check(b, w, &built, &readers, &shared).await
}

/// Organisations (each with an administrator and a reporter), extra users,
/// communities, memberships (terms accepted or not, some ended).
async fn directory(s: &dyn Store, w: &World) -> Built {
    let mut orgs = Vec::new();
    let mut users = Vec::new();
    for (i, sector) in w.orgs.iter().enumerate() {
        let kind = if i == 0 {
            OrgKind::Coordinator
        } else {
            OrgKind::Operator
        };
        let o = org(s, &format!("org{i}"), kind, sector.map(|x| SECTORS[x])).await;
        users.push((i, user(s, &o, "admin", Role::Admin).await));
        users.push((i, user(s, &o, "reporter", Role::Reporter).await));
        orgs.push(o);
    }
    for (k, (oi, role)) in w.extra_users.iter().enumerate() {
        let role = [Role::Viewer, Role::Reporter, Role::Admin][*role];
        users.push((*oi, user(s, &orgs[*oi], &format!("extra{k}"), role).await));
    }
    let mut communities = Vec::new();
    for c in 0..w.communities {
        let nc = renkei_core::model::NewCommunity {
            name_ja: format!("c{c}"),
            name_en: format!("c{c}"),
            description: String::new(),
            terms_version: "1".into(),
            terms_text: String::new(),
        };
        communities.push(
            s.create_community(&system(), nc)
                .await
                .expect("community")
                .id,
        );
    }
    let mut built = Built {
        orgs,
        users,
        communities,
        active: BTreeSet::new(),
    };
    for (oi, ci, accepted, ended) in &w.memberships {
        let m = match s
            .add_membership(&system(), built.communities[*ci], built.orgs[*oi].id)
            .await
        {
            Ok(m) => m,
            Err(StoreError::Conflict { .. }) => continue, // already an active member
            Err(e) => panic!("membership: {e}"),
        };
        if *accepted {
            let admin = &built.users[*oi * 2].1;
            s.accept_terms(&actor(s, admin).await, m.id)
                .await
                .expect("accept");
        }
        if *ended {
            s.end_membership(&system(), m.id).await.expect("end");
        } else if *accepted {
            built.active.insert((*oi, *ci));
        }
    }
    built
}

/// Ends the memberships `late_ends` names, deactivates users, revokes
/// tokens, and updates the world's facts to match.
async fn late_changes(
    s: &dyn Store,
    w: &World,
    built: &mut Built,
    tokens: &[(String, renkei_core::model::ApiToken)],
) {
    let live = s.list_memberships(None).await.expect("memberships");
    for k in &w.late_ends {
        let Some(m) = live.iter().filter(|m| m.ended_at.is_none()).nth(*k) else {
            continue;
        };
        s.end_membership(&system(), m.id).await.expect("end");
        let oi = built.orgs.iter().position(|o| o.id == m.org).expect("org");
        let ci = built
            .communities
            .iter()
            .position(|c| *c == m.community)
            .expect("community");
        built.active.remove(&(oi, ci));
    }
    for u in w.deactivated.iter().filter_map(|u| built.users.get(*u)) {
        match s.deactivate_user(&system(), u.1.id).await {
            Ok(_) | Err(StoreError::Conflict { .. }) => {} // twice the same user
            Err(e) => panic!("deactivate: {e}"),
        }
    }
    for ((_, tok), spec) in tokens.iter().zip(&w.tokens) {
        if spec.revoked {
            s.revoke_api_token(&system(), tok.id).await.expect("revoke");
        }
    }
}

fn deactivated(w: &World, built: &Built, ui: usize) -> bool {
    w.deactivated
        .iter()
        .any(|d| *d == ui && *d < built.users.len())
}

/// Every active user (as `viewer_for_user` resolves them) and every token
/// (through `token_viewer`), each checked against the world's facts;
/// deactivated users and revoked tokens, and tokens of deactivated users,
/// must not resolve at all.
async fn resolve_readers(
    s: &dyn Store,
    w: &World,
    built: &Built,
    tokens: &[(String, renkei_core::model::ApiToken)],
) -> Result<Vec<Reader>, TestCaseError> {
    let mut readers = Vec::new();
    for (ui, (oi, u)) in built.users.iter().enumerate() {
        let got = s.viewer_for_user(u.id).await;
        if deactivated(w, built, ui) {
            prop_assert!(got.is_err(), "deactivated {} still resolves", u.email);
            continue;
        }
        let expected = Viewer {
            user: Some(u.id),
            role: Some(u.role),
            ..built.org_viewer(w, *oi)
        };
        let got = got.expect("viewer");
        prop_assert_eq!(
            &got,
            &expected,
            "the store resolves {} as the world says",
            u.email
        );
        readers.push(Reader {
            who: u.email.to_string(),
            actor: Actor {
                viewer: got,
                label: u.email.to_string(),
                source: "t".into(),
                system: false,
            },
            viewer: expected,
            person: Some(ui),
            org: Some(*oi),
        });
    }
    for ((hash, _), spec) in tokens.iter().zip(&w.tokens) {
        let got = s.token_viewer(hash).await.expect("look-up");
        let creator_gone = spec.by_admin && deactivated(w, built, spec.org * 2);
        if spec.revoked || creator_gone {
            prop_assert!(
                got.is_none(),
                "token {} resolves though revoked ({}) or its creator deactivated ({})",
                hash,
                spec.revoked,
                creator_gone
            );
            continue;
        }
        let expected = Viewer {
            role: Some(Role::Viewer),
            ..built.org_viewer(w, spec.org)
        };
        let (_, got) = got.expect("a live token resolves");
        prop_assert_eq!(&got, &expected, "token {} as the world says", hash);
        readers.push(Reader {
            who: format!("token {hash}"),
            actor: Actor {
                viewer: got,
                label: "token".into(),
                source: "t".into(),
                system: false,
            },
            viewer: expected,
            person: None,
            org: Some(spec.org),
        });
    }
    Ok(readers)
}

/// Items: listed, read and read by version exactly as `can_read` and the
/// TLP 2.0 oracle say, one audit entry per restricted item read.
async fn check_items(
    b: &Backend,
    w: &World,
    built: &Built,
    readers: &[Reader],
    items: &[(i64, Marking)],
) -> Result<(), TestCaseError> {
    let s = b.store();
    for r in readers {
        let (who, a, v) = (&r.who, &r.actor, &r.viewer);
        for (_, m) in items {
            oracle::agrees(w, built, r, m)?;
        }
        let allowed: BTreeSet<i64> = items
            .iter()
            .filter(|(_, m)| can_read(v, m))
            .map(|(id, _)| *id)
            .collect();
        let audit_before = s.verify_audit().await.expect("verify").expect("intact");
        let listed = s.list_items(a, 1000).await.expect("list");
        let listed_ids: BTreeSet<i64> = listed.iter().map(|i| i.id).collect();
        prop_assert_eq!(
            &listed_ids,
            &allowed,
            "list_items for {} on {}",
            who,
            b.name()
        );
        let restricted = listed
            .iter()
            .filter(|i| i.marking.tlp != Tlp::Clear)
            .count() as i64;
        let audit_after = s.verify_audit().await.expect("verify").expect("intact");
        prop_assert_eq!(
            audit_after - audit_before,
            restricted,
            "one audit entry per restricted item read"
        );
        for (id, m) in items {
            let got = s.get_item(a, *id).await;
            prop_assert_eq!(
                got.is_ok(),
                can_read(v, m),
                "get_item {} for {} on {}",
                id,
                who,
                b.name()
            );
            if let Ok(item) = got {
                prop_assert_eq!(&item.marking, m, "the marking comes back as shared");
            }
            let versions = s.item_versions(a, *id).await.map(|v| v.len()).unwrap_or(0);
            prop_assert_eq!(
                versions > 0,
                can_read(v, m),
                "item_versions {} for {}",
                id,
                who
            );
        }
    }
    Ok(())
}

/// Persisted failures live beside this file (`policy.proptest-regressions`).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn no_read_escapes_the_policy_sqlite(w in world()) {
        block_on(async {
            let b = support::sqlite().await;
            check_world(&b, &w).await
        })?;
    }
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn no_read_escapes_the_policy_postgres(w in world()) {
        let Some(url) = support::pg_url() else { return Ok(()) };
        block_on(async {
            let b = support::postgres(&url).await;
            check_world(&b, &w).await
        })?;
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn no_report_read_escapes_the_rule_sqlite(w in reports::report_world()) {
        block_on(async {
            let b = support::sqlite().await;
            reports::check_report_world(&b, &w).await
        })?;
    }
}

proptest! {
    #![proptest_config(config(8))]

    #[test]
    fn no_report_read_escapes_the_rule_postgres(w in reports::report_world()) {
        let Some(url) = support::pg_url() else { return Ok(()) };
        block_on(async {
            let b = support::postgres(&url).await;
            reports::check_report_world(&b, &w).await
        })?;
    }
}
