//! The member directory: organisations, users, communities and their
//! memberships (with the acceptance of confidentiality terms), supply-chain
//! links and API tokens; accounts' lifecycle (deactivation, sessions,
//! passwords, reset links); signing in and out, with second factors (`mfa`).
//! REST endpoints and portal pages.

mod account;
mod communities;
mod edit;
mod lifecycle;
mod mfa;
mod oidc;
mod orgs;
mod session;
mod signin;
mod tokens;
mod users;
mod views;

use axum::Router;
use utoipa::OpenApi;

use crate::http::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .merge(signin::routes())
        .merge(oidc::routes())
        .merge(orgs::routes())
        .merge(edit::routes())
        .merge(users::routes())
        .merge(communities::routes())
        .merge(tokens::routes())
        .merge(mfa::routes())
        .merge(lifecycle::routes())
        .merge(account::routes())
}

/// The directory's part of the OpenAPI document.
pub(crate) fn api_doc() -> utoipa::openapi::OpenApi {
    let mut doc = users::Doc::openapi();
    doc.merge(orgs::Doc::openapi());
    doc.merge(communities::Doc::openapi());
    doc.merge(tokens::Doc::openapi());
    doc.merge(lifecycle::Doc::openapi());
    doc.merge(account::Doc::openapi());
    doc
}
