//! Japanese national holidays (Act on National Holidays, Law No. 178 of
//! 1948, as amended) and the closed days of administrative organs (Act
//! No. 91 of 1988, Art. 1), computed for 2000–2099 so that no yearly list
//! has to be shipped.

use jiff::civil::{Date, Weekday, date};

/// The years the rules below are written for; the equinox formula is the
/// standard one for 1980–2099 and the Act's history is encoded from 2000.
pub const YEARS: std::ops::RangeInclusive<i16> = 2000..=2099;

/// Why a day is a holiday (names are left to the portal's own words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolidayKind {
    /// A national holiday named by the Act (or by a one-year special law).
    National,
    /// 振替休日: the day after a holiday that falls on a Sunday (Art. 3(2)).
    Substitute,
    /// 国民の休日: a day between two national holidays (Art. 3(3)).
    Citizens,
}

/// The year is outside [`YEARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Japanese holidays are known for 2000–2099, not {0}")]
pub struct OutOfRange(pub i16);

/// The holiday on `day`, if any.
pub fn holiday(day: Date) -> Result<Option<HolidayKind>, OutOfRange> {
    if !YEARS.contains(&day.year()) {
        return Err(OutOfRange(day.year()));
    }
    Ok(kind(day))
}

/// Every holiday of a year, in order.
pub fn holidays(year: i16) -> Result<Vec<(Date, HolidayKind)>, OutOfRange> {
    if !YEARS.contains(&year) {
        return Err(OutOfRange(year));
    }
    let mut out = Vec::new();
    let mut d = date(year, 1, 1);
    while d.year() == year {
        if let Some(k) = kind(d) {
            out.push((d, k));
        }
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    Ok(out)
}

/// A closed day of the administrative organs: Saturday, Sunday, a holiday
/// under the Act on National Holidays, or 29 December to 3 January.
pub fn is_administrative_closed_day(day: Date) -> Result<bool, OutOfRange> {
    if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        return Ok(true);
    }
    if matches!((day.month(), day.day()), (12, 29..=31) | (1, 1..=3)) {
        return Ok(true);
    }
    Ok(holiday(day)?.is_some())
}

fn kind(day: Date) -> Option<HolidayKind> {
    if is_national(day) {
        return Some(HolidayKind::National);
    }
    if is_substitute(day) {
        return Some(HolidayKind::Substitute);
    }
    // Art. 3(3): a day whose previous and next days are national holidays.
    // It never falls on a Sunday in these years; leaving Sundays out keeps
    // the list the Cabinet Office publishes.
    if day.weekday() != Weekday::Sunday
        && day.yesterday().is_ok_and(is_national)
        && day.tomorrow().is_ok_and(is_national)
    {
        return Some(HolidayKind::Citizens);
    }
    None
}

/// Art. 3(2): since 2007, the first day after a Sunday holiday that is not
/// itself a national holiday; before, the Monday after it.
fn is_substitute(day: Date) -> bool {
    if is_national(day) || day.weekday() == Weekday::Sunday {
        return false;
    }
    let mut back = day;
    loop {
        let Ok(prev) = back.yesterday() else {
            return false;
        };
        if !is_national(prev) {
            return false;
        }
        if prev.weekday() == Weekday::Sunday {
            return day.year() >= 2007 || prev.tomorrow().is_ok_and(|t| t == day);
        }
        back = prev;
    }
}

fn nth_monday(year: i16, month: i8, nth: i8) -> Option<i8> {
    date(year, month, 1)
        .nth_weekday_of_month(nth, Weekday::Monday)
        .ok()
        .map(|d| d.day())
}

/// The day of the vernal (March) or autumnal (September) equinox by the
/// formula the National Astronomical Observatory's announcements follow
/// for 1980–2099, in millionths so that no float rounding can shift it.
fn equinox_day(year: i16, base_micro: i64) -> i8 {
    let y = i64::from(year) - 1980;
    let day = (base_micro + 242_194 * y - 1_000_000 * (y / 4)) / 1_000_000;
    i8::try_from(day).unwrap_or(20)
}

