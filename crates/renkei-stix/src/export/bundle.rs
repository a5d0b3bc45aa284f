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
        // Only the properties markings live in are read; the rest is
        // skipped over, not built.
        let head: Head<'_> = serde_json::from_str(body).map_err(io::Error::other)?;
        if reserved_marking(&head.id).is_some() {
            self.reference(&head.id);
            return Ok(());
        }
        let object_refs = head.object_marking_refs.as_deref().unwrap_or_default();
        // Marked as a whole, not only in parts (granular markings).
        let marked = object_refs.iter().any(|r| tlp_for_marking_id(r).is_some());
        for r in object_refs.iter().chain(
            head.granular_markings
                .iter()
                .flatten()
                .filter_map(|g| g.marking_ref.as_ref()),
        ) {
            self.reference(r);
        }
        out.write_all(if self.written == 0 {
            b",\"objects\":["
        } else {
            b","
        })?;
        let tlp_id = tlp_marking_id(tlp);
        match (
            marked,
            head.object_marking_refs.is_some(),
            body.trim_start().strip_prefix('{'),
        ) {
            (true, _, _) => out.write_all(body.as_bytes())?,
            // No markings at all: the TLP goes in front, the stored text
            // follows as it is.
            (false, false, Some(rest)) => {
                write!(out, "{{\"object_marking_refs\":[\"{tlp_id}\"]")?;
                if !rest.trim_start().starts_with('}') {
                    out.write_all(b",")?;
                }
                out.write_all(rest.as_bytes())?;
            }
            // Other markings (a statement): the TLP joins them.
            _ => {
                let mut obj: serde_json::Map<String, Value> =
                    serde_json::from_str(body).map_err(io::Error::other)?;
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
        }
        if !marked {
            self.reference(tlp_id);
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

/// What a stored object says about its markings: its id, its
/// `object_marking_refs` and its granular markings' references (borrowed
/// where the text allows, owned where it has escapes).
#[derive(Debug, serde::Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    id: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    object_marking_refs: Option<Vec<std::borrow::Cow<'a, str>>>,
    #[serde(borrow, default)]
    granular_markings: Option<Vec<Granular<'a>>>,
}

#[derive(Debug, serde::Deserialize)]
struct Granular<'a> {
    #[serde(borrow, default)]
    marking_ref: Option<std::borrow::Cow<'a, str>>,
}

#[cfg(test)]
mod tests;
