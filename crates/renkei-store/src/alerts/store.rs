//! [`AlertStore`] on SQL: the access rule over `alerts al` and
//! `alert_audience`, each write audited in its own transaction.

use std::collections::BTreeSet;

use async_trait::async_trait;
use renkei_core::{Actor, AuditOutcome, Marking, OrgId, ParseError, Timestamp, Tlp, UserId};

use super::rows::{
    Row, alert_row, insert_alert, invalid, passed_on, recipient_status, targets, writer,
};
use super::{
    Alert, AlertIndicator, AlertKind, AlertStatus, AlertStore, LocalInstruction, MAX_TEXT,
    NewAlert, Recipient, RecipientStatus,
};
use crate::access::{binds, readable_row};
use crate::audit::chain::{Draft, append, append_many};
use crate::backend::{RowExt, Sql};
use crate::intel::IntelStore;
use crate::intel::backend::IntelBackend;
use crate::intel::write::community_audience;
use crate::items::check_audiences;
use crate::share_forms::ShareFormStore;
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// The read rule over `alerts al`, viewer bound as `$1..$3`.
macro_rules! readable_alert {
    () => {
        readable_row!(
            "al",
            "al.org_id",
            "alert_audience a WHERE a.alert_id = al.id",
            "NULL",
            "NOT EXISTS (SELECT 1 FROM alert_audience a WHERE a.alert_id = al.id)"
        )
    };
}

macro_rules! alert_select {
    () => {
        "SELECT al.id, al.org_id, al.kind, al.parent_id, al.root_id, al.title, al.summary,
                al.tlp, al.created_by, al.created_at, al.stix_report_id, al.collection_id,
                al.local_vendor, al.local_note, al.local_deadline
         FROM alerts al "
    };
}

const LIST_READABLE: &str = concat!(
    alert_select!(),
    "WHERE ",
    readable_alert!(),
    " ORDER BY al.id DESC LIMIT $4"
);

const GET_READABLE: &str = concat!(alert_select!(), "WHERE al.id = $4 AND ", readable_alert!());

const ALERT_EXISTS: &str = "SELECT 1 AS one FROM alerts WHERE id = $1";

/// An alert is its own root.
const SET_ROOT: &str = "UPDATE alerts SET root_id = id WHERE id = $1";

const AUDIENCE_OF: &str = "
    SELECT community_id, sector, org_id, user_id FROM alert_audience WHERE alert_id = $1";

const STEPS_OF: &str = "
    SELECT text FROM alert_steps WHERE alert_id = $1 ORDER BY position";

const INDICATORS_OF: &str = "
    SELECT value, pattern FROM alert_indicators WHERE alert_id = $1 ORDER BY position";

const INSERT_SOURCE: &str = "
    INSERT INTO alert_sources (alert_id, report_id) VALUES ($1, $2)";

const SOURCES_OF: &str = "
    SELECT report_id FROM alert_sources WHERE alert_id = $1 ORDER BY report_id";

const INSERT_RECIPIENT: &str = "
    INSERT INTO alert_recipients (alert_id, org_id, status, reason, updated_by, updated_at)
    VALUES ($1, $2, 'unconfirmed', NULL, NULL, $3)";

const RECIPIENT: &str = "
    SELECT org_id, status, reason, updated_by, updated_at
    FROM alert_recipients WHERE alert_id = $1 AND org_id = $2";

const RECIPIENT_ORGS: &str = "SELECT org_id FROM alert_recipients WHERE alert_id = $1";

/// The alerts of one family (`root_id`) where the organisation is a recipient.
const FAMILY_ROWS: &str = "
    SELECT r.alert_id FROM alert_recipients r JOIN alerts al ON al.id = r.alert_id
    WHERE r.org_id = $1 AND al.root_id = $2";

const SET_STATUS: &str = "
    UPDATE alert_recipients SET status = $3, reason = $4, updated_by = $5, updated_at = $6
    WHERE alert_id = $1 AND org_id = $2";

const INSERT_HISTORY: &str = "
    INSERT INTO alert_status_history (alert_id, org_id, status, reason, user_id, at)
    VALUES ($1, $2, $3, $4, $5, $6)";

const HISTORY: &str = "
    SELECT org_id, status, reason, user_id AS updated_by, at AS updated_at
    FROM alert_status_history WHERE alert_id = $1 AND org_id = $2 ORDER BY id";

