//! OpenID Connect providers in the configuration (`[[oidc_providers]]`):
//! who may sign in through which provider, and into which organisation.
//! Checked whole at start; client secrets are read from the file or the
//! environment variable named here, once, and never shown.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::PathBuf;

use renkei_core::Role;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// One identity provider (an organisation's own, or the national business
/// ID service).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// Short name in URLs (`/login/oidc/{id}`): 1 to 32 lower-case
    /// letters, digits and `-`. Changing it changes the redirect URI.
    pub id: String,
    /// The button's label ("gBizID", "東都電力 社内 ID").
    pub display_name: String,
    /// The label on English pages; `display_name` if unset.
    #[serde(default)]
    pub display_name_en: Option<String>,
    /// The issuer URL exactly as the provider's discovery document states
    /// it; https (http only on a loopback address, for tests).
    pub issuer: String,
    pub client_id: String,
    /// The client secret itself, or `client_secret_file` (a file holding
    /// it), or `client_secret_env` (an environment variable holding it);
    /// at most one. None of them: a public client (PKCE alone).
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// The organisations whose users sign in through this provider.
    pub orgs: Vec<OrgMapping>,
    /// Refuse sign-ins the provider does not state as multi-factor (its
    /// ID token's `amr`, or `acr` in `mfa_acr_values`), whatever the
    /// organisation's own setting.
    #[serde(default)]
    pub require_mfa: bool,
    /// `acr` values that mean a multi-factor sign-in at this provider;
    /// asked for (`acr_values`) when MFA is required.
    #[serde(default)]
    pub mfa_acr_values: Vec<String>,
}

/// An organisation a provider signs users into.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgMapping {
    pub org: i64,
    /// The e-mail domains of this organisation's users at the provider
    /// (exact, no subdomains). Empty: any domain (at most one mapping of a
    /// provider may leave it empty).
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// Create unknown users (with a verified address in these domains)
    /// just in time with this role: `viewer` or `reporter`. Unset: an
    /// unknown user is refused.
    #[serde(default)]
    pub create_users: Option<String>,
}

impl OidcProvider {
    /// The label in `lang` ("ja" or "en").
    pub fn label(&self, lang: &str) -> &str {
        match (&self.display_name_en, lang) {
            (Some(en), "en") => en,
            _ => &self.display_name,
        }
    }

    /// The client secret, if the client has one.
    pub fn secret(&self) -> Option<&str> {
        self.client_secret.as_ref().map(|s| s.expose_secret())
    }

    /// The mapping that governs an address in `domain`: the one naming the
    /// domain, else the one for any domain.
    pub fn mapping_for_domain(&self, domain: &str) -> Option<&OrgMapping> {
        let domain = domain.to_ascii_lowercase();
        self.orgs
            .iter()
            .find(|m| m.email_domains.contains(&domain))
            .or_else(|| self.orgs.iter().find(|m| m.email_domains.is_empty()))
    }
}

impl OrgMapping {
    /// The role of users created just in time, if they are.
    pub fn create_role(&self) -> Option<Role> {
        self.create_users
            .as_deref()
            .and_then(|r| Role::parse(r).ok())
    }
}

/// Checks every provider and reads the secrets named by file or variable.
/// Errors name the field (`oidc_providers[0].issuer: …`).
pub fn check(providers: &mut [OidcProvider], public_url: Option<&str>) -> Result<(), String> {
    if providers.is_empty() {
        return Ok(());
    }
    match public_url.map(url::Url::parse) {
        Some(Ok(u)) if matches!(u.scheme(), "http" | "https") => {}
        _ => {
            return Err(
                "oidc_providers need public_url (an http(s) URL): redirect URIs are \
                        {public_url}/login/oidc/{id}/callback"
                    .into(),
            );
        }
    }
    let mut ids = HashSet::new();
    for (i, p) in providers.iter_mut().enumerate() {
        let at = |field: &str, why: &str| format!("oidc_providers[{i}].{field}: {why}");
        let id_ok = (1..=32).contains(&p.id.len())
            && p.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(at("id", "must be 1 to 32 of a-z, 0-9 and -"));
        }
        if !ids.insert(p.id.clone()) {
            return Err(at("id", "is used by another provider"));
        }
        for (field, v) in [
            ("display_name", Some(&p.display_name)),
            ("display_name_en", p.display_name_en.as_ref()),
        ] {
            if v.is_some_and(|v| v.trim().is_empty() || v.chars().count() > 100) {
                return Err(at(field, "must be 1 to 100 characters"));
            }
        }
        check_issuer(&p.issuer).map_err(|why| at("issuer", why))?;
        if p.client_id.trim().is_empty() || p.client_id.len() > 255 {
            return Err(at("client_id", "must be 1 to 255 characters"));
        }
        resolve_secret(p).map_err(|(field, why)| at(field, &why))?;
        check_orgs(&p.orgs).map_err(|(field, why)| at(&field, &why))?;
        if p.mfa_acr_values.iter().any(|v| v.trim().is_empty()) {
            return Err(at("mfa_acr_values", "must not hold empty values"));
        }
    }
    Ok(())
}

