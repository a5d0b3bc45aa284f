//! Portal pages for filing and receiving reports: the organisation's own
//! reports, a new incident (described once, filed under each regime
//! chosen), and the recipients' queue. Every word from the `report`
//! Fluent room or the profiles' own labels; each clock in words with its
//! countdown.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fluent_bundle::{FluentArgs, FluentValue};
use jiff::Timestamp as Instant;
use minijinja::context;
use minijinja::value::Value as Ctx;
use renkei_core::{can_file_report, receives_reports};
use renkei_report::{Clock, ClockStatus, Labels, Profile};
use renkei_store::reports::{Consent, NewIncident, QueueRow, ReportState};
use serde_json::{Map, Value};

use super::filing::{ReportListParams, cursor_text, filter};
use super::form_fields::local_instant;
use super::service::{facts_json, from_instant, next_due, report_clocks};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::i18n::Lang;
use crate::http::page::{error_ctx, error_page, layout, login_redirect, refuse_form, render};
use crate::http::redirect::see_other;

const SCRIPT: &str = include_str!("../../static/report.js");

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list_page))
        .route("/reports/new", get(new_page).post(create))
        .route("/reports/queue", get(queue_page))
        .route("/static/report.js", get(script))
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
}

/// Words from the Fluent bundles and the profiles' labels.
pub(super) struct Words<'a> {
    pub s: &'a AppState,
    pub lang: Lang,
}

impl Words<'_> {
    pub fn t(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(v.clone()));
        }
        self.s.i18n.get(self.lang, key, Some(&fa))
    }

    pub fn label<'l>(&self, l: &'l Labels) -> &'l str {
        if self.lang == Lang::Ja { &l.ja } else { &l.en }
    }

    pub fn regime(&self, id: &str) -> String {
        self.s
            .reports
            .get(id)
            .map_or_else(|| id.to_owned(), |p| self.label(&p.name).to_owned())
    }

    pub fn state(&self, st: ReportState) -> String {
        self.t(&format!("report-state-{}", st.as_str()), &[])
    }

    fn status(&self, st: ClockStatus) -> (String, String) {
        let id = serde_json::to_value(st)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let text = self.t(&format!("report-status-{id}"), &[]);
        (id, text)
    }

    /// "2 days 3 hours left" or "5 hours overdue", as the countdown starts.
    fn remaining(&self, due: Instant, now: Instant) -> String {
        let secs = due.as_second() - now.as_second();
        let key = if secs >= 0 {
            "report-left-template"
        } else {
            "report-over-template"
        };
        let s = secs.unsigned_abs();
        self.t(key, &[])
            .replace("%d", &(s / 86_400).to_string())
            .replace("%h", &(s % 86_400 / 3_600).to_string())
            .replace("%m", &(s % 3_600 / 60).to_string())
    }

    /// One clock for the templates.
    pub fn clock(&self, p: &Profile, c: &Clock, now: Instant) -> Ctx {
        let (status, status_text) = self.status(c.status);
        let stage = p
            .stage(&c.stage)
            .map_or(c.stage.clone(), |s| self.label(&s.name).to_owned());
        let open = matches!(
            c.status,
            ClockStatus::Due | ClockStatus::DueSoon | ClockStatus::Overdue
        );
        let due_local = c.due.as_ref().map(|d| {
            d.at.to_zoned_datetime(p.tz().clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        });
        context! {
            stage_id => c.stage,
            stage,
            status,
            status_text,
            due => c.due.as_ref().map(|d| d.at.to_string()),
            due_local,
            countdown => open,
            remaining => c.due.as_ref().map(|d| self.remaining(d.at, now)),
        }
    }

    /// A row of a report list: its most urgent open clock, else its first.
    fn row(&self, row: &QueueRow, now: Instant) -> Ctx {
        let r = &row.report;
        let profile = self.s.reports.get(&r.profile_id);
        let next = profile.and_then(|p| {
            let clocks = report_clocks(p, r, row.incident.as_ref(), &row.submitted, now);
            let open = clocks
                .iter()
                .filter(|c| {
                    matches!(
                        c.status,
                        ClockStatus::Due | ClockStatus::DueSoon | ClockStatus::Overdue
                    )
                })
                .min_by_key(|c| c.due.as_ref().map(|d| d.at));
            open.or(clocks.first()).map(|c| self.clock(p, c, now))
        });
        context! {
            id => r.id,
            title => r.title,
            org => r.org_name,
            sector => r.sector.as_ref().map(|sc| self.t(&format!("sector-{sc}"), &[])),
            regime => self.regime(&r.profile_id),
            notice => r.notice_id.is_some(),
            submitted => r.latest_version > 0,
            state => self.state(r.state),
            next,
        }
    }
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<ReportListParams>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/reports") {
        return r;
    }
    let page = match filter(&q) {
        Ok(f) => s.store.own_reports(&p.actor, &f).await.map_err(Into::into),
        Err(e) => Err(e),
    };
    let page = match page {
        Ok(page) => page,
        Err(e) => return error_page(&s, &p, lang, e).await,
    };
    let w = Words { s: &s, lang };
    let now = Instant::now();
    let rows: Vec<Ctx> = page.rows.iter().map(|r| w.row(r, now)).collect();
    // The portal's reminder: every listed report whose clock is due soon
    // or overdue, named above the list.
    let urgent: Vec<Ctx> = rows
        .iter()
        .filter(|r| {
            let st = r.get_attr("next").and_then(|n| n.get_attr("status"));
            st.is_ok_and(|st| st.as_str() == Some("due-soon") || st.as_str() == Some("overdue"))
        })
        .cloned()
        .collect();
    let next = page
        .next
        .map(|c| format!("/reports?after={}", cursor_text(c)));
    let l = layout(&s, &p, lang, "/reports").await;
    let may_file = p
        .viewer()
        .org
        .is_some_and(|o| can_file_report(p.viewer(), o));
    let caption = w.t("report-list-caption", &[]);
    render(
        &s,
        StatusCode::OK,
        "reports.html",
        context! { l, rows, next, caption, show_org => false, may_file, urgent, may_receive => receives_reports(p.viewer()) },
    )
}

