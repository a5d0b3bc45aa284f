//! Published feed layouts, recognised by their first lines and read as
//! published: abuse.ch's URLhaus (CSV and plain-text URL lists), ThreatFox
//! (CSV export) and Feodo Tracker (IP blocklist CSV), whose banners are `#`
//! comments and whose first column is an id or a date, not the value; and
//! Spamhaus DROP/DROPv6 (`CIDR ; SBLnnn` under `;` comments) and its JSON
//! lines form (`{"cidr": …, "sblid": …}` and a closing metadata record).

use renkei_core::{ParseError, ValueKind};

use super::values;
use super::{Builder, LineError, ListEntry, Outcome};

/// How a list was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// A CSV list: a header row naming `value`, or `value[,type][,comment]`.
    #[default]
    Csv,
    /// Free text.
    Text,
    /// abuse.ch URLhaus: `url` (with `threat`, `tags`, `dateadded`), or
    /// one URL a line.
    Urlhaus,
    /// abuse.ch ThreatFox: `ioc_value` of `ioc_type` (with
    /// `malware_printable`, `threat_type`, `tags`, `first_seen_utc`).
    ThreatFox,
    /// abuse.ch Feodo Tracker: `dst_ip` and `dst_port` (with `malware`,
    /// `first_seen_utc`), or one address a line.
    Feodo,
    /// Spamhaus DROP, DROPv6, EDROP as text: `CIDR ; SBLnnn`.
    SpamhausDrop,
    /// Spamhaus DROP as JSON lines.
    SpamhausDropJson,
}

impl Layout {
    pub const ALL: [Layout; 7] = [
        Layout::Csv,
        Layout::Text,
        Layout::Urlhaus,
        Layout::ThreatFox,
        Layout::Feodo,
        Layout::SpamhausDrop,
        Layout::SpamhausDropJson,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Csv => "csv",
            Layout::Text => "text",
            Layout::Urlhaus => "urlhaus",
            Layout::ThreatFox => "threatfox",
            Layout::Feodo => "feodo",
            Layout::SpamhausDrop => "spamhaus-drop",
            Layout::SpamhausDropJson => "spamhaus-drop-json",
        }
    }

    /// The header names (as [`super::table::norm`] writes them) of each
    /// column this layout reads.
    pub(super) fn spec(self) -> Spec {
        match self {
            Layout::Urlhaus => Spec {
                value: &["url"],
                labels: &["threat", "tags"],
                valid_from: &["dateadded", "dateaddedutc"],
                comment: &["urlhauslink"],
                ..Spec::NONE
            },
            Layout::ThreatFox => Spec {
                value: &["iocvalue"],
                kind: &["ioctype"],
                name: &["malwareprintable"],
                labels: &["threattype", "tags"],
                valid_from: &["firstseenutc", "firstseen"],
                comment: &["reference"],
                ..Spec::NONE
            },
            Layout::Feodo => Spec {
                value: &["dstip", "ipaddress"],
                port: &["dstport", "port"],
                name: &["malware"],
                valid_from: &["firstseenutc", "firstseen"],
                ..Spec::NONE
            },
            _ => Spec {
                value: &["value", "indicator", "ioc"],
                kind: &["type", "kind"],
                port: &["port", "dstport"],
                name: &["name"],
                comment: &["comment", "description"],
                labels: &["labels", "tags"],
                valid_from: &["validfrom", "firstseen"],
                valid_until: &["validuntil", "expires"],
            },
        }
    }

    /// The value kind a type column's `t` names: `Ok(None)` to guess from
    /// the value; `Err(None)` for a type the index keeps no values of (the
    /// line is skipped, not refused: the feed is right, renkei does not use
    /// it); `Err(Some)` for a type that is wrong.
    pub(super) fn kind(self, t: &str) -> Result<Option<ValueKind>, Option<ParseError>> {
        match self {
            // ThreatFox's vocabulary (its API documentation's `ioc_type`).
            Layout::ThreatFox => match t.trim().to_ascii_lowercase().as_str() {
                "ip:port" => Ok(None),
                "domain" => Ok(Some(ValueKind::Domain)),
                "url" => Ok(Some(ValueKind::Url)),
                "md5_hash" => Ok(Some(ValueKind::Md5)),
                "sha1_hash" => Ok(Some(ValueKind::Sha1)),
                "sha256_hash" => Ok(Some(ValueKind::Sha256)),
                _ => Err(None),
            },
            _ => ValueKind::parse(t).map(Some).map_err(Some),
        }
    }
}

/// Header names per column (normalised); empty where a layout has none.
#[derive(Debug, Clone, Copy)]
pub(super) struct Spec {
    pub value: &'static [&'static str],
    pub kind: &'static [&'static str],
    pub port: &'static [&'static str],
    pub name: &'static [&'static str],
    pub comment: &'static [&'static str],
    pub labels: &'static [&'static str],
    pub valid_from: &'static [&'static str],
    pub valid_until: &'static [&'static str],
}

impl Spec {
    const NONE: Spec = Spec {
        value: &[],
        kind: &[],
        port: &[],
        name: &[],
        comment: &[],
        labels: &[],
        valid_from: &[],
        valid_until: &[],
    };
}

