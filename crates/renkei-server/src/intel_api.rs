//! REST endpoints for intelligence beyond TAXII: imports (CSV, free text,
//! MISP, STIX), value look-up with correlation, object pages, search,
//! exports, sightings, warning lists and notifications. Handlers translate
//! only; the store applies the access rule and audits.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use renkei_core::{Audience, IndicatorValue, Timestamp, Tlp, ValueKind, decay_score};
use renkei_stix::{ExportFormat, LineError, StixTime};
use renkei_store::index::{IndexQuery, SearchQuery, ValueHits};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::share::{self, ShareError, ShareOptions};

type ApiResult<T> = Result<T, ApiError>;

/// The largest import body (lists, MISP events, bundles).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/imports",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/api/v1/indicators/lookup", get(lookup))
        .route("/api/v1/objects/{id}", get(object))
        .route("/api/v1/search", get(search))
        .route("/api/v1/exports/{format}", get(export))
        .route("/api/v1/sightings", post(create_sighting))
        .route("/api/v1/warninglists", get(list_warninglists))
        .route("/api/v1/warninglists/entries", post(add_warning_entry))
        .route(
            "/api/v1/warninglists/entries/{id}",
            delete(remove_warning_entry),
        )
        .route("/api/v1/notifications", get(notifications))
}

/// How an import is shared.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportParams {
    /// `csv`, `text` (free text, defanged values refanged), `misp` (event
    /// JSON) or `stix` (bundle).
    pub format: String,
    /// The collection to add to; the first one the caller may add to if absent.
    pub collection: Option<String>,
    /// TLP for the indicators (required for `csv` and `text`; for `misp` and
    /// `stix` it applies to objects that carry no TLP marking).
    pub tlp: Option<String>,
    /// `community:ID,sector:NAME,org:ID,user:ID`, beyond the collection's community.
    pub audience: Option<String>,
    /// Store the readable lines and report the rest (otherwise one bad line
    /// refuses the whole list).
    pub skip_invalid: Option<bool>,
}

/// What an import stored, or why not.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Objects stored (or already present).
    pub stored: usize,
    /// Repeated values dropped from a list.
    pub duplicates: usize,
    /// Lines that could not be read (stored nothing unless `skip_invalid`).
    pub line_errors: Vec<LineErrorView>,
    /// MISP attributes with no STIX mapping, by path.
    pub skipped: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineErrorView {
    pub line: usize,
    pub field: String,
    pub input: String,
    pub message: String,
}

impl From<&LineError> for LineErrorView {
    fn from(e: &LineError) -> Self {
        Self {
            line: e.line,
            field: e.field.to_owned(),
            input: e.input.clone(),
            message: e.message.clone(),
        }
    }
}

fn field_errors(errors: Vec<renkei_stix::FieldError>) -> ApiError {
    let list = json!(
        errors
            .iter()
            .map(|f| json!({"index": f.index, "id": f.id, "field": f.field, "message": f.message}))
            .collect::<Vec<_>>()
    );
    let mut err = ApiError::field(
        "objects",
        format!("{} problem(s); nothing was stored", errors.len()),
    );
    err.errors = Some(list);
    err
}

fn parse_tlp(s: Option<&str>) -> ApiResult<Option<Tlp>> {
    s.map(|t| Tlp::parse(t).map_err(|e| ApiError::field("tlp", e.to_string())))
        .transpose()
}

fn parse_audience(s: Option<&str>) -> ApiResult<Audience> {
    Audience::parse_list(s.unwrap_or_default())
        .map_err(|e| ApiError::field("audience", e.to_string()))
}

