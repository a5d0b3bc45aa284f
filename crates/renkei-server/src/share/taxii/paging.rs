//! Object requests' query parameters, stateless `next` tokens, and the
//! paged answer: the envelope and its date headers.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use renkei_core::Timestamp;
use renkei_stix::StixTime;
use renkei_store::intel::{StixQuery, VersionMatch};
use serde_json::{Value, json};

use super::base::*;

/// Decoded query parameters of object requests.
#[derive(Debug, Default)]
pub(super) struct Params {
    pub(super) added_after: Option<i64>,
    pub(super) limit: Option<i64>,
    pub(super) next: Option<(i64, i64)>,
    pub(super) ids: Vec<String>,
    pub(super) types: Vec<String>,
    pub(super) versions: Option<VersionMatch>,
    pub(super) spec_versions: Vec<String>,
}

/// The `next` token for a page that ends at `(date_added, pk)`.
pub fn encode_next(date_added: i64, pk: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{date_added}:{pk}"))
}

/// The `(date_added, pk)` a `next` token names, if this server issued it.
pub fn decode_next(s: &str) -> Option<(i64, i64)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut it = text.strip_prefix("v1:")?.split(':');
    let (a, b) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    it.next().is_none().then_some((a, b))
}

/// Decodes the query of an object request (TAXII 2.1 §3.4): `limit` a
/// positive integer (larger ones are served as `MAX_LIMIT`); each parameter
/// and filter at most once; `match[version]` without repeats and with `all`
/// alone; `match[...]` fields this server does not know are ignored, as the
/// standard lets a server do.
pub(super) fn parse_params(raw: Option<&str>) -> TResult<Params> {
    // The parameters this server reads, each allowed once (a bit each in
    // `seen`: the page path allocates nothing for the check).
    const ONCE: [&str; 7] = [
        "added_after",
        "limit",
        "next",
        "match[id]",
        "match[type]",
        "match[version]",
        "match[spec_version]",
    ];
    let mut p = Params::default();
    let mut seen = 0u8;
    let list = |v: &str| {
        v.split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if let Some(i) = ONCE.iter().position(|n| *n == k) {
            if seen & (1 << i) != 0 {
                return Err(TaxiiError::bad_request(format!(
                    "{k}: given more than once; list several values with commas"
                )));
            }
            seen |= 1 << i;
        }
        match k.as_ref() {
            "added_after" => {
                let t = StixTime::parse(&v)
                    .map_err(|m| TaxiiError::bad_request(format!("added_after: {m}")))?;
                p.added_after = Some(t.micros);
            }
            "limit" => {
                let n = v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        TaxiiError::bad_request(format!("limit: {v:?} is not a positive integer"))
                    })?;
                p.limit = Some(n.min(MAX_LIMIT));
            }
            "next" => {
                p.next = Some(decode_next(&v).ok_or_else(|| {
                    TaxiiError::bad_request("next: not a token this server issued")
                })?)
            }
            // Ids are stored with lower-case hex, and named in either.
            "match[id]" => p.ids.extend(
                list(&v)
                    .into_iter()
                    .map(|x| renkei_stix::id::canonical_id(&x).into_owned()),
            ),
            "match[type]" => p.types.extend(list(&v)),
            "match[spec_version]" => p.spec_versions.extend(list(&v)),
            "match[version]" => p.versions = Some(version_match(&list(&v))?),
            _ => {}
        }
    }
    Ok(p)
}

/// `match[version]`: `last`, `first`, `all` or timestamps, each once, and
/// `all` only alone (it selects every version, so nothing may narrow it).
fn version_match(values: &[String]) -> TResult<VersionMatch> {
    let bad = |m: String| TaxiiError::bad_request(format!("match[version]: {m}"));
    let mut m = VersionMatch::default();
    for (i, x) in values.iter().enumerate() {
        if values[..i].contains(x) {
            return Err(bad(format!("{x:?} is given twice")));
        }
        match x.as_str() {
            "last" => m.last = true,
            "first" => m.first = true,
            "all" => m.all = true,
            t => {
                m.at.push(StixTime::parse(t).map_err(|e| bad(e.to_string()))?.micros)
            }
        }
    }
    if m.all && values.len() > 1 {
        return Err(bad(
            "\"all\" selects every version and cannot be combined".into()
        ));
    }
    Ok(m)
}

