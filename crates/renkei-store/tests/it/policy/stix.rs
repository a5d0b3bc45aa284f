//! The STIX half of the property test: collections in several
//! communities, objects whose versions carry every TLP and every kind of
//! audience, shared by members' people and tokens, ids shared between
//! organisations and collections, versions arriving late and deletions;
//! then every read path (TAXII pages and envelopes, look-ups, exports,
//! search, object versions, notifications, sightings) against a model of
//! what was stored.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use renkei_core::model::{Collection, NewCollection};
use renkei_core::{
    Actor, IndicatorValue, Marking, Role, Tlp, UserId, ValueKind, can_read, can_read_community,
    can_write_community,
};
use renkei_store::index::{IndexEntries, IndexQuery, SearchQuery, SightingOf};
use renkei_store::intel::{NewStixVersion, StixQuery, VersionMatch};
use renkei_store::{Store, StoreError};

use super::{Author, Built, Reader, World, oracle};
use crate::support::{Backend, actor, system};

/// Object ids come from this pool: the first three are indicators, the
/// rest sightings (of the first indicator).
pub(crate) const ID_POOL: usize = 5;
const INDICATORS: usize = 3;
const SHARED: &str = "shared.example.org";

fn stix_id(n: usize) -> String {
    let t = if n < INDICATORS {
        "indicator"
    } else {
        "sighting"
    };
    format!("{t}--00000000-0000-4000-8000-{n:012}")
}

/// One version the store holds, as the model knows it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    collection: usize,
    owner: usize,
    id: usize,
    version_us: i64,
    version: String,
    /// Its marking: the audience named, or the collection's community.
    marking: Marking,
    deleted: bool,
    /// A sighting's count.
    count: i64,
}

impl Stored {
    fn line(&self) -> (usize, usize, usize) {
        (self.collection, self.owner, self.id)
    }
}

pub(crate) struct Shared {
    collections: Vec<Collection>,
    stored: Vec<Stored>,
}

/// The actor an object's author acts as, resolved the production way.
async fn author(s: &dyn Store, built: &Built, owner: usize, a: Author, red: bool) -> Actor {
    match a {
        Author::Admin => actor(s, &built.users[owner * 2].1).await,
        Author::Token if !red => {
            let (_, v) = s
                .token_viewer(&writer_token(owner))
                .await
                .expect("look-up")
                .expect("the writer token resolves");
            Actor {
                viewer: v,
                label: "writer".into(),
                source: "t".into(),
                system: false,
            }
        }
        // RED is shared by a person.
        _ => actor(s, &built.users[owner * 2 + 1].1).await,
    }
}

fn writer_token(org: usize) -> String {
    format!("writer-{org}")
}

