//! What the portal's share form (values typed or pasted, with an explicit
//! TLP and audience) and import form (CSV, free text, MISP event, STIX
//! bundle; `import_form.rs`) share: their fields, the choices they offer,
//! the page with a report of every line that could not be read, and
//! storing a list of values.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::{Audience, CommunityId, OrgId, Sector, Tlp, UserId};
use renkei_stix::{LineError, LineNote, ListImport};
use serde::Deserialize;

use super::imports::resolve_recipients;
use super::service::{self, ShareOptions};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::messages::{self, Localized};
use crate::http::page::{error_ctx, layout, login_redirect, org_name, render};
use crate::http::parse::ParsePlace;

/// What the share and import forms offer: collections the user may add to,
/// their communities, sectors, TLP levels.
pub(super) async fn share_choices(s: &AppState, p: &Principal, lang: Lang) -> Value {
    let collections: Vec<Value> = s
        .store
        .list_collections()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| renkei_core::can_write_community(p.viewer(), c.community))
        .map(|c| context! { id => c.id, title => c.title })
        .collect();
    let communities: Vec<Value> = s
        .store
        .list_communities()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| p.viewer().communities.contains(&c.id))
        .map(|c| context! { id => c.id.0, name => if lang == Lang::Ja { c.name_ja } else { c.name_en } })
        .collect();
    // Other organisations, each a choice of its own (one's own always reads).
    let orgs: Vec<Value> = s
        .store
        .list_orgs()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|o| Some(o.id) != p.viewer().org)
        .map(|o| context! { id => o.id.0, name => org_name(&o, lang) })
        .collect();
    context! {
        collections, communities, orgs,
        sectors => Sector::KNOWN.to_vec(),
        tlps => Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
    }
}

/// The share form's fields (and the import form's, less the values).
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct ShareForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) values: String,
    pub(super) tlp: Option<String>,
    #[serde(default)]
    pub(super) collection: String,
    #[serde(default)]
    pub(super) description: String,
    /// Repeated checkboxes arrive as one comma-joined list each.
    #[serde(default)]
    pub(super) communities: String,
    #[serde(default)]
    pub(super) sectors: String,
    #[serde(default)]
    pub(super) format: String,
    #[serde(default)]
    pub(super) skip_invalid: String,
    /// TLP:RED's readers: e-mail addresses or user ids.
    #[serde(default)]
    pub(super) recipients: String,
    #[serde(default)]
    pub(super) value_column: String,
    #[serde(default)]
    pub(super) comment_prefix: String,
    /// Organisations in the audience, comma-joined like `communities`.
    #[serde(default)]
    pub(super) orgs: String,
    /// The submission's idempotency key (one per rendering of the form).
    #[serde(default)]
    pub(super) key: String,
    /// `preview` (the default), `confirm` or `edit`.
    #[serde(default)]
    pub(super) step: String,
}

impl ShareForm {
    pub(super) fn tlp(&self, lang: Lang) -> Result<Tlp, ApiError> {
        let t = self
            .tlp
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| coded_field("tlp", "share-choose-tlp", lang, &[]))?;
        Tlp::parse(t).map_err(|_| coded_field("tlp", "share-choose-tlp", lang, &[]))
    }

    pub(super) fn audience(&self, lang: Lang) -> Result<Audience, ApiError> {
        let items = |s: &str| {
            s.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let unknown = |field: &'static str, v: &str| {
            coded_field(field, "share-audience-unknown", lang, &[("value", v)])
        };
        let mut a = Audience::default();
        for c in items(&self.communities) {
            let id = c.parse().map_err(|_| unknown("communities", &c))?;
            a.communities.push(CommunityId(id));
        }
        // Only the sectors the form offers: a mistyped code would reach nobody.
        for x in items(&self.sectors) {
            if !Sector::KNOWN.contains(&x.as_str()) {
                return Err(unknown("sectors", &x));
            }
            a.sectors
                .push(Sector::parse(&x).map_err(|_| unknown("sectors", &x))?);
        }
        for o in items(&self.orgs) {
            let id = o.parse().map_err(|_| unknown("orgs", &o))?;
            a.orgs.push(OrgId(id));
        }
        Ok(a)
    }

    pub(super) async fn collection(
        &self,
        s: &AppState,
        p: &Principal,
        lang: Lang,
    ) -> Result<renkei_core::model::Collection, ApiError> {
        let id = self.collection.trim();
        if id.is_empty() {
            return Err(coded_field(
                "collection",
                "share-choose-collection",
                lang,
                &[],
            ));
        }
        // One answer for a collection that does not exist and one the user
        // may not add to.
        match s.store.get_collection(id).await {
            Ok(c) if renkei_core::can_write_community(p.viewer(), c.community) => Ok(c),
            _ => Err(coded_field(
                "collection",
                "share-collection-refused",
                lang,
                &[],
            )),
        }
    }
}

