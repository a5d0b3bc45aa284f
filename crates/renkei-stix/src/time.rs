//! STIX timestamps: RFC 3339 in UTC with a `Z`, any sub-second precision.

use renkei_core::Timestamp;

/// A timestamp as sent (kept verbatim: TAXII versions echo it) and as
/// microseconds for ordering and filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StixTime {
    pub text: String,
    pub micros: i64,
    /// Digits after the decimal point.
    pub precision: usize,
}

impl StixTime {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let err = || format!("{s:?} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.sss]Z, UTC)");
        let b = s.as_bytes();
        if b.len() < 20 || b[b.len() - 1] != b'Z' || b[10] != b'T' {
            return Err(err());
        }
        let fraction = match s[19..s.len() - 1].strip_prefix('.') {
            Some(f) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => f,
            Some(_) => return Err(err()),
            None if s.len() == 20 => "",
            None => return Err(err()),
        };
        let fmt =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        let dt = time::PrimitiveDateTime::parse(&s[..19], &fmt)
            .map_err(|_| err())?
            .assume_utc();
        let mut micros = dt.unix_timestamp().checked_mul(1_000_000).ok_or_else(err)?;
        let us: String = fraction
            .chars()
            .chain(std::iter::repeat('0'))
            .take(6)
            .collect();
        micros += us.parse::<i64>().unwrap_or(0);
        Ok(Self {
            text: s.to_owned(),
            micros,
            precision: fraction.len(),
        })
    }

    /// Formats a store time the way TAXII answers carry it (millisecond
    /// precision is what the specification requires; we give microseconds).
    pub fn format(t: Timestamp) -> String {
        let dt = t.to_offset_date_time();
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        dt.format(&fmt).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t = StixTime::parse("2016-05-12T08:17:27.123Z").expect("valid");
        assert_eq!((t.micros, t.precision), (1_463_041_047_123_000, 3));
        assert_eq!(
            StixTime::parse("2016-05-12T08:17:27Z").map(|t| t.precision),
            Ok(0)
        );
        assert_eq!(
            StixTime::parse("2016-05-12T08:17:27.123456789Z").map(|t| t.micros),
            Ok(1_463_041_047_123_456)
        );
        for bad in [
            "2016-05-12",
            "2016-05-12T08:17:27.123+09:00",
            "2016-05-12 08:17:27Z",
            "2016-13-12T08:17:27Z",
            "2016-05-12T08:17:27.Z",
        ] {
            assert!(StixTime::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            StixTime::format(Timestamp(1_463_041_047_123_456)),
            "2016-05-12T08:17:27.123456Z"
        );
        let round = StixTime::parse(&StixTime::format(Timestamp(1_463_041_047_123_456)))
            .expect("round trip");
        assert_eq!(round.micros, 1_463_041_047_123_456);
    }
}
