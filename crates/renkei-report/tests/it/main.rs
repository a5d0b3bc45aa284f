//! renkei-report's integration tests: one binary, a module per concern.

mod deadlines;
mod incident;
mod overrides;
mod profiles;
mod support;
