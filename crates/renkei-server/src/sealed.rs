//! Webhook signing secrets sealed at rest with a server key
//! (`webhook_secret_key`), and TOTP secrets with another (`mfa_secret_key`):
//! ChaCha20-Poly1305 through RustCrypto's `chacha20poly1305`, a fresh random
//! nonce per secret.
//!
//! The HMAC secret must be read back to sign each delivery, so it cannot be
//! hashed as API tokens are; sealed, a copy of the database alone (a backup,
//! a dump, a leaked replica) no longer lets anyone forge announcements. The
//! key lives in the server's configuration, apart from the database.
//!
//! Stored form: `sealed:v1:<hex(nonce ‖ ciphertext ‖ tag)>`, sealed for one
//! organisation (its id is in the associated data, so a sealed value moved
//! to another organisation's webhook does not open). A stored value without
//! the prefix was stored while no key was set and is used as it is: only
//! secrets created with a key set are sealed.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

const PREFIX: &str = "sealed:v1:";
/// Bound into every seal with the organisation's id, so a sealed value is
/// useless for anything else.
const CONTEXT: &str = "renkei webhook secret v1 for organisation ";
/// The same for a user's TOTP secret (`Purpose::TotpSecret`).
const TOTP_CONTEXT: &str = "renkei totp secret v1 for user ";

/// What a sealed value is, bound into its seal with its owner's id: a value
/// sealed for one purpose or owner opens for no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A webhook's signing secret; the owner is its organisation.
    WebhookSecret,
    /// A TOTP secret; the owner is its user.
    TotpSecret,
}

impl Purpose {
    fn context(self) -> &'static str {
        match self {
            Purpose::WebhookSecret => CONTEXT,
            Purpose::TotpSecret => TOTP_CONTEXT,
        }
    }
}
const NONCE_LEN: usize = 12;

/// The 32-byte key, from 64 hexadecimal characters.
#[derive(Clone)]
pub struct SealKey(Key);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

/// Why a key or a stored secret was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("webhook_secret_key: expected 64 hexadecimal characters (32 bytes)")]
    BadKey,
    #[error("the webhook secret is sealed, but webhook_secret_key is not set")]
    NoKey,
    #[error(
        "the webhook secret cannot be opened: it was sealed with another webhook_secret_key, or altered"
    )]
    Open,
}

impl SealKey {
    pub fn from_hex(hex_key: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SealError::BadKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self(bytes.into()))
    }

    /// A fresh random key, as hex (tests; deployments use `openssl rand
    /// -hex 32`).
    pub fn generate_hex() -> String {
        hex::encode(ChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// Seals `secret` for organisation `org`.
    pub fn seal(&self, org: i64, secret: &str) -> String {
        self.seal_for(Purpose::WebhookSecret, org, secret)
    }

    /// Seals `secret` as a `purpose` of `owner`.
    pub fn seal_for(&self, purpose: Purpose, owner: i64, secret: &str) -> String {
        let cipher = ChaCha20Poly1305::new(&self.0);
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = format!("{}{owner}", purpose.context());
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: aad.as_bytes(),
        };
        // Encryption fails only for messages beyond 256 GiB; a secret is 64
        // characters. Should it ever fail, nothing usable is stored: the
        // empty sealed value never opens, and deliveries say so.
        let sealed = cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", hex::encode(out))
    }
}

/// Seals `secret` for `org` with `key`, or keeps it as it is without one.
pub fn store_form(key: Option<&SealKey>, org: i64, secret: &str) -> String {
    key.map_or_else(|| secret.to_owned(), |k| k.seal(org, secret))
}

/// The secret a stored value of organisation `org`'s webhook holds.
pub fn open(key: Option<&SealKey>, org: i64, stored: &str) -> Result<String, SealError> {
    open_for(key, Purpose::WebhookSecret, org, stored)
}

