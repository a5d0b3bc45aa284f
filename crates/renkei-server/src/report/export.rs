//! Exports of submitted report versions (renkei-report's [`to_json`] and
//! [`to_xlsx`]) over REST, and the one function the REST handlers and the
//! CLI (`renkei report export`) share: [`export`] reads through the store
//! as the actor (access rule in the store, every read audited), so a
//! report of another organisation is the same 404 as a missing one.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use renkei_core::Actor;
use renkei_report::ProfileSet;
use renkei_report::export::{ExportError, Filing, ReportVersion, codes, to_json, to_xlsx};
use renkei_store::Store;
use renkei_store::reports::{Report, ReportVersion as StoredVersion};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::service::{bad, to_instant};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::i18n::Lang;

type ApiResult<T> = Result<T, ApiError>;

const TAG: &str = super::filing::TAG;

/// The media type of an `.xlsx` workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The media type of a JSON export.
pub const JSON: &str = "application/json";

#[derive(OpenApi)]
#[openapi(paths(export_version, export_report), components(schemas(Workbook)))]
pub(super) struct Doc;

/// An `.xlsx` workbook's bytes.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only the OpenAPI document names it; the handlers send raw bytes.
pub struct Workbook(Vec<u8>);

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/reports/{id}/versions/{version}/export",
            get(export_version),
        )
        .route("/api/v1/reports/{id}/export", get(export_report))
}

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// renkei-report's JSON (`renkei-report-export/1`): one version's
    /// object, or for a whole report an array of them, oldest first.
    Json,
    /// A workbook in the spreadsheet layout operators e-mail today, one
    /// sheet per version.
    Xlsx,
}

impl ExportFormat {
    /// `json` or `xlsx`; anything else is a 400 naming `format`.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        match text {
            "json" => Ok(Self::Json),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(bad(
                "format",
                "report-export-format-unknown",
                &[("value", other)],
            )),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Xlsx => "xlsx",
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Self::Json => JSON,
            Self::Xlsx => XLSX,
        }
    }
}

/// An export's bytes, what they are and the file name to save them under.
#[derive(Debug)]
pub struct Exported {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    /// `report-<id>-v<version>.<ext>`, or `report-<id>.<ext>` for every version.
    pub file_name: String,
}

/// Exports one version of report `id` (or, with `version` `None`, every
/// submitted version, oldest first), read through the store as `actor`.
pub async fn export(
    store: &dyn Store,
    profiles: &ProfileSet,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
    format: ExportFormat,
) -> Result<Exported, ApiError> {
    let report = store.report(actor, id).await?;
    let stored: Vec<StoredVersion> = match version {
        Some(n) => vec![store.report_version(actor, id, n).await?],
        None => {
            let mut all = Vec::new();
            for v in store.report_versions(actor, id).await? {
                all.push(store.report_version(actor, id, v.version).await?);
            }
            all
        }
    };
    if stored.is_empty() {
        let mut e = ApiError::coded(
            StatusCode::CONFLICT,
            "Conflict",
            "report-export-nothing",
            Lang::En,
            &[],
        );
        e.field = Some("version".into());
        return Err(e);
    }
    let profile = profiles.get(&report.profile_id).ok_or_else(|| {
        bad(
            "profile",
            "report-profile-unknown",
            &[("id", &report.profile_id)],
        )
    })?;
    let mut owned = Vec::with_capacity(stored.len());
    for v in &stored {
        owned.push(Owned::of(store, &report, v).await?);
    }
    let versions: Vec<ReportVersion<'_>> =
        owned.iter().map(|o| o.borrowed(profile, &report)).collect();
    let bytes = match format {
        ExportFormat::Xlsx => to_xlsx(&versions).map_err(failed)?,
        ExportFormat::Json => {
            let mut docs = versions
                .iter()
                .map(to_json)
                .collect::<Result<Vec<Value>, _>>()
                .map_err(failed)?;
            let doc = match version {
                Some(_) => docs.pop().unwrap_or(Value::Null),
                None => Value::Array(docs),
            };
            // A `Value` always serialises.
            serde_json::to_vec_pretty(&doc).unwrap_or_default()
        }
    };
    let file_name = match version {
        Some(n) => format!("report-{id}-v{n}.{}", format.extension()),
        None => format!("report-{id}.{}", format.extension()),
    };
    Ok(Exported {
        bytes,
        media_type: format.media_type(),
        file_name,
    })
}

/// What a version's export borrows from, read once.
struct Owned {
    version: u32,
    stage: Option<String>,
    notice: String,
    form: String,
    sha256: String,
    submitted_at: jiff::Timestamp,
    reporter: String,
    values: Map<String, Value>,
}

