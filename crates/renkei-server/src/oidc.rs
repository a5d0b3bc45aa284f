//! OpenID Connect relying party (the `openidconnect` crate): the configured
//! providers, their discovery documents and keys (fetched when first
//! needed, kept for an hour, fetched again early when an ID token names a
//! key the set lacks), the authorization request (code flow with PKCE,
//! state and nonce) and the code exchange with ID token validation
//! (issuer, audience, signature, expiry, nonce, `at_hash`). Every request
//! to a provider has a timeout, follows no redirects and reads at most
//! [`MAX_BODY`] bytes. Who may sign in is the directory's business
//! (`directory/oidc.rs`); this module only says who the provider vouches for.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AsyncHttpClient, AuthenticationContextClass, AuthorizationCode,
    ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse,
};
use tokio::sync::Mutex;

use crate::config::Settings;
use crate::config::oidc::OidcProvider;

/// Largest discovery document, key set, token or userinfo answer read.
pub const MAX_BODY: usize = 1024 * 1024;
/// One request to a provider, connecting included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a discovery document and its key set are used.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// An unknown key id fetches the key set again, at most this often.
const KEY_REFRESH_MIN: Duration = Duration::from_secs(60);
/// After a failed fetch, sign-ins fail at once for this long instead of
/// each waiting on the provider again.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// ID token signatures accepted: asymmetric ones only (no shared-secret
/// HMAC, never `none`).
const ALGS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Why a provider did not vouch for anyone.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached, or its discovery document or
    /// keys were unusable.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// The provider answered, but not with a valid ID token for this
    /// request (token error, bad signature, wrong nonce, expired…).
    #[error("provider answer refused: {0}")]
    Refused(String),
}

/// What a provider vouches for, from a validated ID token (and, for
/// claims the token lacks, the userinfo endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Only `email_verified: true` counts (absent means unverified).
    pub email_verified: bool,
    pub name: Option<String>,
    /// Authentication method references (RFC 8176), e.g. `pwd`, `otp`, `mfa`.
    pub amr: Vec<String>,
    pub acr: Option<String>,
}

/// What a sign-in must remember between leaving for the provider and
/// coming back (kept by the browser, see `directory/oidc.rs`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The provider's id.
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go once signed in (a local path).
    pub next: String,
    /// Unix seconds when the sign-in began.
    pub started: i64,
}

/// The configured providers.
#[derive(Debug)]
pub struct Providers {
    list: Vec<Arc<Provider>>,
    http: Http,
}

/// One provider, with its discovery document once fetched.
#[derive(Debug)]
pub struct Provider {
    pub config: OidcProvider,
    redirect: RedirectUrl,
    discovered: Mutex<Slot>,
}

/// The last discovery document fetched, and the last failure.
#[derive(Debug, Default)]
struct Slot {
    doc: Option<Discovered>,
    failed: Option<(Instant, String)>,
}

#[derive(Debug, Clone)]
struct Discovered {
    metadata: CoreProviderMetadata,
    at: Instant,
}

impl Providers {
    /// The providers of `settings` (already checked by `Settings::load`).
    /// A provider whose redirect URI cannot be formed is left out, logged.
    pub fn new(settings: &Settings) -> Self {
        let base = settings
            .public_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/');
        let list = settings
            .oidc_providers
            .iter()
            .filter_map(|p| {
                let uri = format!("{base}/login/oidc/{}/callback", p.id);
                match RedirectUrl::new(uri) {
                    Ok(redirect) => Some(Arc::new(Provider {
                        config: p.clone(),
                        redirect,
                        discovered: Mutex::default(),
                    })),
                    Err(e) => {
                        tracing::error!(provider = %p.id, error = %e, "OIDC provider left out: no redirect URI");
                        None
                    }
                }
            })
            .collect();
        Self {
            list,
            http: Http::new(),
        }
    }

    pub fn all(&self) -> &[Arc<Provider>] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Provider>> {
        self.list.iter().find(|p| p.config.id == id)
    }

