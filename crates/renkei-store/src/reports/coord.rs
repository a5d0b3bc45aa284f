//! What recipients do with reports, and the pages both sides list: the
//! queue (reports addressed to the actor's organisation) and the
//! reporter's own list, the handling state, the thread, tasks, timeline.

use renkei_core::{Actor, OrgId, Timestamp, UserId, can_file_report, receives_reports};

use super::held::Held;
use super::read::{binds, report_row, report_select};
use super::{
    Incident, MAX_MESSAGE, MAX_THREAD, MAX_TITLE, Message, Report, ReportState, Task, TimelineEntry,
};
use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql};
use crate::store::{SqlStore, check_len};
use crate::{Result, StoreError};

/// How a page is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Reports with an open deadline, the most urgent first.
    Due,
}

/// Which reports a page lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub profile: Option<String>,
    pub sector: Option<String>,
    pub state: Option<ReportState>,
    pub order: QueueOrder,
    /// The last row of the previous page: its id, and its deadline for
    /// [`QueueOrder::Due`].
    pub after: Option<(Option<Timestamp>, i64)>,
    pub limit: i64,
}

/// A report with what its clocks run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub report: Report,
    /// Its incident's awareness and facts (the description only for the
    /// reporting organisation).
    pub incident: Option<Incident>,
    /// Each stage's first submission.
    pub submitted: Vec<(String, Timestamp)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    /// The cursor of the next page, if there may be one.
    pub next: Option<(Option<Timestamp>, i64)>,
}

const ADDRESSED: &str = "
    $2 AND r.latest_version > 0 AND EXISTS (
        SELECT 1 FROM report_recipients x
        WHERE x.report_id = r.id AND x.org_id = $1 AND x.ended_at IS NULL)";

const SET_STATE: &str = "
    UPDATE reports SET state = $2, last_activity_at = $3 WHERE id = $1";

const INSERT_STATE: &str = "
    INSERT INTO report_states (report_id, state, by_user, by_org, at)
    VALUES ($1, $2, $3, $4, $5)";

const COUNT_MESSAGES: &str = "SELECT COUNT(*) AS n FROM report_messages WHERE report_id = $1";

const INSERT_MESSAGE: &str = "
    INSERT INTO report_messages (report_id, author_user, author_org, body, created_at)
    VALUES ($1, $2, $3, $4, $5)
    RETURNING id";

const TOUCH: &str = "UPDATE reports SET last_activity_at = $2 WHERE id = $1";

const MESSAGES: &str = "
    SELECT m.id, m.report_id, m.author_user, m.author_org, COALESCE(u.email, '') AS author,
           m.body, m.created_at
    FROM report_messages m LEFT JOIN users u ON u.id = m.author_user
    WHERE m.report_id = $1
    ORDER BY m.id";

const OWNER_OK: &str = "
    SELECT 1 AS one FROM users WHERE id = $1 AND org_id = $2 AND active";

const COUNT_TASKS: &str = "SELECT COUNT(*) AS n FROM report_tasks WHERE report_id = $1";

