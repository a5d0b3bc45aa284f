//! First steps of a member: the help page explaining the words the portal
//! uses (TLP 2.0, PAP, sightings, collections, each export format) in
//! plain language. Every text is in the `start` Fluent room; each section
//! has an anchor that the pages showing the word link to.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::i18n::Lang;
use crate::http::page::{layout, render};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/help", get(help_page))
}

/// Readable signed out too: it holds no shared data, and a new member may
/// want it before signing in.
async fn help_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    let l = layout(&s, &p, lang, "/help").await;
    render(&s, StatusCode::OK, "help.html", context! { l })
}
