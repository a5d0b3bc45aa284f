//! Tests of every export format: snapshots, escaping, what the blocking
//! formats leave out, and loading the output in BIND and Suricata.

use super::formats::{rpz_ip, suricata_content, suricata_msg};
use super::*;
use crate::indicators::tests::sample_values;
use ipnet::IpNet;

fn export(fmt: ExportFormat) -> (String, ExportStats) {
    let values = sample_values();
    let warned = IndicatorValue::parse(ValueKind::Domain, "www.google.com").expect("domain");
    let ids: Vec<String> = (0..=values.len())
        .map(|i| format!("indicator--00000000-0000-4000-8000-{i:012}"))
        .collect();
    let mut rows: Vec<ExportRow<'_>> = values
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(i, (v, id))| ExportRow {
            value: v,
            stix_id: id,
            name: (i == 4).then_some("evil \"C2\"; see \\\\share\tnow"),
            description: (i == 5).then_some("gate of the kit,\nsecond line"),
            tlp: if i % 2 == 0 { Tlp::Amber } else { Tlp::Green },
            valid_until: (i == 0).then_some("2026-12-01T00:00:00.000Z"),
            warning: None,
        })
        .collect();
    rows.push(ExportRow {
        value: &warned,
        stix_id: &ids[values.len()],
        name: None,
        description: None,
        tlp: Tlp::Clear,
        valid_until: None,
        warning: Some("popular-domains"),
    });
    let opts = ExportOptions {
        generated: "2026-11-01T09:00:00Z".into(),
        ..ExportOptions::default()
    };
    let mut out = Vec::new();
    let stats = write_export(fmt, rows, &mut out, &opts).expect("in memory");
    (String::from_utf8(out).expect("utf-8"), stats)
}

/// The sample values and `extra`, one row each, for the tests that
/// load an export into the tool it is for.
fn values_with(extra: &[(ValueKind, &str)]) -> Vec<IndicatorValue> {
    let mut values = sample_values();
    values.extend(
        extra
            .iter()
            .map(|(k, v)| IndicatorValue::parse(*k, v).unwrap_or_else(|e| panic!("{v}: {e}"))),
    );
    values
}

fn rows<'a>(
    values: &'a [IndicatorValue],
    name: &'a str,
    tlp: Tlp,
) -> impl Iterator<Item = ExportRow<'a>> {
    values.iter().map(move |v| ExportRow {
        value: v,
        stix_id: "indicator--00000000-0000-4000-8000-000000000000",
        name: Some(name),
        description: None,
        tlp,
        valid_until: None,
        warning: None,
    })
}

#[test]
fn snapshots_of_every_format() {
    for fmt in ExportFormat::ALL {
        let (text, stats) = export(fmt);
        insta::assert_snapshot!(fmt.as_str(), format!("{stats:?}\n{text}"));
    }
}

/// Values and names a spreadsheet would run as formulas are written as
/// text (OWASP CSV injection); the other formats are not spreadsheets.
#[test]
fn csv_cells_never_start_a_formula() {
    let emails = [
        "=1+2@evil.example",
        "+81-3@evil.example",
        "-2+3@evil.example",
        "＝1@evil.example",
    ];
    let values: Vec<IndicatorValue> = emails
        .iter()
        .map(|e| IndicatorValue::parse(ValueKind::Email, e).expect("email"))
        .collect();
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ];
    let rows = values.iter().zip(names).map(|(v, name)| ExportRow {
        value: v,
        stix_id: "indicator--00000000-0000-4000-8000-000000000000",
        name: Some(name),
        description: None,
        tlp: Tlp::Amber,
        valid_until: None,
        warning: None,
    });
    let mut out = Vec::new();
    write_export(ExportFormat::Csv, rows, &mut out, &ExportOptions::default()).expect("csv");
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let mut n = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record.expect("record");
        for cell in &record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']),
                "row {i}: {cell:?}"
            );
        }
        assert_eq!(&record[1], format!("'{}", emails[i]).as_str());
        assert_eq!(&record[3], format!("'{}", names[i]).as_str());
        assert_eq!(&record[4], "", "no description");
        n += 1;
    }
    assert_eq!(n, 4);
}

