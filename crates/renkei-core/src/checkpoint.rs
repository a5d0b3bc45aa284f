//! Signed checkpoints of the audit log: tree size, root hash and time,
//! signed with Ed25519 (`ed25519-dalek`), in the C2SP `tlog-checkpoint`
//! format inside a C2SP `signed-note` (the format of Go's checksum
//! database, Sigstore and the transparency-dev witnesses):
//!
//! ```text
//! renkei.example.jp/audit          origin: the log's name, also the key's
//! 1234                             tree size
//! 3q2+7w…=                         root hash, base64
//! time 1714521600                  extension line: Unix seconds at signing
//!
//! — renkei.example.jp/audit AbCd…  key ID (4 bytes) ‖ signature, base64
//! ```
//!
//! The key ID is `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[..4]`; the
//! public key is shared as `name+<key ID hex>+<base64(0x01 ‖ key)>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// The Ed25519 signature type of C2SP signed notes.
const ED25519: u8 = 0x01;
/// Starts every signature line: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// Larger notes are refused unread.
const MAX_NOTE: usize = 64 * 1024;

/// What was wrong with a key, a note or a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("key name {0:?}: must be non-empty, without spaces or '+'")]
    BadName(String),
    #[error("signing key: expected 64 hexadecimal characters (a 32-byte Ed25519 seed)")]
    BadSigningKey,
    #[error("public key: expected name+keyid+base64 (as `renkei audit keygen` prints)")]
    BadPublicKey,
    #[error("checkpoint: not a signed note ({0})")]
    Malformed(&'static str),
    #[error("checkpoint: no signature by key {0}")]
    NotSigned(String),
    #[error("checkpoint: the signature by key {0} is not valid (the text was altered)")]
    BadSignature(String),
}

fn check_name(name: &str) -> Result<(), CheckpointError> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
        return Err(CheckpointError::BadName(name.to_owned()));
    }
    Ok(())
}

fn key_id(name: &str, public: &ed25519_dalek::VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519]);
    h.update(public.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The log's signing key and its name (the checkpoints' origin).
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, …)", self.name)
    }
}

impl SigningKey {
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, CheckpointError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// From 64 hexadecimal characters (the `audit_signing_key` setting).
    pub fn from_hex(name: &str, hex_seed: &str) -> Result<Self, CheckpointError> {
        let bytes = hex::decode(hex_seed.trim()).map_err(|_| CheckpointError::BadSigningKey)?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CheckpointError::BadSigningKey)?;
        Self::from_seed(name, seed)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public(&self) -> PublicKey {
        let key = self.key.verifying_key();
        PublicKey {
            name: self.name.clone(),
            id: key_id(&self.name, &key),
            key,
        }
    }

    /// `text` (lines ending in `\n`) signed: the text, a blank line, one
    /// signature line.
    fn sign_note(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut blob = Vec::with_capacity(68);
        blob.extend_from_slice(&key_id(&self.name, &self.key.verifying_key()));
        blob.extend_from_slice(&sig.to_bytes());
        format!("{text}\n{SIG_PREFIX}{} {}\n", self.name, B64.encode(blob))
    }
}

/// A verifier's key: name, key ID and Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    id: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut blob = vec![ED25519];
        blob.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.id),
            B64.encode(blob)
        )
    }
}

impl PublicKey {
    /// From `name+<key ID hex>+<base64(0x01 ‖ key)>`; the key ID must be
    /// the one the name and key give.
    pub fn parse(s: &str) -> Result<Self, CheckpointError> {
        let bad = || CheckpointError::BadPublicKey;
        let mut parts = s.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        check_name(name).map_err(|_| bad())?;
        let id: [u8; 4] = hex::decode(id)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad)?;
        let blob = B64.decode(key).map_err(|_| bad())?;
        let (Some(&ED25519), Ok(raw)) = (blob.first(), <[u8; 32]>::try_from(&blob[1..])) else {
            return Err(bad());
        };
        let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| bad())?;
        if key_id(name, &key) != id {
            return Err(bad());
        }
        Ok(Self {
            name: name.to_owned(),
            id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text of `note` if this key signed it. Other keys' signatures
    /// (a witness's cosignature, say) are ignored.
    pub fn open<'n>(&self, note: &'n str) -> Result<&'n str, CheckpointError> {
        if note.len() > MAX_NOTE {
            return Err(CheckpointError::Malformed("too large"));
        }
        // The text ends at the last blank line (as Go's note.Open).
        let split = note.rfind("\n\n").ok_or(CheckpointError::Malformed(
            "no blank line before signatures",
        ))?;
        let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
        if !sigs.ends_with('\n') {
            return Err(CheckpointError::Malformed("no newline after signatures"));
        }
        let who = self.to_string();
        for line in sigs.lines() {
            let rest = line
                .strip_prefix(SIG_PREFIX)
                .ok_or(CheckpointError::Malformed(
                    "a signature line lacks its dash",
                ))?;
            let (name, blob) = rest.split_once(' ').ok_or(CheckpointError::Malformed(
                "a signature line lacks its signature",
            ))?;
            let blob = B64
                .decode(blob)
                .map_err(|_| CheckpointError::Malformed("a signature is not base64"))?;
            if name != self.name || blob.len() < 4 || blob[..4] != self.id {
                continue;
            }
            let sig = ed25519_dalek::Signature::from_slice(&blob[4..])
                .map_err(|_| CheckpointError::BadSignature(who.clone()))?;
            return self
                .key
                .verify_strict(text.as_bytes(), &sig)
                .map(|()| text)
                .map_err(|_| CheckpointError::BadSignature(who));
        }
        Err(CheckpointError::NotSigned(who))
    }
}

