use super::*;

fn values(l: &ListImport) -> Vec<String> {
    l.entries
        .iter()
        .map(|e| match e.port {
            Some(p) => format!("{} port {p}", e.value),
            None => e.value.to_string(),
        })
        .collect()
}

/// Every line has exactly one outcome.
fn accounted(l: &ListImport) {
    assert_eq!(l.counts.accounted(), l.counts.lines, "{:?}", l.counts);
}

fn csv_with(input: &[u8], opts: &ListOptions) -> ListImport {
    let l = parse_list(input, ListFormat::Csv, opts).expect("within limits");
    accounted(&l);
    l
}

#[test]
fn csv_with_a_header_names_its_columns() {
    let input = b"\xEF\xBB\xBFIndicator,Type,Description,valid_until\r\n\
        198.51.100[.]7,ip,C2 server,2026-12-31\r\n\
        # a comment line\r\n\
        \r\n\
        hxxp://evil[.]example/gate.php,url,\"dropper, stage 1\",2026-12-31T09:00:00+09:00\r\n\
        300.1.1.1,,bad address,\r\n\
        evil.example,bogus,,\r\n\
        evil.example,domain,,tomorrow\r\n\
        198.51.100.7,ipv4,again,\r\n";
    let l = parse_csv(input).expect("within limits");
    accounted(&l);
    assert_eq!(
        values(&l),
        ["ipv4:198.51.100.7", "url:http://evil.example/gate.php"]
    );
    assert_eq!(l.entries[0].line, 2);
    assert_eq!(l.entries[0].comment.as_deref(), Some("C2 server"));
    assert_eq!(
        l.entries[1].valid_until.as_ref().map(|t| t.text.as_str()),
        Some("2026-12-31T00:00:00.000Z")
    );
    assert_eq!(l.entries[1].comment.as_deref(), Some("dropper, stage 1"));
    assert_eq!(l.duplicates, 1);
    let errors: Vec<String> = l.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(
        errors[0],
        "line 6: value: \"300.1.1.1\" is not an IP address or network"
    );
    assert_eq!((l.errors[1].line, l.errors[1].field), (7, "type"));
    assert_eq!(
        (
            l.errors[2].line,
            l.errors[2].field,
            l.errors[2].input.as_str()
        ),
        (8, "valid_until", "tomorrow")
    );
    assert_eq!(
        (
            l.skipped[0].line,
            l.skipped[0].code,
            l.skipped[0].detail.as_str()
        ),
        (9, "duplicate", "2")
    );
    assert_eq!(
        l.counts,
        LineCounts {
            lines: 9,
            read: 2,
            refused: 3,
            skipped: 1,
            comments: 2,
            blank: 1
        }
    );
    assert_eq!(l.layout, Layout::Csv);
}

#[test]
fn csv_without_a_header_takes_value_then_type_or_comment() {
    let input = "evil[.]example[.]com\n\
        2001:db8::1,ipv6\n\
        d41d8cd98f00b204e9800998ecf8427e,md5,empty file\n\
        phish[at]bad[.]example,seen in campaign X\n\
        10.1.2.3/8\n";
    let l = parse_csv(input.as_bytes()).expect("within limits");
    accounted(&l);
    assert_eq!(
        values(&l),
        [
            "domain:evil.example.com",
            "ipv6:2001:db8::1",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "email:phish@bad.example",
            "ipv4:10.0.0.0/8",
        ]
    );
    assert_eq!(l.entries[2].comment.as_deref(), Some("empty file"));
    assert_eq!(l.entries[3].comment.as_deref(), Some("seen in campaign X"));
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    // The network was widened: the report says so for that line.
    assert_eq!(l.notices.len(), 1, "{:?}", l.notices);
    assert_eq!(
        (
            l.notices[0].line,
            l.notices[0].code,
            l.notices[0].detail.as_str()
        ),
        (5, "host-bits", "10.0.0.0/8")
    );
}

#[test]
fn an_unterminated_quote_is_one_bad_line_not_the_rest_of_the_list() {
    let out = parse_csv(b"value\n\"evil.example.co.jp\n45.32.100.77\n").expect("parse");
    accounted(&out);
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].line, 2);
    assert_eq!(out.entries.len(), 1, "{:?}", out.entries);
    assert_eq!(out.entries[0].line, 3);
}

