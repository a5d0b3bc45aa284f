//! One MISP attribute (type and value) as a [`Shape`]: the pattern terms
//! misp-stix writes for it and the observables it shows (see docs/misp.md
//! for the table).

use renkei_core::{IndicatorValue, ParseError, ValueKind};
use serde_json::json;

use super::shapes::{Scos, Shape, Term};

pub(super) enum Mapped {
    Shape(Shape),
    Skip(String),
    Bad(ParseError),
}

/// The longest free-text value (subjects, mutexes, registry keys) kept.
const MAX_TEXT: usize = renkei_core::indicator::MAX_VALUE_LEN;

fn text(value: &str) -> Result<&str, ParseError> {
    let v = value.trim();
    if v.is_empty() || v.len() > MAX_TEXT {
        return Err(crate::refusal(
            "value",
            "misp-text-length",
            &[("max", &MAX_TEXT.to_string())],
            format!("must be 1 to {MAX_TEXT} bytes"),
        ));
    }
    Ok(v)
}

pub(super) fn ip(raw: &str) -> Result<IndicatorValue, ParseError> {
    let kind = if raw.contains(':') {
        ValueKind::Ipv6
    } else {
        ValueKind::Ipv4
    };
    IndicatorValue::parse(kind, raw)
}

pub(super) fn sco_type(v: &IndicatorValue) -> &'static str {
    match v.kind() {
        ValueKind::Ipv4 => "ipv4-addr",
        ValueKind::Ipv6 => "ipv6-addr",
        ValueKind::Domain => "domain-name",
        ValueKind::Url => "url",
        ValueKind::Email => "email-addr",
        ValueKind::Md5 | ValueKind::Sha1 | ValueKind::Sha256 | ValueKind::Sha512 => "file",
    }
}

pub(super) fn port(raw: &str) -> Result<i64, ParseError> {
    raw.trim().parse::<u16>().map(i64::from).map_err(|_| {
        crate::refusal(
            "value",
            "port-invalid",
            &[("value", raw), ("min", "0")],
            format!("{raw:?} is not a port (0 to 65535)"),
        )
    })
}

/// A URL: one without a scheme (`www.example.top`, an `.onion` host) is
/// refused with why; misp-stix copies it into `url:value`, which STIX
/// requires to be a URL (RFC 3986), so renkei's export would be invalid.
pub(super) fn url(raw: &str) -> Result<IndicatorValue, ParseError> {
    let has_scheme = raw.trim().split_once("://").is_some_and(|(s, _)| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    if !has_scheme {
        return Err(crate::refusal(
            "value",
            "misp-url-no-scheme",
            &[("value", raw)],
            format!(
                "{raw:?} is not a URL: it has no scheme (http://, https://…); \
                 give it one in MISP, or make it a domain or hostname attribute"
            ),
        ));
    }
    IndicatorValue::parse(ValueKind::Url, raw)
}

/// The STIX hash name for a MISP hash type, and its length in hex digits
/// where the algorithm fixes one.
pub(super) fn hash_name(misp: &str) -> Option<(&'static str, Option<usize>)> {
    Some(match misp {
        "md5" => ("MD5", Some(32)),
        "sha1" => ("SHA-1", Some(40)),
        "sha224" => ("SHA-224", Some(56)),
        "sha256" => ("SHA-256", Some(64)),
        "sha384" => ("SHA-384", Some(96)),
        "sha512" => ("SHA-512", Some(128)),
        "sha512/224" => ("SHA-512/224", Some(56)),
        "sha512/256" => ("SHA-512/256", Some(64)),
        "sha3-224" => ("SHA3-224", Some(56)),
        "sha3-256" => ("SHA3-256", Some(64)),
        "sha3-384" => ("SHA3-384", Some(96)),
        "sha3-512" => ("SHA3-512", Some(128)),
        "imphash" => ("IMPHASH", Some(32)),
        "pehash" => ("PEHASH", Some(40)),
        "authentihash" => ("AUTHENTIHASH", Some(64)),
        "ssdeep" => ("SSDEEP", None),
        "tlsh" => ("TLSH", None),
        "vhash" => ("VHASH", None),
        "telfhash" => ("TELFHASH", None),
        _ => return None,
    })
}

/// A hash value checked for its algorithm, lower-cased when hexadecimal.
pub(super) fn hash_value(misp: &str, raw: &str) -> Result<(&'static str, String), ParseError> {
    let (name, len) = hash_name(misp).ok_or_else(|| {
        crate::refusal(
            "type",
            "misp-hash-type-unknown",
            &[("value", misp)],
            format!("{misp:?} is not a hash type"),
        )
    })?;
    let v = text(raw)?;
    match len {
        Some(n) if v.len() != n || !v.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Err(crate::refusal(
                "value",
                "misp-hash-length",
                &[("name", name), ("digits", &n.to_string()), ("value", v)],
                format!("{name} must be {n} hexadecimal digits, got {v:?}"),
            ))
        }
        Some(_) => Ok((name, v.to_ascii_lowercase())),
        None => Ok((name, v.to_owned())),
    }
}

