//! Alerts (注意喚起): issued under an explicit TLP and audience, read
//! through the access rule (as items are), confirmed by each recipient
//! organisation with every change kept, relayed by a prefecture's
//! government to its municipalities with a local instruction (never wider
//! than the original), and forwarded by a municipality to its maintenance
//! vendor and that vendor's subcontractor (the directory's supply-chain
//! links, two tiers at most). Migration 0021.
//!
//! A relay and a forward are alerts of their own (`kind`), with the
//! original's content and TLP, their own audience and recipients, and
//! `parent_id` the alert they pass on: the access rule judges each row, so
//! nobody reads an alert except through its own marking.
//!
//! Who does what:
//! - issuing: a person of any organisation with a writing role
//!   (`renkei_core::can_write`) into a collection they may write to; the
//!   recipients are the organisations [`crate::ShareFormStore::readers`]
//!   finds for the alert's marking in that collection, the issuer's own
//!   excluded;
//! - relaying: a person or token with a writing role (admin, coordinator
//!   analyst, reporter) of the prefectural government
//!   (`prefectural_governments`, set by platform administrators) to
//!   local_government organisations of the same prefecture that were
//!   recipients of the alert passed on (`alert-relay-wider` otherwise);
//!   TLP:RED is never relayed;
//! - forwarding: a person or token with a writing role of a recipient
//!   organisation,
//!   to contractors of its supply-chain links (tier 1, and tier 2 either
//!   recorded on the organisation or on its tier-1 contractor); TLP:CLEAR,
//!   GREEN and AMBER only (AMBER+STRICT stays in the organisation, RED with
//!   named people: `alert-forward-tlp`);
//! - naming vendors: a local government's administrators record their
//!   maintenance vendor (tier 1) and its subcontractor (tier 2) as
//!   supply-chain links from their organisation;
//! - confirming: members of the recipient organisation; a change on a
//!   relay or forward is also recorded on the alerts it came from where the
//!   organisation is a recipient too, so the original's issuer sees it;
//! - the recipients' table and reminders: the issuing organisation only.
//!
//! Every id a caller names that they may not use is answered as not found.

mod links;
mod rows;
mod store;

use async_trait::async_trait;
use renkei_core::{Actor, Marking, OrgId, ParseError, Timestamp, UserId};

use crate::Result;

/// Steps one alert may carry.
pub const MAX_STEPS: usize = 50;
/// Indicators one alert may carry.
pub const MAX_INDICATORS: usize = 500;
/// Source reports one alert may name.
pub const MAX_SOURCES: usize = 100;
/// Characters of a title.
pub const MAX_TITLE: usize = 200;
/// Characters of a summary.
pub const MAX_SUMMARY: usize = 20_000;
/// Characters of one step, of one indicator, of a reason or a local note.
pub const MAX_TEXT: usize = 2_000;
/// Organisations one relay or forward may name.
pub const MAX_TARGETS: usize = 500;

/// What an alert row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// Issued from reports (or directly) by a coordinator.
    Alert,
    /// Passed on by a prefectural government to its municipalities.
    Relay,
    /// Passed on by a recipient to its maintenance vendor and subcontractor.
    Forward,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Relay => "relay",
            Self::Forward => "forward",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "alert" => Self::Alert,
            "relay" => Self::Relay,
            "forward" => Self::Forward,
            _ => return None,
        })
    }
}

/// A recipient organisation's confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertStatus {
    /// 未確認
    Unconfirmed,
    /// 確認済み
    Confirmed,
    /// 対応中
    InProgress,
    /// 対応済み
    Done,
    /// 該当なし (with a reason)
    NotApplicable,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 5] = [
        Self::Unconfirmed,
        Self::Confirmed,
        Self::InProgress,
        Self::Done,
        Self::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "unconfirmed",
            Self::Confirmed => "confirmed",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::NotApplicable => "not_applicable",
        }
    }

    /// Reads a status; the error names `status`.
    pub fn parse(s: &str) -> std::result::Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                ParseError::new("status", format!("unknown status {s:?}"))
                    .with_code("choice-unknown", &[("value", s)])
            })
    }
}

/// One indicator of an alert: as written, and its STIX pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertIndicator {
    pub value: String,
    pub pattern: String,
}