#[test]
fn csv_lines_that_are_not_utf8_are_reported_not_fatal() {
    let input = b"evil.example.com\nbad\xFF\xFE.example\n198.51.100.9\n";
    let l = parse_csv(input).expect("within limits");
    accounted(&l);
    assert_eq!(values(&l), ["domain:evil.example.com", "ipv4:198.51.100.9"]);
    assert_eq!((l.errors[0].line, l.errors[0].field), (2, "encoding"));
}

#[test]
fn oversized_lists_are_refused_whole() {
    let big = vec![b'a'; MAX_LIST_BYTES + 1];
    assert_eq!(
        parse_csv(&big),
        Err(ListError::TooLarge(MAX_LIST_BYTES + 1))
    );
    let many = vec![b'\n'; MAX_LIST_LINES + 1];
    assert_eq!(parse_csv(&many), Err(ListError::TooManyLines));
    let long = "x".repeat(500);
    let l = parse_csv(long.as_bytes()).expect("within limits");
    assert_eq!(l.errors[0].input.chars().count(), MAX_ECHO_CHARS);
}

#[test]
fn free_text_past_the_limits_refuses_the_lines_not_read() {
    let text = "198.51.100.1\n".repeat(MAX_LIST_LINES + 5);
    let l = parse_text(&text);
    accounted(&l);
    assert_eq!(l.counts.lines, MAX_LIST_LINES + 5);
    assert_eq!(l.counts.refused, 5);
    assert_eq!(l.errors.last().map(|e| e.field), Some("size"));
}

#[test]
fn free_text_report_in_english() {
    let report = "\u{feff}Summary: the actor used hxxp://evil[.]example/a/b?c=1 and hxxps[:]//login.evil[.]example.\r\n\
        C2 at 198.51.100[.]7, 2001:db8::5 and the range (203.0.113.0/24); mail from phish[at]bad[.]example.\r\n\
        Hashes: d41d8cd98f00b204e9800998ecf8427e, da39a3ee5e6b4b0d3255bfef95601890afd80709;\r\n\
        e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855. See invoice.pdf, v1.2.3 and e.g. the logs.\r\n\
        The broken one: evil[.]-bad- beside 192.0.2.200.\r\n\
        And the repeat 198.51.100.7.\r\n\
        \r\n\
        That is all; write to us [at] the usual address.\r\n";
    let l = parse_text(report);
    accounted(&l);
    assert_eq!(
        values(&l),
        [
            "url:http://evil.example/a/b?c=1",
            "url:https://login.evil.example/",
            "ipv4:198.51.100.7",
            "ipv6:2001:db8::5",
            "ipv4:203.0.113.0/24",
            "email:phish@bad.example",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ]
    );
    let lines: Vec<usize> = l.entries.iter().map(|e| e.line).collect();
    assert_eq!(lines, [1, 1, 2, 2, 2, 2, 3, 3, 4]);
    assert_eq!(l.duplicates, 1);
    // A visibly defanged token that does not parse refuses its line, and
    // the address beside it is not stored without it.
    assert_eq!(l.errors.len(), 1, "{:?}", l.errors);
    assert_eq!(
        (l.errors[0].line, l.errors[0].input.as_str()),
        (5, "evil[.]-bad-")
    );
    let skipped: Vec<(usize, &str)> = l.skipped.iter().map(|n| (n.line, n.code)).collect();
    assert_eq!(skipped, [(6, "duplicate"), (8, "no-value")]);
    assert_eq!(
        l.counts,
        LineCounts {
            lines: 8,
            read: 4,
            refused: 1,
            skipped: 2,
            comments: 0,
            blank: 1
        }
    );
}

#[test]
fn free_text_report_in_japanese() {
    let report = "攻撃者は「evil[.]example[.]com」を使用し、通信先は198.51.100[.]7。\n\
        URLはhxxps://evil[.]example/dl、メールはphish@bad[.]exampleです。\n\
        国際化ドメイン 例え.jp も確認（2001:db8::/32）。ファイル名はinvoice.pdfです。";
    let l = parse_text(report);
    accounted(&l);
    assert_eq!(
        values(&l),
        [
            "domain:evil.example.com",
            "ipv4:198.51.100.7",
            "url:https://evil.example/dl",
            "email:phish@bad.example",
            "domain:xn--r8jz45g.jp",
            "ipv6:2001:db8::/32",
        ]
    );
    assert_eq!(l.entries[2].line, 2);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
}

