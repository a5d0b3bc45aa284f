//! STIX identifiers: `<type>--<UUID>`.

use std::borrow::Cow;
use std::fmt;

/// A well-formed STIX identifier, its UUID in lower case (the canonical
/// form RFC 4122 §3 gives for output); the type must be a valid STIX type
/// name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StixId(String);

/// Is `t` a valid STIX type name (3–250 of `a-z`, `0-9`, `-`)?
pub fn is_type_name(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--")
}

/// Is `u` a UUID in its 8-4-4-4-12 hex form, in either case? RFC 4122 §3
/// reads hex digits without case, and the STIX 2.1 JSON schema
/// (`common/identifier.json`) and OASIS's own examples take upper case.
fn is_uuid(u: &str) -> bool {
    let b = u.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `s` with the UUID of an identifier in lower case, when `s` is an
/// identifier whose UUID has upper-case hex; anything else as it is.
pub fn canonical_id(s: &str) -> Cow<'_, str> {
    match s.split_once("--") {
        Some((t, u))
            if u.bytes().any(|b| b.is_ascii_uppercase()) && is_type_name(t) && is_uuid(u) =>
        {
            Cow::Owned(format!("{t}--{}", u.to_ascii_lowercase()))
        }
        _ => Cow::Borrowed(s),
    }
}

impl StixId {
    /// Parses `type--uuid`, keeping the UUID in lower case; the reason is
    /// returned for the error message.
    pub fn parse(s: &str) -> Result<Self, String> {
        let Some((t, u)) = s.split_once("--") else {
            return Err(format!("{s:?} is not a STIX identifier (<type>--<UUID>)"));
        };
        if !is_type_name(t) {
            return Err(format!("{s:?} has an invalid type part {t:?}"));
        }
        if !is_uuid(u) {
            return Err(format!("{s:?} does not end in an RFC 4122 UUID"));
        }
        Ok(Self(canonical_id(s).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn type_name(&self) -> &str {
        self.0.split_once("--").map_or("", |(t, _)| t)
    }
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        let id = StixId::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").expect("valid");
        assert_eq!(id.type_name(), "indicator");
        for bad in [
            "indicator",
            "indicator--8e2e2d2b-17d4-4cbf-938f",
            "INDICATOR--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "x--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b_17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(StixId::parse(bad).is_err(), "{bad}");
            assert_eq!(canonical_id(bad), bad, "left as it is");
        }
    }

    /// Regression: the OASIS example `examples/infrastructure.json` names a
    /// relationship `relationship--81f12913-1372-4c96-85ec-E9034ac98aba`;
    /// the schema and the validator take it, renkei refused it.
    #[test]
    fn upper_case_hex_is_read_and_kept_in_lower_case() {
        let id =
            StixId::parse("relationship--81f12913-1372-4c96-85ec-E9034ac98aba").expect("valid");
        assert_eq!(
            id.as_str(),
            "relationship--81f12913-1372-4c96-85ec-e9034ac98aba"
        );
        assert_eq!(
            canonical_id("marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"),
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
        );
        let lower = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
        assert!(matches!(canonical_id(lower), Cow::Borrowed(_)));
    }
}