/// A relay's or forward's local instruction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalInstruction {
    /// Whom to call (the maintenance vendor, a help desk).
    pub vendor: Option<String>,
    /// What to do locally.
    pub note: Option<String>,
    /// The prefecture's deadline, `YYYY-MM-DD`.
    pub deadline: Option<String>,
}

impl LocalInstruction {
    fn is_empty(&self) -> bool {
        self.vendor.is_none() && self.note.is_none() && self.deadline.is_none()
    }

    /// Checks sizes and the deadline's form (a real calendar date).
    pub fn check(&self) -> std::result::Result<(), ParseError> {
        for (field, v) in [("local.vendor", &self.vendor), ("local.note", &self.note)] {
            if let Some(v) = v
                && v.chars().count() > MAX_TEXT
            {
                return Err(ParseError::new(
                    field,
                    format!("at most {MAX_TEXT} characters"),
                ));
            }
        }
        if let Some(d) = &self.deadline
            && !is_date(d)
        {
            return Err(ParseError::new(
                "local.deadline",
                format!("{d:?} is not a date (YYYY-MM-DD)"),
            ));
        }
        Ok(())
    }
}

/// Whether `s` is a calendar date `YYYY-MM-DD` (years 2000–2999).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = &s[r];
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (2000..3000).contains(&y) && (1..=days).contains(&d)
}

/// An alert to issue. `marking.audience` is what the issuer chose; the
/// stored audience adds the collection's community when they chose none
/// (as the STIX objects' does), so the alert and its STIX report reach
/// the same readers.
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub title: String,
    pub summary: String,
    pub steps: Vec<String>,
    pub indicators: Vec<AlertIndicator>,
    pub marking: Marking,
    /// Incident reports the alert was made from (ids; not checked here).
    pub source_reports: Vec<i64>,
    /// The collection its STIX objects went to.
    pub collection_id: String,
    /// The STIX `report` id it was published as.
    pub stix_report_id: Option<String>,
}

impl NewAlert {
    /// Checks every field's size; the error names the first bad one.
    pub fn check(&self) -> std::result::Result<(), ParseError> {
        text("title", &self.title, MAX_TITLE)?;
        if self.summary.chars().count() > MAX_SUMMARY {
            return Err(ParseError::new(
                "summary",
                format!("at most {MAX_SUMMARY} characters"),
            ));
        }
        if self.steps.is_empty() {
            return Err(ParseError::new("steps", "name at least one step"));
        }
        if self.steps.len() > MAX_STEPS {
            return Err(ParseError::new("steps", format!("at most {MAX_STEPS}")));
        }
        for (i, s) in self.steps.iter().enumerate() {
            text_at("steps", i, s)?;
        }
        if self.indicators.len() > MAX_INDICATORS {
            return Err(ParseError::new(
                "indicators",
                format!("at most {MAX_INDICATORS}"),
            ));
        }
        for (i, x) in self.indicators.iter().enumerate() {
            text_at("indicators", i, &x.value)?;
            text_at("indicators", i, &x.pattern)?;
        }
        if self.source_reports.len() > MAX_SOURCES {
            return Err(ParseError::new(
                "source_reports",
                format!("at most {MAX_SOURCES}"),
            ));
        }
        Ok(())
    }
}

fn text(field: &'static str, v: &str, max: usize) -> std::result::Result<(), ParseError> {
    let n = v.trim().chars().count();
    if n == 0 || n > max {
        return Err(ParseError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

fn text_at(field: &'static str, i: usize, v: &str) -> std::result::Result<(), ParseError> {
    text(field, v, MAX_TEXT).map_err(|e| ParseError {
        message: format!("entry {}: {}", i + 1, e.message),
        ..e
    })
}

/// A recipient organisation's confirmation, as its members and the issuer
/// see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientStatus {
    pub org: OrgId,
    pub status: AlertStatus,
    pub reason: Option<String>,
    pub updated_by: Option<UserId>,
    pub updated_at: Timestamp,
}

/// A recipient in the issuer's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub org: OrgId,
    pub name_ja: String,
    pub name_en: String,
    pub sector: Option<String>,
    pub prefecture: Option<i64>,
    pub status: RecipientStatus,
    /// The last reminder sent to it.
    pub reminded_at: Option<Timestamp>,
}

/// An alert as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: i64,
    pub kind: AlertKind,
    pub parent_id: Option<i64>,
    pub root_id: i64,
    pub title: String,
    pub summary: String,
    pub steps: Vec<String>,
    pub indicators: Vec<AlertIndicator>,
    pub marking: Marking,
    pub created_at: Timestamp,
    pub stix_report_id: Option<String>,
    pub collection_id: Option<String>,
    pub local: Option<LocalInstruction>,
    /// Source reports: shown to the issuing organisation only (they name
    /// who reported).
    pub source_reports: Vec<i64>,
    /// The reader's organisation's confirmation, when it is a recipient.
    pub mine: Option<RecipientStatus>,
    /// The last reminder the reader's organisation got.
    pub reminded_at: Option<Timestamp>,
}