/// What a checkpoint states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name (the signing key's name).
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Unix seconds when it was signed.
    pub time: i64,
}

impl Checkpoint {
    /// The checkpoint's text (the signed part).
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            B64.encode(self.root),
            self.time
        )
    }

    /// Signs the checkpoint; its origin is the key's name.
    pub fn sign(key: &SigningKey, size: u64, root: Hash, time: i64) -> (Self, String) {
        let c = Self {
            origin: key.name.clone(),
            size,
            root,
            time,
        };
        let note = key.sign_note(&c.text());
        (c, note)
    }

    /// Opens a signed checkpoint: the signature by `key` must be valid,
    /// and the origin must be the key's name.
    pub fn open(note: &str, key: &PublicKey) -> Result<Self, CheckpointError> {
        let text = key.open(note)?;
        let mut lines = text.lines();
        let origin = lines.next().unwrap_or_default();
        if origin != key.name {
            return Err(CheckpointError::Malformed(
                "its origin is not the key's name",
            ));
        }
        let size = lines
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or(CheckpointError::Malformed("no tree size"))?;
        let root: Hash = lines
            .next()
            .and_then(|s| B64.decode(s).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or(CheckpointError::Malformed("no root hash"))?;
        let time = lines
            .filter_map(|l| l.strip_prefix("time "))
            .find_map(|t| t.parse::<i64>().ok())
            .unwrap_or(0);
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Go's `golang.org/x/mod/sumdb/note` (its tests and
    /// documentation): same key, same text, same signature line.
    #[test]
    fn go_sumdb_note_vector() {
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let seed = B64
            .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
            .expect("b64");
        let seed: [u8; 32] = seed[1..].try_into().expect("32");
        let key = SigningKey::from_seed("PeterNeumann", seed).expect("key");
        assert_eq!(key.public().to_string(), vkey);
        let text = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
        let note = key.sign_note(text);
        assert_eq!(
            note,
            format!(
                "{text}\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
            )
        );
        let public = PublicKey::parse(vkey).expect("vkey");
        assert_eq!(public.open(&note), Ok(text));
        let altered = note.replace("cryptography", "cryptographY");
        assert!(matches!(
            public.open(&altered),
            Err(CheckpointError::BadSignature(_))
        ));
        assert!(
            PublicKey::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                .is_err()
        );
    }

    #[test]
    fn checkpoints_round_trip_and_refuse_other_keys() {
        let key = SigningKey::from_seed("renkei.example.jp/audit", [7; 32]).expect("key");
        let (c, note) = Checkpoint::sign(&key, 42, [9; 32], 1_714_521_600);
        assert!(note.starts_with("renkei.example.jp/audit\n42\n"), "{note}");
        assert_eq!(Checkpoint::open(&note, &key.public()), Ok(c));
        let other = SigningKey::from_seed("renkei.example.jp/audit", [8; 32]).expect("key");
        assert!(matches!(
            Checkpoint::open(&note, &other.public()),
            Err(CheckpointError::NotSigned(_))
        ));
        let bigger = note.replacen("\n42\n", "\n43\n", 1);
        assert!(matches!(
            Checkpoint::open(&bigger, &key.public()),
            Err(CheckpointError::BadSignature(_))
        ));
        assert!(SigningKey::from_hex("a b", &"00".repeat(32)).is_err());
        assert!(SigningKey::from_hex("x", "abcd").is_err());
        assert!(Checkpoint::open("garbage", &key.public()).is_err());
    }
}
