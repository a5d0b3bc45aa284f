//! Passkeys (WebAuthn) through `webauthn-rs`: registration and
//! authentication ceremonies whose state waits in the store between the
//! page that asks the authenticator and the form that brings its answer.
//! The relying party is the portal's own origin: `public_url`, or, when it
//! is unset (a local demo), `http://localhost` on any port.

use renkei_core::model::User;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use crate::config::Settings;

/// Largest credential answer accepted from the browser (a few kB in practice).
pub(super) const MAX_CREDENTIAL_BYTES: usize = 64 * 1024;

/// Why a ceremony could not run or was refused; the cause goes to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No usable relying party (public_url names an address, not a host).
    Unavailable,
    /// The answer did not verify (or did not parse, or no ceremony waited).
    Rejected,
}

/// The relying party for this server's settings.
pub(super) fn relying_party(settings: &Settings) -> Result<Webauthn, Refusal> {
    let (origin, any_port) = match settings.public_url.as_deref() {
        Some(u) => (Url::parse(u).map_err(|_| Refusal::Unavailable)?, false),
        None => (
            Url::parse("http://localhost").map_err(|_| Refusal::Unavailable)?,
            true,
        ),
    };
    let rp_id = origin.domain().ok_or(Refusal::Unavailable)?.to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .map(|b| b.rp_name("renkei").allow_any_port(any_port))
        .and_then(WebauthnBuilder::build)
        .map_err(|e| {
            tracing::warn!(error = %e, "no WebAuthn relying party for public_url");
            Refusal::Unavailable
        })
}

/// A registration under way: the user handle its passkey will carry.
#[derive(Serialize, Deserialize)]
struct RegistrationState {
    handle: String,
    state: PasskeyRegistration,
}

/// A stored credential, read back.
pub(super) fn parse_passkey(json: &str) -> Option<Passkey> {
    serde_json::from_str(json).ok()
}

/// Starts registering a passkey for `user`, whose other passkeys
/// (`existing`) the authenticator is asked not to register again.
/// Returns the options for the browser and the state to keep, as JSON.
pub(super) fn start_registration(
    rp: &Webauthn,
    user: &User,
    handle: &str,
    existing: &[Passkey],
) -> Result<(String, String), Refusal> {
    let id = Uuid::parse_str(handle).map_err(|_| Refusal::Unavailable)?;
    let exclude = existing.iter().map(|p| p.cred_id().clone()).collect();
    let (options, state) = rp
        .start_passkey_registration(id, user.email.as_str(), &user.display_name, Some(exclude))
        .map_err(|e| {
            tracing::error!(error = %e, "passkey registration could not start");
            Refusal::Unavailable
        })?;
    let state = RegistrationState {
        handle: handle.to_owned(),
        state,
    };
    Ok((json(&options)?, json(&state)?))
}

/// Verifies the browser's answer to a registration; the new passkey, its
/// credential id (base64url) and the user handle.
pub(super) fn finish_registration(
    rp: &Webauthn,
    answer: &str,
    state: &str,
) -> Result<(Passkey, String, String), Refusal> {
    let st: RegistrationState = serde_json::from_str(state).map_err(|_| Refusal::Rejected)?;
    let cred: RegisterPublicKeyCredential = parse_answer(answer)?;
    let pk = rp
        .finish_passkey_registration(&cred, &st.state)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            Refusal::Rejected
        })?;
    let id = credential_id(&pk);
    Ok((pk, id, st.handle))
}

/// Starts an assertion by any of `passkeys`: options and state, as JSON.
pub(super) fn start_authentication(
    rp: &Webauthn,
    passkeys: &[Passkey],
) -> Result<(String, String), Refusal> {
    let (options, state) = rp.start_passkey_authentication(passkeys).map_err(|e| {
        tracing::error!(error = %e, "passkey authentication could not start");
        Refusal::Unavailable
    })?;
    Ok((json(&options)?, json(&state)?))
}

/// Verifies an assertion against the state kept for it, and updates the
/// passkey it came from (its signature counter); returns that passkey's
/// credential id and new form.
pub(super) fn finish_authentication(
    rp: &Webauthn,
    answer: &str,
    state: &str,
    mut stored: Vec<Passkey>,
) -> Result<(String, Passkey), Refusal> {
    let st: PasskeyAuthentication = serde_json::from_str(state).map_err(|_| Refusal::Rejected)?;
    let cred: PublicKeyCredential = parse_answer(answer)?;
    let result = rp.finish_passkey_authentication(&cred, &st).map_err(|e| {
        tracing::info!(error = %e, "passkey assertion refused");
        Refusal::Rejected
    })?;
    let pk = stored
        .iter_mut()
        .find(|p| p.cred_id() == result.cred_id())
        .ok_or(Refusal::Rejected)?;
    pk.update_credential(&result);
    Ok((credential_id(pk), pk.clone()))
}

/// A credential id as the store keeps it: base64url without padding.
pub(super) fn credential_id(pk: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pk.cred_id().as_ref())
}

/// A fresh WebAuthn user handle (random, so it says nothing of the user).
pub(super) fn new_handle() -> String {
    Uuid::new_v4().to_string()
}

fn parse_answer<T: serde::de::DeserializeOwned>(answer: &str) -> Result<T, Refusal> {
    if answer.len() > MAX_CREDENTIAL_BYTES {
        return Err(Refusal::Rejected);
    }
    serde_json::from_str(answer).map_err(|e| {
        tracing::info!(error = %e, "passkey answer does not parse");
        Refusal::Rejected
    })
}

fn json<T: Serialize>(v: &T) -> Result<String, Refusal> {
    serde_json::to_string(v).map_err(|_| Refusal::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_public_url_or_localhost() {
        let mut s = Settings::defaults();
        assert!(relying_party(&s).is_ok(), "localhost without public_url");
        s.public_url = Some("https://renkei.example.go.jp/".into());
        assert!(relying_party(&s).is_ok());
        s.public_url = Some("https://192.0.2.1/".into());
        assert_eq!(
            relying_party(&s).map(|_| ()),
            Err(Refusal::Unavailable),
            "an address cannot be a relying party id"
        );
    }

    #[test]
    fn answers_that_do_not_parse_or_match_no_state_are_rejected() {
        let rp = relying_party(&Settings::defaults()).expect("rp");
        assert_eq!(
            finish_authentication(&rp, "{}", "{}", Vec::new()).map(|_| ()),
            Err(Refusal::Rejected)
        );
        assert_eq!(
            finish_registration(&rp, &"x".repeat(MAX_CREDENTIAL_BYTES + 1), "{}").map(|_| ()),
            Err(Refusal::Rejected)
        );
    }
}