impl Owned {
    async fn of(store: &dyn Store, report: &Report, v: &StoredVersion) -> ApiResult<Self> {
        // Who submitted it: the store kept the user; a user since removed
        // is shown by number rather than failing the export.
        let reporter = match v.submitted_by {
            Some(u) => match store.get_user(u).await {
                Ok(user) => format!("{} <{}>", user.display_name, user.email),
                Err(_) => format!("user {}", u.0),
            },
            None => String::new(),
        };
        // The stored bytes passed the form's checks when submitted; bytes
        // that no longer read as an object are an export the server
        // cannot build, not the caller's fault.
        let values: Map<String, Value> = serde_json::from_str(&v.body).map_err(|e| {
            failed(ExportError {
                code: codes::EXPORT_WORKBOOK,
                detail: format!("report {} version {}: {e}", report.id, v.version),
            })
        })?;
        Ok(Self {
            version: u32::try_from(v.version).unwrap_or(u32::MAX),
            stage: v.stage_id.clone(),
            notice: report.notice_id.clone().unwrap_or_default(),
            form: v.form_id.clone(),
            sha256: v.sha256.clone(),
            submitted_at: to_instant(v.submitted_at),
            reporter,
            values,
        })
    }

    fn borrowed<'a>(
        &'a self,
        profile: &'a renkei_report::Profile,
        report: &'a Report,
    ) -> ReportVersion<'a> {
        let filing = match &self.stage {
            Some(s) => Filing::Stage(s),
            None => Filing::Notice(&self.notice),
        };
        ReportVersion {
            profile,
            form: &self.form,
            filing,
            version: self.version,
            sha256: &self.sha256,
            submitted_at: self.submitted_at,
            organisation: &report.org_name,
            reporter: &self.reporter,
            values: &self.values,
        }
    }
}

/// The export could not be built from what the store holds (a form or
/// stage the profile in force lacks): a server fault, logged.
fn failed(e: ExportError) -> ApiError {
    tracing::error!(code = e.code, detail = %e.detail, "report export failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        "The export could not be built.",
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` or `xlsx`.
    pub format: String,
}

fn download(e: Exported) -> Response {
    let mut res = e.bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(e.media_type));
    // The file name is ours (digits and a fixed extension), always a valid header.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", e.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// One submitted version as a download: renkei-report's JSON
/// (`renkei-report-export/1`) or an `.xlsx` workbook in the spreadsheet
/// layout operators e-mail today. The read is audited.
#[utoipa::path(get, path = "/api/v1/reports/{id}/versions/{version}/export", tag = TAG, params(("id" = i64, Path), ("version" = i64, Path), ExportParams), responses((status = 200, description = "the export, as a download (`Content-Disposition: attachment; filename=\"report-<id>-v<version>.<ext>\"`)", content((Object = "application/json"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, description = "`format` is neither `json` nor `xlsx` (`report-export-format-unknown`)"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
async fn export_version(
    State(s): State<AppState>,
    p: Principal,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    p.require()?;
    let format = ExportFormat::parse(&q.format)?;
    let got = export(
        s.store.as_ref(),
        &s.reports,
        &p.actor,
        id,
        Some(version),
        format,
    )
    .await?;
    Ok(download(got))
}

/// Every submitted version of the report, oldest first: an `.xlsx`
/// workbook with one sheet per version, or (`json`) an array of each
/// version's JSON export. The reads are audited.
#[utoipa::path(get, path = "/api/v1/reports/{id}/export", tag = TAG, params(("id" = i64, Path), ExportParams), responses((status = 200, description = "the export, as a download (`Content-Disposition: attachment; filename=\"report-<id>.<ext>\"`)", content((Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ([Object] = "application/json"))), (status = 400, description = "`format` is neither `json` nor `xlsx` (`report-export-format-unknown`)"), (status = 404, description = "absent or not readable"), (status = 409, description = "no version submitted yet (`report-export-nothing`)")), security(("bearer" = [])))]
async fn export_report(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    p.require()?;
    let format = ExportFormat::parse(&q.format)?;
    let got = export(s.store.as_ref(), &s.reports, &p.actor, id, None, format).await?;
    Ok(download(got))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_json_and_xlsx_and_nothing_else() {
        assert_eq!(ExportFormat::parse("json").ok(), Some(ExportFormat::Json));
        assert_eq!(ExportFormat::parse("xlsx").ok(), Some(ExportFormat::Xlsx));
        for bad in ["", "XLSX", "pdf", "xls"] {
            let e = ExportFormat::parse(bad).expect_err(bad);
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert_eq!(e.field.as_deref(), Some("format"));
            assert_eq!(e.code, Some("report-export-format-unknown"));
        }
    }
}
