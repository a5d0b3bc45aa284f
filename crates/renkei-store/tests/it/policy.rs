//! The access-policy property test: for generated worlds (organisations,
//! sectors, communities, memberships with and without accepted terms, users,
//! tokens, items at every TLP with every kind of audience), every read path
//! of the store returns exactly what `renkei_core::can_read` allows — no
//! more (a leak), no less (withheld) — computed from the generated world,
//! not from the store.

use std::collections::BTreeSet;

use proptest::prelude::*;
use renkei_core::model::NewItem;
use renkei_core::{
    Actor, Audience, CommunityId, Marking, OrgKind, Role, Sector, Tlp, Viewer, can_read,
};
use renkei_core::{IndicatorValue, ValueKind};
use renkei_store::StoreError;
use renkei_store::index::{IndexEntries, IndexQuery, SearchQuery, SightingOf};

use crate::support::{self, Backend, actor, block_on, org, system, user};

const SECTORS: [&str; 3] = ["electricity", "railway", "medical"];

#[derive(Debug, Clone)]
struct ItemSpec {
    owner: usize,
    tlp: Tlp,
    communities: Vec<usize>,
    sectors: Vec<usize>,
    orgs: Vec<usize>,
    users: Vec<usize>,
}

#[derive(Debug, Clone)]
struct World {
    /// Sector index (or none) per organisation.
    orgs: Vec<Option<usize>>,
    communities: usize,
    /// (org, community, accepted, ended)
    memberships: Vec<(usize, usize, bool, bool)>,
    /// Extra users: (org, role index)
    extra_users: Vec<(usize, usize)>,
    items: Vec<ItemSpec>,
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

fn world() -> impl Strategy<Value = World> {
    (1usize..5, 0usize..3).prop_flat_map(|(n_orgs, n_comms)| {
        let idx = move |n: usize| prop::collection::vec(0..n.max(1), 0..3);
        let item = (
            0..n_orgs,
            tlp(),
            idx(n_comms),
            idx(SECTORS.len()),
            idx(n_orgs),
            idx(n_orgs * 3),
        )
            .prop_map(|(owner, tlp, communities, sectors, orgs, users)| ItemSpec {
                owner,
                tlp,
                communities,
                sectors,
                orgs,
                users,
            });
        (
            prop::collection::vec(prop::option::of(0..SECTORS.len()), n_orgs),
            Just(n_comms),
            prop::collection::vec(
                (
                    0..n_orgs,
                    0..n_comms.max(1),
                    any::<bool>(),
                    prop::bool::weighted(0.2),
                ),
                0..6,
            ),
            prop::collection::vec((0..n_orgs, 0usize..3), 0..3),
            prop::collection::vec(item, 1..10),
        )
            .prop_map(
                |(orgs, communities, memberships, extra_users, items)| World {
                    orgs,
                    communities,
                    memberships: if communities == 0 {
                        Vec::new()
                    } else {
                        memberships
                    },
                    extra_users,
                    items,
                },
            )
    })
}

/// Builds the world in `b`, then checks every reader against `can_read`.
async fn check_world(b: &Backend, w: &World) -> Result<(), TestCaseError> {
    let s = b.store();
    let mut orgs = Vec::new();
    // Per org: (admin, reporter); users in creation order for named audiences.
    let mut staff = Vec::new();
    let mut all_users = Vec::new();
    for (i, sector) in w.orgs.iter().enumerate() {
        let kind = if i == 0 {
            OrgKind::Coordinator
        } else {
            OrgKind::Operator
        };
        let o = org(s, &format!("org{i}"), kind, sector.map(|x| SECTORS[x])).await;
        let admin = user(s, &o, "admin", Role::Admin).await;
        let rep = user(s, &o, "reporter", Role::Reporter).await;
        all_users.push((o.id, admin.clone()));
        all_users.push((o.id, rep.clone()));
        staff.push((admin, rep));
        orgs.push(o);
    }
    for (k, (oi, role)) in w.extra_users.iter().enumerate() {
        let role = [Role::Viewer, Role::Reporter, Role::Admin][*role];
        let u = user(s, &orgs[*oi], &format!("extra{k}"), role).await;
        all_users.push((orgs[*oi].id, u));
    }
    let mut communities = Vec::new();
    for c in 0..w.communities {
        let nc = renkei_core::model::NewCommunity {
            name_ja: format!("c{c}"),
            name_en: format!("c{c}"),
            description: String::new(),
            terms_version: "1".into(),
        };
        communities.push(
            s.create_community(&system(), nc)
                .await
                .expect("community")
                .id,
        );
    }
    // Active (accepted, not ended) memberships, computed from the spec.
    let mut active: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (oi, ci, accepted, ended) in &w.memberships {
        let m = match s
            .add_membership(&system(), communities[*ci], orgs[*oi].id)
            .await
        {
            Ok(m) => m,
            Err(StoreError::Conflict { .. }) => continue, // already an active member
            Err(e) => panic!("membership: {e}"),
        };
        if *accepted {
            s.accept_terms(&actor(s, &staff[*oi].0).await, m.id)
                .await
                .expect("accept");
        }
        if *ended {
            s.end_membership(&system(), m.id).await.expect("end");
        } else if *accepted {
            active.insert((*oi, *ci));
        }
    }
    // Share the items, each by its owner's reporter.
    let mut items = Vec::new();
    for spec in &w.items {
        let rep = &staff[spec.owner].1;
        let mut audience = Audience {
            communities: spec
                .communities
                .iter()
                .filter_map(|c| communities.get(*c).copied())
                .collect(),
            sectors: spec
                .sectors
                .iter()
                .map(|x| Sector::parse(SECTORS[*x]).expect("sector"))
                .collect(),
            orgs: spec.orgs.iter().map(|o| orgs[*o].id).collect(),
            users: spec
                .users
                .iter()
                .filter_map(|u| all_users.get(*u).map(|(_, u)| u.id))
                .collect(),
        };
        if spec.tlp == Tlp::Red {
            audience = Audience {
                users: audience.users,
                ..Audience::default()
            };
        }
        let marking = Marking {
            tlp: spec.tlp,
            pap: None,
            audience,
            owner_org: orgs[spec.owner].id,
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

    // Readers: every user, an API token of every org, and the anonymous public.
    let mut readers: Vec<(String, Actor, Viewer)> = Vec::new();
    for (oi, o) in orgs.iter().enumerate() {
        let expected_communities: Vec<CommunityId> = active
            .iter()
            .filter(|(x, _)| *x == oi)
            .map(|(_, c)| communities[*c])
            .collect();
        let base = Viewer {
            user: None,
            org: Some(o.id),
            sector: w.orgs[oi].map(|x| Sector::parse(SECTORS[x]).expect("sector")),
            communities: expected_communities,
            role: None,
            org_kind: Some(o.kind),
        };
        for (uo, u) in all_users.iter().filter(|(uo, _)| *uo == o.id) {
            let _ = uo;
            let expected = Viewer {
                user: Some(u.id),
                role: Some(u.role),
                ..base.clone()
            };
            let a = actor(s, u).await;
            prop_assert_eq!(
                &a.viewer,
                &expected,
                "the store resolves the viewer as the world says"
            );
            readers.push((u.email.to_string(), a, expected));
        }
        let tok = s
            .create_api_token(
                &system(),
                o.id,
                "t",
                Role::Viewer,
                &format!("h-{}-{}", b.name(), o.id),
            )
            .await
            .expect("token");
        let tv = s.viewer_for_token(&tok).await.expect("token viewer");
        let expected = Viewer {
            role: Some(Role::Viewer),
            ..base.clone()
        };
        prop_assert_eq!(&tv, &expected);
        readers.push((
            format!("token of org{oi}"),
            Actor {
                viewer: tv,
                label: "token".into(),
                source: "t".into(),
                system: false,
            },
            expected,
        ));
    }
    readers.push((
        "anonymous".into(),
        Actor::anonymous("t"),
        Viewer::anonymous(),
    ));

    for (who, a, v) in &readers {
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
        for (id, m) in &items {
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
    check_stix(b, w, &orgs, &staff, &communities, &active, &readers, &items).await
}

/// The TAXII read path: a collection in the first community, objects at
/// the items' TLP levels shared by member organisations' reporters.
#[allow(clippy::too_many_arguments)]
async fn check_stix(
    b: &Backend,
    w: &World,
    orgs: &[renkei_core::model::Org],
    staff: &[(renkei_core::model::User, renkei_core::model::User)],
    communities: &[CommunityId],
    active: &BTreeSet<(usize, usize)>,
    readers: &[(String, Actor, Viewer)],
    items: &[(i64, Marking)],
) -> Result<(), TestCaseError> {
    let s = b.store();
    let Some(&community) = communities.first() else {
        return Ok(());
    };
    let col = s
        .create_collection(
            &system(),
            renkei_core::model::NewCollection {
                community,
                title: "c".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await
        .expect("collection");
    let members: Vec<usize> = active
        .iter()
        .filter(|(_, c)| *c == 0)
        .map(|(o, _)| *o)
        .collect();
    let mut shared: Vec<(String, Marking)> = Vec::new();
    for (n, (spec, (_, item_marking))) in w.items.iter().zip(items).enumerate() {
        let Some(&author) = members.get(spec.owner % members.len().max(1)) else {
            break;
        };
        let rep = &staff[author].1;
        // Even objects are indicators holding a shared domain and an address
        // of their own (the first a network holding every other address);
        // odd ones are sightings of the first object.
        let indicator = n % 2 == 0;
        let stix_type = if indicator { "indicator" } else { "sighting" };
        let stix_id = format!("{stix_type}--00000000-0000-4000-8000-{n:012}");
        let index = if indicator {
            let own = if n == 0 {
                "198.18.0.0/15".to_owned()
            } else {
                format!("198.18.{}.{}", n / 256, n % 256)
            };
            IndexEntries {
                values: vec![
                    IndicatorValue::parse(ValueKind::Domain, SHARED).expect("domain"),
                    IndicatorValue::guess(&own).expect("address"),
                ],
                ..IndexEntries::default()
            }
        } else {
            IndexEntries {
                sighting: Some(SightingOf {
                    of: SIGHTED.into(),
                    count: n as i64,
                    first_seen: None,
                    last_seen: None,
                }),
                ..IndexEntries::default()
            }
        };
        let tlp = item_marking.tlp;
        let users = if tlp == Tlp::Red {
            item_marking.audience.users.clone()
        } else {
            Vec::new()
        };
        let audience = Audience {
            users: users.clone(),
            ..Audience::default()
        };
        let obj = renkei_store::intel::NewStixVersion {
            stix_id: stix_id.clone(),
            stix_type: stix_type.into(),
            spec_version: "2.1".into(),
            version: Some(("2026-11-01T00:00:00.000Z".into(), 1_793_491_200_000_000)),
            tlp: Some(tlp),
            audience: audience.clone(),
            body: format!("{{\"name\": \"{stix_type} {n}\"}}"),
            index,
        };
        let outcome = s
            .add_stix(&actor(s, rep).await, &col, vec![obj])
            .await
            .expect("add");
        prop_assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        let mut aud = audience;
        aud.communities.push(community);
        shared.push((
            stix_id,
            Marking {
                tlp,
                pap: None,
                audience: aud,
                owner_org: orgs[author].id,
                created_by: Some(rep.id),
            },
        ));
    }
    check_index(b, &shared, readers).await?;
    for (who, a, v) in readers {
        let page = s
            .stix_page(a, &col, &renkei_store::intel::StixQuery::new(1000))
            .await;
        if !renkei_core::can_read_community(v, community) {
            prop_assert!(
                page.is_err(),
                "{} read a collection of a community it is not in",
                who
            );
            continue;
        }
        let page = page.expect("page");
        let env = s
            .stix_envelope(a, &col, &renkei_store::intel::StixQuery::new(1000))
            .await
            .expect("envelope");
        prop_assert_eq!(
            env.count as usize,
            page.rows.len(),
            "the joined page for {} matches",
            who
        );
        prop_assert_eq!(env.last, page.rows.last().map(|r| (r.date_added, r.pk)));
        let got: BTreeSet<String> = page.rows.into_iter().map(|r| r.stix_id).collect();
        let want: BTreeSet<String> = shared
            .iter()
            .filter(|(_, m)| can_read(v, m))
            .map(|(id, _)| id.clone())
            .collect();
        prop_assert_eq!(&got, &want, "stix_page for {} on {}", who, b.name());
    }
    Ok(())
}

const SHARED: &str = "shared.example.org";
const SIGHTED: &str = "indicator--00000000-0000-4000-8000-000000000000";

/// The index, search, object, notification and sighting reads (what the
/// exports, the portal and webhooks use) return exactly what `can_read` allows.
async fn check_index(
    b: &Backend,
    shared: &[(String, Marking)],
    readers: &[(String, Actor, Viewer)],
) -> Result<(), TestCaseError> {
    let s = b.store();
    let ids = |f: &dyn Fn(&str) -> bool, v: &Viewer| -> BTreeSet<String> {
        shared
            .iter()
            .filter(|(id, m)| f(id) && can_read(v, m))
            .map(|(id, _)| id.clone())
            .collect()
    };
    let is_ind = |id: &str| id.starts_with("indicator--");
    for (who, a, v) in readers {
        let name = b.name();
        let want_ind = ids(&is_ind, v);
        let want_all = ids(&|_| true, v);
        let shared_value = IndicatorValue::parse(ValueKind::Domain, SHARED).expect("domain");
        let hits = s
            .lookup_values(a, std::slice::from_ref(&shared_value), 1000, None)
            .await
            .expect("lookup");
        let got: BTreeSet<String> = hits[0].hits.iter().map(|h| h.stix_id.clone()).collect();
        prop_assert_eq!(&got, &want_ind, "lookup_values for {} on {}", who, name);
        prop_assert_eq!(
            hits[0].total as usize,
            want_ind.len(),
            "lookup count for {}",
            who
        );
        // An address finds its own indicator and the network holding it.
        if let Some((id2, _)) = shared.iter().filter(|(id, _)| is_ind(id)).nth(1) {
            let n: usize = id2
                .rsplit('-')
                .next()
                .and_then(|x| x.parse().ok())
                .expect("n");
            let addr =
                IndicatorValue::guess(&format!("198.18.{}.{}", n / 256, n % 256)).expect("addr");
            let got: BTreeSet<String> = s
                .lookup_values(a, &[addr], 1000, None)
                .await
                .expect("lookup")[0]
                .hits
                .iter()
                .map(|h| h.stix_id.clone())
                .collect();
            let want = ids(&|id| id == id2 || id == SIGHTED, v);
            prop_assert_eq!(&got, &want, "address look-up for {} on {}", who, name);
        }
        let rows = s
            .index_page(
                a,
                &IndexQuery {
                    limit: 10_000,
                    ..IndexQuery::default()
                },
            )
            .await
            .expect("index page");
        let got: BTreeSet<String> = rows.into_iter().map(|r| r.stix_id).collect();
        prop_assert_eq!(
            &got,
            &want_ind,
            "index_page (exports) for {} on {}",
            who,
            name
        );
        let found = s
            .search(
                a,
                &SearchQuery {
                    text: Some(SHARED.into()),
                    limit: 1000,
                    ..SearchQuery::default()
                },
            )
            .await
            .expect("search");
        let got: BTreeSet<String> = found.into_iter().map(|f| f.row.stix_id).collect();
        prop_assert_eq!(&got, &want_ind, "search by value for {} on {}", who, name);
        let found = s
            .search(
                a,
                &SearchQuery {
                    text: Some("sighting".into()),
                    limit: 1000,
                    ..SearchQuery::default()
                },
            )
            .await
            .expect("search");
        let got: BTreeSet<String> = found.into_iter().map(|f| f.row.stix_id).collect();
        prop_assert_eq!(
            &got,
            &ids(&|id| !is_ind(id), v),
            "search by text for {} on {}",
            who,
            name
        );
        let got: BTreeSet<String> = s
            .added_since(a, (0, 0), 1000)
            .await
            .expect("added")
            .into_iter()
            .map(|f| f.row.stix_id)
            .collect();
        prop_assert_eq!(
            &got,
            &want_all,
            "added_since (notifications) for {} on {}",
            who,
            name
        );
        for (id, m) in shared {
            prop_assert_eq!(
                s.object_versions(a, id).await.is_ok(),
                can_read(v, m),
                "object_versions {} for {}",
                id,
                who
            );
        }
        let sum = s.sightings_of(a, SIGHTED).await.expect("sightings");
        let readable: Vec<i64> = shared
            .iter()
            .filter(|(id, m)| !is_ind(id) && can_read(v, m))
            .filter_map(|(id, _)| id.rsplit('-').next().and_then(|x| x.parse().ok()))
            .collect();
        prop_assert_eq!(
            sum.reports as usize,
            readable.len(),
            "sightings counted for {}",
            who
        );
        prop_assert_eq!(
            sum.count,
            readable.iter().sum::<i64>(),
            "sighting counts for {}",
            who
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_read_escapes_the_policy_sqlite(w in world()) {
        block_on(async {
            let b = support::sqlite().await;
            check_world(&b, &w).await
        })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_read_escapes_the_policy_postgres(w in world()) {
        let Some(url) = support::pg_url() else { return Ok(()) };
        block_on(async {
            let b = support::postgres(&url).await;
            check_world(&b, &w).await
        })?;
    }
}
