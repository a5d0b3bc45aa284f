//! MISP's `distribution` as who may read in renkei. A distribution can
//! only narrow what the TLP allows, never widen it: each level sets the
//! least restrictive TLP an item may keep, and levels 0 and 4 replace the
//! import's audience (docs/misp.md, "Distribution").

use std::fmt;

use renkei_core::Tlp;

use super::MispImport;
use crate::tlp_marking_id;

/// Who a MISP item may reach, from its (and its event's) distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// 3, all communities (or no distribution given): as the TLP says.
    AllCommunities,
    /// 1 (this community) or 2 (connected communities): at least TLP:GREEN,
    /// with the collection's audience.
    Communities,
    /// 4, a sharing group: at least TLP:GREEN, read by the renkei
    /// community whose name matches the group's.
    SharingGroup {
        name: Option<String>,
        uuid: Option<String>,
    },
    /// 0, your organisation only: at least TLP:AMBER+STRICT with no
    /// audience, so only the importing organisation reads it.
    OwnOrganisation,
}

impl Reach {
    fn rank(&self) -> u8 {
        match self {
            Reach::OwnOrganisation => 0,
            Reach::SharingGroup { .. } => 1,
            Reach::Communities => 2,
            Reach::AllCommunities => 3,
        }
    }

    /// The least restrictive TLP an item of this reach keeps.
    pub fn min_tlp(&self) -> Tlp {
        match self {
            Reach::OwnOrganisation => Tlp::AmberStrict,
            Reach::SharingGroup { .. } | Reach::Communities => Tlp::Green,
            Reach::AllCommunities => Tlp::Clear,
        }
    }

    /// The narrower of two reaches (an attribute never reaches further than
    /// its event); two different sharing groups cannot be intersected.
    pub(super) fn narrowest(self, other: Reach) -> Result<Reach, String> {
        if let (Reach::SharingGroup { .. }, Reach::SharingGroup { .. }) = (&self, &other)
            && self != other
        {
            return Err(format!(
                "two different sharing groups ({self} and {other}) apply; renkei cannot share with only their common members"
            ));
        }
        Ok(if other.rank() < self.rank() {
            other
        } else {
            self
        })
    }

    /// The sharing group's name for messages.
    pub fn group_label(&self) -> String {
        match self {
            Reach::SharingGroup { name, uuid } => match (name, uuid) {
                (Some(n), _) => format!("{n:?}"),
                (None, Some(u)) => u.clone(),
                (None, None) => "(unnamed)".into(),
            },
            _ => String::new(),
        }
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reach::AllCommunities => f.write_str("distribution 3 (all communities)"),
            Reach::Communities => f.write_str("distribution 1/2 (this or connected communities)"),
            Reach::SharingGroup { .. } => {
                write!(f, "distribution 4 (sharing group {})", self.group_label())
            }
            Reach::OwnOrganisation => f.write_str("distribution 0 (your organisation only)"),
        }
    }
}

/// Where a STIX object came from in the export, and how far it may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// JSON path of the MISP event, attribute or object it was made from.
    pub path: String,
    pub reach: Reach,
}

/// An item whose TLP or audience its distribution narrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrowed {
    pub path: String,
    pub reach: Reach,
    pub from: Tlp,
    pub to: Tlp,
}

impl fmt::Display for Narrowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.path, self.reach)?;
        if self.from != self.to {
            write!(
                f,
                "TLP:{} raised to TLP:{}",
                self.from.as_str(),
                self.to.as_str()
            )?;
        } else {
            write!(f, "TLP:{} kept", self.to.as_str())?;
        }
        match self.reach {
            Reach::OwnOrganisation => f.write_str(", readable by your organisation only"),
            Reach::SharingGroup { .. } => {
                write!(
                    f,
                    ", readable by the community {} only",
                    self.reach.group_label()
                )
            }
            _ => Ok(()),
        }
    }
}

/// Marks every object with its final TLP: its own marking, else
/// `fallback` (the import's TLP or the collection's default), raised to
/// what its reach allows. Returns one note per narrowed item.
pub fn apply_reach(import: &mut MispImport, fallback: Tlp) -> Vec<Narrowed> {
    let mut notes: Vec<Narrowed> = Vec::new();
    for (o, origin) in import.objects.iter_mut().zip(&import.origins) {
        let own = o
            .get("object_marking_refs")
            .and_then(|m| m.as_array())
            .and_then(|m| {
                m.iter()
                    .filter_map(|r| r.as_str().and_then(crate::tlp_for_marking_id))
                    .max()
            });
        let from = own.unwrap_or(fallback);
        let to = from.max(origin.reach.min_tlp());
        if let Some(map) = o.as_object_mut() {
            let mut refs: Vec<serde_json::Value> = map
                .get("object_marking_refs")
                .and_then(|m| m.as_array())
                .map(|m| {
                    m.iter()
                        .filter(|r| r.as_str().and_then(crate::tlp_for_marking_id).is_none())
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            refs.push(serde_json::json!(tlp_marking_id(to)));
            map.insert("object_marking_refs".into(), serde_json::json!(refs));
        }
        let audience_narrowed = matches!(
            origin.reach,
            Reach::OwnOrganisation | Reach::SharingGroup { .. }
        );
        if (to != from || audience_narrowed) && !notes.iter().any(|n| n.path == origin.path) {
            notes.push(Narrowed {
                path: origin.path.clone(),
                reach: origin.reach.clone(),
                from,
                to,
            });
        }
    }
    notes
}
