//! renkei-server integration tests, in-process through the `Router`
//! (and once over a real socket for startup and graceful shutdown).

mod accounts;
mod alerts;
mod api;
mod audit_log;
mod audit_rest;
mod bounds;
mod checkpoints;
mod feeds;
mod import_form;
mod intel;
mod intel_portal;
mod intel_readable;
mod leaks;
mod mail;
mod messages;
mod mfa;
mod misp;
mod oidc;
mod portal;
mod report_export;
mod report_profiles;
mod report_reminders;
mod reports;
mod share_form;
mod start;
mod stix_in;
mod support;
mod taxii;
mod ways_out;
mod web;
mod webhooks;
