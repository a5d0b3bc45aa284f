//! The portal's exports page: every file a viewer may download, and for
//! each what it would write and what it leaves out, and why (the warning
//! list by name, linked), counted by the exports' own writers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_stix::LeftOut;

use super::exports::export_summaries;
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::{Lang, Translations};
use crate::http::page::{error_page, layout, login_redirect, render};

/// Index rows counted for the page at most; past it the page says so and
/// points to the files' own last lines.
const SUMMARY_CAP: usize = 20_000;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/intel/exports", get(exports_page))
}

/// A warning list's name for people: the built-in lists by their Fluent
/// name, members' lists by their key.
fn list_name(lang: Lang, key: &str) -> String {
    match key {
        "documentation" | "private-ranges" | "popular-domains" => {
            Translations::global().get(lang, &format!("exports-list-{key}"), None)
        }
        _ => key.to_owned(),
    }
}

async fn exports_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    if let Some(r) = login_redirect(&p, "/intel/exports") {
        return r;
    }
    let (files, capped) = match export_summaries(s.store.as_ref(), &p.actor, SUMMARY_CAP).await {
        Ok(x) => x,
        Err(super::ExportError::Store(e)) => return error_page(&s, &p, lang, e.into()).await,
        Err(e) => {
            tracing::error!(error = %e, "export summary");
            let e = ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "the server could not complete the request",
            );
            return error_page(&s, &p, lang, e).await;
        }
    };
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            let left: Vec<Value> = f
                .stats
                .left_out
                .iter()
                .map(|(why, n)| match why {
                    LeftOut::Warning(list) => {
                        context! { why => "warning", count => n, list => list_name(lang, list) }
                    }
                    LeftOut::TooWide => context! { why => "too-wide", count => n },
                    LeftOut::NoPlace(k) => {
                        context! { why => "no-place", count => n, kind => k.as_str() }
                    }
                    LeftOut::Scheme => context! { why => "scheme", count => n },
                    LeftOut::TooLong => context! { why => "too-long", count => n },
                })
                .collect();
            let href = match f.kind {
                Some(k) => format!("/intel/export/blocklist?type={}", k.as_str()),
                None => format!("/intel/export/{}", f.format.as_str()),
            };
            context! {
                format => f.format.as_str(), kind => f.kind.map(|k| k.as_str()), href,
                written => f.stats.written, left,
            }
        })
        .collect();
    let l = layout(&s, &p, lang, "/intel").await;
    render(
        &s,
        StatusCode::OK,
        "intel_exports.html",
        context! { l, files, capped => capped.then_some(SUMMARY_CAP) },
    )
}
