//! Each stage's clock for one case under one profile: when it is due, and
//! whether, at a given instant, it is waiting, due, due soon, overdue, met
//! or met late.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::calendar::{self, PeriodEnd};
use crate::profile::{Anchor, DeadlineRule, Period, Profile, Stage, Unit};

/// What the clocks of a case depend on, common to every regime.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFacts {
    /// When the organisation became aware of the incident; `None` before
    /// anyone has said so (no clock runs yet).
    pub awareness: Option<Timestamp>,
    /// Named events and when they happened (`classified-major`, …).
    pub events: BTreeMap<String, Timestamp>,
    /// Conditions that hold for the case (`wrongful-purpose`, …).
    pub conditions: BTreeSet<String>,
}

/// How close a deadline must be to count as "due soon".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockPolicy {
    /// For deadlines counted in hours.
    pub due_soon_hours: SignedDuration,
    /// For deadlines counted in days or months.
    pub due_soon_days: SignedDuration,
}

impl Default for ClockPolicy {
    /// An hour's notice for the hour clocks (a 4 h clock would otherwise be
    /// "due soon" from its start), a day's for the others.
    fn default() -> ClockPolicy {
        ClockPolicy {
            due_soon_hours: SignedDuration::from_hours(1),
            due_soon_days: SignedDuration::from_hours(24),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockStatus {
    /// The stage does not apply to this case (its condition does not hold).
    NotApplicable,
    /// The stage has no fixed deadline (on request, without delay).
    NoDeadline,
    /// What the deadline runs from has not happened yet.
    NotStarted,
    Due,
    DueSoon,
    Overdue,
    /// Submitted on time.
    Met,
    /// Submitted after the deadline.
    MetLate,
}

/// A stage's computed deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The last instant that is in time.
    pub at: Timestamp,
    /// For day and month periods, the last day in the regime's zone.
    pub last_day: Option<Date>,
    /// The day the period would have ended on but for a closed day.
    pub moved_from: Option<Date>,
    /// The rule used (the stage's own, or a variant's).
    pub rule: DeadlineRule,
    /// The instant the rule ran from; `None` when only the cap applies.
    pub anchor_at: Option<Timestamp>,
    /// The "at most … after awareness" cap decided the deadline.
    pub capped: bool,
}

/// One stage's clock at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub stage: String,
    pub status: ClockStatus,
    pub due: Option<Due>,
    pub submitted: Option<Timestamp>,
    /// For `not-started`: what is being waited for.
    pub waiting_for: Option<Anchor>,
}

/// A clock could not be computed (a date outside the calendar's range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{profile}: stage {stage}: {code}: {detail}")]
pub struct ClockError {
    /// `date-out-of-range`.
    pub code: &'static str,
    pub profile: String,
    pub stage: String,
    pub detail: String,
}

pub const DATE_OUT_OF_RANGE: &str = "date-out-of-range";

/// The rule that applies to `stage` for this case: the first variant whose
/// condition holds, else the stage's own.
pub fn applicable_rule<'a>(stage: &'a Stage, facts: &CaseFacts) -> Option<&'a DeadlineRule> {
    stage
        .variants
        .iter()
        .find(|v| facts.conditions.contains(&v.when))
        .map(|v| &v.deadline)
        .or(stage.deadline.as_ref())
}

/// Every stage's clock under `profile` at `now`. `submitted` holds each
/// stage's first submission (later amendments do not move a clock).
pub fn clocks(
    profile: &Profile,
    facts: &CaseFacts,
    submitted: &BTreeMap<String, Timestamp>,
    now: Timestamp,
    policy: &ClockPolicy,
) -> Result<Vec<Clock>, ClockError> {
    profile
        .stages
        .iter()
        .map(|stage| clock(profile, stage, facts, submitted, now, policy))
        .collect()
}

fn clock(
    profile: &Profile,
    stage: &Stage,
    facts: &CaseFacts,
    submitted: &BTreeMap<String, Timestamp>,
    now: Timestamp,
    policy: &ClockPolicy,
) -> Result<Clock, ClockError> {
    let sent = submitted.get(&stage.id).copied();
    let mut clock = Clock {
        stage: stage.id.clone(),
        status: ClockStatus::NoDeadline,
        due: None,
        submitted: sent,
        waiting_for: None,
    };
    if let Some(c) = &stage.applies_when
        && !facts.conditions.contains(c)
    {
        clock.status = if sent.is_some() {
            ClockStatus::Met
        } else {
            ClockStatus::NotApplicable
        };
        return Ok(clock);
    }
    let Some(rule) = applicable_rule(stage, facts) else {
        if sent.is_some() {
            clock.status = ClockStatus::Met;
        }
        return Ok(clock);
    };
    // An instant in the future has not happened yet: a clock does not run
    // from it (an event entered ahead of time, a clock skew).
    let happened = |t: Option<Timestamp>| t.filter(|t| *t <= now);
    let anchor_at = happened(match &rule.from {
        Anchor::Awareness => facts.awareness,
        Anchor::Stage(id) => submitted.get(id).copied(),
        Anchor::Event(id) => facts.events.get(id).copied(),
    });
    let end = |from: Timestamp, period: Period| {
        calendar::period_end(from, period, profile.tz(), &profile.calendar).map_err(|e| {
            ClockError {
                code: DATE_OUT_OF_RANGE,
                profile: profile.id.clone(),
                stage: stage.id.clone(),
                detail: e.to_string(),
            }
        })
    };
    let main = anchor_at
        .map(|a| {
            end(
                a,
                Period {
                    amount: rule.amount,
                    unit: rule.unit,
                },
            )
        })
        .transpose()?;
    let cap = match (rule.cap, happened(facts.awareness)) {
        (Some(period), Some(aware)) => Some(end(aware, period)?),
        _ => None,
    };
    let (chosen, capped): (PeriodEnd, bool) = match (main, cap) {
        (Some(m), Some(c)) if c.at < m.at => (c, true),
        (Some(m), _) => (m, false),
        (None, Some(c)) => (c, true),
        (None, None) => {
            clock.status = if sent.is_some() {
                ClockStatus::Met
            } else {
                ClockStatus::NotStarted
            };
            clock.waiting_for = Some(rule.from.clone());
            return Ok(clock);
        }
    };
    if anchor_at.is_none() {
        clock.waiting_for = Some(rule.from.clone());
    }
    let threshold = match if capped {
        rule.cap.map_or(rule.unit, |c| c.unit)
    } else {
        rule.unit
    } {
        Unit::Hours => policy.due_soon_hours,
        Unit::Days | Unit::Months => policy.due_soon_days,
    };
    clock.status = match sent {
        Some(t) if t <= chosen.at => ClockStatus::Met,
        Some(_) => ClockStatus::MetLate,
        None if now > chosen.at => ClockStatus::Overdue,
        None if chosen.at.duration_since(now) <= threshold => ClockStatus::DueSoon,
        None => ClockStatus::Due,
    };
    clock.due = Some(Due {
        at: chosen.at,
        last_day: chosen.last_day,
        moved_from: chosen.moved_from,
        rule: rule.clone(),
        anchor_at,
        capped,
    });
    Ok(clock)
}
