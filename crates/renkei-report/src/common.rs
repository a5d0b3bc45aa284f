//! The incident's common fields: what a reporter describes once, and each
//! profile's fields name (`common = "summary"`) to be pre-filled from it.
//! A fixed vocabulary, so a typo in a profile is an error, not a silent gap.

use serde::{Deserialize, Serialize};

use crate::profile::FieldKind;

macro_rules! common_fields {
    ($($variant:ident => $id:literal,)*) => {
        /// One field of the incident's common description.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum CommonField {
            $(#[serde(rename = $id)] $variant,)*
        }

        impl CommonField {
            /// Every common field, in the order the crate documents them.
            pub const ALL: &'static [CommonField] = &[$(CommonField::$variant,)*];

            /// The stable id profiles and the API use.
            pub fn id(self) -> &'static str {
                match self {
                    $(CommonField::$variant => $id,)*
                }
            }

            pub fn parse(id: &str) -> Option<CommonField> {
                match id {
                    $($id => Some(CommonField::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

common_fields! {
    AwarenessTime => "awareness-time",
    OccurrenceTime => "occurrence-time",
    OrganisationName => "organisation-name",
    Contact => "contact",
    Sector => "sector",
    Location => "location",
    Summary => "summary",
    AffectedSystems => "affected-systems",
    Cause => "cause",
    Impact => "impact",
    Indicators => "indicators",
    ResponseTaken => "response-taken",
    CrossBorderImpact => "cross-border-impact",
    SuspectedMalicious => "suspected-malicious",
    PeopleAffected => "people-affected",
    OthersInformed => "others-informed",
}

impl CommonField {
    /// Whether a field of this kind can hold this common field's value
    /// (lists may also fill a long text, one item a line).
    pub fn accepts(self, kind: &FieldKind) -> bool {
        use CommonField as C;
        match self {
            C::AwarenessTime | C::OccurrenceTime => matches!(kind, FieldKind::DateTime),
            C::SuspectedMalicious => matches!(kind, FieldKind::Bool),
            C::PeopleAffected => matches!(kind, FieldKind::Number { .. }),
            C::AffectedSystems | C::Indicators => {
                matches!(kind, FieldKind::List { .. } | FieldKind::LongText { .. })
            }
            C::OrganisationName
            | C::Contact
            | C::Sector
            | C::Location
            | C::Summary
            | C::Cause
            | C::Impact
            | C::ResponseTaken
            | C::CrossBorderImpact
            | C::OthersInformed => {
                matches!(kind, FieldKind::Text { .. } | FieldKind::LongText { .. })
            }
        }
    }
}

impl std::fmt::Display for CommonField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back() {
        for c in CommonField::ALL {
            assert_eq!(CommonField::parse(c.id()), Some(*c));
            let json = serde_json::to_value(c).expect("serialises");
            assert_eq!(json, serde_json::Value::String(c.id().to_owned()));
        }
        assert_eq!(CommonField::parse("Summary"), None);
    }
}
