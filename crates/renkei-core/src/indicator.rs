//! Indicator values: the observables the index keeps (addresses, networks,
//! domains, URLs, e-mail addresses, file hashes), each in one canonical
//! spelling so that the same value shared twice correlates; refanging of
//! defanged text; and the decay score that ages an indicator.
//!
//! Canonical forms: IPv4/IPv6 as `std` prints them, a network as its first
//! address and prefix (`10.0.0.0/8`, never `10.1.2.3/8`; a `/32` or `/128` is
//! the address itself); domains lower-case ASCII (IDNA, `xn--`) without a
//! trailing dot; URLs as the WHATWG URL standard serialises them (scheme and
//! host lower-case, IDNA host, default port and fragment dropped); e-mail
//! addresses lower-case with the domain normalised; hashes lower-case hex of
//! the right length.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::{ParseError, Timestamp};

/// The longest value we accept (a URL can be long; nothing longer is useful).
pub const MAX_VALUE_LEN: usize = 4096;

/// What kind of observable a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueKind {
    /// An IPv4 address or network.
    Ipv4,
    /// An IPv6 address or network.
    Ipv6,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl ValueKind {
    pub const ALL: [ValueKind; 9] = [
        ValueKind::Ipv4,
        ValueKind::Ipv6,
        ValueKind::Domain,
        ValueKind::Url,
        ValueKind::Email,
        ValueKind::Md5,
        ValueKind::Sha1,
        ValueKind::Sha256,
        ValueKind::Sha512,
    ];

    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Ipv4 => "ipv4",
            ValueKind::Ipv6 => "ipv6",
            ValueKind::Domain => "domain",
            ValueKind::Url => "url",
            ValueKind::Email => "email",
            ValueKind::Md5 => "md5",
            ValueKind::Sha1 => "sha1",
            ValueKind::Sha256 => "sha256",
            ValueKind::Sha512 => "sha512",
        }
    }

    /// Reads our spelling and the common aliases (STIX types, MISP attribute
    /// types, `SHA-256`), case-insensitively.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let k = s.trim().to_ascii_lowercase();
        Ok(match k.as_str() {
            "ipv4" | "ipv4-addr" | "ip" | "ip-src" | "ip-dst" | "ipv4-net" | "cidr" => {
                ValueKind::Ipv4
            }
            "ipv6" | "ipv6-addr" | "ipv6-net" => ValueKind::Ipv6,
            "domain" | "domain-name" | "hostname" | "fqdn" => ValueKind::Domain,
            "url" | "uri" | "link" => ValueKind::Url,
            "email" | "email-addr" | "email-src" | "email-dst" | "e-mail" => ValueKind::Email,
            "md5" => ValueKind::Md5,
            "sha1" | "sha-1" => ValueKind::Sha1,
            "sha256" | "sha-256" => ValueKind::Sha256,
            "sha512" | "sha-512" => ValueKind::Sha512,
            _ => {
                return Err(ParseError::new(
                    "type",
                    format!(
                        "unknown indicator type {s:?}; expected one of ipv4, ipv6, domain, url, email, md5, sha1, sha256, sha512"
                    ),
                ));
            }
        })
    }

    /// The STIX object path a pattern tests for this kind.
    pub fn stix_path(self) -> &'static str {
        match self {
            ValueKind::Ipv4 => "ipv4-addr:value",
            ValueKind::Ipv6 => "ipv6-addr:value",
            ValueKind::Domain => "domain-name:value",
            ValueKind::Url => "url:value",
            ValueKind::Email => "email-addr:value",
            ValueKind::Md5 => "file:hashes.MD5",
            ValueKind::Sha1 => "file:hashes.'SHA-1'",
            ValueKind::Sha256 => "file:hashes.'SHA-256'",
            ValueKind::Sha512 => "file:hashes.'SHA-512'",
        }
    }

    /// The kind a STIX pattern path names (`file:hashes.SHA-256` as the
    /// pattern parser prints it, quotes removed), if the index keeps it.
    pub fn from_stix_path(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        Some(match lower.as_str() {
            "ipv4-addr:value" => ValueKind::Ipv4,
            "ipv6-addr:value" => ValueKind::Ipv6,
            "domain-name:value" => ValueKind::Domain,
            "url:value" => ValueKind::Url,
            "email-addr:value" | "email-message:from_ref.value" => ValueKind::Email,
            "file:hashes.md5" => ValueKind::Md5,
            "file:hashes.sha-1" | "file:hashes.sha1" => ValueKind::Sha1,
            "file:hashes.sha-256" | "file:hashes.sha256" => ValueKind::Sha256,
            "file:hashes.sha-512" | "file:hashes.sha512" => ValueKind::Sha512,
            _ => return None,
        })
    }

    fn hash_len(self) -> Option<usize> {
        match self {
            ValueKind::Md5 => Some(32),
            ValueKind::Sha1 => Some(40),
            ValueKind::Sha256 => Some(64),
            ValueKind::Sha512 => Some(128),
            _ => None,
        }
    }

    /// Whether this is a file hash (hashes never decay).
    pub fn is_hash(self) -> bool {
        self.hash_len().is_some()
    }
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observable in canonical form. Build it with [`IndicatorValue::parse`]
/// (kind known) or [`IndicatorValue::guess`] (free text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndicatorValue {
    kind: ValueKind,
    value: String,
}

