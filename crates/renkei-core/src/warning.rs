//! Warning lists: known-benign values (private and documentation ranges,
//! very popular domains) that mark an indicator as a likely false positive,
//! as MISP's warninglists do. Built-in lists ship with renkei; members add
//! their own entries, which the store keeps.

use ipnet::IpNet;

use crate::indicator::{IndicatorValue, ValueKind};

/// One entry: a network (addresses inside it match), a domain (itself and
/// its subdomains match, as do URLs and e-mail addresses on it), or an exact
/// value of another kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningEntry {
    Net(IpNet),
    Domain(String),
    Exact(IndicatorValue),
}

impl WarningEntry {
    /// Reads an entry from an indicator value: addresses and networks become
    /// networks, domains cover their subdomains, the rest must match exactly.
    pub fn from_value(v: IndicatorValue) -> Self {
        match (v.kind(), v.net()) {
            (_, Some(net)) => WarningEntry::Net(net),
            (ValueKind::Domain, _) => WarningEntry::Domain(v.value().to_owned()),
            _ => WarningEntry::Exact(v),
        }
    }

    fn matches(&self, v: &Probe<'_>) -> bool {
        match self {
            WarningEntry::Net(net) => match (v.net, v.host_addr) {
                (Some(n), _) => net.contains(&n.addr()) && n.prefix_len() >= net.prefix_len(),
                // A URL or e-mail address whose host is an address literal
                // is judged by that address, as the bare address would be.
                (None, Some(a)) => net.contains(&a),
                (None, None) => false,
            },
            WarningEntry::Domain(d) => v.host.is_some_and(|h| {
                h == d
                    || (h.len() > d.len()
                        && h.ends_with(d.as_str())
                        && h.as_bytes()[h.len() - d.len() - 1] == b'.')
            }),
            WarningEntry::Exact(e) => e == v.value,
        }
    }
}

/// A value as the entries look at it, its network and host read once
/// (not once per entry).
#[derive(Debug)]
struct Probe<'a> {
    value: &'a IndicatorValue,
    net: Option<IpNet>,
    host: Option<&'a str>,
    /// The host, if it is an address literal.
    host_addr: Option<std::net::IpAddr>,
}

impl<'a> Probe<'a> {
    fn of(value: &'a IndicatorValue) -> Self {
        let host = value.host();
        Self {
            value,
            net: value.net(),
            host,
            host_addr: host
                .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
                .and_then(|h| h.parse().ok()),
        }
    }
}

/// Refuses entries so wide that they would silence whole swathes of real
/// indicators: networks shorter than /8 (IPv4) or /16 (IPv6), and domains
/// that are public suffixes (`co.jp`, `com`).
pub fn check_entry(v: &IndicatorValue) -> Result<(), crate::ParseError> {
    let too_wide = match (v.kind(), v.net()) {
        (ValueKind::Ipv4, Some(n)) => n.prefix_len() < 8,
        (ValueKind::Ipv6, Some(n)) => n.prefix_len() < 16,
        (ValueKind::Domain, _) => psl::domain(v.value().as_bytes()).is_none(),
        _ => false,
    };
    if too_wide {
        return Err(crate::ParseError::new(
            "value",
            format!("{} is too wide for a warning list", v.value()),
        )
        .with_code("warning-too-wide", &[("value", v.value())]));
    }
    Ok(())
}

/// A named list of entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningList {
    /// Stable key, e.g. `private-ranges`.
    pub key: String,
    pub description: String,
    pub entries: Vec<WarningEntry>,
}

/// All lists in force; `matches` says which lists a value falls into.
#[derive(Debug, Clone, Default)]
pub struct WarningLists {
    lists: Vec<WarningList>,
}

impl WarningLists {
    pub fn new(lists: Vec<WarningList>) -> Self {
        Self { lists }
    }

    /// The built-in lists plus `extra` (members' own entries).
    pub fn with_builtin(extra: Vec<WarningList>) -> Self {
        let mut lists = builtin();
        lists.extend(extra);
        Self { lists }
    }

    pub fn lists(&self) -> &[WarningList] {
        &self.lists
    }

    /// The keys of the lists `v` appears on, in list order.
    pub fn matches(&self, v: &IndicatorValue) -> Vec<&str> {
        let v = Probe::of(v);
        self.lists
            .iter()
            .filter(|l| l.entries.iter().any(|e| e.matches(&v)))
            .map(|l| l.key.as_str())
            .collect()
    }
}

fn nets(key: &str, description: &str, cidrs: &[&str]) -> WarningList {
    WarningList {
        key: key.to_owned(),
        description: description.to_owned(),
        entries: cidrs
            .iter()
            .filter_map(|c| c.parse::<IpNet>().ok())
            .map(WarningEntry::Net)
            .collect(),
    }
}