fn hash_path(name: &str) -> String {
    if name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        format!("file:hashes.{name}")
    } else {
        format!("file:hashes.'{name}'")
    }
}

/// The pattern path of an e-mail header kept in `additional_header_fields`.
pub(super) fn header_path(header: &str) -> String {
    format!("email-message:additional_header_fields.'{header}'")
}

/// An address or host, as one SCO; its placeholder.
pub(super) fn host_sco(scos: &mut Scos, v: &IndicatorValue) -> String {
    scos.add(sco_type(v), json!({"value": v.value()}))
}

fn value(v: &IndicatorValue) -> Shape {
    let mut s = Shape::default();
    let ty = sco_type(v);
    if ty == "file" {
        let name = match v.kind() {
            ValueKind::Md5 => "MD5",
            ValueKind::Sha1 => "SHA-1",
            ValueKind::Sha256 => "SHA-256",
            _ => "SHA-512",
        };
        s.terms.push(Term::eq("file", &hash_path(name), v.value()));
        s.scos.add("file", json!({"hashes": {name: v.value()}}));
    } else {
        s.terms.push(Term::eq(ty, v.kind().stix_path(), v.value()));
        host_sco(&mut s.scos, v);
    }
    s
}

/// `ip-src`/`ip-dst` (with or without `|port`) as misp-stix writes them: a
/// network-traffic with the address at its `side`.
fn traffic(side: &str, addr: &IndicatorValue, port_no: Option<i64>, shown: &str) -> Shape {
    let mut s = Shape::default();
    let ty = sco_type(addr);
    s.terms.push(Term::endpoint(side, ty, addr.value()));
    let a = host_sco(&mut s.scos, addr);
    let mut nt = json!({"protocols": ["tcp"], format!("{side}_ref"): a});
    if let Some(p) = port_no {
        s.terms.push(Term::int(
            "network-traffic",
            &format!("network-traffic:{side}_port"),
            p,
            shown,
        ));
        nt[format!("{side}_port")] = json!(p);
    }
    s.scos.add("network-traffic", nt);
    s
}

/// A value that is not a size in bytes.
pub(super) fn not_size(value: &str) -> ParseError {
    crate::refusal(
        "value",
        "misp-not-size",
        &[("value", value)],
        format!("{value:?} is not a size"),
    )
}

fn split2<'a>(value: &'a str, what: &str) -> Result<(&'a str, &'a str), ParseError> {
    value.rsplit_once('|').ok_or_else(|| {
        crate::refusal(
            "value",
            "misp-not-pair",
            &[("value", value), ("form", what)],
            format!("{value:?} is not {what}"),
        )
    })
}

/// Maps one attribute's type and value.
pub(super) fn map_attribute(misp_type: &str, value: &str) -> Mapped {
    let t = misp_type.trim().to_ascii_lowercase();
    match attribute_shape(&t, value) {
        Ok(Some(s)) => Mapped::Shape(s),
        Ok(None) => Mapped::Skip(skip_reason(&t, misp_type)),
        Err(e) => Mapped::Bad(e),
    }
}

fn skip_reason(t: &str, misp_type: &str) -> String {
    match t {
        "text" | "comment" | "other" => format!(
            "MISP type {misp_type:?}: free text, not an indicator or observable (misp-stix keeps it as a custom x-misp-attribute)"
        ),
        "attachment" | "malware-sample" => format!(
            "MISP type {misp_type:?}: the file's bytes are not imported (an artifact payload renkei does not store)"
        ),
        _ => format!("MISP type {misp_type:?} has no STIX mapping in renkei (docs/misp.md)"),
    }
}