/// https, or http on a loopback address; no query or fragment (Discovery 1.0 §2).
fn check_issuer(issuer: &str) -> Result<(), &'static str> {
    let u = url::Url::parse(issuer).map_err(|_| "is not a URL")?;
    let loopback = match u.host() {
        Some(url::Host::Ipv4(a)) => IpAddr::V4(a).is_loopback(),
        Some(url::Host::Ipv6(a)) => IpAddr::V6(a).is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match u.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("must be an https URL (http only on a loopback address)"),
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must have no query or fragment");
    }
    Ok(())
}

/// Moves the secret from its file or variable into `client_secret`.
fn resolve_secret(p: &mut OidcProvider) -> Result<(), (&'static str, String)> {
    let given = [
        p.client_secret.is_some(),
        p.client_secret_file.is_some(),
        p.client_secret_env.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err((
            "client_secret",
            "give at most one of client_secret, client_secret_file, client_secret_env".into(),
        ));
    }
    let secret = if let Some(f) = &p.client_secret_file {
        let text = std::fs::read_to_string(f).map_err(|e| {
            (
                "client_secret_file",
                format!("cannot read {}: {e}", f.display()),
            )
        })?;
        Some(text.trim().to_owned())
    } else if let Some(var) = &p.client_secret_env {
        let text = std::env::var(var).map_err(|_| {
            (
                "client_secret_env",
                format!("environment variable {var} is not set"),
            )
        })?;
        Some(text.trim().to_owned())
    } else {
        p.client_secret
            .as_ref()
            .map(|s| s.expose_secret().trim().to_owned())
    };
    if let Some(s) = secret {
        if s.is_empty() {
            return Err(("client_secret", "is empty".into()));
        }
        p.client_secret = Some(s.into());
    }
    Ok(())
}

