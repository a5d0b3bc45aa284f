//! The portal's intelligence pages: the collections' newest objects,
//! search, an object's page (versions, correlations, sightings, and the
//! sighting form) and export downloads. Every read goes
//! through the store's access rule and audit, as the REST API's do.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::{Audience, IndicatorValue, Timestamp, Tlp};
use renkei_stix::StixTime;
use serde::Deserialize;

use super::api::{ExportParams, SearchParams, export_plan, export_response};
use super::readable::{self, Names};
use super::service;
use super::taxii::{decode_next, encode_next};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{
    CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, org_name, render,
    tlp_class, urlencode,
};
use crate::http::redirect::see_other;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/intel", get(intel_page))
        .route("/intel/search", get(search_page))
        .route(
            "/intel/objects/{id}",
            get(object_page).post(sighting_create),
        )
        .route("/intel/export/{format}", get(export_download))
}

#[derive(Deserialize)]
struct IntelQuery {
    /// Page further in one collection: its id and the `next` token.
    collection: Option<String>,
    next: Option<String>,
}

/// Shared intelligence: each collection the user's organisation may read,
/// newest objects first, each object filtered by its own marking (and the
/// read audited) in the store.
async fn intel_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<IntelQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel") {
        return r;
    }
    let collections = match super::exports::visible_collections(s.store.as_ref(), &p.actor).await {
        Ok(c) => c,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let communities = s.store.list_communities().await.unwrap_or_default();
    // Each row names its sharer, as the object page does.
    let names = Names::load(&s, lang).await;
    let mut sections = Vec::new();
    for c in collections {
        let mut query = renkei_store::intel::StixQuery::new(50);
        query.newest_first = true;
        if q.collection.as_deref() == Some(c.id.as_str()) {
            query.after = q.next.as_deref().and_then(decode_next);
        }
        let page = match s.store.stix_page(&p.actor, &c, &query).await {
            Ok(page) => page,
            Err(e) => return error_page(&s, &p, lang, e.into()).await,
        };
        let rows: Vec<Value> = page
            .rows
            .iter()
            .map(|r| {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
                let owner = Some(names.org(r.owner_org));
                readable::row_ctx(r, &body, owner, time(r.date_added))
            })
            .collect();
        let next = page
            .more
            .then(|| page.rows.last().map(|r| encode_next(r.date_added, r.pk)))
            .flatten();
        let community = communities.iter().find(|x| x.id == c.community).map(|x| {
            if lang == Lang::Ja {
                x.name_ja.clone()
            } else {
                x.name_en.clone()
            }
        });
        sections.push(context! {
            id => c.id.clone(), title => c.title.clone(), community, rows, next,
            taxii => format!("/taxii2/community-{}/collections/{}/", c.community.0, c.id),
        });
    }
    // Communities whose terms the organisation has still to accept: the
    // page says so and links to the home page's banner.
    let terms_pending: Vec<Value> = super::items::pending_terms(&s, &p, lang)
        .await
        .unwrap_or_default();
    let l = layout(&s, &p, lang, "/intel").await;
    render(
        &s,
        StatusCode::OK,
        "intel.html",
        context! { l, sections, terms_pending },
    )
}

pub(super) fn time(us: i64) -> String {
    Timestamp(us).to_jst_display()
}