#[test]
fn suricata_content_escapes_quotes_semicolons_and_backslashes() {
    assert_eq!(suricata_content("a\"b;c\\d|e"), "a|22|b|3B|c|5C|d|7C|e");
    assert_eq!(suricata_content("x\";\\"), "x|22 3B 5C|");
    assert_eq!(suricata_content("例"), "|E4 BE 8B|");
    assert_eq!(suricata_msg("a\"b;c\\d\ne"), "a\\\"b\\;c\\\\d e");
    let (rules, _) = export(ExportFormat::Suricata);
    let sids: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.split("sid:").nth(1)?.split(';').next())
        .collect();
    let sids: Vec<u32> = sids.iter().filter_map(|s| s.parse().ok()).collect();
    assert_eq!(sids.first(), Some(&9_000_000));
    assert!(sids.windows(2).all(|w| w[1] == w[0] + 1), "{sids:?}");
}

#[test]
fn very_wide_networks_stay_out_of_blocking_formats() {
    let wide = IndicatorValue::parse(ValueKind::Ipv4, "0.0.0.0/1").expect("net");
    let ok = IndicatorValue::parse(ValueKind::Ipv4, "45.32.0.0/16").expect("net");
    for fmt in [
        ExportFormat::Suricata,
        ExportFormat::Rpz,
        ExportFormat::Blocklist,
        ExportFormat::Zeek,
    ] {
        let rows = [&wide, &ok].map(|v| ExportRow {
            value: v,
            stix_id: "indicator--x",
            name: None,
            description: None,
            tlp: Tlp::Green,
            valid_until: None,
            warning: None,
        });
        let mut out = Vec::new();
        let stats = write_export(fmt, rows, &mut out, &ExportOptions::default()).expect("write");
        assert_eq!((stats.written, stats.skipped), (1, 1), "{fmt:?}");
        assert_eq!(stats.left_out.get(&LeftOut::TooWide), Some(&1), "{fmt:?}");
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("0.0.0.0"), "{fmt:?}");
        assert!(
            text.trim_end()
                .ends_with("left out: 1 networks wider than /8 (IPv4) or /32 (IPv6)"),
            "{fmt:?}: {text}"
        );
    }
}

#[test]
fn rpz_names_for_networks() {
    let name = |s: &str| rpz_ip(s.parse::<IpNet>().expect("net"));
    assert_eq!(name("198.51.100.7/32"), "32.7.100.51.198.rpz-ip");
    assert_eq!(name("2001:db8::1/128"), "128.1.zz.db8.2001.rpz-ip");
    assert_eq!(name("2001:db8:abcd::/48"), "48.zz.abcd.db8.2001.rpz-ip");
    assert_eq!(name("2001:0:0:1::1/128"), "128.1.zz.1.0.0.2001.rpz-ip");
    assert_eq!(
        name("2001:db8:1:2:3:4:5:6/128"),
        "128.6.5.4.3.2.1.db8.2001.rpz-ip"
    );
    assert_eq!(name("::/0"), "0.zz.rpz-ip");
}

