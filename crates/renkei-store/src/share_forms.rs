//! What the portal's share and import forms need beyond storing: who would
//! read a version before it is shared (the access rule itself, over every
//! organisation), submissions kept by an idempotency key so a form sent
//! twice stores once, and the import form's uploads kept between its
//! preview and its confirmation.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use renkei_core::model::Collection;
use renkei_core::{Actor, Marking, OrgId, Tlp, UserId, Viewer, can_read};

use crate::auth::{AuthStore, ORG_VIEWERS, org_viewer};
use crate::backend::{Backend, RowExt, Sql};
use crate::intel::write::community_audience;
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// Who would read a version: organisations (every member of which may read
/// it) and people named one by one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readers {
    pub orgs: Vec<OrgId>,
    /// People who may read it in their own name (TLP:RED's sharer and named
    /// recipients), with their organisation.
    pub users: Vec<(UserId, OrgId)>,
}

/// What a submission key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// Newly claimed: the caller stores, then [`ShareFormStore::finish_submission`].
    Claimed,
    /// Claimed by an earlier request still storing.
    Pending,
    /// Stored earlier, with this result.
    Done(String),
}

/// The longest submission key accepted.
pub const MAX_SUBMISSION_KEY: usize = 64;

/// An import form's upload waiting for its confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDraft {
    /// The form's fields, urlencoded.
    pub fields: String,
    pub file: Vec<u8>,
}

#[async_trait]
pub trait ShareFormStore: Send + Sync {
    /// Who would read a version with `marking` (as the sharer names it:
    /// `owner_org`, `created_by`, TLP and the audience they chose) added to
    /// collection `c`: the audience the write path would store
    /// (`community_audience`), judged by `renkei_core::can_read` for every
    /// organisation's viewer and every named person's.
    async fn readers(&self, c: &Collection, marking: &Marking) -> Result<Readers>;
    /// Claims `key` for `user`'s submission at `now`, or says what an
    /// earlier claim holds. Keys are at most [`MAX_SUBMISSION_KEY`]
    /// letters, digits and `-`.
    async fn claim_submission(&self, user: UserId, key: &str, now: i64) -> Result<Submission>;
    /// Records the result of a claimed submission.
    async fn finish_submission(&self, user: UserId, key: &str, result: &str) -> Result<()>;
    /// Gives up a claim whose submission stored nothing, so it may be sent again.
    async fn drop_submission(&self, user: UserId, key: &str) -> Result<()>;
    /// The result of `user`'s submission `key`, if finished.
    async fn submission_result(&self, user: UserId, key: &str) -> Result<Option<String>>;
    /// Deletes submissions claimed and import drafts kept before `before`
    /// (retention; the system only, audited when any went).
    async fn prune_submissions(&self, actor: &Actor, before: i64) -> Result<u64>;
    /// Keeps `user`'s import upload under `key` until it is confirmed (a
    /// second preview with the same key replaces it).
    async fn keep_import_draft(
        &self,
        user: UserId,
        key: &str,
        draft: &ImportDraft,
        now: i64,
    ) -> Result<()>;
    /// `user`'s import upload kept under `key`, if any.
    async fn import_draft(&self, user: UserId, key: &str) -> Result<Option<ImportDraft>>;
    /// Forgets `user`'s import upload under `key` (once stored).
    async fn drop_import_draft(&self, user: UserId, key: &str) -> Result<()>;
}

const CLAIM: &str = "
    INSERT INTO share_submissions (user_id, idem_key, created_at)
    VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING";

const RESULT: &str = "
    SELECT result FROM share_submissions WHERE user_id = $1 AND idem_key = $2";

const FINISH: &str = "
    UPDATE share_submissions SET result = $3 WHERE user_id = $1 AND idem_key = $2";

const DROP: &str = "
    DELETE FROM share_submissions
    WHERE user_id = $1 AND idem_key = $2 AND result IS NULL";

/// Old submissions (index `share_submissions_created`, migration 0017).
const PRUNE: &str = "DELETE FROM share_submissions WHERE created_at < $1";

/// Migration 0019; a new upload under a key replaces the one kept.
const KEEP_DRAFT: &str = "
    INSERT INTO import_drafts (user_id, idem_key, created_at, fields, file)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (user_id, idem_key)
    DO UPDATE SET created_at = excluded.created_at, fields = excluded.fields, file = excluded.file";

/// Uploads a person keeps waiting for confirmation at once: each may be
/// 16 MiB, and forms left open should not fill the table for a day.
pub const MAX_IMPORT_DRAFTS: i64 = 4;

/// All but `user`'s newest [`MAX_IMPORT_DRAFTS`] uploads.
const TRIM_DRAFTS: &str = "
    DELETE FROM import_drafts
    WHERE user_id = $1 AND idem_key NOT IN (
        SELECT idem_key FROM import_drafts
        WHERE user_id = $1
        ORDER BY created_at DESC, idem_key
        LIMIT $2)";

