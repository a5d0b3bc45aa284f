//! Storage of STIX objects in TAXII collections: versions by `(id,
//! version)`, stable paging by `(date_added, pk)`, asynchronous add status.
//! Reads apply the access rule in SQL (`readable_stix!`) and are audited.

pub(crate) mod backend;
mod model;
pub(crate) mod page;
mod status;
mod store;
pub(crate) mod write;

pub use model::{
    AddOutcome, DeleteMatch, Echo, EnvelopePage, IndexEntries, NewStixVersion, SightingOf,
    StixPage, StixQuery, StixRow, TaxiiStatus, VersionMatch,
};
pub use status::AddAbandoned;
pub use store::IntelStore;
