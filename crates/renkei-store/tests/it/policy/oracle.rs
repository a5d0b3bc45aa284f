//! A second oracle, written from the TLP 2.0 definitions (FIRST) over the
//! generated world's facts — which person and organisation reads, which
//! memberships are active, which sector each organisation is in — without
//! `can_read`, `Viewer` or the store. It speaks only where the definitions
//! settle the case:
//!
//! - TLP:CLEAR: "recipients can spread this to the world" — everyone.
//! - Anything else is never public: no organisation, no access.
//! - TLP:RED: "for the eyes and ears of individual recipients only" — the
//!   person who shared it and the persons it names, nobody else, whatever
//!   their organisation or role.
//! - TLP:GREEN, AMBER, AMBER+STRICT: the source's own organisation is a
//!   recipient; so is every recipient the record names: an organisation, a
//!   person, an organisation in a named sector, an organisation in a named
//!   community (its membership active). An organisation that is none of
//!   these is not a recipient (AMBER's clients are the recipient's to
//!   inform, outside the platform).
//! - TLP:GREEN naming no recipient at all ("the community" left unsaid) is
//!   the platform's choice, not the definition's: not covered.

use proptest::prelude::*;
use renkei_core::{Marking, Tlp, can_read};

use super::{Built, Reader, World};

/// What TLP 2.0 says about `r` reading a record marked `m`, if it settles
/// it.
pub(crate) fn tlp2(w: &World, built: &Built, r: &Reader, m: &Marking) -> Option<bool> {
    if m.tlp == Tlp::Clear {
        return Some(true);
    }
    let Some(oi) = r.org else {
        return Some(false);
    };
    if m.tlp == Tlp::Red {
        let Some(pi) = r.person else {
            return Some(false);
        };
        let me = built.users[pi].1.id;
        return Some(m.created_by == Some(me) || m.audience.users.contains(&me));
    }
    let a = &m.audience;
    let named_person = r
        .person
        .is_some_and(|pi| a.users.contains(&built.users[pi].1.id));
    let in_sector =
        w.orgs[oi].is_some_and(|x| a.sectors.iter().any(|s| s.as_str() == super::SECTORS[x]));
    let in_community = built
        .active
        .iter()
        .any(|(o, c)| *o == oi && a.communities.contains(&built.communities[*c]));
    let recipient = m.owner_org == built.orgs[oi].id
        || a.orgs.contains(&built.orgs[oi].id)
        || named_person
        || in_sector
        || in_community;
    if recipient {
        return Some(true);
    }
    if m.tlp == Tlp::Green && a.is_empty() {
        return None;
    }
    Some(false)
}

/// Fails the case if the oracle speaks and disagrees with `can_read` (and
/// so with the store, which is held to `can_read` everywhere).
pub(crate) fn agrees(
    w: &World,
    built: &Built,
    r: &Reader,
    m: &Marking,
) -> Result<(), TestCaseError> {
    if let Some(says) = tlp2(w, built, r, m) {
        prop_assert_eq!(
            says,
            can_read(&r.viewer, m),
            "TLP 2.0 and can_read disagree for {} on {:?}",
            &r.who,
            m
        );
    }
    Ok(())
}
