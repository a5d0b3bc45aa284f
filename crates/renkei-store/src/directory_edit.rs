//! Editing the directory from the administration pages: an organisation's
//! names, kind and sector; a user's display name and role; a community's
//! names and description. Each edit is checked, refused (and audited) for
//! those who may not make it, and audited with what changed.

use async_trait::async_trait;
use renkei_core::model::{Community, Org, User};
use renkei_core::{Actor, CommunityId, OrgId, OrgKind, Role, Sector, UserId};

use crate::audit::chain::append;
use crate::backend::{Backend, Sql};
use crate::directory::{DirectoryStore, conflict_on};
use crate::store::{SqlStore, check_len, platform_admin};
use crate::{Result, StoreError};

/// An organisation's editable fields.
#[derive(Debug, Clone)]
pub struct OrgEdit {
    pub name_ja: String,
    pub name_en: String,
    pub kind: OrgKind,
    pub sector: Option<Sector>,
}

/// A community's editable fields (its terms change only with a new version).
#[derive(Debug, Clone)]
pub struct CommunityEdit {
    pub name_ja: String,
    pub name_en: String,
    pub description: String,
}

/// Edits of organisations, users and communities.
#[async_trait]
pub trait DirectoryEditStore: Send + Sync {
    /// Platform administrators only.
    async fn update_org(&self, actor: &Actor, id: OrgId, e: OrgEdit) -> Result<Org>;
    /// Administrators of the user's organisation; never their own role.
    async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        display_name: &str,
        role: Role,
    ) -> Result<User>;
    /// Platform administrators only.
    async fn update_community(
        &self,
        actor: &Actor,
        id: CommunityId,
        e: CommunityEdit,
    ) -> Result<Community>;
}

const UPDATE_ORG: &str = "
    UPDATE organisations SET name_ja = $2, name_en = $3, kind = $4, sector = $5
    WHERE id = $1";

const UPDATE_USER: &str = "UPDATE users SET display_name = $2, role = $3 WHERE id = $1";

const UPDATE_COMMUNITY: &str = "
    UPDATE communities SET name_ja = $2, name_en = $3, description = $4
    WHERE id = $1";

/// One checked edit: its statement, the unique name it may collide with
/// (field, what), and the audit entry's action, object and detail.
struct Edit<'a> {
    update: Sql<'a>,
    unique: Option<(&'static str, &'static str)>,
    action: &'static str,
    object: &'a str,
    detail: String,
}

/// What an audit detail says of an edit: the new values, then the old.
fn changed(now: &str, was: &str) -> String {
    format!("{now} (was {was})")
}

/// Both names of an organisation or a community: 1 to 200 characters.
fn check_names(name_ja: &str, name_en: &str) -> Result<()> {
    check_len("name_ja", name_ja, 200)?;
    check_len("name_en", name_en, 200)
}

/// An organisation's fields as an audit detail writes them.
fn org_words((ja, en, kind, sector): (&str, &str, OrgKind, Option<&Sector>)) -> String {
    let sector = sector.map_or("-", |s| s.as_str());
    format!("{ja} / {en} {} {sector}", kind.as_str())
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// Runs an edit and appends its audit entry in one transaction.
    async fn apply_edit(&self, actor: &Actor, e: Edit<'_>) -> Result<()> {
        let mut tx = self.begin().await?;
        let ran = e.update.execute(&mut tx).await;
        match e.unique {
            Some((field, what)) => ran.map_err(conflict_on(field, what))?,
            None => ran?,
        };
        append(&mut tx, actor, e.action, e.object, &e.detail).await?;
        self.commit(tx).await
    }

    /// A community by id (few enough to list).
    async fn community_by_id(&self, id: CommunityId) -> Result<Community> {
        self.list_communities()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound("community"))
    }
}

