//! One value as a list writes it, read into a canonical value: normalised
//! (NFKC: full-width `１９８．５１．１００．９９` is `198.51.100.99`), refanged,
//! with a port kept apart (`198.51.100.7:443`, `[2001:db8::1]:443`), and
//! non-web URLs (`tcp://host:port`) kept as their host and port rather than
//! as URLs that would reach web blocklists.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use renkei_core::{IndicatorValue, ParseError, ValueKind, refang};
use unicode_normalization::UnicodeNormalization;

/// URL schemes kept as URLs: what web proxies and blocklists act on. Any
/// other scheme names a service at a host and port.
const WEB_SCHEMES: [&str; 5] = ["http", "https", "ftp", "ws", "wss"];

/// A value read, with its port and what was changed on the way in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Read {
    pub value: IndicatorValue,
    pub port: Option<u16>,
    /// `(code, what it became, message)` when the value was changed.
    pub notice: Option<(&'static str, String, String)>,
}

impl Read {
    fn plain(value: IndicatorValue) -> Self {
        Self {
            value,
            port: None,
            notice: None,
        }
    }
}

/// `s` in Unicode normalisation form KC: full-width letters, digits and
/// punctuation become ASCII, so a value typed with a Japanese input method
/// reads as it looks.
pub(super) fn nfkc(s: &str) -> String {
    use unicode_normalization::{IsNormalized, is_nfkc_quick};
    if s.is_ascii() || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        s.to_owned()
    } else {
        s.nfkc().collect()
    }
}

/// Reads `raw` (normalised and refanged here) as a value of `kind`, or of
/// the kind it looks like.
pub(super) fn read(raw: &str, kind: Option<ValueKind>) -> Result<Read, ParseError> {
    read_normal(&refang(&nfkc(raw)), kind)
}

/// [`read`] for text already normalised and refanged (free text does both
/// once per line and token; refanging is most of a token's cost).
pub(super) fn read_normal(normal: &str, kind: Option<ValueKind>) -> Result<Read, ParseError> {
    let s = normal.trim();
    if s.is_empty() {
        return Err(crate::refusal("value", "value-empty", &[], "is empty"));
    }
    if let Some(r) = endpoint(s, kind)? {
        return Ok(r);
    }
    let value = match kind {
        Some(k) => IndicatorValue::parse(k, s)?,
        None => guess(s)?,
    };
    let mut r = Read::plain(value);
    if r.value.is_network()
        && let Ok(net) = s.parse::<IpNet>()
        && net.addr() != net.network()
    {
        r.notice = Some((
            "host-bits",
            r.value.value().to_owned(),
            format!(
                "{s} has host bits set; read as the network {}",
                r.value.value()
            ),
        ));
    }
    Ok(r)
}

/// Like [`IndicatorValue::guess`], but a value that is plainly meant as an
/// address (only digits, dots and a prefix; or hex and colons) is parsed
/// as one, so the error says "not an IP address" rather than something about
/// domain labels.
fn guess(raw: &str) -> Result<IndicatorValue, ParseError> {
    match IndicatorValue::guess(raw) {
        Ok(v) => Ok(v),
        Err(e) => {
            let t = raw.trim();
            let v4ish = t.contains('.')
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'/');
            let v6ish = t.contains(':')
                && !t.contains("://")
                && t.bytes()
                    .all(|b| b.is_ascii_hexdigit() || b"./:".contains(&b));
            if v4ish {
                IndicatorValue::parse(ValueKind::Ipv4, t)
            } else if v6ish {
                IndicatorValue::parse(ValueKind::Ipv6, t)
            } else {
                Err(e)
            }
        }
    }
}

pub(super) fn port(p: &str) -> Result<u16, ParseError> {
    match p.parse::<u16>() {
        Ok(n) if n > 0 && p.len() <= 5 => Ok(n),
        _ => Err(crate::refusal(
            "port",
            "port-invalid",
            &[("value", p), ("min", "1")],
            format!("{p:?} is not a port (1 to 65535)"),
        )),
    }
}