/// Creates the collections and shares the objects (versions, deletions,
/// late versions), checking each answer against the model.
pub(crate) async fn share(b: &Backend, w: &World, built: &Built) -> Result<Shared, TestCaseError> {
    let s = b.store();
    let mut collections = Vec::new();
    for ci in &w.collections {
        let col = s
            .create_collection(
                &system(),
                NewCollection {
                    community: built.communities[*ci],
                    title: "c".into(),
                    description: String::new(),
                    default_tlp: Tlp::Green,
                },
            )
            .await
            .expect("collection");
        collections.push(col);
    }
    for (oi, o) in built.orgs.iter().enumerate() {
        s.create_api_token(&system(), o.id, "w", Role::Reporter, &writer_token(oi))
            .await
            .expect("writer token");
    }
    let mut shared = Shared {
        collections,
        stored: Vec::new(),
    };
    // Owners: members of the collection's community when the object is
    // shared (before any membership ends late).
    let owners: Vec<Option<usize>> = w
        .objects
        .iter()
        .map(|o| {
            let ci = w.collections[o.collection];
            let members: Vec<usize> = built
                .active
                .iter()
                .filter(|(_, c)| *c == ci)
                .map(|(o, _)| *o)
                .collect();
            (!members.is_empty()).then(|| members[o.owner % members.len()])
        })
        .collect();
    for late in [false, true] {
        if late {
            delete(b, w, built, &mut shared).await?;
        }
        for (k, (o, owner)) in w.objects.iter().zip(&owners).enumerate() {
            let Some(owner) = *owner else { continue };
            for (j, v) in o
                .versions
                .iter()
                .enumerate()
                .filter(|(_, v)| v.late == late)
            {
                let red = v.tlp == Tlp::Red;
                let a = author(s, built, owner, o.author, red).await;
                let mut audience = built.audience(&v.aud, red);
                if v.bogus {
                    audience.users.push(UserId(-1));
                }
                let version_us =
                    1_793_491_200_000_000 + i64::from(v.second) * 1_000_000 + (k * 10 + j) as i64;
                let count = (k * 10 + j + 1) as i64;
                let index = if o.id < INDICATORS {
                    IndexEntries {
                        values: vec![
                            IndicatorValue::parse(ValueKind::Domain, SHARED).expect("domain"),
                        ],
                        ..IndexEntries::default()
                    }
                } else {
                    IndexEntries {
                        sighting: Some(SightingOf {
                            of: stix_id(0),
                            count,
                            first_seen: None,
                            last_seen: None,
                        }),
                        ..IndexEntries::default()
                    }
                };
                let kind = if o.id < INDICATORS {
                    "indicator"
                } else {
                    "sighting"
                };
                let version = format!("v{version_us}");
                let nv = NewStixVersion {
                    stix_id: stix_id(o.id),
                    stix_type: kind.into(),
                    spec_version: "2.1".into(),
                    version: Some((version.clone(), version_us)),
                    tlp: Some(v.tlp),
                    audience: audience.clone(),
                    body: format!("{{\"name\": \"{kind} {k}-{j}\"}}"),
                    index,
                };
                let col = &shared.collections[o.collection];
                let out = s.add_stix(&a, col, vec![nv]).await;
                if v.bogus {
                    prop_assert!(
                        matches!(out, Err(StoreError::UnknownRecipients { .. })),
                        "an audience naming user -1 was not refused: {:?}",
                        out
                    );
                    continue;
                }
                let out = out.expect("add");
                prop_assert!(out.failures.is_empty(), "{:?}", out.failures);
                // The collection's community is the audience when the
                // sharer named none; naming any replaces it.
                if !red && audience.is_empty() {
                    audience.communities.push(col.community);
                }
                shared.stored.push(Stored {
                    collection: o.collection,
                    owner,
                    id: o.id,
                    version_us,
                    version,
                    marking: Marking {
                        tlp: v.tlp,
                        pap: None,
                        audience,
                        owner_org: built.orgs[owner].id,
                        created_by: a.viewer.user,
                    },
                    deleted: false,
                    count,
                });
            }
        }
    }
    Ok(shared)
}

/// The deletions: each hides exactly the versions the model says (its
/// organisation's, readable by the deleter, RED only the deleter's own),
/// and answers `NotFound` when that is none, whatever exists.
async fn delete(
    b: &Backend,
    w: &World,
    built: &Built,
    shared: &mut Shared,
) -> Result<(), TestCaseError> {
    let s = b.store();
    for d in &w.deletes {
        let Some(o) = w.objects.get(d.object % w.objects.len().max(1)) else {
            continue;
        };
        let owner = shared
            .stored
            .iter()
            .find(|x| x.collection == o.collection && x.id == o.id)
            .map(|x| x.owner);
        let candidates: Vec<&(usize, renkei_core::model::User)> = built
            .users
            .iter()
            .filter(|(oi, _)| !d.same_org || Some(*oi) == owner)
            .collect();
        let Some((oi, deleter)) = candidates.get(d.deleter % candidates.len().max(1)).copied()
        else {
            continue;
        };
        let a = actor(s, deleter).await;
        let col = &shared.collections[o.collection];
        let at: Vec<i64> = match d.version {
            None => Vec::new(),
            Some(j) => shared
                .stored
                .iter()
                .filter(|x| x.collection == o.collection && x.id == o.id)
                .map(|x| x.version_us)
                .nth(j)
                .into_iter()
                .collect(),
        };
        let m = if at.is_empty() {
            VersionMatch::all()
        } else {
            VersionMatch {
                at: at.clone(),
                ..VersionMatch::default()
            }
        };
        let got = s.delete_stix(&a, col, &stix_id(o.id), &m.into()).await;
        if !can_write_community(&a.viewer, col.community) {
            prop_assert!(matches!(got, Err(StoreError::Forbidden(_))), "{:?}", got);
            continue;
        }
        let mut n = 0;
        for x in shared.stored.iter_mut().filter(|x| {
            x.collection == o.collection
                && x.id == o.id
                && !x.deleted
                && (at.is_empty() || at.contains(&x.version_us))
        }) {
            let may = x.owner == *oi
                && can_read(&a.viewer, &x.marking)
                && (x.marking.tlp != Tlp::Red || x.marking.created_by == Some(deleter.id));
            if may {
                x.deleted = true;
                n += 1;
            }
        }
        match got {
            Ok(got) => prop_assert_eq!(got, n, "versions hidden by {}", &deleter.email),
            Err(StoreError::NotFound(_)) => {
                prop_assert_eq!(n, 0, "{} was refused a delete it may make", &deleter.email)
            }
            Err(e) => return Err(TestCaseError::fail(format!("delete: {e}"))),
        }
    }
    probe_red_deletes(b, built, shared).await
}

