//! Ways out for indicators: CSV, Suricata rules, a Zeek Intel file, a DNS
//! RPZ zone and a plain blocklist, each written row by row to any
//! [`std::io::Write`]. Formats a device acts on (all but CSV) leave out
//! values that are on a warning list.

use std::io::{self, BufWriter, Write};
use std::net::IpAddr;

use ipnet::IpNet;
use renkei_core::{IndicatorValue, ParseError, Tlp, ValueKind};

use crate::StixTime;

/// One indicator to export.
#[derive(Debug, Clone, Copy)]
pub struct ExportRow<'a> {
    /// The value, in canonical form.
    pub value: &'a IndicatorValue,
    /// The STIX id of the indicator it came from.
    pub stix_id: &'a str,
    /// The indicator's name, for comments and messages.
    pub name: Option<&'a str>,
    /// The indicator's TLP, written next to it.
    pub tlp: Tlp,
    /// RFC 3339, as stored.
    pub valid_until: Option<&'a str>,
    /// The value is on a warning list (a known-good or shared service):
    /// blocking formats leave it out.
    pub warning: bool,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// `type,value,stix_id,name,tlp,valid_until`, every row.
    Csv,
    /// Suricata rules for addresses, networks, domains and URLs. File hashes
    /// and e-mail addresses are skipped: Suricata matches hashes only
    /// against external lists (`filemd5` and friends), and sees no mail
    /// addresses in the protocols we write rules for.
    Suricata,
    /// A Zeek Intel framework input file.
    Zeek,
    /// A DNS Response Policy Zone answering NXDOMAIN for domains and
    /// addresses (URLs, e-mail addresses and hashes are skipped).
    Rpz,
    /// One canonical value per line; callers choose kinds by filtering rows.
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
                return Err(ParseError::new(
                    "format",
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

/// How many rows were written and how many the format had no place for
/// (or left out as being on a warning list).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Rows written (a row may make several Suricata rules or RPZ records).
    pub written: usize,
    /// Rows left out.
    pub skipped: usize,
}

/// Writes `rows` in `fmt` to `out` (buffered here; flushed at the end).
pub fn write_export<'a, W: Write>(
    fmt: ExportFormat,
    rows: impl IntoIterator<Item = ExportRow<'a>>,
    out: W,
    opts: &ExportOptions,
) -> io::Result<ExportStats> {
    let mut out = BufWriter::new(out);
    let mut stats = ExportStats::default();
    let mut count = |wrote: bool| {
        if wrote {
            stats.written += 1;
        } else {
            stats.skipped += 1;
        }
    };
    match fmt {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(["type", "value", "stix_id", "name", "tlp", "valid_until"])
                .map_err(io::Error::other)?;
            for r in rows {
                let tlp = r.tlp.to_string();
                w.write_record(
                    [
                        r.value.kind().as_str(),
                        r.value.value(),
                        r.stix_id,
                        r.name.unwrap_or_default(),
                        tlp.as_str(),
                        r.valid_until.unwrap_or_default(),
                    ]
                    .map(csv_cell)
                    .iter()
                    .map(|c| c.as_bytes()),
                )
                .map_err(io::Error::other)?;
                count(true);
            }
            w.flush()?;
        }
        ExportFormat::Suricata => {
            writeln!(
                out,
                "# Suricata rules generated by {} at {}",
                line_text(&opts.source),
                line_text(&opts.generated)
            )?;
            let mut sid = opts.sid_base;
            for r in rows {
                count(!blocked_out(&r) && suricata(&mut out, &r, &mut sid, opts)?);
            }
        }
        ExportFormat::Zeek => {
            writeln!(
                out,
                "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url"
            )?;
            for r in rows {
                count(!blocked_out(&r) && zeek(&mut out, &r, opts)?);
            }
        }
        ExportFormat::Rpz => {
            rpz_header(&mut out, opts)?;
            let zone = opts.zone.trim().trim_end_matches('.');
            for r in rows {
                count(!blocked_out(&r) && rpz(&mut out, &r, zone)?);
            }
        }
        ExportFormat::Blocklist => {
            writeln!(
                out,
                "# generated by {} at {}",
                line_text(&opts.source),
                line_text(&opts.generated)
            )?;
            for r in rows {
                if !blocked_out(&r) {
                    writeln!(out, "{}", r.value.value())?;
                }
                count(!blocked_out(&r));
            }
        }
    }
    out.flush()?;
    Ok(stats)
}

/// A CSV cell no spreadsheet runs as a formula: a value starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP, "CSV
/// Injection"), or with the full-width `＝＋－＠` that Japanese input
/// produces and some spreadsheets read alike, gets a leading `'`.
fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{s}").into()
        }
        _ => s.into(),
    }
}

