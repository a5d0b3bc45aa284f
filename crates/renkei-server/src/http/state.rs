//! The application state every handler reaches.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use renkei_core::model::Collection;
use renkei_store::Store;

use crate::config::Settings;
use crate::http::{auth, i18n, metrics, password, templates};

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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let i18n = Arc::new(i18n::Translations::load());
        Self {
            templates: Arc::new(templates::Templates::new(i18n.clone())),
            store,
            i18n,
            oidc: Arc::new(crate::oidc::Providers::new(&settings)),
            metrics: metrics::Metrics::new(),
            basic_cache: Arc::default(),
            passwords: Arc::new(password::Passwords::new(
                settings.password_hashing_concurrency,
            )),
            collections: Arc::default(),
            settings: Arc::new(settings),
        }
    }
}
