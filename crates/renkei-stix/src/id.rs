//! STIX identifiers: `<type>--<UUID>`.

use std::fmt;

/// A well-formed STIX identifier. The UUID is kept in lower case as the
/// specification writes it; the type must be a valid STIX type name.
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

fn is_uuid(u: &str) -> bool {
    let b = u.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}

impl StixId {
    /// Parses `type--uuid`; the reason is returned for the error message.
    pub fn parse(s: &str) -> Result<Self, String> {
        let Some((t, u)) = s.split_once("--") else {
            return Err(format!("{s:?} is not a STIX identifier (<type>--<UUID>)"));
        };
        if !is_type_name(t) {
            return Err(format!("{s:?} has an invalid type part {t:?}"));
        }
        if !is_uuid(u) {
            return Err(format!("{s:?} does not end in a lower-case RFC 4122 UUID"));
        }
        Ok(Self(s.to_owned()))
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
            "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "x--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b_17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(StixId::parse(bad).is_err(), "{bad}");
        }
    }
}