async fn queue_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<ReportListParams>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/reports/queue") {
        return r;
    }
    let w = Words { s: &s, lang };
    let (rows, next, error) = match filter(&q) {
        Ok(f) => match s.store.queue(&p.actor, &f).await {
            Ok(page) => {
                let now = Instant::now();
                let rows: Vec<Ctx> = page.rows.iter().map(|r| w.row(r, now)).collect();
                let keep = |k: &str, v: &Option<String>| {
                    v.as_ref()
                        .map(|x| format!("&{k}={}", crate::http::page::urlencode(x)))
                        .unwrap_or_default()
                };
                let next = page.next.map(|c| {
                    format!(
                        "/reports/queue?after={}{}{}{}{}",
                        cursor_text(c),
                        keep("profile", &q.profile),
                        keep("state", &q.state),
                        keep("sector", &q.sector),
                        keep("order", &q.order)
                    )
                });
                (rows, next, None)
            }
            Err(e) => return error_page(&s, &p, lang, e.into()).await,
        },
        Err(e) => (Vec::new(), None, Some(e)),
    };
    let profiles: Vec<Ctx> = s
        .reports
        .iter()
        .map(|pr| context! { id => pr.id, name => w.label(&pr.name) })
        .collect();
    let states: Vec<Ctx> = ReportState::ALL
        .iter()
        .map(|st| context! { id => st.as_str(), name => w.state(*st) })
        .collect();
    let sectors: Vec<Ctx> = renkei_core::Sector::KNOWN
        .iter()
        .map(|sc| context! { id => sc, name => w.t(&format!("sector-{sc}"), &[]) })
        .collect();
    let l = layout(&s, &p, lang, "/reports/queue").await;
    let caption = w.t("report-queue-caption", &[]);
    render(
        &s,
        StatusCode::OK,
        "report_queue.html",
        context! {
            l, rows, next, caption, profiles, states, sectors,
            show_org => true,
            error => error_ctx(error),
            filter => context! { profile => q.profile, state => q.state, sector => q.sector, order => q.order },
        },
    )
}

/// The new-incident form's fields (several `regime` boxes, which
/// `serde_urlencoded` cannot read: the body is parsed pair by pair).
#[derive(Debug, Default)]
pub(super) struct IncidentForm {
    csrf: String,
    title: String,
    awareness: String,
    summary: String,
    regime: Vec<String>,
    national: Option<String>,
    sanitised: Option<String>,
}

impl IncidentForm {
    fn parse(body: &str) -> Self {
        let mut f = IncidentForm::default();
        for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf" => f.csrf = v,
                "title" => f.title = v,
                "awareness" => f.awareness = v,
                "summary" => f.summary = v,
                "regime" if f.regime.len() < 16 => f.regime.push(v),
                "national" => f.national = Some(v),
                "sanitised" => f.sanitised = Some(v),
                _ => {}
            }
        }
        f
    }
}