const INSERT_TASK: &str = "
    INSERT INTO report_tasks (report_id, org_id, title, owner_user, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id";

const FINISH_TASK: &str = "
    UPDATE report_tasks SET done_at = $4
    WHERE id = $1 AND report_id = $2 AND org_id = $3";

const TASKS: &str = "
    SELECT t.id, t.report_id, t.org_id, t.title, t.owner_user, u.email AS owner_email,
           t.done_at, t.created_at
    FROM report_tasks t LEFT JOIN users u ON u.id = t.owner_user
    WHERE t.report_id = $1 AND t.org_id = $2
    ORDER BY t.id";

const TIMELINE_VERSIONS: &str = "
    SELECT v.version, v.stage_id, v.form_id, v.sha256, v.note, v.submitted_at AS at,
           COALESCE(u.email, '') AS who
    FROM report_versions v LEFT JOIN users u ON u.id = v.submitted_by
    WHERE v.report_id = $1";

const TIMELINE_STATES: &str = "
    SELECT s.state, s.at, COALESCE(u.email, '') AS who
    FROM report_states s LEFT JOIN users u ON u.id = s.by_user
    WHERE s.report_id = $1";

const TIMELINE_CONSENTS: &str = "
    SELECT c.national, c.sanitised, c.at, COALESCE(u.email, '') AS who
    FROM report_consents c LEFT JOIN users u ON u.id = c.by_user
    WHERE c.report_id = $1";

const TIMELINE_FILES: &str = "
    SELECT a.name, a.sha256, a.added_at AS at, COALESCE(u.email, '') AS who
    FROM report_attachments a LEFT JOIN users u ON u.id = a.added_by
    WHERE a.report_id = $1";

fn task_row(r: &impl RowExt) -> Result<Task> {
    Ok(Task {
        id: r.i64("id")?,
        report_id: r.i64("report_id")?,
        org: OrgId(r.i64("org_id")?),
        title: r.text("title")?,
        owner: r.opt_i64("owner_user")?.map(UserId),
        owner_email: r.opt_text("owner_email")?,
        done_at: r.opt_i64("done_at")?.map(Timestamp),
        created_at: Timestamp(r.i64("created_at")?),
    })
}

fn message_row(r: &impl RowExt) -> Result<Message> {
    Ok(Message {
        id: r.i64("id")?,
        report_id: r.i64("report_id")?,
        author_user: r.opt_i64("author_user")?.map(UserId),
        author_org: OrgId(r.i64("author_org")?),
        author: r.text("author")?,
        body: r.text("body")?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}

/// Whether the actor handles the report as one of its recipients.
fn handles(actor: &Actor, held: &Held) -> bool {
    receives_reports(&actor.viewer)
        && actor
            .viewer
            .org
            .is_some_and(|o| o != held.org && held.recipients.contains(&o))
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// A page of reports: addressed to the actor's organisation (`inbox`)
    /// or filed by it.
    pub(super) async fn page(
        &self,
        actor: &Actor,
        f: &QueueFilter,
        inbox: bool,
    ) -> Result<super::QueuePage> {
        let (o, rr) = binds(actor);
        let Some(org) = o else {
            return Ok(super::QueuePage::default());
        };
        let limit = f.limit.clamp(1, 200);
        let mut q = Sql::built(report_select!().to_owned());
        let me = q.p(org);
        if inbox {
            let flag = q.p(rr);
            debug_assert_eq!((me.as_str(), flag.as_str()), ("$1", "$2"));
            q.push(&format!("WHERE {ADDRESSED}"));
        } else {
            q.push(&format!("WHERE r.org_id = {me}"));
        }
        if let Some(p) = &f.profile {
            let p = q.p(p.as_str());
            q.push(&format!(" AND r.profile_id = {p}"));
        }
        if let Some(s) = &f.sector {
            let s = q.p(s.as_str());
            q.push(&format!(" AND r.sector = {s}"));
        }
        if let Some(st) = f.state {
            let st = q.p(st.as_str());
            q.push(&format!(" AND r.state = {st}"));
        }
        match f.order {
            QueueOrder::Newest => {
                if let Some((_, id)) = f.after {
                    let id = q.p(id);
                    q.push(&format!(" AND r.id < {id}"));
                }
                q.push(" ORDER BY r.id DESC");
            }
            QueueOrder::Due => {
                q.push(" AND r.next_due_at IS NOT NULL");
                if let Some((Some(due), id)) = f.after {
                    let d = q.p(due.0);
                    let d2 = q.p(due.0);
                    let id = q.p(id);
                    q.push(&format!(
                        " AND (r.next_due_at > {d} OR (r.next_due_at = {d2} AND r.id > {id}))"
                    ));
                }
                q.push(" ORDER BY r.next_due_at, r.id");
            }
        }
        let l = q.p(limit + 1);
        q.push(&format!(" LIMIT {l}"));
        let rows = q.fetch_all(self).await?;
        let mut reports = rows
            .iter()
            .map(|r| report_row(r, o))
            .collect::<Result<Vec<_>>>()?;
        let more = reports.len() as i64 > limit;
        reports.truncate(limit as usize);
        let next = more
            .then(|| reports.last().map(|r| (r.next_due_at, r.id)))
            .flatten();
        let (incidents, submitted) = self.clock_inputs(&reports).await?;
        if !reports.is_empty() {
            let ids = reports.iter().map(|r| format!("report:{}", r.id)).collect();
            let summary = format!("{} reports", reports.len());
            let object = if inbox {
                "reports:queue"
            } else {
                "reports:own"
            };
            self.audit
                .read_listing(None, actor, "report.list", object, &summary, ids)
                .await?;
        }
        let rows = reports
            .into_iter()
            .map(|report| {
                let incident = report.incident_id.and_then(|i| {
                    incidents.iter().find(|x| x.id == i).map(|x| {
                        let mut x = x.clone();
                        if Some(x.org.0) != o {
                            x.common = "{}".into();
                        }
                        x
                    })
                });
                let submitted = submitted
                    .iter()
                    .filter(|(r, _, _)| *r == report.id)
                    .map(|(_, s, t)| (s.clone(), *t))
                    .collect();
                QueueRow {
                    report,
                    incident,
                    submitted,
                }
            })
            .collect();
        Ok(super::QueuePage { rows, next })
    }

    pub(super) async fn change_state(
        &self,
        actor: &Actor,
        id: i64,
        state: ReportState,
    ) -> Result<()> {
        let held = self.held(actor, id, "report.state").await?;
        if !handles(actor, &held) {
            let why = "only the report's recipients change its handling state";
            return Err(self
                .deny(actor, "report.state", &format!("report:{id}"), why)
                .await);
        }
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        Sql::new(SET_STATE)
            .bind(id)
            .bind(state.as_str())
            .bind(now.0)
            .execute(&mut tx)
            .await?;
        Sql::new(INSERT_STATE)
            .bind(id)
            .bind(state.as_str())
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(actor.viewer.org.map(|o| o.0))
            .bind(now.0)
            .execute(&mut tx)
            .await?;
        append(
            &mut tx,
            actor,
            "report.state",
            &format!("report:{id}"),
            state.as_str(),
        )
        .await?;
        self.commit(tx).await
    }

    pub(super) async fn add_message(&self, actor: &Actor, id: i64, body: &str) -> Result<Message> {
        check_len("body", body, MAX_MESSAGE)?;
        let held = self.held(actor, id, "report.message").await?;
        let reporter = can_file_report(&actor.viewer, held.org);
        if !(reporter || handles(actor, &held)) {
            let why = "only the reporter's filers and the recipients write in the thread";
            return Err(self
                .deny(actor, "report.message", &format!("report:{id}"), why)
                .await);
        }
        let Some(org) = actor.viewer.org else {
            return Err(StoreError::NotFound("report"));
        };
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let n = Sql::new(COUNT_MESSAGES)
            .bind(id)
            .fetch_one(&mut tx)
            .await?
            .i64("n")?;
        if n >= MAX_THREAD {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "body",
                format!("at most {MAX_THREAD} messages a report"),
            )));
        }
        let mid = Sql::new(INSERT_MESSAGE)
            .bind(id)
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(org.0)
            .bind(body.trim())
            .bind(now.0)
            .fetch_one(&mut tx)
            .await?
            .i64("id")?;
        Sql::new(TOUCH)
            .bind(id)
            .bind(now.0)
            .execute(&mut tx)
            .await?;
        let detail = format!("message {mid}");
        append(
            &mut tx,
            actor,
            "report.message",
            &format!("report:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Message {
            id: mid,
            report_id: id,
            author_user: actor.viewer.user,
            author_org: org,
            author: actor.label.clone(),
            body: body.trim().to_owned(),
            created_at: now,
        })
    }

    pub(super) async fn read_messages(&self, actor: &Actor, id: i64) -> Result<Vec<Message>> {
        self.held(actor, id, "report.read").await?;
        let rows = Sql::new(MESSAGES).bind(id).fetch_all(self).await?;
        let messages = rows.iter().map(message_row).collect::<Result<Vec<_>>>()?;
        let object = format!("report:{id}");
        let detail = format!("{} messages", messages.len());
        self.audit
            .read(None, actor, "report.read", &object, &detail)
            .await?;
        Ok(messages)
    }

    pub(super) async fn insert_task(
        &self,
        actor: &Actor,
        id: i64,
        title: &str,
        owner: Option<UserId>,
    ) -> Result<Task> {
        check_len("title", title, MAX_TITLE)?;
        let held = self.held(actor, id, "report.task").await?;
        if !handles(actor, &held) {
            let why = "only the report's recipients keep tasks on it";
            return Err(self
                .deny(actor, "report.task", &format!("report:{id}"), why)
                .await);
        }
        let Some(org) = actor.viewer.org else {
            return Err(StoreError::NotFound("report"));
        };
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        if let Some(u) = owner {
            let ok = Sql::new(OWNER_OK)
                .bind(u.0)
                .bind(org.0)
                .fetch_optional(&mut tx)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Invalid(renkei_core::ParseError::new(
                    "owner",
                    "no active member of your organisation with this id",
                )));
            }
        }
        let n = Sql::new(COUNT_TASKS)
            .bind(id)
            .fetch_one(&mut tx)
            .await?
            .i64("n")?;
        if n >= MAX_THREAD {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "title",
                format!("at most {MAX_THREAD} tasks a report"),
            )));
        }
        let tid = Sql::new(INSERT_TASK)
            .bind(id)
            .bind(org.0)
            .bind(title.trim())
            .bind(owner.map(|u| u.0))
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(now.0)
            .fetch_one(&mut tx)
            .await?
            .i64("id")?;
        let detail = format!("task {tid}");
        append(
            &mut tx,
            actor,
            "report.task",
            &format!("report:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        let tasks = self.task_rows(id, org).await?;
        tasks
            .into_iter()
            .find(|t| t.id == tid)
            .ok_or(StoreError::NotFound("task"))
    }

    async fn task_rows(&self, id: i64, org: OrgId) -> Result<Vec<Task>> {
        let rows = Sql::new(TASKS).bind(id).bind(org.0).fetch_all(self).await?;
        rows.iter().map(task_row).collect()
    }

    pub(super) async fn finish_task(
        &self,
        actor: &Actor,
        id: i64,
        task: i64,
        done: bool,
    ) -> Result<Task> {
        let held = self.held(actor, id, "report.task").await?;
        let Some(org) = actor.viewer.org.filter(|_| handles(actor, &held)) else {
            let why = "only the report's recipients keep tasks on it";
            return Err(self
                .deny(actor, "report.task", &format!("report:{id}"), why)
                .await);
        };
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let n = Sql::new(FINISH_TASK)
            .bind(task)
            .bind(id)
            .bind(org.0)
            .bind(done.then_some(now.0))
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("task"));
        }
        let detail = format!("task {task} {}", if done { "done" } else { "reopened" });
        append(
            &mut tx,
            actor,
            "report.task",
            &format!("report:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        self.task_rows(id, org)
            .await?
            .into_iter()
            .find(|t| t.id == task)
            .ok_or(StoreError::NotFound("task"))
    }

    pub(super) async fn read_tasks(&self, actor: &Actor, id: i64) -> Result<Vec<Task>> {
        let held = self.held(actor, id, "report.read").await?;
        // Tasks are a recipient's own work list; the reporter keeps none.
        let Some(org) = actor.viewer.org.filter(|_| handles(actor, &held)) else {
            return Ok(Vec::new());
        };
        let tasks = self.task_rows(id, org).await?;
        let object = format!("report:{id}");
        let detail = format!("{} tasks", tasks.len());
        self.audit
            .read(None, actor, "report.read", &object, &detail)
            .await?;
        Ok(tasks)
    }

    pub(super) async fn read_timeline(&self, actor: &Actor, id: i64) -> Result<Vec<TimelineEntry>> {
        let report = self.read_report(actor, id).await?;
        let held = self.held(actor, id, "report.read").await?;
        let mut out = vec![TimelineEntry {
            at: report.created_at,
            kind: "created",
            who: String::new(),
            what: report.profile_id.clone(),
        }];
        for r in Sql::new(TIMELINE_VERSIONS).bind(id).fetch_all(self).await? {
            let stage = r.opt_text("stage_id")?.unwrap_or_default();
            let note = r.text("note")?;
            out.push(TimelineEntry {
                at: Timestamp(r.i64("at")?),
                kind: "version",
                who: r.text("who")?,
                what: format!(
                    "{} {stage} {} sha256 {} {note}",
                    r.i64("version")?,
                    r.text("form_id")?,
                    r.text("sha256")?
                )
                .trim_end()
                .to_owned(),
            });
        }
        for m in Sql::new(MESSAGES).bind(id).fetch_all(self).await? {
            let m = message_row(&m)?;
            out.push(TimelineEntry {
                at: m.created_at,
                kind: "message",
                who: m.author,
                what: m.body,
            });
        }
        if let Some(org) = actor.viewer.org.filter(|_| handles(actor, &held)) {
            for t in self.task_rows(id, org).await? {
                let who = t.owner_email.clone().unwrap_or_default();
                if let Some(done) = t.done_at {
                    out.push(TimelineEntry {
                        at: done,
                        kind: "task-done",
                        who: who.clone(),
                        what: t.title.clone(),
                    });
                }
                out.push(TimelineEntry {
                    at: t.created_at,
                    kind: "task",
                    who,
                    what: t.title,
                });
            }
        }
        for r in Sql::new(TIMELINE_STATES).bind(id).fetch_all(self).await? {
            out.push(TimelineEntry {
                at: Timestamp(r.i64("at")?),
                kind: "state",
                who: r.text("who")?,
                what: r.text("state")?,
            });
        }
        for r in Sql::new(TIMELINE_CONSENTS).bind(id).fetch_all(self).await? {
            out.push(TimelineEntry {
                at: Timestamp(r.i64("at")?),
                kind: "consent",
                who: r.text("who")?,
                what: format!(
                    "national {} sanitised {}",
                    r.boolean("national")?,
                    r.boolean("sanitised")?
                ),
            });
        }
        for r in Sql::new(TIMELINE_FILES).bind(id).fetch_all(self).await? {
            out.push(TimelineEntry {
                at: Timestamp(r.i64("at")?),
                kind: "attachment",
                who: r.text("who")?,
                what: format!("{} sha256 {}", r.text("name")?, r.text("sha256")?),
            });
        }
        out.sort_by_key(|e| e.at);
        Ok(out)
    }
}
