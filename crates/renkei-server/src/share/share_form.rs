//! The portal's share form as a flow that cannot send to the wrong people:
//! nothing chosen by default, a preview naming every organisation (and,
//! for TLP:RED, every person) that would read the values, computed by the
//! store from the access rule itself, then a confirmation that stores once
//! per form (an idempotency key) and redirects, so a reload or a double
//! click never shares twice. No JavaScript: the preview is a page.

use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::{Marking, Role, Timestamp, Tlp, UserId};
use renkei_store::StoreError;
use renkei_store::share_forms::Submission;
use serde::Deserialize;

use super::forms::{
    ShareForm, blank_form, coded_field, join_repeated, line_rows, recipients, report, share_list,
    share_view,
};
use super::imports::check_red;
use super::service::ShareOptions;
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{error_ctx, layout, org_name, refuse_form, render};
use crate::http::redirect::see_other;

const PATH: &str = "/intel/share";
const TEMPLATE: &str = "intel_share.html";

/// How long a second submission of one key waits for the first to finish
/// before showing the result page (which then says it is still storing).
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(share_page).post(share_post))
}

/// A fresh idempotency key for one rendering of the form.
pub(super) fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Why `p` may not share, if it may not: `role` (a viewer reads only),
/// `terms` (no community whose terms its organisation accepted), or
/// `collection` (no collection it may add to). The form is not shown then;
/// the page says what to do instead.
pub(super) fn refusal(p: &Principal, choices: &Value) -> Option<&'static str> {
    let v = p.viewer();
    if !matches!(
        v.role,
        Some(Role::Admin | Role::CoordinatorAnalyst | Role::Reporter)
    ) {
        return Some("role");
    }
    if v.communities.is_empty() {
        return Some("terms");
    }
    let none = choices
        .get_attr("collections")
        .ok()
        .and_then(|c| c.len())
        .is_none_or(|n| n == 0);
    none.then_some("collection")
}

#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

async fn share_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<Done>,
) -> Response {
    form_page(&s, &p, lang, (PATH, TEMPLATE), q).await
}

/// The empty share or import form; after a submission (`?done=KEY`), with
/// its result above (a key that is not the user's, or not finished, shows
/// the empty form only).
pub(super) async fn form_page(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    (path, template): (&str, &str),
    q: Done,
) -> Response {
    let (Some(key), Some(user)) = (q.done, p.user.as_ref().map(|u| u.id)) else {
        return blank_form(s, p, lang, path, template).await;
    };
    let stored = match s.store.submission_result(user, &key).await {
        Ok(r) => r.and_then(|r| r.parse::<usize>().ok()),
        Err(_) => None,
    };
    let form = ShareForm {
        key: new_key(),
        ..ShareForm::default()
    };
    share_view(
        s,
        p,
        lang,
        template,
        &form,
        (Vec::new(), None),
        stored,
        None,
    )
    .await
}

/// Claims submission `key` of `user` for this request: `Ok(None)` when it
/// is to store now; else the redirect to the result of the request that
/// claimed it first (waiting a while for one still storing).
pub(super) async fn claim(
    s: &AppState,
    user: UserId,
    key: &str,
    path: &str,
) -> Result<Option<Response>, StoreError> {
    let done = || see_other(&format!("{path}?done={key}"));
    match s
        .store
        .claim_submission(user, key, Timestamp::now().0)
        .await?
    {
        Submission::Claimed => Ok(None),
        Submission::Done(_) => Ok(Some(done())),
        Submission::Pending => {
            // The first request with this key is storing: wait for it so
            // the redirect shows its result.
            let until = tokio::time::Instant::now() + WAIT_FOR_FIRST;
            while tokio::time::Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if matches!(s.store.submission_result(user, key).await, Ok(Some(_))) {
                    break;
                }
            }
            Ok(Some(done()))
        }
    }
}

/// What a checked form shares.
struct Checked {
    collection: renkei_core::model::Collection,
    opts: ShareOptions,
    list: renkei_stix::ListImport,
}