/// The RPZ zone loads in BIND's own checker (`named-checkzone`, Debian
/// package bind9-utils, which `scripts/test` installs), and BIND reads
/// back exactly the policy names intended.
#[test]
fn rpz_zone_loads_in_named_checkzone() {
    let extra = [
        (ValueKind::Domain, "例え.jp"),
        (ValueKind::Domain, "a-1.b-2.example.co.jp"),
        (ValueKind::Domain, &format!("{}.example", "x".repeat(63))),
        (ValueKind::Ipv4, "192.0.2.0/24"),
        (ValueKind::Ipv4, "10.0.0.0/8"),
        (ValueKind::Ipv6, "2001:db8:1:2:3:4:5:6"),
        (ValueKind::Ipv6, "2001:0:0:1::1"),
        (ValueKind::Ipv6, "2001:db8::/32"),
        (ValueKind::Ipv6, "fe80::/64"),
    ];
    let values = values_with(&extra);
    let rows = rows(
        &values,
        "a; \"name\" with (parens)\nand a newline",
        Tlp::Green,
    );
    let opts = ExportOptions {
        generated: "2026-11-01T09:00:00Z".into(),
        ..ExportOptions::default()
    };
    let mut zone = Vec::new();
    let stats = write_export(ExportFormat::Rpz, rows, &mut zone, &opts).expect("write");
    let path = std::env::temp_dir().join(format!("renkei-rpz-{}.zone", std::process::id()));
    std::fs::write(&path, &zone).expect("zone file");
    let origin = opts.zone.trim_end_matches('.');
    // `named-compilezone` checks the zone as `named-checkzone` does and
    // prints what it loaded, one record per line, names in full.
    let out = std::process::Command::new("named-compilezone")
        .args(["-i", "local", "-s", "full", "-o", "-", origin])
        .arg(&path)
        .output()
        .expect("named-compilezone (Debian package bind9-utils) must be installed");
    let _ = std::fs::remove_file(&path);
    let loaded = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "BIND refused the zone:\n{loaded}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&zone)
    );
    let owners: Vec<String> = loaded
        .lines()
        .filter(|l| l.contains("CNAME"))
        .filter_map(|l| l.split_whitespace().next())
        .map(|o| o.trim_end_matches(&format!(".{origin}.")).to_owned())
        .collect();
    let want = [
        "32.7.100.51.198.rpz-ip",
        "24.0.113.0.203.rpz-ip",
        "128.1.zz.db8.2001.rpz-ip",
        "48.zz.abcd.db8.2001.rpz-ip",
        "evil.example",
        "*.evil.example",
        "xn--r8jz45g.jp",
        "*.xn--r8jz45g.jp",
        "a-1.b-2.example.co.jp",
        "24.0.2.0.192.rpz-ip",
        "8.0.0.0.10.rpz-ip",
        "128.6.5.4.3.2.1.db8.2001.rpz-ip",
        "128.1.zz.1.0.0.2001.rpz-ip",
        "32.zz.db8.2001.rpz-ip",
        "64.zz.fe80.rpz-ip",
    ];
    for w in want {
        assert!(owners.iter().any(|o| o == w), "{w} not loaded: {owners:?}");
    }
    let long = format!("{}.example", "x".repeat(63));
    assert!(owners.contains(&long));
    let domains = values
        .iter()
        .filter(|v| v.kind() == ValueKind::Domain)
        .count();
    assert_eq!(
        owners.len(),
        stats.written as usize + domains,
        "one CNAME per value and a wildcard per domain: {owners:?}"
    );
}

