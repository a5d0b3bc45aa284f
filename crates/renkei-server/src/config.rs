//! Typed configuration: defaults, then a TOML file, then `RENKEI__*`
//! environment variables (`RENKEI__DATABASE_URL`, `RENKEI__LISTEN`, …).
//! Secrets are wrapped so `Debug` and logs never show them.

pub mod oidc;

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use renkei_core::checkpoint::SigningKey;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite:…` or `postgres://…`; may carry a password, so it is secret.
    pub database_url: SecretString,
    /// Mark cookies `Secure`: set when renkei is served over TLS (directly
    /// or behind a TLS-terminating proxy). Unset, it follows `public_url`:
    /// `true` when that is `https://…`.
    #[serde(default)]
    pub secure_cookies: bool,
    /// Public URL, used in links the server prints and in TAXII discovery.
    pub public_url: Option<String>,
    /// Reverse proxies (addresses or networks, e.g. `10.0.0.5` or
    /// `10.0.0.0/24`) whose `Forwarded` or `X-Forwarded-Proto` /
    /// `X-Forwarded-Host` headers give the scheme and host of the URLs the
    /// server hands out when `public_url` is unset, and whose
    /// `X-Forwarded-For` gives the client address that sign-in throttling
    /// and the audit log record; anyone else's are ignored. None by default.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    pub session_hours: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest TAXII request body (announced as the API roots'
    /// `max_content_length`).
    pub taxii_max_content_length: usize,
    /// Sign-in attempts on one account from one client address (four
    /// times as many from one address across accounts) that go unhindered;
    /// past them each attempt waits 30 s, doubling with each further one up
    /// to `login_window_minutes`. Counts fade at `login_max_failures` per
    /// window, and a success clears the account's count from that address.
    /// Another address's failures never hold an account back
    /// (`renkei_store::auth::ThrottlePolicy`).
    pub login_max_failures: i64,
    pub login_window_minutes: i64,
    /// argon2id computations (password hashing and checks) run at once on
    /// blocking threads; 0 (the default) means one per CPU core.
    #[serde(default)]
    pub password_hashing_concurrency: usize,
    /// Longest a request may take to be answered (its body may stream on
    /// after), in seconds; past it the answer is 503 with the code
    /// `request-timeout`. 0: no limit.
    pub request_timeout_secs: u64,
    /// Requests handled at once (`/healthz`, `/readyz` and `/metrics` not
    /// counted); 0: no limit.
    pub max_concurrent_requests: usize,
    /// Requests that wait for one of those places (their time counts
    /// against `request_timeout_secs`); past them a request is refused
    /// at once with 503 `server-busy` and `Retry-After`.
    pub max_queued_requests: usize,
    /// Imports and TAXII adds parsed and validated at once on blocking
    /// threads; 0 (the default) means one per CPU core.
    #[serde(default)]
    pub parse_concurrency: usize,
    /// Parses that wait for one of those threads; past them the request
    /// is refused with 503 `server-busy` and `Retry-After`.
    pub parse_queue: usize,
    /// TAXII adds stored at once (each is one write transaction).
    pub taxii_add_concurrency: usize,
    /// TAXII adds accepted beyond those, waiting their turn; past them an
    /// add is refused with 503 and `Retry-After`, changing nothing.
    pub taxii_add_queue: usize,
    /// Longest a TAXII add may take from its request to its objects being
    /// stored, in seconds; past it the add's status completes with every
    /// object failed. A status still pending this long after its request
    /// (its process stopped) is failed at the next start or retention round.
    pub taxii_add_timeout_secs: u64,
    /// On shutdown, how long TAXII adds already accepted may still take to
    /// be stored, in seconds; those not stored by then complete failed.
    pub shutdown_grace_secs: u64,
    /// Seconds between retention rounds (expired sessions, old sign-in
    /// rows, finished TAXII statuses past `taxii_status_retention_hours`,
    /// statuses left pending); 0 runs none.
    pub retention_interval_secs: u64,
    /// How long a finished TAXII status can still be read, in hours.
    pub taxii_status_retention_hours: i64,
    /// Log as JSON lines instead of human-readable text.
    pub log_json: bool,
    /// Seconds between webhook worker rounds; 0 disables the worker (run
    /// it in one process only).
    pub webhook_interval_secs: u64,
    /// Let webhooks reach loopback, private, link-local and other
    /// non-public addresses (tests and closed networks only: otherwise a
    /// webhook could make the server probe its own network).
    pub webhook_allow_private: bool,
    /// 64 hexadecimal characters (32 bytes, e.g. `openssl rand -hex 32`):
    /// webhook signing secrets are stored sealed with it (`sealed.rs`).
    /// Unset, they are stored as they are, and the server warns at start.
    #[serde(default)]
    pub webhook_secret_key: Option<SecretString>,
    /// OpenID Connect providers users may sign in through (`[[oidc_providers]]`,
    /// see `config/oidc.rs`). None by default.
    #[serde(default)]
    pub oidc_providers: Vec<oidc::OidcProvider>,
    /// A second address serving only `/metrics` (e.g. `127.0.0.1:9090`,
    /// or an address on the monitoring network). Unset, there is none.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// A bearer token (at least 16 characters) `/metrics` requires, on the
    /// main address and on `metrics_listen`. With neither set, `/metrics`
    /// is served nowhere: it is never open to anyone.
    #[serde(default)]
    pub metrics_token: Option<SecretString>,
    /// 64 hexadecimal characters (32 bytes): TOTP secrets are stored sealed
    /// with it (`sealed.rs`). Unset, they are stored as they are, and the
    /// server warns at start. Passkeys use `public_url`: its host is the
    /// WebAuthn relying party; without it only `http://localhost` works.
    #[serde(default)]
    pub mfa_secret_key: Option<SecretString>,
    /// 64 hexadecimal characters (32 bytes): the key STIX ids derived from
    /// others' (MISP uuids) are made with, so nobody without it can predict
    /// another organisation's ids. Unset, the database's own secret is
    /// used (`IntelStore::derived_id_secret`). Changing it changes every
    /// derived id: a re-import then adds new objects instead of versions.
    #[serde(default)]
    pub derived_id_key: Option<SecretString>,
    /// The audit log's checkpoint signing key: 64 hexadecimal characters
    /// (a 32-byte Ed25519 seed, from `renkei audit keygen`), or the path of
    /// a file holding them. Unset, no checkpoints are written, and the
    /// server warns at start.
    #[serde(default)]
    pub audit_signing_key: Option<SecretString>,
    /// The log's name in its checkpoints and public key (the C2SP
    /// origin). Default: `public_url`'s host and `/audit`, else
    /// `renkei/audit`.
    #[serde(default)]
    pub audit_log_origin: Option<String>,
    /// Directory signed checkpoints are written to: keep it off the
    /// database's disk (another volume, a synced or append-only store).
    pub audit_checkpoint_dir: std::path::PathBuf,
    /// Seconds between checkpoints; 0 writes none on a schedule (run the
    /// schedule in one process only, or in each: both are correct).
    pub audit_checkpoint_interval_secs: u64,
    /// Each checkpoint is also POSTed here (a witness), if set.
    #[serde(default)]
    pub audit_witness_url: Option<String>,
    /// An administrator's override table for reporting-regime deadlines
    /// (renkei-report's format: `[[stage]] profile, stage, amount, …`),
    /// so values the law has not fixed yet change without a release.
    #[serde(default)]
    pub report_overrides: Option<std::path::PathBuf>,
    /// A directory of profile files (`*.toml`) that add to or replace the
    /// shipped reporting regimes by id.
    #[serde(default)]
    pub report_profiles_dir: Option<std::path::PathBuf>,
    /// Outgoing mail (deadline reminders, notifications):
    /// `smtp://127.0.0.1:25` (plain, loopback hosts only),
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://host:465`;
    /// `user:password@` in the URL logs in, so it is secret. Unset, no
    /// mail is sent (`mail.rs`).
    #[serde(default)]
    pub smtp_url: Option<SecretString>,
    /// The sender, e.g. `renkei <noreply@cti.example.jp>`; required with
    /// `smtp_url`.
    #[serde(default)]
    pub mail_from: Option<String>,
    /// Longest each SMTP step may take, in seconds (an attempt at most four
    /// times that).
    pub mail_timeout_secs: u64,
    /// Messages being sent at once.
    pub mail_concurrency: usize,
    /// Messages accepted beyond those, waiting their turn; past them a
    /// message is refused (counted as `dropped`).
    pub mail_queue: usize,
    /// Seconds between reminder sweeps of the reports' deadlines; 0 runs
    /// none (run them in one process only).
    pub report_reminder_interval_secs: u64,
    /// Reminder kinds before an hour deadline (`elapsed-50`, `before-1h`,
    /// `overdue`, …) and before a day or month deadline (`before-1d`,
    /// `overdue`, …); see renkei_report::reminders.
    pub report_reminders_hours: Vec<String>,
    pub report_reminders_days: Vec<String>,
}

