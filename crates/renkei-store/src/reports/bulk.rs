//! Loading reports filed elsewhere, with their own times, states and
//! versions, many in one transaction: `renkei bench report-queue` builds
//! its 100,000 reports so (the store API files one incident per
//! transaction, each with its audit entries, which is minutes for a
//! benchmark's data set). Reports are addressed as
//! [`ReportStore::open_incident`](super::ReportStore::open_incident)
//! addresses them; the load is one audit entry.

use std::collections::HashMap;

use renkei_core::{Actor, OrgId, Timestamp, UserId};

use super::held::{ADDRESS, BOUND, INSERT_CONSENT, NATIONAL_OFFICE, ORG_SECTOR};
use super::write::{
    INSERT_INCIDENT, INSERT_VERSION, check_id, check_json, check_report, hex_sha256, invalid,
};
use super::{MAX_BODY, MAX_FACTS, MAX_MESSAGE, MAX_VERSIONS, NewReport, NewVersion, ReportState};
use crate::Result;
use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::store::{SqlStore, check_len};

/// The most incidents one load takes.
pub const MAX_LOAD: usize = 10_000;

/// A report as it was filed: when, its handling state, its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledReport {
    /// `next_due_at` is the earliest deadline open now.
    pub new: NewReport,
    pub state: ReportState,
    pub created_at: Timestamp,
    /// Oldest first, each with when it was submitted (`next_due_at` unused).
    pub versions: Vec<(NewVersion, Timestamp)>,
}

/// An incident as it was filed, with its reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledIncident {
    pub org: OrgId,
    /// Who filed it and its versions.
    pub by: Option<UserId>,
    pub title: String,
    pub aware_at: Option<Timestamp>,
    pub facts: String,
    pub common: String,
    pub created_at: Timestamp,
    pub reports: Vec<FiledReport>,
}

const INSERT_FILED_REPORT: &str = "
    INSERT INTO reports (
        org_id, incident_id, profile_id, notice_id, title, state, sector,
        consent_national, consent_sanitised, latest_version, next_due_at,
        last_activity_at, created_by, created_at
    )
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
    RETURNING id";

fn check(batch: &[FiledIncident]) -> Result<()> {
    if batch.len() > MAX_LOAD {
        return Err(invalid("incidents", format!("at most {MAX_LOAD} a load")));
    }
    for i in batch {
        check_len("title", &i.title, super::MAX_TITLE)?;
        check_json("facts", &i.facts, MAX_FACTS)?;
        check_json("common", &i.common, MAX_FACTS)?;
        if i.reports.len() > super::MAX_REPORTS_PER_INCIDENT {
            return Err(invalid("regimes", "too many regimes"));
        }
        for r in &i.reports {
            check_report(&r.new)?;
            if r.versions.len() as i64 > MAX_VERSIONS {
                return Err(invalid(
                    "version",
                    format!("at most {MAX_VERSIONS} versions"),
                ));
            }
            for (v, _) in &r.versions {
                check_json("values", &v.body, MAX_BODY)?;
                check_id("form", &v.form_id)?;
                if let Some(s) = &v.stage_id {
                    check_id("stage", s)?;
                }
                if v.note.chars().count() > MAX_MESSAGE {
                    return Err(invalid("note", format!("at most {MAX_MESSAGE} characters")));
                }
            }
        }
    }
    Ok(())
}

/// What addressing needs, read once a load.
#[derive(Default)]
struct Addressing {
    /// Profile → (recipient reason, organisation).
    bound: HashMap<String, Vec<(String, i64)>>,
    national: Option<Vec<i64>>,
    sectors: HashMap<i64, Option<String>>,
}

