//! Reading reports: one report, its versions and files, an incident, the
//! reminder sweep. Every query applies the report rule ([`readable!`]) and
//! every read is audited.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use renkei_core::{Actor, OrgId, Timestamp, UserId, receives_reports};

use super::{
    Attachment, Consent, Incident, OpenReport, Recipient, Report, ReportState, ReportVersion,
};
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// `renkei_core::can_read_report` in SQL, over `reports r`: `$1` the
/// viewer's organisation (NULL for none: equal to nothing), `$2` whether
/// its role reads what the organisation receives. The store's property
/// test proves the two agree.
macro_rules! readable {
    () => {
        "(r.org_id = $1 OR ($2 AND r.latest_version > 0 AND EXISTS (
            SELECT 1 FROM report_recipients x
            WHERE x.report_id = r.id AND x.org_id = $1 AND x.ended_at IS NULL)))"
    };
}

/// The columns [`report_row`] reads, over `reports r` and `organisations o`.
macro_rules! report_select {
    () => {
        "SELECT r.id, r.org_id, o.name_ja AS org_name, r.incident_id, r.profile_id,
                r.notice_id, r.title, r.state, r.sector, r.consent_national,
                r.consent_sanitised, r.latest_version, r.draft, r.draft_at,
                r.next_due_at, r.last_activity_at, r.created_at
         FROM reports r JOIN organisations o ON o.id = r.org_id "
    };
}
pub(super) use report_select;

const REPORT: &str = concat!(report_select!(), "WHERE r.id = $3 AND ", readable!());

const INCIDENT_REPORTS: &str = concat!(
    report_select!(),
    "WHERE r.incident_id = $3 AND ",
    readable!(),
    " ORDER BY r.id"
);

const RECIPIENTS: &str = "
    SELECT org_id, reason FROM report_recipients
    WHERE report_id = $1 AND ended_at IS NULL
    ORDER BY org_id, reason";

