//! When a period ends: hours as elapsed time from the instant, days and
//! months in the regime's time zone under its calendar rule.

use jiff::civil::{Date, Time, Weekday, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

use crate::jp_holidays;
use crate::profile::{Calendar, CalendarRule, FirstDay, Period, Unit};

/// The end of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PeriodEnd {
    /// The last instant that is still in time (inclusive): the instant
    /// itself for hours, the last nanosecond of the last day otherwise.
    pub at: Timestamp,
    /// For day and month periods, the last day in the regime's zone (after
    /// any move past closed days).
    pub last_day: Option<Date>,
    /// The day the period would have ended on had it not fallen on a
    /// closed day.
    pub moved_from: Option<Date>,
}

/// The period cannot be computed: a date outside the range the calendar
/// knows (Japanese holidays are computed for 2000–2099).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("date out of range: {0}")]
pub struct OutOfRange(pub String);

/// The end of `period` running from `from`.
///
/// Hours are elapsed time from the instant, daylight-saving changes
/// included. Regulation 1182/71 Art. 3(1) would start an hour period at the
/// next full hour; counting from the instant is never later, so the
/// platform never shows a deadline the law would call late.
pub fn period_end(
    from: Timestamp,
    period: Period,
    tz: &TimeZone,
    calendar: &Calendar,
) -> Result<PeriodEnd, OutOfRange> {
    let amount = i64::from(period.amount);
    if period.unit == Unit::Hours {
        let at = from
            .checked_add(SignedDuration::from_hours(amount))
            .map_err(|e| OutOfRange(e.to_string()))?;
        return Ok(PeriodEnd {
            at,
            last_day: None,
            moved_from: None,
        });
    }
    let local = from.to_zoned_datetime(tz.clone());
    let day = local.date();
    let last = match calendar.rule {
        // A regulator may count the event's day as day 1: then the count
        // is the Civil Code's from that day.
        CalendarRule::Eu1182_71 | CalendarRule::Plain
            if calendar.first_day == FirstDay::Counted =>
        {
            jp_last_day(day, amount, period.unit)
        }
        CalendarRule::Eu1182_71 | CalendarRule::Plain => eu_last_day(day, amount, period.unit),
        CalendarRule::JpCivil | CalendarRule::JpAdministrative => {
            // Civil Code Art. 140: the first day is not counted unless the
            // period starts at midnight (or the regulator counts it).
            let counted =
                calendar.first_day == FirstDay::Counted || local.time() == Time::midnight();
            let start = if counted {
                Some(day)
            } else {
                day.tomorrow().ok()
            };
            start.and_then(|s| jp_last_day(s, amount, period.unit))
        }
    }
    .ok_or_else(|| OutOfRange(format!("{period:?} from {day}")))?;
    let end = move_past_closed_days(last, calendar)?;
    let at = end
        .to_zoned_datetime(tz.clone())
        .and_then(|z| z.end_of_day())
        .map_err(|e| OutOfRange(e.to_string()))?
        .timestamp();
    Ok(PeriodEnd {
        at,
        last_day: Some(end),
        moved_from: (end != last).then_some(last),
    })
}

/// 1182/71 Art. 3(1)–(2): the event's day is not counted; a period of days
/// ends with its last day; one of months on the same date as the event's
/// day, or the last day of the month when that date does not exist.
fn eu_last_day(day: Date, amount: i64, unit: Unit) -> Option<Date> {
    match unit {
        Unit::Days => day.checked_add(amount.days()).ok(),
        // jiff constrains to the month's last day (31 Jan + 1 month = 28/29 Feb).
        Unit::Months => day.checked_add(amount.months()).ok(),
        Unit::Hours => None,
    }
}

/// Civil Code Arts. 141–143 from the first counted day `start`: days end
/// with the last day; months end the day before the day corresponding to
/// `start` in the last month, or that month's last day if there is none.
fn jp_last_day(start: Date, amount: i64, unit: Unit) -> Option<Date> {
    match unit {
        Unit::Days => start.checked_add((amount - 1).days()).ok(),
        Unit::Months => {
            let month = start.first_of_month().checked_add(amount.months()).ok()?;
            if start.day() <= month.days_in_month() {
                date(month.year(), month.month(), start.day())
                    .yesterday()
                    .ok()
            } else {
                Some(month.last_of_month())
            }
        }
        Unit::Hours => None,
    }
}