#[test]
fn free_text_keeps_ports_and_reads_full_width_forms() {
    let report = "C2は198.51.100.7:443と[2001:db8::1]:8443、予備は c2.evil-co.example.com:8080。\n\
        通信先：１９８．５１．１００．９９、配布元：ｈｘｘｐ：／／evil［．］example／a\n\
        全角の区切り 198.51.100.12：8443 も。\n";
    let l = parse_text(report);
    accounted(&l);
    assert_eq!(
        values(&l),
        [
            "ipv4:198.51.100.7 port 443",
            "ipv6:2001:db8::1 port 8443",
            "domain:c2.evil-co.example.com port 8080",
            "ipv4:198.51.100.99",
            "url:http://evil.example/a",
            "ipv4:198.51.100.12 port 8443",
        ]
    );
    assert!(l.errors.is_empty() && l.skipped.is_empty(), "{l:?}");
}

#[test]
fn file_names_are_not_domains() {
    let report = "添付ファイル 請求書_202512.zip を開くと感染します。\n\
        添付は請求書202512.zipでした。\n\
        本物のドメインは update[.]zip と hxxp://cdn.evil[.]zip/a です。\n";
    let l = parse_text(report);
    accounted(&l);
    assert_eq!(
        values(&l),
        ["domain:update.zip", "url:http://cdn.evil.zip/a"]
    );
    let skipped: Vec<(usize, &str, &str)> = l
        .skipped
        .iter()
        .map(|n| (n.line, n.code, n.input.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [(1, "no-value", ""), (2, "file-name", "202512.zip")]
    );
}

#[test]
fn non_web_schemes_keep_host_and_port_not_a_url() {
    let l = parse_text("backdoor at tcp://198.51.100.8:4444 and udp://c2.evil-co.example.com:53\n");
    accounted(&l);
    assert_eq!(
        values(&l),
        [
            "ipv4:198.51.100.8 port 4444",
            "domain:c2.evil-co.example.com port 53"
        ]
    );
    assert!(l.entries.iter().all(|e| e.value.kind() != ValueKind::Url));
    let codes: Vec<&str> = l.notices.iter().map(|n| n.code).collect();
    assert_eq!(codes, ["endpoint", "endpoint"]);
    // As a CSV value typed `url`, the same.
    let l = parse_csv(b"value,type\ntcp://198.51.100.8:4444,url\n").expect("parse");
    assert_eq!(values(&l), ["ipv4:198.51.100.8 port 4444"]);
    assert_eq!(l.notices[0].code, "endpoint");
}

#[test]
fn expired_lines_are_refused_alone() {
    let opts = ListOptions {
        now: Some(Timestamp(
            StixTime::parse("2026-10-05T00:00:00Z").expect("t").micros,
        )),
        ..ListOptions::default()
    };
    let input = b"value,valid_until,valid_from\n\
        198.51.100.1,2026-12-31,\n\
        198.51.100.2,2026-01-01,\n\
        198.51.100.3,2026-12-31,2027-01-01\n";
    let l = csv_with(input, &opts);
    assert_eq!(values(&l), ["ipv4:198.51.100.1"]);
    let e: Vec<(usize, &str)> = l.errors.iter().map(|e| (e.line, e.field)).collect();
    assert_eq!(e, [(3, "valid_until"), (4, "valid_until")]);
    assert!(l.errors[0].message.contains("expired"), "{}", l.errors[0]);
}

#[test]
fn the_user_names_the_value_column_and_the_comment_prefix() {
    let input = b"; exported from a firewall\n\
        \"when\",\"destination\",\"note\"\n\
        \"2026-10-05 01:02:03\",\"198.51.100.4\",\"blocked\"\n\
        # not a comment here\n";
    let opts = ListOptions {
        value_column: Some("Destination".into()),
        comment_prefix: Some(";".into()),
        ..ListOptions::default()
    };
    let l = csv_with(input, &opts);
    assert_eq!(values(&l), ["ipv4:198.51.100.4"]);
    assert_eq!(l.counts.comments, 2, "the comment and the header row");
    assert_eq!(l.errors.len(), 1, "'#' is data under ';': {:?}", l.errors);

    let opts = ListOptions {
        value_column: Some("2".into()),
        ..ListOptions::default()
    };
    let l = csv_with(
        b"2026-10-05,198.51.100.5,c2\n2026-10-05,198.51.100.6,c2\n",
        &opts,
    );
    assert_eq!(values(&l), ["ipv4:198.51.100.5", "ipv4:198.51.100.6"]);

    let refused = |opts: ListOptions, format| parse_list(b"a,b\n", format, &opts).map(|_| ());
    let field = |r: Result<(), ListError>| r.map_err(|e| e.field());
    assert_eq!(
        field(refused(
            ListOptions {
                value_column: Some("host".into()),
                ..ListOptions::default()
            },
            ListFormat::Csv
        )),
        Err("value_column")
    );
    assert_eq!(
        field(refused(
            ListOptions {
                value_column: Some("0".into()),
                ..ListOptions::default()
            },
            ListFormat::Csv
        )),
        Err("value_column")
    );
    assert_eq!(
        field(refused(
            ListOptions {
                value_column: Some("1".into()),
                ..ListOptions::default()
            },
            ListFormat::Text
        )),
        Err("value_column")
    );
    assert_eq!(
        field(refused(
            ListOptions {
                comment_prefix: Some(" ".into()),
                ..ListOptions::default()
            },
            ListFormat::Csv
        )),
        Err("comment_prefix")
    );
    assert_eq!(
        parse_list(b"ok\n\xFF\n", ListFormat::Text, &ListOptions::default()),
        Err(ListError::NotUtf8(2))
    );
}

/// No value of a feed's banner, header or links is read as an indicator.
fn no_banner_values(l: &ListImport) {
    for e in &l.entries {
        let host = e.value.host().unwrap_or_default();
        assert!(
            !host.ends_with("abuse.ch") && !host.ends_with("spamhaus.org"),
            "{}",
            e.value
        );
        assert_ne!(e.value.kind(), ValueKind::Email, "{}", e.value);
    }
}

#[test]
fn urlhaus_csv_as_published() {
    let input = include_bytes!("testdata/urlhaus.csv");
    let l = csv_with(input, &ListOptions::default());
    assert_eq!(l.layout, Layout::Urlhaus);
    assert_eq!(
        values(&l),
        [
            "url:http://198.51.100.23:37233/i",
            "url:https://cdn-update.evil-co.example.com/inv/setup.exe",
            "url:http://203.0.113.77/bins/x86",
        ]
    );
    no_banner_values(&l);
    let e = &l.entries[0];
    assert_eq!(e.line, 10);
    assert_eq!(
        e.labels,
        ["malware_download", "32-bit", "elf", "mips", "Mozi"]
    );
    assert_eq!(
        e.valid_from.as_ref().map(|t| t.text.as_str()),
        Some("2026-10-05T09:15:08.000Z")
    );
    assert_eq!(
        e.comment.as_deref(),
        Some("https://urlhaus.abuse.ch/url/3401003/")
    );
    assert_eq!(
        l.entries[2].labels,
        ["malware_download"],
        "`None` is no tag"
    );
    assert_eq!(
        l.counts,
        LineCounts {
            lines: 13,
            read: 3,
            refused: 0,
            skipped: 1,
            comments: 9,
            blank: 0
        }
    );
    assert_eq!(l.skipped[0].code, "duplicate");
    // Pasted as free text, it is still the feed.
    let t = parse_text(std::str::from_utf8(input).expect("utf-8"));
    assert_eq!((t.layout, values(&t)), (Layout::Urlhaus, values(&l)));
}

#[test]
fn urlhaus_text_as_published() {
    let input = include_bytes!("testdata/urlhaus.txt");
    for l in [
        csv_with(input, &ListOptions::default()),
        parse_text(std::str::from_utf8(input).expect("utf-8")),
    ] {
        accounted(&l);
        assert_eq!(l.layout, Layout::Urlhaus);
        assert_eq!(l.entries.len(), 3, "{:?}", values(&l));
        no_banner_values(&l);
        assert_eq!((l.counts.comments, l.counts.read), (8, 3));
    }
}

#[test]
fn a_banner_pasted_alone_yields_nothing() {
    let banner = "################################################################\n\
        # abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #\n\
        # Terms Of Use: https://urlhaus.abuse.ch/api/                  #\n\
        # For questions please contact urlhaus [at] abuse.ch           #\n\
        ################################################################\n";
    let l = parse_text(banner);
    accounted(&l);
    assert!(l.entries.is_empty() && l.errors.is_empty(), "{l:?}");
    assert_eq!(l.counts.comments, 5);
}

#[test]
fn threatfox_csv_as_published() {
    let l = csv_with(
        include_bytes!("testdata/threatfox.csv"),
        &ListOptions::default(),
    );
    assert_eq!(l.layout, Layout::ThreatFox);
    assert_eq!(
        values(&l),
        [
            "domain:update.evil-co.example.com",
            "ipv4:198.51.100.36 port 5555",
            "url:https://shop.example.net/path?q=a,b",
            "ipv6:2001:db8::7 port 80",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ]
    );
    no_banner_values(&l);
    let e = &l.entries[1];
    assert_eq!(e.name.as_deref(), Some("Cobalt Strike: 198.51.100.36:5555"));
    assert_eq!(e.labels, ["botnet_cc", "CobaltStrike", "drb-ra"]);
    assert_eq!(
        e.valid_from.as_ref().map(|t| t.text.as_str()),
        Some("2026-10-05T08:46:30.000Z")
    );
    assert_eq!(
        l.entries[3].name.as_deref(),
        Some("Mirai: [2001:db8::7]:80")
    );
    assert!(
        l.entries[4]
            .comment
            .as_deref()
            .is_some_and(|c| c.starts_with("https://bazaar.abuse.ch/")),
        "the reference is a description, not a value"
    );
    assert_eq!(l.skipped.len(), 1, "{:?}", l.skipped);
    assert_eq!(
        (
            l.skipped[0].line,
            l.skipped[0].code,
            l.skipped[0].input.as_str()
        ),
        (15, "unsupported-type", "sha3_384_hash")
    );
    assert_eq!(
        (l.counts.comments, l.counts.read, l.counts.skipped),
        (9, 5, 1)
    );
}

#[test]
fn feodo_csv_as_published() {
    let l = csv_with(
        include_bytes!("testdata/feodo.csv"),
        &ListOptions::default(),
    );
    assert_eq!(l.layout, Layout::Feodo);
    assert_eq!(
        values(&l),
        [
            "ipv4:198.51.100.46 port 8080",
            "ipv4:203.0.113.16 port 443",
            "ipv4:203.0.113.16 port 995",
        ]
    );
    no_banner_values(&l);
    assert_eq!(
        l.entries[0].name.as_deref(),
        Some("Emotet: 198.51.100.46:8080")
    );
    assert_eq!(
        l.entries[0].valid_from.as_ref().map(|t| t.text.as_str()),
        Some("2022-06-04T21:24:53.000Z")
    );
    assert_eq!((l.counts.comments, l.counts.read), (9, 3));
    // The older layout: a commented header, no quotes.
    let old = "################################################################\n\
        # abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #\n\
        # Terms Of Use: https://feodotracker.abuse.ch/blocklist/       #\n\
        ################################################################\n\
        #\n\
        # Firstseen,DstIP,DstPort,Malware\n\
        2019-03-04 22:10:24,198.51.100.101,990,Heodo";
    let l = csv_with(old.as_bytes(), &ListOptions::default());
    assert_eq!(values(&l), ["ipv4:198.51.100.101 port 990"]);
    assert_eq!(
        l.entries[0].name.as_deref(),
        Some("Heodo: 198.51.100.101:990")
    );
}

#[test]
fn a_feed_without_its_banner_is_known_by_its_header() {
    let input = "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n\
        \"2025-12-30 13:56:31\",\"203.0.113.16\",\"443\",\"online\",\"2026-10-05\",\"QakBot\"\n";
    let l = csv_with(input.as_bytes(), &ListOptions::default());
    assert_eq!(
        (l.layout, values(&l)),
        (Layout::Feodo, vec!["ipv4:203.0.113.16 port 443".to_owned()])
    );
}

#[test]
fn spamhaus_drop_as_published() {
    let v4 = csv_with(include_bytes!("testdata/drop.txt"), &ListOptions::default());
    assert_eq!(v4.layout, Layout::SpamhausDrop);
    assert_eq!(
        values(&v4),
        [
            "ipv4:192.0.2.0/24",
            "ipv4:198.51.100.0/25",
            "ipv4:203.0.113.128/26"
        ]
    );
    assert_eq!(v4.entries[0].comment.as_deref(), Some("SBL256894"));
    assert_eq!((v4.counts.comments, v4.counts.read), (4, 3));
    no_banner_values(&v4);
    let v6 = parse_text(include_str!("testdata/dropv6.txt"));
    accounted(&v6);
    assert_eq!(
        values(&v6),
        ["ipv6:2001:db8:1000::/36", "ipv6:2001:db8:abcd::/48"]
    );
    let json = csv_with(
        include_bytes!("testdata/drop_v4.json"),
        &ListOptions::default(),
    );
    assert_eq!(json.layout, Layout::SpamhausDropJson);
    assert_eq!(values(&json), values(&v4));
    assert_eq!(json.entries[2].comment.as_deref(), Some("SBL581233"));
    assert_eq!(
        (json.counts.comments, json.counts.read),
        (1, 3),
        "the metadata record"
    );
    // A network with host bits, and a broken record, each said for its line.
    let l = csv_with(
        b"; Spamhaus DROP List\n10.1.2.3/24 ; SBL1\nnot a network ; SBL2\n",
        &ListOptions::default(),
    );
    assert_eq!(values(&l), ["ipv4:10.1.2.0/24"]);
    assert_eq!((l.notices[0].line, l.notices[0].code), (2, "host-bits"));
    assert_eq!(l.errors[0].line, 3);
}

proptest::proptest! {
    #[test]
    fn arbitrary_input_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        if let Ok(l) = parse_csv(&data) {
            accounted(&l);
        }
        accounted(&parse_text(&String::from_utf8_lossy(&data)));
    }

    #[test]
    fn arbitrary_prose_never_panics(text in "[a-z0-9.:/\\[\\]()@ 、。「」hxp,;\"'\r\n例え-]{0,200}") {
        let l = parse_text(&text);
        accounted(&l);
        for e in &l.entries {
            proptest::prop_assert!(e.line >= 1);
        }
    }

    #[test]
    fn arbitrary_feed_lines_are_accounted_for(
        rows in proptest::collection::vec("[\"#;, :/.a-f0-9\\[\\]{}x]{0,40}", 0..20),
        banner in proptest::sample::select(vec![
            "# abuse.ch URLhaus Database Dump\n# id,dateadded,url\n",
            "# ThreatFox IOCs (threatfox.abuse.ch)\n# \"ioc_value\",\"ioc_type\"\n",
            "# abuse.ch Feodo Tracker\n\"dst_ip\",\"dst_port\"\n",
            "; Spamhaus DROP List\n",
            "{\"cidr\":\"192.0.2.0/24\"}\n",
        ]),
    ) {
        let input = format!("{banner}{}", rows.join("\n"));
        if let Ok(l) = parse_csv(input.as_bytes()) {
            accounted(&l);
        }
    }
}

#[test]
fn multi_line_quoted_fields_keep_line_numbers() {
    let input = "value,comment\n198.51.100.1,\"two\nlines\"\n# note\nbad..example,x\n";
    let l = parse_csv(input.as_bytes()).expect("within limits");
    accounted(&l);
    assert_eq!(l.entries[0].comment.as_deref(), Some("two\nlines"));
    assert_eq!((l.errors[0].line, l.errors[0].field), (5, "value"));
    assert_eq!(l.counts.read, 2, "the record's two lines");
}

#[test]
fn tokens_keep_defanging_markers_whole() {
    assert_eq!(
        text::tokens("a (dot) hxxp[:]//x(.)example[/]p (x.example) user[AT]x{.}y"),
        [
            "a",
            "(dot)",
            "hxxp[:]//x(.)example[/]p",
            "x.example",
            "user[AT]x{.}y"
        ]
    );
}
