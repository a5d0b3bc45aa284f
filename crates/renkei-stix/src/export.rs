//! Ways out: indicators as CSV, Suricata rules, a Zeek Intel file, a DNS
//! RPZ zone and one-type blocklists ([`ExportWriter`]), and objects as a
//! STIX bundle ([`BundleWriter`]). Both write a row at a time to any
//! [`std::io::Write`], holding nothing but the row at hand (and, for
//! formats that merge the rows of one value, that value's few sources),
//! so an export of any size streams.
//!
//! Formats a device acts on (all but CSV) leave out values on a warning
//! list, networks so wide that blocking them would cut off a large part of
//! the internet, and kinds the format has no place for; each says how many
//! it left out and why on its last line (a comment).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};

use renkei_core::{IndicatorValue, ParseError, Tlp, ValueKind};

use crate::StixTime;

mod bundle;
mod formats;
mod writer;

pub use bundle::BundleWriter;
pub use writer::ExportWriter;

/// One indicator value to export.
#[derive(Debug, Clone, Copy)]
pub struct ExportRow<'a> {
    /// The value, in canonical form.
    pub value: &'a IndicatorValue,
    /// The STIX id of the indicator it came from.
    pub stix_id: &'a str,
    /// The indicator's name.
    pub name: Option<&'a str>,
    /// The indicator's description.
    pub description: Option<&'a str>,
    /// The indicator's TLP, written next to it.
    pub tlp: Tlp,
    /// RFC 3339, as stored.
    pub valid_until: Option<&'a str>,
    /// The warning list the value is on (a known-good or shared service),
    /// if any: blocking formats leave it out.
    pub warning: Option<&'a str>,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// `type,value,stix_id,name,description,tlp,valid_until`: one row per
    /// value and indicator, nothing left out.
    Csv,
    /// Suricata rules for addresses, networks, domains and HTTP(S) URLs,
    /// one set per value and indicator. File hashes and e-mail addresses
    /// are left out: Suricata matches hashes only against external lists
    /// (`filemd5` and friends), and sees no mail addresses in the
    /// protocols we write rules for.
    Suricata,
    /// A Zeek Intel framework input file: one row per (indicator,
    /// indicator_type), its sources merged.
    Zeek,
    /// A DNS Response Policy Zone answering NXDOMAIN for domains and
    /// addresses, one record set per value (URLs, e-mail addresses and
    /// hashes are left out).
    Rpz,
    /// One value of one kind per line, each once: the plain lists
    /// firewalls and proxies load (ipset, pfBlockerNG, FireHOL-style).
    Blocklist,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Csv,
        ExportFormat::Suricata,
        ExportFormat::Zeek,
        ExportFormat::Rpz,
        ExportFormat::Blocklist,
    ];

    /// The format's name in URLs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Suricata => "suricata",
            ExportFormat::Zeek => "zeek",
            ExportFormat::Rpz => "rpz",
            ExportFormat::Blocklist => "blocklist",
        }
    }

    /// Reads a format name, case-insensitively; the error names `format`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let f = s.trim().to_ascii_lowercase();
        Ok(match f.as_str() {
            "csv" => ExportFormat::Csv,
            "suricata" | "rules" => ExportFormat::Suricata,
            "zeek" | "bro" | "intel" => ExportFormat::Zeek,
            "rpz" => ExportFormat::Rpz,
            "blocklist" | "txt" | "text" | "plain" => ExportFormat::Blocklist,
            _ => {
                return Err(crate::refusal(
                    "format",
                    "export-format-unknown",
                    &[("value", s)],
                    format!(
                        "unknown export format {s:?}; expected csv, suricata, zeek, rpz or blocklist"
                    ),
                ));
            }
        })
    }

    /// The media type to serve the export with.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            // RFC 4027 registers text/dns for master files.
            ExportFormat::Rpz => "text/dns",
            ExportFormat::Suricata | ExportFormat::Zeek | ExportFormat::Blocklist => {
                "text/plain; charset=utf-8"
            }
        }
    }

    /// The usual file name extension, without the dot.
    pub fn file_extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Suricata => "rules",
            ExportFormat::Zeek => "intel",
            ExportFormat::Rpz => "zone",
            ExportFormat::Blocklist => "txt",
        }
    }

    /// Whether the format has a place for values of `kind`.
    pub fn carries(self, kind: ValueKind) -> bool {
        match self {
            ExportFormat::Csv | ExportFormat::Zeek | ExportFormat::Blocklist => true,
            ExportFormat::Suricata => matches!(
                kind,
                ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Domain | ValueKind::Url
            ),
            ExportFormat::Rpz => {
                matches!(kind, ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Domain)
            }
        }
    }

    /// The kinds to read for an export that asked for `kinds` (every kind
    /// when empty): those the format has a place for. A blocklist holds
    /// exactly one kind (firewalls load one plain list per address family
    /// or purpose), so it needs one named; the error names `type`.
    pub fn kinds(self, kinds: &[ValueKind]) -> Result<Vec<ValueKind>, ParseError> {
        if self == ExportFormat::Blocklist && kinds.len() != 1 {
            let all: Vec<&str> = ValueKind::ALL.iter().map(|k| k.as_str()).collect();
            let all = all.join(", ");
            return Err(crate::refusal(
                "type",
                "export-type-required",
                &[("kinds", &all)],
                format!(
                    "a blocklist holds one type of value per file: name one with type= ({all})"
                ),
            ));
        }
        let asked = if kinds.is_empty() {
            &ValueKind::ALL[..]
        } else {
            kinds
        };
        Ok(asked.iter().copied().filter(|k| self.carries(*k)).collect())
    }
}

