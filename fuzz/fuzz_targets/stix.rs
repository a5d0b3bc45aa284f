//! STIX 2.1 bundles, TAXII envelopes and single objects (patterns
//! included), as they arrive over TAXII and imports: never panics, and an
//! object accepted inside a bundle is accepted on its own, with the same id
//! and type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_stix::{parse_bundle, parse_envelope, parse_object};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for parsed in [parse_bundle(&v), parse_envelope(&v)] {
        for o in parsed.into_iter().flatten() {
            let again = parse_object(&o.value, None).expect("accepted in a list, accepted alone");
            assert_eq!((&again.id, &again.type_name), (&o.id, &o.type_name));
        }
    }
    let _ = parse_object(&v, None);
});