/// Imports an indicator list, a MISP event or a STIX bundle, all or nothing
/// unless `skip_invalid`; every problem is listed.
#[utoipa::path(post, path = "/api/v1/imports", params(ImportParams), request_body(content = String, description = "the list, event or bundle"), responses((status = 201, body = ImportResult), (status = 422, description = "problems listed; nothing stored"), (status = 413, description = "too large")), security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<ImportParams>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportResult>)> {
    p.require()?;
    let tlp = parse_tlp(q.tlp.as_deref())?;
    let audience = parse_audience(q.audience.as_deref())?;
    let collection = match &q.collection {
        Some(id) => {
            let c = s.store.get_collection(id).await?;
            if !renkei_core::can_read_community(p.viewer(), c.community) {
                return Err(ApiError::not_found("collection"));
            }
            c
        }
        None => share::default_collection(s.store.as_ref(), p.viewer())
            .await?
            .ok_or_else(|| ApiError::field("collection", "you may add to no collection"))?,
    };
    let store = s.store.as_ref();
    let mut result = ImportResult {
        stored: 0,
        duplicates: 0,
        line_errors: Vec::new(),
        skipped: Vec::new(),
    };
    match q.format.as_str() {
        "csv" | "text" => {
            let tlp = tlp.ok_or_else(|| {
                ApiError::field("tlp", "choose the TLP level of the indicators explicitly")
            })?;
            let list = if q.format == "csv" {
                renkei_stix::parse_csv(&body).map_err(|e| {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Too large", e.to_string())
                })?
            } else {
                let text = std::str::from_utf8(&body).map_err(|e| {
                    ApiError::field("body", format!("free text must be UTF-8: {e}"))
                })?;
                renkei_stix::parse_text(text)
            };
            result.duplicates = list.duplicates;
            result.line_errors = list.errors.iter().map(Into::into).collect();
            if !list.errors.is_empty() && !q.skip_invalid.unwrap_or(false) {
                let mut err = ApiError::field(
                    "body",
                    format!(
                        "{} line(s) could not be read; nothing was stored",
                        list.errors.len()
                    ),
                );
                err.errors = Some(json!(result.line_errors));
                return Err(err);
            }
            if list.entries.is_empty() {
                return Err(ApiError::field("body", "no indicator values found"));
            }
            let opts = ShareOptions {
                tlp,
                audience,
                description: None,
            };
            let out = share::share_values(store, &p.actor, &collection, &list.entries, &opts)
                .await
                .map_err(|e| match e {
                    ShareError::Invalid(errs) => field_errors(errs),
                    ShareError::Store(e) => e.into(),
                })?;
            result.stored = out.successes.len();
        }
        "misp" => {
            let (objects, import) =
                share::misp_objects(&body, p.viewer().org).map_err(field_errors)?;
            result.skipped = import
                .skipped
                .iter()
                .map(|k| format!("{}: {}", k.path, k.reason))
                .collect();
            if objects.is_empty() {
                return Err(ApiError::field(
                    "body",
                    "the event holds no attribute renkei can share",
                ));
            }
            let out = share::share_objects(
                store,
                &p.actor,
                &collection,
                &objects,
                tlp.or(import.tlp),
                &audience,
            )
            .await?;
            result.stored = out.successes.len();
        }
        "stix" => {
            let v: Value = serde_json::from_slice(&body)
                .map_err(|e| ApiError::field("body", format!("not JSON: {e}")))?;
            let objects = renkei_stix::parse_bundle(&v).map_err(|e| field_errors(e.0))?;
            let out = share::share_objects(store, &p.actor, &collection, &objects, tlp, &audience)
                .await?;
            result.stored = out.successes.len();
        }
        other => {
            return Err(ApiError::field(
                "format",
                format!("{other:?}: expected csv, text, misp or stix"),
            ));
        }
    }
    Ok((StatusCode::CREATED, Json(result)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LookupParams {
    /// The value (defanged forms are refanged).
    pub value: String,
    /// Its kind; guessed when absent.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Hits returned (at most 500).
    pub limit: Option<i64>,
}

/// A value the caller typed, normalised; errors name `value` or `type`.
pub fn parse_value(value: &str, kind: Option<&str>) -> ApiResult<IndicatorValue> {
    let raw = renkei_core::refang(value);
    match kind.filter(|k| !k.is_empty()) {
        Some(k) => {
            let k = ValueKind::parse(k).map_err(|e| ApiError::field("type", e.to_string()))?;
            IndicatorValue::parse(k, &raw)
        }
        None => IndicatorValue::guess(&raw),
    }
    .map_err(|e| ApiError::field("value", e.to_string()))
}

/// The JSON of one value's hits, with warning lists and decay.
pub fn hits_json(h: &ValueHits, warnings: &renkei_core::warning::WarningLists) -> Value {
    let now = Timestamp::now();
    json!({
        "type": h.value.kind().as_str(),
        "value": h.value.value(),
        "warning_lists": warnings.matches(&h.value),
        "total": h.total,
        "total_capped": h.total >= renkei_store::index::COUNT_CAP,
        "hits": h.hits.iter().map(|x| json!({
            "id": x.stix_id,
            "type": x.stix_type,
            "collection": x.collection_id,
            "tlp": x.tlp.as_str(),
            "owner_org": x.owner_org,
            "matched": x.value,
            "valid_from": StixTime::format(Timestamp(x.valid_from)),
            "valid_until": x.valid_until.map(|u| StixTime::format(Timestamp(u))),
            "date_added": StixTime::format(Timestamp(x.date_added)),
            "decay_score": decay_score(x.kind, Timestamp(x.valid_from), x.valid_until.map(Timestamp), None, now),
        })).collect::<Vec<_>>(),
    })
}

/// Where a value has been seen: the readable indicators holding it (an
/// address also finds the networks holding it), warning lists, decay.
#[utoipa::path(get, path = "/api/v1/indicators/lookup", params(LookupParams), responses((status = 200, description = "hits"), (status = 422, description = "not a value")), security(("bearer" = [])))]
pub async fn lookup(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<LookupParams>,
) -> ApiResult<Json<Value>> {
    p.require()?;
    let v = parse_value(&q.value, q.kind.as_deref())?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let hits = s
        .store
        .lookup_values(&p.actor, std::slice::from_ref(&v), limit, None)
        .await?;
    let warnings = share::warning_lists(s.store.as_ref(), p.viewer().org).await?;
    Ok(Json(
        hits.first()
            .map(|h| hits_json(h, &warnings))
            .unwrap_or(Value::Null),
    ))
}

/// One object: its readable versions (newest first), where its values have
/// been seen elsewhere, and its readable sightings.
#[utoipa::path(get, path = "/api/v1/objects/{id}", params(("id" = String, Path)), responses((status = 200, description = "versions, correlations, sightings"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn object(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require()?;
    let versions = s.store.object_versions(&p.actor, &id).await?;
    let correlations = s.store.correlate(&p.actor, &id, 20).await?;
    let sightings = s.store.sightings_of(&p.actor, &id).await?;
    let warnings = share::warning_lists(s.store.as_ref(), p.viewer().org).await?;
    Ok(Json(json!({
        "id": id,
        "versions": versions.iter().map(|f| json!({
            "collection": f.collection_id,
            "tlp": f.row.tlp.as_str(),
            "version": f.row.version,
            "date_added": StixTime::format(Timestamp(f.row.date_added)),
            "object": serde_json::from_str::<Value>(&f.row.body).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "correlations": correlations.iter().map(|h| hits_json(h, &warnings)).collect::<Vec<_>>(),
        "sightings": {
            "count": sightings.count,
            "reports": sightings.reports,
            "first_seen": sightings.first_seen.map(|t| StixTime::format(Timestamp(t))),
            "last_seen": sightings.last_seen.map(|t| StixTime::format(Timestamp(t))),
            "by_org": sightings.by_org.iter().map(|(o, n)| json!({"org": o, "count": n})).collect::<Vec<_>>(),
        },
    })))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SearchParams {
    /// A value (searched in the index) or words (searched in the objects).
    pub q: Option<String>,
    /// STIX type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub tlp: Option<String>,
    /// Sharing organisation id.
    pub org: Option<String>,
    /// Added on or after (RFC 3339 or YYYY-MM-DD).
    pub from: Option<String>,
    /// Added before.
    pub until: Option<String>,
    pub limit: Option<i64>,
}

impl SearchParams {
    /// The store query; errors name the parameter.
    pub fn query(&self) -> ApiResult<SearchQuery> {
        let time = |f: &'static str, v: &Option<String>| -> ApiResult<Option<i64>> {
            v.as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| {
                    StixTime::parse_loose(t)
                        .map(|t| t.micros)
                        .map_err(|e| ApiError::field(f, e))
                })
                .transpose()
        };
        Ok(SearchQuery {
            text: self.q.clone().filter(|t| !t.trim().is_empty()),
            types: self
                .kind
                .iter()
                .filter(|t| !t.is_empty())
                .cloned()
                .collect(),
            tlp: parse_tlp(self.tlp.as_deref().filter(|t| !t.is_empty()))?,
            owner_org: self
                .org
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| {
                    o.parse().map_err(|_| {
                        ApiError::field("org", format!("{o:?} is not an organisation id"))
                    })
                })
                .transpose()?,
            added_from: time("from", &self.from)?,
            added_before: time("until", &self.until)?,
            before: None,
            limit: self.limit.unwrap_or(100).clamp(1, 1000),
        })
    }
}

/// Readable objects by value, words, type, marking, organisation and date,
/// newest first.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), responses((status = 200, description = "objects")), security(("bearer" = [])))]
pub async fn search(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<SearchParams>,
) -> ApiResult<Json<Value>> {
    p.require()?;
    let found = s.store.search(&p.actor, &q.query()?).await?;
    Ok(Json(json!(
        found
            .iter()
            .map(|f| json!({
                "collection": f.collection_id,
                "tlp": f.row.tlp.as_str(),
                "owner_org": f.owner_org,
                "date_added": StixTime::format(Timestamp(f.row.date_added)),
                "object": serde_json::from_str::<Value>(&f.row.body).unwrap_or(Value::Null),
            }))
            .collect::<Vec<_>>()
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    pub collection: Option<String>,
    /// Indicator value kinds, comma-separated (all when absent).
    #[serde(rename = "type")]
    pub kinds: Option<String>,
    /// Only indicators valid now (default true).
    pub active: Option<bool>,
}

/// Exports what the caller may read: `stix` (bundle), `csv`, `suricata`,
/// `zeek`, `rpz` or `blocklist`.
#[utoipa::path(get, path = "/api/v1/exports/{format}", params(("format" = String, Path), ExportParams), responses((status = 200, description = "the export")), security(("bearer" = [])))]
pub async fn export(
    State(s): State<AppState>,
    p: Principal,
    Path(format): Path<String>,
    Query(q): Query<ExportParams>,
) -> ApiResult<Response> {
    p.require()?;
    let (body, content_type, ext) = export_body(&s, &p, &format, &q).await?;
    let disposition = format!("attachment; filename=\"renkei-export.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The export's bytes, content type and file extension (shared with the portal).
pub async fn export_body(
    s: &AppState,
    p: &Principal,
    format: &str,
    q: &ExportParams,
) -> ApiResult<(Vec<u8>, &'static str, &'static str)> {
    let kinds = q
        .kinds
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| ValueKind::parse(k).map_err(|e| ApiError::field("type", e.to_string())))
        .collect::<ApiResult<Vec<_>>>()?;
    let mut out = Vec::new();
    if format == "stix" {
        share::export_bundle(
            s.store.as_ref(),
            &p.actor,
            q.collection.as_deref(),
            &mut out,
        )
        .await?;
        return Ok((out, "application/stix+json;version=2.1", "json"));
    }
    let fmt = ExportFormat::parse(format).map_err(|e| ApiError::field("format", e.to_string()))?;
    let iq = IndexQuery {
        kinds,
        collection: q.collection.clone(),
        valid_at: q.active.unwrap_or(true).then(|| Timestamp::now().0),
        ..IndexQuery::default()
    };
    share::export(s.store.as_ref(), &p.actor, fmt, iq, &mut out).await?;
    Ok((out, fmt.content_type(), fmt.file_extension()))
}

/// A sighting to report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SightingRequest {
    /// The STIX id of what was seen (an indicator, usually).
    pub sighting_of: String,
    pub count: Option<i64>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// The sighting's own TLP: who may count and attribute it.
    pub tlp: String,
    /// `community:ID,sector:NAME,org:ID,user:ID`.
    pub audience: Option<String>,
    pub collection: Option<String>,
}

/// Reports a sighting (a STIX `sighting` object under its own marking).
#[utoipa::path(post, path = "/api/v1/sightings", request_body = SightingRequest, responses((status = 201, description = "stored")), security(("bearer" = [])))]
pub async fn create_sighting(
    State(s): State<AppState>,
    p: Principal,
    crate::api::ApiJson(r): crate::api::ApiJson<SightingRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    p.require()?;
    let tlp = parse_tlp(Some(&r.tlp))?.ok_or_else(|| ApiError::field("tlp", "required"))?;
    let audience = parse_audience(r.audience.as_deref())?;
    let now = StixTime::from_timestamp(Timestamp::now());
    let mut o = json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": format!("sighting--{}", uuid::Uuid::new_v4()),
        "created": now.text,
        "modified": now.text,
        "sighting_of_ref": r.sighting_of,
        "count": r.count.unwrap_or(1),
        "object_marking_refs": [renkei_stix::tlp_marking_id(tlp)],
    });
    for (k, v) in [("first_seen", &r.first_seen), ("last_seen", &r.last_seen)] {
        if let Some(t) = v {
            let t = StixTime::parse_loose(t).map_err(|e| ApiError::field(k, e))?;
            o[k] = json!(StixTime::format(Timestamp(t.micros)));
        }
    }
    let obj = renkei_stix::parse_object(&o, None).map_err(|e| field_errors(e.0))?;
    let collection = match &r.collection {
        Some(id) => s.store.get_collection(id).await?,
        None => share::default_collection(s.store.as_ref(), p.viewer())
            .await?
            .ok_or_else(|| ApiError::field("collection", "you may add to no collection"))?,
    };
    share::share_objects(
        s.store.as_ref(),
        &p.actor,
        &collection,
        std::slice::from_ref(&obj),
        Some(tlp),
        &audience,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": obj.id.to_string()}))))
}

/// The warning lists in force for the caller: built-in ones and its own
/// organisation's entries.
#[utoipa::path(get, path = "/api/v1/warninglists", responses((status = 200, description = "lists")), security(("bearer" = [])))]
pub async fn list_warninglists(State(s): State<AppState>, p: Principal) -> ApiResult<Json<Value>> {
    p.require()?;
    let builtin = renkei_core::warning::builtin();
    let entries = match p.viewer().org {
        Some(o) => s.store.list_warning_entries(o.0).await?,
        None => Vec::new(),
    };
    Ok(Json(json!({
        "builtin": builtin.iter().map(|l| json!({"key": l.key, "description": l.description, "entries": l.entries.len()})).collect::<Vec<_>>(),
        "entries": entries.iter().map(|e| json!({
            "id": e.id, "list": e.list_key, "description": e.description,
            "type": e.value.kind().as_str(), "value": e.value.value(), "org": e.org,
        })).collect::<Vec<_>>(),
    })))
}

/// A member's warning-list entry.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WarningEntryRequest {
    /// List key (`a-z`, `0-9`, `-`), e.g. `our-cdn`.
    pub list: String,
    pub description: Option<String>,
    pub value: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Adds a known-benign value to a warning list (organisation administrators).
#[utoipa::path(post, path = "/api/v1/warninglists/entries", request_body = WarningEntryRequest, responses((status = 201, description = "added"), (status = 403, description = "not an administrator")), security(("bearer" = [])))]
pub async fn add_warning_entry(
    State(s): State<AppState>,
    p: Principal,
    crate::api::ApiJson(r): crate::api::ApiJson<WarningEntryRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    p.require()?;
    let v = parse_value(&r.value, r.kind.as_deref())?;
    renkei_core::warning::check_entry(&v).map_err(|e| ApiError::field("value", e.to_string()))?;
    let e = s
        .store
        .add_warning_entry(
            &p.actor,
            &r.list,
            r.description.as_deref().unwrap_or_default(),
            &v,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": e.id, "list": e.list_key, "value": e.value.value()})),
    ))
}

#[utoipa::path(delete, path = "/api/v1/warninglists/entries/{id}", params(("id" = i64, Path)), responses((status = 204, description = "removed")), security(("bearer" = [])))]
pub async fn remove_warning_entry(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    p.require()?;
    s.store.remove_warning_entry(&p.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NotificationParams {
    /// Only objects added after this cursor (`date_added:pk` from the last answer).
    pub after: Option<String>,
    pub limit: Option<i64>,
}

/// What has arrived that the caller may read, oldest first from `after`.
#[utoipa::path(get, path = "/api/v1/notifications", params(NotificationParams), responses((status = 200, description = "new objects and the next cursor")), security(("bearer" = [])))]
pub async fn notifications(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<NotificationParams>,
) -> ApiResult<Json<Value>> {
    p.require()?;
    let after = match q.after.as_deref() {
        None | Some("") => (0, 0),
        Some(c) => c
            .split_once(':')
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
            .ok_or_else(|| {
                ApiError::field("after", "expected DATE_ADDED:PK from a previous answer")
            })?,
    };
    let found = s
        .store
        .added_since(&p.actor, after, q.limit.unwrap_or(100))
        .await?;
    let next = found
        .last()
        .map(|f| format!("{}:{}", f.row.date_added, f.row.pk));
    Ok(Json(json!({
        "next": next,
        "objects": found.iter().map(|f| json!({
            "id": f.row.stix_id, "type": f.row.stix_type, "tlp": f.row.tlp.as_str(),
            "collection": f.collection_id, "version": f.row.version,
            "date_added": StixTime::format(Timestamp(f.row.date_added)),
        })).collect::<Vec<_>>(),
    })))
}
