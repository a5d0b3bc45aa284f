//! The portal's intelligence pages beyond the collection list: search, an
//! object's page (versions, correlations, sightings), the share form with an
//! explicit TLP and audience, import upload with a per-line error report,
//! export downloads, notifications and the organisation's warning-list
//! entries. Every read goes through the store's
//! access rule and audit, as the REST API's do.

use axum::Form;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::{Audience, CommunityId, Sector, Timestamp, Tlp};
use renkei_stix::{LineError, StixTime};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::intel_api::{ExportParams, MAX_IMPORT_BYTES, SearchParams};
use crate::portal::{
    CsrfForm, error_ctx, error_page, lang_of, layout, login_redirect, org_name, refuse_form,
    render, tlp_class,
};
use crate::share::{self, ShareError, ShareOptions};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/intel/search", get(search_page))
        .route(
            "/intel/objects/{id}",
            get(object_page).post(sighting_create),
        )
        .route("/intel/share", get(share_page).post(share_create))
        .route(
            "/intel/import",
            get(import_page)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route("/intel/export/{format}", get(export_download))
        .route("/notifications", get(notifications_page))
        .route(
            "/intel/warninglists",
            get(warninglists_page).post(warning_add),
        )
        .route(
            "/intel/warninglists/{id}/remove",
            axum::routing::post(warning_remove),
        )
}

fn time(us: i64) -> String {
    Timestamp(us).to_jst_display()
}

fn text(body: &serde_json::Value, k: &str) -> String {
    body.get(k)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// One object row for a results table.
fn object_row(f: &renkei_store::index::FoundObject) -> Value {
    let body: serde_json::Value = serde_json::from_str(&f.row.body).unwrap_or_default();
    context! {
        id => f.row.stix_id.clone(), kind => f.row.stix_type.clone(), name => text(&body, "name"),
        pattern => text(&body, "pattern"), tlp => f.row.tlp.as_str(), tlp_class => tlp_class(f.row.tlp),
        added => time(f.row.date_added),
    }
}

async fn search_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(q): Query<SearchParams>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel/search") {
        return r;
    }
    let lang = lang_of(&jar);
    let searched =
        q.q.is_some() || q.kind.is_some() || q.tlp.is_some() || q.from.is_some() || q.org.is_some();
    let (rows, error) = if searched {
        match q.query() {
            Ok(query) => match s.store.search(&p.actor, &query).await {
                Ok(found) => (found.iter().map(object_row).collect::<Vec<_>>(), None),
                Err(e) => (Vec::new(), Some(ApiError::from(e))),
            },
            Err(e) => (Vec::new(), Some(e)),
        }
    } else {
        (Vec::new(), None)
    };
    let l = layout(&s, &p, lang, "/intel").await;
    let orgs: Vec<Value> = s
        .store
        .list_orgs()
        .await
        .unwrap_or_default()
        .iter()
        .map(|o| context! { id => o.id.0, name => org_name(o, lang) })
        .collect();
    let form = context! {
        org => q.org.as_deref().and_then(|o| o.parse::<i64>().ok()).unwrap_or_default(),
        q => q.q.clone().unwrap_or_default(), kind => q.kind.clone().unwrap_or_default(),
        tlp => q.tlp.clone().unwrap_or_default(), from => q.from.clone().unwrap_or_default(),
        until => q.until.clone().unwrap_or_default(),
    };
    render(
        &s,
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        "intel_search.html",
        context! { l, rows, searched, form, orgs, tlps => Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(), error => error_ctx(error) },
    )
}

