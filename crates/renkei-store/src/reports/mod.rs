//! Incident reports and notices: an incident described once, one report
//! per regime it is filed under, each submission an immutable version with
//! its SHA-256, the reporter's consent, and what the recipients do with it
//! (state, thread, tasks, timeline). Reports are addressed, not marked:
//! `renkei_core::can_read_report` decides who reads one, and its SQL twin
//! (`read.rs`, `readable!`) is in every query that reads them. Form contents are
//! checked by the server against the profile (`renkei-report`) before they
//! reach the store; the store keeps the bytes it is given and their hash.

mod bulk;
mod coord;
mod held;
mod read;
mod write;

use async_trait::async_trait;
use renkei_core::{Actor, IndicatorValue, OrgId, ParseError, Timestamp, UserId};

use crate::Result;

pub use bulk::{FiledIncident, FiledReport, MAX_LOAD};
pub use coord::{QueueFilter, QueueOrder, QueuePage, QueueRow};

/// The longest title of an incident or report, in characters.
pub const MAX_TITLE: usize = 200;
/// The largest version body (the form's values as JSON), in bytes.
pub const MAX_BODY: usize = 256 * 1024;
/// The largest facts or common description (JSON), in bytes.
pub const MAX_FACTS: usize = 64 * 1024;
/// The longest amendment note or thread message, in characters.
pub const MAX_MESSAGE: usize = 8_000;
/// Regimes one incident may be filed under.
pub const MAX_REPORTS_PER_INCIDENT: usize = 16;
/// The largest attachment, in bytes.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;
/// Attachments one report may hold.
pub const MAX_ATTACHMENTS: i64 = 20;
/// Versions one report may hold (amendments are rare; this bounds a loop).
pub const MAX_VERSIONS: i64 = 500;
/// Indicators one version may name.
pub const MAX_INDICATORS: usize = 1_000;
/// Messages or tasks one report may hold.
pub const MAX_THREAD: i64 = 2_000;

/// How the recipients handle a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportState {
    Received,
    Analysing,
    /// Waiting for the reporter's answer.
    Waiting,
    Closed,
}

impl ReportState {
    pub const ALL: [ReportState; 4] = [
        ReportState::Received,
        ReportState::Analysing,
        ReportState::Waiting,
        ReportState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Received => "received",
            ReportState::Analysing => "analysing",
            ReportState::Waiting => "waiting",
            ReportState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new("state", "one of received, analysing, waiting, closed")
                    .with_code("choice-unknown", &[("value", s.trim())])
            })
    }
}

/// What the reporter allows beyond the report's recipients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Consent {
    /// Shared with the national office (the organisations bound as a
    /// profile's `national-office` recipient).
    pub national: bool,
    /// Used, without the reporter's identity, in alerts to others.
    pub sanitised: bool,
}

/// One regime to file an incident under (or a notice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub profile_id: String,
    /// The profile's notice id, for a notice.
    pub notice_id: Option<String>,
    pub title: String,
    pub consent: Consent,
    /// The earliest open deadline, as the server computed it.
    pub next_due_at: Option<Timestamp>,
}

/// An incident as its organisation first describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub org: OrgId,
    pub title: String,
    pub aware_at: Option<Timestamp>,
    /// JSON: `{"events": {name: RFC 3339}, "conditions": [name]}`.
    pub facts: String,
    /// JSON: the common description.
    pub common: String,
    pub reports: Vec<NewReport>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: i64,
    pub org: OrgId,
    pub title: String,
    pub aware_at: Option<Timestamp>,
    pub facts: String,
    pub common: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An organisation a report is addressed to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub org: OrgId,
    /// `recipient:<profile recipient id>` or `national-office`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub org: OrgId,
    pub org_name: String,
    pub incident_id: Option<i64>,
    pub profile_id: String,
    pub notice_id: Option<String>,
    pub title: String,
    pub state: ReportState,
    pub sector: Option<String>,
    pub consent: Consent,
    /// 0 before the first submission.
    pub latest_version: i64,
    /// The autosaved draft (JSON); `None` for anyone but the reporting
    /// organisation.
    pub draft: Option<String>,
    pub draft_at: Option<Timestamp>,
    pub next_due_at: Option<Timestamp>,
    pub last_activity_at: Timestamp,
    pub created_at: Timestamp,
    pub recipients: Vec<Recipient>,
}