/// The defaults as a serialisable layer (figment needs one).
#[derive(Serialize)]
struct Defaults {
    listen: &'static str,
    database_url: &'static str,
    session_hours: i64,
    max_body_bytes: usize,
    taxii_max_content_length: usize,
    login_max_failures: i64,
    login_window_minutes: i64,
    request_timeout_secs: u64,
    max_concurrent_requests: usize,
    max_queued_requests: usize,
    parse_queue: usize,
    taxii_add_concurrency: usize,
    taxii_add_queue: usize,
    taxii_add_timeout_secs: u64,
    shutdown_grace_secs: u64,
    retention_interval_secs: u64,
    taxii_status_retention_hours: i64,
    log_json: bool,
    webhook_interval_secs: u64,
    webhook_allow_private: bool,
    audit_checkpoint_dir: &'static str,
    audit_checkpoint_interval_secs: u64,
    mail_timeout_secs: u64,
    mail_concurrency: usize,
    mail_queue: usize,
    report_reminder_interval_secs: u64,
    report_reminders_hours: &'static [&'static str],
    report_reminders_days: &'static [&'static str],
}

const DEFAULTS: Defaults = Defaults {
    listen: "127.0.0.1:8080",
    database_url: "sqlite:renkei-data/renkei.db",
    session_hours: 12,
    max_body_bytes: 2 * 1024 * 1024,
    taxii_max_content_length: 16 * 1024 * 1024,
    login_max_failures: 5,
    login_window_minutes: 15,
    request_timeout_secs: 60,
    max_concurrent_requests: 512,
    max_queued_requests: 1024,
    parse_queue: 32,
    taxii_add_concurrency: 2,
    taxii_add_queue: 32,
    taxii_add_timeout_secs: 600,
    shutdown_grace_secs: 30,
    retention_interval_secs: 600,
    taxii_status_retention_hours: 7 * 24,
    log_json: false,
    webhook_interval_secs: 5,
    webhook_allow_private: false,
    audit_checkpoint_dir: "renkei-data/audit-checkpoints",
    audit_checkpoint_interval_secs: 600,
    mail_timeout_secs: 30,
    mail_concurrency: 2,
    mail_queue: 1000,
    report_reminder_interval_secs: 60,
    report_reminders_hours: &["elapsed-50", "before-1h", "overdue"],
    report_reminders_days: &["before-1d", "overdue"],
};

