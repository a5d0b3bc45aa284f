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

#[async_trait]
impl<B: Backend> DirectoryEditStore for SqlStore<B> {
    async fn update_org(&self, actor: &Actor, id: OrgId, e: OrgEdit) -> Result<Org> {
        let object = format!("org:{id}");
        if !platform_admin(actor) {
            let why = "only platform administrators edit organisations";
            return Err(self.deny(actor, "org.update", &object, why).await);
        }
        check_len("name_ja", &e.name_ja, 200)?;
        check_len("name_en", &e.name_en, 200)?;
        let before = self.get_org(id).await?;
        let mut tx = self.begin().await?;
        Sql::new(UPDATE_ORG)
            .bind(id.0)
            .bind(e.name_ja.trim())
            .bind(e.name_en.trim())
            .bind(e.kind.as_str())
            .bind(e.sector.as_ref().map(|s| s.as_str()))
            .execute(&mut tx)
            .await
            .map_err(conflict_on("name_ja", "an organisation with this name"))?;
        let detail = format!(
            "{} / {} {} {} (was {} / {} {} {})",
            e.name_ja.trim(),
            e.name_en.trim(),
            e.kind.as_str(),
            e.sector.as_ref().map_or("-", |s| s.as_str()),
            before.name_ja,
            before.name_en,
            before.kind.as_str(),
            before.sector.as_ref().map_or("-", |s| s.as_str()),
        );
        append(&mut tx, actor, "org.update", &object, &detail).await?;
        self.commit(tx).await?;
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
            return Err(self
                .deny(actor, "user.update", &object, why)
                .await
                .hidden("user"));
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
        let mut tx = self.begin().await?;
        Sql::new(UPDATE_USER)
            .bind(id.0)
            .bind(display_name.trim())
            .bind(role.as_str())
            .execute(&mut tx)
            .await?;
        let detail = format!(
            "{} {} (was {} {})",
            display_name.trim(),
            role.as_str(),
            before.display_name,
            before.role.as_str()
        );
        append(&mut tx, actor, "user.update", &object, &detail).await?;
        self.commit(tx).await?;
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
        check_len("name_ja", &e.name_ja, 200)?;
        check_len("name_en", &e.name_en, 200)?;
        if e.description.chars().count() > 2000 {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "description",
                "at most 2000 characters",
            )));
        }
        let before = self
            .list_communities()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound("community"))?;
        let mut tx = self.begin().await?;
        Sql::new(UPDATE_COMMUNITY)
            .bind(id.0)
            .bind(e.name_ja.trim())
            .bind(e.name_en.trim())
            .bind(e.description.trim())
            .execute(&mut tx)
            .await
            .map_err(conflict_on("name_ja", "a community with this name"))?;
        let detail = format!(
            "{} / {} (was {} / {})",
            e.name_ja.trim(),
            e.name_en.trim(),
            before.name_ja,
            before.name_en
        );
        append(&mut tx, actor, "community.update", &object, &detail).await?;
        self.commit(tx).await?;
        self.list_communities()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound("community"))
    }
}