fn text(body: &serde_json::Value, k: &str) -> String {
    body.get(k)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

async fn search_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<SearchParams>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel/search") {
        return r;
    }
    let searched =
        q.q.is_some() || q.kind.is_some() || q.tlp.is_some() || q.from.is_some() || q.org.is_some();
    let names = Names::load(&s, lang).await;
    let (rows, items, error) = if searched {
        match search_both(&s, &p, lang, &q, &names).await {
            Ok((rows, items)) => (rows, items, None),
            Err(e) => (Vec::new(), Vec::new(), Some(e)),
        }
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let l = layout(&s, &p, lang, "/intel").await;
    let orgs: Vec<Value> = s
        .store
        .list_orgs()
        .await
        .unwrap_or_default()
        .iter()
        .map(|o| context! { id => o.id.0, name => org_name(o, lang) })
        .collect();
    let form = context! {
        org => q.org.as_deref().and_then(|o| o.parse::<i64>().ok()).unwrap_or_default(),
        q => q.q.clone().unwrap_or_default(), kind => q.kind.clone().unwrap_or_default(),
        tlp => q.tlp.clone().unwrap_or_default(), from => q.from.clone().unwrap_or_default(),
        until => q.until.clone().unwrap_or_default(),
    };
    render(
        &s,
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        "intel_search.html",
        context! { l, rows, items, searched, form, orgs, tlps => Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(), error => error_ctx(error) },
    )
}

/// One search: readable objects holding the value or what relates to it
/// (or the words), and the shared reports holding the same words or values.
async fn search_both(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    q: &SearchParams,
    names: &Names,
) -> Result<(Vec<Value>, Vec<Value>), ApiError> {
    let query = q.query()?;
    let found = s.store.search(&p.actor, &query).await?;
    let rows = found
        .iter()
        .map(|f| readable::object_row(f, names))
        .collect();
    let Some(text) = query.text.as_deref() else {
        return Ok((rows, Vec::new()));
    };
    if !query.types.is_empty() && !query.types.iter().any(|t| t == "report") {
        return Ok((rows, Vec::new()));
    }
    // A value's report text holds it, or its host or registered domain.
    let terms: Vec<String> = match IndicatorValue::guess(&renkei_core::refang(text)) {
        Ok(v) => renkei_core::related::related(&v)
            .exact
            .iter()
            .map(|x| x.value().to_owned())
            .collect(),
        Err(_) => vec![text.trim().to_owned()],
    };
    let items = s.store.search_items(&p.actor, &terms, 50).await?;
    let items = items
        .iter()
        .filter(|i| query.tlp.is_none_or(|t| t == i.marking.tlp))
        .filter(|i| query.owner_org.is_none_or(|o| o == i.marking.owner_org.0))
        .filter(|i| query.added_from.is_none_or(|t| i.created_at.0 >= t))
        .filter(|i| query.added_before.is_none_or(|t| i.created_at.0 < t))
        .map(|i| {
            context! {
                id => i.id, title => i.title.clone(), owner => names.org(i.marking.owner_org.0),
                tlp => i.marking.tlp.as_str(), tlp_class => tlp_class(i.marking.tlp),
                tlp_means => readable::tlp_meaning_key(i.marking.tlp), added => i.created_at.to_jst_display(),
            }
        })
        .collect();
    let _ = lang;
    Ok((rows, items))
}

