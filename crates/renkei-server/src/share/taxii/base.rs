//! What every TAXII resource shares: the media types, error messages,
//! the caller, and the API roots and collections it may use.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use renkei_core::model::Collection;
use renkei_core::{CommunityId, can_read_community};
use renkei_store::StoreError;
use serde_json::json;

use crate::http::AppState;
use crate::http::auth::{Peer, Principal};

pub(crate) const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
pub(crate) const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// Page size when the client names none, and the largest we serve.
pub(crate) const DEFAULT_LIMIT: i64 = 1000;
pub(crate) const MAX_LIMIT: i64 = 10_000;

/// A TAXII error message resource.
#[derive(Debug)]
pub(crate) struct TaxiiError {
    pub(super) status: StatusCode,
    title: &'static str,
    pub(super) description: String,
    /// The stable code of a coded `ApiError` (TAXII 2.1 §3.6.1 `error_code`).
    error_code: Option<&'static str>,
    /// `Retry-After` seconds, for refusals of a busy server.
    retry_after: Option<u16>,
}

impl TaxiiError {
    pub(super) fn new(
        status: StatusCode,
        title: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            title,
            description: description.into(),
            error_code: None,
            retry_after: None,
        }
    }

    pub(super) fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }

    pub(super) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("{what} not found"),
        )
    }
}

impl From<StoreError> for TaxiiError {
    fn from(e: StoreError) -> Self {
        let api = crate::http::error::ApiError::from(e);
        Self::from(api)
    }
}

impl From<crate::http::error::ApiError> for TaxiiError {
    fn from(api: crate::http::error::ApiError) -> Self {
        Self {
            status: api.status,
            title: api.title,
            description: api.detail,
            error_code: api.code,
            retry_after: api.retry_after,
        }
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_u16().to_string(),
        });
        if let Some(code) = self.error_code {
            body["error_code"] = json!(code);
        }
        let mut r = taxii_json(self.status, body.to_string());
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"renkei\", Bearer"),
            );
        }
        if let Some(secs) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

pub(super) type TResult<T = Response> = Result<T, TaxiiError>;

/// The caller, with authentication failures answered as TAXII errors
/// (with a challenge) rather than as problem+json.
#[derive(Debug)]
pub(crate) struct TaxiiPrincipal(Principal);

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

pub(super) fn taxii_json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    r
}

/// 406 unless the client accepts the TAXII 2.1 media type (or anything).
/// Media types compare as RFC 9110 says: type and subtype and parameter
/// names without case, a parameter value quoted or not, `q=0` meaning "not
/// this one".
pub(super) fn check_accept(headers: &HeaderMap) -> TResult<()> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    if accept.split(',').any(accepts_taxii) {
        Ok(())
    } else {
        Err(TaxiiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!("this server answers {TAXII_MEDIA_TYPE}; the Accept header was {accept:?}"),
        ))
    }
}

/// Whether one media range of an Accept header takes TAXII 2.1 JSON.
fn accepts_taxii(range: &str) -> bool {
    let mut parts = range.split(';');
    let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let (mut version, mut q_zero) = (None, false);
    for param in parts {
        let Some((name, value)) = param.split_once('=') else {
            return false;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        match name.trim().to_ascii_lowercase().as_str() {
            "version" => version = Some(value.to_owned()),
            "q" => q_zero = value.parse::<f32>().is_ok_and(|q| q == 0.0),
            _ => return false,
        }
    }
    if q_zero {
        return false;
    }
    match media.as_str() {
        "application/taxii+json" => version.is_none_or(|v| v == "2.1"),
        "*/*" | "application/*" => version.is_none(),
        _ => false,
    }
}

pub(super) fn require(p: &Principal) -> TResult<()> {
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

pub(super) fn root_name(c: CommunityId) -> String {
    format!("community-{}", c.0)
}

pub(super) fn parse_root(root: &str) -> TResult<CommunityId> {
    root.strip_prefix("community-")
        .and_then(|n| n.parse::<i64>().ok())
        .map(CommunityId)
        .ok_or_else(|| TaxiiError::not_found("API root"))
}

/// The scheme and host this server is reached at, for the URLs it hands
/// out (§4.1.1): see `http::origin::base_url`.
pub(super) fn base_url(headers: &HeaderMap, peer: Peer, s: &AppState) -> String {
    crate::http::origin::base_url(headers, peer.0, &s.settings)
}

/// The collections of `community` the caller may see: all of them for a
/// member, else those holding something it may read.
pub(super) async fn visible_in_root(
    s: &AppState,
    p: &Principal,
    community: CommunityId,
) -> TResult<Vec<Collection>> {
    let mut out = Vec::new();
    for c in s.store.list_collections().await? {
        if c.community == community && s.store.collection_visible(&p.actor, &c).await? {
            out.push(c);
        }
    }
    Ok(out)
}

/// The API root the caller may use: its community's, or one holding a
/// collection it may read something in (every way out shows a viewer the
/// same objects); 404 for others, so roots where one may read nothing
/// stay unlisted.
pub(super) async fn readable_root(s: &AppState, p: &Principal, root: &str) -> TResult<CommunityId> {
    require(p)?;
    let c = parse_root(root)?;
    // The viewer's communities are read from the store with it: only
    // existing communities with an active membership are in the list.
    if can_read_community(p.viewer(), c) || !visible_in_root(s, p, c).await?.is_empty() {
        return Ok(c);
    }
    Err(TaxiiError::not_found("API root"))
}

/// A collection the caller may see in root `root` (a member of its
/// community, or someone who may read something in it); any other is not
/// found, exactly as one that does not exist.
pub(super) async fn readable_collection(
    s: &AppState,
    p: &Principal,
    root: &str,
    id: &str,
) -> TResult<Collection> {
    require(p)?;
    let c = parse_root(root)?;
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
    if col.community == c && s.store.collection_visible(&p.actor, &col).await? {
        Ok(col)
    } else {
        Err(TaxiiError::not_found("collection"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // RFC 9110 §8.3.1: a quoted parameter value is the same value.
        assert!(check_accept(&h("application/taxii+json;version=\"2.1\"")).is_ok());
        assert!(check_accept(&h("Application/TAXII+JSON; Version=2.1; q=0.5")).is_ok());
        assert!(check_accept(&h("application/taxii+json;version=2.1;q=0")).is_err());
        assert!(check_accept(&h("text/html, */*;q=0.1")).is_ok());
    }
}
