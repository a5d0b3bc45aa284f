//! Markings: TLP 2.0, PAP, and renkei's audience.

use std::fmt;

use crate::{CommunityId, OrgId, ParseError, Sector, UserId};

/// Traffic Light Protocol 2.0 (FIRST).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    /// Public.
    Clear,
    /// The community named in the audience (or all platform members).
    Green,
    /// The recipient organisations; they may pass it on to their clients on
    /// need-to-know, outside the platform's automatic reach.
    Amber,
    /// The recipient organisations only.
    AmberStrict,
    /// Named recipients only.
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// Storage and wire spelling, without the `TLP:` prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }

    /// Accepts `amber+strict`, `TLP:AMBER+STRICT`, `tlp:amber-strict`; also
    /// TLP 1.0 `WHITE` as CLEAR, as TLP 2.0 itself prescribes.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_ascii_uppercase();
        let t = t.strip_prefix("TLP:").unwrap_or(&t);
        match t {
            "CLEAR" | "WHITE" => Ok(Tlp::Clear),
            "GREEN" => Ok(Tlp::Green),
            "AMBER" => Ok(Tlp::Amber),
            "AMBER+STRICT" | "AMBER-STRICT" | "AMBER_STRICT" => Ok(Tlp::AmberStrict),
            "RED" => Ok(Tlp::Red),
            _ => Err(ParseError::new(
                "tlp",
                format!("{s:?} is not a TLP 2.0 level (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)"),
            )
            .with_code("tlp-unknown", &[("value", s)])),
        }
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLP:{}", self.as_str())
    }
}

/// Permissible Actions Protocol: what a recipient may do with the information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pap {
    Clear,
    Green,
    Amber,
    Red,
}

impl Pap {
    pub fn as_str(self) -> &'static str {
        match self {
            Pap::Clear => "CLEAR",
            Pap::Green => "GREEN",
            Pap::Amber => "AMBER",
            Pap::Red => "RED",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_ascii_uppercase();
        match t.strip_prefix("PAP:").unwrap_or(&t) {
            "CLEAR" | "WHITE" => Ok(Pap::Clear),
            "GREEN" => Ok(Pap::Green),
            "AMBER" => Ok(Pap::Amber),
            "RED" => Ok(Pap::Red),
            _ => Err(ParseError::new(
                "pap",
                format!("{s:?} is not a PAP level (CLEAR, GREEN, AMBER, RED)"),
            )
            .with_code("pap-unknown", &[("value", s)])),
        }
    }
}

/// Who, beyond the TLP level, a record is meant for. Members of any listed
/// group are in the audience (a union, not an intersection).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    pub communities: Vec<CommunityId>,
    pub sectors: Vec<Sector>,
    pub orgs: Vec<OrgId>,
    pub users: Vec<UserId>,
}

impl Audience {
    /// Reads `community:2,sector:electricity,org:3,user:5` (the command
    /// line's and import forms' spelling); the error names `audience`.
    pub fn parse_list(s: &str) -> Result<Self, ParseError> {
        let mut a = Audience::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || {
                ParseError::new(
                    "audience",
                    format!("{part:?}: expected community:ID, sector:NAME, org:ID or user:ID"),
                )
                .with_code("audience-unknown", &[("value", part)])
            };
            let (kind, v) = part.split_once(':').ok_or_else(bad)?;
            let id = || v.trim().parse::<i64>().map_err(|_| bad());
            match kind.trim() {
                "community" => a.communities.push(CommunityId(id()?)),
                "sector" => a
                    .sectors
                    .push(Sector::parse(v.trim()).map_err(|e| ParseError {
                        field: "audience",
                        ..e
                    })?),
                "org" => a.orgs.push(OrgId(id()?)),
                "user" => a.users.push(UserId(id()?)),
                _ => return Err(bad()),
            }
        }
        Ok(a)
    }

    pub fn is_empty(&self) -> bool {
        self.communities.is_empty()
            && self.sectors.is_empty()
            && self.orgs.is_empty()
            && self.users.is_empty()
    }
}

/// Everything the access decision needs to know about a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marking {
    pub tlp: Tlp,
    pub pap: Option<Pap>,
    pub audience: Audience,
    /// The organisation that shared the record.
    pub owner_org: OrgId,
    /// The person (or token's creator) who shared it.
    pub created_by: Option<UserId>,
}

impl Marking {
    /// A marking must be able to reach someone: RED needs named users,
    /// AMBER levels are fine with the owner alone.
    pub fn check(&self) -> Result<(), ParseError> {
        if self.tlp == Tlp::Red && self.audience.users.is_empty() && self.created_by.is_none() {
            return Err(
                ParseError::new("audience.users", "TLP:RED needs named recipients")
                    .with_code("red-needs-recipients", &[]),
            );
        }
        if self.tlp == Tlp::Red
            && (!self.audience.communities.is_empty()
                || !self.audience.sectors.is_empty()
                || !self.audience.orgs.is_empty())
        {
            return Err(ParseError::new(
                "audience",
                "TLP:RED goes to named people only; remove communities, sectors and organisations",
            )
            .with_code("red-people-only", &[]));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_spellings() {
        assert_eq!(Tlp::parse("tlp:amber+strict"), Ok(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("AMBER-STRICT"), Ok(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("white"), Ok(Tlp::Clear));
        assert_eq!(Tlp::parse(" Red "), Ok(Tlp::Red));
        assert_eq!(Tlp::parse("purple").map_err(|e| e.field), Err("tlp"));
        for t in Tlp::ALL {
            assert_eq!(Tlp::parse(t.as_str()), Ok(t));
            assert_eq!(Tlp::parse(&t.to_string()), Ok(t));
        }
    }

    #[test]
    fn red_must_name_people_only() {
        let mut m = Marking {
            tlp: Tlp::Red,
            pap: None,
            audience: Audience::default(),
            owner_org: OrgId(1),
            created_by: None,
        };
        assert_eq!(m.check().map_err(|e| e.field), Err("audience.users"));
        m.audience.users.push(UserId(3));
        assert!(m.check().is_ok());
        m.audience.orgs.push(OrgId(2));
        assert_eq!(m.check().map_err(|e| e.field), Err("audience"));
    }
}
