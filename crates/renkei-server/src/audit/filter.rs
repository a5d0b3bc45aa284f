//! The audit log's filters as people and clients send them (who,
//! organisation, action, object, a range of days in Japan time, outcome,
//! and where a page starts), checked field by field before anything is
//! asked of the store. The portal page and `GET /api/v1/audit` both read
//! them here, so the two cannot accept different things.

use renkei_core::{AuditOutcome, OrgId, Timestamp};
use renkei_store::{ACTIONS, AuditFilter};
use serde::Deserialize;

use crate::http::auth::Principal;

/// Longest who/object filter, in characters.
const MAX_TEXT: usize = 200;

/// The filters as sent; all text, checked by [`parse`].
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FilterForm {
    #[serde(default)]
    pub who: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub before: String,
}

impl FilterForm {
    /// The filters (not `before`) by name, trimmed, as the form and the
    /// query string name them: one list for links and the page's fields.
    pub(crate) fn fields(&self) -> [(&'static str, &str); 7] {
        [
            ("who", self.who.trim()),
            ("org", self.org.trim()),
            ("action", self.action.trim()),
            ("object", self.object.trim()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
            ("outcome", self.outcome.trim()),
        ]
    }
}

/// A filter field that is not valid: its name (`audit-error-<field>`),
/// or `range` when the end day is before the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadField(pub &'static str);

/// The filter `f` asks for. `org` is only the sender's choice; who may
/// read which organisation's entries is decided by [`scope`] (the page)
/// and the store.
pub(crate) fn parse(f: &FilterForm) -> Result<AuditFilter, BadField> {
    let text = |v: &str, field| {
        let v = v.trim();
        match v.chars().count() {
            0 => Ok(None),
            n if n > MAX_TEXT => Err(BadField(field)),
            _ => Ok(Some(v.to_owned())),
        }
    };
    let actor = text(&f.who, "who")?;
    let object = text(&f.object, "object")?;
    let org = match f.org.trim() {
        "" => None,
        o => Some(OrgId(
            o.parse().ok().filter(|n| *n > 0).ok_or(BadField("org"))?,
        )),
    };
    let action = match f.action.trim() {
        "" => None,
        a => Some(
            ACTIONS
                .iter()
                .find(|x| **x == a)
                .ok_or(BadField("action"))?
                .to_string(),
        ),
    };
    let outcome = match f.outcome.trim() {
        "" => None,
        o => Some(AuditOutcome::parse(o).ok_or(BadField("outcome"))?),
    };
    let from = jst_day(&f.from, "from")?;
    let to = jst_day(&f.to, "to")?;
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        return Err(BadField("range"));
    }
    let before_seq = match f.before.trim() {
        "" => None,
        b => Some(
            b.parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(BadField("before"))?,
        ),
    };
    Ok(AuditFilter {
        org,
        actor,
        action,
        object,
        from,
        // The end day is included: entries before the next day's start.
        until: to.map(|t| t.plus_seconds(24 * 3600)),
        outcome,
        before_seq,
    })
}

/// The start of a `YYYY-MM-DD` day in Japan time.
fn jst_day(v: &str, field: &'static str) -> Result<Option<Timestamp>, BadField> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(v, &fmt).map_err(|_| BadField(field))?;
    if !(1970..=9999).contains(&d.year()) {
        return Err(BadField(field));
    }
    let at = d.midnight().assume_offset(time::macros::offset!(+9));
    Ok(Some(Timestamp((at.unix_timestamp_nanos() / 1_000) as i64)))
}

/// The organisation whose entries the page shows: an organisation
/// administrator always their own, a platform administrator the one
/// chosen (all when none).
pub(crate) fn scope(p: &Principal, f: &mut AuditFilter) {
    if !renkei_core::is_platform_admin(p.viewer()) {
        f.org = p.viewer().org;
    }
}

/// The query string of `form` (and `before`), for links that keep the view.
pub(crate) fn query_of(form: &FilterForm, before: Option<i64>) -> String {
    let mut parts: Vec<String> = form
        .fields()
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect();
    if let Some(b) = before {
        parts.push(format!("before={b}"));
    }
    parts.join("&")
}

pub(crate) fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FilterForm {
        let q: String = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        serde_urlencoded::from_str(&q).expect("form")
    }

    #[test]
    fn bad_filters_name_their_field() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("from", "2026-13-01")], "from"),
            (&[("to", "yesterday")], "to"),
            (&[("from", "2026-04-02"), ("to", "2026-04-01")], "range"),
            (&[("action", "item.steal")], "action"),
            (&[("outcome", "maybe")], "outcome"),
            (&[("org", "-3")], "org"),
            (&[("before", "x")], "before"),
        ];
        for (pairs, field) in cases {
            assert_eq!(parse(&form(pairs)), Err(BadField(field)), "{pairs:?}");
        }
        let long = "x".repeat(201);
        assert_eq!(parse(&form(&[("who", &long)])), Err(BadField("who")));
        assert_eq!(parse(&form(&[("object", &long)])), Err(BadField("object")));
    }

    #[test]
    fn dates_are_whole_days_in_japan_time() {
        let f = parse(&form(&[("from", "2026-04-01"), ("to", "2026-04-01")])).expect("valid");
        // 2026-04-01 00:00 JST is 2026-03-31 15:00 UTC.
        assert_eq!(
            f.from.map(Timestamp::to_rfc3339).as_deref(),
            Some("2026-03-31T15:00:00Z")
        );
        assert_eq!(
            f.until.map(Timestamp::to_rfc3339).as_deref(),
            Some("2026-04-01T15:00:00Z")
        );
    }

    #[test]
    fn links_keep_every_filter_set_and_only_those() {
        let f = form(&[("who", "a b@x.jp"), ("outcome", "denied"), ("to", "")]);
        assert_eq!(
            query_of(&f, Some(7)),
            "who=a%20b%40x.jp&outcome=denied&before=7"
        );
    }
}
