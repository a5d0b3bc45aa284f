//! `/reports/{id}`: one report as its reporter and its recipients see it —
//! clocks with countdowns, the filing form generated from the profile
//! (autosaved as a draft, each bad field named on submission), versions
//! with their SHA-256, files, consent, the thread, and for recipients the
//! handling state, tasks and the timeline; and a version's printable page.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp as Instant;
use minijinja::context;
use minijinja::value::Value as Ctx;
use renkei_core::{UserId, can_file_report, receives_reports};
use renkei_report::{FieldError, Mode, Profile};
use renkei_store::reports::{Consent, NewVersion, QueueRow, ReportState};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::filing::sniff;
use super::form_fields;
use super::pages::{Words, prefill};
use super::service::{canonical, next_due_after, report_clocks};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::ApiPath;
use crate::http::i18n::Lang;
use crate::http::page::{
    CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, refuse_form, render,
};
use crate::http::redirect::see_other;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/{id}", get(report_page))
        .route("/reports/{id}/file", post(file))
        .route("/reports/{id}/messages", post(message))
        .route("/reports/{id}/state", post(state))
        .route("/reports/{id}/tasks", post(add_task))
        .route("/reports/{id}/tasks/{task}", post(task_done))
        .route("/reports/{id}/consent", post(consent))
        .route("/reports/{id}/attachments", post(attach))
        .route("/reports/{id}/versions/{version}", get(version_page))
}

#[derive(Debug, Default, Deserialize)]
struct Choice {
    stage: Option<String>,
    form: Option<String>,
}

/// What the filing form shows besides the stored report.
#[derive(Default)]
struct Shown {
    stage: Option<String>,
    form: Option<String>,
    values: Option<Map<String, Value>>,
    note: String,
    field_errors: Vec<FieldError>,
    error: Option<ApiError>,
    flash: Option<String>,
}

/// The stage to file next: the chosen one, the draft's, or the first
/// whose clock is still open.
fn pick_stage(profile: &Profile, row: &QueueRow, shown: &Shown, draft: &Value) -> Option<String> {
    if row.report.notice_id.is_some() {
        return None;
    }
    let valid = |s: &str| profile.stage(s).is_some();
    shown
        .stage
        .clone()
        .filter(|s| valid(s))
        .or_else(|| {
            draft["stage"]
                .as_str()
                .filter(|s| valid(s))
                .map(str::to_owned)
        })
        .or_else(|| {
            profile
                .stages
                .iter()
                .find(|st| !row.submitted.iter().any(|(s, _)| *s == st.id))
                .or(profile.stages.last())
                .map(|st| st.id.clone())
        })
}