impl Settings {
    /// Loads defaults → `file` (if given) → `RENKEI__*` environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(DEFAULTS));
        if let Some(f) = file {
            if !f.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    f.display()
                ))));
            }
            fig = fig.merge(Toml::file(f));
        }
        let fig = fig.merge(Env::prefixed("RENKEI__").split("__"));
        let mut s: Self = fig.extract().map_err(Box::new)?;
        if !fig.contains("secure_cookies") {
            s.secure_cookies = s.public_url_is_https();
        }
        if s.metrics_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().trim().chars().count() < 16)
        {
            return Err(Box::new(figment::Error::from(
                "metrics_token: at least 16 characters (e.g. `openssl rand -hex 32`)".to_owned(),
            )));
        }
        // A bad key fails here, at start, not at the first webhook.
        s.webhook_seal_key()
            .map_err(|e| Box::new(figment::Error::from(e.to_string())))?;
        s.mfa_seal_key().map_err(|_| {
            Box::new(figment::Error::from(
                "mfa_secret_key: expected 64 hexadecimal characters (32 bytes)".to_owned(),
            ))
        })?;
        oidc::check(&mut s.oidc_providers, s.public_url.as_deref())
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        s.derived_id_key()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        s.audit_signing_key()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        if let Some(u) = &s.audit_witness_url {
            let ok = url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                return Err(Box::new(figment::Error::from(format!(
                    "audit_witness_url: {u:?} is not an http(s) URL"
                ))));
            }
        }
        if s.taxii_add_concurrency == 0 {
            return Err(Box::new(figment::Error::from(
                "taxii_add_concurrency: at least 1 (adds would never be stored)".to_owned(),
            )));
        }
        if s.taxii_status_retention_hours < 1 {
            return Err(Box::new(figment::Error::from(
                "taxii_status_retention_hours: at least 1".to_owned(),
            )));
        }
        crate::mail::check(&s).map_err(|e| Box::new(figment::Error::from(e)))?;
        crate::report::reminder_policy(&s).map_err(|e| Box::new(figment::Error::from(e)))?;
        // A bad profile or override stops the start, naming where it is.
        crate::report::load_profiles(&s).map_err(|e| Box::new(figment::Error::from(e)))?;
        for p in &s.trusted_proxies {
            parse_proxy(p).ok_or_else(|| {
                Box::new(figment::Error::from(format!(
                    "trusted_proxies: {p:?} is not an IP address or network"
                )))
            })?;
        }
        Ok(s)
    }

    /// Whether `public_url` is an `https://` URL.
    pub fn public_url_is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u.trim()).ok())
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The key webhook secrets are sealed with, if one is set.
    pub fn webhook_seal_key(
        &self,
    ) -> Result<Option<crate::sealed::SealKey>, crate::sealed::SealError> {
        self.webhook_secret_key
            .as_ref()
            .map(|k| crate::sealed::SealKey::from_hex(k.expose_secret()))
            .transpose()
    }

    /// The key TOTP secrets are sealed with, if one is set.
    pub fn mfa_seal_key(&self) -> Result<Option<crate::sealed::SealKey>, crate::sealed::SealError> {
        self.mfa_secret_key
            .as_ref()
            .map(|k| crate::sealed::SealKey::from_hex(k.expose_secret()))
            .transpose()
    }

    /// The configured key for derived ids, if one is set.
    pub fn derived_id_key(&self) -> Result<Option<[u8; 32]>, String> {
        let Some(k) = &self.derived_id_key else {
            return Ok(None);
        };
        let mut key = [0u8; 32];
        hex::decode_to_slice(k.expose_secret().trim(), &mut key).map_err(|_| {
            "derived_id_key: expected 64 hexadecimal characters (32 bytes)".to_owned()
        })?;
        Ok(Some(key))
    }

    /// The audit checkpoint signing key, if one is set: the setting
    /// itself if it is 64 hexadecimal characters, else the contents of the
    /// file it names. Errors name the setting.
    pub fn audit_signing_key(&self) -> Result<Option<SigningKey>, String> {
        let Some(k) = &self.audit_signing_key else {
            return Ok(None);
        };
        let k = k.expose_secret().trim();
        let origin = self.audit_origin();
        let hex = if k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()) {
            k.to_owned()
        } else {
            std::fs::read_to_string(k)
                .map_err(|e| format!("audit_signing_key: cannot read the key file {k:?}: {e}"))?
        };
        SigningKey::from_hex(&origin, &hex)
            .map(Some)
            .map_err(|e| format!("audit_signing_key: {e}"))
    }

    /// The audit log's name (see `audit_log_origin`).
    pub fn audit_origin(&self) -> String {
        if let Some(o) = &self.audit_log_origin {
            return o.trim().to_owned();
        }
        self.public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(|h| format!("{h}/audit")))
            .unwrap_or_else(|| "renkei/audit".to_owned())
    }

    /// Whether a request from `ip` comes through a configured proxy.
    pub fn trusted_proxy(&self, ip: std::net::IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .filter_map(|p| parse_proxy(p))
            .any(|net| net.contains(&ip))
    }

    /// Defaults only (tests, the demo).
    pub fn defaults() -> Self {
        Figment::from(Serialized::defaults(DEFAULTS))
            .extract()
            .expect("defaults are valid")
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }
}

