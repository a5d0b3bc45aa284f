//! The one access decision. Everything that reads shared data asks
//! [`can_read`]; store backends express the same rule in SQL, and the store's
//! property test proves the two agree for generated worlds.
//!
//! The rule, level by level (TLP 2.0 read as need-to-know on a platform),
//! over a record's *stored* audience:
//!
//! | level | who may read |
//! |---|---|
//! | CLEAR | everyone, signed in or not |
//! | GREEN | the owner organisation; members of an audience community (terms accepted); organisations in an audience sector; audience organisations; named users. An empty stored audience: every member organisation of the platform |
//! | AMBER, AMBER+STRICT | the owner organisation; audience communities, sectors, organisations, named users as for GREEN. An empty stored audience means the owner organisation only. The two differ in what recipients may do (re-share to clients), not in who the platform shows it to: passing AMBER on to clients is the recipient's act, so the platform never widens it automatically |
//! | RED | the person who shared it and the named users; nobody else, whatever their role |
//!
//! The stored audience is settled when a record is written, not here:
//! posting into a collection shares with that collection's community by
//! default, so the stored audience is what the sharer named or, when the
//! sharer named none, the collection's community. Naming any audience
//! (`org:7`) replaces that default: the record then reaches the owner
//! organisation plus what was named, not the community as well. (RED never
//! takes the default: named people only.) Records outside collections
//! (shared items) have no default: their stored audience is what was named.
//!
//! No role bypasses the rule: a coordinator or an administrator reads what
//! their organisation and they themselves are entitled to, nothing more.
//! A community membership counts only once its confidentiality terms have
//! been accepted and while it has not ended.

use crate::{CommunityId, Marking, OrgId, OrgKind, Role, Sector, Tlp, UserId};

/// Who is asking, with everything the decision needs, resolved by the store
/// from its tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    pub user: Option<UserId>,
    pub org: Option<OrgId>,
    pub sector: Option<Sector>,
    /// Communities the organisation is an active member of (terms accepted).
    pub communities: Vec<CommunityId>,
    pub role: Option<Role>,
    pub org_kind: Option<OrgKind>,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self::default()
    }
}

/// May `viewer` read a record with `marking`?
pub fn can_read(viewer: &Viewer, marking: &Marking) -> bool {
    let aud = &marking.audience;
    let named = viewer.user.is_some_and(|u| aud.users.contains(&u));
    match marking.tlp {
        Tlp::Clear => true,
        Tlp::Red => named || (viewer.user.is_some() && viewer.user == marking.created_by),
        Tlp::Green | Tlp::Amber | Tlp::AmberStrict => {
            let Some(org) = viewer.org else { return false };
            org == marking.owner_org
                || named
                || aud.orgs.contains(&org)
                || viewer
                    .sector
                    .as_ref()
                    .is_some_and(|s| aud.sectors.contains(s))
                || viewer
                    .communities
                    .iter()
                    .any(|c| aud.communities.contains(c))
                || (marking.tlp == Tlp::Green && aud.is_empty())
        }
    }
}

/// Someone acting, for the audit chain: the viewer plus how to name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub viewer: Viewer,
    /// E-mail, token name or `system`.
    pub label: String,
    /// Client address, or `cli`.
    pub source: String,
    /// The local command line: administers the directory without a user
    /// account. It never bypasses [`can_read`].
    pub system: bool,
}

impl Actor {
    pub fn system(source: &str) -> Self {
        Self {
            viewer: Viewer::anonymous(),
            label: "system".into(),
            source: source.into(),
            system: true,
        }
    }

    pub fn anonymous(source: &str) -> Self {
        Self {
            viewer: Viewer::anonymous(),
            label: "anonymous".into(),
            source: source.into(),
            system: false,
        }
    }
}

/// An administrator of a coordinator organisation runs the platform's
/// directory (organisations, communities, links) and sees the whole audit log.
pub fn is_platform_admin(viewer: &Viewer) -> bool {
    viewer.role == Some(Role::Admin) && viewer.org_kind == Some(OrgKind::Coordinator)
}

/// May `actor` manage the users, tokens and audit entries of `org`?
/// Platform admins for every organisation, organisation admins for their own.
pub fn can_administer(actor: &Actor, org: OrgId) -> bool {
    actor.system
        || is_platform_admin(&actor.viewer)
        || (actor.viewer.role == Some(Role::Admin) && actor.viewer.org == Some(org))
}

/// May `viewer` share a new record (or a new version) with `marking`?
/// Viewers read only; a record is shared in the name of the sharer's own
/// organisation; RED must be shared by a person, not an organisation token.
pub fn can_write(viewer: &Viewer, marking: &Marking) -> bool {
    let Some(org) = viewer.org else { return false };
    let role_ok = matches!(
        viewer.role,
        Some(Role::Admin | Role::CoordinatorAnalyst | Role::Reporter)
    );
    role_ok
        && org == marking.owner_org
        && marking.created_by == viewer.user
        && (marking.tlp != Tlp::Red || viewer.user.is_some())
}

/// Is `viewer` an active member (terms accepted) of `community`? Members
/// see the community's TAXII API root and all its collections; others see
/// a collection only if they may read at least one object in it (the
/// store decides that with this rule's SQL form), so every way out shows
/// one viewer the same objects. Each object inside still needs
/// [`can_read`].
pub fn can_read_community(viewer: &Viewer, community: CommunityId) -> bool {
    viewer.communities.contains(&community)
}

