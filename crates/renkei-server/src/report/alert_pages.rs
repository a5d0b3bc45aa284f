//! The portal's alerts: the list, an alert's page (its steps, indicators
//! and local instruction; the status buttons for a recipient; the relay
//! form for a prefecture's government; the forward form for a recipient
//! with maintenance vendors; the recipients' table by sector and
//! prefecture with the reminder button for the issuer), and the editor
//! (title, summary, steps, indicators, TLP and audience chosen
//! explicitly). Every action is the REST API's store call.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use minijinja::value::Value;
use renkei_core::model::Org;
use renkei_core::{Audience, OrgId, Prefecture, Role, Tlp};
use renkei_store::alerts::{Alert, AlertStatus, LocalInstruction};
use serde::Deserialize;

use super::alert_stix::{AlertDraft, publish};
use super::alerts::grouped;
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{
    CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, org_name, render,
    tlp_class,
};
use crate::http::redirect::see_other;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(list_page).post(create))
        .route("/alerts/new", get(editor))
        .route("/alerts/vendors", post(name_vendors))
        .route("/alerts/{id}", get(alert_page))
        .route("/alerts/{id}/status", post(set_status))
        .route("/alerts/{id}/remind", post(remind))
        .route("/alerts/{id}/relay", post(relay))
        .route("/alerts/{id}/forward", post(forward))
}

fn status_key(s: AlertStatus) -> String {
    format!("alerts-status-{}", s.as_str())
}

fn may_issue(p: &Principal) -> bool {
    matches!(
        p.viewer().role,
        Some(Role::Admin | Role::CoordinatorAnalyst | Role::Reporter)
    )
}

fn names(orgs: &[Org], lang: Lang) -> impl Fn(OrgId) -> String + '_ {
    move |id| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| org_name(o, lang))
    }
}

fn row(a: &Alert, name: &dyn Fn(OrgId) -> String) -> Value {
    context! {
        id => a.id,
        kind => a.kind.as_str(),
        title => a.title.clone(),
        tlp => a.marking.tlp.as_str(),
        tlp_class => tlp_class(a.marking.tlp),
        issuer => name(a.marking.owner_org),
        created_at => a.created_at.to_jst_display(),
        status => a.mine.as_ref().map(|m| status_key(m.status)),
        reminded => a.reminded_at.is_some() && a.mine.as_ref().is_some_and(|m| m.status == AlertStatus::Unconfirmed),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    ok: Option<String>,
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/alerts") {
        return r;
    }
    let list = match s.store.list_alerts(&p.actor, 200).await {
        Ok(l) => l,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let orgs = s.store.list_orgs().await.unwrap_or_default();
    let name = names(&orgs, lang);
    let rows: Vec<Value> = list.iter().map(|a| row(a, &name)).collect();
    let vendors = vendor_choices(&s, &p, &orgs, lang).await;
    let l = layout(&s, &p, lang, "/alerts").await;
    render(
        &s,
        StatusCode::OK,
        "alerts.html",
        context! { l, rows, can_issue => may_issue(&p), vendors, ok => q.ok },
    )
}

/// For a local government's administrators: their vendors now, and the
/// organisations they may name (suppliers, vendors, security providers).
async fn vendor_choices(s: &AppState, p: &Principal, orgs: &[Org], lang: Lang) -> Value {
    let Some(me) = p.viewer().org else {
        return Value::UNDEFINED;
    };
    let town = orgs
        .iter()
        .any(|o| o.id == me && o.kind == renkei_core::OrgKind::LocalGovernment);
    if !town || p.viewer().role != Some(Role::Admin) {
        return Value::UNDEFINED;
    }
    let name = names(orgs, lang);
    let current: Vec<String> = s
        .store
        .vendors_of(me)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(&name)
        .collect();
    use renkei_core::OrgKind::{SecurityProvider, Supplier, Vendor};
    let choices: Vec<Value> = orgs
        .iter()
        .filter(|o| matches!(o.kind, Supplier | Vendor | SecurityProvider))
        .map(|o| context! { id => o.id.0, name => org_name(o, lang) })
        .collect();
    context! { current, choices }
}

#[derive(Deserialize)]
struct VendorsForm {
    csrf: String,
    vendor: String,
    #[serde(default)]
    subcontractor: String,
}

impl PortalForm for VendorsForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/alerts".to_owned()
    }
}

