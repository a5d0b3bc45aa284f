//! Wire shapes of the REST API. Domain types convert to these explicitly, so
//! the JSON can evolve without touching the domain (and the other way round).

use renkei_core::model::{ApiToken, Community, Item, Membership, Org, User};
use renkei_core::{
    Audience, AuditEntry, CommunityId, Marking, OrgId, OrgKind, Pap, ParseError, Prefecture, Role,
    Sector, Tlp, UserId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    pub id: i64,
    pub name_ja: String,
    pub name_en: String,
    /// coordinator, operator, local_government, supplier, vendor, security_provider
    pub kind: String,
    pub sector: Option<String>,
    /// JIS X 0401 code.
    pub prefecture: Option<i64>,
    pub created_at: String,
}

impl From<Org> for OrgView {
    fn from(o: Org) -> Self {
        Self {
            id: o.id.0,
            name_ja: o.name_ja,
            name_en: o.name_en,
            kind: o.kind.as_str().into(),
            sector: o.sector.map(|s| s.to_string()),
            prefecture: o.prefecture.map(Prefecture::code),
            created_at: o.created_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgRequest {
    pub name_ja: String,
    pub name_en: String,
    pub kind: String,
    pub sector: Option<String>,
    /// JIS code (1–47) or name.
    pub prefecture: Option<String>,
}

impl NewOrgRequest {
    pub fn parse(self) -> Result<renkei_core::model::NewOrg, ParseError> {
        Ok(renkei_core::model::NewOrg {
            name_ja: self.name_ja,
            name_en: self.name_en,
            kind: OrgKind::parse(&self.kind)?,
            sector: self
                .sector
                .filter(|s| !s.trim().is_empty())
                .map(|s| Sector::parse(&s))
                .transpose()?,
            prefecture: self
                .prefecture
                .filter(|s| !s.trim().is_empty())
                .map(|p| Prefecture::parse(&p))
                .transpose()?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub created_at: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id.0,
            org_id: u.org.0,
            email: u.email.to_string(),
            display_name: u.display_name,
            role: u.role.as_str().into(),
            active: u.active,
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// Defaults to the caller's organisation.
    pub org_id: Option<i64>,
    pub email: String,
    pub display_name: String,
    /// admin, coordinator_analyst, reporter, viewer
    pub role: String,
    /// At least 12 characters.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityView {
    pub id: i64,
    pub name_ja: String,
    pub name_en: String,
    pub description: String,
    pub terms_version: String,
}

impl From<Community> for CommunityView {
    fn from(c: Community) -> Self {
        Self {
            id: c.id.0,
            name_ja: c.name_ja,
            name_en: c.name_en,
            description: c.description,
            terms_version: c.terms_version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommunityRequest {
    pub name_ja: String,
    pub name_en: String,
    #[serde(default)]
    pub description: String,
    pub terms_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub id: i64,
    pub community_id: i64,
    pub org_id: i64,
    pub created_at: String,
    pub ended_at: Option<String>,
    /// Who accepted the confidentiality terms, when, which version.
    pub accepted_by: Option<i64>,
    pub accepted_at: Option<String>,
    pub accepted_terms_version: Option<String>,
}

impl From<Membership> for MembershipView {
    fn from(m: Membership) -> Self {
        Self {
            id: m.id,
            community_id: m.community.0,
            org_id: m.org.0,
            created_at: m.created_at.to_rfc3339(),
            ended_at: m.ended_at.map(|t| t.to_rfc3339()),
            accepted_by: m.accepted.as_ref().map(|a| a.user.0),
            accepted_at: m.accepted.as_ref().map(|a| a.at.to_rfc3339()),
            accepted_terms_version: m.accepted.map(|a| a.terms_version),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMembershipRequest {
    pub community_id: i64,
    pub org_id: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplyLinkView {
    pub customer_org_id: i64,
    pub contractor_org_id: i64,
    /// 1 = direct contractor, 2 = sub-contractor, …
    pub tier: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// Defaults to the caller's organisation.
    pub org_id: Option<i64>,
    pub name: String,
    /// reporter or viewer
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// Shown once, at creation; renkei keeps only its hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            org_id: t.org.0,
            name: t.name,
            role: t.role.as_str().into(),
            created_at: t.created_at.to_rfc3339(),
            revoked_at: t.revoked_at.map(|r| r.to_rfc3339()),
            secret: None,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceView {
    #[serde(default)]
    pub communities: Vec<i64>,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub orgs: Vec<i64>,
    #[serde(default)]
    pub users: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub body: String,
    /// CLEAR, GREEN, AMBER, AMBER+STRICT, RED
    pub tlp: String,
    pub pap: Option<String>,
    pub audience: AudienceView,
    pub owner_org_id: i64,
    pub created_by: Option<i64>,
    pub created_at: String,
}

impl From<Item> for ItemView {
    fn from(i: Item) -> Self {
        let a = i.marking.audience;
        Self {
            id: i.id,
            version: i.version,
            title: i.title,
            body: i.body,
            tlp: i.marking.tlp.as_str().into(),
            pap: i.marking.pap.map(|p| p.as_str().into()),
            audience: AudienceView {
                communities: a.communities.iter().map(|c| c.0).collect(),
                sectors: a.sectors.iter().map(|s| s.to_string()).collect(),
                orgs: a.orgs.iter().map(|o| o.0).collect(),
                users: a.users.iter().map(|u| u.0).collect(),
            },
            owner_org_id: i.marking.owner_org.0,
            created_by: i.marking.created_by.map(|u| u.0),
            created_at: i.created_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItemRequest {
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// Required: sharing without choosing a TLP level is refused.
    pub tlp: String,
    pub pap: Option<String>,
    #[serde(default)]
    pub audience: AudienceView,
}

impl NewItemRequest {
    /// The item as shared by `owner` in the name of `by`.
    pub fn parse(
        self,
        owner: OrgId,
        by: Option<UserId>,
    ) -> Result<renkei_core::model::NewItem, ParseError> {
        let audience = Audience {
            communities: self
                .audience
                .communities
                .into_iter()
                .map(CommunityId)
                .collect(),
            sectors: self
                .audience
                .sectors
                .iter()
                .map(|s| Sector::parse(s))
                .collect::<Result<_, _>>()?,
            orgs: self.audience.orgs.into_iter().map(OrgId).collect(),
            users: self.audience.users.into_iter().map(UserId).collect(),
        };
        let item = renkei_core::model::NewItem {
            title: self.title,
            body: self.body,
            marking: Marking {
                tlp: Tlp::parse(&self.tlp)?,
                pap: self
                    .pap
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| Pap::parse(&p))
                    .transpose()?,
                audience,
                owner_org: owner,
                created_by: by,
            },
        };
        item.check()?;
        Ok(item)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_user: Option<i64>,
    pub actor_org: Option<i64>,
    pub action: String,
    pub object: String,
    pub source: String,
    /// ok, denied, failed
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at.to_rfc3339(),
            actor: e.actor,
            actor_user: e.actor_user.map(|u| u.0),
            actor_org: e.actor_org.map(|o| o.0),
            action: e.action,
            object: e.object,
            source: e.source,
            outcome: e.outcome.as_str().into(),
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user: Option<UserView>,
    pub org: Option<OrgView>,
    pub role: Option<String>,
    pub communities: Vec<i64>,
}

/// Parses a role, for requests.
pub fn parse_role(s: &str) -> Result<Role, ParseError> {
    Role::parse(s)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionView {
    pub id: String,
    pub title: String,
    /// TLP given to objects that arrive without one.
    pub default_tlp: String,
    pub can_write: bool,
    pub taxii_api_root: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// Objects stored (or already present with the same version).
    pub stored: i64,
}
