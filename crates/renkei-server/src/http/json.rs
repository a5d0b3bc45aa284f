//! The JSON request body of every REST endpoint: its errors are
//! problem+json naming the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::extract::{body_error, named_field};
use super::i18n::api_lang;

/// Whether a `Content-Type` is exactly JSON: `application/json`, with at
/// most a `charset=utf-8` parameter. Types a cross-site form or a simple
/// `fetch` may send without a CORS preflight (`text/plain`, even with
/// `+json` in a parameter) are not.
pub(crate) fn is_json(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case("application/json")
        && parts.all(|param| {
            param.split_once('=').is_some_and(|(name, value)| {
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                name.trim().eq_ignore_ascii_case("charset") && value.eq_ignore_ascii_case("utf-8")
            })
        })
}

/// 415 naming the `Content-Type` header, what was sent and what to send.
pub(crate) fn unsupported_media_type(
    headers: &axum::http::HeaderMap,
    sent: Option<&str>,
    expected: &str,
) -> ApiError {
    let mut e = ApiError::coded(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type",
        "unsupported-media-type",
        api_lang(headers),
        &[("sent", sent.unwrap_or("-")), ("expected", expected)],
    );
    e.field = Some("Content-Type".into());
    e
}

/// A JSON body whose errors name the offending field and whose size limit
/// answers 413, as problem+json.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let sent = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if !sent.as_deref().is_some_and(is_json) {
            return Err(unsupported_media_type(
                req.headers(),
                sent.as_deref(),
                "application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let field = named_field(path, &inner.to_string());
                let mut err = ApiError::field("body", format!("{field}: {inner}"));
                err.field = Some(field);
                err
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_media_types_are_json() {
        for (ct, json) in [
            ("application/json", true),
            ("Application/JSON", true),
            ("application/json; charset=utf-8", true),
            ("application/json;charset=\"UTF-8\"", true),
            ("text/plain", false),
            ("text/plain; x=+json", false),
            ("text/plain; charset=utf-8; x=application/json", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
            ("application/jsonx", false),
            ("application/json-patch+json", false),
            ("application/problem+json", false),
            ("application/json; charset=latin1", false),
            ("application/json; x=1", false),
            ("application/json; charset", false),
            ("", false),
        ] {
            assert_eq!(is_json(ct), json, "{ct}");
        }
    }
}
