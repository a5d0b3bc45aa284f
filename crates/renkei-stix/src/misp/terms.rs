//! One MISP attribute (type and value) as STIX pattern terms, and the
//! pattern that tests a set of terms.

use renkei_core::{IndicatorValue, ParseError, ValueKind};

/// One test in a pattern, with the STIX object type it is about.
#[derive(Debug)]
pub(super) struct Term {
    pub(super) object_type: &'static str,
    pub(super) comparison: String,
    /// The raw MISP value, for the indicator's name.
    pub(super) shown: String,
}

impl Term {
    fn value(v: &IndicatorValue) -> Self {
        let pattern = v.stix_pattern();
        // `[path = 'value']` → `path = 'value'`, keeping core's escaping.
        let comparison = pattern
            .strip_prefix('[')
            .and_then(|p| p.strip_suffix(']'))
            .unwrap_or(&pattern)
            .to_owned();
        let object_type = match v.kind() {
            ValueKind::Ipv4 => "ipv4-addr",
            ValueKind::Ipv6 => "ipv6-addr",
            ValueKind::Domain => "domain-name",
            ValueKind::Url => "url",
            ValueKind::Email => "email-addr",
            ValueKind::Md5 | ValueKind::Sha1 | ValueKind::Sha256 | ValueKind::Sha512 => "file",
        };
        Self {
            object_type,
            comparison,
            shown: v.value().to_owned(),
        }
    }

    fn file_name(name: &str) -> Result<Self, ParseError> {
        let name = name.trim();
        if name.is_empty() || name.len() > renkei_core::indicator::MAX_VALUE_LEN {
            return Err(ParseError::new(
                "value",
                "a file name must be 1 to 4096 bytes",
            ));
        }
        let escaped = name.replace('\\', "\\\\").replace('\'', "\\'");
        Ok(Self {
            object_type: "file",
            comparison: format!("file:name = '{escaped}'"),
            shown: name.to_owned(),
        })
    }
}

/// A pattern testing all `terms`: those about the same object type share
/// one observation (STIX requires AND inside `[...]` to stay on one type),
/// and the observations are ANDed. Within one observation, terms on the
/// same property are alternatives (`a = 1 OR a = 2`: one value cannot equal
/// both), and different properties are ANDed.
pub(super) fn pattern(terms: &[Term]) -> String {
    let mut types: Vec<&str> = Vec::new();
    for t in terms {
        if !types.contains(&t.object_type) {
            types.push(t.object_type);
        }
    }
    types
        .iter()
        .map(|ty| {
            let mut paths: Vec<(&str, Vec<&str>)> = Vec::new();
            for t in terms.iter().filter(|t| t.object_type == *ty) {
                let path = t.comparison.split(" = ").next().unwrap_or_default();
                match paths.iter_mut().find(|(p, _)| *p == path) {
                    Some((_, v)) => v.push(t.comparison.as_str()),
                    None => paths.push((path, vec![t.comparison.as_str()])),
                }
            }
            let inner: Vec<String> = paths
                .iter()
                .map(|(_, v)| match v.as_slice() {
                    [one] => (*one).to_owned(),
                    many => format!("({})", many.join(" OR ")),
                })
                .collect();
            format!("[{}]", inner.join(" AND "))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

pub(super) enum Mapped {
    Terms(Vec<Term>),
    Skip(String),
    Bad(ParseError),
}

fn ip(raw: &str) -> Result<IndicatorValue, ParseError> {
    let kind = if raw.contains(':') {
        ValueKind::Ipv6
    } else {
        ValueKind::Ipv4
    };
    IndicatorValue::parse(kind, raw)
}

/// Maps one attribute's type and value. File names alone are only a term
/// inside a MISP object (next to a hash); on their own they are skipped.
pub(super) fn map_attribute(misp_type: &str, value: &str, in_object: bool) -> Mapped {
    let t = misp_type.trim().to_ascii_lowercase();
    let one = |r: Result<IndicatorValue, ParseError>| match r {
        Ok(v) => Mapped::Terms(vec![Term::value(&v)]),
        Err(e) => Mapped::Bad(e),
    };
    let parse = |kind: ValueKind, raw: &str| IndicatorValue::parse(kind, raw);
    match t.as_str() {
        "ip-src" | "ip-dst" | "ip" => one(ip(value)),
        "ip-src|port" | "ip-dst|port" => one(ip(value.split_once('|').map_or(value, |(a, _)| a))),
        "domain" | "hostname" => one(parse(ValueKind::Domain, value)),
        "url" => one(parse(ValueKind::Url, value)),
        "email" | "email-src" | "email-dst" => one(parse(ValueKind::Email, value)),
        "md5" | "sha1" | "sha256" | "sha512" => match ValueKind::parse(&t) {
            Ok(k) => one(parse(k, value)),
            Err(e) => Mapped::Bad(e),
        },
        "domain|ip" => {
            let Some((d, a)) = value.split_once('|') else {
                return Mapped::Bad(ParseError::new(
                    "value",
                    format!("{value:?} is not domain|ip"),
                ));
            };
            match (parse(ValueKind::Domain, d), ip(a)) {
                (Ok(d), Ok(a)) => Mapped::Terms(vec![Term::value(&d), Term::value(&a)]),
                (Err(e), _) | (_, Err(e)) => Mapped::Bad(e),
            }
        }
        "filename|md5" | "filename|sha1" | "filename|sha256" | "filename|sha512" => {
            let hash = &t["filename|".len()..];
            let Some((name, h)) = value.rsplit_once('|') else {
                return Mapped::Bad(ParseError::new(
                    "value",
                    format!("{value:?} is not filename|{hash}"),
                ));
            };
            let kind = match ValueKind::parse(hash) {
                Ok(k) => k,
                Err(e) => return Mapped::Bad(e),
            };
            match (Term::file_name(name), parse(kind, h)) {
                (Ok(n), Ok(h)) => Mapped::Terms(vec![n, Term::value(&h)]),
                (Err(e), _) | (_, Err(e)) => Mapped::Bad(e),
            }
        }
        "filename" if in_object => match Term::file_name(value) {
            Ok(n) => Mapped::Terms(vec![n]),
            Err(e) => Mapped::Bad(e),
        },
        "uri" => Mapped::Skip("a URI without a host cannot be made a URL indicator".into()),
        "link" => Mapped::Skip("a link to a reference, not an indicator".into()),
        _ => Mapped::Skip(format!("MISP type {misp_type:?} is not one renkei indexes")),
    }
}
