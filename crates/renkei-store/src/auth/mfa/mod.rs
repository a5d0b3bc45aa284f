//! Second factors: TOTP secrets (kept as the server hands them over, sealed
//! or not), passkeys, single-use recovery codes (hashes only), the
//! organisation's "second factor required" policy, wrong-code throttling,
//! sign-ins waiting for their second factor, and WebAuthn ceremonies under
//! way. Enrolment, removal and every verification are audited in the same
//! call. What a code or an assertion means is the server's business; the
//! store keeps what makes each single-use (TOTP steps, recovery codes,
//! pending sign-ins, ceremonies) race-free in SQL; the last two are in
//! `pending`.

mod pending;

use async_trait::async_trait;
use renkei_core::{Actor, AuditOutcome, OrgId, Timestamp, UserId};

use crate::audit::chain::{Draft, append, append_many};
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::store::{ORG_EXISTS, SqlStore, check_len, exists};
use crate::{Result, StoreError};

/// A user's second factors, as far as sign-in needs to know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MfaStatus {
    /// A confirmed TOTP secret.
    pub totp: bool,
    /// Passkeys not removed.
    pub passkeys: i64,
    /// Recovery codes not yet used.
    pub recovery_codes: i64,
    /// The user's organisation requires a second factor.
    pub required: bool,
}

impl MfaStatus {
    /// Has a second factor to sign in with (recovery codes alone are not one).
    pub fn has_factor(&self) -> bool {
        self.totp || self.passkeys > 0
    }

    /// Signing in needs a second step: a factor to give, or one to enrol.
    pub fn second_step(&self) -> bool {
        self.has_factor() || self.required
    }
}

/// A user's TOTP secret as stored (sealed by the server when it has a key).
#[derive(Debug, Clone)]
pub struct TotpSecret {
    pub secret: String,
    pub confirmed: bool,
    /// The last time step a code was accepted for.
    pub last_step: i64,
}

/// A stored passkey.
#[derive(Debug, Clone)]
pub struct PasskeyRecord {
    pub id: i64,
    pub name: String,
    /// base64url, as WebAuthn names it.
    pub credential_id: String,
    /// The WebAuthn user handle this user's passkeys share.
    pub user_handle: String,
    /// The credential (public key, counter) as JSON.
    pub passkey: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A passkey to add.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub name: String,
    pub credential_id: String,
    pub user_handle: String,
    pub passkey: String,
}

/// A sign-in between its password and its second factor.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub user: UserId,
    pub csrf_token: String,
    /// The user has no factor yet and must enrol one (organisation policy).
    pub enrol: bool,
    /// Where the sign-in leads once complete.
    pub next: String,
    pub expires_at: Timestamp,
}

/// How a second factor was given, for the audit chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaMethod {
    Totp,
    Passkey,
    RecoveryCode,
}

impl MfaMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaMethod::Totp => "totp",
            MfaMethod::Passkey => "passkey",
            MfaMethod::RecoveryCode => "recovery-code",
        }
    }
}

/// Second factors, their policy and the sign-ins waiting for them.
#[async_trait]
pub trait MfaStore: Send + Sync {
    /// The user's factors and their organisation's policy, in one query.
    async fn mfa_status(&self, user: UserId) -> Result<MfaStatus>;
    async fn mfa_required(&self, org: OrgId) -> Result<bool>;
    /// Sets whether the organisation's members must use a second factor
    /// (its administrators, or platform administrators).
    async fn set_mfa_required(&self, actor: &Actor, org: OrgId, required: bool) -> Result<()>;

    /// Stores a new, unconfirmed TOTP secret for the actor (replacing an
    /// unconfirmed one); refused while a confirmed one exists.
    async fn begin_totp(&self, actor: &Actor, secret: &str) -> Result<()>;
    async fn totp_secret(&self, user: UserId) -> Result<Option<TotpSecret>>;
    /// Confirms the actor's TOTP secret with the step of a valid code.
    async fn confirm_totp(&self, actor: &Actor, step: i64) -> Result<()>;
    /// Accepts a valid code's `step` unless a code of that step or a later
    /// one was accepted before (replay); audited either way.
    async fn accept_totp_step(
        &self,
        actor: &Actor,
        step: i64,
        pending: Option<&str>,
    ) -> Result<bool>;
    async fn remove_totp(&self, actor: &Actor) -> Result<()>;
    /// Removes every second factor and recovery code of `user`, and ends
    /// their pending sign-ins (a lost device and no code left): their
    /// organisation's administrators, or platform administrators. With the
    /// policy on, the user enrols again at their next sign-in. Anyone else
    /// is told there is no such user (and the refusal is audited).
    async fn reset_mfa(&self, actor: &Actor, user: UserId) -> Result<()>;

