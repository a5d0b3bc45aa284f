//! MISP event JSON (an event, a list, a restSearch answer): never panics,
//! with or without skip_invalid; whatever it maps is valid STIX, one origin
//! per object, and stays valid once marked by its distribution.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_core::Tlp;
use renkei_stix::{MispOptions, apply_reach, misp_to_stix_with, parse_object};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for skip_invalid in [false, true] {
        if let Ok(mut m) = misp_to_stix_with(&v, MispOptions { skip_invalid }) {
            assert_eq!(m.objects.len(), m.origins.len());
            apply_reach(&mut m, Tlp::Green);
            for o in &m.objects {
                assert!(parse_object(o, None).is_ok(), "{o}");
            }
        }
    }
});
