//! The portal's share form (values typed or pasted, with an explicit TLP
//! and audience) and import upload (CSV, free text, MISP event, STIX
//! bundle), each with a report of every line or object that could not be
//! read.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::{Audience, CommunityId, Sector, Timestamp, Tlp, UserId};
use renkei_stix::{LineError, LineNote, ListFormat, ListImport, ListOptions};
use serde::Deserialize;

use super::imports::{MAX_IMPORT_BYTES, check_red, list_error, resolve_recipients};
use super::service::{self, ShareError, ShareOptions};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::messages::{self, Localized};
use crate::http::page::{
    error_ctx, error_page, layout, login_redirect, refuse_form, render, urlencode,
};
use crate::http::parse::ParsePlace;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/intel/share", get(share_page).post(share_create))
        .route(
            "/intel/import",
            get(import_page)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)),
        )
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
    /// TLP:RED's readers: e-mail addresses or user ids.
    #[serde(default)]
    recipients: String,
    #[serde(default)]
    value_column: String,
    #[serde(default)]
    comment_prefix: String,
}

impl ShareForm {
    fn tlp(&self) -> Result<Tlp, ApiError> {
        let t = self
            .tlp
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::field("tlp", "choose the TLP level explicitly")
                    .with_code("tlp-required", &[])
            })?;
        Tlp::parse(t).map_err(ApiError::from)
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
        recipients: one("recipients"),
        value_column: one("value_column"),
        comment_prefix: one("comment_prefix"),
    }
}

/// The form's TLP:RED recipients, each an active user.
async fn recipients(s: &AppState, lang: Lang, f: &ShareForm) -> Result<Vec<UserId>, ApiError> {
    if f.recipients.trim().is_empty() {
        return Ok(Vec::new());
    }
    resolve_recipients(s, lang, &f.recipients).await
}

/// How a list was read, for the report above the form: its layout, every
/// line counted, notices and skipped lines.
fn report(l: &ListImport) -> Value {
    let notes = |n: &[LineNote]| -> Vec<Value> {
        n.iter()
            .map(|n| context! { line => n.line, code => n.code, input => n.input.clone(), detail => n.detail.clone() })
            .collect()
    };
    let c = l.counts;
    context! {
        layout => l.layout.as_str(),
        lines => c.lines, read => c.read, refused => c.refused, skipped => c.skipped,
        comments => c.comments, blank => c.blank,
        notices => notes(&l.notices), skipped_lines => notes(&l.skipped),
    }
}

fn line_rows(errors: &[LineError]) -> Vec<Value> {
    errors
        .iter()
        .map(|e| context! { line => e.line, field => e.field, input => e.input.clone(), message => Localized::value(|lang| messages::for_line(e, lang)) })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn share_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    template: &str,
    form: &ShareForm,
    (lines, report): (Vec<Value>, Option<Value>),
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
    let status = if let Some(e) = error.as_ref().filter(|e| e.status.is_server_error()) {
        // A busy server says so (503, with Retry-After below).
        e.status
    } else if error.is_some() || !lines.is_empty() && stored.is_none() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let form = context! {
        values => form.values.clone(), tlp => form.tlp.clone().unwrap_or_default(), collection => form.collection.clone(),
        description => form.description.clone(), format => form.format.clone(),
        communities => form.communities.split(',').map(str::to_owned).collect::<Vec<_>>(),
        sectors => form.sectors.split(',').map(str::to_owned).collect::<Vec<_>>(),
        recipients => form.recipients.clone(), value_column => form.value_column.clone(),
        comment_prefix => form.comment_prefix.clone(),
    };
    let retry_after = error.as_ref().and_then(|e| e.retry_after);
    let mut r = render(
        s,
        status,
        template,
        context! { l, choices, form, lines, report, stored, error => error_ctx(error) },
    );
    if let Some(secs) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

/// A share or import form, empty.
async fn blank_form(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    path: &str,
    template: &str,
) -> Response {
    if let Some(r) = login_redirect(p, path) {
        return r;
    }
    let form = ShareForm::default();
    share_view(s, p, lang, template, &form, (Vec::new(), None), None, None).await
}

async fn share_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    blank_form(&s, &p, lang, "/intel/share", "intel_share.html").await
}

