//! Imports over REST: `/api/v1/imports` takes an indicator list (CSV or
//! free text), a MISP event or a STIX bundle; the older
//! `/api/v1/collections/{id}/bundles` takes a bundle as JSON. Both store a
//! bundle the same way (all or nothing, every problem listed); they differ
//! in what they accept and answer, so both stay.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use renkei_core::model::Collection;
use renkei_core::{Actor, Audience, Timestamp, Tlp, UserId};
use renkei_stix::{LineCounts, LineError, LineNote, ListError, ListFormat, ListOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::api::{field_errors, object_errors, parse_audience, parse_tlp};
use super::misp::{MispShareOptions, read_misp, share_misp_import};
use super::recipients::{self, RecipientError};
use super::service::{self, ShareError, ShareOptions};
use super::views::{FileBytes, ImportFormatName};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery, read_body};
use crate::http::i18n::{Lang, api_lang};
use crate::http::json::ApiJson;
use crate::http::parse::ParseRefused;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    paths(import, import_bundle),
    components(schemas(ImportFormatName)),
    tags((name = TAG, description = "Imports into a collection: indicator lists (CSV, free text), MISP events and STIX 2.1 bundles, shared under a TLP 2.0 level and audience. All or nothing: a refused import lists every problem (`errors`) and stores nothing."))
)]
pub(super) struct Doc;

/// These operations' tag in the OpenAPI document.
const TAG: &str = "imports";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/imports",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/api/v1/collections/{id}/bundles", post(import_bundle))
}

/// The largest import body (lists, MISP events, bundles).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// How an import is shared.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `csv`, `text` (free text, defanged values refanged), `misp` (event
    /// JSON) or `stix` (bundle).
    #[param(value_type = ImportFormatName)]
    pub format: String,
    /// The collection to add to; the first one the caller may add to if absent.
    pub collection: Option<String>,
    /// TLP for the indicators (required for `csv` and `text`; for `misp` and
    /// `stix` it applies to objects that carry no TLP marking).
    pub tlp: Option<String>,
    /// Who the objects are shared with: `community:ID,sector:NAME,org:ID,user:ID`.
    /// Absent or empty: the collection's community, the default for
    /// anything shared into a collection. Naming any audience replaces
    /// that default (it does not add to it): the objects reach your
    /// organisation and what you named, and the collection's community
    /// only if you name it too. TLP:RED takes named users only.
    pub audience: Option<String>,
    /// Store the readable lines (lists) or the valid attributes and objects
    /// (MISP) and report the rest; otherwise one bad line or attribute
    /// refuses the whole import, every problem listed.
    pub skip_invalid: Option<bool>,
    /// `csv`: the column holding the values, by its header's name or as a
    /// 1-based number. Published feeds (abuse.ch URLhaus, ThreatFox, Feodo
    /// Tracker; Spamhaus DROP) are recognised without it.
    pub value_column: Option<String>,
    /// `csv`, `text`: lines starting with this are comments (`csv`: `#`
    /// unless given).
    pub comment_prefix: Option<String>,
    /// TLP:RED's readers besides the sharer: e-mail addresses or user ids,
    /// comma-separated, each an active user. TLP:RED objects go to them and
    /// the audience's users only; other objects ignore them. RED is shared
    /// by a person: a session, or a token a person created (it acts for
    /// them); a token nobody created may not.
    pub recipients: Option<String>,
}

/// What an import stored, or why not.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Objects stored (or already present).
    pub stored: usize,
    /// Repeated values dropped from a list; objects of a bundle repeated
    /// exactly (the same id, version and content), stored once.
    pub duplicates: usize,
    /// Lines that could not be read (stored nothing unless `skip_invalid`).
    pub line_errors: Vec<LineErrorView>,
    /// MISP attributes and objects left out (no STIX mapping; invalid ones
    /// with `skip_invalid`), by JSON path, with why.
    pub skipped: Vec<String>,
    /// MISP items whose `distribution` narrowed their TLP or audience, by
    /// JSON path, with how.
    pub narrowed: Vec<String>,
    /// Lists: how the input was read: `csv`, `text`, or the published feed
    /// recognised (`urlhaus`, `threatfox`, `feodo`, `spamhaus-drop`,
    /// `spamhaus-drop-json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// Lists: every line's outcome, counted (`read + refused + skipped +
    /// comments + blank = lines`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<LineCountsView>,
    /// Lists: lines skipped, each with its reason.
    pub skipped_lines: Vec<LineNoteView>,
    /// Lists: values read but changed on the way in (a network's host bits
    /// cleared, a `tcp://` URL kept as host and port), and file names not
    /// read as domains.
    pub notices: Vec<LineNoteView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineCountsView {
    pub lines: usize,
    pub read: usize,
    pub refused: usize,
    pub skipped: usize,
    pub comments: usize,
    pub blank: usize,
}

