//! OpenID Connect identities linked to users: which user the identity
//! (issuer, subject) signs in as. The server decides when to link (it
//! checks the provider's claims); the store keeps one identity per user per
//! issuer and audits every link.

use async_trait::async_trait;
use renkei_core::{Actor, Timestamp, UserId};

use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql};
use crate::directory::conflict_on;
use crate::store::{SqlStore, USER_EXISTS, exists};
use crate::{Result, StoreError};

/// Identities at OpenID Connect providers, linked to users.
#[async_trait]
pub trait OidcLinkStore: Send + Sync {
    /// The user the identity `(issuer, subject)` is linked to, if any.
    async fn oidc_linked_user(&self, issuer: &str, subject: &str) -> Result<Option<UserId>>;
    /// The subject `user` is linked to at `issuer`, if any (at most one).
    async fn oidc_subject_of(&self, issuer: &str, user: UserId) -> Result<Option<String>>;
    /// Links `(issuer, subject)` to `user`, audited as `oidc.link` by
    /// `actor` in the same transaction. A conflict if the identity is
    /// linked already, or the user already has an identity at `issuer`.
    async fn link_oidc(
        &self,
        actor: &Actor,
        issuer: &str,
        subject: &str,
        user: UserId,
    ) -> Result<()>;
}

const LINKED_USER: &str = "
    SELECT user_id
    FROM oidc_links
    WHERE issuer = $1 AND subject = $2";

const SUBJECT_OF: &str = "
    SELECT subject
    FROM oidc_links
    WHERE issuer = $1 AND user_id = $2";

const INSERT_LINK: &str = "
    INSERT INTO oidc_links (issuer, subject, user_id, created_at)
    VALUES ($1, $2, $3, $4)";

/// OpenID Connect's limit for `sub` (Core 1.0 §2); issuers are URLs.
const MAX_SUBJECT: usize = 255;
const MAX_ISSUER: usize = 2000;

fn check(issuer: &str, subject: &str) -> Result<()> {
    let bad = |field, max| {
        StoreError::Invalid(renkei_core::ParseError::new(
            field,
            format!("must be 1 to {max} characters"),
        ))
    };
    if issuer.is_empty() || issuer.len() > MAX_ISSUER {
        return Err(bad("issuer", MAX_ISSUER));
    }
    if subject.is_empty() || subject.len() > MAX_SUBJECT {
        return Err(bad("subject", MAX_SUBJECT));
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> OidcLinkStore for SqlStore<B> {
    async fn oidc_linked_user(&self, issuer: &str, subject: &str) -> Result<Option<UserId>> {
        check(issuer, subject)?;
        let r = Sql::new(LINKED_USER)
            .bind(issuer)
            .bind(subject)
            .fetch_optional(self)
            .await?;
        r.map(|r| Ok(UserId(r.i64("user_id")?))).transpose()
    }

    async fn oidc_subject_of(&self, issuer: &str, user: UserId) -> Result<Option<String>> {
        check(issuer, "-")?;
        let r = Sql::new(SUBJECT_OF)
            .bind(issuer)
            .bind(user.0)
            .fetch_optional(self)
            .await?;
        r.map(|r| r.text("subject")).transpose()
    }

    async fn link_oidc(
        &self,
        actor: &Actor,
        issuer: &str,
        subject: &str,
        user: UserId,
    ) -> Result<()> {
        check(issuer, subject)?;
        let mut tx = self.begin().await?;
        if !exists(&mut tx, USER_EXISTS, user.0).await? {
            return Err(StoreError::NotFound("user"));
        }
        Sql::new(INSERT_LINK)
            .bind(issuer)
            .bind(subject)
            .bind(user.0)
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await
            .map_err(conflict_on("subject", "a link of this identity or user"))?;
        let object = format!("user:{user}");
        append(
            &mut tx,
            actor,
            "oidc.link",
            &object,
            &format!("{issuer} {subject}"),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}