/// A submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// The stage submitted (`None` for a notice).
    pub stage_id: Option<String>,
    pub form_id: String,
    /// The form's values, JSON, exactly as they are to be kept.
    pub body: String,
    /// What changed, for an amendment.
    pub note: String,
    /// The earliest open deadline once this version is in.
    pub next_due_at: Option<Timestamp>,
    /// The indicators it names (at most [`MAX_INDICATORS`]), for
    /// correlation with other reports.
    pub indicators: Vec<IndicatorValue>,
}

/// An indicator of a report, and how many other reports the reader may
/// read name it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportIndicator {
    pub kind: String,
    pub value: String,
    pub other_reports: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVersion {
    pub report_id: i64,
    pub version: i64,
    pub stage_id: Option<String>,
    pub form_id: String,
    /// Empty in version lists; the bytes in [`ReportStore::report_version`].
    pub body: String,
    pub sha256: String,
    pub note: String,
    pub submitted_by: Option<UserId>,
    pub submitted_at: Timestamp,
}

/// A message of a report's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub report_id: i64,
    pub author_user: Option<UserId>,
    pub author_org: OrgId,
    /// The author's e-mail address.
    pub author: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// A recipient organisation's task on a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub report_id: i64,
    pub org: OrgId,
    pub title: String,
    pub owner: Option<UserId>,
    /// The owner's e-mail address.
    pub owner_email: Option<String>,
    pub done_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A file attached to a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub report_id: i64,
    pub name: String,
    /// What the content is (checked by the server from the bytes).
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    /// Empty in lists.
    pub content: Vec<u8>,
    pub added_at: Timestamp,
}

/// One line of a report's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Timestamp,
    /// `version`, `message`, `task`, `task-done`, `state`, `consent`,
    /// `attachment`, `created`.
    pub kind: &'static str,
    /// Who: an e-mail address, or empty.
    pub who: String,
    /// What, in the record's own words (version number and stage, the
    /// message, the task, the state, the consent).
    pub what: String,
}