/// Every TLP:RED version that is still there, deleted by each other
/// person of its organisation (named or not): refused as if it did not
/// exist, and nothing is hidden. (Generated deletes rarely pick exactly
/// such a person.)
async fn probe_red_deletes(
    b: &Backend,
    built: &Built,
    shared: &Shared,
) -> Result<(), TestCaseError> {
    let s = b.store();
    for x in shared
        .stored
        .iter()
        .filter(|x| x.marking.tlp == Tlp::Red && !x.deleted)
    {
        let col = &shared.collections[x.collection];
        for (_, u) in built
            .users
            .iter()
            .filter(|(oi, u)| *oi == x.owner && Some(u.id) != x.marking.created_by)
        {
            let a = actor(s, u).await;
            let at = VersionMatch {
                at: vec![x.version_us],
                ..VersionMatch::default()
            };
            let got = s.delete_stix(&a, col, &stix_id(x.id), &at.into()).await;
            if can_write_community(&a.viewer, col.community) {
                prop_assert!(
                    matches!(got, Err(StoreError::NotFound(_))),
                    "{} deleted a RED version it did not share: {:?}",
                    &u.email,
                    got
                );
            } else {
                prop_assert!(matches!(got, Err(StoreError::Forbidden(_))), "{:?}", got);
            }
        }
    }
    Ok(())
}

/// Per line, the versions a reader gets as "last" (or "first"): the newest
/// (oldest) of those it may read.
fn ends<'a>(visible: &[&'a Stored], newest: bool) -> Vec<&'a Stored> {
    let mut by_line: BTreeMap<(usize, usize, usize), &Stored> = BTreeMap::new();
    for x in visible {
        let e = by_line.entry(x.line()).or_insert(x);
        if (newest && x.version_us > e.version_us) || (!newest && x.version_us < e.version_us) {
            *e = x;
        }
    }
    by_line.into_values().collect()
}

/// The TLP 2.0 marking definitions every collection holds (migration
/// 0014): TLP:CLEAR, one version each, in every page of every reader of
/// the collection.
const SYSTEM_OBJECTS: [&str; 5] = [
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
];