async fn new_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    if let Some(r) = login_redirect(&p, "/reports/new") {
        return r;
    }
    let form = IncidentForm {
        regime: vec!["jp-cyber-response".into()],
        ..IncidentForm::default()
    };
    new_form(&s, &p, lang, &form, None).await
}

async fn new_form(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    form: &IncidentForm,
    error: Option<crate::http::error::ApiError>,
) -> Response {
    let w = Words { s, lang };
    let profiles: Vec<Ctx> = s
        .reports
        .iter()
        .map(|pr| {
            context! {
                id => pr.id,
                name => w.label(&pr.name),
                hint => w.t(&format!("report-applies-{}", pr.id), &[]),
                checked => form.regime.contains(&pr.id),
            }
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let l = layout(s, p, lang, "/reports/new").await;
    render(
        s,
        status,
        "report_new.html",
        context! {
            l, profiles,
            error => error_ctx(error),
            form => context! {
                title => form.title, awareness => form.awareness, summary => form.summary,
                national => form.national.is_some(), sanitised => form.sanitised.is_some(),
            },
        },
    )
}

async fn create(State(s): State<AppState>, lang: Lang, p: Principal, body: String) -> Response {
    let form = IncidentForm::parse(&body);
    if let Some(r) = refuse_form(&s, &p, lang, "/reports/new", &form.csrf).await {
        return r;
    }
    let Some(org) = p.viewer().org else {
        return see_other("/login");
    };
    let chosen = match super::api::chosen_profiles(&s, &form.regime) {
        Ok(c) => c,
        Err(mut e) => {
            e.field = Some("regimes".into());
            return new_form(&s, &p, lang, &form, Some(e)).await;
        }
    };
    // The form's awareness is wall-clock time in Japan (the portal's zone).
    let awareness = match form.awareness.trim() {
        "" => None,
        t => {
            let text = chosen
                .iter()
                .find(|x| x.time_zone == "Asia/Tokyo")
                .map_or_else(|| t.to_owned(), |pr| local_instant(pr, t));
            match super::service::instant("awareness", &text) {
                Ok(i) => Some(i),
                Err(e) => return new_form(&s, &p, lang, &form, Some(e)).await,
            }
        }
    };
    let mut common = Map::new();
    if !form.summary.trim().is_empty() {
        common.insert(
            "summary".into(),
            Value::String(form.summary.trim().to_owned()),
        );
    }
    let name = s
        .store
        .get_org(org)
        .await
        .map(|o| o.name_ja)
        .unwrap_or_default();
    common.insert("organisation-name".into(), Value::String(name));
    let facts = renkei_report::CaseFacts {
        awareness,
        ..Default::default()
    };
    let consent = Consent {
        national: form.national.is_some(),
        sanitised: form.sanitised.is_some(),
    };
    let reports = chosen
        .iter()
        .map(|pr| {
            let clocks = renkei_report::clocks(
                pr,
                &facts,
                &Default::default(),
                Instant::now(),
                &Default::default(),
            )
            .unwrap_or_default();
            renkei_store::reports::NewReport {
                profile_id: pr.id.clone(),
                notice_id: None,
                title: form.title.clone(),
                consent,
                next_due_at: next_due(&clocks),
            }
        })
        .collect();
    let new = NewIncident {
        org,
        title: form.title.clone(),
        aware_at: awareness.map(from_instant),
        facts: facts_json(&Default::default(), &Default::default()),
        common: Value::Object(common).to_string(),
        reports,
    };
    match s.store.open_incident(&p.actor, new).await {
        Ok((_, reports)) => match reports.first() {
            Some(r) => see_other(&format!("/reports/{}", r.id)),
            None => see_other("/reports"),
        },
        Err(e) => new_form(&s, &p, lang, &form, Some(e.into())).await,
    }
}

/// Values the common description fills into a regime's form.
pub(super) fn prefill(
    profile: &Profile,
    form: &renkei_report::Form,
    row: &QueueRow,
) -> Map<String, Value> {
    let Some(incident) = &row.incident else {
        return Map::new();
    };
    let common: Map<String, Value> = serde_json::from_str(&incident.common).unwrap_or_default();
    let case = renkei_report::Incident {
        facts: super::service::case_facts(Some(incident)),
        common: common
            .iter()
            .filter_map(|(k, v)| Some((renkei_report::CommonField::parse(k)?, v.clone())))
            .collect(),
        submitted: Default::default(),
    };
    renkei_report::prefill(profile, form, &case).values
}
