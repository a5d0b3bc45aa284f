//! The directory: organisations, their users, communities and their
//! members (with acceptances of the community's terms), supply-chain links.

use async_trait::async_trait;
use renkei_core::model::{
    Acceptance, Community, Membership, NewCommunity, NewOrg, NewUser, Org, User,
};
use renkei_core::{
    Actor, CommunityId, Email, OrgId, OrgKind, Prefecture, Role, Sector, SupplyLink, Timestamp,
    UserId,
};

use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql};
use crate::store::{COMMUNITY_EXISTS, ORG_EXISTS, SqlStore, check_len, exists, platform_admin};
use crate::{Result, StoreError};

/// A user with the password hash, for sign-in only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// Organisations, users, communities, memberships, supply-chain links.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
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
    /// The organisation's memberships that have not ended (its first steps:
    /// which terms it still has to accept).
    async fn org_memberships(&self, org: OrgId) -> Result<Vec<Membership>>;
    async fn add_supply_link(&self, actor: &Actor, link: SupplyLink) -> Result<()>;
    async fn list_supply_links(&self) -> Result<Vec<SupplyLink>>;
}

const INSERT_ORG: &str = "
    INSERT INTO organisations (name_ja, name_en, kind, sector, prefecture, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id";

const LIST_ORGS: &str = "
    SELECT id, name_ja, name_en, kind, sector, prefecture, created_at
    FROM organisations
    ORDER BY id";

const GET_ORG: &str = "
    SELECT id, name_ja, name_en, kind, sector, prefecture, created_at
    FROM organisations
    WHERE id = $1";

const INSERT_USER: &str = "
    INSERT INTO users (org_id, email, display_name, role, password_hash, active, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING id";

const LIST_USERS: &str = "
    SELECT id, org_id, email, display_name, role, active, created_at
    FROM users
    ORDER BY id";

const LIST_USERS_OF_ORG: &str = "
    SELECT id, org_id, email, display_name, role, active, created_at
    FROM users
    WHERE org_id = $1
    ORDER BY id";

pub(crate) const GET_USER: &str = "
    SELECT id, org_id, email, display_name, role, active, created_at
    FROM users
    WHERE id = $1";

const CREDENTIALS: &str = "
    SELECT id, org_id, email, display_name, role, active, created_at, password_hash
    FROM users
    WHERE email = $1";

const INSERT_COMMUNITY: &str = "
    INSERT INTO communities (name_ja, name_en, description, terms_version, terms_text, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id, name_ja, name_en, description, terms_version, terms_text, created_at";

const LIST_COMMUNITIES: &str = "
    SELECT id, name_ja, name_en, description, terms_version, terms_text, created_at
    FROM communities
    ORDER BY id";

const INSERT_MEMBERSHIP: &str = "
    INSERT INTO memberships (community_id, org_id, created_at)
    VALUES ($1, $2, $3)
    RETURNING id";

const TERMS_OF: &str = "SELECT terms_version FROM communities WHERE id = $1";

const INSERT_ACCEPTANCE: &str = "
    INSERT INTO membership_acceptances (membership_id, user_id, terms_version, accepted_at)
    VALUES ($1, $2, $3, $4)";

const END_MEMBERSHIP: &str = "
    UPDATE memberships
    SET ended_at = $1
    WHERE id = $2 AND ended_at IS NULL";

/// Memberships with their latest acceptance, filtered by `$where`.
macro_rules! membership_select {
    ($where:literal) => {
        concat!(
            "SELECT m.id, m.community_id, m.org_id, m.created_at, m.ended_at,
                    a.user_id AS acc_user, a.terms_version AS acc_terms,
                    a.accepted_at AS acc_at
             FROM memberships m
             LEFT JOIN membership_acceptances a ON a.id = (
                 SELECT MAX(x.id) FROM membership_acceptances x WHERE x.membership_id = m.id
             ) ",
            $where
        )
    };
}

const GET_MEMBERSHIP: &str = membership_select!("WHERE m.id = $1");

const LIST_MEMBERSHIPS: &str = membership_select!("ORDER BY m.community_id, m.org_id, m.id");

const LIST_MEMBERSHIPS_OF: &str =
    membership_select!("WHERE m.community_id = $1 ORDER BY m.community_id, m.org_id, m.id");

const ACTIVE_MEMBERSHIPS_OF_ORG: &str =
    membership_select!("WHERE m.org_id = $1 AND m.ended_at IS NULL ORDER BY m.community_id, m.id");

const INSERT_SUPPLY_LINK: &str = "
    INSERT INTO supply_links (customer_org, contractor_org, tier, created_at)
    VALUES ($1, $2, $3, $4)";

const LIST_SUPPLY_LINKS: &str = "
    SELECT customer_org, contractor_org, tier
    FROM supply_links
    ORDER BY tier, customer_org, contractor_org";

#[async_trait]
impl<B: Backend> DirectoryStore for SqlStore<B> {
    async fn create_org(&self, actor: &Actor, o: NewOrg) -> Result<Org> {
        if !platform_admin(actor) {
            let why = "only platform administrators create organisations";
            return Err(self.deny(actor, "org.create", "org", why).await);
        }
        check_len("name_ja", &o.name_ja, 200)?;
        check_len("name_en", &o.name_en, 200)?;
        let mut tx = self.begin().await?;
        let row = Sql::new(INSERT_ORG)
            .bind(o.name_ja.trim())
            .bind(o.name_en.trim())
            .bind(o.kind.as_str())
            .bind(o.sector.as_ref().map(|s| s.as_str()))
            .bind(o.prefecture.map(|p| p.code()))
            .bind(Timestamp::now().0)
            .fetch_one(&mut tx)
            .await
            .map_err(conflict_on("name_ja", "an organisation with this name"))?;
        let id = row.i64("id")?;
        let object = format!("org:{id}");
        append(&mut tx, actor, "org.create", &object, o.name_ja.trim()).await?;
        self.commit(tx).await?;
        self.get_org(OrgId(id)).await
    }

    async fn list_orgs(&self) -> Result<Vec<Org>> {
        let rows = Sql::new(LIST_ORGS).fetch_all(self).await?;
        rows.iter().map(org).collect()
    }

    async fn get_org(&self, id: OrgId) -> Result<Org> {
        let r = Sql::new(GET_ORG).bind(id.0).fetch_optional(self).await?;
        r.as_ref()
            .map(org)
            .transpose()?
            .ok_or(StoreError::NotFound("organisation"))
    }

    async fn create_user(&self, actor: &Actor, u: NewUser) -> Result<User> {
        if !renkei_core::can_administer(actor, u.org) {
            let why = "only administrators of the organisation create its users";
            let object = format!("org:{}", u.org);
            return Err(self
                .deny(actor, "user.create", &object, why)
                .await
                .admin_only());
        }
        check_len("display_name", &u.display_name, 100)?;
        let org = self
            .get_org(u.org)
            .await
            .map_err(|_| StoreError::Conflict {
                field: "org",
                message: format!("no organisation {}", u.org),
            })?;
        if u.role == Role::CoordinatorAnalyst && org.kind != OrgKind::Coordinator {
            return Err(StoreError::Conflict {
                field: "role",
                message: "coordinator_analyst is for coordinator organisations".into(),
            });
        }
        let mut tx = self.begin().await?;
        let row = Sql::new(INSERT_USER)
            .bind(u.org.0)
            .bind(u.email.as_str())
            .bind(u.display_name.trim())
            .bind(u.role.as_str())
            .bind(&u.password_hash)
            .bind(true)
            .bind(Timestamp::now().0)
            .fetch_one(&mut tx)
            .await
            .map_err(conflict_on("email", "a user with this e-mail address"))?;
        let id = row.i64("id")?;
        let detail = format!("{} {} org:{}", u.email, u.role, u.org);
        append(
            &mut tx,
            actor,
            "user.create",
            &format!("user:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        self.get_user(UserId(id)).await
    }

    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>> {
        let q = match org {
            Some(o) => Sql::new(LIST_USERS_OF_ORG).bind(o.0),
            None => Sql::new(LIST_USERS),
        };
        let rows = q.fetch_all(self).await?;
        rows.iter().map(user).collect()
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        let r = Sql::new(GET_USER).bind(id.0).fetch_optional(self).await?;
        r.as_ref()
            .map(user)
            .transpose()?
            .ok_or(StoreError::NotFound("user"))
    }

    async fn credentials(&self, email: &Email) -> Result<Option<Credentials>> {
        let r = Sql::new(CREDENTIALS)
            .bind(email.as_str())
            .fetch_optional(self)
            .await?;
        r.map(|r| {
            Ok(Credentials {
                user: user(&r)?,
                password_hash: r.text("password_hash")?,
            })
        })
        .transpose()
    }

    async fn create_community(&self, actor: &Actor, c: NewCommunity) -> Result<Community> {
        if !platform_admin(actor) {
            let why = "only platform administrators create communities";
            return Err(self.deny(actor, "community.create", "community", why).await);
        }
        check_len("name_ja", &c.name_ja, 200)?;
        check_len("name_en", &c.name_en, 200)?;
        check_len("terms_version", &c.terms_version, 50)?;
        // The text may be empty (communities made before it was kept, or
        // terms kept elsewhere); only its length is bounded.
        if c.terms_text.chars().count() > 20_000 {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "terms_text",
                "must be at most 20000 characters",
            )));
        }
        let mut tx = self.begin().await?;
        let row = Sql::new(INSERT_COMMUNITY)
            .bind(c.name_ja.trim())
            .bind(c.name_en.trim())
            .bind(c.description.trim())
            .bind(c.terms_version.trim())
            .bind(c.terms_text.trim())
            .bind(Timestamp::now().0)
            .fetch_one(&mut tx)
            .await
            .map_err(conflict_on("name_ja", "a community with this name"))?;
        let created = community(&row)?;
        let object = format!("community:{}", created.id);
        append(
            &mut tx,
            actor,
            "community.create",
            &object,
            &created.name_ja,
        )
        .await?;
        self.commit(tx).await?;
        Ok(created)
    }

    async fn list_communities(&self) -> Result<Vec<Community>> {
        let rows = Sql::new(LIST_COMMUNITIES).fetch_all(self).await?;
        rows.iter().map(community).collect()
    }

    async fn add_membership(
        &self,
        actor: &Actor,
        community: CommunityId,
        org: OrgId,
    ) -> Result<Membership> {
        if !platform_admin(actor) {
            let why = "only platform administrators add members";
            let object = format!("community:{community}");
            return Err(self.deny(actor, "membership.create", &object, why).await);
        }
        let mut tx = self.begin().await?;
        if !exists(&mut tx, COMMUNITY_EXISTS, community.0).await? {
            return Err(StoreError::Conflict {
                field: "community",
                message: format!("no community {community}"),
            });
        }
        if !exists(&mut tx, ORG_EXISTS, org.0).await? {
            return Err(StoreError::Conflict {
                field: "org",
                message: format!("no organisation {org}"),
            });
        }
        let row = Sql::new(INSERT_MEMBERSHIP)
            .bind(community.0)
            .bind(org.0)
            .bind(Timestamp::now().0)
            .fetch_one(&mut tx)
            .await
            .map_err(conflict_on(
                "org",
                "an active membership of this organisation",
            ))?;
        let id = row.i64("id")?;
        let detail = format!("community:{community} org:{org}");
        append(
            &mut tx,
            actor,
            "membership.create",
            &format!("membership:{id}"),
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        self.fetch_membership(id).await
    }

    async fn accept_terms(&self, actor: &Actor, membership: i64) -> Result<Membership> {
        let m = self.fetch_membership(membership).await?;
        let object = format!("membership:{membership}");
        let Some(user) = actor.viewer.user else {
            let why = "terms are accepted by a person";
            return Err(self.deny(actor, "membership.accept", &object, why).await);
        };
        if actor.viewer.org != Some(m.org) || actor.viewer.role != Some(Role::Admin) {
            let why = "only an administrator of the member organisation accepts its terms";
            return Err(self.deny(actor, "membership.accept", &object, why).await);
        }
        if m.ended_at.is_some() {
            return Err(StoreError::Conflict {
                field: "membership",
                message: "this membership has ended".into(),
            });
        }
        let mut tx = self.begin().await?;
        let terms = Sql::new(TERMS_OF)
            .bind(m.community.0)
            .fetch_one(&mut tx)
            .await?
            .text("terms_version")?;
        Sql::new(INSERT_ACCEPTANCE)
            .bind(membership)
            .bind(user.0)
            .bind(&terms)
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await?;
        let detail = format!("terms {terms}");
        append(&mut tx, actor, "membership.accept", &object, &detail).await?;
        self.commit(tx).await?;
        self.fetch_membership(membership).await
    }

    async fn end_membership(&self, actor: &Actor, membership: i64) -> Result<Membership> {
        let object = format!("membership:{membership}");
        if !platform_admin(actor) {
            let why = "only platform administrators end memberships";
            return Err(self.deny(actor, "membership.end", &object, why).await);
        }
        let mut tx = self.begin().await?;
        let ended = Sql::new(END_MEMBERSHIP)
            .bind(Timestamp::now().0)
            .bind(membership)
            .execute(&mut tx)
            .await?;
        if ended == 0 {
            return Err(StoreError::NotFound("active membership"));
        }
        append(&mut tx, actor, "membership.end", &object, "").await?;
        self.commit(tx).await?;
        self.fetch_membership(membership).await
    }

    async fn list_memberships(&self, community: Option<CommunityId>) -> Result<Vec<Membership>> {
        let q = match community {
            Some(c) => Sql::new(LIST_MEMBERSHIPS_OF).bind(c.0),
            None => Sql::new(LIST_MEMBERSHIPS),
        };
        let rows = q.fetch_all(self).await?;
        rows.iter().map(membership).collect()
    }

    async fn org_memberships(&self, org: OrgId) -> Result<Vec<Membership>> {
        let rows = Sql::new(ACTIVE_MEMBERSHIPS_OF_ORG)
            .bind(org.0)
            .fetch_all(self)
            .await?;
        rows.iter().map(membership).collect()
    }

    async fn add_supply_link(&self, actor: &Actor, link: SupplyLink) -> Result<()> {
        let object = format!("org:{}", link.customer);
        if !platform_admin(actor) {
            let why = "only platform administrators record supply-chain links";
            return Err(self.deny(actor, "supply_link.create", &object, why).await);
        }
        let mut tx = self.begin().await?;
        for (field, id) in [("customer", link.customer), ("contractor", link.contractor)] {
            if !exists(&mut tx, ORG_EXISTS, id.0).await? {
                return Err(StoreError::Conflict {
                    field,
                    message: format!("no organisation {id}"),
                });
            }
        }
        Sql::new(INSERT_SUPPLY_LINK)
            .bind(link.customer.0)
            .bind(link.contractor.0)
            .bind(i64::from(link.tier))
            .bind(Timestamp::now().0)
            .execute(&mut tx)
            .await
            .map_err(conflict_on("contractor", "this supply-chain link"))?;
        let detail = format!("contractor org:{} tier {}", link.contractor, link.tier);
        append(&mut tx, actor, "supply_link.create", &object, &detail).await?;
        self.commit(tx).await?;
        Ok(())
    }

    async fn list_supply_links(&self) -> Result<Vec<SupplyLink>> {
        let rows = Sql::new(LIST_SUPPLY_LINKS).fetch_all(self).await?;
        rows.iter()
            .map(|r| {
                let (customer, contractor) = (r.i64("customer_org")?, r.i64("contractor_org")?);
                SupplyLink::new(OrgId(customer), OrgId(contractor), r.i64("tier")?)
                    .map_err(|e| StoreError::corrupt("supply_links", e))
            })
            .collect()
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    async fn fetch_membership(&self, id: i64) -> Result<Membership> {
        let r = Sql::new(GET_MEMBERSHIP)
            .bind(id)
            .fetch_optional(self)
            .await?;
        r.as_ref()
            .map(membership)
            .transpose()?
            .ok_or(StoreError::NotFound("membership"))
    }
}

/// Maps a unique-constraint violation to a conflict on `field`.
pub(crate) fn conflict_on(
    field: &'static str,
    what: &'static str,
) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            field,
            message: format!("{what} already exists"),
        },
        _ => StoreError::Database(e),
    }
}

fn org(r: &impl RowExt) -> Result<Org> {
    let c = |e| StoreError::corrupt("organisations", e);
    Ok(Org {
        id: OrgId(r.i64("id")?),
        name_ja: r.text("name_ja")?,
        name_en: r.text("name_en")?,
        kind: OrgKind::parse(&r.text("kind")?).map_err(c)?,
        sector: r
            .opt_text("sector")?
            .map(|s| Sector::parse(&s))
            .transpose()
            .map_err(c)?,
        prefecture: r
            .opt_i64("prefecture")?
            .map(Prefecture::from_code)
            .transpose()
            .map_err(c)?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}

pub(crate) fn user(r: &impl RowExt) -> Result<User> {
    let c = |e| StoreError::corrupt("users", e);
    Ok(User {
        id: UserId(r.i64("id")?),
        org: OrgId(r.i64("org_id")?),
        email: Email::parse(&r.text("email")?).map_err(c)?,
        display_name: r.text("display_name")?,
        role: Role::parse(&r.text("role")?).map_err(c)?,
        active: r.boolean("active")?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}

fn community(r: &impl RowExt) -> Result<Community> {
    Ok(Community {
        id: CommunityId(r.i64("id")?),
        name_ja: r.text("name_ja")?,
        name_en: r.text("name_en")?,
        description: r.text("description")?,
        terms_version: r.text("terms_version")?,
        terms_text: r.text("terms_text")?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}

fn membership(r: &impl RowExt) -> Result<Membership> {
    let accepted = match (
        r.opt_i64("acc_user")?,
        r.opt_text("acc_terms")?,
        r.opt_i64("acc_at")?,
    ) {
        (Some(u), Some(t), Some(at)) => Some(Acceptance {
            user: UserId(u),
            terms_version: t,
            at: Timestamp(at),
        }),
        _ => None,
    };
    Ok(Membership {
        id: r.i64("id")?,
        community: CommunityId(r.i64("community_id")?),
        org: OrgId(r.i64("org_id")?),
        created_at: Timestamp(r.i64("created_at")?),
        ended_at: r.opt_i64("ended_at")?.map(Timestamp),
        accepted,
    })
}
