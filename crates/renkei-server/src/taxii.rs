//! TAXII 2.1: discovery, one API root per community, collections, objects
//! (GET/POST/DELETE), single objects, versions, manifest and status.
//!
//! Paging is stateless: `next` encodes the last `(date_added, pk)` seen, so
//! any server process answers any page, and many objects sharing one
//! `date_added` page correctly. Adds run asynchronously; the status lives
//! in the store. Errors are TAXII error messages in the TAXII media type.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use renkei_core::model::Collection;
use renkei_core::{CommunityId, Timestamp, can_read_community, can_write_community};
use renkei_stix::StixTime;
use renkei_store::StoreError;
use renkei_store::intel::{AddOutcome, NewStixVersion, StixQuery, TaxiiStatus, VersionMatch};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Principal;

pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// Page size when the client names none, and the largest we serve.
pub const DEFAULT_LIMIT: i64 = 1000;
pub const MAX_LIMIT: i64 = 10_000;

pub fn routes(max_content_length: usize) -> Router<AppState> {
    // Every resource answers with and without its trailing slash.
    let both = |r: Router<AppState>, path: &str, m: axum::routing::MethodRouter<AppState>| {
        let bare = path.trim_end_matches('/').to_owned();
        r.route(path, m.clone()).route(&bare, m)
    };
    let mut r = Router::new();
    r = both(r, "/taxii2/", get(discovery));
    r = both(r, "/taxii2/{root}/", get(api_root));
    r = both(r, "/taxii2/{root}/collections/", get(collections));
    r = both(r, "/taxii2/{root}/collections/{id}/", get(collection));
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/objects/",
        get(get_objects).post(add_objects),
    );
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/objects/{object_id}/",
        get(get_object).delete(delete_object),
    );
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/",
        get(object_versions),
    );
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/manifest/",
        get(manifest),
    );
    r = both(r, "/taxii2/{root}/status/{status_id}/", get(status));
    r.layer(DefaultBodyLimit::max(max_content_length))
}

pub use crate::share::new_version;

/// A TAXII error message resource.
#[derive(Debug)]
pub struct TaxiiError {
    status: StatusCode,
    title: &'static str,
    description: String,
}

impl TaxiiError {
    fn new(status: StatusCode, title: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            title,
            description: description.into(),
        }
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }

    fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("{what} not found"),
        )
    }
}

impl From<StoreError> for TaxiiError {
    fn from(e: StoreError) -> Self {
        let api = crate::error::ApiError::from(e);
        Self {
            status: api.status,
            title: api.title,
            description: api.detail,
        }
    }
}

impl From<crate::error::ApiError> for TaxiiError {
    fn from(api: crate::error::ApiError) -> Self {
        Self {
            status: api.status,
            title: api.title,
            description: api.detail,
        }
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_u16().to_string(),
        });
        let mut r = taxii_json(self.status, body.to_string());
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"renkei\", Bearer"),
            );
        }
        r
    }
}

type TResult<T = Response> = Result<T, TaxiiError>;

/// The caller, with authentication failures answered as TAXII errors
/// (with a challenge) rather than as problem+json.
#[derive(Debug)]
pub struct TaxiiPrincipal(Principal);

impl std::ops::Deref for TaxiiPrincipal {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl axum::extract::FromRequestParts<AppState> for TaxiiPrincipal {
    type Rejection = TaxiiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, TaxiiError> {
        Principal::from_request_parts(parts, state)
            .await
            .map(TaxiiPrincipal)
            .map_err(TaxiiError::from)
    }
}

fn taxii_json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    r
}

/// 406 unless the client accepts the TAXII 2.1 media type (or anything).
fn check_accept(headers: &HeaderMap) -> TResult<()> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let ok = accept.split(',').any(|part| {
        let t: String = part
            .split(";q=")
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        t == "application/taxii+json;version=2.1"
            || t == "application/taxii+json"
            || t == "*/*"
            || t == "application/*"
    });
    if ok {
        Ok(())
    } else {
        Err(TaxiiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!("this server answers {TAXII_MEDIA_TYPE}; the Accept header was {accept:?}"),
        ))
    }
}

