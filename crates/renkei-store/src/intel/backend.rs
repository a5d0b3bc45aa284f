//! What SQLite and PostgreSQL do differently when storing and paging STIX
//! objects.

use std::future::Future;

use renkei_core::Actor;
use renkei_core::model::Collection;

use super::model::StixQuery;
use super::page::EnvelopeRows;
use crate::Result;
use crate::backend::{Backend, Sql, Tx};
use crate::index::export::RawRow;
use crate::store::SqlStore;

/// A backend's part in adding and paging STIX objects.
pub(crate) trait IntelBackend: Backend {
    /// Selects the `name` and `description` of the object body `o.body`
    /// (NULL where it has none) as columns `name` and `description`: each
    /// database reads JSON text with its own functions.
    const NAME_AND_DESCRIPTION: &'static str;

    /// Takes the heads (`write::head_key`) of the lines of `owner` with
    /// ids `ids` that an add to `collection` touches, before anything else
    /// in the add, so that concurrent adds of versions of one line take
    /// turns (`has_newer` stays exact).
    fn take_heads<'a>(
        tx: &'a mut Tx<'static, Self>,
        collection: &'a str,
        owner: i64,
        ids: Vec<&'a str>,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// An export page's rows (`index::export`): the statements' rows in
    /// order until `limit`, read before the read is audited.
    fn export_rows<'a>(
        store: &'a SqlStore<Self>,
        statements: Vec<Sql<'static>>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RawRow>>> + Send + 'a;

    /// A TAXII page's rows, read before the read is audited.
    fn envelope_rows<'a>(
        store: &'a SqlStore<Self>,
        actor: &'a Actor,
        c: &'a Collection,
        q: &'a StixQuery,
    ) -> impl Future<Output = Result<EnvelopeRows>> + Send + 'a;
}