    async fn add_passkey(&self, actor: &Actor, p: NewPasskey) -> Result<i64>;
    async fn list_passkeys(&self, user: UserId) -> Result<Vec<PasskeyRecord>>;
    /// Records a successful assertion: the credential's new counter state
    /// (`passkey`), when it was used; audited.
    async fn passkey_used(&self, actor: &Actor, id: i64, passkey: &str) -> Result<()>;
    async fn remove_passkey(&self, actor: &Actor, id: i64) -> Result<()>;

    /// Replaces the actor's recovery codes with these hashes.
    async fn replace_recovery_codes(&self, actor: &Actor, hashes: &[String]) -> Result<()>;
    /// Uses the recovery code with this hash, once; audited when used.
    async fn use_recovery_code(&self, actor: &Actor, hash: &str) -> Result<bool>;

    /// A wrong second factor: counted for throttling (and against the
    /// pending sign-in `pending`, if any) and audited.
    async fn record_mfa_failure(
        &self,
        actor: &Actor,
        pending: Option<&str>,
        method: MfaMethod,
        why: &str,
    ) -> Result<()>;
    async fn mfa_failures_since(&self, user: UserId, since: Timestamp) -> Result<i64>;

    /// Starts a pending sign-in, stored by the hash of its cookie's secret.
    async fn create_pending_sign_in(&self, token_hash: &str, p: &PendingSignIn) -> Result<()>;
    /// A live pending sign-in: not ended, not expired, fewer than
    /// `max_failures` wrong codes, its user active.
    async fn pending_sign_in(
        &self,
        token_hash: &str,
        now: Timestamp,
        max_failures: i64,
    ) -> Result<Option<PendingSignIn>>;
    /// Ends a pending sign-in; `false` if it had ended already (another
    /// request completed it first).
    async fn end_pending_sign_in(&self, token_hash: &str) -> Result<bool>;

