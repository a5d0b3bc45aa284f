//! What every room shares: who is calling (`auth`), how failures answer
//! (`error`), the JSON body (`json`) and the other REST extractors
//! (`extract`), the portal's pages and forms
//! (`page`), translations, templates, metrics, the application state
//! (`state`), and the bounds every room works within: requests at once and
//! their timeout (`limits`), the blocking pool parses run on (`parse`),
//! work that outlives its request (`jobs`). Nothing here knows a
//! capability: rooms use this room, never the other way round.

pub mod auth;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod i18n;
pub mod jobs;
pub(crate) mod json;
pub mod limits;
pub(crate) mod messages;
pub(crate) mod metrics;
pub(crate) mod origin;
pub(crate) mod page;
pub mod parse;
pub mod password;
pub(crate) mod redirect;
mod state;
pub(crate) mod templates;

pub use state::AppState;
