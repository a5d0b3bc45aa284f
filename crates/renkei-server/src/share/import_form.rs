//! The portal's import form as a flow that shows before it stores: the
//! file is read and checked, then a preview says how many values of each
//! kind will be stored, every line left out with its number and reason,
//! and who will be able to read them (the store's access rule, as on the
//! share form's preview). The upload waits in the store under the form's
//! idempotency key until the user confirms; it is then stored once
//! however often the confirmation is sent, and the page redirects.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::model::Collection;
use renkei_core::{Marking, Timestamp, Tlp, UserId};
use renkei_stix::{ListFormat, ListOptions};
use renkei_store::intel::NewStixVersion;
use renkei_store::share_forms::{ImportDraft, MAX_SUBMISSION_KEY};

use super::forms::{
    ShareForm, coded_field, join_repeated, line_rows, recipients, report, share_view,
};
use super::imports::{MAX_IMPORT_BYTES, check_red, list_error};
use super::readable::{kind_key, type_key};
use super::service::{self, ShareError, ShareOptions};
use super::share_form::{Done, claim, form_page, known_audience, new_key, readers_in_words};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::{Lang, Translations};
use crate::http::messages::{self, Localized};
use crate::http::page::{error_ctx, error_page, layout, refuse_form, render, urlencode};
use crate::http::parse::ParsePlace;
use crate::http::redirect::see_other;

const PATH: &str = "/intel/import";
const TEMPLATE: &str = "intel_import.html";

/// Reader groups the preview lists (an import's versions by TLP and
/// audience; a MISP event's distributions make a few).
const MAX_GROUPS: usize = 20;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        PATH,
        get(import_page)
            .post(import_post)
            .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)),
    )
}

async fn import_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<Done>,
) -> Response {
    form_page(&s, &p, lang, (PATH, TEMPLATE), q).await
}

/// Lines refused, the list's report, and the error naming the field.
type Refusal = (Vec<Value>, Option<Value>, ApiError);

fn bare(e: ApiError) -> Refusal {
    (Vec::new(), None, e)
}

/// A checked import: what it stores, and what its preview shows beside.
struct Prepared {
    collection: Collection,
    versions: Vec<NewStixVersion>,
    /// Lines (or a MISP event's items) left out, as the user asked.
    left_out: Vec<Value>,
    report: Option<Value>,
}

/// Reads the form's fields and the file `upload` sends: the fields
/// urlencoded (as the share form's body), the file's bytes.
async fn read_upload(mp: &mut Multipart) -> Result<(String, Vec<u8>), ApiError> {
    let failed = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), "Upload failed", e.body_text())
    };
    let mut fields = Vec::new();
    let mut file = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(failed)?;
        if name == "file" {
            file = bytes.to_vec();
        } else {
            let value = String::from_utf8_lossy(&bytes);
            fields.push(format!("{}={}", urlencode(&name), urlencode(&value)));
        }
    }
    Ok((fields.join("&"), file))
}

/// The fields a draft keeps: all but the CSRF token and the step.
fn draft_fields(fields: &str) -> String {
    url::form_urlencoded::parse(fields.as_bytes())
        .filter(|(k, _)| k != "csrf" && k != "step")
        .fold(
            url::form_urlencoded::Serializer::new(String::new()),
            |mut out, (k, v)| {
                out.append_pair(&k, &v);
                out
            },
        )
        .finish()
}

/// Preview (the default step), confirm, or back to the form to edit.
async fn import_post(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    mut mp: Multipart,
) -> Response {
    // A place on the parse pool before the file (up to 16 MiB) is read.
    let place = match s.parse.place() {
        Ok(place) => place,
        Err(e) => return error_page(&s, &p, lang, e.error(lang)).await,
    };
    let (fields, file) = match read_upload(&mut mp).await {
        Ok(x) => x,
        Err(e) => return error_page(&s, &p, lang, e).await,
    };
    let mut f = join_repeated(&fields);
    if let Some(r) = refuse_form(&s, &p, lang, PATH, &f.csrf).await {
        return r;
    }
    let Some(user) = p.user.as_ref().map(|u| u.id) else {
        return error_page(&s, &p, lang, ApiError::not_found("user")).await;
    };
    if f.key.is_empty()
        || f.key.len() > MAX_SUBMISSION_KEY
        || !f
            .key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        f.key = new_key();
    }
    match f.step.as_str() {
        "confirm" => confirm(&s, &p, lang, &place, user, &f.key).await,
        "edit" => edit(&s, &p, lang, user, &f.key).await,
        _ => preview(&s, &p, lang, &place, user, f, fields, file).await,
    }
}