    /// The provider's authorization URL for a new sign-in, and what to
    /// remember until the browser comes back.
    pub async fn begin(
        &self,
        p: &Provider,
        next: &str,
        now: i64,
    ) -> Result<(url::Url, Pending), OidcError> {
        let d = p.discovery(&self.http, false).await?;
        let client = p.client(d.metadata);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if p.config.require_mfa {
            for v in &p.config.mfa_acr_values {
                req = req.add_auth_context_value(AuthenticationContextClass::new(v.clone()));
            }
        }
        let (url, state, nonce) = req.url();
        let pending = Pending {
            provider: p.config.id.clone(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next: next.to_owned(),
            started: now,
        };
        Ok((url, pending))
    }

    /// Exchanges the authorization `code` and validates the ID token
    /// against what `pending` remembers.
    pub async fn finish(
        &self,
        p: &Provider,
        code: &str,
        pending: &Pending,
    ) -> Result<Identity, OidcError> {
        let refused =
            |what: &str, e: &dyn std::fmt::Display| OidcError::Refused(format!("{what}: {e}"));
        let d = p.discovery(&self.http, false).await?;
        let client = p.client(d.metadata);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| refused("token endpoint", &e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| refused("token request", &e))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::Refused("the token answer has no ID token".into()))?;
        let nonce = Nonce::new(pending.nonce.clone());
        // A key id the cached set lacks: the provider may have rotated its
        // keys, so fetch them once more (rate-limited) and check again.
        let unknown_key = matches!(
            id_token.claims(&client.id_token_verifier().set_allowed_algs(ALGS), &nonce),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey
            ))
        );
        let client = if unknown_key {
            p.client(p.discovery(&self.http, true).await?.metadata)
        } else {
            client
        };
        let verifier = client.id_token_verifier().set_allowed_algs(ALGS);
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| refused("ID token", &e))?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| refused("ID token", &e))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| refused("ID token", &e))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| refused("at_hash", &e))?;
            if actual != *expected {
                return Err(OidcError::Refused(
                    "the access token does not match the ID token's at_hash".into(),
                ));
            }
        }
        let mut id = Identity {
            issuer: p.config.issuer.clone(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified() == Some(true),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
                .unwrap_or_default(),
            acr: claims.auth_context_ref().map(|a| a.as_str().to_owned()),
        };
        // Providers may keep scope claims out of the ID token in the code
        // flow (Core 1.0 §5.4): ask the userinfo endpoint, which must
        // answer for the same subject.
        if id.email.is_none() && client.user_info_url().is_some() {
            let info: CoreUserInfoClaims = client
                .user_info(token.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| refused("userinfo", &e))?
                .request_async(&self.http)
                .await
                .map_err(|e| refused("userinfo", &e))?;
            id.email = info.email().map(|e| e.as_str().to_owned());
            id.email_verified = info.email_verified() == Some(true);
            if id.name.is_none() {
                id.name = info
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned());
            }
        }
        Ok(id)
    }
}

impl Provider {
    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config
                .secret()
                .map(|s| ClientSecret::new(s.to_owned())),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// The discovery document and keys: cached for [`DISCOVERY_TTL`];
    /// `refresh_keys` fetches again if the copy is older than
    /// [`KEY_REFRESH_MIN`]. One fetch at a time per provider, and none for
    /// [`RETRY_AFTER`] after one failed.
    async fn discovery(&self, http: &Http, refresh_keys: bool) -> Result<Discovered, OidcError> {
        let mut slot = self.discovered.lock().await;
        if let Some(d) = slot.doc.as_ref() {
            let age = d.at.elapsed();
            let fresh = if refresh_keys {
                age < KEY_REFRESH_MIN
            } else {
                age < DISCOVERY_TTL
            };
            if fresh {
                return Ok(d.clone());
            }
        }
        if let Some((at, why)) = &slot.failed
            && at.elapsed() < RETRY_AFTER
        {
            return Err(OidcError::Unavailable(format!("{why} (not retried yet)")));
        }
        match self.fetch(http).await {
            Ok(metadata) => {
                let d = Discovered {
                    metadata,
                    at: Instant::now(),
                };
                *slot = Slot {
                    doc: Some(d.clone()),
                    failed: None,
                };
                Ok(d)
            }
            Err(why) => {
                slot.failed = Some((Instant::now(), why.clone()));
                Err(OidcError::Unavailable(why))
            }
        }
    }