impl IndicatorValue {
    /// Normalises `raw` as a value of `kind`. The error names the `value`
    /// field and says what is wrong. `raw` is taken literally: refang it
    /// first if it came from a human.
    pub fn parse(kind: ValueKind, raw: &str) -> Result<Self, ParseError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(err("is empty").with_code("value-empty", &[]));
        }
        if raw.len() > MAX_VALUE_LEN {
            return Err(err(format!("longer than {MAX_VALUE_LEN} bytes"))
                .with_code("value-too-long", &[("max", &MAX_VALUE_LEN.to_string())]));
        }
        let value = match kind {
            ValueKind::Ipv4 | ValueKind::Ipv6 => {
                let (v4, text) = canonical_ip(raw)?;
                if v4 != (kind == ValueKind::Ipv4) {
                    return Err(err(format!(
                        "{raw:?} is an {} address, not {}",
                        if v4 { "IPv4" } else { "IPv6" },
                        kind
                    ))
                    .with_code("value-wrong-ip-version", &[("value", raw)]));
                }
                text
            }
            ValueKind::Domain => canonical_domain(raw)?,
            ValueKind::Url => canonical_url(raw)?,
            ValueKind::Email => canonical_email(raw)?,
            ValueKind::Md5 | ValueKind::Sha1 | ValueKind::Sha256 | ValueKind::Sha512 => {
                let want = kind.hash_len().unwrap_or_default();
                if raw.len() != want || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(err(format!(
                        "{kind} must be {want} hexadecimal digits, got {} characters",
                        raw.chars().count()
                    ))
                    .with_code(
                        "value-not-hash",
                        &[("kind", kind.as_str()), ("digits", &want.to_string())],
                    ));
                }
                raw.to_ascii_lowercase()
            }
        };
        Ok(Self { kind, value })
    }

    /// Recognises what kind of value `raw` is, for CSV without a type column
    /// and free text. Stricter than [`parse`](Self::parse) for domains: the
    /// name must be a hostname (RFC 952/1123: letters, digits and `-`, so
    /// `_202512.zip` from a file name `請求書_202512.zip` is not one) and end
    /// in a known public suffix, so `invoice.pdf` is not taken for a domain.
    pub fn guess(raw: &str) -> Result<Self, ParseError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(err("is empty").with_code("value-empty", &[]));
        }
        if raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            let kind = match raw.len() {
                32 => ValueKind::Md5,
                40 => ValueKind::Sha1,
                64 => ValueKind::Sha256,
                128 => ValueKind::Sha512,
                _ => {
                    return Err(err(format!(
                        "{raw:?} looks like hexadecimal but is not 32, 40, 64 or 128 digits long"
                    ))
                    .with_code("value-bad-hex-length", &[("value", raw)]));
                }
            };
            return Self::parse(kind, raw);
        }
        if let Ok((v4, value)) = canonical_ip(raw) {
            let kind = if v4 { ValueKind::Ipv4 } else { ValueKind::Ipv6 };
            return Ok(Self { kind, value });
        }
        if raw.contains("://") {
            return Self::parse(ValueKind::Url, raw);
        }
        if raw.contains('@') {
            return Self::parse(ValueKind::Email, raw);
        }
        let domain = Self::parse(ValueKind::Domain, raw)?;
        if !is_hostname(&domain.value) {
            return Err(err(format!(
                "{raw:?} is not a hostname: labels hold only letters, digits and '-'"
            ))
            .with_code("value-not-hostname", &[("value", raw)]));
        }
        if !has_known_suffix(&domain.value) {
            return Err(err(format!(
                "{raw:?} is not an address, network, URL, e-mail address, hash, or a domain under a known public suffix"
            ))
            .with_code("value-unknown-kind", &[("value", raw)]));
        }
        Ok(domain)
    }

    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    /// The canonical text.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The network, if this is an address or network.
    pub fn net(&self) -> Option<IpNet> {
        match self.kind {
            ValueKind::Ipv4 | ValueKind::Ipv6 => self
                .value
                .parse::<IpNet>()
                .ok()
                .or_else(|| self.value.parse::<IpAddr>().ok().map(IpNet::from)),
            _ => None,
        }
    }

    /// Whether this is a network wider than one address (a URL, whose
    /// text has slashes too, is not).
    pub fn is_network(&self) -> bool {
        matches!(self.kind, ValueKind::Ipv4 | ValueKind::Ipv6) && self.value.contains('/')
    }

    /// The host part: the domain itself, a URL's host, an e-mail domain.
    pub fn host(&self) -> Option<&str> {
        match self.kind {
            ValueKind::Domain => Some(&self.value),
            ValueKind::Email => self.value.rsplit_once('@').map(|(_, d)| d),
            ValueKind::Url => {
                let rest = self.value.split_once("://")?.1;
                let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                let authority = &rest[..end];
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                if host.starts_with('[') {
                    host.split_once(']').map(|(h, _)| &h[1..])
                } else {
                    Some(host.split(':').next().unwrap_or(host))
                }
            }
            _ => None,
        }
    }

    /// A STIX pattern that matches this value.
    pub fn stix_pattern(&self) -> String {
        let escaped = self.value.replace('\\', "\\\\").replace('\'', "\\'");
        format!("[{} = '{escaped}']", self.kind.stix_path())
    }
}