async fn object_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    id: &str,
    flash: Option<&str>,
    error: Option<ApiError>,
) -> Response {
    let versions = match s.store.object_versions(&p.actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let correlations = s
        .store
        .correlate(&p.actor, id, 20)
        .await
        .unwrap_or_default();
    let sightings = s.store.sightings_of(&p.actor, id).await.unwrap_or_default();
    let warnings = service::warning_lists(s.store.as_ref(), p.viewer().org)
        .await
        .ok();
    let sharers = sharer_lines(&versions);
    let heads: Vec<i64> = sharers
        .iter()
        .filter_map(|l| l.first().map(|v| v.row.pk))
        .collect();
    let audiences = s
        .store
        .audiences_of(&p.actor, &heads)
        .await
        .unwrap_or_default();
    let names = Names::load(s, lang).await.with_users(s, &audiences).await;
    let audience_of = |pk: i64| {
        audiences
            .iter()
            .find(|(k, _)| *k == pk)
            .map(|(_, a)| names.audience(s, a))
            .unwrap_or_default()
    };
    // Correlated objects by name: read once, under the same rule.
    let hit_pks: Vec<i64> = correlations
        .iter()
        .flat_map(|h| h.hits.iter().map(|x| x.pk))
        .collect();
    let hit_objects = s
        .store
        .objects_by_pk(&p.actor, &hit_pks)
        .await
        .unwrap_or_default();
    let now = Timestamp::now();
    let lines: Vec<Value> = sharers
        .iter()
        .map(|line| {
            let first = line.first();
            let latest = first.map_or(serde_json::Value::Null, |v| body_of(v));
            context! {
                owner => names.org(first.map_or(0, |v| v.owner_org)),
                audience => first.map(|v| audience_of(v.row.pk)).unwrap_or_default(),
                name => text(&latest, "name"), description => text(&latest, "description"),
                versions => line.iter().map(|v| {
                    context! {
                        version => readable::stix_time(&v.row.version), added => time(v.row.date_added), tlp => v.row.tlp.as_str(),
                        tlp_class => tlp_class(v.row.tlp), owner => names.org(v.owner_org),
                        json => serde_json::to_string_pretty(&body_of(v)).unwrap_or_default(),
                    }
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    // Headed by the line shared first: a later sharer of the id, whatever
    // its versions say, never takes the heading over.
    let head = sharers.first().and_then(|l| l.first());
    let latest = head.map_or(serde_json::Value::Null, |v| body_of(v));
    let summary = head.map(|v| {
        readable::row_ctx(
            &v.row,
            &latest,
            Some(names.org(v.owner_org)),
            time(v.row.date_added),
        )
    });
    // The collection it was shared in, by title (the reader may read the
    // object there, so the title tells nothing new).
    let collection = match head {
        Some(v) => s
            .store
            .get_collection(&v.collection_id)
            .await
            .ok()
            .map(|c| c.title),
        None => None,
    };
    let correlations: Vec<Value> = correlations
        .iter()
        .map(|h| {
            let lists = warnings.as_ref().map(|w| w.matches(&h.value).iter().map(|k| (*k).to_owned()).collect::<Vec<_>>()).unwrap_or_default();
            let net = h.value.net();
            context! {
                value => readable::value_ctx(&h.value), total => h.total, lists,
                hits => h.hits.iter().map(|x| {
                    let matched = IndicatorValue::parse(x.kind, &x.value).ok();
                    let relation = if x.value == h.value.value() {
                        "intel-rel-same"
                    } else if x.value.parse::<ipnet::IpNet>().is_ok_and(|w| net.is_some_and(|n| w.contains(&n))) {
                        "intel-rel-holds"
                    } else {
                        "intel-rel-inside"
                    };
                    let name = hit_objects.iter().find(|o| o.row.pk == x.pk).map(|o| text(&body_of(o), "name")).unwrap_or_default();
                    context! {
                        id => x.stix_id.clone(), name, tlp => x.tlp.as_str(), tlp_class => tlp_class(x.tlp), owner => names.org(x.owner_org),
                        matched => matched.as_ref().map(readable::value_ctx), relation,
                        type_key => readable::type_key(&x.stix_type), added => time(x.date_added),
                        decay => renkei_core::decay_score(x.kind, Timestamp(x.valid_from), x.valid_until.map(Timestamp), None, now),
                    }
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let sightings = context! {
        count => sightings.count, reports => sightings.reports,
        first => sightings.first_seen.map(time), last => sightings.last_seen.map(time),
        by_org => sightings.by_org.iter().map(|(o, n)| context! { org => names.org(*o), count => n }).collect::<Vec<_>>(),
    };
    let l = layout(s, p, lang, "/intel").await;
    render(
        s,
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        "intel_object.html",
        context! {
            l, id, name => text(&latest, "name"), summary, collection,
            description => text(&latest, "description"), lines, shared_by_several => lines.len() > 1, correlations, sightings,
            tlps => Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(), flash, error => error_ctx(error),
        },
    )
}

fn body_of(v: &renkei_store::index::FoundObject) -> serde_json::Value {
    serde_json::from_str(&v.row.body).unwrap_or_default()
}

/// An object's readable versions as one line per sharer, each newest first:
/// an organisation's versions are its own, and another organisation's
/// versions of the same id never change its line's heading, latest version
/// or attribution. Lines come in the order they were first shared (the
/// first version's `date_added`), so a later sharer never goes first.
fn sharer_lines(
    versions: &[renkei_store::index::FoundObject],
) -> Vec<Vec<&renkei_store::index::FoundObject>> {
    // The store lists versions newest first; grouping keeps that order.
    let mut lines: Vec<(i64, Vec<&renkei_store::index::FoundObject>)> = Vec::new();
    for v in versions {
        match lines.iter_mut().find(|(owner, _)| *owner == v.owner_org) {
            Some((_, l)) => l.push(v),
            None => lines.push((v.owner_org, vec![v])),
        }
    }
    lines.sort_by_key(|(owner, l)| {
        let first = l.iter().map(|v| (v.row.date_added, v.row.pk)).min();
        (first, *owner)
    });
    lines.into_iter().map(|(_, l)| l).collect()
}

async fn object_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, &format!("/intel/objects/{id}")) {
        return r;
    }
    let flash =
        q.ok.as_deref()
            .filter(|k| *k == "sighting-reported")
            .map(|_| "sighting-reported");
    // Stored in lower case, named in either.
    let id = renkei_stix::id::canonical_id(&id);
    object_view(&s, &p, lang, &id, flash, None).await
}

#[derive(Deserialize)]
pub(super) struct FlashQuery {
    pub(super) ok: Option<String>,
}

#[derive(Deserialize)]
struct SightingForm {
    csrf: String,
    count: String,
    tlp: Option<String>,
}

impl PortalForm for SightingForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Reports a sighting of the object, under its own explicitly chosen TLP.
async fn sighting_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<SightingForm>,
) -> Response {
    let result: Result<(), ApiError> = async {
        let tlp = f
            .tlp
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::field("tlp", "choose a TLP level"))
            .and_then(|t| Tlp::parse(t).map_err(|e| ApiError::field("tlp", e.to_string())))?;
        let count: i64 = f
            .count
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=1_000_000_000).contains(n))
            .ok_or_else(|| ApiError::field("count", "a whole number from 1"))?;
        // The sighted object must be readable by the one reporting it.
        s.store.object_versions(&p.actor, &id).await?;
        let now = StixTime::from_timestamp(Timestamp::now());
        let o = serde_json::json!({
            "type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", uuid::Uuid::new_v4()),
            "created": now.text, "modified": now.text, "sighting_of_ref": id, "count": count,
            "object_marking_refs": [renkei_stix::tlp_marking_id(tlp)],
        });
        let obj = renkei_stix::parse_object(&o, None)
            .map_err(|e| ApiError::field("sighting", e.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
        let collection = service::default_collection(s.store.as_ref(), p.viewer())
            .await?
            .ok_or_else(|| ApiError::field("collection", "you may add to no collection"))?;
        service::share_objects(s.store.as_ref(), &p.actor, &collection, std::slice::from_ref(&obj), Some(tlp), &Audience::default()).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => see_other(&format!(
            "/intel/objects/{}?ok=sighting-reported",
            urlencode(&id)
        )),
        Err(e) => object_view(&s, &p, lang, &id, None, Some(e)).await,
    }
}

/// Downloads an export of what the user may read.
async fn export_download(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(format): Path<String>,
    Query(q): Query<ExportParams>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel") {
        return r;
    }
    let plan = match export_plan(&s, &p, &format, &q).await {
        Ok(plan) => plan,
        Err(e) => return error_page(&s, &p, lang, e).await,
    };
    match export_response(&s, &p, plan).await {
        Ok(r) => r,
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}
