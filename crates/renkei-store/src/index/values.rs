//! Indicator values as the index holds them: what a look-up probes, and
//! what a probe's answer means.

use renkei_core::related::{Inside, Related, inside};
use renkei_core::{IndicatorValue, ValueKind};

use super::export::prefix_end;
use crate::backend::Sql;

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

/// Whether an indexed `(kind, value)` answers a look-up of `v`: the value
/// itself, a network holding it, or, for a network, a single address
/// inside it.
pub(crate) fn answers(v: &IndicatorValue, kind: ValueKind, value: &str) -> bool {
    if kind != v.kind() {
        return false;
    }
    if value == v.value() {
        return true;
    }
    let Some(n) = v.net() else {
        return false;
    };
    if let Ok(wider) = value.parse::<ipnet::IpNet>() {
        return wider.contains(&n);
    }
    v.is_network()
        && value
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| n.contains(&a))
}

/// The condition (on `iv`) that an index row answers a look-up of `v`:
/// exact probes for the value and the networks holding it and, for a
/// network, ranges of the single addresses inside it (`related::inside`,
/// exact for IPv4; IPv6 rows of a wider prefix are left to [`answers`]).
pub(crate) fn value_clause(d: &mut Sql<'_>, v: &IndicatorValue) -> String {
    let k = d.p(v.kind().as_str());
    let ps: Vec<String> = candidates(v).into_iter().map(|c| d.p(c)).collect();
    let mut or = vec![format!("iv.value IN ({})", ps.join(", "))];
    if v.is_network() {
        let within = match v.net().as_ref().and_then(inside) {
            Some(Inside::Exact(a)) => {
                let ps: Vec<String> = a.into_iter().map(|x| d.p(x)).collect();
                vec![format!("iv.value IN ({})", ps.join(", "))]
            }
            Some(Inside::Prefixes(ps)) => ps.iter().map(|p| range(d, p)).collect(),
            Some(Inside::Candidates(p)) => vec![range(d, &p)],
            None => Vec::new(),
        };
        if !within.is_empty() {
            or.push(format!(
                "(iv.value NOT LIKE '%/%' AND ({}))",
                within.join(" OR ")
            ));
        }
    }
    format!("(iv.kind = {k} AND ({}))", or.join(" OR "))
}

/// `iv.value` starting with `prefix`, as a range the value index answers
/// (the column compares bytes on both backends: `COLLATE "C"`, migration
/// 0015).
fn range(d: &mut Sql<'_>, prefix: &str) -> String {
    let from = d.p(prefix.to_owned());
    match prefix_end(prefix) {
        Some(end) => {
            let end = d.p(end);
            format!("(iv.value >= {from} AND iv.value < {end})")
        }
        None => format!("iv.value >= {from}"),
    }
}

/// The condition that an index row answers a search for any of `r`'s
/// values: each exact one as [`value_clause`], each prefix as a range.
pub(crate) fn related_clause(d: &mut Sql<'_>, r: &Related) -> String {
    let mut or: Vec<String> = r.exact.iter().map(|v| value_clause(d, v)).collect();
    for (kind, prefix) in &r.prefixes {
        let k = d.p(kind.as_str());
        let range = range(d, prefix);
        or.push(format!("(iv.kind = {k} AND {range})"));
    }
    format!("({})", or.join(" OR "))
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
