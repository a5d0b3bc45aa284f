//! MISP objects by template, as misp-stix maps them: `ip-port` and
//! `network-connection` as network-traffic with their ports, `email` as an
//! email-message, `x509`, `registry-key`, `file`, `domain-ip` and `url`.
//! Objects of other templates are read attribute by attribute.

use renkei_core::{IndicatorValue, ParseError, ValueKind};
use serde_json::{Map, Value, json};

use super::shapes::{Shape, Term};
use super::terms::{
    Mapped, hash_name, hash_value, header_path, host_sco, ip, map_attribute, port, sco_type, url,
};
use crate::StixTime;

/// One attribute of an object, as the template reads it.
pub(super) struct Attr {
    pub(super) relation: String,
    pub(super) misp_type: String,
    pub(super) value: String,
}

/// What a template made, and what it left out or could not read (by the
/// index of the attribute).
#[derive(Default)]
pub(super) struct Built {
    pub(super) shape: Shape,
    pub(super) skipped: Vec<(usize, String)>,
    pub(super) errors: Vec<(usize, ParseError)>,
}

impl Built {
    fn skip(&mut self, i: usize, why: impl Into<String>) {
        self.skipped.push((i, why.into()));
    }

    fn check<T>(&mut self, i: usize, r: Result<T, ParseError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push((i, e));
                None
            }
        }
    }
}

pub(super) fn build(name: &str, attrs: &[Attr]) -> Built {
    match name {
        "ip-port" | "network-connection" => traffic(name, attrs),
        "email" => email(attrs),
        "x509" => x509(attrs),
        "registry-key" => registry_key(attrs),
        "file" => file(attrs),
        "domain-ip" => domain_ip(attrs),
        "url" => url_object(attrs),
        _ => generic(name, attrs),
    }
}

/// Attribute by attribute, each as on its own, in one pattern.
fn generic(name: &str, attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    for (i, a) in attrs.iter().enumerate() {
        match map_attribute(&a.misp_type, &a.value) {
            Mapped::Shape(s) => {
                b.shape.terms.extend(s.terms);
                b.shape.scos.extend(s.scos);
            }
            Mapped::Skip(why) => b.skip(i, format!("in a {name:?} object: {why}")),
            Mapped::Bad(e) => b.errors.push((i, e)),
        }
    }
    b
}

fn not_mapped(name: &str, relation: &str) -> String {
    format!("{relation:?} of a {name:?} object has no STIX property in renkei's mapping")
}

fn time(raw: &str) -> Result<String, ParseError> {
    StixTime::parse_loose(raw.trim())
        .map(|t| StixTime::from_timestamp(renkei_core::Timestamp(t.micros)).text)
        .map_err(|m| crate::refusal("value", "time-invalid", &[("value", raw.trim())], m))
}

/// `ip-port` and `network-connection`: one network-traffic, its ends
/// (`src_ref`, `dst_ref`) and ports in the pattern, as misp-stix writes
/// them. A connection's source is a term beside its destination, never a
/// value of its own (the index reads a source only where no destination is
/// tested).
fn traffic(name: &str, attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    let mut nt = Map::new();
    let mut protocols: Vec<String> = Vec::new();
    let mut ends = 0;
    for (i, a) in attrs.iter().enumerate() {
        let rel = a.relation.as_str();
        match rel {
            "ip" | "ip-dst" | "ip-src" | "dst-ip" | "src-ip" => {
                let side = if rel.contains("src") || a.misp_type == "ip-src" {
                    "src"
                } else {
                    "dst"
                };
                let Some(v) = b.check(i, ip(&a.value)) else {
                    continue;
                };
                end(&mut b.shape, &mut nt, side, &v);
                ends += 1;
            }
            "domain" | "hostname" | "hostname-dst" | "hostname-src" => {
                let side = if rel.ends_with("-src") { "src" } else { "dst" };
                let Some(v) = b.check(i, IndicatorValue::parse(ValueKind::Domain, &a.value)) else {
                    continue;
                };
                end(&mut b.shape, &mut nt, side, &v);
                ends += 1;
            }
            "dst-port" | "src-port" => {
                let Some(p) = b.check(i, port(&a.value)) else {
                    continue;
                };
                let key = format!("{}_port", &rel[..3]);
                b.shape.terms.push(Term::int(
                    "network-traffic",
                    &format!("network-traffic:{key}"),
                    p,
                    &a.value,
                ));
                nt.insert(key, json!(p));
            }
            "layer3-protocol" | "layer4-protocol" | "layer7-protocol" | "protocol" => {
                let p = a.value.trim().to_ascii_lowercase();
                if p.is_empty() || p.len() > 64 {
                    b.errors.push((
                        i,
                        crate::refusal(
                            "value",
                            "misp-text-length",
                            &[("max", "64")],
                            "a protocol name of 1 to 64 bytes",
                        ),
                    ));
                    continue;
                }
                let mut t = Term::eq("network-traffic", "network-traffic:protocols[*]", &p);
                t.key = format!("protocols:{p}");
                b.shape.terms.push(t);
                protocols.push(p);
            }
            "first-seen" | "first-packet-seen" | "last-seen" => {
                let Some(t) = b.check(i, time(&a.value)) else {
                    continue;
                };
                let key = if rel == "last-seen" { "end" } else { "start" };
                nt.insert(key.into(), json!(t));
            }
            _ => b.skip(i, not_mapped(name, rel)),
        }
    }
    if ends == 0 {
        // Ports alone would match all traffic on them.
        b.shape = Shape::default();
        return b;
    }
    if protocols.is_empty() {
        protocols.push("tcp".into());
    }
    nt.insert("protocols".into(), json!(protocols));
    b.shape.scos.add("network-traffic", Value::Object(nt));
    b
}