/// A refused field whose message is `error-<code>` in `lang`.
pub(super) fn coded_field(
    field: &'static str,
    code: &'static str,
    lang: Lang,
    args: &[(&'static str, &str)],
) -> ApiError {
    let mut e = ApiError::coded(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid input",
        code,
        lang,
        args,
    );
    e.field = Some(field.to_owned());
    e
}

/// Reads repeated form fields (`communities=1&communities=2`) into one
/// comma-joined value each, which `serde_urlencoded` cannot do itself.
pub(super) fn join_repeated(body: &str) -> ShareForm {
    let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        map.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    let one = |k: &str| map.get(k).map(|v| v.join(",")).unwrap_or_default();
    ShareForm {
        csrf: one("csrf"),
        values: map.get("values").map(|v| v.join("\n")).unwrap_or_default(),
        tlp: map.get("tlp").and_then(|v| v.first().cloned()),
        collection: one("collection"),
        description: one("description"),
        communities: one("communities"),
        sectors: one("sectors"),
        format: one("format"),
        skip_invalid: one("skip_invalid"),
        recipients: one("recipients"),
        value_column: one("value_column"),
        comment_prefix: one("comment_prefix"),
        orgs: one("orgs"),
        key: one("key"),
        step: one("step"),
    }
}

/// The form's TLP:RED recipients, each an active user.
pub(super) async fn recipients(
    s: &AppState,
    lang: Lang,
    f: &ShareForm,
) -> Result<Vec<UserId>, ApiError> {
    if f.recipients.trim().is_empty() {
        return Ok(Vec::new());
    }
    resolve_recipients(s, lang, &f.recipients).await
}

/// How a list was read, for the report above the form: its layout, every
/// line counted, notices and skipped lines.
pub(super) fn report(l: &ListImport) -> Value {
    let notes = |n: &[LineNote]| -> Vec<Value> {
        n.iter()
            .map(|n| context! { line => n.line, code => n.code, input => n.input.clone(), detail => n.detail.clone() })
            .collect()
    };
    let c = l.counts;
    context! {
        layout => l.layout.as_str(),
        lines => c.lines, read => c.read, refused => c.refused, skipped => c.skipped,
        comments => c.comments, blank => c.blank,
        notices => notes(&l.notices), skipped_lines => notes(&l.skipped),
    }
}

pub(super) fn line_rows(errors: &[LineError]) -> Vec<Value> {
    errors
        .iter()
        .map(|e| context! { line => e.line, field => e.field, input => e.input.clone(), message => Localized::value(|lang| messages::for_line(e, lang)) })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn share_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    template: &str,
    form: &ShareForm,
    (lines, report): (Vec<Value>, Option<Value>),
    stored: Option<usize>,
    error: Option<ApiError>,
) -> Response {
    let choices = share_choices(s, p, lang).await;
    let path = if template == "intel_share.html" {
        "/intel/share"
    } else {
        "/intel/import"
    };
    let l = layout(s, p, lang, path).await;
    let status = if let Some(e) = error.as_ref().filter(|e| e.status.is_server_error()) {
        // A busy server says so (503, with Retry-After below).
        e.status
    } else if error.is_some() || !lines.is_empty() && stored.is_none() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let form = context! {
        values => form.values.clone(), tlp => form.tlp.clone().unwrap_or_default(), collection => form.collection.clone(),
        description => form.description.clone(), format => form.format.clone(),
        communities => form.communities.split(',').map(str::to_owned).collect::<Vec<_>>(),
        sectors => form.sectors.split(',').map(str::to_owned).collect::<Vec<_>>(),
        recipients => form.recipients.clone(), value_column => form.value_column.clone(),
        comment_prefix => form.comment_prefix.clone(), skip_invalid => !form.skip_invalid.is_empty(),
        orgs => form.orgs.split(',').map(str::to_owned).collect::<Vec<_>>(),
        key => form.key.clone(),
    };
    let retry_after = error.as_ref().and_then(|e| e.retry_after);
    let refused = super::share_form::refusal(p, &choices);
    let status = if refused.is_some() && status == StatusCode::OK {
        StatusCode::FORBIDDEN
    } else {
        status
    };
    let mut r = render(
        s,
        status,
        template,
        context! { l, choices, form, lines, report, stored, refused, error => error_ctx(error) },
    );
    if let Some(secs) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

/// A share or import form, empty.
pub(super) async fn blank_form(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    path: &str,
    template: &str,
) -> Response {
    if let Some(r) = login_redirect(p, path) {
        return r;
    }
    let form = ShareForm {
        key: super::share_form::new_key(),
        ..ShareForm::default()
    };
    share_view(s, p, lang, template, &form, (Vec::new(), None), None, None).await
}

/// Shares a parsed list: all or nothing unless `skip_invalid`; errors
/// name `field` (the form's text box or file). The indicators are built
/// and validated on the parse pool.
pub(super) async fn share_list(
    s: &AppState,
    p: &Principal,
    place: &ParsePlace,
    (lang, field, skip_invalid): (Lang, &'static str, bool),
    list: renkei_stix::ListImport,
    collection: &renkei_core::model::Collection,
    opts: ShareOptions,
) -> Result<usize, ApiError> {
    if !list.errors.is_empty() && !skip_invalid {
        return Err(coded_field(field, "share-lines-unreadable", lang, &[]));
    }
    if list.entries.is_empty() {
        return Err(coded_field(field, "share-no-values", lang, &[]));
    }
    let entries = list.entries;
    let versions = place
        .run(move || service::indicator_versions(&entries, &opts))
        .await
        .map_err(|e| e.error(lang))?
        .map_err(|errs| {
            ApiError::field(
                field,
                errs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    let out = s
        .store
        .add_stix_whole(&p.actor, collection, versions)
        .await?;
    Ok(out.successes.len())
}
