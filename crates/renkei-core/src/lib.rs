//! renkei's domain: organisations, people, communities, markings, indicator
//! values and warning lists, and the one access decision. No I/O here: the store and the server depend on this crate,
//! never the other way round.

pub mod access;
pub mod audit;
pub mod checkpoint;
pub mod indicator;
pub mod marking;
pub mod merkle;
pub mod model;
pub mod org;
pub mod related;
pub mod warning;

pub use access::{
    Actor, ReportAccess, Viewer, can_administer, can_file_report, can_read, can_read_community,
    can_read_report, can_write, can_write_community, is_platform_admin, receives_reports,
};
pub use audit::{AuditEntry, AuditOutcome, ChainBreak, ChainVerifier, GENESIS_HASH, verify_chain};
pub use indicator::{IndicatorValue, ValueKind, decay_score, refang};
pub use marking::{Audience, Marking, Pap, Tlp};
pub use org::{CommunityId, Email, OrgId, OrgKind, Prefecture, Role, Sector, SupplyLink, UserId};

/// A domain value could not be parsed. `field` names the input that was wrong
/// so the edge can tell the caller exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ParseError {
    pub field: &'static str,
    /// The English text, for REST `detail` and logs.
    pub message: String,
    /// A stable code the portal renders in the reader's language (Fluent
    /// `msg-<code>`); `invalid` when nothing more specific was given.
    pub code: &'static str,
    /// The code's named arguments.
    pub args: Vec<(&'static str, String)>,
}

impl ParseError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
            code: "invalid",
            args: Vec::new(),
        }
    }

    /// The same error, with a stable code and its arguments.
    #[must_use]
    pub fn with_code(mut self, code: &'static str, args: &[(&'static str, &str)]) -> Self {
        self.code = code;
        self.args = args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        self
    }
}

/// Every code a [`ParseError`] of this crate carries; the server checks each
/// has a text in both portal languages.
pub const PARSE_CODES: &[&str] = &[
    "invalid",
    "value-empty",
    "value-too-long",
    "value-wrong-ip-version",
    "value-not-hash",
    "value-bad-hex-length",
    "value-not-hostname",
    "value-unknown-kind",
    "value-not-ip",
    "value-not-domain",
    "value-not-url",
    "value-not-email",
    "tlp-unknown",
    "pap-unknown",
    "audience-unknown",
    "red-needs-recipients",
    "red-people-only",
    "choice-unknown",
    "sector-invalid",
    "prefecture-unknown",
    "email-invalid",
    "title-length",
    "body-too-long",
    "warning-too-wide",
];

/// Microseconds since the Unix epoch, UTC: the one time representation in the
/// store, so SQLite and PostgreSQL order and compare it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let now = time::OffsetDateTime::now_utc();
        Self((now.unix_timestamp_nanos() / 1_000) as i64)
    }

    pub fn to_offset_date_time(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    /// RFC 3339 in UTC with microseconds, as used on the wire and in hashes.
    pub fn to_rfc3339(self) -> String {
        self.to_offset_date_time()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// Japan Standard Time for people reading the portal (JST has no DST).
    pub fn to_jst_display(self) -> String {
        let fmt =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] JST");
        // checked: a far-future time from outside input must not panic.
        self.to_offset_date_time()
            .checked_to_offset(time::macros::offset!(+9))
            .map_or_else(|| self.to_rfc3339(), |d| d.format(&fmt).unwrap_or_default())
    }

    pub fn plus_seconds(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs.saturating_mul(1_000_000)))
    }
}
