//! Recovery codes: ten single-use codes of 80 random bits each, shown once
//! and stored as SHA-256 hashes salted with the user's id. 80 bits make an
//! exhaustive search of a stolen hash hopeless, so a fast hash suffices
//! (as for API tokens) and checking a code costs no argon2 time.

use rand::Rng;
use renkei_core::UserId;
use sha2::{Digest, Sha256};

pub(super) const COUNT: usize = 10;
/// Crockford's base32 alphabet: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 16;

/// Fresh codes for display, as `XXXX-XXXX-XXXX-XXXX`.
pub(super) fn new_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..COUNT)
        .map(|_| {
            let raw: String = (0..LEN)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            raw.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// The code as typed, in canonical form: upper case, separators dropped,
/// and the letters Crockford's alphabet reads as digits read so. `None`
/// when it cannot be a code (so nothing is looked up).
fn canonical(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (c.len() == LEN && c.bytes().all(|b| ALPHABET.contains(&b))).then_some(c)
}

/// What the store keeps for `code` of `user`; `None` if it cannot be one.
pub(super) fn hash(user: UserId, code: &str) -> Option<String> {
    let c = canonical(code)?;
    let mut h = Sha256::new();
    h.update(format!("renkei recovery code v1 for user {user}:").as_bytes());
    h.update(c.as_bytes());
    Some(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_well_formed_and_hash_as_typed() {
        let codes = new_codes();
        assert_eq!(codes.len(), COUNT);
        let mut uniq = codes.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), COUNT);
        let c = &codes[0];
        assert_eq!(c.len(), 19, "{c}");
        let u = UserId(7);
        let h = hash(u, c).expect("hash");
        assert_eq!(hash(u, &c.to_lowercase()), Some(h.clone()));
        assert_eq!(hash(u, &c.replace('-', " ")), Some(h.clone()));
        assert_ne!(hash(UserId(8), c), Some(h), "salted with the user");
        assert_eq!(hash(u, "too-short"), None);
        assert_eq!(
            hash(u, "UUUU-UUUU-UUUU-UUUU"),
            None,
            "U is not in the alphabet"
        );
        assert_eq!(
            hash(u, "O0IL-0000-0000-0000"),
            hash(u, "0011-0000-0000-0000"),
            "look-alike letters read as digits"
        );
    }
}