impl fmt::Display for IndicatorValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

fn err(message: impl Into<String>) -> ParseError {
    ParseError::new("value", message)
}

/// `(is_v4, canonical text)` for an address or network.
fn canonical_ip(raw: &str) -> Result<(bool, String), ParseError> {
    if let Ok(addr) = raw.parse::<IpAddr>() {
        return Ok((addr.is_ipv4(), addr.to_string()));
    }
    let net: IpNet = raw.parse().map_err(|_| {
        err(format!("{raw:?} is not an IP address or network"))
            .with_code("value-not-ip", &[("value", raw)])
    })?;
    let net = net.trunc();
    let text = if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    };
    Ok((matches!(net, IpNet::V4(_)), text))
}

fn canonical_domain(raw: &str) -> Result<String, ParseError> {
    domain_text(raw).map_err(|e| e.with_code("value-not-domain", &[("value", raw)]))
}

fn domain_text(raw: &str) -> Result<String, ParseError> {
    let trimmed = raw.strip_suffix('.').unwrap_or(raw);
    if trimmed.contains(['/', ':', '@', ' ', '*']) {
        return Err(err(format!("{raw:?} is not a domain name")));
    }
    let ascii = idna::domain_to_ascii(trimmed).map_err(|_| {
        err(format!(
            "{raw:?} is not a valid internationalised domain name"
        ))
    })?;
    check_domain(&ascii).map_err(|m| err(format!("{raw:?}: {m}")))?;
    Ok(ascii)
}

