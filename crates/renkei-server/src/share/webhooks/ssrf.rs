//! Where a webhook may point: the URL's shape, and only public addresses
//! (checked on the URL when registered and sent, and on every name when it
//! is resolved), so a webhook cannot make the server probe its own network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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

/// IPv4 ranges a webhook may not reach: the IANA IPv4 Special-Purpose
/// Address Registry (all of it, globally reachable or not: none is where
/// a member's receiver lives), multicast and the broadcast address.
const SPECIAL_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),          // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),         // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),      // shared address space (CGNAT)
    (Ipv4Addr::new(127, 0, 0, 0), 8),        // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),     // link-local (cloud metadata)
    (Ipv4Addr::new(172, 16, 0, 0), 12),      // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),       // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),       // documentation (TEST-NET-1)
    (Ipv4Addr::new(192, 31, 196, 0), 24),    // AS112-v4
    (Ipv4Addr::new(192, 52, 193, 0), 24),    // AMT
    (Ipv4Addr::new(192, 88, 99, 0), 24),     // deprecated 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),     // private
    (Ipv4Addr::new(192, 175, 48, 0), 24),    // direct delegation AS112
    (Ipv4Addr::new(198, 18, 0, 0), 15),      // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24),    // documentation (TEST-NET-2)
    (Ipv4Addr::new(203, 0, 113, 0), 24),     // documentation (TEST-NET-3)
    (Ipv4Addr::new(224, 0, 0, 0), 4),        // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),        // reserved
    (Ipv4Addr::new(255, 255, 255, 255), 32), // limited broadcast
];

/// IPv6 ranges a webhook may not reach: the IANA IPv6 Special-Purpose
/// Address Registry, the deprecated IPv4-compatible and site-local
/// ranges, multicast; and anything outside global unicast (2000::/3).
const SPECIAL_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1), 128), // loopback
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 128), // unspecified
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96), // IPv4-mapped
    (Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96), // IPv4-translated (SIIT)
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),  // IPv4-compatible (deprecated)
    (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96), // NAT64 well-known prefix
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // NAT64 local use
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only
    (Ipv6Addr::new(0x100, 0, 0, 1, 0, 0, 0, 0), 64), // dummy prefix
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments (Teredo, ORCHID, …)
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16), // 6to4
    (Ipv6Addr::new(0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0), 48), // direct delegation AS112
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16), // segment routing SIDs
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),  // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),  // multicast
];

/// Why an address is refused: it, the special-purpose range it lies in,
/// and the IPv4 address an IPv6 form embeds, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub address: IpAddr,
    /// The range, as `network/length`.
    pub range: String,
    pub embedded: Option<Ipv4Addr>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is in the special-purpose range {}",
            self.address, self.range
        )?;
        if let Some(v4) = self.embedded {
            write!(f, " (embedding {v4})")?;
        }
        write!(f, "; webhooks reach public addresses only")
    }
}

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == net.to_bits() & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == net.to_bits() & mask
}

fn special_v4(ip: Ipv4Addr) -> Option<String> {
    SPECIAL_V4
        .iter()
        .find(|(net, len)| in_v4(ip, *net, *len))
        .map(|(net, len)| format!("{net}/{len}"))
}

/// The IPv4 addresses an IPv6 address carries in its IPv4-mapped,
/// IPv4-translated (::ffff:0:0:0/96), IPv4-compatible, NAT64 (64:ff9b::/96), 6to4 (2002::/16) or Teredo
/// (2001::/32: the server, and the client's address inverted) form.
pub fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let bits = ip.to_bits();
    let low = Ipv4Addr::from_bits(bits as u32);
    let seg = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from_bits((u32::from(hi) << 16) | u32::from(lo));
    if in_v6(ip, Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96)
        || in_v6(ip, Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96)
        || in_v6(ip, Ipv6Addr::UNSPECIFIED, 96)
        || in_v6(ip, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)
    {
        vec![low]
    } else if seg[0] == 0x2002 {
        vec![v4(seg[1], seg[2])]
    } else if seg[0] == 0x2001 && seg[1] == 0 {
        vec![v4(seg[2], seg[3]), Ipv4Addr::from_bits(!(bits as u32))]
    } else {
        Vec::new()
    }
}

