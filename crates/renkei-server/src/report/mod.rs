//! Reporting regimes served: the profiles in force (shipped, an
//! administrator's files, the override table) loaded at start, listed over
//! REST with their deadline rules as data, each regime's clocks for a case,
//! and a portal page saying every deadline in words. The rules themselves
//! are renkei-report's; this room translates only. Alerts (注意喚起)
//! live here too: `alerts.rs` (REST), `alert_pages.rs` (portal),
//! `alert_stix.rs` (publishing as STIX).

pub use alert_stix::{AlertDraft, publish as publish_alert};

mod alert_pages;
mod alert_stix;
mod alerts;
mod api;
mod attachments;
mod coord;
pub mod export;
mod filing;
mod form_fields;
mod notices;
mod page;
mod pages;
pub mod reminders;
mod report_page;
mod sanitise_share;
mod service;
mod views;
mod views_filing;

use std::io::Read;
use std::path::Path;

use axum::Router;
use renkei_report::{MAX_OVERRIDE_BYTES, MAX_PROFILE_BYTES, ProfileError, ProfileSet};
use utoipa::OpenApi;

use crate::config::Settings;
use crate::http::AppState;

pub use reminders::reminder_policy;
// What `renkei bench report-queue` calls to compute clocks and answer a
// queue page exactly as the handlers do.
pub use service::{
    canonical, check_values, indicators, next_due, next_due_after, report_clocks, report_page,
};

pub(crate) fn routes() -> Router<AppState> {
    api::routes()
        .merge(filing::routes())
        .merge(coord::routes())
        .merge(export::routes())
        .merge(attachments::routes())
        .merge(page::routes())
        .merge(pages::routes())
        .merge(report_page::routes())
        .merge(alerts::routes())
        .merge(alert_pages::routes())
}

pub(crate) fn api_doc() -> utoipa::openapi::OpenApi {
    let mut doc = api::Doc::openapi();
    doc.merge(filing::Doc::openapi());
    doc.merge(coord::Doc::openapi());
    doc.merge(export::Doc::openapi());
    doc.merge(attachments::Doc::openapi());
    doc.merge(notices::Doc::openapi());
    doc.merge(alerts::Doc::openapi());
    doc
}

/// The profiles the settings put in force: the shipped ones, replaced or
/// added to by `report_profiles_dir`'s `*.toml` files, then the
/// `report_overrides` table. The error lists every problem, each naming
/// the file, the profile and the field path.
pub fn load_profiles(settings: &Settings) -> Result<ProfileSet, String> {
    let mut set = ProfileSet::shipped().map_err(|e| listed("shipped profiles", &e))?;
    if let Some(dir) = &settings.report_profiles_dir {
        let files = read_dir(dir)?;
        let pairs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        set = set
            .with_files(&pairs)
            .map_err(|e| listed("report_profiles_dir", &e))?;
    }
    if let Some(file) = &settings.report_overrides {
        let text = read_bounded(file, MAX_OVERRIDE_BYTES)?;
        set = set
            .with_overrides(&file.display().to_string(), &text)
            .map_err(|e| listed("report_overrides", &e))?;
    }
    Ok(set)
}

fn listed(what: &str, errors: &[ProfileError]) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!("{what}: {}", lines.join("; "))
}

/// The `*.toml` files of `dir`, by name, so the order (and which of two
/// files with one id is refused) does not depend on the file system.
fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("report_profiles_dir: {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("report_profiles_dir: {}: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            Ok((
                p.display().to_string(),
                read_bounded(&p, MAX_PROFILE_BYTES)?,
            ))
        })
        .collect()
}

/// A file's text, read no further than one byte past `max`.
fn read_bounded(path: &Path, max: usize) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > max {
        return Err(format!(
            "{}: too-large: more than {max} bytes",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))
}
