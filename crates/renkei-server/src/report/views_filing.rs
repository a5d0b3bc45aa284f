//! What the filing and coordinator endpoints answer.

use renkei_report::{Clock, Profile};
use renkei_store::reports::{
    Attachment, Incident, Message, Report, ReportVersion, Task, TimelineEntry,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::views::{ClockView, clock};

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    /// Shared with the national office.
    pub national: bool,
    /// May be used, without the reporter's identity, in alerts to others.
    pub sanitised: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRecipientView {
    pub org_id: i64,
    /// `recipient:<the profile's recipient id>` or `national-office`.
    pub reason: String,
}

/// A report (or notice) with its clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub incident_id: Option<i64>,
    pub profile: String,
    /// The profile's notice id, for a notice.
    pub notice: Option<String>,
    pub title: String,
    /// `received`, `analysing`, `waiting` or `closed`.
    pub state: String,
    pub sector: Option<String>,
    pub consent: ConsentView,
    /// 0 before the first submission.
    pub latest_version: i64,
    /// The autosaved draft (`{"stage", "form", "values"}`): the reporting
    /// organisation's only.
    #[schema(value_type = Option<Object>)]
    pub draft: Option<Value>,
    pub draft_at: Option<String>,
    /// The earliest open deadline.
    pub next_due: Option<String>,
    pub recipients: Vec<ReportRecipientView>,
    pub clocks: Vec<ClockView>,
    pub created_at: String,
    pub last_activity_at: String,
}

pub(crate) fn report(r: Report, profile: Option<&Profile>, clocks: &[Clock]) -> ReportView {
    ReportView {
        id: r.id,
        org_id: r.org.0,
        org_name: r.org_name,
        incident_id: r.incident_id,
        profile: r.profile_id,
        notice: r.notice_id,
        title: r.title,
        state: r.state.as_str().into(),
        sector: r.sector,
        consent: ConsentView {
            national: r.consent.national,
            sanitised: r.consent.sanitised,
        },
        latest_version: r.latest_version,
        draft: r.draft.and_then(|d| serde_json::from_str(&d).ok()),
        draft_at: r.draft_at.map(|t| t.to_rfc3339()),
        next_due: r.next_due_at.map(|t| t.to_rfc3339()),
        recipients: r
            .recipients
            .into_iter()
            .map(|x| ReportRecipientView {
                org_id: x.org.0,
                reason: x.reason,
            })
            .collect(),
        clocks: profile.map_or_else(Vec::new, |p| clocks.iter().map(|c| clock(p, c)).collect()),
        created_at: r.created_at.to_rfc3339(),
        last_activity_at: r.last_activity_at.to_rfc3339(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub awareness: Option<String>,
    /// Named events and when they happened.
    #[schema(value_type = Object)]
    pub events: Value,
    #[schema(value_type = Vec<String>)]
    pub conditions: Value,
    /// The common description (the reporting organisation's only).
    #[schema(value_type = Object)]
    pub common: Value,
    pub reports: Vec<ReportView>,
    /// Each regime's forms pre-filled from the common description.
    #[schema(value_type = Vec<Object>)]
    pub prefilled: Value,
    pub created_at: String,
    pub updated_at: String,
}

pub(crate) fn incident(i: &Incident, reports: Vec<ReportView>, prefilled: Value) -> IncidentView {
    let facts: Value = serde_json::from_str(&i.facts).unwrap_or(Value::Null);
    IncidentView {
        id: i.id,
        org_id: i.org.0,
        title: i.title.clone(),
        awareness: i.aware_at.map(|t| t.to_rfc3339()),
        events: facts["events"].clone(),
        conditions: facts["conditions"].clone(),
        common: serde_json::from_str(&i.common).unwrap_or(Value::Null),
        reports,
        prefilled,
        created_at: i.created_at.to_rfc3339(),
        updated_at: i.updated_at.to_rfc3339(),
    }
}

/// A submitted version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub report_id: i64,
    pub version: i64,
    pub stage: Option<String>,
    pub form: String,
    /// SHA-256 of the stored body, hex.
    pub sha256: String,
    pub note: String,
    pub submitted_by: Option<i64>,
    pub submitted_at: String,
    /// The form's values exactly as kept (in one version's answer only).
    #[schema(value_type = Option<Object>)]
    pub values: Option<Value>,
    /// The stored bytes, whose SHA-256 is `sha256` (one version only).
    pub body: Option<String>,
}

pub(crate) fn version(v: ReportVersion, with_body: bool) -> VersionView {
    VersionView {
        report_id: v.report_id,
        version: v.version,
        stage: v.stage_id,
        form: v.form_id,
        sha256: v.sha256,
        note: v.note,
        submitted_by: v.submitted_by.map(|u| u.0),
        submitted_at: v.submitted_at.to_rfc3339(),
        values: with_body.then(|| serde_json::from_str(&v.body).unwrap_or(Value::Null)),
        body: with_body.then_some(v.body),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    /// What the content is, found from its bytes.
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_at: String,
}

pub(crate) fn attachment(a: Attachment) -> AttachmentView {
    AttachmentView {
        id: a.id,
        name: a.name,
        media_type: a.media_type,
        size: a.size,
        sha256: a.sha256,
        added_at: a.added_at.to_rfc3339(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub author_org_id: i64,
    /// The author's e-mail address.
    pub author: String,
    pub body: String,
    pub created_at: String,
}

pub(crate) fn message(m: Message) -> MessageView {
    MessageView {
        id: m.id,
        author_org_id: m.author_org.0,
        author: m.author,
        body: m.body,
        created_at: m.created_at.to_rfc3339(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub owner: Option<i64>,
    pub owner_email: Option<String>,
    pub done: bool,
    pub done_at: Option<String>,
    pub created_at: String,
}

pub(crate) fn task(t: Task) -> TaskView {
    TaskView {
        id: t.id,
        title: t.title,
        owner: t.owner.map(|u| u.0),
        owner_email: t.owner_email,
        done: t.done_at.is_some(),
        done_at: t.done_at.map(|d| d.to_rfc3339()),
        created_at: t.created_at.to_rfc3339(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub at: String,
    /// `created`, `version`, `message`, `task`, `task-done`, `state`,
    /// `consent`, `attachment`.
    pub kind: String,
    pub who: String,
    pub what: String,
}

pub(crate) fn timeline(e: TimelineEntry) -> TimelineView {
    TimelineView {
        at: e.at.to_rfc3339(),
        kind: e.kind.into(),
        who: e.who,
        what: e.what,
    }
}

/// A page of reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub reports: Vec<ReportView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}
