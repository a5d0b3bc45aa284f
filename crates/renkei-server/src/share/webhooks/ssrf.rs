//! Where a webhook may point: the URL's shape, and only public addresses
//! (checked on the URL when registered and sent, and on every name when it
//! is resolved), so a webhook cannot make the server probe its own network.

use renkei_core::ParseError;

/// Longest webhook URL accepted.
pub const MAX_URL_CHARS: usize = 2_000;

/// A webhook URL: `http` or `https`, with a host, no credentials, at most
/// [`MAX_URL_CHARS`] characters.
pub fn parse_url(s: &str) -> Result<String, ParseError> {
    let s = s.trim();
    if s.chars().count() > MAX_URL_CHARS {
        return Err(ParseError::new(
            "url",
            format!("at most {MAX_URL_CHARS} characters"),
        ));
    }
    let u = url::Url::parse(s).map_err(|e| ParseError::new("url", format!("not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(ParseError::new(
            "url",
            "must start with http:// or https://",
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(ParseError::new("url", "must name a host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(ParseError::new(
            "url",
            "must not carry a user name or password (requests are signed instead)",
        ));
    }
    Ok(u.to_string())
}

/// Whether `ip` is a public unicast address: not loopback, private,
/// shared (CGNAT), link-local (cloud metadata), documentation, multicast,
/// reserved or unspecified.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_broadcast()
                || a.is_documentation()
                || a.is_unspecified()
                || a.is_multicast()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0))
        }
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            !(a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && a.segments()[1] == 0x0db8)
                && a.to_ipv4_mapped()
                    .is_none_or(|v4| is_public(IpAddr::V4(v4)))
        }
    }
}

/// Refuses a URL whose host is a non-public address literal (names are
/// checked when they are resolved, by the worker's resolver).
pub fn check_target(url: &str, allow_private: bool) -> Result<(), ParseError> {
    if allow_private {
        return Ok(());
    }
    let host = url::Url::parse(url).ok().and_then(|u| match u.host() {
        Some(url::Host::Ipv4(a)) => Some(std::net::IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => Some(std::net::IpAddr::V6(a)),
        _ => None,
    });
    match host {
        Some(ip) if !is_public(ip) => Err(ParseError::new(
            "url",
            "points at a private, local or reserved address",
        )),
        _ => Ok(()),
    }
}

/// Resolves webhook host names to public addresses only, at connection
/// time, so a name cannot be re-pointed at an internal address later.
#[derive(Debug)]
pub(super) struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<std::net::SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err("the host resolves to no public address".into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        for (ip, public) in [
            ("45.32.100.77", true),
            ("2400:8500::1", true),
            ("127.0.0.1", false),
            ("10.0.0.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("::1", false),
            ("fe80::1", false),
            ("fd00::1", false),
            ("::ffff:10.0.0.1", false),
            ("0.0.0.0", false),
            ("192.0.2.1", false),
        ] {
            assert_eq!(is_public(ip.parse().expect("ip")), public, "{ip}");
        }
        assert!(check_target("http://10.0.0.1/x", false).is_err());
        assert!(check_target("http://10.0.0.1/x", true).is_ok());
        assert!(check_target("https://hooks.example.jp/x", false).is_ok());
        assert!(parse_url("https://hooks.example.jp/renkei").is_ok());
        assert!(parse_url("http://127.0.0.1:9000/x").is_ok());
        for bad in [
            "ftp://example.jp/",
            "not a url",
            "https://",
            "https://user:pw@example.jp/",
            "file:///etc/passwd",
        ] {
            assert_eq!(parse_url(bad).map_err(|e| e.field), Err("url"), "{bad}");
        }
        let long = format!("https://example.jp/{}", "a".repeat(MAX_URL_CHARS));
        assert!(parse_url(&long).is_err());
    }
}
