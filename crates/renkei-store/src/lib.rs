//! renkei's storage: the [`Store`] trait, its SQLite and PostgreSQL backends,
//! and the audit chain. Only this crate knows SQL.
//!
//! Both backends run the same SQL text (SQLite accepts PostgreSQL's `$n`
//! placeholders), instantiated per backend by the `sql_store!` macro so each
//! gets native, typed sqlx pools. The access rule of `renkei_core::access` is
//! expressed once in SQL in `access.rs` and applied inside every query that
//! reads shared data.

mod access;
mod error;
mod hot;
pub mod index;
mod index_sql;
pub mod intel;
mod intel_sql;
mod postgres;
mod sql;
mod sqlite;
mod sqlite_read;
mod token_cache;
mod under_way;

use async_trait::async_trait;
use renkei_core::model::{
    ApiToken, Community, Item, Membership, NewCommunity, NewItem, NewOrg, NewUser, Org, Session,
    User,
};
use renkei_core::{
    Actor, AuditEntry, AuditOutcome, ChainBreak, CommunityId, Email, OrgId, SupplyLink, Timestamp,
    UserId, Viewer,
};
use std::sync::Arc;

pub use error::StoreError;
pub use index::IndexStore;
pub use intel::IntelStore;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Something to record in the audit chain that is not a store write
/// (sign-in, sign-out, a refused request).
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: String,
    pub object: String,
    pub outcome: AuditOutcome,
    pub detail: String,
}

/// Which audit entries to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only entries whose actor belongs to this organisation.
    pub org: Option<OrgId>,
    /// Only entries with `seq` below this (paging).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// A user with the password hash, for sign-in only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// Everything renkei keeps. Every method that writes, and every method that
/// returns data other than TLP:CLEAR, appends to the audit chain in the same
/// call; reads of shared data apply the access rule in their SQL.
#[async_trait]
pub trait Store: intel::IntelStore + index::IndexStore + Send + Sync + std::fmt::Debug {
    /// Can the database be reached?
    async fn ping(&self) -> Result<()>;
    /// Refreshes the planner's statistics (after bulk loads; PostgreSQL's
    /// autovacuum also does this on its own schedule).
    async fn analyze(&self) -> Result<()>;

    // -- directory --------------------------------------------------------
    async fn create_org(&self, actor: &Actor, org: NewOrg) -> Result<Org>;
    async fn list_orgs(&self) -> Result<Vec<Org>>;
    async fn get_org(&self, id: OrgId) -> Result<Org>;
    async fn create_user(&self, actor: &Actor, user: NewUser) -> Result<User>;
    /// Users of one organisation, or all when `org` is `None`.
    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>>;
    async fn get_user(&self, id: UserId) -> Result<User>;
    async fn credentials(&self, email: &Email) -> Result<Option<Credentials>>;
    async fn create_community(&self, actor: &Actor, c: NewCommunity) -> Result<Community>;
    async fn list_communities(&self) -> Result<Vec<Community>>;
    async fn add_membership(
        &self,
        actor: &Actor,
        community: CommunityId,
        org: OrgId,
    ) -> Result<Membership>;
    /// Records that `actor` (a user of the member organisation) accepts the
    /// community's current confidentiality terms.
    async fn accept_terms(&self, actor: &Actor, membership: i64) -> Result<Membership>;
    async fn end_membership(&self, actor: &Actor, membership: i64) -> Result<Membership>;
    async fn list_memberships(&self, community: Option<CommunityId>) -> Result<Vec<Membership>>;
    async fn add_supply_link(&self, actor: &Actor, link: SupplyLink) -> Result<()>;
    async fn list_supply_links(&self) -> Result<Vec<SupplyLink>>;

    // -- authentication ----------------------------------------------------
    /// Stores a token by the hash of its secret; the secret is never stored.
    async fn create_api_token(
        &self,
        actor: &Actor,
        org: OrgId,
        name: &str,
        role: renkei_core::Role,
        token_hash: &str,
    ) -> Result<ApiToken>;
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;
    /// A live token and what it may see, resolved in one query (the path
    /// every machine request takes). The answer may be kept for up to a
    /// second, but never across a write committed through this store, so
    /// a revocation or membership change made here applies at once; one
    /// made by another process on the same database, within the second.
    async fn token_viewer(&self, token_hash: &str) -> Result<Option<(ApiToken, Viewer)>>;
    async fn list_api_tokens(&self, org: OrgId) -> Result<Vec<ApiToken>>;
    async fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<()>;
    async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<()>;
    async fn session_by_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>>;
    async fn revoke_session(&self, token_hash: &str) -> Result<()>;
    async fn record_login_failure(&self, email: &str, source: &str) -> Result<()>;
    /// Failures for this e-mail or from this source since `since`.
    async fn login_failures_since(
        &self,
        email: &str,
        source: &str,
        since: Timestamp,
    ) -> Result<(i64, i64)>;

    /// Resolves what a user may see: organisation, sector, accepted communities.
    async fn viewer_for_user(&self, user: UserId) -> Result<Viewer>;
    /// Resolves what an organisation may see (for work done in its name
    /// from the command line).
    async fn org_viewer(&self, org: OrgId) -> Result<Viewer>;
    /// Resolves what an organisation's API token may see.
    async fn viewer_for_token(&self, token: &ApiToken) -> Result<Viewer>;

    // -- shared items ------------------------------------------------------
    async fn share_item(&self, actor: &Actor, item: NewItem) -> Result<Item>;
    /// Adds a version; the previous ones stay as they were.
    async fn amend_item(&self, actor: &Actor, id: i64, item: NewItem) -> Result<Item>;
    /// Latest versions the actor may read, newest first.
    async fn list_items(&self, actor: &Actor, limit: i64) -> Result<Vec<Item>>;
    /// `NotFound` both when absent and when the actor may not read it, so
    /// the answer does not tell which.
    async fn get_item(&self, actor: &Actor, id: i64) -> Result<Item>;
    async fn item_versions(&self, actor: &Actor, id: i64) -> Result<Vec<Item>>;

    // -- audit -------------------------------------------------------------
    async fn audit(&self, actor: &Actor, event: AuditEvent) -> Result<()>;
    /// Newest first. The caller decides who may see which organisation's
    /// entries (see `renkei_core::can_administer`); this read is itself audited.
    async fn list_audit(&self, actor: &Actor, q: AuditQuery) -> Result<Vec<AuditEntry>>;
    /// Walks the whole chain; `Ok(n)` is the number of intact entries.
    async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>>;
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
