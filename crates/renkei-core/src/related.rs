//! Values related to a searched one, for one search over every kind: a URL
//! leads to its host and the host's registered domain (public-suffix list),
//! a domain to the URLs on it, a network to the addresses inside it. Each is
//! an exact value or a prefix of canonical text, so a store answers it with
//! index probes and ranges, never a scan.

use ipnet::IpNet;

use crate::indicator::{IndicatorValue, ValueKind};

impl IndicatorValue {
    /// The registered domain (a public suffix and one label more) of a
    /// domain, a URL's host or an e-mail domain; `None` for addresses,
    /// hashes and hosts that are a suffix themselves.
    pub fn registered_domain(&self) -> Option<String> {
        let host = self.host()?;
        let d = psl::domain(host.as_bytes())?;
        std::str::from_utf8(d.as_bytes()).ok().map(str::to_owned)
    }
}

/// What a search for one value also looks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Related {
    /// Values looked up exactly (the value itself first).
    pub exact: Vec<IndicatorValue>,
    /// `(kind, prefix)`: canonical values of `kind` starting with `prefix`.
    pub prefixes: Vec<(ValueKind, String)>,
}

/// The schemes whose URLs a domain search finds.
const URL_SCHEMES: [&str; 2] = ["http", "https"];

/// A URL finds its host (a domain or an address) and the host's registered
/// domain; a domain finds its registered domain and the URLs on it (with or
/// without a port); anything else finds itself.
pub fn related(v: &IndicatorValue) -> Related {
    let mut r = Related {
        exact: vec![v.clone()],
        prefixes: Vec::new(),
    };
    let push = |x: IndicatorValue, r: &mut Related| {
        if !r.exact.contains(&x) {
            r.exact.push(x);
        }
    };
    match v.kind() {
        ValueKind::Url => {
            if let Some(host) = v.host() {
                if let Ok(x) = IndicatorValue::guess(host) {
                    push(x, &mut r);
                } else if let Ok(x) = IndicatorValue::parse(ValueKind::Domain, host) {
                    push(x, &mut r);
                }
            }
            if let Some(d) = v.registered_domain()
                && let Ok(x) = IndicatorValue::parse(ValueKind::Domain, &d)
            {
                push(x, &mut r);
            }
        }
        ValueKind::Domain => {
            if let Some(d) = v.registered_domain()
                && let Ok(x) = IndicatorValue::parse(ValueKind::Domain, &d)
            {
                push(x, &mut r);
            }
            for s in URL_SCHEMES {
                for end in ['/', ':'] {
                    r.prefixes
                        .push((ValueKind::Url, format!("{s}://{}{end}", v.value())));
                }
            }
        }
        _ => {}
    }
    r
}

/// How a network's addresses are found in canonical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inside {
    /// Exactly these addresses (a small IPv4 network).
    Exact(Vec<String>),
    /// Every address starting with one of these prefixes is inside.
    Prefixes(Vec<String>),
    /// Addresses starting with this prefix may be inside: each must be
    /// checked (IPv6, whose compressed text has no exact prefix).
    Candidates(String),
}