async fn name_vendors(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<VendorsForm>,
) -> Response {
    let id = |field: &'static str, v: &str| {
        v.trim()
            .parse::<i64>()
            .map(OrgId)
            .map_err(|_| ApiError::field(field, "choose an organisation"))
    };
    let res = async {
        let vendor = id("vendor", &f.vendor)?;
        let sub = match f.subcontractor.trim() {
            "" => None,
            t => Some(id("subcontractor", t)?),
        };
        s.store
            .name_vendors(&p.actor, vendor, sub)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match res {
        Ok(()) => see_other("/alerts?ok=vendors"),
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

#[derive(Deserialize)]
struct PageQuery {
    ok: Option<String>,
}

async fn alert_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Response {
    show(&s, lang, &p, id, q.ok.as_deref(), None).await
}

/// An alert's page, with a form's error when one was refused.
async fn show(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    ok: Option<&str>,
    error: Option<(&'static str, ApiError)>,
) -> Response {
    let path = format!("/alerts/{id}");
    if let Some(r) = login_redirect(p, &path) {
        return r;
    }
    let a = match s.store.get_alert(&p.actor, id).await {
        Ok(a) => a,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let orgs = s.store.list_orgs().await.unwrap_or_default();
    let name = names(&orgs, lang);
    let me = p.viewer().org;
    let issuer = me == Some(a.marking.owner_org);
    let recipients = if issuer {
        match s.store.alert_recipients(&p.actor, id).await {
            Ok(r) => Some(recipient_groups(grouped(r), lang)),
            Err(e) => return error_page(s, p, lang, e.into()).await,
        }
    } else {
        None
    };
    let mut towns = Vec::new();
    let mut vendors = Vec::new();
    if let Some(org) = me.filter(|_| may_issue(p)) {
        if a.marking.tlp != Tlp::Red
            && s.store
                .is_prefectural_government(org)
                .await
                .unwrap_or(false)
        {
            towns = s.store.municipalities_of(org).await.unwrap_or_default();
        }
        if a.mine.is_some() && matches!(a.marking.tlp, Tlp::Clear | Tlp::Green | Tlp::Amber) {
            vendors = s.store.vendors_of(org).await.unwrap_or_default();
        }
    }
    let choice = |ids: &[OrgId]| -> Vec<Value> {
        ids.iter()
            .map(|o| context! { id => o.0, name => name(*o) })
            .collect()
    };
    let statuses: Vec<Value> = AlertStatus::ALL[1..]
        .iter()
        .map(|x| context! { value => x.as_str(), key => status_key(*x) })
        .collect();
    let (form, status, error) = match error {
        Some((form, e)) => (Some(form), e.status, error_ctx(Some(e))),
        None => (None, StatusCode::OK, error_ctx(None)),
    };
    let alert = context! {
        id => a.id, kind => a.kind.as_str(), parent_id => a.parent_id,
        root_id => a.root_id,
        title => a.title.clone(), summary => a.summary.clone(), steps => a.steps.clone(),
        indicators => a.indicators.iter().map(|x| context! { value => x.value.clone(), pattern => x.pattern.clone() }).collect::<Vec<_>>(),
        tlp => a.marking.tlp.as_str(), tlp_class => tlp_class(a.marking.tlp),
        issuer => name(a.marking.owner_org),
        audience => a.marking.audience.orgs.iter().map(|o| name(*o)).collect::<Vec<_>>(),
        created_at => a.created_at.to_jst_display(),
        stix_report_id => a.stix_report_id.clone(),
        local => a.local.as_ref().map(|l| context! { vendor => l.vendor.clone(), note => l.note.clone(), deadline => l.deadline.clone() }),
        sources => a.source_reports.clone(),
        status => a.mine.as_ref().map(|m| m.status.as_str()),
        status_key => a.mine.as_ref().map(|m| status_key(m.status)),
        reason => a.mine.as_ref().and_then(|m| m.reason.clone()),
        reminded_at => a.reminded_at.map(|t| t.to_jst_display()),
    };
    let l = layout(s, p, lang, &path).await;
    render(
        s,
        status,
        "alert.html",
        context! {
            l, alert, statuses, recipients, issuer, ok,
            towns => choice(&towns), vendors => choice(&vendors),
            form, error,
        },
    )
}

fn recipient_groups(v: super::alerts::RecipientsView, lang: Lang) -> Value {
    let groups: Vec<Value> = v
        .groups
        .into_iter()
        .map(|g| {
            let pref = g
                .prefecture
                .and_then(|c| Prefecture::from_code(c).ok())
                .map(|p| {
                    if lang == Lang::Ja {
                        p.name_ja().to_owned()
                    } else {
                        p.name_en().to_owned()
                    }
                });
            let rows: Vec<Value> = g
                .recipients
                .into_iter()
                .map(|r| {
                    let status = AlertStatus::parse(&r.status).unwrap_or(AlertStatus::Unconfirmed);
                    context! {
                        name => if lang == Lang::Ja { r.name_ja } else { r.name_en },
                        status => r.status, status_key => status_key(status),
                        reason => r.reason, reminded => r.reminded_at.is_some(),
                    }
                })
                .collect();
            context! {
                sector => g.sector.map(|x| format!("sector-{x}")), prefecture => pref,
                total => g.total, unconfirmed => g.unconfirmed, rows,
            }
        })
        .collect();
    context! { total => v.total, unconfirmed => v.unconfirmed, groups }
}

#[derive(Deserialize)]
struct StatusForm {
    csrf: String,
    status: String,
    #[serde(default)]
    reason: String,
}

impl PortalForm for StatusForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn set_status(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Response {
    let res = match AlertStatus::parse(&f.status) {
        Ok(st) => s
            .store
            .set_alert_status(&p.actor, id, st, Some(f.reason))
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match res {
        Ok(_) => see_other(&format!("/alerts/{id}?ok=status")),
        Err(e) => show(&s, lang, &p, id, None, Some(("status", e))).await,
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

impl PortalForm for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn remind(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Response {
    match s.store.remind_alert(&p.actor, id).await {
        Ok(_) => see_other(&format!("/alerts/{id}?ok=reminded")),
        Err(e) => show(&s, lang, &p, id, None, Some(("remind", e.into()))).await,
    }
}

/// The relay and forward forms: organisations ticked, a local instruction.
#[derive(Deserialize)]
struct PassOnForm {
    csrf: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    deadline: String,
    /// The ticked boxes, `org-<id>` each (a urlencoded form holds one
    /// value per name).
    #[serde(flatten)]
    ticked: std::collections::HashMap<String, String>,
}

impl PortalForm for PassOnForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PassOnForm {
    fn parts(&self) -> Result<(Vec<OrgId>, LocalInstruction), ApiError> {
        let mut orgs = Vec::new();
        for t in self.ticked.keys().filter_map(|k| k.strip_prefix("org-")) {
            let id = t
                .parse::<i64>()
                .map_err(|_| ApiError::field("orgs", format!("{t:?} is not an organisation")))?;
            orgs.push(OrgId(id));
        }
        orgs.sort_by_key(|o| o.0);
        if orgs.len() > renkei_store::alerts::MAX_TARGETS {
            return Err(ApiError::field("orgs", "too many organisations"));
        }
        let keep = |v: &str| Some(v.trim().to_owned()).filter(|t| !t.is_empty());
        Ok((
            orgs,
            LocalInstruction {
                vendor: keep(&self.vendor),
                note: keep(&self.note),
                deadline: keep(&self.deadline),
            },
        ))
    }
}

async fn relay(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PassOnForm>,
) -> Response {
    let res = match f.parts() {
        Ok((orgs, local)) => s
            .store
            .relay_alert(&p.actor, id, &orgs, local)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match res {
        Ok(r) => see_other(&format!("/alerts/{}?ok=relayed", r.id)),
        Err(e) => show(&s, lang, &p, id, None, Some(("relay", e))).await,
    }
}

async fn forward(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PassOnForm>,
) -> Response {
    let res = match f.parts() {
        Ok((orgs, local)) => s
            .store
            .forward_alert(&p.actor, id, &orgs, local)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => see_other(&format!("/alerts/{id}?ok=forwarded")),
        Err(e) => show(&s, lang, &p, id, None, Some(("forward", e))).await,
    }
}

/// The editor's fields, kept to show again after a refusal.
#[derive(Deserialize, Default, Clone, serde::Serialize)]
struct AlertForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    /// One step per line.
    #[serde(default)]
    steps: String,
    /// One indicator per line.
    #[serde(default)]
    indicators: String,
    #[serde(default)]
    tlp: String,
    /// `community:2,sector:local_government,org:3` (the import forms'
    /// spelling); empty means the collection's community.
    #[serde(default)]
    audience: String,
    /// Set by the "audience chosen" box: an empty audience must be chosen,
    /// not left.
    #[serde(default)]
    audience_chosen: String,
    #[serde(default)]
    sources: String,
}

impl PortalForm for AlertForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/alerts/new".to_owned()
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl AlertForm {
    fn draft(&self) -> Result<AlertDraft, ApiError> {
        if self.tlp.trim().is_empty() {
            return Err(
                ApiError::field("tlp", "choose a TLP level").with_code("share-choose-tlp", &[])
            );
        }
        let tlp = Tlp::parse(self.tlp.trim())?;
        if self.audience_chosen.is_empty() && self.audience.trim().is_empty() {
            return Err(ApiError::field("audience", "choose the audience")
                .with_code("alert-choose-audience", &[]));
        }
        let audience = Audience::parse_list(&self.audience)?;
        let mut source_reports = Vec::new();
        for t in self.sources.split(|c: char| c == ',' || c.is_whitespace()) {
            if t.is_empty() {
                continue;
            }
            let id = t.trim_start_matches('#').parse::<i64>().map_err(|_| {
                ApiError::field("source_reports", format!("{t:?} is not a report id"))
            })?;
            source_reports.push(id);
        }
        Ok(AlertDraft {
            title: self.title.clone(),
            summary: self.summary.clone(),
            steps: lines(&self.steps),
            indicators: lines(&self.indicators),
            tlp,
            audience,
            collection: None,
            source_reports,
        })
    }
}

#[derive(Deserialize, Default)]
struct EditorQuery {
    /// Start from this report, sanitised (sanitise-and-share).
    from_report: Option<i64>,
}

async fn editor(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    axum::extract::Query(q): axum::extract::Query<EditorQuery>,
) -> Response {
    let mut form = AlertForm::default();
    if let Some(id) = q.from_report.filter(|_| p.user.is_some()) {
        match super::sanitise_share::from_report(&s, &p.actor, id).await {
            Ok(f) => {
                form.title = f.title;
                form.summary = f.summary;
                form.indicators = f.indicators;
                form.sources = f.sources;
            }
            Err(e) => return error_page(&s, &p, lang, e).await,
        }
    }
    edit_page(&s, lang, &p, form, None, StatusCode::OK).await
}

async fn edit_page(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    form: AlertForm,
    error: Option<ApiError>,
    status: StatusCode,
) -> Response {
    if let Some(r) = login_redirect(p, "/alerts/new") {
        return r;
    }
    let tlps: Vec<&str> = Tlp::ALL.iter().map(|t| t.as_str()).collect();
    let l = layout(s, p, lang, "/alerts/new").await;
    render(
        s,
        status,
        "alert_new.html",
        context! { l, f => Value::from_serialize(&form), tlps, error => error_ctx(error) },
    )
}

async fn create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<AlertForm>,
) -> Response {
    let res = match f.draft() {
        Ok(d) => publish(&s, &p.actor, d).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(a) => see_other(&format!("/alerts/{}?ok=issued", a.id)),
        Err(e) => {
            let code = e.status;
            let code = if code.is_server_error() {
                code
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            edit_page(&s, lang, &p, f, Some(e), code).await
        }
    }
}