    /// Keeps a WebAuthn ceremony's state for the session or pending
    /// sign-in `owner_hash`, replacing any earlier one.
    async fn put_ceremony(
        &self,
        owner_hash: &str,
        user: UserId,
        kind: &str,
        state: &str,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// Takes (and so ends) the ceremony of `owner_hash`, if it is of `kind`
    /// and for `user` and has not expired.
    async fn take_ceremony(
        &self,
        owner_hash: &str,
        user: UserId,
        kind: &str,
        now: Timestamp,
    ) -> Result<Option<String>>;
}

const STATUS: &str = "
    SELECT (SELECT COUNT(*) FROM mfa_totp
            WHERE user_id = u.id AND confirmed_at IS NOT NULL) AS totp,
           (SELECT COUNT(*) FROM mfa_passkeys
            WHERE user_id = u.id AND removed_at IS NULL) AS passkeys,
           (SELECT COUNT(*) FROM mfa_recovery_codes
            WHERE user_id = u.id AND used_at IS NULL) AS recovery_codes,
           (SELECT COUNT(*) FROM mfa_org_policy
            WHERE org_id = u.org_id AND required) AS required
    FROM users u
    WHERE u.id = $1";

const REQUIRED: &str = "
    SELECT COUNT(*) AS n FROM mfa_org_policy WHERE org_id = $1 AND required";

const SET_REQUIRED: &str = "
    INSERT INTO mfa_org_policy (org_id, required, updated_at)
    VALUES ($1, $2, $3)
    ON CONFLICT (org_id) DO UPDATE SET required = $2, updated_at = $3";

const TOTP_SECRET: &str = "
    SELECT secret, confirmed_at, last_step FROM mfa_totp WHERE user_id = $1";

const DROP_UNCONFIRMED_TOTP: &str = "
    DELETE FROM mfa_totp WHERE user_id = $1 AND confirmed_at IS NULL";

const INSERT_TOTP: &str = "
    INSERT INTO mfa_totp (user_id, secret, created_at, last_step)
    VALUES ($1, $2, $3, 0)";

const CONFIRM_TOTP: &str = "
    UPDATE mfa_totp SET confirmed_at = $1, last_step = $2
    WHERE user_id = $3 AND confirmed_at IS NULL";

/// The replay guard: only a later step than any accepted before.
const ACCEPT_STEP: &str = "
    UPDATE mfa_totp SET last_step = $1
    WHERE user_id = $2 AND confirmed_at IS NOT NULL AND last_step < $1";

const DELETE_TOTP: &str = "DELETE FROM mfa_totp WHERE user_id = $1";

const USER_ORG: &str = "SELECT org_id FROM users WHERE id = $1";

const REMOVE_ALL_PASSKEYS: &str = "
    UPDATE mfa_passkeys SET removed_at = $1 WHERE user_id = $2 AND removed_at IS NULL";

const END_USER_PENDING: &str = "
    UPDATE mfa_pending SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL";

const INSERT_PASSKEY: &str = "
    INSERT INTO mfa_passkeys (user_id, name, credential_id, user_handle, passkey, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id";

const PASSKEY_TAKEN: &str = "SELECT 1 AS one FROM mfa_passkeys WHERE credential_id = $1";

const LIST_PASSKEYS: &str = "
    SELECT id, name, credential_id, user_handle, passkey, created_at, last_used_at
    FROM mfa_passkeys
    WHERE user_id = $1 AND removed_at IS NULL
    ORDER BY id";

const PASSKEY_USED: &str = "
    UPDATE mfa_passkeys SET passkey = $1, last_used_at = $2
    WHERE id = $3 AND user_id = $4 AND removed_at IS NULL";

const REMOVE_PASSKEY: &str = "
    UPDATE mfa_passkeys SET removed_at = $1
    WHERE id = $2 AND user_id = $3 AND removed_at IS NULL";

const DELETE_RECOVERY: &str = "DELETE FROM mfa_recovery_codes WHERE user_id = $1";

const INSERT_RECOVERY: &str = "
    INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at)
    VALUES ($1, $2, $3)";

const USE_RECOVERY: &str = "
    UPDATE mfa_recovery_codes SET used_at = $1
    WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL";

const INSERT_FAILURE: &str = "INSERT INTO mfa_failures (user_id, at) VALUES ($1, $2)";

const COUNT_PENDING_FAILURE: &str = "
    UPDATE mfa_pending SET failures = failures + 1 WHERE token_hash = $1";

const FAILURES_SINCE: &str = "
    SELECT COUNT(*) AS n FROM mfa_failures WHERE user_id = $1 AND at > $2";

/// Throttling looks back minutes; a day is kept.
const PURGE_FAILURES: &str = "DELETE FROM mfa_failures WHERE at < $1";

/// The user a self-service call acts for: the actor's own account.
fn own_user(actor: &Actor) -> Result<UserId> {
    actor.viewer.user.ok_or(StoreError::Forbidden(
        "only a signed-in user manages their second factors",
    ))
}

fn user_object(user: UserId) -> String {
    format!("user:{user}")
}

#[async_trait]
impl<B: Backend> MfaStore for SqlStore<B> {
    async fn mfa_status(&self, user: UserId) -> Result<MfaStatus> {
        let r = Sql::new(STATUS)
            .bind(user.0)
            .fetch_optional(self)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        Ok(MfaStatus {
            totp: r.i64("totp")? > 0,
            passkeys: r.i64("passkeys")?,
            recovery_codes: r.i64("recovery_codes")?,
            required: r.i64("required")? > 0,
        })
    }

    async fn mfa_required(&self, org: OrgId) -> Result<bool> {
        let r = Sql::new(REQUIRED).bind(org.0).fetch_one(self).await?;
        Ok(r.i64("n")? > 0)
    }

