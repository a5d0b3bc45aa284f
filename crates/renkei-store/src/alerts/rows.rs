//! Rows of the alert tables: written (an alert with its audience, steps
//! and indicators), read back, and the choices a relay or forward makes.

use renkei_core::{Actor, Audience, Marking, OrgId, ParseError, Timestamp, Tlp, UserId};

use super::{
    Alert, AlertIndicator, AlertKind, AlertStatus, LocalInstruction, MAX_TARGETS, RecipientStatus,
};
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::items::audience_rows;
use crate::{Result, StoreError};

pub(super) fn invalid(field: &'static str, code: &'static str, message: &str) -> StoreError {
    StoreError::Invalid(ParseError::new(field, message).with_code(code, &[]))
}

const INSERT_ALERT: &str = "
    INSERT INTO alerts (org_id, kind, parent_id, root_id, title, summary, tlp, created_by,
                        created_at, stix_report_id, collection_id, local_vendor, local_note,
                        local_deadline)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
    RETURNING id";

const INSERT_AUDIENCE: &str = "
    INSERT INTO alert_audience (alert_id, community_id, sector, org_id, user_id)
    VALUES ($1, $2, $3, $4, $5)";

const INSERT_STEP: &str = "
    INSERT INTO alert_steps (alert_id, position, text) VALUES ($1, $2, $3)";

const INSERT_INDICATOR: &str = "
    INSERT INTO alert_indicators (alert_id, position, value, pattern) VALUES ($1, $2, $3, $4)";

/// A writing role: the roles that may share at all (`renkei_core::can_write`);
/// viewers read and confirm only.
pub(super) fn writer(actor: &Actor) -> bool {
    matches!(
        actor.viewer.role,
        Some(
            renkei_core::Role::Admin
                | renkei_core::Role::CoordinatorAnalyst
                | renkei_core::Role::Reporter
        )
    )
}

/// The organisations a relay or forward goes to: `named` (each one of
/// `allowed`, else not found; each `within` the original, else `wider`),
/// or every allowed one within the original when none is named.
pub(super) fn targets(
    named: &[OrgId],
    allowed: &[OrgId],
    within: impl Fn(&OrgId) -> bool,
    wider: &'static str,
) -> Result<Vec<OrgId>> {
    if named.len() > MAX_TARGETS {
        return Err(StoreError::Invalid(ParseError::new(
            "orgs",
            format!("at most {MAX_TARGETS}"),
        )));
    }
    let mut out: Vec<OrgId> = Vec::new();
    if named.is_empty() {
        out.extend(allowed.iter().copied().filter(|o| within(o)));
    } else {
        for o in named {
            if !allowed.contains(o) {
                return Err(StoreError::NotFound("organisation"));
            }
            if !within(o) {
                return Err(invalid(
                    "orgs",
                    wider,
                    &format!("org:{o} may not read the original alert"),
                ));
            }
            if !out.contains(o) {
                out.push(*o);
            }
        }
    }
    if out.is_empty() {
        return Err(invalid(
            "orgs",
            "alert-no-targets",
            "no organisation to pass the alert on to",
        ));
    }
    Ok(out)
}

/// A relay's or forward's marking: the original's TLP, the targets as
/// its audience.
pub(super) fn passed_on(
    parent: &Alert,
    me: OrgId,
    by: Option<UserId>,
    targets: &[OrgId],
) -> Marking {
    Marking {
        tlp: parent.marking.tlp,
        pap: None,
        audience: Audience {
            orgs: targets.to_vec(),
            ..Audience::default()
        },
        owner_org: me,
        created_by: by,
    }
}

pub(super) fn ids(rows: Vec<impl RowExt>) -> Result<Vec<OrgId>> {
    rows.iter().map(|r| Ok(OrgId(r.i64("id")?))).collect()
}

