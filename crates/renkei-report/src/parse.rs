//! Reading a profile from TOML text and validating it: every problem is
//! reported with its path, nothing panics, and a `Profile` exists only once
//! the whole file is sound.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::common::CommonField;
use crate::error::{Errors, ProfileError, codes, from_table, read_toml};
use crate::profile::{
    Anchor, Calendar, CalendarRule, DeadlineRule, Field, FieldKind, FirstDay, Form, Labels, Named,
    Notice, Period, Profile, Stage, Unit, Variant,
};

/// A profile file larger than this is refused unread: real ones are a few
/// KiB, and the limit bounds what an override can make the server hold.
pub const MAX_PROFILE_BYTES: usize = 256 * 1024;

const DEFAULT_TEXT_LENGTH: u32 = 1_000;
const DEFAULT_LONG_TEXT_LENGTH: u32 = 20_000;
const DEFAULT_LIST_ITEMS: u32 = 200;

/// The largest amount per unit: a year, whatever the unit, so that no
/// deadline arithmetic can leave the calendar's range.
pub(crate) fn max_amount(unit: Unit) -> u32 {
    match unit {
        Unit::Hours => 8_784,
        Unit::Days => 366,
        Unit::Months => 12,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawProfile {
    id: String,
    version: String,
    name: RawLabels,
    time_zone: String,
    calendar: RawCalendar,
    #[serde(default)]
    events: Vec<RawNamed>,
    #[serde(default)]
    conditions: Vec<RawNamed>,
    #[serde(default)]
    recipients: Vec<RawNamed>,
    #[serde(default)]
    stages: Vec<RawStage>,
    #[serde(default)]
    forms: Vec<RawForm>,
    #[serde(default)]
    notices: Vec<RawNotice>,
}

// Labels are optional here so that a missing language is reported as
// `missing-label` at `…name.en`, like an empty one.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLabels {
    ja: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNamed {
    id: String,
    #[serde(default)]
    name: RawLabels,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawCalendar {
    rule: RawRule,
    first_day: Option<RawFirstDay>,
    #[serde(default)]
    // TOML dates (`2026-12-25`) or strings; read as values because a
    // datetime reaches us as its text through the path-tracking layer.
    closed_days: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawRule {
    #[serde(rename = "eu-1182-71")]
    Eu1182_71,
    JpCivil,
    JpAdministrative,
    Plain,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawFirstDay {
    Excluded,
    Counted,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawStage {
    id: String,
    #[serde(default)]
    name: RawLabels,
    note: Option<RawLabels>,
    #[serde(default)]
    forms: Vec<String>,
    applies_when: Option<String>,
    deadline: Option<RawDeadline>,
    #[serde(default)]
    variants: Vec<RawVariant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawVariant {
    when: String,
    deadline: RawDeadline,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawDeadline {
    from: String,
    amount: i64,
    unit: RawUnit,
    #[serde(default)]
    provisional: bool,
    range: Option<Vec<i64>>,
    at_most_after_awareness: Option<RawPeriod>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawPeriod {
    amount: i64,
    unit: RawUnit,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawUnit {
    Hours,
    Days,
    Months,
}

impl From<RawUnit> for Unit {
    fn from(u: RawUnit) -> Unit {
        match u {
            RawUnit::Hours => Unit::Hours,
            RawUnit::Days => Unit::Days,
            RawUnit::Months => Unit::Months,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawForm {
    id: String,
    #[serde(default)]
    name: RawLabels,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawField {
    id: String,
    #[serde(default)]
    label: RawLabels,
    help: Option<RawLabels>,
    #[serde(rename = "type")]
    kind: RawFieldType,
    #[serde(default)]
    required: bool,
    common: Option<String>,
    options: Option<Vec<RawNamed>>,
    max_length: Option<i64>,
    max_items: Option<i64>,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    integer: bool,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum RawFieldType {
    Text,
    LongText,
    DateTime,
    Choice,
    Number,
    Bool,
    List,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    id: String,
    #[serde(default)]
    name: RawLabels,
    form: String,
    #[serde(default)]
    timing: RawLabels,
}

/// Reads one profile from its text. `file` names where the text came from
/// (shown in every error); all problems found are returned together.
pub fn parse_profile(file: &str, text: &str) -> Result<Profile, Vec<ProfileError>> {
    let table = read_toml(file, text, MAX_PROFILE_BYTES)?;
    let id = table.get("id").and_then(|v| v.as_str()).map(str::to_owned);
    let mut errors = Errors::new(file, id.as_deref());
    let Some(raw) = from_table::<RawProfile>(&mut errors, table) else {
        return Err(errors.list);
    };
    let profile = build(&mut errors, raw);
    errors
        .into_result(())
        .and_then(|()| profile.ok_or_else(Vec::new))
}

/// A lower-case identifier: letters, digits and hyphens, starting with a
/// letter, at most 64 characters (ids end up in URLs and Fluent keys).
fn check_id(errors: &mut Errors, path: &str, id: &str) {
    let ok = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        errors.push(
            codes::INVALID_ID,
            path,
            format!("{id:?}: lower-case letters, digits and hyphens"),
        );
    }
}

fn labels(errors: &mut Errors, path: &str, raw: RawLabels) -> Labels {
    let mut one = |lang: &str, v: Option<String>| match v {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            errors.push(
                codes::MISSING_LABEL,
                format!("{path}.{lang}"),
                "a non-empty label is required",
            );
            String::new()
        }
    };
    let ja = one("ja", raw.ja);
    let en = one("en", raw.en);
    Labels { ja, en }
}

/// Named items with ids checked and duplicates reported.
fn named_list(errors: &mut Errors, path: &str, raw: Vec<RawNamed>) -> Vec<Named> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, n) in raw.into_iter().enumerate() {
        let p = format!("{path}[{i}]");
        check_id(errors, &format!("{p}.id"), &n.id);
        if !seen.insert(n.id.clone()) {
            errors.push(
                codes::DUPLICATE_ID,
                format!("{p}.id"),
                format!("{:?} appears twice", n.id),
            );
        }
        let name = labels(errors, &format!("{p}.name"), n.name);
        out.push(Named { id: n.id, name });
    }
    out
}

fn unique(errors: &mut Errors, seen: &mut BTreeSet<String>, path: String, id: &str) {
    check_id(errors, &path, id);
    if !seen.insert(id.to_owned()) {
        errors.push(codes::DUPLICATE_ID, path, format!("{id:?} appears twice"));
    }
}

fn build(errors: &mut Errors, raw: RawProfile) -> Option<Profile> {
    check_id(errors, "id", &raw.id);
    if raw.version.trim().is_empty() || raw.version.len() > 64 {
        errors.push(
            codes::INVALID_VALUE,
            "version",
            "a version of 1 to 64 characters",
        );
    }
    let name = labels(errors, "name", raw.name);
    let tz = match TimeZone::get(&raw.time_zone) {
        Ok(tz) => Some(tz),
        Err(e) => {
            errors.push(
                codes::INVALID_TIME_ZONE,
                "time-zone",
                format!("{:?}: {e}", raw.time_zone),
            );
            None
        }
    };
    let calendar = calendar(errors, raw.calendar);
    let events = named_list(errors, "events", raw.events);
    let conditions = named_list(errors, "conditions", raw.conditions);
    let recipients = named_list(errors, "recipients", raw.recipients);
    let forms = forms(errors, raw.forms);
    let form_ids: BTreeSet<&str> = forms.iter().map(|f| f.id.as_str()).collect();
    let stage_ids: BTreeSet<String> = raw.stages.iter().map(|s| s.id.clone()).collect();
    let known = Known {
        stages: &stage_ids,
        events: events.iter().map(|e| e.id.as_str()).collect(),
        conditions: conditions.iter().map(|c| c.id.as_str()).collect(),
        forms: &form_ids,
    };
    let mut seen = BTreeSet::new();
    let mut stages = Vec::with_capacity(raw.stages.len());
    for (i, s) in raw.stages.into_iter().enumerate() {
        let p = format!("stages[{i}]");
        unique(errors, &mut seen, format!("{p}.id"), &s.id);
        stages.push(stage(errors, &known, &p, s));
    }
    // With a duplicate id a reference is ambiguous; that error is enough.
    if seen.len() == stages.len() {
        check_cycles(errors, &stages);
    }
    let mut seen = BTreeSet::new();
    let mut notices = Vec::with_capacity(raw.notices.len());
    for (i, n) in raw.notices.into_iter().enumerate() {
        let p = format!("notices[{i}]");
        unique(errors, &mut seen, format!("{p}.id"), &n.id);
        if !form_ids.contains(n.form.as_str()) {
            errors.push(
                codes::UNKNOWN_FORM,
                format!("{p}.form"),
                format!("no form {:?}", n.form),
            );
        }
        notices.push(Notice {
            name: labels(errors, &format!("{p}.name"), n.name),
            timing: labels(errors, &format!("{p}.timing"), n.timing),
            id: n.id,
            form: n.form,
        });
    }
    Some(Profile {
        id: raw.id,
        version: raw.version,
        name,
        time_zone: raw.time_zone,
        tz: tz?,
        calendar,
        events,
        conditions,
        recipients,
        stages,
        forms,
        notices,
    })
}

fn calendar(errors: &mut Errors, raw: RawCalendar) -> Calendar {
    let rule = match raw.rule {
        RawRule::Eu1182_71 => CalendarRule::Eu1182_71,
        RawRule::JpCivil => CalendarRule::JpCivil,
        RawRule::JpAdministrative => CalendarRule::JpAdministrative,
        RawRule::Plain => CalendarRule::Plain,
    };
    let first_day = match raw.first_day {
        None | Some(RawFirstDay::Excluded) => FirstDay::Excluded,
        Some(RawFirstDay::Counted) => FirstDay::Counted,
    };
    let mut closed_days = Vec::with_capacity(raw.closed_days.len());
    for (i, d) in raw.closed_days.iter().enumerate() {
        // A local date only: a closed day is a calendar day, not an instant.
        let text = match d {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => other.to_string(),
        };
        let date = (text.len() == 10)
            .then(|| text.parse::<Date>().ok())
            .flatten();
        match date {
            Some(date) => closed_days.push(date),
            None => errors.push(
                codes::INVALID_DATE,
                format!("calendar.closed-days[{i}]"),
                format!("{d}: a date such as 2026-12-25"),
            ),
        }
    }
    closed_days.sort();
    closed_days.dedup();
    Calendar {
        rule,
        first_day,
        closed_days,
    }
}

struct Known<'a> {
    stages: &'a BTreeSet<String>,
    events: BTreeSet<&'a str>,
    conditions: BTreeSet<&'a str>,
    forms: &'a BTreeSet<&'a str>,
}

fn stage(errors: &mut Errors, known: &Known<'_>, p: &str, s: RawStage) -> Stage {
    let name = labels(errors, &format!("{p}.name"), s.name);
    let note = s.note.map(|n| labels(errors, &format!("{p}.note"), n));
    if s.forms.is_empty() {
        errors.push(
            codes::NO_FORMS,
            format!("{p}.forms"),
            "a stage is filed on at least one form",
        );
    }
    for (j, f) in s.forms.iter().enumerate() {
        if !known.forms.contains(f.as_str()) {
            errors.push(
                codes::UNKNOWN_FORM,
                format!("{p}.forms[{j}]"),
                format!("no form {f:?}"),
            );
        }
    }
    let condition = |errors: &mut Errors, path: String, c: &str| {
        if !known.conditions.contains(c) {
            errors.push(
                codes::UNKNOWN_CONDITION,
                path,
                format!("no condition {c:?}"),
            );
        }
    };
    if let Some(c) = &s.applies_when {
        condition(errors, format!("{p}.applies-when"), c);
    }
    let own = s
        .deadline
        .map(|d| deadline(errors, known, &format!("{p}.deadline"), d));
    let mut variants = Vec::with_capacity(s.variants.len());
    for (j, v) in s.variants.into_iter().enumerate() {
        let vp = format!("{p}.variants[{j}]");
        condition(errors, format!("{vp}.when"), &v.when);
        let deadline = deadline(errors, known, &format!("{vp}.deadline"), v.deadline);
        variants.push(Variant {
            when: v.when,
            deadline,
        });
    }
    Stage {
        id: s.id,
        name,
        note,
        forms: s.forms,
        applies_when: s.applies_when,
        deadline: own,
        variants,
    }
}

fn amount(errors: &mut Errors, path: String, amount: i64, unit: Unit) -> u32 {
    let max = max_amount(unit);
    match u32::try_from(amount) {
        Ok(a) if (1..=max).contains(&a) => a,
        _ => {
            errors.push(
                codes::INVALID_AMOUNT,
                path,
                format!("{amount}: from 1 to {max} {unit:?}"),
            );
            1
        }
    }
}

fn deadline(errors: &mut Errors, known: &Known<'_>, p: &str, d: RawDeadline) -> DeadlineRule {
    let from = match d.from.as_str() {
        "awareness" => Anchor::Awareness,
        s => match s.split_once(':') {
            Some(("stage", id)) => {
                if !known.stages.contains(id) {
                    errors.push(
                        codes::UNKNOWN_STAGE,
                        format!("{p}.from"),
                        format!("no stage {id:?}"),
                    );
                }
                Anchor::Stage(id.to_owned())
            }
            Some(("event", id)) => {
                if !known.events.contains(id) {
                    errors.push(
                        codes::UNKNOWN_EVENT,
                        format!("{p}.from"),
                        format!("no event {id:?}"),
                    );
                }
                Anchor::Event(id.to_owned())
            }
            _ => {
                errors.push(
                    codes::INVALID_ANCHOR,
                    format!("{p}.from"),
                    format!("{s:?}: \"awareness\", \"stage:<id>\" or \"event:<id>\""),
                );
                Anchor::Awareness
            }
        },
    };
    let unit = Unit::from(d.unit);
    let value = amount(errors, format!("{p}.amount"), d.amount, unit);
    let range = d.range.and_then(|r| match r.as_slice() {
        [lo, hi] if 1 <= *lo && lo <= hi && *hi <= i64::from(max_amount(unit)) => {
            let (lo, hi) = (u32::try_from(*lo).ok()?, u32::try_from(*hi).ok()?);
            if !(lo..=hi).contains(&value) {
                errors.push(
                    codes::INVALID_RANGE,
                    format!("{p}.range"),
                    format!("amount {value} outside [{lo}, {hi}]"),
                );
            }
            Some((lo, hi))
        }
        _ => {
            errors.push(
                codes::INVALID_RANGE,
                format!("{p}.range"),
                "two amounts [low, high], low ≤ high",
            );
            None
        }
    });
    let cap = d.at_most_after_awareness.map(|c| {
        let unit = Unit::from(c.unit);
        let amount = amount(
            errors,
            format!("{p}.at-most-after-awareness.amount"),
            c.amount,
            unit,
        );
        Period { amount, unit }
    });
    DeadlineRule {
        from,
        amount: value,
        unit,
        provisional: d.provisional,
        range,
        cap,
        overridden: false,
    }
}

/// Stage chaining must end at awareness or an event: a stage that waits,
/// through others, for itself would never start. Iterative, so that a
/// long chain in a hostile file cannot exhaust the stack.
fn check_cycles(errors: &mut Errors, stages: &[Stage]) {
    let index: BTreeMap<&str, usize> = stages
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = stages
        .iter()
        .map(|s| {
            s.deadline
                .iter()
                .chain(s.variants.iter().map(|v| &v.deadline))
                .filter_map(|d| match &d.from {
                    Anchor::Stage(id) => index.get(id.as_str()).copied(),
                    _ => None,
                })
                .collect()
        })
        .collect();
    // 0 unvisited, 1 on the current path, 2 done.
    let mut state = vec![0u8; stages.len()];
    for start in 0..stages.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = edges[node].get(*next) {
                *next += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                        let cycle: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(n, _)| stages[*n].id.as_str())
                            .chain([stages[to].id.as_str()])
                            .collect();
                        errors.push(
                            codes::STAGE_CYCLE,
                            format!("stages[{node}].deadline.from"),
                            cycle.join(" → "),
                        );
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
}

fn forms(errors: &mut Errors, raw: Vec<RawForm>) -> Vec<Form> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, f) in raw.into_iter().enumerate() {
        let p = format!("forms[{i}]");
        unique(errors, &mut seen, format!("{p}.id"), &f.id);
        let name = labels(errors, &format!("{p}.name"), f.name);
        let mut seen_fields = BTreeSet::new();
        let mut fields = Vec::with_capacity(f.fields.len());
        for (j, raw) in f.fields.into_iter().enumerate() {
            let fp = format!("{p}.fields[{j}]");
            unique(errors, &mut seen_fields, format!("{fp}.id"), &raw.id);
            fields.push(field(errors, &fp, raw));
        }
        out.push(Form {
            id: f.id,
            name,
            fields,
        });
    }
    out
}

fn bound(errors: &mut Errors, path: String, v: Option<i64>, default: u32) -> u32 {
    match v {
        None => default,
        Some(n) => match u32::try_from(n) {
            Ok(n) if (1..=1_000_000).contains(&n) => n,
            _ => {
                errors.push(
                    codes::INVALID_VALUE,
                    path,
                    format!("{n}: from 1 to 1000000"),
                );
                default
            }
        },
    }
}

fn field(errors: &mut Errors, p: &str, f: RawField) -> Field {
    let label = labels(errors, &format!("{p}.label"), f.label);
    let help = f.help.map(|h| labels(errors, &format!("{p}.help"), h));
    let has_options = f.options.is_some();
    let max_length = |errors: &mut Errors, default| {
        bound(errors, format!("{p}.max-length"), f.max_length, default)
    };
    let kind = match f.kind {
        RawFieldType::Text => FieldKind::Text {
            max_length: max_length(errors, DEFAULT_TEXT_LENGTH),
        },
        RawFieldType::LongText => FieldKind::LongText {
            max_length: max_length(errors, DEFAULT_LONG_TEXT_LENGTH),
        },
        RawFieldType::DateTime => FieldKind::DateTime,
        RawFieldType::Bool => FieldKind::Bool,
        RawFieldType::List => FieldKind::List {
            max_items: bound(
                errors,
                format!("{p}.max-items"),
                f.max_items,
                DEFAULT_LIST_ITEMS,
            ),
            max_length: max_length(errors, DEFAULT_TEXT_LENGTH),
        },
        RawFieldType::Number => {
            let finite = |x: Option<f64>| x.is_none_or(f64::is_finite);
            if !finite(f.min)
                || !finite(f.max)
                || matches!((f.min, f.max), (Some(lo), Some(hi)) if lo > hi)
            {
                errors.push(
                    codes::INVALID_RANGE,
                    format!("{p}.min"),
                    "finite bounds with min ≤ max",
                );
            }
            FieldKind::Number {
                min: f.min,
                max: f.max,
                integer: f.integer,
            }
        }
        RawFieldType::Choice => {
            let options = named_list(
                errors,
                &format!("{p}.options"),
                f.options.unwrap_or_default(),
            );
            if options.is_empty() {
                errors.push(
                    codes::MISSING_OPTIONS,
                    format!("{p}.options"),
                    "a choice needs options",
                );
            }
            FieldKind::Choice { options }
        }
    };
    if !matches!(f.kind, RawFieldType::Choice) && has_options {
        errors.push(
            codes::UNKNOWN_KEY,
            format!("{p}.options"),
            "options belong to choice fields",
        );
    }
    let common = f.common.and_then(|c| match CommonField::parse(&c) {
        Some(common) => {
            if !common.accepts(&kind) {
                errors.push(
                    codes::COMMON_TYPE_MISMATCH,
                    format!("{p}.common"),
                    format!("{c:?} cannot fill a field of this type"),
                );
            }
            Some(common)
        }
        None => {
            errors.push(
                codes::UNKNOWN_COMMON_FIELD,
                format!("{p}.common"),
                format!("no common field {c:?}"),
            );
            None
        }
    });
    Field {
        id: f.id,
        label,
        help,
        kind,
        required: f.required,
        common,
    }
}
