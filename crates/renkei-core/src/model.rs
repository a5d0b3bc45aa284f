//! Plain records of the directory (organisations, users, communities, tokens)
//! and of shared items, as the store returns them.

use crate::{
    CommunityId, Email, Marking, OrgId, OrgKind, Prefecture, Role, Sector, Timestamp, UserId,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: OrgId,
    pub name_ja: String,
    pub name_en: String,
    pub kind: OrgKind,
    pub sector: Option<Sector>,
    pub prefecture: Option<Prefecture>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    pub name_ja: String,
    pub name_en: String,
    pub kind: OrgKind,
    pub sector: Option<Sector>,
    pub prefecture: Option<Prefecture>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: Timestamp,
}

/// A user to create; the password arrives already hashed (argon2id PHC
/// string) because hashing is the server's business, not the store's.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub org: OrgId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("org", &self.org)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("password_hash", &"[redacted]")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    pub id: CommunityId,
    pub name_ja: String,
    pub name_en: String,
    pub description: String,
    /// Version label of the confidentiality terms members must accept.
    pub terms_version: String,
    /// The terms themselves, shown to members before they accept.
    pub terms_text: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommunity {
    pub name_ja: String,
    pub name_en: String,
    pub description: String,
    pub terms_version: String,
    pub terms_text: String,
}

/// Who accepted a community's confidentiality terms, when, which version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub user: UserId,
    pub terms_version: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: i64,
    pub community: CommunityId,
    pub org: OrgId,
    pub created_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// The latest acceptance of the terms, if any.
    pub accepted: Option<Acceptance>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub org: OrgId,
    pub name: String,
    pub role: Role,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// A shared record: the generic carrier of marked information (notes,
/// alerts); later capabilities add typed kinds beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub marking: Marking,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub title: String,
    pub body: String,
    pub marking: Marking,
}

impl NewItem {
    /// Title 1–200 characters, body up to 100,000, and a marking that reaches someone.
    pub fn check(&self) -> Result<(), crate::ParseError> {
        let n = self.title.trim().chars().count();
        if n == 0 || n > 200 {
            return Err(
                crate::ParseError::new("title", "must be 1 to 200 characters")
                    .with_code("title-length", &[]),
            );
        }
        if self.body.chars().count() > 100_000 {
            return Err(
                crate::ParseError::new("body", "must be at most 100,000 characters")
                    .with_code("body-too-long", &[]),
            );
        }
        self.marking.check()
    }
}

/// A TAXII collection in the API root of one community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// A UUID, as TAXII wants.
    pub id: String,
    pub community: CommunityId,
    pub title: String,
    pub description: String,
    /// For objects that arrive without a TLP marking.
    pub default_tlp: crate::Tlp,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCollection {
    pub community: CommunityId,
    pub title: String,
    pub description: String,
    pub default_tlp: crate::Tlp,
}