fn require(p: &Principal) -> TResult<()> {
    if p.is_authenticated() {
        Ok(())
    } else {
        Err(TaxiiError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication required",
            "use HTTP Basic (e-mail and password) or a bearer token",
        ))
    }
}

fn root_name(c: CommunityId) -> String {
    format!("community-{}", c.0)
}

fn parse_root(root: &str) -> TResult<CommunityId> {
    root.strip_prefix("community-")
        .and_then(|n| n.parse::<i64>().ok())
        .map(CommunityId)
        .ok_or_else(|| TaxiiError::not_found("API root"))
}

fn base_url(headers: &HeaderMap, s: &AppState) -> String {
    if let Some(u) = &s.settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if s.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The API root the caller may use; 404 for others, so roots of
/// communities one is not in stay unlisted.
async fn readable_root(_s: &AppState, p: &Principal, root: &str) -> TResult<CommunityId> {
    require(p)?;
    let c = parse_root(root)?;
    // The viewer's communities are read from the store with it: only
    // existing communities with an active membership are in the list.
    if !can_read_community(p.viewer(), c) {
        return Err(TaxiiError::not_found("API root"));
    }
    Ok(c)
}

async fn readable_collection(
    s: &AppState,
    p: &Principal,
    root: &str,
    id: &str,
) -> TResult<Collection> {
    let c = readable_root(s, p, root).await?;
    let cached = s.collections.read().ok().and_then(|m| m.get(id).cloned());
    let col = match cached {
        Some(col) => col,
        None => match s.store.get_collection(id).await {
            Ok(col) => {
                if let Ok(mut m) = s.collections.write() {
                    m.insert(col.id.clone(), col.clone());
                }
                col
            }
            Err(StoreError::NotFound(_)) => return Err(TaxiiError::not_found("collection")),
            Err(e) => return Err(e.into()),
        },
    };
    if col.community == c {
        Ok(col)
    } else {
        Err(TaxiiError::not_found("collection"))
    }
}

async fn discovery(State(s): State<AppState>, p: TaxiiPrincipal, headers: HeaderMap) -> TResult {
    check_accept(&headers)?;
    require(&p)?;
    let base = base_url(&headers, &s);
    let roots: Vec<String> = s
        .store
        .list_communities()
        .await?
        .into_iter()
        .filter(|c| can_read_community(p.viewer(), c.id))
        .map(|c| format!("{base}/taxii2/{}/", root_name(c.id)))
        .collect();
    let mut body = json!({
        "title": "renkei TAXII 2.1",
        "description": "Threat intelligence shared under need-to-know. One API root per community you are an active member of.",
        "api_roots": roots,
    });
    if let Some(first) = roots.first() {
        body["default"] = json!(first);
    }
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

async fn api_root(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> TResult {
    check_accept(&headers)?;
    let c = readable_root(&s, &p, &root).await?;
    let community = s
        .store
        .list_communities()
        .await?
        .into_iter()
        .find(|x| x.id == c)
        .ok_or_else(|| TaxiiError::not_found("API root"))?;
    let body = json!({
        "title": community.name_en,
        "description": format!("{} — {}", community.name_ja, community.description),
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": s.settings.taxii_max_content_length,
    });
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

fn collection_json(c: &Collection, p: &Principal) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "can_read": can_read_community(p.viewer(), c.community),
        "can_write": can_write_community(p.viewer(), c.community),
        "media_types": [STIX_MEDIA_TYPE],
    })
}

async fn collections(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> TResult {
    check_accept(&headers)?;
    let c = readable_root(&s, &p, &root).await?;
    let list: Vec<Value> = s
        .store
        .list_collections()
        .await?
        .iter()
        .filter(|x| x.community == c)
        .map(|x| collection_json(x, &p))
        .collect();
    let body = if list.is_empty() {
        json!({})
    } else {
        json!({ "collections": list })
    };
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

async fn collection(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
) -> TResult {
    check_accept(&headers)?;
    let c = readable_collection(&s, &p, &root, &id).await?;
    Ok(taxii_json(
        StatusCode::OK,
        collection_json(&c, &p).to_string(),
    ))
}

/// Decoded query parameters of object requests.
#[derive(Debug, Default)]
struct Params {
    added_after: Option<i64>,
    limit: Option<i64>,
    next: Option<(i64, i64)>,
    ids: Vec<String>,
    types: Vec<String>,
    versions: Option<VersionMatch>,
    spec_versions: Vec<String>,
}

/// The `next` token for a page that ends at `(date_added, pk)`.
pub fn encode_next(date_added: i64, pk: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{date_added}:{pk}"))
}

/// The `(date_added, pk)` a `next` token names, if this server issued it.
pub fn decode_next(s: &str) -> Option<(i64, i64)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut it = text.strip_prefix("v1:")?.split(':');
    let (a, b) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    it.next().is_none().then_some((a, b))
}

fn parse_params(raw: Option<&str>) -> TResult<Params> {
    let mut p = Params::default();
    let list = |v: &str| {
        v.split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "added_after" => {
                let t = StixTime::parse(&v)
                    .map_err(|m| TaxiiError::bad_request(format!("added_after: {m}")))?;
                p.added_after = Some(t.micros);
            }
            // Clamped, never refused (TAXII 2.1 §3.4).
            "limit" => {
                let n: i64 = v.trim().parse().map_err(|_| {
                    TaxiiError::bad_request(format!("limit: {v:?} is not a number"))
                })?;
                p.limit = Some(n.clamp(1, MAX_LIMIT));
            }
            "next" => {
                p.next = Some(decode_next(&v).ok_or_else(|| {
                    TaxiiError::bad_request("next: not a token this server issued")
                })?)
            }
            "match[id]" => p.ids.extend(list(&v)),
            "match[type]" => p.types.extend(list(&v)),
            "match[spec_version]" => p.spec_versions.extend(list(&v)),
            "match[version]" => {
                let mut m = p.versions.take().unwrap_or_default();
                for x in list(&v) {
                    match x.as_str() {
                        "last" => m.last = true,
                        "first" => m.first = true,
                        "all" => m.all = true,
                        t => m.at.push(
                            StixTime::parse(t)
                                .map_err(|e| {
                                    TaxiiError::bad_request(format!("match[version]: {e}"))
                                })?
                                .micros,
                        ),
                    }
                }
                p.versions = Some(m);
            }
            other if other.starts_with("match[") => {
                return Err(TaxiiError::bad_request(format!(
                    "{other}: this server filters on match[id], match[type], match[version] and match[spec_version]"
                )));
            }
            _ => {}
        }
    }
    Ok(p)
}

impl Params {
    fn query(&self, default_versions: VersionMatch) -> StixQuery {
        StixQuery {
            added_after: self.added_after,
            ids: self.ids.clone(),
            types: self.types.clone(),
            spec_versions: self.spec_versions.clone(),
            versions: self.versions.clone().unwrap_or(default_versions),
            after: self.next,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
            newest_first: false,
        }
    }
}

/// Adds the paging headers of a page.
fn with_date_headers(mut r: Response, first: Option<i64>, last: Option<i64>) -> Response {
    for (name, t) in [
        ("x-taxii-date-added-first", first),
        ("x-taxii-date-added-last", last),
    ] {
        if let Some(v) = t.and_then(|t| HeaderValue::from_str(&StixTime::format(Timestamp(t))).ok())
        {
            r.headers_mut().insert(name, v);
        }
    }
    r
}

/// A paged resource: `next` when there is more, and the date headers.
fn paged(mut body: Value, page: &renkei_store::intel::StixPage) -> Response {
    if page.more
        && let Some(last) = page.rows.last()
    {
        body["next"] = json!(encode_next(last.date_added, last.pk));
    }
    let r = taxii_json(StatusCode::OK, body.to_string());
    with_date_headers(
        r,
        page.rows.first().map(|r| r.date_added),
        page.rows.last().map(|r| r.date_added),
    )
}

/// The envelope, assembled from stored JSON text without re-parsing it.
fn envelope(more: bool, next: Option<String>, objects: &[&str]) -> String {
    let mut out = String::with_capacity(32 + objects.iter().map(|o| o.len() + 1).sum::<usize>());
    out.push_str(if more {
        "{\"more\":true"
    } else {
        "{\"more\":false"
    });
    if let Some(n) = next {
        out.push_str(",\"next\":\"");
        out.push_str(&n);
        out.push('"');
    }
    if !objects.is_empty() {
        out.push_str(",\"objects\":[");
        out.push_str(&objects.join(","));
        out.push(']');
    }
    out.push('}');
    out
}

async fn get_objects(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    check_accept(&headers)?;
    let params = parse_params(raw.as_deref())?;
    let c = readable_collection(&s, &p, &root, &id).await?;
    envelope_response(&s, &p, &c, &params.query(VersionMatch::last()), false).await
}

/// A page of objects as an envelope, bodies joined as stored; `404` when
/// empty and `single`.
async fn envelope_response(
    s: &AppState,
    p: &Principal,
    c: &Collection,
    q: &StixQuery,
    single: bool,
) -> TResult {
    let page = s.store.stix_envelope(&p.actor, c, q).await?;
    if single && page.count == 0 {
        return Err(TaxiiError::not_found("object"));
    }
    let next = page
        .more
        .then(|| page.last.map(|(d, pk)| encode_next(d, pk)))
        .flatten();
    let objects: Vec<&str> = if page.objects.is_empty() {
        Vec::new()
    } else {
        vec![page.objects.as_str()]
    };
    let r = taxii_json(StatusCode::OK, envelope(page.more, next, &objects));
    Ok(with_date_headers(
        r,
        page.first_added,
        page.last.map(|(d, _)| d),
    ))
}

async fn get_object(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    check_accept(&headers)?;
    let mut params = parse_params(raw.as_deref())?;
    params.ids = vec![object_id];
    let c = readable_collection(&s, &p, &root, &id).await?;
    envelope_response(&s, &p, &c, &params.query(VersionMatch::last()), true).await
}

async fn object_versions(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    check_accept(&headers)?;
    let mut params = parse_params(raw.as_deref())?;
    params.ids = vec![object_id];
    let c = readable_collection(&s, &p, &root, &id).await?;
    let page = s
        .store
        .stix_page(&p.actor, &c, &params.query(VersionMatch::all()))
        .await?;
    if page.rows.is_empty() {
        return Err(TaxiiError::not_found("object"));
    }
    let body = json!({ "more": page.more, "versions": page.rows.iter().map(|r| r.version.as_str()).collect::<Vec<_>>() });
    Ok(paged(body, &page))
}

async fn manifest(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    check_accept(&headers)?;
    let params = parse_params(raw.as_deref())?;
    let c = readable_collection(&s, &p, &root, &id).await?;
    let page = s
        .store
        .stix_page(&p.actor, &c, &params.query(VersionMatch::last()))
        .await?;
    let objects: Vec<Value> = page
        .rows
        .iter()
        .map(|r| json!({"id": r.stix_id, "date_added": StixTime::format(Timestamp(r.date_added)), "version": r.version, "media_type": STIX_MEDIA_TYPE}))
        .collect();
    let mut body = json!({ "more": page.more });
    if !objects.is_empty() {
        body["objects"] = json!(objects);
    }
    Ok(paged(body, &page))
}

async fn delete_object(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    check_accept(&headers)?;
    let params = parse_params(raw.as_deref())?;
    let c = readable_collection(&s, &p, &root, &id).await?;
    if !can_write_community(p.viewer(), c.community) {
        return Err(TaxiiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "this collection is read-only for you",
        ));
    }
    s.store
        .delete_stix(
            &p.actor,
            &c,
            &object_id,
            &params.versions.unwrap_or_else(VersionMatch::all),
        )
        .await?;
    Ok(taxii_json(StatusCode::OK, String::new()))
}

