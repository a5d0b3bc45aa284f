//! REST for a report's files: attached as the request body, judged by
//! their content (not their name), kept with their SHA-256, downloaded as
//! attachments that never render in the portal's origin.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use renkei_store::reports::MAX_ATTACHMENT;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::filing::TAG;
use super::service::bad;
use super::views_filing::{self as v, AttachmentView};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(paths(add_attachment, list_attachments, get_attachment))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/reports/{id}/attachments",
            get(list_attachments)
                .post(add_attachment)
                .layer(DefaultBodyLimit::max(MAX_ATTACHMENT + 1)),
        )
        .route(
            "/api/v1/reports/{id}/attachments/{attachment}",
            get(get_attachment),
        )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentParams {
    /// The file's name, as the reporter knows it.
    pub name: String,
}

/// What the bytes are, when they are something a report may carry:
/// documents, images, archives, captures and plain text. Executables and
/// anything unrecognised are refused.
pub(super) fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const ALLOWED: &[&str] = &[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "application/zip",
        "application/gzip",
        "application/x-7z-compressed",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.tcpdump.pcap",
        "application/x-pcapng",
    ];
    if let Some(kind) = infer::get(bytes) {
        return ALLOWED.iter().copied().find(|m| *m == kind.mime_type());
    }
    // Logs and notes: UTF-8 text without NULs or other controls but tab and line ends.
    let text = std::str::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .then_some("text/plain; charset=utf-8")
}

/// Attaches a file (the request body, at most 10 MiB). Its type is found
/// from its content; its SHA-256 is recorded.
#[utoipa::path(post, path = "/api/v1/reports/{id}/attachments", tag = TAG, params(("id" = i64, Path), AttachmentParams), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 201, body = AttachmentView), (status = 400, description = "empty, too large, or not a kind of file a report may carry (`report-attachment-refused`)"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn add_attachment(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AttachmentParams>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    p.require()?;
    let Some(media_type) = sniff(&body) else {
        return Err(bad("file", "report-attachment-refused", &[]));
    };
    let got = s
        .store
        .add_attachment(&p.actor, id, &q.name, media_type, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(v::attachment(got))))
}

/// The report's files.
#[utoipa::path(get, path = "/api/v1/reports/{id}/attachments", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [AttachmentView]), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn list_attachments(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    p.require()?;
    let got = s.store.attachments(&p.actor, id).await?;
    Ok(Json(got.into_iter().map(v::attachment).collect()))
}

/// One file, as a download of the type its content showed.
#[utoipa::path(get, path = "/api/v1/reports/{id}/attachments/{attachment}", tag = TAG, params(("id" = i64, Path), ("attachment" = i64, Path)), responses((status = 200, description = "the file's bytes, as the type its content showed", content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/gif"), (Vec<u8> = "application/zip"), (Vec<u8> = "application/gzip"), (Vec<u8> = "application/x-7z-compressed"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/vnd.tcpdump.pcap"), (Vec<u8> = "application/x-pcapng"), (String = "text/plain"))), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn get_attachment(
    State(s): State<AppState>,
    p: Principal,
    ApiPath((id, attachment)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    p.require()?;
    let a = s.store.attachment(&p.actor, id, attachment).await?;
    let mut res = a.content.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&a.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Never rendered in the portal's origin, whatever the bytes hold.
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}