async fn object_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    id: &str,
    flash: Option<&str>,
    error: Option<ApiError>,
) -> Response {
    let versions = match s.store.object_versions(&p.actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let correlations = s
        .store
        .correlate(&p.actor, id, 20)
        .await
        .unwrap_or_default();
    let sightings = s.store.sightings_of(&p.actor, id).await.unwrap_or_default();
    let warnings = share::warning_lists(s.store.as_ref(), p.viewer().org)
        .await
        .ok();
    let orgs = s.store.list_orgs().await.unwrap_or_default();
    let org = |id: i64| {
        orgs.iter()
            .find(|o| o.id.0 == id)
            .map_or_else(|| id.to_string(), |o| org_name(o, lang))
    };
    let now = Timestamp::now();
    // The page is headed by the newest version of the organisation that
    // shared the id first (only it adds versions in its collection); copies
    // under the same id from others are listed as versions with their owner.
    let first_owner = versions.last().map(|v| v.owner_org);
    let latest: serde_json::Value = versions
        .iter()
        .find(|v| Some(v.owner_org) == first_owner)
        .and_then(|v| serde_json::from_str(&v.row.body).ok())
        .unwrap_or_default();
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let body: serde_json::Value = serde_json::from_str(&v.row.body).unwrap_or_default();
            context! {
                version => v.row.version.clone(), added => time(v.row.date_added), tlp => v.row.tlp.as_str(),
                tlp_class => tlp_class(v.row.tlp), owner => org(v.owner_org),
                json => serde_json::to_string_pretty(&body).unwrap_or_default(),
            }
        })
        .collect();
    let correlations: Vec<Value> = correlations
        .iter()
        .map(|h| {
            let lists = warnings.as_ref().map(|w| w.matches(&h.value).iter().map(|k| (*k).to_owned()).collect::<Vec<_>>()).unwrap_or_default();
            context! {
                kind => h.value.kind().as_str(), value => h.value.value(), total => h.total, lists,
                hits => h.hits.iter().map(|x| context! {
                    id => x.stix_id.clone(), tlp => x.tlp.as_str(), tlp_class => tlp_class(x.tlp), owner => org(x.owner_org),
                    matched => x.value.clone(), added => time(x.date_added),
                    decay => renkei_core::decay_score(x.kind, Timestamp(x.valid_from), x.valid_until.map(Timestamp), None, now),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let sightings = context! {
        count => sightings.count, reports => sightings.reports,
        first => sightings.first_seen.map(time), last => sightings.last_seen.map(time),
        by_org => sightings.by_org.iter().map(|(o, n)| context! { org => org(*o), count => n }).collect::<Vec<_>>(),
    };
    let l = layout(s, p, lang, "/intel").await;
    render(
        s,
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        "intel_object.html",
        context! {
            l, id, name => text(&latest, "name"), kind => text(&latest, "type"), pattern => text(&latest, "pattern"),
            description => text(&latest, "description"), versions, correlations, sightings,
            tlps => Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(), flash, error => error_ctx(error),
        },
    )
}

async fn object_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, &format!("/intel/objects/{id}")) {
        return r;
    }
    let flash =
        q.ok.as_deref()
            .filter(|k| *k == "sighting-reported")
            .map(|_| "sighting-reported");
    object_view(&s, &p, lang_of(&jar), &id, flash, None).await
}

#[derive(Deserialize)]
struct FlashQuery {
    ok: Option<String>,
}

#[derive(Deserialize)]
struct SightingForm {
    csrf: String,
    count: String,
    tlp: Option<String>,
}

/// Reports a sighting of the object, under its own explicitly chosen TLP.
async fn sighting_create(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Path(id): Path<String>,
    Form(f): Form<SightingForm>,
) -> Response {
    let lang = lang_of(&jar);
    let path = format!("/intel/objects/{id}");
    if let Some(r) = refuse_form(&s, &p, lang, &path, &f.csrf).await {
        return r;
    }
    let result: Result<(), ApiError> = async {
        let tlp = f
            .tlp
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::field("tlp", "choose a TLP level"))
            .and_then(|t| Tlp::parse(t).map_err(|e| ApiError::field("tlp", e.to_string())))?;
        let count: i64 = f
            .count
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=1_000_000_000).contains(n))
            .ok_or_else(|| ApiError::field("count", "a whole number from 1"))?;
        // The sighted object must be readable by the one reporting it.
        s.store.object_versions(&p.actor, &id).await?;
        let now = StixTime::from_timestamp(Timestamp::now());
        let o = serde_json::json!({
            "type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", uuid::Uuid::new_v4()),
            "created": now.text, "modified": now.text, "sighting_of_ref": id, "count": count,
            "object_marking_refs": [renkei_stix::tlp_marking_id(tlp)],
        });
        let obj = renkei_stix::parse_object(&o, None)
            .map_err(|e| ApiError::field("sighting", e.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
        let collection = share::default_collection(s.store.as_ref(), p.viewer())
            .await?
            .ok_or_else(|| ApiError::field("collection", "you may add to no collection"))?;
        share::share_objects(s.store.as_ref(), &p.actor, &collection, std::slice::from_ref(&obj), Some(tlp), &Audience::default()).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("{path}?ok=sighting-reported")).into_response(),
        Err(e) => object_view(&s, &p, lang, &id, None, Some(e)).await,
    }
}

