//! The JSON request body of every REST endpoint: its errors are
//! problem+json naming the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body whose errors name the offending field and whose size limit
/// answers 413, as problem+json.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "send Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Body too large",
                    "the request body exceeds the size limit",
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "Unreadable body", e.body_text())
            }
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                // serde names a missing field in its message rather than the path.
                let field = inner
                    .to_string()
                    .split('`')
                    .nth(1)
                    .filter(|_| {
                        inner.to_string().starts_with("missing field")
                            || inner.to_string().starts_with("unknown field")
                    })
                    .map(str::to_owned)
                    .unwrap_or(path);
                let mut err = ApiError::field("body", format!("{field}: {inner}"));
                err.field = Some(field);
                err
            })
    }
}