/// The Suricata rules load in Suricata itself (Debian package suricata,
/// which `scripts/test` installs) with no rule refused, and alert on
/// exactly the traffic they are for: a capture of traffic to and from
/// the indicators, beside near misses that must not alert.
#[test]
fn suricata_rules_load_and_alert_in_suricata() {
    use crate::capture::{Capture, dns_query, tls_client_hello};
    use std::net::SocketAddr;

    let extra = [
        (ValueKind::Domain, "例え.jp"),
        (
            ValueKind::Url,
            "http://Mixed.Example:8080/Path/To?q=%22x%22",
        ),
    ];
    let values = values_with(&extra);
    let rows = rows(
        &values,
        "a; \"name\" with (parens) | pipes\nand a newline",
        Tlp::Amber,
    );
    let dir = std::env::temp_dir().join(format!("renkei-suricata-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("log directory");
    let mut rules = Vec::new();
    write_export(
        ExportFormat::Suricata,
        rows,
        &mut rules,
        &ExportOptions::default(),
    )
    .expect("write");
    let rules = String::from_utf8(rules).expect("utf-8");
    let rules_path = dir.join("renkei.rules");
    std::fs::write(&rules_path, &rules).expect("rules file");

    let sa = |ip: &str, port: u16| SocketAddr::new(ip.parse().expect("address"), port);
    let (home, home6) = ("192.168.1.10", "fd00::10");
    let mut cap = Capture::default();
    cap.udp(sa(home, 40000), sa("198.51.100.7", 9999), b"out");
    cap.udp(sa("203.0.113.99", 9999), sa(home, 40001), b"in");
    cap.udp(sa(home6, 40002), sa("2001:db8::1", 9999), b"out");
    cap.udp(sa(home, 40003), sa("198.51.100.8", 9999), b"miss");
    let dns = sa("192.0.2.53", 53);
    cap.udp(sa(home, 40010), dns, &dns_query(1, "WWW.Evil.Example"));
    cap.udp(sa(home, 40011), dns, &dns_query(2, "notevil.example"));
    cap.udp(sa(home, 40012), dns, &dns_query(3, "xn--r8jz45g.jp"));
    let tls = sa("192.0.2.43", 443);
    cap.tcp_session(sa(home, 40020), tls, &tls_client_hello("cdn.evil.example"));
    cap.tcp_session(sa(home, 40021), tls, &tls_client_hello("evil.example.net"));
    let web = sa("192.0.2.80", 80);
    cap.tcp_session(
        sa(home, 40030),
        web,
        b"GET /gate.php?id=1&x=%27a%27 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    );
    cap.tcp_session(
        sa(home, 40031),
        web,
        b"GET /gate.php?id=2 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    );
    cap.tcp_session(
        sa(home, 40033),
        web,
        b"GET /gate.php?id=1&x=%27a%27&y=2 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    );
    cap.tcp_session(
        sa(home, 40034),
        web,
        b"GET /gate.php?id=1&x=%27a%27 HTTP/1.1\r\nHost: www.evil.example\r\n\r\n",
    );
    cap.tcp_session(
        sa(home, 40032),
        sa("192.0.2.88", 8080),
        b"GET /Path/To?q=%22x%22 HTTP/1.1\r\nHost: mixed.example:8080\r\n\r\n",
    );
    let pcap = dir.join("traffic.pcap");
    cap.write(&pcap).expect("capture file");

    // Any rule Suricata cannot load fails the run (--init-errors-fatal).
    let suricata = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new("suricata")
            .args([
                "-c",
                "/etc/suricata/suricata.yaml",
                "-v",
                "--init-errors-fatal",
            ])
            .args(["-k", "none", "--runmode", "single"])
            .args([
                "--set",
                "vars.address-groups.HOME_NET=[192.168.0.0/16,fd00::/8]",
            ])
            .arg("-S")
            .arg(&rules_path)
            .arg("-l")
            .arg(&dir)
            .args(args)
            .output()
            .expect("suricata (Debian package suricata) must be installed");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "Suricata failed:\n{text}\n{rules}");
        text
    };
    let loaded = suricata(&["-T".as_ref()]);
    let n = rules.lines().filter(|l| l.starts_with("alert ")).count();
    assert!(
        loaded.contains(&format!("{n} rules successfully loaded, 0 rules failed")),
        "{loaded}"
    );
    suricata(&["-r".as_ref(), pcap.as_os_str()]);
    let eve = std::fs::read_to_string(dir.join("eve.json")).expect("eve.json");
    let _ = std::fs::remove_dir_all(&dir);
    // Each alert as (rule, the home side's port), which names the flow.
    let fired: std::collections::BTreeSet<(u64, u64)> = eve
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event_type"] == "alert")
        .filter_map(|e| {
            let port = [&e["src_port"], &e["dest_port"]]
                .into_iter()
                .filter_map(serde_json::Value::as_u64)
                .find(|p| *p >= 40_000)?;
            Some((e["alert"]["signature_id"].as_u64()?, port))
        })
        .collect();
    let sid = |a: &str, b: &str| -> u64 {
        let line = rules
            .lines()
            .find(|l| l.contains(a) && l.contains(b))
            .unwrap_or_else(|| panic!("no rule with {a} and {b}:\n{rules}"));
        line.split("sid:")
            .nth(1)
            .and_then(|s| s.split(';').next())
            .and_then(|s| s.parse().ok())
            .expect("sid")
    };
    // Not 40003 (another address), 40011 (notevil.example), 40021
    // (evil.example.net), 40031 and 40033 (other paths), 40034 (another
    // host: a URL names one host, unlike a domain indicator).
    let want: std::collections::BTreeSet<(u64, u64)> = [
        (sid("alert ip $HOME_NET any -> [198.51.100.7]", ""), 40000),
        (sid("alert ip [203.0.113.0/24] any -> $HOME_NET", ""), 40001),
        (sid("alert ip $HOME_NET any -> [2001:db8::1]", ""), 40002),
        (sid("alert dns", "\".evil.example\""), 40010),
        (sid("alert dns", "\".xn--r8jz45g.jp\""), 40012),
        (sid("alert tls", "\".evil.example\""), 40020),
        (sid("alert http", "/gate.php"), 40030),
        (sid("alert http", "/Path/To"), 40032),
    ]
    .into();
    assert_eq!(fired, want, "alerts:\n{eve}\nrules:\n{rules}");
}

#[test]
fn formats_by_name() {
    for f in ExportFormat::ALL {
        assert_eq!(ExportFormat::parse(f.as_str()), Ok(f));
        assert!(!f.content_type().is_empty() && !f.file_extension().is_empty());
    }
    assert_eq!(
        ExportFormat::parse("STIX").map_err(|e| e.field),
        Err("format")
    );
}

/// Rows as the store gives them: one per (value, indicator), the rows of
/// a value together, some values held by several indicators and some
/// indicators seen twice (two collections).
fn merged_rows(values: &[IndicatorValue]) -> Vec<ExportRow<'_>> {
    let ids = [
        "indicator--00000000-0000-4000-8000-00000000000a",
        "indicator--00000000-0000-4000-8000-00000000000b",
        "indicator--00000000-0000-4000-8000-00000000000c",
    ];
    let mut rows = Vec::new();
    for (i, v) in values.iter().enumerate() {
        // Value i is held by indicators 0..=i%3, and indicator 0 twice.
        for (j, id) in ids.iter().enumerate().take(i % 3 + 1) {
            let times = if j == 0 { 2 } else { 1 };
            for _ in 0..times {
                rows.push(ExportRow {
                    value: v,
                    stix_id: id,
                    name: Some(["first", "second", "third"][j]),
                    description: None,
                    tlp: [Tlp::Amber, Tlp::Green, Tlp::Clear][j],
                    valid_until: None,
                    warning: None,
                });
            }
        }
    }
    rows
}

fn write(fmt: ExportFormat, rows: Vec<ExportRow<'_>>) -> (String, ExportStats) {
    let mut out = Vec::new();
    let stats = write_export(fmt, rows, &mut out, &ExportOptions::default()).expect("write");
    (String::from_utf8(out).expect("utf-8"), stats)
}

/// Data lines: neither blank nor comments.
fn data_lines(text: &str, comment: char) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with(comment))
        .collect()
}