/// Alerts and their confirmations.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Issues an alert whose STIX objects are already in its collection;
    /// records its recipients (every organisation that may read it, the
    /// issuer's excepted) as unconfirmed. Audited.
    async fn create_alert(&self, actor: &Actor, alert: NewAlert) -> Result<Alert>;
    /// Alerts the actor may read, newest first (reads audited).
    async fn list_alerts(&self, actor: &Actor, limit: i64) -> Result<Vec<Alert>>;
    /// One alert; `NotFound` when absent or unreadable alike.
    async fn get_alert(&self, actor: &Actor, id: i64) -> Result<Alert>;
    /// The actor's organisation's confirmation of alert `id`; a reason is
    /// required for `NotApplicable`. Kept in the history, audited.
    async fn set_alert_status(
        &self,
        actor: &Actor,
        id: i64,
        status: AlertStatus,
        reason: Option<String>,
    ) -> Result<RecipientStatus>;
    /// Every change of an organisation's confirmation of alert `id`, oldest
    /// first: the issuer's organisation or the recipient itself.
    async fn alert_status_history(
        &self,
        actor: &Actor,
        id: i64,
        org: OrgId,
    ) -> Result<Vec<RecipientStatus>>;
    /// The recipients of alert `id` with their confirmations: the issuing
    /// organisation only.
    async fn alert_recipients(&self, actor: &Actor, id: i64) -> Result<Vec<Recipient>>;
    /// Records a reminder to every recipient that has not confirmed; gives
    /// the organisations reminded. The issuing organisation only.
    async fn remind_alert(&self, actor: &Actor, id: i64) -> Result<Vec<OrgId>>;
    /// Relays alert `id` to `orgs` (all the prefecture's municipalities
    /// that received it when empty) with a local instruction.
    async fn relay_alert(
        &self,
        actor: &Actor,
        id: i64,
        orgs: &[OrgId],
        local: LocalInstruction,
    ) -> Result<Alert>;
    /// Forwards alert `id` to `orgs` (every contractor of the actor's
    /// organisation's supply-chain links, two tiers, when empty).
    async fn forward_alert(
        &self,
        actor: &Actor,
        id: i64,
        orgs: &[OrgId],
        local: LocalInstruction,
    ) -> Result<Alert>;
    /// The local_government organisations a prefectural government relays
    /// to (empty for any other organisation).
    async fn municipalities_of(&self, org: OrgId) -> Result<Vec<OrgId>>;
    /// The contractors `org` may forward to (two tiers).
    async fn vendors_of(&self, org: OrgId) -> Result<Vec<OrgId>>;
    /// The actor's organisation, a local government, names its maintenance
    /// vendor (and that vendor's subcontractor) to receive the alerts it
    /// forwards: supply-chain links of tier 1 and 2 from the organisation,
    /// kept if already there. Its administrators only; audited as
    /// `supply_link.create`. Ids that are no supplier, vendor or security
    /// provider are not found.
    async fn name_vendors(&self, actor: &Actor, vendor: OrgId, sub: Option<OrgId>) -> Result<()>;
    /// Whether `org` is its prefecture's government.
    async fn is_prefectural_government(&self, org: OrgId) -> Result<bool>;
    /// Marks (or unmarks) `org`, a local_government organisation with a
    /// prefecture, as its prefecture's government. Platform
    /// administrators only; audited.
    async fn set_prefectural_government(&self, actor: &Actor, org: OrgId, on: bool) -> Result<()>;
}
