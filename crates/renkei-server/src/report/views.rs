//! What the report-profile endpoints answer: the profiles' deadline rules
//! as data, and each regime's clocks with due instants in UTC and in the
//! regime's own time.

use renkei_report::{Anchor, DeadlineRule, Labels, Period, Profile, Stage, Unit};
use serde::Serialize;
use utoipa::ToSchema;

/// A word in both portal languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelsView {
    pub ja: String,
    pub en: String,
}

impl From<&Labels> for LabelsView {
    fn from(l: &Labels) -> Self {
        Self {
            ja: l.ja.clone(),
            en: l.en.clone(),
        }
    }
}

/// What a deadline runs from.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnchorView {
    /// `awareness`, `stage` (another stage's submission) or `event`.
    pub kind: &'static str,
    /// The stage or event id; absent for `awareness`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A length of time: `amount` `unit` (`hours`, `days` or `months`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    pub amount: u32,
    pub unit: &'static str,
}

/// A stage's deadline rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    pub anchor: AnchorView,
    pub amount: u32,
    /// `hours` (elapsed time), `days` or `months` (counted in the regime's
    /// zone under its calendar rule).
    pub unit: &'static str,
    /// A default the law has not fixed yet.
    pub provisional: bool,
    /// "At most this long after awareness", whichever comes first.
    pub cap: Option<PeriodView>,
    /// The bounds an administrator's override must keep, in `unit`.
    pub range: Option<[u32; 2]>,
    /// Set by the administrator's override table.
    pub overridden: bool,
}

/// A deadline that replaces the stage's own when a condition holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantView {
    pub when: String,
    pub deadline: RuleView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    pub id: String,
    pub name: LabelsView,
    pub note: Option<LabelsView>,
    pub forms: Vec<String>,
    /// The stage exists only when this condition holds.
    pub applies_when: Option<String>,
    /// Absent: no fixed deadline (on request, without delay).
    pub deadline: Option<RuleView>,
    pub variants: Vec<VariantView>,
}

/// A regime as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileSummary {
    pub id: String,
    pub version: String,
    pub name: LabelsView,
    /// IANA name of the zone day and month periods are counted in.
    pub time_zone: String,
    pub stages: Vec<StageView>,
    /// Some deadline was changed by the administrator's override table.
    pub overridden: bool,
}

/// A regime with its forms, events, conditions, recipients and notices,
/// as the profile file gives them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileDetail {
    #[serde(flatten)]
    pub summary: ProfileSummary,
    #[schema(value_type = Object)]
    pub calendar: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub events: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub conditions: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub recipients: serde_json::Value,
    /// Each form's fields with their types, bounds and required-ness.
    #[schema(value_type = Vec<Object>)]
    pub forms: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub notices: serde_json::Value,
}

pub(crate) fn unit(u: Unit) -> &'static str {
    match u {
        Unit::Hours => "hours",
        Unit::Days => "days",
        Unit::Months => "months",
    }
}

fn anchor(a: &Anchor) -> AnchorView {
    match a {
        Anchor::Awareness => AnchorView {
            kind: "awareness",
            id: None,
        },
        Anchor::Stage(id) => AnchorView {
            kind: "stage",
            id: Some(id.clone()),
        },
        Anchor::Event(id) => AnchorView {
            kind: "event",
            id: Some(id.clone()),
        },
    }
}

fn period(p: Period) -> PeriodView {
    PeriodView {
        amount: p.amount,
        unit: unit(p.unit),
    }
}

pub(crate) fn rule(r: &DeadlineRule) -> RuleView {
    RuleView {
        anchor: anchor(&r.from),
        amount: r.amount,
        unit: unit(r.unit),
        provisional: r.provisional,
        cap: r.cap.map(period),
        range: r.range.map(|(lo, hi)| [lo, hi]),
        overridden: r.overridden,
    }
}

fn stage(s: &Stage) -> StageView {
    StageView {
        id: s.id.clone(),
        name: (&s.name).into(),
        note: s.note.as_ref().map(Into::into),
        forms: s.forms.clone(),
        applies_when: s.applies_when.clone(),
        deadline: s.deadline.as_ref().map(rule),
        variants: s
            .variants
            .iter()
            .map(|v| VariantView {
                when: v.when.clone(),
                deadline: rule(&v.deadline),
            })
            .collect(),
    }
}

/// Whether the administrator's table changed any of the profile's rules.
pub(crate) fn overridden(p: &Profile) -> bool {
    p.stages.iter().any(|s| {
        s.deadline.as_ref().is_some_and(|d| d.overridden)
            || s.variants.iter().any(|v| v.deadline.overridden)
    })
}

pub(crate) fn summary(p: &Profile) -> ProfileSummary {
    ProfileSummary {
        id: p.id.clone(),
        version: p.version.clone(),
        name: (&p.name).into(),
        time_zone: p.time_zone.clone(),
        stages: p.stages.iter().map(stage).collect(),
        overridden: overridden(p),
    }
}

pub(crate) fn detail(p: &Profile) -> ProfileDetail {
    let v = |x: serde_json::Result<serde_json::Value>| x.unwrap_or(serde_json::Value::Null);
    ProfileDetail {
        summary: summary(p),
        calendar: v(serde_json::to_value(&p.calendar)),
        events: v(serde_json::to_value(&p.events)),
        conditions: v(serde_json::to_value(&p.conditions)),
        recipients: v(serde_json::to_value(&p.recipients)),
        forms: v(serde_json::to_value(&p.forms)),
        notices: v(serde_json::to_value(&p.notices)),
    }
}

/// One stage's clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    pub stage: String,
    /// `not-applicable`, `no-deadline`, `not-started`, `due`, `due-soon`,
    /// `overdue`, `met` or `met-late`.
    pub status: String,
    /// The last instant in time, RFC 3339 in UTC.
    pub due: Option<String>,
    /// The same instant in the regime's zone, RFC 3339 with its offset.
    pub due_local: Option<String>,
    /// For day and month periods, the last day in the regime's zone.
    pub last_day: Option<String>,
    /// The "at most … after awareness" cap decided the deadline.
    pub capped: bool,
    pub submitted: Option<String>,
    /// For `not-started` (or a cap running alone): what is awaited.
    pub waiting_for: Option<AnchorView>,
}

/// One regime's clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegimeClocks {
    pub profile: String,
    pub version: String,
    pub time_zone: String,
    pub clocks: Vec<ClockView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClocksView {
    /// The instant the clocks were computed at.
    pub now: String,
    pub regimes: Vec<RegimeClocks>,
}

pub(crate) fn clock(p: &Profile, c: &renkei_report::Clock) -> ClockView {
    let status = serde_json::to_value(c.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    ClockView {
        stage: c.stage.clone(),
        status,
        due: c.due.as_ref().map(|d| d.at.to_string()),
        due_local: c.due.as_ref().map(|d| {
            d.at.to_zoned_datetime(p.tz().clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        }),
        last_day: c
            .due
            .as_ref()
            .and_then(|d| d.last_day.map(|x| x.to_string())),
        capped: c.due.as_ref().is_some_and(|d| d.capped),
        submitted: c.submitted.map(|t| t.to_string()),
        waiting_for: c.waiting_for.as_ref().map(anchor),
    }
}