/// The form again with the fields of the draft under `key` (the file is
/// chosen anew: a browser never fills a file input in).
async fn edit(s: &AppState, p: &Principal, lang: Lang, user: UserId, key: &str) -> Response {
    let mut f = match s.store.import_draft(user, key).await {
        Ok(Some(d)) => join_repeated(&d.fields),
        _ => ShareForm::default(),
    };
    f.key = key.to_owned();
    share_view(s, p, lang, TEMPLATE, &f, (Vec::new(), None), None, None).await
}

/// Checks the form and the file and, when both are right, keeps the file
/// under the form's key and shows what confirming would store.
#[allow(clippy::too_many_arguments)]
async fn preview(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    place: &ParsePlace,
    user: UserId,
    f: ShareForm,
    fields: String,
    file: Vec<u8>,
) -> Response {
    let draft = ImportDraft {
        fields: draft_fields(&fields),
        file,
    };
    let prepared = match prepare(s, p, lang, place, &f, draft.file.clone()).await {
        Ok(x) => x,
        Err((lines, rep, e)) => {
            return share_view(s, p, lang, TEMPLATE, &f, (lines, rep), None, Some(e)).await;
        }
    };
    let kept = s
        .store
        .keep_import_draft(user, &f.key, &draft, Timestamp::now().0)
        .await;
    if let Err(e) = kept {
        let e = e.into();
        return share_view(s, p, lang, TEMPLATE, &f, (Vec::new(), None), None, Some(e)).await;
    }
    let groups = match reader_groups(s, p, lang, &prepared).await {
        Ok(g) => g,
        Err(e) => {
            let e = e.into();
            return share_view(s, p, lang, TEMPLATE, &f, (Vec::new(), None), None, Some(e)).await;
        }
    };
    let (values, objects) = counts(&prepared.versions);
    let l = layout(s, p, lang, PATH).await;
    render(
        s,
        StatusCode::OK,
        "intel_import_preview.html",
        context! {
            l, values, objects, groups,
            total => prepared.versions.len(),
            lines => prepared.left_out, report => prepared.report,
            collection => prepared.collection.title.clone(),
            format => f.format.clone(), key => f.key.clone(),
            error => error_ctx(None),
        },
    )
}

/// Stores the draft under `key` once: the first confirmation stores and
/// records the count, any other redirects to that result.
async fn confirm(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    place: &ParsePlace,
    user: UserId,
    key: &str,
) -> Response {
    let blank = ShareForm {
        key: key.to_owned(),
        ..ShareForm::default()
    };
    let view = |f: ShareForm, r: Refusal| async move {
        let (lines, rep, e) = r;
        share_view(s, p, lang, TEMPLATE, &f, (lines, rep), None, Some(e)).await
    };
    match claim(s, user, key, PATH).await {
        Ok(None) => {}
        Ok(Some(earlier)) => return earlier,
        Err(e) => return view(blank, bare(e.into())).await,
    }
    let draft = match s.store.import_draft(user, key).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            let _ = s.store.drop_submission(user, key).await;
            let e = coded_field("file", "import-draft-gone", lang, &[]);
            return view(
                ShareForm {
                    key: new_key(),
                    ..blank
                },
                bare(e),
            )
            .await;
        }
        Err(e) => {
            let _ = s.store.drop_submission(user, key).await;
            return view(blank, bare(e.into())).await;
        }
    };
    let mut f = join_repeated(&draft.fields);
    f.key = key.to_owned();
    // Checked again: the collection, audience or recipients may have
    // changed since the preview.
    let prepared = match prepare(s, p, lang, place, &f, draft.file).await {
        Ok(x) => x,
        Err(r) => {
            let _ = s.store.drop_submission(user, key).await;
            return view(f, r).await;
        }
    };
    let stored = s
        .store
        .add_stix_whole(&p.actor, &prepared.collection, prepared.versions)
        .await;
    let n = match stored {
        Ok(out) => out.successes.len(),
        Err(e) => {
            let _ = s.store.drop_submission(user, key).await;
            return view(f, bare(e.into())).await;
        }
    };
    if let Err(e) = s.store.finish_submission(user, key, &n.to_string()).await {
        return view(f, bare(e.into())).await;
    }
    // Stored: the upload is no longer needed (retention would drop it too).
    let _ = s.store.drop_import_draft(user, key).await;
    see_other(&format!("{PATH}?done={key}"))
}

