//! Sign-ins waiting for their second factor, and WebAuthn ceremonies under
//! way: each stored by the hash of the cookie secret it belongs to, and
//! ended or taken once, in SQL.

use renkei_core::{Timestamp, UserId};

use super::PendingSignIn;
use crate::Result;
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;

const PURGE_PENDING: &str = "DELETE FROM mfa_pending WHERE expires_at < $1";

const INSERT_PENDING: &str = "
    INSERT INTO mfa_pending (token_hash, user_id, csrf_token, enrol, next_path, created_at,
                             expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

const PENDING: &str = "
    SELECT p.user_id, p.csrf_token, p.enrol, p.next_path, p.expires_at
    FROM mfa_pending p
    JOIN users u ON u.id = p.user_id
    WHERE p.token_hash = $1 AND p.ended_at IS NULL AND p.expires_at > $2
      AND p.failures < $3 AND u.active";

const END_PENDING: &str = "
    UPDATE mfa_pending SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL";

const PURGE_CEREMONIES: &str = "DELETE FROM mfa_ceremonies WHERE expires_at < $1";

const PUT_CEREMONY: &str = "
    INSERT INTO mfa_ceremonies (owner_hash, user_id, kind, state, expires_at)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (owner_hash) DO UPDATE
    SET user_id = $2, kind = $3, state = $4, expires_at = $5";

const TAKE_CEREMONY: &str = "
    DELETE FROM mfa_ceremonies
    WHERE owner_hash = $1
    RETURNING user_id, kind, state, expires_at";

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_pending(&self, token_hash: &str, p: &PendingSignIn) -> Result<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        // Keeps the table to the sign-ins of the last minutes.
        Sql::new(PURGE_PENDING).bind(now.0).execute(&mut tx).await?;
        Sql::new(INSERT_PENDING)
            .bind(token_hash)
            .bind(p.user.0)
            .bind(&p.csrf_token)
            .bind(p.enrol)
            .bind(&p.next)
            .bind(now.0)
            .bind(p.expires_at.0)
            .execute(&mut tx)
            .await?;
        self.commit(tx).await
    }

    pub(super) async fn live_pending(
        &self,
        token_hash: &str,
        now: Timestamp,
        max_failures: i64,
    ) -> Result<Option<PendingSignIn>> {
        let r = Sql::new(PENDING)
            .bind(token_hash)
            .bind(now.0)
            .bind(max_failures)
            .fetch_optional(self)
            .await?;
        r.map(|r| {
            Ok(PendingSignIn {
                user: UserId(r.i64("user_id")?),
                csrf_token: r.text("csrf_token")?,
                enrol: r.boolean("enrol")?,
                next: r.text("next_path")?,
                expires_at: Timestamp(r.i64("expires_at")?),
            })
        })
        .transpose()
    }

    pub(super) async fn end_pending(&self, token_hash: &str) -> Result<bool> {
        let n = Sql::new(END_PENDING)
            .bind(Timestamp::now().0)
            .bind(token_hash)
            .execute(self)
            .await?;
        Ok(n == 1)
    }

    pub(super) async fn keep_ceremony(
        &self,
        owner_hash: &str,
        user: UserId,
        kind: &str,
        state: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Sql::new(PURGE_CEREMONIES)
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await?;
        Sql::new(PUT_CEREMONY)
            .bind(owner_hash)
            .bind(user.0)
            .bind(kind)
            .bind(state)
            .bind(expires_at.0)
            .execute(&mut tx)
            .await?;
        self.commit(tx).await
    }

    pub(super) async fn taken_ceremony(
        &self,
        owner_hash: &str,
        user: UserId,
        kind: &str,
        now: Timestamp,
    ) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        let r = Sql::new(TAKE_CEREMONY)
            .bind(owner_hash)
            .fetch_optional(&mut tx)
            .await?;
        self.commit(tx).await?;
        let Some(r) = r else { return Ok(None) };
        let live =
            r.i64("user_id")? == user.0 && r.text("kind")? == kind && r.i64("expires_at")? > now.0;
        live.then(|| r.text("state")).transpose()
    }
}