fn status_json(st: &TaxiiStatus) -> Value {
    let o = &st.outcome;
    json!({
        "id": st.id,
        "status": st.status,
        "request_timestamp": StixTime::format(Timestamp(st.requested_at)),
        "total_count": st.total,
        "success_count": o.successes.len(),
        "failure_count": o.failures.len(),
        "pending_count": st.pending,
        "successes": o.successes.iter().map(|(id, v)| json!({"id": id, "version": v})).collect::<Vec<_>>(),
        "failures": o.failures.iter().map(|(id, v, m)| json!({"id": id, "version": v, "message": m})).collect::<Vec<_>>(),
    })
}

async fn add_objects(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> TResult {
    check_accept(&headers)?;
    let ct: String = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if ct != "application/taxii+json;version=2.1" && ct != "application/taxii+json" {
        return Err(TaxiiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("send Content-Type: {TAXII_MEDIA_TYPE}"),
        ));
    }
    let c = readable_collection(&s, &p, &root, &id).await?;
    if !can_write_community(p.viewer(), c.community) {
        return Err(TaxiiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "this collection is read-only for you",
        ));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            TaxiiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request too large",
                format!(
                    "the body exceeds max_content_length ({} bytes)",
                    s.settings.taxii_max_content_length
                ),
            )
        } else {
            TaxiiError::bad_request(e.body_text())
        }
    })?;
    // Parsing and validating thousands of objects is CPU work: off the
    // async workers, so other requests keep being answered meanwhile, and
    // no more at once than there are cores (the blocking pool itself would
    // start hundreds of threads).
    static VALIDATING: std::sync::LazyLock<tokio::sync::Semaphore> =
        std::sync::LazyLock::new(|| {
            tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
        });
    let permit = VALIDATING.acquire().await.map_err(|_| {
        TaxiiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Unavailable",
            "the server is shutting down",
        )
    })?;
    let (total, outcome, valid) = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        validate_envelope(&body)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "TAXII validation task failed");
        TaxiiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the objects could not be validated",
        )
    })??;
    let st = TaxiiStatus {
        id: uuid::Uuid::new_v4().to_string(),
        collection: c.id.clone(),
        org: p.viewer().org.map_or(-1, |o| o.0),
        status: "pending".into(),
        requested_at: Timestamp::now().0,
        total,
        pending: valid.len() as i64,
        outcome: outcome.clone(),
    };
    s.store.create_status(&st).await?;
    let store = s.store.clone();
    let actor = p.actor.clone();
    let status_id = st.id.clone();
    tokio::spawn(async move {
        let mut done = outcome;
        match store.add_stix(&actor, &c, valid.clone()).await {
            Ok(o) => {
                done.successes.extend(o.successes);
                done.failures.extend(o.failures);
            }
            Err(e) => {
                tracing::error!(error = %e, status = %status_id, "TAXII add failed");
                done.failures.extend(valid.into_iter().map(|v| {
                    (
                        v.stix_id,
                        v.version.map(|x| x.0),
                        format!("not stored: {e}"),
                    )
                }));
            }
        }
        if let Err(e) = store.complete_status(&status_id, &done).await {
            tracing::error!(error = %e, status = %status_id, "could not complete TAXII status");
        }
    });
    Ok(taxii_json(
        StatusCode::ACCEPTED,
        status_json(&st).to_string(),
    ))
}

