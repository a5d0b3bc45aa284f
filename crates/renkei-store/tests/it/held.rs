//! The TLP 2.0 marking definitions every collection holds (migration
//! 0014): served to every reader of a collection as TLP:CLEAR objects of
//! no organisation, paged like any other; never news, never indicators;
//! nobody adds, replaces or deletes them.

use renkei_core::{Audience, Tlp};
use renkei_store::StoreError;
use renkei_store::index::{IndexQuery, SearchQuery};
use renkei_store::intel::{DeleteMatch, NewStixVersion, StixQuery, VersionMatch};

use crate::story::collection_setup;
use crate::support;

/// The fixed ids of TLP:CLEAR, GREEN, AMBER, AMBER+STRICT and RED, in the
/// order the collection holds them.
const TLP_IDS: [&str; 5] = [
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
];
const CREATED: &str = "2022-10-01T00:00:00.000Z";

fn ids(rows: &[renkei_store::intel::StixRow]) -> Vec<&str> {
    rows.iter().map(|r| r.stix_id.as_str()).collect()
}

/// A member's add of the TLP:AMBER definition, as stix2 and OpenCTI send
/// it beside the objects it marks.
fn amber(body: &str) -> NewStixVersion {
    NewStixVersion {
        stix_id: TLP_IDS[2].into(),
        stix_type: "marking-definition".into(),
        spec_version: "2.1".into(),
        version: Some((CREATED.into(), 1_664_582_400_000_000)),
        tlp: None,
        audience: Audience::default(),
        body: body.into(),
        index: Default::default(),
    }
}

#[tokio::test]
async fn collections_hold_the_tlp_marking_definitions() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = collection_setup(&b).await;
        let page = s
            .stix_page(&rep, &col, &StixQuery::new(100))
            .await
            .expect("page");
        assert_eq!(ids(&page.rows), TLP_IDS, "{}", b.name());
        for (r, name) in page
            .rows
            .iter()
            .zip(["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"])
        {
            assert_eq!((r.tlp, r.version.as_str()), (Tlp::Clear, CREATED));
            assert_eq!(r.stix_type, "marking-definition");
            let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
            assert_eq!(body["name"], format!("TLP:{name}"));
            assert_eq!(body["id"], r.stix_id);
        }
        assert!(
            page.rows
                .windows(2)
                .all(|w| w[0].date_added < w[1].date_added),
            "each its own date_added"
        );
        assert!(page.rows[0].date_added >= col.created_at.0);
        // Paged, filtered and enveloped like anything else.
        let mut q = StixQuery::new(2);
        let mut seen = Vec::new();
        loop {
            let p = s.stix_page(&rep, &col, &q).await.expect("page");
            seen.extend(p.rows.iter().map(|r| r.stix_id.clone()));
            match p.rows.last() {
                Some(last) if p.more => q.after = Some((last.date_added, last.pk)),
                _ => break,
            }
        }
        assert_eq!(seen, TLP_IDS);
        let mut q = StixQuery::new(100);
        q.added_after = Some(page.rows[1].date_added);
        let later = s.stix_page(&rep, &col, &q).await.expect("page");
        assert_eq!(ids(&later.rows), &TLP_IDS[2..]);
        let mut q = StixQuery::new(100);
        q.ids = vec![TLP_IDS[4].into()];
        q.versions = VersionMatch::all();
        let env = s.stix_envelope(&rep, &col, &q).await.expect("envelope");
        assert_eq!(env.count, 1);
        assert!(
            env.objects.contains("\"tlp_2_0\":\"red\""),
            "{}",
            env.objects
        );

        // An add of one stores nothing and says so; nor can a member
        // replace one or delete it.
        let before = b.count("stix_objects").await;
        let body = &page.rows[2].body;
        for v in [
            amber(body),
            amber("{\"name\": \"TLP:AMBER, anything goes\"}"),
        ] {
            let out = s.add_stix(&rep, &col, vec![v]).await.expect("add");
            assert!(out.failures.is_empty(), "{out:?}");
            assert!(
                out.successes[0]
                    .2
                    .as_deref()
                    .is_some_and(|m| m.contains("every collection holds")),
                "{out:?}"
            );
        }
        s.add_stix_whole(&rep, &col, vec![amber(body)])
            .await
            .expect("whole add");
        assert_eq!(b.count("stix_objects").await, before, "{}", b.name());
        let gone = s
            .delete_stix(
                &rep,
                &col,
                TLP_IDS[2],
                &DeleteMatch::from(VersionMatch::all()),
            )
            .await;
        assert!(matches!(gone, Err(StoreError::NotFound(_))), "{gone:?}");
        let again = s
            .stix_page(&rep, &col, &StixQuery::new(100))
            .await
            .expect("page");
        assert_eq!(ids(&again.rows), TLP_IDS);

        // Not news, not shared by anyone, not indicators.
        let news = s.added_since(&rep, (0, 0), 100).await.expect("news");
        assert!(news.is_empty(), "{news:?}");
        let found = s
            .search(
                &rep,
                &SearchQuery {
                    text: Some("TLP".into()),
                    limit: 100,
                    ..SearchQuery::default()
                },
            )
            .await
            .expect("search");
        assert!(found.is_empty(), "{found:?}");
        let rows = s
            .index_page(
                &rep,
                &IndexQuery {
                    limit: 100,
                    ..IndexQuery::default()
                },
            )
            .await
            .expect("index");
        assert!(rows.is_empty());
        // Their own page answers, as any readable object's.
        let versions = s.object_versions(&rep, TLP_IDS[0]).await.expect("versions");
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].owner_org, 0);
    }
}

/// Migration 0014 gives the collections that exist the definitions, as
/// added when it runs.
#[tokio::test]
async fn the_migration_gives_existing_collections_the_definitions() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = collection_setup(&b).await;
        // The collection as 0013 left it.
        b.without_system_objects().await;
        let sql = match b.name() {
            "sqlite" => include_str!("../../migrations/sqlite/0014_collection_tlp_markings.sql"),
            _ => include_str!("../../migrations/postgres/0014_collection_tlp_markings.sql"),
        };
        let existing = sql
            .find("INSERT INTO stix_objects")
            .map(|i| &sql[i..])
            .expect("the statement for existing collections");
        b.exec(existing).await;
        let page = s
            .stix_page(&rep, &col, &StixQuery::new(100))
            .await
            .expect("page");
        assert_eq!(ids(&page.rows), TLP_IDS, "{}", b.name());
        assert!(page.rows[0].date_added > col.created_at.0, "added now");
        assert!(page.rows.iter().all(|r| r.tlp == Tlp::Clear));
    }
}
