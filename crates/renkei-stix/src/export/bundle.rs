//! [`BundleWriter`]: a STIX 2.1 bundle written an object at a time. Every
//! object carries `object_marking_refs` for the TLP it is held under (an
//! object whose TLP came from its collection's default gets the TLP 2.0
//! marking added, so no consumer reads it as unmarked), and the bundle
//! ends with the marking-definition objects its objects reference among
//! the TLP ones the specifications define, as those define them.

use std::io::{self, Write};

use renkei_core::Tlp;
use serde_json::Value;

use crate::marking::{reserved_marking, tlp_for_marking_id, tlp_marking_id};

/// Writes one bundle: [`BundleWriter::start`], an
/// [`BundleWriter::object`] per stored object, [`BundleWriter::finish`].
#[derive(Debug, Default)]
pub struct BundleWriter {
    /// Objects written.
    written: usize,
    /// The reserved (TLP) marking-definition ids referenced, in first use
    /// order: at most nine.
    referenced: Vec<String>,
}

impl BundleWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// The bundle's opening, with its id (`bundle--` and a UUID).
    pub fn start<W: Write>(&mut self, out: &mut W, id: &str) -> io::Result<()> {
        write!(out, "{{\"type\":\"bundle\",\"id\":{}", Value::from(id))
    }

    /// One stored object (its JSON text), held under `tlp`. The TLP
    /// marking-definitions themselves are written once, at the end, as
    /// the specifications define them (a stored one is identical:
    /// `object::parse_object` refuses any other).
    pub fn object<W: Write>(&mut self, out: &mut W, body: &str, tlp: Tlp) -> io::Result<()> {
        let mut obj: serde_json::Map<String, Value> =
            serde_json::from_str(body).map_err(io::Error::other)?;
        let id = obj.get("id").and_then(Value::as_str).unwrap_or_default();
        if reserved_marking(id).is_some() {
            self.reference(id);
            return Ok(());
        }
        let (object_refs, granular_refs) = marking_refs(&obj);
        // Marked as a whole, not only in parts (granular markings).
        let marked = object_refs.iter().any(|r| tlp_for_marking_id(r).is_some());
        for r in object_refs.iter().chain(&granular_refs) {
            self.reference(r);
        }
        out.write_all(if self.written == 0 {
            b",\"objects\":["
        } else {
            b","
        })?;
        if marked {
            out.write_all(body.as_bytes())?;
        } else {
            let tlp_id = tlp_marking_id(tlp);
            self.reference(tlp_id);
            match obj.get_mut("object_marking_refs") {
                Some(Value::Array(a)) => a.push(Value::from(tlp_id)),
                _ => {
                    obj.insert(
                        "object_marking_refs".into(),
                        Value::Array(vec![Value::from(tlp_id)]),
                    );
                }
            }
            serde_json::to_writer(&mut *out, &obj).map_err(io::Error::other)?;
        }
        self.written += 1;
        Ok(())
    }

    /// Writes the referenced TLP marking definitions and closes the
    /// bundle; returns how many objects it holds. A bundle of nothing has
    /// no `objects` (STIX 2.1 §8: if present, it holds one or more).
    pub fn finish<W: Write>(self, out: &mut W) -> io::Result<usize> {
        let mut n = self.written;
        for id in &self.referenced {
            if let Some(def) = reserved_marking(id) {
                out.write_all(if n == 0 { b",\"objects\":[" } else { b"," })?;
                serde_json::to_writer(&mut *out, &def).map_err(io::Error::other)?;
                n += 1;
            }
        }
        if n > 0 {
            out.write_all(b"]")?;
        }
        out.write_all(b"}")?;
        Ok(n)
    }

    fn reference(&mut self, id: &str) {
        if reserved_marking(id).is_some() && !self.referenced.iter().any(|r| r == id) {
            self.referenced.push(id.to_owned());
        }
    }
}

/// The marking-definition ids an object refers to: its
/// `object_marking_refs`, and each granular marking's `marking_ref`.
fn marking_refs(obj: &serde_json::Map<String, Value>) -> (Vec<String>, Vec<String>) {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let granular = obj
        .get("granular_markings")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(|m| m.get("marking_ref").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    (strings(obj.get("object_marking_refs")), granular)
}

#[cfg(test)]
mod tests;
