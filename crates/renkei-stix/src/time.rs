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
        if !s.is_ascii() || b.len() < 20 || b[b.len() - 1] != b'Z' || b[10] != b'T' {
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

    /// `t` at millisecond precision, the precision STIX requires of
    /// `created` and `modified`; digits below the millisecond are dropped.
    pub fn from_timestamp(t: Timestamp) -> Self {
        let micros = t.0 - t.0.rem_euclid(1_000);
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let text = Timestamp(micros)
            .to_offset_date_time()
            .format(&fmt)
            .unwrap_or_default();
        Self {
            text,
            micros,
            precision: 3,
        }
    }

    /// Reads a time as people write it in lists and feeds: RFC 3339 with
    /// any offset (`2026-11-01T09:00:00+09:00`), a bare date (`2026-11-01`,
    /// midnight UTC), or a date and time in UTC as abuse.ch's feeds publish
    /// them (`2026-11-01 09:00:00`, optionally followed by ` UTC`). The
    /// result is in UTC with milliseconds.
    pub fn parse_loose(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let err =
            || format!("{s:?} is not a time (RFC 3339, e.g. 2026-11-01T09:00:00Z, or YYYY-MM-DD)");
        let spaced = s.strip_suffix(" UTC").unwrap_or(s);
        let dt = if s.len() == 10 {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(s, &fmt)
                .map_err(|_| err())?
                .midnight()
                .assume_utc()
        } else if spaced.len() == 19 && spaced.as_bytes().get(10) == Some(&b' ') {
            let fmt =
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            time::PrimitiveDateTime::parse(spaced, &fmt)
                .map_err(|_| err())?
                .assume_utc()
        } else {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| err())?
        };
        let micros = i64::try_from(dt.unix_timestamp_nanos() / 1_000).map_err(|_| err())?;
        Ok(Self::from_timestamp(Timestamp(micros)))
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
        assert_eq!(
            StixTime::from_timestamp(Timestamp(1_463_041_047_123_456)).text,
            "2016-05-12T08:17:27.123Z"
        );
        for (loose, want) in [
            ("2016-05-12", "2016-05-12T00:00:00.000Z"),
            ("2016-05-12T17:17:27+09:00", "2016-05-12T08:17:27.000Z"),
            ("2016-05-12T08:17:27.5Z", "2016-05-12T08:17:27.500Z"),
            ("2016-05-12 08:17:27", "2016-05-12T08:17:27.000Z"),
            ("2016-05-12 08:17:27 UTC", "2016-05-12T08:17:27.000Z"),
        ] {
            assert_eq!(
                StixTime::parse_loose(loose).map(|t| t.text),
                Ok(want.to_owned())
            );
        }
        for bad in [
            "2016-13-01",
            "yesterday",
            "2016-05-12 08:17",
            "2016-05-12 25:17:27",
            "2016-05-12 08:17:27 JST",
        ] {
            assert!(StixTime::parse_loose(bad).is_err(), "{bad}");
        }
        let round = StixTime::parse(&StixTime::format(Timestamp(1_463_041_047_123_456)))
            .expect("round trip");
        assert_eq!(round.micros, 1_463_041_047_123_456);
    }
}

#[cfg(test)]
mod ascii_tests {
    #[test]
    fn non_ascii_timestamps_are_refused_not_panicked_on() {
        assert!(super::StixTime::parse("2016-05-12T08:17:2é0Z").is_err());
        assert!(super::StixTime::parse("２０１６-05-12T08:17:20Z").is_err());
    }
}