impl From<LineCounts> for LineCountsView {
    fn from(c: LineCounts) -> Self {
        Self {
            lines: c.lines,
            read: c.read,
            refused: c.refused,
            skipped: c.skipped,
            comments: c.comments,
            blank: c.blank,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineNoteView {
    pub line: usize,
    /// `host-bits`, `endpoint`, `file-name`, `duplicate`, `no-value`,
    /// `unsupported-type`, `more`.
    pub code: String,
    pub input: String,
    pub detail: String,
    pub message: String,
}

impl From<&LineNote> for LineNoteView {
    fn from(n: &LineNote) -> Self {
        Self {
            line: n.line,
            code: n.code.to_owned(),
            input: n.input.clone(),
            detail: n.detail.clone(),
            message: n.message.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineErrorView {
    pub line: usize,
    pub field: String,
    pub input: String,
    /// What is wrong, in English.
    pub message: String,
    /// A stable code naming what is wrong, whatever the language of
    /// `message`.
    pub code: String,
}

impl From<&LineError> for LineErrorView {
    fn from(e: &LineError) -> Self {
        Self {
            line: e.line,
            field: e.field.to_owned(),
            input: e.input.clone(),
            message: e.message.clone(),
            code: e.code.to_owned(),
        }
    }
}

/// Imports an indicator list, a MISP event or a STIX bundle, all or nothing
/// unless `skip_invalid`; every problem is listed.
#[utoipa::path(post, path = "/api/v1/imports", tag = TAG, operation_id = "import_file", params(ImportParams),
    request_body(description = "The file as it is, in the `format` named, at most 16 MiB: its bytes as application/octet-stream whatever the format; or a MISP event (`misp`) or STIX 2.1 bundle (`stix`) as application/json; or a list as text/csv (`csv`) or text/plain (`text`, `csv`).", content(
        (FileBytes = "application/octet-stream"),
        (Object = "application/json"),
        (String = "text/csv"),
        (String = "text/plain"),
    )),
    responses((status = 201, body = ImportResult), (status = 404, description = "`collection` absent or not readable"), (status = 413, description = "larger than 16 MiB"), (status = 422, description = "problems listed (`errors`, by line or JSON path); nothing stored")), security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ImportParams>,
    req: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<ImportResult>)> {
    p.require()?;
    // Parsing and validation run on the bounded parse pool (`http/parse.rs`).
    let lang = api_lang(&headers);
    let busy = |e: ParseRefused| e.error(lang);
    let tlp = parse_tlp(q.tlp.as_deref())?;
    let audience = parse_audience(q.audience.as_deref())?;
    let actor = recipients::sharing_actor(s.store.as_ref(), &p.actor, p.token_creator).await?;
    let named = match &q.recipients {
        Some(r) => resolve_recipients(&s, lang, r).await?,
        None => Vec::new(),
    };
    let collection = match &q.collection {
        Some(id) => readable_collection(&s, &p, id).await?,
        None => service::default_collection(s.store.as_ref(), p.viewer())
            .await?
            .ok_or_else(|| ApiError::field("collection", "you may add to no collection"))?,
    };
    // A place on the parse pool before the body (up to 16 MiB) is read.
    let place = s.parse.place().map_err(busy)?;
    let body = read_body(req, &s).await?;
    let store = s.store.as_ref();
    let mut result = ImportResult {
        stored: 0,
        duplicates: 0,
        line_errors: Vec::new(),
        skipped: Vec::new(),
        narrowed: Vec::new(),
        layout: None,
        lines: None,
        skipped_lines: Vec::new(),
        notices: Vec::new(),
    };
    match q.format.as_str() {
        "csv" | "text" => {
            let tlp = tlp.ok_or_else(|| {
                ApiError::field("tlp", "choose the TLP level of the indicators explicitly")
            })?;
            check_red(lang, tlp, &actor, &named)?;
            let opts = ListOptions {
                value_column: q.value_column.clone(),
                comment_prefix: q.comment_prefix.clone(),
                now: Some(Timestamp::now()),
            };
            let format = if q.format == "csv" {
                ListFormat::Csv
            } else {
                ListFormat::Text
            };
            let list = place
                .run(move || renkei_stix::parse_list(&body, format, &opts))
                .await
                .map_err(busy)?
                .map_err(list_error)?;
            result.duplicates = list.duplicates;
            result.line_errors = list.errors.iter().map(Into::into).collect();
            result.layout = Some(list.layout.as_str().to_owned());
            result.lines = Some(list.counts.into());
            result.skipped_lines = list.skipped.iter().map(Into::into).collect();
            result.notices = list.notices.iter().map(Into::into).collect();
            if !list.errors.is_empty() && !q.skip_invalid.unwrap_or(false) {
                let mut err = ApiError::field(
                    "body",
                    format!(
                        "{} line(s) could not be read; nothing was stored",
                        list.errors.len()
                    ),
                );
                err.errors = Some(Box::new(json!(result.line_errors)));
                return Err(err);
            }
            if list.entries.is_empty() {
                return Err(ApiError::field("body", "no indicator values found"));
            }
            let opts = ShareOptions {
                tlp,
                audience,
                description: None,
                recipients: named,
            };
            let entries = list.entries;
            let versions = place
                .run(move || service::indicator_versions(&entries, &opts))
                .await
                .map_err(busy)?
                .map_err(field_errors)?;
            let out = store.add_stix_whole(&actor, &collection, versions).await?;
            result.stored = out.successes.len();
        }
        "misp" => {
            let configured = s
                .settings
                .derived_id_key()
                .map_err(|e| ApiError::field("derived_id_key", e))?;
            let key = service::derived_id_key(store, configured).await?;
            let org = p.viewer().org;
            let skip_invalid = q.skip_invalid.unwrap_or(false);
            let import = place
                .run(move || read_misp(&body, &key, org, skip_invalid))
                .await
                .map_err(busy)?
                .map_err(|e| match e {
                    ShareError::Invalid(errs) => field_errors(errs),
                    ShareError::Store(e) => e.into(),
                })?;
            let opts = MispShareOptions {
                tlp,
                audience,
                skip_invalid,
                recipients: named,
            };
            let out = share_misp_import(store, &actor, &collection, import, &opts)
                .await
                .map_err(|e| match e {
                    ShareError::Invalid(errs) => field_errors(errs),
                    ShareError::Store(e) => e.into(),
                })?;
            result.skipped = out
                .skipped
                .iter()
                .map(|k| format!("{}: {}", k.path, k.reason))
                .collect();
            result.narrowed = out.narrowed.iter().map(ToString::to_string).collect();
            result.stored = out.outcome.successes.len();
        }
        "stix" => {
            let parsed = place
                .run(move || -> ApiResult<renkei_stix::ParsedObjects> {
                    let v: Value = serde_json::from_slice(&body)
                        .map_err(|e| ApiError::field("body", format!("not JSON: {e}")))?;
                    renkei_stix::read_bundle(&v).map_err(object_errors)
                })
                .await
                .map_err(busy)??;
            let to = (&audience, named.as_slice());
            (result.stored, result.duplicates) =
                share_bundle(&s, &actor, &collection, &parsed, tlp, to).await?;
        }
        other => {
            return Err(ApiError::field(
                "format",
                format!("{other:?}: expected csv, text, misp or stix"),
            ));
        }
    }
    Ok((StatusCode::CREATED, Json(result)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// Objects stored (or already present with the same version).
    pub stored: i64,
}

/// Imports a STIX 2.1 bundle into a collection: stored whole, or refused
/// whole with every problem listed (`errors`), storing nothing.
#[utoipa::path(post, path = "/api/v1/collections/{id}/bundles", tag = TAG, params(("id" = String, Path, description = "the collection")), request_body(content = Object, description = "a STIX 2.1 bundle"),
    responses((status = 201, body = ImportView), (status = 422, description = "refused; every problem listed in errors")), security(("bearer" = [])))]
pub async fn import_bundle(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(bundle): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    p.require()?;
    let c = readable_collection(&s, &p, &id).await?;
    let actor = recipients::sharing_actor(s.store.as_ref(), &p.actor, p.token_creator).await?;
    let parsed = s
        .parse
        .run(move || renkei_stix::read_bundle(&bundle))
        .await
        .map_err(|e| e.error(api_lang(&headers)))?
        .map_err(object_errors)?;
    let to = (&Audience::default(), &[][..]);
    let (stored, _) = share_bundle(&s, &actor, &c, &parsed, None, to).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportView {
            stored: stored as i64,
        }),
    ))
}

/// A collection the caller may read (`service::readable_collection`).
async fn readable_collection(s: &AppState, p: &Principal, id: &str) -> ApiResult<Collection> {
    Ok(service::readable_collection(s.store.as_ref(), &p.actor, id).await?)
}

/// Both endpoints' bundle import: validated whole (on the parse pool, by
/// the caller) and stored whole, or refused with every problem listed,
/// storing nothing. Objects without a TLP marking take `tlp` when given,
/// else the collection's default; `to` is the audience and TLP:RED's
/// recipients. Returns how many objects were stored (or already present)
/// and how many exact repeats were stored once.
async fn share_bundle(
    s: &AppState,
    actor: &Actor,
    collection: &Collection,
    parsed: &renkei_stix::ParsedObjects,
    tlp: Option<Tlp>,
    (audience, recipients): (&Audience, &[UserId]),
) -> ApiResult<(usize, usize)> {
    let out = service::share_objects_to(
        s.store.as_ref(),
        actor,
        collection,
        &parsed.objects,
        tlp,
        audience,
        recipients,
    )
    .await?;
    Ok((out.successes.len(), parsed.repeats.len()))
}

/// A list refused whole: for its size (413), or for an option that cannot
/// apply (422, naming it).
pub(super) fn list_error(e: ListError) -> ApiError {
    if e.is_size() {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Too large", e.to_string())
    } else {
        ApiError::field(e.field(), e.to_string())
    }
}

/// The recipients named, each an active user; any other refuses the import
/// (naming them all), storing nothing.
pub(super) async fn resolve_recipients(
    s: &AppState,
    lang: Lang,
    spec: &str,
) -> ApiResult<Vec<UserId>> {
    recipients::resolve(s.store.as_ref(), spec)
        .await
        .map_err(|e| match e {
            RecipientError::Unknown(names) => {
                coded_field("recipients-unknown", lang, &[("names", &names.join(", "))])
            }
            RecipientError::TooMany => coded_field(
                "recipients-too-many",
                lang,
                &[("max", &recipients::MAX_RECIPIENTS.to_string())],
            ),
            RecipientError::Store(e) => e.into(),
        })
}

/// A list at `tlp` shared by `actor` to `named`: recipients name RED's
/// readers only, and RED is shared by a person.
pub(super) fn check_red(lang: Lang, tlp: Tlp, actor: &Actor, named: &[UserId]) -> ApiResult<()> {
    if tlp != Tlp::Red && !named.is_empty() {
        return Err(coded_field(
            "recipients-need-red",
            lang,
            &[("tlp", tlp.as_str())],
        ));
    }
    if tlp == Tlp::Red && actor.viewer.user.is_none() {
        let mut e = coded_field("red-needs-a-person", lang, &[]);
        e.field = Some("tlp".into());
        return Err(e);
    }
    Ok(())
}

fn coded_field(code: &'static str, lang: Lang, args: &[(&'static str, &str)]) -> ApiError {
    let mut e = ApiError::coded(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid input",
        code,
        lang,
        args,
    );
    e.field = Some("recipients".into());
    e
}