/// Reads and checks every field and the file into the versions an import
/// would store; the error names the first field refused, with every line
/// or object that could not be read.
async fn prepare(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    place: &ParsePlace,
    f: &ShareForm,
    file: Vec<u8>,
) -> Result<Prepared, Refusal> {
    if !matches!(f.format.as_str(), "csv" | "text" | "misp" | "stix") {
        let e = ApiError::field("format", "choose a format").with_code("format-required", &[]);
        return Err(bare(e));
    }
    if file.is_empty() {
        return Err(bare(coded_field("file", "import-file-required", lang, &[])));
    }
    let collection = f.collection(s, p, lang).await.map_err(bare)?;
    let audience = f.audience(lang).map_err(bare)?;
    known_audience(s, lang, &audience).await.map_err(bare)?;
    let named = recipients(s, lang, f).await.map_err(bare)?;
    let skip = !f.skip_invalid.is_empty();
    match f.format.as_str() {
        "csv" | "text" => {
            let opts = ListOptions {
                value_column: Some(f.value_column.trim().to_owned()).filter(|c| !c.is_empty()),
                comment_prefix: Some(f.comment_prefix.trim().to_owned()).filter(|c| !c.is_empty()),
                now: Some(Timestamp::now()),
            };
            let format = if f.format == "csv" {
                ListFormat::Csv
            } else {
                ListFormat::Text
            };
            let list = place
                .run(move || renkei_stix::parse_list(&file, format, &opts))
                .await
                .map_err(|e| bare(e.error(lang)))?
                .map_err(|e| {
                    let mut e = list_error(e);
                    if e.field.as_deref() == Some("body") {
                        e.field = Some("file".into());
                    }
                    bare(e)
                })?;
            let (lines, rep) = (line_rows(&list.errors), Some(report(&list)));
            let refuse = |e: ApiError| (lines.clone(), rep.clone(), e);
            let tlp = f.tlp(lang).map_err(refuse)?;
            check_red(lang, tlp, &p.actor, &named).map_err(refuse)?;
            if !list.errors.is_empty() && !skip {
                return Err(refuse(coded_field(
                    "file",
                    "share-lines-unreadable",
                    lang,
                    &[],
                )));
            }
            if list.entries.is_empty() {
                return Err(refuse(coded_field("file", "share-no-values", lang, &[])));
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
                .map_err(|e| refuse(e.error(lang)))?
                .map_err(|errs| unreadable(&errs))?;
            Ok(Prepared {
                collection,
                versions,
                left_out: lines,
                report: rep,
            })
        }
        "stix" => {
            let parsed = place
                .run(move || {
                    serde_json::from_slice::<serde_json::Value>(&file)
                        .map_err(|e| {
                            vec![renkei_stix::FieldError {
                                index: None,
                                id: None,
                                field: "file".into(),
                                message: format!("not JSON: {e}"),
                            }]
                        })
                        .and_then(|v| renkei_stix::parse_bundle(&v).map_err(|e| e.0))
                })
                .await
                .map_err(|e| bare(e.error(lang)))?;
            let objects = match parsed {
                Ok(o) => o,
                // STIX 2.0: one answer, in the reader's language.
                Err(errs) if errs == renkei_stix::ObjectErrors::stix20().0 => {
                    return Err(bare(super::api::stix20_refused(lang)));
                }
                Err(errs) => return Err(unreadable(&errs)),
            };
            let tlp = f.tlp(lang).map_err(bare)?;
            check_red(lang, tlp, &p.actor, &named).map_err(bare)?;
            // As `service::share_objects_to` marks them: an object's own
            // TLP, else the form's.
            let versions = objects
                .iter()
                .map(|o| {
                    let mut v = service::new_version(o);
                    v.tlp = v.tlp.or(Some(tlp));
                    v.audience = service::audience_for(v.tlp, &audience, &named);
                    v
                })
                .collect();
            Ok(Prepared {
                collection,
                versions,
                left_out: Vec::new(),
                report: None,
            })
        }
        _ => {
            let tlp = f.tlp(lang).map_err(bare)?;
            check_red(lang, tlp, &p.actor, &named).map_err(bare)?;
            let configured = s
                .settings
                .derived_id_key()
                .map_err(|e| bare(ApiError::field("derived_id_key", e)))?;
            let key = service::derived_id_key(s.store.as_ref(), configured)
                .await
                .map_err(|e| bare(e.into()))?;
            let org = p.viewer().org;
            let import = place
                .run(move || super::read_misp(&file, &key, org, skip))
                .await
                .map_err(|e| bare(e.error(lang)))?
                .map_err(|e| shared_error(e, lang))?;
            let opts = super::MispShareOptions {
                tlp: Some(tlp),
                audience,
                skip_invalid: skip,
                recipients: named,
            };
            let store = s.store.as_ref();
            let (versions, skipped, _) =
                super::misp::misp_versions(store, &p.actor, &collection, import, &opts)
                    .await
                    .map_err(|e| shared_error(e, lang))?;
            // Items left out are named by their place in the event; why, in
            // the reader's language, is the same for each.
            let left_out = skipped
                .iter()
                .map(|x| context! { line => "", field => x.path.clone(), input => "", message => Localized::value(|l| Translations::global().get(l, "forms-misp-left-out", None)) })
                .collect();
            Ok(Prepared {
                collection,
                versions,
                left_out,
                report: None,
            })
        }
    }
}

/// Objects that could not be read, each named, and the error above them.
fn unreadable(errs: &[renkei_stix::FieldError]) -> Refusal {
    let lines: Vec<Value> = errs
        .iter()
        .map(|e| context! { line => e.index.map_or(0, |i| i + 1), field => e.field.clone(), input => e.id.clone().unwrap_or_default(), message => Localized::value(messages::for_property) })
        .collect();
    let e = ApiError::field("file", "some objects could not be read; nothing was stored")
        .with_code("objects-unreadable", &[]);
    (lines, None, e)
}

fn shared_error(e: ShareError, lang: Lang) -> Refusal {
    match e {
        ShareError::Invalid(errs) if errs == renkei_stix::ObjectErrors::stix20().0 => {
            bare(super::api::stix20_refused(lang))
        }
        ShareError::Invalid(errs) => unreadable(&errs),
        ShareError::Store(e) => bare(e.into()),
    }
}

/// How many values of each kind the versions hold (an indicator's values,
/// in words), and how many objects of each other type.
fn counts(versions: &[NewStixVersion]) -> (Vec<Value>, Vec<Value>) {
    let mut values: Vec<(String, usize)> = Vec::new();
    let mut objects: Vec<(String, bool, usize)> = Vec::new();
    for v in versions {
        if v.index.values.is_empty() {
            let (key, named) = match type_key(&v.stix_type) {
                Some(k) => (k, true),
                None => (v.stix_type.clone(), false),
            };
            match objects.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, _, n)) => *n += 1,
                None => objects.push((key, named, 1)),
            }
        }
        for key in v.index.values.iter().map(kind_key) {
            match values.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => values.push((key, 1)),
            }
        }
    }
    (
        values
            .into_iter()
            .map(|(kind, count)| context! { kind, count })
            .collect(),
        objects
            .into_iter()
            .map(|(kind, named, count)| context! { kind, named, count })
            .collect(),
    )
}