/// What the share and import forms offer: collections the user may add to,
/// their communities, sectors, TLP levels.
async fn share_choices(s: &AppState, p: &Principal, lang: Lang) -> Value {
    let collections: Vec<Value> = s
        .store
        .list_collections()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| renkei_core::can_write_community(p.viewer(), c.community))
        .map(|c| context! { id => c.id, title => c.title })
        .collect();
    let communities: Vec<Value> = s
        .store
        .list_communities()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| p.viewer().communities.contains(&c.id))
        .map(|c| context! { id => c.id.0, name => if lang == Lang::Ja { c.name_ja } else { c.name_en } })
        .collect();
    context! {
        collections, communities,
        sectors => Sector::KNOWN.to_vec(),
        tlps => Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
    }
}

/// The share form's fields (and the import form's, less the values).
#[derive(Debug, Default, Deserialize)]
struct ShareForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    values: String,
    tlp: Option<String>,
    #[serde(default)]
    collection: String,
    #[serde(default)]
    description: String,
    /// Repeated checkboxes arrive as one comma-joined list each.
    #[serde(default)]
    communities: String,
    #[serde(default)]
    sectors: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    skip_invalid: String,
}

impl ShareForm {
    fn tlp(&self) -> Result<Tlp, ApiError> {
        let t = self
            .tlp
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::field("tlp", "choose the TLP level explicitly"))?;
        Tlp::parse(t).map_err(|e| ApiError::field("tlp", e.to_string()))
    }

    fn audience(&self) -> Result<Audience, ApiError> {
        let mut a = Audience::default();
        for c in self
            .communities
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let id = c
                .parse()
                .map_err(|_| ApiError::field("communities", format!("{c:?} is not a community")))?;
            a.communities.push(CommunityId(id));
        }
        for x in self
            .sectors
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            a.sectors
                .push(Sector::parse(x).map_err(|e| ApiError::field("sectors", e.to_string()))?);
        }
        Ok(a)
    }

    async fn collection(
        &self,
        s: &AppState,
        p: &Principal,
    ) -> Result<renkei_core::model::Collection, ApiError> {
        let c = s
            .store
            .get_collection(self.collection.trim())
            .await
            .map_err(|_| ApiError::field("collection", "choose a collection"))?;
        if !renkei_core::can_write_community(p.viewer(), c.community) {
            return Err(ApiError::field(
                "collection",
                "you may not add to this collection",
            ));
        }
        Ok(c)
    }
}

/// Reads repeated form fields (`communities=1&communities=2`) into one
/// comma-joined value each, which `serde_urlencoded` cannot do itself.
fn join_repeated(body: &str) -> ShareForm {
    let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        map.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    let one = |k: &str| map.get(k).map(|v| v.join(",")).unwrap_or_default();
    ShareForm {
        csrf: one("csrf"),
        values: map.get("values").map(|v| v.join("\n")).unwrap_or_default(),
        tlp: map.get("tlp").and_then(|v| v.first().cloned()),
        collection: one("collection"),
        description: one("description"),
        communities: one("communities"),
        sectors: one("sectors"),
        format: one("format"),
        skip_invalid: one("skip_invalid"),
    }
}

fn line_rows(errors: &[LineError]) -> Vec<Value> {
    errors
        .iter()
        .map(|e| context! { line => e.line, field => e.field, input => e.input.clone(), message => e.message.clone() })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn share_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    template: &str,
    form: &ShareForm,
    lines: Vec<Value>,
    stored: Option<usize>,
    error: Option<ApiError>,
) -> Response {
    let choices = share_choices(s, p, lang).await;
    let path = if template == "intel_share.html" {
        "/intel/share"
    } else {
        "/intel/import"
    };
    let l = layout(s, p, lang, path).await;
    let status = if error.is_some() || !lines.is_empty() && stored.is_none() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let form = context! {
        values => form.values.clone(), tlp => form.tlp.clone().unwrap_or_default(), collection => form.collection.clone(),
        description => form.description.clone(), format => form.format.clone(),
        communities => form.communities.split(',').map(str::to_owned).collect::<Vec<_>>(),
        sectors => form.sectors.split(',').map(str::to_owned).collect::<Vec<_>>(),
    };
    render(
        s,
        status,
        template,
        context! { l, choices, form, lines, stored, error => error_ctx(error) },
    )
}

