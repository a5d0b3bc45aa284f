//! renkei-store integration tests: one binary, every suite run on SQLite and
//! on PostgreSQL (`RENKEI_TEST_PG_URL`; required when `CI=true`).

mod accounts;
mod alerts;
mod exports;
mod held;
mod leaks;
mod mfa;
mod oidc;
mod policy;
mod related;
mod reports;
mod retention;
mod rewrite;
mod sco;
mod story;
mod support;
mod tamper;
