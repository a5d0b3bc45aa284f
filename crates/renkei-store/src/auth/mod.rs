//! Who is asking: API tokens (stored by the hash of their secret), portal
//! sessions, sign-in throttling, and what a user, an organisation or a
//! token may see (its [`Viewer`]).

pub mod mfa;
mod throttle;
pub(crate) mod token_cache;

pub use throttle::{Attempt, ThrottlePolicy};

use async_trait::async_trait;
use renkei_core::model::{ApiToken, Session};
use renkei_core::{Actor, CommunityId, OrgId, OrgKind, Role, Sector, Timestamp, UserId, Viewer};

use crate::access::active_communities_of_org;
use crate::audit::chain::append;
use crate::backend::hot::hot_read;
use crate::backend::{Backend, On, RowExt, Sql};
use crate::directory::DirectoryStore;
use crate::store::{ORG_EXISTS, SqlStore, check_len, exists};
use crate::{Result, StoreError};

/// Tokens, sessions, sign-in throttling, viewers.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Stores a token by the hash of its secret; the secret is never stored.
    async fn create_api_token(
        &self,
        actor: &Actor,
        org: OrgId,
        name: &str,
        role: Role,
        token_hash: &str,
    ) -> Result<ApiToken>;
    /// A live token by the hash of its secret, without what it may see.
    #[cfg(feature = "test-support")]
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;
    /// A live token and what it may see, resolved in one query (the path
    /// every machine request takes). The answer may be kept for up to a
    /// second, but never across a write committed through this store, so
    /// a revocation, deactivation or membership change made here applies
    /// at once; one made by another process on the same database, within
    /// the second. A token resolves only while it is not revoked and the
    /// user who created it (if any) is active.
    async fn token_viewer(&self, token_hash: &str) -> Result<Option<(ApiToken, Viewer)>>;
    async fn list_api_tokens(&self, org: OrgId) -> Result<Vec<ApiToken>>;
    /// Revokes a live token: administrators of its organisation, or the
    /// person who created it. Anyone else (and an unknown or revoked id)
    /// gets `NotFound`; their attempt is audited as denied.
    async fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<ApiToken>;
    /// Starts a session; it gets a random public id (`SessionInfo::id`).
    async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<()>;
    async fn session_by_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>>;
    /// Signs out: ends the session and audits it in one transaction.
    async fn revoke_session(&self, actor: &Actor, token_hash: &str) -> Result<()>;
    /// Reserves one sign-in attempt on `email` (as typed, lower-cased)
    /// from client address `source`, before its password is checked.
    /// `Throttled` while either waits; an error must refuse the attempt.
    async fn reserve_sign_in(
        &self,
        email: &str,
        source: &str,
        now: Timestamp,
        policy: &ThrottlePolicy,
    ) -> Result<Attempt>;
    /// The attempt reserved for `email` from `source` succeeded: the
    /// account's count from that address is forgotten.
    async fn sign_in_succeeded(
        &self,
        email: &str,
        source: &str,
        policy: &ThrottlePolicy,
    ) -> Result<()>;
    /// Deletes sessions that expired before `now` (ended ones too, once
    /// expired): nothing can use them again. Audited when any went; the
    /// system only. Returns how many.
    async fn prune_sessions(&self, actor: &Actor, now: Timestamp) -> Result<u64>;
    /// Deletes sign-in records past use: rows of `login_failures` (the
    /// throttling table before migration 0009) older than `window`
    /// microseconds, and throttling rows a day without an attempt.
    /// Audited when any went; the system only. Returns how many.
    async fn prune_sign_in(&self, actor: &Actor, now: Timestamp, window: i64) -> Result<u64>;
    /// Resolves what a user may see: organisation, sector, accepted communities.
    async fn viewer_for_user(&self, user: UserId) -> Result<Viewer>;
    /// Resolves what an organisation may see (for work done in its name
    /// from the command line).
    async fn org_viewer(&self, org: OrgId) -> Result<Viewer>;
    /// Resolves what an organisation's API token may see.
    #[cfg(feature = "test-support")]
    async fn viewer_for_token(&self, token: &ApiToken) -> Result<Viewer>;
}

