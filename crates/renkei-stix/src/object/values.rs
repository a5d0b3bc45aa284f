//! Property values checked wherever they appear in an object: identifiers
//! brought to their canonical lower case, `binary` and `hex` values, and
//! custom properties, whose values are their producer's business.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use super::Check;
use crate::id::canonical_id;

/// Whether `key` names a custom property (STIX 2.1 §11.1: `x_` prefix).
/// Its name follows the specification's naming rules like any other
/// property's; its value is not ours to judge.
pub(super) fn is_custom_property(key: &str) -> bool {
    key.starts_with("x_")
}

/// Whether `key`, a key of an `extensions` dictionary, names an extension
/// the specification does not define: an extension definition's id, or a
/// (deprecated) custom `x-` extension. Their properties are custom.
fn is_custom_extension(key: &str) -> bool {
    key.starts_with("extension-definition--") || key.starts_with("x-")
}

/// Does `key` hold identifiers by the naming convention of STIX 2.1 §3.1
/// (`_ref`: one identifier, `_refs`: a list of them)?
fn holds_ids(key: &str) -> bool {
    key.ends_with("_ref") || key.ends_with("_refs")
}

/// Does `v` (an object, at the top when `top`) name any identifier with
/// upper-case hex: its `id`, a `_ref`/`_refs` value at any depth, or a key
/// of an `extensions` dictionary?
pub(super) fn has_upper_case_ids(v: &Value, top: bool) -> bool {
    let upper = |s: &str| matches!(canonical_id(s), Cow::Owned(_));
    let ids = |v: &Value| match v {
        Value::String(s) => upper(s),
        Value::Array(a) => a.iter().any(|x| x.as_str().is_some_and(upper)),
        _ => false,
    };
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| {
            (top && k == "id" && ids(x))
                || (holds_ids(k) && ids(x))
                || (k == "extensions" && x.as_object().is_some_and(|e| e.keys().any(|k| upper(k))))
                || has_upper_case_ids(x, false)
        }),
        Value::Array(a) => a.iter().any(|x| has_upper_case_ids(x, false)),
        _ => false,
    }
}

/// Rewrites every identifier [`has_upper_case_ids`] finds to lower case.
/// An `extensions` key whose lower-case form is already a key stays as it
/// is (and is then refused as any unknown extension would be).
pub(super) fn lower_case_ids(v: &mut Value, top: bool) {
    let lower = |s: &mut String| {
        if let Cow::Owned(c) = canonical_id(s) {
            *s = c;
        }
    };
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if (top && k == "id") || holds_ids(k) {
                    match x {
                        Value::String(s) => lower(s),
                        Value::Array(a) => {
                            for y in a {
                                if let Value::String(s) = y {
                                    lower(s);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                if k == "extensions"
                    && let Value::Object(e) = x
                {
                    lower_case_keys(e);
                }
                lower_case_ids(x, false);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| lower_case_ids(x, false)),
        _ => {}
    }
}

fn lower_case_keys(e: &mut Map<String, Value>) {
    let renamed: Vec<(String, String)> = e
        .keys()
        .filter_map(|k| match canonical_id(k) {
            Cow::Owned(c) => Some((k.clone(), c)),
            Cow::Borrowed(_) => None,
        })
        .collect();
    for (from, to) in renamed {
        if !e.contains_key(&to)
            && let Some(x) = e.remove(&from)
        {
            e.insert(to, x);
        }
    }
}

/// RFC 4648 §4 base64, padded as the STIX 2.1 schema's `binary` pattern
/// requires; pad bits need not be zero (§3.5 leaves that to decoders).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Checks every `binary` (`…_bin`) and `hex` (`…_hex`) value of the object
/// (STIX 2.1 §2.3, §2.6: such properties end in those suffixes), at any
/// depth, naming each bad one by its JSON path; custom properties and
/// custom extensions are left alone.
pub(super) fn check_encodings(c: &mut Check<'_>) {
    let mut found = Vec::new();
    encodings(c.obj, "", &mut found);
    for (path, message) in found {
        c.err(path, message);
    }
}

fn encodings(m: &Map<String, Value>, path: &str, out: &mut Vec<(String, String)>) {
    let in_extensions = path.ends_with("extensions");
    for (k, v) in m {
        if is_custom_property(k) || (in_extensions && is_custom_extension(k)) {
            continue;
        }
        let here = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        if k.ends_with("_bin") {
            match v.as_str() {
                Some(s) if !s.is_empty() && BASE64.decode(s).is_ok() => {}
                _ => out.push((
                    here.clone(),
                    "must be RFC 4648 base64 (A-Z a-z 0-9 + /, padded with = to a multiple of 4)"
                        .to_owned(),
                )),
            }
        } else if k.ends_with("_hex") {
            match v.as_str() {
                Some(s)
                    if !s.is_empty()
                        && s.len() % 2 == 0
                        && s.bytes().all(|b| b.is_ascii_hexdigit()) => {}
                _ => out.push((
                    here.clone(),
                    "must be hexadecimal octets (an even number of 0-9 a-f)".to_owned(),
                )),
            }
        }
        match v {
            Value::Object(x) => encodings(x, &here, out),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    if let Value::Object(x) = x {
                        encodings(x, &format!("{here}[{i}]"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Checks the property names of custom extensions (STIX 2.1 §7.3: they
/// follow §3.1's rules for property names), never their values.
pub(super) fn check_extension_names(c: &mut Check<'_>) {
    let Some(ext) = c.obj.get("extensions").and_then(Value::as_object) else {
        return;
    };
    let mut found = Vec::new();
    for (name, e) in ext.iter().filter(|(k, _)| is_custom_extension(k)) {
        for key in e.as_object().into_iter().flat_map(Map::keys) {
            if !is_property_name(key) {
                found.push(format!("extensions.{name}.{key}"));
            }
        }
    }
    for field in found {
        c.err(field, PROPERTY_NAME_RULE);
    }
}

pub(super) const PROPERTY_NAME_RULE: &str = "property names are 3-250 characters of a-z, 0-9 and _";

/// STIX 2.1 §3.1: 3 to 250 characters of `a-z`, `0-9` and `_` (`id` is
/// the one shorter name).
pub(super) fn is_property_name(key: &str) -> bool {
    key.len() <= 250
        && (key.len() >= 3 || key == "id")
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