async fn render_report(s: &AppState, p: &Principal, lang: Lang, id: i64, shown: Shown) -> Response {
    let row = match s.store.report_case(&p.actor, id).await {
        Ok(r) => r,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let w = Words { s, lang };
    let r = &row.report;
    let Some(profile) = s.reports.get(&r.profile_id) else {
        let e = ApiError::not_found("report profile");
        return error_page(s, p, lang, e).await;
    };
    let now = Instant::now();
    let clocks: Vec<Ctx> = report_clocks(profile, r, row.incident.as_ref(), &row.submitted, now)
        .iter()
        .map(|c| w.clock(profile, c, now))
        .collect();
    let may_file = can_file_report(p.viewer(), r.org);
    let handles = receives_reports(p.viewer())
        && p.viewer()
            .org
            .is_some_and(|o| o != r.org && r.recipients.iter().any(|x| x.org == o));
    let draft: Value = r
        .draft
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    // The form: its stage and form, its values from what was just posted,
    // the draft, the latest version, or the incident's description.
    let stage = pick_stage(profile, &row, &shown, &draft);
    let stage_forms: Vec<String> = match (&r.notice_id, &stage) {
        (Some(n), _) => profile
            .notices
            .iter()
            .filter(|x| x.id == *n)
            .map(|x| x.form.clone())
            .collect(),
        (None, Some(st)) => profile
            .stage(st)
            .map(|x| x.forms.clone())
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    let form_id = shown
        .form
        .clone()
        .filter(|f| stage_forms.contains(f))
        .or_else(|| {
            draft["form"]
                .as_str()
                .filter(|f| stage_forms.iter().any(|x| x == f))
                .map(str::to_owned)
        })
        .or_else(|| stage_forms.first().cloned());
    let form = form_id.as_deref().and_then(|f| profile.form(f));
    let versions = if may_file || r.latest_version > 0 {
        s.store
            .report_versions(&p.actor, id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut fields = Vec::new();
    if let (true, Some(form)) = (may_file, form) {
        let values = match &shown.values {
            Some(v) => v.clone(),
            None => match draft["values"].as_object() {
                Some(v) if draft["form"] == form.id.as_str() => v.clone(),
                _ => match versions.iter().rev().find(|v| v.form_id == form.id) {
                    Some(v) => s
                        .store
                        .report_version(&p.actor, id, v.version)
                        .await
                        .ok()
                        .and_then(|v| serde_json::from_str(&v.body).ok())
                        .unwrap_or_default(),
                    None => prefill(profile, form, &row),
                },
            },
        };
        let text = |e: &FieldError| {
            let mut t = w.t(&format!("report-field-{}", e.code), &[]);
            if let Some(i) = e.index {
                t = w.t(
                    "report-field-item",
                    &[("item", (i + 1).to_string()), ("error", t)],
                );
            }
            t
        };
        fields = form_fields::fields(profile, form, &values, &shown.field_errors, lang, text);
    }
    let stages: Vec<Ctx> = profile
        .stages
        .iter()
        .map(|st| context! { id => st.id, name => w.label(&st.name) })
        .collect();
    let forms: Vec<Ctx> = stage_forms
        .iter()
        .filter_map(|f| profile.form(f))
        .map(|f| context! { id => f.id, name => w.label(&f.name) })
        .collect();
    let messages = s.store.messages(&p.actor, id).await.unwrap_or_default();
    let tasks = if handles {
        s.store.tasks(&p.actor, id).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let members = match (handles, p.viewer().org) {
        (true, Some(o)) => s.store.list_users(Some(o)).await.unwrap_or_default(),
        _ => Vec::new(),
    };
    let files = s.store.attachments(&p.actor, id).await.unwrap_or_default();
    let timeline = s.store.timeline(&p.actor, id).await.unwrap_or_default();
    let mut recipients = Vec::new();
    for x in &r.recipients {
        if let Ok(o) = s.store.get_org(x.org).await {
            let name = crate::http::page::org_name(&o, lang);
            if !recipients.contains(&name) {
                recipients.push(name);
            }
        }
    }
    let siblings: Vec<Ctx> = match r.incident_id {
        Some(i) => s
            .store
            .incident_reports(&p.actor, i)
            .await
            .unwrap_or_default()
            .iter()
            .filter(|x| x.id != id)
            .map(|x| context! { id => x.id, regime => w.regime(&x.profile_id) })
            .collect(),
        None => Vec::new(),
    };
    let stage_name = |st: &Option<String>| {
        st.as_deref().and_then(|x| profile.stage(x)).map_or_else(
            || w.t("report-notice-badge", &[]),
            |x| w.label(&x.name).to_owned(),
        )
    };
    let l = layout(s, p, lang, "/reports").await;
    let status = if shown.error.is_some() || !shown.field_errors.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let back = if handles {
        "/reports/queue"
    } else {
        "/reports"
    };
    render(
        s,
        status,
        "report.html",
        context! {
            l, clocks, fields, stages, forms, siblings, back, recipients,
            may_file, handles,
            may_write => may_file || handles,
            flash => shown.flash,
            error => error_ctx(shown.error),
            note => shown.note,
            chosen => context! {
                stage => stage,
                form => form.map(|f| f.id.clone()),
                form_name => form.map(|f| w.label(&f.name).to_owned()),
                zone => profile.time_zone,
            },
            report => context! {
                id => r.id, title => r.title, org => r.org_name,
                regime => w.regime(&r.profile_id),
                notice => r.notice_id.as_ref().and_then(|n| profile.notices.iter().find(|x| x.id == *n)).map(|x| w.label(&x.name).to_owned()),
                state => w.state(r.state), state_id => r.state.as_str(),
                latest_version => r.latest_version,
                consent_national => r.consent.national, consent_sanitised => r.consent.sanitised,
                draft_at => r.draft_at.map(|t| t.to_jst_display()),
            },
            states => ReportState::ALL.iter().map(|st| context! { id => st.as_str(), name => w.state(*st) }).collect::<Vec<_>>(),
            versions => versions.iter().rev().map(|v| context! {
                version => v.version, stage => stage_name(&v.stage_id), at => v.submitted_at.to_jst_display(),
                sha256 => v.sha256, note => v.note,
            }).collect::<Vec<_>>(),
            files => files.iter().map(|a| context! { id => a.id, name => a.name, media_type => a.media_type, size => a.size, sha256 => a.sha256 }).collect::<Vec<_>>(),
            messages => messages.iter().map(|m| context! { author => m.author, at => m.created_at.to_jst_display(), body => m.body }).collect::<Vec<_>>(),
            tasks => tasks.iter().map(|t| context! { id => t.id, title => t.title, owner => t.owner_email, done => t.done_at.is_some() }).collect::<Vec<_>>(),
            members => members.iter().filter(|u| u.active).map(|u| context! { id => u.id.0, email => u.email.to_string() }).collect::<Vec<_>>(),
            timeline => timeline.iter().map(|e| context! {
                at => e.at.to_jst_display(), kind => w.t(&format!("report-event-{}", e.kind), &[]), who => e.who, what => e.what,
            }).collect::<Vec<_>>(),
        },
    )
}

async fn report_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    Query(c): Query<Choice>,
) -> Response {
    if let Some(r) = login_redirect(&p, &format!("/reports/{id}")) {
        return r;
    }
    let shown = Shown {
        stage: c.stage,
        form: c.form,
        ..Shown::default()
    };
    render_report(&s, &p, lang, id, shown).await
}

/// The filing form: draft or submission (autosave posts drafts with
/// `X-Autosave`, answered without a page).
async fn file(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut posted: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        if posted.len() < 256 {
            posted.insert(k.into_owned(), v.into_owned());
        }
    }
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let page = format!("/reports/{id}");
    if let Some(r) = refuse_form(&s, &p, lang, &page, &get("csrf")).await {
        return r;
    }
    let autosave = headers.contains_key("x-autosave");
    let case = match s.store.report_case(&p.actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let Some(profile) = s.reports.get(&case.report.profile_id) else {
        return error_page(&s, &p, lang, ApiError::not_found("report profile")).await;
    };
    let stage = Some(get("stage")).filter(|x| !x.is_empty());
    let form_id = get("form");
    let Some(form) = profile.form(&form_id) else {
        let e = super::service::bad("form", "report-form-unknown", &[("name", &form_id)]);
        return error_page(&s, &p, lang, e).await;
    };
    let values = form_fields::values(profile, form, &posted);
    let submit = get("action") == "submit";
    let mode = if submit {
        Mode::Submission
    } else {
        Mode::Draft
    };
    let errors = renkei_report::validate_values(form, &values, mode);
    let mut shown = Shown {
        stage: stage.clone(),
        form: Some(form.id.clone()),
        values: Some(values.clone()),
        note: get("note"),
        ..Shown::default()
    };
    if !errors.is_empty() {
        if autosave {
            return StatusCode::BAD_REQUEST.into_response();
        }
        let w = Words { s: &s, lang };
        let n = errors.len().to_string();
        shown.error = Some(super::service::bad(
            &format!("v.{}", errors[0].field),
            "report-values-invalid",
            &[("count", &n)],
        ));
        let _ = &w;
        shown.field_errors = errors;
        return render_report(&s, &p, lang, id, shown).await;
    }
    let result = if submit {
        let stage = case.report.notice_id.is_none().then_some(stage).flatten();
        let due = next_due_after(
            profile,
            &case.report,
            case.incident.as_ref(),
            &case.submitted,
            stage.as_deref(),
            Instant::now(),
        );
        let v = NewVersion {
            stage_id: stage,
            form_id: form.id.clone(),
            body: canonical(form, &values),
            note: get("note"),
            next_due_at: due,
        };
        s.store.submit_version(&p.actor, id, v).await.map(|v| {
            let w = Words { s: &s, lang };
            w.t(
                "report-submitted",
                &[("version", v.version.to_string()), ("sha", v.sha256)],
            )
        })
    } else {
        let draft = serde_json::json!({
            "stage": stage, "form": form.id,
            "values": serde_json::from_str::<Value>(&canonical(form, &values)).unwrap_or(Value::Null),
            "note": get("note"),
        });
        s.store
            .save_draft(&p.actor, id, &draft.to_string())
            .await
            .map(|_| Words { s: &s, lang }.t("report-draft-saved", &[]))
    };
    match result {
        Ok(_) if autosave => StatusCode::NO_CONTENT.into_response(),
        Ok(flash) => {
            shown.flash = Some(flash);
            if submit {
                shown.values = None;
            }
            render_report(&s, &p, lang, id, shown).await
        }
        Err(e) if autosave => ApiError::from(e).into_response(),
        Err(e) => {
            shown.error = Some(e.into());
            render_report(&s, &p, lang, id, shown).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct MessageForm {
    csrf: String,
    body: String,
}

impl PortalForm for MessageForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Each form below answers with the report page again (or its error).
async fn after(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    id: i64,
    r: Result<(), ApiError>,
) -> Response {
    match r {
        Ok(()) => see_other(&format!("/reports/{id}")),
        Err(e) => {
            let shown = Shown {
                error: Some(e),
                ..Shown::default()
            };
            render_report(s, p, lang, id, shown).await
        }
    }
}

async fn message(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    CsrfForm(f): CsrfForm<MessageForm>,
) -> Response {
    let r = s.store.post_message(&p.actor, id, &f.body).await;
    after(&s, &p, lang, id, r.map(|_| ()).map_err(Into::into)).await
}

#[derive(Debug, Deserialize)]
struct StateForm {
    csrf: String,
    state: String,
}

impl PortalForm for StateForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn state(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    CsrfForm(f): CsrfForm<StateForm>,
) -> Response {
    let r = match ReportState::parse(&f.state) {
        Ok(st) => s
            .store
            .set_state(&p.actor, id, st)
            .await
            .map_err(Into::into),
        Err(e) => Err(e.into()),
    };
    after(&s, &p, lang, id, r).await
}

#[derive(Debug, Deserialize)]
struct TaskForm {
    csrf: String,
    title: String,
    #[serde(default)]
    owner: String,
}

impl PortalForm for TaskForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn add_task(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    CsrfForm(f): CsrfForm<TaskForm>,
) -> Response {
    let owner = f.owner.trim().parse::<i64>().ok().map(UserId);
    let r = s.store.add_task(&p.actor, id, &f.title, owner).await;
    after(&s, &p, lang, id, r.map(|_| ()).map_err(Into::into)).await
}

#[derive(Debug, Deserialize)]
struct DoneForm {
    csrf: String,
    done: String,
}

impl PortalForm for DoneForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn task_done(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath((id, task)): ApiPath<(i64, i64)>,
    CsrfForm(f): CsrfForm<DoneForm>,
) -> Response {
    let r = s
        .store
        .set_task_done(&p.actor, id, task, f.done == "true")
        .await;
    after(&s, &p, lang, id, r.map(|_| ()).map_err(Into::into)).await
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    csrf: String,
    national: Option<String>,
    sanitised: Option<String>,
}

impl PortalForm for ConsentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn consent(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    CsrfForm(f): CsrfForm<ConsentForm>,
) -> Response {
    let c = Consent {
        national: f.national.is_some(),
        sanitised: f.sanitised.is_some(),
    };
    let r = s.store.set_consent(&p.actor, id, c).await;
    after(&s, &p, lang, id, r.map(|_| ()).map_err(Into::into)).await
}

/// A file from the page's upload form (multipart: the CSRF field, then the file).
async fn attach(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    mut mp: Multipart,
) -> Response {
    let page = format!("/reports/{id}");
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("file").to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => break,
                }
            }
            _ => {}
        }
    }
    if let Some(r) = refuse_form(&s, &p, lang, &page, &csrf).await {
        return r;
    }
    let r = match file {
        Some((name, bytes)) => match sniff(&bytes) {
            Some(t) => s
                .store
                .add_attachment(&p.actor, id, &name, t, &bytes)
                .await
                .map(|_| ())
                .map_err(Into::into),
            None => Err(super::service::bad(
                "file",
                "report-attachment-refused",
                &[],
            )),
        },
        None => Err(super::service::bad(
            "file",
            "report-attachment-refused",
            &[],
        )),
    };
    after(&s, &p, lang, id, r).await
}

/// A version as a printable page: each item with its label and value.
async fn version_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
) -> Response {
    if let Some(r) = login_redirect(&p, &format!("/reports/{id}/versions/{version}")) {
        return r;
    }
    let got = async {
        let report = s.store.report(&p.actor, id).await?;
        let v = s.store.report_version(&p.actor, id, version).await?;
        Ok::<_, renkei_store::StoreError>((report, v))
    }
    .await;
    let (report, v) = match got {
        Ok(x) => x,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let w = Words { s: &s, lang };
    let profile = s.reports.get(&report.profile_id);
    let values: Map<String, Value> = serde_json::from_str(&v.body).unwrap_or_default();
    let form = profile.and_then(|pr| pr.form(&v.form_id));
    let fields: Vec<Ctx> = match form {
        Some(f) => f
            .fields
            .iter()
            .filter_map(|fd| {
                let val = values.get(&fd.id)?;
                let text = match val {
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    Value::String(x) => match &fd.kind {
                        renkei_report::FieldKind::Choice { options } => options
                            .iter()
                            .find(|o| o.id == *x)
                            .map_or_else(|| x.clone(), |o| w.label(&o.name).to_owned()),
                        _ => x.clone(),
                    },
                    other => other.to_string(),
                };
                Some(context! { id => fd.id, label => w.label(&fd.label), value => text })
            })
            .collect(),
        None => Vec::new(),
    };
    let stage = v
        .stage_id
        .as_deref()
        .and_then(|x| profile.and_then(|pr| pr.stage(x)))
        .map_or_else(
            || w.t("report-notice-badge", &[]),
            |x| w.label(&x.name).to_owned(),
        );
    let l = layout(&s, &p, lang, "/reports").await;
    render(
        &s,
        StatusCode::OK,
        "report_version.html",
        context! {
            l, fields,
            report => context! { id => report.id, title => report.title, org => report.org_name, regime => w.regime(&report.profile_id) },
            version => context! {
                version => v.version, stage, form => form.map_or(v.form_id.clone(), |f| w.label(&f.name).to_owned()),
                at => v.submitted_at.to_jst_display(), sha256 => v.sha256,
            },
        },
    )
}