impl Params {
    pub(super) fn query(&self, default_versions: VersionMatch) -> StixQuery {
        StixQuery {
            added_after: self.added_after,
            ids: self.ids.clone(),
            types: self.types.clone(),
            spec_versions: self.spec_versions.clone(),
            versions: self.versions.clone().unwrap_or(default_versions),
            after: self.next,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
            newest_first: false,
        }
    }
}

/// Adds the paging headers of a page.
pub(super) fn with_date_headers(
    mut r: Response,
    first: Option<i64>,
    last: Option<i64>,
) -> Response {
    for (name, t) in [
        ("x-taxii-date-added-first", first),
        ("x-taxii-date-added-last", last),
    ] {
        if let Some(v) = t.and_then(|t| HeaderValue::from_str(&StixTime::format(Timestamp(t))).ok())
        {
            r.headers_mut().insert(name, v);
        }
    }
    r
}

/// A paged resource: `next` when there is more, and the date headers.
pub(super) fn paged(mut body: Value, page: &renkei_store::intel::StixPage) -> Response {
    if page.more
        && let Some(last) = page.rows.last()
    {
        body["next"] = json!(encode_next(last.date_added, last.pk));
    }
    let r = taxii_json(StatusCode::OK, body.to_string());
    with_date_headers(
        r,
        page.rows.first().map(|r| r.date_added),
        page.rows.last().map(|r| r.date_added),
    )
}

/// The envelope, assembled from stored JSON text without re-parsing it.
pub(super) fn envelope(more: bool, next: Option<String>, objects: &[&str]) -> String {
    let mut out = String::with_capacity(32 + objects.iter().map(|o| o.len() + 1).sum::<usize>());
    out.push_str(if more {
        "{\"more\":true"
    } else {
        "{\"more\":false"
    });
    if let Some(n) = next {
        out.push_str(",\"next\":\"");
        out.push_str(&n);
        out.push('"');
    }
    if !objects.is_empty() {
        out.push_str(",\"objects\":[");
        out.push_str(&objects.join(","));
        out.push(']');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_tokens_round_trip_and_refuse_forgeries() {
        let t = encode_next(1_700_000_000_000_000, 42);
        assert_eq!(decode_next(&t), Some((1_700_000_000_000_000, 42)));
        assert_eq!(decode_next("not-a-token"), None);
        assert_eq!(
            decode_next(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("v1:1:2:3")),
            None
        );
    }

    #[test]
    fn params_decode_lists_clamp_limits_and_name_bad_filters() {
        let p = parse_params(Some(
            "match%5Btype%5D=indicator%2Cmalware&limit=999999&match%5Bversion%5D=first,last",
        ))
        .expect("valid");
        assert_eq!(p.types, vec!["indicator", "malware"]);
        assert_eq!(p.limit, Some(MAX_LIMIT));
        assert_eq!(
            p.versions,
            Some(VersionMatch {
                first: true,
                last: true,
                ..VersionMatch::default()
            })
        );
        // §3.4: a server may ignore filter fields it does not support.
        let p = parse_params(Some("match[relationship_type]=indicates&limit=1")).expect("valid");
        assert_eq!(p.limit, Some(1));
        for bad in [
            "added_after=yesterday",
            "limit=ten",
            "limit=0",
            "limit=-5",
            "next=zzz",
            "match[version]=2020",
            "match[version]=all,first",
            "match[version]=first,first",
            "added_after=2020-01-01T00:00:00Z&added_after=2021-01-01T00:00:00Z",
            "match[type]=indicator&match[type]=malware",
            "limit=1&limit=2",
        ] {
            let e = parse_params(Some(bad)).expect_err(bad);
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
            let name = bad.split('=').next().unwrap_or_default();
            assert!(e.description.contains(name), "{bad}: {}", e.description);
        }
    }
}
