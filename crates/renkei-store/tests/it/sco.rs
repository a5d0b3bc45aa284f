//! Objects without `modified` or `created` (SCOs): STIX gives them no
//! version of their own, so each add by their sharer is a version dated
//! when it was added. A later add keeps the earlier versions and says so.

use renkei_core::Audience;
use renkei_store::intel::{NewStixVersion, StixQuery, VersionMatch};

use crate::story::sharing_setup;
use crate::support;

const IP: &str = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd";

fn sco(value: &str) -> NewStixVersion {
    NewStixVersion {
        stix_id: IP.into(),
        stix_type: "ipv4-addr".into(),
        spec_version: "2.1".into(),
        version: None,
        tlp: None,
        audience: Audience::default(),
        body: format!("{{\"type\":\"ipv4-addr\",\"id\":\"{IP}\",\"value\":\"{value}\"}}"),
        index: Default::default(),
    }
}

/// Regression: a second add of an SCO id by its sharer, with other
/// content, was answered like a first one; which content was current
/// was nowhere said.
#[tokio::test]
async fn an_sco_added_again_is_a_new_version_and_the_add_says_so() {
    for b in support::backends().await {
        let s = b.store();
        let (rep, col) = sharing_setup(&b).await;
        let first = s
            .add_stix(&rep, &col, vec![sco("198.51.100.3")])
            .await
            .expect("add");
        assert_eq!(first.successes[0].2, None, "{}", b.name());
        let second = s
            .add_stix(&rep, &col, vec![sco("198.51.100.4")])
            .await
            .expect("add");
        assert!(
            second.successes[0]
                .2
                .as_deref()
                .is_some_and(|m| m.contains("new version") && m.contains("earlier versions stay")),
            "{second:?}"
        );
        assert_ne!(first.successes[0].1, second.successes[0].1);
        let mut q = StixQuery::new(10);
        q.versions = VersionMatch::all();
        let all = s.stix_page(&rep, &col, &q).await.expect("page");
        assert_eq!(all.rows.len(), 2, "{}", b.name());
        let latest = s
            .stix_page(&rep, &col, &StixQuery::new(10))
            .await
            .expect("page");
        assert_eq!(latest.rows.len(), 1);
        assert!(latest.rows[0].body.contains("198.51.100.4"));
    }
}