fn is_national(day: Date) -> bool {
    let (y, m, d) = (day.year(), day.month(), day.day());
    let monday = |nth| nth_monday(y, m, nth) == Some(d);
    match m {
        // 元日; 成人の日 (second Monday since 2000).
        1 => d == 1 || monday(2),
        // 建国記念の日; 天皇誕生日 (23 February since 2020).
        2 => d == 11 || (y >= 2020 && d == 23),
        // 春分の日.
        3 => d == equinox_day(y, 20_843_100),
        // 昭和の日 (みどりの日 until 2006); 2019: the day before the
        // accession, a citizens' holiday by Art. 3(3), is computed.
        4 => d == 29,
        // 憲法記念日, みどりの日 (since 2007), こどもの日; 2019: 即位の日.
        5 => d == 3 || d == 5 || (y >= 2007 && d == 4) || (y == 2019 && d == 1),
        // 海の日: 20 July until 2002, third Monday since; moved for the
        // Tokyo Games in 2020 (23rd) and 2021 (22nd), when スポーツの日 also
        // moved to 24 July 2020 and 23 July 2021.
        7 => match y {
            2000..=2002 => d == 20,
            2020 => d == 23 || d == 24,
            2021 => d == 22 || d == 23,
            _ => monday(3),
        },
        // 山の日 since 2016: 11 August; 10 August 2020, 8 August 2021.
        8 => match y {
            2020 => d == 10,
            2021 => d == 8,
            2016.. => d == 11,
            _ => false,
        },
        // 敬老の日: 15 September until 2002, third Monday since; 秋分の日.
        9 => (if y <= 2002 { d == 15 } else { monday(3) }) || d == equinox_day(y, 23_248_800),
        // 体育の日 / スポーツの日: second Monday (not in 2020 and 2021);
        // 2019: 即位礼正殿の儀 on 22 October.
        10 => (!(2020..=2021).contains(&y) && monday(2)) || (y == 2019 && d == 22),
        // 文化の日, 勤労感謝の日.
        11 => d == 3 || d == 23,
        // 天皇誕生日 on 23 December until 2018.
        12 => y <= 2018 && d == 23,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(year: i16) -> Vec<(i8, i8, HolidayKind)> {
        holidays(year)
            .expect("in range")
            .into_iter()
            .map(|(d, k)| (d.month(), d.day(), k))
            .collect()
    }

    use HolidayKind::{Citizens as C, National as N, Substitute as S};

    // The Cabinet Office's published lists (内閣府「国民の祝日について」).
    #[test]
    fn year_2025() {
        let want = vec![
            (1, 1, N),
            (1, 13, N),
            (2, 11, N),
            (2, 23, N),
            (2, 24, S),
            (3, 20, N),
            (4, 29, N),
            (5, 3, N),
            (5, 4, N),
            (5, 5, N),
            (5, 6, S),
            (7, 21, N),
            (8, 11, N),
            (9, 15, N),
            (9, 23, N),
            (10, 13, N),
            (11, 3, N),
            (11, 23, N),
            (11, 24, S),
        ];
        assert_eq!(list(2025), want);
    }

    #[test]
    fn year_2026_with_a_citizens_holiday_in_september() {
        let want = vec![
            (1, 1, N),
            (1, 12, N),
            (2, 11, N),
            (2, 23, N),
            (3, 20, N),
            (4, 29, N),
            (5, 3, N),
            (5, 4, N),
            (5, 5, N),
            (5, 6, S),
            (7, 20, N),
            (8, 11, N),
            (9, 21, N),
            (9, 22, C),
            (9, 23, N),
            (10, 12, N),
            (11, 3, N),
            (11, 23, N),
        ];
        assert_eq!(list(2026), want);
    }

    #[test]
    fn year_2019_accession_and_ten_days_in_golden_week() {
        let want = vec![
            (1, 1, N),
            (1, 14, N),
            (2, 11, N),
            (3, 21, N),
            (4, 29, N),
            (4, 30, C),
            (5, 1, N),
            (5, 2, C),
            (5, 3, N),
            (5, 4, N),
            (5, 5, N),
            (5, 6, S),
            (7, 15, N),
            (8, 11, N),
            (8, 12, S),
            (9, 16, N),
            (9, 23, N),
            (10, 14, N),
            (10, 22, N),
            (11, 3, N),
            (11, 4, S),
            (11, 23, N),
        ];
        assert_eq!(list(2019), want);
    }

    #[test]
    fn year_2020_games_moved_holidays() {
        let want = vec![
            (1, 1, N),
            (1, 13, N),
            (2, 11, N),
            (2, 23, N),
            (2, 24, S),
            (3, 20, N),
            (4, 29, N),
            (5, 3, N),
            (5, 4, N),
            (5, 5, N),
            (5, 6, S),
            (7, 23, N),
            (7, 24, N),
            (8, 10, N),
            (9, 21, N),
            (9, 22, N),
            (11, 3, N),
            (11, 23, N),
        ];
        assert_eq!(list(2020), want);
    }

    #[test]
    fn before_2007_may_4_was_a_citizens_holiday_and_a_substitute_only_the_monday() {
        // 2005: 4 May (Wednesday) between Constitution Day and Children's Day.
        assert_eq!(holiday(date(2005, 5, 4)), Ok(Some(C)));
        // 2008 (new rule): 3 May Saturday, 4 May Sunday (a holiday), 5 May
        // Monday, and the substitute for Sunday the 4th on Tuesday the 6th.
        assert_eq!(holiday(date(2008, 5, 6)), Ok(Some(S)));
        // 2001: 23 December on Sunday, substitute on Monday the 24th.
        assert_eq!(holiday(date(2001, 12, 24)), Ok(Some(S)));
    }

    #[test]
    fn equinoxes_of_known_years() {
        // 2012 autumnal equinox on 22 September; 2024 on Sunday
        // 22 September, with its substitute on the Monday.
        assert_eq!(holiday(date(2012, 9, 22)), Ok(Some(N)));
        assert_eq!(holiday(date(2024, 9, 22)), Ok(Some(N)));
        assert_eq!(holiday(date(2024, 9, 23)), Ok(Some(S)));
        assert_eq!(holiday(date(2024, 3, 20)), Ok(Some(N)));
    }

    #[test]
    fn closed_days_include_the_year_end_and_weekends() {
        // 2026-12-28 Monday open; 29 December to 3 January closed;
        // 2027-01-04 Monday open.
        assert_eq!(is_administrative_closed_day(date(2026, 12, 28)), Ok(false));
        for d in [
            date(2026, 12, 29),
            date(2026, 12, 31),
            date(2027, 1, 2),
            date(2027, 1, 3),
        ] {
            assert_eq!(is_administrative_closed_day(d), Ok(true), "{d}");
        }
        assert_eq!(is_administrative_closed_day(date(2027, 1, 4)), Ok(false));
        assert_eq!(is_administrative_closed_day(date(2026, 9, 22)), Ok(true));
        assert_eq!(is_administrative_closed_day(date(2026, 12, 5)), Ok(true));
    }

    #[test]
    fn out_of_range_years_are_refused() {
        assert_eq!(holiday(date(2100, 1, 1)), Err(OutOfRange(2100)));
        assert_eq!(holidays(1999), Err(OutOfRange(1999)));
    }
}