/// Reads and checks every field; the error names the first field refused.
async fn check(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    f: &ShareForm,
) -> Result<Checked, (Vec<Value>, Option<Value>, ApiError)> {
    let bare = |e| (Vec::new(), None, e);
    let collection = f.collection(s, p, lang).await.map_err(bare)?;
    let tlp = f.tlp(lang).map_err(bare)?;
    let audience = f.audience(lang).map_err(bare)?;
    known_audience(s, lang, &audience).await.map_err(bare)?;
    let named = recipients(s, lang, f).await.map_err(bare)?;
    check_red(lang, tlp, &p.actor, &named).map_err(bare)?;
    let values = f.values.clone();
    let place = s.parse.place().map_err(|e| bare(e.error(lang)))?;
    let list = place
        .run(move || renkei_stix::parse_text(&values))
        .await
        .map_err(|e| bare(e.error(lang)))?;
    if !list.errors.is_empty() {
        return Err((
            line_rows(&list.errors),
            Some(report(&list)),
            coded_field("values", "share-lines-unreadable", lang, &[]),
        ));
    }
    if list.entries.is_empty() {
        return Err(bare(coded_field("values", "share-no-values", lang, &[])));
    }
    let description = Some(f.description.trim().to_owned()).filter(|d| !d.is_empty());
    Ok(Checked {
        collection,
        opts: ShareOptions {
            tlp,
            audience,
            description,
            recipients: named,
        },
        list,
    })
}

/// Every community and organisation named exists; the error names the
/// first that does not, as it was given.
pub(super) async fn known_audience(
    s: &AppState,
    lang: Lang,
    a: &renkei_core::Audience,
) -> Result<(), ApiError> {
    if !a.communities.is_empty() {
        let known = s.store.list_communities().await?;
        if let Some(c) = a
            .communities
            .iter()
            .find(|c| !known.iter().any(|k| k.id == **c))
        {
            let v = c.0.to_string();
            return Err(coded_field(
                "communities",
                "share-audience-unknown",
                lang,
                &[("value", &v)],
            ));
        }
    }
    if !a.orgs.is_empty() {
        let known = s.store.list_orgs().await?;
        if let Some(o) = a.orgs.iter().find(|o| !known.iter().any(|k| k.id == **o)) {
            let v = o.0.to_string();
            return Err(coded_field(
                "orgs",
                "share-audience-unknown",
                lang,
                &[("value", &v)],
            ));
        }
    }
    Ok(())
}

/// Preview (the default step), confirm, or back to the form to edit.
async fn share_post(State(s): State<AppState>, lang: Lang, p: Principal, body: String) -> Response {
    let mut f = join_repeated(&body);
    if let Some(r) = refuse_form(&s, &p, lang, PATH, &f.csrf).await {
        return r;
    }
    if f.key.is_empty() || f.key.len() > renkei_store::share_forms::MAX_SUBMISSION_KEY {
        f.key = new_key();
    }
    let view = |f: &ShareForm, lines: Vec<Value>, rep: Option<Value>, e: Option<ApiError>| {
        let (s, p) = (&s, &p);
        let f = f.clone();
        async move { share_view(s, p, lang, TEMPLATE, &f, (lines, rep), None, e).await }
    };
    if f.step == "edit" {
        return view(&f, Vec::new(), None, None).await;
    }
    let checked = match check(&s, &p, lang, &f).await {
        Ok(c) => c,
        Err((lines, rep, e)) => return view(&f, lines, rep, Some(e)).await,
    };
    if f.step != "confirm" {
        return preview(&s, &p, lang, &f, &checked).await;
    }
    let Some(user) = p.user.as_ref().map(|u| u.id) else {
        return view(&f, Vec::new(), None, None).await;
    };
    let done = || see_other(&format!("{PATH}?done={}", f.key));
    match claim(&s, user, &f.key, PATH).await {
        Ok(None) => {}
        Ok(Some(earlier)) => return earlier,
        Err(e) => return view(&f, Vec::new(), None, Some(e.into())).await,
    }
    let place = match s.parse.place() {
        Ok(place) => place,
        Err(e) => {
            let _ = s.store.drop_submission(user, &f.key).await;
            return view(&f, Vec::new(), None, Some(e.error(lang))).await;
        }
    };
    let Checked {
        collection,
        opts,
        list,
    } = checked;
    let stored = share_list(
        &s,
        &p,
        &place,
        (lang, "values", false),
        list,
        &collection,
        opts,
    )
    .await;
    match stored {
        Ok(n) => match s
            .store
            .finish_submission(user, &f.key, &n.to_string())
            .await
        {
            Ok(()) => done(),
            Err(e) => view(&f, Vec::new(), None, Some(e.into())).await,
        },
        Err(e) => {
            let _ = s.store.drop_submission(user, &f.key).await;
            view(&f, Vec::new(), None, Some(e)).await
        }
    }
}