/// Whether `day` is a day on which the period may not end, under the rule.
pub fn is_closed(day: Date, calendar: &Calendar) -> Result<bool, OutOfRange> {
    let listed = calendar.closed_days.binary_search(&day).is_ok();
    Ok(match calendar.rule {
        CalendarRule::JpCivil | CalendarRule::Plain => false,
        CalendarRule::Eu1182_71 => {
            listed || matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
        }
        CalendarRule::JpAdministrative => {
            listed
                || jp_holidays::is_administrative_closed_day(day)
                    .map_err(|e| OutOfRange(e.to_string()))?
        }
    })
}

/// 1182/71 Art. 3(4) and the Act on holidays of administrative organs
/// Art. 2: a period whose last day is closed ends on the next open day.
fn move_past_closed_days(last: Date, calendar: &Calendar) -> Result<Date, OutOfRange> {
    let mut day = last;
    while is_closed(day, calendar)? {
        day = day.tomorrow().map_err(|e| OutOfRange(e.to_string()))?;
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(rule: CalendarRule) -> Calendar {
        Calendar {
            rule,
            first_day: FirstDay::Excluded,
            closed_days: Vec::new(),
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("a timestamp")
    }

    fn end(from: &str, amount: u32, unit: Unit, zone: &str, c: &Calendar) -> PeriodEnd {
        let tz = TimeZone::get(zone).expect("a zone");
        period_end(ts(from), Period { amount, unit }, &tz, c).expect("in range")
    }

    #[test]
    fn eu_month_ends_on_the_same_date_or_the_months_last_day() {
        let c = cal(CalendarRule::Eu1182_71);
        // 31 January 2028 + 1 month: 29 February 2028 is a Tuesday.
        let e = end(
            "2028-01-31T10:00:00Z",
            1,
            Unit::Months,
            "Europe/Brussels",
            &c,
        );
        assert_eq!(e.last_day, Some(date(2028, 2, 29)));
        assert_eq!(e.at, ts("2028-02-29T22:59:59.999999999Z"));
        // 15 April 2027 (Thursday) + 1 month: 15 May 2027 is a Saturday,
        // so the period runs to the end of Monday 17 May.
        let e = end(
            "2027-04-15T08:00:00Z",
            1,
            Unit::Months,
            "Europe/Brussels",
            &c,
        );
        assert_eq!(
            (e.last_day, e.moved_from),
            (Some(date(2027, 5, 17)), Some(date(2027, 5, 15)))
        );
    }

    #[test]
    fn eu_listed_public_holiday_moves_the_end() {
        let mut c = cal(CalendarRule::Eu1182_71);
        c.closed_days = vec![date(2026, 12, 25)];
        // 21 December 2026 (Monday) + 4 days = Friday 25 December, closed:
        // the next working day is Monday 28 December.
        let e = end("2026-12-21T09:00:00Z", 4, Unit::Days, "Europe/Brussels", &c);
        assert_eq!(e.last_day, Some(date(2026, 12, 28)));
    }

    #[test]
    fn japanese_first_day_counted_from_midnight() {
        let c = cal(CalendarRule::JpCivil);
        // Aware at 00:00 JST on 1 March 2027: the period starts that day,
        // so 10 days end with 10 March.
        let e = end("2027-02-28T15:00:00Z", 10, Unit::Days, "Asia/Tokyo", &c);
        assert_eq!(e.last_day, Some(date(2027, 3, 10)));
        // Aware at 00:01: the first day is not counted, so 11 March.
        let e = end("2027-02-28T15:01:00Z", 10, Unit::Days, "Asia/Tokyo", &c);
        assert_eq!(e.last_day, Some(date(2027, 3, 11)));
    }

    #[test]
    fn japanese_month_from_the_day_after_the_event() {
        let c = cal(CalendarRule::JpCivil);
        // Event 30 January 2027: counting starts 31 January; February has
        // no 31st, so the month ends on 28 February (Civil Code Art. 143(2)).
        let e = end("2027-01-30T03:00:00Z", 1, Unit::Months, "Asia/Tokyo", &c);
        assert_eq!(e.last_day, Some(date(2027, 2, 28)));
        // Event 10 June 2027: counting starts 11 June, the corresponding
        // day is 11 July, the period ends the day before.
        let e = end("2027-06-10T03:00:00Z", 1, Unit::Months, "Asia/Tokyo", &c);
        assert_eq!(e.last_day, Some(date(2027, 7, 10)));
    }

    #[test]
    fn japanese_administrative_period_skips_the_year_end() {
        let c = cal(CalendarRule::JpAdministrative);
        // Event 2026-12-18 (Friday) + 10 days = Monday 28 December, open.
        let e = end("2026-12-18T01:00:00Z", 10, Unit::Days, "Asia/Tokyo", &c);
        assert_eq!(e.last_day, Some(date(2026, 12, 28)));
        // + 11 days = 29 December: closed until Sunday 3 January, so the
        // period ends on Monday 4 January 2027.
        let e = end("2026-12-18T01:00:00Z", 11, Unit::Days, "Asia/Tokyo", &c);
        assert_eq!(
            (e.last_day, e.moved_from),
            (Some(date(2027, 1, 4)), Some(date(2026, 12, 29)))
        );
        assert_eq!(e.at, ts("2027-01-04T14:59:59.999999999Z"));
        // Under the plain Civil Code rule it stays on the 29th.
        let e = end(
            "2026-12-18T01:00:00Z",
            11,
            Unit::Days,
            "Asia/Tokyo",
            &cal(CalendarRule::JpCivil),
        );
        assert_eq!(e.last_day, Some(date(2026, 12, 29)));
    }

    #[test]
    fn japanese_administrative_period_skips_golden_week_holidays() {
        let c = cal(CalendarRule::JpAdministrative);
        // Event 2026-04-30 + 3 days = Sunday 3 May; 4, 5, 6 May are
        // holidays (6 May the substitute), so it ends Thursday 7 May.
        let e = end("2026-04-30T05:00:00Z", 3, Unit::Days, "Asia/Tokyo", &c);
        assert_eq!(e.last_day, Some(date(2026, 5, 7)));
    }

    #[test]
    fn hours_are_elapsed_time_across_brussels_spring_forward() {
        let c = cal(CalendarRule::Eu1182_71);
        // 28 March 2026 12:00 CET; clocks go forward at 02:00 on the 29th.
        // 24 h later is 13:00 CEST, 11:00 UTC on the 29th.
        let e = end(
            "2026-03-28T11:00:00Z",
            24,
            Unit::Hours,
            "Europe/Brussels",
            &c,
        );
        assert_eq!(e.at, ts("2026-03-29T11:00:00Z"));
        assert_eq!(e.last_day, None);
    }

    #[test]
    fn days_end_at_local_midnight_across_brussels_fall_back() {
        let c = cal(CalendarRule::Eu1182_71);
        // Event Friday 23 October 2026, 10:00 CEST; clocks go back on Sunday
        // 25 October. Three days: Monday 26 October ends at 24:00 CET,
        // 23:00 UTC (not 22:00 as in summer).
        let e = end("2026-10-23T08:00:00Z", 3, Unit::Days, "Europe/Brussels", &c);
        assert_eq!(e.last_day, Some(date(2026, 10, 26)));
        assert_eq!(e.at, ts("2026-10-26T22:59:59.999999999Z"));
    }

    #[test]
    fn days_end_at_local_midnight_across_brussels_spring_forward() {
        let c = cal(CalendarRule::Eu1182_71);
        // Event Friday 27 March 2026, 10:00 CET; clocks go forward on the
        // 29th. Three days end with Monday 30 March at 24:00 CEST, 22:00 UTC.
        let e = end("2026-03-27T09:00:00Z", 3, Unit::Days, "Europe/Brussels", &c);
        assert_eq!(e.last_day, Some(date(2026, 3, 30)));
        assert_eq!(e.at, ts("2026-03-30T21:59:59.999999999Z"));
    }

    #[test]
    fn new_york_hours_and_days_across_both_changes() {
        let c = cal(CalendarRule::JpCivil);
        // 7 March 2026 12:00 EST; clocks go forward 8 March: 72 h later is
        // 10 March 12:00 UTC-5 = 13:00 EDT.
        let e = end(
            "2026-03-07T17:00:00Z",
            72,
            Unit::Hours,
            "America/New_York",
            &c,
        );
        assert_eq!(e.at, ts("2026-03-10T17:00:00Z"));
        let local =
            e.at.to_zoned_datetime(TimeZone::get("America/New_York").expect("zone"));
        assert_eq!(local.hour(), 13);
        // Days across the same change: 6 March + 3 days ends with Monday
        // 9 March at midnight EDT, 04:00 UTC (05:00 before the change).
        let plain = cal(CalendarRule::Plain);
        let e = end(
            "2026-03-06T17:00:00Z",
            3,
            Unit::Days,
            "America/New_York",
            &plain,
        );
        assert_eq!(e.at, ts("2026-03-10T03:59:59.999999999Z"));
        // 31 October 2026 22:00 EDT, clocks back on 1 November: a one-day
        // period ends at the end of 1 November EST (05:00 UTC on the 2nd).
        let e = end(
            "2026-11-01T02:00:00Z",
            1,
            Unit::Days,
            "America/New_York",
            &c,
        );
        assert_eq!(e.last_day, Some(date(2026, 11, 1)));
        assert_eq!(e.at, ts("2026-11-02T04:59:59.999999999Z"));
    }
}
