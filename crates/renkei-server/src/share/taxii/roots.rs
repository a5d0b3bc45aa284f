//! Discovery, API roots (one per community) and their collections.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use renkei_core::model::Collection;
use renkei_core::{can_read_community, can_write_community};
use serde_json::{Value, json};

use crate::http::AppState;
use crate::http::auth::{Peer, Principal};

use super::base::*;

pub(super) async fn discovery(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    peer: Peer,
    headers: HeaderMap,
) -> TResult {
    check_accept(&headers)?;
    require(&p)?;
    let base = base_url(&headers, peer, &s);
    let mut roots: Vec<String> = Vec::new();
    for c in s.store.list_communities().await? {
        if can_read_community(p.viewer(), c.id) || !visible_in_root(&s, &p, c.id).await?.is_empty()
        {
            roots.push(format!("{base}/taxii2/{}/", root_name(c.id)));
        }
    }
    let mut body = json!({
        "title": "renkei TAXII 2.1",
        "description": "Threat intelligence shared under need-to-know. One API root per community you are an active member of, or that holds something shared with you.",
    });
    // §2: an empty list is omitted, never sent.
    if let Some(first) = roots.first() {
        body["default"] = json!(first);
        body["api_roots"] = json!(roots);
    }
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

pub(super) async fn api_root(
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

/// A collection as listed to a caller who may see it (so may read in it).
pub(super) fn collection_json(c: &Collection, p: &Principal) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "can_read": true,
        "can_write": can_write_community(p.viewer(), c.community),
        "media_types": [STIX_MEDIA_TYPE],
    })
}

pub(super) async fn collections(
    State(s): State<AppState>,
    p: TaxiiPrincipal,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> TResult {
    check_accept(&headers)?;
    let c = readable_root(&s, &p, &root).await?;
    let list: Vec<Value> = visible_in_root(&s, &p, c)
        .await?
        .iter()
        .map(|x| collection_json(x, &p))
        .collect();
    let body = if list.is_empty() {
        json!({})
    } else {
        json!({ "collections": list })
    };
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

pub(super) async fn collection(
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