/// The preview page: the values, the collection, TLP and audience in
/// words, and who would read them, with a button that confirms.
async fn preview(s: &AppState, p: &Principal, lang: Lang, f: &ShareForm, c: &Checked) -> Response {
    let (Some(owner), user) = (p.viewer().org, p.viewer().user) else {
        return blank_form(s, p, lang, PATH, TEMPLATE).await;
    };
    let mut audience = c.opts.audience.clone();
    if c.opts.tlp == Tlp::Red {
        audience.users.extend(c.opts.recipients.iter().copied());
    }
    let marking = Marking {
        tlp: c.opts.tlp,
        pap: None,
        audience,
        owner_org: owner,
        created_by: user,
    };
    let (reader_orgs, people) = match readers_in_words(s, p, lang, &c.collection, &marking).await {
        Ok(r) => r,
        Err(e) => {
            return share_view(
                s,
                p,
                lang,
                TEMPLATE,
                f,
                (Vec::new(), None),
                None,
                Some(e.into()),
            )
            .await;
        }
    };
    let orgs = s.store.list_orgs().await.unwrap_or_default();
    let name_of = |id: renkei_core::OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| org_name(o, lang))
            .unwrap_or_default()
    };
    let communities = s.store.list_communities().await.unwrap_or_default();
    let chosen = context! {
        communities => communities.iter()
            .filter(|x| c.opts.audience.communities.contains(&x.id))
            .map(|x| if lang == Lang::Ja { x.name_ja.clone() } else { x.name_en.clone() })
            .collect::<Vec<_>>(),
        sectors => c.opts.audience.sectors.iter().map(|x| x.as_str().to_owned()).collect::<Vec<_>>(),
        orgs => c.opts.audience.orgs.iter().map(|o| name_of(*o)).collect::<Vec<_>>(),
    };
    let values: Vec<String> = c
        .list
        .entries
        .iter()
        .take(MAX_PREVIEW_VALUES)
        .map(|e| e.value.value().to_owned())
        .collect();
    let form = context! {
        values => f.values.clone(), tlp => c.opts.tlp.as_str(), collection => c.collection.id.clone(),
        description => f.description.clone(), recipients => f.recipients.clone(), key => f.key.clone(),
        communities => c.opts.audience.communities.iter().map(|x| x.0).collect::<Vec<_>>(),
        sectors => c.opts.audience.sectors.iter().map(|x| x.as_str().to_owned()).collect::<Vec<_>>(),
        orgs => c.opts.audience.orgs.iter().map(|x| x.0).collect::<Vec<_>>(),
    };
    let l = layout(s, p, lang, PATH).await;
    render(
        s,
        StatusCode::OK,
        "intel_share_preview.html",
        context! {
            l, form, chosen, people, values,
            value_count => c.list.entries.len(),
            more_values => c.list.entries.len().saturating_sub(MAX_PREVIEW_VALUES),
            collection => c.collection.title.clone(),
            org_count => reader_orgs.len(), reader_orgs,
            red => c.opts.tlp == Tlp::Red,
            error => error_ctx(None),
        },
    )
}

/// Who would read versions marked `marking` in collection `c` (the
/// store's access rule, [`renkei_store::share_forms::ShareFormStore::readers`]),
/// in words: the organisations' names, and the people named one by one
/// (name, organisation, whether it is the user).
pub(super) async fn readers_in_words(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    c: &renkei_core::model::Collection,
    marking: &Marking,
) -> Result<(Vec<String>, Vec<Value>), StoreError> {
    let readers = s.store.readers(c, marking).await?;
    let orgs = s.store.list_orgs().await?;
    let name_of = |id: renkei_core::OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| org_name(o, lang))
            .unwrap_or_default()
    };
    let reader_orgs: Vec<String> = readers.orgs.iter().map(|o| name_of(*o)).collect();
    let mut people = Vec::new();
    for (u, org) in &readers.users {
        if let Ok(user) = s.store.get_user(*u).await {
            people.push(context! { name => user.display_name, org => name_of(*org), me => Some(*u) == p.viewer().user });
        }
    }
    Ok((reader_orgs, people))
}

/// Values listed on the preview (all are counted).
const MAX_PREVIEW_VALUES: usize = 50;
