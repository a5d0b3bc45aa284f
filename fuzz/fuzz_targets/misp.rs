//! MISP event JSON: never panics, and whatever it maps is valid STIX.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_stix::{misp_to_stix, parse_object};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(m) = misp_to_stix(&v) {
        for o in &m.objects {
            assert!(parse_object(o, None).is_ok(), "{o}");
        }
    }
});