/// A report waiting for a reminder sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    pub report: Report,
    pub incident: Option<Incident>,
    /// Each stage's first submission.
    pub submitted: Vec<(String, Timestamp)>,
    /// Reminders already sent: (stage, kind).
    pub reminded: Vec<(String, String)>,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Records an incident and one report per regime (in one transaction);
    /// each report is addressed to the organisations bound to its profile's
    /// recipients, and to the national office if the reporter consented.
    async fn open_incident(
        &self,
        actor: &Actor,
        new: NewIncident,
    ) -> Result<(Incident, Vec<Report>)>;
    /// Files the incident under one more regime.
    async fn add_report(&self, actor: &Actor, incident: i64, new: NewReport) -> Result<Report>;
    /// A notice (no incident, no clock).
    async fn open_notice(&self, actor: &Actor, org: OrgId, new: NewReport) -> Result<Report>;
    /// Changes the incident's facts and description (the reporting
    /// organisation only); `next_due` gives each of its reports' new
    /// earliest open deadline.
    async fn update_incident(
        &self,
        actor: &Actor,
        incident: i64,
        aware_at: Option<Timestamp>,
        facts: &str,
        common: &str,
        next_due: &[(i64, Option<Timestamp>)],
    ) -> Result<Incident>;
    async fn incident(&self, actor: &Actor, id: i64) -> Result<Incident>;
    /// The incident's reports the actor may read.
    async fn incident_reports(&self, actor: &Actor, incident: i64) -> Result<Vec<Report>>;
    /// Keeps the reporter's draft (JSON of at most [`MAX_BODY`] bytes).
    async fn save_draft(&self, actor: &Actor, report: i64, draft: &str) -> Result<Timestamp>;
    /// Adds a version: the body's bytes and SHA-256 kept for good.
    async fn submit_version(
        &self,
        actor: &Actor,
        report: i64,
        v: NewVersion,
    ) -> Result<ReportVersion>;
    /// `NotFound` both when absent and when the actor may not read it.
    async fn report(&self, actor: &Actor, id: i64) -> Result<Report>;
    /// The report with what its clocks run on (its incident's facts, each
    /// stage's first submission), in one audited read.
    async fn report_case(&self, actor: &Actor, id: i64) -> Result<QueueRow>;
    /// Versions without their bodies, oldest first.
    async fn report_versions(&self, actor: &Actor, id: i64) -> Result<Vec<ReportVersion>>;
    async fn report_version(&self, actor: &Actor, id: i64, version: i64) -> Result<ReportVersion>;
    /// The latest version's indicators, each with how many other reports
    /// the actor may read name it ("seen in 3 reports").
    async fn report_indicators(&self, actor: &Actor, id: i64) -> Result<Vec<ReportIndicator>>;
    /// The reporter's consent; a change adds or ends the national office's
    /// access and is kept.
    async fn set_consent(&self, actor: &Actor, id: i64, consent: Consent) -> Result<Report>;
    /// Adds a file (the server has checked what it is).
    async fn add_attachment(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<Attachment>;
    async fn attachments(&self, actor: &Actor, id: i64) -> Result<Vec<Attachment>>;
    async fn attachment(&self, actor: &Actor, id: i64, attachment: i64) -> Result<Attachment>;

    /// Reports the actor's organisation filed, newest first.
    async fn own_reports(&self, actor: &Actor, filter: &QueueFilter) -> Result<QueuePage>;
    /// Reports addressed to the actor's organisation (its administrators
    /// and coordinator analysts), with what their clocks need.
    async fn queue(&self, actor: &Actor, filter: &QueueFilter) -> Result<QueuePage>;
    /// The recipients' handling state (a recipient's analyst or admin).
    async fn set_state(&self, actor: &Actor, id: i64, state: ReportState) -> Result<()>;
    async fn post_message(&self, actor: &Actor, id: i64, body: &str) -> Result<Message>;
    async fn messages(&self, actor: &Actor, id: i64) -> Result<Vec<Message>>;
    /// A recipient's task; `owner` must be a member of the actor's organisation.
    async fn add_task(
        &self,
        actor: &Actor,
        id: i64,
        title: &str,
        owner: Option<UserId>,
    ) -> Result<Task>;
    async fn set_task_done(&self, actor: &Actor, id: i64, task: i64, done: bool) -> Result<Task>;
    /// Tasks of the actor's organisation on the report.
    async fn tasks(&self, actor: &Actor, id: i64) -> Result<Vec<Task>>;
    /// Versions, messages, tasks, states, consents and files, in order.
    async fn timeline(&self, actor: &Actor, id: i64) -> Result<Vec<TimelineEntry>>;

    /// Loads incidents and reports filed elsewhere, with their own times,
    /// states and versions, in one transaction with one audit entry (the
    /// system only; at most [`MAX_LOAD`] incidents); addressed as
    /// [`Self::open_incident`] addresses them. The number of reports.
    async fn load_filed(&self, actor: &Actor, batch: &[FiledIncident]) -> Result<u64>;

    /// Binds a profile's recipient to an organisation (platform admins).
    async fn bind_recipient(
        &self,
        actor: &Actor,
        profile: &str,
        recipient: &str,
        org: OrgId,
    ) -> Result<()>;
    /// Every binding: (profile, recipient, organisation).
    async fn recipient_bindings(&self) -> Result<Vec<(String, String, OrgId)>>;

    /// Reports whose earliest open deadline falls in `[from, before)`, the
    /// most urgent first, for the reminder sweep (the system only).
    async fn reports_due(
        &self,
        actor: &Actor,
        from: Timestamp,
        before: Timestamp,
        limit: i64,
    ) -> Result<Vec<OpenReport>>;
    /// Records a reminder as sent; false if it was already.
    async fn record_reminder(
        &self,
        actor: &Actor,
        report: i64,
        stage: &str,
        kind: &str,
    ) -> Result<bool>;
}