const RECIPIENTS: &str = "
    SELECT r.org_id, r.status, r.reason, r.updated_by, r.updated_at,
           o.name_ja, o.name_en, o.sector, o.prefecture,
           (SELECT MAX(m.sent_at) FROM alert_reminders m
            WHERE m.alert_id = r.alert_id AND m.org_id = r.org_id) AS reminded_at
    FROM alert_recipients r JOIN organisations o ON o.id = r.org_id
    WHERE r.alert_id = $1
    ORDER BY o.sector, o.prefecture, o.id";

const LAST_REMINDER: &str = "
    SELECT MAX(sent_at) AS at FROM alert_reminders WHERE alert_id = $1 AND org_id = $2";

const UNCONFIRMED: &str = "
    SELECT org_id FROM alert_recipients
    WHERE alert_id = $1 AND status = 'unconfirmed' ORDER BY org_id";

const INSERT_REMINDER: &str = "
    INSERT INTO alert_reminders (alert_id, org_id, sent_by, sent_at) VALUES ($1, $2, $3, $4)";

#[async_trait]
impl<B: IntelBackend> AlertStore for SqlStore<B> {
    async fn create_alert(&self, actor: &Actor, alert: NewAlert) -> Result<Alert> {
        alert.check()?;
        alert.marking.check()?;
        if !renkei_core::can_write(&actor.viewer, &alert.marking) {
            let why = "not permitted to issue with this marking";
            return Err(self.deny(actor, "alert.create", "alert", why).await);
        }
        let c = match self.get_collection(&alert.collection_id).await {
            Ok(c) if renkei_core::can_write_community(&actor.viewer, c.community) => c,
            Ok(_) | Err(StoreError::NotFound(_)) => {
                return Err(StoreError::NotFound("collection"));
            }
            Err(e) => return Err(e),
        };
        let mut stored = alert.marking.clone();
        if community_audience(&c, &stored.audience, stored.tlp)
            && !stored.audience.communities.contains(&c.community)
        {
            stored.audience.communities.push(c.community);
        }
        let readers = self.readers(&c, &alert.marking).await?;
        let mut recipients: BTreeSet<i64> = readers.orgs.iter().map(|o| o.0).collect();
        recipients.extend(readers.users.iter().map(|(_, o)| o.0));
        recipients.remove(&stored.owner_org.0);
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        check_audiences(&mut tx, [&stored.audience]).await?;
        let row = Row {
            kind: AlertKind::Alert,
            parent: None,
            root: None,
            title: &alert.title,
            summary: &alert.summary,
            marking: &stored,
            stix_report_id: alert.stix_report_id.as_deref(),
            collection_id: Some(&alert.collection_id),
            local: &LocalInstruction::default(),
        };
        let id = insert_alert(&mut tx, &row, &alert.steps, &alert.indicators, now).await?;
        Sql::new(SET_ROOT).bind(id).execute(&mut tx).await?;
        let mut sources = alert.source_reports.clone();
        sources.sort_unstable();
        sources.dedup();
        for r in &sources {
            Sql::new(INSERT_SOURCE)
                .bind(id)
                .bind(*r)
                .execute(&mut tx)
                .await?;
        }
        for o in &recipients {
            Sql::new(INSERT_RECIPIENT)
                .bind(id)
                .bind(*o)
                .bind(now.0)
                .execute(&mut tx)
                .await?;
        }
        let detail = format!("{} to {} organisations", stored.tlp, recipients.len());
        append(
            &mut tx,
            actor,
            "alert.create",
            &format!("alert:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        self.get_alert(actor, id).await
    }

    async fn list_alerts(&self, actor: &Actor, limit: i64) -> Result<Vec<Alert>> {
        let (u, o, s) = binds(&actor.viewer);
        let rows = Sql::new(LIST_READABLE)
            .bind(u)
            .bind(o)
            .bind(s)
            .bind(limit.clamp(1, 500))
            .fetch_all(self)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.complete(actor, alert_row(r)?).await?);
        }
        self.audit_alert_reads(actor, &out).await?;
        Ok(out)
    }

    async fn get_alert(&self, actor: &Actor, id: i64) -> Result<Alert> {
        let (u, o, s) = binds(&actor.viewer);
        let row = Sql::new(GET_READABLE)
            .bind(u)
            .bind(o)
            .bind(s)
            .bind(id)
            .fetch_optional(self)
            .await?;
        let Some(row) = row else {
            if Sql::new(ALERT_EXISTS)
                .bind(id)
                .fetch_optional(self)
                .await?
                .is_some()
            {
                let object = format!("alert:{id}");
                let _ = self
                    .deny(actor, "alert.read", &object, "not in the audience")
                    .await;
            }
            return Err(StoreError::NotFound("alert"));
        };
        let a = self.complete(actor, alert_row(&row)?).await?;
        self.audit_alert_reads(actor, std::slice::from_ref(&a))
            .await?;
        Ok(a)
    }