fn attribute_shape(t: &str, value: &str) -> Result<Option<Shape>, ParseError> {
    let parse = IndicatorValue::parse;
    let mut s = Shape::default();
    match t {
        "ip-src" | "ip-dst" => {
            return Ok(Some(traffic(&t[3..], &ip(value)?, None, value)));
        }
        "ip-src|port" | "ip-dst|port" => {
            let (a, p) = split2(value, "address|port")?;
            return Ok(Some(traffic(&t[3..6], &ip(a)?, Some(port(p)?), value)));
        }
        "hostname|port" => {
            let (h, p) = split2(value, "hostname|port")?;
            let host = parse(ValueKind::Domain, h)?;
            let p = port(p)?;
            s.terms
                .push(Term::endpoint("dst", "domain-name", host.value()));
            s.terms.push(Term::int(
                "network-traffic",
                "network-traffic:dst_port",
                p,
                value,
            ));
            let d = host_sco(&mut s.scos, &host);
            s.scos.add(
                "network-traffic",
                json!({"protocols": ["tcp"], "dst_ref": d, "dst_port": p}),
            );
        }
        "domain" | "hostname" => return Ok(Some(self::value(&parse(ValueKind::Domain, value)?))),
        "url" | "link" | "uri" => return Ok(Some(self::value(&url(value)?))),
        "email" => return Ok(Some(self::value(&parse(ValueKind::Email, value)?))),
        "email-src" | "email-dst" => {
            let e = parse(ValueKind::Email, value)?;
            let a = host_sco(&mut s.scos, &e);
            if t == "email-src" {
                s.terms.push(Term::eq(
                    "email-message",
                    "email-message:from_ref.value",
                    e.value(),
                ));
                s.scos.add(
                    "email-message",
                    json!({"is_multipart": false, "from_ref": a}),
                );
            } else {
                s.terms.push(Term::eq(
                    "email-message",
                    "email-message:to_refs[*].value",
                    e.value(),
                ));
                s.scos.add(
                    "email-message",
                    json!({"is_multipart": false, "to_refs": [a]}),
                );
            }
        }
        "email-subject" => email(&mut s, "subject", "email-message:subject", text(value)?),
        "email-message-id" => email(
            &mut s,
            "message_id",
            "email-message:message_id",
            text(value)?,
        ),
        "email-body" => email(&mut s, "body", "email-message:body", text(value)?),
        "email-x-mailer" | "email-reply-to" => {
            let header = if t == "email-x-mailer" {
                "X-Mailer"
            } else {
                "Reply-To"
            };
            let v = text(value)?;
            s.terms
                .push(Term::eq("email-message", &header_path(header), v));
            s.scos.add(
                "email-message",
                json!({"is_multipart": false, "additional_header_fields": {header: v}}),
            );
        }
        "email-header" => {
            let v = text(value)?;
            s.terms.push(Term::eq(
                "email-message",
                "email-message:received_lines[*]",
                v,
            ));
            s.scos.add(
                "email-message",
                json!({"is_multipart": false, "received_lines": [v]}),
            );
        }
        "md5" | "sha1" | "sha256" | "sha512" => {
            let kind = ValueKind::parse(t)?;
            return Ok(Some(self::value(&parse(kind, value)?)));
        }
        _ if hash_name(t).is_some() => {
            let (name, h) = hash_value(t, value)?;
            s.terms.push(Term::eq("file", &hash_path(name), &h));
            s.scos.add("file", json!({"hashes": {name: h}}));
        }
        _ if t.starts_with("filename|") => {
            let alg = &t["filename|".len()..];
            let (name, h) = split2(value, t)?;
            let name = text(name)?;
            let (alg, h) = match alg {
                "md5" | "sha1" | "sha256" | "sha512" => {
                    let v = parse(ValueKind::parse(alg)?, h)?;
                    (
                        hash_name(alg).map_or("MD5", |(n, _)| n),
                        v.value().to_owned(),
                    )
                }
                _ => hash_value(alg, h)?,
            };
            s.terms.push(Term::eq("file", "file:name", name));
            s.terms.push(Term::eq("file", &hash_path(alg), &h));
            s.scos
                .add("file", json!({"name": name, "hashes": {alg: h}}));
        }
        "filename" => {
            let v = text(value)?;
            s.terms.push(Term::eq("file", "file:name", v));
            s.scos.add("file", json!({"name": v}));
        }
        "domain|ip" => {
            let (d, a) = split2(value, "domain|ip")?;
            let d = parse(ValueKind::Domain, d)?;
            let a = ip(a)?;
            s.terms
                .push(Term::eq("domain-name", "domain-name:value", d.value()));
            s.terms.push(Term::eq(
                "domain-name",
                "domain-name:resolves_to_refs[*].value",
                a.value(),
            ));
            let ar = host_sco(&mut s.scos, &a);
            s.scos.add(
                "domain-name",
                json!({"value": d.value(), "resolves_to_refs": [ar]}),
            );
        }
        "mutex" => {
            let v = text(value)?;
            s.terms.push(Term::eq("mutex", "mutex:name", v));
            s.scos.add("mutex", json!({"name": v}));
        }
        "mac-address" => {
            let v = text(value)?.to_ascii_lowercase();
            s.terms.push(Term::eq("mac-addr", "mac-addr:value", &v));
            s.scos.add("mac-addr", json!({"value": v}));
        }
        "as" => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            let n = digits.parse::<u32>().map_err(|_| {
                crate::refusal(
                    "value",
                    "misp-not-as-number",
                    &[("value", value)],
                    format!("{value:?} is not an AS number"),
                )
            })?;
            s.terms.push(Term::int(
                "autonomous-system",
                "autonomous-system:number",
                n.into(),
                value,
            ));
            s.scos.add("autonomous-system", json!({"number": n}));
        }
        "regkey" => {
            let v = text(value)?;
            s.terms.push(Term::eq(
                "windows-registry-key",
                "windows-registry-key:key",
                v,
            ));
            s.scos.add("windows-registry-key", json!({"key": v}));
        }
        "regkey|value" => {
            let (k, d) = split2(value, "regkey|value")?;
            let (k, d) = (text(k)?, d.trim());
            s.terms.push(Term::eq(
                "windows-registry-key",
                "windows-registry-key:key",
                k,
            ));
            s.terms.push(Term::eq(
                "windows-registry-key",
                "windows-registry-key:values[*].data",
                d,
            ));
            s.scos.add(
                "windows-registry-key",
                json!({"key": k, "values": [{"data": d}]}),
            );
        }
        "x509-fingerprint-md5" | "x509-fingerprint-sha1" | "x509-fingerprint-sha256" => {
            let (name, h) = hash_value(&t["x509-fingerprint-".len()..], value)?;
            s.terms.push(Term::eq(
                "x509-certificate",
                &format!("x509-certificate:hashes.'{name}'"),
                &h,
            ));
            s.scos.add("x509-certificate", json!({"hashes": {name: h}}));
        }
        "github-username" => {
            let v = text(value)?;
            s.terms.push(Term::eq(
                "user-account",
                "user-account:account_type",
                "github",
            ));
            s.terms
                .push(Term::eq("user-account", "user-account:account_login", v));
            s.scos.add(
                "user-account",
                json!({"account_type": "github", "account_login": v}),
            );
        }
        // Indicator-only types: misp-stix makes no observable of them.
        "port" => {
            s.terms.push(Term::int(
                "network-traffic",
                "network-traffic:dst_port",
                port(value)?,
                value,
            ));
        }
        "user-agent" => {
            let v = text(value)?;
            s.terms.push(Term::eq(
                "network-traffic",
                "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
                v,
            ));
        }
        "http-method" => {
            let v = text(value)?;
            s.terms.push(Term::eq(
                "network-traffic",
                "network-traffic:extensions.'http-request-ext'.request_method",
                v,
            ));
        }
        "size-in-bytes" => {
            let n = value
                .trim()
                .parse::<u64>()
                .ok()
                .and_then(|n| i64::try_from(n).ok())
                .ok_or_else(|| not_size(value))?;
            s.terms.push(Term::int("file", "file:size", n, value));
        }
        _ => return Ok(None),
    }
    Ok(Some(s))
}

fn email(s: &mut Shape, prop: &str, path: &str, v: &str) {
    s.terms.push(Term::eq("email-message", path, v));
    s.scos
        .add("email-message", json!({"is_multipart": false, prop: v}));
}

/// The pattern languages misp-stix turns into indicators of that
/// `pattern_type` (never a value renkei indexes or exports).
pub(super) fn pattern_language(t: &str) -> Option<&'static str> {
    Some(match t {
        "snort" => "snort",
        "suricata" => "suricata",
        "yara" => "yara",
        "sigma" => "sigma",
        "pcre" => "pcre",
        _ => return None,
    })
}