impl Addressing {
    async fn bound<B: Backend>(
        &mut self,
        tx: &mut Tx<'_, B>,
        profile: &str,
    ) -> Result<Vec<(String, i64)>> {
        if let Some(b) = self.bound.get(profile) {
            return Ok(b.clone());
        }
        let rows = Sql::new(BOUND).bind(profile).fetch_all(&mut *tx).await?;
        let b = rows
            .iter()
            .map(|r| {
                Ok((
                    format!("recipient:{}", r.text("recipient_id")?),
                    r.i64("org_id")?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        self.bound.insert(profile.to_owned(), b.clone());
        Ok(b)
    }

    async fn national<B: Backend>(&mut self, tx: &mut Tx<'_, B>) -> Result<Vec<i64>> {
        if let Some(n) = &self.national {
            return Ok(n.clone());
        }
        let rows = Sql::new(NATIONAL_OFFICE).fetch_all(&mut *tx).await?;
        let n = rows
            .iter()
            .map(|r| r.i64("id"))
            .collect::<Result<Vec<_>>>()?;
        self.national = Some(n.clone());
        Ok(n)
    }

    async fn sector<B: Backend>(&mut self, tx: &mut Tx<'_, B>, org: i64) -> Result<Option<String>> {
        if let Some(s) = self.sectors.get(&org) {
            return Ok(s.clone());
        }
        let s = Sql::new(ORG_SECTOR)
            .bind(org)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.opt_text("sector"))
            .transpose()?
            .flatten();
        self.sectors.insert(org, s.clone());
        Ok(s)
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Loads `batch` in one transaction (the system only); the number of
    /// reports loaded.
    pub(super) async fn load_filed_batch(
        &self,
        actor: &Actor,
        batch: &[FiledIncident],
    ) -> Result<u64> {
        if !actor.system {
            let why = "only the system loads filed reports";
            return Err(self.deny(actor, "report.load", "reports", why).await);
        }
        check(batch)?;
        let mut tx = self.begin().await?;
        let mut addressing = Addressing::default();
        let (mut reports, mut versions) = (0u64, 0u64);
        for i in batch {
            let incident = Sql::new(INSERT_INCIDENT)
                .bind(i.org.0)
                .bind(i.title.trim())
                .bind(i.aware_at.map(|t| t.0))
                .bind(&i.facts)
                .bind(&i.common)
                .bind(i.by.map(|u| u.0))
                .bind(i.created_at.0)
                .fetch_one(&mut tx)
                .await?
                .i64("id")?;
            for r in &i.reports {
                let last = r.versions.last().map_or(r.created_at, |(_, t)| *t);
                let sector = addressing.sector(&mut tx, i.org.0).await?;
                let id = Sql::new(INSERT_FILED_REPORT)
                    .bind(i.org.0)
                    .bind(incident)
                    .bind(&r.new.profile_id)
                    .bind(r.new.notice_id.as_deref())
                    .bind(r.new.title.trim())
                    .bind(r.state.as_str())
                    .bind(sector)
                    .bind(r.new.consent.national)
                    .bind(r.new.consent.sanitised)
                    .bind(r.versions.len() as i64)
                    .bind(r.new.next_due_at.map(|t| t.0))
                    .bind(last.0)
                    .bind(i.by.map(|u| u.0))
                    .bind(r.created_at.0)
                    .fetch_one(&mut tx)
                    .await?
                    .i64("id")?;
                let mut to = addressing.bound(&mut tx, &r.new.profile_id).await?;
                if r.new.consent.national {
                    let n = addressing.national(&mut tx).await?;
                    to.extend(n.into_iter().map(|o| ("national-office".to_owned(), o)));
                }
                for (reason, org) in to {
                    Sql::new(ADDRESS)
                        .bind(id)
                        .bind(org)
                        .bind(reason)
                        .bind(r.created_at.0)
                        .execute(&mut tx)
                        .await?;
                }
                Sql::new(INSERT_CONSENT)
                    .bind(id)
                    .bind(r.new.consent.national)
                    .bind(r.new.consent.sanitised)
                    .bind(i.by.map(|u| u.0))
                    .bind(r.created_at.0)
                    .execute(&mut tx)
                    .await?;
                for (n, (v, at)) in r.versions.iter().enumerate() {
                    Sql::new(INSERT_VERSION)
                        .bind(id)
                        .bind(n as i64 + 1)
                        .bind(v.stage_id.as_deref())
                        .bind(&v.form_id)
                        .bind(&v.body)
                        .bind(hex_sha256(v.body.as_bytes()))
                        .bind(v.note.trim())
                        .bind(i.by.map(|u| u.0))
                        .bind(at.0)
                        .execute(&mut tx)
                        .await?;
                    versions += 1;
                }
                reports += 1;
            }
        }
        let detail = format!(
            "{} incidents, {reports} reports, {versions} versions",
            batch.len()
        );
        append(&mut tx, actor, "report.load", "reports", &detail).await?;
        self.commit(tx).await?;
        Ok(reports)
    }
}