/// Settings shared by the formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// Who made the export (`renkei`): Zeek `meta.source`, headers, rule messages.
    pub source: String,
    /// The RPZ zone's name, e.g. `rpz.renkei.local`.
    pub zone: String,
    /// The first Suricata `sid`; each rule takes the next one.
    pub sid_base: u32,
    /// When the export was made (RFC 3339): headers and the RPZ serial.
    pub generated: String,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            source: "renkei".into(),
            zone: "rpz.renkei.local".into(),
            sid_base: 9_000_000,
            generated: StixTime::format(renkei_core::Timestamp::now()),
        }
    }
}

/// Why a value was left out of an export.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeftOut {
    /// On this warning list.
    Warning(String),
    /// A network wider than /8 (IPv4) or /32 (IPv6).
    TooWide,
    /// A kind the format has no place for.
    NoPlace(ValueKind),
    /// A URL whose scheme the format has no place for (Suricata and Zeek
    /// see HTTP and HTTPS only).
    Scheme,
    /// A name too long for a DNS zone.
    TooLong,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeftOut::Warning(list) => write!(f, "on warning list {list}"),
            LeftOut::TooWide => f.write_str("networks wider than /8 (IPv4) or /32 (IPv6)"),
            LeftOut::NoPlace(k) => write!(f, "{k} values (no place in this format)"),
            LeftOut::Scheme => f.write_str("URLs other than http and https"),
            LeftOut::TooLong => f.write_str("names too long for the zone"),
        }
    }
}

/// What an export wrote and what it left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Entries written: rows (CSV), rule sets (Suricata, one per value and
    /// indicator), lines (Zeek, blocklists) or record sets (RPZ).
    pub written: usize,
    /// Distinct values left out, all reasons together.
    pub skipped: usize,
    /// Distinct values left out, by reason.
    pub left_out: BTreeMap<LeftOut, usize>,
}

impl ExportStats {
    /// `3 on warning list private-ranges; 1 networks wider than …`, or `none`.
    pub fn left_out_text(&self) -> String {
        if self.left_out.is_empty() {
            return "none".to_owned();
        }
        self.left_out
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Writes `rows` in `fmt` to `out`: [`ExportWriter`] from start to end.
/// Rows holding the same value should come together (the store's export
/// order does that), or formats that merge a value's rows write it again.
pub fn write_export<'a, W: Write>(
    fmt: ExportFormat,
    rows: impl IntoIterator<Item = ExportRow<'a>>,
    out: W,
    opts: &ExportOptions,
) -> io::Result<ExportStats> {
    let mut out = io::BufWriter::new(out);
    let mut w = ExportWriter::new(fmt, opts.clone());
    w.start(&mut out)?;
    for r in rows {
        w.row(&mut out, &r)?;
    }
    let stats = w.finish(&mut out)?;
    out.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests;
