//! Export pages of the value index, and who a version's audience reaches:
//! the sharer's naming replaces the collection's community, it never adds
//! to it (`renkei_core::access`). Both on every backend.

use std::collections::BTreeSet;

use renkei_core::model::{Collection, NewCollection, NewCommunity, Org};
use renkei_core::{Actor, Audience, IndicatorValue, OrgKind, Role, Tlp, ValueKind};
use renkei_store::index::{IndexEntries, IndexQuery};
use renkei_store::intel::{NewStixVersion, StixQuery};

use crate::support::{self, Backend, actor, org, system, user};

fn indicator(
    n: usize,
    tlp: Tlp,
    audience: Audience,
    values: &[(ValueKind, &str)],
) -> NewStixVersion {
    NewStixVersion {
        stix_id: format!("indicator--00000000-0000-4000-8000-{n:012}"),
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some(("2026-11-01T00:00:00.000Z".into(), 1_793_491_200_000_000)),
        tlp: Some(tlp),
        audience,
        body: serde_json::json!({
            "name": format!("indicator {n}"),
            "description": format!("line one\nof {n}"),
        })
        .to_string(),
        index: IndexEntries {
            values: values
                .iter()
                .map(|(k, v)| IndicatorValue::parse(*k, v).expect("value"))
                .collect(),
            ..IndexEntries::default()
        },
    }
}

#[tokio::test]
async fn export_pages_walk_the_index_in_value_order_from_any_cursor() {
    for b in support::backends().await {
        export_pages(&b).await;
    }
}

async fn export_pages(b: &Backend) {
    let s = b.store();
    let (rep, col) = crate::story::sharing_setup(b).await;
    // Values repeat across objects and kinds, so pages end inside runs of
    // one value and of one (value, kind).
    let values: [&[(ValueKind, &str)]; 6] = [
        &[
            (ValueKind::Domain, "b.example.co.jp"),
            (ValueKind::Ipv4, "45.77.1.2"),
        ],
        &[(ValueKind::Domain, "b.example.co.jp")],
        &[
            (ValueKind::Ipv4, "45.77.1.2"),
            (ValueKind::Domain, "a.example.co.jp"),
        ],
        &[
            (ValueKind::Domain, "b.example.co.jp"),
            (ValueKind::Url, "http://b.example.co.jp/x"),
        ],
        &[(ValueKind::Domain, "c.example.co.jp")],
        &[(ValueKind::Ipv4, "45.77.1.2")],
    ];
    let objects = values
        .iter()
        .enumerate()
        .map(|(n, v)| indicator(n, Tlp::Green, Audience::default(), v))
        .collect();
    s.add_stix(&rep, &col, objects).await.expect("add");
    let whole = s
        .index_page(
            &rep,
            &IndexQuery {
                limit: 1000,
                ..IndexQuery::default()
            },
        )
        .await
        .expect("whole");
    assert_eq!(whole.len(), 9, "{whole:?}");
    let keys: Vec<(String, &str, i64)> = whole
        .iter()
        .map(|r| (r.value.value().to_owned(), r.value.kind().as_str(), r.id))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "in (value, kind, id) order on {}", b.name());
    let a = whole
        .iter()
        .find(|r| r.value.value() == "a.example.co.jp")
        .expect("a row");
    assert_eq!(a.name.as_deref(), Some("indicator 2"));
    assert_eq!(a.description.as_deref(), Some("line one\nof 2"));
    for limit in 1..=4 {
        for start in 0..whole.len() {
            let mut q = IndexQuery {
                limit,
                after: Some(whole[start].cursor()),
                ..IndexQuery::default()
            };
            let mut got = Vec::new();
            loop {
                let page = s.index_page(&rep, &q).await.expect("page");
                assert!(page.len() as i64 <= limit);
                got.extend(page.iter().map(|r| r.id));
                match page.last() {
                    Some(l) if page.len() as i64 == limit => q.after = Some(l.cursor()),
                    _ => break,
                }
            }
            let want: Vec<i64> = whole[start + 1..].iter().map(|r| r.id).collect();
            assert_eq!(
                got,
                want,
                "pages of {limit} after row {start} on {}",
                b.name()
            );
        }
    }
    // One kind only.
    let ips = s
        .index_page(
            &rep,
            &IndexQuery {
                kinds: vec![ValueKind::Ipv4],
                limit: 2,
                ..IndexQuery::default()
            },
        )
        .await
        .expect("ips");
    assert_eq!(ips.len(), 2);
    assert!(ips.iter().all(|r| r.value.kind() == ValueKind::Ipv4));
}

#[tokio::test]
async fn naming_an_audience_narrows_a_collections_default_instead_of_adding_to_it() {
    for b in support::backends().await {
        audiences(&b).await;
        eprintln!("audiences passed on {}", b.name());
    }
}