    async fn fetch(&self, http: &Http) -> Result<CoreProviderMetadata, String> {
        let issuer =
            IssuerUrl::new(self.config.issuer.clone()).map_err(|e| format!("issuer: {e}"))?;
        // Discovery is two requests (document, then keys), each bounded by
        // the client's timeout; this bounds them together.
        tokio::time::timeout(
            2 * REQUEST_TIMEOUT,
            CoreProviderMetadata::discover_async(issuer, http),
        )
        .await
        .map_err(|_| "discovery timed out".to_owned())?
        .map_err(|e| format!("discovery: {}", error_chain(&e)))
    }
}

/// An error and its sources, for the audit log and the server's log.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The HTTP client for providers: rustls, no redirects (they would let a
/// provider's answer point the server elsewhere), timeouts, bounded bodies.
#[derive(Debug, Clone)]
struct Http(reqwest::Client);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Request(#[from] reqwest::Error),
    #[error("answer longer than {MAX_BODY} bytes")]
    TooLarge,
    #[error("{0}")]
    Build(String),
}

impl Http {
    fn new() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_else(|e| {
                // Only a broken TLS backend fails here; requests then fail
                // with a clear error rather than the server not starting.
                tracing::error!(error = %e, "OIDC HTTP client");
                reqwest::Client::new()
            });
        Self(client)
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut resp = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
                return Err(HttpError::TooLarge);
            }
            let status = resp.status();
            let headers = std::mem::take(resp.headers_mut());
            let mut buf = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if buf.len() + chunk.len() > MAX_BODY {
                    return Err(HttpError::TooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            let mut out = openidconnect::http::Response::new(buf);
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

/// Whether the provider states a multi-factor sign-in: `amr` (RFC 8176)
/// holds `mfa`, or methods of two kinds among knowledge, possession and
/// inherence; or `acr` is one the configuration names as multi-factor.
pub fn vouches_for_mfa(id: &Identity, mfa_acr_values: &[String]) -> bool {
    const KINDS: [&[&str]; 3] = [
        &["pwd", "pin", "kba"],
        &["otp", "hwk", "swk", "sms", "tel", "sc", "pop"],
        &["fpt", "face", "iris", "retina", "vbm", "bio"],
    ];
    let has = |a: &str| id.amr.iter().any(|x| x == a);
    let kinds = KINDS
        .iter()
        .filter(|kind| kind.iter().any(|a| has(a)))
        .count();
    let acr = id
        .acr
        .as_ref()
        .is_some_and(|a| mfa_acr_values.iter().any(|v| v == a));
    has("mfa") || kinds >= 2 || acr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(amr: &[&str], acr: Option<&str>) -> Identity {
        Identity {
            issuer: "https://idp.example.jp".into(),
            subject: "s".into(),
            email: None,
            email_verified: false,
            name: None,
            amr: amr.iter().map(|a| (*a).to_owned()).collect(),
            acr: acr.map(str::to_owned),
        }
    }

    #[test]
    fn mfa_is_what_amr_or_a_configured_acr_says() {
        let gold = vec!["urn:example:loa:3".to_owned()];
        assert!(!vouches_for_mfa(&id(&[], None), &gold));
        assert!(
            !vouches_for_mfa(&id(&["pwd"], None), &gold),
            "a password alone"
        );
        assert!(
            !vouches_for_mfa(&id(&["pwd", "kba"], None), &gold),
            "knowledge twice"
        );
        assert!(vouches_for_mfa(&id(&["pwd", "otp"], None), &gold));
        assert!(vouches_for_mfa(&id(&["mfa"], None), &gold));
        assert!(!vouches_for_mfa(&id(&["hwk"], None), &gold), "a key alone");
        assert!(
            vouches_for_mfa(&id(&["hwk", "pin"], None), &gold),
            "a passkey with its PIN"
        );
        assert!(
            !vouches_for_mfa(&id(&["otp", "sms"], None), &gold),
            "possession twice"
        );
        assert!(vouches_for_mfa(
            &id(&["pwd"], Some("urn:example:loa:3")),
            &gold
        ));
        assert!(!vouches_for_mfa(
            &id(&["pwd"], Some("urn:example:loa:1")),
            &gold
        ));
        assert!(!vouches_for_mfa(
            &id(&["pwd"], Some("urn:example:loa:3")),
            &[]
        ));
    }
}
