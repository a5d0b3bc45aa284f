//! TOTP (RFC 6238) through `totp-rs`: HMAC-SHA-1, 6 digits, 30-second
//! steps, one step either side accepted. New secrets are 160 random bits
//! (RFC 4226 §4); enrolment shows them as an `otpauth://` URI and its QR
//! code, drawn as SVG on the server (`qrcode`), so the page needs no script.

use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Seconds per step, digits per code, steps either side accepted.
const STEP: u64 = 30;
const DIGITS: u8 = 6;
const SKEW: u16 = 1;
/// Shown as the issuer in authenticator apps.
const ISSUER: &str = "renkei";

/// A fresh secret, base32 without padding (as otpauth URIs carry it).
pub(super) fn new_secret() -> String {
    let mut b = vec![0u8; 20];
    rand::rng().fill_bytes(&mut b);
    Secret::from(b).to_base32()
}

fn totp(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW)
        .with_step_duration(STEP)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        // `:` separates issuer and account in the URI; e-mail addresses have none.
        .with_account_name(account.replace(':', "_"))
        .build()
        .ok()
}

/// The time step `code` is valid for at `unix_seconds` (±1 step), if any.
/// Spaces the user typed between digit groups are ignored.
pub(super) fn check(secret_b32: &str, code: &str, unix_seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = totp(secret_b32, "")?.check(&code, unix_seconds)?;
    i64::try_from(step).ok()
}

/// The current Unix time in seconds.
pub(super) fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The `otpauth://totp/…` URI an authenticator app reads.
pub(super) fn uri(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account)?.to_url().ok()
}

/// `uri` as an inline SVG QR code (no XML prologue, so it sits in HTML).
pub(super) fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Some(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

/// A secret grouped in fours for typing by hand.
pub(super) fn grouped(secret_b32: &str) -> String {
    secret_b32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: (time, SHA-1, SHA-256, SHA-512), 8 digits, with
    /// the ASCII seeds "1234567890" repeated to 20, 32 and 64 bytes.
    const VECTORS: &[(u64, &str, &str, &str)] = &[
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ];

    fn rfc(alg: Algorithm, seed_len: usize) -> Totp {
        let seed: Vec<u8> = b"1234567890"
            .iter()
            .copied()
            .cycle()
            .take(seed_len)
            .collect();
        Builder::new()
            .with_algorithm(alg)
            .with_digits(8)
            .with_skew(0)
            .with_step_duration(30)
            .with_secret(seed)
            .build()
            .expect("RFC parameters")
    }

    #[test]
    fn rfc_6238_appendix_b_vectors() {
        let (sha1, sha256, sha512) = (
            rfc(Algorithm::SHA1, 20),
            rfc(Algorithm::SHA256, 32),
            rfc(Algorithm::SHA512, 64),
        );
        for (t, a, b, c) in VECTORS {
            assert_eq!(sha1.generate(*t).to_string(), *a, "SHA-1 at {t}");
            assert_eq!(sha256.generate(*t).to_string(), *b, "SHA-256 at {t}");
            assert_eq!(sha512.generate(*t).to_string(), *c, "SHA-512 at {t}");
        }
    }

    /// The portal's own parameters against the RFC's SHA-1 seed: the last
    /// six digits of the 8-digit vectors (RFC 4226 §5.3 truncation).
    #[test]
    fn six_digit_codes_match_the_rfc_seed_and_allow_one_step_either_side() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(check(&secret, "287082", 59), Some(1));
        assert_eq!(check(&secret, "287 082", 59), Some(1), "spaces ignored");
        // 1111111109 is step 37037036; its code still holds a step later…
        assert_eq!(
            check(&secret, "081804", 1_111_111_109 + 30),
            Some(37_037_036)
        );
        // …and a step earlier, but not two.
        assert_eq!(
            check(&secret, "081804", 1_111_111_109 - 30),
            Some(37_037_036)
        );
        assert_eq!(check(&secret, "081804", 1_111_111_109 + 60), None);
        assert_eq!(check(&secret, "081805", 1_111_111_109), None);
        assert_eq!(check(&secret, "08180", 1_111_111_109), None);
        assert_eq!(check(&secret, "O81804", 1_111_111_109), None);
        assert_eq!(check("not base32!", "081804", 1_111_111_109), None);
    }

    #[test]
    fn new_secrets_are_160_bits_and_enrol_as_otpauth_uris_with_a_qr_code() {
        let s = new_secret();
        assert_eq!(s.len(), 32, "20 bytes in base32: {s}");
        assert_ne!(s, new_secret());
        let u = uri(&s, "alice@example.jp").expect("uri");
        assert!(
            u.starts_with("otpauth://totp/renkei:alice%40example.jp?"),
            "{u}"
        );
        assert!(u.contains(&format!("secret={s}")), "{u}");
        assert!(u.contains("issuer=renkei"), "{u}");
        let svg = qr_svg(&u).expect("svg");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
