//! Correlation both ways and one search over related values: an address
//! finds the networks holding it, a network the addresses inside it, a URL
//! its host's registered domain, a domain the URLs on it; each answer only
//! what the reader may read.

use renkei_core::{Audience, IndicatorValue, OrgKind, Role, Tlp};
use renkei_store::index::SearchQuery;
use renkei_store::intel::{IndexEntries, NewStixVersion};

use crate::story::sharing_setup;
use crate::support::{self, actor, org, system, user};

fn indicator(n: usize, tlp: Tlp, audience: Audience, value: &str) -> NewStixVersion {
    NewStixVersion {
        stix_id: format!("indicator--00000000-0000-4000-8000-{n:012}"),
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some(("2026-11-01T00:00:00.000Z".into(), 1_793_491_200_000_000)),
        tlp: Some(tlp),
        audience,
        body: serde_json::json!({ "name": format!("indicator {n}") }).to_string(),
        index: IndexEntries {
            values: vec![IndicatorValue::guess(value).expect("value")],
            ..IndexEntries::default()
        },
    }
}

fn id(n: usize) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

#[tokio::test]
async fn a_network_lists_the_readable_addresses_inside_it_and_an_address_its_networks() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        let power = rep.viewer.org.expect("org");
        // A second member of the community, who may read GREEN but not
        // what was shared with 東都電力 alone.
        let rail = org(s, "関西鉄道", OrgKind::Operator, Some("railway")).await;
        let rail_admin = user(s, &rail, "admin", Role::Admin).await;
        let rail_soc = user(s, &rail, "soc", Role::Reporter).await;
        let m = s
            .add_membership(&system(), col.community, rail.id)
            .await
            .expect("membership");
        s.accept_terms(&actor(s, &rail_admin).await, m.id)
            .await
            .expect("accept");
        let reader = actor(s, &rail_soc).await;
        let only_power = Audience {
            orgs: vec![power],
            ..Audience::default()
        };
        s.add_stix(
            &rep,
            &col,
            vec![
                indicator(1, Tlp::Green, Audience::default(), "203.0.113.0/24"),
                indicator(2, Tlp::Green, Audience::default(), "203.0.113.45"),
                indicator(3, Tlp::Amber, only_power, "203.0.113.46"),
                indicator(4, Tlp::Green, Audience::default(), "198.51.100.1"),
                indicator(5, Tlp::Green, Audience::default(), "203.0.113.0/25"),
                indicator(6, Tlp::Green, Audience::default(), "2001:db8:1:2::/64"),
                indicator(7, Tlp::Green, Audience::default(), "2001:db8:1:2::9"),
                indicator(8, Tlp::Green, Audience::default(), "2001:db8:1:3::9"),
            ],
        )
        .await
        .expect("add");
        let ids = |hits: &[renkei_store::index::ValueHits]| {
            let mut v: Vec<String> = hits
                .iter()
                .flat_map(|h| h.hits.iter().map(|x| x.stix_id.clone()))
                .collect();
            v.sort();
            v
        };
        let net = s.correlate(&reader, &id(1), 20).await.expect("correlate");
        // The address inside, not the one the reader may not read, not the
        // one outside, not a narrower network.
        assert_eq!(ids(&net), [id(2)], "{}", b.name());
        assert_eq!(net[0].total, 1, "{}: counted as listed", b.name());
        let sharer = s.correlate(&rep, &id(1), 20).await.expect("correlate");
        assert_eq!(ids(&sharer), [id(2), id(3)], "{}", b.name());
        let addr = s.correlate(&reader, &id(2), 20).await.expect("correlate");
        assert_eq!(ids(&addr), [id(1), id(5)], "{}", b.name());
        let v6 = s.correlate(&reader, &id(6), 20).await.expect("correlate");
        assert_eq!(ids(&v6), [id(7)], "{}", b.name());

        // The audience of what the reader may read, and nothing of the rest.
        let versions = s.object_versions(&rep, &id(3)).await.expect("versions");
        let pk3 = versions[0].row.pk;
        let pk1 = s.object_versions(&reader, &id(1)).await.expect("v")[0]
            .row
            .pk;
        let a = s.audiences_of(&reader, &[pk1, pk3]).await.expect("aud");
        assert_eq!(a.len(), 1, "{}", b.name());
        assert_eq!(
            (a[0].0, a[0].1.communities.clone()),
            (pk1, vec![col.community])
        );
        let a = s.audiences_of(&rep, &[pk3]).await.expect("aud");
        assert_eq!(a[0].1.orgs, [power], "{}", b.name());
    }
}

#[tokio::test]
async fn one_search_finds_a_urls_host_and_registered_domain_and_a_domains_urls() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        s.add_stix(
            &rep,
            &col,
            vec![
                indicator(1, Tlp::Green, Audience::default(), "example.com"),
                indicator(2, Tlp::Green, Audience::default(), "login.example.com"),
                indicator(
                    3,
                    Tlp::Green,
                    Audience::default(),
                    "http://login.example.com/a",
                ),
                indicator(
                    4,
                    Tlp::Green,
                    Audience::default(),
                    "https://login.example.com:8443/b",
                ),
                indicator(
                    5,
                    Tlp::Green,
                    Audience::default(),
                    "http://login.example.community/c",
                ),
                indicator(6, Tlp::Green, Audience::default(), "other.example.net"),
            ],
        )
        .await
        .expect("add");
        let search = |text: &str| {
            let q = SearchQuery {
                text: Some(text.into()),
                limit: 50,
                ..SearchQuery::default()
            };
            let (s, rep) = (s, rep.clone());
            async move {
                let mut v: Vec<String> = s
                    .search(&rep, &q)
                    .await
                    .expect("search")
                    .iter()
                    .map(|f| f.row.stix_id.clone())
                    .collect();
                v.sort();
                v
            }
        };
        // A URL nobody shared still finds its host and registered domain.
        assert_eq!(
            search("hxxp://login[.]example[.]com/other").await,
            [id(1), id(2)],
            "{}",
            b.name()
        );
        // A host finds itself, its registered domain and the URLs on it,
        // with or without a port, but not on a longer name.
        assert_eq!(
            search("login.example.com").await,
            [id(1), id(2), id(3), id(4)],
            "{}",
            b.name()
        );
        assert_eq!(search("example.com").await, [id(1)], "{}", b.name());
    }
}
