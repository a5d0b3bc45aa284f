//! Lists read with every option and as published feeds (abuse.ch URLhaus,
//! ThreatFox, Feodo Tracker; Spamhaus DROP as text and JSON): never panic,
//! every line has one outcome, and every value read is canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_core::{IndicatorValue, Timestamp};
use renkei_stix::{ListFormat, ListImport, ListOptions, parse_list};

fn check(l: &ListImport) {
    assert_eq!(l.counts.accounted(), l.counts.lines, "{:?}", l.counts);
    for e in &l.entries {
        assert!(e.line >= 1 && e.line <= l.counts.lines);
        let again = IndicatorValue::parse(e.value.kind(), e.value.value());
        assert_eq!(again.as_ref(), Ok(&e.value));
        assert_ne!(e.port, Some(0));
    }
    for e in &l.errors {
        assert!(e.input.chars().count() <= 200);
    }
    for n in l.notices.iter().chain(&l.skipped) {
        assert!(renkei_stix::lists::NOTE_CODES.contains(&n.code), "{}", n.code);
    }
}

fuzz_target!(|data: &[u8]| {
    // The options come from the input's length, so seeds stay whole files.
    let pick = data.len() % 16;
    let opts = ListOptions {
        value_column: match pick % 4 {
            0 => None,
            1 => Some("2".into()),
            2 => Some("url".into()),
            _ => Some("ioc_value".into()),
        },
        comment_prefix: (pick & 4 != 0).then(|| ";".into()),
        now: Some(Timestamp(1_791_100_000_000_000)),
    };
    let format = if pick & 8 != 0 {
        ListFormat::Text
    } else {
        ListFormat::Csv
    };
    if let Ok(l) = parse_list(data, format, &opts) {
        check(&l);
    }
    if let Ok(l) = parse_list(data, ListFormat::Csv, &ListOptions::default()) {
        check(&l);
    }
});