/// Text for a one-line field: control characters (tabs, line breaks)
/// become spaces.
fn line_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A Suricata `content` string: `"`, `;`, `\` and `|` (and any byte that is
/// not printable ASCII) are written as `|xx|` hex, as the rule language
/// requires; runs of such bytes share one `|..|` block.
fn suricata_content(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_hex = false;
    for b in s.bytes() {
        let plain = (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b';' | b'\\' | b'|');
        match (plain, in_hex) {
            (true, true) => {
                out.push('|');
                in_hex = false;
            }
            (false, false) => {
                out.push('|');
                in_hex = true;
            }
            (false, true) => out.push(' '),
            (true, false) => {}
        }
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("{b:02X}"));
        }
    }
    if in_hex {
        out.push('|');
    }
    out
}

/// A Suricata `msg` string: `"`, `;` and `\` are backslash-escaped (the
/// escape `msg` takes; hex is for `content` only), control characters
/// become spaces.
fn suricata_msg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | ';' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A `metadata` value: letters, digits and `-_.:+` only (commas and
/// semicolons end a value).
fn metadata_value(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.:+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The path and query of a canonical URL (`/` if it has none).
fn url_path(u: &str) -> &str {
    let rest = u.split_once("://").map_or(u, |(_, r)| r);
    rest.find(['/', '?']).map_or("/", |i| &rest[i..])
}

fn suricata<W: Write>(
    out: &mut W,
    r: &ExportRow<'_>,
    sid: &mut u32,
    opts: &ExportOptions,
) -> io::Result<bool> {
    let v = r.value;
    let shown = r.name.map_or_else(|| v.to_string(), str::to_owned);
    let msg = suricata_msg(&format!(
        "{} {} {} {}",
        opts.source, r.tlp, r.stix_id, shown
    ));
    let meta = format!(
        "metadata:stix_id {}, tlp {}, source {};",
        metadata_value(r.stix_id),
        metadata_value(&r.tlp.as_str().to_ascii_lowercase()),
        metadata_value(&opts.source)
    );
    let mut rules: Vec<(String, String)> = Vec::new();
    match v.kind() {
        ValueKind::Ipv4 | ValueKind::Ipv6 => {
            rules.push((
                format!("alert ip $HOME_NET any -> [{}] any", v.value()),
                String::new(),
            ));
            rules.push((
                format!("alert ip [{}] any -> $HOME_NET any", v.value()),
                String::new(),
            ));
        }
        ValueKind::Domain => {
            // dotprefix: matches the domain and its subdomains, not
            // `notevil.example`.
            let c = suricata_content(&format!(".{}", v.value()));
            rules.push((
                "alert dns $HOME_NET any -> any any".into(),
                format!("dns.query; dotprefix; content:\"{c}\"; nocase; endswith; "),
            ));
            rules.push((
                "alert tls $HOME_NET any -> any any".into(),
                format!("tls.sni; dotprefix; content:\"{c}\"; nocase; endswith; "),
            ));
        }
        ValueKind::Url => {
            let lower = v.value().to_ascii_lowercase();
            let (Some(host), true) = (
                v.host(),
                lower.starts_with("http://") || lower.starts_with("https://"),
            ) else {
                return Ok(false);
            };
            // http.host is the normalised host without the port; the path is
            // compared with http.uri.raw (as sent, not percent-decoded), in the
            // form WHATWG serialises it, so a client writing other %-escapes
            // for the same path is not matched.
            let mut opts_text = format!(
                "flow:established,to_server; http.host; content:\"{}\"; bsize:{}; ",
                suricata_content(host),
                host.len()
            );
            let path = url_path(v.value());
            if path != "/" {
                opts_text.push_str(&format!(
                    "http.uri.raw; content:\"{}\"; bsize:{}; ",
                    suricata_content(path),
                    path.len()
                ));
            }
            rules.push(("alert http $HOME_NET any -> any any".into(), opts_text));
        }
        ValueKind::Email
        | ValueKind::Md5
        | ValueKind::Sha1
        | ValueKind::Sha256
        | ValueKind::Sha512 => {
            return Ok(false);
        }
    }
    for (header, options) in rules {
        writeln!(
            out,
            "{header} (msg:\"{msg}\"; {options}classtype:trojan-activity; sid:{sid}; rev:1; {meta})"
        )?;
        *sid = sid
            .checked_add(1)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "Suricata sid overflow"))?;
    }
    Ok(true)
}

