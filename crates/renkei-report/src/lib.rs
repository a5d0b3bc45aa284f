//! Reporting regimes for renkei, with no I/O: profiles as data, statutory
//! clocks, one incident pre-filling several regimes' forms, and form
//! validation. The store and the server's `report/` room call this crate;
//! it reads no file, network or database (profile text is passed in).
//!
//! # Profiles
//! One TOML file per regime under `profiles/` at the repository root,
//! compiled in ([`SHIPPED`], [`ProfileSet::shipped`]) and also read from
//! text ([`parse_profile`], [`ProfileSet::with_files`]) so an administrator
//! can replace one; [`ProfileSet::with_overrides`] changes a stage's amount
//! from a small override table. Every word people read (profile, stage,
//! event, condition, recipient, form, field and option names) is in the
//! profile in Japanese and English.
//!
//! # Deadlines
//! [`clocks`] computes each stage's [`Clock`]: hours are elapsed time from
//! the instant; days and months are counted in the regime's zone under its
//! [`CalendarRule`] (Regulation 1182/71, the Civil Code, or the Civil Code
//! with administrative closed days, whose Japanese holidays
//! [`jp_holidays`] computes for 2000–2099). The tz database is compiled in.
//!
//! # One incident, several regimes
//! Fields name a [`CommonField`]; [`file_once`] returns each chosen
//! profile's pre-filled forms and clocks. [`validate_values`] checks what a
//! reporter submits.
//!
//! # Exports
//! [`export::to_json`] and [`export::to_xlsx`] turn one submitted
//! [`ReportVersion`] (profile, form, stage or notice, version, SHA-256,
//! submission time, organisation, reporter, values) into structured JSON of
//! a stable, documented shape and an `.xlsx` workbook in the spreadsheet
//! layout operators e-mail today, in memory.
//!
//! # Reminders
//! [`reminders::due_reminders`] says which reminders are due at an instant
//! from a case's [`Clock`]s, a [`ReminderPolicy`] (offsets before each
//! deadline) and the reminders already sent; the server sends them.
//! Kinds ([`ReminderKind`], stored and serialised by id): `elapsed-N` (N %
//! of the period gone), `before-Nh` (elapsed hours), `before-Nd` (calendar
//! days in the regime's zone), `overdue`. Default: `elapsed-50`,
//! `before-1h`, `overdue` for hour limits; `before-1d`, `overdue` for day
//! and month limits ([`ReminderPolicy::from_ids`] reads other lists).
//!
//! # Error codes
//! Stable strings, turned into Fluent messages by the server.
//!
//! Profile and override files ([`ProfileError::code`]): `too-large`,
//! `syntax`, `unknown-key`, `missing-key`, `invalid-value`, `invalid-id`,
//! `duplicate-id`, `missing-label`, `invalid-time-zone`, `invalid-date`,
//! `invalid-anchor`, `unknown-stage`, `unknown-event`, `unknown-condition`,
//! `unknown-form`, `no-forms`, `stage-cycle`, `invalid-amount`,
//! `invalid-range`, `missing-options`, `unknown-common-field`,
//! `common-type-mismatch`, `duplicate-profile`; overrides also
//! `unknown-profile`, `no-deadline`, `out-of-range`.
//!
//! Form values ([`FieldError::code`]): `required`, `unknown-field`,
//! `wrong-type`, `too-long`, `line-break`, `too-many-items`,
//! `invalid-date-time`, `unknown-option`, `not-an-integer`,
//! `below-minimum`, `above-maximum`.
//!
//! Clocks ([`ClockError::code`]): `date-out-of-range`.
//!
//! Exports ([`ExportError::code`]): `export-unknown-form`,
//! `export-unknown-stage`, `export-unknown-notice`,
//! `export-form-not-in-stage`, `export-nothing`, `export-workbook`.
//!
//! Clock statuses ([`ClockStatus`], serialised): `not-applicable`,
//! `no-deadline`, `not-started`, `due`, `due-soon`, `overdue`, `met`,
//! `met-late`.

pub mod calendar;
pub mod clock;
pub mod common;
pub mod error;
pub mod export;
pub mod form;
pub mod incident;
pub mod jp_holidays;
mod parse;
pub mod profile;
pub mod reminders;
pub mod sanitise;
mod set;

pub use calendar::{PeriodEnd, period_end};
pub use clock::{
    CaseFacts, Clock, ClockError, ClockPolicy, ClockStatus, Due, applicable_rule, clocks,
};
pub use common::CommonField;
pub use error::ProfileError;
pub use export::{ExportError, Filing, ReportVersion, to_json, to_xlsx};
pub use form::{FieldError, Mode, validate_values};
pub use incident::{Incident, Prefilled, RegimeView, file_once, prefill};
pub use parse::{MAX_PROFILE_BYTES, parse_profile};
pub use profile::{
    Anchor, Calendar, CalendarRule, DeadlineRule, Field, FieldKind, FirstDay, Form, Labels, Named,
    Notice, Period, Profile, Stage, Unit, Variant,
};
pub use reminders::{DueReminder, ReminderKind, ReminderPolicy, due_reminders};
pub use sanitise::sanitise;
pub use set::{MAX_OVERRIDE_BYTES, ProfileSet, SHIPPED, StageOverride, parse_overrides};

#[cfg(test)]
mod tests {
    /// The crate docs list every code, so the server's translators can
    /// work from them; a new code must be added there too.
    #[test]
    fn every_code_is_listed_in_the_crate_docs() {
        let docs = include_str!("lib.rs");
        let all = crate::error::codes::ALL
            .iter()
            .chain(crate::form::codes::ALL)
            .chain(crate::export::codes::ALL)
            .chain([&crate::clock::DATE_OUT_OF_RANGE]);
        for code in all {
            assert!(
                docs.contains(&format!("`{code}`")),
                "{code} is not in the crate docs"
            );
        }
    }
}