/// Why `ip` may not be a webhook's address, or `None` when it is a public
/// unicast address. An IPv6 address embedding an IPv4 one is decided on
/// both: the embedded address's range is named when it is special.
pub fn refusal(ip: IpAddr) -> Option<Refused> {
    let refused = |range, embedded| Refused {
        address: ip,
        range,
        embedded,
    };
    match ip {
        IpAddr::V4(a) => special_v4(a).map(|r| refused(r, None)),
        IpAddr::V6(a) if a.is_loopback() || a.is_unspecified() => {
            Some(refused(format!("{a}/128"), None))
        }
        IpAddr::V6(a) => {
            // An embedded IPv4 address in a special range names that range.
            for v4 in embedded_v4(a) {
                if let Some(r) = special_v4(v4) {
                    return Some(refused(r, Some(v4)));
                }
            }
            let embedded = embedded_v4(a).first().copied();
            if let Some((net, len)) = SPECIAL_V6.iter().find(|(net, len)| in_v6(a, *net, *len)) {
                return Some(refused(format!("{net}/{len}"), embedded));
            }
            let global = Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0);
            (!in_v6(a, global, 3)).then(|| refused("outside 2000::/3".into(), None))
        }
    }
}

/// Whether `ip` is a public unicast address a webhook may reach.
pub fn is_public(ip: IpAddr) -> bool {
    refusal(ip).is_none()
}