    async fn set_alert_status(
        &self,
        actor: &Actor,
        id: i64,
        status: AlertStatus,
        reason: Option<String>,
    ) -> Result<RecipientStatus> {
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if status == AlertStatus::NotApplicable && reason.is_none() {
            return Err(invalid(
                "reason",
                "alert-reason-required",
                "not applicable needs a reason",
            ));
        }
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_TEXT)
        {
            return Err(StoreError::Invalid(ParseError::new(
                "reason",
                format!("at most {MAX_TEXT} characters"),
            )));
        }
        let alert = self.get_alert(actor, id).await?;
        let object = format!("alert:{id}");
        let Some(org) = actor.viewer.org.filter(|_| alert.mine.is_some()) else {
            let why = "not a recipient of this alert";
            return Err(self
                .deny(actor, "alert.status", &object, why)
                .await
                .hidden("alert"));
        };
        let now = Timestamp::now();
        let user = actor.viewer.user.map(|u| u.0);
        let mut tx = self.begin().await?;
        let rows = Sql::new(FAMILY_ROWS)
            .bind(org.0)
            .bind(alert.root_id)
            .fetch_all(&mut tx)
            .await?;
        for r in &rows {
            let a = r.i64("alert_id")?;
            Sql::new(SET_STATUS)
                .bind(a)
                .bind(org.0)
                .bind(status.as_str())
                .bind(reason.as_deref())
                .bind(user)
                .bind(now.0)
                .execute(&mut tx)
                .await?;
            Sql::new(INSERT_HISTORY)
                .bind(a)
                .bind(org.0)
                .bind(status.as_str())
                .bind(reason.as_deref())
                .bind(user)
                .bind(now.0)
                .execute(&mut tx)
                .await?;
        }
        let detail = format!("org:{org} {}", status.as_str());
        append(&mut tx, actor, "alert.status", &object, &detail).await?;
        self.commit(tx).await?;
        Ok(RecipientStatus {
            org,
            status,
            reason,
            updated_by: actor.viewer.user,
            updated_at: now,
        })
    }

    async fn alert_status_history(
        &self,
        actor: &Actor,
        id: i64,
        org: OrgId,
    ) -> Result<Vec<RecipientStatus>> {
        let alert = self.get_alert(actor, id).await?;
        let me = actor.viewer.org;
        if me != Some(alert.marking.owner_org) && me != Some(org) {
            let why = "neither the issuer nor this recipient";
            let object = format!("alert:{id}");
            return Err(self
                .deny(actor, "alert.recipients", &object, why)
                .await
                .hidden("alert"));
        }
        let rows = Sql::new(HISTORY)
            .bind(id)
            .bind(org.0)
            .fetch_all(self)
            .await?;
        rows.iter().map(recipient_status).collect()
    }

    async fn alert_recipients(&self, actor: &Actor, id: i64) -> Result<Vec<Recipient>> {
        self.issued_by_actor(actor, id, "alert.recipients").await?;
        let rows = Sql::new(RECIPIENTS).bind(id).fetch_all(self).await?;
        let out = rows
            .iter()
            .map(|r| {
                Ok(Recipient {
                    org: OrgId(r.i64("org_id")?),
                    name_ja: r.text("name_ja")?,
                    name_en: r.text("name_en")?,
                    sector: r.opt_text("sector")?,
                    prefecture: r.opt_i64("prefecture")?,
                    status: recipient_status(r)?,
                    reminded_at: r.opt_i64("reminded_at")?.map(Timestamp),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.begin().await?;
        let detail = format!("{} recipients", out.len());
        let object = format!("alert:{id}");
        append(&mut tx, actor, "alert.recipients", &object, &detail).await?;
        self.commit(tx).await?;
        Ok(out)
    }

    async fn remind_alert(&self, actor: &Actor, id: i64) -> Result<Vec<OrgId>> {
        self.issued_by_actor(actor, id, "alert.remind").await?;
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let rows = Sql::new(UNCONFIRMED).bind(id).fetch_all(&mut tx).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let org = r.i64("org_id")?;
            Sql::new(INSERT_REMINDER)
                .bind(id)
                .bind(org)
                .bind(actor.viewer.user.map(|u| u.0))
                .bind(now.0)
                .execute(&mut tx)
                .await?;
            out.push(OrgId(org));
        }
        let detail = format!("{} organisations", out.len());
        append(
            &mut tx,
            actor,
            "alert.remind",
            &format!("alert:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(out)
    }

    async fn relay_alert(
        &self,
        actor: &Actor,
        id: i64,
        orgs: &[OrgId],
        local: LocalInstruction,
    ) -> Result<Alert> {
        local.check()?;
        let parent = self.get_alert(actor, id).await?;
        let object = format!("alert:{id}");
        let me = actor.viewer.org;
        let gov = match me {
            Some(o) => self.is_prefectural_government(o).await?,
            None => false,
        };
        if !gov || !writer(actor) {
            let why = "only a prefectural government's coordinators relay";
            return Err(self
                .deny(actor, "alert.relay", &object, why)
                .await
                .hidden("alert"));
        }
        let me = me.unwrap_or(OrgId(0));
        if parent.marking.tlp == Tlp::Red {
            return Err(invalid(
                "tlp",
                "alert-relay-red",
                "TLP:RED goes to named people only and is not relayed",
            ));
        }
        let towns = self.municipalities_of(me).await?;
        let received = self.recipient_orgs(id).await?;
        let targets = targets(orgs, &towns, |o| received.contains(o), "alert-relay-wider")?;
        let marking = passed_on(&parent, me, actor.viewer.user, &targets);
        self.pass_on(
            actor,
            &parent,
            AlertKind::Relay,
            marking,
            &local,
            "alert.relay",
        )
        .await
    }

    async fn forward_alert(
        &self,
        actor: &Actor,
        id: i64,
        orgs: &[OrgId],
        local: LocalInstruction,
    ) -> Result<Alert> {
        local.check()?;
        let parent = self.get_alert(actor, id).await?;
        let object = format!("alert:{id}");
        let Some(me) = actor
            .viewer
            .org
            .filter(|_| parent.mine.is_some() && writer(actor))
        else {
            let why = "only a recipient's members forward";
            return Err(self
                .deny(actor, "alert.forward", &object, why)
                .await
                .hidden("alert"));
        };
        if !matches!(parent.marking.tlp, Tlp::Clear | Tlp::Green | Tlp::Amber) {
            return Err(invalid(
                "tlp",
                "alert-forward-tlp",
                "AMBER+STRICT and RED stay inside the organisation",
            ));
        }
        let vendors = self.vendors_of(me).await?;
        let targets = targets(orgs, &vendors, |_| true, "alert-relay-wider")?;
        let marking = passed_on(&parent, me, actor.viewer.user, &targets);
        self.pass_on(
            actor,
            &parent,
            AlertKind::Forward,
            marking,
            &local,
            "alert.forward",
        )
        .await
    }

    async fn municipalities_of(&self, org: OrgId) -> Result<Vec<OrgId>> {
        self.municipalities(org).await
    }

    async fn vendors_of(&self, org: OrgId) -> Result<Vec<OrgId>> {
        self.vendors(org).await
    }

    async fn name_vendors(&self, actor: &Actor, vendor: OrgId, sub: Option<OrgId>) -> Result<()> {
        self.record_vendors(actor, vendor, sub).await
    }

    async fn is_prefectural_government(&self, org: OrgId) -> Result<bool> {
        self.prefectural_government(org).await
    }

    async fn set_prefectural_government(&self, actor: &Actor, org: OrgId, on: bool) -> Result<()> {
        self.mark_prefectural_government(actor, org, on).await
    }
}

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    /// An alert row with its steps, indicators, audience, the reader's
    /// confirmation and (for the issuer) its sources.
    async fn complete(&self, actor: &Actor, mut a: Alert) -> Result<Alert> {
        for r in Sql::new(STEPS_OF).bind(a.id).fetch_all(self).await? {
            a.steps.push(r.text("text")?);
        }
        for r in Sql::new(INDICATORS_OF).bind(a.id).fetch_all(self).await? {
            a.indicators.push(AlertIndicator {
                value: r.text("value")?,
                pattern: r.text("pattern")?,
            });
        }
        for r in Sql::new(AUDIENCE_OF).bind(a.id).fetch_all(self).await? {
            let aud = &mut a.marking.audience;
            if let Some(c) = r.opt_i64("community_id")? {
                aud.communities.push(renkei_core::CommunityId(c));
            }
            if let Some(s) = r.opt_text("sector")? {
                let s = renkei_core::Sector::parse(&s)
                    .map_err(|e| StoreError::corrupt("alert_audience", e))?;
                aud.sectors.push(s);
            }
            if let Some(o) = r.opt_i64("org_id")? {
                aud.orgs.push(OrgId(o));
            }
            if let Some(u) = r.opt_i64("user_id")? {
                aud.users.push(UserId(u));
            }
        }
        if let Some(org) = actor.viewer.org {
            if org == a.marking.owner_org {
                for r in Sql::new(SOURCES_OF).bind(a.id).fetch_all(self).await? {
                    a.source_reports.push(r.i64("report_id")?);
                }
            }
            let mine = Sql::new(RECIPIENT)
                .bind(a.id)
                .bind(org.0)
                .fetch_optional(self)
                .await?;
            a.mine = mine.as_ref().map(recipient_status).transpose()?;
            if a.mine.is_some() {
                let r = Sql::new(LAST_REMINDER)
                    .bind(a.id)
                    .bind(org.0)
                    .fetch_one(self)
                    .await?;
                a.reminded_at = r.opt_i64("at")?.map(Timestamp);
            }
        }
        Ok(a)
    }

    async fn recipient_orgs(&self, id: i64) -> Result<Vec<OrgId>> {
        let rows = Sql::new(RECIPIENT_ORGS).bind(id).fetch_all(self).await?;
        rows.iter().map(|r| Ok(OrgId(r.i64("org_id")?))).collect()
    }

    /// Alert `id`, when the actor's organisation issued it; refused as not
    /// found otherwise (audited as `action`).
    async fn issued_by_actor(&self, actor: &Actor, id: i64, action: &str) -> Result<Alert> {
        let alert = self.get_alert(actor, id).await?;
        if actor.viewer.org != Some(alert.marking.owner_org) {
            let why = "only the issuing organisation";
            return Err(self
                .deny(actor, action, &format!("alert:{id}"), why)
                .await
                .hidden("alert"));
        }
        Ok(alert)
    }

    /// Stores a relay or forward of `parent` to its marking's organisations.
    async fn pass_on(
        &self,
        actor: &Actor,
        parent: &Alert,
        kind: AlertKind,
        marking: Marking,
        local: &LocalInstruction,
        action: &str,
    ) -> Result<Alert> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let local = if local.is_empty() {
            LocalInstruction::default()
        } else {
            local.clone()
        };
        let row = Row {
            kind,
            parent: Some(parent.id),
            root: Some(parent.root_id),
            title: &parent.title,
            summary: &parent.summary,
            marking: &marking,
            stix_report_id: parent.stix_report_id.as_deref(),
            collection_id: parent.collection_id.as_deref(),
            local: &local,
        };
        let id = insert_alert(&mut tx, &row, &parent.steps, &parent.indicators, now).await?;
        for o in &marking.audience.orgs {
            Sql::new(INSERT_RECIPIENT)
                .bind(id)
                .bind(o.0)
                .bind(now.0)
                .execute(&mut tx)
                .await?;
        }
        let orgs: Vec<String> = marking
            .audience
            .orgs
            .iter()
            .map(|o| format!("org:{o}"))
            .collect();
        let detail = format!("of alert:{} to {}", parent.id, orgs.join(","));
        append(&mut tx, actor, action, &format!("alert:{id}"), &detail).await?;
        self.commit(tx).await?;
        self.get_alert(actor, id).await
    }

    /// Audits the read of every alert that is not TLP:CLEAR.
    async fn audit_alert_reads(&self, actor: &Actor, alerts: &[Alert]) -> Result<()> {
        let restricted: Vec<(String, String)> = alerts
            .iter()
            .filter(|a| a.marking.tlp != Tlp::Clear)
            .map(|a| (format!("alert:{}", a.id), a.marking.tlp.to_string()))
            .collect();
        if restricted.is_empty() {
            return Ok(());
        }
        let drafts: Vec<Draft<'_>> = restricted
            .iter()
            .map(|(object, detail)| Draft {
                actor,
                action: "alert.read",
                object,
                outcome: AuditOutcome::Ok,
                detail,
            })
            .collect();
        let mut tx = self.begin().await?;
        append_many(&mut tx, &drafts).await?;
        self.commit(tx).await?;
        Ok(())
    }
}