/// Every read path, for every reader, against the model.
pub(crate) async fn check(
    b: &Backend,
    w: &World,
    built: &Built,
    readers: &[Reader],
    shared: &Shared,
) -> Result<(), TestCaseError> {
    let s = b.store();
    let name = b.name();
    if std::env::var("POLICY_STATS").is_ok() {
        stats(w, built, readers, shared);
    }
    for r in readers {
        for x in &shared.stored {
            oracle::agrees(w, built, r, &x.marking)?;
        }
        let (who, a) = (&r.who, &r.actor);
        let visible: Vec<&Stored> = shared
            .stored
            .iter()
            .filter(|x| !x.deleted && can_read(&r.viewer, &x.marking))
            .collect();
        let latest = ends(&visible, true);
        let earliest = ends(&visible, false);
        let page_key = |x: &Stored| (stix_id(x.id), x.version.clone());
        for (ci, col) in shared.collections.iter().enumerate() {
            let in_col = |xs: &[&Stored]| -> BTreeSet<(String, String)> {
                let held = SYSTEM_OBJECTS
                    .iter()
                    .map(|id| ((*id).to_owned(), "2022-10-01T00:00:00.000Z".to_owned()));
                xs.iter()
                    .filter(|x| x.collection == ci)
                    .map(|x| page_key(x))
                    .chain(held)
                    .collect()
            };
            for (m, want) in [
                (VersionMatch::all(), in_col(&visible)),
                (VersionMatch::last(), in_col(&latest)),
                (
                    VersionMatch {
                        first: true,
                        ..VersionMatch::default()
                    },
                    in_col(&earliest),
                ),
            ] {
                let mut q = StixQuery::new(1000);
                q.versions = m.clone();
                let page = s.stix_page(a, col, &q).await;
                // Outside the community, a collection is there only for a
                // reader who may read something in it.
                let anything = visible.iter().any(|x| x.collection == ci);
                let seen = s.collection_visible(a, col).await.expect("visible");
                prop_assert_eq!(
                    seen,
                    can_read_community(&r.viewer, col.community) || anything,
                    "collection {} visible to {}",
                    ci,
                    who
                );
                if !seen {
                    prop_assert!(
                        matches!(page, Err(StoreError::NotFound(_))),
                        "{} read a collection it may read nothing of: {:?}",
                        who,
                        page.as_ref().map(|p| p.rows.len())
                    );
                    break;
                }
                let page = page.expect("page");
                let got: BTreeSet<(String, String)> = page
                    .rows
                    .iter()
                    .map(|r| (r.stix_id.clone(), r.version.clone()))
                    .collect();
                prop_assert_eq!(
                    &got,
                    &want,
                    "stix_page {:?} of collection {} for {} on {}",
                    m,
                    ci,
                    who,
                    name
                );
                let env = s.stix_envelope(a, col, &q).await.expect("envelope");
                prop_assert_eq!(
                    env.count as usize,
                    want.len(),
                    "the envelope {:?} for {}",
                    m,
                    who
                );
            }
        }
        let found_key = |x: &Stored| {
            (
                shared.collections[x.collection].id.clone(),
                stix_id(x.id),
                built.orgs[x.owner].id.0,
                x.version.clone(),
            )
        };
        let keys = |xs: &[&Stored],
                    f: &dyn Fn(&Stored) -> bool|
         -> BTreeSet<(String, String, i64, String)> {
            xs.iter().filter(|x| f(x)).map(|x| found_key(x)).collect()
        };
        let is_ind = |x: &Stored| x.id < INDICATORS;
        // Look-ups: one hit per sharer of an id, its latest readable version.
        let shared_value = IndicatorValue::parse(ValueKind::Domain, SHARED).expect("domain");
        let hits = s
            .lookup_values(a, std::slice::from_ref(&shared_value), 1000, None)
            .await
            .expect("lookup");
        let got: BTreeSet<(String, i64)> = hits[0]
            .hits
            .iter()
            .map(|h| (h.stix_id.clone(), h.owner_org))
            .collect();
        let want: BTreeSet<(String, i64)> = latest
            .iter()
            .filter(|x| is_ind(x))
            .map(|x| (stix_id(x.id), built.orgs[x.owner].id.0))
            .collect();
        prop_assert_eq!(&got, &want, "lookup_values for {} on {}", who, name);
        let ids: BTreeSet<&String> = want.iter().map(|(i, _)| i).collect();
        prop_assert_eq!(
            hits[0].total as usize,
            ids.len(),
            "lookup count for {}",
            who
        );
        // Exports.
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
        let got: BTreeSet<(String, String)> = rows
            .into_iter()
            .map(|r| (r.collection_id, r.stix_id))
            .collect();
        let want: BTreeSet<(String, String)> = latest
            .iter()
            .filter(|x| is_ind(x))
            .map(|x| (shared.collections[x.collection].id.clone(), stix_id(x.id)))
            .collect();
        prop_assert_eq!(&got, &want, "index_page (exports) for {} on {}", who, name);
        // Search by value and by text.
        for (text, f) in [
            (SHARED, &is_ind as &dyn Fn(&Stored) -> bool),
            ("sighting", &|x: &Stored| !is_ind(x)),
        ] {
            let found = s
                .search(
                    a,
                    &SearchQuery {
                        text: Some(text.into()),
                        limit: 1000,
                        ..SearchQuery::default()
                    },
                )
                .await
                .expect("search");
            let got: BTreeSet<_> = found
                .iter()
                .map(|f| {
                    (
                        f.collection_id.clone(),
                        f.row.stix_id.clone(),
                        f.owner_org,
                        f.row.version.clone(),
                    )
                })
                .collect();
            prop_assert_eq!(
                &got,
                &keys(&latest, f),
                "search {:?} for {} on {}",
                text,
                who,
                name
            );
        }
        // Notifications: every readable version.
        let got: BTreeSet<_> = s
            .added_since(a, (0, 0), 1000)
            .await
            .expect("added")
            .iter()
            .map(|f| {
                (
                    f.collection_id.clone(),
                    f.row.stix_id.clone(),
                    f.owner_org,
                    f.row.version.clone(),
                )
            })
            .collect();
        prop_assert_eq!(
            &got,
            &keys(&visible, &|_| true),
            "added_since for {} on {}",
            who,
            name
        );
        // An object's page: every readable version of the id, any sharer.
        for n in 0..ID_POOL {
            let want = keys(&visible, &|x| x.id == n);
            match s.object_versions(a, &stix_id(n)).await {
                Ok(v) => {
                    let got: BTreeSet<_> = v
                        .iter()
                        .map(|f| {
                            (
                                f.collection_id.clone(),
                                f.row.stix_id.clone(),
                                f.owner_org,
                                f.row.version.clone(),
                            )
                        })
                        .collect();
                    prop_assert_eq!(&got, &want, "object_versions {} for {} on {}", n, who, name);
                }
                Err(_) => prop_assert!(
                    want.is_empty(),
                    "object_versions {} withheld from {}",
                    n,
                    who
                ),
            }
        }
        // Sightings of the first indicator: each line's latest readable one.
        let sum = s.sightings_of(a, &stix_id(0)).await.expect("sightings");
        let seen: Vec<&&Stored> = latest.iter().filter(|x| !is_ind(x)).collect();
        prop_assert_eq!(
            sum.reports as usize,
            seen.len(),
            "sightings counted for {}",
            who
        );
        prop_assert_eq!(
            sum.count,
            seen.iter().map(|x| x.count).sum::<i64>(),
            "sighting counts for {}",
            who
        );
    }
    Ok(())
}

/// With `POLICY_STATS` set, prints what a case exercised (to see that the
/// generated worlds are not empty ones).
fn stats(w: &World, built: &Built, readers: &[Reader], shared: &Shared) {
    let pairs = || {
        readers
            .iter()
            .flat_map(|r| shared.stored.iter().map(move |x| (r, x)))
    };
    let speaks = pairs()
        .filter(|(r, x)| oracle::tlp2(w, built, r, &x.marking).is_some())
        .count();
    let visible = pairs()
        .filter(|(r, x)| !x.deleted && can_read(&r.viewer, &x.marking))
        .count();
    let lines: BTreeSet<_> = shared.stored.iter().map(Stored::line).collect();
    let shared_ids: BTreeSet<_> = lines.iter().map(|(c, _, i)| (*c, *i)).collect();
    eprintln!(
        "readers {} versions {} deleted {} lines {} ids shared by two {} oracle speaks {}/{} visible {}",
        readers.len(),
        shared.stored.len(),
        shared.stored.iter().filter(|x| x.deleted).count(),
        lines.len(),
        lines.len() - shared_ids.len(),
        speaks,
        pairs().count(),
        visible
    );
}