/// A URL whose host is a special-purpose address literal, refused; names
/// are checked when they are resolved, by the worker's resolver.
pub fn check_target(url: &str, allow_private: bool) -> Result<(), Refused> {
    if allow_private {
        return Ok(());
    }
    let host = url::Url::parse(url).ok().and_then(|u| match u.host() {
        Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
        _ => None,
    });
    match host.and_then(refusal) {
        Some(r) => Err(r),
        None => Ok(()),
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

    /// Every special-purpose range refuses an address at its start, inside
    /// and at its end; the addresses just outside are public.
    #[test]
    fn special_purpose_ranges_are_refused() {
        for (ip, range) in [
            // The inputs.
            ("198.18.0.0", "198.18.0.0/15"),
            ("198.19.255.255", "198.18.0.0/15"),
            ("::7f00:1", "127.0.0.0/8"),
            ("::ffff:0:7f00:1", "127.0.0.0/8"),
            ("64:ff9b::7f00:1", "127.0.0.0/8"),
            ("64:ff9b::a9fe:a9fe", "169.254.0.0/16"),
            ("2002:7f00:1::1", "127.0.0.0/8"),
            ("2002:7f00:0001:0:0:0:0:0", "127.0.0.0/8"),
            ("fec0::1", "fec0::/10"),
            // IPv4, the whole registry.
            ("0.0.0.0", "0.0.0.0/8"),
            ("0.255.255.255", "0.0.0.0/8"),
            ("10.0.0.1", "10.0.0.0/8"),
            ("100.64.0.1", "100.64.0.0/10"),
            ("100.127.255.255", "100.64.0.0/10"),
            ("127.0.0.1", "127.0.0.0/8"),
            ("127.255.255.254", "127.0.0.0/8"),
            ("169.254.169.254", "169.254.0.0/16"),
            ("172.16.0.1", "172.16.0.0/12"),
            ("172.31.255.255", "172.16.0.0/12"),
            ("192.0.0.9", "192.0.0.0/24"),
            ("192.0.0.170", "192.0.0.0/24"),
            ("192.0.2.1", "192.0.2.0/24"),
            ("192.31.196.1", "192.31.196.0/24"),
            ("192.52.193.1", "192.52.193.0/24"),
            ("192.88.99.1", "192.88.99.0/24"),
            ("192.168.1.1", "192.168.0.0/16"),
            ("192.175.48.1", "192.175.48.0/24"),
            ("198.51.100.7", "198.51.100.0/24"),
            ("203.0.113.9", "203.0.113.0/24"),
            ("224.0.0.1", "224.0.0.0/4"),
            ("239.255.255.250", "224.0.0.0/4"),
            ("240.0.0.1", "240.0.0.0/4"),
            ("255.255.255.254", "240.0.0.0/4"),
            ("255.255.255.255", "240.0.0.0/4"),
            // IPv6, the whole registry.
            ("::1", "::1/128"),
            ("::", "::/128"),
            ("::ffff:10.0.0.1", "10.0.0.0/8"),
            ("::ffff:8.8.8.8", "::ffff:0.0.0.0/96"),
            ("::ffff:0:808:808", "::ffff:0:0:0/96"),
            ("::808:808", "::/96"),
            ("64:ff9b::808:808", "64:ff9b::/96"),
            ("64:ff9b:1::1", "64:ff9b:1::/48"),
            ("100::1", "100::/64"),
            ("100:0:0:1::1", "100:0:0:1::/64"),
            ("2001::1", "0.0.0.0/8"),
            ("2001:1::1", "2001::/23"),
            ("2001:2::1", "2001::/23"),
            ("2001:10::1", "2001::/23"),
            ("2001:1ff:ffff::1", "2001::/23"),
            ("2001:db8::1", "2001:db8::/32"),
            ("2002:808:808::1", "2002::/16"),
            ("2620:4f:8000::1", "2620:4f:8000::/48"),
            ("3fff::1", "3fff::/20"),
            ("3fff:fff::1", "3fff::/20"),
            ("5f00::1", "5f00::/16"),
            ("fc00::1", "fc00::/7"),
            ("fd12:3456::1", "fc00::/7"),
            ("fe80::1", "fe80::/10"),
            ("febf::1", "fe80::/10"),
            ("fec0::1", "fec0::/10"),
            ("feff::1", "fec0::/10"),
            ("ff02::1", "ff00::/8"),
            ("4000::1", "outside 2000::/3"),
            ("::1:0:0:1", "outside 2000::/3"),
            // Teredo: the server (65.54.227.120) is public, the client
            // (inverted: 192.0.2.45, documentation) is not.
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.0/24"),
            ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "2001::/23"),
        ] {
            let r = refusal(ip.parse().expect("ip")).unwrap_or_else(|| panic!("{ip} accepted"));
            assert_eq!(r.range, range, "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "45.32.100.77",
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.255",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2400:8500::1",
            "2001:4860:4860::8888",
            "2001:200::1",
            "2606:4700:4700::1111",
            "2620:4f:8001::1",
            "2003::1",
            "3ffe:ffff::1",
        ] {
            assert_eq!(refusal(ip.parse().expect("ip")), None, "{ip}");
        }
    }

    #[test]
    fn embedded_ipv4_addresses_are_found() {
        let v4 = |s: &str| s.parse::<Ipv4Addr>().expect("v4");
        for (v6, want) in [
            ("::ffff:127.0.0.1", vec![v4("127.0.0.1")]),
            ("::ffff:0:7f00:1", vec![v4("127.0.0.1")]),
            ("::7f00:1", vec![v4("127.0.0.1")]),
            ("64:ff9b::a9fe:a9fe", vec![v4("169.254.169.254")]),
            ("2002:c000:0204::1", vec![v4("192.0.2.4")]),
            (
                "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                vec![v4("65.54.227.120"), v4("192.0.2.45")],
            ),
            ("2400:8500::1", vec![]),
        ] {
            assert_eq!(embedded_v4(v6.parse().expect("v6")), want, "{v6}");
        }
    }

    /// Names are checked when a delivery connects, so a name re-pointed
    /// at an internal address after registration reaches nothing.
    #[tokio::test]
    async fn names_resolving_to_special_addresses_are_refused_at_connect_time() {
        use reqwest::dns::Resolve;
        let name = "localhost".parse().expect("name");
        let refused = PublicOnly.resolve(name).await;
        assert!(refused.is_err(), "localhost resolved to something public");
    }

    #[test]
    fn urls_are_checked() {
        for url in [
            "http://[::ffff:127.0.0.1]/x",
            "http://[::7f00:1]/x",
            "http://[::ffff:0:7f00:1]/x",
            "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[fec0::1]/",
            "http://198.18.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://0/",
        ] {
            assert!(check_target(url, false).is_err(), "{url}");
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