/// One end of a connection: a term, an observable, and the traffic's
/// reference to it (the first of each side).
fn end(s: &mut Shape, nt: &mut Map<String, Value>, side: &str, v: &IndicatorValue) {
    s.terms.push(Term::endpoint(side, sco_type(v), v.value()));
    let r = host_sco(&mut s.scos, v);
    nt.entry(format!("{side}_ref")).or_insert(json!(r));
}

fn email(attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    let mut msg = Map::new();
    msg.insert("is_multipart".into(), json!(false));
    let mut headers = Map::new();
    for (i, a) in attrs.iter().enumerate() {
        let rel = a.relation.as_str();
        let v = a.value.trim();
        match rel {
            "from" | "to" | "cc" | "bcc" => {
                let Some(e) = b.check(i, IndicatorValue::parse(ValueKind::Email, v)) else {
                    continue;
                };
                let r = host_sco(&mut b.shape.scos, &e);
                if rel == "from" {
                    b.shape.terms.push(Term::eq(
                        "email-message",
                        "email-message:from_ref.value",
                        e.value(),
                    ));
                    msg.entry("from_ref").or_insert(json!(r));
                } else {
                    let key = format!("{rel}_refs");
                    b.shape.terms.push(Term::eq(
                        "email-message",
                        &format!("email-message:{key}[*].value"),
                        e.value(),
                    ));
                    if let Some(list) = msg.entry(key).or_insert(json!([])).as_array_mut() {
                        list.push(json!(r));
                    }
                }
            }
            "subject" | "message-id" | "email-body" => {
                let prop = match rel {
                    "subject" => "subject",
                    "message-id" => "message_id",
                    _ => "body",
                };
                b.shape.terms.push(Term::eq(
                    "email-message",
                    &format!("email-message:{prop}"),
                    v,
                ));
                msg.insert(prop.into(), json!(v));
            }
            "x-mailer" | "reply-to" | "user-agent" | "return-path" => {
                let header = match rel {
                    "x-mailer" => "X-Mailer",
                    "reply-to" => "Reply-To",
                    "user-agent" => "User-Agent",
                    _ => "Return-Path",
                };
                b.shape
                    .terms
                    .push(Term::eq("email-message", &header_path(header), v));
                headers.insert(header.into(), json!(v));
            }
            "from-display-name" | "to-display-name" | "cc-display-name" | "bcc-display-name" => {
                b.skip(i, "a display name; the address is kept, not the name");
            }
            "send-date" => {
                let Some(t) = b.check(i, time(v)) else {
                    continue;
                };
                msg.insert("date".into(), json!(t));
            }
            _ => b.skip(i, not_mapped("email", rel)),
        }
    }
    if !headers.is_empty() {
        msg.insert("additional_header_fields".into(), Value::Object(headers));
    }
    if msg.len() > 1 {
        b.shape.scos.add("email-message", Value::Object(msg));
    }
    b
}