/// The lists renkei ships: RFC 1918/6598/4193 private and special ranges,
/// RFC 5737/3849 documentation ranges, documentation domains (RFC 2606/6761)
/// and a short list of very popular domains whose appearance in an indicator
/// is almost always a mistake.
pub fn builtin() -> Vec<WarningList> {
    vec![
        nets(
            "private-ranges",
            "Private, loopback, link-local, shared and multicast address ranges (RFC 1918, 6598, 3927, 4193, 4291)",
            &[
                "0.0.0.0/8",
                "10.0.0.0/8",
                "100.64.0.0/10",
                "127.0.0.0/8",
                "169.254.0.0/16",
                "172.16.0.0/12",
                "192.168.0.0/16",
                "224.0.0.0/4",
                "240.0.0.0/4",
                "::1/128",
                "fc00::/7",
                "fe80::/10",
                "ff00::/8",
            ],
        ),
        {
            let mut l = nets(
                "documentation",
                "Documentation address ranges and domains (RFC 5737, 3849, 2606, 6761)",
                &[
                    "192.0.2.0/24",
                    "198.51.100.0/24",
                    "203.0.113.0/24",
                    "2001:db8::/32",
                ],
            );
            for d in ["example", "example.com", "example.net", "example.org", "test", "invalid", "localhost"] {
                l.entries.push(WarningEntry::Domain(d.to_owned()));
            }
            l
        },
        WarningList {
            key: "popular-domains".to_owned(),
            description: "Very popular domains and public resolvers: an indicator naming them is almost always a false positive".to_owned(),
            entries: [
                "google.com", "googleapis.com", "gstatic.com", "youtube.com", "microsoft.com",
                "windows.com", "windowsupdate.com", "office.com", "office365.com", "live.com",
                "outlook.com", "microsoftonline.com", "azure.com", "apple.com", "icloud.com",
                "amazon.com", "amazonaws.com", "cloudflare.com", "akamai.net", "akamaiedge.net",
                "facebook.com", "instagram.com", "x.com", "twitter.com", "linkedin.com",
                "github.com", "wikipedia.org", "yahoo.co.jp", "yahoo.com", "line.me",
                "rakuten.co.jp", "nhk.or.jp", "go.jp", "lg.jp", "digicert.com",
                "letsencrypt.org", "mozilla.org", "adobe.com", "zoom.us", "dropbox.com",
            ]
            .into_iter()
            .map(|d| WarningEntry::Domain(d.to_owned()))
            .chain(
                ["8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "2001:4860:4860::8888"]
                    .iter()
                    .filter_map(|a| a.parse::<IpNet>().ok().or_else(|| a.parse::<std::net::IpAddr>().ok().map(IpNet::from)))
                    .map(WarningEntry::Net),
            )
            .collect(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> IndicatorValue {
        IndicatorValue::guess(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn builtin_lists_mark_benign_values() {
        let w = WarningLists::with_builtin(vec![]);
        assert_eq!(w.matches(&v("10.20.30.40")), vec!["private-ranges"]);
        assert_eq!(w.matches(&v("192.168.0.0/24")), vec!["private-ranges"]);
        assert_eq!(w.matches(&v("198.51.100.7")), vec!["documentation"]);
        assert_eq!(w.matches(&v("2001:db8::1")), vec!["documentation"]);
        assert_eq!(w.matches(&v("www.google.com")), vec!["popular-domains"]);
        assert_eq!(
            w.matches(&v("https://login.microsoftonline.com/x")),
            vec!["popular-domains"]
        );
        assert_eq!(w.matches(&v("8.8.8.8")), vec!["popular-domains"]);
        assert!(w.matches(&v("evil-google.com")).is_empty());
        // URLs whose host is an address literal: as the bare address.
        for (url, list) in [
            ("http://192.168.10.5/payload.bin", "private-ranges"),
            ("https://10.1.2.3:8443/login", "private-ranges"),
            ("http://100.64.7.1/", "private-ranges"),
            ("http://127.0.0.1:8080/x", "private-ranges"),
            ("http://169.254.169.254/latest/meta-data/", "private-ranges"),
            ("http://203.0.113.9/gate.php", "documentation"),
            ("http://[2001:db8::7]/a", "documentation"),
            ("http://[fe80::1]/a", "private-ranges"),
        ] {
            assert_eq!(w.matches(&v(url)), vec![list], "{url}");
        }
        assert!(w.matches(&v("http://45.77.1.2/gate.php")).is_empty());
        assert!(
            w.matches(&v("http://10.example.net.evil.co.jp/"))
                .is_empty()
        );
        assert!(w.matches(&v("45.77.1.2")).is_empty());
        // A network wider than the listed range is not inside it.
        assert!(w.matches(&v("10.0.0.0/7")).is_empty());
    }

    #[test]
    fn entries_that_are_too_wide_are_refused() {
        for wide in ["0.0.0.0/1", "::/8", "co.jp", "com"] {
            let v = IndicatorValue::parse(
                if wide.contains(':') {
                    ValueKind::Ipv6
                } else if wide.contains('/') {
                    ValueKind::Ipv4
                } else {
                    ValueKind::Domain
                },
                wide,
            );
            if let Ok(v) = v {
                assert!(check_entry(&v).is_err(), "{wide}");
            }
        }
        assert!(check_entry(&v("10.0.0.0/8")).is_ok());
        assert!(check_entry(&v("cdn.example.co.jp")).is_ok());
    }

    #[test]
    fn members_lists_extend_the_builtin_ones() {
        let own = WarningList {
            key: "ours".into(),
            description: "our CDN".into(),
            entries: vec![WarningEntry::from_value(v("cdn.corp.example.co.jp"))],
        };
        let w = WarningLists::with_builtin(vec![own]);
        assert_eq!(w.matches(&v("img.cdn.corp.example.co.jp")), vec!["ours"]);
    }
}
