//! renkei's storage: one trait per capability, their union [`Store`], one
//! SQL implementation of them all ([`SqlStore`]) over two backends (SQLite,
//! PostgreSQL), and the audit chain. Only this crate knows SQL.
//!
//! Each capability module holds its trait, its types and its SQL as named
//! constants; the access rule of `renkei_core::access` is written once in
//! SQL (`access`) and applied inside every query that reads shared data.
//! What differs between the databases is the [`backend`] trait's business.

mod access;
pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod backend;
pub mod directory;
pub mod directory_edit;
mod error;
pub mod index;
pub mod intel;
pub mod items;
pub mod notify;
pub mod oidc;
pub mod overview;
pub mod reports;
pub mod share_forms;
mod store;
pub mod warnings;
pub mod webhooks;

use std::sync::Arc;

use async_trait::async_trait;

pub use accounts::AccountStore;
pub use alerts::AlertStore;
pub use audit::{
    ACTIONS, AuditEvent, AuditFilter, AuditPage, AuditQuery, AuditStore, TreeHead, TreeWalk,
    verify_against,
};
pub use auth::AuthStore;
pub use auth::mfa::MfaStore;
pub use backend::postgres::PgStore;
pub use backend::sqlite::SqliteStore;
pub use directory::{Credentials, DirectoryStore};
pub use directory_edit::DirectoryEditStore;
pub use error::StoreError;
pub use index::IndexStore;
pub use intel::IntelStore;
pub use items::ItemStore;
pub use notify::NotificationStore;
pub use oidc::OidcLinkStore;
pub use overview::{OverviewStore, RestrictedRead};
pub use reports::ReportStore;
pub use share_forms::ShareFormStore;
pub use store::SqlStore;
pub use warnings::WarningStore;
pub use webhooks::WebhookStore;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database itself: reachable, statistics fresh.
#[async_trait]
pub trait Maintenance: Send + Sync {
    /// Can the database be reached?
    async fn ping(&self) -> Result<()>;
    /// Refreshes the planner's statistics (after bulk loads; PostgreSQL's
    /// autovacuum also does this on its own schedule).
    async fn analyze(&self) -> Result<()>;
}

#[async_trait]
impl<B: backend::Backend> Maintenance for SqlStore<B> {
    async fn ping(&self) -> Result<()> {
        backend::Sql::new("SELECT 1").execute(self).await?;
        Ok(())
    }

    async fn analyze(&self) -> Result<()> {
        backend::Sql::new("ANALYZE").execute(self).await?;
        Ok(())
    }
}

/// Everything renkei keeps, for callers that want all of it. Every method
/// that writes, and every method that returns data other than TLP:CLEAR,
/// appends to the audit chain in the same call; reads of shared data apply
/// the access rule in their SQL.
pub trait Store:
    DirectoryStore
    + DirectoryEditStore
    + AccountStore
    + AuthStore
    + MfaStore
    + ItemStore
    + NotificationStore
    + AuditStore
    + IntelStore
    + IndexStore
    + WarningStore
    + WebhookStore
    + OidcLinkStore
    + ShareFormStore
    + OverviewStore
    + ReportStore
    + AlertStore
    + Maintenance
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: DirectoryStore
        + DirectoryEditStore
        + AccountStore
        + AuthStore
        + MfaStore
        + ItemStore
        + NotificationStore
        + AuditStore
        + IntelStore
        + IndexStore
        + WarningStore
        + WebhookStore
        + OidcLinkStore
        + ShareFormStore
        + OverviewStore
        + ReportStore
        + AlertStore
        + Maintenance
        + std::fmt::Debug
{
}

/// Opens the store named by `url`, creating and migrating it as needed.
/// `sqlite:` and `postgres:`/`postgresql:` are known; anything else is refused.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
    match scheme {
        "sqlite" => Ok(Arc::new(SqliteStore::open(url).await?)),
        "postgres" | "postgresql" => Ok(Arc::new(PgStore::open(url).await?)),
        _ => Err(StoreError::UnknownScheme(scheme.to_owned())),
    }
}