/// A host with a port (`198.51.100.7:443`, `[2001:db8::1]:443`,
/// `evil.example:8080`) or a URL of a scheme that is not web
/// (`tcp://198.51.100.7:4444`), as host and port; `None` if `s` is neither.
fn endpoint(s: &str, kind: Option<ValueKind>) -> Result<Option<Read>, ParseError> {
    let host_kinds = [None, Some(ValueKind::Ipv4), Some(ValueKind::Ipv6)];
    if let Some(rest) = s.strip_prefix('[')
        && let Some((addr, tail)) = rest.split_once(']')
        && let Some(p) = tail.strip_prefix(':')
        && host_kinds.contains(&kind)
        && addr.parse::<Ipv6Addr>().is_ok()
    {
        let value = IndicatorValue::parse(ValueKind::Ipv6, addr)?;
        return Ok(Some(Read {
            port: Some(port(p)?),
            ..Read::plain(value)
        }));
    }
    if let Some((host, p)) = s.split_once(':')
        && !p.contains(':')
        && !p.is_empty()
        && p.bytes().all(|b| b.is_ascii_digit())
    {
        if host_kinds.contains(&kind) && host.parse::<Ipv4Addr>().is_ok() {
            let value = IndicatorValue::parse(ValueKind::Ipv4, host)?;
            return Ok(Some(Read {
                port: Some(port(p)?),
                ..Read::plain(value)
            }));
        }
        if matches!(kind, None | Some(ValueKind::Domain))
            && let Ok(value) = match kind {
                Some(k) => IndicatorValue::parse(k, host),
                None => IndicatorValue::guess(host),
            }
            && value.kind() == ValueKind::Domain
        {
            return Ok(Some(Read {
                port: Some(port(p)?),
                ..Read::plain(value)
            }));
        }
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Ok(None);
    };
    let scheme_ok = !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok
        || WEB_SCHEMES.iter().any(|w| w.eq_ignore_ascii_case(scheme))
        || !matches!(kind, None | Some(ValueKind::Url))
    {
        return Ok(None);
    }
    // A service at a host: kept as the host (and port), which blocklists of
    // addresses and names can act on; a URL of this scheme they cannot.
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let not_host = || {
        let schemes = WEB_SCHEMES.join(", ");
        crate::refusal(
            "value",
            "value-url-no-host",
            &[("value", s), ("schemes", &schemes)],
            format!("{s:?} is not a web URL ({schemes} are), and names no host to keep instead"),
        )
    };
    let (host, p) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, tail) = v6.split_once(']').ok_or_else(not_host)?;
        (h, tail.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let value = match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => IndicatorValue::parse(ValueKind::Ipv4, host),
        Ok(IpAddr::V6(_)) => IndicatorValue::parse(ValueKind::Ipv6, host),
        Err(_) => IndicatorValue::parse(ValueKind::Domain, host),
    }
    .map_err(|_| not_host())?;
    let port = p.filter(|p| !p.is_empty()).map(port).transpose()?;
    let r = Read {
        value,
        port,
        notice: None,
    };
    let kept = match port {
        Some(p) => format!("{} port {p}", r.value.value()),
        None => r.value.value().to_owned(),
    };
    Ok(Some(Read {
        notice: Some((
            "endpoint",
            kept.clone(),
            format!("{s} is not a web URL; kept as {kept}"),
        )),
        ..r
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(raw: &str) -> (String, Option<u16>, Option<&'static str>) {
        let x = read(raw, None).unwrap_or_else(|e| panic!("{raw}: {e}"));
        (x.value.to_string(), x.port, x.notice.map(|n| n.0))
    }

    #[test]
    fn endpoints_keep_the_address_and_the_port() {
        assert_eq!(
            r("198.51.100.7:443"),
            ("ipv4:198.51.100.7".into(), Some(443), None)
        );
        assert_eq!(
            r("[2001:db8::1]:8443"),
            ("ipv6:2001:db8::1".into(), Some(8443), None)
        );
        assert_eq!(
            r("evil.example.com:8080"),
            ("domain:evil.example.com".into(), Some(8080), None)
        );
        assert_eq!(
            r("198.51.100[.]7[:]443"),
            ("ipv4:198.51.100.7".into(), Some(443), None)
        );
        assert_eq!(
            r("tcp://198.51.100.7:4444"),
            ("ipv4:198.51.100.7".into(), Some(4444), Some("endpoint"))
        );
        assert_eq!(
            r("ssh://root@[2001:db8::9]:22/"),
            ("ipv6:2001:db8::9".into(), Some(22), Some("endpoint"))
        );
        assert_eq!(
            r("irc://c2.evil.example"),
            ("domain:c2.evil.example".into(), None, Some("endpoint"))
        );
        assert_eq!(
            r("HTTPS://evil.example:8443/x").0,
            "url:https://evil.example:8443/x"
        );
        for bad in ["198.51.100.7:0", "198.51.100.7:65536", "[2001:db8::1]:http"] {
            assert!(read(bad, None).is_err(), "{bad}");
        }
        let e = read("tcp://not a host:1", None).expect_err("no host");
        assert!(e.message.contains("not a web URL"), "{e}");
    }

    #[test]
    fn full_width_text_is_normalised_first() {
        assert_eq!(r("１９８．５１．１００．９９").0, "ipv4:198.51.100.99");
        assert_eq!(
            r("ｈｘｘｐ：／／evil［．］example／a").0,
            "url:http://evil.example/a"
        );
        assert_eq!(
            r("ｅｖｉｌ．ｅｘａｍｐｌｅ．ｃｏｍ").0,
            "domain:evil.example.com"
        );
    }

    #[test]
    fn host_bits_are_cleared_with_a_notice() {
        assert_eq!(
            r("10.1.2.3/24"),
            ("ipv4:10.1.2.0/24".into(), None, Some("host-bits"))
        );
        assert_eq!(r("10.1.2.0/24").2, None);
        assert_eq!(r("2001:db8::1/32").2, Some("host-bits"));
    }
}