/// Shares the values in the text box (one per line or pasted prose;
/// defanged forms refanged) as indicators, all or nothing.
async fn share_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    body: String,
) -> Response {
    let f = join_repeated(&body);
    if let Some(r) = refuse_form(&s, &p, lang, "/intel/share", &f.csrf).await {
        return r;
    }
    let view = |lines: (Vec<Value>, Option<Value>), stored: Option<usize>, e: Option<ApiError>| {
        let (s, p, f) = (&s, &p, &f);
        async move { share_view(s, p, lang, "intel_share.html", f, lines, stored, e).await }
    };
    let (tlp, audience, collection) = match (f.tlp(), f.audience(), f.collection(&s, &p).await) {
        (Ok(t), Ok(a), Ok(c)) => (t, a, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return view((Vec::new(), None), None, Some(e)).await;
        }
    };
    let named = match recipients(&s, lang, &f).await {
        Ok(r) => r,
        Err(e) => return view((Vec::new(), None), None, Some(e)).await,
    };
    if let Err(e) = check_red(lang, tlp, &p.actor, &named) {
        return view((Vec::new(), None), None, Some(e)).await;
    }
    let values = f.values.clone();
    let place = match s.parse.place() {
        Ok(place) => place,
        Err(e) => return view((Vec::new(), None), None, Some(e.error(lang))).await,
    };
    let list = match place.run(move || renkei_stix::parse_text(&values)).await {
        Ok(l) => l,
        Err(e) => return view((Vec::new(), None), None, Some(e.error(lang))).await,
    };
    let description = Some(f.description.trim().to_owned()).filter(|d| !d.is_empty());
    let opts = ShareOptions {
        tlp,
        audience,
        description,
        recipients: named,
    };
    let lines = (line_rows(&list.errors), Some(report(&list)));
    let list_as = (lang, "values", false);
    match share_list(&s, &p, &place, list_as, list, &collection, opts).await {
        Ok(n) => view(lines, Some(n), None).await,
        Err(e) => view(lines, None, Some(e)).await,
    }
}