/// Seals `secret` as a `purpose` of `owner` with `key`, or keeps it as it
/// is without one.
pub fn store_form_for(key: Option<&SealKey>, purpose: Purpose, owner: i64, secret: &str) -> String {
    key.map_or_else(|| secret.to_owned(), |k| k.seal_for(purpose, owner, secret))
}

/// The secret a stored value holds, sealed (or not) as a `purpose` of `owner`.
pub fn open_for(
    key: Option<&SealKey>,
    purpose: Purpose,
    owner: i64,
    stored: &str,
) -> Result<String, SealError> {
    let Some(rest) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_owned());
    };
    let key = key.ok_or(SealError::NoKey)?;
    let bytes = hex::decode(rest).map_err(|_| SealError::Open)?;
    if bytes.len() < NONCE_LEN {
        return Err(SealError::Open);
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let aad = format!("{}{owner}", purpose.context());
    let plain = ChaCha20Poly1305::new(&key.0)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SealError::Open)?;
    String::from_utf8(plain).map_err(|_| SealError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SealKey {
        SealKey::from_hex(&hex::encode([byte; 32])).expect("key")
    }

    #[test]
    fn seals_and_opens() {
        let k = key(7);
        let sealed = k.seal(3, "s3cret");
        assert!(sealed.starts_with(PREFIX), "{sealed}");
        assert!(!sealed.contains("s3cret"));
        // A fresh nonce each time.
        assert_ne!(sealed, k.seal(3, "s3cret"));
        assert_eq!(open(Some(&k), 3, &sealed).as_deref(), Ok("s3cret"));
        assert_eq!(store_form(None, 3, "plain"), "plain");
        assert!(store_form(Some(&k), 3, "plain").starts_with(PREFIX));
    }

    #[test]
    fn refuses_wrong_key_tampering_and_no_key() {
        let sealed = key(7).seal(3, "s3cret");
        assert_eq!(open(Some(&key(8)), 3, &sealed), Err(SealError::Open));
        assert_eq!(
            open(Some(&key(7)), 4, &sealed),
            Err(SealError::Open),
            "another organisation"
        );
        assert_eq!(open(None, 3, &sealed), Err(SealError::NoKey));
        let mut t = sealed.clone().into_bytes();
        let last = t.len() - 1;
        t[last] = if t[last] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(t).expect("ascii");
        assert_eq!(open(Some(&key(7)), 3, &tampered), Err(SealError::Open));
        assert_eq!(open(Some(&key(7)), 3, "sealed:v1:zz"), Err(SealError::Open));
        assert_eq!(open(Some(&key(7)), 3, "sealed:v1:00"), Err(SealError::Open));
    }

    #[test]
    fn a_seal_opens_only_for_its_purpose_and_owner() {
        let k = key(7);
        let totp = k.seal_for(Purpose::TotpSecret, 3, "JBSWY3DP");
        assert_eq!(
            open_for(Some(&k), Purpose::TotpSecret, 3, &totp).as_deref(),
            Ok("JBSWY3DP")
        );
        assert_eq!(
            open_for(Some(&k), Purpose::TotpSecret, 4, &totp),
            Err(SealError::Open),
            "another user"
        );
        assert_eq!(open(Some(&k), 3, &totp), Err(SealError::Open), "a webhook");
        let hook = k.seal(3, "s3cret");
        assert_eq!(
            open_for(Some(&k), Purpose::TotpSecret, 3, &hook),
            Err(SealError::Open)
        );
    }

    #[test]
    fn keeps_secrets_from_before_sealing() {
        assert_eq!(open(Some(&key(7)), 3, "abc123").as_deref(), Ok("abc123"));
        assert_eq!(open(None, 3, "abc123").as_deref(), Ok("abc123"));
    }

    #[test]
    fn key_must_be_32_bytes_of_hex() {
        assert_eq!(
            SealKey::from_hex("abc").expect_err("short"),
            SealError::BadKey
        );
        assert_eq!(
            SealKey::from_hex(&"g".repeat(64)).expect_err("not hex"),
            SealError::BadKey
        );
        assert!(SealKey::from_hex(&SealKey::generate_hex()).is_ok());
    }
}