/// May `viewer` add objects to a community's collections?
pub fn can_write_community(viewer: &Viewer, community: CommunityId) -> bool {
    can_read_community(viewer, community)
        && matches!(
            viewer.role,
            Some(Role::Admin | Role::CoordinatorAnalyst | Role::Reporter)
        )
}

/// What the report rule needs to know of an incident report or notice.
/// Reports are addressed like letters, not marked like intelligence: TLP
/// and audiences do not apply to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportAccess {
    /// The reporting organisation.
    pub org: OrgId,
    /// Organisations the report is addressed to: the recipients its
    /// profile names (bound to organisations by the platform), and the
    /// national office when the reporter consented to share with it.
    pub recipients: Vec<OrgId>,
    /// Whether any version has been submitted (a draft is the reporter's).
    pub submitted: bool,
}

/// May `viewer` read the report (its versions, thread, tasks, timeline)?
///
/// | who | may read |
/// |---|---|
/// | members of the reporting organisation | always, drafts included |
/// | administrators and coordinator analysts of a recipient organisation | once a version is submitted |
/// | anyone else | nothing: what others learn goes out as a sanitised alert, a record of its own |
pub fn can_read_report(viewer: &Viewer, report: &ReportAccess) -> bool {
    let Some(org) = viewer.org else { return false };
    org == report.org
        || (report.submitted && receives_reports(viewer) && report.recipients.contains(&org))
}

/// Roles of a recipient organisation that read the reports it receives
/// (the store's report queries bind this as a flag).
pub fn receives_reports(viewer: &Viewer) -> bool {
    matches!(viewer.role, Some(Role::Admin | Role::CoordinatorAnalyst))
}

/// May `viewer` file reports in the name of its organisation (drafts,
/// versions, consent)? Viewers read only.
pub fn can_file_report(viewer: &Viewer, report_org: OrgId) -> bool {
    viewer.org == Some(report_org)
        && matches!(
            viewer.role,
            Some(Role::Admin | Role::CoordinatorAnalyst | Role::Reporter)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Audience;

    fn viewer(user: i64, org: i64, sector: &str, communities: &[i64]) -> Viewer {
        Viewer {
            user: Some(UserId(user)),
            org: Some(OrgId(org)),
            sector: Some(Sector::parse(sector).expect("sector")),
            communities: communities.iter().map(|c| CommunityId(*c)).collect(),
            role: Some(Role::Viewer),
            org_kind: Some(OrgKind::Operator),
        }
    }

    fn marking(tlp: Tlp, audience: Audience) -> Marking {
        Marking {
            tlp,
            pap: None,
            audience,
            owner_org: OrgId(1),
            created_by: Some(UserId(10)),
        }
    }

    #[test]
    fn clear_is_public() {
        assert!(can_read(
            &Viewer::anonymous(),
            &marking(Tlp::Clear, Audience::default())
        ));
    }

    #[test]
    fn green_without_audience_reaches_members_not_the_public() {
        let m = marking(Tlp::Green, Audience::default());
        assert!(can_read(&viewer(20, 2, "finance", &[]), &m));
        assert!(!can_read(&Viewer::anonymous(), &m));
    }

    #[test]
    fn amber_reaches_owner_and_audience_only() {
        let m = marking(
            Tlp::Amber,
            Audience {
                sectors: vec![Sector::parse("medical").expect("sector")],
                ..Audience::default()
            },
        );
        assert!(can_read(&viewer(11, 1, "finance", &[]), &m), "owner org");
        assert!(
            can_read(&viewer(20, 2, "medical", &[]), &m),
            "audience sector"
        );
        assert!(
            !can_read(&viewer(30, 3, "finance", &[]), &m),
            "other sector"
        );
        let strict = marking(Tlp::AmberStrict, Audience::default());
        assert!(!can_read(&viewer(20, 2, "finance", &[]), &strict));
    }

    #[test]
    fn community_membership_counts() {
        let m = marking(
            Tlp::Green,
            Audience {
                communities: vec![CommunityId(5)],
                ..Audience::default()
            },
        );
        assert!(can_read(&viewer(20, 2, "finance", &[5]), &m));
        assert!(!can_read(&viewer(20, 2, "finance", &[6]), &m));
    }

    #[test]
    fn red_is_for_named_people_even_inside_the_owner_org() {
        let m = marking(
            Tlp::Red,
            Audience {
                users: vec![UserId(20)],
                ..Audience::default()
            },
        );
        assert!(can_read(&viewer(20, 2, "finance", &[]), &m));
        assert!(can_read(&viewer(10, 1, "finance", &[]), &m), "the sharer");
        let mut colleague = viewer(11, 1, "finance", &[]);
        colleague.role = Some(Role::Admin);
        assert!(
            !can_read(&colleague, &m),
            "an admin of the owner org is not named"
        );
    }

    #[test]
    fn viewers_cannot_share_and_nobody_shares_for_another_org() {
        let m = Marking {
            created_by: Some(UserId(20)),
            owner_org: OrgId(2),
            ..marking(Tlp::Green, Audience::default())
        };
        let mut v = viewer(20, 2, "finance", &[]);
        assert!(!can_write(&v, &m));
        v.role = Some(Role::Reporter);
        assert!(can_write(&v, &m));
        let other = Marking {
            owner_org: OrgId(3),
            ..m.clone()
        };
        assert!(!can_write(&v, &other));
    }
}
