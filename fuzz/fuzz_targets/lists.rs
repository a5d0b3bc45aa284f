//! CSV and free-text indicator lists: never panic, every line has one
//! outcome, and every value read is already canonical (parsing it again as
//! its kind gives it back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_core::IndicatorValue;
use renkei_stix::{ListImport, parse_csv, parse_text};

fn check(l: &ListImport) {
    assert_eq!(l.counts.accounted(), l.counts.lines, "{:?}", l.counts);
    for e in &l.entries {
        assert!(e.line >= 1);
        let again = IndicatorValue::parse(e.value.kind(), e.value.value());
        assert_eq!(again.as_ref(), Ok(&e.value));
    }
    for e in &l.errors {
        assert!(e.input.chars().count() <= 200);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(l) = parse_csv(data) {
        check(&l);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        check(&parse_text(s));
    }
});