pub(super) struct Row<'a> {
    pub kind: AlertKind,
    pub parent: Option<i64>,
    pub root: Option<i64>,
    pub title: &'a str,
    pub summary: &'a str,
    pub marking: &'a Marking,
    pub stix_report_id: Option<&'a str>,
    pub collection_id: Option<&'a str>,
    pub local: &'a LocalInstruction,
}

pub(super) async fn insert_alert<B: Backend>(
    tx: &mut Tx<'_, B>,
    row: &Row<'_>,
    steps: &[String],
    indicators: &[AlertIndicator],
    now: Timestamp,
) -> Result<i64> {
    let m = row.marking;
    let id = Sql::new(INSERT_ALERT)
        .bind(m.owner_org.0)
        .bind(row.kind.as_str())
        .bind(row.parent)
        .bind(row.root)
        .bind(row.title.trim())
        .bind(row.summary)
        .bind(m.tlp.as_str())
        .bind(m.created_by.map(|u| u.0))
        .bind(now.0)
        .bind(row.stix_report_id)
        .bind(row.collection_id)
        .bind(row.local.vendor.as_deref())
        .bind(row.local.note.as_deref())
        .bind(row.local.deadline.as_deref())
        .fetch_one(&mut *tx)
        .await?
        .i64("id")?;
    for (c, s, o, u) in audience_rows(&m.audience) {
        Sql::new(INSERT_AUDIENCE)
            .bind(id)
            .bind(c)
            .bind(s)
            .bind(o)
            .bind(u)
            .execute(&mut *tx)
            .await?;
    }
    for (i, s) in steps.iter().enumerate() {
        Sql::new(INSERT_STEP)
            .bind(id)
            .bind(i as i64)
            .bind(s.trim())
            .execute(&mut *tx)
            .await?;
    }
    for (i, x) in indicators.iter().enumerate() {
        Sql::new(INSERT_INDICATOR)
            .bind(id)
            .bind(i as i64)
            .bind(x.value.trim())
            .bind(x.pattern.as_str())
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}

pub(super) fn recipient_status(r: &impl RowExt) -> Result<RecipientStatus> {
    let status = r.text("status")?;
    Ok(RecipientStatus {
        org: OrgId(r.i64("org_id")?),
        status: AlertStatus::parse(&status)
            .map_err(|e| StoreError::corrupt("alert_recipients", e))?,
        reason: r.opt_text("reason")?,
        updated_by: r.opt_i64("updated_by")?.map(UserId),
        updated_at: Timestamp(r.i64("updated_at")?),
    })
}

/// An alert row without its steps, indicators and audience.
pub(super) fn alert_row(r: &impl RowExt) -> Result<Alert> {
    let c = |e: String| StoreError::corrupt("alerts", e);
    let kind = r.text("kind")?;
    let (vendor, note, deadline) = (
        r.opt_text("local_vendor")?,
        r.opt_text("local_note")?,
        r.opt_text("local_deadline")?,
    );
    let local =
        (vendor.is_some() || note.is_some() || deadline.is_some()).then_some(LocalInstruction {
            vendor,
            note,
            deadline,
        });
    let id = r.i64("id")?;
    Ok(Alert {
        id,
        kind: AlertKind::parse(&kind).ok_or_else(|| c(format!("kind {kind:?}")))?,
        parent_id: r.opt_i64("parent_id")?,
        root_id: r.opt_i64("root_id")?.unwrap_or(id),
        title: r.text("title")?,
        summary: r.text("summary")?,
        steps: Vec::new(),
        indicators: Vec::new(),
        marking: Marking {
            tlp: Tlp::parse(&r.text("tlp")?).map_err(|e| c(e.to_string()))?,
            pap: None,
            audience: Audience::default(),
            owner_org: OrgId(r.i64("org_id")?),
            created_by: r.opt_i64("created_by")?.map(UserId),
        },
        created_at: Timestamp(r.i64("created_at")?),
        stix_report_id: r.opt_text("stix_report_id")?,
        collection_id: r.opt_text("collection_id")?,
        local,
        source_reports: Vec::new(),
        mine: None,
        reminded_at: None,
    })
}