    async fn set_mfa_required(&self, actor: &Actor, org: OrgId, required: bool) -> Result<()> {
        let object = format!("org:{org}");
        if !renkei_core::can_administer(actor, org) {
            let why = "only administrators of the organisation set its second-factor policy";
            return Err(self
                .deny(actor, "mfa.policy", &object, why)
                .await
                .admin_only());
        }
        let mut tx = self.begin().await?;
        if !exists(&mut tx, ORG_EXISTS, org.0).await? {
            return Err(StoreError::NotFound("organisation"));
        }
        Sql::new(SET_REQUIRED)
            .bind(org.0)
            .bind(required)
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await?;
        let detail = if required { "required" } else { "optional" };
        append(&mut tx, actor, "mfa.policy", &object, detail).await?;
        self.commit(tx).await
    }

    async fn begin_totp(&self, actor: &Actor, secret: &str) -> Result<()> {
        let user = own_user(actor)?;
        check_len("secret", secret, 1000)?;
        let mut tx = self.begin().await?;
        Sql::new(DROP_UNCONFIRMED_TOTP)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        let confirmed = Sql::new(TOTP_SECRET)
            .bind(user.0)
            .fetch_optional(&mut tx)
            .await?
            .is_some();
        if confirmed {
            return Err(StoreError::Conflict {
                field: "totp",
                message: "an authenticator app is already set up; remove it first".into(),
            });
        }
        Sql::new(INSERT_TOTP)
            .bind(user.0)
            .bind(secret)
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await?;
        self.commit(tx).await
    }

    async fn totp_secret(&self, user: UserId) -> Result<Option<TotpSecret>> {
        let r = Sql::new(TOTP_SECRET)
            .bind(user.0)
            .fetch_optional(self)
            .await?;
        r.map(|r| {
            Ok(TotpSecret {
                secret: r.text("secret")?,
                confirmed: r.opt_i64("confirmed_at")?.is_some(),
                last_step: r.i64("last_step")?,
            })
        })
        .transpose()
    }

