//! Filing: incidents, reports, drafts, versions, consent, attachments, and
//! the platform's recipient bindings. Every write is audited in its own
//! transaction; only the reporting organisation's filers write a report.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use renkei_core::{Actor, OrgId, ParseError, Timestamp, can_file_report};
use sha2::{Digest, Sha256};

use super::{
    Attachment, Consent, Incident, MAX_ATTACHMENT, MAX_ATTACHMENTS, MAX_BODY, MAX_FACTS,
    MAX_MESSAGE, MAX_REPORTS_PER_INCIDENT, MAX_TITLE, MAX_VERSIONS, NewIncident, NewReport,
    NewVersion, Report, ReportStore, ReportVersion,
};
use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql};

use super::held::record_consent;
use crate::store::{ORG_EXISTS, SqlStore, check_len, exists, platform_admin};
use crate::{Result, StoreError};

pub(super) const INSERT_INCIDENT: &str = "
    INSERT INTO incidents (org_id, title, aware_at, facts, common, created_by, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
    RETURNING id";

const SET_CONSENT: &str = "
    UPDATE reports SET consent_national = $2, consent_sanitised = $3, last_activity_at = $4
    WHERE id = $1";

const INCIDENT_ORG: &str = "SELECT org_id FROM incidents WHERE id = $1";

const INCIDENT_REPORTS: &str = "SELECT COUNT(*) AS n FROM reports WHERE incident_id = $1";

const UPDATE_INCIDENT: &str = "
    UPDATE incidents SET aware_at = $2, facts = $3, common = $4, updated_at = $5
    WHERE id = $1";

const SET_NEXT_DUE: &str = "
    UPDATE reports SET next_due_at = $3, last_activity_at = $4
    WHERE id = $1 AND incident_id = $2";

const SAVE_DRAFT: &str = "
    UPDATE reports SET draft = $2, draft_at = $3 WHERE id = $1";

const NEXT_VERSION: &str = "
    UPDATE reports
    SET latest_version = latest_version + 1, next_due_at = $2, last_activity_at = $3,
        draft = NULL, draft_at = NULL
    WHERE id = $1
    RETURNING latest_version";

pub(super) const INSERT_VERSION: &str = "
    INSERT INTO report_versions (
        report_id, version, stage_id, form_id, body, sha256, note, submitted_by, submitted_at
    )
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const INSERT_INDICATOR: &str = "
    INSERT INTO report_indicators (report_id, version, kind, value)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT DO NOTHING";

const COUNT_ATTACHMENTS: &str = "SELECT COUNT(*) AS n FROM report_attachments WHERE report_id = $1";

const INSERT_ATTACHMENT: &str = "
    INSERT INTO report_attachments (
        report_id, name, media_type, size, sha256, content, added_by, added_at
    )
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING id";

const BIND: &str = "
    INSERT INTO report_bindings (profile_id, recipient_id, org_id, created_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT DO NOTHING";

const RECORD_REMINDER: &str = "
    INSERT INTO report_reminders (report_id, stage_id, kind, sent_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT DO NOTHING";

pub(super) fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(ParseError::new(field, message))
}

/// Profile, notice, stage, form and recipient ids: what profiles allow.
pub(super) fn check_id(field: &'static str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(field, "1 to 64 lower-case letters, digits and -"))
    }
}

pub(super) fn check_json(field: &'static str, text: &str, max: usize) -> Result<()> {
    if text.len() > max {
        return Err(invalid(field, format!("at most {max} bytes")));
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(invalid(field, "must be a JSON object")),
    }
}

pub(super) fn check_report(r: &NewReport) -> Result<()> {
    check_id("profile", &r.profile_id)?;
    if let Some(n) = &r.notice_id {
        check_id("notice", n)?;
    }
    check_len("title", &r.title, MAX_TITLE)
}

pub(super) fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[async_trait]
impl<B: Backend> ReportStore for SqlStore<B> {
    async fn open_incident(
        &self,
        actor: &Actor,
        new: NewIncident,
    ) -> Result<(Incident, Vec<Report>)> {
        check_len("title", &new.title, MAX_TITLE)?;
        check_json("facts", &new.facts, MAX_FACTS)?;
        check_json("common", &new.common, MAX_FACTS)?;
        if new.reports.len() > MAX_REPORTS_PER_INCIDENT {
            let max = MAX_REPORTS_PER_INCIDENT;
            return Err(invalid("regimes", format!("at most {max} regimes")));
        }
        for r in &new.reports {
            check_report(r)?;
        }
        if !can_file_report(&actor.viewer, new.org) {
            let why = "only an organisation's filers report in its name";
            return Err(self.deny(actor, "incident.create", "incident", why).await);
        }
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let id = Sql::new(INSERT_INCIDENT)
            .bind(new.org.0)
            .bind(new.title.trim())
            .bind(new.aware_at.map(|t| t.0))
            .bind(&new.facts)
            .bind(&new.common)
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(now.0)
            .fetch_one(&mut tx)
            .await?
            .i64("id")?;
        append(
            &mut tx,
            actor,
            "incident.create",
            &format!("incident:{id}"),
            "",
        )
        .await?;
        let mut ids = Vec::new();
        for r in &new.reports {
            ids.push(Self::insert_report(&mut tx, actor, new.org, Some(id), r, now).await?);
        }
        self.commit(tx).await?;
        let incident = self.incident(actor, id).await?;
        let mut reports = Vec::new();
        for r in ids {
            reports.push(self.report(actor, r).await?);
        }
        Ok((incident, reports))
    }

    async fn add_report(&self, actor: &Actor, incident: i64, new: NewReport) -> Result<Report> {
        check_report(&new)?;
        let org = Sql::new(INCIDENT_ORG)
            .bind(incident)
            .fetch_optional(self)
            .await?
            .map(|r| r.i64("org_id"))
            .transpose()?;
        let Some(org) = org.map(OrgId).filter(|o| actor.viewer.org == Some(*o)) else {
            return Err(StoreError::NotFound("incident"));
        };
        if !can_file_report(&actor.viewer, org) {
            let why = "only an organisation's filers report in its name";
            let object = format!("incident:{incident}");
            return Err(self.deny(actor, "report.create", &object, why).await);
        }
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let n = Sql::new(INCIDENT_REPORTS)
            .bind(incident)
            .fetch_one(&mut tx)
            .await?
            .i64("n")?;
        if n >= MAX_REPORTS_PER_INCIDENT as i64 {
            let max = MAX_REPORTS_PER_INCIDENT;
            return Err(invalid("regimes", format!("at most {max} regimes")));
        }
        let id = Self::insert_report(&mut tx, actor, org, Some(incident), &new, now).await?;
        self.commit(tx).await?;
        self.report(actor, id).await
    }

    async fn open_notice(&self, actor: &Actor, org: OrgId, new: NewReport) -> Result<Report> {
        check_report(&new)?;
        if new.notice_id.is_none() {
            return Err(invalid("notice", "a notice names the profile's notice"));
        }
        if !can_file_report(&actor.viewer, org) {
            let why = "only an organisation's filers report in its name";
            return Err(self.deny(actor, "report.create", "report", why).await);
        }
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let id = Self::insert_report(&mut tx, actor, org, None, &new, now).await?;
        self.commit(tx).await?;
        self.report(actor, id).await
    }

    async fn update_incident(
        &self,
        actor: &Actor,
        incident: i64,
        aware_at: Option<Timestamp>,
        facts: &str,
        common: &str,
        next_due: &[(i64, Option<Timestamp>)],
    ) -> Result<Incident> {
        check_json("facts", facts, MAX_FACTS)?;
        check_json("common", common, MAX_FACTS)?;
        let current = self.incident(actor, incident).await?;
        if !can_file_report(&actor.viewer, current.org) {
            let why = "only the reporting organisation's filers change an incident";
            let object = format!("incident:{incident}");
            return Err(self.deny(actor, "incident.update", &object, why).await);
        }
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        Sql::new(UPDATE_INCIDENT)
            .bind(incident)
            .bind(aware_at.map(|t| t.0))
            .bind(facts)
            .bind(common)
            .bind(now.0)
            .execute(&mut tx)
            .await?;
        for (report, due) in next_due {
            Sql::new(SET_NEXT_DUE)
                .bind(*report)
                .bind(incident)
                .bind(due.map(|t| t.0))
                .bind(now.0)
                .execute(&mut tx)
                .await?;
        }
        let object = format!("incident:{incident}");
        append(&mut tx, actor, "incident.update", &object, "").await?;
        self.commit(tx).await?;
        self.incident(actor, incident).await
    }

    async fn save_draft(&self, actor: &Actor, report: i64, draft: &str) -> Result<Timestamp> {
        check_json("draft", draft, MAX_BODY)?;
        self.filed_by_actor(actor, report, "report.draft").await?;
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        Sql::new(SAVE_DRAFT)
            .bind(report)
            .bind(draft)
            .bind(now.0)
            .execute(&mut tx)
            .await?;
        let detail = format!("{} bytes", draft.len());
        append(
            &mut tx,
            actor,
            "report.draft",
            &format!("report:{report}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(now)
    }

    async fn submit_version(
        &self,
        actor: &Actor,
        report: i64,
        v: NewVersion,
    ) -> Result<ReportVersion> {
        check_json("values", &v.body, MAX_BODY)?;
        check_id("form", &v.form_id)?;
        if let Some(s) = &v.stage_id {
            check_id("stage", s)?;
        }
        if v.note.chars().count() > MAX_MESSAGE {
            return Err(invalid("note", format!("at most {MAX_MESSAGE} characters")));
        }
        if v.indicators.len() > super::MAX_INDICATORS {
            let max = super::MAX_INDICATORS;
            return Err(invalid("indicators", format!("at most {max} indicators")));
        }
        let held = self.filed_by_actor(actor, report, "report.submit").await?;
        if held.latest_version >= MAX_VERSIONS {
            return Err(invalid(
                "version",
                format!("at most {MAX_VERSIONS} versions"),
            ));
        }
        let now = Timestamp::now();
        let sha = hex_sha256(v.body.as_bytes());
        let mut tx = self.begin().await?;
        let version = Sql::new(NEXT_VERSION)
            .bind(report)
            .bind(v.next_due_at.map(|t| t.0))
            .bind(now.0)
            .fetch_one(&mut tx)
            .await?
            .i64("latest_version")?;
        Sql::new(INSERT_VERSION)
            .bind(report)
            .bind(version)
            .bind(v.stage_id.as_deref())
            .bind(&v.form_id)
            .bind(&v.body)
            .bind(&sha)
            .bind(v.note.trim())
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(now.0)
            .execute(&mut tx)
            .await?;
        for i in &v.indicators {
            Sql::new(INSERT_INDICATOR)
                .bind(report)
                .bind(version)
                .bind(i.kind().as_str())
                .bind(i.value())
                .execute(&mut tx)
                .await?;
        }
        let stage = v.stage_id.as_deref().unwrap_or("notice");
        let detail = format!("version {version} {stage} {} sha256 {sha}", v.form_id);
        append(
            &mut tx,
            actor,
            "report.submit",
            &format!("report:{report}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(ReportVersion {
            report_id: report,
            version,
            stage_id: v.stage_id,
            form_id: v.form_id,
            body: v.body,
            sha256: sha,
            note: v.note.trim().to_owned(),
            submitted_by: actor.viewer.user,
            submitted_at: now,
        })
    }

    async fn set_consent(&self, actor: &Actor, id: i64, consent: Consent) -> Result<Report> {
        self.filed_by_actor(actor, id, "report.consent").await?;
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        Sql::new(SET_CONSENT)
            .bind(id)
            .bind(consent.national)
            .bind(consent.sanitised)
            .bind(now.0)
            .execute(&mut tx)
            .await?;
        record_consent(&mut tx, actor, id, consent, now).await?;
        let detail = format!(
            "national {} sanitised {}",
            consent.national, consent.sanitised
        );
        append(
            &mut tx,
            actor,
            "report.consent",
            &format!("report:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        self.report(actor, id).await
    }

    async fn add_attachment(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<Attachment> {
        check_len("name", name, 200)?;
        if name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        {
            return Err(invalid(
                "name",
                "a file name without slashes or control characters",
            ));
        }
        if content.is_empty() || content.len() > MAX_ATTACHMENT {
            return Err(invalid("file", format!("1 to {MAX_ATTACHMENT} bytes")));
        }
        check_len("media_type", media_type, 100)?;
        self.filed_by_actor(actor, id, "report.attach").await?;
        let now = Timestamp::now();
        let sha = hex_sha256(content);
        let mut tx = self.begin().await?;
        let n = Sql::new(COUNT_ATTACHMENTS)
            .bind(id)
            .fetch_one(&mut tx)
            .await?
            .i64("n")?;
        if n >= MAX_ATTACHMENTS {
            return Err(invalid(
                "file",
                format!("at most {MAX_ATTACHMENTS} files a report"),
            ));
        }
        let att = Sql::new(INSERT_ATTACHMENT)
            .bind(id)
            .bind(name.trim())
            .bind(media_type)
            .bind(content.len() as i64)
            .bind(&sha)
            .bind(BASE64.encode(content))
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(now.0)
            .fetch_one(&mut tx)
            .await?
            .i64("id")?;
        let detail = format!("attachment {att} {media_type} sha256 {sha}");
        append(
            &mut tx,
            actor,
            "report.attach",
            &format!("report:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Attachment {
            id: att,
            report_id: id,
            name: name.trim().to_owned(),
            media_type: media_type.to_owned(),
            size: content.len() as i64,
            sha256: sha,
            content: Vec::new(),
            added_at: now,
        })
    }

    async fn load_filed(&self, actor: &Actor, batch: &[super::FiledIncident]) -> Result<u64> {
        self.load_filed_batch(actor, batch).await
    }

    async fn bind_recipient(
        &self,
        actor: &Actor,
        profile: &str,
        recipient: &str,
        org: OrgId,
    ) -> Result<()> {
        check_id("profile", profile)?;
        check_id("recipient", recipient)?;
        if !platform_admin(actor) {
            let why = "only platform administrators bind recipients";
            return Err(self
                .deny(actor, "report.bind", "report_bindings", why)
                .await);
        }
        let mut tx = self.begin().await?;
        if !exists(&mut tx, ORG_EXISTS, org.0).await? {
            return Err(invalid("org", format!("no organisation {org}")));
        }
        Sql::new(BIND)
            .bind(profile)
            .bind(recipient)
            .bind(org.0)
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await?;
        let object = format!("report_bindings:{profile}");
        append(
            &mut tx,
            actor,
            "report.bind",
            &object,
            &format!("{recipient} org:{org}"),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    async fn record_reminder(
        &self,
        actor: &Actor,
        report: i64,
        stage: &str,
        kind: &str,
    ) -> Result<bool> {
        if !actor.system {
            let why = "only the server's reminder sweep records reminders";
            return Err(self.deny(actor, "report.remind", "report", why).await);
        }
        check_id("stage", stage)?;
        check_id("kind", kind)?;
        let mut tx = self.begin().await?;
        let n = Sql::new(RECORD_REMINDER)
            .bind(report)
            .bind(stage)
            .bind(kind)
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await?;
        if n > 0 {
            let detail = format!("{stage} {kind}");
            append(
                &mut tx,
                actor,
                "report.remind",
                &format!("report:{report}"),
                &detail,
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(n > 0)
    }

    // Reads, thread and queue: `read.rs` and `coord.rs`.
    async fn incident(&self, actor: &Actor, id: i64) -> Result<Incident> {
        self.read_incident(actor, id).await
    }
    async fn incident_reports(&self, actor: &Actor, incident: i64) -> Result<Vec<Report>> {
        self.read_incident_reports(actor, incident).await
    }
    async fn report(&self, actor: &Actor, id: i64) -> Result<Report> {
        self.read_report(actor, id).await
    }
    async fn report_case(&self, actor: &Actor, id: i64) -> Result<super::QueueRow> {
        self.read_case(actor, id).await
    }
    async fn report_versions(&self, actor: &Actor, id: i64) -> Result<Vec<ReportVersion>> {
        self.read_versions(actor, id).await
    }
    async fn report_version(&self, actor: &Actor, id: i64, version: i64) -> Result<ReportVersion> {
        self.read_version(actor, id, version).await
    }
    async fn report_indicators(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<super::ReportIndicator>> {
        self.read_indicators(actor, id).await
    }
    async fn attachments(&self, actor: &Actor, id: i64) -> Result<Vec<Attachment>> {
        self.read_attachments(actor, id).await
    }
    async fn attachment(&self, actor: &Actor, id: i64, attachment: i64) -> Result<Attachment> {
        self.read_attachment(actor, id, attachment).await
    }
    async fn own_reports(
        &self,
        actor: &Actor,
        filter: &super::QueueFilter,
    ) -> Result<super::QueuePage> {
        self.page(actor, filter, false).await
    }
    async fn queue(&self, actor: &Actor, filter: &super::QueueFilter) -> Result<super::QueuePage> {
        self.page(actor, filter, true).await
    }
    async fn set_state(&self, actor: &Actor, id: i64, state: super::ReportState) -> Result<()> {
        self.change_state(actor, id, state).await
    }
    async fn post_message(&self, actor: &Actor, id: i64, body: &str) -> Result<super::Message> {
        self.add_message(actor, id, body).await
    }
    async fn messages(&self, actor: &Actor, id: i64) -> Result<Vec<super::Message>> {
        self.read_messages(actor, id).await
    }
    async fn add_task(
        &self,
        actor: &Actor,
        id: i64,
        title: &str,
        owner: Option<renkei_core::UserId>,
    ) -> Result<super::Task> {
        self.insert_task(actor, id, title, owner).await
    }
    async fn set_task_done(
        &self,
        actor: &Actor,
        id: i64,
        task: i64,
        done: bool,
    ) -> Result<super::Task> {
        self.finish_task(actor, id, task, done).await
    }
    async fn tasks(&self, actor: &Actor, id: i64) -> Result<Vec<super::Task>> {
        self.read_tasks(actor, id).await
    }
    async fn timeline(&self, actor: &Actor, id: i64) -> Result<Vec<super::TimelineEntry>> {
        self.read_timeline(actor, id).await
    }
    async fn recipient_bindings(&self) -> Result<Vec<(String, String, OrgId)>> {
        self.read_bindings().await
    }
    async fn reports_due(
        &self,
        actor: &Actor,
        from: Timestamp,
        before: Timestamp,
        limit: i64,
    ) -> Result<Vec<super::OpenReport>> {
        self.read_due(actor, from, before, limit).await
    }
}
