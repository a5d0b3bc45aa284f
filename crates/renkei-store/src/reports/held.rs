//! What every write of a report starts from: the report as it is and the
//! actor's right to it (the report rule, `can_read_report`, then the
//! filer's role), a new report addressed to the organisations its
//! profile's recipients are bound to, and consent opening or ending the
//! national office's access.

use renkei_core::{Actor, OrgId, ReportAccess, Timestamp, can_file_report};

use super::{Consent, NewReport};
use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::store::SqlStore;
use crate::{Result, StoreError};

pub(super) const ORG_SECTOR: &str = "SELECT sector FROM organisations WHERE id = $1";

/// The organisations bound to the profile's recipients.
pub(super) const BOUND: &str = "
    SELECT recipient_id, org_id FROM report_bindings WHERE profile_id = $1
    ORDER BY recipient_id, org_id";

/// The national office: the organisations bound as some profile's
/// `national-office` recipient.
pub(super) const NATIONAL_OFFICE: &str = "
    SELECT DISTINCT org_id AS id FROM report_bindings
    WHERE recipient_id = 'national-office'
    ORDER BY org_id";

pub(super) const ADDRESS: &str = "
    INSERT INTO report_recipients (report_id, org_id, reason, added_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (report_id, org_id, reason) DO UPDATE SET ended_at = NULL";

const END_NATIONAL: &str = "
    UPDATE report_recipients SET ended_at = $2
    WHERE report_id = $1 AND reason = 'national-office' AND ended_at IS NULL";

pub(super) const INSERT_CONSENT: &str = "
    INSERT INTO report_consents (report_id, national, sanitised, by_user, at)
    VALUES ($1, $2, $3, $4, $5)";

/// What a write needs to know of a report, whoever asks.
const ACCESS: &str = "
    SELECT org_id, latest_version FROM reports WHERE id = $1";

const ACTIVE_RECIPIENTS: &str = "
    SELECT org_id FROM report_recipients WHERE report_id = $1 AND ended_at IS NULL";

const INSERT_REPORT: &str = "
    INSERT INTO reports (
        org_id, incident_id, profile_id, notice_id, title, state, sector,
        consent_national, consent_sanitised, latest_version, next_due_at,
        last_activity_at, created_by, created_at
    )
    VALUES ($1, $2, $3, $4, $5, 'received', $6, $7, $8, 0, $9, $10, $11, $10)
    RETURNING id";

/// A report as a write sees it, before anyone is told it exists.
pub(super) struct Held {
    pub org: OrgId,
    pub latest_version: i64,
    pub recipients: Vec<OrgId>,
}

impl Held {
    pub fn access(&self) -> ReportAccess {
        ReportAccess {
            org: self.org,
            recipients: self.recipients.clone(),
            submitted: self.latest_version > 0,
        }
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Report `id` as it is, and whether the actor may read it; `NotFound`
    /// (a refusal recorded when it exists) when it may not.
    pub(super) async fn held(&self, actor: &Actor, id: i64, action: &str) -> Result<Held> {
        let row = Sql::new(ACCESS).bind(id).fetch_optional(self).await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("report"));
        };
        let recipients = Sql::new(ACTIVE_RECIPIENTS)
            .bind(id)
            .fetch_all(self)
            .await?
            .iter()
            .map(|r| r.i64("org_id").map(OrgId))
            .collect::<Result<Vec<_>>>()?;
        let held = Held {
            org: OrgId(row.i64("org_id")?),
            latest_version: row.i64("latest_version")?,
            recipients,
        };
        if !renkei_core::can_read_report(&actor.viewer, &held.access()) {
            let object = format!("report:{id}");
            let _ = self.deny(actor, action, &object, "not addressed").await;
            return Err(StoreError::NotFound("report"));
        }
        Ok(held)
    }

    /// As [`Self::held`], for the reporting organisation's filers only; a
    /// recipient gets `Forbidden` (it may read the report, so its existence
    /// is no secret).
    pub(super) async fn filed_by_actor(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
    ) -> Result<Held> {
        let held = self.held(actor, id, action).await?;
        if !can_file_report(&actor.viewer, held.org) {
            let object = format!("report:{id}");
            let why = "only the reporting organisation's filers change a report";
            return Err(self.deny(actor, action, &object, why).await);
        }
        Ok(held)
    }

    /// Inserts a report and addresses it; audited by the caller.
    pub(super) async fn insert_report(
        tx: &mut Tx<'_, B>,
        actor: &Actor,
        org: OrgId,
        incident: Option<i64>,
        new: &NewReport,
        now: Timestamp,
    ) -> Result<i64> {
        let sector = Sql::new(ORG_SECTOR)
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.opt_text("sector"))
            .transpose()?
            .flatten();
        let id = Sql::new(INSERT_REPORT)
            .bind(org.0)
            .bind(incident)
            .bind(&new.profile_id)
            .bind(new.notice_id.as_deref())
            .bind(new.title.trim())
            .bind(sector)
            .bind(new.consent.national)
            .bind(new.consent.sanitised)
            .bind(new.next_due_at.map(|t| t.0))
            .bind(now.0)
            .bind(actor.viewer.user.map(|u| u.0))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?;
        let bound = Sql::new(BOUND)
            .bind(&new.profile_id)
            .fetch_all(&mut *tx)
            .await?;
        for b in &bound {
            let reason = format!("recipient:{}", b.text("recipient_id")?);
            Sql::new(ADDRESS)
                .bind(id)
                .bind(b.i64("org_id")?)
                .bind(reason)
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
        }
        record_consent(tx, actor, id, new.consent, now).await?;
        append(
            tx,
            actor,
            "report.create",
            &format!("report:{id}"),
            &format!("profile {}", new.profile_id),
        )
        .await?;
        Ok(id)
    }
}

/// Keeps a consent given, and opens or ends the national office's access.
pub(super) async fn record_consent<B: Backend>(
    tx: &mut Tx<'_, B>,
    actor: &Actor,
    id: i64,
    consent: Consent,
    now: Timestamp,
) -> Result<()> {
    Sql::new(INSERT_CONSENT)
        .bind(id)
        .bind(consent.national)
        .bind(consent.sanitised)
        .bind(actor.viewer.user.map(|u| u.0))
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    if consent.national {
        let offices = Sql::new(NATIONAL_OFFICE).fetch_all(&mut *tx).await?;
        for o in &offices {
            Sql::new(ADDRESS)
                .bind(id)
                .bind(o.i64("id")?)
                .bind("national-office")
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
        }
    } else {
        Sql::new(END_NATIONAL)
            .bind(id)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
