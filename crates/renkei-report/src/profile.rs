//! A reporting regime as data: its stages and their deadline rules, its
//! forms and their fields, its recipients; built only by [`crate::parse_profile`],
//! so every `Profile` in hand has passed validation.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::common::CommonField;

/// A word shown to people, in both portal languages (Japanese first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Labels {
    pub ja: String,
    pub en: String,
}

/// Something a profile names and people read: an event, a condition, a
/// recipient, a choice option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub id: String,
    pub name: Labels,
}

/// One regime (NIS2, DORA, the Japanese Act, …) as its profile file says.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub id: String,
    /// The profile's own version (bumped when its rules change), stored
    /// with every report so a clock can be recomputed as it was.
    pub version: String,
    pub name: Labels,
    /// IANA name; day and month periods are counted in this zone.
    pub time_zone: String,
    #[serde(skip)]
    pub(crate) tz: TimeZone,
    pub calendar: Calendar,
    /// Named events a deadline can run from (`classified-major`, …).
    pub events: Vec<Named>,
    /// Facts of a case that change which stages apply or their deadlines
    /// (`wrongful-purpose`, `vulnerability`, …).
    pub conditions: Vec<Named>,
    pub recipients: Vec<Named>,
    pub stages: Vec<Stage>,
    pub forms: Vec<Form>,
    /// Filings outside an incident's clocks (the Japanese critical-computer
    /// notice); changes are filed as new versions.
    pub notices: Vec<Notice>,
}

impl Profile {
    /// The regime's time zone, resolved from the bundled tz database.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    pub fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.id == id)
    }

    pub fn event(&self, id: &str) -> Option<&Named> {
        self.events.iter().find(|e| e.id == id)
    }
}

/// How day and month periods are counted (hour periods are always elapsed
/// time from the instant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Calendar {
    pub rule: CalendarRule,
    pub first_day: FirstDay,
    /// Extra closed days (public holidays the regime's authority keeps),
    /// on top of those the rule knows.
    pub closed_days: Vec<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CalendarRule {
    /// Regulation (EEC, Euratom) No 1182/71 Art. 3: the event's day is not
    /// counted, a period ends at the end of its last day, a month period on
    /// the same date (or the month's last day), and a last day on a
    /// Saturday, Sunday or listed public holiday moves to the next working day.
    Eu1182_71,
    /// Japanese Civil Code Arts. 140–143: the first day is not counted
    /// unless the period starts at midnight; months by the calendar; no
    /// move for closed days.
    JpCivil,
    /// The Civil Code count, and a period ending on a closed day of the
    /// administrative organs (Saturdays, Sundays, national holidays,
    /// 29 December–3 January; Act No. 91 of 1988, Art. 2) ends on the next
    /// open day.
    JpAdministrative,
    /// Calendar days, the event's day not counted, no move for closed
    /// days (for regimes whose periods are all in hours, or say no more).
    Plain,
}

/// Whether the day of the event is the period's first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirstDay {
    /// Not counted (the rule of 1182/71 and Civil Code Art. 140).
    Excluded,
    /// Counted as day 1, where a regulator's guidance says so.
    Counted,
}

/// One step of a regime's reporting (early warning, notification, final…).
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub id: String,
    pub name: Labels,
    /// A line shown beside the stage ("on the authority's request").
    pub note: Option<Labels>,
    /// The forms this stage is filed on (one is chosen per report).
    pub forms: Vec<String>,
    /// The stage exists only when this condition holds for the case.
    pub applies_when: Option<String>,
    /// `None`: no fixed deadline (on request, without delay).
    pub deadline: Option<DeadlineRule>,
    /// Deadlines that replace `deadline` when their condition holds; the
    /// first that holds wins.
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub when: String,
    pub deadline: DeadlineRule,
}

/// A stage's deadline: `amount` `unit` after `from`, perhaps capped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineRule {
    pub from: Anchor,
    pub amount: u32,
    pub unit: Unit,
    /// The value is a default, not yet fixed by law (the Japanese ordinance).
    pub provisional: bool,
    /// Bounds an administrator's override must stay within (APPI's 3–5 days).
    pub range: Option<(u32, u32)>,
    /// "At most this long after awareness", whichever comes first (DORA).
    pub cap: Option<Period>,
    /// Set by an administrator's override, not by the profile file.
    pub overridden: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub amount: u32,
    pub unit: Unit,
}

/// What a deadline runs from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Anchor {
    /// When the organisation became aware of the incident.
    Awareness,
    /// The submission of another stage of the same profile.
    Stage(String),
    /// A named event of the case (`corrective-measure-available`).
    Event(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Hours,
    Days,
    Months,
}

/// A form: the fields one submission carries.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub id: String,
    pub name: Labels,
    pub fields: Vec<Field>,
}

impl Form {
    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub id: String,
    pub label: Labels,
    pub help: Option<Labels>,
    pub kind: FieldKind,
    pub required: bool,
    /// The incident's common field this one is pre-filled from.
    pub common: Option<CommonField>,
}

/// A field's type and its bounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum FieldKind {
    /// One line, at most `max_length` characters.
    Text {
        max_length: u32,
    },
    /// Several paragraphs.
    LongText {
        max_length: u32,
    },
    /// An RFC 3339 instant with its offset.
    DateTime,
    /// One of the options, by id.
    Choice {
        options: Vec<Named>,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        integer: bool,
    },
    Bool,
    /// Several lines of text (indicators, affected systems).
    List {
        max_items: u32,
        max_length: u32,
    },
}

/// A filing outside the incident clocks, on one form.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: String,
    pub name: Labels,
    pub form: String,
    /// When it is due, as the law words it ("without delay").
    pub timing: Labels,
}