/// Lines of the leading comment block looked at to recognise a feed.
const BANNER_LINES: usize = 64;

/// The published layout `input` is in, from its first lines: a Spamhaus
/// banner (`; Spamhaus DROP List …`), a DROP JSON record, or an abuse.ch
/// banner naming the site and the project (`# abuse.ch URLhaus Database
/// Dump …`).
pub(super) fn detect(input: &[u8]) -> Option<Layout> {
    let mut lines = input
        .split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty());
    let first = lines.next()?;
    if first.starts_with(b";") {
        return contains(first, "spamhaus").then_some(Layout::SpamhausDrop);
    }
    if first.starts_with(b"{") {
        let v: serde_json::Value = serde_json::from_slice(first).ok()?;
        let spamhaus = v.get("cidr").is_some_and(serde_json::Value::is_string)
            || v.get("type").and_then(serde_json::Value::as_str) == Some("metadata")
                && v.get("copyright")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|c| c.contains("Spamhaus"));
        return spamhaus.then_some(Layout::SpamhausDropJson);
    }
    if !first.starts_with(b"#") {
        return None;
    }
    let banner: Vec<&[u8]> = std::iter::once(first)
        .chain(lines.take_while(|l| l.starts_with(b"#")))
        .take(BANNER_LINES)
        .collect();
    let says = |name: &str| banner.iter().any(|l| contains(l, name));
    // Every abuse.ch banner names the site (in its title or its terms' URL);
    // a report that opens with a heading about a feed is still prose.
    if !says("abuse.ch") {
        return None;
    }
    if says("urlhaus") {
        Some(Layout::Urlhaus)
    } else if says("threatfox") {
        Some(Layout::ThreatFox)
    } else if says("feodo tracker") {
        Some(Layout::Feodo)
    } else {
        None
    }
}

fn contains(line: &[u8], lower: &str) -> bool {
    line.to_ascii_lowercase()
        .windows(lower.len())
        .any(|w| w == lower.as_bytes())
}

/// Reads Spamhaus DROP as text (`CIDR ; SBLnnn`, `;` comments) or as JSON
/// lines (`{"cidr", "sblid", "rir"}`, and a `metadata` record, which is a
/// comment). The SBL id becomes the entry's comment.
pub(super) fn read_drop(input: &[u8], layout: Layout, b: &mut Builder) {
    b.out.layout = layout;
    let mut lines: Vec<&[u8]> = input.split(|c| *c == b'\n').collect();
    if input.ends_with(b"\n") {
        lines.pop();
    }
    for (i, raw) in lines.into_iter().enumerate() {
        let line = i + 1;
        let t = raw.trim_ascii();
        if t.is_empty() {
            b.blank(1);
            continue;
        }
        let Ok(text) = std::str::from_utf8(t) else {
            let shown = String::from_utf8_lossy(t);
            b.refuse(
                1,
                vec![LineError::new(
                    "line-encoding",
                    line,
                    "encoding",
                    &shown,
                    "the line is not valid UTF-8",
                )],
            );
            continue;
        };
        let record = if layout == Layout::SpamhausDropJson {
            match json_record(line, text) {
                Ok(Some(r)) => r,
                Ok(None) => {
                    b.comment(1);
                    continue;
                }
                Err(e) => {
                    b.refuse(1, vec![e]);
                    continue;
                }
            }
        } else if text.starts_with(';') {
            b.comment(1);
            continue;
        } else {
            let (cidr, sbl) = text.split_once(';').unwrap_or((text, ""));
            (cidr.trim().to_owned(), sbl.trim().to_owned())
        };
        b.outcome(line, 1, drop_entry(line, &record.0, &record.1));
    }
}

/// A JSON line's `(cidr, sblid)`, or `None` for the metadata record.
fn json_record(line: usize, text: &str) -> Result<Option<(String, String)>, LineError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        LineError::new(
            "line-not-json",
            line,
            "value",
            text,
            format!("not a JSON record: {e}"),
        )
    })?;
    if v.get("type").and_then(serde_json::Value::as_str) == Some("metadata") {
        return Ok(None);
    }
    let cidr = v
        .get("cidr")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            LineError::new(
                "line-drop-no-cidr",
                line,
                "value",
                text,
                "a DROP record names its network in \"cidr\"",
            )
        })?;
    let sbl = v
        .get("sblid")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    Ok(Some((cidr.to_owned(), sbl.to_owned())))
}

fn drop_entry(line: usize, cidr: &str, sbl: &str) -> Outcome {
    let kind = if cidr.contains(':') {
        ValueKind::Ipv6
    } else {
        ValueKind::Ipv4
    };
    match values::read(cidr, Some(kind)) {
        Ok(r) => {
            let notices = r
                .notice
                .iter()
                .map(|(code, detail, message)| {
                    super::LineNote::new(line, code, cidr, detail.clone(), message.clone())
                })
                .collect();
            let mut e = ListEntry::new(line, r.value);
            e.comment = Some(sbl.to_owned()).filter(|s| !s.is_empty());
            Outcome::Values(vec![e], notices)
        }
        Err(e) => Outcome::Refused(vec![LineError::from_parse(line, cidr, e)]),
    }
}