/// A share or import form, empty.
async fn blank_form(
    s: &AppState,
    p: &Principal,
    jar: &CookieJar,
    path: &str,
    template: &str,
) -> Response {
    if let Some(r) = login_redirect(p, path) {
        return r;
    }
    let form = ShareForm::default();
    share_view(s, p, lang_of(jar), template, &form, Vec::new(), None, None).await
}

async fn share_page(State(s): State<AppState>, jar: CookieJar, p: Principal) -> Response {
    blank_form(&s, &p, &jar, "/intel/share", "intel_share.html").await
}

/// Shares the values in the text box (one per line or pasted prose;
/// defanged forms refanged) as indicators, all or nothing.
async fn share_create(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    body: String,
) -> Response {
    let lang = lang_of(&jar);
    let f = join_repeated(&body);
    if let Some(r) = refuse_form(&s, &p, lang, "/intel/share", &f.csrf).await {
        return r;
    }
    let view = |lines: Vec<Value>, stored: Option<usize>, e: Option<ApiError>| {
        let (s, p, f) = (&s, &p, &f);
        async move { share_view(s, p, lang, "intel_share.html", f, lines, stored, e).await }
    };
    let (tlp, audience, collection) = match (f.tlp(), f.audience(), f.collection(&s, &p).await) {
        (Ok(t), Ok(a), Ok(c)) => (t, a, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return view(Vec::new(), None, Some(e)).await;
        }
    };
    let list = renkei_stix::parse_text(&f.values);
    let description = Some(f.description.trim().to_owned()).filter(|d| !d.is_empty());
    let opts = ShareOptions {
        tlp,
        audience,
        description,
    };
    let lines = line_rows(&list.errors);
    match share_list(&s, &p, "values", &list, false, &collection, &opts).await {
        Ok(n) => view(lines, Some(n), None).await,
        Err(e) => view(lines, None, Some(e)).await,
    }
}