fn check_domain(d: &str) -> Result<(), &'static str> {
    if d.len() > 253 {
        return Err("a domain name is at most 253 characters");
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err("a domain name needs at least two labels");
    }
    for l in &labels {
        if l.is_empty() || l.len() > 63 {
            return Err("each label must be 1 to 63 characters");
        }
        if !l
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err("labels may hold only letters, digits, '-' and '_'");
        }
        if l.starts_with('-') || l.ends_with('-') {
            return Err("a label may not start or end with '-'");
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the top-level label may not be all digits");
    }
    Ok(())
}

/// Letters, digits and hyphens only (the LDH rule of RFC 952 and 1123):
/// DNS names may hold `_` (`_dmarc`), hostnames may not, and a name in
/// free text or a list without a type is meant as a host.
fn is_hostname(domain: &str) -> bool {
    domain
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn has_known_suffix(domain: &str) -> bool {
    psl::suffix(domain.as_bytes()).is_some_and(|s| s.is_known())
        && psl::domain(domain.as_bytes()).is_some()
}

fn canonical_url(raw: &str) -> Result<String, ParseError> {
    url_text(raw).map_err(|e| e.with_code("value-not-url", &[("value", raw)]))
}

fn url_text(raw: &str) -> Result<String, ParseError> {
    let mut url = url::Url::parse(raw).map_err(|e| err(format!("{raw:?} is not a URL: {e}")))?;
    if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
        return Err(err(format!("{raw:?} is not a URL with a host")));
    }
    url.set_fragment(None);
    Ok(url.into())
}

fn canonical_email(raw: &str) -> Result<String, ParseError> {
    email_text(raw).map_err(|e| e.with_code("value-not-email", &[("value", raw)]))
}

fn email_text(raw: &str) -> Result<String, ParseError> {
    let (local, domain) = raw
        .rsplit_once('@')
        .ok_or_else(|| err(format!("{raw:?} is not an e-mail address")))?;
    if local.is_empty()
        || local.len() > 64
        || local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | '@'))
    {
        return Err(err(format!(
            "{raw:?} is not an e-mail address (bad local part)"
        )));
    }
    let domain = canonical_domain(domain)?;
    Ok(format!("{}@{domain}", local.to_lowercase()))
}

/// Undoes the usual defanging (`hxxp://`, `example[.]com`, `user[at]x`,
/// `1.2.3[.]4`, `[://]`) so that a value pasted from a report can be parsed.
/// Values that were not defanged come back unchanged.
pub fn refang(raw: &str) -> String {
    // Hand-written: the defanging conventions are a short fixed list and no
    // maintained Rust crate covers them.
    let mut s = raw.trim().trim_matches(['"', '\'', '<', '>']).to_owned();
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("{dot}", "."),
        (" dot ", "."),
        ("[:]", ":"),
        ("[://]", "://"),
        ("[/]", "/"),
        ("[@]", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
        ("{at}", "@"),
        (" at ", "@"),
    ] {
        s = replace_ignore_case(&s, from, to);
    }
    let lower = s.to_ascii_lowercase();
    for (from, to) in [
        ("hxxps://", "https://"),
        ("hxxp://", "http://"),
        ("hxxps[:]//", "https://"),
        ("hxxp[:]//", "http://"),
        ("fxp://", "ftp://"),
        ("hxxps", "https"),
        ("hxxp", "http"),
    ] {
        if lower.starts_with(from) {
            s = format!("{to}{}", &s[from.len()..]);
            break;
        }
    }
    s
}

fn replace_ignore_case(s: &str, from: &str, to: &str) -> String {
    let lower = s.to_ascii_lowercase();
    if !lower.contains(from) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(from) {
        out.push_str(&s[i..i + pos]);
        out.push_str(to);
        i += pos + from.len();
    }
    out.push_str(&s[i..]);
    out
}

