//! Objects: pages of a collection, one object, its versions, the
//! manifest, deletion, and adds with their status.

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use renkei_core::model::Collection;
use renkei_core::{Timestamp, can_write_community};
use renkei_stix::id::canonical_id;
use renkei_stix::{Repeat, StixObject, StixTime};
use renkei_store::intel::{
    AddOutcome, DeleteMatch, Echo, NewStixVersion, StixQuery, TaxiiStatus, VersionMatch,
};
use serde_json::{Value, json};

use std::time::Duration;

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::{Lang, api_lang};
use crate::http::json::unsupported_media_type;

use super::adds;
use super::base::*;
use super::paging::*;
use crate::share::api::stix20_refused;
use crate::share::service::new_version;

pub(super) async fn get_objects(
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

/// A page of objects as an envelope, bodies joined as stored. For one
/// object (`single`), an empty page is `404` only when the caller may read
/// no version of it at all (§5.6: filters that match nothing give an empty
/// envelope).
pub(super) async fn envelope_response(
    s: &AppState,
    p: &Principal,
    c: &Collection,
    q: &StixQuery,
    single: bool,
) -> TResult {
    let page = s.store.stix_envelope(&p.actor, c, q).await?;
    if single && page.count == 0 && !readable_object(s, p, c, &q.ids).await? {
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

/// Whether the caller may read any version of the object `ids` names (the
/// path's id), whatever the request's filters.
async fn readable_object(
    s: &AppState,
    p: &Principal,
    c: &Collection,
    ids: &[String],
) -> TResult<bool> {
    let mut any = StixQuery::new(1);
    any.ids = ids.to_vec();
    any.versions = VersionMatch::all();
    Ok(s.store.stix_envelope(&p.actor, c, &any).await?.count > 0)
}

/// A read of one object (`GET …/objects/{id}/` and its versions): the
/// collection, which the caller may read, and the request's filters
/// narrowed to that object.
async fn one_object(
    s: &AppState,
    p: &Principal,
    headers: &HeaderMap,
    (root, id, object_id): (String, String, String),
    raw: Option<&str>,
) -> TResult<(Collection, Params)> {
    check_accept(headers)?;
    let mut params = parse_params(raw)?;
    params.ids = vec![canonical_id(&object_id).into_owned()];
    Ok((readable_collection(s, p, &root, &id).await?, params))
}

pub(super) async fn get_object(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path(path): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    let (c, params) = one_object(&s, &p, &headers, path, raw.as_deref()).await?;
    envelope_response(&s, &p, &c, &params.query(VersionMatch::last()), true).await
}

pub(super) async fn object_versions(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path(path): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    let (c, params) = one_object(&s, &p, &headers, path, raw.as_deref()).await?;
    let page = s
        .store
        .stix_page(&p.actor, &c, &params.query(VersionMatch::all()))
        .await?;
    // §5.8: filters that match no version give an empty list; an object the
    // caller may read no version of is not found.
    if page.rows.is_empty() && !readable_object(&s, &p, &c, &params.ids).await? {
        return Err(TaxiiError::not_found("object"));
    }
    let mut body = json!({ "more": page.more });
    if !page.rows.is_empty() {
        // §2: an empty list is omitted.
        let versions: Vec<&str> = page.rows.iter().map(|r| r.version.as_str()).collect();
        body["versions"] = json!(versions);
    }
    Ok(paged(body, &page))
}

pub(super) async fn manifest(
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

pub(super) async fn delete_object(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> TResult {
    check_accept(&headers)?;
    let params = parse_params(raw.as_deref())?;
    let object_id = canonical_id(&object_id).into_owned();
    let c = readable_collection(&s, &p, &root, &id).await?;
    if !can_write_community(p.viewer(), c.community) {
        return Err(TaxiiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "this collection is read-only for you",
        ));
    }
    // §5.7: the filters narrow what is deleted; a match[id] that leaves
    // this object out deletes nothing.
    if !params.ids.is_empty() && !params.ids.contains(&object_id) {
        return Err(TaxiiError::not_found("object"));
    }
    let m = DeleteMatch {
        versions: params.versions.unwrap_or_else(VersionMatch::all),
        spec_versions: params.spec_versions,
        types: params.types,
    };
    s.store.delete_stix(&p.actor, &c, &object_id, &m).await?;
    Ok(taxii_json(StatusCode::OK, String::new()))
}

pub(super) fn status_json(st: &TaxiiStatus) -> Value {
    let o = &st.outcome;
    let mut body = json!({
        "id": st.id,
        "status": st.status,
        "request_timestamp": StixTime::format(Timestamp(st.requested_at)),
        "total_count": st.total,
        "success_count": o.successes.len(),
        "failure_count": o.failures.len(),
        "pending_count": st.pending,
    });
    // §2: an empty list is omitted, never sent.
    if !o.successes.is_empty() {
        let list: Vec<_> = o
            .successes
            .iter()
            .map(|(id, v, m)| {
                let mut s = json!({"id": id, "version": v});
                if let Some(m) = m {
                    s["message"] = json!(m);
                }
                s
            })
            .collect();
        body["successes"] = json!(list);
    }
    if !o.failures.is_empty() {
        let list: Vec<_> = o
            .failures
            .iter()
            .map(|(id, v, m)| json!({"id": id, "version": v, "message": m}))
            .collect();
        body["failures"] = json!(list);
    }
    body
}

pub(super) async fn add_objects(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
    req: axum::extract::Request,
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
        let sent = headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        return Err(unsupported_media_type(&headers, sent.as_deref(), TAXII_MEDIA_TYPE).into());
    }
    let c = readable_collection(&s, &p, &root, &id).await?;
    if !can_write_community(p.viewer(), c.community) {
        return Err(TaxiiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "this collection is read-only for you",
        ));
    }
    let lang = api_lang(&headers);
    let requested = tokio::time::Instant::now();
    // Places first, before the body is read: a refusal then costs no
    // memory or parsing and changes nothing.
    let ticket = s
        .jobs
        .admit()
        .ok_or_else(|| TaxiiError::from(ApiError::busy(lang, adds::RETRY_AFTER_SECS)))?;
    let place = s
        .parse
        .place()
        .map_err(|e| TaxiiError::from(e.error(lang)))?;
    let body = Bytes::from_request(req, &s).await.map_err(|e| {
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
    // Parsing and validating thousands of objects is CPU work: on the
    // bounded blocking pool (`http/parse.rs`), off the async workers.
    let Validated {
        total,
        outcome,
        valid,
        repeats,
    } = place
        .run(move || validate_envelope(&body))
        .await
        .map_err(|e| TaxiiError::from(e.error(lang)))??;
    drop(place);
    // A writer of a community's collection is a member: an organisation.
    let Some(org) = p.viewer().org else {
        return Err(TaxiiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "this collection is read-only for you",
        ));
    };
    let mut st = TaxiiStatus {
        id: uuid::Uuid::new_v4().to_string(),
        collection: c.id.clone(),
        org: org.0,
        status: "pending".into(),
        requested_at: Timestamp::now().0,
        total,
        pending: (valid.len() + repeats.len()) as i64,
        outcome: outcome.clone(),
        pending_objects: valid
            .iter()
            .map(|v| (v.stix_id.clone(), v.version.as_ref().map(|x| x.0.clone())))
            .collect(),
    };
    s.store.create_status(&st).await?;
    st.pending_objects = Vec::new();
    let small = valid.len() <= INLINE_ADD_MAX;
    let add = adds::Add {
        store: s.store.clone(),
        actor: p.actor.clone(),
        collection: c,
        valid,
        status: st.id.clone(),
        prior: outcome,
        echoes: echoes(repeats),
        deadline: requested + Duration::from_secs(s.settings.taxii_add_timeout_secs),
    };
    // A task of its own either way, so that a client that goes away does not
    // cancel an add half done; a small one is waited for.
    let task = tokio::spawn(adds::store(add, ticket));
    if small && let Ok(Some(done)) = task.await {
        st.status = "complete".into();
        st.pending = 0;
        st.outcome = done;
    }
    Ok(taxii_json(
        StatusCode::ACCEPTED,
        status_json(&st).to_string(),
    ))
}

/// Adds of at most this many valid objects are stored before the answer,
/// which then says `complete` (a client need not poll); larger ones answer
/// `pending` at once and complete in the background.
const INLINE_ADD_MAX: usize = 1_000;

/// A TAXII envelope, validated: how many objects it held, what failed and
/// why, the versions to store, and the exact repeats of those (each with
/// the version its first had, if any), which share their first's fate.
pub(super) struct Validated {
    pub(super) total: i64,
    pub(super) outcome: AddOutcome,
    pub(super) valid: Vec<NewStixVersion>,
    pub(super) repeats: Vec<(Repeat, Option<String>)>,
}

/// Parses a TAXII envelope (or a bundle) and validates each object. STIX
/// 2.0 is refused whole (422, as TAXII 2.1 §5.4 answers an object version
/// the server does not support); objects that share an id and version
/// but differ fail together, naming each other's positions.
pub(super) fn validate_envelope(body: &[u8]) -> TResult<Validated> {
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
    if renkei_stix::is_stix20(&value) {
        return Err(stix20_refused(Lang::En).into());
    }
    let mut outcome = AddOutcome::default();
    let mut parsed: Vec<(usize, StixObject)> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        match renkei_stix::parse_object(v, Some(i)) {
            Ok(o) => parsed.push((i, o)),
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
    let indexed: Vec<(usize, &StixObject)> = parsed.iter().map(|(i, o)| (*i, o)).collect();
    let (repeats, conflicts) = renkei_stix::find_repeats(&indexed);
    let version_of = |o: &StixObject| o.version().map(|t| t.text.clone());
    let mut left_out = std::collections::HashSet::new();
    for e in &conflicts {
        if let Some(i) = e.index
            && let Some((_, o)) = parsed.iter().find(|(n, _)| *n == i)
        {
            left_out.insert(i);
            outcome
                .failures
                .push((o.id.to_string(), version_of(o), e.to_string()));
        }
    }
    let repeats: Vec<(Repeat, Option<String>)> = repeats
        .into_iter()
        .map(|r| {
            left_out.insert(r.index);
            let first = parsed.iter().find(|(n, _)| *n == r.first);
            let version = first.and_then(|(_, o)| version_of(o));
            (r, version)
        })
        .collect();
    let valid = parsed
        .iter()
        .filter(|(i, _)| !left_out.contains(i))
        .map(|(_, o)| new_version(o))
        .collect();
    Ok(Validated {
        total: list.len() as i64,
        outcome,
        valid,
        repeats,
    })
}

/// Gives each exact repeat its first's outcome, saying it was stored once.
/// The repeats of an add as the store settles them (`AddOutcome::settle_echoes`).
fn echoes(repeats: Vec<(Repeat, Option<String>)>) -> Vec<Echo> {
    repeats
        .into_iter()
        .map(|(r, version)| Echo {
            message: r.message(),
            id: r.id,
            version,
        })
        .collect()
}

pub(super) async fn status(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path((root, status_id)): Path<(String, String)>,
) -> TResult {
    check_accept(&headers)?;
    readable_root(&s, &p, &root).await?;
    let Some(org) = p.viewer().org else {
        return Err(TaxiiError::not_found("status"));
    };
    let st = s
        .store
        .get_status(&status_id, org.0)
        .await?
        .ok_or_else(|| TaxiiError::not_found("status"))?;
    Ok(taxii_json(StatusCode::OK, status_json(&st).to_string()))
}