/// Shares a parsed list: all or nothing unless `skip_invalid`; errors
/// name `field` (the form's text box or file).
async fn share_list(
    s: &AppState,
    p: &Principal,
    field: &'static str,
    list: &renkei_stix::ListImport,
    skip_invalid: bool,
    collection: &renkei_core::model::Collection,
    opts: &ShareOptions,
) -> Result<usize, ApiError> {
    if !list.errors.is_empty() && !skip_invalid {
        return Err(ApiError::field(
            field,
            "some lines could not be read; nothing was stored",
        ));
    }
    if list.entries.is_empty() {
        return Err(ApiError::field(field, "no indicator value found"));
    }
    match share::share_values(s.store.as_ref(), &p.actor, collection, &list.entries, opts).await {
        Ok(out) => Ok(out.successes.len()),
        Err(ShareError::Invalid(errs)) => Err(ApiError::field(
            field,
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(ShareError::Store(e)) => Err(e.into()),
    }
}

async fn import_page(State(s): State<AppState>, jar: CookieJar, p: Principal) -> Response {
    blank_form(&s, &p, &jar, "/intel/import", "intel_import.html").await
}

/// A file upload (CSV, free text, MISP event, STIX bundle) with a report of
/// every line or object that could not be read.
async fn import_upload(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    mut mp: Multipart,
) -> Response {
    let lang = lang_of(&jar);
    let mut fields = Vec::new();
    let mut file: Vec<u8> = Vec::new();
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) if name == "file" => file = b.to_vec(),
                    Ok(b) => fields.push(format!(
                        "{}={}",
                        crate::portal::urlencode(&name),
                        crate::portal::urlencode(&String::from_utf8_lossy(&b))
                    )),
                    Err(e) => {
                        return error_page(
                            &s,
                            &p,
                            lang,
                            ApiError::new(e.status(), "Upload failed", e.body_text()),
                        )
                        .await;
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                return error_page(
                    &s,
                    &p,
                    lang,
                    ApiError::new(e.status(), "Upload failed", e.body_text()),
                )
                .await;
            }
        }
    }
    let f = join_repeated(&fields.join("&"));
    if let Some(r) = refuse_form(&s, &p, lang, "/intel/import", &f.csrf).await {
        return r;
    }
    let view = |lines: Vec<Value>, stored: Option<usize>, e: Option<ApiError>| {
        let (s, p, f) = (&s, &p, &f);
        async move { share_view(s, p, lang, "intel_import.html", f, lines, stored, e).await }
    };
    if file.is_empty() {
        return view(
            Vec::new(),
            None,
            Some(ApiError::field("file", "choose a file")),
        )
        .await;
    }
    let (audience, collection) = match (f.audience(), f.collection(&s, &p).await) {
        (Ok(a), Ok(c)) => (a, c),
        (Err(e), _) | (_, Err(e)) => return view(Vec::new(), None, Some(e)).await,
    };
    let store = s.store.as_ref();
    let outcome = match f.format.as_str() {
        "csv" | "text" => {
            let tlp = match f.tlp() {
                Ok(t) => t,
                Err(e) => return view(Vec::new(), None, Some(e)).await,
            };
            let list = if f.format == "csv" {
                match renkei_stix::parse_csv(&file) {
                    Ok(l) => l,
                    Err(e) => {
                        return view(
                            Vec::new(),
                            None,
                            Some(ApiError::field("file", e.to_string())),
                        )
                        .await;
                    }
                }
            } else {
                renkei_stix::parse_text(&String::from_utf8_lossy(&file))
            };
            let opts = ShareOptions {
                tlp,
                audience,
                description: None,
            };
            let skip = !f.skip_invalid.is_empty();
            let lines = line_rows(&list.errors);
            return match share_list(&s, &p, "file", &list, skip, &collection, &opts).await {
                Ok(n) => view(lines, Some(n), None).await,
                Err(e) => view(lines, None, Some(e)).await,
            };
        }
        "misp" | "stix" => {
            let tlp = f.tlp().ok();
            let objects = if f.format == "misp" {
                share::misp_objects(&file, p.viewer().org).map(|(o, i)| (o, i.tlp))
            } else {
                serde_json::from_slice::<serde_json::Value>(&file)
                    .map_err(|e| {
                        vec![renkei_stix::FieldError {
                            index: None,
                            id: None,
                            field: "file".into(),
                            message: format!("not JSON: {e}"),
                        }]
                    })
                    .and_then(|v| renkei_stix::parse_bundle(&v).map_err(|e| e.0))
                    .map(|o| (o, None))
            };
            match objects {
                Ok((objects, event_tlp)) => share::share_objects(
                    store,
                    &p.actor,
                    &collection,
                    &objects,
                    tlp.or(event_tlp),
                    &audience,
                )
                .await
                .map(|o| o.successes.len())
                .map_err(ApiError::from),
                Err(errs) => {
                    let lines: Vec<Value> = errs
                        .iter()
                        .map(|e| context! { line => e.index.map_or(0, |i| i + 1), field => e.field.clone(), input => e.id.clone().unwrap_or_default(), message => e.message.clone() })
                        .collect();
                    return view(
                        lines,
                        None,
                        Some(ApiError::field(
                            "file",
                            "some objects could not be read; nothing was stored",
                        )),
                    )
                    .await;
                }
            }
        }
        _ => Err(ApiError::field("format", "choose a format")),
    };
    match outcome {
        Ok(n) => view(Vec::new(), Some(n), None).await,
        Err(e) => view(Vec::new(), None, Some(e)).await,
    }
}

/// Downloads an export of what the user may read.
async fn export_download(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Path(format): Path<String>,
    Query(q): Query<ExportParams>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel") {
        return r;
    }
    match crate::intel_api::export_body(&s, &p, &format, &q).await {
        Ok((body, content_type, ext)) => (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"renkei-export.{ext}\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => error_page(&s, &p, lang_of(&jar), e).await,
    }
}

