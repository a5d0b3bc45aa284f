//! The query string, path parameters and raw body of REST endpoints, with
//! the rejections axum would answer in plain text turned into problem+json
//! (`error.rs`): a query parameter that does not parse is 422 naming it, a
//! path that names no possible record 404, a body over the limit 413.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The parameter a deserialisation error is about: serde names a missing
/// or unknown field in its message (between backticks), anything else by
/// its path.
pub(crate) fn named_field(path: String, message: &str) -> String {
    let named = message.starts_with("missing field") || message.starts_with("unknown field");
    match message.split('`').nth(1) {
        Some(name) if named => name.to_owned(),
        _ => path,
    }
}

/// The query string as `T`; a parameter that does not parse is 422 with
/// `field` naming it.
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner().to_string();
                let field = named_field(path, &inner);
                let mut err = ApiError::field("query", format!("{field}: {inner}"));
                err.field = Some(field);
                err
            })
    }
}

/// The path parameters as `T`. A path whose parameter cannot be read (an
/// id that is not a number) names nothing that could exist: 404, as for a
/// record that does not.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e))
                if e.status().is_client_error() =>
            {
                Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    e.body_text(),
                ))
            }
            Err(e) => {
                // Routes and extractors disagree: a fault of this server.
                tracing::error!(error = %e.body_text(), "path parameters");
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "the server could not complete the request",
                ))
            }
        }
    }
}

/// A raw request body of any media type, read once the caller has taken
/// its place on the parse pool; over the route's limit is 413.
pub(crate) async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(body_error)
}

/// The problem for a body that could not be read.
pub(crate) fn body_error(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Body too large",
            "the request body exceeds the size limit",
        )
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "Unreadable body", e.body_text())
    }
}
