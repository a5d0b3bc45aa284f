//! Indicator values as the index holds them: what a look-up probes, and
//! what a probe's answer means.

use renkei_core::{IndicatorValue, ValueKind};

/// The indexed strings that a look-up of `v` must find: the value itself
/// and, for an address, every network that contains it (so `198.51.100.7`
/// finds an indicator for `198.51.100.0/24`) — exact index probes, no scan.
pub(crate) fn candidates(v: &IndicatorValue) -> Vec<String> {
    let mut out = vec![v.value().to_owned()];
    if let Some(net) = v.net() {
        let min = if v.kind() == ValueKind::Ipv4 { 8 } else { 16 };
        for len in min..net.prefix_len() {
            if let Ok(wider) = ipnet::IpNet::new(net.addr(), len) {
                out.push(wider.trunc().to_string());
            }
        }
    }
    out
}

/// Whether an indexed `(kind, value)` answers a look-up of `v`.
pub(crate) fn answers(v: &IndicatorValue, kind: ValueKind, value: &str) -> bool {
    if kind != v.kind() {
        return false;
    }
    if value == v.value() {
        return true;
    }
    match (v.net(), value.parse::<ipnet::IpNet>()) {
        (Some(n), Ok(wider)) => wider.contains(&n),
        _ => false,
    }
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    // ASCII only, as SQLite's LOWER() folds only ASCII.
    for c in text.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}