/// Where the single addresses inside network `net` are, as canonical text
/// (`IndicatorValue`'s forms: dotted quads, RFC 5952 IPv6). `None` for a
/// single address or a network wider than /8 (IPv4) or /16 (IPv6), the
/// widest a look-up of an address probes.
pub fn inside(net: &IpNet) -> Option<Inside> {
    match net {
        IpNet::V4(n) => {
            let len = n.prefix_len();
            if !(8..32).contains(&len) {
                return None;
            }
            let o = n.network().octets();
            let whole = usize::from(len / 8);
            let spare = 8 - len % 8;
            let head: Vec<String> = o[..whole].iter().map(u8::to_string).collect();
            if spare == 8 {
                // Whole octets: one prefix ("10." for /8) holds exactly them.
                return Some(Inside::Prefixes(vec![format!("{}.", head.join("."))]));
            }
            let first = u32::from(o[whole]);
            let part = first..first + (1 << spare);
            if whole == 3 {
                let addrs = part.map(|x| format!("{}.{x}", head.join("."))).collect();
                return Some(Inside::Exact(addrs));
            }
            let prefixes = part
                .map(|x| {
                    let mut parts = head.clone();
                    parts.push(x.to_string());
                    format!("{}.", parts.join("."))
                })
                .collect();
            Some(Inside::Prefixes(prefixes))
        }
        IpNet::V6(n) => {
            let len = n.prefix_len();
            if !(16..128).contains(&len) {
                return None;
            }
            // The whole groups the prefix fixes, up to the first zero one:
            // text compression never starts inside a run of non-zero groups.
            let segs = n.network().segments();
            let fixed = usize::from(len / 16);
            let head: Vec<String> = segs[..fixed]
                .iter()
                .take_while(|g| **g != 0)
                .map(|g| format!("{g:x}"))
                .collect();
            if head.is_empty() {
                return None;
            }
            let prefix = format!("{}:", head.join(":"));
            // Whole non-zero groups only: then the text prefix is exact.
            if head.len() == fixed && len % 16 == 0 {
                return Some(Inside::Prefixes(vec![prefix]));
            }
            Some(Inside::Candidates(prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(raw: &str) -> IndicatorValue {
        IndicatorValue::guess(raw).expect("value")
    }

    #[test]
    fn a_url_finds_its_host_and_registered_domain() {
        let r = related(&v("http://login.kansai-rail.co.jp:8080/a?b=c"));
        let values: Vec<&str> = r.exact.iter().map(IndicatorValue::value).collect();
        assert_eq!(
            values,
            [
                "http://login.kansai-rail.co.jp:8080/a?b=c",
                "login.kansai-rail.co.jp",
                "kansai-rail.co.jp"
            ]
        );
        assert!(r.prefixes.is_empty());
        let r = related(&v("http://203.0.113.45/x"));
        assert_eq!(r.exact[1], v("203.0.113.45"));
        assert_eq!(r.exact.len(), 2);
    }

    #[test]
    fn a_domain_finds_urls_on_it_and_its_registered_domain() {
        let r = related(&v("www.example.com"));
        assert_eq!(r.exact, [v("www.example.com"), v("example.com")]);
        assert!(
            r.prefixes
                .contains(&(ValueKind::Url, "https://www.example.com/".into()))
        );
        assert!(
            r.prefixes
                .contains(&(ValueKind::Url, "http://www.example.com:".into()))
        );
        // A registered domain is its own.
        assert_eq!(related(&v("example.com")).exact.len(), 1);
    }

    #[test]
    fn networks_list_what_is_inside_exactly() {
        let net = |s: &str| s.parse::<IpNet>().expect("network");
        assert_eq!(
            inside(&net("203.0.113.0/24")),
            Some(Inside::Prefixes(vec!["203.0.113.".into()]))
        );
        let Some(Inside::Exact(a)) = inside(&net("203.0.113.128/30")) else {
            panic!()
        };
        assert_eq!(
            a,
            [
                "203.0.113.128",
                "203.0.113.129",
                "203.0.113.130",
                "203.0.113.131"
            ]
        );
        let Some(Inside::Prefixes(p)) = inside(&net("10.16.0.0/12")) else {
            panic!()
        };
        assert_eq!(p.len(), 16);
        assert_eq!((p[0].as_str(), p[15].as_str()), ("10.16.", "10.31."));
        assert_eq!(
            inside(&net("10.0.0.0/8")),
            Some(Inside::Prefixes(vec!["10.".into()]))
        );
        assert_eq!(inside(&net("0.0.0.0/0")), None);
        // Regression: a URL's slashes did not make it a network.
        assert!(!v("http://a.example.com/x").is_network());
        assert!(v("203.0.113.0/24").is_network());
        assert_eq!(
            inside(&net("2001:db8:0:1::/64")),
            Some(Inside::Candidates("2001:db8:".into()))
        );
        assert_eq!(
            inside(&net("2001:db8:1:2::/64")),
            Some(Inside::Prefixes(vec!["2001:db8:1:2:".into()]))
        );
    }

    #[test]
    fn the_prefixes_hold_every_address_inside() {
        for (n, addr) in [
            ("198.51.100.0/22", "198.51.103.9"),
            ("10.0.0.0/16", "10.0.255.1"),
            ("2001:db8:0:1::/64", "2001:db8:0:1::5"),
            ("2001:db8:1:2::/64", "2001:db8:1:2:1:1:1:1"),
            ("2001:db8:1:2::/64", "2001:db8:1:2::"),
        ] {
            let net: IpNet = n.parse().expect("network");
            let a = v(addr);
            let ok = match inside(&net).expect("inside") {
                Inside::Exact(x) => x.contains(&a.value().to_owned()),
                Inside::Prefixes(p) => p.iter().any(|p| a.value().starts_with(p.as_str())),
                Inside::Candidates(p) => a.value().starts_with(&p),
            };
            assert!(ok, "{addr} in {n}");
        }
    }
}