const INSERT_TOKEN: &str = "
    INSERT INTO api_tokens (org_id, name, role, token_hash, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id, org_id, name, role, created_by, created_at, revoked_at";

/// A token works while it is not revoked and the person who created it (if
/// one did: the command line creates tokens with no creator) is active.
macro_rules! live_token {
    ($t:literal) => {
        concat!(
            $t,
            ".revoked_at IS NULL AND (",
            $t,
            ".created_by IS NULL OR EXISTS (SELECT 1 FROM users cu WHERE cu.id = ",
            $t,
            ".created_by AND cu.active))"
        )
    };
}

#[cfg(feature = "test-support")]
const TOKEN_BY_HASH: &str = concat!(
    "SELECT t.id, t.org_id, t.name, t.role, t.created_by, t.created_at, t.revoked_at
     FROM api_tokens t
     WHERE t.token_hash = $1 AND ",
    live_token!("t")
);

/// A live token with its organisation's part of the viewer; a token whose
/// creator is deactivated does not resolve.
const TOKEN_VIEWER: &str = concat!(
    "SELECT t.id, t.org_id, t.name, t.role, t.created_by, t.created_at, t.revoked_at,
            o.kind, o.sector,
            (SELECT string_agg(CAST(x.community_id AS TEXT), ',' ORDER BY x.community_id)
             FROM (",
    active_communities_of_org!("t.org_id"),
    ") x) AS communities
     FROM api_tokens t
     JOIN organisations o ON o.id = t.org_id
     WHERE t.token_hash = $1 AND ",
    live_token!("t")
);

const LIST_TOKENS: &str = "
    SELECT id, org_id, name, role, created_by, created_at, revoked_at
    FROM api_tokens
    WHERE org_id = $1
    ORDER BY id";

const TOKEN_BY_ID: &str = "
    SELECT id, org_id, name, role, created_by, created_at, revoked_at
    FROM api_tokens
    WHERE id = $1 AND revoked_at IS NULL";

const REVOKE_TOKEN: &str = "
    UPDATE api_tokens
    SET revoked_at = $1
    WHERE id = $2 AND revoked_at IS NULL
    RETURNING id, org_id, name, role, created_by, created_at, revoked_at";

const INSERT_SESSION: &str = "
    INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, public_id)
    VALUES ($1, $2, $3, $4, $5, $6)";

const SESSION_BY_HASH: &str = "
    SELECT s.user_id, s.csrf_token, s.expires_at
    FROM sessions s
    JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.active";

/// Expired sessions (index `sessions_expires`, migration 0016).
const PRUNE_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at < $1";

const REVOKE_SESSION: &str = "
    UPDATE sessions
    SET revoked_at = $1
    WHERE token_hash = $2 AND revoked_at IS NULL";

/// The organisation's part of a viewer in one query: kind, sector and its
/// active communities (aggregated).
macro_rules! org_viewer_select {
    ($where:literal) => {
        concat!(
            "SELECT o.id, o.kind, o.sector,
            (SELECT string_agg(CAST(x.community_id AS TEXT), ',' ORDER BY x.community_id)
             FROM (",
            active_communities_of_org!("o.id"),
            ") x) AS communities
     FROM organisations o ",
            $where
        )
    };
}

const ORG_VIEWER: &str = org_viewer_select!("WHERE o.id = $1");

/// Every organisation's part of a viewer, as [`ORG_VIEWER`] resolves one
/// (the share form's list of who would read a version).
pub(crate) const ORG_VIEWERS: &str = org_viewer_select!("ORDER BY o.id");

#[async_trait]
impl<B: Backend> AuthStore for SqlStore<B> {
    async fn create_api_token(
        &self,
        actor: &Actor,
        org: OrgId,
        name: &str,
        role: Role,
        token_hash: &str,
    ) -> Result<ApiToken> {
        if !renkei_core::can_administer(actor, org) {
            let why = "only administrators of the organisation create its tokens";
            return Err(self
                .deny(actor, "token.create", &format!("org:{org}"), why)
                .await
                .admin_only());
        }
        check_len("name", name, 100)?;
        if role == Role::Admin {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "role",
                "tokens cannot administer; use reporter or viewer",
            )));
        }
        let mut tx = self.begin().await?;
        if !exists(&mut tx, ORG_EXISTS, org.0).await? {
            return Err(StoreError::Conflict {
                field: "org",
                message: format!("no organisation {org}"),
            });
        }
        let row = Sql::new(INSERT_TOKEN)
            .bind(org.0)
            .bind(name.trim())
            .bind(role.as_str())
            .bind(token_hash)
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(Timestamp::now().0)
            .fetch_one(&mut tx)
            .await?;
        let t = token(&row)?;
        let detail = format!("{} org:{org} {role}", t.name);
        append(
            &mut tx,
            actor,
            "token.create",
            &format!("token:{}", t.id),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(t)
    }

    #[cfg(feature = "test-support")]
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let r = Sql::new(TOKEN_BY_HASH)
            .bind(token_hash)
            .fetch_optional(self)
            .await?;
        r.as_ref().map(token).transpose()
    }

    async fn token_viewer(&self, token_hash: &str) -> Result<Option<(ApiToken, Viewer)>> {
        if let Some(hit) = self.tokens.get(token_hash) {
            return Ok(Some(hit));
        }
        let (epoch, started) = (self.tokens.epoch(), std::time::Instant::now());
        // A hot read: every API call whose token is not cached makes it (its
        // generic plan is an index look-up by token_hash).
        let q = Sql::new(TOKEN_VIEWER).bind(token_hash);
        let r = hot_read!(self.hot, |c| q
            .clone()
            .fetch_optional(On::<B>::Conn(c))
            .await)?;
        let Some(r) = r else { return Ok(None) };
        let t = token(&r)?;
        let viewer = org_viewer(&r, t.org)?;
        let out = (
            t.clone(),
            Viewer {
                role: Some(t.role),
                ..viewer
            },
        );
        self.tokens.put(token_hash, epoch, started, out.clone());
        Ok(Some(out))
    }

    async fn list_api_tokens(&self, org: OrgId) -> Result<Vec<ApiToken>> {
        let rows = Sql::new(LIST_TOKENS).bind(org.0).fetch_all(self).await?;
        rows.iter().map(token).collect()
    }

    async fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<ApiToken> {
        let object = format!("token:{id}");
        let r = Sql::new(TOKEN_BY_ID).bind(id).fetch_optional(self).await?;
        let t = r.as_ref().map(token).transpose()?;
        let may = |t: &ApiToken| {
            (actor.viewer.user.is_some() && actor.viewer.user == t.created_by)
                || renkei_core::can_administer(actor, t.org)
        };
        // An unknown id and someone else's token get the same answer, after
        // the same work (a denial recorded), so neither reveals the other.
        if !t.as_ref().is_some_and(may) {
            let why =
                "only administrators of its organisation, or its creator, revoke a live token";
            return Err(self
                .deny(actor, "token.revoke", &object, why)
                .await
                .hidden("active token"));
        }
        let mut tx = self.begin().await?;
        let r = Sql::new(REVOKE_TOKEN)
            .bind(Timestamp::now().0)
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound("active token"))?;
        let revoked = token(&r)?;
        let detail = format!("{} org:{}", revoked.name, revoked.org);
        append(&mut tx, actor, "token.revoke", &object, &detail).await?;
        self.commit(tx).await?;
        Ok(revoked)
    }

    async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        Sql::new(INSERT_SESSION)
            .bind(token_hash)
            .bind(user.0)
            .bind(csrf)
            .bind(Timestamp::now().0)
            .bind(expires_at.0)
            .bind(uuid::Uuid::new_v4().simple().to_string())
            .execute(self)
            .await?;
        Ok(())
    }

    async fn session_by_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>> {
        let r = Sql::new(SESSION_BY_HASH)
            .bind(token_hash)
            .bind(now.0)
            .fetch_optional(self)
            .await?;
        r.map(|r| {
            Ok(Session {
                user: UserId(r.i64("user_id")?),
                csrf_token: r.text("csrf_token")?,
                expires_at: Timestamp(r.i64("expires_at")?),
            })
        })
        .transpose()
    }

    async fn revoke_session(&self, actor: &Actor, token_hash: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        // Already ended (by another tab, an administrator): still a sign-out.
        Sql::new(REVOKE_SESSION)
            .bind(Timestamp::now().0)
            .bind(token_hash)
            .execute(&mut tx)
            .await?;
        append(&mut tx, actor, "logout", "session", "").await?;
        self.commit(tx).await?;
        Ok(())
    }

    async fn reserve_sign_in(
        &self,
        email: &str,
        source: &str,
        now: Timestamp,
        policy: &ThrottlePolicy,
    ) -> Result<Attempt> {
        self.reserve(email, source, now, policy).await
    }

    async fn sign_in_succeeded(
        &self,
        email: &str,
        source: &str,
        policy: &ThrottlePolicy,
    ) -> Result<()> {
        self.release(email, source, policy).await
    }

    async fn prune_sessions(&self, actor: &Actor, now: Timestamp) -> Result<u64> {
        let d = Sql::new(PRUNE_SESSIONS).bind(now.0);
        self.prune(actor, "sessions", vec![d]).await
    }

    async fn prune_sign_in(&self, actor: &Actor, now: Timestamp, window: i64) -> Result<u64> {
        self.prune(actor, "sign-in attempts", throttle::prunes(now, window))
            .await
    }

    async fn viewer_for_user(&self, user: UserId) -> Result<Viewer> {
        let u = self.get_user(user).await?;
        if !u.active {
            return Err(StoreError::Forbidden("this account is disabled"));
        }
        let mut v = self.viewer_for_org(u.org).await?;
        v.user = Some(u.id);
        v.role = Some(u.role);
        Ok(v)
    }

    async fn org_viewer(&self, org: OrgId) -> Result<Viewer> {
        self.viewer_for_org(org).await
    }

    #[cfg(feature = "test-support")]
    async fn viewer_for_token(&self, token: &ApiToken) -> Result<Viewer> {
        let mut v = self.viewer_for_org(token.org).await?;
        v.role = Some(token.role);
        Ok(v)
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    async fn viewer_for_org(&self, org: OrgId) -> Result<Viewer> {
        let r = Sql::new(ORG_VIEWER)
            .bind(org.0)
            .fetch_optional(self)
            .await?
            .ok_or(StoreError::NotFound("organisation"))?;
        org_viewer(&r, OrgId(r.i64("id")?))
    }
}