fn zeek<W: Write>(out: &mut W, r: &ExportRow<'_>, opts: &ExportOptions) -> io::Result<bool> {
    let v = r.value;
    let (indicator, kind) = match v.kind() {
        ValueKind::Ipv4 | ValueKind::Ipv6 if v.is_network() => (v.value(), "Intel::SUBNET"),
        ValueKind::Ipv4 | ValueKind::Ipv6 => (v.value(), "Intel::ADDR"),
        ValueKind::Domain => (v.value(), "Intel::DOMAIN"),
        // Zeek matches URLs as host and path, without the scheme.
        ValueKind::Url => (
            v.value().split_once("://").map_or(v.value(), |(_, r)| r),
            "Intel::URL",
        ),
        ValueKind::Email => (v.value(), "Intel::EMAIL"),
        ValueKind::Md5 | ValueKind::Sha1 | ValueKind::Sha256 | ValueKind::Sha512 => {
            (v.value(), "Intel::FILE_HASH")
        }
    };
    let field = |s: &str| {
        let t = line_text(s);
        let t = t.trim();
        if t.is_empty() {
            "-".to_owned()
        } else {
            t.to_owned()
        }
    };
    let desc = format!("{} {} {}", r.tlp, r.stix_id, r.name.unwrap_or_default());
    writeln!(
        out,
        "{}\t{kind}\t{}\t{}\t-",
        field(indicator),
        field(&opts.source),
        field(&desc)
    )?;
    Ok(true)
}

fn rpz_header<W: Write>(out: &mut W, opts: &ExportOptions) -> io::Result<()> {
    let zone = opts.zone.trim().trim_end_matches('.');
    // An epoch-seconds serial grows with every export, as RFC 1982 needs.
    let serial = StixTime::parse_loose(&opts.generated)
        .ok()
        .and_then(|t| u32::try_from(t.micros / 1_000_000).ok())
        .unwrap_or(1);
    writeln!(
        out,
        "; RPZ generated by {} at {}",
        line_text(&opts.source),
        line_text(&opts.generated)
    )?;
    writeln!(out, "$TTL 300")?;
    writeln!(out, "$ORIGIN {}.", line_text(zone))?;
    writeln!(
        out,
        "@ IN SOA localhost. hostmaster.localhost. ( {serial} 3600 600 604800 300 )"
    )?;
    writeln!(out, "@ IN NS localhost.")?;
    Ok(())
}

/// The RPZ owner name for a network: prefix length, then the address
/// reversed (IPv4 octets; IPv6 16-bit groups with `zz` for the longest run
/// of zero groups), then `rpz-ip`.
fn rpz_ip(net: IpNet) -> String {
    match net {
        IpNet::V4(n) => {
            let o = n.network().octets();
            format!(
                "{}.{}.{}.{}.{}.rpz-ip",
                n.prefix_len(),
                o[3],
                o[2],
                o[1],
                o[0]
            )
        }
        IpNet::V6(n) => {
            let seg = n.network().segments();
            // The longest run of two or more zero groups (the first, on a tie),
            // as `::` would compress it.
            let (mut best, mut run) = ((0, 0), (0, 0));
            for (i, s) in seg.iter().enumerate() {
                if *s == 0 {
                    if run.1 == 0 {
                        run.0 = i;
                    }
                    run.1 += 1;
                    if run.1 > best.1 {
                        best = run;
                    }
                } else {
                    run = (0, 0);
                }
            }
            let mut labels: Vec<String> = Vec::with_capacity(9);
            let mut i = 8;
            while i > 0 {
                i -= 1;
                if best.1 >= 2 && i == best.0 + best.1 - 1 {
                    labels.push("zz".into());
                    i = best.0;
                } else {
                    labels.push(format!("{:x}", seg[i]));
                }
            }
            format!("{}.{}.rpz-ip", n.prefix_len(), labels.join("."))
        }
    }
}

fn rpz<W: Write>(out: &mut W, r: &ExportRow<'_>, zone: &str) -> io::Result<bool> {
    let v = r.value;
    let comment = format!("; {} {}", r.stix_id, r.tlp);
    match v.kind() {
        ValueKind::Ipv4 | ValueKind::Ipv6 => {
            let Some(net) = v
                .net()
                .or_else(|| v.value().parse::<IpAddr>().ok().map(IpNet::from))
            else {
                return Ok(false);
            };
            writeln!(out, "{}", line_text(&comment))?;
            writeln!(out, "{} CNAME .", rpz_ip(net))?;
        }
        ValueKind::Domain => {
            // `*.` + name + `.` + zone must stay within a DNS name's 253 characters.
            if v.value().len() + zone.len() + 3 > 253 {
                return Ok(false);
            }
            writeln!(out, "{}", line_text(&comment))?;
            writeln!(out, "{} CNAME .", v.value())?;
            writeln!(out, "*.{} CNAME .", v.value())?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Rows the blocking formats leave out: values on a warning list, and
/// networks so wide (shorter than /8 for IPv4, /32 for IPv6) that blocking
/// them would cut off a large part of the internet.
fn blocked_out(r: &ExportRow<'_>) -> bool {
    r.warning
        || r.value.net().is_some_and(|n| {
            let min = if r.value.kind() == renkei_core::ValueKind::Ipv4 {
                8
            } else {
                32
            };
            n.prefix_len() < min
        })
}

#[cfg(test)]
mod tests;