    async fn confirm_totp(&self, actor: &Actor, step: i64) -> Result<()> {
        let user = own_user(actor)?;
        let mut tx = self.begin().await?;
        let n = Sql::new(CONFIRM_TOTP)
            .bind(Timestamp::now().0)
            .bind(step)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("unconfirmed TOTP secret"));
        }
        append(&mut tx, actor, "mfa.totp.enrol", &user_object(user), "").await?;
        self.commit(tx).await
    }

    async fn accept_totp_step(
        &self,
        actor: &Actor,
        step: i64,
        pending: Option<&str>,
    ) -> Result<bool> {
        let user = own_user(actor)?;
        let mut tx = self.begin().await?;
        let n = Sql::new(ACCEPT_STEP)
            .bind(step)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        let accepted = n == 1;
        if accepted {
            verified(&mut tx, actor, user, MfaMethod::Totp, AuditOutcome::Ok, "").await?;
        } else {
            // A replayed code counts as a wrong one.
            failure(
                &mut tx,
                actor,
                user,
                pending,
                MfaMethod::Totp,
                "code already used",
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(accepted)
    }

    async fn remove_totp(&self, actor: &Actor) -> Result<()> {
        let user = own_user(actor)?;
        let mut tx = self.begin().await?;
        let n = Sql::new(DELETE_TOTP).bind(user.0).execute(&mut tx).await?;
        if n == 0 {
            return Err(StoreError::NotFound("TOTP secret"));
        }
        keeps_a_factor(&mut tx, user).await?;
        append(&mut tx, actor, "mfa.totp.remove", &user_object(user), "").await?;
        self.commit(tx).await
    }

    async fn reset_mfa(&self, actor: &Actor, user: UserId) -> Result<()> {
        let object = user_object(user);
        let org = Sql::new(USER_ORG)
            .bind(user.0)
            .fetch_optional(self)
            .await?
            .ok_or(StoreError::NotFound("user"))?
            .i64("org_id")?;
        if !renkei_core::can_administer(actor, OrgId(org)) {
            let why = "only administrators of the user's organisation reset their second factors";
            return Err(self
                .deny(actor, "mfa.reset", &object, why)
                .await
                .hidden("user"));
        }
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let totp = Sql::new(DELETE_TOTP).bind(user.0).execute(&mut tx).await?;
        let passkeys = Sql::new(REMOVE_ALL_PASSKEYS)
            .bind(now)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        Sql::new(DELETE_RECOVERY)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        Sql::new(END_USER_PENDING)
            .bind(now)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        let detail = format!("totp:{totp} passkeys:{passkeys}");
        append(&mut tx, actor, "mfa.reset", &object, &detail).await?;
        self.commit(tx).await
    }

    async fn add_passkey(&self, actor: &Actor, p: NewPasskey) -> Result<i64> {
        let user = own_user(actor)?;
        check_len("name", &p.name, 100)?;
        check_len("credential", &p.credential_id, 1400)?;
        check_len("credential", &p.passkey, 16_000)?;
        let mut tx = self.begin().await?;
        let taken = Sql::new(PASSKEY_TAKEN)
            .bind(&p.credential_id)
            .fetch_optional(&mut tx)
            .await?
            .is_some();
        if taken {
            return Err(StoreError::Conflict {
                field: "credential",
                message: "this passkey is already registered".into(),
            });
        }
        let id = Sql::new(INSERT_PASSKEY)
            .bind(user.0)
            .bind(p.name.trim())
            .bind(&p.credential_id)
            .bind(&p.user_handle)
            .bind(&p.passkey)
            .bind(Timestamp::now().0)
            .fetch_one(&mut tx)
            .await?
            .i64("id")?;
        let detail = format!("passkey:{id} {}", p.name.trim());
        append(
            &mut tx,
            actor,
            "mfa.passkey.add",
            &user_object(user),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(id)
    }

    async fn list_passkeys(&self, user: UserId) -> Result<Vec<PasskeyRecord>> {
        let rows = Sql::new(LIST_PASSKEYS).bind(user.0).fetch_all(self).await?;
        rows.iter()
            .map(|r| {
                Ok(PasskeyRecord {
                    id: r.i64("id")?,
                    name: r.text("name")?,
                    credential_id: r.text("credential_id")?,
                    user_handle: r.text("user_handle")?,
                    passkey: r.text("passkey")?,
                    created_at: Timestamp(r.i64("created_at")?),
                    last_used_at: r.opt_i64("last_used_at")?.map(Timestamp),
                })
            })
            .collect()
    }

    async fn passkey_used(&self, actor: &Actor, id: i64, passkey: &str) -> Result<()> {
        let user = own_user(actor)?;
        let mut tx = self.begin().await?;
        let n = Sql::new(PASSKEY_USED)
            .bind(passkey)
            .bind(Timestamp::now().0)
            .bind(id)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("passkey"));
        }
        let detail = format!("passkey:{id}");
        verified(
            &mut tx,
            actor,
            user,
            MfaMethod::Passkey,
            AuditOutcome::Ok,
            &detail,
        )
        .await?;
        self.commit(tx).await
    }

    async fn remove_passkey(&self, actor: &Actor, id: i64) -> Result<()> {
        let user = own_user(actor)?;
        let mut tx = self.begin().await?;
        let n = Sql::new(REMOVE_PASSKEY)
            .bind(Timestamp::now().0)
            .bind(id)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            // Another user's passkey answers as a missing one.
            return Err(StoreError::NotFound("passkey"));
        }
        keeps_a_factor(&mut tx, user).await?;
        let detail = format!("passkey:{id}");
        append(
            &mut tx,
            actor,
            "mfa.passkey.remove",
            &user_object(user),
            &detail,
        )
        .await?;
        self.commit(tx).await
    }

    async fn replace_recovery_codes(&self, actor: &Actor, hashes: &[String]) -> Result<()> {
        let user = own_user(actor)?;
        if hashes.is_empty() || hashes.len() > 20 {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "codes",
                "1 to 20 recovery codes",
            )));
        }
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        Sql::new(DELETE_RECOVERY)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        for h in hashes {
            Sql::new(INSERT_RECOVERY)
                .bind(user.0)
                .bind(h)
                .bind(now)
                .execute(&mut tx)
                .await?;
        }
        let detail = format!("{} codes", hashes.len());
        append(
            &mut tx,
            actor,
            "mfa.recovery.new",
            &user_object(user),
            &detail,
        )
        .await?;
        self.commit(tx).await
    }

    async fn use_recovery_code(&self, actor: &Actor, hash: &str) -> Result<bool> {
        let user = own_user(actor)?;
        let mut tx = self.begin().await?;
        let n = Sql::new(USE_RECOVERY)
            .bind(Timestamp::now().0)
            .bind(user.0)
            .bind(hash)
            .execute(&mut tx)
            .await?;
        if n == 1 {
            let m = MfaMethod::RecoveryCode;
            verified(&mut tx, actor, user, m, AuditOutcome::Ok, "").await?;
        }
        self.commit(tx).await?;
        Ok(n == 1)
    }

    async fn record_mfa_failure(
        &self,
        actor: &Actor,
        pending: Option<&str>,
        method: MfaMethod,
        why: &str,
    ) -> Result<()> {
        let user = own_user(actor)?;
        let mut tx = self.begin().await?;
        failure(&mut tx, actor, user, pending, method, why).await?;
        self.commit(tx).await
    }

    async fn mfa_failures_since(&self, user: UserId, since: Timestamp) -> Result<i64> {
        let r = Sql::new(FAILURES_SINCE)
            .bind(user.0)
            .bind(since.0)
            .fetch_one(self)
            .await?;
        r.i64("n")
    }

    async fn create_pending_sign_in(&self, token_hash: &str, p: &PendingSignIn) -> Result<()> {
        self.insert_pending(token_hash, p).await
    }

    async fn pending_sign_in(
        &self,
        token_hash: &str,
        now: Timestamp,
        max_failures: i64,
    ) -> Result<Option<PendingSignIn>> {
        self.live_pending(token_hash, now, max_failures).await
    }

    async fn end_pending_sign_in(&self, token_hash: &str) -> Result<bool> {
        self.end_pending(token_hash).await
    }

    async fn put_ceremony(
        &self,
        owner_hash: &str,
        user: UserId,
        kind: &str,
        state: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.keep_ceremony(owner_hash, user, kind, state, expires_at)
            .await
    }

    async fn take_ceremony(
        &self,
        owner_hash: &str,
        user: UserId,
        kind: &str,
        now: Timestamp,
    ) -> Result<Option<String>> {
        self.taken_ceremony(owner_hash, user, kind, now).await
    }
}