#[async_trait]
impl<B: Backend> DirectoryEditStore for SqlStore<B> {
    async fn update_org(&self, actor: &Actor, id: OrgId, e: OrgEdit) -> Result<Org> {
        let object = format!("org:{id}");
        if !platform_admin(actor) {
            let why = "only platform administrators edit organisations";
            return Err(self.deny(actor, "org.update", &object, why).await);
        }
        check_names(&e.name_ja, &e.name_en)?;
        let before = self.get_org(id).await?;
        let (name_ja, name_en) = (e.name_ja.trim(), e.name_en.trim());
        let b = &before;
        let detail = changed(
            &org_words((name_ja, name_en, e.kind, e.sector.as_ref())),
            &org_words((&b.name_ja, &b.name_en, b.kind, b.sector.as_ref())),
        );
        let update = Sql::new(UPDATE_ORG)
            .bind(id.0)
            .bind(name_ja)
            .bind(name_en)
            .bind(e.kind.as_str())
            .bind(e.sector.as_ref().map(|s| s.as_str()));
        let unique = Some(("name_ja", "an organisation with this name"));
        let edit = Edit {
            update,
            unique,
            action: "org.update",
            object: &object,
            detail,
        };
        self.apply_edit(actor, edit).await?;
        self.get_org(id).await
    }

    async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        display_name: &str,
        role: Role,
    ) -> Result<User> {
        let object = format!("user:{id}");
        let before = self.get_user(id).await;
        let allowed = before
            .as_ref()
            .is_ok_and(|u| renkei_core::can_administer(actor, u.org));
        if !allowed {
            let why = "only administrators of the user's organisation edit the user";
            // Someone else's user reads as missing, as it does elsewhere.
            let e = self.deny(actor, "user.update", &object, why).await;
            return Err(e.hidden("user"));
        }
        let before = before?;
        check_len("display_name", display_name, 100)?;
        if actor.viewer.user == Some(id) && role != before.role {
            return Err(StoreError::Conflict {
                field: "role",
                message: "administrators do not change their own role".into(),
            });
        }
        if role == Role::CoordinatorAnalyst {
            let org = self.get_org(before.org).await?;
            if org.kind != OrgKind::Coordinator {
                return Err(StoreError::Conflict {
                    field: "role",
                    message: "coordinator_analyst is for coordinator organisations".into(),
                });
            }
        }
        let display_name = display_name.trim();
        let detail = changed(
            &format!("{display_name} {}", role.as_str()),
            &format!("{} {}", before.display_name, before.role.as_str()),
        );
        let update = Sql::new(UPDATE_USER)
            .bind(id.0)
            .bind(display_name)
            .bind(role.as_str());
        let edit = Edit {
            update,
            unique: None,
            action: "user.update",
            object: &object,
            detail,
        };
        self.apply_edit(actor, edit).await?;
        self.get_user(id).await
    }

    async fn update_community(
        &self,
        actor: &Actor,
        id: CommunityId,
        e: CommunityEdit,
    ) -> Result<Community> {
        let object = format!("community:{}", id.0);
        if !platform_admin(actor) {
            let why = "only platform administrators edit communities";
            return Err(self.deny(actor, "community.update", &object, why).await);
        }
        check_names(&e.name_ja, &e.name_en)?;
        if e.description.chars().count() > 2000 {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "description",
                "at most 2000 characters",
            )));
        }
        let before = self.community_by_id(id).await?;
        let (name_ja, name_en) = (e.name_ja.trim(), e.name_en.trim());
        let detail = changed(
            &format!("{name_ja} / {name_en}"),
            &format!("{} / {}", before.name_ja, before.name_en),
        );
        let update = Sql::new(UPDATE_COMMUNITY)
            .bind(id.0)
            .bind(name_ja)
            .bind(name_en)
            .bind(e.description.trim());
        let unique = Some(("name_ja", "a community with this name"));
        let edit = Edit {
            update,
            unique,
            action: "community.update",
            object: &object,
            detail,
        };
        self.apply_edit(actor, edit).await?;
        self.community_by_id(id).await
    }
}