/// The versions grouped by the marking they would be stored with (TLP and
/// audience), each group with who would read it: the access rule itself,
/// as the share form's preview applies it.
async fn reader_groups(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    prepared: &Prepared,
) -> Result<Vec<Value>, renkei_store::StoreError> {
    let Some(owner) = p.viewer().org else {
        return Ok(Vec::new());
    };
    let c = &prepared.collection;
    let mut groups: Vec<(Tlp, &renkei_core::Audience, usize)> = Vec::new();
    for v in &prepared.versions {
        // A version without a TLP takes the collection's default when stored.
        let tlp = v.tlp.unwrap_or(c.default_tlp);
        match groups
            .iter_mut()
            .find(|(t, a, _)| *t == tlp && **a == v.audience)
        {
            Some((_, _, n)) => *n += 1,
            None => groups.push((tlp, &v.audience, 1)),
        }
    }
    let mut out = Vec::new();
    for (tlp, audience, count) in groups.into_iter().take(MAX_GROUPS) {
        let marking = Marking {
            tlp,
            pap: None,
            audience: audience.clone(),
            owner_org: owner,
            created_by: p.viewer().user,
        };
        let (orgs, people) = readers_in_words(s, p, lang, c, &marking).await?;
        out.push(context! {
            tlp => tlp.as_str(), tlp_class => crate::http::page::tlp_class(tlp), count,
            red => tlp == Tlp::Red, org_count => orgs.len(), orgs, people,
        });
    }
    Ok(out)
}
