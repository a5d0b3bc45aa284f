//! Account lifecycle: deactivating and reactivating users, their sessions
//! (listed and ended), password changes and one-time reset links.
//!
//! Who may do what: administrators of the user's organisation and platform
//! administrators for its users; a person for their own sessions and
//! password. A user id or session id the caller may not act on gets the
//! same `NotFound` as one that does not exist, after the same work (the
//! refusal is audited either way).

use async_trait::async_trait;
use renkei_core::model::User;
use renkei_core::{Actor, Timestamp, UserId, Viewer};

use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::directory::{DirectoryStore, GET_USER};
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// A live portal session, named by its public id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub user: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A reset link as issued; its secret is only with the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    pub id: i64,
    pub user: UserId,
    pub expires_at: Timestamp,
}

/// Which of a user's sessions to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sessions<'a> {
    /// Every live session.
    All,
    /// Every live session but the one with this token hash (the caller's).
    AllBut(&'a str),
    /// The one with this public id.
    One(&'a str),
}

/// Deactivation, sessions, passwords and reset links.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Deactivates a user: at once, their sessions end, their pending reset
    /// links end, and the API tokens they created stop resolving (they
    /// resolve again if the user is reactivated; revoke them to end them).
    /// Administrators of the user's organisation; nobody deactivates
    /// themselves.
    async fn deactivate_user(&self, actor: &Actor, user: UserId) -> Result<User>;
    /// Lets a deactivated user sign in again (with a new session).
    async fn reactivate_user(&self, actor: &Actor, user: UserId) -> Result<User>;
    /// The user's live sessions: the user, or administrators.
    async fn list_sessions(
        &self,
        actor: &Actor,
        user: UserId,
        now: Timestamp,
    ) -> Result<Vec<SessionInfo>>;
    /// The public id of the live session with this token hash.
    async fn session_public_id(&self, token_hash: &str) -> Result<Option<String>>;
    /// Ends sessions of `user`: the user, or administrators. Returns how many.
    async fn end_sessions(&self, actor: &Actor, user: UserId, which: Sessions<'_>) -> Result<u64>;
    /// Sets a password (already hashed) and ends the user's sessions but
    /// `keep` (the caller's). Only the person themself (the server has
    /// checked their current password) or the command line.
    async fn set_password(
        &self,
        actor: &Actor,
        user: UserId,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<()>;
    /// Issues a one-time reset link for `user`, kept as the hash of its
    /// secret until `expires_at`; the user's older links end.
    /// Administrators of the user's organisation.
    async fn create_password_reset(
        &self,
        actor: &Actor,
        user: UserId,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<PasswordReset>;
    /// The active user a live reset link is for.
    async fn password_reset_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>>;
    /// Uses a live reset link once: sets the password and ends every
    /// session of the user. `NotFound` if the link is unknown, used,
    /// replaced, expired, or its user deactivated.
    async fn use_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        source: &str,
        now: Timestamp,
    ) -> Result<User>;
}

const DEACTIVATE: &str = "UPDATE users SET active = FALSE WHERE id = $1 AND active";
const REACTIVATE: &str = "UPDATE users SET active = TRUE WHERE id = $1 AND NOT active";
const SET_PASSWORD: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";

const LIST_SESSIONS: &str = "
    SELECT public_id, user_id, created_at, expires_at
    FROM sessions
    WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND public_id IS NOT NULL
    ORDER BY created_at DESC";

const SESSION_PUBLIC_ID: &str = "
    SELECT public_id FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL";

const END_ALL_SESSIONS: &str = "
    UPDATE sessions SET revoked_at = $1
    WHERE user_id = $2 AND revoked_at IS NULL";

const END_OTHER_SESSIONS: &str = "
    UPDATE sessions SET revoked_at = $1
    WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3";

const END_ONE_SESSION: &str = "
    UPDATE sessions SET revoked_at = $1
    WHERE user_id = $2 AND revoked_at IS NULL AND public_id = $3";

const END_RESETS: &str = "
    UPDATE password_resets SET ended_at = $1
    WHERE user_id = $2 AND ended_at IS NULL";

const INSERT_RESET: &str = "
    INSERT INTO password_resets (user_id, token_hash, created_by, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5)
    RETURNING id";

const RESET_USER: &str = "
    SELECT r.user_id
    FROM password_resets r
    JOIN users u ON u.id = r.user_id
    WHERE r.token_hash = $1 AND r.ended_at IS NULL AND r.expires_at > $2 AND u.active";

// Ends the link in the statement that checks it, so two uses racing
// cannot both succeed.
const USE_RESET: &str = "
    UPDATE password_resets SET ended_at = $1
    WHERE token_hash = $2 AND ended_at IS NULL AND expires_at > $1
      AND user_id IN (SELECT id FROM users WHERE active)
    RETURNING user_id";

#[async_trait]
impl<B: Backend> AccountStore for SqlStore<B> {
    async fn deactivate_user(&self, actor: &Actor, user: UserId) -> Result<User> {
        let why = "only administrators of the user's organisation deactivate users";
        let u = self
            .administered(actor, user, "user.deactivate", why)
            .await?;
        if actor.viewer.user == Some(user) {
            return Err(StoreError::Conflict {
                field: "user",
                message: "you cannot deactivate your own account".into(),
            });
        }
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let n = Sql::new(DEACTIVATE).bind(user.0).execute(&mut tx).await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                field: "user",
                message: "this user is already deactivated".into(),
            });
        }
        let sessions = Sql::new(END_ALL_SESSIONS)
            .bind(now)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        Sql::new(END_RESETS)
            .bind(now)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        let detail = format!("{} org:{}; {sessions} sessions ended", u.email, u.org);
        append(&mut tx, actor, "user.deactivate", &object(user), &detail).await?;
        // `commit` drops every resolved token, so the user's tokens stop
        // on this process's next request.
        self.commit(tx).await?;
        self.get_user(user).await
    }

    async fn reactivate_user(&self, actor: &Actor, user: UserId) -> Result<User> {
        let why = "only administrators of the user's organisation reactivate users";
        let u = self
            .administered(actor, user, "user.reactivate", why)
            .await?;
        let mut tx = self.begin().await?;
        let n = Sql::new(REACTIVATE).bind(user.0).execute(&mut tx).await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                field: "user",
                message: "this user is active".into(),
            });
        }
        let detail = format!("{} org:{}", u.email, u.org);
        append(&mut tx, actor, "user.reactivate", &object(user), &detail).await?;
        self.commit(tx).await?;
        self.get_user(user).await
    }

    async fn list_sessions(
        &self,
        actor: &Actor,
        user: UserId,
        now: Timestamp,
    ) -> Result<Vec<SessionInfo>> {
        let why = "only the user and administrators see a user's sessions";
        self.self_or_administered(actor, user, "session.list", why)
            .await?;
        let rows = Sql::new(LIST_SESSIONS)
            .bind(user.0)
            .bind(now.0)
            .fetch_all(self)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionInfo {
                    id: r.text("public_id")?,
                    user: UserId(r.i64("user_id")?),
                    created_at: Timestamp(r.i64("created_at")?),
                    expires_at: Timestamp(r.i64("expires_at")?),
                })
            })
            .collect()
    }

    async fn session_public_id(&self, token_hash: &str) -> Result<Option<String>> {
        let r = Sql::new(SESSION_PUBLIC_ID)
            .bind(token_hash)
            .fetch_optional(self)
            .await?;
        Ok(r.map(|r| r.opt_text("public_id")).transpose()?.flatten())
    }

    async fn end_sessions(&self, actor: &Actor, user: UserId, which: Sessions<'_>) -> Result<u64> {
        let why = "only the user and administrators end a user's sessions";
        self.self_or_administered(actor, user, "session.end", why)
            .await?;
        let now = Timestamp::now().0;
        let (q, detail) = match which {
            Sessions::All => (Sql::new(END_ALL_SESSIONS), "all".to_owned()),
            Sessions::AllBut(_) => (
                Sql::new(END_OTHER_SESSIONS),
                "all but the caller's".to_owned(),
            ),
            Sessions::One(id) => (Sql::new(END_ONE_SESSION), format!("session:{id}")),
        };
        let q = q.bind(now).bind(user.0);
        let q = match which {
            Sessions::All => q,
            Sessions::AllBut(keep) => q.bind(keep),
            Sessions::One(id) => q.bind(id),
        };
        let mut tx = self.begin().await?;
        let n = q.execute(&mut tx).await?;
        if n == 0 && matches!(which, Sessions::One(_)) {
            return Err(StoreError::NotFound("session"));
        }
        let detail = format!("{detail}: {n} ended");
        append(&mut tx, actor, "session.end", &object(user), &detail).await?;
        self.commit(tx).await?;
        Ok(n)
    }

    async fn set_password(
        &self,
        actor: &Actor,
        user: UserId,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<()> {
        if !(actor.system || actor.viewer.user == Some(user)) {
            let why = "a password is changed by its owner (others issue a reset link)";
            return Err(self
                .deny(actor, "user.password", &object(user), why)
                .await
                .hidden("user"));
        }
        self.get_user(user).await?;
        let mut tx = self.begin().await?;
        let ended = set_password_ending_sessions(&mut tx, user, password_hash, keep).await?;
        let detail = format!("{ended} other sessions ended");
        append(&mut tx, actor, "user.password", &object(user), &detail).await?;
        self.commit(tx).await?;
        Ok(())
    }

    async fn create_password_reset(
        &self,
        actor: &Actor,
        user: UserId,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<PasswordReset> {
        let why = "only administrators of the user's organisation issue reset links";
        let u = self
            .administered(actor, user, "password_reset.create", why)
            .await?;
        if !u.active {
            return Err(StoreError::Conflict {
                field: "user",
                message: "this user is deactivated; reactivate them first".into(),
            });
        }
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        Sql::new(END_RESETS)
            .bind(now)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        let id = Sql::new(INSERT_RESET)
            .bind(user.0)
            .bind(token_hash)
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(now)
            .bind(expires_at.0)
            .fetch_one(&mut tx)
            .await?
            .i64("id")?;
        let detail = format!("reset:{id} expires {}", expires_at.to_rfc3339());
        append(
            &mut tx,
            actor,
            "password_reset.create",
            &object(user),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(PasswordReset {
            id,
            user,
            expires_at,
        })
    }

    async fn password_reset_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        let r = Sql::new(RESET_USER)
            .bind(token_hash)
            .bind(now.0)
            .fetch_optional(self)
            .await?;
        match r {
            Some(r) => Ok(Some(self.get_user(UserId(r.i64("user_id")?)).await?)),
            None => Ok(None),
        }
    }

    async fn use_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        source: &str,
        now: Timestamp,
    ) -> Result<User> {
        let mut tx = self.begin().await?;
        let user = Sql::new(USE_RESET)
            .bind(now.0)
            .bind(token_hash)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound("reset link"))?
            .i64("user_id")?;
        let u = Sql::new(GET_USER).bind(user).fetch_one(&mut tx).await?;
        let u = crate::directory::user(&u)?;
        let ended = set_password_ending_sessions(&mut tx, u.id, password_hash, None).await?;
        // The link's holder acts as the user it was issued for.
        let actor = Actor {
            viewer: Viewer {
                user: Some(u.id),
                org: Some(u.org),
                role: Some(u.role),
                ..Viewer::default()
            },
            label: u.email.to_string(),
            source: source.to_owned(),
            system: false,
        };
        let detail = format!("{ended} sessions ended");
        append(
            &mut tx,
            &actor,
            "password_reset.use",
            &object(u.id),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(u)
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// The user, if `actor` administers their organisation; else `NotFound`
    /// (the refusal audited), as for an unknown id.
    async fn administered(
        &self,
        actor: &Actor,
        user: UserId,
        action: &str,
        why: &'static str,
    ) -> Result<User> {
        let u = match self.get_user(user).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        match u {
            Some(u) if renkei_core::can_administer(actor, u.org) => Ok(u),
            _ => Err(self
                .deny(actor, action, &object(user), why)
                .await
                .hidden("user")),
        }
    }

    /// As `administered`, or the user themself.
    async fn self_or_administered(
        &self,
        actor: &Actor,
        user: UserId,
        action: &str,
        why: &'static str,
    ) -> Result<()> {
        if actor.viewer.user == Some(user) && !actor.system {
            return Ok(());
        }
        self.administered(actor, user, action, why).await.map(drop)
    }
}

fn object(user: UserId) -> String {
    format!("user:{user}")
}

/// Sets the hash and ends the user's sessions (but `keep`); how many ended.
async fn set_password_ending_sessions<B: Backend>(
    tx: &mut Tx<'_, B>,
    user: UserId,
    password_hash: &str,
    keep: Option<&str>,
) -> Result<u64> {
    let now = Timestamp::now().0;
    Sql::new(SET_PASSWORD)
        .bind(password_hash)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    let ended = match keep {
        Some(h) => Sql::new(END_OTHER_SESSIONS).bind(now).bind(user.0).bind(h),
        None => Sql::new(END_ALL_SESSIONS).bind(now).bind(user.0),
    };
    let ended = ended.execute(&mut *tx).await?;
    Sql::new(END_RESETS)
        .bind(now)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    Ok(ended)
}