#[test]
fn blocklists_hold_each_value_once() {
    let values = values_with(&[
        (ValueKind::Ipv4, "45.77.1.2"),
        (ValueKind::Ipv4, "45.77.1.3"),
    ]);
    let ips: Vec<IndicatorValue> = values
        .into_iter()
        .filter(|v| v.kind() == ValueKind::Ipv4)
        .collect();
    let (text, stats) = write(ExportFormat::Blocklist, merged_rows(&ips));
    let lines = data_lines(&text, '#');
    assert_eq!(
        lines,
        ["198.51.100.7", "203.0.113.0/24", "45.77.1.2", "45.77.1.3"],
        "{text}"
    );
    assert_eq!(stats.written, 4);
    // One kind per file: a blocklist names the kind it holds.
    assert_eq!(
        ExportFormat::Blocklist.kinds(&[]).map_err(|e| e.field),
        Err("type")
    );
    assert_eq!(
        ExportFormat::Blocklist
            .kinds(&[ValueKind::Ipv4, ValueKind::Domain])
            .map_err(|e| e.field),
        Err("type")
    );
    assert_eq!(
        ExportFormat::Blocklist.kinds(&[ValueKind::Url]),
        Ok(vec![ValueKind::Url])
    );
    assert_eq!(
        ExportFormat::Rpz.kinds(&[]),
        Ok(vec![ValueKind::Ipv4, ValueKind::Ipv6, ValueKind::Domain])
    );
}

/// Zeek's Intel framework keys an item by (indicator, indicator_type);
/// one row each, its sources named in `meta.desc`. URLs are keyed without
/// their scheme, so `http://x/a` and `https://x/a` are one row.
#[test]
fn zeek_writes_each_indicator_and_type_once_with_its_sources() {
    let values = values_with(&[
        (
            ValueKind::Url,
            "https://evil.example/gate.php?id=1&x=%27a%27",
        ),
        (ValueKind::Url, "ftp://evil.example/kit.zip"),
    ]);
    // The two gate.php URLs next to each other, as the export brings
    // them (http:// and https:// read together).
    let mut order: Vec<&IndicatorValue> = values.iter().collect();
    order.sort_by_key(|v| super::formats::zeek_key(v));
    let owned: Vec<IndicatorValue> = order.into_iter().cloned().collect();
    let (text, stats) = write(ExportFormat::Zeek, merged_rows(&owned));
    let lines = data_lines(&text, '#');
    let keys: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap_or_default(), f.next().unwrap_or_default())
        })
        .collect();
    let unique: std::collections::BTreeSet<_> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "repeated rows:\n{text}");
    let gate = lines
        .iter()
        .find(|l| l.starts_with("evil.example/gate.php"))
        .expect("the URL row");
    assert!(
        gate.contains("TLP:AMBER indicator--00000000-0000-4000-8000-00000000000a first")
            && gate.contains("TLP:GREEN indicator--00000000-0000-4000-8000-00000000000b second"),
        "{gate}"
    );
    assert_eq!(
        gate.matches("00000000000a").count(),
        1,
        "an indicator named once: {gate}"
    );
    assert_eq!(stats.left_out.get(&LeftOut::Scheme), Some(&1), "{text}");
    assert!(!text.contains("kit.zip\t"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("# left out: 1 URLs other than http and https"),
        "{text}"
    );
}

