//! Which reminders are due for a case at an instant: from its stages'
//! [`Clock`]s, a [`ReminderPolicy`] (when, before each deadline, to remind)
//! and the reminders already sent. Pure: the server's worker scans open
//! reports, calls [`due_reminders`], sends each reminder (portal, webhook,
//! e-mail) and records `(stage, kind)` as sent.
//!
//! For each stage whose clock runs (`due`, `due-soon`, `overdue`), every
//! kind of the policy gives an instant; a kind is due when that instant has
//! come, it was not sent, and no later kind of the same stage was sent.
//! Only the latest due kind of a stage is returned: a worker that was down
//! through "half the time gone" and "1 h before" sends one reminder, not
//! two, and the earlier one is never sent afterwards.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Span, Timestamp};
use serde::Serialize;

use crate::clock::{Clock, ClockStatus};
use crate::profile::{Profile, Unit};

/// One kind of reminder, with a stable id (`elapsed-50`, `before-1h`,
/// `before-1d`, `overdue`) the store keeps for the ones sent; serialised
/// as that id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReminderKind {
    /// This share of the period (from what the deadline runs from to the
    /// deadline) has elapsed; 1–99.
    Elapsed { percent: u8 },
    /// This many elapsed hours before the deadline.
    HoursBefore { hours: u32 },
    /// This many calendar days before the deadline, counted in the regime's
    /// zone (23 or 25 hours across a daylight-saving change).
    DaysBefore { days: u32 },
    /// The deadline has passed without a submission.
    Overdue,
}

impl ReminderKind {
    /// The stable id.
    pub fn id(self) -> String {
        match self {
            ReminderKind::Elapsed { percent } => format!("elapsed-{percent}"),
            ReminderKind::HoursBefore { hours } => format!("before-{hours}h"),
            ReminderKind::DaysBefore { days } => format!("before-{days}d"),
            ReminderKind::Overdue => "overdue".into(),
        }
    }

    /// The kind an id names; `None` for anything else.
    pub fn parse(id: &str) -> Option<ReminderKind> {
        if id == "overdue" {
            return Some(ReminderKind::Overdue);
        }
        if let Some(p) = id.strip_prefix("elapsed-") {
            let percent: u8 = p.parse().ok()?;
            return (1..=99)
                .contains(&percent)
                .then_some(ReminderKind::Elapsed { percent });
        }
        let rest = id.strip_prefix("before-")?;
        let number = |s: &str| {
            s.parse::<u32>()
                .ok()
                .filter(|n| *n > 0 && !s.starts_with('+'))
        };
        if let Some(h) = rest.strip_suffix('h') {
            return number(h).map(|hours| ReminderKind::HoursBefore { hours });
        }
        rest.strip_suffix('d')
            .and_then(number)
            .map(|days| ReminderKind::DaysBefore { days })
    }
}

impl Serialize for ReminderKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id())
    }
}

impl std::fmt::Display for ReminderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id())
    }
}

/// When to remind, by the unit of the deadline that applies (the cap's
/// unit when the cap decided it, as for "due soon").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderPolicy {
    /// For deadlines counted in hours.
    pub hours: Vec<ReminderKind>,
    /// For deadlines counted in days or months.
    pub days: Vec<ReminderKind>,
}