/// The incident, to its organisation or to a recipient of one of its reports.
const INCIDENT: &str = concat!(
    "SELECT i.id, i.org_id, i.title, i.aware_at, i.facts, i.common, i.created_at, i.updated_at
     FROM incidents i
     WHERE i.id = $3 AND (i.org_id = $1 OR EXISTS (
        SELECT 1 FROM reports r WHERE r.incident_id = i.id AND ",
    readable!(),
    "))"
);

const INCIDENT_EXISTS: &str = "SELECT 1 AS one FROM incidents WHERE id = $1";
const REPORT_EXISTS: &str = "SELECT 1 AS one FROM reports WHERE id = $1";

const VERSIONS: &str = concat!(
    "SELECT v.report_id, v.version, v.stage_id, v.form_id, '' AS body, v.sha256, v.note,
            v.submitted_by, v.submitted_at
     FROM reports r JOIN report_versions v ON v.report_id = r.id
     WHERE r.id = $3 AND ",
    readable!(),
    " ORDER BY v.version"
);

const VERSION: &str = concat!(
    "SELECT v.report_id, v.version, v.stage_id, v.form_id, v.body, v.sha256, v.note,
            v.submitted_by, v.submitted_at
     FROM reports r JOIN report_versions v ON v.report_id = r.id
     WHERE r.id = $3 AND v.version = $4 AND ",
    readable!()
);

const ATTACHMENTS: &str = concat!(
    "SELECT a.id, a.report_id, a.name, a.media_type, a.size, a.sha256, '' AS content, a.added_at
     FROM reports r JOIN report_attachments a ON a.report_id = r.id
     WHERE r.id = $3 AND ",
    readable!(),
    " ORDER BY a.id"
);

const ATTACHMENT: &str = concat!(
    "SELECT a.id, a.report_id, a.name, a.media_type, a.size, a.sha256, a.content, a.added_at
     FROM reports r JOIN report_attachments a ON a.report_id = r.id
     WHERE r.id = $3 AND a.id = $4 AND ",
    readable!()
);

/// The latest version's indicators, each with the number of other
/// reports the viewer may read that name it.
const INDICATORS: &str = concat!(
    "SELECT i.kind, i.value, (
        SELECT COUNT(DISTINCT r.id) FROM report_indicators j
        JOIN reports r ON r.id = j.report_id
        WHERE j.kind = i.kind AND j.value = i.value AND j.report_id <> i.report_id AND ",
    readable!(),
    ") AS others
     FROM report_indicators i
     WHERE i.report_id = $3
       AND i.version = (SELECT latest_version FROM reports WHERE id = $3)
     ORDER BY i.kind, i.value"
);

const BINDINGS: &str = "
    SELECT profile_id, recipient_id, org_id FROM report_bindings
    ORDER BY profile_id, recipient_id, org_id";

/// Reports whose earliest open deadline falls in [`$3`, `$1`), the most
/// urgent first (index `reports_due`).
const DUE: &str = concat!(
    report_select!(),
    "WHERE r.next_due_at >= $3 AND r.next_due_at < $1
     ORDER BY r.next_due_at, r.id LIMIT $2"
);

/// Each stage's first submission, for the reports named in `{}`.
pub(super) const FIRST_SUBMISSIONS: &str = "
    SELECT report_id, stage_id, MIN(submitted_at) AS at FROM report_versions
    WHERE stage_id IS NOT NULL AND report_id IN ({})
    GROUP BY report_id, stage_id";

const REMINDED: &str = "
    SELECT report_id, stage_id, kind FROM report_reminders WHERE report_id IN ({})";

/// The incidents named in `{}`, whole (the reminder sweep, the queue).
pub(super) const INCIDENTS_IN: &str = "
    SELECT id, org_id, title, aware_at, facts, common, created_at, updated_at
    FROM incidents WHERE id IN ({})";

/// The viewer's `$1` and `$2`.
pub(super) fn binds(actor: &Actor) -> (Option<i64>, bool) {
    (
        actor.viewer.org.map(|o| o.0),
        receives_reports(&actor.viewer),
    )
}

fn ts(r: &impl RowExt, col: &str) -> Result<Timestamp> {
    r.i64(col).map(Timestamp)
}

fn opt_ts(r: &impl RowExt, col: &str) -> Result<Option<Timestamp>> {
    Ok(r.opt_i64(col)?.map(Timestamp))
}

/// A report row; the draft only for `viewer_org`'s own reports.
pub(super) fn report_row(r: &impl RowExt, viewer_org: Option<i64>) -> Result<Report> {
    let org = r.i64("org_id")?;
    let state = r.text("state")?;
    let state = ReportState::parse(&state).map_err(|e| StoreError::Corrupt {
        table: "reports",
        message: e.to_string(),
    })?;
    let own = viewer_org == Some(org);
    Ok(Report {
        id: r.i64("id")?,
        org: OrgId(org),
        org_name: r.text("org_name")?,
        incident_id: r.opt_i64("incident_id")?,
        profile_id: r.text("profile_id")?,
        notice_id: r.opt_text("notice_id")?,
        title: r.text("title")?,
        state,
        sector: r.opt_text("sector")?,
        consent: Consent {
            national: r.boolean("consent_national")?,
            sanitised: r.boolean("consent_sanitised")?,
        },
        latest_version: r.i64("latest_version")?,
        draft: if own { r.opt_text("draft")? } else { None },
        draft_at: if own { opt_ts(r, "draft_at")? } else { None },
        next_due_at: opt_ts(r, "next_due_at")?,
        last_activity_at: ts(r, "last_activity_at")?,
        created_at: ts(r, "created_at")?,
        recipients: Vec::new(),
    })
}

pub(super) fn incident_row(r: &impl RowExt, full: bool) -> Result<Incident> {
    Ok(Incident {
        id: r.i64("id")?,
        org: OrgId(r.i64("org_id")?),
        title: r.text("title")?,
        aware_at: opt_ts(r, "aware_at")?,
        facts: r.text("facts")?,
        // The common description is the reporter's working text; recipients
        // read what each regime's submitted versions say.
        common: if full { r.text("common")? } else { "{}".into() },
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

fn version_row(r: &impl RowExt) -> Result<ReportVersion> {
    Ok(ReportVersion {
        report_id: r.i64("report_id")?,
        version: r.i64("version")?,
        stage_id: r.opt_text("stage_id")?,
        form_id: r.text("form_id")?,
        body: r.text("body")?,
        sha256: r.text("sha256")?,
        note: r.text("note")?,
        submitted_by: r.opt_i64("submitted_by")?.map(UserId),
        submitted_at: ts(r, "submitted_at")?,
    })
}

fn attachment_row(r: &impl RowExt) -> Result<Attachment> {
    let content = r.text("content")?;
    let content = BASE64.decode(content).map_err(|e| StoreError::Corrupt {
        table: "report_attachments",
        message: e.to_string(),
    })?;
    Ok(Attachment {
        id: r.i64("id")?,
        report_id: r.i64("report_id")?,
        name: r.text("name")?,
        media_type: r.text("media_type")?,
        size: r.i64("size")?,
        sha256: r.text("sha256")?,
        content,
        added_at: ts(r, "added_at")?,
    })
}

/// `$1, $2, …` for `n` values bound from `first`.
pub(super) fn placeholders(sql: &mut Sql<'_>, ids: &[i64]) -> String {
    ids.iter()
        .map(|id| sql.p(*id))
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// `NotFound` for a report the actor may not read, a refusal recorded
    /// when it exists.
    pub(super) async fn not_readable(&self, actor: &Actor, id: i64, action: &str) -> StoreError {
        let found = Sql::new(REPORT_EXISTS).bind(id).fetch_optional(self).await;
        match found {
            Ok(Some(_)) => {
                let object = format!("report:{id}");
                let _ = self.deny(actor, action, &object, "not addressed").await;
                StoreError::NotFound("report")
            }
            Ok(None) => StoreError::NotFound("report"),
            Err(e) => e.into(),
        }
    }

    pub(super) async fn read_report(&self, actor: &Actor, id: i64) -> Result<Report> {
        let (o, rr) = binds(actor);
        let row = Sql::new(REPORT)
            .bind(o)
            .bind(rr)
            .bind(id)
            .fetch_optional(self)
            .await?;
        let Some(row) = row else {
            return Err(self.not_readable(actor, id, "report.read").await);
        };
        let mut report = report_row(&row, o)?;
        report.recipients = Sql::new(RECIPIENTS)
            .bind(id)
            .fetch_all(self)
            .await?
            .iter()
            .map(|r| {
                Ok(Recipient {
                    org: OrgId(r.i64("org_id")?),
                    reason: r.text("reason")?,
                })
            })
            .collect::<Result<_>>()?;
        let object = format!("report:{id}");
        let detail = format!("version {}", report.latest_version);
        self.audit
            .read(None, actor, "report.read", &object, &detail)
            .await?;
        Ok(report)
    }

    pub(super) async fn read_case(&self, actor: &Actor, id: i64) -> Result<super::QueueRow> {
        let report = self.read_report(actor, id).await?;
        let (incidents, submitted) = self.clock_inputs(std::slice::from_ref(&report)).await?;
        let own = actor.viewer.org == Some(report.org);
        let incident = incidents.into_iter().next().map(|mut i| {
            if !own {
                i.common = "{}".into();
            }
            i
        });
        let submitted = submitted.into_iter().map(|(_, s, t)| (s, t)).collect();
        Ok(super::QueueRow {
            report,
            incident,
            submitted,
        })
    }

    pub(super) async fn read_incident(&self, actor: &Actor, id: i64) -> Result<Incident> {
        let (o, rr) = binds(actor);
        let row = Sql::new(INCIDENT)
            .bind(o)
            .bind(rr)
            .bind(id)
            .fetch_optional(self)
            .await?;
        let Some(row) = row else {
            let found = Sql::new(INCIDENT_EXISTS)
                .bind(id)
                .fetch_optional(self)
                .await?;
            if found.is_some() {
                let object = format!("incident:{id}");
                let _ = self
                    .deny(actor, "incident.read", &object, "not addressed")
                    .await;
            }
            return Err(StoreError::NotFound("incident"));
        };
        let full = o == Some(row.i64("org_id")?);
        let incident = incident_row(&row, full)?;
        let object = format!("incident:{id}");
        self.audit
            .read(None, actor, "incident.read", &object, "")
            .await?;
        Ok(incident)
    }

    pub(super) async fn read_incident_reports(
        &self,
        actor: &Actor,
        incident: i64,
    ) -> Result<Vec<Report>> {
        let (o, rr) = binds(actor);
        let rows = Sql::new(INCIDENT_REPORTS)
            .bind(o)
            .bind(rr)
            .bind(incident)
            .fetch_all(self)
            .await?;
        let reports = rows
            .iter()
            .map(|r| report_row(r, o))
            .collect::<Result<Vec<_>>>()?;
        let ids = reports.iter().map(|r| format!("report:{}", r.id)).collect();
        let object = format!("incident:{incident}");
        let summary = format!("{} reports", reports.len());
        if !reports.is_empty() {
            self.audit
                .read_listing(None, actor, "report.list", &object, &summary, ids)
                .await?;
        }
        Ok(reports)
    }

    pub(super) async fn read_versions(&self, actor: &Actor, id: i64) -> Result<Vec<ReportVersion>> {
        // Through the report: its existence and the actor's right to it
        // decide, not whether any version is there yet.
        self.read_report(actor, id).await?;
        let (o, rr) = binds(actor);
        let rows = Sql::new(VERSIONS)
            .bind(o)
            .bind(rr)
            .bind(id)
            .fetch_all(self)
            .await?;
        rows.iter().map(version_row).collect()
    }

    pub(super) async fn read_version(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<ReportVersion> {
        let (o, rr) = binds(actor);
        let row = Sql::new(VERSION)
            .bind(o)
            .bind(rr)
            .bind(id)
            .bind(version)
            .fetch_optional(self)
            .await?;
        let Some(row) = row else {
            // A version that does not exist of a readable report is as
            // missing as a report that is not readable.
            let _ = self.not_readable(actor, id, "report.read").await;
            return Err(StoreError::NotFound("report version"));
        };
        let v = version_row(&row)?;
        let object = format!("report:{id}");
        let detail = format!("version {version} sha256 {}", v.sha256);
        self.audit
            .read(None, actor, "report.read", &object, &detail)
            .await?;
        Ok(v)
    }

    pub(super) async fn read_attachments(&self, actor: &Actor, id: i64) -> Result<Vec<Attachment>> {
        self.read_report(actor, id).await?;
        let (o, rr) = binds(actor);
        let rows = Sql::new(ATTACHMENTS)
            .bind(o)
            .bind(rr)
            .bind(id)
            .fetch_all(self)
            .await?;
        rows.iter().map(attachment_row).collect()
    }

    pub(super) async fn read_attachment(
        &self,
        actor: &Actor,
        id: i64,
        attachment: i64,
    ) -> Result<Attachment> {
        let (o, rr) = binds(actor);
        let row = Sql::new(ATTACHMENT)
            .bind(o)
            .bind(rr)
            .bind(id)
            .bind(attachment)
            .fetch_optional(self)
            .await?;
        let Some(row) = row else {
            let _ = self.not_readable(actor, id, "report.read").await;
            return Err(StoreError::NotFound("attachment"));
        };
        let a = attachment_row(&row)?;
        let object = format!("report:{id}");
        let detail = format!("attachment {attachment} sha256 {}", a.sha256);
        self.audit
            .read(None, actor, "report.read", &object, &detail)
            .await?;
        Ok(a)
    }

    pub(super) async fn read_indicators(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<super::ReportIndicator>> {
        self.read_report(actor, id).await?;
        let (o, rr) = binds(actor);
        let rows = Sql::new(INDICATORS)
            .bind(o)
            .bind(rr)
            .bind(id)
            .fetch_all(self)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(super::ReportIndicator {
                    kind: r.text("kind")?,
                    value: r.text("value")?,
                    other_reports: r.i64("others")?,
                })
            })
            .collect()
    }

    pub(super) async fn read_bindings(&self) -> Result<Vec<(String, String, OrgId)>> {
        let rows = Sql::new(BINDINGS).fetch_all(self).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.text("profile_id")?,
                    r.text("recipient_id")?,
                    OrgId(r.i64("org_id")?),
                ))
            })
            .collect()
    }

    pub(super) async fn read_due(
        &self,
        actor: &Actor,
        from: Timestamp,
        before: Timestamp,
        limit: i64,
    ) -> Result<Vec<OpenReport>> {
        if !actor.system {
            let why = "only the server's reminder sweep lists every report";
            return Err(self.deny(actor, "report.list", "reports", why).await);
        }
        let rows = Sql::new(DUE)
            .bind(before.0)
            .bind(limit.clamp(1, 1000))
            .bind(from.0)
            .fetch_all(self)
            .await?;
        let reports = rows
            .iter()
            .map(|r| report_row(r, None))
            .collect::<Result<Vec<_>>>()?;
        let (incidents, submitted) = self.clock_inputs(&reports).await?;
        let ids: Vec<i64> = reports.iter().map(|r| r.id).collect();
        let mut reminded: Vec<(i64, String, String)> = Vec::new();
        if !ids.is_empty() {
            let mut q = Sql::built(String::new());
            let ps = placeholders(&mut q, &ids);
            q.push(&REMINDED.replace("{}", &ps));
            for r in q.fetch_all(self).await? {
                reminded.push((r.i64("report_id")?, r.text("stage_id")?, r.text("kind")?));
            }
        }
        let out = reports
            .into_iter()
            .map(|report| {
                let incident = report
                    .incident_id
                    .and_then(|i| incidents.iter().find(|x| x.id == i).cloned());
                let submitted = submitted
                    .iter()
                    .filter(|(r, _, _)| *r == report.id)
                    .map(|(_, s, t)| (s.clone(), *t))
                    .collect();
                let reminded = reminded
                    .iter()
                    .filter(|(r, _, _)| *r == report.id)
                    .map(|(_, s, k)| (s.clone(), k.clone()))
                    .collect();
                OpenReport {
                    report,
                    incident,
                    submitted,
                    reminded,
                }
            })
            .collect();
        Ok(out)
    }

    /// What the clocks of `reports` run on: their incidents (whole: the
    /// caller decides what to show) and each stage's first submission.
    #[allow(clippy::type_complexity)]
    pub(super) async fn clock_inputs(
        &self,
        reports: &[Report],
    ) -> Result<(Vec<Incident>, Vec<(i64, String, Timestamp)>)> {
        let mut incident_ids: Vec<i64> = reports.iter().filter_map(|r| r.incident_id).collect();
        incident_ids.sort_unstable();
        incident_ids.dedup();
        let mut incidents = Vec::new();
        if !incident_ids.is_empty() {
            let mut q = Sql::built(String::new());
            let ps = placeholders(&mut q, &incident_ids);
            q.push(&INCIDENTS_IN.replace("{}", &ps));
            for r in q.fetch_all(self).await? {
                incidents.push(incident_row(&r, true)?);
            }
        }
        let ids: Vec<i64> = reports.iter().map(|r| r.id).collect();
        let mut submitted = Vec::new();
        if !ids.is_empty() {
            let mut q = Sql::built(String::new());
            let ps = placeholders(&mut q, &ids);
            q.push(&FIRST_SUBMISSIONS.replace("{}", &ps));
            for r in q.fetch_all(self).await? {
                submitted.push((r.i64("report_id")?, r.text("stage_id")?, ts(&r, "at")?));
            }
        }
        Ok((incidents, submitted))
    }
}
