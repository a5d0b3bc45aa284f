//! The application state every handler reaches.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use renkei_core::model::Collection;
use renkei_store::Store;

use crate::config::Settings;
use crate::http::{auth, i18n, jobs, limits, metrics, parse, password, templates};

/// What every handler can reach. Cheap to clone; holds no per-user state,
/// so any number of processes can serve behind a load balancer.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub i18n: Arc<i18n::Translations>,
    pub templates: Arc<templates::Templates>,
    pub metrics: Arc<metrics::Metrics>,
    pub basic_cache: Arc<auth::BasicCache>,
    /// argon2 on blocking threads, bounded (`password.rs`).
    pub passwords: Arc<password::Passwords>,
    /// Collections never change once created, so each process keeps the
    /// ones it has looked up (access is still decided per request).
    pub collections: Arc<RwLock<HashMap<String, Collection>>>,
    /// The OpenID Connect providers, with their discovery documents once fetched.
    pub oidc: Arc<crate::oidc::Providers>,
    /// Requests at once, waiting, and their timeout (`limits.rs`).
    pub limits: Arc<limits::RequestLimits>,
    /// Parsing of imports and TAXII adds on blocking threads, bounded (`parse.rs`).
    pub parse: Arc<parse::ParsePool>,
    /// TAXII adds stored after their answer, bounded and drained at shutdown (`jobs.rs`).
    pub jobs: Arc<jobs::Jobs>,
    /// The reporting regimes in force: shipped, the administrator's files,
    /// then the override table (`report::load_profiles`).
    pub reports: Arc<renkei_report::ProfileSet>,
    /// Outgoing e-mail, bounded, in the background (`mail.rs`).
    pub mail: Arc<crate::mail::Mailer>,
}

impl AppState {
    /// The state, or why the reporting profiles the settings name cannot
    /// be used (file, profile and field path).
    pub fn try_new(store: Arc<dyn Store>, settings: Settings) -> Result<Self, String> {
        let reports = crate::report::load_profiles(&settings)?;
        Ok(Self::with_reports(store, settings, reports))
    }

    /// As [`AppState::try_new`] for settings `Settings::load` has already
    /// checked; should the files have changed since, the shipped profiles
    /// are served and the reason logged rather than the process stopped.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let reports = crate::report::load_profiles(&settings).unwrap_or_else(|e| {
            tracing::error!(error = %e, "reporting profiles: serving the shipped ones");
            renkei_report::ProfileSet::shipped().unwrap_or_default()
        });
        Self::with_reports(store, settings, reports)
    }

    fn with_reports(
        store: Arc<dyn Store>,
        settings: Settings,
        reports: renkei_report::ProfileSet,
    ) -> Self {
        let i18n = Arc::new(i18n::Translations::load());
        let metrics = metrics::Metrics::new();
        Self {
            mail: Arc::new(crate::mail::Mailer::new(
                &settings,
                i18n.clone(),
                metrics.clone(),
            )),
            templates: Arc::new(templates::Templates::new(i18n.clone())),
            store,
            i18n,
            oidc: Arc::new(crate::oidc::Providers::new(&settings)),
            metrics,
            basic_cache: Arc::default(),
            passwords: Arc::new(password::Passwords::new(
                settings.password_hashing_concurrency,
            )),
            collections: Arc::default(),
            limits: Arc::new(limits::RequestLimits::new(
                settings.request_timeout_secs,
                settings.max_concurrent_requests,
                settings.max_queued_requests,
            )),
            parse: Arc::new(parse::ParsePool::new(
                settings.parse_concurrency,
                settings.parse_queue,
            )),
            jobs: Arc::new(jobs::Jobs::new(
                settings.taxii_add_concurrency,
                settings.taxii_add_queue,
            )),
            settings: Arc::new(settings),
            reports: Arc::new(reports),
        }
    }
}