/// Refuses to take away a user's last factor while their organisation
/// requires one (checked after the removal, inside its transaction, which
/// is dropped and so rolled back on refusal).
async fn keeps_a_factor<B: Backend>(tx: &mut Tx<'_, B>, user: UserId) -> Result<()> {
    let st = Sql::new(STATUS)
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let required = st.i64("required")? > 0;
    if required && st.i64("totp")? + st.i64("passkeys")? == 0 {
        return Err(StoreError::Conflict {
            field: "mfa",
            message: "your organisation requires a second factor: add another before removing the last one".into(),
        });
    }
    Ok(())
}

/// Audits a verification of `user`'s second factor.
async fn verified<B: Backend>(
    tx: &mut Tx<'_, B>,
    actor: &Actor,
    user: UserId,
    method: MfaMethod,
    outcome: AuditOutcome,
    detail: &str,
) -> Result<()> {
    let detail = if detail.is_empty() {
        method.as_str().to_owned()
    } else {
        format!("{} {detail}", method.as_str())
    };
    let draft = Draft {
        actor,
        action: "mfa.verify",
        object: &user_object(user),
        outcome,
        detail: &detail,
    };
    append_many(tx, &[draft]).await
}

/// Counts and audits a wrong second factor.
async fn failure<B: Backend>(
    tx: &mut Tx<'_, B>,
    actor: &Actor,
    user: UserId,
    pending: Option<&str>,
    method: MfaMethod,
    why: &str,
) -> Result<()> {
    let now = Timestamp::now();
    Sql::new(PURGE_FAILURES)
        .bind(now.plus_seconds(-86_400).0)
        .execute(&mut *tx)
        .await?;
    Sql::new(INSERT_FAILURE)
        .bind(user.0)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    if let Some(h) = pending {
        Sql::new(COUNT_PENDING_FAILURE)
            .bind(h)
            .execute(&mut *tx)
            .await?;
    }
    verified(tx, actor, user, method, AuditOutcome::Failed, why).await
}