/// How long an indicator of `kind` stays useful without being seen again, in
/// days: addresses move fastest, hashes never change meaning.
pub fn lifetime_days(kind: ValueKind) -> Option<i64> {
    match kind {
        ValueKind::Ipv4 | ValueKind::Ipv6 => Some(30),
        ValueKind::Url => Some(60),
        ValueKind::Domain => Some(90),
        ValueKind::Email => Some(180),
        _ => None,
    }
}

/// A decay score from 100 (fresh) to 0 (expired), as in MISP's decaying
/// model: `100 · (1 − (t / lifetime)^(1/0.3))`, where `t` is the time since
/// the indicator became valid or was last sighted, whichever is later. Past
/// `valid_until` or before `valid_from`, the score is 0; hashes do not decay.
pub fn decay_score(
    kind: ValueKind,
    valid_from: Timestamp,
    valid_until: Option<Timestamp>,
    last_sighted: Option<Timestamp>,
    now: Timestamp,
) -> u8 {
    if now < valid_from || valid_until.is_some_and(|u| now >= u) {
        return 0;
    }
    let Some(days) = lifetime_days(kind) else {
        return 100;
    };
    let since = last_sighted.map_or(valid_from, |s| s.max(valid_from));
    let t = (now.0 - since.0).max(0) as f64;
    let lifetime = (days * 86_400 * 1_000_000) as f64;
    if t >= lifetime {
        return 0;
    }
    let score = 100.0 * (1.0 - (t / lifetime).powf(1.0 / 0.3));
    score.round().clamp(0.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(kind: ValueKind, raw: &str) -> String {
        IndicatorValue::parse(kind, raw)
            .unwrap_or_else(|e| panic!("{raw}: {e}"))
            .value
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(p(ValueKind::Ipv4, " 198.51.100.7 "), "198.51.100.7");
        assert_eq!(p(ValueKind::Ipv4, "10.1.2.3/8"), "10.0.0.0/8");
        assert_eq!(p(ValueKind::Ipv4, "198.51.100.7/32"), "198.51.100.7");
        assert_eq!(p(ValueKind::Ipv6, "2001:DB8:0:0::1"), "2001:db8::1");
        assert_eq!(p(ValueKind::Ipv6, "2001:db8::1/32"), "2001:db8::/32");
        assert_eq!(
            p(ValueKind::Domain, "Evil.Example.COM."),
            "evil.example.com"
        );
        assert_eq!(
            p(ValueKind::Domain, "bücher.example"),
            "xn--bcher-kva.example"
        );
        assert_eq!(p(ValueKind::Domain, "例え.jp"), "xn--r8jz45g.jp");
        assert_eq!(
            p(ValueKind::Url, "HTTP://Evil.Example:80/a/../b?q=1#frag"),
            "http://evil.example/b?q=1"
        );
        assert_eq!(
            p(ValueKind::Email, "Phish@Bücher.Example"),
            "phish@xn--bcher-kva.example"
        );
        assert_eq!(
            p(ValueKind::Md5, "D41D8CD98F00B204E9800998ECF8427E"),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
    }

    #[test]
    fn wrong_values_name_the_field_and_the_problem() {
        for (kind, raw, needle) in [
            (ValueKind::Ipv4, "300.1.1.1", "not an IP"),
            (ValueKind::Ipv4, "2001:db8::1", "IPv6 address, not ipv4"),
            (ValueKind::Domain, "localhost", "two labels"),
            (ValueKind::Domain, "-bad.example", "start or end"),
            (ValueKind::Domain, "a.123", "all digits"),
            (ValueKind::Url, "not a url", "not a URL"),
            (ValueKind::Email, "nobody", "not an e-mail"),
            (ValueKind::Sha256, "abc", "64 hexadecimal"),
            (ValueKind::Md5, "", "empty"),
        ] {
            let e = IndicatorValue::parse(kind, raw).expect_err(raw);
            assert_eq!(e.field, "value");
            assert!(e.message.contains(needle), "{raw}: {e}");
        }
    }

    #[test]
    fn guessing_kinds() {
        let g = |s: &str| IndicatorValue::guess(s).map(|v| (v.kind, v.value));
        assert_eq!(
            g("198.51.100.0/24").ok(),
            Some((ValueKind::Ipv4, "198.51.100.0/24".into()))
        );
        assert_eq!(g("2001:db8::5").ok().map(|v| v.0), Some(ValueKind::Ipv6));
        assert_eq!(
            g("evil.example.co.jp").ok().map(|v| v.0),
            Some(ValueKind::Domain)
        );
        assert_eq!(
            g("http://x.example.com/a").ok().map(|v| v.0),
            Some(ValueKind::Url)
        );
        assert_eq!(g("a@example.com").ok().map(|v| v.0), Some(ValueKind::Email));
        assert_eq!(g(&"a".repeat(40)).ok().map(|v| v.0), Some(ValueKind::Sha1));
        assert!(g("invoice.pdf").is_err());
        assert!(g("_202512.zip").is_err(), "a file name's tail, not a host");
        assert!(g("_dmarc.example.com").is_err());
        assert_eq!(
            IndicatorValue::parse(ValueKind::Domain, "_dmarc.example.com")
                .ok()
                .map(|v| v.value),
            Some("_dmarc.example.com".into()),
            "a DNS name given as a domain is still one"
        );
        assert!(g("abcdef").is_err());
    }

    #[test]
    fn refanging() {
        for (raw, want) in [
            ("hxxp://evil[.]example/a", "http://evil.example/a"),
            ("HXXPS[:]//evil[.]example", "https://evil.example"),
            ("evil(.)example[dot]com", "evil.example.com"),
            ("user[at]example[.]com", "user@example.com"),
            ("198.51.100[.]7", "198.51.100.7"),
            ("\"example.com\"", "example.com"),
            ("plain.example", "plain.example"),
        ] {
            assert_eq!(refang(raw), want, "{raw}");
        }
    }

    #[test]
    fn hosts_and_patterns() {
        let u =
            IndicatorValue::parse(ValueKind::Url, "https://user@evil.example:8443/x").expect("url");
        assert_eq!(u.host(), Some("evil.example"));
        let e = IndicatorValue::parse(ValueKind::Email, "a@b.example").expect("email");
        assert_eq!(e.host(), Some("b.example"));
        let d = IndicatorValue::parse(ValueKind::Url, "http://x.example/it's").expect("url");
        assert!(
            d.stix_pattern()
                .starts_with("[url:value = 'http://x.example/it")
        );
        assert!(d.stix_pattern().contains("\\'") || d.stix_pattern().contains("%27"));
        assert_eq!(
            ValueKind::from_stix_path("file:hashes.SHA-256"),
            Some(ValueKind::Sha256)
        );
        assert_eq!(
            ValueKind::parse("domain-name").ok(),
            Some(ValueKind::Domain)
        );
        assert_eq!(ValueKind::parse("bogus").expect_err("bogus").field, "type");
    }

    #[test]
    fn far_future_times_display_without_panicking() {
        let t = Timestamp(253_402_300_799_000_000); // 9999-12-31T23:59:59Z
        assert!(!t.to_jst_display().is_empty());
    }

    #[test]
    fn decay() {
        let day = 86_400 * 1_000_000;
        let t0 = Timestamp(1_700_000_000_000_000);
        let at = |d: i64| Timestamp(t0.0 + d * day);
        assert_eq!(decay_score(ValueKind::Ipv4, t0, None, None, t0), 100);
        let mid = decay_score(ValueKind::Ipv4, t0, None, None, at(15));
        assert!(mid > 50 && mid < 100, "{mid}");
        assert_eq!(decay_score(ValueKind::Ipv4, t0, None, None, at(30)), 0);
        assert_eq!(
            decay_score(ValueKind::Ipv4, t0, None, Some(at(29)), at(30)),
            100
        );
        assert_eq!(
            decay_score(ValueKind::Sha256, t0, None, None, at(3000)),
            100
        );
        assert_eq!(
            decay_score(ValueKind::Domain, t0, Some(at(5)), None, at(6)),
            0
        );
        assert_eq!(decay_score(ValueKind::Domain, at(5), None, None, t0), 0);
    }
}