/// Shares a parsed list: all or nothing unless `skip_invalid`; errors
/// name `field` (the form's text box or file). The indicators are built
/// and validated on the parse pool.
async fn share_list(
    s: &AppState,
    p: &Principal,
    place: &ParsePlace,
    (lang, field, skip_invalid): (Lang, &'static str, bool),
    list: renkei_stix::ListImport,
    collection: &renkei_core::model::Collection,
    opts: ShareOptions,
) -> Result<usize, ApiError> {
    if !list.errors.is_empty() && !skip_invalid {
        return Err(
            ApiError::field(field, "some lines could not be read; nothing was stored")
                .with_code("lines-refused", &[]),
        );
    }
    if list.entries.is_empty() {
        return Err(ApiError::field(field, "no indicator value found").with_code("no-values", &[]));
    }
    let entries = list.entries;
    let versions = place
        .run(move || service::indicator_versions(&entries, &opts))
        .await
        .map_err(|e| e.error(lang))?
        .map_err(|errs| {
            ApiError::field(
                field,
                errs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    let out = s
        .store
        .add_stix_whole(&p.actor, collection, versions)
        .await?;
    Ok(out.successes.len())
}

async fn import_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    blank_form(&s, &p, lang, "/intel/import", "intel_import.html").await
}

/// A file upload (CSV, free text, MISP event, STIX bundle) with a report of
/// every line or object that could not be read.
async fn import_upload(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    mut mp: Multipart,
) -> Response {
    // A place on the parse pool before the file (up to 16 MiB) is read.
    let place = match s.parse.place() {
        Ok(place) => place,
        Err(e) => return error_page(&s, &p, lang, e.error(lang)).await,
    };
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
                        urlencode(&name),
                        urlencode(&String::from_utf8_lossy(&b))
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
    let view = |lines: (Vec<Value>, Option<Value>), stored: Option<usize>, e: Option<ApiError>| {
        let (s, p, f) = (&s, &p, &f);
        async move { share_view(s, p, lang, "intel_import.html", f, lines, stored, e).await }
    };
    let none = || (Vec::new(), None);
    if file.is_empty() {
        return view(none(), None, Some(ApiError::field("file", "choose a file"))).await;
    }
    let (audience, collection) = match (f.audience(), f.collection(&s, &p).await) {
        (Ok(a), Ok(c)) => (a, c),
        (Err(e), _) | (_, Err(e)) => return view(none(), None, Some(e)).await,
    };
    let named = match recipients(&s, lang, &f).await {
        Ok(r) => r,
        Err(e) => return view(none(), None, Some(e)).await,
    };
    let store = s.store.as_ref();
    let outcome = match f.format.as_str() {
        "csv" | "text" => {
            let tlp = match f
                .tlp()
                .and_then(|t| check_red(lang, t, &p.actor, &named).map(|()| t))
            {
                Ok(t) => t,
                Err(e) => return view(none(), None, Some(e)).await,
            };
            let opts = ListOptions {
                value_column: Some(f.value_column.trim().to_owned()).filter(|c| !c.is_empty()),
                comment_prefix: Some(f.comment_prefix.trim().to_owned()).filter(|c| !c.is_empty()),
                now: Some(Timestamp::now()),
            };
            let format = if f.format == "csv" {
                ListFormat::Csv
            } else {
                ListFormat::Text
            };
            let parsed = place
                .run(move || renkei_stix::parse_list(&file, format, &opts))
                .await;
            let list = match parsed {
                Ok(Ok(l)) => l,
                Ok(Err(e)) => {
                    let mut e = list_error(e);
                    if e.field.as_deref() == Some("body") {
                        e.field = Some("file".into());
                    }
                    return view(none(), None, Some(e)).await;
                }
                Err(e) => return view(none(), None, Some(e.error(lang))).await,
            };
            let opts = ShareOptions {
                tlp,
                audience,
                description: None,
                recipients: named,
            };
            let skip = !f.skip_invalid.is_empty();
            let lines = (line_rows(&list.errors), Some(report(&list)));
            let list_as = (lang, "file", skip);
            return match share_list(&s, &p, &place, list_as, list, &collection, opts).await {
                Ok(n) => view(lines, Some(n), None).await,
                Err(e) => view(lines, None, Some(e)).await,
            };
        }
        "misp" | "stix" => {
            let tlp = f.tlp().ok();
            let objects: Result<Vec<renkei_stix::StixObject>, Vec<renkei_stix::FieldError>> =
                if f.format == "misp" {
                    let configured = s
                        .settings
                        .derived_id_key()
                        .map_err(|e| ApiError::field("derived_id_key", e));
                    let key = match configured {
                        Ok(c) => service::derived_id_key(store, c)
                            .await
                            .map_err(ApiError::from),
                        Err(e) => Err(e),
                    };
                    let key = match key {
                        Ok(key) => key,
                        Err(e) => return view(none(), None, Some(e)).await,
                    };
                    let skip_invalid = !f.skip_invalid.is_empty();
                    let org = p.viewer().org;
                    let read = place
                        .run(move || super::read_misp(&file, &key, org, skip_invalid))
                        .await;
                    let opts = super::MispShareOptions {
                        tlp,
                        audience: audience.clone(),
                        skip_invalid,
                        recipients: named.clone(),
                    };
                    let shared = match read {
                        Ok(Ok(import)) => {
                            super::share_misp_import(store, &p.actor, &collection, import, &opts)
                                .await
                        }
                        Ok(Err(e)) => Err(e),
                        Err(e) => return view(none(), None, Some(e.error(lang))).await,
                    };
                    match shared {
                        Ok(out) => {
                            return view(none(), Some(out.outcome.successes.len()), None).await;
                        }
                        Err(ShareError::Invalid(errs)) => Err(errs),
                        Err(ShareError::Store(e)) => {
                            return view(none(), None, Some(e.into())).await;
                        }
                    }
                } else {
                    let parsed = place
                        .run(move || {
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
                        })
                        .await;
                    match parsed {
                        Ok(o) => o,
                        Err(e) => return view(none(), None, Some(e.error(lang))).await,
                    }
                };
            match objects {
                Ok(objects) => service::share_objects_to(
                    store,
                    &p.actor,
                    &collection,
                    &objects,
                    tlp,
                    &audience,
                    &named,
                )
                .await
                .map(|o| o.successes.len())
                .map_err(ApiError::from),
                // STIX 2.0: one answer, in the reader's language.
                Err(errs) if errs == renkei_stix::ObjectErrors::stix20().0 => {
                    return view(none(), None, Some(super::api::stix20_refused(lang))).await;
                }
                Err(errs) => {
                    let lines: Vec<Value> = errs
                        .iter()
                        .map(|e| context! { line => e.index.map_or(0, |i| i + 1), field => e.field.clone(), input => e.id.clone().unwrap_or_default(), message => Localized::value(messages::for_property) })
                        .collect();
                    return view(
                        (lines, None),
                        None,
                        Some(
                            ApiError::field(
                                "file",
                                "some objects could not be read; nothing was stored",
                            )
                            .with_code("objects-unreadable", &[]),
                        ),
                    )
                    .await;
                }
            }
        }
        _ => Err(ApiError::field("format", "choose a format").with_code("format-required", &[])),
    };
    match outcome {
        Ok(n) => view(none(), Some(n), None).await,
        Err(e) => view(none(), None, Some(e)).await,
    }
}