impl ReminderPolicy {
    /// A policy from kind ids (`["elapsed-50", "before-1h", "overdue"]`),
    /// as a settings file would give them; the error names the bad id.
    pub fn from_ids<S: AsRef<str>>(hours: &[S], days: &[S]) -> Result<ReminderPolicy, String> {
        let kinds = |ids: &[S]| {
            ids.iter()
                .map(|id| {
                    let id = id.as_ref();
                    ReminderKind::parse(id.trim()).ok_or_else(|| format!("{id:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(ReminderPolicy {
            hours: kinds(hours)?,
            days: kinds(days)?,
        })
    }
}

impl Default for ReminderPolicy {
    /// Hour limits: half the time gone, 1 h before, overdue. Day and month
    /// limits: 1 day before, overdue.
    fn default() -> ReminderPolicy {
        ReminderPolicy {
            hours: vec![
                ReminderKind::Elapsed { percent: 50 },
                ReminderKind::HoursBefore { hours: 1 },
                ReminderKind::Overdue,
            ],
            days: vec![ReminderKind::DaysBefore { days: 1 }, ReminderKind::Overdue],
        }
    }
}

/// A reminder to send now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueReminder {
    pub stage: String,
    pub kind: ReminderKind,
    /// When it became due (for `overdue`, the deadline itself: it is due
    /// from the first instant after).
    pub at: Timestamp,
    /// The stage's deadline (the last instant in time).
    pub deadline: Timestamp,
}

/// The reminders due at `now` for one case under `profile`.
///
/// `clocks` are the case's clocks ([`crate::clocks`]) at `now`;
/// `awareness` is the case's awareness time (a capped deadline's period
/// runs from it); `sent` holds `(stage id, kind)` of every reminder sent so
/// far. A kind whose instant falls at or before the start of its period
/// (1 h before a 1 h limit) is left out, and so is an `elapsed` share
/// outside 1–99 %. Sorted by `at`, then stage.
pub fn due_reminders(
    profile: &Profile,
    clocks: &[Clock],
    awareness: Option<Timestamp>,
    policy: &ReminderPolicy,
    sent: &BTreeSet<(String, ReminderKind)>,
    now: Timestamp,
) -> Vec<DueReminder> {
    let mut out = Vec::new();
    for clock in clocks {
        if !matches!(
            clock.status,
            ClockStatus::Due | ClockStatus::DueSoon | ClockStatus::Overdue
        ) {
            continue;
        }
        let Some(due) = &clock.due else { continue };
        let (unit, start) = if due.capped {
            (due.rule.cap.map_or(due.rule.unit, |c| c.unit), awareness)
        } else {
            (due.rule.unit, due.anchor_at)
        };
        let kinds = match unit {
            Unit::Hours => &policy.hours,
            Unit::Days | Unit::Months => &policy.days,
        };
        // Each kind's instant, in time order.
        let mut timed: Vec<(Timestamp, ReminderKind)> = kinds
            .iter()
            .filter_map(|k| instant(*k, profile, start, due.at).map(|t| (t, *k)))
            .collect();
        timed.sort();
        timed.dedup_by_key(|(_, k)| *k);
        let was_sent = |k: ReminderKind| sent.contains(&(clock.stage.clone(), k));
        // The latest kind already sent: nothing at or before it is due again.
        let after = timed.iter().rposition(|(_, k)| was_sent(*k));
        let from = after.map_or(0, |i| i + 1);
        let is_due = |(t, k): &(Timestamp, ReminderKind)| match k {
            ReminderKind::Overdue => now > *t,
            _ => now >= *t,
        };
        if let Some((t, k)) = timed[from..].iter().rev().find(|x| is_due(x)) {
            out.push(DueReminder {
                stage: clock.stage.clone(),
                kind: *k,
                at: *t,
                deadline: due.at,
            });
        }
    }
    out.sort_by(|a, b| (a.at, &a.stage).cmp(&(b.at, &b.stage)));
    out
}

/// The instant of one kind for a period from `start` (if known) to
/// `deadline`; `None` when it does not apply.
fn instant(
    kind: ReminderKind,
    profile: &Profile,
    start: Option<Timestamp>,
    deadline: Timestamp,
) -> Option<Timestamp> {
    let t = match kind {
        ReminderKind::Overdue => return Some(deadline),
        ReminderKind::Elapsed { percent } => {
            if !(1..=99).contains(&percent) {
                return None;
            }
            let start = start?;
            let whole = deadline.duration_since(start).as_nanos();
            let part = whole.checked_mul(i128::from(percent))? / 100;
            let part = i64::try_from(part).ok()?;
            start.checked_add(SignedDuration::from_nanos(part)).ok()?
        }
        ReminderKind::HoursBefore { hours } => deadline
            .checked_sub(SignedDuration::from_hours(i64::from(hours)))
            .ok()?,
        ReminderKind::DaysBefore { days } => deadline
            .to_zoned_datetime(profile.tz().clone())
            .checked_sub(Span::new().try_days(i64::from(days)).ok()?)
            .ok()?
            .timestamp(),
    };
    // An instant at or before the period's start would fire the moment the
    // clock starts: no reminder of anything.
    match start {
        Some(s) if t <= s => None,
        _ => Some(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back() {
        for k in [
            ReminderKind::Elapsed { percent: 50 },
            ReminderKind::Elapsed { percent: 1 },
            ReminderKind::HoursBefore { hours: 1 },
            ReminderKind::HoursBefore { hours: 36 },
            ReminderKind::DaysBefore { days: 1 },
            ReminderKind::Overdue,
        ] {
            assert_eq!(ReminderKind::parse(&k.id()), Some(k), "{k}");
        }
        for bad in [
            "",
            "elapsed-0",
            "elapsed-100",
            "elapsed-x",
            "before-0h",
            "before-h",
            "before-1",
            "before-+1d",
            "before--1d",
            "Overdue",
            "before-1w",
        ] {
            assert_eq!(ReminderKind::parse(bad), None, "{bad}");
        }
        assert_eq!(
            serde_json::to_value(ReminderKind::HoursBefore { hours: 1 }).ok(),
            Some(serde_json::json!("before-1h"))
        );
    }

    #[test]
    fn a_policy_reads_from_ids() {
        assert_eq!(
            ReminderPolicy::from_ids(
                &["elapsed-50", "before-1h", "overdue"],
                &["before-1d", "overdue"]
            ),
            Ok(ReminderPolicy::default())
        );
        assert_eq!(
            ReminderPolicy::from_ids(&["before-1h"], &["soon"]),
            Err("\"soon\"".to_owned())
        );
    }
}
