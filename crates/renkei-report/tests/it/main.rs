//! renkei-report's integration tests: one binary, a module per concern.

mod deadlines;
mod export;
mod incident;
mod overrides;
mod profiles;
mod reminders;
mod support;