/// What arrived since the user last looked (objects they may read), then
/// marks it seen.
async fn notifications_page(State(s): State<AppState>, jar: CookieJar, p: Principal) -> Response {
    if let Some(r) = login_redirect(&p, "/notifications") {
        return r;
    }
    let lang = lang_of(&jar);
    let Some(user) = p.user.as_ref().map(|u| u.id) else {
        return error_page(&s, &p, lang, ApiError::unauthorized()).await;
    };
    let seen = s.store.notifications_seen(user).await.unwrap_or((0, 0));
    let found = match s.store.added_since(&p.actor, seen, 200).await {
        Ok(f) => f,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    if let Some(last) = found.last()
        && let Err(e) = s
            .store
            .mark_notifications_seen(user, (last.row.date_added, last.row.pk))
            .await
    {
        tracing::warn!(error = %e, "could not mark notifications seen");
    }
    let rows: Vec<Value> = found.iter().rev().map(object_row).collect();
    let l = layout(&s, &p, lang, "/notifications").await;
    render(
        &s,
        StatusCode::OK,
        "notifications.html",
        context! { l, rows, seen => (seen.0 > 0).then(|| time(seen.0)) },
    )
}

/// The warning-list form as submitted (every field optional, so a missing
/// one is named by the check that needs it rather than by a form rejection).
#[derive(Debug, Default, Deserialize)]
struct WarningForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    value: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    description: String,
}

/// Built-in lists and the organisation's own entries, with the add form.
async fn warninglists_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    flash: Option<&'static str>,
    form: &WarningForm,
    error: Option<ApiError>,
) -> Response {
    let entries = match p.viewer().org {
        Some(o) => match s.store.list_warning_entries(o.0).await {
            Ok(e) => e,
            Err(e) => return error_page(s, p, lang, e.into()).await,
        },
        None => Vec::new(),
    };
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            context! {
                id => e.id, list => e.list_key.clone(), kind => e.value.kind().as_str(),
                value => e.value.value().to_owned(), description => e.description.clone(),
                added => time(e.created_at),
            }
        })
        .collect();
    let builtin: Vec<Value> = renkei_core::warning::builtin()
        .iter()
        .map(|b| context! { key => b.key.clone(), description => b.description.clone(), entries => b.entries.len() })
        .collect();
    let kinds: Vec<&str> = renkei_core::ValueKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let l = layout(s, p, lang, "/intel/warninglists").await;
    render(
        s,
        status,
        "warninglists.html",
        context! {
            l, entries, builtin, kinds, flash, error => error_ctx(error),
            form => context! { list => form.list.clone(), value => form.value.clone(), type => form.kind.clone(), description => form.description.clone() },
        },
    )
}

async fn warninglists_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(q): Query<FlashQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel/warninglists") {
        return r;
    }
    let flash = match q.ok.as_deref() {
        Some("warning-added") => Some("warning-added"),
        Some("warning-removed") => Some("warning-removed"),
        _ => None,
    };
    warninglists_view(&s, &p, lang_of(&jar), flash, &WarningForm::default(), None).await
}

/// Adds a known-benign value for the organisation (the store lets
/// reporters and administrators do so, and audits it).
async fn warning_add(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<WarningForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/intel/warninglists", &f.csrf).await {
        return r;
    }
    let result: Result<(), ApiError> = async {
        let v = crate::intel_api::parse_value(&f.value, Some(&f.kind))?;
        renkei_core::warning::check_entry(&v)
            .map_err(|e| ApiError::field("value", e.to_string()))?;
        s.store
            .add_warning_entry(&p.actor, &f.list, &f.description, &v)
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/intel/warninglists?ok=warning-added").into_response(),
        Err(e) => warninglists_view(&s, &p, lang, None, &f, Some(e)).await,
    }
}

/// Removes one of the organisation's entries (stamped removed, kept).
async fn warning_remove(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/intel/warninglists", &f.csrf).await {
        return r;
    }
    match s.store.remove_warning_entry(&p.actor, id).await {
        Ok(()) => Redirect::to("/intel/warninglists?ok=warning-removed").into_response(),
        Err(e) => {
            warninglists_view(&s, &p, lang, None, &WarningForm::default(), Some(e.into())).await
        }
    }
}