/// A council of three operators; a fourth organisation outside it.
async fn council(b: &Backend) -> (Vec<(Org, Actor)>, Collection) {
    let s = b.store();
    let c = s
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
    let mut people = Vec::new();
    for (i, (name, sector)) in [
        ("東都電力", "electricity"),
        ("関西鉄道", "railway"),
        ("北陸ガス", "gas"),
        ("ミライ制御", "electricity"),
    ]
    .into_iter()
    .enumerate()
    {
        let o = org(s, name, OrgKind::Operator, Some(sector)).await;
        let admin = user(s, &o, "admin", Role::Admin).await;
        if i < 3 {
            let m = s
                .add_membership(&system(), c.id, o.id)
                .await
                .expect("membership");
            s.accept_terms(&actor(s, &admin).await, m.id)
                .await
                .expect("accept");
        }
        people.push((o, actor(s, &admin).await));
    }
    let col = s
        .create_collection(
            &system(),
            NewCollection {
                community: c.id,
                title: "c".into(),
                description: String::new(),
                default_tlp: Tlp::Amber,
            },
        )
        .await
        .expect("collection");
    (people, col)
}

async fn audiences(b: &Backend) {
    let s = b.store();
    let (people, col) = council(b).await;
    let (power, rail, gas, outsider) = (&people[0], &people[1], &people[2], &people[3]);
    let org = |o: &Org| Audience {
        orgs: vec![o.id],
        ..Audience::default()
    };
    let shares = [
        // (id, TLP, audience named)
        (0, Some(Tlp::Amber), Audience::default()),
        (1, Some(Tlp::Amber), org(&rail.0)),
        (2, Some(Tlp::AmberStrict), org(&outsider.0)),
        (3, Some(Tlp::Green), Audience::default()),
        (4, Some(Tlp::Green), org(&outsider.0)),
        (5, None, Audience::default()),
        (
            6,
            Some(Tlp::Amber),
            Audience {
                communities: vec![col.community],
                orgs: vec![outsider.0.id],
                ..Audience::default()
            },
        ),
        (7, Some(Tlp::Clear), org(&rail.0)),
    ];
    for (n, tlp, audience) in shares.iter().cloned() {
        let mut v = indicator(
            n,
            Tlp::Clear,
            audience,
            &[(ValueKind::Domain, "x.example.co.jp")],
        );
        v.tlp = tlp;
        let out = s.add_stix(&power.1, &col, vec![v]).await.expect("add");
        assert!(out.failures.is_empty(), "{:?}", out.failures);
    }
    // Who reads which: the owner always; the community only by default
    // (or when named); what was named, and nothing more.
    let want: [(&(Org, Actor), &[usize]); 4] = [
        (power, &[0, 1, 2, 3, 4, 5, 6, 7]),
        (rail, &[0, 1, 3, 5, 6, 7]),
        (gas, &[0, 3, 5, 6, 7]),
        (outsider, &[2, 4, 6, 7]),
    ];
    for ((o, a), ids) in want {
        let want: BTreeSet<String> = ids
            .iter()
            .map(|n| format!("indicator--00000000-0000-4000-8000-{n:012}"))
            .collect();
        let page: BTreeSet<String> = s
            .stix_page(a, &col, &StixQuery::new(100))
            .await
            .expect("page")
            .rows
            .into_iter()
            .map(|r| r.stix_id)
            // Not the TLP definitions every collection holds.
            .filter(|id| id.starts_with("indicator--"))
            .collect();
        assert_eq!(page, want, "{} reads on {}", o.name_en, b.name());
        let exported: BTreeSet<String> = s
            .index_page(
                a,
                &IndexQuery {
                    limit: 100,
                    ..IndexQuery::default()
                },
            )
            .await
            .expect("export")
            .into_iter()
            .map(|r| r.stix_id)
            .collect();
        assert_eq!(exported, want, "{} exports on {}", o.name_en, b.name());
        assert!(
            s.collection_visible(a, &col).await.expect("visible"),
            "{} sees the collection",
            o.name_en
        );
    }
    // A stranger who may read nothing in it does not see it at all.
    let lone = support::org(s, "無関係", OrgKind::Supplier, None).await;
    let lone = actor(s, &user(s, &lone, "admin", Role::Admin).await).await;
    // CLEAR is readable by everyone, so the collection is visible to them.
    assert!(s.collection_visible(&lone, &col).await.expect("visible"));
    // Without the CLEAR version, it is not.
    b.exec("UPDATE stix_objects SET deleted_at = 1 WHERE tlp = 'CLEAR'")
        .await;
    assert!(!s.collection_visible(&lone, &col).await.expect("visible"));
    assert!(matches!(
        s.stix_page(&lone, &col, &StixQuery::new(10)).await,
        Err(renkei_store::StoreError::NotFound(_))
    ));
}
