//! Finding entries in the audit log for a person who reads it: by actor,
//! organisation, action, object, time and outcome, newest first, a page
//! at a time. Without an object each page looks at a bounded window of
//! the log (`WINDOW` entries below where it starts), so a filter that
//! matches rarely costs a bounded scan, and the page says where to go on.
//! With an object the index of what reads returned is probed instead.

use renkei_core::{AuditEntry, AuditOutcome, OrgId, Timestamp};

use super::audit_entry;
use crate::Result;
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;

/// Entries a page without an object looks at, at most.
pub const WINDOW: i64 = 50_000;

/// Rows of one CSV export, at most; the file says when it stopped there.
pub const EXPORT_MAX: usize = 10_000;

/// Pages one export looks at, at most (with [`WINDOW`], how far back a
/// filter that matches little is followed).
pub(crate) const EXPORT_PAGES: usize = 200;

/// The audit actions the store and the server write: each has a name in
/// both languages on the audit page (a test walks the sources for codes
/// not listed here).
pub const ACTIONS: &[&str] = &[
    "alert.create",
    "alert.forward",
    "alert.read",
    "alert.recipients",
    "alert.relay",
    "alert.remind",
    "alert.status",
    "audit.export",
    "audit.read",
    "audit.verify",
    "collection.create",
    "community.create",
    "community.update",
    "incident.create",
    "incident.read",
    "incident.update",
    "index.export",
    "index.lookup",
    "item.amend",
    "item.create",
    "item.read",
    "item.read_version",
    "login",
    "logout",
    "membership.accept",
    "membership.create",
    "membership.end",
    "mfa.passkey.add",
    "mfa.passkey.remove",
    "mfa.pending",
    "mfa.policy",
    "mfa.recovery.new",
    "mfa.reset",
    "mfa.totp.enrol",
    "mfa.totp.remove",
    "mfa.verify",
    "notify.read",
    "oidc.link",
    "org.create",
    "org.prefectural_government",
    "org.update",
    "overview.read",
    "password_reset.create",
    "password_reset.use",
    "report.attach",
    "report.bind",
    "report.consent",
    "report.create",
    "report.draft",
    "report.list",
    "report.load",
    "report.message",
    "report.read",
    "report.remind",
    "report.state",
    "report.submit",
    "report.task",
    "retention.prune",
    "session.end",
    "session.list",
    "sighting.read",
    "stix.add",
    "stix.delete",
    "stix.notify",
    "stix.read",
    "stix.search",
    "supply_link.create",
    "token.create",
    "token.revoke",
    "user.create",
    "user.deactivate",
    "user.password",
    "user.reactivate",
    "user.update",
    "warning.add",
    "warning.remove",
    "webhook.create",
    "webhook.disable",
];

/// Which entries to find. Every field narrows; `None` leaves it open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries whose actor belongs to this organisation; `None` is
    /// the whole log (platform administrators only).
    pub org: Option<OrgId>,
    /// The actor as the log names it (an e-mail address, a token's name).
    pub actor: Option<String>,
    /// One of [`ACTIONS`].
    pub action: Option<String>,
    /// Entries naming this object, and the reads that returned it.
    pub object: Option<String>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub until: Option<Timestamp>,
    pub outcome: Option<AuditOutcome>,
    /// Only entries with `seq` below this (paging).
    pub before_seq: Option<i64>,
}

/// One page of entries, and where the next older page starts (`None`:
/// nothing older matches).
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
    /// The page looked at its whole window without filling up: the next
    /// page goes on looking further back.
    pub window_ended: bool,
}

const COLUMNS: &str = "SELECT seq, at, actor_user, actor_org, actor, action, object, source, \
                       outcome, detail, prev_hash, hash FROM audit_log";