fn x509(attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    let mut cert = Map::new();
    let mut hashes = Map::new();
    for (i, a) in attrs.iter().enumerate() {
        let rel = a.relation.as_str();
        let v = a.value.trim();
        if let Some(alg) = rel.strip_prefix("x509-fingerprint-") {
            let Some((name, h)) = b.check(i, hash_value(alg, v)) else {
                continue;
            };
            b.shape.terms.push(Term::eq(
                "x509-certificate",
                &format!("x509-certificate:hashes.'{name}'"),
                &h,
            ));
            hashes.insert(name.into(), json!(h));
            continue;
        }
        let (prop, searched) = match rel {
            "issuer" => ("issuer", true),
            "subject" => ("subject", true),
            "serial-number" => ("serial_number", true),
            "version" => ("version", false),
            "signature_algorithm" | "signature-algorithm" => ("signature_algorithm", false),
            "pubkey-info-algorithm" => ("subject_public_key_algorithm", false),
            "pubkey-info-modulus" => ("subject_public_key_modulus", false),
            "validity-not-before" | "validity-not-after" => {
                let Some(t) = b.check(i, time(v)) else {
                    continue;
                };
                cert.insert(rel.replace('-', "_"), json!(t));
                continue;
            }
            "pubkey-info-exponent" => {
                match v.parse::<i64>() {
                    Ok(n) => {
                        cert.insert("subject_public_key_exponent".into(), json!(n));
                    }
                    Err(_) => b.errors.push((
                        i,
                        crate::refusal(
                            "value",
                            "misp-not-integer",
                            &[("value", v)],
                            format!("{v:?} is not an integer"),
                        ),
                    )),
                }
                continue;
            }
            _ => {
                b.skip(i, not_mapped("x509", rel));
                continue;
            }
        };
        if searched {
            b.shape.terms.push(Term::eq(
                "x509-certificate",
                &format!("x509-certificate:{prop}"),
                v,
            ));
        }
        cert.insert(prop.into(), json!(v));
    }
    if !hashes.is_empty() {
        cert.insert("hashes".into(), Value::Object(hashes));
    }
    if !cert.is_empty() {
        b.shape.scos.add("x509-certificate", Value::Object(cert));
    }
    b
}

const REGISTRY_TYPES: &[&str] = &[
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
    "REG_INVALID_TYPE",
];

fn registry_key(attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    let mut key: Option<String> = None;
    let mut hive: Option<String> = None;
    let mut value = Map::new();
    let mut modified = None;
    for (i, a) in attrs.iter().enumerate() {
        let rel = a.relation.as_str();
        let v = a.value.trim();
        match rel {
            "key" => key = Some(v.to_owned()),
            "hive" => hive = Some(v.to_owned()),
            "name" | "data" => {
                b.shape.terms.push(Term::eq(
                    "windows-registry-key",
                    &format!("windows-registry-key:values[*].{rel}"),
                    v,
                ));
                value.insert(rel.into(), json!(v));
            }
            "data-type" => {
                let t = v.to_ascii_uppercase();
                if REGISTRY_TYPES.contains(&t.as_str()) {
                    value.insert("data_type".into(), json!(t));
                } else {
                    b.skip(i, format!("{v:?} is not a STIX registry value type"));
                }
            }
            "last-modified" => modified = b.check(i, time(v)),
            _ => b.skip(i, not_mapped("registry-key", rel)),
        }
    }
    let mut reg = Map::new();
    if let Some(k) = key {
        // STIX names the whole path; MISP may give the hive apart.
        let k = match hive {
            Some(h) if !k.to_ascii_lowercase().starts_with("hk") => {
                format!("{h}\\{k}")
            }
            _ => k,
        };
        b.shape.terms.insert(
            0,
            Term::eq("windows-registry-key", "windows-registry-key:key", &k),
        );
        reg.insert("key".into(), json!(k));
    }
    if !value.is_empty() {
        reg.insert("values".into(), json!([value]));
    }
    if let Some(m) = modified {
        reg.insert("modified_time".into(), json!(m));
    }
    if !reg.is_empty() {
        b.shape.scos.add("windows-registry-key", Value::Object(reg));
    }
    b
}

