//! TAXII 2.1: discovery, one API root per community, collections, objects
//! (GET/POST/DELETE), single objects, versions, manifest and status.
//!
//! Paging is stateless: `next` encodes the last `(date_added, pk)` seen, so
//! any server process answers any page, and many objects sharing one
//! `date_added` page correctly. Adds run asynchronously, bounded and
//! drained at shutdown (`adds.rs`); the status lives in the store. Errors are TAXII error messages in the TAXII media type.

mod adds;
mod base;
mod objects;
mod paging;
mod roots;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use paging::{decode_next, encode_next};

use crate::http::AppState;
use objects::{
    add_objects, delete_object, get_object, get_objects, manifest, object_versions, status,
};
use roots::{api_root, collection, collections, discovery};

pub(crate) fn routes(max_content_length: usize) -> Router<AppState> {
    // Every resource answers with and without its trailing slash.
    let both = |r: Router<AppState>, path: &str, m: axum::routing::MethodRouter<AppState>| {
        let bare = path.trim_end_matches('/').to_owned();
        r.route(path, m.clone()).route(&bare, m)
    };
    let mut r = Router::new();
    r = both(r, "/taxii2/", get(discovery));
    r = both(r, "/taxii2/{root}/", get(api_root));
    r = both(r, "/taxii2/{root}/collections/", get(collections));
    r = both(r, "/taxii2/{root}/collections/{id}/", get(collection));
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/objects/",
        get(get_objects).post(add_objects),
    );
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/objects/{object_id}/",
        get(get_object).delete(delete_object),
    );
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/",
        get(object_versions),
    );
    r = both(
        r,
        "/taxii2/{root}/collections/{id}/manifest/",
        get(manifest),
    );
    r = both(r, "/taxii2/{root}/status/{status_id}/", get(status));
    r.layer(DefaultBodyLimit::max(max_content_length))
}

/// The answer for a path under `/taxii2/` that names no endpoint: a TAXII
/// error body, as every TAXII answer is.
pub(crate) fn unknown_path() -> axum::response::Response {
    axum::response::IntoResponse::into_response(base::TaxiiError::not_found("endpoint"))
}