fn check_orgs(orgs: &[OrgMapping]) -> Result<(), (String, String)> {
    if orgs.is_empty() {
        return Err(("orgs".into(), "name at least one organisation".into()));
    }
    let mut domains = HashSet::new();
    let mut any_domain = false;
    for (j, m) in orgs.iter().enumerate() {
        let at = |field: &str| format!("orgs[{j}].{field}");
        if m.org <= 0 {
            return Err((at("org"), "must be an organisation id".into()));
        }
        if m.email_domains.is_empty() {
            if any_domain {
                return Err((
                    at("email_domains"),
                    "only one organisation may take addresses of any domain".into(),
                ));
            }
            any_domain = true;
        }
        for d in &m.email_domains {
            let ok = d == &d.to_ascii_lowercase()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains("..")
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !ok {
                return Err((
                    at("email_domains"),
                    format!("{d:?} is not a lower-case domain name"),
                ));
            }
            if !domains.insert(d.clone()) {
                return Err((
                    at("email_domains"),
                    format!("{d:?} is mapped to two organisations"),
                ));
            }
        }
        if let Some(r) = &m.create_users {
            match Role::parse(r) {
                Ok(Role::Viewer | Role::Reporter) => {}
                _ => {
                    return Err((at("create_users"), "must be viewer or reporter".into()));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> OidcProvider {
        OidcProvider {
            id: "corp".into(),
            display_name: "社内 ID".into(),
            display_name_en: Some("Corporate ID".into()),
            issuer: "https://idp.example.jp".into(),
            client_id: "renkei".into(),
            client_secret: Some("s3cret".to_owned().into()),
            client_secret_file: None,
            client_secret_env: None,
            orgs: vec![
                OrgMapping {
                    org: 2,
                    email_domains: vec!["power.example.jp".into()],
                    create_users: Some("viewer".into()),
                },
                OrgMapping {
                    org: 3,
                    email_domains: vec![],
                    create_users: None,
                },
            ],
            require_mfa: false,
            mfa_acr_values: vec![],
        }
    }

    fn err(mut p: OidcProvider) -> String {
        check(
            std::slice::from_mut(&mut p),
            Some("https://renkei.example.jp"),
        )
        .expect_err("refused")
    }

    #[test]
    fn a_good_provider_passes_and_maps_domains() {
        let mut ps = vec![provider()];
        check(&mut ps, Some("https://renkei.example.jp")).expect("valid");
        let p = &ps[0];
        assert_eq!(
            p.mapping_for_domain("Power.Example.JP").map(|m| m.org),
            Some(2)
        );
        assert_eq!(
            p.mapping_for_domain("other.example.jp").map(|m| m.org),
            Some(3)
        );
        assert_eq!(p.orgs[0].create_role(), Some(Role::Viewer));
        assert_eq!(p.orgs[1].create_role(), None);
        assert_eq!(p.label("en"), "Corporate ID");
        assert_eq!(p.label("ja"), "社内 ID");
        assert!(!format!("{p:?}").contains("s3cret"), "secret in Debug");
    }

    #[test]
    fn bad_providers_are_refused_naming_the_field() {
        let mut p = provider();
        p.id = "Corp".into();
        assert!(err(p).contains("oidc_providers[0].id"));
        let mut p = provider();
        p.issuer = "http://idp.example.jp".into();
        assert!(err(p).contains(".issuer"), "plain http off loopback");
        let mut p = provider();
        p.issuer = "https://idp.example.jp/?tenant=1".into();
        assert!(err(p).contains(".issuer"));
        let mut p = provider();
        p.client_secret_env = Some("X".into());
        assert!(err(p).contains(".client_secret"), "two secrets");
        let mut p = provider();
        p.orgs[0].create_users = Some("admin".into());
        assert!(
            err(p).contains("orgs[0].create_users"),
            "no admins just in time"
        );
        let mut p = provider();
        p.orgs[0].email_domains = vec![];
        assert!(err(p).contains("orgs[1].email_domains"), "two catch-alls");
        let mut p = provider();
        p.orgs[1].email_domains = vec!["power.example.jp".into()];
        assert!(err(p).contains("mapped to two"));
        let mut p = provider();
        p.orgs.clear();
        assert!(err(p).contains(".orgs"));
        let mut ps = vec![provider()];
        assert!(
            check(&mut ps, None)
                .expect_err("no public_url")
                .contains("public_url")
        );
        let mut ps = vec![provider(), provider()];
        let e = check(&mut ps, Some("https://r.example.jp")).expect_err("dup");
        assert!(e.contains("oidc_providers[1].id"), "{e}");
        let mut p = provider();
        p.issuer = "http://127.0.0.1:9999".into();
        check(std::slice::from_mut(&mut p), Some("http://127.0.0.1:1")).expect("loopback http");
    }

    #[test]
    fn secrets_come_from_a_file_or_a_variable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("secret");
        std::fs::write(&f, "from-file\n").expect("write");
        let mut p = provider();
        p.client_secret = None;
        p.client_secret_file = Some(f);
        check(std::slice::from_mut(&mut p), Some("https://r.example.jp")).expect("file");
        assert_eq!(p.secret(), Some("from-file"));
        let mut p = provider();
        p.client_secret = None;
        p.client_secret_file = Some(dir.path().join("missing"));
        assert!(err(p).contains("client_secret_file"));
        let mut p = provider();
        p.client_secret = None;
        p.client_secret_env = Some("RENKEI_TEST_SURELY_UNSET_OIDC_SECRET".into());
        assert!(err(p).contains("client_secret_env"));
        let mut p = provider();
        p.client_secret = None;
        check(std::slice::from_mut(&mut p), Some("https://r.example.jp")).expect("public client");
        assert_eq!(p.secret(), None);
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn providers_load_from_toml_and_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "renkei.toml",
                r#"
public_url = "https://renkei.example.jp"

[[oidc_providers]]
id = "gbizid"
display_name = "gBizID"
issuer = "https://idp.example.go.jp"
client_id = "renkei"
client_secret_env = "GBIZ_SECRET"
require_mfa = true

[[oidc_providers.orgs]]
org = 2
email_domains = ["toto-power.co.jp"]
create_users = "viewer"
"#,
            )?;
            jail.set_env("GBIZ_SECRET", "from-env");
            let s = crate::Settings::load(Some(std::path::Path::new("renkei.toml")))
                .map_err(|e| e.to_string())?;
            let p = &s.oidc_providers[0];
            assert_eq!(p.secret(), Some("from-env"));
            assert!(p.require_mfa);
            assert_eq!(p.orgs[0].create_role(), Some(Role::Viewer));
            assert!(!format!("{s:?}").contains("from-env"), "secret in Debug");

            jail.create_file(
                "typo.toml",
                "public_url = \"https://r.example.jp\"\n[[oidc_providers]]\nid = \"x\"\ndisplay_name = \"X\"\nissuer = \"https://idp.example.jp\"\nclient_id = \"c\"\norgs = [{ org = 2, email_domain = [\"a.example.jp\"] }]\n",
            )?;
            let err = crate::Settings::load(Some(std::path::Path::new("typo.toml")))
                .expect_err("unknown key")
                .to_string();
            assert!(err.contains("email_domain"), "{err}");
            Ok(())
        });
    }
}
