//! What each indicator format writes: escaping for each syntax, Suricata
//! rules, Zeek Intel rows, RPZ records, and which values a format leaves
//! out.

use std::io::{self, Write};
use std::net::IpAddr;

use ipnet::IpNet;
use renkei_core::{IndicatorValue, Tlp, ValueKind};

use super::{ExportFormat, ExportOptions, ExportRow, LeftOut};

/// One indicator a merged line names.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub stix_id: String,
    pub name: Option<String>,
    pub tlp: Tlp,
}

/// Why `fmt` leaves `v` (on warning list `warning`, if any) out, if it does.
/// CSV leaves nothing out; it is for people, who see every row.
pub(super) fn left_out(
    fmt: ExportFormat,
    v: &IndicatorValue,
    warning: Option<&str>,
    zone: &str,
) -> Option<LeftOut> {
    let kind = v.kind();
    let no_place = match fmt {
        ExportFormat::Csv => return None,
        ExportFormat::Suricata => matches!(
            kind,
            ValueKind::Email
                | ValueKind::Md5
                | ValueKind::Sha1
                | ValueKind::Sha256
                | ValueKind::Sha512
        ),
        ExportFormat::Rpz => !matches!(kind, ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Domain),
        ExportFormat::Zeek | ExportFormat::Blocklist => false,
    };
    if no_place {
        return Some(LeftOut::NoPlace(kind));
    }
    if let Some(list) = warning {
        return Some(LeftOut::Warning(list.to_owned()));
    }
    if too_wide(v) {
        return Some(LeftOut::TooWide);
    }
    let web = |u: &str| {
        let u = u.to_ascii_lowercase();
        u.starts_with("http://") || u.starts_with("https://")
    };
    if kind == ValueKind::Url
        && matches!(fmt, ExportFormat::Suricata | ExportFormat::Zeek)
        && (!web(v.value()) || v.host().is_none())
    {
        return Some(LeftOut::Scheme);
    }
    // `*.` + name + `.` + zone must stay within a DNS name's 253 characters.
    if fmt == ExportFormat::Rpz
        && kind == ValueKind::Domain
        && v.value().len() + zone.len() + 3 > 253
    {
        return Some(LeftOut::TooLong);
    }
    None
}

/// Networks so wide (shorter than /8 for IPv4, /32 for IPv6) that
/// blocking them would cut off a large part of the internet.
fn too_wide(v: &IndicatorValue) -> bool {
    v.net().is_some_and(|n| {
        let min = if v.kind() == ValueKind::Ipv4 { 8 } else { 32 };
        n.prefix_len() < min
    })
}

/// A CSV cell no spreadsheet runs as a formula: a value starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP, "CSV
/// Injection"), or with the full-width `＝＋－＠` that Japanese input
/// produces and some spreadsheets read alike, gets a leading `'`.
pub(super) fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{s}").into()
        }
        _ => s.into(),
    }
}

/// Text for a one-line field: control characters (tabs, line breaks)
/// become spaces.
pub(super) fn line_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A Suricata `content` string: `"`, `;`, `\` and `|` (and any byte that is
/// not printable ASCII) are written as `|xx|` hex, as the rule language
/// requires; runs of such bytes share one `|..|` block.
pub(super) fn suricata_content(s: &str) -> String {
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
pub(super) fn suricata_msg(s: &str) -> String {
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

/// The rules for one row (a value and an indicator); `sid` moves past the
/// sids used. The row's value is one [`left_out`] keeps.
pub(super) fn suricata<W: Write>(
    out: &mut W,
    r: &ExportRow<'_>,
    sid: &mut u32,
    opts: &ExportOptions,
) -> io::Result<()> {
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
            let host = v.host().unwrap_or_default();
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
        | ValueKind::Sha512 => {}
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
    Ok(())
}

/// The Zeek Intel `(indicator, indicator_type)` of a value: what one row
/// of the file stands for. Zeek matches URLs as host and path, without the
/// scheme, so `http://x/a` and `https://x/a` are one indicator.
pub(super) fn zeek_key(v: &IndicatorValue) -> (&str, &'static str) {
    match v.kind() {
        ValueKind::Ipv4 | ValueKind::Ipv6 if v.is_network() => (v.value(), "Intel::SUBNET"),
        ValueKind::Ipv4 | ValueKind::Ipv6 => (v.value(), "Intel::ADDR"),
        ValueKind::Domain => (v.value(), "Intel::DOMAIN"),
        ValueKind::Url => (
            v.value().split_once("://").map_or(v.value(), |(_, r)| r),
            "Intel::URL",
        ),
        ValueKind::Email => (v.value(), "Intel::EMAIL"),
        ValueKind::Md5 | ValueKind::Sha1 | ValueKind::Sha256 | ValueKind::Sha512 => {
            (v.value(), "Intel::FILE_HASH")
        }
    }
}

/// `TLP:AMBER indicator--… name; TLP:GREEN indicator--…; 3 more`: the
/// sources of a merged line, for Zeek's `meta.desc`.
fn sources_text(sources: &[Source], more: usize, with_names: bool) -> String {
    let mut parts: Vec<String> = sources
        .iter()
        .map(|s| {
            let name = s.name.as_deref().filter(|_| with_names).unwrap_or_default();
            format!("{} {} {name}", s.tlp, s.stix_id).trim().to_owned()
        })
        .collect();
    if more > 0 {
        parts.push(format!("{more} more"));
    }
    parts.join("; ")
}

/// One Zeek Intel row for an indicator and its sources.
pub(super) fn zeek<W: Write>(
    out: &mut W,
    (indicator, kind): (&str, &str),
    sources: &[Source],
    more: usize,
    opts: &ExportOptions,
) -> io::Result<()> {
    let field = |s: &str| {
        let t = line_text(s);
        let t = t.trim();
        if t.is_empty() {
            "-".to_owned()
        } else {
            t.to_owned()
        }
    };
    writeln!(
        out,
        "{}\t{kind}\t{}\t{}\t-",
        field(indicator),
        field(&opts.source),
        field(&sources_text(sources, more, true))
    )
}

pub(super) fn rpz_header<W: Write>(out: &mut W, opts: &ExportOptions) -> io::Result<()> {
    let zone = opts.zone.trim().trim_end_matches('.');
    // An epoch-seconds serial grows with every export, as RFC 1982 needs.
    let serial = crate::StixTime::parse_loose(&opts.generated)
        .ok()
        .and_then(|t| u32::try_from(t.micros / 1_000_000).ok())
        .unwrap_or(1);
    writeln!(
        out,
        "; RPZ generated by {} at {}",
        line_text(&opts.source),
        line_text(&opts.generated)
    )?;
    writeln!(
        out,
        "; Values on warning lists, networks wider than /8 (IPv4) or /32 (IPv6), URLs, e-mail addresses and hashes are left out; the last line counts them."
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
pub(super) fn rpz_ip(net: IpNet) -> String {
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

/// The records for one value (an address, network or domain that
/// [`left_out`] keeps) and a comment naming its sources.
pub(super) fn rpz<W: Write>(
    out: &mut W,
    v: &IndicatorValue,
    sources: &[Source],
    more: usize,
) -> io::Result<bool> {
    let comment = format!("; {}", sources_text(sources, more, false));
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
            writeln!(out, "{}", line_text(&comment))?;
            writeln!(out, "{} CNAME .", v.value())?;
            writeln!(out, "*.{} CNAME .", v.value())?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