fn token(r: &impl RowExt) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.i64("id")?,
        org: OrgId(r.i64("org_id")?),
        name: r.text("name")?,
        role: Role::parse(&r.text("role")?).map_err(|e| StoreError::corrupt("api_tokens", e))?,
        created_by: r.opt_i64("created_by")?.map(UserId),
        created_at: Timestamp(r.i64("created_at")?),
        revoked_at: r.opt_i64("revoked_at")?.map(Timestamp),
    })
}

/// The organisation part of a viewer from a row with `kind`, `sector` and
/// `communities` (comma-separated ids of active memberships).
pub(crate) fn org_viewer(r: &impl RowExt, org: OrgId) -> Result<Viewer> {
    let c = |e| StoreError::corrupt("organisations", e);
    let communities = r
        .opt_text("communities")?
        .unwrap_or_default()
        .split(',')
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<i64>()
                .map(CommunityId)
                .map_err(|e| StoreError::corrupt("memberships", e))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Viewer {
        user: None,
        org: Some(org),
        sector: r
            .opt_text("sector")?
            .map(|s| Sector::parse(&s))
            .transpose()
            .map_err(c)?,
        communities,
        role: None,
        org_kind: Some(OrgKind::parse(&r.text("kind")?).map_err(c)?),
    })
}
