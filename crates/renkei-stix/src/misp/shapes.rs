//! What one MISP attribute (or object) is in STIX: the pattern terms an
//! indicator tests, and the observables (SCOs) an `observed-data` shows.
//! Both come from the same shape so the two never disagree.

use serde_json::{Map, Value, json};

/// One test in a pattern, with the STIX object type it is about.
#[derive(Debug, Clone)]
pub(super) struct Term {
    pub(super) object_type: &'static str,
    /// Terms with the same key are alternatives (`OR`): one property cannot
    /// equal two values, and one end of a connection is one host.
    pub(super) key: String,
    pub(super) comparison: String,
    /// The raw MISP value, for the indicator's name.
    pub(super) shown: String,
}

impl Term {
    /// `path = 'value'`, the value escaped for a STIX pattern string.
    pub(super) fn eq(object_type: &'static str, path: &str, value: &str) -> Self {
        Self {
            object_type,
            key: path.to_owned(),
            comparison: format!("{path} = '{}'", escape(value)),
            shown: value.to_owned(),
        }
    }

    /// `path = 443`, for integer properties (ports, AS numbers, sizes).
    pub(super) fn int(object_type: &'static str, path: &str, value: i64, shown: &str) -> Self {
        Self {
            object_type,
            key: path.to_owned(),
            comparison: format!("{path} = {value}"),
            shown: shown.to_owned(),
        }
    }

    /// One end of a connection, as misp-stix writes it:
    /// `(network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '…')`.
    pub(super) fn endpoint(side: &str, sco_type: &str, value: &str) -> Self {
        let path = format!("network-traffic:{side}_ref");
        Self {
            object_type: "network-traffic",
            key: path.clone(),
            comparison: format!(
                "({path}.type = '{sco_type}' AND {path}.value = '{}')",
                escape(value)
            ),
            shown: value.to_owned(),
        }
    }
}

pub(super) fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\'', "\\'")
}

/// A pattern testing all `terms`: those about the same object type share
/// one observation (STIX requires AND inside `[...]` to stay on one type),
/// and the observations are ANDed. Within one observation, terms with the
/// same key are alternatives, and different keys are ANDed.
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
            let mut keys: Vec<(&str, Vec<&str>)> = Vec::new();
            for t in terms.iter().filter(|t| t.object_type == *ty) {
                match keys.iter_mut().find(|(k, _)| *k == t.key) {
                    Some((_, v)) => {
                        if !v.contains(&t.comparison.as_str()) {
                            v.push(t.comparison.as_str());
                        }
                    }
                    None => keys.push((t.key.as_str(), vec![t.comparison.as_str()])),
                }
            }
            let inner: Vec<String> = keys
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

/// Observables under construction. A reference to another observable of
/// the same shape is written as the placeholder [`Scos::add`] returned and
/// becomes its id in [`Scos::finish`].
#[derive(Debug, Clone, Default)]
pub(super) struct Scos(pub(super) Vec<(&'static str, Map<String, Value>)>);

const PLACEHOLDER: &str = "@sco:";

impl Scos {
    pub(super) fn add(&mut self, ty: &'static str, props: Value) -> String {
        let map = match props {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        self.0.push((ty, map));
        format!("{PLACEHOLDER}{}", self.0.len() - 1)
    }

    pub(super) fn extend(&mut self, other: Scos) -> Vec<String> {
        let base = self.0.len();
        let mut mapped = Vec::new();
        for (ty, mut m) in other.0 {
            for v in m.values_mut() {
                shift(v, base);
            }
            self.0.push((ty, m));
            mapped.push(format!("{PLACEHOLDER}{}", self.0.len() - 1));
        }
        mapped
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The observables as STIX objects, their ids made by `id_of(type, n)`.
    pub(super) fn finish(self, id_of: impl Fn(&str, usize) -> String) -> Vec<Value> {
        let ids: Vec<String> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, (ty, _))| id_of(ty, i))
            .collect();
        self.0
            .into_iter()
            .zip(&ids)
            .map(|((ty, mut m), id)| {
                for v in m.values_mut() {
                    resolve(v, &ids);
                }
                let mut o = json!({"type": ty, "spec_version": "2.1", "id": id});
                if let Some(map) = o.as_object_mut() {
                    map.extend(m);
                }
                o
            })
            .collect()
    }
}

fn shift(v: &mut Value, base: usize) {
    match v {
        Value::String(s) => {
            if let Some(n) = s
                .strip_prefix(PLACEHOLDER)
                .and_then(|n| n.parse::<usize>().ok())
            {
                *s = format!("{PLACEHOLDER}{}", n + base);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| shift(x, base)),
        Value::Object(m) => m.values_mut().for_each(|x| shift(x, base)),
        _ => {}
    }
}

fn resolve(v: &mut Value, ids: &[String]) {
    match v {
        Value::String(s) => {
            if let Some(id) = s
                .strip_prefix(PLACEHOLDER)
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| ids.get(n))
            {
                *s = id.clone();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| resolve(x, ids)),
        Value::Object(m) => m.values_mut().for_each(|x| resolve(x, ids)),
        _ => {}
    }
}

/// A shape: terms for the pattern, observables for observed-data.
#[derive(Debug, Clone, Default)]
pub(super) struct Shape {
    pub(super) terms: Vec<Term>,
    pub(super) scos: Scos,
}
