//! What every room shares: who is calling (`auth`), how failures answer
//! (`error`), the JSON body (`json`) and the other REST extractors
//! (`extract`), the portal's pages and forms
//! (`page`), translations, templates, metrics and the application state
//! (`state`). Nothing here knows a
//! capability: rooms use this room, never the other way round.

pub mod auth;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod i18n;
pub(crate) mod json;
pub(crate) mod metrics;
pub(crate) mod origin;
pub(crate) mod page;
pub mod password;
pub(crate) mod redirect;
mod state;
pub(crate) mod templates;

pub use state::AppState;
