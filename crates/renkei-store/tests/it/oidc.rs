//! OpenID Connect links: one identity per user per issuer, audited, on
//! SQLite and PostgreSQL.

use renkei_core::{OrgKind, Role};
use renkei_store::{AuditQuery, StoreError};

use crate::support::{Backend, actor, backends, org, system, user};

const ISSUER: &str = "https://idp.example.jp";

#[tokio::test]
async fn oidc_links_one_identity_per_user_per_issuer() {
    for b in backends().await {
        links(&b).await;
    }
}

async fn links(b: &Backend) {
    let s = b.store();
    let name = b.name();
    let o = org(s, "電力", OrgKind::Operator, Some("electricity")).await;
    let alice = user(s, &o, "alice", Role::Reporter).await;
    let bob = user(s, &o, "bob", Role::Viewer).await;
    let as_alice = actor(s, &alice).await;

    assert_eq!(
        s.oidc_linked_user(ISSUER, "sub-a").await.expect("look up"),
        None,
        "{name}"
    );
    s.link_oidc(&as_alice, ISSUER, "sub-a", alice.id)
        .await
        .expect("link");
    assert_eq!(
        s.oidc_linked_user(ISSUER, "sub-a").await.expect("look up"),
        Some(alice.id),
        "{name}"
    );
    assert_eq!(
        s.oidc_subject_of(ISSUER, alice.id).await.expect("subject"),
        Some("sub-a".to_owned()),
        "{name}"
    );
    // Another issuer's identity with the same subject is another identity.
    assert_eq!(
        s.oidc_linked_user("https://other.example.jp", "sub-a")
            .await
            .expect("look up"),
        None,
        "{name}"
    );

    // The identity is taken, and alice has one at this issuer already.
    let taken = s.link_oidc(&system(), ISSUER, "sub-a", bob.id).await;
    assert!(
        matches!(taken, Err(StoreError::Conflict { .. })),
        "{name}: {taken:?}"
    );
    let second = s.link_oidc(&system(), ISSUER, "sub-a2", alice.id).await;
    assert!(
        matches!(second, Err(StoreError::Conflict { .. })),
        "{name}: {second:?}"
    );
    // An unknown user is named, not linked.
    let nobody = s
        .link_oidc(&system(), ISSUER, "sub-x", renkei_core::UserId(999_999))
        .await;
    assert!(
        matches!(nobody, Err(StoreError::NotFound("user"))),
        "{name}: {nobody:?}"
    );
    // Bad input names the field and stores nothing.
    let long = "x".repeat(256);
    let bad = s.link_oidc(&system(), ISSUER, &long, bob.id).await;
    assert!(
        matches!(&bad, Err(StoreError::Invalid(e)) if e.field == "subject"),
        "{name}: {bad:?}"
    );
    assert_eq!(b.count("oidc_links").await, 1, "{name}");

    let entries = s
        .list_audit(
            &system(),
            AuditQuery {
                org: None,
                before_seq: None,
                limit: 50,
            },
        )
        .await
        .expect("audit");
    let links: Vec<_> = entries.iter().filter(|e| e.action == "oidc.link").collect();
    assert_eq!(links.len(), 1, "{name}: one link, audited once");
    assert_eq!(links[0].object, format!("user:{}", alice.id), "{name}");
    assert!(
        links[0].detail.contains("sub-a"),
        "{name}: {:?}",
        links[0].detail
    );
}