fn file(attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    let mut f = Map::new();
    let mut hashes = Map::new();
    for (i, a) in attrs.iter().enumerate() {
        let rel = a.relation.as_str();
        let v = a.value.trim();
        let alg = if hash_name(rel).is_some() {
            Some(rel)
        } else {
            hash_name(&a.misp_type).map(|_| a.misp_type.as_str())
        };
        if let Some(alg) = alg {
            let Some((name, h)) = b.check(i, hash_value(alg, v)) else {
                continue;
            };
            let path = if name.bytes().all(|c| c.is_ascii_alphanumeric()) {
                format!("file:hashes.{name}")
            } else {
                format!("file:hashes.'{name}'")
            };
            b.shape.terms.push(Term::eq("file", &path, &h));
            hashes.insert(name.into(), json!(h));
            continue;
        }
        match rel {
            "filename" => {
                if v.is_empty() || v.len() > renkei_core::indicator::MAX_VALUE_LEN {
                    b.errors.push((
                        i,
                        crate::refusal(
                            "value",
                            "misp-text-length",
                            &[("max", "4096")],
                            "a file name must be 1 to 4096 bytes",
                        ),
                    ));
                    continue;
                }
                b.shape.terms.push(Term::eq("file", "file:name", v));
                f.entry("name").or_insert(json!(v));
            }
            "size-in-bytes" => match v.parse::<i64>() {
                Ok(n) if n >= 0 => {
                    b.shape.terms.push(Term::int("file", "file:size", n, v));
                    f.insert("size".into(), json!(n));
                }
                _ => b.errors.push((i, super::terms::not_size(v))),
            },
            "mimetype" => {
                f.insert("mime_type".into(), json!(v));
            }
            _ => b.skip(i, not_mapped("file", rel)),
        }
    }
    if !hashes.is_empty() {
        f.insert("hashes".into(), Value::Object(hashes));
    }
    if !f.is_empty() {
        b.shape.scos.add("file", Value::Object(f));
    }
    b
}

fn domain_ip(attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    let mut domains: Vec<IndicatorValue> = Vec::new();
    let mut ips: Vec<(IndicatorValue, String)> = Vec::new();
    for (i, a) in attrs.iter().enumerate() {
        match a.relation.as_str() {
            "domain" | "hostname" => {
                if let Some(d) = b.check(i, IndicatorValue::parse(ValueKind::Domain, &a.value)) {
                    domains.push(d);
                }
            }
            "ip" => {
                if let Some(v) = b.check(i, ip(&a.value)) {
                    let r = host_sco(&mut b.shape.scos, &v);
                    ips.push((v, r));
                }
            }
            rel => b.skip(i, not_mapped("domain-ip", rel)),
        }
    }
    if domains.is_empty() {
        // Addresses alone: each as an address.
        for (v, _) in &ips {
            b.shape
                .terms
                .push(Term::eq(sco_type(v), v.kind().stix_path(), v.value()));
        }
        return b;
    }
    for (n, d) in domains.iter().enumerate() {
        b.shape
            .terms
            .push(Term::eq("domain-name", "domain-name:value", d.value()));
        let mut sco = json!({"value": d.value()});
        if n == 0 && !ips.is_empty() {
            sco["resolves_to_refs"] = json!(ips.iter().map(|(_, r)| r).collect::<Vec<_>>());
        }
        b.shape.scos.add("domain-name", sco);
    }
    for (v, _) in &ips {
        b.shape.terms.push(Term::eq(
            "domain-name",
            "domain-name:resolves_to_refs[*].value",
            v.value(),
        ));
    }
    b
}

/// The parts of a URL a `url` object repeats beside it.
const URL_PARTS: &[&str] = &[
    "domain",
    "host",
    "ip",
    "port",
    "scheme",
    "resource_path",
    "query_string",
    "fragment",
    "subdomain",
    "tld",
    "domain_without_tld",
    "credential",
];

fn url_object(attrs: &[Attr]) -> Built {
    let mut b = Built::default();
    for (i, a) in attrs.iter().enumerate() {
        match a.relation.as_str() {
            "url" => {
                if let Some(v) = b.check(i, url(&a.value)) {
                    b.shape.terms.push(Term::eq("url", "url:value", v.value()));
                    host_sco(&mut b.shape.scos, &v);
                }
            }
            rel if URL_PARTS.contains(&rel) => {
                b.skip(i, "a part of the object's URL, which url:value holds whole");
            }
            rel => b.skip(i, not_mapped("url", rel)),
        }
    }
    b
}