const DRAFT: &str = "
    SELECT fields, file FROM import_drafts WHERE user_id = $1 AND idem_key = $2";

const DROP_DRAFT: &str = "DELETE FROM import_drafts WHERE user_id = $1 AND idem_key = $2";

/// Old drafts (index `import_drafts_created`).
const PRUNE_DRAFTS: &str = "DELETE FROM import_drafts WHERE created_at < $1";

fn check_key(key: &str) -> Result<()> {
    if key.is_empty()
        || key.len() > MAX_SUBMISSION_KEY
        || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(StoreError::Invalid(renkei_core::ParseError::new(
            "key",
            format!("1 to {MAX_SUBMISSION_KEY} letters, digits and -"),
        )));
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> ShareFormStore for SqlStore<B> {
    async fn readers(&self, c: &Collection, marking: &Marking) -> Result<Readers> {
        let mut stored = marking.clone();
        if community_audience(c, &marking.audience, marking.tlp)
            && !stored.audience.communities.contains(&c.community)
        {
            stored.audience.communities.push(c.community);
        }
        let mut out = Readers::default();
        if marking.tlp != Tlp::Red {
            for r in Sql::new(ORG_VIEWERS).fetch_all(self).await? {
                let v = org_viewer(&r, OrgId(r.i64("id")?))?;
                if can_read(&v, &stored) {
                    out.orgs.extend(v.org);
                }
            }
        }
        let named = marking.created_by.into_iter().chain(
            marking
                .audience
                .users
                .iter()
                .copied()
                .filter(|u| Some(*u) != marking.created_by),
        );
        for u in named {
            let v: Viewer = match self.viewer_for_user(u).await {
                Ok(v) => v,
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            let Some(org) = v.org else { continue };
            if !out.orgs.contains(&org) && can_read(&v, &stored) {
                out.users.push((u, org));
            }
        }
        Ok(out)
    }

    async fn claim_submission(&self, user: UserId, key: &str, now: i64) -> Result<Submission> {
        check_key(key)?;
        let n = Sql::new(CLAIM)
            .bind(user.0)
            .bind(key)
            .bind(now)
            .execute(self)
            .await?;
        if n == 1 {
            return Ok(Submission::Claimed);
        }
        Ok(match self.submission_result(user, key).await? {
            Some(r) => Submission::Done(r),
            None => Submission::Pending,
        })
    }

    async fn finish_submission(&self, user: UserId, key: &str, result: &str) -> Result<()> {
        check_key(key)?;
        Sql::new(FINISH)
            .bind(user.0)
            .bind(key)
            .bind(result)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn drop_submission(&self, user: UserId, key: &str) -> Result<()> {
        check_key(key)?;
        Sql::new(DROP).bind(user.0).bind(key).execute(self).await?;
        Ok(())
    }

    async fn submission_result(&self, user: UserId, key: &str) -> Result<Option<String>> {
        check_key(key)?;
        let row = Sql::new(RESULT)
            .bind(user.0)
            .bind(key)
            .fetch_optional(self)
            .await?;
        match row {
            Some(r) => r.opt_text("result"),
            None => Ok(None),
        }
    }

    async fn prune_submissions(&self, actor: &Actor, before: i64) -> Result<u64> {
        let d = Sql::new(PRUNE).bind(before);
        let drafts = Sql::new(PRUNE_DRAFTS).bind(before);
        self.prune(actor, "share submissions", vec![d, drafts])
            .await
    }

    async fn keep_import_draft(
        &self,
        user: UserId,
        key: &str,
        draft: &ImportDraft,
        now: i64,
    ) -> Result<()> {
        check_key(key)?;
        Sql::new(KEEP_DRAFT)
            .bind(user.0)
            .bind(key)
            .bind(now)
            .bind(draft.fields.as_str())
            .bind(BASE64.encode(&draft.file))
            .execute(self)
            .await?;
        Sql::new(TRIM_DRAFTS)
            .bind(user.0)
            .bind(MAX_IMPORT_DRAFTS)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn import_draft(&self, user: UserId, key: &str) -> Result<Option<ImportDraft>> {
        check_key(key)?;
        let row = Sql::new(DRAFT)
            .bind(user.0)
            .bind(key)
            .fetch_optional(self)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let file = BASE64
            .decode(r.text("file")?)
            .map_err(|e| StoreError::corrupt("import_drafts", e))?;
        Ok(Some(ImportDraft {
            fields: r.text("fields")?,
            file,
        }))
    }

    async fn drop_import_draft(&self, user: UserId, key: &str) -> Result<()> {
        check_key(key)?;
        Sql::new(DROP_DRAFT)
            .bind(user.0)
            .bind(key)
            .execute(self)
            .await?;
        Ok(())
    }
}
