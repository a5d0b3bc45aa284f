//! REST endpoints for intelligence beyond TAXII: the collections, value
//! look-up with correlation, object pages, search, exports, sightings and
//! notifications. Handlers translate only; the store applies the access
//! rule and audits.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_core::{Audience, IndicatorValue, Timestamp, Tlp, ValueKind};
use renkei_stix::{ExportFormat, StixTime};
use renkei_store::index::{SearchQuery, ValueHits};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::views::{
    ExportFormatName, FoundView, NotificationView, NotificationsView, ObjectVersionView,
    ObjectView, SightingCreatedView, SightingsView, ValueHitsView,
};
use super::{exports, service};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;

type ApiResult<T> = Result<T, ApiError>;

/// These operations' tag in the OpenAPI document (generated clients group
/// operations by it).
const TAG: &str = "intelligence";

#[derive(OpenApi)]
#[openapi(
    paths(
        list_collections,
        lookup,
        object,
        search,
        export,
        create_sighting,
        notifications
    ),
    components(schemas(ExportFormatName)),
    tags((name = TAG, description = "Shared threat intelligence beyond TAXII: the collections the caller reads, value look-ups with correlation, objects with their versions and sightings, search, exports to detection tools, sightings and notifications. Every answer holds only what the caller may read (TLP 2.0 and the audience), and reads of non-CLEAR data are audited."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/collections", get(list_collections))
        .route("/api/v1/indicators/lookup", get(lookup))
        .route("/api/v1/objects/{id}", get(object))
        .route("/api/v1/search", get(search))
        .route("/api/v1/exports/{format}", get(export))
        .route("/api/v1/sightings", post(create_sighting))
        .route("/api/v1/notifications", get(notifications))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionView {
    pub id: String,
    pub title: String,
    /// TLP given to objects that arrive without one.
    pub default_tlp: String,
    pub can_write: bool,
    pub taxii_api_root: String,
}

/// TAXII collections the caller can see.
///
/// Those of its communities, and others holding something it may read
/// (CLEAR, or shared with its organisation, sector or person).
#[utoipa::path(get, path = "/api/v1/collections", tag = TAG, responses((status = 200, body = [CollectionView])), security(("bearer" = [])))]
pub async fn list_collections(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<CollectionView>>> {
    p.require()?;
    let list = exports::visible_collections(s.store.as_ref(), &p.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| CollectionView {
                can_write: renkei_core::can_write_community(p.viewer(), c.community),
                taxii_api_root: format!("/taxii2/community-{}/", c.community.0),
                id: c.id,
                title: c.title,
                default_tlp: c.default_tlp.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// A refused bundle or object: STIX 2.0 input as one coded answer saying
/// how to convert it, anything else with every problem listed.
pub(super) fn object_errors(e: renkei_stix::ObjectErrors) -> ApiError {
    if e.is_stix20() {
        stix20_refused(Lang::En)
    } else {
        field_errors(e.0)
    }
}

/// The answer to STIX 2.0 input (422, code `stix-2-0-not-accepted`):
/// English over REST and TAXII, the reader's language on the portal.
pub(super) fn stix20_refused(lang: Lang) -> ApiError {
    let mut e = ApiError::coded(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid input",
        "stix-2-0-not-accepted",
        lang,
        &[],
    );
    e.field = Some("spec_version".into());
    e
}

pub(super) fn field_errors(errors: Vec<renkei_stix::FieldError>) -> ApiError {
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
    err.errors = Some(Box::new(list));
    err
}

pub(super) fn parse_tlp(s: Option<&str>) -> ApiResult<Option<Tlp>> {
    s.map(|t| Tlp::parse(t).map_err(|e| ApiError::field("tlp", e.to_string())))
        .transpose()
}

pub(super) fn parse_audience(s: Option<&str>) -> ApiResult<Audience> {
    Audience::parse_list(s.unwrap_or_default())
        .map_err(|e| ApiError::field("audience", e.to_string()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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

/// Where a value has been seen: the readable indicators holding it (an
/// address also finds the networks holding it), warning lists, decay.
#[utoipa::path(get, path = "/api/v1/indicators/lookup", tag = TAG, operation_id = "lookup_value", params(LookupParams), responses((status = 200, body = ValueHitsView), (status = 422, description = "`value` is not a value of `type` (or of any kind), or `type` is no kind")), security(("bearer" = [])))]
pub async fn lookup(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<LookupParams>,
) -> ApiResult<Json<ValueHitsView>> {
    p.require()?;
    let v = parse_value(&q.value, q.kind.as_deref())?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let hits = s
        .store
        .lookup_values(&p.actor, std::slice::from_ref(&v), limit, None)
        .await?;
    let warnings = service::warning_lists(s.store.as_ref(), p.viewer().org).await?;
    let none = ValueHits {
        value: v,
        total: 0,
        hits: Vec::new(),
    };
    let h = hits.first().unwrap_or(&none);
    Ok(Json(ValueHitsView::new(h, &warnings, Timestamp::now())))
}

/// One object: its readable versions (newest first), where its values have
/// been seen elsewhere, and its readable sightings.
#[utoipa::path(get, path = "/api/v1/objects/{id}", tag = TAG, operation_id = "get_object", params(("id" = String, Path, description = "STIX id")), responses((status = 200, body = ObjectView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn object(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ObjectView>> {
    p.require()?;
    // Stored in lower case (renkei-stix `canonical_id`), named in either.
    let id = renkei_stix::id::canonical_id(&id).into_owned();
    let versions = s.store.object_versions(&p.actor, &id).await?;
    let correlations = s.store.correlate(&p.actor, &id, 20).await?;
    let sightings = s.store.sightings_of(&p.actor, &id).await?;
    let warnings = service::warning_lists(s.store.as_ref(), p.viewer().org).await?;
    let now = Timestamp::now();
    Ok(Json(ObjectView {
        versions: versions.iter().map(ObjectVersionView::new).collect(),
        correlations: correlations
            .iter()
            .map(|h| ValueHitsView::new(h, &warnings, now))
            .collect(),
        sightings: SightingsView::from(&sightings),
        id,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
#[utoipa::path(get, path = "/api/v1/search", tag = TAG, operation_id = "search_objects", params(SearchParams), responses((status = 200, body = [FoundView])), security(("bearer" = [])))]
pub async fn search(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> ApiResult<Json<Vec<FoundView>>> {
    p.require()?;
    let found = s.store.search(&p.actor, &q.query()?).await?;
    Ok(Json(found.iter().map(FoundView::from).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Only this collection (one the caller reads).
    pub collection: Option<String>,
    /// Indicator value kinds, comma-separated (all the format holds when
    /// absent). A blocklist holds exactly one: `type=ipv4`, `type=domain`…
    #[serde(rename = "type")]
    pub kinds: Option<String>,
    /// Only indicators valid now (default true).
    pub active: Option<bool>,
}

/// Exports what the caller may read: `stix` (bundle), `csv`, `suricata`,
/// `zeek`, `rpz` or `blocklist`.
///
/// Every format shows the caller the same objects its other ways out do
/// (TAXII included). A blocklist holds one `type` per file, each value
/// once. Formats a device acts on leave out values on warning lists and
/// very wide networks, and say how many on their last line. The body is
/// streamed as it is read; a failure once it has begun cuts the transfer
/// short rather than ending it as if complete.
#[utoipa::path(get, path = "/api/v1/exports/{format}", tag = TAG, operation_id = "export_indicators",
    params(("format" = ExportFormatName, Path, description = "What to export as (`rules`, `intel`, `bro`, `txt`, `text` and `plain` are also accepted)"), ExportParams),
    responses((status = 200, description = "The export, as an attachment (`Content-Disposition`): `suricata` rules, a `zeek` intel file or a `blocklist` (one `type`) as UTF-8 text/plain; `csv` as UTF-8 text/csv; `rpz` as a DNS response-policy zone file, text/dns (RFC 4027's type for master files); `stix` as a STIX 2.1 bundle.", content(
        (String = "text/plain"),
        (String = "text/csv"),
        (String = "text/dns"),
        (Object = "application/stix+json;version=2.1"),
    )), (status = 404, description = "`collection` absent or not readable"), (status = 422, description = "an unknown `format` or `type`, or a blocklist of other than one `type`")),
    security(("bearer" = [])))]
pub async fn export(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(format): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    p.require()?;
    let plan = export_plan(&s, &p, &format, &q).await?;
    export_response(&s, &p, plan).await
}

/// An export checked before anything is written: an unknown format or
/// type, a blocklist of other than one type, or a collection the caller may
/// not see is refused naming the field.
#[derive(Debug)]
pub(super) enum ExportPlan {
    Bundle(Option<String>),
    Indicators(exports::IndicatorExport),
}

impl ExportPlan {
    fn content_type(&self) -> &'static str {
        match self {
            ExportPlan::Bundle(_) => "application/stix+json;version=2.1",
            ExportPlan::Indicators(e) => e.format.content_type(),
        }
    }

    /// `renkei-export.zeek.intel`, `renkei-export.blocklist-ipv4.txt`.
    fn file_name(&self) -> String {
        match self {
            ExportPlan::Bundle(_) => "renkei-export.stix.json".to_owned(),
            ExportPlan::Indicators(e) => {
                let kind = match (e.format, e.kinds.as_slice()) {
                    (ExportFormat::Blocklist, [k]) => format!("-{k}"),
                    _ => String::new(),
                };
                format!(
                    "renkei-export.{}{kind}.{}",
                    e.format.as_str(),
                    e.format.file_extension()
                )
            }
        }
    }
}

/// Checks an export request (shared with the portal).
pub(super) async fn export_plan(
    s: &AppState,
    p: &Principal,
    format: &str,
    q: &ExportParams,
) -> ApiResult<ExportPlan> {
    let kinds = q
        .kinds
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| ValueKind::parse(k).map_err(|e| ApiError::field("type", e.to_string())))
        .collect::<ApiResult<Vec<_>>>()?;
    // A collection the caller may not see is not found, as a missing one.
    if let Some(id) = &q.collection {
        exports::visible_collection(s.store.as_ref(), &p.actor, id).await?;
    }
    if format == "stix" {
        return Ok(ExportPlan::Bundle(q.collection.clone()));
    }
    let format =
        ExportFormat::parse(format).map_err(|e| ApiError::field("format", e.to_string()))?;
    format
        .kinds(&kinds)
        .map_err(|e| ApiError::field(e.field, e.to_string()))?;
    Ok(ExportPlan::Indicators(exports::IndicatorExport {
        format,
        kinds,
        collection: q.collection.clone(),
        valid_at: q.active.unwrap_or(true).then(|| Timestamp::now().0),
    }))
}

/// Hands an export's chunks to the response body as they are written.
struct BodySink(tokio::sync::mpsc::Sender<Result<Bytes, exports::ExportError>>);

#[async_trait::async_trait]
impl exports::ExportSink for BodySink {
    async fn put(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.0.send(Ok(Bytes::from(chunk))).await.map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the reader went away")
        })
    }
}

/// Chunks in flight between the export and the client: with the chunk
/// being written, the most an export holds (`exports::CHUNK` each).
const CHUNKS_IN_FLIGHT: usize = 2;

/// Runs an export into a streamed response (shared with the portal). A
/// failure before the first chunk is answered as an error; one after it
/// ends the body early, so the client sees an incomplete transfer.
pub(super) async fn export_response(
    s: &AppState,
    p: &Principal,
    plan: ExportPlan,
) -> ApiResult<Response> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    let (store, actor) = (s.store.clone(), p.actor.clone());
    let headers = [
        (header::CONTENT_TYPE, plan.content_type().to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", plan.file_name()),
        ),
    ];
    tokio::spawn(async move {
        let mut sink = BodySink(tx.clone());
        let done = match &plan {
            ExportPlan::Bundle(c) => {
                exports::export_bundle(store.as_ref(), &actor, c.as_deref(), &mut sink)
                    .await
                    .map(drop)
            }
            ExportPlan::Indicators(e) => exports::export(store.as_ref(), &actor, e, &mut sink)
                .await
                .map(drop),
        };
        match done {
            Ok(()) => {}
            // The client went away: nothing to tell anyone.
            Err(exports::ExportError::Write(e)) => {
                tracing::debug!(error = %e, "export not read to its end");
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    });
    let first = match rx.recv().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(exports::ExportError::Store(e))) => return Err(e.into()),
        Some(Err(exports::ExportError::Write(_))) | None => {
            tracing::error!("export ended before writing anything");
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "the server could not complete the request",
            ));
        }
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        let item = rx.recv().await?;
        let item = item.map_err(|e| {
            tracing::error!(error = %e, "export failed after it began");
            std::io::Error::other(e.to_string())
        });
        Some((item, rx))
    });
    let body = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }),
        rest,
    );
    Ok((headers, Body::from_stream(body)).into_response())
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
    /// Who the sighting is shared with: `community:ID,sector:NAME,org:ID,user:ID`.
    /// Absent or empty: the collection's community (the default for
    /// anything shared into a collection); naming any audience replaces
    /// that default: your organisation and what you named.
    pub audience: Option<String>,
    pub collection: Option<String>,
}

/// Reports a sighting (a STIX `sighting` object under its own marking).
#[utoipa::path(post, path = "/api/v1/sightings", tag = TAG, request_body = SightingRequest, responses((status = 201, body = SightingCreatedView), (status = 404, description = "`collection` absent or not readable"), (status = 422, description = "invalid field; `field` names it")), security(("bearer" = [])))]
pub async fn create_sighting(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<SightingRequest>,
) -> ApiResult<(StatusCode, Json<SightingCreatedView>)> {
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
        Some(id) => service::readable_collection(s.store.as_ref(), &p.actor, id).await?,
        None => service::default_collection(s.store.as_ref(), p.viewer())
            .await?
            .ok_or_else(|| ApiError::field("collection", "you may add to no collection"))?,
    };
    service::share_objects(
        s.store.as_ref(),
        &p.actor,
        &collection,
        std::slice::from_ref(&obj),
        Some(tlp),
        &audience,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SightingCreatedView {
            id: obj.id.to_string(),
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only objects added after this cursor (`date_added:pk` from the last answer).
    pub after: Option<String>,
    pub limit: Option<i64>,
}

/// What others have shared that the caller may read, oldest first from
/// `after`; what the caller's own organisation shared is left out, as on
/// the portal's notifications.
#[utoipa::path(get, path = "/api/v1/notifications", tag = TAG, operation_id = "list_notifications", params(NotificationParams), responses((status = 200, body = NotificationsView), (status = 422, description = "`after` is not a cursor from a previous answer")), security(("bearer" = [])))]
pub async fn notifications(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<NotificationParams>,
) -> ApiResult<Json<NotificationsView>> {
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
        .news_since(&p.actor, after, q.limit.unwrap_or(100))
        .await?;
    let next = found
        .last()
        .map(|f| format!("{}:{}", f.row.date_added, f.row.pk));
    Ok(Json(NotificationsView {
        next,
        objects: found.iter().map(NotificationView::from).collect(),
    }))
}