/// A proxy entry: a network, or one address.
fn parse_proxy(p: &str) -> Option<ipnet::IpNet> {
    let p = p.trim();
    p.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| p.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn file_then_env_override_defaults_and_secrets_stay_hidden() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "renkei.toml",
                "listen = \"127.0.0.1:9000\"\ndatabase_url = \"postgres://renkei:hunter2@db/renkei\"\nsession_hours = 4\n",
            )?;
            jail.set_env("RENKEI__SESSION_HOURS", "8");
            let s = Settings::load(Some(Path::new("renkei.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(s.listen.port(), 9000);
            assert_eq!(s.session_hours, 8, "environment beats file");
            assert_eq!(s.max_body_bytes, 2 * 1024 * 1024, "default kept");
            let dbg = format!("{s:?}");
            assert!(!dbg.contains("hunter2"), "secret leaked into Debug: {dbg}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn webhook_secret_key_is_checked_at_load_and_hidden() {
        figment::Jail::expect_with(|jail| {
            let key = "ab".repeat(32);
            jail.set_env("RENKEI__WEBHOOK_SECRET_KEY", &key);
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(s.webhook_seal_key().map_err(|e| e.to_string())?.is_some());
            assert!(!format!("{s:?}").contains(&key), "key leaked into Debug");
            jail.set_env("RENKEI__WEBHOOK_SECRET_KEY", "not-hex");
            let err = Settings::load(None).expect_err("bad key").to_string();
            assert!(err.contains("webhook_secret_key"), "{err}");
            Ok(())
        });
        assert!(
            Settings::defaults()
                .webhook_seal_key()
                .expect("no key")
                .is_none()
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn mfa_secret_key_is_checked_at_load_and_hidden() {
        figment::Jail::expect_with(|jail| {
            let key = "cd".repeat(32);
            jail.set_env("RENKEI__MFA_SECRET_KEY", &key);
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(s.mfa_seal_key().map_err(|e| e.to_string())?.is_some());
            assert!(!format!("{s:?}").contains(&key), "key leaked into Debug");
            jail.set_env("RENKEI__MFA_SECRET_KEY", "short");
            let err = Settings::load(None).expect_err("bad key").to_string();
            assert!(err.contains("mfa_secret_key"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn trusted_proxies_are_checked_at_load() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "renkei.toml",
                "trusted_proxies = [\"10.0.0.5\", \"192.168.10.0/24\", \"::1\"]\n",
            )?;
            let s = Settings::load(Some(Path::new("renkei.toml"))).map_err(|e| e.to_string())?;
            for (ip, trusted) in [
                ("10.0.0.5", true),
                ("10.0.0.6", false),
                ("192.168.10.77", true),
                ("::1", true),
            ] {
                let ip: std::net::IpAddr = ip.parse().expect("ip");
                assert_eq!(s.trusted_proxy(ip), trusted, "{ip}");
            }
            jail.create_file("bad.toml", "trusted_proxies = [\"proxy.example\"]\n")?;
            let err = Settings::load(Some(Path::new("bad.toml")))
                .expect_err("bad")
                .to_string();
            assert!(err.contains("trusted_proxies"), "{err}");
            Ok(())
        });
        assert!(!Settings::defaults().trusted_proxy("127.0.0.1".parse().expect("ip")));
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn cookies_are_secure_by_default_when_the_public_url_is_https() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(!s.secure_cookies, "no public URL: plain HTTP is possible");
            jail.set_env("RENKEI__PUBLIC_URL", "https://cti.example.jp/");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(s.secure_cookies, "https public URL");
            jail.set_env("RENKEI__SECURE_COOKIES", "false");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(!s.secure_cookies, "an explicit choice wins");
            jail.set_env("RENKEI__PUBLIC_URL", "http://cti.example.jp/");
            jail.set_env("RENKEI__SECURE_COOKIES", "true");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(s.secure_cookies);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn metrics_settings_are_checked_at_load_and_hidden() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(s.metrics_token.is_none() && s.metrics_listen.is_none());
            let token = "m".repeat(32);
            jail.set_env("RENKEI__METRICS_TOKEN", &token);
            jail.set_env("RENKEI__METRICS_LISTEN", "127.0.0.1:9090");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                s.metrics_listen,
                Some("127.0.0.1:9090".parse().expect("addr"))
            );
            assert!(
                !format!("{s:?}").contains(&token),
                "token leaked into Debug"
            );
            jail.set_env("RENKEI__METRICS_TOKEN", "short");
            let err = Settings::load(None).expect_err("short token").to_string();
            assert!(err.contains("metrics_token"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn derived_id_key_is_checked_at_load_and_hidden() {
        figment::Jail::expect_with(|jail| {
            let key = "cd".repeat(32);
            jail.set_env("RENKEI__DERIVED_ID_KEY", &key);
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.derived_id_key(), Ok(Some([0xcd; 32])));
            assert!(!format!("{s:?}").contains(&key), "key leaked into Debug");
            jail.set_env("RENKEI__DERIVED_ID_KEY", "short");
            let err = Settings::load(None).expect_err("bad key").to_string();
            assert!(err.contains("derived_id_key"), "{err}");
            Ok(())
        });
        assert_eq!(Settings::defaults().derived_id_key(), Ok(None));
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn audit_signing_key_from_hex_or_file_checked_at_load_and_hidden() {
        figment::Jail::expect_with(|jail| {
            assert!(
                Settings::load(None)
                    .map_err(|e| e.to_string())?
                    .audit_signing_key()?
                    .is_none()
            );
            let key = "cd".repeat(32);
            jail.set_env("RENKEI__AUDIT_SIGNING_KEY", &key);
            jail.set_env("RENKEI__PUBLIC_URL", "https://renkei.example.jp/");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            let k = s.audit_signing_key()?.ok_or("a key")?;
            assert_eq!(k.name(), "renkei.example.jp/audit");
            assert!(!format!("{s:?}").contains(&key), "key leaked into Debug");
            jail.create_file("audit.key", &format!("{key}\n"))?;
            jail.set_env("RENKEI__AUDIT_SIGNING_KEY", "audit.key");
            jail.set_env("RENKEI__AUDIT_LOG_ORIGIN", "council.example/log");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            let from_file = s.audit_signing_key()?.ok_or("a key")?;
            assert_eq!(from_file.name(), "council.example/log");
            jail.set_env("RENKEI__AUDIT_SIGNING_KEY", "missing.key");
            let err = Settings::load(None).expect_err("no file").to_string();
            assert!(err.contains("audit_signing_key"), "{err}");
            jail.set_env("RENKEI__AUDIT_SIGNING_KEY", &key);
            jail.set_env("RENKEI__AUDIT_WITNESS_URL", "ftp://witness.example/");
            let err = Settings::load(None).expect_err("bad url").to_string();
            assert!(err.contains("audit_witness_url"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn resource_bounds_have_defaults_and_are_checked_at_load() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                (
                    s.request_timeout_secs,
                    s.max_concurrent_requests,
                    s.max_queued_requests
                ),
                (60, 512, 1024)
            );
            assert_eq!((s.taxii_add_concurrency, s.taxii_add_queue), (2, 32));
            assert_eq!((s.parse_concurrency, s.parse_queue), (0, 32));
            assert_eq!(s.taxii_status_retention_hours, 168);
            jail.set_env("RENKEI__MAX_CONCURRENT_REQUESTS", "8");
            jail.set_env("RENKEI__SHUTDOWN_GRACE_SECS", "5");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!((s.max_concurrent_requests, s.shutdown_grace_secs), (8, 5));
            jail.set_env("RENKEI__TAXII_ADD_CONCURRENCY", "0");
            let err = Settings::load(None).expect_err("no adds").to_string();
            assert!(err.contains("taxii_add_concurrency"), "{err}");
            jail.set_env("RENKEI__TAXII_ADD_CONCURRENCY", "1");
            jail.set_env("RENKEI__TAXII_STATUS_RETENTION_HOURS", "0");
            let err = Settings::load(None).expect_err("no retention").to_string();
            assert!(err.contains("taxii_status_retention_hours"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn missing_file_is_an_error() {
        assert!(Settings::load(Some(Path::new("/nonexistent/renkei.toml"))).is_err());
    }
}
