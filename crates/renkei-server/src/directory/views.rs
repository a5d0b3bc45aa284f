//! The directory's wire shapes (REST) and the portal's flash messages.
//! Domain types convert to these explicitly, so the JSON can evolve without
//! touching the domain (and the other way round).

use renkei_core::model::{ApiToken, Community, Membership, Org, User};
use renkei_core::{OrgId, OrgKind, ParseError, Prefecture, Role, Sector};
use renkei_store::accounts::SessionInfo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::auth::Principal;
use crate::http::error::ApiError;

// The directory's tags in the OpenAPI document (generated clients group
// operations by them); each is described by the `Doc` of the module
// named beside it.
/// `orgs.rs`
pub(super) const ORGS_TAG: &str = "organisations";
/// `users.rs` (also `lifecycle.rs`, `account.rs`)
pub(super) const USERS_TAG: &str = "users";
/// `communities.rs`
pub(super) const COMMUNITIES_TAG: &str = "communities";
/// `tokens.rs`
pub(super) const TOKENS_TAG: &str = "tokens";

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
    /// The text of the confidentiality terms members accept.
    pub terms_text: String,
}

impl From<Community> for CommunityView {
    fn from(c: Community) -> Self {
        Self {
            id: c.id.0,
            name_ja: c.name_ja,
            name_en: c.name_en,
            description: c.description,
            terms_version: c.terms_version,
            terms_text: c.terms_text,
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
    /// The text of the confidentiality terms (may be empty).
    #[serde(default)]
    pub terms_text: String,
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

/// A live portal session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Names the session to end it (not its secret).
    pub id: String,
    pub created_at: String,
    pub expires_at: String,
    /// The session this request came with.
    pub current: bool,
}

impl SessionView {
    pub(super) fn new(x: SessionInfo, current: Option<&str>) -> Self {
        Self {
            current: current == Some(x.id.as_str()),
            id: x.id,
            created_at: x.created_at.to_rfc3339(),
            expires_at: x.expires_at.to_rfc3339(),
        }
    }
}

/// How many sessions were ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndedView {
    pub ended: u64,
}

/// A one-time password-reset link, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetView {
    /// Hand it to the user; it works once, until `expires_at`.
    pub url: String,
    pub expires_at: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    /// At least 12 characters, 6 of them different, not containing the
    /// e-mail address's name.
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChangeRequest([redacted])")
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgFilter {
    /// Organisation id; defaults to the caller's.
    pub org: Option<i64>,
}

impl OrgFilter {
    /// The organisation asked for (or the caller's own), if the caller
    /// administers it; `refusal` says what only administrators do.
    pub(super) fn administered(
        &self,
        p: &Principal,
        refusal: &'static str,
    ) -> Result<OrgId, ApiError> {
        let org = self
            .org
            .map(OrgId)
            .or(p.viewer().org)
            .ok_or_else(|| ApiError::field("org", "required"))?;
        if !renkei_core::can_administer(&p.actor, org) {
            return Err(ApiError::forbidden(refusal).with_code("admin-only", &[]));
        }
        Ok(org)
    }
}

/// Only known flash keys are echoed back, so a crafted link cannot inject text.
pub(super) fn flash_key(ok: Option<&str>) -> Option<&'static str> {
    match ok? {
        "org-created" => Some("flash-org-created"),
        "user-created" => Some("flash-user-created"),
        "membership-created" => Some("flash-membership-created"),
        "terms-accepted" => Some("flash-terms-accepted"),
        "community-created" => Some("flash-community-created"),
        "link-created" => Some("flash-link-created"),
        "user-deactivated" => Some("flash-user-deactivated"),
        "user-reactivated" => Some("flash-user-reactivated"),
        "sessions-ended" => Some("flash-sessions-ended"),
        "session-ended" => Some("flash-session-ended"),
        "token-revoked" => Some("flash-token-revoked"),
        "membership-ended" => Some("flash-membership-ended"),
        "password-changed" => Some("flash-password-changed"),
        "password-reset" => Some("flash-password-reset"),
        _ => None,
    }
}