/// CSV: one row per (value, indicator), name and description filled.
#[test]
fn csv_has_one_row_per_value_and_indicator() {
    let values = values_with(&[]);
    let (text, stats) = write(ExportFormat::Csv, merged_rows(&values));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "type",
            "value",
            "stix_id",
            "name",
            "description",
            "tlp",
            "valid_until"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let pairs: std::collections::BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r[1].to_owned(), r[2].to_owned()))
        .collect();
    assert_eq!(pairs.len(), rows.len(), "repeated rows:\n{text}");
    let want: usize = (0..values.len()).map(|i| i % 3 + 1).sum();
    assert_eq!((rows.len(), stats.written), (want, want));
    assert!(rows.iter().all(|r| !r[3].is_empty()), "names filled");
}

/// RPZ: one record set per value (BIND refuses nothing, but a zone of
/// repeated records is noise), its sources in the comment above it.
#[test]
fn rpz_writes_each_value_once() {
    let values = values_with(&[]);
    let (text, _) = write(ExportFormat::Rpz, merged_rows(&values));
    let owners: Vec<&str> = data_lines(&text, ';')
        .into_iter()
        .filter(|l| l.contains("CNAME"))
        .collect();
    let unique: std::collections::BTreeSet<_> = owners.iter().collect();
    assert_eq!(unique.len(), owners.len(), "{text}");
}

/// The values a device would act on wrongly are left out, and the export
/// says how many and why; the caller names each value's warning list.
#[test]
fn left_out_values_are_counted_by_reason() {
    let values = values_with(&[
        (ValueKind::Url, "http://192.168.10.5/payload.bin"),
        (ValueKind::Url, "http://203.0.113.9/gate.php"),
        (ValueKind::Ipv4, "10.1.2.3"),
        (ValueKind::Ipv4, "0.0.0.0/1"),
    ]);
    let warned = |v: &IndicatorValue| match v.value() {
        "http://192.168.10.5/payload.bin" | "10.1.2.3" => Some("private-ranges"),
        "http://203.0.113.9/gate.php" => Some("documentation"),
        _ => None,
    };
    for fmt in [
        ExportFormat::Suricata,
        ExportFormat::Zeek,
        ExportFormat::Blocklist,
    ] {
        let rows = values.iter().map(|v| ExportRow {
            value: v,
            stix_id: "indicator--00000000-0000-4000-8000-000000000000",
            name: None,
            description: None,
            tlp: Tlp::Green,
            valid_until: None,
            warning: warned(v),
        });
        let mut out = Vec::new();
        let stats = write_export(fmt, rows, &mut out, &ExportOptions::default()).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        for gone in ["192.168.10.5", "203.0.113.9", "10.1.2.3", "0.0.0.0"] {
            assert!(
                !data_lines(&text, '#').iter().any(|l| l.contains(gone)),
                "{fmt:?} kept {gone}:\n{text}"
            );
        }
        assert_eq!(
            stats
                .left_out
                .get(&LeftOut::Warning("private-ranges".into())),
            Some(&2),
            "{fmt:?}"
        );
        assert_eq!(
            stats
                .left_out
                .get(&LeftOut::Warning("documentation".into())),
            Some(&1)
        );
        assert_eq!(stats.left_out.get(&LeftOut::TooWide), Some(&1));
        let last = text.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("# left out: ")
                && last.contains("2 on warning list private-ranges")
                && last.contains("1 on warning list documentation"),
            "{fmt:?}: {last}"
        );
    }
}