/// Parses a TAXII envelope (or a bundle) and validates each object: the
/// object count, what failed and why, and the versions to store.
fn validate_envelope(body: &[u8]) -> TResult<(i64, AddOutcome, Vec<NewStixVersion>)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TaxiiError::bad_request(format!("the body is not JSON: {e}")))?;
    // An envelope, or a bundle as stix2's TAXIICollectionSink sends.
    let list = match value.get("objects") {
        Some(Value::Array(list)) => list,
        Some(_) => return Err(TaxiiError::bad_request("objects: must be a list")),
        None => {
            return Err(TaxiiError::bad_request(
                "objects: is required (send a TAXII envelope)",
            ));
        }
    };
    if list.len() > renkei_stix::object::MAX_OBJECTS {
        return Err(TaxiiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request too large",
            format!(
                "at most {} objects per request",
                renkei_stix::object::MAX_OBJECTS
            ),
        ));
    }
    let mut outcome = AddOutcome::default();
    let mut valid = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        match renkei_stix::parse_object(v, Some(i)) {
            Ok(o) => valid.push(new_version(&o)),
            Err(e) => {
                let id = v
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("(no id)")
                    .to_owned();
                let version = v
                    .get("modified")
                    .or_else(|| v.get("created"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let msg =
                    e.0.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ");
                outcome.failures.push((id, version, msg));
            }
        }
    }
    Ok((list.len() as i64, outcome, valid))
}