/// The newest entry below `$1`: where the next window starts, and whether
/// it is still after the filter's start.
const OLDER: &str = "
    SELECT seq, at FROM audit_log
    WHERE seq < $1
    ORDER BY seq DESC
    LIMIT 1";

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// One page of at most `limit` entries matching `f` (the caller has
    /// checked who may read them).
    pub(crate) async fn filtered_page(&self, f: &AuditFilter, limit: i64) -> Result<AuditPage> {
        let before = f.before_seq.unwrap_or(i64::MAX);
        let mut sql = Sql::built(COLUMNS.to_owned());
        let windowed = f.object.is_none();
        let floor = if let Some(object) = &f.object {
            // `about_seqs!` names the start `$1` and the object `$2`.
            let b = sql.p(before);
            let o = sql.p(object.as_str());
            debug_assert_eq!((b.as_str(), o.as_str()), ("$1", "$2"));
            sql.push(concat!(" WHERE seq IN (", about_seqs!(), ")"));
            0
        } else {
            let start = if before == i64::MAX {
                self.newest_seq().await?.saturating_add(1)
            } else {
                before
            };
            let floor = start.saturating_sub(WINDOW).max(0);
            let b = sql.p(start);
            let fl = sql.p(floor);
            sql.push(&format!(" WHERE seq < {b} AND seq >= {fl}"));
            floor
        };
        if let Some(o) = f.org {
            let p = sql.p(o.0);
            sql.push(&format!(" AND actor_org = {p}"));
        }
        if let Some(a) = &f.actor {
            let p = sql.p(a.as_str());
            sql.push(&format!(" AND actor = {p}"));
        }
        if let Some(a) = &f.action {
            let p = sql.p(a.as_str());
            sql.push(&format!(" AND action = {p}"));
        }
        if let Some(o) = f.outcome {
            let p = sql.p(o.as_str());
            sql.push(&format!(" AND outcome = {p}"));
        }
        if let Some(t) = f.from {
            let p = sql.p(t.0);
            sql.push(&format!(" AND at >= {p}"));
        }
        if let Some(t) = f.until {
            let p = sql.p(t.0);
            sql.push(&format!(" AND at < {p}"));
        }
        let l = sql.p(limit);
        sql.push(&format!(" ORDER BY seq DESC LIMIT {l}"));
        let rows = sql.fetch_all(self).await?;
        let entries = rows.iter().map(audit_entry).collect::<Result<Vec<_>>>()?;
        if entries.len() as i64 == limit {
            let next_before = entries.last().map(|e| e.seq);
            return Ok(AuditPage {
                entries,
                next_before,
                window_ended: false,
            });
        }
        if !windowed || floor <= 1 {
            return Ok(AuditPage {
                entries,
                next_before: None,
                window_ended: false,
            });
        }
        // The window ended before the page filled: go on below it only if
        // an older entry exists and is not before the filter's start.
        let older = Sql::new(OLDER).bind(floor).fetch_optional(self).await?;
        let next_before = match older {
            Some(r) if f.from.is_none_or(|t| r.i64("at").is_ok_and(|at| at >= t.0)) => Some(floor),
            _ => None,
        };
        Ok(AuditPage {
            window_ended: next_before.is_some(),
            entries,
            next_before,
        })
    }

    async fn newest_seq(&self) -> Result<i64> {
        let row = Sql::new(super::LAST_LISTED).fetch_one(self).await?;
        Ok(row.opt_i64("seq")?.unwrap_or(0))
    }
}

/// Says in a line what a filter asked for, for the audit entry of the
/// read itself.
pub(crate) fn describe(f: &AuditFilter) -> String {
    let mut parts = Vec::new();
    if let Some(a) = &f.actor {
        parts.push(format!("actor={a}"));
    }
    if let Some(a) = &f.action {
        parts.push(format!("action={a}"));
    }
    if let Some(o) = &f.object {
        parts.push(format!("object={o}"));
    }
    if let Some(t) = f.from {
        parts.push(format!("from={}", t.to_rfc3339()));
    }
    if let Some(t) = f.until {
        parts.push(format!("until={}", t.to_rfc3339()));
    }
    if let Some(o) = f.outcome {
        parts.push(format!("outcome={}", o.as_str()));
    }
    parts.join(" ")
}