async fn status(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, status_id)): Path<(String, String)>,
) -> TResult {
    check_accept(&headers)?;
    readable_root(&s, &p, &root).await?;
    let org = p.viewer().org.map_or(-1, |o| o.0);
    let st = s
        .store
        .get_status(&status_id, org)
        .await?
        .ok_or_else(|| TaxiiError::not_found("status"))?;
    Ok(taxii_json(StatusCode::OK, status_json(&st).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_tokens_round_trip_and_refuse_forgeries() {
        let t = encode_next(1_700_000_000_000_000, 42);
        assert_eq!(decode_next(&t), Some((1_700_000_000_000_000, 42)));
        assert_eq!(decode_next("not-a-token"), None);
        assert_eq!(
            decode_next(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("v1:1:2:3")),
            None
        );
    }

    #[test]
    fn params_decode_lists_clamp_limits_and_name_bad_filters() {
        let p = parse_params(Some(
            "match%5Btype%5D=indicator%2Cmalware&limit=999999&match%5Bversion%5D=first,last",
        ))
        .expect("valid");
        assert_eq!(p.types, vec!["indicator", "malware"]);
        assert_eq!(p.limit, Some(MAX_LIMIT));
        assert_eq!(
            p.versions,
            Some(VersionMatch {
                first: true,
                last: true,
                ..VersionMatch::default()
            })
        );
        assert_eq!(
            parse_params(Some("limit=0"))
                .map(|p| p.limit)
                .ok()
                .flatten(),
            Some(1)
        );
        for bad in [
            "added_after=yesterday",
            "limit=ten",
            "next=zzz",
            "match[color]=red",
            "match[version]=2020",
        ] {
            let e = parse_params(Some(bad)).expect_err(bad);
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
            let name = bad.split('=').next().unwrap_or_default();
            assert!(e.description.contains(name), "{bad}: {}", e.description);
        }
    }

    #[test]
    fn accept_header_rules() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT, HeaderValue::from_str(v).expect("header"));
            m
        };
        assert!(check_accept(&HeaderMap::new()).is_ok());
        assert!(check_accept(&h("application/taxii+json;version=2.1")).is_ok());
        assert!(check_accept(&h("application/taxii+json; version=2.1")).is_ok());
        assert!(check_accept(&h("application/json")).is_err());
        assert!(check_accept(&h("application/taxii+json;version=2.0")).is_err());
    }
}
